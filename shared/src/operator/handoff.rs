//! Human handoff: a conversation handed to a person stays silent for the bot until an
//! operator releases it. The command function opens it (the user asked, or commands failed
//! several times in a row) and keeps the user's lines for the console; the console answers
//! and releases.

/// The lines of an escalated conversation kept for the console.
pub const KEPT_MESSAGES: usize = 20;
