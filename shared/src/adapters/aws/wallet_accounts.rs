//! The wallet operator's accounts in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use super::item::*;
use super::{SERVICE, applied, describe, get_item, transact};
use crate::domain::{Phone, WalletAccount};
use crate::ports::WalletDirectory;
use crate::{StoreError, StoreResult};

/// Wallet accounts table (key `id`; index `by_phone` on `registered_phone`), plus one counter
/// item, `id` = [`COUNTER_ID`], holding `account_count`.
///
/// The count is a counter rather than a `Select=COUNT` scan because the console reads it on
/// every view while accounts are only ever added by the import: the scan would read the whole
/// table each time (1 MB per page), the counter costs one extra write per new account.
#[derive(Debug, Clone)]
pub struct DynamoWalletDirectory {
    client: Client,
    table: String,
}

pub const WALLET_BY_PHONE_INDEX: &str = "by_phone";
/// Not an account id: ids starting with `#` are refused (by the wallet file and the stores).
pub const COUNTER_ID: &str = "#accounts";
/// Rounds of a new account's write that lost to another writer of the same account.
const ATTEMPTS: usize = 5;

impl DynamoWalletDirectory {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoWalletDirectory { client, table: table.into() }
    }

    /// Replaces an account that exists; `false` when it does not.
    async fn replace(&self, account: &WalletAccount) -> StoreResult<bool> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(account)?))
            .condition_expression("attribute_exists(id)")
            .send()
            .await;
        applied(result)
    }
}

#[async_trait]
impl WalletDirectory for DynamoWalletDirectory {
    async fn account(&self, id: &str) -> StoreResult<Option<WalletAccount>> {
        if id.starts_with('#') {
            return Ok(None);
        }
        get_item(&self.client, &self.table, "id", id, None).await?.map(from_item).transpose()
    }

    async fn account_by_phone(&self, phone: &Phone) -> StoreResult<Option<WalletAccount>> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(WALLET_BY_PHONE_INDEX)
            .key_condition_expression("registered_phone = :phone")
            .expression_attribute_values(":phone", s(phone.as_e164()))
            .limit(2)
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        let mut accounts = output.items.unwrap_or_default();
        // Codes go to the registered phone: with two accounts on one phone there is no telling
        // whose code it would be. The import refuses such a file; this refuses a table that
        // got one anyway.
        if accounts.len() > 1 {
            return Err(StoreError::Malformed("two wallet accounts share a registered phone".into()));
        }
        accounts.pop().map(from_item).transpose()
    }

    async fn put_account(&self, account: &WalletAccount) -> StoreResult<()> {
        if account.id.starts_with('#') {
            return Err(StoreError::Malformed("an account id never starts with #".into()));
        }
        for _ in 0..ATTEMPTS {
            // A new account and its count in one transaction; an existing one is replaced
            // without counting. Replacing only if it exists keeps every account counted.
            let insert = Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(account)?))
                .condition_expression("attribute_not_exists(id)")
                .build()
                .map_err(|e| StoreError::Malformed(e.to_string()))?;
            let count = Update::builder()
                .table_name(&self.table)
                .key("id", s(COUNTER_ID))
                .update_expression("ADD account_count :one")
                .expression_attribute_values(":one", n(1))
                .build()
                .map_err(|e| StoreError::Malformed(e.to_string()))?;
            let items = vec![
                TransactWriteItem::builder().put(insert).build(),
                TransactWriteItem::builder().update(count).build(),
            ];
            match transact(&self.client, items).await? {
                Ok(()) => return Ok(()),
                Err(cancelled) if cancelled.condition_failed(0) => {
                    if self.replace(account).await? {
                        return Ok(());
                    }
                }
                // Another transaction held the counter or the account: try again.
                Err(_) => {}
            }
        }
        Err(StoreError::unavailable(SERVICE, "the account's write kept losing to concurrent writes"))
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        let item = get_item(&self.client, &self.table, "id", COUNTER_ID, Some("account_count")).await?;
        Ok(item.map(|item| read_number(&item, "account_count")).transpose()?.flatten().unwrap_or(0).max(0)
            as u64)
    }
}
