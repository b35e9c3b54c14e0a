use super::*;
use crate::uri::{Host, SipUri};

fn na(s: &str) -> NameAddr {
    NameAddr::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn err(s: &str) -> UriError {
    NameAddr::parse(s).expect_err(s)
}

fn sip_of(n: &NameAddr) -> &SipUri {
    n.uri.as_sip().expect("sip uri")
}

/// parse → display → parse is the identity, and display is stable.
fn round_trip(s: &str) -> NameAddr {
    let n = na(s);
    let shown = n.to_string();
    let again = NameAddr::parse(&shown).unwrap_or_else(|e| panic!("{shown:?}: {e}"));
    assert_eq!(again, n, "{s:?} -> {shown:?}");
    assert_eq!(again.to_string(), shown);
    n
}

#[test]
fn quoted_display_name() {
    let n = na(r#""Quoted \"name\"" <sip:alice@atlanta.com>;tag=1928301774"#);
    assert_eq!(n.display_name.as_deref(), Some(r#"Quoted "name""#));
    assert_eq!(n.uri.to_string(), "sip:alice@atlanta.com");
    assert_eq!(n.tag(), Some("1928301774"));
    assert_eq!(
        n.to_string(),
        r#""Quoted \"name\"" <sip:alice@atlanta.com>;tag=1928301774"#
    );
}

#[test]
fn token_display_name() {
    let n = na("Bob  Smith <sips:bob@biloxi.com> ;tag = a6c85cf");
    assert_eq!(n.display_name.as_deref(), Some("Bob Smith"));
    assert!(n.uri.is_sips());
    assert_eq!(n.tag(), Some("a6c85cf"));
    assert_eq!(n.to_string(), "Bob Smith <sips:bob@biloxi.com>;tag=a6c85cf");
}

#[test]
fn angle_only_and_bare() {
    let n = na("<sip:carol@chicago.com>");
    assert_eq!(n.display_name, None);
    assert!(n.params.is_empty());
    let n = na("sip:carol@chicago.com");
    assert_eq!(n.display_name, None);
    assert_eq!(n.to_string(), "<sip:carol@chicago.com>");
    let n = na("  sip:carol@chicago.com;tag=x  ");
    assert_eq!(n.tag(), Some("x"));
}

#[test]
fn rfc4475_cparam01_bare_params_belong_to_header() {
    // RFC 4475 cparam01: `unknownparam` is a Contact header parameter.
    let n = na("sip:+19725552222@gw1.example.net;unknownparam");
    assert!(sip_of(&n).params.is_empty());
    assert!(n.params.contains("unknownparam"));
    let n = na("sip:a@b;tag=x");
    assert!(sip_of(&n).params.is_empty());
    assert_eq!(n.tag(), Some("x"));
}

#[test]
fn rfc4475_cparam02_bracketed_params_belong_to_uri() {
    let n = na("<sip:+19725552222@gw1.example.net;unknownparam>");
    assert!(sip_of(&n).params.contains("unknownparam"));
    assert!(n.params.is_empty());
    let n = round_trip("<sip:a@b.com;lr;transport=tcp>;expires=60;q=0.5");
    assert!(sip_of(&n).lr());
    assert_eq!(n.param("expires"), Some("60"));
    assert_eq!(n.param("q"), Some("0.5"));
}

#[test]
fn rfc4475_regbadct_bare_with_headers_rejected() {
    assert_eq!(
        err("sip:user@company.com?Route=%3Csip:sip.example.com%3E"),
        UriError::BareAddrSpec
    );
    // In angle brackets the same URI is fine (regescrt).
    let n = na("<sip:user@example.com?Route=%3Csip:sip.example.com%3E>");
    assert_eq!(
        sip_of(&n).header("route"),
        Some("%3Csip:sip.example.com%3E")
    );
}

#[test]
fn bare_with_comma_rejected() {
    assert_eq!(err("sip:a,b@c.com"), UriError::BadChar { offset: 5 });
    assert_eq!(
        err("sip:a@b.com,sip:c@d.com"),
        UriError::BadChar { offset: 11 }
    );
    // ...but a list element can be taken off the front.
    let (n, rest) = NameAddr::parse_prefix("sip:a@b.com;expires=5 , <sip:c@d.com>").unwrap();
    assert_eq!(n.param("expires"), Some("5"));
    assert_eq!(rest, ", <sip:c@d.com>");
    let (n, rest) = NameAddr::parse_prefix("\"A, B\" <sip:a@b.com>,x").unwrap();
    assert_eq!(n.display_name.as_deref(), Some("A, B"));
    assert_eq!(rest, ",x");
}

#[test]
fn rfc4475_lwsdisp_no_space_before_laquot() {
    let n = na("caller<sip:caller@example.com>;tag=323");
    assert_eq!(n.display_name.as_deref(), Some("caller"));
    assert_eq!(n.tag(), Some("323"));
    let n = na("\"caller\"<sip:caller@example.com>");
    assert_eq!(n.display_name.as_deref(), Some("caller"));
}

#[test]
fn rfc4475_quotbal_unterminated_quote() {
    assert_eq!(
        err("\"Mr. J. User <sip:j.user@example.com>"),
        UriError::UnterminatedQuote { offset: 0 }
    );
    assert_eq!(err("\"abc\\"), UriError::UnterminatedQuote { offset: 0 });
    assert_eq!(
        err("<sip:a@b.com>;x=\"abc"),
        UriError::UnterminatedQuote { offset: 16 }
    );
}

#[test]
fn rfc4475_badaspec_spaces_inside_brackets_rejected() {
    assert_eq!(
        err("\"Watson, Thomas\" < sip:t.watson@ieee.org >"),
        UriError::MissingScheme
    );
    assert_eq!(
        err("<sip:t.watson@ieee.org >"),
        UriError::BadChar { offset: 22 }
    );
}

#[test]
fn rfc4475_baddn_unquoted_comma_rejected() {
    assert_eq!(
        err("Bell, Alexander <sip:a.g.bell@bell-tel.com>;tag=43"),
        UriError::BadDisplayName { offset: 4 }
    );
    // Quoted, it is fine.
    let n = na("\"Bell, Alexander\" <sip:a.g.bell@bell-tel.com>;tag=43");
    assert_eq!(n.display_name.as_deref(), Some("Bell, Alexander"));
    assert_eq!(
        n.to_string(),
        "\"Bell, Alexander\" <sip:a.g.bell@bell-tel.com>;tag=43"
    );
}

#[test]
fn rfc4475_intmeth_control_chars_in_quoted_pairs() {
    // §3.1.1.2: `"BEL:\<BEL> NUL:\<NUL> DEL:\<DEL>"`.
    let s = "\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>";
    let n = round_trip(s);
    assert_eq!(n.display_name.as_deref(), Some("BEL:\x07 NUL:\0 DEL:\x7f"));
    assert_eq!(
        sip_of(&n).user.as_deref(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(n.to_string(), s);
    // Raw control characters are not qdtext.
    assert_eq!(
        err("\"a\x07b\" <sip:a@b.com>"),
        UriError::BadDisplayName { offset: 2 }
    );
}

#[test]
fn rfc4475_esc02_percent_in_display_name_is_literal() {
    let n = na("\"%Z%45\" <sip:resource@example.com>");
    assert_eq!(n.display_name.as_deref(), Some("%Z%45"));
}

#[test]
fn rfc4475_escnull_and_semiuri_in_name_addr() {
    let n = na("sip:null-%00-null@example.com;tag=839923423");
    assert_eq!(
        sip_of(&n).user_bytes().as_deref(),
        Some(&b"null-\0-null"[..])
    );
    assert_eq!(n.tag(), Some("839923423"));
    let n = na("<sip:user;par=u%40example.net@example.com>");
    assert_eq!(sip_of(&n).user.as_deref(), Some("user;par=u%40example.net"));
    // Bare, the ';' ends the URI (§20.10), and `par=u%40example.net@example.com`
    // is not a valid header parameter.
    assert_eq!(
        err("sip:user;par=u%40example.net@example.com"),
        UriError::BadChar { offset: 28 }
    );
}

#[test]
fn opaque_and_tel_addresses() {
    // RFC 4475 unksm2.
    let n = na("isbn:2983792873");
    assert_eq!(n.uri.scheme(), "isbn");
    let n = na("<http://www.example.com>;tag=3234233");
    assert_eq!(n.uri.to_string(), "http://www.example.com");
    assert_eq!(n.tag(), Some("3234233"));
    let n = na("tel:+1-201-555-0123;tag=9");
    assert_eq!(n.uri.to_string(), "tel:+1-201-555-0123");
    assert_eq!(n.tag(), Some("9"));
    let n = round_trip("<tel:+1-201-555-0123;ext=7>");
    assert_eq!(n.uri.as_tel().unwrap().extension(), Some("7"));
}

#[test]
fn line_folds() {
    let n = na("\"a\r\n b\"\r\n <sip:x@y.com>\r\n ;tag=1");
    assert_eq!(n.display_name.as_deref(), Some("a b"));
    assert_eq!(n.tag(), Some("1"));
    let n = na("John\r\n\tDoe <sip:x@y.com>");
    assert_eq!(n.display_name.as_deref(), Some("John Doe"));
    assert_eq!(
        err("\"a\r\nb\" <sip:x@y.com>"),
        UriError::BadDisplayName { offset: 2 }
    );
}

#[test]
fn rfc4475_wsinv_white_space_everywhere() {
    // §3.1.1.1: a bare addr-spec with LWS around ';' and '=', and a quoted
    // display name ending in an escaped backslash and quote, folded lines.
    let n = na("\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n");
    assert_eq!(n.uri.to_string(), "sip:vivekg@chair-dnrc.example.com");
    assert_eq!(n.tag(), Some("1918181833n"));
    let n =
        na("\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8");
    assert_eq!(n.display_name.as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(n.tag(), Some("98asjd8"));
    assert_eq!(
        n.to_string(),
        "\"J Rosenberg \\\\\\\"\" <sip:jdrosen@example.com>;tag=98asjd8"
    );
}

#[test]
fn header_param_forms() {
    let n = round_trip(
        "<sip:a@b.com>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1;received=[2001:db8::1];flag",
    );
    assert_eq!(
        n.param("+sip.instance"),
        Some("<urn:uuid:00000000-0000-1000-8000-000A95A0E128>")
    );
    assert_eq!(n.param("received"), Some("[2001:db8::1]"));
    assert!(n.params.contains("flag"));
    let n = na("sip:a@b.com;x=\"q;uo,ted\"");
    assert_eq!(n.param("x"), Some("q;uo,ted"));
    assert_eq!(
        err("<sip:a@b.com>;"),
        UriError::BadHeaderParam { offset: 14 }
    );
    assert_eq!(
        err("<sip:a@b.com>;tag="),
        UriError::BadHeaderParam { offset: 18 }
    );
    assert_eq!(err("<sip:a@b.com>;t@g=1"), UriError::BadChar { offset: 15 });
    assert_eq!(
        err("<sip:a@b.com>;tag=a@b"),
        UriError::BadChar { offset: 19 }
    );
    assert_eq!(err("<sip:a@b.com> junk"), UriError::BadChar { offset: 14 });
    // A quoted value follows the quoted-string rules: no raw CR/LF outside
    // a fold, no raw controls.
    assert_eq!(
        err("<sip:a@b.com>;x=\"a\r\nVia: y\""),
        UriError::BadHeaderParam { offset: 18 }
    );
    assert_eq!(
        err("<sip:a@b.com>;x=\"a\x01\""),
        UriError::BadHeaderParam { offset: 18 }
    );
    let n = na("<sip:a@b.com>;x=\"a\r\n b\\\"\"");
    assert_eq!(
        n.params.find("x").unwrap().value.as_deref(),
        Some("\"a\r\n b\\\"\"")
    );
    assert_eq!(
        err("<sip:a@b.com>;tag=1 x"),
        UriError::BadChar { offset: 20 }
    );
}

#[test]
fn structural_errors() {
    assert_eq!(err(""), UriError::Empty);
    assert_eq!(err("   "), UriError::Empty);
    assert_eq!(err("<sip:a@b.com"), UriError::MissingRaquot);
    assert_eq!(err("<>"), UriError::Empty);
    assert_eq!(err("Bob"), UriError::BadDisplayName { offset: 3 });
    assert_eq!(
        err("Bob sip:a@b.com"),
        UriError::BadDisplayName { offset: 7 }
    );
    assert_eq!(
        err("\"Bob\" sip:a@b.com"),
        UriError::BadDisplayName { offset: 6 }
    );
    assert_eq!(
        err("alice@atlanta.com"),
        UriError::BadDisplayName { offset: 5 }
    );
    // Offsets of URI errors point into the whole value.
    assert_eq!(err("Bob <sip:a@b.com:x>"), UriError::BadPort { offset: 17 });
    assert_eq!(err("sip:a@b.com:x"), UriError::BadPort { offset: 12 });
    assert_eq!(
        err("\"\u{e9}\\\u{e9}\" <sip:a@b.com>"),
        UriError::BadDisplayName { offset: 3 }
    );
}

#[test]
fn display_quotes_when_needed() {
    let uri = Uri::Sip(SipUri::new(Host::Domain("b.com".into())).with_user("a"));
    let show = |name: &str| {
        NameAddr::new(uri.clone())
            .with_display_name(name)
            .to_string()
    };
    assert_eq!(show("Alice"), "Alice <sip:a@b.com>");
    assert_eq!(show("Alice Smith"), "Alice Smith <sip:a@b.com>");
    assert_eq!(show("Alice  Smith"), "\"Alice  Smith\" <sip:a@b.com>");
    assert_eq!(show(" Alice"), "\" Alice\" <sip:a@b.com>");
    assert_eq!(show(""), "\"\" <sip:a@b.com>");
    assert_eq!(show("A \"B\" \\C"), r#""A \"B\" \\C" <sip:a@b.com>"#);
    assert_eq!(show("Zoë"), "\"Zoë\" <sip:a@b.com>");
    assert_eq!(show("a:b"), "\"a:b\" <sip:a@b.com>");
    // CR/LF cannot be quoted; they must not end the header line.
    assert_eq!(show("a\r\nVia: x"), "\"a  Via: x\" <sip:a@b.com>");
    for name in [
        "Alice  Smith",
        " Alice",
        "",
        "A \"B\" \\C",
        "Zoë",
        "tab\there",
        "nul\0",
    ] {
        let n = NameAddr::new(uri.clone()).with_display_name(name);
        assert_eq!(NameAddr::parse(&n.to_string()), Ok(n));
    }
}

#[test]
fn tag_helpers() {
    let mut n = NameAddr::new(SipUri::new(Host::Domain("b.com".into()))).with_tag("abc");
    assert_eq!(n.tag(), Some("abc"));
    n.set_tag("def");
    assert_eq!(n.tag(), Some("def"));
    assert_eq!(n.to_string(), "<sip:b.com>;tag=def");
    let parsed: NameAddr = "<sip:b.com>;TAG=def".parse().unwrap();
    assert_eq!(parsed.tag(), Some("def"));
}

mod props {
    use super::*;
    use crate::params::Params;
    use proptest::prelude::*;

    fn display_name() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(prop_oneof![
            "[A-Za-z0-9.!%*_+`'~-]{1,8}( [A-Za-z0-9-]{1,5}){0,2}",
            "[ -~\t\u{e9}\u{4e2d}\0\x07]{0,12}",
        ])
    }

    fn gen_value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Za-z0-9.!%*_+`'~-]{1,8}",
            "\\[2001:db8::[0-9a-f]{1,4}\\]",
            "\"([ !#-\\[\\]-~]|\\\\[\"\\\\]){0,8}\"",
        ]
    }

    prop_compose! {
        fn name_addr()(
            display_name in display_name(),
            uri in crate::uri::tests::props::uri(),
            params in proptest::collection::vec(("[A-Za-z0-9.!%*_+`'~-]{1,6}", proptest::option::of(gen_value())), 0..4),
        ) -> NameAddr {
            let mut ps = Params::new();
            for (n, v) in params {
                ps.push(n, v);
            }
            NameAddr { display_name, uri, params: ps }
        }
    }

    proptest! {
        #[test]
        fn generated_name_addrs_round_trip(n in name_addr()) {
            let shown = n.to_string();
            prop_assert_eq!(NameAddr::parse(&shown), Ok(n), "{}", shown);
        }

        #[test]
        fn mutated_name_addrs_never_panic_and_round_trip(
            n in name_addr(),
            edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<bool>(), proptest::sample::select(vec!['"', '\\', '<', '>', ';', ',', '=', ' ', '\r', '\n', '\t', ':', '@', '?', 'a', 'é'])), 1..4),
        ) {
            let mut s: Vec<char> = n.to_string().chars().collect();
            for (idx, insert, c) in edits {
                let at = idx.index(s.len() + 1);
                if insert || at == s.len() {
                    s.insert(at, c);
                } else {
                    s.remove(at);
                }
            }
            let s: String = s.into_iter().collect();
            let _ = NameAddr::parse_prefix(&s);
            prop_assert_eq!(
                NameAddr::parse_uri(&s),
                NameAddr::parse(&s).map(|n| n.uri),
                "{:?}",
                s
            );
            if let Ok(n) = NameAddr::parse(&s) {
                let shown = n.to_string();
                prop_assert_eq!(NameAddr::parse(&shown), Ok(n), "{:?} -> {:?}", s, shown);
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC*") {
            let _ = NameAddr::parse(&s);
            let _ = NameAddr::parse_prefix(&s);
        }

        #[test]
        fn name_addr_like_strings_round_trip(
            s in "[ \"a-zA-Z<>;:=@,\\\\\r\n\té]{0,12}(sip|tel|x):[a-z0-9@:;=?%.+\\-]{0,12}[>; a-z=\"]{0,8}"
        ) {
            prop_assert_eq!(
                NameAddr::parse_uri(&s),
                NameAddr::parse(&s).map(|n| n.uri),
                "{:?}",
                s
            );
            if let Ok(n) = NameAddr::parse(&s) {
                let shown = n.to_string();
                prop_assert_eq!(NameAddr::parse(&shown), Ok(n), "{:?} -> {:?}", s, shown);
            }
        }
    }
}

/// `is_plain_name_addr` only says yes to values the full parser accepts.
fn plain_is_subset(s: &str) {
    if is_plain_name_addr(s) {
        assert!(
            NameAddr::parse(s).is_ok(),
            "recogniser accepted {s:?} but the parser refuses it"
        );
    }
}

#[test]
fn plain_recogniser_covers_the_usual_values() {
    for s in [
        "<sip:alice@example.com>;tag=1928301774",
        "\"Alice\" <sip:alice@192.0.2.1:5060>;tag=ab-12",
        "Bob Smith <sips:bob@biloxi.example.com;transport=tls>",
        "<sip:192.0.2.2:5060;lr>",
        "<sip:bob@192.0.2.2:5060>",
        "<sip:a@b.c>;expires=3600;+sip.instance=x",
    ] {
        assert!(is_plain_name_addr(s), "{s:?}");
        plain_is_subset(s);
    }
    for s in [
        "",
        "sip:bare@example.com;tag=1",
        "<sip:a@[2001:db8::1]>",
        "<sip:a%40b@example.com>",
        "<sip:a@example.com?subject=x>",
        "\"A \\\"q\\\"\" <sip:a@b.c>",
        "<sip:a@b.c>;tag=\"q\"",
        "<tel:+1-555>",
        "<sip:a@-bad.com>",
        "<sip:a@b.c:99999>",
        "<sip:a@b.c>;",
        "<sip:a@b.c> junk",
        "Bell, Alexander <sip:a@b.c>",
        "<sip:a@b.c;=x>",
        "<sip:user:pw@b.c>",
    ] {
        assert!(!is_plain_name_addr(s), "{s:?}");
        plain_is_subset(s);
    }
}

proptest::proptest! {
    #[test]
    fn plain_recogniser_never_accepts_what_the_parser_refuses(
        s in "( |\"[ -~]{0,6}\" ?|[A-Za-z.!%*_+`'~-]{1,4} {0,2}|)<(sip|sips|SIP|SiPs|sis|sip s|tel):([a-z0-9&=+$,.:;%-]{0,5}@)?[a-z0-9.:\\[\\]-]{0,10}(;[a-z0-9=%:-]{0,5}){0,2}>( ?; ?(tag|TaG|tag1|ta|)[a-z=\"%.:-]{0,6}){0,3} ?",
    ) {
        plain_is_subset(&s);
    }

    #[test]
    fn plain_recogniser_on_arbitrary_bytes(s in "[ -~]{0,40}") {
        plain_is_subset(&s);
    }

    /// The `<sip:` start compared at once gives what the general reading
    /// gives (a leading space takes the general reading).
    #[test]
    fn plain_recogniser_fast_start_agrees(
        s in "<(sip|SIP|sIp|sips|sipx|sip s|si):[a-z0-9@.:;=>-]{0,16}( ?; ?[a-z=]{0,5}){0,2}",
    ) {
        proptest::prop_assert_eq!(is_plain_name_addr(&s), is_plain_name_addr(&format!(" {s}")));
        plain_is_subset(&s);
    }

    /// The `;tag=` parameter compared at once gives what the general
    /// reading gives (white space before the `;` takes the general one).
    #[test]
    fn plain_recogniser_fast_tag_agrees(
        head in "<sip:a@b(\\.c)?(:5)?>",
        params in proptest::collection::vec("(tag|TAG|tAg|ta|tags|x)(=[a-z0-9.=;\"]{0,5})?", 0..3),
    ) {
        let tight: String = params.iter().map(|p| format!(";{p}")).collect();
        let loose: String = params.iter().map(|p| format!(" ;{p}")).collect();
        proptest::prop_assert_eq!(
            is_plain_name_addr(&format!("{head}{tight}")),
            is_plain_name_addr(&format!("{head}{loose}"))
        );
        plain_is_subset(&format!("{head}{tight}"));
    }
}

proptest::proptest! {
    /// A display name's last token followed by one space and `<sip:`,
    /// compared at once, gives what the general reading gives (two spaces
    /// or a tab take the general one).
    #[test]
    fn plain_recogniser_fast_display_name_agrees(
        name in "([A-Za-z0-9.!%*_+`'~-]{1,6} ){0,2}[A-Za-z0-9.!%*_+`'~:-]{0,6}",
        scheme in "(sip|SIP|sIp|sips|sipx|si|sip s|tel)",
        rest in ":[a-z0-9@.:;=>-]{0,16}( ?; ?[a-z=]{0,5}){0,2}",
        gap in "(  |\t| \t)",
    ) {
        let tight = format!("{name} <{scheme}{rest}");
        let loose = format!("{name}{gap}<{scheme}{rest}");
        proptest::prop_assert_eq!(is_plain_name_addr(&tight), is_plain_name_addr(&loose));
        plain_is_subset(&tight);
    }
}

/// The port reader as a plain loop: `1*5DIGIT` at most 65535, and its
/// length.
fn port_at_reference(b: &[u8]) -> Option<(u16, usize)> {
    let d = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if d == 0 || d > 5 {
        return None;
    }
    let v: u32 = core::str::from_utf8(&b[..d]).ok()?.parse().ok()?;
    u16::try_from(v).ok().map(|p| (p, d))
}

proptest::proptest! {
    #[test]
    fn port_at_agrees_with_the_reference(s in "[0-9]{0,7}[;>:a/]?[0-9]{0,2}") {
        proptest::prop_assert_eq!(port_at(s.as_bytes()), port_at_reference(s.as_bytes()));
        proptest::prop_assert_eq!(port_digits(s.as_bytes()), port_at_reference(s.as_bytes()).map(|(_, d)| d));
    }
}

#[test]
fn port_at_edges() {
    assert_eq!(port_at(b"65535;"), Some((65535, 5)));
    assert_eq!(port_at(b"65536"), None);
    assert_eq!(port_at(b"099999"), None);
    assert_eq!(port_at(b"00001>"), Some((1, 5)));
    assert_eq!(port_at(b"5060"), Some((5060, 4)));
    assert_eq!(port_at(b""), None);
    assert_eq!(port_at(b";5"), None);
}

proptest::proptest! {
    /// A value ending right after its `>` or a parameter, taken at once,
    /// gets what the general reading gives it with white space after it.
    #[test]
    fn plain_recogniser_fast_end_agrees(
        head in "(Al |)<(sip|sips|tel):(a@)?[a-z0-9.:-]{1,10}(;[a-z]{1,3})?>",
        params in proptest::collection::vec("(tag|x|TAG)(=[a-z0-9.\"]{0,5})?", 0..3),
    ) {
        let v: String = format!("{head}{}", params.iter().map(|p| format!(";{p}")).collect::<String>());
        proptest::prop_assert_eq!(is_plain_name_addr(&v), is_plain_name_addr(&format!("{v} ")));
        plain_is_subset(&v);
    }
}
