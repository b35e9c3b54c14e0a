//! Property tests of the message layer.
//!
//! * Generated owned messages (requests and responses, known and unknown
//!   headers, bodies of arbitrary bytes) satisfy
//!   `parse(serialize(m)) == m`.
//! * Written in any legal style (compact or long names in any case,
//!   whitespace before and after the colon, folded values), they parse to
//!   the same message.
//! * A stream of several messages and keep-alives, cut into arbitrary
//!   chunks, yields exactly those messages.
//! * Arbitrary bytes, SIP-like byte soup and mutations of valid messages
//!   (flips, truncations, insertions, deletions, duplications) never make
//!   the datagram parser, the owned conversion or the stream parser panic,
//!   and keep the invariants checked by `sip_core::fuzzing`.

use proptest::prelude::*;
use proptest::sample::Index;
use sip_core::fuzzing;
use sip_core::parse::{self, ParserConfig, StreamItem, StreamParser};
use sip_core::{HeaderName, Message, Method, Request, Response, StatusCode, Uri};
use std::net::{Ipv4Addr, Ipv6Addr};

// ------------------------------------------------------------ generators

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]{1,10}"
}

/// A token using the punctuation RFC 3261 §25.1 allows.
fn punct_token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9.!%*_+`'~-]{0,11}"
}

fn domain() -> impl Strategy<Value = String> {
    "([a-z][a-z0-9]{0,7}\\.){1,3}[a-z]{2,6}"
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => domain(),
        2 => any::<[u8; 4]>().prop_map(|a| Ipv4Addr::from(a).to_string()),
        1 => any::<[u16; 8]>().prop_map(|a| format!("[{}]", Ipv6Addr::from(a))),
    ]
}

fn user() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9._~-]{1,10}",
        1 => ("[a-z]{1,5}", "%[0-9A-F]{2}", "[a-z0-9]{0,4}").prop_map(|(a, b, c)| format!("{a}{b}{c}")),
        1 => "\\+[0-9]{6,12}",
    ]
}

fn uri_param() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(";lr".to_owned()),
        Just(";transport=tcp".to_owned()),
        Just(";user=phone".to_owned()),
        (token(), token()).prop_map(|(n, v)| format!(";x{n}={v}")),
        token().prop_map(|n| format!(";y{n}")),
    ]
}

fn sip_uri() -> impl Strategy<Value = String> {
    (
        prop_oneof![4 => Just("sip"), 1 => Just("sips")],
        proptest::option::of(user()),
        host(),
        proptest::option::of(1u16..),
        proptest::collection::vec(uri_param(), 0..3),
    )
        .prop_map(|(scheme, user, host, port, params)| {
            let user = user.map(|u| format!("{u}@")).unwrap_or_default();
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            format!("{scheme}:{user}{host}{port}{}", params.concat())
        })
}

fn request_uri() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => sip_uri(),
        1 => "\\+1-[0-9]{3}-[0-9]{3}-[0-9]{4}".prop_map(|n| format!("tel:{n}")),
    ]
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(vec![
            "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "SUBSCRIBE", "NOTIFY",
            "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
        ])
        .prop_map(str::to_owned),
        1 => "[A-Z][A-Z0-9]{2,9}",
    ]
}

/// Words separated by single spaces: text that folding can split and
/// unfolding gives back exactly.
fn text(max_words: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => "[!-~]{1,8}",
            1 => "[a-z\u{e0}-\u{ff}\u{3b1}-\u{3c9}]{1,6}",
        ],
        0..max_words,
    )
    .prop_map(|w| w.join(" "))
}

fn name_addr(with_tag: bool) -> impl Strategy<Value = String> {
    (
        prop_oneof![
            2 => Just(String::new()),
            1 => token().prop_map(|t| format!("{t} ")),
            1 => ("[A-Za-z]{1,8}", "[A-Za-z]{1,8}").prop_map(|(a, b)| format!("\"{a} {b}\" ")),
        ],
        sip_uri(),
        punct_token(),
    )
        .prop_map(move |(dn, uri, tag)| {
            let tag = if with_tag {
                format!(";tag={tag}")
            } else {
                String::new()
            };
            format!("{dn}<{uri}>{tag}")
        })
}

fn via() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(vec!["UDP", "TCP", "TLS", "SCTP", "WS"]),
        host(),
        proptest::option::of(1u16..),
        punct_token(),
        proptest::option::of(prop_oneof![
            Just(";rport".to_owned()),
            any::<[u8; 4]>().prop_map(|a| format!(";received={}", Ipv4Addr::from(a))),
        ]),
    )
        .prop_map(|(t, host, port, branch, extra)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "SIP/2.0/{t} {host}{port};branch=z9hG4bK{branch}{}",
                extra.unwrap_or_default()
            )
        })
}

/// Headers other than the ones every message carries.
fn extra_header() -> impl Strategy<Value = (HeaderName, String)> {
    prop_oneof![
        3 => ("X-[A-Za-z0-9-]{1,12}", text(5)).prop_map(|(n, v)| (HeaderName::parse(&n), v)),
        1 => text(6).prop_map(|v| (HeaderName::Subject, v)),
        1 => text(4).prop_map(|v| (HeaderName::UserAgent, v)),
        1 => proptest::collection::vec(token(), 1..4).prop_map(|v| (HeaderName::Supported, v.join(", "))),
        1 => name_addr(false).prop_map(|v| (HeaderName::Contact, v)),
        1 => sip_uri().prop_map(|u| (HeaderName::Route, format!("<{u};lr>"))),
        1 => (0u32..100_000).prop_map(|n| (HeaderName::Expires, n.to_string())),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        1 => proptest::collection::vec(any::<u8>(), 1..200),
        1 => text(20).prop_map(String::into_bytes),
    ]
}

/// What requests and responses share.
#[derive(Clone, Debug)]
struct Parts {
    vias: Vec<String>,
    from: String,
    to: String,
    call_id: String,
    cseq: u32,
    extra: Vec<(HeaderName, String)>,
    body: Vec<u8>,
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        proptest::collection::vec(via(), 1..3),
        name_addr(true),
        name_addr(false),
        (punct_token(), proptest::option::of(host())),
        any::<u32>(),
        proptest::collection::vec(extra_header(), 0..6),
        body(),
    )
        .prop_map(
            |(vias, from, to, (cid, cid_host), cseq, extra, body)| Parts {
                vias,
                from,
                to,
                call_id: call_id(&cid, cid_host),
                cseq,
                extra,
                body,
            },
        )
}

/// A request or response, Content-Length last and equal to the body size.
fn message() -> impl Strategy<Value = Message> {
    let req = (method(), request_uri(), 0u8..=255, parts()).prop_map(|(method, uri, mf, p)| {
        let mut r = Request::new(
            Method::from_token(&method),
            Uri::parse(&uri).expect("generated URI parses"),
        );
        for v in &p.vias {
            r.headers.push(HeaderName::Via, v.clone());
        }
        r.headers.push(HeaderName::MaxForwards, mf.to_string());
        r.headers.push(HeaderName::From, p.from.clone());
        r.headers.push(HeaderName::To, p.to.clone());
        r.headers.push(HeaderName::CallId, p.call_id.clone());
        r.headers
            .push(HeaderName::CSeq, format!("{} {method}", p.cseq));
        finish(Message::Request(r), p)
    });
    let resp = (100u16..=699, text(4), method(), parts()).prop_map(|(code, reason, method, p)| {
        let mut r = Response::new(StatusCode::new(code).expect("code in range"));
        r.reason = reason.into();
        for v in &p.vias {
            r.headers.push(HeaderName::Via, v.clone());
        }
        r.headers.push(HeaderName::From, p.from.clone());
        r.headers
            .push(HeaderName::To, format!("{};tag=r{}", p.to, p.cseq));
        r.headers.push(HeaderName::CallId, p.call_id.clone());
        r.headers
            .push(HeaderName::CSeq, format!("{} {method}", p.cseq));
        finish(Message::Response(r), p)
    });
    prop_oneof![3 => req, 2 => resp]
}

fn call_id(id: &str, host: Option<String>) -> String {
    match host {
        Some(h) => format!("{id}@{h}"),
        None => id.to_owned(),
    }
}

fn finish(mut m: Message, p: Parts) -> Message {
    let Parts { extra, body, .. } = p;
    let h = m.headers_mut();
    for (n, v) in extra {
        h.push(n, v);
    }
    if !body.is_empty() {
        h.push(HeaderName::ContentType, "application/octet-stream");
    }
    h.push(HeaderName::ContentLength, body.len().to_string());
    match &mut m {
        Message::Request(r) => r.body = body,
        Message::Response(r) => r.body = body,
    }
    m
}

// ------------------------------------------------------------ rendering

/// How one header line is written; interpreted by [`render`].
#[derive(Clone, Debug)]
struct LineStyle {
    name_form: u8,
    before_colon: u8,
    after_colon: u8,
    /// Fold at the n-th (modulo) foldable space.
    fold: Option<usize>,
    value_on_next_line: bool,
}

fn line_style() -> impl Strategy<Value = LineStyle> {
    (
        0u8..5,
        0u8..4,
        0u8..4,
        proptest::option::of(any::<usize>()),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(name_form, before_colon, after_colon, fold, value_on_next_line)| LineStyle {
                name_form,
                before_colon,
                after_colon,
                fold,
                value_on_next_line,
            },
        )
}

const WS: [&str; 4] = ["", " ", "\t", "  \t"];

/// Writes `m` with every header in the style given (cycled): a different
/// but equally legal wire form of the same message (RFC 3261 §7.3.1).
fn render(m: &Message, styles: &[LineStyle]) -> Vec<u8> {
    let canonical = m.to_bytes();
    let first_line_end = canonical.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut out = canonical[..first_line_end].to_vec();
    let mut hs: Vec<_> = m
        .headers()
        .iter()
        .filter(|h| h.name != HeaderName::ContentLength)
        .map(|h| h.to_owned())
        .collect();
    let cl = sip_core::Header {
        name: HeaderName::ContentLength,
        value: m.body().len().to_string(),
    };
    hs.push(cl);
    for (i, h) in hs.into_iter().enumerate() {
        let st = &styles[i % styles.len()];
        let long = h.name.as_str();
        let name = match (st.name_form, h.name.compact()) {
            (1, Some(c)) => c.to_string(),
            (2, _) => long.to_ascii_lowercase(),
            (3, _) => long.to_ascii_uppercase(),
            (4, Some(c)) => c.to_ascii_uppercase().to_string(),
            _ => long.to_owned(),
        };
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(WS[st.before_colon as usize].as_bytes());
        out.push(b':');
        out.extend_from_slice(WS[st.after_colon as usize].as_bytes());
        let mut value = h.value.clone();
        if let Some(ix) = &st.fold {
            // Fold at a single SP between two visible characters.
            let spots: Vec<usize> = value
                .char_indices()
                .filter(|&(i, c)| {
                    c == ' '
                        && i > 0
                        && !value[..i].ends_with([' ', '\t'])
                        && !value[i + 1..].starts_with([' ', '\t'])
                })
                .map(|(i, _)| i)
                .filter(|&i| i + 1 < value.len())
                .collect();
            if !spots.is_empty() {
                let at = spots[ix % spots.len()];
                let ws = if ix % 2 == 0 { " " } else { "\t  " };
                value.replace_range(at..at + 1, &format!("\r\n{ws}"));
            }
        }
        if st.value_on_next_line && !value.is_empty() {
            out.extend_from_slice(b"\r\n ");
        }
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(m.body());
    out
}

// ------------------------------------------------------------ mutation

#[derive(Clone, Debug)]
enum Mutation {
    Flip(Index, u8),
    Set(Index, u8),
    Truncate(Index),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Duplicate(Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = proptest::sample::select(vec![
        b"\r\n".to_vec(),
        b"\r\n\r\n".to_vec(),
        b"\n".to_vec(),
        b"\r".to_vec(),
        b" ".to_vec(),
        b"\t".to_vec(),
        b":".to_vec(),
        b";".to_vec(),
        b",".to_vec(),
        b"\"".to_vec(),
        b"<".to_vec(),
        b">".to_vec(),
        b"%".to_vec(),
        b"[".to_vec(),
        b"\0".to_vec(),
        b"\xff".to_vec(),
        b"\xc3".to_vec(),
        b"Content-Length: 99999999999\r\n".to_vec(),
        b"l: 0\r\n".to_vec(),
        b"Via: SIP/2.0/UDP [::1\r\n".to_vec(),
        b"\r\n \r\n".to_vec(),
    ]);
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        any::<Index>().prop_map(Mutation::Truncate),
        (
            any::<Index>(),
            prop_oneof![interesting, proptest::collection::vec(any::<u8>(), 1..8)]
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<Index>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), 1usize..60).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn mutate(mut v: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        if v.is_empty() {
            v.push(b'\r');
        }
        let len = v.len();
        match m {
            Mutation::Flip(i, b) => v[i.index(len)] ^= b | 1,
            Mutation::Set(i, b) => v[i.index(len)] = *b,
            Mutation::Truncate(i) => v.truncate(i.index(len)),
            Mutation::Insert(i, bytes) => {
                let at = i.index(len + 1);
                v.splice(at..at, bytes.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let at = i.index(len);
                v.drain(at..(at + n).min(len));
            }
            Mutation::Duplicate(i, n) => {
                let at = i.index(len);
                let piece: Vec<u8> = v[at..(at + n).min(len)].to_vec();
                v.splice(at..at, piece);
            }
        }
    }
    v
}

/// SIP-looking byte soup: fragments the parser branches on.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    let frag = proptest::sample::select(vec![
        &b"INVITE "[..],
        b"SIP/2.0",
        b"SIP/2.0 200 OK",
        b"sip:a@b",
        b"<sip:[::1]:5060>",
        b"\r\n",
        b"\r\n\r\n",
        b"\n",
        b" ",
        b"\t",
        b":",
        b";",
        b",",
        b"=",
        b"\"",
        b"\\",
        b"Via",
        b"v",
        b"Content-Length",
        b"l",
        b"CSeq",
        b"Call-ID",
        b"From",
        b"To",
        b"tag=x",
        b"branch=z9hG4bK",
        b"0",
        b"4294967296",
        b"-1",
        b"%00",
        b"\xe2\x82",
        b"\0",
    ]);
    proptest::collection::vec(frag, 0..80).prop_map(|v| v.concat())
}

// ------------------------------------------------------------ properties

fn stream_messages(cfg: &ParserConfig, data: &[u8], sizes: &[usize]) -> (Vec<Message>, bool) {
    let mut p = StreamParser::new(cfg.clone());
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < data.len() {
        let n = sizes[i % sizes.len()].clamp(1, data.len() - at);
        i += 1;
        p.push(&data[at..at + n]);
        at += n;
        while let Some(item) = p.next_item() {
            match item {
                Ok(StreamItem::Message(m)) => out.push(m),
                Ok(_) => {}
                Err(e) => panic!("stream error on valid input: {e}"),
            }
        }
    }
    (out, p.is_broken())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// parse(serialize(m)) == m, for datagrams and streams.
    #[test]
    fn owned_messages_roundtrip(m in message()) {
        let bytes = m.to_bytes();
        let back = parse::parse_message(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{e} ({:?})\n{}", e.kind, String::from_utf8_lossy(&bytes))))?;
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(fuzzing::check_roundtrip(&m), Ok(()));
    }

    /// Every legal spelling of the same message parses to it.
    #[test]
    fn any_legal_style_parses_to_the_same_message(
        m in message(),
        styles in proptest::collection::vec(line_style(), 1..8),
    ) {
        let wire = render(&m, &styles);
        let back = parse::parse_message(&wire)
            .map_err(|e| TestCaseError::fail(format!("{e} ({:?})\n{}", e.kind, String::from_utf8_lossy(&wire))))?;
        prop_assert_eq!(&back, &m, "wire:\n{}", String::from_utf8_lossy(&wire));
        // The view agrees on the framing.
        let view = parse::parse_datagram(&wire, &ParserConfig::default()).unwrap();
        prop_assert_eq!(view.len, wire.len());
        prop_assert_eq!(view.body, m.body());
    }

    /// Several messages and keep-alives on one stream, cut anywhere, give
    /// the same messages as parsing each one as a datagram.
    #[test]
    fn stream_chunking_equals_datagram_parse(
        msgs in proptest::collection::vec((message(), proptest::collection::vec(line_style(), 1..4), 0u8..3), 1..4),
        sizes in proptest::collection::vec(1usize..300, 1..20),
    ) {
        let mut data = Vec::new();
        let mut expected = Vec::new();
        for (m, styles, keepalive) in &msgs {
            data.extend_from_slice([&b""[..], b"\r\n", b"\r\n\r\n"][*keepalive as usize]);
            let wire = render(m, styles);
            expected.push(parse::parse_message(&wire).expect("rendered message parses"));
            data.extend_from_slice(&wire);
        }
        for cfg in [ParserConfig::default(), ParserConfig::lenient()] {
            let (got, broken) = stream_messages(&cfg, &data, &sizes);
            prop_assert!(!broken);
            prop_assert_eq!(&got, &expected);
            let (whole, _) = stream_messages(&cfg, &data, &[data.len()]);
            prop_assert_eq!(&whole, &expected);
        }
    }

    /// Mutated valid messages never panic anywhere and keep every
    /// invariant of the fuzz targets.
    #[test]
    fn mutations_of_valid_messages_never_panic(
        m in message(),
        styles in proptest::collection::vec(line_style(), 1..4),
        muts in proptest::collection::vec(mutation(), 1..6),
    ) {
        let data = mutate(render(&m, &styles), &muts);
        fuzzing::parse_datagram(&data);
        fuzzing::parse_stream(&data);
        fuzzing::roundtrip(&data);
    }

    /// Arbitrary bytes never panic.
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        fuzzing::parse_datagram(&data);
        fuzzing::parse_stream(&data);
        fuzzing::roundtrip(&data);
    }

    /// SIP-looking byte soup never panics.
    #[test]
    fn sip_like_soup_never_panics(data in soup()) {
        fuzzing::parse_datagram(&data);
        fuzzing::parse_stream(&data);
        fuzzing::roundtrip(&data);
    }
}

/// The renderer really varies the wire form (guards the property above
/// against testing nothing).
#[test]
fn renderer_produces_non_canonical_forms() {
    let wire =
        b"OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n\
From: Alice Smith <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1\r\n\
CSeq: 1 OPTIONS\r\nSubject: one two three\r\nContent-Length: 0\r\n\r\n";
    let m = parse::parse_message(wire).unwrap();
    let styles = [LineStyle {
        name_form: 1,
        before_colon: 2,
        after_colon: 3,
        fold: Some(1),
        value_on_next_line: false,
    }];
    let out = render(&m, &styles);
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("\nv\t:  \t"), "{text}");
    assert!(text.contains("\r\n ") || text.contains("\r\n\t"), "{text}");
    assert_eq!(parse::parse_message(&out).unwrap(), m);
}
