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

/// A fast hasher for the agent's own ids (transaction and request
/// handles): they are slot numbers chosen by the stack, not by the peer,
/// so no keyed hash is needed to resist flooding.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl core::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A map keyed by the agent's own ids.
pub(crate) type IdMap<K, V> =
    std::collections::HashMap<K, V, core::hash::BuildHasherDefault<IdHasher>>;
