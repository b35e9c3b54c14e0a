//! The offer/answer state of a session (RFC 3264 §4, RFC 6337 §2, in the
//! signaling-state vocabulary SIP.js borrows from JSEP).
//!
//! Descriptions are opaque to the stack: this machine only tracks who
//! offered and whether the exchange is complete, so that the session
//! knows whether a body it receives is an offer or an answer, and whether
//! one it must send is. A pending offer can be rolled back to the last
//! stable state (RFC 6337 §3.3, a re-INVITE that failed).

use core::fmt;

/// Where a session is in the offer/answer exchange.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum SignalingState {
    /// No offer made yet.
    #[default]
    Initial,
    /// This side sent an offer and waits for the answer.
    HaveLocalOffer,
    /// The peer sent an offer that this side has not answered yet.
    HaveRemoteOffer,
    /// Offer and answer exchanged.
    Stable,
    /// The session is over.
    Closed,
}

impl SignalingState {
    /// The name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignalingState::Initial => "initial",
            SignalingState::HaveLocalOffer => "have-local-offer",
            SignalingState::HaveRemoteOffer => "have-remote-offer",
            SignalingState::Stable => "stable",
            SignalingState::Closed => "closed",
        }
    }
}

impl fmt::Display for SignalingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a description is an offer or an answer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DescriptionKind {
    /// An offer (RFC 3264 §5).
    Offer,
    /// An answer (RFC 3264 §6).
    Answer,
}

/// An offer/answer step not allowed in the current state (RFC 3264 §4:
/// one offer at a time, an answer only to a pending offer).
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("offer/answer step {step} not allowed in state {state}")]
pub struct OfferAnswerError {
    /// The state.
    pub state: SignalingState,
    /// The step attempted.
    pub step: &'static str,
}

/// The offer/answer machine: the state and the last stable state, for
/// rollback.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct OfferAnswer {
    state: SignalingState,
    stable: SignalingState,
}

impl OfferAnswer {
    /// A machine in [`SignalingState::Initial`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The current state.
    pub fn state(&self) -> SignalingState {
        self.state
    }

    /// True when a body sent or received now would be an offer.
    pub fn expects_offer(&self) -> bool {
        matches!(self.state, SignalingState::Initial | SignalingState::Stable)
    }

    fn step(
        &mut self,
        from: &[SignalingState],
        to: SignalingState,
        step: &'static str,
    ) -> Result<(), OfferAnswerError> {
        if !from.contains(&self.state) {
            return Err(OfferAnswerError {
                state: self.state,
                step,
            });
        }
        if matches!(self.state, SignalingState::Initial | SignalingState::Stable) {
            self.stable = self.state;
        }
        self.state = to;
        Ok(())
    }

    /// This side sends an offer.
    pub fn local_offer(&mut self) -> Result<(), OfferAnswerError> {
        use SignalingState::*;
        self.step(&[Initial, Stable], HaveLocalOffer, "local offer")
    }

    /// The peer's offer arrived.
    pub fn remote_offer(&mut self) -> Result<(), OfferAnswerError> {
        use SignalingState::*;
        self.step(&[Initial, Stable], HaveRemoteOffer, "remote offer")
    }

    /// This side answers the peer's offer.
    pub fn local_answer(&mut self) -> Result<(), OfferAnswerError> {
        use SignalingState::*;
        self.step(&[HaveRemoteOffer], Stable, "local answer")
    }

    /// The peer's answer arrived.
    pub fn remote_answer(&mut self) -> Result<(), OfferAnswerError> {
        use SignalingState::*;
        self.step(&[HaveLocalOffer], Stable, "remote answer")
    }

    /// A body received now: offer or answer (and the state moves), or an
    /// error when neither is allowed (a second offer while one is pending).
    pub fn receive(&mut self) -> Result<DescriptionKind, OfferAnswerError> {
        if self.expects_offer() {
            self.remote_offer().map(|()| DescriptionKind::Offer)
        } else {
            self.remote_answer().map(|()| DescriptionKind::Answer)
        }
    }

    /// A body sent now: offer or answer (and the state moves).
    pub fn send(&mut self) -> Result<DescriptionKind, OfferAnswerError> {
        if self.expects_offer() {
            self.local_offer().map(|()| DescriptionKind::Offer)
        } else {
            self.local_answer().map(|()| DescriptionKind::Answer)
        }
    }

    /// Abandons a pending offer, back to the last stable state (RFC 6337
    /// §3.3). Nothing happens when no offer is pending.
    pub fn rollback(&mut self) {
        if matches!(
            self.state,
            SignalingState::HaveLocalOffer | SignalingState::HaveRemoteOffer
        ) {
            self.state = self.stable;
        }
    }

    /// The session ended.
    pub fn close(&mut self) {
        self.state = SignalingState::Closed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SignalingState::*;

    #[test]
    fn offer_then_answer() {
        let mut oa = OfferAnswer::new();
        assert_eq!(oa.send(), Ok(DescriptionKind::Offer));
        assert_eq!(oa.state(), HaveLocalOffer);
        assert_eq!(oa.receive(), Ok(DescriptionKind::Answer));
        assert_eq!(oa.state(), Stable);
        assert_eq!(oa.receive(), Ok(DescriptionKind::Offer));
        assert_eq!(oa.state(), HaveRemoteOffer);
        assert_eq!(oa.send(), Ok(DescriptionKind::Answer));
        assert_eq!(oa.state(), Stable);
    }

    #[test]
    fn second_offer_is_refused() {
        let mut oa = OfferAnswer::new();
        oa.local_offer().unwrap();
        assert_eq!(
            oa.remote_offer(),
            Err(OfferAnswerError {
                state: HaveLocalOffer,
                step: "remote offer"
            })
        );
        assert!(oa.local_answer().is_err());
        assert_eq!(oa.state(), HaveLocalOffer);
    }

    #[test]
    fn rollback_returns_to_last_stable() {
        let mut oa = OfferAnswer::new();
        oa.local_offer().unwrap();
        oa.rollback();
        assert_eq!(oa.state(), Initial);
        oa.remote_offer().unwrap();
        oa.local_answer().unwrap();
        oa.local_offer().unwrap();
        oa.rollback();
        assert_eq!(oa.state(), Stable);
        oa.rollback();
        assert_eq!(oa.state(), Stable);
        oa.close();
        assert_eq!(oa.state(), Closed);
        assert!(oa.local_offer().is_err());
    }
}
