//! The UAS role (SIP.js `Invitation`): a new INVITE, `progress`, `accept`,
//! `reject`, 2xx retransmission until the ACK (RFC 3261 §13.3.1.4),
//! CANCEL (§9.2), the no-answer and Expires timers.

use super::invite_lines::{DialogLines, InviteLines};
use super::lifecycle::{self, set_state, terminate};
use super::reliable::{self, Outstanding};
use super::uas_response::{dialog_response, dialog_response_from, response_2xx, ROOM_2XX};
use super::{Identities, SessionData, SessionState};
use crate::body::{classify, classify_lines, Body, BodyKind};
use crate::error::SessionError;
use crate::events::{Event, TerminationCause};
use crate::ids::SessionId;
use crate::offer_answer::{DescriptionKind, SignalingState};
use crate::timers::SessionTimer;
use crate::user_agent::core::{Core, Link};
use crate::user_agent::pending_ack::Unacked;
use sip_core::dialog::{Dialog, KnownTags};
use sip_core::header::{option_tag, CSeq, Expires, HeaderName, PAssertedIdentity, TypedHeader};
use sip_core::message::{Request, Response};
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::TransactionId;
use sip_core::transport::{Source, Transport};

/// Options of [`InvitationMut::accept`](crate::InvitationMut::accept).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct AcceptOptions {
    /// The session description: the answer to the INVITE's offer, or the
    /// offer when the INVITE had none. May be omitted once offer and
    /// answer were exchanged in reliable provisional responses (the last
    /// description sent is repeated).
    pub body: Option<Body>,
    /// Headers added to the 2xx.
    pub extra_headers: Vec<(HeaderName, String)>,
}

/// Options of [`InvitationMut::progress`](crate::InvitationMut::progress).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProgressOptions {
    /// The status, 101-199 (default 180; 100 re-sends 100 Trying).
    pub status: StatusCode,
    /// The reason phrase, if not the default.
    pub reason: Option<String>,
    /// A session description (early media: the answer, or an offer).
    pub body: Option<Body>,
    /// Ask for a reliable response (RFC 3262); granted when the caller
    /// supports 100rel (and forced when it requires it).
    pub reliable: bool,
    /// Headers added to the response.
    pub extra_headers: Vec<(HeaderName, String)>,
}

impl Default for ProgressOptions {
    fn default() -> Self {
        ProgressOptions {
            status: StatusCode::RINGING,
            reason: None,
            body: None,
            reliable: false,
            extra_headers: Vec::new(),
        }
    }
}

/// Options of [`InvitationMut::reject`](crate::InvitationMut::reject).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RejectOptions {
    /// The status, 300-699 (default 480 Temporarily Unavailable).
    pub status: StatusCode,
    /// The reason phrase, if not the default.
    pub reason: Option<String>,
    /// Headers added to the response.
    pub extra_headers: Vec<(HeaderName, String)>,
}

impl Default for RejectOptions {
    fn default() -> Self {
        RejectOptions {
            status: StatusCode::TEMPORARILY_UNAVAILABLE,
            reason: None,
            extra_headers: Vec::new(),
        }
    }
}

/// The caller's stance on 100rel (RFC 3262 §3).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Rel100 {
    None,
    Supported,
    Required,
}

/// UAS data, dropped once the ACK arrives.
pub(crate) struct InvitationData {
    /// The INVITE, until the final response is sent.
    pub invite: Option<Box<Request>>,
    pub invite_seq: u32,
    /// Where the lines the dialog is created from are in `invite`.
    pub dialog_lines: DialogLines,
    /// Whether `invite_seq` was read from the INVITE's CSeq (it is 0
    /// when that did not parse): dialog creation then takes it instead of
    /// reading it again.
    pub seq_read: bool,
    pub txn: TransactionId,
    pub over_tls: bool,
    pub rel100: Rel100,
    pub reliable: Option<Outstanding>,
    pub next_rseq: u32,
    /// The RSeq of the first reliable provisional response (RFC 3262 §3:
    /// chosen at random), to tell how many went out.
    pub first_rseq: u32,
    pub pending_accept: Option<AcceptOptions>,
    /// The 100 (Trying), then the last plain provisional response sent
    /// (no reason phrase, body or extra lines, not reliable): the next
    /// dialog response starts from its lines instead of copying them from
    /// the INVITE again (`uas_response::dialog_response_from`).
    pub base: Option<Response>,
    /// The 2xx, retransmitted until the ACK.
    pub ok: Option<Response>,
    pub ok_interval: Duration,
    pub local_description: Option<Body>,
    pub final_sent: bool,
}

impl InvitationData {
    /// True between the 2xx and its ACK.
    pub(crate) fn awaiting_ack(&self) -> bool {
        self.ok.is_some()
    }

    /// True once the PRACK of a reliable provisional response arrived
    /// (RFC 3262 §3): the caller holds the early dialog. Only one reliable
    /// response is outstanding at a time, so a second one sent means the
    /// first was acknowledged.
    pub(crate) fn reliable_acked(&self) -> bool {
        match self.next_rseq.wrapping_sub(self.first_rseq) {
            0 => false,
            1 => self.reliable.is_none(),
            _ => true,
        }
    }

    pub(crate) fn memory_usage(&self) -> usize {
        fn req(r: &Request) -> usize {
            r.headers.iter().map(|h| h.value.len() + 40).sum::<usize>() + r.body.len() + 64
        }
        core::mem::size_of::<Self>()
            + self.invite.as_deref().map_or(0, req)
            + [&self.ok, &self.base]
                .into_iter()
                .flatten()
                .map(|r| r.headers.iter().map(|h| h.value.len() + 40).sum::<usize>() + r.body.len())
                .sum::<usize>()
            + self
                .local_description
                .as_ref()
                .map_or(0, |b| b.content.len())
            + self.reliable.as_ref().map_or(0, Outstanding::memory_usage)
    }
}

/// A new INVITE (no To tag) in server transaction `txn`: 100 (Trying) at
/// once, the checks that end in a rejection, and the new Invitation,
/// built in `slot` with the id `id`; `None` (the slot left empty) when
/// the INVITE was answered already (rejected).
pub(crate) fn create<'s>(
    core: &mut Core,
    now: Instant,
    (id, slot): (SessionId, &'s mut Option<SessionData>),
    live_sessions: usize,
    txn: TransactionId,
    req: Box<Request>,
    source: &Source,
) -> Option<&'s mut SessionData> {
    // The INVITE's lines read in the pass that copies them into the 100.
    let (trying, lines) = super::uas_response::trying_reading(core, &req);
    core.send_response(now, txn, &trying);
    debug_assert!(lines == InviteLines::of(&req.headers));
    let (to, from, from_tag) = match lines.identities() {
        Some(x) => x,
        None => {
            core.reply(now, txn, &req, StatusCode::BAD_REQUEST);
            return None;
        }
    };
    if !lines.contact {
        // SIP.js: an INVITE without Contact is answered 400 (RFC 3261
        // §8.1.1.8 makes it mandatory).
        core.reply(now, txn, &req, StatusCode::BAD_REQUEST);
        return None;
    }
    let cfg = &core.cfg;
    let disposition = lines
        .disposition
        .then(|| req.headers.get(&HeaderName::ContentDisposition))
        .flatten();
    let body = classify_lines(lines.content_type, disposition, &req.body, |ct| {
        cfg.accepts_content_type(ct)
    });
    if body == BodyKind::Unsupported {
        core.reply(now, txn, &req, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        return None;
    }
    if live_sessions >= core.cfg.max_sessions {
        core.reply(now, txn, &req, StatusCode::SERVICE_UNAVAILABLE);
        return None;
    }
    if !core.cfg.accept_invites {
        core.reply(now, txn, &req, StatusCode::BUSY_HERE);
        return None;
    }
    let has = |name: HeaderName| {
        req.headers
            .values(&name)
            .any(|t| t.eq_ignore_ascii_case(option_tag::REL100))
    };
    let rel100 = if lines.supported && has(HeaderName::Supported) {
        Rel100::Supported
    } else if lines.require && has(HeaderName::Require) {
        Rel100::Required
    } else {
        Rel100::None
    };
    // As `key::cseq`: the first CSeq line, parsed.
    let read_seq = lines.cseq.and_then(|v| CSeq::parse(v).ok()).map(|c| c.seq);
    let invite_seq = read_seq.unwrap_or(0);
    let dialog_lines = lines.dialog;
    // The To tag of our responses is drawn with the identities (the first
    // token this INVITE draws, before the first RSeq, RFC 3262 §3).
    let identities = Identities::with_tag(to, from, from_tag, &mut core.tokens);
    let s = slot.insert(SessionData::new(id, false, identities));
    if lines.asserted {
        s.asserted_identity = req
            .headers
            .typed::<PAssertedIdentity>()
            .and_then(Result::ok)
            .map(|p| p.0.to_string().into());
    }
    let offer = match body {
        BodyKind::Session(b) => {
            let _ = s.oa.remote_offer();
            Some(b)
        }
        _ => None,
    };
    let expires = if lines.expires {
        req.headers.typed::<Expires>().and_then(Result::ok)
    } else {
        None
    };
    let over_tls = matches!(source.transport, Transport::Tls | Transport::Wss);
    let first_rseq = 1 + core.tokens.below(1 << 30) as u32;
    // Allocated first, then written: the data is built where it goes
    // (`Box::new` builds it on the stack and copies it over).
    s.uas = Some(Box::write(
        Box::new_uninit(),
        InvitationData {
            invite: Some(req),
            invite_seq,
            dialog_lines,
            seq_read: read_seq.is_some(),
            txn,
            over_tls,
            rel100,
            reliable: None,
            next_rseq: first_rseq,
            first_rseq,
            pending_accept: None,
            base: Some(trying),
            ok: None,
            ok_interval: core.cfg.transaction.t1,
            local_description: None,
            final_sent: false,
        },
    ));
    core.links.insert(txn, Link::InviteServer(id));
    let no_answer = now + core.cfg.no_answer_timeout;
    core.arm(s, SessionTimer::NoAnswer, no_answer);
    if let Some(e) = expires {
        core.arm(
            s,
            SessionTimer::Expires,
            now + Duration::from_secs(u64::from(e.0)),
        );
    }
    core.emit(Event::Invitation { session: id });
    if let Some(body) = offer {
        core.emit(Event::RemoteDescription {
            session: id,
            kind: DescriptionKind::Offer,
            body,
            early: true,
        });
    }
    if core.cfg.send_initial_provisional && rel100 != Rel100::Required {
        let _ = progress(core, s, now, ProgressOptions::default());
    }
    Some(s)
}

/// Creates the UAS dialog (early) on the first tagged response.
fn ensure_dialog(core: &mut Core, s: &mut SessionData) {
    if s.dialog.is_some() {
        return;
    }
    let Some(u) = s.uas.as_ref() else { return };
    let Some(invite) = u.invite.as_deref() else {
        return;
    };
    let known = KnownTags {
        from: s.identities.invite_from_tag(),
        to: None,
        seq: u.seq_read.then_some(u.invite_seq),
    };
    let lines = u.dialog_lines.known(&invite.headers);
    // Built in place in the session (a dialog is over 400 bytes).
    let tag = s.identities.tag();
    if let Ok(d) = Dialog::new_uas_in(&mut s.dialog, invite, tag, u.over_tls, known, lines) {
        core.dialogs.insert(d.id().clone(), s.id);
    }
}

/// `progress()`: only in Initial; 101-199 (100 re-sends 100 Trying).
pub(crate) fn progress(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    opts: ProgressOptions,
) -> Result<(), SessionError> {
    if s.state != SessionState::Initial {
        return Err(SessionError::InvalidState(s.state));
    }
    let code = opts.status.as_u16();
    if !(100..200).contains(&code) {
        return Err(SessionError::InvalidStatus(code));
    }
    let Some(u) = s.uas.as_ref() else {
        return Err(SessionError::InvalidState(s.state));
    };
    if code == 100 {
        if let Some(invite) = &u.invite {
            let r = core.response(invite, StatusCode::TRYING, None);
            let txn = u.txn;
            core.send_response(now, txn, r);
        }
        return Ok(());
    }
    if u.reliable.is_some() {
        // SIP.js: only one reliable provisional response outstanding;
        // further calls are ignored until the PRACK.
        return Ok(());
    }
    let reliable = match u.rel100 {
        // A caller requiring 100rel was refused 420 unless it is supported.
        Rel100::Required => true,
        Rel100::Supported => {
            core.cfg.rel100.is_supported()
                && (opts.reliable || core.cfg.rel100 == crate::config::ExtensionSupport::Required)
        }
        Rel100::None => false,
    };
    // Offer/answer: a reliable response's body is an offer or answer
    // (RFC 3262 §5); an unreliable one's answer is only a preview that the
    // 2xx repeats (RFC 3261 §13.3.1.1 / RFC 6337 §3.1).
    let mut oa = s.oa;
    if reliable && opts.body.is_some() && oa.send().is_err() {
        return Err(SessionError::DescriptionRequired(s.oa.state()));
    }
    // Without an INVITE there is neither dialog nor response.
    ensure_dialog(core, s);
    let plain =
        !reliable && opts.reason.is_none() && opts.body.is_none() && opts.extra_headers.is_empty();
    let base = if plain {
        s.uas.as_mut().and_then(|u| u.base.take())
    } else {
        None
    };
    let Some(invite) = s.uas.as_ref().and_then(|u| u.invite.as_deref()) else {
        return Err(SessionError::InvalidState(s.state));
    };
    // Room for Require and RSeq; a plain one is kept for the 2xx: room
    // for what the 2xx adds.
    let mut r = if plain {
        let record_route = s
            .uas
            .as_ref()
            .is_some_and(|u| u.dialog_lines.record_route());
        dialog_response_from(
            core,
            invite,
            s.identities.tag(),
            base,
            opts.status,
            &[],
            ROOM_2XX,
            record_route,
        )
    } else {
        dialog_response(
            core,
            invite,
            s.identities.tag(),
            opts.status,
            &opts.extra_headers,
            2,
        )
    };
    if let Some(reason) = &opts.reason {
        r.reason = reason.clone().into();
    }
    if let Some(b) = &opts.body {
        b.apply_to_response(&mut r);
    }
    s.oa = oa;
    let u = s.uas.as_mut().expect("checked above");
    if opts.body.is_some() {
        u.local_description.clone_from(&opts.body);
    }
    let txn = u.txn;
    if reliable {
        let rseq = u.next_rseq;
        u.next_rseq = u.next_rseq.wrapping_add(1);
        r.headers.push(HeaderName::Require, option_tag::REL100);
        r.headers.push(HeaderName::RSeq, rseq.to_string());
        u.reliable = Some(Outstanding::new(
            r.clone(),
            rseq,
            u.invite_seq,
            core.cfg.transaction.t1,
        ));
        core.arm(
            s,
            SessionTimer::Retransmit1xx,
            now + core.cfg.transaction.t1,
        );
        let wait = now + core.t1x64();
        core.arm(s, SessionTimer::PrackWait, wait);
    }
    core.send_response(now, txn, &r);
    if plain {
        if let Some(u) = s.uas.as_mut() {
            u.base = Some(r);
        }
    }
    Ok(())
}

/// `accept()`: only in Initial. Needs a description unless offer and
/// answer are complete; waits for an outstanding PRACK.
pub(crate) fn accept(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    opts: AcceptOptions,
) -> Result<(), SessionError> {
    if s.state != SessionState::Initial {
        return Err(SessionError::InvalidState(s.state));
    }
    // RFC 3311: an UPDATE's offer is answered in the UPDATE's 2xx; the
    // INVITE's 2xx waits until that exchange is over.
    if super::update::in_progress(s) {
        return Err(SessionError::RequestPending);
    }
    let oa = s.oa.state();
    // Waiting for the PRACK, or for the answer to its offer (RFC 3262 §5).
    let awaiting_prack =
        s.uas.as_ref().is_some_and(|u| u.reliable.is_some()) || reliable::awaiting_answer(s);
    let needs_body = matches!(
        oa,
        SignalingState::Initial | SignalingState::HaveRemoteOffer
    );
    if needs_body && opts.body.is_none() && !awaiting_prack {
        return Err(SessionError::DescriptionRequired(oa));
    }
    s.timers.stop(SessionTimer::NoAnswer);
    s.timers.stop(SessionTimer::Expires);
    set_state(core, s, SessionState::Establishing);
    if awaiting_prack {
        if let Some(u) = s.uas.as_mut() {
            u.pending_accept = Some(opts);
        }
        return Ok(());
    }
    send_2xx(core, s, now, opts);
    Ok(())
}

/// Sends the 2xx and moves to Established (SIP.js: when the 2xx is sent,
/// not on ACK); starts its retransmission (RFC 3261 §13.3.1.4).
pub(crate) fn send_2xx(core: &mut Core, s: &mut SessionData, now: Instant, opts: AcceptOptions) {
    let mut oa = s.oa;
    let body = match opts.body {
        Some(b) => {
            if matches!(
                oa.state(),
                SignalingState::Initial | SignalingState::HaveRemoteOffer
            ) {
                let _ = oa.send();
            }
            Some(b)
        }
        None => s.uas.as_ref().and_then(|u| u.local_description.clone()),
    };
    if body.is_none()
        && matches!(
            oa.state(),
            SignalingState::Initial | SignalingState::HaveRemoteOffer
        )
    {
        // Only reachable after a PRACK left the exchange incomplete.
        reject_with(core, s, now, StatusCode::NOT_ACCEPTABLE_HERE, None, &[]);
        return;
    }
    ensure_dialog(core, s);
    let Some(u) = s.uas.as_mut() else { return };
    let Some(invite) = u.invite.as_deref() else {
        return;
    };
    let base = u.base.take();
    let record_route = u.dialog_lines.record_route();
    let mut r = response_2xx(
        core,
        invite,
        s.identities.tag(),
        base,
        &opts.extra_headers,
        record_route,
    );
    // Reads Session-Expires and Supported, which stay in the INVITE.
    let timer = super::session_timer::on_uas_2xx(core, invite, &mut r);
    u.invite = None;
    r.headers.push(HeaderName::Allow, &core.wire.allow);
    if let Some(sup) = &core.wire.supported {
        r.headers.push(HeaderName::Supported, sup);
    }
    if let Some(b) = body {
        b.put_into_response(&mut r);
    }
    if let Some(d) = s.dialog.as_mut() {
        d.confirm();
    }
    s.oa = oa;
    s.timers.stop(SessionTimer::NoAnswer);
    s.timers.stop(SessionTimer::Expires);
    let t1 = core.cfg.transaction.t1;
    let u = s.uas.as_mut().expect("invitation data");
    let txn = u.txn;
    u.final_sent = true;
    u.local_description = None;
    u.ok_interval = t1;
    core.send_response(now, txn, &r);
    u.ok = Some(r);
    core.arm(s, SessionTimer::Retransmit2xx, now + t1);
    let wait = now + core.t1x64();
    core.arm(s, SessionTimer::AckWait, wait);
    set_state(core, s, SessionState::Established);
    if let Some(n) = timer {
        super::session_timer::start(core, s, now, n);
    }
    if let Some(replacee) = s.replacee {
        core.deferred
            .push(crate::user_agent::core::Deferred::ByeReplacee(replacee));
    }
}

/// `reject()`: in Initial or Establishing, 300-699.
pub(crate) fn reject(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    opts: RejectOptions,
) -> Result<(), SessionError> {
    if !matches!(s.state, SessionState::Initial | SessionState::Establishing) {
        return Err(SessionError::InvalidState(s.state));
    }
    let code = opts.status.as_u16();
    if !(300..700).contains(&code) {
        return Err(SessionError::InvalidStatus(code));
    }
    reject_with(
        core,
        s,
        now,
        opts.status,
        opts.reason.as_deref(),
        &opts.extra_headers,
    );
    Ok(())
}

/// Sends a final non-2xx and terminates.
pub(crate) fn reject_with(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    status: StatusCode,
    reason: Option<&str>,
    extra: &[(HeaderName, String)],
) {
    send_final(core, s, now, status, reason, extra);
    terminate(core, s, TerminationCause::RejectedLocally(status));
}

/// Sends a final non-2xx to the INVITE, if it has none yet.
pub(crate) fn send_final(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    status: StatusCode,
    reason: Option<&str>,
    extra: &[(HeaderName, String)],
) {
    if let Some(u) = s.uas.as_mut() {
        u.final_sent = true;
    }
    if let Some(u) = s.uas.as_ref() {
        if let Some(invite) = &u.invite {
            let tag = s.identities.tag();
            let mut r = core.invite_response(invite, status, tag, 1 + extra.len());
            if let Some(reason) = reason {
                r.reason = reason.to_owned().into();
            }
            if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                r.headers.push(HeaderName::Accept, &core.wire.accept);
            }
            for (n, v) in extra {
                r.headers.push(n.clone(), v);
            }
            let txn = u.txn;
            core.send_response(now, txn, r);
        }
    }
}

/// A CANCEL matched this Invitation's INVITE (RFC 3261 §9.2): the CANCEL
/// was answered 200 by the caller; if no final response was sent, 487 and
/// Terminated.
pub(crate) fn on_cancel(core: &mut Core, s: &mut SessionData, now: Instant) {
    let final_sent = s.uas.as_ref().is_none_or(|u| u.final_sent);
    if final_sent || !matches!(s.state, SessionState::Initial | SessionState::Establishing) {
        return;
    }
    core.emit(Event::Cancel { session: s.id });
    if let Some(u) = s.uas.as_ref() {
        if let Some(invite) = &u.invite {
            let tag = s.identities.tag();
            let r = core.invite_response(invite, StatusCode::REQUEST_TERMINATED, tag, 0);
            let txn = u.txn;
            core.send_response(now, txn, r);
        }
    }
    terminate(core, s, TerminationCause::CancelledByRemote);
}

/// The ACK for the 2xx arrived (RFC 3261 §13.3.1.4).
pub(crate) fn on_ack(core: &mut Core, s: &mut SessionData, now: Instant, ack: &Request) {
    let Some(u) = s.uas.as_ref() else { return };
    if !u.awaiting_ack() {
        return;
    }
    // SIP.js: an ACK must carry the INVITE's CSeq number, else it is ignored.
    let seq = sip_core::transaction::key::cseq(&ack.headers).map(|c| c.0);
    if seq != Some(u.invite_seq) {
        return;
    }
    s.timers.stop(SessionTimer::Retransmit2xx);
    s.timers.stop(SessionTimer::AckWait);
    s.uas = None;
    core.emit(Event::Ack { session: s.id });
    let cfg = &core.cfg;
    let body = classify(&ack.headers, &ack.body, |ct| cfg.accepts_content_type(ct));
    if s.oa.state() == SignalingState::HaveLocalOffer {
        match body {
            BodyKind::Session(b) => {
                let _ = s.oa.remote_answer();
                core.emit(Event::RemoteDescription {
                    session: s.id,
                    kind: DescriptionKind::Answer,
                    body: b,
                    early: false,
                });
            }
            _ => {
                // SIP.js: an ACK without the answer to our offer ends the
                // session with BYE, Reason 488.
                bye_now(
                    core,
                    s,
                    now,
                    Some((
                        StatusCode::NOT_ACCEPTABLE_HERE,
                        "Missing session description",
                    )),
                );
                terminate(
                    core,
                    s,
                    TerminationCause::Description(StatusCode::NOT_ACCEPTABLE_HERE),
                );
                return;
            }
        }
    }
    if let Some(opts) = s.bye_after_ack.take() {
        if let Some(d) = s.dialog.as_mut() {
            let _ = lifecycle::send_bye(core, now, d, None, &opts.extra_headers);
        }
        terminate(core, s, TerminationCause::Bye);
    }
}

/// Sends a BYE in the session's dialog, ignoring a send failure (the
/// session ends anyway).
pub(crate) fn bye_now(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    reason: Option<(StatusCode, &str)>,
) {
    if let Some(d) = s.dialog.as_mut() {
        let _ = lifecycle::send_bye(core, now, d, reason, &[]);
    }
}

/// A session timer of an Invitation fired.
pub(crate) fn on_timer(core: &mut Core, s: &mut SessionData, now: Instant, t: SessionTimer) {
    match t {
        SessionTimer::NoAnswer if s.state == SessionState::Initial => {
            reject_with(core, s, now, StatusCode::TEMPORARILY_UNAVAILABLE, None, &[]);
        }
        SessionTimer::Expires if s.state == SessionState::Initial => {
            reject_with(core, s, now, StatusCode::REQUEST_TERMINATED, None, &[]);
        }
        SessionTimer::Retransmit2xx => {
            let t2 = core.cfg.transaction.t2;
            let Some(u) = s.uas.as_mut() else { return };
            if u.ok.is_none() {
                return;
            }
            u.ok_interval = (u.ok_interval * 2).min(t2);
            let next = now + u.ok_interval;
            let txn = u.txn;
            let Some(ok) = &u.ok else { return };
            if !core.send_response(now, txn, ok) {
                // The server transaction ended (Timer L): retransmit
                // statelessly along the Via (RFC 6026 §7.1).
                let _ = core.resend_stateless(now, ok);
            }
            core.arm(s, SessionTimer::Retransmit2xx, next);
        }
        SessionTimer::AckWait => {
            s.timers.stop(SessionTimer::Retransmit2xx);
            if s.uas.as_ref().is_some_and(|u| u.awaiting_ack()) {
                s.uas = None;
                bye_now(core, s, now, None);
                terminate(core, s, TerminationCause::AckTimeout);
            }
        }
        SessionTimer::Retransmit1xx => reliable::retransmit(core, s, now),
        SessionTimer::Description => reliable::refuse_answer(core, s, now),
        SessionTimer::PrackWait => {
            s.timers.stop(SessionTimer::Retransmit1xx);
            if let Some(u) = s.uas.as_mut() {
                u.reliable = None;
                u.pending_accept = None;
            }
            if matches!(s.state, SessionState::Initial | SessionState::Establishing) {
                reject_with(core, s, now, StatusCode::SERVER_TIMEOUT, None, &[]);
            }
        }
        _ => {}
    }
}

/// The 2xx still waiting for its ACK when the session ends, with its
/// retransmission state, for the user agent to go on retransmitting it
/// (RFC 3261 §13.3.1.4); the session's own retransmission stops.
pub(crate) fn take_unacked(s: &mut SessionData) -> Option<Unacked> {
    let next = s.timers.get(SessionTimer::Retransmit2xx)?;
    let until = s.timers.get(SessionTimer::AckWait)?;
    let u = s.uas.as_mut()?;
    let ok = u.ok.take()?;
    Some(Unacked {
        txn: u.txn,
        ok,
        seq: u.invite_seq,
        interval: u.ok_interval,
        next,
        until,
    })
}
