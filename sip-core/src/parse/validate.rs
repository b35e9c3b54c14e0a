//! Checks on parsed messages.
//!
//! The parse-time check, run by
//! [`MessageView::to_message`](super::MessageView::to_message), rejects what
//! RFC 3261 answers with 400 (RFC 4475 §3.1.2, §3.3.8): malformed values of the headers every element
//! reads, single-valued headers that appear twice, a CSeq method that
//! differs from the request method, a Date not in GMT.
//!
//! The other functions are the semantic checks RFC 4475 §3.3 expects an
//! element to be able to make on a message that parses: missing mandatory
//! headers (400), unknown URI schemes (416), unsupported `Require` option
//! tags (420), unacceptable bodies (415, 406), `Max-Forwards: 0` (483 for a
//! proxy). The user agent applies them; a proxy or registrar picks its own.

use super::error::{ParseError, ParseErrorKind as K};
use super::marks::TopViaMarks;
use crate::header::{split_comma, HeaderError, HeaderName, Headers, TypedHeader, ViaRef};
use crate::message::Request;
use crate::method::Method;
use crate::uri::Uri;
use smallvec::SmallVec;

/// Headers that may appear at most once (RFC 3261 §7.3.1 and §20).
const SINGLE: [(HeaderName, &str); 6] = [
    (HeaderName::From, "From"),
    (HeaderName::To, "To"),
    (HeaderName::CallId, "Call-ID"),
    (HeaderName::CSeq, "CSeq"),
    (HeaderName::MaxForwards, "Max-Forwards"),
    (HeaderName::ContentType, "Content-Type"),
];

/// Parse-time checks; see the module documentation.
///
/// Nearly every message passes them: [`all_well_formed`] says so in one
/// pass that keeps no errors; otherwise [`check_general`] finds and ranks
/// them.
/// `method` is the request's method, `None` for a response. With `top`,
/// the marks of the top Via are kept there when the one-pass check read it
/// ([`TopViaMarks`]).
pub(crate) fn check(
    headers: &Headers,
    method: Option<&Method>,
    top: Option<&mut Option<TopViaMarks>>,
) -> Result<(), ParseError> {
    check_lines(
        headers.iter().map(|h| (h.name.class(), h.value)),
        headers,
        method,
        top,
    )
}

/// [`check`] reading the lines as `lines` gives them: the class of each
/// name ([`HeaderName::class`]) and its value, the lines of `headers` (the
/// parser passes the lines it split, which `headers` copies, so the
/// one-pass check does not slice them out of the owned text).
pub(crate) fn check_lines<'h>(
    lines: impl Iterator<Item = (u8, &'h str)>,
    headers: &Headers,
    method: Option<&Method>,
    top: Option<&mut Option<TopViaMarks>>,
) -> Result<(), ParseError> {
    let mut via = None;
    if all_well_formed(lines, method, top.is_some().then_some(&mut via)) {
        if let Some(t) = top {
            *t = via.map(|v: ViaRef<'_>| v.marks());
        }
        Ok(())
    } else {
        check_general(headers, method)
    }
}

/// True only when [`check_general`] accepts the message whose lines
/// (class and value) are `lines` (property-tested): every typed header
/// well formed (through the allocation-free recognisers first), no
/// single-valued header twice, the CSeq method that of the request, a
/// Date in GMT. `false` means "ask [`check_general`]".
///
/// With `top`, the first Via line, when it is one value read in one pass,
/// is kept there.
fn all_well_formed<'h>(
    lines: impl Iterator<Item = (u8, &'h str)>,
    method: Option<&Method>,
    mut top: Option<&mut Option<ViaRef<'h>>>,
) -> bool {
    use crate::header::name::Class;
    use crate::header::{CSeq, MaxForwards};
    use crate::name_addr::is_plain_name_addr;
    const VIA: u8 = Class::Via as u8;
    const FROM: u8 = Class::From as u8;
    const TO: u8 = Class::To as u8;
    const CALL_ID: u8 = Class::CallId as u8;
    const CSEQ: u8 = Class::CSeq as u8;
    const MAX_FORWARDS: u8 = Class::MaxForwards as u8;
    const CONTACT: u8 = Class::Contact as u8;
    const CONTENT_TYPE: u8 = Class::ContentType as u8;
    const DATE: u8 = Class::Date as u8;
    // One bit per entry of SINGLE.
    let mut seen = 0u8;
    let mut once = |i: u8| {
        let first = seen & (1 << i) == 0;
        seen |= 1 << i;
        first
    };
    let mut cseq_method = None;
    // The CSeq method as written, when the value is the usual one.
    let mut cseq_token = None;
    let mut date = None;
    let mut first_via = true;
    for (class, v) in lines {
        let ok = match class {
            VIA => {
                let plain = match (top.as_deref_mut(), first_via) {
                    (Some(t), true) => {
                        *t = ViaRef::plain(v);
                        t.is_some()
                    }
                    _ => ViaRef::is_plain(v),
                };
                first_via = false;
                plain || line(0, v).is_ok()
            }
            FROM => once(0) && (is_plain_name_addr(v) || line(1, v).is_ok()),
            TO => once(1) && (is_plain_name_addr(v) || line(2, v).is_ok()),
            CALL_ID => once(2) && check_call_id(v).is_ok(),
            CSEQ => {
                once(3)
                    && match CSeq::plain_method(v) {
                        Some(t) => {
                            cseq_token = Some(t);
                            true
                        }
                        None => CSeq::parse(v).map(|c| cseq_method = Some(c.method)).is_ok(),
                    }
            }
            MAX_FORWARDS => once(4) && (is_plain_max_forwards(v) || MaxForwards::parse(v).is_ok()),
            CONTACT => is_plain_name_addr(v) || line(6, v).is_ok(),
            CONTENT_TYPE => once(5),
            DATE => {
                date = date.or(Some(v));
                true
            }
            _ => true,
        };
        if !ok {
            return false;
        }
    }
    if let (Some(r), Some(m)) = (method, &cseq_method) {
        if m != r {
            return false;
        }
    }
    if let (Some(r), Some(t)) = (method, cseq_token) {
        // `Method::from_token(t) == *r`, comparing text for a known method.
        let same = match r {
            Method::Extension(_) => Method::from_token(t) == *r,
            known => known.as_str() == t,
        };
        if !same {
            return false;
        }
    }
    date.is_none_or(is_rfc1123_gmt)
}

/// The check of one line of TYPED kind `kind`, as [`check_general`]
/// makes it: Via and Contact are lists (RFC 3261 §7.3.1).
fn line(kind: usize, value: &str) -> Result<Option<crate::Method>, HeaderError> {
    if kind != 0 && kind != 6 {
        parse_one(kind, value)
    } else if memchr::memchr(b',', value.as_bytes()).is_none() {
        // One value: what `split_comma` would give.
        match trim_sp_ht(value) {
            "" => Ok(None),
            v => parse_one(kind, v),
        }
    } else {
        split_comma(value)
            .map(|v| parse_one(kind, v))
            .find(Result::is_err)
            .unwrap_or(Ok(None))
    }
}

/// The parse-time checks with their errors.
///
/// One pass over the header lines counts the single-valued headers and
/// checks the typed ones. Errors are reported in a fixed priority
/// (duplicates, then Via, From, To, Call-ID, CSeq, Max-Forwards, Contact,
/// then a CSeq method mismatch, then Date), the first of each kind in
/// message order.
fn check_general(headers: &Headers, method: Option<&Method>) -> Result<(), ParseError> {
    let mut count = [0u8; SINGLE.len()];
    let mut first: [Option<HeaderError>; TYPED.len()] = Default::default();
    let mut cseq_method = None;
    let mut date = None;
    for h in headers.iter() {
        // (index in SINGLE, index in TYPED)
        let (single, kind) = match h.name {
            HeaderName::Via => (None, 0),
            HeaderName::From => (Some(0), 1),
            HeaderName::To => (Some(1), 2),
            HeaderName::CallId => (Some(2), 3),
            HeaderName::CSeq => (Some(3), 4),
            HeaderName::MaxForwards => (Some(4), 5),
            HeaderName::Contact => (None, 6),
            HeaderName::ContentType => (Some(5), usize::MAX),
            HeaderName::Date => {
                date = date.or(Some(h.value));
                continue;
            }
            _ => continue,
        };
        if let Some(i) = single {
            count[i] = count[i].saturating_add(1);
        }
        if kind == usize::MAX || first[kind].is_some() {
            continue;
        }
        match line(kind, h.value) {
            Ok(m) => {
                if m.is_some() && cseq_method.is_none() {
                    cseq_method = m;
                }
            }
            Err(e) => first[kind] = Some(e),
        }
    }
    if let Some(i) = count.iter().position(|&c| c > 1) {
        let (name, label) = &SINGLE[i];
        return Err(ParseError::new(K::DuplicateHeader(label), 0).at_header(name.clone()));
    }
    if let Some((kind, e)) = first
        .iter_mut()
        .enumerate()
        .find_map(|(k, e)| e.take().map(|e| (k, e)))
    {
        return Err(ParseError::new(K::Header(e), 0).at_header(TYPED[kind].clone()));
    }
    if let (Some(r), Some(m)) = (method, cseq_method) {
        if m != *r {
            return Err(ParseError::new(K::CSeqMethodMismatch, 0).at_header(HeaderName::CSeq));
        }
    }
    if let Some(d) = date {
        if !is_rfc1123_gmt(d) {
            return Err(ParseError::new(K::Date, 0).at_header(HeaderName::Date));
        }
    }
    Ok(())
}

/// [`CallId::parse`](crate::header::CallId)'s verdict without building
/// the value: `callid = word ["@" word]` (RFC 3261 §25.1).
fn check_call_id(value: &str) -> Result<(), HeaderError> {
    use crate::uri::chars::{run_to_end, WORD};
    // A value whose ends are word characters has no white space to trim
    // (the usual one: the parser trimmed SP and HTAB already).
    let b = value.as_bytes();
    let s = match (b.first(), b.last()) {
        (Some(&f), Some(&l)) if WORD[usize::from(f)] && WORD[usize::from(l)] => b,
        _ => crate::header::lex::non_empty(value, "Call-ID")?.as_bytes(),
    };
    let n = run_to_end(s, 0, &WORD);
    let ok = n > 0
        && (n == s.len()
            || (s[n] == b'@' && {
                let m = run_to_end(s, n + 1, &WORD);
                m > 0 && n + 1 + m == s.len()
            }));
    if ok {
        Ok(())
    } else {
        Err(crate::header::lex::malformed("Call-ID", "not word[@word]"))
    }
}

/// The usual Max-Forwards value, one to three digits worth at most 255,
/// which [`MaxForwards::parse`](crate::header::MaxForwards) accepts;
/// false means "ask it".
fn is_plain_max_forwards(v: &str) -> bool {
    let digit = |c: &u8| c.is_ascii_digit();
    match *v.as_bytes() {
        [a] => digit(&a),
        [a, b] => digit(&a) && digit(&b),
        [a, b, c] => {
            digit(&a)
                && digit(&b)
                && digit(&c)
                && (a - b'0') as u32 * 100 + (b - b'0') as u32 * 10 + (c - b'0') as u32 <= 255
        }
        _ => false,
    }
}

/// Trims spaces and tabs, byte-wise.
fn trim_sp_ht(s: &str) -> &str {
    let b = s.as_bytes();
    let mut end = b.len();
    while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    let mut start = 0;
    while start < end && matches!(b[start], b' ' | b'\t') {
        start += 1;
    }
    &s[start..end]
}

/// The typed headers checked at parse time, in reporting priority.
const TYPED: [HeaderName; 7] = [
    HeaderName::Via,
    HeaderName::From,
    HeaderName::To,
    HeaderName::CallId,
    HeaderName::CSeq,
    HeaderName::MaxForwards,
    HeaderName::Contact,
];

fn parse_one(kind: usize, value: &str) -> Result<Option<crate::Method>, HeaderError> {
    use crate::header::{CSeq, Contact, From, MaxForwards, To, Via};
    match kind {
        0 => Via::check(value).map(|_| None),
        1 | 2 | 6 if crate::name_addr::is_plain_name_addr(crate::header::lex::trim(value)) => {
            Ok(None)
        }
        1 => From::parse(value).map(|_| None),
        2 => To::parse(value).map(|_| None),
        3 => check_call_id(value).map(|_| None),
        4 => CSeq::parse(value).map(|c| Some(c.method)),
        5 => MaxForwards::parse(value).map(|_| None),
        _ => Contact::parse(value).map(|_| None),
    }
}

/// `rfc1123-date = wkday "," SP date1 SP time SP "GMT"` (RFC 3261 §25.1,
/// §20.17), e.g. `Sat, 13 Nov 2010 23:29:00 GMT`.
pub fn is_rfc1123_gmt(s: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let p: SmallVec<[&str; 6]> = s.split(' ').collect();
    let digits = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
    p.len() == 6
        && p[0].len() == 4
        && p[0].ends_with(',')
        && DAYS.contains(&&p[0][..3])
        && digits(p[1], 2)
        && MONTHS.contains(&p[2])
        && digits(p[3], 4)
        && p[4].len() == 8
        && p[4].split(':').all(|x| digits(x, 2))
        && p[4].split(':').count() == 3
        && p[5] == "GMT"
}

/// The mandatory request headers of RFC 3261 §8.1.1 that `req` lacks
/// (To, From, CSeq, Call-ID, Via; Max-Forwards is reported separately by
/// [`lacks_max_forwards`] because RFC 2543 peers omit it, RFC 4475 §3.4.1).
/// A UAS answers a non-empty result with 400 (RFC 4475 §3.3.1).
pub fn missing_mandatory(req: &Request) -> SmallVec<[HeaderName; 5]> {
    [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
        HeaderName::CSeq,
    ]
    .into_iter()
    .filter(|h| !req.headers.contains(h))
    .collect()
}

/// True when the request has no Max-Forwards header.
pub fn lacks_max_forwards(req: &Request) -> bool {
    !req.headers.contains(&HeaderName::MaxForwards)
}

/// True when Max-Forwards is 0: a proxy answers 483, an endpoint processes
/// the request normally (RFC 3261 §16.3 item 3, RFC 4475 §3.3.11).
pub fn max_forwards_exhausted(req: &Request) -> bool {
    req.headers
        .get(&HeaderName::MaxForwards)
        .is_some_and(|v| v.trim().bytes().all(|b| b == b'0') && !v.trim().is_empty())
}

/// True when the Request-URI scheme is one a SIP element can serve
/// (`sip`, `sips`, `tel`); otherwise answer 416 (RFC 3261 §8.2.2.1,
/// RFC 4475 §3.3.2).
pub fn supported_uri_scheme(uri: &Uri) -> bool {
    matches!(uri, Uri::Sip(_) | Uri::Tel(_))
}

/// The option tags of `Require` not in `supported`; answer 420 with them
/// in Unsupported (RFC 3261 §8.2.2.3, RFC 4475 §3.3.5). ACK and CANCEL are
/// never rejected this way.
pub fn unsupported_requires<'a>(req: &'a Request, supported: &[&str]) -> Vec<&'a str> {
    if matches!(req.method, crate::Method::Ack | crate::Method::Cancel) {
        return Vec::new();
    }
    req.headers
        .values(&HeaderName::Require)
        .filter(|t| !supported.iter().any(|s| s.eq_ignore_ascii_case(t)))
        .collect()
}

/// The media type (`type/subtype`, lowercase, no parameters) of the body.
pub fn content_type(headers: &Headers) -> Option<String> {
    headers.get(&HeaderName::ContentType).map(|v| {
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// True when the body's type is one of `understood` (or there is no body);
/// otherwise a UAS answers 415 (RFC 3261 §8.2.3, RFC 4475 §3.3.6).
pub fn body_type_understood(req: &Request, understood: &[&str]) -> bool {
    if req.body.is_empty() {
        return true;
    }
    content_type(&req.headers)
        .is_some_and(|t| understood.iter().any(|u| u.eq_ignore_ascii_case(&t)))
}

/// True when the request's Accept header (if any) admits `media_type`,
/// with `*/*` and `type/*` ranges; otherwise a UAS that must send such a
/// body answers 406 (RFC 3261 §20.1, RFC 4475 §3.3.15).
pub fn accepts(req: &Request, media_type: &str) -> bool {
    let mut any = false;
    for range in req.headers.values(&HeaderName::Accept) {
        any = true;
        let r = range.split(';').next().unwrap_or("").trim();
        let (rt, rs) = r.split_once('/').unwrap_or((r, ""));
        let (mt, ms) = media_type.split_once('/').unwrap_or((media_type, ""));
        if (rt == "*" || rt.eq_ignore_ascii_case(mt)) && (rs == "*" || rs.eq_ignore_ascii_case(ms))
        {
            return true;
        }
    }
    !any
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    proptest::proptest! {
        #[test]
        fn call_id_check_agrees_with_parse(s in "[ a-z0-9@<>{}()/:?\\[\\]\\\\\";,=\u{e9}\t]{0,12}") {
            use crate::header::{CallId, TypedHeader};
            proptest::prop_assert_eq!(check_call_id(&s), CallId::parse(&s).map(|_| ()));
        }
    }

    /// Header lines, well formed or not, for the fast-path property.
    const LINES: [(HeaderName, &str); 25] = [
        (
            HeaderName::Via,
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport",
        ),
        (
            HeaderName::Via,
            "SIP/2.0/TCP h.example.com;branch=z9hG4bKb, SIP/2.0/UDP [::1]",
        ),
        (HeaderName::Via, "SIP/2.0/UDP 192.0.2.1;received=x"),
        (HeaderName::Via, ""),
        (HeaderName::From, "<sip:alice@example.com>;tag=1"),
        (HeaderName::From, "\"A\" <sip:a@[::1]>;tag=2"),
        (HeaderName::From, "sip:a@b;tag=3"),
        (HeaderName::From, "<sip:a@b"),
        (HeaderName::To, "<sip:bob@192.0.2.2:5060>"),
        (HeaderName::To, "Bob <sip:bob@999.1.1.1>"),
        (HeaderName::CallId, "a84b4c76e66710@pc33"),
        (HeaderName::CallId, "a b"),
        (HeaderName::CSeq, "1 INVITE"),
        (HeaderName::CSeq, "2 BYE"),
        (HeaderName::CSeq, "x INVITE"),
        (HeaderName::CSeq, "3 FOO"),
        (HeaderName::MaxForwards, "70"),
        (HeaderName::MaxForwards, "seventy"),
        (HeaderName::Contact, "<sip:alice@192.0.2.1:5060>"),
        (HeaderName::Contact, "<sip:a@b>, <sip:c@d>;expires=3"),
        (HeaderName::Contact, "*"),
        (HeaderName::ContentType, "application/sdp"),
        (HeaderName::Date, "Sat, 13 Nov 2010 23:29:00 GMT"),
        (HeaderName::Date, "Sat, 13 Nov 2010 23:29:00 EST"),
        (HeaderName::Allow, "INVITE, ACK"),
    ];

    proptest::proptest! {
        /// The one-pass check gives what the general one gives, on
        /// requests and responses with any mix of good and bad lines.
        #[test]
        fn fast_check_agrees_with_general(
            picks in proptest::collection::vec(0..LINES.len(), 0..9),
            request in proptest::bool::ANY,
            extension in proptest::bool::ANY,
        ) {
            let mut headers = Headers::new();
            for &i in &picks {
                headers.push(LINES[i].0.clone(), LINES[i].1);
            }
            let msg = if request {
                Message::Request(Request {
                    method: if extension {
                        crate::Method::from_token("FOO")
                    } else {
                        crate::Method::Invite
                    },
                    uri: Uri::parse("sip:bob@example.com").unwrap(),
                    headers,
                    body: Vec::new(),
                })
            } else {
                Message::Response(crate::message::Response {
                    status: crate::status::StatusCode::new(200).unwrap(),
                    reason: "OK".into(),
                    headers,
                    body: Vec::new(),
                })
            };
            let method = match &msg {
                Message::Request(r) => Some(&r.method),
                Message::Response(_) => None,
            };
            let general = check_general(msg.headers(), method);
            if all_well_formed(msg.headers().iter().map(|h| (h.name.class(), h.value)), method, None) {
                proptest::prop_assert_eq!(&general, &Ok(()));
            }
            proptest::prop_assert_eq!(check(msg.headers(), method, None), general);
        }
    }

    proptest::proptest! {
        /// The parser's check, which reads the lines it split with their
        /// classes, gives what the check of the owned headers gives.
        #[test]
        fn check_of_split_lines_agrees(
            picks in proptest::collection::vec(0..LINES.len(), 0..9),
            request in proptest::bool::ANY,
        ) {
            let mut text = String::from(if request {
                "INVITE sip:bob@example.com SIP/2.0\r\n"
            } else {
                "SIP/2.0 200 OK\r\n"
            });
            for &i in &picks {
                text.push_str(&format!("{}: {}\r\n", LINES[i].0, LINES[i].1));
            }
            text.push_str("\r\n");
            let cfg = crate::parse::ParserConfig::default();
            let view = crate::parse::parse_datagram(text.as_bytes(), &cfg).unwrap();
            let mut headers = Headers::new();
            for h in &view.headers {
                headers.push(HeaderName::parse(h.name), h.value);
            }
            let method = request.then_some(Method::Invite);
            let want = check(&headers, method.as_ref(), None).map_err(|e| e.kind);
            let got = crate::parse::parse_message(text.as_bytes()).map(|_| ()).map_err(|e| e.kind);
            proptest::prop_assert_eq!(got, want);
        }
    }

    proptest::proptest! {
        /// The usual Max-Forwards values are what `MaxForwards::parse` accepts.
        #[test]
        fn plain_max_forwards_agrees(v in "[0-9a \t]{0,4}") {
            use crate::header::{MaxForwards, TypedHeader};
            if is_plain_max_forwards(&v) {
                proptest::prop_assert!(MaxForwards::parse(&v).is_ok());
            }
            if v.len() <= 3 && v.bytes().all(|c| c.is_ascii_digit()) && MaxForwards::parse(&v).is_ok() {
                proptest::prop_assert!(is_plain_max_forwards(&v));
            }
        }
    }

    #[test]
    fn dates() {
        assert!(is_rfc1123_gmt("Sat, 13 Nov 2010 23:29:00 GMT"));
        assert!(!is_rfc1123_gmt("Fri, 01 Jan 2010 16:00:00 EST"));
        assert!(!is_rfc1123_gmt("Sat, 13 Nov 2010 23:29 GMT"));
    }
}
