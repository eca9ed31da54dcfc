//! [`MiaposClient`]: the miaPOS eComm API over HTTPS (reqwest with rustls).
//!
//! Tokens are cached per merchant and renewed shortly before they expire: with the refresh
//! token while that is valid, otherwise with the merchant's credentials. A 401 on a call renews
//! once and retries once; a second 401 is [`RailError::Unauthorized`]. Retrying a `pay` is
//! safe because the rail is idempotent on `orderId`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::{Method, StatusCode, Url};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::callback::{CallbackVerifier, decimal_from_json, to_cents, two_places};
use crate::config::{MiaposConfig, Secret};
use crate::domain::Phone;
use crate::ports::{
    CreatedPayment, MerchantCredentials, PaymentKind, PaymentRail, PaymentRequest, RailError, RailPayment,
    RailStatus,
};

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Tokens are renewed this long before the rail says they expire, so that a token never dies
/// in flight (capped at half the token's lifetime for short-lived tokens).
pub const DEFAULT_TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// How long an error detail from the rail may be; enough for its `errorMessage`.
const MAX_DETAIL_CHARS: usize = 200;

#[derive(Debug, Clone)]
pub struct MiaposClientConfig {
    /// `MIAPOS_BASE_URL`, e.g. `https://ecomm-test.miapos.md`; a path prefix is kept.
    pub base_url: String,
    pub connect_timeout: Duration,
    /// For a whole request, answer included.
    pub timeout: Duration,
    pub token_margin: Duration,
    /// `MIAPOS_PUBLIC_KEY` (base64 DER); fetched from the rail and cached when absent.
    pub public_key: Option<String>,
}

impl MiaposClientConfig {
    pub fn new(base_url: impl Into<String>) -> MiaposClientConfig {
        MiaposClientConfig {
            base_url: base_url.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            token_margin: DEFAULT_TOKEN_MARGIN,
            public_key: None,
        }
    }

    pub fn from_config(config: &MiaposConfig) -> MiaposClientConfig {
        MiaposClientConfig { public_key: config.public_key.clone(), ..Self::new(config.base_url.clone()) }
    }
}

pub use crate::http::ClientBuildError;

/// One merchant's tokens. The secrets never leave this struct except as bearer headers.
struct Session {
    /// Which credentials the tokens were issued for: a changed secret key starts over instead
    /// of riding on tokens the new key never earned.
    fingerprint: [u8; 32],
    access: Secret,
    access_until: Instant,
    refresh: Secret,
    refresh_until: Instant,
}

type SessionSlot = Arc<tokio::sync::Mutex<Option<Session>>>;

/// The miaPOS eComm API client. One per process: it holds the token cache.
pub struct MiaposClient {
    http: reqwest::Client,
    base: Url,
    token_margin: Duration,
    /// Per merchant; each slot's async lock makes concurrent calls wait for one token request
    /// instead of each asking for its own.
    sessions: Mutex<HashMap<String, SessionSlot>>,
    public_key: tokio::sync::RwLock<Option<String>>,
}

impl std::fmt::Debug for MiaposClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiaposClient").field("base", &self.base.as_str()).finish_non_exhaustive()
    }
}

/// `{accessToken, accessTokenExpiresIn, refreshToken, refreshTokenExpiresIn, tokenType}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tokens {
    access_token: String,
    access_token_expires_in: u64,
    refresh_token: String,
    refresh_token_expires_in: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest<'a> {
    merchant_id: &'a str,
    secret_key: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefreshRequest<'a> {
    refresh_token: &'a str,
}

/// `POST /ecomm/api/v1/pay` without `amount`, which [`with_amount`] writes as a number.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PayBody<'a> {
    terminal_id: &'a str,
    order_id: &'a str,
    currency: &'a str,
    pay_description: &'a str,
    language: &'a str,
    payment_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayAnswer {
    order_id: String,
    payment_id: String,
    checkout_page: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentAnswer {
    terminal_id: String,
    order_id: String,
    payment_id: String,
    status: RailStatus,
    amount: Value,
    currency: String,
    payment_date: Option<String>,
    swift_payer_bank: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicKeyAnswer {
    public_key: String,
}

impl MiaposClient {
    pub fn new(config: MiaposClientConfig) -> Result<MiaposClient, ClientBuildError> {
        let (base, http) = crate::http::api_client(
            "MIAPOS_BASE_URL",
            &config.base_url,
            config.connect_timeout,
            config.timeout,
        )?;
        Ok(MiaposClient {
            http,
            base,
            token_margin: config.token_margin,
            sessions: Mutex::new(HashMap::new()),
            public_key: tokio::sync::RwLock::new(config.public_key.filter(|k| !k.trim().is_empty())),
        })
    }

    /// The rail's public key (base64 DER): configured, cached, or fetched once with the
    /// merchant's token.
    pub async fn public_key(&self, merchant: &MerchantCredentials) -> Result<String, RailError> {
        if let Some(key) = self.public_key.read().await.clone() {
            return Ok(key);
        }
        let mut cached = self.public_key.write().await;
        if let Some(key) = cached.clone() {
            return Ok(key);
        }
        let answer: PublicKeyAnswer = match self
            .authorized(merchant, Method::GET, self.url(&["api", "v1", "public-key"]), None, "public-key")
            .await
        {
            // The specification says `/api/v1/public-key`, the official PHP SDK calls
            // `/ecomm/api/v1/public-key`: try the other when one is not there.
            Err(RailError::Rejected { status: 404, .. }) => {
                self.authorized(
                    merchant,
                    Method::GET,
                    self.url(&["ecomm", "api", "v1", "public-key"]),
                    None,
                    "public-key",
                )
                .await?
            }
            other => other?,
        };
        CallbackVerifier::from_base64_der(&answer.public_key)
            .map_err(|e| RailError::Malformed(format!("public key: {e}")))?;
        *cached = Some(answer.public_key.clone());
        Ok(answer.public_key)
    }

    /// A verifier for the rail's callbacks, with the public key as [`Self::public_key`] gets it.
    pub async fn callback_verifier(
        &self,
        merchant: &MerchantCredentials,
    ) -> Result<CallbackVerifier, RailError> {
        let key = self.public_key(merchant).await?;
        CallbackVerifier::from_base64_der(&key).map_err(|e| RailError::Malformed(format!("public key: {e}")))
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        // `new` refused URLs that cannot be a base, so the segments are always there.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    fn slot(&self, merchant_id: &str) -> SessionSlot {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.entry(merchant_id.to_owned()).or_default().clone()
    }

    /// A usable access token. `refused` is a token the rail just answered 401 to: it is
    /// renewed unless another call already did.
    async fn access_token(
        &self,
        merchant: &MerchantCredentials,
        refused: Option<&Secret>,
    ) -> Result<Secret, RailError> {
        let slot = self.slot(&merchant.merchant_id);
        let mut session = slot.lock().await;
        let fingerprint = fingerprint(merchant);
        let now = Instant::now();
        if let Some(current) = session.as_ref().filter(|s| s.fingerprint == fingerprint) {
            let was_refused = refused.is_some_and(|r| r == &current.access);
            if !was_refused && now < current.access_until {
                return Ok(current.access.clone());
            }
            if now < current.refresh_until {
                match self.refresh(&merchant.merchant_id, &current.refresh).await {
                    Ok(tokens) => return Ok(self.store(&mut session, fingerprint, tokens)),
                    // A refused refresh token: start over with the credentials.
                    Err(RailError::Unauthorized | RailError::Rejected { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        *session = None;
        let body = serde_json::to_vec(&TokenRequest {
            merchant_id: &merchant.merchant_id,
            secret_key: merchant.secret_key.expose(),
        })
        .map_err(|e| RailError::Malformed(e.to_string()))?;
        let url = self.url(&["ecomm", "api", "v1", "token"]);
        let (status, bytes) = self.execute(Method::POST, url, None, Some(body), "token").await?;
        let tokens: Tokens = interpret(status, &bytes, &merchant.merchant_id, "token")?;
        Ok(self.store(&mut session, fingerprint, tokens))
    }

    async fn refresh(&self, merchant_id: &str, refresh: &Secret) -> Result<Tokens, RailError> {
        let body = serde_json::to_vec(&RefreshRequest { refresh_token: refresh.expose() })
            .map_err(|e| RailError::Malformed(e.to_string()))?;
        let url = self.url(&["ecomm", "api", "v1", "token", "refresh"]);
        let (status, bytes) = self.execute(Method::POST, url, None, Some(body), "token/refresh").await?;
        interpret(status, &bytes, merchant_id, "token/refresh")
    }

    fn store(&self, session: &mut Option<Session>, fingerprint: [u8; 32], tokens: Tokens) -> Secret {
        let now = Instant::now();
        let until = |seconds: u64| {
            let lifetime = Duration::from_secs(seconds);
            now + lifetime.saturating_sub(self.token_margin.min(lifetime / 2))
        };
        let access = Secret::new(tokens.access_token);
        *session = Some(Session {
            fingerprint,
            access: access.clone(),
            access_until: until(tokens.access_token_expires_in),
            refresh: Secret::new(tokens.refresh_token),
            refresh_until: until(tokens.refresh_token_expires_in),
        });
        access
    }

    async fn forget(&self, merchant_id: &str) {
        *self.slot(merchant_id).lock().await = None;
    }

    /// A call with the merchant's bearer token; a 401 renews the token once and retries once.
    async fn authorized<T: DeserializeOwned>(
        &self,
        merchant: &MerchantCredentials,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        endpoint: &'static str,
    ) -> Result<T, RailError> {
        let merchant_id = merchant.merchant_id.as_str();
        let token = self.access_token(merchant, None).await?;
        let (status, bytes) =
            self.execute(method.clone(), url.clone(), Some(&token), body.clone(), endpoint).await?;
        if status != StatusCode::UNAUTHORIZED {
            return interpret(status, &bytes, merchant_id, endpoint);
        }
        tracing::info!(merchant_id, endpoint, "miaPOS refused the access token; renewing it once");
        let token = self.access_token(merchant, Some(&token)).await?;
        let (status, bytes) = self.execute(method, url, Some(&token), body, endpoint).await?;
        if status == StatusCode::UNAUTHORIZED {
            self.forget(merchant_id).await;
        }
        interpret(status, &bytes, merchant_id, endpoint)
    }

    /// One HTTP exchange. Transport failures (connect, timeout, a cut answer) are
    /// [`RailError::Unavailable`]: the rail may have acted.
    async fn execute(
        &self,
        method: Method,
        url: Url,
        token: Option<&Secret>,
        body: Option<Vec<u8>>,
        endpoint: &'static str,
    ) -> Result<(StatusCode, Vec<u8>), RailError> {
        let mut request = self.http.request(method, url).header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
        }
        let transport = |e: reqwest::Error| {
            let kind = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not connect"
            } else {
                "transport error"
            };
            tracing::warn!(endpoint, kind, "miaPOS call failed");
            RailError::Unavailable(format!("{endpoint}: {kind}: {}", e.without_url()))
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        Ok((status, bytes.to_vec()))
    }
}

/// Maps an answer to a value or an error: 2xx parses (else `Malformed`), 401 `Unauthorized`,
/// other 4xx `Rejected`, 5xx `Unavailable`, anything else `Malformed`.
fn interpret<T: DeserializeOwned>(
    status: StatusCode,
    bytes: &[u8],
    merchant_id: &str,
    endpoint: &'static str,
) -> Result<T, RailError> {
    let code = status.as_u16();
    if status.is_success() {
        return serde_json::from_slice(bytes).map_err(|e| {
            tracing::warn!(merchant_id, endpoint, "miaPOS answered JSON that does not follow its contract");
            RailError::Malformed(format!("{endpoint}: {e}"))
        });
    }
    let detail = error_detail(status, bytes);
    tracing::warn!(merchant_id, endpoint, status = code, detail = %detail, "miaPOS refused a call");
    Err(match code {
        401 => RailError::Unauthorized,
        400..=499 => RailError::Rejected { status: code, detail },
        500..=599 => RailError::Unavailable(format!("{endpoint}: HTTP {code}: {detail}")),
        _ => RailError::Malformed(format!("{endpoint}: unexpected HTTP {code}")),
    })
}

/// The rail's `{"errorCode","errorMessage"}`, else the start of the body, with long digit runs
/// masked (the rail may echo a payer's phone back).
fn error_detail(status: StatusCode, bytes: &[u8]) -> String {
    let from_json = serde_json::from_slice::<Value>(bytes).ok().and_then(|v| {
        let code = v.get("errorCode").and_then(Value::as_str);
        let message = v.get("errorMessage").and_then(Value::as_str);
        match (code, message) {
            (Some(c), Some(m)) => Some(format!("{c}: {m}")),
            (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
            (None, None) => None,
        }
    });
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(bytes).trim().to_owned());
    let text =
        if text.is_empty() { status.canonical_reason().unwrap_or("no detail").to_owned() } else { text };
    crate::redact::mask_digit_runs(&text.chars().take(MAX_DETAIL_CHARS).collect::<String>(), 7)
}

fn fingerprint(merchant: &MerchantCredentials) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(merchant.merchant_id.as_bytes());
    hash.update([0]);
    hash.update(merchant.secret_key.expose().as_bytes());
    hash.finalize().into()
}

/// Serialises `body` and puts `"amount": <amount>` first, as a JSON number written exactly as
/// given (`145.25`, `100.00`): going through `f64` could print `100.0` or carry float noise, and
/// serde_json can only write a number verbatim with crate-wide features this avoids.
fn with_amount(body: &impl Serialize, amount: &str) -> Result<Vec<u8>, RailError> {
    let json = serde_json::to_string(body).map_err(|e| RailError::Malformed(e.to_string()))?;
    let rest =
        json.strip_prefix('{').ok_or_else(|| RailError::Malformed("the body is not an object".into()))?;
    let separator = if rest == "}" { "" } else { "," };
    Ok(format!("{{\"amount\":{amount}{separator}{rest}").into_bytes())
}

/// The payer's phone as the rail takes it for request-to-pay: the 8-digit national number of
/// a Moldovan phone, without the country code or the trunk `0` (the specification's example is
/// `79000001`). MIA is Moldova's rail, so another country's number cannot be a payer.
fn mia_phone(phone: &Phone) -> Result<String, RailError> {
    match phone.wa_id().strip_prefix("373") {
        Some(national) if national.len() == 8 => Ok(national.to_owned()),
        _ => Err(RailError::Rejected {
            status: 400,
            detail: "request-to-pay needs a Moldovan (+373) payer phone; nothing was sent".into(),
        }),
    }
}

#[async_trait]
impl PaymentRail for MiaposClient {
    async fn create_payment(
        &self,
        merchant: &MerchantCredentials,
        request: &PaymentRequest,
    ) -> Result<CreatedPayment, RailError> {
        let (payment_type, client_phone) = match &request.kind {
            PaymentKind::Qr => ("qr", None),
            PaymentKind::Rtp { payer } => ("rtp", Some(mia_phone(payer)?)),
        };
        let currency = request.amount.currency();
        let body = PayBody {
            terminal_id: &request.terminal_id,
            order_id: &request.order_id,
            currency: currency.code(),
            pay_description: &request.description,
            language: request.language,
            payment_type,
            client_phone,
            callback_url: request.callback_url.as_deref(),
        };
        let body = with_amount(&body, &two_places(request.amount.amount()))?;
        let url = self.url(&["ecomm", "api", "v1", "pay"]);
        let answer: PayAnswer = self.authorized(merchant, Method::POST, url, Some(body), "pay").await?;
        if answer.order_id != request.order_id || answer.payment_id.trim().is_empty() {
            return Err(RailError::Malformed("pay: the answer names another order or no payment".into()));
        }
        tracing::info!(
            merchant_id = %merchant.merchant_id,
            order_id = %request.order_id,
            payment_id = %answer.payment_id,
            payment_type,
            "miaPOS payment created"
        );
        Ok(CreatedPayment {
            order_id: answer.order_id,
            payment_id: answer.payment_id,
            checkout_url: answer.checkout_page.filter(|url| !url.is_empty()),
        })
    }

    async fn payment(
        &self,
        merchant: &MerchantCredentials,
        payment_id: &str,
    ) -> Result<RailPayment, RailError> {
        let url = self.url(&["ecomm", "api", "v1", "payment", payment_id]);
        let answer: PaymentAnswer = self.authorized(merchant, Method::GET, url, None, "payment").await?;
        let amount: Decimal = decimal_from_json(&answer.amount)
            .ok_or_else(|| RailError::Malformed("payment: amount is not a number".into()))?;
        Ok(RailPayment {
            order_id: answer.order_id,
            payment_id: answer.payment_id,
            terminal_id: answer.terminal_id,
            status: answer.status,
            amount: to_cents(amount),
            currency: answer.currency,
            payment_date: answer.payment_date.filter(|d| !d.is_empty()),
            payer_bank: answer.swift_payer_bank.filter(|b| !b.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        a: &'static str,
    }

    #[derive(Serialize)]
    struct Empty {}

    #[test]
    fn the_amount_is_a_number_with_two_decimals() {
        for (amount, text) in [(Decimal::new(14525, 2), "145.25"), (Decimal::from(100), "100.00")] {
            let json =
                String::from_utf8(with_amount(&Body { a: "x" }, &two_places(amount)).unwrap()).unwrap();
            assert_eq!(json, format!(r#"{{"amount":{text},"a":"x"}}"#));
            let parsed: Value = serde_json::from_str(&json).unwrap();
            assert!(parsed["amount"].is_number());
        }
        assert_eq!(with_amount(&Empty {}, "1.00").unwrap(), br#"{"amount":1.00}"#);
    }

    #[test]
    fn rtp_payers_are_moldovan_national_numbers() {
        let phone = Phone::parse_international("+37379000001").unwrap();
        assert_eq!(mia_phone(&phone).unwrap(), "79000001");
        let foreign = Phone::parse_international("+40721234567").unwrap();
        assert!(matches!(mia_phone(&foreign), Err(RailError::Rejected { status: 400, .. })));
    }

    #[test]
    fn error_details_come_from_the_error_response_and_hide_phones() {
        let body = br#"{"errorCode":"BAD_REQUEST","errorMessage":"clientPhone 79000001 is not a payer"}"#;
        assert_eq!(
            error_detail(StatusCode::BAD_REQUEST, body),
            "BAD_REQUEST: clientPhone •••••••• is not a payer"
        );
        assert_eq!(error_detail(StatusCode::BAD_GATEWAY, b""), "Bad Gateway");
        assert_eq!(error_detail(StatusCode::BAD_REQUEST, "x".repeat(500).as_bytes()).len(), MAX_DETAIL_CHARS);
    }

    #[test]
    fn statuses_map_to_rail_errors() {
        let err = |status: u16| {
            interpret::<Value>(StatusCode::from_u16(status).unwrap(), b"{}", "m", "pay").unwrap_err()
        };
        assert_eq!(err(401), RailError::Unauthorized);
        assert!(matches!(err(400), RailError::Rejected { status: 400, .. }));
        assert!(matches!(err(404), RailError::Rejected { status: 404, .. }));
        assert!(matches!(err(500), RailError::Unavailable(_)));
        assert!(matches!(err(503), RailError::Unavailable(_)));
        assert!(matches!(err(302), RailError::Malformed(_)));
        assert!(matches!(
            interpret::<PayAnswer>(StatusCode::OK, b"<html>", "m", "pay"),
            Err(RailError::Malformed(_))
        ));
    }

    #[test]
    fn base_urls_keep_their_prefix() {
        let client = MiaposClient::new(MiaposClientConfig::new("http://127.0.0.1:3000/miapos/")).unwrap();
        assert_eq!(
            client.url(&["ecomm", "api", "v1", "payment", "a/b"]).as_str(),
            "http://127.0.0.1:3000/miapos/ecomm/api/v1/payment/a%2Fb"
        );
        assert!(MiaposClient::new(MiaposClientConfig::new("not a url")).is_err());
        assert!(MiaposClient::new(MiaposClientConfig::new("mailto:x@y")).is_err());
    }
}
