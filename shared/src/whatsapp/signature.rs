use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the X-Hub-Signature-256 header does not match the body")]
    Mismatch,
}

/// Checks `X-Hub-Signature-256` over the exact bytes received, and the verify token of the
/// subscription handshake, both in constant time.
#[derive(Clone)]
pub struct WebhookVerifier {
    // The keyed state is prepared once; each request clones it instead of re-hashing the key.
    mac: Hmac<Sha256>,
    verify_token: Vec<u8>,
}

impl WebhookVerifier {
    pub fn new(app_secret: &str, verify_token: &str) -> Self {
        WebhookVerifier {
            mac: Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
                .expect("HMAC takes keys of any length"),
            verify_token: verify_token.as_bytes().to_vec(),
        }
    }

    /// `header` is the value of `X-Hub-Signature-256`: `sha256=` and 64 hex digits.
    /// A malformed header is a mismatch, not a different answer.
    pub fn verify_body(&self, body: &[u8], header: Option<&[u8]>) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?;
        let hex_digest = header.strip_prefix(b"sha256=").ok_or(SignatureError::Mismatch)?;
        let mut expected = [0u8; 32];
        hex::decode_to_slice(hex_digest, &mut expected).map_err(|_| SignatureError::Mismatch)?;
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.verify_slice(&expected).map_err(|_| SignatureError::Mismatch)
    }

    /// The subscription handshake: `hub.mode=subscribe` and the configured token.
    /// An empty configured token never matches.
    pub fn verify_subscription(&self, mode: Option<&str>, token: Option<&str>) -> bool {
        let token_matches = match token {
            Some(t) if !self.verify_token.is_empty() => bool::from(t.as_bytes().ct_eq(&self.verify_token)),
            _ => false,
        };
        mode == Some("subscribe") && token_matches
    }

    /// The header value Meta would send for `body` (tests, the sandbox, the load run).
    pub fn sign(app_secret: &str, body: &[u8]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes keys of any length");
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "app-secret";

    #[test]
    fn accepts_the_signature_of_the_exact_bytes() {
        let verifier = WebhookVerifier::new(SECRET, "token");
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = WebhookVerifier::sign(SECRET, body);
        assert_eq!(verifier.verify_body(body, Some(header.as_bytes())), Ok(()));
    }

    #[test]
    fn a_known_vector() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231 style vector.
        let header = WebhookVerifier::sign("key", b"The quick brown fox jumps over the lazy dog");
        assert_eq!(header, "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    }

    #[test]
    fn escaped_non_ascii_is_verified_as_sent() {
        // Meta escapes non-ASCII as \uXXXX; re-encoding the decoded text would change the bytes.
        let verifier = WebhookVerifier::new(SECRET, "token");
        let body =
            br#"{"text":{"body":"plat\u0103 100 \u201eCafea\u201d \u043e\u043f\u043b\u0430\u0442\u0430"}}"#;
        let header = WebhookVerifier::sign(SECRET, body);
        assert_eq!(verifier.verify_body(body, Some(header.as_bytes())), Ok(()));
        let decoded: serde_json::Value = serde_json::from_slice(body).unwrap();
        let reencoded = serde_json::to_vec(&decoded).unwrap();
        assert_eq!(verifier.verify_body(&reencoded, Some(header.as_bytes())), Err(SignatureError::Mismatch));
    }

    #[test]
    fn refuses_missing_wrong_and_malformed_headers() {
        let verifier = WebhookVerifier::new(SECRET, "token");
        let body = b"{}";
        assert_eq!(verifier.verify_body(body, None), Err(SignatureError::Missing));
        let other = WebhookVerifier::sign("other-secret", body);
        assert_eq!(verifier.verify_body(body, Some(other.as_bytes())), Err(SignatureError::Mismatch));
        for bad in ["", "sha256=", "sha1=abcd", "sha256=zz", "sha256=00"] {
            assert_eq!(
                verifier.verify_body(body, Some(bad.as_bytes())),
                Err(SignatureError::Mismatch),
                "{bad}"
            );
        }
        let good = WebhookVerifier::sign(SECRET, body);
        assert_eq!(verifier.verify_body(b"{} ", Some(good.as_bytes())), Err(SignatureError::Mismatch));
    }

    #[test]
    fn subscription_handshake() {
        let verifier = WebhookVerifier::new(SECRET, "token");
        assert!(verifier.verify_subscription(Some("subscribe"), Some("token")));
        assert!(!verifier.verify_subscription(Some("subscribe"), Some("tokem")));
        assert!(!verifier.verify_subscription(Some("unsubscribe"), Some("token")));
        assert!(!verifier.verify_subscription(None, Some("token")));
        assert!(!verifier.verify_subscription(Some("subscribe"), None));
        let unconfigured = WebhookVerifier::new(SECRET, "");
        assert!(!unconfigured.verify_subscription(Some("subscribe"), Some("")));
    }
}
