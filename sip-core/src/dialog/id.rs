//! The dialog identifier (RFC 3261 §12): Call-ID, local tag and remote
//! tag, owned ([`DialogId`]) and borrowed ([`DialogIdRef`]).
//!
//! A map keyed by [`DialogId`] can be searched with a [`DialogIdRef`]
//! borrowed from an incoming message, without allocating:
//!
//! ```
//! use std::collections::HashMap;
//! use sip_core::dialog::{DialogId, DialogIdRef};
//!
//! let mut map = HashMap::new();
//! map.insert(DialogId::new("a84b4c76e66710", "1928301774", "a6c85cf"), 7);
//! let key = DialogIdRef::new("a84b4c76e66710", "1928301774", "a6c85cf");
//! assert_eq!(map.get(key.as_key()), Some(&7));
//! ```

use core::borrow::Borrow;
use core::fmt;
use core::hash::{Hash, Hasher};
use std::sync::Arc;

/// The identifier of a dialog (RFC 3261 §12): the Call-ID, the local tag
/// and the remote tag, compared byte for byte (Call-IDs and tags are
/// case-sensitive, §19.3, §20.8).
///
/// Each side sees the same dialog with local and remote tags swapped: the
/// UAC's local tag is the From tag, the UAS's local tag is the To tag
/// (§12.1.1, §12.1.2).
///
/// The three parts live in one shared allocation, one after the other, so
/// a clone (the key of an index of dialogs) costs no allocation; equality,
/// hashing and `Debug` are those of the parts. The [`Dialog`](super::Dialog)
/// keeps its other texts in the same allocation, after the parts (not
/// part of the id).
#[derive(Clone)]
pub struct DialogId {
    /// Call-ID, local tag and remote tag, concatenated, then the payload.
    text: Arc<str>,
    /// Where the local tag starts in `text`.
    local_at: usize,
    /// Where the remote tag starts in `text`.
    remote_at: usize,
    /// Where the remote tag (and the id) ends; the payload follows.
    end: usize,
}

/// A borrowed [`DialogId`], read from a message; `Copy`, for lookups.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct DialogIdRef<'a> {
    /// The Call-ID.
    pub call_id: &'a str,
    /// The local tag.
    pub local_tag: &'a str,
    /// The remote tag.
    pub remote_tag: &'a str,
}

impl DialogId {
    /// A dialog id from its three parts.
    pub fn new(call_id: &str, local_tag: &str, remote_tag: &str) -> Self {
        DialogId::with_payload(call_id, local_tag, remote_tag, &[])
    }

    /// A dialog id whose allocation also holds the concatenation of
    /// `payload` (read back with [`payload`](Self::payload)).
    pub(crate) fn with_payload(
        call_id: &str,
        local_tag: &str,
        remote_tag: &str,
        payload: &[&str],
    ) -> Self {
        let parts = [call_id, local_tag, remote_tag];
        let end = call_id.len() + local_tag.len() + remote_tag.len();
        let len = end + payload.iter().map(|p| p.len()).sum::<usize>();
        let all = parts.iter().chain(payload);
        // Concatenated on the stack when short (the usual case): the
        // shared text is the only allocation.
        let text: Arc<str> = if len <= STACK {
            let mut buf = [0u8; STACK];
            let mut at = 0;
            for p in all.filter(|p| !p.is_empty()) {
                buf[at..at + p.len()].copy_from_slice(p.as_bytes());
                at += p.len();
            }
            // A concatenation of `str`s is UTF-8.
            Arc::from(core::str::from_utf8(&buf[..len]).unwrap_or_default())
        } else {
            Arc::from(all.copied().collect::<String>())
        };
        DialogId {
            text,
            local_at: call_id.len(),
            remote_at: call_id.len() + local_tag.len(),
            end,
        }
    }

    /// The text stored after the parts by [`with_payload`](Self::with_payload).
    pub(crate) fn payload(&self) -> &str {
        &self.text[self.end..]
    }

    /// The Call-ID.
    pub fn call_id(&self) -> &str {
        &self.text[..self.local_at]
    }

    /// The local tag.
    pub fn local_tag(&self) -> &str {
        &self.text[self.local_at..self.remote_at]
    }

    /// The remote tag.
    pub fn remote_tag(&self) -> &str {
        &self.text[self.remote_at..self.end]
    }

    /// The borrowed form.
    pub fn as_ref(&self) -> DialogIdRef<'_> {
        DialogIdRef {
            call_id: self.call_id(),
            local_tag: self.local_tag(),
            remote_tag: self.remote_tag(),
        }
    }

    /// Heap bytes held by the id (a dialog's payload is counted by the
    /// dialog).
    pub fn heap_bytes(&self) -> usize {
        self.end
    }
}

/// Longest text concatenated on the stack by [`DialogId::with_payload`].
const STACK: usize = 256;

impl PartialEq for DialogId {
    /// The parts (not the payload).
    fn eq(&self, other: &Self) -> bool {
        self.local_at == other.local_at
            && self.remote_at == other.remote_at
            && self.end == other.end
            && (Arc::ptr_eq(&self.text, &other.text)
                || self.text[..self.end] == other.text[..other.end])
    }
}

impl Eq for DialogId {}

impl<'a> DialogIdRef<'a> {
    /// A borrowed dialog id.
    pub fn new(call_id: &'a str, local_tag: &'a str, remote_tag: &'a str) -> Self {
        DialogIdRef {
            call_id,
            local_tag,
            remote_tag,
        }
    }

    /// The owned form.
    pub fn to_owned(self) -> DialogId {
        DialogId::new(self.call_id, self.local_tag, self.remote_tag)
    }

    /// The form to pass to `HashMap::get` on a map keyed by [`DialogId`].
    pub fn as_key(&self) -> &(dyn DialogKey + 'a) {
        self
    }
}

/// Something that names a dialog: the parts of a [`DialogId`]. Lets a map
/// keyed by [`DialogId`] be searched with a [`DialogIdRef`] (see
/// [`DialogIdRef::as_key`]).
pub trait DialogKey {
    /// Call-ID, local tag, remote tag.
    fn parts(&self) -> (&str, &str, &str);

    /// [`parts`](Self::parts) as bytes (what equality reads; an owned id
    /// slices its text without the `str` boundary checks).
    fn part_bytes(&self) -> [&[u8]; 3] {
        let (a, b, c) = self.parts();
        [a.as_bytes(), b.as_bytes(), c.as_bytes()]
    }
}

impl DialogKey for DialogId {
    fn parts(&self) -> (&str, &str, &str) {
        (self.call_id(), self.local_tag(), self.remote_tag())
    }

    fn part_bytes(&self) -> [&[u8]; 3] {
        let t = self.text.as_bytes();
        [
            &t[..self.local_at],
            &t[self.local_at..self.remote_at],
            &t[self.remote_at..self.end],
        ]
    }
}

impl DialogKey for DialogIdRef<'_> {
    fn parts(&self) -> (&str, &str, &str) {
        (self.call_id, self.local_tag, self.remote_tag)
    }
}

impl Hash for dyn DialogKey + '_ {
    /// The local tag only (see [`DialogId`]'s `Hash`).
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.part_bytes()[1].hash(state);
    }
}

impl PartialEq for dyn DialogKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.part_bytes() == other.part_bytes()
    }
}

impl Eq for dyn DialogKey + '_ {}

impl Hash for DialogId {
    /// The local tag only: ids that are equal have equal local tags, and
    /// the dialogs a user agent holds differ in it (it is a token the
    /// agent draws, RFC 3261 §19.3), except the early dialogs of one
    /// forked INVITE. Cheaper than hashing the three parts. Must agree
    /// with `dyn DialogKey` for `Borrow`.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.part_bytes()[1].hash(state);
    }
}

impl<'a> Borrow<dyn DialogKey + 'a> for DialogId {
    fn borrow(&self) -> &(dyn DialogKey + 'a) {
        self
    }
}

impl fmt::Debug for DialogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DialogId")
            .field("call_id", &self.call_id())
            .field("local_tag", &self.local_tag())
            .field("remote_tag", &self.remote_tag())
            .finish()
    }
}

impl fmt::Display for DialogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl fmt::Display for DialogIdRef<'_> {
    /// `call-id;local=tag;remote=tag`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{};local={};remote={}",
            self.call_id, self.local_tag, self.remote_tag
        )
    }
}

impl From<DialogIdRef<'_>> for DialogId {
    fn from(r: DialogIdRef<'_>) -> Self {
        r.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn borrowed_lookup_matches_owned_key() {
        let mut m = HashMap::new();
        m.insert(DialogId::new("c", "l", "r"), 1);
        m.insert(DialogId::new("c", "r", "l"), 2);
        assert_eq!(m.get(DialogIdRef::new("c", "l", "r").as_key()), Some(&1));
        assert_eq!(m.get(DialogIdRef::new("c", "r", "l").as_key()), Some(&2));
        assert_eq!(m.get(DialogIdRef::new("C", "l", "r").as_key()), None);
        // The parts are not concatenated: ("cl", "", "r") differs.
        assert_eq!(m.get(DialogIdRef::new("cl", "", "r").as_key()), None);
    }

    #[test]
    fn parts_are_kept_apart() {
        let id = DialogId::new("call", "", "rt");
        assert_eq!(id.parts(), ("call", "", "rt"));
        assert_eq!(id.heap_bytes(), 6);
        assert_ne!(id, DialogId::new("cal", "l", "rt"));
        assert_eq!(id, DialogId::new("call", "", "rt"));
        assert_eq!(id, id.clone());
        assert_eq!(
            format!("{id:?}"),
            r#"DialogId { call_id: "call", local_tag: "", remote_tag: "rt" }"#
        );
    }

    /// Short ids (concatenated on the stack) and long ones (on the heap)
    /// keep their parts.
    #[test]
    fn short_and_long_ids_keep_their_parts() {
        for n in [0, 1, 60, STACK - 20, STACK - 10, STACK, STACK + 1, 500] {
            let call_id = "c".repeat(n);
            let id = DialogId::new(&call_id, "l0cal", "rem0te-\u{e9}");
            assert_eq!(id.parts(), (&*call_id, "l0cal", "rem0te-\u{e9}"));
            assert_eq!(id.as_ref().to_owned(), id);
        }
    }

    /// The payload is kept beside the parts and is no part of the id.
    #[test]
    fn payload_is_not_part_of_the_id() {
        for n in [0, 10, STACK, 600] {
            let long = "p".repeat(n);
            let id = DialogId::with_payload("c", "l", "r", &["one;", &long, "", "two"]);
            assert_eq!(id.parts(), ("c", "l", "r"));
            assert_eq!(id.payload(), format!("one;{long}two"));
            assert_eq!(id, DialogId::new("c", "l", "r"));
            assert_eq!(id.heap_bytes(), 3);
            let mut m = HashMap::new();
            m.insert(id.clone(), 1);
            assert_eq!(m.get(&DialogId::new("c", "l", "r")), Some(&1));
            assert_eq!(m.get(DialogIdRef::new("c", "l", "r").as_key()), Some(&1));
        }
    }

    /// Hashes are those of the local tag, and equality (of the parts'
    /// bytes) is that of the parts, for owned and borrowed ids.
    #[test]
    fn hash_and_equality_are_those_of_the_parts() {
        use core::hash::BuildHasher;
        let state = std::collections::hash_map::RandomState::new();
        let ids = [
            DialogId::with_payload("c1@x", "l0", "r0", &["p"]),
            DialogId::new("c1@x", "l0", "r0"),
            DialogId::new("c1@x", "l0r", "0"),
            DialogId::new("", "", ""),
            DialogId::new("c\u{e9}", "l", "r"),
        ];
        for a in &ids {
            let key: &dyn DialogKey = a;
            let local = state.hash_one(a.local_tag().as_bytes());
            assert_eq!(state.hash_one(a), local);
            assert_eq!(state.hash_one(key), local);
            let r = a.as_ref();
            let borrowed: &dyn DialogKey = &r;
            assert_eq!(state.hash_one(borrowed), local);
            assert_eq!(a.part_bytes(), borrowed.part_bytes());
            for b in &ids {
                let other: &dyn DialogKey = b;
                assert_eq!(key == other, a.parts() == b.parts());
                assert_eq!(a == b, a.parts() == b.parts());
            }
        }
    }

    #[test]
    fn displays_parts() {
        assert_eq!(
            DialogId::new("abc", "x", "y").to_string(),
            "abc;local=x;remote=y"
        );
    }
}
