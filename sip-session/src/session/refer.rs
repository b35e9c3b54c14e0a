//! REFER in a session's dialog (RFC 3515): the referrer's side
//! ([`SessionMut::refer`](crate::SessionMut::refer): blind transfer to a
//! URI, attended transfer to another session with Replaces, RFC 3891, and
//! Referred-By, RFC 3892; the NOTIFYs of the implicit subscription
//! reported as [`Event::ReferNotify`](crate::Event::ReferNotify);
//! `Refer-Sub: false`, RFC 4488), and the referee's side
//! ([`UserAgent::accept_referral`]: 202, an Inviter to the Refer-To
//! target, a NOTIFY with the sipfrag of each of its responses,
//! `Subscription-State: active` until the final one and
//! `terminated;reason=noresource` with it).
//!
//! The implicit subscription itself, on both sides, is a subscription of
//! the [`subscription`](crate::subscription) machinery sharing the
//! session's dialog (`subscription::implicit`): NOTIFY checks (481, 489,
//! 400), Subscription-State and its reasons, expiry, Timer N, NOTIFYs one
//! at a time, termination.

use super::SessionData;
use crate::error::{InviteError, SessionError};
use crate::ids::{RequestId, SessionId};
use crate::session::InviteOptions;
use crate::subscription::{implicit, SubscriptionId};
use crate::user_agent::core::{Core, InDialogMethod, Link};
use crate::user_agent::UserAgent;
use sip_core::header::HeaderName;
use sip_core::message::Request;
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
use sip_core::transaction::TransactionId;
use sip_core::uri::{escape, EscapeClass, Uri};
use sip_core::NameAddr;

/// Whom a REFER sends the peer to.
// Built once per REFER and consumed at once: boxing the URI would only
// make it clumsier to write.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ReferTarget {
    /// Blind transfer: `Refer-To: <uri>`.
    Uri(Uri),
    /// Attended transfer: the remote target of this other session's
    /// dialog, with a `Replaces` URI header naming that dialog (RFC 3891
    /// §3; the session must have a dialog).
    Session(SessionId),
}

/// Options of [`SessionMut::refer`](crate::SessionMut::refer).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReferOptions {
    /// Where the peer is sent.
    pub target: ReferTarget,
    /// Ask for the implicit subscription (the default); `false` sends
    /// `Refer-Sub: false` (RFC 4488 §4) and no NOTIFY is expected.
    pub subscribe: bool,
    /// Headers added to the REFER.
    pub extra_headers: Vec<(HeaderName, String)>,
}

impl ReferOptions {
    /// A REFER to `target` with the implicit subscription.
    pub fn new(target: ReferTarget) -> Self {
        ReferOptions {
            target,
            subscribe: true,
            extra_headers: Vec::new(),
        }
    }
}

/// Why [`UserAgent::accept_referral`] failed.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReferralError {
    /// No REFER waits under this id.
    #[error("no such REFER")]
    NoSuchReferral,
    /// The Refer-To is missing or not a SIP URI: answered 400.
    #[error("bad Refer-To")]
    BadReferTo,
    /// The new call could not be placed: the REFER was answered 202, and
    /// the NOTIFY carries 503.
    #[error(transparent)]
    Invite(#[from] InviteError),
}

/// The referee side: a session created by `accept_referral` reports its
/// responses to the implicit subscription of the REFER.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Referrer {
    pub subscription: SubscriptionId,
}

/// The Refer-To value for `target` (RFC 3515 §2.1; Replaces per RFC 3891
/// §3, its value escaped as a URI header).
pub(crate) fn refer_to_value(target: &Uri, replaces: Option<(&str, &str, &str)>) -> String {
    let mut uri = target.clone();
    if let (Some((call_id, to_tag, from_tag)), Some(sip)) = (replaces, uri.as_sip_mut()) {
        let v = format!("{call_id};to-tag={to_tag};from-tag={from_tag}");
        sip.headers.push((
            "Replaces".to_owned(),
            escape(&v, EscapeClass::Header).into_owned(),
        ));
    }
    format!("<{uri}>")
}

/// `refer()`: REFER in the confirmed dialog with `refer_to`; returns its
/// transaction and CSeq number (the `id` of its implicit subscription,
/// RFC 3515 §2.4.6).
pub(crate) fn send(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    refer_to: String,
    subscribe: bool,
    extra: &[(HeaderName, String)],
) -> Result<(TransactionId, u32), SessionError> {
    super::in_dialog::check_can_send(s)?;
    let Some(dialog) = s.dialog.as_mut() else {
        return Err(SessionError::InvalidState(s.state));
    };
    let (mut req, cseq) = dialog.next_request(Method::Refer);
    req.headers.push(HeaderName::ReferTo, refer_to);
    req.headers
        .push(HeaderName::ReferredBy, format!("<{}>", core.cfg.aor));
    req.headers.push(HeaderName::Contact, &core.wire.contact);
    req.headers.push(HeaderName::Allow, &core.wire.allow);
    if !subscribe {
        req.headers.push(HeaderName::ReferSub, "false");
    }
    for (n, v) in extra {
        req.headers.push(n.clone(), v);
    }
    core.decorate_request(&mut req);
    let (txn, _) = core.send_request(now, req, Link::InDialog(s.id, InDialogMethod::Refer))?;
    dialog.commit_local_seq(cseq);
    Ok((txn, cseq))
}

/// A NOTIFY in the dialog with `Event: refer` that no implicit
/// subscription of this agent took (the subscription machinery sees
/// them first, `subscription::implicit::route_notify`): no REFER asked
/// for it, `Refer-Sub: false` was sent, or it ended long ago. 481 (RFC
/// 6665 §4.1.3, RFC 4488 §4).
pub(crate) fn on_notify(
    core: &mut Core,
    _s: &mut SessionData,
    now: Instant,
    txn: TransactionId,
    req: &Request,
) {
    core.reply(now, txn, req, StatusCode::CALL_DOES_NOT_EXIST);
}

/// True for a NOTIFY of the refer event package.
pub(crate) fn is_refer_notify(req: &Request) -> bool {
    req.headers.get(&HeaderName::Event).is_some_and(|e| {
        e.split(';')
            .next()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("refer"))
    })
}

/// The URI of a Refer-To value (RFC 3515 §2.1: a name-addr or addr-spec,
/// possibly with parameters after it).
fn parse_refer_to(v: &str) -> Option<Uri> {
    let v = v.trim();
    if let Ok(a) = NameAddr::parse(v) {
        return Some(a.uri);
    }
    if let (Some(start), Some(end)) = (v.find('<'), v.rfind('>')) {
        return Uri::parse(&v[start + 1..end]).ok();
    }
    Uri::parse(v.split(';').next()?).ok()
}

/// The status code of a `message/sipfrag` status line (RFC 3420).
pub(crate) fn sipfrag_status(body: &[u8]) -> Option<StatusCode> {
    let text = core::str::from_utf8(body).ok()?;
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    if !parts.next()?.eq_ignore_ascii_case("SIP/2.0") {
        return None;
    }
    StatusCode::new(parts.next()?.parse().ok()?)
}

impl UserAgent {
    /// Accepts a REFER ([`Event::Request`](crate::Event::Request) with
    /// method REFER, RFC 3515 §2.4.2): answers 202 and places the referred
    /// call, an Inviter to the Refer-To URI (its URI headers dropped, a
    /// `Replaces` among them copied as a header, RFC 3891 §3) with
    /// `Referred-By` copied (RFC 3892). Unless the REFER said
    /// `Refer-Sub: false` (RFC 4488), the referrer gets a NOTIFY with the
    /// sipfrag of `100 Trying` now and of each response of the new call
    /// (`Subscription-State: active`, then `terminated;reason=noresource`
    /// with the final one). Returns the new session.
    pub fn accept_referral(
        &mut self,
        now: Instant,
        request: RequestId,
        options: InviteOptions,
    ) -> Result<SessionId, ReferralError> {
        let Some(p) = self.core.requests.get(&request) else {
            return Err(ReferralError::NoSuchReferral);
        };
        let req = &p.request;
        if req.method != Method::Refer {
            return Err(ReferralError::NoSuchReferral);
        }
        let referrer = p.session;
        let target = req
            .headers
            .get(&HeaderName::ReferTo)
            .and_then(parse_refer_to)
            .filter(|u| u.as_sip().is_some());
        let subscribe = !req
            .headers
            .get(&HeaderName::ReferSub)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
        let referred_by = req.headers.get(&HeaderName::ReferredBy).map(str::to_owned);
        let p = self.core.requests.remove(&request).expect("checked");
        let Some(mut target) = target else {
            let r = self
                .core
                .response(&p.request, StatusCode::BAD_REQUEST, p.to_tag.as_deref());
            self.core.send_response(now, request.0, r);
            return Err(ReferralError::BadReferTo);
        };
        let mut r = self
            .core
            .response(&p.request, StatusCode::ACCEPTED, p.to_tag.as_deref());
        if !subscribe {
            r.headers.push(HeaderName::ReferSub, "false");
        }
        self.core.send_response(now, request.0, r);
        // RFC 3515 §2.4.6: NOTIFYs for the dialog's second and later
        // REFERs carry the REFER's CSeq as the Event `id`.
        let cseq = crate::roles::cseq_of(&p.request);
        let subscription = referrer.filter(|_| subscribe).map(|rs| {
            let mut first = false;
            let _ = self.command(now, rs, |_, s| {
                first = s.refers_accepted == 0;
                s.refers_accepted = s.refers_accepted.saturating_add(1);
                Ok(())
            });
            let event = if first {
                "refer".to_owned()
            } else {
                format!("refer;id={cseq}")
            };
            implicit::referral_accepted(self, now, rs, &event)
        });
        let mut opts = options;
        if let Some(sip) = target.as_sip_mut() {
            let headers = core::mem::take(&mut sip.headers);
            for (n, v) in headers {
                if n.eq_ignore_ascii_case("Replaces") {
                    let v = escape::unescape_str(&v).into_owned();
                    opts.extra_headers.push((HeaderName::Replaces, v));
                }
            }
        }
        if let Some(rb) = referred_by {
            opts.extra_headers.push((HeaderName::ReferredBy, rb));
        }
        match self.invite(now, target, opts) {
            Ok(id) => {
                if let (Some(sub), Some(s)) = (subscription, self.sessions.get_mut(id)) {
                    s.referrer = Some(Referrer { subscription: sub });
                }
                Ok(id)
            }
            Err(e) => {
                if let Some(sub) = subscription {
                    implicit::progress(self, now, sub, StatusCode::SERVICE_UNAVAILABLE);
                }
                Err(e.into())
            }
        }
    }

    /// A response (or a synthesized final one) reached Inviter `id`: its
    /// referrer, if any, gets a NOTIFY with it.
    pub(crate) fn notify_referrer(&mut self, now: Instant, id: SessionId, status: StatusCode) {
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        let Some(r) = s.referrer else { return };
        // The first NOTIFY already said 100 (Trying).
        if status == StatusCode::TRYING {
            return;
        }
        if status.as_u16() >= 200 {
            s.referrer = None;
        }
        implicit::progress(self, now, r.subscription, status);
    }
}
