//! Packet capture export: a trace as a classic libpcap file
//! (`LINKTYPE_ETHERNET`) with real Ethernet, IPv4/IPv6, UDP and TCP
//! headers and correct checksums, so Wireshark and `tshark -r FILE -Y sip`
//! decode the SIP in it.
//!
//! The capture shows what arrived, as a tap in front of each receiver
//! would see it: datagrams (and network-made duplicates) at their delivery
//! time, TCP segments at their arrival with real sequence and
//! acknowledgement numbers, the three-way handshake, FINs and RSTs.
//! Dropped datagrams are not in it; the trace and the ladder show them.
//! Stream transports other than TCP (TLS, WS) are framed as plain TCP
//! carrying the cleartext; SCTP and other datagram transports are left out.
//!
//! MAC addresses are made up from the IP address (`02:00:` and its last
//! four bytes); the IPv4 identification field counts packets.

use crate::trace::{Event, Record};
use sip_core::time::Instant;
use sip_core::transport::Transport;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const LINKTYPE_ETHERNET: u32 = 1;

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// What [`write()`] put in the file.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct PcapStats {
    /// Packets written.
    pub packets: u64,
    /// Messages left out (too large for one IP packet, or a transport the
    /// capture does not frame).
    pub skipped: u64,
}

/// The trace as the bytes of a pcap file.
pub fn to_vec(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    write(records, &mut out).expect("writing to a Vec cannot fail");
    out
}

/// Writes the trace as a pcap file.
pub fn write<W: Write>(records: &[Record], w: W) -> io::Result<PcapStats> {
    let mut p = Capture {
        w,
        stats: PcapStats::default(),
        ip_id: 0,
        sends: BTreeMap::new(),
        conns: BTreeMap::new(),
    };
    p.header()?;
    for r in records {
        p.record(r)?;
    }
    Ok(p.stats)
}

struct Send {
    src: SocketAddr,
    dst: SocketAddr,
    proto: Transport,
    data: Vec<u8>,
}

/// One direction of a TCP connection.
#[derive(Default)]
struct Half {
    isn: u32,
    /// The direction's bytes, by stream offset.
    bytes: Vec<u8>,
    /// Bytes the capture has shown so far.
    shown: u64,
}

struct TcpConn {
    client_name: String,
    client: SocketAddr,
    server: SocketAddr,
    /// `[upstream, downstream]`.
    halves: [Half; 2],
}

impl TcpConn {
    fn ends(&self, upstream: bool) -> (SocketAddr, SocketAddr) {
        if upstream {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        }
    }

    /// Next sequence number of a direction (after the SYN).
    fn seq(&self, upstream: bool) -> u32 {
        let h = &self.halves[usize::from(!upstream)];
        h.isn.wrapping_add(1).wrapping_add(h.shown as u32)
    }
}

struct Capture<W> {
    w: W,
    stats: PcapStats,
    ip_id: u16,
    sends: BTreeMap<u64, Send>,
    conns: BTreeMap<u64, TcpConn>,
}

impl<W: Write> Capture<W> {
    fn header(&mut self) -> io::Result<()> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&262_144u32.to_le_bytes());
        h.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
        self.w.write_all(&h)
    }

    fn record(&mut self, r: &Record) -> io::Result<()> {
        match &r.event {
            Event::Send {
                msg,
                proto,
                src,
                dst,
                conn,
                off,
                data,
                ..
            } => {
                if let (Some(k), Some(off)) = (conn, off) {
                    if let Some(c) = self.conns.get_mut(k) {
                        let upstream = *src == c.client;
                        let half = &mut c.halves[usize::from(!upstream)];
                        let end = *off as usize + data.0.len();
                        if half.bytes.len() < end {
                            half.bytes.resize(end, 0);
                        }
                        half.bytes[*off as usize..end].copy_from_slice(&data.0);
                    }
                } else {
                    self.sends.insert(
                        *msg,
                        Send {
                            src: *src,
                            dst: *dst,
                            proto: *proto,
                            data: data.0.clone(),
                        },
                    );
                }
            }
            Event::Deliver { msg, .. } => {
                if let Some(s) = self.sends.get(msg) {
                    let (src, dst, proto) = (s.src, s.dst, s.proto);
                    let data = s.data.clone();
                    if proto == Transport::Udp {
                        self.udp(r.t, src, dst, &data)?;
                    } else {
                        self.stats.skipped += 1;
                    }
                }
            }
            Event::Connect {
                conn,
                from,
                src,
                dst,
                ..
            } => {
                let k = *conn as u32;
                self.conns.insert(
                    *conn,
                    TcpConn {
                        client_name: from.clone(),
                        client: *src,
                        server: *dst,
                        halves: [
                            Half {
                                isn: 0x1000_0000u32.wrapping_add(k.wrapping_mul(0x0001_0000)),
                                ..Half::default()
                            },
                            Half {
                                isn: 0x8000_0000u32.wrapping_add(k.wrapping_mul(0x0001_0000)),
                                ..Half::default()
                            },
                        ],
                    },
                );
            }
            Event::Accept { conn } => {
                if let Some(c) = self.conns.get(conn) {
                    let isn = c.halves[0].isn;
                    self.tcp(r.t, c.client, c.server, isn, 0, SYN, &[])?;
                }
            }
            Event::Established { conn } => {
                if let Some(c) = self.conns.get(conn) {
                    let (client, server) = (c.client, c.server);
                    let (ci, si) = (c.halves[0].isn, c.halves[1].isn);
                    self.tcp(r.t, server, client, si, ci.wrapping_add(1), SYN | ACK, &[])?;
                    self.tcp(
                        r.t,
                        client,
                        server,
                        ci.wrapping_add(1),
                        si.wrapping_add(1),
                        ACK,
                        &[],
                    )?;
                }
            }
            Event::Refused { conn } => {
                if let Some(c) = self.conns.get(conn) {
                    let (client, server, ci) = (c.client, c.server, c.halves[0].isn);
                    self.tcp(r.t, client, server, ci, 0, SYN, &[])?;
                    self.tcp(r.t, server, client, 0, ci.wrapping_add(1), RST | ACK, &[])?;
                }
            }
            Event::Segment {
                conn,
                upstream,
                off,
                len,
                ..
            } => {
                if let Some(c) = self.conns.get_mut(conn) {
                    let half = &c.halves[usize::from(!*upstream)];
                    let (start, end) = (*off as usize, (*off + *len) as usize);
                    let data = half.bytes.get(start..end).unwrap_or(&[]).to_vec();
                    let seq = half.isn.wrapping_add(1).wrapping_add(*off as u32);
                    let (from, to) = c.ends(*upstream);
                    let ack = c.seq(!*upstream);
                    c.halves[usize::from(!*upstream)].shown = *off + *len;
                    let back_seq = c.seq(!*upstream);
                    let back_ack = c.seq(*upstream);
                    self.tcp(r.t, from, to, seq, ack, PSH | ACK, &data)?;
                    self.tcp(r.t, to, from, back_seq, back_ack, ACK, &[])?;
                }
            }
            Event::PeerClosed { conn, node } => {
                if let Some(c) = self.conns.get(conn) {
                    // `node` learned of the close; the other end closed.
                    let (client, server) = (c.client, c.server);
                    let client_closed = *node != c.client_name;
                    let (closer, peer) = if client_closed {
                        (client, server)
                    } else {
                        (server, client)
                    };
                    let (cs, ps) = (c.seq(client_closed), c.seq(!client_closed));
                    self.tcp(r.t, closer, peer, cs, ps, FIN | ACK, &[])?;
                    self.tcp(r.t, peer, closer, ps, cs.wrapping_add(1), FIN | ACK, &[])?;
                    self.tcp(
                        r.t,
                        closer,
                        peer,
                        cs.wrapping_add(1),
                        ps.wrapping_add(1),
                        ACK,
                        &[],
                    )?;
                }
            }
            Event::Reset { conn } => {
                if let Some(c) = self.conns.get(conn) {
                    let (client, server) = (c.client, c.server);
                    let (seq, ack) = (c.seq(true), c.seq(false));
                    self.tcp(r.t, client, server, seq, ack, RST | ACK, &[])?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn udp(&mut self, t: Instant, src: SocketAddr, dst: SocketAddr, data: &[u8]) -> io::Result<()> {
        let len = 8 + data.len();
        if len > 65_000 {
            self.stats.skipped += 1;
            return Ok(());
        }
        let mut seg = Vec::with_capacity(len);
        seg.extend_from_slice(&src.port().to_be_bytes());
        seg.extend_from_slice(&dst.port().to_be_bytes());
        seg.extend_from_slice(&(len as u16).to_be_bytes());
        seg.extend_from_slice(&[0, 0]);
        seg.extend_from_slice(data);
        let mut sum = transport_checksum(src.ip(), dst.ip(), PROTO_UDP, &seg);
        if sum == 0 {
            sum = 0xffff;
        }
        seg[6..8].copy_from_slice(&sum.to_be_bytes());
        self.ip(t, src.ip(), dst.ip(), PROTO_UDP, &seg)
    }

    #[allow(clippy::too_many_arguments)]
    fn tcp(
        &mut self,
        t: Instant,
        src: SocketAddr,
        dst: SocketAddr,
        seq: u32,
        ack: u32,
        flags: u8,
        data: &[u8],
    ) -> io::Result<()> {
        let mut seg = Vec::with_capacity(20 + data.len());
        seg.extend_from_slice(&src.port().to_be_bytes());
        seg.extend_from_slice(&dst.port().to_be_bytes());
        seg.extend_from_slice(&seq.to_be_bytes());
        seg.extend_from_slice(&(if flags & ACK != 0 { ack } else { 0 }).to_be_bytes());
        seg.push(5 << 4);
        seg.push(flags);
        seg.extend_from_slice(&65_535u16.to_be_bytes());
        seg.extend_from_slice(&[0, 0, 0, 0]);
        seg.extend_from_slice(data);
        let sum = transport_checksum(src.ip(), dst.ip(), PROTO_TCP, &seg);
        seg[16..18].copy_from_slice(&sum.to_be_bytes());
        self.ip(t, src.ip(), dst.ip(), PROTO_TCP, &seg)
    }

    fn ip(
        &mut self,
        t: Instant,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        payload: &[u8],
    ) -> io::Result<()> {
        let mut frame = Vec::with_capacity(14 + 40 + payload.len());
        frame.extend_from_slice(&mac(dst));
        frame.extend_from_slice(&mac(src));
        match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                frame.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
                let start = frame.len();
                self.ip_id = self.ip_id.wrapping_add(1);
                frame.push(0x45);
                frame.push(0);
                frame.extend_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
                frame.extend_from_slice(&self.ip_id.to_be_bytes());
                frame.extend_from_slice(&0x4000u16.to_be_bytes());
                frame.push(64);
                frame.push(proto);
                frame.extend_from_slice(&[0, 0]);
                frame.extend_from_slice(&s.octets());
                frame.extend_from_slice(&d.octets());
                let sum = !ones_complement_sum(0, &frame[start..start + 20]);
                frame[start + 10..start + 12].copy_from_slice(&sum.to_be_bytes());
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                frame.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
                frame.extend_from_slice(&0x6000_0000u32.to_be_bytes());
                frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
                frame.push(proto);
                frame.push(64);
                frame.extend_from_slice(&s.octets());
                frame.extend_from_slice(&d.octets());
            }
            _ => {
                self.stats.skipped += 1;
                return Ok(());
            }
        }
        frame.extend_from_slice(payload);
        let ms = t.as_millis();
        let mut rec = Vec::with_capacity(16);
        rec.extend_from_slice(&((ms / 1000) as u32).to_le_bytes());
        rec.extend_from_slice(&(((ms % 1000) * 1000) as u32).to_le_bytes());
        rec.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        rec.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.w.write_all(&rec)?;
        self.w.write_all(&frame)?;
        self.stats.packets += 1;
        Ok(())
    }
}

fn mac(ip: IpAddr) -> [u8; 6] {
    let tail = match ip {
        IpAddr::V4(v4) => v4.octets(),
        IpAddr::V6(v6) => {
            let o = v6.octets();
            [o[12], o[13], o[14], o[15]]
        }
    };
    [0x02, 0x00, tail[0], tail[1], tail[2], tail[3]]
}

/// The 16-bit ones' complement sum of `data` (RFC 1071), added to `acc`.
fn ones_complement_sum(mut acc: u32, data: &[u8]) -> u16 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The UDP/TCP checksum over the IPv4 (RFC 768, RFC 9293 §3.1) or IPv6
/// (RFC 8200 §8.1) pseudo-header and `segment` (whose checksum field is
/// zero).
fn transport_checksum(src: IpAddr, dst: IpAddr, proto: u8, segment: &[u8]) -> u16 {
    let mut pseudo = Vec::with_capacity(40);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.push(0);
            pseudo.push(proto);
            pseudo.extend_from_slice(&(segment.len() as u16).to_be_bytes());
        }
        _ => {
            let v6 = |ip: IpAddr| match ip {
                IpAddr::V6(v) => v.octets(),
                IpAddr::V4(v) => v.to_ipv6_mapped().octets(),
            };
            pseudo.extend_from_slice(&v6(src));
            pseudo.extend_from_slice(&v6(dst));
            pseudo.extend_from_slice(&(segment.len() as u32).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, proto]);
        }
    }
    let partial = u32::from(ones_complement_sum(0, &pseudo));
    !ones_complement_sum(partial, segment)
}

#[cfg(test)]
mod tests;
