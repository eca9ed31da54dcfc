//! The operator's failed-command log in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::item::*;
use super::{Item, SERVICE, describe};
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// Failed-command table (key `key` = hash of business number, kind and normalized text):
/// `business_number_id`, `text`, `kind`, `suggestion`, `occurrences` (counter), `last_seen` (ms).
#[derive(Debug, Clone)]
pub struct DynamoFailedCommandLog {
    client: Client,
    table: String,
}

impl DynamoFailedCommandLog {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoFailedCommandLog { client, table: table.into() }
    }
}

#[async_trait]
impl FailedCommandLog for DynamoFailedCommandLog {
    async fn record(
        &self,
        business_number_id: &str,
        text: &str,
        kind: &str,
        suggestion: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let text = crate::failed_commands::normalize(text);
        let key =
            hex::encode(&Sha256::digest(format!("{business_number_id}|{kind}|{text}").as_bytes())[..16]);
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("key", s(key))
            .expression_attribute_names("#text", "text")
            .expression_attribute_names("#number", "business_number_id")
            .expression_attribute_values(":number", s(business_number_id))
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_values(":text", s(text))
            .expression_attribute_values(":kind", s(kind))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":at", n(at.timestamp_millis()));
        request = match suggestion {
            Some(fix) => request
                .update_expression(
                    "SET #number = :number, #text = :text, #kind = :kind, suggestion = :fix, last_seen = :at ADD occurrences :one",
                )
                .expression_attribute_values(":fix", s(fix)),
            None => request
                .update_expression("SET #number = :number, #text = :text, #kind = :kind, last_seen = :at REMOVE suggestion ADD occurrences :one"),
        };
        request.send().await.map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }

    async fn list(&self, business_number_id: &str, limit: usize) -> StoreResult<Vec<FailedCommand>> {
        // The log holds one item per distinct failure, not per occurrence: a scan stays small.
        let mut entries = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("business_number_id = :number")
                .expression_attribute_values(":number", s(business_number_id))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
            for item in output.items.unwrap_or_default() {
                let last_seen = number_attr(&item, "last_seen").and_then(DateTime::from_timestamp_millis);
                entries.push(FailedCommand {
                    text: string_attr(&item, "text").unwrap_or_default(),
                    kind: string_attr(&item, "kind").unwrap_or_default(),
                    suggestion: string_attr(&item, "suggestion"),
                    count: number_attr(&item, "occurrences").unwrap_or(0) as u64,
                    last_seen: last_seen.unwrap_or_default(),
                });
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        crate::failed_commands::sort_for_operator(&mut entries);
        entries.truncate(limit);
        Ok(entries)
    }
}
