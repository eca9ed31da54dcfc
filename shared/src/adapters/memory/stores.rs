use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{ContactKey, DeliveryUpdate};
use crate::ports::{DeliveryRecord, DeliveryStatusStore, SecretSource, WINDOW_CLOSED_CODE, WindowStore};
use crate::{StoreError, StoreResult};

pub(super) fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps half-updated (single inserts).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug, Default)]
pub struct MemoryWindowStore {
    last_inbound: Mutex<HashMap<ContactKey, DateTime<Utc>>>,
}

#[async_trait]
impl WindowStore for MemoryWindowStore {
    async fn record_inbound(&self, contact: &ContactKey, at: DateTime<Utc>) -> StoreResult<()> {
        let mut map = locked(&self.last_inbound);
        let entry = map.entry(contact.clone()).or_insert(at);
        if *entry < at {
            *entry = at;
        }
        Ok(())
    }

    async fn last_inbound(&self, contact: &ContactKey) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(locked(&self.last_inbound).get(contact).copied())
    }
}

/// One message's status and the outbox form kept beside it, under one lock, as they share
/// one item in DynamoDB.
#[derive(Debug, Default)]
struct StatusEntry {
    record: Option<DeliveryRecord>,
    fallback: Option<crate::ports::OutboxItem>,
}

#[derive(Debug, Default)]
pub struct MemoryDeliveryStatusStore {
    entries: Mutex<HashMap<String, StatusEntry>>,
}

#[async_trait]
impl DeliveryStatusStore for MemoryDeliveryStatusStore {
    async fn record(&self, update: &DeliveryUpdate) -> StoreResult<()> {
        let mut map = locked(&self.entries);
        let entry = map.entry(update.message_id.clone()).or_default();
        if entry.record.as_ref().is_none_or(|current| current.state.rank() < update.state.rank()) {
            entry.record =
                Some(DeliveryRecord { state: update.state, at: update.at, error_code: update.error_code });
        }
        Ok(())
    }

    async fn get(&self, message_id: &str) -> StoreResult<Option<DeliveryRecord>> {
        Ok(locked(&self.entries).get(message_id).and_then(|e| e.record.clone()))
    }

    async fn attach_fallback(&self, message_id: &str, item: &crate::ports::OutboxItem) -> StoreResult<bool> {
        let mut map = locked(&self.entries);
        let entry = map.entry(message_id.to_owned()).or_default();
        if entry.record.as_ref().is_some_and(|r| r.error_code == Some(WINDOW_CLOSED_CODE)) {
            return Ok(false);
        }
        entry.fallback = Some(item.clone());
        Ok(true)
    }

    async fn take_fallback(&self, message_id: &str) -> StoreResult<Option<crate::ports::OutboxItem>> {
        Ok(locked(&self.entries).get_mut(message_id).and_then(|e| e.fallback.take()))
    }
}

/// Secrets held in memory, keyed by secret id.
#[derive(Debug, Default)]
pub struct MemorySecrets {
    secrets: Mutex<HashMap<String, HashMap<String, String>>>,
}

impl MemorySecrets {
    pub fn with_secret(self, id: &str, values: HashMap<String, String>) -> Self {
        locked(&self.secrets).insert(id.to_owned(), values);
        self
    }
}

#[async_trait]
impl SecretSource for MemorySecrets {
    async fn secret_values(&self, secret_id: &str) -> StoreResult<HashMap<String, String>> {
        locked(&self.secrets)
            .get(secret_id)
            .cloned()
            .ok_or_else(|| StoreError::unavailable("secrets", format!("no secret named {secret_id}")))
    }
}
