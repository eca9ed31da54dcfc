//! The operator's figures, counted where they happen and written once per business number
//! per batch: a function tallies a batch's messages in a [`MetricsBatch`] and flushes it
//! with one atomic add per (number, day) to the [`MetricsStore`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::ports::MetricsStore;

/// Upper bounds (milliseconds, inclusive) of the response-time buckets; the last one holds
/// everything slower.
pub const RESPONSE_BUCKETS_MS: [u64; 10] =
    [250, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000, u64::MAX];

/// The business number under which deployment-wide counters are kept: a webhook whose
/// signature fails names no number that can be trusted.
pub const DEPLOYMENT: &str = "*";

/// One day's counters of one business number (or of a batch's part of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Inbound messages handled by the command function.
    pub messages: u64,
    /// Distinct users who wrote (a digest of each, [`user_digest`]): "active today" exactly.
    pub users: BTreeSet<String>,
    /// Recognized commands by canonical name (`bal`, `send`, `pay`, …).
    pub commands: BTreeMap<String, u64>,
    /// Inputs no grammar recognized (the failed-command log's entries).
    pub failed_commands: u64,
    /// Conversations handed to a person.
    pub escalations: u64,
    /// Completed money movements (paid links, posted wallet transfers, settled top-ups) and
    /// their volume in the number's currency, minor units.
    pub transactions: u64,
    pub volume_minor: i64,
    /// Money movements that failed (declined, expired or failed payments; MoMo FAILED).
    pub failed_transactions: u64,
    /// Replies accepted by the Cloud API, and their time from webhook received to accepted.
    pub responses: u64,
    pub response_ms_total: u64,
    /// Counts per [`RESPONSE_BUCKETS_MS`] bucket, by index.
    pub response_buckets: BTreeMap<usize, u64>,
    /// Signed webhook deliveries received, the latest of them, and deliveries refused for
    /// their signature (kept under [`DEPLOYMENT`]).
    pub webhooks: u64,
    pub last_webhook_at: Option<DateTime<Utc>>,
    pub signature_failures: u64,
}

impl Tally {
    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }

    pub fn count_response(&mut self, millis: u64) {
        self.responses += 1;
        self.response_ms_total += millis;
        let bucket = RESPONSE_BUCKETS_MS
            .iter()
            .position(|&upper| millis <= upper)
            .unwrap_or(RESPONSE_BUCKETS_MS.len() - 1);
        *self.response_buckets.entry(bucket).or_default() += 1;
    }

    pub fn count_command(&mut self, name: &str) {
        *self.commands.entry(name.to_owned()).or_default() += 1;
    }

    /// Adds `other` into `self` (what the store does with a flushed tally).
    pub fn merge(&mut self, other: &Tally) {
        self.messages += other.messages;
        self.users.extend(other.users.iter().cloned());
        for (name, n) in &other.commands {
            *self.commands.entry(name.clone()).or_default() += n;
        }
        self.failed_commands += other.failed_commands;
        self.escalations += other.escalations;
        self.transactions += other.transactions;
        self.volume_minor += other.volume_minor;
        self.failed_transactions += other.failed_transactions;
        self.responses += other.responses;
        self.response_ms_total += other.response_ms_total;
        for (bucket, n) in &other.response_buckets {
            *self.response_buckets.entry(*bucket).or_default() += n;
        }
        self.webhooks += other.webhooks;
        self.last_webhook_at = self.last_webhook_at.max(other.last_webhook_at);
        self.signature_failures += other.signature_failures;
    }

    /// The response time under which `share` (0..=1) of responses fell: the upper bound of
    /// the bucket that reaches it (`None` without responses, or for the open last bucket's
    /// share, [`u64::MAX`]).
    pub fn response_percentile(&self, share: f64) -> Option<u64> {
        if self.responses == 0 {
            return None;
        }
        let wanted = (share * self.responses as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, n) in &self.response_buckets {
            seen += n;
            if seen >= wanted {
                return Some(RESPONSE_BUCKETS_MS[*bucket]);
            }
        }
        Some(u64::MAX)
    }
}

/// A stable digest of a user within a business number, so that distinct users can be
/// counted without their phone numbers in the metrics.
pub fn user_digest(business_number_id: &str, user_key: &str) -> String {
    let digest = Sha256::digest(format!("{business_number_id}#{user_key}").as_bytes());
    hex::encode(&digest[..8])
}

/// The tallies of one batch, by business number and day.
#[derive(Debug, Default)]
pub struct MetricsBatch {
    tallies: BTreeMap<(String, NaiveDate), Tally>,
}

impl MetricsBatch {
    /// The tally of `business_number_id` on the (UTC) day of `at`.
    pub fn tally(&mut self, business_number_id: &str, at: DateTime<Utc>) -> &mut Tally {
        self.tallies.entry((business_number_id.to_owned(), at.date_naive())).or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.tallies.values().all(Tally::is_empty)
    }

    /// Writes each (number, day) tally with one add. A failed write is logged and its
    /// counts are lost rather than retrying the batch: the batch's work is done and must not
    /// be repeated for a figure.
    pub async fn flush(self, store: &dyn MetricsStore) {
        for ((number, day), tally) in self.tallies {
            if tally.is_empty() {
                continue;
            }
            if let Err(err) = store.add(&number, day, &tally).await {
                tracing::warn!(business_number = %number, %day, error = %err, "metrics not written");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_buckets() {
        let mut tally = Tally::default();
        for ms in [100, 200, 300, 600, 900, 1_200, 1_800, 2_500, 4_000, 60_000] {
            tally.count_response(ms);
        }
        assert_eq!(tally.responses, 10);
        assert_eq!(tally.response_ms_total, 71_600);
        assert_eq!(tally.response_percentile(0.5), Some(1_000));
        assert_eq!(tally.response_percentile(0.95), Some(u64::MAX));
        assert_eq!(tally.response_percentile(0.9), Some(5_000));
        assert_eq!(Tally::default().response_percentile(0.5), None);
    }

    #[test]
    fn merging_adds_and_unites() {
        let mut a = Tally { messages: 2, ..Tally::default() };
        a.users.insert(user_digest("n", "+233244000001"));
        a.count_command("bal");
        let mut b = Tally { messages: 3, volume_minor: 500, ..Tally::default() };
        b.users.insert(user_digest("n", "+233244000001"));
        b.users.insert(user_digest("n", "+233244000002"));
        b.count_command("bal");
        b.count_command("send");
        a.merge(&b);
        assert_eq!((a.messages, a.users.len(), a.volume_minor), (5, 2, 500));
        assert_eq!(a.commands.get("bal"), Some(&2));
        assert_ne!(user_digest("n", "+1"), user_digest("m", "+1"));
    }
}
