//! Attribute values to and from the domain types: the one way every DynamoDB adapter reads
//! and writes an item's attributes.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::Item;
use crate::{StoreError, StoreResult};

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn to_item<T: serde::Serialize>(value: &T) -> StoreResult<Item> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Malformed(e.to_string()))
}

pub(super) fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> StoreResult<T> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Malformed(e.to_string()))
}

pub(super) fn to_value<T: serde::Serialize>(value: &T) -> StoreResult<AttributeValue> {
    serde_dynamo::to_attribute_value(value).map_err(|e| StoreError::Malformed(e.to_string()))
}

pub(super) fn string_attr(item: &Item, name: &str) -> Option<String> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    }
}

pub(super) fn number_attr(item: &Item, name: &str) -> Option<i64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

pub(super) fn read_number(
    item: &std::collections::HashMap<String, AttributeValue>,
    name: &str,
) -> StoreResult<Option<i64>> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(n)) => {
            n.parse().map(Some).map_err(|_| StoreError::Malformed(format!("{name} is not an integer")))
        }
        Some(_) => Err(StoreError::Malformed(format!("{name} is not a number"))),
    }
}

pub(super) fn from_unix(seconds: i64, name: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| StoreError::Malformed(format!("{name} out of range")))
}

/// A time as epoch milliseconds: the form every time is kept in where a condition or an index
/// compares it.
pub(super) fn ms(at: DateTime<Utc>) -> AttributeValue {
    n(at.timestamp_millis())
}

pub(super) fn time_ms(item: &Item, name: &str) -> StoreResult<DateTime<Utc>> {
    optional_time_ms(item, name)?.ok_or_else(|| StoreError::Malformed(format!("{name} is missing")))
}

pub(super) fn optional_time_ms(item: &Item, name: &str) -> StoreResult<Option<DateTime<Utc>>> {
    read_number(item, name)?
        .map(|ms| {
            DateTime::from_timestamp_millis(ms)
                .ok_or_else(|| StoreError::Malformed(format!("{name} out of range")))
        })
        .transpose()
}

pub(super) fn required_string(item: &Item, name: &str) -> StoreResult<String> {
    string_attr(item, name).ok_or_else(|| StoreError::Malformed(format!("{name} is missing")))
}

/// A required attribute read back through its serde form (enums, phones, currencies).
pub(super) fn value_attr<T: serde::de::DeserializeOwned>(item: &Item, name: &str) -> StoreResult<T> {
    let value = item.get(name).cloned().ok_or_else(|| StoreError::Malformed(format!("{name} is missing")))?;
    serde_dynamo::from_attribute_value(value).map_err(|e| StoreError::Malformed(format!("{name}: {e}")))
}
