//! The layer's match indexes (RFC 3261 §17.1.3, §17.2.3, §8.2.2.2): from
//! the keyed hash of a matching key to the transactions whose key has that
//! hash. The keys themselves live once, in the transactions: a lookup
//! hashes the parts it read from the message and compares them with the
//! keys of the (almost always single) candidate, so neither a lookup nor
//! an insertion copies a key, and a removal or a table growth hashes only
//! the stored 64-bit value.

use crate::transaction::TransactionId;
use core::hash::{BuildHasherDefault, Hasher};
use smallvec::SmallVec;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// A hasher for keys that already are hashes (the keyed hash of
/// [`TokenSource::hash_state`](crate::random::TokenSource::hash_state)):
/// `write_u64` keeps the value as is.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by `u64` keys; folds anything else in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Transactions by key hash. A key hash names a list: distinct keys may
/// share a hash, and the caller tells which candidate holds its key.
#[derive(Debug, Default)]
pub(crate) struct Index {
    map: HashMap<u64, SmallVec<[TransactionId; 1]>, BuildHasherDefault<PassThrough>>,
}

impl Index {
    /// The first transaction under `hash` for which `is_key` holds.
    #[inline]
    pub(crate) fn find(
        &self,
        hash: u64,
        mut is_key: impl FnMut(TransactionId) -> bool,
    ) -> Option<TransactionId> {
        self.map.get(&hash)?.iter().copied().find(|&id| is_key(id))
    }

    /// Adds `id` under `hash`.
    #[inline]
    pub(crate) fn insert(&mut self, hash: u64, id: TransactionId) {
        self.map.entry(hash).or_default().push(id);
    }

    /// Removes `id` from under `hash`, if it is there.
    #[inline]
    pub(crate) fn remove(&mut self, hash: u64, id: TransactionId) {
        if let Entry::Occupied(mut e) = self.map.entry(hash) {
            let ids = e.get_mut();
            if ids.len() == 1 {
                // The usual hash with one transaction.
                if ids[0] == id {
                    e.remove();
                }
                return;
            }
            if let Some(i) = ids.iter().position(|&x| x == id) {
                ids.remove(i);
                if ids.is_empty() {
                    e.remove();
                }
            }
        }
    }

    /// Approximate bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        let entry = core::mem::size_of::<(u64, SmallVec<[TransactionId; 1]>)>();
        let spilled: usize = self
            .map
            .values()
            .filter(|v| v.spilled())
            .map(|v| v.capacity() * 8)
            .sum();
        self.map.capacity() * (entry + 1) + spilled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_id_of_a_shared_hash() {
        let mut ix = Index::default();
        let (a, b) = (TransactionId::new(1, 0), TransactionId::new(2, 0));
        ix.insert(7, a);
        ix.insert(7, b);
        assert_eq!(ix.find(7, |_| true), Some(a));
        assert_eq!(ix.find(7, |id| id == b), Some(b));
        assert_eq!(ix.find(8, |_| true), None);
        ix.remove(7, a);
        assert_eq!(ix.find(7, |_| true), Some(b));
        ix.remove(7, a);
        ix.remove(7, b);
        assert!(ix.map.is_empty());
    }
}
