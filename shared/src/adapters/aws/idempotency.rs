//! Durable claims with leases in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};

use super::item::*;
use super::{SERVICE, describe, get_item, is_condition_failure};
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// Idempotency table (key `key`): `status` (`in_progress` | `done`), `lease_until` (ms),
/// `expires_at` (seconds, TTL).
#[derive(Debug, Clone)]
pub struct DynamoIdempotencyStore {
    client: Client,
    table: String,
}

impl DynamoIdempotencyStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoIdempotencyStore { client, table: table.into() }
    }
}

#[async_trait]
impl IdempotencyStore for DynamoIdempotencyStore {
    async fn claim(&self, key: &str, now: DateTime<Utc>, lease: Duration) -> StoreResult<Claim> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("key", s(key))
            .item("status", s("in_progress"))
            .item("lease_until", n((now + lease).timestamp_millis()))
            // Left to TTL a day after the lease, in case the worker never comes back.
            .item("expires_at", n((now + lease + Duration::days(1)).timestamp()))
            .condition_expression(
                "attribute_not_exists(#k) OR (#s = :in_progress AND lease_until <= :now_ms) \
                 OR (#s = :done AND expires_at <= :now_s)",
            )
            .expression_attribute_names("#k", "key")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":in_progress", s("in_progress"))
            .expression_attribute_values(":done", s("done"))
            .expression_attribute_values(":now_ms", n(now.timestamp_millis()))
            .expression_attribute_values(":now_s", n(now.timestamp()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Acquired),
            Err(err) if is_condition_failure(&err) => {
                let item = get_item(&self.client, &self.table, "key", key, None).await?.unwrap_or_default();
                Ok(match string_attr(&item, "status").as_deref() {
                    Some("done") => Claim::Done,
                    _ => Claim::InProgress,
                })
            }
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn complete(&self, key: &str, now: DateTime<Utc>, keep: Duration) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("key", s(key))
            .item("status", s("done"))
            .item("expires_at", n((now + keep).timestamp()))
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }

    async fn release(&self, key: &str) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("key", s(key))
            .condition_expression("#s = :in_progress")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":in_progress", s("in_progress"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn reopen(&self, key: &str) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("key", s(key))
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }
}
