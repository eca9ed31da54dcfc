//! What travels on the outbound queue: a message to send, with a stable id so that a
//! redelivered job is sent once.

use serde::{Deserialize, Serialize};

use crate::domain::ContactKey;
use crate::ingress::sqs_token;
use crate::ports::{Notice, OutboundMessage, QueueMessage};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundJob {
    /// Stable across retries of the work that produced it (`<wamid>:<n>` for replies).
    pub id: String,
    pub message: OutboundMessage,
    /// The late updates (notices) this message delivers: one for a free-form update, which
    /// waits in the template outbox when the window is closed; one or more for a template or
    /// digest. Their delivery claims are shared by every path, so each reaches the user once.
    /// Replies to a message the user just sent have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
    /// For a reply: when the webhook received the message it answers, so that notify can
    /// count the response time once the Cloud API accepts it (milliseconds on the wire;
    /// absent on jobs queued before it was carried, and on notices).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "chrono::serde::ts_milliseconds_option"
    )]
    pub inbound_received_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl OutboundJob {
    /// A free-form message that may wait for a template when the window is closed.
    pub fn is_free_form_notice(&self) -> bool {
        !self.notices.is_empty()
            && !matches!(self.message.content, crate::ports::OutboundContent::Template { .. })
    }

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
