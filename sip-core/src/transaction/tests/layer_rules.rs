//! The layer's rules: matching corner cases (CANCEL, RFC 2543, merged
//! requests), TU misuse, limits, transport errors, streams, the §18.1.1
//! size rule, unparseable requests.

use super::wire::*;
use super::*;
use crate::random::TokenSource;
use crate::transport::{ConnectionId, Destination, Transmit, Transport, TransportError};

#[test]
fn cancel_matches_its_invite_and_gets_its_own_transaction() {
    let mut l = layer();
    let invite = incoming_text("INVITE", &peer_via("z9hG4bKc1"), None, 5, "");
    l.handle_datagram(t(0), local(), peer(), invite.as_bytes());
    let (inv_id, _) = new_request(&drain(&mut l).1);
    let cancel = incoming_text("CANCEL", &peer_via("z9hG4bKc1"), None, 5, "");
    l.handle_datagram(t(100), local(), peer(), cancel.as_bytes());
    let ev = drain(&mut l).1;
    match &ev[..] {
        [Event::Request {
            id,
            request,
            cancels: Some(c),
            ..
        }] => {
            assert_eq!(*c, inv_id);
            assert_ne!(*id, inv_id);
            assert_eq!(request.method, Method::Cancel);
            assert_eq!(l.kind(*id), Some(Kind::NonInviteServer));
        }
        other => panic!("{other:#?}"),
    }
    // A CANCEL for nothing: cancels is None (the TU answers 481).
    let stray = incoming_text("CANCEL", &peer_via("z9hG4bKzz"), None, 5, "");
    l.handle_datagram(t(200), local(), peer(), stray.as_bytes());
    assert!(matches!(
        &drain(&mut l).1[..],
        [Event::Request { cancels: None, .. }]
    ));
}

#[test]
fn rfc2543_fallback_matching() {
    let mut l = layer();
    let via = "SIP/2.0/UDP client.biloxi.com:5062;branch=old-style-1";
    let invite = incoming_text("INVITE", via, None, 9, "");
    l.handle_datagram(t(0), local(), peer(), invite.as_bytes());
    let (id, req) = new_request(&drain(&mut l).1);
    // The retransmission matches by Request-URI, tags, Call-ID, CSeq, Via.
    l.handle_datagram(t(100), local(), peer(), invite.as_bytes());
    assert!(drain(&mut l).1.is_empty());
    l.send_response(t(200), id, our_response(&req, 603, Some("x9")))
        .unwrap();
    drain(&mut l);
    // An ACK with another To tag does not match the transaction.
    let wrong = incoming_text("ACK", via, Some("other"), 9, "");
    l.handle_datagram(t(300), local(), peer(), wrong.as_bytes());
    assert!(matches!(
        &drain(&mut l).1[..],
        [Event::Ack {
            transaction: None,
            ..
        }]
    ));
    assert_eq!(l.state(id), Some(State::Completed));
    // The ACK with the To tag of our response does.
    let ack = incoming_text("ACK", via, Some("x9"), 9, "");
    l.handle_datagram(t(400), local(), peer(), ack.as_bytes());
    assert_eq!(drain(&mut l), (vec![], vec![]));
    assert_eq!(l.state(id), Some(State::Confirmed));
    // Without the cookie, a different Via is a different transaction.
    let other = incoming_text(
        "INVITE",
        "SIP/2.0/UDP client.biloxi.com:5062;branch=old-style-2",
        None,
        9,
        "",
    );
    l.handle_datagram(t(500), local(), peer(), other.as_bytes());
    assert!(matches!(&drain(&mut l).1[..], [Event::Request { .. }]));
}

#[test]
fn rfc2543_to_tag_mismatch_does_not_steal_the_index() {
    let mut l = layer();
    let via = "SIP/2.0/UDP client.biloxi.com:5062;branch=old-style-9";
    let first = incoming_text("OPTIONS", via, None, 2, "");
    let tagged = incoming_text("OPTIONS", via, Some("zz"), 2, "");
    l.handle_datagram(t(0), local(), peer(), first.as_bytes());
    let (a, _) = new_request(&drain(&mut l).1);
    l.handle_datagram(t(10), local(), peer(), tagged.as_bytes());
    let (b, _) = new_request(&drain(&mut l).1);
    assert_ne!(a, b);
    // The first request's retransmission still reaches the first
    // transaction (absorbed, no new event).
    l.handle_datagram(t(20), local(), peer(), first.as_bytes());
    assert_eq!(drain(&mut l), (vec![], vec![]));
    assert_eq!(l.len(), 2);
}

#[test]
fn merged_request_is_flagged() {
    let mut l = layer();
    let first = incoming_text("INVITE", &peer_via("z9hG4bKm1"), None, 3, "");
    let second = incoming_text("INVITE", &peer_via("z9hG4bKm2"), None, 3, "");
    l.handle_datagram(t(0), local(), peer(), first.as_bytes());
    let (first_id, _) = new_request(&drain(&mut l).1);
    l.handle_datagram(t(10), local(), peer(), second.as_bytes());
    match &drain(&mut l).1[..] {
        [Event::Request { merged_with, .. }] => assert_eq!(*merged_with, Some(first_id)),
        other => panic!("{other:#?}"),
    }
    // With a To tag (in-dialog), no merge check (§8.2.2.2).
    let third = incoming_text("INVITE", &peer_via("z9hG4bKm3"), Some("t"), 3, "");
    l.handle_datagram(t(20), local(), peer(), third.as_bytes());
    assert!(matches!(
        &drain(&mut l).1[..],
        [Event::Request {
            merged_with: None,
            ..
        }]
    ));
}

#[test]
fn max_forwards_zero_is_processed_by_a_ua() {
    let mut l = layer();
    let text = incoming_text("OPTIONS", &peer_via("z9hG4bKmf"), None, 1, "")
        .replace("Max-Forwards: 70", "Max-Forwards: 0");
    l.handle_datagram(t(0), local(), peer(), text.as_bytes());
    let (_, req) = new_request(&drain(&mut l).1);
    assert_eq!(key::max_forwards(&req.headers), Some(0));
}

#[test]
fn tu_misuse_is_typed() {
    let mut l = layer();
    let client = l
        .send_request(t(0), outgoing(Method::Options, 1), to_peer())
        .unwrap();
    let text = incoming_text("OPTIONS", &peer_via("z9hG4bKmis"), None, 1, "");
    l.handle_datagram(t(0), local(), peer(), text.as_bytes());
    let (id, req) = new_request(&drain(&mut l).1);
    let ok = our_response(&req, 200, Some("s"));
    assert_eq!(
        l.send_response(t(1), client, ok.clone()),
        Err(ResponseError::NotServerTransaction(client))
    );
    let bogus = TransactionId::from_raw(0xdead_0000_0000);
    assert_eq!(
        l.send_response(t(1), bogus, ok.clone()),
        Err(ResponseError::UnknownTransaction(bogus))
    );
    let mut to_ack = ok.clone();
    to_ack.headers.set(HeaderName::CSeq, "1 ACK");
    assert_eq!(
        l.send_response(t(1), id, to_ack.clone()),
        Err(ResponseError::ResponseToAck)
    );
    assert_eq!(
        l.send_stateless(t(1), to_ack.into(), to_peer()),
        Err(SendError::ResponseToAck)
    );
    let mut wrong = ok.clone();
    wrong.headers.set(HeaderName::CSeq, "1 BYE");
    assert!(matches!(
        l.send_response(t(1), id, wrong),
        Err(ResponseError::MethodMismatch { .. })
    ));
    l.send_response(t(1), id, ok.clone()).unwrap();
    assert!(matches!(
        l.send_response(t(2), id, ok),
        Err(ResponseError::AlreadyFinal { .. })
    ));
    assert_eq!(
        l.send_request(t(0), outgoing(Method::Ack, 1), to_peer()),
        Err(SendError::AckNotAllowed)
    );
    let mut no_cseq = outgoing(Method::Options, 1);
    no_cseq.headers.remove(&HeaderName::CSeq);
    assert_eq!(
        l.send_request(t(0), no_cseq, to_peer()),
        Err(SendError::MissingHeader("CSeq"))
    );
    let mut mismatch = outgoing(Method::Options, 1);
    mismatch.headers.set(HeaderName::CSeq, "1 INVITE");
    assert_eq!(
        l.send_request(t(0), mismatch, to_peer()),
        Err(SendError::CSeqMismatch)
    );
    assert_eq!(
        l.send_request(
            t(0),
            outgoing(Method::Options, 1),
            Destination::Connection(ConnectionId(9))
        ),
        Err(SendError::UnknownConnection(ConnectionId(9)))
    );
}

#[test]
fn limit_refuses_new_transactions() {
    let cfg = Config {
        max_transactions: 1,
        ..layer_cfg()
    };
    let mut l = TransactionLayer::new(cfg, TokenSource::from_seed(1));
    l.send_request(t(0), outgoing(Method::Options, 1), to_peer())
        .unwrap();
    assert_eq!(
        l.send_request(t(0), outgoing(Method::Options, 2), to_peer()),
        Err(SendError::Limit(LimitExceeded { limit: 1 }))
    );
    drain(&mut l);
    let text = incoming_text("INVITE", &peer_via("z9hG4bKlim"), None, 1, "");
    l.handle_datagram(t(0), local(), peer(), text.as_bytes());
    let ev = drain(&mut l).1;
    let Event::Overloaded {
        request,
        source,
        limit,
    } = &ev[0]
    else {
        panic!("{ev:#?}")
    };
    assert_eq!(*limit, 1);
    // The TU answers 503 statelessly, routed by §18.2.2.
    let dest = l.response_destination(request, source).unwrap();
    assert_eq!(dest, to_peer());
    l.send_stateless(t(0), our_response(request, 503, Some("o")).into(), dest)
        .unwrap();
    let (tx, _) = drain(&mut l);
    assert!(tx[0]
        .payload
        .starts_with(b"SIP/2.0 503 Service Unavailable\r\n"));
}

#[test]
fn transport_errors_reach_the_transaction_and_tu() {
    let mut l = layer();
    let id = l
        .send_request(t(0), outgoing(Method::Invite, 1), to_peer())
        .unwrap();
    let other = l
        .send_request(t(0), outgoing(Method::Options, 2), to_peer_tcp())
        .unwrap();
    drain(&mut l);
    l.handle_transport_error(t(10), to_peer(), TransportError::Unreachable);
    assert_eq!(
        drain(&mut l).1,
        [
            Event::TransportError {
                id,
                error: TransportError::Unreachable
            },
            Event::Terminated { id }
        ]
    );
    assert_eq!(l.state(other), Some(State::Trying));
    // Server side: the error on the response route terminates it too.
    let text = incoming_text("OPTIONS", &peer_via("z9hG4bKte"), None, 1, "");
    l.handle_datagram(t(20), local(), peer(), text.as_bytes());
    let (sid, req) = new_request(&drain(&mut l).1);
    l.send_response(t(30), sid, our_response(&req, 180, Some("s")))
        .unwrap();
    drain(&mut l);
    l.handle_transport_error(t(40), to_peer(), TransportError::Unreachable);
    assert_eq!(
        drain(&mut l).1,
        [
            Event::TransportError {
                id: sid,
                error: TransportError::Unreachable
            },
            Event::Terminated { id: sid }
        ]
    );
}

#[test]
fn stray_and_unmatchable_responses_are_reported() {
    let mut l = layer();
    let mut r = response(200, "OPTIONS", Some("x"));
    l.handle_datagram(t(0), local(), peer(), &r.to_bytes());
    assert!(matches!(
        &drain(&mut l).1[..],
        [Event::StrayResponse {
            reason: StrayReason::NoTransaction,
            ..
        }]
    ));
    r.headers.set(HeaderName::Via, "SIP/2.0/UDP 192.0.2.1:5060");
    l.handle_datagram(t(0), local(), peer(), &r.to_bytes());
    assert!(matches!(
        &drain(&mut l).1[..],
        [Event::StrayResponse {
            reason: StrayReason::Unmatchable(_),
            ..
        }]
    ));
    assert_eq!(l.stats().stray_responses, 2);
}

#[test]
fn unparseable_requests_get_400_or_are_dropped() {
    let mut l = layer();
    // Readable Via/From/To/Call-ID/CSeq, but the CSeq method contradicts
    // the request method: 400 naming the problem (§21.4.1).
    let bad = incoming_text("OPTIONS", &peer_via("z9hG4bKbad"), None, 1, "")
        .replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE");
    l.handle_datagram(t(0), local(), peer(), bad.as_bytes());
    let (tx, ev) = drain(&mut l);
    let (dest, text) = one_transmit(&tx);
    assert_eq!(dest, to_peer());
    assert!(text.starts_with("SIP/2.0 400 Bad Request ("), "{text}");
    assert!(text.contains("received=198.51.100.7"), "{text}");
    assert!(matches!(
        &ev[..],
        [Event::Dropped {
            reason: DropReason::Parse { answered: true, .. },
            ..
        }]
    ));
    // Garbage: dropped, nothing sent, never a panic.
    l.handle_datagram(t(0), local(), peer(), b"\x00\xffnot sip at all");
    let (tx, ev) = drain(&mut l);
    assert!(tx.is_empty());
    assert!(matches!(
        &ev[..],
        [Event::Dropped {
            reason: DropReason::Parse {
                answered: false,
                ..
            },
            ..
        }]
    ));
    // CRLF keep-alives on UDP are ignored.
    l.handle_datagram(t(0), local(), peer(), b"\r\n\r\n");
    assert_eq!(drain(&mut l), (vec![], vec![]));
}

#[test]
fn stream_connection_framing_and_routing() {
    let mut l = layer();
    let conn = ConnectionId(3);
    l.handle_connection_opened(conn, Transport::Tcp, local(), peer());
    let text = incoming_text(
        "OPTIONS",
        "SIP/2.0/TCP client.biloxi.com:5062;branch=z9hG4bKtcp",
        None,
        1,
        "",
    );
    let (a, b) = text.as_bytes().split_at(40);
    l.handle_stream_data(t(0), conn, a);
    assert_eq!(drain(&mut l), (vec![], vec![]));
    l.handle_stream_data(t(0), conn, b);
    let (id, req) = new_request(&drain(&mut l).1);
    // Responses go back on the connection while it is open.
    l.send_response(t(1), id, our_response(&req, 100, None))
        .unwrap();
    assert_eq!(
        drain(&mut l).0[0].destination,
        Destination::Connection(conn)
    );
    // RFC 5626 keep-alive ping: pong on the connection.
    l.handle_stream_data(t(2), conn, b"\r\n\r\n");
    assert_eq!(
        drain(&mut l).0,
        [Transmit {
            destination: Destination::Connection(conn),
            payload: b"\r\n".into()
        }]
    );
    // Closed: the response goes to received with the sent-by port (§18.2.2).
    l.handle_connection_closed(t(3), conn);
    l.send_response(t(4), id, our_response(&req, 200, Some("s")))
        .unwrap();
    assert_eq!(
        drain(&mut l).0[0].destination,
        Destination::Addr {
            transport: Transport::Tcp,
            addr: "198.51.100.7:5062".parse().unwrap()
        }
    );
    // Reliable: Timer J is zero, so the final response terminated it.
    assert_eq!(l.state(id), None);
    // Data on an unknown connection is dropped with a reason.
    l.handle_stream_data(t(5), ConnectionId(99), b"x");
    assert!(matches!(
        &drain(&mut l).1[..],
        [Event::Dropped {
            source: None,
            reason: DropReason::UnknownConnection(ConnectionId(99))
        }]
    ));
}

#[test]
fn broken_stream_is_reported() {
    let mut l = layer();
    let conn = ConnectionId(4);
    l.handle_connection_opened(conn, Transport::Tls, local(), peer());
    l.handle_stream_data(
        t(0),
        conn,
        b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: nope\r\n\r\n",
    );
    let ev = drain(&mut l).1;
    assert!(ev.iter().any(
        |e| matches!(e, Event::Dropped { reason: DropReason::StreamBroken(c), .. } if *c == conn)
    ));
}

#[test]
fn oversized_udp_request_moves_to_tcp() {
    let mut l = layer();
    let mut big = outgoing(Method::Message, 1);
    big.body = vec![b'x'; 1400];
    let id = l.send_request(t(0), big.clone(), to_peer()).unwrap();
    let (tx, _) = drain(&mut l);
    assert_eq!(tx[0].destination, to_peer_tcp());
    assert!(String::from_utf8_lossy(&tx[0].payload).contains("Via: SIP/2.0/TCP "));
    // Reliable now: no Timer E.
    assert_eq!(l.poll_timeout(), Some(t(32_000)));
    assert_eq!(l.state(id), Some(State::Trying));
    // When switching is not allowed, the request is refused.
    let cfg = Config {
        udp_to_tcp: false,
        ..layer_cfg()
    };
    let mut l = TransactionLayer::new(cfg, TokenSource::from_seed(1));
    assert!(matches!(
        l.send_request(t(0), big, to_peer()),
        Err(SendError::MessageTooLarge { limit: 1300, .. })
    ));
    assert!(l.is_empty());
}

#[test]
fn oversized_ack_for_2xx_moves_to_tcp_with_its_branch() {
    let mut l = layer();
    let mut ack = outgoing(Method::Ack, 1);
    ack.body = vec![b'x'; 1400];
    let sent = l.send_ack_2xx(t(0), ack, to_peer()).unwrap();
    let (tx, _) = drain(&mut l);
    assert_eq!(tx[0].destination, to_peer_tcp());
    let via = sent.headers.get(&HeaderName::Via).unwrap();
    assert!(via.starts_with("SIP/2.0/TCP "), "{via}");
    assert!(crate::transaction::key::branch_of(via).is_some_and(|b| b.starts_with("z9hG4bK")));
    assert!(String::from_utf8_lossy(&tx[0].payload).contains(&format!("Via: {via}\r\n")));
    assert_eq!(sent.headers.count(&HeaderName::Via), 1);
    // The branch is the one first drawn (a small ACK from a layer seeded
    // alike gets it over UDP).
    let small = layer()
        .send_ack_2xx(t(0), outgoing(Method::Ack, 1), to_peer())
        .unwrap();
    let small_via = small.headers.get(&HeaderName::Via).unwrap();
    assert_eq!(
        crate::transaction::key::branch_of(small_via),
        crate::transaction::key::branch_of(via)
    );
}

#[test]
fn cancel_helper_follows_9_1() {
    let mut l = layer();
    let id = l
        .send_request(t(0), outgoing(Method::Invite, 4), to_peer())
        .unwrap();
    let invite = drain(&mut l).0[0].payload.clone();
    assert_eq!(
        l.cancel(t(10), id),
        Err(SendError::NotCancellable(State::Calling))
    );
    l.handle_datagram(
        t(20),
        local(),
        peer(),
        &peer_response(&invite, 180, Some("b")),
    );
    drain(&mut l);
    let cid = l.cancel(t(30), id).unwrap();
    assert_eq!(l.cancel(t(31), id), Err(SendError::Duplicate));
    let (tx, _) = drain(&mut l);
    let (dest, text) = one_transmit(&tx);
    assert_eq!(dest, to_peer());
    let cancel = parsed_request(text.as_bytes());
    let inv = parsed_request(&invite);
    assert_eq!(cancel.method, Method::Cancel);
    assert_eq!(
        cancel.headers.get(&HeaderName::Via),
        inv.headers.get(&HeaderName::Via)
    );
    assert_eq!(
        cancel.headers.get(&HeaderName::To),
        inv.headers.get(&HeaderName::To)
    );
    assert_eq!(cancel.headers.get(&HeaderName::CSeq), Some("4 CANCEL"));
    // The 200 to CANCEL matches the CANCEL, the 487 the INVITE (§17.1.3).
    l.handle_datagram(
        t(40),
        local(),
        peer(),
        &peer_response(text.as_bytes(), 200, Some("b")),
    );
    l.handle_datagram(
        t(50),
        local(),
        peer(),
        &peer_response(&invite, 487, Some("b")),
    );
    let ev = drain(&mut l).1;
    assert!(
        matches!(&ev[0], Event::Response { id: i, response } if *i == cid && response.status == StatusCode::OK)
    );
    assert!(
        matches!(&ev[1], Event::Response { id: i, response } if *i == id && response.status.as_u16() == 487)
    );
}

#[test]
fn memory_per_transaction_is_bounded() {
    let mut l = layer();
    for n in 0..1_000 {
        l.send_request(t(0), outgoing(Method::Options, n), to_peer())
            .unwrap();
    }
    drain(&mut l);
    let per = l.memory_usage() / l.len();
    assert!(per < 4_096, "{per} bytes per transaction");
}

#[test]
fn cancel_with_reason_and_abandon_after_9_1_timeout() {
    let mut l = layer();
    let id = l
        .send_request(t(0), outgoing(Method::Invite, 5), to_peer())
        .unwrap();
    let invite = drain(&mut l).0[0].payload.clone();
    l.handle_datagram(
        t(20),
        local(),
        peer(),
        &peer_response(&invite, 180, Some("b")),
    );
    drain(&mut l);
    let reason = "SIP;cause=200;text=\"Call completed elsewhere\"";
    l.cancel_with(t(30), id, &[(HeaderName::Reason, reason.to_owned())])
        .unwrap();
    let (tx, _) = drain(&mut l);
    let cancel = parsed_request(one_transmit(&tx).1.as_bytes());
    assert_eq!(cancel.headers.get(&HeaderName::Reason), Some(reason));
    // No final response to the INVITE: the TU gives up on it (§9.1).
    assert!(l.abandon(id));
    assert!(!l.abandon(id), "an abandoned id is gone");
    assert_eq!(l.state(id), None);
    let ev = drain(&mut l).1;
    assert!(ev.contains(&Event::Terminated { id }));
    // A late 487 is now stray, and the CANCEL transaction lives on.
    l.handle_datagram(
        t(40_000),
        local(),
        peer(),
        &peer_response(&invite, 487, Some("b")),
    );
    let ev = drain(&mut l).1;
    assert!(ev.iter().any(|e| matches!(e, Event::StrayResponse { .. })));
    assert_eq!(l.len(), 1);
}

#[test]
fn forward_request_pushes_its_via_over_the_received_ones() {
    let mut l = layer();
    let mut req = outgoing(Method::Invite, 9);
    let upstream = [
        "SIP/2.0/UDP ua.atlanta.com;branch=z9hG4bKa1;received=192.0.2.9",
        "SIP/2.0/UDP edge.atlanta.com;branch=z9hG4bKa0",
    ];
    for v in upstream {
        req.headers.push(HeaderName::Via, v);
    }
    assert!(matches!(
        l.forward_request(t(0), outgoing(Method::Cancel, 9), to_peer()),
        Err(SendError::NotCancellable(_))
    ));
    let id = l.forward_request(t(0), req, to_peer()).unwrap();
    let branch = l.branch(id).unwrap().to_owned();
    let (tx, _) = drain(&mut l);
    let sent = parsed_request(one_transmit(&tx).1.as_bytes());
    let vias: Vec<&str> = sent.headers.values(&HeaderName::Via).collect();
    assert_eq!(vias.len(), 3);
    assert!(vias[0].contains(&branch));
    assert_eq!(&vias[1..], &upstream[..]);
    // The response (all three Vias) matches the forwarded transaction.
    let invite = one_transmit(&tx).1.into_bytes();
    l.handle_datagram(
        t(10),
        local(),
        peer(),
        &peer_response(&invite, 180, Some("b")),
    );
    let ev = drain(&mut l).1;
    assert!(matches!(&ev[0], Event::Response { id: i, response }
        if *i == id && response.headers.values(&HeaderName::Via).count() == 3));
    // Retransmissions carry every Via; the CANCEL carries only ours (§9.1).
    l.handle_timeout(t(500));
    let (tx, _) = drain(&mut l);
    assert!(tx.is_empty(), "no Timer A once a provisional arrived");
    l.cancel(t(600), id).unwrap();
    let (tx, _) = drain(&mut l);
    let cancel = parsed_request(one_transmit(&tx).1.as_bytes());
    let cvias: Vec<&str> = cancel.headers.values(&HeaderName::Via).collect();
    assert_eq!(cvias, [vias[0]]);
}
