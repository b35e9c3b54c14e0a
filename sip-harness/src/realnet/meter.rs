//! [`Meter`]: where a stream connection's incoming bytes stand against SIP
//! message boundaries (RFC 3261 §18.3), so the driver can bound a peer
//! that never finishes a message, and trace whole messages.
//!
//! The node frames and parses the bytes itself; the meter only finds the
//! end of each head (the first blank line after the start line, leading
//! CRLFs skipped as RFC 3261 §7.5 allows) and skips Content-Length bytes of
//! body. A head without Content-Length counts as a message without body
//! (what a lenient parser does); a Content-Length that is not a number
//! makes the stream unframeable, for the driver as for any parser.

use sip_core::time::Instant;

/// Why a connection's input cannot go on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum MeterError {
    /// The pending message grew, or declared a body, past the limit.
    TooLarge,
    /// The Content-Length is not a number: no framing is possible.
    Unframeable,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Reading a head (or CRLFs between messages).
    Head,
    /// Reading this many more body bytes.
    Body { remaining: usize },
}

/// Message-boundary bookkeeping for one connection's input.
#[derive(Debug)]
pub(super) struct Meter {
    state: State,
    /// The pending message: its head while reading it, and the body too
    /// when `keep` is set.
    buf: Vec<u8>,
    /// Bytes of `buf` already searched for the blank line.
    scanned: usize,
    /// Bytes of the pending message so far.
    len: usize,
    /// When the pending message's first byte arrived.
    since: Option<Instant>,
    /// Whole messages seen.
    messages: u64,
    /// Keep whole messages (for the trace).
    keep: bool,
}

impl Meter {
    /// A meter; `keep` collects whole messages for the trace.
    pub(super) fn new(keep: bool) -> Self {
        Meter {
            state: State::Head,
            buf: Vec::new(),
            scanned: 0,
            len: 0,
            since: None,
            messages: 0,
            keep,
        }
    }

    /// When the first byte of the message still incomplete arrived.
    pub(super) fn pending_since(&self) -> Option<Instant> {
        self.since
    }

    /// Whole messages seen so far.
    pub(super) fn messages(&self) -> u64 {
        self.messages
    }

    /// Accounts for `data`, calling `on_message` with each message it
    /// completes (the bytes when `keep` is set, else empty). Returns the
    /// number of messages completed.
    pub(super) fn feed(
        &mut self,
        now: Instant,
        mut data: &[u8],
        max: usize,
        mut on_message: impl FnMut(&[u8]),
    ) -> Result<usize, MeterError> {
        let mut done = 0;
        while !data.is_empty() {
            match self.state {
                State::Head => {
                    if self.len == 0 {
                        // CRLFs between messages (and keep-alives, RFC 5626
                        // §3.5.1) belong to no message.
                        let skip = data
                            .iter()
                            .take_while(|&&b| b == b'\r' || b == b'\n')
                            .count();
                        data = &data[skip..];
                        if data.is_empty() {
                            break;
                        }
                        self.since.get_or_insert(now);
                    }
                    let before = self.buf.len();
                    self.buf.extend_from_slice(data);
                    let from = self.scanned.saturating_sub(2);
                    let Some(end) = head_end(&self.buf[from..]).map(|e| e + from) else {
                        self.scanned = self.buf.len();
                        self.len = self.buf.len();
                        if self.len > max {
                            return Err(MeterError::TooLarge);
                        }
                        break;
                    };
                    if end > max {
                        return Err(MeterError::TooLarge);
                    }
                    data = &data[end - before..];
                    self.buf.truncate(end);
                    self.len = end;
                    let body = content_length(&self.buf)?;
                    if body > max.saturating_sub(end) {
                        return Err(MeterError::TooLarge);
                    }
                    if !self.keep {
                        self.buf.clear();
                    }
                    self.state = State::Body { remaining: body };
                }
                State::Body { remaining } => {
                    let n = remaining.min(data.len());
                    if self.keep {
                        self.buf.extend_from_slice(&data[..n]);
                    }
                    data = &data[n..];
                    self.len += n;
                    self.state = State::Body {
                        remaining: remaining - n,
                    };
                }
            }
            if self.state == (State::Body { remaining: 0 }) {
                on_message(&self.buf);
                done += 1;
                self.messages += 1;
                self.buf.clear();
                self.scanned = 0;
                self.len = 0;
                self.since = None;
                self.state = State::Head;
            }
        }
        Ok(done)
    }
}

/// The end (exclusive) of the first blank line in `buf`: CRLF CRLF, or a
/// bare LF LF as lenient parsers accept.
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = memchr_find(buf, b"\n\r\n").map(|p| p + 3);
    let lf = memchr_find(buf, b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The Content-Length of a head (RFC 3261 §20.14; compact form `l`), 0
/// when absent. Folded continuation lines (RFC 3261 §7.3.1) belong to the
/// header above them.
fn content_length(head: &[u8]) -> Result<usize, MeterError> {
    let mut lines = head.split(|&b| b == b'\n').skip(1).peekable(); // past the start line
    while let Some(line) = lines.next() {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            continue; // a continuation of some other header
        }
        let name = line[..colon].trim_ascii();
        if !(name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l")) {
            continue;
        }
        let mut value = line[colon + 1..].trim_ascii().to_vec();
        while let Some(next) =
            lines.next_if(|l| l.first().is_some_and(|b| *b == b' ' || *b == b'\t'))
        {
            value.extend_from_slice(next.trim_ascii());
        }
        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
            return Err(MeterError::Unframeable);
        }
        return std::str::from_utf8(&value)
            .ok()
            .and_then(|v| v.parse().ok())
            .ok_or(MeterError::Unframeable);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] =
        b"MESSAGE sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 5\r\n\r\nhello";

    fn feed_all(m: &mut Meter, t: u64, data: &[u8]) -> Result<Vec<Vec<u8>>, MeterError> {
        let mut out = Vec::new();
        m.feed(Instant::from_millis(t), data, 1000, |b| {
            out.push(b.to_vec())
        })?;
        Ok(out)
    }

    #[test]
    fn whole_messages_in_any_chunks() {
        let mut two = b"\r\n\r\n".to_vec();
        two.extend_from_slice(MSG);
        two.extend_from_slice(b"\r\n");
        two.extend_from_slice(MSG);
        for chunk in [1, 2, 3, 7, 50, 1000] {
            let mut m = Meter::new(true);
            let mut got = Vec::new();
            for (i, c) in two.chunks(chunk).enumerate() {
                got.extend(feed_all(&mut m, i as u64, c).unwrap());
            }
            assert_eq!(got, vec![MSG.to_vec(), MSG.to_vec()], "chunk {chunk}");
            assert_eq!(m.messages(), 2);
            assert_eq!(m.pending_since(), None);
        }
    }

    #[test]
    fn pending_since_first_byte_of_the_unfinished_message() {
        let mut m = Meter::new(false);
        assert!(feed_all(&mut m, 1, b"\r\n\r\n").unwrap().is_empty());
        assert_eq!(m.pending_since(), None, "keep-alives are not a message");
        feed_all(&mut m, 5, &MSG[..10]).unwrap();
        feed_all(&mut m, 9, &MSG[10..40]).unwrap();
        assert_eq!(m.pending_since(), Some(Instant::from_millis(5)));
        assert_eq!(feed_all(&mut m, 12, &MSG[40..]).unwrap().len(), 1);
        assert_eq!(m.pending_since(), None);
        feed_all(&mut m, 20, b"OPT").unwrap();
        assert_eq!(m.pending_since(), Some(Instant::from_millis(20)));
    }

    #[test]
    fn missing_content_length_means_no_body() {
        let mut m = Meter::new(true);
        let got = feed_all(&mut m, 0, b"OPTIONS sip:a SIP/2.0\r\nX: 1\r\n\r\nOPT").unwrap();
        assert_eq!(got, vec![b"OPTIONS sip:a SIP/2.0\r\nX: 1\r\n\r\n".to_vec()]);
        assert!(m.pending_since().is_some());
    }

    #[test]
    fn limits() {
        let mut m = Meter::new(false);
        let long = vec![b'a'; 1001];
        assert_eq!(feed_all(&mut m, 0, &long), Err(MeterError::TooLarge));
        let mut m = Meter::new(false);
        let big = b"MESSAGE sip:a SIP/2.0\r\nContent-Length : 990\r\n\r\n";
        assert_eq!(feed_all(&mut m, 0, big), Err(MeterError::TooLarge));
        let mut m = Meter::new(false);
        let bad = b"MESSAGE sip:a SIP/2.0\r\nContent-Length: 1x\r\n\r\n";
        assert_eq!(feed_all(&mut m, 0, bad), Err(MeterError::Unframeable));
        let mut m = Meter::new(false);
        let huge = b"MESSAGE sip:a SIP/2.0\r\nContent-Length: 99999999999999999999999\r\n\r\n";
        assert_eq!(feed_all(&mut m, 0, huge), Err(MeterError::Unframeable));
    }

    #[test]
    fn folded_lines_and_other_headers_do_not_confuse_it() {
        let msg = b"MESSAGE sip:a SIP/2.0\r\nSubject: Content-Length: 9\r\n x-l: 7\r\nContent-length:\r\n 2\r\n\r\nhiOPT";
        let mut m = Meter::new(true);
        let got = feed_all(&mut m, 0, msg).unwrap();
        assert_eq!(got, vec![msg[..msg.len() - 3].to_vec()]);
        assert!(m.pending_since().is_some());
    }

    #[test]
    fn bare_lf_heads() {
        let mut m = Meter::new(false);
        let n = m
            .feed(
                Instant::ZERO,
                b"OPTIONS sip:a SIP/2.0\nl: 1\n\nx",
                100,
                |_| {},
            )
            .unwrap();
        assert_eq!(n, 1);
    }
}
