//! URI comparison (RFC 3261 §19.1.4 for SIP, RFC 3966 §4 for tel).
//!
//! This is the protocol's notion of "the same URI", used for Request-URI
//! matching, registrar bindings and route checks. It is not an equivalence
//! relation in the mathematical sense (a parameter present in only one URI
//! is ignored), so there is no canonical hash key; `==` stays structural.

use super::escape::escaped_eq;
use super::tel::strip_separators;
use super::{OpaqueUri, SipUri, TelUri, Uri};
use crate::params::{Param, Params};

/// Parameters that must appear in both URIs or neither (RFC 3261 §19.1.4:
/// user, ttl, method and transport because of their defaults, maddr
/// explicitly).
const MUST_MATCH: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];

fn find<'a>(params: &'a Params, name: &str) -> Option<&'a Param> {
    params.iter().find(|p| escaped_eq(&p.name, name, true))
}

fn opt_eq(a: Option<&str>, b: Option<&str>, ignore_case: bool) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => escaped_eq(a, b, ignore_case),
        _ => false,
    }
}

/// Every parameter of `a` found in `b` matches, and those missing from `b`
/// are ones that may be ignored.
fn params_one_way(a: &Params, b: &Params) -> bool {
    a.iter().all(|p| match find(b, &p.name) {
        Some(q) => opt_eq(p.value.as_deref(), q.value.as_deref(), true),
        None => !MUST_MATCH.iter().any(|m| escaped_eq(&p.name, m, true)),
    })
}

fn header_in(h: &(String, String), list: &[(String, String)]) -> bool {
    list.iter()
        .any(|(n, v)| escaped_eq(&h.0, n, true) && escaped_eq(&h.1, v, false))
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
            && params_one_way(&self.params, &other.params)
            && params_one_way(&other.params, &self.params)
            && self.headers.len() == other.headers.len()
            && self.headers.iter().all(|h| header_in(h, &other.headers))
            && other.headers.iter().all(|h| header_in(h, &self.headers))
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

fn tel_params_one_way(a: &Params, b: &Params) -> bool {
    a.iter().all(|p| match b.find(&p.name) {
        Some(q) => match (p.value.as_deref(), q.value.as_deref()) {
            (None, None) => true,
            (Some(x), Some(y)) => tel_value_eq(&p.name, x, y),
            _ => false,
        },
        None => false,
    })
}

impl TelUri {
    /// RFC 3966 §4 comparison: both global or both local, the numbers
    /// equal without visual separators, the same parameter names in any
    /// order with equal values, all case-insensitively.
    pub fn equivalent(&self, other: &TelUri) -> bool {
        self.is_global() == other.is_global()
            && self.digits().eq_ignore_ascii_case(&other.digits())
            && tel_params_one_way(&self.params, &other.params)
            && tel_params_one_way(&other.params, &self.params)
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
