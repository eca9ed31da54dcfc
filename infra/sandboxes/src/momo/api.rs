//! The API's endpoints: the gateway's and MoMo's checks, request parsing, and the answers in
//! MoMo's error shapes.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    Admission, Endpoint, Grant, HolderCase, Kind, MAX_MESSAGE_CHARS, MomoSandbox, NewRequest, Product,
    REFUSED_MESSAGE_CHARS, UserRecord, numbers,
};

impl MomoSandbox {
    /// The gateway's check: one of `product`'s subscription keys.
    fn check_key(&self, product: Product, headers: &HeaderMap) -> Result<(), ApiError> {
        let key = header_str(headers, "ocp-apim-subscription-key");
        let state = self.state();
        if key.is_some_and(|k| state.config.keys(product).iter().any(|known| constant_time_eq(known, k))) {
            Ok(())
        } else {
            Err(ApiError::Gateway(StatusCode::UNAUTHORIZED, INVALID_KEY))
        }
    }

    /// A product call's checks: subscription key, bearer token of that product, target
    /// environment. Answers the API user the token belongs to.
    fn authorize(&self, product: Product, headers: &HeaderMap) -> Result<String, ApiError> {
        self.check_key(product, headers)?;
        let now = self.now();
        let mut state = self.state();
        let token = header_str(headers, "authorization")
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(ApiError::Gateway(StatusCode::UNAUTHORIZED, INVALID_TOKEN))?;
        let grant =
            state.tokens.get(token).ok_or(ApiError::Gateway(StatusCode::UNAUTHORIZED, INVALID_TOKEN))?;
        if grant.product != product {
            return Err(ApiError::Gateway(StatusCode::UNAUTHORIZED, INVALID_TOKEN));
        }
        if grant.expires_at <= now {
            state.tokens.remove(token);
            return Err(ApiError::Gateway(StatusCode::UNAUTHORIZED, INVALID_TOKEN));
        }
        let user = grant.user_id.clone();
        match header_str(headers, "x-target-environment") {
            None => Err(ApiError::bad_request("X-Target-Environment is required")),
            Some(env) if env != state.config.target_environment => {
                Err(ApiError::reason(StatusCode::INTERNAL_SERVER_ERROR, "NOT_ALLOWED_TARGET_ENVIRONMENT"))
            }
            Some(_) => Ok(user),
        }
    }

    fn issue_token(&self, product: Product, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
        self.check_key(product, headers)?;
        if !body.is_empty() {
            // MTN lists a body on `/token` as a cause of 400.
            return Err(ApiError::TokenError(StatusCode::BAD_REQUEST, "invalid_request"));
        }
        let (user_id, key) = header_str(headers, "authorization")
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .and_then(|(_, encoded)| BASE64.decode(encoded.trim()).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|pair| pair.split_once(':').map(|(u, k)| (u.to_owned(), k.to_owned())))
            .ok_or(ApiError::TokenError(StatusCode::UNAUTHORIZED, "login_failed"))?;
        let now = self.now();
        let mut state = self.state();
        let known = state
            .users
            .get(&user_id)
            .and_then(|u| u.api_key.as_deref())
            .is_some_and(|known| constant_time_eq(known, &key));
        if !known {
            return Err(ApiError::TokenError(StatusCode::UNAUTHORIZED, "login_failed"));
        }
        let ttl = state.config.token_ttl;
        let expires_at = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1));
        let token = fake_jwt(&user_id, product, expires_at);
        state.tokens.insert(token.clone(), Grant { product, user_id, expires_at });
        Ok(json!({"access_token": token, "token_type": "access_token", "expires_in": ttl.as_secs()}))
    }
}

// ---- errors ---------------------------------------------------------------------------------

/// The gateway's answer to a bad subscription key (Azure APIM's format).
pub(super) const INVALID_KEY: &str = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.";
/// The gateway's answer to a missing, unknown or expired bearer token.
pub(super) const INVALID_TOKEN: &str = "Unauthorized. Access token is missing or invalid.";

#[derive(Debug)]
pub(super) enum ApiError {
    /// `{"code","message"}`: MoMo's ErrorReason.
    Reason(StatusCode, String, String),
    /// `{"statusCode","message"}`: the API gateway.
    Gateway(StatusCode, &'static str),
    /// `{"error"}`: the token endpoint.
    TokenError(StatusCode, &'static str),
    /// No body at all.
    Empty(StatusCode),
}

impl ApiError {
    pub(super) fn reason(status: StatusCode, code: &str) -> ApiError {
        ApiError::Reason(status, code.to_owned(), numbers::reason_message(code).to_owned())
    }

    /// MoMo does not specify a 400's body; the sandbox says what was wrong.
    pub(super) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::Reason(StatusCode::BAD_REQUEST, "BAD_REQUEST".into(), message.into())
    }

    pub(super) fn not_found() -> ApiError {
        ApiError::reason(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Reason(status, code, message) => {
                (status, axum::Json(json!({"code": code, "message": message}))).into_response()
            }
            ApiError::Gateway(status, message) => {
                (status, axum::Json(json!({"statusCode": status.as_u16(), "message": message})))
                    .into_response()
            }
            ApiError::TokenError(status, error) => {
                (status, axum::Json(json!({"error": error}))).into_response()
            }
            ApiError::Empty(status) => status.into_response(),
        }
    }
}

/// Sends the answer as the admission says: at once, late, or replaced by a bodiless 500.
async fn finish(admission: Admission, response: Response) -> Response {
    match admission {
        Admission::Normal => response,
        Admission::Delay(delay) => {
            tokio::time::sleep(delay).await;
            response
        }
        Admission::LoseAnswer => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

// ---- request parsing ------------------------------------------------------------------------

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

/// `X-Reference-Id`: a UUID v4 in its hyphenated form.
fn reference_id(headers: &HeaderMap) -> Result<Uuid, ApiError> {
    let text = header_str(headers, "x-reference-id")
        .ok_or_else(|| ApiError::bad_request("X-Reference-Id is required"))?;
    parse_uuid_v4(text).ok_or_else(|| ApiError::bad_request("X-Reference-Id must be a UUID version 4"))
}

pub(super) fn parse_uuid_v4(text: &str) -> Option<Uuid> {
    let uuid = Uuid::try_parse(text).ok()?;
    let hyphenated = text.len() == 36 && uuid.hyphenated().to_string().eq_ignore_ascii_case(text);
    (hyphenated
        && uuid.get_version() == Some(uuid::Version::Random)
        && uuid.get_variant() == uuid::Variant::RFC4122)
        .then_some(uuid)
}

fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let json_type = header_str(headers, header::CONTENT_TYPE.as_str()).is_some_and(|t| {
        t.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json_type {
        return Err(ApiError::bad_request("Content-Type must be application/json"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("the body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("the body is not valid JSON: {e}"))),
    }
}

/// A string field: `None` when absent or null, 400 when not a string.
fn optional_string(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!("{field} must be a string"))),
    }
}

fn required_string(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    optional_string(body, field)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{field} is required")))
}

/// `payerMessage`, `payeeNote`: at most 160 characters, none of the refused ones.
fn message(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    let text = optional_string(body, field)?;
    if let Some(text) = &text {
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(ApiError::bad_request(format!(
                "{field} is longer than {MAX_MESSAGE_CHARS} characters"
            )));
        }
        if text.chars().any(|c| REFUSED_MESSAGE_CHARS.contains(&c) || c.is_control()) {
            return Err(ApiError::bad_request(format!("{field} contains a character that is not allowed")));
        }
    }
    Ok(text)
}

/// MSISDN digits in international form: no `+`, no leading `0`, 8 to 15 digits.
pub(super) fn valid_msisdn(text: &str) -> bool {
    (8..=15).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0')
}

impl MomoSandbox {
    /// The checks of `POST requesttopay` / `POST transfer`, in the order MoMo answers them.
    fn parse_request(&self, kind: Kind, headers: &HeaderMap, body: &[u8]) -> Result<NewRequest, ApiError> {
        let api_user = self.authorize(kind.product(), headers)?;
        let reference = reference_id(headers)?;
        let body = json_object(headers, body)?;
        let amount_text = required_string(&body, "amount")?;
        let amount = Decimal::from_str(amount_text.trim())
            .ok()
            .filter(|a| *a > Decimal::ZERO)
            .ok_or_else(|| ApiError::bad_request("amount must be a positive decimal string"))?;
        let currency = required_string(&body, "currency")?;
        let external_id = optional_string(&body, "externalId")?;
        let party_field = kind.party_field();
        let party = match body.get(party_field) {
            Some(Value::Object(party)) => party,
            _ => return Err(ApiError::bad_request(format!("{party_field} is required"))),
        };
        let party_id_type = required_string(party, "partyIdType")?;
        let party_id = required_string(party, "partyId")?;
        match party_id_type.as_str() {
            "MSISDN" | "EMAIL" => {}
            "PARTY_CODE" if parse_uuid_v4(&party_id).is_some() => {}
            "PARTY_CODE" => return Err(ApiError::bad_request("a PARTY_CODE is a UUID")),
            _ => return Err(ApiError::bad_request("partyIdType must be MSISDN, EMAIL or PARTY_CODE")),
        }
        let payer_message = message(&body, "payerMessage")?;
        let payee_note = message(&body, "payeeNote")?;
        let callback_url = header_str(headers, "x-callback-url").map(str::to_owned);

        let state = self.state();
        // MoMo answers its own configuration checks with a 500 and creates nothing.
        if currency != state.config.currency {
            return Err(ApiError::reason(StatusCode::INTERNAL_SERVER_ERROR, "INVALID_CURRENCY"));
        }
        if let Some(url) = &callback_url {
            let registered = state.users.get(&api_user).map(|u| u.callback_host.as_str()).unwrap_or_default();
            if !callback_host_matches(url, registered) {
                return Err(ApiError::reason(StatusCode::INTERNAL_SERVER_ERROR, "INVALID_CALLBACK_URL_HOST"));
            }
        }
        Ok(NewRequest {
            kind,
            reference,
            api_user,
            amount,
            currency,
            external_id,
            party_id_type,
            party_id,
            payer_message,
            payee_note,
            callback_url,
        })
    }
}

/// Whether an `X-Callback-Url` points at the API user's `providerCallbackHost` (a bare host
/// matches any port; `host:port` that port only).
pub(super) fn callback_host_matches(url: &str, registered: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else { return false };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let Some(host) = url.host_str() else { return false };
    let registered = registered.trim();
    if host.eq_ignore_ascii_case(registered) {
        return true;
    }
    let with_port = url.port_or_known_default().map(|port| format!("{host}:{port}"));
    with_port.is_some_and(|hp| hp.eq_ignore_ascii_case(registered))
}

// ---- handlers -------------------------------------------------------------------------------

pub(super) async fn create(sandbox: MomoSandbox, kind: Kind, headers: HeaderMap, body: Bytes) -> Response {
    let endpoint = match kind {
        Kind::RequestToPay => Endpoint::RequestToPay,
        Kind::Transfer => Endpoint::Transfer,
    };
    let admission = match sandbox.enter(endpoint) {
        Ok(admission) => admission,
        Err(error) => return error.into_response(),
    };
    let result = sandbox
        .parse_request(kind, &headers, &body)
        .and_then(|new| sandbox.register(new))
        .map(|()| StatusCode::ACCEPTED.into_response());
    finish(admission, respond(result)).await
}

pub(super) async fn status(
    sandbox: MomoSandbox,
    kind: Kind,
    reference: String,
    headers: HeaderMap,
) -> Response {
    let endpoint = match kind {
        Kind::RequestToPay => Endpoint::RequestToPayStatus,
        Kind::Transfer => Endpoint::TransferStatus,
    };
    let admission = match sandbox.enter(endpoint) {
        Ok(admission) => admission,
        Err(error) => return error.into_response(),
    };
    let result = sandbox.authorize(kind.product(), &headers).and_then(|_| {
        let transaction = Uuid::try_parse(&reference)
            .ok()
            .and_then(|reference| sandbox.transaction(kind, reference))
            .ok_or_else(ApiError::not_found)?;
        let form = sandbox.state().config.reason_form;
        Ok(axum::Json(transaction.result_json(form)).into_response())
    });
    finish(admission, respond(result)).await
}

pub(super) async fn token(
    sandbox: MomoSandbox,
    product: Product,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let admission = match sandbox.enter(Endpoint::Token(product)) {
        Ok(admission) => admission,
        Err(error) => return error.into_response(),
    };
    let result = sandbox.issue_token(product, &headers, &body).map(|v| axum::Json(v).into_response());
    finish(admission, respond(result)).await
}

/// Provisioning takes any product's subscription key (and no token or target environment).
fn check_any_key(sandbox: &MomoSandbox, headers: &HeaderMap) -> Result<(), ApiError> {
    if Product::ALL.iter().any(|p| sandbox.check_key(*p, headers).is_ok()) {
        Ok(())
    } else {
        Err(ApiError::Gateway(StatusCode::UNAUTHORIZED, INVALID_KEY))
    }
}

pub(super) async fn create_api_user(
    State(sandbox): State<MomoSandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let admission = match sandbox.enter(Endpoint::Provisioning) {
        Ok(admission) => admission,
        Err(error) => return error.into_response(),
    };
    let result = (|| {
        check_any_key(&sandbox, &headers)?;
        let id = reference_id(&headers)?;
        let body = json_object(&headers, &body)?;
        let host = required_string(&body, "providerCallbackHost")?;
        if host.contains('/') {
            return Err(ApiError::bad_request("providerCallbackHost is a host, not a URL"));
        }
        let mut state = sandbox.state();
        if state.users.contains_key(&id.to_string()) {
            return Err(ApiError::reason(StatusCode::CONFLICT, "RESOURCE_ALREADY_EXIST"));
        }
        state.users.insert(id.to_string(), UserRecord { callback_host: host, api_key: None });
        Ok(StatusCode::CREATED.into_response())
    })();
    finish(admission, respond(result)).await
}

pub(super) async fn api_user(
    State(sandbox): State<MomoSandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let admission = match sandbox.enter(Endpoint::Provisioning) {
        Ok(admission) => admission,
        Err(error) => return error.into_response(),
    };
    let result = check_any_key(&sandbox, &headers).and_then(|()| {
        let state = sandbox.state();
        let user = state.users.get(&id).ok_or_else(ApiError::not_found)?;
        Ok(axum::Json(json!({
            "providerCallbackHost": user.callback_host,
            "targetEnvironment": state.config.target_environment,
        }))
        .into_response())
    });
    finish(admission, respond(result)).await
}

pub(super) async fn create_api_key(
    State(sandbox): State<MomoSandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let admission = match sandbox.enter(Endpoint::Provisioning) {
        Ok(admission) => admission,
        Err(error) => return error.into_response(),
    };
    let result = check_any_key(&sandbox, &headers).and_then(|()| {
        let key = sandbox.rotate_api_key(&id).ok_or_else(ApiError::not_found)?;
        Ok((StatusCode::CREATED, axum::Json(json!({"apiKey": key}))).into_response())
    });
    finish(admission, respond(result)).await
}

pub(super) async fn account_holder(
    sandbox: MomoSandbox,
    product: Product,
    (id_type, id): (String, String),
    headers: HeaderMap,
) -> Response {
    let admission = match sandbox.enter(Endpoint::AccountHolder(product)) {
        Ok(admission) => admission,
        Err(error) => return error.into_response(),
    };
    let result = sandbox.authorize(product, &headers).and_then(|_| {
        let active = |result: bool| Ok(axum::Json(json!({"result": result})).into_response());
        let case = match id_type.as_str() {
            "msisdn" if !valid_msisdn(&id) => return active(false),
            "msisdn" | "email" => numbers::holder_case(&id),
            "party_code" => HolderCase::Active,
            _ => {
                return Err(ApiError::bad_request("accountHolderIdType must be msisdn, email or party_code"));
            }
        };
        let error = |status, code| Err(ApiError::reason(status, code));
        match case {
            HolderCase::Active => active(true),
            HolderCase::NotActive => active(false),
            // Older docs: 404 for a holder that does not exist (the spec now says `false`).
            HolderCase::NotFound => Err(ApiError::not_found()),
            HolderCase::NotAllowed => error(StatusCode::INTERNAL_SERVER_ERROR, "NOT_ALLOWED"),
            HolderCase::NotAllowedTargetEnvironment => {
                error(StatusCode::INTERNAL_SERVER_ERROR, "NOT_ALLOWED_TARGET_ENVIRONMENT")
            }
            HolderCase::InternalProcessingError => {
                error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_PROCESSING_ERROR")
            }
            HolderCase::ServiceUnavailable => error(StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        }
    });
    finish(admission, respond(result)).await
}

pub(super) async fn balance(
    sandbox: MomoSandbox,
    product: Product,
    currency: Option<String>,
    headers: HeaderMap,
) -> Response {
    let admission = match sandbox.enter(Endpoint::Balance(product)) {
        Ok(admission) => admission,
        Err(error) => return error.into_response(),
    };
    let result = sandbox.authorize(product, &headers).and_then(|_| {
        let state = sandbox.state();
        if currency.as_ref().is_some_and(|c| *c != state.config.currency) {
            return Err(ApiError::reason(StatusCode::INTERNAL_SERVER_ERROR, "INVALID_CURRENCY"));
        }
        let available = state.balances.get(&product).copied().unwrap_or_default();
        Ok(axum::Json(json!({
            "availableBalance": available.normalize().to_string(),
            "currency": state.config.currency,
        }))
        .into_response())
    });
    finish(admission, respond(result)).await
}
fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A token shaped like MoMo's (a JWT whose signature nobody checks): clients must treat it
/// as opaque.
fn fake_jwt(user_id: &str, product: Product, expires_at: DateTime<Utc>) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"R256"}"#);
    let payload = json!({
        "clientId": user_id,
        "sessionId": Uuid::new_v4().to_string(),
        "product": product.as_str(),
        "expires": expires_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    });
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signature: [u8; 32] = rand::rng().random();
    format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(signature))
}
