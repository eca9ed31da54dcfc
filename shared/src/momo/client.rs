//! [`MomoClient`]: MTN MoMo's Open API over HTTPS (reqwest with rustls), collection and
//! disbursement (`reference/mtn-momo.md`).
//!
//! One token per product, cached until [`MomoConfig::token_margin`] before it expires and
//! fetched by one caller while the others wait. A 401 on a product call renews the token once
//! and retries once; a second 401 is [`MomoError::Unauthorized`]. Creating calls
//! (request-to-pay, transfer) are idempotent on the request's reference id, so a caller may
//! resend one after [`MomoError::Uncertain`] or [`MomoError::Unavailable`] with the same id; a
//! 409 then means MoMo has it already.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode, Url};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{MobileMoney, MomoError, MomoRequest, MomoStatus, MomoTransaction};
use crate::config::{ConfigError, Secret};
use crate::ports::Clock;

pub const DEFAULT_BASE_URL: &str = "https://sandbox.momodeveloper.mtn.com";
pub const DEFAULT_TARGET_ENVIRONMENT: &str = "sandbox";
/// MTN documents no timeouts; these are the contract sheet's advice (§10).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// MTN's guidance: renew a token about 10 minutes before it expires (capped at half the
/// token's lifetime for short-lived tokens).
pub const DEFAULT_TOKEN_MARGIN: Duration = Duration::from_secs(600);
/// `payerMessage` and `payeeNote` hold at most this many characters.
pub const MAX_MESSAGE_CHARS: usize = 160;

/// How long an error detail from MoMo may be in a log line.
const MAX_DETAIL_CHARS: usize = 200;

/// The settings, each spelled here once.
pub mod names {
    /// Default [`super::DEFAULT_BASE_URL`]; production is `https://proxy.momoapi.mtn.com`.
    pub const MOMO_BASE_URL: &str = "MOMO_BASE_URL";
    /// Default `sandbox`; Ghana is `mtnghana`.
    pub const MOMO_TARGET_ENVIRONMENT: &str = "MOMO_TARGET_ENVIRONMENT";
    /// The API users' `providerCallbackHost` (optional): callback URLs on another host are
    /// refused before they are sent.
    pub const MOMO_CALLBACK_HOST: &str = "MOMO_CALLBACK_HOST";
    pub const MOMO_COLLECTION_SUBSCRIPTION_KEY: &str = "MOMO_COLLECTION_SUBSCRIPTION_KEY";
    pub const MOMO_COLLECTION_API_USER: &str = "MOMO_COLLECTION_API_USER";
    pub const MOMO_COLLECTION_API_KEY: &str = "MOMO_COLLECTION_API_KEY";
    pub const MOMO_DISBURSEMENT_SUBSCRIPTION_KEY: &str = "MOMO_DISBURSEMENT_SUBSCRIPTION_KEY";
    pub const MOMO_DISBURSEMENT_API_USER: &str = "MOMO_DISBURSEMENT_API_USER";
    pub const MOMO_DISBURSEMENT_API_KEY: &str = "MOMO_DISBURSEMENT_API_KEY";
}

/// The settings that are secrets (for the Secrets Manager secret's keys).
pub const SECRET_KEYS: [&str; 4] = [
    names::MOMO_COLLECTION_SUBSCRIPTION_KEY,
    names::MOMO_COLLECTION_API_KEY,
    names::MOMO_DISBURSEMENT_SUBSCRIPTION_KEY,
    names::MOMO_DISBURSEMENT_API_KEY,
];

/// MoMo's products: each has its own subscription key, API user and tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MomoProduct {
    Collection,
    Disbursement,
}

impl MomoProduct {
    /// The path segment: `collection`, `disbursement`.
    pub fn as_str(self) -> &'static str {
        match self {
            MomoProduct::Collection => "collection",
            MomoProduct::Disbursement => "disbursement",
        }
    }

    fn index(self) -> usize {
        match self {
            MomoProduct::Collection => 0,
            MomoProduct::Disbursement => 1,
        }
    }
}

/// One product's credentials. `Debug` shows the API user only.
#[derive(Debug, Clone, Default)]
pub struct MomoProductCredentials {
    pub subscription_key: Secret,
    /// The API user id (a UUID), not a secret.
    pub api_user: String,
    pub api_key: Secret,
}

#[derive(Debug, Clone)]
pub struct MomoConfig {
    /// `MOMO_BASE_URL`; a path prefix is kept (the local stack's sandbox is under one).
    pub base_url: String,
    /// `MOMO_TARGET_ENVIRONMENT`, sent as `X-Target-Environment`.
    pub target_environment: String,
    /// `MOMO_CALLBACK_HOST`.
    pub callback_host: Option<String>,
    pub collection: MomoProductCredentials,
    pub disbursement: MomoProductCredentials,
    pub connect_timeout: Duration,
    /// For a whole exchange, answer included.
    pub timeout: Duration,
    pub token_margin: Duration,
}

impl MomoConfig {
    /// The sandbox's URL and environment, the default timeouts, no credentials.
    pub fn new(base_url: impl Into<String>) -> MomoConfig {
        MomoConfig {
            base_url: base_url.into(),
            target_environment: DEFAULT_TARGET_ENVIRONMENT.into(),
            callback_host: None,
            collection: MomoProductCredentials::default(),
            disbursement: MomoProductCredentials::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            token_margin: DEFAULT_TOKEN_MARGIN,
        }
    }

    /// Reads the `MOMO_*` settings from any lookup (the environment, the secret, a test map).
    /// Unset credentials stay empty ([`Self::require`] says which is missing); a base URL that
    /// is not http(s) is an error.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<MomoConfig, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let secret = |name: &str| Secret::new(get(name).unwrap_or_default());
        let base_url = get(names::MOMO_BASE_URL).unwrap_or_else(|| DEFAULT_BASE_URL.into());
        let base_url = base_url.trim_end_matches('/').to_owned();
        if !parse_base(&base_url) {
            return Err(ConfigError::Invalid {
                name: names::MOMO_BASE_URL,
                reason: "expected an http(s) URL".into(),
            });
        }
        Ok(MomoConfig {
            base_url,
            target_environment: get(names::MOMO_TARGET_ENVIRONMENT)
                .unwrap_or_else(|| DEFAULT_TARGET_ENVIRONMENT.into()),
            callback_host: get(names::MOMO_CALLBACK_HOST),
            collection: MomoProductCredentials {
                subscription_key: secret(names::MOMO_COLLECTION_SUBSCRIPTION_KEY),
                api_user: get(names::MOMO_COLLECTION_API_USER).unwrap_or_default(),
                api_key: secret(names::MOMO_COLLECTION_API_KEY),
            },
            disbursement: MomoProductCredentials {
                subscription_key: secret(names::MOMO_DISBURSEMENT_SUBSCRIPTION_KEY),
                api_user: get(names::MOMO_DISBURSEMENT_API_USER).unwrap_or_default(),
                api_key: secret(names::MOMO_DISBURSEMENT_API_KEY),
            },
            ..MomoConfig::new(DEFAULT_BASE_URL)
        })
    }

    /// Every credential present: a clear error at cold start instead of a 401 on the first
    /// top-up.
    pub fn require(&self) -> Result<(), ConfigError> {
        let settings = [
            (names::MOMO_COLLECTION_SUBSCRIPTION_KEY, self.collection.subscription_key.is_empty()),
            (names::MOMO_COLLECTION_API_USER, self.collection.api_user.is_empty()),
            (names::MOMO_COLLECTION_API_KEY, self.collection.api_key.is_empty()),
            (names::MOMO_DISBURSEMENT_SUBSCRIPTION_KEY, self.disbursement.subscription_key.is_empty()),
            (names::MOMO_DISBURSEMENT_API_USER, self.disbursement.api_user.is_empty()),
            (names::MOMO_DISBURSEMENT_API_KEY, self.disbursement.api_key.is_empty()),
        ];
        match settings.into_iter().find(|(_, missing)| *missing) {
            Some((name, _)) => Err(ConfigError::Missing(name)),
            None => Ok(()),
        }
    }
}

fn parse_base(text: &str) -> bool {
    Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base())
}

pub use crate::http::ClientBuildError;

/// A product account's balance (`GET /{product}/v1_0/account/balance`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomoBalance {
    pub available: Decimal,
    pub currency: String,
}

struct Token {
    access: Secret,
    /// When it is renewed (the margin before MoMo's expiry).
    renew_at: DateTime<Utc>,
}

/// The MoMo client. One per process: it holds the token cache.
pub struct MomoClient {
    http: reqwest::Client,
    base: Url,
    target_environment: String,
    callback_host: Option<String>,
    credentials: [MomoProductCredentials; 2],
    token_margin: Duration,
    clock: Arc<dyn Clock>,
    /// Per product; the async lock makes concurrent calls wait for one token request instead
    /// of each asking for its own.
    tokens: [tokio::sync::Mutex<Option<Token>>; 2],
}

impl std::fmt::Debug for MomoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MomoClient")
            .field("base", &self.base.as_str())
            .field("target_environment", &self.target_environment)
            .finish_non_exhaustive()
    }
}

/// `{"access_token","token_type","expires_in"}`.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    /// Seconds; an integer per the spec (a numeric string is taken too).
    expires_in: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Party<'a> {
    party_id_type: &'static str,
    party_id: &'a str,
}

/// The body of `POST requesttopay` (with `payer`) and `POST transfer` (with `payee`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody<'a> {
    amount: String,
    currency: &'a str,
    external_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payer: Option<Party<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payee: Option<Party<'a>>,
    payer_message: String,
    payee_note: String,
}

#[derive(Deserialize)]
struct PartyAnswer {
    #[serde(rename = "partyId")]
    party_id: Option<Value>,
}

/// RequestToPayResult / TransferResult.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransactionAnswer {
    amount: Value,
    currency: String,
    #[serde(default)]
    financial_transaction_id: Option<Value>,
    #[serde(default)]
    external_id: Option<Value>,
    #[serde(default)]
    payer: Option<PartyAnswer>,
    #[serde(default)]
    payee: Option<PartyAnswer>,
    status: String,
    #[serde(default)]
    reason: Option<Value>,
}

#[derive(Deserialize)]
struct ActiveAnswer {
    result: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BalanceAnswer {
    available_balance: Value,
    currency: String,
}

/// The 500 codes that are refusals (permission, configuration, business): nothing was
/// created and resending will not help (§7).
pub const REFUSAL_CODES: [&str; 9] = [
    "NOT_ALLOWED",
    "NOT_ALLOWED_TARGET_ENVIRONMENT",
    "INVALID_CALLBACK_URL_HOST",
    "INVALID_CURRENCY",
    "PAYER_NOT_FOUND",
    "PAYEE_NOT_ALLOWED_TO_RECEIVE",
    "NOT_ENOUGH_FUNDS",
    "PAYER_LIMIT_REACHED",
    "PAYEE_NOT_FOUND",
];

/// Whether a call may have created something at MoMo: its failures after sending are
/// [`MomoError::Uncertain`] rather than [`MomoError::Unavailable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Creates,
    Reads,
}

impl MomoClient {
    pub fn new(config: MomoConfig) -> Result<MomoClient, ClientBuildError> {
        let (base, http) = crate::http::api_client(
            "MOMO_BASE_URL",
            &config.base_url,
            config.connect_timeout,
            config.timeout,
        )?;
        Ok(MomoClient {
            http,
            base,
            target_environment: config.target_environment,
            callback_host: config.callback_host.filter(|h| !h.trim().is_empty()),
            credentials: [config.collection, config.disbursement],
            token_margin: config.token_margin,
            clock: Arc::new(crate::clock::SystemClock),
            tokens: Default::default(),
        })
    }

    /// Judges token lifetimes by `clock` (tests and the local stack move it).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> MomoClient {
        self.clock = clock;
        self
    }

    /// Whether the holder of `msisdn` has an active MoMo account. `false` for an inactive or
    /// unknown holder, whether MoMo says so with `{"result":false}` or with a 404.
    pub async fn account_holder_active(&self, product: MomoProduct, msisdn: &str) -> Result<bool, MomoError> {
        check_msisdn(msisdn)?;
        let url = self.url(&[product.as_str(), "v1_0", "accountholder", "msisdn", msisdn, "active"]);
        let (status, bytes) =
            self.product_call(product, Method::GET, url, &[], None, "accountholder", Effect::Reads).await?;
        match status {
            StatusCode::NOT_FOUND => Ok(false),
            s if s.is_success() => Ok(parse::<ActiveAnswer>(&bytes, "accountholder")?.result),
            s => Err(failure(s, &bytes, "accountholder", Effect::Reads)),
        }
    }

    /// The product account's available balance.
    pub async fn balance(&self, product: MomoProduct) -> Result<MomoBalance, MomoError> {
        let url = self.url(&[product.as_str(), "v1_0", "account", "balance"]);
        let (status, bytes) =
            self.product_call(product, Method::GET, url, &[], None, "balance", Effect::Reads).await?;
        if !status.is_success() {
            return Err(failure(status, &bytes, "balance", Effect::Reads));
        }
        let answer: BalanceAnswer = parse(&bytes, "balance")?;
        let available = decimal_from_json(&answer.available_balance)
            .ok_or_else(|| MomoError::Malformed("balance: availableBalance is not a decimal".into()))?;
        Ok(MomoBalance { available, currency: answer.currency })
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        // `new` refused URLs that cannot be a base, so the segments are always there.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    fn credentials(&self, product: MomoProduct) -> &MomoProductCredentials {
        &self.credentials[product.index()]
    }

    /// A usable token for `product`. `refused` is a token MoMo just answered 401 to: it is
    /// renewed unless another call already did.
    async fn access_token(
        &self,
        product: MomoProduct,
        refused: Option<&Secret>,
    ) -> Result<Secret, MomoError> {
        let mut slot = self.tokens[product.index()].lock().await;
        if let Some(current) = slot.as_ref() {
            let was_refused = refused.is_some_and(|r| r == &current.access);
            if !was_refused && self.clock.now() < current.renew_at {
                return Ok(current.access.clone());
            }
        }
        *slot = None;
        let token = self.fetch_token(product).await?;
        let access = token.access.clone();
        *slot = Some(token);
        Ok(access)
    }

    /// `POST /{product}/token/` with Basic credentials and no body.
    async fn fetch_token(&self, product: MomoProduct) -> Result<Token, MomoError> {
        let credentials = self.credentials(product);
        let url = self.url(&[product.as_str(), "token", ""]);
        let request = self
            .http
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header("Ocp-Apim-Subscription-Key", credentials.subscription_key.expose())
            .basic_auth(&credentials.api_user, Some(credentials.api_key.expose()));
        let (status, bytes) = self.exchange(request, "token", Effect::Reads).await?;
        if status == StatusCode::UNAUTHORIZED {
            tracing::warn!(product = product.as_str(), "MoMo refused the API user's credentials");
            return Err(MomoError::Unauthorized);
        }
        if !status.is_success() {
            return Err(failure(status, &bytes, "token", Effect::Reads));
        }
        let answer: TokenAnswer = parse(&bytes, "token")?;
        let seconds = match &answer.expires_in {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| MomoError::Malformed("token: expires_in is not a number of seconds".into()))?;
        if answer.access_token.trim().is_empty() {
            return Err(MomoError::Malformed("token: empty access_token".into()));
        }
        let lifetime = Duration::from_secs(seconds);
        let usable = lifetime.saturating_sub(self.token_margin.min(lifetime / 2));
        let renew_at = self.clock.now()
            + chrono::Duration::from_std(usable).unwrap_or_else(|_| chrono::Duration::seconds(0));
        tracing::info!(product = product.as_str(), expires_in = seconds, "MoMo token issued");
        Ok(Token { access: Secret::new(answer.access_token), renew_at })
    }

    async fn forget(&self, product: MomoProduct) {
        *self.tokens[product.index()].lock().await = None;
    }

    /// A product call with its token, target environment and subscription key; a 401 renews
    /// the token once and retries once. Answers the status and body of the last attempt.
    #[allow(clippy::too_many_arguments)]
    async fn product_call(
        &self,
        product: MomoProduct,
        method: Method,
        url: Url,
        headers: &[(&'static str, String)],
        body: Option<&[u8]>,
        endpoint: &'static str,
        effect: Effect,
    ) -> Result<(StatusCode, Vec<u8>), MomoError> {
        let build = |token: &Secret| {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .bearer_auth(token.expose())
                .header("X-Target-Environment", &self.target_environment)
                .header("Ocp-Apim-Subscription-Key", self.credentials(product).subscription_key.expose());
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            if let Some(body) = body {
                request =
                    request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_vec());
            }
            request
        };
        let token = self.access_token(product, None).await?;
        let (status, bytes) = self.exchange(build(&token), endpoint, effect).await?;
        if status != StatusCode::UNAUTHORIZED {
            return Ok((status, bytes));
        }
        tracing::info!(
            product = product.as_str(),
            endpoint,
            "MoMo refused the access token; renewing it once"
        );
        let token = self.access_token(product, Some(&token)).await?;
        let (status, bytes) = self.exchange(build(&token), endpoint, effect).await?;
        if status == StatusCode::UNAUTHORIZED {
            self.forget(product).await;
            tracing::warn!(product = product.as_str(), endpoint, "MoMo refused a fresh access token");
            return Err(MomoError::Unauthorized);
        }
        Ok((status, bytes))
    }

    /// One HTTP exchange. A failure to connect is [`MomoError::Unavailable`] (nothing was
    /// sent); any other transport failure (a timeout, a cut answer) is
    /// [`MomoError::Uncertain`] for a creating call and `Unavailable` for a read.
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: &'static str,
        effect: Effect,
    ) -> Result<(StatusCode, Vec<u8>), MomoError> {
        let transport = |e: reqwest::Error| {
            let connect = e.is_connect();
            let kind = if connect {
                "could not connect"
            } else if e.is_timeout() {
                "timed out"
            } else {
                "transport error"
            };
            tracing::warn!(endpoint, kind, "MoMo call failed");
            let detail = format!("{endpoint}: {kind}: {}", e.without_url());
            if connect || effect == Effect::Reads {
                MomoError::Unavailable(detail)
            } else {
                MomoError::Uncertain(detail)
            }
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        Ok((status, bytes.to_vec()))
    }

    /// `POST requesttopay` or `POST transfer`.
    async fn create(&self, kind: Kind, request: &MomoRequest) -> Result<(), MomoError> {
        let (product, resource, endpoint) = kind.parts();
        check_msisdn(&request.msisdn)?;
        if let (Some(host), Some(url)) = (&self.callback_host, &request.callback_url)
            && !callback_host_matches(url, host)
        {
            tracing::warn!(endpoint, reference = %request.reference, "callback URL not on MOMO_CALLBACK_HOST; not sent");
            return Err(MomoError::Refused { status: 400, code: "INVALID_CALLBACK_URL_HOST".into() });
        }
        let party = Party { party_id_type: "MSISDN", party_id: &request.msisdn };
        let (payer, payee) = match kind {
            Kind::RequestToPay => (Some(party), None),
            Kind::Transfer => (None, Some(party)),
        };
        let body = CreateBody {
            amount: request.amount.to_string(),
            currency: &request.currency,
            external_id: &request.external_id,
            payer,
            payee,
            payer_message: clean_message(&request.payer_message),
            payee_note: clean_message(&request.payee_note),
        };
        let body = serde_json::to_vec(&body).map_err(|e| MomoError::Malformed(e.to_string()))?;
        let mut headers = vec![("X-Reference-Id", request.reference.hyphenated().to_string())];
        if let Some(url) = &request.callback_url {
            headers.push(("X-Callback-Url", url.clone()));
        }
        let url = self.url(&[product.as_str(), "v1_0", resource]);
        let (status, bytes) = self
            .product_call(product, Method::POST, url, &headers, Some(&body), endpoint, Effect::Creates)
            .await?;
        let reference = request.reference;
        if status.is_success() {
            tracing::info!(endpoint, %reference, status = status.as_u16(), "MoMo accepted the request");
            return Ok(());
        }
        if status == StatusCode::CONFLICT || error_code(&bytes).as_deref() == Some("RESOURCE_ALREADY_EXIST") {
            // The reference is ours and was sent before: MoMo has the original.
            tracing::info!(endpoint, %reference, "MoMo already has this reference");
            return Ok(());
        }
        let error = failure(status, &bytes, endpoint, Effect::Creates);
        tracing::warn!(endpoint, %reference, error = %error, "MoMo did not take the request");
        Err(error)
    }

    /// `GET requesttopay/{ref}` or `GET transfer/{ref}`.
    async fn status(&self, kind: Kind, reference: Uuid) -> Result<Option<MomoTransaction>, MomoError> {
        let (product, resource, endpoint) = kind.parts();
        let url = self.url(&[product.as_str(), "v1_0", resource, &reference.hyphenated().to_string()]);
        let (status, bytes) =
            self.product_call(product, Method::GET, url, &[], None, endpoint, Effect::Reads).await?;
        match status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => parse_transaction(&bytes).map(Some),
            s => Err(failure(s, &bytes, endpoint, Effect::Reads)),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    RequestToPay,
    Transfer,
}

impl Kind {
    /// The product, the resource's path segment and the endpoint's name in logs.
    fn parts(self) -> (MomoProduct, &'static str, &'static str) {
        match self {
            Kind::RequestToPay => (MomoProduct::Collection, "requesttopay", "requesttopay"),
            Kind::Transfer => (MomoProduct::Disbursement, "transfer", "transfer"),
        }
    }
}

#[async_trait]
impl MobileMoney for MomoClient {
    async fn request_to_pay(&self, request: &MomoRequest) -> Result<(), MomoError> {
        self.create(Kind::RequestToPay, request).await
    }

    async fn request_to_pay_status(&self, reference: Uuid) -> Result<Option<MomoTransaction>, MomoError> {
        self.status(Kind::RequestToPay, reference).await
    }

    async fn transfer(&self, request: &MomoRequest) -> Result<(), MomoError> {
        self.create(Kind::Transfer, request).await
    }

    async fn transfer_status(&self, reference: Uuid) -> Result<Option<MomoTransaction>, MomoError> {
        self.status(Kind::Transfer, reference).await
    }
}

/// Maps a failed answer (not 2xx, not a 401 after the retry, not a 404 or 409 the caller
/// handles) to an error; see [`MomoError`] for what each means to the caller.
fn failure(status: StatusCode, bytes: &[u8], endpoint: &'static str, effect: Effect) -> MomoError {
    let code = error_code(bytes);
    let detail = error_detail(status, bytes);
    let http = status.as_u16();
    tracing::warn!(endpoint, status = http, detail = %detail, "MoMo answered with an error");
    let reason = || status.canonical_reason().unwrap_or("ERROR").to_ascii_uppercase().replace(' ', "_");
    let ambiguous = |detail: String| match effect {
        Effect::Creates => MomoError::Uncertain(detail),
        Effect::Reads => MomoError::Unavailable(detail),
    };
    match http {
        401 => MomoError::Unauthorized,
        429 | 503 => MomoError::Unavailable(format!("{endpoint}: HTTP {http}: {detail}")),
        400..=499 => MomoError::Refused { status: http, code: code.unwrap_or_else(reason) },
        500 => match code {
            Some(code) if REFUSAL_CODES.contains(&code.as_str()) => MomoError::Refused { status: http, code },
            // INTERNAL_PROCESSING_ERROR, no body, or a code we do not know: it may exist.
            _ => ambiguous(format!("{endpoint}: HTTP 500: {detail}")),
        },
        // A gateway's 502 or 504 may come after MoMo got the request.
        501..=599 => ambiguous(format!("{endpoint}: HTTP {http}: {detail}")),
        _ => MomoError::Malformed(format!("{endpoint}: unexpected HTTP {http}")),
    }
}

/// The code of an error body: ErrorReason's `code`, the token endpoint's `error`.
fn error_code(bytes: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    ["code", "error"]
        .iter()
        .find_map(|field| value.get(*field).and_then(Value::as_str))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

/// `code: message` of an error body, else its start, with long digit runs masked (MoMo may
/// echo an MSISDN back).
fn error_detail(status: StatusCode, bytes: &[u8]) -> String {
    let from_json = serde_json::from_slice::<Value>(bytes).ok().and_then(|v| {
        let code = ["code", "error", "statusCode"].iter().find_map(|f| v.get(*f)).map(|c| match c {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let message = v.get("message").and_then(Value::as_str);
        match (code, message) {
            (Some(c), Some(m)) => Some(format!("{c}: {m}")),
            (Some(one), None) => Some(one),
            (None, Some(one)) => Some(one.to_owned()),
            (None, None) => None,
        }
    });
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(bytes).trim().to_owned());
    let text = if text.is_empty() { status.canonical_reason().unwrap_or("no body").to_owned() } else { text };
    crate::redact::mask_digit_runs(&text.chars().take(MAX_DETAIL_CHARS).collect::<String>(), 7)
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8], endpoint: &'static str) -> Result<T, MomoError> {
    serde_json::from_slice(bytes).map_err(|e| {
        tracing::warn!(endpoint, "MoMo answered JSON that does not follow its contract");
        MomoError::Malformed(format!("{endpoint}: {e}"))
    })
}

/// A RequestToPayResult or TransferResult as the port's [`MomoTransaction`].
fn parse_transaction(bytes: &[u8]) -> Result<MomoTransaction, MomoError> {
    let answer: TransactionAnswer = parse(bytes, "status")?;
    let amount = decimal_from_json(&answer.amount)
        .ok_or_else(|| MomoError::Malformed("status: amount is not a decimal".into()))?;
    let raw_status = answer.status.trim().to_owned();
    let status = match raw_status.to_ascii_uppercase().as_str() {
        "SUCCESSFUL" => MomoStatus::Successful,
        "FAILED" => MomoStatus::Failed,
        // PENDING, and whatever else MoMo sends before the end (CREATED, ONGOING, …).
        _ => MomoStatus::Pending,
    };
    let party = answer.payer.or(answer.payee).and_then(|p| p.party_id);
    Ok(MomoTransaction {
        amount,
        currency: answer.currency,
        status,
        raw_status,
        financial_transaction_id: answer.financial_transaction_id.as_ref().and_then(text),
        external_id: answer.external_id.as_ref().and_then(text),
        msisdn: party.as_ref().and_then(text),
        reason: answer.reason.as_ref().and_then(reason_code),
    })
}

/// A string or number as text; `None` for null and empty strings.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `reason` as real answers send it (`"NOT_ENOUGH_FUNDS"`) or as the spec types it
/// (`{"code":"NOT_ENOUGH_FUNDS","message":"…"}`).
fn reason_code(value: &Value) -> Option<String> {
    match value {
        Value::Object(object) => {
            object.get("code").and_then(text).or_else(|| object.get("message").and_then(text))
        }
        other => text(other),
    }
}

/// A decimal string (`"6"`, `"6.0"`) or number.
fn decimal_from_json(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok().map(|d| d.normalize())
}

/// MSISDN digits in international form (country code first, no `+`, no leading `0`); anything
/// else is refused before it is sent: MoMo would fail it as an unknown payer or payee.
fn check_msisdn(msisdn: &str) -> Result<(), MomoError> {
    let ok = (8..=15).contains(&msisdn.len())
        && msisdn.bytes().all(|b| b.is_ascii_digit())
        && !msisdn.starts_with('0');
    if ok { Ok(()) } else { Err(MomoError::Refused { status: 400, code: "INVALID_MSISDN".into() }) }
}

/// Whether a callback URL is on the API user's callback host (a bare host matches any port).
fn callback_host_matches(url: &str, registered: &str) -> bool {
    let Ok(url) = Url::parse(url) else { return false };
    let Some(host) = url.host_str() else { return false };
    let registered = registered.trim();
    host.eq_ignore_ascii_case(registered)
        || url.port_or_known_default().is_some_and(|p| format!("{host}:{p}").eq_ignore_ascii_case(registered))
}

/// A `payerMessage` or `payeeNote` MoMo takes: letters, digits, spaces and plain punctuation
/// only (MoMo refuses `'` and similar with a 400), whitespace collapsed, at most 160
/// characters.
pub fn clean_message(text: &str) -> String {
    let allowed = |c: char| c.is_alphanumeric() || ".,-_:/#()+!?@%*=".contains(c);
    let kept: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| *c == ' ' || allowed(*c))
        .collect();
    let collapsed = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(MAX_MESSAGE_CHARS).collect::<String>().trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn settings_have_sandbox_defaults_and_name_what_is_missing() {
        let config = MomoConfig::from_lookup(lookup(&[])).unwrap();
        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.target_environment, "sandbox");
        assert_eq!((config.connect_timeout, config.timeout), (DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT));
        assert_eq!(config.require(), Err(ConfigError::Missing(names::MOMO_COLLECTION_SUBSCRIPTION_KEY)));

        let config = MomoConfig::from_lookup(lookup(&[
            (names::MOMO_BASE_URL, " https://proxy.momoapi.mtn.com/ "),
            (names::MOMO_TARGET_ENVIRONMENT, "mtnghana"),
            (names::MOMO_CALLBACK_HOST, "pay.example.com"),
            (names::MOMO_COLLECTION_SUBSCRIPTION_KEY, "ck"),
            (names::MOMO_COLLECTION_API_USER, "cu"),
            (names::MOMO_COLLECTION_API_KEY, "collection-api-key-value"),
            (names::MOMO_DISBURSEMENT_SUBSCRIPTION_KEY, "dk"),
            (names::MOMO_DISBURSEMENT_API_USER, "du"),
        ]))
        .unwrap();
        assert_eq!(config.base_url, "https://proxy.momoapi.mtn.com");
        assert_eq!(config.target_environment, "mtnghana");
        assert_eq!(config.callback_host.as_deref(), Some("pay.example.com"));
        assert_eq!(config.collection.api_key.expose(), "collection-api-key-value");
        assert_eq!(config.require(), Err(ConfigError::Missing(names::MOMO_DISBURSEMENT_API_KEY)));
        assert!(!format!("{config:?}").contains("collection-api-key-value"));

        let err = MomoConfig::from_lookup(lookup(&[(names::MOMO_BASE_URL, "ftp://x")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: names::MOMO_BASE_URL, .. }));
    }

    #[test]
    fn messages_are_cleaned_and_cut_to_160_characters() {
        assert_eq!(clean_message("Top-up for Kofi's wallet"), "Top-up for Kofis wallet");
        assert_eq!(clean_message("  a\tb\n\"c\" <d> \\ e  "), "a b c d e");
        assert_eq!(clean_message("Pay 50.00 GHS #12 (ok)?"), "Pay 50.00 GHS #12 (ok)?");
        assert_eq!(clean_message("Akwaaba ɛ 🎉"), "Akwaaba ɛ");
        let long = "x".repeat(200);
        assert_eq!(clean_message(&long).chars().count(), MAX_MESSAGE_CHARS);
        let cut_at_space = format!("{} y", "x".repeat(159));
        assert_eq!(clean_message(&cut_at_space), "x".repeat(159));
    }

    #[test]
    fn statuses_keep_the_raw_value_and_unknown_ones_are_pending() {
        for (raw, status) in [
            ("PENDING", MomoStatus::Pending),
            ("SUCCESSFUL", MomoStatus::Successful),
            ("FAILED", MomoStatus::Failed),
            ("CREATED", MomoStatus::Pending),
            ("ONGOING", MomoStatus::Pending),
        ] {
            let body = format!(r#"{{"amount":"6","currency":"EUR","status":"{raw}"}}"#);
            let t = parse_transaction(body.as_bytes()).unwrap();
            assert_eq!((t.status, t.raw_status.as_str()), (status, raw));
        }
    }

    #[test]
    fn reasons_come_as_strings_or_objects_and_amounts_as_decimals() {
        let t = parse_transaction(
            br#"{"amount":"6.0","currency":"EUR","status":"FAILED","reason":"NOT_ENOUGH_FUNDS",
                 "payer":{"partyIdType":"MSISDN","partyId":"233241234567"},"externalId":"x1"}"#,
        )
        .unwrap();
        assert_eq!(t.reason.as_deref(), Some("NOT_ENOUGH_FUNDS"));
        assert_eq!(t.amount, Decimal::from(6));
        assert_eq!(t.msisdn.as_deref(), Some("233241234567"));
        assert_eq!(t.external_id.as_deref(), Some("x1"));
        let t = parse_transaction(
            br#"{"amount":6,"currency":"EUR","status":"FAILED","financialTransactionId":1806336820,
                 "reason":{"code":"APPROVAL_REJECTED","message":"declined"}}"#,
        )
        .unwrap();
        assert_eq!(t.reason.as_deref(), Some("APPROVAL_REJECTED"));
        assert_eq!(t.financial_transaction_id.as_deref(), Some("1806336820"));
        assert_eq!(t.amount, Decimal::from_str("6.00").unwrap());
        assert!(matches!(
            parse_transaction(br#"{"amount":"six","currency":"EUR","status":"X"}"#),
            Err(MomoError::Malformed(_))
        ));
    }

    #[test]
    fn answers_map_to_errors() {
        let err = |status: u16, body: &str, effect| {
            failure(StatusCode::from_u16(status).unwrap(), body.as_bytes(), "requesttopay", effect)
        };
        let creates = Effect::Creates;
        assert_eq!(err(400, "", creates), MomoError::Refused { status: 400, code: "BAD_REQUEST".into() });
        assert_eq!(
            err(403, r#"{"code":"FORBIDDEN IP"}"#, creates),
            MomoError::Refused { status: 403, code: "FORBIDDEN IP".into() }
        );
        for code in REFUSAL_CODES {
            let body = format!(r#"{{"code":"{code}","message":"m"}}"#);
            assert_eq!(err(500, &body, creates), MomoError::Refused { status: 500, code: code.into() });
        }
        assert!(matches!(
            err(500, r#"{"code":"INTERNAL_PROCESSING_ERROR"}"#, creates),
            MomoError::Uncertain(_)
        ));
        assert!(matches!(err(500, "", creates), MomoError::Uncertain(_)));
        assert!(matches!(err(504, "", creates), MomoError::Uncertain(_)));
        assert!(matches!(err(500, "", Effect::Reads), MomoError::Unavailable(_)));
        assert!(matches!(err(503, r#"{"code":"SERVICE_UNAVAILABLE"}"#, creates), MomoError::Unavailable(_)));
        assert!(matches!(err(429, "", creates), MomoError::Unavailable(_)));
        assert!(matches!(err(302, "", creates), MomoError::Malformed(_)));
    }

    #[test]
    fn error_details_hide_numbers() {
        let body = br#"{"code":"PAYER_NOT_FOUND","message":"233241234567 is not a payer"}"#;
        assert_eq!(
            error_detail(StatusCode::INTERNAL_SERVER_ERROR, body),
            "PAYER_NOT_FOUND: •••••••••••• is not a payer"
        );
        assert_eq!(error_detail(StatusCode::INTERNAL_SERVER_ERROR, b""), "Internal Server Error");
    }

    #[test]
    fn msisdns_and_callback_hosts_are_checked_before_sending() {
        assert!(check_msisdn("233241234567").is_ok());
        for bad in ["+233241234567", "0241234567", "23324 1234567", "1234"] {
            assert_eq!(
                check_msisdn(bad),
                Err(MomoError::Refused { status: 400, code: "INVALID_MSISDN".into() })
            );
        }
        assert!(callback_host_matches("https://pay.example.com/momo/callback/1?x=2", "pay.example.com"));
        assert!(callback_host_matches("http://127.0.0.1:3000/momo/callback/1", "127.0.0.1:3000"));
        assert!(!callback_host_matches("http://127.0.0.1:3001/x", "127.0.0.1:3000"));
        assert!(!callback_host_matches("https://evil.example.com/x", "pay.example.com"));
    }

    #[test]
    fn base_urls_keep_their_prefix_and_the_token_path_its_slash() {
        let client = MomoClient::new(MomoConfig::new("http://127.0.0.1:3000/sandbox/momo/")).unwrap();
        assert_eq!(
            client.url(&["collection", "token", ""]).as_str(),
            "http://127.0.0.1:3000/sandbox/momo/collection/token/"
        );
        assert_eq!(
            client.url(&["collection", "v1_0", "requesttopay", "a/b"]).as_str(),
            "http://127.0.0.1:3000/sandbox/momo/collection/v1_0/requesttopay/a%2Fb"
        );
        assert!(MomoClient::new(MomoConfig::new("not a url")).is_err());
    }
}
