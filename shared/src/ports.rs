//! The small traits the functions are written against, one per operation family.
//! Each has an AWS adapter and an in-memory twin in [`crate::adapters`].

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreResult;
use crate::domain::{ContactKey, DeliveryState, DeliveryUpdate};

/// The time, injected so tests and the local stack can move it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The 24-hour customer-service window: when each user last wrote to each business number.
#[async_trait]
pub trait WindowStore: Send + Sync {
    /// Records an inbound message time. Never moves the time backwards: an older time
    /// (a late or retried delivery) leaves the stored one in place.
    async fn record_inbound(&self, contact: &ContactKey, at: DateTime<Utc>) -> StoreResult<()>;
    async fn last_inbound(&self, contact: &ContactKey) -> StoreResult<Option<DateTime<Utc>>>;
}

/// The last known state of a message the bot sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub state: DeliveryState,
    pub at: DateTime<Utc>,
    pub error_code: Option<i64>,
}

/// Delivery statuses of the bot's own messages.
#[async_trait]
pub trait DeliveryStatusStore: Send + Sync {
    /// Stores the update unless the message already has a state of equal or higher rank.
    async fn record(&self, update: &DeliveryUpdate) -> StoreResult<()>;
    async fn get(&self, message_id: &str) -> StoreResult<Option<DeliveryRecord>>;
}

/// A message for a queue. On a FIFO queue `group` keeps order within a group and
/// `dedup_id` drops repeats; a standard queue ignores both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    pub body: String,
    pub group: Option<String>,
    pub dedup_id: Option<String>,
}

/// Puts messages on one queue.
#[async_trait]
pub trait QueueSender: Send + Sync {
    /// Queues every message or returns an error; on error some may have been queued, so
    /// callers retry the whole batch and rely on deduplication.
    async fn send_batch(&self, messages: &[QueueMessage]) -> StoreResult<()>;
}

/// A message taken from a queue, to be deleted once handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub body: String,
    pub group: Option<String>,
    pub dedup_id: Option<String>,
    pub receipt: String,
}

/// Takes messages from one queue: the local stack's consumers and the contract tests use it;
/// on Lambda the event source mapping does this work.
#[async_trait]
pub trait QueueReceiver: Send + Sync {
    async fn receive(&self, max: usize) -> StoreResult<Vec<ReceivedMessage>>;
    async fn delete(&self, receipt: &str) -> StoreResult<()>;
}

/// Reads one JSON secret as a map of names to values.
#[async_trait]
pub trait SecretSource: Send + Sync {
    async fn secret_values(&self, secret_id: &str) -> StoreResult<HashMap<String, String>>;
}
