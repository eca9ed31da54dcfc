use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, SendMessageBatchRequestEntry};

use super::describe;
use crate::ports::{QueueMessage, QueueReceiver, QueueSender, ReceivedMessage};
use crate::{StoreError, StoreResult};

const SERVICE: &str = "sqs";
/// SQS takes at most ten entries per batch call.
const MAX_BATCH: usize = 10;

/// One SQS queue, standard or FIFO (group and deduplication ids are sent when present).
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        SqsQueue { client, url: url.into() }
    }
}

#[async_trait]
impl QueueSender for SqsQueue {
    async fn send_batch(&self, messages: &[QueueMessage]) -> StoreResult<()> {
        for chunk in messages.chunks(MAX_BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(&m.body)
                        .set_message_group_id(m.group.clone())
                        .set_message_deduplication_id(m.dedup_id.clone())
                        .build()
                        .map_err(|e| StoreError::unavailable(SERVICE, e))
                })
                .collect::<StoreResult<Vec<_>>>()?;
            let output = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|err| StoreError::unavailable(SERVICE, describe(&err)))?;
            if !output.failed.is_empty() {
                let detail = output
                    .failed
                    .iter()
                    .map(|f| format!("{}: {}", f.code, f.message.as_deref().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(StoreError::PartialBatch {
                    failed: output.failed.len(),
                    total: chunk.len(),
                    detail,
                });
            }
        }
        Ok(())
    }
}

#[async_trait]
impl QueueReceiver for SqsQueue {
    async fn receive(&self, max: usize) -> StoreResult<Vec<ReceivedMessage>> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, MAX_BATCH) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .message_system_attribute_names(MessageSystemAttributeName::MessageDeduplicationId)
            .send()
            .await
            .map_err(|err| StoreError::unavailable(SERVICE, describe(&err)))?;
        Ok(output
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let attribute = |name: MessageSystemAttributeName| {
                    m.attributes.as_ref().and_then(|a| a.get(&name)).cloned()
                };
                ReceivedMessage {
                    group: attribute(MessageSystemAttributeName::MessageGroupId),
                    dedup_id: attribute(MessageSystemAttributeName::MessageDeduplicationId),
                    body: m.body.clone().unwrap_or_default(),
                    receipt: m.receipt_handle.clone().unwrap_or_default(),
                }
            })
            .collect())
    }

    async fn delete(&self, receipt: &str) -> StoreResult<()> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|err| StoreError::unavailable(SERVICE, describe(&err)))?;
        Ok(())
    }
}
