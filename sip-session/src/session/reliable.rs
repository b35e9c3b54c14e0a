//! Reliable provisional responses (RFC 3262): the UAS's outstanding 1xx,
//! its retransmission and the PRACK that acknowledges it. (The UAC's
//! PRACK is sent by the Inviter.)

use super::invitation;
use super::SessionData;
use crate::body::{classify, BodyKind};
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
    if let BodyKind::Session(b) = body {
        if s.oa.state() == SignalingState::HaveLocalOffer {
            let _ = s.oa.remote_answer();
            core.emit(Event::RemoteDescription {
                session: s.id,
                kind: DescriptionKind::Answer,
                body: b,
                early: true,
            });
        } else {
            // A new offer in a PRACK (RFC 3262 §5) is not supported; the
            // reliable response stays outstanding.
            core.reply(now, txn, req, StatusCode::NOT_ACCEPTABLE_HERE);
            return;
        }
    }
    s.timers.stop(SessionTimer::Retransmit1xx);
    s.timers.stop(SessionTimer::PrackWait);
    let pending = s.uas.as_mut().and_then(|u| {
        u.reliable = None;
        u.pending_accept.take()
    });
    core.reply(now, txn, req, StatusCode::OK);
    if let Some(opts) = pending {
        invitation::send_2xx(core, s, now, opts);
    }
}
