//! Wire-level helpers for the layer tests: a layer with a known address,
//! peers' messages as text, and draining of outputs.

use super::*;
use crate::message::{Message, Response};
use crate::parse::parse_message;
use crate::random::TokenSource;
use crate::transport::{Destination, Transmit, Transport};
use std::net::SocketAddr;

/// Our address.
pub(super) fn local() -> SocketAddr {
    "192.0.2.1:5060".parse().unwrap()
}

/// The peer's address.
pub(super) fn peer() -> SocketAddr {
    "198.51.100.7:5062".parse().unwrap()
}

/// UDP to the peer.
pub(super) fn to_peer() -> Destination {
    Destination::Addr {
        transport: Transport::Udp,
        addr: peer(),
    }
}

/// TCP to the peer.
pub(super) fn to_peer_tcp() -> Destination {
    Destination::Addr {
        transport: Transport::Tcp,
        addr: peer(),
    }
}

/// The configuration of the layer tests: our sent-by is 192.0.2.1:5060.
pub(super) fn layer_cfg() -> Config {
    Config {
        default_sent_by: SentBy::new("192.0.2.1", Some(5060)),
        ..Config::default()
    }
}

/// A layer with [`layer_cfg`] and token seed 7.
pub(super) fn layer() -> TransactionLayer {
    TransactionLayer::new(layer_cfg(), TokenSource::from_seed(7))
}

/// Everything the layer wants to say, transmits and events.
pub(super) fn drain(l: &mut TransactionLayer) -> (Vec<Transmit>, Vec<Event>) {
    let mut tx = Vec::new();
    while let Some(t) = l.poll_transmit() {
        tx.push(t);
    }
    let mut ev = Vec::new();
    while let Some(e) = l.poll_event() {
        ev.push(e);
    }
    (tx, ev)
}

/// The only transmit, as text.
pub(super) fn one_transmit(tx: &[Transmit]) -> (Destination, String) {
    assert_eq!(tx.len(), 1, "expected one transmit, got {tx:#?}");
    (
        tx[0].destination,
        String::from_utf8(tx[0].payload.to_vec()).unwrap(),
    )
}

/// An outgoing request from Alice to Bob, without Via.
pub(super) fn outgoing(method: Method, cseq: u32) -> Request {
    let mut r = Request::new(method.clone(), uri("sip:bob@biloxi.com"));
    r.headers.push(
        HeaderName::From,
        "Alice <sip:alice@atlanta.com>;tag=1928301774",
    );
    r.headers.push(HeaderName::To, "Bob <sip:bob@biloxi.com>");
    r.headers
        .push(HeaderName::CallId, "a84b4c76e66710@pc33.atlanta.com");
    r.headers.push(HeaderName::CSeq, format!("{cseq} {method}"));
    r.headers.push(HeaderName::Contact, "<sip:alice@192.0.2.1>");
    r
}

/// A request from the peer, as text. `via` is the full top Via value.
pub(super) fn incoming_text(
    method: &str,
    via: &str,
    to_tag: Option<&str>,
    cseq: u32,
    extra: &str,
) -> String {
    let to = match to_tag {
        Some(t) => format!("<sip:alice@atlanta.com>;tag={t}"),
        None => "<sip:alice@atlanta.com>".to_owned(),
    };
    let cseq_method = if method == "ACK" { "ACK" } else { method };
    format!(
        "{method} sip:alice@192.0.2.1 SIP/2.0\r\n\
         Via: {via}\r\n\
         Max-Forwards: 70\r\n\
         From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n\
         To: {to}\r\n\
         Call-ID: 3848276298220188511@biloxi.com\r\n\
         CSeq: {cseq} {cseq_method}\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    )
}

/// The peer's top Via with a given branch (UDP, sent-by a domain name).
pub(super) fn peer_via(branch: &str) -> String {
    format!("SIP/2.0/UDP client.biloxi.com:5062;branch={branch};rport")
}

/// The request a transmit carries, parsed.
pub(super) fn parsed_request(payload: &[u8]) -> Request {
    match parse_message(payload).expect("transmit parses") {
        Message::Request(r) => r,
        Message::Response(r) => panic!("expected a request, got {r:?}"),
    }
}

/// The peer's response to a request we sent, as bytes.
pub(super) fn peer_response(sent: &[u8], status: u16, to_tag: Option<&str>) -> Vec<u8> {
    let req = parsed_request(sent);
    let mut resp = Response::from_request(&req, StatusCode::new(status).unwrap());
    if let Some(tag) = to_tag {
        resp.headers
            .append_to_first(&HeaderName::To, &[";tag=", tag]);
    }
    resp.to_bytes()
}

/// Our response to a request passed up in an event.
pub(super) fn our_response(req: &Request, status: u16, to_tag: Option<&str>) -> Response {
    let mut resp = Response::from_request(req, StatusCode::new(status).unwrap());
    if let Some(tag) = to_tag {
        resp = resp.with_to_tag(tag);
    }
    resp
}

/// The new server transaction and request of an `Event::Request`.
pub(super) fn new_request(ev: &[Event]) -> (TransactionId, Request) {
    let found = ev.iter().find_map(|e| match e {
        Event::Request { id, request, .. } => Some((*id, (**request).clone())),
        _ => None,
    });
    found.unwrap_or_else(|| panic!("no Event::Request in {ev:#?}"))
}
