//! The webhook function: Meta's verification handshake and signed notifications.
//! It verifies, records windows and delivery statuses, queues messages, and answers.

pub mod handler;

pub use handler::{WebhookState, router};
