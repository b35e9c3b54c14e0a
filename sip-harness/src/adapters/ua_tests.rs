//! Tests of [`UaNode`](super::UaNode)'s wire watch.

use super::*;

/// A BYE our phone sent, awaiting its final response.
const BYE: &[u8] = b"BYE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:35115;branch=z9hG4bKEJ;rport\r\n\
From: <sip:caller@127.0.0.1>;tag=q\r\nTo: <sip:service@127.0.0.1:35114>;tag=1\r\nCall-ID: K\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";

fn node() -> UaNode {
    UaNode::new(
        UserAgent::new(sip_session::UserAgentConfig::default(), 1),
        Policy::default(),
    )
}

#[test]
fn a_final_response_clears_the_request() {
    let mut n = node();
    n.watch_sent(BYE);
    assert_eq!(n.awaiting_responses(), 1);
    let trying = b"SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 127.0.0.1:35115;branch=z9hG4bKEJ;rport\r\n\
From: <sip:caller@127.0.0.1>;tag=q\r\nTo: <sip:service@127.0.0.1:35114>\r\nCall-ID: K\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
    n.watch_received(trying);
    assert_eq!(
        n.awaiting_responses(),
        1,
        "a provisional response is not final"
    );
    let ok = b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:35115;branch=z9hG4bKEJ;rport\r\n\
From: <sip:caller@127.0.0.1>;tag=q\r\nTo: <sip:service@127.0.0.1:35114>;tag=1\r\nCall-ID: K\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
    n.watch_received(ok);
    assert_eq!(n.awaiting_responses(), 0);
}

#[test]
fn an_unwatched_node_counts_nothing() {
    let mut n = node();
    n.watch_sent(BYE);
    assert_eq!(n.awaiting_responses(), 1);
    n.set_watch(false);
    assert_eq!(n.awaiting_responses(), 0, "turning it off forgets");
    n.watch_sent(BYE);
    assert_eq!(n.awaiting_responses(), 0, "nothing is read while off");
}

#[test]
fn an_unwatched_node_keeps_outcomes_but_no_event_log() {
    for watch in [true, false] {
        let mut load = crate::scenarios::calls::Load::new(3, Duration::from_millis(1));
        load.sim.node_mut(load.alice).set_watch(watch);
        assert_eq!(load.run().unwrap(), 3);
        let alice = load.sim.node(load.alice);
        assert_eq!(alice.outcomes().count(), 3);
        assert_eq!(!alice.events().is_empty(), watch);
    }
}
