//! MoMo top-ups and payouts in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

use super::item::*;
use super::{Item, SERVICE, describe, get_item, is_condition_failure};
use crate::domain::ContactKey;
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// MoMo operations table (key `reference`, the UUID sent to MoMo as `X-Reference-Id`;
/// sparse index `due_operations` on `due` + `check_ms`).
#[derive(Debug, Clone)]
pub struct DynamoMomoOperationStore {
    client: Client,
    table: String,
}

/// Sparse index of the operations with a read-back scheduled: `due` and `check_ms` are set
/// while `next_check_at` is, and removed with it, so the index holds exactly the operations
/// the poller still has work for (as `due_links` does for payment links).
pub const DUE_OPERATIONS_INDEX: &str = "due_operations";
const DUE: &str = "due";

fn operation_item(operation: &MomoOperation) -> StoreResult<Item> {
    let mut item = Item::from([
        ("reference".to_owned(), s(operation.reference.to_string())),
        ("kind".to_owned(), to_value(&operation.kind)?),
        ("account_id".to_owned(), s(&operation.account_id)),
        ("business_number_id".to_owned(), s(&operation.contact.business_number_id)),
        ("user_key".to_owned(), s(&operation.contact.user_key)),
        ("msisdn".to_owned(), s(operation.msisdn.as_e164())),
        ("amount_minor".to_owned(), n(operation.amount_minor)),
        ("currency".to_owned(), s(operation.currency.code())),
        ("fee_minor".to_owned(), n(operation.fee_minor)),
        ("state".to_owned(), to_value(&operation.state)?),
        ("transfer_id".to_owned(), s(&operation.transfer_id)),
        ("created_ms".to_owned(), ms(operation.created_at)),
        ("updated_ms".to_owned(), ms(operation.created_at)),
    ]);
    if let Some(reason) = &operation.reason {
        item.insert("reason".into(), s(reason));
    }
    if let Some(hash) = &operation.hash {
        item.insert("intent_hash".into(), s(hash));
    }
    if let Some(check_at) = operation.next_check_at {
        item.insert("due".into(), s(DUE));
        item.insert("check_ms".into(), ms(check_at));
    }
    Ok(item)
}

fn operation_from_item(item: &Item) -> StoreResult<MomoOperation> {
    let reference = required_string(item, "reference")?;
    Ok(MomoOperation {
        reference: reference.parse().map_err(|_| StoreError::Malformed("reference is not a UUID".into()))?,
        kind: value_attr(item, "kind")?,
        account_id: required_string(item, "account_id")?,
        contact: ContactKey {
            business_number_id: required_string(item, "business_number_id")?,
            user_key: required_string(item, "user_key")?,
        },
        msisdn: value_attr(item, "msisdn")?,
        amount_minor: read_number(item, "amount_minor")?
            .ok_or_else(|| StoreError::Malformed("amount_minor is missing".into()))?,
        currency: value_attr(item, "currency")?,
        fee_minor: read_number(item, "fee_minor")?.unwrap_or(0),
        state: value_attr(item, "state")?,
        reason: string_attr(item, "reason"),
        transfer_id: required_string(item, "transfer_id")?,
        hash: string_attr(item, "intent_hash"),
        created_at: time_ms(item, "created_ms")?,
        next_check_at: optional_time_ms(item, "check_ms")?,
    })
}

impl DynamoMomoOperationStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoMomoOperationStore { client, table: table.into() }
    }

    fn update(&self, reference: uuid::Uuid) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("reference", s(reference.to_string()))
            .return_values(ReturnValue::AllNew)
    }

    /// Sends a conditional update: the updated operation, or `None` when the condition failed.
    async fn conditional(request: UpdateItemFluentBuilder) -> StoreResult<Option<MomoOperation>> {
        match request.send().await {
            Ok(output) => output.attributes.as_ref().map(operation_from_item).transpose(),
            Err(err) if is_condition_failure(&err) => Ok(None),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }
}

#[async_trait]
impl MomoOperationStore for DynamoMomoOperationStore {
    async fn insert_if_absent(&self, operation: &MomoOperation) -> StoreResult<(MomoOperation, bool)> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(operation_item(operation)?))
            .condition_expression("attribute_not_exists(#ref)")
            .expression_attribute_names("#ref", "reference")
            .send()
            .await;
        match result {
            Ok(_) => Ok((operation.clone(), true)),
            Err(err) if is_condition_failure(&err) => {
                let existing = self.get(operation.reference).await?.ok_or_else(|| {
                    StoreError::Malformed(format!(
                        "operation {} exists but could not be read",
                        operation.reference
                    ))
                })?;
                Ok((existing, false))
            }
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn get(&self, reference: uuid::Uuid) -> StoreResult<Option<MomoOperation>> {
        let item = get_item(&self.client, &self.table, "reference", reference.to_string(), None).await?;
        item.as_ref().map(operation_from_item).transpose()
    }

    async fn transition(
        &self,
        reference: uuid::Uuid,
        to: MomoState,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<MomoOperation>> {
        let from: Vec<MomoState> = [MomoState::Requested, MomoState::Pending]
            .into_iter()
            .filter(|state| state.can_move_to(to))
            .collect();
        if from.is_empty() {
            return Ok(None);
        }
        // The states it may start from, spelled out in the condition: of concurrent results
        // (a callback's read-back and the poller's) at most one moves the operation.
        let placeholders: Vec<String> = (0..from.len()).map(|i| format!(":from{i}")).collect();
        let mut request = self
            .update(reference)
            .condition_expression(format!("#state IN ({})", placeholders.join(", ")))
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":to", to_value(&to)?)
            .expression_attribute_values(":at", ms(at));
        for (placeholder, state) in placeholders.iter().zip(&from) {
            request = request.expression_attribute_values(placeholder, to_value(state)?);
        }
        let set = match reason {
            Some(reason) => {
                request = request.expression_attribute_values(":reason", s(reason));
                "SET #state = :to, updated_ms = :at, reason = :reason"
            }
            None => "SET #state = :to, updated_ms = :at",
        };
        Self::conditional(request.update_expression(set)).await
    }

    async fn reschedule(
        &self,
        reference: uuid::Uuid,
        expected: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let request = self
            .update(reference)
            .condition_expression("check_ms = :expected")
            .expression_attribute_names("#due", "due")
            .expression_attribute_values(":expected", ms(expected));
        let request = match next {
            Some(next) => request
                .update_expression("SET check_ms = :next, #due = :due")
                .expression_attribute_values(":next", ms(next))
                .expression_attribute_values(":due", s(DUE)),
            None => request.update_expression("REMOVE check_ms, #due"),
        };
        Ok(Self::conditional(request).await?.is_some())
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<MomoOperation>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(DUE_OPERATIONS_INDEX)
            .key_condition_expression("#due = :due AND check_ms <= :now")
            .expression_attribute_names("#due", "due")
            .expression_attribute_values(":due", s(DUE))
            .expression_attribute_values(":now", ms(now))
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        // The index may lag a write by a moment; the poller's conditional reschedule settles
        // any doubt, so a stale entry costs a failed claim, never a second read-back.
        output.items.unwrap_or_default().iter().map(operation_from_item).collect()
    }
}
