//! The layer end to end: client and server flows over UDP, timers through
//! `poll_timeout`/`handle_timeout`.

use super::wire::*;
use super::*;
use crate::transport::Transmit;

fn run_timers_until(
    l: &mut TransactionLayer,
    until: Instant,
) -> Vec<(Instant, Vec<Transmit>, Vec<Event>)> {
    let mut log = Vec::new();
    while let Some(d) = l.poll_timeout() {
        if d > until {
            break;
        }
        l.handle_timeout(d);
        let (tx, ev) = drain(l);
        log.push((d, tx, ev));
    }
    log
}

#[test]
fn client_non_invite_over_udp() {
    let mut l = layer();
    let id = l
        .send_request(t(0), outgoing(Method::Options, 1), to_peer())
        .unwrap();
    let (tx, ev) = drain(&mut l);
    assert!(ev.is_empty());
    let (dest, text) = one_transmit(&tx);
    assert_eq!(dest, to_peer());
    // §8.1.1.7 / §18.1.1 / RFC 3581: our Via with a fresh branch and rport.
    let req = parsed_request(text.as_bytes());
    let via = req.headers.get(&HeaderName::Via).unwrap();
    assert!(
        via.starts_with("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK"),
        "{via}"
    );
    assert!(via.ends_with(";rport"), "{via}");
    assert_eq!(req.headers.get(&HeaderName::MaxForwards), Some("70"));
    assert_eq!(l.state(id), Some(State::Trying));
    assert_eq!(l.poll_timeout(), Some(t(500)));

    // Timer E retransmits the same bytes.
    l.handle_timeout(t(500));
    let (tx2, _) = drain(&mut l);
    assert_eq!(tx2, tx);
    assert_eq!(l.poll_timeout(), Some(t(1_500)));

    // 200 OK: to the TU, Completed, Timer K = T4.
    let ok = peer_response(&tx[0].payload, 200, Some("b1"));
    l.handle_datagram(t(600), local(), peer(), &ok);
    let (tx, ev) = drain(&mut l);
    assert!(tx.is_empty());
    assert!(
        matches!(&ev[..], [Event::Response { id: i, response }] if *i == id && response.status == StatusCode::OK)
    );
    assert_eq!(l.state(id), Some(State::Completed));
    assert_eq!(l.poll_timeout(), Some(t(5_600)));

    // A retransmitted 200 is absorbed.
    l.handle_datagram(t(700), local(), peer(), &ok);
    assert_eq!(drain(&mut l), (vec![], vec![]));
    assert_eq!(l.stats().responses_absorbed, 1);

    l.handle_timeout(t(5_600));
    assert_eq!(drain(&mut l).1, [Event::Terminated { id }]);
    assert!(l.is_empty());
    assert_eq!(l.poll_timeout(), None);
    assert_eq!(l.state(id), None);
}

#[test]
fn client_invite_non_2xx_is_acked_by_the_transaction() {
    let mut l = layer();
    let id = l
        .send_request(t(0), outgoing(Method::Invite, 1), to_peer())
        .unwrap();
    let (tx, _) = drain(&mut l);
    let invite = tx[0].payload.clone();
    let branch = parsed_request(&invite)
        .headers
        .get(&HeaderName::Via)
        .unwrap()
        .to_owned();

    l.handle_datagram(
        t(100),
        local(),
        peer(),
        &peer_response(&invite, 180, Some("b1")),
    );
    let (tx, ev) = drain(&mut l);
    assert!(tx.is_empty());
    assert!(
        matches!(&ev[..], [Event::Response { response, .. }] if response.status == StatusCode::RINGING)
    );
    assert_eq!(l.state(id), Some(State::Proceeding));
    assert_eq!(l.poll_timeout(), None, "no timer in Proceeding");

    let busy = peer_response(&invite, 486, Some("b1"));
    l.handle_datagram(t(200), local(), peer(), &busy);
    let (tx, ev) = drain(&mut l);
    let (dest, ack) = one_transmit(&tx);
    assert_eq!(dest, to_peer());
    let ack = parsed_request(ack.as_bytes());
    assert_eq!(ack.method, Method::Ack);
    // §17.1.1.3: same branch as the INVITE, To from the response.
    assert_eq!(ack.headers.get(&HeaderName::Via), Some(branch.as_str()));
    assert_eq!(
        ack.headers.get(&HeaderName::To),
        Some("Bob <sip:bob@biloxi.com>;tag=b1")
    );
    assert_eq!(ack.headers.get(&HeaderName::CSeq), Some("1 ACK"));
    assert!(
        matches!(&ev[..], [Event::Response { response, .. }] if response.status.as_u16() == 486)
    );

    // A retransmitted 486 gets the same ACK, not the TU.
    l.handle_datagram(t(300), local(), peer(), &busy);
    let (tx2, ev) = drain(&mut l);
    assert_eq!(tx2, tx);
    assert!(ev.is_empty());

    assert_eq!(l.poll_timeout(), Some(t(32_200)));
    l.handle_timeout(t(32_200));
    assert_eq!(drain(&mut l).1, [Event::Terminated { id }]);
}

#[test]
fn client_invite_2xx_accepted_and_ack_2xx() {
    let mut l = layer();
    let id = l
        .send_request(t(0), outgoing(Method::Invite, 1), to_peer())
        .unwrap();
    let invite = drain(&mut l).0[0].payload.clone();
    let ok1 = peer_response(&invite, 200, Some("b1"));
    let ok2 = peer_response(&invite, 200, Some("b2"));
    l.handle_datagram(t(100), local(), peer(), &ok1);
    let (tx, ev) = drain(&mut l);
    assert!(tx.is_empty(), "the TU ACKs a 2xx, not the transaction");
    assert_eq!(ev.len(), 1);
    assert_eq!(l.state(id), Some(State::Accepted));
    // RFC 6026: a retransmission and a 2xx from another fork reach the TU.
    l.handle_datagram(t(200), local(), peer(), &ok1);
    l.handle_datagram(t(300), local(), peer(), &ok2);
    assert_eq!(drain(&mut l).1.len(), 2);

    // The TU's ACK: a new branch, returned for re-sending.
    let mut ack = outgoing(Method::Ack, 1);
    ack.headers
        .set(HeaderName::To, "Bob <sip:bob@biloxi.com>;tag=b1");
    let stamped = l.send_ack_2xx(t(100), ack, to_peer()).unwrap();
    let (tx, _) = drain(&mut l);
    let via = stamped.headers.get(&HeaderName::Via).unwrap();
    assert!(via.contains("branch=z9hG4bK"));
    assert_ne!(
        Some(via),
        parsed_request(&invite).headers.get(&HeaderName::Via)
    );
    l.send_ack_2xx(t(200), stamped, to_peer()).unwrap();
    assert_eq!(drain(&mut l).0, tx, "same ACK for each 2xx retransmission");

    assert_eq!(l.poll_timeout(), Some(t(32_100)));
    l.handle_timeout(t(32_100));
    assert_eq!(drain(&mut l).1, [Event::Terminated { id }]);
    // After Timer M, a late 2xx is stray (RFC 6026 §8).
    l.handle_datagram(t(40_000), local(), peer(), &ok1);
    assert!(matches!(
        &drain(&mut l).1[..],
        [Event::StrayResponse {
            reason: StrayReason::NoTransaction,
            ..
        }]
    ));
}

#[test]
fn client_timeout_reaches_tu() {
    let mut l = layer();
    let id = l
        .send_request(t(0), outgoing(Method::Register, 1), to_peer())
        .unwrap();
    drain(&mut l);
    let log = run_timers_until(&mut l, t(100_000));
    let retransmits: Vec<u64> = log
        .iter()
        .filter(|(_, tx, _)| !tx.is_empty())
        .map(|(d, _, _)| d.as_millis())
        .collect();
    assert_eq!(
        retransmits,
        [500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]
    );
    let last = &log.last().unwrap();
    assert_eq!(last.0, t(32_000));
    assert_eq!(
        last.2,
        [
            Event::Timeout {
                id,
                timer: Timer::F
            },
            Event::Terminated { id }
        ]
    );
    assert_eq!(l.stats().retransmissions, 10);
}

#[test]
fn reliable_client_has_no_retransmissions() {
    let mut l = layer();
    let id = l
        .send_request(t(0), outgoing(Method::Invite, 1), to_peer_tcp())
        .unwrap();
    let (tx, _) = drain(&mut l);
    assert!(
        String::from_utf8_lossy(&tx[0].payload).contains("Via: SIP/2.0/TCP 192.0.2.1:5060;branch=")
    );
    assert_eq!(l.poll_timeout(), Some(t(32_000)));
    l.handle_timeout(t(32_000));
    assert_eq!(
        drain(&mut l),
        (
            vec![],
            vec![
                Event::Timeout {
                    id,
                    timer: Timer::B
                },
                Event::Terminated { id }
            ]
        )
    );
}

#[test]
fn server_non_invite_over_udp() {
    let mut l = layer();
    let text = incoming_text("OPTIONS", &peer_via("z9hG4bKopt1"), None, 7, "");
    l.handle_datagram(t(0), local(), peer(), text.as_bytes());
    let (tx, ev) = drain(&mut l);
    assert!(tx.is_empty());
    let (id, req) = new_request(&ev);
    // §18.2.1 + RFC 3581 §4: received and rport stamped.
    assert_eq!(
        req.headers.get(&HeaderName::Via),
        Some("SIP/2.0/UDP client.biloxi.com:5062;branch=z9hG4bKopt1;rport=5062;received=198.51.100.7")
    );
    assert_eq!(l.state(id), Some(State::Trying));
    // A retransmission in Trying is absorbed silently.
    l.handle_datagram(t(500), local(), peer(), text.as_bytes());
    assert_eq!(drain(&mut l), (vec![], vec![]));
    assert_eq!(l.stats().requests_absorbed, 1);

    let ok = our_response(&req, 200, Some("s1"));
    l.send_response(t(600), id, ok.clone()).unwrap();
    let (tx, _) = drain(&mut l);
    assert_eq!(
        tx,
        [Transmit {
            destination: to_peer(),
            payload: ok.to_bytes().into()
        }]
    );
    assert_eq!(l.state(id), Some(State::Completed));
    // Retransmission in Completed: the 200 again.
    l.handle_datagram(t(1_000), local(), peer(), text.as_bytes());
    assert_eq!(drain(&mut l).0, tx);
    assert_eq!(
        l.send_response(t(1_100), id, ok),
        Err(ResponseError::AlreadyFinal {
            state: State::Completed
        })
    );
    assert_eq!(l.poll_timeout(), Some(t(32_600)));
    l.handle_timeout(t(32_600));
    assert_eq!(drain(&mut l).1, [Event::Terminated { id }]);
    assert!(l.is_empty());
}

#[test]
fn server_invite_trying_busy_ack() {
    let mut l = layer();
    let text = incoming_text("INVITE", &peer_via("z9hG4bKinv1"), None, 1, "");
    l.handle_datagram(t(0), local(), peer(), text.as_bytes());
    let (id, req) = new_request(&drain(&mut l).1);
    assert_eq!(l.poll_timeout(), Some(t(200)));
    l.handle_timeout(t(200));
    let (tx, _) = drain(&mut l);
    let (dest, trying) = one_transmit(&tx);
    assert_eq!(dest, to_peer());
    assert!(trying.starts_with("SIP/2.0 100 Trying\r\n"));
    assert!(
        trying.contains("To: <sip:alice@atlanta.com>\r\n"),
        "no To tag in 100: {trying}"
    );

    let busy = our_response(&req, 486, Some("s1"));
    l.send_response(t(1_000), id, busy.clone()).unwrap();
    assert_eq!(drain(&mut l).0[0].payload, busy.to_bytes());
    // G retransmits the 486.
    assert_eq!(l.poll_timeout(), Some(t(1_500)));
    l.handle_timeout(t(1_500));
    assert_eq!(drain(&mut l).0[0].payload, busy.to_bytes());
    // The ACK (same branch, To tag of the 486) confirms.
    let ack = incoming_text("ACK", &peer_via("z9hG4bKinv1"), Some("s1"), 1, "");
    l.handle_datagram(t(1_600), local(), peer(), ack.as_bytes());
    assert_eq!(drain(&mut l), (vec![], vec![]));
    assert_eq!(l.state(id), Some(State::Confirmed));
    assert_eq!(l.poll_timeout(), Some(t(6_600)));
    l.handle_timeout(t(6_600));
    assert_eq!(drain(&mut l).1, [Event::Terminated { id }]);
}

#[test]
fn server_invite_2xx_accepted_passes_acks() {
    let mut l = layer();
    let text = incoming_text("INVITE", &peer_via("z9hG4bKinv2"), None, 1, "");
    l.handle_datagram(t(0), local(), peer(), text.as_bytes());
    let (id, req) = new_request(&drain(&mut l).1);
    l.send_response(t(100), id, our_response(&req, 200, Some("s2")))
        .unwrap();
    drain(&mut l);
    assert_eq!(l.state(id), Some(State::Accepted));
    // The retransmitted INVITE is absorbed (RFC 6026), not a new request.
    l.handle_datagram(t(500), local(), peer(), text.as_bytes());
    assert_eq!(drain(&mut l), (vec![], vec![]));
    // The ACK for the 2xx has its own branch: to the TU, outside the
    // transaction.
    let ack = incoming_text("ACK", &peer_via("z9hG4bKack2"), Some("s2"), 1, "");
    l.handle_datagram(t(600), local(), peer(), ack.as_bytes());
    let ev = drain(&mut l).1;
    assert!(
        matches!(&ev[..], [Event::Ack { transaction: None, request, .. }] if request.method == Method::Ack)
    );
    // An ACK reusing the INVITE branch matches the Accepted transaction.
    let ack = incoming_text("ACK", &peer_via("z9hG4bKinv2"), Some("s2"), 1, "");
    l.handle_datagram(t(700), local(), peer(), ack.as_bytes());
    let ev = drain(&mut l).1;
    assert!(matches!(&ev[..], [Event::Ack { transaction: Some(i), .. }] if *i == id));
    // The TU re-sends its 2xx through the transaction.
    l.send_response(t(800), id, our_response(&req, 200, Some("s2")))
        .unwrap();
    assert_eq!(drain(&mut l).0.len(), 1);
    assert_eq!(l.poll_timeout(), Some(t(32_100)));
    l.handle_timeout(t(32_100));
    assert_eq!(drain(&mut l).1, [Event::Terminated { id }]);
}

#[test]
fn polling_fires_due_timers_in_order() {
    let mut l = layer();
    let a = l
        .send_request(t(0), outgoing(Method::Options, 1), to_peer())
        .unwrap();
    let b = l
        .send_request(t(100), outgoing(Method::Invite, 2), to_peer())
        .unwrap();
    drain(&mut l);
    assert_eq!(l.poll_timeout(), Some(t(500)));
    // Late by 2 s: E@500 fires, then A@600; each re-armed from now.
    l.handle_timeout(t(2_500));
    let (tx, _) = drain(&mut l);
    assert_eq!(tx.len(), 2);
    assert!(tx[0].payload.starts_with(b"OPTIONS"));
    assert!(tx[1].payload.starts_with(b"INVITE"));
    assert_eq!(l.poll_timeout(), Some(t(3_500)));
    assert_eq!(l.state(a), Some(State::Trying));
    assert_eq!(l.state(b), Some(State::Calling));
}

#[test]
fn same_seed_same_bytes() {
    let run = || {
        let mut l = layer();
        l.send_request(t(0), outgoing(Method::Invite, 1), to_peer())
            .unwrap();
        l.send_request(t(0), outgoing(Method::Options, 2), to_peer())
            .unwrap();
        l.handle_timeout(t(5_000));
        drain(&mut l).0
    };
    assert_eq!(run(), run());
}

#[test]
fn method_is_the_requests() {
    let mut l = layer();
    let bye = l
        .send_request(t(0), outgoing(Method::Bye, 1), to_peer())
        .unwrap();
    assert_eq!(l.method(bye), Some(&Method::Bye));
    for (m, branch, legacy) in [
        ("OPTIONS", "z9hG4bKm1", false),
        ("INVITE", "z9hG4bKm2", false),
        ("NOTIFY", "old-style-1", true),
    ] {
        let text = incoming_text(m, &peer_via(branch), None, 3, "");
        l.handle_datagram(t(0), local(), peer(), text.as_bytes());
        let (_, ev) = drain(&mut l);
        let (id, _) = new_request(&ev);
        assert_eq!(
            l.method(id),
            Some(&Method::from_token(m)),
            "{m} legacy {legacy}"
        );
    }
}

/// `send_request_lent` sends the bytes `send_request_borrowed` sends and
/// leaves the request as that one does less the layer's Via line (the
/// request's own Vias go, Max-Forwards is added when missing); the
/// INVITE's transaction builds the same CANCEL and the same ACK of a
/// non-2xx from either. Over UDP and TCP, with an oversized request moved
/// to TCP (§18.1.1), with Vias and Routes of the TU's.
#[test]
fn lent_requests_are_sent_as_borrowed_ones() {
    for case in 0..6 {
        let method = if case % 2 == 0 {
            Method::Invite
        } else {
            Method::Options
        };
        let mut req = outgoing(method.clone(), 1);
        match case / 2 {
            0 => {}
            1 => {
                let h = &mut req.headers;
                h.push(HeaderName::Via, "SIP/2.0/UDP old.example;branch=z9hG4bKold");
                h.push(HeaderName::Route, "<sip:p1.example.com;lr>");
                h.push(HeaderName::MaxForwards, "12");
                h.push(HeaderName::Route, "<sip:p2.example.com;lr>");
            }
            _ => req.body = "v=0\r\n".repeat(400).into_bytes(),
        }
        for dest in [to_peer(), to_peer_tcp()] {
            let (mut a, mut b) = (layer(), layer());
            let (mut lent, mut borrowed) = (req.clone(), req.clone());
            let ia = a.send_request_lent(t(0), &mut lent, dest).unwrap();
            let ib = b.send_request_borrowed(t(0), &mut borrowed, dest).unwrap();
            let (ta, _) = drain(&mut a);
            let (tb, _) = drain(&mut b);
            assert_eq!(ta, tb, "case {case}");
            assert_eq!(borrowed.headers.count(&HeaderName::Via), 1);
            assert!(borrowed.headers.line(0).unwrap().name == HeaderName::Via);
            borrowed.headers.remove_first(&HeaderName::Via);
            assert_eq!(lent, borrowed, "case {case}");
            assert_eq!(a.state(ia), b.state(ib));
            assert_eq!(a.branch(ia), b.branch(ib));
            if method != Method::Invite {
                continue;
            }
            for l in [&mut a, &mut b] {
                let ringing = peer_response(&ta[0].payload, 180, Some("b1"));
                l.handle_datagram(t(10), local(), peer(), &ringing);
                drain(l);
            }
            a.cancel(t(20), ia).unwrap();
            b.cancel(t(20), ib).unwrap();
            let (ca, _) = drain(&mut a);
            assert_eq!(ca, drain(&mut b).0, "case {case}");
            for l in [&mut a, &mut b] {
                let busy = peer_response(&ta[0].payload, 486, Some("b1"));
                l.handle_datagram(t(30), local(), peer(), &busy);
            }
            let (acks, _) = drain(&mut a);
            assert!(String::from_utf8_lossy(&acks[0].payload).starts_with("ACK "));
            assert_eq!(acks, drain(&mut b).0, "case {case}");
        }
    }
}

/// `send_ack_2xx_lent` sends the bytes `send_ack_2xx` sends (a fresh Via,
/// Max-Forwards when missing, an oversized ACK moved to TCP; an ACK with a
/// Via as is), returns them, and leaves the ACK as `send_ack_2xx` returns
/// it less the layer's Via; `resend_ack_2xx` sends them again, and
/// refuses a connection that is gone.
#[test]
fn lent_acks_are_sent_as_owned_ones() {
    for case in 0..4 {
        let mut ack = outgoing(Method::Ack, 1);
        match case {
            0 => {}
            1 => ack.headers.push(HeaderName::MaxForwards, "9"),
            2 => ack.body = vec![b'x'; 1400],
            _ => ack.headers.prepend(
                HeaderName::Via,
                "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1",
            ),
        }
        let (mut a, mut b) = (layer(), layer());
        let mut lent = ack.clone();
        let sent = a.send_ack_2xx_lent(t(0), &mut lent, to_peer()).unwrap();
        let mut owned = b.send_ack_2xx(t(0), ack.clone(), to_peer()).unwrap();
        let (ta, _) = drain(&mut a);
        assert_eq!(ta, drain(&mut b).0, "case {case}");
        assert_eq!(ta, std::slice::from_ref(&sent));
        assert_eq!(owned.to_bytes(), sent.payload);
        if case != 3 {
            owned.headers.remove_first(&HeaderName::Via);
        }
        assert_eq!(lent, owned, "case {case}");
        a.resend_ack_2xx(t(5), &sent).unwrap();
        assert_eq!(drain(&mut a).0, [sent]);
    }
    let mut l = layer();
    let gone = crate::transport::Destination::Connection(crate::transport::ConnectionId(9));
    let sent = Transmit {
        destination: gone,
        payload: b"ACK".as_slice().into(),
    };
    assert!(l.resend_ack_2xx(t(0), &sent).is_err());
    assert!(l
        .send_ack_2xx_lent(t(0), &mut outgoing(Method::Bye, 1), to_peer())
        .is_err());
}

/// `send_request_written` and `send_ack_2xx_written` send what the lent
/// sends of the same request send (the same bytes, destination, branch
/// and transaction; an oversized request moved to TCP with its branch),
/// writing the request with the Via they are given; INVITE, ACK and
/// CANCEL are not written.
#[test]
fn written_requests_are_sent_as_lent_ones() {
    let write_of = |req: &Request| {
        let req = req.clone();
        move |via: &str, out: &mut Vec<u8>| req.write_to_with_via(via, out)
    };
    for big in [false, true] {
        let mut bye = outgoing(Method::Bye, 2);
        bye.headers.prepend(HeaderName::MaxForwards, "70");
        if big {
            bye.body = vec![b'x'; 1400];
        }
        for dest in [to_peer(), to_peer_tcp()] {
            let (mut a, mut b) = (layer(), layer());
            let ia = a
                .send_request_written(t(0), Method::Bye, dest, write_of(&bye))
                .unwrap();
            let ib = b.send_request_lent(t(0), &mut bye.clone(), dest).unwrap();
            let (ta, _) = drain(&mut a);
            assert_eq!(ta, drain(&mut b).0, "big {big}");
            assert_eq!(a.branch(ia), b.branch(ib));
            assert_eq!(a.state(ia), b.state(ib));
            // Timer E retransmits the same bytes.
            a.handle_timeout(t(500));
            b.handle_timeout(t(500));
            assert_eq!(drain(&mut a).0, drain(&mut b).0);
        }
        let mut ack = outgoing(Method::Ack, 1);
        ack.headers.prepend(HeaderName::MaxForwards, "70");
        ack.body = bye.body.clone();
        let (mut a, mut b) = (layer(), layer());
        let sent = a
            .send_ack_2xx_written(t(0), to_peer(), write_of(&ack))
            .unwrap();
        let lent = b
            .send_ack_2xx_lent(t(0), &mut ack.clone(), to_peer())
            .unwrap();
        assert_eq!(sent, lent);
        assert_eq!(drain(&mut a).0, drain(&mut b).0);
    }
    let mut l = layer();
    for m in [Method::Invite, Method::Ack, Method::Cancel] {
        let r = outgoing(m.clone(), 1);
        assert_eq!(
            l.send_request_written(t(0), m, to_peer(), write_of(&r)),
            Err(SendError::NotWritable)
        );
    }
    assert!(l.is_empty());
}

/// `send_response_written` passes the bytes it is given as
/// `send_response` passes a response's: the same transmits and states
/// (a 200 to a BYE over UDP, its retransmission for the BYE's).
#[test]
fn written_responses_are_sent_as_built_ones() {
    let bye = incoming_text(
        "BYE",
        "SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bKw9",
        Some("t1"),
        3,
        "",
    );
    let (mut a, mut b) = (layer(), layer());
    let mut ids = Vec::new();
    for l in [&mut a, &mut b] {
        l.handle_datagram(t(0), local(), peer(), bye.as_bytes());
        let (_, ev) = drain(l);
        match &ev[..] {
            [Event::Request { id, request, .. }] => ids.push((*id, request.clone())),
            other => panic!("{other:?}"),
        }
    }
    let ok = our_response(&ids[1].1, 200, None);
    a.send_response_written(t(1), ids[0].0, ok.status, || None, |out| ok.write_to(out))
        .unwrap();
    b.send_response(t(1), ids[1].0, &ok).unwrap();
    let (ta, _) = drain(&mut a);
    assert_eq!(ta, drain(&mut b).0);
    assert_eq!(ta[0].payload, ok.to_bytes());
    assert_eq!(a.state(ids[0].0), b.state(ids[1].0));
    for l in [&mut a, &mut b] {
        l.handle_datagram(t(2), local(), peer(), bye.as_bytes());
    }
    assert_eq!(drain(&mut a).0, drain(&mut b).0);
    assert!(a
        .send_response_written(
            t(3),
            TransactionId::from_raw(999),
            ok.status,
            || None,
            |_| {}
        )
        .is_err());
}
