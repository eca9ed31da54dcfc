//! Susu groups in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

use super::item::*;
use super::{SERVICE, backoff, describe, get_item, transact};
use crate::domain::{SusuGroup, SusuJoin};
use crate::ports::SusuGroupStore;
use crate::{StoreError, StoreResult};

/// Susu groups table (key `pk`):
/// - `group#<code>`: `body` (the group as JSON), `version` (bumped by every write, the
///   condition of the next);
/// - `member#<account id>`: `groups`, a string set of the codes the account is a member of,
///   written in the same transaction as the group.
#[derive(Debug, Clone)]
pub struct DynamoSusuGroupStore {
    client: Client,
    table: String,
}

/// Rounds of a write that lost a race with another join or import of the same group.
const ROUNDS: u32 = 8;

fn group_key(code: &str) -> String {
    format!("group#{code}")
}

fn member_key(account_id: &str) -> String {
    format!("member#{account_id}")
}

fn group_from(item: &std::collections::HashMap<String, AttributeValue>) -> StoreResult<(SusuGroup, i64)> {
    let body = required_string(item, "body")?;
    let group = serde_json::from_str(&body).map_err(|e| StoreError::Malformed(format!("susu group: {e}")))?;
    Ok((group, number_attr(item, "version").unwrap_or(0)))
}

impl DynamoSusuGroupStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoSusuGroupStore { client, table: table.into() }
    }

    async fn read(&self, code: &str) -> StoreResult<Option<(SusuGroup, i64)>> {
        get_item(&self.client, &self.table, "pk", group_key(code), None)
            .await?
            .as_ref()
            .map(group_from)
            .transpose()
    }

    /// Writes `group` over the version read (none: it must not exist yet) and adds its code
    /// to each new member's set. `false` when another write came first.
    async fn write(&self, group: &SusuGroup, read: Option<i64>, new_members: &[String]) -> StoreResult<bool> {
        let body = serde_json::to_string(group).map_err(|e| StoreError::Malformed(e.to_string()))?;
        let version = read.unwrap_or(0) + 1;
        let mut put = Put::builder()
            .table_name(&self.table)
            .item("pk", s(group_key(&group.code)))
            .item("body", s(body))
            .item("version", n(version));
        put = match read {
            Some(v) => put.condition_expression("version = :v").expression_attribute_values(":v", n(v)),
            None => put.condition_expression("attribute_not_exists(pk)"),
        };
        let put = put.build().map_err(|e| StoreError::Malformed(e.to_string()))?;
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        for member in new_members {
            let update = Update::builder()
                .table_name(&self.table)
                .key("pk", s(member_key(member)))
                .update_expression("ADD #groups :code")
                .expression_attribute_names("#groups", "groups")
                .expression_attribute_values(":code", AttributeValue::Ss(vec![group.code.clone()]))
                .build()
                .map_err(|e| StoreError::Malformed(e.to_string()))?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        Ok(transact(&self.client, items).await?.is_ok())
    }
}

#[async_trait]
impl SusuGroupStore for DynamoSusuGroupStore {
    async fn put_group(&self, group: &SusuGroup) -> StoreResult<()> {
        for attempt in 0..ROUNDS {
            let read = self.read(&group.code).await?;
            let stored = read.as_ref().map(|(g, _)| g);
            let merged = crate::adapters::memory::susu_merged(group, stored);
            let new_members: Vec<String> =
                merged.members.iter().filter(|m| !stored.is_some_and(|g| g.is_member(m))).cloned().collect();
            if self.write(&merged, read.map(|(_, v)| v), &new_members).await? {
                return Ok(());
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
        Err(StoreError::unavailable(SERVICE, "susu group write kept losing races".to_owned()))
    }

    async fn group(&self, code: &str) -> StoreResult<Option<SusuGroup>> {
        Ok(self.read(code).await?.map(|(g, _)| g))
    }

    async fn join(&self, code: &str, account_id: &str) -> StoreResult<SusuJoin> {
        for attempt in 0..ROUNDS {
            let Some((mut group, version)) = self.read(code).await? else { return Ok(SusuJoin::NoSuchGroup) };
            if group.is_member(account_id) {
                return Ok(SusuJoin::AlreadyMember(group));
            }
            if group.is_full() {
                return Ok(SusuJoin::Full(group));
            }
            group.members.push(account_id.to_owned());
            if self.write(&group, Some(version), &[account_id.to_owned()]).await? {
                return Ok(SusuJoin::Joined(group));
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
        Err(StoreError::unavailable(SERVICE, "susu join kept losing races".to_owned()))
    }

    async fn groups_of(&self, account_id: &str) -> StoreResult<Vec<SusuGroup>> {
        let Some(item) = get_item(&self.client, &self.table, "pk", member_key(account_id), None).await?
        else {
            return Ok(Vec::new());
        };
        let codes = match item.get("groups") {
            Some(AttributeValue::Ss(codes)) => codes.clone(),
            _ => Vec::new(),
        };
        let mut groups = Vec::new();
        for code in codes {
            if let Some(group) = self.group(&code).await? {
                groups.push(group);
            }
        }
        groups.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(groups)
    }

    async fn all_groups(&self) -> StoreResult<Vec<SusuGroup>> {
        let mut groups = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(pk, :group)")
                .expression_attribute_values(":group", s("group#"))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
            for item in output.items.unwrap_or_default() {
                groups.push(group_from(&item)?.0);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        groups.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(groups)
    }
}
