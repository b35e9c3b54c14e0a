//! `%`-escaping of URI components (RFC 3261 §19.1.1, §25.1 `escaped`).
//!
//! The URI types keep components *as written*, escapes included, so they
//! round-trip. These helpers convert between that form and raw bytes.

use super::chars;
use super::UriError;
use std::borrow::Cow;

/// The character class a component is escaped for (RFC 3261 §25.1).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[non_exhaustive]
pub enum EscapeClass {
    /// The `user` part: unreserved plus `& = + $ , ; ? /`.
    User,
    /// The `password`: unreserved plus `& = + $ ,`.
    Password,
    /// A URI parameter name or value (`paramchar`): unreserved plus `[ ] / : & + $`.
    Param,
    /// A URI header name or value (`hname`/`hvalue`): unreserved plus `[ ] / ? : + $`.
    Header,
}

impl EscapeClass {
    fn table(self) -> &'static [bool; 256] {
        match self {
            EscapeClass::User => &chars::USER,
            EscapeClass::Password => &chars::PASSWORD,
            EscapeClass::Param => &chars::PARAM,
            EscapeClass::Header => &chars::HEADER,
        }
    }

    /// True when `b` may appear unescaped in this class.
    pub fn allows(self, b: u8) -> bool {
        self.table()[b as usize]
    }
}

/// Decodes `%HH` escapes into bytes, exactly once: `%25%34%31` becomes
/// `%41`, not `A` (RFC 4475 §3.1.1.3). An escaped NUL (`%00`) becomes a
/// zero byte and does not end the value (RFC 4475 §3.1.1.4). A `%` not
/// followed by two hex digits is kept literally.
///
/// Borrows when there is nothing to decode.
pub fn unescape(s: &str) -> Cow<'_, [u8]> {
    let b = s.as_bytes();
    let Some(first) = memchr::memchr(b'%', b) else {
        return Cow::Borrowed(b);
    };
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..first]);
    let mut i = first;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = chars::escaped_at(b, i) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// [`unescape`], then UTF-8 decoding; invalid sequences become U+FFFD.
pub fn unescape_str(s: &str) -> Cow<'_, str> {
    match unescape(s) {
        Cow::Borrowed(_) => Cow::Borrowed(s),
        Cow::Owned(v) => match String::from_utf8(v) {
            Ok(s) => Cow::Owned(s),
            Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        },
    }
}

/// Escapes `s` for `class`: every byte the class does not allow (and `%`
/// itself) becomes `%HH` with upper-case hex. Borrows when nothing needs
/// escaping.
pub fn escape(s: &str, class: EscapeClass) -> Cow<'_, str> {
    let t = class.table();
    if s.bytes().all(|b| t[b as usize]) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(escape_bytes(s.as_bytes(), class))
    }
}

/// Escapes arbitrary bytes for `class` (see [`escape`]).
pub fn escape_bytes(b: &[u8], class: EscapeClass) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let t = class.table();
    let mut out = String::with_capacity(b.len() + 8);
    for &c in b {
        if t[c as usize] {
            out.push(c as char);
        } else {
            out.push('%');
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        }
    }
    out
}

/// Checks that `s` is made only of characters of `class` and well-formed
/// `%HH` escapes. Errors carry byte offsets into `s`.
pub fn validate(s: &str, class: EscapeClass) -> Result<(), UriError> {
    check(s.as_bytes(), 0, s.len(), class.table())
}

/// Checks `b[from..to]` against `table` plus escapes; offsets are absolute.
pub(crate) fn check(b: &[u8], from: usize, to: usize, table: &[bool; 256]) -> Result<(), UriError> {
    let mut i = from;
    while i < to {
        let c = b[i];
        if table[c as usize] {
            i += 1;
        } else if c == b'%' {
            if chars::escaped_at(&b[..to], i).is_none() {
                return Err(UriError::BadEscape { offset: i });
            }
            i += 3;
        } else {
            return Err(UriError::BadChar { offset: i });
        }
    }
    Ok(())
}

/// One unit of a component for comparison: a byte, and whether it was an
/// escaped *reserved* character. RFC 3261 §19.1.4: characters outside the
/// reserved set are equivalent to their `%HH` form; reserved ones are not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Plain(u8),
    EscapedReserved(u8),
}

fn units(s: &str) -> impl Iterator<Item = Unit> + '_ {
    let b = s.as_bytes();
    let mut i = 0;
    core::iter::from_fn(move || {
        let c = *b.get(i)?;
        if c == b'%' {
            if let Some(v) = chars::escaped_at(b, i) {
                i += 3;
                return Some(if chars::RESERVED[v as usize] {
                    Unit::EscapedReserved(v)
                } else {
                    Unit::Plain(v)
                });
            }
        }
        i += 1;
        Some(Unit::Plain(c))
    })
}

/// A sort key consistent with [`escaped_eq`]: two components have equal
/// keys exactly when `escaped_eq(a, b, ignore_case)`.
pub(crate) fn comparison_key(s: &str, ignore_case: bool) -> Vec<u16> {
    units(s)
        .map(|u| match u {
            Unit::Plain(c) if ignore_case => u16::from(c.to_ascii_lowercase()),
            Unit::Plain(c) => u16::from(c),
            Unit::EscapedReserved(c) if ignore_case => 0x100 | u16::from(c.to_ascii_lowercase()),
            Unit::EscapedReserved(c) => 0x100 | u16::from(c),
        })
        .collect()
}

/// Compares two escaped components per RFC 3261 §19.1.4: `%61` equals `a`,
/// `%3B` does not equal `;`; hex digits of escapes are case-insensitive.
/// With `ignore_case`, ASCII letters compare case-insensitively too.
pub fn escaped_eq(a: &str, b: &str, ignore_case: bool) -> bool {
    if a == b {
        return true;
    }
    if !a.contains('%') && !b.contains('%') {
        return ignore_case && a.eq_ignore_ascii_case(b);
    }
    let fold = |u: Unit| match u {
        Unit::Plain(c) if ignore_case => Unit::Plain(c.to_ascii_lowercase()),
        Unit::EscapedReserved(c) if ignore_case => Unit::EscapedReserved(c.to_ascii_lowercase()),
        u => u,
    };
    units(a).map(fold).eq(units(b).map(fold))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_once() {
        // RFC 4475 §3.1.1.3 esc01: value%25%34%31 is "value%41" after one pass.
        assert_eq!(&*unescape("value%25%34%31"), b"value%41");
        assert_eq!(unescape_str("v%61lue"), "value");
        assert!(matches!(unescape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn escaped_nul_does_not_truncate() {
        // RFC 4475 §3.1.1.4 escnull.
        assert_eq!(&*unescape("null-%00-null"), b"null-\0-null");
        assert_eq!(&*unescape("%00%00"), b"\0\0");
        assert_eq!(unescape_str("a%00b").len(), 3);
    }

    #[test]
    fn malformed_escapes_kept_literally() {
        assert_eq!(&*unescape("100%"), b"100%");
        assert_eq!(&*unescape("%zz%4"), b"%zz%4");
        assert_eq!(&*unescape("%e2%82%ac"), "€".as_bytes());
        assert_eq!(unescape_str("%ff"), "\u{fffd}");
    }

    #[test]
    fn escapes_per_class() {
        assert_eq!(escape("alice", EscapeClass::User), "alice");
        assert_eq!(escape("a b@c", EscapeClass::User), "a%20b%40c");
        assert_eq!(escape("a;b?c", EscapeClass::User), "a;b?c");
        assert_eq!(escape("a;b?c", EscapeClass::Password), "a%3Bb%3Fc");
        assert_eq!(escape("a=b;c", EscapeClass::Param), "a%3Db%3Bc");
        assert_eq!(escape("<sip:x>&y", EscapeClass::Header), "%3Csip:x%3E%26y");
        assert_eq!(escape("100%", EscapeClass::User), "100%25");
        assert_eq!(escape_bytes(b"\0\xff", EscapeClass::User), "%00%FF");
    }

    #[test]
    fn escape_then_unescape_is_identity() {
        for s in ["", "a b", "%41", "é;?&=", "\0x", "sip:bob@biloxi.com"] {
            for c in [
                EscapeClass::User,
                EscapeClass::Password,
                EscapeClass::Param,
                EscapeClass::Header,
            ] {
                let e = escape(s, c);
                validate(&e, c).unwrap();
                assert_eq!(&*unescape(&e), s.as_bytes());
            }
        }
    }

    #[test]
    fn validation() {
        assert_eq!(
            validate("ab%4", EscapeClass::User),
            Err(UriError::BadEscape { offset: 2 })
        );
        assert_eq!(
            validate("ab%", EscapeClass::User),
            Err(UriError::BadEscape { offset: 2 })
        );
        assert_eq!(
            validate("a%zzb", EscapeClass::User),
            Err(UriError::BadEscape { offset: 1 })
        );
        assert_eq!(
            validate("a b", EscapeClass::User),
            Err(UriError::BadChar { offset: 1 })
        );
        assert_eq!(
            validate("a:b", EscapeClass::User),
            Err(UriError::BadChar { offset: 1 })
        );
        assert_eq!(
            validate("é", EscapeClass::Param),
            Err(UriError::BadChar { offset: 0 })
        );
        assert!(validate("a%20b", EscapeClass::Header).is_ok());
    }

    #[test]
    fn comparison_units() {
        assert!(escaped_eq("%61lice", "alice", false));
        assert!(escaped_eq("%4a", "%4A", false));
        assert!(!escaped_eq("Alice", "alice", false));
        assert!(escaped_eq("Alice", "%61lice", true));
        // Reserved characters are not equivalent to their escaped form.
        assert!(!escaped_eq("a%3Bb", "a;b", false));
        assert!(escaped_eq("a%3bb", "a%3Bb", false));
        assert!(!escaped_eq("ab", "abc", false));
        for (a, b, ic) in [
            ("%61lice", "alice", false),
            ("A%3b", "a%3B", true),
            ("a%3B", "a;", true),
            ("A", "a", false),
        ] {
            assert_eq!(
                comparison_key(a, ic) == comparison_key(b, ic),
                escaped_eq(a, b, ic),
                "{a} {b}"
            );
        }
    }
}
