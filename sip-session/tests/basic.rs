//! Scenario: a basic call.

mod support;

use sip_core::time::Duration;
use sip_session::*;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn basic_call_invite_ringing_ok_ack_bye() {
    let mut net = Net::new(1, Impairments::PERFECT);
    let alice = net.add("alice", 11, |_| {});
    let bob = net.add("bob", 22, |_| {});
    let call = net.call_with_offer(alice, bob);
    let inv = net.await_invitation(bob, SECOND);
    net.run_for(Duration::from_millis(100));
    net.answer(bob, inv);
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), SessionState::Established);
    assert_eq!(net.state(bob, inv), SessionState::Established);
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(
        net.trace(),
        [
            "alice -> bob: INVITE",
            "bob -> alice: 100 Trying (INVITE)",
            "bob -> alice: 180 Ringing (INVITE)",
            "bob -> alice: 200 OK (INVITE)",
            "alice -> bob: ACK",
            "alice -> bob: BYE",
            "bob -> alice: 200 OK (BYE)",
        ]
    );
    assert_eq!(
        net.states(alice, call),
        [
            SessionState::Initial,
            SessionState::Establishing,
            SessionState::Established,
            SessionState::Terminated
        ]
    );
    assert_eq!(
        net.states(bob, inv),
        [
            SessionState::Initial,
            SessionState::Establishing,
            SessionState::Established,
            SessionState::Terminated
        ]
    );
    assert_eq!(net.cause(alice, call), Some(TerminationCause::Bye));
    assert_eq!(net.cause(bob, inv), Some(TerminationCause::RemoteBye));
    net.run_for(Duration::from_secs(60));
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
    assert_eq!(net.ua(alice).session_count(), 0);
    assert_eq!(net.ua(bob).session_count(), 0);
    insta::assert_snapshot!("basic_call", net.transcript());
}
