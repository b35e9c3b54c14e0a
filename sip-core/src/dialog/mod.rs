//! Dialogs (RFC 3261 §12): the peer-to-peer relationship an INVITE (or a
//! SUBSCRIBE, REFER) sets up between two user agents.
//!
//! | item | what |
//! |---|---|
//! | [`DialogId`], [`DialogIdRef`] | Call-ID + local tag + remote tag (§12), owned and borrowed |
//! | [`Dialog`] | the dialog state of §12: state, CSeqs, URIs, remote target, route set, secure flag |
//! | [`Dialog::new_uac`], [`Dialog::new_uas`] | creation from a 1xx/2xx with a To tag (§12.1.2) or from a request (§12.1.1); [`KnownTags`]: tags the caller read already |
//! | [`Dialog::request`], [`Dialog::ack`] | in-dialog requests (§12.2.1.1, loose and strict routing) and the ACK for a 2xx (§13.2.2.4) |
//! | [`Dialog::receive_request`] | the §12.2.2 checks of an incoming in-dialog request (CSeq order, target refresh) |
//! | [`Dialog::receive_response`] | confirmation and target refresh from responses (§12.2.1.2, §13.2.2.4) |
//!
//! The CANCEL of §9.1 is not an in-dialog request: it copies the INVITE
//! it cancels, and the transaction layer builds it
//! ([`TransactionLayer::cancel`](crate::transaction::TransactionLayer::cancel)).
//!
//! Dialogs created by an RFC 2543 peer without tags are not supported
//! (creation fails with [`DialogError::MissingTag`]).

mod create;
mod id;
mod request;
#[cfg(test)]
mod tests;

pub use create::{KnownLines, KnownTags};
pub use id::{DialogId, DialogIdRef, DialogKey};
pub use request::InDialogError;

use crate::header::HeaderError;
use crate::name_addr::NameAddr;
use crate::uri::Uri;
use core::fmt;

/// The state of a dialog (RFC 3261 §12): created by a provisional
/// response it is early, a 2xx confirms it. A dialog that ends is simply
/// dropped by its owner.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DialogState {
    /// Created by a non-100 provisional response (§12.1).
    Early,
    /// Confirmed by a 2xx (§12.1, §13.2.2.4).
    Confirmed,
}

impl DialogState {
    /// The RFC spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            DialogState::Early => "early",
            DialogState::Confirmed => "confirmed",
        }
    }
}

impl fmt::Display for DialogState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of the dialog-creating transaction this user agent was.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Role {
    /// It sent the dialog-creating request (§12.1.2).
    Uac,
    /// It received the dialog-creating request (§12.1.1).
    Uas,
}

/// Why a dialog could not be created from a message.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DialogError {
    /// A header the dialog state is built from is missing (§12.1).
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// A header the dialog state is built from does not parse.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The From tag of the request or the To tag of the response is
    /// missing; RFC 2543 dialogs are not supported.
    #[error("missing {0} tag")]
    MissingTag(&'static str),
    /// The request that creates the dialog has no Contact (§12.1.1: "MUST
    /// be present"), or its Contact is `*`.
    #[error("no usable Contact")]
    MissingContact,
}

/// The dialog state of RFC 3261 §12.
///
/// Holds the dialog id, the local and remote sequence numbers, the local
/// and remote URIs (as name-addrs carrying the tags), the remote target,
/// the route set and the secure flag. Build requests inside it with
/// [`request`](Self::request) (which increments the local CSeq) and
/// [`ack`](Self::ack); check requests received inside it with
/// [`receive_request`](Self::receive_request).
#[derive(Clone)]
pub struct Dialog {
    id: DialogId,
    state: DialogState,
    role: Role,
    local_seq: Option<u32>,
    remote_seq: Option<u32>,
    /// Where the texts the dialog keeps are in the id's payload (see
    /// [`Texts`]).
    texts: Texts,
    remote_target: Uri,
    route_set: Vec<NameAddr>,
    secure: bool,
}

/// The text a dialog keeps, one piece after the other in the payload of
/// its [`DialogId`] (one allocation for the id and the texts):
///
/// * the local URI as a name-addr with the local tag, as written in the
///   From of requests (kept as text: it is only ever copied);
/// * the remote URI as a name-addr with the remote tag (the To);
/// * the Contact value the remote target was read from, when it came
///   from a response: a later response with the same Contact (the 2xx
///   after a 1xx) keeps the target without parsing it again. Not part of
///   the dialog's state (ignored by `==`).
#[derive(Clone, Copy)]
struct Texts {
    /// End of the local name-addr.
    local_end: usize,
    /// End of the remote name-addr; the Contact text follows.
    remote_end: usize,
    /// Whether the payload after `remote_end` is the Contact of the remote
    /// target.
    has_target: bool,
}

impl Texts {
    /// The dialog id (`call_id`, `tags`: local, remote) holding the local
    /// name-addr (the concatenation of `local`), the remote one and the
    /// Contact text, if any; and where they are.
    fn id_with(
        call_id: &str,
        tags: [&str; 2],
        local: [&str; 3],
        remote: &str,
        target: Option<&str>,
    ) -> (DialogId, Texts) {
        let [a, b, c] = local;
        let payload = [a, b, c, remote, target.unwrap_or("")];
        let local_end = a.len() + b.len() + c.len();
        let id = DialogId::with_payload(call_id, tags[0], tags[1], &payload);
        let texts = Texts {
            local_end,
            remote_end: local_end + remote.len(),
            has_target: target.is_some(),
        };
        (id, texts)
    }
}

impl fmt::Debug for Dialog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dialog")
            .field("id", &self.id)
            .field("state", &self.state)
            .field("role", &self.role)
            .field("local_seq", &self.local_seq)
            .field("remote_seq", &self.remote_seq)
            .field("local", &self.local())
            .field("remote", &self.remote())
            .field("remote_target", &self.remote_target)
            .field("route_set", &self.route_set)
            .field("secure", &self.secure)
            .field("target_text", &self.target_text())
            .finish()
    }
}

impl PartialEq for Dialog {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.state == other.state
            && self.role == other.role
            && self.local_seq == other.local_seq
            && self.remote_seq == other.remote_seq
            && self.local() == other.local()
            && self.remote() == other.remote()
            && self.remote_target == other.remote_target
            && self.route_set == other.route_set
            && self.secure == other.secure
    }
}

impl Eq for Dialog {}

impl Dialog {
    /// The dialog id.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// Early or confirmed.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// True while early.
    pub fn is_early(&self) -> bool {
        self.state == DialogState::Early
    }

    /// Whether this side created the dialog as UAC or UAS.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The Call-ID.
    pub fn call_id(&self) -> &str {
        self.id.call_id()
    }

    /// The local tag.
    pub fn local_tag(&self) -> &str {
        self.id.local_tag()
    }

    /// The remote tag.
    pub fn remote_tag(&self) -> &str {
        self.id.remote_tag()
    }

    /// The CSeq number of the last request sent in the dialog (the
    /// dialog-creating request for a UAC); `None` before the first one
    /// (a UAS, §12.1.1).
    pub fn local_seq(&self) -> Option<u32> {
        self.local_seq
    }

    /// The CSeq number of the last request received in the dialog; `None`
    /// before the first one (a UAC, §12.1.2).
    pub fn remote_seq(&self) -> Option<u32> {
        self.remote_seq
    }

    /// The local URI with its display name and the local tag, as the From
    /// value of the requests this side sends.
    pub fn local(&self) -> &str {
        &self.id.payload()[..self.texts.local_end]
    }

    /// The remote URI with its display name and the remote tag, as the To
    /// value of the requests this side sends.
    pub fn remote(&self) -> &str {
        &self.id.payload()[self.texts.local_end..self.texts.remote_end]
    }

    /// The Contact value the remote target was read from, when it came
    /// from a response.
    fn target_text(&self) -> Option<&str> {
        self.texts
            .has_target
            .then(|| &self.id.payload()[self.texts.remote_end..])
    }

    /// Records `target` as the Contact value of the remote target.
    fn set_target_text(&mut self, target: &str) {
        let (id, texts) = Texts::id_with(
            self.call_id(),
            [self.local_tag(), self.remote_tag()],
            [self.local(), "", ""],
            self.remote(),
            Some(target),
        );
        self.id = id;
        self.texts = texts;
    }

    /// The local URI, display name and tag, parsed.
    pub fn local_addr(&self) -> Result<NameAddr, crate::uri::UriError> {
        NameAddr::parse(self.local())
    }

    /// The remote URI, display name and tag, parsed.
    pub fn remote_addr(&self) -> Result<NameAddr, crate::uri::UriError> {
        NameAddr::parse(self.remote())
    }

    /// The remote target: the peer's Contact (§12.1.1, §12.1.2), updated
    /// by target refresh requests and their responses.
    pub fn remote_target(&self) -> &Uri {
        &self.remote_target
    }

    /// The route set, in the order the Route headers of requests list it.
    pub fn route_set(&self) -> &[NameAddr] {
        &self.route_set
    }

    /// The secure flag (§12.1.1: the dialog was set up over TLS with a
    /// `sips:` Request-URI).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Marks the dialog confirmed (the UAS sent a 2xx, §12.1.1).
    pub fn confirm(&mut self) {
        self.state = DialogState::Confirmed;
    }

    /// Replaces the remote target (a target refresh, §12.2).
    pub fn set_remote_target(&mut self, target: Uri) {
        self.remote_target = target;
        self.texts.has_target = false;
    }

    /// Approximate heap bytes held (for memory accounting): the strings,
    /// the remote target's parts and the route set.
    pub fn heap_bytes(&self) -> usize {
        fn uri(u: &Uri) -> usize {
            match u {
                Uri::Sip(s) => {
                    s.user.as_ref().map_or(0, String::capacity)
                        + s.host.domain().map_or(0, str::len)
                        + s.params.len() * 16
                }
                other => other.to_string().len(),
            }
        }
        self.id.heap_bytes()
            + self.id.payload().len()
            + uri(&self.remote_target)
            + self
                .route_set
                .iter()
                .map(|r| uri(&r.uri) + core::mem::size_of::<NameAddr>())
                .sum::<usize>()
    }
}
