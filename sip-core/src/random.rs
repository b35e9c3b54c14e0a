//! Injected, seedable randomness for protocol tokens (sans-IO rule 1).
//!
//! Branch ids (with the RFC 3261 §8.1.1.7 magic cookie `z9hG4bK`), tags
//! (§19.3), Call-IDs (§8.1.1.4) and cnonces (RFC 7616 §3.4) all come from a
//! [`TokenSource`] the embedder seeds. Same seed, same tokens, byte for byte:
//! the generator is ChaCha8, whose output is fixed by its specification.

use rand_chacha::{ChaCha8Core, ChaCha8Rng};
use rand_core::block::BlockRngCore;
use rand_core::SeedableRng;

/// The RFC 3261 §8.1.1.7 branch prefix that marks a compliant branch id.
pub const MAGIC_COOKIE: &str = "z9hG4bK";

const ALPHABET: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The hasher of the stack's lookup tables: fast (foldhash), keyed by
/// [`TokenSource::hash_state`] rather than by the process-wide random
/// state of `std`, so nothing reads a global RNG.
pub type KeyedState = foldhash::quality::FixedState;

/// A `HashMap` keyed by [`KeyedState`].
pub type KeyedMap<K, V> = std::collections::HashMap<K, V, KeyedState>;

/// Words in the generator's buffer.
const WORDS: usize = 64;

/// The generator's output buffer: four ChaCha blocks of 16 words.
type Block = <ChaCha8Core as BlockRngCore>::Results;

/// A deterministic source of random protocol tokens.
///
/// The stream is `ChaCha8Rng::seed_from_u64(seed)`'s `u64` stream: the
/// generator's core fills a buffer of 64 words, read two at a time (low
/// word first), as `ChaCha8Rng` reads them; every draw here takes whole
/// `u64`s, so a draw never straddles two buffers.
#[derive(Debug, Clone)]
pub struct TokenSource {
    core: ChaCha8Core,
    buf: Block,
    /// The next word of `buf` to read (even; 64: refill first).
    index: usize,
    /// The key of [`hash_state`](Self::hash_state), from the seed.
    hash_key: u64,
}

impl TokenSource {
    /// A source seeded with `seed`.
    pub fn from_seed(seed: u64) -> Self {
        let key = ChaCha8Rng::seed_from_u64(seed).get_seed();
        let mut k = [0u8; 8];
        k.copy_from_slice(&key[8..16]);
        TokenSource {
            core: ChaCha8Core::from_seed(key),
            buf: Block::default(),
            index: WORDS,
            hash_key: u64::from_le_bytes(k),
        }
    }

    /// The hash state for the stack's lookup tables (transactions,
    /// dialogs), keyed from this source's seed without drawing from it, so
    /// token sequences stay as they were. Keys of those tables (branches,
    /// Call-IDs, tags) come from the network: seed the source with real
    /// entropy in production so that the keying, like the tokens, cannot
    /// be predicted.
    pub fn hash_state(&self) -> KeyedState {
        KeyedState::with_seed(self.hash_key)
    }

    /// A uniformly distributed `u64`.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        if self.index >= WORDS {
            self.core.generate(&mut self.buf);
            self.index = 0;
        }
        let i = self.index;
        self.index += 2;
        match self.buf.as_ref().get(i..i + 2) {
            Some(&[lo, hi]) => u64::from(hi) << 32 | u64::from(lo),
            // `index` stays even and below WORDS here.
            _ => 0,
        }
    }

    /// A uniformly distributed value in `0..n` (`n > 0`; 0 yields 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift; the bias for the small ranges used here is negligible.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Appends `len` alphanumeric characters to `out`.
    ///
    /// Each character is [`below`](Self::below)`(62)` of one `u64` of the
    /// stream, read from the generator's buffer in place.
    pub fn fill_token(&mut self, out: &mut String, len: usize) {
        out.reserve(len);
        let mut left = len;
        while left > 0 {
            if self.index >= WORDS {
                self.core.generate(&mut self.buf);
                self.index = 0;
            }
            let take = ((WORDS - self.index) / 2).min(left);
            let words = self.buf.as_ref().get(self.index..self.index + 2 * take);
            for w in words.unwrap_or_default().chunks_exact(2) {
                let x = u64::from(w[1]) << 32 | u64::from(w[0]);
                let i = (u128::from(x) * ALPHABET.len() as u128) >> 64;
                // ALPHABET is ASCII: the mask keeps the byte as it is and
                // tells the compiler the character is one byte long.
                out.push(char::from(ALPHABET[i as usize] & 0x7f));
            }
            self.index += 2 * take;
            left -= take;
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

    use rand_core::RngCore;

    /// The characters as drawn one by one from the library's generator
    /// (what tokens were before the buffer was read in place).
    fn fill_token_one_by_one(rng: &mut ChaCha8Rng, out: &mut String, len: usize) {
        for _ in 0..len {
            let i = (u128::from(rng.next_u64()) * ALPHABET.len() as u128) >> 64;
            out.push(ALPHABET[i as usize] as char);
        }
    }

    proptest::proptest! {
        #[test]
        fn tokens_are_the_library_generators_draws(
            seed in proptest::num::u64::ANY,
            steps in proptest::collection::vec((0usize..4, 0usize..70), 1..24),
        ) {
            let mut a = TokenSource::from_seed(seed);
            let mut b = ChaCha8Rng::seed_from_u64(seed);
            for (kind, len) in steps {
                match kind {
                    0 => proptest::prop_assert_eq!(a.next_u64(), b.next_u64()),
                    1 => {
                        let (mut x, mut y) = (String::new(), String::new());
                        a.fill_token(&mut x, len);
                        fill_token_one_by_one(&mut b, &mut y, len);
                        proptest::prop_assert_eq!(x, y);
                    }
                    2 => {
                        let n = len as u64 + 1;
                        let want = ((u128::from(b.next_u64()) * u128::from(n)) >> 64) as u64;
                        proptest::prop_assert_eq!(a.below(n), want);
                    }
                    _ => {
                        let mut y = MAGIC_COOKIE.to_owned();
                        fill_token_one_by_one(&mut b, &mut y, 16);
                        proptest::prop_assert_eq!(a.branch(), y);
                    }
                }
            }
        }

        #[test]
        fn hash_state_is_keyed_by_the_seed(seed in proptest::num::u64::ANY) {
            use core::hash::BuildHasher;
            let key = ChaCha8Rng::seed_from_u64(seed).get_seed();
            let mut k = [0u8; 8];
            k.copy_from_slice(&key[8..16]);
            let want = KeyedState::with_seed(u64::from_le_bytes(k));
            let got = TokenSource::from_seed(seed).hash_state();
            proptest::prop_assert_eq!(got.hash_one("z9hG4bK1"), want.hash_one("z9hG4bK1"));
        }
    }

    #[test]
    fn a_known_seed_gives_known_tokens() {
        // Fixed by ChaCha8 and the alphabet: the ladder snapshots rely on it.
        let mut t = TokenSource::from_seed(1);
        let mut b = ChaCha8Rng::seed_from_u64(1);
        let mut want = String::new();
        fill_token_one_by_one(&mut b, &mut want, 300);
        let mut got = String::new();
        for len in [10, 20, 16, 7, 33, 64, 150] {
            t.fill_token(&mut got, len);
        }
        assert_eq!(got, want);
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = TokenSource::from_seed(3);
        for _ in 0..1000 {
            assert!(r.below(7) < 7);
        }
    }
}
