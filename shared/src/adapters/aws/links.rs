//! Payment links in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

use super::item::*;
use super::{Item, SERVICE, describe, get_item, is_condition_failure};
use crate::domain::{LinkState, PaymentLink, Phone};
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// Payment links table (key `id`; index `by_seller` on `seller` + `created_ms`; sparse index
/// `due_links` on `due` + `check_ms`).
#[derive(Debug, Clone)]
pub struct DynamoPaymentLinkStore {
    client: Client,
    table: String,
}

pub const LINKS_BY_SELLER_INDEX: &str = "by_seller";
/// Sparse index of links with a check scheduled: `due` and `check_ms` are set while a link
/// is open on the rail or its final state's notification is not yet confirmed queued, and
/// removed after, so the index holds exactly the links the poller still has work for.
pub const DUE_LINKS_INDEX: &str = "due_links";
const DUE: &str = "due";

impl DynamoPaymentLinkStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoPaymentLinkStore { client, table: table.into() }
    }

    fn link_item(link: &PaymentLink) -> StoreResult<Item> {
        let mut item = to_item(link)?;
        item.insert("created_ms".into(), n(link.created_at.timestamp_millis()));
        if let Some(check_at) = link.next_check_at {
            item.insert("due".into(), s(DUE));
            item.insert("check_ms".into(), n(check_at.timestamp_millis()));
        }
        Ok(item)
    }

    fn update(
        &self,
        id: &str,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("id", s(id))
            .expression_attribute_names("#state", "state")
            .return_values(ReturnValue::AllNew)
    }

    /// Sends a conditional update: the updated link, or `None` when the condition failed.
    async fn conditional(
        request: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
    ) -> StoreResult<Option<PaymentLink>> {
        match request.send().await {
            Ok(output) => output.attributes.map(from_item).transpose(),
            Err(err) if is_condition_failure(&err) => Ok(None),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }
}

#[async_trait]
impl PaymentLinkStore for DynamoPaymentLinkStore {
    async fn insert_if_absent(&self, link: &PaymentLink) -> StoreResult<(PaymentLink, bool)> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::link_item(link)?))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await;
        match result {
            Ok(_) => Ok((link.clone(), true)),
            Err(err) if is_condition_failure(&err) => {
                let existing = self.get(&link.id).await?.ok_or_else(|| {
                    StoreError::Malformed(format!("link {} exists but could not be read", link.id))
                })?;
                Ok((existing, false))
            }
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn get(&self, id: &str) -> StoreResult<Option<PaymentLink>> {
        get_item(&self.client, &self.table, "id", id, None).await?.map(from_item).transpose()
    }

    async fn mark_created(
        &self,
        id: &str,
        payment_id: &str,
        checkout_url: Option<&str>,
        check_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<PaymentLink>> {
        let url_set = if checkout_url.is_some() { ", checkout_url = :url" } else { "" };
        let with_url =
            |request: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder| {
                match checkout_url {
                    Some(url) => request.expression_attribute_values(":url", s(url)),
                    None => request,
                }
            };
        let created = with_url(self.update(id))
            .update_expression(format!(
                "SET #state = :created, payment_id = :pid, updated_at = :at, next_check_at = :check, \
                 check_ms = :check_ms, #due = :due{url_set}"
            ))
            .condition_expression("#state = :creating")
            .expression_attribute_names("#due", "due")
            .expression_attribute_values(":due", s(DUE))
            .expression_attribute_values(":creating", s(LinkState::Creating.as_str()))
            .expression_attribute_values(":created", s(LinkState::Created.as_str()))
            .expression_attribute_values(":pid", s(payment_id))
            .expression_attribute_values(":at", to_value(&at)?)
            .expression_attribute_values(":check", to_value(&check_at)?)
            .expression_attribute_values(":check_ms", n(check_at.timestamp_millis()));
        if let Some(link) = Self::conditional(created).await? {
            return Ok(Some(link));
        }
        // A callback moved the link first: keep what the rail answered, leave the state.
        let url_keep =
            if checkout_url.is_some() { ", checkout_url = if_not_exists(checkout_url, :url)" } else { "" };
        let answered = with_url(self.update(id))
            .update_expression(format!(
                "SET payment_id = if_not_exists(payment_id, :pid), updated_at = :at{url_keep}"
            ))
            .condition_expression("#state IN (:created, :pending)")
            .expression_attribute_values(":created", s(LinkState::Created.as_str()))
            .expression_attribute_values(":pending", s(LinkState::Pending.as_str()))
            .expression_attribute_values(":pid", s(payment_id))
            .expression_attribute_values(":at", to_value(&at)?);
        Self::conditional(answered).await
    }

    async fn transition(&self, id: &str, change: &LinkTransition<'_>) -> StoreResult<Option<PaymentLink>> {
        // The states this transition may start from, spelled out in the condition so that
        // concurrent results race safely: at most one of them moves the link.
        let from: Vec<LinkState> = [LinkState::Creating, LinkState::Created, LinkState::Pending]
            .into_iter()
            .filter(|state| state.can_move_to(change.to))
            .collect();
        if from.is_empty() {
            return Ok(None);
        }
        let placeholders: Vec<String> = (0..from.len()).map(|i| format!(":from{i}")).collect();
        let mut set = vec!["#state = :to", "updated_at = :at", "#due = :due"];
        if change.to.is_final() {
            set.extend(["next_check_at = :check", "check_ms = :check_ms"]);
        } else {
            set.extend([
                "next_check_at = if_not_exists(next_check_at, :check)",
                "check_ms = if_not_exists(check_ms, :check_ms)",
            ]);
        }
        let mut request = self
            .update(id)
            .condition_expression(format!("#state IN ({})", placeholders.join(", ")))
            .expression_attribute_names("#due", "due")
            .expression_attribute_values(":due", s(DUE))
            .expression_attribute_values(":to", s(change.to.as_str()))
            .expression_attribute_values(":at", to_value(&change.at)?)
            .expression_attribute_values(":check", to_value(&change.check_at)?)
            .expression_attribute_values(":check_ms", n(change.check_at.timestamp_millis()));
        if let Some(payment_id) = change.payment_id {
            set.push("payment_id = if_not_exists(payment_id, :pid)");
            request = request.expression_attribute_values(":pid", s(payment_id));
        }
        if let Some(bank) = change.payer_bank {
            set.push("payer_bank = :bank");
            request = request.expression_attribute_values(":bank", s(bank));
        }
        for (placeholder, state) in placeholders.iter().zip(&from) {
            request = request.expression_attribute_values(placeholder, s(state.as_str()));
        }
        Self::conditional(request.update_expression(format!("SET {}", set.join(", ")))).await
    }

    async fn mark_notified(&self, id: &str, state: LinkState) -> StoreResult<()> {
        if !state.is_final() {
            return Ok(());
        }
        let request = self
            .update(id)
            .update_expression("REMOVE next_check_at, check_ms, #due")
            .condition_expression("#state = :state")
            .expression_attribute_names("#due", "due")
            .expression_attribute_values(":state", s(state.as_str()));
        Self::conditional(request).await.map(|_| ())
    }

    async fn reschedule(&self, id: &str, expected: DateTime<Utc>, next: DateTime<Utc>) -> StoreResult<bool> {
        let request = self
            .update(id)
            .update_expression("SET next_check_at = :next, check_ms = :next_ms")
            // `#state` is bound for every update (DynamoDB refuses unused names).
            .condition_expression("check_ms = :expected AND attribute_exists(#state)")
            .expression_attribute_values(":next", to_value(&next)?)
            .expression_attribute_values(":next_ms", n(next.timestamp_millis()))
            .expression_attribute_values(":expected", n(expected.timestamp_millis()));
        Ok(Self::conditional(request).await?.is_some())
    }

    async fn discard_unfinished(&self, id: &str) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", s(id))
            .condition_expression("#state = :creating")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":creating", s(LinkState::Creating.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn due_links(
        &self,
        now: DateTime<Utc>,
        after: Option<&DueCursor>,
        limit: usize,
    ) -> StoreResult<Vec<PaymentLink>> {
        let start = after.map(|cursor| {
            Item::from([
                ("id".to_owned(), s(&cursor.id)),
                ("due".to_owned(), s(DUE)),
                ("check_ms".to_owned(), n(cursor.check_at.timestamp_millis())),
            ])
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(DUE_LINKS_INDEX)
            .key_condition_expression("#due = :due AND check_ms <= :now")
            .expression_attribute_names("#due", "due")
            .expression_attribute_values(":due", s(DUE))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .set_exclusive_start_key(start)
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        // The index may lag a write by a moment; the poller's conditional reschedule settles
        // any doubt, so a stale entry costs a failed claim, never a second lookup.
        output.items.unwrap_or_default().into_iter().map(from_item).collect()
    }

    async fn by_seller(&self, seller: &Phone, limit: usize) -> StoreResult<Vec<PaymentLink>> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(LINKS_BY_SELLER_INDEX)
            .key_condition_expression("seller = :seller")
            .expression_attribute_values(":seller", s(seller.as_e164()))
            .scan_index_forward(false)
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        output.items.unwrap_or_default().into_iter().map(from_item).collect()
    }
}
