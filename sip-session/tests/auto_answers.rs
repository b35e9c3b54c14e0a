//! What the user agent answers on its own (RFC 3261 §8.2, §11, §12.2.2):
//! OPTIONS, 405, 416, 420, 481, 482, 400, 500 with Retry-After, and the
//! in-dialog requests the application answers or leaves to defaults.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::{Message, Response};
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;

const SECOND: Duration = Duration::from_secs(1);

fn request(method: &str, uri: &str, extra: &str, branch: &str) -> Vec<u8> {
    format!(
        "{method} {uri} SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:raw@example.com>;tag=rawtag\r\n\
         To: <sip:ua@example.com>\r\n\
         Call-ID: raw-call-{branch}\r\n\
         CSeq: 1 {method}\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

fn setup() -> (Net, usize, usize) {
    let mut net = Net::new(9, Impairments::PERFECT);
    let ua = net.add("ua", 1, |c| {
        c.rel100 = ExtensionSupport::Supported;
        c.extra_supported.push("timer".into());
    });
    let raw = net.add_raw("raw");
    (net, ua, raw)
}

fn last_response(net: &Net, raw: usize) -> Response {
    match net.inbox(raw).last() {
        Some(Message::Response(r)) => r.clone(),
        other => panic!("expected a response, got {other:?}"),
    }
}

#[test]
fn options_is_answered_with_capabilities() {
    let (mut net, ua, raw) = setup();
    net.inject(
        raw,
        ua,
        &request("OPTIONS", "sip:ua@192.0.2.10", "", "opt1"),
    );
    net.run_for(SECOND);
    let r = last_response(&net, raw);
    assert_eq!(r.status, StatusCode::OK);
    assert!(r
        .headers
        .get(&HeaderName::Allow)
        .unwrap()
        .contains("INVITE"));
    assert!(r.headers.get(&HeaderName::Allow).unwrap().contains("PRACK"));
    assert_eq!(r.headers.get(&HeaderName::Accept), Some("application/sdp"));
    assert_eq!(r.headers.get(&HeaderName::Supported), Some("100rel, timer"));
    assert!(sip_core::transaction::key::to_tag(&r.headers).is_some());
}

#[test]
fn unknown_method_gets_405_with_allow() {
    let (mut net, ua, raw) = setup();
    for (m, b) in [
        ("UPDATE", "u1"),
        ("PUBLISH", "u2"),
        ("SUBSCRIBE", "u3"),
        ("FOO", "u4"),
    ] {
        net.inject(raw, ua, &request(m, "sip:ua@192.0.2.10", "", b));
        net.run_for(SECOND);
        let r = last_response(&net, raw);
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{m}");
        assert!(r.headers.get(&HeaderName::Allow).is_some());
    }
}

#[test]
fn unsupported_scheme_gets_416() {
    let (mut net, ua, raw) = setup();
    net.inject(raw, ua, &request("OPTIONS", "tel:+15551234567", "", "t1"));
    net.run_for(SECOND);
    assert_eq!(
        last_response(&net, raw).status,
        StatusCode::UNSUPPORTED_URI_SCHEME
    );
}

#[test]
fn unknown_required_extension_gets_420() {
    let (mut net, ua, raw) = setup();
    net.inject(
        raw,
        ua,
        &request(
            "OPTIONS",
            "sip:ua@192.0.2.10",
            "Require: 100rel, foo, bar\r\n",
            "r1",
        ),
    );
    net.run_for(SECOND);
    let r = last_response(&net, raw);
    assert_eq!(r.status, StatusCode::BAD_EXTENSION);
    assert_eq!(r.headers.get(&HeaderName::Unsupported), Some("foo, bar"));
}

#[test]
fn requests_for_unknown_dialogs_get_481() {
    let (mut net, ua, raw) = setup();
    for (m, b) in [
        ("BYE", "d1"),
        ("INFO", "d2"),
        ("INVITE", "d3"),
        ("NOTIFY", "d4"),
    ] {
        let extra = if m == "INVITE" {
            "Contact: <sip:raw@192.0.2.11>\r\n"
        } else {
            ""
        };
        let mut req = String::from_utf8(request(m, "sip:ua@192.0.2.10", extra, b)).unwrap();
        req = req.replace(
            "To: <sip:ua@example.com>",
            "To: <sip:ua@example.com>;tag=nosuch",
        );
        net.inject(raw, ua, req.as_bytes());
        net.run_for(SECOND);
        assert_eq!(
            last_response(&net, raw).status,
            StatusCode::CALL_DOES_NOT_EXIST,
            "{m}"
        );
    }
    // Out of dialog too, for BYE and CANCEL.
    net.inject(raw, ua, &request("BYE", "sip:ua@192.0.2.10", "", "d5"));
    net.run_for(SECOND);
    assert_eq!(
        last_response(&net, raw).status,
        StatusCode::CALL_DOES_NOT_EXIST
    );
    net.inject(raw, ua, &request("CANCEL", "sip:ua@192.0.2.10", "", "d6"));
    net.run_for(SECOND);
    assert_eq!(
        last_response(&net, raw).status,
        StatusCode::CALL_DOES_NOT_EXIST
    );
}

#[test]
fn merged_request_gets_482() {
    let (mut net, ua, raw) = setup();
    let contact = "Contact: <sip:raw@192.0.2.11>\r\n";
    let a = String::from_utf8(request("INVITE", "sip:ua@192.0.2.10", contact, "m1")).unwrap();
    // The same request (From tag, Call-ID, CSeq) on another branch.
    let b = a.replace("branch=z9hG4bKm1", "branch=z9hG4bKm2");
    net.inject(raw, ua, a.as_bytes());
    net.inject(raw, ua, b.as_bytes());
    net.run_for(SECOND);
    let statuses: Vec<u16> = net
        .inbox(raw)
        .iter()
        .filter_map(|m| match m {
            Message::Response(r) => Some(r.status.as_u16()),
            _ => None,
        })
        .collect();
    assert!(statuses.contains(&482), "{statuses:?}");
}

#[test]
fn invite_without_contact_gets_400() {
    let (mut net, ua, raw) = setup();
    net.inject(raw, ua, &request("INVITE", "sip:ua@192.0.2.10", "", "c1"));
    net.run_for(SECOND);
    assert_eq!(last_response(&net, raw).status, StatusCode::BAD_REQUEST);
    assert!(net.invitation(ua).is_none());
}

/// An established call between alice and bob, bob answering INFO himself.
fn established(app_info: bool) -> (Net, usize, usize, SessionId, SessionId) {
    let mut net = Net::new(4, Impairments::PERFECT);
    let alice = net.add("alice", 1, |_| {});
    let bob = net.add("bob", 2, |c| {
        if app_info {
            c.app_methods = vec![Method::Info, Method::Message];
        }
    });
    let call = net.call_with_offer(alice, bob);
    net.run_for(SECOND);
    let inv = net.invitation(bob).unwrap();
    net.answer(bob, inv);
    net.run_for(SECOND);
    (net, alice, bob, call, inv)
}

/// Sends an in-dialog request from alice by hand: the dialog's next
/// request, with `cseq` forced when given.
fn in_dialog(
    net: &mut Net,
    from: usize,
    to: usize,
    s: SessionId,
    method: Method,
    cseq: Option<u32>,
) {
    let d = net.ua(from).session(s).unwrap().dialog().unwrap().clone();
    send_in(net, from, to, d, method, cseq);
}

fn send_in(
    net: &mut Net,
    from: usize,
    to: usize,
    mut d: sip_core::dialog::Dialog,
    method: Method,
    cseq: Option<u32>,
) {
    let mut req = d.request(method.clone());
    if let Some(n) = cseq {
        req.headers.set(HeaderName::CSeq, format!("{n} {method}"));
    }
    req.headers.push_front(
        HeaderName::Via,
        format!(
            "SIP/2.0/UDP {};branch=z9hG4bKhand{}",
            net.nodes[from].addr,
            net.wire.len()
        ),
    );
    let bytes = req.to_bytes();
    net.inject(from, to, &bytes);
}

#[test]
fn in_dialog_defaults_and_out_of_order_cseq() {
    let (mut net, alice, bob, call, _) = established(false);
    in_dialog(&mut net, alice, bob, call, Method::Info, Some(10));
    in_dialog(&mut net, alice, bob, call, Method::Message, Some(11));
    in_dialog(&mut net, alice, bob, call, Method::Options, Some(12));
    in_dialog(&mut net, alice, bob, call, Method::Refer, Some(13));
    in_dialog(&mut net, alice, bob, call, Method::Invite, Some(14));
    // A re-INVITE goes to the application (Event::Reinvite); unanswered,
    // it gets 488 after `request_answer_timeout`.
    net.run_for(SECOND * 31);
    let got: Vec<u16> = ["INFO", "MESSAGE", "OPTIONS", "REFER", "INVITE"]
        .iter()
        .map(|m| net.finals(bob, m).last().unwrap().as_u16())
        .collect();
    // A REFER without Refer-To: 400 (RFC 3515 §2.4.1).
    assert_eq!(got, [200, 200, 200, 400, 488]);
    // Out of order: 500 with Retry-After (§12.2.2).
    in_dialog(&mut net, alice, bob, call, Method::Info, Some(9));
    net.run_for(SECOND);
    let r = net
        .wire
        .iter()
        .rev()
        .find_map(|w| match &w.message {
            Message::Response(r)
                if w.from == bob && r.headers.get(&HeaderName::CSeq) == Some("9 INFO") =>
            {
                Some(r.clone())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(r.status, StatusCode::SERVER_INTERNAL_ERROR);
    assert!(r.headers.get(&HeaderName::RetryAfter).is_some());
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

#[test]
fn application_answers_info_or_the_default_after_timeout() {
    let (mut net, alice, bob, call, inv) = established(true);
    in_dialog(&mut net, alice, bob, call, Method::Info, Some(10));
    net.run_for(SECOND);
    let (rid, session) = net
        .events(bob)
        .find_map(|e| match e {
            Event::Request {
                request,
                session,
                method: Method::Info,
            } => Some((*request, *session)),
            _ => None,
        })
        .unwrap();
    assert_eq!(session, Some(inv));
    assert!(net.finals(bob, "INFO").is_empty());
    let now = net.now;
    let req = net.ua(bob).request(rid).unwrap();
    assert_eq!(req.request().method, Method::Info);
    req.reject(now, StatusCode::new(469).unwrap()).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.finals(bob, "INFO"), [StatusCode::new(469).unwrap()]);
    // Unanswered: the default after request_answer_timeout.
    in_dialog(&mut net, alice, bob, call, Method::Info, Some(11));
    net.run_for(Duration::from_secs(31));
    assert_eq!(net.finals(bob, "INFO").last(), Some(&StatusCode::OK));
    assert_eq!(net.ua(bob).pending_requests(), 0);
}

#[test]
fn every_request_gets_a_final_response_in_a_call() {
    let (mut net, alice, bob, call, _) = established(false);
    let dialog = net
        .ua(alice)
        .session(call)
        .unwrap()
        .dialog()
        .unwrap()
        .clone();
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    net.run_for(Duration::from_secs(40));
    assert!(net.unanswered().is_empty());
    // A late request in the ended dialog: 481.
    send_in(&mut net, alice, bob, dialog, Method::Info, Some(50));
    net.run_for(SECOND);
    assert_eq!(net.finals(bob, "INFO"), [StatusCode::CALL_DOES_NOT_EXIST]);
}
