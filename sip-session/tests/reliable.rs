//! Scenarios: reliable provisional responses (RFC 3262), provisional
//! trees, early media on and off (SIP.js session.spec.ts).

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;
use SessionState::*;

const SECOND: Duration = Duration::from_secs(1);

fn setup(with_sdp: bool, early_media: bool) -> (Net, usize, usize, SessionId, SessionId) {
    let mut net = Net::new(11, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| c.rel100 = ExtensionSupport::Supported);
    let bob = net.add("bob", 2, |c| {
        c.rel100 = ExtensionSupport::Supported;
        c.send_initial_provisional = false;
    });
    let body = with_sdp.then(|| sdp("alice", "offer"));
    let call = net.invite_with(
        alice,
        bob,
        InviteOptions {
            body,
            early_media,
            ..Default::default()
        },
    );
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    (net, alice, bob, call, inv)
}

fn progress(
    net: &mut Net,
    bob: usize,
    inv: SessionId,
    status: u16,
    reliable: bool,
    body: Option<Body>,
) {
    let now = net.now;
    net.ua(bob)
        .invitation(inv)
        .unwrap()
        .progress(
            now,
            ProgressOptions {
                status: StatusCode::new(status).unwrap(),
                reliable,
                body,
                ..Default::default()
            },
        )
        .unwrap();
}

fn accept(net: &mut Net, bob: usize, inv: SessionId, body: Option<Body>) {
    net.accept_with(bob, inv, body).unwrap();
}

#[test]
fn reliable_183_is_pracked_then_accepted() {
    let (mut net, alice, bob, call, inv) = setup(true, false);
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    net.run_for(SECOND);
    assert_eq!(net.methods(alice), ["INVITE", "PRACK"]);
    assert_eq!(net.finals(bob, "PRACK"), [StatusCode::OK]);
    let resp183 = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Response(r) if r.status.as_u16() == 183 => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(resp183.headers.get(&HeaderName::Require), Some("100rel"));
    assert!(resp183.headers.get(&HeaderName::RSeq).is_some());
    assert!(net
        .events(alice)
        .any(|e| matches!(e, Event::Progress { reliable: true, .. })));
    // Offer/answer completed in the 183: accept needs no body and repeats it.
    assert_eq!(
        net.ua(bob).session(inv).unwrap().signaling_state(),
        SignalingState::Stable
    );
    accept(&mut net, bob, inv, None);
    net.run_for(SECOND);
    assert_eq!(net.methods(alice), ["INVITE", "PRACK", "ACK"]);
    assert_eq!(net.state(alice, call), Established);
    // Early media off: the answer reached the application at the 200 only.
    let answers: Vec<bool> = net
        .events(alice)
        .filter_map(|e| match e {
            Event::RemoteDescription {
                kind: DescriptionKind::Answer,
                early,
                ..
            } => Some(*early),
            _ => None,
        })
        .collect();
    assert_eq!(answers, [false]);
    insta::assert_snapshot!("reliable_183", net.trace().join("\n"));
}

#[test]
fn accept_waits_for_the_prack() {
    let (mut net, alice, bob, call, inv) = setup(true, false);
    // Alice's PRACKs are delayed: drop the first one.
    let mut dropped = false;
    net.filter = Some(Box::new(move |_, m| {
        if matches!(m, Message::Request(r) if r.method == Method::Prack) && !dropped {
            dropped = true;
            return false;
        }
        true
    }));
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    net.run_for(Duration::from_millis(100));
    accept(&mut net, bob, inv, None);
    assert_eq!(net.ua(bob).session(inv).unwrap().state(), Establishing);
    net.drain();
    assert!(net.finals(bob, "INVITE").is_empty());
    net.run_for(2 * SECOND);
    // The 183 was retransmitted, the second PRACK got through, then 200.
    assert_eq!(net.methods(bob).iter().filter(|m| *m == "183").count(), 2);
    assert_eq!(net.finals(bob, "INVITE"), [StatusCode::OK]);
    assert_eq!(net.state(alice, call), Established);
    assert_eq!(net.states(bob, inv), [Initial, Establishing, Established]);
}

#[test]
fn no_prack_gives_504() {
    let (mut net, alice, bob, call, inv) = setup(true, false);
    net.filter = Some(Box::new(
        |_, m| !matches!(m, Message::Request(r) if r.method == Method::Prack),
    ));
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    net.run_for(Duration::from_millis(100));
    accept(&mut net, bob, inv, None);
    net.run_for(Duration::from_secs(33));
    assert_eq!(
        net.cause(bob, inv),
        Some(TerminationCause::RejectedLocally(
            StatusCode::SERVER_TIMEOUT
        ))
    );
    assert_eq!(
        net.cause(alice, call),
        Some(TerminationCause::Rejected(StatusCode::SERVER_TIMEOUT))
    );
    // Retransmitted at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s (T1 doubling).
    assert_eq!(net.methods(bob).iter().filter(|m| *m == "183").count(), 7);
}

#[test]
fn prack_matching_nothing_gets_481() {
    let (mut net, alice, bob, _call, inv) = setup(true, false);
    net.filter = Some(Box::new(|_, m| {
        if let Message::Request(r) = m {
            if r.method == Method::Prack {
                let rack = r.headers.get(&HeaderName::RAck).unwrap().to_owned();
                let mut parts: Vec<String> = rack.split_whitespace().map(str::to_owned).collect();
                parts[0] = (parts[0].parse::<u32>().unwrap() + 1000).to_string();
                r.headers.set(HeaderName::RAck, parts.join(" "));
            }
        }
        true
    }));
    progress(&mut net, bob, inv, 183, true, None);
    net.run_for(SECOND);
    assert_eq!(net.finals(bob, "PRACK"), [StatusCode::CALL_DOES_NOT_EXIST]);
    let _ = alice;
}

#[test]
fn second_reliable_progress_is_ignored_until_prack() {
    let (mut net, alice, bob, _call, inv) = setup(true, false);
    net.filter = Some(Box::new(
        |_, m| !matches!(m, Message::Request(r) if r.method == Method::Prack),
    ));
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    progress(&mut net, bob, inv, 180, true, None);
    net.drain();
    let sent: Vec<String> = net.methods(bob);
    assert_eq!(sent, ["100", "183"]);
    let _ = alice;
}

#[test]
fn delayed_offer_in_reliable_183_answer_in_prack() {
    let (mut net, alice, bob, call, inv) = setup(false, false);
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "offer")));
    net.run_for(SECOND);
    assert!(net.events(alice).any(|e| matches!(
        e,
        Event::RemoteDescription {
            kind: DescriptionKind::Offer,
            early: true,
            ..
        }
    )));
    assert!(net.ua(alice).session(call).unwrap().description_requested());
    // The PRACK waits for the application's answer.
    assert_eq!(net.methods(alice), ["INVITE"]);
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .provide_description(now, sdp("alice", "answer"))
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(net.methods(alice), ["INVITE", "PRACK"]);
    assert!(net.events(bob).any(|e| matches!(
        e,
        Event::RemoteDescription {
            kind: DescriptionKind::Answer,
            early: true,
            ..
        }
    )));
    accept(&mut net, bob, inv, None);
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    assert_eq!(
        net.ua(alice).session(call).unwrap().signaling_state(),
        SignalingState::Stable
    );
    assert_eq!(net.methods(alice), ["INVITE", "PRACK", "ACK"]);
}

#[test]
fn early_media_on_and_off() {
    for early_media in [false, true] {
        for twice in [false, true] {
            let (mut net, alice, bob, call, inv) = setup(true, early_media);
            progress(&mut net, bob, inv, 183, false, Some(sdp("bob", "early")));
            if twice {
                progress(&mut net, bob, inv, 183, false, Some(sdp("bob", "early")));
            }
            net.run_for(SECOND);
            accept(&mut net, bob, inv, Some(sdp("bob", "answer")));
            net.run_for(SECOND);
            assert_eq!(net.state(alice, call), Established);
            let answers: Vec<bool> = net
                .events(alice)
                .filter_map(|e| match e {
                    Event::RemoteDescription {
                        kind: DescriptionKind::Answer,
                        early,
                        ..
                    } => Some(*early),
                    _ => None,
                })
                .collect();
            if early_media {
                assert_eq!(
                    answers,
                    [true],
                    "early media: applied at the first 183 only"
                );
            } else {
                assert_eq!(answers, [false], "no early media: applied at the 200");
            }
        }
    }
}

#[test]
fn provisional_trees() {
    // Up to three levels of progress()/progress(183)/progress(reliable),
    // each ending in accept or reject; Alice PRACKs every reliable 1xx.
    let steps: [(u16, bool); 3] = [(180, false), (183, false), (183, true)];
    let mut cases = 0;
    for depth in 1..=3 {
        let mut idx = vec![0usize; depth];
        loop {
            for end_accept in [true, false] {
                let (mut net, alice, bob, call, inv) = setup(true, false);
                let mut reliable_count = 0;
                let mut answered = false;
                for &k in &idx {
                    let (status, reliable) = steps[k];
                    let body = (reliable && !answered).then(|| sdp("bob", "answer"));
                    answered |= body.is_some();
                    progress(&mut net, bob, inv, status, reliable, body);
                    net.run_for(SECOND);
                    reliable_count += usize::from(reliable);
                }
                assert_eq!(
                    net.methods(alice).iter().filter(|m| *m == "PRACK").count(),
                    reliable_count,
                    "{idx:?}"
                );
                let now = net.now;
                if end_accept {
                    let body = (!answered).then(|| sdp("bob", "answer"));
                    net.ua(bob)
                        .invitation(inv)
                        .unwrap()
                        .accept(
                            now,
                            AcceptOptions {
                                body,
                                ..Default::default()
                            },
                        )
                        .unwrap();
                } else {
                    net.ua(bob)
                        .invitation(inv)
                        .unwrap()
                        .reject(now, RejectOptions::default())
                        .unwrap();
                }
                net.run_for(SECOND);
                if end_accept {
                    assert_eq!(net.state(alice, call), Established, "{idx:?}");
                    assert_eq!(net.state(bob, inv), Established);
                } else {
                    assert_eq!(
                        net.cause(alice, call),
                        Some(TerminationCause::Rejected(
                            StatusCode::TEMPORARILY_UNAVAILABLE
                        ))
                    );
                }
                net.run_for(Duration::from_secs(40));
                assert!(
                    net.unanswered().is_empty(),
                    "{idx:?} {:?}",
                    net.unanswered()
                );
                cases += 1;
            }
            // next combination
            let mut i = 0;
            loop {
                if i == depth {
                    break;
                }
                idx[i] += 1;
                if idx[i] < steps.len() {
                    break;
                }
                idx[i] = 0;
                i += 1;
            }
            if i == depth {
                break;
            }
        }
    }
    assert_eq!(cases, 2 * (3 + 9 + 27));
}
