//! Requests the TU writes straight into their wire form instead of
//! building a [`Request`](crate::message::Request) only to send it (an
//! in-dialog BYE, the ACK of a 2xx): the layer gives the Via, applies the
//! §18.1.1 size rule and starts the transaction as for a built request.

use super::TransactionLayer;
use crate::method::Method;
use crate::status::StatusCode;
use crate::time::Instant;
use crate::transaction::events::{ResponseError, SendError};
use crate::transaction::key::BranchText;
use crate::transaction::TransactionId;
use crate::transport::{Destination, Payload, Transmit, Transport};
use crate::transport_rules::transport_for_size;

impl TransactionLayer {
    /// Starts a client transaction for a non-INVITE request the TU writes
    /// itself instead of building it (RFC 3261 §17.1.2): `write(via, out)`
    /// appends the request's whole wire form, as
    /// [`write_request_parts`](crate::message::write_request_parts)
    /// writes it, with `via` (the layer's Via, with a fresh branch and
    /// `rport` when configured) as its only Via line, a Max-Forwards and
    /// the From, To, Call-ID and CSeq (of `method`) lines; the layer does
    /// not read them back. It may be called twice (an oversized request
    /// moved to TCP, §18.1.1, gets a new Via). The transaction and the
    /// bytes are those [`send_request`](Self::send_request) gives for the
    /// request so written. INVITE (whose CANCEL and ACK copy its lines),
    /// ACK and CANCEL are refused ([`SendError::NotWritable`]).
    pub fn send_request_written(
        &mut self,
        now: Instant,
        method: Method,
        dest: Destination,
        write: impl Fn(&str, &mut Vec<u8>),
    ) -> Result<TransactionId, SendError> {
        if matches!(method, Method::Invite | Method::Ack | Method::Cancel) {
            return Err(SendError::NotWritable);
        }
        self.check_limit()?;
        let transport = self.transport_of(&dest)?;
        let fresh = self.stored_new_via(transport);
        // Copied before the Via buffer may be rewritten (§18.1.1 switch).
        let branch = BranchText::new(&self.via_buf[fresh.clone()]);
        let (bytes, dest) = self.serialize_written(&write, dest, fresh)?;
        let reliable = self.transport_of(&dest)?.is_reliable();
        self.start_client_of(now, &method, None, bytes, branch, dest, reliable)
    }

    /// [`send_ack_2xx`](Self::send_ack_2xx) for an ACK the TU writes
    /// itself (`write(via, out)`, as for
    /// [`send_request_written`](Self::send_request_written), with CSeq
    /// method ACK), with a fresh branch: returns what was sent, for
    /// [`resend_ack_2xx`](Self::resend_ack_2xx).
    pub fn send_ack_2xx_written(
        &mut self,
        _now: Instant,
        dest: Destination,
        write: impl Fn(&str, &mut Vec<u8>),
    ) -> Result<Transmit, SendError> {
        let transport = self.transport_of(&dest)?;
        let fresh = self.stored_new_via(transport);
        let (payload, destination) = self.serialize_written(&write, dest, fresh)?;
        let sent = Transmit {
            destination,
            payload,
        };
        self.transmits.push_back(sent.clone());
        Ok(sent)
    }

    /// A Via with a fresh branch for `transport` in the buffer only;
    /// where the branch is in it.
    fn stored_new_via(&mut self, transport: Transport) -> core::ops::Range<usize> {
        let mut via = self.via_start(transport);
        let at = via.len();
        self.tokens.push_branch(&mut via);
        let branch = at..via.len();
        self.via_stored(via);
        branch
    }

    /// The wire form `write` writes with the Via of the buffer, for
    /// `dest`, with the §18.1.1 size rule of
    /// [`serialize_for`](Self::serialize_for) (the Via is rewritten with
    /// the same `branch` for TCP, and the request written again).
    fn serialize_written(
        &mut self,
        write: &dyn Fn(&str, &mut Vec<u8>),
        dest: Destination,
        branch: core::ops::Range<usize>,
    ) -> Result<(Payload, Destination), SendError> {
        let bytes = self.written(write);
        let transport = self.transport_of(&dest)?;
        let limit = self.cfg.udp_limit();
        let switch_ok = self.cfg.udp_to_tcp && matches!(dest, Destination::Addr { .. });
        match (
            transport_for_size(transport, bytes.len(), limit, switch_ok),
            dest,
        ) {
            (Some(t), Destination::Addr { addr, .. }) if t != transport => {
                let b = self.via_buf[branch].to_owned();
                let mut via = self.via_start(t);
                via.push_str(&b);
                self.via_stored(via);
                let bytes = self.written(write);
                Ok((bytes, Destination::Addr { transport: t, addr }))
            }
            (Some(_), dest) => Ok((bytes, dest)),
            (None, _) => Err(SendError::MessageTooLarge {
                size: bytes.len(),
                limit,
            }),
        }
    }

    /// What `write` writes with the Via of the buffer, as shared bytes.
    fn written(&mut self, write: &dyn Fn(&str, &mut Vec<u8>)) -> Payload {
        self.wire.clear();
        write(&self.via_buf, &mut self.wire);
        Payload::from(&self.wire[..])
    }

    /// [`send_response`](Self::send_response) for a response the TU
    /// writes itself instead of building it: `write(out)` appends its
    /// whole wire form, of status `status`, answering the request of
    /// server transaction `id` (its CSeq is that request's: the layer does
    /// not read it back, as `send_response` does to refuse a response to
    /// another method); `to_tag` gives the tag its To carries (read for an
    /// RFC 2543 transaction's final response only, §17.2.3).
    pub fn send_response_written<'t>(
        &mut self,
        now: Instant,
        id: TransactionId,
        status: StatusCode,
        to_tag: impl FnOnce() -> Option<&'t str>,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(), ResponseError> {
        let txn = self.get(id).ok_or(ResponseError::UnknownTransaction(id))?;
        if txn.machine.kind().is_client() {
            return Err(ResponseError::NotServerTransaction(id));
        }
        self.wire.clear();
        write(&mut self.wire);
        let bytes = Payload::from(&self.wire[..]);
        self.respond(now, id, status, bytes, to_tag)
    }
}
