//! Requests that arrive inside a session's dialog (RFC 3261 §12.2.2):
//! BYE, PRACK, OPTIONS, re-INVITE and the requests the application may
//! answer (INFO, MESSAGE, NOTIFY, REFER), with SIP.js's defaults.

use super::invitation;
use super::lifecycle::terminate;
use super::reinvite;
use super::reliable;
use super::{SessionData, SessionState};
use crate::events::{Event, TerminationCause};
use crate::ids::RequestId;
use crate::user_agent::core::{Core, PendingRequest};
use sip_core::dialog::InDialogError;
use sip_core::message::Request;
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
use sip_core::transaction::TransactionId;

/// The answer SIP.js gives a request nobody handles: INFO, MESSAGE and
/// NOTIFY 200, REFER 603 (SIP.js would follow it; transfers are not
/// supported here).
pub(crate) fn default_status(method: &Method) -> StatusCode {
    match method {
        Method::Refer => StatusCode::DECLINE,
        Method::Invite => StatusCode::NOT_ACCEPTABLE_HERE,
        _ => StatusCode::OK,
    }
}

/// A request in `s`'s dialog, in server transaction `txn`.
pub(crate) fn on_request(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    req: Request,
) {
    // The dialog the request is in: the session's, or (an Inviter before
    // the 2xx) one of its early dialogs, by the peer's tag.
    let from_tag = sip_core::transaction::key::from_tag(&req.headers).unwrap_or("");
    let dialog = match s.dialog.as_mut() {
        Some(d) if d.remote_tag() == from_tag => d,
        _ => {
            on_early_request(core, s, now, txn, req);
            return;
        }
    };
    if let Err(e) = dialog.receive_request(&req) {
        // §12.2.2: out of order → 500 with Retry-After (added by reply).
        let status = match e {
            InDialogError::OutOfOrder { .. } => StatusCode::SERVER_INTERNAL_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        core.reply(now, txn, &req, status);
        return;
    }
    match req.method {
        Method::Bye => on_bye(core, s, now, txn, &req),
        Method::Prack => {
            if s.uas.is_some() {
                reliable::on_prack(core, s, now, txn, &req);
            } else {
                core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST);
            }
        }
        Method::Options => core.reply(now, txn, &req, StatusCode::OK),
        Method::Invite => reinvite::on_request(core, s, now, txn, req),
        Method::Update => super::update::on_request(core, s, now, txn, req),
        // RFC 6086 §4.2.2: an Info Package not accepted: 469 with the
        // packages this agent takes (Recv-Info).
        Method::Info if !info_package_ok(core, &req) => {
            let tag = core.tokens.tag();
            let mut r = core.response(&req, StatusCode::BAD_INFO_PACKAGE, Some(&tag));
            r.headers.push(
                sip_core::header::HeaderName::RecvInfo,
                core.cfg.info_packages.join(", "),
            );
            core.send_response(now, txn, r);
        }
        Method::Notify if super::refer::is_refer_notify(&req) => {
            super::refer::on_notify(core, s, now, txn, &req)
        }
        // RFC 3515 §2.4.2: REFER goes to the application, which accepts it
        // with `UserAgent::accept_referral` or rejects it (default 603
        // when it does not answer in time); without Refer-To: 400.
        Method::Refer => {
            if req
                .headers
                .get(&sip_core::header::HeaderName::ReferTo)
                .is_none()
            {
                core.reply(now, txn, &req, StatusCode::BAD_REQUEST);
            } else {
                let session = Some(s.id);
                hand_to_app(core, now, txn, req, session, Method::Refer);
            }
        }
        ref m if core.cfg.app_handles(m) => {
            let method = m.clone();
            let session = Some(s.id);
            hand_to_app(core, now, txn, req, session, method);
        }
        ref m => {
            let status = default_status(m);
            core.reply(now, txn, &req, status);
        }
    }
}

/// A request in one of an Inviter's early dialogs (a provisional response
/// with a tag created it, RFC 3261 §12.1.2): UPDATE (RFC 3311 §5.1) and
/// OPTIONS are taken; anything else gets 481, as before the dialog was
/// known (the callee may not send BYE in an early dialog, §15).
fn on_early_request(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    req: Request,
) {
    let from_tag = sip_core::transaction::key::from_tag(&req.headers).unwrap_or("");
    let fork = s
        .uac
        .as_mut()
        .filter(|_| s.state == SessionState::Establishing)
        .and_then(|u| {
            u.forks
                .iter_mut()
                .find(|f| f.dialog.remote_tag() == from_tag)
        });
    let Some(fork) = fork else {
        core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST);
        return;
    };
    if let Err(e) = fork.dialog.receive_request(&req) {
        let status = match e {
            InDialogError::OutOfOrder { .. } => StatusCode::SERVER_INTERNAL_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        core.reply(now, txn, &req, status);
        return;
    }
    match req.method {
        Method::Update => super::update::on_request(core, s, now, txn, req),
        Method::Options => core.reply(now, txn, &req, StatusCode::OK),
        _ => core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST),
    }
}

/// Gives a request to the application (an [`Event::Request`]), or answers
/// the default when too many are waiting.
pub(crate) fn hand_to_app(
    core: &mut Core,
    now: Instant,
    txn: TransactionId,
    req: Request,
    session: Option<crate::ids::SessionId>,
    method: Method,
) {
    if core.requests.len() >= core.cfg.max_pending_requests {
        let status = default_status(&method);
        core.reply(now, txn, &req, status);
        return;
    }
    let id = RequestId(txn);
    let deadline = now + core.cfg.request_answer_timeout;
    let to_tag = (sip_core::transaction::key::to_tag(&req.headers).is_none())
        .then(|| core.tokens.tag().into());
    core.requests.insert(
        id,
        PendingRequest {
            request: req,
            session,
            deadline,
            to_tag,
        },
    );
    core.timers
        .push(deadline, crate::timers::TimerOwner::Request(id));
    core.emit(Event::Request {
        session,
        request: id,
        method,
    });
}

/// BYE (RFC 3261 §15.1.2): 200, and the session ends. A BYE in the early
/// dialog of an Invitation also ends the INVITE with 487.
fn on_bye(core: &mut Core, s: &mut SessionData, now: Instant, txn: TransactionId, req: &Request) {
    core.reply(now, txn, req, StatusCode::OK);
    if s.state == SessionState::Terminated {
        return;
    }
    reinvite::end_pending(core, s, now);
    core.emit(Event::Bye { session: s.id });
    if !s.is_inviter && matches!(s.state, SessionState::Initial | SessionState::Establishing) {
        invitation::send_final(core, s, now, StatusCode::REQUEST_TERMINATED, None, &[]);
    }
    terminate(core, s, TerminationCause::RemoteBye);
}

/// `info()`, `message()`: a non-INVITE request in the confirmed dialog
/// (RFC 6086 §4.2, RFC 3428 §4 in a dialog), its final response reported
/// as [`Event::RequestOutcome`].
pub(crate) fn send_request(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    method: crate::user_agent::core::InDialogMethod,
    body: Option<&crate::Body>,
    extra: &[(sip_core::header::HeaderName, String)],
) -> Result<(), crate::SessionError> {
    check_can_send(s)?;
    let Some(dialog) = s.dialog.as_mut() else {
        return Err(crate::SessionError::InvalidState(s.state));
    };
    let mut d = dialog.clone();
    let mut req = d.request(method.method());
    for (n, v) in extra {
        req.headers.push(n.clone(), v.clone());
    }
    core.decorate_request(&mut req);
    if let Some(b) = body {
        b.apply_to_request(&mut req);
    }
    core.send_request(
        now,
        req,
        crate::user_agent::core::Link::InDialog(s.id, method),
    )?;
    *dialog = d;
    Ok(())
}

/// The final response (or a synthesized 408/503) to a request sent with
/// [`send_request`]: reported; 481 and 408 end the dialog (RFC 3261
/// §12.2.1.2, RFC 5057 §5.1).
pub(crate) fn on_final(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    method: Method,
    status: StatusCode,
) {
    core.emit(Event::RequestOutcome {
        session: s.id,
        method,
        status,
    });
    if matches!(status.as_u16(), 481 | 408) {
        reinvite::lose_dialog(core, s, now, status);
    }
}

/// A request may go in the dialog: Established, and (a UAS) the ACK of
/// the 2xx arrived, before which the caller may not know the dialog yet
/// (RFC 3261 §13.3.1.4; its request would get 481): `RequestPending`.
pub(crate) fn check_can_send(s: &SessionData) -> Result<(), crate::SessionError> {
    if s.state != SessionState::Established {
        return Err(crate::SessionError::InvalidState(s.state));
    }
    if s.uas.as_ref().is_some_and(|u| u.awaiting_ack()) {
        return Err(crate::SessionError::RequestPending);
    }
    Ok(())
}

/// True for a legacy INFO (no `Info-Package`) or one naming a package of
/// [`UserAgentConfig::info_packages`](crate::UserAgentConfig::info_packages).
fn info_package_ok(core: &Core, req: &Request) -> bool {
    let Some(p) = req.headers.get(&sip_core::header::HeaderName::InfoPackage) else {
        return true;
    };
    let name = p.split(';').next().unwrap_or("").trim();
    core.cfg
        .info_packages
        .iter()
        .any(|k| k.eq_ignore_ascii_case(name))
}
