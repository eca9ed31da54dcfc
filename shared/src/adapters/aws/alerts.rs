//! Operator alerts in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

use super::item::*;
use super::{Item, SERVICE, applied, describe, is_condition_failure};
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// Alerts table (key `id`; index `by_business` on `business_number_id` + `raised_ms`, read
/// newest first): `kind`, `subject`, `detail` (JSON text), `acknowledged_by`, `acknowledged_ms`.
#[derive(Debug, Clone)]
pub struct DynamoAlertStore {
    client: Client,
    table: String,
}

pub const ALERTS_BY_BUSINESS_INDEX: &str = "by_business";

fn alert_item(alert: &Alert) -> StoreResult<Item> {
    let mut item = Item::from([
        ("id".to_owned(), s(&alert.id)),
        ("business_number_id".to_owned(), s(&alert.business_number_id)),
        ("kind".to_owned(), s(&alert.kind)),
        ("subject".to_owned(), s(&alert.subject)),
        ("detail".to_owned(), s(alert.detail.to_string())),
        ("raised_ms".to_owned(), ms(alert.raised_at)),
    ]);
    if let Some((by, at)) = &alert.acknowledged {
        item.insert("acknowledged_by".into(), s(by));
        item.insert("acknowledged_ms".into(), ms(*at));
    }
    Ok(item)
}

fn alert_from_item(item: &Item) -> StoreResult<Alert> {
    let detail = required_string(item, "detail")?;
    let acknowledged =
        match (string_attr(item, "acknowledged_by"), optional_time_ms(item, "acknowledged_ms")?) {
            (Some(by), Some(at)) => Some((by, at)),
            _ => None,
        };
    Ok(Alert {
        id: required_string(item, "id")?,
        business_number_id: required_string(item, "business_number_id")?,
        kind: required_string(item, "kind")?,
        subject: required_string(item, "subject")?,
        detail: serde_json::from_str(&detail).map_err(|e| StoreError::Malformed(format!("detail: {e}")))?,
        raised_at: time_ms(item, "raised_ms")?,
        acknowledged,
    })
}

impl DynamoAlertStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoAlertStore { client, table: table.into() }
    }
}

#[async_trait]
impl AlertStore for DynamoAlertStore {
    async fn raise(&self, alert: &Alert) -> StoreResult<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(alert_item(alert)?))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Raised already (a retried batch, the same cause seen twice): the first stands.
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn list(&self, business_number_id: &str, limit: usize) -> StoreResult<Vec<Alert>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(ALERTS_BY_BUSINESS_INDEX)
            .key_condition_expression("business_number_id = :b")
            .expression_attribute_values(":b", s(business_number_id))
            .scan_index_forward(false)
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        output.items.unwrap_or_default().iter().map(alert_from_item).collect()
    }

    async fn acknowledge(&self, id: &str, by: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", s(id))
            // The first acknowledgement stands: who took the alert up, and when.
            .update_expression(
                "SET acknowledged_by = if_not_exists(acknowledged_by, :by), \
                 acknowledged_ms = if_not_exists(acknowledged_ms, :at)",
            )
            .condition_expression("attribute_exists(id)")
            .expression_attribute_values(":by", s(by))
            .expression_attribute_values(":at", ms(at))
            .send()
            .await;
        applied(result)
    }
}
