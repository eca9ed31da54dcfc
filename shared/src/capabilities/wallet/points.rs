//! Loyalty points: earned per completed SEND and TOPUP at `POINTS_PER_UNIT`, redeemed for
//! wallet credit at `POINTS_REDEEM_MINOR` per point. Points live on a ledger of their own
//! (`points:<account>` and `system:points_issuer`, unit `PTS`), so the money ledger's sums
//! and statements never see them. Points for a transfer are posted under an id derived from
//! the transfer's (`points:<transfer id>`), so a redelivered message or a retried settlement
//! earns them once.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::replies::Reply;
use super::secure::{self, Intent, IntentKind, Payee};
use super::{WalletDeps, WalletSettings, WalletTurn, WalletUser};
use crate::StoreResult;
use crate::capabilities::TurnFailure;
use crate::domain::Currency;
use crate::i18n::{WordArg, Words};
use crate::ledger::{AccountId, Ledger, LedgerError, Leg, Posted, Transfer, TransferKind, system};

/// The points ledger id of what a transfer earned.
pub fn earned_id(transfer_id: &str) -> String {
    format!("points:{transfer_id}")
}

/// The money ledger id of a redemption's wallet credit.
pub fn credit_id(nonce: &str) -> String {
    format!("redeem:{nonce}")
}

fn give_back_id(nonce: &str) -> String {
    format!("redeem:{nonce}:points")
}

/// Points for moving `amount_minor` of `currency`: whole points, rounded down.
pub fn points_for(settings: &WalletSettings, amount_minor: i64, currency: Currency) -> i64 {
    let units = Decimal::new(amount_minor, currency.minor_units());
    i64::try_from((units * settings.points_per_unit).floor()).unwrap_or(0).max(0)
}

/// The points a completed SEND earns its sender.
pub async fn earn(
    points: &dyn Ledger,
    settings: &WalletSettings,
    transfer: &Transfer,
    account_id: &str,
) -> Result<(), LedgerError> {
    let me = AccountId::wallet(account_id);
    let sent: i64 =
        transfer.legs.iter().filter(|l| l.from == me && l.to != system::fees()).map(|l| l.amount).sum();
    earn_for(points, settings, transfer, account_id, sent).await
}

/// Credits the points of `amount_minor` moved by `transfer`, once per transfer.
pub async fn earn_for(
    points: &dyn Ledger,
    settings: &WalletSettings,
    transfer: &Transfer,
    account_id: &str,
    amount_minor: i64,
) -> Result<(), LedgerError> {
    let earned = points_for(settings, amount_minor, transfer.currency);
    if earned <= 0 {
        return Ok(());
    }
    let source = match transfer.kind {
        TransferKind::TopUp => "topup",
        _ => "send",
    };
    points
        .post(&Transfer {
            id: earned_id(&transfer.id),
            kind: TransferKind::PointsEarned,
            currency: Currency::POINTS,
            legs: vec![Leg {
                from: system::points_issuer(),
                to: AccountId::points(account_id),
                amount: earned,
            }],
            hash: None,
            memo: Some(source.into()),
            at: transfer.at,
        })
        .await?;
    Ok(())
}

/// The points an account holds.
pub async fn held(deps: &WalletDeps, account_id: &str) -> StoreResult<i64> {
    deps.points.balance(&AccountId::points(account_id)).await
}

/// A confirmed redemption's points go back to the issuer first: refused (nothing moves)
/// when the account no longer holds them.
pub(crate) async fn give_back(
    deps: &WalletDeps,
    intent: &Intent,
    nonce: &str,
    at: DateTime<Utc>,
) -> Result<Posted, LedgerError> {
    deps.points
        .post(&Transfer {
            id: give_back_id(nonce),
            kind: TransferKind::PointsRedeemed,
            currency: Currency::POINTS,
            legs: vec![Leg {
                from: AccountId::points(&intent.account_id),
                to: system::points_issuer(),
                amount: intent.points.unwrap_or_default(),
            }],
            hash: None,
            memo: None,
            at,
        })
        .await
}

/// `POINTS`: the balance, what it is worth, and the last earnings.
pub(crate) async fn show(turn: &mut WalletTurn<'_, '_>, user: &WalletUser) -> Result<(), TurnFailure> {
    turn.keep_session(user).await?;
    let deps = turn.deps;
    let held = held(deps, &user.account.id).await?;
    let entries = deps
        .points
        .entries(&AccountId::points(&user.account.id), None, deps.settings.points_lines * 2)
        .await?;
    let zone = secure::time_zone(turn.profile());
    let locale = turn.answer.locale();
    let lines: Vec<String> = entries
        .iter()
        .filter(|e| e.kind == TransferKind::PointsEarned)
        .take(deps.settings.points_lines)
        .map(|e| {
            let source =
                if e.memo.as_deref() == Some("topup") { "points-source-topup" } else { "points-source-send" };
            Words::new("points-line")
                .arg("date", WordArg::Text(e.at.with_timezone(&zone).format("%d.%m %H:%M").to_string()))
                .arg("points", WordArg::Count(e.amount))
                .arg("source", WordArg::Message(source.into()))
                .render(locale)
        })
        .collect();
    let worth = held.saturating_mul(deps.settings.points_redeem_minor);
    let words = Words::new("points-summary")
        .arg("points", WordArg::Count(held))
        .arg("worth", WordArg::Minor { minor: worth, currency: user.account.currency })
        .arg("has_lines", WordArg::Flag(!lines.is_empty()))
        .arg("lines", WordArg::Text(lines.join("\n")));
    turn.reply(Reply::Product(words));
    Ok(())
}

/// `POINTS REDEEM <n>`: refused above what is held, else through the secure execution layer.
pub(crate) async fn redeem(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    points: i64,
) -> Result<(), TurnFailure> {
    let held = held(turn.deps, &user.account.id).await?;
    let intent = Intent {
        plan: None,
        kind: IntentKind::PointsRedeem,
        account_id: user.account.id.clone(),
        amount_minor: points.saturating_mul(turn.deps.settings.points_redeem_minor),
        fee_minor: 0,
        currency: user.account.currency,
        payee: Payee {
            phone: user.account.registered_phone.clone(),
            account_id: Some(user.account.id.clone()),
            display: user.account.masked_name(),
        },
        note: None,
        reference: None,
        susu: None,
        points: Some(points),
    };
    if points <= 0 || points > held {
        return refuse_over(turn, user, &intent, held).await;
    }
    secure::begin(turn, user, intent).await
}

/// More points asked for than held: audited and explained; nothing moves.
pub(crate) async fn refuse_over(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    intent: &Intent,
    held: i64,
) -> Result<(), TurnFailure> {
    turn.audit(
        &user.account.id,
        &format!("refused_{}", secure::Step::Limits.name()),
        serde_json::json!({"reason": "points_insufficient", "intent": intent, "held": held}),
    )
    .await?;
    let words = Words::new("points-refused-over")
        .arg("asked", WordArg::Count(intent.points.unwrap_or_default()))
        .arg("points", WordArg::Count(held));
    turn.reply(Reply::Product(words));
    Ok(())
}

/// After the credit: what was redeemed, the balance, the points left.
pub(crate) fn redeemed_reply(intent: &Intent, balance_minor: i64, held: i64) -> Reply {
    Reply::Product(
        Words::new("points-redeemed")
            .arg("asked", WordArg::Count(intent.points.unwrap_or_default()))
            .arg("amount", WordArg::Minor { minor: intent.amount_minor, currency: intent.currency })
            .arg("balance", WordArg::Minor { minor: balance_minor, currency: intent.currency })
            .arg("points", WordArg::Count(held)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_whole_and_rounded_down() {
        let mut settings = WalletSettings::default();
        assert_eq!(points_for(&settings, 5_099, Currency::GHS), 50);
        settings.points_per_unit = Decimal::new(5, 1); // half a point per cedi
        assert_eq!(points_for(&settings, 5_099, Currency::GHS), 25);
        settings.points_per_unit = Decimal::ZERO;
        assert_eq!(points_for(&settings, 5_099, Currency::GHS), 0);
    }
}
