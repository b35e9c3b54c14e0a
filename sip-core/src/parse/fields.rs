//! The few fields a transaction layer reads, borrowed from a
//! [`MessageView`] without allocation (RFC 3261 §17.1.3, §17.2.3).

use super::view::{MessageView, StartLine};

/// What transaction matching reads from a message: the top Via's branch
/// and sent-by, the From and To tags, the Call-ID and the CSeq.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TransactionFields<'a> {
    /// The `branch` parameter of the top Via.
    pub branch: Option<&'a str>,
    /// The transport token of the top Via (`UDP`, `TCP`...).
    pub via_transport: &'a str,
    /// The sent-by (`host[:port]`) of the top Via.
    pub sent_by: &'a str,
    /// The From tag.
    pub from_tag: Option<&'a str>,
    /// The To tag.
    pub to_tag: Option<&'a str>,
    /// The Call-ID.
    pub call_id: &'a str,
    /// The CSeq sequence number.
    pub cseq: u32,
    /// The CSeq method.
    pub cseq_method: &'a str,
}

impl<'a> MessageView<'a> {
    /// Reads the transaction fields; `None` when one of Via, From, To,
    /// Call-ID or CSeq is missing or unreadable.
    pub fn transaction_fields(&self) -> Option<TransactionFields<'a>> {
        let mut f = TransactionFields::default();
        let k = super::view::Known::of_view(self);
        let line = |i: Option<u8>| i.map(|i| self.headers[usize::from(i)].value);
        let (via, from, to, call_id, cseq) = (
            line(k.via),
            line(k.from),
            line(k.to),
            line(k.call_id),
            line(k.cseq),
        );
        let via = via?;
        let (transport, sent_by, branch) = top_via(via)?;
        f.via_transport = transport;
        f.sent_by = sent_by;
        f.branch = branch;
        f.from_tag = crate::header::From::tag_of(from?);
        f.to_tag = crate::header::To::tag_of(to?);
        f.call_id = call_id?;
        let (seq, method) = cseq?.trim().split_once([' ', '\t'])?;
        f.cseq = seq.parse().ok()?;
        f.cseq_method = method.trim();
        if let StartLine::Request { .. } = self.start {
            // nothing else: method is on the start line
        }
        Some(f)
    }
}

fn skip_ws(s: &str) -> &str {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    &s[i..]
}

/// Index of the first byte in `s` that is one of `set`, or `s.len()`.
fn until(s: &str, set: &[u8]) -> usize {
    s.as_bytes()
        .iter()
        .position(|b| set.contains(b))
        .unwrap_or(s.len())
}

/// Reads `;name[=value]` parameters from `s` until one named `want`
/// (case-insensitive); values end at `;`, `,` or whitespace.
fn find_param<'a>(mut s: &'a str, want: &str) -> Option<&'a str> {
    loop {
        s = skip_ws(s);
        s = skip_ws(s.strip_prefix(';')?);
        let end = until(s, b";,= \t\r\n");
        let name = &s[..end];
        s = skip_ws(&s[end..]);
        let mut value = "";
        if let Some(r) = s.strip_prefix('=') {
            s = skip_ws(r);
            let vend = until(s, b";, \t\r\n");
            value = &s[..vend];
            s = &s[vend..];
        }
        if name.eq_ignore_ascii_case(want) {
            return Some(value);
        }
    }
}

/// `sent-protocol LWS sent-by *( SEMI via-params )` of the first Via value.
fn top_via(v: &str) -> Option<(&str, &str, Option<&str>)> {
    let mut s = v;
    for _ in 0..2 {
        let i = memchr::memchr(b'/', s.as_bytes())?;
        s = skip_ws(&s[i + 1..]);
    }
    let t_end = until(s, b" \t\r\n");
    if t_end == s.len() {
        return None;
    }
    let transport = &s[..t_end];
    s = skip_ws(&s[t_end..]);
    let sb_end = until(s, b";, \t\r");
    let sent_by = &s[..sb_end];
    Some((transport, sent_by, find_param(&s[sb_end..], "branch")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_top_via() {
        assert_eq!(
            top_via("SIP/2.0/UDP pc33.example.com:5060;rport;branch=z9hG4bK776;received=1.2.3.4, SIP/2.0/TCP x"),
            Some(("UDP", "pc33.example.com:5060", Some("z9hG4bK776")))
        );
        assert_eq!(
            top_via("SIP / 2.0 / UDP [2001:db8::9:1]:5060 ; branch = z9hG4bKa"),
            Some(("UDP", "[2001:db8::9:1]:5060", Some("z9hG4bKa")))
        );
        assert_eq!(top_via("SIP/2.0/UDP h"), Some(("UDP", "h", None)));
    }

    #[test]
    fn reads_tags() {
        let tag = crate::header::From::tag_of;
        assert_eq!(tag("\"A;tag=no\" <sip:a@b;tag=no>;tag=yes"), Some("yes"));
        assert_eq!(tag("sip:a@b;tag=bare"), Some("bare"));
        assert_eq!(tag("<sip:a@b>"), None);
        assert_eq!(tag("Bob <sip:b@c> ; TAG = 88"), Some("88"));
    }
}
