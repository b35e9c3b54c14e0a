//! [`UserAgent`]: the transaction layer, dialogs and sessions behind one
//! sans-IO driving API.

pub(crate) mod core;
mod dispatch;
pub(crate) mod pending_ack;
mod requests;
pub(crate) mod response;

pub use requests::IncomingRequest;

use self::core::{Core, Deferred, Link, Wire};
use crate::config::UserAgentConfig;
use crate::error::{InviteError, SessionError};
use crate::events::Event;
use crate::ids::{IdMap, RequestId, SessionId};
use crate::session::{
    inviter, lifecycle, InvitationMut, InviteOptions, InviterMut, Session, SessionData, SessionMut,
    SessionState, SessionTable,
};
use crate::timers::{TimerOwner, TimerQueue};
use sip_core::random::KeyedMap;
use sip_core::random::TokenSource;
use sip_core::time::Instant;
use sip_core::transaction::TransactionLayer;
use sip_core::transport::{ConnectionId, Destination, Transmit, Transport, TransportError};
use sip_core::uri::Uri;
use std::collections::VecDeque;
use std::net::SocketAddr;

/// A SIP user agent (after SIP.js's `UserAgent`): it owns the transaction
/// layer, the dialogs and the sessions, and answers what the application
/// does not.
///
/// # Methods
///
/// * Inputs: [`handle_datagram`](Self::handle_datagram),
///   [`handle_connection_opened`](Self::handle_connection_opened),
///   [`handle_stream_data`](Self::handle_stream_data),
///   [`handle_connection_closed`](Self::handle_connection_closed),
///   [`handle_transport_error`](Self::handle_transport_error),
///   [`handle_timeout`](Self::handle_timeout).
/// * Application commands: [`invite`](Self::invite), and through the
///   views [`session_mut`](Self::session_mut) (`bye`, `dispose`,
///   descriptions), [`inviter`](Self::inviter) (`cancel`),
///   [`invitation`](Self::invitation) (`accept`, `progress`, `reject`),
///   [`request`](Self::request) (answers to [`Event::Request`]).
/// * Getters: [`session`](Self::session), [`sessions`](Self::sessions),
///   [`config`](Self::config), [`memory_usage`](Self::memory_usage).
/// * Outputs: [`poll_transmit`](Self::poll_transmit),
///   [`poll_event`](Self::poll_event), [`poll_timeout`](Self::poll_timeout).
///
/// # Polling order: one mutation, then drain
///
/// After every input or command:
///
/// 1. [`poll_transmit`](Self::poll_transmit) until `None`, sending each
///    [`Transmit`] to its destination;
/// 2. [`poll_event`](Self::poll_event) until `None`, reacting to each
///    [`Event`] (reactions are commands: go back to 1 after them);
/// 3. [`poll_timeout`](Self::poll_timeout): call
///    [`handle_timeout`](Self::handle_timeout) when the clock reaches it.
///
/// Nothing happens between calls: the agent never reads a clock, and
/// every output is queued until polled.
///
/// ```
/// use sip_session::{UserAgent, UserAgentConfig};
/// use sip_core::time::Instant;
///
/// let mut ua = UserAgent::new(UserAgentConfig::default(), 1);
/// let now = Instant::ZERO;
/// while let Some(t) = ua.poll_transmit() { let _ = t; }
/// while let Some(e) = ua.poll_event() { let _ = e; }
/// assert_eq!(ua.poll_timeout(), None);
/// # let _ = now;
/// ```
pub struct UserAgent {
    pub(crate) core: Core,
    pub(crate) sessions: SessionTable,
    pub(crate) roles: crate::roles::Roles,
}

impl UserAgent {
    /// An agent with `config`, its tokens (tags, Call-IDs, branches,
    /// cnonces) drawn from a generator seeded with `seed`.
    pub fn new(config: UserAgentConfig, seed: u64) -> Self {
        let mut tokens = TokenSource::from_seed(seed);
        let hash = tokens.hash_state();
        let mut txn_cfg = config.transaction.clone();
        // RFC 3261 §17.2.1: an INVITE server transaction sends 100
        // (Trying) itself only when the TU has not answered within
        // `trying_delay`. This agent answers every INVITE at once, while
        // handling it (100 Trying, or a final response), so that 100 would
        // never go out: the layer need not build it. With no delay it goes
        // at once and stays.
        if !txn_cfg.trying_delay.is_zero() {
            txn_cfg.send_trying = false;
        }
        let txn = TransactionLayer::new(txn_cfg, TokenSource::from_seed(tokens.next_u64()));
        UserAgent {
            core: Core {
                wire: Wire::new(&config),
                cfg: config,
                txn,
                tokens,
                events: VecDeque::new(),
                timers: TimerQueue::default(),
                dialogs: KeyedMap::with_hasher(hash.clone()),
                links: IdMap::default(),
                requests: IdMap::default(),
                deferred: Vec::new(),
                pending_acks: pending_ack::PendingAcks::new(hash),
                scratch: String::new(),
            },
            sessions: SessionTable::default(),
            roles: crate::roles::Roles::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &UserAgentConfig {
        &self.core.cfg
    }

    /// The transaction layer (read-only: state of transactions, stats).
    pub fn transactions(&self) -> &TransactionLayer {
        &self.core.txn
    }

    // ----- inputs -------------------------------------------------------

    /// A UDP datagram arrived at `local` from `remote`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    ) {
        self.core.txn.handle_datagram(now, local, remote, data);
        self.process(now);
    }

    /// The embedder opened or accepted a stream connection (TCP, TLS,
    /// WebSocket).
    pub fn handle_connection_opened(
        &mut self,
        conn: ConnectionId,
        transport: Transport,
        local: SocketAddr,
        remote: SocketAddr,
    ) {
        self.core
            .txn
            .handle_connection_opened(conn, transport, local, remote);
    }

    /// Bytes arrived on a stream connection.
    pub fn handle_stream_data(&mut self, now: Instant, conn: ConnectionId, data: &[u8]) {
        self.core.txn.handle_stream_data(now, conn, data);
        self.process(now);
    }

    /// A stream connection closed.
    pub fn handle_connection_closed(&mut self, now: Instant, conn: ConnectionId) {
        self.core.txn.handle_connection_closed(now, conn);
        self.process(now);
    }

    /// Sending to `dest` failed (RFC 3261 §18.4): the transactions sending
    /// there fail, an INVITE ends with a synthesized 503 (§8.1.3.1).
    pub fn handle_transport_error(
        &mut self,
        now: Instant,
        dest: Destination,
        error: TransportError,
    ) {
        self.core.txn.handle_transport_error(now, dest, error);
        self.process(now);
    }

    /// The clock reached a deadline from [`poll_timeout`](Self::poll_timeout)
    /// (calling it early or twice does nothing).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.txn.handle_timeout(now);
        self.process(now);
        loop {
            let sessions = &self.sessions;
            let requests = &self.core.requests;
            let acks = &self.core.pending_acks;
            let roles = &self.roles;
            let live =
                |at: Instant, o: TimerOwner| timer_live(sessions, requests, acks, roles, at, o);
            let Some((_, owner)) = self.core.timers.pop_due(now, live) else {
                break;
            };
            match owner {
                TimerOwner::Session(id, t) => {
                    let _ = self.command(now, id, |core, s| {
                        s.timers.stop(t);
                        if crate::session::reinvite::owns_timer(t) {
                            crate::session::reinvite::on_timer(core, s, now, t);
                        } else if s.is_inviter {
                            inviter::on_timer(core, s, now, t);
                        } else {
                            crate::session::invitation::on_timer(core, s, now, t);
                        }
                        Ok(())
                    });
                }
                TimerOwner::Request(id) => requests::answer_default(self, now, id),
                TimerOwner::Registerer(id, t) => crate::registerer::on_timer(self, now, id, t),
                TimerOwner::Subscription(id, t) => crate::subscription::on_timer(self, now, id, t),
                TimerOwner::Publisher(id, t) => crate::publisher::on_timer(self, now, id, t),
                TimerOwner::PendingAck(id) => self.core.on_pending_ack_timer(now, id),
            }
            self.process(now);
        }
        let owners = self.sessions.len() + self.core.requests.len() + self.core.pending_acks.len();
        if self.core.timers.len() > 1024 && self.core.timers.len() > 4 * owners {
            let sessions = &self.sessions;
            let requests = &self.core.requests;
            let acks = &self.core.pending_acks;
            let roles = &self.roles;
            self.core
                .timers
                .compact(|at, o| timer_live(sessions, requests, acks, roles, at, o));
        }
    }

    // ----- outputs ------------------------------------------------------

    /// The next message to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.core.txn.poll_transmit()
    }

    /// The next event for the application.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop_front()
    }

    /// The earliest deadline (transactions and sessions), if any.
    #[must_use]
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        let txn = self.core.txn.poll_timeout();
        let sessions = &self.sessions;
        let requests = &self.core.requests;
        let acks = &self.core.pending_acks;
        let roles = &self.roles;
        let own = self
            .core
            .timers
            .peek(|at, o| timer_live(sessions, requests, acks, roles, at, o));
        match (txn, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- commands and views --------------------------------------------

    /// Sends an INVITE to `target` (SIP.js `new Inviter(...).invite()`):
    /// the new session goes Initial → Establishing. `options.body` is the
    /// offer; without it the offer is expected in the 2xx.
    pub fn invite(
        &mut self,
        now: Instant,
        target: Uri,
        options: InviteOptions,
    ) -> Result<SessionId, InviteError> {
        let live = self.sessions.len();
        let vacant = self.sessions.vacant();
        let id = vacant.0;
        let r = inviter::invite(&mut self.core, now, vacant, live, target, options);
        self.sessions.commit(id);
        r.map(|()| id)
    }

    /// A read-only view of a session; `None` once it is gone (a
    /// Terminated session stays readable until its last transaction ends).
    pub fn session(&self, id: SessionId) -> Option<Session<'_>> {
        self.sessions.get(id).map(|s| Session { s })
    }

    /// The common commands of a session.
    pub fn session_mut(&mut self, id: SessionId) -> Option<SessionMut<'_>> {
        self.sessions.get(id)?;
        Some(SessionMut { ua: self, id })
    }

    /// The commands of an Inviter; `None` for an Invitation.
    pub fn inviter(&mut self, id: SessionId) -> Option<InviterMut<'_>> {
        self.sessions.get(id).filter(|s| s.is_inviter)?;
        Some(InviterMut {
            inner: SessionMut { ua: self, id },
        })
    }

    /// The commands of an Invitation; `None` for an Inviter.
    pub fn invitation(&mut self, id: SessionId) -> Option<InvitationMut<'_>> {
        self.sessions.get(id).filter(|s| !s.is_inviter)?;
        Some(InvitationMut {
            inner: SessionMut { ua: self, id },
        })
    }

    /// A request waiting for the application's answer ([`Event::Request`]).
    pub fn request(&mut self, id: RequestId) -> Option<IncomingRequest<'_>> {
        self.core.requests.get(&id)?;
        Some(IncomingRequest { ua: self, id })
    }

    /// The ids of the sessions held (Terminated ones included until their
    /// last transaction ends).
    pub fn sessions(&self) -> impl Iterator<Item = SessionId> + '_ {
        self.sessions.ids()
    }

    /// Number of sessions held.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// INVITE client transactions given up after a CANCEL that got no final
    /// response for 64*T1 (RFC 3261 §9.1) and destroyed with
    /// `TransactionLayer::abandon`, whose Terminated event has not been
    /// processed yet.
    #[doc(hidden)]
    pub fn abandoned_transactions(&self) -> usize {
        self.core
            .links
            .values()
            .filter(|l| matches!(l, Link::Abandoned))
            .count()
    }

    /// Number of 2xx responses to INVITEs and re-INVITEs whose session
    /// ended before their ACK came, still retransmitted until the ACK or
    /// 64*T1 after they were first sent (RFC 3261 §13.3.1.4).
    pub fn unacknowledged_2xx(&self) -> usize {
        self.core.pending_acks.len()
    }

    /// Number of requests waiting for the application's answer.
    pub fn pending_requests(&self) -> usize {
        self.core.requests.len()
    }

    /// Approximate memory held, in bytes: sessions, dialogs, indexes,
    /// queues and the transaction layer.
    pub fn memory_usage(&self) -> usize {
        ::core::mem::size_of::<Self>() + self.sessions.memory_usage() + self.core.memory_usage()
    }

    // ----- internals ----------------------------------------------------

    /// Runs `f` on session `id` with the core, then does the deferred work
    /// and frees the session if it is over.
    pub(crate) fn command(
        &mut self,
        now: Instant,
        id: SessionId,
        f: impl FnOnce(&mut Core, &mut SessionData) -> Result<(), SessionError>,
    ) -> Result<(), SessionError> {
        let Some(s) = self.sessions.get_mut(id) else {
            return Err(SessionError::InvalidState(SessionState::Terminated));
        };
        let r = f(&mut self.core, s);
        self.after(now, id);
        r
    }

    fn after(&mut self, now: Instant, id: SessionId) {
        while let Some(d) = self.core.deferred.pop() {
            match d {
                Deferred::ByeReplacee(other) => {
                    if let Some(s) = self.sessions.get_mut(other) {
                        let _ = lifecycle::dispose(&mut self.core, s, now);
                        self.end_pending(now, other);
                        self.reap(other);
                    }
                }
            }
        }
        // Both only act on a Terminated session: one lookup for the
        // usual case of a session still up.
        if self
            .sessions
            .get(id)
            .is_some_and(|s| s.state == SessionState::Terminated)
        {
            self.end_pending(now, id);
            self.reap(id);
        }
    }

    /// A session that ended (on whatever path) answers the peer's requests
    /// still waiting for the application (487): every request gets a final
    /// response; and gives up its own re-INVITE still without a final
    /// response (RFC 3261 §9.1).
    fn end_pending(&mut self, now: Instant, id: SessionId) {
        if let Some(s) = self.sessions.get_mut(id) {
            if s.state == SessionState::Terminated {
                crate::session::reinvite::end_pending(&mut self.core, s, now);
                crate::session::reinvite::on_terminated(&mut self.core, s, now);
            }
        }
    }

    /// Frees a Terminated session once no transaction needs it (an
    /// Inviter keeps answering 2xx retransmissions with its ACK until its
    /// INVITE transaction ends; either side does the same for its
    /// re-INVITE, and cancels it). A 2xx of the session still waiting for
    /// its ACK does not keep it: the agent retransmits it on its own
    /// (`pending_ack`).
    pub(crate) fn reap(&mut self, id: SessionId) {
        let Some(s) = self.sessions.get(id) else {
            return;
        };
        if s.state != SessionState::Terminated {
            return;
        }
        if s.uac.as_ref().is_some_and(|u| u.txn.is_some()) {
            return;
        }
        if crate::session::reinvite::client_alive(&self.core, s) {
            return;
        }
        let _ = self.sessions.remove(id);
    }

    /// The invite client transaction of `id` ended.
    pub(crate) fn on_invite_client_ended(
        &mut self,
        id: SessionId,
        txn: sip_core::transaction::TransactionId,
    ) {
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        let Some(u) = s.uac.as_mut() else { return };
        if u.txn != Some(txn) {
            return;
        }
        u.txn = None;
        let waiting_for_answer = matches!(u.pending, Some(inviter::Pending::Ack { .. }));
        let cancelled = u.cancel != inviter::CancelState::None;
        match s.state {
            // Nothing more can arrive for the INVITE: drop its data.
            SessionState::Established => inviter::drop_invite_data(&mut self.core, s),
            // The transaction ended without a final response reaching the
            // session (a CANCEL held for a provisional response that never
            // came, then Timer M after a 2xx that was not ours...): no
            // final response can come any more.
            SessionState::Establishing | SessionState::Terminating
                if s.dialog.is_none() && !waiting_for_answer =>
            {
                let cause = if cancelled {
                    crate::TerminationCause::Cancelled
                } else {
                    crate::TerminationCause::Rejected(sip_core::StatusCode::REQUEST_TIMEOUT)
                };
                lifecycle::terminate(&mut self.core, s, cause);
            }
            _ => {}
        }
        self.reap(id);
    }

    /// Whether `txn` is the current INVITE transaction of Inviter `id`.
    pub(crate) fn is_current_invite(
        &self,
        id: SessionId,
        txn: sip_core::transaction::TransactionId,
    ) -> bool {
        self.sessions
            .get(id)
            .and_then(|s| s.uac.as_ref())
            .is_some_and(|u| u.txn == Some(txn))
    }

    pub(crate) fn link(&self, txn: sip_core::transaction::TransactionId) -> Option<Link> {
        self.core.links.get(&txn).copied()
    }
}

fn timer_live(
    sessions: &SessionTable,
    requests: &IdMap<RequestId, self::core::PendingRequest>,
    acks: &pending_ack::PendingAcks,
    roles: &crate::roles::Roles,
    at: Instant,
    o: TimerOwner,
) -> bool {
    match o {
        TimerOwner::Session(id, t) => sessions
            .get(id)
            .is_some_and(|s| s.timers.get(t) == Some(at)),
        TimerOwner::Request(id) => requests.get(&id).is_some_and(|p| p.deadline == at),
        TimerOwner::Registerer(id, t) => crate::registerer::timer_live(roles, id, t, at),
        TimerOwner::Subscription(id, t) => crate::subscription::timer_live(roles, id, t, at),
        TimerOwner::Publisher(id, t) => crate::publisher::timer_live(roles, id, t, at),
        TimerOwner::PendingAck(id) => acks.timer_live(id, at),
    }
}
