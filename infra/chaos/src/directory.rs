//! The synthetic directory of a run: the demo business number and `n` sellers, one QR
//! merchant each, over the five locales in turn.

use std::path::PathBuf;

use paybot::domain::Locale;
use serde_json::{Value, json};

use crate::Error;

pub const LOCALES: [Locale; 5] = [Locale::Ro, Locale::Ru, Locale::En, Locale::Fr, Locale::De];

/// A seller of the run.
#[derive(Debug, Clone)]
pub struct Seller {
    /// E.164, `+37368` and six digits: outside the demo directory's numbers.
    pub phone: String,
    pub name: String,
    pub locale: Locale,
    pub merchant_id: String,
}

impl Seller {
    /// The `wa_id` (digits, no `+`).
    pub fn wa_id(&self) -> &str {
        self.phone.trim_start_matches('+')
    }
}

pub fn sellers(n: usize) -> Vec<Seller> {
    (0..n)
        .map(|i| Seller {
            phone: format!("+37368{:06}", i + 1),
            name: format!("Chaos Seller {:04}", i + 1),
            locale: LOCALES[i % LOCALES.len()],
            merchant_id: format!("MCHAOS-{:04}", i + 1),
        })
        .collect()
}

/// The directory file's text: the demo profiles and `sellers`.
pub fn file_text(sellers: &[Seller]) -> Result<String, Error> {
    let demo: Value = serde_json::from_str(local_stack::settings::DEMO_DIRECTORY)?;
    let entries: Vec<Value> = sellers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "phone": s.phone,
                "name": s.name,
                "locale": s.locale.code(),
                "merchants": [{
                    "merchant_id": s.merchant_id,
                    "name": format!("Chaos Shop {:04}", i + 1),
                    "qr_terminal": format!("T-CHAOS-{:04}-QR", i + 1),
                    "currency": "MDL",
                    "secret_key": format!("chaos-secret-{:04}", i + 1),
                }],
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&json!({"profiles": demo["profiles"], "sellers": entries}))?)
}

/// The directory file on disk, removed when dropped.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn write(text: &str) -> Result<TempFile, Error> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "paybot-chaos-directory-{}-{}.json",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, text)?;
        Ok(TempFile(path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
