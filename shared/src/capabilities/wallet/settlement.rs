//! MoMo top-ups and payouts, from the request to the final status. A callback is only a
//! hint: [`settle`] reads the status back from MoMo before anything moves, and the scheduled
//! function polls what no callback finished ([`poll_due`]). One path for both, so a callback
//! and a poll racing each other move the ledger once (transfer ids derive from the reference)
//! and tell the user once (notice ids too).
//!
//! Ledger effects (each a transfer of its own id):
//! - top-up SUCCESSFUL: `topup:<ref>` MoMo settlement → wallet;
//! - payout confirmed: `payout:<ref>:hold` wallet → payout hold (+ fee), before MoMo is asked;
//! - payout SUCCESSFUL: `payout:<ref>:release` payout hold → MoMo settlement;
//! - payout FAILED: `payout:<ref>:return` payout hold → wallet (and the fee back).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::WalletDeps;
use super::replies::{Reply, reason_message};
use crate::StoreResult;
use crate::domain::{ContactKey, Locale, WalletAccount};
use crate::i18n::{WordArg, Words};
use crate::ledger::{AccountId, Ledger, LedgerError, Leg, Transfer, TransferKind, from_minor, system};
use crate::momo::{MobileMoney, MomoError, MomoRequest, MomoStatus, MomoTransaction};
use crate::ports::{
    Alert, AlertStore, ContactStore, Directory, MomoKind, MomoOperation, MomoOperationStore, MomoState,
    Notice, QueueSender,
};

pub fn topup_id(reference: Uuid) -> String {
    format!("topup:{reference}")
}

pub fn payout_hold_id(reference: Uuid) -> String {
    format!("payout:{reference}:hold")
}

/// The approved Utility template of every wallet notice: event word, amount.
pub const WALLET_TEMPLATE: &str = "wallet_update";

/// What moving a MoMo operation forward needs.
#[derive(Clone)]
pub struct MomoDeps {
    pub operations: Arc<dyn MomoOperationStore>,
    pub momo: Arc<dyn MobileMoney>,
    pub ledger: Arc<dyn Ledger>,
    /// Where completed top-ups and payouts earn loyalty points.
    pub points: Arc<dyn Ledger>,
    pub alerts: Arc<dyn AlertStore>,
    pub settings: super::WalletSettings,
}

impl MomoDeps {
    pub fn of(deps: &WalletDeps) -> MomoDeps {
        MomoDeps {
            operations: deps.operations.clone(),
            momo: deps.momo.clone(),
            ledger: deps.ledger.clone(),
            points: deps.points.clone(),
            alerts: deps.alerts.clone(),
            settings: deps.settings.clone(),
        }
    }
}

/// What telling the user a final status needs besides.
#[derive(Clone)]
pub struct SettlementDeps {
    pub momo: MomoDeps,
    pub contacts: Arc<dyn ContactStore>,
    pub directory: Arc<dyn Directory>,
    /// The BNPL plans whose instalments the scheduled function collects.
    pub plans: Arc<dyn crate::bnpl_plans::BnplPlanStore>,
    pub outbound: Arc<dyn QueueSender>,
    pub clock: Arc<dyn crate::ports::Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    #[error(transparent)]
    Store(#[from] crate::StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("MoMo: {0}")]
    Momo(#[from] MomoError),
}

impl From<SettleError> for crate::capabilities::TurnFailure {
    fn from(err: SettleError) -> Self {
        match err {
            SettleError::Store(e) => e.into(),
            other => crate::capabilities::TurnFailure::Uncertain(other.to_string()),
        }
    }
}

/// The MoMo request of an operation: the same every time it is sent, so a resend after a
/// timeout is the same request under the same reference.
pub fn request(operation: &MomoOperation, settings: &super::WalletSettings) -> MomoRequest {
    let note = match operation.kind {
        MomoKind::TopUp => "Wallet top-up",
        MomoKind::Payout => "Wallet transfer",
    };
    MomoRequest {
        reference: operation.reference,
        amount: from_minor(operation.amount_minor, operation.currency).normalize(),
        currency: settings.momo_currency.clone().unwrap_or_else(|| operation.currency.code().to_owned()),
        external_id: operation.reference.to_string(),
        msisdn: operation.msisdn.wa_id().to_owned(),
        payer_message: note.to_owned(),
        payee_note: note.to_owned(),
        callback_url: settings
            .momo_callback_base
            .as_ref()
            .map(|base| format!("{base}/{}", operation.reference)),
    }
}

async fn submit(deps: &MomoDeps, operation: &MomoOperation) -> Result<(), MomoError> {
    let request = request(operation, &deps.settings);
    match operation.kind {
        MomoKind::TopUp => deps.momo.request_to_pay(&request).await,
        MomoKind::Payout => deps.momo.transfer(&request).await,
    }
}

/// A confirmed top-up or payout: stored first (the reference is the idempotency key), then
/// asked of MoMo. Returns what the user is told now.
pub async fn start(deps: &MomoDeps, operation: MomoOperation) -> Result<Reply, SettleError> {
    let (stored, _) = deps.operations.insert_if_absent(&operation).await?;
    if stored.state.is_final() {
        return Ok(started_reply(&stored));
    }
    match submit(deps, &stored).await {
        Ok(()) => {
            deps.operations
                .transition(stored.reference, MomoState::Pending, None, operation.created_at)
                .await?;
            Ok(started_reply(&stored))
        }
        Err(MomoError::Refused { code, .. }) => {
            // Nothing was created at MoMo: the operation ends here, and a held payout returns.
            let failed = deps
                .operations
                .transition(stored.reference, MomoState::Failed, Some(&code), operation.created_at)
                .await?;
            let operation = failed.unwrap_or(stored);
            apply_final(deps, &operation, MomoState::Failed, operation.created_at).await?;
            if let Some(at) = operation.next_check_at {
                deps.operations.reschedule(operation.reference, at, None).await?;
            }
            Ok(Reply::MomoRefused { kind: operation.kind, reason: reason_message(Some(&code)).to_owned() })
        }
        // Unknown outcome: the poller reads the status, and resends under the same reference
        // only if MoMo says it never got it.
        Err(err) => {
            tracing::warn!(reference = %stored.reference, error = %err, "MoMo request outcome unknown; the poller resolves it");
            Ok(started_reply(&stored))
        }
    }
}

fn started_reply(operation: &MomoOperation) -> Reply {
    match operation.kind {
        MomoKind::TopUp => Reply::TopUpStarted {
            amount_minor: operation.amount_minor,
            currency: operation.currency,
            number: operation.msisdn.masked(),
        },
        MomoKind::Payout => Reply::PayoutStarted {
            amount_minor: operation.amount_minor,
            currency: operation.currency,
            number: operation.msisdn.masked(),
        },
    }
}

/// The ledger side of a final state (idempotent: each transfer id applies once).
async fn apply_final(
    deps: &MomoDeps,
    operation: &MomoOperation,
    state: MomoState,
    at: DateTime<Utc>,
) -> Result<(), SettleError> {
    let wallet = AccountId::wallet(&operation.account_id);
    let reference = operation.reference;
    let transfer = |id: String, kind: TransferKind, legs: Vec<Leg>| Transfer {
        id,
        kind,
        currency: operation.currency,
        legs,
        hash: operation.hash.clone(),
        memo: None,
        at,
    };
    let transfer = match (operation.kind, state) {
        (MomoKind::TopUp, MomoState::Succeeded) => Some(transfer(
            topup_id(reference),
            TransferKind::TopUp,
            vec![Leg { from: system::momo_settlement(), to: wallet, amount: operation.amount_minor }],
        )),
        (MomoKind::Payout, MomoState::Succeeded) => Some(transfer(
            format!("payout:{reference}:release"),
            TransferKind::PayoutRelease,
            vec![Leg {
                from: system::payout_hold(),
                to: system::momo_settlement(),
                amount: operation.amount_minor,
            }],
        )),
        (MomoKind::Payout, MomoState::Failed) => {
            let mut legs =
                vec![Leg { from: system::payout_hold(), to: wallet.clone(), amount: operation.amount_minor }];
            if operation.fee_minor > 0 {
                legs.push(Leg { from: system::fees(), to: wallet, amount: operation.fee_minor });
            }
            Some(transfer(format!("payout:{reference}:return"), TransferKind::PayoutReturn, legs))
        }
        _ => None,
    };
    if let Some(transfer) = transfer {
        deps.ledger.post(&transfer).await?;
        // A completed top-up or payout earns points, once: the points' id derives from the
        // transfer's, and this runs again (posting nothing new) when the read is retried.
        if transfer.kind == TransferKind::TopUp || transfer.kind == TransferKind::PayoutRelease {
            let amount = operation.amount_minor;
            super::points::earn_for(&*deps.points, &deps.settings, &transfer, &operation.account_id, amount)
                .await?;
        }
    }
    Ok(())
}

/// What a read of MoMo's status did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// No such operation here (a forged or stale callback): nothing moves.
    Unknown,
    /// MoMo still has it open (or never got it, and it was sent again).
    Open,
    /// Final with this read: the operation moved to its final state now, the ledger moved
    /// and the user's notice is queued. Returned once per operation, so the operator's
    /// figures count it here.
    Applied(SettledOperation),
    /// Final before this read (its notice queued again if it was not confirmed).
    Final(MomoState),
    /// MoMo's answer contradicts what we asked (amount or currency): an operator decides.
    Conflict,
}

/// A MoMo operation that reached its final state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledOperation {
    pub business_number_id: String,
    pub kind: MomoKind,
    pub state: MomoState,
    pub amount_minor: i64,
}

impl SettledOperation {
    fn of(operation: &MomoOperation, state: MomoState) -> SettledOperation {
        SettledOperation {
            business_number_id: operation.contact.business_number_id.clone(),
            kind: operation.kind,
            state,
            amount_minor: operation.amount_minor,
        }
    }

    /// A top-up credited or a payout paid counts as a transaction with its amount; one that
    /// MoMo failed as a failed transaction.
    pub fn count(&self, metrics: &mut crate::operator::metrics::MetricsBatch, at: DateTime<Utc>) {
        let tally = metrics.tally(&self.business_number_id, at);
        if self.state == MomoState::Succeeded {
            tally.transactions += 1;
            tally.volume_minor += self.amount_minor;
        } else {
            tally.failed_transactions += 1;
        }
    }
}

/// Reads an operation's status back from MoMo and applies it: the one path of callbacks and
/// polls. Never trusts a callback body: it is not even read.
pub async fn settle(deps: &SettlementDeps, reference: Uuid) -> Result<Settled, SettleError> {
    let momo = &deps.momo;
    let Some(operation) = momo.operations.get(reference).await? else {
        tracing::info!(%reference, "MoMo callback for an unknown reference ignored");
        return Ok(Settled::Unknown);
    };
    let now = deps.clock.now();
    if operation.state.is_final() {
        if operation.next_check_at.is_some() {
            // Final, but its notice was never confirmed queued.
            finish(deps, &operation, operation.state, now).await?;
        }
        return Ok(Settled::Final(operation.state));
    }
    let status = match operation.kind {
        MomoKind::TopUp => momo.momo.request_to_pay_status(reference).await?,
        MomoKind::Payout => momo.momo.transfer_status(reference).await?,
    };
    let Some(transaction) = status else {
        // MoMo never got the request (the POST was lost): send it again, same reference.
        if let Err(err) = submit(momo, &operation).await {
            tracing::warn!(%reference, error = %err, "MoMo request resent without an answer");
        }
        return Ok(Settled::Open);
    };
    match transaction.status {
        MomoStatus::Pending => {
            if operation.state == MomoState::Requested {
                momo.operations.transition(reference, MomoState::Pending, None, now).await?;
            }
            Ok(Settled::Open)
        }
        MomoStatus::Successful if !matches_request(&operation, &transaction, &momo.settings) => {
            conflict(deps, &operation, &transaction, now).await?;
            Ok(Settled::Conflict)
        }
        MomoStatus::Successful => {
            let moved = momo.operations.transition(reference, MomoState::Succeeded, None, now).await?;
            let applied = moved.is_some();
            let operation = moved.unwrap_or(operation);
            finish(deps, &operation, MomoState::Succeeded, now).await?;
            Ok(final_read(&operation, MomoState::Succeeded, applied))
        }
        MomoStatus::Failed => {
            let reason = transaction.reason.clone().unwrap_or_else(|| "FAILED".into());
            let moved = momo.operations.transition(reference, MomoState::Failed, Some(&reason), now).await?;
            let applied = moved.is_some();
            let operation = moved.unwrap_or(operation);
            finish(deps, &operation, MomoState::Failed, now).await?;
            Ok(final_read(&operation, MomoState::Failed, applied))
        }
    }
}

/// [`Settled::Applied`] when this read moved the operation (a concurrent read that moved it
/// first reports it instead), else [`Settled::Final`].
fn final_read(operation: &MomoOperation, state: MomoState, applied: bool) -> Settled {
    if applied { Settled::Applied(SettledOperation::of(operation, state)) } else { Settled::Final(state) }
}

/// The amount (as a decimal) and currency MoMo reports are the ones we asked for.
fn matches_request(
    operation: &MomoOperation,
    transaction: &MomoTransaction,
    settings: &super::WalletSettings,
) -> bool {
    let asked = request(operation, settings);
    transaction.amount == asked.amount && transaction.currency.eq_ignore_ascii_case(&asked.currency)
}

async fn conflict(
    deps: &SettlementDeps,
    operation: &MomoOperation,
    transaction: &MomoTransaction,
    now: DateTime<Utc>,
) -> Result<(), SettleError> {
    let alert = Alert {
        id: format!("momo_conflict:{}", operation.reference),
        business_number_id: operation.contact.business_number_id.clone(),
        kind: "rail_conflict".into(),
        subject: format!("wallet:{}", operation.account_id),
        detail: serde_json::json!({
            "reference": operation.reference,
            "asked": {"amount": from_minor(operation.amount_minor, operation.currency), "currency": operation.currency},
            "reported": {"amount": transaction.amount, "currency": transaction.currency, "status": transaction.raw_status},
        }),
        raised_at: now,
        acknowledged: None,
    };
    deps.momo.alerts.raise(&alert).await?;
    tracing::error!(reference = %operation.reference, "ALERT MoMo reported a different amount or currency; nothing moved");
    if let Some(at) = operation.next_check_at {
        deps.momo.operations.reschedule(operation.reference, at, None).await?;
    }
    Ok(())
}

/// The ledger moves, the user's notice is queued, and only then the operation needs nothing more.
async fn finish(
    deps: &SettlementDeps,
    operation: &MomoOperation,
    state: MomoState,
    now: DateTime<Utc>,
) -> Result<(), SettleError> {
    apply_final(&deps.momo, operation, state, now).await?;
    let locale = match deps.contacts.settings(&operation.contact).await?.locale {
        Some(locale) => locale,
        None => deps
            .directory
            .profile(&operation.contact.business_number_id)
            .await?
            .map_or(Locale::En, |p| p.default_locale),
    };
    let notice = momo_notice(operation, state, locale, now);
    let job = crate::notices::status_job(notice, operation.msisdn_contact_phone()?);
    deps.outbound.send_batch(&[job.to_queue_message()]).await?;
    if let Some(at) = operation.next_check_at {
        deps.momo.operations.reschedule(operation.reference, at, None).await?;
    }
    Ok(())
}

impl MomoOperation {
    /// The phone of the conversation that asked (where its result is told).
    fn msisdn_contact_phone(&self) -> StoreResult<crate::domain::Phone> {
        crate::domain::Phone::parse_international(&self.contact.user_key)
            .map_err(|_| crate::StoreError::Malformed("a MoMo operation's conversation has no phone".into()))
    }
}

/// How a scheduled run went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    pub read: usize,
    pub finished: usize,
    pub failed: usize,
    /// The operations these reads moved to their final state.
    pub applied: Vec<SettledOperation>,
}

/// Reads back every operation due at `now` that no callback finished, each claimed first so
/// overlapping runs read it once; the next read waits twice as long (capped).
pub async fn poll_due(deps: &SettlementDeps, now: DateTime<Utc>, limit: usize) -> StoreResult<PollReport> {
    let mut report = PollReport::default();
    for operation in deps.momo.operations.due(now, limit).await? {
        let Some(due) = operation.next_check_at else { continue };
        let age = (now - operation.created_at).max(Duration::zero());
        let gap = (age.max(deps.momo.settings.momo_first_check)).min(deps.momo.settings.momo_max_interval);
        if !deps.momo.operations.reschedule(operation.reference, due, Some(now + gap)).await? {
            continue;
        }
        report.read += 1;
        match settle(deps, operation.reference).await {
            Ok(Settled::Applied(operation)) => {
                report.finished += 1;
                report.applied.push(operation);
            }
            Ok(Settled::Final(_) | Settled::Conflict) => report.finished += 1,
            Ok(_) => {}
            Err(err) => {
                report.failed += 1;
                tracing::warn!(reference = %operation.reference, error = %err, "MoMo status read failed; retried next run");
            }
        }
    }
    Ok(report)
}

/// A MoMo operation's final state as a notice.
pub fn momo_notice(operation: &MomoOperation, state: MomoState, locale: Locale, at: DateTime<Utc>) -> Notice {
    let amount = WordArg::Minor { minor: operation.amount_minor, currency: operation.currency };
    let (message, event) = match (operation.kind, state) {
        (MomoKind::TopUp, MomoState::Succeeded) => ("wallet-topup-done", "wallet-event-topup"),
        (MomoKind::TopUp, _) => ("wallet-topup-failed", "wallet-event-topup-failed"),
        (MomoKind::Payout, MomoState::Succeeded) => ("wallet-payout-done", "wallet-event-payout"),
        (MomoKind::Payout, _) => ("wallet-payout-failed", "wallet-event-payout-failed"),
    };
    let words = Words::new(message)
        .arg("amount", amount.clone())
        .arg("number", WordArg::Text(operation.msisdn.masked()))
        .arg("reason", WordArg::Message(reason_message(operation.reason.as_deref()).into()));
    Notice {
        id: format!(
            "{}:{}:{}",
            super::NAME,
            operation.reference,
            if state == MomoState::Succeeded { "succeeded" } else { "failed" }
        ),
        contact: operation.contact.clone(),
        text: words,
        template: WALLET_TEMPLATE.into(),
        parameters: vec![WordArg::Message(event.into()), amount.clone()],
        digest_line: vec![amount, WordArg::Message(event.into())],
        locale,
        at,
    }
}

/// "You received …": the payee's notice of a wallet SEND.
pub fn received_notice(
    transfer: &Transfer,
    sender: &WalletAccount,
    payee_contact: &ContactKey,
    locale: Locale,
    at: DateTime<Utc>,
) -> Notice {
    let amount = transfer.legs.first().map_or(0, |l| l.amount);
    let amount = WordArg::Minor { minor: amount, currency: transfer.currency };
    let note = transfer.memo.clone();
    let words = Words::new("wallet-received")
        .arg("amount", amount.clone())
        .arg("name", WordArg::Text(sender.masked_name()))
        .arg("has_note", WordArg::Flag(note.is_some()))
        .arg("note", WordArg::Text(note.unwrap_or_default()));
    Notice {
        id: format!("{}:{}:received", super::NAME, transfer.id),
        contact: payee_contact.clone(),
        text: words,
        template: WALLET_TEMPLATE.into(),
        parameters: vec![WordArg::Message("wallet-event-received".into()), amount.clone()],
        digest_line: vec![amount, WordArg::Message("wallet-event-received".into())],
        locale,
        at,
    }
}
