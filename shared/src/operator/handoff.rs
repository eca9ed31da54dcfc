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

/// Releases the contact's open escalation: the escalation is marked released by `by`, and the
/// conversation's core state forgets it (and the failures that led to it), so the bot answers
/// the user's next message. `false` when no escalation was open.
pub async fn release(
    escalations: &dyn crate::ports::EscalationStore,
    contacts: &dyn crate::ports::ContactStore,
    contact: &crate::domain::ContactKey,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> crate::StoreResult<bool> {
    let released = escalations.release(contact, by, at).await?;
    // Cleared even when nothing was open: a conversation left marked by an interrupted
    // release must not stay silent.
    let mut state = CoreState::read(&contacts.settings(contact).await?);
    if state.escalated || state.failures_in_a_row > 0 {
        state.escalated = false;
        state.failures_in_a_row = 0;
        contacts.set_state(contact, STATE_NAMESPACE, state.to_state().as_deref()).await?;
    }
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{MemoryContactStore, MemoryEscalationStore};
    use crate::domain::{ContactKey, Locale};
    use crate::ports::{ContactStore, Escalation, EscalationReason, EscalationStore};

    #[tokio::test]
    async fn release_clears_the_escalation_and_the_core_state() {
        let escalations = MemoryEscalationStore::default();
        let contacts = MemoryContactStore::default();
        let contact = ContactKey { business_number_id: "n1".into(), user_key: "+233244000001".into() };
        let at = "2026-12-02T10:00:00Z".parse().unwrap();
        let escalated = CoreState { failures_in_a_row: 3, escalated: true, told_paused: Some("p1".into()) };
        contacts.set_state(&contact, STATE_NAMESPACE, escalated.to_state().as_deref()).await.unwrap();
        escalations
            .open(&Escalation {
                contact: contact.clone(),
                reason: EscalationReason::RepeatedFailures,
                opened_at: at,
                locale: Locale::En,
                messages: vec![],
                released: None,
            })
            .await
            .unwrap();

        assert!(release(&escalations, &contacts, &contact, "ama", at).await.unwrap());
        let state = CoreState::read(&contacts.settings(&contact).await.unwrap());
        assert_eq!(state, CoreState { told_paused: Some("p1".into()), ..CoreState::default() });
        assert_eq!(escalations.get(&contact).await.unwrap().unwrap().released, Some(("ama".into(), at)));
        assert!(escalations.open_for("n1", 10).await.unwrap().is_empty());
        assert!(!release(&escalations, &contacts, &contact, "ama", at).await.unwrap(), "nothing open");
    }
}
