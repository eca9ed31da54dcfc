//! The templates function, run every minute by EventBridge: sends the template outbox,
//! looks up payments pending too long, expires overdue links.

pub mod schedule;

pub use schedule::{RunReport, TemplatesDeps, TemplatesSettings, run};
