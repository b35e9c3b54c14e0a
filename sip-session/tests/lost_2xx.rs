//! A 2xx to an INVITE or re-INVITE lost just before its session ends
//! (RFC 3261 §13.3.1.4): the callee keeps retransmitting it after the BYE,
//! until the ACK or 64*T1; the caller's re-INVITE that only saw a
//! provisional response is cancelled (§9.1) or completed by the late 2xx;
//! and nothing is left behind: no session, no 2xx held, no transaction.
//! Also a re-INVITE that never gets past a provisional response in a live
//! session: cancelled after `invite_timeout`, reported 487, the session
//! stays.

mod support;

use sip_core::message::Message;
use sip_core::time::{Duration, Instant};
use sip_core::{Method, StatusCode};
use sip_session::*;
use std::cell::Cell;
use std::rc::Rc;
use support::dialog::{answering, established, outcomes, reinvite};
use support::*;

const SECOND: Duration = Duration::from_secs(1);

/// The CSeq of a message: (number, method).
fn cseq(m: &Message) -> Option<(u32, String)> {
    let v = m.headers().get(&sip_core::header::HeaderName::CSeq)?;
    let mut it = v.split_whitespace();
    Some((it.next()?.parse().ok()?, it.next()?.to_owned()))
}

/// True for a 200 to an INVITE with CSeq number `min_seq` or more (2 and
/// more: a re-INVITE).
fn is_ok_to_invite(m: &Message, min_seq: u32) -> bool {
    matches!(m, Message::Response(r) if r.status == StatusCode::OK)
        && cseq(m).is_some_and(|(n, meth)| meth == "INVITE" && n >= min_seq)
}

/// The 200s to INVITEs with CSeq >= `min_seq` node `from` sent from `t` on.
fn oks_sent_after(net: &Net, from: usize, min_seq: u32, t: Instant) -> usize {
    net.wire
        .iter()
        .filter(|w| w.from == from && w.at >= t && is_ok_to_invite(&w.message, min_seq))
        .count()
}

/// Requests of `method` node `from` sent (copies included).
fn sent(net: &Net, from: usize, method: Method) -> Vec<(Instant, u32)> {
    net.wire
        .iter()
        .filter(|w| w.from == from)
        .filter_map(|w| match &w.message {
            Message::Request(r) if r.method == method => {
                Some((w.at, cseq(&w.message).map_or(0, |c| c.0)))
            }
            _ => None,
        })
        .collect()
}

/// When node `i`'s session `s` ended.
fn ended_at(net: &Net, i: usize, s: SessionId) -> Instant {
    net.nodes[i]
        .events
        .iter()
        .find_map(|(at, e)| match e {
            Event::Terminated { session, .. } if *session == s => Some(*at),
            _ => None,
        })
        .expect("the session ended")
}

/// Nothing left on either side once every timer played out.
fn assert_clean(net: &mut Net, nodes: &[usize]) {
    for &i in nodes {
        let name = net.nodes[i].name;
        let ua = net.ua(i);
        assert_eq!(ua.session_count(), 0, "{name}: sessions left");
        assert_eq!(ua.unacknowledged_2xx(), 0, "{name}: 2xx still held");
        let t = ua.transactions().stats();
        assert_eq!(
            t.client_transactions + t.server_transactions,
            t.terminated,
            "{name}: transactions left open"
        );
        assert_eq!(ua.poll_timeout(), None, "{name}: timers left");
    }
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

/// Drops the first `n` 200s to a re-INVITE (CSeq >= 2) that `from` sends.
fn drop_reinvite_oks(net: &mut Net, from: usize, n: usize) -> Rc<Cell<usize>> {
    let dropped = Rc::new(Cell::new(0));
    let d = dropped.clone();
    net.filter = Some(Box::new(move |sender, m| {
        if sender == from && is_ok_to_invite(m, 2) && d.get() < n {
            d.set(d.get() + 1);
            return false;
        }
        true
    }));
    dropped
}

/// Alice re-INVITEs, Bob's 200 is lost twice; once Alice has Bob's 100,
/// Alice hangs up. Bob, whose session ends on the BYE, keeps
/// retransmitting the 200; Alice, who cancels her re-INVITE (a
/// provisional came, §9.1), ACKs the 200 when it gets through: her
/// re-INVITE completes, and both sides end clean.
#[test]
fn lost_reinvite_2xx_then_caller_byes() {
    let (mut net, alice, bob, call, inv) = established(3, Impairments::PERFECT);
    net.set_policy(bob, answering(sdp("bob", "answer")));
    let dropped = drop_reinvite_oks(&mut net, bob, 2);
    reinvite(&mut net, alice, call, Some(sdp("alice", "hold"))).unwrap();
    assert!(net.run_until(SECOND, |_| dropped.get() == 1));
    // Alice has Bob's 100.
    net.run_for(Duration::from_millis(10));
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    net.run_for(SECOND / 10);
    assert_eq!(net.cause(bob, inv), Some(TerminationCause::RemoteBye));
    let bob_ended = ended_at(&net, bob, inv);
    assert_eq!(net.ua(bob).session_count(), 0, "Bob's session is freed");
    assert_eq!(net.ua(bob).unacknowledged_2xx(), 1, "but its 200 is held");
    // Alice's ended session is kept while her re-INVITE is pending; it
    // had Bob's 100, so it is cancelled.
    assert_eq!(net.ua(alice).session_count(), 1);
    assert_eq!(sent(&net, alice, Method::Cancel).len(), 1);
    net.run_for(SECOND * 5);
    assert!(
        oks_sent_after(&net, bob, 2, bob_ended) >= 2,
        "{:?}",
        net.methods(bob)
    );
    assert_eq!(dropped.get(), 2);
    // The third 200 got through: Alice ACKed it (CSeq of the re-INVITE)
    // and Bob forgot it.
    let acks = sent(&net, alice, Method::Ack);
    assert!(
        acks.iter().any(|&(at, n)| n == 2 && at > bob_ended),
        "{acks:?}"
    );
    assert_eq!(net.ua(bob).unacknowledged_2xx(), 0);
    let retransmissions = net.methods(bob).iter().filter(|m| *m == "200").count();
    net.run_for(SECOND * 70);
    // No retransmission after the ACK (the other 200s answer BYE, CANCEL).
    assert_eq!(
        net.methods(bob).iter().filter(|m| *m == "200").count(),
        retransmissions
    );
    assert_eq!(net.cause(alice, call), Some(TerminationCause::Bye));
    assert_clean(&mut net, &[alice, bob]);
}

/// Bob answers Alice's re-INVITE and hangs up at once; his 200 is lost
/// twice. His session ends, the 200 keeps going until Alice's ACK; Alice
/// (who had the 100) cancels her re-INVITE on Bob's BYE and ACKs the late
/// 200.
#[test]
fn lost_reinvite_2xx_then_callee_byes() {
    let (mut net, alice, bob, call, inv) = established(4, Impairments::PERFECT);
    let dropped = drop_reinvite_oks(&mut net, bob, 2);
    net.set_policy(
        bob,
        Box::new(move |ua, now, e| {
            if let Event::Reinvite { session } = e {
                let mut s = ua.session_mut(*session).unwrap();
                s.accept_reinvite(now, Some(sdp("bob", "answer"))).unwrap();
                s.bye(now, ByeOptions::default()).unwrap();
            }
        }),
    );
    reinvite(&mut net, alice, call, Some(sdp("alice", "hold"))).unwrap();
    net.run_for(SECOND / 10);
    assert_eq!(net.cause(bob, inv), Some(TerminationCause::Bye));
    assert_eq!(net.cause(alice, call), Some(TerminationCause::RemoteBye));
    let bob_ended = ended_at(&net, bob, inv);
    assert_eq!(net.ua(bob).session_count(), 0);
    assert_eq!(net.ua(bob).unacknowledged_2xx(), 1);
    assert_eq!(sent(&net, alice, Method::Cancel).len(), 1);
    net.run_for(SECOND * 5);
    assert_eq!(dropped.get(), 2);
    assert!(oks_sent_after(&net, bob, 2, bob_ended) >= 2);
    assert!(sent(&net, alice, Method::Ack).iter().any(|&(_, n)| n == 2));
    assert_eq!(net.ua(bob).unacknowledged_2xx(), 0);
    // Alice's ended session got no outcome event for the re-INVITE.
    assert!(outcomes(&net, alice, call, Method::Invite).is_empty());
    net.run_for(SECOND * 70);
    assert_clean(&mut net, &[alice, bob]);
}

/// Every 200 to the re-INVITE is lost: after Alice's BYE Bob retransmits
/// it at T1, 2T1, ... T2 until 64*T1 after the first, then forgets it
/// (no BYE: the session is over). Alice hung up before Bob's 100 came:
/// her ended session gives the 200 64*T1 to arrive, then cancels the
/// re-INVITE (§9.1), and destroys it 64*T1 later without final response.
#[test]
fn reinvite_2xx_never_acked_is_forgotten_after_64_t1() {
    let (mut net, alice, bob, call, inv) = established(5, Impairments::PERFECT);
    net.set_policy(bob, answering(sdp("bob", "answer")));
    let _dropped = drop_reinvite_oks(&mut net, bob, usize::MAX);
    reinvite(&mut net, alice, call, Some(sdp("alice", "hold"))).unwrap();
    let ok = |n: &Net| n.wire.iter().any(|w| is_ok_to_invite(&w.message, 2));
    assert!(net.run_until(SECOND, ok));
    let first_ok = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .bye(first_ok, ByeOptions::default())
        .unwrap();
    net.run_for(SECOND / 10);
    assert_eq!(net.cause(bob, inv), Some(TerminationCause::RemoteBye));
    assert_eq!(net.ua(bob).unacknowledged_2xx(), 1);
    // Bob's 100 came after the BYE: no CANCEL yet.
    assert!(sent(&net, alice, Method::Cancel).is_empty());
    net.run_for(SECOND * 31);
    assert_eq!(net.ua(bob).unacknowledged_2xx(), 1, "still within 64*T1");
    assert!(sent(&net, alice, Method::Cancel).is_empty());
    net.run_for(SECOND * 2);
    assert_eq!(net.ua(bob).unacknowledged_2xx(), 0, "forgotten after 64*T1");
    // The 200 at 0, then 0.5, 1.5, 3.5, 7.5, 11.5, ... 31.5 s.
    let oks = oks_sent_after(&net, bob, 2, first_ok);
    assert_eq!(oks, 11, "{:?}", net.methods(bob));
    assert!(!net.methods(bob).iter().any(|m| m == "BYE"));
    // 64*T1 after the BYE, Alice cancels; the CANCEL gets its 200, the
    // re-INVITE nothing.
    let cancels = sent(&net, alice, Method::Cancel);
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0].0, first_ok + SECOND * 32);
    assert!(!sent(&net, alice, Method::Ack).iter().any(|&(_, n)| n == 2));
    net.run_for(SECOND * 29);
    assert_eq!(
        net.ua(alice).session_count(),
        1,
        "kept while the re-INVITE lives"
    );
    net.run_for(SECOND * 3);
    assert_eq!(net.ua(alice).session_count(), 0, "64*T1 after the CANCEL");
    assert_eq!(net.ua(alice).abandoned_transactions(), 0);
    net.run_for(SECOND * 40);
    assert_clean(&mut net, &[alice, bob]);
}

/// The ACK of the initial INVITE's 2xx is lost and the caller hangs up:
/// the callee's session ends on the BYE, and its 2xx is retransmitted
/// until the ACK gets through, as for a re-INVITE.
#[test]
fn lost_ack_of_initial_2xx_then_caller_byes() {
    let mut net = Net::new(6, Impairments::PERFECT);
    let alice = net.add("alice", 61, |_| {});
    let bob = net.add("bob", 62, |_| {});
    let acks = Rc::new(Cell::new(0));
    let a = acks.clone();
    net.filter = Some(Box::new(move |_, m| {
        if !matches!(m, Message::Request(r) if r.method == Method::Ack) {
            return true;
        }
        // The first two ACKs are lost.
        a.set(a.get() + 1);
        a.get() > 2
    }));
    let (call, inv) = net.establish(alice, bob, SECOND);
    assert_eq!(acks.get(), 1);
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    net.run_for(SECOND / 10);
    assert_eq!(net.cause(bob, inv), Some(TerminationCause::RemoteBye));
    let bob_ended = ended_at(&net, bob, inv);
    assert_eq!(net.ua(bob).unacknowledged_2xx(), 1);
    net.run_for(SECOND * 3);
    // Retransmitted at 0.5 s (its ACK lost again) and 1.5 s (ACKed).
    assert_eq!(oks_sent_after(&net, bob, 1, bob_ended), 2);
    assert_eq!(acks.get(), 3);
    assert_eq!(net.ua(bob).unacknowledged_2xx(), 0);
    net.run_for(SECOND * 70);
    assert_eq!(oks_sent_after(&net, bob, 1, bob_ended), 2);
    assert!(net.ua(bob).session(inv).is_none());
    assert_clean(&mut net, &[alice, bob]);
}

/// A re-INVITE the peer leaves at 100 in a live session: cancelled once
/// `invite_timeout` passed (the bound of an initial INVITE), answered 487
/// by the peer (RFC 3261 §9.2), reported as 487; both sessions stay up
/// and the next re-INVITE works.
#[test]
fn reinvite_without_final_response_is_cancelled_after_invite_timeout() {
    let mut net = Net::new(7, Impairments::PERFECT);
    let alice = net.add("alice", 71, |c| c.invite_timeout = Duration::from_secs(10));
    let bob = net.add("bob", 72, |c| {
        c.request_answer_timeout = Duration::from_secs(600)
    });
    let call = establish(&mut net, alice, bob);
    let inv = net.invitation(bob).unwrap();
    let t0 = net.now;
    reinvite(&mut net, alice, call, Some(sdp("alice", "hold"))).unwrap();
    net.run_for(SECOND * 9);
    assert!(sent(&net, alice, Method::Cancel).is_empty());
    net.run_for(SECOND * 2);
    let cancels = sent(&net, alice, Method::Cancel);
    assert_eq!(cancels.len(), 1);
    assert!(cancels[0].0 >= t0 + SECOND * 10);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [487]);
    assert!(net
        .events(bob)
        .any(|e| matches!(e, Event::Cancel { session } if *session == inv)));
    assert_eq!(net.state(alice, call), SessionState::Established);
    assert_eq!(net.state(bob, inv), SessionState::Established);
    assert_eq!(
        net.ua(alice).session(call).unwrap().signaling_state(),
        SignalingState::Stable
    );
    assert_eq!(
        net.ua(bob).session(inv).unwrap().signaling_state(),
        SignalingState::Stable
    );
    // Too late to accept it now.
    let now = net.now;
    assert!(net
        .ua(bob)
        .session_mut(inv)
        .unwrap()
        .accept_reinvite(now, Some(sdp("bob", "answer")))
        .is_err());
    net.set_policy(bob, answering(sdp("bob", "answer")));
    reinvite(&mut net, alice, call, Some(sdp("alice", "unhold"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [487, 200]);
    hang_up_and_settle(&mut net, alice, call);
    assert_clean(&mut net, &[alice, bob]);
}

/// The same, but the peer's 487 never arrives: 64*T1 after the CANCEL the
/// re-INVITE is considered cancelled (§9.1), its transaction destroyed,
/// and reported 487; the session stays up (only a re-INVITE without any
/// response, 408 from Timer B, ends it: RFC 5057 §5.1).
#[test]
fn cancelled_reinvite_without_487_is_abandoned_after_64_t1() {
    let mut net = Net::new(8, Impairments::PERFECT);
    let alice = net.add("alice", 81, |c| c.invite_timeout = Duration::from_secs(10));
    let bob = net.add("bob", 82, |c| {
        c.request_answer_timeout = Duration::from_secs(600)
    });
    let call = establish(&mut net, alice, bob);
    let inv = net.invitation(bob).unwrap();
    net.filter = Some(Box::new(move |from, m| {
        !(from == bob
            && matches!(m, Message::Response(r) if r.status == StatusCode::REQUEST_TERMINATED))
    }));
    reinvite(&mut net, alice, call, Some(sdp("alice", "hold"))).unwrap();
    net.run_for(SECOND * 11);
    let cancel_at = sent(&net, alice, Method::Cancel)[0].0;
    assert!(outcomes(&net, alice, call, Method::Invite).is_empty());
    net.run_for(cancel_at + SECOND * 31 - net.now);
    assert!(outcomes(&net, alice, call, Method::Invite).is_empty());
    net.run_for(SECOND * 2);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [487]);
    assert_eq!(net.state(alice, call), SessionState::Established);
    assert_eq!(net.state(bob, inv), SessionState::Established);
    assert_eq!(
        net.ua(alice).session(call).unwrap().signaling_state(),
        SignalingState::Stable
    );
    net.filter = None;
    hang_up_and_settle(&mut net, alice, call);
    let t = net.ua(alice).transactions().stats();
    assert_eq!(t.client_transactions + t.server_transactions, t.terminated);
    assert_eq!(net.ua(alice).session_count(), 0);
    assert_eq!(net.ua(bob).session_count(), 0);
}

/// Alice calls Bob, who accepts: both Established.
fn establish(net: &mut Net, alice: usize, bob: usize) -> SessionId {
    let (call, _) = net.establish(alice, bob, SECOND);
    net.run_for(SECOND);
    call
}

fn hang_up_and_settle(net: &mut Net, i: usize, s: SessionId) {
    let now = net.now;
    net.ua(i)
        .session_mut(s)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    net.run_for(SECOND * 80);
}
