//! The wallet file: the wallet operator's accounts as the operator hands them over (JSON).
//! The local stack loads it; an import writes the accounts to DynamoDB and posts each opening
//! balance to the ledger once. Format: see the README ("Wallet file").

use rust_decimal::Decimal;
use serde::Deserialize;
use thiserror::Error;

use crate::domain::{AccountStatus, Currency, Phone, WalletAccount};

/// A parsed and checked wallet file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletFile {
    accounts: Vec<WalletAccount>,
    susu_groups: Vec<crate::domain::SusuGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    accounts: Vec<serde_json::Value>,
    #[serde(default)]
    susu_groups: Vec<serde_json::Value>,
}

/// One susu group as written in the file (README: "Susu groups").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SusuGroupEntry {
    code: String,
    name: String,
    business_number_id: String,
    currency: Currency,
    /// A decimal string, as every amount in the configuration files.
    contribution: String,
    cycle: crate::domain::SusuCycleLength,
    /// RFC 3339 (`2026-12-07T08:00:00Z`).
    starts_at: chrono::DateTime<chrono::Utc>,
    seats: u32,
    /// Account ids of the file, in payout order; seats beyond them are filled by SUSU JOIN.
    #[serde(default)]
    members: Vec<String>,
}

/// One account as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountEntry {
    id: String,
    name: String,
    phone: String,
    tier: String,
    #[serde(default = "active")]
    status: AccountStatus,
    currency: Currency,
    /// A decimal string (`"250.00"`), as every amount in the configuration files.
    opening_balance: String,
}

fn active() -> AccountStatus {
    AccountStatus::Active
}

/// What is wrong with a wallet file; `index` counts accounts from 0 in file order. Never
/// carries a phone number.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WalletFileError {
    #[error("the wallet file is not valid: {0}")]
    Format(String),
    #[error("account {index}: {reason}")]
    Entry { index: usize, reason: String },
    #[error("account {index}: {field} {reason}")]
    Field { index: usize, field: &'static str, reason: &'static str },
    #[error("account {index}: id is already used by account {first}")]
    DuplicateId { index: usize, first: usize },
    #[error("account {index}: phone is already the registered phone of account {first}")]
    DuplicatePhone { index: usize, first: usize },
    #[error("susu group {index}: {reason}")]
    SusuGroup { index: usize, reason: String },
}

impl WalletFile {
    pub fn parse(text: &str) -> Result<WalletFile, WalletFileError> {
        let raw: RawFile = serde_json::from_str(text).map_err(|e| WalletFileError::Format(e.to_string()))?;
        let mut accounts: Vec<WalletAccount> = Vec::with_capacity(raw.accounts.len());
        for (index, value) in raw.accounts.into_iter().enumerate() {
            let entry: AccountEntry = serde_json::from_value(value)
                // serde names the field: "missing field `tier`", "unknown variant `closed`".
                .map_err(|e| WalletFileError::Entry { index, reason: e.to_string() })?;
            let account = entry.check(index)?;
            if let Some(first) = accounts.iter().position(|a| a.id == account.id) {
                return Err(WalletFileError::DuplicateId { index, first });
            }
            // A code goes to the registered phone: two accounts on one phone could not be told apart.
            if let Some(first) = accounts.iter().position(|a| a.registered_phone == account.registered_phone)
            {
                return Err(WalletFileError::DuplicatePhone { index, first });
            }
            accounts.push(account);
        }
        let mut susu_groups: Vec<crate::domain::SusuGroup> = Vec::new();
        for (index, value) in raw.susu_groups.into_iter().enumerate() {
            let reason = |reason: String| WalletFileError::SusuGroup { index, reason };
            let entry: SusuGroupEntry = serde_json::from_value(value).map_err(|e| reason(e.to_string()))?;
            let group = entry.check(&accounts).map_err(|r| reason(r.to_owned()))?;
            if susu_groups.iter().any(|g| g.code == group.code) {
                return Err(reason("code is already used".into()));
            }
            susu_groups.push(group);
        }
        Ok(WalletFile { accounts, susu_groups })
    }

    /// The susu groups, in file order.
    pub fn susu_groups(&self) -> &[crate::domain::SusuGroup] {
        &self.susu_groups
    }

    /// Writes every susu group (members who joined since stay). Returns how many.
    pub async fn import_susu(&self, groups: &dyn crate::ports::SusuGroupStore) -> crate::StoreResult<usize> {
        for group in &self.susu_groups {
            groups.put_group(group).await?;
        }
        Ok(self.susu_groups.len())
    }

    /// The accounts, in file order.
    pub fn accounts(&self) -> Vec<WalletAccount> {
        self.accounts.clone()
    }

    /// Writes every account and posts each opening balance once, from the system's opening
    /// account, so the ledger always balances. Importing the same file again changes
    /// nothing on the ledger (the opening transfer's id is the account's). Returns how many
    /// accounts were written and how many opening balances were posted now.
    pub async fn import(
        &self,
        accounts: &dyn crate::ports::WalletDirectory,
        ledger: &dyn crate::ledger::Ledger,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(usize, usize), crate::ledger::LedgerError> {
        use crate::ledger::{Leg, Posted, Transfer, TransferKind, system, to_minor};
        let mut posted = 0;
        for account in &self.accounts {
            accounts.put_account(account).await?;
            let minor = to_minor(account.opening_balance, account.currency).unwrap_or(0);
            if minor <= 0 {
                continue;
            }
            let transfer = Transfer {
                id: format!("opening:{}", account.id),
                kind: TransferKind::Opening,
                currency: account.currency,
                legs: vec![Leg { from: system::opening(), to: account.ledger_account(), amount: minor }],
                hash: None,
                memo: None,
                at,
            };
            if ledger.post(&transfer).await? == Posted::Applied {
                posted += 1;
            }
        }
        Ok((self.accounts.len(), posted))
    }
}

impl AccountEntry {
    fn check(self, index: usize) -> Result<WalletAccount, WalletFileError> {
        let field = |field, reason| WalletFileError::Field { index, field, reason };
        let id = self.id.trim();
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            return Err(field("id", "must be one word"));
        }
        // `#` marks the stores' own items (the account counter).
        if id.starts_with('#') {
            return Err(field("id", "must not start with #"));
        }
        let name = self.name.trim();
        if name.is_empty() {
            return Err(field("name", "is empty"));
        }
        let registered_phone = Phone::parse_international(&self.phone)
            .map_err(|_| field("phone", "is not an international number"))?;
        let tier = self.tier.trim();
        if tier.is_empty() {
            return Err(field("tier", "is empty"));
        }
        let opening_balance: Decimal = self
            .opening_balance
            .trim()
            .parse()
            .map_err(|_| field("opening_balance", "is not a decimal string"))?;
        if opening_balance.is_sign_negative() && !opening_balance.is_zero() {
            return Err(field("opening_balance", "is negative"));
        }
        if opening_balance.scale() > self.currency.minor_units() {
            return Err(field("opening_balance", "has more decimals than the currency"));
        }
        Ok(WalletAccount {
            id: id.to_owned(),
            name: name.to_owned(),
            registered_phone,
            tier: tier.to_owned(),
            status: self.status,
            currency: self.currency,
            opening_balance,
        })
    }
}

impl SusuGroupEntry {
    fn check(self, accounts: &[WalletAccount]) -> Result<crate::domain::SusuGroup, &'static str> {
        let code = self.code.trim().to_uppercase();
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("code must be one word of letters and digits");
        }
        if self.name.trim().is_empty() {
            return Err("name is empty");
        }
        let contribution: Decimal =
            self.contribution.trim().parse().map_err(|_| "contribution is not a decimal string")?;
        let contribution_minor = crate::ledger::to_minor(contribution, self.currency)
            .filter(|m| *m > 0)
            .ok_or("contribution must be positive, with at most the currency's decimals")?;
        if !(2..=crate::ledger::MAX_ACCOUNTS as u32).contains(&self.seats) {
            return Err("seats must be from 2 to 49");
        }
        if self.members.len() > self.seats as usize {
            return Err("more members than seats");
        }
        for (i, member) in self.members.iter().enumerate() {
            let Some(account) = accounts.iter().find(|a| &a.id == member) else {
                return Err("a member is not an account of the file");
            };
            if account.currency != self.currency {
                return Err("a member's account is in another currency");
            }
            if self.members[..i].contains(member) {
                return Err("a member is listed twice");
            }
        }
        Ok(crate::domain::SusuGroup {
            code,
            name: self.name.trim().to_owned(),
            business_number_id: self.business_number_id.trim().to_owned(),
            currency: self.currency,
            contribution_minor,
            cycle: self.cycle,
            starts_at: self.starts_at,
            seats: self.seats,
            members: self.members,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../infra/demo/wallet.json");

    fn one(entry: &str) -> Result<WalletFile, WalletFileError> {
        WalletFile::parse(&format!(r#"{{"accounts": [{entry}]}}"#))
    }

    const GOOD: &str = r#"{"id": "ACC-1", "name": "Kwame Mensah", "phone": "+233244000001", "tier": "tier1",
                          "currency": "GHS", "opening_balance": "10.50"}"#;

    #[test]
    fn susu_groups_are_checked_against_the_accounts() {
        let demo = WalletFile::parse(DEMO).unwrap();
        let group = &demo.susu_groups()[0];
        assert_eq!((group.code.as_str(), group.seats, group.contribution_minor), ("MAKOLA4", 4, 5_000));
        assert_eq!(group.members.len(), 3, "one seat is left for SUSU JOIN");
        let with = |group: &str| {
            WalletFile::parse(&format!(r#"{{"accounts": [{GOOD}], "susu_groups": [{group}]}}"#))
        };
        let base = r#""code": "g1", "name": "G", "business_number_id": "1", "currency": "GHS",
                      "cycle": "monthly", "starts_at": "2026-01-05T08:00:00Z""#;
        let ok =
            with(&format!(r#"{{{base}, "contribution": "10", "seats": 2, "members": ["ACC-1"]}}"#)).unwrap();
        assert_eq!(ok.susu_groups()[0].code, "G1");
        let err = |group: String| with(&group).unwrap_err().to_string();
        assert_eq!(
            err(format!(r#"{{{base}, "contribution": "10", "seats": 2, "members": ["ACC-9"]}}"#)),
            "susu group 0: a member is not an account of the file"
        );
        assert_eq!(
            err(format!(r#"{{{base}, "contribution": "0", "seats": 2}}"#)),
            "susu group 0: contribution must be positive, with at most the currency's decimals"
        );
        assert_eq!(
            err(format!(r#"{{{base}, "contribution": "10", "seats": 1}}"#)),
            "susu group 0: seats must be from 2 to 49"
        );
    }

    #[test]
    fn the_demo_wallet_has_every_kind_of_account() {
        let accounts = WalletFile::parse(DEMO).unwrap().accounts();
        assert!(accounts.len() >= 5);
        assert!(accounts.iter().all(|a| a.currency == Currency::GHS));
        assert!(accounts.iter().all(|a| a.registered_phone.as_e164().starts_with("+233")));
        let active_with_money = accounts
            .iter()
            .filter(|a| a.status == AccountStatus::Active && a.opening_balance > Decimal::ZERO);
        assert!(
            active_with_money.filter(|a| a.tier != "tier0").count() >= 2,
            "two ordinary users with money"
        );
        assert!(accounts.iter().any(|a| a.tier == "tier0"), "one with a low KYC tier");
        assert!(accounts.iter().any(|a| a.status == AccountStatus::Frozen), "one frozen");
        assert!(accounts.iter().any(|a| a.opening_balance.is_zero()), "one with nothing");
    }

    #[test]
    fn an_account_reads_with_its_defaults() {
        let account = one(GOOD).unwrap().accounts().remove(0);
        assert_eq!(account.id, "ACC-1");
        assert_eq!(account.registered_phone, Phone::parse_international("+233244000001").unwrap());
        assert_eq!(account.status, AccountStatus::Active);
        assert_eq!(account.opening_balance, Decimal::new(1050, 2));
        assert_eq!(account.masked_name(), "Kwame M.");
    }

    /// [`GOOD`] with one field changed.
    fn with(field: &str, value: &str) -> String {
        let mut entry: serde_json::Map<String, serde_json::Value> = serde_json::from_str(GOOD).unwrap();
        entry.insert(field.into(), value.into());
        serde_json::Value::Object(entry).to_string()
    }

    #[test]
    fn mistakes_name_the_account_and_the_field() {
        let cases = [
            ("phone", "0244000001", "is not an international number"),
            ("opening_balance", "-1", "is negative"),
            ("opening_balance", "1.005", "has more decimals than the currency"),
            ("opening_balance", "ten", "is not a decimal string"),
            ("id", "#1", "must not start with #"),
            ("id", "ACC 1", "must be one word"),
            ("name", " ", "is empty"),
            ("tier", "", "is empty"),
        ];
        for (field, value, reason) in cases {
            let entry = with(field, value);
            assert_eq!(
                one(&entry).unwrap_err(),
                WalletFileError::Field { index: 0, field, reason },
                "{entry}"
            );
            // The second account: the index says which.
            let err =
                one(&format!("{}, {entry}", with("id", "ACC-0").replace("+233244000001", "+233244000000")));
            assert_eq!(err.unwrap_err(), WalletFileError::Field { index: 1, field, reason });
        }
    }

    #[test]
    fn serde_errors_name_the_account_and_the_field() {
        let missing = format!(
            r#"{GOOD}, {{"id": "ACC-2", "name": "Ama", "phone": "+233244000002", "currency": "GHS", "opening_balance": "0"}}"#
        );
        let err = one(&missing).unwrap_err();
        assert!(
            matches!(&err, WalletFileError::Entry { index: 1, reason } if reason.contains("`tier`")),
            "{err}"
        );
        let status = GOOD.replacen(r#""tier": "tier1""#, r#""tier": "tier1", "status": "closed""#, 1);
        let err = one(&status).unwrap_err();
        assert!(
            matches!(&err, WalletFileError::Entry { index: 0, reason } if reason.contains("closed")),
            "{err}"
        );
        let extra = GOOD.replacen(r#""tier": "tier1""#, r#""tier": "tier1", "pin": "1234""#, 1);
        assert!(matches!(one(&extra), Err(WalletFileError::Entry { index: 0, .. })));
        let currency = GOOD.replacen(r#""GHS""#, r#""XYZ""#, 1);
        assert!(matches!(one(&currency), Err(WalletFileError::Entry { index: 0, .. })));
        assert!(matches!(
            WalletFile::parse(r#"{"accounts": [], "extra": 1}"#),
            Err(WalletFileError::Format(_))
        ));
    }

    #[test]
    fn ids_and_phones_are_unique() {
        let same_id = GOOD.replacen("+233244000001", "+233244000009", 1);
        assert_eq!(
            one(&format!("{GOOD}, {same_id}")).unwrap_err(),
            WalletFileError::DuplicateId { index: 1, first: 0 }
        );
        let same_phone = GOOD.replacen("ACC-1", "ACC-2", 1);
        let err = one(&format!("{GOOD}, {same_phone}")).unwrap_err();
        assert_eq!(err, WalletFileError::DuplicatePhone { index: 1, first: 0 });
        assert!(!err.to_string().contains("244000001"), "errors never carry a phone number");
    }
}
