//! The template outbox in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::locked;
use crate::StoreResult;
use crate::domain::*;

#[derive(Debug, Default)]
pub struct MemoryOutboxStore {
    items: Mutex<HashMap<ContactKey, Vec<crate::ports::Notice>>>,
}

#[async_trait]
impl crate::ports::OutboxStore for MemoryOutboxStore {
    async fn add(&self, item: &crate::ports::Notice) -> StoreResult<()> {
        let mut items = locked(&self.items);
        let pending = items.entry(item.contact.clone()).or_default();
        if !pending.iter().any(|p| p.id == item.id) {
            pending.push(item.clone());
        }
        Ok(())
    }
    async fn pending(&self, contact: &ContactKey) -> StoreResult<Vec<crate::ports::Notice>> {
        let mut pending = locked(&self.items).get(contact).cloned().unwrap_or_default();
        pending.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        Ok(pending)
    }
    async fn contacts_with_pending(&self, limit: usize) -> StoreResult<Vec<ContactKey>> {
        let items = locked(&self.items);
        let mut contacts: Vec<_> =
            items.iter().filter(|(_, v)| !v.is_empty()).map(|(k, _)| k.clone()).collect();
        contacts.sort_by_key(|c| c.storage_key());
        contacts.truncate(limit);
        Ok(contacts)
    }
    async fn remove(&self, contact: &ContactKey, notice_ids: &[String]) -> StoreResult<()> {
        if let Some(pending) = locked(&self.items).get_mut(contact) {
            pending.retain(|p| !notice_ids.contains(&p.id));
        }
        Ok(())
    }
}
