//! URI comparison (RFC 3261 §19.1.4 for SIP, RFC 3966 §4 for tel).
//!
//! This is the protocol's notion of "the same URI", used for Request-URI
//! matching, registrar bindings and route checks. It is not an equivalence
//! relation in the mathematical sense (a parameter present in only one URI
//! is ignored), so there is no canonical hash key; `==` stays structural.

use super::escape::{comparison_key, escaped_eq};
use super::tel::strip_separators;
use super::{OpaqueUri, SipUri, TelUri, Uri};
use crate::params::{Param, Params};

/// Parameters that must appear in both URIs or neither (RFC 3261 §19.1.4:
/// user, ttl, method and transport because of their defaults, maddr
/// explicitly).
const MUST_MATCH: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];

/// Up to this many parameters on each side, lists are compared pairwise;
/// above it, through sorted keys, so that a crafted URI with thousands of
/// parameters cannot make a comparison quadratic.
const PAIRWISE_MAX: usize = 16;

fn opt_eq(a: Option<&str>, b: Option<&str>, ignore_case: bool) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => escaped_eq(a, b, ignore_case),
        _ => false,
    }
}

/// Compares parameter lists in both directions. Names compare per
/// [`escaped_eq`], case-insensitively; when a name is repeated only its
/// first occurrence counts (as for the accessors). A parameter with a
/// counterpart must satisfy `value_eq`, one without must satisfy
/// `missing_ok`.
fn params_match(
    a: &Params,
    b: &Params,
    missing_ok: impl Fn(&Param) -> bool,
    value_eq: impl Fn(&Param, &Param) -> bool,
) -> bool {
    if a.len() <= PAIRWISE_MAX && b.len() <= PAIRWISE_MAX {
        let same = |p: &Param, q: &Param| escaped_eq(&p.name, &q.name, true);
        let one_way = |x: &Params, y: &Params| {
            x.iter().enumerate().all(|(i, p)| {
                if x.iter().take(i).any(|earlier| same(earlier, p)) {
                    return true;
                }
                match y.iter().find(|q| same(p, q)) {
                    Some(q) => value_eq(p, q),
                    None => missing_ok(p),
                }
            })
        };
        return one_way(a, b) && one_way(b, a);
    }
    let av: Vec<&Param> = a.iter().collect();
    let bv: Vec<&Param> = b.iter().collect();
    let keys = |v: &[&Param]| {
        let mut k: Vec<(Vec<u16>, usize)> = v
            .iter()
            .enumerate()
            .map(|(i, p)| (comparison_key(&p.name, true), i))
            .collect();
        // Stable: among equal names the first written comes first.
        k.sort_by(|x, y| x.0.cmp(&y.0));
        k
    };
    let (ka, kb) = (keys(&av), keys(&bv));
    let one_way =
        |kx: &[(Vec<u16>, usize)], x: &[&Param], ky: &[(Vec<u16>, usize)], y: &[&Param]| {
            kx.iter().enumerate().all(|(n, (key, i))| {
                if n > 0 && kx[n - 1].0 == *key {
                    return true;
                }
                let pos = ky.partition_point(|(k, _)| k < key);
                match ky.get(pos) {
                    Some((k, j)) if k == key => value_eq(x[*i], y[*j]),
                    _ => missing_ok(x[*i]),
                }
            })
        };
    one_way(&ka, &av, &kb, &bv) && one_way(&kb, &bv, &ka, &av)
}

/// URI headers as a multiset: the same headers, in any order (names
/// case-insensitive, values case-sensitive, escapes per [`escaped_eq`]).
fn headers_match(a: &[(String, String)], b: &[(String, String)]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.is_empty() {
        return true;
    }
    let keys = |v: &[(String, String)]| {
        let mut k: Vec<(Vec<u16>, Vec<u16>)> = v
            .iter()
            .map(|(n, v)| (comparison_key(n, true), comparison_key(v, false)))
            .collect();
        k.sort_unstable();
        k
    };
    keys(a) == keys(b)
}

impl SipUri {
    /// RFC 3261 §19.1.4 comparison: same scheme; user and password
    /// case-sensitive after unescaping (an escaped reserved character is
    /// not its literal); host case-insensitive; ports equal (absent differs
    /// from an explicit 5060); `user`, `ttl`, `method`, `maddr`, `transport`
    /// present in both or neither; any parameter present in both equal
    /// (case-insensitive); others ignored; headers all present in both
    /// and equal, in any order.
    pub fn equivalent(&self, other: &SipUri) -> bool {
        self.secure == other.secure
            && opt_eq(self.user.as_deref(), other.user.as_deref(), false)
            && opt_eq(self.password.as_deref(), other.password.as_deref(), false)
            && self.host == other.host
            && self.port == other.port
            && params_match(
                &self.params,
                &other.params,
                |p| !MUST_MATCH.iter().any(|m| escaped_eq(&p.name, m, true)),
                |p, q| opt_eq(p.value.as_deref(), q.value.as_deref(), true),
            )
            && headers_match(&self.headers, &other.headers)
    }
}

/// A tel parameter value normalized for comparison: visual separators do
/// not count in `ext` or in a global-number `phone-context` (RFC 3966 §4).
fn tel_value_eq(name: &str, a: &str, b: &str) -> bool {
    let strip = name.eq_ignore_ascii_case("ext")
        || (name.eq_ignore_ascii_case("phone-context") && a.starts_with('+'));
    if strip {
        escaped_eq(&strip_separators(a), &strip_separators(b), true)
    } else {
        escaped_eq(a, b, true)
    }
}

impl TelUri {
    /// RFC 3966 §4 comparison: both global or both local, the numbers
    /// equal without visual separators, the same parameter names in any
    /// order with equal values, all case-insensitively.
    pub fn equivalent(&self, other: &TelUri) -> bool {
        self.is_global() == other.is_global()
            && self.digits().eq_ignore_ascii_case(&other.digits())
            && params_match(
                &self.params,
                &other.params,
                |_| false,
                |p, q| match (p.value.as_deref(), q.value.as_deref()) {
                    (None, None) => true,
                    (Some(x), Some(y)) => tel_value_eq(&p.name, x, y),
                    _ => false,
                },
            )
    }
}

impl OpaqueUri {
    /// Same scheme (case-insensitive) and the same text, where an escaped
    /// unreserved character equals its literal.
    pub fn equivalent(&self, other: &OpaqueUri) -> bool {
        self.scheme.eq_ignore_ascii_case(&other.scheme)
            && escaped_eq(&self.rest, &other.rest, false)
    }
}

impl Uri {
    /// Scheme-specific comparison: [`SipUri::equivalent`],
    /// [`TelUri::equivalent`], [`OpaqueUri::equivalent`]. URIs of different
    /// schemes are never equivalent (a `sip:` URI never matches a `sips:` one).
    pub fn equivalent(&self, other: &Uri) -> bool {
        match (self, other) {
            (Uri::Sip(a), Uri::Sip(b)) => a.equivalent(b),
            (Uri::Tel(a), Uri::Tel(b)) => a.equivalent(b),
            (Uri::Other(a), Uri::Other(b)) => a.equivalent(b),
            _ => false,
        }
    }
}
