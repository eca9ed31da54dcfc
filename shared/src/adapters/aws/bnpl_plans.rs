//! Buy-now-pay-later plans in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

use super::item::*;
use super::{Item, SERVICE, applied, describe, get_item, is_condition_failure};
use crate::bnpl_plans::{BnplPlan, BnplPlanStore};
use crate::{StoreError, StoreResult};

/// BNPL plans table (key `id`). The plan is one JSON attribute `plan` (it is always read and
/// written whole, under its `version`); beside it the attributes its indexes need:
/// `by_account` on `account_id` + `created_ms`, and the sparse `due_plans` on `due` +
/// `check_ms`, set while the plan has a next check and removed with it.
#[derive(Debug, Clone)]
pub struct DynamoBnplPlanStore {
    client: Client,
    table: String,
}

pub const BNPL_BY_ACCOUNT_INDEX: &str = "by_account";
pub const DUE_PLANS_INDEX: &str = "due_plans";
const DUE: &str = "due";

fn plan_item(plan: &BnplPlan) -> StoreResult<Item> {
    let json = serde_json::to_string(plan).map_err(|e| StoreError::Malformed(e.to_string()))?;
    let mut item = Item::from([
        ("id".to_owned(), s(&plan.id)),
        ("account_id".to_owned(), s(&plan.account_id)),
        ("created_ms".to_owned(), ms(plan.created_at)),
        ("version".to_owned(), n(plan.version as i64)),
        ("plan".to_owned(), s(json)),
    ]);
    if let Some(check_at) = plan.next_check_at {
        item.insert("due".into(), s(DUE));
        item.insert("check_ms".into(), ms(check_at));
    }
    Ok(item)
}

fn plan_from_item(item: &Item) -> StoreResult<BnplPlan> {
    let json = required_string(item, "plan")?;
    serde_json::from_str(&json).map_err(|e| StoreError::Malformed(format!("plan: {e}")))
}

impl DynamoBnplPlanStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoBnplPlanStore { client, table: table.into() }
    }

    async fn query(
        &self,
        index: &str,
        condition: &str,
        values: Vec<(&str, aws_sdk_dynamodb::types::AttributeValue)>,
        names: Vec<(&str, &str)>,
        limit: Option<usize>,
    ) -> StoreResult<Vec<BnplPlan>> {
        let mut plans = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression(condition)
                .set_exclusive_start_key(start.take());
            for (name, value) in &values {
                request = request.expression_attribute_values(*name, value.clone());
            }
            for (placeholder, name) in &names {
                request = request.expression_attribute_names(*placeholder, *name);
            }
            if let Some(limit) = limit {
                request = request.limit((limit - plans.len()).clamp(1, 1000) as i32);
            }
            let output = request.send().await.map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
            for item in output.items.unwrap_or_default() {
                plans.push(plan_from_item(&item)?);
            }
            match output.last_evaluated_key {
                Some(key) if limit.is_none_or(|l| plans.len() < l) => start = Some(key),
                _ => return Ok(plans),
            }
        }
    }
}

#[async_trait]
impl BnplPlanStore for DynamoBnplPlanStore {
    async fn insert_if_absent(&self, plan: &BnplPlan) -> StoreResult<(BnplPlan, bool)> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(plan_item(plan)?))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await;
        match result {
            Ok(_) => Ok((plan.clone(), true)),
            Err(err) if is_condition_failure(&err) => {
                let existing = self.get(&plan.id).await?.ok_or_else(|| {
                    StoreError::Malformed(format!("plan {} exists but could not be read", plan.id))
                })?;
                Ok((existing, false))
            }
            Err(err) => Err(StoreError::unavailable(SERVICE, describe(&err))),
        }
    }

    async fn get(&self, id: &str) -> StoreResult<Option<BnplPlan>> {
        let item = get_item(&self.client, &self.table, "id", id, None).await?;
        item.as_ref().map(plan_from_item).transpose()
    }

    async fn save(&self, plan: &BnplPlan) -> StoreResult<bool> {
        let Some(previous) = plan.version.checked_sub(1) else { return Ok(false) };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(plan_item(plan)?))
            .condition_expression("version = :previous")
            .expression_attribute_values(":previous", n(previous as i64))
            .send()
            .await;
        applied(result)
    }

    async fn plans_of(&self, account_id: &str) -> StoreResult<Vec<BnplPlan>> {
        let mut plans = self
            .query(
                BNPL_BY_ACCOUNT_INDEX,
                "account_id = :account",
                vec![(":account", s(account_id))],
                vec![],
                None,
            )
            .await?;
        plans.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(plans)
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<BnplPlan>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // The index may lag a write by a moment: the versioned save settles any doubt, so a
        // stale entry costs a lost save, never a second collection.
        self.query(
            DUE_PLANS_INDEX,
            "#due = :due AND check_ms <= :now",
            vec![(":due", s(DUE)), (":now", ms(now))],
            vec![("#due", "due")],
            Some(limit),
        )
        .await
    }
}
