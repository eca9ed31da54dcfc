//! Operator alerts in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::locked;
use crate::StoreResult;
use crate::ports::*;

#[derive(Debug, Default)]
pub struct MemoryAlertStore {
    alerts: Mutex<HashMap<String, Alert>>,
}

#[async_trait]
impl AlertStore for MemoryAlertStore {
    async fn raise(&self, alert: &Alert) -> StoreResult<()> {
        locked(&self.alerts).entry(alert.id.clone()).or_insert_with(|| alert.clone());
        Ok(())
    }

    async fn list(&self, business_number_id: &str, limit: usize) -> StoreResult<Vec<Alert>> {
        let mut found: Vec<_> = locked(&self.alerts)
            .values()
            .filter(|a| a.business_number_id == business_number_id)
            .cloned()
            .collect();
        found.sort_by(|a, b| b.raised_at.cmp(&a.raised_at).then_with(|| b.id.cmp(&a.id)));
        found.truncate(limit);
        Ok(found)
    }

    async fn acknowledge(&self, id: &str, by: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let mut alerts = locked(&self.alerts);
        let Some(alert) = alerts.get_mut(id) else { return Ok(false) };
        alert.acknowledged.get_or_insert_with(|| (by.to_owned(), at));
        Ok(true)
    }
}
