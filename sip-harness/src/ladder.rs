//! Text ladder diagrams of a trace, in the spirit of sngrep's call flow: one
//! column per node, one row per message with its virtual send time, the
//! SIP start line as the arrow label, and notes on the right.
//!
//! ```text
//!               client                  server
//!            10.0.0.1:5060           10.0.0.2:5060
//!    0.000s       |-------OPTIONS-------->|          UDP +10ms
//!    0.500s       |-------OPTIONS-----x   |          UDP lost
//!    0.510s       |<-------200 OK---------|          UDP +10ms
//! ```
//!
//! Marks: `x` where a dropped message stops (the note says why), `>>` for a
//! message the network duplicated, `*` for an application event (the note
//! holds it), `#` notes for scripted actions. Timer firings are left out.

use crate::trace::{DropReason, Event, Record};
use sip_core::time::Instant;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;

/// Distance between two columns.
const COL: usize = 24;
/// Width of the time column.
const TIME_W: usize = 10;
/// Left margin before the first column, so names can be centered.
const MARGIN: usize = 6;

/// The arrow label for a SIP message: the method of a request (`INVITE`),
/// code and reason of a response (`180 Ringing`), `keepalive` for a bare
/// CRLF keep-alive (RFC 5626 §3.5.1), else `?` and the first bytes.
pub fn start_line_label(data: &[u8]) -> String {
    if data.iter().all(|b| *b == b'\r' || *b == b'\n') && !data.is_empty() {
        return "keepalive".to_owned();
    }
    let end = data
        .iter()
        .position(|b| *b == b'\r' || *b == b'\n')
        .unwrap_or(data.len());
    let line = String::from_utf8_lossy(&data[..end.min(200)]);
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("SIP/2.0 ") {
        return rest.trim().to_owned();
    }
    if line.ends_with(" SIP/2.0") {
        if let Some(method) = line.split(' ').next() {
            return method.to_owned();
        }
    }
    let short: String = line.chars().take(12).collect();
    format!("?{short}")
}

/// Cuts `s` to at most `max` characters, ending in `..` when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let keep = max.saturating_sub(2);
    let mut out: String = s.chars().take(keep).collect();
    out.push_str("..");
    out
}

/// What became of one copy of a message.
#[derive(Clone, Copy, Default)]
struct CopyFate {
    delivered: Option<Instant>,
    dropped: Option<DropReason>,
    reordered: bool,
}

#[derive(Default)]
struct Fate {
    /// Indexed by copy number (1 for a network-made duplicate).
    copies: [CopyFate; 2],
    duplicated: bool,
    unreachable: bool,
}

impl Fate {
    fn copies(&self) -> &[CopyFate] {
        if self.duplicated {
            &self.copies
        } else {
            &self.copies[..1]
        }
    }
}

struct Columns {
    names: Vec<String>,
    addrs: Vec<String>,
    by_name: BTreeMap<String, usize>,
    by_addr: BTreeMap<SocketAddr, usize>,
}

impl Columns {
    fn node(&mut self, name: &str, addrs: &[SocketAddr]) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.to_owned());
        self.addrs
            .push(addrs.first().map(|a| a.to_string()).unwrap_or_default());
        self.by_name.insert(name.to_owned(), i);
        for a in addrs {
            self.by_addr.entry(*a).or_insert(i);
        }
        i
    }

    /// The column of a named node, else of whoever owns `addr`, else a new
    /// column for the address itself.
    fn of(&mut self, name: Option<&str>, addr: SocketAddr) -> usize {
        if let Some(n) = name {
            return self.node(n, &[addr]);
        }
        if let Some(&i) = self.by_addr.get(&addr) {
            return i;
        }
        // An address no node owns: named by the address, no address line.
        let label = addr.to_string();
        let i = self.node(&label, &[addr]);
        self.addrs[i].clear();
        i
    }
}

/// Renders the ladder diagram of `records`.
pub fn render(records: &[Record]) -> String {
    let mut cols = Columns {
        names: Vec::new(),
        addrs: Vec::new(),
        by_name: BTreeMap::new(),
        by_addr: BTreeMap::new(),
    };
    let mut fates: BTreeMap<u64, Fate> = BTreeMap::new();
    let mut conn_ends: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    let mut conn_fate: BTreeMap<u64, String> = BTreeMap::new();
    let mut fin_at: BTreeMap<u64, Instant> = BTreeMap::new();
    let mut connect_at: BTreeMap<u64, Instant> = BTreeMap::new();
    let mut close_at: BTreeMap<u64, Instant> = BTreeMap::new();

    // First pass: columns and what became of each message.
    for r in records {
        match &r.event {
            Event::Node { name, addrs } => {
                cols.node(name, addrs);
            }
            Event::Send {
                from, to, src, dst, ..
            } => {
                cols.of(from.as_deref(), *src);
                cols.of(to.as_deref(), *dst);
            }
            Event::Connect {
                conn,
                from,
                to,
                src,
                dst,
                ..
            } => {
                let a = cols.of(Some(from), *src);
                cols.by_addr.entry(*src).or_insert(a);
                let b = cols.of(to.as_deref(), *dst);
                conn_ends.insert(*conn, (a, b));
                connect_at.insert(*conn, r.t);
            }
            Event::Accept { conn } => {
                let since = connect_at.get(conn).copied().unwrap_or(r.t);
                conn_fate.insert(*conn, format!("+{}ms", (r.t - since).as_millis()));
            }
            Event::Refused { conn } => {
                conn_fate.insert(*conn, "refused".to_owned());
            }
            Event::PeerClosed { conn, .. } => {
                let since = close_at.get(conn).copied().unwrap_or(r.t);
                fin_at.insert(
                    *conn,
                    Instant::from_millis((r.t - since).as_millis() as u64),
                );
            }
            Event::Closed { conn, .. } => {
                close_at.insert(*conn, r.t);
            }
            Event::Deliver { msg, copy, .. } => {
                fates.entry(*msg).or_default().copies[usize::from(*copy).min(1)].delivered =
                    Some(r.t);
            }
            Event::Drop { msg, reason, copy } => {
                fates.entry(*msg).or_default().copies[usize::from(*copy).min(1)].dropped =
                    Some(*reason);
            }
            Event::Duplicate { msg } => fates.entry(*msg).or_default().duplicated = true,
            Event::Reorder { msg, copy } => {
                fates.entry(*msg).or_default().copies[usize::from(*copy).min(1)].reordered = true;
            }
            Event::Reset { conn } => {
                conn_fate.entry(*conn).or_insert_with(|| "reset".to_owned());
            }
            Event::Unreachable { msg, .. } => fates.entry(*msg).or_default().unreachable = true,
            _ => {}
        }
    }

    let n = cols.names.len().max(1);
    let width = MARGIN + (n - 1) * COL + 1 + MARGIN;
    let x = |c: usize| MARGIN + c * COL;
    let mut out = String::new();

    // Header: names and addresses centered over their columns.
    for line in [&cols.names, &cols.addrs] {
        let mut row = vec![' '; width + COL];
        for (c, text) in line.iter().enumerate() {
            let text = shorten(text, COL - 2);
            let len = text.chars().count();
            let start = (x(c) + TIME_W).saturating_sub(len / 2);
            for (i, ch) in text.chars().enumerate() {
                if start + i < row.len() {
                    row[start + i] = ch;
                }
            }
        }
        push_row(&mut out, row);
    }

    let blank = || {
        let mut row = vec![' '; width];
        for c in 0..n {
            row[x(c)] = '|';
        }
        row
    };

    for r in records {
        let (row, note) = match &r.event {
            Event::Send {
                msg,
                from,
                to,
                proto,
                src,
                dst,
                conn,
                data,
                ..
            } => {
                let a = cols.of(from.as_deref(), *src);
                let b = cols.of(to.as_deref(), *dst);
                let fate = fates.remove(msg).unwrap_or_default();
                let copies = fate.copies();
                let delivered = copies.iter().any(|c| c.delivered.is_some());
                let head = if delivered {
                    Head::Arrow {
                        double: fate.duplicated,
                    }
                } else if copies.iter().all(|c| c.dropped.is_some()) {
                    Head::Lost
                } else {
                    Head::None
                };
                let mut row = blank();
                draw_arrow(&mut row, x(a), x(b), &start_line_label(&data.0), head, '-');
                let mut note = match conn {
                    Some(k) => format!("{proto} conn {k}"),
                    None => proto.to_string(),
                };
                for (i, c) in copies.iter().enumerate() {
                    note.push_str(if i == 0 { " " } else { ", dup " });
                    match (c.delivered, c.dropped) {
                        (Some(t), _) => {
                            let _ = write!(note, "+{}ms", (t - r.t).as_millis());
                        }
                        (None, Some(DropReason::Loss)) => note.push_str("lost"),
                        (None, Some(reason)) => note.push_str(reason.as_str()),
                        (None, None) => note.push_str("in flight"),
                    }
                    if c.reordered {
                        note.push_str(" reordered");
                    }
                }
                if fate.unreachable {
                    note.push_str(" (unreachable reported)");
                }
                (row, note)
            }
            Event::Connect { conn, proto, .. } => {
                let (a, b) = conn_ends[conn];
                let fate = conn_fate.get(conn).cloned();
                let head = match fate.as_deref() {
                    Some(f) if f.starts_with('+') => Head::Arrow { double: false },
                    Some(_) => Head::Lost,
                    None => Head::None,
                };
                let mut row = blank();
                draw_arrow(&mut row, x(a), x(b), &format!("{proto} connect"), head, '.');
                let note = format!(
                    "conn {conn} {}",
                    fate.unwrap_or_else(|| "pending".to_owned())
                );
                (row, note)
            }
            Event::Reset { conn } => {
                let (a, b) = conn_ends[conn];
                let mut row = blank();
                draw_arrow(&mut row, x(a), x(b), "RST", Head::Both, '=');
                (row, format!("conn {conn} reset"))
            }
            Event::Closed { conn, closed_by } => {
                let (a, b) = conn_ends[conn];
                let closer = cols.by_name.get(closed_by).copied().unwrap_or(a);
                let (from, to) = if closer == a { (a, b) } else { (b, a) };
                let mut row = blank();
                draw_arrow(
                    &mut row,
                    x(from),
                    x(to),
                    "FIN",
                    Head::Arrow { double: false },
                    '.',
                );
                let note = match fin_at.get(conn) {
                    Some(d) => format!("conn {conn} closed +{}ms", d.as_millis()),
                    None => format!("conn {conn} closed"),
                };
                (row, note)
            }
            Event::App { node, event } => {
                let c = cols.of(Some(node), SocketAddr::from(([0, 0, 0, 0], 0)));
                let mut row = blank();
                row[x(c)] = '*';
                let text = match event {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (row, format!("{node}: {text}"))
            }
            Event::Action { label } => (blank(), format!("# {label}")),
            _ => continue,
        };
        let mut line: Vec<char> = format!("{:>w$}", r.t.to_string(), w = TIME_W)
            .chars()
            .collect();
        line.extend(row);
        line.extend("  ".chars());
        line.extend(note.chars());
        push_row(&mut out, line);
    }
    out
}

fn push_row(out: &mut String, row: Vec<char>) {
    let s: String = row.into_iter().collect();
    out.push_str(s.trim_end());
    out.push('\n');
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Head {
    /// Delivered; doubled when the network duplicated it.
    Arrow { double: bool },
    /// Dropped on the way.
    Lost,
    /// Both ends (a reset).
    Both,
    /// Not arrived yet.
    None,
}

/// Draws an arrow from column position `xa` to `xb` with `label` centered.
fn draw_arrow(row: &mut [char], xa: usize, xb: usize, label: &str, head: Head, fill: char) {
    if xa == xb {
        // A message to oneself: a short loop to the right.
        let text = format!("-> {label} (self)");
        for (i, ch) in text.chars().enumerate() {
            if xa + 1 + i < row.len() {
                row[xa + 1 + i] = ch;
            }
        }
        return;
    }
    let right = xb > xa;
    let (lo, hi) = if right { (xa, xb) } else { (xb, xa) };
    let span = hi - lo - 1;
    // Positions from the sender outwards, 0..span.
    let pos = |i: usize| if right { lo + 1 + i } else { hi - 1 - i };
    let reach = match head {
        Head::Lost => span * 2 / 3,
        _ => span,
    };
    for i in 0..reach {
        row[pos(i)] = fill;
    }
    match head {
        Head::Arrow { double } => {
            row[pos(span - 1)] = if right { '>' } else { '<' };
            if double && span > 2 {
                row[pos(span - 2)] = if right { '>' } else { '<' };
            }
        }
        Head::Lost => row[pos(reach)] = 'x',
        Head::Both => {
            row[lo + 1] = '<';
            row[hi - 1] = '>';
        }
        Head::None => {}
    }
    // The label, centered on the drawn part of the arrow (from the sender
    // to the `x` of a lost message, else the full span).
    let room = if head == Head::Lost { reach } else { span };
    let label = shorten(label, room.saturating_sub(4));
    let len = label.chars().count();
    let first = (room - len) / 2;
    for (i, ch) in label.chars().enumerate() {
        // Positions run from the sender outwards; keep the text readable.
        let p = if right {
            pos(first + i)
        } else {
            pos(first + len - 1 - i)
        };
        row[p] = ch;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_the_start_line() {
        assert_eq!(
            start_line_label(b"INVITE sip:b@x SIP/2.0\r\nVia: x\r\n"),
            "INVITE"
        );
        assert_eq!(start_line_label(b"SIP/2.0 180 Ringing\r\n"), "180 Ringing");
        assert_eq!(
            start_line_label(b"SIP/2.0 487 Request Terminated\r\n\r\n"),
            "487 Request Terminated"
        );
        assert_eq!(start_line_label(b"\r\n\r\n"), "keepalive");
        assert_eq!(
            start_line_label(b"hello world, this is not SIP"),
            "?hello world,"
        );
        assert_eq!(start_line_label(b""), "?");
    }

    #[test]
    fn shorten_marks_cuts() {
        assert_eq!(shorten("200 OK", 10), "200 OK");
        assert_eq!(shorten("487 Request Terminated", 10), "487 Requ..");
    }

    #[test]
    fn arrows_point_the_right_way_and_lost_ones_stop_short() {
        let mut row = vec![' '; 30];
        draw_arrow(&mut row, 2, 26, "BYE", Head::Arrow { double: false }, '-');
        let s: String = row.iter().collect();
        assert_eq!(s.trim_end(), "   ----------BYE--------->");
        let mut row = vec![' '; 30];
        draw_arrow(&mut row, 26, 2, "BYE", Head::Lost, '-');
        let s: String = row.iter().collect();
        assert_eq!(s.trim_end(), "          x------BYE------");
    }
}
