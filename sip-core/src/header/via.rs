//! The Via header (RFC 3261 §20.42, §18.2.1; RFC 3581 `rport`; RFC 5118
//! IPv6 sent-by and `received`).

use super::lex::{self, malformed};
use super::{HeaderError, HeaderName, TypedHeader};
use crate::params::Params;
use crate::parse::marks::{Span, TopViaMarks};
use crate::transport::Transport;
use crate::uri::Host;
use core::fmt;
use std::net::{IpAddr, Ipv4Addr};

const NAME: &str = "Via";

/// The magic cookie that starts every RFC 3261 branch (§8.1.1.7).
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// The `protocol-name/protocol-version` part of `sent-protocol`
/// (RFC 3261 §20.42).
///
/// Kept so the caller can detect another version and answer 505 Version
/// Not Supported (RFC 3261 §21.5.6; RFC 4475 §3.1.2.16 badvers).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum ViaProtocol {
    /// `SIP/2.0` (compared case-insensitively, RFC 3261 §7.1).
    Sip20,
    /// Any other name or version, as written. Must not spell `SIP/2.0`.
    Other {
        /// The protocol name (a token).
        name: String,
        /// The protocol version (a token).
        version: String,
    },
}

impl ViaProtocol {
    /// True for `SIP/2.0`.
    pub fn is_sip_2_0(&self) -> bool {
        matches!(self, ViaProtocol::Sip20)
    }

    fn from_parts(name: &str, version: &str) -> ViaProtocol {
        if name.eq_ignore_ascii_case("SIP") && version == "2.0" {
            ViaProtocol::Sip20
        } else {
            ViaProtocol::Other {
                name: name.to_owned(),
                version: version.to_owned(),
            }
        }
    }
}

impl fmt::Display for ViaProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViaProtocol::Sip20 => f.write_str("SIP/2.0"),
            ViaProtocol::Other { name, version } => write!(f, "{name}/{version}"),
        }
    }
}

/// The transport of a Via (RFC 3261 §20.42 `transport`): a known
/// [`Transport`] or any other token (RFC 4475 §3.1.1.10 transports test,
/// where `UNKNOWN` must still parse).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum ViaTransport {
    /// A transport the stack knows.
    Known(Transport),
    /// Any other token, as written. Must not name a known transport.
    Other(String),
}

impl ViaTransport {
    /// Maps a token to a transport, case-insensitively.
    pub fn from_token(s: &str) -> ViaTransport {
        match Transport::from_token(s) {
            Some(t) => ViaTransport::Known(t),
            None => ViaTransport::Other(s.to_owned()),
        }
    }

    /// The known transport, if any.
    pub fn known(&self) -> Option<Transport> {
        match self {
            ViaTransport::Known(t) => Some(*t),
            ViaTransport::Other(_) => None,
        }
    }

    /// The token as serialized (upper case for known transports).
    pub fn as_str(&self) -> &str {
        match self {
            ViaTransport::Known(t) => t.as_str(),
            ViaTransport::Other(s) => s,
        }
    }
}

impl From<Transport> for ViaTransport {
    fn from(t: Transport) -> Self {
        ViaTransport::Known(t)
    }
}

impl fmt::Display for ViaTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One Via value (RFC 3261 §20.42):
/// `sent-protocol LWS sent-by *(SEMI via-params)`.
///
/// On parse, the well-known parameters are checked: `branch` is a token,
/// `received` an IP address (bare or bracketed, RFC 5118 §4.5), `rport`
/// a flag or a port (RFC 3581), `ttl` 0..=255, `maddr` a host. All
/// parameters stay in [`Via::params`] in their original order.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Via {
    /// Protocol name and version, normally `SIP/2.0`.
    pub protocol: ViaProtocol,
    /// The transport.
    pub transport: ViaTransport,
    /// The sent-by host.
    pub host: Host,
    /// The sent-by port, if written.
    pub port: Option<u16>,
    /// The via-params in order.
    pub params: Params,
}

impl Via {
    /// A `SIP/2.0` Via with a branch parameter (RFC 3261 §8.1.1.7).
    pub fn new(transport: Transport, host: Host, port: Option<u16>, branch: &str) -> Via {
        let mut params = Params::new();
        params.push("branch", Some(branch.to_owned()));
        Via {
            protocol: ViaProtocol::Sip20,
            transport: ViaTransport::Known(transport),
            host,
            port,
            params,
        }
    }

    /// The `branch` parameter (RFC 3261 §20.42, §17.2.3).
    pub fn branch(&self) -> Option<&str> {
        self.params.get("branch")
    }

    /// Sets the `branch` parameter.
    pub fn set_branch(&mut self, branch: &str) {
        self.params.set("branch", Some(branch));
    }

    /// True when the branch starts with the RFC 3261 magic cookie
    /// `z9hG4bK` (§8.1.1.7, §17.2.3).
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch().is_some_and(|b| b.starts_with(MAGIC_COOKIE))
    }

    /// The `received` parameter (RFC 3261 §18.2.1), bare or bracketed.
    pub fn received(&self) -> Option<IpAddr> {
        self.params.get("received").and_then(lex::parse_ip)
    }

    /// Sets `received` (RFC 3261 §18.2.1). IPv6 addresses are written
    /// without brackets, as the RFC 3261 grammar says (RFC 5118 §4.5).
    pub fn set_received(&mut self, addr: IpAddr) {
        let mut v = String::with_capacity(15);
        crate::text::push_ip(&mut v, addr);
        self.params.set("received", Some(&v));
    }

    /// The `rport` parameter (RFC 3581 §3, §4): `None` when absent,
    /// `Some(None)` when present without a value (the client asks for it),
    /// `Some(Some(port))` when a server filled it in.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .find("rport")
            .map(|p| p.value.as_deref().and_then(lex::parse_u16))
    }

    /// Sets `rport`: with a value (RFC 3581 §4, server side) or as a flag
    /// (§3, client side).
    pub fn set_rport(&mut self, port: Option<u16>) {
        match port {
            Some(p) => {
                let mut v = String::with_capacity(5);
                crate::text::push_u64_str(&mut v, p.into());
                self.params.set("rport", Some(&v));
            }
            None => self.params.set("rport", None),
        }
    }

    /// The `maddr` parameter (RFC 3261 §18.2.2).
    pub fn maddr(&self) -> Option<Host> {
        self.params.get("maddr").and_then(lex::parse_host)
    }

    /// The `ttl` parameter (RFC 3261 §18.2.2).
    pub fn ttl(&self) -> Option<u8> {
        self.params.get("ttl").and_then(lex::parse_u8)
    }

    /// The sent-by port, or the transport's default (RFC 3261 §18.2.2)
    /// when absent; 5060 for unknown transports.
    pub fn sent_by_port(&self) -> u16 {
        self.port
            .unwrap_or_else(|| self.transport.known().map_or(5060, Transport::default_port))
    }

    /// Extracts the branch from a raw Via value without building a [`Via`]
    /// or allocating (for transaction matching, RFC 3261 §17.2.3). Quotes
    /// around the value are left in place.
    pub fn branch_of(value: &str) -> Option<&str> {
        let i = value.find(';')?;
        lex::find_param(&value[i..], "branch").flatten()
    }
}

impl TypedHeader for Via {
    const NAME: HeaderName = HeaderName::Via;
    const LIST: bool = true;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let head = Head::split(value)?;
        let host = lex::parse_host(head.host).ok_or(malformed(NAME, "bad sent-by host"))?;
        let params = lex::params_only(head.params, NAME)?;
        check_params(&params)?;
        Ok(Via {
            protocol: ViaProtocol::from_parts(head.name, head.version),
            transport: ViaTransport::from_token(head.transport),
            host,
            port: head.port,
            params,
        })
    }
}

impl Via {
    /// Checks `value` exactly as [`Via::parse`] does, without building
    /// the value (no allocation): the parse-time checks use it.
    pub(crate) fn check(value: &str) -> Result<(), HeaderError> {
        if plain(value).is_some() {
            return Ok(());
        }
        let head = Head::split(value)?;
        if !Host::is_valid(head.host) || head.host.contains(':') && !head.host.starts_with('[') {
            return Err(malformed(NAME, "bad sent-by host"));
        }
        let mut via_ok = true;
        lex::check_params_only(head.params, NAME, |n, v| {
            via_ok &= param_ok(n, v);
            true
        })?;
        if !via_ok {
            return Err(malformed(NAME, "bad via parameter"));
        }
        Ok(())
    }
}

/// A Via value read in place: checked exactly as [`Via::parse`] checks
/// it, but nothing is copied; parameters are looked up in the text when
/// asked for. The transaction layer reads the top Via of every request
/// this way (RFC 3261 §17.2.3 matching, §18.2.1 `received`, §18.2.2
/// response routing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViaRef<'a> {
    text: &'a str,
    transport: &'a str,
    host: &'a str,
    port: Option<u16>,
    branch: Option<&'a str>,
    received: Option<&'a str>,
    rport: Option<Option<&'a str>>,
    /// Where the name of the first `rport` ends in `text` (0 without
    /// one): the place a receiver fills in a bare flag (RFC 3581 §4).
    rport_end: usize,
    maddr: Option<&'a str>,
    /// The sent-by host read as a dotted quad, when it is one
    /// ([`dotted_quad`](crate::uri::dotted_quad) of `host` with leading
    /// zeros, as [`ViaRef::host`] reads it): kept from the reading, so
    /// the host is not read again.
    host_v4: Option<Ipv4Addr>,
}

impl<'a> ViaRef<'a> {
    /// Checks `value` (one Via value) as [`Via::parse`] does, with the
    /// same errors, and reads it in place: one pass over the parameters.
    pub fn parse(value: &'a str) -> Result<ViaRef<'a>, HeaderError> {
        match plain(value) {
            Some(v) => Ok(v),
            None => ViaRef::parse_general(value),
        }
    }

    /// [`ViaRef::parse`] for any value.
    fn parse_general(value: &'a str) -> Result<ViaRef<'a>, HeaderError> {
        let h = Head::split(value)?;
        if !Host::is_valid(h.host) || h.host.contains(':') && !h.host.starts_with('[') {
            return Err(malformed(NAME, "bad sent-by host"));
        }
        let mut v = ViaRef {
            text: value,
            transport: h.transport,
            host: h.host,
            port: h.port,
            branch: None,
            received: None,
            rport: None,
            rport_end: 0,
            maddr: None,
            host_v4: dotted_quad_of(h.host),
        };
        let mut via_ok = true;
        let mut first = [true; 4];
        lex::check_params_only(h.params, NAME, |n, val| {
            via_ok &= param_ok(n, val);
            // The first of each name counts, as `Params::find` has it.
            let slot = ["branch", "received", "rport", "maddr"]
                .iter()
                .position(|k| n.eq_ignore_ascii_case(k));
            if let Some(i) = slot.filter(|&i| first[i]) {
                first[i] = false;
                match i {
                    0 => v.branch = val,
                    1 => v.received = val,
                    2 => {
                        v.rport = Some(val);
                        // The name is a slice of `value` (it is read in
                        // place).
                        v.rport_end = (n.as_ptr() as usize)
                            .wrapping_sub(value.as_ptr() as usize)
                            .wrapping_add(n.len());
                    }
                    _ => v.maddr = val,
                }
            }
            true
        })?;
        if !via_ok {
            return Err(malformed(NAME, "bad via parameter"));
        }
        Ok(v)
    }

    /// The value as written.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The transport token as written.
    pub fn transport_token(&self) -> &'a str {
        self.transport
    }

    /// The transport, when the stack knows it.
    pub fn transport(&self) -> Option<Transport> {
        Transport::from_token(self.transport)
    }

    /// The sent-by host (a domain name is copied).
    pub fn host(&self) -> Host {
        if let Some(a) = self.host_v4 {
            return Host::Ipv4(a);
        }
        lex::parse_host(self.host).unwrap_or_else(|| Host::Domain(self.host.to_owned()))
    }

    /// The sent-by host when it is an IP address (no copy).
    pub fn host_ip(&self) -> Option<IpAddr> {
        if let Some(a) = self.host_v4 {
            return Some(IpAddr::V4(a));
        }
        if self.host.bytes().any(|b| b.is_ascii_alphabetic()) && !self.host.starts_with('[') {
            return None;
        }
        lex::parse_host(self.host).and_then(|h| h.ip())
    }

    /// The sent-by port, if written.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The `branch` parameter (RFC 3261 §20.42).
    pub fn branch(&self) -> Option<&'a str> {
        self.branch
    }

    /// The `received` parameter (RFC 3261 §18.2.1).
    pub fn received(&self) -> Option<IpAddr> {
        self.received.and_then(lex::parse_ip)
    }

    /// The `rport` parameter as [`Via::rport`] reads it (RFC 3581).
    pub fn rport(&self) -> Option<Option<u16>> {
        self.rport.map(|v| v.and_then(lex::parse_u16))
    }

    /// The `maddr` parameter (RFC 3261 §18.2.2).
    pub fn maddr(&self) -> Option<Host> {
        self.maddr.and_then(lex::parse_host)
    }

    /// Where the name of the first `rport` parameter ends in the value's
    /// text, when there is one.
    pub(crate) fn rport_name_end(&self) -> Option<usize> {
        self.rport.map(|_| self.rport_end)
    }
}

impl<'a> ViaRef<'a> {
    /// The usual Via value read in one pass: the same [`ViaRef`] as
    /// [`ViaRef::parse`] gives, or `None` ("not sure").
    pub(crate) fn plain(value: &'a str) -> Option<ViaRef<'a>> {
        plain(value)
    }

    /// Whether [`ViaRef::plain`] reads `value`, without keeping the
    /// fields.
    pub(crate) fn is_plain(value: &str) -> bool {
        is_plain(value)
    }

    /// Where this value's fields lie in its text.
    pub(crate) fn marks(&self) -> TopViaMarks {
        let base = self.text.as_ptr() as usize;
        let span = |s: &str| {
            let start = s.as_ptr() as usize - base;
            (start as u32, (start + s.len()) as u32)
        };
        TopViaMarks {
            len: self.text.len(),
            transport: span(self.transport),
            host: span(self.host),
            port: self.port,
            branch: self.branch.map(span),
            received: self.received.map(span),
            rport: self.rport.map(|v| v.map(span)),
            rport_end: self.rport_end as u32,
            maddr: self.maddr.map(span),
            host_v4: self.host_v4,
        }
    }

    /// The value of `text` whose fields `m` marks ([`ViaRef::marks`] of
    /// the same text); `None` when the lengths differ or a mark does not
    /// fall in `text`.
    pub(crate) fn from_marks(text: &'a str, m: &TopViaMarks) -> Option<ViaRef<'a>> {
        if text.len() != m.len {
            return None;
        }
        let at = |(a, b): Span| text.get(a as usize..b as usize);
        let opt = |s: Option<Span>| s.map(at).map_or(Some(None), |v| v.map(Some));
        Some(ViaRef {
            text,
            transport: at(m.transport)?,
            host: at(m.host)?,
            port: m.port,
            branch: opt(m.branch)?,
            received: opt(m.received)?,
            rport: match m.rport {
                None => None,
                Some(v) => Some(opt(v)?),
            },
            rport_end: m.rport_end as usize,
            maddr: opt(m.maddr)?,
            host_v4: m.host_v4,
        })
    }
}

/// A conservative recogniser for the usual shape of a Via value,
/// `SIP/2.0/UDP host[:port];name=token;flag...` with single spaces, no
/// quotes and no IPv6 reference: true only for values [`Via::parse`]
/// accepts (property-tested), false meaning "not sure". Each parameter
/// still goes through the full via-param rules ([`param_ok`]).
fn is_plain(s: &str) -> bool {
    read_plain::<false>(s).is_some()
}

/// The usual Via value (the shape `is_plain` describes) read in one
/// pass: the same [`ViaRef`] as [`ViaRef::parse`] gives, or `None` ("not
/// sure").
fn plain(s: &str) -> Option<ViaRef<'_>> {
    read_plain::<true>(s)
}

/// [`plain`], keeping where the fields are only with `KEEP` (without, the
/// value read only says whether the text is the usual shape).
#[inline(always)]
fn read_plain<const KEEP: bool>(s: &str) -> Option<ViaRef<'_>> {
    use crate::uri::chars::{run, run_long, TOKEN};
    let b = s.as_bytes();
    let rest = b.strip_prefix(b"SIP/2.0/")?;
    // `UDP`, `TCP` or `TLS` and the space compared at once (what the
    // token run below gives them), else the token run.
    let t = match rest.first_chunk::<4>() {
        Some(b"UDP " | b"TCP " | b"TLS ") => 3,
        _ => {
            let t = run(rest, 0, &TOKEN);
            if t == 0 || rest.get(t) != Some(&b' ') {
                return None;
            }
            t
        }
    };
    let t0 = b.len() - rest.len();
    let mut i = t0 + t + 1;
    // With KEEP, a dotted quad is kept as read (what `valid_run_len`
    // reads it as: the quad not followed by a host character).
    let (h, host_v4) = match KEEP.then(|| crate::uri::quad_prefix(&b[i..])).flatten() {
        Some((a, n))
            if !b
                .get(i + n)
                .is_some_and(|&c| crate::uri::chars::HOST[usize::from(c)]) =>
        {
            (n, Some(a))
        }
        _ => (Host::valid_run_len(&b[i..])?, None),
    };
    let mut v = ViaRef {
        text: s,
        transport: "",
        host: "",
        port: None,
        branch: None,
        received: None,
        rport: None,
        rport_end: 0,
        maddr: None,
        host_v4,
    };
    if KEEP {
        v.transport = &s[t0..t0 + t];
        v.host = &s[i..i + h];
    }
    i += h;
    if b.get(i) == Some(&b':') {
        let (port, d) = crate::name_addr::port_at(&b[i + 1..])?;
        if KEEP {
            v.port = Some(port);
        }
        i += 1 + d;
    }
    let mut seen = [false; 4];
    while b.get(i) == Some(&b';') {
        let (param, n) = param_name(b, i + 1);
        if n == 0 {
            return None;
        }
        i += 1 + n;
        let name_end = i;
        let mut value = None;
        // The value is known to be what its parameter needs.
        let mut typed = false;
        if b.get(i) == Some(&b'=') {
            // The usual `received` and `rport` values are read as what they
            // must be, an IPv4 address without leading zeros or a port,
            // when that is the whole token.
            let at = &b[i + 1..];
            let read = match param {
                KnownParam::Received => crate::uri::strict_quad_len(at),
                KnownParam::Rport => crate::name_addr::port_at(at).map(|(_, d)| d),
                _ => None,
            }
            .filter(|&l| !at.get(l).is_some_and(|&c| TOKEN[usize::from(c)]));
            typed = read.is_some();
            let l = read.unwrap_or_else(|| run_long(b, i + 1, &TOKEN));
            if l == 0 {
                return None;
            }
            value = Some(&s[i + 1..i + 1 + l]);
            i += 1 + l;
        }
        // `param_ok` for a value that is a token, and the first of each
        // name read as `ViaRef::parse` reads it.
        let (slot, ok) = match param {
            KnownParam::Branch => (0, value.is_some()),
            KnownParam::Received => (
                1,
                typed
                    || value.is_some_and(|v| {
                        crate::uri::dotted_quad(v.as_bytes(), false).is_some()
                            || lex::parse_ip(v).is_some()
                    }),
            ),
            KnownParam::Rport => (
                2,
                typed || value.is_none_or(|v| lex::parse_u16(v).is_some()),
            ),
            KnownParam::Maddr => (3, value.and_then(lex::parse_host).is_some()),
            KnownParam::Ttl => (4, value.and_then(lex::parse_u8).is_some()),
            KnownParam::Other => (4, true),
        };
        if !ok {
            return None;
        }
        if KEEP && slot < 4 && !seen[slot] {
            seen[slot] = true;
            match slot {
                0 => v.branch = value,
                1 => v.received = value,
                2 => {
                    v.rport = Some(value);
                    v.rport_end = name_end;
                }
                _ => v.maddr = value,
            }
        }
    }
    (i == b.len()).then_some(v)
}

/// [`ViaRef::host_v4`]'s reading of a sent-by host: a dotted quad,
/// leading zeros allowed (what [`lex::parse_host`] reads as IPv4).
fn dotted_quad_of(host: &str) -> Option<Ipv4Addr> {
    let b = host.as_bytes();
    if b.first().is_some_and(u8::is_ascii_digit) {
        crate::uri::dotted_quad(b, true)
    } else {
        None
    }
}

/// The via-params with a grammar of their own (RFC 3261 §20.42, RFC 3581).
enum KnownParam {
    Branch,
    Received,
    Rport,
    Maddr,
    Ttl,
    Other,
}

/// The via-param name (a token) at `b[i..]`: which one it is and its
/// length, 0 when there is none. The names the usual Via carries are
/// recognised by comparing (`known_param` of the token run otherwise).
#[inline(always)]
fn param_name(b: &[u8], i: usize) -> (KnownParam, usize) {
    use crate::uri::chars::{run, TOKEN};
    /// `lower` (any case) at `b[i..]`, not followed by a token character.
    #[inline(always)]
    fn named<const N: usize>(b: &[u8], i: usize, lower: &[u8; N]) -> bool {
        b.get(i..i.wrapping_add(N))
            .is_some_and(|w| lex::eq_lower(w, lower))
            && !b.get(i + N).is_some_and(|&c| TOKEN[usize::from(c)])
    }
    match b.get(i).map(|c| c | 0x20) {
        Some(b'b') if named(b, i, b"branch") => return (KnownParam::Branch, 6),
        Some(b'r') if named(b, i, b"rport") => return (KnownParam::Rport, 5),
        Some(b'r') if named(b, i, b"received") => return (KnownParam::Received, 8),
        _ => {}
    }
    let n = run(b, i, &TOKEN);
    (known_param_bytes(&b[i..i + n]), n)
}

/// Which via-param `name` is (case-insensitive), dispatching on length
/// and first letter before comparing.
fn known_param(name: &str) -> KnownParam {
    known_param_bytes(name.as_bytes())
}

/// [`known_param`] on bytes.
fn known_param_bytes(n: &[u8]) -> KnownParam {
    match n.len() {
        6 if lex::eq_lower(n, b"branch") => KnownParam::Branch,
        8 if lex::eq_lower(n, b"received") => KnownParam::Received,
        5 if lex::eq_lower(n, b"rport") => KnownParam::Rport,
        5 if lex::eq_lower(n, b"maddr") => KnownParam::Maddr,
        3 if lex::eq_lower(n, b"ttl") => KnownParam::Ttl,
        _ => KnownParam::Other,
    }
}

/// The parts of a Via value before its parameters, borrowed.
struct Head<'a> {
    name: &'a str,
    version: &'a str,
    transport: &'a str,
    host: &'a str,
    port: Option<u16>,
    /// `*(SEMI via-params)` and anything after, unchecked.
    params: &'a str,
}

impl<'a> Head<'a> {
    /// `sent-protocol LWS sent-by`, with the host text not yet checked.
    fn split(value: &'a str) -> Result<Head<'a>, HeaderError> {
        let s = lex::non_empty(value, NAME)?;
        let (name, rest) = lex::split_token(s);
        let rest = slash(rest)?;
        let (version, rest) = lex::split_token(rest);
        let rest = slash(rest)?;
        let (transport, rest) = lex::split_token(rest);
        if name.is_empty() || version.is_empty() || transport.is_empty() {
            return Err(malformed(NAME, "bad sent-protocol"));
        }
        if !rest.starts_with(lex::is_ws) {
            return Err(malformed(NAME, "missing sent-by"));
        }
        let rest = lex::trim_start(rest);
        let host_end = if rest.starts_with('[') {
            rest.find(']')
                .map(|i| i + 1)
                .ok_or(malformed(NAME, "unterminated IPv6 reference"))?
        } else {
            rest.find(|c: char| c == ':' || c == ';' || lex::is_ws(c))
                .unwrap_or(rest.len())
        };
        let host = &rest[..host_end];
        let mut rest = lex::trim_start(&rest[host_end..]);
        let mut port = None;
        if let Some(r) = rest.strip_prefix(':') {
            let r = lex::trim_start(r);
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            port = Some(lex::parse_u16(&r[..end]).ok_or(lex::bad_number(NAME))?);
            rest = &r[end..];
        }
        Ok(Head {
            name,
            version,
            transport,
            host,
            port,
            params: rest,
        })
    }
}

/// Skips `SWS "/" SWS`.
fn slash(s: &str) -> Result<&str, HeaderError> {
    lex::trim_start(s)
        .strip_prefix('/')
        .map(lex::trim_start)
        .ok_or(malformed(NAME, "bad sent-protocol"))
}

/// Checks the grammar of the well-known via-params (RFC 3261 §20.42,
/// RFC 3581 §6).
fn check_params(params: &Params) -> Result<(), HeaderError> {
    if params.iter().all(|p| param_ok(&p.name, p.value.as_deref())) {
        Ok(())
    } else {
        Err(malformed(NAME, "bad via parameter"))
    }
}

/// One via-param against its grammar (unknown names are free).
fn param_ok(name: &str, v: Option<&str>) -> bool {
    match known_param(name) {
        KnownParam::Branch => v.is_some_and(lex::is_token),
        KnownParam::Received => v.is_some_and(|v| {
            crate::uri::dotted_quad(v.as_bytes(), false).is_some() || lex::parse_ip(v).is_some()
        }),
        KnownParam::Rport => v.is_none_or(|v| lex::parse_u16(v).is_some()),
        KnownParam::Ttl => v.and_then(lex::parse_u8).is_some(),
        KnownParam::Maddr => v.and_then(lex::parse_host).is_some(),
        KnownParam::Other => true,
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} {}", self.protocol, self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests;
