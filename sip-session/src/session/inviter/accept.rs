//! The 2xx to the INVITE (RFC 3261 §13.2.2.4): ACK (re-sent for each
//! retransmitted 2xx), the session's dialog and offer/answer, ACK and BYE
//! for the 2xx of other forks or after CANCEL, and the descriptions the
//! application gives or refuses.

use super::early::send_prack;
use super::{cancel, CancelOptions, Pending};
use crate::body::{classify_owned, Body, BodyKind};
use crate::error::SessionError;
use crate::events::{Event, TerminationCause};
use crate::offer_answer::{DescriptionKind, SignalingState};
use crate::session::lifecycle::{self, set_state, terminate};
use crate::session::{SessionData, SessionState};
use crate::timers::SessionTimer;
use crate::user_agent::core::Core;
use sip_core::dialog::{Dialog, KnownLines};
use sip_core::header::HeaderName;
use sip_core::message::Response;
use sip_core::method::Method;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
/// The ACK for a 2xx in `dialog` with the INVITE's CSeq and credentials
/// (§13.2.2.4), sent and remembered for retransmissions.
pub(crate) fn send_ack(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    dialog: &mut Dialog,
    body: Option<&Body>,
) {
    if let Some(u) = s.uac.as_deref_mut() {
        send_ack_of(core, u, now, dialog, body);
    }
}

/// [`send_ack`] with the Inviter's data. The ACK is lent the remote
/// target (not a copy of it) and kept as sent, its wire form.
fn send_ack_of(
    core: &mut Core,
    u: &mut super::InviterData,
    now: Instant,
    dialog: &mut Dialog,
    body: Option<&Body>,
) {
    // Searches of the names only (a pass over the lines slices every
    // value).
    let h = &u.invite.headers;
    let credentials = u.may_have_credentials
        && (h.contains(&HeaderName::Authorization) || h.contains(&HeaderName::ProxyAuthorization));
    debug_assert!(
        u.may_have_credentials
            || !(h.contains(&HeaderName::Authorization)
                || h.contains(&HeaderName::ProxyAuthorization))
    );
    if !credentials && body.is_none() && dialog.route_set().is_empty() {
        // Nothing added, no Route: written straight into its wire form.
        let Ok(dest) = core.next_hop_of_target(dialog.remote_target()) else {
            return;
        };
        let (d, seq) = (&*dialog, u.invite_seq);
        let sent = core.txn.send_ack_2xx_written(now, dest, |via, out| {
            let written = d.write_request(&Method::Ack, seq, via, |_| {}, &[], out);
            debug_assert!(written);
        });
        if let Ok(sent) = sent {
            u.acks.push(sent);
        }
        return;
    }
    // Route lines come from the route set only. Sent as
    // `Core::send_ack_known` sends it, without moving the ACK through it.
    let routed = !dialog.route_set().is_empty();
    // `Dialog::ack`'s request: the INVITE's number, CSeq method ACK.
    let sent = dialog.lend_request(Method::Ack, u.invite_seq, |ack| {
        if credentials {
            for name in [HeaderName::Authorization, HeaderName::ProxyAuthorization] {
                for v in u.invite.headers.get_all(&name) {
                    ack.headers.push(name.clone(), v);
                }
            }
        }
        if let Some(b) = body {
            b.apply_to_request(ack);
        }
        let dest = core.next_hop_known(ack, routed).ok()?;
        core.txn.send_ack_2xx_lent(now, ack, dest).ok()
    });
    if let Some(sent) = sent {
        u.acks.push(sent);
    }
}

/// The To tag of an ACK sent, read from its wire form (whose To line the
/// serializer writes as `To: value`): the tag of the 2xx it acknowledges.
fn ack_tag(wire: &[u8]) -> Option<&str> {
    const TO: &[u8] = b"\r\nTo: ";
    let at = wire.windows(TO.len()).position(|w| w == TO)? + TO.len();
    let rest = wire.get(at..)?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    sip_core::transaction::key::tag(core::str::from_utf8(&rest[..end]).ok()?)
}

/// ACK and BYE for a 2xx the session does not keep (another fork, or a
/// 2xx after CANCEL; §13.2.2.4, §9.1), with a Reason when given.
pub(crate) fn ack_and_bye(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    mut dialog: Dialog,
    reason: Option<(StatusCode, &str)>,
) {
    send_ack(core, s, now, &mut dialog, None);
    let _ = lifecycle::send_bye(core, now, &mut dialog, reason, &[]);
}

pub(crate) fn on_2xx(core: &mut Core, s: &mut SessionData, now: Instant, resp: &mut Response) {
    // One pass: the first To, Contact and Content-Type, any
    // Content-Disposition and Record-Route (the dialog's lines, `answer`).
    let (mut content_type, mut disposition) = (None, false);
    let mut answer = KnownLines::default();
    for l in &resp.headers {
        match l.name {
            HeaderName::To => {
                answer.to.get_or_insert(l.value);
            }
            HeaderName::Contact => {
                answer.contact_line.get_or_insert(l.value);
            }
            HeaderName::RecordRoute => answer.record_route = true,
            HeaderName::ContentType => {
                content_type.get_or_insert(l.value);
            }
            HeaderName::ContentDisposition => disposition = true,
            _ => {}
        }
    }
    let Some(tag) = sip_core::transaction::key::tag(answer.to.unwrap_or("")) else {
        return;
    };
    let Some(u) = s.uac.as_mut() else { return };
    // A retransmitted 2xx: the same ACK again (§13.2.2.4).
    if let Some(ack) = u.acks.iter().find(|a| ack_tag(&a.payload) == Some(tag)) {
        let _ = core.txn.resend_ack_2xx(now, ack);
        return;
    }
    let pending_tag = match &u.pending {
        Some(Pending::Ack { tag: t, .. }) => Some(t.clone()),
        _ => None,
    };
    if pending_tag.as_deref() == Some(tag) {
        // Retransmission while the application prepares the answer.
        return;
    }
    let fork = u
        .forks
        .iter()
        .position(|f| f.dialog.remote_tag() == tag)
        .map(|i| u.forks.swap_remove(i));
    // The fork's dialog and offer/answer state, or a new dialog. The
    // fork's dialog stays in the early index only if the session confirms
    // it (`confirm`); every other outcome takes it out (`unindex`).
    let (mut dialog, fork) = match fork {
        Some(f) => (f.dialog, Some((f.oa, f.answer))),
        None => match u.new_dialog(&s.identities, resp, tag, answer) {
            Ok(d) => (d, None),
            Err(_) => return,
        },
    };
    if fork.is_some() {
        let _ = dialog.receive_response_lines(resp, answer);
    }
    let confirming =
        s.state == SessionState::Establishing && s.dialog.is_none() && pending_tag.is_none();
    if !confirming {
        // A 2xx after CANCEL (the race of §9.1), or from a second fork
        // (§13.2.2.4): ACK and BYE.
        let cancelled = s.state == SessionState::Terminating && s.dialog.is_none();
        super::unindex(core, s.id, &dialog);
        ack_and_bye(core, s, now, dialog, None);
        if cancelled {
            terminate(core, s, TerminationCause::Cancelled);
        }
        return;
    }
    let u = s.uac.as_mut().expect("inviter");
    let early_media_tag = u.early_media_tag.clone();
    let (mut oa, stored_answer) = fork.unwrap_or((s.oa, None));
    let cfg = &core.cfg;
    // The body moves into the event: the 2xx is not used after this.
    let content = core::mem::take(&mut resp.body);
    let disposition = disposition
        .then(|| resp.headers.get(&HeaderName::ContentDisposition))
        .flatten();
    let body = classify_owned(content_type, disposition, content, |ct| {
        cfg.accepts_content_type(ct)
    });
    s.timers.stop(SessionTimer::InviteTimeout);
    if early_media_tag.as_deref().is_some_and(|t| *t != *tag) {
        // SIP.js: forking is not allowed with early media.
        super::unindex(core, s.id, &dialog);
        fail_2xx(
            core,
            s,
            now,
            dialog,
            StatusCode::NOT_ACCEPTABLE_HERE,
            "Forking not supported with early media",
        );
        return;
    }
    let open =
        crate::session::update::offer_in_progress(s, tag) || super::early::prack_offer_open(s, tag);
    if oa.state() != SignalingState::Stable && open {
        // An UPDATE's or a PRACK's offer is open in this dialog (RFC 3311,
        // RFC 3262 §5): its answer comes in that request's 2xx, not here.
        s.oa = oa;
        confirm(core, s, now, dialog, None);
        return;
    }
    match oa.state() {
        SignalingState::Initial => match body {
            BodyKind::Session(b) => {
                // Delayed offer: the answer goes in the ACK.
                super::unindex(core, s.id, &dialog);
                let _ = oa.remote_offer();
                s.oa = oa;
                let u = s.uac.as_mut().expect("inviter");
                u.pending = Some(Pending::Ack {
                    dialog: Box::new(dialog),
                    tag: tag.into(),
                });
                core.emit(Event::RemoteDescription {
                    session: s.id,
                    kind: DescriptionKind::Offer,
                    body: b,
                    early: false,
                });
                core.emit(Event::DescriptionRequested {
                    session: s.id,
                    kind: DescriptionKind::Answer,
                });
                let at = now + core.cfg.description_timeout;
                core.arm(s, SessionTimer::Description, at);
            }
            _ => {
                super::unindex(core, s.id, &dialog);
                fail_2xx(
                    core,
                    s,
                    now,
                    dialog,
                    StatusCode::BAD_REQUEST,
                    "Missing session description",
                )
            }
        },
        SignalingState::HaveLocalOffer => match body {
            BodyKind::Session(b) => {
                let _ = oa.remote_answer();
                s.oa = oa;
                confirm(core, s, now, dialog, None);
                core.emit(Event::RemoteDescription {
                    session: s.id,
                    kind: DescriptionKind::Answer,
                    body: b,
                    early: false,
                });
            }
            _ => {
                super::unindex(core, s.id, &dialog);
                fail_2xx(
                    core,
                    s,
                    now,
                    dialog,
                    StatusCode::BAD_REQUEST,
                    "Missing session description",
                )
            }
        },
        SignalingState::Stable => {
            s.oa = oa;
            match early_media_tag {
                Some(_) => confirm(core, s, now, dialog, None),
                None => {
                    confirm(core, s, now, dialog, None);
                    if let Some(b) = stored_answer {
                        core.emit(Event::RemoteDescription {
                            session: s.id,
                            kind: DescriptionKind::Answer,
                            body: b,
                            early: false,
                        });
                    }
                }
            }
        }
        _ => {
            super::unindex(core, s.id, &dialog);
            fail_2xx(
                core,
                s,
                now,
                dialog,
                StatusCode::NOT_ACCEPTABLE_HERE,
                "Offer not answered",
            )
        }
    }
}

/// The session adopts `dialog`: ACK (with `body`, an answer), Established.
pub(crate) fn confirm(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    dialog: Dialog,
    body: Option<&Body>,
) {
    // Moved in first (not after the ACK): the dialog is not moved again.
    let dialog = s.dialog.insert(dialog);
    if let Some(u) = s.uac.as_deref_mut() {
        send_ack_of(core, u, now, dialog, body);
    }
    // Already there when it was the early dialog of a fork.
    if core.dialogs.get(dialog.id()) != Some(&s.id) {
        core.dialogs.insert(dialog.id().clone(), s.id);
    }
    if let Some(u) = s.uac.as_mut() {
        // Other forks stay known until the INVITE transaction ends: a
        // later 2xx from one gets its BYE with the right CSeq (after its
        // PRACKs).
        u.pending = None;
    }
    s.timers.stop(SessionTimer::Description);
    s.timers.stop(SessionTimer::CancelWait);
    set_state(core, s, SessionState::Established);
}

/// A 2xx the session cannot use: ACK, BYE with Reason, Terminated.
pub(crate) fn fail_2xx(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    dialog: Dialog,
    status: StatusCode,
    text: &str,
) {
    ack_and_bye(core, s, now, dialog, Some((status, text)));
    terminate(core, s, TerminationCause::Description(status));
}

/// The application's description for a pending ACK or PRACK.
pub(crate) fn provide_description(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
    body: Body,
) -> Result<(), SessionError> {
    let Some(pending) = s.uac.as_mut().and_then(|u| u.pending.take()) else {
        return Err(SessionError::NoDescriptionRequested);
    };
    s.timers.stop(SessionTimer::Description);
    match pending {
        Pending::Ack { dialog, .. } => {
            let _ = s.oa.local_answer();
            confirm(core, s, now, *dialog, Some(&body));
        }
        Pending::Prack { tag, rack } => {
            let id = s.id;
            let u = s.uac.as_mut().expect("inviter");
            if let Some(f) = u.forks.iter_mut().find(|f| f.dialog.remote_tag() == &*tag) {
                let _ = f.oa.local_answer();
                f.oa_final = true;
                send_prack(core, &mut f.dialog, now, id, &rack, Some(&body));
            }
        }
    }
    Ok(())
}

/// The application refuses the description it was asked for, or the
/// answer it received (SIP.js: ACK and BYE with Reason 488).
pub(crate) fn refuse_description(
    core: &mut Core,
    s: &mut SessionData,
    now: Instant,
) -> Result<(), SessionError> {
    let pending = s.uac.as_mut().and_then(|u| u.pending.take());
    s.timers.stop(SessionTimer::Description);
    match pending {
        Some(Pending::Ack { dialog, .. }) => {
            fail_2xx(
                core,
                s,
                now,
                *dialog,
                StatusCode::NOT_ACCEPTABLE_HERE,
                "Session description refused",
            );
            Ok(())
        }
        Some(Pending::Prack { .. }) => {
            // Nothing can be said in the early dialog: cancel the call.
            let _ = cancel(core, s, now, CancelOptions::default());
            Ok(())
        }
        None if s.state == SessionState::Established => {
            if let Some(d) = s.dialog.as_mut() {
                let _ = lifecycle::send_bye(
                    core,
                    now,
                    d,
                    Some((
                        StatusCode::NOT_ACCEPTABLE_HERE,
                        "Session description refused",
                    )),
                    &[],
                );
            }
            terminate(
                core,
                s,
                TerminationCause::Description(StatusCode::NOT_ACCEPTABLE_HERE),
            );
            Ok(())
        }
        None => Err(SessionError::NoDescriptionRequested),
    }
}

#[cfg(test)]
mod tests {
    use super::ack_tag;
    use sip_core::header::HeaderName;
    use sip_core::message::Request;
    use sip_core::method::Method;
    use sip_core::uri::Uri;

    /// The tag read from an ACK's wire form is the tag of its To line,
    /// whatever the lines before it hold.
    #[test]
    fn ack_tag_is_the_to_lines() {
        for to in [
            "<sip:bob@b.example>;tag=8321234356",
            "\"To: x\" <sip:to@b.example>;foo=bar;tag=a6c85cf",
            "sip:bob@b.example;tag=x;other=1",
            "<sip:bob@b.example>",
        ] {
            let mut ack = Request::new(Method::Ack, Uri::parse("sip:bob@192.0.2.4").unwrap());
            let h = &mut ack.headers;
            h.push(HeaderName::Via, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx");
            h.push(HeaderName::Route, "<sip:p.example;lr>");
            h.push(HeaderName::From, "\"To: me\" <sip:a@a.example>;tag=from1");
            h.push(HeaderName::To, to);
            h.push(HeaderName::CSeq, "1 ACK");
            ack.body = b"\r\nTo: <sip:c@c>;tag=body\r\n".to_vec();
            let wire = ack.to_bytes();
            assert_eq!(ack_tag(&wire), sip_core::transaction::key::tag(to), "{to}");
        }
    }
}
