use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

use crate::StoreResult;
use crate::ports::{Clock, QueueMessage, QueueReceiver, QueueSender, ReceivedMessage};

/// SQS drops a FIFO message whose deduplication id was accepted in the last five minutes.
const FIFO_DEDUP_WINDOW: Duration = Duration::minutes(5);

#[derive(Default)]
struct State {
    ready: VecDeque<ReceivedMessage>,
    in_flight: HashMap<String, ReceivedMessage>,
    seen: HashMap<String, DateTime<Utc>>,
    /// `seen` in arrival order, so expired ids leave from the front in O(1) each instead of a
    /// scan of five minutes of ids on every send.
    seen_order: VecDeque<(DateTime<Utc>, String)>,
    next_receipt: u64,
}

/// An in-process queue with SQS's FIFO deduplication (when `fifo`), for the local stack
/// and tests. Received messages stay in flight until deleted.
pub struct MemoryQueue {
    fifo: bool,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    arrived: Notify,
}

impl MemoryQueue {
    pub fn fifo(clock: Arc<dyn Clock>) -> Self {
        Self::new(true, clock)
    }

    pub fn standard(clock: Arc<dyn Clock>) -> Self {
        Self::new(false, clock)
    }

    fn new(fifo: bool, clock: Arc<dyn Clock>) -> Self {
        MemoryQueue { fifo, clock, state: Mutex::new(State::default()), arrived: Notify::new() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Messages waiting to be received (not in flight).
    pub fn ready_len(&self) -> usize {
        self.state().ready.len()
    }

    /// Waits until a message may be ready; consumers call this between empty receives.
    pub async fn wait_for_message(&self) {
        // Registered before the check, so a message queued in between still wakes us.
        let notified = self.arrived.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if self.ready_len() > 0 {
            return;
        }
        notified.await;
    }
}

#[async_trait]
impl QueueSender for MemoryQueue {
    async fn send_batch(&self, messages: &[QueueMessage]) -> StoreResult<()> {
        let now = self.clock.now();
        {
            let mut state = self.state();
            while let Some((at, _)) = state.seen_order.front() {
                if now - *at < FIFO_DEDUP_WINDOW {
                    break;
                }
                if let Some((_, id)) = state.seen_order.pop_front() {
                    state.seen.remove(&id);
                }
            }
            for message in messages {
                if self.fifo {
                    if let Some(dedup) = &message.dedup_id {
                        if state.seen.contains_key(dedup) {
                            continue;
                        }
                        state.seen.insert(dedup.clone(), now);
                        state.seen_order.push_back((now, dedup.clone()));
                    }
                }
                state.next_receipt += 1;
                let receipt = format!("r{}", state.next_receipt);
                state.ready.push_back(ReceivedMessage {
                    body: message.body.clone(),
                    group: message.group.clone().filter(|_| self.fifo),
                    dedup_id: message.dedup_id.clone().filter(|_| self.fifo),
                    receipt,
                });
            }
        }
        self.arrived.notify_waiters();
        Ok(())
    }
}

#[async_trait]
impl QueueReceiver for MemoryQueue {
    async fn receive(&self, max: usize) -> StoreResult<Vec<ReceivedMessage>> {
        let mut state = self.state();
        let mut taken = Vec::new();
        // FIFO: a group with a message in flight is held back, as SQS does; a group this
        // batch takes from may give several messages, in order.
        let mut blocked: HashSet<String> = state.in_flight.values().filter_map(|m| m.group.clone()).collect();
        let mut taking: HashSet<String> = HashSet::new();
        let mut index = 0;
        while taken.len() < max && index < state.ready.len() {
            if let Some(group) = &state.ready[index].group {
                if blocked.contains(group) && !taking.contains(group) {
                    index += 1;
                    continue;
                }
                if taking.insert(group.clone()) {
                    blocked.insert(group.clone());
                }
            }
            if let Some(message) = state.ready.remove(index) {
                state.in_flight.insert(message.receipt.clone(), message.clone());
                taken.push(message);
            }
        }
        Ok(taken)
    }

    async fn delete(&self, receipt: &str) -> StoreResult<()> {
        self.state().in_flight.remove(receipt);
        Ok(())
    }
}
