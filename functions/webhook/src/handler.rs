use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde::Deserialize;

use paybot::StoreResult;
use paybot::ingress::{self, IngressPlan};
use paybot::operator::metrics::{DEPLOYMENT, MetricsBatch};
use paybot::ports::{
    Clock, DeliveryStatusStore, IdempotencyStore, MetricsStore, OutboxStore, QueueSender, WINDOW_CLOSED_CODE,
    WindowStore,
};
use paybot::whatsapp::{SignatureError, WebhookVerifier, parse_notification};

/// What the webhook needs, built once per cold start (or once by the local stack).
pub struct WebhookState {
    pub verifier: WebhookVerifier,
    /// Bodies above this many bytes are refused with 413 before any work.
    pub max_body_bytes: usize,
    pub windows: Arc<dyn WindowStore>,
    pub statuses: Arc<dyn DeliveryStatusStore>,
    /// Where a status update goes when Meta reports afterwards that the window was closed.
    pub outbox: Arc<dyn OutboxStore>,
    /// Reopens such an update's delivery claim, so it is delivered again.
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub inbound: Arc<dyn QueueSender>,
    /// Webhook health for the operator: signed deliveries per number, refused signatures.
    pub metrics: Arc<dyn MetricsStore>,
    pub clock: Arc<dyn Clock>,
}

/// `GET /webhook` (handshake) and `POST /webhook` (notifications).
pub fn router(state: Arc<WebhookState>) -> Router {
    let limit = state.max_body_bytes;
    Router::new()
        .route("/webhook", get(verify_subscription).post(receive_notification))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

#[derive(Debug, Deserialize)]
pub struct HubQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Meta's handshake: the challenge back as text/plain when mode and token match, else 403.
pub async fn verify_subscription(
    State(state): State<Arc<WebhookState>>,
    query: Result<Query<HubQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return StatusCode::FORBIDDEN.into_response();
    };
    match (
        state.verifier.verify_subscription(query.mode.as_deref(), query.verify_token.as_deref()),
        query.challenge,
    ) {
        (true, Some(challenge)) => {
            tracing::info!("webhook subscription verified");
            ([(header::CONTENT_TYPE, "text/plain")], challenge).into_response()
        }
        _ => {
            tracing::warn!("webhook subscription refused: wrong mode, token or challenge");
            StatusCode::FORBIDDEN.into_response()
        }
    }
}

/// A signed notification: verified over the exact bytes received, parsed, and applied.
/// 200 once every message is queued and every window and status stored; 500 otherwise so
/// that Meta retries (every step is idempotent, so a retry changes nothing twice).
pub async fn receive_notification(
    State(state): State<Arc<WebhookState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
    let now = state.clock.now();
    let refused = match state.verifier.verify_body(&body, signature) {
        Ok(()) => None,
        Err(SignatureError::Missing) => {
            tracing::warn!(bytes = body.len(), "webhook refused: no signature");
            Some(StatusCode::UNAUTHORIZED)
        }
        Err(SignatureError::Mismatch) => {
            tracing::warn!(bytes = body.len(), "webhook refused: signature mismatch");
            Some(StatusCode::FORBIDDEN)
        }
    };
    if let Some(status) = refused {
        // An unsigned body names no business number that can be trusted.
        let mut metrics = MetricsBatch::default();
        metrics.tally(DEPLOYMENT, now).signature_failures += 1;
        metrics.flush(state.metrics.as_ref()).await;
        return status.into_response();
    }
    let parsed = match parse_notification(&body, now) {
        Ok(parsed) => parsed,
        Err(err) => {
            tracing::warn!(bytes = body.len(), error = %err, "webhook refused: malformed JSON");
            return (StatusCode::BAD_REQUEST, "malformed JSON").into_response();
        }
    };
    let skipped = parsed.skipped;
    let plan = ingress::plan(parsed);
    let mut metrics = MetricsBatch::default();
    for number in &plan.business_numbers {
        let tally = metrics.tally(number, now);
        tally.webhooks += 1;
        tally.last_webhook_at = Some(now);
    }
    // The figure is written beside the work, not before it: it never delays the answer.
    let (applied, ()) = tokio::join!(apply(&state, &plan), metrics.flush(state.metrics.as_ref()));
    match applied {
        Ok(()) => {
            tracing::info!(
                messages = plan.queue.len(),
                statuses = plan.statuses.len(),
                skipped,
                "webhook accepted"
            );
            StatusCode::OK.into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, messages = plan.queue.len(), "webhook not stored; Meta will retry");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Queues, windows and statuses are independent: written concurrently.
async fn apply(state: &WebhookState, plan: &IngressPlan) -> StoreResult<()> {
    let queue =
        async { if plan.queue.is_empty() { Ok(()) } else { state.inbound.send_batch(&plan.queue).await } };
    let windows = async {
        for (contact, at) in &plan.windows {
            state.windows.record_inbound(contact, *at).await?;
        }
        Ok(())
    };
    let statuses = async {
        for update in &plan.statuses {
            state.statuses.record(update).await?;
            // A status update Meta accepted and then failed for the closed window waits for a
            // template instead of being lost (taken once: notify may have seen it first).
            if update.error_code == Some(WINDOW_CLOSED_CODE)
                && let Some(item) = state.statuses.take_fallback(&update.message_id).await?
            {
                paybot::notices::return_to_outbox(state.idempotency.as_ref(), state.outbox.as_ref(), &item)
                    .await?;
            }
        }
        Ok(())
    };
    tokio::try_join!(queue, windows, statuses).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use axum::body::Body;
    use axum::http::Request;
    use chrono::DateTime;
    use paybot::StoreError;
    use paybot::adapters::memory::{ManualClock, MemoryDeliveryStatusStore, MemoryQueue, MemoryWindowStore};
    use paybot::domain::{ContactKey, DeliveryState, InboundMessage, MessageContent};
    use paybot::ports::{QueueMessage, QueueReceiver};
    use tower::ServiceExt;

    const SECRET: &str = "test-app-secret";
    const TOKEN: &str = "test-verify-token";

    struct Harness {
        router: Router,
        queue: Arc<MemoryQueue>,
        windows: Arc<MemoryWindowStore>,
        statuses: Arc<MemoryDeliveryStatusStore>,
        outbox: Arc<paybot::adapters::memory::MemoryOutboxStore>,
        idempotency: Arc<paybot::adapters::memory::MemoryIdempotencyStore>,
        metrics: Arc<paybot::adapters::memory::MemoryMetricsStore>,
        clock: Arc<ManualClock>,
    }

    fn harness_with_queue(inbound: Arc<dyn QueueSender>, queue: Arc<MemoryQueue>) -> Harness {
        let clock = Arc::new(ManualClock::starting_at(DateTime::from_timestamp(1_763_700_100, 0).unwrap()));
        let windows = Arc::new(MemoryWindowStore::default());
        let statuses = Arc::new(MemoryDeliveryStatusStore::default());
        let outbox = Arc::new(paybot::adapters::memory::MemoryOutboxStore::default());
        let idempotency = Arc::new(paybot::adapters::memory::MemoryIdempotencyStore::default());
        let metrics = Arc::new(paybot::adapters::memory::MemoryMetricsStore::default());
        let state = WebhookState {
            verifier: WebhookVerifier::new(SECRET, TOKEN),
            max_body_bytes: 64 * 1024,
            windows: windows.clone(),
            statuses: statuses.clone(),
            outbox: outbox.clone(),
            idempotency: idempotency.clone(),
            inbound,
            metrics: metrics.clone(),
            clock: clock.clone(),
        };
        Harness {
            router: router(Arc::new(state)),
            queue,
            windows,
            statuses,
            outbox,
            idempotency,
            metrics,
            clock,
        }
    }

    fn harness() -> Harness {
        let queue = Arc::new(MemoryQueue::fifo(Arc::new(ManualClock::default())));
        harness_with_queue(queue.clone(), queue)
    }

    fn text_update(wamid: &str, body_json_escaped: &str, timestamp: &str) -> String {
        format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"37369002773","phone_number_id":"106540352242922"}},"contacts":[{{"profile":{{"name":"Ion"}},"wa_id":"37369123456"}}],"messages":[{{"from":"37369123456","id":"{wamid}","timestamp":{timestamp},"text":{{"body":"{body_json_escaped}"}},"type":"text"}}]}},"field":"messages"}}]}}]}}"#
        )
    }

    async fn post(router: &Router, body: &str, signature: Option<&str>) -> StatusCode {
        let mut request = Request::post("/webhook").header("content-type", "application/json");
        if let Some(sig) = signature {
            request = request.header("x-hub-signature-256", sig);
        }
        router.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap().status()
    }

    async fn post_signed(router: &Router, body: &str) -> StatusCode {
        post(router, body, Some(&WebhookVerifier::sign(SECRET, body.as_bytes()))).await
    }

    async fn queued(queue: &MemoryQueue) -> Vec<InboundMessage> {
        queue.receive(100).await.unwrap().iter().map(|m| serde_json::from_str(&m.body).unwrap()).collect()
    }

    fn contact() -> ContactKey {
        ContactKey { business_number_id: "106540352242922".into(), user_key: "+37369123456".into() }
    }

    #[tokio::test]
    async fn handshake_echoes_the_challenge_as_plain_text() {
        let h = harness();
        let uri = format!("/webhook?hub.mode=subscribe&hub.verify_token={TOKEN}&hub.challenge=1158201444");
        let response =
            h.router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/plain");
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"1158201444");
    }

    #[tokio::test]
    async fn handshake_refuses_anything_else() {
        let h = harness();
        for uri in [
            "/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
            "/webhook?hub.mode=unsubscribe&hub.verify_token=test-verify-token&hub.challenge=1",
            "/webhook?hub.mode=subscribe&hub.verify_token=test-verify-token",
            "/webhook",
            "/webhook?hub.mode=%ZZ",
        ] {
            let response =
                h.router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{uri}");
        }
    }

    #[tokio::test]
    async fn a_signed_text_message_is_queued_and_opens_the_window() {
        let h = harness();
        let body = text_update("wamid.A1", "pay 100", "\"1763700000\"");
        assert_eq!(post_signed(&h.router, &body).await, StatusCode::OK);
        let messages = queued(&h.queue).await;
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].id, "wamid.A1");
        assert_eq!(messages[0].content, MessageContent::Text { body: "pay 100".into() });
        let window = h.windows.last_inbound(&contact()).await.unwrap().unwrap();
        assert_eq!(window.timestamp(), 1_763_700_000);
    }

    #[tokio::test]
    async fn signature_problems_are_refused_and_change_nothing() {
        let h = harness();
        let body = text_update("wamid.A2", "pay 100", "\"1763700000\"");
        assert_eq!(post(&h.router, &body, None).await, StatusCode::UNAUTHORIZED);
        let wrong = WebhookVerifier::sign("another-secret", body.as_bytes());
        assert_eq!(post(&h.router, &body, Some(&wrong)).await, StatusCode::FORBIDDEN);
        assert_eq!(post(&h.router, &body, Some("sha256=nothex")).await, StatusCode::FORBIDDEN);
        assert_eq!(h.queue.ready_len(), 0);
        assert_eq!(h.windows.last_inbound(&contact()).await.unwrap(), None);
    }

    /// The day's counters of `number` as the store holds them.
    async fn figures(h: &Harness, number: &str) -> paybot::operator::metrics::Tally {
        use paybot::ports::MetricsStore;
        let day = h.clock.now().date_naive();
        let days = h.metrics.days(number, day, day).await.unwrap();
        days.into_iter().next().map(|(_, tally)| tally).unwrap_or_default()
    }

    #[tokio::test]
    async fn signed_webhooks_count_per_number_and_refused_signatures_for_the_deployment() {
        let h = harness();
        let body = text_update("wamid.M1", "pay 100", "\"1763700000\"");
        assert_eq!(post_signed(&h.router, &body).await, StatusCode::OK);
        h.clock.advance(chrono::Duration::seconds(30));
        let body = text_update("wamid.M2", "pay 200", "\"1763700030\"");
        assert_eq!(post_signed(&h.router, &body).await, StatusCode::OK);
        assert_eq!(post(&h.router, &body, None).await, StatusCode::UNAUTHORIZED);
        let wrong = WebhookVerifier::sign("another-secret", body.as_bytes());
        assert_eq!(post(&h.router, &body, Some(&wrong)).await, StatusCode::FORBIDDEN);

        let number = figures(&h, "106540352242922").await;
        assert_eq!((number.webhooks, number.signature_failures), (2, 0));
        assert_eq!(number.last_webhook_at, Some(h.clock.now()));
        let deployment = figures(&h, paybot::operator::metrics::DEPLOYMENT).await;
        assert_eq!((deployment.webhooks, deployment.signature_failures), (0, 2));
    }

    #[tokio::test]
    async fn each_queued_message_carries_when_it_was_received() {
        let h = harness();
        let body = text_update("wamid.R1", "pay 100", "\"1763700000\"");
        assert_eq!(post_signed(&h.router, &body).await, StatusCode::OK);
        let messages = queued(&h.queue).await;
        assert_eq!(messages[0].received_at, Some(h.clock.now()));
        assert_eq!(messages[0].sent_at.timestamp(), 1_763_700_000);
    }

    #[tokio::test]
    async fn oversized_bodies_get_413_and_malformed_json_400() {
        let h = harness();
        let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(70 * 1024));
        assert_eq!(post_signed(&h.router, &big).await, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(post_signed(&h.router, "{\"entry\":[").await, StatusCode::BAD_REQUEST);
        assert_eq!(post_signed(&h.router, "").await, StatusCode::BAD_REQUEST);
        assert_eq!(h.queue.ready_len(), 0);
    }

    #[tokio::test]
    async fn romanian_and_russian_bodies_escaped_by_meta_verify() {
        let h = harness();
        // Exactly as Meta sends them: non-ASCII escaped as lowercase \uXXXX.
        let ro =
            text_update("wamid.RO", r"plat\u0103 100 \u201eCafea \u0219i covrig\u201d #cafea", "1763700000");
        let ru = text_update("wamid.RU", r"\u043e\u043f\u043b\u0430\u0442\u0430 100", "1763700001");
        assert_eq!(post_signed(&h.router, &ro).await, StatusCode::OK);
        assert_eq!(post_signed(&h.router, &ru).await, StatusCode::OK);
        let bodies: Vec<_> = queued(&h.queue)
            .await
            .into_iter()
            .map(|m| match m.content {
                MessageContent::Text { body } => body,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(bodies, ["plată 100 „Cafea și covrig” #cafea", "оплата 100"]);
    }

    #[tokio::test]
    async fn the_same_wamid_three_times_concurrently_queues_one_message() {
        let h = harness();
        let body = text_update("wamid.DUP", "pay 100", "\"1763700000\"");
        let (a, b, c) = tokio::join!(
            post_signed(&h.router, &body),
            post_signed(&h.router, &body),
            post_signed(&h.router, &body)
        );
        assert_eq!([a, b, c], [StatusCode::OK; 3]);
        assert_eq!(post_signed(&h.router, &body).await, StatusCode::OK);
        assert_eq!(queued(&h.queue).await.len(), 1);
    }

    #[tokio::test]
    async fn an_older_retry_does_not_move_the_window_back() {
        let h = harness();
        assert_eq!(
            post_signed(&h.router, &text_update("wamid.N", "new", "1763700050")).await,
            StatusCode::OK
        );
        assert_eq!(
            post_signed(&h.router, &text_update("wamid.O", "old", "1763600000")).await,
            StatusCode::OK
        );
        assert_eq!(h.windows.last_inbound(&contact()).await.unwrap().unwrap().timestamp(), 1_763_700_050);
    }

    #[tokio::test]
    async fn statuses_of_our_messages_are_recorded_in_any_order() {
        let h = harness();
        let status = |s: &str| {
            format!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"37369002773","phone_number_id":"106540352242922"}},"statuses":[{{"id":"wamid.OUT","status":"{s}","timestamp":"1763700000","recipient_id":"37369123456"}}]}}}}]}}]}}"#
            )
        };
        assert_eq!(post_signed(&h.router, &status("read")).await, StatusCode::OK);
        assert_eq!(post_signed(&h.router, &status("delivered")).await, StatusCode::OK);
        assert_eq!(h.statuses.get("wamid.OUT").await.unwrap().unwrap().state, DeliveryState::Read);
        assert_eq!(h.queue.ready_len(), 0);
    }

    #[tokio::test]
    async fn unknown_types_and_missing_senders_are_accepted_politely() {
        let h = harness();
        let body = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"37369002773","phone_number_id":"106540352242922"},"messages":[{"from":"37369123456","id":"wamid.X","timestamp":"1763700000","type":"hologram","hologram":{}},{"id":"wamid.Y","timestamp":"1763700000","type":"text","text":{"body":"who"}}]}}]}]}"#;
        assert_eq!(post_signed(&h.router, body).await, StatusCode::OK);
        let messages = queued(&h.queue).await;
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].content, MessageContent::Other { message_type: "hologram".into() });
    }

    #[tokio::test]
    async fn a_status_update_failed_later_for_the_closed_window_goes_to_the_outbox() {
        use paybot::i18n::Words;
        use paybot::ports::{Notice, OutboxStore};
        let h = harness();
        let item = Notice {
            id: "payment_links:pl-1:success".into(),
            contact: ContactKey {
                business_number_id: "106540352242922".into(),
                user_key: "+37369123456".into(),
            },
            text: Words::new("payment-paid"),
            template: "payment_update".into(),
            parameters: Vec::new(),
            digest_line: Vec::new(),
            locale: paybot::domain::Locale::Ro,
            at: DateTime::from_timestamp(1_763_700_000, 0).unwrap(),
        };
        // Delivered free-form: its claim is done and its outbox form kept beside the wamid.
        use paybot::ports::{Claim, IdempotencyStore};
        let now = DateTime::from_timestamp(1_763_700_050, 0).unwrap();
        h.idempotency.claim(&item.notice_key(), now, chrono::Duration::minutes(2)).await.unwrap();
        h.idempotency.complete(&item.notice_key(), now, chrono::Duration::days(2)).await.unwrap();
        assert!(h.statuses.attach_fallback("wamid.PAID", &item).await.unwrap());
        let failed = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"37369002773","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.PAID","status":"failed","timestamp":"1763700100","recipient_id":"37369123456","errors":[{"code":131047,"title":"Re-engagement message"}]}]}}]}]}"#;
        assert_eq!(post_signed(&h.router, failed).await, StatusCode::OK);
        assert_eq!(h.outbox.pending(&item.contact).await.unwrap(), vec![item.clone()]);
        // Reopened, so the template path delivers it; Meta's retry of the same status moves
        // nothing twice.
        assert_eq!(
            h.idempotency.claim(&item.notice_key(), now, chrono::Duration::minutes(2)).await.unwrap(),
            Claim::Acquired
        );
        h.outbox.remove(&item.contact, &[item.id.clone()]).await.unwrap();
        assert_eq!(post_signed(&h.router, failed).await, StatusCode::OK);
        assert!(h.outbox.pending(&item.contact).await.unwrap().is_empty());
    }

    /// A queue that refuses every batch, as SQS does when it is throttling or unreachable.
    struct UnavailableQueue;

    #[async_trait]
    impl QueueSender for UnavailableQueue {
        async fn send_batch(&self, _: &[QueueMessage]) -> StoreResult<()> {
            Err(StoreError::unavailable("sqs", "throttled"))
        }
    }

    #[tokio::test]
    async fn a_queue_failure_answers_500_so_meta_retries() {
        let queue = Arc::new(MemoryQueue::fifo(Arc::new(ManualClock::default())));
        let h = harness_with_queue(Arc::new(UnavailableQueue), queue);
        let body = text_update("wamid.F", "pay 100", "\"1763700000\"");
        assert_eq!(post_signed(&h.router, &body).await, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
