//! The top Via of a received request, read once for matching (RFC 3261
//! §17.2.3), `received`/`rport` stamping (§18.2.1, RFC 3581 §4) and the
//! response route (§18.2.2).
//!
//! A message from the layer's own parser has had every Via value checked
//! already (the parse-time checks apply the same rules as
//! [`ViaRef::parse`]); for those, the usual shape
//! `SIP/2.0/TRANSPORT host[:port];name[=value]...` (no white space, quotes,
//! brackets or commas) is read here without checking it again. Anything
//! else, and every message handed in from outside, goes through
//! [`ViaRef::parse`].

use crate::header::lex;
use crate::header::ViaRef;
use crate::uri::chars::{HOST, TOKEN};
use crate::uri::Host;
use std::net::{IpAddr, Ipv4Addr};

/// What the receive path reads of the top Via.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TopVia<'a> {
    /// The value as written.
    pub(crate) text: &'a str,
    /// The transport token as written.
    pub(crate) transport: &'a str,
    /// The sent-by host (as [`ViaRef::host`]).
    pub(crate) host: Host,
    /// The sent-by port.
    pub(crate) port: Option<u16>,
    /// The first `branch`.
    pub(crate) branch: Option<&'a str>,
    /// The first `received`, as [`ViaRef::received`] reads it.
    pub(crate) received: Option<IpAddr>,
    /// The first `rport`, as [`ViaRef::rport`] reads it.
    pub(crate) rport: Option<Option<u16>>,
    /// The first `maddr`, as [`ViaRef::maddr`] reads it.
    pub(crate) maddr: Option<Host>,
}

impl<'a> TopVia<'a> {
    /// The fields of a Via read by [`ViaRef::parse`].
    pub(crate) fn of(via: &ViaRef<'a>) -> Self {
        TopVia {
            text: via.as_str(),
            transport: via.transport_token(),
            host: via.host(),
            port: via.port(),
            branch: via.branch(),
            received: via.received(),
            rport: via.rport(),
            maddr: via.maddr(),
        }
    }

    /// Reads a Via value the parser has checked, when it has the usual
    /// shape; `None` otherwise (the caller then uses [`ViaRef::parse`]).
    /// On a value `ViaRef::parse` accepts, the fields are the ones it
    /// gives (property-tested).
    pub(crate) fn read_checked(value: &'a str) -> Option<Self> {
        let b = value.as_bytes();
        let mut i = b"SIP/2.0/".len();
        if !b.starts_with(b"SIP/2.0/") {
            return None;
        }
        let t = run(b, i, &TOKEN);
        if t == 0 || b.get(i + t) != Some(&b' ') {
            return None;
        }
        let transport = &value[i..i + t];
        i += t + 1;
        let h = run(b, i, &HOST);
        if h == 0 {
            return None;
        }
        let host_text = &value[i..i + h];
        i += h;
        let mut port = None;
        if b.get(i) == Some(&b':') {
            let d = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if d == 0 || d > 5 {
                return None;
            }
            port = Some(lex::parse_u16(&value[i + 1..i + 1 + d])?);
            i += 1 + d;
        }
        let mut v = TopVia {
            text: value,
            transport,
            host: read_host(host_text),
            port,
            branch: None,
            received: None,
            rport: None,
            maddr: None,
        };
        let mut seen = [false; 4];
        while i < b.len() {
            if b[i] != b';' {
                return None;
            }
            let n = run(b, i + 1, &TOKEN);
            if n == 0 {
                return None;
            }
            let name = &value[i + 1..i + 1 + n];
            i += 1 + n;
            let mut param = None;
            if b.get(i) == Some(&b'=') {
                let l = run(b, i + 1, &TOKEN);
                if l == 0 {
                    return None;
                }
                param = Some(&value[i + 1..i + 1 + l]);
                i += 1 + l;
            }
            let slot = match name.len() {
                6 if name.eq_ignore_ascii_case("branch") => Some(0),
                8 if name.eq_ignore_ascii_case("received") => Some(1),
                5 if name.eq_ignore_ascii_case("rport") => Some(2),
                5 if name.eq_ignore_ascii_case("maddr") => Some(3),
                _ => None,
            };
            match slot {
                Some(k) if !seen[k] => {
                    seen[k] = true;
                    match k {
                        0 => v.branch = param,
                        1 => v.received = param.and_then(lex::parse_ip),
                        2 => v.rport = Some(param.and_then(lex::parse_u16)),
                        _ => v.maddr = param.and_then(lex::parse_host),
                    }
                }
                _ => {}
            }
        }
        Some(v)
    }

    /// The sent-by host when it is an IP address.
    pub(crate) fn host_ip(&self) -> Option<IpAddr> {
        self.host.ip()
    }
}

fn run(b: &[u8], from: usize, class: &[bool; 256]) -> usize {
    b[from..].iter().take_while(|&&c| class[c as usize]).count()
}

/// The sent-by host as [`ViaRef::host`] reads it, a dotted quad without
/// the general host parser.
fn read_host(text: &str) -> Host {
    if let Some(a) = dotted_quad(text.as_bytes()) {
        return Host::Ipv4(a);
    }
    lex::parse_host(text).unwrap_or_else(|| Host::Domain(text.to_owned()))
}

/// Four decimal octets without leading zeros, separated by dots: the
/// text `Ipv4Addr`'s parser accepts, read in one pass.
fn dotted_quad(b: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (k, octet) in octets.iter_mut().enumerate() {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut n: u16 = 0;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() || i - start == 3 {
                break;
            }
            n = n * 10 + u16::from(c - b'0');
            i += 1;
        }
        let len = i - start;
        if len == 0 || n > 255 || (len > 1 && b[start] == b'0') {
            return None;
        }
        *octet = n as u8;
    }
    (i == b.len()).then(|| Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(s: &str) {
        let Ok(via) = ViaRef::parse(s) else {
            return;
        };
        if let Some(fast) = TopVia::read_checked(s) {
            assert_eq!(fast, TopVia::of(&via), "{s:?}");
        }
    }

    #[test]
    fn reads_the_usual_shape() {
        let s = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;rport";
        let v = TopVia::read_checked(s).unwrap();
        assert_eq!(v, TopVia::of(&ViaRef::parse(s).unwrap()));
        assert_eq!(v.rport, Some(None));
        assert_eq!(v.host_ip(), Some("192.0.2.1".parse().unwrap()));
        for s in [
            "SIP/2.0/TCP pc33.Atlanta.com;BRANCH=z9hG4bK1;received=10.0.0.1;rport=9;branch=2",
            "SIP/2.0/UDP h;maddr=239.255.255.1;ttl=1;received=bad;rport=x",
            "SIP/2.0/TLS 01.2.3.4:0;branch=z9hG4bK1",
            "SIP/2.0/UDP 1.2.3;branch=z9hG4bK1",
            "SIP/2.0/WSS 256.1.1.1;branch=z9hG4bK1",
        ] {
            agree(s);
        }
        // Not the usual shape: left to ViaRef::parse.
        for s in [
            "SIP / 2.0 / UDP h;branch=z9hG4bK1",
            "SIP/2.0/UDP [::1];branch=z9hG4bK1",
            "SIP/2.0/UDP h ;branch=z9hG4bK1",
            "SIP/2.0/UDP h;x=\"a\"",
            "SIP/2.0/UDP h;received=[::1]",
        ] {
            assert!(TopVia::read_checked(s).is_none(), "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn dotted_quad_agrees_with_the_std_parser(s in "[0-9.]{0,17}|[0-9]{1,4}(\\.[0-9]{1,4}){3}") {
            proptest::prop_assert_eq!(dotted_quad(s.as_bytes()), s.parse::<Ipv4Addr>().ok());
        }

        #[test]
        fn agrees_with_via_ref(
            transport in "(UDP|tcp|TLS|X-Y|sctp)",
            host in "([0-9]{1,3}\\.){0,4}[0-9]{1,3}|[a-zA-Z0-9.-]{1,12}",
            port in proptest::option::of("[0-9]{1,6}"),
            params in proptest::collection::vec(
                "(branch|BRANCH|received|rport|RPORT|maddr|ttl|x)(=([a-zA-Z0-9.]{1,10}|[0-9.]{1,15}))?",
                0..5,
            ),
        ) {
            let mut s = format!("SIP/2.0/{transport} {host}");
            if let Some(p) = port {
                s.push(':');
                s.push_str(&p);
            }
            for p in params {
                s.push(';');
                s.push_str(&p);
            }
            agree(&s);
        }
    }
}
