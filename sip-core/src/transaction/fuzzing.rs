//! The body of the `transactions` fuzz target: arbitrary sequences of
//! datagrams, stream chunks, timer ticks, TU calls and transport errors
//! against one [`TransactionLayer`]. It must never panic, and the layer's
//! invariants (live count, deadlines in the future of nothing) must hold.
//!
//! Kept in the library so that a normal test runs it over seed inputs.

use super::{Config, Event, SentBy, TransactionId, TransactionLayer};
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::parse::parse_message;
use crate::random::TokenSource;
use crate::status::StatusCode;
use crate::time::{Duration, Instant};
use crate::transport::{ConnectionId, Destination, Transport, TransportError};
use std::net::SocketAddr;

const LOCAL: &str = "192.0.2.1:5060";
const REMOTE: &str = "198.51.100.7:5062";

const TEMPLATE: &[u8] = b"OPTIONS sip:bob@biloxi.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKfuzz\r\n\
Max-Forwards: 70\r\n\
From: <sip:alice@atlanta.com>;tag=1\r\n\
To: <sip:bob@biloxi.com>\r\n\
Call-ID: fuzz@atlanta.com\r\n\
CSeq: 1 OPTIONS\r\n\
Content-Length: 0\r\n\r\n";

/// A cursor over the fuzz input.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn chunk(&mut self) -> &'a [u8] {
        let hi = self.byte().unwrap_or(0) as usize;
        let lo = self.byte().unwrap_or(0) as usize;
        let n = ((hi << 8) | lo).min(self.0.len());
        let (c, rest) = self.0.split_at(n);
        self.0 = rest;
        c
    }
}

/// Runs one fuzz input. Opcodes (byte % 9): 0 datagram, 1 stream chunk,
/// 2 timer tick, 3 TU response, 4 TU request, 5 transport error,
/// 6 connection close/reopen, 7 CANCEL, 8 ACK for 2xx.
pub fn run(data: &[u8]) {
    let local: SocketAddr = LOCAL.parse().unwrap_or_else(|_| unreachable!());
    let remote: SocketAddr = REMOTE.parse().unwrap_or_else(|_| unreachable!());
    let cfg = Config {
        default_sent_by: SentBy::new("192.0.2.1", Some(5060)),
        max_transactions: 64,
        ..Config::default()
    };
    let mut l = TransactionLayer::new(cfg, TokenSource::from_seed(0));
    let conn = ConnectionId(1);
    l.handle_connection_opened(conn, Transport::Tcp, local, remote);
    let template = match parse_message(TEMPLATE) {
        Ok(Message::Request(r)) => Some(r),
        _ => None,
    };
    let mut now = Instant::ZERO;
    let mut servers: Vec<(TransactionId, Request)> = Vec::new();
    let mut clients: Vec<TransactionId> = Vec::new();
    let mut input = Input(data);
    let mut cseq = 1u32;
    while let Some(op) = input.byte() {
        match op % 9 {
            0 => l.handle_datagram(now, local, remote, input.chunk()),
            1 => l.handle_stream_data(now, conn, input.chunk()),
            2 => {
                now += Duration::from_millis(u64::from(input.byte().unwrap_or(0)) * 250);
                while let Some(d) = l.poll_timeout().filter(|d| *d <= now) {
                    l.handle_timeout(d);
                }
            }
            3 => {
                let pick = input.byte().unwrap_or(0) as usize;
                let code = 100 + u16::from(input.byte().unwrap_or(0)) * 2 % 600;
                if let (Some((id, req)), Some(status)) = (
                    servers.get(pick % servers.len().max(1)),
                    StatusCode::new(code),
                ) {
                    let _ = l.send_response(now, *id, Response::from_request(req, status));
                }
            }
            4 => {
                if let Some(mut req) = template.clone() {
                    let invite = input.byte().unwrap_or(0) % 2 == 0;
                    let method = if invite {
                        Method::Invite
                    } else {
                        Method::Options
                    };
                    cseq += 1;
                    req.method = method.clone();
                    req.headers
                        .set(crate::header::HeaderName::CSeq, format!("{cseq} {method}"));
                    let transport = if input.byte().unwrap_or(0) % 2 == 0 {
                        Transport::Udp
                    } else {
                        Transport::Tcp
                    };
                    if let Ok(id) = l.send_request(
                        now,
                        req,
                        Destination::Addr {
                            transport,
                            addr: remote,
                        },
                    ) {
                        clients.push(id);
                    }
                }
            }
            5 => {
                let dest = match input.byte().unwrap_or(0) % 3 {
                    0 => Destination::Addr {
                        transport: Transport::Udp,
                        addr: remote,
                    },
                    1 => Destination::Addr {
                        transport: Transport::Tcp,
                        addr: remote,
                    },
                    _ => Destination::Connection(conn),
                };
                l.handle_transport_error(now, dest, TransportError::Unreachable);
            }
            6 => {
                l.handle_connection_closed(now, conn);
                l.handle_connection_opened(conn, Transport::Tcp, local, remote);
            }
            7 => {
                let pick = input.byte().unwrap_or(0) as usize;
                if let Some(id) = clients.get(pick % clients.len().max(1)) {
                    if let Ok(c) = l.cancel(now, *id) {
                        clients.push(c);
                    }
                }
            }
            _ => {
                if let Some(mut ack) = template.clone() {
                    ack.method = Method::Ack;
                    ack.headers
                        .set(crate::header::HeaderName::CSeq, format!("{cseq} ACK"));
                    let _ = l.send_ack_2xx(
                        now,
                        ack,
                        Destination::Addr {
                            transport: Transport::Udp,
                            addr: remote,
                        },
                    );
                }
            }
        }
        while l.poll_transmit().is_some() {}
        while let Some(e) = l.poll_event() {
            if let Event::Request { id, request, .. } = e {
                if servers.len() < 256 {
                    servers.push((id, *request));
                }
            }
        }
        if let Some(d) = l.poll_timeout() {
            assert!(d >= Instant::ZERO);
        }
    }
    // Give every transaction its final message, then let time run out:
    // nothing may survive 64*T1 (plus Timer D) after that.
    for (id, req) in &servers {
        let _ = l.send_response(
            now,
            *id,
            Response::from_request(req, StatusCode::SERVER_INTERNAL_ERROR),
        );
    }
    for id in clients {
        if l.state(id).is_some() {
            let _ = l.cancel(now, id);
        }
    }
    for _ in 0..10_000 {
        let Some(d) = l.poll_timeout() else { break };
        l.handle_timeout(d.max(now));
        now = now.max(d);
        while l.poll_transmit().is_some() {}
        while l.poll_event().is_some() {}
    }
}

/// Seed inputs for the fuzz corpus and the unit test: real messages in
/// datagrams and stream chunks, interleaved with TU calls and ticks.
pub fn seeds() -> Vec<Vec<u8>> {
    let invite = TEMPLATE.to_vec().replace_all(b"OPTIONS", b"INVITE");
    let mut out = Vec::new();
    for msg in [TEMPLATE.to_vec(), invite] {
        let len = msg.len() as u16;
        let framed = |op: u8| {
            let mut v = vec![op, (len >> 8) as u8, len as u8];
            v.extend_from_slice(&msg);
            v
        };
        // Datagram, retransmission, tick, TU response, tick.
        let mut s = framed(0);
        s.extend(framed(0));
        s.extend([2, 1, 3, 0, 50, 2, 200, 2, 200]);
        out.push(s);
        // The same over the stream, split in two.
        let (a, b) = msg.split_at(msg.len() / 2);
        let mut s = vec![1, (a.len() >> 8) as u8, a.len() as u8];
        s.extend_from_slice(a);
        s.extend([1, (b.len() >> 8) as u8, b.len() as u8]);
        s.extend_from_slice(b);
        s.extend([3, 0, 100, 6, 2, 255]);
        out.push(s);
    }
    // TU requests, ticks, transport errors, CANCEL, ACK.
    out.push(vec![4, 0, 0, 4, 1, 1, 2, 2, 5, 0, 7, 0, 8, 2, 255, 2, 255]);
    out
}

trait ReplaceAll {
    fn replace_all(self, from: &[u8], to: &[u8]) -> Vec<u8>;
}

impl ReplaceAll for Vec<u8> {
    fn replace_all(self, from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        let mut i = 0;
        while i < self.len() {
            if self[i..].starts_with(from) {
                out.extend_from_slice(to);
                i += from.len();
            } else {
                out.push(self[i]);
                i += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_run_clean() {
        for s in seeds() {
            run(&s);
        }
    }

    #[test]
    fn truncations_of_seeds_run_clean() {
        for s in seeds() {
            for n in 0..s.len() {
                run(&s[..n]);
            }
        }
    }

    proptest::proptest! {
        /// Random bytes, and seeds with random bytes spliced in, never panic.
        #[test]
        fn random_inputs_run_clean(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512), at in 0usize..600, seed in 0usize..5) {
            run(&bytes);
            let mut s = seeds()[seed % seeds().len()].clone();
            let at = at.min(s.len());
            s.splice(at..at, bytes);
            run(&s);
        }
    }
}
