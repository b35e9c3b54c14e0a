//! Tests of the retry guard ([`AuthSession`], [`should_retry`]) and a
//! client ↔ registrar exchange driven through it.

use super::*;
use crate::header::{HeaderName, Headers};
use crate::method::Method;
use crate::random::TokenSource;

fn www(c: DigestChallenge) -> Vec<(ChallengeKind, DigestChallenge)> {
    vec![(ChallengeKind::Www, c)]
}

#[test]
fn guard_retries_once_per_challenge() {
    let mut s = AuthSession::new();
    let c = DigestChallenge::new("r", "n1");
    assert_eq!(s.on_challenges(&www(c.clone())), Ok(()));
    assert_eq!(
        s.on_challenges(&www(c.clone())),
        Err(GiveUpReason::CredentialsRejected { realm: "r".into() })
    );
    // Same nonce with stale=true is contradictory and refused too.
    assert_eq!(
        s.on_challenges(&www(c.with_stale(true))),
        Err(GiveUpReason::CredentialsRejected { realm: "r".into() })
    );
    assert_eq!(s.retries(), 1);
    assert_eq!(s.on_challenges(&[]), Err(GiveUpReason::NoUsableChallenge));
}

#[test]
fn guard_follows_stale_but_not_twice_in_a_row() {
    let mut s = AuthSession::new();
    assert!(s
        .on_challenges(&www(DigestChallenge::new("r", "n1")))
        .is_ok());
    assert!(s
        .on_challenges(&www(DigestChallenge::new("r", "n2").with_stale(true)))
        .is_ok());
    assert_eq!(
        s.on_challenges(&www(DigestChallenge::new("r", "n3").with_stale(true))),
        Err(GiveUpReason::StaleLoop { realm: "r".into() })
    );
}

#[test]
fn guard_allows_one_new_nonce_without_stale() {
    let mut s = AuthSession::new();
    assert!(s
        .on_challenges(&www(DigestChallenge::new("r", "n1")))
        .is_ok());
    assert!(s
        .on_challenges(&www(DigestChallenge::new("r", "n2")))
        .is_ok());
    assert_eq!(
        s.on_challenges(&www(DigestChallenge::new("r", "n3"))),
        Err(GiveUpReason::CredentialsRejected { realm: "r".into() })
    );
    // Stale is still honoured after a re-challenge.
    let mut s = AuthSession::new();
    assert!(s
        .on_challenges(&www(DigestChallenge::new("r", "n1")))
        .is_ok());
    assert!(s
        .on_challenges(&www(DigestChallenge::new("r", "n2")))
        .is_ok());
    assert!(s
        .on_challenges(&www(DigestChallenge::new("r", "n3").with_stale(true)))
        .is_ok());
    // With max_rechallenges_per_realm = 0 it behaves like SIP.js.
    let mut strict = AuthSession::with_config(AuthSessionConfig {
        max_rechallenges_per_realm: 0,
        ..AuthSessionConfig::default()
    });
    assert!(strict
        .on_challenges(&www(DigestChallenge::new("r", "n1")))
        .is_ok());
    assert!(strict
        .on_challenges(&www(DigestChallenge::new("r", "n2")))
        .is_err());
}

#[test]
fn guard_new_realms_and_the_retry_cap() {
    let mut s = AuthSession::with_config(AuthSessionConfig {
        max_retries: 3,
        ..AuthSessionConfig::default()
    });
    // Proxy first, then the registrar behind it, then a second proxy.
    assert!(s
        .on_challenges(&[(ChallengeKind::Proxy, DigestChallenge::new("p", "1"))])
        .is_ok());
    assert!(s
        .on_challenges(&www(DigestChallenge::new("w", "1")))
        .is_ok());
    // The same realm name under the other header kind is a different record.
    assert!(s
        .on_challenges(&www(DigestChallenge::new("p", "1")))
        .is_ok());
    assert_eq!(
        s.on_challenges(&www(DigestChallenge::new("z", "1"))),
        Err(GiveUpReason::TooManyRetries { retries: 3 })
    );
    // One refused realm spoils the whole response.
    let mut s = AuthSession::new();
    assert!(s
        .on_challenges(&www(DigestChallenge::new("a", "1")))
        .is_ok());
    let mixed = vec![
        (ChallengeKind::Www, DigestChallenge::new("a", "1")),
        (ChallengeKind::Proxy, DigestChallenge::new("b", "1")),
    ];
    assert!(matches!(
        s.on_challenges(&mixed),
        Err(GiveUpReason::CredentialsRejected { .. })
    ));
}

#[test]
fn stateless_should_retry() {
    let n1 = DigestChallenge::new("r", "n1");
    let n2 = DigestChallenge::new("r", "n2");
    let s1 = DigestChallenge::new("r", "s1").with_stale(true);
    let s2 = DigestChallenge::new("r", "s2").with_stale(true);
    let other = DigestChallenge::new("q", "n1");
    assert!(should_retry(None, &n1));
    assert!(!should_retry(Some(&n1), &n1));
    assert!(should_retry(Some(&n1), &n2));
    assert!(should_retry(Some(&n1), &s1));
    assert!(!should_retry(Some(&s1), &s2));
    assert!(should_retry(Some(&n1), &other));
}

/// A registrar fixture answering like RFC 3261 §22.4 asks: challenge,
/// accept good credentials, re-challenge with stale=true once the nonce
/// expired, refuse wrong passwords with a fresh nonce (as Asterisk does).
struct Registrar {
    nonces: Vec<String>,
    expired: Vec<String>,
    password: &'static str,
}

impl Registrar {
    fn handle(&mut self, request: &Headers, tokens: &mut TokenSource) -> Result<(), Headers> {
        let creds = Credentials::password("alice", self.password);
        let mut stale = false;
        if let Some(v) = request.get(&HeaderName::Authorization) {
            match verify(v, &Method::Register, &creds, "example.com", b"") {
                Ok(a) if self.nonces.contains(&a.nonce) => return Ok(()),
                Ok(a) => stale = self.expired.contains(&a.nonce),
                Err(_) => {}
            }
        }
        let nonce = tokens.token(12);
        self.nonces.push(nonce.clone());
        let mut h = Headers::new();
        let c = DigestChallenge::new("example.com", nonce)
            .with_algorithm(Algorithm::Sha256)
            .with_qop(&[Qop::Auth])
            .with_stale(stale);
        h.push(HeaderName::WwwAuthenticate, c.to_string());
        Err(h)
    }
}

fn run_register(
    client: &mut DigestClient,
    server: &mut Registrar,
    seed: u64,
) -> Result<u32, AuthError> {
    let mut tokens = TokenSource::from_seed(seed);
    let mut session = AuthSession::new();
    let mut request = Headers::new();
    loop {
        match server.handle(&request, &mut tokens) {
            Ok(()) => return Ok(session.retries()),
            Err(challenge) => {
                let auths = session.handle_challenge(
                    client,
                    &challenge,
                    &Method::Register,
                    "sip:example.com",
                    b"",
                    &mut tokens,
                )?;
                apply_all(&mut request, &auths);
            }
        }
    }
}

#[test]
fn end_to_end_with_a_registrar() {
    let mut server = Registrar {
        nonces: Vec::new(),
        expired: Vec::new(),
        password: "pw",
    };
    let mut good = DigestClient::new(Credentials::password("alice", "pw"));
    assert_eq!(run_register(&mut good, &mut server, 1), Ok(1));

    // The server expires every nonce: one stale round, then success.
    server.expired = std::mem::take(&mut server.nonces);
    let mut tokens = TokenSource::from_seed(2);
    let mut request = Headers::new();
    apply_all(
        &mut request,
        &good
            .authorize_preemptively(&Method::Register, "sip:example.com", b"", &mut tokens)
            .unwrap(),
    );
    let Err(challenge) = server.handle(&request, &mut tokens) else {
        panic!("expired nonce accepted")
    };
    assert!(challenge
        .get(&HeaderName::WwwAuthenticate)
        .unwrap()
        .contains("stale=true"));
    let mut session = AuthSession::new();
    let auths = session
        .handle_challenge(
            &mut good,
            &challenge,
            &Method::Register,
            "sip:example.com",
            b"",
            &mut tokens,
        )
        .unwrap();
    apply_all(&mut request, &auths);
    assert_eq!(server.handle(&request, &mut tokens), Ok(()));

    // A wrong password ends after the initial answer and one re-challenge.
    let mut bad = DigestClient::new(Credentials::password("alice", "nope"));
    assert_eq!(
        run_register(&mut bad, &mut server, 3),
        Err(AuthError::GiveUp(GiveUpReason::CredentialsRejected {
            realm: "example.com".into()
        }))
    );
}
