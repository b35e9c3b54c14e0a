//! The subscriber side (RFC 6665 §4.1; SIP.js `Subscriber`).

use super::{
    arm, end, send_in_dialog, set_state, Side, SubData, SubTimer, SubscriptionId,
    SubscriptionState, Usage,
};
use crate::body::Body;
use crate::events::Event;
use crate::roles::{auth_retry, Reply, RoleError};
use crate::user_agent::core::{Core, Link};
use crate::UserAgent;
use sip_core::dialog::{Dialog, DialogId};
use sip_core::header::{
    Expires, HeaderName, MinExpires, SubState, SubscriptionState as SubStateHeader,
    TerminationReason, TypedHeader,
};
use sip_core::message::Request;
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::{key, TransactionId};
use sip_core::uri::Uri;
use sip_core::NameAddr;

/// Options of [`UserAgent::subscribe`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SubscribeOptions {
    /// The expiry asked for, in seconds. Default 3600 (as SIP.js).
    pub expires: u32,
    /// Accept values (e.g. `application/pidf+xml`); none by default.
    pub accept: Vec<String>,
    /// Headers added to every SUBSCRIBE.
    pub extra_headers: Vec<(HeaderName, String)>,
    /// A body for the SUBSCRIBE (filters).
    pub body: Option<Body>,
}

impl Default for SubscribeOptions {
    fn default() -> Self {
        SubscribeOptions {
            expires: 3600,
            accept: Vec::new(),
            extra_headers: Vec::new(),
            body: None,
        }
    }
}

impl UserAgent {
    /// Subscribes to `event` at `target` (RFC 6665 §4.1.2.1): the new
    /// subscription goes NotifyWait; NOTIFYs come as [`Event::Notify`].
    pub fn subscribe(
        &mut self,
        now: Instant,
        target: Uri,
        event: &str,
        opts: SubscribeOptions,
    ) -> Result<SubscriptionId, RoleError> {
        let mut d = SubData::new(Side::Subscriber, SubscriptionState::Initial, event);
        d.expires = opts.expires;
        d.accept.clone_from(&opts.accept);
        d.opts = Some(opts);
        let id = SubscriptionId(self.roles.subs.next);
        send_initial(&mut self.core, id, &mut d, now, &target)?;
        set_state(&mut self.core, id, &mut d, SubscriptionState::NotifyWait);
        let got = self.roles.subs.insert(d);
        debug_assert_eq!(got, id);
        Ok(id)
    }
}

/// Sends a new out-of-dialog SUBSCRIBE (new Call-ID and tag) to `target`
/// and arms Timer N.
fn send_initial(
    core: &mut Core,
    id: SubscriptionId,
    d: &mut SubData,
    now: Instant,
    target: &Uri,
) -> Result<(), RoleError> {
    let opts = d.opts.clone().unwrap_or_default();
    let tag = core.tokens.tag();
    let mut req = Request::new(Method::Subscribe, target.clone());
    let h = &mut req.headers;
    h.push(HeaderName::MaxForwards, "70");
    for r in &core.cfg.preloaded_route {
        h.push(HeaderName::Route, format!("<{r}>"));
    }
    h.push(
        HeaderName::From,
        core.wire.from.clone().with_tag(&tag).to_string(),
    );
    h.push(HeaderName::To, NameAddr::new(target.clone()).to_string());
    h.push(HeaderName::CallId, core.tokens.call_id());
    h.push(HeaderName::CSeq, "1 SUBSCRIBE");
    h.push(HeaderName::Contact, &core.wire.contact);
    h.push(HeaderName::Event, &d.event_value);
    h.push(HeaderName::Expires, d.expires.to_string());
    if !opts.accept.is_empty() {
        h.push(HeaderName::Accept, opts.accept.join(", "));
    }
    h.push(HeaderName::Allow, &core.wire.allow);
    for (n, v) in &opts.extra_headers {
        h.push(n.clone(), v);
    }
    core.decorate_request(&mut req);
    if let Some(b) = &opts.body {
        b.apply_to_request(&mut req);
    }
    let (txn, _) = core.send_request(now, req.clone(), Link::Subscription(id))?;
    d.in_flight = Some(txn);
    d.local_seq = 1;
    d.subscribe = Some(req.clone());
    d.last_req = Some(req);
    d.auth = sip_core::auth::AuthSession::with_config(core.cfg.auth);
    d.dialog = None;
    let at = now + core.t1x64();
    arm(core, id, d, SubTimer::TimerN, at);
    Ok(())
}

/// Subscribes again from scratch (after `deactivated`, `timeout`, or a
/// retry-after): a new SUBSCRIBE outside the old dialog.
fn resubscribe(ua: &mut UserAgent, now: Instant, id: SubscriptionId) {
    let subs = &mut ua.roles.subs;
    let Some(d) = subs.table.get_mut(&id) else {
        return;
    };
    if let Some(dl) = d.dialog.take() {
        subs.dialogs.remove(dl.id());
    }
    let Some(target) = d.subscribe.as_ref().map(|r| r.uri.clone()) else {
        return;
    };
    set_state(&mut ua.core, id, d, SubscriptionState::NotifyWait);
    if send_initial(&mut ua.core, id, d, now, &target).is_err() {
        end(&mut ua.core, id, d, now);
    }
}

pub(super) fn refresh(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
) -> Result<(), RoleError> {
    let core = &mut ua.core;
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        return Err(RoleError::Terminated);
    };
    match d.state {
        SubscriptionState::Active | SubscriptionState::Pending => {}
        SubscriptionState::Terminated => return Err(RoleError::Terminated),
        _ => return Ok(()),
    }
    if d.usage != Usage::Own {
        // An implicit subscription is kept up by the referee's NOTIFYs.
        return Ok(());
    }
    if d.in_flight.is_some() {
        return Err(RoleError::RequestPending);
    }
    let mut headers = vec![
        (HeaderName::Event, d.event_value.clone()),
        (
            HeaderName::Expires,
            d.opts.as_ref().map_or(d.expires, |o| o.expires).to_string(),
        ),
        (HeaderName::Contact, core.wire.contact.clone()),
    ];
    if !d.accept.is_empty() {
        headers.push((HeaderName::Accept, d.accept.join(", ")));
    }
    send_in_dialog(
        core,
        &mut ua.sessions,
        id,
        d,
        now,
        Method::Subscribe,
        &headers,
        None,
    )
}

pub(super) fn unsubscribe(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
) -> Result<(), RoleError> {
    let core = &mut ua.core;
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        return Err(RoleError::Terminated);
    };
    if d.state == SubscriptionState::Terminated {
        return Err(RoleError::Terminated);
    }
    if d.dialog.is_some() {
        let headers = [
            (HeaderName::Event, d.event_value.clone()),
            (HeaderName::Expires, "0".to_owned()),
            (HeaderName::Contact, core.wire.contact.clone()),
        ];
        let sessions = &mut ua.sessions;
        let _ = send_in_dialog(
            core,
            sessions,
            id,
            d,
            now,
            Method::Subscribe,
            &headers,
            None,
        );
    }
    end(core, id, d, now);
    Ok(())
}

/// Arms the refresh at 90 % of `expires` (SIP.js); an implicit
/// subscription, which is not refreshed, gets its expiry instead, 64*T1
/// after the `expires` so that a NOTIFY still being retransmitted counts.
fn arm_refresh(core: &mut Core, id: SubscriptionId, d: &mut SubData, now: Instant, expires: u32) {
    d.expires = expires;
    if d.usage != Usage::Own {
        let at = now + Duration::from_secs(u64::from(expires)) + core.t1x64();
        arm(core, id, d, SubTimer::Expiry, at);
    } else if expires > 0 {
        let at = now + Duration::from_millis(u64::from(expires) * 900);
        arm(core, id, d, SubTimer::Refresh, at);
    }
}

pub(super) fn on_reply(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
    txn: TransactionId,
    reply: Reply,
) {
    let core = &mut ua.core;
    let subs = &mut ua.roles.subs;
    let Some(d) = subs.table.get_mut(&id) else {
        return;
    };
    if d.in_flight != Some(txn) {
        return;
    }
    let resp = reply.into_response();
    let code = resp.status.as_u16();
    if code < 200 {
        return;
    }
    d.in_flight = None;
    if d.state == SubscriptionState::Terminated {
        return;
    }
    let initial = d.dialog.is_none() || d.state == SubscriptionState::NotifyWait;
    match code {
        200..=299 => {
            let expires = resp
                .headers
                .typed::<Expires>()
                .and_then(Result::ok)
                .map_or(d.expires, |e| e.0);
            if d.dialog.is_none() {
                if let Some(sub) = &d.subscribe {
                    if let Ok(dl) = Dialog::new_uac(sub, &resp, false) {
                        subs.dialogs.insert(dl.id().clone(), id);
                        d.dialog = Some(dl);
                    }
                }
            }
            if d.state != SubscriptionState::NotifyWait {
                arm_refresh(core, id, d, now, expires);
            } else {
                d.expires = expires;
            }
        }
        401 | 407 => {
            let Some(last) = d.last_req.clone() else {
                return end(core, id, d, now);
            };
            match auth_retry(core, &last, &mut d.auth, &mut d.digest, &resp) {
                Some(req) => match core.send_request(now, req.clone(), Link::Subscription(id)) {
                    Ok((t, _)) => {
                        d.in_flight = Some(t);
                        d.local_seq = crate::roles::cseq_of(&req);
                        if initial {
                            d.subscribe = Some(req.clone());
                        }
                        d.last_req = Some(req);
                    }
                    Err(_) => end(core, id, d, now),
                },
                None => end(core, id, d, now),
            }
        }
        423 => {
            let min = resp
                .headers
                .typed::<MinExpires>()
                .and_then(Result::ok)
                .map(|m| m.0);
            match (min, d.last_req.clone()) {
                (Some(min), Some(mut req)) if min > d.expires => {
                    d.expires = min;
                    if let Some(o) = d.opts.as_mut() {
                        o.expires = min;
                    }
                    d.local_seq = crate::roles::cseq_of(&req) + 1;
                    req.headers
                        .set(HeaderName::CSeq, format!("{} SUBSCRIBE", d.local_seq));
                    req.headers.set(HeaderName::Expires, min.to_string());
                    req.headers.remove(&HeaderName::Via);
                    match core.send_request(now, req.clone(), Link::Subscription(id)) {
                        Ok((t, _)) => {
                            d.in_flight = Some(t);
                            if initial {
                                d.subscribe = Some(req.clone());
                            }
                            d.last_req = Some(req);
                        }
                        Err(_) => end(core, id, d, now),
                    }
                }
                _ => end(core, id, d, now),
            }
        }
        // A failed initial SUBSCRIBE or refresh ends the subscription
        // (§4.1.2.2; SIP.js unsubscribes after a failed refresh).
        _ => end(core, id, d, now),
    }
}

pub(super) fn on_timer(ua: &mut UserAgent, now: Instant, id: SubscriptionId, t: SubTimer) {
    match t {
        SubTimer::Refresh => {
            let _ = refresh(ua, now, id);
        }
        SubTimer::TimerN => {
            let core = &mut ua.core;
            if let Some(d) = ua.roles.subs.table.get_mut(&id) {
                if d.state == SubscriptionState::NotifyWait {
                    d.reason = Some(TerminationReason::Timeout);
                    end(core, id, d, now);
                    super::implicit::report_lapse(ua, id);
                }
            }
        }
        SubTimer::Expiry => {
            let core = &mut ua.core;
            if let Some(d) = ua.roles.subs.table.get_mut(&id) {
                if d.state != SubscriptionState::Terminated {
                    d.reason = Some(TerminationReason::Timeout);
                    end(core, id, d, now);
                    super::implicit::report_lapse(ua, id);
                }
            }
        }
        SubTimer::Retry => resubscribe(ua, now, id),
        SubTimer::Linger => {}
    }
}

/// The subscription a NOTIFY belongs to: by dialog, else by the
/// SUBSCRIBE's Call-ID and From tag (a NOTIFY before the 2xx, or from a
/// second notifier: a fork).
fn find(ua: &mut UserAgent, req: &Request) -> Option<SubscriptionId> {
    let h = &req.headers;
    let call_id = key::call_id(h)?;
    let to_tag = key::to_tag(h)?;
    let from_tag = key::from_tag(h).unwrap_or("");
    let subs = &mut ua.roles.subs;
    let did = DialogId::new(call_id, to_tag, from_tag);
    if let Some(id) = subs.dialogs.get(&did) {
        return Some(*id);
    }
    let (orig, d) = subs.table.iter().find(|(_, d)| {
        d.side == Side::Subscriber
            && d.subscribe.as_ref().is_some_and(|s| {
                key::call_id(&s.headers) == Some(call_id)
                    && key::from_tag(&s.headers) == Some(to_tag)
            })
    })?;
    let orig = *orig;
    let event_ok = match (
        req.headers
            .get(&HeaderName::Event)
            .and_then(|e| sip_core::header::Event::parse(e).ok()),
        sip_core::header::Event::parse(&d.event_value).ok(),
    ) {
        (Some(a), Some(b)) => a.matches(&b),
        _ => false,
    };
    let valid = event_ok
        && req.headers.contains(&HeaderName::SubscriptionState)
        && req.headers.contains(&HeaderName::Contact);
    if d.dialog.is_none() || !valid {
        // Not a fork: the checks of `route_notify` answer it.
        return Some(orig);
    }
    // §4.1.2.4: a NOTIFY from another notifier (a forked SUBSCRIBE)
    // creates another subscription.
    let mut fork = SubData::new(
        Side::Subscriber,
        SubscriptionState::NotifyWait,
        &d.event_value,
    );
    fork.subscribe.clone_from(&d.subscribe);
    fork.opts.clone_from(&d.opts);
    fork.accept.clone_from(&d.accept);
    fork.expires = d.expires;
    fork.local_seq = d.local_seq;
    let id = subs.insert(fork);
    ua.core.emit(Event::SubscriptionForked {
        original: orig,
        subscription: id,
    });
    Some(id)
}

pub(super) fn route_notify(
    ua: &mut UserAgent,
    now: Instant,
    txn: TransactionId,
    req: Request,
) -> Option<Request> {
    let Some(id) = find(ua, &req) else {
        return Some(req);
    };
    if !ua.roles.subs.table.contains_key(&id) {
        return Some(req);
    }
    on_notify(ua, now, id, txn, &req);
    None
}

/// Whether the Event of a NOTIFY names subscription `d` (RFC 6665
/// §8.2.1: package and `id`). A referrer also takes a NOTIFY without `id`
/// (RFC 3515 §2.4.6: the referee may leave it out for the first REFER
/// of a dialog).
fn event_matches(d: &SubData, got: &sip_core::header::Event) -> bool {
    let Ok(ours) = sip_core::header::Event::parse(&d.event_value) else {
        return false;
    };
    match d.usage {
        Usage::Own => got.matches(&ours),
        Usage::Refer(_) => {
            got.package.eq_ignore_ascii_case(&ours.package)
                && got.id().is_none_or(|i| Some(i) == ours.id())
        }
    }
}

/// A NOTIFY for subscription `id` (RFC 6665 §4.1.3): the checks, the
/// answer, the event, and what its Subscription-State asks for.
pub(super) fn on_notify(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
    txn: TransactionId,
    req: &Request,
) {
    let core = &mut ua.core;
    let subs = &mut ua.roles.subs;
    let Some(d) = subs.table.get_mut(&id) else {
        core.reply(now, txn, req, StatusCode::CALL_DOES_NOT_EXIST);
        return;
    };
    // §8.2.1 / SIP.js: Event must match the subscription's (481, no
    // such subscription), and Subscription-State must be present (489);
    // a malformed one is a bad request (RFC 3261 §21.4.1).
    let Some(event) = req.headers.get(&HeaderName::Event) else {
        core.reply(now, txn, req, StatusCode::BAD_EVENT);
        return;
    };
    let event_ok = sip_core::header::Event::parse(event)
        .ok()
        .is_some_and(|ev| event_matches(d, &ev));
    if !event_ok {
        core.reply(now, txn, req, StatusCode::CALL_DOES_NOT_EXIST);
        return;
    }
    let state = match req.headers.typed::<SubStateHeader>() {
        Some(Ok(s)) => s,
        Some(Err(_)) => {
            core.reply(now, txn, req, StatusCode::BAD_REQUEST);
            return;
        }
        None => {
            core.reply(now, txn, req, StatusCode::BAD_EVENT);
            return;
        }
    };
    let implicit = match d.usage {
        Usage::Own => None,
        Usage::Refer(sid) => Some(sid),
    };
    if d.state == SubscriptionState::Terminated {
        // A late NOTIFY after we ended it. A referrer still reports it:
        // SIP.js referees say `terminated` in every NOTIFY, even for a
        // provisional response.
        core.reply(now, txn, req, StatusCode::OK);
        if let Some(session) = implicit {
            super::implicit::report(core, session, req, &state);
        }
        return;
    }
    match d.dialog.as_mut() {
        // An implicit subscription's NOTIFY went through the session's
        // dialog already (`implicit::route_notify`).
        _ if implicit.is_some() => {}
        Some(dl) => {
            if dl.receive_request(req).is_err() {
                core.reply(now, txn, req, StatusCode::SERVER_INTERNAL_ERROR);
                return;
            }
        }
        None => {
            let to_tag = key::to_tag(&req.headers).unwrap_or("").to_owned();
            match Dialog::new_uas(req, &to_tag, false) {
                Ok(mut dl) => {
                    dl.confirm();
                    subs.dialogs.insert(dl.id().clone(), id);
                    d.dialog = Some(dl);
                }
                Err(_) if state.state == SubState::Terminated => {}
                Err(_) => {
                    // No Contact: the dialog cannot be made (SIP.js: 489).
                    core.reply(now, txn, req, StatusCode::BAD_EVENT);
                    return;
                }
            }
        }
    }
    core.reply(now, txn, req, StatusCode::OK);
    d.timers[SubTimer::TimerN as usize] = None;
    let body = (!req.body.is_empty()).then(|| {
        let ct = req
            .headers
            .get(&HeaderName::ContentType)
            .unwrap_or("application/octet-stream");
        Body::new(ct, req.body.clone())
    });
    d.body.clone_from(&body);
    match implicit {
        Some(session) => super::implicit::report(core, session, req, &state),
        None => core.emit(Event::Notify {
            subscription: id,
            body: body.map(Box::new),
        }),
    }
    match state.state {
        SubState::Terminated => {
            let reason = state.reason.clone();
            d.reason.clone_from(&reason);
            match (reason, state.retry_after) {
                // A fetch (Expires: 0, §4.4.3) is over after its NOTIFY;
                // an implicit subscription cannot be asked for again
                // (that would take a new REFER).
                _ if implicit.is_some() || d.opts.as_ref().is_some_and(|o| o.expires == 0) => {
                    end(core, id, d, now)
                }
                // §4.1.3: subscribe again at once.
                (Some(TerminationReason::Deactivated | TerminationReason::Timeout), _) => {
                    resubscribe(ua, now, id);
                }
                // §4.1.3: again after retry-after seconds.
                (Some(TerminationReason::Probation | TerminationReason::Giveup), Some(secs)) => {
                    if let Some(dl) = d.dialog.take() {
                        subs.dialogs.remove(dl.id());
                    }
                    d.timers = [None; super::SubTimer::COUNT];
                    let at = now + Duration::from_secs(u64::from(secs));
                    arm(core, id, d, SubTimer::Retry, at);
                    set_state(core, id, d, SubscriptionState::NotifyWait);
                }
                _ => end(core, id, d, now),
            }
        }
        SubState::Active => {
            let e = state.expires.unwrap_or(d.expires);
            arm_refresh(core, id, d, now, e);
            set_state(core, id, d, SubscriptionState::Active);
        }
        _ => {
            let e = state.expires.unwrap_or(d.expires);
            arm_refresh(core, id, d, now, e);
            set_state(core, id, d, SubscriptionState::Pending);
        }
    }
}
