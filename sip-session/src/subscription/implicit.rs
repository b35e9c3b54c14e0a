//! REFER's implicit subscription (RFC 3515 §2.4.4) on the subscription
//! machinery: a [`Usage::Refer`] record sharing the session's INVITE
//! dialog (RFC 5057).
//!
//! * Referrer (subscriber side): [`refer_sent`] creates the record in
//!   NotifyWait when the REFER goes (a NOTIFY may come before the 202,
//!   RFC 6665 §4.1.2.4); [`refer_answered`] ends it quietly when the
//!   REFER fails or the 202 says `Refer-Sub: false` (RFC 4488 §4), and
//!   otherwise arms Timer N. NOTIFYs in the session's dialog with
//!   `Event: refer` are matched by [`route_notify`] (the `id` parameter
//!   is the REFER's CSeq, RFC 3515 §2.4.6) and go through the
//!   subscriber's checks (481, 489, 400) and state handling; each one
//!   answered 200 is reported as [`Event::ReferNotify`]. Without a
//!   NOTIFY within Timer N, or after the last `expires` (the referrer
//!   does not refresh), the subscription ends and
//!   `ReferNotify { status: None, terminated: true }` says so.
//! * Referee (notifier side): [`referral_accepted`] creates the record
//!   (Active, [`REFER_EXPIRES`] seconds) and sends the first NOTIFY
//!   (`100 Trying`); [`progress`] sends the sipfrag of each response of
//!   the referred call, one NOTIFY at a time (RFC 6665 §4.2.2),
//!   `active;expires=60` until the final one, which goes with
//!   `terminated;reason=noresource` (RFC 3515 §2.4.5).

use super::notifier::send_notify;
use super::{arm, end, Side, SubData, SubTimer, SubscriptionId, SubscriptionState, Subscriptions};
use super::{SubscriptionState as State, Usage};
use crate::body::Body;
use crate::events::Event;
use crate::ids::SessionId;
use crate::session::SessionState;
use crate::user_agent::core::Core;
use crate::UserAgent;
use sip_core::dialog::{DialogIdRef, InDialogError};
use sip_core::header::{
    HeaderName, SubState, SubscriptionState as SubStateHeader, TerminationReason, TypedHeader,
};
use sip_core::message::Request;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::{key, TransactionId};

/// How long the referee grants the implicit subscription, in seconds,
/// renewed by each NOTIFY while the referred call is in progress.
pub(crate) const REFER_EXPIRES: u32 = 60;

/// The `message/sipfrag` body of a NOTIFY for `status` (RFC 3515 §2.4.5,
/// RFC 3420): its status line.
fn sipfrag(status: StatusCode) -> Body {
    let reason = status.canonical_reason().unwrap_or("");
    Body::new(
        "message/sipfrag;version=2.0",
        format!("SIP/2.0 {} {reason}\r\n", status.as_u16()).into_bytes(),
    )
}

// ----- referrer --------------------------------------------------------

/// Referrer: a REFER asking for the implicit subscription went out in
/// `session`'s dialog in transaction `txn` with CSeq `cseq`.
pub(crate) fn refer_sent(
    ua: &mut UserAgent,
    session: SessionId,
    txn: TransactionId,
    cseq: u32,
) -> SubscriptionId {
    let mut d = SubData::new(
        Side::Subscriber,
        SubscriptionState::NotifyWait,
        &format!("refer;id={cseq}"),
    );
    d.usage = Usage::Refer(session);
    d.expires = REFER_EXPIRES;
    d.in_flight = Some(txn);
    ua.roles.subs.insert(d)
}

/// Referrer: the final response to the REFER of transaction `txn`. A
/// failure, or a 2xx with `Refer-Sub: false` (RFC 4488 §4: the referee
/// made no subscription), ends it without a report; a 2xx arms Timer N
/// (RFC 6665 §4.1.2.4) unless a NOTIFY came first.
pub(crate) fn refer_answered(
    ua: &mut UserAgent,
    now: Instant,
    txn: TransactionId,
    status: StatusCode,
    no_subscription: bool,
) {
    let core = &mut ua.core;
    let found = ua.roles.subs.table.iter_mut().find(|(_, d)| {
        matches!(d.usage, Usage::Refer(_)) && d.side == Side::Subscriber && d.in_flight == Some(txn)
    });
    let Some((&id, d)) = found else {
        return;
    };
    d.in_flight = None;
    if d.state == SubscriptionState::Terminated {
        return;
    }
    if !status.is_success() || no_subscription {
        end(core, id, d, now);
    } else if d.state == SubscriptionState::NotifyWait {
        let at = now + core.t1x64();
        arm(core, id, d, SubTimer::TimerN, at);
    }
}

/// The referrer's subscription in `session` a NOTIFY with Event `id`
/// belongs to: the REFER with that CSeq, or without `id` the oldest
/// (RFC 3515 §2.4.6: the `id` may be left out for the first REFER); a
/// live one before a lingering one.
fn find(subs: &Subscriptions, session: SessionId, id: Option<&str>) -> Option<SubscriptionId> {
    subs.table
        .iter()
        .filter(|(_, d)| d.usage == Usage::Refer(session) && d.side == Side::Subscriber)
        .filter(|(_, d)| {
            id.is_none_or(|want| {
                sip_core::header::Event::parse(&d.event_value)
                    .ok()
                    .is_some_and(|e| e.id() == Some(want))
            })
        })
        .min_by_key(|(k, d)| (d.state == State::Terminated, **k))
        .map(|(k, _)| *k)
}

/// Takes a NOTIFY with `Event: refer` in a session's dialog that one of
/// the referrer's subscriptions matches: the dialog's checks (RFC 3261
/// §12.2.2: an old CSeq gets 500, other faults 400), then the
/// subscriber's. Gives back the others; in a session's dialog they get
/// 481 there (no such subscription, RFC 6665 §4.1.3).
pub(crate) fn route_notify(
    ua: &mut UserAgent,
    now: Instant,
    txn: TransactionId,
    req: Request,
) -> Option<Request> {
    let h = &req.headers;
    let Some(ev) = h
        .get(&HeaderName::Event)
        .and_then(|e| sip_core::header::Event::parse(e).ok())
    else {
        return Some(req);
    };
    if !ev.package.eq_ignore_ascii_case("refer") {
        return Some(req);
    }
    let (Some(call_id), Some(to_tag)) = (key::call_id(h), key::to_tag(h)) else {
        return Some(req);
    };
    let k = DialogIdRef::new(call_id, to_tag, key::from_tag(h).unwrap_or(""));
    let Some(sid) = ua.core.dialogs.get(k.as_key()).copied() else {
        return Some(req);
    };
    let Some(id) = find(&ua.roles.subs, sid, ev.id()) else {
        return Some(req);
    };
    let Some(dialog) = ua.sessions.get_mut(sid).and_then(|s| s.dialog.as_mut()) else {
        return Some(req);
    };
    if let Err(e) = dialog.receive_request(&req) {
        let status = match e {
            InDialogError::OutOfOrder { .. } => StatusCode::SERVER_INTERNAL_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        ua.core.reply(now, txn, &req, status);
        return None;
    }
    super::subscriber::on_notify(ua, now, id, txn, &req);
    None
}

/// Reports a NOTIFY answered 200 in `session`'s implicit subscription.
pub(super) fn report(core: &mut Core, session: SessionId, req: &Request, state: &SubStateHeader) {
    core.emit(Event::ReferNotify {
        session,
        status: crate::session::refer::sipfrag_status(&req.body),
        terminated: state.state == SubState::Terminated,
    });
}

/// The referrer's subscription `id` ended without a terminating NOTIFY
/// (Timer N, expiry): reported while its session lives.
pub(super) fn report_lapse(ua: &mut UserAgent, id: SubscriptionId) {
    let Some(d) = ua.roles.subs.table.get(&id) else {
        return;
    };
    let Usage::Refer(session) = d.usage else {
        return;
    };
    let live = ua
        .sessions
        .get(session)
        .is_some_and(|s| s.state != SessionState::Terminated);
    if d.side == Side::Subscriber && live {
        ua.core.emit(Event::ReferNotify {
            session,
            status: None,
            terminated: true,
        });
    }
}

// ----- referee ---------------------------------------------------------

/// Grants the referee's subscription another [`REFER_EXPIRES`] seconds
/// from `now`.
pub(super) fn regrant(core: &mut Core, id: SubscriptionId, d: &mut SubData, now: Instant) {
    let at = now + Duration::from_secs(u64::from(d.expires));
    d.expires_at = Some(at);
    arm(core, id, d, SubTimer::Refresh, at);
}

/// Referee: a REFER accepted in `session`'s dialog creates the notifier
/// side of its implicit subscription (`event` is `refer`, with the
/// REFER's CSeq as `id` after the dialog's first REFER) and sends the
/// first NOTIFY, `100 Trying` (RFC 3515 §2.4.4).
pub(crate) fn referral_accepted(
    ua: &mut UserAgent,
    now: Instant,
    session: SessionId,
    event: &str,
) -> SubscriptionId {
    let mut d = SubData::new(Side::Notifier, SubscriptionState::Active, event);
    d.usage = Usage::Refer(session);
    d.expires = REFER_EXPIRES;
    d.body = Some(sipfrag(StatusCode::TRYING));
    let id = ua.roles.subs.insert(d);
    let core = &mut ua.core;
    if let Some(d) = ua.roles.subs.table.get_mut(&id) {
        regrant(core, id, d, now);
        if send_notify(core, &mut ua.sessions, id, d, now, None).is_err() {
            end(core, id, d, now);
        }
    }
    id
}

/// Referee: the referred call got `status`: a NOTIFY with its sipfrag,
/// `active` (another period granted) for a provisional response,
/// `terminated;reason=noresource` for the final one, which ends the
/// subscription (RFC 3515 §2.4.5). While a NOTIFY waits for its answer
/// the latest state waits behind it.
pub(crate) fn progress(ua: &mut UserAgent, now: Instant, id: SubscriptionId, status: StatusCode) {
    let core = &mut ua.core;
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        return;
    };
    if d.side != Side::Notifier
        || !matches!(
            d.state,
            SubscriptionState::Active | SubscriptionState::Pending
        )
    {
        return;
    }
    d.body = Some(sipfrag(status));
    let sessions = &mut ua.sessions;
    if status.as_u16() >= 200 {
        let reason = TerminationReason::Noresource;
        d.reason = Some(reason.clone());
        let _ = send_notify(core, sessions, id, d, now, Some((reason, None)));
        end(core, id, d, now);
    } else {
        regrant(core, id, d, now);
        if send_notify(core, sessions, id, d, now, None).is_err() {
            end(core, id, d, now);
        }
    }
}
