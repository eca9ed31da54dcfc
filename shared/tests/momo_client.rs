//! The MoMo client against the MoMo sandbox over real HTTP on a loopback port, the sandbox
//! nested under a path prefix as the local stack mounts it.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::post;
use paybot::adapters::memory::ManualClock;
use paybot::config::Secret;
use paybot::momo::{
    MobileMoney, MomoClient, MomoConfig, MomoError, MomoProduct, MomoProductCredentials, MomoRequest,
    MomoStatus,
};
use paybot::ports::Clock;
use rust_decimal::Decimal;
use sandboxes::momo::{
    Deferral, DeferredOutcome, Endpoint, Fault, Kind, MomoSandbox, MomoSandboxConfig, Outcome, Product,
    ReasonForm, SandboxApiUser, TEST_NUMBERS,
};
use uuid::Uuid;

const COLLECTION_KEY: &str = "collection-subscription-key";
const DISBURSEMENT_KEY: &str = "disbursement-subscription-key";
const PREFIX: &str = "/momo-sandbox";

struct Rig {
    sandbox: MomoSandbox,
    client: MomoClient,
    /// The server's root, e.g. `http://127.0.0.1:40000`.
    base: String,
    config: MomoConfig,
    /// (path, body) of every callback received at `/momo/callback/{ref}`.
    received: Arc<Mutex<Vec<(String, String)>>>,
}

fn credentials(key: &str, user: &SandboxApiUser) -> MomoProductCredentials {
    MomoProductCredentials {
        subscription_key: Secret::new(key),
        api_user: user.user_id.clone(),
        api_key: Secret::new(user.api_key.clone()),
    }
}

/// A sandbox with one API user per product (callback host `127.0.0.1`) under [`PREFIX`], a
/// callback receiver at `/momo/callback/{ref}`, and a client pointed at the sandbox.
async fn rig(
    sandbox_config: impl FnOnce(&mut MomoSandboxConfig),
    client_config: impl FnOnce(&mut MomoConfig),
) -> Rig {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let collection = SandboxApiUser::generate("127.0.0.1");
    let disbursement = SandboxApiUser::generate("127.0.0.1");
    let mut config = MomoSandboxConfig::new(COLLECTION_KEY, DISBURSEMENT_KEY)
        .with_api_user(collection.clone())
        .with_api_user(disbursement.clone());
    sandbox_config(&mut config);
    let sandbox = MomoSandbox::new(config).unwrap();

    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let receiver = Router::new().route(
        "/momo/callback/{reference}",
        post(move |Path(reference): Path<String>, body: Bytes| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push((reference, String::from_utf8(body.to_vec()).unwrap()));
                StatusCode::OK
            }
        }),
    );
    let app = Router::new().nest(PREFIX, sandbox.router()).merge(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut config = MomoConfig::new(format!("{base}{PREFIX}"));
    config.collection = credentials(COLLECTION_KEY, &collection);
    config.disbursement = credentials(DISBURSEMENT_KEY, &disbursement);
    client_config(&mut config);
    let client = MomoClient::new(config.clone()).unwrap();
    Rig { sandbox, client, base, config, received }
}

async fn default_rig() -> Rig {
    rig(|_| {}, |_| {}).await
}

fn momo_request(msisdn: &str, amount: &str) -> MomoRequest {
    MomoRequest {
        reference: Uuid::new_v4(),
        amount: Decimal::from_str(amount).unwrap(),
        currency: "EUR".into(),
        external_id: "topup-1".into(),
        msisdn: msisdn.into(),
        payer_message: "Wallet top-up".into(),
        payee_note: "Wallet top-up".into(),
        callback_url: None,
    }
}

const PAYER: &str = "233241234567";

fn sandbox_kind(product: MomoProduct) -> Kind {
    match product {
        MomoProduct::Collection => Kind::RequestToPay,
        MomoProduct::Disbursement => Kind::Transfer,
    }
}

#[tokio::test]
async fn one_token_serves_many_calls_and_concurrent_callers_share_it() {
    let rig = default_rig().await;
    let client = Arc::new(rig.client);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let request = momo_request(PAYER, "5");
            client.request_to_pay(&request).await.unwrap();
            client.request_to_pay_status(request.reference).await.unwrap().unwrap()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().status, MomoStatus::Successful);
    }
    assert_eq!(rig.sandbox.calls(Endpoint::Token(Product::Collection)), 1);
    assert_eq!(rig.sandbox.calls(Endpoint::RequestToPay), 8);
    assert_eq!(rig.sandbox.calls(Endpoint::Token(Product::Disbursement)), 0, "tokens are per product");

    client.transfer(&momo_request(PAYER, "1")).await.unwrap();
    client.transfer(&momo_request(PAYER, "1")).await.unwrap();
    assert_eq!(rig.sandbox.calls(Endpoint::Token(Product::Disbursement)), 1);
}

#[tokio::test]
async fn tokens_are_renewed_ten_minutes_before_they_expire() {
    let clock = Arc::new(ManualClock::default());
    let rig = default_rig().await;
    let sandbox_clock = clock.clone();
    rig.sandbox.set_clock(move || sandbox_clock.now());
    let client = MomoClient::new(rig.config.clone()).unwrap().with_clock(clock.clone());
    let tokens = || rig.sandbox.calls(Endpoint::Token(Product::Collection));

    client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap();
    clock.advance(chrono::Duration::seconds(3600 - 600 - 1));
    client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap();
    assert_eq!(tokens(), 1);
    // 50 minutes in: the token still works at MoMo, but is renewed before it would die.
    clock.advance(chrono::Duration::seconds(1));
    client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap();
    assert_eq!(tokens(), 2);
    assert_eq!(rig.sandbox.calls(Endpoint::RequestToPay), 3, "no call was refused");
}

#[tokio::test]
async fn the_margin_is_at_most_half_a_short_token_lifetime() {
    let clock = Arc::new(ManualClock::default());
    let rig = rig(|c| c.token_ttl = Duration::from_secs(600), |_| {}).await;
    let client = MomoClient::new(rig.config.clone()).unwrap().with_clock(clock.clone());
    let tokens = || rig.sandbox.calls(Endpoint::Token(Product::Collection));
    client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap();
    clock.advance(chrono::Duration::seconds(299));
    client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap();
    assert_eq!(tokens(), 1);
    clock.advance(chrono::Duration::seconds(1));
    client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap();
    assert_eq!(tokens(), 2);
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_then_the_call_is_unauthorized() {
    let rig = default_rig().await;
    let tokens = || rig.sandbox.calls(Endpoint::Token(Product::Collection));
    rig.client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap();

    rig.sandbox.revoke_tokens();
    rig.client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap();
    assert_eq!((tokens(), rig.sandbox.calls(Endpoint::RequestToPay)), (2, 3));

    rig.sandbox.inject_for(Endpoint::RequestToPay, 2, Fault::Unauthorized);
    let err = rig.client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap_err();
    assert_eq!(err, MomoError::Unauthorized);
    assert_eq!((tokens(), rig.sandbox.calls(Endpoint::RequestToPay)), (3, 5), "one renewal, one retry");

    // Credentials MoMo no longer takes: the token call itself is refused.
    rig.sandbox.rotate_api_key(&rig.config.collection.api_user).unwrap();
    rig.sandbox.revoke_tokens();
    let err = rig.client.request_to_pay_status(Uuid::new_v4()).await.unwrap_err();
    assert_eq!(err, MomoError::Unauthorized);
}

#[tokio::test]
async fn a_request_to_pay_is_sent_field_for_field_accepted_once_and_read_back() {
    let rig = default_rig().await;
    let mut request = momo_request(PAYER, "6.00");
    request.payer_message = "Kofi's top-up".into();
    request.payee_note = format!("Note {}", "x".repeat(200));
    rig.client.request_to_pay(&request).await.unwrap();
    // The same reference again: MoMo answers 409 and the client reads it as "already there".
    rig.client.request_to_pay(&request).await.unwrap();
    assert_eq!(rig.sandbox.calls(Endpoint::RequestToPay), 2);
    assert_eq!(rig.sandbox.transactions().len(), 1);

    let held = rig.sandbox.transaction(Kind::RequestToPay, request.reference).unwrap();
    assert_eq!(held.amount, Decimal::from_str("6.00").unwrap());
    assert_eq!((held.currency.as_str(), held.external_id.as_deref()), ("EUR", Some("topup-1")));
    assert_eq!((held.party_id_type.as_str(), held.party_id.as_str()), ("MSISDN", PAYER));
    assert_eq!(held.payer_message.as_deref(), Some("Kofis top-up"), "the apostrophe MoMo refuses is gone");
    assert_eq!(held.payee_note.as_ref().map(|n| n.chars().count()), Some(160));

    let transaction = rig.client.request_to_pay_status(request.reference).await.unwrap().unwrap();
    assert_eq!(transaction.status, MomoStatus::Successful);
    assert_eq!(transaction.raw_status, "SUCCESSFUL");
    // MoMo echoes "6"; it is the same amount as 6.00.
    assert_eq!(transaction.amount, request.amount);
    assert_eq!(transaction.currency, "EUR");
    assert_eq!(transaction.msisdn.as_deref(), Some(PAYER));
    assert_eq!(transaction.external_id.as_deref(), Some("topup-1"));
    assert!(transaction.financial_transaction_id.is_some());
    assert_eq!(transaction.reason, None);
}

#[tokio::test]
async fn a_transfer_pays_the_payee_from_the_float() {
    let rig = rig(|c| c.disbursement_balance = Decimal::from(100), |_| {}).await;
    let request = momo_request(PAYER, "40.5");
    rig.client.transfer(&request).await.unwrap();
    let transaction = rig.client.transfer_status(request.reference).await.unwrap().unwrap();
    assert_eq!((transaction.status, transaction.msisdn.as_deref()), (MomoStatus::Successful, Some(PAYER)));
    assert_eq!(
        rig.client.balance(MomoProduct::Disbursement).await.unwrap().available,
        Decimal::from_str("59.5").unwrap()
    );
    assert_eq!(
        rig.client.request_to_pay_status(request.reference).await.unwrap(),
        None,
        "not a request-to-pay"
    );

    let too_much = momo_request(PAYER, "60");
    rig.client.transfer(&too_much).await.unwrap();
    let transaction = rig.client.transfer_status(too_much.reference).await.unwrap().unwrap();
    assert_eq!(
        (transaction.status, transaction.reason.as_deref()),
        (MomoStatus::Failed, Some("NOT_ENOUGH_FUNDS"))
    );
}

#[tokio::test]
async fn every_sandbox_test_number_reports_its_outcome_and_reason() {
    let rig = default_rig().await;
    for number in TEST_NUMBERS {
        for product in [MomoProduct::Collection, MomoProduct::Disbursement] {
            let request = momo_request(number.msisdn, "2");
            let transaction = match product {
                MomoProduct::Collection => {
                    rig.client.request_to_pay(&request).await.unwrap();
                    rig.client.request_to_pay_status(request.reference).await
                }
                MomoProduct::Disbursement => {
                    rig.client.transfer(&request).await.unwrap();
                    rig.client.transfer_status(request.reference).await
                }
            }
            .unwrap()
            .unwrap();
            let case = number.use_case(sandbox_kind(product));
            let reason = match case.outcome {
                Outcome::Fail(reason) | Outcome::Deferred(_, reason) => reason,
                Outcome::Success => unreachable!(),
            };
            assert_eq!(transaction.status, MomoStatus::Failed, "{} {}", number.msisdn, case.name);
            assert_eq!(transaction.reason.as_deref(), Some(reason), "{} {}", number.msisdn, case.name);
        }
    }
}

#[tokio::test]
async fn the_configurable_numbers_can_stay_pending_or_succeed_late() {
    let clock = Arc::new(ManualClock::default());
    let rig = default_rig().await;
    let sandbox_clock = clock.clone();
    rig.sandbox.set_clock(move || sandbox_clock.now());
    rig.sandbox.set_deferred(Deferral::Ongoing, DeferredOutcome::StayPending);
    rig.sandbox.set_deferred(Deferral::Delayed, DeferredOutcome::SucceedAfter(chrono::Duration::seconds(30)));
    let ongoing = momo_request("46733123453", "1");
    let delayed = momo_request("46733123454", "1");
    rig.client.request_to_pay(&ongoing).await.unwrap();
    rig.client.request_to_pay(&delayed).await.unwrap();
    let status = |r: Uuid| {
        let client = &rig.client;
        async move { client.request_to_pay_status(r).await.unwrap().unwrap() }
    };
    let pending = status(ongoing.reference).await;
    assert_eq!(
        (pending.status, pending.raw_status.as_str(), pending.reason),
        (MomoStatus::Pending, "PENDING", None)
    );
    clock.advance(chrono::Duration::seconds(30));
    assert_eq!(status(delayed.reference).await.status, MomoStatus::Successful);
    assert_eq!(status(ongoing.reference).await.status, MomoStatus::Pending);
}

#[tokio::test]
async fn reasons_are_read_as_strings_and_as_objects() {
    let rig = default_rig().await;
    let request = momo_request("46733123451", "1");
    rig.client.request_to_pay(&request).await.unwrap();
    let as_string = rig.client.request_to_pay_status(request.reference).await.unwrap().unwrap();
    rig.sandbox.set_reason_form(ReasonForm::Object);
    let as_object = rig.client.request_to_pay_status(request.reference).await.unwrap().unwrap();
    assert_eq!(as_string.reason.as_deref(), Some("APPROVAL_REJECTED"));
    assert_eq!(as_object, as_string);
}

#[tokio::test]
async fn an_unknown_reference_is_none() {
    let rig = default_rig().await;
    assert_eq!(rig.client.request_to_pay_status(Uuid::new_v4()).await.unwrap(), None);
    assert_eq!(rig.client.transfer_status(Uuid::new_v4()).await.unwrap(), None);
}

#[tokio::test]
async fn unavailable_and_ambiguous_answers_are_told_apart() {
    let rig = default_rig().await;
    let request = momo_request(PAYER, "3");

    rig.sandbox.inject_for(Endpoint::RequestToPay, 1, Fault::Unavailable);
    assert!(matches!(rig.client.request_to_pay(&request).await, Err(MomoError::Unavailable(_))));
    rig.sandbox.inject_for(Endpoint::RequestToPay, 1, Fault::RateLimited);
    assert!(matches!(rig.client.request_to_pay(&request).await, Err(MomoError::Unavailable(_))));

    rig.sandbox.inject_for(Endpoint::RequestToPay, 1, Fault::ServerErrorNoBody);
    assert!(matches!(rig.client.request_to_pay(&request).await, Err(MomoError::Uncertain(_))));
    rig.sandbox.inject_for(Endpoint::RequestToPay, 1, Fault::InternalProcessingError);
    assert!(matches!(rig.client.request_to_pay(&request).await, Err(MomoError::Uncertain(_))));
    // Reconciliation: the read says it does not exist, so the same reference is sent again.
    assert_eq!(rig.client.request_to_pay_status(request.reference).await.unwrap(), None);
    rig.client.request_to_pay(&request).await.unwrap();

    // An answer lost after MoMo acted: uncertain, and the read finds it.
    let lost = momo_request(PAYER, "4");
    rig.sandbox.inject_for(Endpoint::RequestToPay, 1, Fault::LostAnswer);
    assert!(matches!(rig.client.request_to_pay(&lost).await, Err(MomoError::Uncertain(_))));
    assert!(rig.client.request_to_pay_status(lost.reference).await.unwrap().is_some());
    rig.client.request_to_pay(&lost).await.unwrap();

    rig.sandbox.inject_for(Endpoint::RequestToPayStatus, 1, Fault::ServerErrorNoBody);
    assert!(matches!(rig.client.request_to_pay_status(lost.reference).await, Err(MomoError::Unavailable(_))));
    rig.sandbox.inject_for(Endpoint::TransferStatus, 1, Fault::Unavailable);
    assert!(matches!(rig.client.transfer_status(lost.reference).await, Err(MomoError::Unavailable(_))));
    assert_eq!(rig.sandbox.transactions().len(), 2);
}

#[tokio::test]
async fn configuration_refusals_create_nothing() {
    let rig = default_rig().await;
    let mut elsewhere = momo_request(PAYER, "1");
    elsewhere.callback_url = Some("http://evil.example.com/momo/callback/x".into());
    assert_eq!(
        rig.client.request_to_pay(&elsewhere).await,
        Err(MomoError::Refused { status: 500, code: "INVALID_CALLBACK_URL_HOST".into() })
    );
    let mut ghs = momo_request(PAYER, "1");
    ghs.currency = "GHS".into();
    assert_eq!(
        rig.client.transfer(&ghs).await,
        Err(MomoError::Refused { status: 500, code: "INVALID_CURRENCY".into() })
    );
    let zero = momo_request(PAYER, "0");
    assert!(matches!(rig.client.request_to_pay(&zero).await, Err(MomoError::Refused { status: 400, .. })));
    assert!(rig.sandbox.transactions().is_empty());
    assert_eq!(rig.client.request_to_pay_status(elsewhere.reference).await.unwrap(), None);
}

#[tokio::test]
async fn local_checks_refuse_before_anything_is_sent() {
    let rig = rig(|_| {}, |c| c.callback_host = Some("127.0.0.1".into())).await;
    let mut elsewhere = momo_request(PAYER, "1");
    elsewhere.callback_url = Some("http://evil.example.com/momo/callback/x".into());
    assert_eq!(
        rig.client.request_to_pay(&elsewhere).await,
        Err(MomoError::Refused { status: 400, code: "INVALID_CALLBACK_URL_HOST".into() })
    );
    for msisdn in ["+233241234567", "0241234567"] {
        assert_eq!(
            rig.client.transfer(&momo_request(msisdn, "1")).await,
            Err(MomoError::Refused { status: 400, code: "INVALID_MSISDN".into() })
        );
    }
    assert_eq!(rig.sandbox.calls(Endpoint::RequestToPay) + rig.sandbox.calls(Endpoint::Transfer), 0);
}

#[tokio::test]
async fn callbacks_arrive_at_the_url_on_the_registered_host() {
    let rig = rig(|_| {}, |c| c.callback_host = Some("127.0.0.1".into())).await;
    let mut request = momo_request(PAYER, "9");
    request.callback_url = Some(format!("{}/momo/callback/{}", rig.base, request.reference));
    rig.client.request_to_pay(&request).await.unwrap();
    let callbacks = rig.sandbox.wait_for_callbacks(1, Duration::from_secs(10)).await;
    assert!(callbacks.first().is_some_and(|c| c.delivered()), "{callbacks:?}");
    let received = rig.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].0, request.reference.to_string());
    let body: serde_json::Value = serde_json::from_str(&received[0].1).unwrap();
    assert_eq!(body["status"], "SUCCESSFUL");
}

#[tokio::test]
async fn a_timeout_after_sending_is_uncertain_and_a_read_timeout_unavailable() {
    let rig = rig(|_| {}, |c| c.timeout = Duration::from_millis(300)).await;
    let request = momo_request(PAYER, "2");
    rig.sandbox.inject_for(Endpoint::RequestToPay, 1, Fault::Delay(Duration::from_secs(3)));
    assert!(matches!(rig.client.request_to_pay(&request).await, Err(MomoError::Uncertain(_))));
    // MoMo acted although the answer came too late.
    assert!(rig.client.request_to_pay_status(request.reference).await.unwrap().is_some());

    rig.sandbox.inject_for(Endpoint::RequestToPayStatus, 1, Fault::Delay(Duration::from_secs(3)));
    assert!(matches!(
        rig.client.request_to_pay_status(request.reference).await,
        Err(MomoError::Unavailable(_))
    ));
    rig.sandbox.inject_for(Endpoint::Token(Product::Disbursement), 1, Fault::Delay(Duration::from_secs(3)));
    assert!(
        matches!(rig.client.transfer(&request).await, Err(MomoError::Unavailable(_))),
        "no token, nothing sent"
    );
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let mut config = MomoConfig::new(format!("http://{address}"));
    config.connect_timeout = Duration::from_secs(2);
    let client = MomoClient::new(config).unwrap();
    assert!(matches!(client.request_to_pay(&momo_request(PAYER, "1")).await, Err(MomoError::Unavailable(_))));
}

#[tokio::test]
async fn account_holders_and_balances() {
    let rig = default_rig().await;
    let active = |msisdn: &'static str| {
        let client = &rig.client;
        async move { client.account_holder_active(MomoProduct::Collection, msisdn).await }
    };
    assert_eq!(active(PAYER).await, Ok(true));
    assert_eq!(active("46733123450").await, Ok(false), "404: not found");
    assert_eq!(active("46733123451").await, Ok(false), "{{\"result\":false}}: not active");
    assert_eq!(
        active("46733123452").await,
        Err(MomoError::Refused { status: 500, code: "NOT_ALLOWED".into() })
    );
    assert!(matches!(active("46733123454").await, Err(MomoError::Unavailable(_))));
    assert!(matches!(active("46733123455").await, Err(MomoError::Unavailable(_))));
    assert!(rig.client.account_holder_active(MomoProduct::Disbursement, PAYER).await.unwrap());

    let balance = rig.client.balance(MomoProduct::Collection).await.unwrap();
    assert_eq!((balance.available, balance.currency.as_str()), (Decimal::ZERO, "EUR"));
    rig.client.request_to_pay(&momo_request(PAYER, "12.25")).await.unwrap();
    assert_eq!(
        rig.client.balance(MomoProduct::Collection).await.unwrap().available,
        Decimal::from_str("12.25").unwrap()
    );
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let rig = default_rig().await;
    rig.client.request_to_pay(&momo_request(PAYER, "1")).await.unwrap();
    let text = format!("{:?} {:?}", rig.config, rig.client);
    for secret in [
        COLLECTION_KEY,
        DISBURSEMENT_KEY,
        rig.config.collection.api_key.expose(),
        rig.config.disbursement.api_key.expose(),
    ] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(text.contains(&rig.config.collection.api_user), "the API user id is no secret");
}
