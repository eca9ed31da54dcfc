use std::sync::Arc;
use std::time::Duration as StdDuration;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use chrono::Duration;
use paybot::StoreError;
use paybot::domain::{DeliveryState, DeliveryUpdate};
use paybot::outbound::OutboundJob;
use paybot::ports::{Claim, Clock, DeliveryStatusStore, IdempotencyStore, QueueSender, SendError, WhatsAppSender};
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
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            attempts: 4,
            base_delay: StdDuration::from_millis(250),
            max_delay: StdDuration::from_secs(2),
            remember_sent: Duration::days(2),
        }
    }
}

pub struct NotifyDeps {
    pub sender: Arc<dyn WhatsAppSender>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub statuses: Arc<dyn DeliveryStatusStore>,
    /// Where permanent failures are parked for the operator (the outbound dead-letter queue).
    pub parked: Arc<dyn QueueSender>,
    pub clock: Arc<dyn Clock>,
    pub settings: NotifySettings,
}

/// What happened to one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent { wamid: String },
    AlreadySent,
    Parked { reason: String },
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
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let Some(job) = record.body.as_deref().and_then(|b| serde_json::from_str::<OutboundJob>(b).ok()) else {
            tracing::error!(sqs_message = %id, "unreadable outbound record dropped");
            continue;
        };
        match deliver(deps, &job).await {
            Ok(delivery) => tracing::info!(job = %job.id, outcome = ?delivery, "outbound job done"),
            Err(err) => {
                tracing::warn!(job = %job.id, error = %err, "outbound job will be retried");
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
    let mut attempt = 0;
    loop {
        match deps.sender.send(&job.message).await {
            Ok(wamid) => {
                let now = deps.clock.now();
                deps.idempotency.complete(&key, now, deps.settings.remember_sent).await?;
                let sent = DeliveryUpdate { message_id: wamid.clone(), state: DeliveryState::Sent, at: now, error_code: None };
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
    use paybot::adapters::memory::{ManualClock, MemoryDeliveryStatusStore, MemoryIdempotencyStore, MemoryQueue};
    use paybot::domain::Phone;
    use paybot::ports::{OutboundContent, OutboundMessage, QueueReceiver};
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

    fn deps(script: Vec<SendError>) -> (NotifyDeps, Arc<ScriptedSender>, Arc<MemoryQueue>, Arc<MemoryDeliveryStatusStore>) {
        let clock = Arc::new(ManualClock::default());
        let sender = Arc::new(ScriptedSender { script: Mutex::new(script), calls: Mutex::new(0) });
        let parked = Arc::new(MemoryQueue::fifo(clock.clone()));
        let statuses = Arc::new(MemoryDeliveryStatusStore::default());
        let deps = NotifyDeps {
            sender: sender.clone(),
            idempotency: Arc::new(MemoryIdempotencyStore::default()),
            statuses: statuses.clone(),
            parked: parked.clone(),
            clock,
            settings: NotifySettings {
                attempts: 3,
                base_delay: StdDuration::from_millis(1),
                max_delay: StdDuration::from_millis(2),
                ..NotifySettings::default()
            },
        };
        (deps, sender, parked, statuses)
    }

    fn job(id: &str) -> OutboundJob {
        OutboundJob {
            id: id.into(),
            message: OutboundMessage {
                business_number_id: "1065".into(),
                to: Phone::parse_international("+37369123456").unwrap(),
                content: OutboundContent::Text { body: "hello".into() },
            },
        }
    }

    fn throttled() -> SendError {
        SendError::Retryable { code: Some(130_429), detail: "throughput".into() }
    }

    #[tokio::test]
    async fn sends_once_and_keeps_the_wamid() {
        let (deps, sender, _, statuses) = deps(vec![]);
        assert_eq!(deliver(&deps, &job("w:0")).await.unwrap(), Delivery::Sent { wamid: "wamid.out1".into() });
        assert_eq!(deliver(&deps, &job("w:0")).await.unwrap(), Delivery::AlreadySent);
        assert_eq!(*sender.calls.lock().unwrap(), 1);
        assert_eq!(statuses.get("wamid.out1").await.unwrap().unwrap().state, DeliveryState::Sent);
    }

    #[tokio::test]
    async fn throttling_and_transient_errors_are_retried() {
        let transient = SendError::Retryable { code: Some(131_000), detail: "unknown".into() };
        let (deps, sender, parked, _) = deps(vec![throttled(), transient]);
        assert!(matches!(deliver(&deps, &job("w:1")).await.unwrap(), Delivery::Sent { .. }));
        assert_eq!(*sender.calls.lock().unwrap(), 3);
        assert_eq!(parked.ready_len(), 0);
    }

    #[tokio::test]
    async fn exhausted_retries_go_back_to_the_queue_and_may_be_retried() {
        let (deps, sender, parked, _) = deps(vec![throttled(), throttled(), throttled()]);
        assert!(matches!(deliver(&deps, &job("w:2")).await, Err(NotifyError::Exhausted(_))));
        assert_eq!(parked.ready_len(), 0);
        // The claim was given back: the redelivery sends it.
        assert!(matches!(deliver(&deps, &job("w:2")).await.unwrap(), Delivery::Sent { .. }));
        assert_eq!(*sender.calls.lock().unwrap(), 4);
    }

    #[tokio::test]
    async fn permanent_failures_are_parked_not_retried() {
        let undeliverable = SendError::Permanent { code: Some(131_026), detail: "undeliverable".into() };
        let (deps, sender, parked, _) = deps(vec![undeliverable]);
        assert!(matches!(deliver(&deps, &job("w:3")).await.unwrap(), Delivery::Parked { .. }));
        assert_eq!(*sender.calls.lock().unwrap(), 1);
        let parked = parked.receive(10).await.unwrap();
        assert_eq!(parked.len(), 1);
        let body: serde_json::Value = serde_json::from_str(&parked[0].body).unwrap();
        assert_eq!(body["job"]["id"], "w:3");
        assert!(body["error"].as_str().unwrap().contains("131026"));
        assert_eq!(deliver(&deps, &job("w:3")).await.unwrap(), Delivery::AlreadySent);
    }

    #[test]
    fn backoff_stays_within_its_bounds() {
        let settings = NotifySettings::default();
        for attempt in 0..20 {
            assert!(backoff(&settings, attempt) <= settings.max_delay);
        }
    }
}
