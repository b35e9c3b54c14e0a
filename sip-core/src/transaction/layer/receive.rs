//! The receive path: datagrams and stream bytes in, matched to
//! transactions (RFC 3261 §17.1.3, §17.2.3), new requests to the TU,
//! stray responses dropped, unparseable requests answered (§21.4.1).

use super::top_via::TopVia;
use super::{Connection, LegacyTags, Machine, TransactionLayer, Txn, TxnKey};
use crate::header::ViaRef;
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::parse::{ParseError, StreamItem, StreamParser, TopViaMarks};
use crate::status::StatusCode;
use crate::time::Instant;
use crate::transaction::events::{DropReason, Event, StrayReason};
use crate::transaction::key::{self, ClientKey, PackedMergeKey, ServerLookup, ServerTxnKey};
use crate::transaction::{InviteServer, NonInviteServer, TransactionId};
use crate::transport::{
    ConnectionId, Destination, Payload, Source, Transmit, Transport, TransportError,
};
use crate::transport_rules::{
    response_destination, stamp_received, stamp_received_at, top_via, top_via_at_known, StampText,
    ViaRoute,
};
use std::net::SocketAddr;

impl TransactionLayer {
    /// A UDP datagram arrived at `local` from `remote`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    ) {
        let source = Source {
            transport: Transport::Udp,
            remote,
            local,
            connection: None,
        };
        // RFC 5626 §3.5.1 / §4.4.1: CRLF keep-alives on UDP are ignored.
        if data.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            return;
        }
        // Matched in place: the message is not moved once more through
        // `handle_message`. The parser's reading of a request's top Via is
        // kept, so that it is not scanned a second time here.
        let mut marks = None;
        match crate::parse::parse_message_marked(data, &self.cfg.parser, &mut marks) {
            Ok(Message::Request(r)) => self.on_request_marked(now, Box::new(r), source, marks),
            Ok(Message::Response(r)) => self.on_response(now, r, source),
            Err(e) => self.on_parse_error(e, source),
        }
    }

    /// The embedder opened or accepted a stream connection. Data on it is
    /// framed per RFC 3261 §18.3; responses to requests received on it go
    /// back on it while it is open (§18.2.2).
    pub fn handle_connection_opened(
        &mut self,
        conn: ConnectionId,
        transport: Transport,
        local: SocketAddr,
        remote: SocketAddr,
    ) {
        self.connections.insert(
            conn,
            Connection {
                transport,
                local,
                remote,
                parser: StreamParser::new(self.cfg.parser.clone()),
            },
        );
    }

    /// A stream connection closed. Server transactions fall back to the
    /// address route of §18.2.2; client transactions that were sending on
    /// this very connection fail with a transport error (§17.1.4).
    pub fn handle_connection_closed(&mut self, now: Instant, conn: ConnectionId) {
        if self.connections.remove(&conn).is_some() {
            self.handle_transport_error(
                now,
                Destination::Connection(conn),
                TransportError::ConnectionReset,
            );
        }
    }

    /// Bytes arrived on a stream connection.
    pub fn handle_stream_data(&mut self, now: Instant, conn: ConnectionId, data: &[u8]) {
        let Some(c) = self.connections.get_mut(&conn) else {
            self.stats.dropped += 1;
            self.events.push_back(Event::Dropped {
                source: None,
                reason: DropReason::UnknownConnection(conn),
            });
            return;
        };
        c.parser.push(data);
        loop {
            let Some(c) = self.connections.get_mut(&conn) else {
                return;
            };
            let source = Source {
                transport: c.transport,
                remote: c.remote,
                local: c.local,
                connection: Some(conn),
            };
            let Some(item) = c.parser.next_item() else {
                return;
            };
            let broken = c.parser.is_broken();
            match item {
                Ok(StreamItem::Message(msg)) => self.handle_message(now, msg, source),
                Ok(StreamItem::KeepAlivePing) => self.transmits.push_back(Transmit {
                    // RFC 5626 §3.5.1: a double-CRLF ping is answered with a
                    // single-CRLF pong.
                    destination: Destination::Connection(conn),
                    payload: Payload::from(b"\r\n"),
                }),
                Ok(_) => {}
                Err(e) => {
                    self.on_parse_error(e, source);
                    if broken {
                        self.stats.dropped += 1;
                        self.events.push_back(Event::Dropped {
                            source: Some(source),
                            reason: DropReason::StreamBroken(conn),
                        });
                    }
                }
            }
        }
    }

    /// A parsed message arrived from `source`. `handle_datagram` and
    /// `handle_stream_data` end here; an embedder with its own framing may
    /// call it directly.
    pub fn handle_message(&mut self, now: Instant, msg: Message, source: Source) {
        match msg {
            Message::Request(r) => self.on_request(now, r, source),
            Message::Response(r) => self.on_response(now, r, source),
        }
    }

    fn drop_message(&mut self, source: Source, reason: DropReason) {
        self.stats.dropped += 1;
        self.events.push_back(Event::Dropped {
            source: Some(source),
            reason,
        });
    }

    /// §21.4.1: answer a request that did not parse with 400 (505, 413)
    /// naming the problem, when its Via, From, To, Call-ID and CSeq could be
    /// read; otherwise drop it. ACKs are never answered.
    fn on_parse_error(&mut self, err: ParseError, source: Source) {
        let mut answered = false;
        if let Some(p) = err.partial.as_deref() {
            if p.can_respond() && p.method != Some(Method::Ack) {
                let mut partial = p.clone();
                if stamp_received(&mut partial.headers, source.remote).is_ok() {
                    let reason: String = err
                        .reason_phrase()
                        .chars()
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect();
                    // §8.2.6.2: a response other than 100 carries a To tag.
                    let resp = partial
                        .response(err.response_status(), &reason)
                        .map(|r| r.with_to_tag(&self.tokens.tag()));
                    let Some(resp) = resp else {
                        return self.drop_message(
                            source,
                            DropReason::Parse {
                                error: Box::new(err),
                                answered: false,
                            },
                        );
                    };
                    let route = top_via(&resp.headers).map_err(Into::into).and_then(|via| {
                        response_destination(&via, Some(&source), |c| {
                            self.connections.contains_key(&c)
                        })
                    });
                    if let Ok(destination) = route {
                        self.transmits.push_back(Transmit {
                            destination,
                            payload: Payload::from(resp.to_bytes()),
                        });
                        self.stats.bad_requests_answered += 1;
                        answered = true;
                    }
                }
            }
        }
        self.drop_message(
            source,
            DropReason::Parse {
                error: Box::new(err),
                answered,
            },
        );
    }

    fn on_response(&mut self, now: Instant, response: Response, source: Source) {
        let stray = |this: &mut Self, reason: StrayReason, status: StatusCode| {
            this.stats.stray_responses += 1;
            this.events.push_back(Event::StrayResponse {
                reason,
                status,
                source,
            });
        };
        let status = response.status;
        let found = match ClientKey::response_parts(&response) {
            Ok((branch, method)) => {
                let slots = &self.slots;
                self.clients.find(
                    key::client_hash(&self.hash, branch.as_bytes(), &method),
                    |id| {
                        super::client_key(slots, id).is_some_and(|k| {
                            k.branch.as_bytes() == branch.as_bytes() && k.method == method
                        })
                    },
                )
            }
            Err(e) => return stray(self, StrayReason::Unmatchable(e), status),
        };
        let Some(id) = found else {
            return stray(self, StrayReason::NoTransaction, status);
        };
        let mut out = core::mem::take(&mut self.scratch);
        let cfg = &self.cfg;
        if let Some(txn) = self.slots[id.index() as usize].txn.as_mut() {
            match &mut txn.machine {
                Machine::InviteClient(m) => m.on_response(now, cfg, response, &mut out),
                Machine::NonInviteClient(m) => m.on_response(now, cfg, response, &mut out),
                _ => {}
            }
        }
        if out.is_empty() {
            self.stats.responses_absorbed += 1;
        }
        self.apply(id, &mut out, Some(source));
        self.restore_scratch(out);
    }

    /// §17.2.3: the server transaction a request matches, RFC 2543 To-tag
    /// rule included.
    fn match_server(&self, key: &ServerLookup<'_>, req: &Request) -> Option<TransactionId> {
        let slots = &self.slots;
        let id = self.servers.find(key.hash(&self.hash), |id| {
            super::server_key(slots, id).is_some_and(|k| key.matches(k))
        })?;
        let txn = self.get(id)?;
        let ok = match (&txn.legacy_tags, &txn.key) {
            (Some(t), TxnKey::Server(k)) => {
                k.to_tag_matches(req, t.request.as_deref(), t.response.as_deref())
            }
            _ => true,
        };
        ok.then_some(id)
    }

    fn on_request(&mut self, now: Instant, req: Request, source: Source) {
        self.on_request_marked(now, Box::new(req), source, None);
    }

    /// [`on_request`](Self::on_request) with the parser's reading of the
    /// top Via when it has one (`marks`), used instead of parsing it again.
    /// The request comes boxed, as the TU's [`Event`] carries it: it is
    /// not copied again on its way.
    fn on_request_marked(
        &mut self,
        now: Instant,
        mut req: Box<Request>,
        source: Source,
        marks: Option<TopViaMarks>,
    ) {
        // The top Via is read once here, for matching, `received`
        // stamping and the response route; the server transaction is
        // looked up before the Via is stamped, with the key's parts
        // borrowed from it.
        let read = top_via_at_known(&req.headers, marks.as_ref().map(TopViaMarks::len));
        let read = read.and_then(|(at, t)| {
            let via = match marks.as_ref().and_then(|m| m.read(t)) {
                Some(v) => v,
                None => ViaRef::parse(t)?,
            };
            Ok((at, via))
        });
        let (at, top) = match read {
            Ok((at, v)) => (at, TopVia::of(&v)),
            Err(e) => return self.drop_message(source, DropReason::Via(e)),
        };
        let lookup = match ServerLookup::with_via_parts(&req, &top, &req.method) {
            Ok(k) => k,
            Err(e) => return self.drop_message(source, DropReason::Unmatchable(e)),
        };
        let matched = self.match_server(&lookup, &req);
        let fresh = matched.is_none() && req.method != Method::Ack;
        // A CANCEL names its INVITE by the same rules (§9.2).
        let cancels = (fresh && req.method == Method::Cancel)
            .then(|| ServerLookup::with_via_parts(&req, &top, &Method::Invite).ok())
            .flatten()
            .and_then(|k| self.match_server(&k, &req));
        let key = fresh.then(|| lookup.into_txn_key());
        let (host_ip, rport, has_received) = (top.host_ip(), top.rport, top.received.is_some());
        let rport_end = top.rport_end;
        let mut route = ViaRoute::of_top(top);
        let text = StampText::reuse(&mut self.stamp, source.remote);
        let stamped = stamp_received_at(
            &mut req.headers,
            at,
            host_ip,
            (rport, rport_end),
            has_received,
            text,
        );
        if stamped {
            route = route.stamped(source.remote);
        }
        if let Some(id) = matched {
            return self.on_matched_request(now, id, *req, source);
        }
        let Some(key) = key else {
            // The ACK for a 2xx is its own transaction-less request
            // (§17.1.1.3, §13.3.1.4): to the TU.
            self.events.push_back(Event::Ack {
                request: req,
                source,
                transaction: None,
            });
            return;
        };
        self.create_server(now, key, req, &route, source, cancels);
    }

    fn on_matched_request(
        &mut self,
        now: Instant,
        id: TransactionId,
        req: Request,
        source: Source,
    ) {
        let mut out = core::mem::take(&mut self.scratch);
        let is_ack = req.method == Method::Ack;
        let cfg = &self.cfg;
        if let Some(txn) = self.slots[id.index() as usize].txn.as_mut() {
            match &mut txn.machine {
                Machine::InviteServer(m) => m.on_request(now, cfg, req, &mut out),
                Machine::NonInviteServer(m) => m.on_request(&mut out),
                _ => {}
            }
        }
        if !is_ack {
            self.stats.requests_absorbed += 1;
        }
        self.apply(id, &mut out, Some(source));
        self.restore_scratch(out);
    }

    fn create_server(
        &mut self,
        now: Instant,
        key: ServerTxnKey,
        req: Box<Request>,
        via: &ViaRoute,
        source: Source,
        cancels: Option<TransactionId>,
    ) {
        if self.live >= self.cfg.max_transactions {
            self.stats.overloaded += 1;
            self.events.push_back(Event::Overloaded {
                request: req,
                source,
                limit: self.cfg.max_transactions,
            });
            return;
        }
        let destination = match via.destination(None, |_| false) {
            Ok(d) => d,
            Err(e) => return self.drop_message(source, DropReason::Route(e)),
        };
        // Responses go on the request's connection, or over the Via's
        // transport (§18.2.2): either reliable means no retransmissions.
        let reliable =
            source.transport.is_reliable() || via.transport.as_ref().is_ok_and(|t| t.is_reliable());
        let mut merged_with = None;
        let mut merge = None;
        if key::to_tag(&req.headers).is_none() {
            if let Some(mk) = PackedMergeKey::for_request(&req) {
                let hash = mk.index_hash(&self.hash);
                let slots = &self.slots;
                match self
                    .merges
                    .find(hash, |id| super::merge_key(slots, id) == Some(&mk))
                {
                    Some(id) => merged_with = Some(id),
                    None => merge = Some((mk, hash)),
                }
            }
        }
        let legacy_tags = key.is_legacy().then(|| {
            Box::new(LegacyTags {
                request: key::to_tag(&req.headers).map(Into::into),
                response: None,
            })
        });
        let mut out = core::mem::take(&mut self.scratch);
        let machine = if req.method == Method::Invite {
            let trying = self
                .cfg
                .send_trying
                .then(|| Payload::from(Response::bytes_from_request(&req, StatusCode::TRYING)));
            Machine::InviteServer(InviteServer::start(
                now, &self.cfg, trying, reliable, &mut out,
            ))
        } else {
            Machine::NonInviteServer(NonInviteServer::start(reliable))
        };
        let key_hash = key.index_hash(&self.hash);
        // An RFC 2543 key may already belong to a live transaction whose To
        // tag differed (§17.2.3): that one keeps the index entry.
        let slots = &self.slots;
        let indexed = self
            .servers
            .find(key_hash, |id| super::server_key(slots, id) == Some(&key))
            .is_some();
        let merge_hash = merge.as_ref().map(|m| m.1);
        let txn = Txn {
            machine,
            destination,
            connection: source.connection,
            key: TxnKey::Server(key),
            key_hash,
            merge,
            legacy_tags,
            source: Some(source),
        };
        let id = super::insert_slot(&mut self.slots, &mut self.free, &mut self.live, txn);
        if let Some(hash) = merge_hash {
            self.merges.insert(hash, id);
        }
        self.stats.server_transactions += 1;
        if !indexed {
            self.servers.insert(key_hash, id);
        }
        self.events.push_back(Event::Request {
            id,
            request: req,
            source,
            cancels,
            merged_with,
        });
        self.apply(id, &mut out, Some(source));
        self.restore_scratch(out);
    }
}
