//! The rail's status callback: `{"result":{…},"signature":"<base64>"}`.
//!
//! The signature is SHA256withRSA (PKCS#1 v1.5) by miaPOS's private key over the values of
//! `result`, taken in the bytewise order of their keys and joined by `;`, with `amount` written
//! with exactly two decimals. Every field present counts, not a fixed list: the rail adds fields
//! (`paymentType` already) and a fixed list would reject every callback the day it does.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::RsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value};
use sha2::Sha256;
use thiserror::Error;

use crate::ports::RailStatus;

/// The string the rail signs for a callback's `result`: every field, keys sorted bytewise,
/// values joined by `;`. `amount` has exactly two decimals and a `.` (`100` → `100.00`), as the
/// official PHP SDK writes it; strings are written as they are, numbers and booleans as their
/// JSON text, `null` as nothing.
pub fn signing_string(result: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = result.keys().collect();
    // Explicit, whatever order the map keeps (serde_json's `preserve_order` would change it).
    keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut out = String::new();
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let value = &result[key];
        let amount = if key == "amount" { decimal_from_json(value) } else { None };
        match (amount, value) {
            (Some(amount), _) => out.push_str(&two_places(amount)),
            (None, Value::String(s)) => out.push_str(s),
            (None, Value::Null) => {}
            (None, other) => out.push_str(&other.to_string()),
        }
    }
    out
}

/// An amount from the rail's JSON: a number (`145.25`, `100.0`, `1775`) or a numeric string.
pub(crate) fn decimal_from_json(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok()
}

/// Exactly two decimals. The rail's amounts are JSON doubles: rounding absorbs the last-bit
/// noise a double may carry (`145.25000000000003`).
pub(crate) fn two_places(amount: Decimal) -> String {
    to_cents(amount).to_string()
}

pub(crate) fn to_cents(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PublicKeyError {
    #[error("the miaPOS public key is not base64")]
    Base64,
    #[error("the miaPOS public key is not an RSA SubjectPublicKeyInfo")]
    Der,
}

/// Why a callback was refused. Neither variant carries the body: it may hold payer data.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// Not the callback's shape, or a signed result that lacks what we need: answer 400.
    #[error("malformed callback: {0}")]
    Malformed(String),
    /// The signature does not verify with the rail's key: answer 403 and alert.
    #[error("the callback's signature does not verify")]
    BadSignature,
}

impl CallbackError {
    /// The HTTP status to answer the rail with.
    pub fn http_status(&self) -> u16 {
        match self {
            CallbackError::Malformed(_) => 400,
            CallbackError::BadSignature => 403,
        }
    }
}

/// A verified callback's `result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackResult {
    pub order_id: String,
    pub payment_id: String,
    pub terminal_id: String,
    pub status: RailStatus,
    /// With two decimals.
    pub amount: Decimal,
    pub currency: String,
    pub payment_date: Option<String>,
    /// `swiftPayerBank`.
    pub payer_bank: Option<String>,
}

/// Verifies callbacks with the rail's public key.
#[derive(Clone)]
pub struct CallbackVerifier {
    key: VerifyingKey<Sha256>,
}

impl fmt::Debug for CallbackVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackVerifier { .. }")
    }
}

impl CallbackVerifier {
    /// From the base64 of the DER `SubjectPublicKeyInfo` (what `GET /api/v1/public-key`
    /// answers). A PEM block is accepted too, since that is how keys get pasted into
    /// configuration.
    pub fn from_base64_der(public_key: &str) -> Result<CallbackVerifier, PublicKeyError> {
        let base64: String = public_key
            .lines()
            .filter(|line| !line.trim_start().starts_with("-----"))
            .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
            .collect();
        let der = BASE64.decode(base64).map_err(|_| PublicKeyError::Base64)?;
        let key = RsaPublicKey::from_public_key_der(&der).map_err(|_| PublicKeyError::Der)?;
        Ok(CallbackVerifier { key: VerifyingKey::new(key) })
    }

    /// Checks the signature over the raw body, then reads the result. Nothing of the body is
    /// trusted before the signature verifies.
    pub fn verify(&self, raw_body: &[u8]) -> Result<CallbackResult, CallbackError> {
        let malformed = |what: &str| CallbackError::Malformed(what.to_owned());
        let body: Value = serde_json::from_slice(raw_body).map_err(|_| malformed("the body is not JSON"))?;
        let result =
            body.get("result").and_then(Value::as_object).ok_or_else(|| malformed("no result object"))?;
        let signature =
            body.get("signature").and_then(Value::as_str).ok_or_else(|| malformed("no signature string"))?;
        let signature: String = signature.chars().filter(|c| !c.is_whitespace()).collect();
        let signature = BASE64.decode(signature).map_err(|_| malformed("the signature is not base64"))?;
        let signature = Signature::try_from(signature.as_slice()).map_err(|_| CallbackError::BadSignature)?;
        self.key
            .verify(signing_string(result).as_bytes(), &signature)
            .map_err(|_| CallbackError::BadSignature)?;
        read_result(result)
    }
}

fn read_result(result: &Map<String, Value>) -> Result<CallbackResult, CallbackError> {
    let text = |key: &str| -> Result<String, CallbackError> {
        match result.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            // Identifiers are strings in the specification; a number is read as its text.
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => Err(CallbackError::Malformed(format!("result.{key} is missing"))),
        }
    };
    let optional =
        |key: &str| result.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let status = result
        .get("status")
        .cloned()
        .and_then(|s| serde_json::from_value::<RailStatus>(s).ok())
        .ok_or_else(|| CallbackError::Malformed("result.status is missing or unknown".into()))?;
    let amount = result
        .get("amount")
        .and_then(decimal_from_json)
        .ok_or_else(|| CallbackError::Malformed("result.amount is missing or not a number".into()))?;
    Ok(CallbackResult {
        order_id: text("orderId")?,
        payment_id: text("paymentId")?,
        terminal_id: text("terminalId")?,
        status,
        amount: to_cents(amount),
        currency: text("currency")?,
        payment_date: optional("paymentDate"),
        payer_bank: optional("swiftPayerBank"),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use rsa::RsaPrivateKey;
    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::EncodePublicKey;
    use rsa::signature::{SignatureEncoding, Signer};
    use serde_json::json;

    use super::*;

    const PAYMENT_ID: &str = "bc340d13-7411-4785-a083-b594b1384eb5";

    fn reference_result() -> Map<String, Value> {
        json!({"terminalId":"123456","orderId":"order123","paymentId":PAYMENT_ID,"status":"SUCCESS",
               "amount":145.25,"currency":"MDL","paymentDate":"2024-05-20T16:32:28+03:00",
               "swiftMessageId":"swift123","swiftPayerBank":"SomeBank"})
        .as_object()
        .unwrap()
        .clone()
    }

    /// A key pair made once for the tests (generation is the slow part).
    fn keys() -> &'static (SigningKey<Sha256>, String) {
        static KEYS: OnceLock<(SigningKey<Sha256>, String)> = OnceLock::new();
        KEYS.get_or_init(|| {
            let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
            let public = BASE64.encode(private.to_public_key().to_public_key_der().unwrap().as_bytes());
            (SigningKey::new(private), public)
        })
    }

    fn signed(result: &Map<String, Value>) -> Vec<u8> {
        let signature = keys().0.sign(signing_string(result).as_bytes());
        json!({"result": result, "signature": BASE64.encode(signature.to_bytes())}).to_string().into_bytes()
    }

    fn verifier() -> CallbackVerifier {
        CallbackVerifier::from_base64_der(&keys().1).unwrap()
    }

    #[test]
    fn the_reference_example_gives_the_reference_string() {
        assert_eq!(
            signing_string(&reference_result()),
            format!(
                "145.25;MDL;order123;2024-05-20T16:32:28+03:00;{PAYMENT_ID};SUCCESS;swift123;SomeBank;123456"
            )
        );
    }

    #[test]
    fn amounts_have_exactly_two_decimals() {
        for (amount, text) in [
            (json!(100), "100.00"),
            (json!(100.0), "100.00"),
            (json!(100.5), "100.50"),
            (json!(1775.00), "1775.00"),
            (json!("12.3"), "12.30"),
            (json!(145.25000000000003), "145.25"),
        ] {
            let result = json!({"amount": amount}).as_object().unwrap().clone();
            assert_eq!(signing_string(&result), text);
        }
    }

    #[test]
    fn every_field_counts_and_keys_sort_bytewise() {
        let mut result = reference_result();
        result.insert("paymentType".into(), json!("qr"));
        assert_eq!(
            signing_string(&result),
            format!(
                "145.25;MDL;order123;2024-05-20T16:32:28+03:00;{PAYMENT_ID};qr;SUCCESS;swift123;SomeBank;123456"
            )
        );
        // Upper case sorts before lower case, bytewise; null is empty; numbers are their text.
        let result = json!({"b": null, "a": 7, "B": true, "status": "PENDING"}).as_object().unwrap().clone();
        assert_eq!(signing_string(&result), "true;7;;PENDING");
    }

    #[test]
    fn a_signed_callback_verifies_and_reads() {
        let mut result = reference_result();
        result.insert("paymentType".into(), json!("qr"));
        let read = verifier().verify(&signed(&result)).unwrap();
        assert_eq!(
            read,
            CallbackResult {
                order_id: "order123".into(),
                payment_id: PAYMENT_ID.into(),
                terminal_id: "123456".into(),
                status: RailStatus::Success,
                amount: Decimal::new(14525, 2),
                currency: "MDL".into(),
                payment_date: Some("2024-05-20T16:32:28+03:00".into()),
                payer_bank: Some("SomeBank".into()),
            }
        );
        // A round amount reads with two decimals, signed as `100.00` over the JSON `100.0`.
        let mut result = reference_result();
        result.insert("amount".into(), json!(100.0));
        result.remove("swiftPayerBank");
        let read = verifier().verify(&signed(&result)).unwrap();
        assert_eq!(read.amount.to_string(), "100.00");
        assert_eq!(read.payer_bank, None);
    }

    #[test]
    fn tampering_breaks_the_signature() {
        let body = signed(&reference_result());
        let tampered = String::from_utf8(body.clone()).unwrap().replace("145.25", "1.25");
        assert_eq!(verifier().verify(tampered.as_bytes()), Err(CallbackError::BadSignature));
        let tampered = String::from_utf8(body.clone()).unwrap().replace("SUCCESS", "EXPIRED");
        assert_eq!(verifier().verify(tampered.as_bytes()), Err(CallbackError::BadSignature));
        // An added field changes the signed string too.
        let mut value: Value = serde_json::from_slice(&body).unwrap();
        value["result"]["extra"] = json!("x");
        assert_eq!(verifier().verify(value.to_string().as_bytes()), Err(CallbackError::BadSignature));
        // Another key's signature does not verify.
        let other = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
        let other = BASE64.encode(other.to_public_key().to_public_key_der().unwrap().as_bytes());
        assert_eq!(
            CallbackVerifier::from_base64_der(&other).unwrap().verify(&body),
            Err(CallbackError::BadSignature)
        );
    }

    #[test]
    fn malformed_bodies_are_400_and_bad_signatures_403() {
        let cases: [&[u8]; 5] = [
            b"not json",
            b"[]",
            br#"{"signature":"AAAA"}"#,
            br#"{"result":{"status":"SUCCESS"}}"#,
            br#"{"result":{"status":"SUCCESS"},"signature":"%%%"}"#,
        ];
        for body in cases {
            let err = verifier().verify(body).unwrap_err();
            assert!(matches!(err, CallbackError::Malformed(_)), "{err:?}");
            assert_eq!(err.http_status(), 400);
        }
        let err = verifier().verify(br#"{"result":{"status":"SUCCESS"},"signature":"AAAA"}"#).unwrap_err();
        assert_eq!(err, CallbackError::BadSignature);
        assert_eq!(err.http_status(), 403);
        // Signed, but without what the bot needs: malformed, not forged.
        let mut result = reference_result();
        result.insert("status".into(), json!("REFUNDED"));
        assert!(matches!(verifier().verify(&signed(&result)), Err(CallbackError::Malformed(_))));
    }

    #[test]
    fn keys_load_from_base64_or_pem() {
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", keys().1);
        assert!(CallbackVerifier::from_base64_der(&pem).is_ok());
        assert_eq!(CallbackVerifier::from_base64_der("%%").unwrap_err(), PublicKeyError::Base64);
        assert_eq!(CallbackVerifier::from_base64_der("AAAA").unwrap_err(), PublicKeyError::Der);
    }
}
