//! A miaPOS eComm sandbox: an axum router that plays the payment rail for tests and the
//! local stack.
//!
//! It is written from the published specification (`reference/miapos-ecomm.md`), not from the
//! bot's code, and does not depend on the `paybot` crate: the signature over callbacks in
//! particular is built here independently, so that a mistake in the bot's verifier is caught
//! instead of mirrored.
//!
//! Routes (relative to the sandbox's base URL):
//! - `POST /ecomm/api/v1/token`, `POST /ecomm/api/v1/token/refresh`
//! - `POST /ecomm/api/v1/pay`, `POST /ecomm/api/v1/request-to-pay/direct`
//! - `GET /ecomm/api/v1/payment/{paymentId}`
//! - `GET /api/v1/public-key` (also `/ecomm/api/v1/public-key`, the path the official PHP SDK
//!   calls)
//! - `GET /checkout?paymentId=…`: the hosted checkout page (en, ro, ru)
//! - `POST /checkout/{paymentId}/{action}` with `pay`, `decline`, `expire` or `fail`
//!
//! Errors answer `{"errorCode","errorMessage"}`, the specification's `ErrorResponse`.
//! Tests steer it with [`MiaposSandbox::settle`], [`MiaposSandbox::fail_next`],
//! [`MiaposSandbox::stall_next`], [`MiaposSandbox::revoke_all_tokens`],
//! [`MiaposSandbox::set_callbacks_enabled`] and read [`MiaposSandbox::calls`].

mod callback;
mod checkout;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::Rng;
use rand::distr::Alphanumeric;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::EncodePublicKey;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use sha2::Sha256;

pub use callback::{CallbackDelivery, signing_string};

/// The one currency the rail takes today.
pub const CURRENCY: &str = "MDL";

/// The checkout page's languages; `ro` when the request names none.
pub const LANGUAGES: [&str; 3] = ["en", "ro", "ru"];

/// A merchant known to the sandbox.
#[derive(Clone)]
pub struct SandboxMerchant {
    pub merchant_id: String,
    pub secret_key: String,
    /// Shown on the checkout page.
    pub name: String,
    /// The e-commerce terminal for QR payments.
    pub qr_terminal: String,
    /// The RTP-capable terminal, if the merchant has one.
    pub rtp_terminal: Option<String>,
    /// The callback URL "set in the merchant's admin UI", used when a payment names none.
    pub callback_url: Option<String>,
}

impl SandboxMerchant {
    pub fn new(
        merchant_id: impl Into<String>,
        secret_key: impl Into<String>,
        qr_terminal: impl Into<String>,
    ) -> SandboxMerchant {
        let merchant_id = merchant_id.into();
        SandboxMerchant {
            name: format!("Merchant {merchant_id}"),
            merchant_id,
            secret_key: secret_key.into(),
            qr_terminal: qr_terminal.into(),
            rtp_terminal: None,
            callback_url: None,
        }
    }

    pub fn with_rtp_terminal(mut self, terminal: impl Into<String>) -> SandboxMerchant {
        self.rtp_terminal = Some(terminal.into());
        self
    }

    pub fn with_name(mut self, name: impl Into<String>) -> SandboxMerchant {
        self.name = name.into();
        self
    }

    pub fn with_callback_url(mut self, url: impl Into<String>) -> SandboxMerchant {
        self.callback_url = Some(url.into());
        self
    }
}

impl fmt::Debug for SandboxMerchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret key stays out of logs even in a sandbox: configurations get copied.
        f.debug_struct("SandboxMerchant")
            .field("merchant_id", &self.merchant_id)
            .field("name", &self.name)
            .field("qr_terminal", &self.qr_terminal)
            .field("rtp_terminal", &self.rtp_terminal)
            .field("callback_url", &self.callback_url)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where the sandbox is reachable, without a trailing `/` (e.g. `http://127.0.0.1:3000/miapos`);
    /// checkout links and the page's forms are built from it.
    pub base_url: String,
    pub merchants: Vec<SandboxMerchant>,
    /// `accessTokenExpiresIn`.
    pub token_ttl: Duration,
    /// `refreshTokenExpiresIn`.
    pub refresh_token_ttl: Duration,
    /// How long the sandbox waits for the merchant's answer to a callback.
    pub callback_timeout: Duration,
    /// The business request-to-pay cap per payment (100,000 MDL from March 2026).
    pub rtp_cap: Decimal,
    /// `swiftPayerBank` of successful payments.
    pub payer_bank: String,
    /// An open payment this long after its creation (by the sandbox's clock) is EXPIRED, as
    /// a rail expires unpaid QR payments; `None`: payments wait until settled.
    pub payment_lifetime: Option<chrono::Duration>,
}

impl SandboxConfig {
    /// Defaults: access tokens for 15 minutes, refresh tokens for a day, callbacks wait 5 s.
    pub fn new(base_url: impl Into<String>, merchants: Vec<SandboxMerchant>) -> SandboxConfig {
        SandboxConfig {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            merchants,
            token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(24 * 60 * 60),
            callback_timeout: Duration::from_secs(5),
            rtp_cap: Decimal::from(100_000),
            payer_bank: "SANDBOX BANK".into(),
            payment_lifetime: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox's RSA key could not be made: {0}")]
    Key(String),
    #[error("the sandbox's HTTP client could not be built: {0}")]
    Http(String),
}

/// The API's endpoints and the checkout page, for [`MiaposSandbox::calls`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Token,
    Refresh,
    Pay,
    RequestToPay,
    Payment,
    PublicKey,
    CheckoutPage,
    CheckoutAction,
}

impl Endpoint {
    /// The API endpoints, which [`MiaposSandbox::fail_next`] and `stall_next` affect.
    fn is_api(self) -> bool {
        !matches!(self, Endpoint::CheckoutPage | Endpoint::CheckoutAction)
    }
}

/// A payment's status, as the rail spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    Created,
    Pending,
    Success,
    Failed,
    Declined,
    Expired,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Created => "CREATED",
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Success => "SUCCESS",
            PaymentStatus::Failed => "FAILED",
            PaymentStatus::Declined => "DECLINED",
            PaymentStatus::Expired => "EXPIRED",
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, PaymentStatus::Created | PaymentStatus::Pending)
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentType {
    Qr,
    Rtp,
}

impl PaymentType {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentType::Qr => "qr",
            PaymentType::Rtp => "rtp",
        }
    }
}

/// A payment as the sandbox holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxPayment {
    pub payment_id: String,
    pub merchant_id: String,
    pub terminal_id: String,
    pub order_id: String,
    pub amount: Decimal,
    pub currency: String,
    pub description: String,
    pub language: String,
    pub payment_type: PaymentType,
    /// Created through `request-to-pay/direct` (no checkout page was handed out).
    pub direct: bool,
    pub client_name: Option<String>,
    pub client_phone: Option<String>,
    pub client_email: Option<String>,
    /// The payment's own `callbackUrl`, else the merchant's.
    pub callback_url: Option<String>,
    pub success_url: Option<String>,
    pub fail_url: Option<String>,
    pub status: PaymentStatus,
    pub payment_date: Option<String>,
    pub swift_message_id: Option<String>,
    pub swift_payer_bank: Option<String>,
    /// By the sandbox's clock.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl SandboxPayment {
    /// The fields of `GET payment` and of a callback's `result`, each with the JSON value the
    /// sandbox sends and the text the signature is computed over. Sorted by key, bytewise.
    fn result_fields(&self) -> std::collections::BTreeMap<&'static str, (Value, String)> {
        let mut fields = std::collections::BTreeMap::new();
        let text = |s: &str| (Value::String(s.to_owned()), s.to_owned());
        fields.insert("terminalId", text(&self.terminal_id));
        fields.insert("orderId", text(&self.order_id));
        fields.insert("paymentId", text(&self.payment_id));
        fields.insert("status", text(self.status.as_str()));
        // The API's amount is a JSON double (`145.25`, `100.0`); the signed text has exactly
        // two decimals whatever the JSON looks like.
        fields.insert("amount", (amount_json(self.amount), two_places(self.amount)));
        fields.insert("currency", text(&self.currency));
        fields.insert("paymentType", text(self.payment_type.as_str()));
        if let Some(date) = &self.payment_date {
            fields.insert("paymentDate", text(date));
        }
        if let Some(id) = &self.swift_message_id {
            fields.insert("swiftMessageId", text(id));
        }
        if let Some(bank) = &self.swift_payer_bank {
            fields.insert("swiftPayerBank", text(bank));
        }
        fields
    }

    fn result_json(&self) -> Map<String, Value> {
        self.result_fields().into_iter().map(|(k, (v, _))| (k.to_owned(), v)).collect()
    }
}

/// The amount as a JSON number, the way a Java service serialises a double.
fn amount_json(amount: Decimal) -> Value {
    use rust_decimal::prelude::ToPrimitive;
    amount.to_f64().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::Null)
}

/// `100` → `100.00`, `145.255` → `145.26`.
fn two_places(amount: Decimal) -> String {
    let mut rounded = amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded.to_string()
}

/// Why [`MiaposSandbox::settle`] did nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    #[error("no payment {0}")]
    UnknownPayment(String),
    #[error("{0} is not a final status")]
    NotFinal(PaymentStatus),
    #[error("the payment is already {0}")]
    AlreadyFinal(PaymentStatus),
}

/// What [`MiaposSandbox::settle`] did.
#[derive(Debug, Clone)]
pub struct Settlement {
    pub payment: SandboxPayment,
    /// `None` when callbacks are switched off or the payment has no callback URL.
    pub callback: Option<CallbackDelivery>,
}

#[derive(Debug, Clone, Copy)]
enum Failure {
    Status(StatusCode),
    Stall(Duration),
}

struct Grant {
    merchant_id: String,
    expires_at: Instant,
}

#[derive(Default)]
struct Ledger {
    access_tokens: HashMap<String, Grant>,
    refresh_tokens: HashMap<String, Grant>,
    payments: HashMap<String, SandboxPayment>,
    /// (merchantId, orderId) → paymentId: the idempotency of `pay`.
    orders: HashMap<(String, String), String>,
    calls: HashMap<Endpoint, usize>,
    failures: VecDeque<Failure>,
    callbacks: Vec<CallbackDelivery>,
}

struct Inner {
    config: SandboxConfig,
    signing_key: SigningKey<Sha256>,
    public_key: String,
    http: reqwest::Client,
    callbacks_enabled: AtomicBool,
    clock: Mutex<ClockFn>,
    ledger: Mutex<Ledger>,
}

type ClockFn = Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;

/// The sandbox: cheap to clone, every clone shares the same state.
#[derive(Clone)]
pub struct MiaposSandbox {
    inner: Arc<Inner>,
}

impl fmt::Debug for MiaposSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiaposSandbox").field("base_url", &self.inner.config.base_url).finish_non_exhaustive()
    }
}

/// The size of the key the sandbox makes for itself, as miaPOS's own.
pub const KEY_BITS: usize = 2048;

impl MiaposSandbox {
    /// A sandbox with a fresh 2048-bit RSA key.
    pub fn new(config: SandboxConfig) -> Result<MiaposSandbox, SandboxError> {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEY_BITS)
            .map_err(|e| SandboxError::Key(e.to_string()))?;
        Self::with_key(config, key)
    }

    /// A sandbox signing with `key` (tests that make several sandboxes share one key).
    pub fn with_key(mut config: SandboxConfig, key: RsaPrivateKey) -> Result<MiaposSandbox, SandboxError> {
        config.base_url = config.base_url.trim_end_matches('/').to_owned();
        let der = key.to_public_key().to_public_key_der().map_err(|e| SandboxError::Key(e.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(config.callback_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SandboxError::Http(e.to_string()))?;
        Ok(MiaposSandbox {
            inner: Arc::new(Inner {
                public_key: BASE64.encode(der.as_bytes()),
                signing_key: SigningKey::<Sha256>::new(key),
                config,
                http,
                callbacks_enabled: AtomicBool::new(true),
                clock: Mutex::new(Arc::new(chrono::Utc::now)),
                ledger: Mutex::new(Ledger::default()),
            }),
        })
    }

    /// The API and the checkout page. Mount it at the root of the sandbox's base URL
    /// (`Router::nest` under a prefix works when `base_url` carries that prefix).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/ecomm/api/v1/token", post(issue_token))
            .route("/ecomm/api/v1/token/refresh", post(refresh_token))
            .route("/ecomm/api/v1/pay", post(create_payment))
            .route("/ecomm/api/v1/request-to-pay/direct", post(request_to_pay))
            .route("/ecomm/api/v1/payment/{payment_id}", get(payment_status))
            .route("/api/v1/public-key", get(public_key))
            .route("/ecomm/api/v1/public-key", get(public_key))
            .route("/checkout", get(checkout::page))
            .route("/checkout/{payment_id}/{action}", post(checkout::action))
            .with_state(self.clone())
    }

    pub fn base_url(&self) -> &str {
        &self.inner.config.base_url
    }

    /// Base64 of the DER `SubjectPublicKeyInfo`, as `GET /api/v1/public-key` answers.
    pub fn public_key_base64(&self) -> String {
        self.inner.public_key.clone()
    }

    /// The checkout link of a payment.
    pub fn checkout_url(&self, payment_id: &str) -> String {
        format!("{}/checkout?paymentId={payment_id}", self.inner.config.base_url)
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // A test that panicked while holding the lock must not take the other tests with it.
        self.inner.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many requests reached `endpoint`, failed and refused ones included.
    pub fn calls(&self, endpoint: Endpoint) -> usize {
        self.ledger().calls.get(&endpoint).copied().unwrap_or(0)
    }

    pub fn reset_calls(&self) {
        self.ledger().calls.clear();
    }

    /// The next `n` API calls (any endpoint but the checkout page) answer `status` (e.g. 500,
    /// 503) without doing anything.
    pub fn fail_next(&self, n: usize, status: u16) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.ledger().failures.extend(std::iter::repeat_n(Failure::Status(status), n));
    }

    /// The next `n` API calls do their work but answer only after `delay`: a client with a
    /// shorter timeout sees a timeout although the rail acted, as when an answer is lost.
    pub fn stall_next(&self, n: usize, delay: Duration) {
        self.ledger().failures.extend(std::iter::repeat_n(Failure::Stall(delay), n));
    }

    /// Invalidates every access token (refresh tokens stay valid): the client's next call gets
    /// a 401 and has to refresh.
    pub fn revoke_access_tokens(&self) {
        self.ledger().access_tokens.clear();
    }

    /// Invalidates every access and refresh token: only new credentials-based tokens work.
    pub fn revoke_all_tokens(&self) {
        let mut ledger = self.ledger();
        ledger.access_tokens.clear();
        ledger.refresh_tokens.clear();
    }

    /// The rail does not promise callbacks; switched off, settling a payment sends nothing and
    /// only `GET payment` tells the outcome.
    pub fn set_callbacks_enabled(&self, enabled: bool) {
        self.inner.callbacks_enabled.store(enabled, Ordering::SeqCst);
    }

    /// The time payments are created, dated and expired by; the local stack passes its
    /// movable clock so that moving time forward expires payments here too.
    pub fn set_clock(&self, clock: impl Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync + 'static) {
        *self.inner.clock.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(clock);
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let clock = self.inner.clock.lock().unwrap_or_else(|e| e.into_inner()).clone();
        clock()
    }

    pub fn payment(&self, payment_id: &str) -> Option<SandboxPayment> {
        self.expire_overdue();
        self.ledger().payments.get(payment_id).cloned()
    }

    pub fn payment_by_order(&self, merchant_id: &str, order_id: &str) -> Option<SandboxPayment> {
        self.expire_overdue();
        let ledger = self.ledger();
        let id = ledger.orders.get(&(merchant_id.to_owned(), order_id.to_owned()))?;
        ledger.payments.get(id).cloned()
    }

    pub fn payments(&self) -> Vec<SandboxPayment> {
        self.expire_overdue();
        self.ledger().payments.values().cloned().collect()
    }

    /// Expires every open payment past its lifetime, as a rail does on its own; each sends
    /// its EXPIRED callback (in the background: this runs on reads). Looked at whenever the
    /// sandbox reads a payment, so expiry follows the clock without a timer.
    fn expire_overdue(&self) {
        let Some(lifetime) = self.inner.config.payment_lifetime else { return };
        let now = self.now();
        let expired: Vec<SandboxPayment> = {
            let mut ledger = self.ledger();
            ledger
                .payments
                .values_mut()
                .filter(|p| !p.status.is_final() && now - p.created_at >= lifetime)
                .map(|p| {
                    p.status = PaymentStatus::Expired;
                    p.payment_date = Some(now.format("%Y-%m-%dT%H:%M:%S%:z").to_string());
                    p.clone()
                })
                .collect()
        };
        if expired.is_empty() || !self.inner.callbacks_enabled.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            for payment in expired {
                let sandbox = self.clone();
                runtime.spawn(async move { sandbox.send_callback(&payment).await });
            }
        }
    }

    /// Every callback attempt, oldest first.
    pub fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.ledger().callbacks.clone()
    }

    /// Moves a payment to a final status (once) and sends its signed callback, waiting for the
    /// merchant's answer.
    pub async fn settle(&self, payment_id: &str, status: PaymentStatus) -> Result<Settlement, SettleError> {
        if !status.is_final() {
            return Err(SettleError::NotFinal(status));
        }
        self.expire_overdue();
        let now = self.now();
        let payment = {
            let mut ledger = self.ledger();
            let payment = ledger
                .payments
                .get_mut(payment_id)
                .ok_or_else(|| SettleError::UnknownPayment(payment_id.to_owned()))?;
            if payment.status.is_final() {
                return Err(SettleError::AlreadyFinal(payment.status));
            }
            payment.status = status;
            payment.payment_date = Some(now.format("%Y-%m-%dT%H:%M:%S%:z").to_string());
            if status == PaymentStatus::Success {
                payment.swift_message_id = Some(format!("SWIFT{}", random_digits(12)));
                payment.swift_payer_bank = Some(self.inner.config.payer_bank.clone());
            }
            payment.clone()
        };
        let callback = if self.inner.callbacks_enabled.load(Ordering::SeqCst) {
            self.send_callback(&payment).await
        } else {
            None
        };
        Ok(Settlement { payment, callback })
    }

    /// Sends a payment's callback again, as it stands (to test duplicate and replayed
    /// callbacks). `None` when the payment is unknown or has no callback URL.
    pub async fn resend_callback(&self, payment_id: &str) -> Option<CallbackDelivery> {
        let payment = self.payment(payment_id)?;
        self.send_callback(&payment).await
    }

    /// The signed callback body of a payment as it stands, without sending it.
    pub fn callback_body(&self, payment_id: &str) -> Option<String> {
        self.payment(payment_id).map(|p| callback::signed_body(&self.inner.signing_key, &p))
    }

    async fn send_callback(&self, payment: &SandboxPayment) -> Option<CallbackDelivery> {
        let url = payment.callback_url.clone()?;
        let body = callback::signed_body(&self.inner.signing_key, payment);
        let delivery = callback::deliver(&self.inner.http, &url, &payment.payment_id, body).await;
        self.ledger().callbacks.push(delivery.clone());
        Some(delivery)
    }

    fn merchant(&self, merchant_id: &str) -> Option<&SandboxMerchant> {
        self.inner.config.merchants.iter().find(|m| m.merchant_id == merchant_id)
    }

    /// Counts the call and applies an injected failure: `Err` answers at once, `Ok(Some)` is a
    /// delay to apply before answering.
    fn enter(&self, endpoint: Endpoint) -> Result<Option<Duration>, ApiError> {
        let mut ledger = self.ledger();
        *ledger.calls.entry(endpoint).or_default() += 1;
        if !endpoint.is_api() {
            return Ok(None);
        }
        match ledger.failures.pop_front() {
            None => Ok(None),
            Some(Failure::Stall(delay)) => Ok(Some(delay)),
            Some(Failure::Status(status)) => {
                Err(ApiError::new(status, "SANDBOX_INJECTED", "injected failure"))
            }
        }
    }

    /// The merchant a bearer token belongs to.
    fn authorize(&self, headers: &HeaderMap) -> Result<String, ApiError> {
        let unauthorized = |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message);
        let value = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| unauthorized("missing bearer token"))?;
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| unauthorized("the Authorization header is not a bearer token"))?;
        let mut ledger = self.ledger();
        let grant = ledger.access_tokens.get(token).ok_or_else(|| unauthorized("unknown access token"))?;
        if grant.expires_at <= Instant::now() {
            ledger.access_tokens.remove(token);
            return Err(unauthorized("the access token has expired"));
        }
        Ok(grant.merchant_id.clone())
    }

    fn issue_tokens(&self, merchant_id: &str) -> Value {
        let config = &self.inner.config;
        let access = random_token(48);
        let refresh = random_token(48);
        let now = Instant::now();
        let mut ledger = self.ledger();
        ledger.access_tokens.insert(
            access.clone(),
            Grant { merchant_id: merchant_id.to_owned(), expires_at: now + config.token_ttl },
        );
        ledger.refresh_tokens.insert(
            refresh.clone(),
            Grant { merchant_id: merchant_id.to_owned(), expires_at: now + config.refresh_token_ttl },
        );
        json!({
            "accessToken": access,
            "accessTokenExpiresIn": config.token_ttl.as_secs(),
            "refreshToken": refresh,
            "refreshTokenExpiresIn": config.refresh_token_ttl.as_secs(),
            "tokenType": "Bearer",
        })
    }
}

fn random_token(len: usize) -> String {
    rand::rng().sample_iter(Alphanumeric).take(len).map(char::from).collect()
}

fn random_digits(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

// ---- errors ---------------------------------------------------------------------------------

/// The specification's `ErrorResponse`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({"errorCode": self.code, "errorMessage": self.message})))
            .into_response()
    }
}

/// Answers after the injected delay, if any.
async fn answer(stall: Option<Duration>, response: Response) -> Response {
    if let Some(delay) = stall {
        tokio::time::sleep(delay).await;
    }
    response
}

// ---- request bodies -------------------------------------------------------------------------

fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("the body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("the body is not valid JSON: {e}"))),
    }
}

/// A required, non-empty string field.
fn required(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Err(ApiError::bad_request(format!("{field} is required"))),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(ApiError::bad_request(format!("{field} must not be empty")))
        }
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(ApiError::bad_request(format!("{field} must be a string"))),
    }
}

/// An optional string field; empty counts as absent.
fn optional(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!("{field} must be a string"))),
    }
}

fn optional_url(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    let url = optional(body, field)?;
    if let Some(url) = &url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(ApiError::bad_request(format!("{field} must be an http(s) URL")));
    }
    Ok(url)
}

/// `amount`: a JSON number, positive, with at most two decimal places.
fn amount(body: &Map<String, Value>) -> Result<Decimal, ApiError> {
    let number = match body.get("amount") {
        None | Some(Value::Null) => return Err(ApiError::bad_request("amount is required")),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(ApiError::bad_request("amount must be a number")),
    };
    let amount = Decimal::from_str(&number)
        .or_else(|_| Decimal::from_scientific(&number))
        .map_err(|_| ApiError::bad_request("amount is not a decimal number"))?
        .normalize();
    if amount <= Decimal::ZERO {
        return Err(ApiError::bad_request("amount must be greater than zero"));
    }
    if amount.scale() > 2 {
        return Err(ApiError::bad_request("amount has more than two decimal places"));
    }
    Ok(amount)
}

fn currency(body: &Map<String, Value>) -> Result<String, ApiError> {
    let currency = required(body, "currency")?;
    if currency != CURRENCY {
        return Err(ApiError::bad_request(format!("currency must be {CURRENCY}")));
    }
    Ok(currency)
}

/// The payer's phone for request-to-pay: the national number of a Moldovan phone, 8 digits
/// without the trunk `0` or the country code (the specification's example is `79000001`).
fn client_phone(body: &Map<String, Value>) -> Result<String, ApiError> {
    let phone = required(body, "clientPhone")?;
    if phone.len() != 8 || !phone.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_request(
            "clientPhone must be the payer's 8-digit national number, e.g. 79000001",
        ));
    }
    Ok(phone)
}

/// The fields `pay` and `request-to-pay/direct` share, validated.
struct NewPayment {
    terminal_id: String,
    order_id: String,
    amount: Decimal,
    currency: String,
    description: String,
    language: String,
    payment_type: PaymentType,
    client_name: Option<String>,
    client_phone: Option<String>,
    client_email: Option<String>,
    callback_url: Option<String>,
    success_url: Option<String>,
    fail_url: Option<String>,
    direct: bool,
}

fn parse_pay(body: &Map<String, Value>) -> Result<NewPayment, ApiError> {
    let terminal_id = required(body, "terminalId")?;
    let order_id = required(body, "orderId")?;
    let amount = amount(body)?;
    let currency = currency(body)?;
    let description = required(body, "payDescription")?;
    let language = optional(body, "language")?.unwrap_or_else(|| "ro".into());
    if !LANGUAGES.contains(&language.as_str()) {
        return Err(ApiError::bad_request("language must be en, ro or ru"));
    }
    let payment_type = match optional(body, "paymentType")?.as_deref() {
        None | Some("qr") => PaymentType::Qr,
        Some("rtp") => PaymentType::Rtp,
        Some(_) => return Err(ApiError::bad_request("paymentType must be qr or rtp")),
    };
    let client_phone = match payment_type {
        PaymentType::Rtp => Some(client_phone(body)?),
        PaymentType::Qr => optional(body, "clientPhone")?,
    };
    Ok(NewPayment {
        terminal_id,
        order_id,
        amount,
        currency,
        description,
        language,
        payment_type,
        client_name: optional(body, "clientName")?,
        client_phone,
        client_email: optional(body, "clientEmail")?,
        callback_url: optional_url(body, "callbackUrl")?,
        success_url: optional_url(body, "successUrl")?,
        fail_url: optional_url(body, "failUrl")?,
        direct: false,
    })
}

fn parse_direct_rtp(body: &Map<String, Value>) -> Result<NewPayment, ApiError> {
    Ok(NewPayment {
        terminal_id: required(body, "terminalId")?,
        order_id: required(body, "orderId")?,
        amount: amount(body)?,
        currency: currency(body)?,
        description: required(body, "payDescription")?,
        language: "ro".into(),
        payment_type: PaymentType::Rtp,
        client_name: Some(required(body, "clientName")?),
        client_phone: Some(client_phone(body)?),
        client_email: optional(body, "clientEmail")?,
        callback_url: optional_url(body, "callbackUrl")?,
        success_url: None,
        fail_url: None,
        direct: true,
    })
}

impl MiaposSandbox {
    /// Checks the terminal and the cap, then registers the payment once per (merchant, order).
    fn register(&self, merchant_id: &str, new: NewPayment) -> Result<SandboxPayment, ApiError> {
        let merchant = self
            .merchant(merchant_id)
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "unknown merchant"))?;
        let terminal_ok = match new.payment_type {
            PaymentType::Qr => new.terminal_id == merchant.qr_terminal,
            PaymentType::Rtp => merchant.rtp_terminal.as_deref() == Some(new.terminal_id.as_str()),
        };
        if !terminal_ok {
            let kind = match new.payment_type {
                PaymentType::Qr => "an e-commerce (QR)",
                PaymentType::Rtp => "an RTP",
            };
            return Err(ApiError::bad_request(format!(
                "terminal {} is not {kind} terminal of this merchant",
                new.terminal_id
            )));
        }
        if new.payment_type == PaymentType::Rtp && new.amount > self.inner.config.rtp_cap {
            return Err(ApiError::bad_request(format!(
                "request-to-pay is capped at {} {CURRENCY}",
                self.inner.config.rtp_cap
            )));
        }
        let mut ledger = self.ledger();
        let key = (merchant_id.to_owned(), new.order_id.clone());
        if let Some(existing) = ledger.orders.get(&key).and_then(|id| ledger.payments.get(id)) {
            // The orderId is the merchant's idempotency key: a retry gets the first payment.
            return Ok(existing.clone());
        }
        let payment = SandboxPayment {
            payment_id: uuid::Uuid::new_v4().to_string(),
            merchant_id: merchant_id.to_owned(),
            terminal_id: new.terminal_id,
            order_id: new.order_id,
            amount: new.amount,
            currency: new.currency,
            description: new.description,
            language: new.language,
            payment_type: new.payment_type,
            direct: new.direct,
            client_name: new.client_name,
            client_phone: new.client_phone,
            client_email: new.client_email,
            callback_url: new.callback_url.or_else(|| merchant.callback_url.clone()),
            success_url: new.success_url,
            fail_url: new.fail_url,
            // A request-to-pay is pushed to the payer's bank at once; a QR waits to be scanned.
            status: match new.payment_type {
                PaymentType::Qr => PaymentStatus::Created,
                PaymentType::Rtp => PaymentStatus::Pending,
            },
            payment_date: None,
            swift_message_id: None,
            swift_payer_bank: None,
            created_at: self.now(),
        };
        ledger.orders.insert(key, payment.payment_id.clone());
        ledger.payments.insert(payment.payment_id.clone(), payment.clone());
        Ok(payment)
    }
}

// ---- handlers -------------------------------------------------------------------------------

async fn issue_token(State(sandbox): State<MiaposSandbox>, body: Bytes) -> Response {
    let stall = match sandbox.enter(Endpoint::Token) {
        Ok(stall) => stall,
        Err(error) => return error.into_response(),
    };
    let result = (|| -> Result<Value, ApiError> {
        let body = json_object(&body)?;
        let merchant_id = required(&body, "merchantId")?;
        let secret_key = required(&body, "secretKey")?;
        let known = sandbox
            .merchant(&merchant_id)
            .is_some_and(|m| constant_time_eq(m.secret_key.as_bytes(), secret_key.as_bytes()));
        if !known {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "wrong merchantId or secretKey",
            ));
        }
        Ok(sandbox.issue_tokens(&merchant_id))
    })();
    answer(stall, result.map(axum::Json).into_response()).await
}

async fn refresh_token(State(sandbox): State<MiaposSandbox>, body: Bytes) -> Response {
    let stall = match sandbox.enter(Endpoint::Refresh) {
        Ok(stall) => stall,
        Err(error) => return error.into_response(),
    };
    let result = (|| -> Result<Value, ApiError> {
        let body = json_object(&body)?;
        let refresh = required(&body, "refreshToken")?;
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", m);
        // A refresh token is used once: the answer carries its successor.
        let grant = sandbox.ledger().refresh_tokens.remove(&refresh);
        let grant = grant.ok_or_else(|| unauthorized("unknown refresh token"))?;
        if grant.expires_at <= Instant::now() {
            return Err(unauthorized("the refresh token has expired"));
        }
        Ok(sandbox.issue_tokens(&grant.merchant_id))
    })();
    answer(stall, result.map(axum::Json).into_response()).await
}

async fn create_payment(State(sandbox): State<MiaposSandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let stall = match sandbox.enter(Endpoint::Pay) {
        Ok(stall) => stall,
        Err(error) => return error.into_response(),
    };
    let result = (|| -> Result<Value, ApiError> {
        let merchant_id = sandbox.authorize(&headers)?;
        let new = parse_pay(&json_object(&body)?)?;
        let payment = sandbox.register(&merchant_id, new)?;
        Ok(json!({
            "orderId": payment.order_id,
            "paymentId": payment.payment_id,
            "checkoutPage": sandbox.checkout_url(&payment.payment_id),
        }))
    })();
    answer(stall, result.map(axum::Json).into_response()).await
}

async fn request_to_pay(State(sandbox): State<MiaposSandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let stall = match sandbox.enter(Endpoint::RequestToPay) {
        Ok(stall) => stall,
        Err(error) => return error.into_response(),
    };
    let result = (|| -> Result<Value, ApiError> {
        let merchant_id = sandbox.authorize(&headers)?;
        let new = parse_direct_rtp(&json_object(&body)?)?;
        let payment = sandbox.register(&merchant_id, new)?;
        Ok(json!({"orderId": payment.order_id, "paymentId": payment.payment_id}))
    })();
    answer(stall, result.map(axum::Json).into_response()).await
}

async fn payment_status(
    State(sandbox): State<MiaposSandbox>,
    Path(payment_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let stall = match sandbox.enter(Endpoint::Payment) {
        Ok(stall) => stall,
        Err(error) => return error.into_response(),
    };
    let result = (|| -> Result<Value, ApiError> {
        let merchant_id = sandbox.authorize(&headers)?;
        // Another merchant's payment is as unknown as a missing one.
        let payment =
            sandbox.payment(&payment_id).filter(|p| p.merchant_id == merchant_id).ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, "PAYMENT_NOT_FOUND", format!("no payment {payment_id}"))
            })?;
        Ok(Value::Object(payment.result_json()))
    })();
    answer(stall, result.map(axum::Json).into_response()).await
}

async fn public_key(State(sandbox): State<MiaposSandbox>, headers: HeaderMap) -> Response {
    let stall = match sandbox.enter(Endpoint::PublicKey) {
        Ok(stall) => stall,
        Err(error) => return error.into_response(),
    };
    let result = sandbox.authorize(&headers).map(|_| json!({"publicKey": sandbox.public_key_base64()}));
    answer(stall, result.map(axum::Json).into_response()).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests;
