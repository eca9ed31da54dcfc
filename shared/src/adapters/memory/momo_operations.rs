//! MoMo top-ups and payouts in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::locked;
use crate::StoreResult;
use crate::ports::*;

#[derive(Debug, Default)]
pub struct MemoryMomoOperationStore {
    operations: Mutex<HashMap<uuid::Uuid, MomoOperation>>,
}

#[async_trait]
impl MomoOperationStore for MemoryMomoOperationStore {
    async fn insert_if_absent(&self, operation: &MomoOperation) -> StoreResult<(MomoOperation, bool)> {
        let mut operations = locked(&self.operations);
        if let Some(existing) = operations.get(&operation.reference) {
            return Ok((existing.clone(), false));
        }
        operations.insert(operation.reference, operation.clone());
        Ok((operation.clone(), true))
    }

    async fn get(&self, reference: uuid::Uuid) -> StoreResult<Option<MomoOperation>> {
        Ok(locked(&self.operations).get(&reference).cloned())
    }

    async fn transition(
        &self,
        reference: uuid::Uuid,
        to: MomoState,
        reason: Option<&str>,
        _at: DateTime<Utc>,
    ) -> StoreResult<Option<MomoOperation>> {
        let mut operations = locked(&self.operations);
        let Some(operation) = operations.get_mut(&reference).filter(|op| op.state.can_move_to(to)) else {
            return Ok(None);
        };
        operation.state = to;
        if let Some(reason) = reason {
            operation.reason = Some(reason.to_owned());
        }
        Ok(Some(operation.clone()))
    }

    async fn reschedule(
        &self,
        reference: uuid::Uuid,
        expected: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let mut operations = locked(&self.operations);
        let Some(operation) = operations.get_mut(&reference).filter(|op| op.next_check_at == Some(expected))
        else {
            return Ok(false);
        };
        operation.next_check_at = next;
        Ok(true)
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<MomoOperation>> {
        let mut due: Vec<_> = locked(&self.operations)
            .values()
            .filter(|op| op.next_check_at.is_some_and(|at| at <= now))
            .cloned()
            .collect();
        due.sort_by_key(|op| (op.next_check_at, op.reference));
        due.truncate(limit);
        Ok(due)
    }
}
