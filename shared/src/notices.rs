//! Notices: what the bot tells a user that may arrive after the 24-hour window (today, a
//! payment's final state). One notice has one delivery claim, its [`Notice::notice_key`],
//! taken by whichever path delivers it: free-form at once, free-form when the user writes
//! again, or a template or digest from the outbox. So a notice reaches the user once, and a
//! notice Meta accepted and then reported undelivered is reopened and delivered again.

use chrono::{DateTime, Duration, Utc};

use crate::StoreResult;
use crate::domain::{Locale, Phone};
use crate::outbound::OutboundJob;
use crate::ports::{
    Claim, ContactStore, IdempotencyStore, Notice, OutboundContent, OutboundMessage, OutboxStore,
};

/// Claiming every notice of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeClaim {
    /// All claimed: send, then [`complete`] (or [`release`] on failure).
    Acquired,
    /// One is being delivered elsewhere right now: try again later. Nothing is held.
    Busy,
    /// These were delivered already (by another path): nothing is held.
    Delivered(Vec<Notice>),
}

/// Claims all of `notices` or none.
pub async fn claim(
    idempotency: &dyn IdempotencyStore,
    notices: &[Notice],
    now: DateTime<Utc>,
    lease: Duration,
) -> StoreResult<NoticeClaim> {
    let mut acquired: Vec<&Notice> = Vec::new();
    let mut delivered = Vec::new();
    let mut busy = false;
    for notice in notices {
        match idempotency.claim(&notice.notice_key(), now, lease).await {
            Ok(Claim::Acquired) => acquired.push(notice),
            Ok(Claim::Done) => delivered.push(notice.clone()),
            Ok(Claim::InProgress) => busy = true,
            Err(err) => {
                release(idempotency, acquired).await?;
                return Err(err);
            }
        }
    }
    if busy || !delivered.is_empty() {
        release(idempotency, acquired).await?;
        return Ok(if delivered.is_empty() { NoticeClaim::Busy } else { NoticeClaim::Delivered(delivered) });
    }
    Ok(NoticeClaim::Acquired)
}

pub async fn complete(
    idempotency: &dyn IdempotencyStore,
    notices: &[Notice],
    now: DateTime<Utc>,
    keep: Duration,
) -> StoreResult<()> {
    for notice in notices {
        idempotency.complete(&notice.notice_key(), now, keep).await?;
    }
    Ok(())
}

pub async fn release<'a>(
    idempotency: &dyn IdempotencyStore,
    notices: impl IntoIterator<Item = &'a Notice>,
) -> StoreResult<()> {
    for notice in notices {
        idempotency.release(&notice.notice_key()).await?;
    }
    Ok(())
}

/// A notice Meta accepted free-form and reported later as undelivered (131047): reopened,
/// then back in the outbox, so the template path (or the next free-form chance) delivers it.
/// In this order: a delivery that finds it in the outbox must not find its old claim done.
pub async fn return_to_outbox(
    idempotency: &dyn IdempotencyStore,
    outbox: &dyn OutboxStore,
    notice: &Notice,
) -> StoreResult<()> {
    idempotency.reopen(&notice.notice_key()).await?;
    outbox.add(notice).await?;
    tracing::info!(notice = %notice.id, "undelivered update back in the template outbox");
    Ok(())
}

/// The ids of `notices`, for their removal from the outbox once delivered.
pub fn ids(notices: &[Notice]) -> Vec<String> {
    notices.iter().map(|n| n.id.clone()).collect()
}

/// A notice's first delivery, free-form, in the locale it was made in; outside the window
/// notify moves it to the outbox.
pub fn status_job(notice: Notice, to: Phone) -> OutboundJob {
    let locale = notice.locale;
    free_form(format!("status:{}", notice.id), notice, locale, to)
}

/// A waiting notice delivered free-form because the user wrote again (from the command
/// function, or from a scheduled run that finds the window open), in the user's `locale` now.
pub fn late_job(notice: &Notice, locale: Locale, to: Phone) -> OutboundJob {
    free_form(format!("late:{}", notice.id), notice.clone(), locale, to)
}

fn free_form(id: String, notice: Notice, locale: Locale, to: Phone) -> OutboundJob {
    OutboundJob {
        id,
        message: OutboundMessage {
            business_number_id: notice.contact.business_number_id.clone(),
            to,
            content: OutboundContent::Text { body: notice.text.render(locale) },
        },
        notices: vec![notice],
        inbound_received_at: None,
    }
}

/// The locale a waiting notice is sent in: a `/lang` choice made since, else its own.
pub async fn locale_for(contacts: &dyn ContactStore, notice: &Notice) -> StoreResult<Locale> {
    Ok(contacts.settings(&notice.contact).await?.locale.unwrap_or(notice.locale))
}
