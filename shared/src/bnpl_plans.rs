//! Buy-now-pay-later plans: what a user bought on credit, and the instalments that repay it.
//! A plan is written whole under a version (optimistic concurrency): a scheduled run or a
//! `BNPL PAY` that read an older version loses its save and reads again. The money itself
//! moves only on the ledger, each movement under an id derived from the plan
//! (`bnpl:<plan>:<n>`, `bnpl:<plan>:repay`), so a movement applies at most once whoever
//! posts it. An instalment is claimed in a save before its money moves (the scheduled
//! function marks it [`InstalmentState::Collecting`], `BNPL PAY` marks it paid by the
//! repayment): of the two, only the one whose save wins moves money for it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::StoreResult;
use crate::domain::{ContactKey, Currency, Locale};

/// Where one instalment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstalmentState {
    /// Not yet collected (its due date may be ahead or today).
    Open,
    /// Its due date passed and the wallet was short: retried on later runs.
    Overdue,
    /// Claimed by a scheduled run that is posting its transfer now; a run that finds it so
    /// (the one before stopped half way) posts the same transfer again, applied once.
    Collecting,
    /// Collected on or after its due date, or repaid early.
    Paid,
}

/// One instalment of a plan: a share of the amount bought plus a share of the fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// 1-based.
    pub n: u32,
    pub principal_minor: i64,
    pub fee_minor: i64,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub due_at: DateTime<Utc>,
    pub state: InstalmentState,
    /// When the reminder before the due date was handed to notify (once per instalment).
    #[serde(
        default,
        with = "chrono::serde::ts_milliseconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub reminded_at: Option<DateTime<Utc>>,
    /// When a collection first found the wallet short (kept once paid: the repayment record).
    #[serde(
        default,
        with = "chrono::serde::ts_milliseconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub overdue_since: Option<DateTime<Utc>>,
    #[serde(
        default,
        with = "chrono::serde::ts_milliseconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub paid_at: Option<DateTime<Utc>>,
    /// The ledger transfer that paid it (`bnpl:<plan>:<n>` or `bnpl:<plan>:repay`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_id: Option<String>,
}

impl Instalment {
    pub fn total_minor(&self) -> i64 {
        self.principal_minor + self.fee_minor
    }

    pub fn is_paid(&self) -> bool {
        self.state == InstalmentState::Paid
    }

    /// Whether `BNPL PAY` may take it: open or overdue, not being collected right now.
    pub fn is_repayable(&self) -> bool {
        matches!(self.state, InstalmentState::Open | InstalmentState::Overdue)
    }
}

/// A purchase on credit and its instalments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BnplPlan {
    /// `bnpl-<nonce>`: derived from the confirmation, so a retried YES finds the same plan.
    pub id: String,
    pub account_id: String,
    /// The conversation reminders and collections are told in.
    pub contact: ContactKey,
    pub locale: Locale,
    pub currency: Currency,
    pub principal_minor: i64,
    pub fee_minor: i64,
    /// The payee as the user saw it (a masked name).
    pub payee: String,
    pub instalments: Vec<Instalment>,
    /// When the scheduled function has work for this plan (a reminder, a due or overdue
    /// instalment); `None` once every instalment is paid.
    #[serde(
        default,
        with = "chrono::serde::ts_milliseconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_check_at: Option<DateTime<Utc>>,
    /// Incremented by every save: a save from an older version changes nothing.
    pub version: u64,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
}

impl BnplPlan {
    /// What is still to be repaid, fee included.
    pub fn outstanding_minor(&self) -> i64 {
        self.instalments.iter().filter(|i| !i.is_paid()).map(Instalment::total_minor).sum()
    }

    /// What `BNPL PAY` would repay now: the instalments neither paid nor being collected.
    pub fn repayable(&self) -> Vec<&Instalment> {
        self.instalments.iter().filter(|i| i.is_repayable()).collect()
    }

    /// The earliest instalment not yet paid.
    pub fn next_instalment(&self) -> Option<&Instalment> {
        self.instalments.iter().filter(|i| !i.is_paid()).min_by_key(|i| (i.due_at, i.n))
    }

    pub fn is_open(&self) -> bool {
        self.instalments.iter().any(|i| !i.is_paid())
    }

    /// The ledger transfer id of instalment `n`'s collection.
    pub fn instalment_transfer_id(&self, n: u32) -> String {
        format!("bnpl:{}:{n}", self.id)
    }

    /// The ledger transfer id of the early repayment of every instalment left.
    pub fn repay_transfer_id(&self) -> String {
        format!("bnpl:{}:repay", self.id)
    }
}

/// The plans of the wallet.
#[async_trait]
pub trait BnplPlanStore: Send + Sync {
    /// Stores the plan unless its id exists; returns the stored one and whether it was
    /// inserted now.
    async fn insert_if_absent(&self, plan: &BnplPlan) -> StoreResult<(BnplPlan, bool)>;
    async fn get(&self, id: &str) -> StoreResult<Option<BnplPlan>>;
    /// Replaces the plan if the stored one still has `plan.version - 1`; false when another
    /// save came first (nothing changed).
    async fn save(&self, plan: &BnplPlan) -> StoreResult<bool>;
    /// The account's plans, oldest first.
    async fn plans_of(&self, account_id: &str) -> StoreResult<Vec<BnplPlan>>;
    /// Plans whose next check is due at `now`, oldest check first, at most `limit`.
    async fn due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<BnplPlan>>;
}
