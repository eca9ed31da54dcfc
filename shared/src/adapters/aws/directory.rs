//! The directory (business-number profiles and sellers) in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;

use super::item::*;
use super::{SERVICE, describe, get_item};
use crate::domain::{BusinessProfile, Phone, Seller};
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// Directory table (key `pk`): `profile#<phone_number_id>` and `seller#<E.164 phone>` items.
#[derive(Debug, Clone)]
pub struct DynamoDirectory {
    client: Client,
    table: String,
}

impl DynamoDirectory {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDirectory { client, table: table.into() }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, pk: String) -> StoreResult<Option<T>> {
        get_item(&self.client, &self.table, "pk", pk, None).await?.map(from_item).transpose()
    }

    async fn put<T: serde::Serialize>(&self, pk: String, value: &T) -> StoreResult<()> {
        let mut item = to_item(value)?;
        item.insert("pk".into(), s(pk));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }
}

#[async_trait]
impl Directory for DynamoDirectory {
    async fn profile(&self, business_number_id: &str) -> StoreResult<Option<BusinessProfile>> {
        self.get(format!("profile#{business_number_id}")).await
    }
    async fn seller(&self, phone: &Phone) -> StoreResult<Option<Seller>> {
        self.get(format!("seller#{}", phone.as_e164())).await
    }
    async fn put_profile(&self, profile: &BusinessProfile) -> StoreResult<()> {
        self.put(format!("profile#{}", profile.business_number_id), profile).await
    }
    async fn put_seller(&self, seller: &Seller) -> StoreResult<()> {
        self.put(format!("seller#{}", seller.phone.as_e164()), seller).await
    }
}
