//! Requests that arrive inside a session's dialog (RFC 3261 §12.2.2),
//! confirmed or early: BYE, PRACK, OPTIONS, re-INVITE and the requests the
//! application may answer (INFO, MESSAGE, NOTIFY, REFER), with SIP.js's
//! defaults; and INFO, MESSAGE (and REFER) sent in a dialog, INFO also in
//! an early one (RFC 6086 §4.2.1).

use super::invitation;
use super::lifecycle::terminate;
use super::reinvite;
use super::reliable;
use super::{SessionData, SessionState};
use crate::events::{Event, TerminationCause};
use crate::ids::RequestId;
use crate::user_agent::core::{Core, InDialogMethod, PendingRequest};
use sip_core::dialog::{Dialog, InDialogError};
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

/// A request in `s`'s dialog, in server transaction `txn`: the session's
/// own dialog, or (an Inviter before the 2xx) one of its early dialogs, by
/// the peer's tag. `own` tells that the peer's tag (the From tag) is that
/// of the session's dialog, when the caller already knows. A request in
/// an early dialog goes to [`on_early_request`].
pub(crate) fn on_request(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    req: Box<Request>,
    own: bool,
) {
    let from_tag = || sip_core::transaction::key::from_tag(&req.headers).unwrap_or("");
    let own = own
        || s.dialog
            .as_ref()
            .is_some_and(|d| d.remote_tag() == from_tag());
    let dialog = if own {
        s.dialog.as_mut()
    } else {
        early_fork(s, from_tag()).map(|f| &mut f.dialog)
    };
    let Some(dialog) = dialog else {
        // Indexed, but no longer in use (another fork's 2xx won, or the
        // INVITE was retried with credentials): §12.2.2, no dialog.
        core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST);
        return;
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
    if dialog.is_early() {
        on_early_request(core, s, now, txn, req);
        return;
    }
    match req.method {
        // The BYE stays in its box (its lines become the 200's).
        Method::Bye => on_bye(core, s, now, txn, req),
        Method::Prack => {
            if s.uas.is_some() {
                reliable::on_prack(core, s, now, txn, &req);
            } else {
                core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST);
            }
        }
        Method::Options => core.reply(now, txn, &req, StatusCode::OK),
        Method::Invite => reinvite::on_request(core, s, now, txn, *req),
        Method::Update => super::update::on_request(core, s, now, txn, *req),
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
                hand_to_app(core, now, txn, *req, session, Method::Refer);
            }
        }
        _ => to_app_or_default(core, s, now, txn, *req),
    }
}

/// The early dialog of an Inviter (a provisional response with a tag
/// created it, RFC 3261 §12.1.2, §13.2.2.1) whose peer's tag is `tag`,
/// while the INVITE is in progress (Establishing, or Terminating while
/// its CANCEL is under way).
fn early_fork<'a>(s: &'a mut SessionData, tag: &str) -> Option<&'a mut super::inviter::Fork> {
    if !matches!(
        s.state,
        SessionState::Establishing | SessionState::Terminating
    ) || s.dialog.is_some()
    {
        return None;
    }
    s.uac
        .as_mut()?
        .forks
        .iter_mut()
        .find(|f| f.dialog.remote_tag() == tag)
}

/// A request in an early dialog, either side: the callee's in one of an
/// Inviter's early dialogs, or the caller's in an Invitation's dialog
/// before its 2xx (both already checked by the dialog, §12.2.2). A request
/// that matches an early dialog gets a real answer, never the 481 of a
/// request matching no dialog:
///
/// * INFO, MESSAGE: as in a confirmed dialog (to the application, or the
///   default answer; 469 for an Info Package not accepted, RFC 6086
///   §4.2.2). RFC 6086 §4.2.1 builds INFO as any other non-target-refresh
///   request of the invite dialog usage (RFC 3261 §12.2), and an early
///   dialog is one (§12.1): DTMF during early media.
/// * UPDATE (RFC 3311 §5.1), OPTIONS (200).
/// * BYE from the caller (an Invitation's dialog): 200, and the INVITE
///   487 (RFC 3261 §15.1.2). From the callee (an Inviter's early dialog):
///   §15 forbids it ("MUST NOT send a BYE on early dialogs"), so 403: the
///   request is understood and refused, which leaves the dialog and the
///   INVITE as they are (RFC 5057 §5.1: a 403 affects the transaction
///   only); the callee still owes the INVITE its final response.
/// * PRACK: the Invitation's (RFC 3262 §3); in an Inviter's dialog it
///   acknowledges no reliable response of ours: 481 (RFC 3262 §3).
/// * INVITE: the caller's, while its INVITE waits for our final
///   response: 500 with a Retry-After of 0-10 s (RFC 3261 §14.2); the
///   callee's, while our INVITE is in progress: 491 (§14.2).
/// * NOTIFY: no subscription exists in an early dialog (REFER needs an
///   Established session here): 481, as RFC 6665 §4.1.3 wants for a
///   NOTIFY matching no subscription.
/// * REFER: a transfer before the call is answered is not taken: 603
///   Decline (RFC 3515 §2.4.2 leaves the refusal to the recipient; the
///   same default answers an unhandled REFER in a confirmed dialog).
fn on_early_request(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    req: Box<Request>,
) {
    match req.method {
        Method::Bye if !s.is_inviter => on_bye(core, s, now, txn, req),
        Method::Bye => core.reply(now, txn, &req, StatusCode::FORBIDDEN),
        Method::Prack if s.uas.is_some() => reliable::on_prack(core, s, now, txn, &req),
        Method::Prack => core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST),
        Method::Options => core.reply(now, txn, &req, StatusCode::OK),
        Method::Update => super::update::on_request(core, s, now, txn, *req),
        Method::Invite if s.is_inviter => {
            core.reply(now, txn, &req, StatusCode::REQUEST_PENDING);
        }
        Method::Invite => {
            let mut r = core.response(&req, StatusCode::SERVER_INTERNAL_ERROR, None);
            let secs = core.tokens.below(11);
            r.headers
                .push(sip_core::header::HeaderName::RetryAfter, secs.to_string());
            core.send_response(now, txn, r);
        }
        Method::Notify => core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST),
        Method::Refer => core.reply(now, txn, &req, StatusCode::DECLINE),
        _ => to_app_or_default(core, s, now, txn, *req),
    }
}

/// INFO, MESSAGE, NOTIFY (not of a REFER) and other requests the
/// application may answer: to it when it takes the method
/// ([`UserAgentConfig::app_methods`](crate::UserAgentConfig::app_methods)),
/// else SIP.js's default answer. RFC 6086 §4.2.2: an INFO for an Info
/// Package not accepted gets 469 with the packages this agent takes
/// (Recv-Info).
fn to_app_or_default(
    core: &mut Core,
    s: &SessionData,
    now: Instant,
    txn: TransactionId,
    req: Request,
) {
    if req.method == Method::Info && !info_package_ok(core, &req) {
        let tag = core.tokens.tag();
        let mut r = core.response(&req, StatusCode::BAD_INFO_PACKAGE, Some(&tag));
        r.headers.push(
            sip_core::header::HeaderName::RecvInfo,
            core.cfg.info_packages.join(", "),
        );
        core.send_response(now, txn, r);
        return;
    }
    if core.cfg.app_handles(&req.method) {
        let method = req.method.clone();
        hand_to_app(core, now, txn, req, Some(s.id), method);
    } else {
        let status = default_status(&req.method);
        core.reply(now, txn, &req, status);
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
/// dialog of an Invitation also ends the INVITE with 487. Requests of the
/// dialog still waiting for the application are answered 487 (§15.1.2:
/// "The UAS MUST still respond to any pending requests received for that
/// dialog").
fn on_bye(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    req: Box<Request>,
) {
    // Routed to the dialog by its To tag; the BYE is not needed after.
    core.reply_from(now, txn, req, StatusCode::OK, Some(true));
    if s.state == SessionState::Terminated {
        return;
    }
    reinvite::end_pending(core, s, now);
    end_app_requests(core, s, now);
    core.emit(Event::Bye { session: s.id });
    if !s.is_inviter && matches!(s.state, SessionState::Initial | SessionState::Establishing) {
        invitation::send_final(core, s, now, StatusCode::REQUEST_TERMINATED, None, &[]);
    }
    terminate(core, s, TerminationCause::RemoteBye);
}

/// Answers 487 to the requests of `s`'s dialog still waiting for the
/// application (in the order they came).
fn end_app_requests(core: &mut Core, s: &SessionData, now: Instant) {
    let mut ids: Vec<RequestId> = core
        .requests
        .iter()
        .filter(|(_, p)| p.session == Some(s.id))
        .map(|(id, _)| *id)
        .collect();
    ids.sort_unstable();
    for id in ids {
        if let Some(p) = core.requests.remove(&id) {
            let r = core.response(
                &p.request,
                StatusCode::REQUEST_TERMINATED,
                p.to_tag.as_deref(),
            );
            core.send_response(now, id.0, r);
        }
    }
}

/// `info()`, `message()`: a non-INVITE request in the confirmed dialog
/// (RFC 6086 §4.2, RFC 3428 §4 in a dialog), or INFO in an early one (see
/// [`early_dialog_for_info`]); its final response reported as
/// [`Event::RequestOutcome`].
pub(crate) fn send_request(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    method: crate::user_agent::core::InDialogMethod,
    body: Option<&crate::Body>,
    extra: &[(sip_core::header::HeaderName, String)],
) -> Result<(), crate::SessionError> {
    let id = s.id;
    let dialog = if method == InDialogMethod::Info && s.state != SessionState::Established {
        early_dialog_for_info(s)?
    } else {
        check_can_send(s)?;
        s.dialog
            .as_mut()
            .ok_or(crate::SessionError::InvalidState(s.state))?
    };
    // Committed only once sent, so that a refused send changes nothing.
    let (mut req, seq) = dialog.next_request(method.method());
    for (n, v) in extra {
        req.headers.push(n.clone(), v);
    }
    core.decorate_request(&mut req);
    if let Some(b) = body {
        b.apply_to_request(&mut req);
    }
    core.send_request(
        now,
        req,
        crate::user_agent::core::Link::InDialog(id, method),
    )?;
    dialog.commit_local_seq(seq);
    Ok(())
}

/// The early dialog an INFO goes in before the call is answered (RFC 6086
/// §4.2.1: INFO is built as any other non-target-refresh request of the
/// invite dialog usage, RFC 3261 §12.2, and a provisional response with a
/// tag creates one, §12.1). Only once the peer is known to hold that
/// dialog: the early dialog was set up by a reliable provisional response
/// (RFC 3262), which is also what carries Info Package negotiation
/// (Recv-Info) before the 2xx (RFC 6086 §5.2):
///
/// * an Inviter: the current early dialog (the early-media one, else the
///   latest), once a reliable 1xx came in it (and was PRACKed);
/// * an Invitation: its dialog, once the PRACK of a reliable 1xx arrived.
///   An unreliable 1xx may be lost, and the caller would answer the
///   INFO 481, which ends a dialog (RFC 5057 §5.1).
///
/// Before that `RequestPending` (the exchange may still come); without an
/// early dialog at all, or once the call is ending, `InvalidState`.
fn early_dialog_for_info(s: &mut SessionData) -> Result<&mut Dialog, crate::SessionError> {
    let state = s.state;
    let invalid = || crate::SessionError::InvalidState(state);
    match state {
        SessionState::Establishing if s.is_inviter => {
            let u = s.uac.as_mut().ok_or_else(invalid)?;
            let tag: Box<str> = u
                .current_fork()
                .ok_or_else(invalid)?
                .dialog
                .remote_tag()
                .into();
            let f = u
                .forks
                .iter_mut()
                .find(|f| f.dialog.remote_tag() == &*tag)
                .ok_or_else(invalid)?;
            if f.last_rseq.is_none() {
                return Err(crate::SessionError::RequestPending);
            }
            Ok(&mut f.dialog)
        }
        SessionState::Initial | SessionState::Establishing if !s.is_inviter => {
            let acked = s.uas.as_ref().is_some_and(|u| u.reliable_acked());
            let d = s
                .dialog
                .as_mut()
                .filter(|d| d.is_early())
                .ok_or_else(invalid)?;
            if !acked {
                return Err(crate::SessionError::RequestPending);
            }
            Ok(d)
        }
        _ => Err(invalid()),
    }
}

/// The final response (or a synthesized 408/503) to a request sent with
/// [`send_request`]: reported; 481 and 408 end a confirmed dialog (RFC
/// 3261 §12.2.1.2, RFC 5057 §5.1). Before the call is up (an INFO in an
/// early dialog) the INVITE's final response decides the session's fate.
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
    if matches!(status.as_u16(), 481 | 408) && s.state == SessionState::Established {
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
