//! The sip-core transaction layer driven through the harness: timer
//! schedules seen on the simulated wire, retransmissions absorbed, and
//! transport errors mapped by the adapter.

use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transport::Transport;
use sip_harness::scenarios::txn::{finish, setup, InviteAnswer, UacPlan, NO_INVITE};
use sip_harness::sim::{Faults, Sim};

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

/// Send times (ms) of node `id`'s messages with this label.
fn sends(sim: &Sim, id: impl Into<sip_harness::NodeId>, label: &str) -> Vec<u64> {
    sim.sent(id)
        .iter()
        .filter(|s| s.label() == label)
        .map(|s| s.sent.as_millis())
        .collect()
}

const RING: InviteAnswer = InviteAnswer {
    ring: Duration::from_secs(1),
    status: StatusCode::OK,
};

#[test]
fn timer_a_doubles_while_the_invite_is_lost() {
    let mut sim = Sim::new(1);
    let (alice, bob) = setup(
        &mut sim,
        &Faults::NONE,
        Transport::Udp,
        UacPlan::Invite,
        RING,
    );
    sim.partition(alice, bob, ms(0), ms(2000));
    finish(&mut sim, (alice, bob), &[200], &["INVITE"]).unwrap();
    // RFC 3261 §17.1.1.2: T1, 2*T1, 4*T1 ... from the first send.
    assert_eq!(sends(&sim, alice, "INVITE"), [0, 500, 1500, 3500]);
    sim.expect(bob).received(&["INVITE", "ACK"]);
}

#[test]
fn timer_e_doubles_up_to_t2() {
    let mut sim = Sim::new(1);
    let (alice, bob) = setup(
        &mut sim,
        &Faults::NONE,
        Transport::Udp,
        UacPlan::Messages(1),
        NO_INVITE,
    );
    sim.partition(alice, bob, ms(0), ms(10_000));
    let p = (alice, bob);
    sim.run_for(Duration::from_secs(20)).unwrap();
    // §17.1.2.2: intervals 0.5, 1, 2, 4, then capped at T2 = 4 s.
    assert_eq!(
        sends(&sim, alice, "MESSAGE"),
        [0, 500, 1500, 3500, 7500, 11_500]
    );
    finish(&mut sim, p, &[200], &["MESSAGE"]).unwrap();
}

#[test]
fn the_uas_core_retransmits_its_2xx_until_the_ack() {
    let mut sim = Sim::new(1);
    let (alice, bob) = setup(
        &mut sim,
        &Faults::NONE,
        Transport::Udp,
        UacPlan::Invite,
        RING,
    );
    // Bob's 2xx does not get through between 1 s and 4 s.
    let (b, a) = (sim.addr(bob).ip(), sim.addr(alice).ip());
    sim.link_mut(b, a).partitions.push((ms(1000), ms(4000)));
    finish(&mut sim, (alice, bob), &[200], &["INVITE"]).unwrap();
    // §13.3.1.4: T1, 2*T1, 4*T1 after the first 2xx at 1.020 s.
    assert_eq!(sends(&sim, bob, "200 OK"), [1020, 1520, 2520, 4520]);
    assert_eq!(sends(&sim, alice, "ACK"), [4540]);
    sim.expect(alice).received(&["180 Ringing", "200 OK"]);
}

#[test]
fn the_transaction_absorbs_retransmitted_requests() {
    let mut sim = Sim::new(1);
    let (alice, bob) = setup(
        &mut sim,
        &Faults::NONE,
        Transport::Udp,
        UacPlan::Messages(1),
        NO_INVITE,
    );
    // The 200 is lost twice: bob sees three MESSAGEs on the wire, its core
    // one; the server transaction answers the retransmissions itself.
    let (b, a) = (sim.addr(bob).ip(), sim.addr(alice).ip());
    sim.link_mut(b, a).partitions.push((ms(0), ms(1000)));
    finish(&mut sim, (alice, bob), &[200], &["MESSAGE"]).unwrap();
    sim.expect(bob)
        .received(&["MESSAGE", "MESSAGE", "MESSAGE"])
        .sent(&["200 OK", "200 OK", "200 OK"]);
}

#[test]
fn total_loss_ends_in_timer_f() {
    let mut sim = Sim::new(1);
    let p = setup(
        &mut sim,
        &Faults {
            loss: 1.0,
            ..Faults::NONE
        },
        Transport::Udp,
        UacPlan::Messages(1),
        NO_INVITE,
    );
    let err = finish(&mut sim, p, &[200], &["MESSAGE"]).unwrap_err();
    assert_eq!(err, "alice: Timer F fired");
    sim.expect(p.0)
        .event(&serde_json::json!({ "txn": "timeout Timer F" }));
}

#[test]
fn a_refused_connection_fails_the_client_transaction() {
    let mut sim = Sim::new(1);
    let p = setup(
        &mut sim,
        &Faults::NONE,
        Transport::Tcp,
        UacPlan::Messages(1),
        NO_INVITE,
    );
    let bob_addr = sim.addr(p.1);
    sim.refuse_connections(bob_addr, true);
    let err = finish(&mut sim, p, &[200], &["MESSAGE"]).unwrap_err();
    assert_eq!(err, "alice: transport error: connection refused");
}

#[test]
fn a_reset_connection_fails_the_calling_transaction() {
    let mut sim = Sim::new(1);
    let p = setup(
        &mut sim,
        &Faults::NONE,
        Transport::Tcp,
        UacPlan::Invite,
        RING,
    );
    // Connected at 40 ms, the INVITE would arrive at 60 ms.
    sim.at(ms(50)).reset(sip_core::transport::ConnectionId(0));
    let err = finish(&mut sim, p, &[200], &["INVITE"]).unwrap_err();
    assert_eq!(err, "alice: transport error: connection reset");
    sim.expect(p.1).received(&[]);
}

/// RFC 3261 §18.2.2: when the connection a request came on is gone, the
/// response goes on a new connection to the `received` address and the
/// *sent-by* port; RFC 3581 §4 applies `rport` to unreliable transports
/// only.
#[test]
fn after_a_reset_the_2xx_comes_back_on_a_new_connection_to_the_sent_by_port() {
    let mut sim = Sim::new(1);
    let answer = InviteAnswer {
        ring: Duration::from_secs(5),
        status: StatusCode::OK,
    };
    let p = setup(
        &mut sim,
        &Faults::NONE,
        Transport::Tcp,
        UacPlan::Invite,
        answer,
    );
    sim.at(ms(2000)).reset(sip_core::transport::ConnectionId(0));
    finish(&mut sim, p, &[200], &["INVITE"]).unwrap();
    let second = sim.connections()[1];
    assert_eq!(second.server_addr, sim.addr(p.0));
}

#[test]
fn invite_ladder_with_retransmissions() {
    let mut sim = Sim::new(1);
    let (alice, bob) = setup(
        &mut sim,
        &Faults::NONE,
        Transport::Udp,
        UacPlan::Invite,
        RING,
    );
    sim.partition(alice, bob, ms(0), ms(700));
    let (b, a) = (sim.addr(bob).ip(), sim.addr(alice).ip());
    sim.link_mut(b, a).partitions.push((ms(1500), ms(2100)));
    finish(&mut sim, (alice, bob), &[200], &["INVITE"]).unwrap();
    insta::assert_snapshot!(sim.ladder());
}
