//! UPDATE (RFC 3311) in a confirmed dialog (glare and the 491 retry
//! included; early dialogs are in `early_update.rs`), INFO with an unknown
//! Info-Package (RFC 6086: 469), and a PRACK on a confirmed dialog.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::dialog::*;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

fn update(net: &mut Net, i: usize, s: SessionId, body: Option<Body>) -> Result<(), SessionError> {
    let now = net.now;
    net.ua(i).session_mut(s).unwrap().update(
        now,
        UpdateOptions {
            body,
            ..Default::default()
        },
    )
}

#[test]
fn update_with_offer_in_both_directions() {
    let (mut net, alice, bob, call, inv) = established(20, Impairments::PERFECT);
    net.set_policy(alice, answering(sdp("alice", "answer-u")));
    net.set_policy(bob, answering(sdp("bob", "answer-u")));
    let start = net.wire.len();
    update(&mut net, alice, call, Some(sdp("alice", "offer-u"))).unwrap();
    assert_eq!(
        update(&mut net, alice, call, Some(sdp("alice", "again"))),
        Err(SessionError::RequestPending)
    );
    net.run_for(SECOND);
    assert_eq!(
        net.trace()[start..],
        ["alice -> bob: UPDATE", "bob -> alice: 200 OK (UPDATE)"]
    );
    assert_eq!(outcomes(&net, alice, call, Method::Update), [200]);
    assert!(remote_descriptions(&net, alice, call)
        .last()
        .is_some_and(|(k, b)| *k == DescriptionKind::Answer && b.contains("answer-u")));
    update(&mut net, bob, inv, Some(sdp("bob", "offer-u"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, bob, inv, Method::Update), [200]);
    for (i, s) in [(alice, call), (bob, inv)] {
        let sess = net.ua(i).session(s).unwrap();
        assert_eq!(sess.signaling_state(), SignalingState::Stable);
        assert_eq!(sess.state(), SessionState::Established);
    }
    // A bare target refresh.
    update(&mut net, alice, call, None).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [200, 200]);
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

#[test]
fn update_not_allowed_is_405_and_rolls_back() {
    let (mut net, alice, _bob, call, _inv) = established_with(21, Impairments::PERFECT, false);
    update(&mut net, alice, call, Some(sdp("alice", "offer-u"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [405]);
    let sess = net.ua(alice).session(call).unwrap();
    assert_eq!(sess.signaling_state(), SignalingState::Stable);
    assert_eq!(sess.state(), SessionState::Established);
}

#[test]
fn update_offer_while_one_is_unanswered_rules() {
    let (mut net, alice, bob, call, inv) = established(22, Impairments::PERFECT);
    // Bob leaves Alice's offer unanswered: HaveRemoteOffer at Bob.
    update(&mut net, alice, call, Some(sdp("alice", "offer-u"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(
        net.ua(bob).session(inv).unwrap().signaling_state(),
        SignalingState::HaveRemoteOffer
    );
    // Neither side may offer now; a re-INVITE with an offer from Alice is
    // refused locally too.
    assert_eq!(
        update(&mut net, bob, inv, Some(sdp("bob", "x"))),
        Err(SessionError::RequestPending)
    );
    assert_eq!(
        reinvite(&mut net, alice, call, Some(sdp("alice", "x"))),
        Err(SessionError::RequestPending)
    );
    // Unanswered: 488 after the answer timeout, rolled back on both sides.
    net.run_for(SECOND * 31);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [488]);
    for (i, s) in [(alice, call), (bob, inv)] {
        assert_eq!(
            net.ua(i).session(s).unwrap().signaling_state(),
            SignalingState::Stable
        );
    }
}

#[test]
fn info_with_an_unknown_info_package_gets_469() {
    let (mut net, alice, bob, call, inv) = established(30, Impairments::PERFECT);
    net.set_policy(
        bob,
        Box::new(|ua, now, e| {
            if let Event::Request { request, .. } = e {
                ua.request(*request).unwrap().accept(now).unwrap();
            }
        }),
    );
    let now = net.now;
    let body = Body::new("application/x-thing", &b"1"[..]);
    {
        let mut s = net.ua(alice).session_mut(call).unwrap();
        s.info(
            now,
            Some(&body),
            &[(HeaderName::InfoPackage, "dtmf".into())],
        )
        .unwrap();
    }
    net.run_for(SECOND);
    let now = net.now;
    {
        let mut s = net.ua(alice).session_mut(call).unwrap();
        // Legacy INFO (no Info-Package) still goes to the application.
        s.info(now, Some(&body), &[]).unwrap();
    }
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Info), [469, 200]);
    let r = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Response(r) if r.status.as_u16() == 469 => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert!(r.headers.get(&HeaderName::RecvInfo).is_some());
    assert_eq!(net.state(bob, inv), SessionState::Established);
}

/// A PRACK arriving on a confirmed dialog is answered, never a crash:
/// here 405, as 100rel is off (RFC 3261 §8.2.1); with it on, 481 (no
/// reliable provisional response outstanding, RFC 3262 §3). The call
/// stays.
#[test]
fn prack_on_a_confirmed_dialog_is_answered() {
    let (mut net, alice, bob, call, inv) = established(31, Impairments::PERFECT);
    let mut d = net
        .ua(alice)
        .session(call)
        .unwrap()
        .dialog()
        .unwrap()
        .clone();
    let mut req = d.request(Method::Prack);
    req.headers.push(HeaderName::RAck, "1 1 INVITE");
    req.headers.push_front(
        HeaderName::Via,
        format!("SIP/2.0/UDP {};branch=z9hG4bKprack1", net.nodes[alice].addr),
    );
    let bytes = req.to_bytes();
    net.inject(alice, bob, &bytes);
    net.run_for(SECOND);
    assert_eq!(net.finals(bob, "PRACK"), [StatusCode::METHOD_NOT_ALLOWED]);
    assert_eq!(net.state(bob, inv), SessionState::Established);
}

/// UPDATE glare in a confirmed dialog (RFC 3311 §5.2): both offer at
/// once, each answers the other 491, and each UPDATE goes again after the
/// RFC 3261 §14.1 delay (Bob, not the owner of the Call-ID, 0-2 s; Alice
/// 2.1-4 s) instead of only being reported; both end 200.
#[test]
fn update_glare_is_retried_after_the_delay() {
    let (mut net, alice, bob, call, inv) = established(23, Impairments::PERFECT);
    net.set_policy(alice, answering(sdp("alice", "answer-g")));
    net.set_policy(bob, answering(sdp("bob", "answer-g")));
    let start = net.now;
    update(&mut net, alice, call, Some(sdp("alice", "offer-g"))).unwrap();
    update(&mut net, bob, inv, Some(sdp("bob", "offer-g"))).unwrap();
    net.run_for(SECOND);
    // Waiting for the retry: another update() is RequestPending.
    assert_eq!(
        update(&mut net, alice, call, None),
        Err(SessionError::RequestPending)
    );
    net.run_for(SECOND * 5);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [200]);
    assert_eq!(outcomes(&net, bob, inv, Method::Update), [200]);
    let updates: Vec<(usize, u64)> = net
        .wire
        .iter()
        .filter(|w| matches!(&w.message, Message::Request(r) if r.method == Method::Update))
        .map(|w| (w.from, w.at.as_millis() - start.as_millis()))
        .collect();
    assert_eq!(updates.len(), 4, "{updates:?}");
    assert_eq!((updates[2].0, updates[3].0), (bob, alice));
    assert!(updates[2].1 <= 2_100, "{updates:?}");
    assert!((2_100..=4_100).contains(&updates[3].1), "{updates:?}");
    for (i, s) in [(alice, call), (bob, inv)] {
        let sess = net.ua(i).session(s).unwrap();
        assert_eq!(sess.signaling_state(), SignalingState::Stable);
        assert_eq!(sess.state(), SessionState::Established);
    }
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

/// A retry that cannot go (the session ended during the delay) is
/// dropped: nothing is sent after the BYE.
#[test]
fn update_retry_dropped_when_the_session_ends() {
    let (mut net, alice, bob, call, inv) = established(24, Impairments::PERFECT);
    update(&mut net, alice, call, Some(sdp("alice", "offer-g"))).unwrap();
    update(&mut net, bob, inv, Some(sdp("bob", "offer-g"))).unwrap();
    net.run_for(Duration::from_millis(100));
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    net.run_for(SECOND * 6);
    let updates = net
        .wire
        .iter()
        .filter(|w| matches!(&w.message, Message::Request(r) if r.method == Method::Update))
        .count();
    assert_eq!(updates, 2);
    assert_eq!(net.state(bob, inv), SessionState::Terminated);
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

/// Under loss, duplication and reordering: crossing UPDATEs both end 200
/// after the 491 retries (or 408 when the dialog was lost), offer/answer
/// stable, every request answered.
#[test]
fn sweep_update_glare_under_bad_network() {
    let mut failures = Vec::new();
    let mut both = 0;
    for seed in 0..40 {
        let (mut net, alice, bob, call, inv) = established(300 + seed, Impairments::BAD);
        net.set_policy(alice, answering(sdp("alice", "answer-g")));
        net.set_policy(bob, answering(sdp("bob", "answer-g")));
        // Under loss Bob may still wait for the first ACK: RequestPending.
        let _ = update(&mut net, alice, call, Some(sdp("alice", "offer-g")));
        let _ = update(&mut net, bob, inv, Some(sdp("bob", "offer-g")));
        net.run_for(SECOND * 60);
        let a = outcomes(&net, alice, call, Method::Update);
        let b = outcomes(&net, bob, inv, Method::Update);
        both += usize::from(a == [200] && b == [200]);
        for (o, name) in [(&a, "alice"), (&b, "bob")] {
            if !(o.is_empty() || *o == [200] || *o == [408] || *o == [481]) {
                failures.push(format!("seed {seed}: {name} {o:?}"));
            }
        }
        for (i, s) in [(alice, call), (bob, inv)] {
            let sess = net.ua(i).session(s).unwrap();
            if sess.state() == SessionState::Established
                && sess.signaling_state() != SignalingState::Stable
            {
                failures.push(format!("seed {seed}: {:?}", sess.signaling_state()));
            }
        }
        if !net.unanswered().is_empty() {
            failures.push(format!("seed {seed}: unanswered {:?}", net.unanswered()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        both >= 25,
        "only {both} of 40 glares resolved on both sides"
    );
}
