use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use paybot::domain::InboundMessage;

use crate::flow::{self, CommandDeps};

/// One SQS batch. Messages are handled in order (one FIFO group's messages arrive in order);
/// a failed message is reported so SQS redelivers it, and so is every later message of the
/// same group, so that a user's commands are never executed out of order.
pub async fn handle_batch(deps: &CommandDeps, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    let mut failed_groups: Vec<String> = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let group = record.attributes.get("MessageGroupId").cloned().unwrap_or_default();
        if !group.is_empty() && failed_groups.contains(&group) {
            response.batch_item_failures.push(failure(id));
            continue;
        }
        let Some(body) = record.body.as_deref() else {
            tracing::error!(sqs_message = %id, "inbound record without a body dropped");
            continue;
        };
        let message: InboundMessage = match serde_json::from_str(body) {
            Ok(m) => m,
            Err(err) => {
                // Retrying cannot fix it: it goes no further, loudly.
                tracing::error!(sqs_message = %id, error = %err, "unreadable inbound record dropped");
                continue;
            }
        };
        if let Err(err) = flow::handle_message(deps, &message).await {
            tracing::warn!(message = %message.id, error = %err, "inbound message will be retried");
            failed_groups.push(group);
            response.batch_item_failures.push(failure(id));
        }
    }
    response
}

fn failure(id: String) -> BatchItemFailure {
    let mut failure = BatchItemFailure::default();
    failure.item_identifier = id;
    failure
}
