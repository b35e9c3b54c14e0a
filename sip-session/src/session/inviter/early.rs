//! Provisional responses to the INVITE (RFC 3261 §13.2.2.1): early
//! dialogs per fork, reliable ones acknowledged with PRACK (RFC 3262),
//! early answers and offers.

use super::{send_cancel, Fork, Pending};
use crate::body::{classify, Body, BodyKind};
use crate::events::Event;
use crate::ids::SessionId;
use crate::offer_answer::{DescriptionKind, SignalingState};
use crate::session::update::offer_in_progress;
use crate::session::{SessionData, SessionState};
use crate::timers::SessionTimer;
use crate::user_agent::core::{Core, Link};
use sip_core::dialog::{Dialog, KnownLines};
use sip_core::header::{option_tag, HeaderName, PAssertedIdentity, RAck, RSeq};
use sip_core::message::Response;

use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
use sip_core::transaction::TransactionId;
pub(crate) fn on_provisional(core: &mut Core, s: &mut SessionData, now: Instant, resp: &Response) {
    if !matches!(
        s.state,
        SessionState::Establishing | SessionState::Terminating
    ) {
        return;
    }
    if let Some(u) = s.uac.as_mut() {
        u.provisional = true;
    }
    send_cancel(core, s, now);
    if s.state != SessionState::Establishing {
        return;
    }
    // One pass over the lines: the first To and Contact, and which of the
    // lines read only when present are there (the dialog's lines among
    // them, `answer`).
    let (mut asserted, mut require, mut has_rseq) = (false, false, false);
    let mut answer = KnownLines::default();
    for l in &resp.headers {
        match l.name {
            HeaderName::To => {
                answer.to.get_or_insert(l.value);
            }
            HeaderName::PAssertedIdentity => asserted = true,
            HeaderName::Require => require = true,
            HeaderName::RSeq => has_rseq = true,
            HeaderName::Contact => {
                answer.contact_line.get_or_insert(l.value);
            }
            HeaderName::RecordRoute => answer.record_route = true,
            _ => {}
        }
    }
    let (to, contact) = (answer.to, answer.contact_line.is_some());
    if asserted {
        if let Some(Ok(p)) = resp.headers.typed::<PAssertedIdentity>() {
            s.asserted_identity = Some(p.0.to_string().into());
        }
    }
    let reliable = require
        && resp
            .headers
            .values(&HeaderName::Require)
            .any(|t| t.eq_ignore_ascii_case(option_tag::REL100));
    let rseq = if has_rseq {
        resp.headers
            .typed::<RSeq>()
            .and_then(Result::ok)
            .map(|r| r.0)
    } else {
        None
    };
    let reliable = reliable && rseq.is_some();
    let tag = sip_core::transaction::key::tag(to.unwrap_or(""));
    let (Some(tag), true) = (tag, contact || reliable) else {
        core.emit(Event::Progress {
            session: s.id,
            status: resp.status,
            reliable: false,
        });
        return;
    };
    let id = s.id;
    let oa0 = s.oa;
    let other_offer_open = prack_offer_open(s, tag) || offer_in_progress(s, tag);
    let max_forks = core.cfg.max_forks;
    let cfg = &core.cfg;
    let body = classify(&resp.headers, &resp.body, |ct| cfg.accepts_content_type(ct));
    let u = s.uac.as_mut().expect("inviter");
    let idx = match u.forks.iter().position(|f| f.dialog.remote_tag() == tag) {
        Some(i) => {
            let _ = u.forks[i].dialog.receive_response_lines(resp, answer);
            Some(i)
        }
        None if u.forks.len() < max_forks => {
            match u.new_dialog(&s.identities, resp, tag, answer) {
                Ok(dialog) => {
                    // Indexed so that the callee's requests in the early
                    // dialog (UPDATE, RFC 3311) and an INVITE with Replaces
                    // naming it (RFC 3891 §3) find the session.
                    core.dialogs.insert(dialog.id().clone(), id);
                    u.forks.push(Fork {
                        dialog,
                        oa: oa0,
                        answer: None,
                        remote: None,
                        last_rseq: None,
                        oa_final: false,
                    });
                    Some(u.forks.len() - 1)
                }
                Err(_) => None,
            }
        }
        None => None,
    };
    let Some(i) = idx else {
        core.emit(Event::Progress {
            session: id,
            status: resp.status,
            reliable: false,
        });
        return;
    };
    let fork = &mut u.forks[i];
    if reliable {
        let r = rseq.expect("checked");
        // RFC 3262 §4: only the next RSeq in order; retransmissions and
        // out-of-order responses are dropped.
        if fork.last_rseq.is_some_and(|last| r != last.wrapping_add(1)) {
            return;
        }
        fork.last_rseq = Some(r);
    }
    let mut early_answer = None;
    if let BodyKind::Session(b) = body {
        // RFC 6337 §3.1: the description this early dialog already gave,
        // again, is neither a new offer nor a new answer.
        let again = fork.remote.as_ref() == Some(&b);
        match fork.oa.state() {
            // An offer of ours in a PRACK or UPDATE is answered in that
            // request's 2xx (RFC 3262 §5, RFC 3311 §5.1), not here.
            SignalingState::HaveLocalOffer if !again && !other_offer_open => {
                let _ = fork.oa.remote_answer();
                fork.oa_final = reliable;
                fork.remote = Some(b.clone());
                let first = u.early_media_tag.as_deref().is_none_or(|t| t == tag);
                if u.early_media && first {
                    u.early_media_tag = Some(tag.into());
                    early_answer = Some(b);
                } else {
                    fork.answer = Some(b);
                }
            }
            // RFC 3261 §13.2.1, RFC 6337 §3.1.1: the answer came in an
            // unreliable 1xx, a preview; the first reliable 1xx carrying
            // it completes the exchange. It should be the same; if not,
            // the reliable copy is the answer.
            SignalingState::Stable if !fork.oa_final && reliable => {
                fork.oa_final = true;
                if !again {
                    fork.remote = Some(b.clone());
                    if u.early_media_tag.as_deref() == Some(tag) {
                        early_answer = Some(b);
                    } else {
                        fork.answer = Some(b);
                    }
                }
            }
            SignalingState::Initial | SignalingState::Stable if reliable && !again => {
                // A new offer in a reliable 1xx, after the exchange
                // completed or with no offer in the INVITE (RFC 3262 §5):
                // the answer goes in the PRACK once the application gives
                // it.
                let _ = fork.oa.remote_offer();
                fork.remote = Some(b.clone());
                let rack = RAck {
                    rseq: rseq.expect("checked"),
                    cseq: u.invite_seq,
                    method: Method::Invite,
                };
                u.pending = Some(Pending::Prack {
                    tag: tag.into(),
                    rack,
                });
                core.emit(Event::Progress {
                    session: id,
                    status: resp.status,
                    reliable,
                });
                core.emit(Event::RemoteDescription {
                    session: id,
                    kind: DescriptionKind::Offer,
                    body: b,
                    early: true,
                });
                core.emit(Event::DescriptionRequested {
                    session: id,
                    kind: DescriptionKind::Answer,
                });
                let at = now + core.cfg.description_timeout;
                core.arm(s, SessionTimer::Description, at);
                return;
            }
            // SIP.js discards an offer in an unreliable 1xx; a copy of the
            // last description is ignored.
            _ => {}
        }
    }
    if reliable {
        let rack = RAck {
            rseq: rseq.expect("checked"),
            cseq: u.invite_seq,
            method: Method::Invite,
        };
        // RFC 3262 §5: once the exchange is complete, the PRACK may carry
        // a new offer, answered in its 200.
        let fork = &mut u.forks[i];
        let offer = if fork.oa_final && fork.oa.state() == SignalingState::Stable {
            u.prack_offer.take()
        } else {
            None
        };
        let sent = send_prack(core, &mut fork.dialog, now, id, &rack, offer.as_ref());
        if let (Some(_), Some(txn)) = (&offer, sent) {
            let _ = fork.oa.local_offer();
            u.prack_offered = Some((txn, tag.into()));
        }
    }
    core.emit(Event::Progress {
        session: id,
        status: resp.status,
        reliable,
    });
    if let Some(body) = early_answer {
        core.emit(Event::RemoteDescription {
            session: id,
            kind: DescriptionKind::Answer,
            body,
            early: true,
        });
    }
}

/// Sends a PRACK in an early dialog (RFC 3262 §7.2).
pub(crate) fn send_prack(
    core: &mut Core,
    dialog: &mut Dialog,
    now: Instant,
    id: SessionId,
    rack: &RAck,
    body: Option<&Body>,
) -> Option<TransactionId> {
    let mut req = dialog.request(Method::Prack);
    req.headers.push(HeaderName::RAck, rack.to_string());
    if let Some(b) = body {
        b.apply_to_request(&mut req);
    }
    core.send_request(now, req, Link::Prack(id))
        .ok()
        .map(|(txn, _)| txn)
}

/// The final response to a PRACK (or a synthesized 408/503): the answer
/// to an offer it carried (RFC 3262 §5) is handed over, or the offer
/// rolled back.
pub(crate) fn on_prack_response(
    core: &mut Core,
    s: &mut SessionData,
    txn: TransactionId,
    status: StatusCode,
    resp: Option<&Response>,
) {
    if status.as_u16() < 200 {
        return;
    }
    let Some(u) = s.uac.as_mut() else { return };
    let tag = match &u.prack_offered {
        Some((t, tag)) if *t == txn => tag.clone(),
        _ => return,
    };
    u.prack_offered = None;
    let cfg = &core.cfg;
    let body = match resp {
        Some(r) if status.is_success() => {
            classify(&r.headers, &r.body, |ct| cfg.accepts_content_type(ct))
        }
        _ => BodyKind::None,
    };
    // The early dialog, or the confirmed one if the 2xx to the INVITE
    // overtook this response.
    let (oa, kept) = match u.forks.iter_mut().find(|f| f.dialog.remote_tag() == &*tag) {
        Some(f) => (&mut f.oa, Some((&mut f.answer, &mut f.remote))),
        None if s.dialog.as_ref().is_some_and(|d| d.remote_tag() == &*tag) => (&mut s.oa, None),
        None => return,
    };
    if oa.state() != SignalingState::HaveLocalOffer {
        return;
    }
    match body {
        BodyKind::Session(b) => {
            let _ = oa.remote_answer();
            if let Some((answer, remote)) = kept {
                *answer = None;
                *remote = Some(b.clone());
            }
            core.emit(Event::RemoteDescription {
                session: s.id,
                kind: DescriptionKind::Answer,
                body: b,
                early: true,
            });
        }
        _ => oa.rollback(),
    }
}

/// True while the PRACK of the early dialog with the peer's tag `tag`
/// carries an offer of ours not answered yet.
pub(crate) fn prack_offer_open(s: &SessionData, tag: &str) -> bool {
    s.uac
        .as_ref()
        .and_then(|u| u.prack_offered.as_ref())
        .is_some_and(|(_, t)| **t == *tag)
}
