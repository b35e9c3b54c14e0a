//! Adapters that put the stack's sans-IO endpoints behind the simulator's
//! [`Node`](crate::Node) trait.
//!
//! | adapter | endpoint |
//! |---|---|
//! | [`txn::TxnNode`] | a [`TransactionLayer`](sip_core::transaction::TransactionLayer) with a small transaction user ([`txn::TransactionUser`]) |
//! | [`ua::UaNode`] | a sip-session [`UserAgent`](sip_session::UserAgent) acting like a scripted phone ([`ua::Policy`]) |

pub mod txn;
pub mod ua;

use crate::sim::TransportFailure;
use sip_core::transport::{ConnectionId, Destination, TransportError};
use std::collections::BTreeSet;

/// What a sans-IO endpoint must be told about a [`TransportFailure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FailureRoute {
    /// A connection that is gone (reset): the endpoint closes it, which
    /// fails what was sent on it (RFC 3261 §18.2.2 fallback for servers).
    pub close: Option<ConnectionId>,
    /// Requests sent to this address failed (RFC 3261 §8.1.3.1, §17.1.4).
    pub error_at: Option<(Destination, TransportError)>,
}

/// Maps a simulator transport failure to what the endpoint must hear.
/// `outbound` holds the connections the endpoint opened itself: requests
/// it sent to the peer's address went over them.
pub(crate) fn route_failure(
    failure: &TransportFailure,
    outbound: &mut BTreeSet<ConnectionId>,
) -> FailureRoute {
    let addr = Destination::Addr {
        transport: failure.transport,
        addr: failure.remote,
    };
    match (failure.error, failure.conn) {
        (TransportError::ConnectionReset, Some(conn)) => FailureRoute {
            close: Some(conn),
            error_at: outbound.remove(&conn).then_some((addr, failure.error)),
        },
        // A refused connection was never announced: the requests went to
        // the address.
        _ => FailureRoute {
            close: None,
            error_at: Some((addr, failure.error)),
        },
    }
}
