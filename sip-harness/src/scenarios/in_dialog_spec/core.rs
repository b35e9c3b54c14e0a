//! The in-dialog part of SIP.js's `user-agent-core.spec.ts`: Alice calls
//! Bob without an offer (Bob offers in the 200, Alice answers in the ACK),
//! then each in-dialog request in each direction, and re-INVITE glare.
//!
//! SIP.js drives its core directly there (a delegate answers each request
//! 200); here the applications answer through `app_methods` and
//! [`UserAgent::request`], REFER through [`UserAgent::accept_referral`].

use super::*;

/// What a case sends in the dialog.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Request {
    Bye,
    Info,
    Reinvite,
    Message,
    Notify,
    Prack,
    Refer,
}

impl Request {
    fn method(self) -> Method {
        match self {
            Request::Bye => Method::Bye,
            Request::Info => Method::Info,
            Request::Reinvite => Method::Invite,
            Request::Message => Method::Message,
            Request::Notify => Method::Notify,
            Request::Prack => Method::Prack,
            Request::Refer => Method::Refer,
        }
    }
}

/// The applications answer INFO, MESSAGE and NOTIFY themselves (SIP.js's
/// core delegates); 100rel is supported so that a PRACK is not refused
/// 405 before the dialog sees it.
fn core_config(_user: &str, cfg: &mut UserAgentConfig) {
    cfg.app_methods = vec![Method::Info, Method::Message, Method::Notify];
    cfg.rel100 = ExtensionSupport::Supported;
}

/// SIP.js "Alice sends Bob an INVITE and ... Bob accepts with an offer,
/// Alice ACKs with the answer": INVITE; 100, 180, 200; ACK; both stable.
fn setup(
    sim: &mut Sim,
    faults: &Faults,
    carol: bool,
) -> Result<(Phones, SessionId, SessionId), String> {
    let p = start(
        sim,
        faults,
        Setup {
            offer: false,
            carol,
            carol_rejects: Some(StatusCode::BUSY_HERE),
            config: Some(core_config),
            ..Setup::default()
        },
    );
    let (a, b) = up(sim, &p)?;
    expect_exchange(
        sim,
        &p,
        Instant::ZERO,
        &["INVITE", "ACK"],
        &["100", "180", "200"],
    )?;
    expect_both_stable(sim, &p, a, b)?;
    Ok((p, a, b))
}

/// Sends `method` in the dialog of `from`'s session `id` as a scripted
/// request: our agent has no command for an in-dialog NOTIFY or PRACK
/// outside their own uses (REFER progress, reliable provisional
/// responses), so the request is built from a copy of the session's
/// dialog and sent from `from`'s address, retransmitted like a non-INVITE
/// client transaction (Timer E: T1 doubling up to T2, RFC 3261 §17.1.2.2)
/// until a final response comes back, for at most 64*T1. The copy does
/// not advance the agent's CSeq: the other side must send the next
/// request of the dialog. Returns the branch.
fn scripted_request(
    sim: &mut Sim,
    from: NodeRef<UaNode>,
    to: NodeRef<UaNode>,
    id: SessionId,
    method: Method,
    headers: Vec<(HeaderName, String)>,
) -> Result<String, String> {
    let mut d = sim
        .node(from)
        .ua()
        .session(id)
        .and_then(|s| s.dialog().cloned())
        .ok_or("no dialog")?;
    let mut req = d.request(method.clone());
    for (n, v) in headers {
        req.headers.push(n, v);
    }
    let (src, dst) = (sim.addr(from), sim.addr(to));
    let branch = format!("z9hG4bKscripted{method}");
    req.headers.push_front(
        HeaderName::Via,
        format!("SIP/2.0/UDP {src};branch={branch};rport"),
    );
    let bytes = req.to_bytes();
    let (mut t, mut step) = (sim.now(), Duration::from_millis(500));
    let end = sim.now() + Duration::from_secs(32);
    while t < end {
        let (bytes, b) = (bytes.clone(), branch.clone());
        sim.at(t)
            .label(format!("scripted {method}"))
            .act(move |sim| {
                if !answered(sim, from, &b) {
                    sim.inject_datagram(src, dst, bytes);
                }
            });
        t += step;
        step = (step * 2).min(Duration::from_secs(4));
    }
    Ok(branch)
}

/// The final status of the scripted request with `branch`, once `node`
/// got it.
fn scripted_final(sim: &Sim, node: NodeRef<UaNode>, branch: &str) -> Option<u16> {
    sim.received(node).iter().find_map(|m| {
        let code: u16 = label(&m.data).parse().ok()?;
        (code >= 200 && String::from_utf8_lossy(&m.data).contains(branch)).then_some(code)
    })
}

fn answered(sim: &Sim, node: NodeRef<UaNode>, branch: &str) -> bool {
    scripted_final(sim, node, branch).is_some()
}

/// SIP.js core "Alice sends an in dialog X" / "Bob sends an in dialog X"
/// for X in BYE, INFO, INVITE (re-INVITE), MESSAGE, NOTIFY, PRACK, REFER:
/// after the setup, one side sends X in the dialog and the other answers.
///
/// * BYE: BYE, 200; both sessions end (Bye / RemoteBye).
/// * INFO, MESSAGE, NOTIFY (`Event: foo`): the peer's application is
///   handed the request and answers 200.
/// * re-INVITE with an offer: INVITE; 100, 200; ACK; both stable.
/// * PRACK: SIP.js answers 200; our agent answers 481, as no reliable
///   provisional response is unacknowledged (RFC 3262 §3); the call stays.
/// * REFER (to Carol): the peer's application accepts it (202; SIP.js's
///   core answers 200) and places the call, which Carol refuses 486: the
///   last NOTIFY carries the 486.
///
/// NOTIFY and PRACK are sent by [`scripted_request`].
fn case(sim: &mut Sim, faults: &Faults, from_alice: bool, what: Request) -> Outcome {
    let (p, a, b) = setup(sim, faults, what == Request::Refer)?;
    let (side, peer_side) = p.sides(from_alice);
    let ((me, who), (peer, them)) = (side, peer_side);
    let (mine, theirs) = if from_alice { (a, b) } else { (b, a) };
    let m = what.method();
    let t0 = sim.now();
    let label_ = format!("{who} sends {m}");
    let mut scripted = None;
    match what {
        Request::Bye => {
            hang_up(sim, me, who, mine)?;
            let (x, y) = (me, peer);
            wait(sim, 60, "both sessions to end", move |s| {
                ended(s, x, mine).is_some() && ended(s, y, theirs).is_some()
            })?;
            pass(sim, 1.0)?;
            expect_ended(sim, side, mine, TerminationCause::Bye)?;
            expect_ended(sim, peer_side, theirs, TerminationCause::RemoteBye)?;
            expect_between(sim, &p, side, peer_side, t0, &["BYE"], &["200"])?;
            return finish(sim, &p, me);
        }
        Request::Info | Request::Message => {
            let body = sip_session::Body::new("application/dtmf-relay", b"Signal=1\r\n".to_vec());
            let r = act(sim, me, &label_, move |ua, now| {
                ua.session_mut(mine).map(|mut s| {
                    if what == Request::Info {
                        s.info(now, Some(&body), &[])
                    } else {
                        s.message(now, &body, &[])
                    }
                })
            })?;
            check(matches!(r, Some(Ok(()))), || format!("{m}: {r:?}"))?;
        }
        Request::Reinvite => {
            send_reinvite(sim, me, who, mine, true)?;
        }
        Request::Refer => {
            let target = uri("carol", CAROL);
            let r = act(sim, me, &label_, move |ua, now| {
                ua.session_mut(mine)
                    .map(|mut s| s.refer(now, ReferOptions::new(ReferTarget::Uri(target))))
            })?;
            check(matches!(r, Some(Ok(()))), || format!("refer(): {r:?}"))?;
        }
        Request::Notify | Request::Prack => {
            let headers = if what == Request::Notify {
                vec![
                    (HeaderName::Event, "foo".to_owned()),
                    (HeaderName::SubscriptionState, "active".to_owned()),
                ]
            } else {
                vec![(HeaderName::RAck, "1 1 INVITE".to_owned())]
            };
            scripted = Some(scripted_request(sim, me, peer, mine, m.clone(), headers)?);
        }
    }
    let expected: u16 = match what {
        Request::Prack => 481,
        Request::Refer => 202,
        _ => 200,
    };
    let got = match &scripted {
        Some(branch) => {
            let b = branch.clone();
            wait(sim, 40, "the final response", move |s| answered(s, me, &b))?;
            scripted_final(sim, me, branch)
                .into_iter()
                .collect::<Vec<_>>()
        }
        None => {
            let m2 = m.clone();
            wait(sim, 60, "the final response", move |s| {
                !finals(s, me, &m2).is_empty()
            })?;
            finals(sim, me, &m)
        }
    };
    check(got == [expected], || {
        format!("{who}'s {m} got {got:?}, expected [{expected}]")
    })?;
    pass(sim, 1.0)?;
    let code = expected.to_string();
    match what {
        Request::Reinvite => {
            let (sent, received) = (["INVITE", "ACK"], ["100", "200"]);
            expect_between(sim, &p, side, peer_side, t0, &sent, &received)?;
        }
        Request::Refer => {
            // The referee goes on with its NOTIFYs (the call to Carol):
            // only the start is the REFER's.
            if p.strict {
                let (s, r) = wire(sim, me, t0, None);
                check(s.first().map(String::as_str) == Some("REFER"), || {
                    format!("{who} sent {s:?}")
                })?;
                check(r.first().map(String::as_str) == Some("202"), || {
                    format!("{who} received {r:?}")
                })?;
            }
            let carol = p.carol.expect("Carol");
            let me2 = me;
            wait(sim, 60, "the last NOTIFY", move |s| {
                s.node(me2).events().iter().any(|(_, e)| {
                    matches!(
                        e,
                        Event::ReferNotify {
                            terminated: true,
                            ..
                        }
                    )
                })
            })?;
            let last = sim
                .node(me)
                .events()
                .iter()
                .rev()
                .find_map(|(_, e)| match e {
                    Event::ReferNotify { status, .. } => *status,
                    _ => None,
                });
            check(last == Some(StatusCode::BUSY_HERE), || {
                format!("the last NOTIFY said {last:?}, expected 486 from Carol")
            })?;
            let carol_end = sim.node(carol).outcomes().next().and_then(|o| o.ended);
            let busy = Some(TerminationCause::RejectedLocally(StatusCode::BUSY_HERE));
            check(carol_end == busy, || {
                format!("Carol's call ended {carol_end:?}")
            })?;
        }
        _ => {
            expect_between(sim, &p, side, peer_side, t0, &[m.as_str()], &[&code])?;
        }
    }
    if matches!(what, Request::Info | Request::Message | Request::Notify) {
        let h = handed(sim, peer);
        check(h == [m.clone()], || {
            format!("{them}'s application was handed {h:?}, expected [{m}]")
        })?;
    }
    expect_both_stable(sim, &p, a, b)?;
    // A scripted request took a CSeq the agent does not know of: the
    // other side hangs up.
    let first = if scripted.is_some() { peer } else { me };
    finish(sim, &p, first)
}

macro_rules! each_direction {
    ($($alice:ident, $bob:ident => $what:expr;)*) => {$(
        pub(super) fn $alice(sim: &mut Sim, faults: &Faults) -> Outcome {
            case(sim, faults, true, $what)
        }
        pub(super) fn $bob(sim: &mut Sim, faults: &Faults) -> Outcome {
            case(sim, faults, false, $what)
        }
    )*};
}

each_direction! {
    bye_alice, bye_bob => Request::Bye;
    info_alice, info_bob => Request::Info;
    reinvite_alice, reinvite_bob => Request::Reinvite;
    message_alice, message_bob => Request::Message;
    notify_alice, notify_bob => Request::Notify;
    prack_alice, prack_bob => Request::Prack;
    refer_alice, refer_bob => Request::Refer;
}

/// SIP.js "Alice sends an in dialog INVITE (re-INVITE)", "should throw if
/// attempt another before first completed": the second `invite()` is
/// `RequestPending`; the first is accepted.
pub(super) fn reinvite_twice(sim: &mut Sim, faults: &Faults) -> Outcome {
    let (p, a, b) = setup(sim, faults, false)?;
    send_reinvite(sim, p.alice, "Alice", a, true)?;
    let second = reinvite(sim, p.alice, "Alice", a, true)?;
    check(second == Err(SessionError::RequestPending), || {
        format!("the second invite(): {second:?}, expected RequestPending")
    })?;
    super::reinvite::expect_reinvite_final(sim, &p, 200)?;
    expect_both_stable(sim, &p, a, b)?;
    finish(sim, &p, p.alice)
}

/// SIP.js "Alice and Bob send re-INVITE at same time (glare)": each
/// sends INVITE, answers the other's 491 (RFC 3261 §14.2) and ACKs the
/// 491 it got. SIP.js stops there; our agents retry after the §14.1
/// delays (Bob, not owning the Call-ID, 0-2 s; Alice 2.1-4 s) and both
/// retries are accepted.
pub(super) fn glare(sim: &mut Sim, faults: &Faults) -> Outcome {
    let (p, a, b) = setup(sim, faults, false)?;
    let t0 = sim.now();
    reinvite(sim, p.alice, "Alice", a, true)?.map_err(|e| format!("Alice's invite(): {e}"))?;
    reinvite(sim, p.bob, "Bob", b, true)?.map_err(|e| format!("Bob's invite(): {e}"))?;
    let first = (t0, Some(t0 + Duration::from_millis(100)));
    let (alice, bob) = (p.alice, p.bob);
    wait(sim, 60, "both re-INVITEs to end", move |s| {
        !finals(s, alice, &Method::Invite).is_empty() && !finals(s, bob, &Method::Invite).is_empty()
    })?;
    pass(sim, 1.0)?;
    for (n, who) in [(p.alice, "Alice"), (p.bob, "Bob")] {
        expect_wire(
            sim,
            &p,
            n,
            who,
            first,
            &["INVITE", "491", "ACK"],
            &["INVITE", "491", "ACK"],
        )?;
        let got = finals(sim, n, &Method::Invite);
        // Under loss a retry may meet the peer still waiting for an ACK
        // (500, RFC 5407 §3.1.5) or keep meeting the peer's retry (491).
        let fine = got == [200] || (!p.strict && matches!(got.as_slice(), [500] | [491]));
        check(fine, || {
            format!("{who}'s re-INVITE ended {got:?}, expected [200]")
        })?;
    }
    if p.strict {
        let alice_retry = sim
            .sent(p.alice)
            .iter()
            .filter(|m| label(&m.data) == "INVITE")
            .nth(2)
            .map(|m| m.sent);
        let bob_retry = sim
            .sent(p.bob)
            .iter()
            .filter(|m| label(&m.data) == "INVITE")
            .nth(1)
            .map(|m| m.sent);
        let delay = |t: Option<Instant>| t.map(|t| t - t0);
        let (da, db) = (delay(alice_retry), delay(bob_retry));
        let secs = Duration::from_millis;
        check(
            da.is_some_and(|d| d >= secs(2100) && d <= secs(4100)),
            || format!("Alice retried after {da:?}, expected 2.1-4 s"),
        )?;
        check(db.is_some_and(|d| d <= secs(2100)), || {
            format!("Bob retried after {db:?}, expected 0-2 s")
        })?;
        expect_both_stable(sim, &p, a, b)?;
    }
    finish(sim, &p, p.alice)
}
