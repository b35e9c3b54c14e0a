//! `tshark -r FILE -Y sip` must list the messages of a capture. Skipped,
//! with a message, when tshark is not installed (CI installs it).

use sip_harness::scenarios;
use sip_harness::sim::Faults;
use std::process::Command;

fn tshark_available() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The SIP summary lines tshark prints for a capture of `scenario`.
fn sip_lines(scenario: &str, seed: u64, faults: &Faults) -> Option<(Vec<String>, usize, usize)> {
    if !tshark_available() {
        eprintln!("SKIPPED: tshark is not installed (apt-get install -y tshark)");
        return None;
    }
    let out = scenarios::find(scenario).unwrap().run(seed, faults);
    let requests = out
        .trace
        .records
        .iter()
        .filter(|r| matches!(&r.event, sip_harness::trace::Event::Deliver { .. }))
        .count();
    let path = std::env::temp_dir().join(format!(
        "sip-harness-{scenario}-{}.pcap",
        std::process::id()
    ));
    std::fs::write(&path, sip_harness::pcap::to_vec(&out.trace.records)).unwrap();
    let o = Command::new("tshark")
        .args([
            "-r",
            path.to_str().unwrap(),
            "-Y",
            "sip",
            "-T",
            "fields",
            "-e",
            "sip.Method",
            "-e",
            "sip.Status-Code",
            "-e",
            "_ws.expert",
        ])
        .output()
        .expect("tshark runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    // Every packet's checksums verify, nothing is malformed and TCP
    // analysis flags nothing (retransmission, lost segment, bad ACK).
    let checks = Command::new("tshark")
        .args([
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
            "-o",
            "tcp.check_checksum:TRUE",
            "-r",
            path.to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "ip.checksum.status",
            "-e",
            "udp.checksum.status",
            "-e",
            "tcp.checksum.status",
            "-e",
            "tcp.analysis.flags",
            "-e",
            "_ws.malformed",
        ])
        .output()
        .expect("tshark runs");
    let checks = String::from_utf8_lossy(&checks.stdout).into_owned();
    // Checksum status 1 is "good"; one of UDP/TCP is empty per packet.
    let bad = checks
        .lines()
        .filter(|l| l.trim_end() != "1\t1" && l.trim_end() != "1\t\t1")
        .count();
    assert!(checks.lines().count() > 0);
    Some((lines, requests, bad))
}

#[test]
fn tshark_decodes_sip_over_udp() {
    let faults = Faults {
        loss: 0.2,
        duplicate: 0.2,
        ..Faults::NONE
    };
    let Some((lines, delivered, bad)) = sip_lines("selftest-udp", 3, &faults) else {
        return;
    };
    assert_eq!(lines.len(), delivered, "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("OPTIONS")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("200")), "{lines:?}");
    assert_eq!(bad, 0, "malformed or bad-checksum packets");
}

#[test]
fn tshark_reassembles_sip_over_tcp() {
    let faults = Faults {
        loss: 0.2,
        ..Faults::NONE
    };
    let Some((lines, delivered, bad)) = sip_lines("selftest-tcp", 3, &faults) else {
        return;
    };
    // Five requests and five responses, however the segments fell.
    assert_eq!(delivered, 10);
    let requests = lines.iter().filter(|l| l.starts_with("OPTIONS")).count();
    let responses = lines.iter().filter(|l| l.contains("200")).count();
    assert_eq!((requests, responses), (5, 5), "{lines:?}");
    assert_eq!(
        bad, 0,
        "malformed, bad-checksum or TCP-analysis-flagged packets"
    );
}

#[test]
fn tshark_decodes_the_transaction_layer_exchanges() {
    let faults = Faults {
        loss: 0.2,
        ..Faults::NONE
    };
    let Some((lines, delivered, bad)) = sip_lines("invite", 7, &faults) else {
        return;
    };
    assert_eq!(lines.len(), delivered, "{lines:?}");
    for want in ["INVITE", "ACK"] {
        assert!(
            lines.iter().any(|l| l.starts_with(want)),
            "no {want} in {lines:?}"
        );
    }
    for code in ["180", "200"] {
        assert!(
            lines.iter().any(|l| l.split('\t').nth(1) == Some(code)),
            "no {code} in {lines:?}"
        );
    }
    assert_eq!(bad, 0);
    let Some((lines, delivered, bad)) = sip_lines("non-invite-tcp", 7, &faults) else {
        return;
    };
    assert_eq!(delivered, 6);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("MESSAGE")).count(),
        3,
        "{lines:?}"
    );
    assert_eq!(bad, 0);
}
