//! The 24-hour window in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::item::*;
use super::{SERVICE, describe, get_item, is_condition_failure};
use crate::domain::ContactKey;
use crate::ports::WindowStore;
use crate::{StoreError, StoreResult};

/// Contacts table (key `pk` = `<business number id>#<user key>`): the window lives in
/// `last_inbound_at` (Unix seconds).
#[derive(Debug, Clone)]
pub struct DynamoWindowStore {
    client: Client,
    table: String,
}

impl DynamoWindowStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoWindowStore { client, table: table.into() }
    }
}

#[async_trait]
impl WindowStore for DynamoWindowStore {
    async fn record_inbound(&self, contact: &ContactKey, at: DateTime<Utc>) -> StoreResult<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(contact.storage_key()))
            .update_expression("SET last_inbound_at = :at, business_number_id = :b, user_key = :u")
            // The window never moves backwards: a late or retried delivery leaves it alone.
            .condition_expression("attribute_not_exists(last_inbound_at) OR last_inbound_at < :at")
            .expression_attribute_values(":at", n(at.timestamp()))
            .expression_attribute_values(":b", AttributeValue::S(contact.business_number_id.clone()))
            .expression_attribute_values(":u", AttributeValue::S(contact.user_key.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn last_inbound(&self, contact: &ContactKey) -> StoreResult<Option<DateTime<Utc>>> {
        let item =
            get_item(&self.client, &self.table, "pk", contact.storage_key(), Some("last_inbound_at")).await?;
        let Some(item) = item else { return Ok(None) };
        read_number(&item, "last_inbound_at")?.map(|s| from_unix(s, "last_inbound_at")).transpose()
    }
}
