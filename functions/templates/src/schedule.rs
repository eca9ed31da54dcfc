use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Timelike, Utc};
use paybot::capabilities::seller::updates::{self, ResultSink};
use paybot::crypto::{DataKey, merchant_secret_binding};
use paybot::domain::{ContactKey, Locale, PaymentLink, Phone};
use paybot::i18n::WordArg;
use paybot::operator::metrics::MetricsBatch;
use paybot::outbound::OutboundJob;
use paybot::payments::{Applied, CheckSchedule, RailResult};
use paybot::ports::{
    AuditLog, Clock, ContactStore, Directory, DueCursor, IdempotencyStore, MerchantCredentials, MetricsStore,
    Notice, OutboundContent, OutboundMessage, OutboxStore, PaymentLinkStore, PaymentRail, QueueSender,
    RailError, WindowStore,
};
use paybot::{StoreError, StoreResult};
use sha2::{Digest, Sha256};

/// The schedule's settings, from configuration with safe defaults (see the README).
#[derive(Debug, Clone)]
pub struct TemplatesSettings {
    /// The exact, case-sensitive language code of each locale's approved translation
    /// (`TEMPLATE_LANGUAGES`, default `ro=ro,ru=ru,en=en_US,fr=fr,de=de`).
    pub languages: HashMap<Locale, String>,
    pub digest_template: String,
    /// Local hours (start, end) in the business number's time zone when no template is sent
    /// (`QUIET_HOURS=22-8`); none by default.
    pub quiet_hours: Option<(u32, u32)>,
    pub window: Duration,
    /// How many conversations, and how many link lookups, one run handles at most; the rest
    /// are next in line for the following run.
    pub batch: usize,
}

impl Default for TemplatesSettings {
    fn default() -> Self {
        TemplatesSettings {
            languages: parse_languages("ro=ro,ru=ru,en=en_US,fr=fr,de=de").expect("the default parses"),
            digest_template: "payment_digest".into(),
            quiet_hours: None,
            window: Duration::hours(24),
            batch: 200,
        }
    }
}

/// `ro=ro,en=en_US,…` → locale to language code.
pub fn parse_languages(text: &str) -> Option<HashMap<Locale, String>> {
    let mut map = HashMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (locale, code) = pair.split_once('=')?;
        map.insert(Locale::parse(locale.trim())?, code.trim().to_owned());
    }
    Locale::ALL.iter().all(|l| map.contains_key(l)).then_some(map)
}

/// `22-8` → (22, 8).
pub fn parse_quiet_hours(text: &str) -> Option<(u32, u32)> {
    let (start, end) = text.trim().split_once('-')?;
    let (start, end) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    (start < 24 && end < 24 && start != end).then_some((start, end))
}

impl TemplatesSettings {
    /// From the one configuration surface (so the Secrets Manager JSON applies here too).
    pub fn from_config(config: &paybot::config::Config) -> Result<Self, String> {
        let mut settings =
            TemplatesSettings { batch: config.limits.templates_batch, ..TemplatesSettings::default() };
        if let Some(text) = &config.template_languages {
            settings.languages = parse_languages(text).ok_or(
                "TEMPLATE_LANGUAGES must map all five locales, e.g. ro=ro,ru=ru,en=en_US,fr=fr,de=de",
            )?;
        }
        if let Some(text) = &config.quiet_hours {
            settings.quiet_hours = Some(parse_quiet_hours(text).ok_or("QUIET_HOURS must look like 22-8")?);
        }
        Ok(settings)
    }
}

pub struct TemplatesDeps {
    pub outbox: Arc<dyn OutboxStore>,
    pub windows: Arc<dyn WindowStore>,
    pub directory: Arc<dyn Directory>,
    pub contacts: Arc<dyn ContactStore>,
    pub links: Arc<dyn PaymentLinkStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// The transactions each run finds settled (one add per number per run).
    pub metrics: Arc<dyn MetricsStore>,
    pub audit: Arc<dyn AuditLog>,
    pub rail: Arc<dyn PaymentRail>,
    /// Everything this function sends goes through notify: status notifications found by
    /// lookups, waiting updates free-form, templates and digests.
    pub outbound: Arc<dyn QueueSender>,
    pub data_key: DataKey,
    pub clock: Arc<dyn Clock>,
    pub checks: CheckSchedule,
    pub settings: TemplatesSettings,
    /// The wallet's MoMo operations, where a deployment runs the wallet: those no callback
    /// finished are read back from MoMo.
    pub momo: Option<paybot::capabilities::wallet::settlement::SettlementDeps>,
    /// Susu groups, where a deployment runs the wallet: cycles that ended are paid out.
    pub susu: Option<paybot::capabilities::wallet::susu::SusuDeps>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// Templates and digests handed to notify.
    pub templates_queued: usize,
    /// Waiting updates handed to notify free-form (the seller's window is open again).
    pub free_form_queued: usize,
    pub held_for_quiet_hours: usize,
    /// Status lookups on the rail.
    pub looked_up: usize,
    /// Links a lookup moved to a final state.
    pub moved_by_lookup: usize,
    /// Final states whose notification had not been confirmed queued, queued now.
    pub notified_late: usize,
    /// Lookups that cannot succeed as things stand (alerted, retried at the slowest rate).
    pub refused: usize,
    /// MoMo top-ups and payouts read back, and those that ended with the read.
    pub momo_read: usize,
    pub momo_finished: usize,
    /// BNPL: reminders queued, instalments collected, instalments found short.
    pub bnpl_reminded: usize,
    pub bnpl_collected: usize,
    pub bnpl_short: usize,
    /// Susu pots paid out by this run.
    pub susu_payouts: usize,
}

/// One scheduled run. Overlapping runs are safe: a link is claimed by moving its next check
/// (only one run moves it), and every update's delivery is claimed by notify on its notice
/// key, so a template queued twice is sent once.
pub async fn run(deps: &TemplatesDeps) -> StoreResult<RunReport> {
    let mut report = RunReport::default();
    let mut metrics = MetricsBatch::default();
    // The figures of what moved are written whether or not the rest of the run went well.
    let result = run_counted(deps, &mut report, &mut metrics).await;
    metrics.flush(deps.metrics.as_ref()).await;
    result.map(|()| report)
}

async fn run_counted(
    deps: &TemplatesDeps,
    report: &mut RunReport,
    metrics: &mut MetricsBatch,
) -> StoreResult<()> {
    check_due_links(deps, report, metrics).await?;
    if let Some(momo) = &deps.momo {
        let now = deps.clock.now();
        let polled =
            paybot::capabilities::wallet::settlement::poll_due(momo, now, deps.settings.batch).await?;
        report.momo_read += polled.read;
        report.momo_finished += polled.finished;
        for operation in &polled.applied {
            operation.count(metrics, now);
        }
    }
    if let Some(wallet) = &deps.momo {
        let now = deps.clock.now();
        let bnpl = &wallet.momo.settings.bnpl;
        let collected =
            paybot::capabilities::wallet::bnpl::run_due(wallet, bnpl, now, deps.settings.batch).await?;
        report.bnpl_reminded += collected.reminded;
        report.bnpl_collected += collected.collected;
        report.bnpl_short += collected.short;
        // Each instalment collected is a transaction of the business number it was bought on.
        for (business_number_id, amount) in collected.collected_minor {
            let tally = metrics.tally(&business_number_id, now);
            tally.transactions += 1;
            tally.volume_minor += amount;
        }
    }
    if let Some(susu) = &deps.susu {
        let now = deps.clock.now();
        report.susu_payouts += paybot::capabilities::wallet::susu::pay_out_due(
            susu,
            deps.directory.as_ref(),
            deps.outbound.as_ref(),
            now,
        )
        .await?;
    }
    send_outbox(deps, report).await
}

// ---- the outbox ----------------------------------------------------------------------------

fn digest_id(contact: &ContactKey, items: &[Notice]) -> String {
    let mut hasher = Sha256::new();
    for item in items {
        hasher.update(item.notice_key().as_bytes());
        hasher.update(b";");
    }
    format!("digest:{}:{}", contact.storage_key(), &hex::encode(hasher.finalize())[..32])
}

async fn send_outbox(deps: &TemplatesDeps, report: &mut RunReport) -> StoreResult<()> {
    for contact in deps.outbox.contacts_with_pending(deps.settings.batch).await? {
        let items = deps.outbox.pending(&contact).await?;
        if items.is_empty() {
            continue;
        }
        let Ok(phone) = Phone::parse_international(&contact.user_key) else {
            tracing::error!(contact = %contact.business_number_id, "outbox item for a user without a phone dropped");
            deps.outbox.remove(&contact, &paybot::notices::ids(&items)).await?;
            continue;
        };
        // A `/lang` choice, else the newest notice's locale.
        let locale = paybot::notices::locale_for(deps.contacts.as_ref(), &items[items.len() - 1]).await?;
        let now = deps.clock.now();
        let window_open =
            deps.windows.last_inbound(&contact).await?.is_some_and(|at| now - at < deps.settings.window);
        let jobs: Vec<_> = if window_open {
            // The seller wrote again: the updates are free now, and go out as the command
            // function would send them.
            report.free_form_queued += items.len();
            items
                .iter()
                .map(|item| paybot::notices::late_job(item, locale, phone.clone()).to_queue_message())
                .collect()
        } else if in_quiet_hours(deps, &contact, now).await? {
            report.held_for_quiet_hours += 1;
            continue;
        } else {
            report.templates_queued += 1;
            let job = OutboundJob {
                id: digest_id(&contact, &items),
                message: OutboundMessage {
                    business_number_id: contact.business_number_id.clone(),
                    to: phone.clone(),
                    content: template(&deps.settings, &items, locale),
                },
                notices: items,
                inbound_received_at: None,
            };
            vec![job.to_queue_message()]
        };
        // The items leave the outbox when notify has delivered them.
        deps.outbound.send_batch(&jobs).await?;
    }
    Ok(())
}

async fn in_quiet_hours(deps: &TemplatesDeps, contact: &ContactKey, now: DateTime<Utc>) -> StoreResult<bool> {
    let Some((start, end)) = deps.settings.quiet_hours else { return Ok(false) };
    let zone = deps
        .directory
        .profile(&contact.business_number_id)
        .await?
        .and_then(|p| p.time_zone.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    let hour = now.with_timezone(&zone).hour();
    Ok(if start < end { (start..end).contains(&hour) } else { hour >= start || hour < end })
}

/// Meta refuses newlines, tabs and long runs of spaces in template parameters.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One notice: its own template; several: one digest of their lines.
pub fn template(settings: &TemplatesSettings, notices: &[Notice], locale: Locale) -> OutboundContent {
    let language = settings.languages.get(&locale).cloned().unwrap_or_else(|| "en_US".into());
    if let [notice] = notices {
        return OutboundContent::Template {
            name: notice.template.clone(),
            language,
            // What a user typed may hold newlines; rendered amounts and words keep their spaces.
            body_parameters: notice
                .parameters
                .iter()
                .map(|p| match p {
                    WordArg::Text(_) => one_line(&p.render(locale)),
                    _ => p.render(locale),
                })
                .collect(),
        };
    }
    let line = |n: &Notice| n.digest_line.iter().map(|p| p.render(locale)).collect::<Vec<_>>().join(" ");
    let summary = notices.iter().map(line).collect::<Vec<_>>().join(" · ");
    OutboundContent::Template {
        name: settings.digest_template.clone(),
        language,
        body_parameters: vec![notices.len().to_string(), one_line(&summary)],
    }
}

// ---- due links: lookups and late notifications ---------------------------------------------

/// Links are read in pages of this many.
const PAGE: usize = 100;

/// Every link whose check is due, oldest due first, page by page: open links are looked up
/// on the rail (callbacks may never come), final links whose notification was not confirmed
/// queued are notified. A link is claimed by moving its next check before the work, so a run
/// that dies leaves it due later, never lost, and a link that keeps failing moves to the
/// back instead of holding the front of the line.
async fn check_due_links(
    deps: &TemplatesDeps,
    report: &mut RunReport,
    metrics: &mut MetricsBatch,
) -> StoreResult<()> {
    let now = deps.clock.now();
    let mut cursor: Option<DueCursor> = None;
    loop {
        let page = deps.links.due_links(now, cursor.as_ref(), PAGE).await?;
        let Some(last) = page.last() else { return Ok(()) };
        cursor = last.next_check_at.map(|check_at| DueCursor { check_at, id: last.id.clone() });
        for link in &page {
            if report.looked_up >= deps.settings.batch {
                return Ok(());
            }
            let Some(due) = link.next_check_at else { continue };
            if let Err(err) = check_link(deps, link, due, now, report, metrics).await {
                // Already rescheduled: a later run comes back to it.
                tracing::warn!(link = %link.id, error = %err, "link check failed; a later run retries");
            }
        }
        if page.len() < PAGE || cursor.is_none() {
            return Ok(());
        }
    }
}

async fn check_link(
    deps: &TemplatesDeps,
    link: &PaymentLink,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    report: &mut RunReport,
    metrics: &mut MetricsBatch,
) -> StoreResult<()> {
    let sink = result_sink(deps);
    if link.state.is_final() {
        if deps.links.reschedule(&link.id, due, deps.checks.notify_by(now)).await? {
            report.notified_late += 1;
            updates::queue_final_update(sink.directory, sink.contacts, sink.links, sink.outbound, link, now)
                .await?;
        }
        return Ok(());
    }
    if !deps.links.reschedule(&link.id, due, deps.checks.next_lookup_at(link.created_at, now)).await? {
        return Ok(());
    }
    report.looked_up += 1;
    match look_up(deps, link).await {
        Ok(result) => match updates::record_result(&sink, &result, deps.clock.now()).await? {
            applied @ Applied::Moved(_) => {
                updates::count_result(&applied, metrics, deps.clock.now());
                if matches!(&applied, Applied::Moved(moved) if moved.state.is_final()) {
                    report.moved_by_lookup += 1;
                }
            }
            Applied::Mismatch { .. } | Applied::UnknownLink => {
                refuse(deps, link, report, "disagreement").await?
            }
            _ => {}
        },
        Err(LookupError::Rail(err @ RailError::Unavailable(_))) => {
            tracing::warn!(link = %link.id, error = %err, "payment lookup failed; retried later");
        }
        Err(err) => {
            tracing::error!(link = %link.id, error = %err, alert = true, "ALERT: payment lookup cannot succeed");
            refuse(deps, link, report, "lookup refused").await?;
        }
    }
    Ok(())
}

/// A lookup that cannot succeed as things stand goes to the back of the line.
async fn refuse(
    deps: &TemplatesDeps,
    link: &PaymentLink,
    report: &mut RunReport,
    why: &str,
) -> StoreResult<()> {
    report.refused += 1;
    let now = deps.clock.now();
    if let Some(current) = deps.links.get(&link.id).await?.and_then(|l| l.next_check_at) {
        deps.links.reschedule(&link.id, current, deps.checks.after_refusal_at(now)).await?;
    }
    tracing::info!(link = %link.id, why, "next lookup at the slowest rate");
    Ok(())
}

fn result_sink(deps: &TemplatesDeps) -> ResultSink<'_> {
    ResultSink {
        links: deps.links.as_ref(),
        directory: deps.directory.as_ref(),
        contacts: deps.contacts.as_ref(),
        outbound: deps.outbound.as_ref(),
        audit: deps.audit.as_ref(),
        idempotency: deps.idempotency.as_ref(),
        checks: deps.checks,
    }
}

#[derive(Debug, thiserror::Error)]
enum LookupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Rail(#[from] RailError),
    #[error("{0}")]
    Credentials(String),
}

/// The payment as the rail reports it, with the merchant's credentials.
async fn look_up(deps: &TemplatesDeps, link: &PaymentLink) -> Result<RailResult, LookupError> {
    let Some(payment_id) = &link.payment_id else {
        return Err(LookupError::Credentials("the link has no payment id yet".into()));
    };
    let seller = deps
        .directory
        .seller(&link.seller)
        .await?
        .ok_or_else(|| LookupError::Credentials("unknown seller".into()))?;
    let merchant = seller
        .merchant(&link.merchant_id)
        .ok_or_else(|| LookupError::Credentials("unknown merchant".into()))?;
    let binding = merchant_secret_binding(seller.phone.as_e164(), &merchant.merchant_id);
    let secret_key = deps
        .data_key
        .open(&merchant.sealed_secret, &binding)
        .map_err(|e| LookupError::Credentials(e.to_string()))?;
    let credentials = MerchantCredentials { merchant_id: merchant.merchant_id.clone(), secret_key };
    Ok(deps.rail.payment(&credentials, payment_id).await?.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_come_from_the_configuration() {
        let config = paybot::config::Config::from_lookup(|name| match name {
            "QUIET_HOURS" => Some("22-8".into()),
            "TEMPLATE_LANGUAGES" => Some("ro=ro,ru=ru,en=en_GB,fr=fr,de=de".into()),
            _ => None,
        })
        .unwrap();
        let settings = TemplatesSettings::from_config(&config).unwrap();
        assert_eq!(settings.quiet_hours, Some((22, 8)));
        assert_eq!(settings.languages[&Locale::En], "en_GB");
        let bad = paybot::config::Config::from_lookup(|name| (name == "QUIET_HOURS").then(|| "late".into()))
            .unwrap();
        assert!(TemplatesSettings::from_config(&bad).is_err());
    }

    #[test]
    fn settings_parse() {
        let languages = parse_languages("ro=ro, ru=ru,en=en_GB,fr=fr,de=de").unwrap();
        assert_eq!(languages[&Locale::En], "en_GB");
        assert!(parse_languages("ro=ro").is_none(), "all five locales are required");
        assert_eq!(parse_quiet_hours("22-8"), Some((22, 8)));
        assert_eq!(parse_quiet_hours("8-8"), None);
        assert_eq!(parse_quiet_hours("25-1"), None);
    }

    #[test]
    fn one_update_is_a_template_several_are_one_digest_with_single_line_parameters() {
        use paybot::domain::{Currency, Money};
        use paybot::i18n::{WordArg, Words};
        let item = |id: &str, word: &str| {
            let amount = WordArg::Amount(Money::new(100.into(), Currency::MDL).unwrap());
            let word = WordArg::Message(word.into());
            Notice {
                id: id.into(),
                contact: ContactKey { business_number_id: "1".into(), user_key: "+37369000001".into() },
                text: Words::new("payment-paid"),
                template: "payment_update".into(),
                parameters: vec![word.clone(), amount.clone(), WordArg::Text("Cafea\n+  croissant".into())],
                digest_line: vec![amount, word],
                locale: Locale::Ro,
                at: DateTime::from_timestamp(0, 0).unwrap(),
            }
        };
        let settings = TemplatesSettings::default();
        let OutboundContent::Template { name, language, body_parameters } =
            template(&settings, &[item("a", "template-status-success")], Locale::En)
        else {
            panic!("a template")
        };
        assert_eq!((name.as_str(), language.as_str()), ("payment_update", "en_US"));
        assert_eq!(body_parameters, ["paid", "100.00\u{a0}MDL", "Cafea + croissant"]);
        let OutboundContent::Template { name, language, body_parameters } = template(
            &settings,
            &[item("a", "template-status-success"), item("b", "template-status-expired")],
            Locale::Ro,
        ) else {
            panic!("a template")
        };
        assert_eq!((name.as_str(), language.as_str()), ("payment_digest", "ro"));
        assert_eq!(body_parameters[0], "2");
        assert!(!body_parameters[1].contains('\n'));
        assert_eq!(body_parameters[1], "100,00 MDL plătită · 100,00 MDL expirată neplătită");
    }
}
