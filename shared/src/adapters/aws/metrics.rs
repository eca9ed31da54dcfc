//! The operator's daily counters in DynamoDB.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;

use super::item::*;
use super::{Item, SERVICE, describe};
use crate::operator::metrics::Tally;
use crate::ports::MetricsStore;
use crate::{StoreError, StoreResult};

/// Metrics table (key `business_number_id` + `day`, `YYYY-MM-DD` in UTC), one item per number
/// and day, every figure a flat attribute so that one `UpdateItem` adds a whole tally:
/// `messages`, `failed_commands`, `escalations`, `transactions`, `volume_minor`,
/// `failed_transactions`, `responses`, `response_ms_total`, `webhooks`, `signature_failures`
/// (counters, `ADD`); `cmd_<name>` per command; `rt_<index>` per response-time bucket of
/// [`crate::operator::metrics::RESPONSE_BUCKETS_MS`]; `users` (a string set of user digests,
/// `ADD` unites; only added when the tally has users: DynamoDB refuses an empty set).
///
/// The latest webhook is a maximum, which an update expression cannot compute, and a
/// condition would refuse the whole add. So each process (one per Lambda container) writes
/// its own `last_webhook_at_<writer>` (ms, `SET`), never lower than what it wrote for that
/// number and day before, and [`MetricsStore::days`] reads the maximum over them. Adds from
/// different containers keep the maximum exactly whatever their order; two concurrent adds
/// of one process whose requests reach DynamoDB in the reverse order of the calls leave the
/// earlier call's value, behind the true latest by the gap between the two, until the
/// process's next add. A day item holds one such attribute per container that received
/// webhooks that day.
#[derive(Debug, Clone)]
pub struct DynamoMetricsStore {
    client: Client,
    table: String,
}

/// Names this process's latest-webhook attribute.
static WRITER: LazyLock<String> =
    LazyLock::new(|| uuid::Uuid::new_v4().simple().to_string()[..12].to_owned());
/// The latest webhook this process wrote, per table, number and day.
static LATEST_WEBHOOK: LazyLock<Mutex<HashMap<(String, String, NaiveDate), i64>>> =
    LazyLock::new(Mutex::default);

const LAST_WEBHOOK_PREFIX: &str = "last_webhook_at_";
const COMMAND_PREFIX: &str = "cmd_";
const BUCKET_PREFIX: &str = "rt_";

fn count(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn read_count(name: &str, value: &AttributeValue) -> StoreResult<u64> {
    match value {
        AttributeValue::N(n) => {
            n.parse().map_err(|_| StoreError::Malformed(format!("{name} is not a count")))
        }
        _ => Err(StoreError::Malformed(format!("{name} is not a number"))),
    }
}

fn tally_from_item(item: &Item) -> StoreResult<(NaiveDate, Tally)> {
    let day = required_string(item, "day")?;
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .map_err(|_| StoreError::Malformed(format!("day {day} is not a date")))?;
    let mut tally = Tally::default();
    for (name, value) in item {
        match name.as_str() {
            "business_number_id" | "day" => {}
            "messages" => tally.messages = read_count(name, value)?,
            "failed_commands" => tally.failed_commands = read_count(name, value)?,
            "escalations" => tally.escalations = read_count(name, value)?,
            "transactions" => tally.transactions = read_count(name, value)?,
            "volume_minor" => tally.volume_minor = read_number(item, name)?.unwrap_or(0),
            "failed_transactions" => tally.failed_transactions = read_count(name, value)?,
            "responses" => tally.responses = read_count(name, value)?,
            "response_ms_total" => tally.response_ms_total = read_count(name, value)?,
            "webhooks" => tally.webhooks = read_count(name, value)?,
            "signature_failures" => tally.signature_failures = read_count(name, value)?,
            "users" => match value {
                AttributeValue::Ss(users) => tally.users.extend(users.iter().cloned()),
                _ => return Err(StoreError::Malformed("users is not a string set".into())),
            },
            other => {
                if let Some(command) = other.strip_prefix(COMMAND_PREFIX) {
                    tally.commands.insert(command.to_owned(), read_count(name, value)?);
                } else if let Some(bucket) = other.strip_prefix(BUCKET_PREFIX) {
                    let bucket = bucket
                        .parse()
                        .map_err(|_| StoreError::Malformed(format!("{name} is not a bucket")))?;
                    tally.response_buckets.insert(bucket, read_count(name, value)?);
                } else if other.starts_with(LAST_WEBHOOK_PREFIX) {
                    let at = optional_time_ms(item, name)?;
                    tally.last_webhook_at = tally.last_webhook_at.max(at);
                }
                // Anything else is not a figure this version knows: left alone.
            }
        }
    }
    Ok((day, tally))
}

impl DynamoMetricsStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoMetricsStore { client, table: table.into() }
    }

    /// The latest webhook to write for the number and day: never below what this process
    /// wrote before. Forgets the days before yesterday.
    fn latest_webhook(&self, business_number_id: &str, day: NaiveDate, at_ms: i64) -> i64 {
        let mut latest = LATEST_WEBHOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(yesterday) = day.pred_opt() {
            latest.retain(|(_, _, kept), _| *kept >= yesterday);
        }
        let entry = latest.entry((self.table.clone(), business_number_id.to_owned(), day)).or_insert(at_ms);
        *entry = (*entry).max(at_ms);
        *entry
    }
}

#[async_trait]
impl MetricsStore for DynamoMetricsStore {
    async fn add(&self, business_number_id: &str, day: NaiveDate, tally: &Tally) -> StoreResult<()> {
        let mut adds: Vec<(String, AttributeValue)> = Vec::new();
        let mut counter = |name: &str, value: u64| {
            if value > 0 {
                adds.push((name.to_owned(), count(value)));
            }
        };
        counter("messages", tally.messages);
        counter("failed_commands", tally.failed_commands);
        counter("escalations", tally.escalations);
        counter("transactions", tally.transactions);
        counter("failed_transactions", tally.failed_transactions);
        counter("responses", tally.responses);
        counter("response_ms_total", tally.response_ms_total);
        counter("webhooks", tally.webhooks);
        counter("signature_failures", tally.signature_failures);
        for (command, value) in &tally.commands {
            counter(&format!("{COMMAND_PREFIX}{command}"), *value);
        }
        for (bucket, value) in &tally.response_buckets {
            counter(&format!("{BUCKET_PREFIX}{bucket}"), *value);
        }
        if tally.volume_minor != 0 {
            adds.push(("volume_minor".to_owned(), n(tally.volume_minor)));
        }
        if !tally.users.is_empty() {
            adds.push(("users".to_owned(), AttributeValue::Ss(tally.users.iter().cloned().collect())));
        }
        let last_webhook = tally.last_webhook_at.map(|at| {
            let latest = self.latest_webhook(business_number_id, day, at.timestamp_millis());
            (format!("{LAST_WEBHOOK_PREFIX}{}", *WRITER), n(latest))
        });
        if adds.is_empty() && last_webhook.is_none() {
            return Ok(());
        }

        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("business_number_id", s(business_number_id))
            .key("day", s(day_key(day)));
        let mut clauses = Vec::new();
        if !adds.is_empty() {
            let mut parts = Vec::new();
            for (i, (name, value)) in adds.into_iter().enumerate() {
                parts.push(format!("#a{i} :a{i}"));
                request = request
                    .expression_attribute_names(format!("#a{i}"), name)
                    .expression_attribute_values(format!(":a{i}"), value);
            }
            clauses.push(format!("ADD {}", parts.join(", ")));
        }
        if let Some((name, value)) = last_webhook {
            clauses.push("SET #w = :w".to_owned());
            request = request.expression_attribute_names("#w", name).expression_attribute_values(":w", value);
        }
        request
            .update_expression(clauses.join(" "))
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }

    async fn days(
        &self,
        business_number_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(NaiveDate, Tally)>> {
        if from > to {
            return Ok(Vec::new());
        }
        let mut days = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("business_number_id = :b AND #day BETWEEN :from AND :to")
                .expression_attribute_names("#day", "day")
                .expression_attribute_values(":b", s(business_number_id))
                .expression_attribute_values(":from", s(day_key(from)))
                .expression_attribute_values(":to", s(day_key(to)))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
            for item in output.items.unwrap_or_default() {
                days.push(tally_from_item(&item)?);
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(days)
    }
}
