//! Bodies of the fuzz targets in `fuzz/fuzz_targets/`, kept in the library
//! so ordinary tests can replay the corpora on stable Rust
//! (`sip-core/tests/fuzz_corpus.rs`).
//!
//! Every function takes arbitrary bytes and panics when an invariant of
//! the message layer breaks; a panic is the finding. Besides "network
//! input never panics" (sans-IO rule 3) they check:
//!
//! * error reports are usable: the offset lies inside the input, the
//!   reason phrase and the partial request hold no line break (they go
//!   into a 400 response, RFC 3261 §8.2.6.1);
//! * an owned message holds no CR or LF in a header value or reason
//!   phrase, so serializing it cannot inject lines (RFC 3261 §7.3.1);
//! * framing a stream does not depend on how the bytes were chunked
//!   (RFC 3261 §18.3);
//! * parse → serialize → parse gives the same message.
//!
//! Randomness (the chunk sizes) comes from a small generator seeded with a
//! hash of the input, so every run is reproducible.

use crate::header::HeaderName;
use crate::message::Message;
use crate::parse::{self, ParseError, ParserConfig, StreamItem, StreamParser};

fn configs() -> [ParserConfig; 2] {
    [ParserConfig::default(), ParserConfig::lenient()]
}

/// Target `parse_datagram`: [`parse::parse_datagram`], the transaction
/// fields and [`parse::MessageView::to_message`] under the default and the
/// lenient configuration.
pub fn parse_datagram(data: &[u8]) {
    for cfg in configs() {
        match parse::parse_datagram(data, &cfg) {
            Ok(view) => {
                assert!(view.len <= data.len(), "view longer than its input");
                let body_at = view.len - view.body.len();
                assert_eq!(
                    &data[body_at..view.len],
                    view.body,
                    "body is not the tail of the message"
                );
                for h in &view.headers {
                    assert!(!h.name.is_empty(), "empty header name");
                }
                let _ = view.transaction_fields();
                match view.to_message() {
                    Ok(m) => check_owned(&m),
                    Err(e) => check_error(&e, data.len()),
                }
            }
            Err(e) => check_error(&e, data.len()),
        }
    }
}

/// Target `parse_stream`: the bytes fed to a [`StreamParser`] in one piece
/// and in pseudo-random chunks give the same messages and errors (keep-alive
/// items and error offsets aside: a lone CRLF cannot be told from the first
/// half of a double CRLF before the next bytes arrive, RFC 5626 §3.5.1, and
/// offsets count from the item's start), and the stream ends broken or not
/// alike.
pub fn parse_stream(data: &[u8]) {
    let seed = fnv1a(data);
    for cfg in configs() {
        let whole = run_stream(&cfg, data, &[data.len().max(1)]);
        for (i, max_chunk) in [1usize, 16, 512].into_iter().enumerate() {
            let sizes = chunk_sizes(seed ^ (i as u64 + 1), data.len(), max_chunk);
            let chunked = run_stream(&cfg, data, &sizes);
            assert_eq!(
                whole.messages, chunked.messages,
                "stream items differ between one chunk and chunks of at most {max_chunk} bytes"
            );
            assert_eq!(
                whole.broken, chunked.broken,
                "broken state differs with chunking"
            );
        }
    }
}

/// Target `roundtrip`: a datagram that parses (default or lenient
/// configuration) serializes to bytes that parse, under the default
/// configuration, to the same message ([`check_roundtrip`]).
pub fn roundtrip(data: &[u8]) {
    for cfg in configs() {
        if let Ok(m) = parse::parse_message_with(data, &cfg) {
            if let Err(why) = check_roundtrip(&m) {
                panic!("round trip failed: {why}");
            }
        }
    }
}

/// `m` without its Content-Length lines: the serializer writes one computed
/// Content-Length after the other headers, so that is the one difference a
/// round trip may introduce.
pub fn without_content_length(m: &Message) -> Message {
    let mut m = m.clone();
    m.headers_mut().remove(&HeaderName::ContentLength);
    m
}

/// Serializes `m`, parses the result as a datagram and as a stream, and
/// checks both give `m` back (up to the position of Content-Length), that
/// the Content-Length written equals the body length, and that serializing
/// again gives the same bytes.
pub fn check_roundtrip(m: &Message) -> Result<(), String> {
    let b1 = m.to_bytes();
    let shown = || String::from_utf8_lossy(&b1).into_owned();
    let m2 = parse::parse_message(&b1)
        .map_err(|e| format!("serialized form does not parse: {e}\n{}", shown()))?;
    if without_content_length(&m2) != without_content_length(m) {
        return Err(format!(
            "reparsed message differs\nfirst:  {m:?}\nsecond: {m2:?}"
        ));
    }
    let lens: Vec<&str> = m2.headers().get_all(&HeaderName::ContentLength).collect();
    if lens != [m2.body().len().to_string().as_str()] {
        return Err(format!(
            "Content-Length {lens:?} for a body of {} bytes",
            m2.body().len()
        ));
    }
    let b2 = m2.to_bytes();
    if b2 != b1 {
        return Err(format!(
            "serialization is not stable\nfirst:  {}\nsecond: {}",
            shown(),
            String::from_utf8_lossy(&b2)
        ));
    }
    let mut sp = StreamParser::new(ParserConfig::default());
    sp.push(&b1);
    match sp.next_item() {
        Some(Ok(StreamItem::Message(m3))) if m3 == m2 => {}
        other => {
            return Err(format!(
                "stream parse of the serialized form gave {other:?}"
            ))
        }
    }
    if sp.next_item().is_some() || sp.buffered() != 0 {
        return Err("stream parse left bytes or items behind".into());
    }
    Ok(())
}

fn check_owned(m: &Message) {
    for h in m.headers() {
        assert!(
            !h.value.contains(['\r', '\n']),
            "header {} holds a line break: {:?}",
            h.name,
            h.value
        );
    }
    if let Message::Response(r) = m {
        assert!(
            !r.reason.contains(['\r', '\n']),
            "reason phrase holds a line break"
        );
    }
    let _ = m.to_bytes();
}

fn check_error(e: &ParseError, input_len: usize) {
    assert!(
        e.offset <= input_len,
        "error offset {} beyond input of {input_len}",
        e.offset
    );
    assert!(!e.to_string().is_empty());
    let reason = e.reason_phrase();
    assert!(
        !reason.contains(['\r', '\n']),
        "reason phrase holds a line break: {reason:?}"
    );
    let _ = e.response_status();
    if let Some(p) = &e.partial {
        let _ = p.can_respond();
        for h in &p.headers {
            assert!(
                !h.value.contains(['\r', '\n']),
                "partial {} holds a line break",
                h.name
            );
        }
    }
}

struct StreamOutcome {
    /// Messages and errors, keep-alives left out.
    messages: Vec<Result<Message, ParseError>>,
    broken: bool,
}

fn run_stream(cfg: &ParserConfig, data: &[u8], sizes: &[usize]) -> StreamOutcome {
    let mut p = StreamParser::new(cfg.clone());
    let mut out = StreamOutcome {
        messages: Vec::new(),
        broken: false,
    };
    let mut items = 0usize;
    let mut at = 0;
    let mut sizes = sizes.iter().copied().cycle();
    while at < data.len() {
        let n = sizes.next().unwrap_or(1).clamp(1, data.len() - at);
        p.push(&data[at..at + n]);
        at += n;
        while let Some(item) = p.next_item() {
            items += 1;
            assert!(
                items <= data.len() + 1,
                "stream parser yields items without consuming bytes"
            );
            match item {
                Ok(StreamItem::Message(m)) => {
                    check_owned(&m);
                    out.messages.push(Ok(m));
                }
                Ok(_) => {}
                Err(mut e) => {
                    check_error(&e, data.len());
                    // Offsets count from the start of the current item, and
                    // where an item starts depends on how a lone CRLF was
                    // read (pong, or padding before a message); compare
                    // errors without them.
                    e.offset = 0;
                    out.messages.push(Err(e));
                }
            }
        }
    }
    out.broken = p.is_broken();
    out
}

fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Chunk sizes in `1..=max` covering `len` bytes (splitmix64).
fn chunk_sizes(mut seed: u64, len: usize, max: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut total = 0;
    while total < len {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let n = (z % max as u64) as usize + 1;
        out.push(n);
        total += n;
    }
    out
}
