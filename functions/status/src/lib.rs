//! The status function: miaPOS posts payment results here, and MoMo calls back here.

pub mod handler;

pub use handler::{CallbackKeys, StatusState, router};
