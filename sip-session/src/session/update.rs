//! UPDATE (RFC 3311) in early and confirmed dialogs, both directions: a
//! new offer without touching the INVITE transaction (its answer in the
//! 2xx), or a bare target refresh; 491 and 500 per §5.2, our 491 retried
//! after the RFC 3261 §14.1 delay (§5.2 refers to it); rollback on failure.
//!
//! An UPDATE works on one dialog, named by the peer's tag: the session's
//! own (an Invitation's early dialog, or the confirmed one), or one of an
//! Inviter's early dialogs (a fork, before the 2xx). Incoming UPDATEs are
//! accepted only with
//! [`UserAgentConfig::allow_update`](crate::UserAgentConfig::allow_update)
//! (else 405, as SIP.js).

use super::inviter::Fork;
use super::reinvite::{glare_delay, lose_dialog, MAX_DEFERRALS};
use super::{SessionData, SessionState};
use crate::body::{classify, Body, BodyKind};
use crate::error::SessionError;
use crate::events::Event;
use crate::offer_answer::{DescriptionKind, OfferAnswer, SignalingState};
use crate::timers::SessionTimer;
use crate::user_agent::core::{Core, Link};
use sip_core::dialog::Dialog;
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

/// Our UPDATE in flight.
struct Client {
    txn: TransactionId,
    offered: bool,
    /// The peer's tag of the dialog it went in.
    tag: Box<str>,
    opts: UpdateOptions,
}

/// The peer's UPDATE with an offer, waiting for the application's answer.
struct Server {
    txn: TransactionId,
    request: Request,
    tag: Box<str>,
}

/// Offer/answer in non-INVITE requests of a session: our UPDATE in
/// flight (with or without an offer) or waiting to be retried after a
/// 491, the peer's UPDATE waiting for the application's answer, and a
/// PRACK whose offer waits for it (RFC 3262 §5, see `reliable`).
#[derive(Default)]
pub(crate) struct UpdateData {
    client: Option<Client>,
    server: Option<Server>,
    retry: Option<(UpdateOptions, Box<str>)>,
    deferrals: u8,
    pub(crate) prack_offer: Option<(TransactionId, Request)>,
}

/// One dialog of the session and its offer/answer state.
struct Leg<'a> {
    dialog: &'a mut Dialog,
    oa: &'a mut OfferAnswer,
    /// An Inviter's early dialog: the answer kept for the 2xx, whether
    /// the initial exchange completed reliably, and the last description
    /// the peer sent in it (a later copy is not a new offer).
    fork: Option<(&'a mut Option<Body>, bool, &'a mut Option<Body>)>,
}

impl Leg<'_> {
    /// The state as far as a new offer from the peer is concerned: an
    /// answer to our initial offer that came only in an unreliable 1xx is
    /// a preview (RFC 3261 §13.3.1.1), so our offer is still outstanding.
    fn state_for_offer(&self) -> SignalingState {
        match (self.oa.state(), &self.fork) {
            (SignalingState::Stable, Some((_, false, _))) => SignalingState::HaveLocalOffer,
            (st, _) => st,
        }
    }
}

/// The dialog whose peer's tag is `tag`: the session's own, or an early
/// dialog of an Inviter.
fn leg<'a>(s: &'a mut SessionData, tag: &str) -> Option<Leg<'a>> {
    if let Some(d) = s.dialog.as_mut().filter(|d| d.remote_tag() == tag) {
        return Some(Leg {
            dialog: d,
            oa: &mut s.oa,
            fork: None,
        });
    }
    let f: &mut Fork = s
        .uac
        .as_mut()?
        .forks
        .iter_mut()
        .find(|f| f.dialog.remote_tag() == tag)?;
    let fin = f.oa_final;
    Some(Leg {
        dialog: &mut f.dialog,
        oa: &mut f.oa,
        fork: Some((&mut f.answer, fin, &mut f.remote)),
    })
}

/// True while an UPDATE with an offer is in progress in either direction
/// in the dialog with the peer's tag `tag` (its answer comes in the
/// UPDATE's 2xx, not in the INVITE's).
pub(crate) fn offer_in_progress(s: &SessionData, tag: &str) -> bool {
    s.update.as_ref().is_some_and(|u| {
        u.client
            .as_ref()
            .is_some_and(|c| c.offered && *c.tag == *tag)
            || u.server.as_ref().is_some_and(|v| *v.tag == *tag)
    })
}

/// True while any UPDATE of the session is in progress or waits for its
/// retry: an Invitation holds its 2xx back meanwhile.
pub(crate) fn in_progress(s: &SessionData) -> bool {
    s.update
        .as_ref()
        .is_some_and(|u| u.client.is_some() || u.server.is_some() || u.retry.is_some())
}

/// Which dialog `update()` uses, by the peer's tag, and whether an offer
/// may go in it now (RFC 3311 §5.1):
///
/// * Established: the dialog; an offer once offer/answer is stable.
/// * An Invitation before its 2xx (after a provisional response with a
///   tag): the early dialog; an offer once the initial exchange completed
///   in a reliable 1xx and its PRACK.
/// * An Inviter before the 2xx: the early dialog of the early-media fork,
///   else of the latest fork; an offer once the initial exchange
///   completed reliably (the answer in a reliable 1xx, or ours in the
///   PRACK), not after an answer in an unreliable 1xx.
fn pick_leg(s: &SessionData, offer: bool) -> Result<Box<str>, SessionError> {
    let pending = SessionError::RequestPending;
    match s.state {
        SessionState::Established => {
            super::in_dialog::check_can_send(s)?;
            let d = s
                .dialog
                .as_ref()
                .ok_or(SessionError::InvalidState(s.state))?;
            if offer && !s.oa.expects_offer() {
                return Err(pending);
            }
            Ok(d.remote_tag().into())
        }
        SessionState::Initial if !s.is_inviter => {
            let d = s
                .dialog
                .as_ref()
                .ok_or(SessionError::InvalidState(s.state))?;
            let unacked = s.uas.as_ref().is_some_and(|u| u.reliable.is_some());
            if offer && (s.oa.state() != SignalingState::Stable || unacked) {
                return Err(pending);
            }
            Ok(d.remote_tag().into())
        }
        SessionState::Establishing if s.is_inviter => {
            let u = s.uac.as_ref().ok_or(SessionError::InvalidState(s.state))?;
            let f = u
                .current_fork()
                .ok_or(SessionError::InvalidState(s.state))?;
            if offer && !(f.oa_final && f.oa.state() == SignalingState::Stable) {
                return Err(pending);
            }
            Ok(f.dialog.remote_tag().into())
        }
        st => Err(SessionError::InvalidState(st)),
    }
}

/// `update()`: see [`pick_leg`]; `RequestPending` while another UPDATE of
/// ours is in flight or waits for its retry.
pub(crate) fn send(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    opts: UpdateOptions,
) -> Result<(), SessionError> {
    if s.update
        .as_ref()
        .is_some_and(|u| u.client.is_some() || u.retry.is_some())
    {
        return Err(SessionError::RequestPending);
    }
    let tag = pick_leg(s, opts.body.is_some())?;
    send_on(core, s, now, opts, tag)
}

/// Sends the UPDATE in the dialog with the peer's tag `tag`.
fn send_on(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    opts: UpdateOptions,
    tag: Box<str>,
) -> Result<(), SessionError> {
    let id = s.id;
    let state = s.state;
    let Some(l) = leg(s, &tag) else {
        return Err(SessionError::InvalidState(state));
    };
    let offered = opts.body.is_some();
    if offered && !l.oa.expects_offer() {
        return Err(SessionError::RequestPending);
    }
    // Committed only once sent, so that a refused send changes nothing.
    let (mut req, seq) = l.dialog.next_request(Method::Update);
    req.headers.push(HeaderName::Contact, &core.wire.contact);
    req.headers.push(HeaderName::Allow, &core.wire.allow);
    for (n, v) in &opts.extra_headers {
        req.headers.push(n.clone(), v);
    }
    core.decorate_request(&mut req);
    if let Some(b) = &opts.body {
        b.apply_to_request(&mut req);
    }
    let (txn, _) = core.send_request(now, req, Link::Update(id))?;
    l.dialog.commit_local_seq(seq);
    if offered {
        let _ = l.oa.local_offer();
    }
    s.update.get_or_insert_with(Default::default).client = Some(Client {
        txn,
        offered,
        tag,
        opts,
    });
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
    if u.client.as_ref().is_none_or(|c| c.txn != txn) {
        return;
    }
    let c = u.client.take().expect("checked");
    if s.state == SessionState::Terminated {
        return;
    }
    let id = s.id;
    let cfg = &core.cfg;
    let answer = match resp {
        Some(r) if c.offered && status.is_success() => {
            classify(&r.headers, &r.body, |ct| cfg.accepts_content_type(ct))
        }
        _ => BodyKind::None,
    };
    let mut answered = None;
    if let Some(l) = leg(s, &c.tag) {
        let early = l.dialog.is_early();
        if status.is_success() {
            // Target refresh (RFC 3311 §5.1, RFC 3261 §12.2.1.2).
            if let Some(Ok(contact)) = resp.and_then(|r| r.headers.typed::<Contact>()) {
                if let Some(a) = contact.address() {
                    l.dialog.set_remote_target(a.uri.clone());
                }
            }
        }
        match answer {
            BodyKind::Session(b) => {
                let _ = l.oa.remote_answer();
                if let Some((kept, _, remote)) = l.fork {
                    // The answer of the 1xx is stale now; the peer's latest
                    // description is this one.
                    *kept = None;
                    *remote = Some(b.clone());
                }
                answered = Some((b, early));
            }
            // A failure, or a 2xx to an offer without the answer (§5.2
            // wants one): the offer is rolled back.
            _ if c.offered => l.oa.rollback(),
            _ => {}
        }
    }
    if let Some((b, early)) = answered {
        if let (Some(uas), Some(offer)) = (s.uas.as_mut(), &c.opts.body) {
            // The 2xx to the INVITE repeats the latest description.
            uas.local_description = Some(offer.clone());
        }
        core.emit(Event::RemoteDescription {
            session: id,
            kind: DescriptionKind::Answer,
            body: b,
            early,
        });
    }
    // RFC 3311 §5.2 refers to RFC 3261 §14.1: after a 491 the offer goes
    // again after the randomised delay.
    if status == StatusCode::REQUEST_PENDING && c.offered {
        let u = s.update.get_or_insert_with(Default::default);
        u.retry = Some((c.opts, c.tag));
        u.deferrals = 0;
        let delay = glare_delay(core, s.is_inviter);
        core.arm(s, SessionTimer::UpdateRetry, now + delay);
        return;
    }
    core.emit(Event::RequestOutcome {
        session: id,
        method: Method::Update,
        status,
    });
    let confirmed = s.state == SessionState::Established
        && s.dialog.as_ref().is_some_and(|d| d.remote_tag() == &*c.tag);
    if confirmed && matches!(status.as_u16(), 481 | 408) {
        lose_dialog(core, s, now, status);
    }
}

/// The §14.1 delay after our UPDATE's 491 is over: the same UPDATE again,
/// unless an offer exchange started by the peer meanwhile is still open
/// (then wait again, a few times at most). When it cannot go, the 491 is
/// reported as its [`Event::RequestOutcome`].
pub(crate) fn on_retry(core: &mut Core, s: &mut SessionData, now: Instant) {
    let Some((opts, tag)) = s.update.as_mut().and_then(|u| u.retry.take()) else {
        return;
    };
    let awaiting_ack = s.uas.as_ref().is_some_and(|u| u.awaiting_ack());
    let busy = awaiting_ack
        || s.update.as_ref().is_some_and(|u| u.server.is_some())
        || leg(s, &tag).is_some_and(|l| !l.oa.expects_offer());
    let u = s.update.get_or_insert_with(Default::default);
    if busy && u.deferrals < MAX_DEFERRALS {
        u.deferrals += 1;
        u.retry = Some((opts, tag));
        let delay = glare_delay(core, s.is_inviter);
        core.arm(s, SessionTimer::UpdateRetry, now + delay);
        return;
    }
    let usable = matches!(
        s.state,
        SessionState::Initial | SessionState::Establishing | SessionState::Established
    );
    if !usable || busy || send_on(core, s, now, opts, tag).is_err() {
        core.emit(Event::RequestOutcome {
            session: s.id,
            method: Method::Update,
            status: StatusCode::REQUEST_PENDING,
        });
    }
}

/// 500 with a Retry-After of 0-10 s chosen at random (RFC 3311 §5.2).
fn reply_500(core: &mut Core, now: Instant, txn: TransactionId, req: &Request) {
    let mut r = core.response(req, StatusCode::SERVER_INTERNAL_ERROR, None);
    let secs = core.tokens.below(11);
    r.headers.push(HeaderName::RetryAfter, secs.to_string());
    core.send_response(now, txn, r);
}

/// The peer's UPDATE (already checked by its dialog, its Contact taken as
/// the new remote target, §12.2.2), in the session's dialog or in one of
/// an Inviter's early dialogs.
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
    let usable = match s.state {
        SessionState::Established => true,
        SessionState::Initial => !s.is_inviter,
        SessionState::Establishing => s.is_inviter,
        _ => false,
    };
    if !usable {
        core.reply(now, txn, &req, StatusCode::SERVER_INTERNAL_ERROR);
        return;
    }
    // §5.2: an UPDATE while the previous one is unanswered: 500.
    if s.update.as_ref().is_some_and(|u| u.server.is_some()) {
        reply_500(core, now, txn, &req);
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
    let tag: Box<str> = sip_core::transaction::key::from_tag(&req.headers)
        .unwrap_or("")
        .into();
    let Some(offer) = offer else {
        // A bare target refresh: 200 with our Contact.
        let mut r = core.response(&req, StatusCode::OK, None);
        r.headers.push(HeaderName::Contact, &core.wire.contact);
        if s.state == SessionState::Established {
            // A session refresh (RFC 4028 §10).
            super::session_timer::on_refreshed(core, s, now, &mut r);
        }
        core.send_response(now, txn, r);
        return;
    };
    let Some(l) = leg(s, &tag) else {
        core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST);
        return;
    };
    // §5.2: an offer while ours is outstanding: 491; while the peer's
    // previous offer is unanswered (or, RFC 3261 §13.2.1, before the
    // initial offer came): 500 with Retry-After.
    match l.state_for_offer() {
        SignalingState::HaveLocalOffer => {
            core.reply(now, txn, &req, StatusCode::REQUEST_PENDING);
            return;
        }
        SignalingState::Stable => {}
        _ => {
            reply_500(core, now, txn, &req);
            return;
        }
    }
    let early = l.dialog.is_early();
    let _ = l.oa.remote_offer();
    if let Some((_, _, remote)) = l.fork {
        *remote = Some(offer.clone());
    }
    let id = s.id;
    s.update.get_or_insert_with(Default::default).server = Some(Server {
        txn,
        request: req,
        tag,
    });
    core.emit(Event::Update { session: id });
    core.emit(Event::RemoteDescription {
        session: id,
        kind: DescriptionKind::Offer,
        body: offer,
        early,
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
    let Some(srv) = s.update.as_mut().and_then(|u| u.server.take()) else {
        return Err(SessionError::InvalidState(s.state));
    };
    s.timers.stop(SessionTimer::UpdateAnswer);
    if let Some(l) = leg(s, &srv.tag) {
        let _ = l.oa.local_answer();
        if let Some((kept, _, _)) = l.fork {
            *kept = None;
        }
    }
    if let Some(uas) = s.uas.as_mut() {
        // The 2xx to the INVITE repeats the latest description.
        uas.local_description = Some(body.clone());
    }
    let mut r = core.response(&srv.request, StatusCode::OK, None);
    r.headers.push(HeaderName::Contact, &core.wire.contact);
    body.apply_to_response(&mut r);
    core.send_response(now, srv.txn, r);
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
    let Some(srv) = s.update.as_mut().and_then(|u| u.server.take()) else {
        return Err(SessionError::InvalidState(s.state));
    };
    s.timers.stop(SessionTimer::UpdateAnswer);
    if let Some(l) = leg(s, &srv.tag) {
        l.oa.rollback();
    }
    let r = core.response(&srv.request, status, None);
    core.send_response(now, srv.txn, r);
    Ok(())
}

/// The application did not answer the peer's UPDATE in time: 488.
pub(crate) fn on_answer_timeout(core: &mut Core, s: &mut SessionData, now: Instant) {
    let _ = reject(core, s, now, StatusCode::NOT_ACCEPTABLE_HERE);
}

/// A peer's UPDATE still unanswered when the session ends: 487; a retry
/// of ours is dropped.
pub(crate) fn on_session_ending(core: &mut Core, s: &mut SessionData, now: Instant) {
    let Some(u) = s.update.as_mut() else { return };
    u.retry = None;
    let pending = [
        u.server.take().map(|srv| (srv.txn, srv.request)),
        u.prack_offer.take(),
    ];
    for (txn, req) in pending.into_iter().flatten() {
        let r = core.response(&req, StatusCode::REQUEST_TERMINATED, None);
        core.send_response(now, txn, r);
    }
}
