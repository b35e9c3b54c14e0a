//! "re-INVITE accepted with auth" (SIP.js session-in-dialog.spec.ts): the
//! peer challenges our re-INVITE with 401 (or 407); the re-INVITE goes
//! again with credentials and a new CSeq (RFC 3261 §22.2, §14.1), gets
//! 200 and is ACKed with the credentials. The peer is scripted (Bob, a
//! raw node that answers statelessly: our user agent does not challenge
//! requests), so the same script runs under loss, duplication and
//! reordering.

mod support;

use sip_core::auth::{verify, Credentials, DigestChallenge, Qop};
use sip_core::header::HeaderName;
use sip_core::message::{Message, Request, Response};
use sip_core::time::{Duration, Instant};
use sip_core::{Method, StatusCode};
use sip_session::*;
use support::dialog::outcomes;
use support::*;

const SECOND: Duration = Duration::from_secs(1);
const REALM: &str = "biloxi.example.com";

/// The scripted peer: 200 to the INVITE; to a re-INVITE, 401 (or 407)
/// unless it carries valid credentials, then 200; 200 to anything else.
struct Peer {
    node: usize,
    seen: usize,
    proxy_auth: bool,
    creds: Credentials,
}

impl Peer {
    fn answer(&self, net: &Net, req: &Request) -> Option<Response> {
        let invite = req.method == Method::Invite;
        let in_dialog = sip_core::transaction::key::to_tag(&req.headers).is_some();
        let mut r = match req.method {
            Method::Ack => return None,
            Method::Invite if in_dialog && !self.authorized(req) => {
                let seq = sip_core::transaction::key::cseq(&req.headers).unwrap().0;
                let c = DigestChallenge::new(REALM, format!("nonce-{seq}")).with_qop(&[Qop::Auth]);
                let (status, header) = if self.proxy_auth {
                    (
                        StatusCode::PROXY_AUTHENTICATION_REQUIRED,
                        HeaderName::ProxyAuthenticate,
                    )
                } else {
                    (StatusCode::UNAUTHORIZED, HeaderName::WwwAuthenticate)
                };
                let mut r = Response::from_request(req, status);
                r.headers.push(header, c.to_string());
                r
            }
            _ => Response::from_request(req, StatusCode::OK),
        };
        if !r
            .headers
            .get(&HeaderName::To)
            .is_some_and(|to| to.contains("tag="))
        {
            r.headers
                .append_to_first(&HeaderName::To, &[";tag=bob-tag"]);
        }
        if invite && r.status.is_success() {
            let what = if in_dialog { "answer2" } else { "answer" };
            r.headers.push(
                HeaderName::Contact,
                format!("<sip:bob@{}>", net.nodes[self.node].addr),
            );
            r.headers.push(HeaderName::ContentType, "application/sdp");
            r.body = sdp("bob", what).content.clone();
        }
        Some(r)
    }

    fn authorized(&self, req: &Request) -> bool {
        let name = if self.proxy_auth {
            HeaderName::ProxyAuthorization
        } else {
            HeaderName::Authorization
        };
        req.headers
            .get(&name)
            .and_then(|v| verify(v, &req.method, &self.creds, REALM, &req.body).ok())
            .is_some_and(|a| a.nonce.starts_with("nonce-"))
    }

    /// Runs the network until `limit`, answering what reaches the peer.
    fn run(&mut self, net: &mut Net, to: usize, d: Duration) {
        let limit: Instant = net.now + d;
        loop {
            let inbox = net.inbox(self.node).to_vec();
            for m in &inbox[self.seen..] {
                if let Message::Request(req) = m {
                    if let Some(r) = self.answer(net, req) {
                        net.inject(self.node, to, &r.to_bytes());
                    }
                }
            }
            self.seen = inbox.len();
            if !net.step(limit) {
                break;
            }
        }
        net.now = net.now.max(limit);
    }
}

/// Alice (with credentials) calls the scripted Bob, then re-INVITEs.
fn scenario(seed: u64, impair: Impairments, proxy_auth: bool) -> (Net, usize, SessionId) {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", seed * 3 + 1, |c| {
        c.credentials = Some(Credentials::password("alice", "secret"));
    });
    let bob = net.add_raw("bob");
    let mut peer = Peer {
        node: bob,
        seen: 0,
        proxy_auth,
        creds: Credentials::password("alice", "secret"),
    };
    let call = net.call_with_offer(alice, bob);
    peer.run(&mut net, alice, SECOND * 40);
    if net.state(alice, call) != SessionState::Established {
        return (net, alice, call);
    }
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .invite(
            now,
            ReinviteOptions {
                body: Some(sdp("alice", "offer2")),
                ..Default::default()
            },
        )
        .unwrap();
    peer.run(&mut net, alice, SECOND * 40);
    (net, alice, call)
}

/// (CSeq number, method) of every distinct request Alice sent.
fn alice_requests(net: &Net, alice: usize) -> Vec<(u32, String, bool)> {
    let mut v: Vec<(u32, String, bool)> = Vec::new();
    for w in net.wire.iter().filter(|w| w.from == alice) {
        if let Message::Request(r) = &w.message {
            let (seq, m) = sip_core::transaction::key::cseq(&r.headers).unwrap();
            let authed = r.headers.contains(&HeaderName::Authorization)
                || r.headers.contains(&HeaderName::ProxyAuthorization);
            let e = (seq, m.to_string(), authed);
            if !v.contains(&e) {
                v.push(e);
            }
        }
    }
    v
}

#[test]
fn reinvite_accepted_with_auth() {
    for proxy_auth in [false, true] {
        let (net, alice, call) = scenario(1, Impairments::PERFECT, proxy_auth);
        assert_eq!(net.state(alice, call), SessionState::Established);
        assert_eq!(outcomes(&net, alice, call, Method::Invite), [200]);
        let challenge = if proxy_auth { 407 } else { 401 };
        let statuses: Vec<u16> = net
            .wire
            .iter()
            .filter_map(|w| match &w.message {
                Message::Response(r) => Some(r.status.as_u16()),
                _ => None,
            })
            .collect();
        assert_eq!(statuses, [200, challenge, 200]);
        // The challenged re-INVITE is ACKed in its transaction (same
        // CSeq); the retry has a new CSeq and credentials, and so has the
        // ACK of its 2xx.
        assert_eq!(
            alice_requests(&net, alice),
            [
                (1, "INVITE".into(), false),
                (1, "ACK".into(), false),
                (2, "INVITE".into(), false),
                (2, "ACK".into(), false),
                (3, "INVITE".into(), true),
                (3, "ACK".into(), true),
            ],
            "{proxy_auth}"
        );
        let answers: Vec<String> = net
            .events(alice)
            .filter_map(|e| match e {
                Event::RemoteDescription {
                    kind: DescriptionKind::Answer,
                    body,
                    ..
                } => Some(String::from_utf8_lossy(&body.content).into_owned()),
                _ => None,
            })
            .collect();
        assert_eq!(answers.len(), 2);
        assert!(answers[1].contains("s=answer2"));
        assert_eq!(
            net.nodes[alice].ua.session(call).unwrap().signaling_state(),
            SignalingState::Stable
        );
    }
}

/// Without credentials the challenge ends the re-INVITE: reported as
/// its outcome, the offer rolled back, the call stays up.
#[test]
fn reinvite_challenged_without_credentials_fails_and_stays_up() {
    let mut net = Net::new(2, Impairments::PERFECT);
    let alice = net.add("alice", 7, |_| {});
    let bob = net.add_raw("bob");
    let mut peer = Peer {
        node: bob,
        seen: 0,
        proxy_auth: false,
        creds: Credentials::password("alice", "secret"),
    };
    let call = net.call_with_offer(alice, bob);
    peer.run(&mut net, alice, SECOND);
    let now = net.now;
    net.ua(alice)
        .session_mut(call)
        .unwrap()
        .invite(
            now,
            ReinviteOptions {
                body: Some(sdp("alice", "offer2")),
                ..Default::default()
            },
        )
        .unwrap();
    peer.run(&mut net, alice, SECOND);
    assert_eq!(outcomes(&net, alice, call, Method::Invite), [401]);
    assert_eq!(net.state(alice, call), SessionState::Established);
    assert_eq!(
        net.nodes[alice].ua.session(call).unwrap().signaling_state(),
        SignalingState::Stable
    );
}

#[test]
fn sweep_reinvite_with_auth_under_bad_network() {
    let mut failures = Vec::new();
    let mut accepted = 0;
    for seed in 0..40 {
        let (net, alice, call) = scenario(100 + seed, Impairments::BAD, seed % 2 == 1);
        if net.state(alice, call) != SessionState::Established {
            // The call itself may have timed out under loss; only the
            // re-INVITE is checked here.
            if outcomes(&net, alice, call, Method::Invite).is_empty() {
                continue;
            }
        }
        let o = outcomes(&net, alice, call, Method::Invite);
        if o == [200] {
            accepted += 1;
            let retried = alice_requests(&net, alice)
                .iter()
                .any(|(seq, m, authed)| *seq == 3 && m == "INVITE" && *authed);
            if !retried {
                failures.push(format!("seed {seed}: 200 without the authorized retry"));
            }
        } else if o != [408] {
            failures.push(format!("seed {seed}: re-INVITE {o:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(accepted >= 30, "only {accepted} of 40 re-INVITEs accepted");
}
