//! DynamoDB adapters of the directory, conversation, link, idempotency, audit and
//! failed-command stores. Items are written with serde_dynamo from the domain types, plus the
//! key and index attributes each table needs.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::{Item, describe, get_item, is_condition_failure};
use crate::audit;
use crate::domain::{BusinessProfile, ContactKey, LinkState, Locale, PaymentLink, Phone, Seller};
use crate::ports::{
    AuditEvent, AuditLog, AuditRecord, Claim, ContactSettings, ContactStore, Directory, DueCursor,
    FailedCommand, FailedCommandLog, IdempotencyStore, LinkTransition, PaymentLinkStore,
};
use crate::{StoreError, StoreResult};

const SERVICE: &str = "dynamodb";

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn to_item<T: serde::Serialize>(value: &T) -> StoreResult<Item> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Malformed(e.to_string()))
}

fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> StoreResult<T> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Malformed(e.to_string()))
}

fn to_value<T: serde::Serialize>(value: &T) -> StoreResult<AttributeValue> {
    serde_dynamo::to_attribute_value(value).map_err(|e| StoreError::Malformed(e.to_string()))
}

fn string_attr(item: &Item, name: &str) -> Option<String> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    }
}

fn number_attr(item: &Item, name: &str) -> Option<i64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

// ---- directory ------------------------------------------------------------------------

/// Directory table (key `pk`): `profile#<phone_number_id>` and `seller#<E.164 phone>` items.
#[derive(Debug, Clone)]
pub struct DynamoDirectory {
    client: Client,
    table: String,
}

impl DynamoDirectory {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDirectory { client, table: table.into() }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, pk: String) -> StoreResult<Option<T>> {
        get_item(&self.client, &self.table, "pk", pk, None).await?.map(from_item).transpose()
    }

    async fn put<T: serde::Serialize>(&self, pk: String, value: &T) -> StoreResult<()> {
        let mut item = to_item(value)?;
        item.insert("pk".into(), s(pk));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }
}

#[async_trait]
impl Directory for DynamoDirectory {
    async fn profile(&self, business_number_id: &str) -> StoreResult<Option<BusinessProfile>> {
        self.get(format!("profile#{business_number_id}")).await
    }
    async fn seller(&self, phone: &Phone) -> StoreResult<Option<Seller>> {
        self.get(format!("seller#{}", phone.as_e164())).await
    }
    async fn put_profile(&self, profile: &BusinessProfile) -> StoreResult<()> {
        self.put(format!("profile#{}", profile.business_number_id), profile).await
    }
    async fn put_seller(&self, seller: &Seller) -> StoreResult<()> {
        self.put(format!("seller#{}", seller.phone.as_e164()), seller).await
    }
}

// ---- conversations ----------------------------------------------------------------------

/// The contacts table (shared with the window): `locale`, `selected_merchant`,
/// `pending_command`.
#[derive(Debug, Clone)]
pub struct DynamoContactStore {
    client: Client,
    table: String,
}

impl DynamoContactStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoContactStore { client, table: table.into() }
    }

    async fn set(
        &self,
        contact: &ContactKey,
        attribute: &str,
        value: Option<AttributeValue>,
    ) -> StoreResult<()> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(contact.storage_key()))
            .expression_attribute_names("#a", attribute);
        let request = match value {
            Some(v) => request.update_expression("SET #a = :v").expression_attribute_values(":v", v),
            None => request.update_expression("REMOVE #a"),
        };
        request.send().await.map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }
}

#[async_trait]
impl ContactStore for DynamoContactStore {
    async fn settings(&self, contact: &ContactKey) -> StoreResult<ContactSettings> {
        let Some(item) = get_item(&self.client, &self.table, "pk", contact.storage_key(), None).await? else {
            return Ok(ContactSettings::default());
        };
        Ok(ContactSettings {
            locale: string_attr(&item, "locale").and_then(|l| Locale::parse(&l)),
            selected_merchant: string_attr(&item, "selected_merchant"),
            pending_command: string_attr(&item, "pending_command"),
        })
    }
    async fn set_locale(&self, contact: &ContactKey, locale: Locale) -> StoreResult<()> {
        self.set(contact, "locale", Some(s(locale.code()))).await
    }
    async fn set_selected_merchant(&self, contact: &ContactKey, merchant_id: &str) -> StoreResult<()> {
        self.set(contact, "selected_merchant", Some(s(merchant_id))).await
    }
    async fn set_pending_command(&self, contact: &ContactKey, command: Option<&str>) -> StoreResult<()> {
        self.set(contact, "pending_command", command.map(s)).await
    }
}

// ---- payment links ----------------------------------------------------------------------

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

// ---- idempotency ------------------------------------------------------------------------

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

// ---- audit ------------------------------------------------------------------------------

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

    async fn last(&self, chain: &str) -> StoreResult<Option<AuditRecord>> {
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
            let record = audit::next_record(self.last(&event.chain).await?.as_ref(), event.clone());
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
}

// ---- failed commands --------------------------------------------------------------------

/// Failed-command table (key `key` = hash of kind and normalized text): `text`, `kind`,
/// `suggestion`, `occurrences` (counter), `last_seen` (ms).
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
        text: &str,
        kind: &str,
        suggestion: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let text = crate::failed_commands::normalize(text);
        let key = hex::encode(&Sha256::digest(format!("{kind}|{text}").as_bytes())[..16]);
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("key", s(key))
            .expression_attribute_names("#text", "text")
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_values(":text", s(text))
            .expression_attribute_values(":kind", s(kind))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":at", n(at.timestamp_millis()));
        request = match suggestion {
            Some(fix) => request
                .update_expression(
                    "SET #text = :text, #kind = :kind, suggestion = :fix, last_seen = :at ADD occurrences :one",
                )
                .expression_attribute_values(":fix", s(fix)),
            None => request
                .update_expression("SET #text = :text, #kind = :kind, last_seen = :at REMOVE suggestion ADD occurrences :one"),
        };
        request.send().await.map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }

    async fn list(&self, limit: usize) -> StoreResult<Vec<FailedCommand>> {
        // The log holds one item per distinct failure, not per occurrence: a scan stays small.
        let mut entries = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
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

// ---- the template outbox ------------------------------------------------------------------

/// Outbox table (key `contact` + `link_id`): one item per pending update; the item's JSON in
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
    async fn add(&self, item: &crate::ports::OutboxItem) -> StoreResult<()> {
        let json = serde_json::to_string(item).map_err(|e| StoreError::Malformed(e.to_string()))?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("contact", s(item.contact.storage_key()))
            .item("link_id", s(&item.link_id))
            .item("at_ms", n(item.at.timestamp_millis()))
            .item("item", s(json))
            .condition_expression("attribute_not_exists(link_id)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn pending(&self, contact: &ContactKey) -> StoreResult<Vec<crate::ports::OutboxItem>> {
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
            .collect::<StoreResult<Vec<crate::ports::OutboxItem>>>()?;
        items.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.link_id.cmp(&b.link_id)));
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
                let parsed: crate::ports::OutboxItem =
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

    async fn remove(&self, contact: &ContactKey, link_ids: &[String]) -> StoreResult<()> {
        for link_id in link_ids {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("contact", s(contact.storage_key()))
                .key("link_id", s(link_id))
                .send()
                .await
                .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        }
        Ok(())
    }
}
