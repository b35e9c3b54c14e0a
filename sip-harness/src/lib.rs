//! # sip-harness
//!
//! placeholder
pub mod ladder;
pub mod sim;
pub mod trace;

pub use sim::{Faults, LinkConfig, Node, NodeId, NodeRef, Sim, SimConfig, SimError};
pub mod scenarios;
