//! Merchant secrets at rest: AES-256-GCM under the data key from the secret, each ciphertext
//! bound to its seller and merchant by associated data, so a sealed value copied onto another
//! record fails to open instead of authenticating as someone else.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use thiserror::Error;

use crate::config::Secret;

const VERSION: &str = "v1";
const NONCE_LEN: usize = 12;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("DATA_KEY must be the base64 of 32 bytes")]
    BadKey,
    #[error("the sealed value is not in the v1 format")]
    Format,
    #[error("the sealed value does not open with this key and binding")]
    Open,
}

/// The data key, held only in memory.
#[derive(Clone)]
pub struct DataKey(Aes256Gcm);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(***)")
    }
}

/// What a sealed merchant secret is bound to.
pub fn merchant_secret_binding(seller_phone: &str, merchant_id: &str) -> String {
    format!("paybot/merchant-secret/v1|{seller_phone}|{merchant_id}")
}

impl DataKey {
    pub fn from_base64(encoded: &str) -> Result<DataKey, CryptoError> {
        let bytes = BASE64.decode(encoded.trim()).map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        Ok(DataKey(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes))))
    }

    /// A fresh random key, base64 (for `DATA_KEY`; the import command prints one on request).
    pub fn generate_base64() -> String {
        BASE64.encode(Aes256Gcm::generate_key(&mut OsRng))
    }

    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag). A new random nonce every time.
    pub fn seal(&self, plaintext: &str, binding: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .0
            .encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: binding.as_bytes() })
            .expect("AES-GCM encryption of an in-memory buffer does not fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        format!("{VERSION}:{}", BASE64.encode(out))
    }

    pub fn open(&self, sealed: &str, binding: &str) -> Result<Secret, CryptoError> {
        let encoded = sealed.strip_prefix("v1:").ok_or(CryptoError::Format)?;
        let bytes = BASE64.decode(encoded).map_err(|_| CryptoError::Format)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(CryptoError::Format);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plaintext = self
            .0
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: binding.as_bytes() })
            .map_err(|_| CryptoError::Open)?;
        String::from_utf8(plaintext).map(Secret::new).map_err(|_| CryptoError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_with_the_same_binding_only() {
        let key = DataKey::from_base64(&DataKey::generate_base64()).unwrap();
        let binding = merchant_secret_binding("+37369123456", "M-1");
        let sealed = key.seal("merchant-secret", &binding);
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("merchant-secret"));
        assert_eq!(key.open(&sealed, &binding).unwrap().expose(), "merchant-secret");
        assert_ne!(key.seal("merchant-secret", &binding), sealed, "a fresh nonce each time");
        let other = merchant_secret_binding("+37369123456", "M-2");
        assert_eq!(key.open(&sealed, &other).unwrap_err(), CryptoError::Open);
        let stranger = DataKey::from_base64(&DataKey::generate_base64()).unwrap();
        assert_eq!(stranger.open(&sealed, &binding).unwrap_err(), CryptoError::Open);
    }

    #[test]
    fn rejects_bad_keys_and_formats() {
        assert_eq!(DataKey::from_base64("c2hvcnQ=").unwrap_err(), CryptoError::BadKey);
        assert_eq!(DataKey::from_base64("not base64!").unwrap_err(), CryptoError::BadKey);
        let key = DataKey::from_base64(&DataKey::generate_base64()).unwrap();
        for bad in ["", "v2:AAAA", "v1:***", "v1:AAAA"] {
            assert_eq!(key.open(bad, "b").unwrap_err(), CryptoError::Format, "{bad}");
        }
        assert!(!format!("{key:?}").contains('='));
    }
}
