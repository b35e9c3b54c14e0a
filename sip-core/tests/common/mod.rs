//! Helpers shared by the conformance tests: torture manifests, raw header
//! scanning, stream feeding and a stable rendering for snapshots.
#![allow(dead_code)]

use sip_core::parse::{ParseError, ParserConfig, StreamItem, StreamParser};
use sip_core::{HeaderName, Message};
use std::path::{Path, PathBuf};

/// The verdict column of a torture MANIFEST.tsv.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Must parse.
    Valid,
    /// Must be rejected.
    Invalid,
    /// Rejected as a datagram, incomplete on a stream (clerr).
    TransportInvalid,
    /// Parses; a semantic check an element makes fires.
    SemanticallyBad,
}

impl Verdict {
    fn parse(s: &str) -> Verdict {
        match s {
            "valid" => Verdict::Valid,
            "invalid" => Verdict::Invalid,
            "transport-invalid" => Verdict::TransportInvalid,
            "valid-but-semantically-bad" => Verdict::SemanticallyBad,
            other => panic!("unknown verdict {other:?} in MANIFEST.tsv"),
        }
    }
}

/// One manifest line.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Short name (file name without extension).
    pub name: String,
    /// File name as listed.
    pub file: String,
    /// RFC 4475 section.
    pub section: String,
    /// Expected outcome.
    pub verdict: Verdict,
    /// Description.
    pub note: String,
}

/// Reads a MANIFEST.tsv (header line first, tab-separated).
pub fn read_manifest(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv"))
        .unwrap_or_else(|e| panic!("cannot read {}/MANIFEST.tsv: {e}", dir.display()));
    let mut lines = text.lines();
    let header = lines.next().expect("empty manifest");
    assert!(
        header.starts_with("file\trfc_section\tverdict"),
        "unexpected manifest header {header:?}"
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.splitn(4, '\t').collect();
            assert!(cols.len() >= 3, "bad manifest line {l:?}");
            let file = cols[0].to_owned();
            let name = file
                .rsplit_once('.')
                .map_or(file.as_str(), |(n, _)| n)
                .to_owned();
            Entry {
                name,
                file,
                section: cols[1].to_owned(),
                verdict: Verdict::parse(cols[2]),
                note: cols.get(3).copied().unwrap_or("").to_owned(),
            }
        })
        .collect()
}

/// `sip-core/tests/torture`: the project's own torture messages.
pub fn own_torture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("torture")
}

/// The shared RFC 4475 messages: `$SIP_RFC4475_DIR`, else
/// `<workspace>/../shared/conformance/rfc4475`. `None` (with a message on
/// stderr) when the directory is absent.
pub fn shared_rfc4475_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("SIP_RFC4475_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/rfc4475"),
    };
    if dir.join("MANIFEST.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: RFC 4475 torture messages not found at {} (set SIP_RFC4475_DIR to the directory \
             holding MANIFEST.tsv and the .dat files); only the project's own torture set is checked",
            dir.display()
        );
        None
    }
}

/// The header names that appear on raw header lines of `bytes` (up to the
/// first empty line), found by a plain scan independent of the parser.
pub fn raw_header_names(bytes: &[u8]) -> Vec<HeaderName> {
    let mut out = Vec::new();
    let mut lines = bytes.split(|&b| b == b'\n');
    lines.next(); // start line
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue;
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            if let Ok(name) = std::str::from_utf8(&line[..colon]) {
                out.push(HeaderName::parse(name.trim()));
            }
        }
    }
    out
}

/// True when the start line of `bytes` looks like a request (does not
/// begin with `SIP/`).
pub fn looks_like_request(bytes: &[u8]) -> bool {
    !bytes
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
}

/// What a stream parser produced.
#[derive(Debug)]
pub struct Streamed {
    /// Items, keep-alives included.
    pub items: Vec<Result<StreamItem, ParseError>>,
    /// Whether framing was lost.
    pub broken: bool,
    /// Bytes left in the buffer.
    pub buffered: usize,
}

impl Streamed {
    /// Messages and errors only.
    pub fn messages(&self) -> Vec<Result<Message, ParseError>> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Ok(StreamItem::Message(m)) => Some(Ok(m.clone())),
                Ok(_) => None,
                Err(e) => Some(Err(e.clone())),
            })
            .collect()
    }
}

/// Feeds `data` to a fresh stream parser `chunk` bytes at a time, draining
/// items after every push.
pub fn stream(cfg: &ParserConfig, data: &[u8], chunk: usize) -> Streamed {
    let mut p = StreamParser::new(cfg.clone());
    let mut items = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        p.push(piece);
        while let Some(item) = p.next_item() {
            items.push(item);
            assert!(
                items.len() <= data.len() + 1,
                "stream parser does not progress"
            );
        }
    }
    Streamed {
        items,
        broken: p.is_broken(),
        buffered: p.buffered(),
    }
}

/// Bytes shown with non-printable octets escaped, one input line per line.
pub fn escaped_lines(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("  |");
        for chunk in line.utf8_chunks() {
            for c in chunk.valid().chars() {
                if c.is_control() {
                    out.extend(c.escape_default());
                } else {
                    out.push(c);
                }
            }
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
    }
    out
}
