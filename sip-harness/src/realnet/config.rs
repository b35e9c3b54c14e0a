//! [`DriverConfig`]: the driver's limits on what peers control (sizes,
//! connection counts, how long a connection may sit without finishing a
//! message) and its polling cadence.

use std::time::Duration;

/// Limits and timing of a [`Driver`](super::Driver).
///
/// Every limit bounds something a remote peer controls: the size of one
/// datagram, the number of stream connections, the bytes of one message on
/// a connection, the bytes queued for a peer that does not read, and the
/// time a connection may hold an unfinished message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverConfig {
    /// Largest datagram handed to the node; larger ones are dropped
    /// whole (and traced). Default 65 535 bytes: nothing an IPv4 or IPv6
    /// UDP socket can receive is larger, so only lower values drop.
    pub max_datagram_size: usize,
    /// Largest number of open or opening stream connections. When a new
    /// one would exceed it, the connection that made progress (a whole
    /// message in or out) least recently is closed first. Default 256.
    pub max_connections: usize,
    /// Largest message on a stream connection, head and body: a
    /// connection whose pending message grows past it (or declares a
    /// larger Content-Length) is closed. Default 65 536, the parser's
    /// default `max_message_size`.
    pub max_stream_message: usize,
    /// Largest number of bytes queued for a peer that does not read; a
    /// write beyond it closes the connection as reset. Default 1 MiB.
    pub max_write_buffer: usize,
    /// A connection that holds part of a message this long, or an inbound
    /// one that has not sent a whole message this long after it was
    /// accepted, is closed (a half-open or trickling peer). Default 32 s
    /// (64*T1, the lifetime of a non-INVITE transaction).
    pub incomplete_timeout: Duration,
    /// A connection with no whole message in or out for this long is
    /// closed. Default 10 minutes.
    pub idle_timeout: Duration,
    /// How long an outbound TCP connect may take before it counts as
    /// refused. Default 10 s.
    pub connect_timeout: Duration,
    /// Longest sleep while stream sockets are open: std has no readiness
    /// API, so the driver blocks on the UDP socket (waking at once for a
    /// datagram) and polls the stream sockets at this interval. Default
    /// 5 ms.
    pub poll_interval: Duration,
    /// Datagrams, accepts and reads per connection handled in one step
    /// before the driver looks at the rest (fairness under a flood).
    /// Default 64.
    pub batch: usize,
    /// Application events kept for [`Driver::poll_event`](super::Driver::poll_event)
    /// before the oldest are dropped. Default 4096.
    pub max_queued_events: usize,
}

impl Default for DriverConfig {
    fn default() -> Self {
        DriverConfig {
            max_datagram_size: 65_535,
            max_connections: 256,
            max_stream_message: 64 * 1024,
            max_write_buffer: 1024 * 1024,
            incomplete_timeout: Duration::from_secs(32),
            idle_timeout: Duration::from_secs(600),
            connect_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(5),
            batch: 64,
            max_queued_events: 4096,
        }
    }
}
