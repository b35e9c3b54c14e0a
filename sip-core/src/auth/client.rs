//! The client side: answering challenges (RFC 3261 §22.2, §22.3;
//! RFC 7616 §3.4; RFC 8760 §2.4).

use super::algorithm::Algorithm;
use super::challenge::{challenges_with_limits, ChallengeKind, DigestChallenge};
use super::credentials::{Credentials, DigestAuthorization};
use super::digest::{self, DigestInputs};
use super::params::AuthLimits;
use crate::header::{HeaderName, Headers};
use crate::method::Method;
use crate::random::TokenSource;
use std::collections::VecDeque;

/// How to choose among several challenges for the same realm.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum ChallengeSelection {
    /// The strongest algorithm the credentials can answer:
    /// SHA-512-256 > SHA-256 > MD5 (RFC 8760 §2.4 lets local policy on
    /// algorithm strength override the server's order). Ties go to the
    /// topmost challenge.
    #[default]
    Strongest,
    /// The topmost challenge the credentials can answer: the server's
    /// order of preference (RFC 7616 §3.7, RFC 8760 §2.4).
    Topmost,
}

/// Settings of a [`DigestClient`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ClientConfig {
    /// Which challenge to answer when a realm offers several.
    pub selection: ChallengeSelection,
    /// Send H(username ":" realm) instead of the username when the server
    /// allows it with `userhash=true` (RFC 7616 §3.4.4).
    pub userhash: bool,
    /// How many (realm, nonce) nonce counts to remember; the oldest is
    /// forgotten first.
    pub max_tracked_nonces: usize,
    /// Size limits for parsing challenges.
    pub limits: AuthLimits,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            selection: ChallengeSelection::Strongest,
            userhash: false,
            max_tracked_nonces: 32,
            limits: AuthLimits::default(),
        }
    }
}

/// Why a challenge could not be answered.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No credentials can answer this realm and algorithm (HA1
    /// credentials are bound to one realm and one hash).
    #[error("no credentials for realm {realm:?} and algorithm {algorithm}")]
    NoCredentials {
        /// The challenge's realm.
        realm: String,
        /// The challenge's algorithm.
        algorithm: Algorithm,
    },
    /// The challenge offers only qop values other than auth / auth-int.
    #[error("realm {realm:?} offers no supported qop")]
    NoSupportedQop {
        /// The challenge's realm.
        realm: String,
    },
    /// The nonce count for this nonce reached 0xffffffff.
    #[error("nonce count exhausted for realm {realm:?}")]
    NonceCountExhausted {
        /// The challenge's realm.
        realm: String,
    },
    /// The response holds no Digest challenge these credentials can answer.
    #[error("no usable digest challenge")]
    NoUsableChallenge,
}

/// One header line to add to the retried request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuthorizationHeader {
    /// Authorization (for a WWW challenge) or Proxy-Authorization.
    pub kind: ChallengeKind,
    /// The credentials.
    pub value: DigestAuthorization,
}

impl AuthorizationHeader {
    /// The header name: Authorization or Proxy-Authorization.
    pub fn name(&self) -> HeaderName {
        self.kind.credentials_header()
    }

    /// Puts this value into `headers`, replacing earlier credentials of the
    /// same kind for the same realm and keeping those for other realms
    /// (RFC 3261 §22.3).
    pub fn apply(&self, headers: &mut Headers) {
        let name = self.name();
        let realm = &self.value.realm;
        let kept: Headers = headers
            .iter()
            .filter(|h| {
                h.name != name
                    || !DigestAuthorization::parse(h.value).is_ok_and(|old| &old.realm == realm)
            })
            .map(|h| h.to_owned())
            .collect();
        *headers = kept;
        headers.push(name, self.value.to_string());
    }
}

/// Applies every value of `auths` to `headers` (see
/// [`AuthorizationHeader::apply`]).
pub fn apply_all(headers: &mut Headers, auths: &[AuthorizationHeader]) {
    for a in auths {
        a.apply(headers);
    }
}

#[derive(Clone, Debug)]
struct NonceCount {
    realm: String,
    nonce: String,
    count: u32,
}

/// Answers Digest challenges for one user agent.
///
/// Holds the credentials, the nonce count of every (realm, nonce) pair in
/// use (RFC 7616 §3.4: `nc` counts the requests sent with one nonce,
/// starting at 1), and the last challenge of each realm for preemptive
/// authorization of later requests.
///
/// # Example
///
/// ```
/// use sip_core::auth::{verify, Algorithm, Credentials, DigestChallenge, DigestClient, Qop};
/// use sip_core::random::TokenSource;
/// use sip_core::Method;
///
/// // A registrar challenges (RFC 3261 §22.2) ...
/// let challenge = DigestChallenge::new("biloxi.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093")
///     .with_algorithm(Algorithm::Sha256)
///     .with_qop(&[Qop::Auth]);
/// let www_authenticate = challenge.to_string();
///
/// // ... the UA answers ...
/// let mut client = DigestClient::new(Credentials::password("bob", "zanzibar"));
/// let mut tokens = TokenSource::from_seed(1);
/// let parsed = DigestChallenge::parse(&www_authenticate).unwrap();
/// let auth = client
///     .respond(&parsed, &Method::Register, "sip:biloxi.com", b"", &mut tokens)
///     .unwrap();
/// let authorization = auth.to_string();
/// assert!(authorization.starts_with("Digest username=\"bob\", realm=\"biloxi.com\""));
/// assert!(authorization.contains("qop=auth, nc=00000001"));
///
/// // ... and the registrar checks the answer.
/// let creds = Credentials::password("bob", "zanzibar");
/// assert!(verify(&authorization, &Method::Register, &creds, "biloxi.com", b"").is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct DigestClient {
    credentials: Vec<Credentials>,
    config: ClientConfig,
    counts: VecDeque<NonceCount>,
    cached: Vec<(ChallengeKind, DigestChallenge)>,
}

impl DigestClient {
    /// A client with one set of credentials and the default configuration.
    pub fn new(credentials: Credentials) -> Self {
        Self::with_config(credentials, ClientConfig::default())
    }

    /// A client with one set of credentials.
    pub fn with_config(credentials: Credentials, config: ClientConfig) -> Self {
        DigestClient {
            credentials: vec![credentials],
            config,
            counts: VecDeque::new(),
            cached: Vec::new(),
        }
    }

    /// Adds credentials, e.g. HA1 credentials for a second realm. Earlier
    /// credentials are tried first.
    pub fn add_credentials(&mut self, credentials: Credentials) {
        self.credentials.push(credentials);
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn credentials_for(&self, realm: &str, algorithm: Algorithm) -> Option<&Credentials> {
        // Credentials bound to the realm win over a password for any realm.
        self.credentials
            .iter()
            .find(|c| matches!(c, Credentials::Ha1 { .. }) && c.supports(realm, algorithm))
            .or_else(|| {
                self.credentials
                    .iter()
                    .find(|c| c.supports(realm, algorithm))
            })
    }

    /// True when [`DigestClient::respond`] can answer `challenge`: some
    /// credentials fit its realm and algorithm and its qop options include
    /// one this implementation supports.
    pub fn can_answer(&self, challenge: &DigestChallenge) -> bool {
        challenge.chosen_qop().is_ok()
            && self
                .credentials_for(&challenge.realm, challenge.algorithm)
                .is_some()
    }

    /// Picks the challenges to answer: at most one per realm, in order of
    /// each realm's first appearance, chosen by
    /// [`ClientConfig::selection`] among those [`DigestClient::can_answer`]
    /// accepts.
    pub fn select<'c, I>(&self, challenges: I) -> Vec<&'c DigestChallenge>
    where
        I: IntoIterator<Item = &'c DigestChallenge>,
    {
        let mut out: Vec<&'c DigestChallenge> = Vec::new();
        for c in challenges.into_iter().filter(|c| self.can_answer(c)) {
            match out.iter_mut().find(|o| o.realm == c.realm) {
                None => out.push(c),
                Some(best) => {
                    if self.config.selection == ChallengeSelection::Strongest
                        && c.algorithm.strength() > best.algorithm.strength()
                    {
                        *best = c;
                    }
                }
            }
        }
        out
    }

    /// Answers `challenge` for a request with `method`, Request-URI `uri`
    /// (as sent, RFC 3261 §22.4) and `body` (used by `auth-int`), drawing
    /// the cnonce from `tokens`.
    pub fn respond(
        &mut self,
        challenge: &DigestChallenge,
        method: &Method,
        uri: &str,
        body: &[u8],
        tokens: &mut TokenSource,
    ) -> Result<DigestAuthorization, ClientError> {
        let cnonce = tokens.cnonce();
        self.respond_with_cnonce(challenge, method, uri, body, &cnonce)
    }

    /// [`DigestClient::respond`] with a given cnonce (for reproducible
    /// tests and known-answer vectors).
    pub fn respond_with_cnonce(
        &mut self,
        challenge: &DigestChallenge,
        method: &Method,
        uri: &str,
        body: &[u8],
        cnonce: &str,
    ) -> Result<DigestAuthorization, ClientError> {
        let realm = &challenge.realm;
        let algorithm = challenge.algorithm;
        let qop = challenge
            .chosen_qop()
            .map_err(|()| ClientError::NoSupportedQop {
                realm: realm.clone(),
            })?;
        let creds =
            self.credentials_for(realm, algorithm)
                .ok_or_else(|| ClientError::NoCredentials {
                    realm: realm.clone(),
                    algorithm,
                })?;
        let ha1 = creds
            .ha1_for(realm, algorithm)
            .map_err(|_| ClientError::NoCredentials {
                realm: realm.clone(),
                algorithm,
            })?;
        let userhash = self.config.userhash && challenge.userhash;
        let username = if userhash {
            digest::userhash(algorithm, creds.username(), realm)
        } else {
            creds.username().to_owned()
        };
        // RFC 2617 §3.2.2: cnonce goes with a qop; the -sess HA1 needs it
        // even without one.
        let cnonce = (qop.is_some() || algorithm.is_session()).then_some(cnonce);
        let nc = match qop {
            Some(_) => Some(self.next_nonce_count(realm, &challenge.nonce)?),
            None => None,
        };
        let inputs = DigestInputs {
            algorithm,
            nonce: &challenge.nonce,
            cnonce,
            qop: qop.zip(nc),
            method: method.as_str(),
            uri,
            body,
        };
        let response = inputs.response(&ha1);
        Ok(DigestAuthorization {
            username,
            realm: realm.clone(),
            nonce: challenge.nonce.clone(),
            uri: uri.to_owned(),
            response,
            algorithm: Some(algorithm),
            cnonce: cnonce.map(str::to_owned),
            opaque: challenge.opaque.clone(),
            qop,
            nc,
            userhash,
            extra: Vec::new(),
        })
    }

    /// The last nonce count sent with `nonce` in `realm` (0 if none).
    pub fn nonce_count(&self, realm: &str, nonce: &str) -> u32 {
        self.counts
            .iter()
            .find(|n| n.realm == realm && n.nonce == nonce)
            .map_or(0, |n| n.count)
    }

    fn next_nonce_count(&mut self, realm: &str, nonce: &str) -> Result<u32, ClientError> {
        if let Some(n) = self
            .counts
            .iter_mut()
            .find(|n| n.realm == realm && n.nonce == nonce)
        {
            n.count = n
                .count
                .checked_add(1)
                .ok_or_else(|| ClientError::NonceCountExhausted {
                    realm: realm.to_owned(),
                })?;
            return Ok(n.count);
        }
        if self.config.max_tracked_nonces == 0 {
            return Ok(1);
        }
        while self.counts.len() >= self.config.max_tracked_nonces {
            self.counts.pop_front();
        }
        self.counts.push_back(NonceCount {
            realm: realm.to_owned(),
            nonce: nonce.to_owned(),
            count: 1,
        });
        Ok(1)
    }

    /// Answers the challenges of a 401 / 407 (both header kinds are read,
    /// RFC 3261 §22.3): one [`AuthorizationHeader`] per (kind, realm),
    /// chosen by [`DigestClient::select`]. Answered challenges are
    /// remembered for [`DigestClient::authorize_preemptively`].
    pub fn authorize(
        &mut self,
        response_headers: &Headers,
        method: &Method,
        uri: &str,
        body: &[u8],
        tokens: &mut TokenSource,
    ) -> Result<Vec<AuthorizationHeader>, ClientError> {
        let chosen = self.select_from_headers(response_headers);
        if chosen.is_empty() {
            return Err(ClientError::NoUsableChallenge);
        }
        self.answer(&chosen, method, uri, body, tokens)
    }

    /// The challenges [`DigestClient::authorize`] would answer.
    pub fn select_from_headers(
        &self,
        response_headers: &Headers,
    ) -> Vec<(ChallengeKind, DigestChallenge)> {
        let parsed = challenges_with_limits(response_headers, &self.config.limits);
        let mut chosen = Vec::new();
        for kind in [ChallengeKind::Www, ChallengeKind::Proxy] {
            let of_kind = parsed
                .iter()
                .filter(|(k, _)| *k == kind)
                .filter_map(|(_, c)| c.as_ref().ok());
            chosen.extend(self.select(of_kind).into_iter().map(|c| (kind, c.clone())));
        }
        chosen
    }

    pub(crate) fn answer(
        &mut self,
        chosen: &[(ChallengeKind, DigestChallenge)],
        method: &Method,
        uri: &str,
        body: &[u8],
        tokens: &mut TokenSource,
    ) -> Result<Vec<AuthorizationHeader>, ClientError> {
        let mut out = Vec::with_capacity(chosen.len());
        for (kind, c) in chosen {
            let value = self.respond(c, method, uri, body, tokens)?;
            out.push(AuthorizationHeader { kind: *kind, value });
        }
        for (kind, c) in chosen {
            self.cached
                .retain(|(k, old)| !(k == kind && old.realm == c.realm));
            self.cached.push((*kind, c.clone()));
        }
        Ok(out)
    }

    /// Credentials for a new request using the challenges answered last,
    /// with incremented nonce counts (RFC 7616 §3.4: a client may reuse a
    /// nonce until the server reports it stale). Empty when nothing was
    /// answered yet. Challenges without qop are skipped: RFC 2069 responses
    /// cannot be replayed safely.
    pub fn authorize_preemptively(
        &mut self,
        method: &Method,
        uri: &str,
        body: &[u8],
        tokens: &mut TokenSource,
    ) -> Result<Vec<AuthorizationHeader>, ClientError> {
        let cached: Vec<_> = self
            .cached
            .iter()
            .filter(|(_, c)| c.qop.as_ref().is_some_and(|q| !q.is_empty()))
            .cloned()
            .collect();
        self.answer(&cached, method, uri, body, tokens)
    }

    /// Forgets the remembered challenges and nonce counts (e.g. after the
    /// credentials changed).
    pub fn reset(&mut self) {
        self.counts.clear();
        self.cached.clear();
    }
}
