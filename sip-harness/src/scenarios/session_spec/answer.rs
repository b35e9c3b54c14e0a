//! SIP.js session: Bob's accept() and its failure paths (descriptions
//! missing or refused, ACKs lost), reject(), terminate() before and
//! after the answer, and the no-answer timeout.

use super::*;

/// Bob accepts; both up and stable; Alice sent INVITE, ACK.
fn accepted(sim: &mut Sim, faults: &Faults, call: Call) -> Result<Placed, String> {
    let pl = invite(sim, faults, call)?;
    accept_ok(sim, pl.p.bob, pl.b)?;
    up(sim, &pl.p)?;
    Ok(pl)
}

/// SIP.js "Bob accept()": 100, 180, 200, ACK; both Established and
/// Stable (without SDP the offer is in the 200, the answer in the ACK).
fn accept_case(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let pl = accepted(sim, faults, Call::offer(offer))?;
    let p = &pl.p;
    expect_exchange(sim, p, pl.t0, &["INVITE", "ACK"], &["100", "180", "200"])?;
    let (alice, bob) = p.sides(true);
    let up = [st::Establishing, st::Established];
    expect_path(sim, p, alice, pl.a, &up)?;
    expect_path(sim, p, bob, pl.b, &up)?;
    both_up_then_finish(sim, &pl)
}

pub(super) fn accept_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    accept_case(sim, faults, true)
}

pub(super) fn accept_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    accept_case(sim, faults, false)
}

/// SIP.js "accept() twice": the second is refused (InvalidState) and
/// sends nothing.
pub(super) fn accept_twice(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = invite(sim, faults, Call::offer(true))?;
    accept_ok(sim, pl.p.bob, pl.b)?;
    let body = Some(description(sim, pl.p.bob));
    let r = accept(sim, pl.p.bob, pl.b, body)?;
    expect_refused(r, "the second accept()")?;
    up(sim, &pl.p)?;
    expect_exchange(
        sim,
        &pl.p,
        pl.t0,
        &["INVITE", "ACK"],
        &["100", "180", "200"],
    )?;
    both_up_then_finish(sim, &pl)
}

/// SIP.js "accept() then terminate()": Bob's BYE waits for the ACK
/// (RFC 3261 §15: the callee must not BYE before the ACK or its timeout);
/// Alice sends INVITE, ACK, 200 and receives 100, 180, 200, BYE.
pub(super) fn accept_then_bye(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = invite(sim, faults, Call::offer(true))?;
    let p = &pl.p;
    accept_ok(sim, p.bob, pl.b)?;
    terminate(sim, p.bob, pl.b, false)?.map_err(|e| format!("terminate(): {e}"))?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    wait_ended(sim, p.bob, pl.b, 60)?;
    expect_exchange(
        sim,
        p,
        pl.t0,
        &["INVITE", "ACK", "200"],
        &["100", "180", "200", "BYE"],
    )?;
    let (alice, bob) = p.sides(true);
    expect_ended(sim, alice, pl.a, TerminationCause::RemoteBye)?;
    expect_ended(sim, bob, pl.b, TerminationCause::Bye)?;
    expect_path(
        sim,
        p,
        alice,
        pl.a,
        &[st::Establishing, st::Established, st::Terminated],
    )?;
    expect_path(
        sim,
        p,
        bob,
        pl.b,
        &[
            st::Establishing,
            st::Established,
            st::Terminating,
            st::Terminated,
        ],
    )?;
    finish(sim, p, p.alice)
}

/// SIP.js "terminate() twice" on an established call: one BYE, the
/// second terminate() refused.
pub(super) fn bye_twice(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = accepted(sim, faults, Call::offer(true))?;
    let p = &pl.p;
    let t1 = sim.now();
    terminate(sim, p.bob, pl.b, false)?.map_err(|e| format!("terminate(): {e}"))?;
    let r = terminate(sim, p.bob, pl.b, false)?;
    expect_refused(r, "the second terminate()")?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    wait_ended(sim, p.bob, pl.b, 60)?;
    expect_exchange(sim, p, t1, &["200"], &["BYE"])?;
    expect_ended(sim, p.sides(true).0, pl.a, TerminationCause::RemoteBye)?;
    finish(sim, p, p.alice)
}

/// SIP.js "auto-provisional disabled → only 100 Trying": Bob's agent
/// sends 100 and nothing else until his application answers.
pub(super) fn no_initial_provisional(sim: &mut Sim, faults: &Faults) -> Outcome {
    let call = Call {
        offer: true,
        config: Some(|_, c| c.send_initial_provisional = false),
        ..Call::default()
    };
    let pl = invite(sim, faults, call)?;
    pass(sim, 1.0)?;
    expect_exchange(sim, &pl.p, pl.t0, &["INVITE"], &["100"])?;
    accept_ok(sim, pl.p.bob, pl.b)?;
    up(sim, &pl.p)?;
    expect_exchange(sim, &pl.p, pl.t0, &["INVITE", "ACK"], &["100", "200"])?;
    both_up_then_finish(sim, &pl)
}

/// SIP.js "200 without SDP → ACK, BYE, both dialogs Terminated". Our
/// agent will not send such a 200, so Bob's transport strips the body
/// (`Policy::strip_2xx_body`). Alice ACKs the 2xx (RFC 3261 §13.2.2.4)
/// and ends the call with BYE, Reason 400 (with SDP the answer is
/// missing, RFC 3264 §4; without, the offer the 2xx must carry,
/// RFC 3261 §13.2.1).
fn ok_without_description(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let call = Call {
        offer,
        bob: Policy {
            strip_2xx_body: true,
            ..Policy::default()
        },
        ..Call::default()
    };
    alice_ends_after_the_2xx(sim, faults, call, 400)
}

pub(super) fn ok_without_description_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    ok_without_description(sim, faults, true)
}

pub(super) fn ok_without_description_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    ok_without_description(sim, faults, false)
}

/// SIP.js "200 SDP set fails at Alice → ACK + BYE" (Alice's application
/// refuses the description, `Policy::refuse_next_description`). With
/// SDP: she ACKs and BYEs with Reason 488. Without SDP she cannot answer
/// Bob's offer: the ACK goes without an answer and her BYE (488) crosses
/// Bob's, who got no answer (488); each BYE is answered 481.
fn answer_refused(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let call = Call {
        offer,
        alice: Policy {
            refuse_next_description: true,
            ..Policy::default()
        },
        ..Call::default()
    };
    alice_ends_after_the_2xx(sim, faults, call, 488)
}

/// Bob accepts; Alice cannot use the 2xx, ACKs it and BYEs with Reason
/// `reason`. With an offer in the INVITE, Bob just takes the BYE. Without
/// one, Bob (who offered in the 2xx) gets an ACK without the answer
/// (RFC 3264 §4) and BYEs too (Reason 488): the BYEs cross, each 481.
fn alice_ends_after_the_2xx(sim: &mut Sim, faults: &Faults, call: Call, reason: u16) -> Outcome {
    let offer = call.offer;
    let pl = invite(sim, faults, call)?;
    let p = &pl.p;
    accept_ok(sim, p.bob, pl.b)?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    wait_ended(sim, p.bob, pl.b, 60)?;
    let (alice, bob) = p.sides(true);
    expect_bye_reason(sim, p, alice, reason)?;
    expect_ended(sim, alice, pl.a, description_failed(reason))?;
    if offer {
        expect_exchange(
            sim,
            p,
            pl.t0,
            &["INVITE", "ACK", "BYE"],
            &["100", "180", "200", "200"],
        )?;
        expect_ended(sim, bob, pl.b, TerminationCause::RemoteBye)?;
    } else {
        expect_exchange(
            sim,
            p,
            pl.t0,
            &["INVITE", "ACK", "BYE", "481"],
            &["100", "180", "200", "BYE", "481"],
        )?;
        expect_bye_reason(sim, p, bob, 488)?;
        let allowed = if p.strict {
            vec![description_failed(488)]
        } else {
            vec![description_failed(488), TerminationCause::RemoteBye]
        };
        expect_ended_in(sim, bob, pl.b, &allowed)?;
    }
    finish(sim, p, p.alice)
}

pub(super) fn answer_refused_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    answer_refused(sim, faults, true)
}

pub(super) fn answer_refused_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    answer_refused(sim, faults, false)
}

/// Without SDP, Bob offered in the 200 and the ACK came in `alice`'s
/// way; Bob ends with BYE (Reason 488) after the ACK, Alice RemoteBye.
fn bob_byes_after_ack(sim: &mut Sim, faults: &Faults, alice: Policy, bob: Policy) -> Outcome {
    let call = Call {
        offer: false,
        alice,
        bob,
        ..Call::default()
    };
    let pl = invite(sim, faults, call)?;
    let p = &pl.p;
    accept_ok(sim, p.bob, pl.b)?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    wait_ended(sim, p.bob, pl.b, 60)?;
    expect_exchange(
        sim,
        p,
        pl.t0,
        &["INVITE", "ACK", "200"],
        &["100", "180", "200", "BYE"],
    )?;
    let (a, b) = p.sides(true);
    expect_bye_reason(sim, p, b, 488)?;
    expect_ended(sim, b, pl.b, description_failed(488))?;
    expect_ended(sim, a, pl.a, TerminationCause::RemoteBye)?;
    finish(sim, p, p.alice)
}

/// SIP.js "200 send fails; ACK without SDP → BYE": Bob offered in the
/// 200 and the ACK arrives without the answer (Alice's transport strips
/// it, `Policy::strip_ack_body`): Bob ends with BYE, Reason 488
/// (RFC 3264 §4: the ACK had to carry the answer).
pub(super) fn ack_without_answer(sim: &mut Sim, faults: &Faults) -> Outcome {
    let alice = Policy {
        strip_ack_body: true,
        ..Policy::default()
    };
    bob_byes_after_ack(sim, faults, alice, Policy::default())
}

/// SIP.js "ACK SDP set fails → BYE": Bob's application cannot take the
/// answer in the ACK (`Policy::refuse_next_description`): BYE, Reason 488.
pub(super) fn ack_answer_refused(sim: &mut Sim, faults: &Faults) -> Outcome {
    let bob = Policy {
        refuse_next_description: true,
        ..Policy::default()
    };
    bob_byes_after_ack(sim, faults, Policy::default(), bob)
}

/// The ACK lost once (`Policy::drop_acks`): Bob's 200 is retransmitted
/// after T1 (RFC 3261 §13.3.1.4), Alice's core ACKs the copy again
/// (§13.2.2.4), the call comes up on both sides, the answer in the
/// repeated ACK without SDP.
fn ack_lost_once(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let call = Call {
        offer,
        alice: Policy {
            drop_acks: 1,
            ..Policy::default()
        },
        ..Call::default()
    };
    let pl = accepted(sim, faults, call)?;
    let p = &pl.p;
    expect_exchange(sim, p, pl.t0, &["INVITE", "ACK"], &["100", "180", "200"])?;
    if p.strict {
        let oks = sent_count(sim, p.bob, "200");
        check(oks == 2, || {
            format!("Bob sent the 200 {oks} times, expected 2")
        })?;
    }
    both_up_then_finish(sim, &pl)
}

pub(super) fn ack_lost_once_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    ack_lost_once(sim, faults, true)
}

pub(super) fn ack_lost_once_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    ack_lost_once(sim, faults, false)
}

/// No ACK gets through (`Policy::drop_acks`); Bob terminate()s at once
/// when `bye`. Bob's 200 goes out 11 times (0, 0.5, 1.5, 3.5, 7.5, 11.5
/// ... 31.5 s, RFC 3261 §13.3.1.4), then he gives up at 64*T1 and ends
/// the dialog with BYE (ACK timeout); Alice's session ends RemoteBye.
fn ack_never_arrives(sim: &mut Sim, faults: &Faults, offer: bool, bye: bool) -> Outcome {
    let call = Call {
        offer,
        alice: Policy {
            drop_acks: u32::MAX,
            ..Policy::default()
        },
        ..Call::default()
    };
    let pl = invite(sim, faults, call)?;
    let p = &pl.p;
    accept_ok(sim, p.bob, pl.b)?;
    if bye {
        terminate(sim, p.bob, pl.b, false)?.map_err(|e| format!("terminate(): {e}"))?;
    }
    wait_ended(sim, p.bob, pl.b, 60)?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    // Alice's ACKs never reach the wire.
    expect_exchange(
        sim,
        p,
        pl.t0,
        &["INVITE", "200"],
        &["100", "180", "200", "BYE"],
    )?;
    if p.strict {
        let oks = sent_count(sim, p.bob, "200");
        check(oks == 11, || {
            format!("Bob sent the 200 {oks} times, expected 11")
        })?;
    }
    let (alice, bob) = p.sides(true);
    expect_ended(sim, bob, pl.b, TerminationCause::AckTimeout)?;
    expect_ended(sim, alice, pl.a, TerminationCause::RemoteBye)?;
    let mut want = vec![st::Establishing, st::Established];
    if bye {
        want.push(st::Terminating);
    }
    want.push(st::Terminated);
    expect_path(sim, p, bob, pl.b, &want)?;
    finish(sim, p, p.alice)
}

pub(super) fn ack_never_arrives_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    ack_never_arrives(sim, faults, true, false)
}

pub(super) fn ack_never_arrives_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    ack_never_arrives(sim, faults, false, false)
}

/// SIP.js "accept() + terminate() with ACKs dropped → 200 retransmitted
/// 11 times, transaction times out, BYE".
pub(super) fn accept_bye_ack_lost(sim: &mut Sim, faults: &Faults) -> Outcome {
    ack_never_arrives(sim, faults, true, true)
}

/// SIP.js "reject()" and "reject() twice": 480 (SIP.js's default), ACK;
/// the second reject() is refused.
pub(super) fn reject(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = invite(sim, faults, Call::offer(true))?;
    let p = &pl.p;
    super::reject(sim, p.bob, pl.b)?.map_err(|e| format!("reject(): {e}"))?;
    let r = super::reject(sim, p.bob, pl.b)?;
    expect_refused(r, "the second reject()")?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    expect_exchange(sim, p, pl.t0, &["INVITE", "ACK"], &["100", "180", "480"])?;
    let (alice, bob) = p.sides(true);
    expect_ended(sim, alice, pl.a, rejected(480))?;
    expect_ended(sim, bob, pl.b, rejected_locally(480))?;
    expect_path(sim, p, bob, pl.b, &[st::Terminated])?;
    finish(sim, p, p.alice)
}

/// SIP.js "reject() with the ACK send failing": Alice's ACKs never get
/// out (`Policy::drop_acks`); Bob's server transaction repeats the 480
/// (Timer G) until Timer H (64*T1, RFC 3261 §17.2.1) and ends; Alice's
/// call ended at the first 480.
pub(super) fn reject_ack_lost(sim: &mut Sim, faults: &Faults) -> Outcome {
    let call = Call {
        offer: true,
        alice: Policy {
            drop_acks: u32::MAX,
            ..Policy::default()
        },
        ..Call::default()
    };
    let pl = invite(sim, faults, call)?;
    let p = &pl.p;
    super::reject(sim, p.bob, pl.b)?.map_err(|e| format!("reject(): {e}"))?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    expect_ended(sim, p.sides(true).0, pl.a, rejected(480))?;
    pass(sim, 40.0)?;
    expect_exchange(sim, p, pl.t0, &["INVITE"], &["100", "180", "480"])?;
    if p.strict {
        let n = sent_count(sim, p.bob, "480");
        check(n == 11, || {
            format!("Bob sent the 480 {n} times, expected 11")
        })?;
    }
    finish(sim, p, p.alice)
}

/// SIP.js "terminate() before answer" and "terminate() twice": dispose()
/// of an unanswered Invitation rejects it 480; the second is refused.
pub(super) fn dispose_before_answer(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = invite(sim, faults, Call::offer(true))?;
    let p = &pl.p;
    terminate(sim, p.bob, pl.b, true)?.map_err(|e| format!("dispose(): {e}"))?;
    let r = terminate(sim, p.bob, pl.b, true)?;
    expect_refused(r, "the second dispose()")?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    expect_exchange(sim, p, pl.t0, &["INVITE", "ACK"], &["100", "180", "480"])?;
    let (alice, bob) = p.sides(true);
    expect_ended(sim, alice, pl.a, rejected(480))?;
    expect_ended(sim, bob, pl.b, rejected_locally(480))?;
    finish(sim, p, p.alice)
}

/// SIP.js "Bob does nothing → no-answer timeout 480" (`noAnswerTimeout`,
/// here `no_answer_timeout`, 60 s by default).
pub(super) fn no_answer_timeout(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = invite(sim, faults, Call::offer(true))?;
    let p = &pl.p;
    pass(sim, 59.0)?;
    check(ended(sim, p.bob, pl.b).is_none(), || {
        "Bob's call ended before the no-answer timeout".to_owned()
    })?;
    wait_ended(sim, p.alice, pl.a, 40)?;
    expect_exchange(sim, p, pl.t0, &["INVITE", "ACK"], &["100", "180", "480"])?;
    let (alice, bob) = p.sides(true);
    expect_ended(sim, alice, pl.a, rejected(480))?;
    expect_ended(sim, bob, pl.b, rejected_locally(480))?;
    finish(sim, p, p.alice)
}
