use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

use super::{describe, get_item, is_condition_failure};
use crate::domain::{ContactKey, DeliveryState, DeliveryUpdate};
use crate::ports::{DeliveryRecord, DeliveryStatusStore, WINDOW_CLOSED_CODE, WindowStore};
use crate::{StoreError, StoreResult};

const SERVICE: &str = "dynamodb";

fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn read_number(
    item: &std::collections::HashMap<String, AttributeValue>,
    name: &str,
) -> StoreResult<Option<i64>> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(n)) => {
            n.parse().map(Some).map_err(|_| StoreError::Malformed(format!("{name} is not an integer")))
        }
        Some(_) => Err(StoreError::Malformed(format!("{name} is not a number"))),
    }
}

fn from_unix(seconds: i64, name: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| StoreError::Malformed(format!("{name} out of range")))
}

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
            .expression_attribute_values(":at", number(at.timestamp()))
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

/// How long a delivery status is kept before DynamoDB's TTL may remove it.
const STATUS_RETENTION: Duration = Duration::days(30);

/// Message status table (key `wamid`): the highest-ranked status seen for each message the
/// bot sent, with `expires_at` for TTL.
#[derive(Debug, Clone)]
pub struct DynamoDeliveryStatusStore {
    client: Client,
    table: String,
}

impl DynamoDeliveryStatusStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDeliveryStatusStore { client, table: table.into() }
    }
}

#[async_trait]
impl DeliveryStatusStore for DynamoDeliveryStatusStore {
    async fn record(&self, update: &DeliveryUpdate) -> StoreResult<()> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("wamid", AttributeValue::S(update.message_id.clone()))
            .condition_expression("attribute_not_exists(status_rank) OR status_rank < :rank")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", AttributeValue::S(update.state.as_str().to_owned()))
            .expression_attribute_values(":rank", number(i64::from(update.state.rank())))
            .expression_attribute_values(":at", number(update.at.timestamp()))
            .expression_attribute_values(":expires", number((update.at + STATUS_RETENTION).timestamp()));
        let mut set = String::from(
            "SET #status = :status, status_rank = :rank, status_at = :at, expires_at = :expires",
        );
        match update.error_code {
            Some(code) => {
                set.push_str(", error_code = :code");
                request = request.expression_attribute_values(":code", number(code));
            }
            None => set.push_str(" REMOVE error_code"),
        }
        match request.update_expression(set).send().await {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn get(&self, message_id: &str) -> StoreResult<Option<DeliveryRecord>> {
        let Some(item) = get_item(&self.client, &self.table, "wamid", message_id, None).await? else {
            return Ok(None);
        };
        let state = match item.get("status") {
            Some(AttributeValue::S(s)) => {
                DeliveryState::parse(s).ok_or_else(|| StoreError::Malformed(format!("unknown status {s}")))?
            }
            _ => return Err(StoreError::Malformed("status missing".into())),
        };
        let at = read_number(&item, "status_at")?
            .ok_or_else(|| StoreError::Malformed("status_at missing".into()))?;
        Ok(Some(DeliveryRecord {
            state,
            at: from_unix(at, "status_at")?,
            error_code: read_number(&item, "error_code")?,
        }))
    }

    async fn attach_fallback(&self, message_id: &str, item: &crate::ports::OutboxItem) -> StoreResult<bool> {
        let json = serde_json::to_string(item).map_err(|e| StoreError::Malformed(e.to_string()))?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("wamid", AttributeValue::S(message_id.to_owned()))
            .update_expression("SET fallback = :f")
            // Not once Meta has said the window was closed: then the caller moves the notice.
            .condition_expression("attribute_not_exists(error_code) OR error_code <> :closed")
            .expression_attribute_values(":f", AttributeValue::S(json))
            .expression_attribute_values(":closed", number(WINDOW_CLOSED_CODE))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failure(&err) => Ok(false),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn take_fallback(&self, message_id: &str) -> StoreResult<Option<crate::ports::OutboxItem>> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("wamid", AttributeValue::S(message_id.to_owned()))
            .update_expression("REMOVE fallback")
            .condition_expression("attribute_exists(fallback)")
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedOld)
            .send()
            .await;
        match result {
            Ok(output) => match output.attributes.as_ref().and_then(|a| a.get("fallback")) {
                Some(AttributeValue::S(json)) => {
                    serde_json::from_str(json).map(Some).map_err(|e| StoreError::Malformed(e.to_string()))
                }
                _ => Ok(None),
            },
            Err(err) if is_condition_failure(&err) => Ok(None),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }
}
