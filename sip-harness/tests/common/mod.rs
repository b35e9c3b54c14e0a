//! A puppet node for integration tests: sends what it is told, answers
//! requests with `200 OK` when asked to, reports what it receives as
//! application events.

#![allow(dead_code)]

use serde_json::json;
use sip_core::time::Instant;
use sip_core::transport::{ConnectionId, Destination, Transmit, Transport};
use sip_harness::sim::{AppEvent, ConnectionInfo, Node, TransportFailure};
use std::collections::VecDeque;
use std::net::SocketAddr;

#[derive(Default)]
pub struct Puppet {
    pub outbox: VecDeque<Transmit>,
    pub events: VecDeque<AppEvent>,
    /// Answer every request with `200 OK`.
    pub answer: bool,
    pub opened: Vec<ConnectionInfo>,
}

pub fn request(method: &str, n: u32) -> String {
    format!(
        "{method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{n}\r\nCSeq: {n} {method}\r\nContent-Length: 0\r\n\r\n"
    )
}

impl Puppet {
    pub fn answering() -> Self {
        Puppet {
            answer: true,
            ..Puppet::default()
        }
    }

    pub fn send(&mut self, transport: Transport, addr: SocketAddr, data: impl Into<Vec<u8>>) {
        self.outbox.push_back(Transmit {
            destination: Destination::Addr { transport, addr },
            payload: data.into().into(),
        });
    }

    pub fn send_on(&mut self, conn: ConnectionId, data: impl Into<Vec<u8>>) {
        self.outbox.push_back(Transmit {
            destination: Destination::Connection(conn),
            payload: data.into().into(),
        });
    }

    fn reply(&mut self, data: &[u8], destination: Destination) {
        if self.answer && !data.starts_with(b"SIP/2.0") && data.ends_with(b"\r\n\r\n") {
            let text = String::from_utf8_lossy(data);
            let cseq = text
                .lines()
                .find(|l| l.starts_with("CSeq:"))
                .unwrap_or("CSeq: 0 X")
                .to_owned();
            self.outbox.push_back(Transmit {
                destination,
                payload: format!("SIP/2.0 200 OK\r\n{cseq}\r\nContent-Length: 0\r\n\r\n")
                    .into_bytes()
                    .into(),
            });
        }
    }
}

impl Node for Puppet {
    fn handle_datagram(
        &mut self,
        _now: Instant,
        _local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    ) {
        self.reply(
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
        // Messages in these tests are written in one piece and the test
        // only answers on clean links with whole reads.
        self.reply(data, Destination::Connection(conn));
    }

    fn handle_connection_opened(&mut self, _now: Instant, info: &ConnectionInfo) {
        self.opened.push(*info);
    }

    fn handle_connection_closed(&mut self, _now: Instant, conn: ConnectionId) {
        self.events.push_back(json!({ "closed": conn.0 }));
    }

    fn handle_transport_error(&mut self, _now: Instant, failure: &TransportFailure) {
        self.events
            .push_back(json!({ "error": failure.error.to_string() }));
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn poll_transmit(&mut self, _now: Instant) -> Option<Transmit> {
        self.outbox.pop_front()
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        None
    }

    fn poll_event(&mut self) -> Option<AppEvent> {
        self.events.pop_front()
    }
}
