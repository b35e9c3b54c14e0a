//! Session timers (RFC 4028), off unless
//! [`UserAgentConfig::session_timer`](crate::UserAgentConfig::session_timer)
//! is set: `Session-Expires` and `Min-SE` on the INVITE (§7.1), 422 with
//! `Min-SE` for an interval below ours (§8.1), the interval and refresher
//! chosen in the 2xx (§9), a refresh by UPDATE (or a re-INVITE without an
//! offer) at half the interval by the refresher (§10), and a BYE from the
//! other side when the session expires unrefreshed (§10: at the interval
//! minus the lesser of 32 s and a third of it).

use super::{SessionData, SessionState};
use crate::events::TerminationCause;
use crate::timers::SessionTimer;
use crate::user_agent::core::Core;
use sip_core::header::HeaderName;
use sip_core::message::{Request, Response};
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::Headers;

/// The option tag of RFC 4028.
pub const TIMER_TAG: &str = "timer";

/// Session timer settings (RFC 4028).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SessionTimerConfig {
    /// The interval asked for (`Session-Expires`), in seconds (default
    /// 1800, §4).
    pub session_expires: u32,
    /// The smallest interval accepted (`Min-SE`), in seconds (default and
    /// lower bound 90, §5).
    pub min_se: u32,
    /// Refresh with UPDATE (RFC 3311; the peer must allow it); `false`
    /// refreshes with a re-INVITE without an offer.
    pub refresh_with_update: bool,
}

impl Default for SessionTimerConfig {
    fn default() -> Self {
        SessionTimerConfig {
            session_expires: 1800,
            min_se: 90,
            refresh_with_update: true,
        }
    }
}

/// What was agreed for a session.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Negotiated {
    /// The interval, seconds.
    pub interval: u32,
    /// This side sends the refreshes.
    pub we_refresh: bool,
}

/// `Session-Expires: delta[;refresher=uac|uas]`.
fn parse_se(h: &Headers) -> Option<(u32, Option<bool>)> {
    let v = h.get(&HeaderName::SessionExpires)?;
    let mut parts = v.split(';');
    let delta = parts.next()?.trim().parse().ok()?;
    let mut refresher = None;
    for p in parts {
        let p = p.trim().to_ascii_lowercase();
        if let Some(r) = p.strip_prefix("refresher=") {
            refresher = Some(r.trim() == "uac");
        }
    }
    Some((delta, refresher))
}

fn supports_timer(h: &Headers) -> bool {
    h.values(&HeaderName::Supported)
        .chain(h.values(&HeaderName::Require))
        .any(|t| t.eq_ignore_ascii_case(TIMER_TAG))
}

/// The INVITE asks for the configured interval (§7.1).
pub(crate) fn on_invite(core: &Core, req: &mut Request) {
    if let Some(c) = core.cfg.session_timer {
        req.headers
            .push(HeaderName::SessionExpires, c.session_expires.to_string());
        req.headers.push(HeaderName::MinSe, c.min_se.to_string());
    }
}

/// A new INVITE asking for less than our `Min-SE`: the 422 to send, with
/// our `Min-SE` (§8.1).
pub(crate) fn too_small(core: &Core, req: &Request) -> Option<u32> {
    let c = core.cfg.session_timer?;
    let (delta, _) = parse_se(&req.headers)?;
    (delta < c.min_se).then_some(c.min_se)
}

/// UAS: the 2xx to `invite` gets `Session-Expires` (and `Require: timer`
/// when the caller supports it); returns what was agreed (§9).
pub(crate) fn on_uas_2xx(core: &Core, invite: &Request, r: &mut Response) -> Option<Negotiated> {
    let c = core.cfg.session_timer?;
    let (asked, refresher) = match parse_se(&invite.headers) {
        Some((d, r)) => (d.max(c.min_se), r),
        None => (c.session_expires, None),
    };
    let uac_supports = supports_timer(&invite.headers);
    // The caller refreshes when it supports timers and did not leave it
    // to us; otherwise we do.
    let uac_refreshes = uac_supports && refresher.unwrap_or(true);
    let who = if uac_refreshes { "uac" } else { "uas" };
    r.headers.push(
        HeaderName::SessionExpires,
        format!("{asked};refresher={who}"),
    );
    if uac_supports {
        r.headers.push(HeaderName::Require, TIMER_TAG);
    }
    Some(Negotiated {
        interval: asked,
        we_refresh: !uac_refreshes,
    })
}

/// UAC: what the 2xx agreed (§7.2); without `Session-Expires` the UAC
/// refreshes with its own interval.
pub(crate) fn on_uac_2xx(core: &Core, r: &Response) -> Option<Negotiated> {
    let c = core.cfg.session_timer?;
    Some(match parse_se(&r.headers) {
        Some((d, refresher)) => Negotiated {
            interval: d.max(1),
            we_refresh: refresher.unwrap_or(true),
        },
        None => Negotiated {
            interval: c.session_expires,
            we_refresh: true,
        },
    })
}

/// The session is up with `n`: arm the refresh or the expiry.
pub(crate) fn start(core: &mut Core, s: &mut SessionData, now: Instant, n: Negotiated) {
    s.session_timer = Some(n);
    arm(core, s, now);
}

fn arm(core: &mut Core, s: &mut SessionData, now: Instant) {
    let Some(n) = s.session_timer else { return };
    let ms = u64::from(n.interval) * 1000;
    if n.we_refresh {
        s.timers.stop(SessionTimer::SessionExpiry);
        core.arm(
            s,
            SessionTimer::SessionRefresh,
            now + Duration::from_millis(ms / 2),
        );
    } else {
        s.timers.stop(SessionTimer::SessionRefresh);
        let margin = (ms / 3).min(32_000);
        core.arm(
            s,
            SessionTimer::SessionExpiry,
            now + Duration::from_millis(ms - margin),
        );
    }
}

/// The peer refreshed the session (a re-INVITE or UPDATE answered 2xx):
/// the 2xx repeats `Session-Expires` and the expiry starts again.
pub(crate) fn on_refreshed(core: &mut Core, s: &mut SessionData, now: Instant, r: &mut Response) {
    let Some(n) = s.session_timer else { return };
    let who = if n.we_refresh { "uas" } else { "uac" };
    r.headers.push(
        HeaderName::SessionExpires,
        format!("{};refresher={who}", n.interval),
    );
    arm(core, s, now);
}

/// A timer of this module fired.
pub(crate) fn on_timer(core: &mut Core, s: &mut SessionData, now: Instant, t: SessionTimer) {
    if s.state != SessionState::Established {
        return;
    }
    let Some(n) = s.session_timer else { return };
    match t {
        SessionTimer::SessionRefresh => {
            let header = (
                HeaderName::SessionExpires,
                format!("{};refresher=uac", n.interval),
            );
            let refresh_with_update = core.cfg.session_timer.is_none_or(|c| c.refresh_with_update);
            // A refresh that cannot go now (an offer or INVITE in
            // progress) is tried again a little later.
            let sent = if refresh_with_update {
                let opts = super::UpdateOptions {
                    body: None,
                    extra_headers: vec![header],
                };
                super::update::send(core, s, now, opts)
            } else {
                let opts = super::ReinviteOptions {
                    body: None,
                    extra_headers: vec![header],
                };
                super::reinvite::send(core, s, now, opts)
            };
            if sent.is_ok() {
                arm(core, s, now);
            } else {
                core.arm(
                    s,
                    SessionTimer::SessionRefresh,
                    now + Duration::from_secs(2),
                );
            }
        }
        SessionTimer::SessionExpiry => {
            // §10: the session expired unrefreshed: BYE.
            super::reinvite::end_pending(core, s, now);
            if let Some(d) = s.dialog.as_mut() {
                let _ = super::lifecycle::send_bye(
                    core,
                    now,
                    d,
                    Some((StatusCode::REQUEST_TIMEOUT, "Session timer expired")),
                    &[],
                );
            }
            super::lifecycle::terminate(core, s, TerminationCause::SessionExpired);
        }
        _ => {}
    }
}

/// UAC: a 422 to the INVITE names the `Min-SE` to use (§7.4).
pub(crate) fn min_se_of_422(r: &Response) -> Option<u32> {
    r.headers
        .get(&HeaderName::MinSe)?
        .split(';')
        .next()?
        .trim()
        .parse()
        .ok()
}
