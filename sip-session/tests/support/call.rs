//! Placing and answering calls between the nodes of a [`Net`]: the steps
//! of a call set-up that most scenarios begin with.

use super::*;
use sip_session::{AcceptOptions, Body, InviteOptions, SessionError};

impl Net {
    /// Node `from` sends an INVITE with `opts` to node `to` (a user agent
    /// or a proxy); returns the caller's session.
    pub fn invite_with(&mut self, from: usize, to: usize, opts: InviteOptions) -> SessionId {
        let target = self.uri(to);
        let now = self.now;
        self.ua(from).invite(now, target, opts).unwrap()
    }

    /// Node `from` calls node `to` with `body` in the INVITE (an offer, or
    /// none: a delayed offer); returns the caller's session.
    pub fn call_with_body(&mut self, from: usize, to: usize, body: Option<Body>) -> SessionId {
        self.invite_with(
            from,
            to,
            InviteOptions {
                body,
                ..Default::default()
            },
        )
    }

    /// Node `from` calls node `to`, its offer (`sdp(<from's name>,
    /// "offer")`) in the INVITE; returns the caller's session.
    pub fn call_with_offer(&mut self, from: usize, to: usize) -> SessionId {
        let body = sdp(self.nodes[from].name, "offer");
        self.call_with_body(from, to, Some(body))
    }

    /// Node `i` accepts its invitation `inv` with `body` (an answer, or an
    /// offer when the INVITE had none).
    pub fn accept_with(
        &mut self,
        i: usize,
        inv: SessionId,
        body: Option<Body>,
    ) -> Result<(), SessionError> {
        let now = self.now;
        self.ua(i).invitation(inv).unwrap().accept(
            now,
            AcceptOptions {
                body,
                ..Default::default()
            },
        )
    }

    /// Node `i` accepts its invitation `inv` with its answer
    /// (`sdp(<i's name>, "answer")`).
    pub fn answer(&mut self, i: usize, inv: SessionId) {
        let body = sdp(self.nodes[i].name, "answer");
        self.accept_with(i, inv, Some(body)).unwrap();
    }

    /// Runs until node `i` got an invitation, at most `within`; returns
    /// the first one.
    pub fn await_invitation(&mut self, i: usize, within: Duration) -> SessionId {
        assert!(
            self.run_until(within, |n| n.invitation(i).is_some()),
            "no invitation at {} within {within:?}",
            self.nodes[i].name
        );
        self.invitation(i).unwrap()
    }

    /// Runs until node `i`'s session `s` is Established, at most `within`.
    pub fn await_established(&mut self, i: usize, s: SessionId, within: Duration) {
        assert!(
            self.run_until(within, |n| n.state(i, s) == SessionState::Established),
            "{}'s session not established within {within:?}",
            self.nodes[i].name
        );
    }

    /// Alice calls Bob with her offer, Bob answers as soon as he is
    /// invited, and Alice's session is Established: each step within
    /// `within`. Returns (Alice's session, Bob's).
    pub fn establish(
        &mut self,
        alice: usize,
        bob: usize,
        within: Duration,
    ) -> (SessionId, SessionId) {
        let call = self.call_with_offer(alice, bob);
        let inv = self.await_invitation(bob, within);
        self.answer(bob, inv);
        self.await_established(alice, call, within);
        (call, inv)
    }

    /// The end of a sweep run: once Alice's session `call` is up (at most
    /// 40 s) she hangs up; after `settle`, what is wrong: a session of
    /// Alice's or Bob's (`inv`) not Terminated, requests without a final
    /// response.
    pub fn wind_down(
        &mut self,
        (alice, call): (usize, SessionId),
        (bob, inv): (usize, SessionId),
        settle: Duration,
    ) -> Vec<String> {
        let up = |n: &Net| n.state(alice, call) == SessionState::Established;
        if self.run_until(Duration::from_secs(40), up) {
            let now = self.now;
            let _ = self
                .ua(alice)
                .session_mut(call)
                .unwrap()
                .bye(now, sip_session::ByeOptions::default());
        }
        self.run_for(settle);
        let mut problems = Vec::new();
        for (i, s) in [(alice, call), (bob, inv)] {
            if self.state(i, s) != SessionState::Terminated {
                problems.push(format!("{} {:?}", self.nodes[i].name, self.state(i, s)));
            }
        }
        if !self.unanswered().is_empty() {
            problems.push(format!("unanswered {:?}", self.unanswered()));
        }
        problems
    }
}
