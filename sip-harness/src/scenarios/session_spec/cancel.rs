//! SIP.js session: construction, CANCEL (RFC 3261 §9) before and after a
//! provisional response, the races of CANCEL with accept(), and the
//! failures synthesized by the agent (408, 503).

use super::*;

/// SIP.js "construct only": two agents, no call: nothing is sent (our
/// agent has no Inviter object before `invite()`; the phones idle).
pub(super) fn construct_only(sim: &mut Sim, faults: &Faults) -> Outcome {
    let p = phones(sim, faults, &Call::offer(true));
    pass(sim, 40.0)?;
    for (node, who) in p.all() {
        check(sim.sent(node).is_empty(), || {
            format!("{who} sent something")
        })?;
        check(sim.node(node).ua().session_count() == 0, || {
            format!("{who} holds a session")
        })?;
    }
    finish(sim, &p, p.alice)
}

/// SIP.js "invite() + immediate cancel()": Alice sends INVITE, CANCEL,
/// ACK and receives 100, 180, 200 (CANCEL), 487; Establishing,
/// Terminating, Terminated. The CANCEL is held until a provisional
/// response arrived (RFC 3261 §9.1).
fn cancel_immediate(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let p = phones(sim, faults, &Call::offer(offer));
    let t0 = sim.now();
    let a = dial(sim, &p, uri("bob", BOB), offer, false)?;
    cancel(sim, p.alice, a)?;
    if p.strict {
        let (sent, _) = wire(sim, p.alice, t0, None);
        check(sent == ["INVITE"], || {
            format!("the CANCEL went out before a provisional response: {sent:?}")
        })?;
    }
    cancelled(sim, &p, a, t0)
}

/// What follows Alice's cancel() of a ringing call `a`.
fn cancelled(sim: &mut Sim, p: &Phones, a: SessionId, t0: Instant) -> Outcome {
    wait_ended(sim, p.alice, a, 60)?;
    let b = ringing(sim, p.bob, 1)?;
    wait_ended(sim, p.bob, b, 60)?;
    expect_exchange(
        sim,
        p,
        t0,
        &["INVITE", "CANCEL", "ACK"],
        &["100", "180", "200", "487"],
    )?;
    let (alice, bob) = p.sides(true);
    expect_path(
        sim,
        p,
        alice,
        a,
        &[st::Establishing, st::Terminating, st::Terminated],
    )?;
    expect_path(sim, p, bob, b, &[st::Terminated])?;
    expect_ended(sim, alice, a, TerminationCause::Cancelled)?;
    expect_ended(sim, bob, b, TerminationCause::CancelledByRemote)?;
    wait_event(
        sim,
        p.bob,
        1,
        "Bob's onCancel",
        move |e| matches!(e, Event::Cancel { session } if *session == b),
    )?;
    finish(sim, p, p.alice)
}

pub(super) fn cancel_immediate_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    cancel_immediate(sim, faults, true)
}

pub(super) fn cancel_immediate_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    cancel_immediate(sim, faults, false)
}

/// SIP.js "after 100/180, Alice cancel()": CANCEL, ACK; 200, 487; Bob
/// gets onCancel and ends.
fn cancel_after_ringing(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let pl = invite(sim, faults, Call::offer(offer))?;
    heard_provisional(sim, &pl.p, pl.a)?;
    cancel(sim, pl.p.alice, pl.a)?;
    cancelled(sim, &pl.p, pl.a, pl.t0)
}

pub(super) fn cancel_after_ringing_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    cancel_after_ringing(sim, faults, true)
}

pub(super) fn cancel_after_ringing_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    cancel_after_ringing(sim, faults, false)
}

/// SIP.js "race, CANCEL wins": Alice cancel(), then Bob accept() once the
/// CANCEL was processed. SIP.js's accept() resolves and logs; ours is
/// refused with a typed error and sends nothing (the Invitation is
/// already terminated, RFC 3261 §9.2: the INVITE was answered 487).
pub(super) fn cancel_then_accept(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = invite(sim, faults, Call::offer(true))?;
    heard_provisional(sim, &pl.p, pl.a)?;
    cancel(sim, pl.p.alice, pl.a)?;
    let b = pl.b;
    wait_event(
        sim,
        pl.p.bob,
        60,
        "Bob's onCancel",
        move |e| matches!(e, Event::Cancel { session } if *session == b),
    )?;
    let r = accept(sim, pl.p.bob, pl.b, Some(description(sim, pl.p.bob)))?;
    expect_refused(r, "accept() after the CANCEL")?;
    cancelled(sim, &pl.p, pl.a, pl.t0)
}

/// SIP.js "race, 200 wins": Bob accept() and Alice cancel() at once, each
/// before hearing of the other. The CANCEL finds the INVITE answered
/// (200 to the CANCEL, no effect, RFC 3261 §9.2); Alice, who gave the
/// call up, ACKs the 200 and ends the dialog with BYE (§15). With SDP:
/// Alice sends INVITE, CANCEL, ACK, BYE. Without SDP the ACK of the
/// given-up call carries no answer to Bob's offer, so Bob ends with BYE
/// too (Reason 488, as SIP.js does); the BYEs cross and each is answered
/// 481 (the dialog is gone, §15.1.2).
fn accept_then_cancel(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let pl = invite(sim, faults, Call::offer(offer))?;
    let p = pl.p;
    heard_provisional(sim, &p, pl.a)?;
    accept_ok(sim, p.bob, pl.b)?;
    cancel(sim, p.alice, pl.a)?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    wait_ended(sim, p.bob, pl.b, 60)?;
    let (alice, bob) = p.sides(true);
    if offer {
        expect_exchange(
            sim,
            &p,
            pl.t0,
            &["INVITE", "CANCEL", "ACK", "BYE"],
            &["100", "180", "200", "200", "200"],
        )?;
        expect_ended(sim, bob, pl.b, TerminationCause::RemoteBye)?;
    } else {
        expect_exchange(
            sim,
            &p,
            pl.t0,
            &["INVITE", "CANCEL", "ACK", "BYE", "481"],
            &["100", "180", "200", "200", "BYE", "481"],
        )?;
        expect_bye_reason(sim, &p, bob, 488)?;
        // Under faults Alice's BYE may overtake the ACK.
        let allowed = if p.strict {
            vec![description_failed(488)]
        } else {
            vec![description_failed(488), TerminationCause::RemoteBye]
        };
        expect_ended_in(sim, bob, pl.b, &allowed)?;
    }
    expect_path(
        sim,
        &p,
        alice,
        pl.a,
        &[st::Establishing, st::Terminating, st::Terminated],
    )?;
    expect_path(
        sim,
        &p,
        bob,
        pl.b,
        &[st::Establishing, st::Established, st::Terminated],
    )?;
    expect_ended(sim, alice, pl.a, TerminationCause::Cancelled)?;
    finish(sim, &p, p.alice)
}

pub(super) fn accept_then_cancel_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    accept_then_cancel(sim, faults, true)
}

pub(super) fn accept_then_cancel_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    accept_then_cancel(sim, faults, false)
}

/// SIP.js "200 wins, the 200's description cannot be had (SDH error) →
/// Bob sends 480". Our agent never sends a 2xx without the description
/// it needs (the answer to Alice's offer, or an offer, RFC 3261 §13.3.1,
/// RFC 3264 §4): accept() without one is refused (`DescriptionRequired`)
/// and sends nothing; Bob's application then gives up with dispose(),
/// which rejects the call 480 as SIP.js does.
fn accept_without_description(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let pl = invite(sim, faults, Call::offer(offer))?;
    let p = pl.p;
    let r = accept(sim, p.bob, pl.b, None)?;
    let want = if offer {
        SignalingState::HaveRemoteOffer
    } else {
        SignalingState::Initial
    };
    check(r == Err(SessionError::DescriptionRequired(want)), || {
        format!("accept() without a description gave {r:?}")
    })?;
    terminate(sim, p.bob, pl.b, true)?.map_err(|e| format!("dispose(): {e}"))?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    expect_exchange(sim, &p, pl.t0, &["INVITE", "ACK"], &["100", "180", "480"])?;
    let (alice, bob) = p.sides(true);
    expect_ended(sim, alice, pl.a, rejected(480))?;
    expect_ended(sim, bob, pl.b, rejected_locally(480))?;
    finish(sim, &p, p.alice)
}

pub(super) fn accept_without_description_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    accept_without_description(sim, faults, true)
}

pub(super) fn accept_without_description_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    accept_without_description(sim, faults, false)
}

/// Where nobody listens.
const NOWHERE: ([u8; 4], u16) = ([10, 0, 0, 9], 5060);

/// SIP.js "invite(), no response → 408": Timer A retransmits the INVITE
/// (0.5, 1, 2, 4, 8, 16 s), Timer B ends the transaction at 32 s and the
/// agent reports 408 (RFC 3261 §17.1.1.2, §8.1.3.1).
pub(super) fn no_response(sim: &mut Sim, faults: &Faults) -> Outcome {
    let p = phones(sim, faults, &Call::offer(true));
    let a = dial(sim, &p, uri("nobody", NOWHERE), true, false)?;
    pass(sim, 31.0)?;
    let (alice, _) = p.sides(true);
    check(ended(sim, p.alice, a).is_none(), || {
        "the call ended before Timer B".to_owned()
    })?;
    wait_ended(sim, p.alice, a, 5)?;
    expect_ended(sim, alice, a, rejected(408))?;
    expect_path(sim, &p, alice, a, &[st::Establishing, st::Terminated])?;
    let invites = sent_count(sim, p.alice, "INVITE");
    check(invites == 7, || {
        format!("{invites} INVITEs sent, expected 7")
    })?;
    finish_excusing(sim, &p, p.alice, Some((p.alice, 1)))
}

/// SIP.js "invite(), send fails → 503": the transport reports the
/// INVITE's destination unreachable; the agent synthesizes 503 (RFC 3261
/// §8.1.3.1) and the call ends.
pub(super) fn send_fails(sim: &mut Sim, faults: &Faults) -> Outcome {
    let p = phones(sim, faults, &Call::offer(true));
    let a = dial(sim, &p, uri("nobody", NOWHERE), true, false)?;
    act(sim, p.alice, "the send fails", |ua, now| {
        let dest = sip_core::transport::Destination::Addr {
            transport: sip_core::transport::Transport::Udp,
            addr: SocketAddr::from(NOWHERE),
        };
        ua.handle_transport_error(now, dest, sip_core::transport::TransportError::Unreachable);
    })?;
    let (alice, _) = p.sides(true);
    expect_ended(sim, alice, a, rejected(503))?;
    expect_path(sim, &p, alice, a, &[st::Establishing, st::Terminated])?;
    finish_excusing(sim, &p, p.alice, Some((p.alice, 1)))
}
