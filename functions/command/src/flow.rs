//! One inbound message, start to finish: the core of the conversation. It claims the
//! message, finds the number's profile, the user's locale and the capability that knows
//! them, delivers waiting updates, hands the turn over, and queues the answer. What a seller
//! or a wallet user can say lives in their capability (`paybot::capabilities`).

use std::sync::Arc;

use chrono::Duration;
use paybot::StoreError;
use paybot::capabilities::conversation::{language_changed, picked_language};
use paybot::capabilities::{Actor, Answer, CORE_NAMESPACE, Capability, Turn, TurnFailure, split_row_id};
use paybot::domain::{BusinessProfile, ContactKey, InboundMessage, MessageContent};
use paybot::outbound::OutboundJob;
use paybot::ports::{
    Claim, Clock, ContactSettings, ContactStore, Directory, IdempotencyStore, OutboxStore, QueueSender,
};

/// Limits of the command function, from configuration with safe defaults.
#[derive(Debug, Clone)]
pub struct CommandSettings {
    /// How long a claim on a message holds before another worker may take it over; longer
    /// than the function's timeout.
    pub lease: Duration,
    /// How long a handled message id is remembered: Meta retries for up to 7 days.
    pub remember_handled: Duration,
}

impl CommandSettings {
    pub fn from_config(config: &paybot::config::Config) -> Self {
        CommandSettings { lease: config.limits.claim_lease, ..CommandSettings::default() }
    }
}

impl Default for CommandSettings {
    fn default() -> Self {
        CommandSettings { lease: Duration::minutes(2), remember_handled: Duration::days(8) }
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

async fn execute(deps: &CommandDeps, message: &InboundMessage) -> Result<(), CommandFailure> {
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
    for item in deps.outbox.pending(&contact).await? {
        answer.push(paybot::notices::late_job(&item, locale, phone.clone()));
    }

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

    let queued: Vec<_> = answer.jobs().iter().map(OutboundJob::to_queue_message).collect();
    if !queued.is_empty() {
        deps.outbound.send_batch(&queued).await?;
    }
    Ok(())
}
