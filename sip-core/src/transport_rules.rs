//! The transport rules of RFC 3261 §18 and RFC 3581, as pure functions the
//! transaction layer applies:
//!
//! * on send (§18.1.1): the top Via names the transport, the sent-by and a
//!   fresh branch, plus an empty `rport` when configured (RFC 3581 §3); a
//!   request larger than MTU − 200 bytes does not go over UDP;
//! * on receive (§18.2.1, RFC 3581 §4): `received` is added when the
//!   sent-by host differs from the source IP, and an empty `rport` is
//!   filled in with the source port (which also forces `received`);
//! * response routing (§18.2.2, RFC 3581 §4): the connection the request
//!   came on while it is open, else `maddr`, else `received` with the
//!   `rport` or sent-by port, else the sent-by itself.
//!
//! The Via is read and written through the typed [`Via`] header.

use crate::header::{split_comma, HeaderError, HeaderName, Headers, TypedHeader, Via, ViaRef};
use crate::transport::{ConnectionId, Destination, Source, Transport};
use crate::uri::Host;
use std::net::{IpAddr, SocketAddr};

/// Why the top Via of a message is unusable.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViaError {
    /// There is no Via header.
    #[error("missing Via header")]
    Missing,
    /// The top Via value does not parse.
    #[error("{0}")]
    Malformed(#[from] HeaderError),
}

/// The raw text of the topmost Via value.
pub fn top_via_text(headers: &Headers) -> Result<&str, ViaError> {
    let line = headers.get(&HeaderName::Via).ok_or(ViaError::Missing)?;
    first_value(line).ok_or(ViaError::Missing)
}

/// The first value of a header line, as `split_comma(line).next()` gives
/// it: without its scan when the line has no comma.
pub(crate) fn first_value(line: &str) -> Option<&str> {
    if memchr::memchr(b',', line.as_bytes()).is_none() {
        // One value: trimmed, or none when empty.
        return Some(trim_sp_tab(line)).filter(|v| !v.is_empty());
    }
    split_comma(line).next()
}

/// Where the topmost Via value is: the index of the first Via line, the
/// value's byte range in that line, and its text (as [`top_via_text`]).
#[cfg(test)]
pub(crate) fn top_via_at(headers: &Headers) -> Result<(ViaAt, &str), ViaError> {
    top_via_at_known(headers, None)
}

/// [`top_via_at`], where the caller may know the length of the top Via
/// value (`known`: the parser read the whole first Via line as one
/// value, [`TopViaMarks`](crate::parse::TopViaMarks)): a first line of
/// that length is that value, not searched for a comma or trimmed.
pub(crate) fn top_via_at_known(
    headers: &Headers,
    known: Option<usize>,
) -> Result<(ViaAt, &str), ViaError> {
    let i = headers
        .position(&HeaderName::Via)
        .ok_or(ViaError::Missing)?;
    let line = headers.line(i).ok_or(ViaError::Missing)?.value;
    if known == Some(line.len()) && !line.is_empty() {
        let at = ViaAt {
            line: i,
            start: 0,
            end: line.len(),
        };
        return Ok((at, line));
    }
    let top = first_value(line).ok_or(ViaError::Missing)?;
    let start = top.as_ptr() as usize - line.as_ptr() as usize;
    let at = ViaAt {
        line: i,
        start,
        end: start + top.len(),
    };
    Ok((at, top))
}

/// The place of the top Via value in a header list ([`top_via_at`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ViaAt {
    /// The index of the first Via line.
    pub(crate) line: usize,
    /// Where the value starts in the line.
    pub(crate) start: usize,
    /// Where it ends.
    pub(crate) end: usize,
}

/// `s` without leading and trailing spaces and tabs.
fn trim_sp_tab(s: &str) -> &str {
    let b = s.as_bytes();
    let is_sp = |c: &u8| matches!(c, b' ' | b'\t');
    let start = b.iter().position(|c| !is_sp(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_sp(c)).map_or(start, |e| e + 1);
    // Both ends are at ASCII bytes or the ends of `s`.
    &s[start..end.max(start)]
}

/// The topmost Via value, parsed.
pub fn top_via(headers: &Headers) -> Result<Via, ViaError> {
    Ok(Via::parse(top_via_text(headers)?)?)
}

/// The IP address of a host, if it is one.
pub fn host_ip(host: &Host) -> Option<IpAddr> {
    match host {
        Host::Ipv4(a) => Some(IpAddr::V4(*a)),
        Host::Ipv6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

/// The Via value a UAC writes for a request it sends (RFC 3261 §8.1.1.7,
/// §18.1.1, RFC 3581 §3).
pub fn via_value(
    transport: Transport,
    host: &str,
    port: Option<u16>,
    branch: &str,
    rport: bool,
) -> String {
    let mut v = String::with_capacity(48 + host.len() + branch.len());
    v.push_str("SIP/2.0/");
    v.push_str(transport.as_str());
    v.push(' ');
    v.push_str(host);
    if let Some(p) = port {
        v.push(':');
        crate::text::push_u64_str(&mut v, p.into());
    }
    v.push_str(";branch=");
    v.push_str(branch);
    if rport {
        v.push_str(";rport");
    }
    v
}

/// Replaces every Via of an outgoing request by one Via with `value` (a UA
/// originates the request, so no other Via belongs in it).
pub fn stamp_via(headers: &mut Headers, value: String) {
    headers.remove(&HeaderName::Via);
    headers.prepend(HeaderName::Via, value);
}

/// Applies RFC 3261 §18.2.1 and RFC 3581 §4 to the top Via of a received
/// request: adds `received` when the sent-by host is not the source IP,
/// and fills an empty `rport` with the source port (adding `received`
/// even when it equals the sent-by). Returns whether the Via changed.
pub fn stamp_received(headers: &mut Headers, source: SocketAddr) -> Result<bool, ViaError> {
    let via = top_via(headers)?;
    Ok(stamp_received_with(
        headers,
        via.host.ip(),
        via.rport(),
        via.params.contains("received"),
        source,
    ))
}

/// As [`stamp_received`], with the top Via already read in place from
/// the text of `headers`' first Via line (its fields passed as `host_ip`,
/// `rport` and `has_received`, since the text is rewritten here).
pub fn stamp_received_with(
    headers: &mut Headers,
    host_ip: Option<IpAddr>,
    rport: Option<Option<u16>>,
    has_received: bool,
    source: SocketAddr,
) -> bool {
    let fill_rport = rport == Some(None);
    let differs = host_ip != Some(source.ip());
    if !differs && !fill_rport {
        return false;
    }
    let Some(i) = headers.position(&HeaderName::Via) else {
        return false;
    };
    let top = headers
        .line(i)
        .map(|l| (l.value, split_comma(l.value).next().unwrap_or("")));
    let Some((line, top)) = top else {
        return false;
    };
    let start = top.as_ptr() as usize - line.as_ptr() as usize;
    let at = ViaAt {
        line: i,
        start,
        end: start + top.len(),
    };
    let text = StampText::new(source);
    stamp_at(headers, at, fill_rport.then_some(None), has_received, &text)
}

/// The text the stamping inserts for one source address (RFC 3261
/// §18.2.1, RFC 3581 §4): `=PORT;received=ADDRESS`. The receive path
/// keeps the last one, since requests tend to come from the same peer.
#[derive(Clone, Debug)]
pub(crate) struct StampText {
    source: SocketAddr,
    text: String,
    /// Where `;received=` starts in `text`.
    received_at: usize,
}

impl StampText {
    /// The text for `source`.
    pub(crate) fn new(source: SocketAddr) -> StampText {
        let mut text = String::with_capacity(64);
        text.push('=');
        crate::text::push_u64_str(&mut text, source.port().into());
        let received_at = text.len();
        text.push_str(";received=");
        crate::text::push_ip(&mut text, source.ip());
        StampText {
            source,
            text,
            received_at,
        }
    }

    /// The text for `source`, reusing `last` when it is for that source.
    pub(crate) fn reuse(last: &mut Option<StampText>, source: SocketAddr) -> &StampText {
        match last {
            Some(t) if t.source == source => {}
            _ => *last = Some(StampText::new(source)),
        }
        last.get_or_insert_with(|| StampText::new(source))
    }

    /// `=PORT`.
    fn port(&self) -> &str {
        &self.text[..self.received_at]
    }

    /// `;received=ADDRESS`.
    fn received(&self) -> &str {
        &self.text[self.received_at..]
    }
}

/// As [`stamp_received_with`], with the place of the top Via value
/// already known ([`top_via_at`], before any change to `headers`) and the
/// text to insert for the source.
///
/// `rport` is the first `rport` of the value as [`ViaRef::rport`] reads
/// it, with where its name ends in the value when the caller knows
/// ([`ViaRef`] read in place), so that a bare flag is not searched for.
pub(crate) fn stamp_received_at(
    headers: &mut Headers,
    at: ViaAt,
    host_ip: Option<IpAddr>,
    rport: (Option<Option<u16>>, Option<usize>),
    has_received: bool,
    text: &StampText,
) -> bool {
    let fill_rport = rport.0 == Some(None);
    let differs = host_ip != Some(text.source.ip());
    if !differs && !fill_rport {
        return false;
    }
    stamp_at(
        headers,
        at,
        fill_rport.then_some(rport.1),
        has_received,
        text,
    )
}

/// `fill_rport`: `Some` when the value's first `rport` is a bare flag,
/// with where its name ends when known.
fn stamp_at(
    headers: &mut Headers,
    at: ViaAt,
    fill_rport: Option<Option<usize>>,
    has_received: bool,
    text: &StampText,
) -> bool {
    let i = at.line;
    let source = text.source;
    // The usual case (no `received` yet) inserts into the text in place,
    // leaving the rest of the value as the sender wrote it; otherwise the
    // top Via is written anew.
    if !has_received && splice_received(headers, at, text, fill_rport) {
        return true;
    }
    headers.edit_at(i, |line, out| {
        let top = split_comma(line).next().unwrap_or("");
        let Ok(mut via) = Via::parse(top) else {
            return false;
        };
        via.set_received(source.ip());
        if fill_rport.is_some() {
            via.set_rport(Some(source.port()));
        }
        out.push_str(&via.to_string());
        for rest in split_comma(line).skip(1) {
            out.push_str(", ");
            out.push_str(rest);
        }
        true
    })
}

/// Inserts `;received=IP` at the end of the first value of Via line `i`
/// and, when `fill_rport`, `=PORT` after its bare `rport` flag (the
/// source's address and port). Returns false, changing nothing, if the
/// flag cannot be found in the text.
///
/// The text to insert is written once into a stack buffer; when the flag
/// ends the value (the usual `...;rport`) both insertions are one.
fn splice_received(
    headers: &mut Headers,
    at: ViaAt,
    text: &StampText,
    fill_rport: Option<Option<usize>>,
) -> bool {
    let i = at.line;
    let Some(line) = headers.line(i).map(|h| h.value) else {
        return false;
    };
    let Some(top) = line.get(at.start..at.end) else {
        return false;
    };
    let (top_at, top_end) = (at.start, at.end);
    let mut rport_end = None;
    if let Some(known) = fill_rport {
        // The caller read a bare `rport` in this (parsed) value, and may
        // know where its name ends.
        let known = known.filter(|&e| {
            e >= 5
                && top
                    .get(e - 5..e)
                    .is_some_and(|n| n.eq_ignore_ascii_case("rport"))
        });
        match known
            .or_else(|| last_unique_rport_end(top))
            .or_else(|| bare_rport_end(top))
        {
            Some(e) => rport_end = Some(top_at + e),
            None => return false,
        }
    }
    match rport_end {
        // The usual `...;rport`: both insertions are one.
        Some(e) if e == top_end => headers.insert_in_value(i, top_end, &[&text.text]),
        Some(e) => {
            // The later insertion first, so that `e` stays where it is.
            headers.insert_in_value(i, top_end, &[text.received()]);
            headers.insert_in_value(i, e, &[text.port()])
        }
        None => headers.insert_in_value(i, top_end, &[text.received()]),
    };
    true
}

/// Where the bare `rport` of a parsed Via value `top` ends when it is the
/// last thing in the value and the only occurrence of `rport` (any case)
/// in it: then it is the value's first `rport` parameter whatever the
/// rest says. `None`: not that shape ([`bare_rport_end`] decides).
fn last_unique_rport_end(top: &str) -> Option<usize> {
    let b = top.as_bytes();
    let head = b.len().checked_sub(b";rport".len())?;
    if !b[head..].eq_ignore_ascii_case(b";rport") {
        return None;
    }
    if has_rport(&b[..head]) {
        return None;
    }
    Some(b.len())
}

/// True when `b` contains `rport` in any case. Eight bytes at a time:
/// only the words holding an `r` or `R` are looked at closely.
fn has_rport(b: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const CASE: u64 = 0x2020_2020_2020_2020;
    const R: u64 = 0x7272_7272_7272_7272;
    let is_rport = |i: usize| {
        b[i] | 0x20 == b'r'
            && b.get(i + 1..i + 5)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"port"))
    };
    if b.len() < 8 {
        return (0..b.len()).any(is_rport);
    }
    let mut i = 0;
    loop {
        // The last word overlaps the one before: positions looked at
        // twice are only looked at again.
        let at = i.min(b.len() - 8);
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        // Zero bytes of `x` are the `r`s and `R`s (`| 0x20` maps only
        // those two to `r`); the test may flag a byte above a zero byte
        // too, which the close look rules out.
        let x = (u64::from_le_bytes(w) | CASE) ^ R;
        let mut flags = x.wrapping_sub(LOW) & !x & (LOW << 7);
        while flags != 0 {
            if is_rport(at + (flags.trailing_zeros() / 8) as usize) {
                return true;
            }
            flags &= flags - 1;
        }
        if at + 8 == b.len() {
            return false;
        }
        i += 8;
    }
}

/// Where the name of the first bare `rport` parameter of the Via value
/// `top` ends; `None` when there is none or the parameters do not parse.
fn bare_rport_end(top: &str) -> Option<usize> {
    let params = top.find(';')?;
    if let Some(end) = bare_rport_end_plain(top, params) {
        return end;
    }
    let mut rport_end = None;
    crate::params::Params::visit_prefix(&top[params..], b",", |name, value| {
        if value.is_none() && name.eq_ignore_ascii_case("rport") && rport_end.is_none() {
            rport_end = Some(name.as_ptr() as usize - top.as_ptr() as usize + name.len());
        }
    })
    .ok()?;
    rport_end
}

/// [`bare_rport_end`] for the usual parameter list (`;name[=value]...`
/// without quotes, whitespace, commas or empty parts), read without the
/// general parameter parser. `None` means "not that shape": the caller
/// takes the general path. Agrees with it (property-tested).
fn bare_rport_end_plain(top: &str, params: usize) -> Option<Option<usize>> {
    let b = top.as_bytes();
    let mut found = None;
    // `b[params]` is the `;` opening the list.
    let mut start = params + 1;
    while start <= b.len() {
        let mut end = start;
        let mut eq = None;
        while end < b.len() && b[end] != b';' {
            match b[end] {
                b'"' | b' ' | b'\t' | b',' | b'\r' | b'\n' => return None,
                b'=' if eq.is_none() => eq = Some(end),
                _ => {}
            }
            end += 1;
        }
        let name_end = eq.unwrap_or(end);
        if name_end == start || eq.is_some_and(|e| e + 1 == end) {
            return None;
        }
        if found.is_none() && eq.is_none() && b[start..end].eq_ignore_ascii_case(b"rport") {
            found = Some(end);
        }
        start = end + 1;
    }
    Some(found)
}

/// Why a response cannot be routed (RFC 3261 §18.2.2).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The top Via did not parse.
    #[error("cannot route response: {0}")]
    Via(#[from] ViaError),
    /// The Via names a transport the stack does not know.
    #[error("cannot route response: unknown transport {0:?}")]
    UnknownTransport(String),
    /// The sent-by is a domain name and there is no `received`: the
    /// embedder would have to resolve it (RFC 3263 §5), which the layer
    /// does not do.
    #[error("cannot route response: sent-by {0:?} needs DNS resolution")]
    NeedsResolution(String),
}

/// Where a response to a request with top Via `via`, received from
/// `source`, goes (RFC 3261 §18.2.2, RFC 3581 §4):
///
/// 1. reliable transport, connection still open: that connection;
/// 2. `maddr` (an IP): that address, with the sent-by port or default;
/// 3. `received`: that address, with the `rport` value when filled in
///    and the transport is unreliable (RFC 3581 §4), else the sent-by port
///    or the transport default;
/// 4. the sent-by, when it is an IP address.
///
/// `connection_open` tells whether the source's connection still exists.
pub fn response_destination(
    via: &Via,
    source: Option<&Source>,
    connection_open: impl Fn(ConnectionId) -> bool,
) -> Result<Destination, RouteError> {
    ViaRoute::of(via).destination(source, connection_open)
}

/// What [`response_destination`] reads of a Via, copied out of it: the
/// receive path takes it from a [`ViaRef`] before stamping `received`
/// and `rport` into the message (RFC 3261 §18.2.1) and applies the stamp
/// here ([`ViaRoute::stamped`]), so the Via text is never parsed twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViaRoute {
    /// The transport, or the unknown token.
    pub transport: Result<Transport, String>,
    /// The sent-by host.
    pub host: Host,
    /// The sent-by port, if written.
    pub port: Option<u16>,
    /// `maddr`, if an IP address.
    pub maddr: Option<IpAddr>,
    /// `received`.
    pub received: Option<IpAddr>,
    /// `rport` as [`Via::rport`] reads it.
    pub rport: Option<Option<u16>>,
}

impl ViaRoute {
    /// The routing fields of `via`.
    pub fn of(via: &Via) -> ViaRoute {
        ViaRoute {
            transport: via
                .transport
                .known()
                .ok_or_else(|| via.transport.to_string()),
            host: via.host.clone(),
            port: via.port,
            maddr: via.maddr().as_ref().and_then(host_ip),
            received: via.received(),
            rport: via.rport(),
        }
    }

    /// The routing fields of a Via read in place.
    pub fn of_ref(via: &ViaRef<'_>) -> ViaRoute {
        ViaRoute::of_ref_with_host(via, via.host())
    }

    /// The routing fields of the top Via as the receive path read it.
    pub(crate) fn of_top(via: crate::transaction::layer::TopVia<'_>) -> ViaRoute {
        ViaRoute {
            transport: Transport::from_token(via.transport).ok_or_else(|| via.transport.to_owned()),
            host: via.host,
            port: via.port,
            maddr: via.maddr.as_ref().and_then(host_ip),
            received: via.received,
            rport: via.rport,
        }
    }

    /// [`ViaRoute::of_ref`] with the sent-by host already read
    /// (`via.host()`).
    fn of_ref_with_host(via: &ViaRef<'_>, host: Host) -> ViaRoute {
        ViaRoute {
            transport: via
                .transport()
                .ok_or_else(|| via.transport_token().to_owned()),
            host,
            port: via.port(),
            maddr: via.maddr().as_ref().and_then(host_ip),
            received: via.received(),
            rport: via.rport(),
        }
    }

    /// The fields once [`stamp_received`] has stamped `source` into the
    /// Via (it did when it returned true).
    pub fn stamped(mut self, source: SocketAddr) -> ViaRoute {
        self.received = Some(source.ip());
        if self.rport == Some(None) {
            self.rport = Some(Some(source.port()));
        }
        self
    }

    /// Where a response goes (see [`response_destination`]).
    pub fn destination(
        &self,
        source: Option<&Source>,
        connection_open: impl Fn(ConnectionId) -> bool,
    ) -> Result<Destination, RouteError> {
        let transport = self
            .transport
            .clone()
            .map_err(RouteError::UnknownTransport)?;
        if let Some(conn) = source.and_then(|s| s.connection) {
            if connection_open(conn) {
                return Ok(Destination::Connection(conn));
            }
        }
        let default_port = self.port.unwrap_or(transport.default_port());
        if let Some(ip) = self.maddr {
            return Ok(Destination::Addr {
                transport,
                addr: SocketAddr::new(ip, default_port),
            });
        }
        if let Some(ip) = self.received {
            // RFC 3581 §4: `rport` names the port only for unreliable
            // transports; a new connection goes to the sent-by port (§18.2.2).
            let port = match self.rport {
                Some(Some(p)) if p != 0 && !transport.is_reliable() => p,
                _ => default_port,
            };
            return Ok(Destination::Addr {
                transport,
                addr: SocketAddr::new(ip, port),
            });
        }
        match host_ip(&self.host) {
            Some(ip) => Ok(Destination::Addr {
                transport,
                addr: SocketAddr::new(ip, default_port),
            }),
            None => Err(RouteError::NeedsResolution(match &self.host {
                Host::Domain(d) => d.clone(),
                other => format!("{other:?}"),
            })),
        }
    }
}

/// The RFC 3261 §18.1.1 size rule for a request of `len` bytes to
/// `dest`: over UDP, a request larger than `limit` (MTU − 200) must use a
/// congestion-controlled transport. Returns the transport to use, or
/// `None` when the request must not be sent (switching is not allowed).
pub fn transport_for_size(
    transport: Transport,
    len: usize,
    limit: usize,
    may_switch: bool,
) -> Option<Transport> {
    if transport != Transport::Udp || len <= limit {
        Some(transport)
    } else if may_switch {
        Some(Transport::Tcp)
    } else {
        None
    }
}

#[cfg(test)]
#[path = "transport_rules_tests.rs"]
mod tests;
