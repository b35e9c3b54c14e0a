//! The trace: every message sent, delivered, dropped or duplicated, every
//! connection event, timer and application event, with its virtual time and
//! node names, as JSON lines.
//!
//! The format is byte-stable: the same scenario and seed give the same
//! bytes, which is what `sip-harness replay` checks. The first line of a
//! trace file is a [`TraceHeader`] naming the scenario, seed and faults;
//! each further line is one [`Record`]:
//!
//! ```text
//! {"sip_harness_trace":1,"scenario":"selftest-udp","seed":7,"faults":{"loss":0.2,"duplicate":0.0,"reorder":0.0}}
//! {"t":0,"kind":"node","name":"client","addrs":["10.0.0.1:5060"]}
//! {"t":0,"kind":"send","msg":0,"from":"client","to":"server","proto":"UDP","src":"10.0.0.1:5060","dst":"10.0.0.2:5060","data":"OPTIONS ..."}
//! {"t":10,"kind":"deliver","msg":0,"to":"server"}
//! ```
//!
//! Payloads are JSON strings when they are UTF-8, else `{"hex":"..."}`.
//! Times are whole milliseconds since [`Instant::ZERO`].

use crate::sim::Faults;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sip_core::time::Instant;
use sip_core::transport::Transport;
use std::fmt::Write as _;
use std::net::SocketAddr;

/// The trace format version written in [`TraceHeader::sip_harness_trace`].
pub const FORMAT_VERSION: u32 = 1;

/// The first line of a trace file: what to run to reproduce it.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceHeader {
    /// The format version ([`FORMAT_VERSION`]).
    pub sip_harness_trace: u32,
    /// The scenario name in the registry.
    pub scenario: String,
    /// The simulator seed.
    pub seed: u64,
    /// The faults applied to the scenario's links.
    pub faults: Faults,
}

impl TraceHeader {
    /// A header for `scenario` run with `seed` and `faults`.
    pub fn new(scenario: &str, seed: u64, faults: Faults) -> Self {
        TraceHeader {
            sip_harness_trace: FORMAT_VERSION,
            scenario: scenario.to_owned(),
            seed,
            faults,
        }
    }
}

/// One line of the trace.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Record {
    /// Virtual time, in milliseconds.
    #[serde(with = "millis")]
    pub t: Instant,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// What a trace record records. Message ids (`msg`) number every send;
/// connection ids (`conn`) number every stream connection.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A node was added with these addresses (written at time zero).
    Node {
        /// The node's name.
        name: String,
        /// Its addresses.
        addrs: Vec<SocketAddr>,
    },
    /// A message left a node (or was injected from outside, `from` absent).
    Send {
        /// The message id.
        msg: u64,
        /// The sending node.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        /// The node owning the destination address, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        /// The transport.
        #[serde(with = "proto")]
        proto: Transport,
        /// Source address.
        src: SocketAddr,
        /// Destination address.
        dst: SocketAddr,
        /// The stream connection, for stream transports.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conn: Option<u64>,
        /// Offset of the first byte in the connection's direction, for
        /// stream transports.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        off: Option<u64>,
        /// The bytes.
        data: Payload,
    },
    /// A message (or the last byte of it, on a stream) reached a node.
    Deliver {
        /// The message id.
        msg: u64,
        /// The receiving node.
        to: String,
        /// 0 for the original, 1 for a network-made duplicate.
        #[serde(default, skip_serializing_if = "is_zero")]
        copy: u8,
    },
    /// A message was dropped.
    Drop {
        /// The message id.
        msg: u64,
        /// Why.
        reason: DropReason,
        /// 0 for the original, 1 for a network-made duplicate.
        #[serde(default, skip_serializing_if = "is_zero")]
        copy: u8,
    },
    /// The network duplicated a datagram; a second `deliver` or `drop`
    /// with `copy: 1` follows.
    Duplicate {
        /// The message id.
        msg: u64,
    },
    /// A datagram was held back to be reordered.
    Reorder {
        /// The message id.
        msg: u64,
        /// 0 for the original, 1 for a duplicate.
        #[serde(default, skip_serializing_if = "is_zero")]
        copy: u8,
    },
    /// A node opened a stream connection (the SYN left).
    Connect {
        /// The connection id.
        conn: u64,
        /// The connecting node.
        from: String,
        /// The node owning the destination, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        /// The transport.
        #[serde(with = "proto")]
        proto: Transport,
        /// The connecting end (an ephemeral port).
        src: SocketAddr,
        /// The listening end.
        dst: SocketAddr,
    },
    /// The listening node accepted the connection (the SYN arrived).
    Accept {
        /// The connection id.
        conn: u64,
    },
    /// The connecting node learned the connection is up (the SYN-ACK
    /// arrived).
    Established {
        /// The connection id.
        conn: u64,
    },
    /// The connection was refused; the connecting node is told now.
    Refused {
        /// The connection id.
        conn: u64,
    },
    /// A stream segment arrived, in order (the capture's view).
    Segment {
        /// The connection id.
        conn: u64,
        /// True from the connecting side to the listening side.
        upstream: bool,
        /// Offset in the direction's byte stream.
        off: u64,
        /// Length in bytes.
        len: u64,
        /// True when the segment had been "lost" and arrives retransmitted.
        #[serde(default, skip_serializing_if = "is_false")]
        retransmitted: bool,
    },
    /// The connection was reset; both ends are told now.
    Reset {
        /// The connection id.
        conn: u64,
    },
    /// A node closed the connection; `closed_by` sent its FIN now, the peer
    /// learns of it with a `peer_closed` record.
    Closed {
        /// The connection id.
        conn: u64,
        /// The closing node.
        closed_by: String,
    },
    /// The peer learned the connection was closed (the FIN arrived).
    PeerClosed {
        /// The connection id.
        conn: u64,
        /// The node told.
        node: String,
    },
    /// The sender of a datagram with no route was told the destination is
    /// unreachable.
    Unreachable {
        /// The message id.
        msg: u64,
        /// The node told.
        node: String,
    },
    /// A node's timer fired.
    Timer {
        /// The node.
        node: String,
    },
    /// A node reported an application event.
    App {
        /// The node.
        node: String,
        /// The event.
        event: serde_json::Value,
    },
    /// A scripted action ran.
    Action {
        /// Its label.
        label: String,
    },
}

/// Why a message was dropped.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DropReason {
    /// Random loss on the link.
    Loss,
    /// The link was partitioned when the datagram was sent.
    Partition,
    /// No node owns the destination address.
    NoRoute,
    /// The sending node has no address of the destination's IP family.
    NoLocalAddr,
    /// The connection was reset before the message arrived.
    Reset,
    /// The message was sent on a connection that is closed or reset.
    Closed,
    /// The message waited for a connection that was refused.
    Refused,
    /// The message was sent on a connection id the node does not own.
    BadConnection,
}

impl DropReason {
    /// The snake_case name used in the trace.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Loss => "loss",
            DropReason::Partition => "partition",
            DropReason::NoRoute => "no_route",
            DropReason::NoLocalAddr => "no_local_addr",
            DropReason::Reset => "reset",
            DropReason::Closed => "closed",
            DropReason::Refused => "refused",
            DropReason::BadConnection => "bad_connection",
        }
    }
}

/// Message bytes: a JSON string when UTF-8, else `{"hex":"..."}`.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Payload(pub Vec<u8>);

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => s.serialize_str(text),
            Err(_) => {
                let mut hex = String::with_capacity(self.0.len() * 2);
                for b in &self.0 {
                    let _ = write!(hex, "{b:02x}");
                }
                HexRepr { hex }.serialize(s)
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HexRepr {
    hex: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PayloadRepr {
    Text(String),
    Hex(HexRepr),
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match PayloadRepr::deserialize(d)? {
            PayloadRepr::Text(s) => Ok(Payload(s.into_bytes())),
            PayloadRepr::Hex(HexRepr { hex }) => {
                let bytes = hex.as_bytes();
                if bytes.len() % 2 != 0 {
                    return Err(serde::de::Error::custom("odd-length hex payload"));
                }
                bytes
                    .chunks(2)
                    .map(|pair| {
                        std::str::from_utf8(pair)
                            .ok()
                            .and_then(|p| u8::from_str_radix(p, 16).ok())
                            .ok_or_else(|| serde::de::Error::custom("bad hex payload"))
                    })
                    .collect::<Result<Vec<u8>, _>>()
                    .map(Payload)
            }
        }
    }
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use sip_core::time::Instant;

    pub fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(t.as_millis())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        u64::deserialize(d).map(Instant::from_millis)
    }
}

mod proto {
    use serde::{Deserialize, Deserializer, Serializer};
    use sip_core::transport::Transport;

    pub fn serialize<S: Serializer>(t: &Transport, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Transport, D::Error> {
        let s = String::deserialize(d)?;
        Transport::from_token(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown transport {s:?}")))
    }
}

/// A whole trace: an optional header and the records in time order.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Trace {
    /// The header, when the trace came from a registered scenario.
    pub header: Option<TraceHeader>,
    /// The records, in the order they happened.
    pub records: Vec<Record>,
}

/// Why a trace file did not parse.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// A line is not a valid header or record.
    #[error("trace line {line}: {source}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// The JSON error.
        source: serde_json::Error,
    },
}

impl Trace {
    /// The trace as JSON lines: the header (if any), then one record per
    /// line, each line ending in `\n`.
    pub fn to_jsonl(&self) -> String {
        let mut out = Vec::with_capacity(self.records.len() * 128);
        self.write_jsonl(&mut out)
            .expect("writing to a Vec cannot fail");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Writes the trace as JSON lines.
    pub fn write_jsonl<W: std::io::Write>(&self, mut w: W) -> std::io::Result<()> {
        if let Some(h) = &self.header {
            serde_json::to_writer(&mut w, h)?;
            w.write_all(b"\n")?;
        }
        for r in &self.records {
            serde_json::to_writer(&mut w, r)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Parses JSON lines written by [`to_jsonl`](Trace::to_jsonl). Blank
    /// lines are skipped; a first line with `sip_harness_trace` is the
    /// header.
    pub fn from_jsonl(text: &str) -> Result<Trace, TraceError> {
        let mut trace = Trace::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let err = |source| TraceError::Line {
                line: i + 1,
                source,
            };
            if trace.header.is_none()
                && trace.records.is_empty()
                && line.contains("\"sip_harness_trace\"")
            {
                trace.header = Some(serde_json::from_str(line).map_err(err)?);
            } else {
                trace.records.push(serde_json::from_str(line).map_err(err)?);
            }
        }
        Ok(trace)
    }

    /// The `send` record of message `msg`.
    pub fn send_of(&self, msg: u64) -> Option<&Record> {
        self.records
            .iter()
            .find(|r| matches!(&r.event, Event::Send { msg: m, .. } if *m == msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(t: u64, event: Event) -> Record {
        Record {
            t: Instant::from_millis(t),
            event,
        }
    }

    #[test]
    fn records_serialize_in_a_fixed_shape() {
        let r = rec(
            12,
            Event::Send {
                msg: 3,
                from: Some("a".into()),
                to: Some("b".into()),
                proto: Transport::Udp,
                src: "10.0.0.1:5060".parse().unwrap(),
                dst: "10.0.0.2:5060".parse().unwrap(),
                conn: None,
                off: None,
                data: Payload(b"OPTIONS x SIP/2.0\r\n\r\n".to_vec()),
            },
        );
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"t":12,"kind":"send","msg":3,"from":"a","to":"b","proto":"UDP","src":"10.0.0.1:5060","dst":"10.0.0.2:5060","data":"OPTIONS x SIP/2.0\r\n\r\n"}"#
        );
        let d = rec(
            20,
            Event::Deliver {
                msg: 3,
                to: "b".into(),
                copy: 0,
            },
        );
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"t":20,"kind":"deliver","msg":3,"to":"b"}"#
        );
    }

    #[test]
    fn binary_payloads_use_hex() {
        let p = Payload(vec![0xff, 0x00, 0x41]);
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"hex":"ff0041"}"#);
        let back: Payload = serde_json::from_str(r#"{"hex":"ff0041"}"#).unwrap();
        assert_eq!(back, p);
        assert!(serde_json::from_str::<Payload>(r#"{"hex":"f"}"#).is_err());
    }

    #[test]
    fn jsonl_round_trips_with_header() {
        let trace = Trace {
            header: Some(TraceHeader::new(
                "x",
                9,
                Faults {
                    loss: 0.25,
                    ..Faults::NONE
                },
            )),
            records: vec![
                rec(
                    0,
                    Event::Node {
                        name: "a".into(),
                        addrs: vec!["[fd00::1]:5060".parse().unwrap()],
                    },
                ),
                rec(
                    5,
                    Event::App {
                        node: "a".into(),
                        event: json!({"state": "up"}),
                    },
                ),
                rec(
                    6,
                    Event::Drop {
                        msg: 1,
                        reason: DropReason::Partition,
                        copy: 1,
                    },
                ),
                rec(
                    7,
                    Event::Segment {
                        conn: 0,
                        upstream: true,
                        off: 10,
                        len: 5,
                        retransmitted: true,
                    },
                ),
            ],
        };
        let text = trace.to_jsonl();
        assert!(text.starts_with(r#"{"sip_harness_trace":1,"scenario":"x","seed":9,"faults":{"loss":0.25,"duplicate":0.0,"reorder":0.0}}"#));
        let back = Trace::from_jsonl(&text).unwrap();
        assert_eq!(back, trace);
        assert_eq!(back.to_jsonl(), text);
    }

    #[test]
    fn bad_lines_report_their_number() {
        let err =
            Trace::from_jsonl("{\"t\":0,\"kind\":\"timer\",\"node\":\"a\"}\n{oops}\n").unwrap_err();
        assert!(err.to_string().starts_with("trace line 2:"), "{err}");
    }
}
