//! Header fields: names ([`HeaderName`]), the ordered list of a message
//! ([`Headers`]), and typed views of the headers a SIP stack reads
//! (RFC 3261 §20 and the extension RFCs).
//!
//! Values are stored as text and parsed on demand through
//! [`TypedHeader`]; each typed header serializes back with `Display` in a
//! canonical form that parses back to the same value.
//!
//! Read them with [`Headers::typed`] (first value) and
//! [`Headers::typed_all`] (every value, splitting list headers at commas);
//! write them with [`Headers::set_typed`] / [`Headers::push_typed`].
//!
//! # Typed headers
//!
//! | header | type | list | reference |
//! |---|---|---|---|
//! | Via (`v`) | [`Via`] ([`ViaProtocol`], [`ViaTransport`]) | yes | RFC 3261 §20.42, RFC 3581, RFC 5118 |
//! | From (`f`), To (`t`) | [`From`], [`To`] | no | RFC 3261 §20.20, §20.39 |
//! | Call-ID (`i`) | [`CallId`] | no | RFC 3261 §20.8 |
//! | CSeq | [`CSeq`] | no | RFC 3261 §20.16 |
//! | Max-Forwards | [`MaxForwards`] | no | RFC 3261 §20.22 |
//! | Contact (`m`) | [`Contact`] (`*` or address) | yes | RFC 3261 §20.10 |
//! | Route, Record-Route | [`Route`], [`RecordRoute`] | yes | RFC 3261 §20.34, §20.30 |
//! | Reply-To | [`ReplyTo`] | no | RFC 3261 §20.31 |
//! | Content-Type (`c`) | [`ContentType`] ([`MediaType`]) | no | RFC 3261 §20.15 |
//! | Content-Length (`l`) | [`ContentLength`] | no | RFC 3261 §20.14 |
//! | Accept | [`Accept`] ([`QValue`]) | yes | RFC 3261 §20.1 |
//! | Expires, Min-Expires | [`Expires`], [`MinExpires`] | no | RFC 3261 §20.19, §20.23 |
//! | Retry-After | [`RetryAfter`] | no | RFC 3261 §20.33 |
//! | Require, Proxy-Require | [`Require`], [`ProxyRequire`] | yes | RFC 3261 §20.32, §20.29 |
//! | Supported (`k`), Unsupported | [`Supported`], [`Unsupported`] | yes | RFC 3261 §20.37, §20.40 |
//! | Allow | [`Allow`] | yes | RFC 3261 §20.5 |
//! | Warning | [`Warning`] | yes | RFC 3261 §20.43 |
//! | WWW-Authenticate, Proxy-Authenticate | [`WwwAuthenticate`], [`ProxyAuthenticate`] ([`AuthValue`](crate::auth::AuthValue); Digest view [`DigestChallenge`](crate::auth::DigestChallenge)) | no | RFC 3261 §20.44, §20.27, RFC 7616 §3.3 |
//! | Authorization, Proxy-Authorization | [`Authorization`], [`ProxyAuthorization`] ([`AuthValue`](crate::auth::AuthValue); Digest view [`DigestAuthorization`](crate::auth::DigestAuthorization)) | no | RFC 3261 §20.7, §20.28, RFC 7616 §3.4 |
//! | Authentication-Info | [`AuthenticationInfo`] | no | RFC 3261 §20.6, RFC 7616 §3.5 |
//! | RSeq, RAck | [`RSeq`], [`RAck`] | no | RFC 3262 §7.1, §7.2 |
//! | Event (`o`) | [`Event`] | no | RFC 6665 §8.2.1 |
//! | Allow-Events (`u`) | [`AllowEvents`] | yes | RFC 6665 §8.2.2 |
//! | Subscription-State | [`SubscriptionState`] ([`SubState`], [`TerminationReason`]) | no | RFC 6665 §8.2.3, §4.1.3 |
//! | Refer-To (`r`), Referred-By (`b`) | [`ReferTo`], [`ReferredBy`] | no | RFC 3515 §2.1, RFC 3892 §3 |
//! | Refer-Sub | [`ReferSub`] | no | RFC 4488 §4 |
//! | Replaces | [`Replaces`] | no | RFC 3891 §6.1 |
//! | Session-Expires (`x`), Min-SE | [`SessionExpires`] ([`Refresher`]), [`MinSe`] | no | RFC 4028 §4, §5 |
//! | Reason | [`Reason`] | yes | RFC 3326 §2 |
//! | P-Asserted-Identity, P-Preferred-Identity | [`PAssertedIdentity`], [`PPreferredIdentity`] | yes | RFC 3325 §9 |
//! | Privacy | [`Privacy`] ([`PrivValue`]) | no | RFC 3323 §4.2 |
//! | SIP-ETag, SIP-If-Match | [`SipETag`], [`SipIfMatch`] | no | RFC 3903 §11.3 |
//!
//! "list: yes" means one header line may hold several comma-separated
//! values, each parsed separately ([`TypedHeader::LIST`]).
//!
//! Hot-path helpers that read one parameter from a raw value without
//! parsing it or allocating: [`Via::branch_of`], [`From::tag_of`],
//! [`To::tag_of`] and [`header_param`].

mod address;
mod auth;
mod content;
mod cseq;
mod dialog;
mod event;
pub(crate) mod lex;
mod lists;
mod map;
mod misc;
pub(crate) mod name;
mod numeric;
mod session_timer;
#[cfg(test)]
mod tests;
mod via;

pub use address::{
    header_param, Contact, From, PAssertedIdentity, PPreferredIdentity, RecordRoute, ReferTo,
    ReferredBy, ReplyTo, Route, To,
};
pub use auth::{
    AuthenticationInfo, Authorization, ProxyAuthenticate, ProxyAuthorization, WwwAuthenticate,
};
pub use content::{Accept, ContentType, MediaType, QValue};
pub use cseq::{CSeq, RAck};
pub use dialog::{CallId, Replaces};
pub use event::{Event, ReferSub, SubState, SubscriptionState, TerminationReason};
pub use lists::{option_tag, Allow, AllowEvents, ProxyRequire, Require, Supported, Unsupported};
pub use map::{split_comma, trim_value, Header, HeaderRef, Headers};
pub use misc::{PrivValue, Privacy, Reason, RetryAfter, SipETag, SipIfMatch, Warning};
pub use name::HeaderName;
pub use numeric::{ContentLength, Expires, MaxForwards, MinExpires, RSeq};
pub use session_timer::{MinSe, Refresher, SessionExpires};
pub use via::{Via, ViaProtocol, ViaRef, ViaTransport, MAGIC_COOKIE};

use core::fmt;

/// A header with a typed representation.
///
/// `parse` reads one value (for list headers, one comma-separated element);
/// `Display` writes it back in canonical form.
pub trait TypedHeader: Sized + fmt::Display {
    /// The header's name.
    const NAME: HeaderName;
    /// True when the header is a comma-separated list (RFC 3261 §7.3.1), so
    /// one line can hold several values.
    const LIST: bool;
    /// Parses one value.
    fn parse(value: &str) -> Result<Self, HeaderError>;
}

/// Why a header value did not parse.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The value is empty where the grammar needs something.
    #[error("{header}: empty value")]
    Empty {
        /// The header concerned.
        header: &'static str,
    },
    /// The value does not follow the header's grammar.
    #[error("{header}: malformed value ({reason})")]
    Malformed {
        /// The header concerned.
        header: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// A number is out of range or not a number.
    #[error("{header}: bad number")]
    BadNumber {
        /// The header concerned.
        header: &'static str,
    },
    /// A URI inside the header did not parse.
    #[error("{header}: bad URI: {source}")]
    Uri {
        /// The header concerned.
        header: &'static str,
        /// The URI error.
        source: crate::uri::UriError,
    },
    /// A parameter list did not parse.
    #[error("{header}: bad parameter: {source}")]
    Param {
        /// The header concerned.
        header: &'static str,
        /// The parameter error.
        source: crate::params::ParamError,
    },
}
