//! One inbound message, start to finish: the core of the conversation. It claims the
//! message, finds the number's profile, the user's locale and the capability that knows
//! them, delivers waiting updates, hands the turn over, and queues the answer. What a seller
//! or a wallet user can say lives in their capability (`paybot::capabilities`).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use paybot::StoreError;
use paybot::capabilities::conversation::{language_changed, picked_language};
use paybot::capabilities::{Actor, Answer, CORE_NAMESPACE, Capability, Turn, TurnFailure, split_row_id};
use paybot::domain::{BusinessProfile, ContactKey, InboundMessage, Locale, MessageContent};
use paybot::i18n::Catalog;
use paybot::operator::controls::{CachedControls, apply_alias};
use paybot::operator::handoff::{self, CoreState};
use paybot::operator::metrics::{Tally, user_digest};
use paybot::outbound::OutboundJob;
use paybot::ports::{
    Claim, Clock, ContactSettings, ContactStore, Directory, Escalation, EscalationReason, EscalationStore,
    HandoffMessage, HandoffParty, IdempotencyStore, MetricsStore, OutboundContent, OutboxStore, QueueSender,
};

/// Limits of the command function, from configuration with safe defaults.
#[derive(Debug, Clone)]
pub struct CommandSettings {
    /// How long a claim on a message holds before another worker may take it over; longer
    /// than the function's timeout.
    pub lease: Duration,
    /// How long a handled message id is remembered: Meta retries for up to 7 days.
    pub remember_handled: Duration,
    /// Unrecognized commands in a row that hand the conversation to a person.
    pub handoff_after_failures: u32,
}

impl CommandSettings {
    pub fn from_config(config: &paybot::config::Config) -> Self {
        CommandSettings {
            lease: config.limits.claim_lease,
            handoff_after_failures: config.limits.handoff_after_failures,
            ..CommandSettings::default()
        }
    }
}

impl Default for CommandSettings {
    fn default() -> Self {
        CommandSettings {
            lease: Duration::minutes(2),
            remember_handled: Duration::days(8),
            handoff_after_failures: 3,
        }
    }
}

/// What the command function works with: the core's ports and the capabilities it runs.
pub struct CommandDeps {
    /// Business-number profiles: which capabilities each number offers.
    pub directory: Arc<dyn Directory>,
    pub contacts: Arc<dyn ContactStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Late updates waiting for this user: a message from them reopens the window, so they
    /// go out free-form at once.
    pub outbox: Arc<dyn OutboxStore>,
    pub outbound: Arc<dyn QueueSender>,
    pub clock: Arc<dyn Clock>,
    /// Every capability this deployment runs; a number offers those its profile names.
    pub capabilities: Vec<Arc<dyn Capability>>,
    /// The bot switch and taught aliases of each number, cached for a few seconds.
    pub controls: Arc<CachedControls>,
    /// Conversations handed to a person.
    pub escalations: Arc<dyn EscalationStore>,
    /// Where each batch's figures are added (once per number per batch).
    pub metrics: Arc<dyn MetricsStore>,
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
    #[error(transparent)]
    Turn(#[from] TurnFailure),
    #[error("no profile for the business number")]
    NoProfile,
}

impl From<StoreError> for CommandError {
    fn from(err: StoreError) -> Self {
        CommandError::Failed(CommandFailure::Store(err))
    }
}

/// Handles one inbound message exactly once: claims its id, does the work, queues the
/// replies, then marks it done. A failure gives the claim back and asks for a retry; every
/// step before it is idempotent (ids derive from the message id, and reply ids are stable).
/// Returns what the message adds to the operator's figures: counted only once it is done,
/// so a retried message counts once and a duplicate delivery not at all.
pub async fn handle_message(deps: &CommandDeps, message: &InboundMessage) -> Result<Tally, CommandError> {
    let now = deps.clock.now();
    match deps.idempotency.claim(&message.id, now, deps.settings.lease).await? {
        Claim::Done => {
            tracing::info!(message = %message.id, "duplicate delivery ignored");
            return Ok(Tally::default());
        }
        Claim::InProgress => return Err(CommandError::Busy),
        Claim::Acquired => {}
    }
    let mut tally = Tally { messages: 1, ..Tally::default() };
    if let Some(user_key) = message.from.key() {
        tally.users.insert(user_digest(&message.business_number_id, &user_key));
    }
    match execute(deps, message, &mut tally).await {
        Ok(()) => {
            deps.idempotency.complete(&message.id, deps.clock.now(), deps.settings.remember_handled).await?;
            Ok(tally)
        }
        Err(err) => {
            if let Err(release) = deps.idempotency.release(&message.id).await {
                tracing::warn!(message = %message.id, error = %release, "claim not released; it expires with its lease");
            }
            Err(err.into())
        }
    }
}

/// The capabilities `profile` offers, in its order, each once.
fn offered<'d>(deps: &'d CommandDeps, profile: &BusinessProfile) -> Vec<&'d Arc<dyn Capability>> {
    let mut offered: Vec<&Arc<dyn Capability>> = Vec::new();
    for wanted in &profile.capabilities {
        if let Some(capability) = deps.capabilities.iter().find(|c| c.serves(*wanted))
            && !offered.iter().any(|o| o.name() == capability.name())
        {
            offered.push(capability);
        }
    }
    offered
}

/// Who the user is: the capability a picked list row names, else the first of the number's
/// capabilities that knows them.
async fn identify<'d>(
    offered: &[&'d Arc<dyn Capability>],
    row_namespace: Option<&str>,
    turn_for: impl Fn(&'d Arc<dyn Capability>) -> Turn<'d>,
) -> Result<Option<(&'d Arc<dyn Capability>, Actor)>, StoreError> {
    let named = row_namespace.and_then(|ns| offered.iter().find(|c| c.name() == ns));
    for capability in named.into_iter().chain(offered.iter()) {
        if let Some(actor) = capability.identify(&turn_for(capability)).await? {
            return Ok(Some((capability, actor)));
        }
    }
    Ok(None)
}

async fn execute(
    deps: &CommandDeps,
    message: &InboundMessage,
    tally: &mut Tally,
) -> Result<(), CommandFailure> {
    let Some(phone) = message.from.phone.clone() else {
        // Answers go to a phone; a user Meta knows only by their scoped id cannot be answered.
        tracing::info!(message = %message.id, "message without a phone number ignored");
        return Ok(());
    };
    let Some(profile) = deps.directory.profile(&message.business_number_id).await? else {
        // Retried, then parked on the dead-letter queue: the operator imports the profile
        // and redrives, and the user is answered then.
        tracing::error!(business_number = %message.business_number_id, "no profile for this business number");
        return Err(CommandFailure::NoProfile);
    };
    let offered = offered(deps, &profile);
    let Some(first) = offered.first() else {
        tracing::error!(business_number = %message.business_number_id, "the profile offers no capability this deployment runs");
        return Ok(());
    };
    let contact = ContactKey {
        business_number_id: message.business_number_id.clone(),
        user_key: phone.as_e164().into(),
    };
    let settings: ContactSettings = deps.contacts.settings(&contact).await?;
    let now = deps.clock.now();
    let controls = deps.controls.controls(&message.business_number_id, now).await?;
    let core = CoreState::read(&settings);
    // A taught alias of this number reads as the command it stands for, for every capability.
    let aliased = match &message.content {
        MessageContent::Text { body } => apply_alias(&controls, body)
            .map(|body| InboundMessage { content: MessageContent::Text { body }, ..message.clone() }),
        _ => None,
    };
    let original = message;
    let message = aliased.as_ref().unwrap_or(message);
    let row = match &message.content {
        MessageContent::ListReply { id, .. } | MessageContent::ButtonReply { id, .. } => split_row_id(id),
        _ => None,
    };
    let turn_for = |capability: &Arc<dyn Capability>| Turn {
        message,
        contact: &contact,
        profile: &profile,
        phone: Some(&phone),
        state: settings.state(capability.name()),
    };
    let known = identify(&offered, row.map(|(ns, _)| ns), turn_for).await?;
    let locale = settings
        .locale
        .or(known.as_ref().and_then(|(_, actor)| actor.locale))
        .unwrap_or(profile.default_locale);
    let mut answer = Answer::new(message, phone.clone(), locale);

    // The window is open again: updates that waited for a template go now, free of charge,
    // before the answer to this message. They leave the outbox when notify has delivered them.
    // They are the payments' news, not the bot talking: a pause or a handoff does not hold them.
    for item in deps.outbox.pending(&contact).await? {
        answer.push(paybot::notices::late_job(&item, locale, phone.clone()));
    }

    let mut next = core.clone();
    if core.escalated {
        // A person has the conversation: the line is kept for them, the bot says nothing
        // (a YES included: no money moves while a person is in charge).
        keep_line(deps, &contact, original).await?;
    } else if let Some(pause) = &controls.paused {
        // The bot is off for this number: each user hears it once per pause, nothing runs.
        if core.told_paused.as_deref() != Some(pause.id.as_str()) {
            answer.reply(core_text(answer.locale(), "bot-paused"));
            next.told_paused = Some(pause.id.clone());
        }
    } else if matches!(&message.content, MessageContent::Text { body } if handoff::asks_for_person(body)) {
        hand_off(deps, &contact, original, EscalationReason::Asked, &mut answer, &mut next, tally, now)
            .await?;
    } else {
        match row {
            Some((CORE_NAMESPACE, core_row)) => {
                if let Some(locale) = picked_language(core_row) {
                    deps.contacts.set_locale(&contact, locale).await?;
                    answer.set_locale(locale);
                    answer.reply(language_changed(locale));
                }
            }
            _ => match &known {
                Some((capability, actor)) => {
                    capability.handle(&turn_for(capability), Some(actor), &mut answer).await?
                }
                // Nobody the number's capabilities know: its first capability answers strangers.
                None => first.handle(&turn_for(first), None, &mut answer).await?,
            },
        }
        let figures = answer.figures().clone();
        if let Some(command) = &figures.recognized {
            tally.count_command(command);
            next.failures_in_a_row = 0;
        } else if figures.unrecognized {
            tally.failed_commands += 1;
            next.failures_in_a_row += 1;
        }
        tally.transactions += figures.transactions.len() as u64;
        tally.volume_minor += figures.transactions.iter().sum::<i64>();
        tally.failed_transactions += figures.failed_transactions;
        if next.failures_in_a_row >= deps.settings.handoff_after_failures.max(1) {
            let reason = EscalationReason::RepeatedFailures;
            hand_off(deps, &contact, original, reason, &mut answer, &mut next, tally, now).await?;
        }
    }

    let queued: Vec<_> = answer.jobs().iter().map(OutboundJob::to_queue_message).collect();
    if !queued.is_empty() {
        deps.outbound.send_batch(&queued).await?;
    }
    // Written after the answer is queued: a retry of a message whose answer was not queued
    // still finds the state it started from.
    if next != core {
        handoff::save(deps.contacts.as_ref(), &contact, &next).await?;
    }
    Ok(())
}

/// Opens an escalation for the conversation (with this message as its first line) and tells
/// the user in their locale that a person will answer.
#[allow(clippy::too_many_arguments)]
async fn hand_off(
    deps: &CommandDeps,
    contact: &ContactKey,
    message: &InboundMessage,
    reason: EscalationReason,
    answer: &mut Answer,
    next: &mut CoreState,
    tally: &mut Tally,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let escalation = Escalation {
        contact: contact.clone(),
        reason,
        opened_at: now,
        locale: answer.locale(),
        messages: Vec::new(),
        released: None,
    };
    // `false` on a retry that finds it open already: the same escalation goes on.
    deps.escalations.open(&escalation).await?;
    keep_line(deps, contact, message).await?;
    tracing::info!(message = %message.id, ?reason, "conversation handed to a person");
    tally.escalations += 1;
    next.escalated = true;
    next.failures_in_a_row = 0;
    answer.reply(core_text(answer.locale(), "handoff-opened"));
    Ok(())
}

/// The user's line on the conversation's escalation, by its wamid (a redelivery keeps one).
async fn keep_line(
    deps: &CommandDeps,
    contact: &ContactKey,
    message: &InboundMessage,
) -> Result<(), StoreError> {
    let line = HandoffMessage {
        id: message.id.clone(),
        at: message.sent_at,
        from: HandoffParty::User,
        text: handoff::describe(&message.content),
    };
    deps.escalations.append(contact, &line).await
}

fn core_text(locale: Locale, id: &str) -> OutboundContent {
    OutboundContent::Text { body: Catalog::global().text(locale, id, &[]) }
}
