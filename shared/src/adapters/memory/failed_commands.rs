//! The failed-command log in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::locked;
use crate::StoreResult;
use crate::ports::*;

#[derive(Debug, Default)]
pub struct MemoryFailedCommandLog {
    entries: Mutex<HashMap<(String, String, String), FailedCommand>>,
}

#[async_trait]
impl FailedCommandLog for MemoryFailedCommandLog {
    async fn record(
        &self,
        business_number_id: &str,
        text: &str,
        kind: &str,
        suggestion: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let text = crate::failed_commands::normalize(text);
        let mut entries = locked(&self.entries);
        let entry =
            entries.entry((business_number_id.to_owned(), text.clone(), kind.to_owned())).or_insert_with(
                || FailedCommand { text, kind: kind.to_owned(), suggestion: None, count: 0, last_seen: at },
            );
        entry.count += 1;
        entry.last_seen = entry.last_seen.max(at);
        entry.suggestion = suggestion.map(str::to_owned);
        Ok(())
    }
    async fn list(&self, business_number_id: &str, limit: usize) -> StoreResult<Vec<FailedCommand>> {
        let mut all: Vec<_> = locked(&self.entries)
            .iter()
            .filter(|((number, _, _), _)| number == business_number_id)
            .map(|(_, entry)| entry.clone())
            .collect();
        crate::failed_commands::sort_for_operator(&mut all);
        all.truncate(limit);
        Ok(all)
    }
}
