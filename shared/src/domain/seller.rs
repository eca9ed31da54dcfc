use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Currency, Locale, Phone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SellerStatus {
    Active,
    Blocked,
}

/// One merchant a seller's phone is registered against, with its rail credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantBinding {
    pub merchant_id: String,
    /// The merchant's name as sellers know it (shown in the merchant picker).
    pub name: String,
    /// The e-commerce terminal for QR payments.
    pub qr_terminal: String,
    /// The RTP-capable terminal, where the merchant has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtp_terminal: Option<String>,
    pub currency: Currency,
    /// The miaPOS `secretKey`, sealed with the data key (see [`crate::crypto`]).
    pub sealed_secret: String,
}

/// A seller, found by phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    pub phone: Phone,
    pub name: String,
    /// The locale from the partner bank's record; `/lang` overrides it per conversation.
    pub locale: Locale,
    pub status: SellerStatus,
    pub merchants: Vec<MerchantBinding>,
}

impl Seller {
    pub fn merchant(&self, merchant_id: &str) -> Option<&MerchantBinding> {
        self.merchants.iter().find(|m| m.merchant_id == merchant_id)
    }
}

/// What one of the business's WhatsApp numbers offers, and the market it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessProfile {
    /// Meta's `phone_number_id`.
    pub business_number_id: String,
    pub display_number: String,
    pub currency: Currency,
    /// The country calling code of the market, for national phone numbers (`373`).
    pub country_code: String,
    pub default_locale: Locale,
    /// IANA time zone of the market (`Europe/Chisinau`).
    pub time_zone: String,
    /// Largest amount of one QR payment link.
    pub qr_max: Decimal,
    /// Largest amount of one request-to-pay (the MIA rail caps business RTP at 100,000 MDL).
    pub rtp_max: Decimal,
    #[serde(default = "default_description_max")]
    pub description_max_chars: usize,
    pub capabilities: Vec<Capability>,
}

fn default_description_max() -> usize {
    140
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    PaymentLinks,
    RequestToPay,
    Wallet,
}
