//! What every session does: state changes, termination, BYE and
//! `dispose()`.

use super::{SessionData, SessionState};
use crate::error::SessionError;
use crate::events::{Event, TerminationCause};
use crate::user_agent::core::{Core, Link};
use sip_core::dialog::Dialog;
use sip_core::header::HeaderName;
use sip_core::message::write_header_line;
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::Instant;

/// Options of [`SessionMut::bye`](crate::SessionMut::bye).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ByeOptions {
    /// Headers added to the BYE.
    pub extra_headers: Vec<(HeaderName, String)>,
}

/// Moves `s` to `to`, reporting the change; a transition SIP.js does not
/// allow is refused (and is a bug in the caller).
pub(crate) fn set_state(core: &mut Core, s: &mut SessionData, to: SessionState) -> bool {
    if s.state == to {
        return true;
    }
    if !s.state.can_become(to) {
        debug_assert!(false, "invalid session transition {} -> {}", s.state, to);
        return false;
    }
    let from = s.state;
    s.state = to;
    core.emit(Event::StateChanged {
        session: s.id,
        from,
        to,
    });
    true
}

/// Ends the session: a 2xx still waiting for its ACK handed over to the
/// user agent, timers stopped, offer/answer closed, the dialog forgotten
/// (later requests in it get 481), role data dropped except what the
/// Inviter still needs to ACK retransmitted 2xx.
pub(crate) fn terminate(core: &mut Core, s: &mut SessionData, cause: TerminationCause) {
    if s.state == SessionState::Terminated {
        return;
    }
    s.cause = Some(cause);
    hand_over_unacked(core, s);
    s.timers.stop_all();
    s.oa.close();
    s.bye_after_ack = None;
    s.uas = None;
    if let Some(u) = s.uac.as_mut() {
        u.on_terminated();
        super::inviter::forget_forks(core, s.id, &u.forks, None);
    }
    if let Some(d) = &s.dialog {
        super::inviter::unindex(core, s.id, d);
    }
    set_state(core, s, SessionState::Terminated);
    core.emit(Event::Terminated {
        session: s.id,
        cause,
    });
}

/// RFC 3261 §13.3.1.4: the 2xx to an INVITE or re-INVITE is retransmitted
/// until its ACK arrives or 64*T1 passed, whether or not the session is
/// still up (a BYE may overtake the ACK, or follow a lost 2xx): the
/// session's retransmission moves to the user agent, which outlives the
/// session (`user_agent::pending_ack`).
fn hand_over_unacked(core: &mut Core, s: &mut SessionData) {
    if s.dialog.is_none() {
        return;
    }
    let initial = super::invitation::take_unacked(s);
    let reinvite = super::reinvite::take_unacked(s);
    let Some(dialog) = &s.dialog else { return };
    // The dialog id is copied only for a 2xx actually handed over.
    if let Some(unacked) = initial {
        core.keep_unacked(dialog.id().clone(), unacked);
    }
    if let Some(unacked) = reinvite {
        core.keep_unacked(dialog.id().clone(), unacked);
    }
}

/// The `Reason` value for a status (RFC 3326).
pub(crate) fn reason_value(status: StatusCode, text: &str) -> String {
    format!("SIP;cause={};text=\"{}\"", status.as_u16(), text)
}

/// Sends a BYE in `dialog` (RFC 3261 §15.1.1), with a Reason header when
/// given. Its response is not awaited (as SIP.js). A refused send leaves
/// the dialog unchanged.
pub(crate) fn send_bye(
    core: &mut Core,
    now: Instant,
    dialog: &mut Dialog,
    reason: Option<(StatusCode, &str)>,
    extra: &[(HeaderName, String)],
) -> Result<(), SessionError> {
    let seq = dialog.next_seq();
    if extra.is_empty() && dialog.route_set().is_empty() {
        // No Route: written straight into its wire form, the lines
        // `lend_request` would build and the ones added below.
        let dest = core.next_hop_of_target(dialog.remote_target())?;
        let reason = reason.map(|(status, text)| reason_value(status, text));
        let ua = core.wire.user_agent.as_deref();
        let d = &*dialog;
        core.txn
            .send_request_written(now, Method::Bye, dest, |via, out| {
                let more = |out: &mut Vec<u8>| {
                    if let Some(r) = &reason {
                        write_header_line(&HeaderName::Reason, r, out);
                    }
                    if let Some(ua) = ua {
                        write_header_line(&HeaderName::UserAgent, ua, out);
                    }
                };
                let written = d.write_request(&Method::Bye, seq, via, more, &[], out);
                debug_assert!(written);
            })?;
        dialog.commit_local_seq(seq);
        return Ok(());
    }
    // Route lines come from the route set (or were asked for).
    let routed =
        !dialog.route_set().is_empty() || extra.iter().any(|(n, _)| matches!(n, HeaderName::Route));
    // Sent borrowed: the remote target lent to the BYE, not copied.
    dialog.lend_request(Method::Bye, seq, |req| {
        if let Some((status, text)) = reason {
            req.headers
                .push(HeaderName::Reason, reason_value(status, text));
        }
        for (n, v) in extra {
            req.headers.push(n.clone(), v);
        }
        if let Some(ua) = &core.wire.user_agent {
            req.headers.push(HeaderName::UserAgent, ua);
        }
        core.send_request_borrowed(now, req, Link::Detached, routed)
    })?;
    dialog.commit_local_seq(seq);
    Ok(())
}

/// `bye()`: only when Established. A UAS still waiting for the ACK goes
/// Terminating and sends the BYE when the ACK arrives or the wait ends
/// (RFC 3261 §15: a callee must not send BYE before the ACK... or its
/// timeout); otherwise the BYE goes now and the session is Terminated at
/// once.
pub(crate) fn bye(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    opts: ByeOptions,
) -> Result<(), SessionError> {
    if s.state != SessionState::Established {
        return Err(SessionError::InvalidState(s.state));
    }
    if s.uas.as_ref().is_some_and(|u| u.awaiting_ack()) {
        s.bye_after_ack = Some(opts);
        set_state(core, s, SessionState::Terminating);
        return Ok(());
    }
    if s.dialog.is_none() {
        return Err(SessionError::InvalidState(s.state));
    }
    super::reinvite::end_pending(core, s, now);
    let Some(dialog) = s.dialog.as_mut() else {
        return Err(SessionError::InvalidState(s.state));
    };
    send_bye(core, now, dialog, None, &opts.extra_headers)?;
    terminate(core, s, TerminationCause::Bye);
    Ok(())
}

/// `dispose()`: BYE when Established, CANCEL for an Inviter and 480 for an
/// Invitation before that; nothing once Terminating or Terminated.
pub(crate) fn dispose(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
) -> Result<(), SessionError> {
    match s.state {
        SessionState::Established => bye(core, s, now, ByeOptions::default()),
        SessionState::Initial | SessionState::Establishing => {
            if s.is_inviter {
                super::inviter::cancel(core, s, now, super::CancelOptions::default())
            } else {
                super::invitation::reject(core, s, now, super::RejectOptions::default())
            }
        }
        SessionState::Terminating | SessionState::Terminated => Ok(()),
    }
}
