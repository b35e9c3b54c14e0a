//! Embedding a sans-IO endpoint in a plain std event loop: the reference.
//!
//! Two endpoints in one process, each a [`TransactionLayer`] (RFC 3261
//! §17) behind a UDP socket on 127.0.0.1, each in its own thread running
//! the same loop: alice sends OPTIONS to bob, bob's transaction user
//! answers 200, alice prints the response and the program exits 0 (1 if
//! no final response came within 10 s).
//!
//! The loop, in the order every embedder of the stack follows:
//!
//! 1. hand the input that woke the loop to the endpoint (a datagram:
//!    `handle_datagram`; the deadline: `handle_timeout`);
//! 2. drain `poll_transmit`, sending each message;
//! 3. drain `poll_event`, reacting to each (the reaction may queue more
//!    transmits: back to 2);
//! 4. read `poll_timeout`;
//! 5. sleep until a datagram arrives or that deadline passes.
//!
//! The endpoint never reads a clock: the loop maps wall time to
//! [`Instant`] (milliseconds since the loop started). `sip_harness::realnet::Driver`
//! is this loop made general (any `Node`, TCP, limits, tracing).
//!
//! ```text
//! cargo run -p sip-harness --example std_loop
//! ```

use sip_core::builder::RequestBuilder;
use sip_core::random::TokenSource;
use sip_core::time::Instant;
use sip_core::transaction::{Config, Event, SentBy, TransactionLayer};
use sip_core::transport::{Destination, Transport, TransportError};
use sip_core::{Method, NameAddr, Response, StatusCode, Uri};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The longest sleep (so a stop request is noticed).
const MAX_SLEEP: Duration = Duration::from_millis(100);

/// One endpoint: a socket, the sans-IO transaction layer, a minimal
/// transaction user, and the mapping of wall time to [`Instant`].
struct Endpoint {
    name: &'static str,
    socket: UdpSocket,
    local: SocketAddr,
    layer: TransactionLayer,
    start: std::time::Instant,
    /// Final responses received (the TU's result).
    finals: Vec<StatusCode>,
}

impl Endpoint {
    fn bind(name: &'static str, seed: u64) -> io::Result<Endpoint> {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        let local = socket.local_addr()?;
        let cfg = Config {
            default_sent_by: SentBy::new(local.ip().to_string(), Some(local.port())),
            ..Config::default()
        };
        Ok(Endpoint {
            name,
            socket,
            local,
            layer: TransactionLayer::new(cfg, TokenSource::from_seed(seed)),
            start: std::time::Instant::now(),
            finals: Vec::new(),
        })
    }

    /// Wall time as the stack sees it.
    fn now(&self) -> Instant {
        Instant::from_millis(self.start.elapsed().as_millis() as u64)
    }

    /// Runs the loop until `done` or `limit`.
    fn run(&mut self, done: impl Fn(&Endpoint) -> bool, limit: Duration) -> io::Result<()> {
        let end = std::time::Instant::now() + limit;
        let mut buf = vec![0u8; 65_535];
        let mut input: Option<(usize, SocketAddr)> = None;
        loop {
            // 1. The input that woke us.
            let now = self.now();
            if let Some((len, remote)) = input.take() {
                self.layer
                    .handle_datagram(now, self.local, remote, &buf[..len]);
            }
            if self.layer.poll_timeout().is_some_and(|t| t <= now) {
                self.layer.handle_timeout(now);
            }
            // 2 and 3. Transmits, then events, until both are empty.
            self.drain(now);
            if done(self) || std::time::Instant::now() >= end {
                return Ok(());
            }
            // 4. The next deadline.
            let wait = match self.layer.poll_timeout() {
                Some(t) => t.saturating_duration_since(self.now()),
                None => MAX_SLEEP,
            };
            let wait = wait.clamp(Duration::from_millis(1), MAX_SLEEP);
            // 5. Sleep until a datagram or the deadline.
            self.socket.set_read_timeout(Some(wait))?;
            match self.socket.recv_from(&mut buf) {
                Ok(got) => input = Some(got),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => eprintln!("{}: recv: {e}", self.name),
            }
        }
    }

    fn drain(&mut self, now: Instant) {
        loop {
            while let Some(t) = self.layer.poll_transmit() {
                self.send(now, t.destination, &t.payload);
            }
            let Some(event) = self.layer.poll_event() else {
                break;
            };
            self.on_event(now, event);
        }
    }

    fn send(&mut self, now: Instant, dest: Destination, payload: &[u8]) {
        let Destination::Addr {
            transport: Transport::Udp,
            addr,
        } = dest
        else {
            // This example runs UDP only.
            self.layer
                .handle_transport_error(now, dest, TransportError::Unreachable);
            return;
        };
        if let Err(e) = self.socket.send_to(payload, addr) {
            eprintln!("{}: send to {addr}: {e}", self.name);
            self.layer
                .handle_transport_error(now, dest, TransportError::Unreachable);
        }
    }

    /// The transaction user: answer every request 200, keep final
    /// responses.
    fn on_event(&mut self, now: Instant, event: Event) {
        match event {
            Event::Request {
                id,
                request,
                source,
                ..
            } => {
                println!(
                    "{}: {} from {} -> 200 OK",
                    self.name, request.method, source.remote
                );
                let ok = Response::from_request(&request, StatusCode::OK).with_to_tag("b0b");
                if let Err(e) = self.layer.send_response(now, id, ok) {
                    eprintln!("{}: send_response: {e}", self.name);
                }
            }
            Event::Response { response, .. } if !response.status.is_provisional() => {
                println!(
                    "{}: {} {} after {now}",
                    self.name,
                    response.status.as_u16(),
                    response.reason
                );
                self.finals.push(response.status);
            }
            Event::Timeout { timer, .. } => {
                println!("{}: {timer} fired", self.name);
                self.finals.push(StatusCode::REQUEST_TIMEOUT);
            }
            _ => {}
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut alice = Endpoint::bind("alice", 1)?;
    let mut bob = Endpoint::bind("bob", 2)?;
    let bob_addr = bob.local;

    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let bob_thread = std::thread::spawn(move || {
        bob.run(|_| flag.load(Ordering::Relaxed), Duration::from_secs(15))
    });

    // The application's input: alice starts an OPTIONS transaction.
    let bob_uri: Uri = format!("sip:bob@{bob_addr}").parse().expect("a SIP URI");
    let alice_uri: Uri = format!("sip:alice@{}", alice.local)
        .parse()
        .expect("a SIP URI");
    let options = RequestBuilder::new(Method::Options, bob_uri.clone())
        .from(NameAddr::new(alice_uri), "a11ce")
        .to(NameAddr::new(bob_uri))
        .call_id("std-loop-example")
        .cseq(1)
        .build()
        .expect("a complete request");
    let dest = Destination::Addr {
        transport: Transport::Udp,
        addr: bob_addr,
    };
    let now = alice.now();
    alice
        .layer
        .send_request(now, options, dest)
        .expect("the layer takes the request");
    println!("alice: OPTIONS to {bob_addr}");
    alice.run(|a| !a.finals.is_empty(), Duration::from_secs(10))?;

    stop.store(true, Ordering::Relaxed);
    bob_thread.join().map_err(|_| "bob's thread panicked")??;
    if alice.finals != [StatusCode::OK] {
        return Err(format!("alice: expected one 200, got {:?}", alice.finals).into());
    }
    Ok(())
}

#[test]
fn runs_to_completion() {
    main().unwrap();
}
