//! REFER's implicit subscription (RFC 3515 §2.4.4, RFC 6665) on the
//! subscription machinery: the referrer checks NOTIFYs as a subscriber
//! (481 without a subscription, Timer N, expiry), the referee sends them
//! one at a time and renews the subscription while the call rings.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::dialog::outcomes;
use support::refer_world::*;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

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
    h.push(HeaderName::CallId, d.call_id());
    h.push(HeaderName::CSeq, format!("{cseq} NOTIFY"));
    h.push(HeaderName::Contact, format!("<{}>", w.net.uri(alice)));
    for (name, v) in headers {
        h.push(name.clone(), *v);
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
