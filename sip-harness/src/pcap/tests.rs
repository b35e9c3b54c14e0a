use super::*;
use crate::scenarios;
use crate::sim::Faults;

/// A parsed packet: timestamp in ms, ethertype, and the IP packet.
struct Packet {
    ms: u64,
    ethertype: u16,
    ip: Vec<u8>,
}

fn read_pcap(bytes: &[u8]) -> Vec<Packet> {
    assert_eq!(&bytes[..4], &0xa1b2_c3d4u32.to_le_bytes());
    assert_eq!(u32::from_le_bytes(bytes[20..24].try_into().unwrap()), 1);
    let mut out = Vec::new();
    let mut pos = 24;
    while pos < bytes.len() {
        let word = |o: usize| u32::from_le_bytes(bytes[pos + o..pos + o + 4].try_into().unwrap());
        let (sec, usec, incl, orig) = (word(0), word(4), word(8) as usize, word(12) as usize);
        assert_eq!(incl, orig);
        let frame = &bytes[pos + 16..pos + 16 + incl];
        out.push(Packet {
            ms: u64::from(sec) * 1000 + u64::from(usec) / 1000,
            ethertype: u16::from_be_bytes([frame[12], frame[13]]),
            ip: frame[14..].to_vec(),
        });
        pos += 16 + incl;
    }
    out
}

#[test]
fn checksum_matches_a_known_ipv4_header() {
    let header = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];
    assert_eq!(!ones_complement_sum(0, &header), 0xb861);
    assert_eq!(ones_complement_sum(0, &[0xff]), 0xff00);
}

/// Every IPv4 header and UDP/TCP checksum in the capture verifies.
fn verify(packets: &[Packet]) -> (usize, usize) {
    let (mut udp, mut tcp) = (0, 0);
    for p in packets {
        assert_eq!(p.ethertype, ETHERTYPE_IPV4);
        let ip = &p.ip;
        assert_eq!(
            ones_complement_sum(0, &ip[..20]),
            0xffff,
            "IP header checksum"
        );
        assert_eq!(usize::from(u16::from_be_bytes([ip[2], ip[3]])), ip.len());
        let src = IpAddr::from([ip[12], ip[13], ip[14], ip[15]]);
        let dst = IpAddr::from([ip[16], ip[17], ip[18], ip[19]]);
        let seg = &ip[20..];
        let mut zeroed = seg.to_vec();
        let at = if ip[9] == PROTO_UDP { 6 } else { 16 };
        let stored = u16::from_be_bytes([seg[at], seg[at + 1]]);
        zeroed[at..at + 2].copy_from_slice(&[0, 0]);
        let mut want = transport_checksum(src, dst, ip[9], &zeroed);
        if ip[9] == PROTO_UDP && want == 0 {
            want = 0xffff;
        }
        assert_eq!(stored, want, "transport checksum");
        if ip[9] == PROTO_UDP {
            udp += 1;
        } else {
            tcp += 1;
        }
    }
    (udp, tcp)
}

#[test]
fn udp_capture_has_one_packet_per_delivery_with_valid_checksums() {
    let faults = Faults {
        loss: 0.3,
        duplicate: 0.3,
        ..Faults::NONE
    };
    let out = scenarios::find("selftest-udp").unwrap().run(9, &faults);
    let bytes = to_vec(&out.trace.records);
    let packets = read_pcap(&bytes);
    let deliveries = out
        .trace
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::Deliver { .. }))
        .count();
    assert_eq!(verify(&packets), (deliveries, 0));
    assert!(packets.windows(2).all(|w| w[0].ms <= w[1].ms));
    // The first packet is the first OPTIONS, at its arrival time.
    let first = &packets[0];
    assert_eq!(first.ms, 10);
    assert!(first.ip[28..].starts_with(b"OPTIONS sip:server@10.0.0.2:5060 SIP/2.0\r\n"));
}

#[test]
fn tcp_capture_has_handshake_and_consistent_sequence_numbers() {
    let out = scenarios::find("selftest-tcp")
        .unwrap()
        .run(3, &Faults::NONE);
    let packets = read_pcap(&to_vec(&out.trace.records));
    let (udp, tcp) = verify(&packets);
    assert_eq!(udp, 0);
    assert!(tcp > 5);
    let flags: Vec<u8> = packets.iter().map(|p| p.ip[20 + 13]).collect();
    assert_eq!(&flags[..3], &[SYN, SYN | ACK, ACK]);
    // Data segments per direction are contiguous in sequence space.
    let mut next: BTreeMap<u16, u32> = BTreeMap::new();
    let mut upstream = Vec::new();
    for p in &packets {
        let seg = &p.ip[20..];
        let sport = u16::from_be_bytes([seg[0], seg[1]]);
        let seq = u32::from_be_bytes(seg[4..8].try_into().unwrap());
        let data = &seg[20..];
        if data.is_empty() {
            continue;
        }
        if let Some(expect) = next.get(&sport) {
            assert_eq!(seq, *expect, "gap in sequence space");
        }
        next.insert(sport, seq.wrapping_add(data.len() as u32));
        if sport != 5060 {
            upstream.extend_from_slice(data);
        }
    }
    let text = String::from_utf8(upstream).unwrap();
    assert_eq!(text.matches("OPTIONS sip:").count(), 5);
}

#[test]
fn ipv6_udp_is_framed_with_a_pseudo_header_checksum() {
    use crate::trace::Payload;
    let src: SocketAddr = "[fd00::1]:5060".parse().unwrap();
    let dst: SocketAddr = "[fd00::2]:5060".parse().unwrap();
    let records = vec![
        Record {
            t: Instant::from_millis(1500),
            event: Event::Send {
                msg: 0,
                from: None,
                to: None,
                proto: Transport::Udp,
                src,
                dst,
                conn: None,
                off: None,
                data: Payload(b"OPTIONS sip:x SIP/2.0\r\n\r\n".to_vec()),
            },
        },
        Record {
            t: Instant::from_millis(1510),
            event: Event::Deliver {
                msg: 0,
                to: "b".into(),
                copy: 0,
            },
        },
    ];
    let packets = read_pcap(&to_vec(&records));
    assert_eq!(packets.len(), 1);
    let p = &packets[0];
    assert_eq!(p.ms, 1510);
    assert_eq!(p.ethertype, ETHERTYPE_IPV6);
    assert_eq!(p.ip[6], PROTO_UDP);
    let seg = &p.ip[40..];
    let mut zeroed = seg.to_vec();
    zeroed[6..8].copy_from_slice(&[0, 0]);
    let want = transport_checksum(src.ip(), dst.ip(), PROTO_UDP, &zeroed);
    assert_eq!(u16::from_be_bytes([seg[6], seg[7]]), want);
}
