//! Headers whose value is a single decimal number: Max-Forwards (RFC 3261
//! §20.22), Content-Length (§20.14), Expires (§20.19), Min-Expires
//! (§20.23) and RSeq (RFC 3262 §7.1).

use super::lex;
use super::{HeaderError, HeaderName, TypedHeader};
use core::fmt;

macro_rules! number_header {
    ($(#[$doc:meta])* $ty:ident($int:ty), $hname:ident, $wire:literal, $parse:path) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
        pub struct $ty(pub $int);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$hname;
            const LIST: bool = false;

            fn parse(value: &str) -> Result<Self, HeaderError> {
                let s = lex::non_empty(value, $wire)?;
                $parse(s).map($ty).ok_or(lex::bad_number($wire))
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<$int> for $ty {
            fn from(v: $int) -> Self {
                $ty(v)
            }
        }
    };
}

number_header! {
    /// Max-Forwards (RFC 3261 §20.22): 0..=255 hops. Larger values are an
    /// error (RFC 4475 §3.1.2.4 scalar02). Requests start at 70 (§8.1.1.6).
    MaxForwards(u8), MaxForwards, "Max-Forwards", lex::parse_u8
}

number_header! {
    /// Content-Length (RFC 3261 §20.14): the body size in octets.
    ContentLength(u32), ContentLength, "Content-Length", lex::parse_u32
}

number_header! {
    /// Expires (RFC 3261 §20.19): delta-seconds, 0..=2^32-1. A value out of
    /// range is an error here; the caller may treat it as the default (RFC
    /// 4475 §3.1.2.4).
    Expires(u32), Expires, "Expires", lex::parse_u32
}

number_header! {
    /// Min-Expires (RFC 3261 §20.23): the shortest registration or
    /// subscription interval a server accepts, in seconds (sent in 423).
    MinExpires(u32), MinExpires, "Min-Expires", lex::parse_u32
}

number_header! {
    /// RSeq (RFC 3262 §7.1): the sequence number of a reliable provisional
    /// response (generated in 1..=2^31-1, §3).
    RSeq(u32), RSeq, "RSeq", lex::parse_u32
}

impl MaxForwards {
    /// The value to put in a request a UAC creates (RFC 3261 §8.1.1.6).
    pub const DEFAULT: MaxForwards = MaxForwards(70);

    /// The value a proxy forwards: one less, or `None` when it is already 0
    /// and the proxy must answer 483 (RFC 3261 §16.3 step 3, §16.6 step 3).
    pub fn decremented(self) -> Option<MaxForwards> {
        self.0.checked_sub(1).map(MaxForwards)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(MaxForwards::parse(" 70 "), Ok(MaxForwards(70)));
        assert_eq!(MaxForwards::parse("255"), Ok(MaxForwards(255)));
        assert_eq!(MaxForwards::parse("0000255"), Ok(MaxForwards(255)));
        assert_eq!(
            MaxForwards::parse("256"),
            Err(HeaderError::BadNumber {
                header: "Max-Forwards"
            })
        );
        assert_eq!(ContentLength::parse("0"), Ok(ContentLength(0)));
        assert_eq!(Expires::parse("4294967295"), Ok(Expires(u32::MAX)));
        assert!(Expires::parse("4294967296").is_err());
        assert_eq!(MinExpires::parse("3600").unwrap().to_string(), "3600");
        assert_eq!(RSeq::parse("988789").unwrap().0, 988789);
        assert_eq!(
            ContentLength::parse(""),
            Err(HeaderError::Empty {
                header: "Content-Length"
            })
        );
    }

    #[test]
    fn garbage() {
        for bad in [
            "-1",
            "+1",
            "1 2",
            "1a",
            "0x10",
            "1.0",
            "١",
            "9999999999999999999999",
        ] {
            assert!(ContentLength::parse(bad).is_err(), "{bad:?}");
            assert!(Expires::parse(bad).is_err(), "{bad:?}");
            assert!(MaxForwards::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn decrement() {
        assert_eq!(MaxForwards(1).decremented(), Some(MaxForwards(0)));
        assert_eq!(MaxForwards(0).decremented(), None);
        assert_eq!(MaxForwards::DEFAULT.to_string(), "70");
    }
}
