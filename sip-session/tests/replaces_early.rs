//! RFC 3891 §3, early dialogs this agent initiated: an INVITE whose
//! Replaces names the early dialog of a call this agent placed (still
//! ringing at the callee) is accepted, and the replaced call is shut down
//! with CANCEL (call pickup: Alice calls Bob; Carol picks the call up and
//! Alice ends up talking to Carol). The other half of §3, an early dialog
//! this agent did not initiate (481), is in `refer.rs`. On a perfect
//! network and in a seed sweep under loss, duplication and reordering.

mod support;

use sip_core::header::HeaderName;
use sip_core::time::Duration;
use sip_core::StatusCode;
use sip_session::*;
use support::*;
use SessionState::*;

const SECOND: Duration = Duration::from_secs(1);

struct World {
    net: Net,
    alice: usize,
    bob: usize,
    carol: usize,
    call: SessionId,
    ringing: SessionId,
}

/// Alice calls Bob, who rings (180 with a tag: an early dialog).
fn ringing(seed: u64, impair: Impairments) -> Option<World> {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", seed * 5 + 1, |c| {
        c.replaces = ExtensionSupport::Supported;
    });
    let bob = net.add("bob", seed * 5 + 2, |_| {});
    let carol = net.add("carol", seed * 5 + 3, |_| {});
    // Alice's application takes the call that replaces its own.
    net.set_policy(
        alice,
        Box::new(|ua, now, e| {
            if let Event::Invitation { session } = e {
                if ua.session(*session).unwrap().replacee().is_some() {
                    let _ = ua.invitation(*session).unwrap().accept(
                        now,
                        AcceptOptions {
                            body: Some(sdp("alice", "answer")),
                            ..Default::default()
                        },
                    );
                }
            }
        }),
    );
    let call = net.call_with_offer(alice, bob);
    let rang = net.run_until(SECOND * 40, |n| {
        n.events(alice)
            .any(|e| matches!(e, Event::Progress { status, .. } if status.as_u16() == 180))
    });
    if !rang {
        return None;
    }
    let ringing = net.invitation(bob)?;
    Some(World {
        net,
        alice,
        bob,
        carol,
        call,
        ringing,
    })
}

/// Carol invites Alice with Replaces naming Alice's early dialog with Bob
/// as Alice sees it (to-tag: Alice's tag, from-tag: Bob's).
fn pick_up(w: &mut World, flag: &str) -> SessionId {
    let d = w
        .net
        .ua(w.bob)
        .session(w.ringing)
        .unwrap()
        .dialog()
        .unwrap()
        .clone();
    let replaces = format!(
        "{};to-tag={};from-tag={}{flag}",
        d.call_id(),
        d.remote_tag(),
        d.local_tag()
    );
    w.net.invite_with(
        w.carol,
        w.alice,
        InviteOptions {
            body: Some(sdp("carol", "offer")),
            extra_headers: vec![(HeaderName::Replaces, replaces)],
            ..Default::default()
        },
    )
}

#[test]
fn replacing_an_early_dialog_we_initiated_cancels_it() {
    for flag in ["", ";early-only"] {
        let mut w = ringing(1, Impairments::PERFECT).unwrap();
        let start = w.net.wire.len();
        let pickup = pick_up(&mut w, flag);
        w.net.run_for(SECOND * 2);
        let (alice, bob, carol) = (w.alice, w.bob, w.carol);
        assert_eq!(w.net.state(carol, pickup), Established, "{flag}");
        let new = w.net.invitation(alice).unwrap();
        assert_eq!(
            w.net.ua(alice).session(new).unwrap().replacee(),
            Some(w.call)
        );
        assert_eq!(w.net.state(alice, new), Established);
        // The replaced call: CANCEL, 487 at Bob, over on both sides.
        assert_eq!(
            w.net.cause(alice, w.call),
            Some(TerminationCause::Cancelled)
        );
        assert_eq!(
            w.net.cause(bob, w.ringing),
            Some(TerminationCause::CancelledByRemote)
        );
        assert_eq!(
            w.net.finals(bob, "INVITE"),
            [StatusCode::REQUEST_TERMINATED]
        );
        assert_eq!(
            w.net.trace()[start..],
            [
                "carol -> alice: INVITE",
                "alice -> carol: 100 Trying (INVITE)",
                "alice -> carol: 180 Ringing (INVITE)",
                "alice -> carol: 200 OK (INVITE)",
                "alice -> bob: CANCEL",
                "carol -> alice: ACK",
                "bob -> alice: 200 OK (CANCEL)",
                "bob -> alice: 487 Request Terminated (INVITE)",
                "alice -> bob: ACK",
            ],
            "{flag}"
        );
        assert!(w.net.unanswered().is_empty(), "{:?}", w.net.unanswered());
    }
}

/// Once Alice's call to Bob is answered, the dialog is confirmed: the
/// same Replaces with `early-only` gets 486 (RFC 3891 §3) and the call
/// stays; without the flag it is replaced with BYE.
#[test]
fn replacing_the_dialog_once_confirmed() {
    for (flag, status) in [(";early-only", 486), ("", 200)] {
        let mut w = ringing(2, Impairments::PERFECT).unwrap();
        let now = w.net.now;
        w.net
            .ua(w.bob)
            .invitation(w.ringing)
            .unwrap()
            .accept(
                now,
                AcceptOptions {
                    body: Some(sdp("bob", "answer")),
                    ..Default::default()
                },
            )
            .unwrap();
        w.net.run_for(SECOND);
        assert_eq!(w.net.state(w.alice, w.call), Established);
        let pickup = pick_up(&mut w, flag);
        w.net.run_for(SECOND * 2);
        let last = *w.net.finals(w.alice, "INVITE").last().unwrap();
        assert_eq!(last.as_u16(), status, "{flag}");
        if status == 486 {
            assert_eq!(w.net.state(w.alice, w.call), Established);
            assert_eq!(w.net.state(w.carol, pickup), Terminated);
        } else {
            assert_eq!(w.net.cause(w.alice, w.call), Some(TerminationCause::Bye));
            assert_eq!(w.net.state(w.carol, pickup), Established);
        }
    }
}

/// Under loss, duplication and reordering: the pick-up completes (or
/// fails cleanly with a timeout), the replaced call always ends, and
/// every request is answered.
#[test]
fn sweep_pick_up_under_bad_network() {
    let mut failures = Vec::new();
    let mut picked = 0;
    for seed in 0..40 {
        let Some(mut w) = ringing(100 + seed, Impairments::BAD) else {
            continue;
        };
        let pickup = pick_up(&mut w, "");
        w.net.run_until(SECOND * 40, |n| {
            n.state(2, pickup) == Terminated || n.state(2, pickup) == Established
        });
        let (alice, bob, carol) = (w.alice, w.bob, w.carol);
        if w.net.state(carol, pickup) == Established {
            picked += 1;
            let now = w.net.now;
            let _ = w
                .net
                .ua(carol)
                .session_mut(pickup)
                .unwrap()
                .bye(now, ByeOptions::default());
        }
        w.net.run_for(SECOND * 60);
        for (i, s, name) in [(alice, w.call, "alice call"), (bob, w.ringing, "bob")] {
            if w.net.state(i, s) != Terminated {
                failures.push(format!("seed {seed}: {name} {:?}", w.net.state(i, s)));
            }
        }
        if w.net.cause(alice, w.call) == Some(TerminationCause::Bye) {
            failures.push(format!("seed {seed}: replaced call answered"));
        }
        if !w.net.unanswered().is_empty() {
            failures.push(format!("seed {seed}: unanswered {:?}", w.net.unanswered()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(picked >= 30, "only {picked} pick-ups of 40 completed");
}
