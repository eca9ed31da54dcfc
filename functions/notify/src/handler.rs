use std::sync::Arc;
use std::time::Duration as StdDuration;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use chrono::Duration;
use paybot::StoreError;
use paybot::domain::ContactKey;
use paybot::domain::{DeliveryState, DeliveryUpdate};
use paybot::outbound::OutboundJob;
use paybot::ports::{
    Claim, Clock, DeliveryStatusStore, IdempotencyStore, OutboxStore, QueueSender, SendError, WhatsAppSender,
    WindowStore,
};
use rand::Rng;
use serde::Serialize;

/// Retry policy, from configuration with safe defaults.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// Attempts within one invocation before the job goes back to the queue.
    pub attempts: u32,
    /// Backoff: full jitter over `base * 2^attempt`, capped at `max_delay`.
    pub base_delay: StdDuration,
    pub max_delay: StdDuration,
    /// How long a sent job id is remembered, so a redelivered job is not sent twice.
    pub remember_sent: Duration,
    /// The customer-service window: free-form messages only this long after the user's last
    /// message.
    pub window: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            attempts: 4,
            base_delay: StdDuration::from_millis(250),
            max_delay: StdDuration::from_secs(2),
            remember_sent: Duration::days(2),
            window: Duration::hours(24),
        }
    }
}

pub struct NotifyDeps {
    pub sender: Arc<dyn WhatsAppSender>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub statuses: Arc<dyn DeliveryStatusStore>,
    /// Where permanent failures are parked for the operator (the outbound dead-letter queue).
    pub parked: Arc<dyn QueueSender>,
    /// The seller's window (status updates only).
    pub windows: Arc<dyn WindowStore>,
    /// Where status updates wait when the window is closed.
    pub outbox: Arc<dyn OutboxStore>,
    pub clock: Arc<dyn Clock>,
    pub settings: NotifySettings,
}

/// What happened to one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent {
        wamid: String,
    },
    AlreadySent,
    /// The window was closed: the update waits in the template outbox.
    Deferred,
    Parked {
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the job is being sent elsewhere")]
    Busy,
    #[error("still failing after retries: {0}")]
    Exhausted(SendError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A parked job as the operator finds it on the dead-letter queue.
#[derive(Serialize)]
struct ParkedJob<'a> {
    job: &'a OutboundJob,
    error: String,
}

pub async fn handle_batch(deps: &NotifyDeps, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    // A failed job holds back the rest of its FIFO group, so one conversation stays in order.
    let mut failed_groups: Vec<String> = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let group = record.attributes.get("MessageGroupId").cloned().unwrap_or_default();
        if !group.is_empty() && failed_groups.contains(&group) {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
            continue;
        }
        let Some(job) = record.body.as_deref().and_then(|b| serde_json::from_str::<OutboundJob>(b).ok())
        else {
            tracing::error!(sqs_message = %id, "unreadable outbound record dropped");
            continue;
        };
        match deliver(deps, &job).await {
            Ok(delivery) => tracing::info!(job = %job.id, outcome = ?delivery, "outbound job done"),
            Err(err) => {
                tracing::warn!(job = %job.id, error = %err, "outbound job will be retried");
                failed_groups.push(group);
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}

/// Sends one job at most once: retries throttling and transient errors with backoff and
/// jitter, parks permanent failures, and gives the job back to the queue when retries run out.
pub async fn deliver(deps: &NotifyDeps, job: &OutboundJob) -> Result<Delivery, NotifyError> {
    let key = format!("send:{}", job.id);
    match deps.idempotency.claim(&key, deps.clock.now(), Duration::minutes(2)).await? {
        Claim::Done => return Ok(Delivery::AlreadySent),
        Claim::InProgress => return Err(NotifyError::Busy),
        Claim::Acquired => {}
    }
    if let Some(item) = &job.fallback {
        if !window_open(deps, job).await? {
            return defer(deps, &key, item).await;
        }
    }
    let mut attempt = 0;
    loop {
        match deps.sender.send(&job.message).await {
            Ok(wamid) => {
                let now = deps.clock.now();
                deps.idempotency.complete(&key, now, deps.settings.remember_sent).await?;
                let sent = DeliveryUpdate {
                    message_id: wamid.clone(),
                    state: DeliveryState::Sent,
                    at: now,
                    error_code: None,
                };
                deps.statuses.record(&sent).await?;
                return Ok(Delivery::Sent { wamid });
            }
            Err(SendError::Retryable { code, detail }) if attempt + 1 < deps.settings.attempts => {
                tracing::info!(job = %job.id, ?code, %detail, attempt, "send throttled or failed; backing off");
                tokio::time::sleep(backoff(&deps.settings, attempt)).await;
                attempt += 1;
            }
            Err(err @ SendError::Retryable { .. }) => {
                deps.idempotency.release(&key).await?;
                return Err(NotifyError::Exhausted(err));
            }
            // Meta says the window closed (its clock and ours may differ by seconds).
            Err(SendError::WindowClosed) if job.fallback.is_some() => {
                let item = job.fallback.as_ref().expect("checked above");
                return defer(deps, &key, item).await;
            }
            Err(err) => {
                let reason = err.to_string();
                tracing::error!(job = %job.id, to = %job.message.to, error = %reason, "send failed for good; parked");
                let mut parked = job.to_queue_message();
                parked.body = serde_json::to_string(&ParkedJob { job, error: reason.clone() })
                    .expect("parked jobs serialize");
                deps.parked.send_batch(&[parked]).await?;
                deps.idempotency.complete(&key, deps.clock.now(), deps.settings.remember_sent).await?;
                return Ok(Delivery::Parked { reason });
            }
        }
    }
}

async fn window_open(deps: &NotifyDeps, job: &OutboundJob) -> Result<bool, StoreError> {
    let contact = ContactKey {
        business_number_id: job.message.business_number_id.clone(),
        user_key: job.message.to.as_e164().to_owned(),
    };
    let last = deps.windows.last_inbound(&contact).await?;
    Ok(last.is_some_and(|at| deps.clock.now() - at < deps.settings.window))
}

async fn defer(
    deps: &NotifyDeps,
    key: &str,
    item: &paybot::ports::OutboxItem,
) -> Result<Delivery, NotifyError> {
    deps.outbox.add(item).await?;
    deps.idempotency.complete(key, deps.clock.now(), deps.settings.remember_sent).await?;
    tracing::info!(link = %item.link_id, "window closed: status update moved to the template outbox");
    Ok(Delivery::Deferred)
}

/// Full jitter: a random delay up to the exponential bound, so throttled senders spread out.
fn backoff(settings: &NotifySettings, attempt: u32) -> StdDuration {
    let bound = settings.base_delay.saturating_mul(1u32 << attempt.min(16)).min(settings.max_delay);
    let millis = bound.as_millis().max(1) as u64;
    StdDuration::from_millis(rand::rng().random_range(0..=millis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use paybot::adapters::memory::{
        ManualClock, MemoryDeliveryStatusStore, MemoryIdempotencyStore, MemoryOutboxStore, MemoryQueue,
        MemoryWindowStore,
    };
    use paybot::domain::Phone;
    use paybot::domain::{Currency, LinkState, Money};
    use paybot::ports::OutboxItem;
    use paybot::ports::{OutboundContent, OutboundMessage, QueueReceiver};
    use paybot::ports::{OutboxStore, WindowStore};
    use std::sync::Mutex;

    /// Answers from a script, then succeeds; counts calls. Stands in for the Cloud API where
    /// only the sequence of answers matters (the real client is tested against the sandbox).
    struct ScriptedSender {
        script: Mutex<Vec<SendError>>,
        calls: Mutex<u32>,
    }

    #[async_trait]
    impl WhatsAppSender for ScriptedSender {
        async fn send(&self, _: &OutboundMessage) -> Result<String, SendError> {
            let mut calls = self.calls.lock().unwrap();
            *calls += 1;
            let mut script = self.script.lock().unwrap();
            if script.is_empty() { Ok(format!("wamid.out{calls}")) } else { Err(script.remove(0)) }
        }
    }

    struct Harness {
        deps: NotifyDeps,
        sender: Arc<ScriptedSender>,
        parked: Arc<MemoryQueue>,
        statuses: Arc<MemoryDeliveryStatusStore>,
        windows: Arc<MemoryWindowStore>,
        outbox: Arc<MemoryOutboxStore>,
        clock: Arc<ManualClock>,
    }

    fn harness(script: Vec<SendError>) -> Harness {
        let clock = Arc::new(ManualClock::default());
        let sender = Arc::new(ScriptedSender { script: Mutex::new(script), calls: Mutex::new(0) });
        let parked = Arc::new(MemoryQueue::fifo(clock.clone()));
        let statuses = Arc::new(MemoryDeliveryStatusStore::default());
        let windows = Arc::new(MemoryWindowStore::default());
        let outbox = Arc::new(MemoryOutboxStore::default());
        let deps = NotifyDeps {
            sender: sender.clone(),
            idempotency: Arc::new(MemoryIdempotencyStore::default()),
            statuses: statuses.clone(),
            parked: parked.clone(),
            windows: windows.clone(),
            outbox: outbox.clone(),
            clock: clock.clone(),
            settings: NotifySettings {
                attempts: 3,
                base_delay: StdDuration::from_millis(1),
                max_delay: StdDuration::from_millis(2),
                ..NotifySettings::default()
            },
        };
        Harness { deps, sender, parked, statuses, windows, outbox, clock }
    }

    fn job(id: &str) -> OutboundJob {
        OutboundJob {
            id: id.into(),
            message: OutboundMessage {
                business_number_id: "1065".into(),
                to: Phone::parse_international("+37369123456").unwrap(),
                content: OutboundContent::Text { body: "hello".into() },
            },
            fallback: None,
        }
    }

    fn contact() -> ContactKey {
        ContactKey { business_number_id: "1065".into(), user_key: "+37369123456".into() }
    }

    fn status_job(id: &str, clock: &ManualClock) -> OutboundJob {
        let mut job = job(id);
        job.fallback = Some(OutboxItem {
            contact: contact(),
            link_id: "pl-1".into(),
            state: LinkState::Success,
            amount: Money::new(100.into(), Currency::MDL).unwrap(),
            description: None,
            tag: None,
            payer_bank: None,
            at: clock.now(),
        });
        job
    }

    fn throttled() -> SendError {
        SendError::Retryable { code: Some(130_429), detail: "throughput".into() }
    }

    #[tokio::test]
    async fn sends_once_and_keeps_the_wamid() {
        let h = harness(vec![]);
        assert_eq!(
            deliver(&h.deps, &job("w:0")).await.unwrap(),
            Delivery::Sent { wamid: "wamid.out1".into() }
        );
        assert_eq!(deliver(&h.deps, &job("w:0")).await.unwrap(), Delivery::AlreadySent);
        assert_eq!(*h.sender.calls.lock().unwrap(), 1);
        assert_eq!(h.statuses.get("wamid.out1").await.unwrap().unwrap().state, DeliveryState::Sent);
    }

    #[tokio::test]
    async fn throttling_and_transient_errors_are_retried() {
        let transient = SendError::Retryable { code: Some(131_000), detail: "unknown".into() };
        let h = harness(vec![throttled(), transient]);
        assert!(matches!(deliver(&h.deps, &job("w:1")).await.unwrap(), Delivery::Sent { .. }));
        assert_eq!(*h.sender.calls.lock().unwrap(), 3);
        assert_eq!(h.parked.ready_len(), 0);
    }

    #[tokio::test]
    async fn exhausted_retries_go_back_to_the_queue_and_may_be_retried() {
        let h = harness(vec![throttled(), throttled(), throttled()]);
        assert!(matches!(deliver(&h.deps, &job("w:2")).await, Err(NotifyError::Exhausted(_))));
        assert_eq!(h.parked.ready_len(), 0);
        // The claim was given back: the redelivery sends it.
        assert!(matches!(deliver(&h.deps, &job("w:2")).await.unwrap(), Delivery::Sent { .. }));
        assert_eq!(*h.sender.calls.lock().unwrap(), 4);
    }

    #[tokio::test]
    async fn permanent_failures_are_parked_not_retried() {
        let undeliverable = SendError::Permanent { code: Some(131_026), detail: "undeliverable".into() };
        let h = harness(vec![undeliverable]);
        assert!(matches!(deliver(&h.deps, &job("w:3")).await.unwrap(), Delivery::Parked { .. }));
        assert_eq!(*h.sender.calls.lock().unwrap(), 1);
        let parked = h.parked.receive(10).await.unwrap();
        assert_eq!(parked.len(), 1);
        let body: serde_json::Value = serde_json::from_str(&parked[0].body).unwrap();
        assert_eq!(body["job"]["id"], "w:3");
        assert!(body["error"].as_str().unwrap().contains("131026"));
        assert_eq!(deliver(&h.deps, &job("w:3")).await.unwrap(), Delivery::AlreadySent);
    }

    #[tokio::test]
    async fn status_updates_go_free_form_inside_the_window_and_to_the_outbox_outside() {
        let h = harness(vec![]);
        h.windows.record_inbound(&contact(), h.clock.now()).await.unwrap();
        h.clock.advance(Duration::hours(23));
        assert!(matches!(
            deliver(&h.deps, &status_job("s:1", &h.clock)).await.unwrap(),
            Delivery::Sent { .. }
        ));
        h.clock.advance(Duration::hours(2));
        assert_eq!(deliver(&h.deps, &status_job("s:2", &h.clock)).await.unwrap(), Delivery::Deferred);
        assert_eq!(*h.sender.calls.lock().unwrap(), 1);
        assert_eq!(h.outbox.pending(&contact()).await.unwrap().len(), 1);
        // A reply (no fallback) is not held back by the window.
        assert!(matches!(deliver(&h.deps, &job("r:1")).await.unwrap(), Delivery::Sent { .. }));
    }

    #[tokio::test]
    async fn meta_saying_131047_also_defers_a_status_update() {
        let h = harness(vec![SendError::WindowClosed]);
        h.windows.record_inbound(&contact(), h.clock.now()).await.unwrap();
        assert_eq!(deliver(&h.deps, &status_job("s:3", &h.clock)).await.unwrap(), Delivery::Deferred);
        assert_eq!(h.outbox.pending(&contact()).await.unwrap().len(), 1);
        assert_eq!(deliver(&h.deps, &status_job("s:3", &h.clock)).await.unwrap(), Delivery::AlreadySent);
    }

    #[test]
    fn backoff_stays_within_its_bounds() {
        let settings = NotifySettings::default();
        for attempt in 0..20 {
            assert!(backoff(&settings, attempt) <= settings.max_delay);
        }
    }
}
