//! The status function: miaPOS posts payment results here.

pub mod handler;

pub use handler::{CallbackKeys, StatusState, router};
