//! 2xx responses that outlive their session: a session that ends (the
//! peer's BYE, our own BYE, a failure) while its 2xx to an INVITE or
//! re-INVITE still waits for the ACK hands that 2xx over to the user
//! agent, which keeps retransmitting it (RFC 3261 §13.3.1.4: T1, doubling
//! up to T2) until the ACK arrives or 64*T1 after it was first sent, then
//! forgets it. The server transaction stays in Accepted meanwhile and
//! absorbs the retransmitted INVITEs (RFC 6026 §7.1); without this the
//! peer's INVITE client transaction would never see a final response.
//!
//! No BYE follows the wait (the session already ended), and a late ACK is
//! taken silently. At most one entry per dialog: a dialog has one INVITE
//! transaction in progress at a time (§14.1).

use crate::ids::IdMap;
use crate::timers::TimerOwner;
use crate::user_agent::core::Core;
use sip_core::dialog::{DialogId, DialogIdRef};
use sip_core::header::{HeaderName, TypedHeader, Via};
use sip_core::message::{Request, Response};
use sip_core::random::{KeyedMap, KeyedState};
use sip_core::time::{Duration, Instant};
use sip_core::transaction::{key, TransactionId};
use sip_core::transport::Destination;
use std::net::SocketAddr;

/// The id of a [`PendingAcks`] entry (Copy, never reused).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub(crate) struct PendingAckId(u64);

/// A 2xx to an INVITE waiting for its ACK, as a session hands it over.
#[derive(Debug)]
pub(crate) struct Unacked {
    /// The INVITE server transaction (in Accepted until Timer L).
    pub txn: TransactionId,
    /// The 2xx.
    pub ok: Response,
    /// The INVITE's CSeq number, which the ACK carries (§13.2.2.4).
    pub seq: u32,
    /// The interval that led to `next` (doubled at each retransmission).
    pub interval: Duration,
    /// The next retransmission.
    pub next: Instant,
    /// 64*T1 after the 2xx was first sent: the wait ends.
    pub until: Instant,
}

struct Entry {
    dialog: DialogId,
    unacked: Unacked,
}

impl Entry {
    /// The entry's one deadline: the next retransmission or the end.
    fn deadline(&self) -> Instant {
        self.unacked.next.min(self.unacked.until)
    }
}

/// The 2xx responses of ended sessions, by id and by dialog.
pub(crate) struct PendingAcks {
    entries: IdMap<PendingAckId, Entry>,
    by_dialog: KeyedMap<DialogId, PendingAckId>,
    next_id: u64,
}

impl PendingAcks {
    pub(crate) fn new(hash: KeyedState) -> Self {
        PendingAcks {
            entries: IdMap::default(),
            by_dialog: KeyedMap::with_hasher(hash),
            next_id: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when `at` is the live deadline of entry `id`.
    pub(crate) fn timer_live(&self, id: PendingAckId, at: Instant) -> bool {
        self.entries.get(&id).is_some_and(|e| e.deadline() == at)
    }

    fn remove(&mut self, id: PendingAckId) -> Option<Entry> {
        let e = self.entries.remove(&id)?;
        if self.by_dialog.get(&e.dialog) == Some(&id) {
            self.by_dialog.remove(&e.dialog);
        }
        Some(e)
    }

    /// An ACK outside any live dialog: true when it acknowledges one of
    /// the 2xx held here (same dialog, the INVITE's CSeq number), which
    /// is then forgotten.
    pub(crate) fn on_ack(&mut self, ack: &Request) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let h = &ack.headers;
        let (Some(call_id), Some(to), Some(from)) =
            (key::call_id(h), key::to_tag(h), key::from_tag(h))
        else {
            return false;
        };
        let dialog = DialogIdRef::new(call_id, to, from);
        let Some(&id) = self.by_dialog.get(dialog.as_key()) else {
            return false;
        };
        let seq = key::cseq(h).map(|c| c.0);
        if self.entries.get(&id).map(|e| e.unacked.seq) != seq {
            return false;
        }
        self.remove(id);
        true
    }

    pub(crate) fn memory_usage(&self) -> usize {
        use core::mem::size_of;
        self.entries.capacity() * (size_of::<(PendingAckId, Entry)>() + 1)
            + self.by_dialog.capacity() * (size_of::<(DialogId, PendingAckId)>() + 1)
            + self
                .entries
                .values()
                .map(|e| {
                    e.dialog.heap_bytes()
                        + e.unacked.ok.body.len()
                        + e.unacked
                            .ok
                            .headers
                            .iter()
                            .map(|h| h.value.len() + 40)
                            .sum::<usize>()
                })
                .sum::<usize>()
    }
}

impl Core {
    /// Takes over the 2xx of a session that ends in `dialog` before its
    /// ACK (see the module documentation). A later 2xx in the same dialog
    /// replaces an earlier one.
    pub(crate) fn keep_unacked(&mut self, dialog: DialogId, unacked: Unacked) {
        let acks = &mut self.pending_acks;
        if let Some(old) = acks.by_dialog.get(&dialog).copied() {
            acks.remove(old);
        }
        let id = PendingAckId(acks.next_id);
        acks.next_id += 1;
        let entry = Entry { dialog, unacked };
        let at = entry.deadline();
        acks.by_dialog.insert(entry.dialog.clone(), id);
        acks.entries.insert(id, entry);
        self.timers.push(at, TimerOwner::PendingAck(id));
    }

    /// The deadline of entry `id` came: retransmit its 2xx (through the
    /// server transaction, or along the Via once Timer L ended it, RFC
    /// 6026 §7.1), or forget it 64*T1 after the first 2xx.
    pub(crate) fn on_pending_ack_timer(&mut self, now: Instant, id: PendingAckId) {
        let t2 = self.cfg.transaction.t2;
        let Some(e) = self.pending_acks.entries.get_mut(&id) else {
            return;
        };
        if now >= e.unacked.until {
            self.pending_acks.remove(id);
            return;
        }
        let u = &mut e.unacked;
        u.interval = (u.interval * 2).min(t2);
        u.next = now + u.interval;
        let (txn, ok) = (u.txn, u.ok.clone());
        let at = e.deadline();
        self.timers.push(at, TimerOwner::PendingAck(id));
        if !self.send_response(now, txn, &ok) {
            let _ = self.resend_stateless(now, &ok);
        }
    }

    /// Sends a response along its top Via without a transaction (a 2xx
    /// retransmission after Timer L, RFC 6026 §7.1; RFC 3261 §18.2.2).
    pub(crate) fn resend_stateless(&mut self, now: Instant, r: &Response) -> Option<()> {
        let via = r.headers.values(&HeaderName::Via).next()?;
        let v = Via::parse(via).ok()?;
        let transport = v.transport.known()?;
        let host = v.received().or_else(|| v.host.ip())?;
        let port = v.rport().flatten().unwrap_or(v.sent_by_port());
        let dest = Destination::Addr {
            transport,
            addr: SocketAddr::new(host, port),
        };
        self.txn.send_stateless(now, r.clone().into(), dest).ok()
    }
}
