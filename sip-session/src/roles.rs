//! What the non-session roles share: the table of
//! [`Registerer`](crate::registerer)s and outgoing out-of-dialog requests
//! ([`messager`](crate::messager)), their error type, and the UAC steps
//! every non-INVITE request takes (digest retry, RFC 3261 §22.2; the
//! synthesized final response of §8.1.3.1).

use crate::error::RouteError;
use crate::messager::{OutgoingData, OutgoingId};
use crate::registerer::{RegistererData, RegistererId};
use crate::user_agent::core::Core;
use sip_core::auth::{AuthSession, DigestClient};
use sip_core::header::HeaderName;
use sip_core::message::{Request, Response};
use sip_core::status::StatusCode;
use sip_core::transaction::SendError;
use std::collections::BTreeMap;

/// Why a Registerer or out-of-dialog request command was refused. A
/// refused command sends nothing and changes nothing.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoleError {
    /// The Registerer was disposed (Terminated).
    #[error("terminated")]
    Terminated,
    /// A REGISTER of this Registerer is still waiting for its final
    /// response (RFC 3261 §10.2: one at a time).
    #[error("a request is pending")]
    RequestPending,
    /// The next hop could not be determined.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// The transaction layer refused to send.
    #[error(transparent)]
    Send(#[from] SendError),
}

impl From<crate::SessionError> for RoleError {
    fn from(e: crate::SessionError) -> Self {
        match e {
            crate::SessionError::Route(r) => RoleError::Route(r),
            crate::SessionError::Send(s) => RoleError::Send(s),
            _ => RoleError::Terminated,
        }
    }
}

/// The Registerers and pending out-of-dialog requests of one agent.
#[derive(Default)]
pub(crate) struct Roles {
    pub registerers: BTreeMap<RegistererId, RegistererData>,
    pub next_registerer: u32,
    pub outgoing: BTreeMap<OutgoingId, OutgoingData>,
    pub next_outgoing: u32,
    pub subs: crate::subscription::Subscriptions,
    pub publishers: BTreeMap<crate::publisher::PublisherId, crate::publisher::PublisherData>,
    pub next_publisher: u32,
}

/// How a client transaction of a role ended, or a response in it.
pub(crate) enum Reply {
    /// A response (provisional or final) arrived.
    Response(Response),
    /// No response: 408 on timeout, 503 on a transport error (RFC 3261
    /// §8.1.3.1).
    Failed(StatusCode),
}

impl Reply {
    /// The response, synthesized for a failure.
    pub(crate) fn into_response(self) -> Response {
        match self {
            Reply::Response(r) => r,
            Reply::Failed(s) => Response::new(s),
        }
    }
}

/// The CSeq number of `req`.
pub(crate) fn cseq_of(req: &Request) -> u32 {
    req.headers
        .get(&HeaderName::CSeq)
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// RFC 3261 §22.2: the request again with credentials for the challenges
/// of `resp`, a new CSeq and no Via (a new branch follows), or `None`
/// when there are no credentials or the guard gives up.
pub(crate) fn auth_retry(
    core: &mut Core,
    req: &Request,
    auth: &mut AuthSession,
    digest: &mut Option<DigestClient>,
    resp: &Response,
) -> Option<Request> {
    let creds = core.cfg.credentials.clone()?;
    let client = digest.get_or_insert_with(|| DigestClient::new(creds));
    let uri = req.uri.to_string();
    let auths = auth
        .handle_challenge(
            client,
            &resp.headers,
            &req.method,
            &uri,
            &req.body,
            &mut core.tokens,
        )
        .ok()?;
    let mut next = req.clone();
    next.headers.set(
        HeaderName::CSeq,
        format!("{} {}", cseq_of(req) + 1, req.method),
    );
    sip_core::auth::apply_all(&mut next.headers, &auths);
    next.headers.remove(&HeaderName::Via);
    Some(next)
}
