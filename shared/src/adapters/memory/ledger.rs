//! The double-entry ledger in memory: one lock over balances, transfers and entries, so a post
//! is atomic as DynamoDB's transaction is.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::locked;
use crate::StoreResult;
use crate::ledger::*;

#[derive(Debug, Default)]
pub struct MemoryLedger {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    balances: HashMap<AccountId, i64>,
    transfers: HashMap<String, Transfer>,
    /// Per account, in the order posted; read sorted as the table's sort key orders them.
    entries: HashMap<AccountId, Vec<Entry>>,
}

/// The transfer as DynamoDB keeps it: its time in whole milliseconds (its serde form), which
/// also orders the entries.
fn stored(transfer: &Transfer) -> Transfer {
    let at = DateTime::from_timestamp_millis(transfer.at.timestamp_millis()).unwrap_or(transfer.at);
    Transfer { at, ..transfer.clone() }
}

#[async_trait]
impl Ledger for MemoryLedger {
    async fn post(&self, transfer: &Transfer) -> Result<Posted, LedgerError> {
        transfer.validate()?;
        let transfer = &stored(transfer);
        let mut state = locked(&self.state);
        if let Some(stored) = state.transfers.get(&transfer.id) {
            return Ok(Posted::AlreadyApplied(stored.clone()));
        }
        let changes = transfer.net_changes();
        let after: Vec<i64> = changes
            .iter()
            .map(|(account, change)| state.balances.get(account).copied().unwrap_or_default() + change)
            .collect();
        if let Some(((account, _), _)) =
            changes.iter().zip(&after).find(|((account, _), after)| !account.is_system() && **after < 0)
        {
            return Err(LedgerError::InsufficientFunds { account: account.clone() });
        }
        for ((account, change), after) in changes.iter().zip(after) {
            state.balances.insert(account.clone(), after);
            // As on DynamoDB: only a wallet account's entry knows the balance it left.
            let balance_after = (!account.is_system()).then_some(after);
            let entry = transfer.entry(account, *change, balance_after);
            state.entries.entry(account.clone()).or_default().push(entry);
        }
        state.transfers.insert(transfer.id.clone(), transfer.clone());
        Ok(Posted::Applied)
    }

    async fn balance(&self, account: &AccountId) -> StoreResult<i64> {
        Ok(locked(&self.state).balances.get(account).copied().unwrap_or_default())
    }

    async fn transfer(&self, id: &str) -> StoreResult<Option<Transfer>> {
        Ok(locked(&self.state).transfers.get(id).cloned())
    }

    async fn entries(
        &self,
        account: &AccountId,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> StoreResult<Vec<Entry>> {
        let mut entries: Vec<Entry> = locked(&self.state)
            .entries
            .get(account)
            .into_iter()
            .flatten()
            .filter(|e| since.is_none_or(|since| e.at >= since))
            .cloned()
            .collect();
        // Newest first by time, then by transfer id: the DynamoDB sort key's order.
        entries.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.transfer_id.cmp(&a.transfer_id)));
        entries.truncate(limit);
        Ok(entries)
    }

    async fn balances(&self) -> StoreResult<Vec<(AccountId, i64)>> {
        let mut all: Vec<_> = locked(&self.state).balances.iter().map(|(a, b)| (a.clone(), *b)).collect();
        all.sort();
        Ok(all)
    }
}
