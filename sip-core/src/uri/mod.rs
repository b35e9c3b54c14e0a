//! URIs: `sip:` and `sips:` (RFC 3261 §19.1), `tel:` (RFC 3966), and any
//! other absoluteURI kept opaque (RFC 3261 §25.1, RFC 3986).
//!
//! Parsing is a single byte-level pass per component, without regex and
//! with one allocation per stored component. Components are stored *as
//! written* (still `%`-escaped) so that [`Display`](fmt::Display) output
//! re-parses to an equal value; the [`escape`](mod@escape) helpers and typed accessors
//! such as [`SipUri::user_unescaped`] decode them. Equality (`==`) is
//! structural; the RFC 3261 §19.1.4 comparison is [`Uri::equivalent`].

pub(crate) mod chars;
mod compare;
pub mod escape;
mod host;
mod sip;
mod tel;
#[cfg(test)]
pub(crate) mod tests;
mod write;

use crate::params::Params;
use core::fmt;
use core::str::FromStr;
use std::net::{Ipv4Addr, Ipv6Addr};

pub use escape::{escape, escape_bytes, unescape, unescape_str, EscapeClass};
pub(crate) use host::{dotted_quad, quad_prefix, strict_quad_len};
pub use sip::HostPort;

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
///
/// The string fields hold the text as written, `%`-escapes included; the
/// setters escape what they are given, the accessors decode.
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
///
/// `==` and `Hash` treat domain names case-insensitively (RFC 3261
/// §19.1.4); the name keeps the case it was written with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Host {
    /// A hostname, as written.
    Domain(String),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written in brackets, RFC 5118).
    Ipv6(Ipv6Addr),
}

/// Why a URI or name-addr did not parse. Offsets are byte offsets into
/// the string given to the parse function.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The input is empty.
    #[error("empty URI")]
    Empty,
    /// No `scheme:` prefix (RFC 3261 §25.1 `scheme`).
    #[error("missing scheme")]
    MissingScheme,
    /// A scheme other than the one the caller asked for (e.g. `tel:` given
    /// to [`SipUri::parse`]).
    #[error("unexpected URI scheme")]
    UnexpectedScheme,
    /// Nothing after `scheme:` in an opaque URI.
    #[error("nothing after the scheme")]
    EmptyAfterScheme,
    /// A character the grammar does not allow at this position.
    #[error("character not allowed at offset {offset}")]
    BadChar {
        /// Byte offset of the character.
        offset: usize,
    },
    /// A `%` not followed by two hex digits.
    #[error("malformed %-escape at offset {offset}")]
    BadEscape {
        /// Byte offset of the `%`.
        offset: usize,
    },
    /// `sip:@host` or `sip::pw@host`: userinfo with an empty user.
    #[error("empty user part")]
    EmptyUser,
    /// No host.
    #[error("empty host")]
    EmptyHost,
    /// A host that is neither a valid hostname nor an IPv4 address.
    #[error("malformed host at offset {offset}")]
    BadHost {
        /// Byte offset of the host.
        offset: usize,
    },
    /// A port that is empty, not decimal, or above 65535.
    #[error("malformed port at offset {offset}")]
    BadPort {
        /// Byte offset of the port or of its first bad character.
        offset: usize,
    },
    /// A malformed or unterminated `[IPv6]` reference (RFC 5118).
    #[error("malformed IPv6 reference at offset {offset}")]
    BadIpv6 {
        /// Byte offset of the `[`.
        offset: usize,
    },
    /// A URI parameter with an empty name or an empty value after `=`.
    #[error("malformed URI parameter at offset {offset}")]
    BadParam {
        /// Byte offset of the parameter name or value.
        offset: usize,
    },
    /// A URI header without a name or without `=`.
    #[error("malformed URI header at offset {offset}")]
    BadHeader {
        /// Byte offset of the header.
        offset: usize,
    },
    /// A `tel:` number that is neither a global nor a local number (RFC 3966 §3).
    #[error("malformed telephone number at offset {offset}")]
    BadTelNumber {
        /// Byte offset of the number.
        offset: usize,
    },
    /// A quoted-string without its closing quote.
    #[error("unterminated quoted string at offset {offset}")]
    UnterminatedQuote {
        /// Byte offset of the opening quote.
        offset: usize,
    },
    /// A display name that is neither a quoted-string nor tokens separated
    /// by white space (RFC 3261 §25.1 `display-name`).
    #[error("malformed display name at offset {offset}")]
    BadDisplayName {
        /// Byte offset of the offending character.
        offset: usize,
    },
    /// A `<` without its `>`.
    #[error("missing '>' after the URI")]
    MissingRaquot,
    /// An addr-spec without angle brackets containing `?` or `,`, which
    /// RFC 3261 §20.10 requires to be written in name-addr form.
    #[error("addr-spec with '?' or ',' must be enclosed in angle brackets")]
    BareAddrSpec,
    /// A header parameter after the address that does not follow
    /// `generic-param` (RFC 3261 §25.1).
    #[error("malformed header parameter at offset {offset}")]
    BadHeaderParam {
        /// Byte offset of the parameter.
        offset: usize,
    },
}

impl UriError {
    /// The same error with its offset moved by `by` bytes (to report
    /// offsets relative to an enclosing string).
    pub(crate) fn shifted(self, by: usize) -> UriError {
        use UriError::*;
        match self {
            BadChar { offset } => BadChar {
                offset: offset + by,
            },
            BadEscape { offset } => BadEscape {
                offset: offset + by,
            },
            BadHost { offset } => BadHost {
                offset: offset + by,
            },
            BadPort { offset } => BadPort {
                offset: offset + by,
            },
            BadIpv6 { offset } => BadIpv6 {
                offset: offset + by,
            },
            BadParam { offset } => BadParam {
                offset: offset + by,
            },
            BadHeader { offset } => BadHeader {
                offset: offset + by,
            },
            BadTelNumber { offset } => BadTelNumber {
                offset: offset + by,
            },
            UnterminatedQuote { offset } => UnterminatedQuote {
                offset: offset + by,
            },
            BadDisplayName { offset } => BadDisplayName {
                offset: offset + by,
            },
            BadHeaderParam { offset } => BadHeaderParam {
                offset: offset + by,
            },
            other => other,
        }
    }
}

/// The scheme at the start of `s`: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`.
/// Returns the index of the `:`.
fn scheme_end(b: &[u8]) -> Result<usize, UriError> {
    match b.first() {
        None => return Err(UriError::Empty),
        Some(c) if c.is_ascii_alphabetic() => {}
        Some(_) => return Err(UriError::MissingScheme),
    }
    let n = 1 + chars::run(b, 1, &chars::SCHEME);
    if b.get(n) == Some(&b':') {
        Ok(n)
    } else {
        Err(UriError::MissingScheme)
    }
}

/// Where the scheme of `s` ends (its `:`), whether it is `sips` and
/// whether it is `sip` or `sips` (any case). `sip:`, the usual start, is
/// compared at once: what [`scheme_kind_general`] gives it.
#[inline(always)]
fn scheme_kind(s: &str) -> Result<(usize, bool, bool), UriError> {
    const SIP: u32 = u32::from_le_bytes(*b"sip:");
    const FOLD: u32 = u32::from_le_bytes([0x20, 0x20, 0x20, 0]);
    match s.as_bytes().first_chunk::<4>() {
        Some(w) if u32::from_le_bytes(*w) | FOLD == SIP => Ok((3, false, true)),
        _ => scheme_kind_general(s),
    }
}

/// [`scheme_kind`] through [`scheme_end`] and case-insensitive compares.
fn scheme_kind_general(s: &str) -> Result<(usize, bool, bool), UriError> {
    let colon = scheme_end(s.as_bytes())?;
    let scheme = &s[..colon];
    let secure = colon == 4 && scheme.eq_ignore_ascii_case("sips");
    Ok((colon, secure, secure || scheme.eq_ignore_ascii_case("sip")))
}

impl Uri {
    /// Parses a URI. The scheme is case-insensitive (`SIP:` is `sip:`).
    /// White space, `<` and `>` are never part of a URI.
    pub fn parse(s: &str) -> Result<Uri, UriError> {
        let mut uri = Uri::blank();
        uri.parse_into(s)?;
        Ok(uri)
    }

    /// A placeholder for [`Uri::parse_into`] to fill.
    pub(crate) fn blank() -> Uri {
        Uri::Sip(SipUri::blank(false))
    }

    /// Parses `s` into `self` (see [`SipUri::parse_into`] for why in
    /// place). When `self` is a blank SIP URI, a SIP URI is filled
    /// without being moved.
    pub(crate) fn parse_into(&mut self, s: &str) -> Result<(), UriError> {
        let (colon, secure, sip) = scheme_kind(s)?;
        let scheme = &s[..colon];
        if sip {
            match self {
                Uri::Sip(u) => u.secure = secure,
                _ => *self = Uri::Sip(SipUri::blank(secure)),
            }
            if let Uri::Sip(u) = self {
                u.parse_into(s, colon + 1)?;
            }
        } else if scheme.eq_ignore_ascii_case("tel") {
            *self = Uri::Tel(TelUri::parse_body(s, colon + 1)?);
        } else {
            *self = Uri::Other(OpaqueUri::parse_body(s, colon)?);
        }
        Ok(())
    }

    /// The scheme: `sip`, `sips`, `tel`, or an opaque URI's scheme as written.
    pub fn scheme(&self) -> &str {
        match self {
            Uri::Sip(u) if u.secure => "sips",
            Uri::Sip(_) => "sip",
            Uri::Tel(_) => "tel",
            Uri::Other(o) => &o.scheme,
        }
    }

    /// The SIP URI, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// The SIP URI, mutably, if this is one.
    pub fn as_sip_mut(&mut self) -> Option<&mut SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// The tel URI, if this is one.
    pub fn as_tel(&self) -> Option<&TelUri> {
        match self {
            Uri::Tel(u) => Some(u),
            _ => None,
        }
    }

    /// True for a `sips:` URI.
    pub fn is_sips(&self) -> bool {
        matches!(self, Uri::Sip(u) if u.secure)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(u) => u.fmt(f),
            Uri::Tel(u) => u.fmt(f),
            Uri::Other(u) => u.fmt(f),
        }
    }
}

impl FromStr for Uri {
    type Err = UriError;
    fn from_str(s: &str) -> Result<Uri, UriError> {
        Uri::parse(s)
    }
}

impl From<SipUri> for Uri {
    fn from(u: SipUri) -> Uri {
        Uri::Sip(u)
    }
}

impl From<TelUri> for Uri {
    fn from(u: TelUri) -> Uri {
        Uri::Tel(u)
    }
}

impl From<OpaqueUri> for Uri {
    fn from(u: OpaqueUri) -> Uri {
        Uri::Other(u)
    }
}

impl OpaqueUri {
    /// `s[colon]` is the `:` after a valid scheme. The rest must be
    /// non-empty URI characters (RFC 3986 reserved/unreserved) and
    /// well-formed escapes.
    fn parse_body(s: &str, colon: usize) -> Result<OpaqueUri, UriError> {
        if colon + 1 == s.len() {
            return Err(UriError::EmptyAfterScheme);
        }
        escape::check(s.as_bytes(), colon + 1, s.len(), &chars::OPAQUE)?;
        Ok(OpaqueUri {
            scheme: s[..colon].to_owned(),
            rest: s[colon + 1..].to_owned(),
        })
    }
}

impl fmt::Display for OpaqueUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        f.write_str(":")?;
        f.write_str(&self.rest)
    }
}
