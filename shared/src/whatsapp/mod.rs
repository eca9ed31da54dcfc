//! The WhatsApp channel adapter: the only code that knows Meta's JSON. It turns signed
//! webhook notifications into channel-agnostic [`crate::domain`] values.

pub mod cloud_api;
pub mod signature;
pub mod webhook;

pub use signature::{SignatureError, WebhookVerifier};
pub use webhook::{Notification, ParsedNotification, parse_notification};
