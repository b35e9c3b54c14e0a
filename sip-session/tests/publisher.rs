//! Publisher scenarios (RFC 3903) against a scripted state agent:
//! publish, SIP-ETag and SIP-If-Match, refresh, modify, 412, 423,
//! unpublish, failures.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::{Message, Request, Response};
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;
use PublisherState::*;

fn setup() -> (Net, usize, usize, PublisherId) {
    let mut net = Net::new(9, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let agent = net.add_raw("agent");
    let target =
        sip_core::uri::Uri::parse(&format!("sip:alice@{}", net.nodes[agent].addr)).unwrap();
    let id = net
        .ua(alice)
        .create_publisher(target, "presence", PublisherOptions::default());
    (net, alice, agent, id)
}

fn publishes(net: &Net, agent: usize) -> Vec<Request> {
    let mut out: Vec<Request> = Vec::new();
    for m in net.inbox(agent) {
        if let Message::Request(r) = m {
            let cseq = r.headers.get(&HeaderName::CSeq);
            if r.method == Method::Publish
                && !out.iter().any(|o| o.headers.get(&HeaderName::CSeq) == cseq)
            {
                out.push(r.clone());
            }
        }
    }
    out
}

fn answer(
    net: &mut Net,
    agent: usize,
    alice: usize,
    req: &Request,
    status: StatusCode,
    headers: &[(HeaderName, &str)],
) {
    let mut r = Response::from_request(req, status);
    r.headers.append_to_first(&HeaderName::To, &[";tag=agent"]);
    for (n, v) in headers {
        r.headers.push(n.clone(), *v);
    }
    net.inject(agent, alice, &r.to_bytes());
    net.run_for(Duration::from_millis(50));
}

fn states(net: &Net, alice: usize) -> Vec<PublisherState> {
    net.events(alice)
        .filter_map(|e| match e {
            Event::PublisherStateChanged { to, .. } => Some(*to),
            _ => None,
        })
        .collect()
}

fn doc(s: &str) -> Body {
    Body::new("application/pidf+xml", s.as_bytes().to_vec())
}

fn publish(net: &mut Net, alice: usize, id: PublisherId, s: &str) -> Result<(), RoleError> {
    let now = net.now;
    let r = net.ua(alice).publisher(id).unwrap().publish(now, doc(s));
    net.run_for(Duration::from_millis(50));
    r
}

#[test]
fn publish_refresh_modify_unpublish() {
    let (mut net, alice, agent, id) = setup();
    publish(&mut net, alice, id, "<open/>").unwrap();
    let p = publishes(&net, agent);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].headers.get(&HeaderName::Event), Some("presence"));
    assert_eq!(p[0].headers.get(&HeaderName::Expires), Some("3600"));
    assert!(p[0].headers.get(&HeaderName::SipIfMatch).is_none());
    assert_eq!(p[0].body, b"<open/>".to_vec());
    assert_eq!(
        publish(&mut net, alice, id, "x"),
        Err(RoleError::RequestPending)
    );
    answer(
        &mut net,
        agent,
        alice,
        &p[0],
        StatusCode::OK,
        &[(HeaderName::SipETag, "e1"), (HeaderName::Expires, "100")],
    );
    assert_eq!(states(&net, alice), vec![Published]);
    assert_eq!(net.ua(alice).publisher(id).unwrap().etag(), Some("e1"));
    // Refresh at 90 s: no body, SIP-If-Match.
    net.run_for(Duration::from_secs(91));
    let p = publishes(&net, agent);
    assert_eq!(p.len(), 2);
    assert!(p[1].body.is_empty());
    assert_eq!(p[1].headers.get(&HeaderName::SipIfMatch), Some("e1"));
    assert_eq!(p[1].headers.get(&HeaderName::CSeq), Some("2 PUBLISH"));
    answer(
        &mut net,
        agent,
        alice,
        &p[1],
        StatusCode::OK,
        &[(HeaderName::SipETag, "e2"), (HeaderName::Expires, "100")],
    );
    // A modification carries the new body and the latest entity-tag.
    publish(&mut net, alice, id, "<closed/>").unwrap();
    let p = publishes(&net, agent);
    assert_eq!(p[2].headers.get(&HeaderName::SipIfMatch), Some("e2"));
    assert_eq!(p[2].body, b"<closed/>".to_vec());
    answer(
        &mut net,
        agent,
        alice,
        &p[2],
        StatusCode::OK,
        &[(HeaderName::SipETag, "e3"), (HeaderName::Expires, "100")],
    );
    let now = net.now;
    net.ua(alice).publisher(id).unwrap().unpublish(now).unwrap();
    net.run_for(Duration::from_millis(50));
    let p = publishes(&net, agent);
    assert_eq!(p[3].headers.get(&HeaderName::Expires), Some("0"));
    assert_eq!(p[3].headers.get(&HeaderName::SipIfMatch), Some("e3"));
    answer(&mut net, agent, alice, &p[3], StatusCode::OK, &[]);
    assert_eq!(states(&net, alice), vec![Published, Unpublished]);
    net.run_for(Duration::from_secs(200));
    assert_eq!(
        publishes(&net, agent).len(),
        4,
        "no refresh once unpublished"
    );
}

#[test]
fn conditional_request_failed_republishes_once() {
    let (mut net, alice, agent, id) = setup();
    publish(&mut net, alice, id, "<open/>").unwrap();
    let p = publishes(&net, agent);
    answer(
        &mut net,
        agent,
        alice,
        &p[0],
        StatusCode::OK,
        &[(HeaderName::SipETag, "e1")],
    );
    publish(&mut net, alice, id, "<closed/>").unwrap();
    let p = publishes(&net, agent);
    answer(
        &mut net,
        agent,
        alice,
        &p[1],
        StatusCode::CONDITIONAL_REQUEST_FAILED,
        &[],
    );
    let p = publishes(&net, agent);
    assert_eq!(p.len(), 3);
    assert!(p[2].headers.get(&HeaderName::SipIfMatch).is_none());
    assert_eq!(p[2].body, b"<closed/>".to_vec());
    answer(
        &mut net,
        agent,
        alice,
        &p[2],
        StatusCode::CONDITIONAL_REQUEST_FAILED,
        &[],
    );
    assert_eq!(publishes(&net, agent).len(), 3, "only once");
    assert_eq!(states(&net, alice), vec![Published, Unpublished]);
}

#[test]
fn interval_too_brief_and_failures() {
    let (mut net, alice, agent, id) = setup();
    publish(&mut net, alice, id, "<open/>").unwrap();
    let p = publishes(&net, agent);
    answer(
        &mut net,
        agent,
        alice,
        &p[0],
        StatusCode::INTERVAL_TOO_BRIEF,
        &[(HeaderName::MinExpires, "7200")],
    );
    let p = publishes(&net, agent);
    assert_eq!(p.len(), 2);
    assert_eq!(p[1].headers.get(&HeaderName::Expires), Some("7200"));
    assert_eq!(p[1].body, b"<open/>".to_vec());
    answer(&mut net, agent, alice, &p[1], StatusCode::FORBIDDEN, &[]);
    assert_eq!(states(&net, alice), vec![Unpublished]);
    assert!(net.events(alice).any(|e| matches!(
        e,
        Event::PublicationFailed { status, .. } if *status == StatusCode::FORBIDDEN
    )));
}

#[test]
fn unanswered_publish_fails_408_and_unpublish_without_etag_sends_nothing() {
    let (mut net, alice, agent, id) = setup();
    let now = net.now;
    net.ua(alice).publisher(id).unwrap().unpublish(now).unwrap();
    net.run_for(Duration::from_secs(1));
    assert!(publishes(&net, agent).is_empty());
    assert_eq!(states(&net, alice), vec![Unpublished]);
    publish(&mut net, alice, id, "<open/>").unwrap();
    net.run_for(Duration::from_secs(40));
    assert!(net.events(alice).any(|e| matches!(
        e,
        Event::PublicationFailed { status, .. } if *status == StatusCode::REQUEST_TIMEOUT
    )));
    net.ua(alice).publisher(id).unwrap().dispose();
    assert!(net.ua(alice).publisher(id).is_none());
    net.drain();
    assert_eq!(states(&net, alice), vec![Unpublished, Terminated]);
}
