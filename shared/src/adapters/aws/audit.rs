//! The hash-chained audit trail in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;

use super::item::*;
use super::{Item, SERVICE, describe, is_condition_failure};
use crate::audit;
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// Audit table (key `chain` + `seq`): `prev_hash`, `hash`, `kind`, `at` (ms), `detail` (the
/// event's JSON text, kept as text so the hashed bytes come back unchanged).
#[derive(Debug, Clone)]
pub struct DynamoAuditLog {
    client: Client,
    table: String,
}

/// Appends that lose a race for the next sequence number try again this many times.
const AUDIT_APPEND_ATTEMPTS: usize = 8;

impl DynamoAuditLog {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoAuditLog { client, table: table.into() }
    }

    fn record_from(item: &Item) -> StoreResult<AuditRecord> {
        let malformed = |what: &str| StoreError::Malformed(format!("audit record without {what}"));
        let detail = string_attr(item, "detail").ok_or_else(|| malformed("detail"))?;
        Ok(AuditRecord {
            seq: number_attr(item, "seq").ok_or_else(|| malformed("seq"))? as u64,
            prev_hash: string_attr(item, "prev_hash").ok_or_else(|| malformed("prev_hash"))?,
            hash: string_attr(item, "hash").ok_or_else(|| malformed("hash"))?,
            event: serde_json::from_str(&detail).map_err(|e| StoreError::Malformed(e.to_string()))?,
        })
    }

    async fn newest(&self, chain: &str) -> StoreResult<Option<AuditRecord>> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#c = :c")
            .expression_attribute_names("#c", "chain")
            .expression_attribute_values(":c", s(chain))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        output.items.unwrap_or_default().first().map(Self::record_from).transpose()
    }
}

#[async_trait]
impl AuditLog for DynamoAuditLog {
    async fn append(&self, event: AuditEvent) -> StoreResult<AuditRecord> {
        for _ in 0..AUDIT_APPEND_ATTEMPTS {
            let record = audit::next_record(self.newest(&event.chain).await?.as_ref(), event.clone());
            let detail =
                serde_json::to_string(&record.event).map_err(|e| StoreError::Malformed(e.to_string()))?;
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("chain", s(&event.chain))
                .item("seq", n(record.seq as i64))
                .item("prev_hash", s(&record.prev_hash))
                .item("hash", s(&record.hash))
                .item("kind", s(&event.kind))
                .item("at", n(event.at.timestamp_millis()))
                .item("detail", s(detail))
                .condition_expression("attribute_not_exists(seq)")
                .send()
                .await;
            match result {
                Ok(_) => return Ok(record),
                Err(err) if is_condition_failure(&err) => continue,
                Err(err) => return Err(StoreError::unavailable(SERVICE, describe(&err))),
            }
        }
        Err(StoreError::unavailable(SERVICE, "audit chain is too contended; append again"))
    }

    async fn chain(&self, chain: &str) -> StoreResult<Vec<AuditRecord>> {
        let mut records = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#c = :c")
                .expression_attribute_names("#c", "chain")
                .expression_attribute_values(":c", s(chain))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
            for item in output.items.unwrap_or_default() {
                records.push(Self::record_from(&item)?);
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(records),
            }
        }
    }

    async fn last(&self, chain: &str) -> StoreResult<Option<AuditRecord>> {
        self.newest(chain).await
    }
}
