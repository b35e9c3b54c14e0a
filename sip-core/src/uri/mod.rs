//! URIs: `sip:` and `sips:` (RFC 3261 §19.1), `tel:` (RFC 3966), and any
//! other absoluteURI kept opaque (RFC 3261 §25.1, RFC 3986).
//!
//! SKELETON: the parser, serializer and comparison are being written.

use crate::params::Params;
use core::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A URI as found in a Request-URI or inside a name-addr.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
#[non_exhaustive]
pub enum Uri {
    /// `sip:` or `sips:`.
    Sip(SipUri),
    /// `tel:` (RFC 3966).
    Tel(TelUri),
    /// Any other scheme, kept verbatim.
    Other(OpaqueUri),
}

/// A `sip:` or `sips:` URI (RFC 3261 §19.1.1).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct SipUri {
    /// True for `sips:`.
    pub secure: bool,
    /// The userinfo user part, as written (still %-escaped).
    pub user: Option<String>,
    /// The password, as written (still %-escaped).
    pub password: Option<String>,
    /// The host.
    pub host: Host,
    /// The port, if written.
    pub port: Option<u16>,
    /// URI parameters (`;transport=tcp;lr`), values as written.
    pub params: Params,
    /// URI headers (`?Subject=x&Route=...`), as written (still %-escaped).
    pub headers: Vec<(String, String)>,
}

/// A `tel:` URI (RFC 3966).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct TelUri {
    /// The number, global (`+1-201-555-0123`) or local, as written.
    pub number: String,
    /// Parameters (`;phone-context=...`, `;ext=...`), as written.
    pub params: Params,
}

/// A URI of a scheme the stack does not interpret, kept verbatim.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct OpaqueUri {
    /// The scheme, as written.
    pub scheme: String,
    /// Everything after the `:`.
    pub rest: String,
}

/// A host: a domain name, an IPv4 address or an IPv6 reference.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
#[non_exhaustive]
pub enum Host {
    /// A hostname, as written.
    Domain(String),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written in brackets, RFC 5118).
    Ipv6(Ipv6Addr),
}

/// Why a URI did not parse.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// No `scheme:` prefix.
    #[error("missing scheme")]
    MissingScheme,
    /// Something in the URI is not allowed by the grammar.
    #[error("invalid URI")]
    Invalid,
}

impl Uri {
    /// Parses a URI.
    pub fn parse(_s: &str) -> Result<Uri, UriError> {
        todo!("uri parser")
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("uri display")
    }
}
