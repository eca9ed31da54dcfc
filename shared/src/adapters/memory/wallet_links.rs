//! WhatsApp links to wallet accounts, pending one-time codes and code-request counters in
//! memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

use super::locked;
use crate::StoreResult;
use crate::domain::ContactKey;
use crate::ports::*;

#[derive(Debug, Default)]
struct State {
    links: HashMap<ContactKey, WalletLink>,
    /// (business number id, account id) → the conversation bound to it.
    accounts: HashMap<(String, String), ContactKey>,
    codes: HashMap<String, PendingCode>,
    requests: HashMap<(ContactKey, DateTime<Utc>), u32>,
}

impl State {
    fn unbind(&mut self, contact: &ContactKey) {
        if let Some(link) = self.links.remove(contact) {
            self.accounts.remove(&(contact.business_number_id.clone(), link.account_id));
        }
    }
}

/// One lock over every map: a binding changes both of its sides at once, as the DynamoDB
/// transaction does.
#[derive(Debug, Default)]
pub struct MemoryWalletLinkStore {
    state: Mutex<State>,
}

#[async_trait]
impl WalletLinkStore for MemoryWalletLinkStore {
    async fn link(&self, contact: &ContactKey) -> StoreResult<Option<WalletLink>> {
        Ok(locked(&self.state).links.get(contact).cloned())
    }

    async fn link_of_account(
        &self,
        business_number_id: &str,
        account_id: &str,
    ) -> StoreResult<Option<WalletLink>> {
        let state = locked(&self.state);
        let contact = state.accounts.get(&(business_number_id.to_owned(), account_id.to_owned()));
        Ok(contact.and_then(|contact| state.links.get(contact)).cloned())
    }

    async fn bind(&self, contact: &ContactKey, account_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let mut state = locked(&self.state);
        let account = (contact.business_number_id.clone(), account_id.to_owned());
        state.unbind(contact);
        if let Some(previous) = state.accounts.get(&account).cloned() {
            state.unbind(&previous);
        }
        state.accounts.insert(account, contact.clone());
        let link = WalletLink {
            contact: contact.clone(),
            account_id: account_id.to_owned(),
            linked_at: at,
            last_active: at,
        };
        state.links.insert(contact.clone(), link);
        Ok(())
    }

    async fn unbind(&self, contact: &ContactKey) -> StoreResult<()> {
        locked(&self.state).unbind(contact);
        Ok(())
    }

    async fn count_linked(&self, business_number_id: &str) -> StoreResult<u64> {
        Ok(locked(&self.state).links.keys().filter(|c| c.business_number_id == business_number_id).count()
            as u64)
    }

    async fn touch(&self, contact: &ContactKey, at: DateTime<Utc>) -> StoreResult<()> {
        if let Some(link) = locked(&self.state).links.get_mut(contact) {
            link.last_active = link.last_active.max(at);
        }
        Ok(())
    }

    async fn put_code(&self, code: &PendingCode) -> StoreResult<()> {
        locked(&self.state).codes.insert(code.account_id.clone(), code.clone());
        Ok(())
    }

    async fn check_code(
        &self,
        account_id: &str,
        contact: &ContactKey,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<CodeCheck> {
        let mut state = locked(&self.state);
        let Some(code) = state.codes.get_mut(account_id) else { return Ok(CodeCheck::NoCode) };
        if code.contact != *contact || code.attempts_left == 0 {
            return Ok(CodeCheck::NoCode);
        }
        if code.expires_at <= now {
            return Ok(CodeCheck::Expired);
        }
        if bool::from(code.code_hash.as_bytes().ct_eq(code_hash.as_bytes())) {
            let spent = state.codes.remove(account_id);
            return Ok(spent.map_or(CodeCheck::NoCode, CodeCheck::Accepted));
        }
        code.attempts_left -= 1;
        let attempts_left = code.attempts_left;
        if attempts_left == 0 {
            state.codes.remove(account_id);
        }
        Ok(CodeCheck::Wrong { attempts_left })
    }

    async fn count_code_request(
        &self,
        contact: &ContactKey,
        window_start: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let mut state = locked(&self.state);
        let count = state.requests.entry((contact.clone(), window_start)).or_default();
        *count += 1;
        Ok(*count)
    }
}
