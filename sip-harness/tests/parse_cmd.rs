//! The `sip-harness parse` contract: exit 0 and the normalized message, or
//! exit 2 and the reason; JSON with `--json`; stream framing with `--stream`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn parse(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sip-harness"))
        .arg("parse")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

const OPTIONS: &[u8] = b"OPTIONS sip:bob@example.com SIP/2.0\r\n\
v: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKhjhs8ass877\r\n\
Max-Forwards: 70\r\nt: <sip:bob@example.com>\r\n\
f: Alice <sip:alice@example.com>;tag=1928301774\r\n\
i: a84b4c76e66710\r\nCSeq: 63104 OPTIONS\r\nl: 0\r\n\r\n";

#[test]
fn valid_message_prints_normalized_form() {
    let o = parse(&["-"], OPTIONS);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP"));
    assert!(out.contains("\r\nCall-ID: a84b4c76e66710\r\n"));
    assert!(out.ends_with("Content-Length: 0\r\n\r\n"));
}

#[test]
fn json_lists_the_parts() {
    let o = parse(&["--json"], OPTIONS);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["kind"], "request");
    assert_eq!(v["method"], "OPTIONS");
    assert_eq!(v["headers"][0]["name"], "Via");
    assert_eq!(v["body_length"], 0);
}

#[test]
fn rejected_message_exits_2_with_the_reason() {
    let bad = b"OPTIONS sip:bob@example.com SIP/7.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
From: <sip:a@b>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n";
    let o = parse(&[], bad);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("unsupported SIP version"), "{err}");
    assert!(err.contains("505"), "{err}");
}

#[test]
fn short_body_is_rejected_as_datagram_and_incomplete_on_a_stream() {
    let m = b"MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\
From: <sip:a@b>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\nContent-Length: 9999\r\n\r\nshort";
    let o = parse(&[], m);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("body shorter"));
    let o = parse(&["--stream"], m);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("incomplete"));
}

#[test]
fn stream_prints_every_message() {
    let mut two = OPTIONS.to_vec();
    two.extend_from_slice(b"\r\n\r\n");
    two.extend_from_slice(OPTIONS);
    let o = parse(&["--stream", "--json"], &two);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 2);
}

#[test]
fn unreadable_file_exits_1() {
    let o = parse(&["/nonexistent/file.sip"], b"");
    assert_eq!(o.status.code(), Some(1));
}
