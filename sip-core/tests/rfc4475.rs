//! RFC 4475 conformance: the 49 torture messages of RFC 4475 §3, twice.
//!
//! * `shared::*` reads the RFC's own octets from `$SIP_RFC4475_DIR`
//!   (default `<workspace>/../shared/conformance/rfc4475`); they are never
//!   copied into this repository. When the directory is absent the tests
//!   say so on stderr and pass.
//! * `own::*` reads the project's own messages in `tests/torture/`, written
//!   for this suite from the descriptions of RFC 4475 (same verdicts, same
//!   properties, different text), and snapshots their parsed form.
//!
//! Both sets go through the same assertions: valid messages parse and
//! round-trip; semantically bad ones parse and the check RFC 4475 expects
//! fires; invalid ones are rejected with the expected [`ParseErrorKind`]
//! and, for requests, enough of the request is kept to answer 400.

mod common;

use common::{looks_like_request, raw_header_names, stream, Entry, Verdict};
use sip_core::fuzzing::check_roundtrip;
use sip_core::header::{Authorization, Via, ViaTransport};
use sip_core::parse::{self, validate, ParseError, ParseErrorKind as K, ParserConfig, StartLine};
use sip_core::transport::Transport;
use sip_core::uri::{Host, SipUri, Uri};
use sip_core::{HeaderName, Message, Method, NameAddr, Request};
use std::fmt::Write as _;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    Own,
    Shared,
}

struct Case {
    entry: Entry,
    bytes: Vec<u8>,
}

fn load(src: Source, name: &str) -> Option<Case> {
    let dir: PathBuf = match src {
        Source::Own => common::own_torture_dir(),
        Source::Shared => common::shared_rfc4475_dir()?,
    };
    let entry = common::read_manifest(&dir)
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("{name} is not in {}/MANIFEST.tsv", dir.display()));
    let bytes =
        std::fs::read(dir.join(&entry.file)).unwrap_or_else(|e| panic!("{}: {e}", entry.file));
    Some(Case { entry, bytes })
}

macro_rules! torture_cases {
    ($($name:ident),* $(,)?) => {
        /// Every case name, in RFC order.
        const ALL: &[&str] = &[$(stringify!($name)),*];
        mod own {
            $(#[test] fn $name() { super::run(super::Source::Own, stringify!($name)); })*
        }
        mod shared {
            $(#[test] fn $name() { super::run(super::Source::Shared, stringify!($name)); })*
        }
    };
}

torture_cases! {
    wsinv, intmeth, esc01, escnull, esc02, lwsdisp, longreq, dblreq, semiuri, transports, mpart01,
    unreason, noreason,
    badinv01, clerr, ncl, scalar02, scalarlg, quotbal, ltgtruri, lwsruri, lwsstart, trws, escruri,
    baddate, regbadct, badaspec, baddn, badvers, mismatch01, mismatch02, bigcode,
    badbranch, insuf, unkscm, novelsc, unksm2, bext01, invut, regaut01, multi01, mcl01, bcast,
    zeromf, cparam01, cparam02, regescrt, sdp01, inv2543,
}

fn manifest_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = common::read_manifest(dir)
        .into_iter()
        .map(|e| e.name)
        .collect();
    v.sort();
    v
}

#[test]
fn own_manifest_lists_every_case_once() {
    let mut all: Vec<String> = ALL.iter().map(|s| s.to_string()).collect();
    all.sort();
    assert_eq!(ALL.len(), 49);
    assert_eq!(manifest_names(&common::own_torture_dir()), all);
}

#[test]
fn shared_manifest_matches_own_verdicts() {
    let Some(dir) = common::shared_rfc4475_dir() else {
        return;
    };
    let mut all: Vec<String> = ALL.iter().map(|s| s.to_string()).collect();
    all.sort();
    assert_eq!(manifest_names(&dir), all);
    let own = common::read_manifest(&common::own_torture_dir());
    for e in common::read_manifest(&dir) {
        let o = own.iter().find(|o| o.name == e.name).unwrap();
        assert_eq!(
            (o.verdict, &o.section),
            (e.verdict, &e.section),
            "{}",
            e.name
        );
    }
}

#[test]
fn own_messages_use_crlf() {
    for e in common::read_manifest(&common::own_torture_dir()) {
        let b = std::fs::read(common::own_torture_dir().join(&e.file)).unwrap();
        let head_end = b
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("no blank line")
            + 4;
        for (i, &c) in b[..head_end].iter().enumerate() {
            if c == b'\n' {
                assert_eq!(
                    b[i - 1],
                    b'\r',
                    "{}: bare LF in the header block at {i}",
                    e.file
                );
            }
        }
    }
}

// ------------------------------------------------------------------ driver

fn run(src: Source, name: &str) {
    let Some(case) = load(src, name) else { return };
    let ctx = format!("{src:?} {name} (RFC 4475 §{})", case.entry.section);
    // The conformance checks and the snapshot are independent: a snapshot
    // records what the parser does even while a check fails, and a check
    // failure is reported first.
    let checks = catch_unwind(AssertUnwindSafe(|| match case.entry.verdict {
        Verdict::Valid | Verdict::SemanticallyBad => {
            let m = accepts_and_roundtrips(&case, &ctx);
            semantic_checks(name, &case.bytes, &m, &ctx);
        }
        Verdict::Invalid => rejects(name, &case.bytes, &ctx),
        Verdict::TransportInvalid => transport_invalid(&case.bytes, &ctx),
    }));
    let snapshot = catch_unwind(AssertUnwindSafe(|| {
        if src == Source::Own {
            insta::assert_snapshot!(name, render(&case.bytes));
        }
    }));
    if let Err(p) = checks {
        resume_unwind(p);
    }
    if let Err(p) = snapshot {
        resume_unwind(p);
    }
}

fn accepts_and_roundtrips(case: &Case, ctx: &str) -> Message {
    let bytes = &case.bytes;
    let cfg = ParserConfig::default();
    let view = parse::parse_datagram(bytes, &cfg)
        .unwrap_or_else(|e| panic!("{ctx}: datagram rejected: {e}"));
    let m = view
        .to_message()
        .unwrap_or_else(|e| panic!("{ctx}: owned conversion rejected: {e} ({:?})", e.kind));
    assert_eq!(
        parse::parse_message(bytes).as_ref(),
        Ok(&m),
        "{ctx}: parse_message differs"
    );
    if let Err(why) = check_roundtrip(&m) {
        panic!("{ctx}: {why}");
    }
    // Leniencies only relax: a message valid under the default
    // configuration parses the same with all of them on.
    match parse::parse_message_with(bytes, &ParserConfig::lenient()) {
        Ok(l) => assert_eq!(l, m, "{ctx}: lenient configuration reads it differently"),
        Err(e) => panic!("{ctx}: lenient configuration rejects a valid message: {e}"),
    }
    // Same message on a stream, whatever the chunking (a stream needs
    // Content-Length, RFC 3261 §18.3).
    if m.headers().contains(&HeaderName::ContentLength) {
        // Trailing octets of a datagram (dblreq) are the next message on a
        // stream; only the first message is compared then.
        let exact = view.len == bytes.len();
        for chunk in [1, 7, 64, bytes.len()] {
            let s = stream(&cfg, bytes, chunk);
            match s.messages().first() {
                Some(Ok(sm)) => assert_eq!(sm, &m, "{ctx}: stream (chunks of {chunk}) differs"),
                other => panic!("{ctx}: stream (chunks of {chunk}) gave {other:?}"),
            }
            if exact {
                assert!(
                    !s.broken && s.buffered == 0,
                    "{ctx}: stream broken or left bytes"
                );
                assert_eq!(s.messages().len(), 1, "{ctx}: one message on the stream");
            }
        }
    }
    m
}

struct Expect {
    kind: fn(&K) -> bool,
    what: &'static str,
    /// The header the error names, one of these (empty: not checked).
    headers: Vec<HeaderName>,
    /// RFC 4475 allows a lenient element to accept it and
    /// [`ParserConfig::lenient`] has the flag.
    lenient_accepts: bool,
    /// Framing is lost: a stream parser must give up.
    breaks_stream: bool,
    /// The header block is intact: a stream parser reports the error and
    /// goes on.
    stream_survives: bool,
}

fn expect_error(name: &str) -> Expect {
    use HeaderName as H;
    let e = |kind: fn(&K) -> bool, what, headers: Vec<HeaderName>| Expect {
        kind,
        what,
        headers,
        lenient_accepts: false,
        breaks_stream: false,
        stream_survives: true,
    };
    let start_line = |lenient| Expect {
        kind: |k| matches!(k, K::StartLine(_)),
        what: "StartLine",
        headers: vec![],
        lenient_accepts: lenient,
        breaks_stream: false,
        stream_survives: false,
    };
    let framing = || Expect {
        kind: |k| matches!(k, K::ContentLength),
        what: "ContentLength",
        headers: vec![H::ContentLength],
        lenient_accepts: false,
        breaks_stream: true,
        stream_survives: false,
    };
    let header = |hs| e(|k| matches!(k, K::Header(_)), "Header", hs);
    match name {
        "badinv01" => header(vec![H::Via, H::Contact]),
        "ncl" | "mcl01" => framing(),
        "scalar02" | "scalarlg" => header(vec![H::CSeq]),
        "quotbal" | "badaspec" => header(vec![H::To]),
        "regbadct" => header(vec![H::Contact]),
        "baddn" => header(vec![H::From, H::To]),
        "ltgtruri" | "lwsstart" | "trws" => start_line(true),
        "lwsruri" => start_line(false),
        "escruri" => e(
            |k| matches!(k, K::RequestUriHeaders),
            "RequestUriHeaders",
            vec![],
        ),
        "baddate" => e(|k| matches!(k, K::Date), "Date", vec![H::Date]),
        "badvers" => Expect {
            stream_survives: false,
            ..e(|k| matches!(k, K::Version), "Version", vec![])
        },
        "mismatch01" | "mismatch02" => e(
            |k| matches!(k, K::CSeqMethodMismatch),
            "CSeqMethodMismatch",
            vec![H::CSeq],
        ),
        "bigcode" => Expect {
            stream_survives: false,
            ..e(|k| matches!(k, K::StatusCode), "StatusCode", vec![])
        },
        "multi01" => e(
            |k| matches!(k, K::DuplicateHeader(_)),
            "DuplicateHeader",
            vec![H::From, H::To, H::CallId, H::CSeq, H::MaxForwards],
        ),
        other => panic!("no error expectation for {other}"),
    }
}

fn owned(bytes: &[u8], cfg: &ParserConfig) -> Result<Message, ParseError> {
    parse::parse_datagram(bytes, cfg)?.to_message()
}

fn rejects(name: &str, bytes: &[u8], ctx: &str) {
    let exp = expect_error(name);
    let cfg = ParserConfig::default();
    let err = match owned(bytes, &cfg) {
        Ok(m) => panic!(
            "{ctx}: accepted, expected {} error; parsed as\n{m}",
            exp.what
        ),
        Err(e) => e,
    };
    assert!(
        (exp.kind)(&err.kind),
        "{ctx}: expected {} error, got {:?} ({err})",
        exp.what,
        err.kind
    );
    if !exp.headers.is_empty() {
        assert!(
            err.header.as_ref().is_some_and(|h| exp.headers.contains(h)),
            "{ctx}: error should name one of {:?}, names {:?}",
            exp.headers,
            err.header
        );
    }
    let shown = err.to_string();
    assert!(!shown.is_empty() && !err.reason_phrase().contains(['\r', '\n']));
    if name == "badvers" {
        assert_eq!(
            err.response_status().as_u16(),
            505,
            "{ctx}: RFC 4475 §3.1.2.16 expects 505"
        );
    } else if looks_like_request(bytes) {
        assert_eq!(err.response_status().as_u16(), 400, "{ctx}");
    }
    if looks_like_request(bytes) {
        // RFC 3261 §8.2.6: a response copies Via, From, To, Call-ID and
        // CSeq; keep whichever the request had.
        let p = err.partial.as_ref().unwrap_or_else(|| {
            panic!("{ctx}: request rejected ({shown}) without its partial fields")
        });
        let method = bytes.split(|&b| b == b' ').next().unwrap();
        assert_eq!(
            p.method.as_ref().map(|m| m.as_str().as_bytes()),
            Some(method),
            "{ctx}: partial method"
        );
        let present = raw_header_names(bytes);
        for h in [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
        ] {
            if present.contains(&h) {
                assert!(p.headers.contains(&h), "{ctx}: partial request lacks {h}");
            }
        }
        assert!(p.can_respond(), "{ctx}: partial request cannot be answered");
    } else {
        assert!(err.partial.is_none(), "{ctx}: partial fields on a response");
    }
    // Leniency.
    let lenient = owned(bytes, &ParserConfig::lenient());
    if exp.lenient_accepts {
        let m = lenient.unwrap_or_else(|e| {
            panic!("{ctx}: RFC 4475 allows lenient acceptance; lenient config rejects: {e}")
        });
        // What a lenient parser accepted must serialize strictly valid.
        if let Err(why) = check_roundtrip(&m) {
            panic!("{ctx}: leniently parsed message does not round-trip: {why}");
        }
        if let Message::Request(r) = &m {
            assert!(
                matches!(r.uri, Uri::Sip(_)),
                "{ctx}: lenient Request-URI {:?}",
                r.uri
            );
        }
    }
    // Streams.
    let s = stream(&cfg, bytes, 13);
    if exp.breaks_stream {
        assert!(s.broken, "{ctx}: framing error must break the stream");
        assert!(
            matches!(s.messages().first(), Some(Err(e)) if (exp.kind)(&e.kind)),
            "{ctx}: stream gave {:?}",
            s.items
        );
    } else if exp.stream_survives && raw_header_names(bytes).contains(&HeaderName::ContentLength) {
        assert!(
            !s.broken,
            "{ctx}: a content error must not break the stream"
        );
        assert!(
            matches!(s.messages().first(), Some(Err(e)) if (exp.kind)(&e.kind)),
            "{ctx}: stream gave {:?}",
            s.items
        );
    }
}

fn transport_invalid(bytes: &[u8], ctx: &str) {
    let cfg = ParserConfig::default();
    let head = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let err = parse::parse_datagram(bytes, &cfg).expect_err("short body accepted as a datagram");
    match err.kind {
        K::BodyTooShort {
            declared,
            available,
        } => {
            assert!(declared > available, "{ctx}");
            assert_eq!(available, bytes.len() - head, "{ctx}: available body bytes");
        }
        ref k => panic!("{ctx}: expected BodyTooShort, got {k:?}"),
    }
    let p = err.partial.as_ref().expect("partial request for a 400");
    assert!(p.can_respond(), "{ctx}: partial {p:?}");
    assert_eq!(err.response_status().as_u16(), 400);
    // On a stream the message is merely incomplete.
    for chunk in [1, 10, bytes.len()] {
        let s = stream(&cfg, bytes, chunk);
        assert!(s.items.is_empty(), "{ctx}: stream produced {:?}", s.items);
        assert!(!s.broken, "{ctx}: stream broken");
        assert_eq!(
            s.buffered,
            bytes.len(),
            "{ctx}: stream must keep the bytes and wait"
        );
    }
}

#[path = "rfc4475/semantics.rs"]
mod semantics;
use semantics::semantic_checks;

// --------------------------------------------------------------- snapshots

/// A stable rendering of what the parser makes of `bytes`: the view, the
/// owned message (or the error with its partial request), the canonical
/// wire form, and the lenient configuration's verdict.
fn render(bytes: &[u8]) -> String {
    let mut s = String::new();
    let cfg = ParserConfig::default();
    match parse::parse_datagram(bytes, &cfg) {
        Err(e) => {
            writeln!(s, "datagram: rejected").unwrap();
            render_error(&mut s, &e);
        }
        Ok(view) => {
            writeln!(
                s,
                "datagram: {} of {} bytes used, {} header lines, body {} bytes",
                view.len,
                bytes.len(),
                view.headers.len(),
                view.body.len()
            )
            .unwrap();
            match view.start {
                StartLine::Request { method, uri } => {
                    writeln!(s, "start: request {method:?} {uri:?}")
                }
                StartLine::Response { code, reason } => {
                    writeln!(s, "start: response {code} {reason:?}")
                }
            }
            .unwrap();
            writeln!(s, "transaction fields: {:#?}", view.transaction_fields()).unwrap();
            match view.to_message() {
                Err(e) => {
                    writeln!(s, "owned: rejected").unwrap();
                    render_error(&mut s, &e);
                }
                Ok(m) => render_message(&mut s, &m),
            }
        }
    }
    match owned(bytes, &ParserConfig::lenient()) {
        Ok(_) => writeln!(s, "lenient: accepted"),
        Err(e) => writeln!(s, "lenient: rejected ({:?})", e.kind),
    }
    .unwrap();
    s
}

fn render_error(s: &mut String, e: &ParseError) {
    writeln!(s, "error: {e}").unwrap();
    writeln!(s, "kind: {:?}", e.kind).unwrap();
    writeln!(
        s,
        "status: {} {}",
        e.response_status().as_u16(),
        e.reason_phrase()
    )
    .unwrap();
    match &e.partial {
        None => writeln!(s, "partial: none").unwrap(),
        Some(p) => {
            writeln!(
                s,
                "partial: method {:?}, can respond: {}",
                p.method,
                p.can_respond()
            )
            .unwrap();
            for h in &p.headers {
                writeln!(s, "  {}: {:?}", h.name, h.value).unwrap();
            }
        }
    }
}

fn render_message(s: &mut String, m: &Message) {
    match m {
        Message::Request(r) => {
            writeln!(s, "request: {:?}", r.method).unwrap();
            writeln!(s, "uri: {:#?}", r.uri).unwrap();
        }
        Message::Response(r) => {
            writeln!(s, "response: {} {:?}", r.status.as_u16(), r.reason).unwrap()
        }
    }
    writeln!(s, "headers:").unwrap();
    for h in m.headers() {
        let ext = if matches!(h.name, HeaderName::Other(_)) {
            " (extension)"
        } else {
            ""
        };
        writeln!(s, "  {}{ext}: {:?}", h.name, h.value).unwrap();
    }
    writeln!(s, "body: {} bytes", m.body().len()).unwrap();
    if !m.body().is_empty() {
        writeln!(s, "{}", common::escaped_lines(m.body())).unwrap();
    }
    let wire = m.to_bytes();
    let head = wire
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(wire.len(), |p| p + 2);
    writeln!(
        s,
        "serialized head:\n{}",
        common::escaped_lines(&wire[..head])
    )
    .unwrap();
}
