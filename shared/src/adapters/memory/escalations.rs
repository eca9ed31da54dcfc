//! Escalated conversations (human handoff) in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::locked;
use crate::StoreResult;
use crate::domain::ContactKey;
use crate::operator::handoff::KEPT_MESSAGES;
use crate::ports::*;

#[derive(Debug, Default)]
pub struct MemoryEscalationStore {
    by_contact: Mutex<HashMap<ContactKey, Escalation>>,
}

#[async_trait]
impl EscalationStore for MemoryEscalationStore {
    async fn open(&self, escalation: &Escalation) -> StoreResult<bool> {
        let mut all = locked(&self.by_contact);
        if all.get(&escalation.contact).is_some_and(|e| e.released.is_none()) {
            return Ok(false);
        }
        all.insert(escalation.contact.clone(), escalation.clone());
        Ok(true)
    }

    async fn append(&self, contact: &ContactKey, message: &HandoffMessage) -> StoreResult<()> {
        let mut all = locked(&self.by_contact);
        let Some(escalation) = all.get_mut(contact) else { return Ok(()) };
        if escalation.messages.iter().any(|m| m.id == message.id) {
            return Ok(());
        }
        escalation.messages.push(message.clone());
        let excess = escalation.messages.len().saturating_sub(KEPT_MESSAGES);
        escalation.messages.drain(..excess);
        Ok(())
    }

    async fn get(&self, contact: &ContactKey) -> StoreResult<Option<Escalation>> {
        Ok(locked(&self.by_contact).get(contact).cloned())
    }

    async fn open_for(&self, business_number_id: &str, limit: usize) -> StoreResult<Vec<Escalation>> {
        let mut open: Vec<_> = locked(&self.by_contact)
            .values()
            .filter(|e| e.contact.business_number_id == business_number_id && e.released.is_none())
            .cloned()
            .collect();
        open.sort_by(|a, b| {
            a.opened_at.cmp(&b.opened_at).then_with(|| a.contact.user_key.cmp(&b.contact.user_key))
        });
        open.truncate(limit);
        Ok(open)
    }

    async fn release(&self, contact: &ContactKey, by: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let mut all = locked(&self.by_contact);
        match all.get_mut(contact) {
            Some(escalation) if escalation.released.is_none() => {
                escalation.released = Some((by.to_owned(), at));
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
