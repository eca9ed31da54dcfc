use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

use crate::StoreResult;
use crate::ports::{Clock, QueueMessage, QueueReceiver, QueueSender, ReceivedMessage};

/// SQS drops a FIFO message whose deduplication id was accepted in the last five minutes.
const FIFO_DEDUP_WINDOW: Duration = Duration::minutes(5);

/// The queue's messages, so that every operation costs the same however deep the queue and
/// however many groups are in flight: a FIFO message waits in its group's line, and a group
/// is offered to receivers only while none of its messages is in flight (as on SQS).
#[derive(Default)]
struct State {
    /// Messages without a group (a standard queue), in arrival order.
    loose: VecDeque<ReceivedMessage>,
    /// Each group's waiting messages, in order.
    lines: HashMap<String, VecDeque<ReceivedMessage>>,
    /// Groups with waiting messages and nothing in flight, in the order they became so.
    offered: VecDeque<String>,
    /// Received and not yet deleted, by receipt.
    in_flight: HashMap<String, ReceivedMessage>,
    /// In-flight messages per group.
    busy: HashMap<String, usize>,
    ready: usize,
    seen: HashMap<String, DateTime<Utc>>,
    /// `seen` in arrival order, so expired ids leave from the front in O(1) each instead of a
    /// scan of five minutes of ids on every send.
    seen_order: VecDeque<(DateTime<Utc>, String)>,
    next_receipt: u64,
}

impl State {
    fn push(&mut self, message: ReceivedMessage) {
        self.ready += 1;
        let Some(group) = message.group.clone() else {
            self.loose.push_back(message);
            return;
        };
        let line = self.lines.entry(group.clone()).or_default();
        let was_empty = line.is_empty();
        line.push_back(message);
        if was_empty && !self.busy.contains_key(&group) {
            self.offered.push_back(group);
        }
    }

    /// A group's messages may go to receivers again once none of them is in flight.
    fn finished(&mut self, group: &str) {
        let Some(count) = self.busy.get_mut(group) else { return };
        *count -= 1;
        if *count > 0 {
            return;
        }
        self.busy.remove(group);
        if self.lines.get(group).is_some_and(|line| !line.is_empty()) {
            self.offered.push_back(group.to_owned());
        }
    }
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
        self.state().ready
    }

    /// Messages received and not yet deleted.
    pub fn in_flight_len(&self) -> usize {
        self.state().in_flight.len()
    }

    /// Waits until a receive would return something: a message of a group with nothing in
    /// flight (or without a group). Consumers call this between empty receives; it wakes when
    /// a message arrives and when a group's last in-flight message is deleted.
    pub async fn wait_for_message(&self) {
        // Registered before the check, so a change in between still wakes us.
        let notified = self.arrived.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let state = self.state();
            if !state.offered.is_empty() || !state.loose.is_empty() {
                return;
            }
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
                if self.fifo
                    && let Some(dedup) = &message.dedup_id
                {
                    if state.seen.contains_key(dedup) {
                        continue;
                    }
                    state.seen.insert(dedup.clone(), now);
                    state.seen_order.push_back((now, dedup.clone()));
                }
                state.next_receipt += 1;
                let receipt = format!("r{}", state.next_receipt);
                state.push(ReceivedMessage {
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
        // FIFO: a group this batch takes from may give several messages, in order; it is
        // then held back until they are deleted, as SQS does.
        while taken.len() < max {
            let Some(group) = state.offered.pop_front() else { break };
            let Some(mut line) = state.lines.remove(&group) else { continue };
            let mut count = 0;
            while taken.len() < max {
                let Some(message) = line.pop_front() else { break };
                count += 1;
                taken.push(message);
            }
            if !line.is_empty() {
                state.lines.insert(group.clone(), line);
            }
            if count > 0 {
                state.busy.insert(group, count);
            }
        }
        while taken.len() < max {
            let Some(message) = state.loose.pop_front() else { break };
            taken.push(message);
        }
        state.ready -= taken.len();
        for message in &taken {
            state.in_flight.insert(message.receipt.clone(), message.clone());
        }
        Ok(taken)
    }

    async fn delete(&self, receipt: &str) -> StoreResult<()> {
        let mut state = self.state();
        if let Some(message) = state.in_flight.remove(receipt)
            && let Some(group) = &message.group
        {
            state.finished(group);
        }
        drop(state);
        // A group became free: a consumer waiting for one may take its next message.
        self.arrived.notify_waiters();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::ManualClock;

    fn message(group: &str, n: u32) -> QueueMessage {
        QueueMessage {
            body: format!("{group}{n}"),
            group: Some(group.into()),
            dedup_id: Some(format!("{group}{n}")),
        }
    }

    fn bodies(received: &[ReceivedMessage]) -> Vec<&str> {
        received.iter().map(|m| m.body.as_str()).collect()
    }

    #[tokio::test]
    async fn a_group_in_flight_is_held_back_and_others_are_offered_in_order() {
        let queue = MemoryQueue::fifo(Arc::new(ManualClock::default()));
        queue
            .send_batch(&[
                message("a", 1),
                message("b", 1),
                message("a", 2),
                message("c", 1),
                message("b", 2),
            ])
            .await
            .unwrap();
        let first = queue.receive(3).await.unwrap();
        assert_eq!(bodies(&first), ["a1", "a2", "b1"], "a group gives its messages in order");
        assert_eq!((queue.ready_len(), queue.in_flight_len()), (2, 3));
        let second = queue.receive(10).await.unwrap();
        assert_eq!(bodies(&second), ["c1"], "b is in flight: its second message waits");
        queue.delete(&first[2].receipt).await.unwrap();
        assert_eq!(bodies(&queue.receive(10).await.unwrap()), ["b2"]);
        // a is still in flight (two messages): a new a waits until both are deleted.
        queue.send_batch(&[message("a", 3)]).await.unwrap();
        queue.delete(&first[0].receipt).await.unwrap();
        assert!(queue.receive(10).await.unwrap().is_empty());
        queue.delete(&first[1].receipt).await.unwrap();
        assert_eq!(bodies(&queue.receive(10).await.unwrap()), ["a3"]);
        assert_eq!(queue.ready_len(), 0);
    }
}
