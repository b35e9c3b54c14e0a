//! Requests the application answers itself ([`IncomingRequest`]), and the
//! default answer when it does not in time.

use super::UserAgent;
use crate::body::Body;
use crate::error::RequestError;
use crate::ids::{RequestId, SessionId};
use crate::session::in_dialog::default_status;
use sip_core::header::HeaderName;
use sip_core::message::Request;
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::Instant;

/// A request waiting for the application's answer (see
/// [`Event::Request`](crate::Event::Request)). Answer it once; if it is not
/// answered within
/// [`request_answer_timeout`](crate::UserAgentConfig::request_answer_timeout)
/// the agent sends SIP.js's default answer.
pub struct IncomingRequest<'a> {
    pub(crate) ua: &'a mut UserAgent,
    pub(crate) id: RequestId,
}

impl IncomingRequest<'_> {
    /// The request.
    pub fn request(&self) -> &Request {
        &self.ua.core.requests[&self.id].request
    }

    /// The session whose dialog it came in.
    pub fn session(&self) -> Option<SessionId> {
        self.ua.core.requests[&self.id].session
    }

    /// Answers 200 (202 for REFER, RFC 3515 §2.4.2).
    pub fn accept(self, now: Instant) -> Result<(), RequestError> {
        let status = if self.request().method == Method::Refer {
            StatusCode::ACCEPTED
        } else {
            StatusCode::OK
        };
        self.respond(now, status, &[], None)
    }

    /// Answers with a final status of 300-699.
    pub fn reject(self, now: Instant, status: StatusCode) -> Result<(), RequestError> {
        if !(300..700).contains(&status.as_u16()) {
            return Err(RequestError::InvalidStatus(status));
        }
        self.respond(now, status, &[], None)
    }

    /// Answers with any final status (200-699), extra headers and a body.
    pub fn respond(
        self,
        now: Instant,
        status: StatusCode,
        extra_headers: &[(HeaderName, String)],
        body: Option<&Body>,
    ) -> Result<(), RequestError> {
        if !(200..700).contains(&status.as_u16()) {
            return Err(RequestError::InvalidStatus(status));
        }
        let Some(p) = self.ua.core.requests.remove(&self.id) else {
            return Ok(());
        };
        let core = &mut self.ua.core;
        let mut r = core.response(&p.request, status, p.to_tag.as_deref());
        for (n, v) in extra_headers {
            r.headers.push(n.clone(), v);
        }
        if let Some(b) = body {
            b.apply_to_response(&mut r);
        }
        core.send_response(now, self.id.0, r);
        Ok(())
    }
}

/// The application did not answer request `id` in time: the default.
pub(crate) fn answer_default(ua: &mut UserAgent, now: Instant, id: RequestId) {
    let Some(p) = ua.core.requests.remove(&id) else {
        return;
    };
    let status = default_status(&p.request.method);
    let r = ua.core.response(&p.request, status, p.to_tag.as_deref());
    ua.core.send_response(now, id.0, r);
}
