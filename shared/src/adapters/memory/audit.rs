//! The hash-chained audit trail in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::locked;
use crate::StoreResult;
use crate::audit;
use crate::ports::*;

#[derive(Debug, Default)]
pub struct MemoryAuditLog {
    chains: Mutex<HashMap<String, Vec<AuditRecord>>>,
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn append(&self, event: AuditEvent) -> StoreResult<AuditRecord> {
        let mut chains = locked(&self.chains);
        let chain = chains.entry(event.chain.clone()).or_default();
        let record = audit::next_record(chain.last(), event);
        chain.push(record.clone());
        Ok(record)
    }
    async fn chain(&self, chain: &str) -> StoreResult<Vec<AuditRecord>> {
        Ok(locked(&self.chains).get(chain).cloned().unwrap_or_default())
    }
    async fn last(&self, chain: &str) -> StoreResult<Option<AuditRecord>> {
        Ok(locked(&self.chains).get(chain).and_then(|c| c.last().cloned()))
    }
}
