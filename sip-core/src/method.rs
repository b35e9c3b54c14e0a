//! SIP request methods (RFC 3261 §7.1, §27.4 and the extension RFCs).

use core::fmt;

/// A SIP request method.
///
/// Methods are case-sensitive (RFC 3261 §7.1): `invite` is an extension
/// method, not INVITE. Unknown methods keep their token and round-trip.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Method {
    /// RFC 3261 §13.
    Invite,
    /// RFC 3261 §13.2.2.4, §17.1.1.3.
    Ack,
    /// RFC 3261 §15.
    Bye,
    /// RFC 3261 §9.
    Cancel,
    /// RFC 3261 §11.
    Options,
    /// RFC 3261 §10.
    Register,
    /// RFC 3262.
    Prack,
    /// RFC 6665.
    Subscribe,
    /// RFC 6665.
    Notify,
    /// RFC 3903.
    Publish,
    /// RFC 6086.
    Info,
    /// RFC 3515.
    Refer,
    /// RFC 3428.
    Message,
    /// RFC 3311.
    Update,
    /// Any other method token, kept verbatim.
    Extension(Box<str>),
}

impl Method {
    /// Parses a method token. Never fails on a valid token; the caller
    /// checks the token grammar.
    pub fn from_token(s: &str) -> Method {
        match s {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "OPTIONS" => Method::Options,
            "REGISTER" => Method::Register,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "PUBLISH" => Method::Publish,
            "INFO" => Method::Info,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "UPDATE" => Method::Update,
            other => Method::Extension(other.into()),
        }
    }

    /// The method token as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Publish => "PUBLISH",
            Method::Info => "INFO",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Update => "UPDATE",
            Method::Extension(s) => s,
        }
    }

    /// True for methods that may create a dialog (RFC 3261 §12, RFC 6665, RFC 3515).
    pub fn creates_dialog(&self) -> bool {
        matches!(self, Method::Invite | Method::Subscribe | Method::Refer)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Method {
    type Err = core::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Method::from_token(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_and_extension() {
        for m in [
            "INVITE",
            "ACK",
            "UPDATE",
            "NEWMETHOD",
            "invite",
            "RE%47IST%45R",
        ] {
            assert_eq!(Method::from_token(m).as_str(), m);
        }
        assert_eq!(
            Method::from_token("invite"),
            Method::Extension("invite".into())
        );
    }
}
