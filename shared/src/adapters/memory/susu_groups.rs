//! Susu groups in memory.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::locked;
use crate::StoreResult;
use crate::domain::{SusuGroup, SusuJoin};
use crate::ports::SusuGroupStore;

#[derive(Debug, Default)]
pub struct MemorySusuGroupStore {
    groups: Mutex<BTreeMap<String, SusuGroup>>,
}

/// The operator's definition, keeping members who joined since (see the port).
pub(crate) fn merged(defined: &SusuGroup, stored: Option<&SusuGroup>) -> SusuGroup {
    let mut group = defined.clone();
    for member in stored.map(|g| g.members.as_slice()).unwrap_or_default() {
        if !group.is_member(member) {
            group.members.push(member.clone());
        }
    }
    group
}

#[async_trait]
impl SusuGroupStore for MemorySusuGroupStore {
    async fn put_group(&self, group: &SusuGroup) -> StoreResult<()> {
        let mut groups = locked(&self.groups);
        let group = merged(group, groups.get(&group.code));
        groups.insert(group.code.clone(), group);
        Ok(())
    }

    async fn group(&self, code: &str) -> StoreResult<Option<SusuGroup>> {
        Ok(locked(&self.groups).get(code).cloned())
    }

    async fn join(&self, code: &str, account_id: &str) -> StoreResult<SusuJoin> {
        let mut groups = locked(&self.groups);
        let Some(group) = groups.get_mut(code) else { return Ok(SusuJoin::NoSuchGroup) };
        if group.is_member(account_id) {
            return Ok(SusuJoin::AlreadyMember(group.clone()));
        }
        if group.is_full() {
            return Ok(SusuJoin::Full(group.clone()));
        }
        group.members.push(account_id.to_owned());
        Ok(SusuJoin::Joined(group.clone()))
    }

    async fn groups_of(&self, account_id: &str) -> StoreResult<Vec<SusuGroup>> {
        Ok(locked(&self.groups).values().filter(|g| g.is_member(account_id)).cloned().collect())
    }

    async fn all_groups(&self) -> StoreResult<Vec<SusuGroup>> {
        Ok(locked(&self.groups).values().cloned().collect())
    }
}
