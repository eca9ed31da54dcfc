//! In-memory twins of the AWS adapters, with the same observable behaviour; one module per
//! entity, as the AWS adapters.

mod audit;
mod clock;
mod contacts;
mod delivery;
mod directory;
mod failed_commands;
mod idempotency;
mod ledger;
mod links;
mod outbox;
mod queue;
mod secrets;
mod window;

use std::sync::Mutex;

pub use audit::MemoryAuditLog;
pub use clock::ManualClock;
pub use contacts::MemoryContactStore;
pub use delivery::MemoryDeliveryStatusStore;
pub use directory::MemoryDirectory;
pub use failed_commands::MemoryFailedCommandLog;
pub use idempotency::MemoryIdempotencyStore;
pub use ledger::MemoryLedger;
pub use links::MemoryPaymentLinkStore;
pub use outbox::MemoryOutboxStore;
pub use queue::MemoryQueue;
pub use secrets::MemorySecrets;
pub use window::MemoryWindowStore;

pub(super) fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps half-updated (single inserts).
    m.lock().unwrap_or_else(|e| e.into_inner())
}
