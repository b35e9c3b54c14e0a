//! Session properties (identities, P-Asserted-Identity, dialog, user
//! data), anonymous calls (RFC 3323, RFC 3325), Replaces (RFC 3891) and
//! the session limit.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

fn accept(net: &mut Net, who: usize, inv: SessionId) {
    net.accept_with(who, inv, Some(sdp("x", "answer"))).unwrap();
}

#[test]
fn identities_dialog_and_user_data() {
    let mut net = Net::new(31, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    let call = net.invite_with(
        alice,
        bob,
        InviteOptions {
            body: Some(sdp("alice", "offer")),
            extra_headers: vec![(
                HeaderName::PAssertedIdentity,
                "\"Alice A\" <sip:alice@asserted.example.com>".into(),
            )],
            ..Default::default()
        },
    );
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    let bob_uri = net.uri(bob).to_string();
    {
        let s = net.ua(bob).session(inv).unwrap();
        assert!(!s.is_inviter());
        assert_eq!(s.remote_identity().uri.to_string(), "sip:alice@example.com");
        assert_eq!(s.remote_identity().display_name.as_deref(), Some("Alice"));
        assert_eq!(s.local_identity().uri.to_string(), bob_uri);
        assert_eq!(
            s.asserted_identity().unwrap().uri.to_string(),
            "sip:alice@asserted.example.com"
        );
        // The early dialog of the 180.
        let d = s.dialog().unwrap();
        assert!(d.is_early());
        assert_eq!(s.invite_request().unwrap().method, Method::Invite);
        assert_eq!(s.signaling_state(), SignalingState::HaveRemoteOffer);
    }
    net.ua(bob)
        .session_mut(inv)
        .unwrap()
        .set_user_data(Box::new(42u32));
    accept(&mut net, bob, inv);
    net.run_for(SECOND);
    let a = net.ua(alice).session(call).unwrap();
    assert!(a.is_inviter());
    let d = a.dialog().unwrap().clone();
    let b = net.ua(bob).session(inv).unwrap();
    assert_eq!(b.user_data::<u32>(), Some(&42));
    assert_eq!(b.user_data::<String>(), None);
    let db = b.dialog().unwrap();
    // The two sides see the same dialog with tags swapped.
    assert_eq!(d.call_id(), db.call_id());
    assert_eq!(d.local_tag(), db.remote_tag());
    assert_eq!(d.remote_tag(), db.local_tag());
    assert!(!db.is_early());
    assert_eq!(
        d.remote_target().to_string(),
        net.nodes[bob].ua.config().contact.to_string()
    );
    assert!(net
        .ua(bob)
        .session_mut(inv)
        .unwrap()
        .take_user_data()
        .is_some());
}

#[test]
fn anonymous_call_hides_the_caller() {
    let mut net = Net::new(32, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    net.invite_with(
        alice,
        bob,
        InviteOptions {
            anonymous: true,
            ..Default::default()
        },
    );
    net.run_for(SECOND);
    let invite = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Invite => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    let from = invite.headers.get(&HeaderName::From).unwrap();
    assert!(
        from.starts_with("Anonymous <sip:anonymous@anonymous.invalid>;tag="),
        "{from}"
    );
    assert_eq!(invite.headers.get(&HeaderName::Privacy), Some("id"));
    assert_eq!(
        invite.headers.get(&HeaderName::PPreferredIdentity),
        Some("<sip:alice@example.com>")
    );
    let inv = net.invitation(bob).unwrap();
    assert_eq!(
        net.ua(bob)
            .session(inv)
            .unwrap()
            .remote_identity()
            .uri
            .to_string(),
        "sip:anonymous@anonymous.invalid"
    );
}

#[test]
fn replaces_ends_the_replaced_call() {
    let mut net = Net::new(33, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| c.replaces = ExtensionSupport::Supported);
    let bob = net.add("bob", 2, |_| {});
    let carol = net.add("carol", 3, |_| {});
    // Bob calls Alice; Alice answers.
    let bob_call = net.call_with_body(bob, alice, Some(sdp("bob", "o")));
    net.run_for(SECOND);
    let alice_bob = net.invitation(alice).unwrap();
    accept(&mut net, alice, alice_bob);
    net.run_for(SECOND);
    let d = net
        .ua(bob)
        .session(bob_call)
        .unwrap()
        .dialog()
        .unwrap()
        .clone();
    // Carol's INVITE replaces that dialog (tags as Alice sees them: the
    // to-tag is Alice's, RFC 3891 §3).
    let replaces = format!(
        "{};to-tag={};from-tag={}",
        d.call_id(),
        d.remote_tag(),
        d.local_tag()
    );
    let bad = format!("{};to-tag=nope;from-tag={}", d.call_id(), d.local_tag());
    let c1 = net.invite_with(
        carol,
        alice,
        InviteOptions {
            extra_headers: vec![(HeaderName::Replaces, bad)],
            ..Default::default()
        },
    );
    net.run_for(SECOND);
    assert_eq!(
        net.cause(carol, c1),
        Some(TerminationCause::Rejected(StatusCode::CALL_DOES_NOT_EXIST))
    );
    let c2 = net.invite_with(
        carol,
        alice,
        InviteOptions {
            body: Some(sdp("carol", "o")),
            extra_headers: vec![(HeaderName::Replaces, replaces)],
            ..Default::default()
        },
    );
    net.run_for(SECOND);
    let alice_carol = *net.invitations(alice).last().unwrap();
    assert_eq!(
        net.ua(alice).session(alice_carol).unwrap().replacee(),
        Some(alice_bob)
    );
    accept(&mut net, alice, alice_carol);
    net.run_for(SECOND);
    assert_eq!(net.state(carol, c2), SessionState::Established);
    assert_eq!(net.cause(alice, alice_bob), Some(TerminationCause::Bye));
    assert_eq!(net.cause(bob, bob_call), Some(TerminationCause::RemoteBye));
}

#[test]
fn session_limit_refuses_503_and_invite_errors() {
    let mut net = Net::new(34, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| c.max_sessions = 2);
    let bob = net.add("bob", 2, |c| c.max_sessions = 1);
    let a1 = net.invite_with(alice, bob, InviteOptions::default());
    let a2 = net.invite_with(alice, bob, InviteOptions::default());
    let target = net.uri(bob);
    let now = net.now;
    assert_eq!(
        net.ua(alice).invite(now, target, InviteOptions::default()),
        Err(InviteError::TooManySessions(2))
    );
    net.run_for(SECOND);
    // Bob holds one; the second INVITE is refused 503 with Retry-After.
    assert_eq!(net.state(alice, a1), SessionState::Establishing);
    assert_eq!(
        net.cause(alice, a2),
        Some(TerminationCause::Rejected(StatusCode::SERVICE_UNAVAILABLE))
    );
    let r = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Response(r) if r.status == StatusCode::SERVICE_UNAVAILABLE => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(r.headers.get(&HeaderName::RetryAfter), Some("5"));
}
