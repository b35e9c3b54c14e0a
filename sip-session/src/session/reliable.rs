//! Reliable provisional responses (RFC 3262): the UAS's outstanding 1xx,
//! its retransmission and the PRACK that acknowledges it, with the answer
//! to an offer of the 1xx or a new offer of its own, answered in the
//! PRACK's 2xx (§5). (The UAC's PRACK is sent by the Inviter.)

use super::invitation;
use super::SessionData;
use crate::body::{classify, Body, BodyKind};
use crate::error::SessionError;
use crate::events::Event;
use crate::offer_answer::{DescriptionKind, SignalingState};
use crate::timers::SessionTimer;
use crate::user_agent::core::Core;
use sip_core::header::RAck;
use sip_core::message::{Request, Response};
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::TransactionId;

/// The one reliable provisional response a UAS may have outstanding
/// (RFC 3262 §3: a second one waits for the PRACK of the first; SIP.js
/// ignores the call instead).
pub(crate) struct Outstanding {
    pub response: Response,
    pub rseq: u32,
    pub invite_seq: u32,
    pub interval: Duration,
}

impl Outstanding {
    pub(crate) fn new(response: Response, rseq: u32, invite_seq: u32, t1: Duration) -> Self {
        Outstanding {
            response,
            rseq,
            invite_seq,
            interval: t1,
        }
    }

    pub(crate) fn memory_usage(&self) -> usize {
        self.response
            .headers
            .iter()
            .map(|h| h.value.len() + 40)
            .sum::<usize>()
            + self.response.body.len()
    }

    /// True when `rack` acknowledges this response (RFC 3262 §4: RSeq,
    /// CSeq number and method all match).
    pub(crate) fn matches(&self, rack: &RAck) -> bool {
        rack.rseq == self.rseq && rack.cseq == self.invite_seq && rack.method == Method::Invite
    }
}

/// Retransmits the outstanding reliable 1xx (RFC 3262 §3: T1, doubling;
/// SIP.js does not cap it at T2 either).
pub(crate) fn retransmit(core: &mut Core, s: &mut SessionData, now: Instant) {
    let Some(u) = s.uas.as_mut() else { return };
    let txn = u.txn;
    let Some(o) = u.reliable.as_mut() else { return };
    o.interval *= 2;
    let next = now + o.interval;
    let r = o.response.clone();
    core.send_response(now, txn, r);
    core.arm(s, SessionTimer::Retransmit1xx, next);
}

/// A PRACK arrived in the Invitation's dialog, in server transaction `txn`
/// (the dialog's CSeq check passed). RFC 3262 §4: one that matches no
/// outstanding reliable response is answered 481.
pub(crate) fn on_prack(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    req: &Request,
) {
    let rack = req.headers.typed::<RAck>().and_then(Result::ok);
    let matched = match (s.uas.as_ref().and_then(|u| u.reliable.as_ref()), rack) {
        (Some(o), Some(rack)) => o.matches(&rack),
        _ => false,
    };
    if !matched {
        core.reply(now, txn, req, StatusCode::CALL_DOES_NOT_EXIST);
        return;
    }
    let cfg = &core.cfg;
    let body = classify(&req.headers, &req.body, |ct| cfg.accepts_content_type(ct));
    let mut offer = None;
    if let BodyKind::Session(b) = body {
        match s.oa.state() {
            // The answer to the offer of our reliable 1xx (RFC 3262 §5).
            SignalingState::HaveLocalOffer => {
                let _ = s.oa.remote_answer();
                core.emit(Event::RemoteDescription {
                    session: s.id,
                    kind: DescriptionKind::Answer,
                    body: b,
                    early: true,
                });
            }
            // A new offer once the exchange is complete (RFC 3262 §5,
            // RFC 6337 §3.2): answered in the PRACK's 2xx.
            SignalingState::Stable => offer = Some(b),
            // An offer while one is open: 488, the reliable response
            // stays outstanding.
            _ => {
                core.reply(now, txn, req, StatusCode::NOT_ACCEPTABLE_HERE);
                return;
            }
        }
    }
    s.timers.stop(SessionTimer::Retransmit1xx);
    s.timers.stop(SessionTimer::PrackWait);
    if let Some(u) = s.uas.as_mut() {
        u.reliable = None;
    }
    if let Some(b) = offer {
        // The PRACK acknowledged the 1xx; its 2xx waits for the answer.
        let _ = s.oa.remote_offer();
        s.update.get_or_insert_with(Default::default).prack_offer = Some((txn, req.clone()));
        core.emit(Event::RemoteDescription {
            session: s.id,
            kind: DescriptionKind::Offer,
            body: b,
            early: true,
        });
        core.emit(Event::DescriptionRequested {
            session: s.id,
            kind: DescriptionKind::Answer,
        });
        let at = now + core.cfg.description_timeout;
        core.arm(s, SessionTimer::Description, at);
        return;
    }
    core.reply(now, txn, req, StatusCode::OK);
    send_pending_accept(core, s, now);
}

/// An `accept()` that waited for the PRACK goes now.
fn send_pending_accept(core: &mut Core, s: &mut SessionData, now: Instant) {
    if let Some(opts) = s.uas.as_mut().and_then(|u| u.pending_accept.take()) {
        invitation::send_2xx(core, s, now, opts);
    }
}

/// True while the offer of a PRACK waits for the application's answer.
pub(crate) fn awaiting_answer(s: &SessionData) -> bool {
    s.update.as_ref().is_some_and(|u| u.prack_offer.is_some())
}

/// The application's answer to the offer of a PRACK: the PRACK's 200
/// carries it; an `accept()` that waited goes next.
pub(crate) fn provide_answer(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    body: Body,
) -> Result<(), SessionError> {
    let Some((txn, req)) = s.update.as_mut().and_then(|u| u.prack_offer.take()) else {
        return Err(SessionError::NoDescriptionRequested);
    };
    s.timers.stop(SessionTimer::Description);
    let _ = s.oa.local_answer();
    if let Some(u) = s.uas.as_mut() {
        // The 2xx to the INVITE repeats the latest description.
        u.local_description = Some(body.clone());
    }
    let mut r = core.response(&req, StatusCode::OK, None);
    body.apply_to_response(&mut r);
    core.send_response(now, txn, r);
    send_pending_accept(core, s, now);
    Ok(())
}

/// The application refused the offer of a PRACK (or did not answer in
/// time): 488 to the PRACK, the offer rolled back, the call goes on.
pub(crate) fn refuse_answer(core: &mut Core, s: &mut SessionData, now: Instant) {
    let Some((txn, req)) = s.update.as_mut().and_then(|u| u.prack_offer.take()) else {
        return;
    };
    s.timers.stop(SessionTimer::Description);
    s.oa.rollback();
    core.reply(now, txn, &req, StatusCode::NOT_ACCEPTABLE_HERE);
    send_pending_accept(core, s, now);
}
