//! Time as the protocol crates see it: a crate-owned [`Instant`] passed in by
//! the embedder, never read from a clock (sans-IO rule 1).
//!
//! `Instant` counts milliseconds since an arbitrary zero chosen by the
//! embedder (the harness starts at [`Instant::ZERO`]). It prints as
//! `12.345s`, so traces and snapshots are byte-stable.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};
pub use core::time::Duration;

/// A point in time, in milliseconds since an embedder-chosen zero.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(u64);

impl Instant {
    /// The embedder's zero.
    pub const ZERO: Instant = Instant(0);
    /// The far future; used as "no deadline" sentinel internally.
    pub const MAX: Instant = Instant(u64::MAX);

    /// An instant `ms` milliseconds after zero.
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms)
    }

    /// Milliseconds since zero.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time elapsed since `earlier`, zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, saturating at [`Instant::MAX`].
    pub fn saturating_add(self, d: Duration) -> Instant {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(ms))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_seconds_with_millis() {
        assert_eq!(Instant::from_millis(12_345).to_string(), "12.345s");
        assert_eq!(Instant::ZERO.to_string(), "0.000s");
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_millis(500);
        assert_eq!(t + Duration::from_millis(250), Instant::from_millis(750));
        assert_eq!(Instant::from_millis(100) - t, Duration::ZERO);
        assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
    }
}
