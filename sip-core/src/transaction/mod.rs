//! The transaction layer (RFC 3261 §17, updated by RFC 6026), as pure
//! sans-IO state machines.
//!
//! | item | what |
//! |---|---|
//! | [`TransactionLayer`] | the driving API: datagrams, stream bytes, timeouts and transport errors in; transmits, events and deadlines out |
//! | [`InviteClient`], [`NonInviteClient`], [`InviteServer`], [`NonInviteServer`] | the four machines of RFC 3261 figures 5-8 (RFC 6026 figures 5 and 7) |
//! | [`Timer`], [`Config`] | timers A to M with T1/T2/T4, limits, transport rules |
//! | [`Event`], [`SendError`], [`ResponseError`] | what the transaction user (TU) sees |
//! | [`key`] | request and response matching (§17.1.3, §17.2.3, RFC 2543 fallback) |
//! | [`build`] | ACK for non-2xx (§17.1.1.3), CANCEL (§9.1), responses from a request (§8.2.6) |
//!
//! The machines are plain values: each input (`on_response`, `on_request`,
//! `on_timer`, ...) pushes [`Action`]s into a caller-provided vector, and
//! the per-state data, deadlines included, lives in the state enum. The
//! layer owns the machines, matches messages to them, stamps Vias, routes
//! responses (the transport rules of §18 and RFC 3581, in
//! [`crate::transport_rules`]) and keeps the deadlines in one heap.

pub mod build;
mod client_invite;
mod client_non_invite;
mod config;
mod events;
pub mod key;
pub(crate) mod layer;
mod scan;
mod server_invite;
mod server_non_invite;
mod timer;

#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
mod tests;

pub use client_invite::{InviteClient, InviteClientState};
pub use client_non_invite::{NonInviteClient, NonInviteClientState};
pub use config::{Config, SentBy};
pub use events::{DropReason, Event, LimitExceeded, ResponseError, SendError, Stats, StrayReason};
pub use layer::TransactionLayer;
pub use server_invite::{InviteServer, InviteServerState};
pub use server_non_invite::{NonInviteServer, NonInviteServerState};
pub use timer::{Retransmit, Timer};

use crate::message::{Request, Response};
use crate::time::Instant;
use crate::transport::{Payload, TransportError};
use core::fmt;

/// The handle of one transaction, valid until it terminates. Ids are not
/// reused while the transaction lives; a stale id is reported as unknown.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct TransactionId(u64);

impl TransactionId {
    /// The id from its raw value (slot index in the low 32 bits, slot
    /// generation in the high 32 bits).
    pub const fn from_raw(raw: u64) -> Self {
        TransactionId(raw)
    }

    /// The raw value.
    pub const fn to_raw(self) -> u64 {
        self.0
    }

    pub(crate) const fn new(index: u32, generation: u32) -> Self {
        TransactionId(((generation as u64) << 32) | index as u64)
    }

    pub(crate) const fn index(self) -> u32 {
        self.0 as u32
    }

    pub(crate) const fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "txn#{}.{}", self.index(), self.generation())
    }
}

/// The state of any transaction, with RFC 3261 / RFC 6026 spelling.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum State {
    /// INVITE client, request sent (§17.1.1.2).
    Calling,
    /// Non-INVITE client or server, initial state (§17.1.2.2, §17.2.2).
    Trying,
    /// A provisional response was received or sent.
    Proceeding,
    /// A final (non-2xx for INVITE) response was received or sent.
    Completed,
    /// INVITE server, ACK received (§17.2.1).
    Confirmed,
    /// INVITE, 2xx received or sent (RFC 6026 §7).
    Accepted,
    /// Done.
    Terminated,
}

impl State {
    /// The RFC spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Calling => "Calling",
            State::Trying => "Trying",
            State::Proceeding => "Proceeding",
            State::Completed => "Completed",
            State::Confirmed => "Confirmed",
            State::Accepted => "Accepted",
            State::Terminated => "Terminated",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The four kinds of transaction (RFC 3261 §17).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    /// INVITE client transaction (§17.1.1).
    InviteClient,
    /// Non-INVITE client transaction (§17.1.2).
    NonInviteClient,
    /// INVITE server transaction (§17.2.1).
    InviteServer,
    /// Non-INVITE server transaction (§17.2.2).
    NonInviteServer,
}

impl Kind {
    /// True for client transactions.
    pub const fn is_client(self) -> bool {
        matches!(self, Kind::InviteClient | Kind::NonInviteClient)
    }
}

/// What a machine asks its owner to do, in order.
///
/// Actions are short-lived (the owner drains them at once), but every one
/// is moved twice, so the rare `Ack` keeps its request boxed and the enum
/// stays the size of a [`Response`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Action {
    /// Pass these bytes to the transport, to the transaction's destination
    /// (a first send or a retransmission).
    Transmit(Payload),
    /// Arm `timer` to fire at the instant (replacing any earlier deadline
    /// of the same timer).
    Arm(Timer, Instant),
    /// Pass a response to the TU (client transactions).
    Response(Response),
    /// Pass an ACK to the TU (INVITE server in Accepted, RFC 6026 §7.1).
    Ack(Box<Request>),
    /// Inform the TU that `timer` fired without the expected message
    /// (B, F: timeout, treated as 408 by the TU, §8.1.3.1; H: no ACK).
    Timeout(Timer),
    /// Inform the TU of a transport failure (§17.1.4, §17.2.4), treated as
    /// 503 by a client TU (§8.1.3.1).
    TransportError(TransportError),
    /// The machine reached Terminated; its owner drops it.
    Terminated,
}

/// The actions a machine produced.
pub type Actions = Vec<Action>;
