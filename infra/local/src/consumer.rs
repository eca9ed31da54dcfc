//! In-process queue consumers: what SQS's event source mapping does for the Lambdas.
//!
//! FIFO semantics are the queue's own ([`MemoryQueue::receive`] holds back a group with a
//! message in flight); here each group of a batch is handled by its own task, in order, so
//! one slow conversation does not hold up the others, and a message is deleted only once
//! handled.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use paybot::adapters::memory::MemoryQueue;
use paybot::ports::{QueueReceiver, ReceivedMessage};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Handles one message body. `Err` asks for a redelivery.
pub type Handler = Arc<dyn Fn(String) -> HandlerFuture + Send + Sync>;

/// Redelivery of failed messages. The memory queue has no visibility timeout, so the
/// consumer keeps a failed message in flight (its group stays blocked, as on SQS) and tries
/// again after a delay; after the last attempt it is dropped with a log line, where SQS
/// would move it to the dead-letter queue.
#[derive(Debug, Clone, Copy)]
pub struct Redelivery {
    pub attempts: u32,
    pub first_delay: Duration,
}

impl Default for Redelivery {
    fn default() -> Self {
        Redelivery { attempts: 5, first_delay: Duration::from_millis(500) }
    }
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
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let finished = Arc::new(Notify::new());
        loop {
            // Registered before receiving, so a group finishing in between is not missed.
            let group_done = finished.notified();
            tokio::pin!(group_done);
            group_done.as_mut().enable();

            let batch = match queue.receive(10).await {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::error!(queue = name, error = %err, "receive failed");
                    tokio::time::sleep(SAFETY_POLL).await;
                    continue;
                }
            };
            if batch.is_empty() {
                if queue.ready_len() == 0 {
                    let _ = tokio::time::timeout(SAFETY_POLL, queue.wait_for_message()).await;
                } else {
                    // Every ready message belongs to a group still in flight.
                    let _ = tokio::time::timeout(SAFETY_POLL, group_done).await;
                }
                continue;
            }
            for (_, messages) in by_group(batch) {
                let queue = queue.clone();
                let handler = handler.clone();
                let finished = finished.clone();
                tokio::spawn(async move {
                    for message in messages {
                        handle_one(name, &queue, &handler, redelivery, message).await;
                    }
                    finished.notify_waiters();
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

async fn handle_one(
    name: &'static str,
    queue: &MemoryQueue,
    handler: &Handler,
    redelivery: Redelivery,
    message: ReceivedMessage,
) {
    let mut delay = redelivery.first_delay;
    for attempt in 1..=redelivery.attempts.max(1) {
        match handler(message.body.clone()).await {
            Ok(()) => break,
            Err(error) if attempt < redelivery.attempts => {
                tracing::warn!(queue = name, attempt, %error, "message failed; redelivering");
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
            Err(error) => {
                tracing::error!(
                    queue = name,
                    attempts = attempt,
                    %error,
                    "message failed for good; dropped (on AWS it would go to the dead-letter queue)"
                );
            }
        }
    }
    if let Err(err) = queue.delete(&message.receipt).await {
        tracing::error!(queue = name, error = %err, "delete failed");
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

    #[tokio::test]
    async fn each_group_is_handled_in_order_and_a_failure_is_redelivered_before_the_next() {
        let queue = Arc::new(MemoryQueue::fifo(Arc::new(ManualClock::default())));
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let failed_once = Arc::new(Mutex::new(false));
        let handler: Handler = {
            let seen = seen.clone();
            Arc::new(move |body: String| {
                let seen = seen.clone();
                let failed_once = failed_once.clone();
                Box::pin(async move {
                    if body == "a1" && !std::mem::replace(&mut *failed_once.lock().unwrap(), true) {
                        return Err("first try fails".into());
                    }
                    seen.lock().unwrap().push(body);
                    Ok(())
                })
            })
        };
        let redelivery = Redelivery { attempts: 3, first_delay: Duration::from_millis(10) };
        let task = spawn("test", queue.clone(), handler, redelivery);
        queue.send_batch(&[message("a", "a1"), message("b", "b1"), message("a", "a2")]).await.unwrap();
        queue.send_batch(&[message("a", "a3")]).await.unwrap();
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
    }
}
