//! The peer's re-INVITE (RFC 3261 §14.2): glare and overlap answers, the
//! application's accept or reject, 2xx retransmission and the ACK.

use super::*;
use crate::user_agent::pending_ack::Unacked;

/// The peer's re-INVITE, already checked by the dialog (CSeq, target
/// refresh, §12.2.2).
pub(crate) fn on_request(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    req: Request,
) {
    // RFC 5407 §3.1.5, RFC 3261 §14.2: an INVITE transaction still in
    // progress (our initial INVITE waiting for its ACK, the peer's
    // previous re-INVITE): 500 with Retry-After. Our own re-INVITE
    // pending: 491 (glare).
    // A 2xx of ours still waiting for its ACK when offer/answer is
    // complete (the 2xx carried the answer): the new re-INVITE, sent after
    // the peer got that 2xx, stands for the ACK (as SIP.js: re-INVITE after
    // a lost ACK with the offer in the INVITE gets 200). With the offer in
    // our 2xx the answer is still due in the ACK: 500 below (RFC 5407
    // §3.1.5).
    if s.oa.state() == SignalingState::Stable {
        if s.uas.as_ref().is_some_and(|u| u.awaiting_ack()) && s.bye_after_ack.is_none() {
            s.timers.stop(SessionTimer::Retransmit2xx);
            s.timers.stop(SessionTimer::AckWait);
            s.uas = None;
        }
        if let Some(r) = s.reinvite.as_mut() {
            if r.server.as_ref().is_some_and(|srv| srv.ok.is_some()) {
                r.server = None;
                s.timers.stop(SessionTimer::ReinviteRetransmit2xx);
                s.timers.stop(SessionTimer::ReinviteAckWait);
            }
        }
    }
    let ours_pending = s
        .reinvite
        .as_ref()
        .and_then(|r| r.client.as_ref())
        .is_some_and(|c| !c.done || c.awaiting_answer);
    if s.state != SessionState::Established {
        core.reply(now, txn, &req, StatusCode::SERVER_INTERNAL_ERROR);
        return;
    }
    if ours_pending {
        core.reply(now, txn, &req, StatusCode::REQUEST_PENDING);
        return;
    }
    if in_progress(s) {
        core.reply(now, txn, &req, StatusCode::SERVER_INTERNAL_ERROR);
        return;
    }
    if s.oa.state() == SignalingState::HaveLocalOffer {
        core.reply(now, txn, &req, StatusCode::REQUEST_PENDING);
        return;
    }
    let cfg = &core.cfg;
    let offered = match classify(&req.headers, &req.body, |ct| cfg.accepts_content_type(ct)) {
        BodyKind::Session(b) => Some(b),
        BodyKind::Unsupported => {
            core.reply(now, txn, &req, StatusCode::UNSUPPORTED_MEDIA_TYPE);
            return;
        }
        _ => None,
    };
    if offered.is_some() && s.oa.remote_offer().is_err() {
        core.reply(now, txn, &req, StatusCode::SERVER_INTERNAL_ERROR);
        return;
    }
    let trying = core.response(&req, StatusCode::TRYING, None);
    core.send_response(now, txn, trying);
    let seq = sip_core::transaction::key::cseq(&req.headers).map_or(0, |c| c.0);
    data(s).server = Some(Server {
        txn,
        request: Some(req),
        seq,
        offered: offered.is_some(),
        ok: None,
        interval: core.cfg.transaction.t1,
    });
    core.emit(Event::Reinvite { session: s.id });
    if let Some(b) = offered {
        core.emit(Event::RemoteDescription {
            session: s.id,
            kind: DescriptionKind::Offer,
            body: b,
            early: false,
        });
    }
    let at = now + core.cfg.request_answer_timeout;
    core.arm(s, SessionTimer::ReinviteAnswer, at);
}

/// `accept_reinvite()`: 200 with the answer (or with an offer when the
/// re-INVITE had none), retransmitted until the ACK (§13.3.1.4).
pub(crate) fn accept(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    body: Option<Body>,
    extra: &[(HeaderName, String)],
) -> Result<(), SessionError> {
    let state = s.oa.state();
    let Some(srv) = s.reinvite.as_mut().and_then(|r| r.server.as_mut()) else {
        return Err(SessionError::InvalidState(s.state));
    };
    let Some(req) = srv.request.as_ref() else {
        return Err(SessionError::InvalidState(s.state));
    };
    // An answer is needed for an offer; an offer when there was none,
    // unless the application keeps the session as it is (no body: only
    // allowed when no offer is pending).
    if srv.offered && body.is_none() {
        return Err(SessionError::DescriptionRequired(state));
    }
    let local_tag = s.dialog.as_ref().map(|d| d.local_tag().to_owned());
    let mut r = core.response(req, StatusCode::OK, local_tag.as_deref());
    r.headers.push(HeaderName::Contact, &core.wire.contact);
    r.headers.push(HeaderName::Allow, &core.wire.allow);
    if let Some(sup) = &core.wire.supported {
        r.headers.push(HeaderName::Supported, sup);
    }
    for (n, v) in extra {
        r.headers.push(n.clone(), v);
    }
    if let Some(b) = &body {
        b.apply_to_response(&mut r);
    }
    let txn = srv.txn;
    let refreshed = s.session_timer.is_some();
    srv.request = None;
    srv.ok = Some(r.clone());
    if body.is_some() {
        if srv.offered {
            let _ = s.oa.local_answer();
        } else {
            let _ = s.oa.local_offer();
        }
    }
    s.timers.stop(SessionTimer::ReinviteAnswer);
    if refreshed {
        super::super::session_timer::on_refreshed(core, s, now, &mut r);
        if let Some(ok) = s
            .reinvite
            .as_mut()
            .and_then(|r| r.server.as_mut())
            .and_then(|srv| srv.ok.as_mut())
        {
            ok.clone_from(&r);
        }
    }
    core.send_response(now, txn, r);
    let t1 = core.cfg.transaction.t1;
    core.arm(s, SessionTimer::ReinviteRetransmit2xx, now + t1);
    let wait = now + core.t1x64();
    core.arm(s, SessionTimer::ReinviteAckWait, wait);
    Ok(())
}

/// `reject_reinvite()`: a final 300-699; the offer is rolled back and the
/// session stays as it was.
pub(crate) fn reject(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    status: StatusCode,
) -> Result<(), SessionError> {
    if !(300..700).contains(&status.as_u16()) {
        return Err(SessionError::InvalidStatus(status.as_u16()));
    }
    let unanswered = s
        .reinvite
        .as_ref()
        .and_then(|r| r.server.as_ref())
        .is_some_and(|srv| srv.request.is_some());
    if !unanswered {
        return Err(SessionError::InvalidState(s.state));
    }
    let srv = s
        .reinvite
        .as_mut()
        .and_then(|r| r.server.take())
        .expect("checked");
    let req = srv.request.expect("checked");
    s.oa.rollback();
    s.timers.stop(SessionTimer::ReinviteAnswer);
    let tag = s.dialog.as_ref().map(|d| d.local_tag().to_owned());
    let resp = core.response(&req, status, tag.as_deref());
    core.send_response(now, srv.txn, resp);
    Ok(())
}

/// An ACK in the dialog: true when it acknowledges our 2xx to the peer's
/// re-INVITE (then an answer in it completes offer/answer).
pub(crate) fn on_ack(core: &mut Core, s: &mut SessionData, now: Instant, ack: &Request) -> bool {
    let Some(r) = s.reinvite.as_mut() else {
        return false;
    };
    let matches = r.server.as_ref().is_some_and(|srv| {
        srv.ok.is_some()
            && sip_core::transaction::key::cseq(&ack.headers).map(|c| c.0) == Some(srv.seq)
    });
    if !matches {
        return false;
    }
    let srv = r.server.take().expect("checked");
    s.timers.stop(SessionTimer::ReinviteRetransmit2xx);
    s.timers.stop(SessionTimer::ReinviteAckWait);
    if srv.offered || s.oa.state() != SignalingState::HaveLocalOffer {
        return true;
    }
    let cfg = &core.cfg;
    match classify(&ack.headers, &ack.body, |ct| cfg.accepts_content_type(ct)) {
        BodyKind::Session(b) => {
            let _ = s.oa.remote_answer();
            core.emit(Event::RemoteDescription {
                session: s.id,
                kind: DescriptionKind::Answer,
                body: b,
                early: false,
            });
        }
        // SIP.js: an ACK without the answer to our offer: BYE (488).
        _ => {
            s.oa.rollback();
            fail_session(
                core,
                s,
                now,
                StatusCode::NOT_ACCEPTABLE_HERE,
                "Missing session description",
            );
        }
    }
    true
}

/// The 2xx to the peer's re-INVITE still waiting for its ACK when the
/// session ends, with its retransmission state, for the user agent to go
/// on retransmitting it (RFC 3261 §13.3.1.4).
pub(crate) fn take_unacked(s: &mut SessionData) -> Option<Unacked> {
    let next = s.timers.get(SessionTimer::ReinviteRetransmit2xx)?;
    let until = s.timers.get(SessionTimer::ReinviteAckWait)?;
    let r = s.reinvite.as_mut()?;
    if r.server.as_ref().is_none_or(|srv| srv.ok.is_none()) {
        return None;
    }
    let srv = r.server.take()?;
    Some(Unacked {
        txn: srv.txn,
        ok: srv.ok?,
        seq: srv.seq,
        interval: srv.interval,
        next,
        until,
    })
}

/// A CANCEL matched the peer's re-INVITE `txn` (RFC 3261 §9.2; the CANCEL
/// itself was answered 200): still unanswered, it gets 487, the offer is
/// rolled back and the session stays as it was; [`Event::Cancel`] tells
/// the application its [`Event::Reinvite`] is over.
pub(crate) fn on_cancel(core: &mut Core, s: &mut SessionData, now: Instant, txn: TransactionId) {
    let pending = s
        .reinvite
        .as_ref()
        .and_then(|r| r.server.as_ref())
        .is_some_and(|srv| srv.txn == txn && srv.request.is_some());
    if !pending {
        return;
    }
    let _ = reject(core, s, now, StatusCode::REQUEST_TERMINATED);
    core.emit(Event::Cancel { session: s.id });
}
