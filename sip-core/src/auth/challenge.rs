//! Digest challenges: the value of WWW-Authenticate and Proxy-Authenticate
//! (RFC 3261 §20.27, §20.44, §25.1 `digest-cln`; RFC 7616 §3.3).

use super::algorithm::{Algorithm, Qop, UnsupportedAlgorithm};
use super::params::{write_quoted, AuthLimits, AuthParam, AuthParseError, AuthValue};
use crate::header::{HeaderName, Headers};
use core::fmt;

/// Which pair of headers a challenge travels in (RFC 3261 §22.2, §22.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ChallengeKind {
    /// From a UAS or registrar: `WWW-Authenticate` in a 401, answered with
    /// `Authorization`.
    Www,
    /// From a proxy: `Proxy-Authenticate` in a 407, answered with
    /// `Proxy-Authorization`.
    Proxy,
}

impl ChallengeKind {
    /// The header carrying the challenge.
    pub fn challenge_header(self) -> HeaderName {
        match self {
            ChallengeKind::Www => HeaderName::WwwAuthenticate,
            ChallengeKind::Proxy => HeaderName::ProxyAuthenticate,
        }
    }

    /// The header carrying the answer.
    pub fn credentials_header(self) -> HeaderName {
        match self {
            ChallengeKind::Www => HeaderName::Authorization,
            ChallengeKind::Proxy => HeaderName::ProxyAuthorization,
        }
    }
}

/// Why a challenge value is not a usable Digest challenge.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// The auth-param syntax is broken.
    #[error(transparent)]
    Parse(#[from] AuthParseError),
    /// The scheme is not `Digest` (e.g. `Basic`, which RFC 3261 §22.1
    /// forbids).
    #[error("authentication scheme {0:?} is not Digest")]
    NotDigest(String),
    /// No `realm` parameter (required, RFC 3261 §22.4 / RFC 7616 §3.3).
    #[error("digest challenge without realm")]
    MissingRealm,
    /// No `nonce` parameter (required, RFC 7616 §3.3).
    #[error("digest challenge without nonce")]
    MissingNonce,
    /// An `algorithm` this implementation does not support.
    #[error(transparent)]
    UnsupportedAlgorithm(#[from] UnsupportedAlgorithm),
}

/// A parsed Digest challenge (RFC 7616 §3.3, RFC 3261 §22.4, RFC 8760).
///
/// Also the server's challenge builder: [`DigestChallenge::new`] takes the
/// realm and a nonce the server made up, the `with_*` methods add the
/// optional parameters, and `Display` writes the header value.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DigestChallenge {
    /// The protection space (`realm`), unquoted.
    pub realm: String,
    /// The server nonce, unquoted.
    pub nonce: String,
    /// `opaque`, echoed back unchanged by the client.
    pub opaque: Option<String>,
    /// `algorithm`; MD5 when absent (RFC 7616 §3.3).
    pub algorithm: Algorithm,
    /// True when `algorithm` was written in the challenge.
    pub algorithm_explicit: bool,
    /// The `qop` options this implementation understands, in the server's
    /// order. `None` when the challenge has no `qop` (RFC 2069 mode);
    /// `Some(empty)` when it offers only unknown options.
    pub qop: Option<Vec<Qop>>,
    /// `stale=true`: the previous credentials were good but the nonce had
    /// expired (RFC 7616 §3.3).
    pub stale: bool,
    /// `domain`: URIs of the protection space, space-separated on the wire.
    pub domain: Vec<String>,
    /// `userhash=true`: the server accepts a hashed username (RFC 7616 §3.4.4).
    pub userhash: bool,
    /// Any other auth-param, kept for the application.
    pub extra: Vec<AuthParam>,
}

impl DigestChallenge {
    /// A challenge with the given realm and nonce, MD5, no qop and no other
    /// parameter: start of the server-side builder.
    pub fn new(realm: impl Into<String>, nonce: impl Into<String>) -> Self {
        DigestChallenge {
            realm: realm.into(),
            nonce: nonce.into(),
            opaque: None,
            algorithm: Algorithm::Md5,
            algorithm_explicit: false,
            qop: None,
            stale: false,
            domain: Vec::new(),
            userhash: false,
            extra: Vec::new(),
        }
    }

    /// Sets the algorithm (written explicitly).
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self.algorithm_explicit = true;
        self
    }

    /// Sets the offered qop options (RFC 3261 §22.4 says a server SHOULD
    /// offer `auth`).
    pub fn with_qop(mut self, qop: &[Qop]) -> Self {
        self.qop = Some(qop.to_vec());
        self
    }

    /// Sets `opaque`.
    pub fn with_opaque(mut self, opaque: impl Into<String>) -> Self {
        self.opaque = Some(opaque.into());
        self
    }

    /// Sets `stale`.
    pub fn with_stale(mut self, stale: bool) -> Self {
        self.stale = stale;
        self
    }

    /// Sets `userhash`.
    pub fn with_userhash(mut self, userhash: bool) -> Self {
        self.userhash = userhash;
        self
    }

    /// Sets `domain`.
    pub fn with_domain<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.domain = uris.into_iter().map(Into::into).collect();
        self
    }

    /// Parses a WWW-Authenticate or Proxy-Authenticate value.
    pub fn parse(value: &str) -> Result<Self, ChallengeError> {
        Self::parse_with_limits(value, &AuthLimits::default())
    }

    /// Parses a challenge value with explicit size limits.
    pub fn parse_with_limits(value: &str, limits: &AuthLimits) -> Result<Self, ChallengeError> {
        let v = AuthValue::parse_with_limits(value, limits)?;
        Self::from_auth_value(v)
    }

    /// Interprets an already split scheme and auth-param list.
    pub fn from_auth_value(v: AuthValue) -> Result<Self, ChallengeError> {
        if !v.is_scheme("Digest") {
            return Err(ChallengeError::NotDigest(v.scheme));
        }
        let mut c = DigestChallenge::new(String::new(), String::new());
        let (mut realm, mut nonce) = (None, None);
        for p in v.params {
            let name = p.name.to_ascii_lowercase();
            match name.as_str() {
                "realm" => realm = Some(p.value),
                "nonce" => nonce = Some(p.value),
                "opaque" => c.opaque = Some(p.value),
                "algorithm" => {
                    c.algorithm = Algorithm::parse(&p.value)?;
                    c.algorithm_explicit = true;
                }
                // qop-options = "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT
                "qop" => {
                    c.qop = Some(
                        p.value
                            .split(',')
                            .filter_map(|t| Qop::parse(t.trim()))
                            .fold(Vec::new(), |mut acc, q| {
                                if !acc.contains(&q) {
                                    acc.push(q);
                                }
                                acc
                            }),
                    )
                }
                "stale" => c.stale = p.value.eq_ignore_ascii_case("true"),
                "userhash" => c.userhash = p.value.eq_ignore_ascii_case("true"),
                "domain" => {
                    c.domain = p
                        .value
                        .split_ascii_whitespace()
                        .map(str::to_owned)
                        .collect()
                }
                _ => c.extra.push(p),
            }
        }
        c.realm = realm.ok_or(ChallengeError::MissingRealm)?;
        c.nonce = nonce.ok_or(ChallengeError::MissingNonce)?;
        Ok(c)
    }

    /// The qop this client will answer with (RFC 7616 §3.4): `auth` when
    /// offered, else `auth-int` when offered. `Ok(None)` when the challenge
    /// has no qop (RFC 2069 compatibility); `Err(())` when every offered
    /// option is unknown.
    pub(crate) fn chosen_qop(&self) -> Result<Option<Qop>, ()> {
        match &self.qop {
            None => Ok(None),
            Some(offered) => Qop::choose(offered).map(Some).ok_or(()),
        }
    }
}

impl fmt::Display for DigestChallenge {
    /// Writes `Digest realm="..", nonce="..", ...` (RFC 3261 §25.1): realm,
    /// nonce, opaque, domain and qop quoted; algorithm, stale and userhash
    /// as tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest realm=")?;
        write_quoted(f, &self.realm)?;
        if !self.domain.is_empty() {
            f.write_str(", domain=")?;
            write_quoted(f, &self.domain.join(" "))?;
        }
        f.write_str(", nonce=")?;
        write_quoted(f, &self.nonce)?;
        if let Some(o) = &self.opaque {
            f.write_str(", opaque=")?;
            write_quoted(f, o)?;
        }
        if self.stale {
            f.write_str(", stale=true")?;
        }
        if self.algorithm_explicit || self.algorithm != Algorithm::Md5 {
            write!(f, ", algorithm={}", self.algorithm)?;
        }
        if let Some(q) = &self.qop {
            let list: Vec<&str> = q.iter().map(|q| q.as_str()).collect();
            f.write_str(", qop=")?;
            write_quoted(f, &list.join(","))?;
        }
        if self.userhash {
            f.write_str(", userhash=true")?;
        }
        for p in &self.extra {
            write!(f, ", {p}")?;
        }
        Ok(())
    }
}

/// Every challenge in `headers`: WWW-Authenticate values first, then
/// Proxy-Authenticate values, each in header order.
///
/// Both are read whatever the status code, because a forking proxy may
/// aggregate challenges of both kinds into one response (RFC 3261 §22.3,
/// §16.7 step 6). Values that are not usable Digest challenges are returned
/// as errors so the caller can log them; [`super::DigestClient::select`]
/// skips them.
pub fn challenges(
    headers: &Headers,
) -> Vec<(ChallengeKind, Result<DigestChallenge, ChallengeError>)> {
    challenges_with_limits(headers, &AuthLimits::default())
}

/// [`challenges`] with explicit size limits.
pub fn challenges_with_limits(
    headers: &Headers,
    limits: &AuthLimits,
) -> Vec<(ChallengeKind, Result<DigestChallenge, ChallengeError>)> {
    let mut out = Vec::new();
    for kind in [ChallengeKind::Www, ChallengeKind::Proxy] {
        let name = kind.challenge_header();
        // RFC 3261 §7.3.1: these headers are never comma-combined, so
        // each line is one challenge.
        for line in headers.get_all(&name) {
            out.push((kind, DigestChallenge::parse_with_limits(line, limits)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_challenge() {
        let c = DigestChallenge::parse(
            "Digest realm=\"x\", nonce=\"y\", qop=\"auth,auth-int\", algorithm=SHA-256, stale=true, opaque=\"z\", domain=\"sip:a sip:b\", userhash=true, charset=UTF-8",
        )
        .unwrap();
        assert_eq!(c.realm, "x");
        assert_eq!(c.nonce, "y");
        assert_eq!(c.opaque.as_deref(), Some("z"));
        assert_eq!(c.algorithm, Algorithm::Sha256);
        assert_eq!(c.qop, Some(vec![Qop::Auth, Qop::AuthInt]));
        assert!(c.stale && c.userhash);
        assert_eq!(c.domain, ["sip:a", "sip:b"]);
        assert_eq!(c.extra, [AuthParam::token("charset", "UTF-8")]);
    }

    #[test]
    fn defaults() {
        let c = DigestChallenge::parse("digest NONCE=abc, REALM=r").unwrap();
        assert_eq!(c.algorithm, Algorithm::Md5);
        assert!(!c.algorithm_explicit);
        assert_eq!(c.qop, None);
        assert!(!c.stale && !c.userhash);
        assert_eq!(c.chosen_qop(), Ok(None));
    }

    #[test]
    fn qop_choice() {
        let c = DigestChallenge::parse("Digest realm=r, nonce=n, qop=\"auth-int, auth\"").unwrap();
        assert_eq!(c.chosen_qop(), Ok(Some(Qop::Auth)));
        let c = DigestChallenge::parse("Digest realm=r, nonce=n, qop=\"auth-int\"").unwrap();
        assert_eq!(c.chosen_qop(), Ok(Some(Qop::AuthInt)));
        let c = DigestChallenge::parse("Digest realm=r, nonce=n, qop=\"auth-conf\"").unwrap();
        assert_eq!(c.qop, Some(vec![]));
        assert_eq!(c.chosen_qop(), Err(()));
    }

    #[test]
    fn errors() {
        assert_eq!(
            DigestChallenge::parse("Basic realm=\"x\""),
            Err(ChallengeError::NotDigest("Basic".into()))
        );
        assert_eq!(
            DigestChallenge::parse("Digest nonce=n"),
            Err(ChallengeError::MissingRealm)
        );
        assert_eq!(
            DigestChallenge::parse("Digest realm=r"),
            Err(ChallengeError::MissingNonce)
        );
        assert_eq!(
            DigestChallenge::parse("Digest realm=r, nonce=n, algorithm=SHA3-256"),
            Err(ChallengeError::UnsupportedAlgorithm(UnsupportedAlgorithm(
                "SHA3-256".into()
            )))
        );
        assert!(matches!(
            DigestChallenge::parse("Digest realm=\"r"),
            Err(ChallengeError::Parse(AuthParseError::UnterminatedQuote))
        ));
    }

    #[test]
    fn builder_round_trips() {
        let c = DigestChallenge::new("biloxi.com", "n\"1")
            .with_algorithm(Algorithm::Sha512_256Sess)
            .with_qop(&[Qop::Auth, Qop::AuthInt])
            .with_opaque("o")
            .with_stale(true)
            .with_userhash(true)
            .with_domain(["sip:biloxi.com"]);
        let s = c.to_string();
        assert_eq!(
            s,
            "Digest realm=\"biloxi.com\", domain=\"sip:biloxi.com\", nonce=\"n\\\"1\", opaque=\"o\", stale=true, algorithm=SHA-512-256-sess, qop=\"auth,auth-int\", userhash=true"
        );
        assert_eq!(DigestChallenge::parse(&s).unwrap(), c);
        let plain = DigestChallenge::new("r", "n");
        assert_eq!(plain.to_string(), "Digest realm=\"r\", nonce=\"n\"");
        assert_eq!(DigestChallenge::parse(&plain.to_string()).unwrap(), plain);
    }

    #[test]
    fn collects_both_kinds() {
        let mut h = Headers::new();
        h.push(
            HeaderName::ProxyAuthenticate,
            "Digest realm=\"p\", nonce=\"1\"",
        );
        h.push(
            HeaderName::WwwAuthenticate,
            "Digest realm=\"w\", nonce=\"2\"",
        );
        h.push(HeaderName::WwwAuthenticate, "Basic realm=\"w\"");
        let all = challenges(&h);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].0, ChallengeKind::Www);
        assert_eq!(all[0].1.as_ref().unwrap().realm, "w");
        assert!(all[1].1.is_err());
        assert_eq!(all[2].0, ChallengeKind::Proxy);
        assert_eq!(all[2].1.as_ref().unwrap().realm, "p");
        assert_eq!(
            ChallengeKind::Proxy.credentials_header(),
            HeaderName::ProxyAuthorization
        );
    }
}
