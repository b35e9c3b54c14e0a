//! Registerer scenarios (SIP.js registration.spec.ts checklist) against a
//! scripted registrar: register / refresh / unregister / unregister-all,
//! expiry sources, 423 with Min-Expires, digest, 500/503 with
//! Retry-After, timeout, dispose, reg-id and +sip.instance, NAT contact
//! correction.

mod support;

use sip_core::auth::Credentials;
use sip_core::header::HeaderName;
use sip_core::message::{Message, Request, Response};
use sip_core::time::Duration;
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::*;
use RegistererState::*;

const SECOND: Duration = Duration::from_secs(1);

fn setup(tweak: impl FnOnce(&mut UserAgentConfig)) -> (Net, usize, usize) {
    let mut net = Net::new(7, Impairments::PERFECT);
    let alice = net.add("alice", 1, tweak);
    let registrar = net.add_raw("registrar");
    (net, alice, registrar)
}

fn options(net: &Net, registrar: usize) -> RegistererOptions {
    RegistererOptions {
        registrar: Some(
            sip_core::uri::Uri::parse(&format!("sip:{}", net.nodes[registrar].addr)).unwrap(),
        ),
        ..RegistererOptions::default()
    }
}

/// The REGISTERs the registrar received, in order, retransmissions
/// counted once.
fn registers(net: &Net, registrar: usize) -> Vec<Request> {
    let mut out: Vec<Request> = Vec::new();
    for m in net.inbox(registrar) {
        if let Message::Request(r) = m {
            let cseq = r.headers.get(&HeaderName::CSeq);
            if r.method == Method::Register
                && !out.iter().any(|o| o.headers.get(&HeaderName::CSeq) == cseq)
            {
                out.push(r.clone());
            }
        }
    }
    out
}

/// `req` as if it had crossed a NAT: its Via gets received and rport.
fn natted(req: &Request) -> Request {
    let mut r = req.clone();
    let via = r
        .headers
        .get(&HeaderName::Via)
        .unwrap()
        .replace(";rport", "");
    r.headers.set(
        HeaderName::Via,
        format!("{via};received=203.0.113.7;rport=40123"),
    );
    r
}

fn last_register(net: &Net, registrar: usize) -> Request {
    registers(net, registrar).pop().expect("a REGISTER")
}

/// Answers `req` from the registrar with `status` and `headers`; `echo`
/// copies the request's Contacts with `;expires=N`.
fn answer(
    net: &mut Net,
    registrar: usize,
    alice: usize,
    req: &Request,
    status: StatusCode,
    headers: &[(HeaderName, &str)],
) {
    let mut r = Response::from_request(req, status);
    if !r
        .headers
        .get(&HeaderName::To)
        .is_some_and(|to| to.contains("tag="))
    {
        r.headers.append_to_first(&HeaderName::To, &[";tag=reg1"]);
    }
    for (n, v) in headers {
        r.headers.push(n.clone(), *v);
    }
    net.inject(registrar, alice, &r.to_bytes());
    net.run_for(Duration::from_millis(50));
}

fn contact_uri(req: &Request) -> String {
    let c = req.headers.get(&HeaderName::Contact).unwrap();
    c.split('>')
        .next()
        .unwrap()
        .trim_start_matches('<')
        .to_owned()
}

fn states(net: &Net, alice: usize) -> Vec<RegistererState> {
    net.events(alice)
        .filter_map(|e| match e {
            Event::RegistererStateChanged { to, .. } => Some(*to),
            _ => None,
        })
        .collect()
}

fn failures(net: &Net, alice: usize) -> Vec<(u16, Option<u32>)> {
    net.events(alice)
        .filter_map(|e| match e {
            Event::RegistrationFailed {
                status,
                retry_after,
                ..
            } => Some((status.as_u16(), *retry_after)),
            _ => None,
        })
        .collect()
}

fn start(net: &mut Net, alice: usize, opts: RegistererOptions) -> RegistererId {
    let now = net.now;
    let id = net.ua(alice).create_registerer(opts);
    net.ua(alice).registerer(id).unwrap().register(now).unwrap();
    net.run_for(Duration::from_millis(50));
    id
}

fn state(net: &mut Net, alice: usize, id: RegistererId) -> Option<RegistererState> {
    net.ua(alice).registerer(id).map(|r| r.state())
}

#[test]
fn register_200_registers_and_refreshes_before_expiry() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    assert_eq!(state(&mut net, alice, id), Some(Initial));
    let req = last_register(&net, reg);
    assert_eq!(req.uri.to_string(), format!("sip:{}", net.nodes[reg].addr));
    let c = req.headers.get(&HeaderName::Contact).unwrap();
    assert!(c.ends_with(";expires=600"), "{c}");
    assert_eq!(req.headers.get(&HeaderName::Expires), Some("600"));
    assert!(req.headers.get(&HeaderName::From).unwrap().contains("tag="));
    assert!(!req.headers.get(&HeaderName::To).unwrap().contains("tag="));
    let contact = format!("<{}>;expires=100", contact_uri(&req));
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    assert_eq!(state(&mut net, alice, id), Some(Registered));
    assert_eq!(net.ua(alice).registerer(id).unwrap().expires(), Some(100));
    // Refresh at 90 % of 100 s, same Call-ID, next CSeq.
    net.run_for(SECOND * 89);
    assert_eq!(registers(&net, reg).len(), 1);
    net.run_for(SECOND * 2);
    let regs = registers(&net, reg);
    assert_eq!(regs.len(), 2, "refresh sent at 90 s");
    assert_eq!(
        regs[0].headers.get(&HeaderName::CallId),
        regs[1].headers.get(&HeaderName::CallId)
    );
    assert_eq!(regs[1].headers.get(&HeaderName::CSeq), Some("2 REGISTER"));
    let contact = format!("<{}>;expires=100", contact_uri(&regs[1]));
    answer(
        &mut net,
        reg,
        alice,
        &regs[1],
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    // Still registered past the first expiry.
    net.run_for(SECOND * 20);
    assert_eq!(state(&mut net, alice, id), Some(Registered));
    assert_eq!(states(&net, alice), vec![Registered]);
}

#[test]
fn expiry_without_refresh_answer_unregisters() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    let contact = format!("<{}>;expires=60", contact_uri(&req));
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    // The refresh is never answered: at 60 s the binding is gone.
    net.run_for(SECOND * 61);
    assert_eq!(state(&mut net, alice, id), Some(Unregistered));
    net.run_for(SECOND * 40);
    assert_eq!(failures(&net, alice), vec![(408, None)]);
}

#[test]
fn expires_from_header_then_from_request_when_missing() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    let contact = format!("<{}>", contact_uri(&req));
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::OK,
        &[
            (HeaderName::Contact, &contact),
            (HeaderName::Expires, "300"),
        ],
    );
    assert_eq!(net.ua(alice).registerer(id).unwrap().expires(), Some(300));
    let now = net.now;
    net.ua(alice).registerer(id).unwrap().register(now).unwrap();
    net.run_for(Duration::from_millis(50));
    let req = last_register(&net, reg);
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    assert_eq!(
        net.ua(alice).registerer(id).unwrap().expires(),
        Some(600),
        "no expires anywhere: what was asked"
    );
}

#[test]
fn a_2xx_without_our_contact_means_unregistered() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::OK,
        &[(HeaderName::Contact, "<sip:someone@192.0.2.99>;expires=600")],
    );
    assert_eq!(state(&mut net, alice, id), Some(Unregistered));
}

#[test]
fn interval_too_brief_is_retried_with_min_expires() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::INTERVAL_TOO_BRIEF,
        &[(HeaderName::MinExpires, "1800")],
    );
    let regs = registers(&net, reg);
    assert_eq!(regs.len(), 2);
    assert_eq!(regs[1].headers.get(&HeaderName::Expires), Some("1800"));
    let contact = format!("<{}>;expires=1800", contact_uri(&regs[1]));
    answer(
        &mut net,
        reg,
        alice,
        &regs[1],
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    assert_eq!(state(&mut net, alice, id), Some(Registered));
    assert!(failures(&net, alice).is_empty());
}

#[test]
fn interval_too_brief_without_min_expires_fails() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::INTERVAL_TOO_BRIEF,
        &[],
    );
    assert_eq!(registers(&net, reg).len(), 1);
    assert_eq!(state(&mut net, alice, id), Some(Unregistered));
    assert_eq!(failures(&net, alice), vec![(423, None)]);
}

const CHALLENGE: &str =
    "Digest realm=\"example.com\", nonce=\"n0nce\", qop=\"auth\", algorithm=MD5";

#[test]
fn digest_challenge_is_answered() {
    let (mut net, alice, reg) = setup(|c| {
        c.credentials = Some(Credentials::password("alice", "secret"));
    });
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::UNAUTHORIZED,
        &[(HeaderName::WwwAuthenticate, CHALLENGE)],
    );
    let regs = registers(&net, reg);
    assert_eq!(regs.len(), 2);
    let auth = regs[1].headers.get(&HeaderName::Authorization).unwrap();
    assert!(auth.contains("username=\"alice\""), "{auth}");
    assert_eq!(regs[1].headers.get(&HeaderName::CSeq), Some("2 REGISTER"));
    let contact = format!("<{}>;expires=600", contact_uri(&regs[1]));
    answer(
        &mut net,
        reg,
        alice,
        &regs[1],
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    assert_eq!(state(&mut net, alice, id), Some(Registered));
    // The same nonce again means the credentials were refused.
    let now = net.now;
    net.ua(alice).registerer(id).unwrap().register(now).unwrap();
    net.run_for(Duration::from_millis(50));
    let req = last_register(&net, reg);
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::UNAUTHORIZED,
        &[(HeaderName::WwwAuthenticate, CHALLENGE)],
    );
    let req = last_register(&net, reg);
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::UNAUTHORIZED,
        &[(HeaderName::WwwAuthenticate, CHALLENGE)],
    );
    assert_eq!(failures(&net, alice), vec![(401, None)]);
    assert_eq!(state(&mut net, alice, id), Some(Unregistered));
}

#[test]
fn a_challenge_without_credentials_fails() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::PROXY_AUTHENTICATION_REQUIRED,
        &[(HeaderName::ProxyAuthenticate, CHALLENGE)],
    );
    assert_eq!(registers(&net, reg).len(), 1);
    assert_eq!(failures(&net, alice), vec![(407, None)]);
    assert_eq!(state(&mut net, alice, id), Some(Unregistered));
}

#[test]
fn service_unavailable_with_retry_after_retries_later() {
    for status in [
        StatusCode::SERVICE_UNAVAILABLE,
        StatusCode::SERVER_INTERNAL_ERROR,
    ] {
        let (mut net, alice, reg) = setup(|_| {});
        let o = options(&net, reg);
        let id = start(&mut net, alice, o);
        let req = last_register(&net, reg);
        answer(
            &mut net,
            reg,
            alice,
            &req,
            status,
            &[(HeaderName::RetryAfter, "30")],
        );
        assert_eq!(state(&mut net, alice, id), Some(Unregistered));
        assert_eq!(
            net.ua(alice).registerer(id).unwrap().retry_after(),
            Some(30)
        );
        assert_eq!(failures(&net, alice), vec![(status.as_u16(), Some(30))]);
        net.run_for(SECOND * 29);
        assert_eq!(registers(&net, reg).len(), 1);
        net.run_for(SECOND * 2);
        assert_eq!(registers(&net, reg).len(), 2, "retried after Retry-After");
    }
}

#[test]
fn other_failures_unregister_without_retry() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    answer(&mut net, reg, alice, &req, StatusCode::FORBIDDEN, &[]);
    assert_eq!(state(&mut net, alice, id), Some(Unregistered));
    net.run_for(SECOND * 700);
    assert_eq!(registers(&net, reg).len(), 1);
    assert_eq!(failures(&net, alice), vec![(403, None)]);
}

#[test]
fn timeout_is_a_408_failure() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    net.run_for(SECOND * 40);
    assert_eq!(state(&mut net, alice, id), Some(Unregistered));
    assert_eq!(failures(&net, alice), vec![(408, None)]);
    assert!(net.inbox(reg).len() > 5, "Timer E retransmissions");
    assert_eq!(registers(&net, reg).len(), 1);
}

#[test]
fn transport_error_is_a_503_failure() {
    let (mut net, alice, _reg) = setup(|_| {});
    let now = net.now;
    let opts = RegistererOptions {
        registrar: Some(sip_core::uri::Uri::parse("sip:192.0.2.200").unwrap()),
        ..RegistererOptions::default()
    };
    let id = net.ua(alice).create_registerer(opts);
    net.ua(alice).registerer(id).unwrap().register(now).unwrap();
    let t = net.ua(alice).poll_transmit().expect("the REGISTER");
    net.ua(alice).handle_transport_error(
        now,
        t.destination,
        sip_core::transport::TransportError::Unreachable,
    );
    net.drain();
    assert_eq!(state(&mut net, alice, id), Some(Unregistered));
    assert_eq!(failures(&net, alice), vec![(503, None)]);
}

#[test]
fn one_register_at_a_time() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let now = net.now;
    assert_eq!(
        net.ua(alice).registerer(id).unwrap().register(now),
        Err(RoleError::RequestPending)
    );
    assert_eq!(
        net.ua(alice).registerer(id).unwrap().unregister(now),
        Err(RoleError::RequestPending)
    );
}

#[test]
fn unregister_and_unregister_all() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    let contact = format!("<{}>;expires=600", contact_uri(&req));
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    let now = net.now;
    net.ua(alice)
        .registerer(id)
        .unwrap()
        .unregister(now)
        .unwrap();
    net.run_for(Duration::from_millis(50));
    let req = last_register(&net, reg);
    assert!(req
        .headers
        .get(&HeaderName::Contact)
        .unwrap()
        .contains(";expires=0"));
    assert_eq!(req.headers.get(&HeaderName::Expires), Some("0"));
    answer(&mut net, reg, alice, &req, StatusCode::OK, &[]);
    assert_eq!(state(&mut net, alice, id), Some(Unregistered));
    let now = net.now;
    net.ua(alice)
        .registerer(id)
        .unwrap()
        .unregister_all(now)
        .unwrap();
    net.run_for(Duration::from_millis(50));
    let req = last_register(&net, reg);
    assert_eq!(req.headers.get(&HeaderName::Contact), Some("*"));
    assert_eq!(req.headers.get(&HeaderName::Expires), Some("0"));
    answer(&mut net, reg, alice, &req, StatusCode::OK, &[]);
    assert_eq!(states(&net, alice), vec![Registered, Unregistered]);
    // No refresh after unregistering.
    net.run_for(SECOND * 700);
    assert_eq!(registers(&net, reg).len(), 3);
}

#[test]
fn dispose_when_registered_unregisters_then_terminates() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let req = last_register(&net, reg);
    let contact = format!("<{}>;expires=600", contact_uri(&req));
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    let now = net.now;
    net.ua(alice).registerer(id).unwrap().dispose(now);
    net.run_for(Duration::from_millis(50));
    let req = last_register(&net, reg);
    assert_eq!(req.headers.get(&HeaderName::Expires), Some("0"));
    assert_eq!(
        net.ua(alice).registerer(id).unwrap().register(now),
        Err(RoleError::Terminated)
    );
    answer(&mut net, reg, alice, &req, StatusCode::OK, &[]);
    assert_eq!(
        states(&net, alice),
        vec![Registered, Unregistered, Terminated]
    );
    assert!(net.ua(alice).registerer(id).is_none());
}

#[test]
fn dispose_while_registering_waits_then_unregisters() {
    let (mut net, alice, reg) = setup(|_| {});
    let o = options(&net, reg);
    let id = start(&mut net, alice, o);
    let now = net.now;
    net.ua(alice).registerer(id).unwrap().dispose(now);
    let req = last_register(&net, reg);
    let contact = format!("<{}>;expires=600", contact_uri(&req));
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    let regs = registers(&net, reg);
    assert_eq!(regs.len(), 2, "REGISTER, REGISTER expires=0");
    answer(&mut net, reg, alice, &regs[1], StatusCode::OK, &[]);
    assert_eq!(
        states(&net, alice),
        vec![Registered, Unregistered, Terminated]
    );
}

#[test]
fn dispose_in_initial_terminates_at_once() {
    let (mut net, alice, _reg) = setup(|_| {});
    let id = net
        .ua(alice)
        .create_registerer(RegistererOptions::default());
    let now = net.now;
    net.ua(alice).registerer(id).unwrap().dispose(now);
    net.drain();
    assert_eq!(states(&net, alice), vec![Terminated]);
    assert!(net.ua(alice).poll_transmit().is_none());
}

#[test]
fn instance_and_reg_id_in_contact() {
    let (mut net, alice, reg) = setup(|_| {});
    let opts = RegistererOptions {
        instance_id: Some("urn:uuid:00000000-0000-1000-8000-000A95A0E128".to_owned()),
        reg_id: Some(1),
        ..options(&net, reg)
    };
    start(&mut net, alice, opts);
    let req = last_register(&net, reg);
    let c = req.headers.get(&HeaderName::Contact).unwrap();
    assert!(c.contains(";reg-id=1"), "{c}");
    assert!(
        c.contains(";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\""),
        "{c}"
    );
}

#[test]
fn several_contacts_are_bound() {
    let (mut net, alice, reg) = setup(|_| {});
    let opts = RegistererOptions {
        contacts: vec![
            sip_core::uri::Uri::parse("sip:alice@192.0.2.10:5060").unwrap(),
            sip_core::uri::Uri::parse("sip:alice@192.0.2.10:5062;transport=tcp").unwrap(),
        ],
        ..options(&net, reg)
    };
    let id = start(&mut net, alice, opts);
    let req = last_register(&net, reg);
    assert_eq!(req.headers.values(&HeaderName::Contact).count(), 2);
    answer(
        &mut net,
        reg,
        alice,
        &req,
        StatusCode::OK,
        &[(
            HeaderName::Contact,
            "<sip:alice@192.0.2.10:5060>;expires=200, <sip:alice@192.0.2.10:5062;transport=tcp>;expires=200",
        )],
    );
    assert_eq!(state(&mut net, alice, id), Some(Registered));
    assert_eq!(net.ua(alice).registerer(id).unwrap().expires(), Some(200));
}

#[test]
fn nat_received_and_rport_correct_the_contact() {
    let (mut net, alice, reg) = setup(|_| {});
    let opts = RegistererOptions {
        follow_nat: true,
        ..options(&net, reg)
    };
    let id = start(&mut net, alice, opts);
    let req = last_register(&net, reg);
    let contact = format!("<{}>;expires=600", contact_uri(&req));
    let req_nat = natted(&req);
    answer(
        &mut net,
        reg,
        alice,
        &req_nat,
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    let regs = registers(&net, reg);
    assert_eq!(regs.len(), 2, "re-registered with the public address");
    assert_eq!(contact_uri(&regs[1]), "sip:alice@203.0.113.7:40123");
    assert!(net
        .events(alice)
        .any(|e| matches!(e, Event::RegistererContactChanged { .. })));
    let contact = format!("<{}>;expires=600", contact_uri(&regs[1]));
    let req_nat = natted(&regs[1]);
    answer(
        &mut net,
        reg,
        alice,
        &req_nat,
        StatusCode::OK,
        &[(HeaderName::Contact, &contact)],
    );
    assert_eq!(registers(&net, reg).len(), 2, "no change: no new REGISTER");
    assert_eq!(state(&mut net, alice, id), Some(Registered));
    assert_eq!(
        net.ua(alice).registerer(id).unwrap().contacts()[0].to_string(),
        "sip:alice@203.0.113.7:40123"
    );
}
