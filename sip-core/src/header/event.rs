//! Event notification headers: Event and Subscription-State (RFC 6665
//! §8.2.1, §8.2.3, §4.1.3) and Refer-Sub (RFC 4488 §4).

use super::lex::{self, malformed};
use super::{HeaderError, HeaderName, TypedHeader};
use crate::params::Params;
use core::fmt;

/// The Event header (RFC 6665 §8.2.1, compact `o`):
/// `event-type *(SEMI event-param)`.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Event {
    /// The event type: package and templates (`presence.winfo`), a token.
    pub package: String,
    /// The parameters, `id` included.
    pub params: Params,
}

impl Event {
    /// An Event without parameters.
    pub fn new(package: &str) -> Event {
        Event {
            package: package.to_owned(),
            params: Params::new(),
        }
    }

    /// The `id` parameter, which tells subscriptions of one dialog apart
    /// (RFC 6665 §8.2.1).
    pub fn id(&self) -> Option<&str> {
        self.params.get("id")
    }

    /// Sets the `id` parameter.
    pub fn set_id(&mut self, id: &str) {
        self.params.set("id", Some(id));
    }

    /// Matching for subscriptions (RFC 6665 §8.2.1): the event types are
    /// equal byte for byte and so are the `id` parameters (an absent `id`
    /// only matches an absent `id`); other parameters do not count.
    pub fn matches(&self, other: &Event) -> bool {
        self.package == other.package && self.id() == other.id()
    }
}

impl TypedHeader for Event {
    const NAME: HeaderName = HeaderName::Event;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let s = lex::non_empty(value, "Event")?;
        let (package, rest) = lex::split_params(s);
        if !lex::is_token(package) {
            return Err(malformed("Event", "bad event type"));
        }
        let params = lex::params_only(rest, "Event")?;
        let id_ok = |p: &crate::params::Param| p.value.as_deref().is_some_and(lex::is_token);
        if params.find("id").is_some_and(|p| !id_ok(p)) {
            return Err(malformed("Event", "bad id parameter"));
        }
        Ok(Event {
            package: package.to_owned(),
            params,
        })
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.package, self.params)
    }
}

/// The state of a subscription (RFC 6665 §4.1.3 `substate-value`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum SubState {
    /// `active`.
    Active,
    /// `pending`.
    Pending,
    /// `terminated`.
    Terminated,
    /// Any other token, as written (treated as `active` or by the package).
    /// Must not spell one of the above.
    Extension(String),
}

impl SubState {
    fn from_token(s: &str) -> SubState {
        if s.eq_ignore_ascii_case("active") {
            SubState::Active
        } else if s.eq_ignore_ascii_case("pending") {
            SubState::Pending
        } else if s.eq_ignore_ascii_case("terminated") {
            SubState::Terminated
        } else {
            SubState::Extension(s.to_owned())
        }
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        match self {
            SubState::Active => "active",
            SubState::Pending => "pending",
            SubState::Terminated => "terminated",
            SubState::Extension(s) => s,
        }
    }
}

/// Why a subscription ended (RFC 6665 §4.1.3 `event-reason-value`, with
/// the subscriber's reaction in §4.1.3's list).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum TerminationReason {
    /// `deactivated`: retry immediately with a new subscription.
    Deactivated,
    /// `probation`: retry later (see `retry-after`).
    Probation,
    /// `rejected`: do not retry.
    Rejected,
    /// `timeout`: the subscription was not refreshed in time.
    Timeout,
    /// `giveup`: the notifier could not authorize in time.
    Giveup,
    /// `noresource`: the resource no longer exists.
    Noresource,
    /// `invariant`: the state will not change; do not retry.
    Invariant,
    /// Any other token, as written. Must not spell one of the above.
    Other(String),
}

impl TerminationReason {
    const KNOWN: [(TerminationReason, &'static str); 7] = [
        (TerminationReason::Deactivated, "deactivated"),
        (TerminationReason::Probation, "probation"),
        (TerminationReason::Rejected, "rejected"),
        (TerminationReason::Timeout, "timeout"),
        (TerminationReason::Giveup, "giveup"),
        (TerminationReason::Noresource, "noresource"),
        (TerminationReason::Invariant, "invariant"),
    ];

    /// Maps a token, case-insensitively.
    pub fn from_token(s: &str) -> TerminationReason {
        Self::KNOWN
            .into_iter()
            .find(|(_, t)| t.eq_ignore_ascii_case(s))
            .map_or_else(|| TerminationReason::Other(s.to_owned()), |(r, _)| r)
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        match self {
            TerminationReason::Deactivated => "deactivated",
            TerminationReason::Probation => "probation",
            TerminationReason::Rejected => "rejected",
            TerminationReason::Timeout => "timeout",
            TerminationReason::Giveup => "giveup",
            TerminationReason::Noresource => "noresource",
            TerminationReason::Invariant => "invariant",
            TerminationReason::Other(s) => s,
        }
    }
}

/// The Subscription-State header (RFC 6665 §8.2.3, §4.1.3):
/// `substate-value *(SEMI subexp-params)`.
///
/// `reason`, `expires` and `retry-after` are typed fields; other
/// parameters stay in `params`. Serialization writes the typed ones first.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct SubscriptionState {
    /// The state.
    pub state: SubState,
    /// `reason` (meaningful with `terminated`).
    pub reason: Option<TerminationReason>,
    /// `expires`: seconds left (with `active` or `pending`).
    pub expires: Option<u32>,
    /// `retry-after`: seconds before retrying (with `terminated`).
    pub retry_after: Option<u32>,
    /// Other parameters, in order.
    pub params: Params,
}

impl SubscriptionState {
    /// A state with no parameters.
    pub fn new(state: SubState) -> SubscriptionState {
        SubscriptionState {
            state,
            reason: None,
            expires: None,
            retry_after: None,
            params: Params::new(),
        }
    }

    /// `active;expires=<secs>`.
    pub fn active(expires: u32) -> SubscriptionState {
        SubscriptionState {
            expires: Some(expires),
            ..Self::new(SubState::Active)
        }
    }

    /// `terminated;reason=<reason>`.
    pub fn terminated(reason: TerminationReason) -> SubscriptionState {
        SubscriptionState {
            reason: Some(reason),
            ..Self::new(SubState::Terminated)
        }
    }
}

impl TypedHeader for SubscriptionState {
    const NAME: HeaderName = HeaderName::SubscriptionState;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        const H: &str = "Subscription-State";
        let s = lex::non_empty(value, H)?;
        let (state, rest) = lex::split_params(s);
        if !lex::is_token(state) {
            return Err(malformed(H, "bad substate"));
        }
        let all = lex::params_only(rest, H)?;
        let mut out = SubscriptionState::new(SubState::from_token(state));
        for p in &all {
            let v = p.value.as_deref();
            let dup = |b: bool| {
                if b {
                    Err(malformed(H, "repeated parameter"))
                } else {
                    Ok(())
                }
            };
            if p.name.eq_ignore_ascii_case("reason") {
                dup(out.reason.is_some())?;
                let v = v
                    .filter(|v| lex::is_token(v))
                    .ok_or(malformed(H, "bad reason"))?;
                out.reason = Some(TerminationReason::from_token(v));
            } else if p.name.eq_ignore_ascii_case("expires") {
                dup(out.expires.is_some())?;
                out.expires = Some(v.and_then(lex::parse_u32).ok_or(lex::bad_number(H))?);
            } else if p.name.eq_ignore_ascii_case("retry-after") {
                dup(out.retry_after.is_some())?;
                out.retry_after = Some(v.and_then(lex::parse_u32).ok_or(lex::bad_number(H))?);
            } else {
                out.params.push(p.name.clone(), p.value.clone());
            }
        }
        Ok(out)
    }
}

impl fmt::Display for SubscriptionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.state.as_str())?;
        if let Some(r) = &self.reason {
            write!(f, ";reason={}", r.as_str())?;
        }
        if let Some(e) = self.expires {
            write!(f, ";expires={e}")?;
        }
        if let Some(r) = self.retry_after {
            write!(f, ";retry-after={r}")?;
        }
        write!(f, "{}", self.params)
    }
}

/// The Refer-Sub header (RFC 4488 §4): `true` or `false` (whether the
/// REFER creates an implicit subscription), with extension parameters.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct ReferSub {
    /// `true` or `false`.
    pub value: bool,
    /// Extension parameters.
    pub params: Params,
}

impl ReferSub {
    /// A Refer-Sub without parameters.
    pub fn new(value: bool) -> ReferSub {
        ReferSub {
            value,
            params: Params::new(),
        }
    }
}

impl TypedHeader for ReferSub {
    const NAME: HeaderName = HeaderName::ReferSub;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let s = lex::non_empty(value, "Refer-Sub")?;
        let (v, rest) = lex::split_params(s);
        let value = if v.eq_ignore_ascii_case("true") {
            true
        } else if v.eq_ignore_ascii_case("false") {
            false
        } else {
            return Err(malformed("Refer-Sub", "expected true or false"));
        };
        Ok(ReferSub {
            value,
            params: lex::params_only(rest, "Refer-Sub")?,
        })
    }
}

impl fmt::Display for ReferSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event() {
        let e = Event::parse("presence.winfo ; id = 1234;x").unwrap();
        assert_eq!(e.package, "presence.winfo");
        assert_eq!(e.id(), Some("1234"));
        assert_eq!(e.to_string(), "presence.winfo;id=1234;x");
        assert!(e.matches(&Event::parse("presence.winfo;id=1234").unwrap()));
        assert!(!e.matches(&Event::parse("Presence.winfo;id=1234").unwrap()));
        assert!(!e.matches(&Event::parse("presence.winfo").unwrap()));
        assert!(Event::new("refer").matches(&Event::parse("refer;foo=bar").unwrap()));
        for bad in ["", "pres ence", "a;id", "a;id=\"x\"", "a;;", "a/b"] {
            assert!(Event::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn subscription_state() {
        let s =
            SubscriptionState::parse("terminated;Reason=noresource;retry-after=30;x=y").unwrap();
        assert_eq!(s.state, SubState::Terminated);
        assert_eq!(s.reason, Some(TerminationReason::Noresource));
        assert_eq!(s.retry_after, Some(30));
        assert_eq!(s.params.get("x"), Some("y"));
        assert_eq!(
            s.to_string(),
            "terminated;reason=noresource;retry-after=30;x=y"
        );
        let s = SubscriptionState::parse("Active ;expires=600").unwrap();
        assert_eq!(s, SubscriptionState::active(600));
        let s = SubscriptionState::parse("waiting;reason=frobbed").unwrap();
        assert_eq!(s.state, SubState::Extension("waiting".into()));
        assert_eq!(s.reason, Some(TerminationReason::Other("frobbed".into())));
        assert_eq!(
            SubscriptionState::terminated(TerminationReason::Giveup).to_string(),
            "terminated;reason=giveup"
        );
        for bad in [
            "",
            "active;expires=-1",
            "active;expires",
            "active;expires=4294967296",
            "active;expires=1;expires=2",
            "terminated;reason",
            "terminated;reason=\"x\"",
            "act ive",
            "active;;",
        ] {
            assert!(SubscriptionState::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refer_sub() {
        assert_eq!(ReferSub::parse("false"), Ok(ReferSub::new(false)));
        assert_eq!(
            ReferSub::parse(" TRUE ;x=1").unwrap().to_string(),
            "true;x=1"
        );
        assert!(ReferSub::parse("yes").is_err());
        assert!(ReferSub::parse("").is_err());
    }
}
