//! # sip-session
//!
//! The sans-IO SIP user agent, shaped after SIP.js: `UserAgent`, `Inviter`,
//! `Invitation`, `Session` (bye/info/invite/message/refer), `Registerer`,
//! `Subscriber`, `Publisher` and `Messager`, built on `sip-core`'s
//! transactions and dialogs.
//!
//! Not yet written: this crate will hold the user-agent roles (issues 5, 6
//! and 8). It compiles so that the workspace layout is fixed.
