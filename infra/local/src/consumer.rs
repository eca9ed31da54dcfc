//! In-process queue consumers: what SQS's event source mapping does for the Lambdas, driving
//! the functions' own batch handlers (partial batch failures included).
//!
//! FIFO semantics are the queue's own ([`MemoryQueue::receive`] holds back a group with a
//! message in flight); here each group of a batch is handed to the batch handler by its own
//! task, in order, so one slow conversation does not hold up the others. A record the
//! handler reports failed stays in flight (its group blocked, as on SQS) and is delivered
//! again after a delay; after its last receive it moves to the dead-letter queue with the
//! handler's reason, as SQS's redrive would move it. Nothing is deleted unread.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use paybot::adapters::memory::MemoryQueue;
use paybot::batch::RecordFailure;
use paybot::ports::{QueueMessage, QueueReceiver, QueueSender, ReceivedMessage};
use tokio::task::JoinHandle;

pub type HandlerFuture = Pin<Box<dyn Future<Output = Vec<RecordFailure>> + Send>>;

/// A function's batch handler: the records it reports failed are delivered again.
pub type Handler = Arc<dyn Fn(SqsEvent) -> HandlerFuture + Send + Sync>;

/// Redelivery of failed records: the memory queue has no visibility timeout, so the consumer
/// keeps a failed record in flight and hands it over again after a delay, `receives` times
/// in all (SQS's `maxReceiveCount`), then moves it to the dead-letter queue.
#[derive(Debug, Clone, Copy)]
pub struct Redelivery {
    pub receives: u32,
    pub first_delay: Duration,
}

impl Default for Redelivery {
    fn default() -> Self {
        Redelivery { receives: 5, first_delay: Duration::from_millis(500) }
    }
}

/// A record on a dead-letter queue, with why it got there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeadLetter {
    pub queue: String,
    /// The record's body as it was queued.
    pub body: String,
    pub error: String,
    pub receives: u32,
}

/// Wakes up at least this often, in case a wake-up was missed between looking at the queue
/// and starting to wait.
const SAFETY_POLL: Duration = Duration::from_millis(500);

/// Consumes `queue` until the task is aborted.
pub fn spawn(
    name: &'static str,
    queue: Arc<MemoryQueue>,
    handler: Handler,
    redelivery: Redelivery,
    dead_letters: Arc<dyn QueueSender>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let batch = match queue.receive(10).await {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::error!(queue = name, error = %err, "receive failed");
                    tokio::time::sleep(SAFETY_POLL).await;
                    continue;
                }
            };
            if batch.is_empty() {
                // Until a message of a free group arrives, or a busy group's last message is
                // deleted (its next one may go then).
                let _ = tokio::time::timeout(SAFETY_POLL, queue.wait_for_message()).await;
                continue;
            }
            for (_, messages) in by_group(batch) {
                let queue = queue.clone();
                let handler = handler.clone();
                let dead_letters = dead_letters.clone();
                tokio::spawn(async move {
                    handle_group(name, &queue, &handler, redelivery, dead_letters.as_ref(), messages).await;
                });
            }
        }
    })
}

/// The batch split by FIFO group, each group's messages in queue order; messages without a
/// group (standard queues) each get their own.
fn by_group(batch: Vec<ReceivedMessage>) -> Vec<(String, Vec<ReceivedMessage>)> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<ReceivedMessage>> = HashMap::new();
    for message in batch {
        let key = message.group.clone().unwrap_or_else(|| format!("receipt:{}", message.receipt));
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(message);
    }
    order
        .into_iter()
        .map(|key| {
            let messages = groups.remove(&key).unwrap_or_default();
            (key, messages)
        })
        .collect()
}

/// The records as the event source mapping hands them to a Lambda.
fn event(messages: &[ReceivedMessage], receives: u32) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages
        .iter()
        .map(|m| {
            let mut record = SqsMessage::default();
            record.message_id = Some(m.receipt.clone());
            record.receipt_handle = Some(m.receipt.clone());
            record.body = Some(m.body.clone());
            if let Some(group) = &m.group {
                record.attributes.insert("MessageGroupId".into(), group.clone());
            }
            record.attributes.insert("ApproximateReceiveCount".into(), receives.to_string());
            record
        })
        .collect();
    event
}

async fn handle_group(
    name: &'static str,
    queue: &MemoryQueue,
    handler: &Handler,
    redelivery: Redelivery,
    dead_letters: &dyn QueueSender,
    mut pending: Vec<ReceivedMessage>,
) {
    let mut delay = redelivery.first_delay;
    for receive in 1..=redelivery.receives.max(1) {
        let failures = handler(event(&pending, receive)).await;
        let reasons: HashMap<&str, &str> =
            failures.iter().map(|f| (f.message_id.as_str(), f.reason.as_str())).collect();
        let mut still_failing = Vec::new();
        for message in pending {
            match reasons.get(message.receipt.as_str()) {
                None => delete(name, queue, &message.receipt).await,
                Some(reason) if receive == redelivery.receives.max(1) => {
                    dead_letter(name, queue, dead_letters, message, reason, receive).await;
                }
                Some(_) => still_failing.push(message),
            }
        }
        if still_failing.is_empty() {
            return;
        }
        tracing::warn!(
            queue = name,
            receive,
            records = still_failing.len(),
            "records failed; delivering again"
        );
        pending = still_failing;
        tokio::time::sleep(delay).await;
        delay = delay.saturating_mul(2);
    }
}

async fn delete(name: &'static str, queue: &MemoryQueue, receipt: &str) {
    if let Err(err) = queue.delete(receipt).await {
        tracing::error!(queue = name, error = %err, "delete failed");
    }
}

async fn dead_letter(
    name: &'static str,
    queue: &MemoryQueue,
    dead_letters: &dyn QueueSender,
    message: ReceivedMessage,
    reason: &str,
    receives: u32,
) {
    let letter =
        DeadLetter { queue: name.to_owned(), body: message.body.clone(), error: reason.to_owned(), receives };
    let parked = QueueMessage {
        body: serde_json::to_string(&letter).expect("dead letters serialize"),
        group: message.group.clone(),
        dedup_id: message.dedup_id.clone(),
    };
    match dead_letters.send_batch(&[parked]).await {
        Ok(()) => {
            tracing::error!(queue = name, receives, error = reason, "record moved to the dead-letter queue");
            delete(name, queue, &message.receipt).await;
        }
        // Kept in flight rather than lost: the queue redelivers it when the consumer restarts.
        Err(err) => tracing::error!(queue = name, error = %err, "dead-letter queue refused the record"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paybot::adapters::memory::ManualClock;
    use paybot::ports::{QueueMessage, QueueSender};
    use std::sync::Mutex;

    fn message(group: &str, body: &str) -> QueueMessage {
        QueueMessage { body: body.into(), group: Some(group.into()), dedup_id: Some(body.into()) }
    }

    /// A batch handler over a per-record function, reporting failures (and holding the rest
    /// of a failed group) as the functions' handlers do.
    fn handler(f: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static) -> Handler {
        let f = Arc::new(f);
        Arc::new(move |event: SqsEvent| {
            let f = f.clone();
            Box::pin(async move {
                paybot::batch::handle_in_order("test", event, |body: String| {
                    let outcome = f(&body);
                    async move { outcome }
                })
                .await
            })
        })
    }

    #[tokio::test]
    async fn each_group_is_handled_in_order_and_a_failure_is_redelivered_before_the_next() {
        let clock = Arc::new(ManualClock::default());
        let queue = Arc::new(MemoryQueue::fifo(clock.clone()));
        let dead = Arc::new(MemoryQueue::standard(clock));
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let failed_once = Arc::new(Mutex::new(false));
        let h = {
            let seen = seen.clone();
            handler(move |body| {
                if body == "a1" && !std::mem::replace(&mut *failed_once.lock().unwrap(), true) {
                    return Err("first try fails".into());
                }
                seen.lock().unwrap().push(body.to_owned());
                Ok(())
            })
        };
        let redelivery = Redelivery { receives: 3, first_delay: Duration::from_millis(10) };
        let task = spawn("test", queue.clone(), h, redelivery, dead.clone());
        let q = |group: &str, body: &str| message(group, &format!("\"{body}\""));
        queue.send_batch(&[q("a", "a1"), q("b", "b1"), q("a", "a2")]).await.unwrap();
        queue.send_batch(&[q("a", "a3")]).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), async {
            while seen.lock().unwrap().len() < 4 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("all four handled");
        task.abort();
        let seen = seen.lock().unwrap().clone();
        let group_a: Vec<_> = seen.iter().filter(|b| b.starts_with('a')).cloned().collect();
        assert_eq!(group_a, ["a1", "a2", "a3"]);
        assert!(seen.contains(&"b1".to_string()));
        assert_eq!(queue.ready_len(), 0);
        assert_eq!(dead.ready_len(), 0);
    }

    #[tokio::test]
    async fn unreadable_and_failing_records_reach_the_dead_letter_queue_with_their_reason() {
        let clock = Arc::new(ManualClock::default());
        let queue = Arc::new(MemoryQueue::fifo(clock.clone()));
        let dead = Arc::new(MemoryQueue::standard(clock));
        let h = handler(|body| if body.contains("down") { Err("downstream down".into()) } else { Ok(()) });
        let redelivery = Redelivery { receives: 2, first_delay: Duration::from_millis(5) };
        let task = spawn("test", queue.clone(), h, redelivery, dead.clone());
        queue
            .send_batch(&[message("x", "not json"), message("y", "\"down\""), message("z", "\"ok\"")])
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(5), async {
            while dead.ready_len() < 2 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("both parked");
        task.abort();
        let mut letters: Vec<DeadLetter> =
            dead.receive(10).await.unwrap().iter().map(|m| serde_json::from_str(&m.body).unwrap()).collect();
        letters.sort_by(|a, b| a.body.cmp(&b.body));
        assert_eq!(letters[0].body, "\"down\"");
        assert_eq!(letters[0].error, "downstream down");
        assert_eq!(letters[1].body, "not json");
        assert!(letters[1].error.starts_with("unreadable record"), "{:?}", letters[1]);
        assert!(letters.iter().all(|l| l.receives == 2));
        assert_eq!(queue.ready_len(), 0);
    }
}
