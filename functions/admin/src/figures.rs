//! The console's figures of one business number, computed from its day tallies and lists by
//! one pure function ([`figures`]), so that every figure is table-tested without a store.
//!
//! Windows (UTC days, as the tallies are kept): "today"; "this month" from its first day;
//! "7 days" is today and the six days before, compared with the seven days before those;
//! "24 h" for signature failures is the days the last 24 hours touch (today and yesterday).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use paybot::domain::{BusinessProfile, Capability, Currency, Locale};
use paybot::operator::metrics::{RESPONSE_BUCKETS_MS, Tally, user_digest};
use paybot::ports::{Alert, Escalation, EscalationReason, FailedCommand, HandoffParty, NumberControls};
use serde::Serialize;

/// The API the deployment talks to WhatsApp through.
pub const PROVIDER_LABEL: &str = "console-provider-cloud-api";
/// The days of the transactions picture.
pub const CHART_DAYS: i64 = 30;
/// The days read to compute every figure: the chart's 30 days cover the two 7-day windows;
/// the month may start earlier.
pub fn first_day_needed(today: NaiveDate) -> NaiveDate {
    (today - Duration::days(CHART_DAYS - 1)).min(today.with_day(1).expect("day 1 exists"))
}

/// What the figures are computed from.
#[derive(Debug, Clone)]
pub struct FigureInputs<'a> {
    pub profile: &'a BusinessProfile,
    pub controls: &'a NumberControls,
    pub now: DateTime<Utc>,
    /// The number's day tallies from [`first_day_needed`] to today (missing days count zero).
    pub days: &'a [(NaiveDate, Tally)],
    /// The deployment-wide tallies ([`paybot::operator::metrics::DEPLOYMENT`]) of yesterday
    /// and today: signature failures and the latest delivery.
    pub deployment: &'a [(NaiveDate, Tally)],
    /// Linked conversations of the number and all wallet accounts, when it offers the wallet.
    pub wallet: Option<(u64, u64)>,
    pub alerts: &'a [Alert],
    pub failed: &'a [FailedCommand],
    pub escalations: &'a [Escalation],
    pub webhook_healthy: Duration,
    pub public_base_url: Option<&'a str>,
    pub locale: Locale,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub number: NumberView,
    pub bot: BotView,
    pub provider: String,
    pub webhook: WebhookView,
    /// `None` when the number does not offer the wallet.
    pub wallet: Option<WalletView>,
    pub active_today: u64,
    pub transactions: TransactionsView,
    pub response: ResponseView,
    pub escalation_rate: RateView,
    pub alerts: AlertsView,
    pub commands: CommandsView,
    pub failed_commands: FailedView,
    pub escalations: Vec<EscalationView>,
    pub aliases: BTreeMap<String, String>,
    pub days: Vec<DayPoint>,
    /// Response-time distribution of the 7 days: (bucket upper bound in ms, count), the
    /// last bound open ([`u64::MAX`] shown as `null`).
    pub response_buckets: Vec<(Option<u64>, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberView {
    pub id: String,
    pub display_number: String,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BotView {
    pub on: bool,
    pub paused_by: Option<String>,
    pub paused_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookView {
    pub connected: bool,
    pub last_received: Option<DateTime<Utc>>,
    pub signature_failures_24h: u64,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalletView {
    pub linked: u64,
    pub accounts: u64,
    /// linked / accounts; `None` without accounts.
    pub share: Option<f64>,
    pub share_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionsView {
    pub today: u64,
    pub month: u64,
    pub volume_today_minor: i64,
    pub volume_month_minor: i64,
    pub volume_today: String,
    pub volume_month: String,
    pub failed_today: u64,
    pub failed_month: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseView {
    pub average_ms: Option<u64>,
    pub previous_average_ms: Option<u64>,
    /// (average − previous) / previous; `None` when either week has no responses.
    pub change: Option<f64>,
    pub p50_ms: Option<u64>,
    /// `None` also when p95 falls in the open last bucket (see `p95_text`).
    pub p95_ms: Option<u64>,
    pub average_text: String,
    pub change_text: String,
    pub p50_text: String,
    pub p95_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateView {
    /// Escalations / active users of the 7 days.
    pub rate: Option<f64>,
    pub previous: Option<f64>,
    /// In percentage points.
    pub change_points: Option<f64>,
    pub text: String,
    pub change_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertsView {
    pub unacknowledged: u64,
    pub items: Vec<AlertItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertItem {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub detail: serde_json::Value,
    pub raised_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandsView {
    pub total: u64,
    pub items: Vec<CommandShare>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandShare {
    pub name: String,
    pub count: u64,
    pub share: f64,
    pub share_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedView {
    /// Occurrences of every listed entry.
    pub total: u64,
    pub items: Vec<FailedItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedItem {
    pub command: String,
    pub error: String,
    pub suggestion: Option<String>,
    pub occurrences: u64,
    pub last_seen: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationView {
    /// Names the conversation in the console's requests without its phone number.
    pub handle: String,
    /// The user, all but the last four digits hidden.
    pub user: String,
    pub reason: EscalationReason,
    pub opened_at: DateTime<Utc>,
    pub locale: Locale,
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageView {
    pub at: DateTime<Utc>,
    /// `user` or `operator`.
    pub from: &'static str,
    pub operator: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayPoint {
    pub day: NaiveDate,
    pub transactions: u64,
    pub volume_minor: i64,
}

/// The handle of a conversation in the console ([`EscalationView::handle`]).
pub fn conversation_handle(business_number_id: &str, user_key: &str) -> String {
    user_digest(business_number_id, user_key)
}

/// `+•••••••••0001`: a user key with every digit but the last four hidden.
pub fn mask_user(user_key: &str) -> String {
    let digits = user_key.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    user_key
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + 4 <= digits { '•' } else { c }
            } else {
                c
            }
        })
        .collect()
}

fn merged<'a>(days: impl Iterator<Item = &'a Tally>) -> Tally {
    let mut all = Tally::default();
    days.for_each(|t| all.merge(t));
    all
}

fn within(days: &[(NaiveDate, Tally)], from: NaiveDate, to: NaiveDate) -> Tally {
    merged(days.iter().filter(|(d, _)| *d >= from && *d <= to).map(|(_, t)| t))
}

fn average_ms(tally: &Tally) -> Option<u64> {
    (tally.responses > 0).then(|| tally.response_ms_total / tally.responses)
}

fn rate(tally: &Tally) -> Option<f64> {
    (!tally.users.is_empty()).then(|| tally.escalations as f64 / tally.users.len() as f64)
}

/// A number with one decimal, the locale's decimal separator.
pub fn decimal_text(value: f64, locale: Locale) -> String {
    let text = format!("{value:.1}");
    if locale == Locale::En { text } else { text.replace('.', ",") }
}

/// `12.5%` (en), `12,5 %` (the others, a no-break space before the sign).
pub fn percent_text(fraction: f64, locale: Locale) -> String {
    let number = decimal_text(fraction * 100.0, locale);
    if locale == Locale::En { format!("{number}%") } else { format!("{number}\u{a0}%") }
}

fn signed(text: String, value: f64) -> String {
    if value > 0.0 { format!("+{text}") } else { text }
}

/// `850 ms`, `1.5 s` (locale decimal separator); the open last bucket as `> 10 s`.
pub fn millis_text(ms: u64, locale: Locale) -> String {
    if ms == u64::MAX {
        let last_bound = RESPONSE_BUCKETS_MS[RESPONSE_BUCKETS_MS.len() - 2];
        return format!("> {}", millis_text(last_bound, locale));
    }
    if ms < 1_000 {
        format!("{ms}\u{a0}ms")
    } else if ms % 1_000 == 0 {
        format!("{}\u{a0}s", ms / 1_000)
    } else {
        format!("{}\u{a0}s", decimal_text(ms as f64 / 1_000.0, locale))
    }
}

/// An amount in minor units written the locale's way, with the currency code.
pub fn amount_text(minor: i64, currency: Currency, locale: Locale) -> String {
    paybot::i18n::format_decimal(paybot::ledger::from_minor(minor, currency), currency, locale)
}

const NONE: &str = "–";

pub fn figures(input: &FigureInputs<'_>) -> Figures {
    let locale = input.locale;
    let currency = input.profile.currency;
    let number = &input.profile.business_number_id;
    let today = input.now.date_naive();
    let month_start = today.with_day(1).expect("day 1 exists");
    let week_start = today - Duration::days(6);
    let previous_start = today - Duration::days(13);
    let previous_end = today - Duration::days(7);

    let day = within(input.days, today, today);
    let month = within(input.days, month_start, today);
    let week = within(input.days, week_start, today);
    let previous = within(input.days, previous_start, previous_end);

    let since_24h = (input.now - Duration::hours(24)).date_naive();
    let recent_deployment = within(input.deployment, since_24h, today);
    let last_received =
        input.days.iter().chain(input.deployment).filter_map(|(_, t)| t.last_webhook_at).max();
    let webhook = WebhookView {
        connected: last_received.is_some_and(|at| input.now - at <= input.webhook_healthy),
        last_received,
        signature_failures_24h: recent_deployment.signature_failures,
        url: input.public_base_url.map(|base| format!("{}/webhook", base.trim_end_matches('/'))),
    };

    let wallet = input.profile.capabilities.contains(&Capability::Wallet).then(|| {
        let (linked, accounts) = input.wallet.unwrap_or((0, 0));
        let share = (accounts > 0).then(|| linked as f64 / accounts as f64);
        WalletView {
            linked,
            accounts,
            share,
            share_text: share.map_or(NONE.into(), |s| percent_text(s, locale)),
        }
    });

    let (average, before) = (average_ms(&week), average_ms(&previous));
    let change = match (average, before) {
        (Some(now), Some(then)) if then > 0 => Some((now as f64 - then as f64) / then as f64),
        _ => None,
    };
    let p50 = week.response_percentile(0.5);
    let p95 = week.response_percentile(0.95);
    let response = ResponseView {
        average_ms: average,
        previous_average_ms: before,
        change,
        p50_ms: p50.filter(|ms| *ms != u64::MAX),
        p95_ms: p95.filter(|ms| *ms != u64::MAX),
        average_text: average.map_or(NONE.into(), |ms| millis_text(ms, locale)),
        change_text: change.map_or(NONE.into(), |c| signed(percent_text(c, locale), c)),
        p50_text: p50.map_or(NONE.into(), |ms| millis_text(ms, locale)),
        p95_text: p95.map_or(NONE.into(), |ms| millis_text(ms, locale)),
    };

    let (now_rate, then_rate) = (rate(&week), rate(&previous));
    let points = now_rate.zip(then_rate).map(|(a, b)| (a - b) * 100.0);
    let escalation_rate = RateView {
        rate: now_rate,
        previous: then_rate,
        change_points: points,
        text: now_rate.map_or(NONE.into(), |r| percent_text(r, locale)),
        change_text: points.map_or(NONE.into(), |p| signed(format!("{} pp", decimal_text(p, locale)), p)),
    };

    let alerts = AlertsView {
        unacknowledged: input.alerts.iter().filter(|a| a.acknowledged.is_none()).count() as u64,
        items: input
            .alerts
            .iter()
            .map(|a| AlertItem {
                id: a.id.clone(),
                kind: a.kind.clone(),
                subject: a.subject.clone(),
                detail: a.detail.clone(),
                raised_at: a.raised_at,
                acknowledged_by: a.acknowledged.as_ref().map(|(by, _)| by.clone()),
                acknowledged_at: a.acknowledged.as_ref().map(|(_, at)| *at),
            })
            .collect(),
    };

    let total: u64 = month.commands.values().sum();
    let mut items: Vec<CommandShare> = month
        .commands
        .iter()
        .map(|(name, &count)| {
            let share = if total > 0 { count as f64 / total as f64 } else { 0.0 };
            CommandShare { name: name.clone(), count, share, share_text: percent_text(share, locale) }
        })
        .collect();
    items.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    let commands = CommandsView { total, items };

    let failed_commands = FailedView {
        total: input.failed.iter().map(|f| f.count).sum(),
        items: input
            .failed
            .iter()
            .map(|f| FailedItem {
                command: f.text.clone(),
                error: f.kind.clone(),
                suggestion: f.suggestion.clone(),
                occurrences: f.count,
                last_seen: f.last_seen,
            })
            .collect(),
    };

    let escalations = input
        .escalations
        .iter()
        .map(|e| EscalationView {
            handle: conversation_handle(number, &e.contact.user_key),
            user: mask_user(&e.contact.user_key),
            reason: e.reason,
            opened_at: e.opened_at,
            locale: e.locale,
            messages: e
                .messages
                .iter()
                .map(|m| MessageView {
                    at: m.at,
                    from: match m.from {
                        HandoffParty::User => "user",
                        HandoffParty::Operator(_) => "operator",
                    },
                    operator: match &m.from {
                        HandoffParty::Operator(name) => Some(name.clone()),
                        HandoffParty::User => None,
                    },
                    // A user may type a phone number; the console shows it masked.
                    text: paybot::redact::mask_phone_numbers(&m.text, 7),
                })
                .collect(),
        })
        .collect();

    let by_day: BTreeMap<NaiveDate, &Tally> = input.days.iter().map(|(d, t)| (*d, t)).collect();
    let days = (0..CHART_DAYS)
        .rev()
        .map(|back| {
            let day = today - Duration::days(back);
            let tally = by_day.get(&day);
            DayPoint {
                day,
                transactions: tally.map_or(0, |t| t.transactions),
                volume_minor: tally.map_or(0, |t| t.volume_minor),
            }
        })
        .collect();
    let response_buckets = RESPONSE_BUCKETS_MS
        .iter()
        .enumerate()
        .map(|(i, &upper)| {
            ((upper != u64::MAX).then_some(upper), week.response_buckets.get(&i).copied().unwrap_or(0))
        })
        .collect();

    let users: BTreeSet<&String> = day.users.iter().collect();
    Figures {
        number: NumberView {
            id: number.clone(),
            display_number: input.profile.display_number.clone(),
            currency,
        },
        bot: BotView {
            on: input.controls.paused.is_none(),
            paused_by: input.controls.paused.as_ref().map(|p| p.by.clone()),
            paused_at: input.controls.paused.as_ref().map(|p| p.at),
        },
        provider: paybot::i18n::Catalog::global().text(locale, PROVIDER_LABEL, &[]),
        webhook,
        wallet,
        active_today: users.len() as u64,
        transactions: TransactionsView {
            today: day.transactions,
            month: month.transactions,
            volume_today_minor: day.volume_minor,
            volume_month_minor: month.volume_minor,
            volume_today: amount_text(day.volume_minor, currency, locale),
            volume_month: amount_text(month.volume_minor, currency, locale),
            failed_today: day.failed_transactions,
            failed_month: month.failed_transactions,
        },
        response,
        escalation_rate,
        alerts,
        commands,
        failed_commands,
        escalations,
        aliases: input.controls.aliases.clone(),
        days,
        response_buckets,
    }
}

#[cfg(test)]
mod tests;
