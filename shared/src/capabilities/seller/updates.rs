//! The seller's status updates: a rail result recorded (moved link, audit record, the
//! notification queued), and the words of the update, free-form and as the outbox keeps it.

use chrono::{DateTime, Utc};

use crate::StoreResult;
use crate::domain::{ContactKey, LinkState, Locale, PaymentLink};
use crate::i18n::{Arg, Catalog, format_amount};
use crate::outbound::OutboundJob;
use crate::payments::{Applied, CheckSchedule, RailResult, apply_result};
use crate::ports::{
    AuditEvent, AuditLog, ContactStore, Directory, IdempotencyStore, OutboundContent, OutboundMessage,
    OutboxItem, PaymentLinkStore, QueueSender,
};

/// What a rail result is recorded through: the link it moves, the audit chain of its seller,
/// and the notification it queues. The status function (callbacks) and the template
/// function (lookups) both go through [`record_result`], so a result means the same
/// whichever way it arrived.
pub struct ResultSink<'a> {
    pub links: &'a dyn PaymentLinkStore,
    pub directory: &'a dyn Directory,
    pub contacts: &'a dyn ContactStore,
    pub outbound: &'a dyn QueueSender,
    pub audit: &'a dyn AuditLog,
    /// Keeps each record to one, whatever the retries.
    pub idempotency: &'a dyn IdempotencyStore,
    pub checks: CheckSchedule,
}

/// Applies `result` to its link, audits what it did, and queues the seller's notification
/// of a final state (again, if a retry finds it not yet queued). Disagreements change
/// nothing and are alerted and audited.
pub async fn record_result(
    sink: &ResultSink<'_>,
    result: &RailResult,
    now: DateTime<Utc>,
) -> StoreResult<Applied> {
    let applied = apply_result(sink.links, result, &sink.checks, now).await?;
    match &applied {
        Applied::Moved(link) | Applied::AlreadyThere(link) => {
            let detail = serde_json::json!({"state": link.state.as_str()});
            audit_link(sink, link, "payment_status", detail, now).await?;
            // Moved to a final state, or found there with its notification not yet queued.
            if link.state.is_final() && link.next_check_at.is_some() {
                queue_final_update(sink.directory, sink.contacts, sink.links, sink.outbound, link, now)
                    .await?;
            }
            if matches!(applied, Applied::Moved(_)) {
                tracing::info!(link = %link.id, state = link.state.as_str(), "payment link moved");
            }
        }
        Applied::Ignored => tracing::info!(order = %result.order_id, "duplicate or late result ignored"),
        Applied::UnknownLink => {
            tracing::error!(order = %result.order_id, alert = true, "ALERT: rail result for an unknown payment link");
        }
        Applied::Mismatch { link, field } => {
            tracing::error!(link = %link.id, field, alert = true, "ALERT: rail result disagrees with our record; nothing changed");
            let detail = serde_json::json!({"field": field, "status": result.status});
            audit_link(sink, link, "alert_mismatch", detail, now).await?;
        }
        Applied::Conflict { link, reported } => {
            tracing::error!(link = %link.id, state = link.state.as_str(), reported = reported.as_str(), alert = true, "ALERT: the rail reports another final state; nothing changed");
            let detail = serde_json::json!({"reported": reported.as_str()});
            audit_link(sink, link, "alert_conflict", detail, now).await?;
        }
    }
    Ok(applied)
}

/// One record per link, state and kind on the seller's chain.
async fn audit_link(
    sink: &ResultSink<'_>,
    link: &PaymentLink,
    kind: &str,
    mut detail: serde_json::Value,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if let Some(map) = detail.as_object_mut() {
        map.insert("link".into(), link.id.clone().into());
    }
    let event =
        AuditEvent { chain: format!("seller:{}", link.seller.as_e164()), kind: kind.into(), at: now, detail };
    let key = format!("{}:{}:{kind}", link.id, link.state.as_str());
    crate::audit::append_once(sink.idempotency, sink.audit, &key, event).await
}

/// Queues the seller's notification of a link's final state, then records it queued: the
/// one way every path that finds a final state (a callback, a lookup, a retry of either)
/// tells the seller. Until it is recorded the link stays due, so a queue that failed in
/// between is retried by the poller; the notice's delivery claim keeps it to one message.
pub async fn queue_final_update(
    directory: &dyn Directory,
    contacts: &dyn ContactStore,
    links: &dyn PaymentLinkStore,
    outbound: &dyn QueueSender,
    link: &PaymentLink,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if !link.state.is_final() {
        return Ok(());
    }
    let contact = seller_contact(link);
    let locale = seller_locale(directory, contacts, &contact, &link.seller).await?;
    let job = status_job(outbox_item(link, now), locale, link.seller.clone());
    outbound.send_batch(&[job.to_queue_message()]).await?;
    links.mark_notified(&link.id, link.state).await
}

/// The conversation a link's updates go to: its seller on the number it was asked from.
pub fn seller_contact(link: &PaymentLink) -> ContactKey {
    ContactKey { business_number_id: link.business_number_id.clone(), user_key: link.seller.as_e164().into() }
}

/// The seller's locale for a conversation: chosen with `/lang`, else the directory's, else
/// the business number's default.
pub async fn seller_locale(
    directory: &dyn Directory,
    contacts: &dyn ContactStore,
    contact: &ContactKey,
    seller: &crate::domain::Phone,
) -> StoreResult<Locale> {
    if let Some(locale) = contacts.settings(contact).await?.locale {
        return Ok(locale);
    }
    if let Some(seller) = directory.seller(seller).await? {
        return Ok(seller.locale);
    }
    Ok(directory.profile(&contact.business_number_id).await?.map(|p| p.default_locale).unwrap_or(Locale::En))
}

fn message_id(state: LinkState) -> &'static str {
    match state {
        LinkState::Success => "payment-paid",
        LinkState::Failed => "payment-failed",
        LinkState::Declined => "payment-declined",
        _ => "payment-expired",
    }
}

/// The free-form text of one status update in `locale`.
pub fn status_text(item: &OutboxItem, locale: Locale) -> String {
    let amount = format_amount(&item.amount, locale);
    let args = [
        ("amount", Arg::Str(&amount)),
        ("description", Arg::Str(item.description.as_deref().unwrap_or_default())),
        ("has_description", Arg::flag(item.description.is_some())),
        ("tag", Arg::Str(item.tag.as_deref().unwrap_or_default())),
        ("has_tag", Arg::flag(item.tag.is_some())),
        ("bank", Arg::Str(item.payer_bank.as_deref().unwrap_or_default())),
        ("has_bank", Arg::flag(item.payer_bank.is_some())),
    ];
    Catalog::global().text(locale, message_id(item.state), &args)
}

/// The outbox form of a finished link's update.
pub fn outbox_item(link: &PaymentLink, at: DateTime<Utc>) -> OutboxItem {
    OutboxItem {
        contact: seller_contact(link),
        link_id: link.id.clone(),
        state: link.state,
        amount: link.amount,
        description: link.description.clone(),
        tag: link.tag.clone(),
        payer_bank: link.payer_bank.clone().filter(|_| link.state == LinkState::Success),
        at,
    }
}

/// One notification per real transition, free-form; outside the window notify moves it to
/// the template outbox. Every path that delivers this update claims its notice key, so it
/// reaches the seller once.
pub fn status_job(item: OutboxItem, locale: Locale, to: crate::domain::Phone) -> OutboundJob {
    free_form_notice(format!("status:{}:{}", item.link_id, item.state.as_str()), item, locale, to)
}

/// A waiting update delivered free-form because the seller wrote again (from the command
/// function, or from a scheduled run that finds the window open); if the window has closed
/// again meanwhile, notify puts it back in the outbox.
pub fn late_job(item: &OutboxItem, locale: Locale, to: crate::domain::Phone) -> OutboundJob {
    free_form_notice(format!("late:{}:{}", item.link_id, item.state.as_str()), item.clone(), locale, to)
}

fn free_form_notice(id: String, item: OutboxItem, locale: Locale, to: crate::domain::Phone) -> OutboundJob {
    OutboundJob {
        id,
        message: OutboundMessage {
            business_number_id: item.contact.business_number_id.clone(),
            to,
            content: OutboundContent::Text { body: status_text(&item, locale) },
        },
        notices: vec![item],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, LinkKind, Money, Phone};
    use rust_decimal::Decimal;

    fn link() -> PaymentLink {
        let at = DateTime::from_timestamp(1_763_700_000, 0).unwrap();
        PaymentLink {
            id: "pl-1".into(),
            seller: Phone::parse_international("+37369000001").unwrap(),
            business_number_id: "1065".into(),
            merchant_id: "M".into(),
            terminal_id: "T-QR".into(),
            amount: Money::new(Decimal::new(14525, 2), Currency::MDL).unwrap(),
            description: Some("Cafea".into()),
            tag: None,
            kind: LinkKind::Qr,
            payer: None,
            state: LinkState::Created,
            checkout_url: Some("https://checkout".into()),
            payment_id: Some("pay-1".into()),
            payer_bank: None,
            next_check_at: None,
            request_message_id: "wamid.1".into(),
            created_at: at,
            updated_at: at,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_763_700_100, 0).unwrap()
    }

    #[test]
    fn the_update_reads_in_the_sellers_language() {
        let item = outbox_item(
            &PaymentLink { state: LinkState::Success, payer_bank: Some("MAIB".into()), ..link() },
            now(),
        );
        let ro = status_text(&item, Locale::Ro);
        assert!(ro.contains("145,25") && ro.contains("MAIB"), "{ro}");
        let job = status_job(item.clone(), Locale::De, link().seller);
        assert_eq!(job.id, "status:pl-1:success");
        assert_eq!(job.notices, [item]);
    }
}
