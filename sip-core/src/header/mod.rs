//! Header fields: names ([`HeaderName`]), the ordered list of a message
//! ([`Headers`]), and typed views of the headers a SIP stack reads
//! (RFC 3261 §20 and the extension RFCs).
//!
//! Values are stored as text and parsed on demand through
//! [`TypedHeader`]; each typed header serializes back with `Display`.

mod map;
mod name;

pub use map::{split_comma, Header, Headers};
pub use name::HeaderName;

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
