//! Simulator tests with a scriptable recording node.

use super::*;
use crate::scenarios::selftest::{SelftestClient, SelftestServer};
use crate::trace::{DropReason, Event};
use proptest::prelude::*;
use serde_json::json;
use sip_core::transport::{Destination, Transmit, TransportError};
use std::collections::VecDeque;

/// Sends what it is told to, records everything it is handed.
#[derive(Default)]
struct Recorder {
    outbox: VecDeque<Transmit>,
    datagrams: Vec<(Instant, SocketAddr, Vec<u8>)>,
    stream: Vec<(Instant, ConnectionId, Vec<u8>)>,
    opened: Vec<ConnectionInfo>,
    closed: Vec<ConnectionId>,
    errors: Vec<TransportFailure>,
    timers: Vec<Instant>,
    /// Fire a timer every this often, forever.
    tick: Option<Duration>,
    /// Ask for a timeout at zero forever (a livelock).
    stuck: bool,
    /// Echo every datagram back to its sender.
    echo: bool,
    events: VecDeque<AppEvent>,
    last: Instant,
}

impl Recorder {
    fn send(&mut self, transport: Transport, addr: SocketAddr, data: &str) {
        self.outbox.push_back(Transmit {
            destination: Destination::Addr { transport, addr },
            payload: data.as_bytes().into(),
        });
    }

    fn send_on(&mut self, conn: ConnectionId, data: &str) {
        self.outbox.push_back(Transmit {
            destination: Destination::Connection(conn),
            payload: data.as_bytes().into(),
        });
    }

    fn stream_bytes(&self) -> Vec<u8> {
        self.stream.iter().flat_map(|(_, _, d)| d.clone()).collect()
    }
}

impl Node for Recorder {
    fn handle_datagram(
        &mut self,
        now: Instant,
        _local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    ) {
        self.datagrams.push((now, remote, data.to_vec()));
        if self.echo {
            self.outbox.push_back(Transmit {
                destination: Destination::Addr {
                    transport: Transport::Udp,
                    addr: remote,
                },
                payload: data.into(),
            });
        }
    }

    fn handle_stream_data(
        &mut self,
        now: Instant,
        conn: ConnectionId,
        _local: SocketAddr,
        _remote: SocketAddr,
        data: &[u8],
    ) {
        self.stream.push((now, conn, data.to_vec()));
    }

    fn handle_connection_opened(&mut self, _now: Instant, info: &ConnectionInfo) {
        self.opened.push(*info);
    }

    fn handle_connection_closed(&mut self, _now: Instant, conn: ConnectionId) {
        self.closed.push(conn);
    }

    fn handle_transport_error(&mut self, _now: Instant, failure: &TransportFailure) {
        self.errors.push(*failure);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.timers.push(now);
        self.last = now;
        self.events.push_back(json!({ "tick": now.as_millis() }));
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Transmit> {
        self.outbox.pop_front()
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        if self.stuck {
            return Some(Instant::ZERO);
        }
        self.tick.map(|d| self.last + d)
    }

    fn poll_event(&mut self) -> Option<AppEvent> {
        self.events.pop_front()
    }
}

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

fn pair(seed: u64) -> (Sim, NodeRef<Recorder>, NodeRef<Recorder>) {
    let mut sim = Sim::new(seed);
    let a = sim.add_node("a", Recorder::default());
    let b = sim.add_node("b", Recorder::default());
    (sim, a, b)
}

fn drops(sim: &Sim) -> Vec<DropReason> {
    sim.trace()
        .iter()
        .filter_map(|r| match r.event {
            Event::Drop { reason, .. } => Some(reason),
            _ => None,
        })
        .collect()
}

#[test]
fn datagram_arrives_after_latency_with_addresses() {
    let (mut sim, a, b) = pair(1);
    let b_addr = sim.addr(b);
    sim.node_mut(a).send(Transport::Udp, b_addr, "hello");
    sim.drive(100).unwrap();
    let got = &sim.node(b).datagrams;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0], (ms(10), sim.addr(a), b"hello".to_vec()));
    assert_eq!(sim.now(), ms(10));
}

#[test]
fn scheduled_calls_run_at_their_time_and_in_order() {
    let (mut sim, a, b) = pair(1);
    let b_addr = sim.addr(b);
    sim.at(ms(500))
        .call(a, move |n, _| n.send(Transport::Udp, b_addr, "second"));
    sim.at(ms(100))
        .label("first")
        .call(a, move |n, _| n.send(Transport::Udp, b_addr, "first"));
    sim.drive(100).unwrap();
    let got: Vec<_> = sim
        .node(b)
        .datagrams
        .iter()
        .map(|(t, _, d)| (*t, d.clone()))
        .collect();
    assert_eq!(
        got,
        vec![(ms(110), b"first".to_vec()), (ms(510), b"second".to_vec())]
    );
    assert!(sim.trace().iter().any(|r| r.t == ms(100)
        && r.event
            == Event::Action {
                label: "first".into()
            }));
}

#[test]
#[should_panic(expected = "cannot schedule at 0.000s")]
fn scheduling_in_the_past_panics() {
    let (mut sim, a, _) = pair(1);
    sim.run_for(Duration::from_secs(1)).unwrap();
    sim.at(Instant::ZERO).call(a, |_, _| {});
}

#[test]
fn an_hour_of_timers_runs_instantly() {
    let mut sim = Sim::new(1);
    let a = sim.add_node(
        "a",
        Recorder {
            tick: Some(Duration::from_secs(1)),
            ..Recorder::default()
        },
    );
    sim.run_for(Duration::from_secs(3600)).unwrap();
    assert_eq!(sim.node(a).timers.len(), 3600);
    assert_eq!(sim.now(), ms(3_600_000));
    assert_eq!(sim.events(a).len(), 3600);
    assert_eq!(sim.events(a)[1], &json!({ "tick": 2000 }));
}

#[test]
fn drive_reports_a_step_limit_on_endless_work() {
    let mut sim = Sim::new(1);
    sim.add_node(
        "a",
        Recorder {
            tick: Some(Duration::from_secs(1)),
            ..Recorder::default()
        },
    );
    let err = sim.drive(50).unwrap_err();
    assert_eq!(
        err,
        SimError::StepLimit {
            at: ms(50_000),
            steps: 50
        }
    );
}

#[test]
fn a_timer_that_never_moves_is_a_livelock() {
    let mut sim = Sim::with_config(
        1,
        SimConfig {
            max_steps_per_instant: 1000,
            ..SimConfig::default()
        },
    );
    sim.add_node(
        "a",
        Recorder {
            stuck: true,
            ..Recorder::default()
        },
    );
    let err = sim.drive(1_000_000).unwrap_err();
    match &err {
        SimError::Livelock { at, steps, recent } => {
            assert_eq!(*at, Instant::ZERO);
            assert_eq!(*steps, 1001);
            assert!(recent.contains(r#""kind":"timer","node":"a""#), "{recent}");
        }
        other => panic!("expected a livelock, got {other}"),
    }
    assert!(err.to_string().starts_with("livelock at 0.000s"));
}

#[test]
fn zero_latency_ping_pong_is_a_livelock() {
    let mut sim = Sim::with_config(
        1,
        SimConfig {
            max_steps_per_instant: 500,
            ..SimConfig::default()
        },
    );
    sim.set_default_link(LinkConfig::with_latency(Duration::ZERO));
    let echo = || Recorder {
        echo: true,
        ..Recorder::default()
    };
    let a = sim.add_node("a", echo());
    let b = sim.add_node("b", echo());
    let b_addr = sim.addr(b);
    sim.node_mut(a).send(Transport::Udp, b_addr, "ping");
    assert!(matches!(
        sim.drive(u64::MAX),
        Err(SimError::Livelock { .. })
    ));
}

#[test]
fn run_until_stalls_when_nothing_is_left() {
    let (mut sim, _, _) = pair(1);
    assert_eq!(
        sim.run_until(|_| false),
        Err(SimError::Stalled { at: Instant::ZERO })
    );
    sim.run_until(|s| s.now() == Instant::ZERO).unwrap();
}

#[test]
fn total_loss_drops_everything_and_the_client_gives_up_at_64_t1() {
    let mut sim = Sim::new(3);
    sim.set_default_link(LinkConfig {
        loss: 1.0,
        ..LinkConfig::default()
    });
    let server = SocketAddr::from(([10, 0, 0, 2], 5060));
    let c = sim.add_node_with("client", |local| {
        SelftestClient::new(local, server, Transport::Udp, 1)
    });
    sim.add_node("server", SelftestServer::new());
    sim.node_mut(c).start(Instant::ZERO);
    sim.drive(1000).unwrap();
    assert_eq!(sim.now(), ms(32_000));
    assert!(sim.node(c).failure().unwrap().contains("unanswered"));
    // Sends at 0, 0.5, 1.5, 3.5, 7.5 then every 4 s: 11 in 32 s.
    assert_eq!(drops(&sim), vec![DropReason::Loss; 11]);
    sim.expect(c).sent(&["OPTIONS"; 11]);
}

#[test]
fn partitions_drop_datagrams_sent_inside_the_window() {
    let (mut sim, a, b) = pair(1);
    sim.at(ms(100)).partition(a, b, Duration::from_millis(200));
    let b_addr = sim.addr(b);
    for t in [0, 99, 100, 299, 300] {
        sim.at(ms(t)).call(a, move |n, now| {
            n.send(Transport::Udp, b_addr, &now.as_millis().to_string())
        });
    }
    sim.drive(1000).unwrap();
    let got: Vec<_> = sim
        .node(b)
        .datagrams
        .iter()
        .map(|d| String::from_utf8(d.2.clone()).unwrap())
        .collect();
    assert_eq!(got, ["0", "99", "300"]);
    assert_eq!(drops(&sim), vec![DropReason::Partition; 2]);
}

#[test]
fn duplication_delivers_two_copies() {
    let (mut sim, a, b) = pair(5);
    sim.set_default_link(LinkConfig {
        duplicate: 1.0,
        jitter: Duration::from_millis(20),
        ..LinkConfig::default()
    });
    let b_addr = sim.addr(b);
    sim.node_mut(a).send(Transport::Udp, b_addr, "x");
    sim.drive(100).unwrap();
    assert_eq!(sim.node(b).datagrams.len(), 2);
    let kinds: Vec<_> = sim
        .trace()
        .iter()
        .filter_map(|r| match &r.event {
            Event::Duplicate { .. } => Some("dup".to_string()),
            Event::Deliver { copy, .. } => Some(format!("deliver{copy}")),
            _ => None,
        })
        .collect();
    assert_eq!(kinds.len(), 3);
    assert_eq!(kinds[0], "dup");
    assert_eq!(sim.stats().duplicated, 1);
    assert_eq!(sim.stats().delivered, 2);
}

#[test]
fn reordering_lets_later_datagrams_overtake() {
    let (mut sim, a, b) = pair(11);
    sim.set_default_link(LinkConfig {
        reorder: 0.3,
        ..LinkConfig::default()
    });
    let b_addr = sim.addr(b);
    for i in 0..50 {
        sim.at(ms(i)).call(a, move |n, _| {
            n.send(Transport::Udp, b_addr, &i.to_string())
        });
    }
    sim.drive(10_000).unwrap();
    let got: Vec<u64> = sim
        .node(b)
        .datagrams
        .iter()
        .map(|d| String::from_utf8_lossy(&d.2).parse().unwrap())
        .collect();
    assert_eq!(got.len(), 50);
    assert!(
        got.windows(2).any(|w| w[0] > w[1]),
        "no reordering in {got:?}"
    );
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..50).collect::<Vec<_>>());
}

#[test]
fn no_route_drops_and_optionally_reports_unreachable() {
    for icmp in [false, true] {
        let mut sim = Sim::with_config(
            1,
            SimConfig {
                icmp_unreachable: icmp,
                ..SimConfig::default()
            },
        );
        let a = sim.add_node("a", Recorder::default());
        let nowhere = SocketAddr::from(([10, 9, 9, 9], 5060));
        sim.node_mut(a).send(Transport::Udp, nowhere, "x");
        sim.drive(100).unwrap();
        assert_eq!(drops(&sim), vec![DropReason::NoRoute]);
        let errors = &sim.node(a).errors;
        if icmp {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].error, TransportError::Unreachable);
            assert_eq!(errors[0].remote, nowhere);
            assert_eq!(sim.now(), ms(10));
        } else {
            assert!(errors.is_empty());
        }
    }
}

#[test]
fn datagram_without_an_address_of_the_family_is_dropped() {
    let (mut sim, a, _) = pair(1);
    sim.node_mut(a)
        .send(Transport::Udp, "[fd00::9]:5060".parse().unwrap(), "x");
    sim.drive(10).unwrap();
    assert_eq!(drops(&sim), vec![DropReason::NoLocalAddr]);
}

#[test]
fn ipv6_nodes_talk() {
    let mut sim = Sim::new(1);
    let a6: SocketAddr = "[fd00::1]:5060".parse().unwrap();
    let b6: SocketAddr = "[fd00::2]:5060".parse().unwrap();
    let a = sim.add_node_at("a", [a6], Recorder::default());
    let b = sim.add_node_at("b", [b6], Recorder::default());
    sim.node_mut(a).send(Transport::Udp, b6, "v6");
    sim.drive(10).unwrap();
    assert_eq!(sim.node(b).datagrams[0].1, a6);
    let _ = a;
}

fn tcp_pair(seed: u64) -> (Sim, NodeRef<Recorder>, NodeRef<Recorder>, SocketAddr) {
    let (sim, a, b) = pair(seed);
    let b_addr = sim.addr(b);
    (sim, a, b, b_addr)
}

#[test]
fn stream_connects_then_delivers_in_order() {
    let (mut sim, a, b, b_addr) = tcp_pair(2);
    sim.node_mut(a)
        .send(Transport::Tcp, b_addr, "first message|");
    sim.node_mut(a)
        .send(Transport::Tcp, b_addr, "second message|");
    sim.drive(1000).unwrap();
    // SYN at 10 ms, SYN-ACK at 20 ms, data from 30 ms.
    let server = &sim.node(b);
    assert_eq!(server.opened.len(), 1);
    assert!(server.opened[0].inbound);
    assert_eq!(server.opened[0].remote.port(), 49152);
    let client = &sim.node(a);
    assert_eq!(client.opened.len(), 1);
    assert!(!client.opened[0].inbound);
    assert_ne!(client.opened[0].conn, server.opened[0].conn);
    assert_eq!(server.stream_bytes(), b"first message|second message|");
    assert!(server
        .stream
        .iter()
        .all(|(t, c, _)| *t >= ms(30) && *c == server.opened[0].conn));
    let conns = sim.connections();
    assert_eq!(conns.len(), 1);
    assert!(conns[0].open);
    // Reply on the connection.
    let cid = server.opened[0].conn;
    sim.node_mut(b).send_on(cid, "reply");
    sim.drive(1000).unwrap();
    assert_eq!(sim.node(a).stream_bytes(), b"reply");
    // A second send to the same address reuses the connection.
    sim.node_mut(a).send(Transport::Tcp, b_addr, "third|");
    sim.drive(1000).unwrap();
    assert_eq!(sim.connections().len(), 1);
    assert!(sim.node(b).stream_bytes().ends_with(b"third|"));
}

#[test]
fn stream_reads_split_and_coalesce_messages() {
    let mut split = false;
    let mut coalesced = false;
    for seed in 0..20 {
        let (mut sim, a, b, b_addr) = tcp_pair(seed);
        for i in 0..4 {
            sim.node_mut(a)
                .send(Transport::Tcp, b_addr, &format!("<message {i}>"));
        }
        sim.drive(1000).unwrap();
        let reads = &sim.node(b).stream;
        assert_eq!(
            sim.node(b).stream_bytes(),
            b"<message 0><message 1><message 2><message 3>"
        );
        split |= reads.iter().any(|(_, _, d)| !d.ends_with(b">"));
        coalesced |= reads
            .iter()
            .any(|(_, _, d)| d.windows(2).any(|w| w == b"><"));
    }
    assert!(split && coalesced, "split {split} coalesced {coalesced}");
}

#[test]
fn refused_connections_fail_the_sender() {
    let (mut sim, a, b, b_addr) = tcp_pair(2);
    sim.refuse_connections(b_addr, true);
    sim.node_mut(a).send(Transport::Tcp, b_addr, "x");
    sim.drive(100).unwrap();
    let errs = &sim.node(a).errors;
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].error, TransportError::ConnectionRefused);
    assert_eq!(errs[0].conn, Some(ConnectionId(0)));
    assert_eq!(sim.now(), ms(20));
    assert!(sim.node(b).opened.is_empty());
    assert_eq!(drops(&sim), vec![DropReason::Refused]);
    // Nobody listening is a refusal too.
    let nowhere = SocketAddr::from(([10, 0, 0, 2], 5070));
    sim.node_mut(a).send(Transport::Tcp, nowhere, "y");
    sim.drive(100).unwrap();
    assert_eq!(sim.node(a).errors.len(), 2);
}

#[test]
fn reset_tells_both_ends_and_drops_what_is_in_flight() {
    let (mut sim, a, b, b_addr) = tcp_pair(2);
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(100)));
    sim.node_mut(a).send(Transport::Tcp, b_addr, "early");
    sim.at(ms(250))
        .call(a, move |n, _| n.send(Transport::Tcp, b_addr, "late"));
    sim.at(ms(320)).reset(ConnectionId(1));
    sim.drive(1000).unwrap();
    assert_eq!(sim.node(b).stream_bytes(), b"early");
    for n in [a, b] {
        let errs = &sim.node(n).errors;
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].error, TransportError::ConnectionReset);
    }
    assert_eq!(drops(&sim), vec![DropReason::Reset]);
    // Writing on the dead connection fails.
    sim.node_mut(b).send_on(ConnectionId(1), "too late");
    sim.drive(1000).unwrap();
    assert_eq!(sim.node(b).errors.len(), 2);
    assert_eq!(drops(&sim), vec![DropReason::Reset, DropReason::Closed]);
}

#[test]
fn close_reaches_the_peer_after_the_data() {
    let (mut sim, a, b, b_addr) = tcp_pair(2);
    sim.node_mut(a).send(Transport::Tcp, b_addr, "bye");
    sim.at(ms(30)).close(ConnectionId(0));
    sim.drive(1000).unwrap();
    assert_eq!(sim.node(a).closed, vec![ConnectionId(0)]);
    assert_eq!(sim.node(b).closed, vec![ConnectionId(1)]);
    assert_eq!(sim.node(b).stream_bytes(), b"bye");
    assert!(!sim.connections()[0].open);
}

#[test]
fn stream_loss_delays_but_never_loses() {
    let (mut sim, a, b, b_addr) = tcp_pair(4);
    sim.set_default_link(LinkConfig {
        loss: 0.5,
        ..LinkConfig::default()
    });
    let text: String = (0..200).map(|i| format!("{i},")).collect();
    sim.node_mut(a).send(Transport::Tcp, b_addr, &text);
    sim.drive(1000).unwrap();
    assert_eq!(sim.node(b).stream_bytes(), text.as_bytes());
    assert!(sim.trace().iter().any(|r| matches!(
        r.event,
        Event::Segment {
            retransmitted: true,
            ..
        }
    )));
    assert!(drops(&sim).is_empty());
}

#[test]
fn sending_on_someone_elses_connection_is_refused() {
    let (mut sim, a, b, b_addr) = tcp_pair(2);
    sim.node_mut(a).send(Transport::Tcp, b_addr, "x");
    sim.drive(100).unwrap();
    sim.node_mut(b).send_on(ConnectionId(0), "not mine");
    sim.node_mut(b).send_on(ConnectionId(77), "no such");
    sim.drive(100).unwrap();
    assert_eq!(drops(&sim), vec![DropReason::BadConnection; 2]);
}

#[test]
fn expectations_read_the_trace() {
    let mut sim = Sim::new(1);
    let server = SocketAddr::from(([10, 0, 0, 2], 5060));
    let c = sim.add_node_with("client", |local| {
        SelftestClient::new(local, server, Transport::Udp, 2)
    });
    let s = sim.add_node("server", SelftestServer::new());
    sim.at(Instant::ZERO).call(c, |c, now| c.start(now));
    sim.drive(1000).unwrap();
    sim.expect(s)
        .received(&["OPTIONS", "OPTIONS"])
        .sent(&["200 OK", "200 OK"]);
    sim.expect(c)
        .received_count("200 OK", 2)
        .event(&json!("done"))
        .event(&json!({ "answered": 2 }));
    let seen = sim.received(c);
    assert_eq!(seen[0].sent, ms(10));
    assert_eq!(seen[0].at, ms(20));
    assert_eq!(seen[0].from.as_deref(), Some("server"));
}

#[test]
#[should_panic(
    expected = "expectation failed for server at 0.020s: received [\"OPTIONS\"], expected [\"BYE\"]"
)]
fn failed_expectations_show_the_ladder() {
    let mut sim = Sim::new(1);
    let server = SocketAddr::from(([10, 0, 0, 2], 5060));
    let c = sim.add_node_with("client", |local| {
        SelftestClient::new(local, server, Transport::Udp, 1)
    });
    let s = sim.add_node("server", SelftestServer::new());
    sim.node_mut(c).start(Instant::ZERO);
    sim.drive(1000).unwrap();
    sim.expect(s).received(&["BYE"]);
}

#[test]
fn injected_datagrams_come_from_anywhere() {
    let (mut sim, _, b) = pair(1);
    let outside = SocketAddr::from(([192, 0, 2, 7], 5060));
    let b_addr = sim.addr(b);
    sim.at(ms(5))
        .inject(outside, b_addr, b"garbage\x00".to_vec());
    sim.drive(10).unwrap();
    assert_eq!(
        sim.node(b).datagrams,
        vec![(ms(15), outside, b"garbage\x00".to_vec())]
    );
    let seen = sim.received(b);
    assert_eq!(seen[0].from, None);
}

fn run_traced(seed: u64, faults: Faults, tcp: bool) -> (String, Vec<u8>) {
    let mut sim = Sim::new(seed);
    sim.set_default_link(LinkConfig {
        jitter: Duration::from_millis(15),
        ..LinkConfig::default()
    });
    sim.apply_faults(&faults);
    let server = SocketAddr::from(([10, 0, 0, 2], 5060));
    let transport = if tcp { Transport::Tcp } else { Transport::Udp };
    let c = sim.add_node_with("client", |local| {
        SelftestClient::new(local, server, transport, 4)
    });
    sim.add_node("server", SelftestServer::new());
    sim.at(Instant::ZERO).call(c, |c, now| c.start(now));
    sim.run_for(Duration::from_secs(60)).unwrap();
    let jsonl = sim.take_trace().to_jsonl();
    (
        jsonl,
        sim.node(c).answered().iter().map(|n| *n as u8).collect(),
    )
}

#[test]
fn same_seed_same_trace_bytes() {
    let faults = Faults {
        loss: 0.3,
        duplicate: 0.2,
        reorder: 0.2,
        jitter_ms: None,
    };
    for tcp in [false, true] {
        let (a, _) = run_traced(42, faults, tcp);
        let (b, _) = run_traced(42, faults, tcp);
        assert_eq!(a, b);
        let (c, _) = run_traced(43, faults, tcp);
        assert_ne!(a, c, "different seeds should differ under faults");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the faults, every datagram sent ends up delivered or
    /// dropped (twice when duplicated), and the trace is time-ordered.
    #[test]
    fn every_datagram_has_a_fate(seed in any::<u64>(), loss in 0.0..0.6f64, dup in 0.0..0.5f64, reorder in 0.0..0.5f64) {
        let faults = Faults { loss, duplicate: dup, reorder, jitter_ms: Some(7) };
        let (jsonl, _) = run_traced(seed, faults, false);
        let trace = Trace::from_jsonl(&jsonl).unwrap();
        let mut fates = std::collections::BTreeMap::<u64, i32>::new();
        let mut last = Instant::ZERO;
        for r in &trace.records {
            prop_assert!(r.t >= last);
            last = r.t;
            match r.event {
                Event::Send { msg, .. } => { fates.insert(msg, 1); }
                Event::Duplicate { msg } => *fates.get_mut(&msg).unwrap() += 1,
                Event::Deliver { msg, .. } | Event::Drop { msg, .. } => *fates.get_mut(&msg).unwrap() -= 1,
                _ => {}
            }
        }
        prop_assert!(fates.values().all(|v| *v == 0), "{fates:?}");
    }

    /// Stream bytes arrive complete and in order under any loss.
    #[test]
    fn streams_are_complete_and_ordered(seed in any::<u64>(), loss in 0.0..0.7f64) {
        let (jsonl, answered) = run_traced(seed, Faults { loss, ..Faults::NONE }, true);
        prop_assert_eq!(answered, vec![1, 2, 3, 4], "{}", jsonl);
    }
}
