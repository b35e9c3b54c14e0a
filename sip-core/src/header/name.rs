//! Header names: case-insensitive, with the compact forms of RFC 3261 §7.3.3
//! and the extension RFCs (RFC 3515 `r`/`b`, RFC 6665 `o`/`u`, RFC 4028 `x`).

use core::fmt;

macro_rules! header_names {
    ($( $variant:ident => $canon:literal $(, $compact:literal)? ; )*) => {
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
                    $($(HeaderName::$variant => Some($compact),)?)*
                    _ => None,
                }
            }

            fn from_lower(lower: &[u8]) -> Option<HeaderName> {
                $(
                    if lower == lower_bytes!($canon) { return Some(HeaderName::$variant); }
                    $(if lower.len() == 1 && lower[0] == $compact as u8 { return Some(HeaderName::$variant); })?
                )*
                None
            }
        }
    };
}

macro_rules! lower_bytes {
    ($s:literal) => {{
        const S: &[u8] = $s.as_bytes();
        const N: usize = S.len();
        const L: [u8; N] = {
            let mut out = [0u8; N];
            let mut i = 0;
            while i < N {
                out[i] = S[i].to_ascii_lowercase();
                i += 1;
            }
            out
        };
        &L
    }};
}

header_names! {
    Via => "Via", 'v';
    From => "From", 'f';
    To => "To", 't';
    CallId => "Call-ID", 'i';
    CSeq => "CSeq";
    MaxForwards => "Max-Forwards";
    Contact => "Contact", 'm';
    Route => "Route";
    RecordRoute => "Record-Route";
    ContentType => "Content-Type", 'c';
    ContentLength => "Content-Length", 'l';
    ContentEncoding => "Content-Encoding", 'e';
    ContentDisposition => "Content-Disposition";
    ContentLanguage => "Content-Language";
    Expires => "Expires";
    MinExpires => "Min-Expires";
    Require => "Require";
    ProxyRequire => "Proxy-Require";
    Supported => "Supported", 'k';
    Unsupported => "Unsupported";
    Allow => "Allow";
    Accept => "Accept";
    AcceptEncoding => "Accept-Encoding";
    AcceptLanguage => "Accept-Language";
    RSeq => "RSeq";
    RAck => "RAck";
    Event => "Event", 'o';
    AllowEvents => "Allow-Events", 'u';
    SubscriptionState => "Subscription-State";
    ReferTo => "Refer-To", 'r';
    ReferredBy => "Referred-By", 'b';
    ReferSub => "Refer-Sub";
    Replaces => "Replaces";
    WwwAuthenticate => "WWW-Authenticate";
    Authorization => "Authorization";
    ProxyAuthenticate => "Proxy-Authenticate";
    ProxyAuthorization => "Proxy-Authorization";
    AuthenticationInfo => "Authentication-Info";
    PAssertedIdentity => "P-Asserted-Identity";
    PPreferredIdentity => "P-Preferred-Identity";
    Privacy => "Privacy";
    SessionExpires => "Session-Expires", 'x';
    MinSe => "Min-SE";
    RetryAfter => "Retry-After";
    Reason => "Reason";
    UserAgent => "User-Agent";
    Server => "Server";
    Subject => "Subject", 's';
    Date => "Date";
    Timestamp => "Timestamp";
    Warning => "Warning";
    Organization => "Organization";
    Priority => "Priority";
    InReplyTo => "In-Reply-To";
    ReplyTo => "Reply-To";
    MimeVersion => "MIME-Version";
    AlertInfo => "Alert-Info";
    CallInfo => "Call-Info";
    ErrorInfo => "Error-Info";
    SipETag => "SIP-ETag";
    SipIfMatch => "SIP-If-Match";
    InfoPackage => "Info-Package";
    RecvInfo => "Recv-Info";
    Path => "Path";
    ServiceRoute => "Service-Route";
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
        assert_eq!(HeaderName::parse("WWW-AUTHENTICATE"), HeaderName::WwwAuthenticate);
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
