//! SIP.js's `test/spec/api/session.spec.ts` ("API Session": Alice the
//! Inviter, Bob the Invitation), ported case by case to scenarios between
//! our own user agents on the simulated network (section 4.1 of the
//! SIP.js inventory).
//!
//! SIP.js runs its `inviteSuite` twice, with the offer in the INVITE and
//! without it (`inviteWithoutSdp`: offer in the 2xx or a reliable 1xx,
//! answer in the ACK or PRACK); a case has a `-no-sdp` twin where the
//! two differ. Every case is a [`Scenario`] in `SCENARIOS`. On a
//! perfect network it checks the exact messages each side sent and
//! received (request methods and response codes, retransmissions left
//! out), the states each session went through and why it ended; under
//! loss, duplication and reordering it checks that the call completed or
//! failed with the status the RFCs predict for what got lost, that every
//! request got a final response and that nothing is left once the timers
//! ran out (`spec_support::finish`).
//!
//! | submodule | cases |
//! |---|---|
//! | `cancel` | construction, CANCEL before and after a provisional response, the CANCEL/accept races, 408 and 503 |
//! | `answer` | accept and its failure paths (2xx or ACK without description, refused descriptions, lost ACKs), reject, terminate, the no-answer timeout |
//! | `provisional` | `progress()` sequences and trees with reliable 1xx (RFC 3262), the races with it, early media off and on |
//! | `forking` | Bob and Bob2 registered for one address-of-record, both answering (RFC 3261 §13.2.2.4), with and without SDP, reliable 1xx |
//!
//! Where our agent differs from SIP.js on purpose, the case says so and
//! cites the RFC.

mod answer;
mod cancel;
mod forking;
mod provisional;

use super::calls::{phone_config, sdp_for};
use super::spec_support::*;
use super::Scenario;
use crate::adapters::ua::{Policy, UaNode};
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_session::{
    AcceptOptions, Body, ByeOptions, CancelOptions, DescriptionKind, Event, ExtensionSupport,
    InviteOptions, ProgressOptions, RejectOptions, SessionError, SessionId, SessionState,
    SignalingState, TerminationCause, UserAgent, UserAgentConfig,
};
use std::net::SocketAddr;

macro_rules! cases {
    ($($name:literal => $body:path, $about:literal;)*) => {
        /// Every ported case, by scenario name.
        pub const SCENARIOS: &[Scenario] = &[$(Scenario {
            name: $name,
            about: $about,
            body: $body,
        }),*];
    };
}

cases! {
    "session-construct-only" => cancel::construct_only,
        "SIP.js session: two agents and no call: nothing sent for 40 s";
    "session-cancel-immediate" => cancel::cancel_immediate_sdp,
        "SIP.js session: invite() and cancel() at once: the CANCEL waits for the 100; INVITE, CANCEL, ACK; 487";
    "session-cancel-immediate-no-sdp" => cancel::cancel_immediate_nosdp,
        "SIP.js session: the same with the INVITE without SDP";
    "session-cancel-after-ringing" => cancel::cancel_after_ringing_sdp,
        "SIP.js session: cancel() after 100 and 180: CANCEL, 200, 487, ACK; Bob told";
    "session-cancel-after-ringing-no-sdp" => cancel::cancel_after_ringing_nosdp,
        "SIP.js session: the same with the INVITE without SDP";
    "session-cancel-then-accept" => cancel::cancel_then_accept,
        "SIP.js session: the CANCEL reaches Bob before his accept(), which is refused and sends nothing";
    "session-accept-then-cancel" => cancel::accept_then_cancel_sdp,
        "SIP.js session: Bob's 200 crosses Alice's CANCEL: 200 (CANCEL), ACK and BYE";
    "session-accept-then-cancel-no-sdp" => cancel::accept_then_cancel_nosdp,
        "SIP.js session: the same without SDP: the ACK has no answer, the BYEs cross, 481";
    "session-accept-without-description" => cancel::accept_without_description_sdp,
        "SIP.js session: Bob has no answer: accept() refused, nothing sent; dispose() rejects 480";
    "session-accept-without-description-no-sdp" => cancel::accept_without_description_nosdp,
        "SIP.js session: Bob has no offer for the 200: accept() refused; dispose() rejects 480";
    "session-no-response-408" => cancel::no_response,
        "SIP.js session: nobody answers the INVITE: Timer B, 408 synthesized";
    "session-send-fails-503" => cancel::send_fails,
        "SIP.js session: the transport cannot send the INVITE: 503 synthesized";
    "session-accept" => answer::accept_sdp,
        "SIP.js session: Bob accept(): 100, 180, 200, ACK; both established and stable";
    "session-accept-no-sdp" => answer::accept_nosdp,
        "SIP.js session: the same without SDP: offer in the 200, answer in the ACK";
    "session-accept-twice" => answer::accept_twice,
        "SIP.js session: a second accept() is refused and sends nothing";
    "session-accept-then-bye" => answer::accept_then_bye,
        "SIP.js session: Bob accept() then terminate(): his BYE waits for the ACK";
    "session-bye-twice" => answer::bye_twice,
        "SIP.js session: Bob terminate() twice on an established call: the second is refused";
    "session-no-initial-provisional" => answer::no_initial_provisional,
        "SIP.js session: automatic 180 off: Bob sends only 100, then 200";
    "session-2xx-without-description" => answer::ok_without_description_sdp,
        "SIP.js session: Bob's 200 arrives without the answer: ACK, BYE (Reason 400)";
    "session-2xx-without-description-no-sdp" => answer::ok_without_description_nosdp,
        "SIP.js session: Bob's 200 arrives without an offer: ACK, BYE (Reason 400)";
    "session-answer-refused" => answer::answer_refused_sdp,
        "SIP.js session: Alice cannot take the answer in the 200: ACK, BYE (Reason 488)";
    "session-answer-refused-no-sdp" => answer::answer_refused_nosdp,
        "SIP.js session: Alice cannot answer the offer in the 200: ACK without answer, BYEs cross, 481";
    "session-ack-without-answer-no-sdp" => answer::ack_without_answer,
        "SIP.js session: the ACK arrives without the answer to Bob's offer: Bob BYEs (Reason 488)";
    "session-ack-answer-refused-no-sdp" => answer::ack_answer_refused,
        "SIP.js session: Bob cannot take the answer in the ACK: BYE (Reason 488)";
    "session-ack-lost-once" => answer::ack_lost_once_sdp,
        "SIP.js session: the first ACK is lost: Bob retransmits the 200, Alice ACKs it again";
    "session-ack-lost-once-no-sdp" => answer::ack_lost_once_nosdp,
        "SIP.js session: the same without SDP: the repeated ACK carries the answer";
    "session-ack-never-arrives" => answer::ack_never_arrives_sdp,
        "SIP.js session: no ACK gets through: the 200 sent 11 times, then BYE (ACK timeout)";
    "session-ack-never-arrives-no-sdp" => answer::ack_never_arrives_nosdp,
        "SIP.js session: the same without SDP";
    "session-accept-bye-ack-lost" => answer::accept_bye_ack_lost,
        "SIP.js session: Bob accept() and terminate(), ACKs lost: 200 sent 11 times, then BYE";
    "session-reject" => answer::reject,
        "SIP.js session: Bob reject() (480), then reject() again: refused";
    "session-reject-ack-lost" => answer::reject_ack_lost,
        "SIP.js session: Bob reject(), Alice's ACKs lost: the 480 repeated until Timer H";
    "session-dispose-before-answer" => answer::dispose_before_answer,
        "SIP.js session: Bob terminate() before answering (480), then again: refused";
    "session-no-answer-timeout" => answer::no_answer_timeout,
        "SIP.js session: Bob does nothing: 480 after the no-answer timeout";
    "session-progress-twice" => provisional::progress_twice,
        "SIP.js session: Bob progress() twice, then accept(): 180, 180, 200";
    "session-reliable-progress-twice" => provisional::reliable_progress_twice,
        "SIP.js session: progress(reliable) twice: the second refused while the PRACK is due";
    "session-progress-cancel-accept" => provisional::progress_cancel_accept,
        "SIP.js session: progress(), Alice's cancel(), then Bob's accept(): the CANCEL wins";
    "session-reliable-progress-cancel-accept" => provisional::reliable_progress_cancel_accept,
        "SIP.js session: progress(reliable), cancel(), accept(): the CANCEL wins";
    "session-reliable-progress-accept-dispose" => provisional::reliable_progress_accept_dispose,
        "SIP.js session: progress(reliable), accept() (waiting for the PRACK), dispose(): 480";
    "session-provisional-trees-1" => provisional::trees_1_sdp,
        "SIP.js session: each progress() / progress(183) / progress(reliable), then accept() or reject()";
    "session-provisional-trees-1-no-sdp" => provisional::trees_1_nosdp,
        "SIP.js session: the same without SDP (offer in the first reliable 1xx or the 200)";
    "session-provisional-trees-2" => provisional::trees_2_sdp,
        "SIP.js session: every sequence of two provisional responses, then accept() or reject()";
    "session-provisional-trees-2-no-sdp" => provisional::trees_2_nosdp,
        "SIP.js session: the same without SDP";
    "session-provisional-trees-3" => provisional::trees_3_sdp,
        "SIP.js session: every sequence of three provisional responses, then accept() or reject()";
    "session-provisional-trees-3-no-sdp" => provisional::trees_3_nosdp,
        "SIP.js session: the same without SDP";
    "session-early-media-off" => provisional::early_media_off_once,
        "SIP.js session: early media off: 183 with the answer, 200; the answer applied at the 200";
    "session-early-media-off-183-twice" => provisional::early_media_off_twice,
        "SIP.js session: early media off: 183, 183, 200; the answer applied at the 200";
    "session-early-media-on" => provisional::early_media_on_once,
        "SIP.js session: early media on: 183 with the answer, 200; the answer applied at the 183";
    "session-early-media-on-183-twice" => provisional::early_media_on_twice,
        "SIP.js session: early media on: 183, 183, 200; the answer applied at the first 183";
    "session-forking-both-accept" => forking::both_accept_sdp,
        "SIP.js session: forked to Bob and Bob2, both accept: ACK, ACK and BYE to the later 2xx";
    "session-forking-both-accept-no-sdp" => forking::both_accept_nosdp,
        "SIP.js session: the same without SDP: the first 2xx's offer answered in its ACK";
    "session-forking-reliable" => forking::reliable_sdp,
        "SIP.js session: forked, both progress(reliable): PRACK each, both accept, BYE to the later";
    "session-forking-reliable-no-sdp" => forking::reliable_nosdp,
        "SIP.js session: the same without SDP: each fork's offer answered in its PRACK";
    "session-forking-early-media" => forking::early_media,
        "SIP.js session: early media from Bob's fork, Bob2 answers: ACK, BYE (Reason 488)";
}

// ----- setting up a call ---------------------------------------------------

/// How a case sets its phones up.
#[derive(Default)]
pub(crate) struct Call {
    /// The INVITE carries Alice's offer (else the offer comes in Bob's
    /// 200 or reliable 1xx, RFC 3261 §13.2.1, RFC 3262 §5).
    offer: bool,
    /// Alice applies early answers (SIP.js `earlyMedia`).
    early_media: bool,
    /// Both support 100rel (RFC 3262) and Bob's automatic 180 is off.
    rel100: bool,
    alice: Policy,
    bob: Policy,
    /// Changes to each phone's configuration, by user name.
    config: Option<fn(&str, &mut UserAgentConfig)>,
}

impl Call {
    fn offer(offer: bool) -> Self {
        Call {
            offer,
            ..Call::default()
        }
    }
}

/// A phone: `user` at `addr`, with its description and configuration.
fn phone(
    sim: &mut Sim,
    (user, display): (&str, &str),
    addr: ([u8; 4], u16),
    mut policy: Policy,
    call: &Call,
) -> NodeRef<UaNode> {
    let addr = SocketAddr::from(addr);
    let port = if user == "alice" { 49170 } else { 3456 };
    policy.sdp = Some(sdp_for(user, addr, port));
    let mut cfg = phone_config(user, display, addr);
    if call.rel100 {
        cfg.rel100 = ExtensionSupport::Supported;
        cfg.send_initial_provisional = false;
    }
    if let Some(f) = call.config {
        f(user, &mut cfg);
    }
    let seed = sim.derive_seed();
    sim.add_node_at(user, [addr], UaNode::new(UserAgent::new(cfg, seed), policy))
}

/// Places Alice and Bob (Bob answers nothing on his own).
fn phones(sim: &mut Sim, faults: &Faults, call: &Call) -> Phones {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let alice = phone(sim, ("alice", "Alice"), ALICE, call.alice.clone(), call);
    let bob = phone(sim, ("bob", "Bob"), BOB, call.bob.clone(), call);
    Phones {
        alice,
        bob,
        carol: None,
        carol_name: "Carol",
        strict: *faults == Faults::NONE,
    }
}

/// Alice calls `target` now (with her offer when `offer`); her session.
fn dial(
    sim: &mut Sim,
    p: &Phones,
    target: sip_core::uri::Uri,
    offer: bool,
    early_media: bool,
) -> Result<SessionId, String> {
    let body = offer.then(|| description(sim, p.alice));
    act(sim, p.alice, "Alice calls Bob", move |ua, now| {
        let opts = InviteOptions {
            body,
            early_media,
            ..InviteOptions::default()
        };
        ua.invite(now, target, opts).map_err(|e| e.to_string())
    })?
}

/// The calls `node`'s application was handed so far.
fn invitations(sim: &Sim, node: NodeRef<UaNode>) -> Vec<SessionId> {
    sim.node(node)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Invitation { session } => Some(*session),
            _ => None,
        })
        .collect()
}

/// Runs until `node` was handed its `n`th call (counting from 1); that
/// call.
fn ringing(sim: &mut Sim, node: NodeRef<UaNode>, n: usize) -> Result<SessionId, String> {
    wait(sim, 60, "the call to arrive", move |s| {
        invitations(s, node).len() >= n
    })?;
    Ok(invitations(sim, node)[n - 1])
}

/// The phones, Alice's call to Bob (placed now) and Bob's side of it,
/// once it arrived; and when Alice called.
fn invite(sim: &mut Sim, faults: &Faults, call: Call) -> Result<Placed, String> {
    let p = phones(sim, faults, &call);
    let t0 = sim.now();
    let a = dial(sim, &p, uri("bob", BOB), call.offer, call.early_media)?;
    let b = ringing(sim, p.bob, 1)?;
    Ok(Placed { p, a, b, t0 })
}

/// A call placed by [`invite`].
struct Placed {
    p: Phones,
    /// Alice's session.
    a: SessionId,
    /// Bob's.
    b: SessionId,
    /// When Alice called.
    t0: Instant,
}

// ----- acting on a call ------------------------------------------------------

/// Bob's application does `f` to his call `id` (an Invitation until
/// answered); `Err(InvalidState(Terminated))` once the call is gone.
fn on_invitation(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    label: &str,
    id: SessionId,
    f: impl FnOnce(&mut sip_session::InvitationMut<'_>, Instant) -> Result<(), SessionError> + 'static,
) -> Result<Result<(), SessionError>, String> {
    act(sim, node, label, move |ua, now| match ua.invitation(id) {
        Some(mut inv) => f(&mut inv, now),
        None => Err(SessionError::InvalidState(SessionState::Terminated)),
    })
}

/// Bob's `accept()`, with `body` (his answer, or his offer without one).
fn accept(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    id: SessionId,
    body: Option<Body>,
) -> Result<Result<(), SessionError>, String> {
    on_invitation(sim, node, "accept()", id, move |inv, now| {
        inv.accept(
            now,
            AcceptOptions {
                body,
                ..AcceptOptions::default()
            },
        )
    })
}

/// [`accept`] with `node`'s description, failing the case on refusal.
fn accept_ok(sim: &mut Sim, node: NodeRef<UaNode>, id: SessionId) -> Outcome {
    let body = Some(description(sim, node));
    accept(sim, node, id, body)?.map_err(|e| format!("accept(): {e}"))
}

/// Bob's `progress()`.
fn progress(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    id: SessionId,
    (status, reliable): (u16, bool),
    body: Option<Body>,
) -> Result<Result<(), SessionError>, String> {
    let status = StatusCode::new(status).expect("a provisional status");
    on_invitation(sim, node, "progress()", id, move |inv, now| {
        inv.progress(
            now,
            ProgressOptions {
                status,
                reliable,
                body,
                ..ProgressOptions::default()
            },
        )
    })
}

/// Bob's `reject()` with the default status (480).
fn reject(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    id: SessionId,
) -> Result<Result<(), SessionError>, String> {
    on_invitation(sim, node, "reject()", id, |inv, now| {
        inv.reject(now, RejectOptions::default())
    })
}

/// Alice's `cancel()`.
fn cancel(sim: &mut Sim, node: NodeRef<UaNode>, id: SessionId) -> Outcome {
    act(sim, node, "cancel()", move |ua, now| match ua.inviter(id) {
        Some(mut i) => i.cancel(now, CancelOptions::default()),
        None => Err(SessionError::InvalidState(SessionState::Terminated)),
    })?
    .map_err(|e| format!("cancel(): {e}"))
}

/// `bye()` (`dispose()` when `dispose`) on `node`'s session `id`.
fn terminate(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    id: SessionId,
    dispose: bool,
) -> Result<Result<(), SessionError>, String> {
    act(sim, node, "terminate()", move |ua, now| {
        match ua.session_mut(id) {
            Some(mut s) if dispose => s.dispose(now),
            Some(mut s) => s.bye(now, ByeOptions::default()),
            None => Err(SessionError::InvalidState(SessionState::Terminated)),
        }
    })
}

// ----- checks ------------------------------------------------------------------

/// Runs until session `id` of `node` ended, at most `secs` seconds,
/// then 2 s more for the last answers to arrive.
fn wait_ended(sim: &mut Sim, node: NodeRef<UaNode>, id: SessionId, secs: u64) -> Outcome {
    wait(sim, secs, "the session to end", move |s| {
        ended(s, node, id).is_some()
    })?;
    pass(sim, 2.0)
}

/// Runs until `node` saw an event `pred` accepts, at most `secs` seconds.
fn wait_event(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    secs: u64,
    what: &str,
    pred: impl Fn(&Event) -> bool + 'static,
) -> Outcome {
    wait(sim, secs, what, move |s| {
        s.node(node).events().iter().any(|(_, e)| pred(e))
    })
}

/// Runs until Alice's application heard a provisional response to call
/// `a`. Under faults provisional responses are not retransmitted
/// (RFC 3261 §17.2.1): after 5 s without one the case goes on (a CANCEL
/// then waits for one, which the INVITE's retransmissions bring, §9.1).
fn heard_provisional(sim: &mut Sim, p: &Phones, a: SessionId) -> Outcome {
    let secs = if p.strict { 60 } else { 5 };
    let r = wait_event(
        sim,
        p.alice,
        secs,
        "a provisional response",
        move |e| matches!(e, Event::Progress { session, .. } if *session == a),
    );
    if p.strict {
        r
    } else {
        Ok(())
    }
}

/// On a perfect network: session `id` of `who` went through `want`.
fn expect_path(
    sim: &Sim,
    p: &Phones,
    (node, who): Side,
    id: SessionId,
    want: &[SessionState],
) -> Outcome {
    if !p.strict {
        return Ok(());
    }
    let got = path(sim, node, id);
    check(got == want, || {
        format!("{who}'s session went {got:?}, expected {want:?}")
    })
}

/// Session `id` of `who` ended one of the ways in `allowed`.
fn expect_ended_in(
    sim: &Sim,
    (node, who): Side,
    id: SessionId,
    allowed: &[TerminationCause],
) -> Outcome {
    let got = ended(sim, node, id);
    check(got.is_some_and(|c| allowed.contains(&c)), || {
        format!("{who}'s session ended {got:?}, expected one of {allowed:?}")
    })
}

/// An application call refused with a typed error.
fn expect_refused(r: Result<(), SessionError>, what: &str) -> Outcome {
    check(r.is_err(), || format!("{what} was not refused"))
}

/// How many messages labelled `what` (a method or a status code) `node`
/// sent, retransmissions included.
fn sent_count(sim: &Sim, node: NodeRef<UaNode>, what: &str) -> usize {
    sim.sent(node)
        .iter()
        .filter(|m| label(&m.data) == what)
        .count()
}

/// The answers (`early` flags) Alice's application was handed.
fn answers(sim: &Sim, node: NodeRef<UaNode>) -> Vec<bool> {
    sim.node(node)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::RemoteDescription {
                kind: DescriptionKind::Answer,
                early,
                ..
            } => Some(*early),
            _ => None,
        })
        .collect()
}

/// The `Reason` header of the first BYE `node` sent.
fn bye_reason(sim: &Sim, node: NodeRef<UaNode>) -> Option<String> {
    sim.sent(node).iter().find_map(|m| {
        (label(&m.data) == "BYE").then(|| {
            String::from_utf8_lossy(&m.data)
                .lines()
                .find_map(|l| l.strip_prefix("Reason: ").map(str::to_owned))
        })?
    })
}

/// On a perfect network: the first BYE `who` sent carries Reason with
/// `cause`.
fn expect_bye_reason(sim: &Sim, p: &Phones, (node, who): Side, cause: u16) -> Outcome {
    if !p.strict {
        return Ok(());
    }
    let got = bye_reason(sim, node);
    let want = format!("SIP;cause={cause};");
    check(got.as_deref().is_some_and(|r| r.starts_with(&want)), || {
        format!("{who}'s BYE has Reason {got:?}, expected cause {cause}")
    })
}

/// Both Established and Stable, then `spec_support::finish`.
fn both_up_then_finish(sim: &mut Sim, pl: &Placed) -> Outcome {
    expect_both_stable(sim, &pl.p, pl.a, pl.b)?;
    finish(sim, &pl.p, pl.p.alice)
}

/// `SessionState` shorthands for the expected paths.
mod st {
    pub(super) use sip_session::SessionState::{
        Established, Establishing, Terminated, Terminating,
    };
}

/// `TerminationCause::Rejected(status)` and friends.
fn rejected(status: u16) -> TerminationCause {
    TerminationCause::Rejected(StatusCode::new(status).expect("a final status"))
}

fn rejected_locally(status: u16) -> TerminationCause {
    TerminationCause::RejectedLocally(StatusCode::new(status).expect("a final status"))
}

fn description_failed(status: u16) -> TerminationCause {
    TerminationCause::Description(StatusCode::new(status).expect("a final status"))
}
