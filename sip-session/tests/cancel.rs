//! Scenarios: CANCEL (RFC 3261 §9) and its races, after SIP.js's
//! session.spec.ts, with and without an offer in the INVITE.

mod support;

use sip_core::time::Duration;
use sip_core::StatusCode;
use sip_session::*;
use support::*;
use SessionState::*;

const SECOND: Duration = Duration::from_secs(1);

fn setup(with_sdp: bool) -> (Net, usize, usize, SessionId) {
    let mut net = Net::new(7, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    let body = with_sdp.then(|| sdp("alice", "offer"));
    let call = net.call_with_body(alice, bob, body);
    (net, alice, bob, call)
}

fn cancel(net: &mut Net, alice: usize, call: SessionId) {
    let now = net.now;
    net.ua(alice)
        .inviter(call)
        .unwrap()
        .cancel(now, CancelOptions::default())
        .unwrap();
}

#[test]
fn immediate_cancel_waits_for_a_provisional_response() {
    for with_sdp in [true, false] {
        let (mut net, alice, bob, call) = setup(with_sdp);
        cancel(&mut net, alice, call);
        // Nothing but the INVITE went out: the CANCEL is held (§9.1).
        net.drain();
        assert_eq!(net.methods(alice), ["INVITE"]);
        net.run_for(5 * SECOND);
        assert_eq!(net.methods(alice), ["INVITE", "CANCEL", "ACK"]);
        assert_eq!(net.methods(bob), ["100", "180", "200", "487"]);
        assert_eq!(
            net.states(alice, call),
            [Initial, Establishing, Terminating, Terminated]
        );
        assert_eq!(net.cause(alice, call), Some(TerminationCause::Cancelled));
        let inv = net.invitation(bob).unwrap();
        assert_eq!(net.states(bob, inv), [Initial, Terminated]);
        assert_eq!(
            net.cause(bob, inv),
            Some(TerminationCause::CancelledByRemote)
        );
        assert!(net.events(bob).any(|e| matches!(e, Event::Cancel { .. })));
        net.run_for(Duration::from_secs(40));
        assert!(net.unanswered().is_empty());
        assert_eq!(net.ua(alice).session_count(), 0);
    }
}

#[test]
fn cancel_after_ringing() {
    for with_sdp in [true, false] {
        let (mut net, alice, bob, call) = setup(with_sdp);
        net.run_for(SECOND);
        assert!(net.events(alice).any(
            |e| matches!(e, Event::Progress { status, .. } if *status == StatusCode::RINGING)
        ));
        cancel(&mut net, alice, call);
        net.run_for(SECOND);
        assert_eq!(net.methods(alice), ["INVITE", "CANCEL", "ACK"]);
        assert_eq!(net.finals(bob, "CANCEL"), [StatusCode::OK]);
        assert_eq!(net.finals(bob, "INVITE"), [StatusCode::REQUEST_TERMINATED]);
        assert_eq!(net.state(alice, call), Terminated);
        insta::assert_snapshot!(
            format!("cancel_after_ringing_sdp_{with_sdp}"),
            net.trace().join("\n")
        );
    }
}

#[test]
fn cancel_wins_the_race_with_accept() {
    let (mut net, alice, bob, call) = setup(true);
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    cancel(&mut net, alice, call);
    net.run_for(SECOND);
    // The CANCEL was processed first: accept is refused, nothing sent.
    let now = net.now;
    let sent = net.wire.len();
    let r = net.ua(bob).invitation(inv).map(|mut i| {
        i.accept(
            now,
            AcceptOptions {
                body: Some(sdp("bob", "answer")),
                ..Default::default()
            },
        )
    });
    assert!(!matches!(r, Some(Ok(()))));
    net.drain();
    assert_eq!(net.wire.len(), sent);
    assert_eq!(net.cause(alice, call), Some(TerminationCause::Cancelled));
}

#[test]
fn ok_wins_the_race_with_cancel() {
    for with_sdp in [true, false] {
        let (mut net, alice, bob, call) = setup(with_sdp);
        net.run_for(SECOND);
        let inv = net.invitation(bob).unwrap();
        let now = net.now;
        // Bob accepts; Alice cancels before the 200 reaches her.
        net.ua(bob)
            .invitation(inv)
            .unwrap()
            .accept(
                now,
                AcceptOptions {
                    body: Some(sdp("bob", "answer-or-offer")),
                    ..Default::default()
                },
            )
            .unwrap();
        cancel(&mut net, alice, call);
        net.run_for(5 * SECOND);
        assert_eq!(net.finals(bob, "CANCEL"), [StatusCode::OK]);
        if with_sdp {
            assert_eq!(net.methods(alice), ["INVITE", "CANCEL", "ACK", "BYE"]);
            assert_eq!(net.finals(bob, "BYE"), [StatusCode::OK]);
            assert_eq!(net.cause(bob, inv), Some(TerminationCause::RemoteBye));
        } else {
            // Bob offered in the 200; the ACK of a cancelled call carries
            // no answer, so Bob ends with BYE (Reason 488) as SIP.js does.
            // The two BYEs cross and each gets 481.
            assert_eq!(
                net.methods(alice),
                ["INVITE", "CANCEL", "ACK", "BYE", "481"]
            );
            assert_eq!(net.finals(bob, "BYE"), [StatusCode::CALL_DOES_NOT_EXIST]);
            assert_eq!(
                net.cause(bob, inv),
                Some(TerminationCause::Description(
                    StatusCode::NOT_ACCEPTABLE_HERE
                ))
            );
        }
        assert_eq!(
            net.states(alice, call),
            [Initial, Establishing, Terminating, Terminated]
        );
        assert_eq!(net.cause(alice, call), Some(TerminationCause::Cancelled));
        assert_eq!(
            net.states(bob, inv),
            [Initial, Establishing, Established, Terminated]
        );
        net.run_for(Duration::from_secs(40));
        assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
    }
}

#[test]
fn cancel_with_no_answer_at_all_ends_by_timer_b() {
    let mut net = Net::new(3, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let nowhere: sip_core::Uri = "sip:nobody@198.51.100.1".parse().unwrap();
    let now = net.now;
    let call = net
        .ua(alice)
        .invite(now, nowhere, InviteOptions::default())
        .unwrap();
    cancel(&mut net, alice, call);
    net.run_for(Duration::from_secs(40));
    assert_eq!(net.cause(alice, call), Some(TerminationCause::Cancelled));
    assert!(!net.methods(alice).contains(&"CANCEL".to_owned()));
}

#[test]
fn cancel_is_refused_once_established() {
    let (mut net, alice, bob, call) = setup(true);
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    net.answer(bob, inv);
    net.run_for(SECOND);
    let now = net.now;
    let r = net
        .ua(alice)
        .inviter(call)
        .unwrap()
        .cancel(now, CancelOptions::default());
    assert_eq!(r, Err(SessionError::InvalidState(Established)));
    let r = net.ua(alice).inviter(call).unwrap().cancel(
        now,
        CancelOptions {
            status: Some(StatusCode::new(100).unwrap()),
            reason_phrase: None,
        },
    );
    assert_eq!(r, Err(SessionError::InvalidState(Established)));
}

#[test]
fn cancel_carries_the_reason_given() {
    let (mut net, alice, _bob, call) = setup(true);
    net.run_for(SECOND);
    let now = net.now;
    net.ua(alice)
        .inviter(call)
        .unwrap()
        .cancel(
            now,
            CancelOptions {
                status: Some(StatusCode::OK),
                reason_phrase: Some("Call completed elsewhere".into()),
            },
        )
        .unwrap();
    net.run_for(SECOND);
    let reasons: Vec<String> = net
        .wire
        .iter()
        .filter_map(|w| match &w.message {
            sip_core::Message::Request(r) if r.method == sip_core::Method::Cancel => r
                .headers
                .get(&sip_core::HeaderName::Reason)
                .map(str::to_owned),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, ["SIP;cause=200;text=\"Call completed elsewhere\""]);
    assert_eq!(net.state(alice, call), Terminated);
}
