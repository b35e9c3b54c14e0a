//! `sip-harness call` and `sip-harness answer`: a user agent over real
//! sockets ([`Driver`] running a [`UaNode`]).
//!
//! Contract (stable; scripts rely on it):
//! * `call SIP-URI --bind ADDR:PORT [--transport udp|tcp] [--proxy SIP-URI]
//!   [--user U --password P] [--hangup-after SECS] [--no-sdp]
//!   [--hold-after SECS [--unhold-after SECS]] [--info TEXT] [--message TEXT]`
//!   exits 0 when
//!   the call was established and terminated cleanly, non-zero otherwise
//!   with the final status on stderr. A REFER from the far end is accepted
//!   (RFC 3515: 202, NOTIFYs, the referred call placed); `call` then exits
//!   once that call ended too.
//! * `answer --bind ADDR:PORT [--transport udp|tcp] [--register SIP-URI
//!   --user U --password P] [--ring SECS] [--reject CODE] [--hangup-after
//!   SECS] [--exit-after-calls N] [--prack]` answers each call with 200 and
//!   an SDP answer (or rejects it), accepts REFER as `call` does, and exits
//!   0 after N calls (referred ones included) completed cleanly; with
//!   `--register` it registers first and keeps the binding refreshed.
//! * Both: `--trace` prints every message sent and received with a
//!   timestamp on stderr; `--events json` prints one JSON object per
//!   application event on stdout; progress lines go to stderr.

use crate::adapters::ua::{AnswerPolicy, Policy, UaNode};
use crate::cli::CmdResult;
use crate::realnet::Driver;
use crate::scenarios::calls::sdp_for;
use sip_core::auth::Credentials;
use sip_core::status::StatusCode;
use sip_core::time::Duration;
use sip_core::transport::{Destination, Transport};
use sip_core::uri::{Host, Uri};
use sip_session::{
    ByeOptions, CancelOptions, ExtensionSupport, InviteOptions, SessionState, TerminationCause,
    UserAgent, UserAgentConfig,
};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

/// Options common to the real-socket commands.
#[derive(Debug, Clone, clap::Args)]
pub struct NetArgs {
    /// Local address to bind (UDP and TCP).
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: SocketAddr,
    /// Transport for outgoing requests.
    #[arg(long, default_value = "udp", value_parser = ["udp", "tcp"])]
    pub transport: String,
    /// Print every message sent and received, with a timestamp (stderr).
    #[arg(long)]
    pub trace: bool,
    /// Print application events on stdout (`json`: one object per line).
    #[arg(long, value_name = "FORMAT", value_parser = ["json"])]
    pub events: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,
}

impl NetArgs {
    pub(crate) fn transport(&self) -> Transport {
        if self.transport == "tcp" {
            Transport::Tcp
        } else {
            Transport::Udp
        }
    }
}

/// Arguments of `sip-harness call`.
#[derive(Debug, clap::Args)]
pub struct CallArgs {
    /// Who to call.
    pub target: String,
    /// Network options.
    #[command(flatten)]
    pub net: NetArgs,
    /// Send the INVITE through this proxy.
    #[arg(long, value_name = "SIP-URI")]
    pub proxy: Option<String>,
    /// Digest user name.
    #[arg(long)]
    pub user: Option<String>,
    /// Digest password.
    #[arg(long)]
    pub password: Option<String>,
    /// Hang up this many seconds after the call is answered.
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub hangup_after: f64,
    /// Send the INVITE without an offer (the offer comes in the 2xx).
    #[arg(long)]
    pub no_sdp: bool,
    /// Put the call on hold (re-INVITE with a=sendonly) this many seconds
    /// after it is answered.
    #[arg(long, value_name = "SECS")]
    pub hold_after: Option<f64>,
    /// Take the call off hold (re-INVITE with a=sendrecv) this many
    /// seconds after the hold was accepted.
    #[arg(long, value_name = "SECS")]
    pub unhold_after: Option<f64>,
    /// Send an in-dialog INFO with this text once answered.
    #[arg(long, value_name = "TEXT")]
    pub info: Option<String>,
    /// Send an in-dialog MESSAGE with this text once answered.
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,
}

/// Arguments of `sip-harness answer`.
#[derive(Debug, clap::Args)]
pub struct AnswerArgs {
    /// Network options.
    #[command(flatten)]
    pub net: NetArgs,
    /// Ring this many seconds before answering.
    #[arg(long, value_name = "SECS", default_value_t = 0.0)]
    pub ring: f64,
    /// Reject every call with this status instead of answering.
    #[arg(long, value_name = "CODE")]
    pub reject: Option<u16>,
    /// Hang up this many seconds after answering.
    #[arg(long, value_name = "SECS")]
    pub hangup_after: Option<f64>,
    /// Exit 0 after this many calls completed cleanly.
    #[arg(long, value_name = "N")]
    pub exit_after_calls: Option<u32>,
    /// Ring with a reliable 180 (RFC 3262, PRACK expected).
    #[arg(long)]
    pub prack: bool,
    /// Register with this registrar first and keep the binding refreshed
    /// (needs `--user` and `--password`).
    #[arg(long, value_name = "SIP-URI", requires_all = ["user", "password"])]
    pub register: Option<String>,
    /// Digest user name (and user part of the address of record).
    #[arg(long)]
    pub user: Option<String>,
    /// Digest password.
    #[arg(long)]
    pub password: Option<String>,
}

pub(crate) fn secs(s: f64) -> Result<Duration, String> {
    if s.is_finite() && s >= 0.0 {
        Ok(Duration::from_millis((s * 1000.0) as u64))
    } else {
        Err(format!("{s} is not a number of seconds"))
    }
}

/// Resolves the host of a SIP URI to a socket address (the harness may do
/// IO; the protocol crates do not).
pub(crate) fn resolve(uri: &Uri, transport: Transport) -> Result<(String, SocketAddr), String> {
    let sip = uri
        .as_sip()
        .ok_or_else(|| format!("{uri}: not a sip: URI"))?;
    let port = sip.port.unwrap_or(transport.default_port());
    let host = match &sip.host {
        Host::Ipv6(ip) => return Ok((ip.to_string(), SocketAddr::from((*ip, port)))),
        h => h.to_string(),
    };
    let addr = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}: no address"))?;
    Ok((host, addr))
}

pub(crate) fn base_config(user: &str, net: &NetArgs) -> Result<UserAgentConfig, String> {
    let bind = net.bind;
    let tp = if net.transport() == Transport::Tcp {
        ";transport=tcp"
    } else {
        ""
    };
    let host = match bind.ip() {
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    Ok(UserAgentConfig {
        aor: Uri::parse(&format!("sip:{user}@{host}")).map_err(|e| e.to_string())?,
        contact: Uri::parse(&format!("sip:{user}@{host}:{}{tp}", bind.port()))
            .map_err(|e| e.to_string())?,
        user_agent: Some(concat!("sip-harness/", env!("CARGO_PKG_VERSION")).to_owned()),
        default_transport: net.transport(),
        rel100: ExtensionSupport::Supported,
        transaction: sent_by(bind),
        ..UserAgentConfig::default()
    })
}

/// Transaction settings whose Via sent-by is `addr` (RFC 3261 §18.1.1).
pub fn sent_by(addr: SocketAddr) -> sip_core::transaction::Config {
    let host = match addr.ip() {
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    sip_core::transaction::Config {
        default_sent_by: sip_core::transaction::SentBy::new(host, Some(addr.port())),
        ..sip_core::transaction::Config::default()
    }
}

pub(crate) fn bind(node: UaNode, net: &NetArgs) -> Result<Driver<UaNode>, String> {
    let mut d = Driver::bind(node, net.bind, &[Transport::Udp, Transport::Tcp])
        .map_err(|e| format!("cannot bind {}: {e}", net.bind))?;
    if net.trace {
        d.trace_to(std::io::stderr());
    }
    Ok(d)
}

/// Prints the node's new application events (JSON on stdout when asked)
/// and notable progress on stderr.
pub(crate) fn report(d: &mut Driver<UaNode>, json: bool) {
    while let Some(ev) = d.poll_event() {
        let text = match &ev {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if json {
            println!(
                "{}",
                serde_json::json!({ "t_ms": d.now().as_millis(), "event": text })
            );
        }
        if text.contains("progress") || text.contains("Established") || text.contains("terminated")
        {
            eprintln!("{text}");
        }
    }
}

/// Runs `sip-harness call`.
pub fn call(args: CallArgs) -> CmdResult {
    let transport = args.net.transport();
    let target = Uri::parse(&args.target).map_err(|e| format!("{}: {e}", args.target))?;
    let user = args.user.clone().unwrap_or_else(|| "caller".to_owned());
    let mut cfg = base_config(&user, &args.net)?;
    match &args.proxy {
        // The proxy routes the INVITE: the target's domain need not
        // resolve here (RFC 3261 §8.1.2).
        Some(p) => {
            let proxy = Uri::parse(p).map_err(|e| format!("{p}: {e}"))?;
            let (_, paddr) = resolve(&proxy, transport)?;
            cfg.outbound_proxy = Some(Destination::Addr {
                transport,
                addr: paddr,
            });
        }
        None => {
            let (host, addr) = resolve(&target, transport)?;
            cfg.hosts.push((host, addr));
        }
    }
    if let (Some(u), Some(pw)) = (&args.user, &args.password) {
        cfg.credentials = Some(Credentials::password(u.clone(), pw.clone()));
    }
    let sdp = sdp_for(&user, args.net.bind, 40000);
    let policy = Policy {
        hangup_after: Some(secs(args.hangup_after)?),
        sdp: Some(sdp.clone()),
        hold_after: args.hold_after.map(secs).transpose()?,
        unhold_after: args.unhold_after.map(secs).transpose()?,
        info: args.info.clone(),
        message: args.message.clone(),
        ..Policy::default()
    };
    let seed = seed_from_clock();
    let node = UaNode::new(UserAgent::new(cfg, seed), policy);
    let mut d = bind(node, &args.net)?;
    let json = args.net.events.is_some();
    let body = (!args.no_sdp).then_some(sdp);
    d.act(|n, now| {
        n.act(now, |ua, now| {
            ua.invite(
                now,
                target,
                InviteOptions {
                    body,
                    ..InviteOptions::default()
                },
            )
        })
    })
    .map_err(|e| format!("cannot send the INVITE: {e}"))?;
    let limit = std::time::Duration::from_secs(args.net.timeout);
    let done = d.run_until(|n| call_over(n), limit);
    report(&mut d, json);
    let linger = if done {
        // Keep retransmitting the BYE (Timer E) until it is answered or
        // times out (Timer F).
        33
    } else {
        // --timeout: give up, politely but without waiting long.
        d.act(|n, now| n.act(now, give_up));
        4
    };
    // A CANCEL shares its INVITE's branch (RFC 3261 §9.1): its 200 clears
    // the branch before the INVITE's 487, which must still be ACKed.
    d.run_until(
        |n| call_over(n) && n.awaiting_responses() == 0,
        std::time::Duration::from_secs(linger),
    );
    report(&mut d, json);
    if !done {
        eprintln!("call failed: timeout after {} s", args.net.timeout);
        return Ok(ExitCode::FAILURE);
    }
    let Some(o) = d.node().outcomes().next().copied() else {
        eprintln!("call failed: no session");
        return Ok(ExitCode::FAILURE);
    };
    match (done, o.established, o.ended) {
        (true, true, Some(TerminationCause::Bye | TerminationCause::RemoteBye)) => {
            eprintln!("call completed");
            Ok(ExitCode::SUCCESS)
        }
        (_, _, Some(TerminationCause::Rejected(status))) => {
            let reason = status.canonical_reason().unwrap_or("");
            eprintln!("call failed: {} {reason}", status.as_u16());
            Ok(ExitCode::FAILURE)
        }
        (_, _, Some(cause)) => {
            eprintln!("call failed: {cause:?}");
            Ok(ExitCode::FAILURE)
        }
        (_, _, None) => {
            eprintln!("call failed: timeout after {} s", args.net.timeout);
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Ends every session still going: CANCEL for a call being set up
/// (RFC 3261 §9.1), BYE for an established one.
fn give_up(ua: &mut UserAgent, now: sip_core::time::Instant) {
    let ids: Vec<_> = ua.sessions().collect();
    for id in ids {
        if let Some(mut inviter) = ua.inviter(id) {
            if inviter.cancel(now, CancelOptions::default()).is_ok() {
                continue;
            }
        }
        if let Some(mut s) = ua.session_mut(id) {
            if s.state() == SessionState::Established {
                let _ = s.bye(now, ByeOptions::default());
            }
        }
    }
}

/// True once the call ended, and so did every other session: a call
/// placed because the far end sent a REFER (RFC 3515) is seen through
/// before `call` exits, as is any call still being set up.
fn call_over(n: &UaNode) -> bool {
    let ua = n.ua();
    n.outcomes().next().is_some_and(|o| o.ended.is_some())
        && ua.sessions().all(|id| {
            ua.session(id)
                .is_none_or(|s| s.state() == SessionState::Terminated)
        })
}

/// Runs `sip-harness answer`.
pub fn answer(args: AnswerArgs) -> CmdResult {
    let mut cfg = base_config(args.user.as_deref().unwrap_or("answer"), &args.net)?;
    let registrar = match (&args.register, &args.user, &args.password) {
        (Some(r), Some(u), Some(p)) => {
            let uri = Uri::parse(r).map_err(|e| format!("{r}: {e}"))?;
            crate::ua_cmd::registration_config(&mut cfg, &uri, u, p, &args.net)?;
            Some(uri)
        }
        _ => None,
    };
    if args.prack {
        cfg.rel100 = ExtensionSupport::Required;
        cfg.send_initial_provisional = false;
    }
    let reject = match args.reject {
        Some(c) => Some(
            StatusCode::new(c)
                .filter(|s| s.as_u16() >= 300)
                .ok_or_else(|| format!("--reject {c}: not a status code 300-699"))?,
        ),
        None => None,
    };
    let policy = Policy {
        answer: Some(AnswerPolicy {
            ring: secs(args.ring)?,
            reject,
        }),
        hangup_after: args.hangup_after.map(secs).transpose()?,
        sdp: Some(sdp_for("answer", args.net.bind, 40002)),
        reliable_ringing: args.prack,
        ..Policy::default()
    };
    let node = UaNode::new(UserAgent::new(cfg, seed_from_clock()), policy);
    let mut d = bind(node, &args.net)?;
    let json = args.net.events.is_some();
    eprintln!("listening on {} (udp, tcp)", d.local_addr());
    if let Some(r) = &registrar {
        crate::ua_cmd::start_registration(&mut d, r, 600, false)?;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(args.net.timeout);
    let clean = |n: &UaNode| {
        n.outcomes()
            .filter(|o| match o.ended {
                Some(TerminationCause::Bye | TerminationCause::RemoteBye) => true,
                Some(TerminationCause::RejectedLocally(s)) => reject == Some(s),
                _ => false,
            })
            .count() as u32
    };
    loop {
        d.step(std::time::Duration::from_millis(50));
        report(&mut d, json);
        if let Some(n) = args.exit_after_calls {
            if clean(d.node()) >= n {
                // Let the last response or retransmission go out.
                d.run_for(std::time::Duration::from_millis(200));
                report(&mut d, json);
                eprintln!("{n} call(s) completed");
                return Ok(ExitCode::SUCCESS);
            }
        }
        if std::time::Instant::now() >= deadline {
            eprintln!("answer: timeout after {} s", args.net.timeout);
            return Ok(ExitCode::FAILURE);
        }
    }
}

/// Tokens for a real-network agent must differ between runs; the
/// simulated ones are seeded explicitly instead.
pub(crate) fn seed_from_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 ^ u64::from(std::process::id()))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::ua::AnswerPolicy;
    use crate::scenarios::calls::{add_phone, call_at};
    use crate::sim::Sim;
    use sip_core::time::Instant;
    use sip_session::{ReferOptions, ReferTarget};

    /// Alice calls Bob; Bob transfers her to Carol (REFER) and hangs up:
    /// Alice's `call` is not over while her call with Carol goes on, and
    /// is once Carol hung up (the `uas_refer` interop case, which failed
    /// when `call` exited at Bob's BYE and left Carol's call behind).
    #[test]
    fn a_call_is_over_only_when_the_referred_call_is() {
        let mut sim = Sim::new(7);
        let addr = |port: u16| SocketAddr::from(([192, 0, 2, 1], port));
        let answering = |hangup: u64, port: u16| Policy {
            answer: Some(AnswerPolicy {
                ring: Duration::from_millis(100),
                reject: None,
            }),
            hangup_after: Some(Duration::from_secs(hangup)),
            sdp: Some(sdp_for("x", addr(port), 40000)),
            ..Policy::default()
        };
        let alice_policy = Policy {
            sdp: Some(sdp_for("alice", addr(5060), 40000)),
            ..Policy::default()
        };
        let alice = add_phone(&mut sim, "alice", "Alice", addr(5060), alice_policy);
        let bob = add_phone(&mut sim, "bob", "Bob", addr(5062), answering(3, 5062));
        let _carol = add_phone(&mut sim, "carol", "Carol", addr(5064), answering(10, 5064));
        let bob_uri = Uri::parse("sip:bob@192.0.2.1:5062").unwrap();
        let offer = sdp_for("alice", addr(5060), 40000);
        call_at(
            &mut sim,
            Instant::ZERO,
            "Alice calls Bob",
            alice,
            bob_uri,
            offer,
        );
        let carol_uri = Uri::parse("sip:carol@192.0.2.1:5064").unwrap();
        sim.at(Instant::ZERO + Duration::from_secs(1))
            .label("Bob transfers Alice to Carol")
            .call(bob, move |n, now| {
                n.act(now, |ua, now| {
                    let id = ua.sessions().next().expect("Bob's call");
                    let opts = ReferOptions::new(ReferTarget::Uri(carol_uri));
                    ua.session_mut(id).unwrap().refer(now, opts).unwrap();
                });
            });

        sim.run_until(|s| {
            s.node(alice)
                .outcomes()
                .next()
                .is_some_and(|o| o.ended.is_some())
        })
        .unwrap();
        let n = sim.node(alice);
        let first = n.outcomes().next().unwrap();
        assert_eq!(first.ended, Some(TerminationCause::RemoteBye));
        assert_eq!(n.outcomes().count(), 2, "the referred call was placed");
        assert!(!call_over(n), "Alice still talks with Carol");

        sim.run_until(|s| call_over(s.node(alice))).unwrap();
        let ended: Vec<_> = sim.node(alice).outcomes().map(|o| o.ended).collect();
        assert_eq!(
            ended,
            [
                Some(TerminationCause::RemoteBye),
                Some(TerminationCause::RemoteBye)
            ]
        );
    }

    /// A response to `req` (its Via, From, To, Call-ID, CSeq), with a To
    /// tag unless it has one.
    fn respond(req: &str, status: &str) -> String {
        let mut out = format!("SIP/2.0 {status}\r\n");
        for line in req.lines() {
            let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
            if name == "to" && !line.contains("tag=") && !status.starts_with("100") {
                out += &format!("{line};tag=far\r\n");
            } else if ["via", "from", "to", "call-id", "cseq"].contains(&name.as_str()) {
                out += &format!("{line}\r\n");
            }
        }
        out + "Content-Length: 0\r\n\r\n"
    }

    /// `call --timeout 1` to a far end that only ever says 100 Trying
    /// gives up after about a second: CANCEL (answered 200 and 487 here),
    /// the 487 ACKed, "timeout" on stderr, exit 1. It used to wait 33 s
    /// more for the INVITE's final response.
    #[test]
    fn call_gives_up_at_its_timeout_with_a_cancel() {
        let far = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        far.set_read_timeout(Some(std::time::Duration::from_secs(3)))
            .unwrap();
        let far_addr = far.local_addr().unwrap();
        let far_end = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut invite = None;
            let (mut cancelled, mut acked) = (false, false);
            while let Ok((n, from)) = far.recv_from(&mut buf) {
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                if req.starts_with("INVITE ") {
                    let _ = far.send_to(respond(&req, "100 Trying").as_bytes(), from);
                    invite = Some(req);
                } else if req.starts_with("CANCEL ") {
                    cancelled = true;
                    let _ = far.send_to(respond(&req, "200 OK").as_bytes(), from);
                    if let Some(inv) = &invite {
                        let r = respond(inv, "487 Request Terminated");
                        let _ = far.send_to(r.as_bytes(), from);
                    }
                } else if req.starts_with("ACK ") {
                    acked = true;
                    break;
                }
            }
            (cancelled, acked)
        });
        let args = call_args(format!("sip:far@{far_addr}"), None);
        let started = std::time::Instant::now();
        let code = call(args).expect("the call runs");
        let took = started.elapsed();
        assert_eq!(code, ExitCode::FAILURE);
        assert!(took < std::time::Duration::from_secs(4), "took {took:?}");
        let (cancelled, acked) = far_end.join().unwrap();
        assert!(cancelled, "the INVITE was cancelled");
        assert!(acked, "the 487 was acknowledged before `call` exited");
    }

    fn call_args(target: String, proxy: Option<String>) -> CallArgs {
        CallArgs {
            target,
            net: NetArgs {
                bind: "127.0.0.1:0".parse().unwrap(),
                transport: "udp".into(),
                trace: false,
                events: None,
                timeout: 1,
            },
            proxy,
            user: None,
            password: None,
            hangup_after: 1.0,
            no_sdp: false,
            hold_after: None,
            unhold_after: None,
            info: None,
            message: None,
        }
    }

    /// With `--proxy` the target's domain is the proxy's business: `call`
    /// sends the INVITE for `sip:bob@nowhere.invalid` to the proxy (here
    /// answering 486) instead of failing to resolve `nowhere.invalid`.
    #[test]
    fn call_through_a_proxy_does_not_resolve_the_target() {
        let proxy = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        proxy
            .set_read_timeout(Some(std::time::Duration::from_secs(3)))
            .unwrap();
        let proxy_addr = proxy.local_addr().unwrap();
        let proxy_end = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut request_line = None;
            while let Ok((n, from)) = proxy.recv_from(&mut buf) {
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                if req.starts_with("INVITE ") {
                    request_line = req.lines().next().map(str::to_owned);
                    let _ = proxy.send_to(respond(&req, "486 Busy Here").as_bytes(), from);
                } else if req.starts_with("ACK ") {
                    break;
                }
            }
            request_line
        });
        let args = call_args(
            "sip:bob@nowhere.invalid".into(),
            Some(format!("sip:{proxy_addr}")),
        );
        assert_eq!(call(args).expect("the call runs"), ExitCode::FAILURE);
        assert_eq!(
            proxy_end.join().unwrap().as_deref(),
            Some("INVITE sip:bob@nowhere.invalid SIP/2.0")
        );
    }
}
