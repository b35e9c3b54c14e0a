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
use support::dialog::outcomes;
use support::refer_world::*;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

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
