//! # sip-harness
//!
//! The deterministic simulated network and clock that drives the stack's
//! sans-IO endpoints: any SIP exchange, an hour of SIP timers included,
//! runs in milliseconds, reproducibly, under loss, duplication, reordering,
//! jitter, partitions and connection failures.
//!
//! Where things live:
//!
//! | module | what |
//! |---|---|
//! | [`sim`] | [`Sim`]: virtual clock, nodes, links and faults, the run loop; [`Node`], the trait an endpoint implements (usually through a small adapter); scripting ([`Sim::at`]) and assertions ([`Sim::expect`]) |
//! | [`trace`] | the JSON-lines trace of everything that happened, byte-stable per seed |
//! | [`ladder`] | sngrep-style text ladder diagrams of a trace |
//! | [`pcap`] | a trace as a pcap file Wireshark and tshark decode |
//! | [`adapters`] | endpoints of the stack behind [`Node`]: the transaction layer ([`adapters::txn::TxnNode`]), the user agent as a scripted phone ([`adapters::ua::UaNode`]) |
//! | [`scenarios`] | the registry of named scenarios the command line runs (calls between user agents, transaction-layer exchanges, harness self-tests), and the case-by-case ports of SIP.js's spec checklists ([`scenarios::spec_cases`]), and the load of the throughput bench ([`scenarios::calls::Load`], profiled by `examples/prof_harness.rs`) |
//! | [`realnet`] | [`realnet::Driver`]: any [`Node`] over real UDP and TCP sockets (std only), with limits against floods, oversized and half-open input, and a trace hook |
//! | [`fixtures`] | test fixtures that make simulations look like deployments: a registrar and forking proxy for one domain ([`fixtures::ProxyNode`], with quirks to misbehave on purpose) and a scripted notifier |
//! | [`sweep`] | running a scenario under many seeds, with reproduction commands |
//! | [`cli`] | the `sip-harness` command (clap) |
//! | [`parse_cmd`] | `sip-harness parse`: a message as parsed, or why it is rejected |
//! | [`demo`] | `sip-harness demo`: a call in simulated time, as a ladder |
//! | [`phone_cmd`] | `sip-harness call` / `answer`: a user agent over real sockets |
//!
//! A test drives nodes like this:
//!
//! ```
//! use sip_harness::scenarios::selftest::{SelftestClient, SelftestServer};
//! use sip_harness::{LinkConfig, Sim};
//! use sip_core::time::{Duration, Instant};
//! use sip_core::transport::Transport;
//!
//! let mut sim = Sim::new(7); // the seed fixes every random decision
//! sim.set_default_link(LinkConfig { loss: 0.2, ..LinkConfig::default() });
//! let server_addr = "10.0.0.2:5060".parse().unwrap();
//! let client = sim.add_node_with("client", |local| {
//!     SelftestClient::new(local, server_addr, Transport::Udp, 1)
//! });
//! let server = sim.add_node("server", SelftestServer::new());
//! assert_eq!(sim.addr(server), server_addr);
//!
//! sim.at(Instant::ZERO).call(client, |c, now| c.start(now));
//! sim.run_for(Duration::from_secs(40)).unwrap();
//!
//! assert!(sim.node(client).done());
//! sim.expect(client).received_count("200 OK", 1);
//! println!("{}", sim.ladder());
//! ```
//!
//! Determinism: one ChaCha8 RNG, seeded by the caller, makes every random
//! choice in a fixed order; events at the same virtual time run in the
//! order they were scheduled; nothing iterates a hash map. The same
//! scenario and seed give the same trace bytes, which `sip-harness replay`
//! checks.

pub mod adapters;
pub mod cli;
pub mod demo;
pub mod fixtures;
pub mod ladder;
pub mod parse_cmd;
pub mod pcap;
pub mod phone_cmd;
pub mod realnet;
pub mod scenarios;
pub mod sim;
pub mod sweep;
pub mod trace;
pub mod ua_cmd;

pub use sim::{Faults, LinkConfig, Node, NodeId, NodeRef, Sim, SimConfig, SimError};
pub use trace::Trace;
