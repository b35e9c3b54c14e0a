//! The scenario registry: named, seedable runs that `sip-harness sweep`,
//! `run` and `replay` can find by name.
//!
//! A scenario builds its nodes and links on a fresh [`Sim`], applies the
//! [`Faults`] it is given to its links, drives the exchange and says
//! whether it went right. [`Scenario::run`] wraps that with the seed and
//! the trace header, so the trace it returns can be replayed.
//!
//! To add one: write `fn(&mut Sim, &Faults) -> Result<(), String>` and add
//! a [`Scenario`] entry to [`ALL`].

pub mod calls;
pub mod in_dialog;
pub mod in_dialog_spec;
pub mod redirect;
pub mod registration_spec;
pub mod roles;
pub mod selftest;
/// SIP.js session.spec.ts, ported.
pub mod session_spec;
pub(crate) mod spec_support;
pub mod subscription_spec;
pub mod txn;

use crate::sim::{Faults, LinkConfig, Sim, SimStats};
use crate::trace::{Trace, TraceHeader};
use selftest::{SelftestClient, SelftestServer};
use sip_core::time::{Duration, Instant};
use sip_core::transport::Transport;
use std::net::SocketAddr;

/// A named scenario.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// The name used on the command line.
    pub name: &'static str,
    /// One line on what it does and checks.
    pub about: &'static str,
    /// Builds and drives the scenario on a fresh simulator.
    pub body: fn(&mut Sim, &Faults) -> Result<(), String>,
}

/// What one run of a scenario produced.
#[derive(Debug)]
pub struct Outcome {
    /// The trace, with its header.
    pub trace: Trace,
    /// `Err` with the reason when the scenario's checks failed.
    pub result: Result<(), String>,
    /// What the simulator did.
    pub stats: SimStats,
}

impl Scenario {
    /// Runs the scenario with `seed` and `faults`.
    pub fn run(&self, seed: u64, faults: &Faults) -> Outcome {
        let mut sim = Sim::new(seed);
        let result = (self.body)(&mut sim, faults);
        let stats = sim.stats();
        let mut trace = sim.take_trace();
        trace.header = Some(TraceHeader::new(self.name, seed, *faults));
        Outcome {
            trace,
            result,
            stats,
        }
    }
}

/// Every registered scenario.
pub const ALL: &[Scenario] = &[
    Scenario {
        name: "call",
        about: "two user agents: INVITE with SDP, 180, 200 after 2 s, ACK, 5 s call, BYE, 200 (the demo)",
        body: calls::basic,
    },
    Scenario {
        name: "call-busy",
        about: "two user agents: INVITE, 180, 486 Busy Here after 1 s, ACK; the caller ends with 486",
        body: calls::busy,
    },
    Scenario {
        name: "call-redirect",
        about: "a redirect server answers Alice's INVITE 302 with Contact Bob; Alice (max_redirects 3) re-sends it to Bob (CSeq 2), who answers after 1 s; BYE after 5 s",
        body: redirect::redirected_call,
    },
    Scenario {
        name: "call-hold",
        about: "a call put on hold by re-INVITE (a=sendonly, answered recvonly) and taken off hold (a=sendrecv), each 200 and ACK, then BYE",
        body: in_dialog::hold,
    },
    Scenario {
        name: "call-info",
        about: "INFO and MESSAGE in the dialog of an established call, each answered 200, then BYE",
        body: in_dialog::info,
    },
    Scenario {
        name: "call-glare",
        about: "both sides send a re-INVITE at once: 491 each way, retries after the RFC 3261 §14.1 delays (callee 0-2 s, caller 2.1-4 s), both accepted",
        body: in_dialog::glare,
    },
    Scenario {
        name: "register",
        about: "Alice registers with the registrar/proxy fixture: 401, digest, 423 Min-Expires, 200; refreshes before expiry; unregisters",
        body: roles::register,
    },
    Scenario {
        name: "proxied-call",
        about: "Alice and Bob register with the proxy; Alice calls sip:bob@example.com through it; 2 s ringing, 5 s call, BYE via Record-Route",
        body: roles::proxied_call,
    },
    Scenario {
        name: "proxied-message",
        about: "Bob registers; Alice sends an out-of-dialog MESSAGE to sip:bob@example.com through the proxy; Bob's application answers 200",
        body: roles::proxied_message,
    },
    Scenario {
        name: "presence",
        about: "Bob registers; Alice subscribes to Bob's presence through the proxy; NOTIFY open, NOTIFY closed after 5 s, unsubscribe and final NOTIFY",
        body: roles::presence,
    },
    Scenario {
        name: "call-transfer",
        about: "blind transfer: Bob REFERs Alice to Carol; Alice answers 202, calls Carol and NOTIFYs Bob (100, 180, 200 with the subscription terminated)",
        body: in_dialog::transfer,
    },
    Scenario {
        name: "call-attended-transfer",
        about: "attended transfer: Bob calls Carol, then REFERs Alice to Carol with Replaces; Alice's INVITE replaces Bob's call with Carol, which Carol ends by BYE",
        body: in_dialog::attended_transfer,
    },
    Scenario {
        name: "call-prack",
        about: "100rel on both sides: a reliable 183 with the early-media answer, PRACK and its 200, then 200 (INVITE), ACK, BYE",
        body: in_dialog::prack,
    },
    Scenario {
        name: "call-session-timer",
        about: "session timers (RFC 4028) on both sides, 90 s: the 2xx makes the caller the refresher, who refreshes by UPDATE every 45 s of a 200 s call",
        body: in_dialog::session_timer,
    },
    Scenario {
        name: "non-invite",
        about: "transaction layer over UDP: 3 MESSAGEs in turn, each 200; Timer E retransmits, the server transaction absorbs duplicates",
        body: txn::non_invite,
    },
    Scenario {
        name: "non-invite-tcp",
        about: "transaction layer over TCP: 3 MESSAGEs in turn, each 200, framed across random stream chunks",
        body: txn::non_invite_tcp,
    },
    Scenario {
        name: "invite",
        about: "transaction layer over UDP: INVITE, 180, 200 after 1 s, ACK; Timer A and the UAS core's 2xx retransmissions",
        body: txn::invite,
    },
    Scenario {
        name: "invite-rejected",
        about: "transaction layer over UDP: INVITE answered 486; the transaction ACKs it and absorbs retransmissions (Timer G)",
        body: txn::invite_rejected,
    },
    Scenario {
        name: "selftest-udp",
        about: "harness self-test: 3 OPTIONS over UDP, retransmitted until answered (not the RFC transaction layer)",
        body: selftest_udp,
    },
    Scenario {
        name: "selftest-tcp",
        about: "harness self-test: 5 pipelined OPTIONS over TCP, framed by Content-Length across random chunks",
        body: selftest_tcp,
    },
];

/// The ports of SIP.js's spec checklists (`session-in-dialog.spec.ts`
/// and the in-dialog part of `user-agent-core.spec.ts`,
/// `registration.spec.ts`, `subscription.spec.ts`), one scenario per case
/// (found by [`find`] like the others, listed apart to keep [`ALL`] to the
/// flows).
pub fn spec_cases() -> impl Iterator<Item = &'static Scenario> {
    in_dialog_spec::SCENARIOS
        .iter()
        .chain(session_spec::SCENARIOS.iter())
        .chain(registration_spec::CASES.iter())
        .chain(subscription_spec::CASES.iter())
}

/// The scenario called `name`.
pub fn find(name: &str) -> Option<&'static Scenario> {
    ALL.iter().chain(spec_cases()).find(|s| s.name == name)
}

/// The registered names, comma-separated (for error messages).
pub fn names() -> String {
    ALL.iter()
        .chain(spec_cases())
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn selftest(
    sim: &mut Sim,
    faults: &Faults,
    transport: Transport,
    requests: u32,
) -> Result<(), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(10)).with_faults(faults));
    let client_addr = SocketAddr::from(([10, 0, 0, 1], 5060));
    let server_addr = SocketAddr::from(([10, 0, 0, 2], 5060));
    let client = sim.add_node_at(
        "client",
        [client_addr],
        SelftestClient::new(client_addr, server_addr, transport, requests),
    );
    let server = sim.add_node_at("server", [server_addr], SelftestServer::new());
    sim.at(Instant::ZERO)
        .label("client starts")
        .call(client, |c, now| c.start(now));
    sim.run_until(|s| {
        let c = s.node(client);
        c.done() || c.failure().is_some()
    })
    .map_err(|e| e.to_string())?;
    // Let retransmissions and late duplicates play out.
    sim.run_for(Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    let c = sim.node(client);
    if let Some(why) = c.failure() {
        return Err(format!("client failed: {why}"));
    }
    let expected: Vec<u32> = (1..=requests).collect();
    if c.answered() != expected {
        return Err(format!(
            "answered {:?}, expected {expected:?}",
            c.answered()
        ));
    }
    if sim.node(server).received() < requests {
        return Err("server saw fewer requests than were answered".to_owned());
    }
    Ok(())
}

fn selftest_udp(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    selftest(sim, faults, Transport::Udp, 3)
}

fn selftest_tcp(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    selftest(sim, faults, Transport::Tcp, 5)
}
