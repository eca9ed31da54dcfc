//! Buy-now-pay-later plans in memory.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::locked;
use crate::StoreResult;
use crate::bnpl_plans::{BnplPlan, BnplPlanStore};

#[derive(Debug, Default)]
pub struct MemoryBnplPlanStore {
    plans: Mutex<BTreeMap<String, BnplPlan>>,
}

#[async_trait]
impl BnplPlanStore for MemoryBnplPlanStore {
    async fn insert_if_absent(&self, plan: &BnplPlan) -> StoreResult<(BnplPlan, bool)> {
        let mut plans = locked(&self.plans);
        if let Some(existing) = plans.get(&plan.id) {
            return Ok((existing.clone(), false));
        }
        plans.insert(plan.id.clone(), plan.clone());
        Ok((plan.clone(), true))
    }

    async fn get(&self, id: &str) -> StoreResult<Option<BnplPlan>> {
        Ok(locked(&self.plans).get(id).cloned())
    }

    async fn save(&self, plan: &BnplPlan) -> StoreResult<bool> {
        let mut plans = locked(&self.plans);
        match plans.get_mut(&plan.id) {
            Some(stored) if stored.version + 1 == plan.version => {
                *stored = plan.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn plans_of(&self, account_id: &str) -> StoreResult<Vec<BnplPlan>> {
        let mut plans: Vec<BnplPlan> =
            locked(&self.plans).values().filter(|p| p.account_id == account_id).cloned().collect();
        plans.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(plans)
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<BnplPlan>> {
        let mut due: Vec<BnplPlan> = locked(&self.plans)
            .values()
            .filter(|p| p.next_check_at.is_some_and(|at| at <= now))
            .cloned()
            .collect();
        due.sort_by(|a, b| (a.next_check_at, &a.id).cmp(&(b.next_check_at, &b.id)));
        due.truncate(limit);
        Ok(due)
    }
}
