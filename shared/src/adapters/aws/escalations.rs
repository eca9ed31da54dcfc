//! Escalated conversations (human handoff) in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

use super::item::*;
use super::{Item, SERVICE, applied, backoff, describe, get_item_by_key, is_condition_failure};
use crate::domain::ContactKey;
use crate::operator::handoff::KEPT_MESSAGES;
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// Escalations table (key `business_number_id` + `user_key`), one item per conversation that
/// was ever handed to a person (a new escalation replaces a released one):
/// `reason` (asked/repeated_failures), `opened_ms`, `locale`, `messages` (a list, oldest
/// first, at most [`KEPT_MESSAGES`]: `id`, `at`, `from`, `text`), `version` (+1 per appended
/// line: the condition of the read-and-write that appends), `released_by`, `released_ms`.
///
/// While open the item also carries `open_number` (= `business_number_id`): the sparse
/// index [`OPEN_ESCALATIONS_INDEX`] (`open_number`, `opened_ms`) holds only open escalations,
/// oldest first, so the console's queue never reads the released ones. The index lags the
/// table slightly; `open_for` also filters on `released_ms`.
#[derive(Debug, Clone)]
pub struct DynamoEscalationStore {
    client: Client,
    table: String,
}

pub const OPEN_ESCALATIONS_INDEX: &str = "open_by_number";

/// Rounds of a line's read and conditional write, with [`backoff`] between them. A round is
/// lost only to another line appended (or a new escalation opened) in between: one user's
/// lines come in order from the inbound queue, so the race is with an operator's reply.
const ROUNDS: u32 = 16;

fn key(contact: &ContactKey) -> Item {
    Item::from([
        ("business_number_id".to_owned(), s(&contact.business_number_id)),
        ("user_key".to_owned(), s(&contact.user_key)),
    ])
}

fn escalation_item(escalation: &Escalation) -> StoreResult<Item> {
    let mut item = key(&escalation.contact);
    item.insert("reason".into(), to_value(&escalation.reason)?);
    item.insert("opened_ms".into(), ms(escalation.opened_at));
    item.insert("locale".into(), to_value(&escalation.locale)?);
    item.insert("messages".into(), to_value(&escalation.messages)?);
    item.insert("version".into(), n(0));
    match &escalation.released {
        Some((by, at)) => {
            item.insert("released_by".into(), s(by));
            item.insert("released_ms".into(), ms(*at));
        }
        None => {
            item.insert("open_number".into(), s(&escalation.contact.business_number_id));
        }
    }
    Ok(item)
}

fn escalation_from_item(item: &Item) -> StoreResult<Escalation> {
    let released = match (string_attr(item, "released_by"), optional_time_ms(item, "released_ms")?) {
        (Some(by), Some(at)) => Some((by, at)),
        _ => None,
    };
    Ok(Escalation {
        contact: ContactKey {
            business_number_id: required_string(item, "business_number_id")?,
            user_key: required_string(item, "user_key")?,
        },
        reason: value_attr(item, "reason")?,
        opened_at: time_ms(item, "opened_ms")?,
        locale: value_attr(item, "locale")?,
        messages: value_attr(item, "messages")?,
        released,
    })
}

impl DynamoEscalationStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoEscalationStore { client, table: table.into() }
    }

    async fn read(&self, contact: &ContactKey) -> StoreResult<Option<Item>> {
        get_item_by_key(&self.client, &self.table, key(contact), None).await
    }
}

#[async_trait]
impl EscalationStore for DynamoEscalationStore {
    async fn open(&self, escalation: &Escalation) -> StoreResult<bool> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(escalation_item(escalation)?))
            // None yet, or the one there was released: it is replaced.
            .condition_expression("attribute_not_exists(user_key) OR attribute_exists(released_ms)")
            .send()
            .await;
        applied(result)
    }

    async fn append(&self, contact: &ContactKey, message: &HandoffMessage) -> StoreResult<()> {
        for round in 0..ROUNDS {
            if round > 0 {
                tokio::time::sleep(backoff(round)).await;
            }
            let Some(item) = self.read(contact).await? else { return Ok(()) };
            let mut messages: Vec<HandoffMessage> = value_attr(&item, "messages")?;
            if messages.iter().any(|m| m.id == message.id) {
                return Ok(());
            }
            messages.push(message.clone());
            let excess = messages.len().saturating_sub(KEPT_MESSAGES);
            messages.drain(..excess);
            let version = read_number(&item, "version")?.unwrap_or(0);
            let opened = ms(time_ms(&item, "opened_ms")?);
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(contact)))
                .update_expression("SET messages = :messages, version = :next")
                // The same escalation as read (a new one opened in between starts at version
                // 0 again, hence its opening time too), no line appended since.
                .condition_expression("version = :read AND opened_ms = :opened")
                .expression_attribute_values(":messages", to_value(&messages)?)
                .expression_attribute_values(":next", n(version + 1))
                .expression_attribute_values(":read", n(version))
                .expression_attribute_values(":opened", opened)
                .send()
                .await;
            match result {
                Ok(_) => return Ok(()),
                Err(err) if is_condition_failure(&err) => continue,
                Err(err) => return Err(StoreError::unavailable(SERVICE, describe(&err))),
            }
        }
        Err(StoreError::unavailable(SERVICE, "the line kept losing to concurrent lines"))
    }

    async fn get(&self, contact: &ContactKey) -> StoreResult<Option<Escalation>> {
        self.read(contact).await?.as_ref().map(escalation_from_item).transpose()
    }

    async fn open_for(&self, business_number_id: &str, limit: usize) -> StoreResult<Vec<Escalation>> {
        let mut open = Vec::new();
        let mut start: Option<Item> = None;
        while open.len() < limit {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(OPEN_ESCALATIONS_INDEX)
                .key_condition_expression("open_number = :b")
                .filter_expression("attribute_not_exists(released_ms)")
                .expression_attribute_values(":b", s(business_number_id))
                .scan_index_forward(true)
                .limit((limit - open.len()).clamp(1, 1000) as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
            for item in output.items.unwrap_or_default() {
                open.push(escalation_from_item(&item)?);
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        // The index orders by opening time only; equal times in the twin's order.
        open.sort_by(|a, b| {
            a.opened_at.cmp(&b.opened_at).then_with(|| a.contact.user_key.cmp(&b.contact.user_key))
        });
        open.truncate(limit);
        Ok(open)
    }

    async fn release(&self, contact: &ContactKey, by: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(contact)))
            .update_expression("SET released_by = :by, released_ms = :at REMOVE open_number")
            .condition_expression("attribute_exists(user_key) AND attribute_not_exists(released_ms)")
            .expression_attribute_values(":by", s(by))
            .expression_attribute_values(":at", ms(at))
            .send()
            .await;
        applied(result)
    }
}
