//! The template outbox in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;

use super::item::*;
use super::{Item, SERVICE, describe, is_condition_failure};
use crate::domain::ContactKey;
use crate::{StoreError, StoreResult};

/// Outbox table (key `contact` + `notice_id`): one item per pending notice; the item's JSON in
/// `item`, the oldest-first order from `at_ms`.
#[derive(Debug, Clone)]
pub struct DynamoOutboxStore {
    client: Client,
    table: String,
}

impl DynamoOutboxStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoOutboxStore { client, table: table.into() }
    }
}

#[async_trait]
impl crate::ports::OutboxStore for DynamoOutboxStore {
    async fn add(&self, item: &crate::ports::Notice) -> StoreResult<()> {
        let json = serde_json::to_string(item).map_err(|e| StoreError::Malformed(e.to_string()))?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("contact", s(item.contact.storage_key()))
            .item("notice_id", s(&item.id))
            .item("at_ms", n(item.at.timestamp_millis()))
            .item("item", s(json))
            .condition_expression("attribute_not_exists(notice_id)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn pending(&self, contact: &ContactKey) -> StoreResult<Vec<crate::ports::Notice>> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("contact = :c")
            .expression_attribute_values(":c", s(contact.storage_key()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        let mut items = output
            .items
            .unwrap_or_default()
            .iter()
            .map(|item| {
                let json =
                    string_attr(item, "item").ok_or_else(|| StoreError::Malformed("outbox item".into()))?;
                serde_json::from_str(&json).map_err(|e| StoreError::Malformed(e.to_string()))
            })
            .collect::<StoreResult<Vec<crate::ports::Notice>>>()?;
        items.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        Ok(items)
    }

    async fn contacts_with_pending(&self, limit: usize) -> StoreResult<Vec<ContactKey>> {
        // The outbox holds only undelivered updates: small, so a projected scan is enough.
        let mut contacts: Vec<ContactKey> = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .projection_expression("#item")
                .expression_attribute_names("#item", "item")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
            for item in output.items.unwrap_or_default() {
                let Some(json) = string_attr(&item, "item") else { continue };
                let parsed: crate::ports::Notice =
                    serde_json::from_str(&json).map_err(|e| StoreError::Malformed(e.to_string()))?;
                if !contacts.contains(&parsed.contact) {
                    contacts.push(parsed.contact);
                }
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() && contacts.len() < limit => start = Some(key),
                _ => break,
            }
        }
        contacts.sort_by_key(|c| c.storage_key());
        contacts.truncate(limit);
        Ok(contacts)
    }

    async fn remove(&self, contact: &ContactKey, notice_ids: &[String]) -> StoreResult<()> {
        for notice_id in notice_ids {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("contact", s(contact.storage_key()))
                .key("notice_id", s(notice_id))
                .send()
                .await
                .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        }
        Ok(())
    }
}
