//! The command function: consumes the inbound FIFO queue, hands each message to the
//! capability that knows the user (the seller's payment links, …), and queues the replies
//! for the notify function.

pub mod flow;
pub mod handler;

pub use flow::{CommandDeps, CommandError, CommandFailure, CommandSettings};
pub use handler::handle_batch;
