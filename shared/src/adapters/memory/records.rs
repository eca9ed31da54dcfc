//! In-memory twins of the directory, conversation, link, idempotency, audit and
//! failed-command stores.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::stores::locked;
use crate::StoreResult;
use crate::audit;
use crate::domain::{BusinessProfile, ContactKey, LinkState, Locale, PaymentLink, Phone, Seller};
use crate::ports::{
    AuditEvent, AuditLog, AuditRecord, Claim, ContactSettings, ContactStore, Directory, DueCursor,
    FailedCommand, FailedCommandLog, IdempotencyStore, LinkTransition, PaymentLinkStore,
};

#[derive(Debug, Default)]
pub struct MemoryDirectory {
    profiles: Mutex<HashMap<String, BusinessProfile>>,
    sellers: Mutex<HashMap<Phone, Seller>>,
}

#[async_trait]
impl Directory for MemoryDirectory {
    async fn profile(&self, business_number_id: &str) -> StoreResult<Option<BusinessProfile>> {
        Ok(locked(&self.profiles).get(business_number_id).cloned())
    }
    async fn seller(&self, phone: &Phone) -> StoreResult<Option<Seller>> {
        Ok(locked(&self.sellers).get(phone).cloned())
    }
    async fn put_profile(&self, profile: &BusinessProfile) -> StoreResult<()> {
        locked(&self.profiles).insert(profile.business_number_id.clone(), profile.clone());
        Ok(())
    }
    async fn put_seller(&self, seller: &Seller) -> StoreResult<()> {
        locked(&self.sellers).insert(seller.phone.clone(), seller.clone());
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct MemoryContactStore {
    settings: Mutex<HashMap<ContactKey, ContactSettings>>,
}

impl MemoryContactStore {
    fn update(&self, contact: &ContactKey, change: impl FnOnce(&mut ContactSettings)) -> StoreResult<()> {
        change(locked(&self.settings).entry(contact.clone()).or_default());
        Ok(())
    }
}

#[async_trait]
impl ContactStore for MemoryContactStore {
    async fn settings(&self, contact: &ContactKey) -> StoreResult<ContactSettings> {
        Ok(locked(&self.settings).get(contact).cloned().unwrap_or_default())
    }
    async fn set_locale(&self, contact: &ContactKey, locale: Locale) -> StoreResult<()> {
        self.update(contact, |s| s.locale = Some(locale))
    }
    async fn set_selected_merchant(&self, contact: &ContactKey, merchant_id: &str) -> StoreResult<()> {
        self.update(contact, |s| s.selected_merchant = Some(merchant_id.to_owned()))
    }
    async fn set_pending_command(&self, contact: &ContactKey, command: Option<&str>) -> StoreResult<()> {
        self.update(contact, |s| s.pending_command = command.map(str::to_owned))
    }
}

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

#[derive(Debug, Clone, Copy)]
enum ClaimState {
    InProgress { lease_until: DateTime<Utc> },
    Done { until: DateTime<Utc> },
}

#[derive(Debug, Default)]
pub struct MemoryIdempotencyStore {
    claims: Mutex<HashMap<String, ClaimState>>,
}

#[async_trait]
impl IdempotencyStore for MemoryIdempotencyStore {
    async fn claim(&self, key: &str, now: DateTime<Utc>, lease: Duration) -> StoreResult<Claim> {
        let mut claims = locked(&self.claims);
        match claims.get(key) {
            Some(ClaimState::InProgress { lease_until }) if *lease_until > now => Ok(Claim::InProgress),
            Some(ClaimState::Done { until }) if *until > now => Ok(Claim::Done),
            _ => {
                claims.insert(key.to_owned(), ClaimState::InProgress { lease_until: now + lease });
                Ok(Claim::Acquired)
            }
        }
    }
    async fn complete(&self, key: &str, now: DateTime<Utc>, keep: Duration) -> StoreResult<()> {
        locked(&self.claims).insert(key.to_owned(), ClaimState::Done { until: now + keep });
        Ok(())
    }
    async fn release(&self, key: &str) -> StoreResult<()> {
        let mut claims = locked(&self.claims);
        if matches!(claims.get(key), Some(ClaimState::InProgress { .. })) {
            claims.remove(key);
        }
        Ok(())
    }
    async fn reopen(&self, key: &str) -> StoreResult<()> {
        locked(&self.claims).remove(key);
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct MemoryAuditLog {
    chains: Mutex<HashMap<String, Vec<AuditRecord>>>,
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn append(&self, event: AuditEvent) -> StoreResult<AuditRecord> {
        let mut chains = locked(&self.chains);
        let chain = chains.entry(event.chain.clone()).or_default();
        let record = audit::next_record(chain.last(), event);
        chain.push(record.clone());
        Ok(record)
    }
    async fn chain(&self, chain: &str) -> StoreResult<Vec<AuditRecord>> {
        Ok(locked(&self.chains).get(chain).cloned().unwrap_or_default())
    }
}

#[derive(Debug, Default)]
pub struct MemoryFailedCommandLog {
    entries: Mutex<HashMap<(String, String), FailedCommand>>,
}

#[async_trait]
impl FailedCommandLog for MemoryFailedCommandLog {
    async fn record(
        &self,
        text: &str,
        kind: &str,
        suggestion: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let text = crate::failed_commands::normalize(text);
        let mut entries = locked(&self.entries);
        let entry = entries.entry((text.clone(), kind.to_owned())).or_insert_with(|| FailedCommand {
            text,
            kind: kind.to_owned(),
            suggestion: None,
            count: 0,
            last_seen: at,
        });
        entry.count += 1;
        entry.last_seen = entry.last_seen.max(at);
        entry.suggestion = suggestion.map(str::to_owned);
        Ok(())
    }
    async fn list(&self, limit: usize) -> StoreResult<Vec<FailedCommand>> {
        let mut all: Vec<_> = locked(&self.entries).values().cloned().collect();
        crate::failed_commands::sort_for_operator(&mut all);
        all.truncate(limit);
        Ok(all)
    }
}

#[derive(Debug, Default)]
pub struct MemoryOutboxStore {
    items: Mutex<HashMap<ContactKey, Vec<crate::ports::OutboxItem>>>,
}

#[async_trait]
impl crate::ports::OutboxStore for MemoryOutboxStore {
    async fn add(&self, item: &crate::ports::OutboxItem) -> StoreResult<()> {
        let mut items = locked(&self.items);
        let pending = items.entry(item.contact.clone()).or_default();
        if !pending.iter().any(|p| p.link_id == item.link_id) {
            pending.push(item.clone());
        }
        Ok(())
    }
    async fn pending(&self, contact: &ContactKey) -> StoreResult<Vec<crate::ports::OutboxItem>> {
        let mut pending = locked(&self.items).get(contact).cloned().unwrap_or_default();
        pending.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.link_id.cmp(&b.link_id)));
        Ok(pending)
    }
    async fn contacts_with_pending(&self, limit: usize) -> StoreResult<Vec<ContactKey>> {
        let items = locked(&self.items);
        let mut contacts: Vec<_> =
            items.iter().filter(|(_, v)| !v.is_empty()).map(|(k, _)| k.clone()).collect();
        contacts.sort_by_key(|c| c.storage_key());
        contacts.truncate(limit);
        Ok(contacts)
    }
    async fn remove(&self, contact: &ContactKey, link_ids: &[String]) -> StoreResult<()> {
        if let Some(pending) = locked(&self.items).get_mut(contact) {
            pending.retain(|p| !link_ids.contains(&p.link_id));
        }
        Ok(())
    }
}
