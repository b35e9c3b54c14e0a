//! The INVITE sent again in a new transaction after a challenge (RFC 3261
//! §22.2: 401/407 with credentials) or a 422 (RFC 4028 §7.4: a larger
//! `Min-SE`).

use super::{forget_forks, send_kept};
use crate::session::{SessionData, SessionState};
use crate::user_agent::core::Core;
use sip_core::auth::DigestClient;
use sip_core::header::HeaderName;
use sip_core::message::{Request, Response};
use sip_core::method::Method;
use sip_core::time::Instant;

/// RFC 3261 §22.2: a 401/407 answered with credentials (RFC 7616, RFC
/// 8760), when the user agent has some and the challenge is new.
pub(super) fn try_auth(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    resp: &Response,
) -> bool {
    if s.state != SessionState::Establishing {
        return false;
    }
    let Some(creds) = core.cfg.credentials.clone() else {
        return false;
    };
    let Some(u) = s.uac.as_mut() else {
        return false;
    };
    let digest = u.digest.get_or_insert_with(|| DigestClient::new(creds));
    let uri = u.invite.uri.to_string();
    let auths = match u.auth.handle_challenge(
        digest,
        &resp.headers,
        &Method::Invite,
        &uri,
        &u.invite.body,
        &mut core.tokens,
    ) {
        Ok(a) => a,
        Err(_) => return false,
    };
    // RFC 3261 §22.2: same request, new CSeq and branch, credentials.
    let mut req = u.invite.clone();
    u.invite_seq += 1;
    req.headers
        .set(HeaderName::CSeq, format!("{} INVITE", u.invite_seq));
    sip_core::auth::apply_all(&mut req.headers, &auths);
    req.headers.remove(&HeaderName::Via);
    resend(core, s, now, req)
}

/// RFC 4028 §7.4: a 422 names the `Min-SE` to use: the INVITE again
/// (new CSeq and branch) with `Session-Expires` and `Min-SE` raised.
pub(super) fn retry_min_se(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    resp: &Response,
) -> bool {
    if s.state != SessionState::Establishing || core.cfg.session_timer.is_none() {
        return false;
    }
    let Some(min) = crate::session::session_timer::min_se_of_422(resp) else {
        return false;
    };
    let Some(u) = s.uac.as_mut() else {
        return false;
    };
    let asked = u
        .invite
        .headers
        .get(&HeaderName::SessionExpires)
        .and_then(|v| v.split(';').next()?.trim().parse::<u32>().ok());
    if asked.is_some_and(|a| a >= min) || min > 86_400 {
        return false;
    }
    let mut req = u.invite.clone();
    u.invite_seq += 1;
    req.headers
        .set(HeaderName::CSeq, format!("{} INVITE", u.invite_seq));
    req.headers.set(HeaderName::SessionExpires, min.to_string());
    req.headers.set(HeaderName::MinSe, min.to_string());
    req.headers.remove(&HeaderName::Via);
    resend(core, s, now, req)
}

/// Sends `req` (the kept INVITE with a new CSeq) in a new transaction and
/// makes it the INVITE of the session: the forks of the old one are
/// forgotten. False when it could not be sent.
fn resend(core: &mut Core, s: &mut SessionData, now: Instant, req: Request) -> bool {
    match send_kept(core, now, req, s.id) {
        Ok(((txn, _), req)) => {
            let u = s.uac.as_mut().expect("inviter");
            u.invite = req;
            u.may_have_credentials = true;
            u.request_lines = None;
            u.txn = Some(txn);
            u.provisional = false;
            let forks = std::mem::take(&mut u.forks);
            forget_forks(core, s.id, &forks, None);
            true
        }
        Err(_) => false,
    }
}
