//! [`TxnNode`]: the sip-core transaction layer (RFC 3261 §17) as a
//! simulator node, driven by a [`TransactionUser`] that plays the part of
//! the core above it (answering requests, ACKing 2xx, retransmitting its
//! own 2xx).
//!
//! The adapter feeds the node inputs to the layer, hands every layer
//! [`Event`] to the TU (which may call the layer back), and reports each
//! event in the trace as a short application event (`"request INVITE"`,
//! `"response 180 Ringing"`, `"timeout Timer F"`, ...).

use crate::sim::{AppEvent, ConnectionInfo, Node, TransportFailure};
use serde_json::json;
use sip_core::time::Instant;
use sip_core::transaction::{Event, TransactionLayer};
use sip_core::transport::{ConnectionId, Transmit};
use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;

/// What a [`TransactionUser`] gets when it is called: the time, the layer
/// to call back, and a place to report application events.
pub struct TuContext<'a> {
    /// The virtual time.
    pub now: Instant,
    /// The transaction layer.
    pub layer: &'a mut TransactionLayer,
    events: &'a mut VecDeque<AppEvent>,
}

impl TuContext<'_> {
    /// Records an application event in the trace.
    pub fn report(&mut self, event: AppEvent) {
        self.events.push_back(event);
    }
}

/// The transaction user (TU) of a [`TxnNode`]: what the core above the
/// transaction layer does with its events.
pub trait TransactionUser {
    /// A layer event, in order.
    fn on_event(&mut self, cx: &mut TuContext<'_>, event: Event);

    /// The TU's own deadline (from [`poll_timeout`](Self::poll_timeout))
    /// passed.
    fn on_timeout(&mut self, cx: &mut TuContext<'_>) {
        let _ = cx;
    }

    /// When the TU next wants [`on_timeout`](Self::on_timeout).
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}

/// A transaction layer and its TU behind the [`Node`] trait.
pub struct TxnNode<U> {
    layer: TransactionLayer,
    tu: U,
    events: VecDeque<AppEvent>,
    /// Connections this node opened (outbound), by id.
    outbound: BTreeSet<ConnectionId>,
}

/// A one-line summary of a layer event for the trace.
pub fn summarize(event: &Event) -> AppEvent {
    let text = match event {
        Event::Request {
            request,
            cancels,
            merged_with,
            ..
        } => {
            let mut s = format!("request {}", request.method);
            if cancels.is_some() {
                s.push_str(" (cancels a transaction)");
            }
            if merged_with.is_some() {
                s.push_str(" (merged)");
            }
            s
        }
        Event::Ack { transaction, .. } => match transaction {
            Some(_) => "ack for 2xx".to_owned(),
            None => "ack (no transaction)".to_owned(),
        },
        Event::Overloaded { limit, .. } => format!("overloaded at {limit} transactions"),
        Event::Response { response, .. } => {
            format!("response {} {}", response.status.as_u16(), response.reason)
        }
        Event::Timeout { timer, .. } => format!("timeout {timer}"),
        Event::TransportError { error, .. } => format!("transport error: {error}"),
        Event::Terminated { .. } => "terminated".to_owned(),
        Event::StrayResponse { reason, status, .. } => {
            format!("stray {}: {reason}", status.as_u16())
        }
        Event::Dropped { reason, .. } => format!("dropped: {reason}"),
        other => format!("{other:?}"),
    };
    json!({ "txn": text })
}

impl<U: TransactionUser> TxnNode<U> {
    /// A node running `layer` under `tu`.
    pub fn new(layer: TransactionLayer, tu: U) -> Self {
        TxnNode {
            layer,
            tu,
            events: VecDeque::new(),
            outbound: BTreeSet::new(),
        }
    }

    /// The layer.
    pub fn layer(&self) -> &TransactionLayer {
        &self.layer
    }

    /// The TU.
    pub fn tu(&self) -> &U {
        &self.tu
    }

    /// Runs `f` on the TU with a context (to start requests from a
    /// scripted action), then delivers the layer events that follow.
    pub fn act<R>(&mut self, now: Instant, f: impl FnOnce(&mut U, &mut TuContext<'_>) -> R) -> R {
        let mut cx = TuContext {
            now,
            layer: &mut self.layer,
            events: &mut self.events,
        };
        let r = f(&mut self.tu, &mut cx);
        self.pump(now);
        r
    }

    /// Hands every pending layer event to the TU.
    fn pump(&mut self, now: Instant) {
        while let Some(ev) = self.layer.poll_event() {
            self.events.push_back(summarize(&ev));
            let mut cx = TuContext {
                now,
                layer: &mut self.layer,
                events: &mut self.events,
            };
            self.tu.on_event(&mut cx, ev);
        }
    }
}

impl<U: TransactionUser> Node for TxnNode<U> {
    fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    ) {
        self.layer.handle_datagram(now, local, remote, data);
        self.pump(now);
    }

    fn handle_stream_data(
        &mut self,
        now: Instant,
        conn: ConnectionId,
        _local: SocketAddr,
        _remote: SocketAddr,
        data: &[u8],
    ) {
        self.layer.handle_stream_data(now, conn, data);
        self.pump(now);
    }

    fn handle_connection_opened(&mut self, now: Instant, info: &ConnectionInfo) {
        if !info.inbound {
            self.outbound.insert(info.conn);
        }
        self.layer
            .handle_connection_opened(info.conn, info.transport, info.local, info.remote);
        self.pump(now);
    }

    fn handle_connection_closed(&mut self, now: Instant, conn: ConnectionId) {
        self.outbound.remove(&conn);
        self.layer.handle_connection_closed(now, conn);
        self.pump(now);
    }

    fn handle_transport_error(&mut self, now: Instant, failure: &TransportFailure) {
        let route = super::route_failure(failure, &mut self.outbound);
        if let Some(conn) = route.close {
            self.layer.handle_connection_closed(now, conn);
        }
        if let Some((dest, error)) = route.error_at {
            self.layer.handle_transport_error(now, dest, error);
        }
        self.pump(now);
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.layer.poll_timeout().is_some_and(|t| t <= now) {
            self.layer.handle_timeout(now);
        }
        if self.tu.poll_timeout().is_some_and(|t| t <= now) {
            let mut cx = TuContext {
                now,
                layer: &mut self.layer,
                events: &mut self.events,
            };
            self.tu.on_timeout(&mut cx);
        }
        self.pump(now);
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Transmit> {
        self.layer.poll_transmit()
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        match (self.layer.poll_timeout(), self.tu.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn poll_event(&mut self) -> Option<AppEvent> {
        self.events.pop_front()
    }
}
