//! The operator's failed-command log: what users wrote that the bot could not act on,
//! grouped, counted, with the command they most likely meant.

use chrono::{DateTime, Utc};

use crate::StoreResult;
use crate::ports::{FailedCommand, FailedCommandLog, IdempotencyStore};

/// The longest text kept per entry.
const MAX_CHARS: usize = 100;

/// The text as it is stored: trimmed, inner whitespace collapsed, upper-cased (so `Paay` and
/// `PAAY` count together), truncated, and every run of 6 or more digits masked so phone and
/// account numbers never reach the log.
pub fn normalize(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
    crate::redact::mask_phone_numbers(&collapsed, 6).chars().take(MAX_CHARS).collect()
}

/// Counts one failed command of one inbound message: a redelivery of the same message does
/// not count it again.
pub async fn record_once(
    idempotency: &dyn IdempotencyStore,
    log: &dyn FailedCommandLog,
    business_number_id: &str,
    message_id: &str,
    failed: (&str, &str, Option<&str>),
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let (text, kind, suggestion) = failed;
    let key = format!("failed:{message_id}:{kind}");
    crate::once::once(idempotency, &key, at, chrono::Duration::days(8), || {
        log.record(business_number_id, text, kind, suggestion, at)
    })
    .await
}

/// Most frequent first, then most recent.
pub fn sort_for_operator(entries: &mut [FailedCommand]) {
    entries.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| b.last_seen.cmp(&a.last_seen)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_masks_phone_numbers() {
        assert_eq!(normalize("  sendd   50 0244123456 "), "SENDD 50 ••••••••••");
        assert_eq!(normalize("paay 100,50"), "PAAY 100,50");
        assert_eq!(normalize("/rtp 100 +373 69 123 456 x"), "/RTP 100 +••• •• ••• ••• X");
        assert_eq!(normalize(&"x".repeat(300)).chars().count(), 100);
    }
}
