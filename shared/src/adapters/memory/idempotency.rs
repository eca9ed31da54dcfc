//! Durable claims with leases in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::locked;
use crate::StoreResult;
use crate::ports::*;

#[derive(Debug, Clone, Copy)]
enum ClaimState {
    InProgress { lease_until: DateTime<Utc> },
    Done { until: DateTime<Utc> },
}

#[derive(Debug, Default)]
pub struct MemoryIdempotencyStore {
    claims: Mutex<HashMap<String, ClaimState>>,
}

#[async_trait]
impl IdempotencyStore for MemoryIdempotencyStore {
    async fn claim(&self, key: &str, now: DateTime<Utc>, lease: Duration) -> StoreResult<Claim> {
        let mut claims = locked(&self.claims);
        match claims.get(key) {
            Some(ClaimState::InProgress { lease_until }) if *lease_until > now => Ok(Claim::InProgress),
            Some(ClaimState::Done { until }) if *until > now => Ok(Claim::Done),
            _ => {
                claims.insert(key.to_owned(), ClaimState::InProgress { lease_until: now + lease });
                Ok(Claim::Acquired)
            }
        }
    }
    async fn complete(&self, key: &str, now: DateTime<Utc>, keep: Duration) -> StoreResult<()> {
        locked(&self.claims).insert(key.to_owned(), ClaimState::Done { until: now + keep });
        Ok(())
    }
    async fn release(&self, key: &str) -> StoreResult<()> {
        let mut claims = locked(&self.claims);
        if matches!(claims.get(key), Some(ClaimState::InProgress { .. })) {
            claims.remove(key);
        }
        Ok(())
    }
    async fn reopen(&self, key: &str) -> StoreResult<()> {
        locked(&self.claims).remove(key);
        Ok(())
    }
}
