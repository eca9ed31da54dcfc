//! What the core keeps for the operator console: the controls operators set per business
//! number (the bot switch, taught aliases), the human handoff, and the metrics every
//! function counts. The console itself is `functions/admin`.

pub mod controls;
pub mod handoff;
pub mod metrics;
