//! Non-INVITE server transaction: RFC 3261 figure 8.

use super::*;
use crate::transport::TransportError;
use NonInviteServerState as S;

const TRYING: &[u8] = b"SIP/2.0 100 Trying\r\n...";
const OK: &[u8] = b"SIP/2.0 200 OK\r\n...";

fn tu(
    m: &mut NonInviteServer,
    now: u64,
    status: u16,
    bytes: &[u8],
) -> Result<Actions, ResponseError> {
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

/// Trying.
pub(super) fn nist_trying(reliable: bool) -> NonInviteServer {
    NonInviteServer::start(reliable)
}

/// Proceeding after a 100 from the TU at 100 ms.
pub(super) fn nist_proceeding(reliable: bool) -> NonInviteServer {
    let mut m = nist_trying(reliable);
    tu(&mut m, 100, 100, TRYING).unwrap();
    m
}

/// Completed after a 200 at 1 s (unreliable only: reliable terminates).
pub(super) fn nist_completed() -> NonInviteServer {
    let mut m = nist_trying(false);
    tu(&mut m, 1_000, 200, OK).unwrap();
    m
}

#[test]
fn trying_absorbs_retransmissions() {
    for reliable in BOTH {
        let mut m = nist_trying(reliable);
        assert_eq!(m.state().to_string(), "Trying");
        assert_eq!(acts(|o| m.on_request(o)), []);
        // Nothing was sent: no transport error applies.
        assert_eq!(
            acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
            []
        );
    }
}

#[test]
fn trying_1xx_from_tu_to_proceeding() {
    for reliable in BOTH {
        let mut m = nist_trying(reliable);
        assert_eq!(
            tu(&mut m, 100, 100, TRYING).unwrap(),
            [Action::Transmit(TRYING.into())]
        );
        assert_eq!(
            *m.state(),
            S::Proceeding {
                last_provisional: TRYING.into()
            }
        );
    }
}

#[test]
fn trying_and_proceeding_final_to_completed() {
    for make in [nist_trying, nist_proceeding] {
        let mut m = make(false);
        assert_eq!(
            tu(&mut m, 1_000, 200, OK).unwrap(),
            [
                Action::Transmit(OK.into()),
                Action::Arm(Timer::J, t(33_000))
            ]
        );
        assert_eq!(m.deadline(Timer::J), Some(t(33_000)));
        let mut m = make(true);
        assert_eq!(
            tu(&mut m, 1_000, 200, OK).unwrap(),
            [Action::Transmit(OK.into()), Action::Terminated]
        );
    }
}

#[test]
fn proceeding_resends_last_provisional_and_sends_more() {
    let mut m = nist_proceeding(false);
    assert_eq!(acts(|o| m.on_request(o)), [Action::Transmit(TRYING.into())]);
    assert_eq!(
        tu(&mut m, 200, 100, TRYING).unwrap(),
        [Action::Transmit(TRYING.into())]
    );
}

#[test]
fn proceeding_transport_error_informs_tu() {
    for reliable in BOTH {
        let mut m = nist_proceeding(reliable);
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
fn completed_resends_final_and_j_terminates() {
    let mut m = nist_completed();
    assert_eq!(acts(|o| m.on_request(o)), [Action::Transmit(OK.into())]);
    assert_eq!(
        tu(&mut m, 1_100, 200, OK),
        Err(ResponseError::AlreadyFinal {
            state: State::Completed
        })
    );
    assert_eq!(acts(|o| m.on_timer(t(32_999), &cfg(), Timer::J, o)), []);
    assert_eq!(
        acts(|o| m.on_timer(t(33_000), &cfg(), Timer::J, o)),
        [Action::Terminated]
    );
}

#[test]
fn completed_transport_error_informs_tu() {
    let mut m = nist_completed();
    assert_eq!(
        acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
        [
            Action::TransportError(TransportError::Unreachable),
            Action::Terminated
        ]
    );
}
