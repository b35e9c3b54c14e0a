//! A call redirected by a redirect server (RFC 3261 §8.3, §8.1.3.4): the
//! caller follows the 302's Contact (`UserAgentConfig::max_redirects`).

use super::calls::{add_phone, call_at, phone_config, run_until_ended, sdp_for};
use crate::adapters::ua::{AnswerPolicy, Outcome, Policy, UaNode};
use crate::sim::{Faults, LinkConfig, NodeRef, Sim};
use sip_core::header::HeaderName;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::uri::Uri;
use sip_session::{Event, TerminationCause, UserAgent};
use std::net::SocketAddr;

const ALICE: ([u8; 4], u16) = ([10, 0, 0, 1], 5060);
const BOB: ([u8; 4], u16) = ([10, 0, 0, 2], 5060);
const REDIRECT: ([u8; 4], u16) = ([10, 0, 0, 3], 5060);

/// Alice calls `sip:bob@10.0.0.3`, a redirect server that answers 302
/// with `Contact: <sip:bob@10.0.0.2>` (no 180 first); Alice, following up
/// to 3 redirects, sends the INVITE there (same Call-ID, From, To, CSeq
/// 2); Bob rings 1 s and answers; 5 s of call; Alice hangs up.
pub fn redirected_call(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let (alice_addr, bob_addr, redirect_addr) = (
        SocketAddr::from(ALICE),
        SocketAddr::from(BOB),
        SocketAddr::from(REDIRECT),
    );
    let alice = {
        let mut cfg = phone_config("alice", "Alice", alice_addr);
        cfg.max_redirects = 3;
        let ua = UserAgent::new(cfg, sim.derive_seed());
        let policy = Policy {
            hangup_after: Some(Duration::from_secs(5)),
            sdp: Some(sdp_for("alice", alice_addr, 49170)),
            ..Policy::default()
        };
        sim.add_node_at("alice", [alice_addr], UaNode::new(ua, policy))
    };
    let bob_uri = format!("sip:bob@{bob_addr}");
    let redirect = {
        let mut cfg = phone_config("redirect", "Redirect", redirect_addr);
        cfg.send_initial_provisional = false;
        let ua = UserAgent::new(cfg, sim.derive_seed());
        let policy = Policy {
            answer: Some(AnswerPolicy {
                ring: Duration::ZERO,
                reject: Some(StatusCode::MOVED_TEMPORARILY),
            }),
            reject_headers: vec![(HeaderName::Contact, format!("<{bob_uri}>"))],
            ..Policy::default()
        };
        sim.add_node_at("redirect", [redirect_addr], UaNode::new(ua, policy))
    };
    let bob = add_phone(
        sim,
        "bob",
        "Bob",
        bob_addr,
        Policy {
            answer: Some(AnswerPolicy {
                ring: Duration::from_secs(1),
                reject: None,
            }),
            sdp: Some(sdp_for("bob", bob_addr, 3456)),
            ..Policy::default()
        },
    );
    let target = Uri::parse(&format!("sip:bob@{redirect_addr}")).expect("target URI");
    let offer = sdp_for("alice", alice_addr, 49170);
    call_at(sim, Instant::ZERO, "Alice calls Bob", alice, target, offer);
    run_until_ended(sim, &[alice, redirect, bob])?;
    sim.run_for(Duration::from_secs(40))
        .map_err(|e| e.to_string())?;
    let one = |r: NodeRef<UaNode>, who: &str| -> Result<Outcome, String> {
        let v: Vec<Outcome> = sim.node(r).outcomes().copied().collect();
        match v.as_slice() {
            [o] => Ok(*o),
            _ => Err(format!("{who} saw {} sessions, expected 1", v.len())),
        }
    };
    let a = one(alice, "Alice")?;
    let r = one(redirect, "the redirect server")?;
    let b = one(bob, "Bob")?;
    check(&a, true, TerminationCause::Bye, "Alice")?;
    check(
        &r,
        false,
        TerminationCause::RejectedLocally(StatusCode::MOVED_TEMPORARILY),
        "the redirect server",
    )?;
    check(&b, true, TerminationCause::RemoteBye, "Bob")?;
    let redirected: Vec<String> = sim
        .node(alice)
        .events()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Redirected { status, target, .. } => {
                Some(format!("{} {target}", status.as_u16()))
            }
            _ => None,
        })
        .collect();
    if redirected != [format!("302 {bob_uri}")] {
        return Err(format!("Alice's redirects: {redirected:?}"));
    }
    let held: usize = [alice, redirect, bob]
        .iter()
        .map(|&n| sim.node(n).ua().session_count())
        .sum();
    if held != 0 {
        return Err("sessions still held after all timers".to_owned());
    }
    Ok(())
}

fn check(o: &Outcome, established: bool, cause: TerminationCause, who: &str) -> Result<(), String> {
    if o.established != established {
        return Err(format!(
            "{who}: established {} (expected {established})",
            o.established
        ));
    }
    match o.ended {
        Some(c) if c == cause => Ok(()),
        other => Err(format!("{who}: ended {other:?}, expected {cause:?}")),
    }
}
