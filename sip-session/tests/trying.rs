//! 100 (Trying) to a new INVITE (RFC 3261 §17.2.1): the agent answers at
//! once, so exactly one 100 goes out, whatever the transaction layer's
//! `trying_delay`; with no delay the layer's own immediate 100 stays.

mod support;

use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::StatusCode;
use support::*;

fn invite() -> Vec<u8> {
    b"INVITE sip:ua@192.0.2.10 SIP/2.0\r\n\
      Via: SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bKtry1\r\n\
      Max-Forwards: 70\r\n\
      From: <sip:raw@example.com>;tag=rawtag\r\n\
      To: <sip:ua@example.com>\r\n\
      Call-ID: trying-1\r\n\
      CSeq: 1 INVITE\r\n\
      Contact: <sip:raw@192.0.2.11>\r\n\
      Content-Length: 0\r\n\r\n"
        .to_vec()
}

/// The 100s the raw peer got for its INVITE within 5 s, with a 180
/// seen after them.
fn tryings(delay: Duration) -> (usize, bool) {
    let mut net = Net::new(3, Impairments::PERFECT);
    let ua = net.add("ua", 1, |c| c.transaction.trying_delay = delay);
    let raw = net.add_raw("raw");
    net.inject(raw, ua, &invite());
    net.run_for(Duration::from_secs(5));
    let statuses: Vec<StatusCode> = net
        .inbox(raw)
        .iter()
        .filter_map(|m| match m {
            Message::Response(r) => Some(r.status),
            _ => None,
        })
        .collect();
    let n = statuses
        .iter()
        .filter(|s| **s == StatusCode::TRYING)
        .count();
    let ringing_last = statuses.last() == Some(&StatusCode::RINGING);
    (n, ringing_last)
}

#[test]
fn one_trying_with_the_default_delay() {
    assert_eq!(tryings(Duration::from_millis(200)), (1, true));
}

#[test]
fn the_layers_immediate_trying_stays_without_delay() {
    assert_eq!(tryings(Duration::ZERO), (2, true));
}
