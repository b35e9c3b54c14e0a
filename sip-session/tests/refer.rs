//! REFER (RFC 3515) among three of our agents (Alice, Bob, Carol): blind
//! transfer with the implicit subscription's NOTIFYs, a rejected REFER,
//! `Refer-Sub: false` (RFC 4488), a transfer to a target that answers
//! 404, and attended transfer with Replaces (RFC 3891) and Referred-By
//! (RFC 3892); the main flow also in a seed sweep under a bad network.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

/// Accepts calls with an SDP answer; follows REFERs (accept_referral with
/// an offer) when `follow`, else rejects them 603.
fn phone(name: &'static str, follow: bool, reject_calls: Option<StatusCode>) -> Policy {
    Box::new(move |ua, now, e| match e {
        Event::Invitation { session } => {
            let mut inv = ua.invitation(*session).unwrap();
            let _ = match reject_calls {
                Some(status) => inv.reject(
                    now,
                    RejectOptions {
                        status,
                        ..Default::default()
                    },
                ),
                None => inv.accept(
                    now,
                    AcceptOptions {
                        body: Some(sdp(name, "answer")),
                        ..Default::default()
                    },
                ),
            };
        }
        Event::Request {
            request,
            method: Method::Refer,
            ..
        } => {
            if follow {
                let opts = InviteOptions {
                    body: Some(sdp(name, "offer")),
                    ..Default::default()
                };
                ua.accept_referral(now, *request, opts).unwrap();
            } else {
                ua.request(*request)
                    .unwrap()
                    .reject(now, StatusCode::DECLINE)
                    .unwrap();
            }
        }
        _ => {}
    })
}

struct World {
    net: Net,
    alice: usize,
    bob: usize,
    carol: usize,
    /// Alice's session with Bob, and Bob's.
    a_ab: SessionId,
    b_ab: SessionId,
}

/// Alice calls Bob (Bob answers); Carol is around.
fn world(
    seed: u64,
    impair: Impairments,
    alice_follows: bool,
    carol_rejects: Option<StatusCode>,
) -> World {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", seed * 5 + 1, |c| {
        c.app_methods = vec![Method::Refer]
    });
    let bob = net.add("bob", seed * 5 + 2, |c| c.app_methods = vec![Method::Refer]);
    let carol = net.add("carol", seed * 5 + 3, |c| {
        c.replaces = ExtensionSupport::Supported;
        // Rings as long as a test wants before answering.
        c.no_answer_timeout = Duration::from_secs(300);
    });
    net.set_policy(alice, phone("alice", alice_follows, None));
    net.set_policy(bob, phone("bob", false, None));
    net.set_policy(carol, phone("carol", false, carol_rejects));
    let a_ab = net.call_with_offer(alice, bob);
    assert!(net.run_until(SECOND * 40, |n| n.state(alice, a_ab)
        == SessionState::Established
        && n.invitation(bob)
            .is_some_and(|b| n.state(bob, b) == SessionState::Established)));
    let b_ab = net.invitation(bob).unwrap();
    net.run_for(SECOND);
    World {
        net,
        alice,
        bob,
        carol,
        a_ab,
        b_ab,
    }
}

fn refer_notifies(net: &Net, i: usize, s: SessionId) -> Vec<(Option<u16>, bool)> {
    net.events(i)
        .filter_map(|e| match e {
            Event::ReferNotify {
                session,
                status,
                terminated,
            } if *session == s => Some((status.map(|c| c.as_u16()), *terminated)),
            _ => None,
        })
        .collect()
}

fn outcomes(net: &Net, i: usize, s: SessionId, m: Method) -> Vec<u16> {
    net.events(i)
        .filter_map(|e| match e {
            Event::RequestOutcome {
                session,
                method,
                status,
            } if *session == s && *method == m => Some(status.as_u16()),
            _ => None,
        })
        .collect()
}

fn refer(w: &mut World, target: ReferTarget, subscribe: bool) {
    let now = w.net.now;
    let mut opts = ReferOptions::new(target);
    opts.subscribe = subscribe;
    w.net
        .ua(w.bob)
        .session_mut(w.b_ab)
        .unwrap()
        .refer(now, opts)
        .unwrap();
}

fn alice_sessions_with(w: &World, peer: &str) -> Vec<SessionId> {
    let mut v = Vec::new();
    for e in w.net.events(w.alice) {
        if let Event::StateChanged {
            session,
            to: SessionState::Establishing,
            ..
        } = e
        {
            v.push(*session);
        }
    }
    let _ = peer;
    v.into_iter().filter(|s| *s != w.a_ab).collect()
}

#[test]
fn blind_transfer_places_the_call_and_notifies_each_response() {
    let mut w = world(1, Impairments::PERFECT, true, None);
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), true);
    w.net.run_for(SECOND * 2);
    let (alice, bob, carol) = (w.alice, w.bob, w.carol);
    assert_eq!(outcomes(&w.net, bob, w.b_ab, Method::Refer), [202]);
    // 100 (active), 180 (active), 200 (terminated).
    assert_eq!(
        refer_notifies(&w.net, bob, w.b_ab),
        [(Some(100), false), (Some(180), false), (Some(200), true)]
    );
    let new = alice_sessions_with(&w, "carol");
    assert_eq!(new.len(), 1);
    assert_eq!(w.net.state(alice, new[0]), SessionState::Established);
    let c = w.net.invitation(carol).unwrap();
    assert_eq!(w.net.state(carol, c), SessionState::Established);
    // The INVITE to Carol carries Referred-By (RFC 3892).
    let invite = w
        .net
        .wire
        .iter()
        .find_map(|x| match &x.message {
            Message::Request(r) if r.method == Method::Invite && x.to == Some(carol) => {
                Some(r.clone())
            }
            _ => None,
        })
        .unwrap();
    assert!(invite
        .headers
        .get(&HeaderName::ReferredBy)
        .is_some_and(|v| v.contains("bob")));
    // The NOTIFYs: Event refer, sipfrag, Subscription-State.
    let states: Vec<String> = w
        .net
        .wire
        .iter()
        .filter_map(|x| match &x.message {
            Message::Request(r) if r.method == Method::Notify => r
                .headers
                .get(&HeaderName::SubscriptionState)
                .map(str::to_owned),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [
            "active;expires=60",
            "active;expires=60",
            "terminated;reason=noresource"
        ]
    );
    // The transfer does not end Bob's session: he hangs up himself.
    assert_eq!(w.net.state(bob, w.b_ab), SessionState::Established);
    assert!(w.net.unanswered().is_empty(), "{:?}", w.net.unanswered());
}

#[test]
fn rejected_refer_is_reported_and_nothing_is_placed() {
    let mut w = world(2, Impairments::PERFECT, false, None);
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), true);
    w.net.run_for(SECOND);
    assert_eq!(outcomes(&w.net, w.bob, w.b_ab, Method::Refer), [603]);
    assert!(refer_notifies(&w.net, w.bob, w.b_ab).is_empty());
    assert!(w.net.invitation(w.carol).is_none());
}

#[test]
fn refer_sub_false_gets_no_notify() {
    let mut w = world(3, Impairments::PERFECT, true, None);
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), false);
    w.net.run_for(SECOND * 2);
    assert_eq!(outcomes(&w.net, w.bob, w.b_ab, Method::Refer), [202]);
    assert!(refer_notifies(&w.net, w.bob, w.b_ab).is_empty());
    assert!(w
        .net
        .wire
        .iter()
        .all(|x| !matches!(&x.message, Message::Request(r) if r.method == Method::Notify)));
    let ok = w
        .net
        .wire
        .iter()
        .find_map(|x| match &x.message {
            Message::Response(r) if r.status == StatusCode::ACCEPTED => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(ok.headers.get(&HeaderName::ReferSub), Some("false"));
    // The call to Carol is placed all the same.
    assert!(w.net.invitation(w.carol).is_some());
}

#[test]
fn transfer_to_a_target_that_rejects_notifies_the_rejection() {
    let mut w = world(4, Impairments::PERFECT, true, Some(StatusCode::NOT_FOUND));
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), true);
    w.net.run_for(SECOND * 2);
    let n = refer_notifies(&w.net, w.bob, w.b_ab);
    assert_eq!(n.first(), Some(&(Some(100), false)));
    assert_eq!(n.last(), Some(&(Some(404), true)));
    assert_eq!(w.net.state(w.alice, w.a_ab), SessionState::Established);
}

#[test]
fn attended_transfer_replaces_bobs_call_with_carol() {
    let mut w = world(5, Impairments::PERFECT, true, None);
    let (alice, bob, carol) = (w.alice, w.bob, w.carol);
    // Bob calls Carol (the consultation call).
    let carol_uri = w.net.uri(carol);
    let now = w.net.now;
    let b_bc = w
        .net
        .ua(bob)
        .invite(
            now,
            carol_uri,
            InviteOptions {
                body: Some(sdp("bob", "offer")),
                ..Default::default()
            },
        )
        .unwrap();
    w.net.run_for(SECOND);
    assert_eq!(w.net.state(bob, b_bc), SessionState::Established);
    let c_bc = w.net.invitation(carol).unwrap();
    // Bob refers Alice to Carol, replacing his call with Carol.
    refer(&mut w, ReferTarget::Session(b_bc), true);
    w.net.run_for(SECOND * 2);
    let invite = w
        .net
        .wire
        .iter()
        .filter_map(|x| match &x.message {
            Message::Request(r) if r.method == Method::Invite && x.from == alice => Some(r.clone()),
            _ => None,
        })
        .next_back()
        .unwrap();
    let replaces = invite
        .headers
        .get(&HeaderName::Replaces)
        .unwrap()
        .to_owned();
    let d = w
        .net
        .ua(bob)
        .session(b_bc)
        .unwrap()
        .dialog()
        .unwrap()
        .clone();
    assert_eq!(
        replaces,
        format!(
            "{};to-tag={};from-tag={}",
            d.call_id(),
            d.remote_tag(),
            d.local_tag()
        )
    );
    assert!(
        replaces.contains("to-tag=") && replaces.contains("from-tag="),
        "{replaces}"
    );
    let invs = w.net.invitations(carol);
    assert_eq!(invs.len(), 2);
    let c_ac = invs[1];
    assert_eq!(w.net.state(carol, c_ac), SessionState::Established);
    // Carol's consultation call with Bob was ended by her BYE.
    assert_eq!(w.net.state(carol, c_bc), SessionState::Terminated);
    assert_eq!(w.net.cause(bob, b_bc), Some(TerminationCause::RemoteBye));
    assert_eq!(
        refer_notifies(&w.net, bob, w.b_ab).last(),
        Some(&(Some(200), true))
    );
    assert!(w.net.unanswered().is_empty(), "{:?}", w.net.unanswered());
}

#[test]
fn sweep_blind_transfer_under_bad_network() {
    let mut failures = Vec::new();
    for seed in 0..50 {
        let mut w = world(100 + seed, Impairments::BAD, true, None);
        if w.net.state(w.bob, w.b_ab) != SessionState::Established
            || w.net.state(w.alice, w.a_ab) != SessionState::Established
        {
            continue;
        }
        let carol_uri = w.net.uri(w.carol);
        // Bob (the callee) may still wait for the ACK: RequestPending,
        // try again a little later.
        let mut sent = false;
        for _ in 0..20 {
            let now = w.net.now;
            let opts = ReferOptions::new(ReferTarget::Uri(carol_uri.clone()));
            match w
                .net
                .ua(w.bob)
                .session_mut(w.b_ab)
                .map(|mut s| s.refer(now, opts))
            {
                Some(Ok(())) => {
                    sent = true;
                    break;
                }
                Some(Err(SessionError::RequestPending)) => w.net.run_for(SECOND * 2),
                other => panic!("seed {seed}: refer {other:?}"),
            }
        }
        assert!(sent, "seed {seed}: the ACK never came");
        w.net.run_for(SECOND * 40);
        let o = outcomes(&w.net, w.bob, w.b_ab, Method::Refer);
        if o != [202] && o != [408] {
            failures.push(format!("seed {seed}: REFER {o:?}"));
            continue;
        }
        if o == [202] {
            let n = refer_notifies(&w.net, w.bob, w.b_ab);
            // NOTIFYs may be lost for good (the dialog then ends, 408),
            // but the last one seen must be the final one.
            let ended = w.net.state(w.alice, w.a_ab) == SessionState::Terminated;
            if !ended && n.last().map(|x| x.1) != Some(true) {
                failures.push(format!("seed {seed}: notifies {n:?}"));
            }
        }
        if !w.net.unanswered().is_empty() {
            failures.push(format!("seed {seed}: unanswered {:?}", w.net.unanswered()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// RFC 3891 §3: an INVITE whose Replaces names an early dialog the
/// recipient did not initiate (a call to it still ringing) gets 481, and
/// the ringing call is left alone; one naming no dialog gets 481 too.
#[test]
fn replaces_naming_a_ringing_incoming_call_is_481() {
    let mut net = Net::new(40, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    let carol = net.add("carol", 3, |c| c.replaces = ExtensionSupport::Supported);
    let carol_uri = net.uri(carol);
    let now = net.now;
    net.ua(bob)
        .invite(
            now,
            carol_uri.clone(),
            InviteOptions {
                body: Some(sdp("bob", "offer")),
                ..Default::default()
            },
        )
        .unwrap();
    net.run_for(SECOND);
    let ringing = net.invitation(carol).unwrap();
    let d = net
        .ua(carol)
        .session(ringing)
        .unwrap()
        .dialog()
        .unwrap()
        .clone();
    for replaces in [
        format!(
            "{};to-tag={};from-tag={}",
            d.call_id(),
            d.local_tag(),
            d.remote_tag()
        ),
        "nope;to-tag=a;from-tag=b".to_owned(),
    ] {
        let now = net.now;
        net.ua(alice)
            .invite(
                now,
                carol_uri.clone(),
                InviteOptions {
                    body: Some(sdp("alice", "offer")),
                    extra_headers: vec![(HeaderName::Replaces, replaces)],
                    ..Default::default()
                },
            )
            .unwrap();
        net.run_for(SECOND);
    }
    let finals = net.finals(carol, "INVITE");
    assert_eq!(
        finals,
        [
            StatusCode::CALL_DOES_NOT_EXIST,
            StatusCode::CALL_DOES_NOT_EXIST
        ]
    );
    assert_eq!(net.state(carol, ringing), SessionState::Initial);
    let _ = bob;
}

// ----- the implicit subscription on the subscription machinery ---------

/// A NOTIFY from Alice to Bob in their dialog, built from Bob's view of
/// it, with CSeq `cseq` and `headers` (Event, Subscription-State...) and a
/// sipfrag body for `frag`.
fn notify_to_bob(w: &mut World, cseq: u32, headers: &[(HeaderName, &str)], frag: Option<u16>) {
    let d = w
        .net
        .ua(w.bob)
        .session(w.b_ab)
        .unwrap()
        .dialog()
        .unwrap()
        .clone();
    let (alice, bob) = (w.alice, w.bob);
    let mut n = sip_core::message::Request::new(Method::Notify, w.net.uri(bob));
    let h = &mut n.headers;
    h.push(
        HeaderName::Via,
        format!(
            "SIP/2.0/UDP {};branch=z9hG4bKinjected{cseq}",
            w.net.nodes[alice].addr
        ),
    );
    h.push(HeaderName::MaxForwards, "70");
    h.push(
        HeaderName::From,
        format!("<{}>;tag={}", w.net.uri(alice), d.remote_tag()),
    );
    h.push(
        HeaderName::To,
        format!("<{}>;tag={}", w.net.uri(bob), d.local_tag()),
    );
    h.push(HeaderName::CallId, d.call_id().to_owned());
    h.push(HeaderName::CSeq, format!("{cseq} NOTIFY"));
    h.push(HeaderName::Contact, format!("<{}>", w.net.uri(alice)));
    for (name, v) in headers {
        h.push(name.clone(), (*v).to_owned());
    }
    if let Some(code) = frag {
        h.push(HeaderName::ContentType, "message/sipfrag;version=2.0");
        n.body = format!("SIP/2.0 {code} Whatever\r\n").into_bytes();
    }
    let bytes = n.to_bytes();
    w.net.inject(alice, bob, &bytes);
    w.net.run_for(Duration::from_millis(50));
}

/// The CSeq number of Bob's REFER (the `id` of its subscription).
fn refer_cseq(w: &World) -> u32 {
    w.net
        .wire
        .iter()
        .find_map(|x| match &x.message {
            Message::Request(r) if r.method == Method::Refer => r
                .headers
                .get(&HeaderName::CSeq)
                .and_then(|c| c.split_whitespace().next())
                .and_then(|n| n.parse().ok()),
            _ => None,
        })
        .unwrap()
}

/// Alice answers the REFER 202 herself (IncomingRequest::accept) and
/// never NOTIFYs: a referee that forgets the implicit subscription.
fn alice_accepts_without_notifying(w: &mut World) {
    w.net.set_policy(
        w.alice,
        Box::new(|ua, now, e| {
            if let Event::Request {
                request,
                method: Method::Refer,
                ..
            } = e
            {
                ua.request(*request).unwrap().accept(now).unwrap();
            }
        }),
    );
}

/// RFC 6665 §8.2.1 and §4.1.3 through REFER (RFC 3515 §2.4.4): the
/// referrer's NOTIFY checks are the subscriber's. Carol rings and never
/// answers, so the subscription stays active while bad NOTIFYs arrive:
/// no Subscription-State 489, a malformed one 400, an Event `id` naming
/// no REFER 481, an old CSeq 500; a good one with the REFER's `id` 200
/// and reported.
#[test]
fn referrer_checks_notifies_as_a_subscriber() {
    let mut w = world(6, Impairments::PERFECT, true, None);
    w.net.set_policy(w.carol, Box::new(|_, _, _| {}));
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), true);
    w.net.run_for(SECOND);
    assert_eq!(
        refer_notifies(&w.net, w.bob, w.b_ab),
        [(Some(100), false), (Some(180), false)]
    );
    let id = format!("refer;id={}", refer_cseq(&w));
    let wrong_id = format!("refer;id={}", refer_cseq(&w) + 7);
    let active = (HeaderName::SubscriptionState, "active;expires=60");
    notify_to_bob(&mut w, 100, &[(HeaderName::Event, "refer")], Some(183));
    notify_to_bob(
        &mut w,
        101,
        &[
            (HeaderName::Event, "refer"),
            (HeaderName::SubscriptionState, "active;expires=soon"),
        ],
        Some(183),
    );
    notify_to_bob(
        &mut w,
        102,
        &[(HeaderName::Event, &wrong_id), active.clone()],
        Some(183),
    );
    notify_to_bob(
        &mut w,
        103,
        &[(HeaderName::Event, &id), active.clone()],
        Some(183),
    );
    notify_to_bob(&mut w, 50, &[(HeaderName::Event, &id), active], Some(183));
    assert_eq!(
        w.net.finals(w.bob, "NOTIFY"),
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::BAD_EVENT,
            StatusCode::BAD_REQUEST,
            StatusCode::CALL_DOES_NOT_EXIST,
            StatusCode::OK,
            StatusCode::SERVER_INTERNAL_ERROR,
        ]
    );
    assert_eq!(
        refer_notifies(&w.net, w.bob, w.b_ab),
        [(Some(100), false), (Some(180), false), (Some(183), false)]
    );
}

/// RFC 4488 §4 and RFC 6665 §4.1.3: with `Refer-Sub: false` there is no
/// subscription, so a NOTIFY for it (from a referee ignoring the header)
/// gets 481 and nothing is reported.
#[test]
fn notify_without_a_subscription_is_481() {
    let mut w = world(7, Impairments::PERFECT, false, None);
    alice_accepts_without_notifying(&mut w);
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), false);
    w.net.run_for(SECOND);
    assert_eq!(outcomes(&w.net, w.bob, w.b_ab, Method::Refer), [202]);
    notify_to_bob(
        &mut w,
        100,
        &[
            (HeaderName::Event, "refer"),
            (HeaderName::SubscriptionState, "active;expires=60"),
        ],
        Some(100),
    );
    assert_eq!(
        w.net.finals(w.bob, "NOTIFY"),
        [StatusCode::CALL_DOES_NOT_EXIST]
    );
    assert!(refer_notifies(&w.net, w.bob, w.b_ab).is_empty());
}

/// RFC 6665 §4.1.2.4 (Timer N) for REFER: the 202 came but no NOTIFY
/// within 64*T1: the subscription is over, reported once with no status;
/// the session is untouched.
#[test]
fn referrer_gives_up_after_timer_n_without_notify() {
    let mut w = world(8, Impairments::PERFECT, false, None);
    alice_accepts_without_notifying(&mut w);
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), true);
    w.net.run_for(SECOND * 30);
    assert_eq!(outcomes(&w.net, w.bob, w.b_ab, Method::Refer), [202]);
    assert!(refer_notifies(&w.net, w.bob, w.b_ab).is_empty());
    w.net.run_for(SECOND * 3);
    assert_eq!(refer_notifies(&w.net, w.bob, w.b_ab), [(None, true)]);
    w.net.run_for(SECOND * 60);
    assert_eq!(refer_notifies(&w.net, w.bob, w.b_ab), [(None, true)]);
    assert_eq!(w.net.state(w.bob, w.b_ab), SessionState::Established);
    // A NOTIFY after the record is gone: no subscription, 481.
    notify_to_bob(
        &mut w,
        100,
        &[
            (HeaderName::Event, "refer"),
            (HeaderName::SubscriptionState, "active;expires=60"),
        ],
        Some(100),
    );
    assert_eq!(
        w.net.finals(w.bob, "NOTIFY"),
        [StatusCode::CALL_DOES_NOT_EXIST]
    );
}

/// RFC 6665 §4.1.3: the `expires` of an active NOTIFY bounds the implicit
/// subscription, which the referrer does not refresh: 5 s after the last
/// NOTIFY (and 64*T1 for one still being retransmitted) it is over.
#[test]
fn implicit_subscription_expires_without_further_notifies() {
    let mut w = world(9, Impairments::PERFECT, false, None);
    alice_accepts_without_notifying(&mut w);
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), true);
    w.net.run_for(SECOND);
    let state = (HeaderName::SubscriptionState, "active;expires=5");
    notify_to_bob(
        &mut w,
        100,
        &[(HeaderName::Event, "refer"), state],
        Some(100),
    );
    assert_eq!(refer_notifies(&w.net, w.bob, w.b_ab), [(Some(100), false)]);
    w.net.run_for(SECOND * 36);
    assert_eq!(refer_notifies(&w.net, w.bob, w.b_ab), [(Some(100), false)]);
    w.net.run_for(SECOND * 2);
    assert_eq!(
        refer_notifies(&w.net, w.bob, w.b_ab),
        [(Some(100), false), (None, true)]
    );
    // Until the record goes, a late NOTIFY is answered 200.
    let state = (
        HeaderName::SubscriptionState,
        "terminated;reason=noresource",
    );
    notify_to_bob(
        &mut w,
        101,
        &[(HeaderName::Event, "refer"), state],
        Some(200),
    );
    assert_eq!(
        w.net.finals(w.bob, "NOTIFY"),
        [StatusCode::OK, StatusCode::OK]
    );
}

/// RFC 6665 §4.2.2 on the referee's side: a NOTIFY waits for the previous
/// one's final response. Bob's first 200 to a NOTIFY is lost, so Alice
/// retransmits the NOTIFY (100) while Carol's 180 and 200 arrive: the
/// next NOTIFY goes only after the answer, carrying the latest status and
/// the terminated state.
#[test]
fn referee_sends_notifies_one_at_a_time() {
    let mut w = world(10, Impairments::PERFECT, true, None);
    let bob = w.bob;
    let mut dropped = false;
    w.net.filter = Some(Box::new(move |from, m| {
        let first_ok_to_notify = from == bob
            && matches!(m, Message::Response(r)
                if r.headers.get(&HeaderName::CSeq).is_some_and(|c| c.ends_with("NOTIFY")));
        if first_ok_to_notify && !dropped {
            dropped = true;
            return false;
        }
        true
    }));
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), true);
    w.net.run_for(SECOND * 3);
    // Every NOTIFY (by CSeq) is sent after the previous one was answered.
    let mut answered: Vec<(String, sip_core::time::Instant)> = Vec::new();
    let mut sent: Vec<(String, sip_core::time::Instant, String)> = Vec::new();
    for x in &w.net.wire {
        let cseq = |h: &sip_core::header::Headers| h.get(&HeaderName::CSeq).unwrap().to_owned();
        match &x.message {
            Message::Request(r) if r.method == Method::Notify => {
                let c = cseq(&r.headers);
                if !sent.iter().any(|(s, _, _)| *s == c) {
                    let st = r.headers.get(&HeaderName::SubscriptionState).unwrap();
                    sent.push((c, x.at, st.to_owned()));
                }
            }
            Message::Response(r) if x.delivered && cseq(&r.headers).ends_with("NOTIFY") => {
                answered.push((cseq(&r.headers), x.at));
            }
            _ => {}
        }
    }
    assert!(sent.len() >= 2, "{sent:?}");
    for pair in sent.windows(2) {
        let prev_answered = answered
            .iter()
            .find(|(c, _)| *c == pair[0].0)
            .map(|(_, at)| *at)
            .expect("answered");
        assert!(pair[1].1 >= prev_answered, "{sent:?} {answered:?}");
    }
    assert_eq!(sent.last().unwrap().2, "terminated;reason=noresource");
    let n = refer_notifies(&w.net, w.bob, w.b_ab);
    assert_eq!(n.first(), Some(&(Some(100), false)));
    assert_eq!(n.last(), Some(&(Some(200), true)));
    assert!(w.net.unanswered().is_empty(), "{:?}", w.net.unanswered());
}

/// The referee renews the implicit subscription while the referred call
/// rings: each period (60 s) ends with a NOTIFY of the current state, so
/// the referrer's subscription does not lapse and still hears the final
/// outcome when Carol answers after 100 s.
#[test]
fn referee_renews_the_subscription_while_the_call_rings() {
    let mut w = world(11, Impairments::PERFECT, true, None);
    w.net.set_policy(w.carol, Box::new(|_, _, _| {}));
    let carol_uri = w.net.uri(w.carol);
    refer(&mut w, ReferTarget::Uri(carol_uri), true);
    w.net.run_for(SECOND * 100);
    let n = refer_notifies(&w.net, w.bob, w.b_ab);
    assert_eq!(
        n,
        [(Some(100), false), (Some(180), false), (Some(180), false)]
    );
    let now = w.net.now;
    let c = w.net.invitation(w.carol).unwrap();
    w.net
        .ua(w.carol)
        .invitation(c)
        .unwrap()
        .accept(
            now,
            AcceptOptions {
                body: Some(sdp("carol", "answer")),
                ..Default::default()
            },
        )
        .unwrap();
    w.net.run_for(SECOND * 2);
    assert_eq!(
        refer_notifies(&w.net, w.bob, w.b_ab).last(),
        Some(&(Some(200), true))
    );
}
