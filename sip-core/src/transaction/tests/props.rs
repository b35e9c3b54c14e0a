//! Property tests: random interleavings of requests, responses,
//! duplicates, timeouts and transport errors never panic; timer-driven
//! retransmissions stay within the RFC bounds; once the peers and the TU
//! give every transaction its final message, everything terminates within
//! 64*T1 and nothing leaks.

use super::wire::*;
use super::*;
use crate::transport::{ConnectionId, Payload, Transport, TransportError};
use proptest::prelude::*;
use std::collections::HashMap;

#[derive(Clone, Debug)]
enum Op {
    /// The TU sends a request.
    Send { invite: bool, tcp: bool },
    /// The peer answers one of our requests (maybe repeatedly).
    PeerRespond {
        pick: usize,
        status: u16,
        repeat: u8,
    },
    /// The peer sends a request (a repeated branch is a retransmission; the
    /// CSeq is the step number, so that transactions created at different
    /// steps never send identical bytes and the per-payload counts of
    /// `timer_sends` stay per transaction).
    PeerRequest {
        invite: bool,
        branch: u8,
        legacy: bool,
        stream: bool,
    },
    /// The peer sends an ACK.
    PeerAck { branch: u8, tag: bool },
    /// The TU answers one of the server transactions.
    TuRespond { pick: usize, status: u16 },
    /// The TU cancels one of its INVITEs.
    Cancel { pick: usize },
    /// Time passes; due timers fire.
    Advance(u32),
    /// The embedder reports a transport error.
    TransportError { tcp: bool },
    /// Random bytes on UDP or the stream.
    Garbage { bytes: Vec<u8>, stream: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<bool>(), any::<bool>()).prop_map(|(invite, tcp)| Op::Send { invite, tcp }),
        (
            any::<usize>(),
            prop::sample::select(vec![100u16, 180, 200, 486, 603]),
            1u8..4
        )
            .prop_map(|(pick, status, repeat)| Op::PeerRespond {
                pick,
                status,
                repeat
            }),
        (any::<bool>(), 0u8..6, any::<bool>(), any::<bool>()).prop_map(
            |(invite, branch, legacy, stream)| Op::PeerRequest {
                invite,
                branch,
                legacy,
                stream
            }
        ),
        (0u8..6, any::<bool>()).prop_map(|(branch, tag)| Op::PeerAck { branch, tag }),
        (
            any::<usize>(),
            prop::sample::select(vec![100u16, 180, 200, 404, 486])
        )
            .prop_map(|(pick, status)| Op::TuRespond { pick, status }),
        any::<usize>().prop_map(|pick| Op::Cancel { pick }),
        (0u32..40_000).prop_map(Op::Advance),
        any::<bool>().prop_map(|tcp| Op::TransportError { tcp }),
        (prop::collection::vec(any::<u8>(), 0..64), any::<bool>())
            .prop_map(|(bytes, stream)| Op::Garbage { bytes, stream }),
    ]
}

/// The harness around one layer: what was sent, what the TU holds.
struct World {
    l: TransactionLayer,
    now: Instant,
    conn: ConnectionId,
    /// Client transactions and the first bytes they sent.
    clients: Vec<(TransactionId, Payload)>,
    /// Server transactions and their requests.
    servers: Vec<(TransactionId, Request)>,
    /// Timer-driven transmissions per payload.
    timer_sends: HashMap<Payload, u32>,
}

impl World {
    fn new() -> Self {
        let mut l = layer();
        let conn = ConnectionId(1);
        l.handle_connection_opened(conn, Transport::Tcp, local(), peer());
        World {
            l,
            now: t(0),
            conn,
            clients: Vec::new(),
            servers: Vec::new(),
            timer_sends: HashMap::new(),
        }
    }

    /// Drains outputs, recording new server transactions.
    fn drain(&mut self) {
        let (_, ev) = drain(&mut self.l);
        for e in ev {
            if let Event::Request { id, request, .. } = e {
                self.servers.push((id, *request));
            }
        }
    }

    fn timeouts_until(&mut self, until: Instant) {
        while let Some(d) = self.l.poll_timeout().filter(|d| *d <= until) {
            self.now = d;
            self.l.handle_timeout(d);
            while let Some(tx) = self.l.poll_transmit() {
                *self.timer_sends.entry(tx.payload).or_default() += 1;
            }
            self.drain();
        }
        self.now = until.max(self.now);
    }

    fn send(&mut self, invite: bool, tcp: bool, cseq: u32) {
        let method = if invite {
            Method::Invite
        } else {
            Method::Options
        };
        let dest = if tcp { to_peer_tcp() } else { to_peer() };
        if let Ok(id) = self.l.send_request(self.now, outgoing(method, cseq), dest) {
            let first = self
                .l
                .poll_transmit()
                .expect("a new transaction transmits")
                .payload;
            self.timer_sends.remove(&first);
            self.clients.push((id, first));
        }
        self.drain();
    }

    fn apply(&mut self, op: Op, step: u32) {
        let now = self.now;
        match op {
            Op::Send { invite, tcp } => self.send(invite, tcp, step),
            Op::PeerRespond {
                pick,
                status,
                repeat,
            } => {
                if let Some((_, sent)) = self.clients.get(pick % self.clients.len().max(1)).cloned()
                {
                    let r = peer_response(&sent, status, (status > 100).then_some("p"));
                    for _ in 0..repeat {
                        self.l.handle_datagram(now, local(), peer(), &r);
                    }
                }
            }
            Op::PeerRequest {
                invite,
                branch,
                legacy,
                stream,
            } => {
                let b = if legacy {
                    format!("old{branch}")
                } else {
                    format!("z9hG4bKp{branch}")
                };
                let method = if invite { "INVITE" } else { "OPTIONS" };
                if stream {
                    let via = format!("SIP/2.0/TCP client.biloxi.com;branch={b}");
                    let text = incoming_text(method, &via, None, step, "");
                    let (a, z) = text.as_bytes().split_at(text.len() / 2);
                    self.l.handle_stream_data(now, self.conn, a);
                    self.l.handle_stream_data(now, self.conn, z);
                } else {
                    let text = incoming_text(method, &peer_via(&b), None, step, "");
                    self.l
                        .handle_datagram(now, local(), peer(), text.as_bytes());
                }
            }
            Op::PeerAck { branch, tag } => {
                let text = incoming_text(
                    "ACK",
                    &peer_via(&format!("z9hG4bKp{branch}")),
                    tag.then_some("s"),
                    u32::from(branch),
                    "",
                );
                self.l
                    .handle_datagram(now, local(), peer(), text.as_bytes());
            }
            Op::TuRespond { pick, status } => {
                if let Some((id, req)) = self.servers.get(pick % self.servers.len().max(1)).cloned()
                {
                    let _ = self
                        .l
                        .send_response(now, id, our_response(&req, status, Some("s")));
                }
            }
            Op::Cancel { pick } => {
                if let Some((id, _)) = self.clients.get(pick % self.clients.len().max(1)).cloned() {
                    if let Ok(cid) = self.l.cancel(now, id) {
                        let first = self.l.poll_transmit().expect("CANCEL transmits").payload;
                        // An earlier CANCEL of the same INVITE, now gone,
                        // had the same bytes: count afresh.
                        self.timer_sends.remove(&first);
                        self.clients.push((cid, first));
                    }
                }
            }
            Op::Advance(ms) => {
                self.timeouts_until(now + crate::time::Duration::from_millis(u64::from(ms)))
            }
            Op::TransportError { tcp } => {
                let dest = if tcp { to_peer_tcp() } else { to_peer() };
                self.l
                    .handle_transport_error(now, dest, TransportError::Unreachable);
            }
            Op::Garbage { bytes, stream } => {
                if stream {
                    self.l.handle_stream_data(now, self.conn, &bytes);
                } else {
                    self.l.handle_datagram(now, local(), peer(), &bytes);
                }
            }
        }
        self.drain();
    }

    /// The peers and the TU give every live transaction its final message.
    fn finish(&mut self) {
        let now = self.now;
        for (id, sent) in self.clients.clone() {
            if self.l.state(id).is_some() {
                let r = peer_response(&sent, 487, Some("p"));
                self.l.handle_datagram(now, local(), peer(), &r);
            }
        }
        for (id, req) in self.servers.clone() {
            if self.l.state(id).is_some() {
                let _ = self
                    .l
                    .send_response(now, id, our_response(&req, 500, Some("s")));
            }
        }
        self.drain();
    }

    fn check_retransmission_bounds(&self) -> Result<(), TestCaseError> {
        for (payload, n) in &self.timer_sends {
            let bound = if payload.starts_with(b"INVITE ") {
                6 // Timer A: T1..32T1 before B at 64T1
            } else if payload.starts_with(b"SIP/2.0 100 ") {
                1 // the §17.2.1 100 (Trying), once
            } else {
                10 // Timers E and G, capped at T2, before F/H at 64T1
            };
            prop_assert!(
                *n <= bound,
                "{n} timer sends of {}",
                String::from_utf8_lossy(payload)
            );
        }
        Ok(())
    }
}

proptest! {
    #[test]
    fn random_interleavings_terminate_and_respect_bounds(ops in prop::collection::vec(op(), 1..60)) {
        let mut w = World::new();
        for (i, op) in ops.into_iter().enumerate() {
            w.apply(op, i as u32);
            w.check_retransmission_bounds()?;
            // The deadline kept between polls is the one read again.
            let polled = w.l.poll_timeout();
            prop_assert_eq!(polled, w.l.earliest_deadline());
            prop_assert_eq!(w.l.poll_timeout(), polled);
        }
        w.finish();
        // 64*T1 after the last final message, nothing is left.
        let deadline = w.now + crate::time::Duration::from_secs(33);
        w.timeouts_until(deadline);
        w.check_retransmission_bounds()?;
        prop_assert_eq!(w.l.len(), 0, "leaked transactions");
        prop_assert_eq!(w.l.poll_timeout(), None);
    }
}
