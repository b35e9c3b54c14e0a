use super::*;
use crate::method::Method;
use crate::transport::Transport;
use std::net::IpAddr;

fn sip(s: &str) -> SipUri {
    match Uri::parse(s) {
        Ok(Uri::Sip(u)) => u,
        other => panic!("{s}: {other:?}"),
    }
}

fn err(s: &str) -> UriError {
    Uri::parse(s).expect_err(s)
}

/// parse → display → parse gives the same value, and display is stable.
fn round_trip(s: &str) -> Uri {
    let u = Uri::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    let shown = u.to_string();
    let again = Uri::parse(&shown).unwrap_or_else(|e| panic!("{shown}: {e}"));
    assert_eq!(again, u, "{s} -> {shown}");
    assert_eq!(again.to_string(), shown);
    u
}

#[test]
fn basic_sip_uri() {
    let u = sip("sip:alice:secretword@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent");
    assert!(!u.secure);
    assert_eq!(u.user.as_deref(), Some("alice"));
    assert_eq!(u.password.as_deref(), Some("secretword"));
    assert_eq!(u.host, Host::Domain("atlanta.com".into()));
    assert_eq!(u.port, Some(5061));
    assert_eq!(u.transport(), Some(Transport::Tcp));
    assert!(u.lr());
    assert_eq!(u.header("Subject"), Some("project%20x"));
    assert_eq!(u.headers.len(), 2);
    assert_eq!(u.host_port().to_string(), "atlanta.com:5061");
    assert_eq!(
        u.to_string(),
        "sip:alice:secretword@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent"
    );
}

#[test]
fn rfc3261_19_1_3_examples_round_trip() {
    for s in [
        "sip:alice@atlanta.com",
        "sip:alice:secretword@atlanta.com;transport=tcp",
        "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
        "sip:+1-212-555-1212:1234@gateway.com;user=phone",
        "sips:1212@gateway.com",
        "sip:alice@192.0.2.4",
        "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
        "sip:alice;day=tuesday@atlanta.com",
    ] {
        round_trip(s);
    }
    let u = sip("sip:+1-212-555-1212:1234@gateway.com;user=phone");
    assert_eq!(u.user.as_deref(), Some("+1-212-555-1212"));
    assert_eq!(u.password.as_deref(), Some("1234"));
    assert_eq!(u.user_param(), Some("phone"));
    let u = sip("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com");
    assert_eq!(u.user, None);
    assert_eq!(u.method(), Some(Method::Register));
    assert_eq!(u.header("to"), Some("alice%40atlanta.com"));
}

#[test]
fn scheme_is_case_insensitive() {
    let u = sip("SIP:ALICE@AtLanTa.CoM;Transport=udp");
    assert!(!u.secure);
    assert_eq!(u.user.as_deref(), Some("ALICE"));
    assert_eq!(u.to_string(), "sip:ALICE@AtLanTa.CoM;Transport=udp");
    assert!(sip("SiPs:a@b.com").secure);
    assert!(matches!(Uri::parse("TEL:+1234"), Ok(Uri::Tel(_))));
    assert_eq!(Uri::parse("sIpS:x.com").unwrap().scheme(), "sips");
}

#[test]
fn rfc4475_semiuri_user_with_semicolon() {
    // §3.1.1.9: the user part is `user;par=u%40example.net`, no URI params.
    let u = sip("sip:user;par=u%40example.net@example.com");
    assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
    assert_eq!(
        u.user_unescaped().as_deref(),
        Some("user;par=u@example.net")
    );
    assert_eq!(u.host, Host::Domain("example.com".into()));
    assert!(u.params.is_empty());
    round_trip("sip:user;par=u%40example.net@example.com");
}

#[test]
fn rfc4475_intmeth_unusual_userinfo() {
    // §3.1.1.2: every user-unreserved character, and a password.
    let s = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com";
    let u = sip(s);
    assert_eq!(
        u.user.as_deref(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        u.password.as_deref(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(u.host.domain(), Some("example.com"));
    assert_eq!(u.to_string(), s);
}

#[test]
fn rfc4475_esc01_escapes_decode_once() {
    // §3.1.1.3
    let u = sip("sip:sips%3Auser%40example.com@example.net");
    assert_eq!(u.user_unescaped().as_deref(), Some("sips:user@example.com"));
    assert_eq!(u.host.domain(), Some("example.net"));
    let u = sip("sip:I%20have%20spaces@example.net");
    assert_eq!(u.user_unescaped().as_deref(), Some("I have spaces"));
    let u = sip("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
    assert_eq!(u.user_unescaped().as_deref(), Some("caller"));
    let p: Vec<_> = u.params.iter().collect();
    assert_eq!(p[0].name, "%6C%72");
    assert_eq!(&*unescape(&p[0].name), b"lr");
    assert_eq!(&*unescape(p[1].value.as_deref().unwrap()), b"value%41");
    round_trip("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
}

#[test]
fn rfc4475_escnull_keeps_nul() {
    // §3.1.1.4
    let u = sip("sip:null-%00-null@example.com");
    assert_eq!(u.user_bytes().as_deref(), Some(&b"null-\0-null"[..]));
    assert_eq!(
        sip("sip:%00@host5.example.com").user_bytes().as_deref(),
        Some(&b"\0"[..])
    );
    assert_eq!(
        sip("sip:%00%00@host5.example.com").user_bytes().as_deref(),
        Some(&b"\0\0"[..])
    );
}

#[test]
fn rfc4475_opaque_schemes_round_trip_verbatim() {
    // RFC 4475 unkscm, novelsc, unksm2, and an http URI.
    for (s, scheme, rest) in [
        (
            "nobodyKnowsThisScheme:totallyopaque",
            "nobodyKnowsThisScheme",
            "totallyopaque",
        ),
        (
            "soap.beep://192.0.2.103:3002",
            "soap.beep",
            "//192.0.2.103:3002",
        ),
        ("isbn:2983792873", "isbn", "2983792873"),
        (
            "http://www.example.com/path?q=1#frag",
            "http",
            "//www.example.com/path?q=1#frag",
        ),
        (
            "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
            "urn",
            "uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        ),
    ] {
        let u = round_trip(s);
        assert_eq!(u.to_string(), s);
        match u {
            Uri::Other(o) => {
                assert_eq!(o.scheme, scheme);
                assert_eq!(o.rest, rest);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(err("isbn:"), UriError::EmptyAfterScheme);
    assert_eq!(err("http://a b"), UriError::BadChar { offset: 8 });
    assert_eq!(err("http://a/%zz"), UriError::BadEscape { offset: 9 });
    assert_eq!(err("mailto:<a@b>"), UriError::BadChar { offset: 7 });
}

#[test]
fn rfc5118_ipv6() {
    let v6 = |s: &str| -> IpAddr { s.parse().unwrap() };
    // §4.1 and §4.3/§4.4: the port is outside the brackets.
    let u = sip("sip:[2001:db8::10]");
    assert_eq!(u.host.ip(), Some(v6("2001:db8::10")));
    assert_eq!(u.port, None);
    let u = sip("sip:[2001:db8::10:5070]");
    assert_eq!(u.host.ip(), Some(v6("2001:db8::10:5070")));
    assert_eq!(u.port, None);
    let u = sip("sip:user@[2001:db8::10]:5070;transport=udp");
    assert_eq!(u.host.ip(), Some(v6("2001:db8::10")));
    assert_eq!(u.port, Some(5070));
    assert_eq!(u.to_string(), "sip:user@[2001:db8::10]:5070;transport=udp");
    // §4.9: IPv4-mapped, §4.10: IPv4-compatible notation.
    let u = sip("sip:[::ffff:192.0.2.10]");
    assert_eq!(u.host.ip(), Some(v6("::ffff:192.0.2.10")));
    round_trip("sip:[::ffff:192.0.2.10]");
    round_trip("sip:user@[2001:db8::192.0.2.1]");
    round_trip("sips:[2001:DB8:0:0:0:0:0:1]:5061");
    // maddr may be an IPv6 reference.
    let u = sip("sip:a@b.com;maddr=[2001:db8::1]");
    assert_eq!(u.maddr(), Some(Host::Ipv6("2001:db8::1".parse().unwrap())));
    // §4.2: an unbracketed address is not a host.
    assert_eq!(err("sip:2001:db8::10"), UriError::BadHost { offset: 4 });
    assert_eq!(err("sip:u@2001:db8::10"), UriError::BadHost { offset: 6 });
    assert_eq!(err("sip:h.com:db8::10"), UriError::BadPort { offset: 10 });
    assert_eq!(err("sip:[2001:db8::10"), UriError::BadIpv6 { offset: 4 });
    assert_eq!(err("sip:[2001:db8:::10]"), UriError::BadIpv6 { offset: 4 });
    assert_eq!(err("sip:[192.0.2.1]"), UriError::BadIpv6 { offset: 4 });
    assert_eq!(err("sip:[::1]5060"), UriError::BadChar { offset: 9 });
    assert_eq!(err("sip:[::1%eth0]"), UriError::BadIpv6 { offset: 4 });
}

#[test]
fn ipv4_hosts() {
    assert_eq!(
        sip("sip:alice@192.0.2.4").host,
        Host::Ipv4("192.0.2.4".parse().unwrap())
    );
    assert_eq!(
        err("sip:alice@192.0.2.256"),
        UriError::BadHost { offset: 10 }
    );
    assert_eq!(err("sip:1.2.3"), UriError::BadHost { offset: 4 });
}

#[test]
fn rejects_malformed() {
    assert_eq!(err(""), UriError::Empty);
    assert_eq!(err("alice@atlanta.com"), UriError::MissingScheme);
    assert_eq!(err("<sip:user@example.com>"), UriError::MissingScheme); // RFC 4475 ltgtruri
    assert_eq!(err("1sip:a"), UriError::MissingScheme);
    assert_eq!(err(":a"), UriError::MissingScheme);
    assert_eq!(err("sip:"), UriError::EmptyHost);
    assert_eq!(err("sip:user@"), UriError::EmptyHost);
    assert_eq!(err("sip:@host"), UriError::EmptyUser);
    assert_eq!(err("sip::pw@host"), UriError::EmptyUser);
    assert_eq!(
        err("sip:user@example.com; lr"),
        UriError::BadParam { offset: 21 }
    ); // lwsruri
    assert_eq!(
        err("sip:user@example.com lr"),
        UriError::BadChar { offset: 20 }
    );
    assert_eq!(err(" sip:a@b"), UriError::MissingScheme);
    assert_eq!(err("sip:a@b "), UriError::BadChar { offset: 7 });
    assert_eq!(err("sip:a b@c"), UriError::BadChar { offset: 5 });
    assert_eq!(err("sip:a@b>"), UriError::BadChar { offset: 7 });
    assert_eq!(err("sip:us<er@host"), UriError::BadChar { offset: 6 });
    assert_eq!(err("sip:user@host@other"), UriError::BadChar { offset: 13 });
    assert_eq!(err("sip:user:pa:ss@host"), UriError::BadChar { offset: 11 });
    assert_eq!(err("sip:user:pa;ss@host"), UriError::BadChar { offset: 11 });
    assert_eq!(err("sip:us%4ger@host"), UriError::BadEscape { offset: 6 });
    assert_eq!(err("sip:user%@host"), UriError::BadEscape { offset: 8 });
    assert_eq!(err("sip:ho_st"), UriError::BadChar { offset: 6 });
    assert_eq!(err("sip:-host.com"), UriError::BadHost { offset: 4 });
    assert_eq!(err("sip:host:"), UriError::BadPort { offset: 9 });
    assert_eq!(err("sip:host:65536"), UriError::BadPort { offset: 9 });
    assert_eq!(
        err("sip:host:99999999999999999999"),
        UriError::BadPort { offset: 9 }
    );
    assert_eq!(err("sip:host:5o60"), UriError::BadPort { offset: 10 });
    assert_eq!(err("sip:host:-1"), UriError::BadPort { offset: 9 });
    assert_eq!(err("sip:host;"), UriError::BadParam { offset: 9 });
    assert_eq!(err("sip:host;;lr"), UriError::BadParam { offset: 9 });
    assert_eq!(err("sip:host;a="), UriError::BadParam { offset: 11 });
    assert_eq!(err("sip:host;a=b=c"), UriError::BadChar { offset: 12 });
    assert_eq!(err("sip:host;a=%zz"), UriError::BadEscape { offset: 11 });
    assert_eq!(err("sip:host;a=\"b\""), UriError::BadParam { offset: 11 });
    assert_eq!(err("sip:host?"), UriError::BadHeader { offset: 9 });
    assert_eq!(err("sip:host?a"), UriError::BadHeader { offset: 9 });
    assert_eq!(err("sip:host?a=b&"), UriError::BadHeader { offset: 13 });
    assert_eq!(err("sip:host?a=b;c"), UriError::BadChar { offset: 12 });
    assert_eq!(err("sip:hést.com"), UriError::BadChar { offset: 5 });
    assert_eq!(err("sip:a@b\r\n"), UriError::BadChar { offset: 7 });
}

#[test]
fn port_edges() {
    assert_eq!(sip("sip:h:0").port, Some(0));
    assert_eq!(sip("sip:h:65535").port, Some(65535));
    assert_eq!(sip("sip:h:05060").port, Some(5060));
    assert_eq!(sip("sip:h:05060").to_string(), "sip:h:5060");
}

#[test]
fn header_values_tolerate_a_raw_at_sign() {
    let u = sip("sip:bob@b.com?Replaces=12345@192.0.2.1%3Bto-tag%3D1");
    assert_eq!(u.header("replaces"), Some("12345@192.0.2.1%3Bto-tag%3D1"));
    round_trip("sip:bob@b.com?Replaces=12345@192.0.2.1");
    assert_eq!(
        err("sip:bob@b.com?a@b=1"),
        UriError::BadHeader { offset: 14 }
    );
}

#[test]
fn empty_password_and_header_value() {
    let u = sip("sip:user:@host?a=");
    assert_eq!(u.password.as_deref(), Some(""));
    assert_eq!(u.headers, vec![("a".to_owned(), String::new())]);
    round_trip("sip:user:@host?a=");
}

#[test]
fn typed_accessors() {
    let u = sip(
        "sip:a@b.com;TRANSPORT=TLS;maddr=239.255.255.1;ttl=15;lr;method=INVITE;user=ip;foo=bar",
    );
    assert_eq!(u.transport_param(), Some("TLS"));
    assert_eq!(u.transport(), Some(Transport::Tls));
    assert_eq!(
        u.maddr(),
        Some(Host::Ipv4("239.255.255.1".parse().unwrap()))
    );
    assert_eq!(u.ttl(), Some(15));
    assert!(u.lr());
    assert_eq!(u.method(), Some(Method::Invite));
    assert_eq!(u.user_param(), Some("ip"));
    assert_eq!(u.param("FOO"), Some("bar"));
    assert_eq!(u.port_or_default(), 5061);
    assert_eq!(sip("sip:a@b.com;ttl=256").ttl(), None);
    assert_eq!(sip("sip:a@b.com;ttl=0001").ttl(), None);
    assert_eq!(sip("sip:a@b.com;transport=foo").transport(), None);
    assert_eq!(sip("sip:a@b.com;maddr=-bad").maddr(), None);
    assert_eq!(sip("sip:a@b.com").port_or_default(), 5060);
    assert_eq!(sip("sips:a@b.com").port_or_default(), 5061);
    assert_eq!(sip("sips:a@b.com;transport=tcp").port_or_default(), 5061);
    assert_eq!(sip("sip:a@b.com;transport=ws").port_or_default(), 80);
    assert_eq!(sip("sips:a@b.com;transport=wss").port_or_default(), 443);
    assert_eq!(sip("sips:a@b.com:7000").port_or_default(), 7000);
    assert!(!sip("sip:a@b.com;lrx").lr());
}

#[test]
fn builders_and_setters_escape() {
    let mut u = SipUri::new(Host::Domain("example.com".into()))
        .with_user("alice smith@home")
        .with_port(5070);
    u.set_password(Some("p;w"));
    u.set_transport(Some(Transport::Tcp));
    u.set_lr(true);
    u.set_lr(true);
    u.set_ttl(Some(3));
    u.set_maddr(Some(&Host::Ipv6("2001:db8::1".parse().unwrap())));
    u.set_method(Some(&Method::Register));
    u.set_user_param(Some("phone"));
    u.set_param("x y", Some("a;b"));
    u.push_header("Subject", "next meeting");
    assert_eq!(
        u.to_string(),
        "sip:alice%20smith%40home:p%3Bw@example.com:5070;transport=tcp;lr;ttl=3;maddr=[2001:db8::1];method=REGISTER;user=phone;x%20y=a%3Bb?Subject=next%20meeting"
    );
    assert_eq!(Uri::parse(&u.to_string()), Ok(Uri::Sip(u.clone())));
    assert_eq!(u.user_unescaped().as_deref(), Some("alice smith@home"));
    assert_eq!(u.password_unescaped().as_deref(), Some("p;w"));
    u.set_lr(false);
    u.set_transport(None);
    u.set_ttl(None);
    u.set_maddr(None);
    u.set_method(None);
    u.set_user_param(None);
    assert!(u.remove_param("X%20Y"));
    u.set_user(None);
    assert_eq!(u.to_string(), "sip:example.com:5070?Subject=next%20meeting");
    let s = SipUri::sips(std::net::Ipv4Addr::new(192, 0, 2, 1)).with_param("lr", None);
    assert_eq!(s.to_string(), "sips:192.0.2.1;lr");
}

#[test]
fn tel_uris() {
    let t = match round_trip("tel:+1-201-555-0123;ext=1234;isub=1411;phone-context=+1") {
        Uri::Tel(t) => t,
        other => panic!("{other:?}"),
    };
    assert!(t.is_global());
    assert_eq!(t.digits(), "+12015550123");
    assert_eq!(t.extension(), Some("1234"));
    assert_eq!(t.isub(), Some("1411"));
    assert_eq!(t.phone_context(), Some("+1"));
    let t: TelUri = "tel:7042;phone-context=example.com".parse().unwrap();
    assert!(!t.is_global());
    assert_eq!(t.phone_context(), Some("example.com"));
    assert_eq!(t.to_string(), "tel:7042;phone-context=example.com");
    round_trip("tel:*67#;phone-context=+1");
    round_trip("tel:+1(201)555.0123");
    assert_eq!(err("tel:"), UriError::BadTelNumber { offset: 4 });
    assert_eq!(err("tel:+"), UriError::BadTelNumber { offset: 4 });
    assert_eq!(err("tel:+1a"), UriError::BadTelNumber { offset: 4 });
    assert_eq!(err("tel:---"), UriError::BadTelNumber { offset: 4 });
    assert_eq!(err("tel:12 34"), UriError::BadTelNumber { offset: 4 });
    assert_eq!(err("tel:+1;"), UriError::BadParam { offset: 7 });
    assert_eq!(err("tel:+1;a="), UriError::BadParam { offset: 9 });
    assert_eq!(err("tel:+1;a_b"), UriError::BadChar { offset: 8 });
    assert_eq!(TelUri::parse("sip:a"), Err(UriError::UnexpectedScheme));
    assert_eq!(SipUri::parse("tel:+1"), Err(UriError::UnexpectedScheme));
}

mod compare;

#[test]
fn utf8_never_sliced_badly() {
    for s in [
        "sip:é@b",
        "sip:a@é",
        "sip:a@b;é",
        "sip:a@b;x=é",
        "sip:a@b?é=1",
        "sip:[é]",
        "sip:a@b:é",
        "é:x",
        "x:é",
        "tel:+1;é",
        "tel:é",
        "sip:€€€@€",
        "sip:a:€@b",
    ] {
        assert!(Uri::parse(s).is_err(), "{s}");
    }
}

#[test]
fn error_messages() {
    assert_eq!(
        UriError::BadPort { offset: 9 }.to_string(),
        "malformed port at offset 9"
    );
    assert_eq!(UriError::MissingScheme.to_string(), "missing scheme");
    assert_eq!(
        UriError::BadChar { offset: 1 }.shifted(3),
        UriError::BadChar { offset: 4 }
    );
    assert_eq!(UriError::EmptyHost.shifted(3), UriError::EmptyHost);
}

#[test]
fn from_conversions() {
    let u: Uri = SipUri::new(Host::Domain("a.com".into())).into();
    assert!(u.as_sip().is_some() && u.as_tel().is_none() && !u.is_sips());
    let t: Uri = TelUri::new("+1").into();
    assert_eq!(t.to_string(), "tel:+1");
    let o: Uri = OpaqueUri {
        scheme: "urn".into(),
        rest: "x".into(),
    }
    .into();
    assert_eq!(o.scheme(), "urn");
    let mut m = Uri::parse("sip:a@b.com").unwrap();
    m.as_sip_mut().unwrap().port = Some(1);
    assert_eq!(m.to_string(), "sip:a@b.com:1");
}

pub(crate) mod props {
    use super::*;
    use proptest::prelude::*;

    fn escaped_component(allowed: &'static str) -> impl Strategy<Value = String> {
        let chars: Vec<char> = allowed.chars().collect();
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(chars).prop_map(|c| c.to_string()),
                1 => any::<u8>().prop_map(|b| format!("%{b:02X}")),
                1 => any::<u8>().prop_map(|b| format!("%{b:02x}")),
            ],
            1..8,
        )
        .prop_map(|v| v.concat())
    }

    const UNRESERVED: &str = "abcXYZ019-_.!~*'()";

    fn user() -> impl Strategy<Value = String> {
        escaped_component("abcXYZ019-_.!~*'()&=+$,;?/")
    }

    fn password() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            escaped_component("abcXYZ019-_.!~*'()&=+$,")
        ]
    }

    fn param_text() -> impl Strategy<Value = String> {
        escaped_component("abcXYZ019-_.!~*'()[]/:&+$")
    }

    fn header_text() -> impl Strategy<Value = String> {
        escaped_component("abcXYZ019-_.!~*'()[]/?:+$")
    }

    fn host() -> impl Strategy<Value = Host> {
        prop_oneof![
            "[a-z][a-z0-9-]{0,6}[a-z0-9](\\.[a-zA-Z][a-z0-9]{0,5}){0,3}\\.?".prop_map(Host::Domain),
            any::<[u8; 4]>().prop_map(|o| Host::Ipv4(o.into())),
            any::<[u16; 8]>().prop_map(|o| Host::Ipv6(o.into())),
        ]
    }

    prop_compose! {
        fn sip_uri()(
            secure in any::<bool>(),
            userinfo in proptest::option::of((user(), proptest::option::of(password()))),
            host in host(),
            port in proptest::option::of(any::<u16>()),
            params in proptest::collection::vec((param_text(), proptest::option::of(param_text())), 0..4),
            headers in proptest::collection::vec((header_text(), prop_oneof![Just(String::new()), header_text()]), 0..3),
        ) -> SipUri {
            let (user, password) = match userinfo {
                Some((u, p)) => (Some(u), p),
                None => (None, None),
            };
            let mut ps = Params::new();
            for (n, v) in params {
                ps.push(n, v);
            }
            SipUri { secure, user, password, host, port, params: ps, headers }
        }
    }

    pub(crate) fn uri() -> impl Strategy<Value = Uri> {
        prop_oneof![
            4 => sip_uri().prop_map(Uri::Sip),
            1 => ("\\+[0-9]{1,3}(-[0-9]{1,4}){0,3}", proptest::collection::vec(("[a-z][a-z0-9-]{0,5}", proptest::option::of(param_text())), 0..3))
                .prop_map(|(n, ps)| {
                    let mut params = Params::new();
                    for (k, v) in ps { params.push(k, v); }
                    Uri::Tel(TelUri { number: n, params })
                }),
            1 => ("[a-zA-Z][a-zA-Z0-9+.-]{0,8}", escaped_component("abc019-_.~;/?:@&=+$,[]#"))
                .prop_filter("not a known scheme", |(s, _)| !["sip", "sips", "tel"].iter().any(|k| k.eq_ignore_ascii_case(s)))
                .prop_map(|(scheme, rest)| Uri::Other(OpaqueUri { scheme, rest })),
        ]
    }

    proptest! {
        #[test]
        fn generated_uris_round_trip(u in uri()) {
            let shown = u.to_string();
            let parsed = Uri::parse(&shown);
            prop_assert_eq!(parsed.as_ref(), Ok(&u), "{}", shown);
            prop_assert!(u.equivalent(&parsed.unwrap()));
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC*") {
            let _ = Uri::parse(&s);
        }

        #[test]
        fn uri_like_strings_never_panic_and_round_trip(
            s in "(sip|sips|SIP|tel|x-y|http):[a-z0-9@:;=?&%\\[\\]\\.+\\-é ]{0,30}"
        ) {
            if let Ok(u) = Uri::parse(&s) {
                let shown = u.to_string();
                prop_assert_eq!(Uri::parse(&shown), Ok(u), "{} -> {}", s, shown);
            }
        }

        #[test]
        fn escape_round_trips(s in "\\PC{0,20}", bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            for c in [EscapeClass::User, EscapeClass::Password, EscapeClass::Param, EscapeClass::Header] {
                let e = escape(&s, c);
                prop_assert!(escape::validate(&e, c).is_ok());
                prop_assert_eq!(&*unescape(&e), s.as_bytes());
                let e = escape_bytes(&bytes, c);
                prop_assert_eq!(&*unescape(&e), &bytes[..]);
            }
        }

        #[test]
        fn long_and_short_parameter_comparison_agree(
            a in proptest::collection::vec((proptest::sample::select(vec!["a", "A", "%61", "ttl", "b;", "lr"]), proptest::option::of(proptest::sample::select(vec!["1", "2", "%31"]))), 0..5),
            b in proptest::collection::vec((proptest::sample::select(vec!["a", "A", "%61", "ttl", "b;", "lr"]), proptest::option::of(proptest::sample::select(vec!["1", "2", "%31"]))), 0..5),
        ) {
            let render = |v: &[(&str, Option<&str>)], pad: bool| {
                let mut s = String::from("sip:h.com");
                for (n, val) in v {
                    let n = n.trim_end_matches(';');
                    s.push(';');
                    s.push_str(n);
                    if let Some(val) = val {
                        s.push('=');
                        s.push_str(val);
                    }
                }
                if pad {
                    for i in 0..20 {
                        s.push_str(&format!(";pad{i}=v"));
                    }
                }
                Uri::parse(&s).unwrap()
            };
            let (sa, sb, la, lb) = (render(&a, false), render(&b, false), render(&a, true), render(&b, true));
            let short = sa.equivalent(&sb);
            prop_assert_eq!(short, la.equivalent(&lb));
            // Symmetric and reflexive.
            prop_assert_eq!(short, sb.equivalent(&sa));
            prop_assert_eq!(short, lb.equivalent(&la));
            prop_assert!(sa.equivalent(&sa) && la.equivalent(&la));
        }

        #[test]
        fn mutated_uris_never_panic_and_round_trip(
            u in uri(),
            edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<bool>(), proptest::sample::select(vec!['@', ':', ';', '?', '&', '=', '%', '[', ']', '.', '-', 'a', '0', ' ', '<', '"', 'é'])), 1..4),
        ) {
            let mut s: Vec<char> = u.to_string().chars().collect();
            for (idx, insert, c) in edits {
                let at = idx.index(s.len() + 1);
                if insert || at == s.len() {
                    s.insert(at, c);
                } else {
                    s.remove(at);
                }
            }
            let s: String = s.into_iter().collect();
            if let Ok(u) = Uri::parse(&s) {
                let shown = u.to_string();
                prop_assert_eq!(Uri::parse(&shown), Ok(u), "{} -> {}", s, shown);
            }
        }

        #[test]
        fn equivalence_is_reflexive_and_case_blind_on_host(u in sip_uri()) {
            prop_assert!(u.equivalent(&u));
            let mut v = u.clone();
            if let Host::Domain(d) = &mut v.host {
                *d = d.to_ascii_uppercase();
            }
            prop_assert!(u.equivalent(&v));
        }
    }

    #[test]
    fn unreserved_set_is_consistent() {
        for c in UNRESERVED.bytes() {
            for class in [
                EscapeClass::User,
                EscapeClass::Password,
                EscapeClass::Param,
                EscapeClass::Header,
            ] {
                assert!(class.allows(c));
            }
        }
    }
}

proptest::proptest! {
    /// `Host::is_valid` (the non-allocating check) agrees with parsing.
    #[test]
    fn host_is_valid_agrees_with_parse(s in "[a-zA-Z0-9.:\\[\\]%-]{0,24}") {
        proptest::prop_assert_eq!(Host::is_valid(&s), s.parse::<Host>().is_ok(), "{:?}", s);
    }
}

#[test]
fn host_is_valid_on_edges() {
    for s in [
        "",
        "a",
        "a.b",
        "1.2.3.4",
        "1.2.3.400",
        "1.2.3",
        "-a.com",
        "a-.com",
        "a..b",
        "example.com.",
        "1example.com",
        "[::1]",
        "[::1",
        "::1",
        "2001:db8::1",
        "a:b",
        "[2001:db8::1]",
        "a b",
        "é.com",
    ] {
        assert_eq!(Host::is_valid(s), s.parse::<Host>().is_ok(), "{s:?}");
    }
}

proptest::proptest! {
    /// The scheme compared at once is what the general reading gives.
    #[test]
    fn scheme_kind_agrees_with_the_general_reading(
        s in "(sip|SIP|sIp|siP|sips|SIPS|tel|sipx|si|s\u{e9}p|x-y|1ip|sip\\x00|sjp|sIP)(:|)[a-z0-9@.:;=]{0,6}",
    ) {
        proptest::prop_assert_eq!(super::scheme_kind(&s), super::scheme_kind_general(&s));
    }
}
