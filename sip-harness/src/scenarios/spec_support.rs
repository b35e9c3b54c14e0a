//! What the ports of SIP.js's spec checklists share: the phones (Alice,
//! Bob, Carol as [`UaNode`]s), waiting and acting in virtual time, and
//! the checks of states, statuses and the messages on the wire (exact on
//! a perfect network, skipped under faults), and [`finish`], which hangs
//! up, lets every timer play out and checks that nothing is left and that
//! every request got a final response.
//!
//! Used by [`super::in_dialog_spec`] and [`super::session_spec`].

use crate::adapters::ua::UaNode;
use crate::sim::{NodeRef, Sim};
use sip_core::method::Method;
use sip_core::parse::{parse_datagram, ParserConfig, StartLine};
use sip_core::time::{Duration, Instant};
use sip_core::uri::Uri;
use sip_session::{
    ByeOptions, Event, SessionId, SessionState, SignalingState, TerminationCause, UserAgent,
};
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;

pub(crate) const ALICE: ([u8; 4], u16) = ([10, 0, 0, 1], 5060);
pub(crate) const BOB: ([u8; 4], u16) = ([10, 0, 0, 2], 5060);
pub(crate) const CAROL: ([u8; 4], u16) = ([10, 0, 0, 3], 5060);

pub(crate) type Outcome = Result<(), String>;

/// Alice, Bob and (when a case needs her) Carol.
#[derive(Clone, Copy)]
pub(crate) struct Phones {
    pub(crate) alice: NodeRef<UaNode>,
    pub(crate) bob: NodeRef<UaNode>,
    pub(crate) carol: Option<NodeRef<UaNode>>,
    /// The third phone's user name, for messages.
    pub(crate) carol_name: &'static str,
    /// Perfect network: check exact message sequences.
    pub(crate) strict: bool,
}

/// A phone and its user's name, for messages.
pub(crate) type Side = (NodeRef<UaNode>, &'static str);

impl Phones {
    /// The side that acts and its peer: Alice and Bob, or Bob and Alice.
    pub(crate) fn sides(&self, from_alice: bool) -> (Side, Side) {
        let (alice, bob) = ((self.alice, "Alice"), (self.bob, "Bob"));
        if from_alice {
            (alice, bob)
        } else {
            (bob, alice)
        }
    }

    pub(crate) fn all(&self) -> Vec<(NodeRef<UaNode>, &'static str)> {
        let mut v = vec![(self.alice, "Alice"), (self.bob, "Bob")];
        if let Some(c) = self.carol {
            v.push((c, self.carol_name));
        }
        v
    }
}

pub(crate) fn uri(user: &str, addr: ([u8; 4], u16)) -> Uri {
    Uri::parse(&format!("sip:{user}@{}", SocketAddr::from(addr))).expect("static URI")
}

/// The first session of `node`.
pub(crate) fn first_session(sim: &Sim, node: NodeRef<UaNode>) -> Option<SessionId> {
    sim.node(node).outcomes().next().map(|o| o.session)
}

/// Runs until Alice's call with Bob is up on both sides (Bob got the ACK)
/// and returns the two sessions.
pub(crate) fn up(sim: &mut Sim, p: &Phones) -> Result<(SessionId, SessionId), String> {
    let (alice, bob) = (p.alice, p.bob);
    wait(sim, 60, "the call to be set up", move |s| {
        let acked = s
            .node(bob)
            .events()
            .iter()
            .any(|(_, e)| matches!(e, Event::Ack { .. }));
        acked && state(s, alice, first_session(s, alice)).0 == Some(SessionState::Established)
    })?;
    let a = first_session(sim, alice).ok_or("Alice has no session")?;
    let b = first_session(sim, bob).ok_or("Bob has no session")?;
    // What follows starts on a quiet line.
    pass(sim, 0.5)?;
    Ok((a, b))
}

/// Runs until `pred` holds, at most `secs` seconds of virtual time.
pub(crate) fn wait(sim: &mut Sim, secs: u64, what: &str, pred: impl Fn(&Sim) -> bool) -> Outcome {
    let deadline = sim.now() + Duration::from_secs(secs);
    sim.at(deadline).act(|_| {});
    sim.run_until(|s| pred(s) || s.now() >= deadline)
        .map_err(|e| e.to_string())?;
    if pred(sim) {
        Ok(())
    } else {
        Err(format!("at {}: gave up waiting for {what}", sim.now()))
    }
}

/// Runs `f` on `node`'s agent now (and what follows at the same instant)
/// and returns its result.
pub(crate) fn act<R: 'static>(
    sim: &mut Sim,
    node: NodeRef<UaNode>,
    label: &str,
    f: impl FnOnce(&mut UserAgent, Instant) -> R + 'static,
) -> Result<R, String> {
    let slot: Rc<RefCell<Option<R>>> = Rc::new(RefCell::new(None));
    let out = slot.clone();
    sim.at(sim.now()).label(label).call(node, move |n, now| {
        let r = n.act(now, f);
        *out.borrow_mut() = Some(r);
    });
    sim.run_until(|_| slot.borrow().is_some())
        .map_err(|e| e.to_string())?;
    let r = slot.borrow_mut().take();
    r.ok_or_else(|| format!("{label}: the action did not run"))
}

/// Lets `secs` of virtual time pass.
pub(crate) fn pass(sim: &mut Sim, secs: f64) -> Outcome {
    sim.run_for(Duration::from_millis((secs * 1000.0) as u64))
        .map_err(|e| e.to_string())
}

/// A session's state and offer/answer state (`None` once it is gone).
pub(crate) fn state(
    sim: &Sim,
    node: NodeRef<UaNode>,
    id: Option<SessionId>,
) -> (Option<SessionState>, Option<SignalingState>) {
    match id.and_then(|id| sim.node(node).ua().session(id)) {
        Some(s) => (Some(s.state()), Some(s.signaling_state())),
        None => (None, None),
    }
}

/// Checks a session's state and offer/answer state. Under faults it may
/// take a while to get there (an ACK carrying the answer retransmitted,
/// RFC 3261 §13.3.1.4): up to 40 s are waited for.
pub(crate) fn expect_state(
    sim: &mut Sim,
    p: &Phones,
    node: NodeRef<UaNode>,
    who: &str,
    id: SessionId,
    want: SessionState,
    signaling: SignalingState,
) -> Outcome {
    let wanted = (Some(want), Some(signaling));
    if !p.strict {
        let _ = wait(sim, 40, "the state", move |s| {
            state(s, node, Some(id)) == wanted
        });
    }
    let got = state(sim, node, Some(id));
    if got != wanted {
        return Err(format!(
            "at {}: {who}'s session is {got:?}, expected {want:?} / {signaling:?}",
            sim.now()
        ));
    }
    Ok(())
}

/// The states session `id` of `node` went through.
pub(crate) fn path(sim: &Sim, node: NodeRef<UaNode>, id: SessionId) -> Vec<SessionState> {
    sim.node(node)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::StateChanged { session, to, .. } if *session == id => Some(*to),
            _ => None,
        })
        .collect()
}

/// Why session `id` of `node` ended, if it did.
pub(crate) fn ended(sim: &Sim, node: NodeRef<UaNode>, id: SessionId) -> Option<TerminationCause> {
    sim.node(node)
        .outcomes()
        .find(|o| o.session == id)
        .and_then(|o| o.ended)
}

/// The final statuses `node` got for its in-dialog `method` requests.
pub(crate) fn finals(sim: &Sim, node: NodeRef<UaNode>, m: &Method) -> Vec<u16> {
    sim.node(node)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::RequestOutcome { method, status, .. } if method == m => Some(status.as_u16()),
            _ => None,
        })
        .collect()
}

/// The method of a request, the code of a response.
pub(crate) fn label(data: &[u8]) -> String {
    match parse_datagram(data, &ParserConfig::default()) {
        Ok(v) => match v.start {
            StartLine::Request { method, .. } => method.to_owned(),
            StartLine::Response { code, .. } => code.to_string(),
        },
        Err(_) => "?".to_owned(),
    }
}

/// What `node` sent and received from `from` on (before `to`, if given),
/// retransmissions (byte-identical copies) left out.
pub(crate) fn wire(
    sim: &Sim,
    node: NodeRef<UaNode>,
    from: Instant,
    to: Option<Instant>,
) -> (Vec<String>, Vec<String>) {
    let inside = |t: Instant| t >= from && to.is_none_or(|to| t < to);
    let labels = |seen: Vec<crate::sim::Seen>, sent: bool| {
        let mut copies = std::collections::BTreeSet::new();
        seen.into_iter()
            .filter(|m| inside(if sent { m.sent } else { m.at }))
            .filter(|m| copies.insert(m.data.clone()))
            .map(|m| label(&m.data))
            .collect()
    };
    (
        labels(sim.sent(node), true),
        labels(sim.received(node), false),
    )
}

/// On a perfect network: `node` sent exactly `sent` and received exactly
/// `received` from `from` on (before `to`).
pub(crate) fn expect_wire(
    sim: &Sim,
    p: &Phones,
    node: NodeRef<UaNode>,
    who: &str,
    window: (Instant, Option<Instant>),
    sent: &[&str],
    received: &[&str],
) -> Outcome {
    if !p.strict {
        return Ok(());
    }
    let (s, r) = wire(sim, node, window.0, window.1);
    if s != sent || r != received {
        return Err(format!(
            "{who} sent {s:?} and received {r:?}; expected {sent:?} and {received:?}\n{}",
            sim.ladder()
        ));
    }
    Ok(())
}

/// On a perfect network, from `since` on: `from` sent exactly `sent` and
/// received exactly `received`, and `to` the mirror image (it received
/// what `from` sent and sent what `from` received).
pub(crate) fn expect_between(
    sim: &Sim,
    p: &Phones,
    (from, who): Side,
    (to, them): Side,
    since: Instant,
    sent: &[&str],
    received: &[&str],
) -> Outcome {
    let w = (since, None);
    expect_wire(sim, p, from, who, w, sent, received)?;
    expect_wire(sim, p, to, them, w, received, sent)
}

/// [`expect_between`] Alice and Bob: what Alice sent and received from
/// `since` on.
pub(crate) fn expect_exchange(
    sim: &Sim,
    p: &Phones,
    since: Instant,
    alice_sent: &[&str],
    alice_received: &[&str],
) -> Outcome {
    let (alice, bob) = p.sides(true);
    expect_between(sim, p, alice, bob, since, alice_sent, alice_received)
}

/// Alice's session `a` and Bob's `b` are both Established with
/// offer/answer Stable (see [`expect_state`]).
pub(crate) fn expect_both_stable(sim: &mut Sim, p: &Phones, a: SessionId, b: SessionId) -> Outcome {
    let (up, stable) = (SessionState::Established, SignalingState::Stable);
    expect_state(sim, p, p.alice, "Alice", a, up, stable)?;
    expect_state(sim, p, p.bob, "Bob", b, up, stable)
}

/// Session `id` of `who` ended with `want`.
pub(crate) fn expect_ended(
    sim: &Sim,
    (node, who): Side,
    id: SessionId,
    want: TerminationCause,
) -> Outcome {
    let got = ended(sim, node, id);
    check(got == Some(want), || {
        format!("{who}'s session ended {got:?}, expected {want:?}")
    })
}

/// Runs until `node` got a final response to an in-dialog `m` request, at
/// most `secs` seconds.
pub(crate) fn wait_final(sim: &mut Sim, node: NodeRef<UaNode>, m: Method, secs: u64) -> Outcome {
    let what = format!("the {m}'s final response");
    wait(sim, secs, &what, move |s| !finals(s, node, &m).is_empty())
}

/// Checks `cond`, or fails with `msg`.
pub(crate) fn check(cond: bool, msg: impl FnOnce() -> String) -> Outcome {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

/// `node`'s session description.
pub(crate) fn description(sim: &Sim, node: NodeRef<UaNode>) -> sip_session::Body {
    sim.node(node)
        .policy()
        .sdp
        .clone()
        .expect("every phone has a description")
}

/// Hangs up `node`'s session `id` if it is still up.
pub(crate) fn hang_up(sim: &mut Sim, node: NodeRef<UaNode>, who: &str, id: SessionId) -> Outcome {
    act(sim, node, &format!("{who} hangs up"), move |ua, now| {
        if let Some(mut s) = ua.session_mut(id) {
            if s.state() == SessionState::Established {
                let _ = s.bye(now, ByeOptions::default());
            }
        }
    })
}

/// The end of every case: `first` hangs up whatever is still up, then
/// the others; every session must end, and once the timers played out no
/// session, request or unanswered request may be left.
pub(crate) fn finish(sim: &mut Sim, p: &Phones, first: NodeRef<UaNode>) -> Outcome {
    finish_excusing(sim, p, first, None)
}

/// [`finish`], where `timed_out` requests of one phone ended by timeout
/// (Timer F, RFC 3261 §17.1.2.2) without a final response.
pub(crate) fn finish_excusing(
    sim: &mut Sim,
    p: &Phones,
    first: NodeRef<UaNode>,
    timed_out: Option<(NodeRef<UaNode>, usize)>,
) -> Outcome {
    finish_with(sim, p, first, |_, n| match timed_out {
        Some((t, k)) if t.id() == n.id() => k,
        _ => 0,
    })
}

/// [`finish`], where a request still waiting for its final response is
/// excused when some node sent one (its top Via branch) and the network
/// lost every copy, so that Timer F ended it (RFC 3261 §17.1.2.2): the
/// peer did answer. For paths through a proxy under heavy loss.
pub(crate) fn finish_answered_on_wire(
    sim: &mut Sim,
    p: &Phones,
    first: NodeRef<UaNode>,
) -> Outcome {
    finish_with(sim, p, first, |s, n| {
        s.node(n)
            .awaiting_branches()
            .filter(|b| answered_on_wire(s, b))
            .count()
    })
}

/// Whether any node sent a final response whose top Via has `branch`.
fn answered_on_wire(sim: &Sim, branch: &str) -> bool {
    sim.node_ids().any(|id| {
        sim.sent(id).iter().any(|m| {
            parse_datagram(&m.data, &ParserConfig::default()).is_ok_and(|v| {
                matches!(v.start, StartLine::Response { code: 200.., .. })
                    && v.transaction_fields().and_then(|f| f.branch) == Some(branch)
            })
        })
    })
}

/// [`finish`], `excused(sim, node)` requests of each node excused.
fn finish_with(
    sim: &mut Sim,
    p: &Phones,
    first: NodeRef<UaNode>,
    excused: impl Fn(&Sim, NodeRef<UaNode>) -> usize,
) -> Outcome {
    let mut order = p.all();
    order.sort_by_key(|(n, _)| n.id() != first.id());
    for (n, who) in order {
        let ids: Vec<SessionId> = sim.node(n).ua().sessions().collect();
        for id in ids {
            hang_up(sim, n, who, id)?;
        }
        pass(sim, 2.0)?;
    }
    let nodes: Vec<_> = p.all();
    let all = nodes.clone();
    wait(sim, 120, "every session to end", move |s| {
        all.iter()
            .all(|&(n, _)| s.node(n).outcomes().all(|o| o.ended.is_some()))
    })?;
    pass(sim, 40.0)?;
    for (n, who) in nodes {
        let excused = excused(sim, n);
        let node = sim.node(n);
        check(node.ua().session_count() == 0, || {
            format!("{who}: sessions still held after all timers")
        })?;
        let t = node.ua().transactions().stats();
        let open = t.client_transactions + t.server_transactions - t.terminated;
        check(open == 0, || {
            format!("{who}: {open} transaction(s) still open after all timers")
        })?;
        check(node.ua().pending_requests() == 0, || {
            format!("{who}: requests still waiting for the application")
        })?;
        check(node.awaiting_responses() == excused, || {
            format!(
                "{who}: {} request(s) never got a final response\n{}",
                node.awaiting_responses(),
                sim.ladder()
            )
        })?;
    }
    Ok(())
}
