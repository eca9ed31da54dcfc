//! Conversations in DynamoDB: chosen locale, merchant and pending command.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use super::item::*;
use super::{SERVICE, describe, get_item};
use crate::domain::{ContactKey, Locale};
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// The contacts table (shared with the window): `locale`, `selected_merchant`,
/// `pending_command`.
#[derive(Debug, Clone)]
pub struct DynamoContactStore {
    client: Client,
    table: String,
}

impl DynamoContactStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoContactStore { client, table: table.into() }
    }

    async fn set(
        &self,
        contact: &ContactKey,
        attribute: &str,
        value: Option<AttributeValue>,
    ) -> StoreResult<()> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(contact.storage_key()))
            .expression_attribute_names("#a", attribute);
        let request = match value {
            Some(v) => request.update_expression("SET #a = :v").expression_attribute_values(":v", v),
            None => request.update_expression("REMOVE #a"),
        };
        request.send().await.map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }
}

/// Each capability's state is one attribute, `state_<capability>`.
const STATE_PREFIX: &str = "state_";

#[async_trait]
impl ContactStore for DynamoContactStore {
    async fn settings(&self, contact: &ContactKey) -> StoreResult<ContactSettings> {
        let Some(item) = get_item(&self.client, &self.table, "pk", contact.storage_key(), None).await? else {
            return Ok(ContactSettings::default());
        };
        let states = item
            .keys()
            .filter_map(|name| name.strip_prefix(STATE_PREFIX).map(|ns| (ns.to_owned(), name)))
            .filter_map(|(ns, name)| string_attr(&item, name).map(|json| (ns, json)))
            .collect();
        Ok(ContactSettings { locale: string_attr(&item, "locale").and_then(|l| Locale::parse(&l)), states })
    }
    async fn set_locale(&self, contact: &ContactKey, locale: Locale) -> StoreResult<()> {
        self.set(contact, "locale", Some(s(locale.code()))).await
    }
    async fn set_state(&self, contact: &ContactKey, namespace: &str, state: Option<&str>) -> StoreResult<()> {
        self.set(contact, &format!("{STATE_PREFIX}{namespace}"), state.map(s)).await
    }
}
