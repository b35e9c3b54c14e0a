//! Authentication headers (RFC 3261 §20.27, §20.28, §20.44, §20.7,
//! §20.6; RFC 7616 §3.3-§3.5; RFC 7235 §2.1 for the generic form):
//! WWW-Authenticate and Proxy-Authenticate carry a [`Challenge`];
//! Authorization and Proxy-Authorization carry [`Credentials`];
//! Authentication-Info carries bare [`AuthParams`].
//!
//! The representation is generic: a scheme and an ordered list of
//! `name=value` parameters (or a `token68`), so unknown schemes parse and
//! round-trip (RFC 4475 §3.1.1.? regaut01). Typed accessors read the
//! Digest parameters. These headers are not comma lists (`LIST = false`):
//! commas separate the parameters of one value.
//!
//! Values are stored unquoted with quoted-pairs resolved; [`AuthParam::quoted`]
//! records whether the value is written as a quoted-string, so that, e.g.,
//! `qop="auth,auth-int"` in a challenge and `qop=auth` in credentials are
//! both serialized the way RFC 7616 requires.

use super::lex::{self, malformed};
use super::{HeaderError, HeaderName, TypedHeader};
use core::fmt;

/// One `auth-param`: `name = (token / quoted-string)`.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct AuthParam {
    /// The name as written (compared case-insensitively).
    pub name: String,
    /// The value, unquoted, quoted-pairs resolved.
    pub value: String,
    /// True when the value is written as a quoted-string. A value that is
    /// not a valid bare value (empty, or holding whitespace, `,` or `"`) is
    /// quoted anyway when serialized.
    pub quoted: bool,
}

impl AuthParam {
    /// True when the value can be written without quotes.
    fn bare_ok(&self) -> bool {
        !self.value.is_empty() && self.value.bytes().all(is_bare_byte)
    }
}

/// Characters allowed in an unquoted auth-param value. The grammar says
/// `token`; anything up to whitespace, `,` or `"` is accepted on input so
/// that lax peers (`uri=sip:a@b`) still parse.
fn is_bare_byte(b: u8) -> bool {
    b > b' ' && b != b',' && b != b'"' && b != 0x7f
}

impl fmt::Display for AuthParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        f.write_str("=")?;
        if self.quoted || !self.bare_ok() {
            lex::write_quoted(f, &self.value)
        } else {
            f.write_str(&self.value)
        }
    }
}

/// An ordered list of auth-params, written `a=b, c="d"`.
#[derive(Clone, PartialEq, Eq, Debug, Hash, Default)]
pub struct AuthParams(pub Vec<AuthParam>);

impl AuthParams {
    /// An empty list.
    pub fn new() -> AuthParams {
        AuthParams(Vec::new())
    }

    /// The value of the first parameter named `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.find(name).map(|p| p.value.as_str())
    }

    /// The first parameter named `name` (case-insensitive).
    pub fn find(&self, name: &str) -> Option<&AuthParam> {
        self.0.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Sets `name` to `value`, replacing the first parameter of that name
    /// in place or appending.
    pub fn set(&mut self, name: &str, value: &str, quoted: bool) {
        match self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            Some(p) => {
                p.value = value.to_owned();
                p.quoted = quoted;
            }
            None => self.push(name, value, quoted),
        }
    }

    /// Appends a parameter.
    pub fn push(&mut self, name: &str, value: &str, quoted: bool) {
        self.0.push(AuthParam {
            name: name.to_owned(),
            value: value.to_owned(),
            quoted,
        });
    }

    /// Removes every parameter named `name`; returns whether one was.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|p| !p.name.eq_ignore_ascii_case(name));
        before != self.0.len()
    }

    /// Iterates in order.
    pub fn iter(&self) -> core::slice::Iter<'_, AuthParam> {
        self.0.iter()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Parses `auth-param *(COMMA auth-param)`. Empty list elements are
    /// skipped (RFC 7230 §7 list rule); repeated names are rejected
    /// (RFC 7235 §2.1: each parameter name occurs once per challenge).
    pub fn parse(s: &str, header: &'static str) -> Result<AuthParams, HeaderError> {
        let mut out = AuthParams::new();
        let mut rest = s;
        loop {
            rest = rest.trim_start_matches(|c: char| c == ',' || lex::is_ws(c));
            if rest.is_empty() {
                return Ok(out);
            }
            let (name, r) = lex::split_token(rest);
            if name.is_empty() {
                return Err(malformed(header, "bad auth-param name"));
            }
            let r = lex::trim_start(r)
                .strip_prefix('=')
                .ok_or(malformed(header, "auth-param without ="))?;
            let r = lex::trim_start(r);
            let (value, quoted, r) = if r.starts_with('"') {
                let (v, r) =
                    lex::quoted(r).ok_or(malformed(header, "unterminated quoted-string"))?;
                (v, true, r)
            } else {
                let end = r.bytes().position(|b| !is_bare_byte(b)).unwrap_or(r.len());
                if end == 0 {
                    return Err(malformed(header, "empty auth-param value"));
                }
                (r[..end].to_owned(), false, &r[end..])
            };
            let r = lex::trim_start(r);
            if !(r.is_empty() || r.starts_with(',')) {
                return Err(malformed(header, "expected , between auth-params"));
            }
            if out.find(name).is_some() {
                return Err(malformed(header, "repeated auth-param"));
            }
            out.0.push(AuthParam {
                name: name.to_owned(),
                value,
                quoted,
            });
            rest = r;
        }
    }
}

impl fmt::Display for AuthParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            p.fmt(f)?;
        }
        Ok(())
    }
}

impl<'a> IntoIterator for &'a AuthParams {
    type Item = &'a AuthParam;
    type IntoIter = core::slice::Iter<'a, AuthParam>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// `token68` characters (RFC 7235 §2.1), without the trailing `=`s.
fn is_token68_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// Parses `scheme [1*SP (token68 / #auth-param)]`.
fn parse_scheme_value(
    value: &str,
    header: &'static str,
) -> Result<(String, Option<String>, AuthParams), HeaderError> {
    let s = lex::non_empty(value, header)?;
    let (scheme, rest) = lex::split_token(s);
    if scheme.is_empty() {
        return Err(malformed(header, "missing auth-scheme"));
    }
    if !rest.is_empty() && !rest.starts_with(lex::is_ws) {
        return Err(malformed(header, "bad auth-scheme"));
    }
    let rest = lex::trim_start(rest);
    let t68_end = rest
        .bytes()
        .position(|b| !is_token68_byte(b))
        .unwrap_or(rest.len());
    let with_eq = t68_end + rest[t68_end..].bytes().take_while(|&b| b == b'=').count();
    if t68_end > 0 && lex::trim(&rest[with_eq..]).is_empty() {
        return Ok((
            scheme.to_owned(),
            Some(rest[..with_eq].to_owned()),
            AuthParams::new(),
        ));
    }
    Ok((scheme.to_owned(), None, AuthParams::parse(rest, header)?))
}

/// Writes `scheme`, then ` token68` or ` params`.
fn fmt_scheme_value(
    f: &mut fmt::Formatter<'_>,
    scheme: &str,
    token68: Option<&str>,
    params: &AuthParams,
) -> fmt::Result {
    f.write_str(scheme)?;
    if let Some(t) = token68 {
        write!(f, " {t}")
    } else if params.is_empty() {
        Ok(())
    } else {
        write!(f, " {params}")
    }
}

/// Splits a quoted list such as `qop="auth,auth-int"` into its tokens.
fn list_items(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(lex::trim).filter(|s| !s.is_empty())
}

/// Which Digest parameters are quoted-strings in a challenge (RFC 7616
/// §3.3).
fn challenge_quotes(name: &str) -> bool {
    ["realm", "domain", "nonce", "opaque", "qop"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// Which Digest parameters are quoted-strings in credentials (RFC 7616
/// §3.4).
fn credentials_quotes(name: &str) -> bool {
    [
        "username", "realm", "nonce", "uri", "response", "cnonce", "opaque",
    ]
    .iter()
    .any(|n| n.eq_ignore_ascii_case(name))
}

/// Which parameters are quoted-strings in Authentication-Info (RFC 7616
/// §3.5).
fn info_quotes(name: &str) -> bool {
    ["nextnonce", "rspauth", "cnonce"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// A challenge (RFC 3261 §20.44, §20.27; RFC 7616 §3.3): the value of
/// WWW-Authenticate or Proxy-Authenticate.
///
/// Build one with [`Challenge::digest`] and [`Challenge::with`]:
///
/// ```
/// use sip_core::header::Challenge;
/// let c = Challenge::digest()
///     .with("realm", "atlanta.example.com")
///     .with("nonce", "ea9c8e88df84f1cec4341ae6cbe5a359")
///     .with("algorithm", "MD5")
///     .with("qop", "auth");
/// assert_eq!(
///     c.to_string(),
///     "Digest realm=\"atlanta.example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", \
///      algorithm=MD5, qop=\"auth\""
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Challenge {
    /// The auth-scheme (`Digest`), compared case-insensitively.
    pub scheme: String,
    /// A `token68` instead of parameters (RFC 7235 §2.1); normally `None`.
    pub token68: Option<String>,
    /// The auth-params in order.
    pub params: AuthParams,
}

/// Credentials (RFC 3261 §20.7, §20.28; RFC 7616 §3.4): the value of
/// Authorization or Proxy-Authorization.
///
/// Build with [`Credentials::digest`] and [`Credentials::with`], which
/// quotes the Digest parameters RFC 7616 §3.4 quotes (`username`, `realm`,
/// `nonce`, `uri`, `response`, `cnonce`, `opaque`) and leaves `algorithm`,
/// `qop`, `nc` and `userhash` bare.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Credentials {
    /// The auth-scheme (`Digest`), compared case-insensitively.
    pub scheme: String,
    /// A `token68` instead of parameters (RFC 7235 §2.1, e.g. `Bearer`
    /// tokens of RFC 8898); normally `None`.
    pub token68: Option<String>,
    /// The auth-params in order.
    pub params: AuthParams,
}

macro_rules! scheme_value_common {
    ($ty:ident, $quotes:path) => {
        impl $ty {
            /// An empty value of `scheme`.
            pub fn new(scheme: &str) -> $ty {
                $ty {
                    scheme: scheme.to_owned(),
                    token68: None,
                    params: AuthParams::new(),
                }
            }

            /// An empty `Digest` value.
            pub fn digest() -> $ty {
                Self::new("Digest")
            }

            /// True when the scheme is `Digest` (case-insensitive).
            pub fn is_digest(&self) -> bool {
                self.scheme.eq_ignore_ascii_case("Digest")
            }

            /// The value of parameter `name` (case-insensitive).
            pub fn param(&self, name: &str) -> Option<&str> {
                self.params.get(name)
            }

            /// Sets `name`, quoting it as RFC 7616 does for this header.
            pub fn set(&mut self, name: &str, value: &str) {
                self.params.set(name, value, $quotes(name));
            }

            /// Builder form of [`Self::set`].
            pub fn with(mut self, name: &str, value: &str) -> $ty {
                self.set(name, value);
                self
            }

            /// The `realm`.
            pub fn realm(&self) -> Option<&str> {
                self.param("realm")
            }

            /// The `nonce`.
            pub fn nonce(&self) -> Option<&str> {
                self.param("nonce")
            }

            /// The `opaque` value, returned unchanged to the server.
            pub fn opaque(&self) -> Option<&str> {
                self.param("opaque")
            }

            /// The `algorithm` token (`MD5`, `SHA-256`, `SHA-512-256`,
            /// optionally `-sess`; RFC 7616 §3.3, RFC 8760). Absent means
            /// MD5.
            pub fn algorithm(&self) -> Option<&str> {
                self.param("algorithm")
            }

            /// True when `userhash=true` (RFC 7616 §3.4.4).
            pub fn userhash(&self) -> bool {
                self.param("userhash")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_scheme_value(f, &self.scheme, self.token68.as_deref(), &self.params)
            }
        }
    };
}

scheme_value_common!(Challenge, challenge_quotes);
scheme_value_common!(Credentials, credentials_quotes);

impl Challenge {
    /// Parses a challenge value for `header`.
    pub fn parse_for(value: &str, header: &'static str) -> Result<Challenge, HeaderError> {
        let (scheme, token68, params) = parse_scheme_value(value, header)?;
        Ok(Challenge {
            scheme,
            token68,
            params,
        })
    }

    /// The `domain` URIs (space-separated in one quoted-string, RFC 7616
    /// §3.3).
    pub fn domain(&self) -> impl Iterator<Item = &str> {
        self.param("domain")
            .unwrap_or("")
            .split(lex::is_ws)
            .filter(|s| !s.is_empty())
    }

    /// True when `stale=true`: the nonce expired but the credentials were
    /// right, so retry without asking the user (RFC 7616 §3.3).
    pub fn stale(&self) -> bool {
        self.param("stale")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The offered `qop` options (`auth`, `auth-int`), from the quoted,
    /// comma-separated list (RFC 7616 §3.3).
    pub fn qop_options(&self) -> impl Iterator<Item = &str> {
        list_items(self.param("qop").unwrap_or(""))
    }

    /// The `charset` parameter (RFC 7616 §3.3; only `UTF-8`).
    pub fn charset(&self) -> Option<&str> {
        self.param("charset")
    }
}

impl Credentials {
    /// Parses a credentials value for `header`.
    pub fn parse_for(value: &str, header: &'static str) -> Result<Credentials, HeaderError> {
        let (scheme, token68, params) = parse_scheme_value(value, header)?;
        Ok(Credentials {
            scheme,
            token68,
            params,
        })
    }

    /// The `username` (or, with `userhash`, its hash; RFC 7616 §3.4).
    pub fn username(&self) -> Option<&str> {
        self.param("username")
    }

    /// The `digest-uri` (`uri`), the Request-URI as sent (RFC 3261 §22.4).
    pub fn uri(&self) -> Option<&str> {
        self.param("uri")
    }

    /// The `response` digest.
    pub fn response(&self) -> Option<&str> {
        self.param("response")
    }

    /// The chosen `qop` (a single token here).
    pub fn qop(&self) -> Option<&str> {
        self.param("qop")
    }

    /// The client nonce `cnonce`.
    pub fn cnonce(&self) -> Option<&str> {
        self.param("cnonce")
    }

    /// The nonce count `nc` (8 hex digits, RFC 7616 §3.4); `None` when
    /// absent or malformed.
    pub fn nc(&self) -> Option<u32> {
        parse_nc(self.param("nc")?)
    }

    /// Sets `nc` as 8 lowercase hex digits.
    pub fn set_nc(&mut self, nc: u32) {
        self.params.set("nc", &format!("{nc:08x}"), false);
    }
}

/// Parses an 8-hex-digit nonce count.
fn parse_nc(v: &str) -> Option<u32> {
    (v.len() == 8 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(v, 16).ok())
        .flatten()
}

macro_rules! auth_header {
    ($(#[$doc:meta])* $ty:ident($inner:ident), $hname:ident, $wire:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Debug, Hash)]
        pub struct $ty(pub $inner);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$hname;
            const LIST: bool = false;

            fn parse(value: &str) -> Result<Self, HeaderError> {
                $inner::parse_for(value, $wire).map($ty)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl core::ops::Deref for $ty {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }

        impl core::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut $inner {
                &mut self.0
            }
        }
    };
}

auth_header! {
    /// WWW-Authenticate (RFC 3261 §20.44): a UAS or registrar's challenge
    /// in a 401.
    WwwAuthenticate(Challenge), WwwAuthenticate, "WWW-Authenticate"
}

auth_header! {
    /// Proxy-Authenticate (RFC 3261 §20.27): a proxy's challenge in a 407.
    ProxyAuthenticate(Challenge), ProxyAuthenticate, "Proxy-Authenticate"
}

auth_header! {
    /// Authorization (RFC 3261 §20.7): credentials answering a 401.
    Authorization(Credentials), Authorization, "Authorization"
}

auth_header! {
    /// Proxy-Authorization (RFC 3261 §20.28): credentials answering a 407.
    ProxyAuthorization(Credentials), ProxyAuthorization, "Proxy-Authorization"
}

/// Authentication-Info (RFC 3261 §20.6, RFC 7616 §3.5): mutual
/// authentication and the next nonce, a bare auth-param list.
#[derive(Clone, PartialEq, Eq, Debug, Hash, Default)]
pub struct AuthenticationInfo(pub AuthParams);

impl AuthenticationInfo {
    /// Sets `name`, quoting `nextnonce`, `rspauth` and `cnonce` (RFC 7616
    /// §3.5).
    pub fn set(&mut self, name: &str, value: &str) {
        self.0.set(name, value, info_quotes(name));
    }

    /// Builder form of [`Self::set`].
    pub fn with(mut self, name: &str, value: &str) -> AuthenticationInfo {
        self.set(name, value);
        self
    }

    /// `nextnonce`: the nonce to use next.
    pub fn next_nonce(&self) -> Option<&str> {
        self.0.get("nextnonce")
    }

    /// `rspauth`: the server's proof (mutual authentication).
    pub fn rspauth(&self) -> Option<&str> {
        self.0.get("rspauth")
    }

    /// `qop`.
    pub fn qop(&self) -> Option<&str> {
        self.0.get("qop")
    }

    /// `cnonce`, echoed.
    pub fn cnonce(&self) -> Option<&str> {
        self.0.get("cnonce")
    }

    /// `nc`, echoed; `None` when absent or malformed.
    pub fn nc(&self) -> Option<u32> {
        parse_nc(self.0.get("nc")?)
    }
}

impl TypedHeader for AuthenticationInfo {
    const NAME: HeaderName = HeaderName::AuthenticationInfo;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let s = lex::non_empty(value, "Authentication-Info")?;
        let params = AuthParams::parse(s, "Authentication-Info")?;
        if params.is_empty() {
            return Err(HeaderError::Empty {
                header: "Authentication-Info",
            });
        }
        Ok(AuthenticationInfo(params))
    }
}

impl fmt::Display for AuthenticationInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_challenge() {
        let w = WwwAuthenticate::parse(
            "Digest realm=\"atlanta.example.com\", qop=\"auth, auth-int\",\r\n nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\" ,\
             opaque=\"\", stale=FALSE, algorithm=SHA-256, domain=\"sip:a.example sip:b.example\"",
        )
        .unwrap();
        assert!(w.is_digest());
        assert_eq!(w.realm(), Some("atlanta.example.com"));
        assert_eq!(w.qop_options().collect::<Vec<_>>(), ["auth", "auth-int"]);
        assert_eq!(w.nonce(), Some("ea9c8e88df84f1cec4341ae6cbe5a359"));
        assert_eq!(w.opaque(), Some(""));
        assert!(!w.stale());
        assert_eq!(w.algorithm(), Some("SHA-256"));
        assert_eq!(
            w.domain().collect::<Vec<_>>(),
            ["sip:a.example", "sip:b.example"]
        );
        assert_eq!(
            w.to_string(),
            "Digest realm=\"atlanta.example.com\", qop=\"auth, auth-int\", \
             nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\", stale=FALSE, algorithm=SHA-256, \
             domain=\"sip:a.example sip:b.example\""
        );
        assert_eq!(WwwAuthenticate::parse(&w.to_string()), Ok(w));
    }

    #[test]
    fn digest_credentials() {
        let mut c = Credentials::digest()
            .with("username", "bob")
            .with("realm", "biloxi.com")
            .with("nonce", "dcd98b7102dd2f0e8b11d0f600bfb0c093")
            .with("uri", "sip:bob@biloxi.com")
            .with("qop", "auth")
            .with("cnonce", "0a4f113b")
            .with("response", "6629fae49393a05397450978507c4ef1")
            .with("algorithm", "MD5");
        c.set_nc(1);
        let s = c.to_string();
        assert_eq!(
            s,
            "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
             uri=\"sip:bob@biloxi.com\", qop=auth, cnonce=\"0a4f113b\", \
             response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, nc=00000001"
        );
        let p = ProxyAuthorization::parse(&s).unwrap();
        assert_eq!(p.0, c);
        assert_eq!(p.username(), Some("bob"));
        assert_eq!(p.uri(), Some("sip:bob@biloxi.com"));
        assert_eq!(p.nc(), Some(1));
        assert_eq!(p.qop(), Some("auth"));
        assert_eq!(p.cnonce(), Some("0a4f113b"));
        assert_eq!(p.response(), Some("6629fae49393a05397450978507c4ef1"));
    }

    #[test]
    fn unknown_scheme_regaut01() {
        // RFC 4475 §3.1.1.? (regaut01): an unknown scheme must still parse.
        let a = Authorization::parse("NoOneKnowsThisScheme opaque-data=here").unwrap();
        assert!(!a.is_digest());
        assert_eq!(a.scheme, "NoOneKnowsThisScheme");
        assert_eq!(a.param("OPAQUE-DATA"), Some("here"));
        assert_eq!(a.to_string(), "NoOneKnowsThisScheme opaque-data=here");
    }

    #[test]
    fn token68_and_lax_values() {
        let a = Authorization::parse("Bearer mF_9.B5f-4.1JqM==").unwrap();
        assert_eq!(a.token68.as_deref(), Some("mF_9.B5f-4.1JqM=="));
        assert_eq!(a.to_string(), "Bearer mF_9.B5f-4.1JqM==");
        let a =
            Authorization::parse("Digest uri=sip:a@b;transport=tcp, username=\"a\\\"b\"").unwrap();
        assert_eq!(a.uri(), Some("sip:a@b;transport=tcp"));
        assert_eq!(a.username(), Some("a\"b"));
        assert_eq!(Authorization::parse(&a.to_string()), Ok(a));
        assert_eq!(
            Authorization::parse("Digest").unwrap().to_string(),
            "Digest"
        );
        assert!(Authorization::parse("Digest ,, realm=x,").unwrap().realm() == Some("x"));
        // A bare word after the scheme is a token68 by the RFC 7235 grammar.
        assert_eq!(
            Authorization::parse("Digest realm")
                .unwrap()
                .token68
                .as_deref(),
            Some("realm")
        );
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            "\"Digest\" realm=x",
            "Digest realm=\"open",
            "Digest realm=a b",
            "Digest realm=a realm2=b",
            "Digest realm=a, REALM=b",
            "Digest =x",
            "Digest, realm=x",
        ] {
            assert!(WwwAuthenticate::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn authentication_info() {
        let i = AuthenticationInfo::default()
            .with("nextnonce", "47364c23432d2e131a5fb210812c")
            .with("qop", "auth")
            .with("rspauth", "abcd")
            .with("cnonce", "x")
            .with("nc", "0000000a");
        assert_eq!(
            i.to_string(),
            "nextnonce=\"47364c23432d2e131a5fb210812c\", qop=auth, rspauth=\"abcd\", cnonce=\"x\", nc=0000000a"
        );
        let p = AuthenticationInfo::parse(&i.to_string()).unwrap();
        assert_eq!(p, i);
        assert_eq!(p.next_nonce(), Some("47364c23432d2e131a5fb210812c"));
        assert_eq!(p.nc(), Some(10));
        assert_eq!(p.rspauth(), Some("abcd"));
        assert!(AuthenticationInfo::parse(" , ").is_err());
    }
}
