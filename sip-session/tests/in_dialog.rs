//! In-dialog session methods (after SIP.js's `session-in-dialog.spec.ts`):
//! re-INVITE with and without an offer, accepted, rejected with rollback,
//! RequestPending, glare in both directions (§14.1), BYE races, 481 ending
//! the dialog, INFO and MESSAGE; each on a perfect network, the main ones
//! also in a seed sweep with loss, duplication and reordering.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::dialog::*;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

fn bye(net: &mut Net, i: usize, s: SessionId) {
    let now = net.now;
    net.ua(i)
        .session_mut(s)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
}

#[test]
fn reinvite_with_offer_is_accepted_and_stays_up() {
    let (mut net, alice, bob, call, inv) = established(1, Impairments::PERFECT);
    net.set_policy(bob, answering(sdp("bob", "answer2")));
    let start = net.wire.len();
    reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
    assert_eq!(
        net.ua(alice).session(call).unwrap().signaling_state(),
        SignalingState::HaveLocalOffer
    );
    net.run_for(SECOND);
    assert_eq!(
        net.trace()[start..],
        [
            "alice -> bob: INVITE",
            "bob -> alice: 100 Trying (INVITE)",
            "bob -> alice: 200 OK (INVITE)",
            "alice -> bob: ACK",
        ]
    );
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [200]);
    let rd = remote_descriptions(&net, alice, call);
    assert_eq!(rd.last().unwrap().0, DescriptionKind::Answer);
    assert!(rd.last().unwrap().1.contains("answer2"));
    let rd = remote_descriptions(&net, bob, inv);
    assert_eq!(rd.last().unwrap().0, DescriptionKind::Offer);
    assert!(rd.last().unwrap().1.contains("offer2"));
    for (i, s) in [(alice, call), (bob, inv)] {
        let sess = net.ua(i).session(s).unwrap();
        assert_eq!(sess.state(), SessionState::Established);
        assert_eq!(sess.signaling_state(), SignalingState::Stable);
    }
    // The CSeq went up, and a second re-INVITE works too.
    let seq = net
        .ua(alice)
        .session(call)
        .unwrap()
        .dialog()
        .unwrap()
        .local_seq();
    assert_eq!(seq, Some(2));
    reinvite(&mut net, alice, call, Some(sdp("alice", "offer3"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [200, 200]);
    bye(&mut net, alice, call);
    net.run_for(SECOND);
    assert_eq!(net.state(bob, inv), SessionState::Terminated);
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

#[test]
fn reinvite_from_the_callee_is_answered_by_the_caller() {
    let (mut net, alice, bob, call, inv) = established(2, Impairments::PERFECT);
    net.set_policy(alice, answering(sdp("alice", "answer2")));
    reinvite(&mut net, bob, inv, Some(sdp("bob", "offer2"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, bob, inv, Method::Invite), [200]);
    assert!(net
        .events(alice)
        .any(|e| *e == Event::Reinvite { session: call }));
    assert_eq!(
        net.ua(bob).session(inv).unwrap().signaling_state(),
        SignalingState::Stable
    );
    insta::assert_snapshot!("reinvite_from_callee", net.transcript());
}

#[test]
fn reinvite_without_offer_takes_the_offer_in_the_2xx_and_answers_in_the_ack() {
    let (mut net, alice, bob, call, inv) = established(3, Impairments::PERFECT);
    net.set_policy(bob, answering(sdp("bob", "offer2")));
    net.set_policy(alice, answering(sdp("alice", "answer2")));
    reinvite(&mut net, alice, call, None).unwrap();
    net.run_for(SECOND);
    let ack = net
        .wire
        .iter()
        .rev()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Ack => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert!(String::from_utf8_lossy(&ack.body).contains("answer2"));
    assert!(net.events(alice).any(|e| matches!(
        e,
        Event::DescriptionRequested {
            kind: DescriptionKind::Answer,
            ..
        }
    )));
    let rd = remote_descriptions(&net, bob, inv);
    assert_eq!(rd.last().unwrap().0, DescriptionKind::Answer);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [200]);
    for (i, s) in [(alice, call), (bob, inv)] {
        assert_eq!(
            net.ua(i).session(s).unwrap().signaling_state(),
            SignalingState::Stable
        );
    }
}

#[test]
fn rejected_reinvite_rolls_back_and_a_later_one_is_accepted() {
    let (mut net, alice, bob, call, inv) = established(4, Impairments::PERFECT);
    net.set_policy(
        bob,
        Box::new(|ua, now, e| {
            if let Event::Reinvite { session } = e {
                ua.session_mut(*session)
                    .unwrap()
                    .reject_reinvite(now, StatusCode::NOT_ACCEPTABLE_HERE)
                    .unwrap();
            }
        }),
    );
    reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [488]);
    for (i, s) in [(alice, call), (bob, inv)] {
        let sess = net.ua(i).session(s).unwrap();
        assert_eq!(sess.state(), SessionState::Established);
        assert_eq!(sess.signaling_state(), SignalingState::Stable);
    }
    net.set_policy(bob, answering(sdp("bob", "answer3")));
    reinvite(&mut net, alice, call, Some(sdp("alice", "offer3"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [488, 200]);
}

#[test]
fn unanswered_reinvite_gets_488_after_the_answer_timeout() {
    let (mut net, alice, bob, call, inv) = established(5, Impairments::PERFECT);
    reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(
        net.ua(bob).session(inv).unwrap().signaling_state(),
        SignalingState::HaveRemoteOffer
    );
    net.run_for(SECOND * 31);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [488]);
    assert_eq!(
        net.ua(bob).session(inv).unwrap().signaling_state(),
        SignalingState::Stable
    );
    assert_eq!(net.state(alice, call), SessionState::Established);
}

#[test]
fn second_invite_while_one_is_pending_is_request_pending() {
    let (mut net, alice, bob, call, inv) = established(6, Impairments::PERFECT);
    reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
    assert_eq!(
        reinvite(&mut net, alice, call, Some(sdp("alice", "offer3"))),
        Err(SessionError::RequestPending)
    );
    assert_eq!(
        net.ua(alice).session(call).unwrap().signaling_state(),
        SignalingState::HaveLocalOffer
    );
    net.run_for(SECOND);
    // Bob holds the offer unanswered: he may not start one either.
    assert_eq!(
        reinvite(&mut net, bob, inv, Some(sdp("bob", "offer"))),
        Err(SessionError::RequestPending)
    );
    assert_eq!(
        net.ua(bob).session(inv).unwrap().signaling_state(),
        SignalingState::HaveRemoteOffer
    );
    let now = net.now;
    net.ua(bob)
        .session_mut(inv)
        .unwrap()
        .accept_reinvite(now, Some(sdp("bob", "answer2")))
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [200]);
    // Not Established: InvalidState.
    bye(&mut net, alice, call);
    assert_eq!(
        reinvite(&mut net, alice, call, None),
        Err(SessionError::InvalidState(SessionState::Terminated))
    );
}

/// Glare (§14.1): both send a re-INVITE at once; each answers the other
/// 491, and each retries after its random delay (Bob, not the owner of
/// the Call-ID, 0-2 s; Alice 2.1-4 s). Both end up accepted.
fn glare(seed: u64, impair: Impairments) -> Net {
    let (mut net, alice, bob, call, inv) = established(seed, impair);
    net.set_policy(alice, answering(sdp("alice", "answer")));
    net.set_policy(bob, answering(sdp("bob", "answer")));
    // Under loss Bob may still wait for the first ACK: RequestPending.
    let _ = reinvite(&mut net, alice, call, Some(sdp("alice", "offer2")));
    let _ = reinvite(&mut net, bob, inv, Some(sdp("bob", "offer2")));
    net.run_until(SECOND * 60, |n| {
        outcomes(n, alice, call, Method::Invite).contains(&200)
            && outcomes(n, bob, inv, Method::Invite).contains(&200)
    });
    net.run_for(SECOND * 2);
    net
}

#[test]
fn glare_both_get_491_and_both_retry() {
    let net = glare(7, Impairments::PERFECT);
    let (alice, bob) = (0, 1);
    assert_eq!(
        net.finals(alice, "INVITE")
            .iter()
            .filter(|s| s.as_u16() == 491)
            .count(),
        1
    );
    assert_eq!(
        net.finals(bob, "INVITE")
            .iter()
            .filter(|s| s.as_u16() == 491)
            .count(),
        1
    );
    // Bob's retry (0-2 s) goes first, Alice's (2.1-4 s) after.
    let invites: Vec<(usize, sip_core::time::Instant)> = net
        .wire
        .iter()
        .filter(|w| matches!(&w.message, Message::Request(r) if r.method == Method::Invite))
        .map(|w| (w.from, w.at))
        .collect();
    let n = invites.len();
    assert_eq!(n, 5, "{invites:?}");
    assert_eq!(invites[3].0, bob);
    assert_eq!(invites[4].0, alice);
    let glare_at = invites[2].1;
    let bob_delay = invites[3].1.as_millis() - glare_at.as_millis();
    let alice_delay = invites[4].1.as_millis() - glare_at.as_millis();
    assert!(bob_delay <= 2_100, "{bob_delay}");
    assert!((2_100..=4_100).contains(&alice_delay), "{alice_delay}");
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

#[test]
fn bye_while_reinvite_pending_acks_the_late_2xx() {
    let (mut net, alice, bob, call, inv) = established(8, Impairments::PERFECT);
    net.set_policy(bob, answering(sdp("bob", "answer2")));
    reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
    bye(&mut net, alice, call);
    net.run_for(SECOND * 2);
    assert_eq!(net.state(bob, inv), SessionState::Terminated);
    assert_eq!(net.cause(alice, call), Some(TerminationCause::Bye));
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
    // The peer's re-INVITE pending when a BYE arrives gets 487.
    let (mut net, alice, bob, call, inv) = established(9, Impairments::PERFECT);
    reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
    net.run_for(SECOND);
    bye(&mut net, alice, call);
    net.run_for(SECOND * 2);
    assert_eq!(
        net.finals(bob, "INVITE").last().map(|s| s.as_u16()),
        Some(487)
    );
    assert_eq!(net.state(bob, inv), SessionState::Terminated);
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

#[test]
fn reinvite_to_a_forgotten_dialog_gets_481_and_ends_the_session() {
    let (mut net, alice, bob, call, inv) = established(10, Impairments::PERFECT);
    // Bob hangs up but his BYE is lost for good.
    net.filter = Some(Box::new(move |from, m| {
        !(from == 1 && matches!(m, Message::Request(r) if r.method == Method::Bye))
    }));
    bye(&mut net, bob, inv);
    net.run_for(SECOND * 40);
    net.filter = None;
    assert_eq!(net.state(alice, call), SessionState::Established);
    reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [481]);
    assert_eq!(
        net.cause(alice, call),
        Some(TerminationCause::DialogLost(
            StatusCode::CALL_DOES_NOT_EXIST
        ))
    );
    let _ = alice;
}

#[test]
fn info_and_message_in_the_dialog() {
    let (mut net, alice, bob, call, inv) = established(11, Impairments::PERFECT);
    net.set_policy(
        bob,
        Box::new(|ua, now, e| {
            if let Event::Request {
                request, method, ..
            } = e
            {
                let r = ua.request(*request).unwrap();
                if *method == Method::Info {
                    r.accept(now).unwrap();
                } else {
                    r.reject(now, StatusCode::BUSY_HERE).unwrap();
                }
            }
        }),
    );
    let now = net.now;
    {
        let mut s = net.ua(alice).session_mut(call).unwrap();
        let info = Body::new(
            "application/dtmf-relay",
            &b"Signal=5\r\nDuration=160\r\n"[..],
        );
        s.info(now, Some(&info), &[]).unwrap();
        s.message(now, &Body::new("text/plain", &b"hello"[..]), &[])
            .unwrap();
    }
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Info), [200]);
    assert_eq!(outcomes(&net, alice, call, Method::Message), [486]);
    let requests: Vec<_> = net
        .events(bob)
        .filter_map(|e| match e {
            Event::Request {
                session, method, ..
            } => Some((*session, method.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        requests,
        [(Some(inv), Method::Info), (Some(inv), Method::Message)]
    );
    // In the dialog: the To tag and Call-ID of the call, CSeq 2 and 3.
    let cseqs: Vec<String> = net
        .wire
        .iter()
        .filter(|w| w.from == alice)
        .filter_map(|w| match &w.message {
            Message::Request(r) if matches!(r.method, Method::Info | Method::Message) => {
                r.headers.get(&HeaderName::CSeq).map(str::to_owned)
            }
            _ => None,
        })
        .collect();
    assert_eq!(cseqs, ["2 INFO", "3 MESSAGE"]);
    assert_eq!(net.state(alice, call), SessionState::Established);
    let _ = bob;
}

#[test]
fn hold_and_unhold_rewrite_the_direction() {
    let (mut net, alice, bob, call, inv) = established(12, Impairments::PERFECT);
    net.set_policy(bob, answering(sdp("bob", "answer2")));
    let mine = Body::sdp(&b"v=0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n"[..]);
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .hold(now, &mine)
        .unwrap();
    net.run_for(SECOND);
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .unhold(now, &mine)
        .unwrap();
    net.run_for(SECOND);
    let offers: Vec<String> = remote_descriptions(&net, bob, inv)
        .into_iter()
        .filter(|(k, _)| *k == DescriptionKind::Offer)
        .map(|(_, b)| b)
        .collect();
    let n = offers.len();
    assert!(n >= 2, "{offers:?}");
    assert!(offers[n - 2].contains("a=sendonly") && !offers[n - 2].contains("a=sendrecv"));
    assert!(offers[n - 1].contains("a=sendrecv"));
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [200, 200]);
}

#[test]
fn with_direction_adds_or_replaces() {
    let b = Body::sdp(&b"v=0\r\nm=audio 1 RTP/AVP 0\r\n"[..]);
    let h = hold_description(&b);
    assert_eq!(h.content, b"v=0\r\nm=audio 1 RTP/AVP 0\r\na=sendonly\r\n");
    let u = unhold_description(&h);
    assert_eq!(u.content, b"v=0\r\nm=audio 1 RTP/AVP 0\r\na=sendrecv\r\n");
    let i = with_direction(&Body::sdp(&b"a=recvonly\na=x\n"[..]), "inactive");
    assert_eq!(i.content, b"a=inactive\na=x\n");
}

/// Under loss, duplication and reordering: a re-INVITE (retried on 491
/// never happens here), INFO and BYE complete; every request that
/// arrived is answered; the re-INVITE ends 200 unless the dialog was lost
/// to a timeout (408).
#[test]
fn sweep_reinvite_info_bye_under_bad_network() {
    let mut failures = Vec::new();
    for seed in 0..60 {
        let (mut net, alice, bob, call, inv) = established(100 + seed, Impairments::BAD);
        if net.state(alice, call) != SessionState::Established
            || net.state(bob, inv) != SessionState::Established
        {
            continue;
        }
        net.set_policy(bob, answering(sdp("bob", "answer2")));
        reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
        net.run_until(SECOND * 40, |n| {
            !outcomes(n, alice, call, Method::Invite).is_empty()
        });
        let mut o = outcomes(&net, alice, call, Method::Invite);
        if o == [500] {
            // Bob still waited for the ACK of the initial INVITE (its 2xx
            // or the ACK lost): 500 with Retry-After (RFC 5407 §3.1.5);
            // the application retries after it.
            net.run_for(SECOND * 5);
            reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
            net.run_until(SECOND * 40, |n| {
                outcomes(n, alice, call, Method::Invite).len() > 1
            });
            o = outcomes(&net, alice, call, Method::Invite).split_off(1);
        }
        if o != [200] && o != [408] {
            failures.push(format!("seed {seed}: re-INVITE {o:?}"));
            continue;
        }
        if net.state(alice, call) == SessionState::Established {
            let now = net.now;
            let _ = net.ua(alice).session_mut(call).unwrap().info(
                now,
                Some(&Body::new("text/plain", &b"x"[..])),
                &[],
            );
            net.run_for(SECOND * 40);
            let o = outcomes(&net, alice, call, Method::Info);
            if o != [200] && o != [408] {
                failures.push(format!("seed {seed}: INFO {o:?}"));
            }
        }
        if net.state(alice, call) == SessionState::Established {
            bye(&mut net, alice, call);
        }
        net.run_for(SECOND * 40);
        if net.state(bob, inv) != SessionState::Terminated {
            failures.push(format!("seed {seed}: bob still {:?}", net.state(bob, inv)));
        }
        if !net.unanswered().is_empty() {
            failures.push(format!("seed {seed}: unanswered {:?}", net.unanswered()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn sweep_glare_under_bad_network() {
    let mut failures = Vec::new();
    for seed in 0..40 {
        let net = glare(200 + seed, Impairments::BAD);
        let (alice, bob) = (0usize, 1usize);
        for (i, name) in [(alice, "alice"), (bob, "bob")] {
            let o: Vec<u16> = net
                .events(i)
                .filter_map(|e| match e {
                    Event::RequestOutcome {
                        method: Method::Invite,
                        status,
                        ..
                    } => Some(status.as_u16()),
                    _ => None,
                })
                .collect();
            // A session set up under loss may have lost its dialog (408),
            // or the peer may still have waited for the first ACK (500,
            // RFC 5407 §3.1.5), or this side for its own (no re-INVITE).
            let fine = o.is_empty() || o.contains(&200) || o.contains(&408) || o == [500];
            if !fine {
                let ended = net.events(i).any(|e| matches!(e, Event::Terminated { .. }));
                if !ended {
                    failures.push(format!("seed {seed}: {name} {o:?}"));
                }
            }
        }
        if !net.unanswered().is_empty() {
            failures.push(format!("seed {seed}: unanswered {:?}", net.unanswered()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// SIP.js: the ACK of the initial INVITE lost, then a re-INVITE: 200 when
/// the INVITE carried the offer (offer/answer complete: the re-INVITE
/// stands for the ACK), 500 with Retry-After when the offer was in the 2xx
/// and its answer is still due in the ACK (RFC 5407 §3.1.5).
#[test]
fn reinvite_after_a_lost_ack() {
    for with_offer in [true, false] {
        let mut net = Net::new(13, Impairments::PERFECT);
        let alice = net.add("alice", 1, |_| {});
        let bob = net.add("bob", 2, |_| {});
        net.set_policy(alice, answering(sdp("alice", "answer")));
        net.filter = Some(Box::new(move |from, m| {
            !(from == 0 && matches!(m, Message::Request(r) if r.method == Method::Ack))
        }));
        let call = net.call_with_body(alice, bob, with_offer.then(|| sdp("alice", "offer")));
        net.run_for(SECOND);
        let inv = net.invitation(bob).unwrap();
        net.accept_with(bob, inv, Some(sdp("bob", "sdp"))).unwrap();
        net.run_for(Duration::from_millis(100));
        assert_eq!(net.state(alice, call), SessionState::Established);
        net.filter = None;
        net.set_policy(bob, answering(sdp("bob", "answer2")));
        reinvite(&mut net, alice, call, Some(sdp("alice", "offer2"))).unwrap();
        net.run_for(Duration::from_millis(100));
        let got = outcomes(&net, alice, call, Method::Invite);
        if with_offer {
            assert_eq!(got, [200]);
            assert_eq!(net.state(bob, inv), SessionState::Established);
            assert_eq!(
                net.ua(bob).session(inv).unwrap().signaling_state(),
                SignalingState::Stable
            );
        } else {
            assert_eq!(got, [500], "{:#?}", net.trace());
            assert_eq!(
                net.ua(bob).session(inv).unwrap().signaling_state(),
                SignalingState::HaveLocalOffer
            );
        }
        net.run_for(SECOND * 40);
        assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
    }
}

/// BYE race (SIP.js): Alice sends a re-INVITE while Bob's BYE is on its
/// way. Alice answers the BYE 200 and ends; Bob, already gone, answers the
/// re-INVITE 481, which Alice ACKs; nothing is left unanswered and no
/// second BYE goes out.
#[test]
fn reinvite_crossing_the_peers_bye() {
    for with_offer in [true, false] {
        let (mut net, alice, bob, call, inv) = established(32, Impairments::PERFECT);
        bye(&mut net, bob, inv);
        let body = with_offer.then(|| sdp("alice", "offer2"));
        reinvite(&mut net, alice, call, body).unwrap();
        net.run_for(SECOND * 2);
        assert_eq!(net.cause(alice, call), Some(TerminationCause::RemoteBye));
        assert_eq!(net.cause(bob, inv), Some(TerminationCause::Bye));
        assert_eq!(
            net.finals(bob, "INVITE").last(),
            Some(&StatusCode::CALL_DOES_NOT_EXIST)
        );
        let byes = net
            .wire
            .iter()
            .filter(|w| matches!(&w.message, Message::Request(r) if r.method == Method::Bye))
            .count();
        assert_eq!(byes, 1);
        assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
    }
}
