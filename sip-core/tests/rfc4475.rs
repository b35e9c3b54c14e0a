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

// ------------------------------------------------------------ semantics

fn req<'a>(m: &'a Message, ctx: &str) -> &'a Request {
    match m {
        Message::Request(r) => r,
        Message::Response(_) => panic!("{ctx}: expected a request"),
    }
}

fn sip(u: &Uri) -> &SipUri {
    match u {
        Uri::Sip(s) => s,
        other => panic!("expected a sip: URI, got {other:?}"),
    }
}

/// The library's %HEX decoding (RFC 3261 §19.1.2): exactly once.
fn unescape(s: &str) -> Vec<u8> {
    sip_core::uri::unescape(s).into_owned()
}

fn unescape_str(s: &str) -> String {
    String::from_utf8(unescape(s)).expect("unescaped text is UTF-8")
}

fn addrs(m: &Message, name: HeaderName, ctx: &str) -> Vec<NameAddr> {
    m.headers()
        .values(&name)
        .map(|v| NameAddr::parse(v).unwrap_or_else(|e| panic!("{ctx}: {name} {v:?}: {e}")))
        .collect()
}

fn one_addr(m: &Message, name: HeaderName, ctx: &str) -> NameAddr {
    let mut v = addrs(m, name.clone(), ctx);
    assert_eq!(v.len(), 1, "{ctx}: one {name} expected");
    v.remove(0)
}

/// The transport token and sent-by host of a Via value
/// (`SIP / 2.0 / UDP host:port;params`).
fn via_parts(v: &str) -> (String, String) {
    let mut parts = v.splitn(3, '/');
    let _ = (parts.next(), parts.next());
    let rest = parts.next().unwrap_or("").trim_start();
    let (transport, rest) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    let sent_by = rest.trim_start().split(';').next().unwrap_or("").trim();
    let host = if let Some(r) = sent_by.strip_prefix('[') {
        r.split(']').next().unwrap_or("").to_owned()
    } else {
        sent_by.split(':').next().unwrap_or("").to_owned()
    };
    (transport.to_owned(), host)
}

fn semantic_checks(name: &str, bytes: &[u8], m: &Message, ctx: &str) {
    use HeaderName as H;
    let h = m.headers();
    match name {
        "wsinv" => {
            let r = req(m, ctx);
            assert_eq!(r.method, Method::Invite);
            assert_eq!(h.values(&H::Via).count(), 3, "{ctx}: three Via values");
            assert!(
                h.values(&H::Via).all(|v| via_parts(v).1.len() > 3),
                "{ctx}: Via sent-by"
            );
            let cseq: Vec<&str> = h.get(&H::CSeq).unwrap().split_whitespace().collect();
            assert_eq!(cseq.len(), 2, "{ctx}: CSeq unfolds to 'number method'");
            assert!(
                cseq[0].starts_with("000") && cseq[1] == "INVITE",
                "{ctx}: CSeq {cseq:?}"
            );
            assert!(
                h.get(&H::MaxForwards).unwrap().starts_with("00"),
                "{ctx}: leading zeros kept"
            );
            assert_eq!(h.get(&H::Subject), Some(""), "{ctx}: empty Subject");
            let from = one_addr(m, H::From, ctx);
            let dn = from.display_name.expect("From display name");
            assert!(
                dn.contains('"') && dn.contains('\\'),
                "{ctx}: escaped quote and backslash in {dn:?}"
            );
            assert!(
                from.params.get("tag").is_some_and(|t| !t.is_empty()),
                "{ctx}: From tag across folds"
            );
            assert!(
                one_addr(m, H::To, ctx).params.contains("tag"),
                "{ctx}: To tag"
            );
            let contact = one_addr(m, H::Contact, ctx);
            assert_eq!(
                contact.params.len(),
                3,
                "{ctx}: Contact params {:?}",
                contact.params
            );
            assert!(h
                .iter()
                .any(|x| matches!(x.name, H::Other(_)) && x.value.starts_with(';')));
            assert!(
                h.iter().any(|x| matches!(x.name, H::Other(_))
                    && !x.value.contains(['\r', '\n'])
                    && x.value.split(' ').count() >= 4),
                "{ctx}: folded extension header unfolds to one line"
            );
        }
        "intmeth" => {
            let r = req(m, ctx);
            let Method::Extension(ref tok) = r.method else {
                panic!("{ctx}: extension method expected")
            };
            assert!(tok.contains('%'), "{ctx}: '%' kept verbatim in the method");
            assert!(
                h.get(&H::CSeq).unwrap().ends_with(&**tok),
                "{ctx}: CSeq method"
            );
            let u = sip(&r.uri);
            assert!(
                u.user.as_deref().is_some_and(|x| x.contains(";;*")),
                "{ctx}: user {:?}",
                u.user
            );
            assert!(u.password.is_some(), "{ctx}: password");
            assert!(
                h.get(&H::CallId).unwrap().contains('%'),
                "{ctx}: '%' kept verbatim in Call-ID"
            );
            let to = one_addr(m, H::To, ctx);
            let dn = to.display_name.expect("To display name");
            assert!(
                dn.contains('\u{0}') && dn.contains('\u{7}') && dn.contains('\u{7f}'),
                "{ctx}: {dn:?}"
            );
            let from = one_addr(m, H::From, ctx);
            assert!(from
                .params
                .iter()
                .any(|p| p.value.as_deref().is_some_and(|v| !v.is_ascii())));
            assert!(h
                .iter()
                .any(|x| matches!(x.name, H::Other(_)) && !x.value.is_ascii()));
        }
        "esc01" => {
            let r = req(m, ctx);
            let user = unescape_str(sip(&r.uri).user.as_deref().expect("user"));
            assert!(
                user.starts_with("sips:") && user.contains('@'),
                "{ctx}: Request-URI user {user:?}"
            );
            let to = one_addr(m, H::To, ctx);
            let to_user = unescape_str(sip(&to.uri).user.as_deref().unwrap());
            assert!(
                to_user.bytes().all(|b| b.is_ascii_alphabetic()),
                "{ctx}: To user {to_user:?}"
            );
            let from = one_addr(m, H::From, ctx);
            assert!(unescape_str(sip(&from.uri).user.as_deref().unwrap()).contains(' '));
            let contact = one_addr(m, H::Contact, ctx);
            let c = sip(&contact.uri);
            let names: Vec<String> = c.params.iter().map(|p| unescape_str(&p.name)).collect();
            assert!(
                names.iter().any(|n| n == "lr"),
                "{ctx}: escaped lr param, got {names:?}"
            );
            let p = c
                .params
                .iter()
                .find(|p| unescape_str(&p.name) == "name")
                .expect("name param");
            assert_eq!(
                unescape_str(p.value.as_deref().unwrap()),
                "value%41",
                "{ctx}: unescape exactly once"
            );
        }
        "escnull" => {
            let to = one_addr(m, H::To, ctx);
            let u = unescape(sip(&to.uri).user.as_deref().unwrap());
            let nul = u.iter().position(|&b| b == 0).expect("escaped NUL");
            assert!(
                nul > 0 && nul + 1 < u.len(),
                "{ctx}: unescaping must not truncate at NUL"
            );
            let contacts = addrs(m, H::Contact, ctx);
            assert_eq!(contacts.len(), 2);
            let users: Vec<Vec<u8>> = contacts
                .iter()
                .map(|c| unescape(sip(&c.uri).user.as_deref().unwrap()))
                .collect();
            assert_eq!(users, vec![vec![0u8], vec![0u8, 0]], "{ctx}");
            assert_ne!(
                contacts[0].uri, contacts[1].uri,
                "{ctx}: the two Contacts are distinct"
            );
        }
        "esc02" => {
            let r = req(m, ctx);
            assert_eq!(r.method.as_str(), "RE%47IST%45R");
            assert_ne!(r.method, Method::Register, "{ctx}: not REGISTER");
            assert!(matches!(r.method, Method::Extension(_)));
            let ext = HeaderName::parse("C%6Fntact");
            assert!(matches!(ext, H::Other(_)));
            assert_eq!(
                h.count(&ext),
                1,
                "{ctx}: C%6Fntact kept as an extension header"
            );
            assert_eq!(
                h.values(&H::Contact).count(),
                2,
                "{ctx}: only two real Contacts"
            );
            for a in [one_addr(m, H::To, ctx), one_addr(m, H::From, ctx)] {
                assert_eq!(a.display_name.as_deref(), Some("%Z%45"), "{ctx}");
            }
        }
        "lwsdisp" => {
            let from = one_addr(m, H::From, ctx);
            let dn = from.display_name.expect("display name before '<'");
            assert!(
                !dn.is_empty() && dn.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{ctx}: {dn:?}"
            );
            assert!(from.params.contains("tag"));
        }
        "longreq" => {
            assert_eq!(
                h.values(&H::Via).count(),
                34,
                "{ctx}: 34 Via values under every spelling"
            );
            let to = one_addr(m, H::To, ctx);
            assert!(
                to.display_name.as_deref().is_some_and(|d| d.len() > 80),
                "{ctx}"
            );
            assert!(sip(&to.uri).params.len() >= 2);
            assert!(h.get(&H::CallId).unwrap().len() > 100);
            assert!(h
                .iter()
                .any(|x| matches!(x.name, H::Other(_)) && x.name.as_str().len() > 80));
            assert!(one_addr(m, H::From, ctx)
                .params
                .get("tag")
                .is_some_and(|t| t.len() > 50));
        }
        "dblreq" => {
            let r = req(m, ctx);
            assert_eq!(r.method, Method::Register, "{ctx}: only the REGISTER");
            assert!(r.body.is_empty());
            let v = parse::parse_datagram(bytes, &ParserConfig::default()).unwrap();
            assert!(v.len < bytes.len(), "{ctx}: trailing octets discarded");
            assert!(bytes[v.len..].windows(6).any(|w| w == b"INVITE"));
        }
        "semiuri" => {
            let u = sip(&req(m, ctx).uri);
            assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"), "{ctx}");
            assert_eq!(
                unescape_str(u.user.as_deref().unwrap()),
                "user;par=u@example.net"
            );
            assert!(
                !u.params.contains("par"),
                "{ctx}: ';par' belongs to the user part"
            );
            assert_eq!(h.values(&H::Accept).count(), 6, "{ctx}: folded Accept");
        }
        "transports" => {
            let vias: Vec<Via> = h
                .typed_all::<Via>()
                .map(|v| v.expect("Via parses"))
                .collect();
            let t: Vec<Option<Transport>> = vias.iter().map(|v| v.transport.known()).collect();
            assert_eq!(
                t,
                [
                    Some(Transport::Udp),
                    Some(Transport::Sctp),
                    Some(Transport::Tls),
                    None,
                    Some(Transport::Tcp)
                ],
                "{ctx}"
            );
            assert!(matches!(vias[3].transport, ViaTransport::Other(ref o) if !o.is_empty()));
            assert!(vias
                .iter()
                .all(|v| v.protocol.is_sip_2_0() && v.has_rfc3261_branch()));
        }
        "mpart01" => {
            let body = m.body();
            assert_eq!(body.len(), 553, "{ctx}: framed by Content-Length");
            assert!(body.contains(&0), "{ctx}: binary part kept");
            assert!(
                body.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n'),
                "{ctx}: lone CR kept"
            );
            assert!(
                body.ends_with(b"--\r\n") || body.ends_with(b"--"),
                "{ctx}: closing boundary"
            );
            assert_eq!(
                validate::content_type(h).as_deref(),
                Some("multipart/mixed")
            );
        }
        "unreason" => {
            let Message::Response(r) = m else {
                panic!("{ctx}: response")
            };
            assert_eq!(r.status.as_u16(), 200);
            assert!(
                !r.reason.is_ascii() && r.reason.contains('*'),
                "{ctx}: {:?}",
                r.reason
            );
        }
        "noreason" => {
            let Message::Response(r) = m else {
                panic!("{ctx}: response")
            };
            assert_eq!((r.status.as_u16(), r.reason.as_str()), (100, ""), "{ctx}");
        }
        "cparam01" | "cparam02" => {
            let c = one_addr(m, H::Contact, ctx);
            let in_uri = sip(&c.uri).params.contains("unknownparam");
            let in_header = c.params.contains("unknownparam");
            if name == "cparam01" {
                assert!(
                    in_header && !in_uri,
                    "{ctx}: without <> the parameter is a contact parameter"
                );
            } else {
                assert!(
                    in_uri && !in_header,
                    "{ctx}: inside <> the parameter is a URI parameter"
                );
            }
        }
        "regescrt" => {
            let c = one_addr(m, H::Contact, ctx);
            let u = sip(&c.uri);
            assert_eq!(u.headers.len(), 1, "{ctx}: URI header kept");
            assert!(u.headers[0].0.eq_ignore_ascii_case("Route"));
            let route = unescape_str(&u.headers[0].1);
            assert!(
                route.starts_with("<sip:") && route.ends_with('>'),
                "{ctx}: {route:?}"
            );
        }
        "inv2543" => {
            let r = req(m, ctx);
            let head = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            assert_eq!(
                r.body,
                &bytes[head..],
                "{ctx}: body is the rest of the datagram"
            );
            assert!(!h.contains(&H::ContentLength));
            assert!(validate::lacks_max_forwards(r));
            let v = parse::parse_datagram(bytes, &ParserConfig::default()).unwrap();
            let f = v.transaction_fields().expect("transaction fields");
            assert_eq!(
                (f.branch, f.from_tag),
                (None, None),
                "{ctx}: RFC 2543 style"
            );
            // A stream cannot frame it without Content-Length.
            let s = stream(&ParserConfig::default(), bytes, bytes.len());
            assert!(
                matches!(s.messages().first(), Some(Err(e)) if e.kind == K::MissingContentLength)
            );
        }
        // --- valid but semantically bad (RFC 4475 §3.2, §3.3)
        "badbranch" => {
            let v = parse::parse_datagram(bytes, &ParserConfig::default()).unwrap();
            let f = v.transaction_fields().expect("transaction fields");
            assert_eq!(f.branch, Some("z9hG4bK"), "{ctx}: the bare magic cookie");
        }
        "insuf" => {
            let r = req(m, ctx);
            assert_eq!(
                validate::missing_mandatory(r).as_slice(),
                [H::From, H::To, H::CallId],
                "{ctx}"
            );
            assert!(validate::lacks_max_forwards(r));
            let v = parse::parse_datagram(bytes, &ParserConfig::default()).unwrap();
            assert!(v.transaction_fields().is_none());
            let mut fixed = r.clone();
            fixed.headers.push(H::From, "<sip:a@example.com>;tag=1");
            fixed.headers.push(H::To, "<sip:b@example.com>");
            fixed.headers.push(H::CallId, "x");
            assert!(validate::missing_mandatory(&fixed).is_empty(), "control");
        }
        "unkscm" | "novelsc" => {
            let r = req(m, ctx);
            assert!(matches!(r.uri, Uri::Other(_)), "{ctx}: {:?}", r.uri);
            assert!(
                !validate::supported_uri_scheme(&r.uri),
                "{ctx}: 416 expected"
            );
            if let Uri::Other(o) = &r.uri {
                let expected = if name == "novelsc" { "soap.beep" } else { "" };
                assert!(
                    expected.is_empty() || o.scheme == expected,
                    "{ctx}: scheme {:?}",
                    o.scheme
                );
            }
            let to = one_addr(m, H::To, ctx);
            assert!(validate::supported_uri_scheme(&to.uri), "control");
        }
        "unksm2" => {
            for n in [H::To, H::From, H::Contact] {
                let a = one_addr(m, n.clone(), ctx);
                assert!(matches!(a.uri, Uri::Other(_)), "{ctx}: {n} {:?}", a.uri);
                assert!(
                    !validate::supported_uri_scheme(&a.uri),
                    "{ctx}: {n} scheme is not SIP"
                );
            }
            assert!(
                validate::supported_uri_scheme(&req(m, ctx).uri),
                "control: Request-URI is sip:"
            );
        }
        "bext01" => {
            let r = req(m, ctx);
            let unsupported = validate::unsupported_requires(r, &["100rel", "timer", "path"]);
            assert_eq!(unsupported.len(), 2, "{ctx}: {unsupported:?}");
            assert_eq!(h.values(&H::ProxyRequire).count(), 2);
            let all: Vec<&str> = h.values(&H::Require).collect();
            assert!(
                validate::unsupported_requires(r, &all).is_empty(),
                "control"
            );
        }
        "invut" => {
            let r = req(m, ctx);
            assert!(
                !validate::body_type_understood(r, &["application/sdp", "text/plain"]),
                "{ctx}: 415"
            );
            let t = validate::content_type(h).unwrap();
            assert!(validate::body_type_understood(r, &[&t]), "control");
        }
        "regaut01" => {
            let r = req(m, ctx);
            assert_eq!(r.method, Method::Register);
            let auth = h
                .typed::<Authorization>()
                .expect("Authorization")
                .expect("well-formed Authorization");
            assert!(
                !auth.0.scheme.eq_ignore_ascii_case("Digest"),
                "{ctx}: unknown scheme {:?}",
                auth.0.scheme
            );
            assert!(!auth.0.scheme.is_empty());
        }
        "bcast" => {
            let Message::Response(_) = m else {
                panic!("{ctx}: response")
            };
            let vias: Vec<Via> = h
                .typed_all::<Via>()
                .map(|v| v.expect("Via parses"))
                .collect();
            assert_eq!(vias.len(), 2);
            let broadcast = |v: &Via| matches!(v.host, Host::Ipv4(a) if a.is_broadcast());
            assert!(!broadcast(&vias[0]), "control: the top Via is ours");
            assert!(
                broadcast(&vias[1]),
                "{ctx}: second Via sent-by {:?} is the broadcast address",
                vias[1].host
            );
            // The raw reader agrees.
            assert_eq!(
                via_parts(h.values(&H::Via).nth(1).unwrap()).1,
                "255.255.255.255"
            );
        }
        "zeromf" => {
            let r = req(m, ctx);
            assert!(
                validate::max_forwards_exhausted(r),
                "{ctx}: 483 for a proxy"
            );
            let mut control = r.clone();
            control.headers.set(H::MaxForwards, "70");
            assert!(!validate::max_forwards_exhausted(&control));
        }
        "sdp01" => {
            let r = req(m, ctx);
            assert_eq!(
                validate::content_type(h).as_deref(),
                Some("application/sdp")
            );
            assert!(
                !validate::accepts(r, "application/sdp"),
                "{ctx}: 406 expected"
            );
            let accepted = h.get(&H::Accept).unwrap().trim();
            assert!(validate::accepts(r, accepted), "control");
        }
        other => panic!("no semantic expectation for {other}"),
    }
}

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
