//! Conversations in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::locked;
use crate::StoreResult;
use crate::domain::*;
use crate::ports::*;

#[derive(Debug, Default)]
pub struct MemoryContactStore {
    settings: Mutex<HashMap<ContactKey, ContactSettings>>,
}

impl MemoryContactStore {
    fn update(&self, contact: &ContactKey, change: impl FnOnce(&mut ContactSettings)) -> StoreResult<()> {
        change(locked(&self.settings).entry(contact.clone()).or_default());
        Ok(())
    }
}

#[async_trait]
impl ContactStore for MemoryContactStore {
    async fn settings(&self, contact: &ContactKey) -> StoreResult<ContactSettings> {
        Ok(locked(&self.settings).get(contact).cloned().unwrap_or_default())
    }
    async fn set_locale(&self, contact: &ContactKey, locale: Locale) -> StoreResult<()> {
        self.update(contact, |s| s.locale = Some(locale))
    }
    async fn set_state(&self, contact: &ContactKey, namespace: &str, state: Option<&str>) -> StoreResult<()> {
        self.update(contact, |s| match state {
            Some(json) => {
                s.states.insert(namespace.to_owned(), json.to_owned());
            }
            None => {
                s.states.remove(namespace);
            }
        })
    }
}
