//! The seller's status updates: a rail result recorded (moved link, audit record, the
//! notification queued), and the words of the update, free-form and as the outbox keeps it.

use chrono::{DateTime, Utc};

use crate::StoreResult;
use crate::domain::{ContactKey, LinkState, Locale, PaymentLink};
use crate::i18n::{WordArg, Words};
use crate::operator::metrics::MetricsBatch;
use crate::payments::{Applied, CheckSchedule, RailResult, apply_result};
use crate::ports::{
    AuditEvent, AuditLog, ContactStore, Directory, IdempotencyStore, Notice, PaymentLinkStore, QueueSender,
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

/// The operator's figures of a recorded result: a link moved to SUCCESS counts as a
/// transaction with its amount, one moved to FAILED, DECLINED or EXPIRED as a failed
/// transaction. Only a real move counts (a link moves to its final state once); duplicates,
/// late arrivals and retries that find it there count nothing.
pub fn count_result(applied: &Applied, metrics: &mut MetricsBatch, at: DateTime<Utc>) {
    let Applied::Moved(link) = applied else { return };
    if !link.state.is_final() {
        return;
    }
    let tally = metrics.tally(&link.business_number_id, at);
    if link.state == LinkState::Success {
        tally.transactions += 1;
        tally.volume_minor +=
            crate::ledger::to_minor(link.amount.amount(), link.amount.currency()).unwrap_or_default();
    } else {
        tally.failed_transactions += 1;
    }
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
    let job = crate::notices::status_job(notice(link, locale, now), link.seller.clone());
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

fn status_word(state: LinkState) -> &'static str {
    match state {
        LinkState::Success => "template-status-success",
        LinkState::Failed => "template-status-failed",
        LinkState::Declined => "template-status-declined",
        _ => "template-status-expired",
    }
}

/// The approved Utility template of one payment update: status word, amount, description.
pub const UPDATE_TEMPLATE: &str = "payment_update";

/// A finished link's update as a notice: the free-form message, and the same words as the
/// `payment_update` template (status word, amount, description) and as one digest line.
pub fn notice(link: &PaymentLink, locale: Locale, at: DateTime<Utc>) -> Notice {
    let bank = link.payer_bank.clone().filter(|_| link.state == LinkState::Success);
    let text = |value: &Option<String>| WordArg::Text(value.clone().unwrap_or_default());
    let words = Words::new(message_id(link.state))
        .arg("amount", WordArg::Amount(link.amount))
        .arg("description", text(&link.description))
        .arg("has_description", WordArg::Flag(link.description.is_some()))
        .arg("tag", text(&link.tag))
        .arg("has_tag", WordArg::Flag(link.tag.is_some()))
        .arg("bank", text(&bank))
        .arg("has_bank", WordArg::Flag(bank.is_some()));
    let description = match &link.description {
        Some(description) => WordArg::Text(description.clone()),
        None => WordArg::Message("template-no-description".into()),
    };
    Notice {
        id: format!("{}:{}:{}", super::NAME, link.id, link.state.as_str()),
        contact: seller_contact(link),
        text: words,
        template: UPDATE_TEMPLATE.into(),
        parameters: vec![
            WordArg::Message(status_word(link.state).into()),
            WordArg::Amount(link.amount),
            description,
        ],
        digest_line: vec![WordArg::Amount(link.amount), WordArg::Message(status_word(link.state).into())],
        locale,
        at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::tests::link;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_763_700_100, 0).unwrap()
    }

    #[tokio::test]
    async fn only_a_move_to_a_final_state_counts_for_the_operator() {
        use crate::ports::MetricsStore;
        let mut metrics = MetricsBatch::default();
        let moved = |state| Applied::Moved(PaymentLink { state, ..link() });
        for applied in [
            moved(LinkState::Success),
            moved(LinkState::Declined),
            moved(LinkState::Expired),
            moved(LinkState::Failed),
            moved(LinkState::Pending),
            Applied::AlreadyThere(PaymentLink { state: LinkState::Success, ..link() }),
            Applied::Ignored,
        ] {
            count_result(&applied, &mut metrics, now());
        }
        let store = crate::adapters::memory::MemoryMetricsStore::default();
        metrics.flush(&store).await;
        let day = now().date_naive();
        let tally = &store.days("1065", day, day).await.unwrap()[0].1;
        assert_eq!((tally.transactions, tally.volume_minor, tally.failed_transactions), (1, 14_525, 3));
    }

    #[test]
    fn the_update_reads_in_the_sellers_language_free_form_and_as_a_template() {
        let paid = PaymentLink { state: LinkState::Success, payer_bank: Some("MAIB".into()), ..link() };
        let notice = notice(&paid, Locale::Ro, now());
        assert_eq!(notice.id, "payment_links:pl-1:success");
        let ro = notice.text.render(Locale::Ro);
        assert!(ro.contains("145,25") && ro.contains("MAIB"), "{ro}");
        let params: Vec<_> = notice.parameters.iter().map(|p| p.render(Locale::En)).collect();
        assert_eq!(params, ["paid", "145.25\u{a0}MDL", "Cafea"]);
        let job = crate::notices::status_job(notice.clone(), link().seller);
        assert_eq!(job.id, "status:payment_links:pl-1:success");
        assert_eq!(job.notices, [notice]);
    }
}
