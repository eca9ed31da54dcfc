//! Everything a wallet user reads, from the locale files (`shared/locales/wallet/*.ftl`).

use chrono_tz::Tz;

use super::commands::{Keyword, Unrecognized};
use super::score::Factor;
use super::secure::{Intent, IntentKind};
use crate::domain::{Currency, Locale};
use crate::i18n::{Catalog, WordArg, Words};
use crate::ledger::{Entry, TransferKind};
use crate::ports::{CodePurpose, MomoKind, OutboundContent};

/// Why a money movement was refused, by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Frozen,
    NoTier,
    AmountInvalid,
    SelfSend,
    OverTransferLimit {
        limit_minor: i64,
        currency: Currency,
    },
    OverDailyLimit {
        limit_minor: i64,
        left_minor: i64,
        currency: Currency,
    },
    InsufficientFunds {
        total_minor: i64,
        fee_minor: i64,
        balance_minor: i64,
        currency: Currency,
    },
    Blocked,
    // ---- BNPL ----
    /// More than the BNPL limit leaves (fee included).
    BnplOverLimit {
        limit_minor: i64,
        left_minor: i64,
        currency: Currency,
    },
    /// BNPL pays wallet accounts only.
    BnplPayeeNotWallet,
    /// The plan changed between the question and the YES (an instalment was collected).
    BnplPlanChanged,
}

impl Refusal {
    /// The audit record's reason.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Frozen => "frozen",
            Refusal::NoTier => "no_tier",
            Refusal::AmountInvalid => "amount_invalid",
            Refusal::SelfSend => "self_send",
            Refusal::OverTransferLimit { .. } => "over_transfer_limit",
            Refusal::OverDailyLimit { .. } => "over_daily_limit",
            Refusal::InsufficientFunds { .. } => "insufficient_funds",
            Refusal::Blocked => "fraud_blocked",
            Refusal::BnplOverLimit { .. } => "bnpl_over_limit",
            Refusal::BnplPayeeNotWallet => "bnpl_payee_not_wallet",
            Refusal::BnplPlanChanged => "bnpl_plan_changed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    HelpUnlinked,
    Help,
    NotLinked,
    AlreadyLinked,
    Unlinked,
    LinkCodeSent {
        minutes: i64,
    },
    CodeRateLimited,
    CodeWrong {
        attempts_left: u32,
    },
    CodeExpired,
    CodeSpent,
    NoCodeWaiting,
    Linked {
        first_name: String,
        frozen: bool,
    },
    SessionCodeSent {
        minutes: i64,
    },
    SessionRenewed,
    Balance {
        minor: i64,
        currency: Currency,
    },
    Statement {
        entries: Vec<Entry>,
        currency: Currency,
        zone: Tz,
    },
    Refused(Refusal),
    Confirm {
        intent: Intent,
        minutes: i64,
    },
    Replaced {
        intent: Intent,
    },
    NothingPending,
    ConfirmExpired,
    Cancelled,
    Sent {
        intent: Intent,
        balance_minor: i64,
        reference: String,
    },
    TopUpStarted {
        amount_minor: i64,
        currency: Currency,
        number: String,
    },
    PayoutStarted {
        amount_minor: i64,
        currency: Currency,
        number: String,
    },
    MomoRefused {
        kind: MomoKind,
        reason: String,
    },
    Unrecognized {
        unrecognized: Unrecognized,
        linked: bool,
    },
    // ---- SCORE and BNPL ----
    Score {
        value: u32,
        factors: Vec<(Factor, i64)>,
    },
    /// Limit, used, and the next instalment (amount, date) if any.
    BnplStatus {
        limit_minor: i64,
        used_minor: i64,
        next: Option<(i64, String)>,
        currency: Currency,
    },
    BnplBought {
        intent: Intent,
        instalments: i64,
        first_minor: i64,
        first_date: String,
    },
    BnplRepaid {
        intent: Intent,
        balance_minor: i64,
    },
    BnplNothingToRepay,
    /// What a wallet product (susu, points) says, its words built by its own module.
    Product(Words),
}

fn money(minor: i64, currency: Currency) -> WordArg {
    WordArg::Minor { minor, currency }
}

fn text(value: impl Into<String>) -> WordArg {
    WordArg::Text(value.into())
}

/// The words of a reply.
pub fn words(reply: &Reply) -> Words {
    match reply {
        Reply::HelpUnlinked => Words::new("wallet-help-unlinked"),
        Reply::Help => Words::new("wallet-help"),
        Reply::NotLinked => Words::new("wallet-not-linked"),
        Reply::AlreadyLinked => Words::new("wallet-already-linked"),
        Reply::Unlinked => Words::new("wallet-unlinked"),
        Reply::LinkCodeSent { minutes } => {
            Words::new("wallet-link-code-sent").arg("minutes", WordArg::Count(*minutes))
        }
        Reply::CodeRateLimited => Words::new("wallet-code-rate-limited"),
        Reply::CodeWrong { attempts_left } => {
            Words::new("wallet-code-wrong").arg("attempts", WordArg::Count(i64::from(*attempts_left)))
        }
        Reply::CodeExpired => Words::new("wallet-code-expired"),
        Reply::CodeSpent => Words::new("wallet-code-spent"),
        Reply::NoCodeWaiting => Words::new("wallet-no-code-waiting"),
        Reply::Linked { first_name, frozen } => Words::new("wallet-linked")
            .arg("name", text(first_name.clone()))
            .arg("frozen", WordArg::Flag(*frozen)),
        Reply::SessionCodeSent { minutes } => {
            Words::new("wallet-session-code-sent").arg("minutes", WordArg::Count(*minutes))
        }
        Reply::SessionRenewed => Words::new("wallet-session-renewed"),
        Reply::Balance { minor, currency } => {
            Words::new("wallet-balance").arg("amount", money(*minor, *currency))
        }
        Reply::Statement { .. } => Words::new("wallet-statement-empty"),
        Reply::Refused(refusal) => refusal_words(refusal),
        Reply::Confirm { intent, minutes } => {
            let message = match intent.kind {
                IntentKind::WalletSend => "wallet-confirm-send",
                IntentKind::Payout => "wallet-confirm-payout",
                IntentKind::TopUp => "wallet-confirm-topup",
                IntentKind::BnplPurchase => "wallet-confirm-bnpl",
                IntentKind::BnplRepay => "wallet-confirm-bnpl-repay",
                IntentKind::SusuContribution => "wallet-confirm-susu",
                IntentKind::PointsRedeem => "wallet-confirm-redeem",
            };
            intent_words(message, intent).arg("minutes", WordArg::Count(*minutes))
        }
        Reply::Replaced { intent } => intent_words("wallet-replaced", intent),
        Reply::NothingPending => Words::new("wallet-nothing-pending"),
        Reply::ConfirmExpired => Words::new("wallet-confirm-expired"),
        Reply::Cancelled => Words::new("wallet-cancelled"),
        Reply::Sent { intent, balance_minor, reference } => intent_words("wallet-sent", intent)
            .arg("balance", money(*balance_minor, intent.currency))
            .arg("reference", text(short_reference(reference))),
        Reply::TopUpStarted { amount_minor, currency, number } => Words::new("wallet-topup-started")
            .arg("amount", money(*amount_minor, *currency))
            .arg("number", text(number.clone())),
        Reply::PayoutStarted { amount_minor, currency, number } => Words::new("wallet-payout-started")
            .arg("amount", money(*amount_minor, *currency))
            .arg("number", text(number.clone())),
        Reply::MomoRefused { kind, reason } => Words::new("wallet-momo-refused")
            .arg("topup", WordArg::Flag(*kind == MomoKind::TopUp))
            .arg("reason", WordArg::Message(reason.clone())),
        Reply::Unrecognized { unrecognized, linked } => unrecognized_words(unrecognized, *linked),
        Reply::Score { value, .. } => {
            Words::new("wallet-score").arg("score", WordArg::Count(i64::from(*value)))
        }
        Reply::BnplStatus { limit_minor, used_minor, next, currency } => Words::new("wallet-bnpl-status")
            .arg("limit", money(*limit_minor, *currency))
            .arg("used", money(*used_minor, *currency))
            .arg("left", money((limit_minor - used_minor).max(0), *currency))
            .arg("has_next", WordArg::Flag(next.is_some()))
            .arg("next", money(next.as_ref().map_or(0, |n| n.0), *currency))
            .arg("date", text(next.as_ref().map(|n| n.1.clone()).unwrap_or_default())),
        Reply::BnplBought { intent, instalments, first_minor, first_date } => {
            intent_words("wallet-bnpl-bought", intent)
                .arg("count", WordArg::Count(*instalments))
                .arg("first", money(*first_minor, intent.currency))
                .arg("date", text(first_date.clone()))
        }
        Reply::BnplRepaid { intent, balance_minor } => {
            intent_words("wallet-bnpl-repaid", intent).arg("balance", money(*balance_minor, intent.currency))
        }
        Reply::BnplNothingToRepay => Words::new("wallet-bnpl-nothing-to-repay"),
        Reply::Product(words) => words.clone(),
    }
}

fn intent_words(message: &str, intent: &Intent) -> Words {
    Words::new(message)
        .arg("amount", money(intent.amount_minor, intent.currency))
        .arg("fee", money(intent.fee_minor, intent.currency))
        .arg("total", money(intent.total_minor(), intent.currency))
        .arg("payee", text(intent.payee.display.clone()))
}

fn refusal_words(refusal: &Refusal) -> Words {
    match refusal {
        Refusal::Frozen => Words::new("wallet-refused-frozen"),
        Refusal::NoTier => Words::new("wallet-refused-no-tier"),
        Refusal::AmountInvalid => Words::new("wallet-refused-amount"),
        Refusal::SelfSend => Words::new("wallet-refused-self"),
        Refusal::OverTransferLimit { limit_minor, currency } => {
            Words::new("wallet-refused-transfer-limit").arg("limit", money(*limit_minor, *currency))
        }
        Refusal::OverDailyLimit { limit_minor, left_minor, currency } => {
            Words::new("wallet-refused-daily-limit")
                .arg("limit", money(*limit_minor, *currency))
                .arg("left", money(*left_minor, *currency))
        }
        Refusal::InsufficientFunds { total_minor, fee_minor, balance_minor, currency } => {
            Words::new("wallet-refused-funds")
                .arg("total", money(*total_minor, *currency))
                .arg("fee", money(*fee_minor, *currency))
                .arg("balance", money(*balance_minor, *currency))
        }
        Refusal::Blocked => Words::new("wallet-refused-blocked"),
        Refusal::BnplOverLimit { limit_minor, left_minor, currency } => {
            Words::new("wallet-refused-bnpl-limit")
                .arg("limit", money(*limit_minor, *currency))
                .arg("left", money(*left_minor, *currency))
        }
        Refusal::BnplPayeeNotWallet => Words::new("wallet-refused-bnpl-payee"),
        Refusal::BnplPlanChanged => Words::new("wallet-refused-bnpl-changed"),
    }
}

fn example(command: Keyword) -> &'static str {
    match command {
        Keyword::TopUp => "TOPUP 50",
        Keyword::Bnpl => "BNPL 300 0244123456",
        Keyword::Points => "POINTS REDEEM 100",
        _ => "SEND 50 0244123456",
    }
}

fn unrecognized_words(unrecognized: &Unrecognized, linked: bool) -> Words {
    match unrecognized {
        Unrecognized::Empty | Unrecognized::Unknown { .. } => {
            let suggestion = unrecognized.suggestion().map(Keyword::canonical);
            Words::new("wallet-unknown")
                .arg("has_suggestion", WordArg::Flag(suggestion.is_some()))
                .arg("suggestion", text(suggestion.unwrap_or_default()))
                .arg("linked", WordArg::Flag(linked))
        }
        Unrecognized::AmountMissing { command } => Words::new("wallet-amount-missing")
            .arg("command", text(command.canonical()))
            .arg("example", text(example(*command))),
        Unrecognized::AmountInvalid { command, written } => Words::new("wallet-amount-invalid")
            .arg("written", text(written.clone()))
            .arg("example", text(example(*command))),
        Unrecognized::TooManyDecimals { command } => {
            Words::new("wallet-amount-decimals").arg("example", text(example(*command)))
        }
        Unrecognized::AmountNotPositive { command } => {
            Words::new("wallet-amount-not-positive").arg("example", text(example(*command)))
        }
        Unrecognized::PayeeMissing => {
            Words::new("wallet-payee-missing").arg("example", text(example(Keyword::Send)))
        }
        Unrecognized::PayeeInvalid { written } => Words::new("wallet-payee-invalid")
            .arg("written", text(written.clone()))
            .arg("example", text(example(Keyword::Send))),
        Unrecognized::PeriodInvalid { written } => {
            Words::new("wallet-pdf-period-invalid").arg("written", text(written.clone()))
        }
    }
}

/// The last characters of a transfer id, enough to quote to support.
fn short_reference(id: &str) -> String {
    let tail: String = id.chars().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
    tail.to_uppercase()
}

pub fn render(reply: &Reply, locale: Locale) -> OutboundContent {
    let body = match reply {
        Reply::Statement { entries, currency, zone } if !entries.is_empty() => {
            statement(entries, *currency, *zone, locale)
        }
        Reply::Score { factors, .. } if !factors.is_empty() => {
            let mut lines = vec![words(reply).render(locale)];
            for (factor, effect) in factors {
                let line = Words::new("wallet-score-factor")
                    .arg("helped", WordArg::Flag(*effect > 0))
                    .arg("points", WordArg::Count(effect.abs()))
                    .arg("what", WordArg::Message(factor.message().into()));
                lines.push(line.render(locale));
            }
            lines.join("\n")
        }
        other => words(other).render(locale),
    };
    OutboundContent::Text { body }
}

fn statement(entries: &[Entry], currency: Currency, zone: Tz, locale: Locale) -> String {
    let catalog = Catalog::global();
    let mut lines = vec![
        Words::new("wallet-statement-header")
            .arg("count", WordArg::Count(entries.len() as i64))
            .render(locale),
    ];
    for entry in entries {
        let what = kind_message(entry);
        let sign = if entry.amount > 0 { "+" } else { "" };
        let line = Words::new("wallet-statement-line")
            .arg("date", text(entry.at.with_timezone(&zone).format("%d.%m %H:%M").to_string()))
            .arg("amount", text(format!("{sign}{}", money(entry.amount, currency).render(locale))))
            .arg("what", WordArg::Message(what.into()))
            .arg("has_note", WordArg::Flag(entry.memo.is_some()))
            .arg("note", text(entry.memo.clone().unwrap_or_default()))
            // Wallet accounts always carry their running balance (only system accounts do not).
            .arg("balance", money(entry.balance_after.unwrap_or_default(), currency));
        lines.push(line.render(locale));
    }
    let _ = catalog;
    lines.join("\n")
}

/// The message id naming what a statement entry was (sent, received, top-up, …).
pub(crate) fn kind_message(entry: &Entry) -> &'static str {
    match (entry.kind, entry.amount < 0) {
        (TransferKind::Opening, _) => "wallet-kind-opening",
        (TransferKind::Send, true) => "wallet-kind-sent",
        (TransferKind::Send, false) => "wallet-kind-received",
        (TransferKind::TopUp, _) => "wallet-kind-topup",
        (TransferKind::PayoutHold, _) => "wallet-kind-payout",
        (TransferKind::PayoutRelease, _) => "wallet-kind-payout",
        (TransferKind::PayoutReturn, _) => "wallet-kind-payout-return",
        (TransferKind::BnplPurchase, _) => "wallet-kind-bnpl-purchase",
        (TransferKind::BnplInstalment, _) => "wallet-kind-bnpl-instalment",
        (TransferKind::BnplRepay, _) => "wallet-kind-bnpl-repay",
        // ---- susu and points ----
        (TransferKind::SusuContribution, _) => "wallet-kind-susu-contribution",
        (TransferKind::SusuPayout, _) => "wallet-kind-susu-payout",
        (TransferKind::PointsCredit, _) => "wallet-kind-points-credit",
        // Points-ledger kinds never reach a money statement.
        (TransferKind::PointsEarned | TransferKind::PointsRedeemed, _) => "wallet-kind-points-credit",
    }
}

/// The message id of a MoMo failure reason, as the user reads it.
pub fn reason_message(reason: Option<&str>) -> &'static str {
    match reason.unwrap_or_default() {
        "APPROVAL_REJECTED" => "wallet-reason-rejected",
        "EXPIRED" | "COULD_NOT_PERFORM_TRANSACTION" => "wallet-reason-expired",
        "NOT_ENOUGH_FUNDS" | "PAYER_LIMIT_REACHED" | "INTERNAL_PROCESSING_ERROR" => "wallet-reason-funds",
        "PAYER_NOT_FOUND" | "PAYEE_NOT_FOUND" | "SENDER_ACCOUNT_NOT_ACTIVE" => "wallet-reason-not-found",
        _ => "wallet-reason-other",
    }
}

/// The SMS carrying a one-time code.
pub fn sms_text(code: &str, purpose: CodePurpose, minutes: i64, locale: Locale) -> String {
    let message = match purpose {
        CodePurpose::Link => "wallet-sms-link",
        CodePurpose::Session => "wallet-sms-session",
    };
    Words::new(message).arg("code", text(code)).arg("minutes", WordArg::Count(minutes)).render(locale)
}
