//! Operator controls (the bot switch, taught aliases) in DynamoDB.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;

use super::item::*;
use super::{Item, SERVICE, applied, describe, get_item, is_condition_failure};
use crate::ports::*;
use crate::{StoreError, StoreResult};

/// Controls table (key `business_number_id`), one item per business number that an operator
/// ever set something on:
/// - `paused`: a map `{id, by, at_ms}` while the bot is off; absent while it answers;
/// - `aliases`: a map from the normalized phrase to the command it stands for.
///
/// A number without an item, or without either attribute, has the defaults.
#[derive(Debug, Clone)]
pub struct DynamoControlsStore {
    client: Client,
    table: String,
}

/// Rounds of teaching an alias: the map is created only where it is absent, so a round is
/// lost only to a concurrent first alias of the same number, after which the next one wins.
const ROUNDS: usize = 4;

fn pause_value(pause: &Pause) -> AttributeValue {
    AttributeValue::M(Item::from([
        ("id".to_owned(), s(&pause.id)),
        ("by".to_owned(), s(&pause.by)),
        ("at_ms".to_owned(), ms(pause.at)),
    ]))
}

fn pause_from(value: &AttributeValue) -> StoreResult<Pause> {
    let AttributeValue::M(map) = value else {
        return Err(StoreError::Malformed("paused is not a map".into()));
    };
    Ok(Pause { id: required_string(map, "id")?, by: required_string(map, "by")?, at: time_ms(map, "at_ms")? })
}

fn aliases_from(value: &AttributeValue) -> StoreResult<BTreeMap<String, String>> {
    let AttributeValue::M(map) = value else {
        return Err(StoreError::Malformed("aliases is not a map".into()));
    };
    map.iter()
        .map(|(alias, command)| match command {
            AttributeValue::S(command) => Ok((alias.clone(), command.clone())),
            _ => Err(StoreError::Malformed(format!("alias {alias} is not a string"))),
        })
        .collect()
}

impl DynamoControlsStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoControlsStore { client, table: table.into() }
    }
}

#[async_trait]
impl ControlsStore for DynamoControlsStore {
    async fn controls(&self, business_number_id: &str) -> StoreResult<NumberControls> {
        let Some(item) =
            get_item(&self.client, &self.table, "business_number_id", business_number_id, None).await?
        else {
            return Ok(NumberControls::default());
        };
        Ok(NumberControls {
            paused: item.get("paused").map(pause_from).transpose()?,
            aliases: item.get("aliases").map(aliases_from).transpose()?.unwrap_or_default(),
        })
    }

    async fn set_paused(&self, business_number_id: &str, pause: Option<&Pause>) -> StoreResult<()> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("business_number_id", s(business_number_id));
        let request = match pause {
            Some(pause) => request
                .update_expression("SET paused = :p")
                .expression_attribute_values(":p", pause_value(pause)),
            None => request.update_expression("REMOVE paused"),
        };
        request.send().await.map_err(|e| StoreError::unavailable(SERVICE, describe(&e)))?;
        Ok(())
    }

    async fn teach_alias(&self, business_number_id: &str, alias: &str, command: &str) -> StoreResult<()> {
        for _ in 0..ROUNDS {
            // Into the map where there is one: other aliases, taught concurrently, stay.
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("business_number_id", s(business_number_id))
                .update_expression("SET aliases.#a = :c")
                .expression_attribute_names("#a", alias)
                .expression_attribute_values(":c", s(command))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(()),
                // The number has no map yet (DynamoDB refuses a path into a missing map).
                Err(err) if err.as_service_error().and_then(|e| e.code()) == Some("ValidationException") => {}
                Err(err) => return Err(StoreError::unavailable(SERVICE, describe(&err))),
            }
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("business_number_id", s(business_number_id))
                .update_expression("SET aliases = :m")
                .condition_expression("attribute_not_exists(aliases)")
                .expression_attribute_values(
                    ":m",
                    AttributeValue::M(Item::from([(alias.to_owned(), s(command))])),
                )
                .send()
                .await;
            match result {
                Ok(_) => return Ok(()),
                // Another first alias made the map in between: into it, next round.
                Err(err) if is_condition_failure(&err) => {}
                Err(err) => return Err(StoreError::unavailable(SERVICE, describe(&err))),
            }
        }
        Err(StoreError::unavailable(SERVICE, "the alias kept losing to concurrent changes"))
    }

    async fn forget_alias(&self, business_number_id: &str, alias: &str) -> StoreResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("business_number_id", s(business_number_id))
            .update_expression("REMOVE aliases.#a")
            .condition_expression("attribute_exists(aliases.#a)")
            .expression_attribute_names("#a", alias)
            .send()
            .await;
        applied(result)
    }
}
