//! Borrowing views of a session: [`Session`] (properties),
//! [`SessionMut`] (common commands), [`InviterMut`] and [`InvitationMut`]
//! (role commands).

use super::refer::{self, ReferOptions, ReferTarget};
use super::reinvite::{self, ReinviteOptions};
use super::update::{self, UpdateOptions};
use super::{in_dialog, invitation, inviter, lifecycle, SessionData, SessionState};
use super::{AcceptOptions, ByeOptions, CancelOptions, ProgressOptions, RejectOptions};
use crate::body::Body;
use crate::error::SessionError;
use crate::events::TerminationCause;
use crate::ids::SessionId;
use crate::offer_answer::SignalingState;
use crate::user_agent::core::InDialogMethod;
use crate::user_agent::UserAgent;
use core::any::Any;
use sip_core::dialog::Dialog;
use sip_core::header::HeaderName;
use sip_core::message::Request;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
use sip_core::NameAddr;

/// A read-only view of a session: its properties.
#[derive(Clone, Copy)]
pub struct Session<'a> {
    pub(crate) s: &'a SessionData,
}

impl<'a> Session<'a> {
    /// The id.
    pub fn id(&self) -> SessionId {
        self.s.id
    }

    /// The state.
    pub fn state(&self) -> SessionState {
        self.s.state
    }

    /// True for an Inviter (this side sent the INVITE), false for an
    /// Invitation.
    pub fn is_inviter(&self) -> bool {
        self.s.is_inviter
    }

    /// The local identity: the From of the INVITE (Inviter) or its To
    /// (Invitation), as a name-addr (without tag).
    pub fn local_identity(&self) -> NameAddr {
        parse_identity(self.s.identities.local())
    }

    /// The remote identity: the To of the INVITE (Inviter) or its From
    /// (Invitation).
    pub fn remote_identity(&self) -> NameAddr {
        parse_identity(self.s.identities.remote())
    }

    /// The P-Asserted-Identity (RFC 3325) of the INVITE (Invitation) or of
    /// the last provisional response (Inviter).
    pub fn asserted_identity(&self) -> Option<NameAddr> {
        self.s.asserted_identity.as_deref().map(parse_identity)
    }

    /// The dialog: Call-ID, tags, CSeqs, route set, remote target,
    /// early/confirmed. `None` before it exists.
    pub fn dialog(&self) -> Option<&'a Dialog> {
        self.s.dialog.as_ref()
    }

    /// The offer/answer state (an Inviter before the 2xx: that of its
    /// current early dialog, the latest one or the early-media one).
    pub fn signaling_state(&self) -> SignalingState {
        inviter::signaling_state(self.s)
    }

    /// The session this one replaces (RFC 3891), if any.
    pub fn replacee(&self) -> Option<SessionId> {
        self.s.replacee
    }

    /// Why the session ended, once Terminated.
    pub fn termination_cause(&self) -> Option<TerminationCause> {
        self.s.cause
    }

    /// The INVITE: the one received (an Invitation, until its final
    /// response) or the last one sent (an Inviter, until its transaction
    /// ends).
    pub fn invite_request(&self) -> Option<&'a Request> {
        if let Some(u) = &self.s.uas {
            return u.invite.as_deref();
        }
        self.s.uac.as_ref().map(|u| &u.invite)
    }

    /// True while the session waits for
    /// [`SessionMut::provide_description`].
    pub fn description_requested(&self) -> bool {
        self.s.uac.as_ref().is_some_and(|u| u.pending.is_some())
            || super::reliable::awaiting_answer(self.s)
            || super::reinvite::awaiting_answer(self.s)
    }

    /// The application's data attached to the session, if it is a `T`.
    pub fn user_data<T: Any>(&self) -> Option<&'a T> {
        self.s.user_data.as_ref()?.downcast_ref()
    }
}

/// A mutable view of a session: the commands common to both roles.
pub struct SessionMut<'a> {
    pub(crate) ua: &'a mut UserAgent,
    pub(crate) id: SessionId,
}

impl SessionMut<'_> {
    /// The read-only view.
    pub fn get(&self) -> Session<'_> {
        Session {
            s: self
                .ua
                .sessions
                .get(self.id)
                .expect("view of a live session"),
        }
    }

    /// The state.
    pub fn state(&self) -> SessionState {
        self.get().state()
    }

    /// Ends an Established session with BYE (RFC 3261 §15). A UAS still
    /// waiting for the ACK goes Terminating and sends the BYE when the ACK
    /// arrives or its wait times out. Other states: `InvalidState`, as
    /// SIP.js: §15 lets a caller send BYE on an early dialog, but that
    /// ends only that dialog, not the INVITE (other forks keep ringing);
    /// before the 2xx an Inviter ends the call with
    /// [`InviterMut::cancel`] (§9.1) or [`dispose`](Self::dispose). A
    /// caller's BYE arriving in an Invitation's early dialog is answered
    /// 200 and the INVITE 487 (§15.1.2).
    pub fn bye(&mut self, now: Instant, opts: ByeOptions) -> Result<(), SessionError> {
        self.ua
            .command(now, self.id, |core, s| lifecycle::bye(core, s, now, opts))
    }

    /// Ends the session whatever its state: BYE when Established, CANCEL
    /// (Inviter) or 480 (Invitation) before.
    pub fn dispose(&mut self, now: Instant) -> Result<(), SessionError> {
        self.ua
            .command(now, self.id, |core, s| lifecycle::dispose(core, s, now))
    }

    /// Gives the description requested by
    /// [`Event::DescriptionRequested`](crate::Event::DescriptionRequested):
    /// the ACK (or PRACK) goes out with it.
    pub fn provide_description(&mut self, now: Instant, body: Body) -> Result<(), SessionError> {
        self.ua.command(now, self.id, |core, s| {
            if reinvite::awaiting_answer(s) {
                reinvite::provide_answer(core, s, now, body);
                return Ok(());
            }
            if !s.is_inviter {
                return super::reliable::provide_answer(core, s, now, body);
            }
            inviter::provide_description(core, s, now, body)
        })
    }

    /// Refuses a description: the one requested (ACK and BYE, Reason 488),
    /// or the remote description just received (BYE with Reason 488 once
    /// Established; for an Invitation in Initial, a 488 reject), as SIP.js
    /// does when its description handler fails.
    pub fn refuse_description(&mut self, now: Instant) -> Result<(), SessionError> {
        self.ua.command(now, self.id, |core, s| {
            if reinvite::awaiting_answer(s) {
                reinvite::refuse_answer(core, s, now);
                return Ok(());
            }
            if s.is_inviter {
                return inviter::refuse_description(core, s, now);
            }
            if super::reliable::awaiting_answer(s) {
                super::reliable::refuse_answer(core, s, now);
                return Ok(());
            }
            match s.state {
                SessionState::Initial => {
                    invitation::reject_with(
                        core,
                        s,
                        now,
                        StatusCode::NOT_ACCEPTABLE_HERE,
                        None,
                        &[],
                    );
                    Ok(())
                }
                SessionState::Established => {
                    invitation::bye_now(
                        core,
                        s,
                        now,
                        Some((
                            StatusCode::NOT_ACCEPTABLE_HERE,
                            "Session description refused",
                        )),
                    );
                    reinvite::end_pending(core, s, now);
                    lifecycle::terminate(
                        core,
                        s,
                        TerminationCause::Description(StatusCode::NOT_ACCEPTABLE_HERE),
                    );
                    Ok(())
                }
                st => Err(SessionError::InvalidState(st)),
            }
        })
    }

    /// Sends a re-INVITE (RFC 3261 §14.1; SIP.js `Session.invite`):
    /// Established only; [`SessionError::RequestPending`] while an INVITE
    /// transaction is in progress in either direction. With
    /// `options.body` the new offer, whose answer comes in the 2xx
    /// ([`Event::RemoteDescription`](crate::Event::RemoteDescription));
    /// without, the offer comes in the 2xx and the answer is requested for
    /// the ACK. The final response is reported as
    /// [`Event::RequestOutcome`](crate::Event::RequestOutcome); a failure
    /// rolls the offer back and the session stays up, except 481 and 408,
    /// which end it. A 491 is retried after the §14.1 delay.
    pub fn invite(&mut self, now: Instant, options: ReinviteOptions) -> Result<(), SessionError> {
        self.ua.command(now, self.id, |core, s| {
            reinvite::send(core, s, now, options)
        })
    }

    /// Puts the call on hold: a re-INVITE with `sdp` (the application's
    /// current description) rewritten to `a=sendonly` (RFC 3264 §8.4).
    pub fn hold(&mut self, now: Instant, sdp: &Body) -> Result<(), SessionError> {
        let body = Some(super::hold::hold_description(sdp));
        self.invite(
            now,
            ReinviteOptions {
                body,
                ..ReinviteOptions::default()
            },
        )
    }

    /// Takes the call off hold: a re-INVITE with `sdp` rewritten to
    /// `a=sendrecv`.
    pub fn unhold(&mut self, now: Instant, sdp: &Body) -> Result<(), SessionError> {
        let body = Some(super::hold::unhold_description(sdp));
        self.invite(
            now,
            ReinviteOptions {
                body,
                ..ReinviteOptions::default()
            },
        )
    }

    /// Accepts the peer's re-INVITE ([`Event::Reinvite`](crate::Event::Reinvite))
    /// with 200: `body` is the answer to its offer, or a new offer when it
    /// had none (the answer then comes in the ACK); `None` is allowed only
    /// without an offer to answer.
    pub fn accept_reinvite(
        &mut self,
        now: Instant,
        body: Option<Body>,
    ) -> Result<(), SessionError> {
        self.ua.command(now, self.id, |core, s| {
            reinvite::accept(core, s, now, body, &[])
        })
    }

    /// Rejects the peer's re-INVITE with 300-699 (488 for an offer this
    /// side cannot take): the offer is rolled back, the session stays up.
    pub fn reject_reinvite(
        &mut self,
        now: Instant,
        status: StatusCode,
    ) -> Result<(), SessionError> {
        self.ua.command(now, self.id, |core, s| {
            reinvite::reject(core, s, now, status)
        })
    }

    /// Sends REFER in the dialog (RFC 3515; SIP.js `Session.refer`),
    /// Established only: to a URI (blind transfer) or to another session
    /// (attended transfer: its remote target with `Replaces` naming its
    /// dialog, RFC 3891; a session without a dialog is `InvalidState`),
    /// with `Referred-By` (RFC 3892). Its final response is reported as
    /// [`Event::RequestOutcome`](crate::Event::RequestOutcome), the
    /// NOTIFYs of the implicit subscription as
    /// [`Event::ReferNotify`](crate::Event::ReferNotify). The session is
    /// not ended by the transfer: the application hangs up when it wants.
    pub fn refer(&mut self, now: Instant, options: ReferOptions) -> Result<(), SessionError> {
        let refer_to = match &options.target {
            ReferTarget::Uri(u) => refer::refer_to_value(u, None),
            ReferTarget::Session(other) => {
                let d = self
                    .ua
                    .sessions
                    .get(*other)
                    .and_then(|o| o.dialog.as_ref())
                    .ok_or(SessionError::InvalidState(SessionState::Initial))?;
                refer::refer_to_value(
                    d.remote_target(),
                    Some((d.call_id(), d.remote_tag(), d.local_tag())),
                )
            }
        };
        let mut sent = None;
        self.ua.command(now, self.id, |core, s| {
            sent = Some(refer::send(
                core,
                s,
                now,
                refer_to,
                options.subscribe,
                &options.extra_headers,
            )?);
            Ok(())
        })?;
        // RFC 3515 §2.4.4: the implicit subscription, unless refused by
        // `Refer-Sub: false` (RFC 4488).
        if let (Some((txn, cseq)), true) = (sent, options.subscribe) {
            crate::subscription::implicit::refer_sent(self.ua, self.id, txn, cseq);
        }
        Ok(())
    }

    /// Sends UPDATE (RFC 3311): with `options.body` a new offer, whose
    /// answer comes in the 2xx
    /// ([`Event::RemoteDescription`](crate::Event::RemoteDescription),
    /// `early` before the call is up), or a bare target refresh. In the
    /// confirmed dialog, or before it in an early one (§5.1): an
    /// Invitation's, after a provisional response with a tag; an
    /// Inviter's current early dialog (the early-media one, else the
    /// latest). An offer needs offer/answer stable, and in an early dialog
    /// the initial exchange completed reliably (answer in a reliable 1xx
    /// and its PRACK); else `RequestPending`, as while another UPDATE of
    /// this side is in flight. A 491 is retried after the RFC 3261 §14.1
    /// delay (§5.2); the final response is reported as
    /// [`Event::RequestOutcome`](crate::Event::RequestOutcome); a failure
    /// rolls the offer back.
    pub fn update(&mut self, now: Instant, options: UpdateOptions) -> Result<(), SessionError> {
        self.ua
            .command(now, self.id, |core, s| update::send(core, s, now, options))
    }

    /// Accepts the peer's UPDATE ([`Event::Update`](crate::Event::Update))
    /// with 200 carrying `answer`.
    pub fn accept_update(&mut self, now: Instant, answer: Body) -> Result<(), SessionError> {
        self.ua
            .command(now, self.id, |core, s| update::accept(core, s, now, answer))
    }

    /// Rejects the peer's UPDATE with 300-699; its offer is rolled back.
    pub fn reject_update(&mut self, now: Instant, status: StatusCode) -> Result<(), SessionError> {
        self.ua
            .command(now, self.id, |core, s| update::reject(core, s, now, status))
    }

    /// Sends INFO in the dialog (RFC 6086) with `body`. Established, or
    /// before in an early dialog (RFC 6086 §4.2.1; DTMF during early
    /// media) once a reliable provisional response set it up: an Inviter's
    /// current early dialog after a reliable 1xx came in it, an
    /// Invitation's after the PRACK of its reliable 1xx arrived (else
    /// `RequestPending`). The final response is reported as
    /// [`Event::RequestOutcome`](crate::Event::RequestOutcome).
    pub fn info(
        &mut self,
        now: Instant,
        body: Option<&Body>,
        extra_headers: &[(HeaderName, String)],
    ) -> Result<(), SessionError> {
        self.ua.command(now, self.id, |core, s| {
            in_dialog::send_request(core, s, now, InDialogMethod::Info, body, extra_headers)
        })
    }

    /// Sends MESSAGE in the dialog (RFC 3428) with `body`; Established
    /// only. The final response is reported as
    /// [`Event::RequestOutcome`](crate::Event::RequestOutcome).
    pub fn message(
        &mut self,
        now: Instant,
        body: &Body,
        extra_headers: &[(HeaderName, String)],
    ) -> Result<(), SessionError> {
        self.ua.command(now, self.id, |core, s| {
            in_dialog::send_request(
                core,
                s,
                now,
                InDialogMethod::Message,
                Some(body),
                extra_headers,
            )
        })
    }

    /// Attaches the application's data (replacing any).
    pub fn set_user_data(&mut self, data: Box<dyn Any + Send>) {
        if let Some(s) = self.ua.sessions.get_mut(self.id) {
            s.user_data = Some(data);
        }
    }

    /// Detaches the application's data.
    pub fn take_user_data(&mut self) -> Option<Box<dyn Any + Send>> {
        self.ua.sessions.get_mut(self.id)?.user_data.take()
    }
}

/// The commands of an Inviter (UAC).
pub struct InviterMut<'a> {
    pub(crate) inner: SessionMut<'a>,
}

impl<'a> InviterMut<'a> {
    /// Cancels the INVITE (RFC 3261 §9.1): Initial or Establishing only.
    /// The CANCEL waits for a provisional response; the session goes
    /// Terminating, then Terminated with the final response (a 2xx that
    /// wins the race is ACKed and BYEd).
    pub fn cancel(&mut self, now: Instant, opts: CancelOptions) -> Result<(), SessionError> {
        let id = self.inner.id;
        self.inner
            .ua
            .command(now, id, |core, s| inviter::cancel(core, s, now, opts))
    }

    /// The common commands.
    pub fn session(&mut self) -> &mut SessionMut<'a> {
        &mut self.inner
    }
}

/// The commands of an Invitation (UAS).
pub struct InvitationMut<'a> {
    pub(crate) inner: SessionMut<'a>,
}

impl<'a> InvitationMut<'a> {
    /// Accepts the INVITE with a 2xx (Initial only). Needs a description
    /// (the answer, or an offer when the INVITE had none) unless offer and
    /// answer are complete; waits for an outstanding PRACK first. The
    /// session is Established when the 2xx goes out; the 2xx is
    /// retransmitted until the ACK.
    pub fn accept(&mut self, now: Instant, opts: AcceptOptions) -> Result<(), SessionError> {
        let id = self.inner.id;
        self.inner
            .ua
            .command(now, id, |core, s| invitation::accept(core, s, now, opts))
    }

    /// Sends a provisional response (Initial only): 180 by default;
    /// reliable (RFC 3262) when asked and the caller supports it, or when
    /// the caller requires it.
    pub fn progress(&mut self, now: Instant, opts: ProgressOptions) -> Result<(), SessionError> {
        let id = self.inner.id;
        self.inner
            .ua
            .command(now, id, |core, s| invitation::progress(core, s, now, opts))
    }

    /// Rejects the INVITE (Initial or Establishing) with 300-699 (default
    /// 480).
    pub fn reject(&mut self, now: Instant, opts: RejectOptions) -> Result<(), SessionError> {
        let id = self.inner.id;
        self.inner
            .ua
            .command(now, id, |core, s| invitation::reject(core, s, now, opts))
    }

    /// The common commands.
    pub fn session(&mut self) -> &mut SessionMut<'a> {
        &mut self.inner
    }
}

/// Identities are stored as the text of a name-addr that parsed; should a
/// re-parse ever fail, the text is kept as an opaque URI.
fn parse_identity(text: &str) -> NameAddr {
    NameAddr::parse(text).unwrap_or_else(|_| {
        NameAddr::new(sip_core::uri::Uri::Other(sip_core::uri::OpaqueUri {
            scheme: "invalid".to_owned(),
            rest: text.to_owned(),
        }))
    })
}
