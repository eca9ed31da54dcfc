//! The wallet's double-entry ledger. Every movement is one [`Transfer`]: its legs move minor
//! units between accounts, so the sum over all accounts is always zero. A transfer id is
//! applied at most once; a wallet account never goes below zero (system accounts, where money
//! enters and leaves the wallet, may). On DynamoDB a transfer is one `TransactWriteItems`:
//! the transfer record (must not exist yet), each account's balance (a debit conditioned on
//! the balance), and each account's statement entry.
//!
//! Amounts are `i64` minor units inside the ledger; `rust_decimal` at the edges
//! ([`to_minor`], [`from_minor`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::domain::Currency;

/// An account on the ledger: `wallet:<account id>` (a user's, never below zero) or
/// `system:<name>` (where money enters and leaves: MoMo settlement, fees, opening balances).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    pub fn wallet(account_id: &str) -> AccountId {
        AccountId(format!("wallet:{account_id}"))
    }

    pub fn system(name: &str) -> AccountId {
        AccountId(format!("system:{name}"))
    }

    /// A user's loyalty points, on the points ledger only (never below zero).
    pub fn points(account_id: &str) -> AccountId {
        AccountId(format!("points:{account_id}"))
    }

    /// Parses a stored id; `None` unless it is `wallet:…`, `system:…` or `points:…`.
    pub fn parse(id: &str) -> Option<AccountId> {
        (id.starts_with("wallet:") || id.starts_with("system:") || id.starts_with("points:"))
            .then(|| AccountId(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// System accounts may go below zero: money entering the wallet leaves them negative.
    pub fn is_system(&self) -> bool {
        self.0.starts_with("system:")
    }

    /// The wallet account id of a `wallet:` account.
    pub fn wallet_id(&self) -> Option<&str> {
        self.0.strip_prefix("wallet:")
    }
}

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The system accounts of the wallet.
pub mod system {
    use super::AccountId;

    /// Where imported opening balances come from.
    pub fn opening() -> AccountId {
        AccountId::system("opening")
    }
    /// MTN MoMo: top-ups come from it, payouts go to it.
    pub fn momo_settlement() -> AccountId {
        AccountId::system("momo_settlement")
    }
    /// Money held for a MoMo payout until its final status.
    pub fn payout_hold() -> AccountId {
        AccountId::system("payout_hold")
    }
    /// Fees the wallet earns.
    pub fn fees() -> AccountId {
        AccountId::system("fees")
    }

    // ---- BNPL ----
    /// Pays BNPL purchases and is repaid by their instalments: below zero by what users owe.
    pub fn bnpl_credit() -> AccountId {
        AccountId::system("bnpl_credit")
    }
    // ---- susu and points ----

    /// The pot of one susu group: contributions come in, the cycle's payout goes out.
    pub fn susu_pot(group: &str) -> AccountId {
        AccountId::system(&format!("susu:{group}"))
    }
    /// On the points ledger: where earned points come from and redeemed points go back to.
    pub fn points_issuer() -> AccountId {
        AccountId::system("points_issuer")
    }
    /// On the money ledger: the wallet credit paid for redeemed points.
    pub fn points_redemption() -> AccountId {
        AccountId::system("points_redemption")
    }
}

/// One leg of a transfer: `amount` minor units (positive) from one account to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub from: AccountId,
    pub to: AccountId,
    pub amount: i64,
}

/// What a transfer is, for statements and the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    Opening,
    Send,
    TopUp,
    /// A payout to a MoMo number held on the ledger until MoMo's final status.
    PayoutHold,
    /// The held payout went out.
    PayoutRelease,
    /// The held payout failed: the money goes back.
    PayoutReturn,

    // ---- BNPL ----
    /// A purchase on credit: BNPL credit → the payee.
    BnplPurchase,
    /// An instalment collected on its due date: wallet → BNPL credit (and fees).
    BnplInstalment,
    /// Everything still open on a plan, repaid early.
    BnplRepay,
    // ---- susu and points ----
    /// A member's contribution to a susu group's pot.
    SusuContribution,
    /// A susu cycle's pot paid to the member whose turn it is.
    SusuPayout,
    /// Loyalty points earned for a transfer (points ledger).
    PointsEarned,
    /// Loyalty points given back for wallet credit (points ledger).
    PointsRedeemed,
    /// The wallet credit paid for redeemed points (money ledger).
    PointsCredit,
}

/// One movement on the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// Unique per movement and stable across retries (`send:<nonce>`, `topup:<reference>`):
    /// a second post of the same id changes nothing.
    pub id: String,
    pub kind: TransferKind,
    pub currency: Currency,
    /// At least one leg; no leg moves zero or less, and no leg goes from an account to itself;
    /// at most [`MAX_ACCOUNTS`] accounts in all.
    pub legs: Vec<Leg>,
    /// The secure execution layer's transaction hash, when the movement passed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// A note shown on the statements (the sender's note, the payee's masked name, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

impl Transfer {
    /// The net change per account (debits negative), each account once, in id order: a
    /// transfer writes each account's balance once.
    pub fn net_changes(&self) -> Vec<(AccountId, i64)> {
        let mut changes: std::collections::BTreeMap<AccountId, i64> = Default::default();
        for leg in &self.legs {
            *changes.entry(leg.from.clone()).or_default() -= leg.amount;
            *changes.entry(leg.to.clone()).or_default() += leg.amount;
        }
        changes.into_iter().collect()
    }

    /// Whether the transfer is well formed (see the field docs).
    pub fn validate(&self) -> Result<(), LedgerError> {
        if self.legs.is_empty() {
            return Err(LedgerError::Invalid("a transfer has at least one leg".into()));
        }
        for leg in &self.legs {
            if leg.amount <= 0 {
                return Err(LedgerError::Invalid("a leg moves a positive amount".into()));
            }
            if leg.from == leg.to {
                return Err(LedgerError::Invalid("a leg moves between two accounts".into()));
            }
        }
        if self.net_changes().len() > MAX_ACCOUNTS {
            return Err(LedgerError::Invalid(format!("a transfer moves at most {MAX_ACCOUNTS} accounts")));
        }
        Ok(())
    }

    /// The statement entry of `account` for its net change `amount`. The counterparty is the
    /// other end of the first leg moving money the way `amount` does (out of a debited account,
    /// into a credited one; any leg for an account the transfer only passes through).
    pub fn entry(&self, account: &AccountId, amount: i64, balance_after: Option<i64>) -> Entry {
        let other_end = |leg: &Leg| match amount.signum() {
            -1 => (&leg.from == account).then(|| leg.to.clone()),
            1 => (&leg.to == account).then(|| leg.from.clone()),
            _ if &leg.from == account => Some(leg.to.clone()),
            _ => (&leg.to == account).then(|| leg.from.clone()),
        };
        Entry {
            account: account.clone(),
            transfer_id: self.id.clone(),
            kind: self.kind,
            amount,
            balance_after,
            counterparty: self.legs.iter().find_map(other_end),
            memo: self.memo.clone(),
            at: self.at,
        }
    }
}

/// The most accounts one transfer moves: DynamoDB's transaction holds 100 items, and a
/// transfer writes its own record plus each account's balance and entry.
pub const MAX_ACCOUNTS: usize = 49;

/// One line of an account's statement: one transfer's net change to the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub account: AccountId,
    pub transfer_id: String,
    pub kind: TransferKind,
    /// The net change (debits negative), in minor units.
    pub amount: i64,
    /// A wallet account's balance right after this entry: exact, its statement's running
    /// balance. `None` for a system account: every transfer of the deployment credits or
    /// debits one (fees, MoMo settlement), so their balances move by unconditional adds that
    /// never wait on each other, and no transfer learns the balance it left behind. A system
    /// account's balance is [`Ledger::balance`], its history the entries' amounts.
    pub balance_after: Option<i64>,
    /// The other side: the first account of the transfer on the other side of this one.
    pub counterparty: Option<AccountId>,
    pub memo: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

/// What a post did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// Applied now.
    Applied,
    /// A transfer with this id was applied before: nothing changed. The stored one is handed
    /// back, so a caller sees what was posted (its hash, its amounts).
    AlreadyApplied(Transfer),
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A wallet account would go below zero: nothing was applied.
    #[error("insufficient funds on {account}")]
    InsufficientFunds { account: AccountId },
    #[error("invalid transfer: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The ledger.
#[async_trait]
pub trait Ledger: Send + Sync {
    /// Applies `transfer` atomically, at most once per id. Concurrent posts that together
    /// would overdraw a wallet account apply only as many as the balance covers.
    async fn post(&self, transfer: &Transfer) -> Result<Posted, LedgerError>;
    /// The account's balance in minor units (zero for an account never used).
    async fn balance(&self, account: &AccountId) -> crate::StoreResult<i64>;
    async fn transfer(&self, id: &str) -> crate::StoreResult<Option<Transfer>>;
    /// The account's entries, newest first, at most `limit`, only those at or after `since`
    /// when given.
    async fn entries(
        &self,
        account: &AccountId,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> crate::StoreResult<Vec<Entry>>;
    /// Every account with its balance: for the invariant checks and the console.
    async fn balances(&self) -> crate::StoreResult<Vec<(AccountId, i64)>>;
}

/// `amount` in minor units of `currency`; `None` when it has more decimals than the currency
/// allows or does not fit.
pub fn to_minor(amount: Decimal, currency: Currency) -> Option<i64> {
    let scaled = amount.checked_mul(Decimal::from(10i64.pow(currency.minor_units())))?;
    if scaled.fract() != Decimal::ZERO {
        return None;
    }
    i64::try_from(scaled).ok()
}

/// Minor units of `currency` as a decimal amount with the currency's scale.
pub fn from_minor(minor: i64, currency: Currency) -> Decimal {
    Decimal::new(minor, currency.minor_units())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn minor_units_round_trip() {
        let d = Decimal::from_str("12.34").unwrap();
        assert_eq!(to_minor(d, Currency::GHS), Some(1234));
        assert_eq!(from_minor(1234, Currency::GHS).to_string(), "12.34");
        assert_eq!(to_minor(Decimal::from_str("1.005").unwrap(), Currency::GHS), None);
        assert_eq!(from_minor(-5, Currency::GHS).to_string(), "-0.05");
    }

    #[test]
    fn net_changes_write_each_account_once() {
        let me = AccountId::wallet("A");
        let transfer = Transfer {
            id: "t".into(),
            kind: TransferKind::Send,
            currency: Currency::GHS,
            legs: vec![
                Leg { from: me.clone(), to: AccountId::wallet("B"), amount: 5000 },
                Leg { from: me.clone(), to: system::fees(), amount: 50 },
            ],
            hash: None,
            memo: None,
            at: Utc::now(),
        };
        let changes = transfer.net_changes();
        assert_eq!(changes.len(), 3);
        assert_eq!(changes.iter().map(|(_, c)| c).sum::<i64>(), 0);
        assert!(changes.contains(&(me, -5050)));
    }
}
