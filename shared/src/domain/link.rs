use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Money, Phone};

/// A payment link's state. Only moves forward: `Creating` → `Created`/`Pending` → one of the
/// four outcomes, which are final.
///
/// Every final state is the rail's word: the bot never decides on its own clock that a link
/// expired. A link past its lifetime is looked up on the rail (with backoff) until the rail
/// reports it final, so the seller is never told "expired" for a payment the rail may still
/// take. A result that names a different final state than the one recorded changes nothing
/// and raises an alert (the rail contradicting itself is for an operator to look at).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Reserved, the rail not yet asked (or its answer not yet stored).
    Creating,
    Created,
    Pending,
    Success,
    Failed,
    Declined,
    Expired,
}

impl LinkState {
    pub fn is_final(self) -> bool {
        matches!(self, LinkState::Success | LinkState::Failed | LinkState::Declined | LinkState::Expired)
    }

    fn rank(self) -> u8 {
        match self {
            LinkState::Creating => 0,
            LinkState::Created => 1,
            LinkState::Pending => 2,
            _ => 3,
        }
    }

    /// Whether `self → next` is a real forward transition.
    pub fn can_move_to(self, next: LinkState) -> bool {
        !self.is_final() && next.rank() > self.rank()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Creating => "creating",
            LinkState::Created => "created",
            LinkState::Pending => "pending",
            LinkState::Success => "success",
            LinkState::Failed => "failed",
            LinkState::Declined => "declined",
            LinkState::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Qr,
    Rtp,
}

/// A payment link: one payment on the rail, asked for by one seller message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLink {
    /// Our id, the rail's `orderId`.
    pub id: String,
    pub seller: Phone,
    pub business_number_id: String,
    pub merchant_id: String,
    pub terminal_id: String,
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    pub kind: LinkKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Phone>,
    pub state: LinkState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The payer's bank, once the rail reports the payment paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_bank: Option<String>,
    /// When the template function next looks at this link: an open link's next status lookup
    /// on the rail, or, for a final link, the time by which its seller's notification must
    /// have been queued (else the poller queues it). `None`: nothing left to do (final and
    /// notified), or not yet on the rail (`Creating`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_check_at: Option<DateTime<Utc>>,
    /// The seller's message that asked for it.
    pub request_message_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The link id for a seller message: derived, so re-processing the same message reaches the
/// same link (and the same `orderId` on the rail) instead of making a second one.
pub fn link_id_for_message(message_id: &str) -> String {
    let digest = Sha256::digest(message_id.as_bytes());
    format!("pl-{}", &hex::encode(digest)[..24])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_only_move_forward() {
        use LinkState::*;
        assert!(Creating.can_move_to(Created));
        assert!(Created.can_move_to(Pending));
        assert!(Created.can_move_to(Success));
        assert!(Pending.can_move_to(Expired));
        assert!(!Pending.can_move_to(Created));
        assert!(!Success.can_move_to(Expired));
        assert!(!Expired.can_move_to(Success));
        assert!(!Created.can_move_to(Created));
    }

    #[test]
    fn link_ids_are_stable_and_distinct() {
        assert_eq!(link_id_for_message("wamid.A"), link_id_for_message("wamid.A"));
        assert_ne!(link_id_for_message("wamid.A"), link_id_for_message("wamid.B"));
        assert_eq!(link_id_for_message("wamid.A").len(), 27);
    }
}
