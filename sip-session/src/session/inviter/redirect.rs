//! Following redirects (RFC 3261 §8.1.3.4, §13.2.2.2): the target set of
//! an Inviter and the new INVITE sent to its next URI.
//!
//! Off unless [`UserAgentConfig::max_redirects`](crate::UserAgentConfig::max_redirects)
//! is above 0. Then a 3xx to the INVITE (other than 305 and 380) puts the
//! URIs of its Contact header into the target set, highest `q` first
//! (§20.10; no `q` counts as 1), each URI at most once (the loop protection
//! of §8.1.3.4), and the next one is tried with a new INVITE: the same
//! Call-ID, From and To, the next CSeq, a new branch, the same body, extra
//! headers and preloaded Route set. A failure (400-599, including 408 and
//! 503 synthesized for a timeout or a transport error) of a redirected
//! attempt moves on to the next URI; a 6xx does not (§16.7: no other
//! location will do better). When the set is exhausted or
//! `max_redirects` INVITEs went to redirect targets, the session ends with
//! the last status, as without following.
//!
//! Not followed: 380 (Alternative Service, §21.3.5: the alternatives are
//! for the user, not for a retry) and 305 (Use Proxy, §21.3.4: a proxy
//! chosen by the response is a hijack risk; RFC 5630 discourages it).
//! Contact URIs other than `sip:`, `sips:` and `tel:` are skipped, and so
//! are `sip:`/`tel:` URIs when the original target was `sips:` (§8.1.3.4
//! allows that downgrade only with the user told; we never take it). The
//! `method` parameter and the URI headers of a Contact are dropped, not
//! turned into header fields (§19.1.5 leaves that to the UAC; header
//! fields chosen by a redirect server are not trusted here).

use super::{forget_forks, InviterData};
use crate::events::Event;
use crate::session::{SessionData, SessionState};
use crate::timers::SessionTimer;
use crate::user_agent::core::Core;
use sip_core::auth::AuthSession;
use sip_core::header::{Contact, HeaderName};
use sip_core::message::Response;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
use sip_core::transport::{Destination, Transport};
use sip_core::uri::Uri;

/// The target set of §8.1.3.4, created with the first 3xx followed.
#[derive(Debug, Default)]
pub(crate) struct TargetSet {
    /// Every URI tried so far, the original Request-URI first.
    tried: Vec<Uri>,
    /// URIs still to try, in the order they will be (highest q first).
    pending: Vec<(u16, Uri)>,
    /// INVITEs sent to redirect targets.
    sent: u8,
}

impl TargetSet {
    fn new(original: Uri) -> TargetSet {
        TargetSet {
            tried: vec![original],
            pending: Vec::new(),
            sent: 0,
        }
    }

    /// True when `uri` is already in the set (tried or pending), by the
    /// comparison rules of §19.1.4.
    fn contains(&self, uri: &Uri) -> bool {
        self.tried.iter().any(|u| u.equivalent(uri))
            || self.pending.iter().any(|(_, u)| u.equivalent(uri))
    }

    /// Adds the usable Contact URIs of a 3xx, keeping `pending` in
    /// decreasing q order (stable: among equal q, earlier first) and no
    /// longer than the INVITEs still allowed by `max`.
    fn add_contacts(&mut self, resp: &Response, max: u8) {
        let secure_only = self.tried.first().is_some_and(Uri::is_sips);
        for c in resp.headers.typed_all::<Contact>().flatten() {
            let Contact::Address(a) = c else { continue };
            let q = a
                .params
                .get("q")
                .and_then(sip_core::header::QValue::parse)
                .map_or(1000, |q| q.thousandths());
            let Some(uri) = usable(a.uri, secure_only) else {
                continue;
            };
            if self.contains(&uri) {
                continue;
            }
            let at = self
                .pending
                .iter()
                .position(|(pq, _)| *pq < q)
                .unwrap_or(self.pending.len());
            self.pending.insert(at, (q, uri));
        }
        self.pending
            .truncate(usize::from(max.saturating_sub(self.sent)));
    }

    pub(crate) fn memory_usage(&self) -> usize {
        core::mem::size_of::<Self>()
            + (self.tried.len() + self.pending.len()) * (core::mem::size_of::<Uri>() + 64)
    }
}

/// The Request-URI for a Contact URI of a 3xx, or `None` when it is not
/// one to follow: `sip:`/`sips:`/`tel:` only (only `sips:` when
/// `secure_only`), without the `method` parameter and URI headers
/// (§8.1.3.4, §19.1.1).
fn usable(uri: Uri, secure_only: bool) -> Option<Uri> {
    match uri {
        Uri::Sip(mut u) if u.secure || !secure_only => {
            u.headers.clear();
            u.params.remove("method");
            Some(Uri::Sip(u))
        }
        Uri::Tel(_) if !secure_only => Some(uri),
        _ => None,
    }
}

/// True for a final status after which the next target of the set is
/// tried: a 3xx to follow (not 305, 380) or a failure other than 6xx
/// (§8.1.3.4: "failure response codes (codes greater than 399)").
fn moves_on(status: StatusCode) -> bool {
    matches!(status.as_u16(), 300..=304 | 306..=379 | 381..=399 | 400..=599)
}

/// The INVITE ended with `status` (`resp` when a response, not a
/// synthesized 408 / 503): when following redirects, takes the Contacts
/// of a 3xx into the target set and sends the INVITE to the next target.
/// True when a new INVITE went: the session goes on in Establishing.
pub(crate) fn try_next_target(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    status: StatusCode,
    resp: Option<&Response>,
) -> bool {
    let max = core.cfg.max_redirects;
    if max == 0 || s.state != SessionState::Establishing || !moves_on(status) {
        return false;
    }
    let Some(u) = s.uac.as_mut() else {
        return false;
    };
    let redirect = (300..400).contains(&status.as_u16());
    if u.targets.is_none() {
        if !redirect {
            // A failure of the original target: nothing to fall back on.
            return false;
        }
        u.targets = Some(Box::new(TargetSet::new(u.invite.uri.clone())));
    }
    let set = u.targets.as_mut().expect("target set");
    if let (true, Some(resp)) = (redirect, resp) {
        set.add_contacts(resp, max);
    }
    loop {
        let u = s.uac.as_mut().expect("inviter");
        let set = u.targets.as_mut().expect("target set");
        if set.sent >= max || set.pending.is_empty() {
            return false;
        }
        let (_, target) = set.pending.remove(0);
        set.tried.push(target.clone());
        set.sent += 1;
        if send_to(core, s, now, target.clone()) {
            core.emit(Event::Redirected {
                session: s.id,
                status,
                target: Box::new(target),
            });
            let at = now + core.cfg.invite_timeout;
            core.arm(s, SessionTimer::InviteTimeout, at);
            return true;
        }
        // Not routable (no route to its host): on to the next one.
    }
}

/// Sends the INVITE as last sent to `target`: new Request-URI, next CSeq,
/// new branch (a new client transaction), no credentials for the previous
/// target (§22: a challenge on the new INVITE is answered afresh). The
/// early dialogs of the previous attempt are dropped.
fn send_to(core: &mut Core, s: &mut SessionData, now: Instant, target: Uri) -> bool {
    let Some(u) = s.uac.as_mut() else {
        return false;
    };
    let mut req = u.invite.clone();
    req.uri = target;
    req.headers
        .set(HeaderName::CSeq, format!("{} INVITE", u.invite_seq + 1));
    req.headers.remove(&HeaderName::Via);
    req.headers.remove(&HeaderName::Authorization);
    req.headers.remove(&HeaderName::ProxyAuthorization);
    let Ok(((txn, dest), req)) = super::send_kept(core, now, req, s.id) else {
        return false;
    };
    let u = s.uac.as_mut().expect("inviter");
    u.invite_seq += 1;
    u.invite = req;
    u.may_have_credentials = true;
    u.request_lines = None;
    u.txn = Some(txn);
    u.over_tls = matches!(
        dest,
        Destination::Addr {
            transport: Transport::Tls | Transport::Wss,
            ..
        }
    );
    reset_attempt(core, u);
    let forks = std::mem::take(&mut u.forks);
    forget_forks(core, s.id, &forks, None);
    s.timers.stop(SessionTimer::Description);
    true
}

/// What belonged to the previous attempt goes: provisional state, the
/// digest exchange, answers awaited in early dialogs.
fn reset_attempt(core: &Core, u: &mut InviterData) {
    u.provisional = false;
    u.auth = AuthSession::with_config(core.cfg.auth);
    u.pending = None;
    u.early_media_tag = None;
    u.prack_offered = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(contacts: &[&str]) -> Response {
        let mut r = Response::new(StatusCode::MOVED_TEMPORARILY);
        for c in contacts {
            r.headers.push(HeaderName::Contact, *c);
        }
        r
    }

    fn uris(set: &TargetSet) -> Vec<String> {
        set.pending.iter().map(|(_, u)| u.to_string()).collect()
    }

    #[test]
    fn contacts_in_q_order_stable_and_deduplicated() {
        let mut set = TargetSet::new(Uri::parse("sip:bob@a.example").unwrap());
        set.add_contacts(
            &resp(&[
                "<sip:low@b.example>;q=0.1",
                "<sip:one@c.example>",
                "<sip:high@d.example>;q=0.9, <sip:two@e.example>;q=1.0",
                "<sip:bob@A.EXAMPLE>",
                "<sip:one@c.example>;q=0.5",
            ]),
            10,
        );
        assert_eq!(
            uris(&set),
            [
                "sip:one@c.example",
                "sip:two@e.example",
                "sip:high@d.example",
                "sip:low@b.example"
            ]
        );
    }

    #[test]
    fn only_sip_sips_tel_and_no_downgrade_from_sips() {
        let mut set = TargetSet::new(Uri::parse("sip:bob@a.example").unwrap());
        set.add_contacts(
            &resp(&[
                "<mailto:bob@a.example>",
                "<http://example.com/bob>",
                "<tel:+15550100>",
                "<sips:bob@b.example;method=REGISTER?Subject=hi>",
            ]),
            10,
        );
        assert_eq!(uris(&set), ["tel:+15550100", "sips:bob@b.example"]);

        let mut set = TargetSet::new(Uri::parse("sips:bob@a.example").unwrap());
        set.add_contacts(
            &resp(&[
                "<sip:bob@b.example>",
                "<tel:+15550100>",
                "<sips:c@d.example>",
            ]),
            10,
        );
        assert_eq!(uris(&set), ["sips:c@d.example"]);
    }

    #[test]
    fn pending_bounded_by_the_invites_left() {
        let mut set = TargetSet::new(Uri::parse("sip:bob@a.example").unwrap());
        set.sent = 1;
        set.add_contacts(
            &resp(&[
                "<sip:a@x.example>",
                "<sip:b@x.example>;q=1",
                "<sip:c@x.example>",
            ]),
            3,
        );
        assert_eq!(uris(&set), ["sip:a@x.example", "sip:b@x.example"]);
    }

    #[test]
    fn which_statuses_move_on() {
        for (code, on) in [
            (300, true),
            (302, true),
            (305, false),
            (380, false),
            (404, true),
            (486, true),
            (503, true),
            (600, false),
            (603, false),
        ] {
            assert_eq!(moves_on(StatusCode::new(code).unwrap()), on, "{code}");
        }
    }
}
