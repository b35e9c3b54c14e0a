//! The UAC role (SIP.js `Inviter`): the INVITE, provisional responses and
//! early dialogs (forks), PRACK, the 2xx and its ACK (RFC 3261 §13.2.2.4),
//! CANCEL (§9.1), digest retries (§22.2) and, when configured, redirects
//! (§8.1.3.4, in [`redirect`]).

mod accept;
mod early;
mod redirect;
mod retry;

use accept::{ack_and_bye, on_2xx};
pub(crate) use accept::{provide_description, refuse_description};
pub(crate) use early::on_prack_response;
use early::on_provisional;
use retry::{retry_min_se, try_auth};

use super::lifecycle::{set_state, terminate};
use super::{Identities, SessionData, SessionState};
use crate::body::Body;
use crate::error::{InviteError, SessionError};
use crate::events::{Event, TerminationCause};
use crate::ids::SessionId;
use crate::offer_answer::OfferAnswer;
use crate::timers::SessionTimer;
use crate::user_agent::core::{Core, Link};
use sip_core::auth::{AuthSession, DigestClient};
use sip_core::dialog::Dialog;
use sip_core::header::{option_tag, HeaderName, RAck};
use sip_core::message::{Request, Response};
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
use sip_core::transaction::TransactionId;
use sip_core::transport::{Destination, Transmit, Transport};
use sip_core::uri::Uri;
use sip_core::NameAddr;
use smallvec::SmallVec;
use std::fmt::Write;

/// Options of [`UserAgent::invite`](crate::UserAgent::invite).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct InviteOptions {
    /// The offer. `None` sends the INVITE without a body (delayed offer:
    /// the offer comes in the 2xx and the answer goes in the ACK, RFC 3261
    /// §13.2.1).
    pub body: Option<Body>,
    /// Headers added to the INVITE.
    pub extra_headers: Vec<(HeaderName, String)>,
    /// Hand an answer received in a provisional response to the
    /// application at once (early media). SIP.js forbids forking then: a
    /// 2xx from another early dialog is ACKed and BYEd with 488.
    pub early_media: bool,
    /// Anonymous call (RFC 3323, RFC 3325): From `"Anonymous"
    /// <sip:anonymous@anonymous.invalid>`, `P-Preferred-Identity` with the
    /// AOR and `Privacy: id`.
    pub anonymous: bool,
    /// The To address (display name, parameters); default: the target.
    pub to: Option<NameAddr>,
    /// A new offer to put in the PRACK of the first reliable provisional
    /// response after which offer/answer is complete (its answer in that
    /// 1xx, RFC 3262 §5, RFC 6337 §3.2); the callee answers in the PRACK's
    /// 200, handed over as an early
    /// [`Event::RemoteDescription`](crate::Event::RemoteDescription). A
    /// refusal rolls it back and the call goes on.
    pub prack_offer: Option<Body>,
}

/// Options of [`InviterMut::cancel`](crate::InviterMut::cancel).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CancelOptions {
    /// With `reason_phrase`, the cause of a `Reason` header (RFC 3326);
    /// 200-699.
    pub status: Option<StatusCode>,
    /// With `status`, the text of the `Reason` header.
    pub reason_phrase: Option<String>,
}

/// One early dialog of a (possibly forked) INVITE.
pub(crate) struct Fork {
    pub dialog: Dialog,
    pub oa: OfferAnswer,
    /// An answer that came in a provisional response, kept for the 2xx
    /// when early media is off (SIP.js applies it only then).
    pub answer: Option<Body>,
    /// The last session description the peer sent in this early dialog
    /// (an answer or an offer): the same bytes again in a later response
    /// are a copy, not a new offer (RFC 6337 §3.1).
    pub remote: Option<Body>,
    pub last_rseq: Option<u32>,
    /// The initial offer/answer exchange completed in reliable messages
    /// (an answer in a reliable 1xx, or ours in the PRACK, RFC 3262 §5):
    /// only then may a new offer go in an UPDATE (RFC 3311 §5.1). An
    /// answer in an unreliable 1xx is only a preview.
    pub oa_final: bool,
}

/// Removes the early dialogs of `forks` from the dialog index (requests in
/// them get 481 from then on), except one the session now uses.
pub(crate) fn forget_forks<'a>(
    core: &mut Core,
    id: SessionId,
    forks: impl IntoIterator<Item = &'a Fork>,
    keep: Option<&sip_core::dialog::DialogId>,
) {
    for f in forks {
        if Some(f.dialog.id()) != keep {
            unindex(core, id, &f.dialog);
        }
    }
}

/// Removes `dialog` from the dialog index if it names session `id` there.
pub(crate) fn unindex(core: &mut Core, id: SessionId, dialog: &Dialog) {
    // One lookup: an entry of another session goes back.
    if let Some((key, other)) = core.dialogs.remove_entry(dialog.id()) {
        if other != id {
            core.dialogs.insert(key, other);
        }
    }
}

impl InviterData {
    /// The early dialog the session works with before the 2xx: the one
    /// whose answer was handed over as early media, else the latest.
    pub(crate) fn current_fork(&self) -> Option<&Fork> {
        self.early_media_tag
            .as_deref()
            .and_then(|t| self.forks.iter().find(|f| f.dialog.remote_tag() == t))
            .or(self.forks.last())
    }
}

/// The offer/answer state of the session as the application sees it: an
/// Inviter before the 2xx is in the state of its current early dialog
/// (offers and answers in reliable provisional responses, PRACK and
/// UPDATE, RFC 3262 §5, RFC 3311), once it has one.
pub(crate) fn signaling_state(s: &SessionData) -> crate::SignalingState {
    match s.uac.as_ref().and_then(|u| u.current_fork()) {
        Some(f) if s.dialog.is_none() && s.state == SessionState::Establishing => f.oa.state(),
        _ => s.oa.state(),
    }
}

/// The INVITE transaction of an Established Inviter ended: its data goes,
/// and the other forks' early dialogs with it.
pub(crate) fn drop_invite_data(core: &mut Core, s: &mut SessionData) {
    if let Some(u) = s.uac.take() {
        forget_forks(core, s.id, &u.forks, s.dialog.as_ref().map(Dialog::id));
    }
}

/// The CANCEL of §9.1.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CancelState {
    None,
    /// Requested before any provisional response: held (§9.1).
    Held,
    Sent,
}

/// A description the application was asked for.
pub(crate) enum Pending {
    /// The answer to an offer in the 2xx, to go in the ACK.
    Ack { dialog: Box<Dialog>, tag: Box<str> },
    /// The answer to an offer in a reliable 1xx, to go in the PRACK.
    Prack { tag: Box<str>, rack: RAck },
}

/// UAC data. Most of it is dropped once the INVITE transaction ends.
pub(crate) struct InviterData {
    /// The INVITE as last sent (without Via).
    pub invite: Request,
    /// Where `invite`'s first From, Call-ID and CSeq lines are, as
    /// `invite` built it (`None` once it is replaced): its dialogs are
    /// created without searching for them.
    pub request_lines: Option<[u32; 3]>,
    /// Whether `invite` may carry credentials (Authorization,
    /// Proxy-Authorization) the ACK repeats: false only for an INVITE
    /// built by `invite` without them (its ACK then looks for none).
    pub may_have_credentials: bool,
    pub invite_seq: u32,
    pub txn: Option<TransactionId>,
    pub over_tls: bool,
    pub early_media: bool,
    /// The early dialogs; the first one held inline (most INVITEs get
    /// one).
    pub forks: SmallVec<[Fork; 1]>,
    /// The ACK sent for each 2xx (its To carries the 2xx's tag), as sent
    /// (its wire form and destination), re-sent on retransmissions; the
    /// first one held inline.
    pub acks: SmallVec<[Transmit; 1]>,
    pub cancel: CancelState,
    /// The `Reason` header value for the CANCEL (RFC 3326), if asked for.
    pub cancel_reason: Option<String>,
    pub provisional: bool,
    pub auth: AuthSession,
    pub digest: Option<DigestClient>,
    pub pending: Option<Pending>,
    pub early_media_tag: Option<Box<str>>,
    /// [`InviteOptions::prack_offer`], until it goes.
    pub prack_offer: Option<Body>,
    /// The early dialog (peer's tag) whose PRACK carries our offer, until
    /// the PRACK's final response.
    pub prack_offered: Option<(TransactionId, Box<str>)>,
    /// The target set of §8.1.3.4, once a 3xx was followed.
    pub targets: Option<Box<redirect::TargetSet>>,
}

impl InviterData {
    /// The early or confirmed dialog a 1xx/2xx with To tag `tag` creates
    /// for this INVITE (RFC 3261 §12.1.2), from the tags and CSeq the
    /// session already knows and the response's To, Contact and
    /// Record-Route lines it found (`answer`).
    fn new_dialog(
        &self,
        identities: &Identities,
        resp: &Response,
        tag: &str,
        answer: sip_core::dialog::KnownLines<'_>,
    ) -> Result<Dialog, sip_core::dialog::DialogError> {
        let h = &self.invite.headers;
        let asked = match self.request_lines {
            Some([from, call_id, cseq]) => {
                let value = |at: u32| Some(h.line(at as usize)?.value);
                sip_core::dialog::KnownLines {
                    from: value(from),
                    call_id: value(call_id),
                    cseq: value(cseq),
                    ..Default::default()
                }
            }
            None => sip_core::dialog::KnownLines::of_request(h),
        };
        Dialog::new_uac_lines(
            &self.invite,
            resp,
            self.over_tls,
            sip_core::dialog::KnownTags {
                from: identities.invite_from_tag(),
                to: Some(tag),
                seq: Some(self.invite_seq),
            },
            asked,
            answer,
        )
    }
}

impl InviterData {
    /// The session ended: keep only what answers 2xx retransmissions.
    pub(crate) fn on_terminated(&mut self) {
        self.pending = None;
        self.digest = None;
    }

    pub(crate) fn memory_usage(&self) -> usize {
        fn req(r: &Request) -> usize {
            r.headers.iter().map(|h| h.value.len() + 40).sum::<usize>() + r.body.len() + 64
        }
        core::mem::size_of::<Self>()
            + req(&self.invite)
            + self
                .acks
                .iter()
                .map(|a| a.payload.len() + 32)
                .sum::<usize>()
            + self.forks.len() * (core::mem::size_of::<Fork>() + 256)
            + self
                .forks
                .iter()
                .map(|f| {
                    let len = |b: &Option<Body>| b.as_ref().map_or(0, |b| b.content.len());
                    len(&f.answer) + len(&f.remote)
                })
                .sum::<usize>()
            + self.targets.as_ref().map_or(0, |t| t.memory_usage())
    }
}

/// Sends INVITE `req` for Inviter `id` and returns it as it was built,
/// to be kept. Without Via lines of its own and with Max-Forwards (as
/// built here) it is sent borrowed and the Via the transaction layer
/// wrote on top taken off again; otherwise a copy is kept before sending.
pub(crate) fn send_kept(
    core: &mut Core,
    now: Instant,
    req: Request,
    id: SessionId,
) -> Result<((TransactionId, Destination), Request), SessionError> {
    if req.headers.contains(&HeaderName::Via) || !req.headers.contains(&HeaderName::MaxForwards) {
        let kept = req.clone();
        let sent = core.send_request(now, req, Link::InviteClient(id))?;
        return Ok((sent, kept));
    }
    let mut req = req;
    let sent = send_borrowed(core, now, &mut req, id, true)?;
    Ok((sent, req))
}

/// [`send_kept`] of an INVITE without Via lines and with Max-Forwards,
/// in place (`req` is left as built); `routed`: whether it carries Route
/// lines ([`Core::next_hop_known`]).
fn send_borrowed(
    core: &mut Core,
    now: Instant,
    req: &mut Request,
    id: SessionId,
    routed: bool,
) -> Result<(TransactionId, Destination), SessionError> {
    // Kept without the layer's Via: it goes into the wire form only.
    core.send_request_borrowed(now, req, Link::InviteClient(id), routed)
}

/// `<uri>`, the URI written as `Display` writes it (without `core::fmt`).
pub(crate) fn angle_uri(uri: &Uri) -> String {
    let mut b = Vec::with_capacity(64);
    b.push(b'<');
    uri.write_to(&mut b);
    b.push(b'>');
    // `write_to` writes the `Display` text, which is UTF-8.
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The identities of a new INVITE without options for them: the
/// configured From with a fresh tag (as [`Wire::tagged_from`]) and the
/// target as a name-addr without display name or parameters (as
/// [`angle_uri`]), written into the one buffer the session keeps.
///
/// [`Wire::tagged_from`]: crate::user_agent::core::Wire::tagged_from
fn caller_identities(
    wire: &crate::user_agent::core::Wire,
    tokens: &mut sip_core::random::TokenSource,
    scratch: &mut String,
    target: &Uri,
) -> Identities {
    use crate::user_agent::response::TAG_LEN;
    let mut b = Vec::with_capacity(wire.from_value.len() + 5 + TAG_LEN + 64);
    b.extend_from_slice(wire.from_value.as_bytes());
    b.extend_from_slice(b";tag=");
    scratch.clear();
    tokens.fill_token(scratch, TAG_LEN);
    b.extend_from_slice(scratch.as_bytes());
    let split = b.len();
    b.push(b'<');
    target.write_to(&mut b);
    b.push(b'>');
    // `write_to` writes the `Display` text, which is UTF-8.
    let text =
        String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Identities::from_text(text, split)
}

fn value_of(a: &NameAddr) -> String {
    let mut s = String::with_capacity(64);
    let _ = write!(s, "{a}");
    s
}

/// Builds and sends a new INVITE; the session, built in `slot` (left
/// empty on an error), goes Initial → Establishing.
pub(crate) fn invite(
    core: &mut Core,
    now: Instant,
    (id, slot): (SessionId, &mut Option<SessionData>),
    live_sessions: usize,
    target: Uri,
    opts: InviteOptions,
) -> Result<(), InviteError> {
    if live_sessions >= core.cfg.max_sessions {
        return Err(InviteError::TooManySessions(core.cfg.max_sessions));
    }
    let mut req = Request::new(Method::Invite, target);
    // Room for the lines below and the Via the transaction layer adds.
    req.headers = sip_core::Headers::with_capacity(
        14 + core.cfg.preloaded_route.len() + opts.extra_headers.len(),
    );
    let h = &mut req.headers;
    h.push(HeaderName::MaxForwards, "70");
    for r in &core.cfg.preloaded_route {
        h.push(HeaderName::Route, angle_uri(r));
    }
    // From, To, Call-ID and CSeq follow one another from here.
    let from_at = h.len();
    let request_lines = Some([from_at, from_at + 2, from_at + 3].map(|i| i as u32));
    let identities = if opts.anonymous || opts.to.is_some() {
        // From and To written in place; the session copies its
        // identities from them.
        if opts.anonymous {
            let tag = core.tokens.tag();
            let anonymous =
                NameAddr::new(Uri::parse("sip:anonymous@anonymous.invalid").expect("static URI"))
                    .with_display_name("Anonymous");
            h.push(HeaderName::From, value_of(&anonymous.with_tag(&tag)));
        } else {
            let (wire, tokens) = (&core.wire, &mut core.tokens);
            h.push_with(HeaderName::From, |v| wire.write_tagged_from(tokens, v));
        }
        match &opts.to {
            Some(to) => h.push(HeaderName::To, value_of(to)),
            None => h.push(HeaderName::To, angle_uri(&req.uri)),
        }
        match (h.line(from_at), h.line(from_at + 1)) {
            (Some(from), Some(to)) => Identities::new(from.value, to.value),
            _ => unreachable!("From and To were just pushed"),
        }
    } else {
        // The usual case: the identities written first, From and To
        // copied from them.
        let ids = caller_identities(&core.wire, &mut core.tokens, &mut core.scratch, &req.uri);
        h.push(HeaderName::From, ids.local());
        h.push(HeaderName::To, ids.remote());
        ids
    };
    // As `tokens.call_id()`, written in place.
    h.push_with(HeaderName::CallId, |v| {
        core.tokens
            .fill_token(v, crate::user_agent::response::CALL_ID_LEN)
    });
    h.push(HeaderName::CSeq, "1 INVITE");
    h.push(HeaderName::Contact, &core.wire.contact);
    h.push(HeaderName::Allow, &core.wire.allow);
    if core.cfg.rel100 == crate::config::ExtensionSupport::Required {
        h.push(HeaderName::Require, option_tag::REL100);
    }
    if opts.anonymous {
        h.push(
            HeaderName::PPreferredIdentity,
            format!("<{}>", core.cfg.aor),
        );
        h.push(HeaderName::Privacy, "id");
    }
    // Route lines only from the preloaded route set, or asked for.
    let routed = !core.cfg.preloaded_route.is_empty()
        || opts
            .extra_headers
            .iter()
            .any(|(n, _)| matches!(n, HeaderName::Route));
    // Via lines only if asked for: sent as `send_kept` sends them.
    let fresh = !opts
        .extra_headers
        .iter()
        .any(|(n, _)| matches!(n, HeaderName::Via | HeaderName::MaxForwards));
    let may_have_credentials = opts.extra_headers.iter().any(|(n, _)| {
        matches!(
            n,
            HeaderName::Authorization | HeaderName::ProxyAuthorization
        )
    });
    for (n, v) in opts.extra_headers {
        h.push(n, v);
    }
    super::session_timer::on_invite(core, &mut req);
    core.decorate_request(&mut req);
    let s = slot.insert(SessionData::new(id, true, identities));
    if let Some(b) = opts.body {
        b.put_into_request(&mut req);
        let _ = s.oa.local_offer();
    }
    // Built here: no Via of its own and Max-Forwards first, unless the
    // extra lines hold some.
    // `req` stays where it is: kept as sent.
    let sent = if fresh {
        send_borrowed(core, now, &mut req, id, routed)
    } else {
        let empty = Uri::Other(sip_core::uri::OpaqueUri {
            scheme: String::new(),
            rest: String::new(),
        });
        let built = core::mem::replace(&mut req, Request::new(Method::Invite, empty));
        send_kept(core, now, built, id).map(|(sent, kept)| {
            req = kept;
            sent
        })
    };
    let (txn, dest) = match sent {
        Ok(sent) => sent,
        Err(e) => {
            *slot = None;
            return Err(match e {
                SessionError::Route(r) => InviteError::Route(r),
                SessionError::Send(e) => InviteError::Send(e),
                _ => InviteError::TooManySessions(0),
            });
        }
    };
    let over_tls = matches!(
        dest,
        Destination::Addr {
            transport: Transport::Tls | Transport::Wss,
            ..
        }
    );
    // Allocated first, then written: the data is built where it goes
    // (`Box::new` builds it on the stack and copies it over).
    s.uac = Some(Box::write(
        Box::new_uninit(),
        InviterData {
            invite: req,
            request_lines,
            may_have_credentials,
            invite_seq: 1,
            txn: Some(txn),
            over_tls,
            early_media: opts.early_media,
            forks: SmallVec::new(),
            acks: SmallVec::new(),
            cancel: CancelState::None,
            cancel_reason: None,
            provisional: false,
            auth: AuthSession::with_config(core.cfg.auth),
            digest: None,
            pending: None,
            early_media_tag: None,
            prack_offer: opts.prack_offer,
            prack_offered: None,
            targets: None,
        },
    ));
    set_state(core, s, SessionState::Establishing);
    core.arm(
        s,
        SessionTimer::InviteTimeout,
        now + core.cfg.invite_timeout,
    );
    Ok(())
}

/// `cancel()`: in Initial or Establishing. Held until a provisional
/// response arrived (§9.1); the session goes Terminating and ends with the
/// final response (487, or ACK and BYE for a 2xx that raced the CANCEL).
pub(crate) fn cancel(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    opts: CancelOptions,
) -> Result<(), SessionError> {
    if !matches!(s.state, SessionState::Initial | SessionState::Establishing) {
        return Err(SessionError::InvalidState(s.state));
    }
    if let Some(st) = opts.status {
        if !(200..700).contains(&st.as_u16()) {
            return Err(SessionError::InvalidStatus(st.as_u16()));
        }
    }
    let Some(u) = s.uac.as_mut() else {
        return Err(SessionError::InvalidState(s.state));
    };
    // The transaction layer builds the CANCEL from the INVITE (§9.1); a
    // status with its phrase becomes a Reason header (RFC 3326).
    u.cancel = CancelState::Held;
    u.cancel_reason = match (opts.status, &opts.reason_phrase) {
        (Some(st), Some(text)) => Some(format!(
            "SIP;cause={};text=\"{}\"",
            st.as_u16(),
            text.replace(['"', '\\', '\r', '\n'], " ")
        )),
        _ => None,
    };
    s.timers.stop(SessionTimer::Description);
    if let Some(Pending::Ack { dialog, .. }) = u.pending.take() {
        // The 2xx is already here (its offer awaited an answer): the
        // CANCEL would come too late, so ACK and BYE as for a 2xx that
        // wins the race.
        set_state(core, s, SessionState::Terminating);
        ack_and_bye(core, s, now, *dialog, None);
        terminate(core, s, TerminationCause::Cancelled);
        return Ok(());
    }
    set_state(core, s, SessionState::Terminating);
    if s.uac.as_ref().is_some_and(|u| u.provisional) {
        send_cancel(core, s, now);
    }
    Ok(())
}

pub(crate) fn send_cancel(core: &mut Core, s: &mut SessionData, now: Instant) {
    let Some(u) = s.uac.as_mut() else { return };
    if u.cancel != CancelState::Held {
        return;
    }
    let Some(txn) = u.txn else { return };
    let extra: Vec<(HeaderName, String)> = u
        .cancel_reason
        .iter()
        .map(|r| (HeaderName::Reason, r.clone()))
        .collect();
    if let Ok(c) = core.txn.cancel_with(now, txn, &extra) {
        core.link(c, Link::Detached);
    }
    u.cancel = CancelState::Sent;
    s.timers.stop(SessionTimer::InviteTimeout);
    let wait = now + core.t1x64();
    core.arm(s, SessionTimer::CancelWait, wait);
}

/// A response to the INVITE.
/// The response is lent (not moved through the calls down to its
/// handler): only the 2xx handler takes something out of it, its body.
pub(crate) fn on_response(core: &mut Core, s: &mut SessionData, now: Instant, resp: &mut Response) {
    let status = resp.status;
    match status.as_u16() {
        100 => {
            // §9.1: a 100 is a provisional response; a held CANCEL goes.
            if let Some(u) = s.uac.as_mut() {
                u.provisional = true;
            }
            send_cancel(core, s, now);
            if s.state == SessionState::Establishing {
                core.emit(Event::Trying { session: s.id });
            }
        }
        101..=199 => on_provisional(core, s, now, resp),
        200..=299 => {
            let timer = super::session_timer::on_uac_2xx(core, resp);
            let before = s.state;
            on_2xx(core, s, now, resp);
            if let (Some(n), SessionState::Established) = (timer, s.state) {
                if before != SessionState::Established {
                    super::session_timer::start(core, s, now, n);
                }
            }
        }
        401 | 407 if try_auth(core, s, now, resp) => {}
        422 if retry_min_se(core, s, now, resp) => {}
        _ => on_failure(core, s, now, status, Some(resp)),
    }
}

/// The INVITE failed: a 3xx-6xx (`resp`), or 408 / 503 synthesized for a
/// timeout or a transport error (RFC 3261 §8.1.3.1). Redirects are
/// followed only when configured ([`redirect`]); else the session ends.
pub(crate) fn on_failure(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    status: StatusCode,
    resp: Option<&Response>,
) {
    if s.state == SessionState::Terminated || s.dialog.is_some() {
        return;
    }
    let cancelled = s
        .uac
        .as_ref()
        .is_some_and(|u| u.cancel != CancelState::None);
    if !cancelled && redirect::try_next_target(core, s, now, status, resp) {
        return;
    }
    let cause = if cancelled {
        TerminationCause::Cancelled
    } else {
        TerminationCause::Rejected(status)
    };
    terminate(core, s, cause);
}

/// True when the INVITE went out again in a new transaction after the
/// final response of `txn` (a redirect, digest or 422 retry).
pub(crate) fn retried(s: &SessionData, txn: TransactionId) -> bool {
    s.uac
        .as_ref()
        .is_some_and(|u| u.txn.is_some_and(|t| t != txn))
}

/// A session timer of an Inviter fired.
pub(crate) fn on_timer(core: &mut Core, s: &mut SessionData, now: Instant, t: SessionTimer) {
    match t {
        // Without a provisional response the CANCEL is held and the
        // INVITE transaction ends by itself (Timer B).
        SessionTimer::InviteTimeout
            if s.state == SessionState::Establishing && s.dialog.is_none() =>
        {
            let _ = cancel(core, s, now, CancelOptions::default());
        }
        // §9.1: no final response 64*T1 after the CANCEL: consider the
        // INVITE transaction cancelled and destroy it.
        SessionTimer::CancelWait if s.dialog.is_none() => {
            if let Some(txn) = s.uac.as_mut().and_then(|u| u.txn.take()) {
                core.links.insert(txn, Link::Abandoned);
                core.txn.abandon(txn);
            }
            terminate(core, s, TerminationCause::Cancelled);
        }
        SessionTimer::Description => {
            let _ = refuse_description(core, s, now);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `angle_uri` writes what formatting `<{uri}>` writes.
    #[test]
    fn angle_uri_is_the_formatted_uri() {
        for text in [
            "sip:bob@b.example",
            "sips:bob:pw@[2001:db8::1]:5061;transport=tls;lr?subject=hi%20there",
            "sip:+1-555@b.example;user=phone",
            "sip:192.0.2.1:5070;maddr=192.0.2.9",
            "tel:+1-201-555-0123;phone-context=example.com",
            "urn:service:sos",
        ] {
            let uri = Uri::parse(text).unwrap();
            assert_eq!(angle_uri(&uri), format!("<{uri}>"), "{text}");
        }
    }

    /// `caller_identities` writes the tagged From and the target in angle
    /// brackets, drawing the tokens `Wire::tagged_from` draws.
    #[test]
    fn caller_identities_are_the_tagged_from_and_the_target() {
        use crate::user_agent::core::Wire;
        use sip_core::random::TokenSource;
        let mut cfg = crate::UserAgentConfig::default();
        for name in [None, Some("Alice \"A\" Smith")] {
            cfg.display_name = name.map(str::to_owned);
            let wire = Wire::new(&cfg);
            for text in [
                "sip:bob@b.example",
                "sips:bob@[2001:db8::1]:5061;transport=tls",
            ] {
                let target = Uri::parse(text).unwrap();
                let mut a = TokenSource::from_seed(2);
                let mut b = TokenSource::from_seed(2);
                let mut scratch = String::from("old");
                let ids = caller_identities(&wire, &mut a, &mut scratch, &target);
                assert_eq!(ids.local(), wire.tagged_from(&mut b));
                assert_eq!(ids.remote(), angle_uri(&target));
                assert_eq!(ids.tag(), "");
                assert_eq!(a.next_u64(), b.next_u64());
            }
        }
    }
}
