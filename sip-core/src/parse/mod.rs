//! The message parser (RFC 3261 §7, §18.3, §25; RFC 4475).
//!
//! Two layers, as in smoltcp's `Packet`/`Repr`:
//!
//! * [`parse_datagram`] gives a [`MessageView`]: start line, header lines
//!   and body borrowed from the input, no allocation per header (the lines
//!   live in a `SmallVec`). [`MessageView::transaction_fields`] reads what a
//!   transaction layer needs (top Via branch and sent-by, tags, Call-ID,
//!   CSeq) without allocating.
//! * [`MessageView::to_message`] converts to an owned [`Message`], parsing
//!   the Request-URI and checking the headers every element relies on.
//!
//! The header block is split by httparse when it has the usual shape
//! (CRLF lines, no folding, SIP tokens as names) and by SIP's own grammar
//! otherwise (`split`), with the same result either way (property-tested);
//! each name is classified once there and carried to the owned message.
//!
//! [`parse_message`] does both for one datagram. [`StreamParser`] frames
//! messages out of a byte stream (TCP, TLS, WebSocket) fed in chunks of any
//! size, and recognises the CRLF keep-alives of RFC 5626 §3.5.1.
//!
//! Limits ([`ParserConfig`]) bound the message size, the header count and
//! the line length; every leniency is a named flag there.
//!
//! ```
//! use sip_core::parse::parse_message;
//! use sip_core::Message;
//!
//! let bytes = b"OPTIONS sip:bob@example.com SIP/2.0\r\n\
//! Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKhjhs8ass877\r\n\
//! Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n\
//! From: Alice <sip:alice@example.com>;tag=1928301774\r\n\
//! Call-ID: a84b4c76e66710\r\nCSeq: 63104 OPTIONS\r\nContent-Length: 0\r\n\r\n";
//! let msg = parse_message(bytes).unwrap();
//! assert!(matches!(msg, Message::Request(ref r) if r.method == sip_core::Method::Options));
//! ```

mod config;
mod error;
mod fields;
pub(crate) mod marks;
mod owned;
mod split;
mod stream;
pub mod validate;
mod view;

#[cfg(test)]
mod tests;

pub use config::ParserConfig;
pub use error::{ParseError, ParseErrorKind, PartialRequest};
pub use fields::TransactionFields;
pub use marks::TopViaMarks;
pub use owned::unfold;
pub use stream::{StreamItem, StreamParser};
pub use view::{MessageView, RawHeader, StartLine};

use crate::message::Message;
use view::{frame_into, Framed, Framing};

/// Parses one datagram (RFC 3261 §18.3): Content-Length is optional (the
/// body is then the rest of the datagram), bytes after the declared body are
/// discarded, and a body shorter than declared is an error.
pub fn parse_datagram<'a>(
    buf: &'a [u8],
    cfg: &ParserConfig,
) -> Result<MessageView<'a>, ParseError> {
    let mut view = MessageView::empty();
    // The caller may edit the lines before `to_message`: keep what tells.
    view.facts.seal = true;
    datagram_into(buf, cfg, &mut view)?;
    Ok(view)
}

/// [`parse_datagram`] into `view` ([`MessageView::empty`]).
fn datagram_into<'a>(
    buf: &'a [u8],
    cfg: &ParserConfig,
    view: &mut MessageView<'a>,
) -> Result<(), ParseError> {
    if buf.len() > cfg.max_message_size {
        return Err(ParseError::new(
            ParseErrorKind::TooLarge {
                limit: cfg.max_message_size,
            },
            cfg.max_message_size,
        ));
    }
    match frame_into(buf, cfg, Framing::Datagram, view)? {
        Framed::Complete => Ok(()),
        Framed::Incomplete { .. } => Err(ParseError::new(
            ParseErrorKind::UnterminatedHeaders,
            buf.len(),
        )),
    }
}

/// Parses one datagram into an owned [`Message`] with the default
/// [`ParserConfig`].
pub fn parse_message(buf: &[u8]) -> Result<Message, ParseError> {
    parse_message_with(buf, &ParserConfig::default())
}

/// Parses one datagram into an owned [`Message`] with `cfg`: what
/// [`parse_datagram`] and [`MessageView::to_message`] give, without
/// moving the view in between.
pub fn parse_message_with(buf: &[u8], cfg: &ParserConfig) -> Result<Message, ParseError> {
    let mut view = MessageView::empty();
    datagram_into(buf, cfg, &mut view)?;
    view.build(true, None)
}

/// [`parse_message_with`], also giving where the fields of the top Via
/// of a request lie in the message when the check read them in one pass
/// (the usual value): the transaction layer then reads that value with
/// [`TopViaMarks::read`] instead of [`ViaRef::parse`](crate::header::ViaRef::parse).
pub fn parse_message_with_top_via(
    buf: &[u8],
    cfg: &ParserConfig,
) -> Result<(Message, Option<TopViaMarks>), ParseError> {
    let mut marks = None;
    let msg = parse_message_marked(buf, cfg, &mut marks)?;
    Ok((msg, marks))
}

/// [`parse_message_with_top_via`] with the marks left in `marks`: the
/// message is built where the caller's result lies, not moved into a
/// pair with them.
pub(crate) fn parse_message_marked(
    buf: &[u8],
    cfg: &ParserConfig,
    marks: &mut Option<TopViaMarks>,
) -> Result<Message, ParseError> {
    let mut view = MessageView::empty();
    datagram_into(buf, cfg, &mut view)?;
    view.build(true, Some(marks))
}
