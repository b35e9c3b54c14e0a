//! Hold and unhold (RFC 3264 §8.4): helpers rewriting the direction
//! attribute of the application's own SDP, which
//! [`SessionMut::hold`](crate::SessionMut::hold) and
//! [`SessionMut::unhold`](crate::SessionMut::unhold) send in a re-INVITE.
//! The stack stays ignorant of SDP otherwise.

use crate::body::Body;

/// Rewrites the direction attributes (`a=sendrecv`, `a=sendonly`,
/// `a=recvonly`, `a=inactive`) of an SDP body to `direction`, adding one
/// at session level when there is none (RFC 3264 §5.1, §8.4).
pub fn with_direction(body: &Body, direction: &str) -> Body {
    let text = String::from_utf8_lossy(&body.content);
    let mut out = String::with_capacity(text.len() + 16);
    let mut found = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if matches!(
            bare,
            "a=sendrecv" | "a=sendonly" | "a=recvonly" | "a=inactive"
        ) {
            found = true;
            out.push_str("a=");
            out.push_str(direction);
            out.push_str(&line[bare.len()..]);
        } else {
            out.push_str(line);
        }
    }
    if !found {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str("\r\n");
        }
        out.push_str("a=");
        out.push_str(direction);
        out.push_str("\r\n");
    }
    Body::new(body.content_type.clone(), out.into_bytes())
}

/// The application's SDP put on hold: `a=sendonly` (RFC 3264 §8.4).
pub fn hold_description(body: &Body) -> Body {
    with_direction(body, "sendonly")
}

/// The application's SDP taken off hold: `a=sendrecv`.
pub fn unhold_description(body: &Body) -> Body {
    with_direction(body, "sendrecv")
}
