//! An established call between Alice and Bob, and a policy answering every
//! in-dialog offer, shared by the in-dialog scenario files.

use super::*;
use sip_core::Method;
use sip_session::*;

const SECOND: Duration = Duration::from_secs(1);

/// Answers every re-INVITE with `body` (mirrored as an answer or given as
/// an offer), provides `body` when a description is requested.
pub fn answering(body: Body) -> Policy {
    Box::new(move |ua, now, e| match e {
        Event::Reinvite { session } => {
            let _ = ua
                .session_mut(*session)
                .unwrap()
                .accept_reinvite(now, Some(body.clone()));
        }
        Event::DescriptionRequested { session, .. } => {
            let _ = ua
                .session_mut(*session)
                .unwrap()
                .provide_description(now, body.clone());
        }
        Event::Update { session } => {
            let _ = ua
                .session_mut(*session)
                .unwrap()
                .accept_update(now, body.clone());
        }
        _ => {}
    })
}

/// Alice calls Bob, Bob accepts: both Established.
pub fn established(seed: u64, impair: Impairments) -> (Net, usize, usize, SessionId, SessionId) {
    established_with(seed, impair, true)
}

pub fn established_with(
    seed: u64,
    impair: Impairments,
    allow_update: bool,
) -> (Net, usize, usize, SessionId, SessionId) {
    let mut net = Net::new(seed, impair);
    let alice = net.add("alice", seed * 7 + 1, |c| {
        c.app_methods = vec![Method::Info, Method::Message];
        c.allow_update = allow_update;
    });
    let bob = net.add("bob", seed * 7 + 2, |c| {
        c.app_methods = vec![Method::Info, Method::Message];
        c.allow_update = allow_update;
    });
    let call = net.call_with_offer(alice, bob);
    let inv = net.await_invitation(bob, SECOND * 10);
    net.answer(bob, inv);
    net.await_established(alice, call, SECOND * 40);
    net.run_for(SECOND);
    (net, alice, bob, call, inv)
}

pub fn outcomes(net: &Net, i: usize, s: SessionId, m: Method) -> Vec<u16> {
    net.events(i)
        .filter_map(|e| match e {
            Event::RequestOutcome {
                session,
                method,
                status,
            } if *session == s && *method == m => Some(status.as_u16()),
            _ => None,
        })
        .collect()
}

pub fn remote_descriptions(net: &Net, i: usize, s: SessionId) -> Vec<(DescriptionKind, String)> {
    net.events(i)
        .filter_map(|e| match e {
            Event::RemoteDescription {
                session,
                kind,
                body,
                early: false,
            } if *session == s => Some((*kind, String::from_utf8_lossy(&body.content).into())),
            _ => None,
        })
        .collect()
}

pub fn reinvite(
    net: &mut Net,
    i: usize,
    s: SessionId,
    body: Option<Body>,
) -> Result<(), SessionError> {
    let now = net.now;
    net.ua(i).session_mut(s).unwrap().invite(
        now,
        ReinviteOptions {
            body,
            ..Default::default()
        },
    )
}
