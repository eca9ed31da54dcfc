//! Delivery statuses of the bot's own messages in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Duration;

use super::item::*;
use super::{SERVICE, applied, describe, get_item, is_condition_failure};
use crate::domain::{DeliveryState, DeliveryUpdate};
use crate::ports::{DeliveryRecord, DeliveryStatusStore, WINDOW_CLOSED_CODE};
use crate::{StoreError, StoreResult};

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
            .expression_attribute_values(":rank", n(i64::from(update.state.rank())))
            .expression_attribute_values(":at", n(update.at.timestamp()))
            .expression_attribute_values(":expires", n((update.at + STATUS_RETENTION).timestamp()));
        let mut set = String::from(
            "SET #status = :status, status_rank = :rank, status_at = :at, expires_at = :expires",
        );
        match update.error_code {
            Some(code) => {
                set.push_str(", error_code = :code");
                request = request.expression_attribute_values(":code", n(code));
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

    async fn attach_fallback(&self, message_id: &str, item: &crate::ports::Notice) -> StoreResult<bool> {
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
            .expression_attribute_values(":closed", n(WINDOW_CLOSED_CODE))
            .send()
            .await;
        applied(result)
    }

    async fn take_fallback(&self, message_id: &str) -> StoreResult<Option<crate::ports::Notice>> {
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
