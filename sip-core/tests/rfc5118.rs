//! RFC 5118 (SIP torture tests for IPv6), §4: our own messages built after
//! the RFC's descriptions. Valid ones parse and round-trip with the IPv6
//! addresses read correctly; invalid ones are rejected.

use sip_core::fuzzing::check_roundtrip;
use sip_core::header::{Contact, Via};
use sip_core::parse::{self, ParseError, ParseErrorKind as K, ParserConfig};
use sip_core::uri::{Host, SipUri, Uri};
use sip_core::{HeaderName, Message, NameAddr, Request};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A request with the given start line, headers (one per element, without
/// line ends) and body; Content-Length is appended.
fn request(start: &str, headers: &[&str], body: &str) -> Vec<u8> {
    let mut s = format!("{start}\r\n");
    for h in headers {
        s.push_str(h);
        s.push_str("\r\n");
    }
    s.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.into_bytes()
}

fn v6(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn parsed(bytes: &[u8]) -> Request {
    let m = parse::parse_message(bytes).unwrap_or_else(|e| {
        panic!(
            "rejected: {e} ({:?})\n{}",
            e.kind,
            String::from_utf8_lossy(bytes)
        )
    });
    if let Err(why) = check_roundtrip(&m) {
        panic!("{why}");
    }
    match m {
        Message::Request(r) => r,
        Message::Response(_) => panic!("expected a request"),
    }
}

fn rejected(bytes: &[u8]) -> ParseError {
    match parse::parse_datagram(bytes, &ParserConfig::default()).and_then(|v| v.to_message()) {
        Ok(m) => panic!("accepted:\n{m}"),
        Err(e) => e,
    }
}

fn sip(u: &Uri) -> &SipUri {
    match u {
        Uri::Sip(s) => s,
        other => panic!("expected sip:, got {other:?}"),
    }
}

fn vias(r: &Request) -> Vec<Via> {
    r.headers
        .typed_all::<Via>()
        .map(|v| v.expect("Via parses"))
        .collect()
}

fn contact_uri(r: &Request) -> Uri {
    match r
        .headers
        .typed::<Contact>()
        .expect("Contact")
        .expect("Contact parses")
    {
        Contact::Address(a) => a.uri,
        other => panic!("unexpected Contact {other:?}"),
    }
}

const COMMON: [&str; 4] = [
    "Max-Forwards: 70",
    "To: <sip:user@[2001:db8::10]>",
    "From: <sip:user@[2001:db8::10]>;tag=81x2",
    "Call-ID: SSG9559905523997077@hlau_4100",
];

fn with_common<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = extra.to_vec();
    v.extend(COMMON);
    v
}

/// §4.1: IPv6 references in the Request-URI, Via sent-by, To, From and
/// Contact.
#[test]
fn valid_ipv6_references() {
    let b = request(
        "REGISTER sip:[2001:db8::10] SIP/2.0",
        &with_common(&[
            "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111",
            "Contact: \"Caller\" <sip:caller@[2001:db8::1]>",
            "CSeq: 98176 REGISTER",
        ]),
        "",
    );
    let r = parsed(&b);
    let u = sip(&r.uri);
    assert_eq!((&u.host, u.port), (&Host::Ipv6(v6("2001:db8::10")), None));
    let via = &vias(&r)[0];
    assert_eq!(
        (&via.host, via.port),
        (&Host::Ipv6(v6("2001:db8::9:1")), None)
    );
    assert_eq!(sip(&contact_uri(&r)).host, Host::Ipv6(v6("2001:db8::1")));
    let to = NameAddr::parse(r.headers.get(&HeaderName::To).unwrap()).unwrap();
    assert_eq!(sip(&to.uri).host, Host::Ipv6(v6("2001:db8::10")));
    // The transaction layer reads the bracketed sent-by as is.
    let view = parse::parse_datagram(&b, &ParserConfig::default()).unwrap();
    assert_eq!(
        view.transaction_fields().unwrap().sent_by,
        "[2001:db8::9:1]"
    );
}

/// §4.2: an IPv6 address without brackets in the Request-URI is invalid.
#[test]
fn unbracketed_ipv6_request_uri_is_rejected() {
    let b = request(
        "REGISTER sip:2001:db8::10 SIP/2.0",
        &with_common(&[
            "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-112",
            "CSeq: 98177 REGISTER",
        ]),
        "",
    );
    let e = rejected(&b);
    assert!(matches!(e.kind, K::RequestUri(_)), "{e} ({:?})", e.kind);
    assert!(
        e.partial.as_ref().is_some_and(|p| p.can_respond()),
        "a 400 can be built"
    );
}

/// §4.3: inside the brackets, a trailing `:5070` is part of the address,
/// not a port.
#[test]
fn port_ambiguous_stays_in_the_address() {
    let b = request(
        "REGISTER sip:[2001:db8::10:5070] SIP/2.0",
        &with_common(&[
            "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-113",
            "CSeq: 98178 REGISTER",
        ]),
        "",
    );
    let u = sip(&parsed(&b).uri).clone();
    assert_eq!(u.host, Host::Ipv6(v6("2001:db8::10:5070")));
    assert_eq!(u.port, None);
}

/// §4.4: after the closing bracket the port is unambiguous.
#[test]
fn port_after_bracket() {
    let b = request(
        "REGISTER sip:[2001:db8::10]:5070 SIP/2.0",
        &with_common(&[
            "Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-114",
            "CSeq: 98179 REGISTER",
        ]),
        "",
    );
    let r = parsed(&b);
    let u = sip(&r.uri);
    assert_eq!(
        (&u.host, u.port),
        (&Host::Ipv6(v6("2001:db8::10")), Some(5070))
    );
    assert_eq!(vias(&r)[0].port, Some(6050));
}

/// §4.5: the Via `received` parameter holding an IPv6 address with and
/// without brackets; both must be accepted.
#[test]
fn via_received_with_and_without_brackets() {
    for received in ["[2001:db8::9:255]", "2001:db8::9:255"] {
        let via = format!(
            "Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-115;received={received}"
        );
        let b = request(
            "BYE sip:[2001:db8::11] SIP/2.0",
            &with_common(&[&via, "CSeq: 3 BYE"]),
            "",
        );
        let r = parsed(&b);
        let v = &vias(&r)[0];
        assert_eq!(
            v.received(),
            Some(IpAddr::V6(v6("2001:db8::9:255"))),
            "received={received}"
        );
        assert_eq!(v.port, Some(6050));
    }
}

/// §4.6 without SDP: a body that mentions IPv6 addresses is opaque.
#[test]
fn ipv6_request_with_opaque_body() {
    let body = "address [2001:db8::10]:5070\r\nother 2001:db8::20\r\n";
    let b = request(
        "INVITE sip:user@[2001:db8::10] SIP/2.0",
        &with_common(&[
            "Via: SIP/2.0/UDP [2001:db8::20];branch=z9hG4bKas3-116",
            "Contact: <sip:caller@[2001:db8::20]>",
            "CSeq: 8612 INVITE",
            "Content-Type: text/plain",
        ]),
        body,
    );
    let r = parsed(&b);
    assert_eq!(r.body, body.as_bytes());
    assert_eq!(sip(&r.uri).user.as_deref(), Some("user"));
}

/// §4.7: a request that crossed a dual-stack proxy: IPv4 and IPv6 Vias,
/// Record-Route entries of both families.
#[test]
fn mixed_ipv4_and_ipv6_headers() {
    let b = request(
        "BYE sip:user@host.example.net SIP/2.0",
        &with_common(&[
            "Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-117",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKjhja8781hjuaij65144",
            "Record-Route: <sip:[2001:db8::9:1]:6050;lr>, <sip:192.0.2.1;lr>",
            "CSeq: 9 BYE",
        ]),
        "",
    );
    let r = parsed(&b);
    let v = vias(&r);
    assert_eq!(v[0].host, Host::Ipv6(v6("2001:db8::9:1")));
    assert_eq!(v[1].host, Host::Ipv4(Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(r.headers.values(&HeaderName::RecordRoute).count(), 2);
}

/// §4.9: IPv4-mapped IPv6 addresses.
#[test]
fn ipv4_mapped_addresses() {
    let b = request(
        "INVITE sip:user@[::ffff:192.0.2.10] SIP/2.0",
        &with_common(&[
            "Via: SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKas3-118",
            "Contact: \"Caller\" <sip:caller@[::ffff:192.0.2.10]:19823>",
            "CSeq: 8612 INVITE",
        ]),
        "",
    );
    let r = parsed(&b);
    let Host::Ipv6(a) = sip(&r.uri).host else {
        panic!("IPv6 host expected")
    };
    assert_eq!(a.to_ipv4_mapped(), Some(Ipv4Addr::new(192, 0, 2, 10)));
    let v = &vias(&r)[0];
    assert_eq!((&v.host, v.port), (&Host::Ipv6(a), Some(19823)));
    let c = contact_uri(&r);
    assert_eq!((&sip(&c).host, sip(&c).port), (&Host::Ipv6(a), Some(19823)));
}

/// §4.10: an IPv6 address ending in a dotted IPv4 part is valid; the
/// extra colon the RFC 3261 ABNF let through (`:::`) is not.
#[test]
fn ipv6_with_embedded_ipv4_and_the_abnf_bug() {
    let good = request(
        "OPTIONS sip:[2001:db8::192.0.2.1] SIP/2.0",
        &with_common(&[
            "Via: SIP/2.0/UDP [2001:db8::192.0.2.2];branch=z9hG4bKas3-119",
            "CSeq: 1 OPTIONS",
        ]),
        "",
    );
    let r = parsed(&good);
    assert_eq!(sip(&r.uri).host, Host::Ipv6(v6("2001:db8::c000:201")));
    assert_eq!(vias(&r)[0].host, Host::Ipv6(v6("2001:db8::c000:202")));

    let bad = request(
        "OPTIONS sip:[2001:db8:::192.0.2.1] SIP/2.0",
        &with_common(&[
            "Via: SIP/2.0/UDP [2001:db8::192.0.2.2];branch=z9hG4bKas3-120",
            "CSeq: 1 OPTIONS",
        ]),
        "",
    );
    let e = rejected(&bad);
    assert!(matches!(e.kind, K::RequestUri(_)), "{e}");
}

/// Malformed IPv6 references in the Request-URI.
#[test]
fn bad_references_in_request_uri() {
    for uri in [
        "sip:[2001:db8::10",
        "sip:2001:db8::10]",
        "sip:[192.0.2.1]",
        "sip:[2001:db8::g]",
        "sip:[]",
        "sip:user@[2001:db8::10]x",
        "sip:[2001:db8::10]:",
        "sip:[2001:db8::10]:99999",
        "sip:[1:2:3:4:5:6:7:8:9]",
    ] {
        let b = request(
            &format!("OPTIONS {uri} SIP/2.0"),
            &with_common(&[
                "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-121",
                "CSeq: 1 OPTIONS",
            ]),
            "",
        );
        let e = rejected(&b);
        assert!(
            matches!(e.kind, K::RequestUri(_)),
            "{uri}: {e} ({:?})",
            e.kind
        );
    }
}

/// Malformed IPv6 in the headers the parser checks: Via sent-by (every
/// element reads it) and Contact.
#[test]
fn bad_references_in_headers() {
    let cases: [(&str, HeaderName); 4] = [
        (
            "Via: SIP/2.0/UDP 2001:db8::9:1;branch=z9hG4bKas3-122",
            HeaderName::Via,
        ),
        (
            "Via: SIP/2.0/UDP [2001:db8::9:1;branch=z9hG4bKas3-123",
            HeaderName::Via,
        ),
        (
            "Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-124;received=[192.0.2.1",
            HeaderName::Via,
        ),
        ("Contact: <sip:caller@[2001:db8::1>", HeaderName::Contact),
    ];
    for (line, header) in cases {
        let mut hs = with_common(&[line, "CSeq: 1 OPTIONS"]);
        if header != HeaderName::Via {
            hs.push("Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-125");
        }
        let b = request("OPTIONS sip:[2001:db8::10] SIP/2.0", &hs, "");
        let e = rejected(&b);
        assert!(matches!(e.kind, K::Header(_)), "{line}: {e} ({:?})", e.kind);
        assert_eq!(e.header.as_ref(), Some(&header), "{line}");
    }
}

/// A response whose Via carries IPv6 sent-by and received round-trips.
#[test]
fn ipv6_response_roundtrip() {
    let b = b"SIP/2.0 200 OK\r\n\
Via: SIP/2.0/TCP [2001:db8::9:1]:5061;branch=z9hG4bKas3-126;received=2001:db8::9:255;rport=5062\r\n\
To: <sip:user@[2001:db8::10]>;tag=9sd8f\r\n\
From: <sip:user@[2001:db8::10]>;tag=81x2\r\n\
Call-ID: v6resp@[2001:db8::9:1]\r\n\
CSeq: 1 OPTIONS\r\n\
Contact: <sip:user@[2001:db8::10]:5070;transport=tcp>\r\n\
Content-Length: 0\r\n\r\n";
    let m = parse::parse_message(b).expect("parses");
    check_roundtrip(&m).unwrap();
    let v = m.headers().typed::<Via>().unwrap().unwrap();
    assert_eq!(v.received(), Some(IpAddr::V6(v6("2001:db8::9:255"))));
    assert_eq!(v.rport(), Some(Some(5062)));
    let view = parse::parse_datagram(b, &ParserConfig::default()).unwrap();
    let f = view.transaction_fields().unwrap();
    assert_eq!(
        (f.sent_by, f.via_transport),
        ("[2001:db8::9:1]:5061", "TCP")
    );
}
