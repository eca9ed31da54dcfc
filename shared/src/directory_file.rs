//! The directory file: business-number profiles and sellers with their merchants and rail
//! credentials, as a bank hands them over. The local stack loads it; the import command
//! writes it to DynamoDB. Secrets are sealed with the data key on the way in and never
//! stored in the clear. Format: see the README ("Directory file").

use serde::Deserialize;
use thiserror::Error;

use crate::StoreError;
use crate::crypto::{DataKey, merchant_secret_binding};
use crate::domain::{BusinessProfile, Currency, Locale, MerchantBinding, Phone, Seller, SellerStatus};
use crate::ports::Directory;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryFile {
    pub profiles: Vec<BusinessProfile>,
    pub sellers: Vec<SellerEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SellerEntry {
    pub phone: String,
    pub name: String,
    pub locale: Locale,
    #[serde(default = "active")]
    pub status: SellerStatus,
    pub merchants: Vec<MerchantEntry>,
}

fn active() -> SellerStatus {
    SellerStatus::Active
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantEntry {
    pub merchant_id: String,
    pub name: String,
    pub qr_terminal: String,
    #[serde(default)]
    pub rtp_terminal: Option<String>,
    pub currency: Currency,
    /// The miaPOS `secretKey` in the clear (sealed on import).
    pub secret_key: String,
}

#[derive(Debug, Error)]
pub enum DirectoryFileError {
    #[error("the directory file is not valid: {0}")]
    Format(#[from] serde_json::Error),
    #[error("seller {index}: phone is not an international number")]
    Phone { index: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DirectoryFile {
    pub fn parse(text: &str) -> Result<DirectoryFile, DirectoryFileError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The sellers with their secrets sealed under `key`, each bound to its seller and merchant.
    pub fn sealed_sellers(&self, key: &DataKey) -> Result<Vec<Seller>, DirectoryFileError> {
        self.sellers
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                let phone = Phone::parse_international(&entry.phone)
                    .map_err(|_| DirectoryFileError::Phone { index })?;
                let merchants = entry
                    .merchants
                    .iter()
                    .map(|m| MerchantBinding {
                        merchant_id: m.merchant_id.clone(),
                        name: m.name.clone(),
                        qr_terminal: m.qr_terminal.clone(),
                        rtp_terminal: m.rtp_terminal.clone(),
                        currency: m.currency,
                        sealed_secret: key
                            .seal(&m.secret_key, &merchant_secret_binding(phone.as_e164(), &m.merchant_id)),
                    })
                    .collect();
                Ok(Seller {
                    phone,
                    name: entry.name.clone(),
                    locale: entry.locale,
                    status: entry.status,
                    merchants,
                })
            })
            .collect()
    }

    /// Writes every profile and seller (replacing what the directory had under the same keys).
    /// Returns the number of profiles and sellers written.
    pub async fn import(
        &self,
        key: &DataKey,
        directory: &dyn Directory,
    ) -> Result<(usize, usize), DirectoryFileError> {
        let sellers = self.sealed_sellers(key)?;
        for profile in &self.profiles {
            directory.put_profile(profile).await?;
        }
        for seller in &sellers {
            directory.put_seller(seller).await?;
        }
        Ok((self.profiles.len(), sellers.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryDirectory;

    const DEMO: &str = include_str!("../../infra/demo/directory.json");

    #[tokio::test]
    async fn the_demo_directory_imports_with_sealed_secrets() {
        let file = DirectoryFile::parse(DEMO).unwrap();
        let key = DataKey::from_base64(&DataKey::generate_base64()).unwrap();
        let directory = MemoryDirectory::default();
        let (profiles, sellers) = file.import(&key, &directory).await.unwrap();
        assert!(profiles >= 1 && sellers >= 3);
        let entry = &file.sellers[0];
        let phone = Phone::parse_international(&entry.phone).unwrap();
        let seller = directory.seller(&phone).await.unwrap().unwrap();
        let merchant = &seller.merchants[0];
        assert!(!merchant.sealed_secret.contains(&entry.merchants[0].secret_key));
        let binding = merchant_secret_binding(phone.as_e164(), &merchant.merchant_id);
        assert_eq!(
            key.open(&merchant.sealed_secret, &binding).unwrap().expose(),
            entry.merchants[0].secret_key
        );
        assert!(file.sellers.iter().any(|s| s.status == SellerStatus::Blocked));
        assert!(file.sellers.iter().any(|s| s.merchants.len() > 1));
    }

    #[test]
    fn unknown_fields_and_bad_phones_are_refused() {
        assert!(DirectoryFile::parse(r#"{"profiles":[],"sellers":[],"extra":1}"#).is_err());
        let file = DirectoryFile::parse(
            r#"{"profiles":[],"sellers":[{"phone":"069","name":"x","locale":"ro","merchants":[]}]}"#,
        )
        .unwrap();
        let key = DataKey::from_base64(&DataKey::generate_base64()).unwrap();
        assert!(matches!(file.sealed_sellers(&key), Err(DirectoryFileError::Phone { index: 0 })));
    }
}
