//! The digest computation itself (RFC 7616 §3.4.1–§3.4.3, RFC 2617 §3.2.2,
//! RFC 3261 §22.4).
//!
//! ```text
//! HA1      = H(username ":" realm ":" password)
//! HA1-sess = H(HA1 ":" nonce ":" cnonce)                      (-sess algorithms)
//! HA2      = H(method ":" uri)                                (qop=auth or none)
//! HA2      = H(method ":" uri ":" H(body))                    (qop=auth-int)
//! response = KD(HA1, nonce ":" nc ":" cnonce ":" qop ":" HA2) (with qop)
//! response = KD(HA1, nonce ":" HA2)                           (RFC 2069, no qop)
//! ```

use super::algorithm::{Algorithm, Qop};

/// HA1 = H(username ":" realm ":" password) with the hash of `algorithm`
/// (its `-sess` suffix is ignored; see [`session_ha1`]).
///
/// This is the value PJSIP and SIP.js accept as a stored "HA1" secret.
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &str) -> String {
    algorithm.kd_hex(&[username, realm, password])
}

/// The HA1 that enters the response: `ha1` itself, or for a `-sess`
/// algorithm H(HA1 ":" nonce ":" cnonce) (RFC 7616 §3.4.2).
pub fn session_ha1(algorithm: Algorithm, ha1: &str, nonce: &str, cnonce: &str) -> String {
    if algorithm.is_session() {
        algorithm.kd_hex(&[ha1, nonce, cnonce])
    } else {
        ha1.to_owned()
    }
}

/// HA2 (RFC 7616 §3.4.3): H(method ":" uri), or with `auth-int`
/// H(method ":" uri ":" H(body)).
pub fn ha2(algorithm: Algorithm, qop: Option<Qop>, method: &str, uri: &str, body: &[u8]) -> String {
    match qop {
        Some(Qop::AuthInt) => {
            let body_hash = algorithm.hash_hex(&[body]);
            algorithm.kd_hex(&[method, uri, &body_hash])
        }
        _ => algorithm.kd_hex(&[method, uri]),
    }
}

/// Everything a digest response depends on besides the secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigestInputs<'a> {
    /// The algorithm in use.
    pub algorithm: Algorithm,
    /// The server nonce.
    pub nonce: &'a str,
    /// The client nonce. Needed with a qop and with `-sess` algorithms.
    pub cnonce: Option<&'a str>,
    /// qop, nc (and the same cnonce), when the challenge offered a qop.
    pub qop: Option<(Qop, u32)>,
    /// The request method.
    pub method: &'a str,
    /// The `uri` directive: the Request-URI as sent (RFC 3261 §22.4).
    pub uri: &'a str,
    /// The message body, used by `auth-int`.
    pub body: &'a [u8],
}

impl DigestInputs<'_> {
    /// The `response` value for the (non-session) HA1 `ha1`.
    pub fn response(&self, ha1: &str) -> String {
        let alg = self.algorithm;
        let cnonce = self.cnonce.unwrap_or("");
        let ha1 = session_ha1(alg, ha1, self.nonce, cnonce);
        let ha2 = ha2(
            alg,
            self.qop.map(|(q, _)| q),
            self.method,
            self.uri,
            self.body,
        );
        match self.qop {
            Some((qop, nc)) => {
                let nc = format_nc(nc);
                alg.kd_hex(&[&ha1, self.nonce, &nc, cnonce, qop.as_str(), &ha2])
            }
            None => alg.kd_hex(&[&ha1, self.nonce, &ha2]),
        }
    }
}

/// `nc` as 8 lowercase hex digits (RFC 7616 §3.4, RFC 3261 §25.1 `nc-value`).
pub fn format_nc(nc: u32) -> String {
    format!("{nc:08x}")
}

/// H(username ":" realm), the `userhash` form of the username
/// (RFC 7616 §3.4.4).
pub fn userhash(algorithm: Algorithm, username: &str, realm: &str) -> String {
    algorithm.kd_hex(&[username, realm])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ha1_ignores_sess_suffix() {
        assert_eq!(
            ha1(Algorithm::Md5Sess, "u", "r", "p"),
            ha1(Algorithm::Md5, "u", "r", "p")
        );
        assert_eq!(
            ha1(Algorithm::Md5, "u", "r", "p"),
            Algorithm::Md5.hash_hex(&[b"u:r:p"])
        );
    }

    #[test]
    fn session_ha1_only_for_sess() {
        let h = ha1(Algorithm::Sha256, "u", "r", "p");
        assert_eq!(session_ha1(Algorithm::Sha256, &h, "n", "c"), h);
        let s = session_ha1(Algorithm::Sha256Sess, &h, "n", "c");
        assert_eq!(
            s,
            Algorithm::Sha256.hash_hex(&[format!("{h}:n:c").as_bytes()])
        );
    }

    #[test]
    fn auth_int_hashes_the_body() {
        let plain = ha2(Algorithm::Md5, Some(Qop::Auth), "INVITE", "sip:a", b"x");
        assert_eq!(plain, ha2(Algorithm::Md5, None, "INVITE", "sip:a", b"y"));
        let int = ha2(Algorithm::Md5, Some(Qop::AuthInt), "INVITE", "sip:a", b"x");
        let body = Algorithm::Md5.hash_hex(&[b"x"]);
        assert_eq!(
            int,
            Algorithm::Md5.hash_hex(&[format!("INVITE:sip:a:{body}").as_bytes()])
        );
        assert_ne!(
            int,
            ha2(Algorithm::Md5, Some(Qop::AuthInt), "INVITE", "sip:a", b"y")
        );
    }

    #[test]
    fn nc_is_eight_hex_digits() {
        assert_eq!(format_nc(1), "00000001");
        assert_eq!(format_nc(0xab), "000000ab");
        assert_eq!(format_nc(u32::MAX), "ffffffff");
    }
}
