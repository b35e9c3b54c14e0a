//! Tests of the transaction machines and layer.
//!
//! * `ict`, `nict`, `ist`, `nist`: one test per transition of RFC 3261
//!   figures 5-8 (RFC 6026 figures 5 and 7), on unreliable and reliable
//!   transports, asserting the exact actions and deadlines to the
//!   millisecond. Fixtures named after the state (`ict_calling()`,
//!   `nist_completed()`...) put a machine in that state.
//! * `layer`: the driving API end to end (matching, Via rules, routing,
//!   errors, limits).
//! * `props`: proptest interleavings (no panic, bounded lifetime, RFC
//!   retransmission bounds).
//! * `snapshots`: insta snapshots of the wire bytes of the main flows.

mod ict;
mod ist;
mod layer;
mod layer_rules;
mod nict;
mod nist;
mod props;
mod snapshots;
mod wire;

use super::*;
use crate::header::HeaderName;
use crate::message::{Request, Response};
use crate::method::Method;
use crate::status::StatusCode;
use crate::time::Instant;
use crate::uri::Uri;

/// The default configuration (T1 = 500 ms, T2 = 4 s, T4 = 5 s).
pub(super) fn cfg() -> Config {
    Config::default()
}

/// An instant, in milliseconds.
pub(super) fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Both reliabilities, for tests that cover each.
pub(super) const BOTH: [bool; 2] = [false, true];

pub(super) fn uri(s: &str) -> Uri {
    Uri::parse(s).expect("test URI parses")
}

/// A response with the headers matching needs.
pub(super) fn response(status: u16, method: &str, to_tag: Option<&str>) -> Response {
    let mut r = Response::new(StatusCode::new(status).unwrap());
    r.headers.push(
        HeaderName::Via,
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest;rport",
    );
    r.headers
        .push(HeaderName::From, "<sip:alice@atlanta.com>;tag=1928301774");
    let to = match to_tag {
        Some(tag) => format!("<sip:bob@biloxi.com>;tag={tag}"),
        None => "<sip:bob@biloxi.com>".to_owned(),
    };
    r.headers.push(HeaderName::To, to);
    r.headers.push(HeaderName::CallId, "a84b4c76e66710");
    r.headers.push(HeaderName::CSeq, format!("314159 {method}"));
    r
}

/// A request value for server machines (which never serialize it).
pub(super) fn request(method: Method) -> Request {
    let mut r = Request::new(
        method.clone(),
        Uri::Other(crate::uri::OpaqueUri {
            scheme: "sip".into(),
            rest: "bob@biloxi.com".into(),
        }),
    );
    r.headers.push(HeaderName::CSeq, format!("1 {method}"));
    r
}

/// Runs `f` and returns the actions it produced.
pub(super) fn acts(f: impl FnOnce(&mut Actions)) -> Actions {
    let mut out = Actions::new();
    f(&mut out);
    out
}
