//! Errors of the application commands. A command refused by one of
//! these sends nothing and changes nothing.

use crate::offer_answer::SignalingState;
use crate::session::SessionState;
use sip_core::status::StatusCode;
use sip_core::transaction::SendError;

/// Why a session command was refused.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The command is not allowed in this state (SIP.js's "Invalid session
    /// state").
    #[error("invalid session state {0}")]
    InvalidState(SessionState),
    /// A status code outside the range the command takes (`progress`:
    /// 101-199, `reject`: 300-699, `cancel` reason: 200-699).
    #[error("status code {0} not allowed here")]
    InvalidStatus(u16),
    /// The command needs a session description in this offer/answer state
    /// (an answer to the peer's offer, or an offer when the INVITE had
    /// none).
    #[error("a session description is required in signaling state {0}")]
    DescriptionRequired(SignalingState),
    /// No description was requested (see
    /// [`Event::DescriptionRequested`](crate::Event::DescriptionRequested)).
    #[error("no description was requested")]
    NoDescriptionRequested,
    /// The transaction layer refused to send.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The next hop could not be determined.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// An INVITE transaction is already in progress in the dialog, in
    /// either direction (RFC 3261 §14.1; SIP.js `RequestPendingError`).
    #[error("a re-INVITE is already in progress")]
    RequestPending,
}

/// Why a request could not be sent: no next hop.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The next hop's host is a domain name not in
    /// [`UserAgentConfig::hosts`](crate::UserAgentConfig::hosts) and there
    /// is no outbound proxy (the stack does no DNS).
    #[error("cannot resolve {0}")]
    Unresolved(String),
    /// The next hop's URI is not a SIP URI.
    #[error("next hop is not a SIP URI")]
    NotSip,
}

/// Why `invite()` failed.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InviteError {
    /// [`UserAgentConfig::max_sessions`](crate::UserAgentConfig::max_sessions)
    /// sessions exist.
    #[error("session limit of {0} reached")]
    TooManySessions(usize),
    /// The target is not a SIP URI or could not be routed.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// The transaction layer refused to send.
    #[error(transparent)]
    Send(#[from] SendError),
}

/// Why an answer to an incoming request was refused.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// A final status outside 200-699, or a 2xx given to `reject`.
    #[error("status code {0} not allowed here")]
    InvalidStatus(StatusCode),
}
