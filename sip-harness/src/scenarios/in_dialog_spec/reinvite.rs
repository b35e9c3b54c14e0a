//! SIP.js session-in-dialog: a re-INVITE after a lost ACK, the
//! `reinviteSuite` (run with and without SDP) and the BYE races.

use super::*;

/// Bob answers at 1 s; the link from Alice to Bob drops everything from
/// 1.03 s to 1.3 s (the ACK of the 200 arriving at 1.04 s); Alice sends a
/// re-INVITE at 1.3 s, before Bob's first 200 retransmission (1.52 s)
/// brings the ACK again.
fn ack_lost(sim: &mut Sim, faults: &Faults, offer: bool) -> Result<(Phones, u16), String> {
    let p = start(
        sim,
        faults,
        Setup {
            offer,
            bob: Policy {
                answer: Some(AnswerPolicy {
                    ring: Duration::from_secs(1),
                    reject: None,
                }),
                ..Policy::default()
            },
            ..Setup::default()
        },
    );
    let (a, b) = (SocketAddr::from(ALICE).ip(), SocketAddr::from(BOB).ip());
    let at = |ms| Instant::ZERO + Duration::from_millis(ms);
    sim.link_mut(a, b).partitions.push((at(1030), at(1300)));
    wait(sim, 60, "Alice's call to be up", |s| {
        state(s, p.alice, first_session(s, p.alice)).0 == Some(SessionState::Established)
    })?;
    if sim.now() < at(1300) {
        sim.run_for(at(1300) - sim.now())
            .map_err(|e| e.to_string())?;
    }
    let alice = first_session(sim, p.alice).ok_or("no session")?;
    let bob = first_session(sim, p.bob).ok_or("no session")?;
    let t0 = sim.now();
    reinvite(sim, p.alice, "Alice", alice, true)?.map_err(|e| e.to_string())?;
    wait(sim, 40, "the re-INVITE's final response", |s| {
        !finals(s, p.alice, &Method::Invite).is_empty()
    })?;
    let status = finals(sim, p.alice, &Method::Invite)[0];
    if p.strict {
        let bob_state = state(sim, p.bob, Some(bob));
        let want = if offer {
            SignalingState::Stable
        } else {
            SignalingState::HaveLocalOffer
        };
        check(bob_state.1 == Some(want), || {
            format!("Bob's offer/answer state: {bob_state:?}, expected {want:?}")
        })?;
        let received: &[&str] = if offer { &["100", "200"] } else { &["500"] };
        let window = (t0, Some(t0 + Duration::from_millis(100)));
        expect_wire(
            sim,
            &p,
            p.alice,
            "Alice",
            window,
            &["INVITE", "ACK"],
            received,
        )?;
        if !offer {
            let retry_after = sim.received(p.alice).iter().any(|m| {
                m.at >= t0 && label(&m.data) == "500" && {
                    let text = String::from_utf8_lossy(&m.data).to_ascii_lowercase();
                    text.contains("\r\nretry-after:")
                }
            });
            check(retry_after, || "the 500 has no Retry-After".to_owned())?;
        }
    }
    pass(sim, 3.0)?;
    expect_state(
        sim,
        &p,
        p.alice,
        "Alice",
        alice,
        SessionState::Established,
        SignalingState::Stable,
    )?;
    expect_state(
        sim,
        &p,
        p.bob,
        "Bob",
        bob,
        SessionState::Established,
        SignalingState::Stable,
    )?;
    finish(sim, &p, p.alice)?;
    Ok((p, status))
}

/// SIP.js "Initial INVITE with SDP; ACK dropped, re-INVITE arrives →
/// 200 (signaling Stable)". Offer and answer are complete, so Bob takes
/// the re-INVITE (sent after Alice got his 200) for the lost ACK.
pub(super) fn ack_lost_offer_in_invite(sim: &mut Sim, faults: &Faults) -> Outcome {
    let (p, status) = ack_lost(sim, faults, true)?;
    // Under faults the ACK may get through, or the 200 be late.
    check(status == 200 || (!p.strict && status == 500), || {
        format!("the re-INVITE ended {status}, expected 200")
    })
}

/// SIP.js "Initial INVITE without SDP; Bob's ACK dropped, re-INVITE
/// arrives → 500 + Retry-After (Bob stays HaveLocalOffer)": the answer to
/// Bob's offer is still due in the ACK (RFC 5407 §3.1.5). (SIP.js's "same
/// with the ACK still being processed" has no counterpart: our agent
/// processes an ACK at once.)
pub(super) fn ack_lost_offer_in_2xx(sim: &mut Sim, faults: &Faults) -> Outcome {
    let (p, status) = ack_lost(sim, faults, false)?;
    check(status == 500 || (!p.strict && status == 200), || {
        format!("the re-INVITE ended {status}, expected 500")
    })
}

/// The call up with Alice's offer in the INVITE.
fn call_up(
    sim: &mut Sim,
    faults: &Faults,
    setup: Setup,
) -> Result<(Phones, SessionId, SessionId), String> {
    let p = start(
        sim,
        faults,
        Setup {
            offer: true,
            ..setup
        },
    );
    let (a, b) = up(sim, &p)?;
    Ok((p, a, b))
}

/// Alice sends a re-INVITE (with her offer, or without one) and waits
/// for its final response and the ACK; returns the status and the time it
/// was sent.
fn alice_reinvites(
    sim: &mut Sim,
    p: &Phones,
    a: SessionId,
    offer: bool,
) -> Result<(u16, Instant), String> {
    let n = finals(sim, p.alice, &Method::Invite).len();
    let t0 = sim.now();
    send_reinvite(sim, p.alice, "Alice", a, offer)?;
    let alice = p.alice;
    wait(sim, 60, "the re-INVITE's final response", move |s| {
        finals(s, alice, &Method::Invite).len() > n
    })?;
    let status = finals(sim, p.alice, &Method::Invite)[n];
    pass(sim, 1.0)?;
    Ok((status, t0))
}

/// One accepted re-INVITE from Alice: INVITE, 100, 200, ACK (the offer in
/// the 200 and the answer in the ACK without `offer`), both stable.
fn accepted(sim: &mut Sim, p: &Phones, a: SessionId, b: SessionId, offer: bool) -> Outcome {
    let (status, t0) = alice_reinvites(sim, p, a, offer)?;
    check(status == 200, || format!("the re-INVITE ended {status}"))?;
    expect_exchange(sim, p, t0, &["INVITE", "ACK"], &["100", "200"])?;
    expect_both_stable(sim, p, a, b)
}

/// SIP.js "Alice invite() accepted" (re-INVITE with and without SDP): her
/// ua sends INVITE, ACK and receives 200; both signaling states stable.
fn reinvite_accepted(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let (p, a, b) = call_up(sim, faults, Setup::default())?;
    accepted(sim, &p, a, b, offer)?;
    finish(sim, &p, p.alice)
}

/// SIP.js "Alice invite() accepted" nested in "Alice invite() accepted":
/// two re-INVITEs in turn, both accepted.
fn reinvite_twice(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let (p, a, b) = call_up(sim, faults, Setup::default())?;
    accepted(sim, &p, a, b, offer)?;
    accepted(sim, &p, a, b, offer)?;
    finish(sim, &p, p.alice)
}

/// SIP.js "Alice invite() accepted without description failure".
///
/// Without SDP: Bob accepts with a 200 that carries no offer; Alice ACKs
/// and ends the session with BYE (Reason 400), as SIP.js does: INVITE,
/// ACK, BYE; 200, 200; both Terminated.
///
/// With SDP our agent differs: it does not let Bob send a 2xx without
/// the answer to Alice's offer (RFC 3261 §13.3.1, RFC 3264 §4:
/// `DescriptionRequired`), so nothing goes out until the answer timeout,
/// after which the agent rejects the re-INVITE 488 and rolls the offer
/// back; the session stays up and stable.
fn reinvite_no_description(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let how = if offer {
        ReinviteAnswer::Ignore
    } else {
        ReinviteAnswer::AcceptWithoutBody
    };
    let setup = Setup {
        bob: Policy {
            reinvite_answers: [how].into(),
            ..Policy::default()
        },
        ..Setup::default()
    };
    let (p, a, b) = call_up(sim, faults, setup)?;
    if offer {
        let t0 = sim.now();
        send_reinvite(sim, p.alice, "Alice", a, true)?;
        wait_reinvite(sim, p.bob, 40, "Bob to get the re-INVITE")?;
        let r = act(
            sim,
            p.bob,
            "Bob accepts without a description",
            move |ua, now| ua.session_mut(b).map(|mut s| s.accept_reinvite(now, None)),
        )?;
        check(
            matches!(r, Some(Err(SessionError::DescriptionRequired(_)))),
            || format!("a bodiless 200 to an offer: {r:?}, expected DescriptionRequired"),
        )?;
        expect_reinvite_final(sim, &p, 488)?;
        expect_exchange(sim, &p, t0, &["INVITE", "ACK"], &["100", "488"])?;
        expect_both_stable(sim, &p, a, b)?;
        return finish(sim, &p, p.alice);
    }
    let t0 = reinvite_ending_call(sim, &p, a, b, false)?;
    expect_exchange(
        sim,
        &p,
        t0,
        &["INVITE", "ACK", "BYE"],
        &["100", "200", "200"],
    )?;
    let cause = ended(sim, p.alice, a);
    check(
        cause == Some(TerminationCause::Description(StatusCode::BAD_REQUEST)),
        || format!("Alice's session ended {cause:?}, expected Description(400)"),
    )?;
    expect_ended(sim, (p.bob, "Bob"), b, TerminationCause::RemoteBye)?;
    finish(sim, &p, p.alice)
}

/// Alice's first re-INVITE ends with `status` (within 60 s; nothing else
/// ends in the second that follows).
pub(super) fn expect_reinvite_final(sim: &mut Sim, p: &Phones, status: u16) -> Outcome {
    wait_final(sim, p.alice, Method::Invite, 60)?;
    pass(sim, 1.0)?;
    let got = finals(sim, p.alice, &Method::Invite);
    check(got == [status], || {
        format!("the re-INVITE ended {got:?}, expected [{status}]")
    })
}

/// Alice re-INVITEs (with her offer, or without one) and the case runs
/// until both sessions ended ([`both_ended`]); returns when she sent it.
fn reinvite_ending_call(
    sim: &mut Sim,
    p: &Phones,
    a: SessionId,
    b: SessionId,
    offer: bool,
) -> Result<Instant, String> {
    let t0 = sim.now();
    send_reinvite(sim, p.alice, "Alice", a, offer)?;
    both_ended(sim, p, a, b)?;
    Ok(t0)
}

/// Runs until both sessions ended and checks their last state.
fn both_ended(sim: &mut Sim, p: &Phones, a: SessionId, b: SessionId) -> Outcome {
    let (alice, bob) = (p.alice, p.bob);
    wait(sim, 90, "both sessions to end", move |s| {
        ended(s, alice, a).is_some() && ended(s, bob, b).is_some()
    })?;
    pass(sim, 1.0)?;
    for (n, who, id) in [(p.alice, "Alice", a), (p.bob, "Bob", b)] {
        let path = path(sim, n, id);
        check(path.last() == Some(&SessionState::Terminated), || {
            format!("{who}'s session went {path:?}")
        })?;
    }
    Ok(())
}

/// SIP.js "Alice invite() accepted offer/answer failure": Alice's media
/// cannot take what the 200 brings
/// ([`SessionMut::refuse_description`](sip_session::SessionMut::refuse_description)).
///
/// With SDP: the answer in the 200 is refused after the ACK: INVITE, ACK,
/// BYE (Reason 488); 200, 200.
///
/// Without SDP: Alice cannot answer Bob's offer: the ACK goes without an
/// answer and Alice sends BYE (Reason 488); Bob, whose offer got no
/// answer in the ACK, sends BYE too (SIP.js: INVITE, ACK, BYE, 481;
/// received 200, BYE, 481): the BYEs cross and each gets 481, the other
/// side's dialog being gone (RFC 3261 §12.2.2).
fn reinvite_refused(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let (p, a, b) = call_up(sim, faults, Setup::default())?;
    sim.node_mut(p.alice).policy_mut().refuse_next_description = true;
    let t0 = reinvite_ending_call(sim, &p, a, b, offer)?;
    let want = Some(TerminationCause::Description(
        StatusCode::NOT_ACCEPTABLE_HERE,
    ));
    check(ended(sim, p.alice, a) == want, || {
        format!("Alice's session ended {:?}", ended(sim, p.alice, a))
    })?;
    if offer {
        expect_exchange(
            sim,
            &p,
            t0,
            &["INVITE", "ACK", "BYE"],
            &["100", "200", "200"],
        )?;
        expect_ended(sim, (p.bob, "Bob"), b, TerminationCause::RemoteBye)?;
    } else {
        let (alice_sent, alice_got) = (
            ["INVITE", "ACK", "BYE", "481"],
            ["100", "200", "BYE", "481"],
        );
        expect_exchange(sim, &p, t0, &alice_sent, &alice_got)?;
        // Under faults Alice's BYE may arrive before the ACK.
        let bob_end = ended(sim, p.bob, b);
        let fine = bob_end == want || (!p.strict && bob_end == Some(TerminationCause::RemoteBye));
        check(fine, || {
            format!("Bob's session ended {bob_end:?}, expected {want:?}")
        })?;
    }
    finish(sim, &p, p.alice)
}

/// SIP.js "Alice invite() rejected" then "Alice invite() accepted": Bob
/// rejects the first re-INVITE 488 (INVITE, ACK; 488; the offer rolled
/// back, both stable), then accepts the next one.
fn reinvite_rejected(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let setup = Setup {
        bob: Policy {
            reinvite_answers: [ReinviteAnswer::Reject(StatusCode::NOT_ACCEPTABLE_HERE)].into(),
            ..Policy::default()
        },
        ..Setup::default()
    };
    let (p, a, b) = call_up(sim, faults, setup)?;
    let (status, t0) = alice_reinvites(sim, &p, a, offer)?;
    check(status == 488, || {
        format!("the re-INVITE ended {status}, expected 488")
    })?;
    expect_exchange(sim, &p, t0, &["INVITE", "ACK"], &["100", "488"])?;
    expect_both_stable(sim, &p, a, b)?;
    accepted(sim, &p, a, b, offer)?;
    finish(sim, &p, p.alice)
}

/// SIP.js "Alice invite() rejected rollback failure" (re-INVITE with SDP):
/// the re-INVITE is rejected 488 and Alice's media cannot go back, so she
/// hangs up: INVITE, ACK, BYE; 488, 200; both Terminated. (Our agent
/// rolls its own offer/answer state back, which cannot fail; the failing
/// rollback is the application's, which then ends the call.)
pub(super) fn reinvite_rejected_then_bye(sim: &mut Sim, faults: &Faults) -> Outcome {
    let setup = Setup {
        alice: Policy {
            bye_on_reinvite_failure: true,
            ..Policy::default()
        },
        bob: Policy {
            reinvite_answers: [ReinviteAnswer::Reject(StatusCode::NOT_ACCEPTABLE_HERE)].into(),
            ..Policy::default()
        },
        ..Setup::default()
    };
    let (p, a, b) = call_up(sim, faults, setup)?;
    let t0 = reinvite_ending_call(sim, &p, a, b, true)?;
    expect_exchange(
        sim,
        &p,
        t0,
        &["INVITE", "ACK", "BYE"],
        &["100", "488", "200"],
    )?;
    let got = finals(sim, p.alice, &Method::Invite);
    check(got == [488], || format!("the re-INVITE ended {got:?}"))?;
    expect_ended(sim, (p.alice, "Alice"), a, TerminationCause::Bye)?;
    expect_ended(sim, (p.bob, "Bob"), b, TerminationCause::RemoteBye)?;
    finish(sim, &p, p.alice)
}

/// SIP.js "Alice invite() request in progress": Bob leaves the re-INVITE
/// unanswered; her ua sent INVITE (and got our agent's 100); a second
/// `invite()` is refused with `RequestPending`; with SDP Alice is
/// HaveLocalOffer and Bob HaveRemoteOffer, without both stay Stable. Our
/// agent then answers the re-INVITE for Bob's application, 488 after
/// `request_answer_timeout`, and rolls the offer back.
fn reinvite_in_progress(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let setup = Setup {
        bob: Policy {
            reinvite_answers: [ReinviteAnswer::Ignore].into(),
            ..Policy::default()
        },
        ..Setup::default()
    };
    let (p, a, b) = call_up(sim, faults, setup)?;
    let t0 = sim.now();
    send_reinvite(sim, p.alice, "Alice", a, offer)?;
    let second = reinvite(sim, p.alice, "Alice", a, offer)?;
    check(second == Err(SessionError::RequestPending), || {
        format!("the second invite(): {second:?}, expected RequestPending")
    })?;
    pass(sim, 1.0)?;
    wait_reinvite(sim, p.bob, 30, "Bob to get the re-INVITE")?;
    if p.strict {
        expect_wire(sim, &p, p.alice, "Alice", (t0, None), &["INVITE"], &["100"])?;
        let (mine, his) = if offer {
            (
                SignalingState::HaveLocalOffer,
                SignalingState::HaveRemoteOffer,
            )
        } else {
            (SignalingState::Stable, SignalingState::Stable)
        };
        expect_state(
            sim,
            &p,
            p.alice,
            "Alice",
            a,
            SessionState::Established,
            mine,
        )?;
        expect_state(sim, &p, p.bob, "Bob", b, SessionState::Established, his)?;
    }
    expect_reinvite_final(sim, &p, 488)?;
    expect_wire(
        sim,
        &p,
        p.alice,
        "Alice",
        (t0, None),
        &["INVITE", "ACK"],
        &["100", "488"],
    )?;
    expect_both_stable(sim, &p, a, b)?;
    finish(sim, &p, p.alice)
}

/// SIP.js "Re-INVITE with/without SDP send BYE race", "Alice invite(),
/// bye()": Alice sends a re-INVITE and hangs up at once. Her ua sends
/// INVITE, BYE, then the ACK for Bob's 200 (which still comes), and
/// receives 200, 200; both sessions end.
fn reinvite_then_bye(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let (p, a, b) = call_up(sim, faults, Setup::default())?;
    let t0 = sim.now();
    let body = offer.then(|| description(sim, p.alice));
    let r = act(
        sim,
        p.alice,
        "Alice re-INVITEs and hangs up",
        move |ua, now| {
            let mut s = ua.session_mut(a).expect("Alice's session");
            let opts = ReinviteOptions {
                body,
                ..ReinviteOptions::default()
            };
            s.invite(now, opts)?;
            s.bye(now, ByeOptions::default())
        },
    )?;
    r.map_err(|e| format!("invite(), bye(): {e}"))?;
    both_ended(sim, &p, a, b)?;
    expect_exchange(
        sim,
        &p,
        t0,
        &["INVITE", "BYE", "ACK"],
        &["100", "200", "200"],
    )?;
    expect_ended(sim, (p.alice, "Alice"), a, TerminationCause::Bye)?;
    // Under faults Alice's ACK (without an answer to Bob's offer) may
    // reach Bob before her BYE: Bob ends the session himself (BYE, Reason
    // 488), as SIP.js does.
    let bob_end = ended(sim, p.bob, b);
    let refused = Some(TerminationCause::Description(
        StatusCode::NOT_ACCEPTABLE_HERE,
    ));
    let fine =
        bob_end == Some(TerminationCause::RemoteBye) || (!p.strict && !offer && bob_end == refused);
    check(fine, || format!("Bob's session ended {bob_end:?}"))?;
    finish(sim, &p, p.alice)
}

/// SIP.js "Re-INVITE with/without SDP receive BYE race", "Alice
/// invite(), Bob bye()".
///
/// With SDP, the re-INVITE and Bob's BYE cross: Alice answers the BYE
/// 200 and her session ends; Bob, whose session is gone, answers the
/// re-INVITE 481 (RFC 3261 §12.2.2; SIP.js answers 488), which Alice's
/// transaction ACKs: Alice sends INVITE, 200, ACK and receives BYE, 481.
///
/// Without SDP, Bob hangs up right after answering the re-INVITE (its
/// 200 carries his offer): Alice ACKs with her answer, then answers the
/// BYE: INVITE, ACK, 200; 100, 200, BYE.
fn reinvite_crossing_bye(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let (p, a, b) = call_up(sim, faults, Setup::default())?;
    let t0 = sim.now();
    send_reinvite(sim, p.alice, "Alice", a, offer)?;
    if !offer {
        wait_reinvite(sim, p.bob, 40, "Bob to answer the re-INVITE")?;
    }
    let r = act(sim, p.bob, "Bob hangs up", move |ua, now| {
        ua.session_mut(b)
            .map(|mut s| s.bye(now, ByeOptions::default()))
    })?;
    check(matches!(r, Some(Ok(()))), || format!("Bob's bye(): {r:?}"))?;
    both_ended(sim, &p, a, b)?;
    if offer {
        expect_exchange(sim, &p, t0, &["INVITE", "200", "ACK"], &["BYE", "481"])?;
    } else {
        expect_exchange(
            sim,
            &p,
            t0,
            &["INVITE", "ACK", "200"],
            &["100", "200", "BYE"],
        )?;
    }
    // Under faults the re-INVITE's 481 may reach Alice before Bob's BYE:
    // the dialog is gone and her session ends on it (RFC 5057 §5.1).
    let alice_end = ended(sim, p.alice, a);
    let lost = Some(TerminationCause::DialogLost(
        StatusCode::CALL_DOES_NOT_EXIST,
    ));
    let fine = alice_end == Some(TerminationCause::RemoteBye) || (!p.strict && alice_end == lost);
    check(fine, || format!("Alice's session ended {alice_end:?}"))?;
    expect_ended(sim, (p.bob, "Bob"), b, TerminationCause::Bye)?;
    finish(sim, &p, p.alice)
}

macro_rules! with_and_without_sdp {
    ($($with:ident, $without:ident => $case:ident;)*) => {$(
        pub(super) fn $with(sim: &mut Sim, faults: &Faults) -> Outcome {
            $case(sim, faults, true)
        }
        pub(super) fn $without(sim: &mut Sim, faults: &Faults) -> Outcome {
            $case(sim, faults, false)
        }
    )*};
}

with_and_without_sdp! {
    reinvite_accepted_sdp, reinvite_accepted_nosdp => reinvite_accepted;
    reinvite_twice_sdp, reinvite_twice_nosdp => reinvite_twice;
    reinvite_no_description_sdp, reinvite_no_description_nosdp => reinvite_no_description;
    reinvite_refused_sdp, reinvite_refused_nosdp => reinvite_refused;
    reinvite_rejected_sdp, reinvite_rejected_nosdp => reinvite_rejected;
    reinvite_in_progress_sdp, reinvite_in_progress_nosdp => reinvite_in_progress;
    reinvite_then_bye_sdp, reinvite_then_bye_nosdp => reinvite_then_bye;
    reinvite_crossing_bye_sdp, reinvite_crossing_bye_nosdp => reinvite_crossing_bye;
}
