//! The Registerer (SIP.js `Registerer`): binds this agent's contacts to
//! its address of record at a registrar (RFC 3261 §10.2), keeps the
//! binding fresh, and removes it.
//!
//! * `register()` sends REGISTER with `Contact: <c>;expires=N` (plus
//!   `reg-id` and `+sip.instance` when configured, RFC 5626 §4.2) and an
//!   `Expires` header; every REGISTER of one Registerer shares its
//!   Call-ID and increments the CSeq (§10.2, "SHOULD use the same
//!   Call-ID").
//! * 2xx: the granted expiry is the `expires` of the Contact in the
//!   response matching ours, else the response's `Expires`, else what was
//!   asked (§10.2.4); no matching Contact means no binding (Unregistered).
//!   A refresh is sent at [`RegistererOptions::refresh_percent`] of it; if
//!   it expires without a successful refresh the state becomes
//!   Unregistered.
//! * 423 with `Min-Expires` above the asked expiry: asked again at once
//!   with it (§10.2.8); without: Unregistered.
//! * 401 / 407: answered with digest credentials (§22.2).
//! * 500 / 503 with `Retry-After`: Unregistered, and REGISTER again after
//!   that many seconds ([`RegistererOptions::retry_after_failure`]).
//! * Other failures, timeout (408) and transport errors (503): Unregistered
//!   with [`Event::RegistrationFailed`].
//! * NAT (RFC 3581 §4, RFC 5626 §5): with
//!   [`RegistererOptions::follow_nat`], the `received` / `rport` of the
//!   response's Via give the address the registrar saw; when it differs
//!   from the Contact, the Contact is corrected and registered again.
//! * `unregister()` sends `expires=0` for our contacts; `unregister_all()`
//!   sends `Contact: *` with `Expires: 0` (§10.2.2).

use crate::events::Event;
use crate::roles::{auth_retry, cseq_of, Reply, RoleError};
use crate::timers::TimerOwner;
use crate::user_agent::core::{Core, Link};
use crate::UserAgent;
use core::fmt;
use sip_core::auth::{AuthSession, DigestClient};
use sip_core::header::{Contact, Expires, HeaderName, MinExpires, RetryAfter, TypedHeader, Via};
use sip_core::message::{Request, Response};
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::TransactionId;
use sip_core::uri::{Host, Uri};

/// The handle of one Registerer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct RegistererId(pub(crate) u32);

impl fmt::Display for RegistererId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "registerer#{}", self.0)
    }
}

/// States of a Registerer (SIP.js `RegistererState`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RegistererState {
    /// Created, nothing sent yet.
    Initial,
    /// The registrar holds a binding for our contact.
    Registered,
    /// No binding (removed, refused, expired or failed).
    Unregistered,
    /// Disposed: no more commands.
    Terminated,
}

/// Options of [`UserAgent::create_registerer`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RegistererOptions {
    /// The Request-URI of REGISTER (RFC 3261 §10.2: the registrar's
    /// domain, no user part). Default: `sip:` and the host of the AOR.
    pub registrar: Option<Uri>,
    /// The expiry asked for, in seconds. Default 600 (as SIP.js).
    pub expires: u32,
    /// When to refresh, in percent of the granted expiry (clamped to
    /// 50-99). Default 90.
    pub refresh_percent: u8,
    /// The contacts to bind. Default: the agent's
    /// [`contact`](crate::UserAgentConfig::contact).
    pub contacts: Vec<Uri>,
    /// `+sip.instance` (RFC 5626 §4.1), e.g. `<urn:uuid:...>` (the angle
    /// brackets are added when missing).
    pub instance_id: Option<String>,
    /// `reg-id` (RFC 5626 §4.2).
    pub reg_id: Option<u32>,
    /// Headers added to every REGISTER.
    pub extra_headers: Vec<(HeaderName, String)>,
    /// Learn the public address from `received`/`rport` of the response's
    /// Via and re-register with the corrected Contact. Default false.
    pub follow_nat: bool,
    /// REGISTER again after the `Retry-After` of a 500 / 503. Default
    /// true.
    pub retry_after_failure: bool,
}

impl Default for RegistererOptions {
    fn default() -> Self {
        RegistererOptions {
            registrar: None,
            expires: 600,
            refresh_percent: 90,
            contacts: Vec::new(),
            instance_id: None,
            reg_id: None,
            extra_headers: Vec::new(),
            follow_nat: false,
            retry_after_failure: true,
        }
    }
}

/// A timer of a Registerer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub(crate) enum RegTimer {
    /// Send the refreshing REGISTER.
    Refresh = 0,
    /// The granted expiry passed without a successful refresh.
    Expired,
    /// Retry after a 500/503's Retry-After.
    Retry,
}

/// What the REGISTER in flight does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Register,
    Unregister { all: bool },
}

struct InFlight {
    txn: TransactionId,
    kind: Kind,
    req: Request,
    auth: AuthSession,
}

/// One Registerer's state.
pub(crate) struct RegistererData {
    opts: RegistererOptions,
    state: RegistererState,
    registrar: Uri,
    call_id: String,
    from: String,
    to: String,
    cseq: u32,
    expires: u32,
    granted: Option<u32>,
    contacts: Vec<Uri>,
    in_flight: Option<InFlight>,
    digest: Option<DigestClient>,
    pub(crate) timers: [Option<Instant>; 3],
    dispose_after: bool,
    retry_after: Option<u32>,
}

/// A Registerer's commands and state (see [`UserAgent::registerer`]).
pub struct RegistererMut<'a> {
    pub(crate) ua: &'a mut UserAgent,
    pub(crate) id: RegistererId,
}

impl UserAgent {
    /// A new Registerer in state Initial (nothing is sent until
    /// [`RegistererMut::register`]).
    pub fn create_registerer(&mut self, opts: RegistererOptions) -> RegistererId {
        let core = &mut self.core;
        let registrar = opts.registrar.clone().unwrap_or_else(|| {
            let host = core
                .cfg
                .aor
                .as_sip()
                .map(|s| s.host.to_string())
                .unwrap_or_else(|| "invalid".to_owned());
            Uri::parse(&format!("sip:{host}")).unwrap_or_else(|_| core.cfg.aor.clone())
        });
        let contacts = if opts.contacts.is_empty() {
            vec![core.cfg.contact.clone()]
        } else {
            opts.contacts.clone()
        };
        let tag = core.tokens.tag();
        let mut from = sip_core::NameAddr::new(core.cfg.aor.clone());
        from.display_name.clone_from(&core.cfg.display_name);
        let to = sip_core::NameAddr::new(core.cfg.aor.clone()).to_string();
        let data = RegistererData {
            expires: opts.expires,
            opts,
            state: RegistererState::Initial,
            registrar,
            call_id: core.tokens.call_id(),
            from: from.with_tag(&tag).to_string(),
            to,
            cseq: 0,
            granted: None,
            contacts,
            in_flight: None,
            digest: None,
            timers: [None; 3],
            dispose_after: false,
            retry_after: None,
        };
        let id = RegistererId(self.roles.next_registerer);
        self.roles.next_registerer += 1;
        self.roles.registerers.insert(id, data);
        id
    }

    /// The commands and state of Registerer `id`; `None` once disposed
    /// and its last REGISTER answered.
    pub fn registerer(&mut self, id: RegistererId) -> Option<RegistererMut<'_>> {
        self.roles.registerers.get(&id)?;
        Some(RegistererMut { ua: self, id })
    }

    /// The ids of the Registerers held.
    pub fn registerers(&self) -> impl Iterator<Item = RegistererId> + '_ {
        self.roles.registerers.keys().copied()
    }
}

impl RegistererMut<'_> {
    fn data(&self) -> &RegistererData {
        &self.ua.roles.registerers[&self.id]
    }

    /// The state.
    pub fn state(&self) -> RegistererState {
        self.data().state
    }

    /// The expiry granted by the last 2xx, in seconds.
    pub fn expires(&self) -> Option<u32> {
        self.data().granted
    }

    /// The contacts registered (corrected by `follow_nat`).
    pub fn contacts(&self) -> &[Uri] {
        &self.data().contacts
    }

    /// The Retry-After of the last 500 / 503, in seconds.
    pub fn retry_after(&self) -> Option<u32> {
        self.data().retry_after
    }

    /// Sends REGISTER (a refresh when already Registered).
    pub fn register(self, now: Instant) -> Result<(), RoleError> {
        start(self.ua, now, self.id, Kind::Register)
    }

    /// Removes our bindings (`expires=0`).
    pub fn unregister(self, now: Instant) -> Result<(), RoleError> {
        start(self.ua, now, self.id, Kind::Unregister { all: false })
    }

    /// Removes every binding of the AOR (`Contact: *`, RFC 3261 §10.2.2).
    pub fn unregister_all(self, now: Instant) -> Result<(), RoleError> {
        start(self.ua, now, self.id, Kind::Unregister { all: true })
    }

    /// Ends the Registerer: unregisters first when Registered (after any
    /// REGISTER in flight), then Terminated.
    pub fn dispose(self, now: Instant) {
        let (ua, id) = (self.ua, self.id);
        let Some(r) = ua.roles.registerers.get_mut(&id) else {
            return;
        };
        if r.state == RegistererState::Terminated {
            return;
        }
        r.timers = [None; 3];
        if r.in_flight.is_some() {
            r.dispose_after = true;
            return;
        }
        if r.state == RegistererState::Registered
            && start(ua, now, id, Kind::Unregister { all: false }).is_ok()
        {
            if let Some(r) = ua.roles.registerers.get_mut(&id) {
                r.dispose_after = true;
            }
            return;
        }
        finish_dispose(ua, id);
    }
}

fn set_state(core: &mut Core, id: RegistererId, r: &mut RegistererData, to: RegistererState) {
    if r.state != to {
        let from = r.state;
        r.state = to;
        core.emit(Event::RegistererStateChanged {
            registerer: id,
            from,
            to,
        });
    }
}

fn finish_dispose(ua: &mut UserAgent, id: RegistererId) {
    if let Some(mut r) = ua.roles.registerers.remove(&id) {
        set_state(&mut ua.core, id, &mut r, RegistererState::Terminated);
    }
}

fn arm(core: &mut Core, id: RegistererId, r: &mut RegistererData, t: RegTimer, at: Instant) {
    r.timers[t as usize] = Some(at);
    core.timers.push(at, TimerOwner::Registerer(id, t));
}

/// The Contact value for `uri` asking `expires`.
fn contact_value(opts: &RegistererOptions, uri: &Uri, expires: u32) -> String {
    let mut v = format!("<{uri}>;expires={expires}");
    if let Some(reg_id) = opts.reg_id {
        v.push_str(&format!(";reg-id={reg_id}"));
    }
    if let Some(inst) = &opts.instance_id {
        let inst = inst.trim_matches(|c| c == '<' || c == '>' || c == '"');
        v.push_str(&format!(";+sip.instance=\"<{inst}>\""));
    }
    v
}

fn build(core: &Core, r: &mut RegistererData, kind: Kind) -> Request {
    r.cseq += 1;
    let mut req = Request::new(Method::Register, r.registrar.clone());
    let h = &mut req.headers;
    h.push(HeaderName::MaxForwards, "70");
    for route in &core.cfg.preloaded_route {
        h.push(HeaderName::Route, format!("<{route}>"));
    }
    h.push(HeaderName::From, &r.from);
    h.push(HeaderName::To, &r.to);
    h.push(HeaderName::CallId, &r.call_id);
    h.push(HeaderName::CSeq, format!("{} REGISTER", r.cseq));
    let expires = match kind {
        Kind::Register => r.expires,
        Kind::Unregister { .. } => 0,
    };
    match kind {
        Kind::Unregister { all: true } => h.push(HeaderName::Contact, "*"),
        _ => {
            for c in &r.contacts {
                h.push(HeaderName::Contact, contact_value(&r.opts, c, expires));
            }
        }
    }
    h.push(HeaderName::Expires, expires.to_string());
    h.push(HeaderName::Allow, &core.wire.allow);
    for (n, v) in &r.opts.extra_headers {
        h.push(n.clone(), v);
    }
    core.decorate_request(&mut req);
    req
}

fn start(ua: &mut UserAgent, now: Instant, id: RegistererId, kind: Kind) -> Result<(), RoleError> {
    let core = &mut ua.core;
    let Some(r) = ua.roles.registerers.get_mut(&id) else {
        return Err(RoleError::Terminated);
    };
    if r.state == RegistererState::Terminated || r.dispose_after {
        return Err(RoleError::Terminated);
    }
    if r.in_flight.is_some() {
        return Err(RoleError::RequestPending);
    }
    let req = build(core, r, kind);
    send(
        core,
        id,
        r,
        now,
        req,
        kind,
        AuthSession::with_config(core.cfg.auth),
    )
}

fn send(
    core: &mut Core,
    id: RegistererId,
    r: &mut RegistererData,
    now: Instant,
    req: Request,
    kind: Kind,
    auth: AuthSession,
) -> Result<(), RoleError> {
    let mut req = req;
    let has_credentials = req.headers.contains(&HeaderName::Authorization)
        || req.headers.contains(&HeaderName::ProxyAuthorization);
    if let (false, Some(d)) = (has_credentials, r.digest.as_mut()) {
        // RFC 7616 §3.4: reuse the last nonce (a new nonce count) so a
        // refresh need not be challenged again.
        let uri = req.uri.to_string();
        if let Ok(a) = d.authorize_preemptively(&req.method, &uri, &req.body, &mut core.tokens) {
            sip_core::auth::apply_all(&mut req.headers, &a);
        }
    }
    let (txn, _) = core.send_request(now, req.clone(), Link::Registerer(id))?;
    r.cseq = cseq_of(&req);
    r.timers[RegTimer::Retry as usize] = None;
    r.in_flight = Some(InFlight {
        txn,
        kind,
        req,
        auth,
    });
    Ok(())
}

/// True when response contact `c` names `ours` (RFC 3261 §19.1.4, on the
/// parts a registrar echoes: scheme, user, host, port).
fn same_contact(c: &Uri, ours: &Uri) -> bool {
    match (c.as_sip(), ours.as_sip()) {
        (Some(a), Some(b)) => {
            a.secure == b.secure
                && a.user == b.user
                && a.host.to_string().eq_ignore_ascii_case(&b.host.to_string())
                && a.port == b.port
        }
        _ => c == ours,
    }
}

/// The expiry granted to our first contact by a 2xx (RFC 3261 §10.2.4):
/// its Contact's `expires`, else the `Expires` header, else what was
/// asked; `None` when the response does not list our contact.
fn granted(resp: &Response, ours: &[Uri], asked: u32) -> Option<u32> {
    let header = resp
        .headers
        .typed::<Expires>()
        .and_then(Result::ok)
        .map(|e| e.0);
    resp.headers
        .typed_all::<Contact>()
        .filter_map(Result::ok)
        .find(|c| {
            c.address()
                .is_some_and(|a| ours.iter().any(|o| same_contact(&a.uri, o)))
        })
        .map(|c| c.expires().or(header).unwrap_or(asked))
}

/// The address the registrar saw, from the response's top Via
/// (`received`, `rport`; RFC 3581 §4), when it differs from the sent-by.
fn public_address(resp: &Response) -> Option<(Host, Option<u16>)> {
    let via = Via::parse(resp.headers.get(&HeaderName::Via)?).ok()?;
    let host = via.received().map(Host::from);
    let port = via.rport().flatten();
    if host.is_none() && port.is_none() {
        return None;
    }
    Some((host.unwrap_or(via.host), port.or(via.port)))
}

/// The contacts with `host:port` replaced, if any changed.
fn corrected(contacts: &[Uri], host: &Host, port: Option<u16>) -> Option<Vec<Uri>> {
    let mut changed = false;
    let out = contacts
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if let Some(s) = c.as_sip_mut() {
                if s.host != *host || (port.is_some() && s.port != port) {
                    changed = true;
                    s.host = host.clone();
                    if port.is_some() {
                        s.port = port;
                    }
                }
            }
            c
        })
        .collect();
    changed.then_some(out)
}

/// A response (or failure) for a REGISTER of Registerer `id` in `txn`.
pub(crate) fn on_reply(
    ua: &mut UserAgent,
    now: Instant,
    id: RegistererId,
    txn: TransactionId,
    reply: Reply,
) {
    let core = &mut ua.core;
    let Some(r) = ua.roles.registerers.get_mut(&id) else {
        return;
    };
    if r.in_flight.as_ref().map(|f| f.txn) != Some(txn) {
        return;
    }
    let resp = reply.into_response();
    let code = resp.status.as_u16();
    if code < 200 {
        return;
    }
    let mut f = r.in_flight.take().expect("in flight");
    match code {
        200..=299 => {
            r.retry_after = None;
            match f.kind {
                Kind::Unregister { .. } => {
                    r.granted = None;
                    r.timers = [None; 3];
                    set_state(core, id, r, RegistererState::Unregistered);
                }
                Kind::Register => {
                    match granted(&resp, &r.contacts, r.expires).filter(|e| *e > 0) {
                        Some(e) => {
                            r.granted = Some(e);
                            let pct = u64::from(r.opts.refresh_percent.clamp(50, 99));
                            let refresh = Duration::from_millis(u64::from(e) * 10 * pct);
                            arm(core, id, r, RegTimer::Refresh, now + refresh);
                            arm(
                                core,
                                id,
                                r,
                                RegTimer::Expired,
                                now + Duration::from_secs(u64::from(e)),
                            );
                            set_state(core, id, r, RegistererState::Registered);
                        }
                        None => {
                            r.granted = None;
                            r.timers = [None; 3];
                            set_state(core, id, r, RegistererState::Unregistered);
                        }
                    }
                    if r.opts.follow_nat
                        && !r.dispose_after
                        && r.state == RegistererState::Registered
                    {
                        if let Some((host, port)) = public_address(&resp) {
                            if let Some(c) = corrected(&r.contacts, &host, port) {
                                // RFC 5626 §5 spirit: the binding must
                                // name the address the registrar sees.
                                r.contacts = c;
                                core.emit(Event::RegistererContactChanged { registerer: id });
                                let req = build(core, r, Kind::Register);
                                let auth = AuthSession::with_config(core.cfg.auth);
                                let _ = send(core, id, r, now, req, Kind::Register, auth);
                            }
                        }
                    }
                }
            }
        }
        401 | 407 => {
            if let Some(req) = auth_retry(core, &f.req, &mut f.auth, &mut r.digest, &resp) {
                if send(core, id, r, now, req, f.kind, f.auth).is_ok() {
                    return;
                }
            }
            fail(core, id, r, resp.status, None);
        }
        423 => {
            let min = resp
                .headers
                .typed::<MinExpires>()
                .and_then(Result::ok)
                .map(|m| m.0);
            match min {
                Some(min) if f.kind == Kind::Register && min > r.expires => {
                    // RFC 3261 §10.2.8: ask again with at least Min-Expires.
                    r.expires = min;
                    let req = build(core, r, Kind::Register);
                    let auth = AuthSession::with_config(core.cfg.auth);
                    if send(core, id, r, now, req, Kind::Register, auth).is_err() {
                        fail(core, id, r, resp.status, None);
                    }
                }
                _ => fail(core, id, r, resp.status, None),
            }
        }
        _ => {
            let retry = if matches!(code, 500 | 503) {
                resp.headers
                    .typed::<RetryAfter>()
                    .and_then(Result::ok)
                    .map(|ra| ra.seconds)
            } else {
                None
            };
            r.retry_after = retry;
            if let (Some(secs), Kind::Register, true) = (retry, f.kind, r.opts.retry_after_failure)
            {
                if !r.dispose_after {
                    arm(
                        core,
                        id,
                        r,
                        RegTimer::Retry,
                        now + Duration::from_secs(u64::from(secs)),
                    );
                }
            }
            fail(core, id, r, resp.status, retry);
        }
    }
    if r.in_flight.is_none() && r.dispose_after {
        let registered = r.state == RegistererState::Registered;
        if registered {
            r.dispose_after = false;
            if start(ua, now, id, Kind::Unregister { all: false }).is_ok() {
                if let Some(r) = ua.roles.registerers.get_mut(&id) {
                    r.dispose_after = true;
                }
                return;
            }
        }
        finish_dispose(ua, id);
    }
}

fn fail(
    core: &mut Core,
    id: RegistererId,
    r: &mut RegistererData,
    status: StatusCode,
    retry_after: Option<u32>,
) {
    r.granted = None;
    r.timers[RegTimer::Refresh as usize] = None;
    r.timers[RegTimer::Expired as usize] = None;
    core.emit(Event::RegistrationFailed {
        registerer: id,
        status,
        retry_after,
    });
    set_state(core, id, r, RegistererState::Unregistered);
}

/// A Registerer timer fired.
pub(crate) fn on_timer(ua: &mut UserAgent, now: Instant, id: RegistererId, t: RegTimer) {
    let Some(r) = ua.roles.registerers.get_mut(&id) else {
        return;
    };
    r.timers[t as usize] = None;
    match t {
        RegTimer::Refresh | RegTimer::Retry => {
            if r.in_flight.is_none() {
                if let Err(e) = start(ua, now, id, Kind::Register) {
                    // The refresh could not even be sent (no route, or
                    // the transaction layer is full): as a transport error.
                    let _ = e;
                    if let Some(r) = ua.roles.registerers.get_mut(&id) {
                        fail(&mut ua.core, id, r, StatusCode::SERVICE_UNAVAILABLE, None);
                    }
                }
            }
        }
        RegTimer::Expired => {
            r.granted = None;
            set_state(&mut ua.core, id, r, RegistererState::Unregistered);
        }
    }
}

/// Whether timer `t` of `id` is armed for `at`.
pub(crate) fn timer_live(
    roles: &crate::roles::Roles,
    id: RegistererId,
    t: RegTimer,
    at: Instant,
) -> bool {
    roles
        .registerers
        .get(&id)
        .is_some_and(|r| r.timers[t as usize] == Some(at))
}

#[cfg(test)]
mod tests;
