//! `host = hostname / IPv4address / IPv6reference` (RFC 3261 §25.1,
//! RFC 5118 for IPv6 references).

use super::chars;
use super::{Host, UriError};
use core::fmt;
use core::hash::{Hash, Hasher};
use core::str::FromStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

impl Host {
    /// Parses a host at `s[i..]`: a bracketed IPv6 reference, an IPv4
    /// address or a hostname. Stops at the first byte that cannot continue
    /// the host and returns the host and that index. Errors carry absolute
    /// offsets into `s`.
    pub(crate) fn parse_at(s: &str, i: usize) -> Result<(Host, usize), UriError> {
        let b = s.as_bytes();
        if b.get(i) == Some(&b'[') {
            let close =
                memchr::memchr(b']', &b[i + 1..]).ok_or(UriError::BadIpv6 { offset: i })? + i + 1;
            // Slicing at `[`/`]` (ASCII) is always on a char boundary.
            let addr = Ipv6Addr::from_str(&s[i + 1..close])
                .map_err(|_| UriError::BadIpv6 { offset: i })?;
            return Ok((Host::Ipv6(addr), close + 1));
        }
        // A hostname in one pass (what `classify` gives a run that starts
        // with a letter).
        if b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            let n = hostname_run(&b[i..]).ok_or(UriError::BadHost { offset: i })?;
            return Ok((Host::Domain(s[i..i + n].to_owned()), i + n));
        }
        // The usual dotted quad in one pass (what `classify` gives it).
        if let Some((a, n)) = b.get(i..).and_then(quad_prefix) {
            if !b.get(i + n).is_some_and(|&c| chars::HOST[usize::from(c)]) {
                return Ok((Host::Ipv4(a), i + n));
            }
        }
        let n = chars::run(b, i, &chars::HOST);
        if n == 0 {
            return Err(match b.get(i) {
                None | Some(b':' | b';' | b'?') => UriError::EmptyHost,
                Some(_) => UriError::BadChar { offset: i },
            });
        }
        let text = &s[i..i + n];
        Ok((
            classify(text).ok_or(UriError::BadHost { offset: i })?,
            i + n,
        ))
    }

    /// True for an IPv4 or IPv6 address.
    pub fn is_ip(&self) -> bool {
        !matches!(self, Host::Domain(_))
    }

    /// The address, for an IPv4 or IPv6 host.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Domain(_) => None,
            Host::Ipv4(a) => Some(IpAddr::V4(*a)),
            Host::Ipv6(a) => Some(IpAddr::V6(*a)),
        }
    }

    /// The domain name, for a hostname.
    pub fn domain(&self) -> Option<&str> {
        match self {
            Host::Domain(d) => Some(d),
            _ => None,
        }
    }
}

impl Host {
    /// True when `s` is exactly one host that [`Host::from_str`] accepts,
    /// checked without allocating (the parse-time checks use it).
    pub(crate) fn is_valid(s: &str) -> bool {
        let b = s.as_bytes();
        if b.is_empty() {
            return false;
        }
        if chars::run(b, 0, &chars::HOST) == b.len() {
            // No `[` or `:` in a run of host characters.
            return Host::is_valid_run(b);
        }
        (b[0] == b'[' || memchr::memchr(b':', b).is_some()) && s.parse::<Host>().is_ok()
    }

    /// The length of the run of host characters (`alphanum / "-" / "."`)
    /// at the start of `b` when [`Host::is_valid_run`] accepts it, else
    /// `None`. A dotted quad, the usual sent-by and URI host, is read in
    /// one pass instead of a scan and a check.
    #[inline(always)]
    pub(crate) fn valid_run_len(b: &[u8]) -> Option<usize> {
        if b.first().is_some_and(u8::is_ascii_alphabetic) {
            return hostname_run(b);
        }
        if let Some((_, n)) = quad_prefix(b) {
            if !b.get(n).is_some_and(|&c| chars::HOST[usize::from(c)]) {
                return Some(n);
            }
        }
        let n = chars::run(b, 0, &chars::HOST);
        (n > 0 && Host::is_valid_run(&b[..n])).then_some(n)
    }

    /// [`Host::is_valid`] for a non-empty run of host characters
    /// (`alphanum / "-" / "."`).
    pub(crate) fn is_valid_run(b: &[u8]) -> bool {
        if b.first().is_some_and(u8::is_ascii_digit) && dotted_quad(b, true).is_some() {
            return true;
        }
        match classify_ipv4(b) {
            Ipv4::Addr(_) => true,
            Ipv4::Invalid => false,
            Ipv4::NotNumeric => valid_hostname(b),
        }
    }
}

/// Classifies a run of `alphanum / "-" / "."`: an IPv4 address when it is
/// only digits and dots, else a hostname checked against
/// `hostname = *( domainlabel "." ) toplabel [ "." ]`.
fn classify(text: &str) -> Option<Host> {
    let b = text.as_bytes();
    if b.first().is_some_and(u8::is_ascii_digit) {
        if let Some(a) = dotted_quad(b, true) {
            return Some(Host::Ipv4(a));
        }
    }
    match classify_ipv4(b) {
        Ipv4::Addr(a) => Some(Host::Ipv4(a)),
        Ipv4::Invalid => None,
        Ipv4::NotNumeric => valid_hostname(text.as_bytes()).then(|| Host::Domain(text.to_owned())),
    }
}

enum Ipv4 {
    Addr(Ipv4Addr),
    /// Only digits and dots, but not a valid address.
    Invalid,
    /// Contains a letter or `-`: a hostname candidate.
    NotNumeric,
}

/// The usual IPv4 address in one pass: four parts of one to three digits,
/// each at most 255, separated by dots, nothing else. With
/// `leading_zeros` false, a part may not start with `0` unless it is `0`
/// (the form [`Ipv4Addr::from_str`] accepts).
pub(crate) fn dotted_quad(b: &[u8], leading_zeros: bool) -> Option<Ipv4Addr> {
    let (o0, i) = octet(b, 0, leading_zeros)?;
    let (o1, i) = octet(b, dot(b, i)?, leading_zeros)?;
    let (o2, i) = octet(b, dot(b, i)?, leading_zeros)?;
    let (o3, i) = octet(b, dot(b, i)?, leading_zeros)?;
    (i == b.len()).then_some(Ipv4Addr::new(o0, o1, o2, o3))
}

/// The length of the dotted quad (four parts of one to three digits,
/// each at most 255, leading zeros allowed) at the start of `b`: what
/// [`dotted_quad`] accepts with `leading_zeros`, as a prefix.
#[inline(always)]
pub(crate) fn quad_prefix(b: &[u8]) -> Option<(Ipv4Addr, usize)> {
    quad_prefix_with(b, true)
}

/// The length of the dotted quad without leading zeros at the start of
/// `b`: what [`dotted_quad`] accepts without `leading_zeros`, as a
/// prefix (the usual `received` value, RFC 3261 §18.2.1).
pub(crate) fn strict_quad_len(b: &[u8]) -> Option<usize> {
    quad_prefix_with(b, false).map(|(_, n)| n)
}

/// [`quad_prefix`], with or without leading zeros.
#[inline(always)]
fn quad_prefix_with(b: &[u8], leading_zeros: bool) -> Option<(Ipv4Addr, usize)> {
    let (o0, i) = octet(b, 0, leading_zeros)?;
    let (o1, i) = octet(b, dot(b, i)?, leading_zeros)?;
    let (o2, i) = octet(b, dot(b, i)?, leading_zeros)?;
    let (o3, i) = octet(b, dot(b, i)?, leading_zeros)?;
    Some((Ipv4Addr::new(o0, o1, o2, o3), i))
}

/// The index after the `.` at `b[i]`.
#[inline(always)]
fn dot(b: &[u8], i: usize) -> Option<usize> {
    (b.get(i) == Some(&b'.')).then_some(i + 1)
}

/// One to three digits at `b[i..]` worth at most 255, and the index after.
#[inline(always)]
fn octet(b: &[u8], i: usize, leading_zeros: bool) -> Option<(u8, usize)> {
    let digit = |k: usize| match b.get(k) {
        Some(&c) if c.is_ascii_digit() => Some(u32::from(c - b'0')),
        _ => None,
    };
    let d0 = digit(i)?;
    let Some(d1) = digit(i + 1) else {
        return Some((d0 as u8, i + 1));
    };
    if d0 == 0 && !leading_zeros {
        return None;
    }
    let Some(d2) = digit(i + 2) else {
        return Some(((d0 * 10 + d1) as u8, i + 2));
    };
    let v = d0 * 100 + d1 * 10 + d2;
    (v <= 255).then_some((v as u8, i + 3))
}

/// `IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT`, each
/// ≤ 255; or why not: an invalid address, or not numeric. [`dotted_quad`]
/// reads the usual address faster.
fn classify_ipv4(b: &[u8]) -> Ipv4 {
    let mut out = [0u8; 4];
    let mut part = 0;
    let mut digits = 0;
    let mut value: u16 = 0;
    let mut valid = true;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                value = value * 10 + u16::from(c - b'0');
                if digits > 3 {
                    valid = false;
                    value = 0;
                }
            }
            b'.' => {
                if digits == 0 || part == 3 || value > 255 {
                    valid = false;
                } else {
                    out[part] = value as u8;
                    part += 1;
                }
                digits = 0;
                value = 0;
            }
            _ => return Ipv4::NotNumeric,
        }
    }
    if valid && part == 3 && digits > 0 && value <= 255 {
        out[3] = value as u8;
        Ipv4::Addr(Ipv4Addr::from(out))
    } else {
        Ipv4::Invalid
    }
}

/// `hostname = *( domainlabel "." ) toplabel [ "." ]` over bytes already
/// known to be `alphanum / "-" / "."`: labels are non-empty, start and end
/// with an alphanumeric, and the top label starts with a letter. With only
/// those bytes, that is: the first and last bytes are alphanumeric, so is
/// each neighbour of a dot, and the byte after the last dot is a letter.
fn valid_hostname(b: &[u8]) -> bool {
    let b = b.strip_suffix(b".").unwrap_or(b);
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return false;
    }
    let mut top = 0;
    for i in 1..b.len() - 1 {
        if b[i] == b'.' {
            if !b[i - 1].is_ascii_alphanumeric() || !b[i + 1].is_ascii_alphanumeric() {
                return false;
            }
            top = i + 1;
        }
    }
    b[top].is_ascii_alphabetic()
}

/// The run of host characters (`alphanum / "-" / "."`) at the start of
/// `b`, which starts with a letter, read in one pass with the
/// [`valid_hostname`] verdict: its length when valid, else `None`. Labels
/// are alphanumerics with inner dashes; a dot is followed by an
/// alphanumeric, or ends the run (the one trailing dot); the top label
/// starts with a letter.
fn hostname_run(b: &[u8]) -> Option<usize> {
    use chars::{ALPHANUM, HOST};
    // `b[i]` is alphanumeric at the top of the loop.
    let mut i = 0;
    // Whether the label after the last dot (the first one: `b[0]`)
    // starts with a letter.
    let mut top = true;
    loop {
        i += 1;
        let Some(&c) = b.get(i) else {
            return top.then_some(i);
        };
        if ALPHANUM[usize::from(c)] {
            continue;
        }
        match c {
            b'-' => {
                i += 1;
                while b.get(i) == Some(&b'-') {
                    i += 1;
                }
                // A label does not end with a dash.
                if !b.get(i).is_some_and(|&c| ALPHANUM[usize::from(c)]) {
                    return None;
                }
            }
            b'.' => {
                i += 1;
                match b.get(i) {
                    Some(&c) if ALPHANUM[usize::from(c)] => top = c.is_ascii_alphabetic(),
                    // An empty label, or one that starts with a dash.
                    Some(&c) if HOST[usize::from(c)] => return None,
                    // The trailing dot.
                    _ => return top.then_some(i),
                }
            }
            _ => return top.then_some(i),
        }
    }
}

/// The label-by-label reading [`valid_hostname`] must agree with.
#[cfg(test)]
fn valid_hostname_reference(b: &[u8]) -> bool {
    let b = b.strip_suffix(b".").unwrap_or(b);
    let mut label_start = 0;
    let mut prev = b'.';
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'.' if !prev.is_ascii_alphanumeric() => return false,
            b'.' => label_start = i + 1,
            b'-' if prev == b'.' => return false,
            _ => {}
        }
        prev = c;
    }
    prev.is_ascii_alphanumeric() && b.get(label_start).is_some_and(u8::is_ascii_alphabetic)
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            // Hot on the send path (every URI and Via with an IP host).
            Host::Ipv4(a) => f.write_str(crate::text::Ipv4Text::new(*a).as_str()),
            Host::Ipv6(a) => write!(f, "[{a}]"),
        }
    }
}

impl FromStr for Host {
    type Err = UriError;

    /// Parses a hostname, an IPv4 address, or an IPv6 address with or
    /// without brackets (a Via `received` may carry it bare, RFC 5118 §4.5).
    fn from_str(s: &str) -> Result<Host, UriError> {
        if s.is_empty() {
            return Err(UriError::EmptyHost);
        }
        if !s.starts_with('[') && s.contains(':') {
            return Ipv6Addr::from_str(s)
                .map(Host::Ipv6)
                .map_err(|_| UriError::BadIpv6 { offset: 0 });
        }
        let (h, end) = Host::parse_at(s, 0)?;
        if end != s.len() {
            return Err(UriError::BadChar { offset: end });
        }
        Ok(h)
    }
}

impl From<Ipv4Addr> for Host {
    fn from(a: Ipv4Addr) -> Host {
        Host::Ipv4(a)
    }
}

impl From<Ipv6Addr> for Host {
    fn from(a: Ipv6Addr) -> Host {
        Host::Ipv6(a)
    }
}

impl From<IpAddr> for Host {
    fn from(a: IpAddr) -> Host {
        match a {
            IpAddr::V4(a) => Host::Ipv4(a),
            IpAddr::V6(a) => Host::Ipv6(a),
        }
    }
}

/// Hosts compare like DNS names: a domain case-insensitively, addresses by
/// value. A domain never equals an address, even one it resolves to
/// (RFC 3261 §19.1.4).
impl PartialEq for Host {
    fn eq(&self, other: &Host) -> bool {
        match (self, other) {
            (Host::Domain(a), Host::Domain(b)) => a.eq_ignore_ascii_case(b),
            (Host::Ipv4(a), Host::Ipv4(b)) => a == b,
            (Host::Ipv6(a), Host::Ipv6(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Host {}

/// Consistent with the case-insensitive [`PartialEq`].
impl Hash for Host {
    fn hash<H: Hasher>(&self, state: &mut H) {
        core::mem::discriminant(self).hash(state);
        match self {
            Host::Domain(d) => {
                for c in d.bytes() {
                    state.write_u8(c.to_ascii_lowercase());
                }
                state.write_u8(0xff);
            }
            Host::Ipv4(a) => a.hash(state),
            Host::Ipv6(a) => a.hash(state),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Result<Host, UriError> {
        s.parse()
    }

    #[test]
    fn hostnames() {
        assert_eq!(h("atlanta.com"), Ok(Host::Domain("atlanta.com".into())));
        assert_eq!(
            h("a.b-c.example.com."),
            Ok(Host::Domain("a.b-c.example.com.".into()))
        );
        assert_eq!(
            h("123.example.com"),
            Ok(Host::Domain("123.example.com".into()))
        );
        assert_eq!(h("localhost"), Ok(Host::Domain("localhost".into())));
        for bad in [
            ".a.com",
            "a..com",
            "-a.com",
            "a-.com",
            "a.com..",
            "example.123",
            "a.-b",
        ] {
            assert_eq!(h(bad), Err(UriError::BadHost { offset: 0 }), "{bad}");
        }
        assert_eq!(h("ho_st"), Err(UriError::BadChar { offset: 2 }));
        assert_eq!(h(""), Err(UriError::EmptyHost));
    }

    #[test]
    fn ipv4() {
        assert_eq!(h("192.0.2.4"), Ok(Host::Ipv4(Ipv4Addr::new(192, 0, 2, 4))));
        assert_eq!(h("010.0.0.1"), Ok(Host::Ipv4(Ipv4Addr::new(10, 0, 0, 1))));
        for bad in [
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.4.",
            "1234.1.1.1",
        ] {
            assert_eq!(h(bad), Err(UriError::BadHost { offset: 0 }), "{bad}");
        }
    }

    proptest::proptest! {
        /// The one-pass IPv4 reader agrees with the general one, and
        /// without leading zeros with the standard library.
        #[test]
        fn dotted_quad_agrees(s in "[0-9]{0,4}(\\.[0-9]{0,4}){0,4}[a.]?|[0-9]{13,16}") {
            let b = s.as_bytes();
            if let Some(a) = dotted_quad(b, true) {
                proptest::prop_assert!(matches!(classify_ipv4(b), Ipv4::Addr(x) if x == a));
            } else {
                proptest::prop_assert!(!matches!(classify_ipv4(b), Ipv4::Addr(_)));
            }
            proptest::prop_assert_eq!(dotted_quad(b, false), s.parse::<Ipv4Addr>().ok());
            // The strict prefix reader: a prefix `dotted_quad` takes, and
            // all of a text it takes.
            if let Some(n) = strict_quad_len(b) {
                proptest::prop_assert!(dotted_quad(&b[..n], false).is_some());
            }
            if dotted_quad(b, false).is_some() {
                proptest::prop_assert_eq!(strict_quad_len(b), Some(b.len()));
            }
        }
    }

    proptest::proptest! {
        /// The one-pass host reader agrees with a scan and
        /// [`Host::is_valid_run`].
        #[test]
        fn valid_run_len_agrees(s in "[0-9]{0,4}(\\.[0-9]{0,4}){0,4}[a.:;\\-]?[0-9]?|[a1.\\-]{0,8}[:;>]?") {
            let b = s.as_bytes();
            let n = chars::run(b, 0, &chars::HOST);
            let want = (n > 0 && Host::is_valid_run(&b[..n])).then_some(n);
            proptest::prop_assert_eq!(Host::valid_run_len(b), want);
            if let Some((a, q)) = quad_prefix(b) {
                if q == n {
                    proptest::prop_assert_eq!(classify(&s[..n]), Some(Host::Ipv4(a)));
                }
            }
        }
    }

    proptest::proptest! {
        /// Where the SIP URI reader takes a dotted quad at once, it is what
        /// `Host::parse_at` gives.
        #[test]
        fn quad_prefix_is_what_parse_at_gives(s in "[0-9]{0,4}(\\.[0-9]{0,4}){0,4}[a.:;\\-]?[0-9]?") {
            let b = s.as_bytes();
            if let Some((a, n)) = quad_prefix(b) {
                if !b.get(n).is_some_and(|&c| chars::HOST[usize::from(c)]) {
                    proptest::prop_assert_eq!(Host::parse_at(&s, 0), Ok((Host::Ipv4(a), n)));
                }
            }
        }

        /// The one-pass hostname reader agrees with a scan and
        /// [`valid_hostname`].
        #[test]
        fn hostname_run_agrees(s in "[aZ][a1Z.\\-]{0,10}[:;>_\u{e9}]?[a.]?") {
            let b = s.as_bytes();
            let n = chars::run(b, 0, &chars::HOST);
            let want = valid_hostname(&b[..n]).then_some(n);
            proptest::prop_assert_eq!(hostname_run(b), want);
            proptest::prop_assert_eq!(Host::valid_run_len(b), want);
            proptest::prop_assert_eq!(Host::is_valid_run(&b[..n]), want.is_some());
            let general = classify(&s[..n])
                .map(|h| (h, n))
                .ok_or(UriError::BadHost { offset: 0 });
            proptest::prop_assert_eq!(Host::parse_at(&s, 0), general);
        }
    }

    proptest::proptest! {
        #[test]
        fn valid_hostname_agrees(s in "[a1.\\-]{0,8}") {
            proptest::prop_assert_eq!(
                valid_hostname(s.as_bytes()),
                valid_hostname_reference(s.as_bytes())
            );
        }
    }

    #[test]
    fn ipv6() {
        let a: Ipv6Addr = "2001:db8::10".parse().unwrap();
        assert_eq!(h("[2001:db8::10]"), Ok(Host::Ipv6(a)));
        assert_eq!(h("2001:db8::10"), Ok(Host::Ipv6(a)));
        assert_eq!(Host::Ipv6(a).to_string(), "[2001:db8::10]");
        let mapped = h("[::ffff:192.0.2.10]").unwrap();
        assert_eq!(mapped.to_string(), "[::ffff:192.0.2.10]");
        assert_eq!(h("[2001:db8::10"), Err(UriError::BadIpv6 { offset: 0 }));
        assert_eq!(h("[1.2.3.4]"), Err(UriError::BadIpv6 { offset: 0 }));
        assert_eq!(h("[2001:db8::10]x"), Err(UriError::BadChar { offset: 14 }));
        assert_eq!(h("[2001:db8:::1]"), Err(UriError::BadIpv6 { offset: 0 }));
    }

    #[test]
    fn domain_equality_ignores_case() {
        use std::collections::hash_map::DefaultHasher;
        let a = h("AtLanTa.CoM").unwrap();
        let b = h("atlanta.com").unwrap();
        assert_eq!(a, b);
        let hash = |x: &Host| {
            let mut s = DefaultHasher::new();
            x.hash(&mut s);
            s.finish()
        };
        assert_eq!(hash(&a), hash(&b));
        assert_ne!(
            h("phone21.boxesbybob.com").unwrap(),
            h("192.0.2.4").unwrap()
        );
        assert_eq!(h("[::1]").unwrap(), h("[0:0::1]").unwrap());
        assert!(h("[::1]").unwrap().is_ip());
        assert_eq!(a.domain(), Some("AtLanTa.CoM"));
    }
}
