//! The non-INVITE server transaction (RFC 3261 §17.2.2, figure 8).
//!
//! ```text
//!   Trying --1xx from TU--> Proceeding --200-699 from TU--> Completed --Timer J--> Terminated
//!     \______________200-699 from TU_____________/
//!   Trying: retransmissions absorbed; Proceeding: last 1xx re-sent;
//!   Completed: final re-sent; transport error: inform TU --> Terminated
//! ```

use super::config::Config;
use super::events::ResponseError;
use super::timer::Timer;
use super::{Action, Actions, State};
use crate::status::StatusCode;
use crate::time::Instant;
use crate::transport::{Payload, TransportError};
use core::fmt;

/// The states of the non-INVITE server transaction, with their data.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum NonInviteServerState {
    /// The request was passed to the TU, which has not responded.
    Trying,
    /// The TU sent a provisional response.
    Proceeding {
        /// The most recent provisional response.
        last_provisional: Payload,
    },
    /// The TU sent a final response.
    Completed {
        /// The final response, re-sent for each retransmitted request.
        response: Payload,
        /// Timer J.
        timer_j: Instant,
    },
    /// Done.
    Terminated,
}

impl NonInviteServerState {
    /// The RFC state name.
    pub fn name(&self) -> State {
        match self {
            NonInviteServerState::Trying => State::Trying,
            NonInviteServerState::Proceeding { .. } => State::Proceeding,
            NonInviteServerState::Completed { .. } => State::Completed,
            NonInviteServerState::Terminated => State::Terminated,
        }
    }
}

impl fmt::Display for NonInviteServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name().as_str())
    }
}

/// A non-INVITE server transaction.
#[derive(Clone, Debug)]
pub struct NonInviteServer {
    state: NonInviteServerState,
    reliable: bool,
}

impl NonInviteServer {
    /// Creates the transaction in Trying (§17.2.2).
    pub fn start(reliable: bool) -> Self {
        NonInviteServer {
            state: NonInviteServerState::Trying,
            reliable,
        }
    }

    /// The current state.
    pub fn state(&self) -> &NonInviteServerState {
        &self.state
    }

    /// True on a reliable transport.
    pub fn is_reliable(&self) -> bool {
        self.reliable
    }

    /// The deadline of `timer`, if armed.
    pub fn deadline(&self, timer: Timer) -> Option<Instant> {
        match (&self.state, timer) {
            (NonInviteServerState::Completed { timer_j, .. }, Timer::J) => Some(*timer_j),
            _ => None,
        }
    }

    fn terminate(&mut self, out: &mut Actions) {
        self.state = NonInviteServerState::Terminated;
        out.push(Action::Terminated);
    }

    /// A retransmission of the request matched this transaction (§17.2.2).
    pub fn on_request(&mut self, out: &mut Actions) {
        match &self.state {
            NonInviteServerState::Proceeding { last_provisional } => {
                out.push(Action::Transmit(last_provisional.clone()))
            }
            NonInviteServerState::Completed { response, .. } => {
                out.push(Action::Transmit(response.clone()))
            }
            NonInviteServerState::Trying | NonInviteServerState::Terminated => {}
        }
    }

    /// The TU passes a response (`status`, serialized as `bytes`).
    pub fn on_tu_response(
        &mut self,
        now: Instant,
        cfg: &Config,
        status: StatusCode,
        bytes: Payload,
        out: &mut Actions,
    ) -> Result<(), ResponseError> {
        match self.state {
            NonInviteServerState::Trying | NonInviteServerState::Proceeding { .. } => {
                out.push(Action::Transmit(bytes.clone()));
                if status.is_provisional() {
                    self.state = NonInviteServerState::Proceeding {
                        last_provisional: bytes,
                    };
                    return Ok(());
                }
                let j = cfg.duration(Timer::J, self.reliable).unwrap_or_default();
                if j.is_zero() {
                    self.terminate(out);
                } else {
                    let timer_j = now + j;
                    self.state = NonInviteServerState::Completed {
                        response: bytes,
                        timer_j,
                    };
                    out.push(Action::Arm(Timer::J, timer_j));
                }
                Ok(())
            }
            ref other => Err(ResponseError::AlreadyFinal {
                state: other.name(),
            }),
        }
    }

    /// A timer fired at `now`.
    pub fn on_timer(&mut self, now: Instant, _cfg: &Config, timer: Timer, out: &mut Actions) {
        if timer == Timer::J && super::timer::is_due(self.deadline(timer), now) {
            self.terminate(out);
        }
    }

    /// The transport failed to deliver a response (§17.2.4): in Proceeding
    /// and Completed, inform the TU and terminate.
    pub fn on_transport_error(&mut self, error: TransportError, out: &mut Actions) {
        if matches!(
            self.state,
            NonInviteServerState::Proceeding { .. } | NonInviteServerState::Completed { .. }
        ) {
            out.push(Action::TransportError(error));
            self.terminate(out);
        }
    }
}
