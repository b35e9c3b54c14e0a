//! Tests of the Via header: parsing, the allocation-free check and
//! recogniser, and the in-place reader `ViaRef`.
use super::*;

/// `Via::check` accepts exactly what `Via::parse` accepts.
fn same_verdict(s: &str) {
    match (ViaRef::parse(s), Via::parse(s)) {
        (Ok(r), Ok(v)) => {
            assert_eq!(r.branch(), v.branch(), "{s:?}");
            assert_eq!(r.rport(), v.rport(), "{s:?}");
            assert_eq!(r.received(), v.received(), "{s:?}");
            assert_eq!(r.maddr(), v.maddr(), "{s:?}");
            assert_eq!(r.host(), v.host, "{s:?}");
            assert_eq!(r.port(), v.port, "{s:?}");
            // The first `rport`'s name ends where the reader says.
            assert_eq!(r.rport_name_end().is_some(), r.rport().is_some(), "{s:?}");
            if let Some(e) = r.rport_name_end() {
                assert!(s[..e].to_ascii_lowercase().ends_with("rport"), "{s:?}");
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{s:?}"),
        (a, b) => panic!("ViaRef and Via disagree on {s:?}: {a:?} / {b:?}"),
    }
    // The check-only reading agrees with the reading that keeps fields.
    assert_eq!(is_plain(s), super::plain(s).is_some(), "{s:?}");
    if let Some(p) = super::plain(s) {
        assert!(Via::parse(s).is_ok(), "recogniser accepted {s:?}");
        let general = ViaRef::parse_general(s).unwrap();
        assert_eq!(format!("{p:?}"), format!("{general:?}"), "{s:?}");
    }
    assert_eq!(
        Via::check(s).is_ok(),
        Via::parse(s).is_ok(),
        "check and parse disagree on {s:?}"
    );
    if let (Err(a), Err(b)) = (Via::check(s), Via::parse(s)) {
        assert_eq!(a.to_string(), b.to_string(), "different errors for {s:?}");
    }
}

#[test]
fn recogniser_takes_the_usual_vias() {
    for s in [
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1;rport",
        "SIP/2.0/TCP pc33.example.com;rport=5060;received=192.0.2.4;branch=z9hG4bK-x",
        "SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7",
    ] {
        assert!(is_plain(s), "{s:?}");
    }
    for s in [
        "SIP/2.0/UDP h;received=300.1.1.1",
        "SIP/2.0/UDP h;ttl=256",
        "SIP/2.0/UDP h;branch",
        "SIP/2.0/UDP [::1]",
        "SIP/2.0/UDP h ;branch=x",
        "SIP/2.0/UDP h;x=\"q\"",
    ] {
        assert!(!is_plain(s), "{s:?}");
    }
}

#[test]
fn via_ref_reads_what_via_parses() {
    for s in [
        "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKa1",
        "SIP/2.0/TCP pc33.Example.com;rport=5060;received=192.0.2.4;branch=z9hG4bK-x;maddr=224.2.0.1",
        "SIP / 2.0 / UDP [2001:db8::9:1]:5060 ; branch = z9hG4bKa ; received=[2001:db8::2]",
        "SIP/2.0/FOO h;x=\"y\";RPORT=7",
        "SIP/2.0/UDP 10.0.0.1",
    ] {
        let v = Via::parse(s).unwrap();
        let r = ViaRef::parse(s).unwrap();
        assert_eq!(r.as_str(), s);
        assert_eq!(r.transport(), v.transport.known(), "{s}");
        assert_eq!(r.transport_token(), v.transport.as_str().to_string().as_str().trim(), "{s}");
        assert_eq!(r.host(), v.host, "{s}");
        assert_eq!(r.host_ip(), v.host.ip(), "{s}");
        assert_eq!(r.port(), v.port, "{s}");
        assert_eq!(r.branch(), v.branch(), "{s}");
        assert_eq!(r.received(), v.received(), "{s}");
        assert_eq!(r.rport(), v.rport(), "{s}");
        assert_eq!(r.maddr(), v.maddr(), "{s}");
    }
    assert!(ViaRef::parse("SIP/2.0/UDP h;ttl=300").is_err());
    assert!(ViaRef::parse("SIP/2.0/UDP").is_err());
}

#[test]
fn check_agrees_with_parse() {
    for s in [
        "SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds",
        "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKx",
        "SIP/2.0/UDP 192.0.2.1:5060;rport=5;received=10.0.0.1;branch=z9hG4bKx",
        "SIP / 2.0 / UDP [2001:db8::9:1]:5060 ; branch = z9hG4bKa",
        "SIP/2.0/UDP [2001:db8::9:1;branch=x",
        "SIP/2.0/UDP 2001:db8::1;branch=x",
        "SIP/2.0/UDP h;received=2001:db8::1",
        "SIP/2.0/UDP h;received=[2001:db8::1]",
        "SIP/2.0/UDP h;received=300.1.1.1",
        "SIP/2.0/UDP h;rport=70000",
        "SIP/2.0/UDP h;ttl=256",
        "SIP/2.0/UDP h;ttl=25;maddr=224.2.0.1",
        "SIP/2.0/UDP h;maddr=bad..host",
        "SIP/2.0/UDP h;branch",
        "SIP/2.0/UDP h;branch=\"q\"",
        "SIP/2.0/UDP h;;x",
        "SIP/2.0/UDP h;x=",
        "SIP/2.0/UDP h;x=\"open",
        "SIP/2.0/UDP h;x=a,b",
        "SIP/2.0/UDP h junk",
        "SIP/2.0/UDP -bad-.com",
        "SIP/2.0/UDP 1.2.3",
        "SIP/2.0/UDP 1.2.3.4.5",
        "SIP/2.0/UDP 256.1.1.1",
        "SIP/2.0/UDP example.com.",
        "SIP/2.0/UDP 1example.com",
        "SIP/2.0/UDP h:",
        "SIP/2.0/UDP h:65536",
        "SIP/2.0/UDP",
        "SIP/2.0/UDP ",
        "SIP/2.0 UDP h",
        "SIP/2.0/UDPh",
        "",
        "SIP/2.0/UNKNOWN h;branch=z9hG4bK1",
        "FOO/7/UDP h",
        "SIP/2.0/UDP h;x=\u{e9}",
        "SIP/2.0/UDP h:0099;RPORT;rport=5;Branch=a;branch=b;received=010.0.0.1;maddr=h2;x;ttl=3",
        "SIP/2.0/UDP h;received=10.0.0.1;received=bad",
    ] {
        same_verdict(s);
    }
}

proptest::proptest! {
    #[test]
    fn check_agrees_with_parse_on_any_text(
        s in "SIP/2\\.0/(UDP|TCP|TLS|udp|UDPX|UD|TLS\t|[A-Z]{1,4}) ?[a-z0-9.:\\[\\]-]{0,12}(:[0-9]{0,6})?(;[a-z=;,\"0-9.:\\[\\] -]{0,20})?"
    ) {
        same_verdict(&s);
    }

    /// The marks of a value read in one pass give back the same reading
    /// of the same text, and nothing for a text of another length.
    #[test]
    fn marks_read_back_what_parse_reads(
        s in "SIP/2\\.0/(UDP|TLS|TCP|SCTP) (h|10\\.0\\.0\\.1|1\\.2\\.3)(:[0-9]{1,6})?(;(branch|Received|rport|ttl|maddr|x)(=[0-9a-z.]{0,12})?){0,4}"
    ) {
        if let Some(v) = ViaRef::plain(&s) {
            proptest::prop_assert_eq!(Ok(v), ViaRef::parse(&s));
            let m = v.marks();
            let copy = s.clone();
            proptest::prop_assert_eq!(ViaRef::from_marks(&copy, &m), Some(v));
            let longer = format!("{s};x");
            proptest::prop_assert_eq!(ViaRef::from_marks(&longer, &m), None);
        }
    }

    #[test]
    fn plain_reads_the_known_params_as_parse_does(
        s in "SIP/2\\.0/(UDP|TLS) (h|10\\.0\\.0\\.1|1\\.2\\.3)(:[0-9]{1,6})?(;(branch|Received|rport|ttl|maddr|x|BRANCH|rPoRt|branch-|rports|received1|receive|brancg|rport\\.)(=[0-9a-z.]{0,12}|=0?[0-9]{1,3}(\\.[0-9]{1,3}){1,4}[a-z:;]?|=[0-9]{1,6}[.a-z]?)?){0,4}[ ,]?"
    ) {
        same_verdict(&s);
    }
}
use std::net::Ipv6Addr;

fn via(s: &str) -> Via {
    Via::parse(s).unwrap()
}

#[test]
fn plain() {
    let v = via("SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds");
    assert!(v.protocol.is_sip_2_0());
    assert_eq!(v.transport, ViaTransport::Known(Transport::Udp));
    assert_eq!(v.host, Host::Domain("pc33.example.com".into()));
    assert_eq!(v.port, Some(5060));
    assert_eq!(v.branch(), Some("z9hG4bK776asdhds"));
    assert!(v.has_rfc3261_branch());
    assert_eq!(
        v.to_string(),
        "SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds"
    );
}

#[test]
fn odd_whitespace_wsinv() {
    // RFC 4475 §3.1.1.1: LWS around the slashes, unfolded.
    let v = via("SIP  /   2.0  /UDP     192.0.2.2;rport;branch=390skdjuw");
    assert!(v.protocol.is_sip_2_0());
    assert_eq!(v.host, Host::Ipv4("192.0.2.2".parse().unwrap()));
    assert_eq!(v.rport(), Some(None));
    assert_eq!(v.branch(), Some("390skdjuw"));
    assert!(!v.has_rfc3261_branch());
    let v = via("  SIP / 2.0 / UDP host.example.com : 5060 ; branch = z9hG4bK1 ; rport = 1234 ");
    assert_eq!(v.port, Some(5060));
    assert_eq!(v.branch(), Some("z9hG4bK1"));
    assert_eq!(v.rport(), Some(Some(1234)));
    assert_eq!(
        v.to_string(),
        "SIP/2.0/UDP host.example.com:5060;branch=z9hG4bK1;rport=1234"
    );
}

#[test]
fn transports_dat() {
    // RFC 4475 §3.1.1.10 (transports): known and unknown transport tokens.
    for (t, known) in [
        ("UDP", Some(Transport::Udp)),
        ("SCTP", Some(Transport::Sctp)),
        ("TLS", Some(Transport::Tls)),
        ("tcp", Some(Transport::Tcp)),
        ("UNKNOWN", None),
        ("ALSOUNKNOWN", None),
    ] {
        let v = via(&format!("SIP/2.0/{t} t1.example.com;branch=z9hG4bKkdjuw"));
        assert_eq!(v.transport.known(), known, "{t}");
        assert!(v.transport.as_str().eq_ignore_ascii_case(t));
    }
    assert_eq!(via("SIP/2.0/UNKNOWN h").to_string(), "SIP/2.0/UNKNOWN h");
    assert_eq!(via("SIP/2.0/UNKNOWN h").sent_by_port(), 5060);
    assert_eq!(via("SIP/2.0/tls h").sent_by_port(), 5061);
}

#[test]
fn other_versions_kept() {
    // RFC 4475 §3.1.2.16 (badvers): SIP/7.0 must be detectable.
    let v = via("SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw");
    assert_eq!(
        v.protocol,
        ViaProtocol::Other {
            name: "SIP".into(),
            version: "7.0".into()
        }
    );
    assert_eq!(
        v.to_string(),
        "SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw"
    );
    assert!(via("sip/2.0/udp h").protocol.is_sip_2_0());
}

#[test]
fn ipv6_rfc5118() {
    let v = via("SIP/2.0/UDP [2001:db8::9:1]:5060;received=2001:db8::9:255;branch=z9hG4bKas3-111");
    assert_eq!(v.host, Host::Ipv6("2001:db8::9:1".parse().unwrap()));
    assert_eq!(v.port, Some(5060));
    let want: IpAddr = "2001:db8::9:255".parse().unwrap();
    assert_eq!(v.received(), Some(want));
    let v = via("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3");
    assert_eq!(v.received(), Some(want));
    assert_eq!(v.port, None);
    assert_eq!(
        v.to_string(),
        "SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3"
    );
    assert!(Via::parse("SIP/2.0/UDP [2001:db8::9:1;branch=x").is_err());
    assert!(Via::parse("SIP/2.0/UDP 2001:db8::9:1;branch=x").is_err());
}

#[test]
fn setters() {
    let mut v = Via::new(
        Transport::Tcp,
        Host::Domain("a.example".into()),
        None,
        "z9hG4bKx",
    );
    v.set_rport(None);
    assert_eq!(v.to_string(), "SIP/2.0/TCP a.example;branch=z9hG4bKx;rport");
    v.set_received(IpAddr::V6(Ipv6Addr::LOCALHOST));
    v.set_rport(Some(5070));
    assert_eq!(
        v.to_string(),
        "SIP/2.0/TCP a.example;branch=z9hG4bKx;rport=5070;received=::1"
    );
    assert_eq!(Via::parse(&v.to_string()), Ok(v.clone()));
    v.set_branch("z9hG4bKy");
    assert_eq!(v.branch(), Some("z9hG4bKy"));
}

#[test]
fn maddr_ttl() {
    let v = via("SIP/2.0/UDP h;maddr=239.255.255.1;ttl=16;branch=z9hG4bKm");
    assert_eq!(
        v.maddr(),
        Some(Host::Ipv4("239.255.255.1".parse().unwrap()))
    );
    assert_eq!(v.ttl(), Some(16));
    assert!(Via::parse("SIP/2.0/UDP h;ttl=256").is_err());
    assert!(Via::parse("SIP/2.0/UDP h;maddr=a..b").is_err());
}

#[test]
fn errors() {
    for bad in [
        "",
        "   ",
        "SIP/2.0/UDP",
        "SIP/2.0/UDP ",
        "SIP/2.0 host",
        "SIP/2.0/UDPhost",
        "SIP//UDP host",
        "/2.0/UDP host",
        "SIP/2.0/UDP host:",
        "SIP/2.0/UDP host:65536",
        "SIP/2.0/UDP host:50a",
        "SIP/2.0/UDP 192.0.2.15;;", // RFC 4475 §3.1.2.1 badinv01
        "SIP/2.0/UDP 192.0.2.15;",
        "SIP/2.0/UDP host;branch",
        "SIP/2.0/UDP host;branch=",
        "SIP/2.0/UDP host;received=not-an-ip",
        "SIP/2.0/UDP host;rport=x",
        "SIP/2.0/UDP host;rport=70000",
        "SIP/2.0/UDP host junk",
        "SIP/2.0/UDP ho\u{e9}st",
    ] {
        assert!(Via::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn fast_branch() {
    assert_eq!(
        Via::branch_of("SIP/2.0/UDP [::1]:5060 ; rport ;BRANCH = z9hG4bK77;x=1"),
        Some("z9hG4bK77")
    );
    assert_eq!(Via::branch_of("SIP/2.0/UDP h;rport"), None);
    assert_eq!(Via::branch_of("SIP/2.0/UDP h"), None);
}

proptest::proptest! {
    /// The dotted quad a reading keeps (one pass, general, or read back
    /// from marks) is the host's reading: `host()` and `host_ip()` give
    /// what reading the host text gives.
    #[test]
    fn the_kept_quad_is_the_hosts_reading(
        s in "SIP/2\\.0/(UDP|TCP) (h|10\\.0\\.0\\.1|010\\.0\\.0\\.01|1\\.2\\.3|1\\.2\\.3\\.4a|1\\.2\\.3\\.4\\.5|255\\.255\\.255\\.256|[0-9.]{1,16}|\\[::1\\])(:[0-9]{1,5})?(;branch=z9hG4bKx)?( ;rport)?"
    ) {
        if let Ok(v) = ViaRef::parse(&s) {
            let general = lex::parse_host(v.host).unwrap_or_else(|| Host::Domain(v.host.to_owned()));
            proptest::prop_assert_eq!(v.host(), general.clone());
            proptest::prop_assert_eq!(v.host_v4, dotted_quad_of(v.host));
            let ip = match &general {
                Host::Ipv4(a) => Some(IpAddr::V4(*a)),
                h if v.host.starts_with('[') => h.ip(),
                _ => None,
            };
            proptest::prop_assert_eq!(v.host_ip(), ip);
            if let Some(p) = ViaRef::plain(&s) {
                let back = ViaRef::from_marks(&s, &p.marks()).map(|r| r.host());
                proptest::prop_assert_eq!(back, Some(general));
            }
        }
    }
}
