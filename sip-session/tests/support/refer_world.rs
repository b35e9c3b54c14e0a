//! Alice in a call with Bob, Carol around: the world of the REFER
//! scenarios (`refer.rs`, `refer_subscription.rs`).

use super::*;
use sip_core::{Method, StatusCode};
use sip_session::*;

const SECOND: Duration = Duration::from_secs(1);

/// Accepts calls with an SDP answer; follows REFERs (accept_referral with
/// an offer) when `follow`, else rejects them 603.
pub fn phone(name: &'static str, follow: bool, reject_calls: Option<StatusCode>) -> Policy {
    Box::new(move |ua, now, e| match e {
        Event::Invitation { session } => {
            let mut inv = ua.invitation(*session).unwrap();
            let _ = match reject_calls {
                Some(status) => inv.reject(
                    now,
                    RejectOptions {
                        status,
                        ..Default::default()
                    },
                ),
                None => inv.accept(
                    now,
                    AcceptOptions {
                        body: Some(sdp(name, "answer")),
                        ..Default::default()
                    },
                ),
            };
        }
        Event::Request {
            request,
            method: Method::Refer,
            ..
        } => {
            if follow {
                let opts = InviteOptions {
                    body: Some(sdp(name, "offer")),
                    ..Default::default()
                };
                ua.accept_referral(now, *request, opts).unwrap();
            } else {
                ua.request(*request)
                    .unwrap()
                    .reject(now, StatusCode::DECLINE)
                    .unwrap();
            }
        }
        _ => {}
    })
}

/// Alice, Bob and Carol, Alice in a call with Bob.
pub struct World {
    pub net: Net,
    pub alice: usize,
    pub bob: usize,
    pub carol: usize,
    /// Alice's session with Bob, and Bob's.
    pub a_ab: SessionId,
    pub b_ab: SessionId,
}

/// Alice calls Bob (Bob answers); Carol is around.
pub fn world(
    seed: u64,
    impair: Impairments,
    alice_follows: bool,
    carol_rejects: Option<StatusCode>,
) -> World {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", seed * 5 + 1, |c| {
        c.app_methods = vec![Method::Refer]
    });
    let bob = net.add("bob", seed * 5 + 2, |c| c.app_methods = vec![Method::Refer]);
    let carol = net.add("carol", seed * 5 + 3, |c| {
        c.replaces = ExtensionSupport::Supported;
        // Rings as long as a test wants before answering.
        c.no_answer_timeout = Duration::from_secs(300);
    });
    net.set_policy(alice, phone("alice", alice_follows, None));
    net.set_policy(bob, phone("bob", false, None));
    net.set_policy(carol, phone("carol", false, carol_rejects));
    let a_ab = net.call_with_offer(alice, bob);
    assert!(net.run_until(SECOND * 40, |n| n.state(alice, a_ab)
        == SessionState::Established
        && n.invitation(bob)
            .is_some_and(|b| n.state(bob, b) == SessionState::Established)));
    let b_ab = net.invitation(bob).unwrap();
    net.run_for(SECOND);
    World {
        net,
        alice,
        bob,
        carol,
        a_ab,
        b_ab,
    }
}

/// The REFER progress `i` learnt for session `s`: sipfrag status, and
/// whether the NOTIFY ended the subscription.
pub fn refer_notifies(net: &Net, i: usize, s: SessionId) -> Vec<(Option<u16>, bool)> {
    net.events(i)
        .filter_map(|e| match e {
            Event::ReferNotify {
                session,
                status,
                terminated,
            } if *session == s => Some((status.map(|c| c.as_u16()), *terminated)),
            _ => None,
        })
        .collect()
}

/// Bob sends REFER to `target` in his call with Alice (with the implicit
/// subscription when `subscribe`).
pub fn refer(w: &mut World, target: ReferTarget, subscribe: bool) {
    let now = w.net.now;
    let mut opts = ReferOptions::new(target);
    opts.subscribe = subscribe;
    w.net
        .ua(w.bob)
        .session_mut(w.b_ab)
        .unwrap()
        .refer(now, opts)
        .unwrap();
}
