//! Session timers (RFC 4028) between two of our agents: negotiation in
//! the INVITE and its 2xx, periodic refresh by UPDATE at half the
//! interval, BYE when the refreshes stop, 422 and the retry with the
//! peer's Min-SE, and nothing of it when the switch is off.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

fn accept_all() -> Policy {
    Box::new(|ua, now, e| {
        if let Event::Invitation { session } = e {
            let _ = ua.invitation(*session).unwrap().accept(
                now,
                AcceptOptions {
                    body: Some(sdp("bob", "answer")),
                    ..Default::default()
                },
            );
        }
    })
}

fn call(
    seed: u64,
    impair: Impairments,
    alice_timer: Option<SessionTimerConfig>,
    bob_timer: Option<SessionTimerConfig>,
) -> (Net, usize, usize, SessionId) {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", seed * 3 + 1, |c| {
        c.session_timer = alice_timer;
        c.allow_update = true;
    });
    let bob = net.add("bob", seed * 3 + 2, |c| {
        c.session_timer = bob_timer;
        c.allow_update = true;
    });
    net.set_policy(bob, accept_all());
    let call = net.call_with_offer(alice, bob);
    net.run_for(SECOND);
    (net, alice, bob, call)
}

fn timer(se: u32, min: u32) -> Option<SessionTimerConfig> {
    Some(SessionTimerConfig {
        session_expires: se,
        min_se: min,
        refresh_with_update: true,
    })
}

fn header_of(net: &Net, from: usize, first_line: &str, h: HeaderName) -> Option<String> {
    net.wire.iter().filter(|w| w.from == from).find_map(|w| {
        let line = match &w.message {
            Message::Request(r) => r.method.to_string(),
            Message::Response(r) => r.status.as_u16().to_string(),
        };
        (line == first_line)
            .then(|| w.message.headers().get(&h).map(str::to_owned))
            .flatten()
    })
}

#[test]
fn negotiated_and_refreshed_by_update_at_half_the_interval() {
    let (mut net, alice, bob, call) = call(1, Impairments::PERFECT, timer(120, 90), timer(120, 90));
    assert_eq!(
        header_of(&net, alice, "INVITE", HeaderName::SessionExpires).as_deref(),
        Some("120")
    );
    assert_eq!(
        header_of(&net, bob, "200", HeaderName::SessionExpires).as_deref(),
        Some("120;refresher=uac")
    );
    assert_eq!(
        header_of(&net, bob, "200", HeaderName::Require).as_deref(),
        Some("timer")
    );
    net.run_for(SECOND * 200);
    let inv = net.invitation(bob).unwrap();
    assert_eq!(net.state(alice, call), SessionState::Established);
    assert_eq!(net.state(bob, inv), SessionState::Established);
    // Refreshes at about 60, 120, 180 s.
    let updates: Vec<u64> = net
        .wire
        .iter()
        .filter(|w| matches!(&w.message, Message::Request(r) if r.method == Method::Update))
        .map(|w| w.at.as_millis())
        .collect();
    assert_eq!(updates.len(), 3, "{updates:?}");
    assert!(
        updates.windows(2).all(|w| w[1] - w[0] == 60_000),
        "{updates:?}"
    );
    assert_eq!(net.finals(bob, "UPDATE"), [StatusCode::OK; 3]);
}

#[test]
fn unrefreshed_session_expires_with_bye() {
    let (mut net, alice, bob, call) = call(2, Impairments::PERFECT, timer(120, 90), timer(120, 90));
    // Alice's refreshes never arrive.
    net.filter = Some(Box::new(|from, m| {
        !(from == 0 && matches!(m, Message::Request(r) if r.method == Method::Update))
    }));
    let start = net.now.as_millis();
    net.run_for(SECOND * 100);
    let inv = net.invitation(bob).unwrap();
    assert_eq!(net.cause(bob, inv), Some(TerminationCause::SessionExpired));
    assert_eq!(net.cause(alice, call), Some(TerminationCause::RemoteBye));
    let bye_at = net
        .wire
        .iter()
        .find(|w| matches!(&w.message, Message::Request(r) if r.method == Method::Bye))
        .map(|w| w.at.as_millis())
        .unwrap();
    // 120 s minus min(32 s, 40 s) after the 2xx (sent ~20 ms after start).
    let after = bye_at - start;
    assert!((87_000..=89_000).contains(&after), "{after}");
}

#[test]
fn interval_too_small_gets_422_and_the_retry_uses_min_se() {
    let (mut net, alice, bob, call) =
        call(3, Impairments::PERFECT, timer(120, 90), timer(300, 300));
    net.run_for(SECOND);
    assert_eq!(
        net.finals(bob, "INVITE").first(),
        Some(&StatusCode::SESSION_INTERVAL_TOO_SMALL)
    );
    assert_eq!(net.state(alice, call), SessionState::Established);
    assert_eq!(
        header_of(&net, bob, "200", HeaderName::SessionExpires).as_deref(),
        Some("300;refresher=uac")
    );
    net.run_for(SECOND * 160);
    assert_eq!(net.finals(bob, "UPDATE"), [StatusCode::OK]);
}

#[test]
fn off_by_default_adds_nothing() {
    let (net, alice, _bob, c) = call(4, Impairments::PERFECT, None, None);
    assert_eq!(net.state(alice, c), SessionState::Established);
    for w in &net.wire {
        assert!(w
            .message
            .headers()
            .get(&HeaderName::SessionExpires)
            .is_none());
    }
    // The callee refreshes when the caller does not support timers.
    let (mut net, alice, bob2, _) = call(5, Impairments::PERFECT, None, timer(120, 90));
    assert_eq!(
        header_of(&net, bob2, "200", HeaderName::SessionExpires).as_deref(),
        Some("120;refresher=uas")
    );
    net.run_for(SECOND * 70);
    assert_eq!(net.finals(alice, "UPDATE"), [StatusCode::OK]);
}

#[test]
fn sweep_refreshes_keep_the_session_under_bad_network() {
    let mut failures = Vec::new();
    for seed in 0..40 {
        let (mut net, alice, bob, call) =
            call(100 + seed, Impairments::BAD, timer(120, 90), timer(120, 90));
        net.run_for(SECOND * 40);
        if net.state(alice, call) != SessionState::Established {
            continue;
        }
        net.run_for(SECOND * 300);
        let inv = net.invitation(bob).unwrap();
        let ok = |c: Option<TerminationCause>| {
            // Only a dialog lost to a timeout may end it early.
            c.is_none()
                || matches!(
                    c,
                    Some(TerminationCause::DialogLost(_) | TerminationCause::RemoteBye)
                )
        };
        if !ok(net.cause(alice, call))
            || net.cause(bob, inv) == Some(TerminationCause::SessionExpired)
                && net.cause(alice, call).is_none()
        {
            failures.push(format!(
                "seed {seed}: alice {:?} bob {:?}",
                net.cause(alice, call),
                net.cause(bob, inv)
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
