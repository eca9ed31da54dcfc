//! What travels on the outbound queue: a message to send, with a stable id so that a
//! redelivered job is sent once.

use serde::{Deserialize, Serialize};

use crate::domain::ContactKey;
use crate::ingress::sqs_token;
use crate::ports::{OutboundMessage, OutboxItem, QueueMessage};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundJob {
    /// Stable across retries of the work that produced it (`<wamid>:<n>` for replies).
    pub id: String,
    pub message: OutboundMessage,
    /// For payment-status updates: what goes to the template outbox instead, when the
    /// seller's 24-hour window is closed. Replies to a message the user just sent have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<OutboxItem>,
}

impl OutboundJob {
    /// On the outbound FIFO queue one conversation's messages keep their order, and a job
    /// queued twice within five minutes is queued once.
    pub fn to_queue_message(&self) -> QueueMessage {
        let contact = ContactKey {
            business_number_id: self.message.business_number_id.clone(),
            user_key: self.message.to.as_e164().to_owned(),
        };
        QueueMessage {
            body: serde_json::to_string(self).expect("outbound jobs serialize"),
            group: Some(sqs_token(&contact.storage_key())),
            dedup_id: Some(sqs_token(&self.id)),
        }
    }
}
