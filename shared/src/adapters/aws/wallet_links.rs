//! WhatsApp links to wallet accounts, pending one-time codes and code-request counters in
//! DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{Delete, Put, ReturnValue, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};
use subtle::ConstantTimeEq;

use super::item::*;
use super::{Item, SERVICE, describe, get_item, is_condition_failure, transact};
use crate::domain::ContactKey;
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// Wallet links table (key `pk`), four kinds of item:
/// - `link#<business number id>#<user key>`: the conversation's binding (`account_id`,
///   `linked_ms`, `active_ms`, `business_number_id`, `user_key`);
/// - `account#<business number id>#<account id>`: the account's side of the same binding
///   (`user_key`). Written in one transaction with the link, it makes "one conversation per
///   account and number" a condition DynamoDB enforces (an index cannot), and it is how
///   [`WalletLinkStore::link_of_account`] finds the conversation with strongly consistent
///   reads: a money-received notice never goes to a conversation that was unlinked a moment
///   ago, as a lagging index could send it;
/// - `code#<account id>`: the live one-time code (`code_hash`, `expires_ms`, `attempts_left`,
///   `created_ms`, `purpose`, the conversation), one per account;
/// - `requests#<business number id>#<user key>#<window start ms>`: `requests`, a counter;
/// - `count#<business number id>`: `linked`, how many conversations of the number are
///   linked. Every bind and unbind moves it in the same transaction as the links, by what
///   the transaction's conditions prove about them (a new link +1, a conversation the
///   account leaves −1), so it never drifts from the links and the console reads it with one
///   `GetItem` instead of scanning the links.
///
/// Codes and counters carry `expires_at` (TTL, Unix seconds) so that DynamoDB clears them
/// eventually; expiry itself is always compared in code, on `expires_ms`.
#[derive(Debug, Clone)]
pub struct DynamoWalletLinkStore {
    client: Client,
    table: String,
}

/// How long spent codes and old counters stay before DynamoDB's TTL may clear them.
const KEEP_FOR: Duration = Duration::days(2);
/// Rounds of a read and a conditional write. A round is lost only when another writer changed
/// the same item in between (a concurrent try spent an attempt, a new code replaced the old),
/// so few rounds are ever needed; the bound keeps a pathological race from spinning.
const ROUNDS: usize = 16;

fn link_key(contact: &ContactKey) -> String {
    format!("link#{}#{}", contact.business_number_id, contact.user_key)
}

fn account_key(business_number_id: &str, account_id: &str) -> String {
    format!("account#{business_number_id}#{account_id}")
}

fn count_key(business_number_id: &str) -> String {
    format!("count#{business_number_id}")
}

fn code_key(account_id: &str) -> String {
    format!("code#{account_id}")
}

fn ttl(at: DateTime<Utc>) -> aws_sdk_dynamodb::types::AttributeValue {
    n((at + KEEP_FOR).timestamp())
}

fn built<T>(built: Result<T, aws_sdk_dynamodb::error::BuildError>) -> StoreResult<T> {
    built.map_err(|e| StoreError::Malformed(e.to_string()))
}

fn link_from_item(item: &Item) -> StoreResult<WalletLink> {
    Ok(WalletLink {
        contact: ContactKey {
            business_number_id: required_string(item, "business_number_id")?,
            user_key: required_string(item, "user_key")?,
        },
        account_id: required_string(item, "account_id")?,
        linked_at: time_ms(item, "linked_ms")?,
        last_active: time_ms(item, "active_ms")?,
    })
}

fn code_item(code: &PendingCode) -> StoreResult<Item> {
    Ok(Item::from([
        ("pk".to_owned(), s(code_key(&code.account_id))),
        ("account_id".to_owned(), s(&code.account_id)),
        ("business_number_id".to_owned(), s(&code.contact.business_number_id)),
        ("user_key".to_owned(), s(&code.contact.user_key)),
        ("purpose".to_owned(), to_value(&code.purpose)?),
        ("code_hash".to_owned(), s(&code.code_hash)),
        ("expires_ms".to_owned(), ms(code.expires_at)),
        ("attempts_left".to_owned(), n(i64::from(code.attempts_left))),
        ("created_ms".to_owned(), ms(code.created_at)),
        ("expires_at".to_owned(), ttl(code.expires_at)),
    ]))
}

fn code_from_item(item: &Item) -> StoreResult<PendingCode> {
    Ok(PendingCode {
        account_id: required_string(item, "account_id")?,
        contact: ContactKey {
            business_number_id: required_string(item, "business_number_id")?,
            user_key: required_string(item, "user_key")?,
        },
        purpose: value_attr(item, "purpose")?,
        code_hash: required_string(item, "code_hash")?,
        expires_at: time_ms(item, "expires_ms")?,
        attempts_left: read_number(item, "attempts_left")?.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32,
        created_at: time_ms(item, "created_ms")?,
    })
}

impl DynamoWalletLinkStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoWalletLinkStore { client, table: table.into() }
    }

    async fn get(&self, pk: String) -> StoreResult<Option<Item>> {
        get_item(&self.client, &self.table, "pk", pk, None).await
    }

    /// A delete or update that may lose to a concurrent writer: the old or new item when it
    /// went through, `None` when its condition failed.
    async fn conditional_delete(
        &self,
        pk: String,
        condition: &str,
        values: Vec<(&str, aws_sdk_dynamodb::types::AttributeValue)>,
    ) -> StoreResult<Option<Item>> {
        let mut request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .condition_expression(condition)
            .return_values(ReturnValue::AllOld);
        for (name, value) in values {
            request = request.expression_attribute_values(name, value);
        }
        match request.send().await {
            Ok(output) => Ok(Some(output.attributes.unwrap_or_default())),
            Err(err) if is_condition_failure(&err) => Ok(None),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    /// Deletes a binding's item only if it still says what was read.
    fn delete_if(&self, pk: String, attribute: &str, expected: &str) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .key("pk", s(pk))
            .condition_expression("#a = :expected")
            .expression_attribute_names("#a", attribute)
            .expression_attribute_values(":expected", s(expected));
        Ok(TransactWriteItem::builder().delete(built(delete.build())?).build())
    }

    /// Moves the number's count of linked conversations by `delta`.
    fn count_linked_by(&self, business_number_id: &str, delta: i64) -> StoreResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(count_key(business_number_id)))
            .update_expression("ADD linked :delta")
            .expression_attribute_values(":delta", n(delta));
        Ok(TransactWriteItem::builder().update(built(update.build())?).build())
    }

    /// Writes a binding's item only if it still says what was read (`None`: only if absent).
    fn put_if(&self, item: Item, attribute: &str, expected: Option<&str>) -> StoreResult<TransactWriteItem> {
        let put = Put::builder().table_name(&self.table).set_item(Some(item));
        let put = match expected {
            Some(value) => put
                .condition_expression("#a = :expected")
                .expression_attribute_names("#a", attribute)
                .expression_attribute_values(":expected", s(value)),
            None => put.condition_expression("attribute_not_exists(pk)"),
        };
        Ok(TransactWriteItem::builder().put(built(put.build())?).build())
    }
}

#[async_trait]
impl WalletLinkStore for DynamoWalletLinkStore {
    async fn count_linked(&self, business_number_id: &str) -> StoreResult<u64> {
        let item =
            get_item(&self.client, &self.table, "pk", count_key(business_number_id), Some("linked")).await?;
        Ok(item.map(|item| read_number(&item, "linked")).transpose()?.flatten().unwrap_or(0).max(0) as u64)
    }

    async fn link(&self, contact: &ContactKey) -> StoreResult<Option<WalletLink>> {
        self.get(link_key(contact)).await?.as_ref().map(link_from_item).transpose()
    }

    async fn link_of_account(
        &self,
        business_number_id: &str,
        account_id: &str,
    ) -> StoreResult<Option<WalletLink>> {
        let Some(binding) = self.get(account_key(business_number_id, account_id)).await? else {
            return Ok(None);
        };
        let contact = ContactKey {
            business_number_id: business_number_id.to_owned(),
            user_key: required_string(&binding, "user_key")?,
        };
        // Both sides are written together; the check only guards against a hand-edited table.
        Ok(self.link(&contact).await?.filter(|link| link.account_id == account_id))
    }

    async fn bind(&self, contact: &ContactKey, account_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let business = &contact.business_number_id;
        for _ in 0..ROUNDS {
            // What each side is bound to now; the transaction holds only if neither changed.
            let old_account =
                self.get(link_key(contact)).await?.and_then(|item| string_attr(&item, "account_id"));
            let old_user = self
                .get(account_key(business, account_id))
                .await?
                .and_then(|item| string_attr(&item, "user_key"));
            let link = Item::from([
                ("pk".to_owned(), s(link_key(contact))),
                ("business_number_id".to_owned(), s(business)),
                ("user_key".to_owned(), s(&contact.user_key)),
                ("account_id".to_owned(), s(account_id)),
                ("linked_ms".to_owned(), ms(at)),
                ("active_ms".to_owned(), ms(at)),
            ]);
            let binding = Item::from([
                ("pk".to_owned(), s(account_key(business, account_id))),
                ("user_key".to_owned(), s(&contact.user_key)),
            ]);
            let mut items = vec![
                self.put_if(link, "account_id", old_account.as_deref())?,
                self.put_if(binding, "user_key", old_user.as_deref())?,
            ];
            // The account this conversation leaves, and the conversation this account leaves.
            if let Some(old_account) = old_account.as_deref().filter(|old| *old != account_id) {
                items.push(self.delete_if(
                    account_key(business, old_account),
                    "user_key",
                    &contact.user_key,
                )?);
            }
            let mut linked_delta = i64::from(old_account.is_none());
            if let Some(old_user) = old_user.as_deref().filter(|old| *old != contact.user_key) {
                let old_contact =
                    ContactKey { business_number_id: business.clone(), user_key: old_user.to_owned() };
                items.push(self.delete_if(link_key(&old_contact), "account_id", account_id)?);
                linked_delta -= 1;
            }
            if linked_delta != 0 {
                items.push(self.count_linked_by(business, linked_delta)?);
            }
            if transact(&self.client, items).await?.is_ok() {
                return Ok(());
            }
        }
        Err(StoreError::unavailable(SERVICE, "the binding kept losing to concurrent bindings"))
    }

    async fn unbind(&self, contact: &ContactKey) -> StoreResult<()> {
        for _ in 0..ROUNDS {
            let Some(account_id) =
                self.get(link_key(contact)).await?.and_then(|item| string_attr(&item, "account_id"))
            else {
                return Ok(());
            };
            let items = vec![
                self.delete_if(link_key(contact), "account_id", &account_id)?,
                self.delete_if(
                    account_key(&contact.business_number_id, &account_id),
                    "user_key",
                    &contact.user_key,
                )?,
                self.count_linked_by(&contact.business_number_id, -1)?,
            ];
            if transact(&self.client, items).await?.is_ok() {
                return Ok(());
            }
        }
        Err(StoreError::unavailable(SERVICE, "the unbinding kept losing to concurrent bindings"))
    }

    async fn touch(&self, contact: &ContactKey, at: DateTime<Utc>) -> StoreResult<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(link_key(contact)))
            .update_expression("SET active_ms = :at")
            // Only a linked conversation, and never backwards (a late or retried message).
            .condition_expression("attribute_exists(pk) AND active_ms < :at")
            .expression_attribute_values(":at", ms(at))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn put_code(&self, code: &PendingCode) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(code_item(code)?))
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }

    async fn check_code(
        &self,
        account_id: &str,
        contact: &ContactKey,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<CodeCheck> {
        for _ in 0..ROUNDS {
            let Some(item) = self.get(code_key(account_id)).await? else { return Ok(CodeCheck::NoCode) };
            let code = code_from_item(&item)?;
            if code.contact != *contact || code.attempts_left == 0 {
                return Ok(CodeCheck::NoCode);
            }
            if code.expires_at <= now {
                return Ok(CodeCheck::Expired);
            }
            // Every write below is conditioned on the code read (its creation and hash), an
            // attempt left and the expiry still ahead: a concurrent try, a replacement or the
            // clock passing the expiry in between sends this round back to the read.
            let guard = "created_ms = :created AND code_hash = :stored AND attempts_left > :zero AND expires_ms > :now";
            let values = || {
                vec![
                    (":created", ms(code.created_at)),
                    (":stored", s(&code.code_hash)),
                    (":zero", n(0)),
                    (":now", ms(now)),
                ]
            };
            if bool::from(code.code_hash.as_bytes().ct_eq(code_hash.as_bytes())) {
                if let Some(spent) = self.conditional_delete(code_key(account_id), guard, values()).await? {
                    return Ok(CodeCheck::Accepted(code_from_item(&spent)?));
                }
                continue;
            }
            let mut request = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(code_key(account_id)))
                .update_expression("SET attempts_left = attempts_left - :one")
                .condition_expression(guard)
                .expression_attribute_values(":one", n(1))
                .return_values(ReturnValue::AllNew);
            for (name, value) in values() {
                request = request.expression_attribute_values(name, value);
            }
            let left = match request.send().await {
                Ok(output) => {
                    read_number(&output.attributes.unwrap_or_default(), "attempts_left")?.unwrap_or(0)
                }
                Err(err) if is_condition_failure(&err) => continue,
                Err(err) => return Err(StoreError::unavailable(SERVICE, describe(&err))),
            };
            if left <= 0 {
                // Out of attempts: the code is spent (an item at zero already reads as no code,
                // so a lost race here changes nothing).
                self.conditional_delete(
                    code_key(account_id),
                    "created_ms = :created AND attempts_left <= :zero",
                    vec![(":created", ms(code.created_at)), (":zero", n(0))],
                )
                .await?;
            }
            return Ok(CodeCheck::Wrong { attempts_left: left.max(0) as u32 });
        }
        Err(StoreError::unavailable(SERVICE, "the code check kept losing to concurrent tries"))
    }

    async fn count_code_request(
        &self,
        contact: &ContactKey,
        window_start: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let pk = format!(
            "requests#{}#{}#{}",
            contact.business_number_id,
            contact.user_key,
            window_start.timestamp_millis()
        );
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .update_expression("ADD requests :one SET expires_at = if_not_exists(expires_at, :ttl)")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", ttl(window_start))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        let count = read_number(&output.attributes.unwrap_or_default(), "requests")?.unwrap_or(0);
        Ok(count.clamp(0, i64::from(u32::MAX)) as u32)
    }
}
