use super::*;
use crate::transport::ConnectionId;

fn headers(via: &str) -> Headers {
    let mut h = Headers::new();
    h.push(HeaderName::Via, via);
    h.push(HeaderName::CallId, "x");
    h
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn udp(s: &str) -> Destination {
    Destination::Addr {
        transport: Transport::Udp,
        addr: addr(s),
    }
}

#[test]
fn via_value_names_transport_sent_by_branch_and_rport() {
    assert_eq!(
        via_value(Transport::Udp, "192.0.2.1", Some(5060), "z9hG4bKabc", true),
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport"
    );
    assert_eq!(
        via_value(Transport::Tls, "ua.example.com", None, "z9hG4bKx", false),
        "SIP/2.0/TLS ua.example.com;branch=z9hG4bKx"
    );
}

#[test]
fn stamp_via_replaces_every_via_and_goes_first() {
    let mut h = Headers::new();
    h.push(HeaderName::To, "<sip:b@c>");
    h.push(HeaderName::Via, "SIP/2.0/UDP old;branch=z9hG4bK1");
    h.push(HeaderName::Via, "SIP/2.0/UDP older;branch=z9hG4bK2");
    stamp_via(&mut h, "SIP/2.0/TCP new;branch=z9hG4bK3".into());
    assert_eq!(
        h.to_string(),
        "Via: SIP/2.0/TCP new;branch=z9hG4bK3\r\nTo: <sip:b@c>\r\n"
    );
}

#[test]
fn received_added_when_sent_by_differs_from_source() {
    // RFC 3261 §18.2.1 example: sent-by is a name, source an address.
    let mut h = headers("SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7");
    assert!(stamp_received(&mut h, addr("192.0.2.4:5060")).unwrap());
    assert_eq!(
        h.get(&HeaderName::Via),
        Some("SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7;received=192.0.2.4")
    );
}

#[test]
fn nothing_added_when_sent_by_is_the_source_ip() {
    let mut h = headers("SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7");
    assert!(!stamp_received(&mut h, addr("192.0.2.4:5060")).unwrap());
    assert_eq!(
        h.get(&HeaderName::Via),
        Some("SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7")
    );
}

#[test]
fn empty_rport_filled_and_received_forced() {
    // RFC 3581 §4: received is added even when equal to the sent-by.
    let mut h = headers(
        "SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff, SIP/2.0/UDP proxy;branch=z9hG4bK2",
    );
    assert!(stamp_received(&mut h, addr("10.1.1.1:9988")).unwrap());
    assert_eq!(
        h.get(&HeaderName::Via),
        Some(
            "SIP/2.0/UDP 10.1.1.1:4540;rport=9988;branch=z9hG4bKkjshdyff;received=10.1.1.1, \
             SIP/2.0/UDP proxy;branch=z9hG4bK2"
        )
    );
}

#[test]
fn ipv6_received_is_bare() {
    let mut h = headers("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1");
    stamp_received(&mut h, addr("[2001:db8::9]:5060")).unwrap();
    assert_eq!(
        h.get(&HeaderName::Via),
        Some("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;received=2001:db8::9")
    );
}

#[test]
fn missing_or_bad_via_is_an_error() {
    let mut h = Headers::new();
    assert_eq!(
        stamp_received(&mut h, addr("1.2.3.4:5")),
        Err(ViaError::Missing)
    );
    let mut h = headers("garbage");
    assert!(matches!(
        stamp_received(&mut h, addr("1.2.3.4:5")),
        Err(ViaError::Malformed(_))
    ));
}

fn route(via: &str, source: Option<&Source>, open: bool) -> Result<Destination, RouteError> {
    let v = Via::parse(via).unwrap();
    response_destination(&v, source, |_| open)
}

#[test]
fn response_routing_follows_18_2_2() {
    let conn = Source {
        transport: Transport::Tcp,
        remote: addr("192.0.2.4:33000"),
        local: addr("192.0.2.1:5060"),
        connection: Some(ConnectionId(7)),
    };
    // Reliable, connection open: back on the connection.
    assert_eq!(
        route(
            "SIP/2.0/TCP h;branch=z9hG4bK1;received=192.0.2.4",
            Some(&conn),
            true
        ),
        Ok(Destination::Connection(ConnectionId(7)))
    );
    // Connection gone: received with the sent-by port (default 5060).
    assert_eq!(
        route(
            "SIP/2.0/TCP h;branch=z9hG4bK1;received=192.0.2.4",
            Some(&conn),
            false
        ),
        Ok(Destination::Addr {
            transport: Transport::Tcp,
            addr: addr("192.0.2.4:5060")
        })
    );
    // maddr wins over received.
    assert_eq!(
        route(
            "SIP/2.0/UDP h:5070;maddr=239.1.1.1;received=192.0.2.4",
            None,
            false
        ),
        Ok(udp("239.1.1.1:5070"))
    );
    // received + filled rport (RFC 3581 §4).
    assert_eq!(
        route(
            "SIP/2.0/UDP h:5070;rport=9988;received=192.0.2.4",
            None,
            false
        ),
        Ok(udp("192.0.2.4:9988"))
    );
    // Over a reliable transport rport does not apply (RFC 3581 §4): a new
    // connection goes to the sent-by port.
    assert_eq!(
        route(
            "SIP/2.0/TCP h:5070;rport=9988;received=192.0.2.4",
            Some(&conn),
            false
        ),
        Ok(Destination::Addr {
            transport: Transport::Tcp,
            addr: addr("192.0.2.4:5070")
        })
    );
    // received + sent-by port.
    assert_eq!(
        route("SIP/2.0/UDP h:5070;received=192.0.2.4", None, false),
        Ok(udp("192.0.2.4:5070"))
    );
    // IP sent-by, TLS default port.
    assert_eq!(
        route("SIP/2.0/TLS 192.0.2.9", None, false),
        Ok(Destination::Addr {
            transport: Transport::Tls,
            addr: addr("192.0.2.9:5061")
        })
    );
    // A domain without received would need DNS.
    assert_eq!(
        route("SIP/2.0/UDP example.com", None, false),
        Err(RouteError::NeedsResolution("example.com".into()))
    );
    assert!(matches!(
        route("SIP/2.0/FOO 1.2.3.4", None, false),
        Err(RouteError::UnknownTransport(_))
    ));
}

#[test]
fn size_rule_of_18_1_1() {
    assert_eq!(
        transport_for_size(Transport::Udp, 1300, 1300, false),
        Some(Transport::Udp)
    );
    assert_eq!(
        transport_for_size(Transport::Udp, 1301, 1300, true),
        Some(Transport::Tcp)
    );
    assert_eq!(transport_for_size(Transport::Udp, 1301, 1300, false), None);
    assert_eq!(
        transport_for_size(Transport::Tls, 99_999, 1300, false),
        Some(Transport::Tls)
    );
}

/// The in-place text edit of `stamp_received` gives the same Via as
/// parsing, setting `received`/`rport` and writing the value anew.
fn stamp_matches_rewrite(value: &str, source: SocketAddr) {
    let mut h = Headers::new();
    h.push(HeaderName::Via, value);
    let Ok(mut expected) = top_via(&h) else {
        return;
    };
    let changed = stamp_received(&mut h, source).unwrap();
    let got = top_via(&h).unwrap();
    if changed {
        expected.set_received(source.ip());
        if expected.rport() == Some(None) {
            expected.set_rport(Some(source.port()));
        }
    }
    assert_eq!(
        got,
        expected,
        "{value:?} became {:?}",
        h.get(&HeaderName::Via)
    );
    let rest: Vec<&str> = split_comma(value).skip(1).collect();
    let now: Vec<&str> = split_comma(h.get(&HeaderName::Via).unwrap())
        .skip(1)
        .collect();
    assert_eq!(rest, now, "later Via values must stay as written");
}

#[test]
fn stamp_edits_agree_with_rewriting() {
    for v in [
        "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKa",
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport",
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;RPORT ",
        "SIP/2.0/UDP h.example.com;branch=z9hG4bKa",
        "SIP/2.0/UDP h.example.com;branch=z9hG4bKa;received=10.0.0.1;rport",
        "SIP/2.0/UDP h.example.com ; rport ; branch=z9hG4bKa , SIP/2.0/TCP other;branch=z9hG4bKb",
        "SIP/2.0/UDP h;x=\"a,b\";rport;branch=z9hG4bKa, SIP/2.0/UDP o",
        "SIP/2.0/UDP [2001:db8::1]:5060;rport;branch=z9hG4bKa",
        "SIP/2.0/UDP h",
    ] {
        stamp_matches_rewrite(v, addr("192.0.2.9:5999"));
        stamp_matches_rewrite(v, addr("[2001:db8::2]:5062"));
        stamp_matches_rewrite(v, addr("192.0.2.1:5060"));
    }
}

proptest::proptest! {
    #[test]
    fn stamp_edits_agree_on_generated_vias(
        host in "(192\\.0\\.2\\.[0-9]|h[a-z]{0,5}\\.example\\.com)",
        params in proptest::collection::vec("(rport|branch=z9hG4bK[a-z0-9]{1,6}|x=[a-z]{1,3}|lr|RPort|received=10\\.0\\.0\\.[0-9])", 0..4),
        ws in "( |)",
        more in proptest::bool::ANY,
        port in 1u16..,
    ) {
        let mut v = format!("SIP/2.0/UDP {host}");
        for p in &params {
            v.push_str(&format!("{ws};{ws}{p}"));
        }
        if more {
            v.push_str(", SIP/2.0/TCP next.example.com;branch=z9hG4bKz");
        }
        stamp_matches_rewrite(&v, SocketAddr::from(([192, 0, 2, 7], port)));
    }
}

/// The general path of `bare_rport_end`, as it was before the fast path.
fn bare_rport_end_general(top: &str) -> Option<usize> {
    let params = top.find(';')?;
    let mut rport_end = None;
    crate::params::Params::visit_prefix(&top[params..], b",", |name, value| {
        if value.is_none() && name.eq_ignore_ascii_case("rport") && rport_end.is_none() {
            rport_end = Some(name.as_ptr() as usize - top.as_ptr() as usize + name.len());
        }
    })
    .ok()?;
    rport_end
}

#[test]
fn bare_rport_end_reads_the_usual_shapes() {
    let v = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;rport";
    assert_eq!(bare_rport_end(v), Some(v.len()));
    assert_eq!(
        bare_rport_end_plain(v, v.find(';').unwrap()),
        Some(Some(v.len()))
    );
    let v = "SIP/2.0/UDP h;rport=5;RPort;x";
    assert_eq!(bare_rport_end(v), Some(v.len() - 2));
    assert_eq!(bare_rport_end("SIP/2.0/UDP h;branch=1"), None);
    // Not the plain shape: the general parser decides.
    assert_eq!(bare_rport_end_plain("SIP/2.0/UDP h; rport", 13), None);
    assert_eq!(bare_rport_end("SIP/2.0/UDP h; rport"), Some(20));
    assert_eq!(bare_rport_end("SIP/2.0/UDP h;;rport"), None);
}

proptest::proptest! {
    #[test]
    fn bare_rport_end_agrees_with_the_parameter_parser(
        params in proptest::collection::vec(
            proptest::sample::select(vec![
                ";", "rport", "RPORT", "=", "5060", "branch", "z9", " ", "\t", "\"", "a\"b", ",", "x",
            ]),
            0..10,
        )
    ) {
        let top = format!("SIP/2.0/UDP h{}", params.concat());
        proptest::prop_assert_eq!(bare_rport_end(&top), bare_rport_end_general(&top));
    }
}

proptest::proptest! {
    #[test]
    fn top_via_text_is_the_first_comma_separated_value(
        parts in proptest::collection::vec(
            proptest::sample::select(vec!["SIP/2.0/UDP h", ";branch=z9hG4bK1", " ", "\t", ",", "\"", "<", ">", "x"]),
            0..8,
        )
    ) {
        let line = parts.concat();
        let h = headers(&line);
        let want = split_comma(&line).next().ok_or(ViaError::Missing);
        proptest::prop_assert_eq!(top_via_text(&h), want);
    }
}

proptest::proptest! {
    /// The shortcut for a value ending in its only `rport` agrees with the
    /// parameter parser on every Via that parses with a bare `rport`.
    #[test]
    fn last_unique_rport_agrees_with_the_parameter_parser(
        params in proptest::collection::vec(
            proptest::sample::select(vec![
                ";rport", ";RPort", ";x=rport", ";branch=z9hG4bKr", "=5060", ";x=\"a;rport\"", " ", ";lr", "r", "port",
            ]),
            0..6,
        ),
        host in proptest::sample::select(vec!["h", "rport.example.com", "192.0.2.1:5060"]),
    ) {
        let top = format!("SIP/2.0/UDP {host}{}", params.concat());
        let parsed = Via::parse(&top);
        if let (Ok(via), Some(e)) = (parsed, last_unique_rport_end(&top)) {
            if via.rport() == Some(None) {
                proptest::prop_assert_eq!(Some(e), bare_rport_end_general(&top));
            }
        }
    }
}

#[test]
fn one_insertion_when_rport_ends_the_value() {
    let mut h = headers("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport");
    assert!(stamp_received(&mut h, addr("192.0.2.1:5070")).unwrap());
    assert_eq!(
        h.get(&HeaderName::Via),
        Some("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport=5070;received=192.0.2.1")
    );
    assert_eq!(h.get(&HeaderName::CallId), Some("x"));
    assert_eq!(last_unique_rport_end("SIP/2.0/UDP h;rport;rport"), None);
    assert_eq!(last_unique_rport_end("SIP/2.0/UDP h;RPORT"), Some(19));
    let mut h = headers("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKa;rport");
    assert!(stamp_received(&mut h, addr("[2001:db8::2]:5062")).unwrap());
    assert_eq!(
        h.get(&HeaderName::Via),
        Some("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKa;rport=5062;received=2001:db8::2")
    );
}

proptest::proptest! {
    #[test]
    fn rport_scan_agrees_with_a_plain_search(
        parts in proptest::collection::vec(
            proptest::sample::select(vec!["r", "R", "port", "PORT", "rpor", "x", ";", "branch=z9hG4bK", "rport"]),
            0..12,
        )
    ) {
        let s = parts.concat();
        let naive = s.to_ascii_lowercase().contains("rport");
        proptest::prop_assert_eq!(has_rport(s.as_bytes()), naive);
    }

    #[test]
    fn top_via_place_is_the_top_via_text(
        parts in proptest::collection::vec(
            proptest::sample::select(vec!["SIP/2.0/UDP h", ";branch=z9hG4bK1", " ", "\t", ",", "\"", "<", ">", "x"]),
            0..8,
        )
    ) {
        let line = parts.concat();
        let mut h = Headers::new();
        h.push(HeaderName::CallId, "x");
        h.push(HeaderName::Via, &line);
        let want = top_via_text(&h);
        let got = top_via_at(&h);
        proptest::prop_assert_eq!(got.as_ref().map(|g| g.1), want.as_ref().copied());
        if let Ok((at, text)) = got {
            proptest::prop_assert_eq!(at.line, 1);
            proptest::prop_assert_eq!(&line[at.start..at.end], text);
        }
    }

    /// The place the parser's marks give is the one found by reading.
    #[test]
    fn marked_top_via_place_is_the_read_one(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "SIP/2.0/UDP h", ";branch=z9hG4bK1", " ", "\t", ",", "\"", ";rport", "x",
            ]),
            0..8,
        ),
        second in proptest::bool::ANY,
    ) {
        let line = parts.concat();
        let mut text = format!("OPTIONS sip:b@h SIP/2.0\r\nVia: {line}\r\n");
        if second {
            text.push_str("Via: SIP/2.0/UDP g;branch=z9hG4bK2\r\n");
        }
        text.push_str("To: <sip:b@h>\r\nFrom: <sip:a@h>;tag=2\r\nCall-ID: c\r\n\
            CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        let cfg = crate::parse::ParserConfig::default();
        if let Ok((crate::Message::Request(r), marks)) =
            crate::parse::parse_message_with_top_via(text.as_bytes(), &cfg)
        {
            let known = marks.as_ref().map(crate::parse::TopViaMarks::len);
            proptest::prop_assert_eq!(
                top_via_at_known(&r.headers, known),
                top_via_at(&r.headers)
            );
        }
    }
}

#[test]
fn kept_stamp_text_stamps_as_a_fresh_one() {
    let mut last = None;
    for source in [
        "192.0.2.9:5999",
        "192.0.2.9:5999",
        "[2001:db8::2]:5062",
        "192.0.2.1:5060",
    ] {
        let source = addr(source);
        for via in [
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport",
            "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKa",
            "SIP/2.0/UDP h.example.com;branch=z9hG4bKa",
        ] {
            let mut want = headers(via);
            let changed = stamp_received(&mut want, source).unwrap();
            let mut got = headers(via);
            let (at, top) = top_via_at(&got).unwrap();
            let v = Via::parse(top).unwrap();
            let (ip, rport, received) = (v.host.ip(), v.rport(), v.received().is_some());
            let rport_end = crate::header::ViaRef::parse(top).unwrap().rport_name_end();
            let mut unknown = got.clone();
            let text = StampText::reuse(&mut last, source);
            assert_eq!(text.text, StampText::new(source).text);
            assert_eq!(
                stamp_received_at(&mut got, at, ip, (rport, rport_end), received, text),
                changed
            );
            assert_eq!(got, want, "{via} from {source}");
            // Without knowing where the flag is, the same text.
            assert_eq!(
                stamp_received_at(&mut unknown, at, ip, (rport, None), received, text),
                changed
            );
            assert_eq!(unknown, want, "{via} from {source}");
        }
    }
}
