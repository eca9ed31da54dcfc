//! The miaPOS client against the miaPOS sandbox over real HTTP on a loopback port.

use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use paybot::config::Secret;
use paybot::domain::{Currency, Money, Phone};
use paybot::miapos::{CallbackError, MiaposClient, MiaposClientConfig};
use paybot::ports::{MerchantCredentials, PaymentKind, PaymentRail, PaymentRequest, RailError, RailStatus};
use rust_decimal::Decimal;
use sandboxes::miapos::{Endpoint, MiaposSandbox, PaymentStatus, SandboxConfig, SandboxMerchant};

fn key() -> rsa::RsaPrivateKey {
    // One key for the whole test binary: generating it is the slow part.
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap()).clone()
}

struct Rig {
    sandbox: MiaposSandbox,
    client: MiaposClient,
    base: String,
    /// Where the sandbox's callbacks land (served by the same loopback server).
    callback_url: String,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// A sandbox with merchant `m1` (QR terminal `QR1`, RTP terminal `RTP1`) served on
/// 127.0.0.1:0, and a client pointed at it.
async fn rig(
    sandbox_config: impl FnOnce(&mut SandboxConfig),
    client_config: impl FnOnce(&mut MiaposClientConfig),
) -> Rig {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = SandboxConfig::new(
        &base,
        vec![SandboxMerchant::new("m1", "s3cret", "QR1").with_rtp_terminal("RTP1")],
    );
    sandbox_config(&mut config);
    let sandbox = MiaposSandbox::with_key(config, key()).unwrap();

    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let merchant_side = Router::new().route(
        "/miapos/callback",
        post(move |body: Bytes| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(body.to_vec());
                StatusCode::OK
            }
        }),
    );
    let app = sandbox.router().merge(merchant_side);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut config = MiaposClientConfig::new(&base);
    client_config(&mut config);
    let client = MiaposClient::new(config).unwrap();
    Rig { sandbox, client, callback_url: format!("{base}/miapos/callback"), base, received }
}

async fn default_rig() -> Rig {
    rig(|_| {}, |_| {}).await
}

fn merchant() -> MerchantCredentials {
    MerchantCredentials { merchant_id: "m1".into(), secret_key: Secret::new("s3cret") }
}

fn request(rig: &Rig, order_id: &str, amount: &str) -> PaymentRequest {
    PaymentRequest {
        order_id: order_id.into(),
        terminal_id: "QR1".into(),
        amount: Money::new(Decimal::from_str(amount).unwrap(), Currency::MDL).unwrap(),
        description: "Cafea + croissant".into(),
        language: "en",
        kind: PaymentKind::Qr,
        callback_url: Some(rig.callback_url.clone()),
    }
}

#[tokio::test]
async fn a_qr_payment_makes_one_pay_call_and_returns_the_checkout_page() {
    let rig = default_rig().await;
    let created = rig.client.create_payment(&merchant(), &request(&rig, "link-1", "145.25")).await.unwrap();
    assert_eq!(rig.sandbox.calls(Endpoint::Pay), 1);
    assert_eq!(created.order_id, "link-1");
    assert_eq!(created.checkout_url, Some(format!("{}/checkout?paymentId={}", rig.base, created.payment_id)));
    let stored = rig.sandbox.payment(&created.payment_id).unwrap();
    assert_eq!(stored.amount, Decimal::new(14525, 2));
    assert_eq!((stored.terminal_id.as_str(), stored.language.as_str()), ("QR1", "en"));
    assert_eq!(stored.payment_type.as_str(), "qr");
    assert_eq!(stored.callback_url.as_deref(), Some(rig.callback_url.as_str()));
    assert_eq!(stored.status, PaymentStatus::Created);
}

#[tokio::test]
async fn a_request_to_pay_goes_to_the_rtp_terminal_with_the_payer_phone() {
    let rig = default_rig().await;
    let mut rtp = request(&rig, "link-rtp", "100");
    rtp.terminal_id = "RTP1".into();
    rtp.language = "ro";
    rtp.kind = PaymentKind::Rtp { payer: Phone::parse_international("+37379000001").unwrap() };
    let created = rig.client.create_payment(&merchant(), &rtp).await.unwrap();
    let stored = rig.sandbox.payment(&created.payment_id).unwrap();
    assert_eq!(stored.payment_type.as_str(), "rtp");
    assert_eq!(stored.client_phone.as_deref(), Some("79000001"));
    assert_eq!(stored.amount, Decimal::from(100));
    assert_eq!(stored.status, PaymentStatus::Pending);

    // A payer outside Moldova is refused before any call.
    rtp.order_id = "link-rtp-2".into();
    rtp.kind = PaymentKind::Rtp { payer: Phone::parse_international("+40721234567").unwrap() };
    let err = rig.client.create_payment(&merchant(), &rtp).await.unwrap_err();
    assert!(matches!(err, RailError::Rejected { status: 400, .. }), "{err:?}");
    assert_eq!(rig.sandbox.calls(Endpoint::Pay), 1);
}

#[tokio::test]
async fn the_same_order_twice_is_the_same_payment() {
    let rig = default_rig().await;
    let first = rig.client.create_payment(&merchant(), &request(&rig, "link-1", "10")).await.unwrap();
    let second = rig.client.create_payment(&merchant(), &request(&rig, "link-1", "10")).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(rig.sandbox.payments().len(), 1);
}

#[tokio::test]
async fn one_token_serves_many_calls() {
    let rig = default_rig().await;
    for i in 0..3 {
        rig.client.create_payment(&merchant(), &request(&rig, &format!("link-{i}"), "5.5")).await.unwrap();
    }
    let created = rig.client.create_payment(&merchant(), &request(&rig, "link-x", "5.5")).await.unwrap();
    rig.client.payment(&merchant(), &created.payment_id).await.unwrap();
    assert_eq!(rig.sandbox.calls(Endpoint::Token), 1);
    assert_eq!(rig.sandbox.calls(Endpoint::Refresh), 0);
    assert_eq!(rig.sandbox.calls(Endpoint::Pay), 4);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_not_reissued() {
    let rig = rig(|c| c.token_ttl = Duration::from_secs(1), |_| {}).await;
    rig.client.create_payment(&merchant(), &request(&rig, "link-1", "1")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    rig.client.create_payment(&merchant(), &request(&rig, "link-2", "1")).await.unwrap();
    assert_eq!(rig.sandbox.calls(Endpoint::Token), 1);
    assert_eq!(rig.sandbox.calls(Endpoint::Refresh), 1);
    // Renewed before use: the rail never saw the expired token.
    assert_eq!(rig.sandbox.calls(Endpoint::Pay), 2);
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_and_the_call_retried() {
    let rig = default_rig().await;
    rig.client.create_payment(&merchant(), &request(&rig, "link-1", "1")).await.unwrap();
    rig.sandbox.revoke_access_tokens();
    let created = rig.client.create_payment(&merchant(), &request(&rig, "link-2", "1")).await.unwrap();
    assert_eq!(created.order_id, "link-2");
    // 401, one refresh, one retry.
    assert_eq!(rig.sandbox.calls(Endpoint::Pay), 3);
    assert_eq!(rig.sandbox.calls(Endpoint::Refresh), 1);
    assert_eq!(rig.sandbox.calls(Endpoint::Token), 1);

    // With the refresh token revoked too, the renewal falls back to the credentials.
    rig.sandbox.revoke_all_tokens();
    rig.client.create_payment(&merchant(), &request(&rig, "link-3", "1")).await.unwrap();
    assert_eq!(rig.sandbox.calls(Endpoint::Pay), 5);
    assert_eq!(rig.sandbox.calls(Endpoint::Refresh), 2);
    assert_eq!(rig.sandbox.calls(Endpoint::Token), 2);
    assert_eq!(rig.sandbox.payments().len(), 3);
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized() {
    let rig = default_rig().await;
    let wrong = MerchantCredentials { merchant_id: "m1".into(), secret_key: Secret::new("guess") };
    let err = rig.client.create_payment(&wrong, &request(&rig, "link-1", "1")).await.unwrap_err();
    assert_eq!(err, RailError::Unauthorized);
    assert_eq!(rig.sandbox.calls(Endpoint::Pay), 0);
    // The right secret later is not blocked by the failed attempt.
    rig.client.create_payment(&merchant(), &request(&rig, "link-1", "1")).await.unwrap();
}

#[tokio::test]
async fn server_errors_are_unavailable_and_a_retry_creates_nothing_twice() {
    let rig = default_rig().await;
    let first = rig.client.create_payment(&merchant(), &request(&rig, "link-0", "1")).await.unwrap();
    rig.sandbox.fail_next(1, 503);
    let err = rig.client.create_payment(&merchant(), &request(&rig, "link-1", "1")).await.unwrap_err();
    assert!(matches!(err, RailError::Unavailable(_)), "{err:?}");
    rig.sandbox.fail_next(1, 500);
    let err = rig.client.payment(&merchant(), &first.payment_id).await.unwrap_err();
    assert!(matches!(err, RailError::Unavailable(_)), "{err:?}");
    rig.client.create_payment(&merchant(), &request(&rig, "link-1", "1")).await.unwrap();
    assert_eq!(rig.sandbox.payments().len(), 2);
}

#[tokio::test]
async fn a_timeout_is_unavailable_and_the_retry_finds_the_payment_made() {
    let rig = rig(|_| {}, |c| c.timeout = Duration::from_millis(300)).await;
    rig.client.create_payment(&merchant(), &request(&rig, "link-0", "1")).await.unwrap();
    rig.sandbox.stall_next(1, Duration::from_millis(1000));
    let err = rig.client.create_payment(&merchant(), &request(&rig, "link-1", "1")).await.unwrap_err();
    assert!(matches!(&err, RailError::Unavailable(detail) if detail.contains("timed out")), "{err:?}");
    // The rail did the work although the answer never came: the retry gets that payment.
    let made = rig.sandbox.payment_by_order("m1", "link-1").unwrap();
    let retried = rig.client.create_payment(&merchant(), &request(&rig, "link-1", "1")).await.unwrap();
    assert_eq!(retried.payment_id, made.payment_id);
    assert_eq!(rig.sandbox.payments().len(), 2);
}

#[tokio::test]
async fn an_unreachable_rail_is_unavailable() {
    // Bind and drop a listener: its port is (almost surely) closed now.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let client = MiaposClient::new(MiaposClientConfig::new(format!("http://{closed}"))).unwrap();
    let err = client.payment(&merchant(), "x").await.unwrap_err();
    assert!(matches!(err, RailError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn refusals_are_rejected_with_the_rails_detail() {
    let rig = default_rig().await;
    let mut wrong_terminal = request(&rig, "link-1", "1");
    wrong_terminal.terminal_id = "RTP1".into();
    let err = rig.client.create_payment(&merchant(), &wrong_terminal).await.unwrap_err();
    assert!(
        matches!(&err, RailError::Rejected { status: 400, detail } if detail.contains("terminal")),
        "{err:?}"
    );
    let err = rig.client.payment(&merchant(), "00000000-0000-0000-0000-000000000000").await.unwrap_err();
    assert!(matches!(err, RailError::Rejected { status: 404, .. }), "{err:?}");
}

#[tokio::test]
async fn the_payment_reads_back_after_the_payer_pays_on_the_checkout_page() {
    let rig = default_rig().await;
    let created = rig.client.create_payment(&merchant(), &request(&rig, "link-1", "145.25")).await.unwrap();
    let before = rig.client.payment(&merchant(), &created.payment_id).await.unwrap();
    assert_eq!(before.status, RailStatus::Created);
    assert_eq!(before.payment_date, None);

    // The payer's tap on "Pay".
    let page = reqwest::Client::new()
        .post(format!("{}/checkout/{}/pay", rig.base, created.payment_id))
        .send()
        .await
        .unwrap();
    assert!(page.status().is_success(), "{}", page.status());

    let after = rig.client.payment(&merchant(), &created.payment_id).await.unwrap();
    assert_eq!(after.status, RailStatus::Success);
    assert_eq!(after.order_id, "link-1");
    assert_eq!(after.terminal_id, "QR1");
    assert_eq!(after.amount.to_string(), "145.25");
    assert_eq!(after.currency, "MDL");
    assert!(after.payment_date.is_some());
    assert_eq!(after.payer_bank.as_deref(), Some("SANDBOX BANK"));
}

#[tokio::test]
async fn the_sandboxs_callbacks_verify_with_its_public_key() {
    let rig = default_rig().await;
    let paid = rig.client.create_payment(&merchant(), &request(&rig, "link-1", "145.25")).await.unwrap();
    let round = rig.client.create_payment(&merchant(), &request(&rig, "link-2", "100")).await.unwrap();
    rig.sandbox.settle(&paid.payment_id, PaymentStatus::Success).await.unwrap();
    rig.sandbox.settle(&round.payment_id, PaymentStatus::Declined).await.unwrap();
    let received = rig.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);

    let verifier = rig.client.callback_verifier(&merchant()).await.unwrap();
    assert_eq!(rig.client.public_key(&merchant()).await.unwrap(), rig.sandbox.public_key_base64());
    assert_eq!(rig.sandbox.calls(Endpoint::PublicKey), 1, "the key is cached");

    let result = verifier.verify(&received[0]).unwrap();
    assert_eq!((result.order_id.as_str(), result.status), ("link-1", RailStatus::Success));
    assert_eq!(result.payment_id, paid.payment_id);
    assert_eq!(result.amount.to_string(), "145.25");
    assert_eq!(result.payer_bank.as_deref(), Some("SANDBOX BANK"));
    // The sandbox sends `100.0`, as a double; the signature is over `100.00`.
    let body = String::from_utf8(received[1].clone()).unwrap();
    assert!(body.contains("\"amount\":100.0"), "{body}");
    let result = verifier.verify(&received[1]).unwrap();
    assert_eq!((result.status, result.amount.to_string()), (RailStatus::Declined, "100.00".to_owned()));

    let body = String::from_utf8(received[0].clone()).unwrap();
    assert!(body.contains("\"amount\":145.25"), "{body}");
    let tampered = body.replace("\"amount\":145.25", "\"amount\":1.25");
    assert_eq!(verifier.verify(tampered.as_bytes()), Err(CallbackError::BadSignature));
}

#[tokio::test]
async fn a_configured_public_key_is_used_without_a_call() {
    let rig = rig(|_| {}, |_| {}).await;
    let configured = rig.sandbox.public_key_base64();
    let client = MiaposClient::new(MiaposClientConfig {
        public_key: Some(configured.clone()),
        ..MiaposClientConfig::new(&rig.base)
    })
    .unwrap();
    assert_eq!(client.public_key(&merchant()).await.unwrap(), configured);
    assert_eq!(rig.sandbox.calls(Endpoint::Token), 0);
    assert_eq!(rig.sandbox.calls(Endpoint::PublicKey), 0);
}
