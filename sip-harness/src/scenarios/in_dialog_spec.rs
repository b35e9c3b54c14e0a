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
use super::spec_support::*;
use super::Scenario;
use crate::adapters::ua::{AnswerPolicy, Policy, ReinviteAnswer, UaNode};
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::header::HeaderName;
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_session::{
    ByeOptions, Event, ExtensionSupport, InviteOptions, ReferOptions, ReferTarget, ReinviteOptions,
    SessionError, SessionId, SessionState, SignalingState, TerminationCause, UserAgent,
    UserAgentConfig,
};
use std::net::SocketAddr;

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
        carol_name: "Carol",
        strict: *faults == Faults::NONE,
    }
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
