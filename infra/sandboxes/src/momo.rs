//! An MTN MoMo Open API sandbox (collection and disbursement, `v1_0`): an axum router that
//! plays MoMo for tests and the local stack.
//!
//! It is written from the contract sheet (`reference/mtn-momo.md`), not from the bot's code, and
//! does not depend on the `paybot` crate, so that a mistake in the bot's client is caught
//! instead of mirrored.
//!
//! API routes ([`MomoSandbox::router`], relative to the sandbox's base URL):
//! - `POST /v1_0/apiuser`, `GET /v1_0/apiuser/{id}`, `POST /v1_0/apiuser/{id}/apikey`
//! - `POST /collection/token/`, `POST /disbursement/token/`
//! - `POST /collection/v1_0/requesttopay`, `GET /collection/v1_0/requesttopay/{referenceId}`
//! - `POST /disbursement/v1_0/transfer`, `GET /disbursement/v1_0/transfer/{referenceId}`
//! - `GET /{product}/v1_0/accountholder/{idType}/{id}/active`
//! - `GET /{product}/v1_0/account/balance` (and `…/balance/{currency}`)
//!
//! Control routes, this machine only ([`crate::local_only`]):
//! - `GET /_sandbox/requests`: every request-to-pay and transfer, newest last;
//! - `POST /_sandbox/requests/{referenceId}/{approve|reject|expire}`.
//!
//! The approval page ([`MomoSandbox::approvals_router`], merged at the server's root, this
//! machine only): `GET /momo/approvals` lists pending requests-to-pay with Approve and Reject
//! buttons.
//!
//! Outcomes follow the test numbers of §8 ([`numbers`]); any other number succeeds at once,
//! unless [`MomoSandboxConfig::manual_approval`] keeps requests-to-pay PENDING until approved
//! or rejected. Tests steer it with [`MomoSandbox::inject`], [`MomoSandbox::revoke_tokens`],
//! [`MomoSandbox::set_reason_form`], [`MomoSandbox::set_callback_mode`] and read
//! [`MomoSandbox::calls`], [`MomoSandbox::transactions`] and [`MomoSandbox::callbacks`].

mod api;
mod approvals;
mod callback;
pub mod numbers;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::sync::Notify;
use uuid::Uuid;

use api::{
    ApiError, INVALID_TOKEN, account_holder, api_user, balance, create, create_api_key, create_api_user,
    status, token, valid_msisdn,
};
pub use callback::{CallbackDelivery, CallbackMethod, CallbackMode};
pub use numbers::{Deferral, HolderCase, Outcome, TEST_NUMBERS, TestNumber, UseCase};

/// The sandbox's `X-Target-Environment` and its only currency.
pub const SANDBOX_ENVIRONMENT: &str = "sandbox";
pub const SANDBOX_CURRENCY: &str = "EUR";

/// `payerMessage` and `payeeNote` hold at most this many characters.
pub const MAX_MESSAGE_CHARS: usize = 160;

/// Characters refused in `payerMessage` and `payeeNote` with a 400. MoMo documents `'`
/// ("characters such as"); the others are the usual suspects of the same filter, and control
/// characters are refused as well.
pub const REFUSED_MESSAGE_CHARS: [char; 5] = ['\'', '"', '<', '>', '\\'];

/// `expires_in` of a token, as MoMo's.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// MoMo's products; each has its own subscription keys and tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    Collection,
    Disbursement,
}

impl Product {
    pub const ALL: [Product; 2] = [Product::Collection, Product::Disbursement];

    /// The path segment: `collection`, `disbursement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Collection => "collection",
            Product::Disbursement => "disbursement",
        }
    }
}

/// The two money movements: a collection request-to-pay and a disbursement transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Kind {
    #[serde(rename = "requesttopay")]
    RequestToPay,
    #[serde(rename = "transfer")]
    Transfer,
}

impl Kind {
    pub fn product(self) -> Product {
        match self {
            Kind::RequestToPay => Product::Collection,
            Kind::Transfer => Product::Disbursement,
        }
    }

    /// The path segment: `requesttopay`, `transfer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RequestToPay => "requesttopay",
            Kind::Transfer => "transfer",
        }
    }

    /// The body's party field: the payer pays a request-to-pay, the payee receives a transfer.
    pub fn party_field(self) -> &'static str {
        match self {
            Kind::RequestToPay => "payer",
            Kind::Transfer => "payee",
        }
    }
}

/// A request's status, as MoMo spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pending,
    Successful,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Successful => "SUCCESSFUL",
            Status::Failed => "FAILED",
        }
    }

    pub fn is_final(self) -> bool {
        self != Status::Pending
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the sandbox does with 46733123453 (ongoing) and 46733123454 (delayed), on which the
/// documented tables and the observed runs disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeferredOutcome {
    /// FAILED at once with `ONGOING` / `PAYER_DELAYED`: what the live-sandbox tests of
    /// momo.rs expect.
    #[default]
    Fail,
    /// PENDING for good (until approved or rejected through the controls).
    StayPending,
    /// PENDING, then SUCCESSFUL once this much time has passed on the sandbox's clock.
    SucceedAfter(chrono::Duration),
}

/// How a FAILED request's `reason` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReasonForm {
    /// `"reason":"NOT_ENOUGH_FUNDS"`: what real answers send.
    #[default]
    String,
    /// `"reason":{"code":"NOT_ENOUGH_FUNDS","message":"…"}`: the spec's `ErrorReason`.
    Object,
}

/// The API endpoints, for [`MomoSandbox::calls`] and [`MomoSandbox::inject_for`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `…/apiuser…`, all three.
    Provisioning,
    Token(Product),
    RequestToPay,
    RequestToPayStatus,
    Transfer,
    TransferStatus,
    AccountHolder(Product),
    Balance(Product),
}

/// An answer the next calls get instead of (or on top of) the normal one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `503 {"code":"SERVICE_UNAVAILABLE",…}`; nothing is done.
    Unavailable,
    /// `429` from the gateway; nothing is done.
    RateLimited,
    /// `500` with no body; nothing is done.
    ServerErrorNoBody,
    /// `500 {"code":"INTERNAL_PROCESSING_ERROR",…}`; nothing is done.
    InternalProcessingError,
    /// `401` from the gateway, as for an expired token; nothing is done.
    Unauthorized,
    /// The call is carried out, but answered only after this delay: a client with a shorter
    /// timeout sees a timeout although MoMo acted.
    Delay(Duration),
    /// The call is carried out, but answered `500` with no body: the answer was lost.
    LostAnswer,
}

/// An API user known to the sandbox, with its key and callback host.
#[derive(Clone, PartialEq, Eq)]
pub struct SandboxApiUser {
    /// A UUID v4 (the `X-Reference-Id` it was created with).
    pub user_id: String,
    pub api_key: String,
    /// `providerCallbackHost`: a host, not a URL (a `host:port` also matches that port only).
    pub callback_host: String,
}

impl SandboxApiUser {
    pub fn new(
        user_id: impl Into<String>,
        api_key: impl Into<String>,
        callback_host: impl Into<String>,
    ) -> SandboxApiUser {
        SandboxApiUser {
            user_id: user_id.into(),
            api_key: api_key.into(),
            callback_host: callback_host.into(),
        }
    }

    /// A fresh user id and a 32-hex-digit key, as provisioning makes them.
    pub fn generate(callback_host: impl Into<String>) -> SandboxApiUser {
        SandboxApiUser::new(Uuid::new_v4().to_string(), api_key(), callback_host)
    }
}

impl fmt::Debug for SandboxApiUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys stay out of logs even in a sandbox: configurations get copied.
        f.debug_struct("SandboxApiUser")
            .field("user_id", &self.user_id)
            .field("callback_host", &self.callback_host)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct MomoSandboxConfig {
    /// `X-Target-Environment` the sandbox answers to (`sandbox`).
    pub target_environment: String,
    /// The only currency requests may use (`EUR`).
    pub currency: String,
    /// The collection product's subscription keys (primary, secondary: either works).
    pub collection_keys: Vec<String>,
    pub disbursement_keys: Vec<String>,
    /// API users that exist from the start (besides those created through provisioning).
    pub api_users: Vec<SandboxApiUser>,
    /// `expires_in` of tokens.
    pub token_ttl: Duration,
    /// A request-to-pay to an ordinary number stays PENDING until approved or rejected (the
    /// local stack's approval page) instead of succeeding at once. Transfers and test numbers
    /// are not affected.
    pub manual_approval: bool,
    /// A request-to-pay waiting for approval this long (sandbox clock) ends FAILED with
    /// `EXPIRED`, as MoMo's approval window of about 5 minutes; `None`: it waits.
    pub approval_window: Option<chrono::Duration>,
    /// 46733123453.
    pub ongoing: DeferredOutcome,
    /// 46733123454.
    pub delayed: DeferredOutcome,
    pub reason_form: ReasonForm,
    pub callback_mode: CallbackMode,
    pub callback_method: CallbackMethod,
    /// How long a callback waits for the receiver (2 s in MTN's newer callback page).
    pub callback_timeout: Duration,
    /// `availableBalance` of each product's account at the start. Successful requests-to-pay
    /// add to collection; successful transfers take from disbursement, and a transfer that
    /// would overdraw it fails with `NOT_ENOUGH_FUNDS`.
    pub collection_balance: Decimal,
    pub disbursement_balance: Decimal,
}

impl MomoSandboxConfig {
    /// The sandbox environment (`sandbox`, `EUR`) with one subscription key per product, no
    /// API users yet, tokens for an hour, outcomes as the live sandbox's last column.
    pub fn new(collection_key: impl Into<String>, disbursement_key: impl Into<String>) -> MomoSandboxConfig {
        MomoSandboxConfig {
            target_environment: SANDBOX_ENVIRONMENT.into(),
            currency: SANDBOX_CURRENCY.into(),
            collection_keys: vec![collection_key.into()],
            disbursement_keys: vec![disbursement_key.into()],
            api_users: Vec::new(),
            token_ttl: DEFAULT_TOKEN_TTL,
            manual_approval: false,
            approval_window: None,
            ongoing: DeferredOutcome::Fail,
            delayed: DeferredOutcome::Fail,
            reason_form: ReasonForm::String,
            callback_mode: CallbackMode::Deliver,
            callback_method: CallbackMethod::Post,
            callback_timeout: Duration::from_secs(2),
            collection_balance: Decimal::ZERO,
            disbursement_balance: Decimal::from(1_000_000),
        }
    }

    pub fn with_api_user(mut self, user: SandboxApiUser) -> MomoSandboxConfig {
        self.api_users.push(user);
        self
    }

    fn keys(&self, product: Product) -> &[String] {
        match product {
            Product::Collection => &self.collection_keys,
            Product::Disbursement => &self.disbursement_keys,
        }
    }

    fn deferred(&self, deferral: Deferral) -> DeferredOutcome {
        match deferral {
            Deferral::Ongoing => self.ongoing,
            Deferral::Delayed => self.delayed,
        }
    }
}

impl fmt::Debug for MomoSandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MomoSandboxConfig")
            .field("target_environment", &self.target_environment)
            .field("currency", &self.currency)
            .field("api_users", &self.api_users)
            .field("token_ttl", &self.token_ttl)
            .field("manual_approval", &self.manual_approval)
            .field("ongoing", &self.ongoing)
            .field("delayed", &self.delayed)
            .field("reason_form", &self.reason_form)
            .field("callback_mode", &self.callback_mode)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MomoSandboxError {
    #[error("the sandbox's HTTP client could not be built: {0}")]
    Http(String),
}

/// A request-to-pay or transfer as the sandbox holds it (and the control API lists it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxTransaction {
    /// Creation order, from 1.
    pub seq: u64,
    pub kind: Kind,
    pub reference: Uuid,
    /// The API user whose token created it.
    pub api_user: String,
    pub amount: Decimal,
    pub currency: String,
    pub external_id: Option<String>,
    pub party_id_type: String,
    /// The payer's (request-to-pay) or payee's (transfer) id.
    pub party_id: String,
    pub payer_message: Option<String>,
    pub payee_note: Option<String>,
    pub callback_url: Option<String>,
    pub status: Status,
    pub reason: Option<String>,
    pub financial_transaction_id: Option<String>,
    /// By the sandbox's clock.
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
    /// What a PENDING request becomes on its own, and when.
    #[serde(skip)]
    resolution: Option<(DateTime<Utc>, Final)>,
}

/// A final state to move a request to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Final {
    Success,
    Fail(String),
}

impl SandboxTransaction {
    /// The GET result (and callback body): RequestToPayResult or TransferResult.
    pub fn result_json(&self, form: ReasonForm) -> Value {
        let mut body = Map::new();
        // MoMo echoes amounts normalised (`"6.0"` comes back as `"6"`).
        body.insert("amount".into(), Value::String(self.amount.normalize().to_string()));
        body.insert("currency".into(), Value::String(self.currency.clone()));
        if let Some(id) = &self.financial_transaction_id {
            body.insert("financialTransactionId".into(), Value::String(id.clone()));
        }
        if let Some(id) = &self.external_id {
            body.insert("externalId".into(), Value::String(id.clone()));
        }
        body.insert(
            self.kind.party_field().into(),
            json!({"partyIdType": self.party_id_type, "partyId": self.party_id}),
        );
        if let Some(message) = &self.payer_message {
            body.insert("payerMessage".into(), Value::String(message.clone()));
        }
        if let Some(note) = &self.payee_note {
            body.insert("payeeNote".into(), Value::String(note.clone()));
        }
        body.insert("status".into(), Value::String(self.status.as_str().into()));
        if let Some(reason) = &self.reason {
            let value = match form {
                ReasonForm::String => Value::String(reason.clone()),
                ReasonForm::Object => json!({"code": reason, "message": numbers::reason_message(reason)}),
            };
            body.insert("reason".into(), value);
        }
        Value::Object(body)
    }
}

/// Why [`MomoSandbox::approve`], `reject` or `expire` did nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    #[error("no request {0}")]
    UnknownReference(Uuid),
    #[error("the request is already {0}")]
    AlreadyFinal(Status),
}

struct UserRecord {
    callback_host: String,
    /// `None` until `…/apikey` made one.
    api_key: Option<String>,
}

struct Grant {
    product: Product,
    user_id: String,
    expires_at: DateTime<Utc>,
}

struct Ledger {
    config: MomoSandboxConfig,
    users: HashMap<String, UserRecord>,
    tokens: HashMap<String, Grant>,
    transactions: HashMap<(Kind, Uuid), SandboxTransaction>,
    next_seq: u64,
    calls: HashMap<Endpoint, usize>,
    /// Injected faults, oldest first; `None` applies to any API endpoint.
    faults: VecDeque<(Option<Endpoint>, Fault)>,
    callbacks: Vec<CallbackDelivery>,
    balances: HashMap<Product, Decimal>,
}

type ClockFn = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

struct Inner {
    state: Mutex<Ledger>,
    clock: Mutex<ClockFn>,
    http: reqwest::Client,
    /// Woken whenever a callback is recorded, for [`MomoSandbox::wait_for_callbacks`].
    recorded: Notify,
}

/// The sandbox: cheap to clone, every clone shares the same state.
#[derive(Clone)]
pub struct MomoSandbox {
    inner: Arc<Inner>,
}

impl fmt::Debug for MomoSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MomoSandbox")
            .field("target_environment", &self.state().config.target_environment)
            .finish_non_exhaustive()
    }
}

/// What [`MomoSandbox::enter`] lets through: the normal answer, late, or lost.
enum Admission {
    Normal,
    Delay(Duration),
    LoseAnswer,
}

impl MomoSandbox {
    pub fn new(config: MomoSandboxConfig) -> Result<MomoSandbox, MomoSandboxError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| MomoSandboxError::Http(e.to_string()))?;
        let users = config
            .api_users
            .iter()
            .map(|u| {
                let record =
                    UserRecord { callback_host: u.callback_host.clone(), api_key: Some(u.api_key.clone()) };
                (u.user_id.clone(), record)
            })
            .collect();
        let balances = HashMap::from([
            (Product::Collection, config.collection_balance),
            (Product::Disbursement, config.disbursement_balance),
        ]);
        Ok(MomoSandbox {
            inner: Arc::new(Inner {
                state: Mutex::new(Ledger {
                    config,
                    users,
                    tokens: HashMap::new(),
                    transactions: HashMap::new(),
                    next_seq: 1,
                    calls: HashMap::new(),
                    faults: VecDeque::new(),
                    callbacks: Vec::new(),
                    balances,
                }),
                clock: Mutex::new(Arc::new(Utc::now)),
                http,
                recorded: Notify::new(),
            }),
        })
    }

    /// The API and the control routes. Nest it under a prefix (the local stack's
    /// `/sandbox/momo`) and give the client that URL as its base. The control routes answer
    /// this machine only: serve with `into_make_service_with_connect_info::<SocketAddr>()`.
    pub fn router(&self) -> Router {
        let control = Router::new()
            .route("/_sandbox/requests", get(approvals::list))
            .route("/_sandbox/requests/{reference}/{action}", post(approvals::control))
            .route_layer(axum::middleware::from_fn(crate::local_only::local_only));
        let mut router = Router::new()
            .route("/v1_0/apiuser", post(create_api_user))
            .route("/v1_0/apiuser/{id}", get(api_user))
            .route("/v1_0/apiuser/{id}/apikey", post(create_api_key))
            .route(
                "/collection/v1_0/requesttopay",
                post(|State(s): State<MomoSandbox>, h: HeaderMap, b: Bytes| {
                    create(s, Kind::RequestToPay, h, b)
                }),
            )
            .route(
                "/collection/v1_0/requesttopay/{reference}",
                get(|State(s): State<MomoSandbox>, Path(r): Path<String>, h: HeaderMap| {
                    status(s, Kind::RequestToPay, r, h)
                }),
            )
            .route(
                "/disbursement/v1_0/transfer",
                post(|State(s): State<MomoSandbox>, h: HeaderMap, b: Bytes| create(s, Kind::Transfer, h, b)),
            )
            .route(
                "/disbursement/v1_0/transfer/{reference}",
                get(|State(s): State<MomoSandbox>, Path(r): Path<String>, h: HeaderMap| {
                    status(s, Kind::Transfer, r, h)
                }),
            );
        for product in Product::ALL {
            let p = product.as_str();
            router = router
                .route(
                    &format!("/{p}/token/"),
                    post(move |State(s): State<MomoSandbox>, h: HeaderMap, b: Bytes| token(s, product, h, b)),
                )
                .route(
                    &format!("/{p}/v1_0/accountholder/{{id_type}}/{{id}}/active"),
                    get(
                        move |State(s): State<MomoSandbox>,
                              Path(path): Path<(String, String)>,
                              h: HeaderMap| { account_holder(s, product, path, h) },
                    ),
                )
                .route(
                    &format!("/{p}/v1_0/account/balance"),
                    get(move |State(s): State<MomoSandbox>, h: HeaderMap| balance(s, product, None, h)),
                )
                .route(
                    &format!("/{p}/v1_0/account/balance/{{currency}}"),
                    get(move |State(s): State<MomoSandbox>, Path(c): Path<String>, h: HeaderMap| {
                        balance(s, product, Some(c), h)
                    }),
                );
        }
        router.merge(control).with_state(self.clone())
    }

    /// The approval page, `GET /momo/approvals`, and its buttons' routes: merge it at the
    /// server's root (its links are relative, so nesting it works too). This machine only.
    pub fn approvals_router(&self) -> Router {
        approvals::router(self.clone())
    }

    fn state(&self) -> MutexGuard<'_, Ledger> {
        // A test that panicked while holding the lock must not take the other tests with it.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The time requests are dated, tokens expire and deferred outcomes resolve by; the local
    /// stack passes its movable clock.
    pub fn set_clock(&self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) {
        *self.inner.clock.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(clock);
    }

    fn now(&self) -> DateTime<Utc> {
        let clock = self.inner.clock.lock().unwrap_or_else(|e| e.into_inner()).clone();
        clock()
    }

    // ---- settings ---------------------------------------------------------------------------

    pub fn set_manual_approval(&self, on: bool) {
        self.state().config.manual_approval = on;
    }

    pub fn set_reason_form(&self, form: ReasonForm) {
        self.state().config.reason_form = form;
    }

    pub fn set_callback_mode(&self, mode: CallbackMode) {
        self.state().config.callback_mode = mode;
    }

    pub fn set_callback_method(&self, method: CallbackMethod) {
        self.state().config.callback_method = method;
    }

    /// What 46733123453 or 46733123454 does from now on.
    pub fn set_deferred(&self, deferral: Deferral, outcome: DeferredOutcome) {
        let mut state = self.state();
        match deferral {
            Deferral::Ongoing => state.config.ongoing = outcome,
            Deferral::Delayed => state.config.delayed = outcome,
        }
    }

    pub fn set_token_ttl(&self, ttl: Duration) {
        self.state().config.token_ttl = ttl;
    }

    // ---- API users, tokens, faults ----------------------------------------------------------

    /// Creates an API user with a key directly (what provisioning does in three calls).
    pub fn provision(&self, callback_host: impl Into<String>) -> SandboxApiUser {
        let user = SandboxApiUser::generate(callback_host);
        let record =
            UserRecord { callback_host: user.callback_host.clone(), api_key: Some(user.api_key.clone()) };
        self.state().users.insert(user.user_id.clone(), record);
        user
    }

    /// Gives a user a new key; the old one stops working for new tokens. `None` for an
    /// unknown user.
    pub fn rotate_api_key(&self, user_id: &str) -> Option<String> {
        let key = api_key();
        self.state().users.get_mut(user_id)?.api_key = Some(key.clone());
        Some(key)
    }

    /// Invalidates every token: the next product call gets a 401.
    pub fn revoke_tokens(&self) {
        self.state().tokens.clear();
    }

    /// The next `n` API calls, whatever the endpoint, get `fault`.
    pub fn inject(&self, n: usize, fault: Fault) {
        self.state().faults.extend(std::iter::repeat_n((None, fault), n));
    }

    /// The next `n` calls to `endpoint` get `fault` (other endpoints are not affected).
    pub fn inject_for(&self, endpoint: Endpoint, n: usize, fault: Fault) {
        self.state().faults.extend(std::iter::repeat_n((Some(endpoint), fault), n));
    }

    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// How many requests reached `endpoint`, refused and failed ones included.
    pub fn calls(&self, endpoint: Endpoint) -> usize {
        self.state().calls.get(&endpoint).copied().unwrap_or(0)
    }

    pub fn reset_calls(&self) {
        self.state().calls.clear();
    }

    pub fn balance(&self, product: Product) -> Decimal {
        self.state().balances.get(&product).copied().unwrap_or_default()
    }

    pub fn set_balance(&self, product: Product, amount: Decimal) {
        self.state().balances.insert(product, amount);
    }

    /// Counts the call and applies the first injected fault meant for it: `Err` is the
    /// answer, `Ok` says how the normal answer goes out.
    fn enter(&self, endpoint: Endpoint) -> Result<Admission, ApiError> {
        let mut state = self.state();
        *state.calls.entry(endpoint).or_default() += 1;
        let position = state.faults.iter().position(|(target, _)| target.is_none_or(|t| t == endpoint));
        let Some(fault) = position.and_then(|i| state.faults.remove(i)).map(|(_, fault)| fault) else {
            return Ok(Admission::Normal);
        };
        let error = match fault {
            Fault::Delay(delay) => return Ok(Admission::Delay(delay)),
            Fault::LostAnswer => return Ok(Admission::LoseAnswer),
            Fault::Unavailable => ApiError::reason(StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
            Fault::InternalProcessingError => {
                ApiError::reason(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_PROCESSING_ERROR")
            }
            Fault::ServerErrorNoBody => ApiError::Empty(StatusCode::INTERNAL_SERVER_ERROR),
            Fault::RateLimited => ApiError::Gateway(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit is exceeded. Try again in 1 seconds.",
            ),
            Fault::Unauthorized => ApiError::Gateway(StatusCode::UNAUTHORIZED, INVALID_TOKEN),
        };
        Err(error)
    }

    // ---- requests ---------------------------------------------------------------------------

    /// Every request-to-pay and transfer, oldest first.
    pub fn transactions(&self) -> Vec<SandboxTransaction> {
        self.resolve_due();
        let mut all: Vec<SandboxTransaction> = self.state().transactions.values().cloned().collect();
        all.sort_by_key(|t| t.seq);
        all
    }

    pub fn transaction(&self, kind: Kind, reference: Uuid) -> Option<SandboxTransaction> {
        self.resolve_due();
        self.state().transactions.get(&(kind, reference)).cloned()
    }

    /// Requests-to-pay waiting for the payer, oldest first: what the approval page lists.
    pub fn pending_requests_to_pay(&self) -> Vec<SandboxTransaction> {
        self.transactions()
            .into_iter()
            .filter(|t| t.kind == Kind::RequestToPay && t.status == Status::Pending)
            .collect()
    }

    /// The payer approves: SUCCESSFUL (a transfer the float cannot cover fails instead).
    pub fn approve(&self, reference: Uuid) -> Result<SandboxTransaction, SettleError> {
        self.settle_pending(reference, Final::Success)
    }

    /// The payer declines: FAILED with `APPROVAL_REJECTED`.
    pub fn reject(&self, reference: Uuid) -> Result<SandboxTransaction, SettleError> {
        self.settle_pending(reference, Final::Fail("APPROVAL_REJECTED".into()))
    }

    /// The approval window closes: FAILED with `EXPIRED`.
    pub fn expire(&self, reference: Uuid) -> Result<SandboxTransaction, SettleError> {
        self.settle_pending(reference, Final::Fail("EXPIRED".into()))
    }

    fn settle_pending(&self, reference: Uuid, to: Final) -> Result<SandboxTransaction, SettleError> {
        self.resolve_due();
        let now = self.now();
        let settled = {
            let mut state = self.state();
            // A pending one first, should a request-to-pay and a transfer share the id.
            let key = [Kind::RequestToPay, Kind::Transfer]
                .into_iter()
                .map(|kind| (kind, reference))
                .filter(|key| state.transactions.contains_key(key))
                .min_by_key(|key| state.transactions[key].status.is_final())
                .ok_or(SettleError::UnknownReference(reference))?;
            let status = state.transactions[&key].status;
            if status.is_final() {
                return Err(SettleError::AlreadyFinal(status));
            }
            settle(&mut state, key, to, now)
        };
        self.dispatch_callback(&settled);
        Ok(settled)
    }

    /// Moves PENDING requests whose time has come (deferred outcomes, the approval window) to
    /// their final state and sends their callbacks. Run whenever requests are read, so that
    /// they follow the clock without a timer.
    fn resolve_due(&self) {
        let now = self.now();
        let settled: Vec<SandboxTransaction> = {
            let mut state = self.state();
            let due: Vec<((Kind, Uuid), Final)> = state
                .transactions
                .iter()
                .filter(|(_, t)| t.status == Status::Pending)
                .filter_map(|(key, t)| match &t.resolution {
                    Some((at, to)) if *at <= now => Some((*key, to.clone())),
                    _ => None,
                })
                .collect();
            due.into_iter().map(|(key, to)| settle(&mut state, key, to, now)).collect()
        };
        for transaction in &settled {
            self.dispatch_callback(transaction);
        }
    }

    /// Registers a validated request and sends its callback if it is final already.
    fn register(&self, new: NewRequest) -> Result<(), ApiError> {
        let now = self.now();
        let transaction = {
            let mut state = self.state();
            let key = (new.kind, new.reference);
            if state.transactions.contains_key(&key) {
                return Err(ApiError::reason(StatusCode::CONFLICT, "RESOURCE_ALREADY_EXIST"));
            }
            let config = &state.config;
            let outcome = match new.party_id_type.as_str() {
                // A number that is not in international form is not a MoMo account: accepted,
                // then FAILED (§9).
                "MSISDN" if !valid_msisdn(&new.party_id) => Outcome::Fail(match new.kind {
                    Kind::RequestToPay => "PAYER_NOT_FOUND",
                    Kind::Transfer => "PAYEE_NOT_FOUND",
                }),
                "MSISDN" => numbers::outcome(new.kind, &new.party_id),
                _ => Outcome::Success,
            };
            // What happens now: a final state, or PENDING with what it may become on its own.
            let (to, resolution) = match outcome {
                Outcome::Success if new.kind == Kind::RequestToPay && config.manual_approval => {
                    (None, config.approval_window.map(|w| (now + w, Final::Fail("EXPIRED".into()))))
                }
                Outcome::Success => (Some(Final::Success), None),
                Outcome::Fail(reason) => (Some(Final::Fail(reason.into())), None),
                Outcome::Deferred(deferral, reason) => match config.deferred(deferral) {
                    DeferredOutcome::Fail => (Some(Final::Fail(reason.into())), None),
                    DeferredOutcome::StayPending => (None, None),
                    DeferredOutcome::SucceedAfter(after) => (None, Some((now + after, Final::Success))),
                },
            };
            let seq = state.next_seq;
            state.next_seq += 1;
            state.transactions.insert(
                key,
                SandboxTransaction {
                    seq,
                    kind: new.kind,
                    reference: new.reference,
                    api_user: new.api_user,
                    amount: new.amount,
                    currency: new.currency,
                    external_id: new.external_id,
                    party_id_type: new.party_id_type,
                    party_id: new.party_id,
                    payer_message: new.payer_message,
                    payee_note: new.payee_note,
                    callback_url: new.callback_url,
                    status: Status::Pending,
                    reason: None,
                    financial_transaction_id: None,
                    created_at: now,
                    settled_at: None,
                    resolution,
                },
            );
            match to {
                Some(to) => settle(&mut state, key, to, now),
                None => return Ok(()),
            }
        };
        self.dispatch_callback(&transaction);
        Ok(())
    }

    // ---- callbacks --------------------------------------------------------------------------

    /// Every callback sent, tried or dropped, oldest first.
    pub fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.state().callbacks.clone()
    }

    /// Waits until at least `count` callbacks are recorded (dropped ones count) and returns
    /// them all; what there is after `timeout`.
    pub async fn wait_for_callbacks(&self, count: usize, timeout: Duration) -> Vec<CallbackDelivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so a callback recorded in between is not missed.
            let notified = self.inner.recorded.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let callbacks = self.callbacks();
            if callbacks.len() >= count {
                return callbacks;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.callbacks();
            }
        }
    }

    /// Sends a request's callback again, as it stands now, and waits for the receiver (to test
    /// late and replayed callbacks). `None` when the request is unknown or has no callback URL.
    pub async fn resend_callback(&self, kind: Kind, reference: Uuid) -> Option<CallbackDelivery> {
        let transaction = self.transaction(kind, reference)?;
        let url = transaction.callback_url.clone()?;
        let (form, method, timeout) = {
            let state = self.state();
            (state.config.reason_form, state.config.callback_method, state.config.callback_timeout)
        };
        let body = transaction.result_json(form).to_string();
        let (http_status, error) = callback::send(&self.inner.http, method, &url, &body, timeout).await;
        let delivery =
            CallbackDelivery { kind, reference, url, method, body, http_status, error, dropped: false };
        self.record_callback(delivery.clone());
        Some(delivery)
    }

    fn record_callback(&self, delivery: CallbackDelivery) {
        self.state().callbacks.push(delivery);
        self.inner.recorded.notify_waiters();
    }

    /// Sends a final request's callback from a background task, as the callback mode says.
    fn dispatch_callback(&self, transaction: &SandboxTransaction) {
        let Some(url) = transaction.callback_url.clone() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (form, mode, method, timeout) = {
            let state = self.state();
            let c = &state.config;
            (c.reason_form, c.callback_mode, c.callback_method, c.callback_timeout)
        };
        let body = transaction.result_json(form).to_string();
        let (kind, reference) = (transaction.kind, transaction.reference);
        let sandbox = self.clone();
        runtime.spawn(async move {
            let delivery = |http_status, error, dropped| CallbackDelivery {
                kind,
                reference,
                url: url.clone(),
                method,
                body: body.clone(),
                http_status,
                error,
                dropped,
            };
            let sends = match mode {
                CallbackMode::Drop => {
                    sandbox.record_callback(delivery(None, None, true));
                    0
                }
                CallbackMode::Deliver => 1,
                CallbackMode::Duplicate => 2,
            };
            for _ in 0..sends {
                let (status, error) = callback::send(&sandbox.inner.http, method, &url, &body, timeout).await;
                sandbox.record_callback(delivery(status, error, false));
            }
        });
    }
}

/// Moves a request to its final state (under the caller's lock) and returns it as it is now.
fn settle(state: &mut Ledger, key: (Kind, Uuid), to: Final, now: DateTime<Utc>) -> SandboxTransaction {
    let product = key.0.product();
    let amount = state.transactions[&key].amount;
    let to = match to {
        // Our own float pays transfers: it cannot go below zero.
        Final::Success if key.0 == Kind::Transfer && state.balances[&product] < amount => {
            Final::Fail("NOT_ENOUGH_FUNDS".into())
        }
        other => other,
    };
    if to == Final::Success {
        let balance = state.balances.entry(product).or_default();
        match key.0 {
            Kind::RequestToPay => *balance += amount,
            Kind::Transfer => *balance -= amount,
        }
    }
    let transaction = state.transactions.get_mut(&key).expect("settled requests exist");
    transaction.resolution = None;
    transaction.settled_at = Some(now);
    match to {
        Final::Success => {
            transaction.status = Status::Successful;
            transaction.financial_transaction_id = Some(random_digits(10));
        }
        Final::Fail(reason) => {
            transaction.status = Status::Failed;
            transaction.reason = Some(reason);
        }
    }
    transaction.clone()
}
/// A request-to-pay or transfer, validated.
struct NewRequest {
    kind: Kind,
    reference: Uuid,
    api_user: String,
    amount: Decimal,
    currency: String,
    external_id: Option<String>,
    party_id_type: String,
    party_id: String,
    payer_message: Option<String>,
    payee_note: Option<String>,
    callback_url: Option<String>,
}

// ---- small helpers --------------------------------------------------------------------------

/// 32 hex digits, as provisioning's `apiKey`.
fn api_key() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_digits(len: usize) -> String {
    let mut rng = rand::rng();
    let first = char::from(b'1' + rng.random_range(0..9u8));
    std::iter::once(first).chain((1..len).map(|_| char::from(b'0' + rng.random_range(0..10u8)))).collect()
}

#[cfg(test)]
mod tests;
