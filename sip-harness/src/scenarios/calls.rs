//! Call scenarios between sip-session user agents ([`UaNode`]s).
//!
//! Each scenario places Alice and Bob (and more phones where needed) on the
//! simulated network, runs the call, lets every timer play out, and checks
//! what each phone saw.

use crate::adapters::ua::{AnswerPolicy, Outcome, Policy, UaNode};
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::uri::Uri;
use sip_session::{Body, InviteOptions, TerminationCause, UserAgent, UserAgentConfig};
use std::net::SocketAddr;

/// A small, valid audio offer (RFC 4566) for `addr`.
pub fn sdp_for(user: &str, addr: SocketAddr, port: u16) -> Body {
    let ip = addr.ip();
    let family = if ip.is_ipv4() { "IP4" } else { "IP6" };
    Body::sdp(format!(
        "v=0\r\no={user} 2890844526 2890844526 IN {family} {ip}\r\ns=-\r\nc=IN {family} {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n"
    ))
}

/// The configuration of a phone `user` at `addr`.
pub fn phone_config(user: &str, display: &str, addr: SocketAddr) -> UserAgentConfig {
    UserAgentConfig {
        aor: Uri::parse(&format!("sip:{user}@example.com")).expect("static URI"),
        display_name: Some(display.to_owned()),
        contact: Uri::parse(&format!("sip:{user}@{addr}")).expect("contact URI"),
        user_agent: Some("sip-rs demo".to_owned()),
        transaction: crate::phone_cmd::sent_by(addr),
        ..UserAgentConfig::default()
    }
}

/// Adds a phone to `sim`.
pub fn add_phone(
    sim: &mut Sim,
    user: &str,
    display: &str,
    addr: SocketAddr,
    policy: Policy,
) -> NodeRef<UaNode> {
    let seed = sim.derive_seed();
    let ua = UserAgent::new(phone_config(user, display, addr), seed);
    sim.add_node_at(user, [addr], UaNode::new(ua, policy))
}

/// Schedules `node` to call `target` with `offer` at `at`.
pub fn call_at(
    sim: &mut Sim,
    at: Instant,
    label: &str,
    node: NodeRef<UaNode>,
    target: Uri,
    offer: Body,
) {
    sim.at(at).label(label).call(node, move |n, now| {
        n.act(now, |ua, now| {
            let opts = InviteOptions {
                body: Some(offer),
                ..InviteOptions::default()
            };
            ua.invite(now, target, opts).expect("the INVITE goes out");
        });
    });
}

/// Runs until every phone in `nodes` saw a session and all its sessions
/// ended.
pub fn run_until_ended(sim: &mut Sim, nodes: &[NodeRef<UaNode>]) -> Result<(), String> {
    let nodes = nodes.to_vec();
    sim.run_until(move |s| {
        nodes.iter().all(|&r| {
            let n = s.node(r);
            n.outcomes().next().is_some() && n.outcomes().all(|o| o.ended.is_some())
        })
    })
    .map_err(|e| e.to_string())
}

const ALICE: ([u8; 4], u16) = ([10, 0, 0, 1], 5060);
const BOB: ([u8; 4], u16) = ([10, 0, 0, 2], 5060);

/// What a two-party call scenario sets up.
struct Call {
    ring: Duration,
    talk: Duration,
    reject: Option<StatusCode>,
}

fn two_party(sim: &mut Sim, faults: &Faults, call: Call) -> Result<(Outcome, Outcome), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let (alice_addr, bob_addr) = (SocketAddr::from(ALICE), SocketAddr::from(BOB));
    let alice = add_phone(
        sim,
        "alice",
        "Alice",
        alice_addr,
        Policy {
            hangup_after: Some(call.talk),
            sdp: Some(sdp_for("alice", alice_addr, 49170)),
            ..Policy::default()
        },
    );
    let bob = add_phone(
        sim,
        "bob",
        "Bob",
        bob_addr,
        Policy {
            answer: Some(AnswerPolicy {
                ring: call.ring,
                reject: call.reject,
            }),
            sdp: Some(sdp_for("bob", bob_addr, 3456)),
            ..Policy::default()
        },
    );
    let target = Uri::parse(&format!("sip:bob@{bob_addr}")).expect("target URI");
    let offer = sdp_for("alice", alice_addr, 49170);
    call_at(sim, Instant::ZERO, "Alice calls Bob", alice, target, offer);
    run_until_ended(sim, &[alice, bob])?;
    // Let retransmissions, Timer K/J and late duplicates play out.
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    let one = |r: NodeRef<UaNode>, who: &str| -> Result<Outcome, String> {
        let n = sim.node(r);
        let v: Vec<Outcome> = n.outcomes().copied().collect();
        match v.as_slice() {
            [o] => Ok(*o),
            _ => Err(format!("{who} saw {} sessions, expected 1", v.len())),
        }
    };
    let (a, b) = (one(alice, "Alice")?, one(bob, "Bob")?);
    if sim.node(alice).ua().session_count() + sim.node(bob).ua().session_count() != 0 {
        return Err("sessions still held after all timers".to_owned());
    }
    Ok((a, b))
}

/// Alice calls Bob: INVITE with an SDP offer, 180, 200 with the answer
/// after 2 s of ringing, ACK, 5 s of call, BYE from Alice, 200.
pub fn basic(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (a, b) = two_party(
        sim,
        faults,
        Call {
            ring: Duration::from_secs(2),
            talk: Duration::from_secs(5),
            reject: None,
        },
    )?;
    expect(&a, true, TerminationCause::Bye, "Alice")?;
    expect(&b, true, TerminationCause::RemoteBye, "Bob")
}

/// Bob is busy: INVITE, 180, 486 after 1 s; Alice's session ends with 486.
pub fn busy(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (a, b) = two_party(
        sim,
        faults,
        Call {
            ring: Duration::from_secs(1),
            talk: Duration::from_secs(5),
            reject: Some(StatusCode::BUSY_HERE),
        },
    )?;
    expect(
        &a,
        false,
        TerminationCause::Rejected(StatusCode::BUSY_HERE),
        "Alice",
    )?;
    expect(
        &b,
        false,
        TerminationCause::RejectedLocally(StatusCode::BUSY_HERE),
        "Bob",
    )
}

fn expect(
    o: &Outcome,
    established: bool,
    cause: TerminationCause,
    who: &str,
) -> Result<(), String> {
    if o.established != established {
        return Err(format!(
            "{who}: established {} (expected {established})",
            o.established
        ));
    }
    match o.ended {
        Some(c) if c == cause => Ok(()),
        other => Err(format!("{who}: ended {other:?}, expected {cause:?}")),
    }
}

/// A load of back-to-back calls between two phones on a clean,
/// zero-latency network with the trace and the nodes' watch off: the
/// workload of the harness `calls` bench (`cargo bench -p sip-harness
/// --bench calls`) and of the `prof_harness` example.
pub struct Load {
    /// The simulator.
    pub sim: Sim,
    /// The caller.
    pub alice: NodeRef<UaNode>,
    /// The callee, answering at once.
    pub bob: NodeRef<UaNode>,
    /// How many calls were scheduled.
    pub calls: u64,
}

impl Load {
    /// Alice calls Bob `calls` times, `gap` apart from 1 ms (a zero gap
    /// starts them all at once); Bob answers at once, Alice hangs up as
    /// soon as the call is up.
    pub fn new(calls: u64, gap: Duration) -> Load {
        let mut sim = Sim::with_config(
            1,
            crate::sim::SimConfig {
                trace: false,
                ..crate::sim::SimConfig::default()
            },
        );
        sim.set_default_link(LinkConfig::with_latency(Duration::ZERO));
        let (a_addr, b_addr) = (SocketAddr::from(ALICE), SocketAddr::from(BOB));
        let alice = add_phone(
            &mut sim,
            "alice",
            "Alice",
            a_addr,
            Policy {
                hangup_after: Some(Duration::ZERO),
                sdp: Some(sdp_for("alice", a_addr, 49170)),
                ..Policy::default()
            },
        );
        let bob = add_phone(
            &mut sim,
            "bob",
            "Bob",
            b_addr,
            Policy {
                answer: Some(AnswerPolicy {
                    ring: Duration::ZERO,
                    reject: None,
                }),
                sdp: Some(sdp_for("bob", b_addr, 3456)),
                ..Policy::default()
            },
        );
        // The nodes' watch (each message parsed once more to count
        // requests awaiting a final response, each event formatted for
        // the trace): test aids, off here like the trace.
        sim.node_mut(alice).set_watch(false);
        sim.node_mut(bob).set_watch(false);
        let target = Uri::parse(&format!("sip:bob@{b_addr}")).expect("target URI");
        let offer = sdp_for("alice", a_addr, 49170);
        let gap_ms = u64::try_from(gap.as_millis()).unwrap_or(u64::MAX);
        for i in 0..calls {
            let at = Instant::from_millis(1 + i * gap_ms);
            call_at(&mut sim, at, "call", alice, target.clone(), offer.clone());
        }
        Load {
            sim,
            alice,
            bob,
            calls,
        }
    }

    /// Runs every call and its timers (two minutes of virtual time after
    /// the last call starts); returns how many calls Alice saw
    /// established and ended.
    pub fn run(&mut self) -> Result<u64, crate::sim::SimError> {
        self.sim.run_for(Duration::from_secs(120))?;
        let done = self
            .sim
            .node(self.alice)
            .outcomes()
            .filter(|o| o.established && o.ended.is_some())
            .count();
        Ok(done as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_completes_every_call_and_frees_every_session() {
        for gap in [Duration::from_millis(1), Duration::ZERO] {
            let mut load = Load::new(50, gap);
            assert_eq!(load.run().unwrap(), 50);
            let (a, b) = (load.sim.node(load.alice), load.sim.node(load.bob));
            assert_eq!(b.outcomes().filter(|o| o.established).count(), 50);
            assert_eq!(a.ua().session_count() + b.ua().session_count(), 0);
        }
    }
}
