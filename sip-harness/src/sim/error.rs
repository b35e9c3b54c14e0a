//! Why a run stopped early.

use sip_core::time::Instant;

/// Why [`Sim::run_until`](crate::Sim::run_until),
/// [`Sim::run_for`](crate::Sim::run_for) or [`Sim::drive`](crate::Sim::drive)
/// failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// Too many steps ran without the clock advancing: some node keeps
    /// asking for a timeout that is already due, or two nodes bounce
    /// messages over a zero-latency link forever.
    #[error("livelock at {at}: {steps} steps without the clock advancing; last trace records:\n{recent}")]
    Livelock {
        /// The stuck time.
        at: Instant,
        /// Steps taken at that time.
        steps: u64,
        /// The last trace records, as JSON lines.
        recent: String,
    },
    /// [`Sim::drive`](crate::Sim::drive) used up its step budget.
    #[error("step limit reached at {at} after {steps} steps; something keeps the simulation busy")]
    StepLimit {
        /// The time reached.
        at: Instant,
        /// Steps taken.
        steps: u64,
    },
    /// [`Sim::run_until`](crate::Sim::run_until): nothing is left to
    /// happen and the condition does not hold.
    #[error("stalled at {at}: nothing left to happen and the condition does not hold")]
    Stalled {
        /// The time reached.
        at: Instant,
    },
}
