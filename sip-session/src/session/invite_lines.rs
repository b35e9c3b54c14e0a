//! The lines of a new INVITE the Invitation reads, found in one pass
//! (header names matched inline, not one search per header).

use sip_core::dialog::KnownLines;
use sip_core::header::HeaderName;

/// What `invitation::create` reads of the INVITE, found in one pass over its lines:
/// the first To, From, Content-Type and CSeq values, whether the lines
/// read only when present are there, and where the lines its dialog is
/// created from are ([`DialogLines`]).
#[derive(Default, PartialEq, Eq, Debug)]
pub(crate) struct InviteLines<'a> {
    pub to: Option<&'a str>,
    pub from: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub cseq: Option<&'a str>,
    pub contact: bool,
    pub disposition: bool,
    pub supported: bool,
    pub require: bool,
    pub asserted: bool,
    pub expires: bool,
    pub dialog: DialogLines,
}

/// Where the lines the dialog of an INVITE is created from are in it: the
/// indices of its first From, To, Call-ID, CSeq and Contact lines, and
/// whether it has Record-Route (kept with the INVITE: the dialog, created
/// later, reads them without another pass, `Dialog::new_uas_lines`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct DialogLines {
    from: Option<u32>,
    to: Option<u32>,
    call_id: Option<u32>,
    cseq: Option<u32>,
    contact: Option<u32>,
    record_route: bool,
}

impl DialogLines {
    /// Whether the INVITE has Record-Route lines.
    pub(crate) fn record_route(&self) -> bool {
        self.record_route
    }

    /// The lines of `h` (the INVITE these are the lines of), as
    /// `KnownLines::scan` finds them, and that its To has no tag (an
    /// Invitation's INVITE).
    pub(crate) fn known<'h>(&self, h: &'h sip_core::Headers) -> KnownLines<'h> {
        let value = |at: Option<u32>| Some(h.line(at? as usize)?.value);
        KnownLines {
            from: value(self.from),
            to: value(self.to),
            call_id: value(self.call_id),
            cseq: value(self.cseq),
            contact_line: value(self.contact),
            record_route: self.record_route,
            // An Invitation's INVITE: routed as new by its To without tag.
            to_tagged: Some(false),
        }
    }
}

impl<'a> InviteLines<'a> {
    pub(crate) fn of(headers: &'a sip_core::Headers) -> Self {
        let mut l = InviteLines::default();
        for (i, h) in headers.iter().enumerate() {
            l.see(i, h);
        }
        l
    }

    /// Reads line `i`, `h` (lines are seen in order).
    #[inline]
    pub(crate) fn see(&mut self, i: usize, h: sip_core::HeaderRef<'a>) {
        let l = self;
        let d = &mut l.dialog;
        let v = h.value;
        let i = i as u32;
        {
            match h.name {
                HeaderName::To => {
                    l.to.get_or_insert(v);
                    d.to.get_or_insert(i);
                }
                HeaderName::From => {
                    l.from.get_or_insert(v);
                    d.from.get_or_insert(i);
                }
                HeaderName::ContentType => {
                    l.content_type.get_or_insert(v);
                }
                HeaderName::CSeq => {
                    l.cseq.get_or_insert(v);
                    d.cseq.get_or_insert(i);
                }
                HeaderName::CallId => {
                    d.call_id.get_or_insert(i);
                }
                HeaderName::Contact => {
                    l.contact = true;
                    d.contact.get_or_insert(i);
                }
                HeaderName::RecordRoute => d.record_route = true,
                HeaderName::ContentDisposition => l.disposition = true,
                HeaderName::Supported => l.supported = true,
                HeaderName::Require => l.require = true,
                HeaderName::PAssertedIdentity => l.asserted = true,
                HeaderName::Expires => l.expires = true,
                _ => {}
            }
        }
    }

    /// The identities as written and the From tag: (To, From, tag); the
    /// From must carry a tag (RFC 3261 §8.1.1.3; RFC 2543 peers are not
    /// supported).
    pub(crate) fn identities(&self) -> Option<(&'a str, &'a str, &'a str)> {
        let to = sip_core::header::trim_value(self.to?);
        let from = sip_core::header::trim_value(self.from?);
        let tag = sip_core::transaction::key::tag(from)?;
        Some((to, from, tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip_core::Headers;

    /// Each field is what `Headers::get` / `contains` finds.
    #[test]
    fn lines_agree_with_header_lookups() {
        let mut h = Headers::new();
        h.push(HeaderName::Via, "SIP/2.0/UDP a;branch=z9hG4bK1");
        h.push(HeaderName::To, " <sip:b@x> ");
        h.push(HeaderName::From, "<sip:a@x>;tag=f1");
        h.push(HeaderName::CSeq, "7 INVITE");
        h.push(HeaderName::ContentType, "application/sdp");
        h.push(HeaderName::To, "<sip:c@x>");
        h.push(HeaderName::CSeq, "8 INVITE");
        h.push(HeaderName::Require, "100rel");
        let l = InviteLines::of(&h);
        assert_eq!(
            KnownLines {
                to_tagged: None,
                ..l.dialog.known(&h)
            },
            KnownLines::scan(&h)
        );
        assert_eq!(l.to, h.get(&HeaderName::To));
        assert_eq!(l.from, h.get(&HeaderName::From));
        assert_eq!(l.cseq, h.get(&HeaderName::CSeq));
        assert_eq!(l.content_type, h.get(&HeaderName::ContentType));
        assert_eq!(
            (
                l.contact,
                l.disposition,
                l.supported,
                l.require,
                l.asserted,
                l.expires
            ),
            (false, false, false, true, false, false)
        );
        assert_eq!(
            l.identities(),
            Some(("<sip:b@x>", "<sip:a@x>;tag=f1", "f1"))
        );
        let mut untagged = Headers::new();
        untagged.push(HeaderName::To, "<sip:b@x>");
        untagged.push(HeaderName::From, "<sip:a@x>");
        untagged.push(HeaderName::Contact, "<sip:a@y>");
        untagged.push(HeaderName::CallId, "c1");
        untagged.push(HeaderName::RecordRoute, "<sip:p.example;lr>");
        untagged.push(HeaderName::Contact, "<sip:a@z>");
        let l = InviteLines::of(&untagged);
        assert_eq!(
            KnownLines {
                to_tagged: None,
                ..l.dialog.known(&untagged)
            },
            KnownLines::scan(&untagged)
        );
        assert!(l.contact);
        assert_eq!(l.identities(), None);
    }
}
