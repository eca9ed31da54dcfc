use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use tower::ServiceExt;

use super::api::{callback_host_matches, parse_uuid_v4};
use super::*;

const COLLECTION_KEY: &str = "collection-key";
const DISBURSEMENT_KEY: &str = "disbursement-key";

struct Rig {
    sandbox: MomoSandbox,
    user: SandboxApiUser,
}

fn rig_with(config: impl FnOnce(&mut MomoSandboxConfig)) -> Rig {
    let user = SandboxApiUser::generate("127.0.0.1");
    let mut cfg = MomoSandboxConfig::new(COLLECTION_KEY, DISBURSEMENT_KEY).with_api_user(user.clone());
    config(&mut cfg);
    Rig { sandbox: MomoSandbox::new(cfg).unwrap(), user }
}

fn rig() -> Rig {
    rig_with(|_| {})
}

fn key(product: Product) -> &'static str {
    match product {
        Product::Collection => COLLECTION_KEY,
        Product::Disbursement => DISBURSEMENT_KEY,
    }
}

struct Answer {
    status: StatusCode,
    json: Value,
    text: String,
    headers: HeaderMap,
}

async fn send(router: Router, request: Request<Body>) -> Answer {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    Answer { status, json: serde_json::from_str(&text).unwrap_or(Value::Null), text, headers }
}

async fn call(rig: &Rig, method: &str, uri: &str, headers: &[(&str, String)], body: Option<Value>) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let body = match body {
        Some(body) => {
            request = request.header("content-type", "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    send(rig.sandbox.router(), request.body(body).unwrap()).await
}

/// A request from this machine, as the control routes and the page want.
fn local(mut request: Request<Body>) -> Request<Body> {
    request.extensions_mut().insert(ConnectInfo("127.0.0.1:50000".parse::<SocketAddr>().unwrap()));
    request
}

fn basic(user: &str, key: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{user}:{key}")))
}

async fn token(rig: &Rig, product: Product) -> String {
    let headers = [
        ("ocp-apim-subscription-key", key(product).to_owned()),
        ("authorization", basic(&rig.user.user_id, &rig.user.api_key)),
    ];
    let answer = call(rig, "POST", &format!("/{}/token/", product.as_str()), &headers, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json["access_token"].as_str().unwrap().to_owned()
}

/// The headers of a product call.
async fn product_headers(rig: &Rig, product: Product) -> Vec<(&'static str, String)> {
    vec![
        ("ocp-apim-subscription-key", key(product).to_owned()),
        ("authorization", format!("Bearer {}", token(rig, product).await)),
        ("x-target-environment", "sandbox".to_owned()),
    ]
}

fn body(kind: Kind, msisdn: &str, amount: &str) -> Value {
    let mut body = json!({
        "amount": amount, "currency": "EUR", "externalId": "order-1",
        "payerMessage": "Top up", "payeeNote": "Top up",
    });
    body[kind.party_field()] = json!({"partyIdType": "MSISDN", "partyId": msisdn});
    body
}

fn create_uri(kind: Kind) -> String {
    format!("/{}/v1_0/{}", kind.product().as_str(), kind.as_str())
}

/// POSTs a request with a fresh reference and answers (reference, answer).
async fn create(rig: &Rig, kind: Kind, body: Value, extra: &[(&'static str, String)]) -> (Uuid, Answer) {
    let reference = Uuid::new_v4();
    let mut headers = product_headers(rig, kind.product()).await;
    headers.push(("x-reference-id", reference.to_string()));
    headers.extend(extra.iter().cloned());
    (reference, call(rig, "POST", &create_uri(kind), &headers, Some(body)).await)
}

async fn get_status(rig: &Rig, kind: Kind, reference: Uuid) -> Answer {
    let headers = product_headers(rig, kind.product()).await;
    call(rig, "GET", &format!("{}/{reference}", create_uri(kind)), &headers, None).await
}

#[tokio::test]
async fn provisioning_creates_users_and_keys_that_earn_tokens() {
    let rig = rig();
    let id = Uuid::new_v4().to_string();
    let key_header = ("ocp-apim-subscription-key", COLLECTION_KEY.to_owned());
    let host = json!({"providerCallbackHost": "cb.example.com"});
    let headers = [key_header.clone(), ("x-reference-id", id.clone())];
    let created = call(&rig, "POST", "/v1_0/apiuser", &headers, Some(host.clone())).await;
    assert_eq!((created.status, created.text.as_str()), (StatusCode::CREATED, ""));
    let again = call(&rig, "POST", "/v1_0/apiuser", &headers, Some(host.clone())).await;
    assert_eq!(
        (again.status, again.json["code"].as_str()),
        (StatusCode::CONFLICT, Some("RESOURCE_ALREADY_EXIST"))
    );

    let not_v4 = [key_header.clone(), ("x-reference-id", "6ba7b810-9dad-11d1-80b4-00c04fd430c8".to_owned())];
    assert_eq!(
        call(&rig, "POST", "/v1_0/apiuser", &not_v4, Some(host.clone())).await.status,
        StatusCode::BAD_REQUEST
    );
    let bad_key =
        [("ocp-apim-subscription-key", "nope".to_owned()), ("x-reference-id", Uuid::new_v4().to_string())];
    let refused = call(&rig, "POST", "/v1_0/apiuser", &bad_key, Some(host)).await;
    assert_eq!((refused.status, refused.json["statusCode"].as_u64()), (StatusCode::UNAUTHORIZED, Some(401)));

    let user =
        call(&rig, "GET", &format!("/v1_0/apiuser/{id}"), std::slice::from_ref(&key_header), None).await;
    assert_eq!(user.status, StatusCode::OK);
    assert_eq!(user.json, json!({"providerCallbackHost": "cb.example.com", "targetEnvironment": "sandbox"}));
    let unknown = call(
        &rig,
        "GET",
        &format!("/v1_0/apiuser/{}", Uuid::new_v4()),
        std::slice::from_ref(&key_header),
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let key = call(&rig, "POST", &format!("/v1_0/apiuser/{id}/apikey"), &[key_header], None).await;
    assert_eq!(key.status, StatusCode::CREATED);
    let api_key = key.json["apiKey"].as_str().unwrap();
    assert!(api_key.len() == 32 && api_key.bytes().all(|b| b.is_ascii_hexdigit()), "{api_key}");

    let headers =
        [("ocp-apim-subscription-key", COLLECTION_KEY.to_owned()), ("authorization", basic(&id, api_key))];
    let token = call(&rig, "POST", "/collection/token/", &headers, None).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);
}

#[tokio::test]
async fn tokens_follow_the_contract() {
    let rig = rig();
    let creds = basic(&rig.user.user_id, &rig.user.api_key);
    let headers =
        [("ocp-apim-subscription-key", COLLECTION_KEY.to_owned()), ("authorization", creds.clone())];
    let answer = call(&rig, "POST", "/collection/token/", &headers, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["token_type"], "access_token");
    assert_eq!(answer.json["expires_in"], 3600);
    assert_eq!(answer.json["access_token"].as_str().unwrap().split('.').count(), 3);

    // The disbursement key does not open the collection token endpoint.
    let other_key =
        [("ocp-apim-subscription-key", DISBURSEMENT_KEY.to_owned()), ("authorization", creds.clone())];
    let refused = call(&rig, "POST", "/collection/token/", &other_key, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.json["message"].as_str().unwrap().contains("subscription key"));

    let wrong = [
        ("ocp-apim-subscription-key", COLLECTION_KEY.to_owned()),
        ("authorization", basic(&rig.user.user_id, "wrong")),
    ];
    let refused = call(&rig, "POST", "/collection/token/", &wrong, None).await;
    assert_eq!(
        (refused.status, refused.json.clone()),
        (StatusCode::UNAUTHORIZED, json!({"error": "login_failed"}))
    );

    let with_body = call(&rig, "POST", "/collection/token/", &headers, Some(json!({}))).await;
    assert_eq!(with_body.status, StatusCode::BAD_REQUEST);

    // A collection token is no disbursement token.
    let collection_token = answer.json["access_token"].as_str().unwrap();
    let headers = [
        ("ocp-apim-subscription-key", DISBURSEMENT_KEY.to_owned()),
        ("authorization", format!("Bearer {collection_token}")),
        ("x-target-environment", "sandbox".to_owned()),
    ];
    let refused = call(&rig, "GET", "/disbursement/v1_0/account/balance", &headers, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_expire_by_the_sandbox_clock() {
    let rig = rig();
    let now = Arc::new(AtomicI64::new(Utc::now().timestamp()));
    let clock = now.clone();
    rig.sandbox.set_clock(move || DateTime::from_timestamp(clock.load(Ordering::SeqCst), 0).unwrap());
    let headers = product_headers(&rig, Product::Collection).await;
    let uri = "/collection/v1_0/account/balance";
    assert_eq!(call(&rig, "GET", uri, &headers, None).await.status, StatusCode::OK);
    now.fetch_add(3599, Ordering::SeqCst);
    assert_eq!(call(&rig, "GET", uri, &headers, None).await.status, StatusCode::OK);
    now.fetch_add(1, Ordering::SeqCst);
    assert_eq!(call(&rig, "GET", uri, &headers, None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn product_calls_check_the_target_environment() {
    let rig = rig();
    let mut headers = product_headers(&rig, Product::Collection).await;
    headers[2].1 = "mtnghana".into();
    let answer = call(&rig, "GET", "/collection/v1_0/account/balance", &headers, None).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.json["code"], "NOT_ALLOWED_TARGET_ENVIRONMENT");
    headers.truncate(2);
    let answer = call(&rig, "GET", "/collection/v1_0/account/balance", &headers, None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_request_to_pay_is_accepted_read_back_and_not_created_twice() {
    let rig = rig();
    let (reference, answer) =
        create(&rig, Kind::RequestToPay, body(Kind::RequestToPay, "233241234567", "6.00"), &[]).await;
    assert_eq!((answer.status, answer.text.as_str()), (StatusCode::ACCEPTED, ""));
    let status = get_status(&rig, Kind::RequestToPay, reference).await;
    assert_eq!(status.status, StatusCode::OK);
    let id = status.json["financialTransactionId"].as_str().unwrap().to_owned();
    assert_eq!(
        status.json,
        json!({"amount": "6", "currency": "EUR", "financialTransactionId": id, "externalId": "order-1",
               "payer": {"partyIdType": "MSISDN", "partyId": "233241234567"}, "payerMessage": "Top up",
               "payeeNote": "Top up", "status": "SUCCESSFUL"})
    );

    let mut headers = product_headers(&rig, Product::Collection).await;
    headers.push(("x-reference-id", reference.to_string()));
    let again = call(
        &rig,
        "POST",
        "/collection/v1_0/requesttopay",
        &headers,
        Some(body(Kind::RequestToPay, "233241234567", "6")),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json["code"], "RESOURCE_ALREADY_EXIST");
    assert_eq!(rig.sandbox.transactions().len(), 1);

    // The reference names a request-to-pay, not a transfer.
    assert_eq!(get_status(&rig, Kind::Transfer, reference).await.status, StatusCode::NOT_FOUND);
    let unknown = get_status(&rig, Kind::RequestToPay, Uuid::new_v4()).await;
    assert_eq!(
        (unknown.status, unknown.json["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("RESOURCE_NOT_FOUND"))
    );
}

#[tokio::test]
async fn requests_are_held_to_the_contract() {
    let rig = rig();
    let kind = Kind::RequestToPay;
    let ok = || body(kind, "233241234567", "10");
    // (what, fields to change, extra headers, status, code)
    type Case = (&'static str, Value, Vec<(&'static str, String)>, StatusCode, Option<&'static str>);
    let mut cases: Vec<Case> = vec![
        (
            "wrong currency",
            json!({"currency": "GHS"}),
            vec![],
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("INVALID_CURRENCY"),
        ),
        (
            "callback on another host",
            json!({}),
            vec![("x-callback-url", "http://evil.example.com/cb".to_owned())],
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("INVALID_CALLBACK_URL_HOST"),
        ),
        ("message over 160", json!({"payerMessage": "x".repeat(161)}), vec![], StatusCode::BAD_REQUEST, None),
        ("an apostrophe", json!({"payeeNote": "Kofi's"}), vec![], StatusCode::BAD_REQUEST, None),
        ("a numeric amount", json!({"amount": 10}), vec![], StatusCode::BAD_REQUEST, None),
        ("a zero amount", json!({"amount": "0"}), vec![], StatusCode::BAD_REQUEST, None),
        (
            "an unknown party type",
            json!({"payer": {"partyIdType": "IBAN", "partyId": "x"}}),
            vec![],
            StatusCode::BAD_REQUEST,
            None,
        ),
        ("no payer", json!({"payer": null}), vec![], StatusCode::BAD_REQUEST, None),
    ];
    for (name, patch, extra, status, code) in cases.drain(..) {
        let mut request = ok();
        for (field, value) in patch.as_object().unwrap() {
            request[field] = value.clone();
        }
        let (_, answer) = create(&rig, kind, request, &extra).await;
        assert_eq!(answer.status, status, "{name}: {}", answer.text);
        if let Some(code) = code {
            assert_eq!(answer.json["code"], code, "{name}");
        }
    }
    assert!(rig.sandbox.transactions().is_empty(), "refused requests create nothing");
    // Exactly 160 characters, and a callback on the registered host (any port), are fine.
    let mut long = ok();
    long["payerMessage"] = json!("x".repeat(160));
    let (_, answer) =
        create(&rig, kind, long, &[("x-callback-url", "http://127.0.0.1:9/cb?ref=1".to_owned())]).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);

    let mut headers = product_headers(&rig, Product::Collection).await;
    for reference in
        ["not-a-uuid", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", &Uuid::new_v4().simple().to_string()]
    {
        let mut headers = headers.clone();
        headers.push(("x-reference-id", reference.to_owned()));
        let answer = call(&rig, "POST", "/collection/v1_0/requesttopay", &headers, Some(ok())).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{reference}");
    }
    headers.push(("x-reference-id", Uuid::new_v4().to_string()));
    let answer = call(&rig, "POST", "/collection/v1_0/requesttopay", &headers, None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "a request needs a JSON body");
}

#[tokio::test]
async fn every_test_number_ends_as_its_table_row_says() {
    let rig = rig();
    for number in TEST_NUMBERS {
        for kind in [Kind::RequestToPay, Kind::Transfer] {
            let (reference, answer) = create(&rig, kind, body(kind, number.msisdn, "5"), &[]).await;
            assert_eq!(answer.status, StatusCode::ACCEPTED, "{} {kind:?}", number.msisdn);
            let status = get_status(&rig, kind, reference).await.json;
            let reason = match number.use_case(kind).outcome {
                Outcome::Fail(reason) | Outcome::Deferred(_, reason) => reason,
                Outcome::Success => unreachable!("every test number fails"),
            };
            assert_eq!(status["status"], "FAILED", "{} {kind:?}", number.msisdn);
            assert_eq!(status["reason"], reason, "{} {kind:?}", number.msisdn);
            assert!(status.get("financialTransactionId").is_none());
        }
    }
    // The transfer column differs from the request-to-pay column.
    assert_eq!(numbers::outcome(Kind::RequestToPay, "46733123455"), Outcome::Fail("PAYER_NOT_FOUND"));
    assert_eq!(
        numbers::outcome(Kind::Transfer, "46733123455"),
        Outcome::Fail("COULD_NOT_PERFORM_TRANSACTION")
    );
    assert_eq!(numbers::outcome(Kind::Transfer, "46733123499"), Outcome::Success);
}

#[tokio::test]
async fn reasons_can_be_sent_in_the_spec_object_form() {
    let rig = rig();
    rig.sandbox.set_reason_form(ReasonForm::Object);
    let (reference, _) =
        create(&rig, Kind::RequestToPay, body(Kind::RequestToPay, "46733123451", "5"), &[]).await;
    let reason = get_status(&rig, Kind::RequestToPay, reference).await.json["reason"].clone();
    assert_eq!(reason["code"], "APPROVAL_REJECTED");
    assert!(reason["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn ongoing_and_delayed_numbers_are_configurable() {
    let now = Arc::new(AtomicI64::new(Utc::now().timestamp()));
    let clock = now.clone();
    let rig = rig_with(|c| {
        c.ongoing = DeferredOutcome::StayPending;
        c.delayed = DeferredOutcome::SucceedAfter(chrono::Duration::seconds(25));
    });
    rig.sandbox.set_clock(move || DateTime::from_timestamp(clock.load(Ordering::SeqCst), 0).unwrap());
    let kind = Kind::RequestToPay;
    let (ongoing, _) = create(&rig, kind, body(kind, "46733123453", "5"), &[]).await;
    let (delayed, _) = create(&rig, kind, body(kind, "46733123454", "5"), &[]).await;
    assert_eq!(get_status(&rig, kind, ongoing).await.json["status"], "PENDING");
    assert_eq!(get_status(&rig, kind, delayed).await.json["status"], "PENDING");
    now.fetch_add(25, Ordering::SeqCst);
    assert_eq!(get_status(&rig, kind, ongoing).await.json["status"], "PENDING");
    let settled = get_status(&rig, kind, delayed).await.json;
    assert_eq!(settled["status"], "SUCCESSFUL");
    assert!(settled["financialTransactionId"].is_string());

    rig.sandbox.set_deferred(Deferral::Ongoing, DeferredOutcome::Fail);
    let (failed, _) = create(&rig, kind, body(kind, "46733123453", "5"), &[]).await;
    assert_eq!(get_status(&rig, kind, failed).await.json["reason"], "ONGOING");
}

#[tokio::test]
async fn manual_approval_keeps_requests_to_pay_pending_until_decided() {
    let now = Arc::new(AtomicI64::new(Utc::now().timestamp()));
    let clock = now.clone();
    let rig = rig_with(|c| {
        c.manual_approval = true;
        c.approval_window = Some(chrono::Duration::minutes(5));
    });
    rig.sandbox.set_clock(move || DateTime::from_timestamp(clock.load(Ordering::SeqCst), 0).unwrap());
    let kind = Kind::RequestToPay;
    let (approved, _) = create(&rig, kind, body(kind, "233241234567", "20"), &[]).await;
    let (rejected, _) = create(&rig, kind, body(kind, "233241234568", "21"), &[]).await;
    let (expired, _) = create(&rig, kind, body(kind, "233241234569", "22"), &[]).await;
    let (test_number, _) = create(&rig, kind, body(kind, "46733123451", "1"), &[]).await;
    let (transfer, _) = create(&rig, Kind::Transfer, body(Kind::Transfer, "233241234567", "3"), &[]).await;
    assert_eq!(get_status(&rig, kind, approved).await.json["status"], "PENDING");
    assert_eq!(
        get_status(&rig, kind, test_number).await.json["status"],
        "FAILED",
        "test numbers keep their outcome"
    );
    assert_eq!(
        get_status(&rig, Kind::Transfer, transfer).await.json["status"],
        "SUCCESSFUL",
        "transfers need no approval"
    );
    assert_eq!(rig.sandbox.pending_requests_to_pay().len(), 3);

    // The JSON controls, from this machine.
    let control = |reference: Uuid, action: &str| {
        local(Request::post(format!("/_sandbox/requests/{reference}/{action}")).body(Body::empty()).unwrap())
    };
    let answer = send(rig.sandbox.router(), control(approved, "approve")).await;
    assert_eq!((answer.status, answer.json["status"].as_str()), (StatusCode::OK, Some("SUCCESSFUL")));
    let again = send(rig.sandbox.router(), control(approved, "reject")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let answer = send(rig.sandbox.router(), control(rejected, "reject")).await;
    assert_eq!(answer.json["reason"], "APPROVAL_REJECTED");
    assert_eq!(
        send(rig.sandbox.router(), control(Uuid::new_v4(), "approve")).await.status,
        StatusCode::NOT_FOUND
    );
    let elsewhere =
        Request::post(format!("/_sandbox/requests/{expired}/approve")).body(Body::empty()).unwrap();
    assert_eq!(send(rig.sandbox.router(), elsewhere).await.status, StatusCode::FORBIDDEN);

    let list = send(
        rig.sandbox.router(),
        local(Request::get("/_sandbox/requests?status=PENDING").body(Body::empty()).unwrap()),
    )
    .await;
    let pending: Vec<&str> =
        list.json.as_array().unwrap().iter().map(|t| t["reference"].as_str().unwrap()).collect();
    assert_eq!(pending, [expired.to_string()]);

    // The approval window closes on its own.
    now.fetch_add(5 * 60, Ordering::SeqCst);
    let status = get_status(&rig, kind, expired).await.json;
    assert_eq!((status["status"].as_str(), status["reason"].as_str()), (Some("FAILED"), Some("EXPIRED")));
    assert_eq!(rig.sandbox.balance(Product::Collection), Decimal::from(20));
}

#[tokio::test]
async fn the_approval_page_lists_pending_requests_and_its_buttons_decide() {
    let rig = rig_with(|c| c.manual_approval = true);
    let kind = Kind::RequestToPay;
    let mut request = body(kind, "233241234567", "12.50");
    request["payerMessage"] = json!("Top up & more");
    let (reference, answer) = create(&rig, kind, request, &[]).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    let page = || local(Request::get("/momo/approvals").body(Body::empty()).unwrap());
    let html = send(rig.sandbox.approvals_router(), page()).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    for expected in
        ["12.5 EUR", "233241234567", "Top up &amp; more", &format!("approvals/{reference}/approve")]
    {
        assert!(html.text.contains(expected), "{expected} in {}", html.text);
    }
    assert!(!html.text.contains("http"), "no external resources");

    let click =
        local(Request::post(format!("/momo/approvals/{reference}/approve")).body(Body::empty()).unwrap());
    let answer = send(rig.sandbox.approvals_router(), click).await;
    assert!(answer.status.is_redirection());
    assert_eq!(answer.headers[header::LOCATION], "../../approvals");
    assert_eq!(rig.sandbox.transaction(kind, reference).unwrap().status, Status::Successful);
    let html = send(rig.sandbox.approvals_router(), page()).await;
    assert!(html.text.contains("No request to pay is waiting"));
    assert!(html.text.contains("SUCCESSFUL"));

    let elsewhere = Request::get("/momo/approvals").body(Body::empty()).unwrap();
    assert_eq!(send(rig.sandbox.approvals_router(), elsewhere).await.status, StatusCode::FORBIDDEN);
}

/// A receiver for callbacks on a loopback port: (its base URL, what it received).
async fn receiver() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let app = Router::new().route(
        "/cb/{reference}",
        post({
            let store = store.clone();
            move |Path(r): Path<String>, body: Bytes| async move {
                store.lock().unwrap().push((format!("POST {r}"), String::from_utf8(body.to_vec()).unwrap()));
                StatusCode::OK
            }
        })
        .put(move |Path(r): Path<String>, body: Bytes| async move {
            store.lock().unwrap().push((format!("PUT {r}"), String::from_utf8(body.to_vec()).unwrap()));
            StatusCode::OK
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, received)
}

#[tokio::test]
async fn final_requests_call_back_with_the_status_body() {
    let rig = rig_with(|c| c.manual_approval = true);
    let (base, received) = receiver().await;
    let kind = Kind::RequestToPay;
    let reference = Uuid::new_v4();
    let url = format!("{base}/cb/{reference}");
    let mut headers = product_headers(&rig, Product::Collection).await;
    headers.push(("x-reference-id", reference.to_string()));
    headers.push(("x-callback-url", url.clone()));
    let answer =
        call(&rig, "POST", "/collection/v1_0/requesttopay", &headers, Some(body(kind, "233241234567", "7")))
            .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert!(rig.sandbox.callbacks().is_empty(), "no callback while pending");

    rig.sandbox.approve(reference).unwrap();
    let callbacks = rig.sandbox.wait_for_callbacks(1, Duration::from_secs(10)).await;
    assert_eq!(callbacks.len(), 1);
    assert!(callbacks[0].delivered());
    assert_eq!(callbacks[0].url, url);
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, format!("POST {reference}"));
    let sent: Value = serde_json::from_str(&got[0].1).unwrap();
    assert_eq!(sent, get_status(&rig, kind, reference).await.json);
    assert!(sent.get("referenceId").is_none(), "the body carries no reference; the URL does");
}

#[tokio::test]
async fn callbacks_can_be_dropped_duplicated_or_put() {
    let rig = rig();
    let (base, received) = receiver().await;
    let kind = Kind::Transfer;
    let send_one = |label: &'static str| {
        let rig = &rig;
        let base = base.clone();
        async move {
            let (reference, answer) = create(
                rig,
                kind,
                body(kind, "233241234567", "1"),
                &[("x-callback-url", format!("{base}/cb/{label}"))],
            )
            .await;
            assert_eq!(answer.status, StatusCode::ACCEPTED);
            reference
        }
    };
    rig.sandbox.set_callback_mode(CallbackMode::Drop);
    send_one("dropped").await;
    let callbacks = rig.sandbox.wait_for_callbacks(1, Duration::from_secs(10)).await;
    assert!(callbacks[0].dropped && !callbacks[0].delivered());

    rig.sandbox.set_callback_mode(CallbackMode::Duplicate);
    send_one("twice").await;
    rig.sandbox.wait_for_callbacks(3, Duration::from_secs(10)).await;

    rig.sandbox.set_callback_mode(CallbackMode::Deliver);
    rig.sandbox.set_callback_method(CallbackMethod::Put);
    let reference = send_one("put").await;
    rig.sandbox.wait_for_callbacks(4, Duration::from_secs(10)).await;
    let labels: Vec<String> = received.lock().unwrap().iter().map(|(l, _)| l.clone()).collect();
    assert_eq!(labels, ["POST twice", "POST twice", "PUT put"]);

    let resent = rig.sandbox.resend_callback(kind, reference).await.unwrap();
    assert!(resent.delivered());
}

#[tokio::test]
async fn injected_faults_answer_in_place_of_the_api() {
    let rig = rig();
    let kind = Kind::RequestToPay;
    rig.sandbox.inject_for(Endpoint::RequestToPay, 1, Fault::Unavailable);
    let (_, answer) = create(&rig, kind, body(kind, "233241234567", "1"), &[]).await;
    assert_eq!(
        (answer.status, answer.json["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("SERVICE_UNAVAILABLE"))
    );
    rig.sandbox.inject_for(Endpoint::RequestToPay, 1, Fault::ServerErrorNoBody);
    let (_, answer) = create(&rig, kind, body(kind, "233241234567", "1"), &[]).await;
    assert_eq!((answer.status, answer.text.as_str()), (StatusCode::INTERNAL_SERVER_ERROR, ""));
    assert!(rig.sandbox.transactions().is_empty(), "refused before any work");

    rig.sandbox.inject_for(Endpoint::RequestToPay, 1, Fault::LostAnswer);
    let (reference, answer) = create(&rig, kind, body(kind, "233241234567", "1"), &[]).await;
    assert_eq!((answer.status, answer.text.as_str()), (StatusCode::INTERNAL_SERVER_ERROR, ""));
    assert!(rig.sandbox.transaction(kind, reference).is_some(), "a lost answer still did the work");

    rig.sandbox.inject_for(Endpoint::RequestToPayStatus, 1, Fault::RateLimited);
    assert_eq!(get_status(&rig, kind, reference).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(get_status(&rig, kind, reference).await.status, StatusCode::OK);
    assert_eq!(rig.sandbox.calls(Endpoint::RequestToPay), 3);

    // A fault for any endpoint hits whatever comes next: here the token call.
    rig.sandbox.inject(1, Fault::Unauthorized);
    let headers = [
        ("ocp-apim-subscription-key", COLLECTION_KEY.to_owned()),
        ("authorization", basic(&rig.user.user_id, &rig.user.api_key)),
    ];
    let answer = call(&rig, "POST", "/collection/token/", &headers, None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&rig, "POST", "/collection/token/", &headers, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn account_holders_and_balances_follow_the_sandbox_cases() {
    let rig = rig_with(|c| c.disbursement_balance = Decimal::from(10));
    let headers = product_headers(&rig, Product::Collection).await;
    let active = |id: &str| format!("/collection/v1_0/accountholder/msisdn/{id}/active");
    let answer = call(&rig, "GET", &active("233241234567"), &headers, None).await;
    assert_eq!((answer.status, answer.json.clone()), (StatusCode::OK, json!({"result": true})));
    for (msisdn, email, case) in numbers::HOLDER_CASES {
        let (status, code) = match case {
            HolderCase::Active => unreachable!(),
            HolderCase::NotFound => (StatusCode::NOT_FOUND, Some("RESOURCE_NOT_FOUND")),
            HolderCase::NotActive => (StatusCode::OK, None),
            HolderCase::NotAllowed => (StatusCode::INTERNAL_SERVER_ERROR, Some("NOT_ALLOWED")),
            HolderCase::NotAllowedTargetEnvironment => {
                (StatusCode::INTERNAL_SERVER_ERROR, Some("NOT_ALLOWED_TARGET_ENVIRONMENT"))
            }
            HolderCase::InternalProcessingError => {
                (StatusCode::INTERNAL_SERVER_ERROR, Some("INTERNAL_PROCESSING_ERROR"))
            }
            HolderCase::ServiceUnavailable => (StatusCode::SERVICE_UNAVAILABLE, Some("SERVICE_UNAVAILABLE")),
        };
        for uri in [active(msisdn), format!("/collection/v1_0/accountholder/email/{email}/active")] {
            let answer = call(&rig, "GET", &uri, &headers, None).await;
            assert_eq!(answer.status, status, "{uri}");
            assert_eq!(answer.json["code"].as_str(), code, "{uri}");
        }
    }
    assert_eq!(
        call(&rig, "GET", &active("46733123451"), &headers, None).await.json,
        json!({"result": false})
    );
    let upper = "/collection/v1_0/accountholder/MSISDN/233241234567/active";
    assert_eq!(call(&rig, "GET", upper, &headers, None).await.status, StatusCode::BAD_REQUEST);

    let headers = product_headers(&rig, Product::Disbursement).await;
    let balance = call(&rig, "GET", "/disbursement/v1_0/account/balance", &headers, None).await;
    assert_eq!(balance.json, json!({"availableBalance": "10", "currency": "EUR"}));
    let kind = Kind::Transfer;
    let (paid, _) = create(&rig, kind, body(kind, "233241234567", "7.5"), &[]).await;
    let (short, _) = create(&rig, kind, body(kind, "233241234567", "3"), &[]).await;
    assert_eq!(get_status(&rig, kind, paid).await.json["status"], "SUCCESSFUL");
    assert_eq!(get_status(&rig, kind, short).await.json["reason"], "NOT_ENOUGH_FUNDS");
    let balance = call(&rig, "GET", "/disbursement/v1_0/account/balance/EUR", &headers, None).await;
    assert_eq!(balance.json["availableBalance"], "2.5");
    let wrong = call(&rig, "GET", "/disbursement/v1_0/account/balance/GHS", &headers, None).await;
    assert_eq!(wrong.json["code"], "INVALID_CURRENCY");
}

#[tokio::test]
async fn badly_formatted_numbers_are_accepted_then_fail_as_unknown() {
    let rig = rig();
    for (kind, reason) in [(Kind::RequestToPay, "PAYER_NOT_FOUND"), (Kind::Transfer, "PAYEE_NOT_FOUND")] {
        let (reference, answer) = create(&rig, kind, body(kind, "+233241234567", "1"), &[]).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED);
        assert_eq!(get_status(&rig, kind, reference).await.json["reason"], reason);
    }
}

#[test]
fn api_keys_stay_out_of_debug_output() {
    let user = SandboxApiUser::generate("cb.example.com");
    let config = MomoSandboxConfig::new("secret-collection-key", "secret-disbursement-key")
        .with_api_user(user.clone());
    let text = format!("{config:?} {user:?}");
    for secret in [user.api_key.as_str(), "secret-collection-key", "secret-disbursement-key"] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn references_must_be_hyphenated_uuid_v4() {
    let v4 = Uuid::new_v4();
    assert_eq!(parse_uuid_v4(&v4.to_string()), Some(v4));
    assert_eq!(parse_uuid_v4(&v4.to_string().to_uppercase()), Some(v4));
    assert_eq!(parse_uuid_v4(&v4.simple().to_string()), None);
    assert_eq!(parse_uuid_v4("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), None);
    assert!(callback_host_matches("http://127.0.0.1:3000/momo/callback/x", "127.0.0.1"));
    assert!(callback_host_matches("http://127.0.0.1:3000/x", "127.0.0.1:3000"));
    assert!(!callback_host_matches("http://127.0.0.2/x", "127.0.0.1"));
    assert!(!callback_host_matches("ftp://127.0.0.1/x", "127.0.0.1"));
}
