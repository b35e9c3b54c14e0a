//! Links between addresses and the faults they inject, drawn from the
//! simulator's one seeded RNG.

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;
use serde::{Deserialize, Serialize};
use sip_core::time::{Duration, Instant};

/// How a link between two IP addresses behaves, one direction at a time.
///
/// Probabilities are in `0.0..=1.0`. Datagram links lose, duplicate and
/// reorder packets; stream links never do (TCP hides it) but a "lost"
/// segment arrives [`stream_retransmit`](LinkConfig::stream_retransmit)
/// later and holds back everything behind it, as a retransmission would.
#[derive(Clone, PartialEq, Debug)]
pub struct LinkConfig {
    /// One-way delay.
    pub latency: Duration,
    /// Extra delay, uniform in `0..=jitter`, drawn per packet.
    pub jitter: Duration,
    /// Probability that a datagram is lost (or a stream segment
    /// retransmitted).
    pub loss: f64,
    /// Probability that a datagram is delivered twice; the copy draws its
    /// own delay.
    pub duplicate: f64,
    /// Probability that a datagram is held back by an extra delay, uniform
    /// in `1ms..=reorder_delay`, so later datagrams overtake it.
    pub reorder: f64,
    /// The largest extra delay of a reordered datagram.
    pub reorder_delay: Duration,
    /// Extra delay of a "lost" stream segment (the retransmission).
    pub stream_retransmit: Duration,
    /// Windows `[start, end)` during which the link is down: datagrams sent
    /// then are dropped, stream segments and connection attempts wait for
    /// the end of the window.
    pub partitions: Vec<(Instant, Instant)>,
}

impl Default for LinkConfig {
    /// A clean 10 ms link.
    fn default() -> Self {
        LinkConfig {
            latency: Duration::from_millis(10),
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: Duration::from_millis(50),
            stream_retransmit: Duration::from_millis(200),
            partitions: Vec::new(),
        }
    }
}

impl LinkConfig {
    /// A clean link with this one-way latency.
    pub fn with_latency(latency: Duration) -> Self {
        LinkConfig {
            latency,
            ..LinkConfig::default()
        }
    }

    /// This link with the probabilities and jitter of `faults` applied.
    pub fn with_faults(mut self, faults: &Faults) -> Self {
        self.apply(faults);
        self
    }

    /// Sets the probabilities (and jitter, when given) of `faults`.
    pub fn apply(&mut self, faults: &Faults) {
        self.loss = faults.loss;
        self.duplicate = faults.duplicate;
        self.reorder = faults.reorder;
        if let Some(j) = faults.jitter_ms {
            self.jitter = Duration::from_millis(j);
        }
    }

    /// True when the link neither loses, duplicates, reorders nor
    /// jitters: every datagram arrives after exactly the latency, and
    /// nothing is drawn from the RNG for it.
    pub fn is_clean(&self) -> bool {
        self.loss <= 0.0 && self.duplicate <= 0.0 && self.reorder <= 0.0 && self.jitter.is_zero()
    }

    /// The partition window containing `t`, if any.
    pub fn partition_at(&self, t: Instant) -> Option<(Instant, Instant)> {
        self.partitions
            .iter()
            .copied()
            .find(|&(start, end)| start <= t && t < end)
    }
}

/// Fault probabilities a scenario applies to all its links; what the
/// `sweep` command sets with `--loss`, `--dup`, `--reorder`, `--jitter`.
#[derive(Clone, Copy, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Datagram loss probability.
    pub loss: f64,
    /// Datagram duplication probability.
    pub duplicate: f64,
    /// Datagram reordering probability.
    pub reorder: f64,
    /// Jitter in milliseconds, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_ms: Option<u64>,
}

impl Faults {
    /// No faults.
    pub const NONE: Faults = Faults {
        loss: 0.0,
        duplicate: 0.0,
        reorder: 0.0,
        jitter_ms: None,
    };

    /// The command-line flags that set these faults (empty when none),
    /// e.g. ` --loss 0.2 --dup 0.05`.
    pub fn to_flags(&self) -> String {
        let mut s = String::new();
        if self.loss != 0.0 {
            s.push_str(&format!(" --loss {}", self.loss));
        }
        if self.duplicate != 0.0 {
            s.push_str(&format!(" --dup {}", self.duplicate));
        }
        if self.reorder != 0.0 {
            s.push_str(&format!(" --reorder {}", self.reorder));
        }
        if let Some(j) = self.jitter_ms {
            s.push_str(&format!(" --jitter {j}"));
        }
        s
    }
}

/// Draws on the simulator's RNG. Every random decision goes through here,
/// in a fixed order, so a seed fixes the whole run.
pub(crate) struct Dice<'a>(pub(crate) &'a mut ChaCha8Rng);

impl Dice<'_> {
    /// True with probability `p`; draws nothing when `p <= 0`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        // 53 random bits as a float in [0, 1).
        let x = (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        x < p
    }

    /// Uniform in `0..n`; draws nothing when `n <= 1`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `0..=max`, in whole milliseconds.
    pub(crate) fn up_to(&mut self, max: Duration) -> Duration {
        let ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.below(ms.saturating_add(1)))
    }

    /// Latency plus jitter for one packet on `link`.
    pub(crate) fn delay(&mut self, link: &LinkConfig) -> Duration {
        link.latency + self.up_to(link.jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    #[test]
    fn chance_matches_probability_roughly() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut d = Dice(&mut rng);
        let hits = (0..10_000).filter(|_| d.chance(0.25)).count();
        assert!((2300..2700).contains(&hits), "{hits}");
        assert!(!d.chance(0.0));
        assert!(d.chance(1.0));
    }

    #[test]
    fn up_to_is_inclusive_and_bounded() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut d = Dice(&mut rng);
        let draws: Vec<_> = (0..2000)
            .map(|_| d.up_to(Duration::from_millis(3)))
            .collect();
        assert!(draws.iter().all(|x| *x <= Duration::from_millis(3)));
        assert!(draws.contains(&Duration::from_millis(3)));
        assert!(draws.contains(&Duration::ZERO));
    }

    #[test]
    fn partition_windows_are_half_open() {
        let link = LinkConfig {
            partitions: vec![(Instant::from_millis(100), Instant::from_millis(200))],
            ..LinkConfig::default()
        };
        assert_eq!(link.partition_at(Instant::from_millis(99)), None);
        assert!(link.partition_at(Instant::from_millis(100)).is_some());
        assert_eq!(link.partition_at(Instant::from_millis(200)), None);
    }

    #[test]
    fn faults_flags_round_trip_through_display() {
        let f = Faults {
            loss: 0.1,
            duplicate: 0.05,
            reorder: 0.0,
            jitter_ms: Some(5),
        };
        assert_eq!(f.to_flags(), " --loss 0.1 --dup 0.05 --jitter 5");
        assert_eq!(Faults::NONE.to_flags(), "");
    }
}
