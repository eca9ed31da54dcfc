//! In-memory twins of the AWS adapters, with the same observable behaviour; one module per
//! entity, as the AWS adapters.

mod alerts;
mod audit;
mod bnpl_plans;
mod clock;
mod contacts;
mod controls;
mod delivery;
mod directory;
mod escalations;
mod failed_commands;
mod idempotency;
mod ledger;
mod links;
mod metrics;
mod momo_operations;
mod outbox;
mod queue;
mod secrets;
mod sms;
mod susu_groups;
mod wallet_accounts;
mod wallet_links;
mod window;

use std::sync::Mutex;

pub use alerts::MemoryAlertStore;
pub use audit::MemoryAuditLog;
pub use bnpl_plans::MemoryBnplPlanStore;
pub use clock::ManualClock;
pub use contacts::MemoryContactStore;
pub use controls::MemoryControlsStore;
pub use delivery::MemoryDeliveryStatusStore;
pub use directory::MemoryDirectory;
pub use escalations::MemoryEscalationStore;
pub use failed_commands::MemoryFailedCommandLog;
pub use idempotency::MemoryIdempotencyStore;
pub use ledger::MemoryLedger;
pub use links::MemoryPaymentLinkStore;
pub use metrics::MemoryMetricsStore;
pub use momo_operations::MemoryMomoOperationStore;
pub use outbox::MemoryOutboxStore;
pub use queue::MemoryQueue;
pub use secrets::MemorySecrets;
pub use sms::{MemorySmsInbox, SMS_MAX_BYTES, Sms};
pub use susu_groups::MemorySusuGroupStore;
pub(crate) use susu_groups::merged as susu_merged;
pub use wallet_accounts::MemoryWalletDirectory;
pub use wallet_links::MemoryWalletLinkStore;
pub use window::MemoryWindowStore;

pub(super) fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps half-updated (single inserts).
    m.lock().unwrap_or_else(|e| e.into_inner())
}
