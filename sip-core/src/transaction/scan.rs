//! Byte searches over short header values (a Via, a From or To value, a
//! tag), eight bytes at a time: the matching readers run on every message,
//! on strings too short for the vectorised `memchr` to pay for its set-up.

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// A word with the high bit of each zero byte of `x` set. Bits above the
/// lowest zero byte may be set for non-zero bytes too (the borrow runs
/// on), so only the lowest set bit is exact.
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LOW) & !x & HIGH
}

#[inline(always)]
fn splat(b: u8) -> u64 {
    LOW * u64::from(b)
}

#[inline(always)]
fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

/// The index of the first byte of `b` for which `hits` flags a byte (the
/// lowest flag of a word is exact), `tail` deciding the last bytes.
#[inline(always)]
fn first(b: &[u8], hits: impl Fn(u64) -> u64, tail: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= b.len() {
        let z = hits(word(b, i));
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|&c| tail(c)).map(|p| i + p)
}

/// The index of the first `n` in `b`.
#[inline]
pub(crate) fn find_byte(b: &[u8], n: u8) -> Option<usize> {
    let p = splat(n);
    first(b, |x| zero_bytes(x ^ p), |c| c == n)
}

/// The index of the first `n` or `m` in `b`.
#[inline]
pub(crate) fn find_either(b: &[u8], n: u8, m: u8) -> Option<usize> {
    let (p, q) = (splat(n), splat(m));
    first(
        b,
        |x| zero_bytes(x ^ p) | zero_bytes(x ^ q),
        |c| c == n || c == m,
    )
}

/// The index of the first `n`, `m` or `o` in `b`.
#[inline]
pub(crate) fn find_any3(b: &[u8], n: u8, m: u8, o: u8) -> Option<usize> {
    let (p, q, r) = (splat(n), splat(m), splat(o));
    first(
        b,
        |x| zero_bytes(x ^ p) | zero_bytes(x ^ q) | zero_bytes(x ^ r),
        |c| c == n || c == m || c == o,
    )
}

/// True for the bytes that end a parameter value written without quotes
/// (as the parameter readers stop): `;` `,` SP HT CR LF.
#[inline(always)]
pub(crate) fn ends_value(c: u8) -> bool {
    matches!(c, b';' | b',' | b' ' | b'\t' | b'\r' | b'\n')
}

/// The index of the first byte of `b` that [`ends_value`].
#[inline]
pub(crate) fn find_value_end(b: &[u8]) -> Option<usize> {
    let hits = |x: u64| {
        // The lowest flag over all six searches is the first match of any.
        zero_bytes(x ^ splat(b';'))
            | zero_bytes(x ^ splat(b','))
            | zero_bytes(x ^ splat(b' '))
            | zero_bytes(x ^ splat(b'\t'))
            | zero_bytes(x ^ splat(b'\r'))
            | zero_bytes(x ^ splat(b'\n'))
    };
    first(b, hits, ends_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            proptest::sample::select(vec![
                b'a', b'>', b';', b',', b' ', b'\t', b'\r', b'\n', b'<', 0, 0x80, 0xff, b':', b'=',
            ]),
            0..40,
        )
    }

    proptest::proptest! {
        #[test]
        fn find_byte_is_position(b in bytes(), n in proptest::sample::select(vec![b'>', b';', b',', 0, 0xff])) {
            proptest::prop_assert_eq!(find_byte(&b, n), b.iter().position(|&c| c == n));
        }

        #[test]
        fn find_either_is_position(b in bytes(), n in proptest::sample::select(vec![b'>', b';', b',', 0, 0xff]), m in proptest::sample::select(vec![b',', b';', 0x80])) {
            proptest::prop_assert_eq!(find_either(&b, n, m), b.iter().position(|&c| c == n || c == m));
        }

        #[test]
        fn find_any3_is_position(b in bytes(), n in proptest::sample::select(vec![b'<', b';', 0]), m in proptest::sample::select(vec![b';', b'"', 0x80]), o in proptest::sample::select(vec![b'"', b'>', 0xff])) {
            proptest::prop_assert_eq!(find_any3(&b, n, m, o), b.iter().position(|&c| c == n || c == m || c == o));
        }

        #[test]
        fn find_value_end_is_position(b in bytes()) {
            proptest::prop_assert_eq!(find_value_end(&b), b.iter().position(|&c| ends_value(c)));
        }
    }

    #[test]
    fn finds_in_every_word_position() {
        for len in 0..20 {
            for at in 0..len {
                let mut b = vec![b'x'; len];
                b[at] = b';';
                assert_eq!(find_byte(&b, b';'), Some(at));
                assert_eq!(find_value_end(&b), Some(at));
            }
            assert_eq!(find_byte(&vec![b'x'; len], b';'), None);
        }
    }
}
