//! The sample console request in events/, as API Gateway delivers it behind the JWT
//! authorizer, reaches the router with its claims: a viewer lists the numbers and may not
//! change anything; the same request without claims is refused.

use std::sync::Arc;

use axum::http::StatusCode;
use tower::ServiceExt;

fn router() -> axum::Router {
    let stores = paybot::wiring::MemoryStores::default();
    let clock: Arc<dyn paybot::ports::Clock> = Arc::new(paybot::clock::SystemClock);
    let outbound = Arc::new(paybot::adapters::memory::MemoryQueue::fifo(clock.clone()));
    let deps = admin::AdminDeps::new(&stores, outbound, clock, admin::ConsoleSettings::default()).unwrap();
    admin::router(deps)
}

fn sample(edit: impl FnOnce(&mut serde_json::Value)) -> axum::http::Request<axum::body::Body> {
    let mut event: serde_json::Value =
        serde_json::from_str(include_str!("../../../events/admin-api-numbers.json")).unwrap();
    edit(&mut event);
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let (parts, body) = request.into_parts();
    axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()))
}

#[tokio::test]
async fn the_sample_event_signs_in_a_viewer_from_its_claims() {
    let response = router().oneshot(sample(|_| {})).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    assert_eq!(&body[..], b"[]");

    let post = sample(|e| {
        e["requestContext"]["http"]["method"] = "POST".into();
        e["rawPath"] = "/admin/api/numbers/pn-1/switch".into();
        e["requestContext"]["http"]["path"] = "/admin/api/numbers/pn-1/switch".into();
        e["headers"]["content-type"] = "application/json".into();
        e["body"] = r#"{"on":false}"#.into();
    });
    assert_eq!(router().oneshot(post).await.unwrap().status(), StatusCode::FORBIDDEN);

    let no_groups = sample(|e| {
        e["requestContext"]["authorizer"]["jwt"]["claims"].as_object_mut().unwrap().remove("cognito:groups");
    });
    assert_eq!(router().oneshot(no_groups).await.unwrap().status(), StatusCode::FORBIDDEN);

    // The bearer header alone (a token the function did not configure) signs nobody in.
    let no_claims = sample(|e| {
        e["requestContext"].as_object_mut().unwrap().remove("authorizer");
    });
    assert_eq!(router().oneshot(no_claims).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}
