//! Transaction events to sessions, and the answers the user agent gives
//! on its own (RFC 3261 §8.2: 405, 416, 420, 481, 482, 400; OPTIONS).

use super::core::{InDialogMethod, Link};
use super::UserAgent;
use crate::session::invitation;
use crate::session::{in_dialog, inviter, reinvite, update, SessionState};
use sip_core::dialog::DialogIdRef;
use sip_core::header::{HeaderName, Headers, Replaces};
use sip_core::message::{Request, Response};
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
use sip_core::transaction::key;
use sip_core::transaction::{Event as TxnEvent, Timer, TransactionId};
use sip_core::transport::Source;
use sip_core::uri::Uri;

/// The methods this agent knows; others get 405 (RFC 3261 §8.2.1).
fn allowed(method: &Method, prack: bool, update: bool) -> bool {
    matches!(
        method,
        Method::Invite
            | Method::Ack
            | Method::Cancel
            | Method::Bye
            | Method::Options
            | Method::Info
            | Method::Message
            | Method::Notify
            | Method::Refer
    ) || (prack && *method == Method::Prack)
        || (update && *method == Method::Update)
}

impl UserAgent {
    /// Hands every pending transaction event to its session.
    pub(crate) fn process(&mut self, now: Instant) {
        while let Some(ev) = self.core.txn.poll_event() {
            self.on_txn_event(now, ev);
        }
    }

    fn on_txn_event(&mut self, now: Instant, ev: TxnEvent) {
        match ev {
            TxnEvent::Request {
                id,
                request,
                source,
                cancels,
                merged_with,
            } => self.on_request(now, id, request, &source, cancels, merged_with.is_some()),
            TxnEvent::Ack {
                ref request,
                transaction,
                ..
            } => self.on_ack(now, request, transaction),
            TxnEvent::Overloaded {
                request, source, ..
            } if request.method != Method::Ack => {
                self.core
                    .reply_stateless(now, &request, &source, StatusCode::SERVICE_UNAVAILABLE);
            }
            TxnEvent::Response { id, response } => self.on_response(now, id, response),
            TxnEvent::Timeout { id, .. }
                if self.on_role_reply(now, id, || {
                    crate::roles::Reply::Failed(StatusCode::REQUEST_TIMEOUT)
                }) => {}
            TxnEvent::TransportError { id, .. }
                if self.on_role_reply(now, id, || {
                    crate::roles::Reply::Failed(StatusCode::SERVICE_UNAVAILABLE)
                }) => {}
            TxnEvent::Timeout { id, timer } => {
                if matches!(timer, Timer::B) {
                    self.on_invite_failure(now, id, StatusCode::REQUEST_TIMEOUT);
                }
                self.on_in_dialog_failure(now, id, StatusCode::REQUEST_TIMEOUT);
            }
            TxnEvent::TransportError { id, .. } => {
                self.on_invite_failure(now, id, StatusCode::SERVICE_UNAVAILABLE);
                self.on_in_dialog_failure(now, id, StatusCode::SERVICE_UNAVAILABLE);
            }
            TxnEvent::Terminated { id } => match self.core.links.remove(&id) {
                Some(Link::InviteClient(sid)) => self.on_invite_client_ended(sid, id),
                Some(Link::Reinvite(sid)) => {
                    let _ = self.command(now, sid, |_, s| {
                        reinvite::on_client_ended(s, id);
                        Ok(())
                    });
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// A synthesized final response for the INVITE (§8.1.3.1).
    fn on_invite_failure(&mut self, now: Instant, txn: TransactionId, status: StatusCode) {
        if let Some(Link::InviteClient(sid)) = self.link(txn) {
            if self.is_current_invite(sid, txn) {
                let mut retried = false;
                let _ = self.command(now, sid, |core, s| {
                    inviter::on_failure(core, s, now, status, None);
                    retried = inviter::retried(s, txn);
                    Ok(())
                });
                if !retried {
                    self.notify_referrer(now, sid, status);
                }
            }
        }
    }

    /// Hands a reply to the Registerer or out-of-dialog request owning
    /// `txn`; false when none does.
    fn on_role_reply(
        &mut self,
        now: Instant,
        txn: TransactionId,
        reply: impl FnOnce() -> crate::roles::Reply,
    ) -> bool {
        match self.link(txn) {
            Some(Link::Registerer(r)) => crate::registerer::on_reply(self, now, r, txn, reply()),
            Some(Link::Outgoing(o)) => crate::messager::on_reply(self, now, o, txn, reply()),
            Some(Link::Publisher(p)) => crate::publisher::on_reply(self, now, p, txn, reply()),
            Some(Link::Subscription(s)) => {
                crate::subscription::on_reply(self, now, s, txn, reply())
            }
            _ => return false,
        }
        true
    }

    fn on_response(&mut self, now: Instant, txn: TransactionId, resp: Response) {
        let mut resp = Some(resp);
        if self.on_role_reply(now, txn, || {
            crate::roles::Reply::Response(resp.take().expect("once"))
        }) {
            return;
        }
        let Some(mut resp) = resp else { return };
        if let Some(Link::InviteClient(sid)) = self.link(txn) {
            if self.is_current_invite(sid, txn) {
                let status = resp.status;
                let mut retried = false;
                let _ = self.command(now, sid, |core, s| {
                    inviter::on_response(core, s, now, &mut resp);
                    retried = status.as_u16() >= 300 && inviter::retried(s, txn);
                    Ok(())
                });
                // A final response the INVITE was sent again after (to a
                // redirect target, with credentials) is not the outcome
                // a referrer waits for (RFC 3515 §2.4.5).
                if !retried {
                    self.notify_referrer(now, sid, status);
                }
            }
            return;
        }
        // Responses to BYE and CANCEL are not acted upon (SIP.js ignores
        // them too); a PRACK's only when it carried an offer.
        match self.link(txn) {
            Some(Link::Prack(sid)) => {
                let _ = self.command(now, sid, |core, s| {
                    inviter::on_prack_response(core, s, txn, resp.status, Some(&resp));
                    Ok(())
                });
            }
            Some(Link::Reinvite(sid)) => {
                let _ = self.command(now, sid, |core, s| {
                    reinvite::on_response(core, s, now, txn, resp);
                    Ok(())
                });
            }
            Some(Link::Update(sid)) if resp.status.as_u16() >= 200 => {
                self.core.links.remove(&txn);
                let _ = self.command(now, sid, |core, s| {
                    update::on_response(core, s, now, txn, resp.status, Some(&resp));
                    Ok(())
                });
            }
            Some(Link::InDialog(sid, m)) if resp.status.as_u16() >= 200 => {
                self.core.links.remove(&txn);
                let _ = self.command(now, sid, |core, s| {
                    in_dialog::on_final(core, s, now, m.method(), resp.status);
                    Ok(())
                });
                if m == InDialogMethod::Refer {
                    let refused = resp
                        .headers
                        .get(&HeaderName::ReferSub)
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
                    crate::subscription::implicit::refer_answered(
                        self,
                        now,
                        txn,
                        resp.status,
                        refused,
                    );
                }
            }
            _ => {}
        }
    }

    /// A request sent in a dialog got no response (timeout, transport
    /// error): a synthesized final response (RFC 3261 §8.1.3.1).
    fn on_in_dialog_failure(&mut self, now: Instant, txn: TransactionId, status: StatusCode) {
        match self.link(txn) {
            Some(Link::Prack(sid)) => {
                let _ = self.command(now, sid, |core, s| {
                    inviter::on_prack_response(core, s, txn, status, None);
                    Ok(())
                });
            }
            Some(Link::Reinvite(sid)) => {
                let _ = self.command(now, sid, |core, s| {
                    reinvite::on_failure(core, s, now, txn, status);
                    Ok(())
                });
            }
            Some(Link::Update(sid)) => {
                self.core.links.remove(&txn);
                let _ = self.command(now, sid, |core, s| {
                    update::on_response(core, s, now, txn, status, None);
                    Ok(())
                });
            }
            Some(Link::InDialog(sid, m)) => {
                self.core.links.remove(&txn);
                let _ = self.command(now, sid, |core, s| {
                    in_dialog::on_final(core, s, now, m.method(), status);
                    Ok(())
                });
                if m == InDialogMethod::Refer {
                    crate::subscription::implicit::refer_answered(self, now, txn, status, false);
                }
            }
            _ => {}
        }
    }

    /// The session of the dialog an in-dialog request belongs to (our tag
    /// in its To).
    fn dialog_of(&self, req: &Request) -> Option<crate::SessionId> {
        let h = &req.headers;
        let l = RequestLines::key_of(h);
        let key = DialogIdRef::new(l.call_id(h)?, l.local_tag(h)?, l.remote_tag(h)?);
        self.core.dialogs.get(key.as_key()).copied()
    }

    fn on_ack(&mut self, now: Instant, ack: &Request, txn: Option<TransactionId>) {
        // The ACK of a 2xx that outlived its session: taken silently.
        if self.core.pending_acks.on_ack(ack) {
            return;
        }
        let by_txn = match txn.and_then(|t| self.link(t)) {
            Some(Link::InviteServer(sid)) => Some(sid),
            _ => None,
        };
        let sid = by_txn.or_else(|| self.dialog_of(ack));
        if let Some(sid) = sid {
            let _ = self.command(now, sid, |core, s| {
                if reinvite::on_ack(core, s, now, ack) {
                    return Ok(());
                }
                if !s.is_inviter {
                    invitation::on_ack(core, s, now, ack);
                }
                Ok(())
            });
        }
    }

    fn on_request(
        &mut self,
        now: Instant,
        txn: TransactionId,
        mut req: Box<Request>,
        source: &Source,
        cancels: Option<TransactionId>,
        merged: bool,
    ) {
        let core = &mut self.core;
        if req.method == Method::Ack {
            return;
        }
        if req.method == Method::Cancel {
            // §9.2: the CANCEL is answered 200 when it matches an INVITE
            // transaction, 481 otherwise; the INVITE gets 487.
            let Some(ist) = cancels else {
                core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST);
                return;
            };
            core.reply(now, txn, &req, StatusCode::OK);
            if let Some(Link::InviteServer(sid)) = self.link(ist) {
                let _ = self.command(now, sid, |core, s| {
                    invitation::on_cancel(core, s, now);
                    Ok(())
                });
            } else if let Some(sid) = self.dialog_of(&req) {
                // A re-INVITE of the peer (same dialog as the CANCEL).
                let _ = self.command(now, sid, |core, s| {
                    reinvite::on_cancel(core, s, now, ist);
                    Ok(())
                });
            }
            return;
        }
        if merged {
            // §8.2.2.2: a merged request (forked, arriving twice).
            core.reply(now, txn, &req, StatusCode::LOOP_DETECTED);
            return;
        }
        // One pass: From, To and Call-ID, any Require.
        let mut lines = RequestLines::of(&req.headers);
        if lines.from.is_none() || lines.to.is_none() {
            core.reply(now, txn, &req, StatusCode::BAD_REQUEST);
            return;
        }
        // RFC 6665: SUBSCRIBE and NOTIFY of our subscriptions (the request
        // is not moved otherwise).
        if matches!(req.method, Method::Subscribe | Method::Notify) {
            match crate::subscription::route_request(self, now, txn, *req) {
                Some(r) => {
                    lines = RequestLines::of(&r.headers);
                    *req = r;
                }
                None => return,
            }
        }
        let require = lines.require;
        let core = &mut self.core;
        let h = &req.headers;
        if !allowed(
            &req.method,
            core.cfg.rel100.is_supported(),
            core.cfg.allow_update,
        ) {
            core.reply(now, txn, &req, StatusCode::METHOD_NOT_ALLOWED);
            return;
        }
        if !matches!(req.uri, Uri::Sip(_)) {
            // §8.2.2.1
            core.reply(now, txn, &req, StatusCode::UNSUPPORTED_URI_SCHEME);
            return;
        }
        // §8.2.2.3: every option tag in Require must be supported.
        let unsupported = |t: &&str| !core.cfg.supports(t);
        if require && h.values(&HeaderName::Require).any(|t| unsupported(&t)) {
            let unsupported: Vec<&str> =
                h.values(&HeaderName::Require).filter(unsupported).collect();
            let tag = core.tokens.tag();
            let mut r = core.response(&req, StatusCode::BAD_EXTENSION, Some(&tag));
            r.headers
                .push(HeaderName::Unsupported, unsupported.join(", "));
            core.send_response(now, txn, r);
            return;
        }
        if let Some(to_tag) = lines.local_tag(h) {
            let from_tag = lines.remote_tag(h).unwrap_or("");
            let sid = lines.call_id(h).and_then(|call_id| {
                let key = DialogIdRef::new(call_id, to_tag, from_tag);
                core.dialogs.get(key.as_key()).copied()
            });
            match sid {
                Some(sid) => {
                    // The session's own dialog (not an early fork's).
                    let own = self
                        .sessions
                        .get(sid)
                        .and_then(|s| s.dialog.as_ref())
                        .is_some_and(|d| d.remote_tag() == from_tag);
                    let _ = self.command(now, sid, |core, s| {
                        in_dialog::on_request(core, s, now, txn, req, own);
                        Ok(())
                    });
                }
                // §12.2.2: no matching dialog.
                None => core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST),
            }
            return;
        }
        match req.method {
            Method::Invite => self.on_new_invite(now, txn, req, source),
            Method::Options => core.reply(now, txn, &req, StatusCode::OK),
            Method::Message if core.cfg.app_handles(&Method::Message) => {
                in_dialog::hand_to_app(core, now, txn, *req, None, Method::Message)
            }
            Method::Message => core.reply(now, txn, &req, StatusCode::OK),
            // Requests that only make sense inside a dialog.
            Method::Bye | Method::Prack | Method::Notify => {
                core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST)
            }
            // SIP.js: out-of-dialog INFO and REFER are not allowed.
            _ => core.reply(now, txn, &req, StatusCode::METHOD_NOT_ALLOWED),
        }
    }

    fn on_new_invite(
        &mut self,
        now: Instant,
        txn: TransactionId,
        req: Box<Request>,
        source: &Source,
    ) {
        // RFC 4028 §8.1: an interval below our Min-SE: 422 with it.
        if let Some(min) = crate::session::session_timer::too_small(&self.core, &req) {
            let tag = self.core.tokens.tag();
            let mut r =
                self.core
                    .response(&req, StatusCode::SESSION_INTERVAL_TOO_SMALL, Some(&tag));
            r.headers.push(HeaderName::MinSe, min.to_string());
            self.core.send_response(now, txn, r);
            return;
        }
        // RFC 3891 §3: Replaces names a dialog of ours as seen in an
        // incoming request (to-tag = our tag).
        let mut replacee = None;
        if self.core.cfg.replaces.is_supported() {
            if let Some(r) = req.headers.typed::<Replaces>() {
                let found = r.ok().and_then(|r| {
                    let key = DialogIdRef::new(&r.call_id, &r.to_tag, &r.from_tag);
                    let sid = self.core.dialogs.get(key.as_key()).copied()?;
                    Some((sid, r.early_only))
                });
                let status = match found {
                    None => Some(StatusCode::CALL_DOES_NOT_EXIST),
                    Some((sid, early_only)) => {
                        let confirmed = self
                            .sessions
                            .get(sid)
                            .is_some_and(|s| s.dialog.as_ref().is_some_and(|d| !d.is_early()));
                        // RFC 3891 §3: an early dialog this UA did not
                        // initiate (an incoming call still ringing) cannot
                        // be replaced: 481.
                        let foreign_early =
                            !confirmed && self.sessions.get(sid).is_some_and(|s| !s.is_inviter);
                        replacee = Some(sid);
                        if foreign_early {
                            Some(StatusCode::CALL_DOES_NOT_EXIST)
                        } else {
                            (early_only && confirmed).then_some(StatusCode::BUSY_HERE)
                        }
                    }
                };
                if let Some(status) = status {
                    let trying = self.core.response(&req, StatusCode::TRYING, None);
                    self.core.send_response(now, txn, trying);
                    self.core.reply(now, txn, &req, status);
                    return;
                }
            }
        }
        let live = self.sessions.len();
        let vacant = self.sessions.vacant();
        let id = vacant.0;
        let created = invitation::create(&mut self.core, now, vacant, live, txn, req, source);
        let terminated = created.map(|s| {
            s.replacee = replacee;
            s.state == SessionState::Terminated
        });
        self.sessions.commit(id);
        if terminated == Some(true) {
            self.reap(id);
        }
    }
}

/// The lines of a request its dialog is found by: the first From, To
/// and Call-ID lines (as indices, so that they outlive a move of the
/// request), and whether there is a Require. Each found by a search of
/// the names only (cheaper than one pass over the lines, which slices
/// every value).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct RequestLines {
    pub from: Option<usize>,
    pub to: Option<usize>,
    pub call_id: Option<usize>,
    pub require: bool,
}

impl RequestLines {
    pub(crate) fn of(h: &Headers) -> RequestLines {
        RequestLines {
            require: h.contains(&HeaderName::Require),
            ..RequestLines::key_of(h)
        }
    }

    /// The lines of the dialog key only (`require` false, not looked for).
    pub(crate) fn key_of(h: &Headers) -> RequestLines {
        RequestLines {
            from: h.position(&HeaderName::From),
            to: h.position(&HeaderName::To),
            call_id: h.position(&HeaderName::CallId),
            require: false,
        }
    }

    fn value(h: &Headers, at: Option<usize>) -> Option<&str> {
        Some(h.line(at?)?.value)
    }

    /// As [`key::call_id`] of `h` (whose lines these are).
    pub(crate) fn call_id<'a>(&self, h: &'a Headers) -> Option<&'a str> {
        Self::value(h, self.call_id)
            .map(sip_core::header::trim_value)
            .filter(|s| !s.is_empty())
    }

    /// The To tag (ours, in a request in a dialog), as [`key::to_tag`].
    pub(crate) fn local_tag<'a>(&self, h: &'a Headers) -> Option<&'a str> {
        Self::value(h, self.to).and_then(key::tag)
    }

    /// The From tag (the peer's), as [`key::from_tag`].
    pub(crate) fn remote_tag<'a>(&self, h: &'a Headers) -> Option<&'a str> {
        Self::value(h, self.from).and_then(key::tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the one pass finds is what the lookups one by one find.
    #[test]
    fn request_lines_agree_with_lookups() {
        let cases: [&[(HeaderName, &str)]; 4] = [
            &[],
            &[
                (HeaderName::Via, "SIP/2.0/UDP a;branch=z9hG4bK1"),
                (HeaderName::From, "<sip:a@x>;tag=f1"),
                (HeaderName::To, "\"B\" <sip:b@y>;tag=t1"),
                (HeaderName::CallId, " c1@x "),
                (HeaderName::Require, "100rel"),
            ],
            &[
                (HeaderName::To, "<sip:b@y>"),
                (HeaderName::From, "<sip:a@x>;tag=f1"),
                (HeaderName::To, "<sip:b@y>;tag=second"),
                (HeaderName::CallId, "  "),
                (HeaderName::From, "<sip:a@x>;tag=f2"),
            ],
            &[
                (HeaderName::From, "\"a;tag=x\" <sip:a@x>;p;tag=f3"),
                (HeaderName::To, "sip:b@y;tag=t3"),
                (HeaderName::CallId, "c3"),
                (HeaderName::CallId, "c4"),
            ],
        ];
        for lines in cases {
            let mut h = Headers::new();
            for (n, v) in lines {
                h.push(n.clone(), *v);
            }
            let l = RequestLines::of(&h);
            assert_eq!(
                RequestLines::key_of(&h),
                RequestLines {
                    require: false,
                    ..l
                }
            );
            assert_eq!(l.call_id(&h), key::call_id(&h));
            assert_eq!(l.local_tag(&h), key::to_tag(&h));
            assert_eq!(l.remote_tag(&h), key::from_tag(&h));
            assert_eq!(l.from.is_some(), h.contains(&HeaderName::From));
            assert_eq!(l.to.is_some(), h.contains(&HeaderName::To));
            assert_eq!(l.require, h.contains(&HeaderName::Require));
        }
    }
}
