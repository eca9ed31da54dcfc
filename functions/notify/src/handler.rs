use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::Duration;
use paybot::batch::{self, RecordFailure};
use paybot::domain::{ContactKey, DeliveryState, DeliveryUpdate};
use paybot::notices::{self, NoticeClaim};
use paybot::operator::metrics::MetricsBatch;
use paybot::outbound::OutboundJob;
use paybot::ports::{
    Claim, Clock, DeliveryStatusStore, IdempotencyStore, MetricsStore, OutboxStore, QueueSender, SendError,
    WhatsAppSender, WindowStore,
};
use paybot::{StoreError, StoreResult};
use rand::Rng;
use serde::Serialize;

/// Retry policy, from configuration with safe defaults.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// Attempts within one invocation before the job goes back to the queue; also the
    /// attempts at the bookkeeping after a send.
    pub attempts: u32,
    /// Backoff: full jitter over `base * 2^attempt`, capped at `max_delay`.
    pub base_delay: StdDuration,
    pub max_delay: StdDuration,
    /// How long a claim on a job holds before another worker may take it over; longer than
    /// the function's timeout.
    pub lease: Duration,
    /// How long a sent job id is remembered, so a redelivered job is not sent twice.
    pub remember_sent: Duration,
    /// The customer-service window: free-form messages only this long after the user's last
    /// message.
    pub window: Duration,
}

impl NotifySettings {
    pub fn from_config(config: &paybot::config::Config) -> Self {
        let limits = &config.limits;
        NotifySettings {
            attempts: limits.send_attempts,
            base_delay: limits.send_backoff_base,
            max_delay: limits.send_backoff_max,
            lease: limits.claim_lease,
            ..NotifySettings::default()
        }
    }
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            attempts: 4,
            base_delay: StdDuration::from_millis(250),
            max_delay: StdDuration::from_secs(2),
            lease: Duration::minutes(2),
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
    /// The seller's window (notices only).
    pub windows: Arc<dyn WindowStore>,
    /// Where notices wait when the window is closed, and leave once delivered.
    pub outbox: Arc<dyn OutboxStore>,
    /// Where each batch's response times are added (once per number per batch).
    pub metrics: Arc<dyn MetricsStore>,
    pub clock: Arc<dyn Clock>,
    pub settings: NotifySettings,
}

/// What happened to one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent {
        wamid: String,
    },
    /// Sent before, or its notices were delivered by another path.
    AlreadySent,
    /// The window was closed: the notice waits in the template outbox.
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

/// One SQS batch (see [`paybot::batch`]).
pub async fn handle_batch(deps: &NotifyDeps, event: SqsEvent) -> SqsBatchResponse {
    batch::response(&handle_records(deps, event).await)
}

/// The batch's failed records with their reasons (the local stack parks them with it). The
/// response times of the replies sent are added to the metrics once per number at the end.
pub async fn handle_records(deps: &NotifyDeps, event: SqsEvent) -> Vec<RecordFailure> {
    let metrics = std::sync::Mutex::new(MetricsBatch::default());
    let failures = batch::handle_in_order("outbound", event, |job: OutboundJob| {
        let metrics = &metrics;
        async move {
            match deliver(deps, &job).await {
                Ok(delivery) => {
                    tracing::info!(job = %job.id, outcome = ?delivery, "outbound job done");
                    if matches!(delivery, Delivery::Sent { .. }) {
                        count_response(&mut metrics.lock().unwrap_or_else(|e| e.into_inner()), deps, &job);
                    }
                    Ok(())
                }
                Err(err) => Err(err.to_string()),
            }
        }
    })
    .await;
    metrics.into_inner().unwrap_or_else(|e| e.into_inner()).flush(deps.metrics.as_ref()).await;
    failures
}

/// A reply the Cloud API accepted: its time from the webhook receiving the message it
/// answers to now. Only the first send of a job gets here (a redelivered one is
/// [`Delivery::AlreadySent`]).
fn count_response(metrics: &mut MetricsBatch, deps: &NotifyDeps, job: &OutboundJob) {
    let Some(received_at) = job.inbound_received_at else { return };
    let now = deps.clock.now();
    let millis = (now - received_at).num_milliseconds().max(0) as u64;
    metrics.tally(&job.message.business_number_id, now).count_response(millis);
}

/// What a job holds while it is being sent.
enum Held {
    /// A reply: its own job id.
    Reply(String),
    /// Notices: their shared delivery claims.
    Notices,
}

/// Sends one job at most once: retries throttling and transient errors with backoff and
/// jitter, parks permanent failures, and gives the job back to the queue when retries run
/// out. A job that carries notices is claimed by their notice keys, shared with every other
/// path that may deliver them.
pub async fn deliver(deps: &NotifyDeps, job: &OutboundJob) -> Result<Delivery, NotifyError> {
    let now = deps.clock.now();
    let held = if job.notices.is_empty() {
        let key = format!("send:{}", job.id);
        match deps.idempotency.claim(&key, now, deps.settings.lease).await? {
            Claim::Done => return Ok(Delivery::AlreadySent),
            Claim::InProgress => return Err(NotifyError::Busy),
            Claim::Acquired => Held::Reply(key),
        }
    } else {
        match notices::claim(deps.idempotency.as_ref(), &job.notices, now, deps.settings.lease).await? {
            NoticeClaim::Acquired => Held::Notices,
            NoticeClaim::Busy => return Err(NotifyError::Busy),
            NoticeClaim::Delivered(done) => {
                // Delivered by another path; a digest that included them is dropped, and the
                // rest of its notices go in the next one.
                deps.outbox.remove(&contact(job), &notices::ids(&done)).await?;
                return Ok(Delivery::AlreadySent);
            }
        }
    };
    let outcome = send_held(deps, job, &held).await;
    if outcome.is_err() {
        release(deps, job, &held).await;
    }
    outcome
}

async fn send_held(deps: &NotifyDeps, job: &OutboundJob, held: &Held) -> Result<Delivery, NotifyError> {
    if job.is_free_form_notice() && !window_open(deps, job).await? {
        return defer(deps, job).await;
    }
    let mut attempt = 0;
    loop {
        match deps.sender.send(&job.message).await {
            Ok(wamid) => {
                after_send(deps, job, held, &wamid).await;
                return Ok(Delivery::Sent { wamid });
            }
            Err(SendError::Retryable { code, detail }) if attempt + 1 < deps.settings.attempts => {
                tracing::info!(job = %job.id, ?code, %detail, attempt, "send throttled or failed; backing off");
                tokio::time::sleep(backoff(&deps.settings, attempt)).await;
                attempt += 1;
            }
            Err(err @ SendError::Retryable { .. }) => return Err(NotifyError::Exhausted(err)),
            // Meta says the window closed (its clock and ours may differ by seconds).
            Err(SendError::WindowClosed) if job.is_free_form_notice() => return defer(deps, job).await,
            Err(err) => {
                let reason = err.to_string();
                tracing::error!(job = %job.id, to = %job.message.to, error = %reason, "send failed for good; parked");
                let mut parked = job.to_queue_message();
                parked.body = serde_json::to_string(&ParkedJob { job, error: reason.clone() })
                    .expect("parked jobs serialize");
                deps.parked.send_batch(&[parked]).await?;
                // Parked is final: the operator has it, with its reason.
                finish(deps, job, held).await?;
                return Ok(Delivery::Parked { reason });
            }
        }
    }
}

/// The bookkeeping after Meta accepted the message. None of it may lead to a second send, so
/// a store that fails here is retried with backoff and, if it keeps failing, logged for the
/// operator while the job still counts as sent (it is not given back to the queue).
async fn after_send(deps: &NotifyDeps, job: &OutboundJob, held: &Held, wamid: &str) {
    persist(deps, job, "mark the job sent", || finish(deps, job, held)).await;
    let sent = DeliveryUpdate {
        message_id: wamid.to_owned(),
        state: DeliveryState::Sent,
        at: deps.clock.now(),
        error_code: None,
    };
    persist(deps, job, "record the sent status", || deps.statuses.record(&sent)).await;
    if job.is_free_form_notice() {
        for notice in &job.notices {
            // Kept beside the wamid for a 131047 that Meta reports later; if that report is
            // here already, the notice goes back to the outbox now.
            persist(deps, job, "keep the outbox form", || async {
                if !deps.statuses.attach_fallback(wamid, notice).await? {
                    notices::return_to_outbox(deps.idempotency.as_ref(), deps.outbox.as_ref(), notice)
                        .await?;
                }
                Ok(())
            })
            .await;
        }
    }
}

/// Marks the held claims done and takes delivered notices out of the outbox.
async fn finish(deps: &NotifyDeps, job: &OutboundJob, held: &Held) -> StoreResult<()> {
    let now = deps.clock.now();
    match held {
        Held::Reply(key) => deps.idempotency.complete(key, now, deps.settings.remember_sent).await,
        Held::Notices => {
            notices::complete(deps.idempotency.as_ref(), &job.notices, now, deps.settings.remember_sent)
                .await?;
            deps.outbox.remove(&contact(job), &notices::ids(&job.notices)).await
        }
    }
}

async fn release(deps: &NotifyDeps, job: &OutboundJob, held: &Held) {
    let released = match held {
        Held::Reply(key) => deps.idempotency.release(key).await,
        Held::Notices => notices::release(deps.idempotency.as_ref(), &job.notices).await,
    };
    if let Err(err) = released {
        tracing::warn!(job = %job.id, error = %err, "claim not released; it expires with its lease");
    }
}

async fn persist<F, Fut>(deps: &NotifyDeps, job: &OutboundJob, what: &'static str, mut step: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<()>>,
{
    for attempt in 0..deps.settings.attempts.max(1) {
        match step().await {
            Ok(()) => return,
            Err(err) if attempt + 1 < deps.settings.attempts => {
                tracing::warn!(job = %job.id, error = %err, what, "store failed after a send; retrying");
                tokio::time::sleep(backoff(&deps.settings, attempt)).await;
            }
            Err(err) => {
                tracing::error!(job = %job.id, error = %err, what, alert = true, "ALERT: store failed after a send; the message counts as sent");
            }
        }
    }
}

fn contact(job: &OutboundJob) -> ContactKey {
    ContactKey {
        business_number_id: job.message.business_number_id.clone(),
        user_key: job.message.to.as_e164().to_owned(),
    }
}

async fn window_open(deps: &NotifyDeps, job: &OutboundJob) -> Result<bool, StoreError> {
    let last = deps.windows.last_inbound(&contact(job)).await?;
    Ok(last.is_some_and(|at| deps.clock.now() - at < deps.settings.window))
}

/// The window is closed: the notices wait in the outbox, their claims given back so the
/// template path can take them.
async fn defer(deps: &NotifyDeps, job: &OutboundJob) -> Result<Delivery, NotifyError> {
    for notice in &job.notices {
        deps.outbox.add(notice).await?;
    }
    notices::release(deps.idempotency.as_ref(), &job.notices).await?;
    tracing::info!(job = %job.id, "window closed: update moved to the template outbox");
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

    use paybot::ports::Notice;
    use paybot::ports::{DeliveryStatusStore, OutboundContent, OutboundMessage, QueueReceiver};
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
        metrics: Arc<paybot::adapters::memory::MemoryMetricsStore>,
        clock: Arc<ManualClock>,
    }

    fn harness(script: Vec<SendError>) -> Harness {
        harness_with(script, Arc::new(MemoryIdempotencyStore::default()))
    }

    fn harness_with(script: Vec<SendError>, idempotency: Arc<dyn IdempotencyStore>) -> Harness {
        let clock = Arc::new(ManualClock::default());
        let sender = Arc::new(ScriptedSender { script: Mutex::new(script), calls: Mutex::new(0) });
        let parked = Arc::new(MemoryQueue::fifo(clock.clone()));
        let statuses = Arc::new(MemoryDeliveryStatusStore::default());
        let windows = Arc::new(MemoryWindowStore::default());
        let outbox = Arc::new(MemoryOutboxStore::default());
        let metrics = Arc::new(paybot::adapters::memory::MemoryMetricsStore::default());
        let deps = NotifyDeps {
            sender: sender.clone(),
            idempotency,
            statuses: statuses.clone(),
            parked: parked.clone(),
            windows: windows.clone(),
            outbox: outbox.clone(),
            metrics: metrics.clone(),
            clock: clock.clone(),
            settings: NotifySettings {
                attempts: 3,
                base_delay: StdDuration::from_millis(1),
                max_delay: StdDuration::from_millis(2),
                ..NotifySettings::default()
            },
        };
        Harness { deps, sender, parked, statuses, windows, outbox, metrics, clock }
    }

    fn job(id: &str) -> OutboundJob {
        OutboundJob {
            id: id.into(),
            message: OutboundMessage {
                business_number_id: "1065".into(),
                to: Phone::parse_international("+37369123456").unwrap(),
                content: OutboundContent::Text { body: "hello".into() },
            },
            notices: Vec::new(),
            inbound_received_at: None,
        }
    }

    fn contact() -> ContactKey {
        ContactKey { business_number_id: "1065".into(), user_key: "+37369123456".into() }
    }

    fn notice(id: &str, clock: &ManualClock) -> Notice {
        Notice {
            id: id.into(),
            contact: contact(),
            text: paybot::i18n::Words::new("payment-paid"),
            template: "payment_update".into(),
            parameters: Vec::new(),
            digest_line: Vec::new(),
            locale: paybot::domain::Locale::En,
            at: clock.now(),
        }
    }

    fn status_job(id: &str, clock: &ManualClock) -> OutboundJob {
        let mut job = job(id);
        job.notices = vec![notice("pl-1", clock)];
        job
    }

    fn digest_job(links: &[&str], clock: &ManualClock) -> OutboundJob {
        let mut job = job("digest");
        job.message.content = OutboundContent::Template {
            name: "payment_digest".into(),
            language: "en_US".into(),
            body_parameters: vec![links.len().to_string(), "…".into()],
        };
        job.notices = links.iter().map(|l| notice(l, clock)).collect();
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
        let mut later = job("s:2");
        later.notices = vec![notice("pl-2", &h.clock)];
        assert_eq!(deliver(&h.deps, &later).await.unwrap(), Delivery::Deferred);
        assert_eq!(*h.sender.calls.lock().unwrap(), 1);
        assert_eq!(h.outbox.pending(&contact()).await.unwrap().len(), 1);
        // A reply (no notice) is not held back by the window.
        assert!(matches!(deliver(&h.deps, &job("r:1")).await.unwrap(), Delivery::Sent { .. }));
    }

    #[tokio::test]
    async fn meta_saying_131047_also_defers_a_status_update() {
        let h = harness(vec![SendError::WindowClosed]);
        h.windows.record_inbound(&contact(), h.clock.now()).await.unwrap();
        assert_eq!(deliver(&h.deps, &status_job("s:3", &h.clock)).await.unwrap(), Delivery::Deferred);
        assert_eq!(h.outbox.pending(&contact()).await.unwrap().len(), 1);
        // Not delivered: the template path takes it from the outbox, once.
        assert!(matches!(
            deliver(&h.deps, &digest_job(&["pl-1"], &h.clock)).await.unwrap(),
            Delivery::Sent { .. }
        ));
        assert!(h.outbox.pending(&contact()).await.unwrap().is_empty());
        assert_eq!(deliver(&h.deps, &status_job("s:3", &h.clock)).await.unwrap(), Delivery::AlreadySent);
    }

    #[tokio::test]
    async fn a_sent_update_keeps_its_outbox_form_for_a_later_131047() {
        let h = harness(vec![]);
        h.windows.record_inbound(&contact(), h.clock.now()).await.unwrap();
        let Delivery::Sent { wamid } = deliver(&h.deps, &status_job("s:4", &h.clock)).await.unwrap() else {
            panic!("sent")
        };
        assert_eq!(h.statuses.take_fallback(&wamid).await.unwrap(), Some(notice("pl-1", &h.clock)));
        assert_eq!(h.statuses.take_fallback(&wamid).await.unwrap(), None, "taken once");
    }

    #[tokio::test]
    async fn a_131047_reported_before_the_send_was_recorded_returns_the_update_to_the_outbox() {
        let h = harness(vec![]);
        h.windows.record_inbound(&contact(), h.clock.now()).await.unwrap();
        // Meta's failed status for the wamid arrives before notify keeps the outbox form.
        let failed = DeliveryUpdate {
            message_id: "wamid.out1".into(),
            state: DeliveryState::Failed,
            at: h.clock.now(),
            error_code: Some(paybot::ports::WINDOW_CLOSED_CODE),
        };
        h.statuses.record(&failed).await.unwrap();
        assert!(matches!(
            deliver(&h.deps, &status_job("s:5", &h.clock)).await.unwrap(),
            Delivery::Sent { .. }
        ));
        assert_eq!(h.outbox.pending(&contact()).await.unwrap(), [notice("pl-1", &h.clock)]);
        // Reopened: the template path may deliver it.
        let claim = h.deps.idempotency.claim("notice:pl-1", h.clock.now(), Duration::minutes(1));
        assert_eq!(claim.await.unwrap(), Claim::Acquired);
    }

    #[tokio::test]
    async fn one_update_is_delivered_once_across_free_form_and_digest() {
        let h = harness(vec![]);
        h.windows.record_inbound(&contact(), h.clock.now()).await.unwrap();
        h.outbox.add(&notice("pl-1", &h.clock)).await.unwrap();
        h.outbox.add(&notice("pl-2", &h.clock)).await.unwrap();
        // The seller wrote: pl-1 goes free-form (and leaves the outbox).
        assert!(matches!(
            deliver(&h.deps, &status_job("late:1", &h.clock)).await.unwrap(),
            Delivery::Sent { .. }
        ));
        assert_eq!(h.outbox.pending(&contact()).await.unwrap(), [notice("pl-2", &h.clock)]);
        // A digest of both, made before, is dropped: pl-2 waits for the next one.
        assert_eq!(
            deliver(&h.deps, &digest_job(&["pl-1", "pl-2"], &h.clock)).await.unwrap(),
            Delivery::AlreadySent
        );
        assert_eq!(h.outbox.pending(&contact()).await.unwrap(), [notice("pl-2", &h.clock)]);
        assert!(matches!(
            deliver(&h.deps, &digest_job(&["pl-2"], &h.clock)).await.unwrap(),
            Delivery::Sent { .. }
        ));
        assert!(h.outbox.pending(&contact()).await.unwrap().is_empty());
        assert_eq!(deliver(&h.deps, &status_job("late:1", &h.clock)).await.unwrap(), Delivery::AlreadySent);
        assert_eq!(*h.sender.calls.lock().unwrap(), 2);
    }

    #[tokio::test]
    async fn a_template_that_fails_for_good_is_parked_with_its_reason() {
        let unapproved =
            SendError::Permanent { code: Some(132_001), detail: "template does not exist".into() };
        let h = harness(vec![unapproved]);
        h.outbox.add(&notice("pl-1", &h.clock)).await.unwrap();
        assert!(matches!(
            deliver(&h.deps, &digest_job(&["pl-1"], &h.clock)).await.unwrap(),
            Delivery::Parked { .. }
        ));
        let parked = h.parked.receive(10).await.unwrap();
        let body: serde_json::Value = serde_json::from_str(&parked[0].body).unwrap();
        assert!(body["error"].as_str().unwrap().contains("132001"));
        assert_eq!(body["job"]["notices"][0]["id"], "pl-1");
    }

    /// An idempotency store whose `complete` fails a given number of times.
    struct FailingComplete {
        inner: MemoryIdempotencyStore,
        failures: Mutex<u32>,
    }

    #[async_trait]
    impl IdempotencyStore for FailingComplete {
        async fn claim(
            &self,
            key: &str,
            now: chrono::DateTime<chrono::Utc>,
            lease: Duration,
        ) -> paybot::StoreResult<Claim> {
            self.inner.claim(key, now, lease).await
        }
        async fn complete(
            &self,
            key: &str,
            now: chrono::DateTime<chrono::Utc>,
            keep: Duration,
        ) -> paybot::StoreResult<()> {
            let fail = {
                let mut failures = self.failures.lock().unwrap();
                let fail = *failures > 0;
                *failures = failures.saturating_sub(1);
                fail
            };
            if fail {
                return Err(StoreError::unavailable("dynamodb", "throttled"));
            }
            self.inner.complete(key, now, keep).await
        }
        async fn release(&self, key: &str) -> paybot::StoreResult<()> {
            self.inner.release(key).await
        }
        async fn reopen(&self, key: &str) -> paybot::StoreResult<()> {
            self.inner.reopen(key).await
        }
    }

    fn sqs_event(bodies: &[String]) -> SqsEvent {
        let mut event = SqsEvent::default();
        event.records = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let mut record = aws_lambda_events::event::sqs::SqsMessage::default();
                record.message_id = Some(format!("m{i}"));
                record.body = Some(body.clone());
                record.attributes.insert("MessageGroupId".into(), "g".into());
                record
            })
            .collect();
        event
    }

    #[tokio::test]
    async fn a_failed_complete_after_a_send_never_leads_to_a_second_send() {
        // Fails once: retried at once, so a redelivery finds the job done.
        let h = harness_with(
            vec![],
            Arc::new(FailingComplete { inner: Default::default(), failures: Mutex::new(1) }),
        );
        let body = serde_json::to_string(&job("w:5")).unwrap();
        assert!(
            handle_batch(&h.deps, sqs_event(std::slice::from_ref(&body)))
                .await
                .batch_item_failures
                .is_empty()
        );
        assert!(handle_batch(&h.deps, sqs_event(&[body])).await.batch_item_failures.is_empty());
        assert_eq!(*h.sender.calls.lock().unwrap(), 1);
        // Fails for good: the job still counts as sent and is not handed back to the queue.
        let h = harness_with(
            vec![],
            Arc::new(FailingComplete { inner: Default::default(), failures: Mutex::new(99) }),
        );
        let body = serde_json::to_string(&job("w:6")).unwrap();
        assert!(handle_batch(&h.deps, sqs_event(&[body])).await.batch_item_failures.is_empty());
        assert_eq!(*h.sender.calls.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn an_unreadable_record_is_reported_not_deleted_and_holds_its_group() {
        let h = harness(vec![]);
        let good = serde_json::to_string(&job("w:7")).unwrap();
        let response = handle_batch(&h.deps, sqs_event(&["{not a job".into(), good])).await;
        let failed: Vec<_> =
            response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(failed, ["m0", "m1"]);
        assert_eq!(*h.sender.calls.lock().unwrap(), 0);
    }

    #[tokio::test]
    async fn an_accepted_reply_counts_its_time_from_the_webhook_once() {
        use paybot::ports::MetricsStore;
        let h = harness(vec![]);
        let received = h.clock.now();
        h.clock.advance(Duration::milliseconds(1_200));
        let mut reply = job("wamid.in:0");
        reply.inbound_received_at = Some(received);
        let body = serde_json::to_string(&reply).unwrap();
        // A notice (no inbound time) and the same reply delivered again count nothing more.
        let notice = serde_json::to_string(&job("status:x")).unwrap();
        let response = handle_batch(&h.deps, sqs_event(&[body.clone(), notice, body.clone()])).await;
        assert!(response.batch_item_failures.is_empty());
        handle_batch(&h.deps, sqs_event(&[body])).await;
        let day = h.clock.now().date_naive();
        let days = h.metrics.days("1065", day, day).await.unwrap();
        let tally = &days[0].1;
        assert_eq!((tally.responses, tally.response_ms_total), (1, 1_200));
        assert_eq!(tally.response_percentile(0.5), Some(1_500));
    }

    #[test]
    fn an_old_job_without_the_inbound_time_still_reads() {
        let old = r#"{"id":"w:1","message":{"business_number_id":"1065","to":"+37369123456","content":{"type":"text","body":"hi"}}}"#;
        match serde_json::from_str::<OutboundJob>(old) {
            Ok(job) => assert_eq!(job.inbound_received_at, None),
            Err(err) => panic!("{err}"),
        }
    }

    #[test]
    fn backoff_stays_within_its_bounds() {
        let settings = NotifySettings::default();
        for attempt in 0..20 {
            assert!(backoff(&settings, attempt) <= settings.max_delay);
        }
    }
}
