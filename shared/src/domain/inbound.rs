use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Phone;

/// Who wrote: the phone where the channel gives one, the business-scoped user id beside it.
/// Users who adopt usernames may arrive with only the scoped id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoped_id: Option<String>,
}

impl UserRef {
    /// The stable key of the user: the E.164 phone, else `bsuid:<scoped id>`.
    /// `None` when the channel named neither.
    pub fn key(&self) -> Option<String> {
        match (&self.phone, &self.scoped_id) {
            (Some(phone), _) => Some(phone.as_e164().to_owned()),
            (None, Some(id)) => Some(format!("bsuid:{id}")),
            (None, None) => None,
        }
    }
}

/// One conversation: a user talking to one of the business's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContactKey {
    /// The channel's id of the business number that received the message.
    pub business_number_id: String,
    /// [`UserRef::key`] of the user.
    pub user_key: String,
}

impl ContactKey {
    /// The single-attribute form used as a storage key and a queue message group.
    pub fn storage_key(&self) -> String {
        format!("{}#{}", self.business_number_id, self.user_key)
    }
}

/// What the user sent, reduced to what the bot acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageContent {
    Text {
        body: String,
    },
    /// A row picked from a list the bot sent.
    ListReply {
        id: String,
        title: String,
    },
    /// A reply button the bot sent, or a template's quick-reply button.
    ButtonReply {
        id: String,
        title: String,
    },
    /// Anything else (media, location, reactions, types added later): acknowledged, not parsed.
    Other {
        message_type: String,
    },
}

/// An inbound message as the command function receives it, whatever the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The channel's message id (the wamid on WhatsApp): the deduplication key.
    pub id: String,
    pub business_number_id: String,
    pub from: UserRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_name: Option<String>,
    /// When the user sent it, as the channel reports it (Unix seconds on the wire: the
    /// channel's own precision, and cheaper to write than RFC 3339).
    #[serde(with = "chrono::serde::ts_seconds")]
    pub sent_at: DateTime<Utc>,
    /// When the webhook received it (milliseconds on the wire): where the response time the
    /// operator sees starts. Absent on messages queued before it was recorded.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "chrono::serde::ts_milliseconds_option"
    )]
    pub received_at: Option<DateTime<Utc>>,
    pub content: MessageContent,
}

impl InboundMessage {
    pub fn contact(&self) -> Option<ContactKey> {
        Some(ContactKey { business_number_id: self.business_number_id.clone(), user_key: self.from.key()? })
    }
}
