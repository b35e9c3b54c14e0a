//! A whole call between two user agents over real sockets on 127.0.0.1,
//! after the answering side was flooded with garbage datagrams, oversized
//! datagrams and half-open TCP connections: the flood must not stop a
//! normal call (INVITE, 180, 200, ACK, BYE, 200) from completing.
//!
//! Ephemeral ports only; every wait is bounded.

use sip_core::time::Duration as SipDuration;
use sip_core::transport::Transport;
use sip_core::uri::Uri;
use sip_harness::adapters::ua::{AnswerPolicy, Policy, UaNode};
use sip_harness::realnet::{Driver, DriverConfig};
use sip_harness::scenarios::calls::{phone_config, sdp_for};
use sip_session::{InviteOptions, TerminationCause, UserAgent};
use std::io::Write;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

const BOTH: &[Transport] = &[Transport::Udp, Transport::Tcp];

fn phone(user: &str, addr: SocketAddr, policy: Policy, seed: u64) -> UaNode {
    let mut cfg = phone_config(user, user, addr);
    cfg.transaction = sip_harness::phone_cmd::sent_by(addr);
    UaNode::new(UserAgent::new(cfg, seed), policy)
}

#[test]
fn a_call_completes_after_a_flood() {
    let stop = Arc::new(AtomicBool::new(false));
    let (addr_tx, addr_rx) = mpsc::channel();
    let bob_stop = stop.clone();
    let bob = std::thread::spawn(move || {
        let cfg = DriverConfig {
            incomplete_timeout: Duration::from_secs(1),
            ..DriverConfig::default()
        };
        let mut d = Driver::bind_with("127.0.0.1:0".parse().unwrap(), BOTH, cfg, |local| {
            let policy = Policy {
                answer: Some(AnswerPolicy {
                    ring: SipDuration::from_millis(100),
                    reject: None,
                }),
                sdp: Some(sdp_for("bob", local, 40002)),
                ..Policy::default()
            };
            phone("bob", local, policy, 2)
        })
        .expect("bob binds");
        addr_tx.send(d.local_addr()).unwrap();
        let done = d.run_until(
            |n| {
                bob_stop.load(Ordering::Relaxed)
                    || n.outcomes()
                        .any(|o| o.ended == Some(TerminationCause::RemoteBye))
            },
            Duration::from_secs(20),
        );
        // Answer the BYE's retransmissions, if any.
        d.run_for(Duration::from_millis(200));
        (done, d.node().outcomes().copied().collect::<Vec<_>>())
    });
    let bob_addr: SocketAddr = addr_rx.recv_timeout(Duration::from_secs(5)).unwrap();

    // The flood: garbage and oversized datagrams, half-open connections.
    let junk = UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..2000u32 {
        let size = if i % 100 == 0 {
            60_000
        } else {
            1 + (i as usize * 37) % 1400
        };
        let payload: Vec<u8> = (0..size).map(|j| (j as u32 ^ i) as u8).collect();
        let _ = junk.send_to(&payload, bob_addr);
    }
    let _ = junk.send_to(b"INVITE sip:x SIP/2.0\r\nVia: garbage\r\n\r\n", bob_addr);
    let mut half_open = Vec::new();
    for _ in 0..8 {
        if let Ok(mut s) = TcpStream::connect_timeout(&bob_addr, Duration::from_secs(2)) {
            let _ = s.write_all(b"OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKx\r\n");
            half_open.push(s);
        }
    }

    // Then a normal call from Alice.
    let mut alice = Driver::bind_with(
        "127.0.0.1:0".parse().unwrap(),
        BOTH,
        DriverConfig::default(),
        |local| {
            let policy = Policy {
                hangup_after: Some(SipDuration::from_millis(300)),
                sdp: Some(sdp_for("alice", local, 40000)),
                ..Policy::default()
            };
            phone("alice", local, policy, 1)
        },
    )
    .expect("alice binds");
    let target = Uri::parse(&format!("sip:bob@{bob_addr}")).unwrap();
    let offer = sdp_for("alice", alice.local_addr(), 40000);
    alice
        .act(|n, now| {
            n.act(now, |ua, now| {
                ua.invite(
                    now,
                    target,
                    InviteOptions {
                        body: Some(offer),
                        ..InviteOptions::default()
                    },
                )
            })
        })
        .expect("INVITE sent");
    let ended = alice.run_until(
        |n| n.outcomes().any(|o| o.ended.is_some()) && n.awaiting_responses() == 0,
        Duration::from_secs(15),
    );
    stop.store(true, Ordering::Relaxed);
    let (bob_done, bob_outcomes) = bob.join().expect("bob's thread");
    drop(half_open);

    assert!(ended, "Alice's call did not end in time");
    let a = alice.node().outcomes().next().copied().unwrap();
    assert!(a.established, "Alice's call was never answered: {a:?}");
    assert_eq!(a.ended, Some(TerminationCause::Bye));
    assert!(bob_done, "Bob did not see the call end");
    assert!(
        bob_outcomes
            .iter()
            .any(|o| o.established && o.ended == Some(TerminationCause::RemoteBye)),
        "{bob_outcomes:?}"
    );
}
