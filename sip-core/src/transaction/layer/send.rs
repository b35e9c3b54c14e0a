//! The send path: requests and responses from the TU, CANCEL, ACK for 2xx,
//! stateless messages, and transport errors reported by the embedder.

use super::{Machine, TransactionLayer, Txn, TxnKey};
use crate::header::{HeaderName, Headers};
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::time::Instant;
use crate::transaction::build::PackedOriginal;
use crate::transaction::events::{LimitExceeded, ResponseError, SendError};
use crate::transaction::key::{self, BranchText, ClientTxnKey};
use crate::transaction::{InviteClient, InviteClientState, NonInviteClient, TransactionId};
use crate::transport::{Destination, Payload, Source, Transmit, Transport, TransportError};
use crate::transport_rules::{
    response_destination, top_via, top_via_text, transport_for_size, RouteError,
};

impl TransactionLayer {
    /// The transport a destination uses.
    pub(super) fn transport_of(&self, dest: &Destination) -> Result<Transport, SendError> {
        match dest {
            Destination::Addr { transport, .. } => Ok(*transport),
            Destination::Connection(c) => self
                .connections
                .get(c)
                .map(|c| c.transport)
                .ok_or(SendError::UnknownConnection(*c)),
        }
    }

    pub(super) fn check_limit(&self) -> Result<(), SendError> {
        if self.live >= self.cfg.max_transactions {
            return Err(LimitExceeded {
                limit: self.cfg.max_transactions,
            }
            .into());
        }
        Ok(())
    }

    /// Writes the top Via for `transport` with `branch` (RFC 3261 §8.1.1.7,
    /// §18.1.1, RFC 3581 §3).
    /// With `push`, the Via goes on top of those the request carries (a
    /// proxy forwarding it, §16.6 step 8) instead of replacing them; a
    /// Via this layer pushed earlier (same branch) is replaced.
    fn write_via(&mut self, req: &mut Request, transport: Transport, branch: &str, push: bool) {
        let mut via = self.via_start(transport);
        via.push_str(branch);
        self.via_end(req, via, branch.len(), push);
    }

    /// [`write_via`](Self::write_via) with a fresh branch from the token
    /// source, written in place; returns where the branch is in the Via
    /// buffer (valid until the next Via is written).
    ///
    /// With `lend`, the Via stays in the buffer only (for
    /// [`Request::write_to_with_via`]): `req` loses any Via it carried, as
    /// when the Via goes in, but gets none.
    fn write_new_via(
        &mut self,
        req: &mut Request,
        transport: Transport,
        push: bool,
        lend: bool,
    ) -> core::ops::Range<usize> {
        let mut via = self.via_start(transport);
        let at = via.len();
        self.tokens.push_branch(&mut via);
        let branch = at..via.len();
        if lend {
            self.via_kept(req, via);
        } else {
            self.via_end(req, via, branch.len(), push);
        }
        branch
    }

    /// [`via_end`](Self::via_end) without `push`, the Via left in the
    /// buffer instead of put in `req` (whose own Vias go, as there).
    fn via_kept(&mut self, req: &mut Request, via: String) {
        if req.headers.contains(&HeaderName::Via) {
            req.headers.remove(&HeaderName::Via);
        }
        self.via_stored(via);
    }

    /// Ends the Via in `via` (`rport`) and leaves it in the buffer.
    pub(super) fn via_stored(&mut self, mut via: String) {
        if self.cfg.rport {
            via.push_str(";rport");
        }
        self.via_buf = via;
    }

    /// The layer's Via for `transport` up to the branch value, in the
    /// reused buffer.
    pub(super) fn via_start(&mut self, transport: Transport) -> String {
        let mut via = core::mem::take(&mut self.via_buf);
        via.clear();
        via.push_str(&self.via_prefix[super::transport_index(transport)]);
        via
    }

    /// Ends the Via in `via` (its last `branch_len` bytes the branch) and
    /// puts it in `req`; the buffer goes back for the next Via.
    fn via_end(&mut self, req: &mut Request, mut via: String, branch_len: usize, push: bool) {
        let branch_at = via.len() - branch_len;
        if self.cfg.rport {
            via.push_str(";rport");
        }
        if !push {
            // As `stamp_via`: the request's only Via. (A request from the
            // TU usually has none: then nothing is removed, and the search
            // for one stops at the first match rather than rebuilding the
            // line list.)
            if req.headers.contains(&HeaderName::Via) {
                req.headers.remove(&HeaderName::Via);
            }
            req.headers.prepend(HeaderName::Via, &via);
        } else {
            let branch = &via[branch_at..branch_at + branch_len];
            let ours = top_via_text(&req.headers).is_ok_and(|v| key::branch_of(v) == Some(branch));
            if ours {
                pop_top_via(&mut req.headers);
            }
            req.headers.push_front(HeaderName::Via, &via);
        }
        self.via_buf = via;
    }

    /// Serializes `req` for `dest`, applying the §18.1.1 size rule: an
    /// oversized UDP request to an address moves to TCP (its Via rewritten)
    /// when [`Config::udp_to_tcp`](crate::transaction::Config::udp_to_tcp)
    /// allows; otherwise it is refused.
    ///
    /// With `lead`, the Via is the one in the layer's buffer
    /// ([`write_new_via`](Self::write_new_via) lending), written before
    /// `req`'s lines and rewritten there on a switch.
    fn serialize_for(
        &mut self,
        req: &mut Request,
        dest: Destination,
        branch: Option<core::ops::Range<usize>>,
        may_switch: bool,
        push: bool,
        lead: bool,
    ) -> Result<(Payload, Destination), SendError> {
        let bytes = self.serialize(req, lead);
        let transport = self.transport_of(&dest)?;
        let limit = self.cfg.udp_limit();
        let switch_ok =
            may_switch && self.cfg.udp_to_tcp && matches!(dest, Destination::Addr { .. });
        match (
            transport_for_size(transport, bytes.len(), limit, switch_ok),
            dest,
        ) {
            (Some(t), Destination::Addr { addr, .. }) if t != transport => {
                if let Some(r) = branch {
                    let b = self.via_buf[r].to_owned();
                    if lead {
                        let mut via = self.via_start(t);
                        via.push_str(&b);
                        self.via_kept(req, via);
                    } else {
                        self.write_via(req, t, &b, push);
                    }
                }
                let bytes = self.serialize(req, lead);
                Ok((bytes, Destination::Addr { transport: t, addr }))
            }
            (Some(_), dest) => Ok((bytes, dest)),
            (None, _) => Err(SendError::MessageTooLarge {
                size: bytes.len(),
                limit,
            }),
        }
    }

    /// `req`'s wire form; with `lead`, with the Via of the layer's buffer
    /// before its lines ([`Request::write_to_with_via`]).
    fn serialize(&mut self, req: &Request, lead: bool) -> Payload {
        if lead {
            self.wire.clear();
            req.write_to_with_via(&self.via_buf, &mut self.wire);
            Payload::from(&self.wire[..])
        } else {
            self.payload(|out| req.write_to(out))
        }
    }

    /// Starts a client transaction for `req` to `dest` (RFC 3261 §17.1).
    ///
    /// The layer replaces any Via by its own top Via (transport, sent-by
    /// from the config, a fresh branch from the token source, `rport` when
    /// configured), adds `Max-Forwards: 70` when absent (§8.1.1.6), applies
    /// the §18.1.1 size rule, and starts an INVITE or non-INVITE machine.
    /// A CANCEL that already carries a Via keeps it (§9.1: same branch as
    /// its INVITE); [`cancel`](Self::cancel) builds one.
    pub fn send_request(
        &mut self,
        now: Instant,
        mut req: Request,
        dest: Destination,
    ) -> Result<TransactionId, SendError> {
        // The request is dropped after: its Via need not go into it.
        self.start_request(now, &mut req, dest, false, true)
    }

    /// [`send_request`](Self::send_request) on a borrowed request, for a
    /// TU that keeps the request it sent (to resend it with new
    /// credentials or to a redirected target) without cloning it first.
    /// On return `req` is the request as sent: with the top Via this layer
    /// wrote (replacing any Via it carried, except a CANCEL's, as in
    /// `send_request`) and `Max-Forwards: 70` when it had none. The bytes
    /// sent are those `send_request` sends for the same request.
    pub fn send_request_borrowed(
        &mut self,
        now: Instant,
        req: &mut Request,
        dest: Destination,
    ) -> Result<TransactionId, SendError> {
        self.start_request(now, req, dest, false, false)
    }

    /// [`send_request_borrowed`](Self::send_request_borrowed) for a TU
    /// that keeps the request without the layer's Via (or drops it after):
    /// the bytes sent and the transaction are the same, but the top Via
    /// this layer writes goes only into the wire form. On return `req` is
    /// what `send_request_borrowed` leaves less that Via line: without the
    /// Vias it carried (except a CANCEL's, which is sent with its own) and
    /// with `Max-Forwards: 70` when it had none.
    pub fn send_request_lent(
        &mut self,
        now: Instant,
        req: &mut Request,
        dest: Destination,
    ) -> Result<TransactionId, SendError> {
        self.start_request(now, req, dest, false, true)
    }

    /// Starts a client transaction for a request a proxy forwards (RFC 3261
    /// §16.6): like [`send_request`](Self::send_request), but the layer's
    /// Via goes on top of the Vias the request already carries (step 8),
    /// so responses find their way back upstream. CANCEL is refused here
    /// (a proxy cancels its own branches with [`cancel`](Self::cancel)).
    pub fn forward_request(
        &mut self,
        now: Instant,
        mut req: Request,
        dest: Destination,
    ) -> Result<TransactionId, SendError> {
        if req.method == Method::Cancel {
            return Err(SendError::NotCancellable(
                crate::transaction::State::Terminated,
            ));
        }
        self.start_request(now, &mut req, dest, true, false)
    }

    /// The branch of client transaction `id`'s Via.
    pub fn branch(&self, id: TransactionId) -> Option<&str> {
        match &self.get(id)?.key {
            TxnKey::Client(k) => Some(k.branch.as_str()),
            TxnKey::Server(_) => None,
        }
    }

    /// `lend`: the layer's Via goes into the wire form only (not with
    /// `push`, whose Via goes on top of the request's).
    fn start_request(
        &mut self,
        now: Instant,
        req: &mut Request,
        dest: Destination,
        push: bool,
        lend: bool,
    ) -> Result<TransactionId, SendError> {
        if req.method == Method::Ack {
            return Err(SendError::AckNotAllowed);
        }
        for (name, label) in [
            (HeaderName::From, "From"),
            (HeaderName::To, "To"),
            (HeaderName::CallId, "Call-ID"),
        ] {
            if !req.headers.contains(&name) {
                return Err(SendError::MissingHeader(label));
            }
        }
        let (cseq, cseq_method) =
            key::cseq(&req.headers).ok_or(SendError::MissingHeader("CSeq"))?;
        if cseq_method != req.method {
            return Err(SendError::CSeqMismatch);
        }
        self.check_limit()?;
        let transport = self.transport_of(&dest)?;
        let keep_via = req.method == Method::Cancel
            && top_via_text(&req.headers)
                .is_ok_and(|v| key::branch_of(v).is_some_and(|b| !b.is_empty()));
        let lead = lend && !push && !keep_via;
        let fresh = (!keep_via).then(|| self.write_new_via(req, transport, push, lead));
        // Copied before the Via buffer may be rewritten (§18.1.1 switch).
        let fresh_branch = fresh.clone().map(|r| BranchText::new(&self.via_buf[r]));
        // Without a Via in `req`, Max-Forwards goes first: after the
        // lead Via, where the stamped request has it.
        add_max_forwards(req);
        let (bytes, dest) = self.serialize_for(req, dest, fresh, !keep_via, push, lead)?;
        let branch = match fresh_branch {
            Some(b) => b,
            None => BranchText::new(
                top_via_text(&req.headers)
                    .ok()
                    .and_then(key::branch_of)
                    .unwrap_or_default(),
            ),
        };
        let reliable = self.transport_of(&dest)?.is_reliable();
        self.start_client(now, req, Some(cseq), bytes, branch, dest, reliable, lead)
    }

    /// Starts the client transaction of `req` (whose CSeq number is
    /// `cseq` when the caller read it) with its serialized `bytes`;
    /// `lead`: the bytes hold the Via of the layer's buffer before `req`'s
    /// lines.
    #[allow(clippy::too_many_arguments)]
    fn start_client(
        &mut self,
        now: Instant,
        req: &Request,
        cseq: Option<u32>,
        bytes: Payload,
        branch: BranchText,
        dest: Destination,
        reliable: bool,
        lead: bool,
    ) -> Result<TransactionId, SendError> {
        let original = if req.method == Method::Invite {
            let lead_via = lead.then_some(self.via_buf.as_str());
            let packed = PackedOriginal::with_cseq(req, cseq, &bytes, lead_via)
                .ok_or(SendError::MissingHeader("CSeq"))?;
            Some(packed)
        } else {
            None
        };
        self.start_client_of(now, &req.method, original, bytes, branch, dest, reliable)
    }

    /// Starts a client transaction for a request of `method` sent as
    /// `bytes`: an INVITE one with its `original` places, else a
    /// non-INVITE one.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_client_of(
        &mut self,
        now: Instant,
        method: &Method,
        original: Option<PackedOriginal>,
        bytes: Payload,
        branch: BranchText,
        dest: Destination,
        reliable: bool,
    ) -> Result<TransactionId, SendError> {
        let key_hash = key::client_hash(&self.hash, branch.as_bytes(), method);
        let slots = &self.slots;
        let taken = self.clients.find(key_hash, |id| {
            super::client_key(slots, id)
                .is_some_and(|k| k.branch.as_bytes() == branch.as_bytes() && k.method == *method)
        });
        if taken.is_some() {
            return Err(SendError::Duplicate);
        }
        let mut out = core::mem::take(&mut self.scratch);
        let machine = match original {
            Some(original) => Machine::InviteClient(InviteClient::start_packed(
                now, &self.cfg, bytes, original, reliable, &mut out,
            )),
            None => Machine::NonInviteClient(NonInviteClient::start(
                now, &self.cfg, bytes, reliable, &mut out,
            )),
        };
        let txn = Txn {
            machine,
            destination: dest,
            connection: None,
            key: TxnKey::Client(ClientTxnKey {
                branch,
                method: method.clone(),
            }),
            key_hash,
            merge: None,
            legacy_tags: None,
            source: None,
        };
        let id = super::insert_slot(&mut self.slots, &mut self.free, &mut self.live, txn);
        self.clients.insert(key_hash, id);
        self.stats.client_transactions += 1;
        self.apply(id, &mut out, None);
        self.restore_scratch(out);
        Ok(id)
    }

    /// Cancels INVITE client transaction `invite` (RFC 3261 §9.1): builds
    /// the CANCEL (same Request-URI, Call-ID, To, From, CSeq number, top
    /// Via and Route set) and sends it in its own non-INVITE client
    /// transaction to the INVITE's destination.
    ///
    /// Allowed once a provisional response arrived and no final one
    /// ([`SendError::NotCancellable`] otherwise: before a provisional
    /// response the CANCEL must wait, after a final one it is useless).
    pub fn cancel(
        &mut self,
        now: Instant,
        invite: TransactionId,
    ) -> Result<TransactionId, SendError> {
        self.cancel_with(now, invite, &[])
    }

    /// Like [`cancel`](Self::cancel), with extra headers on the CANCEL,
    /// such as `Reason` (RFC 3326).
    pub fn cancel_with(
        &mut self,
        now: Instant,
        invite: TransactionId,
        extra_headers: &[(HeaderName, String)],
    ) -> Result<TransactionId, SendError> {
        let txn = self
            .get(invite)
            .ok_or(SendError::UnknownTransaction(invite))?;
        let Machine::InviteClient(m) = &txn.machine else {
            return Err(SendError::NotCancellable(txn.machine.state()));
        };
        if !matches!(m.state(), InviteClientState::Proceeding) {
            return Err(SendError::NotCancellable(txn.machine.state()));
        }
        let mut cancel = m.original().cancel();
        for (name, value) in extra_headers {
            cancel.headers.push(name.clone(), value);
        }
        let dest = txn.destination;
        let reliable = m.is_reliable();
        let branch = BranchText::new(key::branch_of(&m.original().via).unwrap_or_default());
        self.check_limit()?;
        let bytes = self.payload(|out| cancel.write_to(out));
        self.start_client(now, &cancel, None, bytes, branch, dest, reliable, false)
    }

    /// Destroys client transaction `id` at once, as RFC 3261 §9.1 asks of
    /// an INVITE that got no final response 64*T1 after its CANCEL: the
    /// transaction is considered cancelled. [`Event::Terminated`] follows;
    /// later responses matching it are stray. Returns false for an unknown
    /// id or a server transaction (those end on their own timers).
    ///
    /// [`Event::Terminated`]: crate::transaction::Event::Terminated
    pub fn abandon(&mut self, id: TransactionId) -> bool {
        let client = self
            .get(id)
            .is_some_and(|t| matches!(t.key, TxnKey::Client(_)));
        if client {
            self.remove(id);
            self.events
                .push_back(crate::transaction::Event::Terminated { id });
        }
        client
    }

    /// The TU passes a response for server transaction `id` (RFC 3261
    /// §17.2). Provisional responses may be sent any number of times before
    /// the final one; after a final response only further 2xx to an INVITE
    /// are accepted (the TU's own 2xx retransmissions, §13.3.1.4, RFC 6026
    /// §7.1).
    ///
    /// Takes the response by value or by reference (a TU that keeps its
    /// 2xx for retransmission lends it).
    pub fn send_response(
        &mut self,
        now: Instant,
        id: TransactionId,
        resp: impl core::borrow::Borrow<Response>,
    ) -> Result<(), ResponseError> {
        let resp = resp.borrow();
        let txn = self.get(id).ok_or(ResponseError::UnknownTransaction(id))?;
        if txn.machine.kind().is_client() {
            return Err(ResponseError::NotServerTransaction(id));
        }
        if let Some((_, m)) = key::cseq(&resp.headers) {
            if m == Method::Ack {
                return Err(ResponseError::ResponseToAck);
            }
            if m != *txn.method() {
                return Err(ResponseError::MethodMismatch {
                    expected: txn.method().clone(),
                    found: m,
                });
            }
        }
        let bytes = self.payload(|out| resp.write_to(out));
        self.respond(now, id, resp.status, bytes, || key::to_tag(&resp.headers))
    }

    /// Passes response `bytes` of `status` to server transaction `id`;
    /// `to_tag` gives the response's To tag, read for an RFC 2543
    /// transaction's final response only (§17.2.3).
    pub(super) fn respond<'t>(
        &mut self,
        now: Instant,
        id: TransactionId,
        status: crate::status::StatusCode,
        bytes: Payload,
        to_tag: impl FnOnce() -> Option<&'t str>,
    ) -> Result<(), ResponseError> {
        let mut out = core::mem::take(&mut self.scratch);
        let cfg = &self.cfg;
        let txn = self.slots[id.index() as usize]
            .txn
            .as_mut()
            .ok_or(ResponseError::UnknownTransaction(id))?;
        let result = match &mut txn.machine {
            Machine::InviteServer(m) => m.on_tu_response(now, cfg, status, bytes, &mut out),
            Machine::NonInviteServer(m) => m.on_tu_response(now, cfg, status, bytes, &mut out),
            _ => Err(ResponseError::NotServerTransaction(id)),
        };
        if result.is_ok() && status.is_final() {
            if let Some(tags) = txn.legacy_tags.as_mut() {
                tags.response = to_tag().map(Into::into);
            }
        }
        self.apply(id, &mut out, None);
        self.restore_scratch(out);
        result
    }

    /// Sends the ACK for a 2xx (RFC 3261 §13.2.2.4, §17.1.1.3): outside any
    /// transaction. An ACK without Via gets one with a fresh branch; the
    /// stamped ACK is returned so the TU can pass the very same ACK again
    /// for each retransmitted 2xx (an ACK that has a Via is sent as is).
    pub fn send_ack_2xx(
        &mut self,
        _now: Instant,
        mut ack: Request,
        dest: Destination,
    ) -> Result<Request, SendError> {
        if ack.method != Method::Ack {
            return Err(SendError::NotStateless);
        }
        let transport = self.transport_of(&dest)?;
        let branch = if ack.headers.contains(&HeaderName::Via) {
            None
        } else {
            Some(self.write_new_via(&mut ack, transport, false, false))
        };
        add_max_forwards(&mut ack);
        let fresh = branch.is_some();
        let (payload, destination) =
            self.serialize_for(&mut ack, dest, branch, fresh, false, false)?;
        self.transmits.push_back(Transmit {
            destination,
            payload,
        });
        Ok(ack)
    }

    /// [`send_ack_2xx`](Self::send_ack_2xx) on a lent ACK, which the TU
    /// keeps as it was: an ACK without Via gets the layer's Via with a
    /// fresh branch in its wire form only (and `Max-Forwards: 70` when it
    /// has none); one with a Via is sent as is. Returns what was sent,
    /// for [`resend_ack_2xx`](Self::resend_ack_2xx) to send again for
    /// each retransmitted 2xx: the same bytes `send_ack_2xx` sends.
    pub fn send_ack_2xx_lent(
        &mut self,
        _now: Instant,
        ack: &mut Request,
        dest: Destination,
    ) -> Result<Transmit, SendError> {
        if ack.method != Method::Ack {
            return Err(SendError::NotStateless);
        }
        let transport = self.transport_of(&dest)?;
        let lead = !ack.headers.contains(&HeaderName::Via);
        let branch = lead.then(|| self.write_new_via(ack, transport, false, true));
        add_max_forwards(ack);
        let (payload, destination) = self.serialize_for(ack, dest, branch, lead, false, lead)?;
        let sent = Transmit {
            destination,
            payload,
        };
        self.transmits.push_back(sent.clone());
        Ok(sent)
    }

    /// Sends again an ACK [`send_ack_2xx_lent`](Self::send_ack_2xx_lent)
    /// sent (RFC 3261 §13.2.2.4: the same ACK for each retransmitted
    /// 2xx); refused, as `send_ack_2xx` refuses it, when its connection
    /// is gone.
    pub fn resend_ack_2xx(&mut self, _now: Instant, sent: &Transmit) -> Result<(), SendError> {
        self.transport_of(&sent.destination)?;
        self.transmits.push_back(sent.clone());
        Ok(())
    }

    /// Sends a message outside any transaction, as is: a response (such as
    /// the 503 for [`Event::Overloaded`](crate::transaction::Event::Overloaded),
    /// or a 2xx retransmission by the TU) or an ACK. Responses to ACK and
    /// other requests are refused.
    pub fn send_stateless(
        &mut self,
        _now: Instant,
        msg: Message,
        dest: Destination,
    ) -> Result<(), SendError> {
        match &msg {
            Message::Request(r) if r.method != Method::Ack => return Err(SendError::NotStateless),
            Message::Response(r)
                if key::cseq(&r.headers).is_some_and(|(_, m)| m == Method::Ack) =>
            {
                return Err(SendError::ResponseToAck)
            }
            _ => {}
        }
        self.transport_of(&dest)?;
        let payload = self.payload(|out| msg.write_to(out));
        self.transmits.push_back(Transmit {
            destination: dest,
            payload,
        });
        Ok(())
    }

    /// Where a response to `request` (as passed in
    /// [`Event::Request`](crate::transaction::Event::Request), Via stamped)
    /// from `source` goes, per RFC 3261 §18.2.2 and RFC 3581 §4. For
    /// stateless responses.
    pub fn response_destination(
        &self,
        request: &Request,
        source: &Source,
    ) -> Result<Destination, RouteError> {
        let via = top_via(&request.headers)?;
        response_destination(&via, Some(source), |c| self.connections.contains_key(&c))
    }

    /// The embedder failed to send to `dest` (ICMP unreachable, connection
    /// refused or reset, TLS failure; RFC 3261 §18.4). Every transaction
    /// whose messages go there is informed (§17.1.4, §17.2.4): client
    /// transactions terminate and the TU sees
    /// [`Event::TransportError`](crate::transaction::Event::TransportError)
    /// (to treat as 503, §8.1.3.1).
    pub fn handle_transport_error(
        &mut self,
        _now: Instant,
        dest: Destination,
        error: TransportError,
    ) {
        let affected: Vec<TransactionId> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let t = s.txn.as_ref()?;
                let hit = t.destination == dest || self.route(t) == dest;
                hit.then(|| TransactionId::new(i as u32, s.generation))
            })
            .collect();
        for id in affected {
            let mut out = core::mem::take(&mut self.scratch);
            if let Some(txn) = self.get_mut(id) {
                txn.machine.on_transport_error(error, &mut out);
            }
            self.apply(id, &mut out, None);
            self.restore_scratch(out);
        }
    }
}

/// Adds `Max-Forwards: 70` right after the Via lines when the request has
/// none (RFC 3261 §8.1.1.6).
fn add_max_forwards(req: &mut Request) {
    if req.headers.contains(&HeaderName::MaxForwards) {
        return;
    }
    let mut out = crate::header::Headers::with_capacity(req.headers.len() + 1);
    let mut added = false;
    for h in &req.headers {
        if !added && h.name != HeaderName::Via {
            out.push(HeaderName::MaxForwards, "70");
            added = true;
        }
        out.push(h.name.clone(), h.value);
    }
    if !added {
        out.push(HeaderName::MaxForwards, "70");
    }
    req.headers = out;
}

/// Removes the first Via value (the first element of the first Via line).
fn pop_top_via(headers: &mut Headers) {
    let Some(line) = headers.get(&HeaderName::Via) else {
        return;
    };
    let rest: Vec<&str> = crate::header::split_comma(line).skip(1).collect();
    if rest.is_empty() {
        headers.remove_first(&HeaderName::Via);
    } else {
        let joined = rest.join(", ");
        headers.edit_first(&HeaderName::Via, |_, out| {
            out.push_str(&joined);
            true
        });
    }
}
