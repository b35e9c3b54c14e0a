//! The registrar and proxy fixture (`sip_harness::fixtures::ProxyNode`)
//! in the simulator, with test user agents on the transaction layer
//! (`fixtures/ua.rs`): Alice and Bob's two phones register (digest
//! challenge first), then Alice calls Bob through the proxy, which forks
//! to both phones.
//!
//! Each flow is a scenario body (`fn(&mut Sim, &Faults)`) that checks its
//! own outcome, run once without faults (with wire-level checks) and under
//! a seed sweep with 20% loss (and some duplication and reordering),
//! where every seed must pass and replay to the same trace.

mod fixtures {
    pub mod flows;
    pub mod ua;
    pub mod world;
}

use fixtures::flows::*;
use fixtures::ua::Answer;
use fixtures::world::*;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_harness::scenarios::Scenario;
use sip_harness::sim::{Faults, NodeId, Sim};
use sip_harness::sweep::{sweep, SweepConfig};

fn run_clean(s: &'static Scenario) -> Sim {
    let mut sim = Sim::new(1);
    if let Err(e) = (s.body)(&mut sim, &Faults::NONE) {
        panic!("{}: {e}\n{}", s.name, sim.ladder());
    }
    sim
}

/// Every seed of a short sweep with 20% loss, 5% duplication and 5%
/// reordering passes and replays to the same trace.
fn sweep_with_loss(s: &'static Scenario) {
    let faults = Faults {
        loss: 0.2,
        duplicate: 0.05,
        reorder: 0.05,
        jitter_ms: None,
    };
    let mut cfg = SweepConfig::new(s, 100, 20, faults);
    cfg.jobs = 2;
    cfg.check_replay = true;
    cfg.keep_failing_traces = true;
    let report = sweep(&cfg, &|_| {});
    let reasons: Vec<String> = report
        .failures
        .iter()
        .map(|f| format!("seed {}: {}", f.seed, f.reason))
        .collect();
    // The scenarios are not in the command's registry: show the ladder of
    // the first failing seed instead of a reproduction command.
    let first = report
        .failures
        .iter()
        .find_map(|f| f.trace.as_ref())
        .map(|t| sip_harness::ladder::render(&t.records))
        .unwrap_or_default();
    assert!(
        reasons.is_empty(),
        "{}\n{}\n{first}",
        report.summary(),
        reasons.join("\n")
    );
}

// ----- tests -------------------------------------------------------------

fn id(sim: &Sim, name: &str) -> NodeId {
    sim.node_id(name).unwrap()
}

/// The messages `node` received with this ladder label, as text.
fn received(sim: &Sim, node: NodeId, label: &str) -> Vec<String> {
    sim.received(node)
        .into_iter()
        .filter(|s| s.label() == label)
        .map(|s| String::from_utf8(s.data).unwrap())
        .collect()
}

fn header_lines<'a>(msg: &'a str, name: &str) -> Vec<&'a str> {
    msg.lines()
        .filter_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
        .collect()
}

#[test]
fn registration_with_challenge() {
    let sim = run_clean(&REGISTRATION);
    let registers = received(&sim, id(&sim, "proxy"), "REGISTER");
    assert_eq!(registers.len(), 2);
    assert!(header_lines(&registers[0], "Authorization").is_empty());
    let auth = header_lines(&registers[1], "Authorization");
    assert!(
        auth[0].starts_with("Digest username=\"bob\", realm=\"example.com\""),
        "{auth:?}"
    );
    let challenge = &received(&sim, id(&sim, "bob1"), "401 Unauthorized")[0];
    let www = header_lines(challenge, "WWW-Authenticate");
    assert!(
        www[0].starts_with("Digest realm=\"example.com\", nonce=\""),
        "{www:?}"
    );
    assert!(www[0].contains("qop=\"auth\""), "{www:?}");
}

#[test]
fn registration_with_challenge_under_loss() {
    sweep_with_loss(&REGISTRATION);
}

#[test]
fn expiry_min_expires_and_unregister() {
    let sim = run_clean(&EXPIRY);
    let proxy = id(&sim, "proxy");
    sim.expect(id(&sim, "bob1")).received(&[
        "401 Unauthorized",
        "423 Interval Too Brief",
        "200 OK",
    ]);
    let too_brief = &received(&sim, id(&sim, "bob1"), "423 Interval Too Brief")[0];
    assert_eq!(header_lines(too_brief, "Min-Expires"), ["60"]);
    let registers = received(&sim, proxy, "REGISTER");
    assert_eq!(header_lines(registers.last().unwrap(), "Contact"), ["*"]);
    assert!(sim
        .events(proxy)
        .iter()
        .any(|e| e.to_string().contains("sip:bob@10.0.0.2:5060 expired")));
}

#[test]
fn expiry_min_expires_and_unregister_under_loss() {
    sweep_with_loss(&EXPIRY);
}

#[test]
fn forked_invite_through_the_proxy() {
    let sim = run_clean(&FORKED_CALL);
    let (alice, proxy) = (id(&sim, "alice"), id(&sim, "proxy"));
    let (bob1, bob2) = (id(&sim, "bob1"), id(&sim, "bob2"));
    // §16.6: each branch gets its contact as Request-URI, Max-Forwards
    // decremented, the Record-Route, and the proxy's Via over Alice's.
    for (b, contact) in [
        (bob1, "sip:bob@10.0.0.2:5060"),
        (bob2, "sip:bob@10.0.0.3:5060"),
    ] {
        let invites = received(&sim, b, "INVITE");
        assert_eq!(invites.len(), 1, "{}", sim.ladder());
        let inv = &invites[0];
        assert!(
            inv.starts_with(&format!("INVITE {contact} SIP/2.0\r\n")),
            "{inv}"
        );
        assert_eq!(
            header_lines(inv, "Record-Route"),
            ["<sip:10.0.0.10:5060;lr>"]
        );
        assert_eq!(header_lines(inv, "Max-Forwards"), ["69"]);
        let vias = header_lines(inv, "Via");
        assert_eq!(vias.len(), 2, "{inv}");
        assert!(
            vias[0].starts_with("SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK"),
            "{inv}"
        );
        assert!(
            vias[1].starts_with("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK"),
            "{inv}"
        );
        assert!(vias[1].contains("rport=5060"), "{inv}");
    }
    // The 200 comes back to Alice with the proxy's Via popped and the
    // Record-Route; the branches' 180s are forwarded, their 100s not
    // (Alice's one 100 is the proxy's own).
    let oks = received(&sim, alice, "200 OK");
    let ok = oks.iter().find(|m| m.contains("CSeq: 1 INVITE")).unwrap();
    assert_eq!(header_lines(ok, "Via").len(), 1, "{ok}");
    assert_eq!(
        header_lines(ok, "Record-Route"),
        ["<sip:10.0.0.10:5060;lr>"]
    );
    assert_eq!(received(&sim, alice, "100 Trying").len(), 1);
    assert_eq!(received(&sim, alice, "180 Ringing").len(), 2);
    // ACK and BYE reach the proxy with its Route, and bob1 without, with
    // both Vias.
    for method in ["ACK", "BYE"] {
        let at_proxy = received(&sim, proxy, method);
        assert_eq!(at_proxy.len(), 1, "{method}");
        assert_eq!(
            header_lines(&at_proxy[0], "Route"),
            ["<sip:10.0.0.10:5060;lr>"]
        );
        let at_bob = received(&sim, bob1, method);
        assert_eq!(at_bob.len(), 1, "{method}");
        assert!(at_bob[0].starts_with(&format!("{method} sip:bob@10.0.0.2:5060 SIP/2.0")));
        assert!(
            header_lines(&at_bob[0], "Route").is_empty(),
            "{}",
            at_bob[0]
        );
        assert_eq!(header_lines(&at_bob[0], "Via").len(), 2, "{}", at_bob[0]);
    }
    // bob2 was cancelled hop by hop: a CANCEL with the proxy's Via only,
    // its 487, and the proxy's ACK for that.
    let cancel = &received(&sim, bob2, "CANCEL")[0];
    assert_eq!(header_lines(cancel, "Via").len(), 1, "{cancel}");
    assert_eq!(received(&sim, bob2, "ACK").len(), 1);
    let sent: Vec<String> = sim.sent(bob2).iter().map(|s| s.label()).collect();
    assert_eq!(
        sent,
        [
            "REGISTER",
            "REGISTER",
            "180 Ringing",
            "200 OK",
            "487 Request Terminated"
        ]
    );
}

#[test]
fn forked_invite_under_loss() {
    sweep_with_loss(&FORKED_CALL);
}

#[test]
fn cancel_through_the_proxy() {
    let sim = run_clean(&CANCELLED_CALL);
    let (alice, proxy) = (id(&sim, "alice"), id(&sim, "proxy"));
    // Alice's CANCEL is answered by the proxy; each phone gets its own.
    let cancels = received(&sim, proxy, "CANCEL");
    assert_eq!(cancels.len(), 1);
    for b in ["bob1", "bob2"] {
        let c = received(&sim, id(&sim, b), "CANCEL");
        assert_eq!(c.len(), 1);
        assert_ne!(header_lines(&c[0], "Via"), header_lines(&cancels[0], "Via"));
    }
    let finals: Vec<String> = sim
        .received(alice)
        .iter()
        .map(|s| s.label())
        .filter(|l| !l.starts_with('1') && !l.starts_with("401"))
        .collect();
    assert_eq!(finals, ["200 OK", "487 Request Terminated"]);
}

#[test]
fn cancel_through_the_proxy_under_loss() {
    sweep_with_loss(&CANCELLED_CALL);
}

#[test]
fn unknown_user_404_and_unregistered_user_480() {
    let sim = run_clean(&UNKNOWN);
    // Answered by the proxy itself, without a 100 first.
    sim.expect(id(&sim, "alice"))
        .received(&["404 Not Found", "480 Temporarily Unavailable"]);
    assert_eq!(sim.node_id("bob1").map(|b| sim.received(b).len()), Some(0));
}

#[test]
fn unknown_user_404_and_unregistered_user_480_under_loss() {
    sweep_with_loss(&UNKNOWN);
}

#[test]
fn ladder_of_registration_and_forked_invite() {
    let sim = run_clean(&FORKED_CALL);
    insta::assert_snapshot!(sim.ladder());
}

#[test]
fn a_6xx_cancels_the_other_branches_and_wins() {
    let sim = run_clean(&DECLINED_CALL);
    let alice = id(&sim, "alice");
    // The 603 is held until bob2's branch is done (487), then sent once.
    let finals: Vec<(u64, String)> = sim
        .received(alice)
        .iter()
        .filter(|s| s.label().starts_with('6') || s.label().starts_with('4'))
        .filter(|s| !s.label().starts_with("401"))
        .map(|s| (s.at.as_millis(), s.label()))
        .collect();
    assert_eq!(finals.len(), 1, "{finals:?}");
    assert_eq!(finals[0].1, "603 Decline");
    let bob2_487 = sim
        .sent(id(&sim, "bob2"))
        .into_iter()
        .find(|s| s.label() == "487 Request Terminated")
        .unwrap();
    assert!(finals[0].0 > bob2_487.sent.as_millis());
}

#[test]
fn a_6xx_cancels_the_other_branches_and_wins_under_loss() {
    sweep_with_loss(&DECLINED_CALL);
}

/// A binding whose device is gone: its branch times out (Timer B, §16.8:
/// as a 408) and the proxy holds bob2's 486 until then, then picks it.
#[test]
fn final_responses_wait_for_every_branch() {
    let mut sim = Sim::new(3);
    let busy = Answer::After(Duration::from_secs(1), StatusCode::BUSY_HERE);
    let w = world(&mut sim, &Faults::NONE, busy, Answer::Ring);
    let dead = vec!["<sip:bob@10.0.0.99:5060>".to_owned()];
    register_contacts(&mut sim, &w, w.bob1, "a dead phone registers", dead, None).unwrap();
    register(&mut sim, &w, w.bob1, "bob1 registers", None).unwrap();
    act(&mut sim, w.alice, "alice calls bob", |ua, cx| {
        ua.invite(cx, "bob")
    });
    let start = sim.now();
    run_until(&mut sim, &w, |s| !ua(s, w.alice).call_finals.is_empty()).unwrap();
    assert_eq!(ua(&sim, w.alice).call_finals, [486]);
    // Timer B = 64*T1 after the INVITE left the proxy.
    let waited = sim.now().saturating_duration_since(start);
    assert!(
        waited >= Duration::from_secs(32),
        "{waited:?}\n{}",
        sim.ladder()
    );
    assert!(sim
        .events(w.proxy)
        .iter()
        .any(|e| e.to_string().contains("branch sip:bob@10.0.0.99:5060: 408")));
    settle(&mut sim, &w).unwrap();
}

/// A binding pointing back at the proxy: the request spirals once (new
/// Request-URI) and then comes back unchanged, a loop (§16.3 step 4).
#[test]
fn loops_are_detected() {
    let mut sim = Sim::new(4);
    let w = world(&mut sim, &Faults::NONE, Answer::Ring, Answer::Ring);
    let me = vec!["<sip:bob@10.0.0.10:5060>".to_owned()];
    register_contacts(&mut sim, &w, w.bob1, "bob binds the proxy", me, None).unwrap();
    act(&mut sim, w.alice, "alice calls bob", |ua, cx| {
        ua.invite(cx, "bob")
    });
    run_until(&mut sim, &w, |s| !ua(s, w.alice).call_finals.is_empty()).unwrap();
    assert_eq!(ua(&sim, w.alice).call_finals, [482], "{}", sim.ladder());
    assert_eq!(sim.node(w.proxy).stats().loops_detected, 1);
    // Three INVITEs reached the proxy: Alice's, the spiral, the loop.
    let invites = received(&sim, w.proxy.id(), "INVITE");
    assert_eq!(invites.len(), 3);
    assert_eq!(header_lines(&invites[2], "Via").len(), 3);
    settle(&mut sim, &w).unwrap();
}

/// Requests injected from an address without a node: the proxy's own
/// answers, read back from what it sent.
#[test]
fn validation_and_own_answers() {
    let mut sim = Sim::new(5);
    let w = world(&mut sim, &Faults::NONE, Answer::Ring, Answer::Ring);
    let from = ip(50);
    let to = ip(10);
    let req = |method: &str, uri: &str, n: u32, extra: &str| {
        format!(
            "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.50:5060;branch=z9hG4bKinj{n}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:x@10.0.0.50>;tag=t{n}\r\nTo: <{uri}>\r\n\
             Call-ID: inj{n}\r\nCSeq: 1 {method}\r\n{extra}Content-Length: 0\r\n\r\n"
        )
    };
    let cases = [
        req("OPTIONS", "sip:example.com", 1, ""),
        req("INVITE", "sip:bob@example.com", 2, "").replace("Max-Forwards: 70", "Max-Forwards: 0"),
        req("CANCEL", "sip:bob@example.com", 3, ""),
        req(
            "MESSAGE",
            "sip:bob@example.com",
            4,
            "Proxy-Require: foo\r\n",
        ),
        req("MESSAGE", "tel:+15551234", 5, ""),
        req("MESSAGE", "sip:bob@elsewhere.org", 6, ""),
    ];
    for (i, c) in cases.into_iter().enumerate() {
        sim.at(Instant::from_millis(100 * i as u64))
            .inject(from, to, c);
    }
    sim.run_for(Duration::from_secs(40)).unwrap();
    let sent: Vec<String> = sim.sent(w.proxy).iter().map(|s| s.label()).collect();
    // The 483 to the INVITE is retransmitted (Timer G): no ACK comes.
    assert!(
        sent[6..].iter().all(|l| l == "483 Too Many Hops"),
        "{sent:?}"
    );
    assert_eq!(
        sent[..6],
        [
            "200 OK",
            "483 Too Many Hops",
            "481 Call/Transaction Does Not Exist",
            "420 Bad Extension",
            "416 Unsupported URI Scheme",
            // No DNS: a domain that is not ours cannot be reached.
            "500 Server Internal Error",
        ],
        "{}",
        sim.ladder()
    );
    let answers = received_by_addr(&sim, w.proxy.id());
    assert!(answers[0].contains("Allow: INVITE, ACK, CANCEL"));
    assert!(answers[3].contains("Unsupported: foo"));
}

fn received_by_addr(sim: &Sim, node: NodeId) -> Vec<String> {
    sim.sent(node)
        .into_iter()
        .map(|s| String::from_utf8(s.data).unwrap())
        .collect()
}

#[test]
fn forked_message_gets_one_answer() {
    let sim = run_clean(&FORKED_MESSAGE);
    assert_eq!(received(&sim, id(&sim, "alice"), "200 OK").len(), 1);
    assert_eq!(
        received(&sim, id(&sim, "proxy"), "200 OK").len(),
        2,
        "one per phone"
    );
}

#[test]
fn forked_message_under_loss() {
    sweep_with_loss(&FORKED_MESSAGE);
}

/// Route handling (§16.4, §16.12): a loose Route naming the proxy is
/// removed and the next Route is the next hop, the Request-URI kept; a
/// Request-URI holding the proxy's Record-Route (from a strict router) is
/// replaced by the last Route.
#[test]
fn routes_are_followed_and_stripped() {
    let mut sim = Sim::new(6);
    let w = world(&mut sim, &Faults::NONE, Answer::Ring, Answer::Ring);
    let (from, to) = (ip(50), ip(10));
    let msg = |uri: &str, routes: &str, n: u32| {
        format!(
            "MESSAGE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.50:5060;branch=z9hG4bKr{n}\r\n\
             Route: {routes}\r\nFrom: <sip:x@10.0.0.50>;tag=t{n}\r\nTo: <sip:bob@example.com>\r\n\
             Call-ID: r{n}\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let loose = msg(
        "sip:bob@10.0.0.2:5060",
        "<sip:10.0.0.10:5060;lr>, <sip:10.0.0.3:5060;lr>",
        1,
    );
    let strict = msg("sip:10.0.0.10:5060;lr", "<sip:bob@10.0.0.2:5060>", 2);
    sim.at(Instant::ZERO).inject(from, to, loose);
    sim.at(Instant::from_millis(100)).inject(from, to, strict);
    sim.run_for(Duration::from_secs(40)).unwrap();
    // The loose-routed one goes on to the next Route (bob2), untouched
    // Request-URI, that Route still on it.
    let at_bob2 = &received(&sim, w.bob2.id(), "MESSAGE")[0];
    assert!(
        at_bob2.starts_with("MESSAGE sip:bob@10.0.0.2:5060 SIP/2.0"),
        "{at_bob2}"
    );
    assert_eq!(header_lines(at_bob2, "Route"), ["<sip:10.0.0.3:5060;lr>"]);
    // §16.6 step 3: a request without Max-Forwards gets 70.
    assert_eq!(header_lines(at_bob2, "Max-Forwards"), ["70"]);
    // The strict-routed one gets its Request-URI back from the Route.
    let at_bob1 = &received(&sim, w.bob1.id(), "MESSAGE")[0];
    assert!(
        at_bob1.starts_with("MESSAGE sip:bob@10.0.0.2:5060 SIP/2.0"),
        "{at_bob1}"
    );
    assert!(header_lines(at_bob1, "Route").is_empty());
    // Each 200 goes back towards the injector through the proxy.
    let sent: Vec<String> = sim.sent(w.proxy).iter().map(|s| s.label()).collect();
    assert_eq!(sent, ["MESSAGE", "200 OK", "MESSAGE", "200 OK"]);
}
