//! The seller capability (the miaPOS product): sellers registered by phone against one or
//! more merchants ask for payment links in the chat; the bot creates each payment on the
//! rail and answers with its checkout link, and tells the seller how it ended.
//!
//! - [`commands`]: the grammar of what a seller writes;
//! - [`replies`]: everything the seller reads, from the locale files;
//! - [`updates`]: how a payment ended, recorded and told;
//! - this module: identifying the seller, the merchant picker, issuing links.

pub mod commands;
pub mod replies;
pub mod updates;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use self::commands::{Command, MarketRules, Refusal};
use self::replies::Reply;
use super::conversation::language_picker;
use super::{Actor, Answer, Capability, Turn, TurnFailure, row_id, split_row_id};
use crate::crypto::{DataKey, merchant_secret_binding};
use crate::domain::{
    LinkKind, LinkState, Locale, MerchantBinding, MessageContent, Money, PaymentLink, Phone, Seller,
    SellerStatus, link_id_for_message,
};
use crate::payments::CheckSchedule;
use crate::ports::{
    AuditEvent, AuditLog, Clock, ContactStore, Directory, FailedCommandLog, IdempotencyStore,
    MerchantCredentials, PaymentKind, PaymentLinkStore, PaymentRail, PaymentRequest, RailError,
};
use crate::{StoreError, StoreResult};

/// The capability's name: its conversation state and its list rows go by it.
pub const NAME: &str = "payment_links";

/// The seller capability's settings, from configuration with safe defaults.
#[derive(Debug, Clone)]
pub struct SellerSettings {
    /// Where miaPOS posts payment results (`PUBLIC_BASE_URL` + `/miapos/callback`).
    pub callback_url: Option<String>,
    /// When a new link is first looked up on the rail, should its callback not come.
    pub checks: CheckSchedule,
}

impl SellerSettings {
    pub fn from_config(config: &crate::config::Config) -> Self {
        SellerSettings {
            callback_url: config.public_base_url.as_ref().map(|base| format!("{base}/miapos/callback")),
            checks: config.checks,
        }
    }
}

/// What the seller capability works with.
pub struct SellerDeps {
    pub directory: Arc<dyn Directory>,
    pub contacts: Arc<dyn ContactStore>,
    pub links: Arc<dyn PaymentLinkStore>,
    /// Keeps each audit record and failed-command count to one per message.
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub audit: Arc<dyn AuditLog>,
    pub failed_commands: Arc<dyn FailedCommandLog>,
    pub rail: Arc<dyn PaymentRail>,
    pub clock: Arc<dyn Clock>,
    pub data_key: DataKey,
    pub settings: SellerSettings,
}

/// The seller's conversation state: the merchant picked, and a command waiting for the pick.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant: Option<String>,
    /// A command waiting for the seller to pick a merchant, as they wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
}

pub struct SellerCapability {
    deps: SellerDeps,
}

impl SellerCapability {
    pub fn new(deps: SellerDeps) -> SellerCapability {
        SellerCapability { deps }
    }
}

/// A merchant list row: `payment_links:merchant:<merchantId>`.
pub fn merchant_row(merchant_id: &str) -> String {
    row_id(NAME, &format!("merchant:{merchant_id}"))
}

#[async_trait]
impl Capability for SellerCapability {
    fn name(&self) -> &'static str {
        NAME
    }

    fn serves(&self, offered: crate::domain::Capability) -> bool {
        matches!(offered, crate::domain::Capability::PaymentLinks | crate::domain::Capability::RequestToPay)
    }

    async fn identify(&self, turn: &Turn<'_>) -> StoreResult<Option<Actor>> {
        // Sellers are registered by phone: users Meta knows only by their scoped id are not.
        let Some(phone) = turn.phone else { return Ok(None) };
        Ok(self.deps.directory.seller(phone).await?.map(|seller| Actor {
            kind: "seller",
            id: seller.phone.as_e164().to_owned(),
            locale: Some(seller.locale),
            record: Arc::new(seller),
        }))
    }

    async fn handle(
        &self,
        turn: &Turn<'_>,
        actor: Option<&Actor>,
        answer: &mut Answer,
    ) -> Result<(), TurnFailure> {
        let deps = &self.deps;
        let state: SellerState = turn.state.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        let chain = match actor {
            Some(actor) => actor.audit_chain(),
            None => format!("seller:{}", answer.to().as_e164()),
        };
        let mut conversation = SellerTurn { turn, chain, answer, state };
        let Some(seller) = actor.and_then(|a| a.record.downcast_ref::<Seller>()) else {
            conversation.reply(Reply::UnknownSeller);
            audit(deps, &conversation, "refused", serde_json::json!({"reason": "unknown_seller"})).await?;
            return Ok(());
        };
        handle_content(deps, &mut conversation, seller).await
    }
}

/// One seller turn: the turn, its answer, the seller's state, and their audit chain.
struct SellerTurn<'t, 'a> {
    turn: &'t Turn<'a>,
    answer: &'t mut Answer,
    state: SellerState,
    chain: String,
}

impl SellerTurn<'_, '_> {
    fn reply(&mut self, reply: Reply) {
        let content = replies::render(&reply, self.answer.locale());
        self.answer.reply(content);
    }

    fn rules(&self) -> MarketRules {
        let profile = self.turn.profile;
        MarketRules {
            currency: profile.currency,
            country_code: profile.country_code.clone(),
            qr_max: profile.qr_max,
            rtp_max: profile.rtp_max,
            description_max_chars: profile.description_max_chars,
            ..MarketRules::moldova()
        }
    }

    async fn save(&self, deps: &SellerDeps) -> StoreResult<()> {
        let json = (self.state != SellerState::default())
            .then(|| serde_json::to_string(&self.state).expect("seller state serializes"));
        deps.contacts.set_state(self.turn.contact, NAME, json.as_deref()).await
    }
}

async fn handle_content(
    deps: &SellerDeps,
    conversation: &mut SellerTurn<'_, '_>,
    seller: &Seller,
) -> Result<(), TurnFailure> {
    let multi_merchant = seller.merchants.len() > 1;
    match &conversation.turn.message.content {
        MessageContent::Text { body } => {
            if conversation.state.pending.take().is_some() {
                // The seller moved on instead of picking a merchant: the old command is dropped,
                // so that a later pick cannot run it unasked.
                conversation.save(deps).await?;
            }
            let selected = conversation.state.merchant.clone();
            handle_text(deps, conversation, seller, selected.as_deref(), body).await
        }
        MessageContent::ListReply { id, .. } | MessageContent::ButtonReply { id, .. } => {
            let merchant_id = split_row_id(id)
                .filter(|(namespace, _)| *namespace == NAME)
                .and_then(|(_, row)| row.strip_prefix("merchant:"));
            let Some(merchant) = merchant_id.and_then(|id| seller.merchant(id)) else {
                conversation.reply(Reply::Help { multi_merchant });
                return Ok(());
            };
            conversation.state.merchant = Some(merchant.merchant_id.clone());
            conversation.save(deps).await?;
            conversation.reply(Reply::MerchantSelected { name: merchant.name.clone() });
            if let Some(command) = conversation.state.pending.clone() {
                // Cleared only once the command has run, so a retry still finds it.
                handle_text(deps, conversation, seller, Some(&merchant.merchant_id), &command).await?;
                conversation.state.pending = None;
                conversation.save(deps).await?;
            }
            Ok(())
        }
        MessageContent::Other { .. } => {
            conversation.reply(Reply::Help { multi_merchant });
            Ok(())
        }
    }
}

async fn handle_text(
    deps: &SellerDeps,
    conversation: &mut SellerTurn<'_, '_>,
    seller: &Seller,
    selected_merchant: Option<&str>,
    text: &str,
) -> Result<(), TurnFailure> {
    let rules = conversation.rules();
    let command = match commands::parse(text, &rules) {
        Ok(command) => command,
        Err(refusal) => {
            conversation.answer.unrecognized();
            return Ok(refuse(deps, conversation, text, refusal).await?);
        }
    };
    conversation.answer.recognized(command.canonical());
    match command {
        Command::Help => conversation.reply(Reply::Help { multi_merchant: seller.merchants.len() > 1 }),
        Command::Lang => conversation.answer.reply(language_picker(conversation.answer.locale())),
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
    deps: &SellerDeps,
    conversation: &mut SellerTurn<'_, '_>,
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
    deps: &SellerDeps,
    conversation: &mut SellerTurn<'_, '_>,
    seller: &Seller,
    selected_merchant: Option<&str>,
    text: &str,
    request: LinkRequest,
) -> Result<(), TurnFailure> {
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
            conversation.state.pending = Some(text.to_owned());
            conversation.save(deps).await?;
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
        id: link_id_for_message(&conversation.turn.message.id),
        seller: seller.phone.clone(),
        business_number_id: conversation.turn.message.business_number_id.clone(),
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
        request_message_id: conversation.turn.message.id.clone(),
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
    match create_on_rail(deps, seller, merchant, &link, conversation.answer.locale()).await {
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
            return Err(TurnFailure::Uncertain(err.to_string()));
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
fn reply_with_link(conversation: &mut SellerTurn<'_, '_>, link: PaymentLink) {
    if link.state.is_final() {
        tracing::info!(link = %link.id, state = link.state.as_str(), "link settled before it was shown; the status update tells the seller");
        return;
    }
    conversation.reply(Reply::LinkCreated { link });
}

/// The operator's failed-command log, counted once per message however often it is retried.
async fn record_failed(
    deps: &SellerDeps,
    conversation: &SellerTurn<'_, '_>,
    failed: (&str, &str, Option<&str>),
) -> Result<(), StoreError> {
    crate::failed_commands::record_once(
        deps.idempotency.as_ref(),
        deps.failed_commands.as_ref(),
        &conversation.turn.message.business_number_id,
        &conversation.turn.message.id,
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
    deps: &SellerDeps,
    seller: &Seller,
    merchant: &MerchantBinding,
    link: &PaymentLink,
    locale: Locale,
) -> Result<crate::ports::CreatedPayment, LinkFailure> {
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
    deps: &SellerDeps,
    conversation: &SellerTurn<'_, '_>,
    kind: &str,
    mut detail: serde_json::Value,
) -> Result<(), StoreError> {
    if let Some(map) = detail.as_object_mut() {
        map.insert("message".into(), conversation.turn.message.id.clone().into());
    }
    let event =
        AuditEvent { chain: conversation.chain.clone(), kind: kind.into(), at: deps.clock.now(), detail };
    // One record per message and kind, however often the message is retried.
    let key = format!("{}:{kind}", conversation.turn.message.id);
    crate::audit::append_once(deps.idempotency.as_ref(), deps.audit.as_ref(), &key, event).await
}
