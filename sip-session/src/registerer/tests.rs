use super::*;

fn uri(s: &str) -> Uri {
    Uri::parse(s).unwrap()
}

fn ok_with(headers: &[(HeaderName, &str)]) -> Response {
    let mut r = Response::new(StatusCode::OK);
    for (n, v) in headers {
        r.headers.push(n.clone(), *v);
    }
    r
}

#[test]
fn granted_prefers_the_contact_param_then_the_header_then_the_request() {
    let ours = [uri("sip:a@192.0.2.1:5060")];
    let r = ok_with(&[
        (
            HeaderName::Contact,
            "<sip:b@192.0.2.9>;expires=50, <sip:a@192.0.2.1:5060>;expires=70",
        ),
        (HeaderName::Expires, "90"),
    ]);
    assert_eq!(granted(&r, &ours, 600), Some(70));
    let r = ok_with(&[
        (HeaderName::Contact, "<sip:a@192.0.2.1:5060>"),
        (HeaderName::Expires, "90"),
    ]);
    assert_eq!(granted(&r, &ours, 600), Some(90));
    let r = ok_with(&[(HeaderName::Contact, "<sip:A@192.0.2.1:5060>;expires=abc")]);
    assert_eq!(granted(&r, &ours, 600), None, "user parts differ");
    let r = ok_with(&[(HeaderName::Contact, "<sip:a@192.0.2.1:5060>;expires=abc")]);
    assert_eq!(
        granted(&r, &ours, 600),
        Some(600),
        "malformed: what was asked"
    );
    assert_eq!(granted(&ok_with(&[]), &ours, 600), None);
}

#[test]
fn contact_value_carries_outbound_params() {
    let opts = RegistererOptions {
        instance_id: Some("<urn:uuid:1>".to_owned()),
        reg_id: Some(2),
        ..RegistererOptions::default()
    };
    assert_eq!(
        contact_value(&opts, &uri("sip:a@h"), 30),
        "<sip:a@h>;expires=30;reg-id=2;+sip.instance=\"<urn:uuid:1>\""
    );
    assert_eq!(
        contact_value(&RegistererOptions::default(), &uri("sip:a@h"), 0),
        "<sip:a@h>;expires=0"
    );
}

#[test]
fn corrected_rewrites_only_on_change() {
    let c = [uri("sip:a@10.0.0.1:5060")];
    let host = Host::from(std::net::Ipv4Addr::new(203, 0, 113, 1));
    let out = corrected(&c, &host, Some(4000)).unwrap();
    assert_eq!(out[0].to_string(), "sip:a@203.0.113.1:4000");
    assert!(corrected(&out, &host, Some(4000)).is_none());
    assert!(corrected(&out, &host, None).is_none());
}
