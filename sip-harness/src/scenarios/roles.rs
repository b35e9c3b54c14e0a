//! Scenarios of the non-call roles through the registrar and proxy
//! fixture ([`ProxyNode`]): registration (digest, 423, refresh,
//! unregister), a call between two registered phones through the proxy,
//! and an out-of-dialog MESSAGE routed by the proxy.

use super::calls::{phone_config, sdp_for};
use crate::adapters::ua::{AnswerPolicy, Outcome, Policy, UaNode};
use crate::fixtures::ProxyNode;
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::auth::Credentials;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transport::{Destination, Transport};
use sip_core::uri::Uri;
use sip_session::{
    Body, Event, InviteOptions, RegistererId, RegistererOptions, RegistererState, RequestOptions,
    SubscribeOptions, SubscriptionId, SubscriptionState, TerminationCause, UserAgent,
};
use std::net::SocketAddr;

pub(crate) const PROXY: ([u8; 4], u16) = ([10, 0, 0, 10], 5060);
pub(crate) const ALICE: ([u8; 4], u16) = ([10, 0, 0, 1], 5060);
pub(crate) const BOB: ([u8; 4], u16) = ([10, 0, 0, 2], 5060);
pub(crate) const USERS: &[(&str, &str)] = &[("alice", "wonderland"), ("bob", "builder")];

pub(crate) fn proxy(sim: &mut Sim) -> NodeRef<ProxyNode> {
    let addr = SocketAddr::from(PROXY);
    let seed = sim.derive_seed();
    sim.add_node_at(
        "proxy",
        [addr],
        ProxyNode::new("example.com", addr, USERS, seed),
    )
}

/// A phone `user` at `addr` whose requests all go to the proxy, with its
/// digest credentials.
pub(crate) fn phone(
    sim: &mut Sim,
    user: &str,
    display: &str,
    addr: SocketAddr,
    policy: Policy,
) -> NodeRef<UaNode> {
    let mut cfg = phone_config(user, display, addr);
    cfg.outbound_proxy = Some(Destination::Addr {
        transport: Transport::Udp,
        addr: SocketAddr::from(PROXY),
    });
    let password = USERS.iter().find(|(u, _)| *u == user).map_or("", |u| u.1);
    cfg.credentials = Some(Credentials::password(user, password));
    cfg.app_methods = vec![sip_core::Method::Message];
    let seed = sim.derive_seed();
    sim.add_node_at(user, [addr], UaNode::new(UserAgent::new(cfg, seed), policy))
}

/// Creates a Registerer on `phone` asking `expires` and registers at `at`.
fn register_at(sim: &mut Sim, phone: NodeRef<UaNode>, at: Instant, expires: u32, label: &str) {
    sim.at(at)
        .label(label.to_owned())
        .call(phone, move |n, now| {
            n.act(now, |ua, now| {
                let id = ua.create_registerer(RegistererOptions {
                    expires,
                    ..RegistererOptions::default()
                });
                ua.registerer(id)
                    .expect("just created")
                    .register(now)
                    .expect("the REGISTER goes out");
            });
        });
}

/// The Registerer states `phone` went through.
pub(crate) fn reg_states(sim: &Sim, phone: NodeRef<UaNode>) -> Vec<RegistererState> {
    sim.node(phone)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::RegistererStateChanged { to, .. } => Some(*to),
            _ => None,
        })
        .collect()
}

pub(crate) fn registered(sim: &Sim, phone: NodeRef<UaNode>) -> bool {
    reg_states(sim, phone).last() == Some(&RegistererState::Registered)
}

fn first_registerer(sim: &Sim, phone: NodeRef<UaNode>) -> Option<RegistererId> {
    sim.node(phone).ua().registerers().next()
}

/// A one-line summary of a Registerer or out-of-dialog event for the
/// trace; `None` for other events.
pub fn summarize(ev: &Event) -> Option<String> {
    Some(match ev {
        Event::RegistererStateChanged { registerer, to, .. } => format!("{registerer}: {to:?}"),
        Event::RegistrationFailed {
            registerer,
            status,
            retry_after,
        } => match retry_after {
            Some(s) => format!(
                "{registerer}: failed {} (retry after {s} s)",
                status.as_u16()
            ),
            None => format!("{registerer}: failed {}", status.as_u16()),
        },
        Event::RegistererContactChanged { registerer } => {
            format!("{registerer}: contact corrected (NAT)")
        }
        Event::Response { request, response } => {
            format!(
                "{request}: {} {}",
                response.status.as_u16(),
                response.reason
            )
        }
        Event::PublisherStateChanged { publisher, to, .. } => format!("{publisher}: {to:?}"),
        Event::PublicationFailed { publisher, status } => {
            format!("{publisher}: failed {}", status.as_u16())
        }
        Event::SubscriptionStateChanged {
            subscription, to, ..
        } => format!("{subscription}: {to:?}"),
        Event::Notify { subscription, body } => match body {
            Some(b) => format!(
                "{subscription}: NOTIFY {}",
                String::from_utf8_lossy(&b.content)
            ),
            None => format!("{subscription}: NOTIFY"),
        },
        Event::Subscribe { subscription } => format!("{subscription}: SUBSCRIBE received"),
        Event::SubscriptionForked {
            original,
            subscription,
        } => format!("{original}: forked into {subscription}"),
        _ => return None,
    })
}

/// Alice registers with the proxy's registrar: 401, REGISTER with
/// credentials asking 30 s, 423 (Min-Expires 60), REGISTER for 60 s, 200;
/// refreshes at 54 s and 108 s (reusing the nonce); unregisters at 150 s.
pub fn register(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(15)).with_faults(faults));
    let proxy = proxy(sim);
    let alice = phone(
        sim,
        "alice",
        "Alice",
        SocketAddr::from(ALICE),
        Policy::default(),
    );
    register_at(sim, alice, Instant::ZERO, 30, "Alice registers for 30 s");
    sim.run_until(|s| registered(s, alice) || s.now() > Instant::from_millis(60_000))
        .map_err(|e| e.to_string())?;
    if !registered(sim, alice) {
        return Err(format!(
            "Alice not registered: {:?}",
            reg_states(sim, alice)
        ));
    }
    let bound = sim.node(proxy).bindings("alice").len();
    if bound != 1 {
        return Err(format!("the registrar holds {bound} bindings for alice"));
    }
    let id = first_registerer(sim, alice).ok_or("no registerer")?;
    let left = 150_000u64.saturating_sub(sim.now().as_millis());
    sim.run_for(Duration::from_millis(left))
        .map_err(|e| e.to_string())?;
    // Unregister at 150 s; a refresh still in flight (under loss) refuses
    // the command until answered, so ask again each second.
    for _ in 0..60 {
        if reg_states(sim, alice).last() == Some(&RegistererState::Unregistered) {
            break;
        }
        let now = sim.now();
        sim.node_mut(alice).act(now, |ua, now| {
            if let Some(r) = ua.registerer(id) {
                let _ = r.unregister(now);
            }
        });
        sim.run_for(Duration::from_secs(1))
            .map_err(|e| e.to_string())?;
    }
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    let states = reg_states(sim, alice);
    if states.first() != Some(&RegistererState::Registered)
        || states.last() != Some(&RegistererState::Unregistered)
    {
        return Err(format!("Registerer states {states:?}"));
    }
    if !sim.node(proxy).bindings("alice").is_empty() {
        return Err("the binding outlived the unregister".to_owned());
    }
    // Refreshes kept the binding alive past its 60 s: no drop to
    // Unregistered before the unregister (a lost refresh under heavy loss
    // may, which the faulted runs tolerate only if it recovered).
    if faults.loss == 0.0 && states != [RegistererState::Registered, RegistererState::Unregistered]
    {
        return Err(format!("Registerer states {states:?}"));
    }
    Ok(())
}

/// Alice and Bob register with the proxy; Alice calls
/// `sip:bob@example.com` through it: the proxy finds Bob's binding and
/// forwards the INVITE, Bob answers after 2 s, they talk 5 s, Alice hangs
/// up (the BYE follows the Record-Route through the proxy).
pub fn proxied_call(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(15)).with_faults(faults));
    let (alice_addr, bob_addr) = (SocketAddr::from(ALICE), SocketAddr::from(BOB));
    let proxy = proxy(sim);
    let alice = phone(
        sim,
        "alice",
        "Alice",
        alice_addr,
        Policy {
            hangup_after: Some(Duration::from_secs(5)),
            sdp: Some(sdp_for("alice", alice_addr, 49170)),
            ..Policy::default()
        },
    );
    let bob = phone(
        sim,
        "bob",
        "Bob",
        bob_addr,
        Policy {
            answer: Some(AnswerPolicy {
                ring: Duration::from_secs(2),
                reject: None,
            }),
            sdp: Some(sdp_for("bob", bob_addr, 3456)),
            ..Policy::default()
        },
    );
    register_at(sim, alice, Instant::ZERO, 600, "Alice registers");
    register_at(sim, bob, Instant::ZERO, 600, "Bob registers");
    sim.run_until(|s| {
        (registered(s, alice) && registered(s, bob)) || s.now() > Instant::from_millis(60_000)
    })
    .map_err(|e| e.to_string())?;
    if !(registered(sim, alice) && registered(sim, bob)) {
        return Err("Alice and Bob did not both register".to_owned());
    }
    if sim.node(proxy).bindings("bob").len() != 1 {
        return Err("the registrar has no binding for Bob".to_owned());
    }
    let start = sim.now() + Duration::from_millis(100);
    let offer = sdp_for("alice", alice_addr, 49170);
    sim.at(start)
        .label("Alice calls sip:bob@example.com")
        .call(alice, move |n, now| {
            n.act(now, |ua, now| {
                let target = Uri::parse("sip:bob@example.com").expect("static URI");
                let opts = InviteOptions {
                    body: Some(offer),
                    ..InviteOptions::default()
                };
                ua.invite(now, target, opts).expect("the INVITE goes out");
            });
        });
    let ended = |s: &Sim, r: NodeRef<UaNode>| {
        let n = s.node(r);
        n.outcomes().next().is_some() && n.outcomes().all(|o| o.ended.is_some())
    };
    sim.run_until(|s| {
        (ended(s, alice) && ended(s, bob)) || s.now() > start + Duration::from_secs(120)
    })
    .map_err(|e| e.to_string())?;
    // The proxy's transactions outlive the call: a server transaction
    // that answered a non-INVITE stays Completed for Timer J (64*T1,
    // RFC 3261 §17.2.2) after its final response, which under loss may
    // go out long after the call ended. Its response context closes with
    // it, so wait for every transaction to end before checking.
    let settle = sim.now() + Duration::from_secs(120);
    let quiet = |s: &Sim| {
        s.node(proxy).layer().is_empty()
            && [alice, bob]
                .iter()
                .all(|&p| s.node(p).ua().transactions().is_empty())
    };
    sim.run_until(|s| quiet(s) || s.now() > settle)
        .map_err(|e| e.to_string())?;
    sim.run_for(Duration::from_secs(1))
        .map_err(|e| e.to_string())?;
    let one = |r: NodeRef<UaNode>, who: &str| -> Result<Outcome, String> {
        let v: Vec<Outcome> = sim.node(r).outcomes().copied().collect();
        match v.as_slice() {
            [o] => Ok(*o),
            _ => Err(format!("{who} saw {} sessions, expected 1", v.len())),
        }
    };
    let (a, b) = (one(alice, "Alice")?, one(bob, "Bob")?);
    if !(a.established && a.ended == Some(TerminationCause::Bye)) {
        return Err(format!("Alice: {a:?}"));
    }
    if !(b.established && b.ended == Some(TerminationCause::RemoteBye)) {
        return Err(format!("Bob: {b:?}"));
    }
    // Every response context closes with the last of its transactions.
    let p = sim.node(proxy);
    if !p.layer().is_empty() || p.open_contexts() != 0 {
        return Err(format!(
            "the proxy still holds {} transactions and {} request contexts",
            p.layer().len(),
            p.open_contexts()
        ));
    }
    Ok(())
}

/// Alice and Bob register; Alice sends a MESSAGE to
/// `sip:bob@example.com`; the proxy forwards it to Bob, whose application
/// accepts it; Alice gets the 200.
pub fn proxied_message(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(15)).with_faults(faults));
    let (alice_addr, bob_addr) = (SocketAddr::from(ALICE), SocketAddr::from(BOB));
    proxy(sim);
    let alice = phone(sim, "alice", "Alice", alice_addr, Policy::default());
    let bob = phone(sim, "bob", "Bob", bob_addr, Policy::default());
    register_at(sim, bob, Instant::ZERO, 600, "Bob registers");
    sim.run_until(|s| registered(s, bob) || s.now() > Instant::from_millis(60_000))
        .map_err(|e| e.to_string())?;
    if !registered(sim, bob) {
        return Err("Bob did not register".to_owned());
    }
    let start = sim.now() + Duration::from_millis(100);
    sim.at(start)
        .label("Alice sends a MESSAGE to sip:bob@example.com")
        .call(alice, |n, now| {
            n.act(now, |ua, now| {
                let target = Uri::parse("sip:bob@example.com").expect("static URI");
                ua.message(
                    now,
                    target,
                    Body::new("text/plain", &b"Hello Bob"[..]),
                    RequestOptions::default(),
                )
                .expect("the MESSAGE goes out");
            });
        });
    let answered = |s: &Sim| {
        s.node(alice).events().iter().find_map(|(_, e)| match e {
            Event::Response { response, .. } => Some(response.status),
            _ => None,
        })
    };
    sim.run_until(|s| answered(s).is_some() || s.now() > start + Duration::from_secs(60))
        .map_err(|e| e.to_string())?;
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    let got = sim
        .node(bob)
        .events()
        .iter()
        .filter(|(_, e)| matches!(e, Event::Request { session: None, .. }))
        .count();
    if got == 0 {
        return Err("Bob's application never saw the MESSAGE".to_owned());
    }
    match answered(sim) {
        Some(StatusCode::OK) => Ok(()),
        other => Err(format!("Alice's MESSAGE ended with {other:?}")),
    }
}

fn presence_doc(who: &str, basic: &str) -> Body {
    Body::new(
        "application/pidf+xml",
        format!(
            "<presence entity=\"sip:{who}@example.com\"><tuple id=\"t1\"><status><basic>{basic}</basic></status></tuple></presence>"
        ),
    )
}

pub(crate) fn sub_states(sim: &Sim, phone: NodeRef<UaNode>) -> Vec<SubscriptionState> {
    sim.node(phone)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::SubscriptionStateChanged { to, .. } => Some(*to),
            _ => None,
        })
        .collect()
}

pub(crate) fn incoming_subscription(sim: &Sim, phone: NodeRef<UaNode>) -> Option<SubscriptionId> {
    sim.node(phone).events().iter().find_map(|(_, e)| match e {
        Event::Subscribe { subscription } => Some(*subscription),
        _ => None,
    })
}

pub(crate) fn notified(sim: &Sim, phone: NodeRef<UaNode>) -> Vec<String> {
    sim.node(phone)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Notify { body: Some(b), .. } => {
                Some(String::from_utf8_lossy(&b.content).into_owned())
            }
            _ => None,
        })
        .collect()
}

/// Presence through the proxy (RFC 6665, RFC 3856 style): Alice and Bob
/// register; Alice subscribes to `sip:bob@example.com;presence`; Bob's
/// application accepts (NOTIFY open); 5 s later Bob goes away (NOTIFY
/// closed); 5 s later Alice unsubscribes (NOTIFY terminated).
pub fn presence(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(15)).with_faults(faults));
    let (alice_addr, bob_addr) = (SocketAddr::from(ALICE), SocketAddr::from(BOB));
    proxy(sim);
    let alice = phone(sim, "alice", "Alice", alice_addr, Policy::default());
    let bob = phone(sim, "bob", "Bob", bob_addr, Policy::default());
    sim.at(Instant::ZERO).call(bob, |n, now| {
        n.act(now, |ua, _| ua.accept_subscriptions(&["presence"]))
    });
    register_at(sim, bob, Instant::ZERO, 600, "Bob registers");
    sim.run_until(|s| registered(s, bob) || s.now() > Instant::from_millis(60_000))
        .map_err(|e| e.to_string())?;
    if !registered(sim, bob) {
        return Err("Bob did not register".to_owned());
    }
    let start = sim.now() + Duration::from_millis(100);
    sim.at(start)
        .label("Alice subscribes to Bob's presence")
        .call(alice, |n, now| {
            n.act(now, |ua, now| {
                let target = Uri::parse("sip:bob@example.com").expect("static URI");
                let opts = SubscribeOptions {
                    expires: 600,
                    accept: vec!["application/pidf+xml".to_owned()],
                    ..SubscribeOptions::default()
                };
                ua.subscribe(now, target, "presence", opts)
                    .expect("the SUBSCRIBE goes out");
            });
        });
    let limit = start + Duration::from_secs(60);
    sim.run_until(|s| incoming_subscription(s, bob).is_some() || s.now() > limit)
        .map_err(|e| e.to_string())?;
    let b = incoming_subscription(sim, bob).ok_or("Bob never got the SUBSCRIBE")?;
    let now = sim.now();
    sim.node_mut(bob).act(now, |ua, now| {
        ua.subscription(b).map(|s| {
            s.accept(
                now,
                SubscriptionState::Active,
                Some(presence_doc("bob", "open")),
            )
        })
    });
    let open_at = sim.now();
    sim.run_until(|s| {
        !notified(s, alice).is_empty() || s.now() > open_at + Duration::from_secs(60)
    })
    .map_err(|e| e.to_string())?;
    let left = (open_at + Duration::from_secs(5))
        .as_millis()
        .saturating_sub(sim.now().as_millis());
    sim.run_for(Duration::from_millis(left))
        .map_err(|e| e.to_string())?;
    let now = sim.now();
    sim.node_mut(bob).act(now, |ua, now| {
        ua.subscription(b).map(|s| {
            s.notify(
                now,
                SubscriptionState::Active,
                Some(presence_doc("bob", "closed")),
            )
        })
    });
    sim.run_until(|s| notified(s, alice).len() >= 2 || s.now() > now + Duration::from_secs(60))
        .map_err(|e| e.to_string())?;
    sim.run_for(Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    let now = sim.now();
    let id = sim
        .node(alice)
        .ua()
        .subscriptions()
        .next()
        .ok_or("Alice has no subscription")?;
    sim.node_mut(alice).act(now, |ua, now| {
        ua.subscription(id).map(|s| s.unsubscribe(now))
    });
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    let docs = notified(sim, alice);
    if docs.len() < 2 || !docs[0].contains("open") || !docs.iter().any(|d| d.contains("closed")) {
        return Err(format!("Alice saw {docs:?}"));
    }
    let a = sub_states(sim, alice);
    if a.first() != Some(&SubscriptionState::NotifyWait)
        || !a.contains(&SubscriptionState::Active)
        || a.last() != Some(&SubscriptionState::Terminated)
    {
        return Err(format!("Alice's subscription went {a:?}"));
    }
    let bs = sub_states(sim, bob);
    if bs.last() != Some(&SubscriptionState::Terminated) {
        return Err(format!("Bob's subscription went {bs:?}"));
    }
    Ok(())
}
