//! The server side: checking credentials (RFC 3261 §22.4, RFC 7616 §3.5).
//!
//! Build challenges with [`super::DigestChallenge::new`] and its `with_*`
//! methods. Nonce management stays with the caller: [`verify`] checks the
//! digest, the realm and the username; whether the nonce is one the server
//! issued, still fresh, and whether `nc` grew (RFC 7616 §3.5 replay
//! protection) is decided with the fields of the returned
//! [`DigestAuthorization`], as is whether its `uri` names the request
//! (RFC 7616 §3.4.6).

use super::algorithm::hex_eq;
use super::credentials::{AuthorizationError, Credentials, CredentialsError, DigestAuthorization};
use super::digest;
use super::params::AuthLimits;
use crate::method::Method;

/// Why credentials were refused.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The header value is not valid Digest credentials.
    #[error(transparent)]
    Malformed(#[from] AuthorizationError),
    /// The credentials are for another realm.
    #[error("credentials for realm {0:?}")]
    RealmMismatch(String),
    /// The username (or userhash) is not the expected user's.
    #[error("credentials for another user")]
    UsernameMismatch,
    /// The stored secret cannot check these credentials: an HA1 for
    /// another realm or computed with another hash.
    #[error("stored secret unusable: {0}")]
    UnusableSecret(#[from] CredentialsError),
    /// The response digest is wrong: bad password, or the request was
    /// altered.
    #[error("wrong digest response")]
    WrongResponse,
}

/// Checks a Digest Authorization / Proxy-Authorization value against the
/// user's `credentials` (password or HA1) for a request with `method` and
/// `body`, in `expected_realm`. Returns the parsed credentials for the
/// caller's nonce, nc and uri checks (see the module documentation).
pub fn verify(
    credentials_header_value: &str,
    method: &Method,
    credentials: &Credentials,
    expected_realm: &str,
    body: &[u8],
) -> Result<DigestAuthorization, VerifyError> {
    verify_with_limits(
        credentials_header_value,
        method,
        credentials,
        expected_realm,
        body,
        &AuthLimits::default(),
    )
}

/// [`verify`] with explicit size limits.
pub fn verify_with_limits(
    credentials_header_value: &str,
    method: &Method,
    credentials: &Credentials,
    expected_realm: &str,
    body: &[u8],
    limits: &AuthLimits,
) -> Result<DigestAuthorization, VerifyError> {
    let auth = DigestAuthorization::parse_with_limits(credentials_header_value, limits)?;
    verify_parsed(&auth, method, credentials, expected_realm, body)?;
    Ok(auth)
}

/// [`verify`] for credentials already parsed (e.g. after looking the user
/// up by [`DigestAuthorization::username`]).
pub fn verify_parsed(
    auth: &DigestAuthorization,
    method: &Method,
    credentials: &Credentials,
    expected_realm: &str,
    body: &[u8],
) -> Result<(), VerifyError> {
    if auth.realm != expected_realm {
        return Err(VerifyError::RealmMismatch(auth.realm.clone()));
    }
    let algorithm = auth.algorithm();
    let user_ok = if auth.userhash {
        hex_eq(
            &auth.username,
            &digest::userhash(algorithm, credentials.username(), expected_realm),
        )
    } else {
        auth.username == credentials.username()
    };
    if !user_ok {
        return Err(VerifyError::UsernameMismatch);
    }
    let ha1 = credentials.ha1_for(expected_realm, algorithm)?;
    let expected = auth.inputs(method.as_str(), body).response(&ha1);
    if hex_eq(&expected, &auth.response) {
        Ok(())
    } else {
        Err(VerifyError::WrongResponse)
    }
}
