//! SIP.js session "Forking": Bob and Bob2 registered for one
//! address-of-record with the registrar/proxy fixture, which forks
//! Alice's INVITE to both (RFC 3261 §16.6); with and without SDP.

use super::*;
use crate::fixtures::ProxyNode;
use crate::scenarios::roles::{registered, PROXY, USERS};
use sip_core::auth::Credentials;
use sip_core::transport::{Destination, Transport};
use sip_session::{RegistererOptions, SessionState};

const BOB2: ([u8; 4], u16) = ([10, 0, 0, 4], 5060);

/// A phone of `user` named `name` at `addr`, its requests through the
/// proxy.
fn proxied(
    sim: &mut Sim,
    (name, user): (&str, &str),
    addr: ([u8; 4], u16),
    call: &Call,
) -> NodeRef<UaNode> {
    let addr = SocketAddr::from(addr);
    let mut cfg = phone_config(user, user, addr);
    cfg.outbound_proxy = Some(Destination::Addr {
        transport: Transport::Udp,
        addr: SocketAddr::from(PROXY),
    });
    let password = USERS.iter().find(|(u, _)| *u == user).map_or("", |u| u.1);
    cfg.credentials = Some(Credentials::password(user, password));
    if call.rel100 {
        cfg.rel100 = ExtensionSupport::Supported;
        cfg.send_initial_provisional = false;
    }
    let policy = Policy {
        sdp: Some(sdp_for(name, addr, 3456)),
        ..Policy::default()
    };
    let seed = sim.derive_seed();
    sim.add_node_at(name, [addr], UaNode::new(UserAgent::new(cfg, seed), policy))
}

/// The proxy, Alice, Bob and Bob2 (registered); Alice calls
/// sip:bob@example.com; both forks ring. Bob2 is the third phone.
fn forked(sim: &mut Sim, faults: &Faults, call: &Call) -> Result<(Phones, SessionId), String> {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let addr = SocketAddr::from(PROXY);
    let seed = sim.derive_seed();
    sim.add_node_at(
        "proxy",
        [addr],
        ProxyNode::new("example.com", addr, USERS, seed),
    );
    let alice = proxied(sim, ("alice", "alice"), ALICE, call);
    let bob = proxied(sim, ("bob", "bob"), BOB, call);
    let bob2 = proxied(sim, ("bob2", "bob"), BOB2, call);
    let p = Phones {
        alice,
        bob,
        carol: Some(bob2),
        carol_name: "Bob2",
        strict: *faults == Faults::NONE,
    };
    for phone in [bob, bob2] {
        act(sim, phone, "register", |ua, now| {
            let id = ua.create_registerer(RegistererOptions::default());
            ua.registerer(id)
                .expect("just created")
                .register(now)
                .map_err(|e| e.to_string())
        })??;
    }
    wait(sim, 120, "Bob and Bob2 to register", move |s| {
        registered(s, bob) && registered(s, bob2)
    })?;
    pass(sim, 1.0)?;
    let target = sip_core::uri::Uri::parse("sip:bob@example.com").expect("static URI");
    let a = dial(sim, &p, target, call.offer, call.early_media)?;
    ringing(sim, p.bob, 1)?;
    ringing(sim, bob2, 1)?;
    Ok((p, a))
}

/// The end of a forked call: Alice's session up and stable with one
/// fork; the other fork's session ended by Alice's BYE (RFC 3261
/// §13.2.2.4: the later 2xx gets an ACK and a BYE); Alice sent one BYE.
fn one_fork_survives(sim: &mut Sim, p: &Phones, a: SessionId, offer: bool) -> Outcome {
    let bob2 = p.carol.expect("Bob2");
    let (alice, _) = p.sides(true);
    let b1 = invitations(sim, p.bob)[0];
    let b2 = invitations(sim, bob2)[0];
    wait(sim, 60, "one fork to be up and the other ended", move |s| {
        let up = |n, id| state(s, n, Some(id)).0 == Some(SessionState::Established);
        let gone = |n, id| ended(s, n, id).is_some();
        state(s, alice.0, Some(a)).0 == Some(SessionState::Established)
            && ((up(p.bob, b1) && gone(bob2, b2)) || (up(bob2, b2) && gone(p.bob, b1)))
    })?;
    let (winner, loser, wid, lid) = if ended(sim, bob2, b2).is_some() {
        ((p.bob, "Bob"), (bob2, "Bob2"), b1, b2)
    } else {
        ((bob2, "Bob2"), (p.bob, "Bob"), b2, b1)
    };
    // Under faults every ACK to the winner may be lost on the two hops:
    // it gives up at 64*T1 and BYEs (RFC 3261 §13.3.1.4).
    if !p.strict {
        pass(sim, 40.0)?;
        if ended(sim, winner.0, wid) == Some(TerminationCause::AckTimeout) {
            return Ok(());
        }
    }
    expect_state(
        sim,
        p,
        alice.0,
        "Alice",
        a,
        SessionState::Established,
        SignalingState::Stable,
    )?;
    expect_state(
        sim,
        p,
        winner.0,
        winner.1,
        wid,
        SessionState::Established,
        SignalingState::Stable,
    )?;
    if offer {
        expect_ended(sim, loser, lid, TerminationCause::RemoteBye)?;
    } else {
        // The loser offered in its 2xx; the ACK that comes with the BYE
        // carries no answer, so it may end first with its own BYE (488).
        let allowed = [TerminationCause::RemoteBye, description_failed(488)];
        expect_ended_in(sim, loser, lid, &allowed)?;
    }
    let early = sim
        .node(p.alice)
        .ua()
        .session(a)
        .and_then(|s| s.dialog().map(|d| d.is_early()));
    check(early == Some(false), || {
        format!("Alice's dialog early: {early:?}")
    })?;
    if p.strict {
        let (sent, _) = wire(sim, p.alice, Instant::ZERO, None);
        let acks = sent.iter().filter(|l| *l == "ACK").count();
        let byes = sent.iter().filter(|l| *l == "BYE").count();
        check((acks, byes) == (2, 1), || {
            format!("Alice sent {acks} ACKs and {byes} BYEs, expected 2 and 1: {sent:?}")
        })?;
    }
    Ok(())
}

/// SIP.js "Forking: both accept()": fork → 100, 180 from each; both
/// answer at once; Alice ACKs the first 2xx and ACKs and BYEs the second
/// (RFC 3261 §13.2.2.4); her dialog Confirmed and Stable. Without SDP
/// the first 2xx's offer is answered in its ACK; the second's ACK
/// carries no answer (its dialog is being ended), so Bob2 may send his
/// own BYE (Reason 488) that crosses Alice's (SIP.js: "the answer-in-ACK
/// variant differs").
fn both_accept(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let (p, a) = forked(sim, faults, &Call::offer(offer))?;
    let bob2 = p.carol.expect("Bob2");
    let b1 = invitations(sim, p.bob)[0];
    let b2 = invitations(sim, bob2)[0];
    if p.strict {
        let heard = |s: &Sim| {
            s.node(p.alice)
                .events()
                .iter()
                .filter(|(_, e)| matches!(e, Event::Progress { .. }))
                .count()
        };
        wait(sim, 5, "a 180 from each fork", move |s| heard(s) >= 2)?;
        let n = heard(sim);
        check(n == 2, || format!("Alice heard {n} 180s, expected 2"))?;
    }
    accept_ok(sim, p.bob, b1)?;
    accept_ok(sim, bob2, b2)?;
    one_fork_survives(sim, &p, a, offer)?;
    finish_answered_on_wire(sim, &p, p.alice)
}

pub(super) fn both_accept_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    both_accept(sim, faults, true)
}

pub(super) fn both_accept_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    both_accept(sim, faults, false)
}

/// SIP.js "Forking: both progress(reliable) → PRACK, PRACK → both
/// accept()": each fork's reliable 183 is PRACKed in its own early
/// dialog (RFC 3262 §4); with SDP the 183 carries that fork's answer,
/// without SDP its offer, answered in the PRACK (one early description
/// per fork, as SIP.js keeps one provisional SDH per fork).
fn reliable(sim: &mut Sim, faults: &Faults, offer: bool) -> Outcome {
    let call = Call {
        offer,
        rel100: true,
        ..Call::default()
    };
    let (p, a) = forked(sim, faults, &call)?;
    let bob2 = p.carol.expect("Bob2");
    let b1 = invitations(sim, p.bob)[0];
    let b2 = invitations(sim, bob2)[0];
    for (node, id) in [(p.bob, b1), (bob2, b2)] {
        let body = Some(description(sim, node));
        progress(sim, node, id, (183, true), body)?.map_err(|e| e.to_string())?;
    }
    wait(sim, 60, "a PRACK at each fork", move |s| {
        let got = |n| {
            let (_, r) = wire(s, n, Instant::ZERO, None);
            r.iter().any(|l| l == "PRACK")
        };
        got(p.bob) && got(bob2)
    })?;
    if p.strict {
        let (sent, _) = wire(sim, p.alice, Instant::ZERO, None);
        let n = sent.iter().filter(|l| *l == "PRACK").count();
        check(n == 2, || format!("Alice sent {n} PRACKs, expected 2"))?;
    }
    pass(sim, 0.5)?;
    accept(sim, p.bob, b1, None)?.map_err(|e| format!("Bob's accept(): {e}"))?;
    accept(sim, bob2, b2, None)?.map_err(|e| format!("Bob2's accept(): {e}"))?;
    one_fork_survives(sim, &p, a, offer)?;
    finish_answered_on_wire(sim, &p, p.alice)
}

pub(super) fn reliable_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    reliable(sim, faults, true)
}

pub(super) fn reliable_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    reliable(sim, faults, false)
}

/// SIP.js early media with forking: Alice applied Bob's early answer
/// (183); Bob2's 2xx then confirms another fork, whose answer her media
/// cannot take: ACK and BYE (Reason 488), the call ends; Bob's early
/// fork is given up (the proxy CANCELs it, RFC 3261 §16.7 step 10).
pub(super) fn early_media(sim: &mut Sim, faults: &Faults) -> Outcome {
    let call = Call {
        offer: true,
        early_media: true,
        ..Call::default()
    };
    let (p, a) = forked(sim, faults, &call)?;
    let bob2 = p.carol.expect("Bob2");
    let b1 = invitations(sim, p.bob)[0];
    let b2 = invitations(sim, bob2)[0];
    let body = Some(description(sim, p.bob));
    progress(sim, p.bob, b1, (183, false), body)?.map_err(|e| e.to_string())?;
    // Under faults the 183 may be lost; the case needs it applied.
    wait_event(sim, p.alice, 10, "the early answer", |e| {
        matches!(e, Event::RemoteDescription { early: true, .. })
    })
    .or_else(|e| if p.strict { Err(e) } else { Ok(()) })?;
    let early = !answers(sim, p.alice).is_empty();
    accept_ok(sim, bob2, b2)?;
    let (alice, bob) = p.sides(true);
    if early {
        wait_ended(sim, p.alice, a, 60)?;
        expect_ended(sim, alice, a, description_failed(488))?;
        expect_bye_reason(sim, &p, alice, 488)?;
        wait_ended(sim, bob2, b2, 60)?;
        expect_ended(sim, (bob2, "Bob2"), b2, TerminationCause::RemoteBye)?;
        wait_ended(sim, p.bob, b1, 60)?;
        expect_ended(sim, bob, b1, TerminationCause::CancelledByRemote)?;
    }
    finish_answered_on_wire(sim, &p, p.alice)
}
