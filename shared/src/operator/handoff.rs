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

/// What users write to ask for a person, folded (lowercase, no diacritics), in English and
/// each chat language; the whole message, with or without a leading `/`.
const HANDOFF_WORDS: &[&str] = &[
    "agent",
    "human",
    "person",
    "operator",
    "support",
    // ro
    "om",
    "persoana",
    "operator uman",
    // ru
    "оператор",
    "человек",
    "агент",
    // fr
    "humain",
    "conseiller",
    "un humain",
    // de
    "mensch",
    "mitarbeiter",
    "berater",
];

/// Whether `text` asks for a person (`AGENT`, `HUMAN`, `OPERATOR`, `CHELOVEK`, …).
pub fn asks_for_person(text: &str) -> bool {
    let cleaned = crate::capabilities::text::clean(text);
    let words: Vec<String> = cleaned
        .split_whitespace()
        .map(|w| crate::capabilities::text::fold(w.trim_start_matches('/').trim_end_matches(['.', '!', '?'])))
        .filter(|w| !w.is_empty())
        .collect();
    let phrase = words.join(" ");
    !phrase.is_empty() && HANDOFF_WORDS.contains(&phrase.as_str())
}

/// A line of the conversation as the console lists it: the text, or what was sent.
pub fn describe(content: &crate::domain::MessageContent) -> String {
    use crate::domain::MessageContent;
    match content {
        MessageContent::Text { body } => body.clone(),
        MessageContent::ListReply { title, .. } | MessageContent::ButtonReply { title, .. } => {
            format!("[{title}]")
        }
        MessageContent::Other { message_type } => format!("[{message_type}]"),
    }
}

/// Writes the core's state of `contact` (nothing kept for the default).
pub async fn save(
    contacts: &dyn crate::ports::ContactStore,
    contact: &crate::domain::ContactKey,
    state: &CoreState,
) -> crate::StoreResult<()> {
    contacts.set_state(contact, STATE_NAMESPACE, state.to_state().as_deref()).await
}

/// Hands an escalated conversation back to the bot: the escalation is marked released by
/// `by` (the operator's console identity) at `at`, and the conversation's flag cleared with
/// its count of failures, so the next message is the bot's again. `false` when no
/// escalation was open (the flag is cleared all the same, so a half-done release finishes).
pub async fn release(
    escalations: &dyn crate::ports::EscalationStore,
    contacts: &dyn crate::ports::ContactStore,
    contact: &crate::domain::ContactKey,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> crate::StoreResult<bool> {
    let released = escalations.release(contact, by, at).await?;
    let mut state = CoreState::read(&contacts.settings(contact).await?);
    if state.escalated || state.failures_in_a_row > 0 {
        state.escalated = false;
        state.failures_in_a_row = 0;
        save(contacts, contact, &state).await?;
    }
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handoff_words_in_every_language() {
        for text in [
            "AGENT",
            "human",
            "/agent",
            " Human! ",
            "Operator",
            "ОПЕРАТОР",
            "человек",
            "Humain",
            "Mensch",
            "persoană",
        ] {
            assert!(asks_for_person(text), "{text:?}");
        }
        for text in ["agent 007", "I want an agent", "BAL", "", "pay 100"] {
            assert!(!asks_for_person(text), "{text:?}");
        }
    }

    #[tokio::test]
    async fn release_clears_the_flag_and_closes_the_escalation() {
        use crate::adapters::memory::{MemoryContactStore, MemoryEscalationStore};
        use crate::ports::{ContactStore, Escalation, EscalationReason, EscalationStore};
        let contacts = MemoryContactStore::default();
        let escalations = MemoryEscalationStore::default();
        let contact =
            crate::domain::ContactKey { business_number_id: "n".into(), user_key: "+37369000001".into() };
        let at = "2026-12-02T10:00:00Z".parse().unwrap();
        let escalation = Escalation {
            contact: contact.clone(),
            reason: EscalationReason::Asked,
            opened_at: at,
            locale: crate::domain::Locale::Ro,
            messages: Vec::new(),
            released: None,
        };
        assert!(escalations.open(&escalation).await.unwrap());
        let state = CoreState { escalated: true, failures_in_a_row: 2, told_paused: Some("p1".into()) };
        save(&contacts, &contact, &state).await.unwrap();
        assert!(release(&escalations, &contacts, &contact, "ops@example.com", at).await.unwrap());
        let after = CoreState::read(&contacts.settings(&contact).await.unwrap());
        assert_eq!(after, CoreState { told_paused: Some("p1".into()), ..CoreState::default() });
        let released = escalations.get(&contact).await.unwrap().unwrap().released;
        assert_eq!(released, Some(("ops@example.com".to_owned(), at)));
        assert!(!release(&escalations, &contacts, &contact, "ops@example.com", at).await.unwrap());
    }
}
