//! The secret a client answers with ([`Credentials`]) and the
//! Authorization / Proxy-Authorization value it produces
//! ([`DigestAuthorization`], RFC 3261 §25.1 `digest-response`,
//! RFC 7616 §3.4).

use super::algorithm::{Algorithm, Qop, UnsupportedAlgorithm};
use super::digest;
use super::params::{write_quoted, AuthLimits, AuthParam, AuthParseError, AuthValue};
use core::fmt;

/// A user's secret for one or more realms.
///
/// `Debug` never prints the password or HA1.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A username and cleartext password, usable for any realm and
    /// algorithm.
    Password {
        /// The authentication username (RFC 3261 §22.4 `username`).
        username: String,
        /// The password.
        password: String,
    },
    /// A precomputed HA1 = H(username ":" realm ":" password), as SIP.js
    /// (`ha1`) and PJSIP (`PJSIP_CRED_DATA_DIGEST`) accept. Only usable for
    /// its realm and for challenges whose algorithm uses the same hash.
    Ha1 {
        /// The authentication username.
        username: String,
        /// The realm the HA1 was computed for.
        realm: String,
        /// The hash the HA1 was computed with (stored without `-sess`).
        algorithm: Algorithm,
        /// HA1 in lowercase hex.
        ha1: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .finish_non_exhaustive(),
            Credentials::Ha1 {
                username,
                realm,
                algorithm,
                ..
            } => f
                .debug_struct("Ha1")
                .field("username", username)
                .field("realm", realm)
                .field("algorithm", algorithm)
                .finish_non_exhaustive(),
        }
    }
}

/// Why credentials cannot answer a challenge.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// HA1 credentials for another realm.
    #[error("HA1 credentials are for realm {have:?}, not {want:?}")]
    RealmMismatch {
        /// The realm of the credentials.
        have: String,
        /// The realm asked for.
        want: String,
    },
    /// HA1 credentials computed with another hash.
    #[error("HA1 credentials use {have}, the challenge uses {want}")]
    AlgorithmMismatch {
        /// The credentials' algorithm.
        have: Algorithm,
        /// The challenge's algorithm.
        want: Algorithm,
    },
}

impl Credentials {
    /// Username and password.
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials::Password {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A precomputed HA1 for `realm`, computed with `algorithm`'s hash.
    /// The hex is stored in lower case.
    pub fn ha1(
        username: impl Into<String>,
        realm: impl Into<String>,
        algorithm: Algorithm,
        ha1: impl Into<String>,
    ) -> Self {
        Credentials::Ha1 {
            username: username.into(),
            realm: realm.into(),
            algorithm: algorithm.base(),
            ha1: ha1.into().to_ascii_lowercase(),
        }
    }

    /// Computes and stores the HA1 of a password for one realm and
    /// algorithm (what a registrar keeps instead of the password).
    pub fn ha1_from_password(
        username: &str,
        realm: &str,
        algorithm: Algorithm,
        password: &str,
    ) -> Self {
        let h = digest::ha1(algorithm, username, realm, password);
        Credentials::ha1(username, realm, algorithm, h)
    }

    /// The authentication username.
    pub fn username(&self) -> &str {
        match self {
            Credentials::Password { username, .. } | Credentials::Ha1 { username, .. } => username,
        }
    }

    /// True when these credentials can answer `algorithm` in `realm`.
    pub fn supports(&self, realm: &str, algorithm: Algorithm) -> bool {
        self.ha1_for(realm, algorithm).is_ok()
    }

    /// The (non-session) HA1 for `realm` and `algorithm`.
    pub fn ha1_for(&self, realm: &str, algorithm: Algorithm) -> Result<String, CredentialsError> {
        match self {
            Credentials::Password { username, password } => {
                Ok(digest::ha1(algorithm, username, realm, password))
            }
            Credentials::Ha1 {
                realm: have_realm,
                algorithm: have_alg,
                ha1,
                ..
            } => {
                if have_realm != realm {
                    Err(CredentialsError::RealmMismatch {
                        have: have_realm.clone(),
                        want: realm.to_owned(),
                    })
                } else if have_alg.base() != algorithm.base() {
                    Err(CredentialsError::AlgorithmMismatch {
                        have: *have_alg,
                        want: algorithm,
                    })
                } else {
                    Ok(ha1.clone())
                }
            }
        }
    }
}

/// Why an Authorization / Proxy-Authorization value did not parse.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The auth-param syntax is broken.
    #[error(transparent)]
    Parse(#[from] AuthParseError),
    /// The scheme is not `Digest`.
    #[error("authentication scheme {0:?} is not Digest")]
    NotDigest(String),
    /// A required parameter is missing: username, realm, nonce, uri and
    /// response always (RFC 3261 §25.1); cnonce and nc with a qop
    /// (RFC 7616 §3.4); cnonce with a `-sess` algorithm.
    #[error("digest credentials without {0}")]
    Missing(&'static str),
    /// An `algorithm` this implementation does not support.
    #[error(transparent)]
    UnsupportedAlgorithm(#[from] UnsupportedAlgorithm),
    /// A `qop` other than `auth` / `auth-int`.
    #[error("unsupported qop {0:?}")]
    BadQop(String),
    /// `nc` is not 8 hex digits.
    #[error("malformed nonce count {0:?}")]
    BadNonceCount(String),
}

/// A Digest Authorization / Proxy-Authorization value (RFC 3261 §22.4,
/// RFC 7616 §3.4). Built by [`super::DigestClient`], parsed by servers.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DigestAuthorization {
    /// `username`: the username, or its userhash when `userhash` is set.
    pub username: String,
    /// `realm`.
    pub realm: String,
    /// `nonce`, copied from the challenge.
    pub nonce: String,
    /// `uri`: the Request-URI (RFC 3261 §22.4).
    pub uri: String,
    /// `response`: the request digest in hex.
    pub response: String,
    /// `algorithm`; `None` when absent, which means MD5.
    pub algorithm: Option<Algorithm>,
    /// `cnonce`.
    pub cnonce: Option<String>,
    /// `opaque`, copied from the challenge.
    pub opaque: Option<String>,
    /// `qop`; `None` in RFC 2069 mode.
    pub qop: Option<Qop>,
    /// `nc`, the nonce count.
    pub nc: Option<u32>,
    /// `userhash=true`: `username` is H(username ":" realm).
    pub userhash: bool,
    /// Any other auth-param.
    pub extra: Vec<AuthParam>,
}

impl DigestAuthorization {
    /// The algorithm in effect (MD5 when absent).
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm.unwrap_or(Algorithm::Md5)
    }

    /// Parses an Authorization or Proxy-Authorization value.
    pub fn parse(value: &str) -> Result<Self, AuthorizationError> {
        Self::parse_with_limits(value, &AuthLimits::default())
    }

    /// Parses with explicit size limits.
    pub fn parse_with_limits(value: &str, limits: &AuthLimits) -> Result<Self, AuthorizationError> {
        let v = AuthValue::parse_with_limits(value, limits)?;
        if !v.is_scheme("Digest") {
            return Err(AuthorizationError::NotDigest(v.scheme));
        }
        let mut out = DigestAuthorization {
            username: String::new(),
            realm: String::new(),
            nonce: String::new(),
            uri: String::new(),
            response: String::new(),
            algorithm: None,
            cnonce: None,
            opaque: None,
            qop: None,
            nc: None,
            userhash: false,
            extra: Vec::new(),
        };
        let mut seen = [false; 5];
        for p in v.params {
            let name = p.name.to_ascii_lowercase();
            let slot = match name.as_str() {
                "username" => Some((0, &mut out.username)),
                "realm" => Some((1, &mut out.realm)),
                "nonce" => Some((2, &mut out.nonce)),
                "uri" => Some((3, &mut out.uri)),
                "response" => Some((4, &mut out.response)),
                _ => None,
            };
            if let Some((i, field)) = slot {
                *field = p.value;
                seen[i] = true;
                continue;
            }
            match name.as_str() {
                "algorithm" => out.algorithm = Some(Algorithm::parse(&p.value)?),
                "cnonce" => out.cnonce = Some(p.value),
                "opaque" => out.opaque = Some(p.value),
                "qop" => {
                    out.qop = Some(Qop::parse(&p.value).ok_or(AuthorizationError::BadQop(p.value))?)
                }
                "nc" => {
                    let ok = p.value.len() == 8 && p.value.bytes().all(|c| c.is_ascii_hexdigit());
                    let nc = u32::from_str_radix(&p.value, 16).ok().filter(|_| ok);
                    out.nc = Some(nc.ok_or(AuthorizationError::BadNonceCount(p.value))?);
                }
                "userhash" => out.userhash = p.value.eq_ignore_ascii_case("true"),
                _ => out.extra.push(p),
            }
        }
        const NAMES: [&str; 5] = ["username", "realm", "nonce", "uri", "response"];
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(AuthorizationError::Missing(NAMES[i]));
        }
        if out.qop.is_some() {
            if out.cnonce.is_none() {
                return Err(AuthorizationError::Missing("cnonce"));
            }
            if out.nc.is_none() {
                return Err(AuthorizationError::Missing("nc"));
            }
        }
        if out.algorithm().is_session() && out.cnonce.is_none() {
            return Err(AuthorizationError::Missing("cnonce"));
        }
        Ok(out)
    }

    /// The inputs of the digest computation these credentials claim.
    pub fn inputs<'a>(&'a self, method: &'a str, body: &'a [u8]) -> digest::DigestInputs<'a> {
        digest::DigestInputs {
            algorithm: self.algorithm(),
            nonce: &self.nonce,
            cnonce: self.cnonce.as_deref(),
            qop: self.qop.zip(self.nc),
            method,
            uri: &self.uri,
            body,
        }
    }
}

impl fmt::Display for DigestAuthorization {
    /// Writes `Digest username="..", realm="..", nonce="..", uri="..",
    /// response="..", algorithm=.., cnonce="..", opaque="..", qop=..,
    /// nc=.., userhash=true`: quoted where RFC 3261 §25.1 quotes, qop,
    /// nc and algorithm as tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, (name, value)) in [
            ("username", &self.username),
            ("realm", &self.realm),
            ("nonce", &self.nonce),
            ("uri", &self.uri),
            ("response", &self.response),
        ]
        .into_iter()
        .enumerate()
        {
            f.write_str(if n == 0 { "Digest " } else { ", " })?;
            f.write_str(name)?;
            f.write_str("=")?;
            write_quoted(f, value)?;
        }
        if let Some(a) = self.algorithm {
            write!(f, ", algorithm={a}")?;
        }
        if let Some(c) = &self.cnonce {
            f.write_str(", cnonce=")?;
            write_quoted(f, c)?;
        }
        if let Some(o) = &self.opaque {
            f.write_str(", opaque=")?;
            write_quoted(f, o)?;
        }
        if let Some(q) = self.qop {
            write!(f, ", qop={q}")?;
        }
        if let Some(nc) = self.nc {
            write!(f, ", nc={}", digest::format_nc(nc))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let p = format!("{:?}", Credentials::password("alice", "hunter2"));
        assert!(p.contains("alice") && !p.contains("hunter2"));
        let h = format!(
            "{:?}",
            Credentials::ha1("alice", "r", Algorithm::Md5, "abcdef0123")
        );
        assert!(h.contains("alice") && !h.contains("abcdef0123"));
    }

    #[test]
    fn ha1_credentials_check_realm_and_hash() {
        let c = Credentials::ha1("u", "r", Algorithm::Sha256Sess, "AB");
        assert_eq!(c.ha1_for("r", Algorithm::Sha256), Ok("ab".into()));
        assert_eq!(c.ha1_for("r", Algorithm::Sha256Sess), Ok("ab".into()));
        assert!(matches!(
            c.ha1_for("x", Algorithm::Sha256),
            Err(CredentialsError::RealmMismatch { .. })
        ));
        assert!(matches!(
            c.ha1_for("r", Algorithm::Md5),
            Err(CredentialsError::AlgorithmMismatch { .. })
        ));
        assert!(Credentials::password("u", "p").supports("any", Algorithm::Sha512_256Sess));
    }

    #[test]
    fn parses_rfc3261_example_credentials() {
        // RFC 3261 §22.4 / RFC 2617 §3.5 shaped value.
        let a = DigestAuthorization::parse(
            "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        )
        .unwrap();
        assert_eq!(a.username, "bob");
        assert_eq!(a.uri, "sip:bob@biloxi.com");
        assert_eq!(a.qop, Some(Qop::Auth));
        assert_eq!(a.nc, Some(1));
        assert_eq!(a.algorithm(), Algorithm::Md5);
        assert_eq!(DigestAuthorization::parse(&a.to_string()).unwrap(), a);
    }

    #[test]
    fn rejects_incomplete_credentials() {
        let base =
            "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"00\"";
        assert!(DigestAuthorization::parse(base).is_ok());
        assert_eq!(
            DigestAuthorization::parse(
                "Digest realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"00\""
            ),
            Err(AuthorizationError::Missing("username"))
        );
        assert_eq!(
            DigestAuthorization::parse(&format!("{base}, qop=auth, nc=00000001")),
            Err(AuthorizationError::Missing("cnonce"))
        );
        assert_eq!(
            DigestAuthorization::parse(&format!("{base}, qop=auth, cnonce=\"c\"")),
            Err(AuthorizationError::Missing("nc"))
        );
        assert_eq!(
            DigestAuthorization::parse(&format!("{base}, algorithm=MD5-sess")),
            Err(AuthorizationError::Missing("cnonce"))
        );
        assert_eq!(
            DigestAuthorization::parse(&format!("{base}, qop=auth-conf, nc=00000001, cnonce=c")),
            Err(AuthorizationError::BadQop("auth-conf".into()))
        );
        for nc in ["1", "0000000g", "+0000001", "000000001"] {
            assert_eq!(
                DigestAuthorization::parse(&format!("{base}, qop=auth, nc={nc}, cnonce=c")),
                Err(AuthorizationError::BadNonceCount(nc.into()))
            );
        }
        assert!(DigestAuthorization::parse("Basic dXNlcjpwYXNz==").is_err());
        assert_eq!(
            DigestAuthorization::parse("Basic a=b"),
            Err(AuthorizationError::NotDigest("Basic".into()))
        );
    }
}
