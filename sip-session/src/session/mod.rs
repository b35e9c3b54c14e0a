//! Sessions: the common part ([`Session`], [`SessionMut`], state and
//! lifecycle), the UAC role ([`InviterMut`], `inviter`) and the UAS role
//! ([`InvitationMut`], `invitation`).
//!
//! A session lives in the [`UserAgent`](crate::UserAgent) and is reached
//! through borrowing views addressed by its [`SessionId`]:
//! [`UserAgent::session`](crate::UserAgent::session) (read-only),
//! [`UserAgent::session_mut`](crate::UserAgent::session_mut) (BYE,
//! dispose, descriptions), [`UserAgent::inviter`](crate::UserAgent::inviter)
//! (cancel) and [`UserAgent::invitation`](crate::UserAgent::invitation)
//! (accept, progress, reject). Every command takes `now` and, when it is
//! refused, returns a [`SessionError`](crate::SessionError) and sends
//! nothing.

mod hold;
pub(crate) mod in_dialog;
pub(crate) mod invitation;
mod invite_lines;
pub(crate) mod inviter;
pub(crate) mod lifecycle;
pub(crate) mod refer;
pub(crate) mod reinvite;
pub(crate) mod reliable;
pub(crate) mod session_timer;
mod state;
mod uas_response;
pub(crate) mod update;
mod views;

pub use hold::{hold_description, unhold_description, with_direction};
pub use invitation::{AcceptOptions, ProgressOptions, RejectOptions};
pub use inviter::{CancelOptions, InviteOptions};
pub use lifecycle::ByeOptions;
pub use refer::{ReferOptions, ReferTarget, ReferralError};
pub use reinvite::ReinviteOptions;
pub use session_timer::SessionTimerConfig;
pub use state::SessionState;
pub use update::UpdateOptions;
pub use views::{InvitationMut, InviterMut, Session, SessionMut};

use crate::events::TerminationCause;
use crate::ids::SessionId;
use crate::offer_answer::OfferAnswer;
use crate::timers::TimerTable;
use crate::user_agent::response::TAG_LEN;
use core::any::Any;
use sip_core::dialog::Dialog;
use sip_core::random::TokenSource;

/// One session's data. Role-specific data is boxed and dropped once it is
/// no longer needed, so an established session stays small.
pub(crate) struct SessionData {
    pub id: SessionId,
    pub state: SessionState,
    /// True for an Inviter (UAC), false for an Invitation (UAS).
    pub is_inviter: bool,
    /// The dialog: the confirmed one (Inviter) or the one created by the
    /// first tagged response (Invitation).
    pub dialog: Option<Dialog>,
    pub oa: OfferAnswer,
    /// The identities as name-addr text (parsed on demand by the views:
    /// kept small for established sessions).
    pub identities: Identities,
    pub asserted_identity: Option<Box<str>>,
    pub replacee: Option<SessionId>,
    pub user_data: Option<Box<dyn Any + Send>>,
    pub timers: TimerTable,
    pub cause: Option<TerminationCause>,
    /// Invitation: `bye()` was called while waiting for the ACK; the BYE
    /// goes once the ACK arrives or the wait times out.
    pub bye_after_ack: Option<ByeOptions>,
    pub uac: Option<Box<inviter::InviterData>>,
    pub uas: Option<Box<invitation::InvitationData>>,
    /// re-INVITEs in either direction, once there was one.
    pub reinvite: Option<Box<reinvite::ReinviteData>>,
    /// A call placed for an accepted REFER: the referrer's session gets a
    /// NOTIFY for each response (RFC 3515 §2.4.5).
    pub referrer: Option<refer::Referrer>,
    /// REFERs accepted in this dialog (RFC 3515 §2.4.6: NOTIFYs of the
    /// second and later ones carry an Event `id`).
    pub refers_accepted: u32,
    /// UPDATEs in either direction, once there was one.
    pub update: Option<Box<update::UpdateData>>,
    /// The session timer agreed (RFC 4028), when on.
    pub session_timer: Option<session_timer::Negotiated>,
}

impl SessionData {
    /// A session in Initial with its identities.
    pub(crate) fn new(id: SessionId, is_inviter: bool, identities: Identities) -> Self {
        SessionData {
            id,
            state: SessionState::Initial,
            is_inviter,
            dialog: None,
            oa: OfferAnswer::new(),
            identities,
            asserted_identity: None,
            replacee: None,
            user_data: None,
            timers: TimerTable::default(),
            cause: None,
            bye_after_ack: None,
            uac: None,
            uas: None,
            reinvite: None,
            referrer: None,
            refers_accepted: 0,
            update: None,
            session_timer: None,
        }
    }

    /// Approximate bytes held by this session (struct and heap).
    pub(crate) fn memory_usage(&self) -> usize {
        core::mem::size_of::<Self>()
            + self.dialog.as_ref().map_or(0, Dialog::heap_bytes)
            + self.identities.text.len()
            + self.asserted_identity.as_ref().map_or(0, |a| a.len())
            + self.uac.as_ref().map_or(0, |u| u.memory_usage())
            + self.uas.as_ref().map_or(0, |u| u.memory_usage())
            + self.reinvite.as_ref().map_or(0, |r| r.memory_usage())
    }
}

/// The local and remote identities of a session as name-addr text, one
/// after the other in one allocation; an Invitation keeps the To tag of
/// its responses after them.
pub(crate) struct Identities {
    /// A `String`, not shrunk to its length: an Inviter's is written
    /// with room to spare (the target's length is not known before), and
    /// shrinking it would copy it again.
    text: String,
    /// Where the remote identity starts.
    split: usize,
    /// Where the remote identity ends (and the tag starts).
    end: usize,
    /// Where the tag of the INVITE's From is (in the local identity of an
    /// Inviter, the remote one of an Invitation), as `key::tag` reads it:
    /// dialogs are created with it (`KnownTags`) instead of reading it
    /// again.
    from_tag: Option<(usize, usize)>,
}

/// Where `part`, a slice of `whole`, starts in it.
fn offset_in(whole: &str, part: &str) -> usize {
    let at = part.as_ptr() as usize - whole.as_ptr() as usize;
    debug_assert_eq!(whole.get(at..at + part.len()), Some(part));
    at
}

impl Identities {
    /// From the INVITE's From (`local`, with its tag) and To.
    pub(crate) fn new(local: &str, remote: &str) -> Identities {
        let mut ids = Identities::build(local, remote, None, None);
        let local = ids.local();
        ids.from_tag = sip_core::transaction::key::tag(local)
            .map(|t| (offset_in(local, t), offset_in(local, t) + t.len()));
        ids
    }

    /// From `text`, the local identity up to byte `split` (a From ending
    /// with its tag of `TAG_LEN` characters) and the remote one after it.
    pub(crate) fn from_text(text: String, split: usize) -> Identities {
        let end = text.len();
        Identities {
            text,
            split,
            end,
            from_tag: Some((split - TAG_LEN, split)),
        }
    }

    /// An Invitation's: `remote` is the INVITE's From, `from_tag` its tag
    /// (a slice of it); with a fresh tag drawn from `tokens` (the same
    /// tokens as `TokenSource::tag`).
    pub(crate) fn with_tag(
        local: &str,
        remote: &str,
        from_tag: &str,
        tokens: &mut TokenSource,
    ) -> Identities {
        let at = local.len() + offset_in(remote, from_tag);
        let from_tag = Some((at, at + from_tag.len()));
        Identities::build(local, remote, Some(tokens), from_tag)
    }

    fn build(
        local: &str,
        remote: &str,
        tag: Option<&mut TokenSource>,
        from_tag: Option<(usize, usize)>,
    ) -> Identities {
        let tag_len = if tag.is_some() { TAG_LEN } else { 0 };
        let mut text = String::with_capacity(local.len() + remote.len() + tag_len);
        text.push_str(local);
        text.push_str(remote);
        let end = text.len();
        if let Some(tokens) = tag {
            tokens.fill_token(&mut text, TAG_LEN);
        }
        Identities {
            text,
            split: local.len(),
            end,
            from_tag,
        }
    }

    /// The tag of the INVITE's From.
    pub(crate) fn invite_from_tag(&self) -> Option<&str> {
        self.from_tag.map(|(a, b)| &self.text[a..b])
    }

    pub(crate) fn local(&self) -> &str {
        &self.text[..self.split]
    }

    pub(crate) fn remote(&self) -> &str {
        &self.text[self.split..self.end]
    }

    /// The tag drawn by [`with_tag`](Self::with_tag) (empty without).
    pub(crate) fn tag(&self) -> &str {
        &self.text[self.end..]
    }
}

/// The slab of sessions: Copy ids with generations, the sessions held in
/// the slots (not boxed: one allocation and free less per session; a
/// session is built in its slot, see [`vacant`](Self::vacant)).
#[derive(Default)]
pub(crate) struct SessionTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
}

#[derive(Default)]
struct Slot {
    generation: u32,
    data: Option<SessionData>,
}

impl SessionTable {
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// The empty slot the next session goes into and the id it will
    /// have: the caller builds the session in it, then
    /// [`commit`](Self::commit)s it. A slot left empty stays free (the
    /// next one gets the same id).
    pub(crate) fn vacant(&mut self) -> (SessionId, &mut Option<SessionData>) {
        let i = match self.free.last() {
            Some(&i) => i,
            None => {
                let i = self.slots.len() as u32;
                self.slots.push(Slot::default());
                self.free.push(i);
                i
            }
        };
        let slot = &mut self.slots[i as usize];
        debug_assert!(slot.data.is_none());
        (SessionId::new(i, slot.generation), &mut slot.data)
    }

    /// Counts in the session built in the slot of `id` (from
    /// [`vacant`](Self::vacant)); nothing when the slot was left empty.
    pub(crate) fn commit(&mut self, id: SessionId) {
        debug_assert_eq!(self.free.last(), Some(&(id.index() as u32)));
        if self.slots[id.index()].data.is_some() {
            self.free.pop();
            self.live += 1;
        }
    }

    pub(crate) fn get(&self, id: SessionId) -> Option<&SessionData> {
        let slot = self.slots.get(id.index())?;
        (slot.generation == id.generation()).then_some(())?;
        slot.data.as_ref()
    }

    pub(crate) fn get_mut(&mut self, id: SessionId) -> Option<&mut SessionData> {
        let slot = self.slots.get_mut(id.index())?;
        (slot.generation == id.generation()).then_some(())?;
        slot.data.as_mut()
    }

    /// Drops session `id` (in its slot); false when there is none.
    pub(crate) fn remove(&mut self, id: SessionId) -> bool {
        let Some(slot) = self.slots.get_mut(id.index()) else {
            return false;
        };
        if slot.generation != id.generation() || slot.data.is_none() {
            return false;
        }
        slot.data = None;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(id.index() as u32);
        self.live -= 1;
        true
    }

    pub(crate) fn ids(&self) -> impl Iterator<Item = SessionId> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.data.is_some())
            .map(|(i, s)| SessionId::new(i as u32, s.generation))
    }

    pub(crate) fn memory_usage(&self) -> usize {
        self.slots.capacity() * core::mem::size_of::<Slot>()
            + self.free.capacity() * 4
            + self
                .slots
                .iter()
                .filter_map(|s| s.data.as_ref())
                .map(|s| s.memory_usage() - core::mem::size_of::<SessionData>())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sessions are built in their slots: a slot left empty is not
    /// counted and the next session gets its id; a removed session's slot
    /// is reused with the next generation.
    #[test]
    fn table_builds_sessions_in_place() {
        let ids = || Identities::new("<sip:a@x>;tag=1", "<sip:b@y>");
        let mut t = SessionTable::default();
        let (first, _) = t.vacant();
        assert_eq!(first, SessionId::new(0, 0));
        t.commit(first);
        assert_eq!((t.len(), t.get(first).is_none()), (0, true));
        let (again, slot2) = t.vacant();
        assert_eq!(again, first);
        *slot2 = Some(SessionData::new(again, true, ids()));
        t.commit(again);
        assert_eq!(t.len(), 1);
        assert!(t.get(first).is_some_and(|s| s.id == first && s.is_inviter));
        let (second, slot) = t.vacant();
        assert_eq!(second, SessionId::new(1, 0));
        *slot = Some(SessionData::new(second, false, ids()));
        t.commit(second);
        assert_eq!(t.ids().collect::<Vec<_>>(), [first, second]);
        assert!(t.remove(first));
        assert!(!t.remove(first));
        assert!(t.get(first).is_none() && t.get_mut(first).is_none());
        let (third, slot) = t.vacant();
        assert_eq!(third, SessionId::new(0, 1));
        *slot = Some(SessionData::new(third, true, ids()));
        t.commit(third);
        assert_eq!(
            (t.len(), t.ids().collect::<Vec<_>>()),
            (2, vec![third, second])
        );
    }

    /// The parts come back as given; the tag is the one `TokenSource::tag`
    /// draws, from the same tokens.
    #[test]
    fn identities_keep_their_parts_and_tag() {
        let plain = Identities::new("<sip:a@x>;tag=f0", "\"B\" <sip:b@y>;tag=1");
        assert_eq!(
            (plain.local(), plain.remote(), plain.tag()),
            ("<sip:a@x>;tag=f0", "\"B\" <sip:b@y>;tag=1", "")
        );
        assert_eq!(plain.invite_from_tag(), Some("f0"));
        assert_eq!(
            Identities::new("<sip:a@x>", "<sip:b@y>").invite_from_tag(),
            None
        );
        let mut a = TokenSource::from_seed(6);
        let mut b = TokenSource::from_seed(6);
        let from = "\"A;tag=x\" <sip:a@y>;tag=f1;p";
        let tag = sip_core::transaction::key::tag(from).unwrap();
        let tagged = Identities::with_tag("<sip:b@y>", from, tag, &mut a);
        assert_eq!((tagged.local(), tagged.remote()), ("<sip:b@y>", from));
        assert_eq!(tagged.invite_from_tag(), Some("f1"));
        assert_eq!(tagged.tag(), b.tag());
        assert_eq!(a.next_u64(), b.next_u64());
        let text = String::from("<sip:a@x>;tag=0123456789<sip:b@y>");
        let ids = Identities::from_text(text, 24);
        assert_eq!(
            (ids.local(), ids.remote()),
            ("<sip:a@x>;tag=0123456789", "<sip:b@y>")
        );
        assert_eq!(ids.invite_from_tag(), Some("0123456789"));
    }
}
