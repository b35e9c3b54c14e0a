//! Address headers built on [`NameAddr`]: From, To (RFC 3261 §20.20,
//! §20.39), Contact (§20.10), Route, Record-Route (§20.34, §20.30),
//! Reply-To (§20.31), Refer-To (RFC 3515 §2.1), Referred-By (RFC 3892
//! §3) and P-Asserted-Identity (RFC 3325 §9.1).
//!
//! Each is a thin newtype over [`NameAddr`] (they dereference to it, so
//! `from.tag()`, `to.set_tag(..)`, `route.uri` work directly); Contact
//! adds the `*` form. Serialization is [`NameAddr`]'s: always the
//! `name-addr` form with angle brackets, which RFC 3261 §20.10 requires
//! whenever the URI holds `,` `;` or `?` and allows otherwise.

use super::content::QValue;
use super::lex;
use super::{HeaderError, HeaderName, TypedHeader};
use crate::name_addr::NameAddr;
use core::fmt;

/// Parses a name-addr / addr-spec value for `header`.
fn parse_addr(value: &str, header: &'static str) -> Result<NameAddr, HeaderError> {
    let s = lex::non_empty(value, header)?;
    NameAddr::parse(s).map_err(|source| HeaderError::Uri { header, source })
}

/// Finds header parameter `name` in a raw name-addr / addr-spec value
/// without parsing the URI or allocating: parameters start after the
/// closing `>` of a name-addr, or at the first `;` of an addr-spec (RFC
/// 3261 §20.10). Returns the value as written (quotes kept); `Some("")`
/// for a flag.
///
/// This is the hot-path way to read the From/To `tag` (RFC 3261 §19.3)
/// for transaction and dialog matching.
pub fn header_param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let b = value.as_bytes();
    let mut i = 0;
    let mut in_quote = false;
    let start = loop {
        let c = *b.get(i)?;
        match c {
            b'\\' if in_quote => i += 1,
            b'"' => in_quote = !in_quote,
            b'<' if !in_quote => {
                let close = value[i..].find('>')? + i;
                break close + 1;
            }
            b';' if !in_quote => break i,
            _ => {}
        }
        i += 1;
    };
    lex::find_param(&value[start..], name).map(|v| v.unwrap_or(""))
}

macro_rules! address_header {
    ($(#[$doc:meta])* $ty:ident, $hname:ident, $wire:literal, $list:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Debug, Hash)]
        pub struct $ty(pub NameAddr);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$hname;
            const LIST: bool = $list;

            fn parse(value: &str) -> Result<Self, HeaderError> {
                parse_addr(value, $wire).map($ty)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl core::ops::Deref for $ty {
            type Target = NameAddr;
            fn deref(&self) -> &NameAddr {
                &self.0
            }
        }

        impl core::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut NameAddr {
                &mut self.0
            }
        }

        impl core::convert::From<NameAddr> for $ty {
            fn from(a: NameAddr) -> Self {
                $ty(a)
            }
        }
    };
}

macro_rules! tagged {
    ($ty:ident) => {
        impl $ty {
            /// The tag of a raw header value, without parsing it or
            /// allocating (see [`header_param`]).
            pub fn tag_of(value: &str) -> Option<&str> {
                header_param(value, "tag").filter(|t| !t.is_empty())
            }
        }
    };
}

address_header! {
    /// The From header (RFC 3261 §20.20, compact `f`): the request's
    /// logical initiator, with the local `tag`.
    From, From, "From", false
}
tagged!(From);

address_header! {
    /// The To header (RFC 3261 §20.39, compact `t`): the logical recipient,
    /// with the remote `tag` once the dialog exists.
    To, To, "To", false
}
tagged!(To);

address_header! {
    /// One Route value (RFC 3261 §20.34): a hop of the route set, `;lr`
    /// for a loose router (§16.12).
    Route, Route, "Route", true
}

address_header! {
    /// One Record-Route value (RFC 3261 §20.30): a proxy asking to stay on
    /// the path of the dialog (§16.6 step 4).
    RecordRoute, RecordRoute, "Record-Route", true
}

address_header! {
    /// The Reply-To header (RFC 3261 §20.31).
    ReplyTo, ReplyTo, "Reply-To", false
}

address_header! {
    /// The Refer-To header (RFC 3515 §2.1, compact `r`): the URI to refer
    /// to, often with embedded headers (`?Replaces=...`).
    ReferTo, ReferTo, "Refer-To", false
}

address_header! {
    /// The Referred-By header (RFC 3892 §3, compact `b`).
    ReferredBy, ReferredBy, "Referred-By", false
}

address_header! {
    /// One P-Asserted-Identity value (RFC 3325 §9.1): an identity asserted
    /// inside a trust domain.
    PAssertedIdentity, PAssertedIdentity, "P-Asserted-Identity", true
}

address_header! {
    /// One P-Preferred-Identity value (RFC 3325 §9.2).
    PPreferredIdentity, PPreferredIdentity, "P-Preferred-Identity", true
}

impl Route {
    /// True when the URI carries `lr` (loose routing, RFC 3261 §16.12,
    /// §19.1.1).
    pub fn is_loose(&self) -> bool {
        matches!(&self.0.uri, crate::uri::Uri::Sip(u) if u.params.contains("lr"))
    }
}

/// One Contact value (RFC 3261 §20.10, compact `m`): an address, or `*`
/// (only in a REGISTER removing every binding, §10.2.2).
// Nearly every Contact is an address, so boxing it would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum Contact {
    /// `*`.
    Wildcard,
    /// An address with contact-params (`expires`, `q`, ...).
    Address(NameAddr),
}

impl Contact {
    /// The address, unless this is `*`.
    pub fn address(&self) -> Option<&NameAddr> {
        match self {
            Contact::Wildcard => None,
            Contact::Address(a) => Some(a),
        }
    }

    /// Mutable access to the address, unless this is `*`.
    pub fn address_mut(&mut self) -> Option<&mut NameAddr> {
        match self {
            Contact::Wildcard => None,
            Contact::Address(a) => Some(a),
        }
    }

    /// True for `*`.
    pub fn is_wildcard(&self) -> bool {
        matches!(self, Contact::Wildcard)
    }

    /// The `expires` contact-param in seconds (RFC 3261 §10.2.1.1). `None`
    /// when absent or not a valid delta-seconds; RFC 4475 §3.1.2.4 lets the
    /// registrar fall back to the default then.
    pub fn expires(&self) -> Option<u32> {
        self.address()?
            .params
            .get("expires")
            .and_then(lex::parse_u32)
    }

    /// The `q` contact-param (RFC 3261 §20.10); `None` when absent or
    /// malformed.
    pub fn q(&self) -> Option<QValue> {
        self.address()?.params.get("q").and_then(QValue::parse)
    }

    /// The URI of one Contact value, `None` for `*`: what
    /// [`parse`](TypedHeader::parse) would give, with the same errors,
    /// without building the display name and contact-params (a dialog's
    /// remote target is the URI alone, RFC 3261 §12.1.1).
    pub fn parse_uri(value: &str) -> Result<Option<crate::uri::Uri>, HeaderError> {
        let s = lex::non_empty(value, "Contact")?;
        if s == "*" {
            return Ok(None);
        }
        NameAddr::parse_uri(s)
            .map(Some)
            .map_err(|source| HeaderError::Uri {
                header: "Contact",
                source,
            })
    }
}

impl core::convert::From<NameAddr> for Contact {
    fn from(a: NameAddr) -> Self {
        Contact::Address(a)
    }
}

impl TypedHeader for Contact {
    const NAME: HeaderName = HeaderName::Contact;
    const LIST: bool = true;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let s = lex::non_empty(value, "Contact")?;
        if s == "*" {
            return Ok(Contact::Wildcard);
        }
        parse_addr(s, "Contact").map(Contact::Address)
    }
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Wildcard => f.write_str("*"),
            Contact::Address(a) => a.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_tag() {
        assert_eq!(
            From::tag_of("\"A;tag=x\" <sip:a@b;tag=no>;tag=1928301774"),
            Some("1928301774")
        );
        assert_eq!(
            To::tag_of("sip:bob@biloxi.com ; TAG = a6c85cf"),
            Some("a6c85cf")
        );
        assert_eq!(To::tag_of("<sip:bob@biloxi.com;tag=uri-param>"), None);
        assert_eq!(To::tag_of("Bob <sip:bob@biloxi.com>"), None);
        assert_eq!(To::tag_of("Bob <sip:bob@biloxi.com>;tag"), None);
        assert_eq!(header_param("<sip:a@b>;lr;x=\"q;r\"", "x"), Some("\"q;r\""));
        assert_eq!(header_param("<sip:a@b>;lr", "lr"), Some(""));
        assert_eq!(header_param("\"unterminated <sip:a@b>;tag=1", "tag"), None);
        assert_eq!(header_param("<sip:a@b;tag=1", "tag"), None);
        assert_eq!(
            header_param("\"esc\\\"aped\" <sip:a@b>;tag=2", "tag"),
            Some("2")
        );
    }

    use crate::uri::{Host, SipUri, Uri};

    #[test]
    fn from_to() {
        let f = From::parse("\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774")
            .unwrap();
        assert_eq!(f.display_name.as_deref(), Some("Alice Liddell"));
        assert_eq!(f.tag(), Some("1928301774"));
        assert_eq!(
            f.to_string(),
            "Alice Liddell <sip:alice@atlanta.example.com>;tag=1928301774"
        );
        // An addr-spec's parameters belong to the header (RFC 3261 §20.10).
        let mut t = To::parse("sip:bob@biloxi.example.com ;tag=a6c85cf").unwrap();
        assert_eq!(t.tag(), Some("a6c85cf"));
        t.set_tag("x");
        assert_eq!(t.to_string(), "<sip:bob@biloxi.example.com>;tag=x");
        assert_eq!(
            To::parse("<sip:bob@biloxi.example.com;tag=u>")
                .unwrap()
                .tag(),
            None
        );
        for bad in [
            "",
            "   ",
            "Bob",
            "<sip:bob@biloxi.example.com",
            "sip:a@b?x=y",
        ] {
            assert!(From::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            To::parse("<>"),
            Err(HeaderError::Uri { header: "To", .. })
        ));
    }

    #[test]
    fn contact_params() {
        let c =
            Contact::parse("<sip:bob@192.0.2.4:5060;transport=tcp>;expires=3600;q=0.7").unwrap();
        assert_eq!(c.expires(), Some(3600));
        assert_eq!(c.q(), QValue::from_thousandths(700));
        let a = c.address().unwrap();
        assert_eq!(
            a.uri.as_sip().unwrap().host,
            Host::Ipv4("192.0.2.4".parse().unwrap())
        );
        // RFC 4475 §3.1.2.4 scalar02: an out-of-range expires reads as absent.
        let c = Contact::parse("<sip:b@c>;expires=280297596632815").unwrap();
        assert_eq!(c.expires(), None);
        // RFC 4475 scalarlg-style maximum.
        assert_eq!(
            Contact::parse("<sip:b@c>;expires=4294967295")
                .unwrap()
                .expires(),
            Some(u32::MAX)
        );
        assert_eq!(Contact::parse("<sip:b@c>;q=2").unwrap().q(), None);
    }

    #[test]
    fn contacts_on_one_line() {
        use crate::header::Headers;
        let mut h = Headers::new();
        h.push(
            HeaderName::parse("m"),
            "\"Mr. Watson, come here\" <sip:watson@worcester.example.com>;q=0.7, <sip:watson@bell.example.com;lr>;q=0.1",
        );
        let cs: Vec<Contact> = h.typed_all().collect::<Result<_, _>>().unwrap();
        assert_eq!(cs.len(), 2);
        assert_eq!(
            cs[0].address().unwrap().display_name.as_deref(),
            Some("Mr. Watson, come here")
        );
        assert_eq!(cs[1].q(), QValue::from_thousandths(100));
    }

    #[test]
    fn routes() {
        let r = Route::parse("<sip:p1.example.com;lr>").unwrap();
        assert!(r.is_loose());
        assert!(!Route::parse("<sip:p1.example.com>").unwrap().is_loose());
        let rr = RecordRoute::parse("<sip:[2001:db8::1]:5060;lr>").unwrap();
        assert_eq!(rr.to_string(), "<sip:[2001:db8::1]:5060;lr>");
        let na = NameAddr::new(Uri::Sip(
            SipUri::new(Host::Domain("x.example".into())).with_user("u"),
        ));
        assert_eq!(
            PAssertedIdentity::from(na.clone()).to_string(),
            "<sip:u@x.example>"
        );
        assert_eq!(
            ReferTo::parse(&ReferTo(na.clone()).to_string()),
            Ok(ReferTo(na))
        );
    }

    #[test]
    fn contact_uri_alone_matches_the_full_parse() {
        for v in [
            "<sip:alice@192.0.2.1:5060>",
            "\"Alice\" <sip:alice@pc33.atlanta.com;transport=tcp>;expires=60;q=0.5",
            "Alice Liddell <sips:alice@[2001:db8::1]>;+sip.instance=\"<urn:x>\"",
            "sip:bob@biloxi.com;expires=30",
            " * ",
            "",
            "<sip:alice@host",
            "Bad, Name <sip:a@b>",
            "<sip:a@b>;=x",
            "<sip:a@b> junk",
            "sip:a@b?subject=x",
            "\"unterminated <sip:a@b>",
        ] {
            let full = Contact::parse(v).map(|c| c.address().map(|a| a.uri.clone()));
            assert_eq!(Contact::parse_uri(v), full, "{v:?}");
        }
    }

    #[test]
    fn wildcard() {
        assert_eq!(Contact::parse(" * "), Ok(Contact::Wildcard));
        assert_eq!(Contact::Wildcard.to_string(), "*");
        assert!(Contact::parse("*;expires=0").is_err());
        assert!(Contact::parse("* *").is_err());
        // `*` is a token character, so it can start a display name.
        let c = Contact::parse("*star <sip:a@b>").unwrap();
        assert_eq!(c.address().unwrap().display_name.as_deref(), Some("*star"));
        assert!(Contact::parse("").is_err());
        assert_eq!(Contact::Wildcard.expires(), None);
    }
}
