//! Payment links in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::locked;
use crate::StoreResult;
use crate::domain::*;
use crate::ports::*;

#[derive(Debug, Default)]
pub struct MemoryPaymentLinkStore {
    links: Mutex<HashMap<String, PaymentLink>>,
}

#[async_trait]
impl PaymentLinkStore for MemoryPaymentLinkStore {
    async fn insert_if_absent(&self, link: &PaymentLink) -> StoreResult<(PaymentLink, bool)> {
        let mut links = locked(&self.links);
        if let Some(existing) = links.get(&link.id) {
            return Ok((existing.clone(), false));
        }
        links.insert(link.id.clone(), link.clone());
        Ok((link.clone(), true))
    }
    async fn get(&self, id: &str) -> StoreResult<Option<PaymentLink>> {
        Ok(locked(&self.links).get(id).cloned())
    }
    async fn mark_created(
        &self,
        id: &str,
        payment_id: &str,
        checkout_url: Option<&str>,
        check_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<PaymentLink>> {
        let mut links = locked(&self.links);
        let Some(link) = links.get_mut(id).filter(|l| !l.state.is_final()) else { return Ok(None) };
        if link.state == LinkState::Creating {
            link.state = LinkState::Created;
            link.next_check_at = Some(check_at);
        }
        link.payment_id.get_or_insert_with(|| payment_id.to_owned());
        if link.checkout_url.is_none() {
            link.checkout_url = checkout_url.map(str::to_owned);
        }
        link.updated_at = at;
        Ok(Some(link.clone()))
    }
    async fn transition(&self, id: &str, change: &LinkTransition<'_>) -> StoreResult<Option<PaymentLink>> {
        let mut links = locked(&self.links);
        let Some(link) = links.get_mut(id).filter(|l| l.state.can_move_to(change.to)) else {
            return Ok(None);
        };
        link.state = change.to;
        link.updated_at = change.at;
        if let Some(payment_id) = change.payment_id {
            link.payment_id.get_or_insert_with(|| payment_id.to_owned());
        }
        if let Some(bank) = change.payer_bank {
            link.payer_bank = Some(bank.to_owned());
        }
        if change.to.is_final() || link.next_check_at.is_none() {
            link.next_check_at = Some(change.check_at);
        }
        Ok(Some(link.clone()))
    }
    async fn mark_notified(&self, id: &str, state: LinkState) -> StoreResult<()> {
        if let Some(link) = locked(&self.links).get_mut(id).filter(|l| l.state == state && state.is_final()) {
            link.next_check_at = None;
        }
        Ok(())
    }
    async fn reschedule(&self, id: &str, expected: DateTime<Utc>, next: DateTime<Utc>) -> StoreResult<bool> {
        let mut links = locked(&self.links);
        let Some(link) = links.get_mut(id).filter(|l| l.next_check_at == Some(expected)) else {
            return Ok(false);
        };
        link.next_check_at = Some(next);
        Ok(true)
    }
    async fn discard_unfinished(&self, id: &str) -> StoreResult<()> {
        let mut links = locked(&self.links);
        if links.get(id).is_some_and(|l| l.state == LinkState::Creating) {
            links.remove(id);
        }
        Ok(())
    }
    async fn due_links(
        &self,
        now: DateTime<Utc>,
        after: Option<&DueCursor>,
        limit: usize,
    ) -> StoreResult<Vec<PaymentLink>> {
        let position = |l: &PaymentLink| (l.next_check_at, l.id.clone());
        let mut due: Vec<_> = locked(&self.links)
            .values()
            .filter(|l| l.next_check_at.is_some_and(|at| at <= now))
            .filter(|l| after.is_none_or(|c| position(l) > (Some(c.check_at), c.id.clone())))
            .cloned()
            .collect();
        due.sort_by_key(position);
        due.truncate(limit);
        Ok(due)
    }
    async fn by_seller(&self, seller: &Phone, limit: usize) -> StoreResult<Vec<PaymentLink>> {
        let mut found: Vec<_> =
            locked(&self.links).values().filter(|l| &l.seller == seller).cloned().collect();
        found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
        found.truncate(limit);
        Ok(found)
    }
}
