//! SIP.js's `subscription.spec.ts` checklist, case by case, as harness
//! scenarios: our Subscriber (Alice) against our Notifier (Bob's phone,
//! its application scripted here) where a well-behaved notifier does, and
//! against the [`ScriptedNotifier`] fixture where the case needs a
//! notifier that stays silent, challenges, refuses, or sends a NOTIFY
//! with a wrong Event or without Subscription-State. Each case names the
//! SIP.js case it ports and checks the RFC 6665 outcome, which holds on a
//! perfect network and under loss, duplication and reordering alike.
//! Where our Subscriber differs from SIP.js (after `reason=timeout` it
//! goes back to NotifyWait for the new SUBSCRIBE; forks make several
//! subscriptions), the case says so.

use super::calls::phone_config;
use super::roles::{sub_states, ALICE, BOB};
use crate::adapters::txn::TxnNode;
use crate::adapters::ua::{Policy, UaNode};
use crate::fixtures::{NotifierScript, NotifyShape, ScriptedNotifier};
use crate::scenarios::Scenario;
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::auth::Credentials;
use sip_core::header::TerminationReason;
use sip_core::random::TokenSource;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::TransactionLayer;
use sip_core::uri::Uri;
use sip_session::{
    Body, Event, RoleError, SubscribeOptions, SubscriptionId, SubscriptionState, UserAgent,
};
use std::net::SocketAddr;

use SubscriptionState::{Active, NotifyWait, Pending, Terminated};

/// The cases, by scenario name.
pub const CASES: &[Scenario] = &[
    Scenario {
        name: "spec-sub-subscribe",
        about: "subscription.spec: subscribe() sends SUBSCRIBE and waits (NotifyWait); the notifier's NOTIFY makes it Active",
        body: subscribe_then_notify,
    },
    Scenario {
        name: "spec-sub-no-response",
        about: "subscription.spec: no response (subscribe() twice sends one SUBSCRIBE): NotifyWait until the timeout, then Terminated",
        body: no_response,
    },
    Scenario {
        name: "spec-sub-auth",
        about: "subscription.spec: 407 then 200: SUBSCRIBE again with credentials, NOTIFY, Active",
        body: challenged,
    },
    Scenario {
        name: "spec-sub-480",
        about: "subscription.spec: 480 -> Terminated",
        body: rejected,
    },
    Scenario {
        name: "spec-sub-notify-before-200",
        about: "subscription.spec: NOTIFY before the 200: answered 200, Active, then the 200",
        body: notify_before_the_2xx,
    },
    Scenario {
        name: "spec-sub-timer-n",
        about: "subscription.spec: 200 and no NOTIFY: Terminated by Timer N (64*T1)",
        body: timer_n,
    },
    Scenario {
        name: "spec-sub-wrong-event",
        about: "subscription.spec: NOTIFY with a wrong Event: 481, no state change, Terminated by Timer N",
        body: wrong_event,
    },
    Scenario {
        name: "spec-sub-no-event",
        about: "subscription.spec: NOTIFY without Event: 489, no state change, Terminated by Timer N",
        body: no_event,
    },
    Scenario {
        name: "spec-sub-no-state",
        about: "subscription.spec: NOTIFY without Subscription-State: 489, no state change, Terminated by Timer N",
        body: no_subscription_state,
    },
    Scenario {
        name: "spec-sub-notify-terminated",
        about: "subscription.spec: a first NOTIFY saying terminated: reported, Terminated, no new SUBSCRIBE",
        body: first_notify_terminated,
    },
    Scenario {
        name: "spec-sub-pending",
        about: "subscription.spec: NOTIFY pending -> Pending; a later NOTIFY active -> Active",
        body: pending_then_active,
    },
    Scenario {
        name: "spec-sub-active-terminated",
        about: "subscription.spec: active, then NOTIFY terminated with no reason -> Terminated, no new SUBSCRIBE",
        body: active_then_terminated,
    },
    Scenario {
        name: "spec-sub-timeout-resubscribes",
        about: "subscription.spec: active, then terminated;reason=timeout: 200, a new SUBSCRIBE at once, Active again",
        body: timeout_resubscribes,
    },
    Scenario {
        name: "spec-sub-refresh",
        about: "subscription.spec: automatic re-SUBSCRIBE before expiry (90 % of 60 s) keeps it Active",
        body: refreshes_before_expiry,
    },
    Scenario {
        name: "spec-sub-resubscribe-unsubscribe",
        about: "subscription.spec: re-subscribe, twice (second refused while pending), NOTIFY active, then unsubscribe -> Terminated",
        body: resubscribe_then_unsubscribe,
    },
    Scenario {
        name: "spec-sub-unsubscribe",
        about: "subscription.spec: active, unsubscribe() -> Terminated on both sides",
        body: unsubscribe,
    },
];

fn addr(a: ([u8; 4], u16)) -> SocketAddr {
    SocketAddr::from(a)
}

/// Alice, the subscriber, with digest credentials.
fn alice(sim: &mut Sim, faults: &Faults) -> NodeRef<UaNode> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(15)).with_faults(faults));
    let mut cfg = phone_config("alice", "Alice", addr(ALICE));
    cfg.credentials = Some(Credentials::password("alice", "wonderland"));
    let seed = sim.derive_seed();
    sim.add_node_at(
        "alice",
        [addr(ALICE)],
        UaNode::new(UserAgent::new(cfg, seed), Policy::default()),
    )
}

/// Bob, our Notifier for `presence` (his application's answers are
/// scripted by each case).
fn bob(sim: &mut Sim) -> NodeRef<UaNode> {
    let cfg = phone_config("bob", "Bob", addr(BOB));
    let seed = sim.derive_seed();
    let mut ua = UserAgent::new(cfg, seed);
    ua.accept_subscriptions(&["presence"]);
    sim.add_node_at("bob", [addr(BOB)], UaNode::new(ua, Policy::default()))
}

type Scripted = NodeRef<TxnNode<ScriptedNotifier>>;

/// The scripted notifier at Bob's address.
fn scripted(sim: &mut Sim, script: NotifierScript) -> Scripted {
    let seed = sim.derive_seed();
    let layer = TransactionLayer::new(
        crate::phone_cmd::sent_by(addr(BOB)),
        TokenSource::from_seed(seed),
    );
    sim.add_node_at(
        "notifier",
        [addr(BOB)],
        TxnNode::new(layer, ScriptedNotifier::new(addr(BOB), script)),
    )
}

/// Alice subscribes to Bob's presence now, asking `expires`.
fn subscribe(sim: &mut Sim, a: NodeRef<UaNode>, expires: u32) -> Result<SubscriptionId, String> {
    let now = sim.now();
    sim.node_mut(a)
        .act(now, |ua, now| {
            let target = Uri::parse(&format!("sip:bob@{}", addr(BOB))).expect("static URI");
            let opts = SubscribeOptions {
                expires,
                ..SubscribeOptions::default()
            };
            ua.subscribe(now, target, "presence", opts)
        })
        .map_err(|e| e.to_string())
}

fn run_for(sim: &mut Sim, d: Duration) -> Result<(), String> {
    sim.run_for(d).map_err(|e| e.to_string())
}

fn run_until(sim: &mut Sim, limit: Duration, pred: impl Fn(&Sim) -> bool) -> Result<(), String> {
    let end = sim.now() + limit;
    sim.run_until(|s| pred(s) || s.now() > end)
        .map_err(|e| e.to_string())
}

fn expect_states(sim: &Sim, n: NodeRef<UaNode>, want: &[SubscriptionState]) -> Result<(), String> {
    let got = sub_states(sim, n);
    if got == want {
        Ok(())
    } else {
        Err(format!("{} went {got:?}, expected {want:?}", sim.name(n)))
    }
}

fn last_is(sim: &Sim, n: NodeRef<UaNode>, st: SubscriptionState) -> bool {
    sub_states(sim, n).last() == Some(&st)
}

/// When `n` last entered `st`.
fn entered(sim: &Sim, n: NodeRef<UaNode>, st: SubscriptionState) -> Option<Instant> {
    sim.node(n)
        .events()
        .iter()
        .rev()
        .find_map(|(t, e)| match e {
            Event::SubscriptionStateChanged { to, .. } if *to == st => Some(*t),
            _ => None,
        })
}

fn notifies(sim: &Sim, n: NodeRef<UaNode>) -> usize {
    sim.node(n)
        .events()
        .iter()
        .filter(|(_, e)| matches!(e, Event::Notify { .. }))
        .count()
}

fn doc(basic: &str) -> Body {
    Body::new(
        "application/pidf+xml",
        format!(
            "<presence><tuple id=\"t\"><status><basic>{basic}</basic></status></tuple></presence>"
        ),
    )
}

/// Bob's application takes the `n`-th SUBSCRIBE (counting from 1) with
/// `state` and a presence document.
fn bob_accepts(
    sim: &mut Sim,
    b: NodeRef<UaNode>,
    n: usize,
    state: SubscriptionState,
) -> Result<SubscriptionId, String> {
    let nth = |s: &Sim| {
        s.node(b)
            .events()
            .iter()
            .filter_map(|(_, e)| match e {
                Event::Subscribe { subscription } => Some(*subscription),
                _ => None,
            })
            .nth(n - 1)
    };
    run_until(sim, Duration::from_secs(60), |s| nth(s).is_some())?;
    let id = nth(sim).ok_or("Bob never got the SUBSCRIBE")?;
    let now = sim.now();
    sim.node_mut(b)
        .act(now, |ua, now| {
            ua.subscription(id)
                .map(|s| s.accept(now, state, Some(doc("open"))))
        })
        .ok_or("Bob's subscription is gone")?
        .map_err(|e| e.to_string())?;
    Ok(id)
}

/// Alice subscribes, Bob accepts with `state`: Alice reaches it.
fn established(
    sim: &mut Sim,
    faults: &Faults,
    expires: u32,
    state: SubscriptionState,
) -> Result<
    (
        NodeRef<UaNode>,
        NodeRef<UaNode>,
        SubscriptionId,
        SubscriptionId,
    ),
    String,
> {
    let a = alice(sim, faults);
    let b = bob(sim);
    let id = subscribe(sim, a, expires)?;
    let bid = bob_accepts(sim, b, 1, state)?;
    run_until(sim, Duration::from_secs(60), |s| last_is(s, a, state))?;
    expect_states(sim, a, &[NotifyWait, state])?;
    Ok((a, b, id, bid))
}

/// "`subscribe()` → SUBSCRIBE, NotifyWait", then the notifier's first
/// NOTIFY (RFC 6665 §4.1.2.1, §4.2.1.2): Active with the document.
pub fn subscribe_then_notify(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (a, _, _, _) = established(sim, faults, 600, Active)?;
    let docs = super::roles::notified(sim, a);
    if docs.len() != 1 || !docs[0].contains("open") {
        return Err(format!("Alice saw {docs:?}"));
    }
    Ok(())
}

/// The scripted peer and Alice's subscription to it.
fn against(
    sim: &mut Sim,
    faults: &Faults,
    script: NotifierScript,
) -> Result<(NodeRef<UaNode>, Scripted, SubscriptionId), String> {
    let a = alice(sim, faults);
    let n = scripted(sim, script);
    let id = subscribe(sim, a, 3600)?;
    Ok((a, n, id))
}

/// "No response → unchanged until timeout (also with `subscribe()`
/// twice), then Terminated": our refresh in NotifyWait sends nothing, the
/// SUBSCRIBE times out (Timer F) and the subscription ends.
pub fn no_response(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let script = NotifierScript {
        answers: vec![None],
        ..NotifierScript::default()
    };
    let (a, n, id) = against(sim, faults, script)?;
    let now = sim.now();
    let again = sim
        .node_mut(a)
        .act(now, |ua, now| ua.subscription(id).map(|s| s.refresh(now)));
    if again != Some(Ok(())) {
        return Err(format!("subscribe twice: {again:?}"));
    }
    run_for(sim, Duration::from_secs(30))?;
    expect_states(sim, a, &[NotifyWait])?;
    run_for(sim, Duration::from_secs(10))?;
    expect_states(sim, a, &[NotifyWait, Terminated])?;
    if sim.node(n).tu().subscribes() != 1 {
        return Err(format!("{} SUBSCRIBEs", sim.node(n).tu().subscribes()));
    }
    Ok(())
}

fn active_notify() -> NotifyShape {
    let mut s = NotifyShape::new("presence", "active;expires=3600");
    s.body = Some(("application/pidf+xml".to_owned(), "<open/>".to_owned()));
    s
}

/// "407 then 200 (auth)": the SUBSCRIBE is sent again with credentials
/// (RFC 3261 §22.3), then the NOTIFY makes it Active.
pub fn challenged(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let script = NotifierScript {
        answers: vec![Some(StatusCode::PROXY_AUTHENTICATION_REQUIRED)],
        notifies: vec![active_notify()],
        ..NotifierScript::default()
    };
    let (a, n, _) = against(sim, faults, script)?;
    run_until(sim, Duration::from_secs(60), |s| last_is(s, a, Active))?;
    run_for(sim, Duration::from_secs(35))?;
    expect_states(sim, a, &[NotifyWait, Active])?;
    let tu = sim.node(n).tu();
    if tu.subscribes() != 2 || tu.notify_results() != [StatusCode::OK] {
        return Err(format!(
            "{} SUBSCRIBEs, NOTIFY answers {:?}",
            tu.subscribes(),
            tu.notify_results()
        ));
    }
    Ok(())
}

/// "480 → Terminated" (§4.1.2.2: a failed SUBSCRIBE makes no
/// subscription).
pub fn rejected(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let script = NotifierScript {
        answers: vec![Some(StatusCode::TEMPORARILY_UNAVAILABLE)],
        ..NotifierScript::default()
    };
    let (a, _, _) = against(sim, faults, script)?;
    run_until(sim, Duration::from_secs(60), |s| last_is(s, a, Terminated))?;
    run_for(sim, Duration::from_secs(1))?;
    expect_states(sim, a, &[NotifyWait, Terminated])
}

/// "NOTIFY before the 200 → 200 to it, onNotify, Subscribed" (RFC 6665
/// §4.1.2.4: the NOTIFY may overtake the 2xx).
pub fn notify_before_the_2xx(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let script = NotifierScript {
        notifies: vec![active_notify()],
        notify_first: true,
        answer_delay: Duration::from_secs(2),
        ..NotifierScript::default()
    };
    let (a, n, _) = against(sim, faults, script)?;
    run_for(sim, Duration::from_secs(40))?;
    expect_states(sim, a, &[NotifyWait, Active])?;
    if notifies(sim, a) != 1 || sim.node(n).tu().notify_results() != [StatusCode::OK] {
        return Err(format!(
            "NOTIFY answers {:?}",
            sim.node(n).tu().notify_results()
        ));
    }
    Ok(())
}

/// "After 200: no NOTIFY → Terminated (Timer N)" (RFC 6665 §4.1.2.4:
/// 64*T1 = 32 s).
pub fn timer_n(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (a, _, _) = against(sim, faults, NotifierScript::default())?;
    run_for(sim, Duration::from_secs(30))?;
    expect_states(sim, a, &[NotifyWait])?;
    run_for(sim, Duration::from_secs(5))?;
    expect_states(sim, a, &[NotifyWait, Terminated])
}

/// A bad NOTIFY gets `status`, changes nothing, and Timer N ends it.
fn bad_notify(
    sim: &mut Sim,
    faults: &Faults,
    shape: NotifyShape,
    status: StatusCode,
) -> Result<(), String> {
    let script = NotifierScript {
        notifies: vec![shape],
        ..NotifierScript::default()
    };
    let (a, n, _) = against(sim, faults, script)?;
    run_for(sim, Duration::from_secs(20))?;
    if sim.node(n).tu().notify_results() != [status] {
        return Err(format!(
            "NOTIFY answers {:?}, expected {}",
            sim.node(n).tu().notify_results(),
            status.as_u16()
        ));
    }
    expect_states(sim, a, &[NotifyWait])?;
    if notifies(sim, a) != 0 {
        return Err("a bad NOTIFY was reported".to_owned());
    }
    run_for(sim, Duration::from_secs(20))?;
    expect_states(sim, a, &[NotifyWait, Terminated])
}

/// "wrong Event → 481" (RFC 6665 §8.2.1: no subscription matches).
pub fn wrong_event(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let shape = NotifyShape::new("dialog", "active;expires=3600");
    bad_notify(sim, faults, shape, StatusCode::CALL_DOES_NOT_EXIST)
}

/// "no Event → 489" (RFC 6665 §8.2.1).
pub fn no_event(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let mut shape = NotifyShape::new("presence", "active;expires=3600");
    shape.event = None;
    bad_notify(sim, faults, shape, StatusCode::BAD_EVENT)
}

/// "no Subscription-State → 489" (RFC 6665 §8.2.3 makes it mandatory).
pub fn no_subscription_state(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let mut shape = NotifyShape::new("presence", "active;expires=3600");
    shape.state = None;
    bad_notify(sim, faults, shape, StatusCode::BAD_EVENT)
}

/// "NOTIFY terminated → Subscribed → Terminated": the first NOTIFY ends
/// it at once (no reason: §4.1.3, do not subscribe again); it is still
/// reported.
pub fn first_notify_terminated(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let script = NotifierScript {
        notifies: vec![NotifyShape::new("presence", "terminated")],
        ..NotifierScript::default()
    };
    let (a, n, _) = against(sim, faults, script)?;
    run_for(sim, Duration::from_secs(20))?;
    expect_states(sim, a, &[NotifyWait, Terminated])?;
    let tu = sim.node(n).tu();
    if notifies(sim, a) != 1 || tu.subscribes() != 1 || tu.notify_results() != [StatusCode::OK] {
        return Err(format!(
            "{} NOTIFY events, {} SUBSCRIBEs, answers {:?}",
            notifies(sim, a),
            tu.subscribes(),
            tu.notify_results()
        ));
    }
    Ok(())
}

/// "NOTIFY pending → Subscribed": Pending (§4.1.3); the notifier's later
/// NOTIFY active makes it Active. (SIP.js's "a re-subscribe then sends
/// nothing" does not apply: ours may refresh a pending subscription.)
pub fn pending_then_active(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (a, b, _, bid) = established(sim, faults, 600, Pending)?;
    let now = sim.now();
    sim.node_mut(b)
        .act(now, |ua, now| {
            ua.subscription(bid)
                .map(|s| s.notify(now, Active, Some(doc("open"))))
        })
        .ok_or("Bob's subscription is gone")?
        .map_err(|e| e.to_string())?;
    run_until(sim, Duration::from_secs(60), |s| last_is(s, a, Active))?;
    expect_states(sim, a, &[NotifyWait, Pending, Active])
}

/// "NOTIFY active → Subscribed, then terminated with no reason →
/// Terminated": no new SUBSCRIBE follows (§4.1.3).
pub fn active_then_terminated(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let script = NotifierScript {
        notifies: vec![active_notify(), NotifyShape::new("presence", "terminated")],
        ..NotifierScript::default()
    };
    let (a, n, _) = against(sim, faults, script)?;
    run_for(sim, Duration::from_secs(40))?;
    expect_states(sim, a, &[NotifyWait, Active, Terminated])?;
    let tu = sim.node(n).tu();
    if tu.subscribes() != 1 || tu.notify_results() != [StatusCode::OK, StatusCode::OK] {
        return Err(format!(
            "{} SUBSCRIBEs, answers {:?}",
            tu.subscribes(),
            tu.notify_results()
        ));
    }
    Ok(())
}

/// "`reason=timeout` → 200 then a new SUBSCRIBE" (§4.1.3: subscribe
/// again at once). Ours goes back to NotifyWait for the new SUBSCRIBE
/// (SIP.js shows no state change) and is Active again once Bob accepts it.
pub fn timeout_resubscribes(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (a, b, _, bid) = established(sim, faults, 600, Active)?;
    let now = sim.now();
    sim.node_mut(b)
        .act(now, |ua, now| {
            ua.subscription(bid)
                .map(|s| s.terminate(now, TerminationReason::Timeout, None))
        })
        .ok_or("Bob's subscription is gone")?
        .map_err(|e| e.to_string())?;
    bob_accepts(sim, b, 2, Active)?;
    run_until(sim, Duration::from_secs(60), |s| {
        sub_states(s, a).len() >= 4 && last_is(s, a, Active)
    })?;
    expect_states(sim, a, &[NotifyWait, Active, NotifyWait, Active])
}

/// "automatic re-SUBSCRIBE before expiry": 60 s granted, refreshed at
/// 54 s, each refresh followed by a NOTIFY (§4.2.1.2); still Active after
/// three minutes.
///
/// Under loss a refresh may reach Bob after the expiry (it has 6 s of
/// retransmissions): Bob then ends it with `reason=timeout` and Alice
/// subscribes again (§4.1.3), which Bob's application accepts; so under
/// faults the check is that it is Active at the end, on both sides.
pub fn refreshes_before_expiry(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (a, b, _, _) = established(sim, faults, 60, Active)?;
    let mut accepted = 1;
    for _ in 0..36 {
        run_for(sim, Duration::from_secs(5))?;
        let subscribes = sim
            .node(b)
            .events()
            .iter()
            .filter(|(_, e)| matches!(e, Event::Subscribe { .. }))
            .count();
        while accepted < subscribes {
            accepted += 1;
            bob_accepts(sim, b, accepted, Active)?;
        }
    }
    run_for(sim, Duration::from_secs(5))?;
    if faults.loss == 0.0 {
        expect_states(sim, a, &[NotifyWait, Active])?;
    } else if !last_is(sim, a, Active) {
        return Err(format!("Alice went {:?}", sub_states(sim, a)));
    }
    if !last_is(sim, b, Active) {
        return Err(format!("Bob's side went {:?}", sub_states(sim, b)));
    }
    if notifies(sim, a) < 4 {
        return Err(format!("{} NOTIFYs in three minutes", notifies(sim, a)));
    }
    Ok(())
}

/// "re-subscribe / twice / then NOTIFY active / unsubscribe": a refresh
/// goes, a second one while it is pending is refused, the notifier's
/// NOTIFY keeps it Active, and unsubscribe (`Expires: 0`) ends both sides.
pub fn resubscribe_then_unsubscribe(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (a, b, id, _) = established(sim, faults, 600, Active)?;
    // Under faults the NOTIFY may have overtaken the 2xx of the SUBSCRIBE,
    // which is then still pending: wait for it.
    let mut got = None;
    for _ in 0..40 {
        let now = sim.now();
        let (first, second) = sim.node_mut(a).act(now, |ua, now| {
            let first = ua.subscription(id).map(|s| s.refresh(now));
            let second = ua.subscription(id).map(|s| s.refresh(now));
            (first, second)
        });
        if first != Some(Err(RoleError::RequestPending)) {
            got = Some((first, second));
            break;
        }
        run_for(sim, Duration::from_secs(1))?;
    }
    let Some((first, second)) = got else {
        return Err("the SUBSCRIBE never got its answer".to_owned());
    };
    if first != Some(Ok(())) || second != Some(Err(RoleError::RequestPending)) {
        return Err(format!("refresh twice: {first:?} then {second:?}"));
    }
    run_until(sim, Duration::from_secs(60), |s| notifies(s, a) >= 2)?;
    expect_states(sim, a, &[NotifyWait, Active])?;
    let now = sim.now();
    sim.node_mut(a)
        .act(now, |ua, now| {
            ua.subscription(id).map(|s| s.unsubscribe(now))
        })
        .ok_or("Alice's subscription is gone")?
        .map_err(|e| e.to_string())?;
    run_until(sim, Duration::from_secs(60), |s| last_is(s, b, Terminated))?;
    expect_states(sim, a, &[NotifyWait, Active, Terminated])?;
    if !last_is(sim, b, Terminated) {
        return Err(format!("Bob's side went {:?}", sub_states(sim, b)));
    }
    Ok(())
}

/// "unsubscribe → Terminated": Alice at once, Bob on the `Expires: 0`
/// SUBSCRIBE (§4.2.1.2), whose final NOTIFY Alice answers.
pub fn unsubscribe(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (a, b, id, _) = established(sim, faults, 600, Active)?;
    let now = sim.now();
    sim.node_mut(a)
        .act(now, |ua, now| {
            ua.subscription(id).map(|s| s.unsubscribe(now))
        })
        .ok_or("Alice's subscription is gone")?
        .map_err(|e| e.to_string())?;
    if entered(sim, a, Terminated) != Some(now) {
        return Err("Alice was not Terminated at once".to_owned());
    }
    run_until(sim, Duration::from_secs(60), |s| last_is(s, b, Terminated))?;
    run_for(sim, Duration::from_secs(1))?;
    expect_states(sim, a, &[NotifyWait, Active, Terminated])?;
    if !last_is(sim, b, Terminated) {
        return Err(format!("Bob's side went {:?}", sub_states(sim, b)));
    }
    Ok(())
}
