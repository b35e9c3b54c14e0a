//! The notifier side (RFC 6665 §4.2).

use super::{
    arm, end, send_in_dialog, set_state, state_header, Queued, Side, SubData, SubTimer,
    SubscriptionId, SubscriptionState, Usage,
};
use crate::body::Body;
use crate::events::Event;
use crate::roles::{Reply, RoleError};
use crate::session::SessionTable;
use crate::user_agent::core::Core;
use crate::UserAgent;
use sip_core::dialog::{Dialog, DialogId};
use sip_core::header::{
    Expires, HeaderName, SubscriptionState as SubStateHeader, TerminationReason,
};
use sip_core::message::Request;
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::{key, TransactionId};

/// Most seconds a notifier grants (RFC 6665 §4.2.1.1 lets it shorten).
const MAX_EXPIRES: u32 = 3600;

fn requested_expires(req: &Request) -> u32 {
    req.headers
        .typed::<Expires>()
        .and_then(Result::ok)
        .map_or(MAX_EXPIRES, |e| e.0.min(MAX_EXPIRES))
}

fn remaining(d: &SubData, now: Instant) -> u32 {
    d.expires_at.map_or(0, |at| {
        (at.saturating_duration_since(now).as_millis() / 1000) as u32
    })
}

pub(super) fn route_subscribe(
    ua: &mut UserAgent,
    now: Instant,
    txn: TransactionId,
    req: Request,
) -> Option<Request> {
    let h = &req.headers;
    if let Some(to_tag) = key::to_tag(h) {
        let did = DialogId::new(
            key::call_id(h).unwrap_or(""),
            to_tag,
            key::from_tag(h).unwrap_or(""),
        );
        let Some(id) = ua.roles.subs.dialogs.get(&did).copied() else {
            return Some(req);
        };
        on_refresh(ua, now, id, txn, req);
        return None;
    }
    if ua.roles.subs.packages.is_empty() {
        return Some(req);
    }
    let core = &mut ua.core;
    let Some(event) = h.get(&HeaderName::Event).map(str::to_owned) else {
        core.reply(now, txn, &req, StatusCode::BAD_REQUEST);
        return None;
    };
    let package = event.split(';').next().unwrap_or("").trim();
    if !ua
        .roles
        .subs
        .packages
        .iter()
        .any(|p| p.eq_ignore_ascii_case(package))
    {
        // §8.2.1: an event package we do not offer.
        let tag = core.tokens.tag();
        let mut r = core.response(&req, StatusCode::BAD_EVENT, Some(&tag));
        r.headers
            .push(HeaderName::AllowEvents, ua.roles.subs.packages.join(", "));
        core.send_response(now, txn, r);
        return None;
    }
    if !h.contains(&HeaderName::Contact) {
        core.reply(now, txn, &req, StatusCode::BAD_REQUEST);
        return None;
    }
    let mut d = SubData::new(Side::Notifier, SubscriptionState::Initial, &event);
    d.expires = requested_expires(&req);
    d.pending_txn = Some((txn, req));
    let id = ua.roles.subs.insert(d);
    let at = now + core.cfg.request_answer_timeout;
    if let Some(d) = ua.roles.subs.table.get_mut(&id) {
        arm(core, id, d, SubTimer::Refresh, at);
    }
    core.emit(Event::Subscribe { subscription: id });
    None
}

/// Sends a NOTIFY with the current state (or `terminated` with
/// `reason`), or queues it while one is in flight (§4.2.2: a NOTIFY
/// waits for the previous one's final response; the terminating one
/// replaces a queued update).
pub(super) fn send_notify(
    core: &mut Core,
    sessions: &mut SessionTable,
    id: SubscriptionId,
    d: &mut SubData,
    now: Instant,
    terminated: Option<(TerminationReason, Option<u32>)>,
) -> Result<(), RoleError> {
    if d.in_flight.is_some() {
        d.queued = Some(match terminated {
            Some((reason, retry)) => Queued::Final(reason, retry),
            None if matches!(d.queued, Some(Queued::Final(..))) => return Ok(()),
            None => Queued::State,
        });
        return Ok(());
    }
    let state = match terminated {
        Some((reason, retry)) => {
            let mut s = SubStateHeader::terminated(reason);
            s.retry_after = retry;
            s.to_string()
        }
        None => state_header(d.state, remaining(d, now)),
    };
    let headers = [
        (HeaderName::Event, d.event_value.clone()),
        (HeaderName::SubscriptionState, state),
        (HeaderName::Contact, core.wire.contact.clone()),
    ];
    let body = d.body.clone();
    send_in_dialog(
        core,
        sessions,
        id,
        d,
        now,
        Method::Notify,
        &headers,
        body.as_ref(),
    )
}

pub(super) fn accept(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
    state: SubscriptionState,
    body: Option<Body>,
) -> Result<(), RoleError> {
    let core = &mut ua.core;
    let subs = &mut ua.roles.subs;
    let Some(d) = subs.table.get_mut(&id) else {
        return Err(RoleError::Terminated);
    };
    let Some((txn, req)) = d.pending_txn.take() else {
        return Err(RoleError::Terminated);
    };
    let tag = core.tokens.tag();
    let Ok(mut dialog) = Dialog::new_uas(&req, &tag, false) else {
        core.reply(now, txn, &req, StatusCode::BAD_REQUEST);
        end(core, id, d, now);
        return Ok(());
    };
    dialog.confirm();
    let mut r = core.response(&req, StatusCode::OK, Some(&tag));
    r.headers.push(HeaderName::Expires, d.expires.to_string());
    r.headers.push(HeaderName::Contact, &core.wire.contact);
    core.send_response(now, txn, r);
    subs.dialogs.insert(dialog.id().clone(), id);
    d.dialog = Some(dialog);
    d.local_seq = 0;
    d.body = body;
    d.timers[SubTimer::Refresh as usize] = None;
    let sessions = &mut ua.sessions;
    if d.expires == 0 {
        // A fetch (§4.4.3): one NOTIFY with the state, then over.
        d.state = state;
        let r = send_notify(
            core,
            sessions,
            id,
            d,
            now,
            Some((TerminationReason::Timeout, None)),
        );
        d.reason = Some(TerminationReason::Timeout);
        end(core, id, d, now);
        return r;
    }
    let to = if state == SubscriptionState::Pending {
        SubscriptionState::Pending
    } else {
        SubscriptionState::Active
    };
    set_state(core, id, d, to);
    let at = now + Duration::from_secs(u64::from(d.expires));
    d.expires_at = Some(at);
    arm(core, id, d, SubTimer::Refresh, at);
    send_notify(core, sessions, id, d, now, None)
}

pub(super) fn reject(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
    status: StatusCode,
) -> Result<(), RoleError> {
    if !(300..700).contains(&status.as_u16()) {
        return Err(RoleError::Terminated);
    }
    let core = &mut ua.core;
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        return Err(RoleError::Terminated);
    };
    let Some((txn, req)) = d.pending_txn.take() else {
        return Err(RoleError::Terminated);
    };
    core.reply(now, txn, &req, status);
    end(core, id, d, now);
    Ok(())
}

pub(super) fn notify(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
    state: SubscriptionState,
    body: Option<Body>,
) -> Result<(), RoleError> {
    let core = &mut ua.core;
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        return Err(RoleError::Terminated);
    };
    if !matches!(
        d.state,
        SubscriptionState::Active | SubscriptionState::Pending
    ) {
        return Err(RoleError::Terminated);
    }
    d.body = body;
    let to = if state == SubscriptionState::Pending {
        SubscriptionState::Pending
    } else {
        SubscriptionState::Active
    };
    set_state(core, id, d, to);
    send_notify(core, &mut ua.sessions, id, d, now, None)
}

pub(super) fn terminate(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
    reason: TerminationReason,
    retry_after: Option<u32>,
    body: Option<Body>,
) -> Result<(), RoleError> {
    let core = &mut ua.core;
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        return Err(RoleError::Terminated);
    };
    if !matches!(
        d.state,
        SubscriptionState::Active | SubscriptionState::Pending
    ) {
        return Err(RoleError::Terminated);
    }
    if body.is_some() {
        d.body = body;
    }
    d.reason = Some(reason.clone());
    let sessions = &mut ua.sessions;
    let r = send_notify(core, sessions, id, d, now, Some((reason, retry_after)));
    end(core, id, d, now);
    r
}

/// An in-dialog SUBSCRIBE: a refresh, or `Expires: 0` to end it
/// (§4.2.1.2); each is followed by a NOTIFY.
fn on_refresh(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
    txn: TransactionId,
    req: Request,
) {
    let core = &mut ua.core;
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST);
        return;
    };
    if d.side != Side::Notifier
        || !matches!(
            d.state,
            SubscriptionState::Active | SubscriptionState::Pending
        )
    {
        core.reply(now, txn, &req, StatusCode::CALL_DOES_NOT_EXIST);
        return;
    }
    if let Some(dl) = d.dialog.as_mut() {
        if dl.receive_request(&req).is_err() {
            core.reply(now, txn, &req, StatusCode::SERVER_INTERNAL_ERROR);
            return;
        }
    }
    let expires = requested_expires(&req);
    let tag = d.dialog.as_ref().map(|dl| dl.local_tag().to_owned());
    let mut r = core.response(&req, StatusCode::OK, tag.as_deref());
    r.headers.push(HeaderName::Expires, expires.to_string());
    r.headers.push(HeaderName::Contact, &core.wire.contact);
    core.send_response(now, txn, r);
    let sessions = &mut ua.sessions;
    if expires == 0 {
        d.reason = Some(TerminationReason::Timeout);
        let timeout = Some((TerminationReason::Timeout, None));
        let _ = send_notify(core, sessions, id, d, now, timeout);
        end(core, id, d, now);
        return;
    }
    d.expires = expires;
    let at = now + Duration::from_secs(u64::from(expires));
    d.expires_at = Some(at);
    arm(core, id, d, SubTimer::Refresh, at);
    let _ = send_notify(core, sessions, id, d, now, None);
}

pub(super) fn on_reply(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
    txn: TransactionId,
    reply: Reply,
) {
    let Some(d) = ua.roles.subs.table.get(&id) else {
        return;
    };
    if d.in_flight != Some(txn) {
        return;
    }
    let usage = d.usage;
    let resp = reply.into_response();
    let code = resp.status.as_u16();
    if code < 200 {
        return;
    }
    if let Usage::Refer(sid) = usage {
        // The NOTIFY is also a request of the session's dialog: its
        // outcome is reported there, and a 481 or 408 ends the dialog
        // (RFC 5057 §5.1).
        let status = resp.status;
        let _ = ua.command(now, sid, |core, s| {
            crate::session::in_dialog::on_final(core, s, now, Method::Notify, status);
            Ok(())
        });
    }
    let core = &mut ua.core;
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        return;
    };
    d.in_flight = None;
    let queued = d.queued.take();
    if code >= 300 {
        // §4.2.2: a NOTIFY refused (481...) or unanswered ends it.
        if d.state != SubscriptionState::Terminated {
            end(core, id, d, now);
        }
        return;
    }
    let sessions = &mut ua.sessions;
    match queued {
        // The terminating NOTIFY waited for this answer; the
        // subscription is already Terminated.
        Some(Queued::Final(reason, retry)) => {
            let _ = send_notify(core, sessions, id, d, now, Some((reason, retry)));
        }
        Some(Queued::State) if d.state != SubscriptionState::Terminated => {
            let _ = send_notify(core, sessions, id, d, now, None);
        }
        _ => {}
    }
}

pub(super) fn on_timer(ua: &mut UserAgent, now: Instant, id: SubscriptionId, t: SubTimer) {
    let core = &mut ua.core;
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        return;
    };
    if t != SubTimer::Refresh {
        return;
    }
    if let Some((txn, req)) = d.pending_txn.take() {
        // The application never answered the SUBSCRIBE.
        core.reply(now, txn, &req, StatusCode::TEMPORARILY_UNAVAILABLE);
        end(core, id, d, now);
        return;
    }
    if !matches!(
        d.state,
        SubscriptionState::Active | SubscriptionState::Pending
    ) {
        return;
    }
    let sessions = &mut ua.sessions;
    if d.usage != Usage::Own {
        // The referee keeps the implicit subscription up while the
        // referred call is in progress: a NOTIFY with the current state
        // grants it another period (§4.1.3: the subscriber takes the
        // `expires` of a NOTIFY as authoritative).
        super::implicit::regrant(core, id, d, now);
        if send_notify(core, sessions, id, d, now, None).is_err() {
            end(core, id, d, now);
        }
        return;
    }
    // §4.2.2: the subscription expired.
    d.reason = Some(TerminationReason::Timeout);
    let timeout = Some((TerminationReason::Timeout, None));
    let _ = send_notify(core, sessions, id, d, now, timeout);
    end(core, id, d, now);
}
