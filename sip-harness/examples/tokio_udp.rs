//! Embedding a sans-IO endpoint in tokio: the same endpoint as
//! `std_loop` (a [`TransactionLayer`] whose transaction user answers every
//! request 200), with the loop written as a task.
//!
//! Each turn: drain `poll_transmit` (sending each message) and
//! `poll_event` (reacting to each), read `poll_timeout`, then
//! `tokio::select!` between the socket's next datagram and
//! `sleep_until(deadline)`; whichever wins is the next input
//! (`handle_datagram` or `handle_timeout`). The endpoint itself is not
//! async and never reads a clock: the task maps tokio's clock to
//! [`Instant`] (milliseconds since the task started).
//!
//! Alice sends OPTIONS to bob (both on 127.0.0.1, bob in a spawned task);
//! the program exits 0 once alice has the 200, 1 if none came within 10 s.
//!
//! ```text
//! cargo run -p sip-harness --example tokio_udp
//! ```

use sip_core::builder::RequestBuilder;
use sip_core::random::TokenSource;
use sip_core::time::Instant;
use sip_core::transaction::{Config, Event, SentBy, TransactionLayer};
use sip_core::transport::{Destination, Transport, TransportError};
use sip_core::{Method, NameAddr, Response, StatusCode, Uri};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::UdpSocket;

/// What woke the task.
enum Woke {
    Datagram(io::Result<(usize, SocketAddr)>),
    Deadline,
}

/// A socket, the sans-IO transaction layer, a minimal transaction user,
/// and the mapping of tokio's clock to [`Instant`].
struct Endpoint {
    name: &'static str,
    socket: UdpSocket,
    local: SocketAddr,
    layer: TransactionLayer,
    base: tokio::time::Instant,
    finals: Vec<StatusCode>,
}

impl Endpoint {
    async fn bind(name: &'static str, seed: u64) -> io::Result<Endpoint> {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
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
            base: tokio::time::Instant::now(),
            finals: Vec::new(),
        })
    }

    fn now(&self) -> Instant {
        Instant::from_millis(self.base.elapsed().as_millis() as u64)
    }

    /// Runs the endpoint until `done`.
    async fn run(&mut self, done: impl Fn(&Endpoint) -> bool) -> io::Result<()> {
        let mut buf = vec![0u8; 65_535];
        loop {
            let now = self.now();
            self.drain(now).await;
            if done(self) {
                return Ok(());
            }
            // No deadline: sleep "forever" (an hour); a datagram wakes us.
            let deadline = match self.layer.poll_timeout() {
                Some(t) => self.base + Duration::from_millis(t.as_millis()),
                None => tokio::time::Instant::now() + Duration::from_secs(3600),
            };
            let woke = tokio::select! {
                r = self.socket.recv_from(&mut buf) => Woke::Datagram(r),
                () = tokio::time::sleep_until(deadline) => Woke::Deadline,
            };
            let now = self.now();
            match woke {
                Woke::Datagram(Ok((len, remote))) => {
                    self.layer
                        .handle_datagram(now, self.local, remote, &buf[..len]);
                }
                Woke::Datagram(Err(e)) => eprintln!("{}: recv: {e}", self.name),
                Woke::Deadline => self.layer.handle_timeout(now),
            }
        }
    }

    /// Transmits, then events, until both are empty.
    async fn drain(&mut self, now: Instant) {
        loop {
            while let Some(t) = self.layer.poll_transmit() {
                match t.destination {
                    Destination::Addr {
                        transport: Transport::Udp,
                        addr,
                    } => {
                        if let Err(e) = self.socket.send_to(&t.payload, addr).await {
                            eprintln!("{}: send to {addr}: {e}", self.name);
                            self.layer.handle_transport_error(
                                now,
                                t.destination,
                                TransportError::Unreachable,
                            );
                        }
                    }
                    // This example runs UDP only.
                    other => {
                        self.layer
                            .handle_transport_error(now, other, TransportError::Unreachable);
                    }
                }
            }
            let Some(event) = self.layer.poll_event() else {
                break;
            };
            self.on_event(now, event);
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut alice = Endpoint::bind("alice", 1).await?;
    let mut bob = Endpoint::bind("bob", 2).await?;
    let bob_addr = bob.local;
    let bob_task = tokio::spawn(async move { bob.run(|_| false).await });

    let bob_uri: Uri = format!("sip:bob@{bob_addr}").parse()?;
    let alice_uri: Uri = format!("sip:alice@{}", alice.local).parse()?;
    let options = RequestBuilder::new(Method::Options, bob_uri.clone())
        .from(NameAddr::new(alice_uri), "a11ce")
        .to(NameAddr::new(bob_uri))
        .call_id("tokio-udp-example")
        .cseq(1)
        .build()?;
    let dest = Destination::Addr {
        transport: Transport::Udp,
        addr: bob_addr,
    };
    let now = alice.now();
    alice.layer.send_request(now, options, dest)?;
    println!("alice: OPTIONS to {bob_addr}");
    let finished =
        tokio::time::timeout(Duration::from_secs(10), alice.run(|a| !a.finals.is_empty())).await;
    bob_task.abort();
    match finished {
        Ok(result) => result?,
        Err(_) => return Err("no final response within 10 s".into()),
    }
    if alice.finals != [StatusCode::OK] {
        return Err(format!("alice: expected one 200, got {:?}", alice.finals).into());
    }
    Ok(())
}

#[test]
fn runs_to_completion() {
    main().unwrap();
}
