//! Ladder diagrams, snapshotted with insta.

mod common;

use common::{request, Puppet};
use sip_core::time::{Duration, Instant};
use sip_core::transport::{ConnectionId, Transport};
use sip_harness::scenarios;
use sip_harness::sim::{Faults, LinkConfig, Sim};
use std::net::SocketAddr;

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

#[test]
fn udp_retransmissions_under_loss_duplication_and_reordering() {
    let faults = Faults {
        loss: 0.3,
        duplicate: 0.3,
        reorder: 0.3,
        jitter_ms: Some(20),
    };
    let out = scenarios::find("selftest-udp").unwrap().run(1, &faults);
    let ladder = sip_harness::ladder::render(&out.trace.records);
    // The snapshot must show each mark.
    assert!(ladder.contains("x "), "{ladder}");
    assert!(ladder.contains(">>") || ladder.contains("<<"), "{ladder}");
    assert!(ladder.contains("reordered"), "{ladder}");
    insta::assert_snapshot!(ladder);
}

#[test]
fn tcp_pipelining_with_retransmitted_segments() {
    let faults = Faults {
        loss: 0.2,
        ..Faults::NONE
    };
    let out = scenarios::find("selftest-tcp").unwrap().run(5, &faults);
    insta::assert_snapshot!(sip_harness::ladder::render(&out.trace.records));
}

#[test]
fn three_nodes_connections_partitions_and_strays() {
    let mut sim = Sim::new(2);
    let alice = sim.add_node("alice", Puppet::default());
    let proxy = sim.add_node("proxy", Puppet::answering());
    let bob = sim.add_node("bob", Puppet::answering());
    let (proxy_addr, bob_addr) = (sim.addr(proxy), sim.addr(bob));
    sim.set_link(
        alice,
        bob,
        LinkConfig::with_latency(Duration::from_millis(40)),
    );

    sim.at(ms(0))
        .label("alice asks bob directly")
        .call(alice, move |a, _| {
            a.send(Transport::Udp, bob_addr, request("OPTIONS", 1));
        });
    sim.at(ms(100))
        .partition(alice, proxy, Duration::from_millis(100));
    sim.at(ms(150)).call(alice, move |a, _| {
        a.send(Transport::Udp, proxy_addr, request("MESSAGE", 2));
    });
    sim.at(ms(300)).call(alice, move |a, _| {
        a.send(Transport::Tcp, proxy_addr, request("REGISTER", 3));
    });
    sim.at(ms(400)).call(bob, |b, _| {
        b.events
            .push_back(serde_json::json!({ "state": "ringing" }));
    });
    sim.at(ms(500)).close(ConnectionId(0));
    sim.at(ms(600)).refuse_connections(bob_addr, true);
    sim.at(ms(600)).call(alice, move |a, _| {
        a.send(Transport::Tcp, bob_addr, request("INVITE", 4));
    });
    let stranger = SocketAddr::from(([192, 0, 2, 99], 5060));
    sim.at(ms(700))
        .inject(stranger, proxy_addr, request("NOTIFY", 5));
    sim.at(ms(800)).call(proxy, |p, _| {
        p.send(
            Transport::Udp,
            SocketAddr::from(([10, 0, 0, 77], 5060)),
            request("BYE", 6),
        );
    });
    sim.at(ms(900)).call(bob, move |b, _| {
        b.send(Transport::Tcp, proxy_addr, request("SUBSCRIBE", 7));
    });
    sim.at(ms(905)).reset(ConnectionId(5));
    sim.drive(1000).unwrap();
    insta::assert_snapshot!(sim.ladder());
}

#[test]
fn ladders_from_trace_files_match_ladders_from_memory() {
    let out = scenarios::find("selftest-udp").unwrap().run(
        4,
        &Faults {
            loss: 0.4,
            ..Faults::NONE
        },
    );
    let text = out.trace.to_jsonl();
    let back = sip_harness::Trace::from_jsonl(&text).unwrap();
    assert_eq!(
        sip_harness::ladder::render(&back.records),
        sip_harness::ladder::render(&out.trace.records)
    );
}
