//! The directory (business-number profiles and sellers) in DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;

use super::item::*;
use super::{Item, SERVICE, describe, get_item};
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
    async fn profiles(&self) -> StoreResult<Vec<BusinessProfile>> {
        // A deployment has a handful of business numbers beside its sellers: a filtered scan
        // of the directory, read only by the operator console.
        let mut profiles: Vec<BusinessProfile> = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(pk, :profile)")
                .expression_attribute_values(":profile", s("profile#"))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
            for mut item in output.items.unwrap_or_default() {
                item.remove("pk");
                profiles.push(from_item(item)?);
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        profiles.sort_by(|a, b| a.business_number_id.cmp(&b.business_number_id));
        Ok(profiles)
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
