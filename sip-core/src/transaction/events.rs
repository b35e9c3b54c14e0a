//! What the transaction layer tells its user ([`Event`]), the errors of the
//! TU-facing calls ([`SendError`], [`ResponseError`]), and counters
//! ([`Stats`]).

use super::key::KeyError;
use super::timer::Timer;
use super::{State, TransactionId};
use crate::message::{Request, Response};
use crate::method::Method;
use crate::parse::ParseError;
use crate::status::StatusCode;
use crate::transport::{ConnectionId, Source, TransportError};
use crate::transport_rules::{RouteError, ViaError};

/// Something the transaction user must know, in the order it happened.
///
/// The variants that carry a request box it: an event is moved several
/// times on its way from the layer to the TU, and most events (responses,
/// terminations) are small, so the event stays a fraction of a request's
/// size.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Event {
    /// A new request created server transaction `id` (RFC 3261 §17.2).
    /// The TU answers with [`send_response`](super::TransactionLayer::send_response).
    Request {
        /// The new server transaction.
        id: TransactionId,
        /// The request, with `received`/`rport` added to its top Via
        /// (§18.2.1, RFC 3581 §4).
        request: Box<Request>,
        /// Where it came from.
        source: Source,
        /// For CANCEL: the INVITE server transaction it matches (§9.2), if
        /// any. The TU answers the CANCEL (200, or 481 when `None`) and,
        /// if the INVITE has no final response yet, answers it 487.
        cancels: Option<TransactionId>,
        /// §8.2.2.2: the request has no To tag and its From tag, Call-ID
        /// and CSeq equal those of this other ongoing server transaction,
        /// which it does not match: a merged request (forked and arriving
        /// twice). The TU should answer 482 (Loop Detected).
        merged_with: Option<TransactionId>,
    },
    /// An ACK outside any transaction: the ACK for a 2xx (§13.3.1.4,
    /// §17.1.1.3), passed to the TU (which stops retransmitting its 2xx).
    /// `transaction` names the INVITE server transaction in Accepted that
    /// it matched (RFC 6026 §7.1), if any.
    Ack {
        /// The ACK, with `received`/`rport` stamped.
        request: Box<Request>,
        /// Where it came from.
        source: Source,
        /// The Accepted INVITE server transaction it matched, if any.
        transaction: Option<TransactionId>,
    },
    /// A new request that could not get a server transaction because
    /// [`Config::max_transactions`](super::Config::max_transactions) is
    /// reached. The TU should answer 503 (§21.5.4) with
    /// [`send_stateless`](super::TransactionLayer::send_stateless).
    Overloaded {
        /// The request.
        request: Box<Request>,
        /// Where it came from.
        source: Source,
        /// The limit that was hit.
        limit: usize,
    },
    /// A response for client transaction `id` (provisional or final; for
    /// INVITE, every 2xx, each of which the TU ACKs, §13.2.2.4).
    Response {
        /// The client transaction.
        id: TransactionId,
        /// The response.
        response: Response,
    },
    /// A timer fired without the expected message: B or F (the client TU
    /// treats it as 408, §8.1.3.1), H (no ACK for a non-2xx, §17.2.1).
    Timeout {
        /// The transaction.
        id: TransactionId,
        /// Which timer.
        timer: Timer,
    },
    /// The transport failed for transaction `id` (§17.1.4, §17.2.4); a
    /// client TU treats it as 503 (§8.1.3.1).
    TransportError {
        /// The transaction.
        id: TransactionId,
        /// What the embedder reported.
        error: TransportError,
    },
    /// Transaction `id` reached Terminated and is gone; its id is now
    /// unknown.
    Terminated {
        /// The transaction.
        id: TransactionId,
    },
    /// A response matched no client transaction and was dropped (RFC 6026
    /// §8 changes RFC 3261 §18.1.2: such responses are discarded, no longer
    /// passed to the core).
    StrayResponse {
        /// Why it matched nothing.
        reason: StrayReason,
        /// Its status code.
        status: StatusCode,
        /// Where it came from.
        source: Source,
    },
    /// Incoming bytes were dropped.
    Dropped {
        /// Where they came from (`None` for bytes on an unknown
        /// connection).
        source: Option<Source>,
        /// Why.
        reason: DropReason,
    },
}

/// Why a response matched no client transaction.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StrayReason {
    /// No transaction has this branch and CSeq method (late retransmission
    /// after termination, or a forged or misrouted response).
    #[error("no client transaction matches")]
    NoTransaction,
    /// The response lacks what matching needs.
    #[error("unmatchable response: {0}")]
    Unmatchable(#[from] KeyError),
}

/// Why incoming bytes were dropped.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DropReason {
    /// The bytes are not a SIP message. `answered` tells whether a 400 (or
    /// 505/413) naming the problem was sent back (§21.4.1): only for
    /// requests whose Via, From, To, Call-ID and CSeq could be read.
    #[error("unparseable message: {error}")]
    Parse {
        /// The parser's error.
        error: Box<ParseError>,
        /// Whether an error response was sent.
        answered: bool,
    },
    /// A request whose top Via is missing or malformed; no response can be
    /// routed.
    #[error("request with unusable Via: {0}")]
    Via(#[from] ViaError),
    /// A request that cannot be matched (§17.2.3 needs CSeq and Call-ID).
    #[error("unmatchable request: {0}")]
    Unmatchable(KeyError),
    /// The response route of a request cannot be determined (§18.2.2).
    #[error("{0}")]
    Route(RouteError),
    /// Stream bytes arrived on a connection the embedder never announced
    /// with [`handle_connection_opened`](super::TransactionLayer::handle_connection_opened).
    #[error("data on unknown connection {0}")]
    UnknownConnection(ConnectionId),
    /// A stream connection lost its framing (§18.3); its buffered bytes
    /// were discarded and the embedder should close it.
    #[error("stream framing lost on {0}")]
    StreamBroken(ConnectionId),
}

/// The limit on live transactions was reached.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("transaction limit of {limit} reached")]
pub struct LimitExceeded {
    /// The configured limit.
    pub limit: usize,
}

/// Why the layer refused to send a request.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Too many live transactions; the session layer answers or retries.
    #[error(transparent)]
    Limit(#[from] LimitExceeded),
    /// A header the transaction layer needs is missing or malformed
    /// (From, To, Call-ID, CSeq: §8.1.1).
    #[error("request lacks a valid {0}")]
    MissingHeader(&'static str),
    /// The CSeq method differs from the request method (§8.1.1.5).
    #[error("CSeq method does not match the request method")]
    CSeqMismatch,
    /// ACK is not sent in a transaction: the ACK for a 2xx goes through
    /// [`send_ack_2xx`](super::TransactionLayer::send_ack_2xx); the ACK for
    /// a non-2xx is sent by the transaction itself (§17.1.1.3).
    #[error("ACK is not sent through send_request")]
    AckNotAllowed,
    /// The request is too large for UDP (§18.1.1) and may not move to TCP.
    #[error("message of {size} bytes exceeds the UDP limit of {limit} bytes")]
    MessageTooLarge {
        /// The serialized size.
        size: usize,
        /// MTU − 200.
        limit: usize,
    },
    /// The destination is a connection the layer does not know.
    #[error("unknown connection {0}")]
    UnknownConnection(ConnectionId),
    /// The transaction id is unknown (terminated, or never existed).
    #[error("unknown transaction {0}")]
    UnknownTransaction(TransactionId),
    /// A live client transaction already has this branch and method (a
    /// second CANCEL for the same INVITE, or a reused Via).
    #[error("a client transaction with this branch and method exists")]
    Duplicate,
    /// CANCEL applies to an INVITE client transaction that has received a
    /// provisional response and no final one (§9.1).
    #[error("transaction cannot be cancelled in state {0}")]
    NotCancellable(State),
    /// A stateless message is a request other than ACK.
    #[error("only responses and ACK can be sent statelessly")]
    NotStateless,
    /// A response to an ACK (§17.1.1.3: ACK is never answered).
    #[error("ACK is never answered")]
    ResponseToAck,
    /// The destination of a stateless response could not be derived.
    #[error("{0}")]
    Route(RouteError),
    /// INVITE, ACK and CANCEL are not sent as written bytes
    /// ([`send_request_written`](super::TransactionLayer::send_request_written)).
    #[error("INVITE, ACK and CANCEL are not sent as written bytes")]
    NotWritable,
}

/// Why the layer refused a response from the TU.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The transaction id is unknown (terminated, or never existed).
    #[error("unknown transaction {0}")]
    UnknownTransaction(TransactionId),
    /// The id names a client transaction.
    #[error("{0} is a client transaction")]
    NotServerTransaction(TransactionId),
    /// A final response was already sent (only further 2xx to an INVITE
    /// are allowed, in Accepted, RFC 6026 §7.1).
    #[error("a final response was already sent (state {state})")]
    AlreadyFinal {
        /// The state of the transaction.
        state: State,
    },
    /// The response's CSeq method is ACK: an ACK is never answered.
    #[error("ACK is never answered")]
    ResponseToAck,
    /// The response's CSeq method is not the transaction's method.
    #[error("response CSeq method {found} does not match the transaction method {expected}")]
    MethodMismatch {
        /// The transaction's method.
        expected: Method,
        /// The response's CSeq method.
        found: Method,
    },
}

/// Counters the embedder can log or export.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Stats {
    /// Client transactions created.
    pub client_transactions: u64,
    /// Server transactions created.
    pub server_transactions: u64,
    /// Transactions terminated.
    pub terminated: u64,
    /// Retransmissions sent by timers A, E, G.
    pub retransmissions: u64,
    /// Retransmitted requests absorbed by a server transaction.
    pub requests_absorbed: u64,
    /// Responses matching a client transaction that did not pass them on
    /// (retransmissions in Completed, 1xx after a final...).
    pub responses_absorbed: u64,
    /// Responses that matched no transaction (dropped).
    pub stray_responses: u64,
    /// Incoming messages dropped for other reasons.
    pub dropped: u64,
    /// Error responses (400, 505, 413) sent for unparseable requests.
    pub bad_requests_answered: u64,
    /// Requests refused because of the transaction limit.
    pub overloaded: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The requests being boxed, an event is about the size of a
    /// response event, not of a request.
    #[test]
    fn events_stay_small() {
        let size = core::mem::size_of::<Event>();
        assert!(size <= 160, "Event is {size} bytes");
        assert!(size < core::mem::size_of::<Request>());
    }
}
