//! `sip-harness register`, `message` and `options`: one request of a
//! [`Registerer`](sip_session::registerer) or an out-of-dialog request
//! over real sockets ([`Driver`](crate::realnet::Driver) running a
//! [`UaNode`]), and the registration of `answer --register`.
//!
//! Contract (stable; scripts rely on it):
//! * `register SIP-URI --bind ADDR:PORT --user U --password P
//!   [--expires S] [--unregister]` registers `sip:U@<host of SIP-URI>`
//!   with the registrar at SIP-URI (digest, 423 handled) and exits 0 once
//!   registered, printing the granted expiry; with `--unregister` it
//!   removes the binding (`expires=0`) instead.
//! * `message SIP-URI --bind ADDR:PORT --text TEXT [--proxy SIP-URI]
//!   [--user U --password P]` sends a MESSAGE (text/plain) and exits 0 on a
//!   2xx.
//! * `options SIP-URI --bind ADDR:PORT [--proxy SIP-URI]` sends OPTIONS,
//!   prints the answer's Allow, Accept and Supported on stdout and exits 0
//!   on a 2xx.
//! * All: `--trace`, `--events json`, `--timeout` as for `call`; a failure
//!   prints `... failed: CODE REASON` on stderr and exits 1.

use crate::adapters::ua::{Policy, UaNode};
use crate::cli::CmdResult;
use crate::phone_cmd::{base_config, bind, report, seed_from_clock, NetArgs};
use crate::realnet::Driver;
use sip_core::auth::Credentials;
use sip_core::header::HeaderName;
use sip_core::message::Response;
use sip_core::transport::{Destination, Transport};
use sip_core::uri::Uri;
use sip_session::{
    Body, Event, RegistererOptions, RegistererState, RequestOptions, UserAgent, UserAgentConfig,
};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

/// Arguments of `sip-harness register`.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// The registrar (its host is the domain of the address of record).
    pub registrar: String,
    /// Network options.
    #[command(flatten)]
    pub net: NetArgs,
    /// The user part of the address of record and the digest user name.
    #[arg(long)]
    pub user: String,
    /// Digest password.
    #[arg(long)]
    pub password: String,
    /// The expiry to ask for, in seconds.
    #[arg(long, default_value_t = 600, value_name = "S")]
    pub expires: u32,
    /// Remove the binding instead (`expires=0`).
    #[arg(long)]
    pub unregister: bool,
}

/// Arguments of `sip-harness message`.
#[derive(Debug, clap::Args)]
pub struct MessageArgs {
    /// Who to send it to.
    pub target: String,
    /// Network options.
    #[command(flatten)]
    pub net: NetArgs,
    /// The text (sent as text/plain).
    #[arg(long)]
    pub text: String,
    /// Send it through this proxy.
    #[arg(long, value_name = "SIP-URI")]
    pub proxy: Option<String>,
    /// Digest user name (also the user part of From).
    #[arg(long)]
    pub user: Option<String>,
    /// Digest password.
    #[arg(long)]
    pub password: Option<String>,
}

/// Arguments of `sip-harness options`.
#[derive(Debug, clap::Args)]
pub struct OptionsArgs {
    /// Who to ask.
    pub target: String,
    /// Network options.
    #[command(flatten)]
    pub net: NetArgs,
    /// Send it through this proxy.
    #[arg(long, value_name = "SIP-URI")]
    pub proxy: Option<String>,
}

/// Resolves the host of a SIP URI to an address of the same family as
/// `bind` (`localhost` has both), the port or the transport's default.
fn resolve_for(
    uri: &Uri,
    transport: Transport,
    bind: SocketAddr,
) -> Result<(String, SocketAddr), String> {
    let sip = uri
        .as_sip()
        .ok_or_else(|| format!("{uri}: not a sip: URI"))?;
    let port = sip.port.unwrap_or(transport.default_port());
    if let Some(ip) = sip.host.ip() {
        return Ok((sip.host.to_string(), SocketAddr::new(ip, port)));
    }
    let host = sip.host.to_string();
    let addrs: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?
        .collect();
    let addr = addrs
        .iter()
        .find(|a| a.is_ipv4() == bind.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("{host}: no address"))?;
    Ok((host, addr))
}

fn parse_uri(s: &str) -> Result<Uri, String> {
    Uri::parse(s).map_err(|e| format!("{s}: {e}"))
}

/// Sets `cfg` up to register `user` with `registrar`: the AOR
/// `sip:user@<registrar host>`, the registrar's address, credentials.
pub(crate) fn registration_config(
    cfg: &mut UserAgentConfig,
    registrar: &Uri,
    user: &str,
    password: &str,
    net: &NetArgs,
) -> Result<(), String> {
    let (host, addr) = resolve_for(registrar, net.transport(), net.bind)?;
    let domain = registrar
        .as_sip()
        .map(|s| s.host.to_string())
        .unwrap_or(host.clone());
    cfg.aor = parse_uri(&format!("sip:{user}@{domain}"))?;
    cfg.hosts.push((host, addr));
    cfg.credentials = Some(Credentials::password(user, password));
    Ok(())
}

/// Creates a Registerer for `registrar` on the driven agent and sends the
/// first REGISTER (or the removal with `unregister`). The agent refreshes
/// it by itself while the driver runs.
pub(crate) fn start_registration(
    d: &mut Driver<UaNode>,
    registrar: &Uri,
    expires: u32,
    unregister: bool,
) -> Result<(), String> {
    let registrar = registrar.clone();
    d.act(|n, now| {
        n.act(now, |ua, now| {
            let id = ua.create_registerer(RegistererOptions {
                registrar: Some(registrar),
                expires,
                ..RegistererOptions::default()
            });
            let r = ua.registerer(id).expect("just created");
            if unregister {
                r.unregister(now)
            } else {
                r.register(now)
            }
        })
    })
    .map_err(|e| format!("cannot send the REGISTER: {e}"))
}

/// What the registration came to: the last state change, the last
/// failure.
fn registration(n: &UaNode) -> (Option<RegistererState>, Option<(u16, Option<u32>)>) {
    let mut state = None;
    let mut failure = None;
    for (_, e) in n.events() {
        match e {
            Event::RegistererStateChanged { to, .. } => state = Some(*to),
            Event::RegistrationFailed {
                status,
                retry_after,
                ..
            } => failure = Some((status.as_u16(), *retry_after)),
            _ => {}
        }
    }
    (state, failure)
}

fn reason(code: u16) -> &'static str {
    sip_core::StatusCode::new(code)
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// Runs `sip-harness register`.
pub fn register(args: RegisterArgs) -> CmdResult {
    let registrar = parse_uri(&args.registrar)?;
    let mut cfg = base_config(&args.user, &args.net)?;
    registration_config(&mut cfg, &registrar, &args.user, &args.password, &args.net)?;
    let node = UaNode::new(UserAgent::new(cfg, seed_from_clock()), Policy::default());
    let mut d = bind(node, &args.net)?;
    let json = args.net.events.is_some();
    start_registration(&mut d, &registrar, args.expires, args.unregister)?;
    let limit = std::time::Duration::from_secs(args.net.timeout);
    d.run_until(|n| registration(n).0.is_some(), limit);
    report(&mut d, json);
    let what = if args.unregister {
        "unregister"
    } else {
        "register"
    };
    match registration(d.node()) {
        (_, Some((code, retry))) => {
            match retry {
                Some(s) => eprintln!("{what} failed: {code} {} (retry after {s} s)", reason(code)),
                None => eprintln!("{what} failed: {code} {}", reason(code)),
            }
            Ok(ExitCode::FAILURE)
        }
        (Some(RegistererState::Registered), None) if !args.unregister => {
            let expires = d.act(|n, now| {
                n.act(now, |ua, _| {
                    let id = ua.registerers().next()?;
                    ua.registerer(id)?.expires()
                })
            });
            eprintln!(
                "registered sip:{}@{} for {} s",
                args.user,
                registrar
                    .as_sip()
                    .map(|s| s.host.to_string())
                    .unwrap_or_default(),
                expires.unwrap_or(0)
            );
            Ok(ExitCode::SUCCESS)
        }
        (Some(RegistererState::Unregistered), None) if args.unregister => {
            eprintln!("unregistered");
            Ok(ExitCode::SUCCESS)
        }
        (Some(s), None) => {
            eprintln!("{what} failed: ended {s:?} (the registrar did not list our contact)");
            Ok(ExitCode::FAILURE)
        }
        (None, None) => {
            eprintln!("{what} failed: timeout after {} s", args.net.timeout);
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The configuration for a one-off request to `target`, optionally
/// through `proxy`.
fn request_config(
    net: &NetArgs,
    target: &Uri,
    proxy: Option<&str>,
    user: Option<&str>,
    password: Option<&str>,
) -> Result<UserAgentConfig, String> {
    let transport = net.transport();
    let mut cfg = base_config(user.unwrap_or("sip-harness"), net)?;
    match proxy {
        Some(p) => {
            let (_, addr) = resolve_for(&parse_uri(p)?, transport, net.bind)?;
            cfg.outbound_proxy = Some(Destination::Addr { transport, addr });
        }
        None => {
            let (host, addr) = resolve_for(target, transport, net.bind)?;
            cfg.hosts.push((host, addr));
        }
    }
    if let (Some(u), Some(pw)) = (user, password) {
        cfg.credentials = Some(Credentials::password(u, pw));
    }
    Ok(cfg)
}

fn final_response(n: &UaNode) -> Option<Response> {
    n.events().iter().find_map(|(_, e)| match e {
        Event::Response { response, .. } => Some((**response).clone()),
        _ => None,
    })
}

/// Sends one out-of-dialog request built by `send` and waits for its
/// final response.
fn one_request(
    net: &NetArgs,
    cfg: UserAgentConfig,
    what: &str,
    send: impl FnOnce(&mut UserAgent, sip_core::time::Instant) -> Result<(), String>,
) -> Result<(Option<Response>, Driver<UaNode>), String> {
    let node = UaNode::new(UserAgent::new(cfg, seed_from_clock()), Policy::default());
    let mut d = bind(node, net)?;
    d.act(|n, now| n.act(now, send))
        .map_err(|e| format!("cannot send the {what}: {e}"))?;
    let limit = std::time::Duration::from_secs(net.timeout);
    d.run_until(|n| final_response(n).is_some(), limit);
    report(&mut d, net.events.is_some());
    Ok((final_response(d.node()), d))
}

fn outcome(what: &str, resp: Option<&Response>, timeout: u64) -> ExitCode {
    match resp {
        Some(r) if r.status.is_success() => {
            eprintln!("{what}: {} {}", r.status.as_u16(), r.reason);
            ExitCode::SUCCESS
        }
        Some(r) => {
            eprintln!("{what} failed: {} {}", r.status.as_u16(), r.reason);
            ExitCode::FAILURE
        }
        None => {
            eprintln!("{what} failed: timeout after {timeout} s");
            ExitCode::FAILURE
        }
    }
}

/// Runs `sip-harness message`.
pub fn message(args: MessageArgs) -> CmdResult {
    let target = parse_uri(&args.target)?;
    let cfg = request_config(
        &args.net,
        &target,
        args.proxy.as_deref(),
        args.user.as_deref(),
        args.password.as_deref(),
    )?;
    let body = Body::new("text/plain", args.text.clone().into_bytes());
    let (resp, _) = one_request(&args.net, cfg, "MESSAGE", |ua, now| {
        ua.message(now, target, body, RequestOptions::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    Ok(outcome("MESSAGE", resp.as_ref(), args.net.timeout))
}

/// Runs `sip-harness options`.
pub fn options(args: OptionsArgs) -> CmdResult {
    let target = parse_uri(&args.target)?;
    let cfg = request_config(&args.net, &target, args.proxy.as_deref(), None, None)?;
    let (resp, _) = one_request(&args.net, cfg, "OPTIONS", |ua, now| {
        ua.options(now, target, RequestOptions::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    if let Some(r) = resp.as_ref().filter(|r| r.status.is_success()) {
        for name in [HeaderName::Allow, HeaderName::Accept, HeaderName::Supported] {
            let values: Vec<&str> = r.headers.values(&name).collect();
            if !values.is_empty() {
                println!("{name}: {}", values.join(", "));
            }
        }
    }
    Ok(outcome("OPTIONS", resp.as_ref(), args.net.timeout))
}
