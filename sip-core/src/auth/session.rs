//! The retry guard for one request: when to resend with credentials after
//! a 401 / 407 and when to give up, so a server that keeps rejecting the
//! credentials cannot make the client loop.
//!
//! RFC 3261 §22.2 and §22.3 say a UAC *may* retry with credentials, and
//! that a UAC which receives a challenge for a realm it already answered
//! with the same nonce should consider its credentials rejected. RFC 7616
//! §3.3 adds `stale=true`: "the previous request was good, only the nonce
//! expired", so one more retry is safe. The rules, per request:
//!
//! 1. The first challenge of each realm is answered.
//! 2. A challenge repeating a (realm, nonce) pair already answered in this
//!    session means the credentials were refused: give up
//!    ([`GiveUpReason::CredentialsRejected`]), whatever its `stale` says.
//! 3. A challenge with a new nonce and `stale=true` for a realm already
//!    answered is answered again, unless the previous answer for that
//!    realm was itself a reaction to `stale=true` (two stale challenges in
//!    a row: [`GiveUpReason::StaleLoop`]).
//! 4. A challenge with a new nonce and no `stale` for a realm already
//!    answered is answered at most
//!    [`AuthSessionConfig::max_rechallenges_per_realm`] times (default 1:
//!    some servers issue a fresh nonce without `stale`); after that the
//!    credentials are taken as rejected.
//! 5. If any selected challenge is refused by rules 2–4, the whole
//!    response is given up on: retrying cannot satisfy that realm.
//! 6. At most [`AuthSessionConfig::max_retries`] retries in total
//!    ([`GiveUpReason::TooManyRetries`]).
//!
//! This is stricter than "retry while something changed" and looser than
//! SIP.js's "retry once, and once more only for stale", which fails
//! against servers that move to a new nonce without `stale`.

use super::challenge::{ChallengeKind, DigestChallenge};
use super::client::{AuthorizationHeader, ClientError, DigestClient};
use crate::header::Headers;
use crate::method::Method;
use crate::random::TokenSource;

/// Limits of an [`AuthSession`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AuthSessionConfig {
    /// Most retries with credentials for one request.
    pub max_retries: u32,
    /// How often a realm already answered may re-challenge with a new nonce
    /// and no `stale=true` before its credentials count as rejected.
    pub max_rechallenges_per_realm: u32,
}

impl Default for AuthSessionConfig {
    fn default() -> Self {
        AuthSessionConfig {
            max_retries: 4,
            max_rechallenges_per_realm: 1,
        }
    }
}

/// Why the client stops retrying.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The response has no challenge these credentials can answer.
    #[error("no usable challenge")]
    NoUsableChallenge,
    /// The realm challenged again in a way that means the credentials
    /// were refused.
    #[error("credentials for realm {realm:?} were rejected")]
    CredentialsRejected {
        /// The realm concerned.
        realm: String,
    },
    /// Two `stale=true` challenges in a row for one realm.
    #[error("realm {realm:?} keeps reporting a stale nonce")]
    StaleLoop {
        /// The realm concerned.
        realm: String,
    },
    /// [`AuthSessionConfig::max_retries`] reached.
    #[error("gave up after {retries} authentication retries")]
    TooManyRetries {
        /// Retries made.
        retries: u32,
    },
}

/// What [`AuthSession::handle_challenge`] tells the caller.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Do not retry; report the 401 / 407 to the application.
    #[error("not retrying: {0}")]
    GiveUp(#[from] GiveUpReason),
    /// A challenge was selected but could not be answered.
    #[error(transparent)]
    Client(#[from] ClientError),
}

#[derive(Clone, Debug)]
struct RealmRecord {
    kind: ChallengeKind,
    realm: String,
    nonces: Vec<String>,
    rechallenges: u32,
    last_was_stale: bool,
}

/// The retry guard of one request (see the module documentation for the
/// rules). Create one per request the application sends; feed it every
/// 401 / 407 the request (and its retries) receive.
#[derive(Clone, Debug, Default)]
pub struct AuthSession {
    config: AuthSessionConfig,
    retries: u32,
    realms: Vec<RealmRecord>,
}

/// Stateless form of the guard for one previous and one new challenge of
/// the same request: retry when nothing was answered yet, when the realm
/// differs, or when the nonce changed — unless both are `stale=true`. A
/// challenge repeating the nonce already answered is never retried.
pub fn should_retry(previous: Option<&DigestChallenge>, new: &DigestChallenge) -> bool {
    match previous {
        None => true,
        Some(p) if p.realm != new.realm => true,
        Some(p) if p.nonce == new.nonce => false,
        Some(p) => !(p.stale && new.stale),
    }
}

impl AuthSession {
    /// A guard with the default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// A guard with explicit limits.
    pub fn with_config(config: AuthSessionConfig) -> Self {
        AuthSession {
            config,
            ..Self::default()
        }
    }

    /// Retries granted so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Decides whether to answer `selected` — the challenges the client
    /// picked from one 401 / 407 (see [`DigestClient::select_from_headers`])
    /// — and, if so, records them as answered.
    pub fn on_challenges(
        &mut self,
        selected: &[(ChallengeKind, DigestChallenge)],
    ) -> Result<(), GiveUpReason> {
        if selected.is_empty() {
            return Err(GiveUpReason::NoUsableChallenge);
        }
        if self.retries >= self.config.max_retries {
            return Err(GiveUpReason::TooManyRetries {
                retries: self.retries,
            });
        }
        for (kind, c) in selected {
            let Some(rec) = self.record(*kind, &c.realm) else {
                continue; // rule 1
            };
            if rec.nonces.contains(&c.nonce) {
                return Err(GiveUpReason::CredentialsRejected {
                    realm: c.realm.clone(),
                });
            }
            if c.stale {
                if rec.last_was_stale {
                    return Err(GiveUpReason::StaleLoop {
                        realm: c.realm.clone(),
                    });
                }
            } else if rec.rechallenges >= self.config.max_rechallenges_per_realm {
                return Err(GiveUpReason::CredentialsRejected {
                    realm: c.realm.clone(),
                });
            }
        }
        for (kind, c) in selected {
            let idx = match self
                .realms
                .iter()
                .position(|r| r.kind == *kind && r.realm == c.realm)
            {
                Some(i) => {
                    if !c.stale {
                        self.realms[i].rechallenges += 1;
                    }
                    i
                }
                None => {
                    self.realms.push(RealmRecord {
                        kind: *kind,
                        realm: c.realm.clone(),
                        nonces: Vec::new(),
                        rechallenges: 0,
                        last_was_stale: false,
                    });
                    self.realms.len() - 1
                }
            };
            let rec = &mut self.realms[idx];
            rec.nonces.push(c.nonce.clone());
            rec.last_was_stale = c.stale;
        }
        self.retries += 1;
        Ok(())
    }

    fn record(&self, kind: ChallengeKind, realm: &str) -> Option<&RealmRecord> {
        self.realms
            .iter()
            .find(|r| r.kind == kind && r.realm == realm)
    }

    /// The whole client step for a 401 / 407 to this session's request:
    /// select the challenges, apply the guard, and produce the
    /// Authorization / Proxy-Authorization values for the retry (apply
    /// them with [`super::apply_all`]; RFC 3261 §22.1 also asks for a new
    /// CSeq and branch).
    pub fn handle_challenge(
        &mut self,
        client: &mut DigestClient,
        response_headers: &Headers,
        method: &Method,
        uri: &str,
        body: &[u8],
        tokens: &mut TokenSource,
    ) -> Result<Vec<AuthorizationHeader>, AuthError> {
        let selected = client.select_from_headers(response_headers);
        self.on_challenges(&selected)?;
        Ok(client.answer(&selected, method, uri, body, tokens)?)
    }
}
