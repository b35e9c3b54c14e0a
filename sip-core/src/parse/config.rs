//! Parser limits and leniencies.

/// Limits and leniency switches of the parser.
///
/// Limits bound everything a peer controls (sans-IO rule 5). Every
/// leniency is off by default and names the rule it relaxes; behaviour that
/// RFC 3261 itself requires (line folding, whitespace before the colon,
/// compact names, a missing Content-Length on datagrams) is always on and
/// is not a leniency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParserConfig {
    /// Largest message accepted, start line to end of body, in bytes.
    pub max_message_size: usize,
    /// Largest number of header lines.
    pub max_headers: usize,
    /// Longest single line (start line or one physical header line) in bytes.
    pub max_line_length: usize,
    /// Accept several SP between the elements of the start line, and
    /// trailing whitespace after it. Relaxes RFC 3261 §7.1 / §25.1
    /// (`Request-Line = Method SP Request-URI SP SIP-Version CRLF`); RFC 4475
    /// §3.1.2.9 and §3.1.2.10 allow an element to accept such messages.
    pub lenient_start_line_whitespace: bool,
    /// Accept a Request-URI enclosed in `<` `>` and strip the brackets.
    /// Relaxes RFC 3261 §25.1 (Request-URI is a bare URI); see RFC 4475
    /// §3.1.2.7.
    pub lenient_bracketed_request_uri: bool,
    /// Accept a bare LF as a line terminator. Relaxes RFC 3261 §7 (lines
    /// end in CRLF).
    pub lenient_bare_lf: bool,
    /// On a stream, treat a message without Content-Length as having an
    /// empty body. Relaxes RFC 3261 §18.3 and §20.14 (Content-Length MUST
    /// be present on stream transports).
    pub lenient_stream_missing_content_length: bool,
}

impl Default for ParserConfig {
    fn default() -> Self {
        ParserConfig {
            max_message_size: 64 * 1024,
            max_headers: 128,
            max_line_length: 8 * 1024,
            lenient_start_line_whitespace: false,
            lenient_bracketed_request_uri: false,
            lenient_bare_lf: false,
            lenient_stream_missing_content_length: false,
        }
    }
}

impl ParserConfig {
    /// A configuration that turns every leniency on, for tools that must
    /// read whatever arrives (a trace viewer, a tolerant proxy).
    pub fn lenient() -> Self {
        ParserConfig {
            lenient_start_line_whitespace: true,
            lenient_bracketed_request_uri: true,
            lenient_bare_lf: true,
            lenient_stream_missing_content_length: true,
            ..ParserConfig::default()
        }
    }
}
