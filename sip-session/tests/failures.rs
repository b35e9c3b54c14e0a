//! Scenarios: failures and timers (SIP.js session.spec.ts): no response
//! (408), transport error (503), rejects, no-answer timeout (480),
//! Expires (487), accept failure paths, ACK never arriving.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;
use SessionState::*;

const SECOND: Duration = Duration::from_secs(1);

fn pair(tweak_bob: impl FnOnce(&mut UserAgentConfig)) -> (Net, usize, usize) {
    let mut net = Net::new(5, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, tweak_bob);
    (net, alice, bob)
}

#[test]
fn no_response_gives_408() {
    let mut net = Net::new(1, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let now = net.now;
    let target: sip_core::Uri = "sip:nobody@198.51.100.9".parse().unwrap();
    let c = net
        .ua(alice)
        .invite(now, target, InviteOptions::default())
        .unwrap();
    net.run_for(Duration::from_secs(31));
    assert_eq!(net.state(alice, c), Establishing);
    net.run_for(Duration::from_secs(2));
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Rejected(StatusCode::REQUEST_TIMEOUT))
    );
    // Timer A retransmissions: 0.5, 1, 2, 4, 8, 16 s.
    assert_eq!(net.methods(alice), ["INVITE"; 7]);
}

#[test]
fn transport_error_gives_503() {
    let (mut net, alice, bob) = pair(|_| {});
    let c = net.call_with_body(alice, bob, None);
    let dest = sip_core::transport::Destination::Addr {
        transport: sip_core::transport::Transport::Udp,
        addr: net.nodes[bob].addr,
    };
    let now = net.now;
    net.ua(alice).handle_transport_error(
        now,
        dest,
        sip_core::transport::TransportError::Unreachable,
    );
    net.drain();
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Rejected(StatusCode::SERVICE_UNAVAILABLE))
    );
    assert_eq!(net.states(alice, c), [Initial, Establishing, Terminated]);
}

#[test]
fn reject_default_and_explicit() {
    for (status, expect) in [
        (None, 480u16),
        (Some(486u16), 486),
        (Some(302), 302),
        (Some(603), 603),
    ] {
        let (mut net, alice, bob) = pair(|_| {});
        let c = net.call_with_body(alice, bob, Some(sdp("alice", "offer")));
        net.run_for(SECOND);
        let inv = net.invitation(bob).unwrap();
        let now = net.now;
        let mut opts = RejectOptions::default();
        if let Some(s) = status {
            opts.status = StatusCode::new(s).unwrap();
        }
        net.ua(bob)
            .invitation(inv)
            .unwrap()
            .reject(now, opts)
            .unwrap();
        net.run_for(SECOND);
        let st = StatusCode::new(expect).unwrap();
        assert_eq!(net.cause(alice, c), Some(TerminationCause::Rejected(st)));
        assert_eq!(
            net.cause(bob, inv),
            Some(TerminationCause::RejectedLocally(st))
        );
        assert_eq!(net.methods(alice), ["INVITE", "ACK"]);
        assert_eq!(net.states(bob, inv), [Initial, Terminated]);
        // A second reject is refused.
        assert!(net.ua(bob).invitation(inv).is_none());
    }
}

#[test]
fn reject_refuses_bad_status() {
    let (mut net, alice, bob) = pair(|_| {});
    net.call_with_body(alice, bob, None);
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    let now = net.now;
    let sent = net.wire.len();
    let r = net.ua(bob).invitation(inv).unwrap().reject(
        now,
        RejectOptions {
            status: StatusCode::OK,
            ..Default::default()
        },
    );
    assert_eq!(r, Err(SessionError::InvalidStatus(200)));
    let r = net.ua(bob).invitation(inv).unwrap().progress(
        now,
        ProgressOptions {
            status: StatusCode::OK,
            ..Default::default()
        },
    );
    assert_eq!(r, Err(SessionError::InvalidStatus(200)));
    net.drain();
    assert_eq!(net.wire.len(), sent);
}

#[test]
fn no_answer_timeout_rejects_480() {
    let (mut net, alice, bob) = pair(|c| c.no_answer_timeout = Duration::from_secs(10));
    let c = net.call_with_body(alice, bob, Some(sdp("alice", "offer")));
    net.run_for(Duration::from_secs(9));
    assert_eq!(net.state(alice, c), Establishing);
    net.run_for(Duration::from_secs(2));
    let inv = net.invitation(bob).unwrap();
    assert_eq!(
        net.cause(bob, inv),
        Some(TerminationCause::RejectedLocally(
            StatusCode::TEMPORARILY_UNAVAILABLE
        ))
    );
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Rejected(
            StatusCode::TEMPORARILY_UNAVAILABLE
        ))
    );
}

#[test]
fn invite_expires_rejects_487() {
    let (mut net, alice, bob) = pair(|_| {});
    let c = net.invite_with(
        alice,
        bob,
        InviteOptions {
            extra_headers: vec![(HeaderName::Expires, "3".into())],
            ..Default::default()
        },
    );
    net.run_for(Duration::from_secs(4));
    assert_eq!(net.finals(bob, "INVITE"), [StatusCode::REQUEST_TERMINATED]);
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Rejected(StatusCode::REQUEST_TERMINATED))
    );
}

#[test]
fn without_automatic_ringing_only_100_is_sent() {
    let (mut net, alice, bob) = pair(|c| c.send_initial_provisional = false);
    net.call_with_body(alice, bob, None);
    net.run_for(SECOND);
    assert_eq!(net.methods(bob), ["100"]);
}

#[test]
fn invites_refused_486_when_the_application_takes_none() {
    let (mut net, alice, bob) = pair(|c| c.accept_invites = false);
    let c = net.call_with_body(alice, bob, None);
    net.run_for(SECOND);
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Rejected(StatusCode::BUSY_HERE))
    );
    assert!(net.invitation(bob).is_none());
}

#[test]
fn accept_needs_a_description_and_happens_once() {
    let (mut net, alice, bob) = pair(|_| {});
    let c = net.call_with_body(alice, bob, Some(sdp("alice", "offer")));
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    let sent = net.wire.len();
    assert_eq!(
        net.accept_with(bob, inv, None),
        Err(SessionError::DescriptionRequired(
            SignalingState::HaveRemoteOffer
        ))
    );
    net.drain();
    assert_eq!(net.wire.len(), sent);
    net.accept_with(bob, inv, Some(sdp("bob", "answer")))
        .unwrap();
    assert_eq!(
        net.accept_with(bob, inv, Some(sdp("bob", "answer"))),
        Err(SessionError::InvalidState(Established))
    );
    net.run_for(SECOND);
    assert_eq!(net.state(alice, c), Established);
    // accept, then terminate (bye), then terminate again.
    let now = net.now;
    net.ua(bob)
        .session_mut(inv)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    assert!(net.ua(bob).session_mut(inv).is_none());
    net.run_for(SECOND);
    assert_eq!(net.cause(alice, c), Some(TerminationCause::RemoteBye));
}

#[test]
fn ok_without_description_gets_ack_and_bye_400() {
    let (mut net, alice, bob) = pair(|_| {});
    // Strip the answer from Bob's 200.
    net.filter = Some(Box::new(|_, m| {
        if let Message::Response(r) = m {
            if r.status == StatusCode::OK
                && r.headers
                    .get(&HeaderName::CSeq)
                    .is_some_and(|c| c.ends_with("INVITE"))
            {
                r.body.clear();
                r.headers.remove(&HeaderName::ContentType);
            }
        }
        true
    }));
    let c = net.call_with_body(alice, bob, Some(sdp("alice", "offer")));
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    net.accept_with(bob, inv, Some(sdp("bob", "answer")))
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(net.methods(alice), ["INVITE", "ACK", "BYE"]);
    let bye = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Bye => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        bye.headers.get(&HeaderName::Reason),
        Some("SIP;cause=400;text=\"Missing session description\"")
    );
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Description(StatusCode::BAD_REQUEST))
    );
    assert_eq!(net.cause(bob, inv), Some(TerminationCause::RemoteBye));
}

#[test]
fn answer_refused_by_the_application_gives_bye_488() {
    let (mut net, alice, bob) = pair(|_| {});
    let c = net.call_with_body(alice, bob, Some(sdp("alice", "offer")));
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    net.accept_with(bob, inv, Some(sdp("bob", "answer")))
        .unwrap();
    net.run_for(SECOND);
    assert!(net.events(alice).any(|e| matches!(
        e,
        Event::RemoteDescription {
            kind: DescriptionKind::Answer,
            ..
        }
    )));
    let now = net.now;
    net.ua(alice)
        .session_mut(c)
        .unwrap()
        .refuse_description(now)
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(net.methods(alice), ["INVITE", "ACK", "BYE"]);
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Description(
            StatusCode::NOT_ACCEPTABLE_HERE
        ))
    );
}

#[test]
fn delayed_offer_answer_in_ack() {
    let (mut net, alice, bob) = pair(|_| {});
    let c = net.call_with_body(alice, bob, None);
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    assert_eq!(
        net.accept_with(bob, inv, None),
        Err(SessionError::DescriptionRequired(SignalingState::Initial))
    );
    net.accept_with(bob, inv, Some(sdp("bob", "offer")))
        .unwrap();
    net.run_for(SECOND);
    assert!(net.events(alice).any(|e| matches!(
        e,
        Event::DescriptionRequested {
            kind: DescriptionKind::Answer,
            ..
        }
    )));
    assert_eq!(net.state(alice, c), Establishing);
    assert_eq!(
        net.ua(alice).session(c).unwrap().signaling_state(),
        SignalingState::HaveRemoteOffer
    );
    let now = net.now;
    net.ua(alice)
        .session_mut(c)
        .unwrap()
        .provide_description(now, sdp("alice", "answer"))
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, c), Established);
    assert_eq!(
        net.ua(alice).session(c).unwrap().signaling_state(),
        SignalingState::Stable
    );
    assert_eq!(
        net.ua(bob).session(inv).unwrap().signaling_state(),
        SignalingState::Stable
    );
    assert!(net.events(bob).any(|e| matches!(
        e,
        Event::RemoteDescription {
            kind: DescriptionKind::Answer,
            early: false,
            ..
        }
    )));
    assert_eq!(net.methods(alice), ["INVITE", "ACK"]);
    insta::assert_snapshot!("delayed_offer", net.transcript());
}

#[test]
fn delayed_offer_without_answer_ends_with_bye_488() {
    let (mut net, alice, bob) = pair(|_| {});
    let c = net.call_with_body(alice, bob, None);
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    net.accept_with(bob, inv, Some(sdp("bob", "offer")))
        .unwrap();
    // Alice never answers: after description_timeout, ACK + BYE 488.
    net.run_for(Duration::from_secs(31));
    // The ACK carries no answer, so Bob ends too (BYE, Reason 488): the
    // BYEs cross and each gets 481.
    assert_eq!(net.methods(alice), ["INVITE", "ACK", "BYE", "481"]);
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Description(
            StatusCode::NOT_ACCEPTABLE_HERE
        ))
    );
    assert_eq!(
        net.cause(bob, inv),
        Some(TerminationCause::Description(
            StatusCode::NOT_ACCEPTABLE_HERE
        ))
    );
}

#[test]
fn delayed_offer_ack_without_answer_gets_bye_488() {
    let (mut net, alice, bob) = pair(|_| {});
    net.filter = Some(Box::new(|_, m| {
        if let Message::Request(r) = m {
            if r.method == Method::Ack {
                r.body.clear();
                r.headers.remove(&HeaderName::ContentType);
            }
        }
        true
    }));
    let c = net.call_with_body(alice, bob, None);
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    net.accept_with(bob, inv, Some(sdp("bob", "offer")))
        .unwrap();
    net.run_for(SECOND);
    let now = net.now;
    net.ua(alice)
        .session_mut(c)
        .unwrap()
        .provide_description(now, sdp("alice", "answer"))
        .unwrap();
    net.run_for(SECOND);
    let m = net.methods(bob);
    assert_eq!(&m[..3], ["100", "180", "200"]);
    assert_eq!(m.last().map(String::as_str), Some("BYE"));
    assert_eq!(
        net.cause(bob, inv),
        Some(TerminationCause::Description(
            StatusCode::NOT_ACCEPTABLE_HERE
        ))
    );
    assert_eq!(net.cause(alice, c), Some(TerminationCause::RemoteBye));
}

#[test]
fn ack_never_arrives_ok_retransmitted_then_bye() {
    let (mut net, alice, bob) = pair(|_| {});
    net.filter = Some(Box::new(
        |_, m| !matches!(m, Message::Request(r) if r.method == Method::Ack),
    ));
    let c = net.call_with_body(alice, bob, Some(sdp("alice", "offer")));
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    net.accept_with(bob, inv, Some(sdp("bob", "answer")))
        .unwrap();
    // accept() then terminate(): BYE waits for the ACK (or its timeout).
    let now = net.now;
    net.ua(bob)
        .session_mut(inv)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    assert_eq!(net.ua(bob).session(inv).unwrap().state(), Terminating);
    net.run_for(Duration::from_secs(40));
    let oks = net.methods(bob).iter().filter(|m| *m == "200").count();
    // The 200 and its retransmissions at 0.5, 1.5, 3.5, 7.5, ... 31.5 s.
    assert_eq!(oks, 11, "{:?}", net.methods(bob));
    assert_eq!(net.methods(bob).last().map(String::as_str), Some("BYE"));
    assert_eq!(
        net.states(bob, inv),
        [Initial, Establishing, Established, Terminating, Terminated]
    );
    assert_eq!(net.cause(bob, inv), Some(TerminationCause::AckTimeout));
    assert_eq!(net.cause(alice, c), Some(TerminationCause::RemoteBye));
    // Alice answered every retransmitted 200 with the same ACK.
    assert_eq!(
        net.methods(alice).iter().filter(|m| *m == "ACK").count(),
        11
    );
}

#[test]
fn unsupported_session_body_is_refused_415() {
    let (mut net, alice, bob) = pair(|_| {});
    let body = Body::new("text/plain", b"hello".to_vec());
    let c = net.invite_with(
        alice,
        bob,
        InviteOptions {
            body: Some(body),
            extra_headers: vec![(HeaderName::ContentDisposition, "session".into())],
            ..Default::default()
        },
    );
    net.run_for(SECOND);
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Rejected(
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        ))
    );
    let resp = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Response(r) if r.status == StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Some(r.clone())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(
        resp.headers.get(&HeaderName::Accept),
        Some("application/sdp")
    );
}

#[test]
fn bye_in_wrong_state_is_refused_and_sends_nothing() {
    let (mut net, alice, bob) = pair(|_| {});
    let c = net.call_with_body(alice, bob, None);
    net.run_for(SECOND);
    let sent = net.wire.len();
    let now = net.now;
    assert_eq!(
        net.ua(alice)
            .session_mut(c)
            .unwrap()
            .bye(now, ByeOptions::default()),
        Err(SessionError::InvalidState(Establishing))
    );
    let inv = net.invitation(bob).unwrap();
    assert_eq!(
        net.ua(bob)
            .session_mut(inv)
            .unwrap()
            .bye(now, ByeOptions::default()),
        Err(SessionError::InvalidState(Initial))
    );
    net.drain();
    assert_eq!(net.wire.len(), sent);
    // dispose() before the answer: the Invitation rejects 480.
    net.ua(bob).session_mut(inv).unwrap().dispose(now).unwrap();
    net.run_for(SECOND);
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Rejected(
            StatusCode::TEMPORARILY_UNAVAILABLE
        ))
    );
}
