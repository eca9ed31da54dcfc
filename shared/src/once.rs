//! Work done once per key, however often the work that asks for it is retried: a retry
//! after a failure does it, a retry after a success does not do it again.

use std::future::Future;

use chrono::{DateTime, Duration};

use crate::ports::{Claim, IdempotencyStore};
use crate::{StoreError, StoreResult};

/// How long a claim on a small store write holds before another worker may take it over.
const LEASE: Duration = Duration::minutes(2);

/// Runs `work` unless `key` is done; marks it done for `keep` when `work` succeeds and gives
/// the claim back when it fails. Someone else holding the claim right now is an error, so
/// the caller's retry comes back to it.
pub async fn once<F, Fut>(
    idempotency: &dyn IdempotencyStore,
    key: &str,
    now: DateTime<chrono::Utc>,
    keep: Duration,
    work: F,
) -> StoreResult<()>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = StoreResult<()>>,
{
    match idempotency.claim(key, now, LEASE).await? {
        Claim::Done => return Ok(()),
        Claim::InProgress => {
            return Err(StoreError::unavailable("idempotency", "the same work is being done elsewhere"));
        }
        Claim::Acquired => {}
    }
    match work().await {
        Ok(()) => idempotency.complete(key, now, keep).await,
        Err(err) => {
            idempotency.release(key).await?;
            Err(err)
        }
    }
}
