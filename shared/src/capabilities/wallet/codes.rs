//! One-time codes: six digits from the operating system's CSPRNG, of which only a keyed hash
//! is stored (HMAC-SHA256 under the OTP key, bound to the account), so a leaked table holds
//! nothing a person could type.

use hmac::{Hmac, Mac};
use rand::TryRngCore;
use sha2::Sha256;

/// A fresh code, uniformly drawn from 000000–999999.
pub fn generate() -> String {
    // Rejection sampling keeps every code equally likely: 4_294_000_000 is the largest
    // multiple of a million below 2^32.
    loop {
        let value = rand::rngs::OsRng.try_next_u32().expect("the operating system's random source works");
        if value < 4_294_000_000 {
            return format!("{:06}", value % 1_000_000);
        }
    }
}

/// The stored form of `code` for `account_id`.
pub fn hash(key: &[u8], account_id: &str, code: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(account_id.as_bytes());
    mac.update(b"|");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..200).map(|_| generate()).collect();
        assert!(codes.iter().all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())));
        // 200 draws from a million values: a repeat-free set is overwhelmingly likely, and a
        // constant or low-entropy generator fails this at once.
        assert!(codes.len() > 190);
    }

    #[test]
    fn the_hash_is_keyed_and_bound_to_the_account() {
        let h = hash(b"key-1", "ACC-1", "123456");
        assert_eq!(h, hash(b"key-1", "ACC-1", "123456"));
        assert_ne!(h, hash(b"key-2", "ACC-1", "123456"));
        assert_ne!(h, hash(b"key-1", "ACC-2", "123456"));
        assert_ne!(h, hash(b"key-1", "ACC-1", "123457"));
        assert!(!h.contains("123456"));
    }
}
