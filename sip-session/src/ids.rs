//! Copy handles: [`SessionId`] for sessions, [`RequestId`] for incoming
//! requests the application answers.

use core::fmt;
use sip_core::transaction::TransactionId;

/// The handle of one session (an Inviter or an Invitation), valid until
/// the session is gone. Slot index and generation: a stale id never names
/// a newer session.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct SessionId {
    index: u32,
    generation: u32,
}

impl SessionId {
    pub(crate) const fn new(index: u32, generation: u32) -> Self {
        SessionId { index, generation }
    }

    pub(crate) const fn index(self) -> usize {
        self.index as usize
    }

    pub(crate) const fn generation(self) -> u32 {
        self.generation
    }

    /// The raw value (generation in the high 32 bits).
    pub const fn to_raw(self) -> u64 {
        ((self.generation as u64) << 32) | self.index as u64
    }

    /// The id from its raw value.
    pub const fn from_raw(raw: u64) -> Self {
        SessionId {
            index: raw as u32,
            generation: (raw >> 32) as u32,
        }
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session#{}.{}", self.index, self.generation)
    }
}

/// The handle of an incoming request waiting for the application's answer
/// (see [`Event::Request`](crate::Event::Request)); it names the server
/// transaction.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct RequestId(pub(crate) TransactionId);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request@{}", self.0)
    }
}
