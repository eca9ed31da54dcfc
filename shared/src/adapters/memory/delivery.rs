//! Delivery statuses in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::locked;
use crate::StoreResult;
use crate::domain::*;
use crate::ports::*;

/// One message's status and the outbox form kept beside it, under one lock, as they share
/// one item in DynamoDB.
#[derive(Debug, Default)]
struct StatusEntry {
    record: Option<DeliveryRecord>,
    fallback: Option<crate::ports::Notice>,
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

    async fn attach_fallback(&self, message_id: &str, item: &crate::ports::Notice) -> StoreResult<bool> {
        let mut map = locked(&self.entries);
        let entry = map.entry(message_id.to_owned()).or_default();
        if entry.record.as_ref().is_some_and(|r| r.error_code == Some(WINDOW_CLOSED_CODE)) {
            return Ok(false);
        }
        entry.fallback = Some(item.clone());
        Ok(true)
    }

    async fn take_fallback(&self, message_id: &str) -> StoreResult<Option<crate::ports::Notice>> {
        Ok(locked(&self.entries).get_mut(message_id).and_then(|e| e.fallback.take()))
    }
}
