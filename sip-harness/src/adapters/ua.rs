//! [`UaNode`]: a sip-session [`UserAgent`] behind the simulator's
//! [`Node`] trait, acting like a scripted phone.
//!
//! The [`Policy`] says what the phone does on its own: answer incoming
//! calls after ringing (or reject them), hang up established calls after a
//! while, answer in-dialog requests. Everything else is driven by scripted
//! actions calling [`UaNode::act`]. Each [`sip_session::Event`] is recorded
//! in the trace as a short application event, and what happened to every
//! session is kept in [`UaNode::outcomes`].
//!
//! The same node runs over real sockets in `sip-harness call` / `answer`.

use crate::sim::{AppEvent, ConnectionInfo, Node, TransportFailure};
use sip_core::parse::{parse_datagram, ParserConfig, StartLine, StreamItem, StreamParser};
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transport::{ConnectionId, Transmit};
use sip_session::{
    AcceptOptions, Body, ByeOptions, Event, ProgressOptions, RejectOptions, SessionId,
    SessionState, TerminationCause, UserAgent,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;

/// How a phone answers incoming calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerPolicy {
    /// How long it rings (the 180 goes out at once) before answering.
    pub ring: Duration,
    /// Reject with this status instead of answering.
    pub reject: Option<StatusCode>,
}

/// What a [`UaNode`] does without being told.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Answer (or reject) incoming calls; `None` leaves them to scripted
    /// actions.
    pub answer: Option<AnswerPolicy>,
    /// Hang up (BYE) an established call after this long.
    pub hangup_after: Option<Duration>,
    /// The session description this phone offers or answers with.
    pub sdp: Option<Body>,
    /// Ring with a reliable 180 (RFC 3262) as soon as a call arrives; the
    /// agent's automatic 180 should then be off.
    pub reliable_ringing: bool,
    /// With `reliable_ringing`: a reliable 183 (Session Progress) with
    /// [`Policy::sdp`] as the early-media answer instead of a bare 180.
    pub early_media: bool,
    /// Put an established call on hold this long after it was set up: a
    /// re-INVITE with [`Policy::sdp`] made `a=sendonly` (RFC 3264 §8.4).
    pub hold_after: Option<Duration>,
    /// Take the call off hold (re-INVITE `a=sendrecv`) this long after the
    /// hold was answered.
    pub unhold_after: Option<Duration>,
    /// Send this text in an in-dialog INFO (RFC 6086) once established.
    pub info: Option<String>,
    /// Send this text in an in-dialog MESSAGE (RFC 3428) once established.
    pub message: Option<String>,
    /// How to answer the peer's re-INVITEs, one entry per re-INVITE in
    /// arrival order; once empty, [`ReinviteAnswer::Accept`].
    pub reinvite_answers: VecDeque<ReinviteAnswer>,
    /// Refuse the next description the peer sends back (a final answer,
    /// or an offer whose answer is requested), as an application whose
    /// media cannot take it:
    /// [`sip_session::SessionMut::refuse_description`] (BYE with Reason
    /// 488). Set it when sending a re-INVITE; it is used up by the
    /// refusal.
    pub refuse_next_description: bool,
    /// Hang up (BYE) when this phone's re-INVITE fails (a final non-2xx),
    /// as an application that cannot go back to the previous media.
    pub bye_on_reinvite_failure: bool,
    /// Leave REFERs unanswered, so the agent's default answer goes out
    /// after `request_answer_timeout`; otherwise they are accepted and
    /// followed ([`UserAgent::accept_referral`]).
    pub ignore_refer: bool,
    /// Headers added to a rejection by [`AnswerPolicy::reject`] (a
    /// redirect server's Contact, RFC 3261 §13.3.1.2).
    pub reject_headers: Vec<(sip_core::header::HeaderName, String)>,
    /// Lose this many of the ACKs the agent sends (`u32::MAX`: all), as
    /// a transport that fails to send them: the peer's 2xx is then
    /// retransmitted (RFC 3261 §13.3.1.4), its non-2xx until Timer H.
    pub drop_acks: u32,
    /// Send every 2xx to an INVITE without its body, as a broken UAS
    /// would (the caller must end the call, RFC 3261 §13.2.2.4).
    pub strip_2xx_body: bool,
    /// Send every ACK without its body (an ACK that should carry the
    /// answer, RFC 3264 §4, arrives without one).
    pub strip_ack_body: bool,
}

/// How a [`UaNode`] answers one re-INVITE of the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReinviteAnswer {
    /// 200 with this phone's description: the answer to the offer (its
    /// direction mirrored), or an offer when the re-INVITE had none.
    Accept,
    /// 200 without a body (refused by the agent when there is an offer
    /// to answer; the re-INVITE then waits for the answer timeout).
    AcceptWithoutBody,
    /// Reject with this status (the offer is rolled back).
    Reject(StatusCode),
    /// Do not answer: the agent answers 488 after
    /// `request_answer_timeout`.
    Ignore,
}

/// A timed action of the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Accept(SessionId),
    Reject(SessionId, StatusCode),
    Bye(SessionId),
    Hold(SessionId),
    Unhold(SessionId),
    Info(SessionId),
    Message(SessionId),
}

/// How a session went, as seen by this phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The session.
    pub session: SessionId,
    /// True when it reached Established.
    pub established: bool,
    /// Why it ended, once it did.
    pub ended: Option<TerminationCause>,
    /// The last provisional status seen (Inviter) .
    pub progress: Option<StatusCode>,
}

/// A [`UserAgent`] with a [`Policy`], as a simulator node.
pub struct UaNode {
    ua: UserAgent,
    policy: Policy,
    agenda: BTreeMap<(Instant, u64), Action>,
    seq: u64,
    /// What happened to each session, in the order first seen.
    outcomes: Vec<Outcome>,
    /// Where each session's outcome is in `outcomes`.
    outcome_at: HashMap<SessionId, usize, foldhash::fast::FixedState>,
    trace: VecDeque<AppEvent>,
    outbound: BTreeSet<ConnectionId>,
    log: Vec<(Instant, Event)>,
    /// Branches of requests sent (ACK aside) without a final response yet,
    /// read off the wire, so a command can wait for its BYE to be answered.
    awaiting: BTreeSet<String>,
    /// Whether the node watches ([`UaNode::set_watch`]).
    watch: bool,
    streams: BTreeMap<ConnectionId, StreamParser>,
    /// Sessions whose hold re-INVITE is in progress.
    held: BTreeSet<SessionId>,
    /// The peer's re-INVITEs to answer, with their offer.
    reinvites: BTreeMap<SessionId, Option<Body>>,
}

impl UaNode {
    /// A node running `ua` under `policy`.
    pub fn new(ua: UserAgent, policy: Policy) -> Self {
        UaNode {
            ua,
            policy,
            agenda: BTreeMap::new(),
            seq: 0,
            outcomes: Vec::new(),
            outcome_at: HashMap::default(),
            trace: VecDeque::new(),
            outbound: BTreeSet::new(),
            log: Vec::new(),
            awaiting: BTreeSet::new(),
            watch: true,
            streams: BTreeMap::new(),
            held: BTreeSet::new(),
            reinvites: BTreeMap::new(),
        }
    }

    /// The agent.
    pub fn ua(&self) -> &UserAgent {
        &self.ua
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The policy, to change it between actions.
    pub fn policy_mut(&mut self) -> &mut Policy {
        &mut self.policy
    }

    /// Runs `f` on the agent (to start a call, cancel, hang up...), then
    /// reacts to the events that follow.
    pub fn act<R>(&mut self, now: Instant, f: impl FnOnce(&mut UserAgent, Instant) -> R) -> R {
        let r = f(&mut self.ua, now);
        self.react(now);
        r
    }

    /// Every session this phone saw, in id order.
    pub fn outcomes(&self) -> impl Iterator<Item = &Outcome> {
        let mut v: Vec<&Outcome> = self.outcomes.iter().collect();
        v.sort_unstable_by_key(|o| o.session);
        v.into_iter()
    }

    /// Every event the agent reported, with its time (while the node
    /// watches, see [`UaNode::set_watch`]).
    pub fn events(&self) -> &[(Instant, Event)] {
        &self.log
    }

    /// Requests this phone sent that have no final response yet (seen on
    /// the wire; retransmissions count once).
    pub fn awaiting_responses(&self) -> usize {
        self.awaiting.len()
    }

    /// The top Via branches of the requests [`UaNode::awaiting_responses`]
    /// counts.
    pub fn awaiting_branches(&self) -> impl Iterator<Item = &str> {
        self.awaiting.iter().map(String::as_str)
    }

    /// Whether the node watches what it does: reads every datagram it
    /// sends and receives to keep [`UaNode::awaiting_responses`] (the
    /// phone commands wait on it), keeps every agent event for
    /// [`UaNode::events`], and reports each to the simulator as a
    /// one-line application event (for its trace and ladder). On by
    /// default; throughput benchmarks turn it off, as they turn off the
    /// trace: it parses each message once more, formats each event and
    /// keeps them all. Outcomes are kept either way.
    pub fn set_watch(&mut self, on: bool) {
        self.watch = on;
        if !on {
            self.awaiting.clear();
        }
    }

    fn watch_sent(&mut self, data: &[u8]) {
        if !self.watch {
            return;
        }
        if let Ok(v) = parse_datagram(data, &ParserConfig::default()) {
            if v.method().is_some_and(|m| m != "ACK") {
                if let Some(b) = v.transaction_fields().and_then(|f| f.branch) {
                    self.awaiting.insert(b.to_owned());
                }
            }
        }
    }

    fn watch_received(&mut self, data: &[u8]) {
        if !self.watch {
            return;
        }
        if let Ok(v) = parse_datagram(data, &ParserConfig::default()) {
            if let StartLine::Response { code: 200.., .. } = v.start {
                if let Some(b) = v.transaction_fields().and_then(|f| f.branch) {
                    self.awaiting.remove(b);
                }
            }
        }
    }

    fn schedule(&mut self, at: Instant, action: Action) {
        self.seq += 1;
        self.agenda.insert((at, self.seq), action);
    }

    fn outcome(&mut self, session: SessionId) -> &mut Outcome {
        let all = &mut self.outcomes;
        let i = *self.outcome_at.entry(session).or_insert_with(|| {
            all.push(Outcome {
                session,
                established: false,
                ended: None,
                progress: None,
            });
            all.len() - 1
        });
        &mut self.outcomes[i]
    }

    /// Drains the agent's events, applying the policy.
    fn react(&mut self, now: Instant) {
        while let Some(ev) = self.ua.poll_event() {
            if self.watch {
                self.trace.push_back(AppEvent::String(summarize(&ev)));
            }
            self.apply(now, &ev);
            if self.watch {
                self.log.push((now, ev));
            }
        }
        if !self.reinvites.is_empty() {
            self.answer_reinvites(now);
            self.react(now);
        }
    }

    /// Answers the peer's re-INVITEs with this phone's description: an
    /// answer mirroring the offer's direction (RFC 3264 §6.1: sendonly is
    /// answered recvonly, inactive inactive), or an offer when the
    /// re-INVITE had none.
    fn answer_reinvites(&mut self, now: Instant) {
        let sdp = self
            .policy
            .sdp
            .clone()
            .unwrap_or_else(|| Body::sdp(&b"v=0\r\n"[..]));
        for (session, offer) in std::mem::take(&mut self.reinvites) {
            let how = self
                .policy
                .reinvite_answers
                .pop_front()
                .unwrap_or(ReinviteAnswer::Accept);
            let Some(mut s) = self.ua.session_mut(session) else {
                continue;
            };
            match how {
                ReinviteAnswer::Accept => {}
                ReinviteAnswer::AcceptWithoutBody => {
                    let _ = s.accept_reinvite(now, None);
                    continue;
                }
                ReinviteAnswer::Reject(status) => {
                    let _ = s.reject_reinvite(now, status);
                    continue;
                }
                ReinviteAnswer::Ignore => continue,
            }
            let body = match offer {
                Some(o) => {
                    let text = String::from_utf8_lossy(&o.content);
                    let dir = if text.contains("a=sendonly") {
                        "recvonly"
                    } else if text.contains("a=recvonly") {
                        "sendonly"
                    } else if text.contains("a=inactive") {
                        "inactive"
                    } else {
                        "sendrecv"
                    };
                    sip_session::with_direction(&sdp, dir)
                }
                None => sdp.clone(),
            };
            let _ = s.accept_reinvite(now, Some(body));
        }
    }

    fn apply(&mut self, now: Instant, ev: &Event) {
        match *ev {
            Event::Invitation { session } => {
                self.outcome(session);
                if self.policy.reliable_ringing {
                    if let Some(mut inv) = self.ua.invitation(session) {
                        let opts = if self.policy.early_media {
                            ProgressOptions {
                                reliable: true,
                                status: StatusCode::SESSION_PROGRESS,
                                body: self.policy.sdp.clone(),
                                ..ProgressOptions::default()
                            }
                        } else {
                            ProgressOptions {
                                reliable: true,
                                ..ProgressOptions::default()
                            }
                        };
                        let _ = inv.progress(now, opts);
                    }
                }
                if let Some(a) = self.policy.answer.clone() {
                    let action = match a.reject {
                        Some(status) => Action::Reject(session, status),
                        None => Action::Accept(session),
                    };
                    self.schedule(now + a.ring, action);
                }
            }
            Event::Progress {
                session, status, ..
            } => self.outcome(session).progress = Some(status),
            Event::DescriptionRequested { session, .. } if self.policy.refuse_next_description => {
                self.policy.refuse_next_description = false;
                if let Some(mut s) = self.ua.session_mut(session) {
                    let _ = s.refuse_description(now);
                }
            }
            Event::RemoteDescription {
                session,
                kind: sip_session::DescriptionKind::Answer,
                early: false,
                ..
            } if self.policy.refuse_next_description => {
                self.policy.refuse_next_description = false;
                if let Some(mut s) = self.ua.session_mut(session) {
                    let _ = s.refuse_description(now);
                }
            }
            Event::DescriptionRequested { session, .. } => {
                let body = self
                    .policy
                    .sdp
                    .clone()
                    .unwrap_or_else(|| Body::sdp(&b"v=0\r\n"[..]));
                if let Some(mut s) = self.ua.session_mut(session) {
                    let _ = s.provide_description(now, body);
                }
            }
            Event::StateChanged {
                session,
                to: SessionState::Established,
                ..
            } => {
                self.outcome(session).established = true;
                if let Some(d) = self.policy.hangup_after {
                    self.schedule(now + d, Action::Bye(session));
                }
                if let Some(d) = self.policy.hold_after {
                    self.schedule(now + d, Action::Hold(session));
                }
                // One at a time: a MESSAGE sent with the INFO could
                // overtake it and make it arrive out of order (500,
                // RFC 3261 §12.2.2).
                if self.policy.info.is_some() {
                    self.schedule(now, Action::Info(session));
                } else if self.policy.message.is_some() {
                    self.schedule(now, Action::Message(session));
                }
            }
            // Answered once its offer (if any) is known: see `react`.
            Event::Reinvite { session } => {
                self.reinvites.insert(session, None);
            }
            Event::RemoteDescription {
                session,
                kind: sip_session::DescriptionKind::Offer,
                ref body,
                early: false,
            } if self.reinvites.contains_key(&session) => {
                self.reinvites.insert(session, Some(body.clone()));
            }
            Event::RequestOutcome {
                session,
                method: sip_core::Method::Info,
                ..
            } if self.policy.message.is_some() => {
                self.schedule(now, Action::Message(session));
            }
            Event::RequestOutcome {
                session,
                method: sip_core::Method::Invite,
                status,
            } if !status.is_success() && self.policy.bye_on_reinvite_failure => {
                if let Some(mut s) = self.ua.session_mut(session) {
                    if s.state() == SessionState::Established {
                        let _ = s.bye(now, ByeOptions::default());
                    }
                }
            }
            Event::RequestOutcome {
                session,
                method: sip_core::Method::Invite,
                status,
            } if status.is_success() => {
                let held = self.held.remove(&session);
                if held {
                    if let Some(d) = self.policy.unhold_after {
                        self.schedule(now + d, Action::Unhold(session));
                    }
                }
            }
            // A REFER (RFC 3515): 202, the referred call placed with this
            // phone's offer, the referrer NOTIFYed of its progress.
            Event::Request {
                method: sip_core::Method::Refer,
                ..
            } if self.policy.ignore_refer => {}
            Event::Request {
                request,
                method: sip_core::Method::Refer,
                ..
            } => {
                let opts = sip_session::InviteOptions {
                    body: self.policy.sdp.clone(),
                    ..sip_session::InviteOptions::default()
                };
                let _ = self.ua.accept_referral(now, request, opts);
            }
            Event::Request { request, .. } => {
                if let Some(r) = self.ua.request(request) {
                    let _ = r.accept(now);
                }
            }
            Event::Terminated { session, cause } => self.outcome(session).ended = Some(cause),
            _ => {}
        }
    }

    fn run_due(&mut self, now: Instant) {
        while let Some(entry) = self.agenda.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let action = entry.remove();
            match action {
                Action::Accept(id) => {
                    let body = self.policy.sdp.clone();
                    if let Some(mut inv) = self.ua.invitation(id) {
                        let _ = inv.accept(
                            now,
                            AcceptOptions {
                                body,
                                ..AcceptOptions::default()
                            },
                        );
                    }
                }
                Action::Reject(id, status) => {
                    let extra_headers = self.policy.reject_headers.clone();
                    if let Some(mut inv) = self.ua.invitation(id) {
                        let _ = inv.reject(
                            now,
                            RejectOptions {
                                status,
                                extra_headers,
                                ..RejectOptions::default()
                            },
                        );
                    }
                }
                Action::Hold(id) | Action::Unhold(id) => {
                    let hold = matches!(action, Action::Hold(_));
                    let sdp = self
                        .policy
                        .sdp
                        .clone()
                        .unwrap_or_else(|| Body::sdp(&b"v=0\r\n"[..]));
                    if let Some(mut s) = self.ua.session_mut(id) {
                        if s.state() == SessionState::Established {
                            let r = if hold {
                                s.hold(now, &sdp)
                            } else {
                                s.unhold(now, &sdp)
                            };
                            if r.is_ok() && hold {
                                self.held.insert(id);
                            }
                        }
                    }
                }
                Action::Info(id) | Action::Message(id) => {
                    let text = match action {
                        Action::Info(_) => self.policy.info.clone(),
                        _ => self.policy.message.clone(),
                    }
                    .unwrap_or_default();
                    let body = Body::new("text/plain", text.into_bytes());
                    if let Some(mut s) = self.ua.session_mut(id) {
                        if s.state() == SessionState::Established {
                            let _ = if matches!(action, Action::Info(_)) {
                                s.info(now, Some(&body), &[])
                            } else {
                                s.message(now, &body, &[])
                            };
                        }
                    }
                }
                Action::Bye(id) => {
                    if let Some(mut s) = self.ua.session_mut(id) {
                        if s.state() == SessionState::Established {
                            let _ = s.bye(now, ByeOptions::default());
                        }
                    }
                }
            }
            self.react(now);
        }
    }
}

/// Whether the CSeq header of `data` names INVITE.
fn cseq_is_invite(data: &[u8]) -> bool {
    parse_datagram(data, &ParserConfig::default())
        .ok()
        .and_then(|v| v.transaction_fields())
        .is_some_and(|f| f.cseq_method == "INVITE")
}

/// `data` with its body, Content-Type and Content-Disposition removed
/// and Content-Length 0 (header names as our agent writes them).
fn without_body(data: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(data);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut out = String::new();
    for line in head.split("\r\n") {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match name.trim() {
            "content-type" | "content-disposition" | "c" => {}
            "content-length" | "l" => out.push_str("Content-Length: 0\r\n"),
            _ => {
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A one-line summary of an agent event for the trace.
pub fn summarize(ev: &Event) -> String {
    match ev {
        Event::Invitation { session } => format!("{session}: incoming call"),
        Event::StateChanged { session, to, .. } => format!("{session}: {to:?}"),
        Event::Trying { session } => format!("{session}: trying"),
        Event::Progress {
            session,
            status,
            reliable,
        } => {
            format!(
                "{session}: progress {}{}",
                status.as_u16(),
                if *reliable { " (reliable)" } else { "" }
            )
        }
        Event::RemoteDescription {
            session,
            kind,
            early,
            ..
        } => {
            format!(
                "{session}: remote {kind:?}{}",
                if *early { " (early)" } else { "" }
            )
        }
        Event::DescriptionRequested { session, kind } => format!("{session}: {kind:?} requested"),
        Event::Ack { session } => format!("{session}: ACK received"),
        Event::Cancel { session } => format!("{session}: cancelled by caller"),
        Event::Bye { session } => format!("{session}: BYE received"),
        Event::Request {
            session, method, ..
        } => match session {
            Some(s) => format!("{s}: {method} received"),
            None => format!("{method} received"),
        },
        Event::Terminated { session, cause } => format!("{session}: terminated ({cause:?})"),
        Event::Redirected {
            session,
            status,
            target,
        } => format!("{session}: redirected by {} to {target}", status.as_u16()),
        Event::Reinvite { session } => format!("{session}: re-INVITE received"),
        Event::ReferNotify {
            session,
            status,
            terminated,
        } => format!(
            "{session}: REFER progress {}{}",
            status.map_or(0, |s| s.as_u16()),
            if *terminated { " (final)" } else { "" }
        ),
        Event::RequestOutcome {
            session,
            method,
            status,
        } => format!("{session}: {method} answered {}", status.as_u16()),
        other => crate::scenarios::roles::summarize(other).unwrap_or_else(|| format!("{other:?}")),
    }
}

impl Node for UaNode {
    fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    ) {
        self.watch_received(data);
        self.ua.handle_datagram(now, local, remote, data);
        self.react(now);
    }

    fn handle_stream_data(
        &mut self,
        now: Instant,
        conn: ConnectionId,
        _local: SocketAddr,
        _remote: SocketAddr,
        data: &[u8],
    ) {
        let p = self
            .streams
            .entry(conn)
            .or_insert_with(|| StreamParser::new(ParserConfig::default()));
        p.push(data);
        let mut whole = Vec::new();
        while let Some(item) = p.next_item() {
            if let Ok(StreamItem::Message(m)) = item {
                whole.push(m.to_bytes());
            }
        }
        for m in whole {
            self.watch_received(&m);
        }
        self.ua.handle_stream_data(now, conn, data);
        self.react(now);
    }

    fn handle_connection_opened(&mut self, now: Instant, info: &ConnectionInfo) {
        if !info.inbound {
            self.outbound.insert(info.conn);
        }
        self.ua
            .handle_connection_opened(info.conn, info.transport, info.local, info.remote);
        self.react(now);
    }

    fn handle_connection_closed(&mut self, now: Instant, conn: ConnectionId) {
        self.outbound.remove(&conn);
        self.streams.remove(&conn);
        self.ua.handle_connection_closed(now, conn);
        self.react(now);
    }

    fn handle_transport_error(&mut self, now: Instant, failure: &TransportFailure) {
        let route = super::route_failure(failure, &mut self.outbound);
        if let Some(conn) = route.close {
            self.ua.handle_connection_closed(now, conn);
        }
        if let Some((dest, error)) = route.error_at {
            self.ua.handle_transport_error(now, dest, error);
        }
        self.react(now);
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.ua.poll_timeout().is_some_and(|t| t <= now) {
            self.ua.handle_timeout(now);
            self.react(now);
        }
        self.run_due(now);
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Transmit> {
        loop {
            let mut t = self.ua.poll_transmit()?;
            let ack = t.payload.starts_with(b"ACK ");
            if ack && self.policy.drop_acks > 0 {
                self.policy.drop_acks -= 1;
                continue;
            }
            let ok_to_invite = self.policy.strip_2xx_body
                && t.payload.starts_with(b"SIP/2.0 2")
                && cseq_is_invite(&t.payload);
            if (ack && self.policy.strip_ack_body) || (ok_to_invite && self.policy.strip_2xx_body) {
                t.payload = without_body(&t.payload).into();
            }
            self.watch_sent(&t.payload);
            return Some(t);
        }
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        let own = self.agenda.first_key_value().map(|(k, _)| k.0);
        match (self.ua.poll_timeout(), own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn poll_event(&mut self) -> Option<AppEvent> {
        self.trace.pop_front()
    }
}

#[cfg(test)]
#[path = "ua_tests.rs"]
mod tests;
