use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use paybot::batch::{self, RecordFailure};
use paybot::domain::InboundMessage;

use crate::flow::{self, CommandDeps};

/// One SQS batch (see [`paybot::batch`]): messages in order, a failed one reported so SQS
/// delivers it again, with every later message of its group, so that a user's commands are
/// never executed out of order; an unreadable one reported too, for the dead-letter queue.
pub async fn handle_batch(deps: &CommandDeps, event: SqsEvent) -> SqsBatchResponse {
    batch::response(&handle_records(deps, event).await)
}

/// The batch's failed records with their reasons (the local stack parks them with it).
pub async fn handle_records(deps: &CommandDeps, event: SqsEvent) -> Vec<RecordFailure> {
    batch::handle_in_order("inbound", event, |message: InboundMessage| async move {
        flow::handle_message(deps, &message).await.map_err(|err| err.to_string())
    })
    .await
}
