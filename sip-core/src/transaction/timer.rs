//! Transaction timers (RFC 3261 §17 and Appendix A, RFC 6026 §8.4) and the
//! deadline queue of the layer.
//!
//! The queue holds `(deadline, sequence, transaction, timer)` entries with
//! lazy deletion: stopping a timer costs nothing, and an entry is checked
//! against its transaction when it reaches the top (the timer is live only
//! if the transaction still exists and still has that timer armed for that
//! deadline). Timers of constant duration (B, D, F, H-M, 100 Trying) sit in
//! one FIFO each, sorted by construction (O(1) push and pop); the
//! retransmission timers A, E and G in a binary heap (O(log n)), so
//! `poll_timeout` and `handle_timeout` stay cheap with 100 000 pending
//! transactions.

use super::TransactionId;
use crate::time::{Duration, Instant};
use core::cmp::Reverse;
use core::fmt;
use std::collections::{BinaryHeap, VecDeque};

/// A transaction timer, named as in RFC 3261 Appendix A.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Timer {
    /// INVITE request retransmit interval, unreliable transports only
    /// (§17.1.1.2). Starts at T1 and doubles.
    A,
    /// INVITE transaction timeout, 64*T1 (§17.1.1.2).
    B,
    /// Wait time for response retransmits in the INVITE client Completed
    /// state: ≥ 32 s unreliable, 0 reliable (§17.1.1.2).
    D,
    /// Non-INVITE request retransmit interval, unreliable only (§17.1.2.2):
    /// T1 doubling up to T2, then T2.
    E,
    /// Non-INVITE transaction timeout, 64*T1 (§17.1.2.2).
    F,
    /// INVITE response retransmit interval, unreliable only (§17.2.1):
    /// T1 doubling up to T2.
    G,
    /// Wait time for ACK receipt, 64*T1 (§17.2.1).
    H,
    /// Wait time for ACK retransmits: T4 unreliable, 0 reliable (§17.2.1).
    I,
    /// Wait time for non-INVITE request retransmits: 64*T1 unreliable, 0
    /// reliable (§17.2.2).
    J,
    /// Wait time for response retransmits in the non-INVITE client
    /// Completed state: T4 unreliable, 0 reliable (§17.1.2.2).
    K,
    /// Wait time for accepted INVITE request retransmits, 64*T1
    /// (RFC 6026 §8.4, §7.1).
    L,
    /// Wait time for retransmissions of 2xx to INVITE or additional 2xx
    /// from other branches of a forked INVITE, 64*T1 (RFC 6026 §8.4, §7.2).
    M,
    /// The 200 ms after which an INVITE server transaction sends 100
    /// (Trying) if the TU has not responded (RFC 3261 §17.2.1). Not a
    /// lettered timer in the RFC.
    Trying,
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Timer::A => "Timer A",
            Timer::B => "Timer B",
            Timer::D => "Timer D",
            Timer::E => "Timer E",
            Timer::F => "Timer F",
            Timer::G => "Timer G",
            Timer::H => "Timer H",
            Timer::I => "Timer I",
            Timer::J => "Timer J",
            Timer::K => "Timer K",
            Timer::L => "Timer L",
            Timer::M => "Timer M",
            Timer::Trying => "100 (Trying) timer",
        };
        f.write_str(s)
    }
}

/// A retransmission timer (A, E or G): when it fires next and the interval
/// in effect.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Retransmit {
    /// The deadline.
    pub at: Instant,
    /// The interval that led to `at`; the next one derives from it.
    pub interval: Duration,
}

impl Retransmit {
    /// A timer first firing `interval` after `now`.
    pub fn start(now: Instant, interval: Duration) -> Self {
        Retransmit {
            at: now + interval,
            interval,
        }
    }

    /// The timer after firing at `now`, with its interval doubled and, if
    /// `cap` is given, capped (Timer A is not capped, E and G are capped at
    /// T2).
    pub fn doubled(self, now: Instant, cap: Option<Duration>) -> Self {
        let mut interval = self.interval.saturating_mul(2);
        if let Some(cap) = cap {
            interval = interval.min(cap);
        }
        Retransmit::start(now, interval)
    }
}

/// True when a timer is armed and its deadline is not after `now`.
pub(crate) fn is_due(deadline: Option<Instant>, now: Instant) -> bool {
    matches!(deadline, Some(d) if d <= now)
}

/// One scheduled deadline.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Entry {
    at: Instant,
    /// Insertion order, so equal deadlines fire in the order they were set.
    seq: u64,
    txn: TransactionId,
    timer: Timer,
}

/// The queue of a timer whose duration is a constant of the
/// configuration (every timer but the retransmission timers A, E and G):
/// its deadlines are `now` plus that constant, so with a clock that does
/// not go back they arrive in order and a FIFO keeps them sorted.
fn fifo_of(timer: Timer) -> Option<usize> {
    Some(match timer {
        Timer::A | Timer::E | Timer::G => return None,
        Timer::B => 0,
        Timer::D => 1,
        Timer::F => 2,
        Timer::H => 3,
        Timer::I => 4,
        Timer::J => 5,
        Timer::K => 6,
        Timer::L => 7,
        Timer::M => 8,
        Timer::Trying => 9,
    })
}

const FIFOS: usize = 10;

/// Where the earliest entry is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    Fifo(usize),
    Heap,
}

/// The deadline queue, with lazy deletion: one sorted FIFO per timer of
/// constant duration (pushes append, O(1); an out-of-order deadline, from
/// a clock that went back, is inserted in place) and a min-heap for the
/// retransmission timers. Entries leave in `(deadline, insertion)` order
/// whatever queue holds them.
#[derive(Debug)]
pub(crate) struct TimerQueue {
    fifos: [VecDeque<Entry>; FIFOS],
    /// Bit `i` set when `fifos[i]` is not empty.
    busy: u16,
    /// The first entry of each FIFO whose `busy` bit is set (a copy, so
    /// that finding the earliest entry reads one array).
    heads: [Entry; FIFOS],
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
    /// The earliest entry's queue, when known (`Some(None)`: empty).
    min: Option<Option<Source>>,
}

impl Default for TimerQueue {
    fn default() -> Self {
        const NONE: Entry = Entry {
            at: Instant::ZERO,
            seq: 0,
            txn: TransactionId::from_raw(0),
            timer: Timer::B,
        };
        TimerQueue {
            fifos: Default::default(),
            busy: 0,
            heads: [NONE; FIFOS],
            heap: BinaryHeap::new(),
            seq: 0,
            min: None,
        }
    }
}

impl TimerQueue {
    /// Schedules `timer` of `txn` at `at`.
    #[inline(always)]
    pub(crate) fn push(&mut self, at: Instant, txn: TransactionId, timer: Timer) {
        self.seq += 1;
        let e = Entry {
            at,
            seq: self.seq,
            txn,
            timer,
        };
        let source = match fifo_of(timer) {
            Some(i) => {
                let q = &mut self.fifos[i];
                match q.back() {
                    Some(last) if *last > e => {
                        let at = q.partition_point(|x| *x < e);
                        q.insert(at, e);
                        if at == 0 {
                            self.heads[i] = e;
                        }
                    }
                    Some(_) => q.push_back(e),
                    None => {
                        q.push_back(e);
                        self.heads[i] = e;
                    }
                }
                self.busy |= 1 << i;
                Source::Fifo(i)
            }
            None => {
                self.heap.push(Reverse(e));
                Source::Heap
            }
        };
        // A new earliest entry is at the head of its queue.
        self.min = match self.min {
            Some(Some(m)) if self.head(m).is_some_and(|h| h <= e) => Some(Some(m)),
            Some(_) => Some(Some(source)),
            None => None,
        };
    }

    fn head(&self, source: Source) -> Option<Entry> {
        match source {
            Source::Fifo(i) => (self.busy >> i & 1 != 0).then(|| self.heads[i]),
            Source::Heap => self.heap.peek().map(|r| r.0),
        }
    }

    /// The earliest entry and its queue.
    fn earliest(&mut self) -> Option<(Source, Entry)> {
        debug_assert!(self
            .fifos
            .iter()
            .enumerate()
            .all(|(i, q)| q.is_empty() == (self.busy >> i & 1 == 0)
                && q.front().is_none_or(|f| *f == self.heads[i])));
        let source = match self.min {
            Some(m) => m,
            None => {
                let mut best: Option<(Source, Entry)> =
                    self.heap.peek().map(|r| (Source::Heap, r.0));
                let mut busy = self.busy;
                while busy != 0 {
                    let i = busy.trailing_zeros() as usize;
                    busy &= busy - 1;
                    let e = self.heads[i];
                    let earlier = match best {
                        Some((_, b)) => e < b,
                        None => true,
                    };
                    if earlier {
                        best = Some((Source::Fifo(i), e));
                    }
                }
                let m = best.map(|(s, _)| s);
                self.min = Some(m);
                m
            }
        }?;
        self.head(source).map(|e| (source, e))
    }

    fn pop(&mut self, source: Source) {
        match source {
            Source::Fifo(i) => {
                let q = &mut self.fifos[i];
                q.pop_front();
                match q.front() {
                    Some(&f) => self.heads[i] = f,
                    None => self.busy &= !(1 << i),
                }
            }
            Source::Heap => {
                self.heap.pop();
            }
        }
        self.min = None;
    }

    /// Number of entries, stale ones included.
    pub(crate) fn len(&self) -> usize {
        self.heap.len() + self.fifos.iter().map(VecDeque::len).sum::<usize>()
    }

    /// The earliest live deadline. Stale entries met on the way are
    /// discarded; `live` tells whether `timer` of `txn` is still armed for
    /// `at`.
    pub(crate) fn peek(
        &mut self,
        mut live: impl FnMut(TransactionId, Timer, Instant) -> bool,
    ) -> Option<Instant> {
        while let Some((source, e)) = self.earliest() {
            if live(e.txn, e.timer, e.at) {
                return Some(e.at);
            }
            self.pop(source);
        }
        None
    }

    /// Removes and returns the earliest live entry due at or before `now`.
    pub(crate) fn pop_due(
        &mut self,
        now: Instant,
        mut live: impl FnMut(TransactionId, Timer, Instant) -> bool,
    ) -> Option<(Instant, TransactionId, Timer)> {
        while let Some((source, e)) = self.earliest() {
            if !live(e.txn, e.timer, e.at) {
                self.pop(source);
                continue;
            }
            if e.at > now {
                return None;
            }
            self.pop(source);
            return Some((e.at, e.txn, e.timer));
        }
        None
    }

    /// Drops every stale entry.
    pub(crate) fn compact(&mut self, mut live: impl FnMut(TransactionId, Timer, Instant) -> bool) {
        let mut v = core::mem::take(&mut self.heap).into_vec();
        v.retain(|Reverse(e)| live(e.txn, e.timer, e.at));
        self.heap = BinaryHeap::from(v);
        self.busy = 0;
        for (i, q) in self.fifos.iter_mut().enumerate() {
            q.retain(|e| live(e.txn, e.timer, e.at));
            if let Some(&f) = q.front() {
                self.busy |= 1 << i;
                self.heads[i] = f;
            }
        }
        self.min = None;
    }

    /// Heap bytes held by the queue.
    pub(crate) fn heap_bytes(&self) -> usize {
        let entry = core::mem::size_of::<Entry>();
        self.heap.capacity() * core::mem::size_of::<Reverse<Entry>>()
            + self
                .fifos
                .iter()
                .map(|q| q.capacity() * entry)
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> TransactionId {
        TransactionId::from_raw(n)
    }

    #[test]
    fn pops_in_deadline_then_insertion_order() {
        let mut q = TimerQueue::default();
        let t = Instant::from_millis;
        q.push(t(30), id(1), Timer::B);
        q.push(t(10), id(2), Timer::A);
        q.push(t(10), id(1), Timer::A);
        q.push(t(20), id(3), Timer::E);
        let all = |_, _, _| true;
        assert_eq!(q.peek(all), Some(t(10)));
        assert_eq!(q.pop_due(t(25), all), Some((t(10), id(2), Timer::A)));
        assert_eq!(q.pop_due(t(25), all), Some((t(10), id(1), Timer::A)));
        assert_eq!(q.pop_due(t(25), all), Some((t(20), id(3), Timer::E)));
        assert_eq!(q.pop_due(t(25), all), None);
        assert_eq!(q.peek(all), Some(t(30)));
    }

    proptest::proptest! {
        /// Whatever the timers and deadlines (a clock going back
        /// included), entries leave in (deadline, insertion) order, as a
        /// plain sorted list has them.
        #[test]
        fn pops_in_the_order_of_a_sorted_list(
            ops in proptest::collection::vec((0u64..50, 0usize..13, proptest::bool::ANY), 1..80)
        ) {
            let timers = [
                Timer::A, Timer::B, Timer::D, Timer::E, Timer::F, Timer::G, Timer::H,
                Timer::I, Timer::J, Timer::K, Timer::L, Timer::M, Timer::Trying,
            ];
            let mut q = TimerQueue::default();
            let mut model: Vec<(Instant, u64, Timer)> = Vec::new();
            let all = |_, _, _| true;
            for (n, (at, k, pop)) in ops.into_iter().enumerate() {
                let at = Instant::from_millis(at);
                q.push(at, id(n as u64), timers[k]);
                model.push((at, n as u64, timers[k]));
                model.sort();
                if pop {
                    let now = Instant::from_millis(25);
                    let want = model.first().filter(|m| m.0 <= now).copied();
                    if want.is_some() {
                        model.remove(0);
                    }
                    let got = q.pop_due(now, all);
                    proptest::prop_assert_eq!(got, want.map(|(at, n, t)| (at, id(n), t)));
                }
                proptest::prop_assert_eq!(q.peek(all), model.first().map(|m| m.0));
                proptest::prop_assert_eq!(q.len(), model.len());
            }
            while let Some(m) = model.first().copied() {
                model.remove(0);
                proptest::prop_assert_eq!(q.pop_due(Instant::from_millis(1000), all), Some((m.0, id(m.1), m.2)));
            }
            proptest::prop_assert_eq!(q.peek(all), None);
        }
    }

    #[test]
    fn stale_entries_are_skipped_and_compacted() {
        let mut q = TimerQueue::default();
        let t = Instant::from_millis;
        for n in 0..10 {
            q.push(t(n), id(n), Timer::F);
        }
        let odd = |txn: TransactionId, _, _| txn.to_raw() % 2 == 1;
        assert_eq!(q.peek(odd), Some(t(1)));
        q.compact(odd);
        assert_eq!(q.len(), 5);
        assert_eq!(q.pop_due(t(100), odd), Some((t(1), id(1), Timer::F)));
    }

    #[test]
    fn retransmit_doubles_and_caps() {
        let t1 = Duration::from_millis(500);
        let t2 = Duration::from_secs(4);
        let mut r = Retransmit::start(Instant::ZERO, t1);
        let mut fired = Vec::new();
        for _ in 0..6 {
            fired.push(r.at.as_millis());
            r = r.doubled(r.at, Some(t2));
        }
        assert_eq!(fired, [500, 1500, 3500, 7500, 11500, 15500]);
        let mut a = Retransmit::start(Instant::ZERO, t1);
        for _ in 0..5 {
            a = a.doubled(a.at, None);
        }
        assert_eq!(a.interval, Duration::from_secs(16));
    }

    proptest::proptest! {
        /// The heap with lazy deletion agrees with a naive scan of the live
        /// deadlines, whatever the pushes and cancellations.
        #[test]
        fn agrees_with_a_scan(ops in proptest::collection::vec((0u64..50, 0u64..1_000, proptest::bool::ANY), 1..200)) {
            let mut q = TimerQueue::default();
            // The "machine" state: the armed deadline of each (txn, Timer::A).
            let mut armed: std::collections::HashMap<u64, Instant> = Default::default();
            for (txn, at, cancel) in ops {
                if cancel {
                    armed.remove(&txn);
                } else {
                    armed.insert(txn, Instant::from_millis(at));
                    q.push(Instant::from_millis(at), id(txn), Timer::A);
                }
                let live = |i: TransactionId, _, at| armed.get(&i.to_raw()) == Some(&at);
                let expected = armed.values().min().copied();
                proptest::prop_assert_eq!(q.peek(live), expected);
            }
            // Popping everything yields the live deadlines in order.
            let mut popped = Vec::new();
            while let Some((at, txn, _)) = q.pop_due(Instant::MAX, |i, _, at| armed.get(&i.to_raw()) == Some(&at)) {
                armed.remove(&txn.to_raw());
                popped.push(at);
            }
            proptest::prop_assert!(popped.windows(2).all(|w| w[0] <= w[1]));
            proptest::prop_assert!(armed.is_empty());
        }
    }
}
