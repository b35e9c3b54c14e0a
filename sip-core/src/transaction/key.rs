//! Matching messages to transactions.
//!
//! * Responses to client transactions (RFC 3261 §17.1.3): the branch of
//!   the top Via and the CSeq method ([`ClientKey`]).
//! * Requests to server transactions (§17.2.3): for a branch starting
//!   with the magic cookie `z9hG4bK`, the branch, the sent-by of the top
//!   Via and the method, with ACK mapped to INVITE ([`ServerKey::Branch`]);
//!   otherwise the RFC 2543 fallback of the same section: Request-URI, From
//!   tag, Call-ID, CSeq, top Via, and the To tag checked separately
//!   ([`ServerKey::Legacy`]).
//! * Merged requests (§8.2.2.2): From tag, Call-ID and CSeq
//!   ([`MergeKey`]).
//!
//! The readers here ([`cseq`], [`tag`]...) are light: they look only at
//! what matching needs, without parsing whole header values.

use crate::header::{CSeq, From, HeaderName, Headers, TypedHeader, Via, ViaRef};
use crate::message::{Request, Response};
use crate::method::Method;
use crate::random::KeyedState;
use crate::random::MAGIC_COOKIE;
use crate::transport_rules::{top_via_text, ViaError};
use crate::uri::{Host, Uri};
use core::hash::{BuildHasher, Hash, Hasher};

/// The CSeq number and method (RFC 3261 §20.16), if the header is present
/// and well formed ([`CSeq::parse`] reads the usual shape in one pass).
pub fn cseq(headers: &Headers) -> Option<(u32, Method)> {
    let c = CSeq::parse(headers.get(&HeaderName::CSeq)?).ok()?;
    Some((c.seq, c.method))
}

/// The Call-ID (RFC 3261 §20.8), trimmed, if present and not empty.
#[inline]
pub fn call_id(headers: &Headers) -> Option<&str> {
    headers
        .get(&HeaderName::CallId)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The `tag` parameter of a From or To value (RFC 3261 §19.3), read
/// without parsing the address.
#[inline]
pub fn tag(value: &str) -> Option<&str> {
    match tag_plain(value) {
        Some(t) => t,
        None => From::tag_of(value),
    }
}

use super::scan::{ends_value, find_any3, find_byte, find_either, find_value_end};

/// [`tag`] for the usual shape, no quotes and `;tag=` the first parameter
/// after the address (`<uri>;tag=x`, `uri;tag=x`), read without the
/// general parameter reader; `None` for any other shape. Agrees with
/// `From::tag_of` (property-tested).
fn tag_plain(value: &str) -> Option<Option<&str>> {
    let b = value.as_bytes();
    // Where the parameters start, as `header_param` finds it: after the
    // `<...>` or at the first `;`. A quote first (a quoted display name)
    // is left to the general reader.
    let start = match b.first() {
        // `<uri>` first, the usual To: the same place.
        Some(b'<') => find_byte(b, b'>')? + 1,
        _ => match find_any3(b, b'<', b';', b'"') {
            None => return Some(None),
            Some(i) if b[i] == b';' => i,
            Some(i) if b[i] == b'<' => i + find_byte(&b[i..], b'>')? + 1,
            Some(_) => return None,
        },
    };
    if start == b.len() {
        // `<uri>` and nothing after it.
        return Some(None);
    }
    let v = b[start..].strip_prefix(b";tag=")?;
    if v.first()
        .is_some_and(|&c| c == b'"' || (ends_value(c) && c != b';' && c != b','))
    {
        return None;
    }
    let end = find_value_end(v).unwrap_or(v.len());
    let at = start + b";tag=".len();
    Some(Some(&value[at..at + end]).filter(|t| !t.is_empty()))
}

/// The branch of a Via value, as [`Via::branch_of`] reads it; the usual
/// shape (`branch` the first parameter, unquoted) without the general
/// parameter reader.
pub(crate) fn branch_of(value: &str) -> Option<&str> {
    match branch_plain(value) {
        Some(b) => Some(b),
        None => Via::branch_of(value),
    }
}

/// The branch of the first value of a Via line, as
/// `branch_of(first_value(line))` reads it, when its first `;` comes
/// before any comma and opens the usual `;branch=` (then that parameter
/// lies in the first value whatever follows); `None`: not that shape.
pub(crate) fn top_branch_plain(line: &str) -> Option<&str> {
    let semi = find_either(line.as_bytes(), b';', b',')?;
    branch_after(line, semi)
}

fn branch_plain(value: &str) -> Option<&str> {
    branch_after(value, find_byte(value.as_bytes(), b';')?)
}

/// The usual `;branch=` value at `value[semi..]`.
#[inline(always)]
fn branch_after(value: &str, semi: usize) -> Option<&str> {
    let b = value.as_bytes();
    let v = b[semi..].strip_prefix(b";branch=")?;
    if v.first()
        .is_some_and(|&c| c == b'"' || (ends_value(c) && c != b';' && c != b','))
    {
        return None;
    }
    let end = find_value_end(v).unwrap_or(v.len());
    let at = semi + b";branch=".len();
    Some(&value[at..at + end])
}

/// The From tag.
#[inline]
pub fn from_tag(headers: &Headers) -> Option<&str> {
    headers.get(&HeaderName::From).and_then(tag)
}

/// The To tag.
#[inline]
pub fn to_tag(headers: &Headers) -> Option<&str> {
    headers.get(&HeaderName::To).and_then(tag)
}

/// The Max-Forwards value (RFC 3261 §20.22), if present and a number. A
/// UA processes requests with Max-Forwards 0 like any other (RFC 4475
/// torture test `zeromf`); only proxies answer 483 (§16.3).
pub fn max_forwards(headers: &Headers) -> Option<u32> {
    headers.get(&HeaderName::MaxForwards)?.trim().parse().ok()
}

/// Matches a response to a client transaction (RFC 3261 §17.1.3).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ClientKey {
    /// The branch of the top Via.
    pub branch: Box<str>,
    /// The CSeq method (a CANCEL and its INVITE share the branch).
    pub method: Method,
}

/// A client transaction's key as the layer keeps it: the branch inline
/// when short (the layer's own branches are 23 bytes), so starting a
/// client transaction does not allocate for it.
#[derive(Clone, Debug)]
pub(crate) struct ClientTxnKey {
    pub(crate) branch: BranchText,
    pub(crate) method: Method,
}

/// A server transaction's key as the layer keeps it: [`ServerKey`] with
/// the branch inline when short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ServerTxnKey {
    /// As [`ServerKey::Branch`].
    Branch {
        branch: BranchText,
        host: Host,
        port: Option<u16>,
        method: Method,
    },
    /// As [`ServerKey::Legacy`].
    Legacy(Box<LegacyKey>),
}

impl ServerTxnKey {
    /// The layer's index hash (as [`ServerLookup::hash`]).
    pub(crate) fn index_hash(&self, state: &KeyedState) -> u64 {
        match self {
            ServerTxnKey::Branch {
                branch,
                host,
                port,
                method,
            } => branch_hash(state, branch.as_bytes(), host, *port, method),
            ServerTxnKey::Legacy(k) => state.hash_one(&**k),
        }
    }

    /// True for RFC 2543 fallback keys.
    pub(crate) fn is_legacy(&self) -> bool {
        matches!(self, ServerTxnKey::Legacy(_))
    }

    /// [`ServerKey::to_tag_matches`].
    pub(crate) fn to_tag_matches(
        &self,
        request: &Request,
        original_to_tag: Option<&str>,
        response_to_tag: Option<&str>,
    ) -> bool {
        !self.is_legacy() || legacy_to_tag_matches(request, original_to_tag, response_to_tag)
    }
}

/// The To-tag rule of RFC 2543 matching (RFC 3261 §17.2.3): an ACK
/// carries the tag of the response it acknowledges, any other request the
/// tag of the original request.
fn legacy_to_tag_matches(
    request: &Request,
    original_to_tag: Option<&str>,
    response_to_tag: Option<&str>,
) -> bool {
    let tag = to_tag(&request.headers);
    if request.method == Method::Ack {
        tag == response_to_tag
    } else {
        tag == original_to_tag
    }
}

/// A branch, inline up to 30 bytes.
#[derive(Clone, Debug)]
pub(crate) enum BranchText {
    Inline { len: u8, bytes: [u8; 30] },
    Heap(Box<str>),
}

impl PartialEq for BranchText {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for BranchText {}

impl BranchText {
    pub(crate) fn new(s: &str) -> BranchText {
        let mut bytes = [0u8; 30];
        match bytes.get_mut(..s.len()) {
            Some(b) => {
                b.copy_from_slice(s.as_bytes());
                BranchText::Inline {
                    len: s.len() as u8,
                    bytes,
                }
            }
            None => BranchText::Heap(s.into()),
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            BranchText::Inline { len, bytes } => &bytes[..*len as usize],
            BranchText::Heap(s) => s.as_bytes(),
        }
    }

    /// The text (copied from a `&str`, so always UTF-8).
    pub(crate) fn as_str(&self) -> &str {
        match self {
            BranchText::Inline { .. } => core::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            BranchText::Heap(s) => s,
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            BranchText::Inline { .. } => 0,
            BranchText::Heap(s) => s.len(),
        }
    }
}

/// The layer's index hash of a client key's parts (see
/// [`crate::transaction::layer`]'s match indexes): the same for the key a
/// transaction keeps and for the parts read from a response.
#[inline]
pub(crate) fn client_hash(state: &KeyedState, branch: &[u8], method: &Method) -> u64 {
    let mut h = state.build_hasher();
    h.write(branch);
    method.hash(&mut h);
    h.finish()
}

/// Why a message yields no matching key.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The top Via is missing or malformed.
    #[error(transparent)]
    Via(#[from] ViaError),
    /// The top Via has no branch (responses need one).
    #[error("top Via has no branch")]
    NoBranch,
    /// CSeq is missing or malformed.
    #[error("missing or malformed CSeq")]
    CSeq,
    /// Call-ID is missing.
    #[error("missing Call-ID")]
    CallId,
}

impl ClientKey {
    /// The key of a response: top Via branch and CSeq method.
    pub fn for_response(resp: &Response) -> Result<ClientKey, KeyError> {
        let (branch, method) = ClientKey::response_parts(resp)?;
        Ok(ClientKey {
            branch: branch.into(),
            method,
        })
    }

    /// The parts of [`ClientKey::for_response`], the branch borrowed.
    pub(crate) fn response_parts(resp: &Response) -> Result<(&str, Method), KeyError> {
        let fast = resp
            .headers
            .get(&HeaderName::Via)
            .and_then(top_branch_plain);
        let branch = match fast {
            Some(b) => Some(b),
            None => branch_of(top_via_text(&resp.headers)?),
        };
        let branch = branch.filter(|b| !b.is_empty()).ok_or(KeyError::NoBranch)?;
        let (_, method) = cseq(&resp.headers).ok_or(KeyError::CSeq)?;
        Ok((branch, method))
    }
}

/// Matches a request to a server transaction (RFC 3261 §17.2.3).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ServerKey {
    /// RFC 3261 matching: the branch carries the magic cookie.
    Branch {
        /// The branch.
        branch: Box<str>,
        /// The sent-by host, domain names lower-cased.
        host: Host,
        /// The sent-by port as written.
        port: Option<u16>,
        /// The method, with ACK taken as INVITE.
        method: Method,
    },
    /// RFC 2543 fallback; the To tag is checked apart (see
    /// [`ServerKey::to_tag_matches`]).
    Legacy(Box<LegacyKey>),
}

/// The RFC 2543 matching fields of §17.2.3: Request-URI, From tag,
/// Call-ID, CSeq and top Via (the To tag is compared apart).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct LegacyKey {
    /// The Request-URI.
    pub uri: Uri,
    /// The From tag.
    pub from_tag: Option<Box<str>>,
    /// The Call-ID.
    pub call_id: Box<str>,
    /// The CSeq number.
    pub cseq: u32,
    /// The method, with ACK taken as INVITE.
    pub method: Method,
    /// The top Via value as written.
    pub via: Box<str>,
}

fn transaction_method(m: &Method) -> Method {
    match m {
        Method::Ack => Method::Invite,
        other => other.clone(),
    }
}

impl ServerKey {
    /// The key of a request, with its method replaced by `method` (a CANCEL
    /// looks up its INVITE this way, §9.2). Must be computed before the
    /// layer adds `received`/`rport` to the Via.
    pub fn for_request_as(req: &Request, method: &Method) -> Result<ServerKey, KeyError> {
        let top = top_via_text(&req.headers)?;
        let via = ViaRef::parse(top).map_err(ViaError::from)?;
        ServerKey::with_top_via(req, &via, method)
    }

    /// As [`ServerKey::for_request_as`], for a caller that already read
    /// the top Via: the receive path reads it once for matching,
    /// `received` stamping and response routing.
    pub fn with_top_via(
        req: &Request,
        via: &ViaRef<'_>,
        method: &Method,
    ) -> Result<ServerKey, KeyError> {
        ServerKey::with_parts(
            req,
            via.branch(),
            &via.host(),
            via.port(),
            via.as_str(),
            method,
        )
    }

    fn with_parts(
        req: &Request,
        branch: Option<&str>,
        host: &Host,
        port: Option<u16>,
        via_text: &str,
        method: &Method,
    ) -> Result<ServerKey, KeyError> {
        Ok(ServerLookup::with_parts(req, branch, host, port, via_text, method)?.into_owned())
    }

    /// The key of a request (ACK maps to the INVITE transaction).
    pub fn for_request(req: &Request) -> Result<ServerKey, KeyError> {
        ServerKey::for_request_as(req, &req.method)
    }

    /// True for RFC 2543 fallback keys.
    pub fn is_legacy(&self) -> bool {
        matches!(self, ServerKey::Legacy(_))
    }

    /// The RFC 2543 To-tag rule (§17.2.3): a request other than ACK must
    /// carry the To tag of the request that created the transaction; an
    /// ACK must carry the To tag of the response the transaction sent.
    /// Always true for RFC 3261 keys.
    pub fn to_tag_matches(
        &self,
        request: &Request,
        original_to_tag: Option<&str>,
        response_to_tag: Option<&str>,
    ) -> bool {
        !self.is_legacy() || legacy_to_tag_matches(request, original_to_tag, response_to_tag)
    }
}

/// A server key as the receive path looks it up (RFC 3261 §17.2.3): the
/// branch and sent-by borrowed from the request's top Via, so a request
/// that creates no transaction (the ACK of a 2xx) copies nothing.
#[derive(Clone, Debug)]
pub(crate) enum ServerLookup<'a> {
    /// As [`ServerKey::Branch`]; the host as read (a domain in any case).
    Branch {
        branch: &'a str,
        host: &'a Host,
        port: Option<u16>,
        /// Already mapped (ACK taken as INVITE).
        method: &'a Method,
    },
    /// As [`ServerKey::Legacy`].
    Legacy(Box<LegacyKey>),
}

/// The method a request matches transactions by: ACK as INVITE.
fn transaction_method_ref(m: &Method) -> &Method {
    match m {
        Method::Ack => &Method::Invite,
        other => other,
    }
}

/// The index hash of a [`ServerKey::Branch`]'s fields; domain names are
/// hashed lower-cased, so a lookup with the host as written and the key
/// (lower-cased once) agree.
fn branch_hash(
    state: &KeyedState,
    branch: &[u8],
    host: &Host,
    port: Option<u16>,
    method: &Method,
) -> u64 {
    let mut h = state.build_hasher();
    h.write(branch);
    let port = port.map_or(0, |p| 0x1_0000 | u64::from(p));
    match host {
        Host::Ipv4(a) => h.write_u64(port << 32 | u64::from(u32::from(*a))),
        Host::Ipv6(a) => {
            h.write_u64(port | 1 << 40);
            h.write_u128(u128::from(*a));
        }
        Host::Domain(d) => {
            h.write_u64(port | 2 << 40);
            let mut buf = [0u8; 32];
            for chunk in d.as_bytes().chunks(buf.len()) {
                let lower = &mut buf[..chunk.len()];
                lower.copy_from_slice(chunk);
                lower.make_ascii_lowercase();
                h.write(lower);
            }
        }
    }
    method.hash(&mut h);
    h.finish()
}

impl<'a> ServerLookup<'a> {
    /// The lookup form of [`ServerKey::with_top_via`], from the fields the
    /// receive path read of the top Via.
    pub(crate) fn with_via_parts(
        req: &Request,
        via: &'a crate::transaction::layer::TopVia<'a>,
        method: &'a Method,
    ) -> Result<Self, KeyError> {
        ServerLookup::with_parts(req, via.branch, &via.host, via.port, via.text, method)
    }

    fn with_parts(
        req: &Request,
        branch: Option<&'a str>,
        host: &'a Host,
        port: Option<u16>,
        via_text: &str,
        method: &'a Method,
    ) -> Result<Self, KeyError> {
        let h = &req.headers;
        match branch {
            Some(b) if b.starts_with(MAGIC_COOKIE) => Ok(ServerLookup::Branch {
                branch: b,
                host,
                port,
                method: transaction_method_ref(method),
            }),
            _ => Ok(ServerLookup::Legacy(Box::new(LegacyKey {
                uri: req.uri.clone(),
                from_tag: from_tag(h).map(Into::into),
                call_id: call_id(h).ok_or(KeyError::CallId)?.into(),
                cseq: cseq(h).ok_or(KeyError::CSeq)?.0,
                method: transaction_method(method),
                via: via_text.into(),
            }))),
        }
    }

    /// The layer's index hash (equal to [`ServerKey::index_hash`] of the
    /// owned key).
    pub(crate) fn hash(&self, state: &KeyedState) -> u64 {
        match self {
            ServerLookup::Branch {
                branch,
                host,
                port,
                method,
            } => branch_hash(state, branch.as_bytes(), host, *port, method),
            ServerLookup::Legacy(k) => state.hash_one(&**k),
        }
    }

    /// True when `key` is the kept form of this lookup.
    pub(crate) fn matches(&self, key: &ServerTxnKey) -> bool {
        match (self, key) {
            (
                ServerLookup::Branch {
                    branch,
                    host,
                    port,
                    method,
                },
                ServerTxnKey::Branch {
                    branch: b,
                    host: h,
                    port: p,
                    method: m,
                },
            ) => {
                branch.as_bytes() == b.as_bytes()
                    && port == p
                    && *method == m
                    && match (host, h) {
                        // The key's domain is lower-cased.
                        (Host::Domain(x), Host::Domain(y)) => x.eq_ignore_ascii_case(y),
                        (x, y) => *x == y,
                    }
            }
            (ServerLookup::Legacy(a), ServerTxnKey::Legacy(b)) => a == b,
            _ => false,
        }
    }

    /// The key a new server transaction keeps.
    pub(crate) fn into_txn_key(self) -> ServerTxnKey {
        match self {
            ServerLookup::Branch {
                branch,
                host,
                port,
                method,
            } => ServerTxnKey::Branch {
                branch: BranchText::new(branch),
                host: match host {
                    Host::Domain(d) => Host::Domain(d.to_ascii_lowercase()),
                    other => other.clone(),
                },
                port,
                method: method.clone(),
            },
            ServerLookup::Legacy(k) => ServerTxnKey::Legacy(k),
        }
    }

    /// The key to keep for a new transaction.
    pub(crate) fn into_owned(self) -> ServerKey {
        match self {
            ServerLookup::Branch {
                branch,
                host,
                port,
                method,
            } => ServerKey::Branch {
                branch: branch.into(),
                host: match host {
                    Host::Domain(d) => Host::Domain(d.to_ascii_lowercase()),
                    other => other.clone(),
                },
                port,
                method: method.clone(),
            },
            ServerLookup::Legacy(k) => ServerKey::Legacy(k),
        }
    }
}

/// Identifies requests that may be merged copies of one another (RFC 3261
/// §8.2.2.2): From tag, Call-ID and CSeq.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct MergeKey {
    /// The From tag.
    pub from_tag: Box<str>,
    /// The Call-ID.
    pub call_id: Box<str>,
    /// The CSeq number.
    pub cseq: u32,
    /// The CSeq method.
    pub method: Method,
}

impl MergeKey {
    /// The key of a request, if it has a From tag, a Call-ID and a CSeq.
    pub fn for_request(req: &Request) -> Option<MergeKey> {
        let h = &req.headers;
        let (cseq, method) = cseq(h)?;
        Some(MergeKey {
            from_tag: from_tag(h)?.into(),
            call_id: call_id(h)?.into(),
            cseq,
            method,
        })
    }
}

/// The layer's index form of a [`MergeKey`]: From tag and Call-ID in one
/// allocation. Equal exactly when the [`MergeKey`]s are.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) struct PackedMergeKey {
    /// The From tag, then the Call-ID.
    text: Box<str>,
    /// Where the Call-ID starts in `text`.
    split: u32,
    cseq: u32,
    method: Method,
}

impl PackedMergeKey {
    /// The layer's index hash.
    pub(crate) fn index_hash(&self, state: &KeyedState) -> u64 {
        state.hash_one(self)
    }

    /// The key of a request, as [`MergeKey::for_request`].
    pub(crate) fn for_request(req: &Request) -> Option<PackedMergeKey> {
        let h = &req.headers;
        let (cseq, method) = cseq(h)?;
        let from_tag = from_tag(h)?;
        let call_id = call_id(h)?;
        let mut text = String::with_capacity(from_tag.len() + call_id.len());
        text.push_str(from_tag);
        text.push_str(call_id);
        Some(PackedMergeKey {
            text: text.into_boxed_str(),
            split: from_tag.len() as u32,
            cseq,
            method,
        })
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.len()
    }

    #[cfg(test)]
    fn unpack(&self) -> MergeKey {
        let (from_tag, call_id) = self.text.split_at(self.split as usize);
        MergeKey {
            from_tag: from_tag.into(),
            call_id: call_id.into(),
            cseq: self.cseq,
            method: self.method.clone(),
        }
    }
}

#[cfg(test)]
#[path = "key_tests.rs"]
mod tests;
