//! The command function: consumes the inbound FIFO queue, identifies the seller, parses and
//! executes their command, audits it, and queues the replies for the notify function.

pub mod flow;
pub mod handler;
pub mod replies;

pub use flow::{CommandDeps, CommandError, CommandFailure, CommandSettings};
pub use handler::handle_batch;
