//! Transport-facing types shared by the transaction layer, the user agent
//! and the embedder (RFC 3261 §18): what goes out ([`Transmit`]), where it
//! goes ([`Destination`]), and the errors the embedder reports
//! ([`TransportError`]).

use core::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

/// A transport protocol as named in the Via header (RFC 3261 §20.42).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Transport {
    /// UDP, unreliable datagrams.
    Udp,
    /// TCP, a reliable byte stream.
    Tcp,
    /// TLS over TCP.
    Tls,
    /// SCTP.
    Sctp,
    /// WebSocket (RFC 7118).
    Ws,
    /// Secure WebSocket (RFC 7118).
    Wss,
}

impl Transport {
    /// True for transports that deliver reliably (everything but UDP), which
    /// turns off retransmission timers (RFC 3261 §17.1.1.2, §17.1.2.2).
    pub const fn is_reliable(self) -> bool {
        !matches!(self, Transport::Udp)
    }

    /// True for stream transports, which need message framing (§18.3).
    pub const fn is_stream(self) -> bool {
        matches!(
            self,
            Transport::Tcp | Transport::Tls | Transport::Ws | Transport::Wss
        )
    }

    /// The Via token (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Sctp => "SCTP",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
        }
    }

    /// Parses a Via transport token, case-insensitively.
    pub fn from_token(s: &str) -> Option<Transport> {
        [
            Transport::Udp,
            Transport::Tcp,
            Transport::Tls,
            Transport::Sctp,
            Transport::Ws,
            Transport::Wss,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }

    /// The default port: 5061 for TLS, 443 for WSS, 80 for WS, else 5060
    /// (RFC 3261 §19.1.2, RFC 7118).
    pub const fn default_port(self) -> u16 {
        match self {
            Transport::Tls => 5061,
            Transport::Ws => 80,
            Transport::Wss => 443,
            _ => 5060,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The embedder's handle for one stream connection (TCP, TLS, WebSocket).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ConnectionId(pub u64);

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}

/// Where an outgoing message goes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Destination {
    /// A datagram to this address, or a new/existing connection to it for
    /// stream transports (the embedder decides).
    Addr {
        /// The transport to use.
        transport: Transport,
        /// The remote address.
        addr: SocketAddr,
    },
    /// An existing stream connection (RFC 3261 §18.2.2: responses go back
    /// on the connection the request came on while it is open).
    Connection(ConnectionId),
}

/// A message the embedder must send.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Transmit {
    /// Where to send it.
    pub destination: Destination,
    /// The serialized message.
    pub payload: Payload,
}

/// The bytes of a serialized message: read-only, shared, cheap to clone.
///
/// A transaction keeps the message it sent for retransmission (RFC 3261
/// §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2) while the embedder sends the
/// same bytes: both hold one buffer. It derefs to `[u8]`, so a socket
/// loop sends it as is (`socket.send_to(&t.payload, addr)`), and it
/// compares equal to byte slices, arrays and vectors with the same bytes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Payload(Arc<[u8]>);

impl Payload {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes in a vector of their own (a copy).
    pub fn to_vec(&self) -> Vec<u8> {
        self.0.to_vec()
    }
}

impl core::ops::Deref for Payload {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Payload {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl core::borrow::Borrow<[u8]> for Payload {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Payload {
    /// As the bytes' slice (a list of numbers).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&[u8]> for Payload {
    fn from(bytes: &[u8]) -> Self {
        Payload(Arc::from(bytes))
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Self {
        Payload(Arc::from(bytes))
    }
}

impl<const N: usize> From<&[u8; N]> for Payload {
    fn from(bytes: &[u8; N]) -> Self {
        Payload(Arc::from(&bytes[..]))
    }
}

impl From<Payload> for Vec<u8> {
    fn from(p: Payload) -> Self {
        p.0.to_vec()
    }
}

impl PartialEq<[u8]> for Payload {
    fn eq(&self, other: &[u8]) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&[u8]> for Payload {
    fn eq(&self, other: &&[u8]) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Vec<u8>> for Payload {
    fn eq(&self, other: &Vec<u8>) -> bool {
        *self.0 == **other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Payload {
    fn eq(&self, other: &[u8; N]) -> bool {
        *self.0 == other[..]
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Payload {
    fn eq(&self, other: &&[u8; N]) -> bool {
        *self.0 == other[..]
    }
}

impl PartialEq<Payload> for Vec<u8> {
    fn eq(&self, other: &Payload) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Payload> for [u8] {
    fn eq(&self, other: &Payload) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Payload> for &[u8] {
    fn eq(&self, other: &Payload) -> bool {
        **self == *other.0
    }
}

/// A transport failure the embedder reports (RFC 3261 §8.1.3.1, §17.1.4,
/// §18.4).
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// ICMP unreachable or equivalent for a datagram.
    #[error("destination unreachable")]
    Unreachable,
    /// The connection could not be established.
    #[error("connection refused")]
    ConnectionRefused,
    /// An established connection was reset or closed.
    #[error("connection reset")]
    ConnectionReset,
    /// The TLS handshake or session failed.
    #[error("TLS failure")]
    Tls,
    /// The message was too large for the transport.
    #[error("message too large for the transport")]
    TooLarge,
}

/// Where an incoming message came from: the transport, the remote and
/// local addresses, and the connection for stream transports (RFC 3261
/// §18.2.1 needs the source IP and port; §18.2.2 the connection).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Source {
    /// The transport the message arrived on.
    pub transport: Transport,
    /// The remote (source) address.
    pub remote: SocketAddr,
    /// The local address it arrived at.
    pub local: SocketAddr,
    /// The stream connection, for stream transports.
    pub connection: Option<ConnectionId>,
}

impl Source {
    /// Where to send something back to this source: the connection if
    /// there is one, else the remote address on the same transport.
    pub fn reply_destination(&self) -> Destination {
        match self.connection {
            Some(c) => Destination::Connection(c),
            None => Destination::Addr {
                transport: self.transport,
                addr: self.remote,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_its_bytes_and_clones_share_them() {
        let p = Payload::from(b"OPTIONS sip:a SIP/2.0\r\n\r\n".to_vec());
        let q = p.clone();
        assert!(Arc::ptr_eq(&p.0, &q.0));
        assert_eq!(&*p, b"OPTIONS sip:a SIP/2.0\r\n\r\n");
        assert_eq!(p, b"OPTIONS sip:a SIP/2.0\r\n\r\n");
        assert_eq!(p, b"OPTIONS sip:a SIP/2.0\r\n\r\n".to_vec());
        assert_eq!(b"OPTIONS sip:a SIP/2.0\r\n\r\n".to_vec(), p);
        assert_eq!(p, Payload::from(&b"OPTIONS sip:a SIP/2.0\r\n\r\n"[..]));
        assert_ne!(p, b"OPTIONS".to_vec());
        assert_eq!(Vec::from(p.clone()), p.to_vec());
        assert_eq!(format!("{p:?}"), format!("{:?}", p.to_vec()));
    }

    #[test]
    fn transmits_can_move_to_another_thread() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<Transmit>();
        send_and_sync::<Payload>();
    }
}
