//! The small traits the functions are written against, one per operation family.
//! Each has an AWS adapter and an in-memory twin in [`crate::adapters`].

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreResult;
use crate::domain::{ContactKey, DeliveryState, DeliveryUpdate};

/// The time, injected so tests and the local stack can move it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The 24-hour customer-service window: when each user last wrote to each business number.
#[async_trait]
pub trait WindowStore: Send + Sync {
    /// Records an inbound message time. Never moves the time backwards: an older time
    /// (a late or retried delivery) leaves the stored one in place.
    async fn record_inbound(&self, contact: &ContactKey, at: DateTime<Utc>) -> StoreResult<()>;
    async fn last_inbound(&self, contact: &ContactKey) -> StoreResult<Option<DateTime<Utc>>>;
}

/// The last known state of a message the bot sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub state: DeliveryState,
    pub at: DateTime<Utc>,
    pub error_code: Option<i64>,
}

/// Meta's code for "more than 24 hours since the user's last message".
pub const WINDOW_CLOSED_CODE: i64 = 131_047;

/// Delivery statuses of the bot's own messages.
#[async_trait]
pub trait DeliveryStatusStore: Send + Sync {
    /// Stores the update unless the message already has a state of equal or higher rank.
    async fn record(&self, update: &DeliveryUpdate) -> StoreResult<()>;
    async fn get(&self, message_id: &str) -> StoreResult<Option<DeliveryRecord>>;
    /// Keeps, beside a notice sent free-form, its outbox form, for when Meta reports later
    /// that the window was closed (131047 arrives in `statuses[]` too). Returns `false`, and
    /// keeps nothing, when that report is already stored: the caller then returns the notice
    /// to the outbox itself. Together with [`Self::take_fallback`] exactly one of the
    /// webhook and notify moves it, whichever order the two arrive in.
    async fn attach_fallback(&self, message_id: &str, item: &Notice) -> StoreResult<bool>;
    /// Takes the outbox form kept beside a message: a second call finds nothing.
    async fn take_fallback(&self, message_id: &str) -> StoreResult<Option<Notice>>;
}

/// A message for a queue. On a FIFO queue `group` keeps order within a group and
/// `dedup_id` drops repeats; a standard queue ignores both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    pub body: String,
    pub group: Option<String>,
    pub dedup_id: Option<String>,
}

/// Puts messages on one queue.
#[async_trait]
pub trait QueueSender: Send + Sync {
    /// Queues every message or returns an error; on error some may have been queued, so
    /// callers retry the whole batch and rely on deduplication.
    async fn send_batch(&self, messages: &[QueueMessage]) -> StoreResult<()>;
}

/// A message taken from a queue, to be deleted once handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub body: String,
    pub group: Option<String>,
    pub dedup_id: Option<String>,
    pub receipt: String,
}

/// Takes messages from one queue: the local stack's consumers and the contract tests use it;
/// on Lambda the event source mapping does this work.
#[async_trait]
pub trait QueueReceiver: Send + Sync {
    async fn receive(&self, max: usize) -> StoreResult<Vec<ReceivedMessage>>;
    async fn delete(&self, receipt: &str) -> StoreResult<()>;
}

/// Reads one JSON secret as a map of names to values.
#[async_trait]
pub trait SecretSource: Send + Sync {
    async fn secret_values(&self, secret_id: &str) -> StoreResult<HashMap<String, String>>;
}

// ---- the payment rail ------------------------------------------------------------------

/// A merchant's credentials on the payment rail, decrypted only in memory.
#[derive(Debug, Clone)]
pub struct MerchantCredentials {
    pub merchant_id: String,
    pub secret_key: crate::config::Secret,
}

/// How the payer is asked: a checkout page (QR) or a request-to-pay pushed to their bank app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentKind {
    Qr,
    Rtp { payer: crate::domain::Phone },
}

/// One payment to create on the rail.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    /// Our link id, unique per merchant: the rail's idempotency key (`orderId`).
    pub order_id: String,
    pub terminal_id: String,
    pub amount: crate::domain::Money,
    pub description: String,
    /// The checkout page's language: `ro`, `ru` or `en`.
    pub language: &'static str,
    pub kind: PaymentKind,
    pub callback_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedPayment {
    pub order_id: String,
    pub payment_id: String,
    pub checkout_url: Option<String>,
}

/// A payment's state on the rail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RailStatus {
    Created,
    Pending,
    Success,
    Failed,
    Declined,
    Expired,
}

/// A payment as the rail reports it (`GET payment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RailPayment {
    pub order_id: String,
    pub payment_id: String,
    pub terminal_id: String,
    pub status: RailStatus,
    pub amount: rust_decimal::Decimal,
    pub currency: String,
    pub payment_date: Option<String>,
    pub payer_bank: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RailError {
    /// The rail refused the request (4xx other than 401): retrying the same request won't help.
    #[error("the payment rail refused the request ({status}): {detail}")]
    Rejected { status: u16, detail: String },
    /// The merchant's credentials were refused, also after one refresh.
    #[error("the payment rail refused the merchant's credentials")]
    Unauthorized,
    /// Timeout, connection failure or 5xx: the rail may have done the work; retry with the
    /// same `order_id`.
    #[error("the payment rail is unavailable: {0}")]
    Unavailable(String),
    /// The rail answered with something that does not follow its contract.
    #[error("the payment rail answered unexpectedly: {0}")]
    Malformed(String),
}

/// The payment rail (miaPOS eComm API).
#[async_trait]
pub trait PaymentRail: Send + Sync {
    async fn create_payment(
        &self,
        merchant: &MerchantCredentials,
        request: &PaymentRequest,
    ) -> Result<CreatedPayment, RailError>;
    async fn payment(
        &self,
        merchant: &MerchantCredentials,
        payment_id: &str,
    ) -> Result<RailPayment, RailError>;
}

// ---- the WhatsApp sender ----------------------------------------------------------------

/// A row of an interactive list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub rows: Vec<ListRow>,
}

/// What the bot sends, already in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboundContent {
    Text {
        body: String,
    },
    List {
        body: String,
        button: String,
        sections: Vec<ListSection>,
    },
    /// An approved template: name, exact language code, body parameters in order.
    Template {
        name: String,
        language: String,
        body_parameters: Vec<String>,
    },
    /// A document uploaded before through [`MediaUploader`]: only its media id travels (a
    /// file could exceed the queue's 256 KB message limit), with the file name the user sees
    /// and a caption.
    Document {
        media_id: String,
        filename: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
}

/// One message to one user from one of the business's numbers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutboundMessage {
    pub business_number_id: String,
    /// The recipient's phone (WhatsApp addresses users by phone digits).
    pub to: crate::domain::Phone,
    pub content: OutboundContent,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// 131047: the 24-hour window is closed; only a template may be sent.
    #[error("the customer-service window is closed")]
    WindowClosed,
    /// Throttling (130429, 131056, 4, 80007), transient errors (131000, 131016), 5xx,
    /// timeouts: retry with backoff.
    #[error("retryable send failure (code {code:?}): {detail}")]
    Retryable { code: Option<i64>, detail: String },
    /// Everything else (131026, 131048, 131049, 131051, 100, 190, other 4xx): do not retry.
    #[error("permanent send failure (code {code:?}): {detail}")]
    Permanent { code: Option<i64>, detail: String },
}

/// The WhatsApp Cloud API's send endpoint. Returns the new message's wamid.
#[async_trait]
pub trait WhatsAppSender: Send + Sync {
    async fn send(&self, message: &OutboundMessage) -> Result<String, SendError>;
}

/// A file to send as a media message.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub bytes: Vec<u8>,
    /// `application/pdf`.
    pub mime_type: String,
    pub filename: String,
}

impl std::fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A statement's bytes are the user's data: the size is enough for a log line.
        f.debug_struct("MediaFile")
            .field("bytes", &self.bytes.len())
            .field("mime_type", &self.mime_type)
            .field("filename", &self.filename)
            .finish()
    }
}

/// The WhatsApp Cloud API's media endpoint: uploads a file from one business number and
/// returns its media id, which a [`OutboundContent::Document`] names (Meta keeps it about
/// 30 days). Errors are sorted as the send endpoint's are.
#[async_trait]
pub trait MediaUploader: Send + Sync {
    async fn upload(&self, business_number_id: &str, file: &MediaFile) -> Result<String, SendError>;
}

// ---- directory, conversations, links, idempotency, audit, failed commands ---------------

/// Business-number profiles and the seller directory (imported from a file; see the README).
#[async_trait]
pub trait Directory: Send + Sync {
    async fn profile(&self, business_number_id: &str) -> StoreResult<Option<crate::domain::BusinessProfile>>;
    /// Every business number's profile, by business number id (the operator console's list).
    async fn profiles(&self) -> StoreResult<Vec<crate::domain::BusinessProfile>>;
    async fn seller(&self, phone: &crate::domain::Phone) -> StoreResult<Option<crate::domain::Seller>>;
    async fn put_profile(&self, profile: &crate::domain::BusinessProfile) -> StoreResult<()>;
    async fn put_seller(&self, seller: &crate::domain::Seller) -> StoreResult<()>;
}

/// What the bot remembers about one conversation besides its window: what the core owns
/// (the locale), and each capability's own state under its name, so that one capability's
/// state (the seller's merchant picker, the wallet's pending confirmation) never meets
/// another's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactSettings {
    /// Chosen with `/lang`; the actor's own locale applies until then.
    pub locale: Option<crate::domain::Locale>,
    /// Each capability's state as it wrote it (its own JSON), by capability name.
    pub states: std::collections::BTreeMap<String, String>,
}

impl ContactSettings {
    pub fn state(&self, namespace: &str) -> Option<&str> {
        self.states.get(namespace).map(String::as_str)
    }
}

#[async_trait]
pub trait ContactStore: Send + Sync {
    async fn settings(&self, contact: &ContactKey) -> StoreResult<ContactSettings>;
    async fn set_locale(&self, contact: &ContactKey, locale: crate::domain::Locale) -> StoreResult<()>;
    /// Replaces (or with `None` clears) one capability's state.
    async fn set_state(&self, contact: &ContactKey, namespace: &str, state: Option<&str>) -> StoreResult<()>;
}

/// A forward move of a payment link, with what the rail said alongside the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTransition<'a> {
    pub to: crate::domain::LinkState,
    /// The rail's payment id: stored when the link has none yet (a callback that arrived
    /// before the rail's answer to `pay` was stored).
    pub payment_id: Option<&'a str>,
    /// Kept with a paid link, for the seller's notification.
    pub payer_bank: Option<&'a str>,
    /// For a final state: by when the seller's notification must have been queued, else the
    /// poller queues it. For an open state: the first lookup, if none is scheduled yet.
    pub check_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// Where a page of [`PaymentLinkStore::due_links`] ended: the last link's check time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCursor {
    pub check_at: DateTime<Utc>,
    pub id: String,
}

/// Payment links by id, by seller newest first, and by when they next need looking at.
#[async_trait]
pub trait PaymentLinkStore: Send + Sync {
    /// Stores `link` unless one with its id exists. Returns the stored link and whether it
    /// was inserted now.
    async fn insert_if_absent(
        &self,
        link: &crate::domain::PaymentLink,
    ) -> StoreResult<(crate::domain::PaymentLink, bool)>;
    async fn get(&self, id: &str) -> StoreResult<Option<crate::domain::PaymentLink>>;
    /// Stores the rail's answer to `pay`: `Creating` → `Created` with the payment id, the
    /// checkout URL and the first status lookup at `check_at`. On a link a callback already
    /// moved to `Created`/`Pending`, stores the answer without moving it. Returns the stored
    /// link; `None` when the link is final already (or unknown).
    async fn mark_created(
        &self,
        id: &str,
        payment_id: &str,
        checkout_url: Option<&str>,
        check_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<crate::domain::PaymentLink>>;
    /// Moves the link forward if `transition.to` is forward from its current state; returns
    /// the updated link only when this call made the move (duplicates and late results get
    /// `None`). Concurrent calls race safely: at most one moves the link.
    async fn transition(
        &self,
        id: &str,
        transition: &LinkTransition<'_>,
    ) -> StoreResult<Option<crate::domain::PaymentLink>>;
    /// The seller's notification of the final `state` is queued: the link needs nothing more.
    async fn mark_notified(&self, id: &str, state: crate::domain::LinkState) -> StoreResult<()>;
    /// Moves the link's next check from `expected` to `next`, only if it is still `expected`:
    /// the poller's claim, so that overlapping runs look a link up once.
    async fn reschedule(&self, id: &str, expected: DateTime<Utc>, next: DateTime<Utc>) -> StoreResult<bool>;
    /// Removes a link the rail never accepted (still `Creating`): no half-made link stays.
    async fn discard_unfinished(&self, id: &str) -> StoreResult<()>;
    async fn by_seller(
        &self,
        seller: &crate::domain::Phone,
        limit: usize,
    ) -> StoreResult<Vec<crate::domain::PaymentLink>>;
    /// Links whose next check is due at `now`, by check time then id, starting after
    /// `after`: open links to look up on the rail, and final links whose notification was
    /// not confirmed queued.
    async fn due_links(
        &self,
        now: DateTime<Utc>,
        after: Option<&DueCursor>,
        limit: usize,
    ) -> StoreResult<Vec<crate::domain::PaymentLink>>;
}

/// The outcome of claiming a unit of work by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Nobody has done it: do it, then `complete`.
    Acquired,
    /// Someone is doing it now (their lease has not run out): try again later.
    InProgress,
    /// It was done: skip it.
    Done,
}

/// Durable deduplication with leases: a worker that dies mid-way loses its claim when the
/// lease runs out, so the work is retried rather than lost. Expiry is compared in code:
/// DynamoDB deletes expired items late, and moto never does.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    async fn claim(&self, key: &str, now: DateTime<Utc>, lease: chrono::Duration) -> StoreResult<Claim>;
    /// Marks the key done and keeps it for `keep` (Meta retries for up to 7 days).
    async fn complete(&self, key: &str, now: DateTime<Utc>, keep: chrono::Duration) -> StoreResult<()>;
    /// Gives a claim back after a failure, so a retry may start at once.
    async fn release(&self, key: &str) -> StoreResult<()>;
    /// Forgets a claim whatever its state, so the work may be done again: a notice Meta
    /// accepted and then reported undelivered is to be delivered once more.
    async fn reopen(&self, key: &str) -> StoreResult<()>;
}

/// An event for the audit trail.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditEvent {
    /// The chain the record joins (one per seller: `seller:+373…`), so appends by different
    /// sellers do not contend.
    pub chain: String,
    pub kind: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    pub detail: serde_json::Value,
}

/// A stored audit record: the event, its place in the chain and the hashes that link it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub seq: u64,
    pub prev_hash: String,
    pub hash: String,
    pub event: AuditEvent,
}

/// Append-only, hash-chained audit trail.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn append(&self, event: AuditEvent) -> StoreResult<AuditRecord>;
    async fn chain(&self, chain: &str) -> StoreResult<Vec<AuditRecord>>;
    /// The chain's newest record: what the next one will follow.
    async fn last(&self, chain: &str) -> StoreResult<Option<AuditRecord>>;
}

/// One line of the operator's failed-command log (of one business number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedCommand {
    /// What the user wrote, with long digit runs (phone numbers) masked.
    pub text: String,
    pub kind: String,
    pub suggestion: Option<String>,
    pub count: u64,
    pub last_seen: DateTime<Utc>,
}

#[async_trait]
pub trait FailedCommandLog: Send + Sync {
    async fn record(
        &self,
        business_number_id: &str,
        text: &str,
        kind: &str,
        suggestion: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The number's entries, most frequent first, then most recent.
    async fn list(&self, business_number_id: &str, limit: usize) -> StoreResult<Vec<FailedCommand>>;
}

// ---- the template outbox -----------------------------------------------------------------

/// A notice: what the bot tells a user that may arrive after the 24-hour window (a payment's
/// final state; a wallet's money received, …), from any capability. It carries its words
/// free-form and as an approved Utility template, rendered in the user's locale when sent,
/// and waits in the outbox while the window is closed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notice {
    /// Unique per update and stable across retries: `<capability>:<subject>:<event>`.
    pub id: String,
    pub contact: ContactKey,
    /// The free-form message.
    pub text: crate::i18n::Words,
    /// The approved Utility template of the same words, and its body parameters in order.
    pub template: String,
    pub parameters: Vec<crate::i18n::WordArg>,
    /// This notice as one line of a digest of several (its parts joined by spaces).
    pub digest_line: Vec<crate::i18n::WordArg>,
    /// The user's locale when the notice was made; a `/lang` choice made since comes first.
    pub locale: crate::domain::Locale,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

impl Notice {
    /// The key every delivery path claims before sending this notice (free-form at once,
    /// free-form when the user writes again, a template or a digest), so it reaches the user
    /// once whichever path gets there first.
    pub fn notice_key(&self) -> String {
        format!("notice:{}", self.id)
    }
}

/// Notices waiting per conversation: for the window to reopen, or for the template sender.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Adds the notice (once per notice id: adding it again changes nothing).
    async fn add(&self, notice: &Notice) -> StoreResult<()>;
    /// The conversation's pending notices, oldest first.
    async fn pending(&self, contact: &ContactKey) -> StoreResult<Vec<Notice>>;
    /// Conversations with at least one pending notice.
    async fn contacts_with_pending(&self, limit: usize) -> StoreResult<Vec<ContactKey>>;
    /// Removes the given notices (those delivered).
    async fn remove(&self, contact: &ContactKey, notice_ids: &[String]) -> StoreResult<()>;
}

// ---- the wallet ---------------------------------------------------------------------------

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SmsError {
    /// The number cannot receive SMS (not a mobile number, opted out): do not retry.
    #[error("the SMS was refused: {0}")]
    Refused(String),
    /// Throttling, a timeout, a 5xx: retry later.
    #[error("the SMS service is unavailable: {0}")]
    Unavailable(String),
}

/// Sends a text message by SMS (Amazon SNS in AWS; the local stack's SMS inbox).
#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `text` to `to` as a transactional SMS. Returns the provider's message id.
    async fn send_sms(&self, to: &crate::domain::Phone, text: &str) -> Result<String, SmsError>;
}

/// The wallet operator's accounts (imported from the wallet file; see the README).
#[async_trait]
pub trait WalletDirectory: Send + Sync {
    async fn account(&self, id: &str) -> StoreResult<Option<crate::domain::WalletAccount>>;
    /// The account opened with `phone` as its registered phone.
    async fn account_by_phone(
        &self,
        phone: &crate::domain::Phone,
    ) -> StoreResult<Option<crate::domain::WalletAccount>>;
    async fn put_account(&self, account: &crate::domain::WalletAccount) -> StoreResult<()>;
    /// Every account (the console's "share of all wallet accounts", the import's check).
    async fn count_accounts(&self) -> StoreResult<u64>;
}

/// A WhatsApp number bound to a wallet account, on one business number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletLink {
    pub contact: ContactKey,
    pub account_id: String,
    pub linked_at: DateTime<Utc>,
    /// The last time this conversation proved its session (a code, or a message within the
    /// idle time of the one before).
    pub last_active: DateTime<Utc>,
}

/// Why a one-time code was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    /// Binding a WhatsApp number to the account.
    Link,
    /// A fresh proof before a money movement (an idle session, or the fraud score asked).
    Session,
}

/// A one-time code waiting to be typed: only its keyed hash is kept. One live code per
/// account: a new one replaces the old.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCode {
    pub account_id: String,
    /// The conversation the code was asked from: it is valid only there.
    pub contact: ContactKey,
    pub purpose: CodePurpose,
    /// HMAC-SHA256 of the code under the OTP key, hex.
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
    pub attempts_left: u32,
    pub created_at: DateTime<Utc>,
}

/// The outcome of typing a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code matched and is spent now: it can never be used again.
    Accepted(PendingCode),
    /// It did not match; this many attempts remain (0: the code is spent).
    Wrong {
        attempts_left: u32,
    },
    Expired,
    /// No live code for the account (never asked, used, replaced or out of attempts).
    NoCode,
}

/// WhatsApp links, pending one-time codes, and how often a conversation asked for codes.
#[async_trait]
pub trait WalletLinkStore: Send + Sync {
    async fn link(&self, contact: &ContactKey) -> StoreResult<Option<WalletLink>>;
    /// The conversation linked to an account on a business number (where its notices go).
    async fn link_of_account(
        &self,
        business_number_id: &str,
        account_id: &str,
    ) -> StoreResult<Option<WalletLink>>;
    /// Binds the conversation to the account, replacing any earlier binding of either.
    async fn bind(&self, contact: &ContactKey, account_id: &str, at: DateTime<Utc>) -> StoreResult<()>;
    async fn unbind(&self, contact: &ContactKey) -> StoreResult<()>;
    /// Records session activity (never moves it backwards).
    async fn touch(&self, contact: &ContactKey, at: DateTime<Utc>) -> StoreResult<()>;
    /// Stores a new code for its account, replacing any live one.
    async fn put_code(&self, code: &PendingCode) -> StoreResult<()>;
    /// Checks a typed code's hash against the account's live code, atomically: a match
    /// spends the code; a miss spends one attempt (concurrent tries never get more attempts
    /// than the budget).
    async fn check_code(
        &self,
        account_id: &str,
        contact: &ContactKey,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<CodeCheck>;
    /// Counts one code request by the conversation in the window starting at `window_start`
    /// and returns the count including this one (the LINK rate limit).
    async fn count_code_request(&self, contact: &ContactKey, window_start: DateTime<Utc>)
    -> StoreResult<u32>;
    /// How many conversations of the business number are linked now (the console's figure).
    async fn count_linked(&self, business_number_id: &str) -> StoreResult<u64>;
}

/// What a MoMo operation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MomoKind {
    /// A request-to-pay: the user tops up their wallet from their MoMo number.
    TopUp,
    /// A disbursement: a SEND to a number without a wallet.
    Payout,
}

/// Where a MoMo operation stands, as far as the wallet knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MomoState {
    /// Stored before the call; MoMo may or may not have it yet.
    Requested,
    /// MoMo queued it.
    Pending,
    Succeeded,
    Failed,
}

impl MomoState {
    pub fn is_final(self) -> bool {
        matches!(self, MomoState::Succeeded | MomoState::Failed)
    }

    /// Only forward and only from an open state: Requested → Pending or a final state,
    /// Pending → a final state.
    pub fn can_move_to(self, to: MomoState) -> bool {
        matches!(
            (self, to),
            (MomoState::Requested, MomoState::Pending | MomoState::Succeeded | MomoState::Failed)
                | (MomoState::Pending, MomoState::Succeeded | MomoState::Failed)
        )
    }
}

/// One top-up or payout, stored before MoMo is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomoOperation {
    pub reference: uuid::Uuid,
    pub kind: MomoKind,
    pub account_id: String,
    /// The conversation that asked: where the result is told.
    pub contact: ContactKey,
    /// The MoMo number paid from or to.
    pub msisdn: crate::domain::Phone,
    pub amount_minor: i64,
    pub currency: crate::domain::Currency,
    /// The fee charged on top (payouts), in minor units.
    pub fee_minor: i64,
    pub state: MomoState,
    /// MoMo's reason on FAILED, as sent.
    pub reason: Option<String>,
    /// The ledger transfer this operation posts (or, for a payout, the hold it released).
    pub transfer_id: String,
    /// The secure execution layer's hash of the intent, for a payout.
    pub hash: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the operation is next read back from MoMo, should no callback come; `None` once
    /// final and told.
    pub next_check_at: Option<DateTime<Utc>>,
}

/// Top-ups and payouts by reference id, and by when they next need reading back.
#[async_trait]
pub trait MomoOperationStore: Send + Sync {
    /// Stores the operation unless its reference exists; returns the stored one and whether
    /// it was inserted now.
    async fn insert_if_absent(&self, operation: &MomoOperation) -> StoreResult<(MomoOperation, bool)>;
    async fn get(&self, reference: uuid::Uuid) -> StoreResult<Option<MomoOperation>>;
    /// Moves an open operation to `to` (Pending, or a final state with its reason); returns
    /// the updated operation only when this call made the move. A final state never changes.
    async fn transition(
        &self,
        reference: uuid::Uuid,
        to: MomoState,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<MomoOperation>>;
    /// Moves the next check from `expected` to `next` (`None`: nothing more to do), only if
    /// it is still `expected`: the poller's claim.
    async fn reschedule(
        &self,
        reference: uuid::Uuid,
        expected: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> StoreResult<bool>;
    /// Operations whose next check is due at `now`, oldest check first, at most `limit`.
    async fn due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<MomoOperation>>;
}

/// Something an operator must look at: suspicious activity, a rail that contradicted itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Stable per cause (`fraud:<nonce>`): raising it again changes nothing.
    pub id: String,
    pub business_number_id: String,
    /// `suspicious`, `rail_conflict`, …
    pub kind: String,
    /// The actor concerned (`wallet:<account id>`), never a phone number.
    pub subject: String,
    /// What happened, in the operator's words (the rules that fired and their weights).
    pub detail: serde_json::Value,
    pub raised_at: DateTime<Utc>,
    /// Who acknowledged it, and when.
    pub acknowledged: Option<(String, DateTime<Utc>)>,
}

#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Raises the alert once per id.
    async fn raise(&self, alert: &Alert) -> StoreResult<()>;
    /// Alerts of a business number, newest first.
    async fn list(&self, business_number_id: &str, limit: usize) -> StoreResult<Vec<Alert>>;
    /// Returns `false` when the alert is unknown.
    async fn acknowledge(&self, id: &str, by: &str, at: DateTime<Utc>) -> StoreResult<bool>;
}

// ---- the operator console: controls, human handoff, metrics ------------------------------

/// The bot switch of one business number, off: since when, by whom. Its id names this pause,
/// so that each user is told "paused" once per pause.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pause {
    pub id: String,
    /// The operator who switched the bot off (their console identity).
    pub by: String,
    pub at: DateTime<Utc>,
}

/// What operators set for one business number: the bot switch and the aliases they taught.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumberControls {
    /// `None` while the bot answers.
    pub paused: Option<Pause>,
    /// A phrase users write (normalized: upper-case, single spaces) → the command it stands
    /// for (`CHECK BALANCE` → `BAL`).
    pub aliases: std::collections::BTreeMap<String, String>,
}

#[async_trait]
pub trait ControlsStore: Send + Sync {
    /// The number's controls; the defaults (bot on, no aliases) when nothing was set.
    async fn controls(&self, business_number_id: &str) -> StoreResult<NumberControls>;
    /// Switches the bot off (`Some`) or on (`None`).
    async fn set_paused(&self, business_number_id: &str, pause: Option<&Pause>) -> StoreResult<()>;
    /// Adds or replaces one alias (`alias` as [`crate::operator::controls::normalize_alias`] gives it).
    async fn teach_alias(&self, business_number_id: &str, alias: &str, command: &str) -> StoreResult<()>;
    /// Returns `false` when the alias was not taught.
    async fn forget_alias(&self, business_number_id: &str, alias: &str) -> StoreResult<bool>;
}

/// Why a conversation went to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    /// The user asked (`AGENT`, `HUMAN`, or a locale's word).
    Asked,
    /// Commands failed several times in a row.
    RepeatedFailures,
}

/// Who wrote a line of an escalated conversation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum HandoffParty {
    User,
    /// The operator, by console identity.
    Operator(String),
}

/// One line of an escalated conversation, as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HandoffMessage {
    /// The wamid for the user's lines, a minted id for the operator's: appending the same id
    /// twice keeps one line (a redelivered webhook).
    pub id: String,
    pub at: DateTime<Utc>,
    pub from: HandoffParty,
    /// The text, or a short description of a non-text message (`[image]`).
    pub text: String,
}

/// A conversation handed to a person: the bot stays silent in it until an operator
/// releases it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub contact: ContactKey,
    pub reason: EscalationReason,
    pub opened_at: DateTime<Utc>,
    /// The user's locale when it opened (the operator's replies go out with its template).
    pub locale: crate::domain::Locale,
    /// The most recent lines, oldest first, at most [`crate::operator::handoff::KEPT_MESSAGES`].
    pub messages: Vec<HandoffMessage>,
    /// Who released it, and when; `None` while open.
    pub released: Option<(String, DateTime<Utc>)>,
}

#[async_trait]
pub trait EscalationStore: Send + Sync {
    /// Opens an escalation for its contact; `false` (and nothing changes) when one is open.
    /// A released one is replaced.
    async fn open(&self, escalation: &Escalation) -> StoreResult<bool>;
    /// Adds a line to the contact's escalation (open or not), keeping the most recent ones;
    /// a line whose id is there already changes nothing.
    async fn append(&self, contact: &ContactKey, message: &HandoffMessage) -> StoreResult<()>;
    async fn get(&self, contact: &ContactKey) -> StoreResult<Option<Escalation>>;
    /// Open escalations of a business number, oldest first.
    async fn open_for(&self, business_number_id: &str, limit: usize) -> StoreResult<Vec<Escalation>>;
    /// Marks the open escalation released; `false` when none is open.
    async fn release(&self, contact: &ContactKey, by: &str, at: DateTime<Utc>) -> StoreResult<bool>;
}

/// Counters of one business number for one day (UTC), added to by every function once per
/// batch ([`crate::operator::metrics::MetricsBatch`]).
#[async_trait]
pub trait MetricsStore: Send + Sync {
    /// Adds `tally` to the day's counters (an atomic add: concurrent batches both count).
    async fn add(
        &self,
        business_number_id: &str,
        day: chrono::NaiveDate,
        tally: &crate::operator::metrics::Tally,
    ) -> StoreResult<()>;
    /// The days from `from` to `to` (both included) that have counters, oldest first.
    async fn days(
        &self,
        business_number_id: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<(chrono::NaiveDate, crate::operator::metrics::Tally)>>;
}

// ---- susu groups -----------------------------------------------------------------------------

/// Susu groups: made by the operator's import, joined by members. Contributions and payouts
/// are ledger transfers (their ids name the group and cycle), not kept here.
#[async_trait]
pub trait SusuGroupStore: Send + Sync {
    /// Writes a group as the operator defines it; members who joined since stay when the
    /// import lists fewer (an import never drops a member).
    async fn put_group(&self, group: &crate::domain::SusuGroup) -> StoreResult<()>;
    async fn group(&self, code: &str) -> StoreResult<Option<crate::domain::SusuGroup>>;
    /// Adds the account at the end of the payout order while seats are free.
    async fn join(&self, code: &str, account_id: &str) -> StoreResult<crate::domain::SusuJoin>;
    /// The groups an account is a member of.
    async fn groups_of(&self, account_id: &str) -> StoreResult<Vec<crate::domain::SusuGroup>>;
    /// Every group (the scheduled payouts walk them).
    async fn all_groups(&self) -> StoreResult<Vec<crate::domain::SusuGroup>>;
}
