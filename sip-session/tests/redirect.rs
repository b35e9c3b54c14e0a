//! Scenarios: an Inviter following 3xx redirects (RFC 3261 §8.1.3.4,
//! §13.2.2.2) when `max_redirects` is above 0, against a redirect server
//! that is one of our own user agents answering 3xx with Contact (through
//! `RejectOptions::extra_headers`).

mod support;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::time::Duration;
use sip_core::uri::Uri;
use sip_core::{Request, StatusCode};
use sip_session::*;
use support::*;
use SessionState::*;

const SECOND: Duration = Duration::from_secs(1);

/// A redirect server: every INVITE is answered `status` with one Contact
/// header per value `contacts` gives for its Request-URI.
fn redirector(status: StatusCode, contacts: impl Fn(&Uri) -> Vec<String> + 'static) -> Policy {
    Box::new(move |ua, now, e| {
        if let Event::Invitation { session } = e {
            let uri = ua
                .session(*session)
                .and_then(|s| s.invite_request().map(|r| r.uri.clone()))
                .unwrap();
            let extra_headers = contacts(&uri)
                .into_iter()
                .map(|c| (HeaderName::Contact, c))
                .collect();
            ua.invitation(*session)
                .unwrap()
                .reject(
                    now,
                    RejectOptions {
                        status,
                        reason: None,
                        extra_headers,
                    },
                )
                .unwrap();
        }
    })
}

fn accept_all(who: &'static str) -> Policy {
    Box::new(move |ua, now, e| {
        if let Event::Invitation { session } = e {
            let _ = ua.invitation(*session).unwrap().accept(
                now,
                AcceptOptions {
                    body: Some(sdp(who, "answer")),
                    ..Default::default()
                },
            );
        }
    })
}

fn reject_all(status: StatusCode) -> Policy {
    Box::new(move |ua, now, e| {
        if let Event::Invitation { session } = e {
            let _ = ua.invitation(*session).unwrap().reject(
                now,
                RejectOptions {
                    status,
                    ..Default::default()
                },
            );
        }
    })
}

/// Alice (following at most `max` redirects) and a redirect server
/// "redir" (node 1, no automatic 180).
fn net(seed: u64, impair: Impairments, max: u8) -> (Net, usize, usize) {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", seed * 7 + 1, |c| {
        c.max_redirects = max;
        // Follows referrals (the transfer test).
        c.app_methods = vec![sip_core::Method::Refer];
    });
    let redir = net.add("redir", seed * 7 + 2, |c| {
        c.send_initial_provisional = false;
    });
    (net, alice, redir)
}

fn call(net: &mut Net, alice: usize, target: Uri) -> SessionId {
    let now = net.now;
    net.ua(alice)
        .invite(
            now,
            target,
            InviteOptions {
                body: Some(sdp("alice", "offer")),
                extra_headers: vec![(HeaderName::Subject, "redirect me".to_owned())],
                ..Default::default()
            },
        )
        .unwrap()
}

/// The (status, target) of every Redirected event of node `i`.
fn redirects(net: &Net, i: usize) -> Vec<(u16, String)> {
    net.events(i)
        .filter_map(|e| match e {
            Event::Redirected { status, target, .. } => Some((status.as_u16(), target.to_string())),
            _ => None,
        })
        .collect()
}

/// The INVITEs node `from` sent.
fn invites(net: &Net, from: usize) -> Vec<Request> {
    net.wire
        .iter()
        .filter(|w| w.from == from)
        .filter_map(|w| match &w.message {
            Message::Request(r) if r.method == sip_core::Method::Invite => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn bye_when_established() -> Policy {
    Box::new(|ua, now, e| {
        if let Event::StateChanged {
            session,
            to: Established,
            ..
        } = e
        {
            ua.session_mut(*session)
                .unwrap()
                .bye(now, ByeOptions::default())
                .unwrap();
        }
    })
}

#[test]
fn following_off_ends_with_the_302() {
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 0);
    let bob = net.add("bob", 3, |_| {});
    let bob_uri = format!("<{}>", net.uri(bob));
    net.set_policy(
        redir,
        redirector(
            StatusCode::MOVED_TEMPORARILY,
            move |_| vec![bob_uri.clone()],
        ),
    );
    let target = net.uri(redir);
    let c = call(&mut net, alice, target);
    net.run_for(40 * SECOND);
    assert_eq!(net.methods(alice), ["INVITE", "ACK"]);
    assert_eq!(net.methods(redir), ["100", "302"]);
    assert!(net.events(bob).next().is_none());
    assert!(redirects(&net, alice).is_empty());
    assert_eq!(
        net.cause(alice, c),
        Some(TerminationCause::Rejected(StatusCode::MOVED_TEMPORARILY))
    );
    assert_eq!(net.states(alice, c), [Initial, Establishing, Terminated]);
    assert!(net.unanswered().is_empty());
}

#[test]
fn following_on_reaches_bob() {
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 3);
    let bob = net.add("bob", 3, |_| {});
    net.set_policy(bob, accept_all("bob"));
    let bob_uri = net.uri(bob);
    let contact = format!("<{bob_uri};method=INVITE?Subject=hijack>;expires=60");
    net.set_policy(
        redir,
        redirector(
            StatusCode::MOVED_TEMPORARILY,
            move |_| vec![contact.clone()],
        ),
    );
    let target = net.uri(redir);
    let c = call(&mut net, alice, target.clone());
    net.run_for(2 * SECOND);
    assert_eq!(net.states(alice, c), [Initial, Establishing, Established]);
    assert_eq!(redirects(&net, alice), [(302, bob_uri.to_string())]);
    // §8.1.3.4: the same To, From and Call-ID, a new branch, the next
    // CSeq, the same body and headers; the Contact's method parameter and
    // URI headers are not used.
    let inv = invites(&net, alice);
    assert_eq!(inv.len(), 2);
    assert_eq!(inv[0].uri, target);
    assert_eq!(inv[1].uri, bob_uri);
    for h in [HeaderName::From, HeaderName::To, HeaderName::CallId] {
        assert_eq!(inv[0].headers.get(&h), inv[1].headers.get(&h), "{h:?}");
    }
    assert_eq!(inv[0].headers.get(&HeaderName::CSeq), Some("1 INVITE"));
    assert_eq!(inv[1].headers.get(&HeaderName::CSeq), Some("2 INVITE"));
    assert_ne!(
        inv[0].headers.get(&HeaderName::Via),
        inv[1].headers.get(&HeaderName::Via)
    );
    assert_eq!(
        inv[1].headers.get(&HeaderName::Subject),
        Some("redirect me")
    );
    assert_eq!(inv[0].body, inv[1].body);
    // The session's dialog is Bob's.
    let d = net.ua(alice).session(c).unwrap().dialog().unwrap().clone();
    assert_eq!(d.remote_target(), &net.uri(bob));
    insta::assert_snapshot!("redirect_followed", net.trace().join("\n"));
    // And the call works: Alice hangs up.
    let now = net.now;
    net.ua(alice)
        .session_mut(c)
        .unwrap()
        .bye(now, ByeOptions::default())
        .unwrap();
    net.run_for(40 * SECOND);
    assert_eq!(net.cause(alice, c), Some(TerminationCause::Bye));
    assert!(net.unanswered().is_empty());
    assert_eq!(net.ua(alice).session_count(), 0);
    assert_eq!(net.ua(alice).poll_timeout(), None);
}

#[test]
fn contacts_are_tried_in_q_order() {
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 5);
    let bob = net.add("bob", 3, |_| {});
    let carol = net.add("carol", 4, |_| {});
    let dave = net.add("dave", 5, |_| {});
    net.set_policy(bob, accept_all("bob"));
    net.set_policy(carol, reject_all(StatusCode::NOT_FOUND));
    net.set_policy(dave, accept_all("dave"));
    let (b, c, d) = (net.uri(bob), net.uri(carol), net.uri(dave));
    let contacts = vec![format!("<{d}>;q=0.1"), format!("<{b}>;q=0.5, <{c}>;q=0.9")];
    net.set_policy(
        redir,
        redirector(StatusCode::MULTIPLE_CHOICES, move |_| contacts.clone()),
    );
    let target = net.uri(redir);
    let s = call(&mut net, alice, target);
    net.run_for(2 * SECOND);
    // Carol (q=0.9) first; her 404 moves on to Bob (q=0.5), who answers:
    // Dave is never tried.
    assert_eq!(
        redirects(&net, alice),
        [(300, c.to_string()), (404, b.to_string())]
    );
    assert_eq!(net.state(alice, s), Established);
    assert!(net.events(dave).next().is_none());
    assert_eq!(net.finals(carol, "INVITE"), [StatusCode::NOT_FOUND]);
    let seqs: Vec<_> = invites(&net, alice)
        .iter()
        .map(|r| r.headers.get(&HeaderName::CSeq).unwrap().to_owned())
        .collect();
    assert_eq!(seqs, ["1 INVITE", "2 INVITE", "3 INVITE"]);
}

#[test]
fn exhausted_list_ends_with_the_last_failure() {
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 5);
    let bob = net.add("bob", 3, |_| {});
    let carol = net.add("carol", 4, |_| {});
    net.set_policy(carol, reject_all(StatusCode::NOT_FOUND));
    net.set_policy(bob, reject_all(StatusCode::BUSY_HERE));
    let (b, c) = (net.uri(bob), net.uri(carol));
    net.set_policy(
        redir,
        redirector(StatusCode::MOVED_TEMPORARILY, move |_| {
            vec![format!("<{c}>"), format!("<{b}>")]
        }),
    );
    let target = net.uri(redir);
    let s = call(&mut net, alice, target);
    net.run_for(40 * SECOND);
    assert_eq!(redirects(&net, alice).len(), 2);
    assert_eq!(
        net.cause(alice, s),
        Some(TerminationCause::Rejected(StatusCode::BUSY_HERE))
    );
    assert_eq!(net.states(alice, s), [Initial, Establishing, Terminated]);
    assert!(net.unanswered().is_empty());
}

#[test]
fn global_failure_is_not_retried_elsewhere() {
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 5);
    let bob = net.add("bob", 3, |_| {});
    let carol = net.add("carol", 4, |_| {});
    net.set_policy(carol, reject_all(StatusCode::DECLINE));
    net.set_policy(bob, accept_all("bob"));
    let (b, c) = (net.uri(bob), net.uri(carol));
    net.set_policy(
        redir,
        redirector(StatusCode::MOVED_TEMPORARILY, move |_| {
            vec![format!("<{c}>"), format!("<{b}>")]
        }),
    );
    let target = net.uri(redir);
    let s = call(&mut net, alice, target);
    net.run_for(40 * SECOND);
    assert_eq!(redirects(&net, alice).len(), 1);
    assert!(net.events(bob).next().is_none());
    assert_eq!(
        net.cause(alice, s),
        Some(TerminationCause::Rejected(StatusCode::DECLINE))
    );
}

#[test]
fn contact_back_to_the_original_target_is_not_retried() {
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 5);
    let target = net.uri(redir);
    // The same URI for §19.1.4 (a parameter only one side has does not
    // count), written differently.
    let back = format!("<{target};x-loop=1>;q=1");
    net.set_policy(
        redir,
        redirector(StatusCode::MOVED_TEMPORARILY, move |_| vec![back.clone()]),
    );
    let s = call(&mut net, alice, target);
    net.run_for(40 * SECOND);
    assert_eq!(net.methods(alice), ["INVITE", "ACK"]);
    assert!(redirects(&net, alice).is_empty());
    assert_eq!(
        net.cause(alice, s),
        Some(TerminationCause::Rejected(StatusCode::MOVED_TEMPORARILY))
    );
}

#[test]
fn redirect_chain_stops_at_the_limit() {
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 3);
    let host = net.nodes[redir].addr;
    // hop0 -> hop1 -> hop2 -> ... each a new URI at the same server, and
    // also the URI already tried: the loop is cut by the limit.
    net.set_policy(
        redir,
        redirector(StatusCode::MOVED_TEMPORARILY, move |uri| {
            let n: u32 = uri
                .as_sip()
                .and_then(|u| u.user.as_deref())
                .and_then(|u| u.strip_prefix("hop"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            vec![
                format!("<sip:hop{}@{host}>", n + 1),
                format!("<sip:hop{n}@{host}>"),
            ]
        }),
    );
    let target = Uri::parse(&format!("sip:hop0@{host}")).unwrap();
    let s = call(&mut net, alice, target);
    net.run_for(40 * SECOND);
    let uris: Vec<_> = invites(&net, alice)
        .iter()
        .map(|r| r.uri.to_string())
        .collect();
    assert_eq!(uris, [0, 1, 2, 3].map(|n| format!("sip:hop{n}@{host}")));
    assert_eq!(redirects(&net, alice).len(), 3);
    assert_eq!(
        net.cause(alice, s),
        Some(TerminationCause::Rejected(StatusCode::MOVED_TEMPORARILY))
    );
    assert!(net.unanswered().is_empty());
    assert_eq!(net.ua(alice).session_count(), 0);
}

#[test]
fn alternative_service_is_not_followed() {
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 3);
    let bob = net.add("bob", 3, |_| {});
    net.set_policy(bob, accept_all("bob"));
    let b = net.uri(bob);
    net.set_policy(
        redir,
        redirector(StatusCode::ALTERNATIVE_SERVICE, move |_| {
            vec![format!("<{b}>")]
        }),
    );
    let target = net.uri(redir);
    let s = call(&mut net, alice, target);
    net.run_for(40 * SECOND);
    assert!(net.events(bob).next().is_none());
    assert!(redirects(&net, alice).is_empty());
    assert_eq!(
        net.cause(alice, s),
        Some(TerminationCause::Rejected(StatusCode::ALTERNATIVE_SERVICE))
    );
}

#[test]
fn cancel_during_the_redirected_attempt() {
    for at_redirect in [true, false] {
        let (mut net, alice, redir) = net(1, Impairments::PERFECT, 3);
        // Bob only rings.
        let bob = net.add("bob", 3, |_| {});
        let b = net.uri(bob);
        net.set_policy(
            redir,
            redirector(StatusCode::MOVED_TEMPORARILY, move |_| {
                vec![format!("<{b}>")]
            }),
        );
        // Cancel as soon as the redirect is followed (the CANCEL is held
        // for Bob's 100, §9.1), or once Bob rings.
        net.set_policy(
            alice,
            Box::new(move |ua, now, e| {
                let go = match e {
                    Event::Redirected { .. } => at_redirect,
                    Event::Progress { .. } => !at_redirect,
                    _ => false,
                };
                if let (true, Event::Redirected { session, .. } | Event::Progress { session, .. }) =
                    (go, e)
                {
                    ua.inviter(*session)
                        .unwrap()
                        .cancel(now, CancelOptions::default())
                        .unwrap();
                }
            }),
        );
        let target = net.uri(redir);
        let s = call(&mut net, alice, target);
        net.run_for(40 * SECOND);
        assert_eq!(
            net.methods(alice),
            ["INVITE", "ACK", "INVITE", "CANCEL", "ACK"],
            "at_redirect {at_redirect}"
        );
        assert_eq!(net.finals(bob, "CANCEL"), [StatusCode::OK]);
        assert_eq!(net.finals(bob, "INVITE"), [StatusCode::REQUEST_TERMINATED]);
        assert_eq!(net.cause(alice, s), Some(TerminationCause::Cancelled));
        assert_eq!(
            net.states(alice, s),
            [Initial, Establishing, Terminating, Terminated]
        );
        assert!(net.unanswered().is_empty());
        assert_eq!(net.ua(alice).session_count(), 0);
    }
}

#[test]
fn early_dialog_of_the_first_attempt_is_dropped() {
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 3);
    let bob = net.add("bob", 3, |_| {});
    net.set_policy(bob, accept_all("bob"));
    let b = net.uri(bob);
    // The redirect server first sends 183 with an answer (early media),
    // then the 302.
    net.set_policy(
        redir,
        Box::new(move |ua, now, e| {
            if let Event::Invitation { session } = e {
                let mut inv = ua.invitation(*session).unwrap();
                inv.progress(
                    now,
                    ProgressOptions {
                        status: StatusCode::SESSION_PROGRESS,
                        body: Some(sdp("redir", "announcement")),
                        ..Default::default()
                    },
                )
                .unwrap();
                inv.reject(
                    now,
                    RejectOptions {
                        status: StatusCode::MOVED_TEMPORARILY,
                        reason: None,
                        extra_headers: vec![(HeaderName::Contact, format!("<{b}>"))],
                    },
                )
                .unwrap();
            }
        }),
    );
    // Alice checks her offer/answer state when the redirect is followed.
    let seen = std::rc::Rc::new(std::cell::Cell::new(None));
    let seen2 = seen.clone();
    net.set_policy(
        alice,
        Box::new(move |ua, _, e| {
            if let Event::Redirected { session, .. } = e {
                seen2.set(Some(ua.session(*session).unwrap().signaling_state()));
            }
        }),
    );
    let target = net.uri(redir);
    let now = net.now;
    let s = net
        .ua(alice)
        .invite(
            now,
            target,
            InviteOptions {
                body: Some(sdp("alice", "offer")),
                early_media: true,
                ..Default::default()
            },
        )
        .unwrap();
    net.run_for(2 * SECOND);
    // The early answer of the redirect server was handed over...
    assert!(net
        .events(alice)
        .any(|e| matches!(e, Event::RemoteDescription { early: true, .. })));
    // ...and forgotten with its early dialog: the offer is pending again.
    assert_eq!(seen.get(), Some(SignalingState::HaveLocalOffer));
    assert_eq!(net.states(alice, s), [Initial, Establishing, Established]);
    let dialog = net.ua(alice).session(s).unwrap().dialog().unwrap().clone();
    assert_eq!(dialog.remote_target(), &net.uri(bob));
    assert_eq!(
        net.ua(alice).session(s).unwrap().signaling_state(),
        SignalingState::Stable
    );
}

#[test]
fn digest_challenge_on_the_redirected_invite() {
    let mut net = Net::new(1, Impairments::PERFECT);
    let alice = net.add("alice", 1, |c| {
        c.max_redirects = 2;
        c.credentials = Some(sip_core::auth::Credentials::password("alice", "secret"));
    });
    let redir = net.add("redir", 2, |c| c.send_initial_provisional = false);
    let bob = net.add("bob", 3, |_| {});
    net.set_policy(bob, accept_all("bob"));
    // Bob is behind a proxy that challenges INVITEs.
    let proxy = net.add_proxy("proxy", vec![bob], Some(("alice", "secret")));
    let p = net.uri(proxy);
    net.set_policy(
        redir,
        redirector(StatusCode::MOVED_TEMPORARILY, move |_| {
            vec![format!("<{p}>")]
        }),
    );
    let target = net.uri(redir);
    let s = call(&mut net, alice, target);
    net.run_for(2 * SECOND);
    assert_eq!(net.state(alice, s), Established);
    let inv = invites(&net, alice);
    assert_eq!(inv.len(), 3);
    assert!(inv[1]
        .headers
        .get(&HeaderName::ProxyAuthorization)
        .is_none());
    assert!(inv[2]
        .headers
        .get(&HeaderName::ProxyAuthorization)
        .is_some());
    assert_eq!(inv[2].headers.get(&HeaderName::CSeq), Some("3 INVITE"));
    assert_eq!(inv[2].uri, net.uri(proxy));
}

/// The q-order scenario (Carol 404, then Bob answers and Alice hangs up)
/// under loss, duplication and reordering: the call is set up through the
/// second target or fails with a status the RFC predicts; everything ends
/// and is freed, every request got a final response.
#[test]
fn redirect_sweep_under_loss() {
    let mut established = 0;
    for seed in 0..60 {
        let (mut net, alice, redir) = net(2000 + seed, Impairments::BAD, 4);
        let bob = net.add("bob", seed * 7 + 3, |_| {});
        let carol = net.add("carol", seed * 7 + 4, |_| {});
        net.set_policy(bob, accept_all("bob"));
        net.set_policy(carol, reject_all(StatusCode::NOT_FOUND));
        net.set_policy(alice, bye_when_established());
        let (b, c) = (net.uri(bob), net.uri(carol));
        let contacts = vec![format!("<{c}>;q=0.7"), format!("<{b}>;q=0.3")];
        net.set_policy(
            redir,
            redirector(StatusCode::MOVED_TEMPORARILY, move |_| contacts.clone()),
        );
        let target = net.uri(redir);
        let s = call(&mut net, alice, target);
        net.run_for(Duration::from_secs(200));
        let ctx = format!("seed {seed}\n{}", net.trace().join("\n"));
        let cause = net.cause(alice, s);
        match cause {
            Some(TerminationCause::Bye) => {
                established += 1;
                assert_eq!(
                    redirects(&net, alice),
                    [(302, c.to_string()), (404, b.to_string())],
                    "{ctx}"
                );
            }
            // Timer B at any of the three targets (every retransmission
            // lost), which moves on while targets are left.
            Some(TerminationCause::Rejected(st)) => {
                assert_eq!(st, StatusCode::REQUEST_TIMEOUT, "{ctx}")
            }
            other => panic!("alice ended with {other:?}: {ctx}"),
        }
        for i in [alice, redir, bob, carol] {
            assert_eq!(net.ua(i).session_count(), 0, "{}: {ctx}", net.nodes[i].name);
            assert_eq!(
                net.ua(i).poll_timeout(),
                None,
                "{}: {ctx}",
                net.nodes[i].name
            );
        }
        assert!(net.unanswered().is_empty(), "{:?}: {ctx}", net.unanswered());
        // Bob's session ended too (BYE, or no ACK).
        for sess in net.invitations(bob) {
            assert!(
                matches!(
                    net.cause(bob, sess),
                    Some(TerminationCause::RemoteBye | TerminationCause::AckTimeout)
                ),
                "{ctx}"
            );
        }
    }
    assert!(established >= 50, "only {established} calls set up");
}

/// A transferee whose referred call is redirected reports the outcome of
/// the redirected INVITE to the referrer, not the 302 (RFC 3515 §2.4.5).
#[test]
fn referred_call_that_is_redirected_notifies_the_final_outcome() {
    use sip_core::Method;
    let (mut net, alice, redir) = net(1, Impairments::PERFECT, 2);
    let bob = net.add("bob", 3, |c| c.app_methods = vec![Method::Refer]);
    let carol = net.add("carol", 4, |_| {});
    // Alice follows referrals with an offer.
    net.set_policy(
        alice,
        Box::new(|ua, now, e| {
            if let Event::Request {
                request,
                method: Method::Refer,
                ..
            } = e
            {
                let opts = InviteOptions {
                    body: Some(sdp("alice", "offer 2")),
                    ..Default::default()
                };
                ua.accept_referral(now, *request, opts).unwrap();
            }
        }),
    );
    net.set_policy(bob, accept_all("bob"));
    net.set_policy(carol, accept_all("carol"));
    let c = net.uri(carol);
    net.set_policy(
        redir,
        redirector(StatusCode::MOVED_TEMPORARILY, move |_| {
            vec![format!("<{c}>")]
        }),
    );
    let target = net.uri(bob);
    let a_ab = call(&mut net, alice, target);
    net.run_for(2 * SECOND);
    assert_eq!(net.state(alice, a_ab), Established);
    let b_ab = net.invitation(bob).unwrap();
    let now = net.now;
    let to = net.uri(redir);
    net.ua(bob)
        .session_mut(b_ab)
        .unwrap()
        .refer(now, ReferOptions::new(ReferTarget::Uri(to)))
        .unwrap();
    net.run_for(2 * SECOND);
    let notifies: Vec<_> = net
        .events(bob)
        .filter_map(|e| match e {
            Event::ReferNotify {
                status, terminated, ..
            } => Some((status.map(|s| s.as_u16()), *terminated)),
            _ => None,
        })
        .collect();
    assert_eq!(
        notifies,
        [(Some(100), false), (Some(180), false), (Some(200), true)]
    );
    let carols = net.invitations(carol);
    assert_eq!(carols.len(), 1);
    assert_eq!(net.state(carol, carols[0]), Established);
}
