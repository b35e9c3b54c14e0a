//! Out-of-dialog MESSAGE (RFC 3428) and OPTIONS (RFC 3261 §11) between
//! two agents and against a scripted peer: send, the application's
//! answer, the automatic answers, timeout, digest retry.

mod support;

use sip_core::auth::Credentials;
use sip_core::header::HeaderName;
use sip_core::message::{Message, Request, Response};
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;

fn responses(net: &Net, i: usize) -> Vec<(OutgoingId, Response)> {
    net.events(i)
        .filter_map(|e| match e {
            Event::Response { request, response } => Some((*request, (**response).clone())),
            _ => None,
        })
        .collect()
}

fn requests_at(net: &Net, i: usize, method: Method) -> Vec<Request> {
    net.inbox(i)
        .iter()
        .filter_map(|m| match m {
            Message::Request(r) if r.method == method => Some(r.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn message_answered_by_the_application() {
    let mut net = Net::new(3, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |c| c.app_methods = vec![Method::Message]);
    net.set_policy(
        bob,
        Box::new(|ua, now, e| {
            if let Event::Request {
                request,
                session: None,
                method: Method::Message,
            } = e
            {
                let r = ua.request(*request).unwrap();
                assert_eq!(r.request().body, b"hello bob".to_vec());
                r.reject(now, StatusCode::BUSY_HERE).unwrap();
            }
        }),
    );
    let target = net.uri(bob);
    let now = net.now;
    let id = net
        .ua(alice)
        .message(
            now,
            target,
            Body::new("text/plain", &b"hello bob"[..]),
            RequestOptions::default(),
        )
        .unwrap();
    assert_eq!(net.ua(alice).pending_outgoing(), 1);
    net.run_for(Duration::from_secs(1));
    let r = responses(&net, alice);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, id);
    assert_eq!(r[0].1.status, StatusCode::BUSY_HERE);
    assert_eq!(net.ua(alice).pending_outgoing(), 0);
    // RFC 3428 §4: a MESSAGE carries no Contact.
    let sent = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Message => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert!(sent.headers.get(&HeaderName::Contact).is_none());
    assert_eq!(
        sent.headers.get(&HeaderName::ContentType),
        Some("text/plain")
    );
}

#[test]
fn message_answered_200_by_default() {
    let mut net = Net::new(3, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    let target = net.uri(bob);
    let now = net.now;
    net.ua(alice)
        .message(
            now,
            target,
            Body::new("text/plain", &b"hi"[..]),
            RequestOptions::default(),
        )
        .unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(responses(&net, alice)[0].1.status, StatusCode::OK);
}

#[test]
fn options_query_returns_capabilities() {
    let mut net = Net::new(3, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |_| {});
    let target = net.uri(bob);
    let now = net.now;
    net.ua(alice)
        .options(now, target, RequestOptions::default())
        .unwrap();
    net.run_for(Duration::from_secs(1));
    let r = responses(&net, alice);
    assert_eq!(r.len(), 1);
    let resp = &r[0].1;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp
        .headers
        .get(&HeaderName::Allow)
        .unwrap()
        .contains("MESSAGE"));
    assert_eq!(
        resp.headers.get(&HeaderName::Accept),
        Some("application/sdp")
    );
}

#[test]
fn an_unanswered_message_ends_with_408() {
    let mut net = Net::new(3, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let peer = net.add_raw("peer");
    let target = net.uri(peer);
    let now = net.now;
    net.ua(alice)
        .message(
            now,
            target,
            Body::new("text/plain", &b"x"[..]),
            RequestOptions::default(),
        )
        .unwrap();
    net.run_for(Duration::from_secs(31));
    assert!(responses(&net, alice).is_empty());
    net.run_for(Duration::from_secs(2));
    let r = responses(&net, alice);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].1.status, StatusCode::REQUEST_TIMEOUT);
}

#[test]
fn a_challenged_message_is_retried_with_credentials() {
    let mut net = Net::new(3, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| {
        c.credentials = Some(Credentials::password("alice", "pw"));
    });
    let peer = net.add_raw("peer");
    let target = net.uri(peer);
    let now = net.now;
    net.ua(alice)
        .message(
            now,
            target,
            Body::new("text/plain", &b"x"[..]),
            RequestOptions::default(),
        )
        .unwrap();
    net.run_for(Duration::from_millis(50));
    let first = requests_at(&net, peer, Method::Message).remove(0);
    let mut r = Response::from_request(&first, StatusCode::PROXY_AUTHENTICATION_REQUIRED);
    r.headers.push(
        HeaderName::ProxyAuthenticate,
        "Digest realm=\"example.com\", nonce=\"abc\", qop=\"auth\"",
    );
    net.inject(peer, alice, &r.to_bytes());
    net.run_for(Duration::from_millis(50));
    let msgs = requests_at(&net, peer, Method::Message);
    let second = msgs.last().unwrap();
    assert!(second
        .headers
        .get(&HeaderName::ProxyAuthorization)
        .is_some_and(|v| v.contains("username=\"alice\"")));
    assert_eq!(second.headers.get(&HeaderName::CSeq), Some("2 MESSAGE"));
    assert_eq!(
        second.headers.get(&HeaderName::CallId),
        first.headers.get(&HeaderName::CallId)
    );
    let ok = Response::from_request(second, StatusCode::OK);
    net.inject(peer, alice, &ok.to_bytes());
    net.run_for(Duration::from_millis(50));
    let r = responses(&net, alice);
    assert_eq!(r.len(), 1, "the 407 is not reported");
    assert_eq!(r[0].1.status, StatusCode::OK);
}

#[test]
fn an_unroutable_target_is_refused() {
    let mut net = Net::new(3, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let now = net.now;
    let e = net
        .ua(alice)
        .options(
            now,
            sip_core::uri::Uri::parse("sip:bob@nowhere.invalid").unwrap(),
            RequestOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(e, RoleError::Route(_)), "{e:?}");
    assert!(net.ua(alice).poll_transmit().is_none());
}
