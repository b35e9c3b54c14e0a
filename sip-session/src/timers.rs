//! The timers of the session layer and their deadline queue.
//!
//! Each session holds a fixed table of deadlines indexed by
//! [`SessionTimer`]; the user agent keeps one queue of `(deadline, owner)`
//! entries with lazy deletion: an entry counts only if its owner still has
//! that timer armed for that very deadline. Timers armed a constant of the
//! configuration after `now` (no answer, ACK and PRACK waits, the INVITE
//! and CANCEL bounds, the description and request answer deadlines) sit in
//! one FIFO per kind once the heap is no longer small, sorted by
//! construction since the clock does not go back (O(1) push and pop); the
//! others (Expires, retransmissions, session refresh and expiry, the 491
//! retries, ...) in a binary heap. Entries leave in `(deadline, owner)`
//! order whatever queue holds them (the order of a single heap), so
//! arming, stopping and `poll_timeout` stay cheap whatever the number of
//! sessions, and an established session without timers costs nothing.

use crate::ids::{RequestId, SessionId};
use sip_core::time::Instant;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

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

/// One queued deadline; entries are ordered by deadline, then owner.
type Entry = (Instant, TimerOwner);

/// The FIFO of a timer armed a constant of the configuration after `now`:
/// its deadlines arrive in order.
fn fifo_of(owner: TimerOwner) -> Option<usize> {
    use SessionTimer as T;
    Some(match owner {
        TimerOwner::Session(_, t) => match t {
            // `no_answer_timeout`.
            T::NoAnswer => 0,
            // 64*T1.
            T::AckWait => 1,
            T::PrackWait => 2,
            T::CancelWait => 3,
            T::ReinviteAckWait => 4,
            T::ReinviteCancelWait => 5,
            // `invite_timeout`.
            T::InviteTimeout => 6,
            // `description_timeout`.
            T::Description => 7,
            // `request_answer_timeout`.
            T::ReinviteAnswer => 8,
            T::UpdateAnswer => 9,
            // Per request or session, or doubling.
            T::Expires
            | T::Retransmit2xx
            | T::Retransmit1xx
            | T::ReinviteRetry
            | T::ReinviteRetransmit2xx
            | T::SessionRefresh
            | T::SessionExpiry
            | T::UpdateRetry
            | T::ReinviteTimeout => return None,
        },
        // `request_answer_timeout`.
        TimerOwner::Request(_) => 10,
        TimerOwner::Registerer(..)
        | TimerOwner::Publisher(..)
        | TimerOwner::Subscription(..)
        | TimerOwner::PendingAck(_) => return None,
    })
}

const FIFOS: usize = 11;

/// Below this many heap entries, every timer goes to the heap.
const SMALL_HEAP: usize = 32;

/// Where the earliest entry is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    Fifo(usize),
    Heap,
}

/// The deadline queue (lazy deletion): a min-heap, and once the heap
/// holds [`SMALL_HEAP`] entries one FIFO per timer of constant duration
/// for those timers. A FIFO push appends; one that arrives out of order
/// (an equal deadline with a smaller owner, or a clock that went back)
/// marks the FIFO's tail unsorted, and the tail is sorted before the FIFO
/// is next read, so a burst of equal deadlines costs one sort of the
/// burst. Entries leave in `(deadline, owner)` order whatever queue holds
/// them.
#[derive(Debug)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<Entry>>,
    /// Bit `i` set when FIFO `i` is not empty.
    busy: u16,
    /// The FIFOs (boxed: with few sessions only the heap is used).
    lanes: Box<Lanes>,
}

/// The FIFOs of a [`TimerQueue`].
#[derive(Debug)]
struct Lanes {
    fifos: [VecDeque<Entry>; FIFOS],
    /// The first entry of each FIFO whose `busy` bit is set and whose
    /// `unsorted` bit is clear.
    heads: [Entry; FIFOS],
    /// Bit `i` set when `fifos[i]` may be out of order from
    /// `unsorted_from[i]` on (every entry before it is sorted and not
    /// after any entry from it on).
    unsorted: u16,
    unsorted_from: [usize; FIFOS],
    /// While a FIFO is busy: the earliest entry and its queue, when
    /// `fresh`.
    first: Option<(Source, Entry)>,
    /// With `first`: a lower bound of the other queues' heads (`None`:
    /// they are empty).
    second: Option<Entry>,
    fresh: bool,
}

impl Default for TimerQueue {
    fn default() -> Self {
        const NONE: Entry = (
            Instant::ZERO,
            TimerOwner::Session(SessionId::new(0, 0), SessionTimer::NoAnswer),
        );
        TimerQueue {
            heap: BinaryHeap::new(),
            busy: 0,
            lanes: Box::new(Lanes {
                fifos: Default::default(),
                heads: [NONE; FIFOS],
                unsorted: 0,
                unsorted_from: [0; FIFOS],
                first: None,
                second: None,
                fresh: false,
            }),
        }
    }
}

impl TimerQueue {
    #[inline]
    pub(crate) fn push(&mut self, at: Instant, owner: TimerOwner) {
        // A small heap is as cheap as a FIFO and leaves nothing to merge.
        if self.heap.len() < SMALL_HEAP && self.busy == 0 {
            self.heap.push(Reverse((at, owner)));
        } else {
            self.push_merged((at, owner));
        }
    }

    #[inline(never)]
    fn push_merged(&mut self, e: Entry) {
        if self.heap.len() >= SMALL_HEAP {
            if let Some(i) = fifo_of(e.1) {
                return self.push_fifo(i, e);
            }
        }
        self.heap.push(Reverse(e));
        self.note(Source::Heap, e);
    }

    /// Keeps `first` and `second` up to date after `e` was pushed into
    /// `source` (not before the head of `source`, unless it is the head).
    fn note(&mut self, source: Source, e: Entry) {
        let l = &mut *self.lanes;
        if !l.fresh {
            return;
        }
        match l.first {
            Some((s, f)) if s == source => {
                if e < f {
                    l.first = Some((s, e));
                }
            }
            Some((_, f)) => {
                if e < f {
                    l.second = Some(f);
                    l.first = Some((source, e));
                } else if l.second.is_none_or(|s2| e < s2) {
                    l.second = Some(e);
                }
            }
            None => {
                l.first = Some((source, e));
                l.second = None;
            }
        }
    }

    fn push_fifo(&mut self, i: usize, e: Entry) {
        let q = &mut self.lanes.fifos[i];
        match q.back() {
            // In order: not before the FIFO's head, so not the earliest.
            Some(last) if *last <= e => q.push_back(e),
            Some(_) => {
                // Sorted up to the first entry after `e`.
                let end = if self.lanes.unsorted >> i & 1 != 0 {
                    self.lanes.unsorted_from[i]
                } else {
                    q.len()
                };
                let (mut lo, mut hi) = (0, end);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if q[mid] <= e {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                q.push_back(e);
                self.lanes.unsorted |= 1 << i;
                self.lanes.unsorted_from[i] = lo;
                self.lanes.fresh = false;
            }
            None => {
                q.push_back(e);
                self.lanes.heads[i] = e;
                self.busy |= 1 << i;
                self.note(Source::Fifo(i), e);
            }
        }
    }

    /// The earliest entry and its queue.
    fn earliest(&mut self) -> Option<(Source, Entry)> {
        if self.busy == 0 {
            return self.heap.peek().map(|r| (Source::Heap, r.0));
        }
        if !self.lanes.fresh {
            self.refresh();
        }
        self.lanes.first
    }

    /// Sorts the unsorted tails and finds the earliest entry.
    #[inline(never)]
    fn refresh(&mut self) {
        while self.lanes.unsorted != 0 {
            let i = self.lanes.unsorted.trailing_zeros() as usize;
            self.lanes.unsorted &= self.lanes.unsorted - 1;
            let q = &mut self.lanes.fifos[i];
            q.make_contiguous()[self.lanes.unsorted_from[i]..].sort();
            self.lanes.heads[i] = q[0];
        }
        debug_assert!(self
            .lanes
            .fifos
            .iter()
            .enumerate()
            .all(|(i, q)| q.is_empty() == (self.busy >> i & 1 == 0)
                && q.front().is_none_or(|f| *f == self.lanes.heads[i])
                && q.iter().zip(q.iter().skip(1)).all(|(a, b)| a <= b)));
        let mut best: Option<(Source, Entry)> = self.heap.peek().map(|r| (Source::Heap, r.0));
        let mut second: Option<Entry> = None;
        let mut busy = self.busy;
        while busy != 0 {
            let i = busy.trailing_zeros() as usize;
            busy &= busy - 1;
            let e = self.lanes.heads[i];
            match best {
                Some((_, b)) if e < b => {
                    second = Some(b);
                    best = Some((Source::Fifo(i), e));
                }
                Some(_) => {
                    if second.is_none_or(|s2| e < s2) {
                        second = Some(e);
                    }
                }
                None => best = Some((Source::Fifo(i), e)),
            }
        }
        self.lanes.first = best;
        self.lanes.second = second;
        // Only merged reads keep `first` (see `note`).
        self.lanes.fresh = self.busy != 0;
    }

    /// Pops the head of `source`, the earliest entry.
    #[inline]
    fn pop(&mut self, source: Source) {
        let next = match source {
            Source::Fifo(i) => {
                let q = &mut self.lanes.fifos[i];
                q.pop_front();
                match q.front() {
                    Some(&f) => {
                        self.lanes.heads[i] = f;
                        Some(f)
                    }
                    None => {
                        self.busy &= !(1 << i);
                        None
                    }
                }
            }
            Source::Heap => {
                self.heap.pop();
                self.heap.peek().map(|r| r.0)
            }
        };
        let l = &mut *self.lanes;
        if self.busy == 0 {
            l.fresh = false;
        } else if l.fresh {
            // The next head of `source` is first if it is not after the
            // other queues' heads.
            match next {
                Some(n) if l.second.is_none_or(|s2| n <= s2) => l.first = Some((source, n)),
                _ => l.fresh = false,
            }
        }
    }

    /// Number of entries, stale ones included.
    pub(crate) fn len(&self) -> usize {
        let fifos = if self.busy == 0 {
            0
        } else {
            self.lanes.fifos.iter().map(VecDeque::len).sum()
        };
        self.heap.len() + fifos
    }

    /// The earliest live deadline; stale entries met on the way are dropped.
    pub(crate) fn peek(&mut self, live: impl Fn(Instant, TimerOwner) -> bool) -> Option<Instant> {
        if self.busy != 0 {
            return self.peek_merged(live);
        }
        // Only the heap holds entries.
        while let Some(&Reverse((at, owner))) = self.heap.peek() {
            if live(at, owner) {
                return Some(at);
            }
            self.heap.pop();
        }
        None
    }

    #[inline(never)]
    fn peek_merged(&mut self, live: impl Fn(Instant, TimerOwner) -> bool) -> Option<Instant> {
        while let Some((source, (at, owner))) = self.earliest() {
            if live(at, owner) {
                return Some(at);
            }
            self.pop(source);
        }
        None
    }

    /// Pops the earliest live entry due at `now`.
    #[inline(never)]
    pub(crate) fn pop_due(
        &mut self,
        now: Instant,
        live: impl Fn(Instant, TimerOwner) -> bool,
    ) -> Option<(Instant, TimerOwner)> {
        let at = self.peek(&live)?;
        if at > now {
            return None;
        }
        if self.busy == 0 {
            return self.heap.pop().map(|Reverse(e)| e);
        }
        // `peek` left the entry first.
        let (source, e) = self.earliest()?;
        self.pop(source);
        Some(e)
    }

    /// Drops stale entries when they dominate.
    #[inline(never)]
    pub(crate) fn compact(&mut self, live: impl Fn(Instant, TimerOwner) -> bool) {
        self.refresh();
        let mut v = core::mem::take(&mut self.heap).into_vec();
        v.retain(|Reverse((at, o))| live(*at, *o));
        self.heap = BinaryHeap::from(v);
        self.busy = 0;
        for (i, q) in self.lanes.fifos.iter_mut().enumerate() {
            q.retain(|(at, o)| live(*at, *o));
            if let Some(&f) = q.front() {
                self.busy |= 1 << i;
                self.lanes.heads[i] = f;
            }
        }
        self.lanes.fresh = false;
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        let entry = core::mem::size_of::<Entry>();
        self.heap.capacity() * core::mem::size_of::<Reverse<Entry>>()
            + self
                .lanes
                .fifos
                .iter()
                .map(|q| q.capacity() * entry)
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const KINDS: [SessionTimer; 8] = [
        SessionTimer::NoAnswer,
        SessionTimer::AckWait,
        SessionTimer::InviteTimeout,
        SessionTimer::Description,
        SessionTimer::Expires,
        SessionTimer::Retransmit2xx,
        SessionTimer::SessionRefresh,
        SessionTimer::ReinviteTimeout,
    ];

    fn owner(n: u32, k: usize) -> TimerOwner {
        if k == KINDS.len() {
            let txn = sip_core::transaction::TransactionId::from_raw(u64::from(n));
            return TimerOwner::Request(RequestId(txn));
        }
        TimerOwner::Session(SessionId::new(n, n % 3), KINDS[k])
    }

    /// The reference: the armed timers; the next to fire is the least
    /// `(deadline, owner)`, the order of the single heap the queue
    /// replaces.
    #[derive(Default)]
    struct Model(BTreeMap<TimerOwner, Instant>);

    impl Model {
        fn live(&self) -> impl Fn(Instant, TimerOwner) -> bool + '_ {
            |at, o| self.0.get(&o) == Some(&at)
        }

        fn first(&self) -> Option<(Instant, TimerOwner)> {
            self.0.iter().map(|(o, at)| (*at, *o)).min()
        }
    }

    #[test]
    fn equal_deadlines_fire_in_owner_order_across_fifos_and_heap() {
        let mut q = TimerQueue::default();
        let mut m = Model::default();
        let at = Instant::from_millis(5_000);
        // Descending owners, so the FIFOs receive them out of order.
        for n in (0..100).rev() {
            for k in [0, 1, 4] {
                let o = owner(n, k);
                m.0.insert(o, at);
                q.push(at, o);
            }
        }
        assert_ne!(q.busy, 0, "the fixed timers went to FIFOs");
        let mut fired = Vec::new();
        while let Some(e) = q.pop_due(at, m.live()) {
            fired.push(e);
        }
        let mut want: Vec<_> = m.0.iter().map(|(o, at)| (*at, *o)).collect();
        want.sort();
        assert_eq!(fired, want);
        assert_eq!(q.len(), 0);
    }

    proptest::proptest! {
        /// Random arms (mostly `now` plus the kind's constant, sometimes
        /// any deadline, as from a clock that went back), stops, peeks,
        /// pops and compactions fire the same timers in the same order as
        /// the reference.
        #[test]
        fn fires_as_the_reference(
            ops in proptest::collection::vec(
                (0u8..10, 0u32..40, 0usize..=KINDS.len(), 0u64..3_000),
                1..500,
            )
        ) {
            let mut q = TimerQueue::default();
            let mut m = Model::default();
            let mut now = Instant::from_millis(1_000);
            for (op, n, k, x) in ops {
                let o = owner(n, k);
                match op {
                    0..=4 => {
                        let at = if op == 4 || fifo_of(o).is_none() {
                            Instant::from_millis(x)
                        } else {
                            now + sip_core::time::Duration::from_millis(100 * k as u64 + 50)
                        };
                        m.0.insert(o, at);
                        q.push(at, o);
                    }
                    5 => {
                        m.0.remove(&o);
                    }
                    6 => now += sip_core::time::Duration::from_millis(x % 4),
                    7 => {
                        now += sip_core::time::Duration::from_millis(x % 200);
                        loop {
                            let want = m.first().filter(|f| f.0 <= now);
                            let got = q.pop_due(now, m.live());
                            proptest::prop_assert_eq!(got, want);
                            let Some((_, o)) = want else { break };
                            m.0.remove(&o);
                        }
                    }
                    8 => {
                        // Only live entries stay (an owner armed twice for
                        // the same deadline has two).
                        let before = q.len();
                        q.compact(m.live());
                        proptest::prop_assert!(q.len() <= before);
                    }
                    _ => {}
                }
                proptest::prop_assert_eq!(q.peek(m.live()), m.first().map(|f| f.0));
                proptest::prop_assert!(q.len() >= m.0.len());
            }
            while let Some(want) = m.first() {
                proptest::prop_assert_eq!(q.pop_due(Instant::MAX, m.live()), Some(want));
                m.0.remove(&want.1);
            }
            proptest::prop_assert_eq!(q.pop_due(Instant::MAX, m.live()), None);
            proptest::prop_assert_eq!(q.len(), 0);
        }
    }
}
