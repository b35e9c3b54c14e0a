use super::*;

#[test]
fn reads_cseq() {
    let mut h = Headers::new();
    h.push(HeaderName::CSeq, "314159 INVITE");
    assert_eq!(cseq(&h), Some((314159, Method::Invite)));
    h.set(HeaderName::CSeq, "x INVITE");
    assert_eq!(cseq(&h), None);
    h.set(HeaderName::CSeq, "1");
    assert_eq!(cseq(&h), None);
    h.set(HeaderName::CSeq, "4294967296 ACK");
    assert_eq!(cseq(&h), None);
}

proptest::proptest! {
    #[test]
    fn plain_tag_agrees_with_the_parameter_reader(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "<", ">", ";", "tag", "=", "x", "Bob ", "\"", "sip:b@c", " ", "\t", ",", "TAG", "\\",
            ]),
            0..10,
        )
    ) {
        let v = parts.concat();
        proptest::prop_assert_eq!(tag(&v), From::tag_of(&v));
    }

    #[test]
    fn plain_branch_agrees_with_the_parameter_reader(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "SIP/2.0/UDP h", ";", "branch", "=", "z9hG4bK1", " ", "\"", ",", "BRANCH", "rport", "\t",
            ]),
            0..10,
        )
    ) {
        let v = parts.concat();
        proptest::prop_assert_eq!(branch_of(&v), Via::branch_of(&v));
        if let Some(b) = top_branch_plain(&v) {
            let top = crate::transport_rules::first_value(&v);
            proptest::prop_assert_eq!(Some(b), top.and_then(Via::branch_of));
        }
    }
}

#[test]
fn plain_readers_take_the_usual_shapes() {
    assert_eq!(
        tag_plain("Bob <sip:b@c;tag=u>;tag=1928301774"),
        Some(Some("1928301774"))
    );
    assert_eq!(tag_plain("sip:b@c;tag=a6c85cf"), Some(Some("a6c85cf")));
    assert_eq!(tag_plain("<sip:b@c>"), Some(None));
    assert_eq!(tag_plain("Bob <sip:b@c;tag=u>"), Some(None));
    assert_eq!(tag_plain("<sip:b@c>;x=1;tag=2"), None);
    assert_eq!(tag_plain("<sip:b@c>;tag=\"q\""), None);
    assert_eq!(
        tag(r#"<sip:b@c>;tag="q""#),
        From::tag_of(r#"<sip:b@c>;tag="q""#)
    );
    assert_eq!(
        branch_plain("SIP/2.0/UDP h:5060;branch=z9hG4bKx;rport"),
        Some("z9hG4bKx")
    );
    assert_eq!(branch_plain("SIP/2.0/UDP h;rport;branch=z9hG4bKx"), None);
}

#[test]
fn packed_merge_keys_are_merge_keys() {
    let mut req = Request::new(Method::Invite, "sip:b@c".parse().unwrap());
    req.headers.push(HeaderName::From, "<sip:a@c>;tag=ab");
    req.headers.push(HeaderName::CallId, "c");
    req.headers.push(HeaderName::CSeq, "1 INVITE");
    let a = PackedMergeKey::for_request(&req).unwrap();
    assert_eq!(Some(a.unpack()), MergeKey::for_request(&req));
    // Same concatenation, other split: different keys.
    let mut other = req.clone();
    other.headers.set(HeaderName::From, "<sip:a@c>;tag=a");
    other.headers.set(HeaderName::CallId, "bc");
    let b = PackedMergeKey::for_request(&other).unwrap();
    assert_ne!(a, b);
    assert_ne!(MergeKey::for_request(&req), MergeKey::for_request(&other));
    for missing in [HeaderName::From, HeaderName::CallId, HeaderName::CSeq] {
        let mut r = req.clone();
        r.headers.remove(&missing);
        assert!(PackedMergeKey::for_request(&r).is_none());
        assert!(MergeKey::for_request(&r).is_none());
    }
}

#[test]
fn reads_tags_outside_brackets_and_quotes() {
    assert_eq!(tag("\"a;tag=x\" <sip:b@c;tag=y>;tag=z"), Some("z"));
    assert_eq!(tag("<sip:b@c;tag=y>"), None);
    assert_eq!(tag("sip:b@c;tag=1928301774"), Some("1928301774"));
    assert_eq!(tag("<sip:b@c>;tag"), None);
}

fn lookup_request(branch: &str) -> Request {
    let mut req = Request::new(Method::Invite, "sip:b@c".parse().unwrap());
    req.headers.push(HeaderName::From, "<sip:a@c>;tag=ab");
    req.headers.push(HeaderName::CallId, "c");
    req.headers.push(HeaderName::CSeq, "1 INVITE");
    req.headers
        .push(HeaderName::Via, format!("SIP/2.0/UDP h;branch={branch}"));
    req
}

proptest::proptest! {
    /// A lookup hashes as its owned key and matches exactly the keys
    /// equal to its owned form.
    #[test]
    fn lookups_agree_with_owned_keys(
        parts in proptest::collection::vec(
            (
                proptest::sample::select(vec!["z9hG4bKa", "z9hG4bKA", "old1", "z9hG4bK"]),
                proptest::sample::select(vec!["Host.example", "host.EXAMPLE", "192.0.2.1", "[2001:db8::1]", "h"]),
                proptest::option::of(proptest::sample::select(vec![5060u16, 5061])),
                proptest::sample::select(vec![Method::Invite, Method::Ack, Method::Bye, Method::Extension("FOO".into())]),
            ),
            2,
        )
    ) {
        let state = KeyedState::with_seed(7);
        let owned: Vec<(Request, Host, ServerKey)> = parts
            .iter()
            .map(|(b, h, p, m)| {
                let host = crate::header::lex::parse_host(h)
                    .unwrap_or_else(|| Host::Domain((*h).to_owned()));
                let req = lookup_request(b);
                let key = ServerKey::with_parts(&req, Some(b), &host, *p, "v", m).unwrap();
                (req, host, key)
            })
            .collect();
        for (i, (b, _, p, m)) in parts.iter().enumerate() {
            let (req, host, key) = &owned[i];
            let lookup = ServerLookup::with_parts(req, Some(b), host, *p, "v", m).unwrap();
            let kept = lookup.clone().into_txn_key();
            proptest::prop_assert_eq!(lookup.hash(&state), kept.index_hash(&state));
            for (j, (_, _, other)) in owned.iter().enumerate() {
                let (b2, _, p2, m2) = &parts[j];
                let (req2, host2, _) = &owned[j];
                let other_kept = ServerLookup::with_parts(req2, Some(b2), host2, *p2, "v", m2)
                    .unwrap()
                    .into_txn_key();
                proptest::prop_assert_eq!(lookup.matches(&other_kept), key == other);
                proptest::prop_assert_eq!(kept == other_kept, key == other);
                if key == other {
                    proptest::prop_assert_eq!(kept.index_hash(&state), other_kept.index_hash(&state));
                }
            }
        }
    }
}

#[test]
fn branch_text_keeps_short_branches_inline() {
    for len in 0..40 {
        let b: String = "z9hG4bKé".chars().cycle().take(len).collect();
        let t = BranchText::new(&b);
        assert_eq!(t.as_str(), b);
        assert_eq!(t.as_bytes(), b.as_bytes());
        assert_eq!(t.heap_bytes() == 0, b.len() <= 30, "{b}");
    }
}
