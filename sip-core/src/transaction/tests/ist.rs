//! INVITE server transaction: RFC 3261 figure 7 with RFC 6026 figure 7.

use super::*;
use crate::transport::TransportError;
use InviteServerState as S;

const TRYING: &[u8] = b"SIP/2.0 100 Trying\r\n...";
const RINGING: &[u8] = b"SIP/2.0 180 Ringing\r\n...";
const BUSY: &[u8] = b"SIP/2.0 486 Busy Here\r\n...";
const OK: &[u8] = b"SIP/2.0 200 OK\r\n...";

/// Proceeding, created at 0, 100 (Trying) pending.
pub(super) fn ist_proceeding(reliable: bool) -> InviteServer {
    InviteServer::start(
        t(0),
        &cfg(),
        Some(TRYING.into()),
        reliable,
        &mut Actions::new(),
    )
}

fn tu(m: &mut InviteServer, now: u64, status: u16, bytes: &[u8]) -> Result<Actions, ResponseError> {
    let mut out = Actions::new();
    m.on_tu_response(
        t(now),
        &cfg(),
        StatusCode::new(status).unwrap(),
        bytes.into(),
        &mut out,
    )?;
    Ok(out)
}

/// Completed after a 486 at 1 s (Timer G from 1.5 s, H at 33 s).
pub(super) fn ist_completed(reliable: bool) -> InviteServer {
    let mut m = ist_proceeding(reliable);
    tu(&mut m, 1_000, 486, BUSY).unwrap();
    m
}

/// Confirmed after the ACK at 2 s (unreliable only: reliable terminates).
pub(super) fn ist_confirmed() -> InviteServer {
    let mut m = ist_completed(false);
    m.on_request(t(2_000), &cfg(), request(Method::Ack), &mut Actions::new());
    m
}

/// Accepted after a 200 at 1 s.
pub(super) fn ist_accepted(reliable: bool) -> InviteServer {
    let mut m = ist_proceeding(reliable);
    tu(&mut m, 1_000, 200, OK).unwrap();
    m
}

fn next_timer(m: &InviteServer) -> Option<(Instant, Timer)> {
    [Timer::Trying, Timer::G, Timer::H, Timer::I, Timer::L]
        .into_iter()
        .filter_map(|x| m.deadline(x).map(|d| (d, x)))
        .min()
}

#[test]
fn start_schedules_100_trying_after_200ms() {
    for reliable in BOTH {
        let mut out = Actions::new();
        let mut m = InviteServer::start(t(0), &cfg(), Some(TRYING.into()), reliable, &mut out);
        assert_eq!(out, [Action::Arm(Timer::Trying, t(200))]);
        assert_eq!(m.state().to_string(), "Proceeding");
        assert_eq!(
            acts(|o| m.on_timer(t(200), &cfg(), Timer::Trying, o)),
            [Action::Transmit(TRYING.into())]
        );
        // The 100 is now the provisional re-sent on retransmitted INVITEs.
        assert_eq!(
            acts(|o| m.on_request(t(300), &cfg(), request(Method::Invite), o)),
            [Action::Transmit(TRYING.into())]
        );
    }
}

#[test]
fn tu_answer_within_200ms_suppresses_the_100() {
    let mut m = ist_proceeding(false);
    assert_eq!(
        tu(&mut m, 150, 180, RINGING).unwrap(),
        [Action::Transmit(RINGING.into())]
    );
    assert_eq!(m.deadline(Timer::Trying), None);
    assert_eq!(acts(|o| m.on_timer(t(200), &cfg(), Timer::Trying, o)), []);
}

#[test]
fn disabled_or_zero_delay_trying() {
    let mut out = Actions::new();
    let c = Config {
        send_trying: false,
        ..cfg()
    };
    InviteServer::start(t(0), &c, Some(TRYING.into()), false, &mut out);
    assert_eq!(out, []);
    let c = Config {
        trying_delay: crate::time::Duration::ZERO,
        ..cfg()
    };
    InviteServer::start(t(0), &c, Some(TRYING.into()), false, &mut out);
    assert_eq!(out, [Action::Transmit(TRYING.into())]);
}

#[test]
fn proceeding_invite_retransmission_resends_last_provisional() {
    let mut m = ist_proceeding(false);
    // Nothing sent yet: nothing to re-send.
    assert_eq!(
        acts(|o| m.on_request(t(100), &cfg(), request(Method::Invite), o)),
        []
    );
    tu(&mut m, 150, 180, RINGING).unwrap();
    assert_eq!(
        acts(|o| m.on_request(t(600), &cfg(), request(Method::Invite), o)),
        [Action::Transmit(RINGING.into())]
    );
}

#[test]
fn proceeding_1xx_from_tu_sent_each_time() {
    let mut m = ist_proceeding(true);
    assert_eq!(
        tu(&mut m, 100, 180, RINGING).unwrap(),
        [Action::Transmit(RINGING.into())]
    );
    assert_eq!(
        tu(&mut m, 200, 180, RINGING).unwrap(),
        [Action::Transmit(RINGING.into())]
    );
    assert_eq!(m.state().name(), State::Proceeding);
}

#[test]
fn proceeding_2xx_from_tu_to_accepted() {
    for reliable in BOTH {
        let mut m = ist_proceeding(reliable);
        assert_eq!(
            tu(&mut m, 1_000, 200, OK).unwrap(),
            [
                Action::Transmit(OK.into()),
                Action::Arm(Timer::L, t(33_000))
            ]
        );
        assert_eq!(*m.state(), S::Accepted { timer_l: t(33_000) });
    }
}

#[test]
fn proceeding_non_2xx_from_tu_to_completed() {
    let mut m = ist_proceeding(false);
    assert_eq!(
        tu(&mut m, 1_000, 486, BUSY).unwrap(),
        [
            Action::Transmit(BUSY.into()),
            Action::Arm(Timer::G, t(1_500)),
            Action::Arm(Timer::H, t(33_000))
        ]
    );
    let mut m = ist_proceeding(true);
    assert_eq!(
        tu(&mut m, 1_000, 486, BUSY).unwrap(),
        [
            Action::Transmit(BUSY.into()),
            Action::Arm(Timer::H, t(33_000))
        ]
    );
}

#[test]
fn proceeding_transport_error_informs_tu() {
    for reliable in BOTH {
        let mut m = ist_proceeding(reliable);
        assert_eq!(
            acts(|o| m.on_transport_error(TransportError::ConnectionReset, o)),
            [
                Action::TransportError(TransportError::ConnectionReset),
                Action::Terminated
            ]
        );
    }
}

#[test]
fn completed_timer_g_doubles_to_t2_until_timer_h() {
    let mut m = ist_completed(false);
    let mut sent_at = Vec::new();
    while let Some((now, timer)) = next_timer(&m) {
        let out = acts(|o| m.on_timer(now, &cfg(), timer, o));
        match timer {
            Timer::G => {
                assert_eq!(out[0], Action::Transmit(BUSY.into()));
                sent_at.push(now.as_millis());
            }
            Timer::H => {
                assert_eq!(now, t(33_000));
                assert_eq!(out, [Action::Timeout(Timer::H), Action::Terminated]);
            }
            _ => unreachable!(),
        }
    }
    assert_eq!(
        sent_at,
        [1_500, 2_500, 4_500, 8_500, 12_500, 16_500, 20_500, 24_500, 28_500, 32_500]
    );
    assert_eq!(m.final_transmissions(), 11);
}

#[test]
fn completed_reliable_has_no_timer_g() {
    let mut m = ist_completed(true);
    assert_eq!(m.deadline(Timer::G), None);
    assert_eq!(
        acts(|o| m.on_timer(t(33_000), &cfg(), Timer::H, o)),
        [Action::Timeout(Timer::H), Action::Terminated]
    );
}

#[test]
fn completed_invite_resends_final() {
    for reliable in BOTH {
        let mut m = ist_completed(reliable);
        assert_eq!(
            acts(|o| m.on_request(t(1_200), &cfg(), request(Method::Invite), o)),
            [Action::Transmit(BUSY.into())]
        );
    }
}

#[test]
fn completed_ack_to_confirmed() {
    let mut m = ist_completed(false);
    assert_eq!(
        acts(|o| m.on_request(t(2_000), &cfg(), request(Method::Ack), o)),
        [Action::Arm(Timer::I, t(7_000))]
    );
    assert_eq!(*m.state(), S::Confirmed { timer_i: t(7_000) });
    // Reliable: Timer I is zero.
    let mut m = ist_completed(true);
    assert_eq!(
        acts(|o| m.on_request(t(2_000), &cfg(), request(Method::Ack), o)),
        [Action::Terminated]
    );
}

#[test]
fn completed_transport_error_informs_tu() {
    let mut m = ist_completed(false);
    assert_eq!(
        acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
        [
            Action::TransportError(TransportError::Unreachable),
            Action::Terminated
        ]
    );
}

#[test]
fn completed_refuses_another_response() {
    let mut m = ist_completed(false);
    assert_eq!(
        tu(&mut m, 1_100, 200, OK),
        Err(ResponseError::AlreadyFinal {
            state: State::Completed
        })
    );
    assert_eq!(
        tu(&mut m, 1_100, 180, RINGING),
        Err(ResponseError::AlreadyFinal {
            state: State::Completed
        })
    );
}

#[test]
fn confirmed_absorbs_and_timer_i_terminates() {
    let mut m = ist_confirmed();
    assert_eq!(
        acts(|o| m.on_request(t(2_100), &cfg(), request(Method::Ack), o)),
        []
    );
    assert_eq!(
        acts(|o| m.on_request(t(2_100), &cfg(), request(Method::Invite), o)),
        []
    );
    assert_eq!(
        acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
        []
    );
    assert!(tu(&mut m, 2_200, 200, OK).is_err());
    assert_eq!(
        acts(|o| m.on_timer(t(7_000), &cfg(), Timer::I, o)),
        [Action::Terminated]
    );
}

#[test]
fn accepted_absorbs_invites_and_passes_acks() {
    for reliable in BOTH {
        let mut m = ist_accepted(reliable);
        assert_eq!(
            acts(|o| m.on_request(t(1_500), &cfg(), request(Method::Invite), o)),
            []
        );
        let ack = request(Method::Ack);
        assert_eq!(
            acts(|o| m.on_request(t(1_600), &cfg(), ack.clone(), o)),
            [Action::Ack(Box::new(ack.clone()))]
        );
        // A retransmitted ACK goes up too: the TU owns the 2xx/ACK exchange.
        assert_eq!(
            acts(|o| m.on_request(t(1_700), &cfg(), ack.clone(), o)),
            [Action::Ack(Box::new(ack))]
        );
    }
}

#[test]
fn accepted_sends_tu_2xx_retransmissions_and_refuses_others() {
    let mut m = ist_accepted(false);
    assert_eq!(
        tu(&mut m, 1_500, 200, OK).unwrap(),
        [Action::Transmit(OK.into())]
    );
    assert_eq!(
        tu(&mut m, 1_500, 486, BUSY),
        Err(ResponseError::AlreadyFinal {
            state: State::Accepted
        })
    );
    assert!(tu(&mut m, 1_500, 180, RINGING).is_err());
}

#[test]
fn accepted_transport_error_informs_tu_and_stays() {
    let mut m = ist_accepted(false);
    assert_eq!(
        acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
        [Action::TransportError(TransportError::Unreachable)]
    );
    assert_eq!(m.state().name(), State::Accepted);
}

#[test]
fn accepted_timer_l_terminates() {
    for reliable in BOTH {
        let mut m = ist_accepted(reliable);
        assert_eq!(acts(|o| m.on_timer(t(32_999), &cfg(), Timer::L, o)), []);
        assert_eq!(
            acts(|o| m.on_timer(t(33_000), &cfg(), Timer::L, o)),
            [Action::Terminated]
        );
    }
}
