//! The responses of an Invitation inside its dialog (RFC 3261 §12.1.1):
//! the lines every provisional and 2xx response to the INVITE carries,
//! built from the INVITE, or from the lines of the 100 (Trying) or of a
//! plain provisional response already sent (the same copied lines).

use super::invite_lines::InviteLines;
use crate::user_agent::core::Core;
use crate::user_agent::response::response_to_seeing;
use sip_core::header::HeaderName;
use sip_core::message::{Request, Response};
use sip_core::status::StatusCode;

/// The 100 (Trying) to a new INVITE (as `Core::response` builds it), with
/// room for the lines a later response built from it adds.
#[cfg(test)]
pub(super) fn trying(core: &Core, invite: &Request) -> Response {
    trying_reading(core, invite).0
}

/// [`trying`] and the lines of the INVITE the Invitation reads, found in
/// the pass that copies the 100's lines.
pub(super) fn trying_reading<'r>(core: &Core, invite: &'r Request) -> (Response, InviteLines<'r>) {
    let server = core.wire.user_agent.as_deref();
    let mut lines = InviteLines::default();
    let r = response_to_seeing(
        invite,
        StatusCode::TRYING,
        None,
        None,
        2 + ROOM_2XX,
        server,
        |i, h| lines.see(i, h),
    );
    (r, lines)
}

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

/// [`dialog_response`] for `status` (not 100), started from `base`, a
/// response sent to the same INVITE, when there is one:
///
/// * the 100 (Trying) from [`trying`]: the same copied lines and Server,
///   the To without tag; it gets the tag (as `response_to` adds it), the
///   Contact and the Record-Route. Not when it holds a Timestamp (only a
///   100 copies it);
/// * a plain provisional response (from [`dialog_response`] without
///   extra lines, reason phrase or body): the same lines.
///
/// Then the status and `extra`. `record_route`: whether the INVITE has
/// Record-Route lines (known from its one pass, `DialogLines`).
#[allow(clippy::too_many_arguments)]
pub(super) fn dialog_response_from(
    core: &Core,
    invite: &Request,
    tag: &str,
    base: Option<Response>,
    status: StatusCode,
    extra: &[(HeaderName, String)],
    room: usize,
    record_route: bool,
) -> Response {
    debug_assert_eq!(
        record_route,
        invite.headers.contains(&HeaderName::RecordRoute)
    );
    let mut r = match base {
        Some(mut r)
            if r.status == StatusCode::TRYING && !r.headers.contains(&HeaderName::Timestamp) =>
        {
            debug_assert!(sip_core::transaction::key::to_tag(&invite.headers).is_none());
            // In place (the To is not the last value of the buffer, which
            // `append_to_first` would copy to its end).
            if let Some(i) = r.headers.position(&HeaderName::To) {
                let at = r.headers.line(i).map_or(0, |l| l.value.len());
                r.headers.insert_in_value(i, at, &[";tag=", tag]);
            }
            r.headers.push(HeaderName::Contact, &core.wire.contact);
            if record_route {
                for rr in invite.headers.get_all(&HeaderName::RecordRoute) {
                    r.headers.push(HeaderName::RecordRoute, rr);
                }
            }
            r
        }
        Some(r) if r.status != StatusCode::TRYING => r,
        _ => return dialog_response(core, invite, tag, status, extra, room),
    };
    r.status = status;
    r.reason = status.default_reason().into();
    for (n, v) in extra {
        r.headers.push(n.clone(), v);
    }
    r
}

/// The 2xx: [`dialog_response_from`] with room for what it adds.
pub(super) fn response_2xx(
    core: &Core,
    invite: &Request,
    tag: &str,
    base: Option<Response>,
    extra: &[(HeaderName, String)],
    record_route: bool,
) -> Response {
    dialog_response_from(
        core,
        invite,
        tag,
        base,
        StatusCode::OK,
        extra,
        ROOM_2XX,
        record_route,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{UserAgent, UserAgentConfig};

    fn invite(record_route: &[&str], timestamp: bool) -> Request {
        let mut text = String::from(
            "INVITE sip:bob@b.example SIP/2.0\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\r\n\
             Max-Forwards: 70\r\nFrom: <sip:alice@a.example>;tag=1\r\nTo: \"Bob\" <sip:bob@b.example>\r\n\
             Call-ID: c1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@a.example>\r\n",
        );
        if timestamp {
            text.push_str("Timestamp: 54\r\n");
        }
        for rr in record_route {
            text.push_str(&format!("Record-Route: {rr}\r\n"));
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        match sip_core::parse::parse_message(text.as_bytes()).unwrap() {
            sip_core::Message::Request(r) => r,
            _ => unreachable!(),
        }
    }

    /// A response built from the 100 (Trying) or from a plain
    /// provisional response equals the one built from the INVITE, for
    /// provisional and 2xx statuses, with and without Server,
    /// Record-Route, Timestamp and extra lines; and the 100 is what
    /// `Core::response` builds.
    #[test]
    fn responses_from_earlier_ones_are_those_from_the_invite() {
        for server in [None, Some("ua/1")] {
            let cfg = UserAgentConfig {
                user_agent: server.map(str::to_owned),
                ..Default::default()
            };
            let ua = UserAgent::new(cfg, 1);
            let core = &ua.core;
            let rrs = [&[][..], &["<sip:p1.example;lr>", "<sip:p2.example;lr>"][..]];
            for (rr, timestamp) in rrs.into_iter().flat_map(|r| [(r, false), (r, true)]) {
                let inv = invite(rr, timestamp);
                let t = trying(core, &inv);
                assert_eq!(t, core.response(&inv, StatusCode::TRYING, None));
                let (t2, lines) = trying_reading(core, &inv);
                assert_eq!((t2, lines), (t.clone(), InviteLines::of(&inv.headers)));
                let subject = [(HeaderName::Subject, "hi".to_owned())];
                let statuses = [
                    StatusCode::RINGING,
                    StatusCode::new(183).unwrap(),
                    StatusCode::OK,
                ];
                for (extra, status) in [&[][..], &subject[..]]
                    .into_iter()
                    .flat_map(|e| statuses.map(|s| (e, s)))
                {
                    let expected = dialog_response(core, &inv, "t1", status, extra, 2);
                    let rr = inv.headers.contains(&HeaderName::RecordRoute);
                    let from =
                        |base| dialog_response_from(core, &inv, "t1", base, status, extra, 2, rr);
                    let plain = dialog_response(core, &inv, "t1", StatusCode::RINGING, &[], 6);
                    for r in [from(None), from(Some(t.clone())), from(Some(plain))] {
                        assert_eq!(r, expected);
                        assert_eq!(r.to_bytes(), expected.to_bytes());
                    }
                    if status == StatusCode::OK {
                        let r = response_2xx(core, &inv, "t1", Some(t.clone()), extra, rr);
                        assert_eq!(r, expected);
                    }
                }
            }
        }
    }
}
