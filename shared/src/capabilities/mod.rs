//! Capabilities side by side. The core knows conversations, not products: a business
//! number's profile lists what it offers, and the command function hands each turn to the
//! capability that knows the user. A capability owns its grammar, how it identifies the
//! user, its conversation state (under its own name), its list rows (ids prefixed with its
//! name) and its replies. The core owns the claim on the message, the window, the locale
//! and `/lang`, the audit chains (one per actor) and the notices.
//!
//! Adding a capability is a module here implementing [`Capability`] and its name in a
//! profile; the core flow and the other capabilities stay as they are.

pub mod conversation;
pub mod seller;
pub mod text;
pub mod wallet;

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;

use crate::StoreError;
use crate::StoreResult;
use crate::domain::{BusinessProfile, ContactKey, InboundMessage, Locale, Phone};

pub use conversation::{Answer, CORE_NAMESPACE, TurnFigures, row_id, split_row_id};

/// One turn of a conversation, as a capability sees it.
pub struct Turn<'a> {
    pub message: &'a InboundMessage,
    pub contact: &'a ContactKey,
    pub profile: &'a BusinessProfile,
    /// The user's phone, when Meta gave one.
    pub phone: Option<&'a Phone>,
    /// This capability's own conversation state, as it last wrote it.
    pub state: Option<&'a str>,
}

/// Who a user is to one capability.
#[derive(Clone)]
pub struct Actor {
    /// The kind of actor (`seller`, `wallet`): the first part of its audit chain.
    pub kind: &'static str,
    /// The actor within its kind: an E.164 phone, an account id.
    pub id: String,
    /// The actor's own locale (from the directory); a `/lang` choice comes first.
    pub locale: Option<Locale>,
    /// The record the capability found the actor by, handed back to it with the turn so it
    /// is read once per message.
    pub record: Arc<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor")
            .field("kind", &self.kind)
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

impl Actor {
    /// The actor's audit chain: one per actor, so that appends by different actors never
    /// contend and each chain verifies on its own.
    pub fn audit_chain(&self) -> String {
        format!("{}:{}", self.kind, self.id)
    }
}

/// Why a turn must be retried (the message is delivered again; every step is idempotent).
#[derive(Debug, thiserror::Error)]
pub enum TurnFailure {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A downstream system may have acted (a timeout, an unreadable answer): the retry must
    /// ask again with the same idempotency key.
    #[error("a downstream system may have acted: {0}")]
    Uncertain(String),
}

/// A capability of a business number.
#[async_trait]
pub trait Capability: Send + Sync {
    /// Its name: the namespace of its conversation state and of its list-row ids.
    fn name(&self) -> &'static str;
    /// Whether it is what a profile offers under `offered`.
    fn serves(&self, offered: crate::domain::Capability) -> bool;
    /// Who the user is to this capability, if anyone.
    async fn identify(&self, turn: &Turn<'_>) -> StoreResult<Option<Actor>>;
    /// One turn, for `actor`; `None` when no capability of the number knows the user and this
    /// one is the number's first (it answers strangers).
    async fn handle(
        &self,
        turn: &Turn<'_>,
        actor: Option<&Actor>,
        answer: &mut Answer,
    ) -> Result<(), TurnFailure>;
}
