use std::sync::Mutex;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use paybot::batch::{self, RecordFailure};
use paybot::domain::InboundMessage;
use paybot::operator::metrics::MetricsBatch;

use crate::flow::{self, CommandDeps};

/// One SQS batch (see [`paybot::batch`]): messages in order, a failed one reported so SQS
/// delivers it again, with every later message of its group, so that a user's commands are
/// never executed out of order; an unreadable one reported too, for the dead-letter queue.
pub async fn handle_batch(deps: &CommandDeps, event: SqsEvent) -> SqsBatchResponse {
    batch::response(&handle_records(deps, event).await)
}

/// The batch's failed records with their reasons (the local stack parks them with it). The
/// figures of the messages handled are added to the metrics once per number at the end.
pub async fn handle_records(deps: &CommandDeps, event: SqsEvent) -> Vec<RecordFailure> {
    let metrics = Mutex::new(MetricsBatch::default());
    let failures = batch::handle_in_order("inbound", event, |message: InboundMessage| {
        let metrics = &metrics;
        async move {
            let tally = flow::handle_message(deps, &message).await.map_err(|err| err.to_string())?;
            if !tally.is_empty() {
                let mut metrics = metrics.lock().unwrap_or_else(|e| e.into_inner());
                metrics.tally(&message.business_number_id, deps.clock.now()).merge(&tally);
            }
            Ok(())
        }
    })
    .await;
    let metrics = metrics.into_inner().unwrap_or_else(|e| e.into_inner());
    metrics.flush(deps.metrics.as_ref()).await;
    failures
}
