//! SIP.js's in-dialog test cases, ported case by case to scenarios between
//! our own user agents (Alice, Bob, Carol) on the simulated network.
//!
//! `test/spec/api/session-in-dialog.spec.ts` is ported here; the in-dialog
//! part of `test/spec/core/user-agent-core.spec.ts` (INVITE without offer,
//! then BYE, INFO, re-INVITE, MESSAGE, NOTIFY, PRACK, REFER in each
//! direction, and re-INVITE glare) in the `core` submodule. Every case is a
//! [`Scenario`] in [`SCENARIOS`]: on a perfect network it checks the exact
//! messages each side sent and received (request methods and response
//! codes), both sides' session and offer/answer states, and the final
//! statuses; under loss, duplication and reordering it checks that the
//! exchange completed, or failed the way the RFCs say it may (a timeout, a
//! 500 for an overlapping INVITE), that every request got a final
//! response and that no session is left over.
//!
//! Where our agent differs from SIP.js on purpose, the case says so and
//! cites the RFC.

mod core;
mod reinvite;
mod requests;

use super::calls::{phone_config, sdp_for};
use super::Scenario;
use crate::adapters::ua::{AnswerPolicy, Policy, ReinviteAnswer, UaNode};
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::header::HeaderName;
use sip_core::method::Method;
use sip_core::parse::{parse_datagram, ParserConfig, StartLine};
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::uri::Uri;
use sip_session::{
    ByeOptions, Event, ExtensionSupport, InviteOptions, ReferOptions, ReferTarget, ReinviteOptions,
    SessionError, SessionId, SessionState, SignalingState, TerminationCause, UserAgent,
    UserAgentConfig,
};
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;

const ALICE: ([u8; 4], u16) = ([10, 0, 0, 1], 5060);
const BOB: ([u8; 4], u16) = ([10, 0, 0, 2], 5060);
const CAROL: ([u8; 4], u16) = ([10, 0, 0, 3], 5060);

type Outcome = Result<(), String>;

/// Every ported case, by scenario name.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "spec-ack-lost-reinvite-offer-in-invite",
        about: "SIP.js in-dialog: INVITE with SDP, Alice's ACK lost, her re-INVITE gets 200 (it stands for the ACK)",
        body: reinvite::ack_lost_offer_in_invite,
    },
    Scenario {
        name: "spec-ack-lost-reinvite-offer-in-2xx",
        about: "SIP.js in-dialog: INVITE without SDP, Alice's ACK (the answer) lost, her re-INVITE gets 500 with Retry-After",
        body: reinvite::ack_lost_offer_in_2xx,
    },
    Scenario {
        name: "spec-reinvite-accepted",
        about: "SIP.js in-dialog: re-INVITE with SDP accepted: INVITE, 100, 200, ACK; stable",
        body: reinvite::reinvite_accepted_sdp,
    },
    Scenario {
        name: "spec-reinvite-accepted-no-sdp",
        about: "SIP.js in-dialog: re-INVITE without SDP accepted: offer in the 200, answer in the ACK; stable",
        body: reinvite::reinvite_accepted_nosdp,
    },
    Scenario {
        name: "spec-reinvite-accepted-twice",
        about: "SIP.js in-dialog: two re-INVITEs with SDP in turn, both accepted",
        body: reinvite::reinvite_twice_sdp,
    },
    Scenario {
        name: "spec-reinvite-accepted-twice-no-sdp",
        about: "SIP.js in-dialog: two re-INVITEs without SDP in turn, both accepted",
        body: reinvite::reinvite_twice_nosdp,
    },
    Scenario {
        name: "spec-reinvite-2xx-without-description",
        about: "SIP.js in-dialog: Bob cannot answer Alice's offer: the agent refuses a bodiless 200, 488 after the answer timeout",
        body: reinvite::reinvite_no_description_sdp,
    },
    Scenario {
        name: "spec-reinvite-2xx-without-description-no-sdp",
        about: "SIP.js in-dialog: re-INVITE without SDP answered 200 without an offer: ACK, BYE (Reason 400)",
        body: reinvite::reinvite_no_description_nosdp,
    },
    Scenario {
        name: "spec-reinvite-answer-refused",
        about: "SIP.js in-dialog: Alice cannot take the answer in the 200: ACK, BYE (Reason 488)",
        body: reinvite::reinvite_refused_sdp,
    },
    Scenario {
        name: "spec-reinvite-answer-refused-no-sdp",
        about: "SIP.js in-dialog: Alice cannot answer the offer in the 200: ACK without answer, BYEs cross, 481",
        body: reinvite::reinvite_refused_nosdp,
    },
    Scenario {
        name: "spec-reinvite-rejected-then-accepted",
        about: "SIP.js in-dialog: re-INVITE with SDP rejected 488 (rolled back, stable), the next one accepted",
        body: reinvite::reinvite_rejected_sdp,
    },
    Scenario {
        name: "spec-reinvite-rejected-then-accepted-no-sdp",
        about: "SIP.js in-dialog: re-INVITE without SDP rejected 488, the next one accepted",
        body: reinvite::reinvite_rejected_nosdp,
    },
    Scenario {
        name: "spec-reinvite-rejected-then-bye",
        about: "SIP.js in-dialog: re-INVITE rejected 488 and Alice's media cannot roll back: INVITE, ACK, BYE",
        body: reinvite::reinvite_rejected_then_bye,
    },
    Scenario {
        name: "spec-reinvite-in-progress",
        about: "SIP.js in-dialog: a second invite() while the first is unanswered is RequestPending; offer states; 488 after the answer timeout",
        body: reinvite::reinvite_in_progress_sdp,
    },
    Scenario {
        name: "spec-reinvite-in-progress-no-sdp",
        about: "SIP.js in-dialog: the same without SDP: both stable while pending",
        body: reinvite::reinvite_in_progress_nosdp,
    },
    Scenario {
        name: "spec-reinvite-then-bye",
        about: "SIP.js in-dialog: Alice sends a re-INVITE with SDP and BYE at once: INVITE, BYE, ACK; 200, 200",
        body: reinvite::reinvite_then_bye_sdp,
    },
    Scenario {
        name: "spec-reinvite-then-bye-no-sdp",
        about: "SIP.js in-dialog: the same without SDP",
        body: reinvite::reinvite_then_bye_nosdp,
    },
    Scenario {
        name: "spec-reinvite-crossing-bye",
        about: "SIP.js in-dialog: Alice's re-INVITE crosses Bob's BYE: 200 to the BYE, 481 to the re-INVITE",
        body: reinvite::reinvite_crossing_bye_sdp,
    },
    Scenario {
        name: "spec-reinvite-crossing-bye-no-sdp",
        about: "SIP.js in-dialog: Bob answers Alice's re-INVITE without SDP and hangs up: ACK with the answer, 200 to the BYE",
        body: reinvite::reinvite_crossing_bye_nosdp,
    },
    Scenario {
        name: "spec-refer-to-alice-default",
        about: "SIP.js in-dialog: Bob REFERs Alice, whose application leaves it: the agent's default 603",
        body: requests::refer_alice_default,
    },
    Scenario {
        name: "spec-refer-to-alice-delegated",
        about: "SIP.js in-dialog: Bob REFERs Alice to Carol: 202, INVITE to Carol (404), NOTIFYs 100, 180, 404",
        body: requests::refer_alice_delegated,
    },
    Scenario {
        name: "spec-refer-to-bob-default",
        about: "SIP.js in-dialog: Alice REFERs Bob, whose application leaves it: the agent's default 603",
        body: requests::refer_bob_default,
    },
    Scenario {
        name: "spec-refer-to-bob-delegated",
        about: "SIP.js in-dialog: Alice REFERs Bob to Carol: 202, INVITE to Carol (404), NOTIFYs 100, 180, 404",
        body: requests::refer_bob_delegated,
    },
    Scenario {
        name: "spec-message-default",
        about: "SIP.js in-dialog: MESSAGE answered 200 by Bob's agent",
        body: requests::message_default,
    },
    Scenario {
        name: "spec-message-delegated",
        about: "SIP.js in-dialog: MESSAGE answered 200 by Bob's application",
        body: requests::message_delegated,
    },
    Scenario {
        name: "spec-replaces-unknown-session",
        about: "SIP.js in-dialog: Carol's INVITE to Alice with Replaces naming no dialog: 100, 481, ACK",
        body: requests::replaces_unknown,
    },
    Scenario {
        name: "spec-replaces-bobs-session",
        about: "SIP.js in-dialog: Carol's INVITE to Alice replaces Alice's call with Bob: Carol established, Alice BYEs Bob",
        body: requests::replaces_bob,
    },
    Scenario {
        name: "core-bye-alice-to-bob",
        about: "SIP.js core: INVITE without offer, then Alice's BYE, 200",
        body: core::bye_alice,
    },
    Scenario {
        name: "core-bye-bob-to-alice",
        about: "SIP.js core: INVITE without offer, then Bob's BYE, 200",
        body: core::bye_bob,
    },
    Scenario {
        name: "core-info-alice-to-bob",
        about: "SIP.js core: INVITE without offer, then Alice's INFO, answered 200 by Bob's application",
        body: core::info_alice,
    },
    Scenario {
        name: "core-info-bob-to-alice",
        about: "SIP.js core: INVITE without offer, then Bob's INFO, answered 200 by Alice's application",
        body: core::info_bob,
    },
    Scenario {
        name: "core-reinvite-alice-to-bob",
        about: "SIP.js core: INVITE without offer, then Alice's re-INVITE with an offer: 100, 200, ACK",
        body: core::reinvite_alice,
    },
    Scenario {
        name: "core-reinvite-bob-to-alice",
        about: "SIP.js core: INVITE without offer, then Bob's re-INVITE with an offer: 100, 200, ACK",
        body: core::reinvite_bob,
    },
    Scenario {
        name: "core-reinvite-twice",
        about: "SIP.js core: a second re-INVITE before the first completed is refused (RequestPending)",
        body: core::reinvite_twice,
    },
    Scenario {
        name: "core-glare",
        about: "SIP.js core: both send a re-INVITE at once; each answers 491 and ACKs the other's 491; retries accepted",
        body: core::glare,
    },
    Scenario {
        name: "core-message-alice-to-bob",
        about: "SIP.js core: INVITE without offer, then Alice's MESSAGE, answered 200 by Bob's application",
        body: core::message_alice,
    },
    Scenario {
        name: "core-message-bob-to-alice",
        about: "SIP.js core: INVITE without offer, then Bob's MESSAGE, answered 200 by Alice's application",
        body: core::message_bob,
    },
    Scenario {
        name: "core-notify-alice-to-bob",
        about: "SIP.js core: a NOTIFY (Event: foo) in the dialog from Alice's side, answered 200 by Bob's application",
        body: core::notify_alice,
    },
    Scenario {
        name: "core-notify-bob-to-alice",
        about: "SIP.js core: a NOTIFY (Event: foo) in the dialog from Bob's side, answered 200 by Alice's application",
        body: core::notify_bob,
    },
    Scenario {
        name: "core-prack-alice-to-bob",
        about: "SIP.js core: a PRACK in the confirmed dialog from Alice's side: 481 (RFC 3262 §3), the call stays",
        body: core::prack_alice,
    },
    Scenario {
        name: "core-prack-bob-to-alice",
        about: "SIP.js core: a PRACK in the confirmed dialog from Bob's side: 481 (RFC 3262 §3), the call stays",
        body: core::prack_bob,
    },
    Scenario {
        name: "core-refer-alice-to-bob",
        about: "SIP.js core: INVITE without offer, then Alice's REFER, accepted 202 by Bob's application",
        body: core::refer_alice,
    },
    Scenario {
        name: "core-refer-bob-to-alice",
        about: "SIP.js core: INVITE without offer, then Bob's REFER, accepted 202 by Alice's application",
        body: core::refer_bob,
    },
];

// ----- the phones ----------------------------------------------------------

/// Alice, Bob and (when a case needs her) Carol.
#[derive(Clone, Copy)]
pub(crate) struct Phones {
    alice: NodeRef<UaNode>,
    bob: NodeRef<UaNode>,
    carol: Option<NodeRef<UaNode>>,
    /// Perfect network: check exact message sequences.
    strict: bool,
}

/// A phone and its user's name, for messages.
pub(crate) type Side = (NodeRef<UaNode>, &'static str);

impl Phones {
    /// The side that acts and its peer: Alice and Bob, or Bob and Alice.
    fn sides(&self, from_alice: bool) -> (Side, Side) {
        let (alice, bob) = ((self.alice, "Alice"), (self.bob, "Bob"));
        if from_alice {
            (alice, bob)
        } else {
            (bob, alice)
        }
    }

    fn all(&self) -> Vec<(NodeRef<UaNode>, &'static str)> {
        let mut v = vec![(self.alice, "Alice"), (self.bob, "Bob")];
        if let Some(c) = self.carol {
            v.push((c, "Carol"));
        }
        v
    }
}

/// How a case sets its phones up.
#[derive(Default)]
pub(crate) struct Setup {
    /// The initial INVITE carries Alice's offer (else the offer comes in
    /// Bob's 200 and the answer in the ACK, RFC 3261 §13.2.1).
    offer: bool,
    /// Carol is around (answers at once).
    carol: bool,
    /// Carol rejects calls with this status.
    carol_rejects: Option<StatusCode>,
    alice: Policy,
    bob: Policy,
    /// Changes to each phone's configuration, by user name.
    config: Option<fn(&str, &mut UserAgentConfig)>,
}

/// Places the phones (a description each; Bob and Carol answer calls at
/// once) and has Alice call Bob now.
pub(crate) fn start(sim: &mut Sim, faults: &Faults, setup: Setup) -> Phones {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let Setup {
        offer,
        carol,
        carol_rejects,
        alice,
        bob,
        config,
    } = setup;
    let mut add = |user: &str, display: &str, addr, port, mut policy: Policy| {
        let addr = SocketAddr::from(addr);
        policy.sdp = Some(sdp_for(user, addr, port));
        let mut cfg = phone_config(user, display, addr);
        if let Some(f) = config {
            f(user, &mut cfg);
        }
        let seed = sim.derive_seed();
        sim.add_node_at(user, [addr], UaNode::new(UserAgent::new(cfg, seed), policy))
    };
    let answer = |reject| {
        Some(AnswerPolicy {
            ring: Duration::ZERO,
            reject,
        })
    };
    let alice = add("alice", "Alice", ALICE, 49170, alice);
    let bob_policy = Policy {
        answer: bob.answer.clone().or_else(|| answer(None)),
        ..bob
    };
    let bob = add("bob", "Bob", BOB, 3456, bob_policy);
    let carol = carol.then(|| {
        let policy = Policy {
            answer: answer(carol_rejects),
            ..Policy::default()
        };
        add("carol", "Carol", CAROL, 5004, policy)
    });
    let target = uri("bob", BOB);
    let body = offer.then(|| sdp_for("alice", SocketAddr::from(ALICE), 49170));
    sim.at(sim.now())
        .label("Alice calls Bob")
        .call(alice, move |n, now| {
            n.act(now, |ua, now| {
                let opts = InviteOptions {
                    body,
                    ..InviteOptions::default()
                };
                ua.invite(now, target, opts).expect("the INVITE goes out");
            });
        });
    Phones {
        alice,
        bob,
        carol,
        strict: *faults == Faults::NONE,
    }
}

fn uri(user: &str, addr: ([u8; 4], u16)) -> Uri {
    Uri::parse(&format!("sip:{user}@{}", SocketAddr::from(addr))).expect("static URI")
}

/// The first session of `node`.
fn first_session(sim: &Sim, node: NodeRef<UaNode>) -> Option<SessionId> {
    sim.node(node).outcomes().next().map(|o| o.session)
}

/// Runs until Alice's call with Bob is up on both sides (Bob got the ACK)
/// and returns the two sessions.
pub(crate) fn up(sim: &mut Sim, p: &Phones) -> Result<(SessionId, SessionId), String> {
    let (alice, bob) = (p.alice, p.bob);
    wait(sim, 60, "the call to be set up", move |s| {
        let acked = s
            .node(bob)
            .events()
            .iter()
            .any(|(_, e)| matches!(e, Event::Ack { .. }));
        acked && state(s, alice, first_session(s, alice)).0 == Some(SessionState::Established)
    })?;
    let a = first_session(sim, alice).ok_or("Alice has no session")?;
    let b = first_session(sim, bob).ok_or("Bob has no session")?;
    // What follows starts on a quiet line.
    pass(sim, 0.5)?;
    Ok((a, b))
}

/// Runs until `pred` holds, at most `secs` seconds of virtual time.
pub(crate) fn wait(sim: &mut Sim, secs: u64, what: &str, pred: impl Fn(&Sim) -> bool) -> Outcome {
    let deadline = sim.now() + Duration::from_secs(secs);
    sim.at(deadline).act(|_| {});
    sim.run_until(|s| pred(s) || s.now() >= deadline)
        .map_err(|e| e.to_string())?;
    if pred(sim) {
        Ok(())
    } else {
        Err(format!("at {}: gave up waiting for {what}", sim.now()))
    }
}

/// Runs `f` on `node`'s agent now (and what follows at the same instant)
/// and returns its result.
pub(crate) fn act<R: 'static>(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    label: &str,
    f: impl FnOnce(&mut UserAgent, Instant) -> R + 'static,
) -> Result<R, String> {
    let slot: Rc<RefCell<Option<R>>> = Rc::new(RefCell::new(None));
    let out = slot.clone();
    sim.at(sim.now()).label(label).call(node, move |n, now| {
        let r = n.act(now, f);
        *out.borrow_mut() = Some(r);
    });
    sim.run_until(|_| slot.borrow().is_some())
        .map_err(|e| e.to_string())?;
    let r = slot.borrow_mut().take();
    r.ok_or_else(|| format!("{label}: the action did not run"))
}

/// Lets `secs` of virtual time pass.
pub(crate) fn pass(sim: &mut Sim, secs: f64) -> Outcome {
    sim.run_for(Duration::from_millis((secs * 1000.0) as u64))
        .map_err(|e| e.to_string())
}

/// A session's state and offer/answer state (`None` once it is gone).
pub(crate) fn state(
    sim: &Sim,
    node: NodeRef<UaNode>,
    id: Option<SessionId>,
) -> (Option<SessionState>, Option<SignalingState>) {
    match id.and_then(|id| sim.node(node).ua().session(id)) {
        Some(s) => (Some(s.state()), Some(s.signaling_state())),
        None => (None, None),
    }
}

/// Checks a session's state and offer/answer state. Under faults it may
/// take a while to get there (an ACK carrying the answer retransmitted,
/// RFC 3261 §13.3.1.4): up to 40 s are waited for.
pub(crate) fn expect_state(
    sim: &mut Sim,
    p: &Phones,
    node: NodeRef<UaNode>,
    who: &str,
    id: SessionId,
    want: SessionState,
    signaling: SignalingState,
) -> Outcome {
    let wanted = (Some(want), Some(signaling));
    if !p.strict {
        let _ = wait(sim, 40, "the state", move |s| {
            state(s, node, Some(id)) == wanted
        });
    }
    let got = state(sim, node, Some(id));
    if got != wanted {
        return Err(format!(
            "at {}: {who}'s session is {got:?}, expected {want:?} / {signaling:?}",
            sim.now()
        ));
    }
    Ok(())
}

/// The states session `id` of `node` went through.
pub(crate) fn path(sim: &Sim, node: NodeRef<UaNode>, id: SessionId) -> Vec<SessionState> {
    sim.node(node)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::StateChanged { session, to, .. } if *session == id => Some(*to),
            _ => None,
        })
        .collect()
}

/// Why session `id` of `node` ended, if it did.
pub(crate) fn ended(sim: &Sim, node: NodeRef<UaNode>, id: SessionId) -> Option<TerminationCause> {
    sim.node(node)
        .outcomes()
        .find(|o| o.session == id)
        .and_then(|o| o.ended)
}

/// The final statuses `node` got for its in-dialog `method` requests.
pub(crate) fn finals(sim: &Sim, node: NodeRef<UaNode>, m: &Method) -> Vec<u16> {
    sim.node(node)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::RequestOutcome { method, status, .. } if method == m => Some(status.as_u16()),
            _ => None,
        })
        .collect()
}

/// The in-dialog requests `node`'s application was handed, by method.
pub(crate) fn handed(sim: &Sim, node: NodeRef<UaNode>) -> Vec<Method> {
    sim.node(node)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Request { method, .. } => Some(method.clone()),
            _ => None,
        })
        .collect()
}

/// The method of a request, the code of a response.
pub(crate) fn label(data: &[u8]) -> String {
    match parse_datagram(data, &ParserConfig::default()) {
        Ok(v) => match v.start {
            StartLine::Request { method, .. } => method.to_owned(),
            StartLine::Response { code, .. } => code.to_string(),
        },
        Err(_) => "?".to_owned(),
    }
}

/// What `node` sent and received from `from` on (before `to`, if given),
/// retransmissions (byte-identical copies) left out.
pub(crate) fn wire(
    sim: &Sim,
    node: NodeRef<UaNode>,
    from: Instant,
    to: Option<Instant>,
) -> (Vec<String>, Vec<String>) {
    let inside = |t: Instant| t >= from && to.is_none_or(|to| t < to);
    let labels = |seen: Vec<crate::sim::Seen>, sent: bool| {
        let mut copies = std::collections::BTreeSet::new();
        seen.into_iter()
            .filter(|m| inside(if sent { m.sent } else { m.at }))
            .filter(|m| copies.insert(m.data.clone()))
            .map(|m| label(&m.data))
            .collect()
    };
    (
        labels(sim.sent(node), true),
        labels(sim.received(node), false),
    )
}

/// On a perfect network: `node` sent exactly `sent` and received exactly
/// `received` from `from` on (before `to`).
pub(crate) fn expect_wire(
    sim: &Sim,
    p: &Phones,
    node: NodeRef<UaNode>,
    who: &str,
    window: (Instant, Option<Instant>),
    sent: &[&str],
    received: &[&str],
) -> Outcome {
    if !p.strict {
        return Ok(());
    }
    let (s, r) = wire(sim, node, window.0, window.1);
    if s != sent || r != received {
        return Err(format!(
            "{who} sent {s:?} and received {r:?}; expected {sent:?} and {received:?}\n{}",
            sim.ladder()
        ));
    }
    Ok(())
}

/// On a perfect network, from `since` on: `from` sent exactly `sent` and
/// received exactly `received`, and `to` the mirror image (it received
/// what `from` sent and sent what `from` received).
pub(crate) fn expect_between(
    sim: &Sim,
    p: &Phones,
    (from, who): Side,
    (to, them): Side,
    since: Instant,
    sent: &[&str],
    received: &[&str],
) -> Outcome {
    let w = (since, None);
    expect_wire(sim, p, from, who, w, sent, received)?;
    expect_wire(sim, p, to, them, w, received, sent)
}

/// [`expect_between`] Alice and Bob: what Alice sent and received from
/// `since` on.
pub(crate) fn expect_exchange(
    sim: &Sim,
    p: &Phones,
    since: Instant,
    alice_sent: &[&str],
    alice_received: &[&str],
) -> Outcome {
    let (alice, bob) = p.sides(true);
    expect_between(sim, p, alice, bob, since, alice_sent, alice_received)
}

/// Alice's session `a` and Bob's `b` are both Established with
/// offer/answer Stable (see [`expect_state`]).
pub(crate) fn expect_both_stable(sim: &mut Sim, p: &Phones, a: SessionId, b: SessionId) -> Outcome {
    let (up, stable) = (SessionState::Established, SignalingState::Stable);
    expect_state(sim, p, p.alice, "Alice", a, up, stable)?;
    expect_state(sim, p, p.bob, "Bob", b, up, stable)
}

/// Session `id` of `who` ended with `want`.
pub(crate) fn expect_ended(
    sim: &Sim,
    (node, who): Side,
    id: SessionId,
    want: TerminationCause,
) -> Outcome {
    let got = ended(sim, node, id);
    check(got == Some(want), || {
        format!("{who}'s session ended {got:?}, expected {want:?}")
    })
}

/// Runs until `node`'s application was handed a re-INVITE, at most `secs`
/// seconds.
pub(crate) fn wait_reinvite(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    secs: u64,
    what: &str,
) -> Outcome {
    wait(sim, secs, what, move |s| {
        s.node(node)
            .events()
            .iter()
            .any(|(_, e)| matches!(e, Event::Reinvite { .. }))
    })
}

/// Runs until `node` got a final response to an in-dialog `m` request, at
/// most `secs` seconds.
pub(crate) fn wait_final(sim: &mut Sim, node: NodeRef<UaNode>, m: Method, secs: u64) -> Outcome {
    let what = format!("the {m}'s final response");
    wait(sim, secs, &what, move |s| !finals(s, node, &m).is_empty())
}

/// Checks `cond`, or fails with `msg`.
pub(crate) fn check(cond: bool, msg: impl FnOnce() -> String) -> Outcome {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

/// Sends a re-INVITE from `node`'s session `id` (with `node`'s description
/// as the offer when `offer`).
pub(crate) fn reinvite(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    who: &str,
    id: SessionId,
    offer: bool,
) -> Result<Result<(), SessionError>, String> {
    let body = offer.then(|| description(sim, node));
    act(
        sim,
        node,
        &format!("{who} sends a re-INVITE"),
        move |ua, now| {
            let mut s = ua
                .session_mut(id)
                .ok_or(SessionError::InvalidState(SessionState::Terminated))?;
            s.invite(
                now,
                ReinviteOptions {
                    body,
                    ..ReinviteOptions::default()
                },
            )
        },
    )
}

/// [`reinvite`], failing the case when `invite()` refuses.
pub(crate) fn send_reinvite(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    who: &str,
    id: SessionId,
    offer: bool,
) -> Outcome {
    reinvite(sim, node, who, id, offer)?.map_err(|e| format!("{who}'s invite(): {e}"))
}

/// `node`'s session description.
pub(crate) fn description(sim: &Sim, node: NodeRef<UaNode>) -> sip_session::Body {
    sim.node(node)
        .policy()
        .sdp
        .clone()
        .expect("every phone has a description")
}

/// Hangs up `node`'s session `id` if it is still up.
pub(crate) fn hang_up(sim: &mut Sim, node: NodeRef<UaNode>, who: &str, id: SessionId) -> Outcome {
    act(sim, node, &format!("{who} hangs up"), move |ua, now| {
        if let Some(mut s) = ua.session_mut(id) {
            if s.state() == SessionState::Established {
                let _ = s.bye(now, ByeOptions::default());
            }
        }
    })
}

/// The end of every case: `first` hangs up whatever is still up, then
/// the others; every session must end, and once the timers played out no
/// session, request or unanswered request may be left.
pub(crate) fn finish(sim: &mut Sim, p: &Phones, first: NodeRef<UaNode>) -> Outcome {
    finish_excusing(sim, p, first, None)
}

/// [`finish`], where `timed_out` requests of one phone ended by timeout
/// (Timer F, RFC 3261 §17.1.2.2) without a final response.
pub(crate) fn finish_excusing(
    sim: &mut Sim,
    p: &Phones,
    first: NodeRef<UaNode>,
    timed_out: Option<(NodeRef<UaNode>, usize)>,
) -> Outcome {
    let mut order = p.all();
    order.sort_by_key(|(n, _)| n.id() != first.id());
    for (n, who) in order {
        let ids: Vec<SessionId> = sim.node(n).ua().sessions().collect();
        for id in ids {
            hang_up(sim, n, who, id)?;
        }
        pass(sim, 2.0)?;
    }
    let nodes: Vec<_> = p.all();
    let all = nodes.clone();
    wait(sim, 120, "every session to end", move |s| {
        all.iter()
            .all(|&(n, _)| s.node(n).outcomes().all(|o| o.ended.is_some()))
    })?;
    pass(sim, 40.0)?;
    for (n, who) in nodes {
        let node = sim.node(n);
        let excused = match timed_out {
            Some((t, k)) if t.id() == n.id() => k,
            _ => 0,
        };
        check(node.ua().session_count() == 0, || {
            format!("{who}: sessions still held after all timers")
        })?;
        let t = node.ua().transactions().stats();
        let open = t.client_transactions + t.server_transactions - t.terminated;
        check(open == 0, || {
            format!("{who}: {open} transaction(s) still open after all timers")
        })?;
        check(node.ua().pending_requests() == 0, || {
            format!("{who}: requests still waiting for the application")
        })?;
        check(node.awaiting_responses() == excused, || {
            format!(
                "{who}: {} request(s) never got a final response\n{}",
                node.awaiting_responses(),
                sim.ladder()
            )
        })?;
    }
    Ok(())
}
