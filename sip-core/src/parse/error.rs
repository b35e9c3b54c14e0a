//! Parse errors: what went wrong, where, and what could still be read.

use crate::header::{HeaderError, HeaderName, Headers};
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::UriError;

/// What went wrong while parsing a message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// No bytes, or only whitespace.
    #[error("empty message")]
    Empty,
    /// The message exceeds [`ParserConfig::max_message_size`](super::ParserConfig).
    #[error("message larger than the limit of {limit} bytes")]
    TooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// More header lines than [`ParserConfig::max_headers`](super::ParserConfig).
    #[error("more than {limit} header lines")]
    TooManyHeaders {
        /// The configured limit.
        limit: usize,
    },
    /// A line longer than [`ParserConfig::max_line_length`](super::ParserConfig).
    #[error("line longer than {limit} bytes")]
    LineTooLong {
        /// The configured limit.
        limit: usize,
    },
    /// A datagram ended before the blank line that closes the headers.
    #[error("headers not terminated by an empty line")]
    UnterminatedHeaders,
    /// The start line is neither a Request-Line nor a Status-Line.
    #[error("malformed start line: {0}")]
    StartLine(&'static str),
    /// The SIP version is not SIP/2.0 (answer 505, RFC 3261 §21.5.7).
    #[error("unsupported SIP version")]
    Version,
    /// The method is not a token.
    #[error("malformed method")]
    Method,
    /// The Request-URI did not parse.
    #[error("malformed Request-URI: {0}")]
    RequestUri(UriError),
    /// The Request-URI carries `?headers`, which RFC 3261 §19.1.1 does not
    /// allow there.
    #[error("headers in the Request-URI")]
    RequestUriHeaders,
    /// The status code is not three digits in 100..=699.
    #[error("malformed status code")]
    StatusCode,
    /// A header line has no valid name and colon.
    #[error("malformed header line")]
    HeaderLine,
    /// A header line is not valid UTF-8.
    #[error("header is not valid UTF-8")]
    HeaderEncoding,
    /// A header the stack relies on has a malformed value.
    #[error("{0}")]
    Header(HeaderError),
    /// A header that may appear once appears several times (RFC 3261 §7.3.1).
    #[error("single-valued header {0} appears more than once")]
    DuplicateHeader(&'static str),
    /// Content-Length is not a non-negative integer, or several disagree;
    /// framing cannot be trusted (RFC 4475 §3.1.2.3, §3.3.9).
    #[error("invalid Content-Length")]
    ContentLength,
    /// Content-Length announces more bytes than the datagram holds
    /// (RFC 3261 §18.3: reject with 400).
    #[error("body shorter than Content-Length ({declared} declared, {available} present)")]
    BodyTooShort {
        /// Declared length.
        declared: usize,
        /// Bytes present.
        available: usize,
    },
    /// A stream message has no Content-Length (RFC 3261 §18.3).
    #[error("Content-Length missing on a stream transport")]
    MissingContentLength,
    /// The CSeq method differs from the request method (RFC 3261 §8.1.1.5).
    #[error("CSeq method does not match the request method")]
    CSeqMethodMismatch,
    /// A Date header that is not an RFC 1123 date in GMT (RFC 3261 §20.17).
    #[error("malformed Date header")]
    Date,
    /// The input ended inside a message (a stream closed mid-message).
    #[error("incomplete message at end of input")]
    Incomplete,
}

/// The fields of a rejected request that a 400 (or 505) response needs
/// (RFC 3261 §8.2.6.1, §21.4.1), as far as they could be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialRequest {
    /// The request method, when the start line could be read.
    pub method: Option<Method>,
    /// Via, From, To, Call-ID and CSeq lines, as read.
    pub headers: Headers,
}

impl PartialRequest {
    /// True when the fields a response needs are all present (RFC 3261
    /// §8.2.6.2: Via, From, To, Call-ID, CSeq).
    pub fn can_respond(&self) -> bool {
        [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
        ]
        .iter()
        .all(|h| self.headers.contains(h))
    }
}

/// A parse failure: what, where, and what could still be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at byte {offset}{})", header.as_ref().map(|h| format!(", header {h}")).unwrap_or_default())]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Byte offset in the input where the problem was found.
    pub offset: usize,
    /// The header concerned, if any.
    pub header: Option<HeaderName>,
    /// For requests, what was read of the fields a response needs.
    pub partial: Option<Box<PartialRequest>>,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, offset: usize) -> Self {
        ParseError {
            kind,
            offset,
            header: None,
            partial: None,
        }
    }

    /// The input ended inside a message after `offset` bytes.
    pub fn incomplete(offset: usize) -> Self {
        ParseError::new(ParseErrorKind::Incomplete, offset)
    }

    pub(crate) fn at_header(mut self, name: HeaderName) -> Self {
        self.header = Some(name);
        self
    }

    /// The status code RFC 3261 prescribes for answering a request that
    /// failed this way: 505 for a bad version, 400 otherwise (§21.4.1,
    /// §21.5.7). 413 for an oversized message (§21.4.11).
    pub fn response_status(&self) -> StatusCode {
        match self.kind {
            ParseErrorKind::Version => StatusCode::VERSION_NOT_SUPPORTED,
            ParseErrorKind::TooLarge { .. } => StatusCode::REQUEST_ENTITY_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// A short reason phrase naming the problem, for the response line.
    pub fn reason_phrase(&self) -> String {
        match (&self.kind, &self.header) {
            (ParseErrorKind::Version, _) => "Version Not Supported".into(),
            (kind @ (ParseErrorKind::Header(_) | ParseErrorKind::DuplicateHeader(_)), _) => {
                format!("Bad Request ({kind})")
            }
            (kind, Some(h)) => format!("Bad Request ({h}: {kind})"),
            (kind, None) => format!("Bad Request ({kind})"),
        }
    }
}
