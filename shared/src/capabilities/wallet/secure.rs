//! The secure execution layer: one pipeline every money movement passes, its steps named in
//! [`Step`], each with its own localized refusal and audit record:
//!
//! linked account → session → limits and balance (fee included) → fraud score → intent
//! logged → YES confirmation bound to exactly that amount, fee and payee by a nonce →
//! transaction hash (SHA-256 over the canonical intent, the nonce and the previous audit
//! hash) → ledger transfer and the audit record carrying the hash.
//!
//! A YES delivered twice moves money once: the transfer id derives from the nonce, and the
//! hash is kept with the pending confirmation before the ledger is written, so a retried YES
//! posts the same transfer with the same hash.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::fraud::{self, Decision, FraudInput, PastMovement, Verdict};
use super::replies::{Refusal, Reply};
use super::settlement;
use super::{WalletTurn, WalletUser};
use crate::capabilities::TurnFailure;
use crate::domain::{AccountStatus, Currency, Phone};
use crate::ledger::{
    AccountId, LedgerError, Leg, Posted, Transfer, TransferKind, from_minor, system, to_minor,
};
use crate::ports::{Alert, CodePurpose, MomoKind, MomoOperation, MomoState};

/// The steps of the pipeline, in order: the name of each is its audit record's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    LinkedAccount,
    Session,
    Limits,
    FraudScore,
    IntentLogged,
    Confirmation,
    TransactionHash,
    Ledger,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::LinkedAccount => "linked_account",
            Step::Session => "session",
            Step::Limits => "limits",
            Step::FraudScore => "fraud_score",
            Step::IntentLogged => "intent",
            Step::Confirmation => "confirmation",
            Step::TransactionHash => "transaction_hash",
            Step::Ledger => "transfer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentKind {
    /// To another wallet account: a ledger transfer.
    WalletSend,
    /// To a number without a wallet: a MoMo disbursement, held on the ledger first.
    Payout,
    /// From the user's MoMo number into the wallet: a request-to-pay.
    TopUp,
    /// To another wallet account, paid by the BNPL credit account; opens a plan of
    /// instalments (the fee is the plan's).
    BnplPurchase,
    /// Everything still open on a BNPL plan (`plan`), repaid from the wallet now.
    BnplRepay,
    // ---- susu and points ----
    /// A susu contribution: wallet → the group's pot, for one cycle.
    SusuContribution,
    /// Loyalty points given back for wallet credit.
    PointsRedeem,
}

/// Whom money goes to (or, for a top-up, the MoMo number it comes from).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payee {
    pub phone: Phone,
    /// The payee's wallet account, for a wallet SEND.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// As shown to the user: a masked name (`Kwame M.`) or a masked number.
    pub display: String,
}

impl Payee {
    /// The fraud score's key of the payee.
    fn key(&self) -> String {
        match &self.account_id {
            Some(id) => AccountId::wallet(id).to_string(),
            None => format!("momo:{}", self.phone.as_e164()),
        }
    }
}

/// Exactly what the user is asked to confirm. Its JSON (fields in this order) is the
/// canonical form the transaction hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub kind: IntentKind,
    pub account_id: String,
    pub amount_minor: i64,
    pub fee_minor: i64,
    pub currency: Currency,
    pub payee: Payee,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The MoMo reference id of a payout or top-up, minted before anything is asked of MoMo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Uuid>,
    /// The BNPL plan an early repayment is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// A susu contribution's group and cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub susu: Option<super::susu::SusuCycle>,
    /// The points a redemption gives back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
}

impl Intent {
    pub fn total_minor(&self) -> i64 {
        match self.kind {
            IntentKind::TopUp | IntentKind::PointsRedeem => self.amount_minor,
            _ => self.amount_minor + self.fee_minor,
        }
    }

    /// Whether the money leaves the wallet (and the day's limit and the balance apply).
    fn outgoing(&self) -> bool {
        matches!(self.kind, IntentKind::WalletSend | IntentKind::Payout | IntentKind::SusuContribution)
    }

    /// The fraud score's key of where the money goes: a susu contribution goes to its pot.
    fn payee_key(&self) -> String {
        match &self.susu {
            Some(cycle) => system::susu_pot(&cycle.group).to_string(),
            None => self.payee.key(),
        }
    }
}

/// A movement waiting for YES.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingConfirmation {
    pub intent: Intent,
    /// Binds the YES to this intent: the transfer id and the hash derive from it.
    pub nonce: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub expires_at: DateTime<Utc>,
    pub fraud_score: u32,
    pub fraud_rules: Vec<String>,
    /// Kept once computed, so a retried YES writes the same hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_audit_hash: Option<String>,
}

/// SHA-256 over the canonical intent, the nonce and the previous audit hash, hex.
pub fn transaction_hash(intent: &Intent, nonce: &str, prev_audit_hash: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(intent).expect("intents serialize"));
    hasher.update(b"|");
    hasher.update(nonce.as_bytes());
    hasher.update(b"|");
    hasher.update(prev_audit_hash.as_bytes());
    hex::encode(hasher.finalize())
}

/// The business number's time zone (UTC if the profile names none we know).
pub fn time_zone(profile: &crate::domain::BusinessProfile) -> chrono_tz::Tz {
    profile.time_zone.parse().unwrap_or(chrono_tz::UTC)
}

/// `SEND <amount> <phone> [note]`.
pub(crate) async fn send(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    amount: Decimal,
    payee: &Phone,
    note: Option<String>,
) -> Result<(), TurnFailure> {
    let Some(amount_minor) = to_minor(amount, user.account.currency) else {
        return refuse(turn, user, Step::Limits, Refusal::AmountInvalid, None).await;
    };
    let settings = &turn.deps.settings;
    let (kind, payee, fee) = match turn.deps.accounts.account_by_phone(payee).await? {
        Some(account) if account.id == user.account.id => {
            return refuse(turn, user, Step::Limits, Refusal::SelfSend, None).await;
        }
        Some(account) => (
            IntentKind::WalletSend,
            Payee {
                phone: payee.clone(),
                account_id: Some(account.id.clone()),
                display: account.masked_name(),
            },
            settings.fee_wallet,
        ),
        None => (
            IntentKind::Payout,
            Payee { phone: payee.clone(), account_id: None, display: payee.masked() },
            settings.fee_payout,
        ),
    };
    let currency = user.account.currency;
    let intent = Intent {
        kind,
        account_id: user.account.id.clone(),
        amount_minor,
        fee_minor: fee.on(amount_minor, currency.minor_units()),
        currency,
        payee,
        note,
        reference: (kind == IntentKind::Payout).then(Uuid::new_v4),
        plan: None,
        susu: None,
        points: None,
    };
    begin(turn, user, intent).await
}

/// `TOPUP <amount> [MoMo number]`.
pub(crate) async fn top_up(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    amount: Decimal,
    number: &Phone,
) -> Result<(), TurnFailure> {
    let Some(amount_minor) = to_minor(amount, user.account.currency) else {
        return refuse(turn, user, Step::Limits, Refusal::AmountInvalid, None).await;
    };
    let intent = Intent {
        kind: IntentKind::TopUp,
        account_id: user.account.id.clone(),
        amount_minor,
        fee_minor: 0,
        currency: user.account.currency,
        payee: Payee { phone: number.clone(), account_id: None, display: number.masked() },
        note: None,
        reference: Some(Uuid::new_v4()),
        plan: None,
        susu: None,
        points: None,
    };
    begin(turn, user, intent).await
}

/// The pipeline up to the question: linked account, session, then the rest.
pub(crate) async fn begin(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    intent: Intent,
) -> Result<(), TurnFailure> {
    if user.account.status != AccountStatus::Active {
        return refuse(turn, user, Step::LinkedAccount, Refusal::Frozen, Some(&intent)).await;
    }
    if !turn.session_fresh(user) {
        turn.audit(
            &user.account.id,
            Step::Session.name(),
            serde_json::json!({"result": "code_sent", "reason": "idle"}),
        )
        .await?;
        turn.send_code(&user.account, CodePurpose::Session, Some(intent)).await?;
        turn.reply(Reply::SessionCodeSent { minutes: turn.deps.settings.code_ttl.num_minutes().max(1) });
        return Ok(());
    }
    turn.keep_session(user).await?;
    checks(turn, user, intent, false).await
}

/// After a fresh session code: the pipeline goes on from the limits, the code standing for
/// the fraud score's step-up too.
pub(crate) async fn resume(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    intent: Intent,
) -> Result<(), TurnFailure> {
    if user.account.status != AccountStatus::Active {
        return refuse(turn, user, Step::LinkedAccount, Refusal::Frozen, Some(&intent)).await;
    }
    checks(turn, user, intent, true).await
}

/// Limits and balance, fraud score, the intent logged, and the question.
async fn checks(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    intent: Intent,
    code_given: bool,
) -> Result<(), TurnFailure> {
    let deps = turn.deps;
    let account = user.account.ledger_account();
    let currency = intent.currency;
    let Some(tier) = deps.settings.tier(&user.account.tier) else {
        return refuse(turn, user, Step::Limits, Refusal::NoTier, Some(&intent)).await;
    };
    let per_transfer = to_minor(tier.per_transfer, currency).unwrap_or(0);
    // Repaying credit is never capped: it only lowers what the user owes.
    if intent.kind != IntentKind::BnplRepay && intent.amount_minor > per_transfer {
        let refusal = Refusal::OverTransferLimit { limit_minor: per_transfer, currency };
        return refuse(turn, user, Step::Limits, refusal, Some(&intent)).await;
    }
    let now = turn.now();
    let zone = time_zone(turn.profile());
    let local = now.with_timezone(&zone);
    let midnight = local
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(zone).earliest())
        .map_or(now - Duration::hours(24), |t| t.with_timezone(&Utc));
    let recent = deps.ledger.entries(&account, Some(now - Duration::days(30)), 200).await?;
    match intent.kind {
        IntentKind::BnplPurchase => {
            if let Some(refusal) = super::bnpl::over_limit(deps, &user.account, &intent, now).await? {
                return refuse(turn, user, Step::Limits, refusal, Some(&intent)).await;
            }
        }
        IntentKind::BnplRepay => {
            let balance = deps.ledger.balance(&account).await?;
            if balance < intent.total_minor() {
                let refusal = Refusal::InsufficientFunds {
                    total_minor: intent.total_minor(),
                    fee_minor: intent.fee_minor,
                    balance_minor: balance,
                    currency,
                };
                return refuse(turn, user, Step::Limits, refusal, Some(&intent)).await;
            }
        }
        _ => {}
    }
    if intent.outgoing() {
        let spent_today: i64 = recent
            .iter()
            .filter(|e| {
                e.at >= midnight
                    && e.amount < 0
                    && matches!(e.kind, TransferKind::Send | TransferKind::PayoutHold)
            })
            .map(|e| -e.amount)
            .sum();
        let per_day = to_minor(tier.per_day, currency).unwrap_or(0);
        if spent_today + intent.total_minor() > per_day {
            let refusal = Refusal::OverDailyLimit {
                limit_minor: per_day,
                left_minor: (per_day - spent_today).max(0),
                currency,
            };
            return refuse(turn, user, Step::Limits, refusal, Some(&intent)).await;
        }
        let balance = deps.ledger.balance(&account).await?;
        if balance < intent.total_minor() {
            let refusal = Refusal::InsufficientFunds {
                total_minor: intent.total_minor(),
                fee_minor: intent.fee_minor,
                balance_minor: balance,
                currency,
            };
            return refuse(turn, user, Step::Limits, refusal, Some(&intent)).await;
        }
    }

    let history: Vec<PastMovement> = recent
        .iter()
        .filter(|e| {
            e.amount < 0
                && matches!(
                    e.kind,
                    TransferKind::Send | TransferKind::PayoutHold | TransferKind::SusuContribution
                )
        })
        .map(|e| PastMovement {
            amount_minor: -e.amount,
            payee: e.counterparty.as_ref().map(ToString::to_string).unwrap_or_default(),
            at: e.at,
        })
        .collect();
    let payee_key = intent.payee_key();
    let verdict = fraud::score(
        &deps.settings.fraud,
        &FraudInput {
            amount_minor: intent.amount_minor,
            payee: &payee_key,
            history: &history,
            now,
            local_hour: chrono::Timelike::hour(&local),
            linked_at: user.link.linked_at,
        },
    );
    let rules: Vec<String> = verdict.fired.iter().map(|(r, _)| r.name().to_owned()).collect();
    let fraud_detail = serde_json::json!({"score": verdict.score, "rules": verdict.fired.iter().map(|(r, w)| serde_json::json!({"rule": r.name(), "weight": w})).collect::<Vec<_>>(), "decision": verdict.decision});
    match verdict.decision {
        Decision::Block => {
            raise_suspicious(turn, user, &intent, &verdict).await?;
            return refuse(turn, user, Step::FraudScore, Refusal::Blocked, Some(&intent)).await;
        }
        Decision::StepUp if !code_given => {
            turn.audit(&user.account.id, Step::FraudScore.name(), fraud_detail).await?;
            turn.send_code(&user.account, CodePurpose::Session, Some(intent)).await?;
            turn.reply(Reply::SessionCodeSent { minutes: deps.settings.code_ttl.num_minutes().max(1) });
            return Ok(());
        }
        _ => turn.audit(&user.account.id, Step::FraudScore.name(), fraud_detail).await?,
    }

    let nonce = hex::encode(Uuid::new_v4().as_bytes());
    turn.audit(
        &user.account.id,
        Step::IntentLogged.name(),
        serde_json::json!({"intent": intent, "nonce": nonce, "fraud_score": verdict.score}),
    )
    .await?;
    let replaced = turn.state.pending.take();
    if let Some(old) = &replaced {
        turn.reply(Reply::Replaced { intent: old.intent.clone() });
    }
    let expires_at = now + deps.settings.confirm_ttl;
    turn.state.pending = Some(PendingConfirmation {
        intent: intent.clone(),
        nonce,
        expires_at,
        fraud_score: verdict.score,
        fraud_rules: rules,
        hash: None,
        prev_audit_hash: None,
    });
    turn.save().await?;
    turn.reply(Reply::Confirm { intent, minutes: deps.settings.confirm_ttl.num_minutes().max(1) });
    Ok(())
}

async fn raise_suspicious(
    turn: &WalletTurn<'_, '_>,
    user: &WalletUser,
    intent: &Intent,
    verdict: &Verdict,
) -> Result<(), TurnFailure> {
    let alert = Alert {
        id: format!("fraud:{}", turn.turn.message.id),
        business_number_id: turn.turn.contact.business_number_id.clone(),
        kind: "suspicious".into(),
        subject: turn.chain(&user.account.id),
        detail: serde_json::json!({
            "score": verdict.score,
            "rules": verdict.fired.iter().map(|(r, w)| serde_json::json!({"rule": r.name(), "weight": w})).collect::<Vec<_>>(),
            "kind": intent.kind,
            "amount_minor": intent.amount_minor,
            "currency": intent.currency,
            "payee": intent.payee.display,
        }),
        raised_at: turn.now(),
        acknowledged: None,
    };
    turn.deps.alerts.raise(&alert).await?;
    tracing::warn!(account = %user.account.id, score = verdict.score, "ALERT suspicious money movement blocked");
    Ok(())
}

/// A refusal at `step`: audited, answered, and any pending confirmation kept as it was.
pub(crate) async fn refuse(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    step: Step,
    refusal: Refusal,
    intent: Option<&Intent>,
) -> Result<(), TurnFailure> {
    turn.audit(
        &user.account.id,
        &format!("refused_{}", step.name()),
        serde_json::json!({"reason": refusal.code(), "intent": intent}),
    )
    .await?;
    turn.reply(Reply::Refused(refusal));
    Ok(())
}

/// `YES`: the pending movement, exactly as asked, once.
pub(crate) async fn confirm(turn: &mut WalletTurn<'_, '_>, user: &WalletUser) -> Result<(), TurnFailure> {
    let Some(mut pending) = turn.state.pending.clone() else {
        turn.reply(Reply::NothingPending);
        return Ok(());
    };
    let now = turn.now();
    let account_id = user.account.id.clone();
    if now > pending.expires_at && pending.hash.is_none() {
        turn.state.pending = None;
        turn.save().await?;
        turn.audit(
            &account_id,
            Step::Confirmation.name(),
            serde_json::json!({"result": "expired", "nonce": pending.nonce}),
        )
        .await?;
        turn.reply(Reply::ConfirmExpired);
        return Ok(());
    }
    if user.account.status != AccountStatus::Active {
        turn.state.pending = None;
        turn.save().await?;
        return refuse(turn, user, Step::LinkedAccount, Refusal::Frozen, Some(&pending.intent)).await;
    }
    turn.audit(
        &account_id,
        Step::Confirmation.name(),
        serde_json::json!({"result": "yes", "nonce": pending.nonce}),
    )
    .await?;

    // The hash and the audit hash it follows are kept before the ledger moves, so a retry of
    // this message posts the same transfer with the same hash.
    let (hash, prev) = match (&pending.hash, &pending.prev_audit_hash) {
        (Some(hash), Some(prev)) => (hash.clone(), prev.clone()),
        _ => {
            let chain = turn.chain(&account_id);
            let prev = turn
                .deps
                .audit
                .last(&chain)
                .await?
                .map_or_else(|| crate::audit::GENESIS.to_owned(), |r| r.hash);
            let hash = transaction_hash(&pending.intent, &pending.nonce, &prev);
            pending.hash = Some(hash.clone());
            pending.prev_audit_hash = Some(prev.clone());
            turn.state.pending = Some(pending.clone());
            turn.save().await?;
            (hash, prev)
        }
    };
    let intent = pending.intent.clone();
    let transfer = movement(&intent, &pending.nonce, &hash, now);
    match intent.kind {
        // The plan exists before the payee is paid, so no purchase is ever without its plan.
        IntentKind::BnplPurchase => {
            let plan = super::bnpl::plan_for(
                &intent,
                &pending.nonce,
                turn.turn.contact,
                turn.answer.locale(),
                &turn.deps.settings.bnpl,
                now,
            );
            turn.deps.plans.insert_if_absent(&plan).await?;
        }
        // Its instalments claimed (or already, by a retried YES), else the plan changed.
        IntentKind::BnplRepay
            if turn.deps.ledger.transfer(&transfer.id).await?.is_none()
                && !super::bnpl::claim_repay(turn.deps, &intent, &transfer.id, now).await? =>
        {
            turn.state.pending = None;
            turn.save().await?;
            return refuse(turn, user, Step::Ledger, Refusal::BnplPlanChanged, Some(&intent)).await;
        }
        _ => {}
    }
    // A susu contribution for a cycle that is over (or already paid out) would strand money
    // in the pot: refused.
    if intent.kind == IntentKind::SusuContribution && !super::susu::still_open(turn, &intent).await? {
        turn.state.pending = None;
        turn.save().await?;
        let words = super::replies::Reply::Product(crate::i18n::Words::new("susu-cycle-over"));
        turn.reply(words);
        return Ok(());
    }
    // A top-up moves nothing until MoMo says SUCCESSFUL; a redemption gives the points back
    // first (refused when they are no longer held), then credits the wallet.
    let posted = match intent.kind {
        IntentKind::TopUp => Ok(Posted::Applied),
        IntentKind::PointsRedeem => {
            match super::points::give_back(turn.deps, &intent, &pending.nonce, now).await {
                Ok(_) => turn.deps.ledger.post(&transfer).await,
                Err(LedgerError::InsufficientFunds { .. }) => {
                    turn.state.pending = None;
                    turn.save().await?;
                    let held = super::points::held(turn.deps, &account_id).await?;
                    return super::points::refuse_over(turn, user, &intent, held).await;
                }
                Err(err) => Err(err),
            }
        }
        _ => turn.deps.ledger.post(&transfer).await,
    };
    match posted {
        Ok(Posted::Applied | Posted::AlreadyApplied(_)) => {}
        Err(LedgerError::InsufficientFunds { .. }) => {
            if let (IntentKind::BnplRepay, Some(plan)) = (intent.kind, &intent.plan) {
                super::bnpl::release_repay(turn.deps, plan, &transfer.id, now).await?;
            }
            turn.answer.failed_transaction();
            turn.state.pending = None;
            turn.save().await?;
            let balance = turn.deps.ledger.balance(&user.account.ledger_account()).await?;
            let refusal = Refusal::InsufficientFunds {
                total_minor: intent.total_minor(),
                fee_minor: intent.fee_minor,
                balance_minor: balance,
                currency: intent.currency,
            };
            return refuse(turn, user, Step::Ledger, refusal, Some(&intent)).await;
        }
        Err(LedgerError::Invalid(reason)) => {
            tracing::error!(account = %account_id, %reason, "a confirmed movement is not a valid transfer");
            turn.answer.failed_transaction();
            turn.state.pending = None;
            turn.save().await?;
            return refuse(turn, user, Step::Ledger, Refusal::AmountInvalid, Some(&intent)).await;
        }
        Err(LedgerError::Store(err)) => return Err(err.into()),
    }
    turn.audit(
        &account_id,
        Step::Ledger.name(),
        serde_json::json!({
            "transfer_id": transfer.id,
            "hash": hash,
            "prev_audit_hash": prev,
            "nonce": pending.nonce,
            "intent": intent,
        }),
    )
    .await?;

    match intent.kind {
        IntentKind::WalletSend | IntentKind::BnplPurchase => {
            let balance = turn.deps.ledger.balance(&user.account.ledger_account()).await?;
            if let Some(payee_id) = &intent.payee.account_id {
                let payee_link =
                    turn.deps.links.link_of_account(&turn.turn.contact.business_number_id, payee_id).await?;
                if let Some(link) = payee_link {
                    let locale = turn
                        .deps
                        .contacts
                        .settings(&link.contact)
                        .await?
                        .locale
                        .unwrap_or(turn.profile().default_locale);
                    let notice =
                        settlement::received_notice(&transfer, &user.account, &link.contact, locale, now);
                    let to = Phone::parse_international(&link.contact.user_key).map_err(|_| {
                        TurnFailure::Uncertain("a linked conversation without a phone".into())
                    })?;
                    turn.answer.push(crate::notices::status_job(notice, to));
                }
            }
            super::points::earn(&*turn.deps.points, &turn.deps.settings, &transfer, &account_id)
                .await
                .map_err(|e| TurnFailure::Uncertain(e.to_string()))?;
            finish(turn).await?;
            turn.answer.transaction(intent.amount_minor);
            if intent.kind == IntentKind::BnplPurchase {
                let plan = turn.deps.plans.get(&super::bnpl::plan_id(&pending.nonce)).await?;
                let first = plan.as_ref().and_then(|p| p.next_instalment().cloned());
                turn.reply(Reply::BnplBought {
                    intent,
                    instalments: plan.as_ref().map_or(0, |p| p.instalments.len() as i64),
                    first_minor: first.as_ref().map_or(0, |i| i.total_minor()),
                    first_date: first
                        .map(|i| {
                            i.due_at.with_timezone(&time_zone(turn.profile())).format("%d.%m.%Y").to_string()
                        })
                        .unwrap_or_default(),
                });
            } else {
                turn.reply(Reply::Sent { intent, balance_minor: balance, reference: transfer.id.clone() });
            }
        }
        IntentKind::BnplRepay => {
            finish(turn).await?;
            turn.answer.transaction(intent.total_minor());
            let balance = turn.deps.ledger.balance(&user.account.ledger_account()).await?;
            turn.reply(Reply::BnplRepaid { intent, balance_minor: balance });
        }
        // ---- susu and points ----
        IntentKind::SusuContribution => {
            finish(turn).await?;
            turn.answer.transaction(intent.amount_minor);
            super::susu::contributed(turn, &intent).await?;
        }
        IntentKind::PointsRedeem => {
            finish(turn).await?;
            turn.answer.transaction(intent.amount_minor);
            let balance = turn.deps.ledger.balance(&user.account.ledger_account()).await?;
            let held = super::points::held(turn.deps, &account_id).await?;
            turn.reply(super::points::redeemed_reply(&intent, balance, held));
        }
        IntentKind::Payout | IntentKind::TopUp => {
            let operation = operation(turn, &intent, &transfer, now);
            let reply = settlement::start(&settlement::MomoDeps::of(turn.deps), operation).await?;
            finish(turn).await?;
            turn.reply(reply);
        }
    }
    Ok(())
}

/// The movement is done (or handed to MoMo): the session is proven, nothing is pending.
async fn finish(turn: &mut WalletTurn<'_, '_>) -> Result<(), TurnFailure> {
    turn.state.pending = None;
    turn.save().await?;
    turn.deps.links.touch(turn.turn.contact, turn.now()).await?;
    Ok(())
}

/// The ledger transfer a confirmed intent posts: a wallet SEND moves the money; a payout
/// holds it until MoMo's final status; a top-up moves nothing until MoMo says SUCCESSFUL
/// (its transfer is posted by [`settlement`]), so here it is only the record of the intent.
fn movement(intent: &Intent, nonce: &str, hash: &str, at: DateTime<Utc>) -> Transfer {
    let me = AccountId::wallet(&intent.account_id);
    let fee = (intent.fee_minor > 0).then(|| Leg {
        from: me.clone(),
        to: system::fees(),
        amount: intent.fee_minor,
    });
    let (id, kind, legs) = match intent.kind {
        IntentKind::WalletSend => {
            let payee = AccountId::wallet(intent.payee.account_id.as_deref().unwrap_or_default());
            let legs = std::iter::once(Leg { from: me.clone(), to: payee, amount: intent.amount_minor })
                .chain(fee)
                .collect();
            (format!("send:{nonce}"), TransferKind::Send, legs)
        }
        IntentKind::Payout => {
            let reference = intent.reference.unwrap_or_default();
            let legs = std::iter::once(Leg {
                from: me.clone(),
                to: system::payout_hold(),
                amount: intent.amount_minor,
            })
            .chain(fee)
            .collect();
            (settlement::payout_hold_id(reference), TransferKind::PayoutHold, legs)
        }
        IntentKind::TopUp => {
            let reference = intent.reference.unwrap_or_default();
            (settlement::topup_id(reference), TransferKind::TopUp, Vec::new())
        }
        IntentKind::BnplPurchase => return super::bnpl::purchase_transfer(intent, nonce, hash, at),
        IntentKind::BnplRepay => {
            return super::bnpl::repay_transfer(intent.plan.as_deref().unwrap_or_default(), intent, hash, at);
        }
        // ---- susu and points ----
        IntentKind::SusuContribution => {
            let cycle = intent.susu.clone().unwrap_or_default();
            let legs = vec![Leg {
                from: me.clone(),
                to: system::susu_pot(&cycle.group),
                amount: intent.amount_minor,
            }];
            (cycle.contribution_id(&intent.account_id), TransferKind::SusuContribution, legs)
        }
        IntentKind::PointsRedeem => {
            let legs =
                vec![Leg { from: system::points_redemption(), to: me.clone(), amount: intent.amount_minor }];
            (super::points::credit_id(nonce), TransferKind::PointsCredit, legs)
        }
    };
    Transfer {
        id,
        kind,
        currency: intent.currency,
        legs,
        hash: Some(hash.to_owned()),
        memo: intent.note.clone(),
        at,
    }
}

fn operation(
    turn: &WalletTurn<'_, '_>,
    intent: &Intent,
    transfer: &Transfer,
    now: DateTime<Utc>,
) -> MomoOperation {
    MomoOperation {
        reference: intent.reference.unwrap_or_default(),
        kind: if intent.kind == IntentKind::TopUp { MomoKind::TopUp } else { MomoKind::Payout },
        account_id: intent.account_id.clone(),
        contact: turn.turn.contact.clone(),
        msisdn: intent.payee.phone.clone(),
        amount_minor: intent.amount_minor,
        currency: intent.currency,
        fee_minor: intent.fee_minor,
        state: MomoState::Requested,
        reason: None,
        transfer_id: transfer.id.clone(),
        hash: transfer.hash.clone(),
        created_at: now,
        next_check_at: Some(now + turn.deps.settings.momo_first_check),
    }
}

/// `NO`: the pending movement is dropped.
pub(crate) async fn cancel(turn: &mut WalletTurn<'_, '_>, user: &WalletUser) -> Result<(), TurnFailure> {
    let Some(pending) = turn.state.pending.take() else {
        turn.reply(Reply::NothingPending);
        return Ok(());
    };
    turn.save().await?;
    turn.audit(
        &user.account.id,
        Step::Confirmation.name(),
        serde_json::json!({"result": "no", "nonce": pending.nonce}),
    )
    .await?;
    turn.reply(Reply::Cancelled);
    Ok(())
}

/// A decimal amount of an intent, for the MoMo request.
pub fn major(minor: i64, currency: Currency) -> Decimal {
    from_minor(minor, currency)
}
