//! The notify function: sends what is on the outbound queue to the WhatsApp Cloud API.

pub mod handler;

pub use handler::{NotifyDeps, NotifySettings, deliver, handle_batch, handle_records};
