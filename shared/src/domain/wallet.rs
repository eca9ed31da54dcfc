//! Wallet accounts (the consumer wallet): who holds money on the wallet's own ledger.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Currency, Phone};

/// Whether an account may move money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    /// Frozen by the operator: it can be looked at, nothing moves.
    Frozen,
}

/// A wallet account, as the wallet operator's directory holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletAccount {
    /// The operator's account id (`ACC-1001`).
    pub id: String,
    pub name: String,
    /// The phone the account was opened with: one-time codes go there by SMS, whatever
    /// WhatsApp number asks for them.
    pub registered_phone: Phone,
    /// The KYC tier's name; its limits are configuration (`WALLET_TIERS`).
    pub tier: String,
    pub status: AccountStatus,
    pub currency: Currency,
    /// The balance the account opened with, posted once to the ledger from the system's
    /// opening account when the account is imported.
    pub opening_balance: Decimal,
}

impl WalletAccount {
    /// The account's id on the ledger.
    pub fn ledger_account(&self) -> crate::ledger::AccountId {
        crate::ledger::AccountId::wallet(&self.id)
    }

    /// The name as shown to someone sending money to the account: the first name and the
    /// initial of the last (`Kwame M.`), never the whole name.
    pub fn masked_name(&self) -> String {
        let mut parts = self.name.split_whitespace();
        let first = parts.next().unwrap_or_default();
        match parts.last().and_then(|last| last.chars().next()) {
            Some(initial) => format!("{first} {initial}."),
            None => first.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> WalletAccount {
        WalletAccount {
            id: "ACC-1".into(),
            name: name.into(),
            registered_phone: Phone::parse_international("+233244000001").unwrap(),
            tier: "tier1".into(),
            status: AccountStatus::Active,
            currency: Currency::GHS,
            opening_balance: Decimal::ZERO,
        }
    }

    #[test]
    fn masked_names_show_the_first_name_and_an_initial() {
        assert_eq!(account("Kwame Mensah").masked_name(), "Kwame M.");
        assert_eq!(account("Ama Serwaa Owusu").masked_name(), "Ama O.");
        assert_eq!(account("Kofi").masked_name(), "Kofi");
    }
}
