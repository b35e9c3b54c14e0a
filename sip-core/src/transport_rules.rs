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
//! The Via is read through [`ViaView`], a light view of one Via value that
//! borrows the host from the header text.

use crate::header::{split_comma, HeaderName, Headers};
use crate::params::{ParamError, Params};
use crate::transport::{ConnectionId, Destination, Source, Transport};
use core::fmt;
use std::net::{IpAddr, SocketAddr};

/// One Via value (RFC 3261 §20.42): `SIP/2.0/UDP host:port;params`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ViaView<'a> {
    /// The transport token as written (`UDP`, `tcp`, `SCTP`...).
    pub transport: &'a str,
    /// The sent-by host as written (IPv6 references keep their brackets).
    pub host: &'a str,
    /// The sent-by port, if written.
    pub port: Option<u16>,
    /// The via-params (`branch`, `received`, `rport`, `maddr`, `ttl`...).
    pub params: Params,
}

/// Why a Via value did not parse.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViaError {
    /// There is no Via header.
    #[error("missing Via header")]
    Missing,
    /// The protocol is not `SIP/2.0/<transport>`.
    #[error("Via: bad sent-protocol")]
    Protocol,
    /// The sent-by host or port is malformed.
    #[error("Via: bad sent-by")]
    SentBy,
    /// A via-param is malformed.
    #[error("Via: bad parameter: {0}")]
    Param(#[from] ParamError),
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c)
}

impl<'a> ViaView<'a> {
    /// Parses one Via value.
    pub fn parse(value: &'a str) -> Result<ViaView<'a>, ViaError> {
        let lws = |s: &'a str| s.trim_start_matches([' ', '\t', '\r', '\n']);
        let s = lws(value);
        let (name, s) = split_token(s).ok_or(ViaError::Protocol)?;
        let s = lws(s).strip_prefix('/').ok_or(ViaError::Protocol)?;
        let (version, s) = split_token(lws(s)).ok_or(ViaError::Protocol)?;
        let s = lws(s).strip_prefix('/').ok_or(ViaError::Protocol)?;
        let (transport, s) = split_token(lws(s)).ok_or(ViaError::Protocol)?;
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" {
            return Err(ViaError::Protocol);
        }
        let s = lws(s);
        let (host, rest) = if s.starts_with('[') {
            let end = s.find(']').ok_or(ViaError::SentBy)?;
            (&s[..=end], &s[end + 1..])
        } else {
            let end = s
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                .unwrap_or(s.len());
            (&s[..end], &s[end..])
        };
        if host.is_empty() {
            return Err(ViaError::SentBy);
        }
        let rest = lws(rest);
        let (port, rest) = match rest.strip_prefix(':') {
            Some(p) => {
                let p = lws(p);
                let end = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
                let port = p[..end].parse::<u16>().map_err(|_| ViaError::SentBy)?;
                (Some(port), &p[end..])
            }
            None => (None, rest),
        };
        let (params, rest) = Params::parse_prefix(rest, b",")?;
        if !rest.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
            return Err(ViaError::SentBy);
        }
        Ok(ViaView {
            transport,
            host,
            port,
            params,
        })
    }

    /// The topmost Via value of a header list.
    pub fn top(headers: &'a Headers) -> Result<ViaView<'a>, ViaError> {
        let line = headers.get(&HeaderName::Via).ok_or(ViaError::Missing)?;
        let first = split_comma(line).next().ok_or(ViaError::Missing)?;
        ViaView::parse(first)
    }

    /// The transport, if it is one the stack knows.
    pub fn transport(&self) -> Option<Transport> {
        Transport::from_token(self.transport)
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.get("branch")
    }

    /// The `received` parameter.
    pub fn received(&self) -> Option<&str> {
        self.params.get("received")
    }

    /// The `rport` parameter: `None` when absent, `Some(None)` when present
    /// without value (RFC 3581 §3), `Some(Some(port))` when filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        let p = self.params.find("rport")?;
        Some(p.value.as_deref().and_then(|v| v.parse().ok()))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&str> {
        self.params.get("maddr")
    }

    /// The sent-by host as an IP address, if it is one.
    pub fn host_ip(&self) -> Option<IpAddr> {
        parse_ip(self.host)
    }
}

impl fmt::Display for ViaView<'_> {
    /// Canonical form: `SIP/2.0/TRANSPORT host[:port];params`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

fn split_token(s: &str) -> Option<(&str, &str)> {
    let end = s.bytes().position(|c| !is_token_char(c)).unwrap_or(s.len());
    (end > 0).then(|| (&s[..end], &s[end..]))
}

/// Parses an IP address, IPv6 with or without brackets.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(s);
    s.parse().ok()
}

/// Writes an IP as a Via `received` value or sent-by host (IPv6 in
/// brackets for the host, RFC 5118 §4.5; `received` takes the bare form).
fn ip_text(ip: IpAddr, brackets: bool) -> String {
    match ip {
        IpAddr::V6(v6) if brackets => format!("[{v6}]"),
        other => other.to_string(),
    }
}

/// The Via value a UAC writes for a request it sends (RFC 3261 §8.1.1.7,
/// §18.1.1, RFC 3581 §3).
pub fn via_value(transport: Transport, host: &str, port: Option<u16>, branch: &str, rport: bool) -> String {
    let mut v = String::with_capacity(48 + host.len() + branch.len());
    v.push_str("SIP/2.0/");
    v.push_str(transport.as_str());
    v.push(' ');
    v.push_str(host);
    if let Some(p) = port {
        v.push(':');
        v.push_str(&p.to_string());
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
    let mut out = Headers::with_capacity(headers.len() + 1);
    out.push(HeaderName::Via, value);
    out.extend(headers.iter().filter(|h| h.name != HeaderName::Via).cloned());
    *headers = out;
}

/// Applies RFC 3261 §18.2.1 and RFC 3581 §4 to the top Via of a received
/// request: adds `received` when the sent-by host is not the source IP,
/// and fills an empty `rport` with the source port (adding `received`
/// even when it equals the sent-by). Returns whether the Via changed.
pub fn stamp_received(headers: &mut Headers, source: SocketAddr) -> Result<bool, ViaError> {
    let line = headers.get(&HeaderName::Via).ok_or(ViaError::Missing)?;
    let mut values = split_comma(line);
    let first = values.next().ok_or(ViaError::Missing)?;
    let mut via = ViaView::parse(first)?;
    let fill_rport = matches!(via.params.find("rport"), Some(p) if p.value.is_none());
    let differs = via.host_ip() != Some(source.ip());
    if !differs && !fill_rport {
        return Ok(false);
    }
    via.params.set("received", Some(&ip_text(source.ip(), false)));
    if fill_rport {
        via.params.set("rport", Some(&source.port().to_string()));
    }
    let mut new_line = via.to_string();
    for rest in values {
        new_line.push_str(", ");
        new_line.push_str(rest);
    }
    if let Some(v) = headers.get_mut(&HeaderName::Via) {
        *v = new_line;
    }
    Ok(true)
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
/// 3. `received`: that address, with the `rport` value when filled in,
///    else the sent-by port or the transport default;
/// 4. the sent-by, when it is an IP address.
///
/// `connection_open` tells whether the source's connection still exists.
pub fn response_destination(
    via: &ViaView<'_>,
    source: Option<&Source>,
    connection_open: impl Fn(ConnectionId) -> bool,
) -> Result<Destination, RouteError> {
    let transport = via
        .transport()
        .ok_or_else(|| RouteError::UnknownTransport(via.transport.to_owned()))?;
    if let Some(conn) = source.and_then(|s| s.connection) {
        if connection_open(conn) {
            return Ok(Destination::Connection(conn));
        }
    }
    let default_port = via.port.unwrap_or(transport.default_port());
    if let Some(ip) = via.maddr().and_then(parse_ip) {
        return Ok(Destination::Addr {
            transport,
            addr: SocketAddr::new(ip, default_port),
        });
    }
    if let Some(ip) = via.received().and_then(parse_ip) {
        let port = match via.rport() {
            Some(Some(p)) if p != 0 => p,
            _ => default_port,
        };
        return Ok(Destination::Addr {
            transport,
            addr: SocketAddr::new(ip, port),
        });
    }
    match via.host_ip() {
        Some(ip) => Ok(Destination::Addr {
            transport,
            addr: SocketAddr::new(ip, default_port),
        }),
        None => Err(RouteError::NeedsResolution(via.host.to_owned())),
    }
}

/// The RFC 3261 §18.1.1 size rule for a request of `len` bytes to
/// `dest`: over UDP, a request larger than `limit` (MTU − 200) must use a
/// congestion-controlled transport. Returns the transport to use, or
/// `None` when the request must not be sent (switching is not allowed).
pub fn transport_for_size(transport: Transport, len: usize, limit: usize, may_switch: bool) -> Option<Transport> {
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
