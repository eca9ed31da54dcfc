use std::sync::OnceLock;

use axum::body::{Body, to_bytes};
use axum::http::Request;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use tower::ServiceExt;

use super::*;

fn test_key() -> RsaPrivateKey {
    // One key for the whole test binary: key generation is the slow part.
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEY_BITS).unwrap()).clone()
}

fn sandbox_with(config: impl FnOnce(&mut SandboxConfig)) -> MiaposSandbox {
    let mut cfg = SandboxConfig::new(
        "http://sandbox.test/",
        vec![
            SandboxMerchant::new("m1", "s3cret", "QR1").with_rtp_terminal("RTP1").with_name("Cafea & Co"),
            SandboxMerchant::new("m2", "other", "QR2"),
        ],
    );
    config(&mut cfg);
    MiaposSandbox::with_key(cfg, test_key()).unwrap()
}

fn sandbox() -> MiaposSandbox {
    sandbox_with(|_| {})
}

async fn call(
    sandbox: &MiaposSandbox,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = if body.is_null() { Body::empty() } else { Body::from(body.to_string()) };
    let response = sandbox.router().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn page(sandbox: &MiaposSandbox, uri: &str) -> (StatusCode, String) {
    let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let response = sandbox.router().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn token(sandbox: &MiaposSandbox, merchant: &str, secret: &str) -> String {
    let (status, body) = call(
        sandbox,
        "POST",
        "/ecomm/api/v1/token",
        None,
        json!({"merchantId": merchant, "secretKey": secret}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["accessToken"].as_str().unwrap().to_owned()
}

fn qr(order: &str) -> Value {
    json!({"terminalId": "QR1", "orderId": order, "amount": 145.25, "currency": "MDL",
           "payDescription": "Cafea + croissant", "language": "en"})
}

#[tokio::test]
async fn tokens_follow_the_contract() {
    let sandbox = sandbox();
    let (status, body) =
        call(&sandbox, "POST", "/ecomm/api/v1/token", None, json!({"merchantId": "m1"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorCode"], "BAD_REQUEST");
    let (status, _) =
        call(&sandbox, "POST", "/ecomm/api/v1/token", None, json!({"merchantId": "m1", "secretKey": "nope"}))
            .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call(
        &sandbox,
        "POST",
        "/ecomm/api/v1/token",
        None,
        json!({"merchantId": "m1", "secretKey": "s3cret"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tokenType"], "Bearer");
    assert_eq!(body["accessTokenExpiresIn"], 900);
    assert_eq!(body["refreshTokenExpiresIn"], 86400);

    // A refresh token works once and hands out a working pair.
    let refresh = body["refreshToken"].clone();
    let (status, renewed) =
        call(&sandbox, "POST", "/ecomm/api/v1/token/refresh", None, json!({"refreshToken": refresh})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        call(&sandbox, "POST", "/ecomm/api/v1/token/refresh", None, json!({"refreshToken": refresh})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/token/refresh", None, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        call(&sandbox, "POST", "/ecomm/api/v1/pay", renewed["accessToken"].as_str(), qr("o-refresh")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn every_other_call_needs_a_live_bearer_token() {
    let sandbox = sandbox_with(|c| c.token_ttl = Duration::ZERO);
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/pay", None, qr("o1")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some("made-up"), qr("o1")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let expired = token(&sandbox, "m1", "s3cret").await;
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&expired), qr("o1")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(&sandbox, "GET", "/api/v1/public-key", None, Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(sandbox.payments().is_empty());
}

#[tokio::test]
async fn revoking_tokens_forces_a_refresh_or_new_credentials() {
    let sandbox = sandbox();
    let (_, pair) = call(
        &sandbox,
        "POST",
        "/ecomm/api/v1/token",
        None,
        json!({"merchantId": "m1", "secretKey": "s3cret"}),
    )
    .await;
    let access = pair["accessToken"].as_str().unwrap();
    sandbox.revoke_access_tokens();
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(access), qr("o1")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &sandbox,
        "POST",
        "/ecomm/api/v1/token/refresh",
        None,
        json!({"refreshToken": pair["refreshToken"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (_, pair) = call(
        &sandbox,
        "POST",
        "/ecomm/api/v1/token",
        None,
        json!({"merchantId": "m1", "secretKey": "s3cret"}),
    )
    .await;
    sandbox.revoke_all_tokens();
    let (status, _) = call(
        &sandbox,
        "POST",
        "/ecomm/api/v1/token/refresh",
        None,
        json!({"refreshToken": pair["refreshToken"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn pay_validates_every_field() {
    let sandbox = sandbox();
    let token = token(&sandbox, "m1", "s3cret").await;
    let with = |change: &dyn Fn(&mut Map<String, Value>)| {
        let mut body = qr("o-bad").as_object().unwrap().clone();
        change(&mut body);
        Value::Object(body)
    };
    let cases = [
        with(&|b| drop(b.remove("terminalId"))),
        with(&|b| drop(b.remove("orderId"))),
        with(&|b| drop(b.remove("amount"))),
        with(&|b| drop(b.remove("currency"))),
        with(&|b| drop(b.remove("payDescription"))),
        with(&|b| drop(b.insert("orderId".into(), json!("")))),
        with(&|b| drop(b.insert("amount".into(), json!("145.25")))),
        with(&|b| drop(b.insert("amount".into(), json!(145.255)))),
        with(&|b| drop(b.insert("amount".into(), json!(0)))),
        with(&|b| drop(b.insert("amount".into(), json!(-3.5)))),
        with(&|b| drop(b.insert("currency".into(), json!("EUR")))),
        with(&|b| drop(b.insert("language".into(), json!("fr")))),
        with(&|b| drop(b.insert("paymentType".into(), json!("card")))),
        with(&|b| drop(b.insert("paymentType".into(), json!("rtp")))),
        with(&|b| {
            b.insert("paymentType".into(), json!("rtp"));
            b.insert("terminalId".into(), json!("RTP1"));
            b.insert("clientPhone".into(), json!("+37379000001"));
        }),
        // The RTP terminal is not a QR terminal, nor the other way round, nor another merchant's.
        with(&|b| drop(b.insert("terminalId".into(), json!("RTP1")))),
        with(&|b| {
            b.insert("paymentType".into(), json!("rtp"));
            b.insert("clientPhone".into(), json!("79000001"));
        }),
        with(&|b| drop(b.insert("terminalId".into(), json!("QR2")))),
        with(&|b| drop(b.insert("callbackUrl".into(), json!("ftp://x")))),
        with(&|b| drop(b.insert("clientName".into(), json!(7)))),
    ];
    for (i, body) in cases.into_iter().enumerate() {
        let (status, answer) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "case {i}: {answer}");
        assert!(answer["errorMessage"].as_str().is_some_and(|m| !m.is_empty()), "case {i}");
    }
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), json!([1])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(sandbox.payments().is_empty());
}

#[tokio::test]
async fn pay_is_idempotent_on_the_order_id() {
    let sandbox = sandbox();
    let token = token(&sandbox, "m1", "s3cret").await;
    let (status, first) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), qr("order-1")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let payment_id = first["paymentId"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(payment_id).is_ok());
    assert_eq!(first["orderId"], "order-1");
    assert_eq!(first["checkoutPage"], format!("http://sandbox.test/checkout?paymentId={payment_id}"));
    let (_, second) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), qr("order-1")).await;
    assert_eq!(second, first);
    assert_eq!(sandbox.payments().len(), 1);
    assert_eq!(sandbox.calls(Endpoint::Pay), 2);

    // The same orderId at another merchant is another payment.
    let other = super::tests::token(&sandbox, "m2", "other").await;
    let mut body = qr("order-1");
    body["terminalId"] = json!("QR2");
    let (status, theirs) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&other), body).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(theirs["paymentId"], first["paymentId"]);
    // And it is not visible to the first merchant.
    let uri = format!("/ecomm/api/v1/payment/{}", theirs["paymentId"].as_str().unwrap());
    let (status, _) = call(&sandbox, "GET", &uri, Some(&token), Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rtp_through_pay_and_direct() {
    let sandbox = sandbox();
    let token = token(&sandbox, "m1", "s3cret").await;
    let body = json!({"terminalId": "RTP1", "orderId": "r1", "amount": 50, "currency": "MDL",
                      "payDescription": "Pizza", "paymentType": "rtp", "clientPhone": "79000001"});
    let (status, answer) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let payment = sandbox.payment(answer["paymentId"].as_str().unwrap()).unwrap();
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert_eq!(payment.payment_type, PaymentType::Rtp);
    assert_eq!(payment.language, "ro");

    let over_cap = json!({"terminalId": "RTP1", "orderId": "r2", "amount": 100000.01, "currency": "MDL",
                          "payDescription": "Car", "paymentType": "rtp", "clientPhone": "79000001"});
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), over_cap).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let direct = json!({"terminalId": "RTP1", "orderId": "d1", "amount": 12.5, "currency": "MDL",
                        "payDescription": "Taxi", "clientPhone": "69123456"});
    let (status, _) =
        call(&sandbox, "POST", "/ecomm/api/v1/request-to-pay/direct", Some(&token), direct.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "clientName is required for a direct request");
    let mut direct = direct;
    direct["clientName"] = json!("Ion Popescu");
    let (status, answer) =
        call(&sandbox, "POST", "/ecomm/api/v1/request-to-pay/direct", Some(&token), direct).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer.as_object().unwrap().len(), 2, "orderId and paymentId only: {answer}");
    assert!(sandbox.payment(answer["paymentId"].as_str().unwrap()).unwrap().direct);
}

#[tokio::test]
async fn payment_status_and_public_key() {
    let sandbox = sandbox();
    let token = token(&sandbox, "m1", "s3cret").await;
    let (_, created) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), qr("o1")).await;
    let id = created["paymentId"].as_str().unwrap();
    let (status, body) =
        call(&sandbox, "GET", &format!("/ecomm/api/v1/payment/{id}"), Some(&token), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"terminalId": "QR1", "orderId": "o1", "paymentId": id, "status": "CREATED", "amount": 145.25,
               "currency": "MDL", "paymentType": "qr"})
    );
    sandbox.settle(id, PaymentStatus::Success).await.unwrap();
    let (_, body) =
        call(&sandbox, "GET", &format!("/ecomm/api/v1/payment/{id}"), Some(&token), Value::Null).await;
    assert_eq!(body["status"], "SUCCESS");
    assert_eq!(body["swiftPayerBank"], "SANDBOX BANK");
    assert!(body["paymentDate"].is_string() && body["swiftMessageId"].is_string());
    let (status, _) = call(
        &sandbox,
        "GET",
        "/ecomm/api/v1/payment/00000000-0000-0000-0000-000000000000",
        Some(&token),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for path in ["/api/v1/public-key", "/ecomm/api/v1/public-key"] {
        let (status, body) = call(&sandbox, "GET", path, Some(&token), Value::Null).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["publicKey"], sandbox.public_key_base64());
    }
    let der = BASE64.decode(sandbox.public_key_base64()).unwrap();
    assert!(rsa::RsaPublicKey::from_public_key_der(&der).is_ok());
}

#[tokio::test]
async fn injected_failures_and_counters() {
    let sandbox = sandbox();
    sandbox.fail_next(2, 503);
    let body = json!({"merchantId": "m1", "secretKey": "s3cret"});
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/token", None, body.clone()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/token", None, body.clone()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/token", None, body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sandbox.calls(Endpoint::Token), 3);

    // A stalled call still does its work.
    let token = token(&sandbox, "m1", "s3cret").await;
    sandbox.stall_next(1, Duration::from_millis(50));
    let started = Instant::now();
    let (status, _) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), qr("slow")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert!(sandbox.payment_by_order("m1", "slow").is_some());
    sandbox.reset_calls();
    assert_eq!(sandbox.calls(Endpoint::Pay), 0);
}

#[test]
fn the_signing_string_follows_the_reference() {
    let result = json!({"terminalId":"123456","orderId":"order123","paymentId":"bc340d13-7411-4785-a083-b594b1384eb5",
        "status":"SUCCESS","amount":145.25,"currency":"MDL","paymentDate":"2024-05-20T16:32:28+03:00",
        "swiftMessageId":"swift123","swiftPayerBank":"SomeBank"});
    assert_eq!(
        signing_string(result.as_object().unwrap()),
        "145.25;MDL;order123;2024-05-20T16:32:28+03:00;bc340d13-7411-4785-a083-b594b1384eb5;SUCCESS;swift123;SomeBank;123456"
    );
    let result = json!({"amount": 100, "paymentType": "qr", "orderId": "o"});
    assert_eq!(signing_string(result.as_object().unwrap()), "100.00;o;qr");
}

/// A merchant endpoint that records the callbacks it receives.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store = seen.clone();
    let app = Router::new().route(
        "/callback",
        post(move |body: String| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/callback"), seen)
}

fn verify(sandbox: &MiaposSandbox, body: &str) -> Map<String, Value> {
    let body: Value = serde_json::from_str(body).unwrap();
    let result = body["result"].as_object().unwrap().clone();
    let der = BASE64.decode(sandbox.public_key_base64()).unwrap();
    let key = VerifyingKey::<Sha256>::new(rsa::RsaPublicKey::from_public_key_der(&der).unwrap());
    let signature =
        Signature::try_from(BASE64.decode(body["signature"].as_str().unwrap()).unwrap().as_slice()).unwrap();
    key.verify(signing_string(&result).as_bytes(), &signature).expect("the callback's signature verifies");
    result
}

#[tokio::test]
async fn the_checkout_page_settles_once_and_calls_back_signed() {
    let (url, seen) = receiver().await;
    let sandbox = sandbox();
    let token = token(&sandbox, "m1", "s3cret").await;
    let mut body = qr("o-page");
    body["callbackUrl"] = json!(url);
    body["successUrl"] = json!("https://shop.test/ok?a=1&b=2");
    let (_, created) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), body).await;
    let id = created["paymentId"].as_str().unwrap().to_owned();

    let (status, html) = page(&sandbox, &format!("/checkout?paymentId={id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"en\">"));
    assert!(
        html.contains("145.25 MDL") && html.contains("Cafea + croissant") && html.contains("Cafea &amp; Co")
    );
    for action in ["pay", "decline", "expire"] {
        assert!(html.contains(&format!("action=\"http://sandbox.test/checkout/{id}/{action}\"")), "{html}");
    }

    let request = Request::post(format!("/checkout/{id}/pay")).body(Body::empty()).unwrap();
    let response = sandbox.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], sandbox.checkout_url(&id));
    assert_eq!(sandbox.payment(&id).unwrap().status, PaymentStatus::Success);

    let received = seen.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let result = verify(&sandbox, &received[0]);
    assert_eq!(result["status"], "SUCCESS");
    assert_eq!(result["paymentType"], "qr");
    assert_eq!(result["amount"], json!(145.25));
    assert!(result.contains_key("swiftMessageId") && result.contains_key("paymentDate"));
    assert!(sandbox.callbacks()[0].delivered());

    // Only once: a second action changes nothing and sends nothing.
    let request = Request::post(format!("/checkout/{id}/decline")).body(Body::empty()).unwrap();
    let response = sandbox.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(sandbox.payment(&id).unwrap().status, PaymentStatus::Success);
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(
        sandbox.settle(&id, PaymentStatus::Expired).await.unwrap_err(),
        SettleError::AlreadyFinal(PaymentStatus::Success)
    );

    let (_, html) = page(&sandbox, &format!("/checkout?paymentId={id}")).await;
    assert!(html.contains("Payment successful") && !html.contains("<form"));
    assert!(html.contains("href=\"https://shop.test/ok?a=1&amp;b=2\""));
}

#[tokio::test]
async fn the_page_speaks_the_payment_language_and_callbacks_can_be_withheld() {
    let (url, seen) = receiver().await;
    let sandbox = sandbox_with(|c| c.merchants[0].callback_url = Some(url.clone()));
    let token = token(&sandbox, "m1", "s3cret").await;
    let mut ids = Vec::new();
    for (order, language) in [("ro-1", Some("ro")), ("ru-1", Some("ru")), ("default-1", None)] {
        let mut body = qr(order);
        match language {
            Some(language) => body["language"] = json!(language),
            None => drop(body.as_object_mut().unwrap().remove("language")),
        }
        let (_, created) = call(&sandbox, "POST", "/ecomm/api/v1/pay", Some(&token), body).await;
        ids.push(created["paymentId"].as_str().unwrap().to_owned());
    }
    let (_, ro) = page(&sandbox, &format!("/checkout?paymentId={}", ids[0])).await;
    assert!(ro.contains("Plătește") && ro.contains("Refuză") && ro.contains("Lasă să expire"));
    let (_, ru) = page(&sandbox, &format!("/checkout?paymentId={}", ids[1])).await;
    assert!(ru.contains("Оплатить") && ru.contains("<html lang=\"ru\">"));
    let (_, default) = page(&sandbox, &format!("/checkout?paymentId={}", ids[2])).await;
    assert!(default.contains("<html lang=\"ro\">"));
    let (status, _) = page(&sandbox, "/checkout?paymentId=nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The merchant's admin-UI callback URL applies when the payment names none.
    let settled = sandbox.settle(&ids[0], PaymentStatus::Expired).await.unwrap();
    assert!(settled.callback.unwrap().delivered());
    let result = verify(&sandbox, &seen.lock().unwrap()[0]);
    assert_eq!(result["status"], "EXPIRED");
    assert!(!result.contains_key("swiftMessageId"));

    sandbox.set_callbacks_enabled(false);
    let settled = sandbox.settle(&ids[1], PaymentStatus::Declined).await.unwrap();
    assert!(settled.callback.is_none());
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(sandbox.payment(&ids[1]).unwrap().status, PaymentStatus::Declined);
    assert_eq!(
        sandbox.settle(&ids[2], PaymentStatus::Pending).await.unwrap_err(),
        SettleError::NotFinal(PaymentStatus::Pending)
    );
}
