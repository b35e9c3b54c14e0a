//! [`SessionState`] and the transitions SIP.js allows.

use core::fmt;

/// The state of a session (SIP.js `SessionState`).
///
/// | from | to |
/// |---|---|
/// | Initial | Establishing, Established, Terminating, Terminated |
/// | Establishing | Established, Terminating, Terminated |
/// | Established | Terminating, Terminated |
/// | Terminating | Terminated |
/// | Terminated | none |
///
/// Every change is reported as [`Event::StateChanged`](crate::Event::StateChanged).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum SessionState {
    /// Created: an Inviter before its INVITE is sent, an Invitation before
    /// it is answered.
    Initial,
    /// Inviter: INVITE sent, no 2xx yet. Invitation: `accept()` called,
    /// the 2xx not sent yet (waiting for a PRACK).
    Establishing,
    /// 2xx sent (Invitation) or ACKed (Inviter).
    Established,
    /// Ending: CANCEL sent and waiting for the final response, or BYE
    /// waiting for the ACK it must follow.
    Terminating,
    /// Over.
    Terminated,
}

impl SessionState {
    /// True when SIP.js allows the transition `self` → `to`.
    pub const fn can_become(self, to: SessionState) -> bool {
        use SessionState::*;
        matches!(
            (self, to),
            (
                Initial,
                Establishing | Established | Terminating | Terminated
            ) | (Establishing, Established | Terminating | Terminated)
                | (Established, Terminating | Terminated)
                | (Terminating, Terminated)
        )
    }

    /// The name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SessionState::Initial => "Initial",
            SessionState::Establishing => "Establishing",
            SessionState::Established => "Established",
            SessionState::Terminating => "Terminating",
            SessionState::Terminated => "Terminated",
        }
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::SessionState::{self, *};

    #[test]
    fn transition_table_is_sipjs() {
        let all = [Initial, Establishing, Established, Terminating, Terminated];
        let allowed: Vec<(SessionState, SessionState)> = all
            .iter()
            .flat_map(|&a| all.iter().map(move |&b| (a, b)))
            .filter(|(a, b)| a.can_become(*b))
            .collect();
        assert_eq!(
            allowed,
            [
                (Initial, Establishing),
                (Initial, Established),
                (Initial, Terminating),
                (Initial, Terminated),
                (Establishing, Established),
                (Establishing, Terminating),
                (Establishing, Terminated),
                (Established, Terminating),
                (Established, Terminated),
                (Terminating, Terminated),
            ]
        );
    }
}
