//! Human handoff: a conversation handed to a person stays silent for the bot until an
//! operator releases it. The command function opens it (the user asked, or commands failed
//! several times in a row) and keeps the user's lines for the console; the console answers
//! and releases.

/// The lines of an escalated conversation kept for the console.
pub const KEPT_MESSAGES: usize = 20;

/// The core's own conversation state (under [`STATE_NAMESPACE`] in the contact's states):
/// what the bot switch and the handoff need to know on every message, read with the
/// contact's settings so that it costs no read of its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CoreState {
    /// Unrecognized commands in a row; reset by a recognized one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failures_in_a_row: u32,
    /// The conversation is with a person: the bot keeps its lines for the console and stays
    /// silent. Cleared when an operator releases it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escalated: bool,
    /// The pause ([`crate::ports::Pause::id`]) this user was told about already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub told_paused: Option<String>,
}

/// The namespace of [`CoreState`] in [`crate::ports::ContactSettings::states`].
pub const STATE_NAMESPACE: &str = "core";

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl CoreState {
    pub fn read(settings: &crate::ports::ContactSettings) -> CoreState {
        settings.state(STATE_NAMESPACE).and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
    }

    /// The stored form; `None` for the default (nothing to keep).
    pub fn to_state(&self) -> Option<String> {
        (*self != CoreState::default()).then(|| serde_json::to_string(self).expect("core state serializes"))
    }
}
