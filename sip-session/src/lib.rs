//! # sip-session
//!
//! The sans-IO SIP user agent, shaped after SIP.js: a [`UserAgent`] owns
//! the transaction layer (`sip_core::transaction`), the dialogs
//! (`sip_core::dialog`) and the sessions — Inviters (UAC) and Invitations
//! (UAS) — and is driven like quinn-proto: `handle_*` inputs, then
//! `poll_transmit`, `poll_event`, `poll_timeout` (see [`UserAgent`] for
//! the polling order).
//!
//! | module | what |
//! |---|---|
//! | [`UserAgent`], [`UserAgentConfig`] | the agent, its configuration (SIP.js defaults) |
//! | [`Session`], [`SessionMut`], [`InviterMut`], [`InvitationMut`] | borrowing views of a session, addressed by [`SessionId`] |
//! | [`SessionState`] | Initial, Establishing, Established, Terminating, Terminated |
//! | [`Event`], [`TerminationCause`] | what the application is told |
//! | [`offer_answer`] | the offer/answer state (RFC 3264, RFC 6337); bodies stay opaque ([`Body`]) |
//! | [`IncomingRequest`] | in-dialog requests the application answers itself |
//! | [`registerer`] ([`RegistererMut`]) | REGISTER bindings: refresh, 423, digest, Retry-After, unregister(-all), RFC 5626 params, NAT contact correction (RFC 3261 §10.2) |
//! | [`messager`] | out-of-dialog MESSAGE (RFC 3428) and OPTIONS (RFC 3261 §11) sent, final response as [`Event::Response`] |
//! | [`subscription`] ([`SubscriptionMut`]) | Subscriber and Notifier (RFC 6665) |
//! | [`publisher`] ([`PublisherMut`]) | PUBLISH (RFC 3903) |
//!
//! What the agent answers on its own: OPTIONS (200 with Allow, Accept,
//! Supported), 405 with Allow, 416, 420 with Unsupported, 481, 482, 400,
//! 500 with Retry-After for an in-dialog request out of order, 503 when
//! overloaded; 100 (Trying) and optionally 180 for a new INVITE; 480 when
//! nobody answers, 487 when the INVITE expires or is cancelled.
//!
//! An Inviter follows 3xx redirects (RFC 3261 §8.1.3.4, §13.2.2.2) only
//! when [`UserAgentConfig::max_redirects`] is above 0 (default 0: a 3xx
//! ends the session, as in SIP.js); each new target is announced by
//! [`Event::Redirected`].
//!
//! In a session's dialog (issue 6):
//!
//! | what | API |
//! |---|---|
//! | re-INVITE (RFC 3261 §14) with or without an offer, glare 491 and the §14.1 retry, rollback | [`SessionMut::invite`], [`SessionMut::hold`], [`SessionMut::unhold`]; incoming: [`Event::Reinvite`], [`SessionMut::accept_reinvite`], [`SessionMut::reject_reinvite`] |
//! | UPDATE (RFC 3311) in early and confirmed dialogs, 491/500 (§5.2), the 491 retry | [`SessionMut::update`]; incoming (with [`UserAgentConfig::allow_update`]): [`Event::Update`], [`SessionMut::accept_update`] |
//! | offers and answers in reliable 1xx and PRACK (RFC 3262 §5) | [`Event::DescriptionRequested`], [`SessionMut::provide_description`] |
//! | INFO (RFC 6086, 469 for unknown packages), MESSAGE (RFC 3428) | [`SessionMut::info`], [`SessionMut::message`] |
//! | REFER (RFC 3515), Replaces (RFC 3891, early dialogs this agent initiated included: CANCEL), Referred-By (RFC 3892), Refer-Sub (RFC 4488) | [`SessionMut::refer`], [`Event::ReferNotify`]; incoming: [`UserAgent::accept_referral`] |
//! | session timers (RFC 4028), off by default | [`UserAgentConfig::session_timer`] |
//! | final responses to all of these | [`Event::RequestOutcome`]; 481/408 end the dialog (RFC 5057) |

mod body;
mod config;
mod error;
mod events;
#[doc(hidden)]
pub mod fuzzing;
mod ids;
pub mod messager;
pub mod offer_answer;
pub mod publisher;
pub mod registerer;
mod roles;
mod session;
pub mod subscription;
mod timers;
mod user_agent;

pub use body::Body;
pub use config::{ExtensionSupport, UserAgentConfig};
pub use error::{InviteError, RequestError, RouteError, SessionError};
pub use events::{Event, TerminationCause};
pub use ids::{RequestId, SessionId};
pub use messager::{OutgoingId, RequestOptions};
pub use offer_answer::{DescriptionKind, SignalingState};
pub use publisher::{PublisherId, PublisherMut, PublisherOptions, PublisherState};
pub use registerer::{RegistererId, RegistererMut, RegistererOptions, RegistererState};
pub use roles::RoleError;
pub use session::{
    hold_description, unhold_description, with_direction, ReferOptions, ReferTarget, ReferralError,
    ReinviteOptions, SessionTimerConfig, UpdateOptions,
};
pub use session::{
    AcceptOptions, ByeOptions, CancelOptions, InvitationMut, InviteOptions, InviterMut,
    ProgressOptions, RejectOptions, Session, SessionMut, SessionState,
};
pub use subscription::{SubscribeOptions, SubscriptionId, SubscriptionMut, SubscriptionState};
pub use user_agent::{IncomingRequest, UserAgent};

#[cfg(test)]
mod size_tests {
    /// An established session must stay small (goal: under 4 KiB with its
    /// heap): the struct itself holds no large inline values.
    #[test]
    fn session_structs_stay_small() {
        use core::mem::size_of;
        assert!(size_of::<crate::session::SessionData>() <= 768);
        assert!(size_of::<sip_core::dialog::Dialog>() <= 512);
        assert!(size_of::<crate::Event>() <= 64);
    }
}
