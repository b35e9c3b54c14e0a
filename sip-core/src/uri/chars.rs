//! Byte classes of the RFC 3261 §25.1 grammar, as lookup tables.
//!
//! Every class is ASCII-only: a byte ≥ 0x80 is never in a class, so a scan
//! that stops at a byte outside the class always stops on a char boundary.

/// `alphanum` (RFC 3261 §25.1).
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// `mark` (RFC 3261 §25.1).
const MARK: &[u8] = b"-_.!~*'()";

/// Builds a 256-entry membership table for the union of the given sets.
const fn table(sets: &[&[u8]]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut s = 0;
    while s < sets.len() {
        let set = sets[s];
        let mut i = 0;
        while i < set.len() {
            t[set[i] as usize] = true;
            i += 1;
        }
        s += 1;
    }
    t
}

/// `user = 1*( unreserved / escaped / user-unreserved )`, without the `%`.
pub(crate) static USER: [bool; 256] = table(&[ALNUM, MARK, b"&=+$,;?/"]);
/// `password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )`.
pub(crate) static PASSWORD: [bool; 256] = table(&[ALNUM, MARK, b"&=+$,"]);
/// Bytes that may appear in `userinfo` before the `@` (user, `:`, password, `%`).
pub(crate) static USERINFO: [bool; 256] = table(&[ALNUM, MARK, b"&=+$,;?/:%"]);
/// `paramchar = param-unreserved / unreserved / escaped`, without the `%`.
pub(crate) static PARAM: [bool; 256] = table(&[ALNUM, MARK, b"[]/:&+$"]);
/// `hname`/`hvalue` characters: `hnv-unreserved / unreserved / escaped`, without the `%`.
pub(crate) static HEADER: [bool; 256] = table(&[ALNUM, MARK, b"[]/?:+$"]);
/// Header values additionally tolerate a raw `@` (common in `Replaces=`
/// call-ids written by peers that forget to escape it).
pub(crate) static HEADER_VALUE: [bool; 256] = table(&[ALNUM, MARK, b"[]/?:+$@"]);
/// `alphanum` (RFC 3261 §25.1).
pub(crate) static ALPHANUM: [bool; 256] = table(&[ALNUM]);
/// Hostname characters: `alphanum / "-" / "."`.
pub(crate) static HOST: [bool; 256] = table(&[ALNUM, b"-."]);
/// `token` (RFC 3261 §25.1).
pub(crate) static TOKEN: [bool; 256] = table(&[ALNUM, b"-.!%*_+`'~"]);
/// `word` (RFC 3261 §25.1): token characters and `( ) < > : \ " / [ ] ? { }`.
pub(crate) static WORD: [bool; 256] = table(&[ALNUM, b"-.!%*_+`'~()<>:\\\"/[]?{}"]);
/// Unquoted `gen-value` characters: `token / host` (host adds `[`, `]`, `:`).
pub(crate) static GEN_VALUE: [bool; 256] = table(&[ALNUM, b"-.!%*_+`'~[]:"]);
/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` after the first byte.
pub(crate) static SCHEME: [bool; 256] = table(&[ALNUM, b"+-."]);
/// Characters kept verbatim in an opaque URI: RFC 3986 `reserved` and
/// `unreserved` (plus RFC 2396 marks), without the `%`.
pub(crate) static OPAQUE: [bool; 256] = table(&[ALNUM, MARK, b";/?:@&=+$,[]#"]);
/// RFC 3966 `pname = 1*( alphanum / "-" )`.
pub(crate) static TEL_PNAME: [bool; 256] = table(&[ALNUM, b"-"]);
/// RFC 3966 `uric` without the `%` and the `;` that ends a parameter.
pub(crate) static TEL_URIC: [bool; 256] = table(&[ALNUM, MARK, b"/?:@&=+$,[]"]);
/// The RFC 2396 `reserved` set: these are *not* equivalent to their escaped
/// form when comparing URIs (RFC 3261 §19.1.4).
pub(crate) static RESERVED: [bool; 256] = table(&[b";/?:@&=+$,"]);

/// Value of an ASCII hex digit.
#[inline]
pub(crate) const fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The escaped byte at `b[i..]` when `b[i] == b'%'` is followed by two hex digits.
#[inline]
pub(crate) fn escaped_at(b: &[u8], i: usize) -> Option<u8> {
    let hi = hex_val(*b.get(i + 1)?)?;
    let lo = hex_val(*b.get(i + 2)?)?;
    Some(hi << 4 | lo)
}

/// Length of the run of bytes of `b[from..]` in `class`.
#[inline]
pub(crate) fn run(b: &[u8], from: usize, class: &[bool; 256]) -> usize {
    let mut i = from;
    while i < b.len() && class[usize::from(b[i])] {
        i += 1;
    }
    i - from
}

/// [`run`] for runs that are usually long (branch values): eight bytes
/// at a time while eight remain, their class bits making a mask whose
/// trailing ones are the part of the run in the chunk, then [`run`].
#[inline]
pub(crate) fn run_long(b: &[u8], from: usize, class: &[bool; 256]) -> usize {
    let mut i = from;
    while let Some(chunk) = b.get(i..i.wrapping_add(8)) {
        let mut m = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            m |= u32::from(class[usize::from(c)]) << k;
        }
        let n = m.trailing_ones() as usize;
        i += n;
        if n < 8 {
            return i - from;
        }
    }
    i + run(b, i, class) - from
}

/// [`run`] for long runs that usually end the text (Call-ID and tag
/// values): eight bytes at a time while all eight are in the class (one
/// AND of their table entries per chunk), then [`run`] from the first
/// chunk that is not.
#[inline(always)]
pub(crate) fn run_to_end(b: &[u8], from: usize, class: &[bool; 256]) -> usize {
    let mut i = from;
    while let Some(c) = b.get(i..i.wrapping_add(8)) {
        let at = |k: usize| class[usize::from(c[k])];
        if !(at(0) & at(1) & at(2) & at(3) & at(4) & at(5) & at(6) & at(7)) {
            break;
        }
        i += 8;
    }
    i + run(b, i, class) - from
}

/// True for a string of one or more `token` characters.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| TOKEN[c as usize])
}

/// Skips linear white space (`SP`, `HTAB`, and a CRLF or LF fold followed by
/// white space, RFC 3261 §25.1 `LWS`) from `i`; returns the new index.
pub(crate) fn skip_lws(b: &[u8], mut i: usize) -> usize {
    loop {
        match b.get(i) {
            Some(b' ' | b'\t') => i += 1,
            Some(b'\r')
                if b.get(i + 1) == Some(&b'\n') && matches!(b.get(i + 2), Some(b' ' | b'\t')) =>
            {
                i += 3
            }
            Some(b'\n') if matches!(b.get(i + 1), Some(b' ' | b'\t')) => i += 2,
            _ => return i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_ascii_only() {
        for t in [
            &USER, &PASSWORD, &USERINFO, &PARAM, &HEADER, &HOST, &TOKEN, &SCHEME, &OPAQUE,
        ] {
            assert!(t[128..].iter().all(|&x| !x));
            assert!(!t[b' ' as usize] && !t[b'<' as usize] && !t[b'"' as usize]);
        }
    }

    proptest::proptest! {
        #[test]
        fn run_counts_the_leading_class_bytes(s in "[a-z;<]{0,12}", from in 0usize..3) {
            let b = s.as_bytes();
            let from = from.min(b.len());
            let want = b[from..].iter().take_while(|&&c| TOKEN[usize::from(c)]).count();
            proptest::prop_assert_eq!(run(b, from, &TOKEN), want);
            proptest::prop_assert_eq!(run_long(b, from, &TOKEN), want);
            proptest::prop_assert_eq!(run_to_end(b, from, &TOKEN), want);
        }

        #[test]
        fn run_long_counts_like_run(s in "[a-z;<\u{e9}]{0,40}", from in 0usize..12) {
            let b = s.as_bytes();
            let from = from.min(b.len());
            proptest::prop_assert_eq!(run_long(b, from, &TOKEN), run(b, from, &TOKEN));
            proptest::prop_assert_eq!(run_long(b, from, &PARAM), run(b, from, &PARAM));
            proptest::prop_assert_eq!(run_to_end(b, from, &TOKEN), run(b, from, &TOKEN));
            proptest::prop_assert_eq!(run_to_end(b, from, &WORD), run(b, from, &WORD));
        }
    }

    #[test]
    fn escapes_and_lws() {
        assert_eq!(escaped_at(b"%4a", 0), Some(0x4a));
        assert_eq!(escaped_at(b"%4", 0), None);
        assert_eq!(escaped_at(b"%g0", 0), None);
        assert_eq!(skip_lws(b" \t\r\n x", 0), 5);
        assert_eq!(skip_lws(b" \r\nx", 0), 1);
        assert_eq!(skip_lws(b"\n\tx", 0), 2);
    }
}
