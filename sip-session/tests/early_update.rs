//! UPDATE (RFC 3311) in early dialogs, both directions, with the 491/500
//! rules of §5.2 and the 491 retry; offers in reliable provisional
//! responses answered in the PRACK and offers in a PRACK answered in its
//! 200 (RFC 3262 §5, RFC 6337 §3.2). On a perfect network and in a seed
//! sweep under loss, duplication and reordering.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::dialog::{answering, outcomes};
use support::*;
use SessionState::*;

const SECOND: Duration = Duration::from_secs(1);

/// Alice calls Bob (100rel and UPDATE on both sides; Bob rings only when
/// told). `offer`: the INVITE carries Alice's offer.
fn ringing(
    seed: u64,
    impair: Impairments,
    offer: bool,
) -> (Net, usize, usize, SessionId, SessionId) {
    let opts = InviteOptions {
        body: offer.then(|| sdp("alice", "offer")),
        ..Default::default()
    };
    ringing_with(seed, impair, opts)
}

/// [`ringing`] with the INVITE's options.
fn ringing_with(
    seed: u64,
    impair: Impairments,
    opts: InviteOptions,
) -> (Net, usize, usize, SessionId, SessionId) {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", seed * 5 + 1, |c| {
        c.rel100 = ExtensionSupport::Supported;
        c.allow_update = true;
    });
    let bob = net.add("bob", seed * 5 + 2, |c| {
        c.rel100 = ExtensionSupport::Supported;
        c.allow_update = true;
        c.send_initial_provisional = false;
    });
    let target = net.uri(bob);
    let now = net.now;
    let call = net.ua(alice).invite(now, target, opts).unwrap();
    let inv = net.await_invitation(bob, SECOND * 40);
    (net, alice, bob, call, inv)
}

fn progress(
    net: &mut Net,
    bob: usize,
    inv: SessionId,
    status: u16,
    reliable: bool,
    body: Option<Body>,
) {
    let now = net.now;
    net.ua(bob)
        .invitation(inv)
        .unwrap()
        .progress(
            now,
            ProgressOptions {
                status: StatusCode::new(status).unwrap(),
                reliable,
                body,
                ..Default::default()
            },
        )
        .unwrap();
}

fn accept(
    net: &mut Net,
    bob: usize,
    inv: SessionId,
    body: Option<Body>,
) -> Result<(), SessionError> {
    net.accept_with(bob, inv, body)
}

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

fn oa(net: &mut Net, i: usize, s: SessionId) -> SignalingState {
    net.ua(i).session(s).unwrap().signaling_state()
}

/// (kind, early, text) of every description node `i` received for `s`.
fn descriptions(net: &Net, i: usize, s: SessionId) -> Vec<(DescriptionKind, bool, String)> {
    net.events(i)
        .filter_map(|e| match e {
            Event::RemoteDescription {
                session,
                kind,
                body,
                early,
            } if *session == s => Some((
                *kind,
                *early,
                String::from_utf8_lossy(&body.content)
                    .lines()
                    .find_map(|l| l.strip_prefix("s="))
                    .unwrap_or("")
                    .to_owned(),
            )),
            _ => None,
        })
        .collect()
}

fn progressed(net: &Net, alice: usize, reliable: bool) -> bool {
    net.events(alice)
        .any(|e| matches!(e, Event::Progress { reliable: r, .. } if *r == reliable))
}

/// Bob answers in a reliable 183; once Alice's PRACK is answered, Alice
/// offers in an UPDATE in the early dialog and Bob answers in its 200;
/// then Bob accepts without a body (the 2xx repeats his latest
/// description) and the call is up, offer/answer stable on both sides.
#[test]
fn caller_updates_the_early_dialog_after_a_reliable_183() {
    let (mut net, alice, bob, call, inv) = ringing(1, Impairments::PERFECT, true);
    net.set_policy(bob, answering(sdp("bob", "answer-u")));
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    // Before the PRACK, Bob may not offer (his 183 is unacknowledged).
    assert_eq!(
        update(&mut net, bob, inv, Some(sdp("bob", "x"))),
        Err(SessionError::RequestPending)
    );
    net.run_for(SECOND);
    assert_eq!(oa(&mut net, alice, call), SignalingState::Stable);
    update(&mut net, alice, call, Some(sdp("alice", "offer-u"))).unwrap();
    assert_eq!(oa(&mut net, alice, call), SignalingState::HaveLocalOffer);
    assert_eq!(
        update(&mut net, alice, call, None),
        Err(SessionError::RequestPending)
    );
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [200]);
    assert!(net
        .events(bob)
        .any(|e| matches!(e, Event::Update { session } if *session == inv)));
    assert_eq!(
        descriptions(&net, bob, inv),
        [
            (DescriptionKind::Offer, true, "offer".into()),
            (DescriptionKind::Offer, true, "offer-u".into())
        ]
    );
    assert_eq!(
        descriptions(&net, alice, call),
        [(DescriptionKind::Answer, true, "answer-u".into())]
    );
    assert_eq!(oa(&mut net, alice, call), SignalingState::Stable);
    assert_eq!(oa(&mut net, bob, inv), SignalingState::Stable);
    accept(&mut net, bob, inv, None).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    assert_eq!(net.state(bob, inv), Established);
    let ok = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Response(r)
                if r.status == StatusCode::OK
                    && r.headers
                        .get(&HeaderName::CSeq)
                        .is_some_and(|c| c.ends_with("INVITE")) =>
            {
                Some(r.clone())
            }
            _ => None,
        })
        .unwrap();
    assert!(String::from_utf8_lossy(&ok.body).contains("s=answer-u"));
    // The 183's stale answer is not handed over again at the 2xx.
    assert_eq!(descriptions(&net, alice, call).len(), 1);
    for (i, s) in [(alice, call), (bob, inv)] {
        assert_eq!(oa(&mut net, i, s), SignalingState::Stable);
    }
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
    insta::assert_snapshot!("early_update_caller", net.trace().join("\n"));
}

/// After an unreliable 180 the initial exchange is not complete (an
/// answer there would only be a preview): Alice may send a bare UPDATE
/// but not an offer; one that arrives anyway gets 500 with a Retry-After
/// of 0-10 s (RFC 3311 §5.2: Bob has not answered the INVITE's offer).
#[test]
fn after_an_unreliable_180_only_a_bare_update() {
    let (mut net, alice, bob, call, inv) = ringing(2, Impairments::PERFECT, true);
    progress(&mut net, bob, inv, 180, false, Some(sdp("bob", "preview")));
    net.run_for(SECOND);
    assert!(progressed(&net, alice, false));
    assert_eq!(
        update(&mut net, alice, call, Some(sdp("alice", "offer-u"))),
        Err(SessionError::RequestPending)
    );
    update(&mut net, alice, call, None).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [200]);
    assert_eq!(net.finals(bob, "UPDATE"), [StatusCode::OK]);
    // An offer in an UPDATE forced in by hand.
    let invite = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Invite => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    let bob_tag = net
        .ua(bob)
        .session(inv)
        .unwrap()
        .dialog()
        .unwrap()
        .local_tag()
        .to_owned();
    let h = |n: HeaderName| invite.headers.get(&n).unwrap().to_owned();
    let body = "v=0\r\no=alice 1 2 IN IP4 192.0.2.1\r\ns=forced\r\n";
    let raw = format!(
        "UPDATE sip:bob@{} SIP/2.0\r\nVia: SIP/2.0/UDP {};branch=z9hG4bKforced1\r\n\
         Max-Forwards: 70\r\nFrom: {}\r\nTo: {};tag={bob_tag}\r\nCall-ID: {}\r\n\
         CSeq: 9 UPDATE\r\nContact: <sip:alice@{}>\r\nContent-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{body}",
        net.nodes[bob].addr,
        net.nodes[alice].addr,
        h(HeaderName::From),
        h(HeaderName::To),
        h(HeaderName::CallId),
        net.nodes[alice].addr,
        body.len()
    );
    net.inject(alice, bob, raw.as_bytes());
    net.run_for(SECOND);
    let r = net
        .wire
        .iter()
        .rev()
        .find_map(|w| match &w.message {
            Message::Response(r) if w.from == bob && r.status.as_u16() == 500 => Some(r.clone()),
            _ => None,
        })
        .expect("500 to the forced offer");
    let secs: u32 = r
        .headers
        .get(&HeaderName::RetryAfter)
        .unwrap()
        .parse()
        .unwrap();
    assert!(secs <= 10);
    assert_eq!(oa(&mut net, bob, inv), SignalingState::HaveRemoteOffer);
    accept(&mut net, bob, inv, Some(sdp("bob", "answer"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    assert_eq!(oa(&mut net, alice, call), SignalingState::Stable);
}

/// The callee offers in an UPDATE in the early dialog once the PRACK of
/// its reliable 183 arrived; the caller's application answers in the
/// UPDATE's 200. While that UPDATE is open the callee's accept() is
/// RequestPending (the INVITE's 2xx must not cross it).
#[test]
fn callee_updates_the_early_dialog() {
    let (mut net, alice, bob, call, inv) = ringing(3, Impairments::PERFECT, true);
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    net.run_for(SECOND);
    update(&mut net, bob, inv, Some(sdp("bob", "offer-u"))).unwrap();
    assert_eq!(
        accept(&mut net, bob, inv, None),
        Err(SessionError::RequestPending)
    );
    net.run_for(SECOND);
    // Alice's application has not answered yet.
    assert!(net
        .events(alice)
        .any(|e| matches!(e, Event::Update { session } if *session == call)));
    assert_eq!(oa(&mut net, alice, call), SignalingState::HaveRemoteOffer);
    assert_eq!(
        update(&mut net, alice, call, Some(sdp("alice", "x"))),
        Err(SessionError::RequestPending)
    );
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .accept_update(now, sdp("alice", "answer-u"))
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, bob, inv, Method::Update), [200]);
    assert_eq!(
        descriptions(&net, bob, inv).last().unwrap(),
        &(DescriptionKind::Answer, true, "answer-u".into())
    );
    assert_eq!(
        descriptions(&net, alice, call),
        [(DescriptionKind::Offer, true, "offer-u".into())]
    );
    accept(&mut net, bob, inv, None).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    for (i, s) in [(alice, call), (bob, inv)] {
        assert_eq!(oa(&mut net, i, s), SignalingState::Stable);
    }
    // After the call is up, UPDATE goes on in the confirmed dialog.
    net.set_policy(bob, answering(sdp("bob", "answer-2")));
    update(&mut net, alice, call, Some(sdp("alice", "offer-2"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [200]);
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
    insta::assert_snapshot!("early_update_callee", net.trace().join("\n"));
}

/// Both offer in an UPDATE of the early dialog at once: each answers the
/// other 491 (RFC 3311 §5.2), each retries after the RFC 3261 §14.1
/// delay (Bob, not the owner of the Call-ID, 0-2 s; Alice 2.1-4 s) and
/// both end 200; the 491s are not reported as outcomes.
#[test]
fn early_update_glare_is_retried() {
    let (mut net, alice, bob, call, inv) = ringing(4, Impairments::PERFECT, true);
    net.set_policy(alice, answering(sdp("alice", "answer-g")));
    net.set_policy(bob, answering(sdp("bob", "answer-g")));
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    net.run_for(SECOND);
    let start = net.now;
    update(&mut net, alice, call, Some(sdp("alice", "offer-g"))).unwrap();
    update(&mut net, bob, inv, Some(sdp("bob", "offer-g"))).unwrap();
    net.run_for(SECOND * 6);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [200]);
    assert_eq!(outcomes(&net, bob, inv, Method::Update), [200]);
    let updates: Vec<(usize, u64)> = net
        .wire
        .iter()
        .filter(|w| matches!(&w.message, Message::Request(r) if r.method == Method::Update))
        .map(|w| (w.from, w.at.as_millis() - start.as_millis()))
        .collect();
    assert_eq!(updates.len(), 4, "{updates:?}");
    assert_eq!(updates[2].0, bob);
    assert!(updates[2].1 <= 2_100, "{updates:?}");
    assert_eq!(updates[3].0, alice);
    assert!((2_100..=4_100).contains(&updates[3].1), "{updates:?}");
    assert_eq!(net.finals(alice, "UPDATE")[0], StatusCode::REQUEST_PENDING);
    assert_eq!(net.finals(bob, "UPDATE")[0], StatusCode::REQUEST_PENDING);
    accept(&mut net, bob, inv, None).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    for (i, s) in [(alice, call), (bob, inv)] {
        assert_eq!(oa(&mut net, i, s), SignalingState::Stable);
    }
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

/// Delayed offer: the INVITE has none, Bob offers in a reliable 183 and
/// Alice answers in the PRACK (RFC 3262 §5); the exchange is then
/// complete on both sides and either may offer in an UPDATE.
#[test]
fn offer_in_reliable_183_answer_in_prack_then_update() {
    let (mut net, alice, bob, call, inv) = ringing(5, Impairments::PERFECT, false);
    net.set_policy(alice, answering(sdp("alice", "answer")));
    net.set_policy(bob, answering(sdp("bob", "answer-u")));
    assert_eq!(oa(&mut net, bob, inv), SignalingState::Initial);
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "offer")));
    assert_eq!(oa(&mut net, bob, inv), SignalingState::HaveLocalOffer);
    net.run_for(SECOND);
    let prack = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Prack => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert!(String::from_utf8_lossy(&prack.body).contains("s=answer"));
    assert_eq!(oa(&mut net, bob, inv), SignalingState::Stable);
    assert_eq!(oa(&mut net, alice, call), SignalingState::Stable);
    assert_eq!(
        descriptions(&net, bob, inv),
        [(DescriptionKind::Answer, true, "answer".into())]
    );
    update(&mut net, alice, call, Some(sdp("alice", "offer-u"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [200]);
    accept(&mut net, bob, inv, None).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    for (i, s) in [(alice, call), (bob, inv)] {
        assert_eq!(oa(&mut net, i, s), SignalingState::Stable);
    }
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

fn with_prack_offer() -> InviteOptions {
    InviteOptions {
        body: Some(sdp("alice", "offer")),
        prack_offer: Some(sdp("alice", "offer-p")),
        ..Default::default()
    }
}

/// An offer in the PRACK (RFC 3262 §5): Bob's 183 answers the INVITE's
/// offer, Alice's PRACK carries a new one; Bob's application answers it
/// (the PRACK's 200 carries the answer) and an accept() given meanwhile
/// waits for it. Offer/answer is stable on both sides, the answer reached
/// Alice as an early description.
#[test]
fn offer_in_prack_answered_in_its_200() {
    let (mut net, alice, bob, call, inv) =
        ringing_with(6, Impairments::PERFECT, with_prack_offer());
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    net.run_for(SECOND);
    assert_eq!(
        descriptions(&net, bob, inv),
        [
            (DescriptionKind::Offer, true, "offer".into()),
            (DescriptionKind::Offer, true, "offer-p".into())
        ]
    );
    assert!(net.ua(bob).session(inv).unwrap().description_requested());
    assert_eq!(oa(&mut net, bob, inv), SignalingState::HaveRemoteOffer);
    assert_eq!(oa(&mut net, alice, call), SignalingState::HaveLocalOffer);
    // Not answered yet: the PRACK has no final response, accept() waits.
    assert!(net.finals(bob, "PRACK").is_empty());
    accept(&mut net, bob, inv, None).unwrap();
    net.run_for(SECOND);
    assert!(net.finals(bob, "INVITE").is_empty());
    let now = net.now;
    net.ua(bob)
        .session_mut(inv)
        .unwrap()
        .provide_description(now, sdp("bob", "answer-p"))
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(net.finals(bob, "PRACK"), [StatusCode::OK]);
    assert_eq!(
        descriptions(&net, alice, call),
        [(DescriptionKind::Answer, true, "answer-p".into())]
    );
    assert_eq!(net.state(alice, call), Established);
    assert_eq!(net.state(bob, inv), Established);
    for (i, s) in [(alice, call), (bob, inv)] {
        assert_eq!(oa(&mut net, i, s), SignalingState::Stable);
    }
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
    insta::assert_snapshot!("offer_in_prack", net.trace().join("\n"));
}

/// Bob refuses the PRACK's offer: 488 to the PRACK, rolled back on both
/// sides, and the call goes on (the earlier exchange stands).
#[test]
fn offer_in_prack_refused_rolls_back() {
    let (mut net, alice, bob, call, inv) =
        ringing_with(7, Impairments::PERFECT, with_prack_offer());
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    net.run_for(SECOND);
    let now = net.now;
    net.ua(bob)
        .session_mut(inv)
        .unwrap()
        .refuse_description(now)
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(net.finals(bob, "PRACK"), [StatusCode::NOT_ACCEPTABLE_HERE]);
    for (i, s) in [(alice, call), (bob, inv)] {
        assert_eq!(oa(&mut net, i, s), SignalingState::Stable);
    }
    assert_eq!(net.state(bob, inv), Initial);
    accept(&mut net, bob, inv, None).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

/// Under loss, duplication and reordering: the offer in the PRACK is
/// answered by Bob's application at once; the call comes up stable on
/// both sides (or fails cleanly), every request answered.
#[test]
fn sweep_offer_in_prack_under_bad_network() {
    let mut failures = Vec::new();
    let mut answered = 0;
    for seed in 0..40 {
        let (mut net, alice, bob, call, inv) =
            ringing_with(200 + seed, Impairments::BAD, with_prack_offer());
        net.set_policy(bob, answering(sdp("bob", "answer-p")));
        progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
        let _ = accept(&mut net, bob, inv, None);
        net.run_until(SECOND * 60, |n| n.state(alice, call) == Established);
        net.run_for(SECOND * 5);
        if net.state(alice, call) == Established {
            answered += usize::from(descriptions(&net, alice, call).contains(&(
                DescriptionKind::Answer,
                true,
                "answer-p".into(),
            )));
            for (i, s, name) in [(alice, call, "alice"), (bob, inv, "bob")] {
                if oa(&mut net, i, s) != SignalingState::Stable {
                    failures.push(format!("seed {seed}: {name} {:?}", oa(&mut net, i, s)));
                }
            }
            let now = net.now;
            let _ = net
                .ua(alice)
                .session_mut(call)
                .unwrap()
                .bye(now, ByeOptions::default());
        }
        net.run_for(SECOND * 60);
        if net.state(bob, inv) != Terminated {
            failures.push(format!("seed {seed}: bob {:?}", net.state(bob, inv)));
        }
        if !net.unanswered().is_empty() {
            failures.push(format!("seed {seed}: unanswered {:?}", net.unanswered()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        answered >= 25,
        "only {answered} of 40 PRACK offers answered"
    );
}

/// Under loss, duplication and reordering: reliable 183, an UPDATE from
/// each side in the early dialog (Bob's after Alice's is over), then
/// accept and BYE. Every UPDATE ends 200 (or 408 when its retransmissions
/// were all lost), offer/answer ends stable, every request is answered.
#[test]
fn sweep_early_updates_under_bad_network() {
    let mut failures = Vec::new();
    let mut completed = 0;
    for seed in 0..40 {
        let (mut net, alice, bob, call, inv) = ringing(100 + seed, Impairments::BAD, true);
        net.set_policy(alice, answering(sdp("alice", "answer-u")));
        net.set_policy(bob, answering(sdp("bob", "answer-u")));
        progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
        // The PRACK's 200 reached Bob's side once Bob may offer.
        let ready = net.run_until(SECOND * 40, |n| {
            n.events(alice)
                .any(|e| matches!(e, Event::Progress { reliable: true, .. }))
                && n.finals(bob, "PRACK").contains(&StatusCode::OK)
        });
        if !ready {
            failures.push(format!("seed {seed}: no PRACK"));
            continue;
        }
        for (i, s, other) in [(alice, call, "alice"), (bob, inv, "bob")] {
            if let Err(e) = update(&mut net, i, s, Some(sdp(other, "offer-u"))) {
                failures.push(format!("seed {seed}: {other} update {e:?}"));
                continue;
            }
            net.run_until(SECOND * 40, |n| {
                !outcomes(n, i, s, Method::Update).is_empty()
            });
            let o = outcomes(&net, i, s, Method::Update);
            completed += usize::from(o == [200]);
            if o != [200] && o != [408] {
                failures.push(format!("seed {seed}: {other} UPDATE {o:?}"));
            }
        }
        if accept(&mut net, bob, inv, None).is_err() {
            net.run_for(SECOND * 5);
            let _ = accept(&mut net, bob, inv, None);
        }
        let problems = net.wind_down((alice, call), (bob, inv), SECOND * 40);
        failures.extend(problems.into_iter().map(|f| format!("seed {seed}: {f}")));
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Most UPDATEs got through: the sweep is not vacuous.
    assert!(completed >= 60, "{completed} of 80 UPDATEs ended 200");
}

/// RFC 3261 §13.2.1 / RFC 6337 §3.1: after an early UPDATE exchange (Alice
/// offers, Bob answers in the 200), a later reliable 1xx from Bob that
/// carries that same answer again is a copy, not a new offer: Alice asks
/// for no description and her PRACK has no body.
#[test]
fn the_update_answer_repeated_in_a_later_reliable_1xx_is_not_an_offer() {
    let (mut net, alice, bob, call, inv) = ringing(3, Impairments::PERFECT, true);
    net.set_policy(bob, answering(sdp("bob", "answer-u")));
    progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
    net.run_for(SECOND);
    update(&mut net, alice, call, Some(sdp("alice", "offer-u"))).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Update), [200]);
    // Bob's stack sends its next reliable 1xx bare; on the wire it carries
    // the UPDATE's answer again.
    let mut pending = Some(sdp("bob", "answer-u"));
    net.filter = Some(Box::new(move |sender, m| {
        if sender == bob {
            if let Message::Response(r) = m {
                if r.status.as_u16() < 200
                    && r.headers.get(&HeaderName::RSeq).is_some()
                    && r.body.is_empty()
                {
                    if let Some(b) = pending.take() {
                        r.headers
                            .set(HeaderName::ContentType, b.content_type.clone());
                        r.body = b.content;
                    }
                }
            }
        }
        true
    }));
    let asked = net
        .events(alice)
        .filter(|e| matches!(e, Event::DescriptionRequested { .. }))
        .count();
    progress(&mut net, bob, inv, 180, true, None);
    net.run_for(SECOND);
    let asked_after = net
        .events(alice)
        .filter(|e| matches!(e, Event::DescriptionRequested { .. }))
        .count();
    assert_eq!(asked_after, asked, "the copy was taken as a new offer");
    assert_eq!(oa(&mut net, alice, call), SignalingState::Stable);
    let prack_bodies: Vec<usize> = net
        .wire
        .iter()
        .filter(|w| w.from == alice)
        .filter_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Prack => Some(r.body.len()),
            _ => None,
        })
        .collect();
    assert!(prack_bodies.len() >= 2, "{prack_bodies:?}");
    assert!(prack_bodies.iter().all(|&n| n == 0), "{prack_bodies:?}");
    accept(&mut net, bob, inv, None).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    assert_eq!(oa(&mut net, alice, call), SignalingState::Stable);
}
