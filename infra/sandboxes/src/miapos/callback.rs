//! The signed status callback: `{"result":{…},"signature":"<base64>"}`, signed with
//! SHA256withRSA (PKCS#1 v1.5) over the values of `result` sorted by key and joined by `;`.

use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::{SandboxPayment, two_places};

/// One callback the sandbox sent (or tried to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackDelivery {
    pub payment_id: String,
    pub url: String,
    /// The exact body sent.
    pub body: String,
    /// The merchant's answer; `None` when the request failed.
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

impl CallbackDelivery {
    pub fn delivered(&self) -> bool {
        self.http_status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The string the rail signs, from a callback's `result` as JSON: every field, keys sorted
/// bytewise, `amount` with exactly two decimals, other strings as they are, numbers as their
/// JSON text, `null` as nothing; joined by `;`.
pub fn signing_string(result: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = result.keys().collect();
    keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let values: Vec<String> = keys
        .into_iter()
        .map(|key| {
            let value = &result[key];
            if key == "amount"
                && let Some(amount) = decimal(value)
            {
                return two_places(amount);
            }
            match value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            }
        })
        .collect();
    values.join(";")
}

fn decimal(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok()
}

/// The callback body for a payment as it stands.
pub(super) fn signed_body(key: &SigningKey<Sha256>, payment: &SandboxPayment) -> String {
    let fields = payment.result_fields();
    // Built from the same field list as the JSON, so the two cannot drift apart.
    let text = fields.values().map(|(_, text)| text.as_str()).collect::<Vec<_>>().join(";");
    let signature = BASE64.encode(key.sign(text.as_bytes()).to_bytes());
    let result: Map<String, Value> = fields.into_iter().map(|(k, (v, _))| (k.to_owned(), v)).collect();
    json!({"result": result, "signature": signature}).to_string()
}

/// POSTs the body and records the merchant's answer.
pub(super) async fn deliver(
    http: &reqwest::Client,
    url: &str,
    payment_id: &str,
    body: String,
) -> CallbackDelivery {
    let outcome = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.clone())
        .send()
        .await;
    let (http_status, error) = match outcome {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(e) => (None, Some(e.to_string())),
    };
    CallbackDelivery { payment_id: payment_id.to_owned(), url: url.to_owned(), body, http_status, error }
}
