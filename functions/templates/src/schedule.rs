use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Timelike, Utc};
use paybot::crypto::{DataKey, merchant_secret_binding};
use paybot::domain::{ContactKey, LinkState, Locale, PaymentLink, Phone};
use paybot::i18n::{Catalog, format_amount};
use paybot::outbound::OutboundJob;
use paybot::payments::{self, Applied, RailResult};
use paybot::ports::{
    Claim, Clock, ContactStore, Directory, IdempotencyStore, MerchantCredentials, OutboundContent,
    OutboundMessage, OutboxItem, OutboxStore, PaymentLinkStore, PaymentRail, QueueSender, RailError,
    SendError, WhatsAppSender, WindowStore,
};
use paybot::{StoreError, StoreResult};
use sha2::{Digest, Sha256};

/// The schedule's settings, from configuration with safe defaults (see the README).
#[derive(Debug, Clone)]
pub struct TemplatesSettings {
    /// The exact, case-sensitive language code of each locale's approved translation
    /// (`TEMPLATE_LANGUAGES`, default `ro=ro,ru=ru,en=en_US,fr=fr,de=de`).
    pub languages: HashMap<Locale, String>,
    pub update_template: String,
    pub digest_template: String,
    /// Local hours (start, end) in the business number's time zone when no template is sent
    /// (`QUIET_HOURS=22-8`); none by default.
    pub quiet_hours: Option<(u32, u32)>,
    /// Payments created or pending longer than this are looked up on the rail.
    pub poll_after: Duration,
    /// Links still open this long after creation are expired.
    pub link_lifetime: Duration,
    pub window: Duration,
    /// How many conversations and links one run handles at most.
    pub batch: usize,
}

impl Default for TemplatesSettings {
    fn default() -> Self {
        TemplatesSettings {
            languages: parse_languages("ro=ro,ru=ru,en=en_US,fr=fr,de=de").expect("the default parses"),
            update_template: "payment_update".into(),
            digest_template: "payment_digest".into(),
            quiet_hours: None,
            poll_after: Duration::minutes(10),
            link_lifetime: Duration::hours(24),
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
    pub fn from_env() -> Result<Self, String> {
        let mut settings = TemplatesSettings::default();
        if let Ok(text) = std::env::var("TEMPLATE_LANGUAGES") {
            settings.languages = parse_languages(&text).ok_or(
                "TEMPLATE_LANGUAGES must map all five locales, e.g. ro=ro,ru=ru,en=en_US,fr=fr,de=de",
            )?;
        }
        if let Ok(text) = std::env::var("QUIET_HOURS").map(|t| t.trim().to_owned()) {
            if !text.is_empty() {
                settings.quiet_hours =
                    Some(parse_quiet_hours(&text).ok_or("QUIET_HOURS must look like 22-8")?);
            }
        }
        let minutes = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<i64>().ok());
        if let Some(m) = minutes("POLL_PENDING_AFTER_MINUTES") {
            settings.poll_after = Duration::minutes(m.max(1));
        }
        if let Some(m) = minutes("LINK_LIFETIME_MINUTES") {
            settings.link_lifetime = Duration::minutes(m.max(1));
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
    pub sender: Arc<dyn WhatsAppSender>,
    pub rail: Arc<dyn PaymentRail>,
    /// Status notifications found by polling and expiry go the usual way: the outbound queue.
    pub outbound: Arc<dyn QueueSender>,
    pub data_key: DataKey,
    pub clock: Arc<dyn Clock>,
    pub settings: TemplatesSettings,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub templates_sent: usize,
    pub free_form_sent: usize,
    pub held_for_quiet_hours: usize,
    pub polled: usize,
    pub moved_by_poll: usize,
    pub expired: usize,
}

/// One scheduled run. Overlapping runs are safe: each digest is claimed by a key made of its
/// items, so a second run waits or finds it done; polling and expiry go through the
/// forward-only state machine.
pub async fn run(deps: &TemplatesDeps) -> StoreResult<RunReport> {
    let mut report = RunReport::default();
    poll_and_expire(deps, &mut report).await?;
    send_outbox(deps, &mut report).await?;
    Ok(report)
}

// ---- the outbox ----------------------------------------------------------------------------

fn digest_key(contact: &ContactKey, items: &[OutboxItem]) -> String {
    let mut hasher = Sha256::new();
    for item in items {
        hasher.update(item.link_id.as_bytes());
        hasher.update(b":");
        hasher.update(item.state.as_str().as_bytes());
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
            deps.outbox.remove(&contact, &ids(&items)).await?;
            continue;
        };
        let key = digest_key(&contact, &items);
        let now = deps.clock.now();
        match deps.idempotency.claim(&key, now, Duration::minutes(2)).await? {
            Claim::Done => {
                deps.outbox.remove(&contact, &ids(&items)).await?;
                continue;
            }
            Claim::InProgress => continue,
            Claim::Acquired => {}
        }
        match deliver_pending(deps, &contact, &phone, &items, report).await {
            Ok(true) => {
                deps.idempotency.complete(&key, deps.clock.now(), Duration::days(2)).await?;
                deps.outbox.remove(&contact, &ids(&items)).await?;
            }
            Ok(false) => deps.idempotency.release(&key).await?,
            Err(err) => {
                deps.idempotency.release(&key).await?;
                return Err(err);
            }
        }
    }
    Ok(())
}

fn ids(items: &[OutboxItem]) -> Vec<String> {
    items.iter().map(|i| i.link_id.clone()).collect()
}

/// `Ok(true)` when the items are delivered (or can never be), `Ok(false)` to try next run.
async fn deliver_pending(
    deps: &TemplatesDeps,
    contact: &ContactKey,
    phone: &Phone,
    items: &[OutboxItem],
    report: &mut RunReport,
) -> StoreResult<bool> {
    let locale =
        payments::seller_locale(deps.directory.as_ref(), deps.contacts.as_ref(), contact, phone).await?;
    let now = deps.clock.now();
    let window_open =
        deps.windows.last_inbound(contact).await?.is_some_and(|at| now - at < deps.settings.window);
    if window_open {
        // The seller wrote again before this run: the same free-form jobs the command function
        // queues (same ids, so one of the two paths sends each), through notify, which puts an
        // update back in the outbox if the window closes meanwhile.
        let jobs: Vec<_> = items
            .iter()
            .map(|item| payments::late_job(item, locale, phone.clone()).to_queue_message())
            .collect();
        deps.outbound.send_batch(&jobs).await?;
        report.free_form_sent += items.len();
        return Ok(true);
    }
    if in_quiet_hours(deps, contact, now).await? {
        report.held_for_quiet_hours += 1;
        return Ok(false);
    }
    let message = OutboundMessage {
        business_number_id: contact.business_number_id.clone(),
        to: phone.clone(),
        content: template(&deps.settings, items, locale),
    };
    if send(deps, &message).await? {
        report.templates_sent += 1;
        return Ok(true);
    }
    Ok(false)
}

/// `Ok(true)` sent or failed for good (logged as an alert), `Ok(false)` retry next run.
async fn send(deps: &TemplatesDeps, message: &OutboundMessage) -> StoreResult<bool> {
    match deps.sender.send(message).await {
        Ok(_) => Ok(true),
        Err(SendError::Retryable { code, detail }) => {
            tracing::warn!(?code, %detail, "template send will be retried next run");
            Ok(false)
        }
        // Templates are allowed outside the window; this only comes for a free-form message.
        Err(SendError::WindowClosed) => Ok(false),
        Err(err) => {
            tracing::error!(to = %message.to, error = %err, alert = true, "ALERT: late status update could not be sent");
            Ok(true)
        }
    }
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

fn status_word(state: LinkState, locale: Locale) -> String {
    let id = match state {
        LinkState::Success => "template-status-success",
        LinkState::Failed => "template-status-failed",
        LinkState::Declined => "template-status-declined",
        _ => "template-status-expired",
    };
    Catalog::global().text(locale, id, &[])
}

/// Meta refuses newlines, tabs and long runs of spaces in template parameters.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One update: the update template; several: one digest.
pub fn template(settings: &TemplatesSettings, items: &[OutboxItem], locale: Locale) -> OutboundContent {
    let language = settings.languages.get(&locale).cloned().unwrap_or_else(|| "en_US".into());
    if let [item] = items {
        let description = item
            .description
            .clone()
            .unwrap_or_else(|| Catalog::global().text(locale, "template-no-description", &[]));
        return OutboundContent::Template {
            name: settings.update_template.clone(),
            language,
            body_parameters: vec![
                status_word(item.state, locale),
                format_amount(&item.amount, locale),
                one_line(&description),
            ],
        };
    }
    let summary = items
        .iter()
        .map(|i| format!("{} {}", format_amount(&i.amount, locale), status_word(i.state, locale)))
        .collect::<Vec<_>>()
        .join(" · ");
    OutboundContent::Template {
        name: settings.digest_template.clone(),
        language,
        body_parameters: vec![items.len().to_string(), one_line(&summary)],
    }
}

// ---- polling and expiry --------------------------------------------------------------------

async fn poll_and_expire(deps: &TemplatesDeps, report: &mut RunReport) -> StoreResult<()> {
    let now = deps.clock.now();
    for link in deps.links.open_links(now - deps.settings.poll_after, deps.settings.batch).await? {
        let age = now - link.created_at;
        let overdue = age >= deps.settings.link_lifetime;
        // Backoff: a link is looked up once per doubling of its age past `poll_after`, and
        // once more when it is overdue, right before it may be expired.
        let doublings = (age.num_seconds() / deps.settings.poll_after.num_seconds().max(1)).max(1).ilog2();
        let key =
            if overdue { format!("expire:{}", link.id) } else { format!("poll:{}:{doublings}", link.id) };
        if deps.idempotency.claim(&key, now, Duration::minutes(2)).await? != Claim::Acquired {
            continue;
        }
        let polled = poll(deps, &link, report).await;
        let confirmed_open = match polled {
            Ok(open) => open,
            Err(err) => {
                tracing::warn!(link = %link.id, error = %err, "payment lookup failed; a later run retries");
                // Not expired on a failed lookup: the payer may have paid.
                deps.idempotency.release(&key).await?;
                continue;
            }
        };
        deps.idempotency.complete(&key, deps.clock.now(), deps.settings.link_lifetime * 2).await?;
        // Only a link the rail itself still reports open is expired here.
        if confirmed_open && overdue {
            if let Some(expired) = deps.links.transition(&link.id, LinkState::Expired, now).await? {
                report.expired += 1;
                queue_notification(deps, &expired, None).await?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Rail(#[from] RailError),
    #[error("{0}")]
    Credentials(String),
}

/// Looks the payment up and applies what the rail says. `Ok(true)` when still open.
async fn poll(deps: &TemplatesDeps, link: &PaymentLink, report: &mut RunReport) -> Result<bool, PollError> {
    let Some(payment_id) = &link.payment_id else {
        return Err(PollError::Credentials("the link has no payment id yet".into()));
    };
    let seller = deps
        .directory
        .seller(&link.seller)
        .await?
        .ok_or_else(|| PollError::Credentials("unknown seller".into()))?;
    let merchant = seller
        .merchant(&link.merchant_id)
        .ok_or_else(|| PollError::Credentials("unknown merchant".into()))?;
    let binding = merchant_secret_binding(seller.phone.as_e164(), &merchant.merchant_id);
    let secret_key = deps
        .data_key
        .open(&merchant.sealed_secret, &binding)
        .map_err(|e| PollError::Credentials(e.to_string()))?;
    let credentials = MerchantCredentials { merchant_id: merchant.merchant_id.clone(), secret_key };
    report.polled += 1;
    let result: RailResult = deps.rail.payment(&credentials, payment_id).await?.into();
    let payer_bank = result.payer_bank.clone();
    match payments::apply_result(deps.links.as_ref(), &result, deps.clock.now()).await? {
        Applied::Moved(moved) if moved.state.is_final() => {
            report.moved_by_poll += 1;
            queue_notification(deps, &moved, payer_bank).await?;
            Ok(false)
        }
        Applied::Moved(_) | Applied::Ignored => Ok(true),
        Applied::AlreadyThere(_) => Ok(false),
        Applied::UnknownLink => Ok(false),
        Applied::Mismatch { field, .. } => {
            tracing::error!(link = %link.id, field, alert = true, "ALERT: rail lookup disagrees with our record");
            Err(PollError::Credentials(format!("the rail disagrees on {field}")))
        }
    }
}

async fn queue_notification(
    deps: &TemplatesDeps,
    link: &PaymentLink,
    payer_bank: Option<String>,
) -> StoreResult<()> {
    let contact = ContactKey {
        business_number_id: link.business_number_id.clone(),
        user_key: link.seller.as_e164().into(),
    };
    let locale =
        payments::seller_locale(deps.directory.as_ref(), deps.contacts.as_ref(), &contact, &link.seller)
            .await?;
    let job: OutboundJob = payments::status_job(
        payments::outbox_item(link, payer_bank, deps.clock.now()),
        locale,
        link.seller.clone(),
    );
    deps.outbound.send_batch(&[job.to_queue_message()]).await
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let item = |link: &str, state| OutboxItem {
            contact: ContactKey { business_number_id: "1".into(), user_key: "+37369000001".into() },
            link_id: link.into(),
            state,
            amount: Money::new(100.into(), Currency::MDL).unwrap(),
            description: Some("Cafea\n+  croissant".into()),
            tag: None,
            payer_bank: None,
            at: DateTime::from_timestamp(0, 0).unwrap(),
        };
        let settings = TemplatesSettings::default();
        let OutboundContent::Template { name, language, body_parameters } =
            template(&settings, &[item("a", LinkState::Success)], Locale::En)
        else {
            panic!("a template")
        };
        assert_eq!((name.as_str(), language.as_str()), ("payment_update", "en_US"));
        assert_eq!(body_parameters, ["paid", "100.00\u{a0}MDL", "Cafea + croissant"]);
        let OutboundContent::Template { name, language, body_parameters } =
            template(&settings, &[item("a", LinkState::Success), item("b", LinkState::Expired)], Locale::Ro)
        else {
            panic!("a template")
        };
        assert_eq!((name.as_str(), language.as_str()), ("payment_digest", "ro"));
        assert_eq!(body_parameters[0], "2");
        assert!(!body_parameters[1].contains('\n'));
    }
}
