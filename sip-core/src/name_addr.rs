//! `name-addr` and `addr-spec` (RFC 3261 §20.10, §25.1): the value of
//! From, To, Contact, Route, Record-Route, Refer-To, Referred-By,
//! P-Asserted-Identity...
//!
//! SKELETON: parsing and serialization are being written.

use crate::params::Params;
use crate::uri::{Uri, UriError};

/// A (possibly named) address with header parameters.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct NameAddr {
    /// The display name, unquoted with quoted-pairs resolved; `None` when absent.
    pub display_name: Option<String>,
    /// The URI.
    pub uri: Uri,
    /// Header parameters after the address (`;tag=...`, `;expires=...`).
    pub params: Params,
}

impl NameAddr {
    /// Parses a name-addr or addr-spec with its parameters.
    pub fn parse(_s: &str) -> Result<NameAddr, UriError> {
        todo!("name-addr parser")
    }
}
