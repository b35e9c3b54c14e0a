//! SIP.js session-in-dialog cases for REFER, MESSAGE and INVITE with
//! Replaces.

use super::*;

/// The NOTIFYs of the REFER `node` sent: sipfrag statuses, and whether
/// the last one ended the subscription.
fn refer_progress(sim: &Sim, node: NodeRef<UaNode>) -> (Vec<u16>, bool) {
    let mut v = Vec::new();
    let mut last = false;
    for (_, e) in sim.node(node).events() {
        if let Event::ReferNotify {
            status, terminated, ..
        } = e
        {
            v.push(status.map_or(0, |s| s.as_u16()));
            last = *terminated;
        }
    }
    (v, last)
}

/// SIP.js "REFER Alice/Bob with default/delegated handler": the referrer
/// sends REFER to Carol (who rejects calls 404, standing for SIP.js's
/// nonexistent target).
///
/// Delegated: the referee's application accepts
/// ([`UserAgent::accept_referral`]): 202, an INVITE to Carol, and a
/// NOTIFY for each step of that call; the referrer learns 100, 180 and
/// finally 404 (`Subscription-State: terminated`). SIP.js's referee sends
/// one NOTIFY with 404 (always terminated); ours keeps the subscription
/// active until the final response (RFC 3515 §2.4.5).
///
/// Default: SIP.js follows a REFER nobody handles; our agent declines
/// it, 603 after `request_answer_timeout` (its documented default). The
/// referrer's REFER is retransmitted meanwhile (Timer E), and under loss
/// may time out (408) before the 603 gets through, which ends its dialog.
///
/// Either way the call between Alice and Bob stays up.
fn refer(sim: &mut Sim, faults: &Faults, from_alice: bool, delegated: bool) -> Outcome {
    let quiet = Policy {
        ignore_refer: !delegated,
        ..Policy::default()
    };
    let mut setup = Setup {
        offer: true,
        carol: true,
        carol_rejects: Some(StatusCode::NOT_FOUND),
        ..Setup::default()
    };
    if from_alice {
        setup.bob = quiet;
    } else {
        setup.alice = quiet;
    }
    let p = start(sim, faults, setup);
    let (a, b) = up(sim, &p)?;
    let (referrer, rname, rid, referee, ename) = if from_alice {
        (p.alice, "Alice", a, p.bob, "Bob")
    } else {
        (p.bob, "Bob", b, p.alice, "Alice")
    };
    let t0 = sim.now();
    let target = uri("carol", CAROL);
    let r = act(
        sim,
        referrer,
        &format!("{rname} REFERs {ename} to Carol"),
        move |ua, now| {
            ua.session_mut(rid)
                .map(|mut s| s.refer(now, ReferOptions::new(ReferTarget::Uri(target))))
        },
    )?;
    check(matches!(r, Some(Ok(()))), || format!("refer(): {r:?}"))?;
    wait(sim, 60, "the REFER's final response", move |s| {
        !finals(s, referrer, &Method::Refer).is_empty()
    })?;
    let got = finals(sim, referrer, &Method::Refer);
    if delegated {
        check(got == [202], || {
            format!("the REFER got {got:?}, expected [202]")
        })?;
        wait(sim, 60, "the last NOTIFY", move |s| {
            refer_progress(s, referrer).1
        })?;
        pass(sim, 1.0)?;
        let (progress, terminated) = refer_progress(sim, referrer);
        check(progress.last() == Some(&404) && terminated, || {
            format!("{rname}'s REFER progress {progress:?} (terminated {terminated})")
        })?;
        if p.strict {
            check(progress == [100, 180, 404], || {
                format!("{rname}'s REFER progress {progress:?}, expected [100, 180, 404]")
            })?;
        }
        let w = (t0, None);
        // 202 and the first NOTIFY (100) go out with the INVITE to Carol;
        // each NOTIFY waits for the 200 to the one before (RFC 6665
        // §4.1.2.2 keeps them in order).
        let sent = ["202", "NOTIFY", "INVITE", "NOTIFY", "ACK", "NOTIFY"];
        let received = ["REFER", "200", "100", "180", "404", "200", "200"];
        expect_wire(sim, &p, referee, ename, w, &sent, &received)?;
        let carol = p.carol.expect("Carol");
        expect_wire(
            sim,
            &p,
            carol,
            "Carol",
            w,
            &["100", "180", "404"],
            &["INVITE", "ACK"],
        )?;
    } else if !p.strict && got == [408] {
        // The default answer comes 30 s in, 2 s before the referrer's
        // Timer F (64*T1): when it and the last retransmissions are lost,
        // the REFER times out and the dialog is gone (RFC 3261 §8.1.3.1,
        // RFC 5057 §5.1).
        let cause = ended(sim, referrer, rid);
        let lost = Some(TerminationCause::DialogLost(StatusCode::REQUEST_TIMEOUT));
        check(cause == lost, || {
            format!("{rname}'s session ended {cause:?} after a 408")
        })?;
        return finish_excusing(sim, &p, p.alice, Some((referrer, 1)));
    } else {
        check(got == [603], || {
            format!("the REFER got {got:?}, expected [603]")
        })?;
        let (referrer_side, referee_side) = p.sides(from_alice);
        expect_between(
            sim,
            &p,
            referrer_side,
            referee_side,
            t0,
            &["REFER"],
            &["603"],
        )?;
        check(
            sim.node(p.carol.expect("Carol"))
                .outcomes()
                .next()
                .is_none(),
            || "Carol was called".to_owned(),
        )?;
    }
    expect_both_stable(sim, &p, a, b)?;
    finish(sim, &p, p.alice)
}

pub(super) fn refer_alice_default(sim: &mut Sim, faults: &Faults) -> Outcome {
    refer(sim, faults, false, false)
}

pub(super) fn refer_alice_delegated(sim: &mut Sim, faults: &Faults) -> Outcome {
    refer(sim, faults, false, true)
}

pub(super) fn refer_bob_default(sim: &mut Sim, faults: &Faults) -> Outcome {
    refer(sim, faults, true, false)
}

pub(super) fn refer_bob_delegated(sim: &mut Sim, faults: &Faults) -> Outcome {
    refer(sim, faults, true, true)
}

/// SIP.js "MESSAGE with default/delegated handler": Alice sends MESSAGE
/// in the dialog; Bob's agent (default) or his application (delegated,
/// MESSAGE in `app_methods`) answers 200. Her ua sends MESSAGE and
/// receives 200; both sessions stay up.
fn message(sim: &mut Sim, faults: &Faults, delegated: bool) -> Outcome {
    fn app_message(user: &str, cfg: &mut UserAgentConfig) {
        if user == "bob" {
            cfg.app_methods = vec![Method::Message];
        }
    }
    let setup = Setup {
        offer: true,
        config: delegated.then_some(app_message as fn(&str, &mut UserAgentConfig)),
        ..Setup::default()
    };
    let p = start(sim, faults, setup);
    let (a, b) = up(sim, &p)?;
    let t0 = sim.now();
    let body = sip_session::Body::new("text/plain", b"Hello Bob".to_vec());
    let r = act(sim, p.alice, "Alice sends MESSAGE", move |ua, now| {
        ua.session_mut(a).map(|mut s| s.message(now, &body, &[]))
    })?;
    check(matches!(r, Some(Ok(()))), || format!("message(): {r:?}"))?;
    wait_final(sim, p.alice, Method::Message, 60)?;
    pass(sim, 1.0)?;
    let got = finals(sim, p.alice, &Method::Message);
    check(got == [200], || format!("the MESSAGE got {got:?}"))?;
    let handed = handed(sim, p.bob);
    check(handed.contains(&Method::Message) == delegated, || {
        format!("Bob's application was handed {handed:?}")
    })?;
    expect_exchange(sim, &p, t0, &["MESSAGE"], &["200"])?;
    expect_both_stable(sim, &p, a, b)?;
    finish(sim, &p, p.alice)
}

pub(super) fn message_default(sim: &mut Sim, faults: &Faults) -> Outcome {
    message(sim, faults, false)
}

pub(super) fn message_delegated(sim: &mut Sim, faults: &Faults) -> Outcome {
    message(sim, faults, true)
}

/// SIP.js "INVITE with Replaces...": Alice (who takes Replaces, RFC 3891)
/// is in a call with Bob; Carol calls Alice with a Replaces header.
///
/// "Replacing unknown session" (a Call-ID no dialog has): Carol sends
/// INVITE, ACK and receives 100, 481; her session is Terminated.
///
/// "Replacing Bob's session" (the dialog of Alice's call with Bob,
/// `to-tag` Alice's, `from-tag` Bob's): Alice accepts; Carol receives
/// 100, 180, 200 and sends INVITE, ACK; Carol's and Alice's new sessions
/// are Established and stable; Alice's call with Bob ends with her BYE.
fn replaces(sim: &mut Sim, faults: &Faults, known: bool) -> Outcome {
    fn replaces_on(user: &str, cfg: &mut UserAgentConfig) {
        if user == "alice" {
            cfg.replaces = ExtensionSupport::Supported;
        }
    }
    let setup = Setup {
        offer: true,
        carol: true,
        alice: Policy {
            answer: Some(AnswerPolicy {
                ring: Duration::ZERO,
                reject: None,
            }),
            ..Policy::default()
        },
        config: Some(replaces_on),
        ..Setup::default()
    };
    let p = start(sim, faults, setup);
    let (a, b) = up(sim, &p)?;
    let d = sim
        .node(p.alice)
        .ua()
        .session(a)
        .and_then(|s| s.dialog().cloned())
        .ok_or("Alice's call has no dialog")?;
    let call_id = if known { d.call_id() } else { "unknown" };
    let replaces = format!(
        "{call_id};to-tag={};from-tag={}",
        d.local_tag(),
        d.remote_tag()
    );
    let carol = p.carol.expect("Carol");
    let t0 = sim.now();
    let offer = description(sim, carol);
    let target = uri("alice", ALICE);
    let c = act(
        sim,
        carol,
        "Carol calls Alice with Replaces",
        move |ua, now| {
            let opts = InviteOptions {
                body: Some(offer),
                extra_headers: vec![(HeaderName::Replaces, replaces)],
                ..InviteOptions::default()
            };
            ua.invite(now, target, opts)
        },
    )?
    .map_err(|e| format!("Carol's invite(): {e}"))?;
    if !known {
        wait(sim, 60, "Carol's call to end", move |s| {
            ended(s, carol, c).is_some()
        })?;
        pass(sim, 1.0)?;
        let cause = ended(sim, carol, c);
        check(
            cause == Some(TerminationCause::Rejected(StatusCode::CALL_DOES_NOT_EXIST)),
            || format!("Carol's call ended {cause:?}, expected Rejected(481)"),
        )?;
        expect_wire(
            sim,
            &p,
            carol,
            "Carol",
            (t0, None),
            &["INVITE", "ACK"],
            &["100", "481"],
        )?;
        expect_both_stable(sim, &p, a, b)?;
        return finish(sim, &p, p.alice);
    }
    let (alice, bob) = (p.alice, p.bob);
    wait(
        sim,
        60,
        "Carol's call up and Alice's call with Bob over",
        move |s| {
            let up = state(s, carol, Some(c)).0 == Some(SessionState::Established);
            up && ended(s, alice, a).is_some() && ended(s, bob, b).is_some()
        },
    )?;
    pass(sim, 1.0)?;
    let stable = SignalingState::Stable;
    expect_state(
        sim,
        &p,
        carol,
        "Carol",
        c,
        SessionState::Established,
        stable,
    )?;
    let replacing = sim
        .node(p.alice)
        .ua()
        .sessions()
        .find(|&id| id != a)
        .ok_or("Alice has no session with Carol")?;
    expect_state(
        sim,
        &p,
        p.alice,
        "Alice",
        replacing,
        SessionState::Established,
        stable,
    )?;
    let replacee = sim
        .node(p.alice)
        .ua()
        .session(replacing)
        .and_then(|s| s.replacee());
    check(replacee == Some(a), || {
        format!("the replacee is {replacee:?}")
    })?;
    expect_ended(sim, (p.alice, "Alice"), a, TerminationCause::Bye)?;
    expect_ended(sim, (p.bob, "Bob"), b, TerminationCause::RemoteBye)?;
    let w = (t0, None);
    expect_wire(
        sim,
        &p,
        carol,
        "Carol",
        w,
        &["INVITE", "ACK"],
        &["100", "180", "200"],
    )?;
    expect_wire(sim, &p, p.bob, "Bob", w, &["200"], &["BYE"])?;
    finish(sim, &p, carol)
}

pub(super) fn replaces_unknown(sim: &mut Sim, faults: &Faults) -> Outcome {
    replaces(sim, faults, false)
}

pub(super) fn replaces_bob(sim: &mut Sim, faults: &Faults) -> Outcome {
    replaces(sim, faults, true)
}
