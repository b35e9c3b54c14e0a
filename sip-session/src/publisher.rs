//! The Publisher (SIP.js `Publisher`, RFC 3903): event state published to
//! a state agent with PUBLISH.
//!
//! * `publish(body)`: PUBLISH with Event, Expires and the body; once an
//!   entity-tag is known (`SIP-ETag` of a 2xx, §6) the request carries
//!   `SIP-If-Match` (a modification, §4.4).
//! * 2xx: the `SIP-ETag` is kept; the granted `Expires` (at most what was
//!   asked) arms a refresh at 90 %: a PUBLISH without body with
//!   `SIP-If-Match` (§4.2); `Expires: 0` means Unpublished.
//! * 412 (Conditional Request Failed, §6): the entity-tag is dropped and
//!   the last body published again as a new initial publication (once).
//! * 423 with Min-Expires above the asked expiry: asked again with it.
//! * 401 / 407: digest (RFC 3261 §22.2).
//! * Other failures, timeout, transport errors: Unpublished with
//!   [`Event::PublicationFailed`].
//! * `unpublish()`: `Expires: 0` with `SIP-If-Match` (§4.5); without an
//!   entity-tag nothing is sent.

use crate::body::Body;
use crate::events::Event;
use crate::roles::{auth_retry, cseq_of, Reply, RoleError};
use crate::timers::TimerOwner;
use crate::user_agent::core::{Core, Link};
use crate::UserAgent;
use core::fmt;
use sip_core::auth::{AuthSession, DigestClient};
use sip_core::header::{Expires, HeaderName, MinExpires};
use sip_core::message::Request;
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::TransactionId;
use sip_core::uri::Uri;
use sip_core::NameAddr;

/// The handle of one Publisher.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct PublisherId(pub(crate) u32);

impl fmt::Display for PublisherId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "publisher#{}", self.0)
    }
}

/// States of a Publisher (SIP.js `PublisherState`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PublisherState {
    /// Created, nothing published.
    Initial,
    /// The state agent holds our publication.
    Published,
    /// No publication (removed, refused, expired).
    Unpublished,
    /// Disposed.
    Terminated,
}

/// Options of [`UserAgent::create_publisher`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PublisherOptions {
    /// The expiry asked for, in seconds. Default 3600 (as SIP.js).
    pub expires: u32,
    /// Headers added to every PUBLISH.
    pub extra_headers: Vec<(HeaderName, String)>,
}

impl Default for PublisherOptions {
    fn default() -> Self {
        PublisherOptions {
            expires: 3600,
            extra_headers: Vec::new(),
        }
    }
}

/// Timers of a Publisher.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub(crate) enum PubTimer {
    /// Send the refresh.
    Refresh = 0,
    /// The publication expired without a refresh.
    Expired,
}

struct InFlight {
    txn: TransactionId,
    req: Request,
    auth: AuthSession,
    /// A 412 may re-publish the body once.
    retried_412: bool,
}

/// One Publisher.
pub(crate) struct PublisherData {
    opts: PublisherOptions,
    state: PublisherState,
    target: Uri,
    event: String,
    call_id: String,
    from: String,
    cseq: u32,
    expires: u32,
    granted: Option<u32>,
    etag: Option<String>,
    body: Option<Body>,
    in_flight: Option<InFlight>,
    digest: Option<DigestClient>,
    pub(crate) timers: [Option<Instant>; 2],
}

/// A Publisher's commands and state (see [`UserAgent::publisher`]).
pub struct PublisherMut<'a> {
    ua: &'a mut UserAgent,
    id: PublisherId,
}

impl UserAgent {
    /// A new Publisher of `event` state at `target` (state Initial).
    pub fn create_publisher(
        &mut self,
        target: Uri,
        event: &str,
        opts: PublisherOptions,
    ) -> PublisherId {
        let core = &mut self.core;
        let tag = core.tokens.tag();
        let d = PublisherData {
            expires: opts.expires,
            opts,
            state: PublisherState::Initial,
            target,
            event: event.to_owned(),
            call_id: core.tokens.call_id(),
            from: core.wire.from.clone().with_tag(&tag).to_string(),
            cseq: 0,
            granted: None,
            etag: None,
            body: None,
            in_flight: None,
            digest: None,
            timers: [None; 2],
        };
        let id = PublisherId(self.roles.next_publisher);
        self.roles.next_publisher += 1;
        self.roles.publishers.insert(id, d);
        id
    }

    /// The commands and state of Publisher `id`.
    pub fn publisher(&mut self, id: PublisherId) -> Option<PublisherMut<'_>> {
        self.roles.publishers.get(&id)?;
        Some(PublisherMut { ua: self, id })
    }
}

impl PublisherMut<'_> {
    fn data(&self) -> &PublisherData {
        &self.ua.roles.publishers[&self.id]
    }

    /// The state.
    pub fn state(&self) -> PublisherState {
        self.data().state
    }

    /// The entity-tag of the publication (`SIP-ETag`).
    pub fn etag(&self) -> Option<&str> {
        self.data().etag.as_deref()
    }

    /// The expiry granted by the last 2xx, in seconds.
    pub fn expires(&self) -> Option<u32> {
        self.data().granted
    }

    /// Publishes `body` (a modification once published).
    pub fn publish(self, now: Instant, body: Body) -> Result<(), RoleError> {
        let (ua, id) = (self.ua, self.id);
        let Some(d) = ua.roles.publishers.get_mut(&id) else {
            return Err(RoleError::Terminated);
        };
        if d.state == PublisherState::Terminated {
            return Err(RoleError::Terminated);
        }
        if d.in_flight.is_some() {
            return Err(RoleError::RequestPending);
        }
        d.body = Some(body);
        send(&mut ua.core, id, d, now, Kind::Publish)
    }

    /// Removes the publication (`Expires: 0`); without an entity-tag
    /// nothing is sent and the state becomes Unpublished.
    pub fn unpublish(self, now: Instant) -> Result<(), RoleError> {
        let (ua, id) = (self.ua, self.id);
        let core = &mut ua.core;
        let Some(d) = ua.roles.publishers.get_mut(&id) else {
            return Err(RoleError::Terminated);
        };
        if d.state == PublisherState::Terminated {
            return Err(RoleError::Terminated);
        }
        if d.in_flight.is_some() {
            return Err(RoleError::RequestPending);
        }
        d.timers = [None; 2];
        if d.etag.is_none() {
            set_state(core, id, d, PublisherState::Unpublished);
            return Ok(());
        }
        send(core, id, d, now, Kind::Remove)
    }

    /// Ends the Publisher (Terminated); a publication is left to expire
    /// unless [`unpublish`](Self::unpublish) was called first.
    pub fn dispose(self) {
        let (ua, id) = (self.ua, self.id);
        if let Some(mut d) = ua.roles.publishers.remove(&id) {
            set_state(&mut ua.core, id, &mut d, PublisherState::Terminated);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Publish,
    Refresh,
    Remove,
}

fn set_state(core: &mut Core, id: PublisherId, d: &mut PublisherData, to: PublisherState) {
    if d.state != to {
        let from = d.state;
        d.state = to;
        core.emit(Event::PublisherStateChanged {
            publisher: id,
            from,
            to,
        });
    }
}

fn arm(core: &mut Core, id: PublisherId, d: &mut PublisherData, t: PubTimer, at: Instant) {
    d.timers[t as usize] = Some(at);
    core.timers.push(at, TimerOwner::Publisher(id, t));
}

fn send(
    core: &mut Core,
    id: PublisherId,
    d: &mut PublisherData,
    now: Instant,
    kind: Kind,
) -> Result<(), RoleError> {
    let mut req = Request::new(Method::Publish, d.target.clone());
    let h = &mut req.headers;
    h.push(HeaderName::MaxForwards, "70");
    for r in &core.cfg.preloaded_route {
        h.push(HeaderName::Route, format!("<{r}>"));
    }
    h.push(HeaderName::From, &d.from);
    h.push(HeaderName::To, NameAddr::new(d.target.clone()).to_string());
    h.push(HeaderName::CallId, &d.call_id);
    h.push(HeaderName::CSeq, format!("{} PUBLISH", d.cseq + 1));
    h.push(HeaderName::Event, &d.event);
    let expires = if kind == Kind::Remove { 0 } else { d.expires };
    h.push(HeaderName::Expires, expires.to_string());
    if let Some(tag) = &d.etag {
        h.push(HeaderName::SipIfMatch, tag);
    }
    for (n, v) in &d.opts.extra_headers {
        h.push(n.clone(), v);
    }
    core.decorate_request(&mut req);
    if kind == Kind::Publish {
        if let Some(b) = &d.body {
            b.apply_to_request(&mut req);
        }
    }
    let (txn, _) = core.send_request(now, req.clone(), Link::Publisher(id))?;
    d.cseq += 1;
    d.in_flight = Some(InFlight {
        txn,
        req,
        auth: AuthSession::with_config(core.cfg.auth),
        retried_412: false,
    });
    Ok(())
}

fn fail(core: &mut Core, id: PublisherId, d: &mut PublisherData, status: StatusCode) {
    d.timers = [None; 2];
    d.granted = None;
    core.emit(Event::PublicationFailed {
        publisher: id,
        status,
    });
    set_state(core, id, d, PublisherState::Unpublished);
}

/// A response (or failure) to a PUBLISH of `id`.
pub(crate) fn on_reply(
    ua: &mut UserAgent,
    now: Instant,
    id: PublisherId,
    txn: TransactionId,
    reply: Reply,
) {
    let core = &mut ua.core;
    let Some(d) = ua.roles.publishers.get_mut(&id) else {
        return;
    };
    if d.in_flight.as_ref().map(|f| f.txn) != Some(txn) {
        return;
    }
    let resp = reply.into_response();
    let code = resp.status.as_u16();
    if code < 200 {
        return;
    }
    let mut f = d.in_flight.take().expect("in flight");
    let asked = f
        .req
        .headers
        .get(&HeaderName::Expires)
        .and_then(|e| e.parse::<u32>().ok())
        .unwrap_or(d.expires);
    match code {
        200..=299 if asked == 0 => {
            d.etag = None;
            d.granted = None;
            d.timers = [None; 2];
            set_state(core, id, d, PublisherState::Unpublished);
        }
        200..=299 => {
            if let Some(tag) = resp.headers.get(&HeaderName::SipETag) {
                d.etag = Some(tag.trim().to_owned());
            }
            let granted = resp
                .headers
                .get(&HeaderName::Expires)
                .and_then(|e| <Expires as sip_core::header::TypedHeader>::parse(e).ok())
                .map_or(asked, |e| e.0.min(asked));
            if granted == 0 {
                d.etag = None;
                d.timers = [None; 2];
                set_state(core, id, d, PublisherState::Unpublished);
                return;
            }
            d.granted = Some(granted);
            let ms = u64::from(granted) * 1000;
            arm(
                core,
                id,
                d,
                PubTimer::Refresh,
                now + Duration::from_millis(ms * 9 / 10),
            );
            arm(
                core,
                id,
                d,
                PubTimer::Expired,
                now + Duration::from_millis(ms),
            );
            set_state(core, id, d, PublisherState::Published);
        }
        401 | 407 => {
            if let Some(req) = auth_retry(core, &f.req, &mut f.auth, &mut d.digest, &resp) {
                if let Ok((t, _)) = core.send_request(now, req.clone(), Link::Publisher(id)) {
                    d.cseq = cseq_of(&req);
                    f.txn = t;
                    f.req = req;
                    d.in_flight = Some(f);
                    return;
                }
            }
            fail(core, id, d, resp.status);
        }
        412 => {
            // RFC 3903 §6: the entity-tag is unknown to the state agent:
            // publish the state again from scratch (once).
            d.etag = None;
            if !f.retried_412
                && d.body.is_some()
                && asked > 0
                && send(core, id, d, now, Kind::Publish).is_ok()
            {
                if let Some(n) = d.in_flight.as_mut() {
                    n.retried_412 = true;
                }
                return;
            }
            fail(core, id, d, resp.status);
        }
        423 => {
            let min = resp
                .headers
                .typed::<MinExpires>()
                .and_then(Result::ok)
                .map(|m| m.0);
            match min {
                Some(min) if asked > 0 && min > d.expires => {
                    d.expires = min;
                    let kind = if f.req.body.is_empty() {
                        Kind::Refresh
                    } else {
                        Kind::Publish
                    };
                    if send(core, id, d, now, kind).is_err() {
                        fail(core, id, d, resp.status);
                    }
                }
                _ => fail(core, id, d, resp.status),
            }
        }
        _ => fail(core, id, d, resp.status),
    }
}

/// A Publisher timer fired.
pub(crate) fn on_timer(ua: &mut UserAgent, now: Instant, id: PublisherId, t: PubTimer) {
    let core = &mut ua.core;
    let Some(d) = ua.roles.publishers.get_mut(&id) else {
        return;
    };
    d.timers[t as usize] = None;
    match t {
        PubTimer::Refresh => {
            if d.in_flight.is_none()
                && d.state == PublisherState::Published
                && send(core, id, d, now, Kind::Refresh).is_err()
            {
                fail(core, id, d, StatusCode::SERVICE_UNAVAILABLE);
            }
        }
        PubTimer::Expired => {
            d.etag = None;
            d.granted = None;
            set_state(core, id, d, PublisherState::Unpublished);
        }
    }
}

/// Whether timer `t` of `id` is armed for `at`.
pub(crate) fn timer_live(
    roles: &crate::roles::Roles,
    id: PublisherId,
    t: PubTimer,
    at: Instant,
) -> bool {
    roles
        .publishers
        .get(&id)
        .is_some_and(|d| d.timers[t as usize] == Some(at))
}
