//! Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760).
//!
//! SIP reuses HTTP Digest (RFC 3261 §22.4) with the algorithms RFC 8760
//! adds: MD5, SHA-256 and SHA-512-256, each with a `-sess` variant.
//!
//! | piece | what |
//! |---|---|
//! | [`DigestChallenge`] | WWW-Authenticate / Proxy-Authenticate values: parsing, and the server's challenge builder |
//! | [`Credentials`] | the user's secret: a password or a precomputed HA1 |
//! | [`DigestClient`] | answers challenges: algorithm choice, qop choice, nonce counts |
//! | [`DigestAuthorization`] | Authorization / Proxy-Authorization values, built and parsed |
//! | [`AuthSession`], [`should_retry`] | the per-request retry guard against 401 loops |
//! | [`verify`] | the server's check of an Authorization value |
//! | [`digest`] | the HA1 / HA2 / response formulas |
//! | [`AuthValue`] | the generic `scheme auth-param, ...` syntax |
//!
//! Nothing here reads a clock or an RNG: cnonces come from the caller's
//! [`TokenSource`](crate::random::TokenSource), and the server's nonces
//! are made by the caller.
//!
//! See [`DigestClient`] for a challenge → response → verify example.
//!
//! Not implemented: `username*` / `charset` (RFC 7616 §3.4.4 for non-ASCII
//! usernames), the `Authentication-Info` header (RFC 7616 §3.5), AKA
//! (RFC 3310) and Basic (forbidden by RFC 3261 §22.1).

mod algorithm;
mod challenge;
mod client;
mod credentials;
pub mod digest;
mod params;
mod server;
mod session;

#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;

pub use algorithm::{Algorithm, Qop, UnsupportedAlgorithm};
pub use challenge::{
    challenges, challenges_with_limits, ChallengeError, ChallengeKind, DigestChallenge,
};
pub use client::{
    apply_all, AuthorizationHeader, ChallengeSelection, ClientConfig, ClientError, DigestClient,
};
pub use credentials::{AuthorizationError, Credentials, CredentialsError, DigestAuthorization};
pub use params::{AuthLimits, AuthParam, AuthParseError, AuthValue};
pub use server::{verify, verify_parsed, verify_with_limits, VerifyError};
pub use session::{should_retry, AuthError, AuthSession, AuthSessionConfig, GiveUpReason};
