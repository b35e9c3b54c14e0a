//! The semantic expectations of each RFC 4475 case: what a message that
//! parses must mean (unescaping, parameters, bodies, the checks RFC 4475
//! expects an element to be able to make).

use super::*;

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

pub(super) fn semantic_checks(name: &str, bytes: &[u8], m: &Message, ctx: &str) {
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
            assert_eq!((r.status.as_u16(), &*r.reason), (100, ""), "{ctx}");
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
