//! The directory in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::locked;
use crate::StoreResult;
use crate::domain::*;
use crate::ports::*;

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
    async fn profiles(&self) -> StoreResult<Vec<BusinessProfile>> {
        let mut all: Vec<BusinessProfile> = locked(&self.profiles).values().cloned().collect();
        all.sort_by(|a, b| a.business_number_id.cmp(&b.business_number_id));
        Ok(all)
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
