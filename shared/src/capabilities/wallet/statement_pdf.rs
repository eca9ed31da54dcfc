//! `STATEMENT PDF [<month>]`: a calendar month's statement (this month so far when none is
//! given) as a PDF document message: the holder's masked name, the account, the currency, the
//! opening balance, every movement with its running balance, and the closing balance, in the
//! user's locale.
//!
//! The command function renders the PDF and uploads it through the Cloud API's media endpoint
//! itself, then queues a document message naming the media id: a statement can outgrow the
//! outbound queue's 256 KB message limit, a media id never does. Meta keeps the id about 30
//! days, far longer than a queued message waits. A retryable upload failure is retried with
//! backoff here and, if it persists, fails the turn so the message is redelivered (a new upload
//! then; an unused media id costs nothing); a permanent one is explained to the user.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::commands::StatementMonth;
use super::{WalletTurn, WalletUser, replies, secure};
use crate::StoreError;
use crate::capabilities::TurnFailure;
use crate::domain::{Currency, Locale};
use crate::i18n::{WordArg, Words};
use crate::ledger::Entry;
use crate::pdf::{Cell, Row};
use crate::ports::{MediaFile, OutboundContent, SendError};

const MIME_PDF: &str = "application/pdf";

/// One month of one account, computed from its ledger entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub month: StatementMonth,
    /// The period's first moment and its end (the next month's first moment), in UTC.
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub holder: String,
    pub account_id: String,
    pub currency: Currency,
    pub opening_minor: i64,
    pub closing_minor: i64,
    /// Oldest first.
    pub entries: Vec<Entry>,
    /// The ledger had more movements in the period than a statement holds: the oldest are
    /// left out (the opening balance is still exact: it is read off the oldest one shown).
    pub truncated: bool,
    pub zone: Tz,
    pub generated_at: DateTime<Utc>,
}

/// The month's bounds in `zone`, as UTC instants.
pub fn month_bounds(month: StatementMonth, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |year: i32, month: u32| {
        let day =
            NaiveDate::from_ymd_opt(year, month, 1).expect("a month from the grammar").and_hms_opt(0, 0, 0);
        let local = zone.from_local_datetime(&day.expect("midnight exists")).earliest();
        // A zone that skips midnight on the 1st: the first hour after the gap.
        local.unwrap_or_else(|| zone.from_utc_datetime(&day.expect("midnight exists"))).with_timezone(&Utc)
    };
    let (next_year, next_month) =
        if month.month == 12 { (month.year + 1, 1) } else { (month.year, month.month + 1) };
    (start(month.year, month.month), start(next_year, next_month))
}

/// The month `now` falls in, in `zone`.
pub fn current_month(now: DateTime<Utc>, zone: Tz) -> StatementMonth {
    let local = now.with_timezone(&zone);
    StatementMonth { year: local.year(), month: local.month() }
}

/// Builds the statement from the account's entries since the month's start (newest first, as
/// the ledger returns them, at most `limit`) and its balance now.
#[allow(clippy::too_many_arguments)]
pub fn build(
    month: StatementMonth,
    zone: Tz,
    now: DateTime<Utc>,
    account: &crate::domain::WalletAccount,
    newest_first: Vec<Entry>,
    limit: usize,
    balance_now: i64,
) -> Statement {
    let (from, until) = month_bounds(month, zone);
    let truncated = newest_first.len() >= limit;
    let balance_before = |e: &Entry| e.balance_after.unwrap_or_default() - e.amount;
    let (entries, after): (Vec<Entry>, Vec<Entry>) =
        newest_first.into_iter().filter(|e| e.at >= from).partition(|e| e.at < until);
    let entries = chronological(entries);
    // The oldest movement after the period tells the balance the period closed with.
    let after = chronological(after).into_iter().next();
    let after = after.as_ref();
    let closing_minor = match (entries.last(), after) {
        (Some(last), _) => last.balance_after.unwrap_or_default(),
        (None, Some(after)) => balance_before(after),
        (None, None) => balance_now,
    };
    let opening_minor = entries.first().map(balance_before).unwrap_or(closing_minor);
    Statement {
        month,
        from,
        until,
        holder: account.masked_name(),
        account_id: account.id.clone(),
        currency: account.currency,
        opening_minor,
        closing_minor,
        entries,
        truncated,
        zone,
        generated_at: now,
    }
}

/// Oldest first. Movements of the same millisecond are put in the order their running
/// balances follow each other (the ledger orders those by transfer id).
fn chronological(mut entries: Vec<Entry>) -> Vec<Entry> {
    entries.sort_by_key(|e| e.at);
    let after = |e: &Entry| e.balance_after.unwrap_or_default();
    let before = |e: &Entry| after(e) - e.amount;
    let mut ordered: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut rest = entries.into_iter().peekable();
    while let Some(first) = rest.next() {
        let mut group = vec![first];
        while let Some(next) = rest.next_if(|e| e.at == group[0].at) {
            group.push(next);
        }
        let mut running = ordered.last().map(after);
        while !group.is_empty() {
            let pick = group
                .iter()
                .position(|e| Some(before(e)) == running)
                // The first of the group: the one no other member leads to.
                .or_else(|| {
                    group.iter().enumerate().position(|(i, e)| {
                        !group.iter().enumerate().any(|(j, o)| j != i && after(o) == before(e))
                    })
                })
                .unwrap_or(0);
            let entry = group.remove(pick);
            running = Some(after(&entry));
            ordered.push(entry);
        }
    }
    ordered
}

fn money(minor: i64, currency: Currency, locale: Locale) -> String {
    WordArg::Minor { minor, currency }.render(locale)
}

fn signed(minor: i64, currency: Currency, locale: Locale) -> String {
    let sign = if minor > 0 { "+" } else { "" };
    format!("{sign}{}", money(minor, currency, locale))
}

/// The month as the locale names it (`November 2026`).
pub fn month_name(month: StatementMonth, locale: Locale) -> String {
    Words::new("wallet-pdf-month")
        .arg("month", WordArg::Count(i64::from(month.month)))
        .arg("year", WordArg::Text(month.year.to_string()))
        .render(locale)
}

/// Cuts `text` to fit `width` points at `size`, with an ellipsis.
fn fit(text: &str, width: f32, size: f32) -> String {
    if crate::pdf::text_width(text, size) <= width {
        return text.to_owned();
    }
    let mut cut: String = text.to_owned();
    while !cut.is_empty() && crate::pdf::text_width(&format!("{cut}…"), size) > width {
        cut.pop();
    }
    format!("{}…", cut.trim_end())
}

/// The statement's PDF in `locale`.
pub fn render(statement: &Statement, locale: Locale) -> Vec<u8> {
    let w = |id: &str| Words::new(id).render(locale);
    let (c, zone) = (statement.currency, statement.zone);
    let date = |at: DateTime<Utc>| at.with_timezone(&zone).format("%d.%m.%Y").to_string();
    let time = |at: DateTime<Utc>| at.with_timezone(&zone).format("%d.%m.%Y %H:%M").to_string();
    // The period's last moment so far, for its closing date: today for the month in progress.
    let last_day = (statement.until - chrono::Duration::milliseconds(1)).min(statement.generated_at);
    let (date_x, what_x, amount_x, balance_x) = (50.0, 150.0, 440.0, 545.0);
    let mut rows = vec![
        Row::new(18.0, vec![Cell::left(50.0, w("wallet-pdf-title"))]),
        Row::new(11.0, vec![Cell::left(50.0, month_name(statement.month, locale))]).space_before(2.0),
        Row::new(
            10.0,
            vec![Cell::left(
                50.0,
                Words::new("wallet-pdf-holder")
                    .arg("name", WordArg::Text(statement.holder.clone()))
                    .render(locale),
            )],
        )
        .space_before(10.0),
        Row::new(
            10.0,
            vec![Cell::left(
                50.0,
                Words::new("wallet-pdf-account")
                    .arg("account", WordArg::Text(statement.account_id.clone()))
                    .render(locale),
            )],
        ),
        Row::new(
            10.0,
            vec![Cell::left(
                50.0,
                Words::new("wallet-pdf-currency")
                    .arg("currency", WordArg::Text(c.code().to_owned()))
                    .render(locale),
            )],
        ),
        Row::new(
            10.0,
            vec![Cell::left(
                50.0,
                Words::new("wallet-pdf-period")
                    .arg("from", WordArg::Text(date(statement.from)))
                    .arg("to", WordArg::Text(date(last_day)))
                    .render(locale),
            )],
        ),
        Row::new(
            10.0,
            vec![
                Cell::left(date_x, w("wallet-pdf-col-date")),
                Cell::left(what_x, w("wallet-pdf-col-description")),
                Cell::right(amount_x, w("wallet-pdf-col-amount")),
                Cell::right(balance_x, w("wallet-pdf-col-balance")),
            ],
        )
        .space_before(14.0)
        .rule_below(),
        Row::new(
            10.0,
            vec![
                Cell::left(date_x, date(statement.from)),
                Cell::left(what_x, w("wallet-pdf-opening")),
                Cell::right(balance_x, money(statement.opening_minor, c, locale)),
            ],
        )
        .space_before(2.0),
    ];
    if statement.truncated {
        let note = Words::new("wallet-pdf-truncated")
            .arg("count", WordArg::Count(statement.entries.len() as i64))
            .render(locale);
        rows.push(Row::new(9.0, vec![Cell::left(what_x, note)]));
    }
    for entry in &statement.entries {
        let mut what = w(replies::kind_message(entry));
        if let Some(memo) = &entry.memo {
            what = format!("{what} · {memo}");
        }
        rows.push(Row::new(
            10.0,
            vec![
                Cell::left(date_x, time(entry.at)),
                Cell::left(what_x, fit(&what, amount_x - what_x - 90.0, 10.0)),
                Cell::right(amount_x, signed(entry.amount, c, locale)),
                Cell::right(balance_x, money(entry.balance_after.unwrap_or_default(), c, locale)),
            ],
        ));
    }
    if statement.entries.is_empty() {
        rows.push(Row::new(10.0, vec![Cell::left(what_x, w("wallet-pdf-no-movements"))]));
    }
    if let Some(last) = rows.last_mut() {
        last.rule_below = true;
    }
    rows.push(
        Row::new(
            10.0,
            vec![
                Cell::left(date_x, date(last_day)),
                Cell::left(what_x, w("wallet-pdf-closing")),
                Cell::right(balance_x, money(statement.closing_minor, c, locale)),
            ],
        )
        .space_before(2.0),
    );
    let generated = Words::new("wallet-pdf-generated")
        .arg("at", WordArg::Text(time(statement.generated_at)))
        .arg("zone", WordArg::Text(zone.name().to_owned()))
        .render(locale);
    rows.push(Row::new(8.0, vec![Cell::left(50.0, generated)]).space_before(24.0));
    crate::pdf::render(&format!("{} — {}", w("wallet-pdf-title"), month_name(statement.month, locale)), &rows)
}

/// The document message's caption.
pub fn caption(statement: &Statement, locale: Locale) -> String {
    Words::new("wallet-pdf-caption")
        .arg("period", WordArg::Text(month_name(statement.month, locale)))
        .arg("count", WordArg::Count(statement.entries.len() as i64))
        .arg("closing", WordArg::Minor { minor: statement.closing_minor, currency: statement.currency })
        .render(locale)
}

/// The file name the user sees (`statement-2026-11.pdf`).
pub fn filename(month: StatementMonth, locale: Locale) -> String {
    Words::new("wallet-pdf-filename")
        .arg("period", WordArg::Text(format!("{:04}-{:02}", month.year, month.month)))
        .render(locale)
}

/// `STATEMENT PDF [<month>]`.
pub(crate) async fn send(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    month: Option<StatementMonth>,
) -> Result<(), TurnFailure> {
    turn.keep_session(user).await?;
    let zone = secure::time_zone(turn.profile());
    let now = turn.now();
    let locale = turn.answer.locale();
    let this_month = current_month(now, zone);
    let month = month.unwrap_or(this_month);
    if month > this_month {
        let words = Words::new("wallet-pdf-future").arg("period", WordArg::Text(month_name(month, locale)));
        turn.answer.reply(OutboundContent::Text { body: words.render(locale) });
        return Ok(());
    }
    let account = user.account.ledger_account();
    let (from, _) = month_bounds(month, zone);
    let limit = turn.deps.settings.statement_pdf_lines;
    let entries = turn.deps.ledger.entries(&account, Some(from), limit).await?;
    let balance = turn.deps.ledger.balance(&account).await?;
    let statement = build(month, zone, now, &user.account, entries, limit, balance);
    let file = MediaFile {
        bytes: render(&statement, locale),
        mime_type: MIME_PDF.to_owned(),
        filename: filename(month, locale),
    };
    let business_number = turn.turn.message.business_number_id.clone();
    let media_id = match upload(turn, &business_number, &file).await {
        Ok(media_id) => media_id,
        Err(SendError::Permanent { code, detail }) => {
            tracing::error!(account = %user.account.id, ?code, %detail, "statement PDF refused by the media endpoint");
            let body = Words::new("wallet-pdf-unavailable").render(locale);
            turn.answer.reply(OutboundContent::Text { body });
            return Ok(());
        }
        Err(other) => {
            // Still failing after the retries: the message comes back and is tried again.
            return Err(TurnFailure::Store(StoreError::unavailable("cloud_api_media", other)));
        }
    };
    turn.audit(
        &user.account.id,
        "statement_pdf",
        serde_json::json!({
            "period": format!("{:04}-{:02}", month.year, month.month),
            "entries": statement.entries.len(),
            "bytes": file.bytes.len(),
        }),
    )
    .await?;
    turn.answer.reply(OutboundContent::Document {
        media_id,
        filename: file.filename,
        caption: Some(caption(&statement, locale)),
    });
    Ok(())
}

/// Uploads with backoff and full jitter on retryable failures, as notify sends.
async fn upload(
    turn: &WalletTurn<'_, '_>,
    business_number: &str,
    file: &MediaFile,
) -> Result<String, SendError> {
    let settings = &turn.deps.settings;
    let mut attempt = 0;
    loop {
        match turn.deps.media.upload(business_number, file).await {
            Err(SendError::Retryable { code, detail }) if attempt + 1 < settings.media_upload_attempts => {
                tracing::warn!(attempt, ?code, %detail, "statement PDF upload failed; retrying");
                let cap = settings.media_upload_backoff.saturating_mul(1 << attempt.min(4));
                let wait = rand::Rng::random_range(&mut rand::rng(), 0..=cap.as_millis() as u64);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccountStatus, Phone, WalletAccount};
    use crate::ledger::{AccountId, TransferKind};
    use rust_decimal::Decimal;

    fn account() -> WalletAccount {
        WalletAccount {
            id: "W-1".into(),
            name: "Ama Serwaa Owusu".into(),
            registered_phone: Phone::parse_international("+233244123456").unwrap(),
            tier: "tier1".into(),
            status: AccountStatus::Active,
            currency: Currency::GHS,
            opening_balance: Decimal::ZERO,
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn entry(when: &str, kind: TransferKind, amount: i64, balance_after: i64, memo: Option<&str>) -> Entry {
        Entry {
            account: AccountId::wallet("W-1"),
            transfer_id: format!("t-{when}"),
            kind,
            amount,
            balance_after: Some(balance_after),
            counterparty: None,
            memo: memo.map(Into::into),
            at: at(when),
        }
    }

    fn november() -> StatementMonth {
        StatementMonth { year: 2026, month: 11 }
    }

    /// Newest first, as the ledger answers `entries(since = 1 Nov)`.
    fn history() -> Vec<Entry> {
        vec![
            entry("2026-12-01T09:00:00Z", TransferKind::Send, -1_000, 14_000, Some("Kofi B.")),
            entry("2026-11-20T18:30:00Z", TransferKind::Send, 5_000, 15_000, Some("Школа")),
            entry("2026-11-03T08:15:00Z", TransferKind::TopUp, 10_000, 10_000, None),
        ]
    }

    fn text_of(pdf: &[u8]) -> String {
        let document = lopdf::Document::load_mem(pdf).expect("the PDF parses back");
        let pages: Vec<u32> = document.get_pages().keys().copied().collect();
        document.extract_text(&pages).expect("its text extracts")
    }

    #[test]
    fn a_month_has_its_movements_oldest_first_with_opening_and_closing_balances() {
        let now = at("2026-12-02T06:00:00Z");
        let statement = build(november(), chrono_tz::UTC, now, &account(), history(), 500, 14_000);
        assert_eq!(statement.entries.len(), 2);
        assert_eq!(statement.entries[0].amount, 10_000);
        assert_eq!((statement.opening_minor, statement.closing_minor), (0, 15_000));
        assert_eq!(statement.holder, "Ama O.");
        assert!(!statement.truncated);

        // A month without movements closes with the balance before the next movement.
        let october = StatementMonth { year: 2026, month: 10 };
        let quiet = build(october, chrono_tz::UTC, now, &account(), history(), 500, 14_000);
        assert!(quiet.entries.is_empty());
        assert_eq!((quiet.opening_minor, quiet.closing_minor), (0, 0));

        // The month in progress ends now, with today's balance.
        let december = StatementMonth { year: 2026, month: 12 };
        let running = build(december, chrono_tz::UTC, now, &account(), history()[..1].to_vec(), 500, 14_000);
        assert_eq!((running.opening_minor, running.closing_minor), (15_000, 14_000));
        assert_eq!(running.until, at("2027-01-01T00:00:00Z"));
    }

    #[test]
    fn movements_of_one_millisecond_follow_their_running_balances() {
        let same = "2026-11-03T08:15:00Z";
        // The ledger's order for one millisecond is the transfer ids', not the movements'.
        let newest_first = vec![
            entry(same, TransferKind::TopUp, 10_000, 10_000, None),
            entry(same, TransferKind::Send, -4_000, 5_000, None),
            entry(same, TransferKind::Send, -1_000, 9_000, None),
        ];
        let now = at("2026-12-02T06:00:00Z");
        let statement = build(november(), chrono_tz::UTC, now, &account(), newest_first, 500, 5_000);
        let amounts: Vec<i64> = statement.entries.iter().map(|e| e.amount).collect();
        assert_eq!(amounts, [10_000, -1_000, -4_000]);
        assert_eq!((statement.opening_minor, statement.closing_minor), (0, 5_000));
    }

    #[test]
    fn month_bounds_follow_the_business_time_zone() {
        let (from, until) = month_bounds(november(), "Europe/Chisinau".parse().unwrap());
        assert_eq!(from, at("2026-10-31T22:00:00Z"));
        assert_eq!(until, at("2026-11-30T22:00:00Z"));
        let december = month_bounds(StatementMonth { year: 2026, month: 12 }, chrono_tz::UTC);
        assert_eq!(december.1, at("2027-01-01T00:00:00Z"));
    }

    #[test]
    fn the_pdf_holds_the_statement_in_the_users_language() {
        let now = at("2026-12-02T06:00:00Z");
        let statement = build(november(), chrono_tz::UTC, now, &account(), history(), 500, 14_000);
        for locale in [Locale::Ro, Locale::Ru, Locale::En, Locale::Fr, Locale::De] {
            let pdf = render(&statement, locale);
            assert!(pdf.starts_with(b"%PDF-"), "{locale:?}");
            let text = text_of(&pdf);
            let expected = [
                Words::new("wallet-pdf-title").render(locale),
                month_name(november(), locale),
                "Ama O.".to_owned(),
                "W-1".to_owned(),
                "GHS".to_owned(),
                Words::new("wallet-pdf-opening").render(locale),
                Words::new("wallet-pdf-closing").render(locale),
                Words::new("wallet-kind-topup").render(locale),
                "03.11.2026 08:15".to_owned(),
                "Школа".to_owned(),
                signed(5_000, Currency::GHS, locale),
                money(15_000, Currency::GHS, locale),
            ];
            for line in expected {
                assert!(text.contains(&line), "{locale:?}: {line:?} missing from {text:?}");
            }
            // Movements outside the month stay out.
            assert!(!text.contains("Kofi B."), "{locale:?}");
        }
        let ru = text_of(&render(&statement, Locale::Ru));
        assert!(ru.contains("Выписка"), "{ru}");
        assert!(filename(november(), Locale::En).ends_with("2026-11.pdf"));
        assert!(caption(&statement, Locale::En).contains(&money(15_000, Currency::GHS, Locale::En)));
    }

    #[test]
    fn a_statement_at_the_limit_says_older_movements_are_left_out() {
        let now = at("2026-12-02T06:00:00Z");
        let statement = build(november(), chrono_tz::UTC, now, &account(), history(), 3, 14_000);
        assert!(statement.truncated);
        let text = text_of(&render(&statement, Locale::En));
        let note = Words::new("wallet-pdf-truncated").arg("count", WordArg::Count(2)).render(Locale::En);
        assert!(text.contains(&note), "{text}");
    }
}
