//! In-dialog scenarios between two of our user agents: hold and unhold by
//! re-INVITE (RFC 3264 §8.4), INFO and MESSAGE in the dialog (RFC 6086,
//! RFC 3428), re-INVITE glare (RFC 3261 §14.1), and blind and attended
//! transfer by REFER (RFC 3515, RFC 3891) among Alice, Bob and Carol.

use super::calls::{add_phone, sdp_for};
use crate::adapters::ua::{AnswerPolicy, Policy, UaNode};
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::method::Method;
use sip_core::time::{Duration, Instant};
use sip_core::uri::Uri;
use sip_session::{
    Event, InviteOptions, ReferOptions, ReferTarget, ReinviteOptions, TerminationCause,
};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const ALICE: ([u8; 4], u16) = ([10, 0, 0, 1], 5060);
const BOB: ([u8; 4], u16) = ([10, 0, 0, 2], 5060);

/// Alice (with `alice_policy` added to her SDP and hangup) calls Bob, who
/// answers after 1 s; runs until both sessions ended and timers played out.
fn call(
    sim: &mut Sim,
    faults: &Faults,
    alice_policy: Policy,
    during: impl FnOnce(&mut Sim, NodeRef<UaNode>, NodeRef<UaNode>),
) -> Result<(NodeRef<UaNode>, NodeRef<UaNode>), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let (alice_addr, bob_addr) = (SocketAddr::from(ALICE), SocketAddr::from(BOB));
    let alice = add_phone(
        sim,
        "alice",
        "Alice",
        alice_addr,
        Policy {
            sdp: Some(sdp_for("alice", alice_addr, 49170)),
            ..alice_policy
        },
    );
    let bob = add_phone(
        sim,
        "bob",
        "Bob",
        bob_addr,
        Policy {
            answer: Some(AnswerPolicy {
                ring: Duration::from_secs(1),
                reject: None,
            }),
            sdp: Some(sdp_for("bob", bob_addr, 3456)),
            ..Policy::default()
        },
    );
    let target = Uri::parse(&format!("sip:bob@{bob_addr}")).expect("target URI");
    let offer = sdp_for("alice", alice_addr, 49170);
    super::calls::call_at(sim, Instant::ZERO, "Alice calls Bob", alice, target, offer);
    during(sim, alice, bob);
    super::calls::run_until_ended(sim, &[alice, bob])?;
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    for (r, who) in [(alice, "Alice"), (bob, "Bob")] {
        let n = sim.node(r);
        let o: Vec<_> = n.outcomes().collect();
        if o.len() != 1 || !o[0].established {
            return Err(format!("{who}: {o:?}, expected one established call"));
        }
        if !matches!(
            o[0].ended,
            Some(TerminationCause::Bye | TerminationCause::RemoteBye)
        ) {
            return Err(format!("{who}: ended {:?}", o[0].ended));
        }
        if n.ua().session_count() != 0 {
            return Err(format!("{who}: sessions still held after all timers"));
        }
    }
    Ok((alice, bob))
}

/// The final statuses node `r` got for its in-dialog `method` requests.
fn outcomes(sim: &Sim, r: NodeRef<UaNode>, m: &Method) -> Vec<u16> {
    sim.node(r)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::RequestOutcome { method, status, .. } if method == m => Some(status.as_u16()),
            _ => None,
        })
        .collect()
}

/// Offers node `r` received in re-INVITEs, as text.
fn reinvite_offers(sim: &Sim, r: NodeRef<UaNode>) -> Vec<String> {
    let events = sim.node(r).events();
    let mut out = Vec::new();
    for (i, (_, e)) in events.iter().enumerate() {
        if let Event::Reinvite { .. } = e {
            if let Some((_, Event::RemoteDescription { body, .. })) = events.get(i + 1) {
                out.push(String::from_utf8_lossy(&body.content).into_owned());
            }
        }
    }
    out
}

/// Hold: Alice puts the call on hold 2 s after it is answered (re-INVITE,
/// `a=sendonly`; Bob answers `a=recvonly`), takes it off hold 2 s later
/// (`a=sendrecv`), hangs up after 8 s.
pub fn hold(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (alice, bob) = call(
        sim,
        faults,
        Policy {
            hold_after: Some(Duration::from_secs(2)),
            unhold_after: Some(Duration::from_secs(2)),
            hangup_after: Some(Duration::from_secs(8)),
            ..Policy::default()
        },
        |_, _, _| {},
    )?;
    let got = outcomes(sim, alice, &Method::Invite);
    if got != [200, 200] {
        return Err(format!(
            "Alice's re-INVITEs got {got:?}, expected [200, 200]"
        ));
    }
    let offers = reinvite_offers(sim, bob);
    match offers.as_slice() {
        [h, u] if h.contains("a=sendonly") && u.contains("a=sendrecv") => Ok(()),
        _ => Err(format!("Bob's re-INVITE offers: {offers:?}")),
    }
}

/// INFO and MESSAGE: once the call is up Alice sends an INFO and a
/// MESSAGE in the dialog; Bob answers both 200; Alice hangs up after 12 s.
pub fn info(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (alice, bob) = call(
        sim,
        faults,
        Policy {
            info: Some("Signal=5".to_owned()),
            message: Some("hello Bob".to_owned()),
            hangup_after: Some(Duration::from_secs(30)),
            ..Policy::default()
        },
        |_, _, _| {},
    )?;
    for m in [Method::Info, Method::Message] {
        let got = outcomes(sim, alice, &m);
        if got != [200] {
            return Err(format!("Alice's {m} got {got:?}, expected [200]"));
        }
    }
    let _ = bob;
    Ok(())
}

/// Glare: 3 s into the call Alice and Bob send a re-INVITE at the same
/// instant; each answers the other 491 (RFC 3261 §14.2) and retries after
/// the §14.1 delay (Bob, not owning the Call-ID, 0-2 s; Alice 2.1-4 s);
/// both retries are accepted. Alice hangs up after 30 s (under loss the
/// retries may meet 491 again for a while).
pub fn glare(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let at = Instant::ZERO + Duration::from_secs(4);
    // Under loss a side may not be up yet at 4 s (invite() refused): it
    // is then excused.
    let refused = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
    let flags = refused.clone();
    let (alice, bob) = call(
        sim,
        faults,
        Policy {
            hangup_after: Some(Duration::from_secs(30)),
            ..Policy::default()
        },
        |sim, alice, bob| {
            for (i, (r, who)) in [(alice, "Alice"), (bob, "Bob")].into_iter().enumerate() {
                let addr = if who == "Alice" { ALICE } else { BOB };
                let flags = flags.clone();
                let body = sdp_for(&who.to_lowercase(), SocketAddr::from(addr), 5000);
                sim.at(at)
                    .label(format!("{who} sends a re-INVITE"))
                    .call(r, move |n, now| {
                        n.act(now, |ua, now| {
                            let first = ua.sessions().next();
                            let sent = first.and_then(|id| ua.session_mut(id)).map(|mut s| {
                                s.invite(
                                    now,
                                    ReinviteOptions {
                                        body: Some(body),
                                        ..ReinviteOptions::default()
                                    },
                                )
                            });
                            if !matches!(sent, Some(Ok(()))) {
                                flags[i].store(true, Ordering::Relaxed);
                            }
                        });
                    });
            }
        },
    )?;
    for (i, (r, who)) in [(alice, "Alice"), (bob, "Bob")].into_iter().enumerate() {
        let got = outcomes(sim, r, &Method::Invite);
        if refused[i].load(Ordering::Relaxed) {
            continue;
        }
        // 500: the peer still waited for the ACK of the initial INVITE
        // (RFC 5407 §3.1.5), possible only under loss.
        if got != [200] && !(got == [500] && faults.loss > 0.0) {
            return Err(format!(
                "{who}'s re-INVITE ended {got:?}, expected [200] after the 491 retry"
            ));
        }
    }
    Ok(())
}

const CAROL: ([u8; 4], u16) = ([10, 0, 0, 3], 5060);

/// A phone whose agent takes `Replaces` (RFC 3891).
fn add_phone_replaces(
    sim: &mut Sim,
    user: &str,
    display: &str,
    addr: SocketAddr,
    policy: Policy,
) -> NodeRef<UaNode> {
    let seed = sim.derive_seed();
    let mut cfg = super::calls::phone_config(user, display, addr);
    cfg.replaces = sip_session::ExtensionSupport::Supported;
    let ua = sip_session::UserAgent::new(cfg, seed);
    sim.add_node_at(user, [addr], UaNode::new(ua, policy))
}

/// Alice, Bob and Carol, each answering after 1 s and hanging up after
/// `talk`; Alice calls Bob at 0.
fn three(sim: &mut Sim, faults: &Faults, talk: [Duration; 3]) -> [NodeRef<UaNode>; 3] {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let mut nodes = Vec::new();
    for (i, (user, display, addr, port)) in [
        ("alice", "Alice", ALICE, 49170),
        ("bob", "Bob", BOB, 3456),
        ("carol", "Carol", CAROL, 5004),
    ]
    .into_iter()
    .enumerate()
    {
        let addr = SocketAddr::from(addr);
        let policy = Policy {
            answer: Some(AnswerPolicy {
                ring: Duration::from_secs(1),
                reject: None,
            }),
            hangup_after: Some(talk[i]),
            sdp: Some(sdp_for(user, addr, port)),
            ..Policy::default()
        };
        nodes.push(add_phone_replaces(sim, user, display, addr, policy));
    }
    let [alice, bob, carol] = [nodes[0], nodes[1], nodes[2]];
    let bob_uri = Uri::parse(&format!("sip:bob@{}", SocketAddr::from(BOB))).expect("URI");
    let offer = sdp_for("alice", SocketAddr::from(ALICE), 49170);
    super::calls::call_at(sim, Instant::ZERO, "Alice calls Bob", alice, bob_uri, offer);
    [alice, bob, carol]
}

/// Runs until every session of the three ended, then lets timers play.
fn finish(sim: &mut Sim, nodes: [NodeRef<UaNode>; 3]) -> Result<(), String> {
    let ended = |s: &Sim, r: NodeRef<UaNode>| {
        let n = s.node(r);
        n.outcomes().next().is_some() && n.outcomes().all(|o| o.ended.is_some())
    };
    sim.run_until(|s| nodes.iter().all(|&r| ended(s, r)))
        .map_err(|e| e.to_string())?;
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    for (r, who) in nodes.into_iter().zip(["Alice", "Bob", "Carol"]) {
        if sim.node(r).ua().session_count() != 0 {
            return Err(format!("{who}: sessions still held after all timers"));
        }
    }
    Ok(())
}

/// The REFER progress Bob saw: the sipfrag statuses and whether the last
/// NOTIFY ended the subscription.
fn refer_progress(sim: &Sim, bob: NodeRef<UaNode>) -> (Vec<u16>, bool) {
    let mut v = Vec::new();
    let mut last = false;
    for (_, e) in sim.node(bob).events() {
        if let Event::ReferNotify {
            status, terminated, ..
        } = e
        {
            v.push(status.map_or(0, |s| s.as_u16()));
            last = *terminated;
        }
    }
    (v, last)
}

fn all_clean(sim: &Sim, r: NodeRef<UaNode>, who: &str, calls: usize) -> Result<(), String> {
    let o: Vec<_> = sim.node(r).outcomes().copied().collect();
    if o.len() != calls || o.iter().any(|o| !o.established) {
        return Err(format!(
            "{who}: {o:?}, expected {calls} established call(s)"
        ));
    }
    if let Some(bad) = o.iter().find(|o| {
        !matches!(
            o.ended,
            Some(TerminationCause::Bye | TerminationCause::RemoteBye)
        )
    }) {
        return Err(format!("{who}: a call ended {:?}", bad.ended));
    }
    Ok(())
}

/// Blind transfer: Alice calls Bob; 3 s later Bob REFERs Alice to Carol;
/// Alice answers 202, calls Carol and NOTIFYs Bob of 100, 180 and 200
/// (the last one ending the subscription); Bob hangs up 60 s into the
/// call, Alice talks with Carol and hangs up.
pub fn transfer(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let secs = Duration::from_secs;
    // Bob hangs up on Alice 60 s into the call: under loss the transfer
    // may take a while, and its NOTIFYs travel in that call's dialog.
    let [alice, bob, carol] = three(sim, faults, [secs(80), secs(60), secs(90)]);
    let carol_uri = Uri::parse(&format!("sip:carol@{}", SocketAddr::from(CAROL))).expect("URI");
    // At 4 s, or (under loss, the call not up yet) a little later.
    let sent = Arc::new(AtomicBool::new(false));
    for t in (4..40).step_by(2) {
        let (sent, carol_uri) = (sent.clone(), carol_uri.clone());
        sim.at(Instant::ZERO + secs(t))
            .label("Bob transfers Alice to Carol")
            .call(bob, move |n, now| {
                if sent.load(Ordering::Relaxed) {
                    return;
                }
                n.act(now, |ua, now| {
                    let first = ua.sessions().next();
                    if let Some(mut s) = first.and_then(|id| ua.session_mut(id)) {
                        let opts = ReferOptions::new(ReferTarget::Uri(carol_uri));
                        sent.store(s.refer(now, opts).is_ok(), Ordering::Relaxed);
                    }
                });
            });
    }
    finish(sim, [alice, bob, carol])?;
    let (progress, terminated) = refer_progress(sim, bob);
    if progress.last() != Some(&200) || !terminated || progress.first() != Some(&100) {
        return Err(format!(
            "Bob's REFER progress: {progress:?}, terminated {terminated}"
        ));
    }
    all_clean(sim, alice, "Alice", 2)?;
    all_clean(sim, bob, "Bob", 1)?;
    all_clean(sim, carol, "Carol", 1)
}

/// Attended transfer: Alice calls Bob; Bob calls Carol at 2 s; at 5 s Bob
/// REFERs Alice to Carol with Replaces naming his call with Carol (RFC
/// 3891); Alice calls Carol with Replaces and Referred-By, Carol accepts
/// and ends her call with Bob by BYE; Bob learns of the 200 and hangs up
/// on Alice 20 s into their call.
pub fn attended_transfer(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let secs = Duration::from_secs;
    let [alice, bob, carol] = three(sim, faults, [secs(80), secs(60), secs(90)]);
    let carol_uri = Uri::parse(&format!("sip:carol@{}", SocketAddr::from(CAROL))).expect("URI");
    let offer = sdp_for("bob", SocketAddr::from(BOB), 3458);
    sim.at(Instant::ZERO + secs(2))
        .label("Bob calls Carol")
        .call(bob, move |n, now| {
            n.act(now, |ua, now| {
                let opts = InviteOptions {
                    body: Some(offer),
                    ..InviteOptions::default()
                };
                let _ = ua.invite(now, carol_uri, opts);
            });
        });
    // At 5 s, or (under loss, a call not up yet) a little later.
    let sent = Arc::new(AtomicBool::new(false));
    for t in (5..41).step_by(2) {
        let sent = sent.clone();
        sim.at(Instant::ZERO + secs(t))
            .label("Bob transfers Alice to Carol (Replaces)")
            .call(bob, move |n, now| {
                if sent.load(Ordering::Relaxed) {
                    return;
                }
                n.act(now, |ua, now| {
                    let ids: Vec<_> = ua.sessions().collect();
                    let with_alice = ids
                        .iter()
                        .copied()
                        .find(|&id| ua.session(id).is_some_and(|s| !s.is_inviter()));
                    let with_carol = ids
                        .iter()
                        .copied()
                        .find(|&id| ua.session(id).is_some_and(|s| s.is_inviter()));
                    if let (Some(a), Some(c)) = (with_alice, with_carol) {
                        if let Some(mut s) = ua.session_mut(a) {
                            let opts = ReferOptions::new(ReferTarget::Session(c));
                            sent.store(s.refer(now, opts).is_ok(), Ordering::Relaxed);
                        }
                    }
                });
            });
    }
    finish(sim, [alice, bob, carol])?;
    let (progress, terminated) = refer_progress(sim, bob);
    if progress.last() != Some(&200) || !terminated {
        return Err(format!(
            "Bob's REFER progress: {progress:?}, terminated {terminated}"
        ));
    }
    all_clean(sim, alice, "Alice", 2)?;
    all_clean(sim, bob, "Bob", 2)?;
    all_clean(sim, carol, "Carol", 2)?;
    // Carol's call with Bob was replaced: it ended before Bob's timer.
    let bob_carol = sim.node(bob).events().iter().find_map(|(t, e)| match e {
        Event::Terminated {
            cause: TerminationCause::RemoteBye,
            ..
        } => Some(*t),
        _ => None,
    });
    match bob_carol {
        Some(t) if t < Instant::ZERO + secs(60) => Ok(()),
        other => Err(format!(
            "Bob's call with Carol was not replaced (ended at {other:?})"
        )),
    }
}

/// PRACK and early media (RFC 3262): Alice and Bob support 100rel; Bob
/// answers the offer at once in a reliable 183, Alice acknowledges it with
/// PRACK (200), Bob accepts after 2 s (the 200 repeats the answer), Alice
/// hangs up after 3 s.
pub fn prack(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let (alice_addr, bob_addr) = (SocketAddr::from(ALICE), SocketAddr::from(BOB));
    let mut acfg = super::calls::phone_config("alice", "Alice", alice_addr);
    acfg.rel100 = sip_session::ExtensionSupport::Supported;
    let mut bcfg = super::calls::phone_config("bob", "Bob", bob_addr);
    bcfg.rel100 = sip_session::ExtensionSupport::Supported;
    bcfg.send_initial_provisional = false;
    let seed = sim.derive_seed();
    let alice = sim.add_node_at(
        "alice",
        [alice_addr],
        UaNode::new(
            sip_session::UserAgent::new(acfg, seed),
            Policy {
                hangup_after: Some(Duration::from_secs(3)),
                sdp: Some(sdp_for("alice", alice_addr, 49170)),
                ..Policy::default()
            },
        ),
    );
    let seed = sim.derive_seed();
    let bob = sim.add_node_at(
        "bob",
        [bob_addr],
        UaNode::new(
            sip_session::UserAgent::new(bcfg, seed),
            Policy {
                answer: Some(AnswerPolicy {
                    ring: Duration::from_secs(2),
                    reject: None,
                }),
                sdp: Some(sdp_for("bob", bob_addr, 3456)),
                reliable_ringing: true,
                early_media: true,
                ..Policy::default()
            },
        ),
    );
    let target = Uri::parse(&format!("sip:bob@{bob_addr}")).expect("target URI");
    let offer = sdp_for("alice", alice_addr, 49170);
    sim.at(Instant::ZERO)
        .label("Alice calls Bob (100rel, early media)")
        .call(alice, move |n, now| {
            n.act(now, |ua, now| {
                let opts = InviteOptions {
                    body: Some(offer),
                    early_media: true,
                    ..InviteOptions::default()
                };
                ua.invite(now, target, opts).expect("the INVITE goes out");
            });
        });
    super::calls::run_until_ended(sim, &[alice, bob])?;
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    all_clean(sim, alice, "Alice", 1)?;
    all_clean(sim, bob, "Bob", 1)?;
    let early = sim
        .node(alice)
        .events()
        .iter()
        .any(|(_, e)| matches!(e, Event::Progress { reliable: true, .. }))
        && sim
            .node(alice)
            .events()
            .iter()
            .any(|(_, e)| matches!(e, Event::RemoteDescription { early: true, .. }));
    if !early {
        return Err("Alice saw no reliable 183 with early media".to_owned());
    }
    if sim.node(alice).ua().session_count() + sim.node(bob).ua().session_count() != 0 {
        return Err("sessions still held after all timers".to_owned());
    }
    Ok(())
}

/// Session timers (RFC 4028): Alice and Bob both on, 90 s asked; Bob's 200
/// makes Alice the refresher (`refresher=uac`, `Require: timer`); Alice
/// refreshes by UPDATE every 45 s; she hangs up after 200 s.
pub fn session_timer(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let (alice_addr, bob_addr) = (SocketAddr::from(ALICE), SocketAddr::from(BOB));
    let timer = Some(sip_session::SessionTimerConfig {
        session_expires: 90,
        min_se: 90,
        refresh_with_update: true,
    });
    let mut nodes = Vec::new();
    for (user, display, addr, policy) in [
        (
            "alice",
            "Alice",
            alice_addr,
            Policy {
                hangup_after: Some(Duration::from_secs(200)),
                sdp: Some(sdp_for("alice", alice_addr, 49170)),
                ..Policy::default()
            },
        ),
        (
            "bob",
            "Bob",
            bob_addr,
            Policy {
                answer: Some(AnswerPolicy {
                    ring: Duration::from_secs(1),
                    reject: None,
                }),
                sdp: Some(sdp_for("bob", bob_addr, 3456)),
                ..Policy::default()
            },
        ),
    ] {
        let mut cfg = super::calls::phone_config(user, display, addr);
        cfg.session_timer = timer;
        cfg.allow_update = true;
        let seed = sim.derive_seed();
        let ua = sip_session::UserAgent::new(cfg, seed);
        nodes.push(sim.add_node_at(user, [addr], UaNode::new(ua, policy)));
    }
    let (alice, bob) = (nodes[0], nodes[1]);
    let target = Uri::parse(&format!("sip:bob@{bob_addr}")).expect("target URI");
    let offer = sdp_for("alice", alice_addr, 49170);
    super::calls::call_at(
        sim,
        Instant::ZERO,
        "Alice calls Bob (session timer 90 s)",
        alice,
        target,
        offer,
    );
    super::calls::run_until_ended(sim, &[alice, bob])?;
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    all_clean(sim, alice, "Alice", 1)?;
    all_clean(sim, bob, "Bob", 1)?;
    let refreshes = outcomes(sim, alice, &Method::Update);
    // 200 s at one refresh per 45 s: 4, fewer only if some were lost for
    // good (408 ends the dialog, which all_clean would have caught).
    if refreshes.iter().filter(|&&s| s == 200).count() < 4 {
        return Err(format!("Alice's refreshes: {refreshes:?}"));
    }
    Ok(())
}
