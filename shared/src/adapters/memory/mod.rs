//! In-memory twins of the AWS adapters, with the same observable behaviour.

mod clock;
mod queue;
mod records;
mod stores;

pub use clock::{ManualClock, SystemClock};
pub use queue::MemoryQueue;
pub use records::{
    MemoryAuditLog, MemoryContactStore, MemoryDirectory, MemoryFailedCommandLog, MemoryIdempotencyStore,
    MemoryOutboxStore, MemoryPaymentLinkStore,
};
pub use stores::{MemoryDeliveryStatusStore, MemorySecrets, MemoryWindowStore};
