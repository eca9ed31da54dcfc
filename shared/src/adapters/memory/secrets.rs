//! Secrets in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::locked;
use crate::ports::*;
use crate::{StoreError, StoreResult};

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
