//! Adapters that put the stack's sans-IO endpoints behind the simulator's
//! [`Node`](crate::Node) trait.
//!
//! | adapter | endpoint |
//! |---|---|
//! | [`txn::TxnNode`] | a [`TransactionLayer`](sip_core::transaction::TransactionLayer) with a small transaction user ([`txn::TransactionUser`]) |

pub mod txn;
