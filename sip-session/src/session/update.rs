//! UPDATE (RFC 3311) in a confirmed dialog, both directions: a new offer
//! without touching the INVITE transaction (its answer in the 2xx), or a
//! bare target refresh; 491 and 500 per §5.2; rollback on failure.
//! Incoming UPDATEs are accepted only with
//! [`UserAgentConfig::allow_update`](crate::UserAgentConfig::allow_update)
//! (else 405, as SIP.js).

use super::reinvite::lose_dialog;
use super::{SessionData, SessionState};
use crate::body::{classify, Body, BodyKind};
use crate::error::SessionError;
use crate::events::Event;
use crate::offer_answer::{DescriptionKind, SignalingState};
use crate::timers::SessionTimer;
use crate::user_agent::core::{Core, Link};
use sip_core::header::{Contact, HeaderName};
use sip_core::message::{Request, Response};
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
use sip_core::transaction::TransactionId;

/// Options of [`SessionMut::update`](crate::SessionMut::update).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct UpdateOptions {
    /// The new offer; `None` sends a bare target refresh.
    pub body: Option<Body>,
    /// Headers added to the UPDATE.
    pub extra_headers: Vec<(HeaderName, String)>,
}

/// UPDATE state of a session: ours in flight (with or without an offer),
/// the peer's waiting for the application's answer.
#[derive(Default)]
pub(crate) struct UpdateData {
    client: Option<(TransactionId, bool)>,
    server: Option<(TransactionId, Request, bool)>,
}

/// `update()`: Established only; an offer needs offer/answer to be stable
/// (RFC 3311 §5.1), else `RequestPending`.
pub(crate) fn send(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    opts: UpdateOptions,
) -> Result<(), SessionError> {
    super::in_dialog::check_can_send(s)?;
    let busy = s.update.as_ref().is_some_and(|u| u.client.is_some());
    if busy || (opts.body.is_some() && !s.oa.expects_offer()) {
        return Err(SessionError::RequestPending);
    }
    let Some(dialog) = s.dialog.as_mut() else {
        return Err(SessionError::InvalidState(s.state));
    };
    let mut d = dialog.clone();
    let mut req = d.request(Method::Update);
    req.headers
        .push(HeaderName::Contact, core.wire.contact.clone());
    req.headers.push(HeaderName::Allow, core.wire.allow.clone());
    for (n, v) in &opts.extra_headers {
        req.headers.push(n.clone(), v.clone());
    }
    core.decorate_request(&mut req);
    if let Some(b) = &opts.body {
        b.apply_to_request(&mut req);
    }
    let (txn, _) = core.send_request(now, req, Link::Update(s.id))?;
    *dialog = d;
    let offered = opts.body.is_some();
    if offered {
        let _ = s.oa.local_offer();
    }
    s.update.get_or_insert_with(Default::default).client = Some((txn, offered));
    Ok(())
}

/// A response (or a synthesized 408/503) to our UPDATE.
pub(crate) fn on_response(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    status: StatusCode,
    resp: Option<&Response>,
) {
    if status.as_u16() < 200 {
        return;
    }
    let Some(u) = s.update.as_mut() else { return };
    let Some((t, offered)) = u.client else { return };
    if t != txn {
        return;
    }
    u.client = None;
    if s.state == SessionState::Terminated {
        return;
    }
    if status.is_success() {
        if let Some(r) = resp {
            // Target refresh (RFC 3311 §5.1, RFC 3261 §12.2.1.2).
            if let (Some(Ok(c)), Some(d)) = (r.headers.typed::<Contact>(), s.dialog.as_mut()) {
                if let Some(a) = c.address() {
                    d.set_remote_target(a.uri.clone());
                }
            }
        }
        if offered {
            let cfg = &core.cfg;
            let body =
                resp.map(|r| classify(&r.headers, &r.body, |ct| cfg.accepts_content_type(ct)));
            match body {
                Some(BodyKind::Session(b)) => {
                    let _ = s.oa.remote_answer();
                    core.emit(Event::RemoteDescription {
                        session: s.id,
                        kind: DescriptionKind::Answer,
                        body: b,
                        early: false,
                    });
                }
                // A 2xx to an offer must carry the answer (§5.2): roll
                // the offer back.
                _ => s.oa.rollback(),
            }
        }
    } else if offered {
        s.oa.rollback();
    }
    core.emit(Event::RequestOutcome {
        session: s.id,
        method: Method::Update,
        status,
    });
    if matches!(status.as_u16(), 481 | 408) {
        lose_dialog(core, s, now, status);
    }
}

/// The peer's UPDATE (already checked by the dialog, its Contact taken as
/// the new remote target, §12.2.2).
pub(crate) fn on_request(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    req: Request,
) {
    if !core.cfg.allow_update {
        core.reply(now, txn, &req, StatusCode::METHOD_NOT_ALLOWED);
        return;
    }
    if s.state != SessionState::Established {
        core.reply(now, txn, &req, StatusCode::SERVER_INTERNAL_ERROR);
        return;
    }
    let cfg = &core.cfg;
    let offer = match classify(&req.headers, &req.body, |ct| cfg.accepts_content_type(ct)) {
        BodyKind::Session(b) => Some(b),
        BodyKind::Unsupported => {
            core.reply(now, txn, &req, StatusCode::UNSUPPORTED_MEDIA_TYPE);
            return;
        }
        _ => None,
    };
    let Some(offer) = offer else {
        // A bare target refresh: 200 with our Contact.
        let tag = s.dialog.as_ref().map(|d| d.local_tag().to_owned());
        let mut r = core.response(&req, StatusCode::OK, tag.as_deref());
        r.headers
            .push(HeaderName::Contact, core.wire.contact.clone());
        // A session refresh (RFC 4028 §10).
        super::session_timer::on_refreshed(core, s, now, &mut r);
        core.send_response(now, txn, r);
        return;
    };
    // RFC 3311 §5.2: an offer while ours is outstanding: 491; while the
    // peer's previous offer is unanswered: 500 with Retry-After.
    match s.oa.state() {
        SignalingState::HaveLocalOffer => {
            core.reply(now, txn, &req, StatusCode::REQUEST_PENDING);
            return;
        }
        SignalingState::HaveRemoteOffer => {
            core.reply(now, txn, &req, StatusCode::SERVER_INTERNAL_ERROR);
            return;
        }
        _ => {}
    }
    if s.update.as_ref().is_some_and(|u| u.server.is_some()) || s.oa.remote_offer().is_err() {
        core.reply(now, txn, &req, StatusCode::SERVER_INTERNAL_ERROR);
        return;
    }
    s.update.get_or_insert_with(Default::default).server = Some((txn, req, true));
    core.emit(Event::Update { session: s.id });
    core.emit(Event::RemoteDescription {
        session: s.id,
        kind: DescriptionKind::Offer,
        body: offer,
        early: false,
    });
    let at = now + core.cfg.request_answer_timeout;
    core.arm(s, SessionTimer::UpdateAnswer, at);
}

/// `accept_update()`: 200 with the answer.
pub(crate) fn accept(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    body: Body,
) -> Result<(), SessionError> {
    let Some((txn, req, _)) = s.update.as_mut().and_then(|u| u.server.take()) else {
        return Err(SessionError::InvalidState(s.state));
    };
    s.timers.stop(SessionTimer::UpdateAnswer);
    let _ = s.oa.local_answer();
    let tag = s.dialog.as_ref().map(|d| d.local_tag().to_owned());
    let mut r = core.response(&req, StatusCode::OK, tag.as_deref());
    r.headers
        .push(HeaderName::Contact, core.wire.contact.clone());
    body.apply_to_response(&mut r);
    core.send_response(now, txn, r);
    Ok(())
}

/// `reject_update()`: 300-699, the offer rolled back.
pub(crate) fn reject(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    status: StatusCode,
) -> Result<(), SessionError> {
    if !(300..700).contains(&status.as_u16()) {
        return Err(SessionError::InvalidStatus(status.as_u16()));
    }
    let Some((txn, req, _)) = s.update.as_mut().and_then(|u| u.server.take()) else {
        return Err(SessionError::InvalidState(s.state));
    };
    s.timers.stop(SessionTimer::UpdateAnswer);
    s.oa.rollback();
    let tag = s.dialog.as_ref().map(|d| d.local_tag().to_owned());
    let r = core.response(&req, status, tag.as_deref());
    core.send_response(now, txn, r);
    Ok(())
}

/// The application did not answer the peer's UPDATE in time: 488.
pub(crate) fn on_answer_timeout(core: &mut Core, s: &mut SessionData, now: Instant) {
    let _ = reject(core, s, now, StatusCode::NOT_ACCEPTABLE_HERE);
}

/// A peer's UPDATE still unanswered when the session ends: 487.
pub(crate) fn on_session_ending(core: &mut Core, s: &mut SessionData, now: Instant) {
    if let Some((txn, req, _)) = s.update.as_mut().and_then(|u| u.server.take()) {
        let tag = s.dialog.as_ref().map(|d| d.local_tag().to_owned());
        let r = core.response(&req, StatusCode::REQUEST_TERMINATED, tag.as_deref());
        core.send_response(now, txn, r);
    }
}
