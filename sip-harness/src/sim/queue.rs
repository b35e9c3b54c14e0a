//! The simulator's event queue: pending events in `(time, scheduling
//! order)` order.
//!
//! Most events are scheduled a link's constant latency after now, so they
//! arrive in time order already: those go to a FIFO, and only the others
//! (jitter, reordering, retransmission delays, scripted actions set in
//! the past of the FIFO's last entry) to a binary heap. Popping merges
//! the two heads, so the order is exactly that of a single heap, at the
//! cost of a push and a pop on a ring buffer for the usual event.

use sip_core::time::Instant;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// An item due at a virtual time, ordered by time then by scheduling
/// order.
struct Entry<T> {
    at: Instant,
    seq: u64,
    item: T,
}

impl<T> Entry<T> {
    fn key(&self) -> (Instant, u64) {
        (self.at, self.seq)
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    /// Reversed, so the std max-heap pops the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// Items ordered by due time, ties in the order they were pushed.
pub(super) struct EventQueue<T> {
    /// Entries pushed in nondecreasing time order (so sorted).
    fifo: VecDeque<Entry<T>>,
    /// The rest.
    heap: BinaryHeap<Entry<T>>,
    seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            fifo: VecDeque::new(),
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<T> EventQueue<T> {
    /// Queues `item` for `at`, after everything already queued for `at`.
    pub(super) fn push(&mut self, at: Instant, item: T) {
        let seq = self.seq;
        self.seq += 1;
        let e = Entry { at, seq, item };
        if self.fifo.back().is_none_or(|b| b.at <= at) {
            self.fifo.push_back(e);
        } else {
            self.heap.push(e);
        }
    }

    /// Whether the FIFO's head comes before the heap's.
    fn fifo_first(&self) -> Option<bool> {
        match (self.fifo.front(), self.heap.peek()) {
            (Some(f), Some(h)) => Some(f.key() < h.key()),
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (None, None) => None,
        }
    }

    /// When the earliest item is due.
    pub(super) fn next_at(&self) -> Option<Instant> {
        match (self.fifo.front(), self.heap.peek()) {
            (Some(f), Some(h)) => Some(f.at.min(h.at)),
            (f, h) => f.or(h).map(|e| e.at),
        }
    }

    /// The earliest item, if it is due at `now` or before.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<T> {
        if self.next_at()? > now {
            return None;
        }
        let e = if self.fifo_first()? {
            self.fifo.pop_front()
        } else {
            self.heap.pop()
        };
        e.map(|e| e.item)
    }

    /// How many items are queued.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.fifo.len() + self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ties_pop_in_push_order_across_fifo_and_heap() {
        let mut q = EventQueue::default();
        let t = |ms| Instant::from_millis(ms);
        q.push(t(10), "a"); // fifo
        q.push(t(5), "b"); // heap
        q.push(t(10), "c"); // fifo
        q.push(t(5), "d"); // heap
        assert_eq!(q.next_at(), Some(t(5)));
        assert_eq!(q.pop_due(t(4)), None);
        let order: Vec<_> = std::iter::from_fn(|| q.pop_due(t(10))).collect();
        assert_eq!(order, ["b", "d", "a", "c"]);
        assert_eq!(q.len(), 0);
        assert_eq!(q.next_at(), None);
    }

    proptest! {
        /// Against a single sorted list: the same items come out in the
        /// same order whatever the pushes and pops interleaved.
        #[test]
        fn pops_in_the_order_of_a_single_heap(
            ops in proptest::collection::vec((any::<bool>(), 0u64..50, 0u64..50), 0..200)
        ) {
            let mut q = EventQueue::default();
            let mut model: Vec<(Instant, u64)> = Vec::new();
            let mut now = 0u64;
            let mut n = 0u64;
            for (push, delay, advance) in ops {
                if push {
                    let at = Instant::from_millis(now + delay);
                    q.push(at, n);
                    model.push((at, n));
                    n += 1;
                } else {
                    now += advance % 5;
                    let t = Instant::from_millis(now);
                    model.sort();
                    let want = model.first().filter(|(at, _)| *at <= t).map(|&(_, id)| id);
                    if want.is_some() {
                        model.remove(0);
                    }
                    prop_assert_eq!(q.pop_due(t), want);
                }
                prop_assert_eq!(q.len(), model.len());
                prop_assert_eq!(q.next_at(), model.iter().map(|m| m.0).min());
            }
        }
    }
}
