//! INVITE client transaction: RFC 3261 figure 5 with RFC 6026 figure 5.

use super::*;
use crate::transaction::build::OriginalRequest;
use crate::transport::TransportError;
use InviteClientState as S;

const INVITE: &[u8] = b"INVITE sip:bob@biloxi.com SIP/2.0\r\n...";

pub(super) fn original() -> OriginalRequest {
    OriginalRequest {
        uri: uri("sip:bob@biloxi.com"),
        via: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest;rport".into(),
        routes: vec!["<sip:p1.example.com;lr>".into()],
        from: "Alice <sip:alice@atlanta.com>;tag=1928301774".into(),
        to: "Bob <sip:bob@biloxi.com>".into(),
        call_id: "a84b4c76e66710".into(),
        cseq: 314159,
        max_forwards: Some("70".into()),
    }
}

/// Calling, started at 0.
pub(super) fn ict_calling(reliable: bool) -> InviteClient {
    InviteClient::start(
        t(0),
        &cfg(),
        INVITE.into(),
        original(),
        reliable,
        &mut Actions::new(),
    )
}

/// Proceeding after a 180 at 100 ms.
pub(super) fn ict_proceeding(reliable: bool) -> InviteClient {
    let mut m = ict_calling(reliable);
    m.on_response(
        t(100),
        &cfg(),
        response(180, "INVITE", Some("b1")),
        &mut Actions::new(),
    );
    m
}

/// Completed after a 486 at 200 ms (unreliable only: reliable terminates).
pub(super) fn ict_completed() -> InviteClient {
    let mut m = ict_proceeding(false);
    m.on_response(
        t(200),
        &cfg(),
        response(486, "INVITE", Some("b1")),
        &mut Actions::new(),
    );
    m
}

/// Accepted after a 200 at 200 ms.
pub(super) fn ict_accepted(reliable: bool) -> InviteClient {
    let mut m = ict_proceeding(reliable);
    m.on_response(
        t(200),
        &cfg(),
        response(200, "INVITE", Some("b1")),
        &mut Actions::new(),
    );
    m
}

fn ack_for(to_tag: &str) -> Vec<u8> {
    original()
        .ack(&format!("<sip:bob@biloxi.com>;tag={to_tag}"))
        .to_bytes()
}

#[test]
fn start_enters_calling_and_arms_a_and_b() {
    let mut out = Actions::new();
    let m = InviteClient::start(t(0), &cfg(), INVITE.into(), original(), false, &mut out);
    assert_eq!(
        out,
        [
            Action::Transmit(INVITE.into()),
            Action::Arm(Timer::A, t(500)),
            Action::Arm(Timer::B, t(32_000))
        ]
    );
    assert_eq!(m.state().to_string(), "Calling");
    // Reliable: no Timer A (§17.1.1.2).
    let mut out = Actions::new();
    InviteClient::start(t(0), &cfg(), INVITE.into(), original(), true, &mut out);
    assert_eq!(
        out,
        [
            Action::Transmit(INVITE.into()),
            Action::Arm(Timer::B, t(32_000))
        ]
    );
}

#[test]
fn timer_a_doubles_without_cap_until_timer_b() {
    let mut m = ict_calling(false);
    let mut sent_at = Vec::new();
    let now = loop {
        let next = [Timer::A, Timer::B]
            .into_iter()
            .filter_map(|x| m.deadline(x).map(|d| (d, x)))
            .min()
            .unwrap();
        let now = next.0;
        let out = acts(|o| m.on_timer(now, &cfg(), next.1, o));
        if next.1 == Timer::B {
            assert_eq!(out, [Action::Timeout(Timer::B), Action::Terminated]);
            break now;
        }
        assert_eq!(out[0], Action::Transmit(INVITE.into()));
        sent_at.push(now.as_millis());
    };
    // T1, 2T1, 4T1, 8T1, 16T1, 32T1 intervals: 6 retransmissions.
    assert_eq!(sent_at, [500, 1_500, 3_500, 7_500, 15_500, 31_500]);
    assert_eq!(now, t(32_000));
    assert_eq!(m.transmissions(), 7);
    assert_eq!(*m.state(), S::Terminated);
}

#[test]
fn timer_a_rearms_at_twice_the_interval() {
    let mut m = ict_calling(false);
    assert_eq!(
        acts(|o| m.on_timer(t(500), &cfg(), Timer::A, o)),
        [
            Action::Transmit(INVITE.into()),
            Action::Arm(Timer::A, t(1_500))
        ]
    );
    assert_eq!(
        acts(|o| m.on_timer(t(1_500), &cfg(), Timer::A, o)),
        [
            Action::Transmit(INVITE.into()),
            Action::Arm(Timer::A, t(3_500))
        ]
    );
}

#[test]
fn timers_not_due_or_not_armed_are_ignored() {
    let mut m = ict_calling(false);
    assert_eq!(acts(|o| m.on_timer(t(499), &cfg(), Timer::A, o)), []);
    assert_eq!(acts(|o| m.on_timer(t(40_000), &cfg(), Timer::D, o)), []);
    let mut r = ict_calling(true);
    assert_eq!(acts(|o| r.on_timer(t(500), &cfg(), Timer::A, o)), []);
}

#[test]
fn calling_timer_b_informs_tu() {
    for reliable in BOTH {
        let mut m = ict_calling(reliable);
        assert_eq!(
            acts(|o| m.on_timer(t(32_000), &cfg(), Timer::B, o)),
            [Action::Timeout(Timer::B), Action::Terminated]
        );
    }
}

#[test]
fn calling_1xx_to_proceeding() {
    for reliable in BOTH {
        let mut m = ict_calling(reliable);
        let r = response(100, "INVITE", None);
        assert_eq!(
            acts(|o| m.on_response(t(50), &cfg(), r.clone(), o)),
            [Action::Response(r)]
        );
        assert_eq!(*m.state(), S::Proceeding);
        // No more retransmissions, no timeout in Proceeding.
        assert_eq!(m.deadline(Timer::A), None);
        assert_eq!(m.deadline(Timer::B), None);
    }
}

#[test]
fn calling_2xx_to_accepted_with_timer_m() {
    for reliable in BOTH {
        let mut m = ict_calling(reliable);
        let r = response(200, "INVITE", Some("b1"));
        assert_eq!(
            acts(|o| m.on_response(t(300), &cfg(), r.clone(), o)),
            [Action::Response(r), Action::Arm(Timer::M, t(32_300))]
        );
        assert_eq!(*m.state(), S::Accepted { timer_m: t(32_300) });
    }
}

#[test]
fn calling_non_2xx_final_acks_and_completes() {
    let mut m = ict_calling(false);
    let r = response(404, "INVITE", Some("b2"));
    assert_eq!(
        acts(|o| m.on_response(t(300), &cfg(), r.clone(), o)),
        [
            Action::Transmit(ack_for("b2").into()),
            Action::Response(r.clone()),
            Action::Arm(Timer::D, t(32_300))
        ]
    );
    assert_eq!(m.state().name(), State::Completed);
    // Reliable: Timer D is zero, Terminated at once.
    let mut m = ict_calling(true);
    assert_eq!(
        acts(|o| m.on_response(t(300), &cfg(), r.clone(), o)),
        [
            Action::Transmit(ack_for("b2").into()),
            Action::Response(r),
            Action::Terminated
        ]
    );
}

#[test]
fn calling_transport_error_informs_tu() {
    for reliable in BOTH {
        let mut m = ict_calling(reliable);
        assert_eq!(
            acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
            [
                Action::TransportError(TransportError::Unreachable),
                Action::Terminated
            ]
        );
    }
}

#[test]
fn proceeding_1xx_passed_up() {
    for reliable in BOTH {
        let mut m = ict_proceeding(reliable);
        let r = response(183, "INVITE", Some("b1"));
        assert_eq!(
            acts(|o| m.on_response(t(150), &cfg(), r.clone(), o)),
            [Action::Response(r)]
        );
        assert_eq!(*m.state(), S::Proceeding);
    }
}

#[test]
fn proceeding_2xx_to_accepted() {
    for reliable in BOTH {
        let mut m = ict_proceeding(reliable);
        let r = response(200, "INVITE", Some("b1"));
        assert_eq!(
            acts(|o| m.on_response(t(1_000), &cfg(), r.clone(), o)),
            [Action::Response(r), Action::Arm(Timer::M, t(33_000))]
        );
    }
}

#[test]
fn proceeding_non_2xx_final_to_completed() {
    let mut m = ict_proceeding(false);
    let r = response(486, "INVITE", Some("b1"));
    assert_eq!(
        acts(|o| m.on_response(t(1_000), &cfg(), r.clone(), o)),
        [
            Action::Transmit(ack_for("b1").into()),
            Action::Response(r),
            Action::Arm(Timer::D, t(33_000))
        ]
    );
    assert_eq!(m.deadline(Timer::D), Some(t(33_000)));
}

#[test]
fn proceeding_ignores_transport_errors() {
    // Figure 5 has no transport error arc from Proceeding: nothing is sent.
    let mut m = ict_proceeding(false);
    assert_eq!(
        acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
        []
    );
}

#[test]
fn completed_resends_ack_for_retransmitted_final() {
    let mut m = ict_completed();
    assert_eq!(
        acts(|o| m.on_response(t(700), &cfg(), response(486, "INVITE", Some("b1")), o)),
        [Action::Transmit(ack_for("b1").into())]
    );
    // 1xx and 2xx are absorbed.
    assert_eq!(
        acts(|o| m.on_response(t(800), &cfg(), response(180, "INVITE", Some("b1")), o)),
        []
    );
    assert_eq!(
        acts(|o| m.on_response(t(800), &cfg(), response(200, "INVITE", Some("b1")), o)),
        []
    );
}

#[test]
fn completed_timer_d_terminates() {
    let mut m = ict_completed();
    assert_eq!(m.deadline(Timer::D), Some(t(32_200)));
    assert_eq!(acts(|o| m.on_timer(t(32_199), &cfg(), Timer::D, o)), []);
    assert_eq!(
        acts(|o| m.on_timer(t(32_200), &cfg(), Timer::D, o)),
        [Action::Terminated]
    );
}

#[test]
fn completed_transport_error_informs_tu() {
    let mut m = ict_completed();
    assert_eq!(
        acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
        [
            Action::TransportError(TransportError::Unreachable),
            Action::Terminated
        ]
    );
}

#[test]
fn accepted_passes_every_2xx_and_absorbs_others() {
    for reliable in BOTH {
        let mut m = ict_accepted(reliable);
        let again = response(200, "INVITE", Some("b1"));
        let fork = response(200, "INVITE", Some("b2"));
        assert_eq!(
            acts(|o| m.on_response(t(700), &cfg(), again.clone(), o)),
            [Action::Response(again)]
        );
        assert_eq!(
            acts(|o| m.on_response(t(800), &cfg(), fork.clone(), o)),
            [Action::Response(fork)]
        );
        assert_eq!(
            acts(|o| m.on_response(t(900), &cfg(), response(486, "INVITE", Some("b3")), o)),
            []
        );
        assert_eq!(
            acts(|o| m.on_response(t(900), &cfg(), response(180, "INVITE", Some("b3")), o)),
            []
        );
        assert_eq!(
            acts(|o| m.on_transport_error(TransportError::Unreachable, o)),
            []
        );
    }
}

#[test]
fn accepted_timer_m_terminates() {
    for reliable in BOTH {
        let mut m = ict_accepted(reliable);
        assert_eq!(
            acts(|o| m.on_timer(t(32_200), &cfg(), Timer::M, o)),
            [Action::Terminated]
        );
        assert_eq!(m.state().to_string(), "Terminated");
    }
}

#[test]
fn ack_copies_the_invite_fields() {
    let ack = original().ack("<sip:bob@biloxi.com>;tag=b9");
    assert_eq!(ack.method, Method::Ack);
    let h = &ack.headers;
    assert_eq!(
        h.get(&HeaderName::Via),
        Some("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest;rport")
    );
    assert_eq!(h.count(&HeaderName::Via), 1);
    assert_eq!(h.get(&HeaderName::Route), Some("<sip:p1.example.com;lr>"));
    assert_eq!(h.get(&HeaderName::To), Some("<sip:bob@biloxi.com>;tag=b9"));
    assert_eq!(h.get(&HeaderName::CSeq), Some("314159 ACK"));
    assert_eq!(h.get(&HeaderName::CallId), Some("a84b4c76e66710"));
    let cancel = original().cancel();
    assert_eq!(
        cancel.headers.get(&HeaderName::To),
        Some("Bob <sip:bob@biloxi.com>")
    );
    assert_eq!(cancel.headers.get(&HeaderName::CSeq), Some("314159 CANCEL"));
}

#[test]
fn packed_fields_are_the_copied_fields() {
    use crate::message::Request;
    use crate::transaction::build::PackedOriginal;
    let o = original();
    let mut r = Request::new(crate::method::Method::Invite, o.uri.clone());
    r.headers.push(
        HeaderName::Via,
        format!("{}, SIP/2.0/UDP p;branch=z9hG4bK2", o.via),
    );
    r.headers.push(HeaderName::Route, &o.routes[0]);
    r.headers.push(HeaderName::From, &o.from);
    r.headers.push(HeaderName::Route, "<sip:p2.example.com;lr>");
    r.headers.push(HeaderName::To, &o.to);
    r.headers.push(HeaderName::CallId, &o.call_id);
    r.headers.push(HeaderName::CSeq, "314159 INVITE");
    let check = |r: &Request| {
        let wire = r.to_bytes();
        let packed = PackedOriginal::from_request(r, &wire).map(|p| p.unpack(&wire));
        assert_eq!(packed, OriginalRequest::from_request(r));
        // As the layer builds it, with the CSeq number it read.
        let known = crate::transaction::key::cseq(&r.headers).map(|c| c.0);
        if known.is_some() {
            let with = PackedOriginal::with_cseq(r, known, &wire, None).map(|p| p.unpack(&wire));
            assert_eq!(with, packed);
        }
        packed
    };
    assert_eq!(check(&r).unwrap().routes.len(), 2);
    r.headers.push(HeaderName::MaxForwards, "69");
    assert_eq!(check(&r).unwrap().max_forwards.as_deref(), Some("69"));
    // Repeated lines: the first counts (Route: all, in order).
    let mut twice = r.clone();
    for name in [
        HeaderName::To,
        HeaderName::MaxForwards,
        HeaderName::CallId,
        HeaderName::Via,
    ] {
        twice.headers.push(name, "<sip:later@example.com>");
    }
    twice
        .headers
        .push(HeaderName::Route, "<sip:p3.example.com;lr>");
    assert_eq!(check(&twice).unwrap().routes.len(), 3);
    r.headers.remove(&HeaderName::Route);
    check(&r);
    for missing in [HeaderName::To, HeaderName::Via, HeaderName::CSeq] {
        let mut r = r.clone();
        r.headers.remove(&missing);
        assert!(check(&r).is_none());
    }
    // Places in the wire form stay right past a Content-Length line (not
    // written as is), an extension header and a body.
    let mut with_body = r.clone();
    with_body.headers.push(HeaderName::ContentLength, "999");
    with_body.headers.push(HeaderName::parse("X-Extra"), "1");
    with_body
        .headers
        .push(HeaderName::Route, "<sip:p4.example.com;lr>");
    with_body.body = vec![b'x'; 1234];
    assert_eq!(check(&with_body).unwrap().routes.len(), 1);
    // The transaction unpacks them for its ACK and CANCEL.
    let wire = r.to_bytes();
    let packed = PackedOriginal::from_request(&r, &wire).unwrap();
    let mut out = Actions::new();
    let m = InviteClient::start_packed(t(0), &cfg(), wire.into(), packed, false, &mut out);
    assert_eq!(
        Some(m.original()),
        OriginalRequest::from_request(&r).as_ref()
    );
}

/// The Request-URI a packed INVITE gives its CANCEL and ACK is written as
/// the INVITE's was, whatever the TU put in it: parsed when it reads back
/// the same, else kept verbatim.
#[test]
fn packed_request_uri_is_written_as_the_invite_was() {
    use crate::message::Request;
    use crate::transaction::build::PackedOriginal;
    let o = original();
    let written = |u: &crate::uri::Uri| {
        let mut out = Vec::new();
        u.write_to(&mut out);
        out
    };
    let mut odd = crate::uri::Uri::parse("sip:bob@biloxi.example.com;transport=udp").unwrap();
    let crate::uri::Uri::Sip(s) = &mut odd else {
        unreachable!()
    };
    s.user = Some("b o@b".to_owned());
    for uri in [
        o.uri.clone(),
        crate::uri::Uri::parse("sips:[2001:db8::1]:5061;lr?Subject=x").unwrap(),
        crate::uri::Uri::parse("tel:+1-201-555-0123").unwrap(),
        crate::uri::Uri::parse("urn:service:sos").unwrap(),
        odd,
    ] {
        let mut r = Request::new(crate::method::Method::Invite, uri.clone());
        r.headers.push(HeaderName::Via, &o.via);
        r.headers.push(HeaderName::From, &o.from);
        r.headers.push(HeaderName::To, &o.to);
        r.headers.push(HeaderName::CallId, &o.call_id);
        r.headers.push(HeaderName::CSeq, "1 INVITE");
        let wire = r.to_bytes();
        let packed = PackedOriginal::from_request(&r, &wire)
            .unwrap()
            .unpack(&wire);
        assert_eq!(written(&packed.uri), written(&uri));
        assert_eq!(written(&packed.cancel().uri), written(&uri));
    }
}
