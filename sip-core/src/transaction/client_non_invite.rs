//! The non-INVITE client transaction (RFC 3261 §17.1.2, figure 6).
//!
//! ```text
//!   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
//!     |  \____________200-699____________/
//!     +-- Timer E: retransmit (T1 doubling to T2; T2 in Proceeding; unreliable only)
//!     +-- Timer F or transport error: inform TU --> Terminated
//! ```

use super::config::Config;
use super::timer::{Retransmit, Timer};
use super::{Action, Actions, State};
use crate::message::Response;
use crate::time::Instant;
use crate::transport::{Payload, TransportError};
use core::fmt;

/// The states of the non-INVITE client transaction, with their data.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum NonInviteClientState {
    /// The request was sent.
    Trying {
        /// Timer E, `None` on reliable transports.
        timer_e: Option<Retransmit>,
        /// Timer F.
        timer_f: Instant,
    },
    /// A provisional response arrived; retransmissions continue every T2.
    Proceeding {
        /// Timer E, `None` on reliable transports.
        timer_e: Option<Retransmit>,
        /// Timer F.
        timer_f: Instant,
    },
    /// A final response arrived; absorbing its retransmissions.
    Completed {
        /// Timer K.
        timer_k: Instant,
    },
    /// Done.
    Terminated,
}

impl NonInviteClientState {
    /// The RFC state name.
    pub fn name(&self) -> State {
        match self {
            NonInviteClientState::Trying { .. } => State::Trying,
            NonInviteClientState::Proceeding { .. } => State::Proceeding,
            NonInviteClientState::Completed { .. } => State::Completed,
            NonInviteClientState::Terminated => State::Terminated,
        }
    }
}

impl fmt::Display for NonInviteClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name().as_str())
    }
}

/// A non-INVITE client transaction.
#[derive(Clone, Debug)]
pub struct NonInviteClient {
    state: NonInviteClientState,
    request: Payload,
    reliable: bool,
    transmissions: u32,
}

impl NonInviteClient {
    /// Starts the transaction in Trying: passes the request to the
    /// transport, starts Timer E (unreliable only) and Timer F (§17.1.2.2).
    pub fn start(
        now: Instant,
        cfg: &Config,
        request: Payload,
        reliable: bool,
        out: &mut Actions,
    ) -> Self {
        out.push(Action::Transmit(request.clone()));
        let timer_e = cfg
            .duration(Timer::E, reliable)
            .map(|d| Retransmit::start(now, d));
        let timer_f = now + cfg.t1_x64();
        if let Some(e) = timer_e {
            out.push(Action::Arm(Timer::E, e.at));
        }
        out.push(Action::Arm(Timer::F, timer_f));
        NonInviteClient {
            state: NonInviteClientState::Trying { timer_e, timer_f },
            request,
            reliable,
            transmissions: 1,
        }
    }

    /// The current state.
    pub fn state(&self) -> &NonInviteClientState {
        &self.state
    }

    /// True on a reliable transport.
    pub fn is_reliable(&self) -> bool {
        self.reliable
    }

    /// How many times the request was passed to the transport.
    pub fn transmissions(&self) -> u32 {
        self.transmissions
    }

    /// The serialized request.
    pub fn request_bytes(&self) -> &[u8] {
        &self.request
    }

    /// The deadline of `timer`, if armed.
    pub fn deadline(&self, timer: Timer) -> Option<Instant> {
        use NonInviteClientState::*;
        match (&self.state, timer) {
            (Trying { timer_e, .. } | Proceeding { timer_e, .. }, Timer::E) => {
                timer_e.map(|e| e.at)
            }
            (Trying { timer_f, .. } | Proceeding { timer_f, .. }, Timer::F) => Some(*timer_f),
            (Completed { timer_k }, Timer::K) => Some(*timer_k),
            _ => None,
        }
    }

    fn terminate(&mut self, out: &mut Actions) {
        self.state = NonInviteClientState::Terminated;
        out.push(Action::Terminated);
    }

    /// A timer fired at `now`. Timers not armed, or not yet due, are
    /// ignored.
    pub fn on_timer(&mut self, now: Instant, cfg: &Config, timer: Timer, out: &mut Actions) {
        use NonInviteClientState::*;
        if !super::timer::is_due(self.deadline(timer), now) {
            return;
        }
        match timer {
            Timer::E => {
                let trying = matches!(self.state, Trying { .. });
                let (Trying {
                    timer_e: Some(e), ..
                }
                | Proceeding {
                    timer_e: Some(e), ..
                }) = &mut self.state
                else {
                    return;
                };
                // §17.1.2.2: in Trying the interval doubles up to T2; in
                // Proceeding it is T2.
                *e = if trying {
                    e.doubled(now, Some(cfg.t2()))
                } else {
                    Retransmit::start(now, cfg.t2())
                };
                let at = e.at;
                self.transmissions += 1;
                out.push(Action::Transmit(self.request.clone()));
                out.push(Action::Arm(Timer::E, at));
            }
            Timer::F => {
                out.push(Action::Timeout(Timer::F));
                self.terminate(out);
            }
            Timer::K => self.terminate(out),
            _ => {}
        }
    }

    /// A response matched this transaction (§17.1.3).
    pub fn on_response(
        &mut self,
        now: Instant,
        cfg: &Config,
        response: Response,
        out: &mut Actions,
    ) {
        use NonInviteClientState::*;
        let (Trying { timer_e, timer_f } | Proceeding { timer_e, timer_f }) = self.state else {
            // Completed absorbs retransmitted responses.
            return;
        };
        if response.status.is_provisional() {
            self.state = Proceeding { timer_e, timer_f };
            out.push(Action::Response(response));
            return;
        }
        out.push(Action::Response(response));
        let k = cfg.duration(Timer::K, self.reliable).unwrap_or_default();
        if k.is_zero() {
            self.terminate(out);
        } else {
            let timer_k = now + k;
            self.state = Completed { timer_k };
            out.push(Action::Arm(Timer::K, timer_k));
        }
    }

    /// The transport failed (§17.1.4): in Trying and Proceeding, inform the
    /// TU and terminate.
    pub fn on_transport_error(&mut self, error: TransportError, out: &mut Actions) {
        if matches!(
            self.state,
            NonInviteClientState::Trying { .. } | NonInviteClientState::Proceeding { .. }
        ) {
            out.push(Action::TransportError(error));
            self.terminate(out);
        }
    }
}
