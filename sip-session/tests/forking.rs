//! Scenarios: forking through a proxy to Bob and Bob2 (RFC 3261
//! §13.2.2.4), with and without an offer; digest authentication on the
//! INVITE (RFC 3261 §22.2, RFC 7616).

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;
use SessionState::*;

const SECOND: Duration = Duration::from_secs(1);

struct Fork {
    net: Net,
    alice: usize,
    bob: usize,
    bob2: usize,
    call: SessionId,
}

fn fork(with_sdp: bool, rel100: bool) -> Fork {
    let mut net = Net::new(21, Impairments::PERFECT);
    let ext = if rel100 {
        ExtensionSupport::Supported
    } else {
        ExtensionSupport::Unsupported
    };
    let alice = net.add("alice", 1, |c| c.rel100 = ext);
    let bob = net.add("bob", 2, |c| c.rel100 = ext);
    let bob2 = net.add("bob2", 3, |c| c.rel100 = ext);
    let proxy = net.add_proxy("proxy", vec![bob, bob2], None);
    let body = with_sdp.then(|| sdp("alice", "offer"));
    let call = net.call_with_body(alice, proxy, body);
    net.run_for(SECOND);
    Fork {
        net,
        alice,
        bob,
        bob2,
        call,
    }
}

fn accept(net: &mut Net, who: usize, body: Body) -> SessionId {
    let inv = net.invitation(who).unwrap();
    net.accept_with(who, inv, Some(body)).unwrap();
    inv
}

#[test]
fn both_forks_accept_second_gets_ack_and_bye() {
    for with_sdp in [true, false] {
        let Fork {
            mut net,
            alice,
            bob,
            bob2,
            call,
        } = fork(with_sdp, false);
        assert_eq!(net.invitations(bob).len(), 1);
        assert_eq!(net.invitations(bob2).len(), 1);
        let progress = net
            .events(alice)
            .filter(|e| matches!(e, Event::Progress { .. }))
            .count();
        assert_eq!(progress, 2, "a 180 from each fork");
        let i1 = accept(&mut net, bob, sdp("bob", "sdp"));
        net.run_for(Duration::from_millis(1));
        let i2 = accept(&mut net, bob2, sdp("bob2", "sdp"));
        net.run_for(SECOND);
        if !with_sdp {
            // The first 2xx's offer must be answered in its ACK.
            let now = net.now;
            net.ua(alice)
                .session_mut(call)
                .unwrap()
                .provide_description(now, sdp("alice", "answer"))
                .unwrap();
            net.run_for(SECOND);
        }
        assert_eq!(net.state(alice, call), Established);
        let acks = net.methods(alice).iter().filter(|m| *m == "ACK").count();
        let byes = net.methods(alice).iter().filter(|m| *m == "BYE").count();
        assert_eq!((acks, byes), (2, 1), "{:?}", net.trace());
        assert_eq!(net.state(bob, i1), Established);
        assert_eq!(net.state(bob2, i2), Terminated);
        let d = net
            .ua(alice)
            .session(call)
            .unwrap()
            .dialog()
            .unwrap()
            .clone();
        assert!(!d.is_early());
        assert_eq!(
            net.ua(alice).session(call).unwrap().signaling_state(),
            SignalingState::Stable
        );
        net.run_for(Duration::from_secs(40));
        assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
        insta::assert_snapshot!(
            format!("forking_both_accept_sdp_{with_sdp}"),
            net.trace().join("\n")
        );
    }
}

#[test]
fn both_forks_reliable_then_accept() {
    let Fork {
        mut net,
        alice,
        bob,
        bob2,
        call,
    } = fork(true, true);
    for (who, name) in [(bob, "bob"), (bob2, "bob2")] {
        let inv = net.invitation(who).unwrap();
        let now = net.now;
        net.ua(who)
            .invitation(inv)
            .unwrap()
            .progress(
                now,
                ProgressOptions {
                    status: StatusCode::SESSION_PROGRESS,
                    reliable: true,
                    body: Some(sdp(name, "answer")),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    net.run_for(SECOND);
    assert_eq!(
        net.methods(alice).iter().filter(|m| *m == "PRACK").count(),
        2
    );
    let i1 = net.invitation(bob).unwrap();
    let i2 = net.invitation(bob2).unwrap();
    let now = net.now;
    net.ua(bob)
        .invitation(i1)
        .unwrap()
        .accept(now, AcceptOptions::default())
        .unwrap();
    net.ua(bob2)
        .invitation(i2)
        .unwrap()
        .accept(now, AcceptOptions::default())
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    assert_eq!(net.methods(alice).iter().filter(|m| *m == "BYE").count(), 1);
    let survivors = [net.state(bob, i1), net.state(bob2, i2)];
    assert!(survivors.contains(&Established) && survivors.contains(&Terminated));
}

#[test]
fn forking_with_early_media_is_refused_488() {
    let mut net = Net::new(22, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    let bob2 = net.add("bob2", 3, |_| {});
    let proxy = net.add_proxy("proxy", vec![bob, bob2], None);
    let call = net.invite_with(
        alice,
        proxy,
        InviteOptions {
            body: Some(sdp("alice", "offer")),
            early_media: true,
            ..Default::default()
        },
    );
    net.run_for(SECOND);
    let i1 = net.invitation(bob).unwrap();
    let now = net.now;
    net.ua(bob)
        .invitation(i1)
        .unwrap()
        .progress(
            now,
            ProgressOptions {
                status: StatusCode::SESSION_PROGRESS,
                body: Some(sdp("bob", "early")),
                ..Default::default()
            },
        )
        .unwrap();
    net.run_for(SECOND);
    // Bob2 answers first: SIP.js refuses forking with early media.
    accept(&mut net, bob2, sdp("bob2", "answer"));
    net.run_for(SECOND);
    assert_eq!(
        net.cause(alice, call),
        Some(TerminationCause::Description(
            StatusCode::NOT_ACCEPTABLE_HERE
        ))
    );
}

#[test]
fn digest_challenge_is_answered_with_a_new_cseq() {
    let mut net = Net::new(23, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| {
        c.credentials = Some(sip_core::auth::Credentials::password("alice", "secret"));
    });
    let bob = net.add("bob", 2, |_| {});
    let proxy = net.add_proxy("proxy", vec![bob], Some(("alice", "secret")));
    let call = net.call_with_offer(alice, proxy);
    net.run_for(SECOND);
    accept(&mut net, bob, sdp("bob", "answer"));
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    let invites: Vec<(String, bool)> = net
        .wire
        .iter()
        .filter(|w| w.from == alice)
        .filter_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Invite => Some((
                r.headers.get(&HeaderName::CSeq).unwrap().to_owned(),
                r.headers.contains(&HeaderName::ProxyAuthorization),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        invites,
        [
            ("1 INVITE".to_owned(), false),
            ("2 INVITE".to_owned(), true)
        ]
    );
    // The ACK for the 2xx carries the INVITE's credentials and CSeq.
    let ack = net
        .wire
        .iter()
        .rev()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Ack && w.from == alice => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(ack.headers.get(&HeaderName::CSeq), Some("2 ACK"));
    assert!(ack.headers.contains(&HeaderName::ProxyAuthorization));
    // BYE continues the dialog's CSeq.
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    net.run_for(SECOND);
    let bye = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Bye => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(bye.headers.get(&HeaderName::CSeq), Some("3 BYE"));
}

#[test]
fn wrong_password_gives_up_after_one_retry() {
    let mut net = Net::new(24, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| {
        c.credentials = Some(sip_core::auth::Credentials::password("alice", "wrong"));
    });
    let bob = net.add("bob", 2, |_| {});
    let proxy = net.add_proxy("proxy", vec![bob], Some(("alice", "secret")));
    let target = net.uri(proxy);
    let now = net.now;
    let call = net
        .ua(alice)
        .invite(now, target, InviteOptions::default())
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(
        net.cause(alice, call),
        Some(TerminationCause::Rejected(
            StatusCode::PROXY_AUTHENTICATION_REQUIRED
        ))
    );
    assert_eq!(
        net.methods(alice).iter().filter(|m| *m == "INVITE").count(),
        2
    );
}

#[test]
fn no_credentials_reports_the_challenge() {
    let mut net = Net::new(25, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    let proxy = net.add_proxy("proxy", vec![bob], Some(("alice", "secret")));
    let target = net.uri(proxy);
    let now = net.now;
    let call = net
        .ua(alice)
        .invite(now, target, InviteOptions::default())
        .unwrap();
    net.run_for(SECOND);
    assert_eq!(net.states(alice, call), [Initial, Establishing, Terminated]);
    assert_eq!(
        net.cause(alice, call),
        Some(TerminationCause::Rejected(
            StatusCode::PROXY_AUTHENTICATION_REQUIRED
        ))
    );
}

#[test]
fn stale_nonce_is_answered_once_more() {
    let mut net = Net::new(26, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| {
        c.credentials = Some(sip_core::auth::Credentials::password("alice", "secret"));
    });
    let bob = net.add("bob", 2, |_| {});
    let proxy = net.add_proxy("proxy", vec![bob], Some(("alice", "secret")));
    if let Kind::Proxy(px) = &mut net.nodes[proxy].kind {
        px.stale_next = true;
    }
    let call = net.call_with_offer(alice, proxy);
    net.run_for(SECOND);
    accept(&mut net, bob, sdp("bob", "answer"));
    net.run_for(SECOND);
    // 407, then 407 stale=true for valid credentials, then through.
    assert_eq!(
        net.methods(alice).iter().filter(|m| *m == "INVITE").count(),
        3
    );
    assert_eq!(net.state(alice, call), Established);
}
