//! Two user agents wired back to back, with a virtual clock: the smallest
//! driver for benchmarks (no loss, no latency, no recording).

#![allow(dead_code)]

pub mod full_call;

use sip_core::time::{Duration, Instant};
use sip_core::transaction::SentBy;
use sip_core::transport::{Destination, Transmit};
use sip_core::uri::Uri;
use sip_session::*;
use std::net::SocketAddr;

pub struct Pair {
    pub now: Instant,
    pub a: UserAgent,
    pub b: UserAgent,
    pub a_addr: SocketAddr,
    pub b_addr: SocketAddr,
    pub b_uri: Uri,
    pub offer: Body,
    pub answer: Body,
    pub established: usize,
    pub terminated: usize,
    /// When true, the caller hangs up as soon as the call is up.
    pub hang_up: bool,
}

fn config(name: &str, addr: SocketAddr) -> UserAgentConfig {
    let mut c = UserAgentConfig {
        aor: Uri::parse(&format!("sip:{name}@example.com")).unwrap(),
        contact: Uri::parse(&format!("sip:{name}@{addr}")).unwrap(),
        max_sessions: 1_000_000,
        ..Default::default()
    };
    c.transaction.default_sent_by = SentBy::new(addr.ip().to_string(), Some(addr.port()));
    c.transaction.max_transactions = 1_000_000;
    c
}

impl Pair {
    pub fn new() -> Pair {
        let a_addr: SocketAddr = "192.0.2.1:5060".parse().unwrap();
        let b_addr: SocketAddr = "192.0.2.2:5060".parse().unwrap();
        Pair {
            now: Instant::from_millis(1),
            a: UserAgent::new(config("alice", a_addr), 1),
            b: UserAgent::new(config("bob", b_addr), 2),
            a_addr,
            b_addr,
            b_uri: Uri::parse("sip:bob@192.0.2.2:5060").unwrap(),
            offer: Body::sdp(&b"v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"[..]),
            answer: Body::sdp(&b"v=0\r\no=bob 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n"[..]),
            established: 0,
            terminated: 0,
            hang_up: true,
        }
    }

    fn deliver(&mut self, from_a: bool, t: Transmit) {
        let Destination::Addr { addr, .. } = t.destination else {
            return;
        };
        let now = self.now;
        if from_a && addr == self.b_addr {
            self.b
                .handle_datagram(now, self.b_addr, self.a_addr, &t.payload);
        } else if !from_a && addr == self.a_addr {
            self.a
                .handle_datagram(now, self.a_addr, self.b_addr, &t.payload);
        }
    }

    /// Moves every message and reacts to every event until quiet.
    pub fn pump(&mut self) {
        loop {
            let mut any = false;
            while let Some(t) = self.a.poll_transmit() {
                any = true;
                self.deliver(true, t);
            }
            while let Some(t) = self.b.poll_transmit() {
                any = true;
                self.deliver(false, t);
            }
            let now = self.now;
            while let Some(e) = self.b.poll_event() {
                any = true;
                if let Event::Invitation { session } = e {
                    let body = Some(self.answer.clone());
                    self.b
                        .invitation(session)
                        .unwrap()
                        .accept(
                            now,
                            AcceptOptions {
                                body,
                                ..Default::default()
                            },
                        )
                        .unwrap();
                }
            }
            while let Some(e) = self.a.poll_event() {
                any = true;
                match e {
                    Event::StateChanged {
                        session,
                        to: SessionState::Established,
                        ..
                    } => {
                        self.established += 1;
                        if self.hang_up {
                            self.a
                                .session_mut(session)
                                .unwrap()
                                .bye(now, ByeOptions::default())
                                .unwrap();
                        }
                    }
                    Event::Terminated { .. } => self.terminated += 1,
                    _ => {}
                }
            }
            if !any {
                break;
            }
        }
    }

    /// Starts one call from a to b.
    pub fn call(&mut self) -> SessionId {
        let now = self.now;
        let target = self.b_uri.clone();
        let body = Some(self.offer.clone());
        self.a
            .invite(
                now,
                target,
                InviteOptions {
                    body,
                    ..Default::default()
                },
            )
            .unwrap()
    }

    /// Jumps the clock by `d` and fires every due timer.
    pub fn advance(&mut self, d: Duration) {
        let until = self.now + d;
        loop {
            let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    let now = self.now;
                    self.a.handle_timeout(now);
                    self.b.handle_timeout(now);
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = until;
    }
}
