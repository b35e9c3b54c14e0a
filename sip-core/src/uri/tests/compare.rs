//! URI comparison (RFC 3261 §19.1.4, RFC 3966 §4).

use super::*;

/// RFC 3261 §19.1.4, the list of equivalent URIs.
#[test]
fn rfc3261_19_1_4_equivalent() {
    for (a, b) in [
        (
            "sip:%61lice@atlanta.com;transport=TCP",
            "sip:alice@AtLanTa.CoM;Transport=tcp",
        ),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
        (
            "sip:carol@chicago.com;newparam=5",
            "sip:carol@chicago.com;security=on",
        ),
        (
            "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
        ),
        (
            "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
            "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
        ),
    ] {
        let (ua, ub) = (Uri::parse(a).unwrap(), Uri::parse(b).unwrap());
        assert!(ua.equivalent(&ub), "{a} ~ {b}");
        assert!(ub.equivalent(&ua), "{b} ~ {a}");
    }
}

/// RFC 3261 §19.1.4, the list of non-equivalent URIs.
#[test]
fn rfc3261_19_1_4_not_equivalent() {
    for (a, b) in [
        (
            "SIP:ALICE@AtLanTa.CoM;Transport=udp",
            "sip:alice@AtLanTa.CoM;Transport=UDP",
        ),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
        (
            "sip:bob@biloxi.com",
            "sip:bob@biloxi.com:6000;transport=tcp",
        ),
        (
            "sip:carol@chicago.com",
            "sip:carol@chicago.com?Subject=next%20meeting",
        ),
        ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
    ] {
        let (ua, ub) = (Uri::parse(a).unwrap(), Uri::parse(b).unwrap());
        assert!(!ua.equivalent(&ub), "{a} !~ {b}");
        assert!(!ub.equivalent(&ua), "{b} !~ {a}");
    }
}

#[test]
fn comparison_rules_in_detail() {
    let eq = |a: &str, b: &str| Uri::parse(a).unwrap().equivalent(&Uri::parse(b).unwrap());
    assert!(eq("sip:a@b.com", "sip:a@b.com"));
    assert!(!eq("sip:a@b.com", "sips:a@b.com"));
    assert!(!eq("sip:a@b.com", "sip:b.com"));
    assert!(!eq("sip:a:pw@b.com", "sip:a@b.com"));
    assert!(!eq("sip:a:pw@b.com", "sip:a:PW@b.com"));
    // user, ttl, method, maddr present in only one never match.
    for p in [
        "user=phone",
        "ttl=1",
        "method=INVITE",
        "maddr=1.2.3.4",
        "transport=udp",
    ] {
        assert!(!eq("sip:a@b.com", &format!("sip:a@b.com;{p}")), "{p}");
        assert!(
            eq(
                &format!("sip:a@b.com;{p}"),
                &format!("sip:a@b.com;{}", p.to_uppercase())
            ),
            "{p}"
        );
    }
    assert!(!eq(
        "sip:a@b.com;maddr=1.2.3.4",
        "sip:a@b.com;maddr=1.2.3.5"
    ));
    // A parameter in both must match, other params ignored.
    assert!(!eq("sip:a@b.com;foo=1", "sip:a@b.com;foo=2"));
    assert!(!eq("sip:a@b.com;lr", "sip:a@b.com;lr=on"));
    assert!(eq("sip:a@b.com;lr", "sip:a@b.com"));
    assert!(eq("sip:a@b.com;%6C%72", "sip:a@b.com;lr"));
    // Escaped reserved characters are not their literal.
    assert!(!eq("sip:a%3Bb@c.com", "sip:a;b@c.com"));
    assert!(eq("sip:a%3bb@c.com", "sip:a%3Bb@c.com"));
    // Headers: all must be in both.
    assert!(!eq("sip:a@b.com?x=1", "sip:a@b.com?x=1&y=2"));
    assert!(!eq("sip:a@b.com?x=1", "sip:a@b.com?x=2"));
    assert!(eq("sip:a@b.com?X=%41", "sip:a@b.com?x=A"));
    // IPv6 compares by address.
    assert!(eq("sip:[2001:db8::1]", "sip:[2001:DB8:0:0::1]"));
    // Different schemes never match.
    assert!(!eq("sip:a@b.com", "tel:+1"));
    assert!(eq("HTTP://x/%7e", "http://x/~"));
    assert!(!eq("http://x/a", "http://x/A"));
}

#[test]
fn comparison_of_long_parameter_lists() {
    let eq = |a: &str, b: &str| Uri::parse(a).unwrap().equivalent(&Uri::parse(b).unwrap());
    let many: Vec<String> = (0..40).map(|i| format!("p{i}={i}")).collect();
    let fwd = format!("sip:a@b.com;{}", many.join(";"));
    let rev = format!(
        "sip:a@b.com;{}",
        many.iter().rev().cloned().collect::<Vec<_>>().join(";")
    );
    assert!(eq(&fwd, &rev));
    assert!(eq(&fwd, "sip:a@b.com"));
    assert!(!eq(&fwd, &format!("{rev};ttl=1")));
    assert!(!eq(&fwd, &rev.replace("p7=7", "p7=8")));
    assert!(eq(&fwd, &rev.replace("p7=7", "P%37=7")));
    // Of a repeated name only the first occurrence counts, in the long
    // path as in the short one.
    assert!(eq(&format!("{fwd};x=1;x=2"), &format!("{rev};x=1")));
    assert!(!eq(&format!("{fwd};x=2;x=1"), &format!("{rev};x=1")));
    assert!(eq(&format!("{fwd};x;x=a"), &format!("{fwd};x;x=a")));
    assert!(eq("sip:a@b.com;x=1;x=2", "sip:a@b.com;x=1"));
    assert!(!eq("sip:a@b.com;x=2;x=1", "sip:a@b.com;x=1"));
    assert!(eq("sip:a@b.com;x;x=a", "sip:a@b.com;x;x=a"));
    assert!(!eq("sip:a@b.com;ttl=1;TTL=2", "sip:a@b.com;ttl=2"));
    // Headers compare as a multiset.
    assert!(!eq("sip:a@b.com?x=1&x=1&y=2", "sip:a@b.com?x=1&y=2&y=2"));
    assert!(eq("sip:a@b.com?x=1&y=2&x=1", "sip:a@b.com?x=1&x=1&y=2"));
    let t1 = format!("tel:+1;{}", many.join(";").replace('=', "=x"));
    let t2 = format!(
        "tel:+1;{}",
        many.iter()
            .rev()
            .cloned()
            .collect::<Vec<_>>()
            .join(";")
            .replace('=', "=X")
    );
    assert!(eq(&t1, &t2));
    assert!(!eq(&t1, &format!("{t2};ext=1")));
}

#[test]
fn tel_comparison() {
    let eq = |a: &str, b: &str| Uri::parse(a).unwrap().equivalent(&Uri::parse(b).unwrap());
    assert!(eq("tel:+1-201-555-0123", "tel:+1(201)5550123"));
    assert!(!eq("tel:+1-201-555-0123", "tel:+1-201-555-0124"));
    assert!(eq(
        "tel:7042;phone-context=Example.COM",
        "tel:7042;PHONE-CONTEXT=example.com"
    ));
    assert!(!eq("tel:7042;phone-context=example.com", "tel:7042"));
    assert!(eq("tel:+1234;ext=1-2;isub=x", "tel:+1234;isub=X;ext=12"));
    assert!(!eq("tel:+1234;ext=1", "tel:+1234;ext=2"));
    assert!(eq(
        "tel:7042;phone-context=+1-201",
        "tel:7042;phone-context=+1201"
    ));
    assert!(!eq("tel:1234;phone-context=+1", "tel:+1234"));
    assert!(eq(
        "tel:ab12;phone-context=x.com",
        "tel:AB12;phone-context=x.com"
    ));
}
