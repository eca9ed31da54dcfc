//! The 24-hour window in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::locked;
use crate::StoreResult;
use crate::domain::*;
use crate::ports::*;

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
