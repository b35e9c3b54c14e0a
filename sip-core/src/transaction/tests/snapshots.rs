//! Insta snapshots of the wire bytes of the main flows, both directions,
//! with their instants: a reviewer reads them as a ladder diagram.

use super::wire::*;
use super::*;
use crate::transport::Destination;
use core::fmt::Write;

/// A ladder: what went in and out, in order.
#[derive(Default)]
struct Ladder(String);

impl Ladder {
    fn inbound(&mut self, now: Instant, bytes: &[u8]) {
        let _ = write!(
            self.0,
            "<<< {now} from {}\n{}\n",
            peer(),
            String::from_utf8_lossy(bytes)
        );
    }

    fn outbound(&mut self, now: Instant, l: &mut TransactionLayer) {
        let (tx, ev) = drain(l);
        for t in tx {
            let to = match t.destination {
                Destination::Addr { transport, addr } => format!("{transport} {addr}"),
                Destination::Connection(c) => c.to_string(),
            };
            let _ = write!(
                self.0,
                ">>> {now} to {to}\n{}\n",
                String::from_utf8_lossy(&t.payload)
            );
        }
        for e in ev {
            let line = match e {
                Event::Request { id, request, .. } => format!("{id}: request {}", request.method),
                Event::Response { id, response } => format!("{id}: response {}", response.status),
                Event::Ack { transaction, .. } => {
                    format!("ACK outside transaction (matched {transaction:?})")
                }
                Event::Timeout { id, timer } => format!("{id}: {timer} fired"),
                Event::Terminated { id } => format!("{id}: Terminated"),
                Event::Dropped { reason, .. } => format!("dropped: {reason}"),
                other => format!("{other:?}"),
            };
            let _ = writeln!(self.0, "--- {now} TU: {line}");
        }
    }

    fn timers(&mut self, l: &mut TransactionLayer, until: Instant) {
        while let Some(d) = l.poll_timeout().filter(|d| *d <= until) {
            l.handle_timeout(d);
            self.outbound(d, l);
        }
    }
}

#[test]
fn uac_invite_rejected_over_udp() {
    let mut l = layer();
    let mut lad = Ladder::default();
    l.send_request(t(0), outgoing(Method::Invite, 1), to_peer())
        .unwrap();
    let invite = l.poll_transmit().unwrap();
    lad.0.push_str(&format!(
        ">>> {} to UDP {}\n{}\n",
        t(0),
        peer(),
        String::from_utf8_lossy(&invite.payload)
    ));
    lad.timers(&mut l, t(1_000));
    let ringing = peer_response(&invite.payload, 180, Some("8321234356"));
    lad.inbound(t(1_200), &ringing);
    l.handle_datagram(t(1_200), local(), peer(), &ringing);
    lad.outbound(t(1_200), &mut l);
    let busy = peer_response(&invite.payload, 486, Some("8321234356"));
    lad.inbound(t(3_000), &busy);
    l.handle_datagram(t(3_000), local(), peer(), &busy);
    lad.outbound(t(3_000), &mut l);
    lad.timers(&mut l, t(60_000));
    insta::assert_snapshot!(lad.0);
}

#[test]
fn uas_invite_accepted_over_udp() {
    let mut l = layer();
    let mut lad = Ladder::default();
    let invite = incoming_text(
        "INVITE",
        &peer_via("z9hG4bK74bf9"),
        None,
        314159,
        "Contact: <sip:bob@198.51.100.7:5062>\r\n",
    );
    lad.inbound(t(0), invite.as_bytes());
    l.handle_datagram(t(0), local(), peer(), invite.as_bytes());
    let (id, req) = {
        let (tx, ev) = drain(&mut l);
        assert!(tx.is_empty());
        new_request(&ev)
    };
    lad.0
        .push_str(&format!("--- {} TU: {id}: request INVITE\n", t(0)));
    lad.timers(&mut l, t(200));
    l.send_response(t(1_000), id, our_response(&req, 180, Some("z3k9")))
        .unwrap();
    lad.outbound(t(1_000), &mut l);
    lad.inbound(t(1_100), invite.as_bytes());
    l.handle_datagram(t(1_100), local(), peer(), invite.as_bytes());
    lad.outbound(t(1_100), &mut l);
    l.send_response(t(2_000), id, our_response(&req, 200, Some("z3k9")))
        .unwrap();
    lad.outbound(t(2_000), &mut l);
    let ack = incoming_text("ACK", &peer_via("z9hG4bK8ack"), Some("z3k9"), 314159, "");
    lad.inbound(t(2_100), ack.as_bytes());
    l.handle_datagram(t(2_100), local(), peer(), ack.as_bytes());
    lad.outbound(t(2_100), &mut l);
    lad.timers(&mut l, t(60_000));
    insta::assert_snapshot!(lad.0);
}

#[test]
fn uac_options_retransmitted_then_answered() {
    let mut l = layer();
    let mut lad = Ladder::default();
    l.send_request(t(0), outgoing(Method::Options, 2), to_peer())
        .unwrap();
    let req = l.poll_transmit().unwrap();
    lad.0.push_str(&format!(
        ">>> {} to UDP {}\n{}\n",
        t(0),
        peer(),
        String::from_utf8_lossy(&req.payload)
    ));
    lad.timers(&mut l, t(4_000));
    let ok = peer_response(&req.payload, 200, Some("x1"));
    lad.inbound(t(4_000), &ok);
    l.handle_datagram(t(4_000), local(), peer(), &ok);
    lad.outbound(t(4_000), &mut l);
    lad.timers(&mut l, t(60_000));
    insta::assert_snapshot!(lad.0);
}

#[test]
fn uas_answers_malformed_request_with_400() {
    let mut l = layer();
    let mut lad = Ladder::default();
    let bad = incoming_text("REGISTER", &peer_via("z9hG4bKbad1"), None, 1, "")
        .replace("CSeq: 1 REGISTER", "CSeq: 1 INVITE");
    lad.inbound(t(0), bad.as_bytes());
    l.handle_datagram(t(0), local(), peer(), bad.as_bytes());
    lad.outbound(t(0), &mut l);
    insta::assert_snapshot!(lad.0);
}

#[test]
fn uac_invite_accepted_over_tcp() {
    use crate::transport::{ConnectionId, Transport};
    let mut l = layer();
    let mut lad = Ladder::default();
    l.send_request(t(0), outgoing(Method::Invite, 7), to_peer_tcp())
        .unwrap();
    let invite = l.poll_transmit().unwrap();
    lad.0.push_str(&format!(
        ">>> {} to TCP {}\n{}\n",
        t(0),
        peer(),
        String::from_utf8_lossy(&invite.payload)
    ));
    // The embedder connected; the peer answers on that connection, the
    // 200 split across two reads.
    let conn = ConnectionId(5);
    l.handle_connection_opened(conn, Transport::Tcp, local(), peer());
    let ok = peer_response(&invite.payload, 200, Some("tcp1"));
    lad.inbound(t(900), &ok);
    let (a, b) = ok.split_at(30);
    l.handle_stream_data(t(900), conn, a);
    l.handle_stream_data(t(900), conn, b);
    lad.outbound(t(900), &mut l);
    let mut ack = outgoing(Method::Ack, 7);
    ack.headers
        .set(HeaderName::To, "Bob <sip:bob@biloxi.com>;tag=tcp1");
    l.send_ack_2xx(t(900), ack, Destination::Connection(conn))
        .unwrap();
    lad.outbound(t(900), &mut l);
    lad.timers(&mut l, t(60_000));
    insta::assert_snapshot!(lad.0);
}
