//! One inbound message, start to finish.

use std::sync::Arc;

use chrono::Duration;
use paybot::StoreError;
use paybot::commands::{self, Command, MarketRules, Refusal};
use paybot::config::Config;
use paybot::crypto::{DataKey, merchant_secret_binding};
use paybot::domain::{
    BusinessProfile, ContactKey, InboundMessage, LinkKind, LinkState, Locale, MerchantBinding,
    MessageContent, Money, PaymentLink, Phone, Seller, SellerStatus, link_id_for_message,
};
use paybot::outbound::OutboundJob;
use paybot::payments::CheckSchedule;
use paybot::ports::{
    AuditEvent, AuditLog, Claim, Clock, ContactStore, Directory, FailedCommandLog, IdempotencyStore,
    MerchantCredentials, OutboundMessage, OutboxStore, PaymentKind, PaymentLinkStore, PaymentRail,
    PaymentRequest, QueueSender, RailError,
};

use crate::replies::{self, Reply};

/// Limits of the command function, from configuration with safe defaults.
#[derive(Debug, Clone)]
pub struct CommandSettings {
    /// Where miaPOS posts payment results (`PUBLIC_BASE_URL` + `/miapos/callback`).
    pub callback_url: Option<String>,
    /// How long a claim on a message holds before another worker may take it over; longer
    /// than the function's timeout.
    pub lease: Duration,
    /// How long a handled message id is remembered: Meta retries for up to 7 days.
    pub remember_handled: Duration,
    /// When a new link is first looked up on the rail, should its callback not come.
    pub checks: CheckSchedule,
}

impl CommandSettings {
    pub fn from_config(config: &Config) -> Self {
        CommandSettings {
            callback_url: config.public_base_url.as_ref().map(|base| format!("{base}/miapos/callback")),
            lease: Duration::minutes(2),
            remember_handled: Duration::days(8),
            checks: config.checks,
        }
    }
}

/// What the command function works with: the ports, the data key and the settings.
pub struct CommandDeps {
    pub directory: Arc<dyn Directory>,
    pub contacts: Arc<dyn ContactStore>,
    pub links: Arc<dyn PaymentLinkStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub audit: Arc<dyn AuditLog>,
    pub failed_commands: Arc<dyn FailedCommandLog>,
    /// Late status updates waiting for this seller: a message from them reopens the window,
    /// so they go out free-form at once.
    pub outbox: Arc<dyn OutboxStore>,
    pub rail: Arc<dyn PaymentRail>,
    pub outbound: Arc<dyn QueueSender>,
    pub clock: Arc<dyn Clock>,
    pub data_key: DataKey,
    pub settings: CommandSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Another worker holds this message right now.
    #[error("the message is being handled elsewhere")]
    Busy,
    #[error(transparent)]
    Failed(#[from] CommandFailure),
}

/// Why handling a message must be retried.
#[derive(Debug, thiserror::Error)]
pub enum CommandFailure {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The rail timed out or answered unreadably: it may have made the payment, so the link
    /// stays reserved and the message is retried with the same `orderId`.
    #[error("the payment rail may have acted: {0}")]
    RailUncertain(RailError),
    #[error("no profile for the business number")]
    NoProfile,
}

impl From<StoreError> for CommandError {
    fn from(err: StoreError) -> Self {
        CommandError::Failed(CommandFailure::Store(err))
    }
}

/// Everything known about the conversation a message belongs to.
struct Conversation<'a> {
    message: &'a InboundMessage,
    contact: ContactKey,
    profile: BusinessProfile,
    phone: Phone,
    locale: Locale,
    replies: Vec<OutboundJob>,
    /// Answers are numbered on their own: their ids must not depend on how many waiting
    /// updates went out before them, or a retry would send an answer twice.
    answers: usize,
}

impl Conversation<'_> {
    fn reply(&mut self, reply: Reply) {
        let content = replies::render(&reply, self.locale);
        self.answers += 1;
        self.replies.push(OutboundJob {
            id: format!("{}:{}", self.message.id, self.answers - 1),
            message: OutboundMessage {
                business_number_id: self.message.business_number_id.clone(),
                to: self.phone.clone(),
                content,
            },
            notices: Vec::new(),
        });
    }

    fn rules(&self) -> MarketRules {
        MarketRules {
            currency: self.profile.currency,
            country_code: self.profile.country_code.clone(),
            qr_max: self.profile.qr_max,
            rtp_max: self.profile.rtp_max,
            description_max_chars: self.profile.description_max_chars,
            ..MarketRules::moldova()
        }
    }
}

/// Handles one inbound message exactly once: claims its id, does the work, queues the
/// replies, then marks it done. A failure gives the claim back and asks for a retry; every
/// step before it is idempotent (the link id is derived from the message id, the rail
/// deduplicates on it, and reply ids are stable).
pub async fn handle_message(deps: &CommandDeps, message: &InboundMessage) -> Result<(), CommandError> {
    let now = deps.clock.now();
    match deps.idempotency.claim(&message.id, now, deps.settings.lease).await? {
        Claim::Done => {
            tracing::info!(message = %message.id, "duplicate delivery ignored");
            return Ok(());
        }
        Claim::InProgress => return Err(CommandError::Busy),
        Claim::Acquired => {}
    }
    match execute(deps, message).await {
        Ok(()) => {
            deps.idempotency.complete(&message.id, deps.clock.now(), deps.settings.remember_handled).await?;
            Ok(())
        }
        Err(err) => {
            if let Err(release) = deps.idempotency.release(&message.id).await {
                tracing::warn!(message = %message.id, error = %release, "claim not released; it expires with its lease");
            }
            Err(err.into())
        }
    }
}

async fn execute(deps: &CommandDeps, message: &InboundMessage) -> Result<(), CommandFailure> {
    let Some(phone) = message.from.phone.clone() else {
        // Users known only by their business-scoped id cannot be sellers: sellers are
        // registered by phone.
        tracing::info!(message = %message.id, "message without a phone number ignored");
        return Ok(());
    };
    let Some(profile) = deps.directory.profile(&message.business_number_id).await? else {
        // Retried, then parked on the dead-letter queue: the operator imports the profile
        // and redrives, and the seller is answered then.
        tracing::error!(business_number = %message.business_number_id, "no profile for this business number");
        return Err(CommandFailure::NoProfile);
    };
    let contact = ContactKey {
        business_number_id: message.business_number_id.clone(),
        user_key: phone.as_e164().into(),
    };
    let settings = deps.contacts.settings(&contact).await?;
    let seller = deps.directory.seller(&phone).await?;
    let locale = settings.locale.or(seller.as_ref().map(|s| s.locale)).unwrap_or(profile.default_locale);
    let mut conversation =
        Conversation { message, contact, profile, phone, locale, replies: Vec::new(), answers: 0 };

    // The window is open again: updates that waited for a template go now, free of charge,
    // before the answer to this message.
    let late = deps.outbox.pending(&conversation.contact).await?;
    for item in &late {
        conversation.replies.push(paybot::payments::late_job(
            item,
            conversation.locale,
            conversation.phone.clone(),
        ));
    }

    match seller {
        None => {
            conversation.reply(Reply::UnknownSeller);
            audit(deps, &conversation, "refused", serde_json::json!({"reason": "unknown_seller"})).await?;
        }
        Some(seller) => {
            let pending = settings.pending_command.clone();
            let selected = settings.selected_merchant.clone();
            handle_content(deps, &mut conversation, &seller, selected, pending).await?;
        }
    }

    // The waiting updates leave the outbox when notify has delivered them.
    let queued: Vec<_> = conversation.replies.iter().map(OutboundJob::to_queue_message).collect();
    if !queued.is_empty() {
        deps.outbound.send_batch(&queued).await?;
    }
    Ok(())
}

async fn handle_content(
    deps: &CommandDeps,
    conversation: &mut Conversation<'_>,
    seller: &Seller,
    selected_merchant: Option<String>,
    pending_command: Option<String>,
) -> Result<(), CommandFailure> {
    match &conversation.message.content {
        MessageContent::Text { body } => {
            if pending_command.is_some() {
                // The seller moved on instead of picking a merchant: the old command is dropped,
                // so that a later pick cannot run it unasked.
                deps.contacts.set_pending_command(&conversation.contact, None).await?;
            }
            let body = body.clone();
            handle_text(deps, conversation, seller, selected_merchant.as_deref(), &body).await
        }
        MessageContent::ListReply { id, .. } | MessageContent::ButtonReply { id, .. } => {
            if let Some(code) = id.strip_prefix(replies::LANG_ROW_PREFIX) {
                let Some(locale) = Locale::parse(code) else { return Ok(()) };
                deps.contacts.set_locale(&conversation.contact, locale).await?;
                conversation.locale = locale;
                conversation.reply(Reply::LanguageChanged);
                return Ok(());
            }
            if let Some(merchant_id) = id.strip_prefix(replies::MERCHANT_ROW_PREFIX) {
                let Some(merchant) = seller.merchant(merchant_id) else { return Ok(()) };
                deps.contacts.set_selected_merchant(&conversation.contact, &merchant.merchant_id).await?;
                conversation.reply(Reply::MerchantSelected { name: merchant.name.clone() });
                if let Some(command) = pending_command {
                    // Cleared only once the command has run, so a retry still finds it.
                    handle_text(deps, conversation, seller, Some(&merchant.merchant_id), &command).await?;
                    deps.contacts.set_pending_command(&conversation.contact, None).await?;
                }
                return Ok(());
            }
            conversation.reply(Reply::Help { multi_merchant: seller.merchants.len() > 1 });
            Ok(())
        }
        MessageContent::Other { .. } => {
            conversation.reply(Reply::Help { multi_merchant: seller.merchants.len() > 1 });
            Ok(())
        }
    }
}

async fn handle_text(
    deps: &CommandDeps,
    conversation: &mut Conversation<'_>,
    seller: &Seller,
    selected_merchant: Option<&str>,
    text: &str,
) -> Result<(), CommandFailure> {
    let rules = conversation.rules();
    let command = match commands::parse(text, &rules) {
        Ok(command) => command,
        Err(refusal) => return Ok(refuse(deps, conversation, text, refusal).await?),
    };
    match command {
        Command::Help => conversation.reply(Reply::Help { multi_merchant: seller.merchants.len() > 1 }),
        Command::Lang => conversation.reply(Reply::LanguagePicker),
        Command::Merchant => match seller.merchants.as_slice() {
            [] => conversation.reply(Reply::NoMerchant),
            [only] => conversation.reply(Reply::MerchantSelected { name: only.name.clone() }),
            many => conversation.reply(Reply::MerchantPicker { merchants: many.to_vec() }),
        },
        Command::Pay { amount, description, tag } => {
            let request = LinkRequest { amount, description, tag, payer: None };
            issue_link(deps, conversation, seller, selected_merchant, text, request).await?;
        }
        Command::Rtp { amount, payer, description, tag } => {
            let request = LinkRequest { amount, description, tag, payer: Some(payer) };
            issue_link(deps, conversation, seller, selected_merchant, text, request).await?;
        }
    }
    Ok(())
}

async fn refuse(
    deps: &CommandDeps,
    conversation: &mut Conversation<'_>,
    text: &str,
    refusal: Refusal,
) -> Result<(), StoreError> {
    let failed = (text, refusal.kind.as_str(), refusal.suggestion);
    record_failed(deps, conversation, failed).await?;
    audit(deps, conversation, "refused", serde_json::json!({"reason": refusal.kind.as_str()})).await?;
    let rules = conversation.rules();
    conversation.reply(Reply::Refused { refusal, rules });
    Ok(())
}

struct LinkRequest {
    amount: Money,
    description: Option<String>,
    tag: Option<String>,
    payer: Option<Phone>,
}

async fn issue_link(
    deps: &CommandDeps,
    conversation: &mut Conversation<'_>,
    seller: &Seller,
    selected_merchant: Option<&str>,
    text: &str,
    request: LinkRequest,
) -> Result<(), CommandFailure> {
    let now = deps.clock.now();
    if seller.status == SellerStatus::Blocked {
        record_failed(deps, conversation, (text, "seller_blocked", None)).await?;
        audit(deps, conversation, "refused", serde_json::json!({"reason": "seller_blocked"})).await?;
        conversation.reply(Reply::SellerBlocked);
        return Ok(());
    }
    let merchant = match (seller.merchants.as_slice(), selected_merchant) {
        ([], _) => {
            conversation.reply(Reply::NoMerchant);
            return Ok(());
        }
        ([only], _) => only,
        (many, Some(id)) if seller.merchant(id).is_some() => seller.merchant(id).unwrap_or(&many[0]),
        (many, _) => {
            // Ask first; the command runs when the seller picks.
            deps.contacts.set_pending_command(&conversation.contact, Some(text)).await?;
            conversation.reply(Reply::MerchantPicker { merchants: many.to_vec() });
            return Ok(());
        }
    };
    let (kind, terminal) = match (&request.payer, &merchant.rtp_terminal) {
        (None, _) => (LinkKind::Qr, merchant.qr_terminal.clone()),
        (Some(_), Some(rtp)) => (LinkKind::Rtp, rtp.clone()),
        (Some(_), None) => {
            conversation.reply(Reply::NotConfigured);
            return Ok(());
        }
    };
    let link = PaymentLink {
        id: link_id_for_message(&conversation.message.id),
        seller: seller.phone.clone(),
        business_number_id: conversation.message.business_number_id.clone(),
        merchant_id: merchant.merchant_id.clone(),
        terminal_id: terminal,
        amount: request.amount,
        description: request.description,
        tag: request.tag,
        kind,
        payer: request.payer,
        state: LinkState::Creating,
        checkout_url: None,
        payment_id: None,
        payer_bank: None,
        next_check_at: None,
        request_message_id: conversation.message.id.clone(),
        created_at: now,
        updated_at: now,
    };
    let (link, _) = deps.links.insert_if_absent(&link).await?;
    if !needs_rail_answer(&link) {
        // A retry after the rail's answer was stored: its record is written if the first
        // attempt failed before writing it, and the link sent again (same reply id).
        audit(deps, conversation, "link_issued", link_issued_detail(&link)).await?;
        reply_with_link(conversation, link);
        return Ok(());
    }
    // Asking again for a link the rail may already hold is safe: the same orderId gets the
    // same payment.
    match create_on_rail(deps, seller, merchant, &link, conversation.locale).await {
        Ok(created) => {
            let now = deps.clock.now();
            let stored = deps
                .links
                .mark_created(
                    &link.id,
                    &created.payment_id,
                    created.checkout_url.as_deref(),
                    deps.settings.checks.first_lookup_at(now),
                    now,
                )
                .await?;
            let link = match stored {
                Some(link) => link,
                None => deps.links.get(&link.id).await?.unwrap_or(link),
            };
            audit(deps, conversation, "link_issued", link_issued_detail(&link)).await?;
            reply_with_link(conversation, link);
        }
        Err(LinkFailure::NotConfigured) => {
            deps.links.discard_unfinished(&link.id).await?;
            conversation.reply(Reply::NotConfigured);
        }
        Err(LinkFailure::Rail(err @ (RailError::Unavailable(_) | RailError::Malformed(_)))) => {
            // The rail may have made the payment (a request-to-pay may already be on the
            // payer's phone): keep the link reserved and retry the message with the same orderId.
            tracing::warn!(link = %link.id, error = %err, "payment rail uncertain; the message will be retried");
            return Err(CommandFailure::RailUncertain(err));
        }
        Err(LinkFailure::Rail(err)) => {
            // Refused: nothing was created on the rail.
            tracing::warn!(link = %link.id, error = %err, "payment link refused by the rail");
            deps.links.discard_unfinished(&link.id).await?;
            audit(
                deps,
                conversation,
                "link_failed",
                serde_json::json!({"link": link.id, "error": err.to_string()}),
            )
            .await?;
            conversation.reply(Reply::LinkFailed);
        }
    }
    Ok(())
}

/// The rail's answer to `pay` is not stored yet: still reserved, or moved by a callback that
/// came first (a QR link without its checkout page cannot be shown).
fn needs_rail_answer(link: &PaymentLink) -> bool {
    match link.state {
        LinkState::Creating => true,
        LinkState::Created | LinkState::Pending => {
            link.payment_id.is_none() || (link.kind == LinkKind::Qr && link.checkout_url.is_none())
        }
        _ => false,
    }
}

/// The link for the seller to share, while there is one to share: a link the payer already
/// settled (its callback beat the rail's answer) is not offered; its status update tells
/// the seller how it ended.
fn reply_with_link(conversation: &mut Conversation<'_>, link: PaymentLink) {
    if link.state.is_final() {
        tracing::info!(link = %link.id, state = link.state.as_str(), "link settled before it was shown; the status update tells the seller");
        return;
    }
    conversation.reply(Reply::LinkCreated { link });
}

/// The operator's failed-command log, counted once per message however often it is retried.
async fn record_failed(
    deps: &CommandDeps,
    conversation: &Conversation<'_>,
    failed: (&str, &str, Option<&str>),
) -> Result<(), StoreError> {
    paybot::failed_commands::record_once(
        deps.idempotency.as_ref(),
        deps.failed_commands.as_ref(),
        &conversation.message.id,
        failed,
        deps.clock.now(),
    )
    .await
}

fn link_issued_detail(link: &PaymentLink) -> serde_json::Value {
    serde_json::json!({
        "link": link.id, "merchant": link.merchant_id, "amount": link.amount.amount().to_string(),
        "currency": link.amount.currency().code(), "kind": link.kind, "payment": link.payment_id,
    })
}

enum LinkFailure {
    NotConfigured,
    Rail(RailError),
}

async fn create_on_rail(
    deps: &CommandDeps,
    seller: &Seller,
    merchant: &MerchantBinding,
    link: &PaymentLink,
    locale: Locale,
) -> Result<paybot::ports::CreatedPayment, LinkFailure> {
    let binding = merchant_secret_binding(seller.phone.as_e164(), &merchant.merchant_id);
    let secret_key = deps.data_key.open(&merchant.sealed_secret, &binding).map_err(|err| {
        tracing::error!(merchant = %merchant.merchant_id, error = %err, "merchant secret does not open");
        LinkFailure::NotConfigured
    })?;
    let credentials = MerchantCredentials { merchant_id: merchant.merchant_id.clone(), secret_key };
    let request = PaymentRequest {
        order_id: link.id.clone(),
        terminal_id: link.terminal_id.clone(),
        amount: link.amount,
        description: link.description.clone().unwrap_or_else(|| merchant.name.clone()),
        language: checkout_language(locale),
        kind: match &link.payer {
            Some(payer) => PaymentKind::Rtp { payer: payer.clone() },
            None => PaymentKind::Qr,
        },
        callback_url: deps.settings.callback_url.clone(),
    };
    // One immediate retry on a transient failure: the same orderId cannot make a second payment.
    match deps.rail.create_payment(&credentials, &request).await {
        Err(RailError::Unavailable(first)) => {
            tracing::info!(link = %link.id, error = %first, "payment rail unavailable; retrying once");
            deps.rail.create_payment(&credentials, &request).await.map_err(LinkFailure::Rail)
        }
        other => other.map_err(LinkFailure::Rail),
    }
}

/// The checkout page speaks ro, ru and en; other chat locales get en.
pub fn checkout_language(locale: Locale) -> &'static str {
    match locale {
        Locale::Ro => "ro",
        Locale::Ru => "ru",
        _ => "en",
    }
}

async fn audit(
    deps: &CommandDeps,
    conversation: &Conversation<'_>,
    kind: &str,
    mut detail: serde_json::Value,
) -> Result<(), StoreError> {
    if let Some(map) = detail.as_object_mut() {
        map.insert("message".into(), conversation.message.id.clone().into());
    }
    let event = AuditEvent {
        chain: format!("seller:{}", conversation.phone.as_e164()),
        kind: kind.into(),
        at: deps.clock.now(),
        detail,
    };
    // One record per message and kind, however often the message is retried.
    let key = format!("{}:{kind}", conversation.message.id);
    paybot::audit::append_once(deps.idempotency.as_ref(), deps.audit.as_ref(), &key, event).await
}
