//! SIP.js's `registration.spec.ts` checklist, case by case, as harness
//! scenarios: our Registerer (Alice's phone) against the fixture
//! registrar ([`ProxyNode`]), made to misbehave where the case needs it
//! ([`RegistrarQuirks`]). Each case names the SIP.js case it ports and
//! checks the RFC 3261 §10.2 outcome, which holds on a perfect network
//! and under loss, duplication and reordering alike. Where our Registerer
//! does more than SIP.js (it retries after a `Retry-After`, it supports
//! `Contact: *`), the case says so.

use super::roles::{phone, reg_states, PROXY, USERS};
use crate::adapters::ua::{Policy, UaNode};
use crate::fixtures::{ProxyConfig, ProxyNode, Refusal, RegistrarQuirks};
use crate::scenarios::Scenario;
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transport::{Destination, Transport};
use sip_session::{
    Event, RegistererId, RegistererMut, RegistererOptions, RegistererState, RoleError, UserAgent,
};
use std::net::SocketAddr;

use RegistererState::{Registered, Terminated, Unregistered};

/// The cases, by scenario name.
pub const CASES: &[Scenario] = &[
    Scenario {
        name: "spec-reg-dispose",
        about: "registration.spec: construct, dispose, dispose twice; register/unregister after dispose are refused; nothing is sent",
        body: dispose_unused,
    },
    Scenario {
        name: "spec-reg-unregister",
        about: "registration.spec: unregister() -> 200 -> Unregistered, then dispose() -> Terminated",
        body: unregister_then_dispose,
    },
    Scenario {
        name: "spec-reg-unregister-twice",
        about: "registration.spec: unregister() twice: the second is refused while the first is pending",
        body: unregister_twice,
    },
    Scenario {
        name: "spec-reg-unregister-timeout",
        about: "registration.spec: unregister() to a registrar that never answers: 408 -> Unregistered",
        body: unregister_timeout,
    },
    Scenario {
        name: "spec-reg-unregister-transport-error",
        about: "registration.spec: unregister() when the registrar cannot be reached: 503 -> Unregistered",
        body: unregister_transport_error,
    },
    Scenario {
        name: "spec-reg-unregister-all",
        about: "registration.spec (xdescribe there): unregister ALL, Contact: * with Expires: 0, removes every binding",
        body: unregister_all,
    },
    Scenario {
        name: "spec-reg-register-dispose",
        about: "registration.spec: register() -> 200 -> Registered; dispose() sends expires=0 -> Unregistered -> Terminated",
        body: register_then_dispose,
    },
    Scenario {
        name: "spec-reg-register-again",
        about: "registration.spec: register() when Registered: another 200, no state change",
        body: register_again,
    },
    Scenario {
        name: "spec-reg-register-unregister",
        about: "registration.spec: register() -> Registered, unregister() -> Unregistered, binding gone",
        body: register_then_unregister,
    },
    Scenario {
        name: "spec-reg-refresh",
        about: "registration.spec: automatic re-REGISTER before expiry keeps the binding",
        body: refresh_before_expiry,
    },
    Scenario {
        name: "spec-reg-dispose-in-flight",
        about: "registration.spec: register() then dispose() at once: REGISTER, REGISTER; Registered -> Unregistered -> Terminated",
        body: dispose_in_flight,
    },
    Scenario {
        name: "spec-reg-register-twice",
        about: "registration.spec: register() twice: the second is refused while the first is pending",
        body: register_twice,
    },
    Scenario {
        name: "spec-reg-register-timeout",
        about: "registration.spec: register() to a registrar that never answers: 408 -> Unregistered",
        body: register_timeout,
    },
    Scenario {
        name: "spec-reg-register-transport-error",
        about: "registration.spec: register() when the registrar cannot be reached: 503 -> Unregistered",
        body: register_transport_error,
    },
    Scenario {
        name: "spec-reg-423-no-min-expires",
        about: "registration.spec: 423 without Min-Expires -> Unregistered",
        body: too_brief_without_min_expires,
    },
    Scenario {
        name: "spec-reg-423-min-expires",
        about: "registration.spec: 423 with Min-Expires -> REGISTER again with it -> 200 -> Registered",
        body: too_brief_with_min_expires,
    },
    Scenario {
        name: "spec-reg-503-retry-after",
        about: "registration.spec: 503 with Retry-After -> Unregistered, retry_after set; ours registers again after it",
        body: unavailable_retry_after,
    },
    Scenario {
        name: "spec-reg-500-retry-after",
        about: "registration.spec: 500 with Retry-After -> Unregistered, retry_after set; ours registers again after it",
        body: server_error_retry_after,
    },
];

/// Where nobody listens (the transport-error cases).
const NOWHERE: ([u8; 4], u16) = ([10, 0, 0, 99], 5060);

struct Reg {
    proxy: NodeRef<ProxyNode>,
    alice: NodeRef<UaNode>,
    id: RegistererId,
}

fn setup(sim: &mut Sim, faults: &Faults, quirks: RegistrarQuirks, expires: u32) -> Reg {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(15)).with_faults(faults));
    let addr = SocketAddr::from(PROXY);
    let mut cfg = ProxyConfig::new("example.com");
    cfg.registrar.quirks = quirks;
    let seed = sim.derive_seed();
    let proxy = sim.add_node_at(
        "registrar",
        [addr],
        ProxyNode::with_config(cfg, addr, USERS, seed),
    );
    let alice = phone(
        sim,
        "alice",
        "Alice",
        SocketAddr::from(super::roles::ALICE),
        Policy::default(),
    );
    let id = create(sim, alice, expires);
    Reg { proxy, alice, id }
}

/// A phone whose requests go to an address where nothing listens, over
/// TCP: the connection fails, a transport error (RFC 3261 §8.1.3.1).
fn unreachable(sim: &mut Sim, faults: &Faults) -> (NodeRef<UaNode>, RegistererId) {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(15)).with_faults(faults));
    let addr = SocketAddr::from(super::roles::ALICE);
    let mut cfg = super::calls::phone_config("alice", "Alice", addr);
    cfg.outbound_proxy = Some(Destination::Addr {
        transport: Transport::Tcp,
        addr: SocketAddr::from(NOWHERE),
    });
    let seed = sim.derive_seed();
    let alice = sim.add_node_at(
        "alice",
        [addr],
        UaNode::new(UserAgent::new(cfg, seed), Policy::default()),
    );
    let id = create(sim, alice, 600);
    (alice, id)
}

fn create(sim: &mut Sim, alice: NodeRef<UaNode>, expires: u32) -> RegistererId {
    let now = sim.now();
    sim.node_mut(alice).act(now, |ua, _| {
        ua.create_registerer(RegistererOptions {
            expires,
            ..RegistererOptions::default()
        })
    })
}

/// Runs a command on the Registerer now; `Err` when it is gone.
fn command<R>(
    sim: &mut Sim,
    r: &Reg,
    f: impl FnOnce(RegistererMut<'_>, Instant) -> R,
) -> Result<R, String> {
    on(sim, r.alice, r.id, f)
}

fn on<R>(
    sim: &mut Sim,
    alice: NodeRef<UaNode>,
    id: RegistererId,
    f: impl FnOnce(RegistererMut<'_>, Instant) -> R,
) -> Result<R, String> {
    let now = sim.now();
    sim.node_mut(alice)
        .act(now, |ua, now| ua.registerer(id).map(|r| f(r, now)))
        .ok_or_else(|| "the Registerer is gone".to_owned())
}

fn run_until(sim: &mut Sim, limit: Duration, pred: impl Fn(&Sim) -> bool) -> Result<(), String> {
    let end = sim.now() + limit;
    sim.run_until(|s| pred(s) || s.now() > end)
        .map_err(|e| e.to_string())
}

fn last_is(sim: &Sim, alice: NodeRef<UaNode>, st: RegistererState) -> bool {
    reg_states(sim, alice).last() == Some(&st)
}

/// The statuses of `RegistrationFailed` events, with their Retry-After.
fn failures(sim: &Sim, alice: NodeRef<UaNode>) -> Vec<(u16, Option<u32>)> {
    sim.node(alice)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::RegistrationFailed {
                status,
                retry_after,
                ..
            } => Some((status.as_u16(), *retry_after)),
            _ => None,
        })
        .collect()
}

fn expect_states(
    sim: &Sim,
    alice: NodeRef<UaNode>,
    want: &[RegistererState],
) -> Result<(), String> {
    let got = reg_states(sim, alice);
    if got == want {
        Ok(())
    } else {
        Err(format!("Registerer states {got:?}, expected {want:?}"))
    }
}

fn bindings(sim: &Sim, r: &Reg) -> usize {
    sim.node(r.proxy).bindings("alice").len()
}

/// Registers and waits for Registered.
fn register(sim: &mut Sim, r: &Reg) -> Result<(), String> {
    command(sim, r, |reg, now| reg.register(now))?.map_err(|e| e.to_string())?;
    run_until(sim, Duration::from_secs(60), |s| {
        last_is(s, r.alice, Registered)
    })?;
    if !last_is(sim, r.alice, Registered) {
        return Err(format!("not registered: {:?}", reg_states(sim, r.alice)));
    }
    Ok(())
}

/// "Construct; dispose(); dispose() twice; register/unregister after
/// dispose throw": nothing goes out, the Registerer is Terminated and
/// then gone, so no command reaches it.
pub fn dispose_unused(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 600);
    command(sim, &r, |reg, now| reg.dispose(now))?;
    let again = command(sim, &r, |reg, now| reg.dispose(now));
    sim.run_for(Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    expect_states(sim, r.alice, &[Terminated])?;
    let register = command(sim, &r, |reg, now| reg.register(now));
    let unregister = command(sim, &r, |reg, now| reg.unregister(now));
    let refused = |x: &Result<Result<(), RoleError>, String>| {
        matches!(x, Err(_) | Ok(Err(RoleError::Terminated)))
    };
    if !refused(&register) || !refused(&unregister) {
        return Err(format!("after dispose: {register:?} {unregister:?}"));
    }
    let _ = again;
    if sim.stats().sent != 0 {
        return Err(format!("{} messages sent", sim.stats().sent));
    }
    Ok(())
}

/// "unregister() → 200 → Unregistered; then dispose()".
pub fn unregister_then_dispose(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 600);
    command(sim, &r, |reg, now| reg.unregister(now))?.map_err(|e| e.to_string())?;
    run_until(sim, Duration::from_secs(60), |s| {
        last_is(s, r.alice, Unregistered)
    })?;
    expect_states(sim, r.alice, &[Unregistered])?;
    if !failures(sim, r.alice).is_empty() {
        return Err(format!("failures {:?}", failures(sim, r.alice)));
    }
    command(sim, &r, |reg, now| reg.dispose(now))?;
    sim.run_for(Duration::from_secs(1))
        .map_err(|e| e.to_string())?;
    expect_states(sim, r.alice, &[Unregistered, Terminated])
}

/// "unregister() twice (second rejected while pending)".
pub fn unregister_twice(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 600);
    let first = command(sim, &r, |reg, now| reg.unregister(now))?;
    let second = command(sim, &r, |reg, now| reg.unregister(now))?;
    if first.is_err() || second != Err(RoleError::RequestPending) {
        return Err(format!("unregister twice: {first:?} then {second:?}"));
    }
    run_until(sim, Duration::from_secs(60), |s| {
        last_is(s, r.alice, Unregistered)
    })?;
    expect_states(sim, r.alice, &[Unregistered])
}

fn silent() -> RegistrarQuirks {
    RegistrarQuirks {
        silent: true,
        ..RegistrarQuirks::default()
    }
}

/// Waits 40 s (Timer F is 32 s) and checks one failure with `status`.
fn failed_with(sim: &mut Sim, alice: NodeRef<UaNode>, status: u16) -> Result<(), String> {
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    expect_states(sim, alice, &[Unregistered])?;
    let f = failures(sim, alice);
    if f != [(status, None)] {
        return Err(format!("failures {f:?}, expected {status}"));
    }
    Ok(())
}

/// "timeout (408) → Unregistered" for unregister(): the registrar never
/// answers; the transaction times out (Timer F, RFC 3261 §17.1.2.2).
pub fn unregister_timeout(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, silent(), 600);
    command(sim, &r, |reg, now| reg.unregister(now))?.map_err(|e| e.to_string())?;
    sim.run_for(Duration::from_secs(30))
        .map_err(|e| e.to_string())?;
    if !reg_states(sim, r.alice).is_empty() {
        return Err(format!(
            "state changed before Timer F: {:?}",
            reg_states(sim, r.alice)
        ));
    }
    failed_with(sim, r.alice, 408)
}

/// "transport error (503) → Unregistered" for unregister().
pub fn unregister_transport_error(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (alice, id) = unreachable(sim, faults);
    on(sim, alice, id, |reg, now| reg.unregister(now))?.map_err(|e| e.to_string())?;
    failed_with(sim, alice, 503)
}

/// "unregister ALL (`Contact: *`)" (an `xdescribe` in SIP.js, whose
/// parser cannot read `Contact: *`): after registering, `Contact: *` with
/// `Expires: 0` removes every binding of the AOR (RFC 3261 §10.2.2).
pub fn unregister_all(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 600);
    register(sim, &r)?;
    if bindings(sim, &r) != 1 {
        return Err(format!("{} bindings after register", bindings(sim, &r)));
    }
    command(sim, &r, |reg, now| reg.unregister_all(now))?.map_err(|e| e.to_string())?;
    run_until(sim, Duration::from_secs(60), |s| {
        last_is(s, r.alice, Unregistered)
    })?;
    expect_states(sim, r.alice, &[Registered, Unregistered])?;
    if bindings(sim, &r) != 0 {
        return Err("Contact: * left a binding".to_owned());
    }
    Ok(())
}

/// "register() → 200 → Registered; then dispose() (REGISTER expires=0 →
/// Unregistered → Terminated)".
pub fn register_then_dispose(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 600);
    register(sim, &r)?;
    command(sim, &r, |reg, now| reg.dispose(now))?;
    run_until(sim, Duration::from_secs(60), |s| {
        last_is(s, r.alice, Terminated)
    })?;
    expect_states(sim, r.alice, &[Registered, Unregistered, Terminated])?;
    if bindings(sim, &r) != 0 {
        return Err("dispose left the binding".to_owned());
    }
    Ok(())
}

/// "register() again (200, no change)".
pub fn register_again(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 600);
    register(sim, &r)?;
    let before = sim.node(r.proxy).stats().registrations;
    command(sim, &r, |reg, now| reg.register(now))?.map_err(|e| e.to_string())?;
    run_until(sim, Duration::from_secs(60), |s| {
        s.node(r.proxy).stats().registrations > before
    })?;
    sim.run_for(Duration::from_secs(1))
        .map_err(|e| e.to_string())?;
    if sim.node(r.proxy).stats().registrations <= before {
        return Err("the second REGISTER was not answered 200".to_owned());
    }
    expect_states(sim, r.alice, &[Registered])?;
    if bindings(sim, &r) != 1 {
        return Err(format!("{} bindings", bindings(sim, &r)));
    }
    Ok(())
}

/// "unregister() → Unregistered" after registering.
pub fn register_then_unregister(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 600);
    register(sim, &r)?;
    command(sim, &r, |reg, now| reg.unregister(now))?.map_err(|e| e.to_string())?;
    run_until(sim, Duration::from_secs(60), |s| {
        last_is(s, r.alice, Unregistered)
    })?;
    expect_states(sim, r.alice, &[Registered, Unregistered])?;
    if bindings(sim, &r) != 0 {
        return Err("unregister left the binding".to_owned());
    }
    Ok(())
}

/// "automatic re-REGISTER before expiry": 60 s granted, refreshed at
/// 90 % (54 s), so three minutes later it is still Registered and bound,
/// after at least three refreshes.
pub fn refresh_before_expiry(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 60);
    register(sim, &r)?;
    let first = sim.node(r.proxy).stats().registrations;
    sim.run_for(Duration::from_secs(180))
        .map_err(|e| e.to_string())?;
    let refreshes = sim.node(r.proxy).stats().registrations - first;
    if refreshes < 3 {
        return Err(format!("{refreshes} refreshes in 180 s"));
    }
    expect_states(sim, r.alice, &[Registered])?;
    if bindings(sim, &r) != 1 {
        return Err("the binding lapsed".to_owned());
    }
    Ok(())
}

/// "register() + dispose() in flight → REGISTER, REGISTER; Registered →
/// Unregistered → Terminated": the dispose waits for the REGISTER's
/// answer, then unregisters.
pub fn dispose_in_flight(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 600);
    let (alice, id) = (r.alice, r.id);
    let now = sim.now();
    sim.node_mut(alice)
        .act(now, |ua, now| -> Result<(), RoleError> {
            ua.registerer(id)
                .ok_or(RoleError::Terminated)?
                .register(now)?;
            if let Some(reg) = ua.registerer(id) {
                reg.dispose(now);
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    run_until(sim, Duration::from_secs(120), |s| {
        last_is(s, r.alice, Terminated)
    })?;
    expect_states(sim, r.alice, &[Registered, Unregistered, Terminated])?;
    if bindings(sim, &r) != 0 {
        return Err("dispose left the binding".to_owned());
    }
    Ok(())
}

/// "register() twice → second rejected".
pub fn register_twice(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 600);
    let first = command(sim, &r, |reg, now| reg.register(now))?;
    let second = command(sim, &r, |reg, now| reg.register(now))?;
    if first.is_err() || second != Err(RoleError::RequestPending) {
        return Err(format!("register twice: {first:?} then {second:?}"));
    }
    run_until(sim, Duration::from_secs(60), |s| {
        last_is(s, r.alice, Registered)
    })?;
    expect_states(sim, r.alice, &[Registered])
}

/// "timeout (408) → Unregistered" for register().
pub fn register_timeout(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, silent(), 600);
    command(sim, &r, |reg, now| reg.register(now))?.map_err(|e| e.to_string())?;
    failed_with(sim, r.alice, 408)
}

/// "transport error (503) → Unregistered" for register().
pub fn register_transport_error(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let (alice, id) = unreachable(sim, faults);
    on(sim, alice, id, |reg, now| reg.register(now))?.map_err(|e| e.to_string())?;
    failed_with(sim, alice, 503)
}

/// "423 without Min-Expires → Unregistered": nothing tells the Registerer
/// what to ask for, so it gives up (RFC 3261 §10.2.8 needs the header).
pub fn too_brief_without_min_expires(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let quirks = RegistrarQuirks {
        omit_min_expires: true,
        ..RegistrarQuirks::default()
    };
    let r = setup(sim, faults, quirks, 30);
    command(sim, &r, |reg, now| reg.register(now))?.map_err(|e| e.to_string())?;
    run_until(sim, Duration::from_secs(60), |s| {
        last_is(s, r.alice, Unregistered)
    })?;
    sim.run_for(Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    expect_states(sim, r.alice, &[Unregistered])?;
    let f = failures(sim, r.alice);
    if f != [(423, None)] {
        return Err(format!("failures {f:?}"));
    }
    Ok(())
}

/// "423 with Min-Expires → REGISTER, REGISTER; 423, 200 → Registered"
/// (RFC 3261 §10.2.8), with the granted expiry the Min-Expires.
pub fn too_brief_with_min_expires(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let r = setup(sim, faults, RegistrarQuirks::default(), 30);
    register(sim, &r)?;
    expect_states(sim, r.alice, &[Registered])?;
    let granted = command(sim, &r, |reg, _| reg.expires())?;
    if granted != Some(60) {
        return Err(format!("granted {granted:?}, expected the Min-Expires 60"));
    }
    Ok(())
}

fn refusing(status: StatusCode) -> RegistrarQuirks {
    RegistrarQuirks {
        refuse: Some(Refusal {
            status,
            retry_after: Some(5),
            count: 1,
        }),
        ..RegistrarQuirks::default()
    }
}

/// "500 or 503 with Retry-After → Unregistered; retryAfter set": ours
/// also registers again once the Retry-After has passed (RFC 3261
/// §21.5.4), which SIP.js leaves to the application.
fn refused_then_retried(sim: &mut Sim, faults: &Faults, status: StatusCode) -> Result<(), String> {
    let r = setup(sim, faults, refusing(status), 600);
    command(sim, &r, |reg, now| reg.register(now))?.map_err(|e| e.to_string())?;
    let start = sim.now();
    run_until(sim, Duration::from_secs(40), |s| {
        last_is(s, r.alice, Unregistered)
    })?;
    let f = failures(sim, r.alice);
    if f != [(status.as_u16(), Some(5))] {
        return Err(format!("failures {f:?}"));
    }
    let retry_after = command(sim, &r, |reg, _| reg.retry_after())?;
    if retry_after != Some(5) {
        return Err(format!("retry_after {retry_after:?}"));
    }
    run_until(sim, Duration::from_secs(60), |s| {
        last_is(s, r.alice, Registered)
    })?;
    expect_states(sim, r.alice, &[Unregistered, Registered])?;
    let registered_at = sim
        .node(r.alice)
        .events()
        .iter()
        .rev()
        .find_map(|(t, e)| {
            matches!(e, Event::RegistererStateChanged { to: Registered, .. }).then_some(*t)
        })
        .unwrap_or(start);
    if registered_at < start + Duration::from_secs(5) {
        return Err("registered again before the Retry-After".to_owned());
    }
    Ok(())
}

/// SIP.js: "503 with Retry-After → Unregistered; retryAfter set"; ours
/// also registers again once the Retry-After has passed (RFC 3261
/// §21.5.4), which SIP.js leaves to the application.
pub fn unavailable_retry_after(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    refused_then_retried(sim, faults, StatusCode::SERVICE_UNAVAILABLE)
}

/// SIP.js: "500 with Retry-After → Unregistered; retryAfter set"; ours
/// also registers again once the Retry-After has passed (RFC 3261
/// §21.5.4).
pub fn server_error_retry_after(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    refused_then_retried(sim, faults, StatusCode::SERVER_INTERNAL_ERROR)
}
