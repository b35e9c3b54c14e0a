//! Subscriptions (RFC 6665): the subscriber side (SIP.js `Subscriber`)
//! and the notifier side (absent from SIP.js), sharing one table, one
//! id type and one state machine.
//!
//! * Subscriber: `subscribe()` sends SUBSCRIBE (Event, Expires, Contact,
//!   Accept) and waits for a NOTIFY ([`SubscriptionState::NotifyWait`]);
//!   the first NOTIFY — even one arriving before the 2xx (§4.1.2.4) —
//!   creates the dialog; Timer N (64*T1, §4.1.2.4) without a NOTIFY ends
//!   the subscription. `Subscription-State` drives the state: `active`
//!   (refresh at 90 % of its `expires`), `pending`, `terminated` with the
//!   §4.1.3 reasons: `deactivated` and `timeout` subscribe again at once,
//!   `probation` and `giveup` after `retry-after` seconds (when given),
//!   the others end it. NOTIFYs with a wrong or missing Event or without
//!   Subscription-State get 489 (§8.2.1), unknown dialogs 481; a NOTIFY
//!   from a second notifier (a forked SUBSCRIBE, §4.1.2.4) creates a
//!   second subscription ([`Event::SubscriptionForked`]).
//! * Notifier: an out-of-dialog SUBSCRIBE for an event package given to
//!   [`UserAgent::accept_subscriptions`] becomes an
//!   [`Event::Subscribe`]; [`SubscriptionMut::accept`] answers 200 with
//!   the granted Expires and sends the first NOTIFY at once (§4.2.1.2);
//!   refreshes are answered 200 and followed by a NOTIFY; an
//!   `Expires: 0` SUBSCRIBE, the expiry, or
//!   [`SubscriptionMut::terminate`] send `Subscription-State: terminated`.
//!   Other packages get 489.
//! * REFER's implicit subscription (RFC 3515 §2.4.4, RFC 6665 §4.1) runs
//!   on the same machinery, as a second usage of the session's INVITE
//!   dialog (RFC 5057): the referrer's side is a subscriber whose NOTIFYs
//!   are reported as [`Event::ReferNotify`], the referee's side a
//!   notifier whose NOTIFYs carry the sipfrag of the referred call's
//!   responses (see `implicit`). Neither is listed by
//!   [`UserAgent::subscriptions`].

pub(crate) mod implicit;
mod notifier;
mod subscriber;

use crate::body::Body;
use crate::events::Event;
use crate::ids::SessionId;
use crate::roles::{Reply, RoleError};
use crate::session::{SessionState, SessionTable};
use crate::timers::TimerOwner;
use crate::user_agent::core::{Core, Link};
use crate::UserAgent;
use core::fmt;
use sip_core::dialog::{Dialog, DialogId};
use sip_core::header::{HeaderName, SubscriptionState as SubStateHeader, TerminationReason};
use sip_core::message::Request;
use sip_core::time::Instant;
use sip_core::transaction::TransactionId;
use std::collections::{BTreeMap, HashMap};

pub use subscriber::SubscribeOptions;

/// The handle of one subscription (either side).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct SubscriptionId(pub(crate) u32);

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "subscription#{}", self.0)
    }
}

/// States of a subscription (RFC 6665 §4.1.2, SIP.js core states).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SubscriptionState {
    /// Notifier: the SUBSCRIBE waits for the application's answer.
    Initial,
    /// Subscriber: SUBSCRIBE sent, no NOTIFY yet.
    NotifyWait,
    /// `Subscription-State: pending`.
    Pending,
    /// `Subscription-State: active`.
    Active,
    /// Over.
    Terminated,
}

/// The dialog a subscription lives in (RFC 5057 §3: dialog usages).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Usage {
    /// Its own dialog, created by the SUBSCRIBE and the first NOTIFY.
    Own,
    /// The implicit subscription of a REFER (RFC 3515 §2.4.4), sharing
    /// the INVITE dialog of this session: requests take the session's
    /// CSeq numbering and its state reaches the application as
    /// [`Event::ReferNotify`], not as subscription events.
    Refer(SessionId),
}

/// Which side of the subscription this agent is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    Subscriber,
    Notifier,
}

/// Timers of a subscription.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub(crate) enum SubTimer {
    /// Subscriber: refresh (90 % of the expiry); notifier: the expiry.
    Refresh = 0,
    /// Subscriber: Timer N (§4.1.2.4).
    TimerN,
    /// Subscriber: subscribe again after a retry-after.
    Retry,
    /// Either: drop the terminated record (late NOTIFYs still get 200).
    Linger,
    /// Subscriber of an implicit subscription, which it does not
    /// refresh: the `expires` of the last NOTIFY (plus 64*T1 for a
    /// NOTIFY still being retransmitted) passed without another one.
    Expiry,
}

impl SubTimer {
    const COUNT: usize = 5;
}

/// A NOTIFY waiting for the one in flight to be answered (RFC 6665
/// §4.2.2: one at a time).
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Queued {
    /// The state and body current when it goes.
    State,
    /// The terminating NOTIFY, with its reason and retry-after.
    Final(TerminationReason, Option<u32>),
}

/// One subscription.
pub(crate) struct SubData {
    pub side: Side,
    pub usage: Usage,
    pub state: SubscriptionState,
    pub event: String,
    /// The Event header value (package and id).
    pub event_value: String,
    pub dialog: Option<Dialog>,
    /// Subscriber before the first NOTIFY: the SUBSCRIBE, to match a
    /// NOTIFY by Call-ID and From tag, and to build the dialog.
    pub subscribe: Option<Request>,
    pub local_seq: u32,
    pub expires: u32,
    pub in_flight: Option<TransactionId>,
    pub timers: [Option<Instant>; SubTimer::COUNT],
    pub reason: Option<TerminationReason>,
    /// Notifier: the state and body of the last NOTIFY.
    pub body: Option<Body>,
    pub accept: Vec<String>,
    pub opts: Option<SubscribeOptions>,
    /// Notifier: the SUBSCRIBE waiting for the application's answer.
    pub pending_txn: Option<(TransactionId, Request)>,
    pub expires_at: Option<Instant>,
    /// The last request sent (for a digest retry).
    pub last_req: Option<Request>,
    pub auth: sip_core::auth::AuthSession,
    pub digest: Option<sip_core::auth::DigestClient>,
    /// Notifier: a NOTIFY to send once the one in flight is answered
    /// (§4.2.2: one at a time).
    pub queued: Option<Queued>,
}

impl SubData {
    fn new(side: Side, state: SubscriptionState, event_value: &str) -> SubData {
        let event = event_value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        SubData {
            side,
            usage: Usage::Own,
            state,
            event,
            event_value: event_value.to_owned(),
            dialog: None,
            subscribe: None,
            local_seq: 1,
            expires: 0,
            in_flight: None,
            timers: [None; SubTimer::COUNT],
            reason: None,
            body: None,
            accept: Vec::new(),
            opts: None,
            pending_txn: None,
            expires_at: None,
            last_req: None,
            auth: sip_core::auth::AuthSession::new(),
            digest: None,
            queued: None,
        }
    }
}

/// The subscriptions of one agent.
#[derive(Default)]
pub(crate) struct Subscriptions {
    pub table: BTreeMap<SubscriptionId, SubData>,
    pub dialogs: HashMap<DialogId, SubscriptionId>,
    pub next: u32,
    /// Event packages the notifier side accepts.
    pub packages: Vec<String>,
}

impl Subscriptions {
    pub(crate) fn insert(&mut self, d: SubData) -> SubscriptionId {
        let id = SubscriptionId(self.next);
        self.next += 1;
        if let Some(dl) = &d.dialog {
            self.dialogs.insert(dl.id().clone(), id);
        }
        self.table.insert(id, d);
        id
    }
}

/// A subscription's commands and state (see [`UserAgent::subscription`]).
pub struct SubscriptionMut<'a> {
    pub(crate) ua: &'a mut UserAgent,
    pub(crate) id: SubscriptionId,
}

impl UserAgent {
    /// The commands and state of subscription `id`; `None` once it is
    /// gone.
    pub fn subscription(&mut self, id: SubscriptionId) -> Option<SubscriptionMut<'_>> {
        self.roles
            .subs
            .table
            .get(&id)
            .filter(|d| d.usage == Usage::Own)?;
        Some(SubscriptionMut { ua: self, id })
    }

    /// The ids of the subscriptions held (the implicit subscriptions of
    /// REFERs are reached through their sessions instead).
    pub fn subscriptions(&self) -> impl Iterator<Item = SubscriptionId> + '_ {
        self.roles
            .subs
            .table
            .iter()
            .filter(|(_, d)| d.usage == Usage::Own)
            .map(|(id, _)| *id)
    }

    /// Event packages (RFC 6665 §7.2, e.g. `presence`) whose SUBSCRIBEs
    /// the application takes as [`Event::Subscribe`]; SUBSCRIBEs for
    /// others are refused 489.
    pub fn accept_subscriptions(&mut self, packages: &[&str]) {
        self.roles.subs.packages = packages.iter().map(|p| (*p).to_owned()).collect();
        // RFC 6665 §7.1: a notifier lists SUBSCRIBE in Allow.
        let allow = &mut self.core.wire.allow;
        if !packages.is_empty() && !allow.contains("SUBSCRIBE") {
            allow.push_str(", SUBSCRIBE");
        }
    }
}

impl SubscriptionMut<'_> {
    fn data(&self) -> &SubData {
        &self.ua.roles.subs.table[&self.id]
    }

    /// The state.
    pub fn state(&self) -> SubscriptionState {
        self.data().state
    }

    /// The event package.
    pub fn event(&self) -> &str {
        &self.data().event
    }

    /// The expiry last granted, in seconds.
    pub fn expires(&self) -> u32 {
        self.data().expires
    }

    /// Why it ended (the `reason` of the terminating NOTIFY, or the one
    /// this side sent).
    pub fn reason(&self) -> Option<&TerminationReason> {
        self.data().reason.as_ref()
    }

    /// True for a subscription this agent is the notifier of.
    pub fn is_notifier(&self) -> bool {
        self.data().side == Side::Notifier
    }

    /// The last body notified (notifier) or received (subscriber).
    pub fn body(&self) -> Option<&Body> {
        self.data().body.as_ref()
    }

    /// Subscriber: refreshes an active or pending subscription (a no-op
    /// while waiting for the first NOTIFY).
    pub fn refresh(self, now: Instant) -> Result<(), RoleError> {
        subscriber::refresh(self.ua, now, self.id)
    }

    /// Subscriber: ends the subscription (SUBSCRIBE with `Expires: 0`);
    /// Terminated at once.
    pub fn unsubscribe(self, now: Instant) -> Result<(), RoleError> {
        subscriber::unsubscribe(self.ua, now, self.id)
    }

    /// Notifier: accepts the SUBSCRIBE (200 with the granted Expires, at
    /// most what was asked) and sends the first NOTIFY with `state`
    /// (Active or Pending) and `body` (§4.2.1.2).
    pub fn accept(
        self,
        now: Instant,
        state: SubscriptionState,
        body: Option<Body>,
    ) -> Result<(), RoleError> {
        notifier::accept(self.ua, now, self.id, state, body)
    }

    /// Notifier: refuses the SUBSCRIBE with a final status (300-699).
    pub fn reject(self, now: Instant, status: sip_core::StatusCode) -> Result<(), RoleError> {
        notifier::reject(self.ua, now, self.id, status)
    }

    /// Notifier: sends a NOTIFY with `state` (Active or Pending) and
    /// `body`.
    pub fn notify(
        self,
        now: Instant,
        state: SubscriptionState,
        body: Option<Body>,
    ) -> Result<(), RoleError> {
        notifier::notify(self.ua, now, self.id, state, body)
    }

    /// Notifier: ends the subscription with a NOTIFY
    /// `Subscription-State: terminated;reason=...` (and `retry-after`).
    pub fn terminate(
        self,
        now: Instant,
        reason: TerminationReason,
        retry_after: Option<u32>,
    ) -> Result<(), RoleError> {
        notifier::terminate(self.ua, now, self.id, reason, retry_after, None)
    }
}

pub(crate) fn set_state(
    core: &mut Core,
    id: SubscriptionId,
    d: &mut SubData,
    to: SubscriptionState,
) {
    if d.state != to {
        let from = d.state;
        d.state = to;
        if d.usage != Usage::Own {
            return;
        }
        core.emit(Event::SubscriptionStateChanged {
            subscription: id,
            from,
            to,
        });
    }
}

pub(crate) fn arm(core: &mut Core, id: SubscriptionId, d: &mut SubData, t: SubTimer, at: Instant) {
    d.timers[t as usize] = Some(at);
    core.timers.push(at, TimerOwner::Subscription(id, t));
}

/// Ends subscription `id`: Terminated, timers stopped, and the record
/// kept for 64*T1 so late NOTIFYs and responses still match.
pub(crate) fn end(core: &mut Core, id: SubscriptionId, d: &mut SubData, now: Instant) {
    d.timers = [None; SubTimer::COUNT];
    set_state(core, id, d, SubscriptionState::Terminated);
    let at = now + core.t1x64();
    arm(core, id, d, SubTimer::Linger, at);
}

/// Sends an in-dialog request of subscription `id`: in its own dialog
/// with our own CSeq numbering (the dialog may have been created by a
/// NOTIFY), or in the session's dialog for an implicit subscription (an
/// Established session only).
#[allow(clippy::too_many_arguments)]
pub(crate) fn send_in_dialog(
    core: &mut Core,
    sessions: &mut SessionTable,
    id: SubscriptionId,
    d: &mut SubData,
    now: Instant,
    method: sip_core::Method,
    headers: &[(HeaderName, String)],
    body: Option<&Body>,
) -> Result<(), RoleError> {
    let send = |core: &mut Core, mut req: Request| -> Result<(TransactionId, Request), RoleError> {
        for (n, v) in headers {
            req.headers.push(n.clone(), v);
        }
        core.decorate_request(&mut req);
        if let Some(b) = body {
            b.apply_to_request(&mut req);
        }
        let (txn, _) = core.send_request(now, req.clone(), Link::Subscription(id))?;
        Ok((txn, req))
    };
    let (txn, req) = match d.usage {
        Usage::Own => {
            let Some(dialog) = d.dialog.as_mut() else {
                return Err(RoleError::Terminated);
            };
            let mut req = dialog.request(method.clone());
            d.local_seq += 1;
            req.headers
                .set(HeaderName::CSeq, format!("{} {method}", d.local_seq));
            send(core, req)?
        }
        Usage::Refer(sid) => {
            let dialog = sessions
                .get_mut(sid)
                .filter(|s| s.state == SessionState::Established)
                .and_then(|s| s.dialog.as_mut())
                .ok_or(RoleError::Terminated)?;
            // The session's CSeq moves only once the request is out.
            let mut next = dialog.clone();
            let req = next.request(method);
            let out = send(core, req)?;
            *dialog = next;
            out
        }
    };
    d.in_flight = Some(txn);
    d.last_req = Some(req);
    d.auth = sip_core::auth::AuthSession::with_config(core.cfg.auth);
    Ok(())
}

/// The Subscription-State header value for `state` and `expires`.
pub(crate) fn state_header(state: SubscriptionState, expires: u32) -> String {
    match state {
        SubscriptionState::Pending => {
            let mut s = SubStateHeader::new(sip_core::header::SubState::Pending);
            s.expires = Some(expires);
            s.to_string()
        }
        _ => SubStateHeader::active(expires).to_string(),
    }
}

/// A response (or failure) in a client transaction of subscription `id`.
pub(crate) fn on_reply(
    ua: &mut UserAgent,
    now: Instant,
    id: SubscriptionId,
    txn: TransactionId,
    reply: Reply,
) {
    let side = match ua.roles.subs.table.get(&id) {
        Some(d) => d.side,
        None => return,
    };
    match side {
        Side::Subscriber => subscriber::on_reply(ua, now, id, txn, reply),
        Side::Notifier => notifier::on_reply(ua, now, id, txn, reply),
    }
}

/// A subscription timer fired.
pub(crate) fn on_timer(ua: &mut UserAgent, now: Instant, id: SubscriptionId, t: SubTimer) {
    let Some(d) = ua.roles.subs.table.get_mut(&id) else {
        return;
    };
    d.timers[t as usize] = None;
    if t == SubTimer::Linger {
        if d.in_flight.is_some() {
            // A request (a terminating NOTIFY that waited its turn) is
            // still out: keep the record for its answer.
            let at = now + ua.core.t1x64();
            arm(&mut ua.core, id, d, SubTimer::Linger, at);
            return;
        }
        if let Some(d) = ua.roles.subs.table.remove(&id) {
            if let Some(dl) = d.dialog {
                ua.roles.subs.dialogs.remove(dl.id());
            }
        }
        return;
    }
    match d.side {
        Side::Subscriber => subscriber::on_timer(ua, now, id, t),
        Side::Notifier => notifier::on_timer(ua, now, id, t),
    }
}

/// Whether timer `t` of `id` is armed for `at`.
pub(crate) fn timer_live(
    roles: &crate::roles::Roles,
    id: SubscriptionId,
    t: SubTimer,
    at: Instant,
) -> bool {
    roles
        .subs
        .table
        .get(&id)
        .is_some_and(|d| d.timers[t as usize] == Some(at))
}

/// Takes SUBSCRIBE and NOTIFY requests that belong to subscriptions;
/// gives back the others.
pub(crate) fn route_request(
    ua: &mut UserAgent,
    now: Instant,
    txn: TransactionId,
    req: Request,
) -> Option<Request> {
    match req.method {
        sip_core::Method::Notify => implicit::route_notify(ua, now, txn, req)
            .and_then(|req| subscriber::route_notify(ua, now, txn, req)),
        sip_core::Method::Subscribe => notifier::route_subscribe(ua, now, txn, req),
        _ => Some(req),
    }
}
