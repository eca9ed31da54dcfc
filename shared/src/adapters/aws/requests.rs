//! Counting the AWS requests the adapters make, by operation and table or queue: an SDK
//! interceptor, so what is counted is what goes on the wire (retries included). The moto
//! end-to-end run reports the requests of one seller round trip with it; an operator's
//! figure of cost per message comes from the same count.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Requests seen, keyed `"<Operation> <table or queue>"` (e.g. `"PutItem IdempotencyTable"`).
#[derive(Debug, Clone, Default)]
pub struct RequestCounter {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl RequestCounter {
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn total(&self) -> u64 {
        self.snapshot().values().sum()
    }

    pub fn reset(&self) {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// The table or queue a request names: `TableName`, the tables of a transaction or a batch,
/// or the last segment of `QueueUrl`. Both DynamoDB and SQS speak JSON.
fn target(body: &[u8]) -> String {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else { return "?".into() };
    if let Some(table) = json.get("TableName").and_then(|t| t.as_str()) {
        return table.to_owned();
    }
    if let Some(url) = json.get("QueueUrl").and_then(|u| u.as_str()) {
        return url.rsplit('/').next().unwrap_or(url).to_owned();
    }
    if let Some(items) = json.get("TransactItems").and_then(|i| i.as_array()) {
        let mut tables: Vec<&str> = items
            .iter()
            .filter_map(|item| item.as_object()?.values().next()?.get("TableName")?.as_str())
            .collect();
        tables.sort_unstable();
        tables.dedup();
        return tables.join("+");
    }
    if let Some(items) = json.get("RequestItems").and_then(|i| i.as_object()) {
        return items.keys().map(String::as_str).collect::<Vec<_>>().join("+");
    }
    "?".into()
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map(|m| m.name().to_owned()).unwrap_or_else(|| "?".into());
        let target = context.request().body().bytes().map(target).unwrap_or_else(|| "?".into());
        *self
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(format!("{operation} {target}"))
            .or_default() += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn names_the_table_or_queue() {
        assert_eq!(target(br#"{"TableName":"Links","Key":{}}"#), "Links");
        assert_eq!(target(br#"{"QueueUrl":"http://127.0.0.1:5000/123/Outbound.fifo"}"#), "Outbound.fifo");
        assert_eq!(
            target(br#"{"TransactItems":[{"Put":{"TableName":"B"}},{"Update":{"TableName":"A"}},{"Put":{"TableName":"B"}}]}"#),
            "A+B"
        );
        assert_eq!(target(br#"{"RequestItems":{"Ledger":{"Keys":[]}}}"#), "Ledger");
        assert_eq!(target(b"not json"), "?");
    }
}
