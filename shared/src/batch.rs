//! One SQS batch, as both queue consumers (command, notify) handle it: records in order, a
//! failed record reported so SQS delivers it again, and every later record of its FIFO group
//! held back with it, so one conversation's messages are never handled out of order. A
//! record that cannot be read is reported too: SQS then moves it to the dead-letter queue
//! after its last receive, where the operator finds it. Nothing is deleted unread.

use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use serde::de::DeserializeOwned;

/// A record to be delivered again, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFailure {
    pub message_id: String,
    pub reason: String,
}

/// Handles each record of `event` with `handle` and returns the records that failed.
pub async fn handle_in_order<T, F, Fut>(
    queue: &'static str,
    event: SqsEvent,
    mut handle: F,
) -> Vec<RecordFailure>
where
    T: DeserializeOwned,
    F: FnMut(T) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut failures = Vec::new();
    let mut failed_groups: Vec<String> = Vec::new();
    for record in event.records {
        let message_id = record.message_id.clone().unwrap_or_default();
        let group = record.attributes.get("MessageGroupId").cloned().unwrap_or_default();
        if !group.is_empty() && failed_groups.contains(&group) {
            failures.push(RecordFailure {
                message_id,
                reason: "held behind an earlier failure of its group".into(),
            });
            continue;
        }
        let parsed = match record.body.as_deref() {
            None => Err("the record has no body".to_owned()),
            Some(body) => serde_json::from_str::<T>(body).map_err(|e| format!("unreadable record: {e}")),
        };
        let outcome = match parsed {
            Ok(item) => handle(item).await,
            Err(reason) => {
                // Retrying cannot fix it, but deleting would lose it: it goes to the
                // dead-letter queue after its last receive.
                tracing::error!(queue, sqs_message = %message_id, %reason, "record cannot be read; left for the dead-letter queue");
                Err(reason)
            }
        };
        if let Err(reason) = outcome {
            tracing::warn!(queue, sqs_message = %message_id, %reason, "record will be delivered again");
            if !group.is_empty() {
                failed_groups.push(group);
            }
            failures.push(RecordFailure { message_id, reason });
        }
    }
    failures
}

/// The answer to SQS: the failed records' ids.
pub fn response(failures: &[RecordFailure]) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for failure in failures {
        let mut item = BatchItemFailure::default();
        item.item_identifier = failure.message_id.clone();
        response.batch_item_failures.push(item);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::sqs::SqsMessage;
    use std::cell::RefCell;

    fn record(id: &str, group: &str, body: &str) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.message_id = Some(id.into());
        message.body = Some(body.into());
        message.attributes.insert("MessageGroupId".into(), group.into());
        message
    }

    #[tokio::test]
    async fn unreadable_and_failed_records_are_reported_and_hold_their_group() {
        let mut event = SqsEvent::default();
        event.records = vec![
            record("1", "a", "\"ok\""),
            record("2", "a", "not json"),
            record("3", "a", "\"ok\""),
            record("4", "b", "\"fail\""),
            record("5", "c", "\"ok\""),
        ];
        let handled = RefCell::new(Vec::new());
        let failures = handle_in_order::<String, _, _>("test", event, |body| {
            handled.borrow_mut().push(body.clone());
            async move { if body == "fail" { Err("downstream down".to_owned()) } else { Ok(()) } }
        })
        .await;
        let ids: Vec<_> = failures.iter().map(|f| f.message_id.as_str()).collect();
        assert_eq!(ids, ["2", "3", "4"]);
        assert!(failures[0].reason.starts_with("unreadable record"));
        assert_eq!(failures[2].reason, "downstream down");
        assert_eq!(handled.into_inner(), ["ok", "fail", "ok"]);
        assert_eq!(response(&failures).batch_item_failures.len(), 3);
    }
}
