//! In-dialog scenarios between two of our user agents: hold and unhold by
//! re-INVITE (RFC 3264 §8.4), INFO and MESSAGE in the dialog (RFC 6086,
//! RFC 3428), and re-INVITE glare (RFC 3261 §14.1).

use super::calls::{add_phone, sdp_for};
use crate::adapters::ua::{AnswerPolicy, Policy, UaNode};
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::method::Method;
use sip_core::time::{Duration, Instant};
use sip_core::uri::Uri;
use sip_session::{Event, InviteOptions, ReinviteOptions, TerminationCause};
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
    sim.at(Instant::ZERO)
        .label("Alice calls Bob")
        .call(alice, move |n, now| {
            n.act(now, |ua, now| {
                let opts = InviteOptions {
                    body: Some(offer),
                    ..InviteOptions::default()
                };
                ua.invite(now, target, opts).expect("the INVITE goes out");
            });
        });
    during(sim, alice, bob);
    let ended = |s: &Sim, r: NodeRef<UaNode>| {
        let n = s.node(r);
        n.outcomes().next().is_some() && n.outcomes().all(|o| o.ended.is_some())
    };
    sim.run_until(|s| ended(s, alice) && ended(s, bob))
        .map_err(|e| e.to_string())?;
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
