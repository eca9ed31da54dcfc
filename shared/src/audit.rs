//! The audit chain: each record's hash covers the previous record's hash, its sequence number
//! and the event, so removing, reordering or editing a record breaks every hash after it.

use sha2::{Digest, Sha256};

use crate::StoreResult;
use crate::ports::{AuditEvent, AuditLog, AuditRecord, IdempotencyStore};

/// The `prev_hash` of a chain's first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub fn record_hash(prev_hash: &str, seq: u64, event: &AuditEvent) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"|");
    hasher.update(seq.to_string().as_bytes());
    hasher.update(b"|");
    // serde_json writes object keys in a stable order (sorted maps), so the bytes are canonical.
    hasher.update(serde_json::to_vec(event).expect("audit events serialize"));
    hex::encode(hasher.finalize())
}

/// The record that follows `last` (or starts the chain).
pub fn next_record(last: Option<&AuditRecord>, event: AuditEvent) -> AuditRecord {
    let (seq, prev_hash) = match last {
        Some(r) => (r.seq + 1, r.hash.clone()),
        None => (1, GENESIS.to_owned()),
    };
    let hash = record_hash(&prev_hash, seq, &event);
    AuditRecord { seq, prev_hash, hash, event }
}

/// Appends `event` once per `key`, however often the work that records it is retried: a
/// retry after a failed append writes it, a retry after a good one does not write it twice.
pub async fn append_once(
    idempotency: &dyn IdempotencyStore,
    log: &dyn AuditLog,
    key: &str,
    event: AuditEvent,
) -> StoreResult<()> {
    let at = event.at;
    crate::once::once(idempotency, &format!("audit:{key}"), at, chrono::Duration::days(30), || async {
        log.append(event).await.map(|_| ())
    })
    .await
}

/// Checks a whole chain in order; `Err(seq)` names the first record that does not fit.
pub fn verify_chain(records: &[AuditRecord]) -> Result<(), u64> {
    let mut prev = GENESIS.to_owned();
    for (i, record) in records.iter().enumerate() {
        let expected_seq = i as u64 + 1;
        if record.seq != expected_seq
            || record.prev_hash != prev
            || record.hash != record_hash(&prev, record.seq, &record.event)
        {
            return Err(expected_seq);
        }
        prev = record.hash.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{MemoryAuditLog, MemoryIdempotencyStore};
    use chrono::DateTime;

    #[tokio::test]
    async fn append_once_writes_each_key_once() {
        let (claims, log) = (MemoryIdempotencyStore::default(), MemoryAuditLog::default());
        for _ in 0..3 {
            append_once(&claims, &log, "wamid.1:link_issued", event("link_issued")).await.unwrap();
        }
        append_once(&claims, &log, "wamid.2:link_issued", event("link_issued")).await.unwrap();
        assert_eq!(log.chain("seller:+37369123456").await.unwrap().len(), 2);
    }

    fn event(kind: &str) -> AuditEvent {
        AuditEvent {
            chain: "seller:+37369123456".into(),
            kind: kind.into(),
            at: DateTime::from_timestamp(1_763_700_000, 0).unwrap(),
            detail: serde_json::json!({"link": "pl-1", "amount": "100.00"}),
        }
    }

    #[test]
    fn a_chain_verifies_and_any_edit_breaks_it() {
        let first = next_record(None, event("link_issued"));
        let second = next_record(Some(&first), event("refused"));
        let third = next_record(Some(&second), event("link_issued"));
        let chain = vec![first, second, third];
        assert_eq!(verify_chain(&chain), Ok(()));

        let mut edited = chain.clone();
        edited[1].event.detail = serde_json::json!({"amount": "1.00"});
        assert_eq!(verify_chain(&edited), Err(2));

        let mut removed = chain.clone();
        removed.remove(1);
        assert_eq!(verify_chain(&removed), Err(2));

        let mut swapped = chain;
        swapped.swap(0, 2);
        assert_eq!(verify_chain(&swapped), Err(1));
    }
}
