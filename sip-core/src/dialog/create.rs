//! Dialog creation (RFC 3261 §12.1) and the updates responses bring
//! (§12.2.1.2, §13.2.2.4).

use super::{Dialog, DialogError, DialogState, Role, Texts};
use crate::header::{CSeq, Contact, HeaderName, Headers, RecordRoute, To, TypedHeader};
use crate::message::{Request, Response};
use crate::name_addr::NameAddr;
use crate::transaction::key;
use crate::uri::Uri;

/// The CSeq number of the first CSeq value `value`, as `required::<CSeq>`
/// reads it ([`CSeq::parse`] reads the usual shape in one pass), or
/// `known` when the caller read it already.
fn cseq_number(value: Option<&str>, known: Option<u32>) -> Result<u32, DialogError> {
    let value = value.ok_or(DialogError::MissingHeader("CSeq"))?;
    match known {
        Some(seq) => {
            debug_assert_eq!(CSeq::parse(value).ok().map(|c| c.seq), Some(seq));
            Ok(seq)
        }
        None => Ok(CSeq::parse(value)?.seq),
    }
}

/// The lines of a message dialog creation reads, when the caller found
/// them already in a pass of its own over the message's lines: the value
/// of the first From, To, Call-ID, CSeq and Contact line, each exactly as
/// `Headers::get` finds it (`None`: there is no such line), and whether
/// there is a Record-Route line. Given to [`Dialog::new_uas_lines`] (the
/// request's) and [`Dialog::new_uac_lines`] (the response's To, Contact
/// and Record-Route), creation does not search for them again.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct KnownLines<'a> {
    /// The first From value.
    pub from: Option<&'a str>,
    /// The first To value.
    pub to: Option<&'a str>,
    /// The first Call-ID value.
    pub call_id: Option<&'a str>,
    /// The first CSeq value.
    pub cseq: Option<&'a str>,
    /// The value of the first Contact line (which may hold several
    /// values, or none).
    pub contact_line: Option<&'a str>,
    /// Whether there is a Record-Route line.
    pub record_route: bool,
    /// Whether the first To value has a tag (as `key::tag` reads it),
    /// when the caller knows (a request it routed by its To tag); `None`:
    /// creation reads it.
    pub to_tagged: Option<bool>,
}

impl<'a> KnownLines<'a> {
    /// Those of a request, found in one pass over its lines (cheaper than
    /// one search per header for a dialog-creating request, whose Contact
    /// is far down and which has no Record-Route to stop a search early).
    pub fn scan(h: &'a Headers) -> KnownLines<'a> {
        let mut l = KnownLines::default();
        for line in h {
            let v = line.value;
            match line.name {
                HeaderName::From => {
                    l.from.get_or_insert(v);
                }
                HeaderName::To => {
                    l.to.get_or_insert(v);
                }
                HeaderName::CallId => {
                    l.call_id.get_or_insert(v);
                }
                HeaderName::CSeq => {
                    l.cseq.get_or_insert(v);
                }
                HeaderName::Contact => {
                    l.contact_line.get_or_insert(v);
                }
                HeaderName::RecordRoute => l.record_route = true,
                _ => {}
            }
        }
        l
    }

    /// Those of a request, each searched for.
    #[cfg(test)]
    pub(super) fn of(h: &'a Headers) -> KnownLines<'a> {
        KnownLines {
            from: h.get(&HeaderName::From),
            to: h.get(&HeaderName::To),
            call_id: h.get(&HeaderName::CallId),
            cseq: h.get(&HeaderName::CSeq),
            contact_line: h.get(&HeaderName::Contact),
            record_route: h.contains(&HeaderName::RecordRoute),
            to_tagged: None,
        }
    }

    /// Those of its request that a UAC dialog reads (From, Call-ID,
    /// CSeq), each searched for; the others are `None`.
    pub fn of_request(h: &'a Headers) -> KnownLines<'a> {
        KnownLines {
            from: h.get(&HeaderName::From),
            call_id: h.get(&HeaderName::CallId),
            cseq: h.get(&HeaderName::CSeq),
            ..KnownLines::default()
        }
    }

    /// Those of a response that a dialog reads (To, Contact,
    /// Record-Route), each searched for; the others are `None`.
    pub fn of_response(h: &'a Headers) -> KnownLines<'a> {
        KnownLines {
            to: h.get(&HeaderName::To),
            contact_line: h.get(&HeaderName::Contact),
            record_route: h.contains(&HeaderName::RecordRoute),
            ..KnownLines::default()
        }
    }

    /// The first Contact value of `h` (whose lines these are), as
    /// [`contact_value`] finds it.
    pub(super) fn contact(&self, h: &'a Headers) -> Option<&'a str> {
        first_value(self.contact_line?).or_else(|| contact_value(h))
    }
}

/// The first value of a header line holding one value only: `line`
/// trimmed, when it has no comma at all (then `split_comma` yields the
/// whole line) and is not blank. `None` otherwise: the general reader
/// decides. Agrees with `split_comma(line).next()` whenever it is `Some`
/// (property-tested).
pub(super) fn first_value(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    if memchr::memchr(b',', b).is_some() {
        return None;
    }
    let blank = |c: Option<&u8>| matches!(c, Some(b' ' | b'\t'));
    if !blank(b.first()) && !blank(b.last()) {
        // Nothing to trim (and not empty when it has a first byte).
        return (!b.is_empty()).then_some(line);
    }
    Some(line.trim_matches([' ', '\t'])).filter(|v| !v.is_empty())
}

/// The first value of `T`, or `MissingHeader(name)`.
fn required<T: TypedHeader>(h: &Headers, name: &'static str) -> Result<T, DialogError> {
    Ok(h.typed::<T>().ok_or(DialogError::MissingHeader(name))??)
}

/// The URI of the first Contact value, if there is one (`*` is refused).
/// Only the URI is built: the remote target is all the dialog keeps.
pub(crate) fn contact_uri(h: &Headers) -> Option<Result<Uri, DialogError>> {
    contact_value(h).map(contact_value_uri)
}

/// The first Contact value.
fn contact_value(h: &Headers) -> Option<&str> {
    h.values(&HeaderName::Contact).next()
}

/// The URI of a Contact value (`*` is no target).
pub(super) fn contact_value_uri(value: &str) -> Result<Uri, DialogError> {
    if let Some(uri) = bracketed_uri(value) {
        return Ok(uri);
    }
    match Contact::parse_uri(value) {
        Ok(Some(uri)) => Ok(uri),
        Ok(None) => Err(DialogError::MissingContact),
        Err(e) => Err(e.into()),
    }
}

/// [`contact_value_uri`] read into `out`, a blank URI (`Uri::blank`):
/// the usual `<uri>` is parsed in place, not moved from result to result.
/// On an error `out` is left unspecified.
pub(super) fn contact_value_uri_into(value: &str, out: &mut Uri) -> Result<(), DialogError> {
    if let Some(inner) = bracketed(value) {
        if out.parse_into(inner).is_ok() {
            return Ok(());
        }
        // Left half filled: the general reader decides.
    }
    *out = contact_value_uri(value)?;
    Ok(())
}

/// The usual Contact of a user agent, `<uri>` and nothing else (no
/// display name, parameters or white space): the URI between the
/// brackets, read without the name-addr reader. `None` for any other
/// shape, and for a URI that does not parse (the general reader then
/// gives the error). Agrees with [`Contact::parse_uri`] (property-tested).
pub(super) fn bracketed_uri(value: &str) -> Option<Uri> {
    Uri::parse(bracketed(value)?).ok()
}

/// The text between the brackets of a `<uri>` Contact value, as
/// [`bracketed_uri`] reads it.
fn bracketed(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('<')?.strip_suffix('>')?;
    // The general reader ends the URI at the first `>`.
    if memchr::memchr(b'>', inner.as_bytes()).is_some() {
        return None;
    }
    Some(inner)
}

/// Every Record-Route value, in order (§12.1.1: "in the order they appear").
/// `present`: whether `h` has a Record-Route line.
fn record_route(h: &Headers, present: bool) -> Result<Vec<NameAddr>, DialogError> {
    if !present {
        return Ok(Vec::new());
    }
    h.typed_all::<RecordRoute>()
        .map(|r| r.map(|r| r.0).map_err(DialogError::from))
        .collect()
}

/// The value of a header the dialog copies as text (From, To, Call-ID):
/// present and not empty. Kept as written: the dialog only ever copies it
/// into requests (RFC 3261 §12.2.1.1).
fn raw<'a>(value: Option<&'a str>, label: &'static str) -> Result<&'a str, DialogError> {
    match value.map(trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(DialogError::MissingHeader(label)),
    }
}

pub(super) use crate::header::trim_value as trim;

/// The From and To tags of the messages a dialog is created from, when
/// the caller has read them already (exactly as
/// [`key::tag`](crate::transaction::key::tag) reads them from the first
/// From and To values): dialog creation then does not read them again.
/// `None` is read as usual.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct KnownTags<'a> {
    /// The tag of the request's From.
    pub from: Option<&'a str>,
    /// The tag of the response's To ([`Dialog::new_uac_known`]).
    pub to: Option<&'a str>,
    /// The number of the request's first CSeq value, as
    /// [`CSeq::parse`] reads it.
    pub seq: Option<u32>,
}

/// What a UAS dialog reads of its request before the remote target and
/// route set: the From (and its tag), To, Call-ID, CSeq number and the
/// first Contact value, each checked in this order.
struct UasRead<'a> {
    from: &'a str,
    remote_tag: &'a str,
    to: &'a str,
    call_id: &'a str,
    cseq: u32,
    contact: &'a str,
}

impl<'a> UasRead<'a> {
    fn of(
        h: &'a Headers,
        known: KnownTags<'a>,
        lines: KnownLines<'a>,
    ) -> Result<UasRead<'a>, DialogError> {
        debug_assert_eq!(
            KnownLines {
                to_tagged: None,
                ..lines
            },
            KnownLines::scan(h)
        );
        let from = raw(lines.from, "From")?;
        let remote_tag = tag_of(known.from, from).ok_or(DialogError::MissingTag("From"))?;
        let to = raw(lines.to, "To")?;
        let call_id = raw(lines.call_id, "Call-ID")?;
        let cseq = cseq_number(lines.cseq, known.seq)?;
        let contact = lines.contact(h).ok_or(DialogError::MissingContact)?;
        Ok(UasRead {
            from,
            remote_tag,
            to,
            call_id,
            cseq,
            contact,
        })
    }
}

/// `known`, or the tag read from `value`.
fn tag_of<'a>(known: Option<&'a str>, value: &'a str) -> Option<&'a str> {
    match known {
        Some(t) => {
            debug_assert_eq!(Some(t), key::tag(value));
            Some(t)
        }
        None => key::tag(value),
    }
}

impl Dialog {
    /// The dialog a UAS creates when it answers `request` with a 1xx or 2xx
    /// carrying the To tag `local_tag` (RFC 3261 §12.1.1).
    ///
    /// * route set: the request's Record-Route values, in order;
    /// * remote target: the request's Contact URI (required);
    /// * remote sequence number: the request's CSeq; local one empty;
    /// * remote URI and tag: the From; local URI: the To, with `local_tag`
    ///   (both kept as written);
    /// * secure: the request came over TLS (`over_tls`) to a `sips:` URI.
    ///
    /// The dialog starts [`Early`](DialogState::Early);
    /// [`confirm`](Self::confirm) it when the 2xx is sent.
    pub fn new_uas(
        request: &Request,
        local_tag: &str,
        over_tls: bool,
    ) -> Result<Dialog, DialogError> {
        Dialog::new_uas_known(request, local_tag, over_tls, KnownTags::default())
    }

    /// [`new_uas`](Self::new_uas) with the From tag of `request` already
    /// read (`known.from`).
    pub fn new_uas_known(
        request: &Request,
        local_tag: &str,
        over_tls: bool,
        known: KnownTags<'_>,
    ) -> Result<Dialog, DialogError> {
        let lines = KnownLines::scan(&request.headers);
        Dialog::new_uas_lines(request, local_tag, over_tls, known, lines)
    }

    /// [`new_uas_known`](Self::new_uas_known) with the lines of `request`
    /// it reads already found ([`KnownLines`], as [`KnownLines::scan`]
    /// finds them).
    pub fn new_uas_lines(
        request: &Request,
        local_tag: &str,
        over_tls: bool,
        known: KnownTags<'_>,
        lines: KnownLines<'_>,
    ) -> Result<Dialog, DialogError> {
        let h = &request.headers;
        let r = UasRead::of(h, known, lines)?;
        let mut remote_target = Uri::blank();
        contact_value_uri_into(r.contact, &mut remote_target)?;
        let route_set = record_route(h, lines.record_route)?;
        let tags = [local_tag, r.remote_tag];
        let (id, texts) = if key::tag(r.to).is_some() {
            // A To that already has a tag: replace it (parse and render).
            let mut t = required::<To>(h, "To")?;
            t.set_tag(local_tag);
            Texts::id_with(r.call_id, tags, [&t.0.to_string(), "", ""], r.from, None)
        } else {
            Texts::id_with(r.call_id, tags, [r.to, ";tag=", local_tag], r.from, None)
        };
        Ok(Dialog {
            id,
            state: DialogState::Early,
            role: Role::Uas,
            local_seq: None,
            remote_seq: Some(r.cseq),
            texts,
            remote_target,
            route_set,
            secure: over_tls && request.uri.is_sips(),
        })
    }

    /// [`new_uas_lines`](Self::new_uas_lines) built in `slot` (which it
    /// replaces), not moved there: the remote target is parsed in place.
    /// On an error `slot` is left `None`, and the error is the one
    /// `new_uas_lines` gives.
    pub fn new_uas_in<'d>(
        slot: &'d mut Option<Dialog>,
        request: &Request,
        local_tag: &str,
        over_tls: bool,
        known: KnownTags<'_>,
        lines: KnownLines<'_>,
    ) -> Result<&'d mut Dialog, DialogError> {
        *slot = None;
        let h = &request.headers;
        let r = UasRead::of(h, known, lines)?;
        let tagged = match lines.to_tagged {
            Some(t) => {
                debug_assert_eq!(t, key::tag(r.to).is_some());
                t
            }
            None => key::tag(r.to).is_some(),
        };
        if tagged {
            let d = Dialog::new_uas_lines(request, local_tag, over_tls, known, lines)?;
            return Ok(slot.insert(d));
        }
        // Nothing below `contact_value_uri_into` and `record_route` can
        // fail: they are tried in the order `new_uas_lines` tries them.
        let tags = [local_tag, r.remote_tag];
        let (id, texts) = Texts::id_with(r.call_id, tags, [r.to, ";tag=", local_tag], r.from, None);
        let d = slot.insert(Dialog {
            id,
            state: DialogState::Early,
            role: Role::Uas,
            local_seq: None,
            remote_seq: Some(r.cseq),
            texts,
            remote_target: Uri::blank(),
            route_set: Vec::new(),
            secure: over_tls && request.uri.is_sips(),
        });
        let read = contact_value_uri_into(r.contact, &mut d.remote_target)
            .and_then(|()| record_route(h, lines.record_route));
        match read {
            Ok(route_set) => d.route_set = route_set,
            Err(e) => {
                *slot = None;
                return Err(e);
            }
        }
        Ok(slot.as_mut().expect("built above"))
    }

    /// The dialog a UAC creates from a 1xx (early) or 2xx (confirmed)
    /// response with a To tag to its `request` (RFC 3261 §12.1.2).
    ///
    /// * route set: the response's Record-Route values, reversed;
    /// * remote target: the response's Contact URI; when a broken peer
    ///   sends none, the request's Request-URI (so the dialog can still be
    ///   acknowledged and ended);
    /// * local sequence number: the request's CSeq; remote one empty;
    /// * local URI and tag: the From; remote URI and tag: the To of the
    ///   response;
    /// * secure: the request went over TLS (`over_tls`) to a `sips:` URI.
    pub fn new_uac(
        request: &Request,
        response: &Response,
        over_tls: bool,
    ) -> Result<Dialog, DialogError> {
        Dialog::new_uac_known(request, response, over_tls, KnownTags::default())
    }

    /// [`new_uac`](Self::new_uac) with the From tag of `request` and the
    /// To tag of `response` already read (`known`).
    pub fn new_uac_known(
        request: &Request,
        response: &Response,
        over_tls: bool,
        known: KnownTags<'_>,
    ) -> Result<Dialog, DialogError> {
        let asked = KnownLines::of_request(&request.headers);
        let answer = KnownLines::of_response(&response.headers);
        Dialog::new_uac_lines(request, response, over_tls, known, asked, answer)
    }

    /// [`new_uac_known`](Self::new_uac_known) with the From, Call-ID and
    /// CSeq lines of `request` (`asked`, as [`KnownLines::of_request`]
    /// finds them) and the To, Contact and Record-Route lines of
    /// `response` (`answer`, as [`KnownLines::of_response`] finds them)
    /// already found; their other fields are not read.
    pub fn new_uac_lines(
        request: &Request,
        response: &Response,
        over_tls: bool,
        known: KnownTags<'_>,
        asked: KnownLines<'_>,
        answer: KnownLines<'_>,
    ) -> Result<Dialog, DialogError> {
        let h = &request.headers;
        debug_assert_eq!((asked.from, asked.call_id, asked.cseq), {
            let r = KnownLines::of_request(h);
            (r.from, r.call_id, r.cseq)
        });
        let from = raw(asked.from, "From")?;
        let local_tag = tag_of(known.from, from).ok_or(DialogError::MissingTag("From"))?;
        let rh = &response.headers;
        debug_assert_eq!((answer.to, answer.contact_line, answer.record_route), {
            let r = KnownLines::of_response(rh);
            (r.to, r.contact_line, r.record_route)
        });
        let to = raw(answer.to, "To")?;
        let remote_tag = tag_of(known.to, to).ok_or(DialogError::MissingTag("To"))?;
        let call_id = raw(asked.call_id, "Call-ID")?;
        let cseq = cseq_number(asked.cseq, known.seq)?;
        let contact = answer.contact(rh);
        let state = if response.status.is_success() {
            DialogState::Confirmed
        } else {
            DialogState::Early
        };
        let (id, texts) = Texts::id_with(
            call_id,
            [local_tag, remote_tag],
            [from, "", ""],
            to,
            contact,
        );
        // The remote target is read into the dialog in place (a URI is
        // some 300 bytes); the id above cannot fail, so the errors come in
        // the order of the reads below.
        let mut d = Dialog {
            id,
            state,
            role: Role::Uac,
            local_seq: Some(cseq),
            remote_seq: None,
            texts,
            remote_target: Uri::blank(),
            route_set: Vec::new(),
            secure: over_tls && request.uri.is_sips(),
        };
        match contact {
            Some(value) => contact_value_uri_into(value, &mut d.remote_target)?,
            None => d.remote_target = request.uri.clone(),
        }
        d.route_set = record_route(rh, answer.record_route)?;
        d.route_set.reverse();
        Ok(d)
    }

    /// A UAC's update from another response in this dialog to the
    /// dialog-creating request (a later 1xx, or the 2xx).
    ///
    /// A Contact replaces the remote target (§12.2.1.2 for the 2xx; early
    /// dialogs follow the latest 1xx, RFC 6141 §3.2). A 2xx confirms an
    /// early dialog and recomputes the route set from its Record-Route
    /// (§13.2.2.4). Malformed headers leave the dialog unchanged and are
    /// reported.
    pub fn receive_response(&mut self, response: &Response) -> Result<(), DialogError> {
        let h = &response.headers;
        let lines = KnownLines {
            contact_line: h.get(&HeaderName::Contact),
            record_route: h.contains(&HeaderName::RecordRoute),
            ..KnownLines::default()
        };
        self.receive_response_lines(response, lines)
    }

    /// [`receive_response`](Self::receive_response) with the Contact and
    /// Record-Route lines of `response` already found (`lines`, as
    /// [`KnownLines::of_response`] finds them; its other fields are not
    /// read).
    pub fn receive_response_lines(
        &mut self,
        response: &Response,
        lines: KnownLines<'_>,
    ) -> Result<(), DialogError> {
        let h = &response.headers;
        debug_assert_eq!((lines.contact_line, lines.record_route), {
            let r = KnownLines::of_response(h);
            (r.contact_line, r.record_route)
        });
        // The 2xx usually repeats the 1xx's Contact: same text, same
        // target, nothing to parse.
        let target = match lines.contact(h) {
            Some(v) if self.target_text() == Some(v) => None,
            Some(v) => Some((contact_value_uri(v)?, v)),
            None => None,
        };
        let route_set = if response.status.is_success() && self.state == DialogState::Early {
            let mut r = record_route(h, lines.record_route)?;
            r.reverse();
            Some(r)
        } else {
            None
        };
        if let Some((t, text)) = target {
            self.remote_target = t;
            self.set_target_text(text);
        }
        if let Some(r) = route_set {
            self.route_set = r;
        }
        if response.status.is_success() {
            self.state = DialogState::Confirmed;
        }
        Ok(())
    }
}
