//! What the webhook does with a parsed notification, decided without I/O: which messages
//! go on the inbound queue (and with which FIFO group and deduplication id), which windows
//! move, which delivery statuses are stored.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::{ContactKey, DeliveryUpdate, InboundMessage};
use crate::ports::QueueMessage;
use crate::whatsapp::ParsedNotification;

#[derive(Debug, Default, PartialEq)]
pub struct IngressPlan {
    /// The business numbers the notification was for (each counts a signed webhook).
    pub business_numbers: Vec<String>,
    pub queue: Vec<QueueMessage>,
    /// The newest message time per conversation in this notification.
    pub windows: Vec<(ContactKey, DateTime<Utc>)>,
    pub statuses: Vec<DeliveryUpdate>,
}

pub fn plan(parsed: ParsedNotification) -> IngressPlan {
    // A notification carries one message or a handful: a linear scan beats hashing.
    let mut windows: Vec<(ContactKey, DateTime<Utc>)> = Vec::with_capacity(1);
    let mut queue = Vec::with_capacity(parsed.messages.len());
    for message in &parsed.messages {
        let Some(contact) = message.contact() else { continue };
        queue.push(inbound_queue_message(message, &contact));
        match windows.iter_mut().find(|(c, _)| *c == contact) {
            Some((_, at)) => *at = (*at).max(message.sent_at),
            None => windows.push((contact, message.sent_at)),
        }
    }
    IngressPlan { business_numbers: parsed.business_numbers, queue, windows, statuses: parsed.statuses }
}

/// One user's messages share a FIFO group so they are handled in order; the channel's
/// message id is the deduplication id, so a redelivery within SQS's five minutes is dropped.
pub fn inbound_queue_message(message: &InboundMessage, contact: &ContactKey) -> QueueMessage {
    QueueMessage {
        body: serde_json::to_string(message).expect("an inbound message always serializes"),
        group: Some(sqs_token(&contact.storage_key())),
        dedup_id: Some(sqs_token(&message.id)),
    }
}

/// SQS group and deduplication ids take at most 128 printable ASCII characters; anything
/// longer or stranger is replaced by its SHA-256, which stays unique and stable.
pub fn sqs_token(value: &str) -> String {
    if !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic()) {
        value.to_owned()
    } else {
        hex::encode(Sha256::digest(value.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MessageContent, Phone, UserRef};

    fn message(id: &str, phone: &str, at: i64) -> InboundMessage {
        InboundMessage {
            id: id.into(),
            business_number_id: "1065".into(),
            from: UserRef { phone: Some(Phone::parse_international(phone).unwrap()), scoped_id: None },
            profile_name: None,
            sent_at: DateTime::from_timestamp(at, 0).unwrap(),
            received_at: None,
            content: MessageContent::Text { body: "pay 100".into() },
        }
    }

    #[test]
    fn groups_by_conversation_dedups_by_message_id_and_keeps_the_newest_time() {
        let parsed = ParsedNotification {
            messages: vec![
                message("wamid.1", "+37369123456", 20),
                message("wamid.2", "+37369123456", 10),
                message("wamid.3", "+37369000001", 5),
            ],
            ..Default::default()
        };
        let plan = plan(parsed);
        let groups: Vec<_> = plan.queue.iter().map(|q| q.group.as_deref().unwrap()).collect();
        assert_eq!(groups, ["1065#+37369123456", "1065#+37369123456", "1065#+37369000001"]);
        let dedups: Vec<_> = plan.queue.iter().map(|q| q.dedup_id.as_deref().unwrap()).collect();
        assert_eq!(dedups, ["wamid.1", "wamid.2", "wamid.3"]);
        let mut windows: Vec<_> =
            plan.windows.iter().map(|(c, at)| (c.user_key.as_str(), at.timestamp())).collect();
        windows.sort();
        assert_eq!(windows, [("+37369000001", 5), ("+37369123456", 20)]);
        let body: InboundMessage = serde_json::from_str(&plan.queue[0].body).unwrap();
        assert_eq!(body, message("wamid.1", "+37369123456", 20));
    }

    #[test]
    fn tokens_fit_sqs() {
        assert_eq!(sqs_token("wamid.HBgL=="), "wamid.HBgL==");
        let long = "x".repeat(129);
        assert_eq!(sqs_token(&long).len(), 64);
        assert_ne!(sqs_token("bsuid:é"), "bsuid:é");
        assert_eq!(sqs_token("bsuid:é"), sqs_token("bsuid:é"));
    }
}
