//! Requests inside early dialogs, both sides (RFC 3261 §12.1, §15; RFC
//! 6086 §4.2.1): INFO in both directions during early media (DTMF), the
//! 469 rule for unknown Info Packages, the caller's BYE on the callee's
//! early dialog (200, INVITE 487, RFC 3261 §15.1.2), the callee's BYE on
//! the caller's early dialog (403, §15 forbids it), and real answers to
//! the other requests that match an early dialog (MESSAGE, NOTIFY,
//! REFER, OPTIONS, INVITE, PRACK) instead of 481. On a perfect network
//! and in a seed sweep under loss, duplication and reordering.

mod support;

use sip_core::header::HeaderName;
use sip_core::message::{Message, Request};
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::dialog::outcomes;
use support::*;
use SessionState::*;

const SECOND: Duration = Duration::from_secs(1);

/// Alice calls Bob with an offer (100rel on both sides, INFO and MESSAGE
/// given to the applications; Bob rings only when told).
fn ringing(seed: u64, impair: Impairments) -> (Net, usize, usize, SessionId, SessionId) {
    ringing_with(seed, impair, true)
}

/// [`ringing`]; `alice_app`: Alice's application takes INFO and MESSAGE.
fn ringing_with(
    seed: u64,
    impair: Impairments,
    alice_app: bool,
) -> (Net, usize, usize, SessionId, SessionId) {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", seed * 5 + 1, |c| {
        c.rel100 = ExtensionSupport::Supported;
        if alice_app {
            c.app_methods = vec![Method::Info, Method::Message];
        }
    });
    let bob = net.add("bob", seed * 5 + 2, |c| {
        c.rel100 = ExtensionSupport::Supported;
        c.app_methods = vec![Method::Info, Method::Message];
        c.info_packages = vec!["dtmf".into()];
        c.send_initial_provisional = false;
    });
    let call = net.invite_with(
        alice,
        bob,
        InviteOptions {
            body: Some(sdp("alice", "offer")),
            early_media: true,
            ..Default::default()
        },
    );
    let inv = net.await_invitation(bob, SECOND * 40);
    (net, alice, bob, call, inv)
}

fn progress(net: &mut Net, bob: usize, inv: SessionId, status: u16, reliable: bool) {
    let now = net.now;
    net.ua(bob)
        .invitation(inv)
        .unwrap()
        .progress(
            now,
            ProgressOptions {
                status: StatusCode::new(status).unwrap(),
                reliable,
                body: reliable.then(|| sdp("bob", "answer")),
                ..Default::default()
            },
        )
        .unwrap();
}

/// Bob answers the call; after an unreliable 180 only, with his answer.
fn answer(net: &mut Net, bob: usize, inv: SessionId, body: bool) {
    net.accept_with(bob, inv, body.then(|| sdp("bob", "answer")))
        .unwrap();
}

/// A DTMF digit as `application/dtmf-relay` (the usual legacy INFO body).
fn dtmf(digit: char) -> Body {
    Body::new(
        "application/dtmf-relay",
        format!("Signal={digit}\r\nDuration=160\r\n").into_bytes(),
    )
}

fn info(
    net: &mut Net,
    i: usize,
    s: SessionId,
    body: &Body,
    extra: &[(HeaderName, String)],
) -> Result<(), SessionError> {
    let now = net.now;
    net.ua(i)
        .session_mut(s)
        .unwrap()
        .info(now, Some(body), extra)
}

/// Accepts every request handed to the application (200, 202 for REFER).
fn accepting() -> Policy {
    Box::new(|ua, now, e| {
        if let Event::Request { request, .. } = e {
            let _ = ua.request(*request).unwrap().accept(now);
        }
    })
}

/// The (session, method) of every request node `i`'s application got.
fn app_requests(net: &Net, i: usize) -> Vec<(Option<SessionId>, Method)> {
    net.events(i)
        .filter_map(|e| match e {
            Event::Request {
                session, method, ..
            } => Some((*session, method.clone())),
            _ => None,
        })
        .collect()
}

/// The bodies of the INFO requests node `to` received.
fn info_bodies(net: &Net, to: usize) -> Vec<String> {
    net.wire
        .iter()
        .filter(|w| w.to == Some(to) && w.delivered)
        .filter_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Info => {
                Some(String::from_utf8_lossy(&r.body).into_owned())
            }
            _ => None,
        })
        .collect()
}

/// The INVITE as sent, and Bob's tag of the early dialog.
fn invite_and_tag(net: &mut Net, bob: usize, inv: SessionId) -> (Request, String) {
    let invite = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Request(r) if r.method == Method::Invite => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    let tag = net
        .ua(bob)
        .session(inv)
        .unwrap()
        .dialog()
        .unwrap()
        .local_tag()
        .to_owned();
    (invite, tag)
}

/// A request in the early dialog between Alice (`alice`, the caller) and
/// Bob, built by hand and sent from `from` (either of them) to the other:
/// what our own agents never send (a callee's BYE, a REFER before the
/// call is up...). `extra` are further header lines.
fn inject(
    net: &mut Net,
    (alice, bob, inv): (usize, usize, SessionId),
    from: usize,
    method: &str,
    cseq: u32,
    extra: &str,
) -> String {
    let (invite, bob_tag) = invite_and_tag(net, bob, inv);
    let h = |n: HeaderName| invite.headers.get(&n).unwrap().to_owned();
    let (caller, callee) = (
        h(HeaderName::From),
        format!("{};tag={bob_tag}", h(HeaderName::To)),
    );
    let to = if from == alice { bob } else { alice };
    let (from_h, to_h) = if from == alice {
        (caller, callee)
    } else {
        (callee, caller)
    };
    let branch = format!("z9hG4bKinj{method}{cseq}");
    let raw = format!(
        "{method} sip:{}@{} SIP/2.0\r\nVia: SIP/2.0/UDP {};branch={branch}\r\n\
         Max-Forwards: 70\r\nFrom: {from_h}\r\nTo: {to_h}\r\nCall-ID: {}\r\n\
         CSeq: {cseq} {method}\r\nContact: <sip:{}@{}>\r\n{extra}Content-Length: 0\r\n\r\n",
        net.nodes[to].name,
        net.nodes[to].addr,
        net.nodes[from].addr,
        h(HeaderName::CallId),
        net.nodes[from].name,
        net.nodes[from].addr,
    );
    net.inject(from, to, raw.as_bytes());
    net.run_for(SECOND);
    branch
}

/// The final response to the injected request with Via branch `branch`.
fn answer_to(net: &Net, branch: &str) -> sip_core::message::Response {
    net.wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Response(r)
                if r.status.as_u16() >= 200
                    && r.headers
                        .get(&HeaderName::Via)
                        .is_some_and(|v| v.contains(branch)) =>
            {
                Some(r.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no final response to {branch}"))
}

/// DTMF during early media: Bob answers in a reliable 183; once its PRACK
/// arrived, each side sends INFO in the early dialog, the other's
/// application gets it (with the session) and accepts; then Bob answers
/// and the call is up. Ladder snapshot of the whole flow.
#[test]
fn info_both_ways_during_early_media() {
    let (mut net, alice, bob, call, inv) = ringing(1, Impairments::PERFECT);
    net.set_policy(alice, accepting());
    net.set_policy(bob, accepting());
    progress(&mut net, bob, inv, 183, true);
    net.run_for(SECOND);
    assert_eq!(net.finals(bob, "PRACK"), [StatusCode::OK]);
    info(&mut net, alice, call, &dtmf('5'), &[]).unwrap();
    net.run_for(SECOND);
    info(&mut net, bob, inv, &dtmf('#'), &[]).unwrap();
    net.run_for(SECOND);
    assert_eq!(app_requests(&net, bob), [(Some(inv), Method::Info)]);
    assert_eq!(app_requests(&net, alice), [(Some(call), Method::Info)]);
    assert_eq!(outcomes(&net, alice, call, Method::Info), [200]);
    assert_eq!(outcomes(&net, bob, inv, Method::Info), [200]);
    assert!(info_bodies(&net, bob)[0].contains("Signal=5"));
    assert!(info_bodies(&net, alice)[0].contains("Signal=#"));
    // Still ringing on both sides.
    assert_eq!(net.state(alice, call), Establishing);
    assert_eq!(net.state(bob, inv), Initial);
    answer(&mut net, bob, inv, false);
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    net.run_for(SECOND * 40);
    assert_eq!(net.state(bob, inv), Terminated);
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
    insta::assert_snapshot!("early_info", net.trace().join("\n"));
}

/// INFO may go in an early dialog only once a reliable provisional
/// response set it up: before any 1xx there is no dialog (InvalidState);
/// after an unreliable 180, or before the PRACK of Bob's reliable 183,
/// `RequestPending`; nothing is sent meanwhile.
#[test]
fn info_waits_for_the_reliable_exchange() {
    let (mut net, alice, bob, call, inv) = ringing(2, Impairments::PERFECT);
    assert_eq!(
        info(&mut net, alice, call, &dtmf('1'), &[]),
        Err(SessionError::InvalidState(Establishing))
    );
    assert_eq!(
        info(&mut net, bob, inv, &dtmf('1'), &[]),
        Err(SessionError::InvalidState(Initial))
    );
    progress(&mut net, bob, inv, 180, false);
    net.run_for(SECOND);
    assert_eq!(
        info(&mut net, alice, call, &dtmf('1'), &[]),
        Err(SessionError::RequestPending)
    );
    assert_eq!(
        info(&mut net, bob, inv, &dtmf('1'), &[]),
        Err(SessionError::RequestPending)
    );
    progress(&mut net, bob, inv, 183, true);
    // The PRACK has not arrived yet.
    assert_eq!(
        info(&mut net, bob, inv, &dtmf('1'), &[]),
        Err(SessionError::RequestPending)
    );
    assert!(!net.methods(alice).contains(&"INFO".to_owned()));
    assert!(!net.methods(bob).contains(&"INFO".to_owned()));
    net.run_for(SECOND);
    info(&mut net, alice, call, &dtmf('1'), &[]).unwrap();
    info(&mut net, bob, inv, &dtmf('2'), &[]).unwrap();
    net.run_for(SECOND);
    // Nobody answers the applications' requests: the default 200 comes
    // after the answer timeout.
    net.run_for(SECOND * 40);
    assert_eq!(outcomes(&net, alice, call, Method::Info), [200]);
    assert_eq!(outcomes(&net, bob, inv, Method::Info), [200]);
}

/// RFC 6086 §4.2.2 in the early dialog: an INFO for an Info Package Bob
/// does not take gets 469 with Recv-Info; one for a package he takes, and
/// a legacy INFO, reach his application. An agent that does not give INFO
/// to its application answers 200.
#[test]
fn info_packages_in_the_early_dialog() {
    let (mut net, alice, bob, call, inv) = ringing(3, Impairments::PERFECT);
    net.set_policy(bob, accepting());
    progress(&mut net, bob, inv, 183, true);
    net.run_for(SECOND);
    let pkg = |p: &str| [(HeaderName::InfoPackage, p.to_owned())];
    info(&mut net, alice, call, &dtmf('7'), &pkg("foo")).unwrap();
    net.run_for(SECOND);
    info(&mut net, alice, call, &dtmf('8'), &pkg("dtmf")).unwrap();
    net.run_for(SECOND);
    info(&mut net, alice, call, &dtmf('9'), &[]).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Info), [469, 200, 200]);
    let bad = net
        .wire
        .iter()
        .find_map(|w| match &w.message {
            Message::Response(r) if r.status.as_u16() == 469 => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(bad.headers.get(&HeaderName::RecvInfo), Some("dtmf"));
    assert_eq!(app_requests(&net, bob).len(), 2);
    // Alice's agent does not give INFO to its application here: 200.
    let (mut net, alice, bob, call, inv) = ringing_with(4, Impairments::PERFECT, false);
    progress(&mut net, bob, inv, 183, true);
    net.run_for(SECOND);
    info(&mut net, bob, inv, &dtmf('3'), &[]).unwrap();
    net.run_for(SECOND);
    assert_eq!(outcomes(&net, bob, inv, Method::Info), [200]);
    assert!(app_requests(&net, alice).is_empty());
    assert_eq!(net.state(alice, call), Establishing);
}

/// Before the 2xx the caller ends the call with CANCEL, not BYE (SIP.js:
/// `bye()` before Established is an error; `dispose()` cancels). Bob's
/// `bye()` on his early dialog is refused too.
#[test]
fn bye_before_the_answer_is_refused_and_dispose_cancels() {
    let (mut net, alice, bob, call, inv) = ringing(5, Impairments::PERFECT);
    progress(&mut net, bob, inv, 183, true);
    net.run_for(SECOND);
    let now = net.now;
    assert_eq!(
        net.ua(alice)
            .session_mut(call)
            .unwrap()
            .bye(now, ByeOptions::default()),
        Err(SessionError::InvalidState(Establishing))
    );
    assert_eq!(
        net.ua(bob)
            .session_mut(inv)
            .unwrap()
            .bye(now, ByeOptions::default()),
        Err(SessionError::InvalidState(Initial))
    );
    assert!(!net.methods(alice).contains(&"BYE".to_owned()));
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .dispose(now)
        .unwrap();
    net.run_for(SECOND * 40);
    assert!(net.methods(alice).contains(&"CANCEL".to_owned()));
    assert!(!net.methods(alice).contains(&"BYE".to_owned()));
    assert_eq!(net.finals(bob, "INVITE"), [StatusCode::REQUEST_TERMINATED]);
    assert_eq!(net.cause(alice, call), Some(TerminationCause::Cancelled));
    assert_eq!(
        net.cause(bob, inv),
        Some(TerminationCause::CancelledByRemote)
    );
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

/// A caller's BYE on Bob's early dialog (RFC 3261 §15 allows it; §15.1.2):
/// 200 to the BYE, 487 to the INVITE, Bob's session ends, and Alice's
/// INFO still waiting for Bob's application is answered 487 ("the UAS
/// MUST still respond to any pending requests").
#[test]
fn caller_bye_on_the_early_dialog_ends_the_invitation() {
    let (mut net, alice, bob, call, inv) = ringing(6, Impairments::PERFECT);
    progress(&mut net, bob, inv, 183, true);
    net.run_for(SECOND);
    info(&mut net, alice, call, &dtmf('4'), &[]).unwrap();
    net.run_for(SECOND);
    assert_eq!(net.ua(bob).pending_requests(), 1);
    let branch = inject(&mut net, (alice, bob, inv), alice, "BYE", 50, "");
    assert_eq!(answer_to(&net, &branch).status, StatusCode::OK);
    assert_eq!(net.finals(bob, "INVITE"), [StatusCode::REQUEST_TERMINATED]);
    assert_eq!(net.finals(bob, "INFO"), [StatusCode::REQUEST_TERMINATED]);
    assert_eq!(net.ua(bob).pending_requests(), 0);
    assert_eq!(net.cause(bob, inv), Some(TerminationCause::RemoteBye));
    assert!(net
        .events(bob)
        .any(|e| matches!(e, Event::Bye { session } if *session == inv)));
    net.run_for(SECOND * 40);
    assert_eq!(outcomes(&net, alice, call, Method::Info), [487]);
    assert_eq!(
        net.cause(alice, call),
        Some(TerminationCause::Rejected(StatusCode::REQUEST_TERMINATED))
    );
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

/// A callee's BYE on Alice's early dialog: §15 forbids it ("MUST NOT send
/// a BYE on early dialogs"): 403, and the call goes on (RFC 5057 §5.1: a
/// 403 affects the transaction only); Bob answers later and the call is
/// up.
#[test]
fn callee_bye_on_the_early_dialog_is_refused() {
    let (mut net, alice, bob, call, inv) = ringing(7, Impairments::PERFECT);
    progress(&mut net, bob, inv, 180, false);
    net.run_for(SECOND);
    let branch = inject(&mut net, (alice, bob, inv), bob, "BYE", 50, "");
    assert_eq!(answer_to(&net, &branch).status, StatusCode::FORBIDDEN);
    assert_eq!(net.state(alice, call), Establishing);
    assert!(!net.events(alice).any(|e| matches!(e, Event::Bye { .. })));
    answer(&mut net, bob, inv, true);
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

/// Requests from the callee that match Alice's early dialog get real
/// answers, not the 481 of a request matching no dialog: MESSAGE to the
/// application, OPTIONS 200, INVITE 491 (§14.2: Alice's INVITE is in
/// progress), PRACK 481 (RFC 3262 §3: it acknowledges nothing), NOTIFY
/// 481 (RFC 6665 §4.1.3: no subscription), REFER 603. A request with an
/// unknown tag still gets 481.
#[test]
fn callee_requests_in_the_callers_early_dialog() {
    let (mut net, alice, bob, call, inv) = ringing(8, Impairments::PERFECT);
    net.set_policy(alice, accepting());
    progress(&mut net, bob, inv, 180, false);
    net.run_for(SECOND);
    let ids = (alice, bob, inv);
    let cases: [(&str, &str, u16); 6] = [
        ("MESSAGE", "Content-Type: text/plain\r\n", 200),
        ("OPTIONS", "", 200),
        ("INVITE", "", 491),
        ("PRACK", "RAck: 1 1 INVITE\r\n", 481),
        (
            "NOTIFY",
            "Event: refer\r\nSubscription-State: active\r\n",
            481,
        ),
        ("REFER", "Refer-To: <sip:carol@example.com>\r\n", 603),
    ];
    for (k, (method, extra, status)) in cases.into_iter().enumerate() {
        let branch = inject(&mut net, ids, bob, method, 10 + k as u32, extra);
        assert_eq!(answer_to(&net, &branch).status.as_u16(), status, "{method}");
    }
    assert_eq!(app_requests(&net, alice), [(Some(call), Method::Message)]);
    assert_eq!(net.state(alice, call), Establishing);
    // Out of order (CSeq below the last one): 500.
    let branch = inject(&mut net, ids, bob, "OPTIONS", 5, "");
    assert_eq!(
        answer_to(&net, &branch).status,
        StatusCode::SERVER_INTERNAL_ERROR
    );
    answer(&mut net, bob, inv, true);
    net.run_for(SECOND);
    assert_eq!(net.state(alice, call), Established);
    assert!(net.unanswered().is_empty(), "{:?}", net.unanswered());
}

/// Requests from the caller in Bob's early dialog: MESSAGE to the
/// application, INVITE 500 with a Retry-After of 0-10 s (RFC 3261 §14.2:
/// the first INVITE has no final response yet), NOTIFY 481, REFER 603.
#[test]
fn caller_requests_in_the_callees_early_dialog() {
    let (mut net, alice, bob, call, inv) = ringing(9, Impairments::PERFECT);
    net.set_policy(bob, accepting());
    progress(&mut net, bob, inv, 180, false);
    net.run_for(SECOND);
    let ids = (alice, bob, inv);
    let branch = inject(
        &mut net,
        ids,
        alice,
        "MESSAGE",
        10,
        "Content-Type: text/plain\r\n",
    );
    assert_eq!(answer_to(&net, &branch).status, StatusCode::OK);
    let branch = inject(&mut net, ids, alice, "INVITE", 11, "");
    let r = answer_to(&net, &branch);
    assert_eq!(r.status, StatusCode::SERVER_INTERNAL_ERROR);
    let secs: u32 = r
        .headers
        .get(&HeaderName::RetryAfter)
        .unwrap()
        .parse()
        .unwrap();
    assert!(secs <= 10);
    let branch = inject(&mut net, ids, alice, "NOTIFY", 12, "Event: refer\r\n");
    assert_eq!(
        answer_to(&net, &branch).status,
        StatusCode::CALL_DOES_NOT_EXIST
    );
    let branch = inject(
        &mut net,
        ids,
        alice,
        "REFER",
        13,
        "Refer-To: <sip:carol@example.com>\r\n",
    );
    assert_eq!(answer_to(&net, &branch).status, StatusCode::DECLINE);
    assert_eq!(app_requests(&net, bob), [(Some(inv), Method::Message)]);
    assert_eq!(net.state(bob, inv), Initial);
    assert_eq!(net.state(alice, call), Establishing);
}

/// Under loss, duplication and reordering: reliable 183, then an INFO
/// from each side in the early dialog, accepted by the applications;
/// then Bob answers and Alice hangs up. Every INFO ends 200 (or 408 when
/// all its retransmissions were lost), every request is answered, both
/// sessions end.
#[test]
fn sweep_early_info_under_bad_network() {
    let mut failures = Vec::new();
    let mut delivered = 0;
    for seed in 0..30 {
        let (mut net, alice, bob, call, inv) = ringing(100 + seed, Impairments::BAD);
        net.set_policy(alice, accepting());
        net.set_policy(bob, accepting());
        progress(&mut net, bob, inv, 183, true);
        let ready = net.run_until(SECOND * 40, |n| {
            n.finals(bob, "PRACK").contains(&StatusCode::OK)
                && n.events(alice)
                    .any(|e| matches!(e, Event::Progress { reliable: true, .. }))
        });
        if !ready {
            failures.push(format!("seed {seed}: no PRACK"));
            continue;
        }
        for (i, s, name, d) in [(alice, call, "alice", '1'), (bob, inv, "bob", '2')] {
            if let Err(e) = info(&mut net, i, s, &dtmf(d), &[]) {
                failures.push(format!("seed {seed}: {name} info {e:?}"));
                continue;
            }
            net.run_until(SECOND * 40, |n| !outcomes(n, i, s, Method::Info).is_empty());
            let o = outcomes(&net, i, s, Method::Info);
            delivered += usize::from(o == [200]);
            if o != [200] && o != [408] {
                failures.push(format!("seed {seed}: {name} INFO {o:?}"));
            }
        }
        let now = net.now;
        let _ = net
            .ua(bob)
            .invitation(inv)
            .unwrap()
            .accept(now, AcceptOptions::default());
        let problems = net.wind_down((alice, call), (bob, inv), SECOND * 60);
        failures.extend(problems.into_iter().map(|f| format!("seed {seed}: {f}")));
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        delivered >= 45,
        "only {delivered} of 60 early INFOs ended 200"
    );
}
