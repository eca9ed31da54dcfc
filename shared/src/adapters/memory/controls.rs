//! Operator controls (bot switch, aliases) in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::locked;
use crate::StoreResult;
use crate::ports::*;

#[derive(Debug, Default)]
pub struct MemoryControlsStore {
    numbers: Mutex<HashMap<String, NumberControls>>,
}

#[async_trait]
impl ControlsStore for MemoryControlsStore {
    async fn controls(&self, business_number_id: &str) -> StoreResult<NumberControls> {
        Ok(locked(&self.numbers).get(business_number_id).cloned().unwrap_or_default())
    }

    async fn set_paused(&self, business_number_id: &str, pause: Option<&Pause>) -> StoreResult<()> {
        locked(&self.numbers).entry(business_number_id.to_owned()).or_default().paused = pause.cloned();
        Ok(())
    }

    async fn teach_alias(&self, business_number_id: &str, alias: &str, command: &str) -> StoreResult<()> {
        locked(&self.numbers)
            .entry(business_number_id.to_owned())
            .or_default()
            .aliases
            .insert(alias.to_owned(), command.to_owned());
        Ok(())
    }

    async fn forget_alias(&self, business_number_id: &str, alias: &str) -> StoreResult<bool> {
        Ok(locked(&self.numbers)
            .get_mut(business_number_id)
            .is_some_and(|controls| controls.aliases.remove(alias).is_some()))
    }
}
