use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a message the bot sent has got to, as the channel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryState {
    pub fn parse(value: &str) -> Option<DeliveryState> {
        match value {
            "sent" => Some(DeliveryState::Sent),
            "delivered" => Some(DeliveryState::Delivered),
            "read" => Some(DeliveryState::Read),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Sent => "sent",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Read => "read",
            DeliveryState::Failed => "failed",
        }
    }

    /// Statuses arrive in any order; a record only moves to a higher rank. A failure
    /// outranks everything because it is the one an operator must see.
    pub fn rank(self) -> u8 {
        match self {
            DeliveryState::Sent => 1,
            DeliveryState::Delivered => 2,
            DeliveryState::Read => 3,
            DeliveryState::Failed => 4,
        }
    }
}

/// A status report about one message the bot sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryUpdate {
    /// The id the channel gave the bot's message when it was sent.
    pub message_id: String,
    pub state: DeliveryState,
    pub at: DateTime<Utc>,
    /// The channel's error code when `state` is `Failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
}
