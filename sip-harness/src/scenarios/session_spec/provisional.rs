//! SIP.js session: `progress()` sequences, provisional trees with
//! reliable provisional responses (RFC 3262), the races of cancel() with
//! them, and early media off and on.

use super::*;

/// With 100rel on both sides (Bob's automatic 180 off).
fn rel100(offer: bool) -> Call {
    Call {
        offer,
        rel100: true,
        ..Call::default()
    }
}

/// How many distinct PRACKs `node` received (or sent, when `sent`).
fn pracks(sim: &Sim, node: NodeRef<UaNode>, sent: bool) -> usize {
    let (s, r) = wire(sim, node, Instant::ZERO, None);
    let v = if sent { s } else { r };
    v.iter().filter(|l| *l == "PRACK").count()
}

/// Runs until Bob received `n` distinct PRACKs.
fn wait_pracks(sim: &mut Sim, bob: NodeRef<UaNode>, n: usize) -> Outcome {
    wait(sim, 60, "the PRACK", move |s| pracks(s, bob, false) >= n)
}

/// SIP.js "progress() twice": two 180s, then accept().
pub(super) fn progress_twice(sim: &mut Sim, faults: &Faults) -> Outcome {
    let call = Call {
        offer: true,
        config: Some(|_, c| c.send_initial_provisional = false),
        ..Call::default()
    };
    let pl = invite(sim, faults, call)?;
    let p = &pl.p;
    for _ in 0..2 {
        progress(sim, p.bob, pl.b, (180, false), None)?.map_err(|e| e.to_string())?;
    }
    pass(sim, 0.5)?;
    if p.strict {
        let n = sent_count(sim, p.bob, "180");
        check(n == 2, || format!("Bob sent {n} 180s, expected 2"))?;
        let a = pl.a;
        let heard = sim
            .node(p.alice)
            .events()
            .iter()
            .filter(|(_, e)| matches!(e, Event::Progress { session, .. } if *session == a))
            .count();
        check(heard == 2, || {
            format!("Alice heard {heard} 180s, expected 2")
        })?;
    }
    accept_ok(sim, p.bob, pl.b)?;
    up(sim, p)?;
    both_up_then_finish(sim, &pl)
}

/// SIP.js "progress(reliable) twice (second ignored while awaiting
/// PRACK)": one reliable provisional response unacknowledged at a time
/// (RFC 3262 §3 allows more, SIP.js and our agent do not): the second
/// call succeeds and sends nothing, ever. After the PRACK, accept().
pub(super) fn reliable_progress_twice(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = invite(sim, faults, rel100(true))?;
    let p = &pl.p;
    let answer = Some(description(sim, p.bob));
    progress(sim, p.bob, pl.b, (183, true), answer)?.map_err(|e| e.to_string())?;
    progress(sim, p.bob, pl.b, (180, true), None)?.map_err(|e| e.to_string())?;
    wait_pracks(sim, p.bob, 1)?;
    accept(sim, p.bob, pl.b, None)?.map_err(|e| format!("accept(): {e}"))?;
    up(sim, p)?;
    expect_exchange(
        sim,
        p,
        pl.t0,
        &["INVITE", "PRACK", "ACK"],
        &["100", "183", "200", "200"],
    )?;
    check(sent_count(sim, p.bob, "180") == 0, || {
        "the second reliable provisional response went out".to_owned()
    })?;
    both_up_then_finish(sim, &pl)
}

/// Alice cancels once she heard a provisional response; Bob's accept()
/// after the CANCEL is refused; Alice's call ends Cancelled, Bob's
/// CancelledByRemote (487).
fn cancel_wins(sim: &mut Sim, pl: &Placed) -> Outcome {
    let p = &pl.p;
    heard_provisional(sim, p, pl.a)?;
    cancel(sim, p.alice, pl.a)?;
    let b = pl.b;
    wait_event(
        sim,
        p.bob,
        60,
        "Bob's onCancel",
        move |e| matches!(e, Event::Cancel { session } if *session == b),
    )?;
    let body = Some(description(sim, p.bob));
    let r = accept(sim, p.bob, pl.b, body)?;
    expect_refused(r, "accept() after the CANCEL")?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    let (alice, bob) = p.sides(true);
    expect_ended(sim, alice, pl.a, TerminationCause::Cancelled)?;
    expect_ended(sim, bob, pl.b, TerminationCause::CancelledByRemote)?;
    Ok(())
}

/// SIP.js "progress() → cancel() → accept() (CANCEL wins)".
pub(super) fn progress_cancel_accept(sim: &mut Sim, faults: &Faults) -> Outcome {
    let call = Call {
        offer: true,
        config: Some(|_, c| c.send_initial_provisional = false),
        ..Call::default()
    };
    let pl = invite(sim, faults, call)?;
    progress(sim, pl.p.bob, pl.b, (180, false), None)?.map_err(|e| e.to_string())?;
    cancel_wins(sim, &pl)?;
    let p = &pl.p;
    expect_exchange(
        sim,
        p,
        pl.t0,
        &["INVITE", "CANCEL", "ACK"],
        &["100", "180", "200", "487"],
    )?;
    finish(sim, p, p.alice)
}

/// SIP.js "progress(reliable) → cancel() → accept() (CANCEL wins)": Alice
/// PRACKs the 183 as she cancels; the PRACK is answered before the
/// CANCEL arrives (one link, in order).
pub(super) fn reliable_progress_cancel_accept(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = invite(sim, faults, rel100(true))?;
    let answer = Some(description(sim, pl.p.bob));
    progress(sim, pl.p.bob, pl.b, (183, true), answer)?.map_err(|e| e.to_string())?;
    cancel_wins(sim, &pl)?;
    let p = &pl.p;
    expect_exchange(
        sim,
        p,
        pl.t0,
        &["INVITE", "PRACK", "CANCEL", "ACK"],
        &["100", "183", "200", "200", "487"],
    )?;
    finish(sim, p, p.alice)
}

/// SIP.js "progress(reliable) → accept() → dispose() (dispose wins,
/// 480)": accept() waits for the PRACK (RFC 3262 §3: no final response
/// before the reliable one is acknowledged); dispose() before it arrives
/// rejects the call 480; the PRACK that follows is answered (481, its
/// transaction is gone, RFC 3262 §3).
pub(super) fn reliable_progress_accept_dispose(sim: &mut Sim, faults: &Faults) -> Outcome {
    let pl = invite(sim, faults, rel100(true))?;
    let p = &pl.p;
    let answer = Some(description(sim, p.bob));
    progress(sim, p.bob, pl.b, (183, true), answer)?.map_err(|e| e.to_string())?;
    accept(sim, p.bob, pl.b, None)?.map_err(|e| format!("accept(): {e}"))?;
    terminate(sim, p.bob, pl.b, true)?.map_err(|e| format!("dispose(): {e}"))?;
    wait_ended(sim, p.alice, pl.a, 60)?;
    let (alice, bob) = p.sides(true);
    expect_ended(sim, alice, pl.a, rejected(480))?;
    expect_ended(sim, bob, pl.b, rejected_locally(480))?;
    check(
        sent_count(sim, p.bob, "200") <= sent_count(sim, p.bob, "PRACK"),
        || "Bob sent a 200 to the INVITE".to_owned(),
    )?;
    finish(sim, p, p.alice)
}

/// The provisional responses of the trees: `progress()` (180),
/// `progress(183)` and `progress(reliable)` (183).
const STEPS: [(u16, bool); 3] = [(180, false), (183, false), (183, true)];

/// SIP.js's provisional trees, every sequence of `depth` steps, each
/// ending in accept() or reject(), as consecutive calls. Bob's
/// description goes in the first reliable 1xx (his answer, or his offer
/// answered in the PRACK without SDP, RFC 3262 §5) or else the 200;
/// Alice PRACKs every reliable 1xx.
fn trees(sim: &mut Sim, faults: &Faults, offer: bool, depth: u32) -> Outcome {
    let p = phones(sim, faults, &rel100(offer));
    let mut calls = 0;
    for n in 0..STEPS.len().pow(depth) {
        let mut path = Vec::new();
        let mut k = n;
        for _ in 0..depth {
            path.push(STEPS[k % STEPS.len()]);
            k /= STEPS.len();
        }
        for end_accept in [true, false] {
            calls += 1;
            tree(sim, &p, offer, &path, end_accept, calls)
                .map_err(|e| format!("{path:?} then accept {end_accept}: {e}"))?;
        }
    }
    finish(sim, &p, p.alice)
}

/// One call of [`trees`], the `nth` between the phones.
fn tree(
    sim: &mut Sim,
    p: &Phones,
    offer: bool,
    path: &[(u16, bool)],
    end_accept: bool,
    nth: usize,
) -> Outcome {
    let t0 = sim.now();
    let pracks_before = pracks(sim, p.bob, false);
    let a = dial(sim, p, uri("bob", BOB), offer, false)?;
    let b = ringing(sim, p.bob, nth)?;
    let mut described = false;
    let mut reliable = 0;
    for &(status, rel) in path {
        let body = (rel && !described).then(|| description(sim, p.bob));
        described |= body.is_some();
        progress(sim, p.bob, b, (status, rel), body)?.map_err(|e| e.to_string())?;
        if rel {
            reliable += 1;
            wait_pracks(sim, p.bob, pracks_before + reliable)?;
        }
        pass(sim, 0.1)?;
    }
    let (alice, bob) = p.sides(true);
    if end_accept {
        let body = (!described).then(|| description(sim, p.bob));
        accept(sim, p.bob, b, body)?.map_err(|e| format!("accept(): {e}"))?;
        wait(sim, 60, "the call to be up", move |s| {
            let acked = s
                .node(p.bob)
                .events()
                .iter()
                .any(|(_, e)| matches!(e, Event::Ack { session } if *session == b));
            acked && state(s, p.alice, Some(a)).0 == Some(SessionState::Established)
        })?;
        expect_both_stable(sim, p, a, b)?;
        hang_up(sim, p.alice, "Alice", a)?;
        wait_ended(sim, p.bob, b, 60)?;
        expect_ended(sim, bob, b, TerminationCause::RemoteBye)?;
    } else {
        super::reject(sim, p.bob, b)?.map_err(|e| format!("reject(): {e}"))?;
        wait_ended(sim, p.alice, a, 60)?;
        expect_ended(sim, alice, a, rejected(480))?;
    }
    if p.strict {
        let sent_pracks = wire(sim, p.alice, t0, None)
            .0
            .iter()
            .filter(|l| *l == "PRACK")
            .count();
        check(sent_pracks == reliable, || {
            format!("Alice sent {sent_pracks} PRACKs for {reliable} reliable 1xx")
        })?;
        let heard = sim
            .node(p.alice)
            .events()
            .iter()
            .filter(|(_, e)| matches!(e, Event::Progress { session, .. } if *session == a))
            .count();
        check(heard == path.len(), || {
            format!(
                "Alice heard {heard} provisional responses of {}",
                path.len()
            )
        })?;
    }
    pass(sim, 1.0)
}

pub(super) fn trees_1_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    trees(sim, faults, true, 1)
}

pub(super) fn trees_1_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    trees(sim, faults, false, 1)
}

pub(super) fn trees_2_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    trees(sim, faults, true, 2)
}

pub(super) fn trees_2_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    trees(sim, faults, false, 2)
}

pub(super) fn trees_3_sdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    trees(sim, faults, true, 3)
}

pub(super) fn trees_3_nosdp(sim: &mut Sim, faults: &Faults) -> Outcome {
    trees(sim, faults, false, 3)
}

/// SIP.js "Early Media Disabled / Enabled": Bob sends one or two 183s
/// (unreliable) with his answer, then accepts with it. Alice's
/// application is handed the answer once: at the 200 without early
/// media, at the first 183 with it (RFC 3261 §13.2.1 lets the answer come
/// in a provisional response; RFC 3960 on applying it early). Only with
/// SDP: without an offer in the INVITE an unreliable 183 cannot carry
/// one (RFC 3261 §13.2.1 wants it in a reliable 1xx or the 2xx).
fn early_media(sim: &mut Sim, faults: &Faults, on: bool, twice: bool) -> Outcome {
    let call = Call {
        offer: true,
        early_media: on,
        ..Call::default()
    };
    let pl = invite(sim, faults, call)?;
    let p = &pl.p;
    for _ in 0..1 + usize::from(twice) {
        let body = Some(description(sim, p.bob));
        progress(sim, p.bob, pl.b, (183, false), body)?.map_err(|e| e.to_string())?;
    }
    pass(sim, 0.5)?;
    accept_ok(sim, p.bob, pl.b)?;
    up(sim, p)?;
    let got = answers(sim, p.alice);
    // Under faults every 183 may be lost: the answer then comes at the 200.
    let ok = if on {
        got == [true] || (!p.strict && got == [false])
    } else {
        got == [false]
    };
    check(ok, || {
        format!("Alice was handed answers {got:?} (early flags), early media {on}")
    })?;
    // Two 183s are byte-identical copies: counted, not listed.
    expect_exchange(
        sim,
        p,
        pl.t0,
        &["INVITE", "ACK"],
        &["100", "180", "183", "200"],
    )?;
    let n = sent_count(sim, p.bob, "183");
    check(!p.strict || n == 1 + usize::from(twice), || {
        format!("Bob sent {n} 183s")
    })?;
    both_up_then_finish(sim, &pl)
}

pub(super) fn early_media_off_once(sim: &mut Sim, faults: &Faults) -> Outcome {
    early_media(sim, faults, false, false)
}

pub(super) fn early_media_off_twice(sim: &mut Sim, faults: &Faults) -> Outcome {
    early_media(sim, faults, false, true)
}

pub(super) fn early_media_on_once(sim: &mut Sim, faults: &Faults) -> Outcome {
    early_media(sim, faults, true, false)
}

pub(super) fn early_media_on_twice(sim: &mut Sim, faults: &Faults) -> Outcome {
    early_media(sim, faults, true, true)
}
