//! What the driver reports to its trace hook: every message sent and
//! received, connections opening and closing, what it dropped and why,
//! socket errors, and the node's application events, each with the time.

use crate::sim::AppEvent;
use core::fmt;
use sip_core::time::Instant;
use sip_core::transport::{ConnectionId, Transport};
use std::io;
use std::net::SocketAddr;

/// One message on the wire, as the driver sent or received it.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// UDP or TCP.
    pub transport: Transport,
    /// The driver's end; `None` while an outbound connection is still
    /// being set up.
    pub local: Option<SocketAddr>,
    /// The peer's end.
    pub remote: SocketAddr,
    /// The stream connection, for TCP.
    pub conn: Option<ConnectionId>,
    /// The bytes: one datagram, or one whole message on a stream.
    pub data: &'a [u8],
}

/// Why the driver closed (or lost) a stream connection.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer closed its end (end of stream).
    PeerClosed,
    /// A read or write failed (reset by the peer, broken pipe).
    Reset,
    /// The outbound connect failed or timed out.
    ConnectFailed,
    /// No whole message in or out for [`DriverConfig::idle_timeout`](super::DriverConfig::idle_timeout).
    Idle,
    /// Part of a message pending, or nothing received on an inbound
    /// connection, for [`DriverConfig::incomplete_timeout`](super::DriverConfig::incomplete_timeout).
    Incomplete,
    /// Closed to make room under [`DriverConfig::max_connections`](super::DriverConfig::max_connections).
    Evicted,
    /// A message grew past [`DriverConfig::max_stream_message`](super::DriverConfig::max_stream_message).
    TooLarge,
    /// A Content-Length that is not a number: the stream cannot be framed.
    Unframeable,
    /// More than [`DriverConfig::max_write_buffer`](super::DriverConfig::max_write_buffer)
    /// bytes queued for a peer that does not read.
    WriteBufferFull,
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CloseReason::PeerClosed => "closed by the peer",
            CloseReason::Reset => "reset",
            CloseReason::ConnectFailed => "connect failed",
            CloseReason::Idle => "idle",
            CloseReason::Incomplete => "no whole message in time",
            CloseReason::Evicted => "evicted (connection limit)",
            CloseReason::TooLarge => "message too large",
            CloseReason::Unframeable => "unframeable (bad Content-Length)",
            CloseReason::WriteBufferFull => "write buffer full (peer not reading)",
        })
    }
}

/// Why the driver dropped something instead of delivering or sending it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum DropReason {
    /// A datagram larger than [`DriverConfig::max_datagram_size`](super::DriverConfig::max_datagram_size).
    Oversized,
    /// The node sent over a transport the driver does not run.
    UnsupportedTransport,
    /// The node sent on a connection that does not exist (any more).
    UnknownConnection,
    /// The socket's send buffer was full (UDP is unreliable anyway).
    WouldBlock,
    /// A datagram too large for UDP.
    TooLargeForUdp,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::Oversized => "oversized datagram",
            DropReason::UnsupportedTransport => "unsupported transport",
            DropReason::UnknownConnection => "unknown connection",
            DropReason::WouldBlock => "send buffer full",
            DropReason::TooLargeForUdp => "too large for UDP",
        })
    }
}

/// Something the driver did or saw.
#[derive(Debug)]
#[non_exhaustive]
pub enum TraceEvent<'a> {
    /// A message went out (for TCP: handed to the connection).
    Sent(Packet<'a>),
    /// A message came in (for TCP: once its last byte arrived).
    Received(Packet<'a>),
    /// A stream connection opened.
    Opened {
        /// The driver's handle.
        conn: ConnectionId,
        /// The driver's end.
        local: SocketAddr,
        /// The peer's end.
        remote: SocketAddr,
        /// True when the peer connected.
        inbound: bool,
    },
    /// A stream connection closed.
    Closed {
        /// The driver's handle.
        conn: ConnectionId,
        /// The peer's end.
        remote: SocketAddr,
        /// Why.
        reason: CloseReason,
    },
    /// Something was dropped.
    Dropped {
        /// The transport concerned.
        transport: Transport,
        /// The peer, when known.
        remote: Option<SocketAddr>,
        /// Its size in bytes.
        len: usize,
        /// Why.
        reason: DropReason,
    },
    /// A socket call failed; the driver went on.
    SocketError {
        /// The call (`"recv_from"`, `"accept"`, ...).
        op: &'static str,
        /// The peer, when known.
        remote: Option<SocketAddr>,
        /// The error.
        error: &'a io::Error,
    },
    /// An application event of the node.
    App(&'a AppEvent),
}

/// A [`TraceEvent`] with the driver time it happened at.
#[derive(Debug)]
pub struct Record<'a> {
    /// Milliseconds since the driver started.
    pub t: Instant,
    /// What happened.
    pub event: TraceEvent<'a>,
}

fn addr_or_pending(a: Option<SocketAddr>) -> String {
    a.map_or_else(|| "(connecting)".to_owned(), |a| a.to_string())
}

fn packet(f: &mut fmt::Formatter<'_>, arrow: &str, p: &Packet<'_>) -> fmt::Result {
    let conn = p.conn.map(|c| format!(" {c}")).unwrap_or_default();
    write!(
        f,
        "{arrow} {}{conn} {} {} {} ({} bytes)",
        p.transport,
        addr_or_pending(p.local),
        if arrow == "SEND" { "->" } else { "<-" },
        p.remote,
        p.data.len()
    )?;
    let text = String::from_utf8_lossy(p.data);
    for line in text.trim_end_matches(['\r', '\n']).split('\n') {
        write!(f, "\n    {}", line.trim_end_matches('\r'))?;
    }
    Ok(())
}

/// One line per event (messages follow, indented): what `--trace` prints.
impl fmt::Display for Record<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.t)?;
        match &self.event {
            TraceEvent::Sent(p) => packet(f, "SEND", p),
            TraceEvent::Received(p) => packet(f, "RECV", p),
            TraceEvent::Opened {
                conn,
                local,
                remote,
                inbound,
            } => write!(
                f,
                "OPEN {conn} {local} {} {remote}",
                if *inbound { "<-" } else { "->" }
            ),
            TraceEvent::Closed {
                conn,
                remote,
                reason,
            } => write!(f, "CLOSE {conn} {remote}: {reason}"),
            TraceEvent::Dropped {
                transport,
                remote,
                len,
                reason,
            } => write!(
                f,
                "DROP {transport} {} ({len} bytes): {reason}",
                remote.map_or_else(|| "-".to_owned(), |a| a.to_string())
            ),
            TraceEvent::SocketError { op, remote, error } => write!(
                f,
                "ERROR {op}{}: {error}",
                remote.map(|a| format!(" {a}")).unwrap_or_default()
            ),
            TraceEvent::App(ev) => write!(f, "APP {ev}"),
        }
    }
}

/// A trace hook: called with every [`Record`].
pub type TraceHook = Box<dyn FnMut(&Record<'_>) + Send>;

/// A hook that prints each record (its [`Display`](fmt::Display) form) and
/// a newline to `w`, ignoring write errors.
pub fn write_to(mut w: impl io::Write + Send + 'static) -> TraceHook {
    Box::new(move |r: &Record<'_>| {
        let _ = writeln!(w, "{r}");
    })
}
