//! The INVITE client transaction (RFC 3261 §17.1.1, figure 5, as updated
//! by RFC 6026 §7.2 and its figure 5).
//!
//! ```text
//!   Calling --1xx--> Proceeding --300-699 / ACK--> Completed --Timer D--> Terminated
//!      |  \______2xx______\_____________________> Accepted --Timer M--> Terminated
//!      +-- Timer A: retransmit (T1, 2T1, 4T1, ... unreliable only)
//!      +-- Timer B or transport error: inform TU --> Terminated
//! ```

use super::build::{OriginalRequest, PackedOriginal};
use super::config::Config;
use super::timer::{Retransmit, Timer};
use super::{Action, Actions, State};
use crate::header::HeaderName;
use crate::message::Response;
use crate::time::Instant;
use crate::transport::{Payload, TransportError};
use core::fmt;
use std::sync::OnceLock;

/// The states of the INVITE client transaction, with their data.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum InviteClientState {
    /// The INVITE was sent; retransmitting on Timer A (unreliable only),
    /// timing out on Timer B.
    Calling {
        /// Timer A, `None` on reliable transports.
        timer_a: Option<Retransmit>,
        /// Timer B.
        timer_b: Instant,
    },
    /// A provisional response arrived; no retransmissions, no timeout
    /// (the TU may CANCEL).
    Proceeding,
    /// A 300-699 arrived and was ACKed; absorbing its retransmissions.
    Completed {
        /// The ACK, re-sent for each retransmitted final response.
        ack: Payload,
        /// Timer D.
        timer_d: Instant,
    },
    /// A 2xx arrived (RFC 6026): further 2xx go to the TU until Timer M.
    Accepted {
        /// Timer M.
        timer_m: Instant,
    },
    /// Done.
    Terminated,
}

impl InviteClientState {
    /// The RFC state name.
    pub fn name(&self) -> State {
        match self {
            InviteClientState::Calling { .. } => State::Calling,
            InviteClientState::Proceeding => State::Proceeding,
            InviteClientState::Completed { .. } => State::Completed,
            InviteClientState::Accepted { .. } => State::Accepted,
            InviteClientState::Terminated => State::Terminated,
        }
    }
}

impl fmt::Display for InviteClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name().as_str())
    }
}

/// An INVITE client transaction.
#[derive(Clone, Debug)]
pub struct InviteClient {
    state: InviteClientState,
    request: Payload,
    original: Original,
    reliable: bool,
    transmissions: u32,
}

/// The fields the ACK of a non-2xx and the CANCEL copy.
#[derive(Clone, Debug)]
enum Original {
    /// Given when the transaction started.
    Fields(Box<OriginalRequest>),
    /// Places in the kept INVITE, unpacked on first use: most INVITEs end
    /// with a 2xx (which the TU ACKs) and are never cancelled.
    Packed(PackedOriginal, OnceLock<Box<OriginalRequest>>),
}

impl InviteClient {
    /// Starts the transaction in Calling: passes the INVITE to the
    /// transport, starts Timer A (unreliable only) and Timer B
    /// (§17.1.1.2).
    pub fn start(
        now: Instant,
        cfg: &Config,
        request: Payload,
        original: OriginalRequest,
        reliable: bool,
        out: &mut Actions,
    ) -> Self {
        let original = Original::Fields(Box::new(original));
        InviteClient::start_with(now, cfg, request, original, reliable, out)
    }

    /// As [`InviteClient::start`], with the fields kept packed until a
    /// CANCEL or an ACK needs them.
    pub(crate) fn start_packed(
        now: Instant,
        cfg: &Config,
        request: Payload,
        original: PackedOriginal,
        reliable: bool,
        out: &mut Actions,
    ) -> Self {
        let original = Original::Packed(original, OnceLock::new());
        InviteClient::start_with(now, cfg, request, original, reliable, out)
    }

    fn start_with(
        now: Instant,
        cfg: &Config,
        request: Payload,
        original: Original,
        reliable: bool,
        out: &mut Actions,
    ) -> Self {
        out.push(Action::Transmit(request.clone()));
        let timer_a = cfg
            .duration(Timer::A, reliable)
            .map(|d| Retransmit::start(now, d));
        let timer_b = now + cfg.t1_x64();
        if let Some(a) = timer_a {
            out.push(Action::Arm(Timer::A, a.at));
        }
        out.push(Action::Arm(Timer::B, timer_b));
        InviteClient {
            state: InviteClientState::Calling { timer_a, timer_b },
            request,
            original,
            reliable,
            transmissions: 1,
        }
    }

    /// The current state.
    pub fn state(&self) -> &InviteClientState {
        &self.state
    }

    /// True on a reliable transport.
    pub fn is_reliable(&self) -> bool {
        self.reliable
    }

    /// How many times the INVITE was passed to the transport.
    pub fn transmissions(&self) -> u32 {
        self.transmissions
    }

    /// The fields its ACK and CANCEL copy.
    pub fn original(&self) -> &OriginalRequest {
        match &self.original {
            Original::Fields(o) => o,
            Original::Packed(p, o) => o.get_or_init(|| Box::new(p.unpack(&self.request))),
        }
    }

    /// Approximate heap bytes held for [`InviteClient::original`].
    pub(crate) fn original_heap_bytes(&self) -> usize {
        match &self.original {
            Original::Fields(o) => o.heap_bytes(),
            Original::Packed(p, o) => p.heap_bytes() + o.get().map_or(0, |o| o.heap_bytes()),
        }
    }

    /// The serialized INVITE.
    pub fn request_bytes(&self) -> &[u8] {
        &self.request
    }

    /// The deadline of `timer`, if armed.
    pub fn deadline(&self, timer: Timer) -> Option<Instant> {
        match (&self.state, timer) {
            (InviteClientState::Calling { timer_a, .. }, Timer::A) => timer_a.map(|a| a.at),
            (InviteClientState::Calling { timer_b, .. }, Timer::B) => Some(*timer_b),
            (InviteClientState::Completed { timer_d, .. }, Timer::D) => Some(*timer_d),
            (InviteClientState::Accepted { timer_m }, Timer::M) => Some(*timer_m),
            _ => None,
        }
    }

    fn terminate(&mut self, out: &mut Actions) {
        self.state = InviteClientState::Terminated;
        out.push(Action::Terminated);
    }

    /// A timer fired at `now`. Timers not armed, or not yet due, are
    /// ignored.
    pub fn on_timer(&mut self, now: Instant, _cfg: &Config, timer: Timer, out: &mut Actions) {
        if !super::timer::is_due(self.deadline(timer), now) {
            return;
        }
        match (&mut self.state, timer) {
            (
                InviteClientState::Calling {
                    timer_a: Some(a), ..
                },
                Timer::A,
            ) => {
                // §17.1.1.2: retransmit, reset with twice the interval (no cap).
                *a = a.doubled(now, None);
                let at = a.at;
                self.transmissions += 1;
                out.push(Action::Transmit(self.request.clone()));
                out.push(Action::Arm(Timer::A, at));
            }
            (InviteClientState::Calling { .. }, Timer::B) => {
                out.push(Action::Timeout(Timer::B));
                self.terminate(out);
            }
            (InviteClientState::Completed { .. }, Timer::D)
            | (InviteClientState::Accepted { .. }, Timer::M) => self.terminate(out),
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
        let status = response.status;
        match &mut self.state {
            InviteClientState::Calling { .. } | InviteClientState::Proceeding => {
                if status.is_provisional() {
                    self.state = InviteClientState::Proceeding;
                    out.push(Action::Response(response));
                } else if status.is_success() {
                    // RFC 6026 §7.2: 2xx to the TU, enter Accepted, start M.
                    let timer_m = now + cfg.t1_x64();
                    self.state = InviteClientState::Accepted { timer_m };
                    out.push(Action::Response(response));
                    out.push(Action::Arm(Timer::M, timer_m));
                } else {
                    // §17.1.1.2: 300-699: ACK, response to the TU, Completed.
                    let to = response.headers.get(&HeaderName::To).unwrap_or_default();
                    let ack = Payload::from(self.original().ack(to).to_bytes());
                    out.push(Action::Transmit(ack.clone()));
                    out.push(Action::Response(response));
                    let d = cfg.duration(Timer::D, self.reliable).unwrap_or_default();
                    if d.is_zero() {
                        self.terminate(out);
                    } else {
                        let timer_d = now + d;
                        self.state = InviteClientState::Completed { ack, timer_d };
                        out.push(Action::Arm(Timer::D, timer_d));
                    }
                }
            }
            InviteClientState::Completed { ack, .. } => {
                // Retransmitted final responses are ACKed again, not passed up.
                if !status.is_provisional() && !status.is_success() {
                    out.push(Action::Transmit(ack.clone()));
                }
            }
            InviteClientState::Accepted { .. } => {
                // RFC 6026 §7.2: further 2xx (retransmissions or other forks)
                // go to the TU, which ACKs each.
                if status.is_success() {
                    out.push(Action::Response(response));
                }
            }
            InviteClientState::Terminated => {}
        }
    }

    /// The transport failed to deliver the INVITE or the ACK (§17.1.4):
    /// in Calling and Completed, inform the TU and terminate.
    pub fn on_transport_error(&mut self, error: TransportError, out: &mut Actions) {
        if matches!(
            self.state,
            InviteClientState::Calling { .. } | InviteClientState::Completed { .. }
        ) {
            out.push(Action::TransportError(error));
            self.terminate(out);
        }
    }
}
