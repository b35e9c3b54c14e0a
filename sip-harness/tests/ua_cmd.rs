//! `sip-harness register`, `message`, `options` and `answer --register`
//! over real loopback sockets, against the registrar/proxy fixture run by
//! the real-socket driver in a thread.

use sip_core::transport::Transport;
use sip_harness::fixtures::ProxyNode;
use sip_harness::realnet::Driver;
use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn free_port() -> SocketAddr {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sip-harness"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

struct Registrar {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Registrar {
    fn start() -> Registrar {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut d = None;
            for _ in 0..20 {
                let addr = free_port();
                let node = ProxyNode::new(
                    "localhost",
                    addr,
                    &[("alice", "wonderland"), ("bob", "builder")],
                    3,
                );
                if let Ok(drv) = Driver::bind(node, addr, &[Transport::Udp]) {
                    d = Some(drv);
                    break;
                }
            }
            let mut d = d.expect("a free port");
            tx.send(d.local_addr()).unwrap();
            while !flag.load(Ordering::Relaxed) {
                d.step(Duration::from_millis(20));
            }
        });
        let addr = rx.recv().unwrap();
        Registrar {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Registrar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn register_then_unregister_and_a_bad_password() {
    let reg = Registrar::start();
    let uri = format!("sip:localhost:{}", reg.addr.port());
    let bind = free_port().to_string();
    let o = harness(&[
        "register",
        &uri,
        "--bind",
        &bind,
        "--user",
        "alice",
        "--password",
        "wonderland",
        "--expires",
        "120",
        "--timeout",
        "20",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("registered sip:alice@localhost for 120 s"),
        "{}",
        stderr(&o)
    );

    let o = harness(&[
        "register",
        &uri,
        "--bind",
        &bind,
        "--user",
        "alice",
        "--password",
        "wonderland",
        "--unregister",
        "--timeout",
        "20",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("unregistered"), "{}", stderr(&o));

    let o = harness(&[
        "register",
        &uri,
        "--bind",
        &bind,
        "--user",
        "alice",
        "--password",
        "wrong",
        "--timeout",
        "20",
        "--events",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("register failed: 403 Forbidden"),
        "{}",
        stderr(&o)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"event\""));
}

#[test]
fn message_and_options_reach_a_registered_answerer_through_the_proxy() {
    let reg = Registrar::start();
    let uri = format!("sip:localhost:{}", reg.addr.port());
    let bob_bind = free_port().to_string();
    let mut bob = Command::new(env!("CARGO_BIN_EXE_sip-harness"))
        .args([
            "answer",
            "--bind",
            &bob_bind,
            "--register",
            &uri,
            "--user",
            "bob",
            "--password",
            "builder",
            "--timeout",
            "30",
        ])
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let target = format!("sip:bob@localhost:{}", reg.addr.port());
    let o = harness(&[
        "message",
        &target,
        "--bind",
        &free_port().to_string(),
        "--proxy",
        &uri,
        "--text",
        "hello",
        "--timeout",
        "10",
    ]);
    let o2 = harness(&[
        "options",
        &format!("sip:bob@{bob_bind}"),
        "--bind",
        &free_port().to_string(),
        "--timeout",
        "10",
    ]);
    let o3 = harness(&[
        "message",
        &format!("sip:nobody@localhost:{}", reg.addr.port()),
        "--bind",
        &free_port().to_string(),
        "--text",
        "x",
        "--timeout",
        "10",
    ]);
    let _ = bob.kill();
    let _ = bob.wait();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("MESSAGE: 200"), "{}", stderr(&o));
    assert!(o2.status.success(), "{}", stderr(&o2));
    let caps = String::from_utf8_lossy(&o2.stdout);
    assert!(
        caps.contains("Allow: ") && caps.contains("MESSAGE"),
        "{caps}"
    );
    assert_eq!(o3.status.code(), Some(1));
    assert!(
        stderr(&o3).contains("MESSAGE failed: 404"),
        "{}",
        stderr(&o3)
    );
}

#[test]
fn options_to_nobody_times_out_with_an_error() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = format!("sip:x@{}", silent.local_addr().unwrap());
    let o = harness(&[
        "options",
        &target,
        "--bind",
        &free_port().to_string(),
        "--timeout",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("OPTIONS failed: timeout"),
        "{}",
        stderr(&o)
    );
}
