//! re-INVITE (RFC 3261 §14) in both directions: session modification
//! with or without an offer, glare (§14.1, §14.2: 491 and the randomised
//! retry), 500 with Retry-After for overlapping INVITEs, rollback of the
//! offer/answer state on failure (RFC 6337 §3.3), target refresh (§12.2),
//! and the end of the dialog on 481 or 408 (§12.2.1.2, RFC 5057 §5.1).
//!
//! Our re-INVITE never waits forever: Timer B bounds it until a
//! provisional response (RFC 3261 §17.1.1.2); after one, it is cancelled
//! (§9.1) when `invite_timeout` passes without a final response (the bound
//! of an initial INVITE), or when the session ends, and destroyed 64*T1
//! after the CANCEL if no final response comes. Only a re-INVITE that got
//! no response at all (408 from Timer B) ends the session; a cancelled
//! one ends as 487 and the session stays as it was.
//!
//! The hold helpers are in `hold`.

use super::lifecycle::{send_bye, terminate};
use super::{SessionData, SessionState};
use crate::body::{classify, Body, BodyKind};
use crate::error::SessionError;
use crate::events::{Event, TerminationCause};
use crate::offer_answer::{DescriptionKind, SignalingState};
use crate::timers::SessionTimer;
use crate::user_agent::core::{Core, Link};
use sip_core::auth::{AuthSession, DigestClient};
use sip_core::header::{Contact, HeaderName};
use sip_core::message::{Request, Response};
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::TransactionId;
use sip_core::Headers;

mod server;
pub(crate) use server::{accept, on_ack, on_cancel, on_request, reject, take_unacked};

/// Options of [`SessionMut::invite`](crate::SessionMut::invite).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ReinviteOptions {
    /// The new offer. `None` sends the re-INVITE without one: the peer
    /// offers in its 2xx and the answer goes in the ACK (requested with
    /// [`Event::DescriptionRequested`](crate::Event::DescriptionRequested)).
    pub body: Option<Body>,
    /// Headers added to the re-INVITE.
    pub extra_headers: Vec<(HeaderName, String)>,
}

/// Whether our re-INVITE is being given up (RFC 3261 §9.1).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cancel {
    None,
    /// To be cancelled once a provisional response arrives.
    Held,
    /// CANCEL sent; the final response is awaited for 64*T1.
    Sent,
}

/// Our re-INVITE.
pub(crate) struct Client {
    txn: TransactionId,
    /// A provisional response arrived: the transaction is in Proceeding
    /// and may be cancelled (§9.1).
    provisional: bool,
    cancel: Cancel,
    /// Its session ended and [`on_terminated`] did what it does.
    orphaned: bool,
    request: Request,
    seq: u32,
    offered: bool,
    opts: ReinviteOptions,
    /// A final response arrived.
    done: bool,
    /// The 2xx carried an offer: the ACK waits for the application's answer.
    awaiting_answer: bool,
    /// The ACK sent, re-sent on 2xx retransmissions.
    ack: Option<Request>,
    auth: AuthSession,
    digest: Option<DigestClient>,
}

/// The peer's re-INVITE.
pub(crate) struct Server {
    txn: TransactionId,
    /// Until it is answered.
    request: Option<Request>,
    seq: u32,
    offered: bool,
    /// The 2xx sent, retransmitted until the ACK (§13.3.1.4).
    ok: Option<Response>,
    interval: Duration,
}

/// re-INVITE data of a session, both directions.
#[derive(Default)]
pub(crate) struct ReinviteData {
    pub(crate) client: Option<Client>,
    pub(crate) server: Option<Server>,
    /// Our re-INVITE got 491 and waits for the §14.1 delay.
    retry: Option<ReinviteOptions>,
    /// Delays waited in a row because another INVITE transaction was
    /// still in progress when the retry was due.
    deferrals: u8,
}

/// How many times a 491 retry waits for another INVITE transaction of the
/// dialog to finish before giving up.
pub(crate) const MAX_DEFERRALS: u8 = 5;

/// The §14.1 delay: 2.1-4 s for the owner of the Call-ID (the side that
/// sent the initial INVITE), 0-2 s for the other, in units of 10 ms.
pub(crate) fn glare_delay(core: &mut Core, owner: bool) -> Duration {
    let ms = if owner {
        2100 + 10 * core.tokens.below(191)
    } else {
        10 * core.tokens.below(201)
    };
    Duration::from_millis(ms)
}

impl ReinviteData {
    pub(crate) fn memory_usage(&self) -> usize {
        core::mem::size_of::<Self>() + if self.client.is_some() { 512 } else { 0 }
    }
}

/// True for the timers this module owns.
pub(crate) fn owns_timer(t: SessionTimer) -> bool {
    matches!(
        t,
        SessionTimer::ReinviteRetry
            | SessionTimer::ReinviteTimeout
            | SessionTimer::ReinviteCancelWait
            | SessionTimer::ReinviteRetransmit2xx
            | SessionTimer::ReinviteAckWait
            | SessionTimer::ReinviteAnswer
            | SessionTimer::UpdateAnswer
            | SessionTimer::UpdateRetry
            | SessionTimer::SessionRefresh
            | SessionTimer::SessionExpiry
    )
}

/// True while an INVITE transaction of the dialog is in progress in
/// either direction (RFC 3261 §14.1), the initial one included.
pub(crate) fn in_progress(s: &SessionData) -> bool {
    if s.uas.is_some() || s.uac.as_ref().is_some_and(|u| u.pending.is_some()) {
        return true;
    }
    let Some(r) = s.reinvite.as_deref() else {
        return false;
    };
    // The peer's re-INVITE counts until answered, and after a 2xx only
    // while that 2xx's offer waits for its answer in the ACK (the server
    // transaction itself ends with the 2xx, RFC 3261 §17.2.1).
    r.client
        .as_ref()
        .is_some_and(|c| !c.done || c.awaiting_answer)
        || r.server.as_ref().is_some_and(|srv| {
            srv.request.is_some()
                || (!srv.offered && s.oa.state() == SignalingState::HaveLocalOffer)
        })
}

fn data(s: &mut SessionData) -> &mut ReinviteData {
    s.reinvite.get_or_insert_with(Default::default)
}

/// `invite()`: a re-INVITE in the confirmed dialog (RFC 3261 §14.1).
pub(crate) fn send(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    opts: ReinviteOptions,
) -> Result<(), SessionError> {
    if s.state != SessionState::Established {
        return Err(SessionError::InvalidState(s.state));
    }
    if in_progress(s) || s.reinvite.as_ref().is_some_and(|r| r.retry.is_some()) {
        return Err(SessionError::RequestPending);
    }
    if !s.oa.expects_offer() {
        return Err(SessionError::RequestPending);
    }
    let Some(dialog) = s.dialog.as_mut() else {
        return Err(SessionError::InvalidState(s.state));
    };
    let (mut req, seq) = dialog.next_request(Method::Invite);
    req.headers.push(HeaderName::Contact, &core.wire.contact);
    req.headers.push(HeaderName::Allow, &core.wire.allow);
    for (n, v) in &opts.extra_headers {
        req.headers.push(n.clone(), v);
    }
    core.decorate_request(&mut req);
    if let Some(b) = &opts.body {
        b.apply_to_request(&mut req);
    }
    let (txn, _) = core.send_request(now, req.clone(), Link::Reinvite(s.id))?;
    dialog.commit_local_seq(seq);
    if opts.body.is_some() {
        let _ = s.oa.local_offer();
    }
    let offered = opts.body.is_some();
    let auth = AuthSession::with_config(core.cfg.auth);
    let r = data(s);
    r.client = Some(Client {
        txn,
        provisional: false,
        cancel: Cancel::None,
        orphaned: false,
        request: req,
        seq,
        offered,
        opts,
        done: false,
        awaiting_answer: false,
        ack: None,
        auth,
        digest: None,
    });
    let at = now + core.cfg.invite_timeout;
    core.arm(s, SessionTimer::ReinviteTimeout, at);
    Ok(())
}

/// A response to our re-INVITE.
pub(crate) fn on_response(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    resp: Response,
) {
    let Some(c) = s.reinvite.as_mut().and_then(|r| r.client.as_mut()) else {
        return;
    };
    if c.txn != txn {
        return;
    }
    let status = resp.status;
    if status.as_u16() < 200 {
        // SIP.js ignores provisional responses to a re-INVITE; here they
        // make it cancellable (§9.1), and a held CANCEL goes.
        if !c.done {
            c.provisional = true;
            if c.cancel == Cancel::Held {
                send_cancel(core, s, now);
            }
        }
        return;
    }
    if c.done {
        // A retransmitted 2xx: the same ACK again (§13.2.2.4).
        if status.is_success() {
            if let Some(ack) = c.ack.clone() {
                let _ = core.send_ack(now, ack);
            }
        }
        return;
    }
    s.timers.stop(SessionTimer::ReinviteTimeout);
    s.timers.stop(SessionTimer::ReinviteCancelWait);
    if s.state == SessionState::Terminated {
        // RFC 3261 §13.2.2.4: every 2xx gets its ACK, even once the
        // session is over (its BYE is sent or received already).
        c.done = true;
        if status.is_success() {
            if let Some(d) = s.dialog.as_ref() {
                let ack = d.ack(c.seq);
                let _ = core.send_ack(now, ack);
            }
        }
        return;
    }
    if status.is_success() {
        on_2xx(core, s, now, resp);
        return;
    }
    if matches!(status.as_u16(), 401 | 407) && retry_with_auth(core, s, now, &resp) {
        return;
    }
    on_failure_status(core, s, now, status);
}

/// Our re-INVITE got no response (Timer B, transport error).
pub(crate) fn on_failure(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    status: StatusCode,
) {
    let Some(c) = s.reinvite.as_mut().and_then(|r| r.client.as_mut()) else {
        return;
    };
    if c.txn != txn || c.done || s.state == SessionState::Terminated {
        return;
    }
    on_failure_status(core, s, now, status);
}

fn on_failure_status(core: &mut Core, s: &mut SessionData, now: Instant, status: StatusCode) {
    let Some(r) = s.reinvite.as_mut() else { return };
    let Some(c) = r.client.as_mut() else { return };
    c.done = true;
    s.timers.stop(SessionTimer::ReinviteTimeout);
    s.timers.stop(SessionTimer::ReinviteCancelWait);
    let opts = c.opts.clone();
    // RFC 6337 §3.3: a failed re-INVITE leaves the session as it was.
    s.oa.rollback();
    match status.as_u16() {
        // §14.1 glare: retry after a random delay, 2.1-4 s for the owner
        // of the Call-ID (the side that sent the initial INVITE), 0-2 s
        // for the other, in units of 10 ms.
        491 => {
            r.retry = Some(opts);
            r.deferrals = 0;
            let delay = glare_delay(core, s.is_inviter);
            core.arm(s, SessionTimer::ReinviteRetry, now + delay);
        }
        // §12.2.1.2: the dialog is gone (481), or the peer did not answer
        // at all (408 from Timer B, or its own 408): RFC 5057 §5.1 limits
        // the end to the usage the request belongs to, which for a
        // re-INVITE is the invite usage, the session itself.
        481 | 408 => {
            core.emit(Event::RequestOutcome {
                session: s.id,
                method: Method::Invite,
                status,
            });
            lose_dialog(core, s, now, status);
        }
        _ => core.emit(Event::RequestOutcome {
            session: s.id,
            method: Method::Invite,
            status,
        }),
    }
}

/// A request in the dialog got 481 or 408: BYE and the session ends
/// (RFC 3261 §12.2.1.2; the BYE may well get 481 too).
pub(crate) fn lose_dialog(core: &mut Core, s: &mut SessionData, now: Instant, status: StatusCode) {
    if s.state == SessionState::Terminated {
        return;
    }
    if let Some(d) = s.dialog.as_mut() {
        let _ = send_bye(core, now, d, None, &[]);
    }
    end_pending(core, s, now);
    terminate(core, s, TerminationCause::DialogLost(status));
}

fn retry_with_auth(core: &mut Core, s: &mut SessionData, now: Instant, resp: &Response) -> bool {
    let Some(creds) = core.cfg.credentials.clone() else {
        return false;
    };
    let Some(dialog) = s.dialog.as_mut() else {
        return false;
    };
    let Some(c) = s.reinvite.as_mut().and_then(|r| r.client.as_mut()) else {
        return false;
    };
    let digest = c.digest.get_or_insert_with(|| DigestClient::new(creds));
    let uri = c.request.uri.to_string();
    let Ok(auths) = c.auth.handle_challenge(
        digest,
        &resp.headers,
        &Method::Invite,
        &uri,
        &c.request.body,
        &mut core.tokens,
    ) else {
        return false;
    };
    // RFC 3261 §22.2: the same request with credentials and a new CSeq.
    let seq = dialog.next_seq();
    let mut req = c.request.clone();
    req.headers.set(HeaderName::CSeq, format!("{seq} INVITE"));
    req.headers.remove(&HeaderName::Via);
    sip_core::auth::apply_all(&mut req.headers, &auths);
    let id = s.id;
    match core.send_request(now, req.clone(), Link::Reinvite(id)) {
        Ok((txn, _)) => {
            dialog.commit_local_seq(seq);
            c.txn = txn;
            c.seq = seq;
            c.request = req;
            true
        }
        Err(_) => false,
    }
}

/// Target refresh from a 2xx's Contact (RFC 3261 §12.2.1.2).
fn refresh_target(s: &mut SessionData, headers: &Headers) {
    let Some(Ok(contact)) = headers.typed::<Contact>() else {
        return;
    };
    if let (Some(a), Some(d)) = (contact.address(), s.dialog.as_mut()) {
        d.set_remote_target(a.uri.clone());
    }
}

fn on_2xx(core: &mut Core, s: &mut SessionData, now: Instant, resp: Response) {
    refresh_target(s, &resp.headers);
    let cfg = &core.cfg;
    let body = classify(&resp.headers, &resp.body, |ct| cfg.accepts_content_type(ct));
    let Some(c) = s.reinvite.as_mut().and_then(|r| r.client.as_mut()) else {
        return;
    };
    c.done = true;
    let offered = c.offered;
    match (offered, body) {
        (true, BodyKind::Session(b)) => {
            let _ = s.oa.remote_answer();
            send_ack(core, s, now, None);
            core.emit(Event::RemoteDescription {
                session: s.id,
                kind: DescriptionKind::Answer,
                body: b,
                early: false,
            });
            core.emit(Event::RequestOutcome {
                session: s.id,
                method: Method::Invite,
                status: resp.status,
            });
        }
        (false, BodyKind::Session(b)) => {
            let _ = s.oa.remote_offer();
            c.awaiting_answer = true;
            core.emit(Event::RemoteDescription {
                session: s.id,
                kind: DescriptionKind::Offer,
                body: b,
                early: false,
            });
            core.emit(Event::DescriptionRequested {
                session: s.id,
                kind: DescriptionKind::Answer,
            });
            let at = now + core.cfg.request_answer_timeout;
            core.arm(s, SessionTimer::ReinviteAnswer, at);
        }
        // SIP.js: a 2xx without the needed description: ACK, BYE (400).
        _ => {
            s.oa.rollback();
            send_ack(core, s, now, None);
            fail_session(
                core,
                s,
                now,
                StatusCode::BAD_REQUEST,
                "Missing session description",
            );
        }
    }
}

fn fail_session(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    status: StatusCode,
    text: &str,
) {
    if let Some(d) = s.dialog.as_mut() {
        let _ = send_bye(core, now, d, Some((status, text)), &[]);
    }
    end_pending(core, s, now);
    terminate(core, s, TerminationCause::Description(status));
}

fn send_ack(core: &mut Core, s: &mut SessionData, now: Instant, body: Option<&Body>) {
    let Some(d) = s.dialog.as_ref() else { return };
    let Some(c) = s.reinvite.as_mut().and_then(|r| r.client.as_mut()) else {
        return;
    };
    let mut ack = d.ack(c.seq);
    for name in [HeaderName::Authorization, HeaderName::ProxyAuthorization] {
        for v in c.request.headers.get_all(&name) {
            ack.headers.push(name.clone(), v);
        }
    }
    if let Some(b) = body {
        b.apply_to_request(&mut ack);
    }
    if let Ok(sent) = core.send_ack(now, ack) {
        c.ack = Some(sent);
    }
}

/// True when the session waits for the answer to go in the ACK of our
/// re-INVITE.
pub(crate) fn awaiting_answer(s: &SessionData) -> bool {
    s.reinvite
        .as_ref()
        .and_then(|r| r.client.as_ref())
        .is_some_and(|c| c.awaiting_answer)
}

/// The application's answer to the offer of the 2xx: the ACK carries it.
pub(crate) fn provide_answer(core: &mut Core, s: &mut SessionData, now: Instant, body: Body) {
    if let Some(c) = s.reinvite.as_mut().and_then(|r| r.client.as_mut()) {
        c.awaiting_answer = false;
    }
    s.timers.stop(SessionTimer::ReinviteAnswer);
    let _ = s.oa.local_answer();
    send_ack(core, s, now, Some(&body));
    core.emit(Event::RequestOutcome {
        session: s.id,
        method: Method::Invite,
        status: StatusCode::OK,
    });
}

/// The application refused the offer of the 2xx: ACK, BYE (488).
pub(crate) fn refuse_answer(core: &mut Core, s: &mut SessionData, now: Instant) {
    if let Some(c) = s.reinvite.as_mut().and_then(|r| r.client.as_mut()) {
        c.awaiting_answer = false;
    }
    s.timers.stop(SessionTimer::ReinviteAnswer);
    s.oa.rollback();
    send_ack(core, s, now, None);
    fail_session(
        core,
        s,
        now,
        StatusCode::NOT_ACCEPTABLE_HERE,
        "Session description refused",
    );
}

/// Our re-INVITE's client transaction ended.
pub(crate) fn on_client_ended(s: &mut SessionData, txn: TransactionId) {
    let Some(r) = s.reinvite.as_mut() else { return };
    if r.client
        .as_ref()
        .is_some_and(|c| c.txn == txn && !c.awaiting_answer)
    {
        if r.client.as_ref().is_some_and(|c| !c.done) {
            s.oa.rollback();
        }
        r.client = None;
    }
}

/// Ends a re-INVITE of the peer still unanswered when the session ends
/// (487, RFC 3261 §15.1.2 by analogy with the initial INVITE). A 2xx
/// already sent stays, for `lifecycle::terminate` to hand over: it is
/// retransmitted until its ACK (§13.3.1.4).
pub(crate) fn on_session_ending(core: &mut Core, s: &mut SessionData, now: Instant) {
    let Some(r) = s.reinvite.as_mut() else { return };
    if r.server.as_ref().is_some_and(|srv| srv.request.is_some()) {
        let srv = r.server.take().expect("checked");
        let req = srv.request.expect("checked");
        let tag = s.dialog.as_ref().map(|d| d.local_tag().to_owned());
        let resp = core.response(&req, StatusCode::REQUEST_TERMINATED, tag.as_deref());
        core.send_response(now, srv.txn, resp);
    }
    r.retry = None;
    // Our re-INVITE's 2xx whose offer waited for the application's
    // answer: ACK it now, without one (§13.2.2.4: every 2xx is ACKed).
    if r.client.as_ref().is_some_and(|c| c.awaiting_answer) {
        if let Some(c) = r.client.as_mut() {
            c.awaiting_answer = false;
        }
        s.timers.stop(SessionTimer::ReinviteAnswer);
        s.oa.rollback();
        send_ack(core, s, now, None);
    }
}

/// Both pending server requests of the peer (re-INVITE, UPDATE) get 487
/// when the session ends, and our re-INVITE's 2xx waiting for an answer
/// gets its ACK.
pub(crate) fn end_pending(core: &mut Core, s: &mut SessionData, now: Instant) {
    on_session_ending(core, s, now);
    super::update::on_session_ending(core, s, now);
}

/// The session ended with our re-INVITE still without a final response
/// (called after `lifecycle::terminate`, which stopped the session's
/// timers; acts once): cancel it now if a provisional response came (RFC
/// 3261 §9.1), else give the peer 64*T1 more before cancelling (a 2xx
/// racing the BYE, often right behind its 100, is ACKed; Timer B ends the
/// transaction meanwhile if nothing at all arrives). The ended session is
/// kept until the transaction ends (`UserAgent::reap`).
pub(crate) fn on_terminated(core: &mut Core, s: &mut SessionData, now: Instant) {
    let Some(c) = s.reinvite.as_mut().and_then(|r| r.client.as_mut()) else {
        return;
    };
    if c.done || c.orphaned {
        return;
    }
    c.orphaned = true;
    let wait = now + core.t1x64();
    match (c.cancel, c.provisional) {
        (Cancel::Sent, _) => core.arm(s, SessionTimer::ReinviteCancelWait, wait),
        (_, true) => send_cancel(core, s, now),
        (Cancel::None, false) => core.arm(s, SessionTimer::ReinviteTimeout, wait),
        (Cancel::Held, false) => {}
    }
}

/// True while our re-INVITE's client transaction is alive: its ended
/// session is kept until then to ACK a 2xx and cancel it (§9.1).
pub(crate) fn client_alive(core: &Core, s: &SessionData) -> bool {
    s.reinvite
        .as_ref()
        .and_then(|r| r.client.as_ref())
        .is_some_and(|c| {
            matches!(
                core.links.get(&c.txn),
                Some(crate::user_agent::core::Link::Reinvite(_))
            )
        })
}

/// Gives up our re-INVITE (RFC 3261 §9.1): the CANCEL goes once a
/// provisional response arrived (held until then), and the final response
/// is awaited 64*T1.
fn send_cancel(core: &mut Core, s: &mut SessionData, now: Instant) {
    let Some(c) = s.reinvite.as_mut().and_then(|r| r.client.as_mut()) else {
        return;
    };
    if c.done || c.cancel == Cancel::Sent {
        return;
    }
    c.cancel = Cancel::Held;
    if !c.provisional {
        return;
    }
    if let Ok(id) = core.txn.cancel(now, c.txn) {
        core.link(id, Link::Detached);
    }
    c.cancel = Cancel::Sent;
    s.timers.stop(SessionTimer::ReinviteTimeout);
    let at = now + core.t1x64();
    core.arm(s, SessionTimer::ReinviteCancelWait, at);
}

/// No final response 64*T1 after the CANCEL: the re-INVITE is considered
/// cancelled and its transaction destroyed (RFC 3261 §9.1). A live
/// session is told 487 and stays as it was (RFC 6337 §3.3 rollback).
fn abandon(core: &mut Core, s: &mut SessionData) {
    let Some(r) = s.reinvite.as_mut() else { return };
    let Some(c) = r.client.as_ref() else { return };
    if c.done || c.cancel != Cancel::Sent {
        return;
    }
    let txn = c.txn;
    r.client = None;
    core.links.insert(txn, Link::Abandoned);
    core.txn.abandon(txn);
    if s.state != SessionState::Terminated {
        s.oa.rollback();
        core.emit(Event::RequestOutcome {
            session: s.id,
            method: Method::Invite,
            status: StatusCode::REQUEST_TERMINATED,
        });
    }
}

/// A timer of this module fired.
pub(crate) fn on_timer(core: &mut Core, s: &mut SessionData, now: Instant, t: SessionTimer) {
    match t {
        // These two run in an ended session too.
        SessionTimer::ReinviteTimeout => return send_cancel(core, s, now),
        SessionTimer::ReinviteCancelWait => return abandon(core, s),
        _ => {}
    }
    if s.state == SessionState::Terminated {
        return;
    }
    match t {
        SessionTimer::ReinviteRetry => {
            let busy = in_progress(s);
            let Some(r) = s.reinvite.as_mut() else { return };
            let Some(opts) = r.retry.take() else { return };
            // The peer's re-INVITE (sent during our wait) still in
            // progress: wait again.
            if busy && r.deferrals < MAX_DEFERRALS {
                r.deferrals += 1;
                r.retry = Some(opts);
                let delay = glare_delay(core, s.is_inviter);
                core.arm(s, SessionTimer::ReinviteRetry, now + delay);
                return;
            }
            if send(core, s, now, opts).is_err() {
                core.emit(Event::RequestOutcome {
                    session: s.id,
                    method: Method::Invite,
                    status: StatusCode::REQUEST_PENDING,
                });
            }
        }
        SessionTimer::ReinviteRetransmit2xx => {
            let t2 = core.cfg.transaction.t2;
            let Some(srv) = s.reinvite.as_mut().and_then(|r| r.server.as_mut()) else {
                return;
            };
            let Some(ok) = srv.ok.clone() else { return };
            srv.interval = (srv.interval * 2).min(t2);
            let next = now + srv.interval;
            let txn = srv.txn;
            core.send_response(now, txn, ok);
            core.arm(s, SessionTimer::ReinviteRetransmit2xx, next);
        }
        SessionTimer::ReinviteAckWait => {
            s.timers.stop(SessionTimer::ReinviteRetransmit2xx);
            if let Some(r) = s.reinvite.as_mut() {
                r.server = None;
            }
            if let Some(d) = s.dialog.as_mut() {
                let _ = send_bye(core, now, d, None, &[]);
            }
            end_pending(core, s, now);
            terminate(core, s, TerminationCause::AckTimeout);
        }
        SessionTimer::UpdateAnswer => super::update::on_answer_timeout(core, s, now),
        SessionTimer::UpdateRetry => super::update::on_retry(core, s, now),
        SessionTimer::SessionRefresh | SessionTimer::SessionExpiry => {
            super::session_timer::on_timer(core, s, now, t)
        }
        SessionTimer::ReinviteAnswer => {
            if awaiting_answer(s) {
                refuse_answer(core, s, now);
            } else if s
                .reinvite
                .as_ref()
                .and_then(|r| r.server.as_ref())
                .is_some_and(|srv| srv.request.is_some())
            {
                let _ = reject(core, s, now, StatusCode::NOT_ACCEPTABLE_HERE);
            }
        }
        _ => {}
    }
}
