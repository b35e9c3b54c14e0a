//! The registrar and proxy fixture ([`ProxyNode`]) in the simulator, with
//! test user agents on the transaction layer (`fixtures/ua.rs`): Alice
//! and Bob's two phones register (digest challenge first), then Alice
//! calls Bob through the proxy, which forks to both phones.
//!
//! Each flow is a scenario body (`fn(&mut Sim, &Faults)`) that checks its
//! own outcome, run once without faults (with wire-level checks) and under
//! a seed sweep with 20% loss, where every seed must pass and replay to
//! the same trace.

mod fixtures {
    pub mod ua;
}

use fixtures::ua::{Answer, Ua, DOMAIN};
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_harness::adapters::txn::TxnNode;
use sip_harness::fixtures::ProxyNode;
use sip_harness::scenarios::Scenario;
use sip_harness::sim::{Faults, LinkConfig, NodeId, NodeRef, Sim, SimError};
use sip_harness::sweep::{sweep, SweepConfig};
use std::net::SocketAddr;

type UaRef = NodeRef<TxnNode<Ua>>;

const USERS: &[(&str, &str)] = &[
    ("alice", "wonderland"),
    ("bob", "builder"),
    ("carol", "singer"),
];

fn ip(last: u8) -> SocketAddr {
    SocketAddr::from(([10, 0, 0, last], 5060))
}

/// The proxy at 10.0.0.10, Alice at .1, Bob's phones at .2 and .3.
struct World {
    proxy: NodeRef<ProxyNode>,
    alice: UaRef,
    bob1: UaRef,
    bob2: UaRef,
}

impl World {
    fn uas(&self) -> [(&'static str, UaRef); 3] {
        [
            ("alice", self.alice),
            ("bob1", self.bob1),
            ("bob2", self.bob2),
        ]
    }
}

fn world(sim: &mut Sim, faults: &Faults, bob1: Answer, bob2: Answer) -> World {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let proxy_addr = ip(10);
    let ua = |sim: &mut Sim, name: &str, user: &str, password: &str, at: u8, answer| {
        let (seed, layer_seed) = (sim.derive_seed(), sim.derive_seed());
        let node = Ua::new(user, password, ip(at), proxy_addr, answer, seed).node(layer_seed);
        sim.add_node_at(name, [ip(at)], node)
    };
    let alice = ua(sim, "alice", "alice", "wonderland", 1, Answer::Ring);
    let seed = sim.derive_seed();
    let proxy = sim.add_node_at(
        "proxy",
        [proxy_addr],
        ProxyNode::new(DOMAIN, proxy_addr, USERS, seed),
    );
    let bob1 = ua(sim, "bob1", "bob", "builder", 2, bob1);
    let bob2 = ua(sim, "bob2", "bob", "builder", 3, bob2);
    World {
        proxy,
        alice,
        bob1,
        bob2,
    }
}

fn ua(sim: &Sim, r: UaRef) -> &Ua {
    sim.node(r).tu()
}

/// Runs until `done` holds or a UA fails (a stall is fine: the checks
/// after say what is missing).
fn run_until(sim: &mut Sim, w: &World, mut done: impl FnMut(&Sim) -> bool) -> Result<(), String> {
    let uas = w.uas();
    let r = sim.run_until(|s| done(s) || uas.iter().any(|(_, u)| ua(s, *u).failure().is_some()));
    match r {
        Ok(()) | Err(SimError::Stalled { .. }) => {}
        Err(e) => return Err(e.to_string()),
    }
    check_failures(sim, w)
}

fn check_failures(sim: &Sim, w: &World) -> Result<(), String> {
    for (name, u) in w.uas() {
        if let Some(why) = ua(sim, u).failure() {
            return Err(format!("{name}: {why}"));
        }
    }
    Ok(())
}

/// Schedules `f` on UA `u` now.
fn act(
    sim: &mut Sim,
    u: UaRef,
    label: &str,
    f: impl FnOnce(&mut Ua, &mut sip_harness::adapters::txn::TuContext<'_>) + 'static,
) {
    sim.after(Duration::ZERO)
        .label(label)
        .call(u, move |n, now| n.act(now, f));
}

/// `u` registers its own contact (with this Expires header) and the
/// registration runs to its end.
fn register(
    sim: &mut Sim,
    w: &World,
    u: UaRef,
    label: &str,
    expires: Option<u32>,
) -> Result<(), String> {
    let contact = ua(sim, u).contact();
    register_contacts(sim, w, u, label, vec![contact], expires)
}

/// `u` sends a REGISTER with these contacts, and it runs to its end.
fn register_contacts(
    sim: &mut Sim,
    w: &World,
    u: UaRef,
    label: &str,
    contacts: Vec<String>,
    expires: Option<u32>,
) -> Result<(), String> {
    let before = ua(sim, u).reg_finals.len();
    act(sim, u, label, move |ua, cx| {
        ua.register(cx, &contacts, expires)
    });
    let done = move |s: &Sim| ua(s, u).reg_finals.len() > before && ua(s, u).registered();
    run_until(sim, w, done)?;
    if !done(sim) {
        return Err(format!("{label}: no final response"));
    }
    Ok(())
}

/// Both of Bob's phones register.
fn register_bobs(sim: &mut Sim, w: &World) -> Result<(), String> {
    register(sim, w, w.bob1, "bob1 registers", None)?;
    register(sim, w, w.bob2, "bob2 registers", None)?;
    let n = sim.node(w.proxy).bindings("bob").len();
    if n != 2 {
        return Err(format!("bob has {n} bindings, expected 2"));
    }
    Ok(())
}

/// Lets every timer run out, then checks that nothing failed and every
/// transaction and response context is gone.
fn settle(sim: &mut Sim, w: &World) -> Result<(), String> {
    sim.run_for(Duration::from_secs(70))
        .map_err(|e| e.to_string())?;
    check_failures(sim, w)?;
    for (name, u) in w.uas() {
        let layer = sim.node(u).layer();
        if !layer.is_empty() {
            return Err(format!("{name} has {} live transactions", layer.len()));
        }
    }
    let p = sim.node(w.proxy);
    if !p.layer().is_empty() || p.open_contexts() != 0 {
        return Err(format!(
            "proxy has {} transactions, {} contexts left",
            p.layer().len(),
            p.open_contexts()
        ));
    }
    Ok(())
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}"))
    }
}

// ----- scenarios ---------------------------------------------------------

/// Bob's phone registers: 401 with a challenge, then 200 listing the
/// binding for the default hour.
fn registration(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let w = world(sim, faults, Answer::Ring, Answer::Ring);
    register(sim, &w, w.bob1, "bob1 registers", None)?;
    let bob1 = ua(sim, w.bob1);
    expect_eq("bob1's REGISTER finals", &bob1.reg_finals[..], &[401, 200])?;
    expect_eq(
        "contacts in the 200",
        bob1.reg_contacts.clone(),
        vec!["<sip:bob@10.0.0.2:5060>;expires=3600".to_owned()],
    )?;
    let p = sim.node(w.proxy);
    expect_eq("bindings", p.bindings("bob").len(), 1)?;
    expect_eq("proxy registrations", p.stats().registrations, 1)?;
    settle(sim, &w)
}

/// Lifetimes: too short gets 423 (the UA retries with Min-Expires), the
/// binding lapses in virtual time; `Contact: *` removes everything.
fn expiry(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let w = world(sim, faults, Answer::Ring, Answer::Ring);
    register(sim, &w, w.bob1, "bob1 asks for 30 s", Some(30))?;
    expect_eq("finals", &ua(sim, w.bob1).reg_finals[..], &[401, 423, 200])?;
    let b = sim.node(w.proxy).bindings("bob")[0].clone();
    let lapses = b.expires_at;
    if lapses.saturating_duration_since(sim.now()) > Duration::from_secs(60) {
        return Err(format!(
            "binding lapses at {lapses}, more than Min-Expires away"
        ));
    }
    register(sim, &w, w.bob2, "bob2 registers", None)?;
    expect_eq("bindings", sim.node(w.proxy).bindings("bob").len(), 2)?;
    // Just before and after bob1's binding lapses.
    let just_before = Instant::from_millis(lapses.as_millis() - 1);
    sim.run_for(just_before.saturating_duration_since(sim.now()))
        .map_err(|e| e.to_string())?;
    expect_eq(
        "bindings before",
        sim.node(w.proxy).bindings("bob").len(),
        2,
    )?;
    sim.run_for(Duration::from_millis(1))
        .map_err(|e| e.to_string())?;
    let left: Vec<String> = sim
        .node(w.proxy)
        .bindings("bob")
        .iter()
        .map(|b| b.uri().to_string())
        .collect();
    expect_eq(
        "bindings after",
        left,
        vec!["sip:bob@10.0.0.3:5060".to_owned()],
    )?;
    // Unregister everything.
    register_contacts(
        sim,
        &w,
        w.bob2,
        "bob2 unregisters all",
        vec!["*".into()],
        Some(0),
    )?;
    let bob2 = ua(sim, w.bob2);
    expect_eq("bob2 finals", bob2.reg_finals.last(), Some(&200))?;
    expect_eq("contacts", bob2.reg_contacts.len(), 0)?;
    expect_eq(
        "bindings at the end",
        sim.node(w.proxy).bindings("bob").len(),
        0,
    )?;
    settle(sim, &w)
}

/// Alice calls Bob: the proxy forks to both phones with Record-Route; the
/// first answers after a second, the proxy cancels the other; Alice ACKs
/// and hangs up through the proxy.
fn forked_call(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let answer = Answer::After(Duration::from_secs(1), StatusCode::OK);
    let w = world(sim, faults, answer, Answer::Ring);
    register_bobs(sim, &w)?;
    act(sim, w.alice, "alice calls bob", |ua, cx| {
        ua.invite(cx, "bob")
    });
    run_until(sim, &w, |s| !ua(s, w.alice).call_finals.is_empty())?;
    expect_eq("alice's finals", &ua(sim, w.alice).call_finals[..], &[200])?;
    sim.run_for(Duration::from_secs(2))
        .map_err(|e| e.to_string())?;
    act(sim, w.alice, "alice hangs up", |ua, cx| ua.bye(cx));
    run_until(sim, &w, |s| !ua(s, w.alice).bye_finals.is_empty())?;
    expect_eq("BYE finals", &ua(sim, w.alice).bye_finals[..], &[200])?;
    settle(sim, &w)?;
    expect_eq("dialogs", ua(sim, w.alice).dialogs(), 1)?;
    // Under loss the BYE may overtake a lost ACK.
    let mut bob1 = ua(sim, w.bob1).requests.clone();
    bob1[1..].sort();
    expect_eq(
        "bob1's core saw",
        &bob1[..],
        &["INVITE", "ACK", "BYE"].map(String::from),
    )?;
    expect_eq(
        "bob2's core saw",
        &ua(sim, w.bob2).requests[..],
        &["INVITE", "CANCEL"].map(String::from),
    )?;
    let stats = sim.node(w.proxy).stats();
    expect_eq("branches", stats.branches, 3)?; // 2 INVITE + BYE
    expect_eq("CANCELs", stats.cancels_sent, 1)?;
    Ok(())
}

/// Both phones ring; Alice cancels: the proxy answers the CANCEL, cancels
/// both branches, and passes the best of the two 487s back.
fn cancelled_call(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let w = world(sim, faults, Answer::Ring, Answer::Ring);
    register_bobs(sim, &w)?;
    act(sim, w.alice, "alice calls bob", |ua, cx| {
        ua.invite(cx, "bob")
    });
    run_until(sim, &w, |s| {
        ua(s, w.bob1).requests.len() == 1 && ua(s, w.bob2).requests.len() == 1
    })?;
    sim.run_for(Duration::from_secs(1))
        .map_err(|e| e.to_string())?;
    act(sim, w.alice, "alice cancels", |ua, cx| ua.cancel(cx));
    run_until(sim, &w, |s| !ua(s, w.alice).call_finals.is_empty())?;
    expect_eq("alice's finals", &ua(sim, w.alice).call_finals[..], &[487])?;
    settle(sim, &w)?;
    for b in [w.bob1, w.bob2] {
        expect_eq(
            "bob's core saw",
            &ua(sim, b).requests[..],
            &["INVITE", "CANCEL"].map(String::from),
        )?;
    }
    expect_eq("CANCELs", sim.node(w.proxy).stats().cancels_sent, 2)?;
    Ok(())
}

/// A user the domain does not have gets 404; one without bindings 480.
fn unknown_and_unavailable(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let w = world(sim, faults, Answer::Ring, Answer::Ring);
    act(sim, w.alice, "alice calls dave", |ua, cx| {
        ua.invite(cx, "dave")
    });
    run_until(sim, &w, |s| !ua(s, w.alice).call_finals.is_empty())?;
    act(sim, w.alice, "alice calls carol", |ua, cx| {
        ua.invite(cx, "carol")
    });
    run_until(sim, &w, |s| ua(s, w.alice).call_finals.len() == 2)?;
    expect_eq(
        "alice's finals",
        &ua(sim, w.alice).call_finals[..],
        &[404, 480],
    )?;
    settle(sim, &w)
}

/// bob1 declines everywhere (603) while bob2 rings: the proxy holds the
/// 6xx, cancels bob2, and sends the 603 once bob2's 487 is in (§16.7
/// step 5 and 6: a 6xx beats the 487).
fn declined_call(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let decline = Answer::After(Duration::from_secs(1), StatusCode::DECLINE);
    let w = world(sim, faults, decline, Answer::Ring);
    register_bobs(sim, &w)?;
    act(sim, w.alice, "alice calls bob", |ua, cx| {
        ua.invite(cx, "bob")
    });
    run_until(sim, &w, |s| !ua(s, w.alice).call_finals.is_empty())?;
    expect_eq("alice's finals", &ua(sim, w.alice).call_finals[..], &[603])?;
    settle(sim, &w)?;
    expect_eq(
        "bob2's core saw",
        &ua(sim, w.bob2).requests[..],
        &["INVITE", "CANCEL"].map(String::from),
    )?;
    expect_eq("CANCELs", sim.node(w.proxy).stats().cancels_sent, 1)?;
    Ok(())
}

/// A MESSAGE forks too; both phones answer 200 and only the first goes
/// back to Alice (§16.7 step 5: after a final response, only 2xx to an
/// INVITE are forwarded).
fn forked_message(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let w = world(sim, faults, Answer::Ring, Answer::Ring);
    register_bobs(sim, &w)?;
    act(sim, w.alice, "alice messages bob", |ua, cx| {
        ua.message(cx, "bob")
    });
    run_until(sim, &w, |s| !ua(s, w.alice).message_finals.is_empty())?;
    settle(sim, &w)?;
    expect_eq(
        "alice's finals",
        &ua(sim, w.alice).message_finals[..],
        &[200],
    )?;
    for b in [w.bob1, w.bob2] {
        expect_eq(
            "bob's core saw",
            &ua(sim, b).requests[..],
            &["MESSAGE".to_owned()],
        )?;
    }
    let oks = sim
        .received(w.alice)
        .iter()
        .filter(|m| m.label() == "200 OK")
        .count();
    // Retransmitted MESSAGEs are answered by the phones' transactions;
    // what reaches Alice is one 200 per MESSAGE she (re)sent, at most.
    let sent = sim
        .sent(w.alice)
        .iter()
        .filter(|m| m.label() == "MESSAGE")
        .count();
    if oks == 0 || oks > sent {
        return Err(format!("alice got {oks} 200s for {sent} MESSAGEs"));
    }
    Ok(())
}

static REGISTRATION: Scenario = Scenario {
    name: "fixture-registration",
    about: "REGISTER, 401, REGISTER with credentials, 200",
    body: registration,
};
static EXPIRY: Scenario = Scenario {
    name: "fixture-expiry",
    about: "423 and retry, binding lapse, Contact: *",
    body: expiry,
};
static FORKED_CALL: Scenario = Scenario {
    name: "fixture-forked-call",
    about: "INVITE forked to two contacts, 200 from one, CANCEL to the other, ACK and BYE through the proxy",
    body: forked_call,
};
static CANCELLED_CALL: Scenario = Scenario {
    name: "fixture-cancelled-call",
    about: "INVITE forked, CANCEL from the caller, 487 back",
    body: cancelled_call,
};
static DECLINED_CALL: Scenario = Scenario {
    name: "fixture-declined-call",
    about: "INVITE forked, 603 from one branch cancels the other, 603 back",
    body: declined_call,
};
static FORKED_MESSAGE: Scenario = Scenario {
    name: "fixture-forked-message",
    about: "MESSAGE forked to two contacts, both 200, one forwarded",
    body: forked_message,
};
static UNKNOWN: Scenario = Scenario {
    name: "fixture-404-480",
    about: "INVITE to an unknown user (404) and an unregistered one (480)",
    body: unknown_and_unavailable,
};

fn run_clean(s: &'static Scenario) -> Sim {
    let mut sim = Sim::new(1);
    if let Err(e) = (s.body)(&mut sim, &Faults::NONE) {
        panic!("{}: {e}\n{}", s.name, sim.ladder());
    }
    sim
}

/// Every seed of a short sweep with 20% loss passes and replays.
fn sweep_with_loss(s: &'static Scenario) {
    let faults = Faults {
        loss: 0.2,
        ..Faults::NONE
    };
    let mut cfg = SweepConfig::new(s, 100, 12, faults);
    cfg.jobs = 2;
    cfg.check_replay = true;
    let report = sweep(&cfg, &|_| {});
    let reasons: Vec<String> = report
        .failures
        .iter()
        .map(|f| format!("seed {}: {}", f.seed, f.reason))
        .collect();
    assert!(
        reasons.is_empty(),
        "{}\n{}",
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
