use super::*;
use crate::header::{HeaderName, Headers};
use crate::message::{Request, Response};
use crate::method::Method;
use crate::status::StatusCode;

fn invite() -> Request {
    let mut h = Headers::new();
    h.push(
        HeaderName::Via,
        "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
    );
    h.push(HeaderName::MaxForwards, "70");
    h.push(HeaderName::To, "Bob <sip:bob@biloxi.com>");
    h.push(
        HeaderName::From,
        "Alice <sip:alice@atlanta.com>;tag=1928301774",
    );
    h.push(HeaderName::CallId, "a84b4c76e66710@pc33.atlanta.com");
    h.push(HeaderName::CSeq, "314159 INVITE");
    h.push(HeaderName::Contact, "<sip:alice@pc33.atlanta.com>");
    h.push(
        HeaderName::RecordRoute,
        "<sip:p2.biloxi.com;lr>, <sip:p1.atlanta.com;lr>",
    );
    Request {
        method: Method::Invite,
        uri: "sip:bob@biloxi.com".parse().unwrap(),
        headers: h,
        body: Vec::new(),
    }
}

fn response(status: u16, tag: Option<&str>) -> Response {
    let req = invite();
    let mut r = Response::new(StatusCode::new(status).unwrap());
    for name in [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::CallId,
        HeaderName::CSeq,
    ] {
        r.headers
            .push(name.clone(), req.headers.get(&name).unwrap());
    }
    let to = match tag {
        Some(t) => format!("Bob <sip:bob@biloxi.com>;tag={t}"),
        None => "Bob <sip:bob@biloxi.com>".to_owned(),
    };
    r.headers.push(HeaderName::To, to);
    r.headers.push(HeaderName::Contact, "<sip:bob@192.0.2.4>");
    r.headers
        .push(HeaderName::RecordRoute, "<sip:p2.biloxi.com;lr>");
    r.headers
        .push(HeaderName::RecordRoute, "<sip:p1.atlanta.com;lr>");
    r
}

fn routes(d: &Dialog) -> Vec<String> {
    d.route_set().iter().map(|r| r.uri.to_string()).collect()
}

#[test]
fn uas_dialog_from_request() {
    let d = Dialog::new_uas(&invite(), "a6c85cf", false).unwrap();
    assert_eq!(d.role(), Role::Uas);
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(
        d.id(),
        &DialogId::new("a84b4c76e66710@pc33.atlanta.com", "a6c85cf", "1928301774")
    );
    assert_eq!(d.remote_seq(), Some(314159));
    assert_eq!(d.local_seq(), None);
    assert_eq!(d.remote_target().to_string(), "sip:alice@pc33.atlanta.com");
    assert_eq!(d.local(), "Bob <sip:bob@biloxi.com>;tag=a6c85cf");
    assert_eq!(d.local_addr().unwrap().display_name.as_deref(), Some("Bob"));
    assert_eq!(d.remote_addr().unwrap().tag(), Some("1928301774"));
    // §12.1.1: Record-Route in order.
    assert_eq!(
        routes(&d),
        ["sip:p2.biloxi.com;lr", "sip:p1.atlanta.com;lr"]
    );
    assert!(!d.is_secure());
}

#[test]
fn uac_dialog_from_response_reverses_route_set() {
    let d = Dialog::new_uac(&invite(), &response(180, Some("a6c85cf")), false).unwrap();
    assert_eq!(d.role(), Role::Uac);
    assert!(d.is_early());
    assert_eq!(
        d.id(),
        &DialogId::new("a84b4c76e66710@pc33.atlanta.com", "1928301774", "a6c85cf")
    );
    assert_eq!(d.local_seq(), Some(314159));
    assert_eq!(d.remote_seq(), None);
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.4");
    assert_eq!(
        routes(&d),
        ["sip:p1.atlanta.com;lr", "sip:p2.biloxi.com;lr"]
    );
    let d2 = Dialog::new_uac(&invite(), &response(200, Some("x")), false).unwrap();
    assert_eq!(d2.state(), DialogState::Confirmed);
}

#[test]
fn creation_errors() {
    assert_eq!(
        Dialog::new_uac(&invite(), &response(180, None), false),
        Err(DialogError::MissingTag("To"))
    );
    let mut req = invite();
    req.headers.remove(&HeaderName::Contact);
    assert_eq!(
        Dialog::new_uas(&req, "t", false),
        Err(DialogError::MissingContact)
    );
    req.headers.push(HeaderName::Contact, "*");
    assert_eq!(
        Dialog::new_uas(&req, "t", false),
        Err(DialogError::MissingContact)
    );
    let mut req = invite();
    req.headers.set(HeaderName::From, "<sip:alice@atlanta.com>");
    assert_eq!(
        Dialog::new_uas(&req, "t", false),
        Err(DialogError::MissingTag("From"))
    );
    let mut req = invite();
    req.headers.remove(&HeaderName::CallId);
    assert_eq!(
        Dialog::new_uas(&req, "t", false),
        Err(DialogError::MissingHeader("Call-ID"))
    );
    let mut req = invite();
    req.headers.set(HeaderName::CSeq, "x INVITE");
    assert!(matches!(
        Dialog::new_uas(&req, "t", false),
        Err(DialogError::Header(_))
    ));
}

#[test]
fn uac_without_contact_targets_request_uri() {
    let mut r = response(200, Some("t"));
    r.headers.remove(&HeaderName::Contact);
    let d = Dialog::new_uac(&invite(), &r, false).unwrap();
    assert_eq!(d.remote_target().to_string(), "sip:bob@biloxi.com");
}

#[test]
fn secure_flag_needs_tls_and_sips() {
    let mut req = invite();
    assert!(!Dialog::new_uas(&req, "t", true).unwrap().is_secure());
    req.uri = "sips:bob@biloxi.com".parse().unwrap();
    assert!(!Dialog::new_uas(&req, "t", false).unwrap().is_secure());
    assert!(Dialog::new_uas(&req, "t", true).unwrap().is_secure());
}

#[test]
fn request_with_loose_routes_increments_cseq() {
    let mut d = Dialog::new_uac(&invite(), &response(200, Some("a6c85cf")), false).unwrap();
    let bye = d.request(Method::Bye);
    assert_eq!(d.local_seq(), Some(314160));
    assert_eq!(bye.uri.to_string(), "sip:bob@192.0.2.4");
    let h = &bye.headers;
    assert_eq!(h.get(&HeaderName::CSeq), Some("314160 BYE"));
    assert_eq!(
        h.get(&HeaderName::CallId),
        Some("a84b4c76e66710@pc33.atlanta.com")
    );
    assert_eq!(
        h.get(&HeaderName::From),
        Some("Alice <sip:alice@atlanta.com>;tag=1928301774")
    );
    assert_eq!(
        h.get(&HeaderName::To),
        Some("Bob <sip:bob@biloxi.com>;tag=a6c85cf")
    );
    assert_eq!(
        h.get_all(&HeaderName::Route).collect::<Vec<_>>(),
        ["<sip:p1.atlanta.com;lr>", "<sip:p2.biloxi.com;lr>"]
    );
    assert_eq!(h.get(&HeaderName::MaxForwards), Some("70"));
    assert!(!h.contains(&HeaderName::Via));
    let info = d.request(Method::Info);
    assert_eq!(info.headers.get(&HeaderName::CSeq), Some("314161 INFO"));
}

#[test]
fn next_request_leaves_the_dialog_until_committed() {
    let mut d = Dialog::new_uac(&invite(), &response(200, Some("a6c85cf")), false).unwrap();
    let before = d.clone();
    let (bye, seq) = d.next_request(Method::Bye);
    assert_eq!(seq, 314160);
    assert_eq!(d, before);
    assert_eq!(bye, before.clone().request(Method::Bye));
    d.commit_local_seq(seq);
    assert_eq!(d.local_seq(), Some(314160));
    let (info, _) = d.next_request(Method::Info);
    assert_eq!(info.headers.get(&HeaderName::CSeq), Some("314161 INFO"));
}

#[test]
fn ack_reuses_invite_cseq() {
    let d = Dialog::new_uac(&invite(), &response(200, Some("a6c85cf")), false).unwrap();
    let ack = d.ack(314159);
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.headers.get(&HeaderName::CSeq), Some("314159 ACK"));
    assert_eq!(d.local_seq(), Some(314159));
}

#[test]
fn uas_first_request_starts_at_one() {
    let mut d = Dialog::new_uas(&invite(), "a6c85cf", false).unwrap();
    let bye = d.request(Method::Bye);
    assert_eq!(bye.headers.get(&HeaderName::CSeq), Some("1 BYE"));
    assert_eq!(bye.uri.to_string(), "sip:alice@pc33.atlanta.com");
    // §12.1.1 route set in Record-Route order.
    assert_eq!(
        bye.headers.get_all(&HeaderName::Route).collect::<Vec<_>>(),
        ["<sip:p2.biloxi.com;lr>", "<sip:p1.atlanta.com;lr>"]
    );
    assert_eq!(
        bye.headers.get(&HeaderName::From),
        Some("Bob <sip:bob@biloxi.com>;tag=a6c85cf")
    );
}

#[test]
fn strict_routing_puts_first_route_in_request_uri() {
    let mut r = response(200, Some("t"));
    r.headers.remove(&HeaderName::RecordRoute);
    // As the UAC reverses: the first route is the last Record-Route.
    r.headers.push(
        HeaderName::RecordRoute,
        "<sip:p2.biloxi.com;lr>, <sip:p1.atlanta.com;method=INVITE>",
    );
    let mut d = Dialog::new_uac(&invite(), &r, false).unwrap();
    let bye = d.request(Method::Bye);
    assert_eq!(bye.uri.to_string(), "sip:p1.atlanta.com");
    assert_eq!(
        bye.headers.get_all(&HeaderName::Route).collect::<Vec<_>>(),
        ["<sip:p2.biloxi.com;lr>", "<sip:bob@192.0.2.4>"]
    );
}

#[test]
fn incoming_cseq_order() {
    let mut d = Dialog::new_uac(&invite(), &response(200, Some("t")), false).unwrap();
    let mut bye = d.request(Method::Bye);
    bye.headers.set(HeaderName::CSeq, "5 INFO");
    // Remote sequence empty: anything goes.
    assert_eq!(d.receive_request(&bye), Ok(()));
    assert_eq!(d.remote_seq(), Some(5));
    bye.headers.set(HeaderName::CSeq, "5 INFO");
    assert_eq!(
        d.receive_request(&bye),
        Err(InDialogError::OutOfOrder {
            received: 5,
            last: 5
        })
    );
    bye.headers.set(HeaderName::CSeq, "4 INFO");
    let e = d.receive_request(&bye).unwrap_err();
    assert_eq!(e.status(), StatusCode::SERVER_INTERNAL_ERROR);
    assert_eq!(d.remote_seq(), Some(5));
    bye.headers.set(HeaderName::CSeq, "6 INFO");
    assert_eq!(d.receive_request(&bye), Ok(()));
    assert_eq!(d.remote_seq(), Some(6));
    bye.headers.set(HeaderName::CSeq, "oops");
    assert_eq!(d.receive_request(&bye), Err(InDialogError::BadCSeq));
}

#[test]
fn ack_is_not_sequence_checked() {
    let mut d = Dialog::new_uas(&invite(), "a6c85cf", false).unwrap();
    let mut ack = invite();
    ack.method = Method::Ack;
    ack.headers.set(HeaderName::CSeq, "314159 ACK");
    assert_eq!(d.receive_request(&ack), Ok(()));
    assert_eq!(d.remote_seq(), Some(314159));
}

#[test]
fn target_refresh_from_request_and_response() {
    let mut d = Dialog::new_uas(&invite(), "a6c85cf", false).unwrap();
    let mut reinvite = invite();
    reinvite.headers.set(HeaderName::CSeq, "314160 INVITE");
    reinvite
        .headers
        .set(HeaderName::Contact, "<sip:alice@198.51.100.7:5070>");
    d.receive_request(&reinvite).unwrap();
    assert_eq!(d.remote_target().to_string(), "sip:alice@198.51.100.7:5070");
    // INFO is not a target refresh request.
    let mut info = reinvite.clone();
    info.method = Method::Info;
    info.headers.set(HeaderName::CSeq, "314161 INFO");
    info.headers
        .set(HeaderName::Contact, "<sip:elsewhere@198.51.100.8>");
    d.receive_request(&info).unwrap();
    assert_eq!(d.remote_target().to_string(), "sip:alice@198.51.100.7:5070");
    // A malformed Contact refuses the request and changes nothing.
    reinvite.headers.set(HeaderName::CSeq, "314162 INVITE");
    reinvite.headers.set(HeaderName::Contact, "<sip:@@>");
    assert!(matches!(
        d.receive_request(&reinvite),
        Err(InDialogError::BadContact(_))
    ));
    assert_eq!(d.remote_seq(), Some(314161));

    let mut uac = Dialog::new_uac(&invite(), &response(180, Some("t")), false).unwrap();
    let mut ok = response(200, Some("t"));
    ok.headers.set(HeaderName::Contact, "<sip:bob@192.0.2.99>");
    ok.headers.remove(&HeaderName::RecordRoute);
    ok.headers
        .push(HeaderName::RecordRoute, "<sip:only.example.com;lr>");
    uac.receive_response(&ok).unwrap();
    assert_eq!(uac.state(), DialogState::Confirmed);
    assert_eq!(uac.remote_target().to_string(), "sip:bob@192.0.2.99");
    // §13.2.2.4: the 2xx recomputes the route set.
    assert_eq!(routes(&uac), ["sip:only.example.com;lr"]);
    // Once confirmed the route set stays.
    ok.headers.remove(&HeaderName::RecordRoute);
    uac.receive_response(&ok).unwrap();
    assert_eq!(routes(&uac), ["sip:only.example.com;lr"]);
}

/// Creation with the tags given is creation reading them.
#[test]
fn known_tags_create_the_same_dialogs() {
    let req = invite();
    let from_tag = Some("1928301774");
    for status in [180, 200] {
        let resp = response(status, Some("a6c85cf"));
        let read = Dialog::new_uac(&req, &resp, false).unwrap();
        for known in [
            KnownTags::default(),
            KnownTags {
                from: from_tag,
                to: None,
                seq: None,
            },
            KnownTags {
                from: None,
                to: Some("a6c85cf"),
                seq: Some(314159),
            },
            KnownTags {
                from: from_tag,
                to: Some("a6c85cf"),
                seq: Some(314159),
            },
        ] {
            assert_eq!(
                Dialog::new_uac_known(&req, &resp, false, known).unwrap(),
                read
            );
        }
    }
    let read = Dialog::new_uas(&req, "t9", true).unwrap();
    let known = KnownTags {
        from: from_tag,
        to: None,
        seq: Some(314159),
    };
    assert_eq!(
        Dialog::new_uas_known(&req, "t9", true, known).unwrap(),
        read
    );
    // Errors come as when reading: the headers are still required.
    let mut no_call_id = req.clone();
    no_call_id.headers.remove(&HeaderName::CallId);
    assert_eq!(
        Dialog::new_uas_known(&no_call_id, "t9", false, known),
        Dialog::new_uas(&no_call_id, "t9", false)
    );
}

/// Creation and updates with the lines given are those reading them.
#[test]
fn known_lines_create_the_same_dialogs() {
    let mut with_rr = invite();
    with_rr
        .headers
        .push(HeaderName::RecordRoute, "<sip:p.example.com;lr>");
    for req in [invite(), with_rr] {
        let lines = KnownLines::scan(&req.headers);
        for known in [
            KnownTags::default(),
            KnownTags {
                from: Some("1928301774"),
                to: None,
                seq: Some(314159),
            },
        ] {
            assert_eq!(
                Dialog::new_uas_lines(&req, "t9", true, known, lines),
                Dialog::new_uas_known(&req, "t9", true, known)
            );
        }
        for status in [180, 200] {
            let mut resps = vec![response(status, Some("a6c85cf"))];
            let mut other = response(status, Some("a6c85cf"));
            other.headers.remove(&HeaderName::RecordRoute);
            other.headers.set(HeaderName::Contact, "<sip:b@192.0.2.8>");
            resps.push(other);
            for resp in &resps {
                let answer = KnownLines::of_response(&resp.headers);
                let read = Dialog::new_uac(&req, resp, false);
                let asked = KnownLines::of_request(&req.headers);
                let given =
                    Dialog::new_uac_lines(&req, resp, false, KnownTags::default(), asked, answer);
                assert_eq!(given, read);
                let mut early =
                    Dialog::new_uac(&req, &response(180, Some("a6c85cf")), false).unwrap();
                let mut early2 = early.clone();
                assert_eq!(
                    early.receive_response_lines(resp, answer),
                    early2.receive_response(resp)
                );
                assert_eq!(early, early2);
                assert_eq!(early.route_set(), early2.route_set());
            }
        }
    }
}

/// A dialog built in its slot is the one built and moved there, errors
/// included (in the same order), and an error leaves the slot empty.
#[test]
fn dialogs_built_in_place_agree() {
    let mut cases = vec![invite()];
    let edits: [(HeaderName, &str); 5] = [
        (HeaderName::To, "Bob <sip:bob@biloxi.com>;tag=old"),
        (HeaderName::Contact, "<sip:@@>"),
        (HeaderName::RecordRoute, "<sip:@@>"),
        (HeaderName::CallId, " "),
        (HeaderName::Contact, "*"),
    ];
    for (name, value) in edits {
        let mut r = invite();
        r.headers.set(name, value);
        cases.push(r);
    }
    let mut both = invite();
    both.headers.set(HeaderName::Contact, "<sip:@@>");
    both.headers.set(HeaderName::RecordRoute, "<sip:@@>");
    cases.push(both);
    for req in &cases {
        let lines = KnownLines::scan(&req.headers);
        let known = KnownTags::default();
        let moved = Dialog::new_uas_lines(req, "t9", true, known, lines);
        let to_tagged = crate::transaction::key::to_tag(&req.headers).is_some();
        let told = KnownLines {
            to_tagged: Some(to_tagged),
            ..lines
        };
        for lines in [lines, told] {
            let mut slot = Some(Dialog::new_uas(&invite(), "x", false).unwrap());
            let built = Dialog::new_uas_in(&mut slot, req, "t9", true, known, lines).cloned();
            assert_eq!(built, moved);
            assert_eq!(slot, moved.clone().ok());
        }
    }
}

#[test]
fn response_contact_read_once_per_text() {
    let mut uac = Dialog::new_uac(&invite(), &response(180, Some("t")), false).unwrap();
    let fresh = uac.clone();
    // The 2xx repeats the 1xx's Contact: same target.
    uac.receive_response(&response(200, Some("t"))).unwrap();
    assert_eq!(uac.remote_target().to_string(), "sip:bob@192.0.2.4");
    // The target changed by other means: the same Contact text again is a
    // change back, not "nothing new".
    uac.set_remote_target("sip:moved@192.0.2.7".parse().unwrap());
    uac.receive_response(&response(200, Some("t"))).unwrap();
    assert_eq!(uac.remote_target().to_string(), "sip:bob@192.0.2.4");
    // A different Contact text is parsed; a malformed one is refused and
    // leaves the target.
    let mut r = response(200, Some("t"));
    r.headers.set(HeaderName::Contact, "<sip:bob@192.0.2.5>");
    uac.receive_response(&r).unwrap();
    assert_eq!(uac.remote_target().to_string(), "sip:bob@192.0.2.5");
    // The name-addrs kept beside the Contact text are unchanged.
    assert_eq!(uac.local(), fresh.local());
    assert_eq!(uac.remote(), "Bob <sip:bob@biloxi.com>;tag=t");
    assert_eq!(uac.local(), "Alice <sip:alice@atlanta.com>;tag=1928301774");
    r.headers.set(HeaderName::Contact, "<sip:@@>");
    assert!(uac.receive_response(&r).is_err());
    assert_eq!(uac.remote_target().to_string(), "sip:bob@192.0.2.5");
    // The remembered text is not part of the dialog's state.
    let mut other = fresh.clone();
    other.set_remote_target(fresh.remote_target().clone());
    assert_eq!(other, fresh);
}

mod bracketed_contact {
    use super::create::bracketed_uri;
    use crate::header::Contact;
    use proptest::prelude::*;

    /// The general reader's URI, when it reads one.
    fn general(value: &str) -> Option<crate::uri::Uri> {
        Contact::parse_uri(value).ok().flatten()
    }

    #[test]
    fn usual_contacts_take_the_fast_path() {
        for v in [
            "<sip:alice@192.0.2.1:5060>",
            "<sip:bob@biloxi.com;transport=tcp>",
            "<sips:[2001:db8::1]:5061>",
            "<tel:+15551234567>",
        ] {
            let fast = bracketed_uri(v);
            assert!(fast.is_some(), "{v}");
            assert_eq!(fast, general(v), "{v}");
        }
        for v in [
            "sip:alice@host",
            "<sip:alice@host>;expires=60",
            " <sip:alice@host>",
            "Alice <sip:alice@host>",
            "<sip:a>b>",
            "*",
            "<>",
        ] {
            assert_eq!(bracketed_uri(v), None, "{v}");
        }
    }

    proptest! {
        /// Whenever the fast path reads a URI, the general reader reads
        /// the same one.
        #[test]
        fn agrees_with_contact_parse_uri(
            inner in "(sips?|tel|[a-z]{1,4}):[a-zA-Z0-9@:;=.<>\\[\\]%?&+ _-]{0,24}",
            open in prop::bool::weighted(0.9),
            close in prop::bool::weighted(0.9),
        ) {
            let value = format!(
                "{}{}{}",
                if open { "<" } else { "" },
                inner,
                if close { ">" } else { "" },
            );
            if let Some(uri) = bracketed_uri(&value) {
                prop_assert_eq!(Some(uri), general(&value));
            }
        }

        /// Reading into a blank URI is reading one.
        #[test]
        fn reading_in_place_agrees(
            inner in "(sips?|tel|[a-z]{1,4}):[a-zA-Z0-9@:;=.<>\\[\\]%?&+ _-]{0,24}",
            open in prop::bool::weighted(0.9),
            close in prop::bool::weighted(0.9),
        ) {
            use super::create::{contact_value_uri, contact_value_uri_into};
            let value = format!(
                "{}{}{}",
                if open { "<" } else { "" },
                inner,
                if close { ">" } else { "" },
            );
            let mut out = crate::uri::Uri::blank();
            let read = contact_value_uri_into(&value, &mut out).map(|()| out);
            prop_assert_eq!(read, contact_value_uri(&value));
        }

        /// The trim that skips `str::trim` for plain ends is `str::trim`.
        #[test]
        fn trim_agrees(v in "[ \t\u{b}\u{a0}\u{3000}a;é-]{0,8}") {
            prop_assert_eq!(super::create::trim(&v), v.trim());
        }

        /// Any text: never a URI the general reader does not give.
        #[test]
        fn agrees_on_any_text(value in "\\PC{0,30}") {
            let bracketed = format!("<{value}>");
            for v in [&value, &bracketed] {
                if let Some(uri) = bracketed_uri(v) {
                    prop_assert_eq!(Some(uri), general(v));
                }
            }
        }
    }
}

mod one_pass_lines {
    use super::create::{first_value, KnownLines};
    use crate::header::{split_comma, HeaderName, Headers};
    use proptest::prelude::*;

    /// The lines found in one pass are those the lookups one by one find.
    fn check(h: &Headers) {
        let scanned = KnownLines::scan(h);
        let l = KnownLines::of(h);
        assert_eq!(
            (scanned.from, scanned.to, scanned.call_id, scanned.cseq),
            (l.from, l.to, l.call_id, l.cseq)
        );
        assert_eq!(
            (scanned.contact_line, scanned.record_route),
            (l.contact_line, l.record_route)
        );
        assert_eq!(l.from, h.get(&HeaderName::From));
        assert_eq!(l.to, h.get(&HeaderName::To));
        assert_eq!(l.call_id, h.get(&HeaderName::CallId));
        assert_eq!(l.cseq, h.get(&HeaderName::CSeq));
        assert_eq!(l.contact_line, h.get(&HeaderName::Contact));
        assert_eq!(l.record_route, h.contains(&HeaderName::RecordRoute));
        assert_eq!(l.contact(h), h.values(&HeaderName::Contact).next());
    }

    #[test]
    fn lines_agree_with_lookups() {
        check(&super::invite().headers);
        check(&super::response(180, Some("t")).headers);
        check(&Headers::new());
        let mut h = Headers::new();
        h.push(HeaderName::Contact, " , ");
        h.push(HeaderName::Contact, "<sip:a@x>, <sip:b@y>");
        h.push(HeaderName::To, "<sip:b@x>");
        h.push(HeaderName::To, "<sip:c@x>");
        h.push(HeaderName::CSeq, "2 BYE");
        check(&h);
        let mut h = Headers::new();
        h.push(HeaderName::Contact, "  ");
        h.push(HeaderName::Contact, "\"a, b\" <sip:a@x>");
        check(&h);
    }

    proptest! {
        /// Whenever the one-value reading gives a value, it is the first
        /// value `split_comma` gives.
        #[test]
        fn first_value_agrees_with_split_comma(line in "[ \t,\"<>a-z:@;=\\\\]{0,24}") {
            if let Some(v) = first_value(&line) {
                prop_assert_eq!(Some(v), split_comma(&line).next());
            }
            // And it gives one for every line without a comma and not blank.
            let plain = !line.contains(',') && !line.trim_matches([' ', '\t']).is_empty();
            prop_assert_eq!(first_value(&line).is_some(), plain);
        }

        /// The first Contact value over several Contact lines.
        #[test]
        fn contact_agrees_over_lines(lines in prop::collection::vec("[ ,\"<>a-z:@]{0,12}", 0..4)) {
            let mut h = Headers::new();
            for l in &lines {
                h.push(HeaderName::Contact, l.as_str());
            }
            let one = KnownLines::scan(&h);
            prop_assert_eq!(one.contact(&h), h.values(&HeaderName::Contact).next());
        }
    }
}

/// A lent request is the one `next_request` builds (no route set, loose
/// and strict routes); the dialog, its remote target included, is the
/// same after.
#[test]
fn lent_request_is_the_next_request() {
    let no_routes = {
        let mut r = response(200, Some("t"));
        r.headers.remove(&HeaderName::RecordRoute);
        r
    };
    let strict = {
        let mut r = no_routes.clone();
        r.headers.push(
            HeaderName::RecordRoute,
            "<sip:p2.biloxi.com;lr>, <sip:p1.atlanta.com>",
        );
        r
    };
    for resp in [response(200, Some("t")), no_routes, strict] {
        let mut d = Dialog::new_uac(&invite(), &resp, false).unwrap();
        d.commit_local_seq(41);
        let before = d.clone();
        for method in [Method::Bye, Method::Info, Method::Ack] {
            let (expected, seq) = d.next_request(method.clone());
            let lent = d.lend_request(method, seq, |req| {
                assert_eq!(*req, expected);
                req.headers
                    .push(HeaderName::Via, "SIP/2.0/UDP x;branch=z9hG4bK1");
                req.to_bytes()
            });
            assert!(!lent.is_empty());
            assert_eq!(d, before);
            assert_eq!(d.remote_target(), before.remote_target());
        }
    }
}

mod decimal {
    use proptest::prelude::*;

    #[test]
    fn edges() {
        for n in [0, 1, 9, 10, 99, 100, 314_159, u32::MAX] {
            let mut s = String::from("x");
            crate::text::push_u64_str(&mut s, u64::from(n));
            assert_eq!(s, format!("x{n}"));
        }
    }

    proptest! {
        #[test]
        fn agrees_with_display(n in any::<u32>()) {
            let mut s = String::new();
            crate::text::push_u64_str(&mut s, u64::from(n));
            prop_assert_eq!(s, n.to_string());
        }
    }
}

/// `write_request` writes what `Request::write_to_with_via` writes for
/// the request `next_request` (or `ack`) builds, with the same lines and
/// body added, for either role and any number; nothing with a route set.
#[test]
fn written_requests_are_the_built_ones() {
    let mut plain = invite();
    plain.headers.remove(&HeaderName::RecordRoute);
    let mut ok = response(200, Some("a6c85cf"));
    ok.headers.remove(&HeaderName::RecordRoute);
    let uac = Dialog::new_uac(&plain, &ok, false).unwrap();
    let uas = Dialog::new_uas(&plain, "t9", false).unwrap();
    let via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKw1;rport";
    let extra = [
        (HeaderName::Reason, "SIP;cause=200;text=\"x\""),
        (HeaderName::UserAgent, "ua/1"),
        (HeaderName::Other("X-Ext".into()), "v"),
    ];
    for d in [&uac, &uas] {
        assert!(d.route_set().is_empty());
        for (method, seq, lines, body) in [
            (Method::Bye, d.next_seq(), 0, &b""[..]),
            (Method::Bye, 4_000_000_000, 2, b""),
            (Method::Info, 7, 3, b"hello"),
            (Method::Ack, 314159, 0, b""),
        ] {
            let mut built = d.build(method.clone(), seq);
            for (n, v) in &extra[..lines] {
                built.headers.push(n.clone(), v);
            }
            built.body = body.to_vec();
            let mut expected = Vec::new();
            built.write_to_with_via(via, &mut expected);
            let mut out = Vec::new();
            let more = |out: &mut Vec<u8>| {
                for (n, v) in &extra[..lines] {
                    crate::message::write_header_line(n, v, out);
                }
            };
            assert!(d.write_request(&method, seq, via, more, body, &mut out));
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expected)
            );
        }
    }
    let routed = Dialog::new_uac(&invite(), &response(200, Some("a6c85cf")), false).unwrap();
    let mut out = Vec::new();
    assert!(!routed.write_request(&Method::Bye, 1, via, |_| {}, b"", &mut out));
    assert!(out.is_empty());
}
