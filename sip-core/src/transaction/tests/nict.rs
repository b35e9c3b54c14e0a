//! Non-INVITE client transaction: RFC 3261 figure 6.

use super::*;
use crate::transport::TransportError;
use NonInviteClientState as S;

const OPTIONS: &[u8] = b"OPTIONS sip:bob@biloxi.com SIP/2.0\r\n...";

/// Trying, started at 0.
pub(super) fn nict_trying(reliable: bool) -> NonInviteClient {
    NonInviteClient::start(t(0), &cfg(), OPTIONS.into(), reliable, &mut Actions::new())
}

/// Proceeding after a 100 at 100 ms.
pub(super) fn nict_proceeding(reliable: bool) -> NonInviteClient {
    let mut m = nict_trying(reliable);
    m.on_response(
        t(100),
        &cfg(),
        response(100, "OPTIONS", None),
        &mut Actions::new(),
    );
    m
}

/// Completed after a 200 at 200 ms (unreliable only: reliable terminates).
pub(super) fn nict_completed() -> NonInviteClient {
    let mut m = nict_trying(false);
    m.on_response(
        t(200),
        &cfg(),
        response(200, "OPTIONS", Some("b")),
        &mut Actions::new(),
    );
    m
}

fn next_timer(m: &NonInviteClient) -> Option<(Instant, Timer)> {
    [Timer::E, Timer::F, Timer::K]
        .into_iter()
        .filter_map(|x| m.deadline(x).map(|d| (d, x)))
        .min()
}

#[test]
fn start_enters_trying_and_arms_e_and_f() {
    let mut out = Actions::new();
    let m = NonInviteClient::start(t(0), &cfg(), OPTIONS.into(), false, &mut out);
    assert_eq!(
        out,
        [
            Action::Transmit(OPTIONS.into()),
            Action::Arm(Timer::E, t(500)),
            Action::Arm(Timer::F, t(32_000))
        ]
    );
    assert_eq!(m.state().to_string(), "Trying");
    let mut out = Actions::new();
    NonInviteClient::start(t(0), &cfg(), OPTIONS.into(), true, &mut out);
    assert_eq!(
        out,
        [
            Action::Transmit(OPTIONS.into()),
            Action::Arm(Timer::F, t(32_000))
        ]
    );
}

#[test]
fn trying_timer_e_doubles_up_to_t2_until_timer_f() {
    let mut m = nict_trying(false);
    let mut sent_at = Vec::new();
    while let Some((now, timer)) = next_timer(&m) {
        let out = acts(|o| m.on_timer(now, &cfg(), timer, o));
        match timer {
            Timer::E => {
                assert_eq!(out[0], Action::Transmit(OPTIONS.into()));
                sent_at.push(now.as_millis());
            }
            Timer::F => {
                assert_eq!(now, t(32_000));
                assert_eq!(out, [Action::Timeout(Timer::F), Action::Terminated]);
            }
            _ => unreachable!(),
        }
    }
    // Intervals 0.5, 1, 2, then capped at T2 = 4 s.
    assert_eq!(
        sent_at,
        [500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]
    );
    assert_eq!(m.transmissions(), 11);
}

#[test]
fn proceeding_timer_e_uses_t2() {
    let mut m = nict_proceeding(false);
    // The pending E (at 500) fires, then E is reset to T2 each time.
    assert_eq!(
        acts(|o| m.on_timer(t(500), &cfg(), Timer::E, o)),
        [
            Action::Transmit(OPTIONS.into()),
            Action::Arm(Timer::E, t(4_500))
        ]
    );
    assert_eq!(
        acts(|o| m.on_timer(t(4_500), &cfg(), Timer::E, o)),
        [
            Action::Transmit(OPTIONS.into()),
            Action::Arm(Timer::E, t(8_500))
        ]
    );
}

#[test]
fn trying_and_proceeding_timer_f_and_transport_error_inform_tu() {
    for reliable in BOTH {
        for mut m in [nict_trying(reliable), nict_proceeding(reliable)] {
            let mut m2 = m.clone();
            assert_eq!(
                acts(|o| m.on_timer(t(32_000), &cfg(), Timer::F, o)),
                [Action::Timeout(Timer::F), Action::Terminated]
            );
            assert_eq!(
                acts(|o| m2.on_transport_error(TransportError::ConnectionRefused, o)),
                [
                    Action::TransportError(TransportError::ConnectionRefused),
                    Action::Terminated
                ]
            );
        }
    }
}

#[test]
fn trying_1xx_to_proceeding() {
    for reliable in BOTH {
        let mut m = nict_trying(reliable);
        let r = response(100, "OPTIONS", None);
        assert_eq!(
            acts(|o| m.on_response(t(100), &cfg(), r.clone(), o)),
            [Action::Response(r)]
        );
        assert_eq!(m.state().name(), State::Proceeding);
        assert_eq!(m.deadline(Timer::F), Some(t(32_000)));
    }
}

#[test]
fn trying_and_proceeding_final_to_completed() {
    for make in [nict_trying, nict_proceeding] {
        let mut m = make(false);
        let r = response(200, "OPTIONS", Some("b"));
        assert_eq!(
            acts(|o| m.on_response(t(1_000), &cfg(), r.clone(), o)),
            [Action::Response(r.clone()), Action::Arm(Timer::K, t(6_000))]
        );
        assert_eq!(*m.state(), S::Completed { timer_k: t(6_000) });
        // Reliable: K is zero.
        let mut m = make(true);
        assert_eq!(
            acts(|o| m.on_response(t(1_000), &cfg(), r.clone(), o)),
            [Action::Response(r), Action::Terminated]
        );
    }
}

#[test]
fn proceeding_1xx_passed_up() {
    let mut m = nict_proceeding(false);
    let r = response(180, "OPTIONS", None);
    assert_eq!(
        acts(|o| m.on_response(t(150), &cfg(), r.clone(), o)),
        [Action::Response(r)]
    );
}

#[test]
fn completed_absorbs_responses_and_k_terminates() {
    let mut m = nict_completed();
    assert_eq!(
        acts(|o| m.on_response(t(300), &cfg(), response(200, "OPTIONS", Some("b")), o)),
        []
    );
    assert_eq!(
        acts(|o| m.on_response(t(300), &cfg(), response(100, "OPTIONS", None), o)),
        []
    );
    assert_eq!(
        acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
        []
    );
    assert_eq!(acts(|o| m.on_timer(t(5_199), &cfg(), Timer::K, o)), []);
    assert_eq!(
        acts(|o| m.on_timer(t(5_200), &cfg(), Timer::K, o)),
        [Action::Terminated]
    );
}
