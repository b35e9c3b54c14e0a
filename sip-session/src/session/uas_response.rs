//! The responses of an Invitation inside its dialog (RFC 3261 §12.1.1):
//! the lines every provisional and 2xx response to the INVITE carries,
//! and the 2xx built from a plain provisional response's lines.

use crate::user_agent::core::Core;
use sip_core::header::HeaderName;
use sip_core::message::{Request, Response};
use sip_core::status::StatusCode;

/// A response to the INVITE with the To tag, Contact and the copied
/// Record-Route (RFC 3261 §12.1.1), plus `extra`, with room for `room`
/// more lines.
pub(super) fn dialog_response(
    core: &Core,
    invite: &Request,
    local_tag: &str,
    status: StatusCode,
    extra: &[(HeaderName, String)],
    room: usize,
) -> Response {
    let mut r = core.invite_response(invite, status, local_tag, 1 + room + extra.len());
    r.headers.push(HeaderName::Contact, &core.wire.contact);
    for rr in invite.headers.get_all(&HeaderName::RecordRoute) {
        r.headers.push(HeaderName::RecordRoute, rr);
    }
    for (n, v) in extra {
        r.headers.push(n.clone(), v);
    }
    r
}

/// Room a 2xx to the INVITE leaves for the lines it adds after those of
/// [`dialog_response`] (Allow, Supported, Content-Type, the session
/// timer's lines).
pub(super) const ROOM_2XX: usize = 6;

/// The 2xx's lines as [`dialog_response`] builds them, from the plain
/// provisional response `base` when there is one (the same lines: only
/// the status differs), with `extra` added.
pub(super) fn response_2xx(
    core: &Core,
    invite: &Request,
    tag: &str,
    base: Option<Response>,
    extra: &[(HeaderName, String)],
) -> Response {
    match base {
        Some(mut r) => {
            r.status = StatusCode::OK;
            r.reason = StatusCode::OK.default_reason().into();
            for (n, v) in extra {
                r.headers.push(n.clone(), v);
            }
            r
        }
        None => dialog_response(core, invite, tag, StatusCode::OK, extra, ROOM_2XX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{UserAgent, UserAgentConfig};

    fn invite(record_route: &[&str]) -> Request {
        let mut text = String::from(
            "INVITE sip:bob@b.example SIP/2.0\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\r\n\
             Max-Forwards: 70\r\nFrom: <sip:alice@a.example>;tag=1\r\nTo: \"Bob\" <sip:bob@b.example>\r\n\
             Call-ID: c1\r\nCSeq: 1 INVITE\r\nTimestamp: 54\r\nContact: <sip:alice@a.example>\r\n",
        );
        for rr in record_route {
            text.push_str(&format!("Record-Route: {rr}\r\n"));
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        match sip_core::parse::parse_message(text.as_bytes()).unwrap() {
            sip_core::Message::Request(r) => r,
            _ => unreachable!(),
        }
    }

    /// The 2xx built from a plain provisional response equals the one
    /// built from the INVITE, for every provisional status, with and
    /// without Server, Record-Route and extra lines.
    #[test]
    fn two_xx_from_a_plain_1xx_is_the_2xx_from_the_invite() {
        for server in [None, Some("ua/1")] {
            let cfg = UserAgentConfig {
                user_agent: server.map(str::to_owned),
                ..Default::default()
            };
            let ua = UserAgent::new(cfg, 1);
            let core = &ua.core;
            for rr in [&[][..], &["<sip:p1.example;lr>", "<sip:p2.example;lr>"][..]] {
                let inv = invite(rr);
                let extra = vec![(HeaderName::Subject, "hi".to_owned())];
                for extra in [&[][..], &extra[..]] {
                    let expected =
                        dialog_response(core, &inv, "t1", StatusCode::OK, extra, ROOM_2XX);
                    assert_eq!(response_2xx(core, &inv, "t1", None, extra), expected);
                    for status in [StatusCode::RINGING, StatusCode::new(183).unwrap()] {
                        let base = dialog_response(core, &inv, "t1", status, &[], ROOM_2XX);
                        let r = response_2xx(core, &inv, "t1", Some(base), extra);
                        assert_eq!(r, expected);
                        assert_eq!(r.to_bytes(), expected.to_bytes());
                    }
                }
            }
        }
    }
}
