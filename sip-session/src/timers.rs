//! The timers of the session layer and their deadline queue.
//!
//! Each session holds a fixed table of deadlines indexed by
//! [`SessionTimer`]; the user agent keeps one binary heap of
//! `(deadline, owner, timer)` with lazy deletion: an entry counts only if
//! its owner still has that timer armed for that very deadline. Arming,
//! stopping and `poll_timeout` stay O(log n) whatever the number of
//! sessions, and an established session without timers costs nothing.

use crate::ids::{RequestId, SessionId};
use sip_core::time::Instant;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A timer of one session.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub(crate) enum SessionTimer {
    /// Invitation: nobody answered within `no_answer_timeout`: 480.
    NoAnswer = 0,
    /// Invitation: the INVITE's Expires passed (RFC 3261 §13.3.1): 487.
    Expires,
    /// Invitation: retransmit the 2xx (RFC 3261 §13.3.1.4: T1, doubling
    /// up to T2).
    Retransmit2xx,
    /// Invitation: 64*T1 after the 2xx without ACK: BYE (§13.3.1.4).
    AckWait,
    /// Invitation: retransmit the reliable provisional response (RFC 3262
    /// §3: T1, doubling).
    Retransmit1xx,
    /// Invitation: 64*T1 without PRACK: 504 (RFC 3262 §3).
    PrackWait,
    /// Inviter: no final response within `invite_timeout`: CANCEL.
    InviteTimeout,
    /// Inviter: 64*T1 after CANCEL without final response: give up (RFC
    /// 3261 §9.1).
    CancelWait,
    /// Inviter: the application did not give the description needed for
    /// an ACK or PRACK in time.
    Description,
    /// Our re-INVITE got 491: send it again (RFC 3261 §14.1 delay).
    ReinviteRetry,
    /// Retransmit the 2xx to the peer's re-INVITE (§13.3.1.4).
    ReinviteRetransmit2xx,
    /// 64*T1 after the 2xx to the peer's re-INVITE without ACK: BYE.
    ReinviteAckWait,
    /// The application did not answer the peer's re-INVITE in time: 488;
    /// or did not give the answer for the ACK of our re-INVITE: ACK, BYE.
    ReinviteAnswer,
    /// The application did not answer the peer's UPDATE in time: 488.
    UpdateAnswer,
    /// RFC 4028 §10: the refresher's refresh, at half the interval.
    SessionRefresh,
    /// RFC 4028 §10: the session expired unrefreshed: BYE.
    SessionExpiry,
    /// Our UPDATE got 491: send it again (RFC 3311 §5.2, the RFC 3261
    /// §14.1 delay).
    UpdateRetry,
    /// Our re-INVITE has no final response: `invite_timeout` after it was
    /// sent (the bound of an initial INVITE, RFC 3261 §14.1), or 64*T1
    /// after its session ended: CANCEL it once a provisional response
    /// arrived (§9.1).
    ReinviteTimeout,
    /// 64*T1 after the CANCEL of our re-INVITE without final response:
    /// the transaction is considered cancelled and destroyed (§9.1).
    ReinviteCancelWait,
}

impl SessionTimer {
    pub(crate) const COUNT: usize = 19;
}

/// The deadlines of one session; [`Instant::MAX`] means unarmed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TimerTable([Instant; SessionTimer::COUNT]);

impl Default for TimerTable {
    fn default() -> Self {
        TimerTable([Instant::MAX; SessionTimer::COUNT])
    }
}

impl TimerTable {
    pub(crate) fn get(&self, t: SessionTimer) -> Option<Instant> {
        let at = self.0[t as usize];
        (at != Instant::MAX).then_some(at)
    }

    pub(crate) fn set(&mut self, t: SessionTimer, at: Instant) {
        self.0[t as usize] = at;
    }

    pub(crate) fn stop(&mut self, t: SessionTimer) {
        self.0[t as usize] = Instant::MAX;
    }

    pub(crate) fn stop_all(&mut self) {
        self.0 = [Instant::MAX; SessionTimer::COUNT];
    }
}

/// Who owns a queued deadline.
#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord)]
pub(crate) enum TimerOwner {
    /// A session timer.
    Session(SessionId, SessionTimer),
    /// The answer deadline of a request the application answers.
    Request(RequestId),
    /// A Registerer timer.
    Registerer(crate::registerer::RegistererId, crate::registerer::RegTimer),
    /// A Publisher timer.
    Publisher(crate::publisher::PublisherId, crate::publisher::PubTimer),
    /// A subscription timer.
    Subscription(
        crate::subscription::SubscriptionId,
        crate::subscription::SubTimer,
    ),
    /// The 2xx of an ended session retransmitted until its ACK.
    PendingAck(crate::user_agent::pending_ack::PendingAckId),
}

/// The deadline heap (lazy deletion).
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<(Instant, TimerOwner)>>,
}

impl TimerQueue {
    pub(crate) fn push(&mut self, at: Instant, owner: TimerOwner) {
        self.heap.push(Reverse((at, owner)));
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// The earliest live deadline; stale entries met on the way are dropped.
    pub(crate) fn peek(&mut self, live: impl Fn(Instant, TimerOwner) -> bool) -> Option<Instant> {
        while let Some(Reverse((at, owner))) = self.heap.peek().copied() {
            if live(at, owner) {
                return Some(at);
            }
            self.heap.pop();
        }
        None
    }

    /// Pops the earliest live entry due at `now`.
    pub(crate) fn pop_due(
        &mut self,
        now: Instant,
        live: impl Fn(Instant, TimerOwner) -> bool,
    ) -> Option<(Instant, TimerOwner)> {
        let at = self.peek(&live)?;
        if at > now {
            return None;
        }
        self.heap.pop().map(|Reverse(e)| e)
    }

    /// Drops stale entries when they dominate.
    pub(crate) fn compact(&mut self, live: impl Fn(Instant, TimerOwner) -> bool) {
        let old = core::mem::take(&mut self.heap);
        self.heap = old
            .into_iter()
            .filter(|Reverse((at, o))| live(*at, *o))
            .collect();
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.heap.capacity() * core::mem::size_of::<Reverse<(Instant, TimerOwner)>>()
    }
}
