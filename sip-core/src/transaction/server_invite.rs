//! The INVITE server transaction (RFC 3261 §17.2.1, figure 7, as updated
//! by RFC 6026 §7.1 and its figure 7).
//!
//! ```text
//!   Proceeding --300-699 from TU--> Completed --ACK--> Confirmed --Timer I--> Terminated
//!      |   \                           +-- Timer G: retransmit final (unreliable)
//!      |    \                          +-- Timer H / transport error: inform TU --> Terminated
//!      |     \--2xx from TU--> Accepted --Timer L--> Terminated
//!      |                         +-- INVITE: absorbed; ACK: to TU; 2xx from TU: sent
//!      +-- 100 (Trying) after 200 ms unless the TU responded; INVITE: resend last 1xx
//! ```

use super::config::Config;
use super::events::ResponseError;
use super::timer::{Retransmit, Timer};
use super::{Action, Actions, State};
use crate::message::Request;
use crate::status::StatusCode;
use crate::time::Instant;
use crate::transport::{Payload, TransportError};
use core::fmt;

/// The states of the INVITE server transaction, with their data.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum InviteServerState {
    /// The INVITE was passed to the TU.
    Proceeding {
        /// The 100 (Trying) to send when its timer fires, if the TU has
        /// not responded by then (§17.2.1).
        trying: Option<(Instant, Payload)>,
        /// The most recent provisional response, re-sent for each
        /// retransmitted INVITE.
        last_provisional: Option<Payload>,
    },
    /// A 300-699 was sent; retransmitting it until the ACK.
    Completed {
        /// The final response.
        response: Payload,
        /// Timer G, `None` on reliable transports.
        timer_g: Option<Retransmit>,
        /// Timer H.
        timer_h: Instant,
    },
    /// The ACK arrived; absorbing its retransmissions.
    Confirmed {
        /// Timer I.
        timer_i: Instant,
    },
    /// A 2xx was sent (RFC 6026 §7.1): retransmitted INVITEs are absorbed,
    /// ACKs go to the TU, the TU may send the 2xx again.
    Accepted {
        /// Timer L.
        timer_l: Instant,
    },
    /// Done.
    Terminated,
}

impl InviteServerState {
    /// The RFC state name.
    pub fn name(&self) -> State {
        match self {
            InviteServerState::Proceeding { .. } => State::Proceeding,
            InviteServerState::Completed { .. } => State::Completed,
            InviteServerState::Confirmed { .. } => State::Confirmed,
            InviteServerState::Accepted { .. } => State::Accepted,
            InviteServerState::Terminated => State::Terminated,
        }
    }
}

impl fmt::Display for InviteServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name().as_str())
    }
}

/// An INVITE server transaction.
#[derive(Clone, Debug)]
pub struct InviteServer {
    state: InviteServerState,
    reliable: bool,
    final_transmissions: u32,
}

impl InviteServer {
    /// Creates the transaction in Proceeding (§17.2.1). `trying` is the
    /// 100 (Trying) to send after [`Config::trying_delay`] unless the TU
    /// responds first; `None` (or [`Config::send_trying`] false) sends none.
    pub fn start(
        now: Instant,
        cfg: &Config,
        trying: Option<Payload>,
        reliable: bool,
        out: &mut Actions,
    ) -> Self {
        let mut m = InviteServer {
            state: InviteServerState::Proceeding {
                trying: None,
                last_provisional: None,
            },
            reliable,
            final_transmissions: 0,
        };
        if let Some(bytes) = trying.filter(|_| cfg.send_trying) {
            let delay = cfg.trying_delay;
            if delay.is_zero() {
                out.push(Action::Transmit(bytes.clone()));
                m.state = InviteServerState::Proceeding {
                    trying: None,
                    last_provisional: Some(bytes),
                };
            } else {
                let at = now + delay;
                m.state = InviteServerState::Proceeding {
                    trying: Some((at, bytes)),
                    last_provisional: None,
                };
                out.push(Action::Arm(Timer::Trying, at));
            }
        }
        m
    }

    /// The current state.
    pub fn state(&self) -> &InviteServerState {
        &self.state
    }

    /// True on a reliable transport.
    pub fn is_reliable(&self) -> bool {
        self.reliable
    }

    /// How many times a non-2xx final response was passed to the transport.
    pub fn final_transmissions(&self) -> u32 {
        self.final_transmissions
    }

    /// The deadline of `timer`, if armed.
    pub fn deadline(&self, timer: Timer) -> Option<Instant> {
        use InviteServerState::*;
        match (&self.state, timer) {
            (Proceeding { trying, .. }, Timer::Trying) => trying.as_ref().map(|t| t.0),
            (Completed { timer_g, .. }, Timer::G) => timer_g.map(|g| g.at),
            (Completed { timer_h, .. }, Timer::H) => Some(*timer_h),
            (Confirmed { timer_i }, Timer::I) => Some(*timer_i),
            (Accepted { timer_l }, Timer::L) => Some(*timer_l),
            _ => None,
        }
    }

    fn terminate(&mut self, out: &mut Actions) {
        self.state = InviteServerState::Terminated;
        out.push(Action::Terminated);
    }

    /// A retransmitted INVITE, or an ACK, matched this transaction
    /// (§17.2.3).
    pub fn on_request(&mut self, now: Instant, cfg: &Config, request: Request, out: &mut Actions) {
        use InviteServerState::*;
        let is_ack = request.method == crate::method::Method::Ack;
        match &mut self.state {
            Proceeding {
                last_provisional, ..
            } => {
                if let (false, Some(p)) = (is_ack, last_provisional) {
                    out.push(Action::Transmit(p.clone()));
                }
            }
            Completed { response, .. } => {
                if is_ack {
                    let i = cfg.duration(Timer::I, self.reliable).unwrap_or_default();
                    if i.is_zero() {
                        self.terminate(out);
                    } else {
                        let timer_i = now + i;
                        self.state = Confirmed { timer_i };
                        out.push(Action::Arm(Timer::I, timer_i));
                    }
                } else {
                    self.final_transmissions += 1;
                    out.push(Action::Transmit(response.clone()));
                }
            }
            Accepted { .. } => {
                if is_ack {
                    out.push(Action::Ack(Box::new(request)));
                }
            }
            Confirmed { .. } | Terminated => {}
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
        use InviteServerState::*;
        match &mut self.state {
            Proceeding {
                trying,
                last_provisional,
            } => {
                *trying = None;
                if status.is_provisional() {
                    out.push(Action::Transmit(bytes.clone()));
                    *last_provisional = Some(bytes);
                } else if status.is_success() {
                    // RFC 6026 §7.1: the TU, not the transaction, keeps
                    // the 2xx.
                    out.push(Action::Transmit(bytes));
                    let timer_l = now + cfg.t1_x64();
                    self.state = Accepted { timer_l };
                    out.push(Action::Arm(Timer::L, timer_l));
                } else {
                    out.push(Action::Transmit(bytes.clone()));
                    let timer_g = cfg
                        .duration(Timer::G, self.reliable)
                        .map(|d| Retransmit::start(now, d));
                    let timer_h = now + cfg.t1_x64();
                    if let Some(g) = timer_g {
                        out.push(Action::Arm(Timer::G, g.at));
                    }
                    out.push(Action::Arm(Timer::H, timer_h));
                    self.final_transmissions = 1;
                    self.state = Completed {
                        response: bytes,
                        timer_g,
                        timer_h,
                    };
                }
                Ok(())
            }
            Accepted { .. } if status.is_success() => {
                // RFC 6026 §7.1: the TU retransmits its 2xx through here.
                out.push(Action::Transmit(bytes));
                Ok(())
            }
            other => Err(ResponseError::AlreadyFinal {
                state: other.name(),
            }),
        }
    }

    /// A timer fired at `now`. Timers not armed, or not yet due, are
    /// ignored.
    pub fn on_timer(&mut self, now: Instant, cfg: &Config, timer: Timer, out: &mut Actions) {
        use InviteServerState::*;
        if !super::timer::is_due(self.deadline(timer), now) {
            return;
        }
        match (&mut self.state, timer) {
            (
                Proceeding {
                    trying,
                    last_provisional,
                },
                Timer::Trying,
            ) => {
                if let Some((_, bytes)) = trying.take() {
                    out.push(Action::Transmit(bytes.clone()));
                    *last_provisional = Some(bytes);
                }
            }
            (
                Completed {
                    response,
                    timer_g: Some(g),
                    ..
                },
                Timer::G,
            ) => {
                *g = g.doubled(now, Some(cfg.t2()));
                let at = g.at;
                self.final_transmissions += 1;
                out.push(Action::Transmit(response.clone()));
                out.push(Action::Arm(Timer::G, at));
            }
            (Completed { .. }, Timer::H) => {
                out.push(Action::Timeout(Timer::H));
                self.terminate(out);
            }
            (Confirmed { .. }, Timer::I) | (Accepted { .. }, Timer::L) => self.terminate(out),
            _ => {}
        }
    }

    /// The transport failed to deliver a response (§17.2.4): in Proceeding
    /// and Completed, inform the TU and terminate; in Accepted, inform the
    /// TU (which owns the 2xx) and stay.
    pub fn on_transport_error(&mut self, error: TransportError, out: &mut Actions) {
        match self.state {
            InviteServerState::Proceeding { .. } | InviteServerState::Completed { .. } => {
                out.push(Action::TransportError(error));
                self.terminate(out);
            }
            InviteServerState::Accepted { .. } => out.push(Action::TransportError(error)),
            _ => {}
        }
    }
}
