//! Digest algorithms (RFC 7616 §3.2, §6.1; RFC 8760 §2.2) and
//! quality-of-protection values (RFC 7616 §3.3).

use core::fmt;
use md5::Md5;
use sha2::{Digest, Sha256, Sha512_256};

/// A digest algorithm of the IANA "HTTP Digest Hash Algorithms" registry
/// that SIP uses (RFC 8760 §2.2).
///
/// The `-sess` variants compute HA1 once per nonce/cnonce pair
/// (RFC 7616 §3.4.2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Algorithm {
    /// `MD5` (RFC 2617; the default when `algorithm` is absent, RFC 3261 §22.4).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256` (RFC 7616, RFC 8760).
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256`: SHA-512/256 of FIPS 180-4 (RFC 7616, RFC 8760).
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
}

/// An `algorithm` value this implementation does not know.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("unsupported digest algorithm {0:?}")]
pub struct UnsupportedAlgorithm(pub String);

impl Algorithm {
    /// Every supported algorithm, weakest first.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::Md5,
        Algorithm::Md5Sess,
        Algorithm::Sha256,
        Algorithm::Sha256Sess,
        Algorithm::Sha512_256,
        Algorithm::Sha512_256Sess,
    ];

    /// Parses an `algorithm` token, case-insensitively.
    pub fn parse(s: &str) -> Result<Algorithm, UnsupportedAlgorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnsupportedAlgorithm(s.to_owned()))
    }

    /// The token as registered (`MD5`, `SHA-256-sess`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
        }
    }

    /// True for the `-sess` variants (RFC 7616 §3.4.2).
    pub fn is_session(self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512_256Sess
        )
    }

    /// The algorithm without `-sess`: the one HA1 = H(user:realm:password)
    /// is computed with. Precomputed HA1 values are interchangeable between
    /// an algorithm and its `-sess` variant.
    pub fn base(self) -> Algorithm {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => Algorithm::Md5,
            Algorithm::Sha256 | Algorithm::Sha256Sess => Algorithm::Sha256,
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => Algorithm::Sha512_256,
        }
    }

    /// Preference rank of the hash function, higher is stronger:
    /// SHA-512-256 > SHA-256 > MD5 (RFC 8760 §2.4, RFC 7616 §3.7). An
    /// algorithm and its `-sess` variant rank the same.
    pub fn strength(self) -> u8 {
        match self.base() {
            Algorithm::Sha512_256 => 3,
            Algorithm::Sha256 => 2,
            _ => 1,
        }
    }

    /// Length of a hex digest of this algorithm (32 for MD5, 64 otherwise).
    pub fn hex_len(self) -> usize {
        match self.base() {
            Algorithm::Md5 => 32,
            _ => 64,
        }
    }

    /// H(data) of RFC 7616 §3.4.1 as lowercase hex, where `data` is the
    /// concatenation of `parts`.
    pub fn hash_hex(self, parts: &[&[u8]]) -> String {
        match self.base() {
            Algorithm::Md5 => hex_digest::<Md5>(parts),
            Algorithm::Sha256 => hex_digest::<Sha256>(parts),
            _ => hex_digest::<Sha512_256>(parts),
        }
    }

    /// KD(secret, data) = H(secret ":" data) (RFC 7616 §3.4.1), with
    /// `data` given as `:`-separated fields.
    pub(crate) fn kd_hex(self, fields: &[&str]) -> String {
        let mut parts: Vec<&[u8]> = Vec::with_capacity(fields.len() * 2);
        for (n, f) in fields.iter().enumerate() {
            if n > 0 {
                parts.push(b":");
            }
            parts.push(f.as_bytes());
        }
        self.hash_hex(&parts)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Algorithm {
    type Err = UnsupportedAlgorithm;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::parse(s)
    }
}

fn hex_digest<D: Digest>(parts: &[&[u8]]) -> String {
    let mut d = D::new();
    for p in parts {
        d.update(p);
    }
    to_hex(&d.finalize())
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
    s
}

/// A quality-of-protection value (RFC 7616 §3.3, RFC 3261 §25.1 `qop-value`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Qop {
    /// `auth`: authentication of method and URI.
    Auth,
    /// `auth-int`: also the message body (RFC 7616 §3.4.3).
    AuthInt,
}

impl Qop {
    /// Parses a qop token, case-insensitively; `None` for unknown values,
    /// which RFC 7616 §3.3 says to ignore.
    pub fn parse(s: &str) -> Option<Qop> {
        if s.eq_ignore_ascii_case("auth") {
            Some(Qop::Auth)
        } else if s.eq_ignore_ascii_case("auth-int") {
            Some(Qop::AuthInt)
        } else {
            None
        }
    }

    /// The qop a client answers with (RFC 7616 §3.4): `auth` when offered,
    /// else `auth-int` when offered.
    pub fn choose(offered: &[Qop]) -> Option<Qop> {
        if offered.contains(&Qop::Auth) {
            Some(Qop::Auth)
        } else if offered.contains(&Qop::AuthInt) {
            Some(Qop::AuthInt)
        } else {
            None
        }
    }

    /// The token.
    pub fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }
}

impl fmt::Display for Qop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares two hex digests in time independent of where they differ,
/// ignoring ASCII case (RFC 7616 §5.8: the response is LHEX, but some
/// peers send upper case).
pub(crate) fn hex_eq(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.bytes().zip(b.bytes()) {
        diff |= x.to_ascii_lowercase() ^ y.to_ascii_lowercase();
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_token_case_insensitively() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::parse(a.as_str()), Ok(a));
            assert_eq!(Algorithm::parse(&a.as_str().to_ascii_lowercase()), Ok(a));
        }
        assert_eq!(
            Algorithm::parse("SHA-512"),
            Err(UnsupportedAlgorithm("SHA-512".into()))
        );
        assert!(Algorithm::parse("AKAv1-MD5").is_err());
    }

    #[test]
    fn base_and_session() {
        assert_eq!(Algorithm::Sha256Sess.base(), Algorithm::Sha256);
        assert!(Algorithm::Md5Sess.is_session());
        assert!(!Algorithm::Sha512_256.is_session());
        assert!(Algorithm::Sha512_256.strength() > Algorithm::Sha256.strength());
        assert!(Algorithm::Sha256Sess.strength() > Algorithm::Md5.strength());
    }

    // Known answers for the hash primitives: FIPS 180-4 / RFC 1321 "abc".
    #[test]
    fn hash_primitives_known_answers() {
        assert_eq!(
            Algorithm::Md5.hash_hex(&[b"abc"]),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            Algorithm::Sha256.hash_hex(&[b"a", b"bc"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Algorithm::Sha512_256Sess.hash_hex(&[b"abc"]),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
        );
        for a in Algorithm::ALL {
            assert_eq!(a.hash_hex(&[b""]).len(), a.hex_len());
        }
    }

    #[test]
    fn qop_tokens() {
        assert_eq!(Qop::parse("AUTH"), Some(Qop::Auth));
        assert_eq!(Qop::parse("auth-int"), Some(Qop::AuthInt));
        assert_eq!(Qop::parse("auth-conf"), None);
        assert_eq!(Qop::AuthInt.to_string(), "auth-int");
    }

    #[test]
    fn hex_eq_ignores_case_only() {
        assert!(hex_eq("abcd", "ABCD"));
        assert!(!hex_eq("abcd", "abce"));
        assert!(!hex_eq("abc", "abcd"));
    }
}
