//! The wall clock, the one every Lambda runs on ([`crate::ports::Clock`]; tests and the local
//! stack move a [`crate::adapters::memory::ManualClock`] instead).

use chrono::{DateTime, Utc};

use crate::ports::Clock;

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
