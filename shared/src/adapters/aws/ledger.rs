//! The double-entry ledger in DynamoDB: one table, one `TransactWriteItems` per transfer.
//!
//! Items (`pk`, `sk`):
//!
//! | pk | sk | attributes |
//! |---|---|---|
//! | `balance#<account>` | `balance` | `account`, `balance` (minor units), `version` (wallet accounts) |
//! | `transfer#<id>` | `transfer` | the transfer as posted: kind, currency, legs, hash, memo, `at` |
//! | `entries#<account>` | `<at, ms, 15 digits>#<transfer id>` | the [`Entry`] |
//!
//! A post reads the balances of the wallet accounts it moves (their version with them), then
//! writes in one transaction: the transfer (only if absent), each account's balance and each
//! account's entry. A wallet account's balance is set to the new value only if its version is
//! still the one read (and, for a debit, only if it covers it), so its entry's `balance_after`
//! is exact. A transaction that lost a race on a version is retried with the balance it lost
//! to, which the cancellation hands back (`ReturnValuesOnConditionCheckFailure`), so a lost
//! race costs one request, not a read and a write.
//!
//! System accounts are not versioned. Every transfer of the deployment credits or debits one
//! (fees, MoMo settlement): versioned writes on them would make all transfers retry against
//! each other, one at a time. Their balances move by an unconditional `ADD` instead, which
//! concurrent transactions apply in any order to the same sum, and their entries carry no
//! `balance_after` (see [`Entry::balance_after`]). DynamoDB still isolates transactions per
//! item, so truly simultaneous transfers on one system account may be cancelled with
//! `TransactionConflict` and are retried the same way; past about a thousand transfers a
//! second a system account reaches a single item's write limit and would have to be split.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    KeysAndAttributes, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use chrono::{DateTime, Utc};

use super::item::*;
use super::{Item, SERVICE, backoff, describe, get_item_by_key};
use crate::ledger::*;
use crate::{StoreError, StoreResult};

/// Attempts of one post against concurrent posts on the same wallet account.
const ATTEMPTS: u32 = 16;

const BALANCE_SK: &str = "balance";
const TRANSFER_SK: &str = "transfer";

/// The ledger table (`LEDGER_TABLE`).
#[derive(Debug, Clone)]
pub struct DynamoLedger {
    client: Client,
    table: String,
}

/// A wallet account's balance as read, with the version a write must still find.
#[derive(Debug, Clone, Copy, Default)]
struct Versioned {
    balance: i64,
    /// 0: no balance item yet.
    version: i64,
}

/// What a cancelled transaction says, from its reasons in item order.
enum Cancelled {
    /// The transfer record exists: posted before.
    TransferExists,
    /// A balance moved since it was read, or another transaction held an item: try again,
    /// from the balances the reasons carry when they all do (else read them again).
    Raced(Option<HashMap<AccountId, Versioned>>),
    Failed(String),
}

fn key(pk: String, sk: &str) -> Item {
    Item::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

fn balance_key(account: &AccountId) -> Item {
    key(format!("balance#{account}"), BALANCE_SK)
}

fn entries_pk(account: &AccountId) -> String {
    format!("entries#{account}")
}

/// Entries sort by time, then transfer id; zero-padded milliseconds order as strings do.
fn entry_sk(at_ms: i64, transfer_id: &str) -> String {
    format!("{:015}#{transfer_id}", at_ms.max(0))
}

fn unavailable(err: impl std::fmt::Display) -> StoreError {
    StoreError::unavailable(SERVICE, err)
}

fn versioned(item: &Item) -> StoreResult<(AccountId, Versioned)> {
    let account = string_attr(item, "account")
        .and_then(|a| AccountId::parse(&a))
        .ok_or_else(|| StoreError::Malformed("a balance item without its account".into()))?;
    let balance = read_number(item, "balance")?.unwrap_or_default();
    Ok((account, Versioned { balance, version: read_number(item, "version")?.unwrap_or_default() }))
}

impl DynamoLedger {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoLedger { client, table: table.into() }
    }

    /// The wallet accounts' balances with their versions, strongly consistent.
    async fn read_versions(&self, accounts: &[&AccountId]) -> StoreResult<HashMap<AccountId, Versioned>> {
        let mut found: HashMap<AccountId, Versioned> =
            accounts.iter().map(|a| ((*a).clone(), Versioned::default())).collect();
        if accounts.is_empty() {
            return Ok(found);
        }
        let mut request = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(accounts.iter().map(|a| balance_key(a)).collect()))
                .consistent_read(true)
                .projection_expression("account, #b, #v")
                .expression_attribute_names("#b", "balance")
                .expression_attribute_names("#v", "version")
                .build()
                .map_err(|e| StoreError::Malformed(e.to_string()))?,
        );
        // A batch may come back partly unprocessed under throttling: ask again for the rest.
        for attempt in 0..ATTEMPTS {
            let Some(keys) = request.take() else { break };
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, keys)
                .send()
                .await
                .map_err(|e| unavailable(describe(&e)))?;
            for item in output.responses.unwrap_or_default().remove(&self.table).unwrap_or_default() {
                let (account, versioned) = versioned(&item)?;
                found.insert(account, versioned);
            }
            request = output.unprocessed_keys.and_then(|mut rest| rest.remove(&self.table));
        }
        match request {
            None => Ok(found),
            Some(_) => Err(unavailable("balances still unprocessed after retries")),
        }
    }

    /// The transaction of one attempt: the transfer, then each account's balance and entry.
    fn transaction(
        &self,
        transfer: &Transfer,
        changes: &[(AccountId, i64)],
        read: &HashMap<AccountId, Versioned>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Malformed(e.to_string());
        let mut record = to_item(transfer)?;
        record.extend(key(format!("transfer#{}", transfer.id), TRANSFER_SK));
        let put_transfer = Put::builder()
            .table_name(&self.table)
            .set_item(Some(record))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build)?;
        let mut items = vec![TransactWriteItem::builder().put(put_transfer).build()];
        for (account, change) in changes {
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(balance_key(account)))
                .expression_attribute_names("#b", "balance")
                .expression_attribute_values(":account", s(account.as_str()));
            let (update, balance_after) = if account.is_system() {
                (
                    update
                        .update_expression("SET account = :account ADD #b :change")
                        .expression_attribute_values(":change", n(*change)),
                    None,
                )
            } else {
                let Versioned { balance, version } = read.get(account).copied().unwrap_or_default();
                let after = balance + change;
                let mut condition = if version == 0 {
                    "attribute_not_exists(pk)".to_owned()
                } else {
                    "#v = :version".to_owned()
                };
                let mut update = update
                    .update_expression("SET account = :account, #b = :after, #v = :next")
                    .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                    .expression_attribute_names("#v", "version")
                    .expression_attribute_values(":after", n(after))
                    .expression_attribute_values(":next", n(version + 1));
                if version != 0 {
                    update = update.expression_attribute_values(":version", n(version));
                }
                // Implied by the version and the check before, and kept so that the table
                // itself never lets a wallet account go below zero.
                if *change < 0 {
                    condition.push_str(" AND #b >= :debit");
                    update = update.expression_attribute_values(":debit", n(-change));
                }
                (update.condition_expression(condition), Some(after))
            };
            items.push(TransactWriteItem::builder().update(update.build().map_err(build)?).build());
            let mut entry = to_item(&transfer.entry(account, *change, balance_after))?;
            entry.extend(Item::from([
                ("pk".to_owned(), s(entries_pk(account))),
                ("sk".to_owned(), s(entry_sk(transfer.at.timestamp_millis(), &transfer.id))),
            ]));
            let put_entry =
                Put::builder().table_name(&self.table).set_item(Some(entry)).build().map_err(build)?;
            items.push(TransactWriteItem::builder().put(put_entry).build());
        }
        Ok(items)
    }

    /// The cancellation reasons, in item order: the transfer record first, then each
    /// account's balance and entry. `read` is what the attempt was built on.
    fn cancelled(
        err: &aws_sdk_dynamodb::error::SdkError<
            TransactWriteItemsError,
            aws_sdk_dynamodb::config::http::HttpResponse,
        >,
        read: &HashMap<AccountId, Versioned>,
    ) -> StoreResult<Cancelled> {
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error()
        else {
            return Ok(Cancelled::Failed(describe(err)));
        };
        let reasons = cancelled.cancellation_reasons();
        let codes: Vec<&str> = reasons.iter().map(|r| r.code().unwrap_or("None")).collect();
        if codes.first() == Some(&"ConditionalCheckFailed") {
            return Ok(Cancelled::TransferExists);
        }
        let transient = [
            "None",
            "ConditionalCheckFailed",
            "TransactionConflict",
            "ThrottlingError",
            "ProvisionedThroughputExceeded",
        ];
        if codes.is_empty() || !codes.iter().all(|code| transient.contains(code)) {
            return Ok(Cancelled::Failed(format!("transaction cancelled: {}", codes.join(", "))));
        }
        // Only a versioned balance's condition can fail past the first item, and it hands the
        // balance back; any other reason (a conflict, throttling) means reading again.
        let mut fresher = read.clone();
        for reason in reasons.iter().skip(1).filter(|r| r.code() != Some("None")) {
            let Some(item) = reason.item().filter(|_| reason.code() == Some("ConditionalCheckFailed")) else {
                return Ok(Cancelled::Raced(None));
            };
            let (account, versioned) = versioned(item)?;
            fresher.insert(account, versioned);
        }
        Ok(Cancelled::Raced(Some(fresher)))
    }

    async fn already_applied(&self, id: &str) -> Result<Posted, LedgerError> {
        let stored = self
            .transfer(id)
            .await?
            .ok_or_else(|| StoreError::Malformed(format!("transfer {id} exists but could not be read")))?;
        Ok(Posted::AlreadyApplied(stored))
    }
}

#[async_trait]
impl Ledger for DynamoLedger {
    async fn post(&self, transfer: &Transfer) -> Result<Posted, LedgerError> {
        transfer.validate()?;
        let changes = transfer.net_changes();
        let wallets: Vec<&AccountId> = changes.iter().map(|(a, _)| a).filter(|a| !a.is_system()).collect();
        let mut known: Option<HashMap<AccountId, Versioned>> = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let read = match known.take() {
                Some(read) => read,
                None => self.read_versions(&wallets).await?,
            };
            let short = changes.iter().find(|(account, change)| {
                !account.is_system() && read.get(account).copied().unwrap_or_default().balance + change < 0
            });
            if let Some((account, _)) = short {
                // A retry of a transfer applied before (the money since spent) is no refusal.
                return match self.transfer(&transfer.id).await? {
                    Some(stored) => Ok(Posted::AlreadyApplied(stored)),
                    None => Err(LedgerError::InsufficientFunds { account: account.clone() }),
                };
            }
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(self.transaction(transfer, &changes, &read)?))
                // A fresh token per attempt: should a response be lost, the SDK's retry of the
                // same request succeeds as the first did instead of meeting its own transfer.
                .client_request_token(uuid::Uuid::new_v4().to_string())
                .send()
                .await;
            match result {
                Ok(_) => return Ok(Posted::Applied),
                Err(err) => match Self::cancelled(&err, &read)? {
                    Cancelled::TransferExists => return self.already_applied(&transfer.id).await,
                    Cancelled::Raced(fresher) => known = fresher,
                    Cancelled::Failed(detail) => return Err(unavailable(detail).into()),
                },
            }
        }
        Err(unavailable(format!("transfer {} still contended after {ATTEMPTS} attempts", transfer.id)).into())
    }

    async fn balance(&self, account: &AccountId) -> StoreResult<i64> {
        let item = get_item_by_key(&self.client, &self.table, balance_key(account), None).await?;
        Ok(item.map(|item| read_number(&item, "balance")).transpose()?.flatten().unwrap_or_default())
    }

    async fn transfer(&self, id: &str) -> StoreResult<Option<Transfer>> {
        let key = key(format!("transfer#{id}"), TRANSFER_SK);
        get_item_by_key(&self.client, &self.table, key, None).await?.map(from_item).transpose()
    }

    async fn entries(
        &self,
        account: &AccountId,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> StoreResult<Vec<Entry>> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut start: Option<Item> = None;
        while entries.len() < limit {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .expression_attribute_values(":pk", s(entries_pk(account)))
                .scan_index_forward(false)
                .limit((limit - entries.len()).min(1000) as i32)
                .set_exclusive_start_key(start.take());
            query = match since {
                // At or after `since`: from its first whole millisecond (entries keep milliseconds).
                Some(since) => {
                    let ms =
                        since.timestamp_millis() + i64::from(since.timestamp_subsec_nanos() % 1_000_000 != 0);
                    query
                        .key_condition_expression("pk = :pk AND sk >= :since")
                        .expression_attribute_values(":since", s(entry_sk(ms, "")))
                }
                None => query.key_condition_expression("pk = :pk"),
            };
            let output = query.send().await.map_err(|e| unavailable(describe(&e)))?;
            for item in output.items.unwrap_or_default() {
                entries.push(from_item(item)?);
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        entries.truncate(limit);
        Ok(entries)
    }

    async fn balances(&self) -> StoreResult<Vec<(AccountId, i64)>> {
        // A scan of the whole table (entries too): for invariant checks and an operator's
        // occasional look, never on a request path.
        let mut all = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("sk = :sk")
                .projection_expression("account, #b")
                .expression_attribute_names("#b", "balance")
                .expression_attribute_values(":sk", s(BALANCE_SK))
                .set_exclusive_start_key(start.take())
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| unavailable(describe(&e)))?;
            for item in output.items.unwrap_or_default() {
                let (account, versioned) = versioned(&item)?;
                all.push((account, versioned.balance));
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        all.sort();
        Ok(all)
    }
}
