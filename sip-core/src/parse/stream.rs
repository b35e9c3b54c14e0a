//! Framing of SIP messages on stream transports (RFC 3261 §18.3), with the
//! CRLF keep-alives of RFC 5626 §3.5.1.

use super::error::ParseError;
use super::view::{frame_into, Framed, Framing, MessageView};
use super::ParserConfig;
use crate::message::Message;

/// One thing read from a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
// Boxing the large variant would cost an allocation per message.
#[allow(clippy::large_enum_variant)]
pub enum StreamItem {
    /// A whole message.
    Message(Message),
    /// A double CRLF keep-alive "ping" (RFC 5626 §3.5.1); a server answers
    /// with a single CRLF.
    KeepAlivePing,
    /// A single CRLF keep-alive "pong" (RFC 5626 §3.5.1).
    KeepAlivePong,
}

/// Incremental framer for one stream connection.
///
/// Feed bytes with [`push`](Self::push) in chunks of any size, then call
/// [`next_item`](Self::next_item) until it returns `None`. A message whose
/// framing is broken (bad Content-Length, oversized, garbage start line)
/// makes the stream unusable: the error is returned once and
/// [`is_broken`](Self::is_broken) turns true; the embedder should close the
/// connection (RFC 4475 §3.1.2.3). A message whose framing is fine but whose
/// content is invalid is skipped after its error is returned, and the
/// stream goes on.
///
/// ```
/// use sip_core::parse::{StreamParser, StreamItem, ParserConfig};
/// let mut p = StreamParser::new(ParserConfig::default());
/// p.push(b"\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n");
/// assert_eq!(p.next_item(), Some(Ok(StreamItem::KeepAlivePing)));
/// assert_eq!(p.next_item(), None); // waiting for the rest
/// p.push(b"From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
/// assert!(matches!(p.next_item(), Some(Ok(StreamItem::Message(_)))));
/// ```
#[derive(Debug)]
pub struct StreamParser {
    cfg: ParserConfig,
    buf: Vec<u8>,
    start: usize,
    broken: bool,
    /// Bytes after `start` already searched for the end of the head, so a
    /// message fed byte by byte is scanned once, not once per byte.
    scanned: usize,
    /// Total length of the pending message, once its head was read.
    needed: Option<usize>,
    /// How many times a head was framed (tests check it stays linear).
    #[cfg(test)]
    pub(crate) frames: usize,
}

impl StreamParser {
    /// A framer with `cfg` limits.
    pub fn new(cfg: ParserConfig) -> Self {
        StreamParser {
            cfg,
            buf: Vec::new(),
            start: 0,
            broken: false,
            scanned: 0,
            needed: None,
            #[cfg(test)]
            frames: 0,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        if self.broken {
            return;
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// True once the blank line ending the pending message's head is
    /// buffered; remembers how far it searched.
    fn head_complete(&mut self) -> bool {
        let rest = &self.buf[self.start..];
        // CRLFs before the start line are skipped by the framer (RFC 3261
        // §7.5); the head ends at the first blank line after them.
        let lead = rest
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let from = self.scanned.saturating_sub(3).max(lead);
        let window = &rest[from.min(rest.len())..];
        let found = memchr::memmem::find(window, b"\n\r\n").is_some()
            || (self.cfg.lenient_bare_lf && memchr::memmem::find(window, b"\n\n").is_some());
        self.scanned = rest.len();
        found
    }

    fn check_size(&mut self) -> Option<Result<StreamItem, ParseError>> {
        if self.buffered() > self.cfg.max_message_size {
            self.broken = true;
            return Some(Err(ParseError::new(
                super::ParseErrorKind::TooLarge {
                    limit: self.cfg.max_message_size,
                },
                self.cfg.max_message_size,
            )));
        }
        None
    }

    /// Bytes buffered and not yet consumed.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// True once framing was lost; the connection should be closed.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// The next complete item, `None` when more bytes are needed (or the
    /// stream is broken).
    pub fn next_item(&mut self) -> Option<Result<StreamItem, ParseError>> {
        if self.broken {
            return None;
        }
        let rest = &self.buf[self.start..];
        if rest.starts_with(b"\r\n\r\n") {
            self.start += 4;
            self.scanned = 0;
            return Some(Ok(StreamItem::KeepAlivePing));
        }
        if rest.starts_with(b"\r\n") && (rest.len() == 2 || rest[2] != b'\r') {
            self.start += 2;
            self.scanned = 0;
            return Some(Ok(StreamItem::KeepAlivePong));
        }
        if rest.len() < 4 && b"\r\n\r\n".starts_with(rest) {
            return None;
        }
        if let Some(n) = self.needed {
            if rest.len() < n {
                return None;
            }
        } else if !self.head_complete() {
            return self.check_size();
        }
        #[cfg(test)]
        {
            self.frames += 1;
        }
        let rest = &self.buf[self.start..];
        let outcome = {
            let mut view = MessageView::empty();
            match frame_into(rest, &self.cfg, Framing::Stream, &mut view) {
                Ok(Framed::Incomplete { needed }) => {
                    self.needed = needed;
                    None
                }
                Ok(Framed::Complete) => Some(Ok((view.len, view.build(true, None)))),
                Err(e) => Some(Err(e)),
            }
        };
        match outcome {
            None => self.check_size(),
            Some(Ok((len, result))) => {
                self.start += len;
                self.scanned = 0;
                self.needed = None;
                if self.start == self.buf.len() {
                    self.buf.clear();
                    self.start = 0;
                }
                Some(result.map(StreamItem::Message))
            }
            Some(Err(e)) => {
                self.broken = true;
                self.buf = Vec::new();
                self.start = 0;
                Some(Err(e))
            }
        }
    }
}
