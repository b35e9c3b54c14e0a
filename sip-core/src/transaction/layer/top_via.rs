//! The top Via of a received request, read once for matching (RFC 3261
//! §17.2.3), `received`/`rport` stamping (§18.2.1, RFC 3581 §4) and the
//! response route (§18.2.2).
//!
//! [`ViaRef::parse`] reads the value (in one pass for the usual shape);
//! the fields the layer needs are copied out once here.

use crate::header::ViaRef;
use crate::uri::Host;
use std::net::IpAddr;

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
    /// Where the name of the first `rport` ends in `text`.
    pub(crate) rport_end: Option<usize>,
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
            rport_end: via.rport_name_end(),
            maddr: via.maddr(),
        }
    }

    /// The sent-by host when it is an IP address.
    pub(crate) fn host_ip(&self) -> Option<IpAddr> {
        self.host.ip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_the_fields_the_layer_reads() {
        let text =
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport;received=192.0.2.9;maddr=x.example";
        let via = ViaRef::parse(text).unwrap();
        let top = TopVia::of(&via);
        assert_eq!(top.text, text);
        assert_eq!(top.transport, "UDP");
        assert_eq!(top.host_ip(), Some("192.0.2.1".parse().unwrap()));
        assert_eq!(top.port, Some(5060));
        assert_eq!(top.branch, Some("z9hG4bKa"));
        assert_eq!(top.rport, Some(None));
        assert_eq!(top.rport_end, text.find(";rport;").map(|i| i + 6));
        assert_eq!(top.received, Some("192.0.2.9".parse().unwrap()));
        assert_eq!(top.maddr, Some(Host::Domain("x.example".into())));
        let named = TopVia::of(&ViaRef::parse("SIP/2.0/TCP pc33.example.com").unwrap());
        assert_eq!(named.host_ip(), None);
        assert_eq!((named.port, named.branch, named.rport), (None, None, None));
    }
}
