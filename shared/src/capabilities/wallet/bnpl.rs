//! BNPL (buy now, pay later) and SCORE. A purchase pays the payee at once from the BNPL
//! credit system account and opens a plan of instalments; the scheduled function collects
//! each instalment from the wallet on its due date ([`run_due`]), reminds the user a day
//! before, and marks an instalment overdue (retrying later) when the wallet is short. The
//! limit comes from the user's [`score`](super::score) and KYC tier.
//!
//! Ledger effects (each a transfer of its own id, so each applies once whoever posts it):
//! - purchase: `bnpl:<plan>:purchase` BNPL credit → payee's wallet;
//! - instalment `n`: `bnpl:<plan>:<n>` wallet → BNPL credit (its share of the amount) and
//!   wallet → fees (its share of the fee);
//! - `BNPL PAY`: `bnpl:<plan>:repay` wallet → BNPL credit and fees, everything still open.
//!
//! The credit account goes below zero by what users owe; it is back at zero when every plan
//! is repaid.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

use super::replies::{Refusal, Reply};
use super::score::{self, History, Score};
use super::secure::{self, Intent, IntentKind, Payee};
use super::settings::Fee;
use super::settlement::{SettlementDeps, WALLET_TEMPLATE};
use super::{WalletDeps, WalletTurn, WalletUser};
use crate::bnpl_plans::{BnplPlan, Instalment, InstalmentState};
use crate::capabilities::TurnFailure;
use crate::config::ConfigError;
use crate::domain::{Currency, Locale, Phone, WalletAccount};
use crate::i18n::{WordArg, Words};
use crate::ledger::{AccountId, LedgerError, Leg, Posted, Transfer, TransferKind, system, to_minor};
use crate::ports::Notice;
use crate::{StoreError, StoreResult};

/// The approved Utility template of the reminder before an instalment: amount, date.
pub const REMINDER_TEMPLATE: &str = "bnpl_reminder";

/// BNPL's configuration (README: "Wallet settings").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BnplSettings {
    /// KYC tier → the most a user of the tier may owe, in major units, reached at a score of
    /// 850 (`WALLET_BNPL_LIMITS`, default `tier0:0,tier1:1000,tier2:5000`). A tier not listed
    /// gets no credit.
    pub limits: BTreeMap<String, Decimal>,
    /// Below this score there is no credit; from it the limit grows in a straight line to
    /// the tier's at 850 (`WALLET_BNPL_MIN_SCORE`, default 500).
    pub min_score: u32,
    /// Instalments per plan (`WALLET_BNPL_INSTALMENTS`, default 3).
    pub instalments: u32,
    /// Days between the purchase and the first instalment, and between instalments
    /// (`WALLET_BNPL_INTERVAL_DAYS`, default 30).
    pub interval: Duration,
    /// The fee of a plan, spread over its instalments (`WALLET_BNPL_FEE`, default `3%`).
    pub fee: Fee,
    /// How soon a short wallet is tried again (`WALLET_BNPL_RETRY_MINUTES`, default 60).
    pub retry: Duration,
    /// How long before a due date the reminder goes (a day).
    pub remind_before: Duration,
}

impl Default for BnplSettings {
    fn default() -> Self {
        BnplSettings {
            limits: [
                ("tier0".to_owned(), Decimal::ZERO),
                ("tier1".to_owned(), Decimal::from(1_000)),
                ("tier2".to_owned(), Decimal::from(5_000)),
            ]
            .into(),
            min_score: 500,
            instalments: 3,
            interval: Duration::days(30),
            fee: Fee { percent: Decimal::from(3), fixed: Decimal::ZERO },
            retry: Duration::minutes(60),
            remind_before: Duration::days(1),
        }
    }
}

impl BnplSettings {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<BnplSettings, ConfigError> {
        let invalid = |name: &'static str, reason: &str| ConfigError::Invalid { name, reason: reason.into() };
        let mut settings = BnplSettings::default();
        if let Some(text) = get("WALLET_BNPL_LIMITS") {
            let bad = || invalid("WALLET_BNPL_LIMITS", "expected tier:limit,… (tier1:1000)");
            let mut limits = BTreeMap::new();
            for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (tier, limit) = pair.split_once(':').ok_or_else(bad)?;
                let limit = Decimal::from_str(limit.trim()).map_err(|_| bad())?;
                if limit < Decimal::ZERO {
                    return Err(bad());
                }
                limits.insert(tier.trim().to_owned(), limit);
            }
            settings.limits = limits;
        }
        let number =
            |name: &'static str, range: std::ops::RangeInclusive<i64>| -> Result<Option<i64>, ConfigError> {
                get(name)
                    .map(|v| {
                        v.trim().parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                            invalid(
                                name,
                                &format!("expected a whole number from {} to {}", range.start(), range.end()),
                            )
                        })
                    })
                    .transpose()
            };
        if let Some(n) = number("WALLET_BNPL_MIN_SCORE", i64::from(score::MIN)..=i64::from(score::MAX))? {
            settings.min_score = n as u32;
        }
        if let Some(n) = number("WALLET_BNPL_INSTALMENTS", 1..=12)? {
            settings.instalments = n as u32;
        }
        if let Some(n) = number("WALLET_BNPL_INTERVAL_DAYS", 2..=92)? {
            settings.interval = Duration::days(n);
        }
        if let Some(n) = number("WALLET_BNPL_RETRY_MINUTES", 1..=24 * 60)? {
            settings.retry = Duration::minutes(n);
        }
        if let Some(fee) = get("WALLET_BNPL_FEE") {
            settings.fee =
                Fee::parse(&fee).ok_or_else(|| invalid("WALLET_BNPL_FEE", "expected 3% or 1%+0.50"))?;
        }
        Ok(settings)
    }

    /// The most a user of `tier` with `score` may owe, in minor units.
    pub fn limit_minor(&self, tier: &str, score: u32, currency: Currency) -> i64 {
        let Some(top) = self.limits.get(tier).and_then(|l| to_minor(l.trunc(), currency)) else { return 0 };
        if score < self.min_score {
            return 0;
        }
        let span = i64::from(score::MAX - self.min_score).max(1);
        let limit = top * i64::from(score - self.min_score) / span;
        // A whole major unit: a limit reads 640.00, not 640.37.
        let unit = 10i64.pow(currency.minor_units());
        if self.min_score == score::MAX { top } else { limit / unit * unit }
    }
}

/// The user's score now, from their own history: the wallet's entries and their plans.
pub async fn user_score(
    deps: &WalletDeps,
    account: &WalletAccount,
    now: DateTime<Utc>,
) -> StoreResult<Score> {
    let entries = deps.ledger.entries(&account.ledger_account(), None, SCORE_ENTRIES).await?;
    let plans = deps.plans.plans_of(&account.id).await?;
    let instalments = score::instalment_records(&plans);
    let groups = deps.susu.groups_of(&account.id).await?;
    let susu = score::susu_record(&groups, &entries, &account.id, now);
    let history = History { entries: &entries, instalments: &instalments, susu: &susu };
    Ok(score::score(&deps.settings.score, &history, now))
}

/// How many entries the score reads: far more than a year of ordinary use.
const SCORE_ENTRIES: usize = 1_000;

/// What the user may still buy on credit, what they owe, and their open plans.
struct Credit {
    limit_minor: i64,
    used_minor: i64,
    plans: Vec<BnplPlan>,
}

async fn credit(deps: &WalletDeps, account: &WalletAccount, now: DateTime<Utc>) -> StoreResult<Credit> {
    let score = user_score(deps, account, now).await?;
    let limit_minor = deps.settings.bnpl.limit_minor(&account.tier, score.value, account.currency);
    let plans: Vec<BnplPlan> =
        deps.plans.plans_of(&account.id).await?.into_iter().filter(BnplPlan::is_open).collect();
    let used_minor = plans.iter().map(BnplPlan::outstanding_minor).sum();
    Ok(Credit { limit_minor, used_minor, plans })
}

/// `SCORE`.
pub(crate) async fn show_score(turn: &mut WalletTurn<'_, '_>, user: &WalletUser) -> Result<(), TurnFailure> {
    turn.keep_session(user).await?;
    let score = user_score(turn.deps, &user.account, turn.now()).await?;
    turn.reply(Reply::Score { value: score.value, factors: score.factors });
    Ok(())
}

/// `BNPL`: limit, used, and the next instalment.
pub(crate) async fn show(turn: &mut WalletTurn<'_, '_>, user: &WalletUser) -> Result<(), TurnFailure> {
    turn.keep_session(user).await?;
    let credit = credit(turn.deps, &user.account, turn.now()).await?;
    let next = credit
        .plans
        .iter()
        .filter_map(BnplPlan::next_instalment)
        .min_by_key(|i| i.due_at)
        .map(|i| (i.total_minor(), date(i.due_at, turn.profile())));
    turn.reply(Reply::BnplStatus {
        limit_minor: credit.limit_minor,
        used_minor: credit.used_minor,
        next,
        currency: user.account.currency,
    });
    Ok(())
}

fn date(at: DateTime<Utc>, profile: &crate::domain::BusinessProfile) -> String {
    at.with_timezone(&secure::time_zone(profile)).format("%d.%m.%Y").to_string()
}

/// `BNPL <amount> <payee phone>`: a purchase on credit, through the secure execution layer.
pub(crate) async fn buy(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    amount: Decimal,
    payee: &Phone,
) -> Result<(), TurnFailure> {
    let currency = user.account.currency;
    let Some(amount_minor) = to_minor(amount, currency) else {
        turn.reply(Reply::Refused(Refusal::AmountInvalid));
        return Ok(());
    };
    let payee = match turn.deps.accounts.account_by_phone(payee).await? {
        Some(account) if account.id == user.account.id => {
            turn.reply(Reply::Refused(Refusal::SelfSend));
            return Ok(());
        }
        Some(account) => Payee {
            phone: payee.clone(),
            account_id: Some(account.id.clone()),
            display: account.masked_name(),
        },
        None => {
            turn.reply(Reply::Refused(Refusal::BnplPayeeNotWallet));
            return Ok(());
        }
    };
    let intent = Intent {
        susu: None,
        points: None,
        kind: IntentKind::BnplPurchase,
        account_id: user.account.id.clone(),
        amount_minor,
        fee_minor: turn.deps.settings.bnpl.fee.on(amount_minor, currency.minor_units()),
        currency,
        payee,
        note: None,
        reference: None,
        plan: None,
    };
    secure::begin(turn, user, intent).await
}

/// `BNPL PAY`: everything still open on the oldest open plan, repaid now.
pub(crate) async fn repay(turn: &mut WalletTurn<'_, '_>, user: &WalletUser) -> Result<(), TurnFailure> {
    let credit = credit(turn.deps, &user.account, turn.now()).await?;
    let Some(plan) = credit.plans.first() else {
        turn.reply(Reply::BnplNothingToRepay);
        return Ok(());
    };
    let open = plan.repayable();
    if open.is_empty() {
        // Everything left is being collected this very moment.
        turn.reply(Reply::Refused(Refusal::BnplPlanChanged));
        return Ok(());
    }
    let intent = Intent {
        susu: None,
        points: None,
        kind: IntentKind::BnplRepay,
        account_id: user.account.id.clone(),
        amount_minor: open.iter().map(|i| i.principal_minor).sum(),
        fee_minor: open.iter().map(|i| i.fee_minor).sum(),
        currency: plan.currency,
        payee: Payee {
            phone: user.account.registered_phone.clone(),
            account_id: None,
            display: plan.payee.clone(),
        },
        note: None,
        reference: None,
        plan: Some(plan.id.clone()),
    };
    secure::begin(turn, user, intent).await
}

/// The limit step of the pipeline for a purchase: the refusal, if it is over what is left.
pub(crate) async fn over_limit(
    deps: &WalletDeps,
    account: &WalletAccount,
    intent: &Intent,
    now: DateTime<Utc>,
) -> StoreResult<Option<Refusal>> {
    let credit = credit(deps, account, now).await?;
    let left = (credit.limit_minor - credit.used_minor).max(0);
    Ok((intent.total_minor() > left).then_some(Refusal::BnplOverLimit {
        limit_minor: credit.limit_minor,
        left_minor: left,
        currency: intent.currency,
    }))
}

/// The plan a confirmed purchase opens: the amount and the fee split into equal
/// instalments (the first carries the remainder), each `interval` after the one before.
pub fn plan_for(
    intent: &Intent,
    nonce: &str,
    contact: &crate::domain::ContactKey,
    locale: Locale,
    settings: &BnplSettings,
    now: DateTime<Utc>,
) -> BnplPlan {
    let count = i64::from(settings.instalments.max(1));
    let share = |total: i64, n: i64| total / count + if n == 1 { total % count } else { 0 };
    let instalments = (1..=count)
        .map(|n| Instalment {
            n: n as u32,
            principal_minor: share(intent.amount_minor, n),
            fee_minor: share(intent.fee_minor, n),
            due_at: now + settings.interval * n as i32,
            state: InstalmentState::Open,
            reminded_at: None,
            overdue_since: None,
            paid_at: None,
            transfer_id: None,
        })
        .collect();
    let mut plan = BnplPlan {
        id: plan_id(nonce),
        account_id: intent.account_id.clone(),
        contact: contact.clone(),
        locale,
        currency: intent.currency,
        principal_minor: intent.amount_minor,
        fee_minor: intent.fee_minor,
        payee: intent.payee.display.clone(),
        instalments,
        next_check_at: None,
        version: 1,
        created_at: now,
    };
    plan.next_check_at = next_check(&plan, settings, now);
    plan
}

pub fn plan_id(nonce: &str) -> String {
    format!("bnpl-{nonce}")
}

/// When the scheduled function next has work for `plan`: a reminder not yet sent, a due
/// date, or the retry of an overdue instalment. `None` once everything is paid.
pub fn next_check(plan: &BnplPlan, settings: &BnplSettings, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    plan.instalments
        .iter()
        .filter(|i| !i.is_paid())
        .map(|i| {
            if i.state == InstalmentState::Collecting {
                now
            } else if i.state == InstalmentState::Overdue {
                now + settings.retry
            } else if i.reminded_at.is_none() && now < i.due_at - settings.remind_before {
                i.due_at - settings.remind_before
            } else {
                i.due_at
            }
        })
        .min()
}

/// The purchase's transfer: the payee is paid from the BNPL credit account.
pub fn purchase_transfer(intent: &Intent, nonce: &str, hash: &str, at: DateTime<Utc>) -> Transfer {
    let payee = AccountId::wallet(intent.payee.account_id.as_deref().unwrap_or_default());
    Transfer {
        id: format!("bnpl:{}:purchase", plan_id(nonce)),
        kind: TransferKind::BnplPurchase,
        currency: intent.currency,
        legs: vec![Leg { from: system::bnpl_credit(), to: payee, amount: intent.amount_minor }],
        hash: Some(hash.to_owned()),
        memo: None,
        at,
    }
}

/// Wallet → BNPL credit for the principal, wallet → fees for the fee.
fn repayment_legs(account_id: &str, principal_minor: i64, fee_minor: i64) -> Vec<Leg> {
    let me = AccountId::wallet(account_id);
    let mut legs = Vec::new();
    if principal_minor > 0 {
        legs.push(Leg { from: me.clone(), to: system::bnpl_credit(), amount: principal_minor });
    }
    if fee_minor > 0 {
        legs.push(Leg { from: me, to: system::fees(), amount: fee_minor });
    }
    legs
}

/// The early repayment's transfer: every instalment still open.
pub fn repay_transfer(plan_id: &str, intent: &Intent, hash: &str, at: DateTime<Utc>) -> Transfer {
    Transfer {
        id: format!("bnpl:{plan_id}:repay"),
        kind: TransferKind::BnplRepay,
        currency: intent.currency,
        legs: repayment_legs(&intent.account_id, intent.amount_minor, intent.fee_minor),
        hash: Some(hash.to_owned()),
        memo: None,
        at,
    }
}

/// Before a confirmed repayment posts: the instalments it repays are claimed in one save
/// of the plan (marked paid by `transfer_id`), so no scheduled run collects them too. The
/// plan must still owe exactly what the user confirmed (an instalment collected meanwhile
/// changes it, and the user is asked again): false then, and nothing is claimed. A retried
/// YES finds its own claim and goes on.
pub(crate) async fn claim_repay(
    deps: &WalletDeps,
    intent: &Intent,
    transfer_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let Some(id) = &intent.plan else { return Ok(false) };
    for _ in 0..SAVE_TRIES {
        let Some(mut plan) = deps.plans.get(id).await? else { return Ok(false) };
        if plan.account_id != intent.account_id {
            return Ok(false);
        }
        if plan.instalments.iter().any(|i| i.transfer_id.as_deref() == Some(transfer_id)) {
            return Ok(true);
        }
        let owed: i64 = plan.repayable().iter().map(|i| i.total_minor()).sum();
        if owed != intent.total_minor() || owed == 0 {
            return Ok(false);
        }
        for instalment in plan.instalments.iter_mut().filter(|i| i.is_repayable()) {
            instalment.state = InstalmentState::Paid;
            instalment.paid_at = Some(now);
            instalment.transfer_id = Some(transfer_id.to_owned());
        }
        plan.next_check_at = next_check(&plan, &deps.settings.bnpl, now);
        plan.version += 1;
        if deps.plans.save(&plan).await? {
            return Ok(true);
        }
    }
    Err(StoreError::unavailable("bnpl", "the plan kept changing while it was repaid"))
}

/// The repayment did not post (the wallet was short after all): its claim is undone, the
/// instalments open (or overdue) again.
pub(crate) async fn release_repay(
    deps: &WalletDeps,
    plan_id: &str,
    transfer_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for _ in 0..SAVE_TRIES {
        let Some(mut plan) = deps.plans.get(plan_id).await? else { return Ok(()) };
        let mut changed = false;
        for instalment in
            plan.instalments.iter_mut().filter(|i| i.transfer_id.as_deref() == Some(transfer_id))
        {
            instalment.state = if instalment.overdue_since.is_some() {
                InstalmentState::Overdue
            } else {
                InstalmentState::Open
            };
            instalment.paid_at = None;
            instalment.transfer_id = None;
            changed = true;
        }
        if !changed {
            return Ok(());
        }
        plan.next_check_at = next_check(&plan, &deps.settings.bnpl, now);
        plan.version += 1;
        if deps.plans.save(&plan).await? {
            return Ok(());
        }
    }
    Err(StoreError::unavailable("bnpl", "the plan kept changing while its repayment was undone"))
}

const SAVE_TRIES: usize = 3;

// ---- the scheduled collections ---------------------------------------------------------

/// What one scheduled run did with BNPL plans.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CollectReport {
    pub reminded: usize,
    pub collected: usize,
    /// Instalments found short (first time or again).
    pub short: usize,
    /// The instalments collected (business number, amount), for the console's figures.
    pub collected_minor: Vec<(String, i64)>,
}

/// Every plan with work due at `now`: reminders a day before, instalments on their due
/// date (each one transfer, `bnpl:<plan>:<n>`), short wallets marked overdue and retried.
/// A plan is saved under its version: of overlapping runs one saves and notifies, and the
/// other's collections were the same transfers, applied once.
pub async fn run_due(
    deps: &SettlementDeps,
    settings: &BnplSettings,
    now: DateTime<Utc>,
    limit: usize,
) -> StoreResult<CollectReport> {
    let mut report = CollectReport::default();
    for plan in deps.plans.due(now, limit).await? {
        if let Err(err) = collect_plan(deps, settings, plan, now, &mut report).await {
            tracing::warn!(error = %err, "BNPL plan not collected; a later run retries");
        }
    }
    Ok(report)
}

async fn collect_plan(
    deps: &SettlementDeps,
    settings: &BnplSettings,
    mut plan: BnplPlan,
    now: DateTime<Utc>,
    report: &mut CollectReport,
) -> StoreResult<()> {
    let zone = deps
        .directory
        .profile(&plan.contact.business_number_id)
        .await?
        .map_or(chrono_tz::UTC, |p| secure::time_zone(&p));
    for _ in 0..SAVE_TRIES {
        if plan.next_check_at.is_none_or(|at| at > now) {
            return Ok(());
        }
        let mut notices = Vec::new();
        let mut run = CollectReport::default();
        // 1. The claim: instalments due are marked Collecting, reminders due are marked sent,
        // in one save. A run that loses it reads again; a `BNPL PAY` that won it has them.
        let mut claimed = false;
        for i in 0..plan.instalments.len() {
            let instalment = plan.instalments[i].clone();
            if instalment.is_paid() {
                continue;
            }
            if now >= instalment.due_at {
                claimed |= instalment.state != InstalmentState::Collecting;
                plan.instalments[i].state = InstalmentState::Collecting;
            } else if instalment.reminded_at.is_none() && now >= instalment.due_at - settings.remind_before {
                plan.instalments[i].reminded_at = Some(now);
                run.reminded += 1;
                let day = instalment.due_at.with_timezone(&zone).format("%d.%m.%Y").to_string();
                notices.push(reminder_notice(&plan, &instalment, day, now));
            }
        }
        if claimed || run.reminded > 0 {
            plan.next_check_at = next_check(&plan, settings, now);
            plan.version += 1;
            if !deps.plans.save(&plan).await? {
                match deps.plans.get(&plan.id).await? {
                    Some(fresh) => {
                        plan = fresh;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
        }
        // 2. The money: each claimed instalment is one transfer of its own id.
        for i in 0..plan.instalments.len() {
            let instalment = plan.instalments[i].clone();
            if instalment.state != InstalmentState::Collecting {
                continue;
            }
            let transfer = Transfer {
                id: plan.instalment_transfer_id(instalment.n),
                kind: TransferKind::BnplInstalment,
                currency: plan.currency,
                legs: repayment_legs(&plan.account_id, instalment.principal_minor, instalment.fee_minor),
                hash: None,
                memo: None,
                at: now,
            };
            match deps.momo.ledger.post(&transfer).await {
                Ok(Posted::Applied | Posted::AlreadyApplied(_)) => {
                    let paid = &mut plan.instalments[i];
                    paid.state = InstalmentState::Paid;
                    paid.paid_at = Some(now);
                    paid.transfer_id = Some(transfer.id.clone());
                    run.collected += 1;
                    run.collected_minor
                        .push((plan.contact.business_number_id.clone(), instalment.total_minor()));
                    let left = plan.outstanding_minor();
                    notices.push(collected_notice(&plan, &instalment, left, now));
                }
                Err(LedgerError::InsufficientFunds { .. }) => {
                    run.short += 1;
                    let short = &mut plan.instalments[i];
                    short.state = InstalmentState::Overdue;
                    if short.overdue_since.is_none() {
                        short.overdue_since = Some(now);
                        notices.push(overdue_notice(&plan, &instalment, now));
                    }
                }
                Err(LedgerError::Invalid(reason)) => {
                    tracing::error!(plan = %plan.id, n = instalment.n, %reason, "a BNPL instalment is not a valid transfer");
                    plan.instalments[i].state = InstalmentState::Overdue;
                }
                Err(LedgerError::Store(err)) => return Err(err),
            }
        }
        // 3. The outcome, and only then what the user is told. A run that loses this save
        // posted the same transfers as the winner (applied once) and tells nothing.
        if run.collected + run.short > 0 {
            plan.next_check_at = next_check(&plan, settings, now);
            plan.version += 1;
            if !deps.plans.save(&plan).await? {
                match deps.plans.get(&plan.id).await? {
                    Some(fresh) => {
                        plan = fresh;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
        }
        let to = Phone::parse_international(&plan.contact.user_key)
            .map_err(|_| StoreError::Malformed("a BNPL plan's conversation has no phone".into()))?;
        let jobs: Vec<_> = notices
            .into_iter()
            .map(|n| crate::notices::status_job(n, to.clone()).to_queue_message())
            .collect();
        if !jobs.is_empty() {
            deps.outbound.send_batch(&jobs).await?;
        }
        report.reminded += run.reminded;
        report.collected += run.collected;
        report.short += run.short;
        report.collected_minor.extend(run.collected_minor);
        return Ok(());
    }
    Ok(())
}

fn minor(minor: i64, currency: Currency) -> WordArg {
    WordArg::Minor { minor, currency }
}

fn instalment_words(message: &str, plan: &BnplPlan, instalment: &Instalment) -> Words {
    Words::new(message)
        .arg("n", WordArg::Count(i64::from(instalment.n)))
        .arg("count", WordArg::Count(plan.instalments.len() as i64))
        .arg("amount", minor(instalment.total_minor(), plan.currency))
}

fn notice(
    plan: &BnplPlan,
    instalment: &Instalment,
    event: &str,
    text: Words,
    template: &str,
    parameters: Vec<WordArg>,
    at: DateTime<Utc>,
) -> Notice {
    let amount = minor(instalment.total_minor(), plan.currency);
    Notice {
        id: format!("{}:{}:{}:{event}", super::NAME, plan.id, instalment.n),
        contact: plan.contact.clone(),
        text,
        template: template.into(),
        parameters,
        digest_line: vec![amount, WordArg::Message(format!("wallet-event-bnpl-{event}"))],
        locale: plan.locale,
        at,
    }
}

/// The day before: free-form in the window, the `bnpl_reminder` template outside it.
fn reminder_notice(plan: &BnplPlan, instalment: &Instalment, day: String, at: DateTime<Utc>) -> Notice {
    let text =
        instalment_words("wallet-bnpl-reminder", plan, instalment).arg("date", WordArg::Text(day.clone()));
    let parameters = vec![minor(instalment.total_minor(), plan.currency), WordArg::Text(day)];
    notice(plan, instalment, "reminder", text, REMINDER_TEMPLATE, parameters, at)
}

fn collected_notice(plan: &BnplPlan, instalment: &Instalment, left_minor: i64, at: DateTime<Utc>) -> Notice {
    let text = instalment_words("wallet-bnpl-collected", plan, instalment)
        .arg("done", WordArg::Flag(left_minor == 0))
        .arg("left", minor(left_minor, plan.currency));
    let parameters = vec![
        WordArg::Message("wallet-event-bnpl-collected".into()),
        minor(instalment.total_minor(), plan.currency),
    ];
    notice(plan, instalment, "collected", text, WALLET_TEMPLATE, parameters, at)
}

fn overdue_notice(plan: &BnplPlan, instalment: &Instalment, at: DateTime<Utc>) -> Notice {
    let text = instalment_words("wallet-bnpl-overdue", plan, instalment);
    let parameters = vec![
        WordArg::Message("wallet-event-bnpl-overdue".into()),
        minor(instalment.total_minor(), plan.currency),
    ];
    notice(plan, instalment, "overdue", text, WALLET_TEMPLATE, parameters, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_grows_with_the_score_up_to_the_tiers() {
        let settings = BnplSettings::default();
        assert_eq!(settings.limit_minor("tier1", 499, Currency::GHS), 0);
        assert_eq!(settings.limit_minor("tier1", 500, Currency::GHS), 0);
        assert_eq!(settings.limit_minor("tier1", 850, Currency::GHS), 100_000);
        assert_eq!(settings.limit_minor("tier1", 675, Currency::GHS), 50_000);
        assert_eq!(settings.limit_minor("tier0", 850, Currency::GHS), 0);
        assert_eq!(settings.limit_minor("gold", 850, Currency::GHS), 0, "a tier not listed gets no credit");
        let parsed = BnplSettings::from_lookup(&|n: &str| match n {
            "WALLET_BNPL_LIMITS" => Some("gold:200".into()),
            "WALLET_BNPL_INSTALMENTS" => Some("4".into()),
            "WALLET_BNPL_FEE" => Some("2%+1".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(parsed.limits["gold"], Decimal::from(200));
        assert_eq!(parsed.instalments, 4);
        assert_eq!(parsed.fee.on(10_000, 2), 300);
        assert!(
            BnplSettings::from_lookup(&|n: &str| (n == "WALLET_BNPL_INSTALMENTS").then(|| "0".into()))
                .is_err()
        );
    }

    #[test]
    fn a_plan_splits_amount_and_fee_and_schedules_its_reminders() {
        let now = DateTime::from_timestamp(1_764_669_600, 0).unwrap();
        let intent = Intent {
            susu: None,
            points: None,
            kind: IntentKind::BnplPurchase,
            account_id: "A".into(),
            amount_minor: 10_000,
            fee_minor: 300,
            currency: Currency::GHS,
            payee: Payee {
                phone: Phone::parse_international("+233244000001").unwrap(),
                account_id: Some("B".into()),
                display: "Ama O.".into(),
            },
            note: None,
            reference: None,
            plan: None,
        };
        let contact =
            crate::domain::ContactKey { business_number_id: "1".into(), user_key: "+233244000002".into() };
        let settings = BnplSettings::default();
        let plan = plan_for(&intent, "n1", &contact, Locale::En, &settings, now);
        let parts: Vec<(i64, i64)> =
            plan.instalments.iter().map(|i| (i.principal_minor, i.fee_minor)).collect();
        assert_eq!(parts, [(3_334, 100), (3_333, 100), (3_333, 100)]);
        assert_eq!(plan.outstanding_minor(), 10_300);
        assert_eq!(plan.instalments[2].due_at, now + Duration::days(90));
        assert_eq!(plan.next_check_at, Some(now + Duration::days(29)), "the first reminder");
    }
}
