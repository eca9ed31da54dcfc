//! Capabilities side by side: a capability added to a number answers its users, keeps its
//! own conversation state and its own list rows, with no edit of the seller capability or
//! of the core flow. The test capability here stands in for the next one (the wallet).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::DateTime;
use command::{CommandDeps, CommandSettings, flow};
use paybot::adapters::memory::{ManualClock, MemoryContactStore, MemoryQueue};
use paybot::capabilities::seller::SellerSettings;
use paybot::capabilities::{Actor, Answer, Capability, Turn, TurnFailure, row_id};
use paybot::crypto::DataKey;
use paybot::directory_file::DirectoryFile;
use paybot::domain::{InboundMessage, MessageContent, Phone, UserRef};
use paybot::miapos::{MiaposClient, MiaposClientConfig};
use paybot::outbound::OutboundJob;
use paybot::ports::{ContactStore, ListRow, ListSection, OutboundContent, QueueReceiver};
use paybot::wiring::MemoryStores;
use paybot::{StoreResult, domain};

const DIRECTORY: &str = include_str!("../../../infra/demo/directory.json");
const BUSINESS: &str = "106540352242922";
const ION: &str = "+37369000001";
const OLGA: &str = "+37369000002";
const PINGER: &str = "+37369555555";
const STRANGER: &str = "+37369999999";

/// Answers `ping` with `pong <n>`, counting in its own state; offers a list whose row it
/// recognises when picked.
struct PingCapability {
    members: HashSet<String>,
    contacts: Arc<dyn ContactStore>,
    turns: Mutex<u32>,
}

#[async_trait]
impl Capability for PingCapability {
    fn name(&self) -> &'static str {
        "ping"
    }
    fn serves(&self, offered: domain::Capability) -> bool {
        offered == domain::Capability::Wallet
    }
    async fn identify(&self, turn: &Turn<'_>) -> StoreResult<Option<Actor>> {
        let phone = turn.phone.map(|p| p.as_e164().to_owned()).unwrap_or_default();
        Ok(self.members.contains(&phone).then(|| Actor {
            kind: "ping",
            id: phone,
            locale: None,
            record: Arc::new(()),
        }))
    }
    async fn handle(
        &self,
        turn: &Turn<'_>,
        actor: Option<&Actor>,
        answer: &mut Answer,
    ) -> Result<(), TurnFailure> {
        *self.turns.lock().unwrap() += 1;
        assert!(actor.is_some(), "only its members reach it: the seller answers strangers first");
        let count: u32 = turn.state.and_then(|s| s.parse().ok()).unwrap_or(0) + 1;
        self.contacts.set_state(turn.contact, self.name(), Some(&count.to_string())).await?;
        let body = match &turn.message.content {
            MessageContent::ListReply { id, .. } => format!("picked {id}"),
            _ => format!("pong {count}"),
        };
        answer.reply(OutboundContent::Text { body });
        if count == 1 {
            answer.reply(OutboundContent::List {
                body: "pick".into(),
                button: "open".into(),
                sections: vec![ListSection {
                    title: None,
                    rows: vec![ListRow {
                        id: row_id(self.name(), "one"),
                        title: "one".into(),
                        description: None,
                    }],
                }],
            });
        }
        Ok(())
    }
}

struct World {
    deps: CommandDeps,
    outbound: Arc<MemoryQueue>,
    contacts: Arc<MemoryContactStore>,
    ping: Arc<PingCapability>,
    next: std::sync::atomic::AtomicU32,
}

async fn world() -> World {
    let mut file = DirectoryFile::parse(DIRECTORY).unwrap();
    // The number offers the seller's payment links and the new capability side by side.
    file.profiles[0].capabilities.push(domain::Capability::Wallet);
    let clock = Arc::new(ManualClock::starting_at(DateTime::from_timestamp(1_763_700_000, 0).unwrap()));
    let key = DataKey::from_base64(&DataKey::generate_base64()).unwrap();
    let stores = MemoryStores::default();
    file.import(&key, stores.directory.as_ref()).await.unwrap();
    let contacts = stores.contacts.clone();
    let outbound = Arc::new(MemoryQueue::fifo(clock.clone()));
    // Nothing here reaches the rail.
    let rail = Arc::new(MiaposClient::new(MiaposClientConfig::new("http://127.0.0.1:9")).unwrap());
    let settings = SellerSettings { callback_url: None, checks: Default::default() };
    let seller = paybot::wiring::seller(&stores, rail, clock.clone(), key, settings).unwrap();
    let ping = Arc::new(PingCapability {
        members: HashSet::from([PINGER.to_owned()]),
        contacts: contacts.clone(),
        turns: Mutex::new(0),
    });
    let deps = CommandDeps {
        directory: stores.directory.clone(),
        contacts: contacts.clone(),
        idempotency: stores.idempotency.clone(),
        outbox: stores.outbox.clone(),
        outbound: outbound.clone(),
        clock,
        capabilities: vec![Arc::new(seller), ping.clone()],
        controls: Arc::new(paybot::operator::controls::CachedControls::new(
            Arc::new(paybot::adapters::memory::MemoryControlsStore::default()),
            chrono::Duration::zero(),
        )),
        escalations: Arc::new(paybot::adapters::memory::MemoryEscalationStore::default()),
        metrics: Arc::new(paybot::adapters::memory::MemoryMetricsStore::default()),
        settings: CommandSettings::default(),
    };
    World { deps, outbound, contacts, ping, next: 0.into() }
}

impl World {
    async fn send(&self, from: &str, content: MessageContent) -> Vec<OutboundJob> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let message = InboundMessage {
            id: format!("wamid.cap.{n}"),
            business_number_id: BUSINESS.into(),
            from: UserRef { phone: Some(Phone::parse_international(from).unwrap()), scoped_id: None },
            profile_name: None,
            sent_at: DateTime::from_timestamp(1_763_700_000, 0).unwrap(),
            received_at: None,
            content,
        };
        flow::handle_message(&self.deps, &message).await.unwrap();
        let mut jobs = Vec::new();
        for received in self.outbound.receive(100).await.unwrap() {
            self.outbound.delete(&received.receipt).await.unwrap();
            jobs.push(serde_json::from_str(&received.body).unwrap());
        }
        jobs
    }

    async fn text(&self, from: &str, body: &str) -> Vec<OutboundJob> {
        self.send(from, MessageContent::Text { body: body.into() }).await
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

fn first_row(jobs: &[OutboundJob]) -> String {
    jobs.iter()
        .find_map(|j| match &j.message.content {
            OutboundContent::List { sections, .. } => Some(sections[0].rows[0].id.clone()),
            _ => None,
        })
        .expect("a list")
}

#[tokio::test]
async fn a_new_capability_answers_its_users_beside_the_sellers() {
    let w = world().await;
    assert_eq!(texts(&w.text(PINGER, "ping").await)[0], "pong 1");
    assert_eq!(texts(&w.text(PINGER, "ping").await), ["pong 2"], "its own state, kept");
    // The seller is still the seller's, and the stranger gets the seller capability's answer
    // (the number's first capability).
    let catalog = paybot::i18n::Catalog::global();
    let help =
        catalog.text(domain::Locale::Ro, "help", &[("multi_merchant", paybot::i18n::Arg::flag(false))]);
    assert_eq!(texts(&w.text(ION, "help").await), [help]);
    let unknown = catalog.text(domain::Locale::Ro, "unknown-seller", &[]);
    assert_eq!(texts(&w.text(STRANGER, "ping").await), [unknown]);
    assert_eq!(*w.ping.turns.lock().unwrap(), 2);
}

#[tokio::test]
async fn list_rows_and_state_stay_with_their_capability() {
    let w = world().await;
    let pinged = w.text(PINGER, "ping").await;
    let row = first_row(&pinged);
    assert!(row.starts_with("ping:"), "{row}");
    assert_eq!(
        texts(&w.send(PINGER, MessageContent::ListReply { id: row.clone(), title: "one".into() }).await),
        [format!("picked {row}")]
    );
    // Olga's merchant picker writes the seller's state; the test capability's is untouched.
    let picker = w.text(OLGA, "/merchant").await;
    let merchant_row = first_row(&picker);
    assert!(merchant_row.starts_with("payment_links:"), "{merchant_row}");
    w.send(OLGA, MessageContent::ListReply { id: merchant_row, title: String::new() }).await;
    let olga = paybot::domain::ContactKey { business_number_id: BUSINESS.into(), user_key: OLGA.into() };
    let state = w.contacts.settings(&olga).await.unwrap();
    assert!(state.state("payment_links").is_some_and(|s| s.contains("MDEMO-")));
    assert_eq!(state.state("ping"), None);
    let pinger = paybot::domain::ContactKey { business_number_id: BUSINESS.into(), user_key: PINGER.into() };
    let state = w.contacts.settings(&pinger).await.unwrap();
    assert_eq!(state.state("ping"), Some("2"));
    assert_eq!(state.state("payment_links"), None);
}
