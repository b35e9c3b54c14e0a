//! What the parse-time check learnt about the top Via of a message, kept
//! so the transaction layer need not read the value again (RFC 3261
//! §17.2.3 matching, §18.2.1 `received`, §18.2.2 response routing).

use crate::header::ViaRef;

/// A byte range `start..end` in a Via value.
pub(crate) type Span = (u32, u32);

/// Where the fields a [`ViaRef`] reads lie in the top Via value of a
/// message, as [`parse_message_with_top_via`](super::parse_message_with_top_via)
/// found them while checking it. [`TopViaMarks::read`] rebuilds the
/// [`ViaRef`] from the same text without scanning it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopViaMarks {
    pub(crate) len: usize,
    pub(crate) transport: Span,
    pub(crate) host: Span,
    pub(crate) port: Option<u16>,
    pub(crate) branch: Option<Span>,
    pub(crate) received: Option<Span>,
    pub(crate) rport: Option<Option<Span>>,
    /// Where the name of the first `rport` ends (0 without one).
    pub(crate) rport_end: u32,
    pub(crate) maddr: Option<Span>,
    /// The sent-by host as read, when it is a dotted quad.
    pub(crate) host_v4: Option<std::net::Ipv4Addr>,
}

impl TopViaMarks {
    /// The [`ViaRef`] of `top`, the top Via value of the message these
    /// marks came with as [`top_via_text`](crate::transport_rules::top_via_text)
    /// gives it, unedited: what [`ViaRef::parse`] gives for it. `None`
    /// when `top` is not the length of the marked value (then parse it).
    pub fn read<'a>(&self, top: &'a str) -> Option<ViaRef<'a>> {
        ViaRef::from_marks(top, self)
    }

    /// The length of the marked value: the whole first Via line of the
    /// message the marks came with.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}
