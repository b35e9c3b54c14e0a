//! # sip-core
//!
//! The sans-IO core of the SIP stack: pure data types and state machines,
//! no sockets, no clock, no threads. Time comes in as [`time::Instant`],
//! randomness from an injected [`random::TokenSource`].
//!
//! Where things live:
//!
//! | module | what |
//! |---|---|
//! | [`method`], [`status`] | request methods and status codes (RFC 3261 §7) |
//! | [`uri`] | `sip:`/`sips:`/`tel:` and opaque URIs, escaping, §19.1.4 comparison |
//! | [`name_addr`], [`params`] | name-addr/addr-spec and `;name=value` parameters |
//! | [`header`] | header names, the ordered header list, typed headers |
//! | [`parse`] | zero-copy parser, stream framing, limits, errors, semantic checks |
//! | [`message`] | owned [`Request`], [`Response`], [`Message`] and their serialization |
//! | [`parse`] | zero-copy parser: datagram and stream framing, limits, errors |
//! | [`time`], [`random`] | injected time and seedable tokens |
//! | [`transport`] | transports, destinations, transmits, transport errors (§18) |
//! | [`transaction`] | the four transaction machines, timers A-M, matching, the driving layer (§17, RFC 6026) |
//! | [`transport_rules`] | Via stamping, `received`/`rport`, response routing, UDP size rule (§18, RFC 3581) |
//! | [`dialog`] | dialog state, creation, in-dialog requests and checks (§12) |
//! | [`auth`] | digest authentication (RFC 3261 §22, RFC 7616, RFC 8760) |

#![warn(missing_docs)]

pub mod auth;
pub mod builder;
pub mod dialog;
#[doc(hidden)]
pub mod fuzzing;
pub mod header;
pub mod message;
pub mod method;
pub mod name_addr;
pub mod params;
pub mod parse;
pub mod random;
pub mod status;
pub(crate) mod text;
pub mod time;
pub mod transaction;
pub mod transport;
pub mod transport_rules;
pub mod uri;

pub use header::{Header, HeaderName, HeaderRef, Headers, TypedHeader};
pub use message::{Message, Request, Response};
pub use method::Method;
pub use name_addr::NameAddr;
pub use params::Params;
pub use status::StatusCode;
pub use uri::Uri;
