//! Lexical helpers shared by the typed headers (RFC 3261 §25.1): tokens,
//! whitespace, numbers, quoted strings, comments, hosts and trailing
//! parameter lists.
//!
//! Everything here works on `&str` slices split at ASCII delimiters, so no
//! helper can slice inside a multi-byte character.

use super::HeaderError;
use crate::params::Params;
use crate::uri::Host;
use core::fmt;

/// Linear white space as it can remain in a header value after unfolding
/// (RFC 3261 §7.3.1, `LWS`/`SWS`).
pub(crate) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// [`is_ws`] on a byte.
#[inline]
fn is_ws_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Trims LWS on both sides (byte-wise: the white space is ASCII, so the
/// cuts are on char boundaries).
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let mut end = b.len();
    while end > 0 && is_ws_byte(b[end - 1]) {
        end -= 1;
    }
    let mut start = 0;
    while start < end && is_ws_byte(b[start]) {
        start += 1;
    }
    &s[start..end]
}

/// Trims LWS at the start.
pub(crate) fn trim_start(s: &str) -> &str {
    let b = s.as_bytes();
    let mut start = 0;
    while start < b.len() && is_ws_byte(b[start]) {
        start += 1;
    }
    &s[start..]
}

/// True when `b[at..at + W]` is `lower[at..at + W]` up to case (`W` is 2,
/// 4 or 8): one load, one OR and one compare.
#[inline(always)]
fn fold_eq_at<const W: usize>(b: &[u8], lower: &[u8], at: usize) -> bool {
    let load = |s: &[u8]| {
        let mut a = [0u8; 8];
        a[..W].copy_from_slice(&s[at..at + W]);
        u64::from_le_bytes(a)
    };
    let mut mask = [0u8; 8];
    for (m, &c) in mask[..W].iter_mut().zip(&lower[at..at + W]) {
        *m = if c == b'-' { 0 } else { 0x20 };
    }
    (load(b) | u64::from_le_bytes(mask)) == load(lower)
}

/// True when `b` is `lower` in any case. `lower` holds lower-case letters
/// and `-` only and is at least two bytes long: ORing 0x20 folds exactly
/// the upper-case letters onto the lower-case ones, `-` is compared as is.
#[inline(always)]
pub(crate) fn eq_lower<const N: usize>(b: &[u8], lower: &[u8; N]) -> bool {
    if b.len() != N {
        return false;
    }
    match N {
        8.. => fold_eq_at::<8>(b, lower, 0) && fold_eq_at::<8>(b, lower, N - 8),
        4.. => fold_eq_at::<4>(b, lower, 0) && fold_eq_at::<4>(b, lower, N - 4),
        _ => fold_eq_at::<2>(b, lower, 0) && fold_eq_at::<2>(b, lower, N - 2),
    }
}

/// `token` characters (RFC 3261 §25.1).
#[inline]
pub(crate) fn is_token_byte(b: u8) -> bool {
    crate::uri::chars::TOKEN[b as usize]
}

/// True when `s` is a non-empty `token`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// Splits the leading run of token characters off `s`.
pub(crate) fn split_token(s: &str) -> (&str, &str) {
    let end = s.bytes().position(|b| !is_token_byte(b)).unwrap_or(s.len());
    s.split_at(end)
}

/// Parses `1*DIGIT` (leading zeros allowed, no sign) no greater than `max`.
pub(crate) fn parse_digits(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
        if v > max {
            return None;
        }
    }
    Some(v)
}

/// Parses a `delta-seconds`-like 32-bit decimal (RFC 3261 §25.1); values
/// above 2^32-1 are rejected (RFC 4475 §3.1.2.4 scalar02).
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    parse_digits(s, u64::from(u32::MAX)).map(|v| v as u32)
}

/// Parses a decimal no greater than 65535.
pub(crate) fn parse_u16(s: &str) -> Option<u16> {
    parse_digits(s, u64::from(u16::MAX)).map(|v| v as u16)
}

/// Parses a decimal no greater than 255.
pub(crate) fn parse_u8(s: &str) -> Option<u8> {
    parse_digits(s, u64::from(u8::MAX)).map(|v| v as u8)
}

/// Reads a `quoted-string` at the start of `s` (which must begin with
/// `"`): returns its content with quoted-pairs resolved and the rest after
/// the closing quote.
pub(crate) fn quoted(s: &str) -> Option<(String, &str)> {
    let inner = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &inner[i + 1..])),
            '\\' => out.push(chars.next()?.1),
            c => out.push(c),
        }
    }
    None
}

/// Writes `s` as a `quoted-string`: `"`, `\` and control characters
/// become quoted-pairs (RFC 3261 §25.1); CR and LF, which cannot be
/// quoted-pairs and would end the header line, become spaces.
pub(crate) fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    let mut seg = 0;
    for (i, b) in s.bytes().enumerate() {
        // Every byte matched here is ASCII, so `i` is a char boundary.
        if matches!(b, b'"' | b'\\' | 0..=0x1f | 0x7f) {
            f.write_str(&s[seg..i])?;
            if b == b'\r' || b == b'\n' {
                f.write_str(" ")?;
                seg = i + 1;
            } else {
                f.write_str("\\")?;
                seg = i;
            }
        }
    }
    f.write_str(&s[seg..])?;
    f.write_str("\"")
}

/// Given `s` starting with `(`, the index just past the matching `)` of a
/// `comment`, honouring nesting and quoted-pairs (RFC 3261 §25.1).
pub(crate) fn comment_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => {
                if depth <= 1 {
                    return Some(i + 1);
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Parses a `host` (RFC 3261 §25.1) with the URI parser's rules: a
/// bracketed IPv6 reference (RFC 5118), an IPv4 address, or a hostname.
/// A bare IPv6 address is refused (it is only allowed in `received`).
pub(crate) fn parse_host(s: &str) -> Option<Host> {
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        if let Some(a) = crate::uri::dotted_quad(s.as_bytes(), true) {
            return Some(Host::Ipv4(a));
        }
    }
    if !s.starts_with('[') && s.contains(':') {
        return None;
    }
    s.parse().ok()
}

/// Parses an IP address written bare or as a bracketed IPv6 reference
/// (the `received` parameter, RFC 3261 §20.42, RFC 5118 §4.5).
pub(crate) fn parse_ip(s: &str) -> Option<std::net::IpAddr> {
    let s = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(s);
    s.parse().ok()
}

/// True when `v` is a quoted-string or an unquoted value of visible ASCII
/// without `"` or `,`. The grammar (RFC 3261 §25.1 `gen-value`) says
/// token, host or quoted-string; this is a little wider because deployed
/// peers send, e.g., unquoted MIME boundaries with `=` or `/` (RFC 2046
/// would quote them). Such values still round-trip unchanged.
fn is_gen_value(v: &str) -> bool {
    v.starts_with('"')
        || v.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b',')
}

/// Parses `s` as nothing but `*(SEMI generic-param)`: every name a token,
/// every value a quoted-string or visible ASCII ([`is_gen_value`]),
/// nothing left over.
pub(crate) fn params_only(s: &str, header: &'static str) -> Result<Params, HeaderError> {
    check_params_only(s, header, |_, _| true)?;
    Ok(Params::parse_prefix(s, b"")
        .map_err(|source| HeaderError::Param { header, source })?
        .0)
}

/// The checks of [`params_only`] without building the list, plus
/// `extra(name, value)` on each parameter (false: "invalid parameter").
pub(crate) fn check_params_only<'a>(
    s: &'a str,
    header: &'static str,
    mut extra: impl FnMut(&'a str, Option<&'a str>) -> bool,
) -> Result<(), HeaderError> {
    let mut ok = true;
    let rest = Params::visit_prefix(s, b"", |name, value| {
        ok &= is_token(name) && value.is_none_or(is_gen_value) && extra(name, value);
    })
    .map_err(|source| HeaderError::Param { header, source })?;
    if !trim(rest).is_empty() {
        return Err(malformed(header, "unexpected text after the value"));
    }
    if !ok {
        return Err(malformed(header, "invalid parameter"));
    }
    Ok(())
}

/// Splits `s` at the first `;` (parameters start there) and trims the
/// head.
pub(crate) fn split_params(s: &str) -> (&str, &str) {
    match s.find(';') {
        Some(i) => (trim(&s[..i]), &s[i..]),
        None => (trim(s), ""),
    }
}

/// Finds parameter `name` (case-insensitive) in `s`, which starts with a
/// `;name=value` list, without allocating. Returns `Some(None)` for a
/// flag, `Some(Some(value))` with the value as written (quotes kept), and
/// `None` when absent or when the list stops being a parameter list first.
pub(crate) fn find_param<'a>(s: &'a str, name: &str) -> Option<Option<&'a str>> {
    // Byte-wise: every byte the scan stops at is ASCII, so every slice
    // boundary is a char boundary.
    let b = s.as_bytes();
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let skip_ws = |mut i: usize| {
        while b.get(i).is_some_and(|&c| ws(c)) {
            i += 1;
        }
        i
    };
    let mut i = 0;
    loop {
        i = skip_ws(i);
        if b.get(i) != Some(&b';') {
            return None;
        }
        i = skip_ws(i + 1);
        let n0 = i;
        while b
            .get(i)
            .is_some_and(|&c| !matches!(c, b'=' | b';' | b',') && !ws(c))
        {
            i += 1;
        }
        let n = &s[n0..i];
        i = skip_ws(i);
        let mut value = None;
        if b.get(i) == Some(&b'=') {
            i = skip_ws(i + 1);
            let v0 = i;
            if b.get(i) == Some(&b'"') {
                i += crate::params::quoted_end(&s[i..])?;
            } else {
                while b
                    .get(i)
                    .is_some_and(|&c| !matches!(c, b';' | b',') && !ws(c))
                {
                    i += 1;
                }
            }
            value = Some(&s[v0..i]);
        }
        if n.eq_ignore_ascii_case(name) {
            return Some(value);
        }
    }
}

/// Shorthand for [`HeaderError::Malformed`].
pub(crate) fn malformed(header: &'static str, reason: &'static str) -> HeaderError {
    HeaderError::Malformed { header, reason }
}

/// Shorthand for [`HeaderError::BadNumber`].
pub(crate) fn bad_number(header: &'static str) -> HeaderError {
    HeaderError::BadNumber { header }
}

/// Returns [`HeaderError::Empty`] when `s` is empty after trimming, else
/// the trimmed value.
pub(crate) fn non_empty<'a>(s: &'a str, header: &'static str) -> Result<&'a str, HeaderError> {
    let t = trim(s);
    if t.is_empty() {
        Err(HeaderError::Empty { header })
    } else {
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The char-wise version this module used before, kept as the oracle.
    #[allow(clippy::manual_pattern_char_comparison)]
    fn find_param_reference<'a>(s: &'a str, name: &str) -> Option<Option<&'a str>> {
        let stop = |c: char| c == ';' || c == ',' || is_ws(c);
        let mut rest = s;
        loop {
            rest = trim_start(trim_start(rest).strip_prefix(';')?);
            let end = rest
                .find(|c: char| c == '=' || stop(c))
                .unwrap_or(rest.len());
            let n = &rest[..end];
            rest = trim_start(&rest[end..]);
            let mut value = None;
            if let Some(r) = rest.strip_prefix('=') {
                let r = trim_start(r);
                let vend = if r.starts_with('"') {
                    crate::params::quoted_end(r)?
                } else {
                    r.find(stop).unwrap_or(r.len())
                };
                value = Some(&r[..vend]);
                rest = &r[vend..];
            }
            if n.eq_ignore_ascii_case(name) {
                return Some(value);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn find_param_agrees_with_the_reference(
            s in "[ ;=,\"a-c\\\\\t\u{e9}-]{0,24}",
            name in "(a|b|ab|)",
        ) {
            proptest::prop_assert_eq!(find_param(&s, &name), find_param_reference(&s, &name));
        }
    }

    proptest::proptest! {
        #[test]
        fn byte_trims_agree_with_char_trims(s in "[ \t\r\na\u{e9}\u{3000}]{0,8}") {
            proptest::prop_assert_eq!(trim(&s), s.trim_matches(is_ws));
            proptest::prop_assert_eq!(trim_start(&s), s.trim_start_matches(is_ws));
        }
    }

    proptest::proptest! {
        #[test]
        fn eq_lower_is_eq_ignore_ascii_case(s in "(?i)(branch|received|rport|ttl|maddr|call-id)|[a-z\\-\r]{2,9}") {
            for lower in ["branch", "received", "rport", "ttl", "maddr"] {
                let want = s.eq_ignore_ascii_case(lower);
                let got = match lower.len() {
                    6 => eq_lower(s.as_bytes(), b"branch"),
                    8 => eq_lower(s.as_bytes(), b"received"),
                    3 => eq_lower(s.as_bytes(), b"ttl"),
                    _ if lower == "rport" => eq_lower(s.as_bytes(), b"rport"),
                    _ => eq_lower(s.as_bytes(), b"maddr"),
                };
                proptest::prop_assert_eq!(got, want, "{} vs {}", s, lower);
            }
            proptest::prop_assert_eq!(eq_lower(s.as_bytes(), b"call-id"), s.eq_ignore_ascii_case("call-id"));
        }
    }

    #[test]
    fn digits() {
        assert_eq!(parse_u32("0000000000000000000042"), Some(42));
        assert_eq!(parse_u32("4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32("4294967296"), None);
        assert_eq!(parse_u32("+1"), None);
        assert_eq!(parse_u32(""), None);
        assert_eq!(parse_u8("256"), None);
        assert_eq!(parse_u16("65535"), Some(65535));
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(
            quoted(r#""a\"b\\c" rest"#),
            Some((r#"a"b\c"#.to_owned(), " rest"))
        );
        assert_eq!(quoted(r#""open"#), None);
        assert_eq!(quoted(r#""ends in \"#), None);
        assert_eq!(quoted("\"é\""), Some(("é".to_owned(), "")));
    }

    #[test]
    fn comments_nest() {
        assert_eq!(comment_end("(a (b) \\) c) x"), Some(12));
        assert_eq!(comment_end("(a (b)"), None);
    }

    #[test]
    fn hosts() {
        use std::net::Ipv4Addr;
        assert_eq!(
            parse_host("[2001:db8::9:1]"),
            Some(Host::Ipv6("2001:db8::9:1".parse().unwrap()))
        );
        assert_eq!(
            parse_host("192.0.2.1"),
            Some(Host::Ipv4(Ipv4Addr::new(192, 0, 2, 1)))
        );
        assert_eq!(
            parse_host("Example.COM."),
            Some(Host::Domain("Example.COM.".into()))
        );
        assert_eq!(parse_host("1.2.3"), None);
        assert_eq!(parse_host("a..b"), None);
        assert_eq!(parse_host("[::1"), None);
        assert_eq!(parse_host("2001:db8::1"), None);
        assert_eq!(parse_host("ho st"), None);
        assert_eq!(parse_host("host.123"), None);
        assert_eq!(parse_host("-a.example"), None);
    }

    #[test]
    fn finds_params_without_allocating() {
        let s = " ; Branch = z9hG4bK1 ;rport; tag=\"a;b\";x";
        assert_eq!(find_param(s, "branch"), Some(Some("z9hG4bK1")));
        assert_eq!(find_param(s, "rport"), Some(None));
        assert_eq!(find_param(s, "tag"), Some(Some("\"a;b\"")));
        assert_eq!(find_param(s, "x"), Some(None));
        assert_eq!(find_param(s, "y"), None);
        assert_eq!(find_param("junk;tag=1", "tag"), None);
    }

    #[test]
    fn params_only_rejects_garbage() {
        assert!(params_only(";a=b;c", "X").is_ok());
        assert!(params_only(";a=b c", "X").is_err());
        assert!(params_only(";;", "X").is_err());
        assert!(params_only(";a=b\"c", "X").is_err());
        assert!(params_only(";a=b,c", "X").is_err());
        assert!(params_only(";a=\u{e9}", "X").is_err());
        assert!(params_only(";boundary=--=_Part/1", "X").is_ok());
        assert!(params_only("x", "X").is_err());
    }
}
