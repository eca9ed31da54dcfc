//! What the core does on every message for the operator: the bot switch, taught aliases,
//! the human handoff and the figures, over the in-memory twins with the seller capability
//! (the wallet's money commands under a pause or a handoff are in the templates tests,
//! beside the wallet's world).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use chrono::{DateTime, Duration, NaiveDate};
use command::{CommandDeps, CommandSettings, flow, handler};
use paybot::StoreResult;
use paybot::adapters::memory::{ManualClock, MemoryMetricsStore, MemoryQueue};
use paybot::capabilities::seller::SellerSettings;
use paybot::crypto::DataKey;
use paybot::directory_file::DirectoryFile;
use paybot::domain::{
    ContactKey, InboundMessage, Locale, MessageContent, Phone, UserRef, link_id_for_message,
};
use paybot::i18n::{Arg, Catalog};
use paybot::miapos::{MiaposClient, MiaposClientConfig};
use paybot::operator::controls::{CachedControls, normalize_alias};
use paybot::operator::handoff::{self, CoreState};
use paybot::operator::metrics::Tally;
use paybot::outbound::OutboundJob;
use paybot::ports::{
    Clock, ContactStore, ControlsStore, EscalationReason, EscalationStore, HandoffParty, MetricsStore,
    OutboundContent, Pause, PaymentLinkStore, QueueReceiver,
};
use paybot::wiring::MemoryStores;

const DIRECTORY: &str = include_str!("../../../infra/demo/directory.json");
const BUSINESS: &str = "106540352242922";
const ION: &str = "+37369000001"; // ro, one merchant
const OLGA: &str = "+37369000002"; // ru, two merchants

/// The metrics store, counting its writes: the figures must cost one add per number per
/// batch, not one per message.
#[derive(Default)]
struct CountedMetrics {
    inner: MemoryMetricsStore,
    adds: AtomicUsize,
}

#[async_trait]
impl MetricsStore for CountedMetrics {
    async fn add(&self, number: &str, day: NaiveDate, tally: &Tally) -> StoreResult<()> {
        self.adds.fetch_add(1, Ordering::SeqCst);
        self.inner.add(number, day, tally).await
    }
    async fn days(
        &self,
        number: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(NaiveDate, Tally)>> {
        self.inner.days(number, from, to).await
    }
}

struct World {
    deps: CommandDeps,
    stores: MemoryStores,
    metrics: Arc<CountedMetrics>,
    outbound: Arc<MemoryQueue>,
    clock: Arc<ManualClock>,
    next: AtomicU32,
}

async fn world() -> World {
    let file = DirectoryFile::parse(DIRECTORY).unwrap();
    let clock = Arc::new(ManualClock::starting_at(DateTime::from_timestamp(1_763_700_000, 0).unwrap()));
    let key = DataKey::from_base64(&DataKey::generate_base64()).unwrap();
    let stores = MemoryStores::default();
    file.import(&key, stores.directory.as_ref()).await.unwrap();
    let outbound = Arc::new(MemoryQueue::fifo(clock.clone()));
    // Nothing here may reach the rail: a link asked for while the bot is off must not be made.
    let rail = Arc::new(MiaposClient::new(MiaposClientConfig::new("http://127.0.0.1:9")).unwrap());
    let settings = SellerSettings { callback_url: None, checks: Default::default() };
    let seller = paybot::wiring::seller(&stores, rail, clock.clone(), key, settings).unwrap();
    let metrics = Arc::new(CountedMetrics::default());
    let deps = CommandDeps {
        directory: stores.directory.clone(),
        contacts: stores.contacts.clone(),
        idempotency: stores.idempotency.clone(),
        outbox: stores.outbox.clone(),
        outbound: outbound.clone(),
        clock: clock.clone(),
        capabilities: vec![Arc::new(seller)],
        controls: Arc::new(CachedControls::new(stores.controls.clone(), Duration::seconds(5))),
        escalations: stores.escalations.clone(),
        metrics: metrics.clone(),
        settings: CommandSettings::default(),
    };
    World { deps, stores, metrics, outbound, clock, next: 0.into() }
}

fn contact(user: &str) -> ContactKey {
    ContactKey { business_number_id: BUSINESS.into(), user_key: user.into() }
}

fn text(locale: Locale, id: &str) -> String {
    Catalog::global().text(locale, id, &[])
}

fn help(locale: Locale, multi_merchant: bool) -> String {
    Catalog::global().text(locale, "help", &[("multi_merchant", Arg::flag(multi_merchant))])
}

impl World {
    fn message(&self, from: &str, body: &str) -> InboundMessage {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        InboundMessage {
            id: format!("wamid.op.{n}"),
            business_number_id: BUSINESS.into(),
            from: UserRef { phone: Some(Phone::parse_international(from).unwrap()), scoped_id: None },
            profile_name: None,
            sent_at: self.clock.now(),
            received_at: Some(self.clock.now()),
            content: MessageContent::Text { body: body.into() },
        }
    }

    async fn drain(&self) -> Vec<OutboundJob> {
        let mut jobs = Vec::new();
        for received in self.outbound.receive(100).await.unwrap() {
            self.outbound.delete(&received.receipt).await.unwrap();
            jobs.push(serde_json::from_str(&received.body).unwrap());
        }
        jobs
    }

    async fn deliver(&self, message: &InboundMessage) -> Vec<String> {
        flow::handle_message(&self.deps, message).await.unwrap();
        texts(&self.drain().await)
    }

    /// `from` writes `body`; the texts the bot queued.
    async fn say(&self, from: &str, body: &str) -> Vec<String> {
        self.deliver(&self.message(from, body)).await
    }

    async fn pause(&self, id: &str) {
        let pause = Pause { id: id.into(), by: "ops@example.com".into(), at: self.clock.now() };
        self.stores.controls.set_paused(BUSINESS, Some(&pause)).await.unwrap();
        // Past the cache: the switch takes effect within its few seconds.
        self.clock.advance(Duration::seconds(6));
    }

    async fn resume(&self) {
        self.stores.controls.set_paused(BUSINESS, None).await.unwrap();
        self.clock.advance(Duration::seconds(6));
    }

    async fn core(&self, user: &str) -> CoreState {
        CoreState::read(&self.stores.contacts.settings(&contact(user)).await.unwrap())
    }

    async fn figures(&self) -> Tally {
        let day = self.clock.now().date_naive();
        self.metrics
            .days(BUSINESS, day, day)
            .await
            .unwrap()
            .into_iter()
            .next()
            .map(|(_, t)| t)
            .unwrap_or_default()
    }
}

fn texts(jobs: &[OutboundJob]) -> Vec<String> {
    jobs.iter()
        .filter_map(|j| match &j.message.content {
            OutboundContent::Text { body } => Some(body.clone()),
            _ => None,
        })
        .collect()
}

fn sqs_event(messages: &[&InboundMessage]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages
        .iter()
        .enumerate()
        .map(|(i, message)| {
            let mut record = SqsMessage::default();
            record.message_id = Some(format!("r{i}"));
            record.body = Some(serde_json::to_string(message).unwrap());
            record.attributes.insert("MessageGroupId".into(), message.from.key().unwrap());
            record
        })
        .collect();
    event
}

#[tokio::test]
async fn a_paused_number_tells_each_user_once_per_pause_and_runs_nothing() {
    let w = world().await;
    assert_eq!(w.say(ION, "help").await, [help(Locale::Ro, false)]);
    w.pause("p1").await;

    let pay = w.message(ION, "pay 100 Cafea");
    assert_eq!(w.deliver(&pay).await, [text(Locale::Ro, "bot-paused")]);
    assert_eq!(
        w.stores.links.get(&link_id_for_message(&pay.id)).await.unwrap(),
        None,
        "no link while paused"
    );
    assert!(w.say(ION, "help").await.is_empty(), "told once per pause");
    assert!(w.say(ION, "pay 50").await.is_empty());
    assert_eq!(w.say(OLGA, "help").await, [text(Locale::Ru, "bot-paused")], "each user, in their locale");
    assert_eq!(w.core(ION).await.told_paused.as_deref(), Some("p1"));

    w.resume().await;
    assert_eq!(w.say(ION, "help").await, [help(Locale::Ro, false)], "no paused answer after resume");
    w.pause("p2").await;
    assert_eq!(w.say(ION, "help").await, [text(Locale::Ro, "bot-paused")], "a second pause tells again");
}

#[tokio::test]
async fn the_switch_takes_effect_once_the_cache_expires() {
    let w = world().await;
    assert_eq!(w.say(ION, "help").await, [help(Locale::Ro, false)]);
    let pause = Pause { id: "p1".into(), by: "ops".into(), at: w.clock.now() };
    w.stores.controls.set_paused(BUSINESS, Some(&pause)).await.unwrap();
    assert_eq!(w.say(ION, "help").await, [help(Locale::Ro, false)], "within the cache's seconds");
    w.clock.advance(Duration::seconds(5));
    assert_eq!(w.say(ION, "help").await, [text(Locale::Ro, "bot-paused")]);
}

#[tokio::test]
async fn a_taught_alias_is_accepted_from_then_on_for_that_number() {
    let w = world().await;
    let before = w.say(ION, "ce pot face").await;
    assert_ne!(before, [help(Locale::Ro, false)], "not a command yet");
    w.stores.controls.teach_alias(BUSINESS, &normalize_alias("ce pot face"), "help").await.unwrap();
    w.clock.advance(Duration::seconds(6));
    assert_eq!(w.say(ION, "Ce pot  FACE").await, [help(Locale::Ro, false)]);
    // Another number's users are not affected.
    w.stores.controls.teach_alias("another-number", &normalize_alias("ce fac"), "help").await.unwrap();
    w.clock.advance(Duration::seconds(6));
    assert_ne!(w.say(ION, "ce fac").await, [help(Locale::Ro, false)]);
}

#[tokio::test]
async fn agent_hands_the_conversation_to_a_person_who_gets_every_later_line() {
    let w = world().await;
    let asked = w.message(ION, "AGENT");
    assert_eq!(w.deliver(&asked).await, [text(Locale::Ro, "handoff-opened")]);
    assert!(w.core(ION).await.escalated);
    let escalation = w.stores.escalations.get(&contact(ION)).await.unwrap().expect("an escalation");
    assert_eq!(
        (escalation.reason, escalation.locale, escalation.released),
        (EscalationReason::Asked, Locale::Ro, None)
    );

    // Every later message is kept for the person and left unanswered by the bot.
    let pay = w.message(ION, "pay 100");
    assert!(w.deliver(&pay).await.is_empty());
    assert_eq!(
        w.stores.links.get(&link_id_for_message(&pay.id)).await.unwrap(),
        None,
        "no link while escalated"
    );
    let help_line = w.message(ION, "help");
    assert!(w.deliver(&help_line).await.is_empty());
    let mut picture = w.message(ION, "");
    picture.content = MessageContent::Other { message_type: "image".into() };
    assert!(w.deliver(&picture).await.is_empty());
    // A duplicate delivery keeps one line.
    assert!(w.deliver(&pay).await.is_empty());

    let lines = w.stores.escalations.get(&contact(ION)).await.unwrap().unwrap().messages;
    let kept: Vec<_> = lines.iter().map(|l| (l.id.as_str(), l.text.as_str(), l.from.clone())).collect();
    assert_eq!(
        kept,
        [
            (asked.id.as_str(), "AGENT", HandoffParty::User),
            (pay.id.as_str(), "pay 100", HandoffParty::User),
            (help_line.id.as_str(), "help", HandoffParty::User),
            (picture.id.as_str(), "[image]", HandoffParty::User),
        ]
    );
    // Olga, in Russian, with her language's word; her conversation is her own.
    assert_eq!(w.say(OLGA, "Оператор").await, [text(Locale::Ru, "handoff-opened")]);
    assert_eq!(w.stores.escalations.open_for(BUSINESS, 10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn released_conversations_are_the_bots_again() {
    let w = world().await;
    w.say(ION, "human").await;
    assert!(w.say(ION, "help").await.is_empty());
    let released = handoff::release(
        w.stores.escalations.as_ref(),
        w.stores.contacts.as_ref(),
        &contact(ION),
        "ops",
        w.clock.now(),
    )
    .await
    .unwrap();
    assert!(released);
    assert_eq!(w.say(ION, "help").await, [help(Locale::Ro, false)]);
    assert!(!w.core(ION).await.escalated);
    assert!(w.stores.escalations.open_for(BUSINESS, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn three_unrecognized_commands_in_a_row_hand_off_and_a_good_one_resets_the_count() {
    let w = world().await;
    let refused = w.say(ION, "blah").await;
    assert_eq!(refused.len(), 1);
    w.say(ION, "blah blah").await;
    assert_eq!(w.core(ION).await.failures_in_a_row, 2);
    assert_eq!(w.say(ION, "help").await, [help(Locale::Ro, false)]);
    assert_eq!(w.core(ION).await.failures_in_a_row, 0, "a recognized command resets the count");
    w.say(ION, "nope").await;
    w.say(ION, "nope again").await;
    assert!(!w.core(ION).await.escalated, "two then a good one then two: not yet");

    let third = w.say(ION, "still nothing").await;
    assert_eq!(third.last().map(String::as_str), Some(text(Locale::Ro, "handoff-opened").as_str()));
    assert!(w.core(ION).await.escalated);
    let escalation = w.stores.escalations.get(&contact(ION)).await.unwrap().unwrap();
    assert_eq!(escalation.reason, EscalationReason::RepeatedFailures);
    assert!(w.say(ION, "help").await.is_empty(), "silent from then on");
}

#[tokio::test]
async fn a_scripted_batch_counts_what_it_did_once_per_number() {
    let w = world().await;
    let script = [
        w.message(ION, "help"),
        w.message(ION, "/lang"),
        w.message(OLGA, "help"),
        w.message(ION, "blah"),
        w.message(OLGA, "nonsense"),
        w.message(OLGA, "AGENT"),
        w.message(OLGA, "help"), // kept for the person: counted as a message, no command
    ];
    let mut batch: Vec<&InboundMessage> = script.iter().collect();
    batch.push(&script[0]); // a redelivery inside the batch
    let failures = handler::handle_records(&w.deps, sqs_event(&batch)).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(w.metrics.adds.load(Ordering::SeqCst), 1, "one add for the number for the batch");

    let figures = w.figures().await;
    assert_eq!(figures.messages, 7);
    assert_eq!(figures.users.len(), 2);
    let commands: Vec<_> = figures.commands.iter().map(|(c, n)| (c.as_str(), *n)).collect();
    assert_eq!(commands, [("/lang", 1), ("help", 2)]);
    assert_eq!((figures.failed_commands, figures.escalations), (2, 1));
    assert_eq!((figures.transactions, figures.failed_transactions), (0, 0));

    // Meta redelivers a message days later: counted nothing, written nothing.
    handler::handle_records(&w.deps, sqs_event(&[&script[3]])).await;
    assert_eq!(w.figures().await.messages, 7);
    assert_eq!(w.metrics.adds.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn replies_carry_the_time_the_webhook_received_their_message() {
    let w = world().await;
    let message = w.message(ION, "help");
    flow::handle_message(&w.deps, &message).await.unwrap();
    let jobs = w.drain().await;
    assert!(message.received_at.is_some());
    assert_eq!(jobs[0].inbound_received_at, message.received_at);
}
