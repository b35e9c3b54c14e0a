//! Header names: case-insensitive, with the compact forms of RFC 3261 §7.3.3
//! and the extension RFCs (RFC 3515 `r`/`b`, RFC 6665 `o`/`u`, RFC 4028 `x`).

use super::lex;
use core::fmt;

macro_rules! header_names {
    ($( $variant:ident => $canon:literal, $lower:literal $(, $compact:literal)? ; )*) => {
        /// A header field name.
        ///
        /// Known names are variants; any other name is kept verbatim in
        /// [`HeaderName::Other`] and compares case-insensitively.
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        pub enum HeaderName {
            $(
                #[doc = concat!("`", $canon, "`")]
                $variant,
            )*
            /// An extension header, name as written.
            Other(Box<str>),
        }

        impl HeaderName {
            /// The canonical (long) spelling used when serializing.
            pub fn as_str(&self) -> &str {
                match self {
                    $(HeaderName::$variant => $canon,)*
                    HeaderName::Other(s) => s,
                }
            }

            /// The canonical spelling followed by `": "`, for a known name
            /// (what serialization writes before the value, in one copy).
            #[inline]
            pub(crate) fn with_colon(&self) -> Option<&'static str> {
                match self {
                    $(HeaderName::$variant => Some(concat!($canon, ": ")),)*
                    HeaderName::Other(_) => None,
                }
            }

            /// CRLF, then the canonical spelling and `": "`, for a known
            /// name, padded to 32 bytes, and its length: serialization ends
            /// the previous line and starts this one with one copy of a
            /// fixed size (no `memcpy` call), keeping `len` bytes of it.
            #[inline(always)]
            pub(crate) fn crlf_with_colon_padded(&self) -> Option<&'static ([u8; 32], u8)> {
                // The class is the variant's position: a linear map, which
                // compiles to arithmetic rather than a jump per name.
                let class = match self {
                    $(HeaderName::$variant => Class::$variant as usize,)*
                    HeaderName::Other(_) => return None,
                };
                CRLF_WITH_COLON.get(class)
            }

            /// The compact form, where one exists.
            pub fn compact(&self) -> Option<char> {
                match self {
                    $($(HeaderName::$variant => Some($compact as char),)?)*
                    _ => None,
                }
            }

            /// The class of a lower-case name (long or compact form): an
            /// index into [`KNOWN`], or [`OTHER`].
            fn class_of_lower(lower: &[u8]) -> u8 {
                match lower {
                    $($lower => Class::$variant as u8,)*
                    $($([$compact] => Class::$variant as u8,)?)*
                    _ => OTHER,
                }
            }

            /// The known name of class `class`, built directly (no clone).
            fn known_of_class(class: u8) -> Option<HeaderName> {
                match class {
                    $(class_of::$variant => Some(HeaderName::$variant),)*
                    _ => None,
                }
            }

            /// The class of this name: its index in [`KNOWN`], or [`OTHER`].
            pub(crate) fn class(&self) -> u8 {
                match self {
                    $(HeaderName::$variant => Class::$variant as u8,)*
                    HeaderName::Other(_) => OTHER,
                }
            }
        }

        /// The classes of the known names ([`HeaderName::class`]).
        #[repr(u8)]
        #[allow(dead_code)]
        pub(crate) enum Class {
            $($variant,)*
        }

        /// The classes as constants, usable as patterns.
        #[allow(non_upper_case_globals)]
        mod class_of {
            $(pub(super) const $variant: u8 = super::Class::$variant as u8;)*
        }

        /// [`HeaderName::crlf_with_colon_padded`] of the known names, in
        /// class order.
        static CRLF_WITH_COLON: [([u8; 32], u8); [$(stringify!($variant)),*].len()] =
            [$(padded(concat!("\r\n", $canon, ": ")),)*];

        /// The known names in class order ([`HeaderName::class`]).
        pub(crate) static KNOWN: [HeaderName; [$(stringify!($variant)),*].len()] =
            [$(HeaderName::$variant,)*];
    };
}

/// `s` in 32 bytes (zero-padded; a longer `s` fails the build) and its
/// length.
const fn padded(s: &str) -> ([u8; 32], u8) {
    let b = s.as_bytes();
    assert!(b.len() <= 32);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < b.len() {
        out[i] = b[i];
        i += 1;
    }
    (out, b.len() as u8)
}

/// The class of names that are not known ([`HeaderName::Other`]).
pub(crate) const OTHER: u8 = 127;
const _: () = assert!(KNOWN.len() < OTHER as usize);

header_names! {
    Via => "Via", b"via", b'v';
    From => "From", b"from", b'f';
    To => "To", b"to", b't';
    CallId => "Call-ID", b"call-id", b'i';
    CSeq => "CSeq", b"cseq";
    MaxForwards => "Max-Forwards", b"max-forwards";
    Contact => "Contact", b"contact", b'm';
    Route => "Route", b"route";
    RecordRoute => "Record-Route", b"record-route";
    ContentType => "Content-Type", b"content-type", b'c';
    ContentLength => "Content-Length", b"content-length", b'l';
    ContentEncoding => "Content-Encoding", b"content-encoding", b'e';
    ContentDisposition => "Content-Disposition", b"content-disposition";
    ContentLanguage => "Content-Language", b"content-language";
    Expires => "Expires", b"expires";
    MinExpires => "Min-Expires", b"min-expires";
    Require => "Require", b"require";
    ProxyRequire => "Proxy-Require", b"proxy-require";
    Supported => "Supported", b"supported", b'k';
    Unsupported => "Unsupported", b"unsupported";
    Allow => "Allow", b"allow";
    Accept => "Accept", b"accept";
    AcceptEncoding => "Accept-Encoding", b"accept-encoding";
    AcceptLanguage => "Accept-Language", b"accept-language";
    RSeq => "RSeq", b"rseq";
    RAck => "RAck", b"rack";
    Event => "Event", b"event", b'o';
    AllowEvents => "Allow-Events", b"allow-events", b'u';
    SubscriptionState => "Subscription-State", b"subscription-state";
    ReferTo => "Refer-To", b"refer-to", b'r';
    ReferredBy => "Referred-By", b"referred-by", b'b';
    ReferSub => "Refer-Sub", b"refer-sub";
    Replaces => "Replaces", b"replaces";
    WwwAuthenticate => "WWW-Authenticate", b"www-authenticate";
    Authorization => "Authorization", b"authorization";
    ProxyAuthenticate => "Proxy-Authenticate", b"proxy-authenticate";
    ProxyAuthorization => "Proxy-Authorization", b"proxy-authorization";
    AuthenticationInfo => "Authentication-Info", b"authentication-info";
    PAssertedIdentity => "P-Asserted-Identity", b"p-asserted-identity";
    PPreferredIdentity => "P-Preferred-Identity", b"p-preferred-identity";
    Privacy => "Privacy", b"privacy";
    SessionExpires => "Session-Expires", b"session-expires", b'x';
    MinSe => "Min-SE", b"min-se";
    RetryAfter => "Retry-After", b"retry-after";
    Reason => "Reason", b"reason";
    UserAgent => "User-Agent", b"user-agent";
    Server => "Server", b"server";
    Subject => "Subject", b"subject", b's';
    Date => "Date", b"date";
    Timestamp => "Timestamp", b"timestamp";
    Warning => "Warning", b"warning";
    Organization => "Organization", b"organization";
    Priority => "Priority", b"priority";
    InReplyTo => "In-Reply-To", b"in-reply-to";
    ReplyTo => "Reply-To", b"reply-to";
    MimeVersion => "MIME-Version", b"mime-version";
    AlertInfo => "Alert-Info", b"alert-info";
    CallInfo => "Call-Info", b"call-info";
    ErrorInfo => "Error-Info", b"error-info";
    SipETag => "SIP-ETag", b"sip-etag";
    SipIfMatch => "SIP-If-Match", b"sip-if-match";
    InfoPackage => "Info-Package", b"info-package";
    RecvInfo => "Recv-Info", b"recv-info";
    Path => "Path", b"path";
    ServiceRoute => "Service-Route", b"service-route";
}

impl HeaderName {
    /// Parses a header name as written on the wire (any case, compact or
    /// long). Never fails: an unknown name becomes [`HeaderName::Other`].
    pub fn parse(name: &str) -> HeaderName {
        HeaderName::of_class(classify(name.as_bytes()), name)
    }

    /// The name of class `class` ([`classify`]) written `name`.
    pub(crate) fn of_class(class: u8, name: &str) -> HeaderName {
        match HeaderName::known_of_class(class) {
            Some(h) => h,
            None => HeaderName::Other(name.into()),
        }
    }
}

/// The class of the header name `n` as written (any case, compact or
/// long): the index of its [`HeaderName`] in [`KNOWN`], or [`OTHER`].
/// The names of nearly every message are tried first without copying.
pub(crate) fn classify(n: &[u8]) -> u8 {
    let hit = match (n.len(), n.first().map_or(0, |c| c | 0x20)) {
        (3, b'v') if lex::eq_lower(n, b"via") => Class::Via,
        (4, b'f') if lex::eq_lower(n, b"from") => Class::From,
        (2, b't') if lex::eq_lower(n, b"to") => Class::To,
        (7, b'c') if lex::eq_lower(n, b"call-id") => Class::CallId,
        (7, b'c') if lex::eq_lower(n, b"contact") => Class::Contact,
        (4, b'c') if lex::eq_lower(n, b"cseq") => Class::CSeq,
        (12, b'm') if lex::eq_lower(n, b"max-forwards") => Class::MaxForwards,
        (12, b'c') if lex::eq_lower(n, b"content-type") => Class::ContentType,
        (14, b'c') if lex::eq_lower(n, b"content-length") => Class::ContentLength,
        (5, b'a') if lex::eq_lower(n, b"allow") => Class::Allow,
        (5, b'r') if lex::eq_lower(n, b"route") => Class::Route,
        (12, b'r') if lex::eq_lower(n, b"record-route") => Class::RecordRoute,
        (9, b's') if lex::eq_lower(n, b"supported") => Class::Supported,
        (10, b'u') if lex::eq_lower(n, b"user-agent") => Class::UserAgent,
        (6, b's') if lex::eq_lower(n, b"server") => Class::Server,
        _ => return classify_other(n),
    };
    hit as u8
}

/// [`classify`] of a name that is not one of the usual ones: lowered and
/// matched against every known name.
fn classify_other(n: &[u8]) -> u8 {
    if n.len() > 32 {
        return OTHER;
    }
    let mut buf = [0u8; 32];
    for (d, s) in buf.iter_mut().zip(n) {
        *d = s.to_ascii_lowercase();
    }
    HeaderName::class_of_lower(&buf[..n.len()])
}

impl PartialEq for HeaderName {
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        // A known name differs from every other variant, `Other` included.
        if core::mem::discriminant(self) != core::mem::discriminant(other) {
            return false;
        }
        match (self, other) {
            (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        }
    }
}

impl Eq for HeaderName {}

/// Lets a borrowed name from a [`super::HeaderRef`] be compared with a
/// name value: `h.name == HeaderName::Via`.
impl PartialEq<HeaderName> for &HeaderName {
    #[inline(always)]
    fn eq(&self, other: &HeaderName) -> bool {
        **self == *other
    }
}

impl core::hash::Hash for HeaderName {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        match self {
            HeaderName::Other(s) => {
                for b in s.bytes() {
                    state.write_u8(b.to_ascii_lowercase());
                }
            }
            _ => core::mem::discriminant(self).hash(state),
        }
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for HeaderName {
    fn from(s: &str) -> Self {
        HeaderName::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_case_insensitive() {
        assert_eq!(HeaderName::parse("v"), HeaderName::Via);
        assert_eq!(HeaderName::parse("ViA"), HeaderName::Via);
        assert_eq!(HeaderName::parse("call-id"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("I"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("x"), HeaderName::SessionExpires);
        assert_eq!(
            HeaderName::parse("WWW-AUTHENTICATE"),
            HeaderName::WwwAuthenticate
        );
        assert_eq!(HeaderName::parse("X-Foo"), HeaderName::parse("x-foo"));
        assert_eq!(HeaderName::parse("C%6Fntact").as_str(), "C%6Fntact");
        assert_ne!(HeaderName::parse("C%6Fntact"), HeaderName::Contact);
    }

    /// Every known name's serialization prefix is its canonical spelling
    /// and ": "; an extension name has none (written in two pieces).
    #[test]
    fn with_colon_is_the_canonical_name_and_colon() {
        for n in KNOWN.iter() {
            assert_eq!(n.with_colon(), Some(format!("{}: ", n.as_str())).as_deref());
        }
        assert_eq!(HeaderName::parse("X-Foo").with_colon(), None);
        for n in KNOWN.iter() {
            let (bytes, len) = n.crlf_with_colon_padded().unwrap();
            let want = format!("\r\n{}: ", n.as_str());
            assert_eq!(&bytes[..usize::from(*len)], want.as_bytes());
            assert!(bytes[usize::from(*len)..].iter().all(|&b| b == 0));
        }
        assert_eq!(HeaderName::parse("X-Foo").crlf_with_colon_padded(), None);
    }

    proptest::proptest! {
        /// The fast classifier agrees with a plain lower-case lookup.
        #[test]
        fn classify_agrees_with_the_table(
            n in "(?i)(via|from|to|call-id|contact|cseq|max-forwards|content-type|content-length|allow|route|record-route|supported|user-agent|server|v|f|t|i|m|l|c|k|x|date|subject|[a-z\\-\r_]{0,14})",
        ) {
            let lower = n.to_ascii_lowercase();
            let expect = HeaderName::class_of_lower(lower.as_bytes());
            proptest::prop_assert_eq!(classify(n.as_bytes()), expect);
        }
    }

    #[test]
    fn classes_round_trip() {
        for (i, h) in KNOWN.iter().enumerate() {
            assert_eq!(usize::from(h.class()), i);
            assert_eq!(HeaderName::parse(h.as_str()), *h);
            assert_eq!(classify(h.as_str().as_bytes()), h.class());
        }
        assert_eq!(classify(b"Call\rID"), OTHER);
        assert_eq!(classify(b"CALL\x0dID"), OTHER);
        assert_eq!(HeaderName::parse("X-Foo").class(), OTHER);
    }

    #[test]
    fn canonical_spelling() {
        assert_eq!(HeaderName::parse("l").as_str(), "Content-Length");
        assert_eq!(HeaderName::Via.compact(), Some('v'));
        assert_eq!(HeaderName::CSeq.compact(), None);
    }
}
