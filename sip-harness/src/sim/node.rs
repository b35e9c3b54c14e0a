//! The [`Node`] trait: a sans-IO endpoint the simulator drives, and the
//! handles the simulator gives out for nodes ([`NodeId`], [`NodeRef`]).
//!
//! A node is bytes-level on purpose: the transaction layer, a user agent or
//! a tiny test node all plug in through a small adapter that turns bytes
//! into their own inputs and their outputs into [`Transmit`]s.

use core::any::Any;
use core::fmt;
use core::marker::PhantomData;
use sip_core::time::Instant;
use sip_core::transport::{ConnectionId, Transmit, Transport, TransportError};
use std::net::SocketAddr;

/// An application event a node reports; it goes into the trace verbatim.
///
/// Adapters usually build it with `serde_json::json!` or turn a typed event
/// into a string with its `Debug` form.
pub type AppEvent = serde_json::Value;

/// A sans-IO endpoint behind the simulator.
///
/// The simulator calls the `handle_*` methods with the virtual time, then
/// drains [`poll_transmit`](Node::poll_transmit) and
/// [`poll_event`](Node::poll_event) until they return `None` and reads
/// [`poll_timeout`](Node::poll_timeout) to know when to call
/// [`handle_timeout`](Node::handle_timeout) next. Nothing here reads a clock
/// or a socket; the simulator owns both.
///
/// The trait is object safe: the simulator holds nodes as `Box<dyn Node>`
/// (with a downcast for [`Sim::node_mut`](crate::Sim::node_mut)).
pub trait Node {
    /// A datagram arrived on `local` from `remote` (UDP).
    fn handle_datagram(&mut self, now: Instant, local: SocketAddr, remote: SocketAddr, data: &[u8]);

    /// Bytes arrived on a stream connection, in order, in arbitrary chunks:
    /// one SIP message may come in several calls and one call may hold the
    /// end of one message and the start of the next (RFC 3261 §18.3
    /// framing is the node's job).
    fn handle_stream_data(
        &mut self,
        now: Instant,
        conn: ConnectionId,
        local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    );

    /// A stream connection opened: an outbound connection the node asked
    /// for by sending to [`Destination::Addr`](sip_core::transport::Destination::Addr)
    /// was accepted, or a peer connected to one of the node's addresses.
    fn handle_connection_opened(&mut self, now: Instant, info: &ConnectionInfo) {
        let _ = (now, info);
    }

    /// The peer closed a stream connection in an orderly way; the id is no
    /// longer valid.
    fn handle_connection_closed(&mut self, now: Instant, conn: ConnectionId) {
        let _ = (now, conn);
    }

    /// A transport failure: connection refused or reset, or (when the
    /// simulator is configured to report it) an unreachable destination.
    fn handle_transport_error(&mut self, now: Instant, failure: &TransportFailure);

    /// The deadline the node last reported through
    /// [`poll_timeout`](Node::poll_timeout) has passed.
    fn handle_timeout(&mut self, now: Instant);

    /// The next message to send, if any. The simulator picks the source
    /// address: the connection's local address for
    /// [`Destination::Connection`](sip_core::transport::Destination::Connection),
    /// else the node's first address of the destination's IP family.
    fn poll_transmit(&mut self, now: Instant) -> Option<Transmit>;

    /// When the node next wants [`handle_timeout`](Node::handle_timeout).
    fn poll_timeout(&mut self) -> Option<Instant>;

    /// The next application event, recorded in the trace.
    fn poll_event(&mut self) -> Option<AppEvent> {
        None
    }
}

/// What a node learns about a stream connection when it opens.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ConnectionInfo {
    /// The node's handle for the connection.
    pub conn: ConnectionId,
    /// The stream transport (TCP, TLS, WS, WSS).
    pub transport: Transport,
    /// The node's end.
    pub local: SocketAddr,
    /// The peer's end.
    pub remote: SocketAddr,
    /// True when the peer connected to this node.
    pub inbound: bool,
}

/// A transport failure reported to a node.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TransportFailure {
    /// What went wrong.
    pub error: TransportError,
    /// The transport concerned.
    pub transport: Transport,
    /// The node's address.
    pub local: SocketAddr,
    /// The remote address.
    pub remote: SocketAddr,
    /// The connection concerned, for stream transports.
    pub conn: Option<ConnectionId>,
}

/// A node's index in the simulator, in the order nodes were added.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct NodeId(pub(crate) usize);

impl NodeId {
    /// The index (0 for the first node added).
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node#{}", self.0)
    }
}

/// A typed handle for a node: [`Sim::node`](crate::Sim::node) and
/// [`Sim::node_mut`](crate::Sim::node_mut) return the concrete type
/// without a turbofish.
pub struct NodeRef<T> {
    id: NodeId,
    _type: PhantomData<fn() -> T>,
}

impl<T> NodeRef<T> {
    pub(crate) fn new(id: NodeId) -> Self {
        NodeRef {
            id,
            _type: PhantomData,
        }
    }

    /// The untyped id.
    pub fn id(self) -> NodeId {
        self.id
    }
}

impl<T> Clone for NodeRef<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for NodeRef<T> {}

impl<T> fmt::Debug for NodeRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeRef({})", self.id)
    }
}

impl<T> From<NodeRef<T>> for NodeId {
    fn from(r: NodeRef<T>) -> NodeId {
        r.id
    }
}

/// A node the simulator can also downcast (blanket-implemented).
pub(crate) trait AnyNode: Node {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Node + 'static> AnyNode for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
