//! `sip-harness parse [FILE|-] [--stream] [--json]`: print a message as
//! parsed, or the reason it is rejected.
//!
//! Contract (stable; scripts rely on it): exit 0 and print the normalized
//! serialization (or, with `--json`, one JSON object per message) when
//! every message parses; print the error on stderr and exit 2 when a
//! message must be rejected; exit 1 when the input cannot be read.

use serde_json::{json, Value};
use sip_core::parse::{parse_datagram, ParseError, ParserConfig, StreamItem, StreamParser};
use sip_core::Message;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `sip-harness parse`.
#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// The message file; `-` or nothing reads standard input.
    pub file: Option<PathBuf>,
    /// Frame the input as a byte stream (TCP/TLS): several messages,
    /// Content-Length mandatory, an incomplete message is an error.
    #[arg(long)]
    pub stream: bool,
    /// Print JSON of the message's parts instead of its serialization.
    #[arg(long)]
    pub json: bool,
    /// Accept the leniencies of `ParserConfig::lenient()`.
    #[arg(long)]
    pub lenient: bool,
}

/// Runs the command.
pub fn run(args: &ParseArgs) -> ExitCode {
    let mut input = Vec::new();
    let read = match &args.file {
        None => std::io::stdin().read_to_end(&mut input).map(|_| ()),
        Some(p) if p.as_os_str() == "-" => std::io::stdin().read_to_end(&mut input).map(|_| ()),
        Some(p) => std::fs::read(p).map(|b| input = b),
    };
    if let Err(e) = read {
        eprintln!("error: cannot read input: {e}");
        return ExitCode::from(1);
    }
    let cfg = if args.lenient {
        ParserConfig::lenient()
    } else {
        ParserConfig::default()
    };
    match parse_all(&input, &cfg, args.stream) {
        Ok(msgs) => {
            let mut out = std::io::stdout().lock();
            for m in &msgs {
                let _ = if args.json {
                    writeln!(out, "{}", to_json(m))
                } else {
                    out.write_all(&m.to_bytes())
                };
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rejected: {e}");
            if let Some(p) = &e.partial {
                if p.can_respond() {
                    eprintln!("response: {} {}", e.response_status(), e.reason_phrase());
                }
            }
            ExitCode::from(2)
        }
    }
}

/// Parses `input` as one datagram or as a stream of messages.
pub fn parse_all(
    input: &[u8],
    cfg: &ParserConfig,
    stream: bool,
) -> Result<Vec<Message>, ParseError> {
    if !stream {
        return Ok(vec![parse_datagram(input, cfg)?.to_message()?]);
    }
    let mut p = StreamParser::new(cfg.clone());
    p.push(input);
    let mut out = Vec::new();
    while let Some(item) = p.next_item() {
        if let StreamItem::Message(m) = item? {
            out.push(m);
        }
    }
    if p.buffered() > 0 {
        return Err(ParseError::incomplete(input.len()));
    }
    Ok(out)
}

/// The JSON form of a message's parts.
pub fn to_json(m: &Message) -> Value {
    let headers: Vec<Value> = m
        .headers()
        .iter()
        .map(|h| json!({"name": h.name.as_str(), "value": h.value}))
        .collect();
    let body = String::from_utf8_lossy(m.body());
    match m {
        Message::Request(r) => json!({
            "kind": "request",
            "method": r.method.as_str(),
            "uri": r.uri.to_string(),
            "headers": headers,
            "body_length": r.body.len(),
            "body": body,
        }),
        Message::Response(r) => json!({
            "kind": "response",
            "status": r.status.as_u16(),
            "reason": r.reason,
            "headers": headers,
            "body_length": r.body.len(),
            "body": body,
        }),
    }
}
