//! Injected, seedable randomness for protocol tokens (sans-IO rule 1).
//!
//! Branch ids (with the RFC 3261 §8.1.1.7 magic cookie `z9hG4bK`), tags
//! (§19.3), Call-IDs (§8.1.1.4) and cnonces (RFC 7616 §3.4) all come from a
//! [`TokenSource`] the embedder seeds. Same seed, same tokens, byte for byte:
//! the generator is ChaCha8, whose output is fixed by its specification.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The RFC 3261 §8.1.1.7 branch prefix that marks a compliant branch id.
pub const MAGIC_COOKIE: &str = "z9hG4bK";

const ALPHABET: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The hasher of the stack's lookup tables: fast (foldhash), keyed by
/// [`TokenSource::hash_state`] rather than by the process-wide random
/// state of `std`, so nothing reads a global RNG.
pub type KeyedState = foldhash::quality::FixedState;

/// A `HashMap` keyed by [`KeyedState`].
pub type KeyedMap<K, V> = std::collections::HashMap<K, V, KeyedState>;

/// A deterministic source of random protocol tokens.
#[derive(Debug, Clone)]
pub struct TokenSource {
    rng: ChaCha8Rng,
}

impl TokenSource {
    /// A source seeded with `seed`.
    pub fn from_seed(seed: u64) -> Self {
        TokenSource {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The hash state for the stack's lookup tables (transactions,
    /// dialogs), keyed from this source's seed without drawing from it, so
    /// token sequences stay as they were. Keys of those tables (branches,
    /// Call-IDs, tags) come from the network: seed the source with real
    /// entropy in production so that the keying, like the tokens, cannot
    /// be predicted.
    pub fn hash_state(&self) -> KeyedState {
        let seed = self.rng.get_seed();
        let mut k = [0u8; 8];
        k.copy_from_slice(&seed[8..16]);
        KeyedState::with_seed(u64::from_le_bytes(k))
    }

    /// A uniformly distributed `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniformly distributed value in `0..n` (`n > 0`; 0 yields 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift; the bias for the small ranges used here is negligible.
        ((u128::from(self.rng.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Appends `len` alphanumeric characters to `out`.
    ///
    /// Each character is [`below`](Self::below)`(62)` of one `u64` of the
    /// stream, as if drawn one by one; the `u64`s are read sixteen at a
    /// time (the generator's byte stream is its `u64` stream, little
    /// endian).
    pub fn fill_token(&mut self, out: &mut String, len: usize) {
        const BATCH: usize = 16;
        let mut left = len;
        while left > 0 {
            let n = left.min(BATCH);
            let mut words = [0u8; 8 * BATCH];
            self.rng.fill_bytes(&mut words[..8 * n]);
            let mut chars = [0u8; BATCH];
            for (c, w) in chars.iter_mut().zip(words[..8 * n].chunks_exact(8)) {
                let mut x = [0u8; 8];
                x.copy_from_slice(w);
                let i = (u128::from(u64::from_le_bytes(x)) * ALPHABET.len() as u128) >> 64;
                *c = ALPHABET[i as usize];
            }
            // ALPHABET is ASCII.
            out.push_str(core::str::from_utf8(&chars[..n]).unwrap_or_default());
            left -= n;
        }
    }

    /// Appends a new Via branch to `out` (see [`branch`](Self::branch)).
    pub fn push_branch(&mut self, out: &mut String) {
        out.push_str(MAGIC_COOKIE);
        self.fill_token(out, 16);
    }

    /// A token of `len` alphanumeric characters.
    pub fn token(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        self.fill_token(&mut s, len);
        s
    }

    /// A new Via branch: the magic cookie followed by 16 random characters
    /// (RFC 3261 §8.1.1.7).
    pub fn branch(&mut self) -> String {
        let mut s = String::with_capacity(MAGIC_COOKIE.len() + 16);
        self.push_branch(&mut s);
        s
    }

    /// A new From/To tag with 10 random characters (RFC 3261 §19.3 asks
    /// for at least 32 bits of randomness).
    pub fn tag(&mut self) -> String {
        self.token(10)
    }

    /// A new Call-ID with 20 random characters (RFC 3261 §8.1.1.4).
    pub fn call_id(&mut self) -> String {
        self.token(20)
    }

    /// A new cnonce for digest authentication (RFC 7616 §3.4).
    pub fn cnonce(&mut self) -> String {
        self.token(16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tokens() {
        let mut a = TokenSource::from_seed(7);
        let mut b = TokenSource::from_seed(7);
        assert_eq!(a.branch(), b.branch());
        assert_eq!(a.tag(), b.tag());
        let mut c = TokenSource::from_seed(8);
        assert_ne!(a.call_id(), c.call_id());
    }

    #[test]
    fn branch_has_cookie() {
        let b = TokenSource::from_seed(1).branch();
        assert!(b.starts_with(MAGIC_COOKIE));
        assert_eq!(b.len(), 23);
    }

    /// The characters as drawn one by one before tokens were read in
    /// batches.
    fn fill_token_one_by_one(src: &mut TokenSource, out: &mut String, len: usize) {
        for _ in 0..len {
            let i = src.below(ALPHABET.len() as u64) as usize;
            out.push(ALPHABET[i] as char);
        }
    }

    proptest::proptest! {
        #[test]
        fn batched_tokens_are_the_one_by_one_tokens(
            seed in proptest::num::u64::ANY,
            steps in proptest::collection::vec((0usize..3, 0usize..40), 1..12),
        ) {
            let mut a = TokenSource::from_seed(seed);
            let mut b = TokenSource::from_seed(seed);
            for (kind, len) in steps {
                match kind {
                    0 => proptest::prop_assert_eq!(a.next_u64(), b.next_u64()),
                    1 => {
                        let (mut x, mut y) = (String::new(), String::new());
                        a.fill_token(&mut x, len);
                        fill_token_one_by_one(&mut b, &mut y, len);
                        proptest::prop_assert_eq!(x, y);
                    }
                    _ => {
                        let mut y = MAGIC_COOKIE.to_owned();
                        fill_token_one_by_one(&mut b, &mut y, 16);
                        proptest::prop_assert_eq!(a.branch(), y);
                    }
                }
            }
        }
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = TokenSource::from_seed(3);
        for _ in 0..1000 {
            assert!(r.below(7) < 7);
        }
    }
}
