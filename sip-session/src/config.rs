//! Configuration of a [`UserAgent`](crate::UserAgent), with the SIP.js
//! defaults where SIP.js has one.

use sip_core::auth::{AuthSessionConfig, Credentials};
use sip_core::header::option_tag;
use sip_core::method::Method;
use sip_core::time::Duration;
use sip_core::transaction::Config as TransactionConfig;
use sip_core::transport::{Destination, Transport};
use sip_core::uri::Uri;
use std::net::SocketAddr;

/// How the user agent treats an SIP extension (an option tag, RFC 3261
/// §19.2): not at all, advertised in `Supported`, or demanded in
/// `Require` of the INVITEs it sends.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum ExtensionSupport {
    /// Not advertised; a request requiring it is refused 420.
    #[default]
    Unsupported,
    /// Listed in Supported.
    Supported,
    /// Listed in Supported and in the Require of outgoing INVITEs.
    Required,
}

impl ExtensionSupport {
    /// True unless [`Unsupported`](Self::Unsupported).
    pub fn is_supported(self) -> bool {
        self != ExtensionSupport::Unsupported
    }
}

/// Configuration of a [`UserAgent`](crate::UserAgent).
///
/// `Default` gives a usable anonymous agent; an embedder sets at least
/// [`aor`](Self::aor), [`contact`](Self::contact) and the Via sent-by in
/// [`transaction`](Self::transaction).
#[derive(Clone, Debug)]
pub struct UserAgentConfig {
    /// The address of record: the From of outgoing requests. Default
    /// `sip:anonymous@anonymous.invalid` (as SIP.js).
    pub aor: Uri,
    /// The display name of the From.
    pub display_name: Option<String>,
    /// The Contact URI this agent is reached at (RFC 3261 §8.1.1.8).
    /// Default `sip:anonymous@invalid.invalid`.
    pub contact: Uri,
    /// Credentials for digest authentication (a password or a precomputed
    /// HA1, RFC 7616, RFC 8760); `None` means 401/407 end the request.
    pub credentials: Option<Credentials>,
    /// The retry guard for 401/407. Default: SIP.js's rule (answer the
    /// first challenge, then once more only for `stale=true`).
    pub auth: AuthSessionConfig,
    /// The transaction layer: T1, T2, T4, Timer D, limits on pending
    /// transactions, the Via sent-by, parser limits.
    pub transaction: TransactionConfig,
    /// Reliable provisional responses (RFC 3262, `100rel`). Default
    /// unsupported (as SIP.js).
    pub rel100: ExtensionSupport,
    /// The Replaces header (RFC 3891). Default unsupported (as SIP.js).
    pub replaces: ExtensionSupport,
    /// Accept UPDATE (RFC 3311) in confirmed dialogs and list it in Allow.
    /// Default off: 405, as SIP.js. (`SessionMut::update` sends one
    /// whatever this says.)
    pub allow_update: bool,
    /// The Info Packages (RFC 6086) this agent takes in INFO; an INFO
    /// naming another one gets 469 (Bad Info Package, §4.2.2). Legacy INFO
    /// without `Info-Package` is not affected. Default: none.
    pub info_packages: Vec<String>,
    /// Session timers (RFC 4028): `None` (the default) leaves them off.
    pub session_timer: Option<crate::SessionTimerConfig>,
    /// Further option tags to list in Supported.
    pub extra_supported: Vec<String>,
    /// The User-Agent header value of requests and Server of responses;
    /// `None` adds neither.
    pub user_agent: Option<String>,
    /// Route set put on every out-of-dialog request (RFC 3261 §8.1.1.1,
    /// an outbound proxy's URI with `;lr`).
    pub preloaded_route: Vec<Uri>,
    /// Where every request goes, whatever its Request-URI and Route say
    /// (the embedder's outbound proxy address). `None`: the next hop's
    /// host (first Route, else Request-URI) must be an IP address or be
    /// listed in [`hosts`](Self::hosts).
    pub outbound_proxy: Option<Destination>,
    /// Static name resolution for next hops that are domain names (the
    /// stack does no DNS, RFC 3263 is the embedder's).
    pub hosts: Vec<(String, SocketAddr)>,
    /// The transport for next hops whose URI has no `transport` parameter
    /// (`sips:` URIs use TLS). Default UDP.
    pub default_transport: Transport,
    /// How long an incoming INVITE may stay unanswered before the agent
    /// rejects it 480 (SIP.js `noAnswerTimeout`). Default 60 s.
    pub no_answer_timeout: Duration,
    /// How long an outgoing INVITE may stay without final response after
    /// a provisional one before the agent cancels it (the spirit of
    /// RFC 3261 §16.6 Timer C, more than 3 minutes). Default 180 s.
    pub invite_timeout: Duration,
    /// Send 180 (Ringing) right after 100 (Trying) for a new INVITE, unless
    /// the caller requires 100rel (SIP.js `sendInitialProvisionalResponse`).
    /// Default true.
    pub send_initial_provisional: bool,
    /// Whether the application takes new INVITEs. When false they are
    /// rejected 486 (Busy Here), as SIP.js does without `onInvite`.
    pub accept_invites: bool,
    /// In-dialog (and out-of-dialog MESSAGE) requests the application
    /// answers itself through [`Event::Request`](crate::Event::Request).
    /// Others get the SIP.js defaults: INFO, MESSAGE, NOTIFY 200; REFER
    /// 603; re-INVITE 488. Allowed: INFO, MESSAGE, NOTIFY, REFER.
    pub app_methods: Vec<Method>,
    /// How long the application may take to answer an
    /// [`Event::Request`](crate::Event::Request) before the agent answers
    /// with the default. Default 30 s (below the peer's 32 s Timer F).
    pub request_answer_timeout: Duration,
    /// How long the agent waits for the application's description (an
    /// answer to put in an ACK or PRACK) before giving up with a BYE
    /// (Reason 488). Default 30 s.
    pub description_timeout: Duration,
    /// Content types of session descriptions the agent accepts; an INVITE
    /// whose session body has another type is refused 415 with Accept
    /// (RFC 3261 §8.2.3). Default `application/sdp`.
    pub accepted_content_types: Vec<String>,
    /// Most concurrent sessions; a new INVITE beyond it is refused 503
    /// with Retry-After, a new `invite()` fails. Default 200 000.
    pub max_sessions: usize,
    /// Most requests waiting for the application's answer at once; beyond
    /// it the default answer is sent at once. Default 10 000.
    pub max_pending_requests: usize,
    /// Most early dialogs (forks) one INVITE keeps; further forks are
    /// answered (ACK and BYE on 2xx) but not tracked. Default 16.
    pub max_forks: usize,
    /// Retry-After (seconds) of the 500 for an out-of-order in-dialog
    /// request and of the 503 when overloaded. Default 5.
    pub retry_after: u32,
    /// How many new INVITEs an Inviter sends to targets learnt from 3xx
    /// responses (RFC 3261 §8.1.3.4, §13.2.2.2) before giving up with the
    /// last final status. Default 0: redirects are not followed and a 3xx
    /// ends the session, as SIP.js does (its issue #1005).
    pub max_redirects: u8,
}

impl Default for UserAgentConfig {
    fn default() -> Self {
        UserAgentConfig {
            aor: Uri::parse("sip:anonymous@anonymous.invalid").expect("static URI"),
            display_name: None,
            contact: Uri::parse("sip:anonymous@invalid.invalid").expect("static URI"),
            credentials: None,
            auth: AuthSessionConfig {
                max_retries: 2,
                max_rechallenges_per_realm: 0,
            },
            transaction: TransactionConfig::default(),
            rel100: ExtensionSupport::Unsupported,
            replaces: ExtensionSupport::Unsupported,
            allow_update: false,
            session_timer: None,
            info_packages: Vec::new(),
            extra_supported: Vec::new(),
            user_agent: None,
            preloaded_route: Vec::new(),
            outbound_proxy: None,
            hosts: Vec::new(),
            default_transport: Transport::Udp,
            no_answer_timeout: Duration::from_secs(60),
            invite_timeout: Duration::from_secs(180),
            send_initial_provisional: true,
            accept_invites: true,
            app_methods: Vec::new(),
            request_answer_timeout: Duration::from_secs(30),
            description_timeout: Duration::from_secs(30),
            accepted_content_types: vec!["application/sdp".to_owned()],
            max_sessions: 200_000,
            max_pending_requests: 10_000,
            max_forks: 16,
            retry_after: 5,
            max_redirects: 0,
        }
    }
}

impl UserAgentConfig {
    /// The option tags to list in Supported.
    pub fn supported_tags(&self) -> Vec<&str> {
        let mut v = Vec::new();
        if self.rel100.is_supported() {
            v.push(option_tag::REL100);
        }
        if self.replaces.is_supported() {
            v.push(option_tag::REPLACES);
        }
        if self.session_timer.is_some() {
            v.push(crate::session::session_timer::TIMER_TAG);
        }
        v.extend(self.extra_supported.iter().map(String::as_str));
        v
    }

    /// True when `tag` is an option tag this agent supports (RFC 3261
    /// §8.2.2.3 compares option tags case-sensitively... the IANA tags are
    /// lower case; we accept any case).
    pub fn supports(&self, tag: &str) -> bool {
        (tag.eq_ignore_ascii_case(option_tag::REL100) && self.rel100.is_supported())
            || (tag.eq_ignore_ascii_case(option_tag::REPLACES) && self.replaces.is_supported())
            || (tag.eq_ignore_ascii_case(crate::session::session_timer::TIMER_TAG)
                && self.session_timer.is_some())
            || self
                .extra_supported
                .iter()
                .any(|t| t.eq_ignore_ascii_case(tag))
    }

    /// True when the application answers `method` itself.
    pub fn app_handles(&self, method: &Method) -> bool {
        self.app_methods.contains(method)
    }

    /// True when `content_type` (a media type, parameters ignored) is an
    /// accepted session description type.
    pub fn accepts_content_type(&self, content_type: &str) -> bool {
        let b = content_type.as_bytes();
        let end = b.iter().position(|&c| c == b';').unwrap_or(b.len());
        let base = &content_type[..end];
        // `trim` changes nothing when both ends are ASCII and not
        // whitespace (the usual value): not called then.
        let plain = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii() && !c.is_ascii_whitespace());
        let bytes = base.as_bytes();
        let base = if plain(bytes.first()) && plain(bytes.last()) {
            bytes
        } else {
            base.trim().as_bytes()
        };
        // Mostly written as configured: equal bytes first.
        self.accepted_content_types.iter().any(|t| {
            let t = t.as_bytes();
            t == base || t.eq_ignore_ascii_case(base)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `accepts_content_type` as first written (always trimming).
    fn reference(cfg: &UserAgentConfig, content_type: &str) -> bool {
        let end = content_type.find(';').unwrap_or(content_type.len());
        let base = content_type[..end].trim().as_bytes();
        cfg.accepted_content_types.iter().any(|t| {
            let t = t.as_bytes();
            t == base || t.eq_ignore_ascii_case(base)
        })
    }

    proptest! {
        /// The fast path (no trim for plain ends) agrees with trimming,
        /// Unicode white space included.
        #[test]
        fn accepts_content_type_agrees_with_trimming(
            ct in "[ \t\u{a0}\u{3000}aApPsS/;=é-]{0,24}",
            extra in "[ \u{a0}aApPsS/é-]{0,12}",
        ) {
            let mut cfg = UserAgentConfig::default();
            cfg.accepted_content_types.push(extra);
            cfg.accepted_content_types.push("a/s".to_owned());
            prop_assert_eq!(cfg.accepts_content_type(&ct), reference(&cfg, &ct));
            for known in ["application/sdp", " application/SDP ;x", "\u{a0}application/sdp"] {
                prop_assert_eq!(cfg.accepts_content_type(known), reference(&cfg, known));
            }
        }
    }
}
