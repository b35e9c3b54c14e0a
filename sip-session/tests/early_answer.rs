//! Scenarios: the answer to the INVITE's offer in provisional responses
//! (RFC 3261 §13.2.1, RFC 3262 §5, RFC 6337 §3.1). A copy of the answer
//! in an unreliable 1xx is only a preview; the first reliable message
//! carrying it completes the exchange; the same description again in a
//! later 1xx of the same early dialog is neither a new offer nor a new
//! answer; a different one in a reliable 1xx after the exchange is a new
//! offer, answered in the PRACK. Each early dialog (fork) has its own
//! exchange.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;
use SessionState::*;

const SECOND: Duration = Duration::from_secs(1);

fn setup(seed: u64, early_media: bool) -> (Net, usize, usize, SessionId, SessionId) {
    setup_with(seed, Impairments::PERFECT, early_media)
}

fn setup_with(
    seed: u64,
    impair: Impairments,
    early_media: bool,
) -> (Net, usize, usize, SessionId, SessionId) {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", 1, |c| c.rel100 = ExtensionSupport::Supported);
    let bob = net.add("bob", 2, |c| {
        c.rel100 = ExtensionSupport::Supported;
        c.send_initial_provisional = false;
    });
    let call = net.invite_with(
        alice,
        bob,
        InviteOptions {
            body: Some(sdp("alice", "offer")),
            early_media,
            ..Default::default()
        },
    );
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    (net, alice, bob, call, inv)
}

fn progress(
    net: &mut Net,
    who: usize,
    inv: SessionId,
    status: u16,
    reliable: bool,
    body: Option<Body>,
) {
    let now = net.now;
    net.ua(who)
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
    net.run_for(SECOND);
}

/// The session descriptions `i` received in session `s`: kind, early,
/// the `s=` line's text.
fn descriptions(net: &Net, i: usize, s: SessionId) -> Vec<(DescriptionKind, bool, String)> {
    net.events(i)
        .filter_map(|e| match e {
            Event::RemoteDescription {
                session,
                kind,
                body,
                early,
            } if *session == s => {
                let text = String::from_utf8_lossy(&body.content).into_owned();
                let name = text
                    .lines()
                    .find_map(|l| l.strip_prefix("s="))
                    .unwrap_or("")
                    .to_owned();
                Some((*kind, *early, name))
            }
            _ => None,
        })
        .collect()
}

fn requested(net: &Net, i: usize) -> usize {
    net.events(i)
        .filter(|e| matches!(e, Event::DescriptionRequested { .. }))
        .count()
}

/// The PRACKs `from` sent, with their bodies (empty when none), once per
/// transaction.
fn pracks(net: &Net, from: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for w in &net.wire {
        if w.from != from {
            continue;
        }
        if let Message::Request(r) = &w.message {
            if r.method == Method::Prack {
                let rack = r.headers.get(&HeaderName::RAck).unwrap_or("").to_owned();
                if !seen.contains(&rack) {
                    seen.push(rack);
                    out.push(String::from_utf8_lossy(&r.body).into_owned());
                }
            }
        }
    }
    out
}

fn oa(net: &mut Net, i: usize, s: SessionId) -> SignalingState {
    net.ua(i).session(s).unwrap().signaling_state()
}

use DescriptionKind::{Answer, Offer};

fn answers_expected(early_media: bool, name: &str) -> Vec<(DescriptionKind, bool, String)> {
    vec![(Answer, early_media, name.to_owned())]
}

#[test]
fn preview_then_the_same_answer_reliably_is_not_an_offer() {
    for early_media in [false, true] {
        let (mut net, alice, bob, call, inv) = setup(31, early_media);
        progress(&mut net, bob, inv, 180, false, Some(sdp("bob", "answer")));
        progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
        assert_eq!(requested(&net, alice), 0, "early media {early_media}");
        assert_eq!(oa(&mut net, alice, call), SignalingState::Stable);
        assert_eq!(pracks(&net, alice), [""], "the PRACK carries no body");
        assert_eq!(net.finals(bob, "PRACK"), [StatusCode::OK]);
        assert_eq!(oa(&mut net, bob, inv), SignalingState::Stable);
        net.accept_with(bob, inv, None).unwrap();
        net.run_for(SECOND);
        assert_eq!(net.state(alice, call), Established);
        assert_eq!(net.methods(alice), ["INVITE", "PRACK", "ACK"]);
        assert_eq!(
            descriptions(&net, alice, call),
            answers_expected(early_media, "answer"),
            "early media {early_media}: one answer, no offer"
        );
        assert!(net.unanswered().is_empty());
    }
}

#[test]
fn the_reliable_answer_replaces_a_different_preview() {
    for early_media in [false, true] {
        let (mut net, alice, bob, call, inv) = setup(32, early_media);
        progress(&mut net, bob, inv, 180, false, Some(sdp("bob", "preview")));
        progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
        assert_eq!(requested(&net, alice), 0);
        assert_eq!(pracks(&net, alice), [""]);
        net.accept_with(bob, inv, None).unwrap();
        net.run_for(SECOND);
        assert_eq!(net.state(alice, call), Established);
        let expected: Vec<_> = if early_media {
            vec![
                (Answer, true, "preview".to_owned()),
                (Answer, true, "answer".to_owned()),
            ]
        } else {
            answers_expected(false, "answer")
        };
        assert_eq!(descriptions(&net, alice, call), expected);
    }
}

/// Adds `body` to the next reliable 1xx without a body `from` sends.
fn add_body_to_next_reliable(net: &mut Net, from: usize, body: Body) {
    let mut pending = Some(body);
    net.filter = Some(Box::new(move |sender, m| {
        if sender == from {
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
}

#[test]
fn the_answer_repeated_in_a_later_reliable_1xx_is_not_an_offer() {
    for (early_media, preview) in [(false, false), (true, false), (false, true), (true, true)] {
        let (mut net, alice, bob, call, inv) = setup(33, early_media);
        if preview {
            progress(&mut net, bob, inv, 180, false, Some(sdp("bob", "answer")));
        }
        progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
        // Bob's stack sends the next reliable 1xx bare; on the wire it
        // carries the answer again.
        add_body_to_next_reliable(&mut net, bob, sdp("bob", "answer"));
        progress(&mut net, bob, inv, 180, true, None);
        let case = format!("early media {early_media}, preview {preview}");
        assert_eq!(requested(&net, alice), 0, "{case}");
        assert_eq!(oa(&mut net, alice, call), SignalingState::Stable, "{case}");
        assert_eq!(pracks(&net, alice), ["", ""], "{case}");
        assert_eq!(net.finals(bob, "PRACK"), [StatusCode::OK, StatusCode::OK]);
        net.accept_with(bob, inv, None).unwrap();
        net.run_for(SECOND);
        assert_eq!(net.state(alice, call), Established, "{case}");
        assert_eq!(
            descriptions(&net, alice, call),
            answers_expected(early_media, "answer"),
            "{case}"
        );
    }
}

#[test]
fn a_different_body_after_the_exchange_is_a_new_offer_answered_in_the_prack() {
    for (early_media, preview) in [(false, false), (true, false), (false, true), (true, true)] {
        let (mut net, alice, bob, call, inv) = setup(34, early_media);
        if preview {
            progress(&mut net, bob, inv, 180, false, Some(sdp("bob", "answer")));
        }
        progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
        let case = format!("early media {early_media}, preview {preview}");
        assert_eq!(requested(&net, alice), 0, "{case}");
        // Bob's UA sends a body in a reliable 1xx after the exchange as a
        // new offer (RFC 3262 §5).
        progress(&mut net, bob, inv, 180, true, Some(sdp("bob", "offer2")));
        assert_eq!(
            oa(&mut net, bob, inv),
            SignalingState::HaveLocalOffer,
            "{case}"
        );
        assert_eq!(requested(&net, alice), 1, "{case}");
        assert_eq!(
            oa(&mut net, alice, call),
            SignalingState::HaveRemoteOffer,
            "{case}"
        );
        assert_eq!(pracks(&net, alice), [""], "the second PRACK waits: {case}");
        let now = net.now;
        net.ua(alice)
            .session_mut(call)
            .unwrap()
            .provide_description(now, sdp("alice", "answer2"))
            .unwrap();
        net.run_for(SECOND);
        let p = pracks(&net, alice);
        assert_eq!(p.len(), 2, "{case}");
        assert!(p[1].contains("s=answer2"), "{case}: {p:?}");
        assert_eq!(oa(&mut net, alice, call), SignalingState::Stable, "{case}");
        assert_eq!(oa(&mut net, bob, inv), SignalingState::Stable, "{case}");
        net.accept_with(bob, inv, None).unwrap();
        net.run_for(SECOND);
        assert_eq!(net.state(alice, call), Established, "{case}");
        let mut expected = answers_expected(early_media, "answer");
        expected.insert(usize::from(early_media), (Offer, true, "offer2".to_owned()));
        assert_eq!(descriptions(&net, alice, call), expected, "{case}");
        assert_eq!(
            descriptions(&net, bob, inv),
            [
                (Offer, true, "offer".to_owned()),
                (Answer, true, "answer2".to_owned())
            ]
            .to_vec(),
            "{case}"
        );
    }
}

/// Alice calls through a forking proxy to Bob and Bob2, both with 100rel.
fn forked(seed: u64) -> (Net, usize, usize, usize, SessionId) {
    let mut net = Net::new(seed, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| c.rel100 = ExtensionSupport::Supported);
    let bob = net.add("bob", 2, |c| {
        c.rel100 = ExtensionSupport::Supported;
        c.send_initial_provisional = false;
    });
    let bob2 = net.add("bob2", 3, |c| {
        c.rel100 = ExtensionSupport::Supported;
        c.send_initial_provisional = false;
    });
    let proxy = net.add_proxy("proxy", vec![bob, bob2], None);
    let call = net.invite_with(
        alice,
        proxy,
        InviteOptions {
            body: Some(sdp("alice", "offer")),
            ..Default::default()
        },
    );
    net.run_for(SECOND);
    (net, alice, bob, bob2, call)
}

#[test]
fn forks_each_preview_then_confirm_their_own_answer() {
    for bob2_wins in [false, true] {
        let (mut net, alice, bob, bob2, call) = forked(35);
        let i1 = net.invitation(bob).unwrap();
        let i2 = net.invitation(bob2).unwrap();
        // Bob completes the exchange in his early dialog first; Bob2 only
        // previews, then confirms its own answer reliably.
        progress(&mut net, bob, i1, 183, true, Some(sdp("bob", "answer")));
        progress(&mut net, bob2, i2, 180, false, Some(sdp("bob2", "answer")));
        progress(&mut net, bob2, i2, 183, true, Some(sdp("bob2", "answer")));
        // Bob repeats his answer in another reliable 1xx.
        add_body_to_next_reliable(&mut net, bob, sdp("bob", "answer"));
        progress(&mut net, bob, i1, 180, true, None);
        assert_eq!(requested(&net, alice), 0, "bob2 wins {bob2_wins}");
        assert_eq!(pracks(&net, alice), ["", "", ""]);
        let (winner, inv, name) = if bob2_wins {
            (bob2, i2, "bob2")
        } else {
            (bob, i1, "bob")
        };
        net.accept_with(winner, inv, None).unwrap();
        net.run_for(SECOND);
        assert_eq!(net.state(alice, call), Established);
        assert_eq!(oa(&mut net, alice, call), SignalingState::Stable);
        let got = descriptions(&net, alice, call);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, Answer);
        assert!(!got[0].1);
        let body = net
            .events(alice)
            .find_map(|e| match e {
                Event::RemoteDescription { body, .. } => Some(body.clone()),
                _ => None,
            })
            .unwrap();
        assert!(
            String::from_utf8_lossy(&body.content).contains(&format!("o={name} ")),
            "the winning fork's answer"
        );
    }
}

#[test]
fn a_preview_in_one_fork_does_not_complete_another() {
    // Bob2's preview must not make Bob's (different) reliable answer look
    // like a new offer, nor Bob's completed exchange make Bob2's first
    // reliable answer one.
    let (mut net, alice, bob, bob2, call) = forked(36);
    let i1 = net.invitation(bob).unwrap();
    let i2 = net.invitation(bob2).unwrap();
    progress(&mut net, bob2, i2, 180, false, Some(sdp("bob2", "answer")));
    progress(&mut net, bob, i1, 183, true, Some(sdp("bob", "answer")));
    progress(&mut net, bob2, i2, 183, true, Some(sdp("bob2", "answer")));
    assert_eq!(requested(&net, alice), 0);
    assert_eq!(pracks(&net, alice), ["", ""]);
    // A new offer in Bob2's early dialog is answered in Bob2's PRACK.
    progress(&mut net, bob2, i2, 180, true, Some(sdp("bob2", "offer2")));
    assert_eq!(requested(&net, alice), 1);
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .provide_description(now, sdp("alice", "answer2"))
        .unwrap();
    net.run_for(SECOND);
    let p = pracks(&net, alice);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[2].contains("s=answer2"), "{p:?}");
    assert_eq!(oa(&mut net, bob2, i2), SignalingState::Stable);
    net.accept_with(bob2, i2, None).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
}

#[test]
fn sweep_preview_then_reliable_answer_under_bad_network() {
    for seed in 0..24 {
        let early_media = seed % 2 == 1;
        let (mut net, alice, bob, call, inv) =
            setup_with(300 + seed, Impairments::BAD, early_media);
        progress(&mut net, bob, inv, 180, false, Some(sdp("bob", "answer")));
        progress(&mut net, bob, inv, 183, true, Some(sdp("bob", "answer")));
        net.run_for(4 * SECOND);
        assert_eq!(requested(&net, alice), 0, "seed {seed}");
        assert!(
            pracks(&net, alice).iter().all(String::is_empty),
            "seed {seed}"
        );
        net.accept_with(bob, inv, None).unwrap();
        net.settle(40 * SECOND);
        assert_eq!(net.state(alice, call), Established, "seed {seed}");
        assert_eq!(net.state(bob, inv), Established, "seed {seed}");
        let got = descriptions(&net, alice, call);
        assert!(
            got.iter().all(|d| d.0 == Answer && d.2 == "answer"),
            "seed {seed}: {got:?}"
        );
        assert!(!got.is_empty(), "seed {seed}");
    }
}
