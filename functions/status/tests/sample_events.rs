//! The sample callbacks in events/ stay true: the signed one verifies with the published
//! sample key, the tampered one does not.

use paybot::miapos::{CallbackError, CallbackVerifier};

fn body(event: &str) -> String {
    let event: serde_json::Value = serde_json::from_str(event).unwrap();
    event["body"].as_str().unwrap().to_owned()
}

#[test]
fn the_sample_callbacks_verify_as_documented() {
    let key = include_str!("../../../events/miapos-public-key.txt").trim();
    let verifier = CallbackVerifier::from_base64_der(key).unwrap();
    let good = body(include_str!("../../../events/status-callback-success.json"));
    let result = verifier.verify(good.as_bytes()).unwrap();
    assert_eq!(result.amount.to_string(), "100.00");
    let tampered = body(include_str!("../../../events/status-callback-tampered.json"));
    assert!(matches!(verifier.verify(tampered.as_bytes()), Err(CallbackError::BadSignature)));
}

/// The MoMo callback sample, as API Gateway delivers it, reaches the MoMo route; its
/// reference is unknown here, so nothing is read from MoMo and the answer is 200 (MoMo must
/// not retry a callback we have nothing for), whatever its body claims.
#[tokio::test]
async fn the_sample_momo_callback_is_routed_and_its_body_is_not_trusted() {
    use std::sync::Arc;
    use tower::ServiceExt;

    let request =
        lambda_http::request::from_str(include_str!("../../../events/status-momo-callback.json")).unwrap();
    let stores = paybot::wiring::MemoryStores::default();
    let clock: Arc<dyn paybot::ports::Clock> = Arc::new(paybot::clock::SystemClock);
    let outbound = Arc::new(paybot::adapters::memory::MemoryQueue::fifo(clock.clone()));
    // MoMo is unreachable: the handler must not need it for an unknown reference.
    let momo =
        Arc::new(paybot::momo::MomoClient::new(paybot::momo::MomoConfig::new("http://127.0.0.1:9")).unwrap());
    let settlement = paybot::wiring::settlement(
        &stores,
        momo,
        outbound.clone(),
        clock.clone(),
        paybot::capabilities::wallet::WalletSettings::default(),
    )
    .unwrap();
    let state = status::StatusState {
        keys: status::CallbackKeys::configured(
            CallbackVerifier::from_base64_der(include_str!("../../../events/miapos-public-key.txt").trim())
                .unwrap(),
        ),
        links: stores.links.clone(),
        directory: stores.directory.clone(),
        contacts: stores.contacts.clone(),
        outbound: outbound.clone(),
        audit: stores.audit.clone(),
        idempotency: stores.idempotency.clone(),
        metrics: Arc::new(paybot::adapters::memory::MemoryMetricsStore::default()),
        checks: Default::default(),
        clock,
        momo: Some(settlement),
    };
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
    let response = status::router(Arc::new(state)).oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(paybot::ports::QueueReceiver::receive(outbound.as_ref(), 10).await.unwrap().is_empty());
}
