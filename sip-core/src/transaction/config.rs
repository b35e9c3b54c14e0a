//! Configuration of the transaction layer: the RFC 3261 §17.1.1.1 timer
//! values T1, T2, T4, the derived timers of the table in RFC 3261 Appendix A
//! (and RFC 6026 §8.4 for L and M), the limits, and the transport rules of
//! §18.

use super::timer::Timer;
use crate::parse::ParserConfig;
use crate::time::Duration;
use crate::transport::Transport;

/// The `sent-by` the layer writes into the Via of requests it sends
/// (RFC 3261 §18.1.1, §20.42).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SentBy {
    /// The host: a domain name or an IP address (IPv6 in brackets).
    pub host: String,
    /// The port, if it should be written.
    pub port: Option<u16>,
}

impl SentBy {
    /// A sent-by of `host` and an optional `port`.
    pub fn new(host: impl Into<String>, port: Option<u16>) -> Self {
        SentBy {
            host: host.into(),
            port,
        }
    }
}

/// Configuration of a [`TransactionLayer`](super::TransactionLayer).
///
/// `Default` gives the RFC 3261 values: T1 = 500 ms, T2 = 4 s, T4 = 5 s,
/// Timer D = 32 s, the 200 ms 100 (Trying) delay of §17.2.1, an MTU of
/// 1500 bytes (so the §18.1.1 size limit is 1300 bytes).
#[derive(Clone, Debug)]
pub struct Config {
    /// T1, the round-trip time estimate (RFC 3261 §17.1.1.1). Default 500 ms.
    pub t1: Duration,
    /// T2, the maximum retransmit interval for non-INVITE requests and
    /// INVITE responses. Default 4 s.
    pub t2: Duration,
    /// T4, the maximum duration a message remains in the network.
    /// Default 5 s.
    pub t4: Duration,
    /// Timer D on unreliable transports ("at least 32 s", RFC 3261
    /// §17.1.1.2). Default 32 s.
    pub timer_d: Duration,
    /// Delay after which an INVITE server transaction sends 100 (Trying)
    /// if the TU has not responded (RFC 3261 §17.2.1). Default 200 ms.
    pub trying_delay: Duration,
    /// Whether INVITE server transactions send the 100 (Trying) at all.
    /// Default true (the RFC says MUST unless the TU answers in 200 ms).
    pub send_trying: bool,
    /// Maximum number of live transactions (client and server together);
    /// beyond it new ones are refused with a typed error so the session
    /// layer can answer 503 (RFC 3261 §21.5.4). Default 100 000.
    pub max_transactions: usize,
    /// The path MTU used for the RFC 3261 §18.1.1 size rule: a request
    /// larger than `mtu - 200` bytes does not go over UDP. Default 1500.
    pub mtu: usize,
    /// Whether an oversized UDP request is moved to TCP (§18.1.1). When
    /// false, or when the TU pinned the transport, sending fails with
    /// [`SendError::MessageTooLarge`](super::SendError::MessageTooLarge).
    /// Default true.
    pub udp_to_tcp: bool,
    /// Whether requests carry an empty `rport` parameter in their Via
    /// (RFC 3581 §3). Default true.
    pub rport: bool,
    /// The sent-by written into the Via of outgoing requests, per transport.
    /// A transport with no entry uses [`Config::default_sent_by`].
    pub sent_by: Vec<(Transport, SentBy)>,
    /// The sent-by for transports not listed in [`Config::sent_by`].
    /// Default `invalid.invalid` without port (RFC 7118 style placeholder);
    /// embedders should set their address.
    pub default_sent_by: SentBy,
    /// Parser limits and leniencies, for datagrams and stream framing
    /// (RFC 3261 §18.3).
    pub parser: ParserConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            timer_d: Duration::from_secs(32),
            trying_delay: Duration::from_millis(200),
            send_trying: true,
            max_transactions: 100_000,
            mtu: 1500,
            udp_to_tcp: true,
            rport: true,
            sent_by: Vec::new(),
            default_sent_by: SentBy::new("invalid.invalid", None),
            parser: ParserConfig::default(),
        }
    }
}

/// The smallest interval a retransmission timer may have, so that a
/// misconfigured zero T1 cannot make `handle_timeout` spin.
const MIN_INTERVAL: Duration = Duration::from_millis(1);

impl Config {
    /// The sent-by for `transport`.
    pub fn sent_by_for(&self, transport: Transport) -> &SentBy {
        self.sent_by
            .iter()
            .find(|(t, _)| *t == transport)
            .map(|(_, s)| s)
            .unwrap_or(&self.default_sent_by)
    }

    /// The largest request sent over UDP without switching (RFC 3261
    /// §18.1.1: 200 bytes below the MTU).
    pub fn udp_limit(&self) -> usize {
        self.mtu.saturating_sub(200)
    }

    /// T1, at least 1 ms.
    pub fn t1(&self) -> Duration {
        self.t1.max(MIN_INTERVAL)
    }

    /// T2, at least T1.
    pub fn t2(&self) -> Duration {
        self.t2.max(self.t1())
    }

    /// 64*T1: Timers B, F, H, L, M and J on unreliable transports.
    pub fn t1_x64(&self) -> Duration {
        self.t1().saturating_mul(64)
    }

    /// The initial duration of `timer` on a transport of the given
    /// reliability (RFC 3261 Appendix A, RFC 6026 §8.4). `None` for timers
    /// that are not started on reliable transports (A, E, G).
    ///
    /// D, I, J and K are zero on reliable transports: the transaction
    /// leaves the state at once.
    pub fn duration(&self, timer: Timer, reliable: bool) -> Option<Duration> {
        use Timer::*;
        Some(match timer {
            A | E | G if reliable => return None,
            A | E | G => self.t1(),
            B | F | H | L | M => self.t1_x64(),
            D if reliable => Duration::ZERO,
            D => self.timer_d,
            I | K if reliable => Duration::ZERO,
            I | K => self.t4,
            J if reliable => Duration::ZERO,
            J => self.t1_x64(),
            Trying => self.trying_delay,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_rfc_3261_table() {
        let c = Config::default();
        let ms = |t, r| c.duration(t, r).map(|d| d.as_millis() as u64);
        assert_eq!(ms(Timer::A, false), Some(500));
        assert_eq!(ms(Timer::A, true), None);
        assert_eq!(ms(Timer::B, true), Some(32_000));
        assert_eq!(ms(Timer::D, false), Some(32_000));
        assert_eq!(ms(Timer::D, true), Some(0));
        assert_eq!(ms(Timer::E, false), Some(500));
        assert_eq!(ms(Timer::G, true), None);
        assert_eq!(ms(Timer::I, false), Some(5_000));
        assert_eq!(ms(Timer::I, true), Some(0));
        assert_eq!(ms(Timer::J, false), Some(32_000));
        assert_eq!(ms(Timer::J, true), Some(0));
        assert_eq!(ms(Timer::K, false), Some(5_000));
        assert_eq!(ms(Timer::K, true), Some(0));
        assert_eq!(ms(Timer::L, true), Some(32_000));
        assert_eq!(ms(Timer::M, false), Some(32_000));
        assert_eq!(ms(Timer::Trying, false), Some(200));
        assert_eq!(c.udp_limit(), 1300);
    }

    #[test]
    fn zero_t1_is_clamped() {
        let c = Config {
            t1: Duration::ZERO,
            t2: Duration::ZERO,
            ..Config::default()
        };
        assert_eq!(c.duration(Timer::A, false), Some(Duration::from_millis(1)));
        assert_eq!(c.t2(), Duration::from_millis(1));
    }

    #[test]
    fn sent_by_per_transport() {
        let mut c = Config::default();
        c.sent_by
            .push((Transport::Tcp, SentBy::new("10.0.0.1", Some(5070))));
        assert_eq!(c.sent_by_for(Transport::Tcp).port, Some(5070));
        assert_eq!(c.sent_by_for(Transport::Udp).host, "invalid.invalid");
    }
}
