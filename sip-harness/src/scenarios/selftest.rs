//! Tiny SIP-shaped nodes that test the harness itself, independent of the
//! protocol crates: a client that sends `OPTIONS` requests and retransmits
//! them over UDP until answered, and a server that answers each with
//! `200 OK`. Over a stream transport the client pipelines its requests and
//! both sides frame messages by Content-Length (RFC 3261 §18.3), so chunked
//! and coalesced stream reads get exercised.
//!
//! These are not the RFC 3261 transaction layer: the retransmission
//! schedule only mimics Timer E (T1 doubling up to T2, gave up after
//! 64*T1, §17.1.2.2).

use crate::sim::{AppEvent, ConnectionInfo, Node, TransportFailure};
use serde_json::json;
use sip_core::time::{Duration, Instant};
use sip_core::transport::{ConnectionId, Destination, Transmit, Transport};
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;

/// RFC 3261 §17.1.1.1 T1.
const T1: Duration = Duration::from_millis(500);
/// RFC 3261 §17.1.1.1 T2.
const T2: Duration = Duration::from_secs(4);

/// Reads a header value from a message head (first match, case-insensitive
/// name, no compact forms).
fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.split("\r\n")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then_some(v.trim())
        })
}

/// Splits complete messages off the front of a stream buffer by
/// Content-Length. Returns `None` when the buffer holds no whole message.
fn frame(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    // Skip CRLF keep-alives between messages (RFC 5626 §3.5.1).
    let lead = buf
        .iter()
        .take_while(|b| **b == b'\r' || **b == b'\n')
        .count();
    buf.drain(..lead);
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let len: usize = header(head, "Content-Length")?.parse().ok()?;
    if buf.len() < head_end + len {
        return None;
    }
    Some(buf.drain(..head_end + len).collect())
}

/// One outstanding request of the client.
#[derive(Debug)]
struct Outstanding {
    first_sent: Instant,
    next_retransmit: Option<Instant>,
    interval: Duration,
    bytes: Vec<u8>,
}

/// Sends `requests` OPTIONS requests to a server, one at a time over UDP
/// (retransmitting each until answered) or all at once over a stream.
#[derive(Debug)]
pub struct SelftestClient {
    local: SocketAddr,
    server: SocketAddr,
    transport: Transport,
    requests: u32,
    next_cseq: u32,
    outstanding: BTreeMap<u32, Outstanding>,
    answered: Vec<u32>,
    failed: Option<String>,
    stream_buf: Vec<u8>,
    outbox: VecDeque<Transmit>,
    events: VecDeque<AppEvent>,
}

impl SelftestClient {
    /// A client at `local` that will send `requests` requests to `server`.
    pub fn new(local: SocketAddr, server: SocketAddr, transport: Transport, requests: u32) -> Self {
        SelftestClient {
            local,
            server,
            transport,
            requests,
            next_cseq: 1,
            outstanding: BTreeMap::new(),
            answered: Vec::new(),
            failed: None,
            stream_buf: Vec::new(),
            outbox: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Sends the first request (all of them over a stream).
    pub fn start(&mut self, now: Instant) {
        if self.transport.is_reliable() {
            while self.next_cseq <= self.requests {
                self.send_next(now);
            }
        } else {
            self.send_next(now);
        }
    }

    /// The CSeq numbers answered so far, in order.
    pub fn answered(&self) -> &[u32] {
        &self.answered
    }

    /// Why the client gave up, if it did.
    pub fn failure(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// True when every request was answered.
    pub fn done(&self) -> bool {
        self.answered.len() == self.requests as usize
    }

    fn send_next(&mut self, now: Instant) {
        if self.next_cseq > self.requests || self.failed.is_some() {
            return;
        }
        let n = self.next_cseq;
        self.next_cseq += 1;
        let bytes = format!(
            "OPTIONS sip:server@{srv} SIP/2.0\r\n\
             Via: SIP/2.0/{tp} {local};branch=z9hG4bK-selftest-{n}\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:client@{local}>;tag=client\r\n\
             To: <sip:server@{srv}>\r\n\
             Call-ID: selftest-{n}@{ip}\r\n\
             CSeq: {n} OPTIONS\r\n\
             Content-Length: 0\r\n\r\n",
            srv = self.server,
            tp = self.transport,
            local = self.local,
            ip = self.local.ip(),
        )
        .into_bytes();
        let retransmit = (!self.transport.is_reliable()).then(|| now + T1);
        self.outbox.push_back(Transmit {
            destination: Destination::Addr {
                transport: self.transport,
                addr: self.server,
            },
            payload: bytes.clone().into(),
        });
        self.outstanding.insert(
            n,
            Outstanding {
                first_sent: now,
                next_retransmit: retransmit,
                interval: T1,
                bytes,
            },
        );
    }

    fn on_message(&mut self, now: Instant, data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if !text.starts_with("SIP/2.0 200") {
            return;
        }
        let Some(n) = header(text, "CSeq")
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u32>().ok())
        else {
            return;
        };
        if self.outstanding.remove(&n).is_some() {
            self.answered.push(n);
            self.events.push_back(json!({ "answered": n }));
            if self.done() {
                self.events.push_back(json!("done"));
            }
            if !self.transport.is_reliable() {
                self.send_next(now);
            }
        }
    }

    fn fail(&mut self, why: String) {
        if self.failed.is_none() {
            self.events.push_back(json!({ "failed": why }));
            self.failed = Some(why);
        }
        self.outstanding.clear();
    }
}

impl Node for SelftestClient {
    fn handle_datagram(
        &mut self,
        now: Instant,
        _local: SocketAddr,
        _remote: SocketAddr,
        data: &[u8],
    ) {
        self.on_message(now, data);
    }

    fn handle_stream_data(
        &mut self,
        now: Instant,
        _conn: ConnectionId,
        _local: SocketAddr,
        _remote: SocketAddr,
        data: &[u8],
    ) {
        self.stream_buf.extend_from_slice(data);
        while let Some(msg) = frame(&mut self.stream_buf) {
            self.on_message(now, &msg);
        }
    }

    fn handle_connection_opened(&mut self, _now: Instant, info: &ConnectionInfo) {
        self.events
            .push_back(json!({ "connected": info.remote.to_string() }));
    }

    fn handle_transport_error(&mut self, _now: Instant, failure: &TransportFailure) {
        self.fail(format!("transport error: {}", failure.error));
    }

    fn handle_timeout(&mut self, now: Instant) {
        let mut gave_up = None;
        for (n, o) in &mut self.outstanding {
            if now >= o.first_sent + T1 * 64 {
                gave_up = Some(*n);
                break;
            }
            if o.next_retransmit.is_some_and(|t| t <= now) {
                o.interval = (o.interval * 2).min(T2);
                o.next_retransmit = Some(now + o.interval);
                self.outbox.push_back(Transmit {
                    destination: Destination::Addr {
                        transport: self.transport,
                        addr: self.server,
                    },
                    payload: o.bytes.clone().into(),
                });
            }
        }
        if let Some(n) = gave_up {
            self.fail(format!("request {n} unanswered after 64*T1"));
        }
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Transmit> {
        self.outbox.pop_front()
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        self.outstanding
            .values()
            .flat_map(|o| [o.next_retransmit, Some(o.first_sent + T1 * 64)])
            .flatten()
            .min()
    }

    fn poll_event(&mut self) -> Option<AppEvent> {
        self.events.pop_front()
    }
}

/// Answers every request with `200 OK`, over UDP to the source address or
/// on the connection the request came on.
#[derive(Debug, Default)]
pub struct SelftestServer {
    received: u32,
    buffers: BTreeMap<ConnectionId, Vec<u8>>,
    outbox: VecDeque<Transmit>,
}

impl SelftestServer {
    /// A server.
    pub fn new() -> Self {
        SelftestServer::default()
    }

    /// Requests received (retransmissions included).
    pub fn received(&self) -> u32 {
        self.received
    }

    fn answer(&mut self, request: &[u8], destination: Destination) {
        let Ok(text) = std::str::from_utf8(request) else {
            return;
        };
        if text.starts_with("SIP/2.0") {
            return;
        }
        self.received += 1;
        let mut out = String::from("SIP/2.0 200 OK\r\n");
        for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
            if let Some(v) = header(text, name) {
                out.push_str(name);
                out.push_str(": ");
                out.push_str(v);
                if name == "To" {
                    out.push_str(";tag=server");
                }
                out.push_str("\r\n");
            }
        }
        out.push_str("Content-Length: 0\r\n\r\n");
        self.outbox.push_back(Transmit {
            destination,
            payload: out.into_bytes().into(),
        });
    }
}

impl Node for SelftestServer {
    fn handle_datagram(
        &mut self,
        _now: Instant,
        _local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    ) {
        self.answer(
            data,
            Destination::Addr {
                transport: Transport::Udp,
                addr: remote,
            },
        );
    }

    fn handle_stream_data(
        &mut self,
        _now: Instant,
        conn: ConnectionId,
        _local: SocketAddr,
        _remote: SocketAddr,
        data: &[u8],
    ) {
        let mut buf = self.buffers.remove(&conn).unwrap_or_default();
        buf.extend_from_slice(data);
        while let Some(msg) = frame(&mut buf) {
            self.answer(&msg, Destination::Connection(conn));
        }
        self.buffers.insert(conn, buf);
    }

    fn handle_connection_closed(&mut self, _now: Instant, conn: ConnectionId) {
        self.buffers.remove(&conn);
    }

    fn handle_transport_error(&mut self, _now: Instant, failure: &TransportFailure) {
        if let Some(conn) = failure.conn {
            self.buffers.remove(&conn);
        }
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn poll_transmit(&mut self, _now: Instant) -> Option<Transmit> {
        self.outbox.pop_front()
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_splits_and_waits() {
        let mut buf =
            b"\r\nA x SIP/2.0\r\nContent-Length: 2\r\n\r\nhiB y SIP/2.0\r\nContent-Le".to_vec();
        let first = frame(&mut buf).unwrap();
        assert_eq!(first, b"A x SIP/2.0\r\nContent-Length: 2\r\n\r\nhi");
        assert_eq!(frame(&mut buf), None);
        buf.extend_from_slice(b"ngth: 0\r\n\r\n");
        assert_eq!(
            frame(&mut buf).unwrap(),
            b"B y SIP/2.0\r\nContent-Length: 0\r\n\r\n"
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn header_lookup_ignores_case_and_stops_at_body() {
        let m = "X y SIP/2.0\r\ncseq: 4 OPTIONS\r\n\r\nCSeq: 9 BODY";
        assert_eq!(header(m, "CSeq"), Some("4 OPTIONS"));
        assert_eq!(header(m, "Via"), None);
    }
}
