//! The wire form of URIs written straight into a byte buffer: the same
//! text as `Display`, without the `core::fmt` machinery (every request
//! line and many header values go through here).

use super::{Host, OpaqueUri, SipUri, TelUri, Uri};
use crate::params::Params;

impl Uri {
    /// Appends the URI as `Display` writes it.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Uri::Sip(u) => u.write_to(out),
            Uri::Tel(u) => u.write_to(out),
            Uri::Other(u) => u.write_to(out),
        }
    }
}

impl SipUri {
    /// Appends the URI as `Display` writes it.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(if self.secure { b"sips:" } else { b"sip:" });
        if let Some(u) = &self.user {
            out.extend_from_slice(u.as_bytes());
            if let Some(p) = &self.password {
                out.push(b':');
                out.extend_from_slice(p.as_bytes());
            }
            out.push(b'@');
        }
        match self.host {
            Host::Ipv4(a) => write_ipv4_port(a, self.port, out),
            _ => {
                self.host.write_to(out);
                if let Some(p) = self.port {
                    out.push(b':');
                    crate::text::push_u64(out, p.into());
                }
            }
        }
        write_params(&self.params, out);
        for (i, (n, v)) in self.headers.iter().enumerate() {
            out.push(if i == 0 { b'?' } else { b'&' });
            out.extend_from_slice(n.as_bytes());
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
        }
    }
}

impl TelUri {
    /// Appends the URI as `Display` writes it.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"tel:");
        out.extend_from_slice(self.number.as_bytes());
        write_params(&self.params, out);
    }
}

impl OpaqueUri {
    /// Appends the URI as `Display` writes it.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.scheme.as_bytes());
        out.push(b':');
        out.extend_from_slice(self.rest.as_bytes());
    }
}

impl Host {
    /// Appends the host as `Display` writes it.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Host::Domain(d) => out.extend_from_slice(d.as_bytes()),
            Host::Ipv4(a) => write_ipv4_port(*a, None, out),
            Host::Ipv6(a) => {
                use std::io::Write;
                let _ = write!(out, "[{a}]");
            }
        }
    }
}

/// Appends an IPv4 host and its port (`192.0.2.1:5060`), as `Display`
/// writes them: the digits go into one stack buffer, appended in one copy.
fn write_ipv4_port(a: std::net::Ipv4Addr, port: Option<u16>, out: &mut Vec<u8>) {
    // `255.255.255.255:65535`
    let mut buf = [0u8; 21];
    let mut n = 0;
    for (k, o) in a.octets().into_iter().enumerate() {
        if k > 0 {
            buf[n] = b'.';
            n += 1;
        }
        if o >= 100 {
            buf[n] = b'0' + o / 100;
            n += 1;
        }
        if o >= 10 {
            buf[n] = b'0' + o / 10 % 10;
            n += 1;
        }
        buf[n] = b'0' + o % 10;
        n += 1;
    }
    if let Some(p) = port {
        buf[n] = b':';
        n += 1;
        let len = match p {
            0..=9 => 1,
            10..=99 => 2,
            100..=999 => 3,
            1_000..=9_999 => 4,
            _ => 5,
        };
        let mut v = p;
        for k in (0..len).rev() {
            buf[n + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        n += len;
    }
    out.extend_from_slice(&buf[..n]);
}

/// Appends `;name[=value]` for each parameter, as `Params`' `Display`.
pub(crate) fn write_params(params: &Params, out: &mut Vec<u8>) {
    for p in params {
        out.push(b';');
        out.extend_from_slice(p.name.as_bytes());
        if let Some(v) = &p.value {
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(s: &str) {
        let u = Uri::parse(s).unwrap();
        let mut out = Vec::new();
        u.write_to(&mut out);
        assert_eq!(String::from_utf8(out).unwrap(), u.to_string(), "{s}");
    }

    #[test]
    fn writes_what_display_writes() {
        for s in [
            "sip:bob@192.0.2.2:5060",
            "sips:alice:secret@Example.COM;transport=tcp;lr?Subject=x&Priority=urgent",
            "sip:[2001:db8::1]:5061;maddr=239.255.255.1;ttl=15",
            "sip:%61lice@atlanta.com;x=q;y",
            "sip:10.0.0.255",
            "tel:+1-201-555-0123;ext=1",
            "urn:service:sos",
            "mailto:a@b.c",
        ] {
            same(s);
        }
    }

    proptest::proptest! {
        #[test]
        fn host_writes_what_display_writes(a in proptest::num::u32::ANY) {
            let host = Host::Ipv4(std::net::Ipv4Addr::from(a));
            let mut out = b"x".to_vec();
            host.write_to(&mut out);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), format!("x{host}"));
        }

        #[test]
        fn writes_what_display_writes_for_any_ipv4(a in proptest::num::u32::ANY, port in proptest::option::of(proptest::num::u16::ANY)) {
            let host = std::net::Ipv4Addr::from(a);
            let s = match port {
                Some(p) => format!("sip:u@{host}:{p};lr"),
                None => format!("sip:{host}"),
            };
            same(&s);
        }
    }
}
