use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;

use super::describe;
use crate::ports::SecretSource;
use crate::{StoreError, StoreResult};

const SERVICE: &str = "secretsmanager";

/// Secrets Manager: one secret whose `SecretString` is a JSON object of strings.
#[derive(Debug, Clone)]
pub struct SecretsManagerSource {
    client: Client,
}

impl SecretsManagerSource {
    pub fn new(client: Client) -> Self {
        SecretsManagerSource { client }
    }
}

#[async_trait]
impl SecretSource for SecretsManagerSource {
    async fn secret_values(&self, secret_id: &str) -> StoreResult<HashMap<String, String>> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            // The error names the code only: a secret's value never reaches a message.
            .map_err(|err| StoreError::unavailable(SERVICE, describe(&err)))?;
        let text = output
            .secret_string
            .ok_or_else(|| StoreError::Malformed("the secret has no SecretString".into()))?;
        // Values are strings; a number or boolean is taken as its JSON text so that a
        // hand-edited secret does not fail on `"MAX": 5`.
        let map: HashMap<String, serde_json::Value> = serde_json::from_str(&text)
            .map_err(|_| StoreError::Malformed("the secret is not a JSON object".into()))?;
        Ok(map
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Null => None,
                other => Some((k, other.to_string())),
            })
            .collect())
    }
}
