//! Subscriptions (RFC 6665): our Subscriber against our Notifier
//! (presence-style), and the SIP.js subscription.spec.ts checklist against
//! a scripted notifier: Timer N, NOTIFY before the 2xx, 481/489 checks,
//! terminated reasons, refresh, unsubscribe, forked NOTIFYs.

mod support;

use sip_core::auth::Credentials;
use sip_core::header::HeaderName;
use sip_core::message::{Message, Request, Response};
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;
use SubscriptionState::*;

const PIDF: &str = "application/pidf+xml";

fn sub_states(net: &Net, i: usize, id: SubscriptionId) -> Vec<SubscriptionState> {
    net.events(i)
        .filter_map(|e| match e {
            Event::SubscriptionStateChanged {
                subscription, to, ..
            } if *subscription == id => Some(*to),
            _ => None,
        })
        .collect()
}

fn notifies(net: &Net, i: usize) -> Vec<Option<Vec<u8>>> {
    net.events(i)
        .filter_map(|e| match e {
            Event::Notify { body, .. } => Some(body.as_ref().map(|b| b.content.clone())),
            _ => None,
        })
        .collect()
}

/// Alice subscribes to Bob's presence; Bob's application accepts
/// (Active) with a first document.
fn presence_pair() -> (Net, usize, usize, SubscriptionId) {
    let mut net = Net::new(11, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    net.ua(bob).accept_subscriptions(&["presence"]);
    net.set_policy(
        bob,
        Box::new(|ua, now, e| {
            if let Event::Subscribe { subscription } = e {
                let s = ua.subscription(*subscription).unwrap();
                assert_eq!(s.event(), "presence");
                s.accept(now, Active, Some(Body::new(PIDF, &b"<open/>"[..])))
                    .unwrap();
            }
        }),
    );
    let target = net.uri(bob);
    let now = net.now;
    let id = net
        .ua(alice)
        .subscribe(
            now,
            target,
            "presence",
            SubscribeOptions {
                expires: 600,
                accept: vec![PIDF.to_owned()],
                ..Default::default()
            },
        )
        .unwrap();
    net.run_for(Duration::from_secs(1));
    (net, alice, bob, id)
}

fn bob_sub(net: &mut Net, bob: usize) -> SubscriptionId {
    net.ua(bob).subscriptions().next().expect("Bob's side")
}

#[test]
fn presence_subscribe_notify_update_and_unsubscribe() {
    let (mut net, alice, bob, id) = presence_pair();
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Active]);
    assert_eq!(notifies(&net, alice), vec![Some(b"<open/>".to_vec())]);
    let b = bob_sub(&mut net, bob);
    assert_eq!(net.ua(bob).subscription(b).unwrap().expires(), 600);
    // Bob's presence changes.
    let now = net.now;
    net.ua(bob)
        .subscription(b)
        .unwrap()
        .notify(now, Active, Some(Body::new(PIDF, &b"<closed/>"[..])))
        .unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(notifies(&net, alice).len(), 2);
    assert_eq!(
        net.ua(alice)
            .subscription(id)
            .unwrap()
            .body()
            .unwrap()
            .content,
        b"<closed/>".to_vec()
    );
    // Alice unsubscribes: Expires 0, Bob's final NOTIFY is answered.
    let now = net.now;
    net.ua(alice)
        .subscription(id)
        .unwrap()
        .unsubscribe(now)
        .unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(
        sub_states(&net, alice, id),
        vec![NotifyWait, Active, Terminated]
    );
    assert_eq!(sub_states(&net, bob, b), vec![Active, Terminated]);
    assert_eq!(net.finals(alice, "NOTIFY"), vec![StatusCode::OK; 3]);
    net.run_for(Duration::from_secs(40));
    assert_eq!(
        net.ua(alice).subscriptions().count(),
        0,
        "dropped after lingering"
    );
    assert_eq!(net.ua(bob).subscriptions().count(), 0);
}

#[test]
fn subscriber_refreshes_and_notifier_expires() {
    let (mut net, alice, bob, id) = presence_pair();
    // Refresh at 90 % of 600 s: a SUBSCRIBE, 200, and a NOTIFY.
    net.run_for(Duration::from_secs(541));
    let subscribes = net
        .methods(alice)
        .iter()
        .filter(|m| *m == "SUBSCRIBE")
        .count();
    assert_eq!(subscribes, 2);
    assert_eq!(notifies(&net, alice).len(), 2);
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Active]);
    // Alice's next refreshes are lost: Bob's side expires at 1140 s.
    net.filter = Some(Box::new(move |from, m| {
        !(from == alice && matches!(m, Message::Request(r) if r.method == Method::Subscribe))
    }));
    net.run_for(Duration::from_secs(700));
    let b = net
        .events(bob)
        .find_map(|e| match e {
            Event::Subscribe { subscription } => Some(*subscription),
            _ => None,
        })
        .unwrap();
    assert_eq!(sub_states(&net, bob, b), vec![Active, Terminated]);
    let last_notify = net
        .wire
        .iter()
        .rev()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Notify => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        last_notify.headers.get(&HeaderName::SubscriptionState),
        Some("terminated;reason=timeout")
    );
    assert_eq!(net.ua(bob).subscriptions().count(), 0);
}

#[test]
fn notifier_terminates_with_noresource() {
    let (mut net, alice, bob, id) = presence_pair();
    let b = bob_sub(&mut net, bob);
    let now = net.now;
    net.ua(bob)
        .subscription(b)
        .unwrap()
        .terminate(now, sip_core::header::TerminationReason::Noresource, None)
        .unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(
        sub_states(&net, alice, id),
        vec![NotifyWait, Active, Terminated]
    );
    assert_eq!(
        net.ua(alice)
            .subscription(id)
            .unwrap()
            .reason()
            .map(|r| r.as_str().to_owned()),
        Some("noresource".to_owned())
    );
}

#[test]
fn unknown_package_is_refused_489_and_ends_the_subscription() {
    let mut net = Net::new(11, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    net.ua(bob).accept_subscriptions(&["presence"]);
    let target = net.uri(bob);
    let now = net.now;
    let id = net
        .ua(alice)
        .subscribe(now, target, "dialog", SubscribeOptions::default())
        .unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(net.finals(bob, "SUBSCRIBE"), vec![StatusCode::BAD_EVENT]);
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Terminated]);
}

#[test]
fn without_a_notifier_subscribe_is_405() {
    let mut net = Net::new(11, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    let target = net.uri(bob);
    let now = net.now;
    net.ua(alice)
        .subscribe(now, target, "presence", SubscribeOptions::default())
        .unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(
        net.finals(bob, "SUBSCRIBE"),
        vec![StatusCode::METHOD_NOT_ALLOWED]
    );
}

#[test]
fn fetch_with_expires_zero_gets_one_terminating_notify() {
    let mut net = Net::new(11, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    net.ua(bob).accept_subscriptions(&["presence"]);
    net.set_policy(
        bob,
        Box::new(|ua, now, e| {
            if let Event::Subscribe { subscription } = e {
                let s = ua.subscription(*subscription).unwrap();
                s.accept(now, Active, Some(Body::new(PIDF, &b"<open/>"[..])))
                    .unwrap();
            }
        }),
    );
    let target = net.uri(bob);
    let now = net.now;
    let id = net
        .ua(alice)
        .subscribe(
            now,
            target,
            "presence",
            SubscribeOptions {
                expires: 0,
                ..Default::default()
            },
        )
        .unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(notifies(&net, alice), vec![Some(b"<open/>".to_vec())]);
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Terminated]);
}

// ----- against a scripted notifier (SIP.js subscription.spec.ts) -------

fn scripted() -> (Net, usize, usize, SubscriptionId) {
    let mut net = Net::new(12, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| {
        c.credentials = Some(Credentials::password("alice", "pw"));
    });
    let peer = net.add_raw("notifier");
    let target = net.uri(peer);
    let now = net.now;
    let id = net
        .ua(alice)
        .subscribe(now, target, "presence", SubscribeOptions::default())
        .unwrap();
    net.run_for(Duration::from_millis(50));
    (net, alice, peer, id)
}

fn requests(net: &Net, i: usize, method: Method) -> Vec<Request> {
    let mut out: Vec<Request> = Vec::new();
    for m in net.inbox(i) {
        if let Message::Request(r) = m {
            let cseq = r.headers.get(&HeaderName::CSeq);
            let branch = r.headers.get(&HeaderName::Via);
            if r.method == method
                && !out.iter().any(|o| {
                    o.headers.get(&HeaderName::CSeq) == cseq
                        && o.headers.get(&HeaderName::Via) == branch
                })
            {
                out.push(r.clone());
            }
        }
    }
    out
}

fn respond(
    net: &mut Net,
    peer: usize,
    alice: usize,
    req: &Request,
    status: StatusCode,
    extra: &[(HeaderName, &str)],
) {
    let mut r = Response::from_request(req, status);
    if !r
        .headers
        .get(&HeaderName::To)
        .is_some_and(|to| to.contains("tag="))
    {
        r.headers
            .append_to_first(&HeaderName::To, &[";tag=notifier1"]);
    }
    r.headers.push(
        HeaderName::Contact,
        format!("<sip:notifier@{}>", net.nodes[peer].addr),
    );
    for (n, v) in extra {
        r.headers.push(n.clone(), *v);
    }
    net.inject(peer, alice, &r.to_bytes());
    net.run_for(Duration::from_millis(50));
}

/// A NOTIFY for `sub` (the SUBSCRIBE) from notifier tag `tag`.
fn notify(
    net: &mut Net,
    peer: usize,
    alice: usize,
    sub: &Request,
    tag: &str,
    cseq: u32,
    headers: &[(HeaderName, &str)],
) {
    let h = &sub.headers;
    let mut n = Request::new(
        Method::Notify,
        sip_core::uri::Uri::parse(&format!("sip:alice@{}", net.nodes[alice].addr)).unwrap(),
    );
    n.headers.push(
        HeaderName::Via,
        format!(
            "SIP/2.0/UDP {};branch=z9hG4bKn{tag}{cseq}",
            net.nodes[peer].addr
        ),
    );
    n.headers.push(HeaderName::MaxForwards, "70");
    n.headers.push(
        HeaderName::From,
        format!("{};tag={tag}", h.get(&HeaderName::To).unwrap()),
    );
    n.headers
        .push(HeaderName::To, h.get(&HeaderName::From).unwrap());
    n.headers
        .push(HeaderName::CallId, h.get(&HeaderName::CallId).unwrap());
    n.headers.push(HeaderName::CSeq, format!("{cseq} NOTIFY"));
    for (name, v) in headers {
        n.headers.push(name.clone(), *v);
    }
    net.inject(peer, alice, &n.to_bytes());
    net.run_for(Duration::from_millis(50));
}

fn contact(net: &Net, peer: usize) -> String {
    format!("<sip:notifier@{}>", net.nodes[peer].addr)
}

fn notify_answers(net: &Net, from: usize) -> Vec<StatusCode> {
    net.finals(from, "NOTIFY")
}

#[test]
fn no_notify_ends_with_timer_n() {
    let (mut net, alice, peer, id) = scripted();
    let sub = requests(&net, peer, Method::Subscribe).remove(0);
    assert_eq!(sub.headers.get(&HeaderName::Event), Some("presence"));
    assert_eq!(sub.headers.get(&HeaderName::Expires), Some("3600"));
    assert!(sub.headers.get(&HeaderName::Contact).is_some());
    respond(
        &mut net,
        peer,
        alice,
        &sub,
        StatusCode::ACCEPTED,
        &[(HeaderName::Expires, "3600")],
    );
    assert_eq!(net.ua(alice).subscription(id).unwrap().state(), NotifyWait);
    net.run_for(Duration::from_secs(33));
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Terminated]);
}

#[test]
fn notify_before_the_2xx_subscribes() {
    let (mut net, alice, peer, id) = scripted();
    let sub = requests(&net, peer, Method::Subscribe).remove(0);
    let c = contact(&net, peer);
    notify(
        &mut net,
        peer,
        alice,
        &sub,
        "n1",
        1,
        &[
            (HeaderName::Event, "presence"),
            (HeaderName::SubscriptionState, "active;expires=100"),
            (HeaderName::Contact, &c),
        ],
    );
    assert_eq!(notify_answers(&net, alice), vec![StatusCode::OK]);
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Active]);
    respond(
        &mut net,
        peer,
        alice,
        &sub,
        StatusCode::OK,
        &[(HeaderName::Expires, "100")],
    );
    // The refresh goes in the dialog the NOTIFY made, at 90 s.
    net.run_for(Duration::from_secs(91));
    let subs = requests(&net, peer, Method::Subscribe);
    assert_eq!(subs.len(), 2);
    assert!(subs[1]
        .headers
        .get(&HeaderName::To)
        .unwrap()
        .contains("tag=n1"));
    assert_eq!(subs[1].headers.get(&HeaderName::CSeq), Some("2 SUBSCRIBE"));
}

#[test]
fn challenged_subscribe_is_retried() {
    let (mut net, alice, peer, id) = scripted();
    let sub = requests(&net, peer, Method::Subscribe).remove(0);
    respond(
        &mut net,
        peer,
        alice,
        &sub,
        StatusCode::PROXY_AUTHENTICATION_REQUIRED,
        &[(
            HeaderName::ProxyAuthenticate,
            "Digest realm=\"x\", nonce=\"y\", qop=\"auth\"",
        )],
    );
    let subs = requests(&net, peer, Method::Subscribe);
    assert_eq!(subs.len(), 2);
    assert!(subs[1]
        .headers
        .get(&HeaderName::ProxyAuthorization)
        .is_some());
    respond(&mut net, peer, alice, &subs[1], StatusCode::OK, &[]);
    let c = contact(&net, peer);
    notify(
        &mut net,
        peer,
        alice,
        &subs[1],
        "notifier1",
        1,
        &[
            (HeaderName::Event, "presence"),
            (HeaderName::SubscriptionState, "pending"),
            (HeaderName::Contact, &c),
        ],
    );
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Pending]);
}

#[test]
fn rejected_subscribe_terminates() {
    let (mut net, alice, peer, id) = scripted();
    let sub = requests(&net, peer, Method::Subscribe).remove(0);
    respond(
        &mut net,
        peer,
        alice,
        &sub,
        StatusCode::TEMPORARILY_UNAVAILABLE,
        &[],
    );
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Terminated]);
}

#[test]
fn bad_notifies_get_481_and_489() {
    let (mut net, alice, peer, id) = scripted();
    let sub = requests(&net, peer, Method::Subscribe).remove(0);
    respond(&mut net, peer, alice, &sub, StatusCode::OK, &[]);
    let c = contact(&net, peer);
    // Wrong Event: no subscription matches (481).
    notify(
        &mut net,
        peer,
        alice,
        &sub,
        "n1",
        1,
        &[
            (HeaderName::Event, "dialog"),
            (HeaderName::SubscriptionState, "active"),
            (HeaderName::Contact, &c),
        ],
    );
    // No Event, no Subscription-State: 489.
    notify(
        &mut net,
        peer,
        alice,
        &sub,
        "n1",
        2,
        &[
            (HeaderName::SubscriptionState, "active"),
            (HeaderName::Contact, &c),
        ],
    );
    notify(
        &mut net,
        peer,
        alice,
        &sub,
        "n1",
        3,
        &[(HeaderName::Event, "presence"), (HeaderName::Contact, &c)],
    );
    assert_eq!(
        notify_answers(&net, alice),
        vec![
            StatusCode::CALL_DOES_NOT_EXIST,
            StatusCode::BAD_EVENT,
            StatusCode::BAD_EVENT
        ]
    );
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait]);
    net.run_for(Duration::from_secs(33));
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Terminated]);
}

#[test]
fn terminated_reasons() {
    // (reason header, expect a new SUBSCRIBE at once, after 5 s, never)
    let cases: &[(&str, Option<u64>)] = &[
        ("terminated", None),
        ("terminated;reason=timeout", Some(0)),
        ("terminated;reason=deactivated", Some(0)),
        ("terminated;reason=probation;retry-after=5", Some(5)),
        ("terminated;reason=giveup;retry-after=5", Some(5)),
        ("terminated;reason=rejected", None),
        ("terminated;reason=noresource", None),
        ("terminated;reason=invariant", None),
        ("terminated;reason=probation", None),
    ];
    for (state, again) in cases {
        let (mut net, alice, peer, id) = scripted();
        let sub = requests(&net, peer, Method::Subscribe).remove(0);
        respond(&mut net, peer, alice, &sub, StatusCode::OK, &[]);
        let c = contact(&net, peer);
        notify(
            &mut net,
            peer,
            alice,
            &sub,
            "notifier1",
            1,
            &[
                (HeaderName::Event, "presence"),
                (HeaderName::SubscriptionState, "active;expires=3600"),
                (HeaderName::Contact, &c),
            ],
        );
        notify(
            &mut net,
            peer,
            alice,
            &sub,
            "notifier1",
            2,
            &[
                (HeaderName::Event, "presence"),
                (HeaderName::SubscriptionState, state),
            ],
        );
        assert_eq!(
            notify_answers(&net, alice),
            vec![StatusCode::OK; 2],
            "{state}"
        );
        let count = |net: &Net| requests(net, peer, Method::Subscribe).len();
        match again {
            None => {
                net.run_for(Duration::from_secs(10));
                assert_eq!(count(&net), 1, "{state}");
                assert_eq!(
                    sub_states(&net, alice, id),
                    vec![NotifyWait, Active, Terminated],
                    "{state}"
                );
            }
            Some(secs) => {
                if *secs > 0 {
                    net.run_for(Duration::from_secs(secs - 1));
                    assert_eq!(count(&net), 1, "{state}: not before retry-after");
                }
                net.run_for(Duration::from_secs(2));
                let subs = requests(&net, peer, Method::Subscribe);
                assert_eq!(subs.len(), 2, "{state}");
                assert_ne!(
                    subs[1].headers.get(&HeaderName::CallId),
                    subs[0].headers.get(&HeaderName::CallId),
                    "{state}: a new subscription"
                );
                assert_eq!(
                    net.ua(alice).subscription(id).unwrap().state(),
                    NotifyWait,
                    "{state}"
                );
            }
        }
    }
}

#[test]
fn forked_notifies_create_two_subscriptions() {
    let (mut net, alice, peer, id) = scripted();
    let sub = requests(&net, peer, Method::Subscribe).remove(0);
    let c = contact(&net, peer);
    for tag in ["fork1", "fork2"] {
        notify(
            &mut net,
            peer,
            alice,
            &sub,
            tag,
            1,
            &[
                (HeaderName::Event, "presence"),
                (HeaderName::SubscriptionState, "active;expires=600"),
                (HeaderName::Contact, &c),
            ],
        );
    }
    assert_eq!(notify_answers(&net, alice), vec![StatusCode::OK; 2]);
    let forked: Vec<SubscriptionId> = net
        .events(alice)
        .filter_map(|e| match e {
            Event::SubscriptionForked {
                original,
                subscription,
            } if *original == id => Some(*subscription),
            _ => None,
        })
        .collect();
    assert_eq!(forked.len(), 1);
    assert_eq!(net.ua(alice).subscription(id).unwrap().state(), Active);
    assert_eq!(
        net.ua(alice).subscription(forked[0]).unwrap().state(),
        Active
    );
    // Each is unsubscribed in its own dialog.
    let now = net.now;
    net.ua(alice)
        .subscription(forked[0])
        .unwrap()
        .unsubscribe(now)
        .unwrap();
    net.run_for(Duration::from_millis(50));
    let last = requests(&net, peer, Method::Subscribe).pop().unwrap();
    assert!(last
        .headers
        .get(&HeaderName::To)
        .unwrap()
        .contains("tag=fork2"));
    assert_eq!(last.headers.get(&HeaderName::Expires), Some("0"));
}

#[test]
fn out_of_order_notify_is_500() {
    let (mut net, alice, peer, _id) = scripted();
    let sub = requests(&net, peer, Method::Subscribe).remove(0);
    let c = contact(&net, peer);
    notify(
        &mut net,
        peer,
        alice,
        &sub,
        "n1",
        5,
        &[
            (HeaderName::Event, "presence"),
            (HeaderName::SubscriptionState, "active"),
            (HeaderName::Contact, &c),
        ],
    );
    notify(
        &mut net,
        peer,
        alice,
        &sub,
        "n1",
        4,
        &[
            (HeaderName::Event, "presence"),
            (HeaderName::SubscriptionState, "active"),
            (HeaderName::Contact, &c),
        ],
    );
    assert_eq!(
        notify_answers(&net, alice),
        vec![StatusCode::OK, StatusCode::SERVER_INTERNAL_ERROR]
    );
}

#[test]
fn notifier_ends_when_a_notify_is_refused_and_answers_480_without_the_application() {
    // Bob's application never answers the SUBSCRIBE: 480 after the
    // answer timeout.
    let mut net = Net::new(13, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |c| {
        c.request_answer_timeout = Duration::from_secs(5)
    });
    net.ua(bob).accept_subscriptions(&["presence"]);
    let target = net.uri(bob);
    let now = net.now;
    let id = net
        .ua(alice)
        .subscribe(now, target, "presence", SubscribeOptions::default())
        .unwrap();
    net.run_for(Duration::from_secs(6));
    assert_eq!(
        net.finals(bob, "SUBSCRIBE"),
        vec![StatusCode::TEMPORARILY_UNAVAILABLE]
    );
    assert_eq!(sub_states(&net, alice, id), vec![NotifyWait, Terminated]);

    // A NOTIFY answered 481 ends the notifier's side (RFC 6665 §4.2.2).
    let (mut net, alice, bob, _id) = presence_pair();
    net.filter = Some(Box::new(move |from, m| {
        if from == alice {
            if let Message::Response(r) = m {
                if r.headers
                    .get(&HeaderName::CSeq)
                    .is_some_and(|c| c.ends_with("NOTIFY"))
                {
                    r.status = StatusCode::CALL_DOES_NOT_EXIST;
                }
            }
        }
        true
    }));
    let b = bob_sub(&mut net, bob);
    let now = net.now;
    net.ua(bob)
        .subscription(b)
        .unwrap()
        .notify(now, Active, Some(Body::new(PIDF, &b"<closed/>"[..])))
        .unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(sub_states(&net, bob, b), vec![Active, Terminated]);
}

#[test]
fn a_notifier_lists_subscribe_in_allow() {
    let mut net = Net::new(14, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    net.ua(bob).accept_subscriptions(&["presence"]);
    let target = net.uri(bob);
    let now = net.now;
    net.ua(alice)
        .options(now, target, RequestOptions::default())
        .unwrap();
    net.run_for(Duration::from_secs(1));
    let allow = net
        .events(alice)
        .find_map(|e| match e {
            Event::Response { response, .. } => {
                response.headers.get(&HeaderName::Allow).map(str::to_owned)
            }
            _ => None,
        })
        .unwrap();
    assert!(allow.contains("SUBSCRIBE"), "{allow}");
}
