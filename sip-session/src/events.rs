//! What a [`UserAgent`](crate::UserAgent) tells the application
//! ([`Event`]) and why a session ended ([`TerminationCause`]).

use crate::body::Body;
use crate::ids::{RequestId, SessionId};
use crate::messager::OutgoingId;
use crate::offer_answer::DescriptionKind;
use crate::publisher::{PublisherId, PublisherState};
use crate::registerer::{RegistererId, RegistererState};
use crate::session::SessionState;
use crate::subscription::{SubscriptionId, SubscriptionState};
use sip_core::method::Method;
use sip_core::status::StatusCode;

/// Something the application should know, in the order it happened.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Event {
    /// A new INVITE arrived: `session` is an Invitation in
    /// [`SessionState::Initial`]. It was answered 100 (Trying) and, when
    /// configured, 180 (Ringing). Answer it with
    /// [`UserAgent::invitation`](crate::UserAgent::invitation):
    /// `accept`, `progress` or `reject`. A session description in the
    /// INVITE follows as [`Event::RemoteDescription`].
    Invitation {
        /// The new session.
        session: SessionId,
    },
    /// The session moved from one state to another.
    StateChanged {
        /// The session.
        session: SessionId,
        /// The previous state.
        from: SessionState,
        /// The new state.
        to: SessionState,
    },
    /// Inviter: a 100 (Trying) arrived.
    Trying {
        /// The session.
        session: SessionId,
    },
    /// Inviter: a provisional response other than 100 arrived (RFC 3261
    /// §13.2.2.1).
    Progress {
        /// The session.
        session: SessionId,
        /// The status code (180, 183...).
        status: StatusCode,
        /// True for a reliable provisional response (RFC 3262), which was
        /// acknowledged with PRACK.
        reliable: bool,
    },
    /// Inviter: the INVITE was redirected (RFC 3261 §8.1.3.4, §13.2.2.2,
    /// only with [`UserAgentConfig::max_redirects`](crate::UserAgentConfig::max_redirects)
    /// above 0): after a 3xx, or after the failure of a target learnt
    /// from one, a new INVITE (same Call-ID, From and To, next CSeq, same
    /// body) went to `target`. The session stays
    /// [`SessionState::Establishing`]; the early dialogs of the previous
    /// attempt are gone.
    Redirected {
        /// The session.
        session: SessionId,
        /// The final status that ended the previous attempt (a 3xx, or a
        /// failure of a redirected target).
        status: StatusCode,
        /// The Request-URI of the new INVITE (a Contact of a 3xx, without
        /// its `method` parameter and URI headers).
        target: Box<sip_core::uri::Uri>,
    },
    /// The peer's session description: an offer to answer or an answer to
    /// apply. `early` is true when it came in a provisional response (an
    /// early-media answer, or an offer to answer in the PRACK).
    RemoteDescription {
        /// The session.
        session: SessionId,
        /// Offer or answer.
        kind: DescriptionKind,
        /// The body.
        body: Body,
        /// True when it came before the session was established.
        early: bool,
    },
    /// The session needs a description from the application before it can
    /// go on: the answer to an offer that came in a 2xx (to go in the ACK)
    /// or in a reliable provisional response (to go in the PRACK). Give it
    /// with [`SessionMut::provide_description`](crate::SessionMut::provide_description)
    /// or refuse with
    /// [`SessionMut::refuse_description`](crate::SessionMut::refuse_description).
    DescriptionRequested {
        /// The session.
        session: SessionId,
        /// What is needed.
        kind: DescriptionKind,
    },
    /// Invitation: the ACK for the 2xx arrived (RFC 3261 §13.3.1.4).
    Ack {
        /// The session.
        session: SessionId,
    },
    /// Invitation: the caller cancelled (RFC 3261 §9.2); the CANCEL was
    /// answered 200 and the INVITE 487. Also, in an established session
    /// (either role), the peer cancelled the re-INVITE of the last
    /// [`Event::Reinvite`]: it was answered 487, its offer rolled back,
    /// and the session goes on as it was.
    Cancel {
        /// The session.
        session: SessionId,
    },
    /// The peer sent BYE; it was answered 200 (RFC 3261 §15.1.2).
    Bye {
        /// The session.
        session: SessionId,
    },
    /// A request the application answers itself (see
    /// [`UserAgentConfig::app_methods`](crate::UserAgentConfig::app_methods)):
    /// read and answer it with
    /// [`UserAgent::request`](crate::UserAgent::request).
    Request {
        /// The session whose dialog it came in, if any.
        session: Option<SessionId>,
        /// The handle to answer it.
        request: RequestId,
        /// Its method.
        method: Method,
    },
    /// A Registerer changed state (see [`crate::registerer`]).
    RegistererStateChanged {
        /// The Registerer.
        registerer: RegistererId,
        /// The previous state.
        from: RegistererState,
        /// The new state.
        to: RegistererState,
    },
    /// A REGISTER failed (final non-2xx, 408 on timeout, 503 on a
    /// transport error, RFC 3261 §8.1.3.1); the Registerer is Unregistered.
    RegistrationFailed {
        /// The Registerer.
        registerer: RegistererId,
        /// The final status.
        status: StatusCode,
        /// The Retry-After of a 500 / 503, in seconds.
        retry_after: Option<u32>,
    },
    /// A Registerer corrected its contacts to the address the registrar
    /// saw (`received` / `rport`, RFC 3581) and registers them again.
    RegistererContactChanged {
        /// The Registerer.
        registerer: RegistererId,
    },
    /// The final response to an out-of-dialog request sent with
    /// [`UserAgent::message`](crate::UserAgent::message),
    /// [`options`](crate::UserAgent::options) or
    /// [`send_out_of_dialog`](crate::UserAgent::send_out_of_dialog)
    /// (408 synthesized on timeout, 503 on a transport error).
    Response {
        /// The request.
        request: OutgoingId,
        /// The response.
        response: Box<sip_core::message::Response>,
    },
    /// A Publisher changed state (see [`crate::publisher`]).
    PublisherStateChanged {
        /// The Publisher.
        publisher: PublisherId,
        /// The previous state.
        from: PublisherState,
        /// The new state.
        to: PublisherState,
    },
    /// A PUBLISH failed (final non-2xx, 408 on timeout, 503 on a
    /// transport error); the Publisher is Unpublished.
    PublicationFailed {
        /// The Publisher.
        publisher: PublisherId,
        /// The final status.
        status: StatusCode,
    },
    /// A subscription changed state (see [`crate::subscription`]).
    SubscriptionStateChanged {
        /// The subscription.
        subscription: SubscriptionId,
        /// The previous state.
        from: SubscriptionState,
        /// The new state.
        to: SubscriptionState,
    },
    /// Subscriber: a NOTIFY arrived and was answered 200 (RFC 6665
    /// §4.1.3); the state change, if any, follows.
    Notify {
        /// The subscription.
        subscription: SubscriptionId,
        /// Its body.
        body: Option<Box<Body>>,
    },
    /// Notifier: a SUBSCRIBE for an accepted event package arrived; answer
    /// it with [`SubscriptionMut::accept`](crate::SubscriptionMut::accept)
    /// or [`reject`](crate::SubscriptionMut::reject).
    Subscribe {
        /// The new subscription (state Initial).
        subscription: SubscriptionId,
    },
    /// Subscriber: a NOTIFY from a second notifier (a forked SUBSCRIBE,
    /// RFC 6665 §4.1.2.4) created another subscription.
    SubscriptionForked {
        /// The subscription whose SUBSCRIBE forked.
        original: SubscriptionId,
        /// The new one.
        subscription: SubscriptionId,
    },
    /// The peer sent a re-INVITE (RFC 3261 §14.2). An offer in it follows
    /// as [`Event::RemoteDescription`]. Answer it with
    /// [`SessionMut::accept_reinvite`](crate::SessionMut::accept_reinvite)
    /// (the answer, or an offer when the re-INVITE had none) or
    /// [`SessionMut::reject_reinvite`](crate::SessionMut::reject_reinvite);
    /// without an answer within
    /// [`request_answer_timeout`](crate::UserAgentConfig::request_answer_timeout)
    /// it is rejected 488 and the offer rolled back.
    Reinvite {
        /// The session.
        session: SessionId,
    },
    /// The peer sent an UPDATE with an offer (RFC 3311), which follows as
    /// [`Event::RemoteDescription`]: answer with
    /// [`SessionMut::accept_update`](crate::SessionMut::accept_update) or
    /// [`SessionMut::reject_update`](crate::SessionMut::reject_update)
    /// (488 and rollback when unanswered in time).
    Update {
        /// The session.
        session: SessionId,
    },
    /// The final response to a request this side sent in the session's
    /// dialog: a re-INVITE ([`SessionMut::invite`](crate::SessionMut::invite)),
    /// INFO, MESSAGE. A 408 or 503 may be synthesized (timeout,
    /// transport error, RFC 3261 §8.1.3.1).
    RequestOutcome {
        /// The session.
        session: SessionId,
        /// The method of the request.
        method: Method,
        /// The final status.
        status: StatusCode,
    },
    /// A NOTIFY of the implicit subscription of a REFER this side sent
    /// (RFC 3515 §2.4.4), answered 200: the status of the sipfrag (the
    /// referred call's progress) and whether the subscription ended. Also
    /// sent with no status and `terminated` when the subscription ends
    /// without a terminating NOTIFY: none within Timer N of the 202
    /// (RFC 6665 §4.1.2.4), or none before its `expires` ran out.
    ReferNotify {
        /// The session that sent the REFER.
        session: SessionId,
        /// The status line of the `message/sipfrag` body, if readable.
        status: Option<StatusCode>,
        /// `Subscription-State: terminated`.
        terminated: bool,
    },
    /// The session reached [`SessionState::Terminated`].
    Terminated {
        /// The session.
        session: SessionId,
        /// Why.
        cause: TerminationCause,
    },
}

/// Why a session ended.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum TerminationCause {
    /// Inviter: a final non-2xx response ended the INVITE (3xx-6xx,
    /// including 408 synthesized on timeout and 503 on a transport error,
    /// RFC 3261 §8.1.3.1).
    Rejected(StatusCode),
    /// Invitation: this side rejected the INVITE with this status (the
    /// application, or the agent: 480 no answer, 487 expired, 504 no
    /// PRACK, 415...).
    RejectedLocally(StatusCode),
    /// Inviter: the INVITE was cancelled (RFC 3261 §9.1).
    Cancelled,
    /// Invitation: the caller cancelled (RFC 3261 §9.2).
    CancelledByRemote,
    /// This side sent BYE.
    Bye,
    /// The peer sent BYE.
    RemoteBye,
    /// Invitation: the ACK for the 2xx never came; BYE sent (RFC 3261
    /// §13.3.1.4).
    AckTimeout,
    /// Offer/answer failed and the session was ended with a BYE whose
    /// Reason carries this status: 400 (a 2xx or ACK without the needed
    /// description) or 488 (a description refused or never given).
    Description(StatusCode),
    /// The INVITE could not be sent at all.
    SendFailed,
    /// A request in the dialog got 481 or timed out (408): the dialog is
    /// gone (RFC 3261 §12.2.1.2, RFC 5057 §5.1); a BYE was sent.
    DialogLost(StatusCode),
    /// The session timer ran out without a refresh (RFC 4028 §10); a BYE
    /// was sent.
    SessionExpired,
}
