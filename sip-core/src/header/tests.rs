//! Cross-header property tests: generated values survive `Display` →
//! `parse`, list headers survive being joined on one line, and no parser
//! panics on arbitrary input.

use super::*;
use crate::auth::{AuthParam, AuthValue};
use crate::method::Method;
use crate::params::Params;
use crate::transport::Transport;
use crate::uri::Host;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use std::net::IpAddr;

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,11}"
}

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        vec("[a-z]([a-z0-9-]{0,6}[a-z0-9])?", 1..4).prop_map(|l| Host::Domain(l.join("."))),
        any::<std::net::Ipv4Addr>().prop_map(Host::Ipv4),
        any::<std::net::Ipv6Addr>().prop_map(Host::Ipv6),
    ]
}

/// A generic-param value: token or quoted-string (as written, quotes
/// kept).
fn gen_value() -> impl Strategy<Value = String> {
    prop_oneof![
        token(),
        "[a-z ;,=:<>@]{0,8}".prop_map(|s| format!("\"{s}\"")),
    ]
}

/// Extension parameters whose names start with `x-`, so they never clash
/// with the parameters a header types.
fn ext_params() -> impl Strategy<Value = Params> {
    vec(("x-[a-z0-9]{1,6}", option::of(gen_value())), 0..3).prop_map(|v| {
        let mut p = Params::new();
        for (n, val) in v {
            p.push(n, val);
        }
        p
    })
}

fn known_transport() -> impl Strategy<Value = Transport> {
    prop::sample::select(vec![
        Transport::Udp,
        Transport::Tcp,
        Transport::Tls,
        Transport::Sctp,
        Transport::Ws,
        Transport::Wss,
    ])
}

fn via() -> impl Strategy<Value = Via> {
    let protocol = prop_oneof![
        Just(ViaProtocol::Sip20),
        (token(), token())
            .prop_filter("not SIP/2.0", |(n, v)| !(n.eq_ignore_ascii_case("SIP")
                && v == "2.0"))
            .prop_map(|(name, version)| ViaProtocol::Other { name, version }),
    ];
    let transport = prop_oneof![
        known_transport().prop_map(ViaTransport::Known),
        token()
            .prop_filter("unknown", |t| Transport::from_token(t).is_none())
            .prop_map(ViaTransport::Other),
    ];
    (
        protocol,
        transport,
        host(),
        option::of(any::<u16>()),
        option::of(token()),
        option::of(any::<IpAddr>()),
        option::of(option::of(any::<u16>())),
        ext_params(),
    )
        .prop_map(
            |(protocol, transport, host, port, branch, received, rport, ext)| {
                let mut v = Via {
                    protocol,
                    transport,
                    host,
                    port,
                    params: Params::new(),
                };
                if let Some(b) = branch {
                    v.set_branch(&b);
                }
                if let Some(r) = received {
                    v.set_received(r);
                }
                if let Some(r) = rport {
                    v.set_rport(r);
                }
                for p in &ext {
                    v.params.push(p.name.clone(), p.value.clone());
                }
                v
            },
        )
}

fn name_addr() -> impl Strategy<Value = crate::name_addr::NameAddr> {
    use crate::name_addr::NameAddr;
    use crate::uri::{SipUri, Uri};
    let uri = (
        any::<bool>(),
        option::of("[a-z0-9]{1,8}"),
        host(),
        option::of(any::<u16>()),
        any::<bool>(),
    )
        .prop_map(|(secure, user, host, port, lr)| {
            let mut u = SipUri::new(host).with_secure(secure);
            if let Some(user) = user {
                u = u.with_user(&user);
            }
            if let Some(p) = port {
                u = u.with_port(p);
            }
            if lr {
                u = u.with_param("lr", None);
            }
            Uri::Sip(u)
        });
    let display = option::of(prop_oneof![
        "[A-Za-z]{1,6}( [A-Za-z]{1,6}){0,2}",
        "[^\\x00-\\x1f\\x7f]{0,12}",
    ]);
    (display, uri, ext_params()).prop_map(|(display_name, uri, params)| NameAddr {
        display_name,
        uri,
        params,
    })
}

fn contact() -> impl Strategy<Value = Contact> {
    prop_oneof![
        1 => Just(Contact::Wildcard),
        6 => (name_addr(), option::of(any::<u32>()), option::of(0u16..=1000)).prop_map(|(mut a, e, q)| {
            if let Some(e) = e {
                a.params.set("expires", Some(&e.to_string()));
            }
            if let Some(q) = q {
                let q = QValue::from_thousandths(q).unwrap();
                a.params.set("q", Some(&q.to_string()));
            }
            Contact::Address(a)
        }),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        prop::sample::select(vec![
            Method::Invite,
            Method::Ack,
            Method::Bye,
            Method::Cancel,
            Method::Options,
            Method::Register,
            Method::Prack,
            Method::Subscribe,
            Method::Notify,
            Method::Publish,
            Method::Info,
            Method::Refer,
            Method::Message,
            Method::Update,
        ]),
        token().prop_map(|t| Method::from_token(&t)),
    ]
}

fn sub_state() -> impl Strategy<Value = SubscriptionState> {
    let state = prop_oneof![
        Just(SubState::Active),
        Just(SubState::Pending),
        Just(SubState::Terminated),
        token()
            .prop_filter("extension", |t| {
                !["active", "pending", "terminated"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(t))
            })
            .prop_map(SubState::Extension),
    ];
    let reason = token().prop_map(|t| TerminationReason::from_token(&t));
    let known_reason = prop::sample::select(vec![
        "deactivated",
        "probation",
        "rejected",
        "timeout",
        "giveup",
        "noresource",
        "invariant",
    ])
    .prop_map(TerminationReason::from_token);
    (
        state,
        option::of(prop_oneof![reason, known_reason]),
        option::of(any::<u32>()),
        option::of(any::<u32>()),
        ext_params(),
    )
        .prop_map(
            |(state, reason, expires, retry_after, params)| SubscriptionState {
                state,
                reason,
                expires,
                retry_after,
                params,
            },
        )
}

/// Auth-params with distinct names: quoted values are any text without
/// control characters; bare values are non-empty runs of the characters
/// the auth parser reads unquoted.
fn auth_params(min: usize) -> impl Strategy<Value = Vec<AuthParam>> {
    let param = (
        "[A-Za-z][A-Za-z0-9-]{0,8}",
        prop_oneof![
            "[^\\x00-\\x1f\\x7f]{0,12}".prop_map(|v| (v, true)),
            "[A-Za-z0-9:/@;=._~+-]{1,10}".prop_map(|v| (v, false)),
        ],
    );
    vec(param, min..5).prop_map(|ps| {
        let mut out: Vec<AuthParam> = Vec::new();
        for (name, (value, quoted)) in ps {
            if !out.iter().any(|p| p.name.eq_ignore_ascii_case(&name)) {
                out.push(AuthParam {
                    name,
                    value,
                    quoted,
                });
            }
        }
        out
    })
}

fn auth_value() -> impl Strategy<Value = AuthValue> {
    (token(), auth_params(0)).prop_map(|(scheme, params)| AuthValue { scheme, params })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn via_round_trips(v in via()) {
        let s = v.to_string();
        prop_assert_eq!(Via::parse(&s), Ok(v.clone()), "{}", s);
        prop_assert_eq!(Via::branch_of(&s), v.branch());
    }

    #[test]
    fn vias_on_one_line(vs in vec(via(), 1..4)) {
        let line = vs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let mut h = Headers::new();
        h.push(HeaderName::Via, line);
        let back: Vec<Via> = h.typed_all().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(back, vs);
    }

    #[test]
    fn contact_round_trips(c in contact()) {
        let s = c.to_string();
        prop_assert_eq!(Contact::parse(&s), Ok(c.clone()), "{}", s);
        if let Contact::Address(a) = &c {
            let e = a.params.get("expires").map(|e| e.parse::<u32>().unwrap());
            prop_assert_eq!(c.expires(), e);
        }
    }

    #[test]
    fn contacts_on_one_line(cs in vec(contact(), 1..4)) {
        let line = cs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let mut h = Headers::new();
        h.push(HeaderName::Contact, line);
        let back: Vec<Contact> = h.typed_all().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(back, cs);
    }

    #[test]
    fn address_headers_round_trip(a in name_addr(), tag in option::of(token())) {
        let mut f = From(a.clone());
        if let Some(t) = &tag {
            f.set_tag(t);
        }
        let s = f.to_string();
        prop_assert_eq!(From::parse(&s), Ok(f.clone()), "{}", s);
        prop_assert_eq!(From::tag_of(&s), tag.as_deref());
        prop_assert_eq!(To::parse(&s), Ok(To(f.0.clone())));
        prop_assert_eq!(To::tag_of(&s), tag.as_deref());
        let s = a.to_string();
        prop_assert_eq!(Route::parse(&s), Ok(Route(a.clone())));
        prop_assert_eq!(RecordRoute::parse(&s), Ok(RecordRoute(a.clone())));
        prop_assert_eq!(ReferTo::parse(&s), Ok(ReferTo(a.clone())));
        prop_assert_eq!(ReferredBy::parse(&s), Ok(ReferredBy(a.clone())));
        prop_assert_eq!(PAssertedIdentity::parse(&s), Ok(PAssertedIdentity(a.clone())));
        prop_assert_eq!(ReplyTo::parse(&s), Ok(ReplyTo(a)));
    }

    #[test]
    fn cseq_round_trips(seq in any::<u32>(), m in method()) {
        let c = CSeq::new(seq, m);
        prop_assert_eq!(CSeq::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn rack_round_trips(rseq in any::<u32>(), cseq in any::<u32>(), method in method()) {
        let r = RAck { rseq, cseq, method };
        prop_assert_eq!(RAck::parse(&r.to_string()), Ok(r));
    }

    #[test]
    fn subscription_state_round_trips(s in sub_state()) {
        prop_assert_eq!(SubscriptionState::parse(&s.to_string()), Ok(s));
    }

    #[test]
    fn auth_headers_round_trip(v in auth_value()) {
        let s = v.to_string();
        prop_assert_eq!(WwwAuthenticate::parse(&s), Ok(WwwAuthenticate(v.clone())), "{}", s);
        prop_assert_eq!(ProxyAuthenticate::parse(&s), Ok(ProxyAuthenticate(v.clone())));
        prop_assert_eq!(Authorization::parse(&s), Ok(Authorization(v.clone())));
        prop_assert_eq!(ProxyAuthorization::parse(&s), Ok(ProxyAuthorization(v)));
    }

    #[test]
    fn authentication_info_round_trips(p in auth_params(1)) {
        let i = AuthenticationInfo(p);
        prop_assert_eq!(AuthenticationInfo::parse(&i.to_string()), Ok(i));
    }

    #[test]
    fn session_expires_round_trips(
        delta in any::<u32>(),
        r in option::of(prop::sample::select(vec![Refresher::Uac, Refresher::Uas])),
        params in ext_params(),
    ) {
        let s = SessionExpires { delta, refresher: r, params };
        prop_assert_eq!(SessionExpires::parse(&s.to_string()), Ok(s));
    }

    #[test]
    fn reason_round_trips(
        protocol in token(),
        cause in option::of(any::<u32>()),
        text in option::of("[^\\r\\n]{0,12}"),
        params in ext_params(),
    ) {
        let r = Reason { protocol, cause, text, params };
        prop_assert_eq!(Reason::parse(&r.to_string()), Ok(r));
    }

    #[test]
    fn media_type_round_trips(ty in token(), subtype in token(), params in ext_params()) {
        prop_assume!(ty != "*" && subtype != "*");
        let c = ContentType(MediaType { ty, subtype, params });
        prop_assert_eq!(ContentType::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn replaces_round_trips(
        call_id in "[A-Za-z0-9.!%*_+~-]{1,10}(@[A-Za-z0-9.:-]{1,10})?",
        to_tag in token(),
        from_tag in token(),
        early_only in any::<bool>(),
        params in ext_params(),
    ) {
        let r = Replaces { call_id, to_tag, from_tag, early_only, params };
        prop_assert_eq!(Replaces::parse(&r.to_string()), Ok(r));
    }
}

/// Runs every parser on `s`; the result does not matter, only that none
/// panics, and that whatever parses re-parses from its own serialization.
fn parse_all(s: &str) {
    macro_rules! each {
        ($($t:ty),* $(,)?) => {$(
            if let Ok(v) = <$t as TypedHeader>::parse(s) {
                let again = <$t as TypedHeader>::parse(&v.to_string());
                assert!(again.is_ok(), "{} {s:?} -> {v} does not re-parse", stringify!($t));
            }
        )*};
    }
    each!(
        Via,
        CSeq,
        RAck,
        CallId,
        MaxForwards,
        ContentLength,
        Expires,
        MinExpires,
        RSeq,
        MinSe,
        SessionExpires,
        RetryAfter,
        ContentType,
        Accept,
        Require,
        ProxyRequire,
        Supported,
        Unsupported,
        Allow,
        AllowEvents,
        Event,
        SubscriptionState,
        Replaces,
        Reason,
        ReferSub,
        Privacy,
        SipETag,
        SipIfMatch,
        Warning,
        WwwAuthenticate,
        ProxyAuthenticate,
        Authorization,
        ProxyAuthorization,
        AuthenticationInfo,
        From,
        To,
        Contact,
        Route,
        RecordRoute,
        ReplyTo,
        ReferTo,
        ReferredBy,
        PAssertedIdentity,
        PPreferredIdentity,
    );
    let _ = Via::branch_of(s);
    let _ = header_param(s, "tag");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        parse_all(&s);
    }

    #[test]
    fn sip_like_strings_never_panic(
        s in "[ \\t;,=\"<>:@\\[\\]\\\\/()a-zA-Z0-9.*é-]{0,48}",
    ) {
        parse_all(&s);
    }

    #[test]
    fn mutated_vias_never_panic(v in via(), cut in any::<prop::sample::Index>(), junk in "[;,=\"\\[\\]: ]") {
        let mut s = v.to_string();
        let i = cut.index(s.len() + 1);
        if s.is_char_boundary(i) {
            s.insert_str(i, &junk);
        }
        parse_all(&s);
    }
}
