//! The wallet operator's accounts in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::locked;
use crate::domain::{Phone, WalletAccount};
use crate::ports::WalletDirectory;
use crate::{StoreError, StoreResult};

#[derive(Debug, Default)]
pub struct MemoryWalletDirectory {
    accounts: Mutex<HashMap<String, WalletAccount>>,
}

#[async_trait]
impl WalletDirectory for MemoryWalletDirectory {
    async fn account(&self, id: &str) -> StoreResult<Option<WalletAccount>> {
        Ok(locked(&self.accounts).get(id).cloned())
    }
    async fn account_by_phone(&self, phone: &Phone) -> StoreResult<Option<WalletAccount>> {
        let accounts = locked(&self.accounts);
        let mut found = accounts.values().filter(|a| &a.registered_phone == phone);
        match (found.next(), found.next()) {
            (Some(_), Some(_)) => {
                Err(StoreError::Malformed("two wallet accounts share a registered phone".into()))
            }
            (account, _) => Ok(account.cloned()),
        }
    }
    async fn put_account(&self, account: &WalletAccount) -> StoreResult<()> {
        // As in DynamoDB, where `#` marks the table's own items.
        if account.id.starts_with('#') {
            return Err(StoreError::Malformed("an account id never starts with #".into()));
        }
        locked(&self.accounts).insert(account.id.clone(), account.clone());
        Ok(())
    }
    async fn count_accounts(&self) -> StoreResult<u64> {
        Ok(locked(&self.accounts).len() as u64)
    }
}
