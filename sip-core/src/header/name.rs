//! Header names: case-insensitive, with the compact forms of RFC 3261 §7.3.3
//! and the extension RFCs (RFC 3515 `r`/`b`, RFC 6665 `o`/`u`, RFC 4028 `x`).

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

            /// The compact form, where one exists.
            pub fn compact(&self) -> Option<char> {
                match self {
                    $($(HeaderName::$variant => Some($compact as char),)?)*
                    _ => None,
                }
            }

            fn from_lower(lower: &[u8]) -> Option<HeaderName> {
                match lower {
                    $($lower => Some(HeaderName::$variant),)*
                    $($([$compact] => Some(HeaderName::$variant),)?)*
                    _ => None,
                }
            }
        }
    };
}

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
        let b = name.as_bytes();
        if b.len() <= 32 {
            let mut buf = [0u8; 32];
            for (d, s) in buf.iter_mut().zip(b) {
                *d = s.to_ascii_lowercase();
            }
            if let Some(h) = HeaderName::from_lower(&buf[..b.len()]) {
                return h;
            }
        }
        HeaderName::Other(name.into())
    }
}

impl PartialEq for HeaderName {
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
            (HeaderName::Other(_), _) | (_, HeaderName::Other(_)) => false,
            _ => core::mem::discriminant(self) == core::mem::discriminant(other),
        }
    }
}

impl Eq for HeaderName {}

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

    #[test]
    fn canonical_spelling() {
        assert_eq!(HeaderName::parse("l").as_str(), "Content-Length");
        assert_eq!(HeaderName::Via.compact(), Some('v'));
        assert_eq!(HeaderName::CSeq.compact(), None);
    }
}
