//! The seller side end to end over the in-memory adapters: the command function's flow,
//! the real miaPOS client, and the miaPOS sandbox (which follows the published contract)
//! on a loopback port.

use std::sync::Arc;

use chrono::DateTime;
use command::{CommandDeps, CommandSettings, flow};
use paybot::adapters::memory::{
    ManualClock, MemoryAuditLog, MemoryContactStore, MemoryDirectory, MemoryFailedCommandLog,
    MemoryIdempotencyStore, MemoryPaymentLinkStore, MemoryQueue,
};
use paybot::capabilities::seller::{SellerCapability, SellerDeps, SellerSettings};
use paybot::crypto::DataKey;
use paybot::directory_file::DirectoryFile;
use paybot::domain::{InboundMessage, MessageContent, Phone, UserRef};
use paybot::miapos::{MiaposClient, MiaposClientConfig};
use paybot::outbound::OutboundJob;
use paybot::ports::{AuditLog, FailedCommandLog, OutboundContent, QueueReceiver};
use sandboxes::miapos::{Endpoint, MiaposSandbox, SandboxConfig, SandboxMerchant};

const DIRECTORY: &str = include_str!("../../../infra/demo/directory.json");
const BUSINESS: &str = "106540352242922";
const ION: &str = "+37369000001"; // ro, one merchant with QR and RTP terminals
const OLGA: &str = "+37369000002"; // ru, two merchants
const ANNA: &str = "+37369000003"; // de
const BLOCKED: &str = "+37369000005";

struct Stack {
    deps: CommandDeps,
    /// What the deps were built from, to build them again with one part changed.
    parts: Parts,
    outbound: Arc<dyn QueueReceiver>,
    sandbox: MiaposSandbox,
    audit: Arc<dyn AuditLog>,
    failed: Arc<dyn FailedCommandLog>,
    next_id: std::sync::atomic::AtomicU32,
    /// Message ids are unique per stack, so stacks sharing moto's tables never meet.
    run: String,
}

/// The adapters a stack runs on: the in-memory twins, or the AWS adapters against moto.
enum Backend {
    Memory,
    Moto,
}

async fn stack() -> Stack {
    build(Backend::Memory).await
}

async fn build(backend: Backend) -> Stack {
    let file = DirectoryFile::parse(DIRECTORY).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let merchants = file
        .sellers
        .iter()
        .flat_map(|s| &s.merchants)
        .map(|m| {
            let merchant =
                SandboxMerchant::new(&m.merchant_id, &m.secret_key, &m.qr_terminal).with_name(&m.name);
            match &m.rtp_terminal {
                Some(rtp) => merchant.with_rtp_terminal(rtp),
                None => merchant,
            }
        })
        .collect();
    let sandbox = MiaposSandbox::new(SandboxConfig::new(&base, merchants)).unwrap();
    let router = sandbox.router();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let key = DataKey::from_base64(&DataKey::generate_base64()).unwrap();
    let clock = Arc::new(ManualClock::starting_at(DateTime::from_timestamp(1_763_700_000, 0).unwrap()));
    let stores = match backend {
        Backend::Memory => memory_stores(clock.clone()),
        Backend::Moto => moto_stores().await,
    };
    file.import(&key, stores.directory.as_ref()).await.unwrap();
    let (parts_audit, parts_failed) = (stores.audit.clone(), stores.failed.clone());
    let outbound_receiver = stores.outbound_receiver.clone();
    let parts = Parts {
        rail: Arc::new(MiaposClient::new(MiaposClientConfig::new(&base)).unwrap()),
        outbound: stores.outbound_sender.clone(),
        stores,
        clock,
        key,
    };
    Stack {
        deps: parts.deps(),
        parts,
        outbound: outbound_receiver,
        sandbox,
        audit: parts_audit,
        failed: parts_failed,
        next_id: 0.into(),
        run: uuid_like(),
    }
}

/// The parts a command function is built from.
struct Parts {
    stores: Stores,
    rail: Arc<dyn paybot::ports::PaymentRail>,
    outbound: Arc<dyn paybot::ports::QueueSender>,
    clock: Arc<ManualClock>,
    key: DataKey,
}

impl Parts {
    fn deps(&self) -> CommandDeps {
        let s = &self.stores;
        let seller = SellerCapability::new(SellerDeps {
            directory: s.directory.clone(),
            contacts: s.contacts.clone(),
            links: s.links.clone(),
            idempotency: s.idempotency.clone(),
            audit: s.audit.clone(),
            failed_commands: s.failed.clone(),
            rail: self.rail.clone(),
            clock: self.clock.clone(),
            data_key: self.key.clone(),
            settings: SellerSettings {
                callback_url: Some("http://127.0.0.1:9/miapos/callback".into()),
                checks: paybot::payments::CheckSchedule::default(),
            },
        });
        CommandDeps {
            directory: s.directory.clone(),
            contacts: s.contacts.clone(),
            idempotency: s.idempotency.clone(),
            outbox: s.outbox.clone(),
            outbound: self.outbound.clone(),
            clock: self.clock.clone(),
            capabilities: vec![Arc::new(seller)],
            controls: Arc::new(paybot::operator::controls::CachedControls::new(
                Arc::new(paybot::adapters::memory::MemoryControlsStore::default()),
                chrono::Duration::zero(),
            )),
            escalations: Arc::new(paybot::adapters::memory::MemoryEscalationStore::default()),
            metrics: Arc::new(paybot::adapters::memory::MemoryMetricsStore::default()),
            // The refusal tests send one bad command after another; the handoff those would
            // open has its own tests (tests/operator.rs).
            settings: CommandSettings { handoff_after_failures: u32::MAX, ..CommandSettings::default() },
        }
    }

    fn with_rail(&self, rail: Arc<dyn paybot::ports::PaymentRail>) -> CommandDeps {
        Parts {
            rail,
            outbound: self.outbound.clone(),
            stores: self.stores.clone(),
            clock: self.clock.clone(),
            key: self.key.clone(),
        }
        .deps()
    }

    fn with_outbound(&self, outbound: Arc<dyn paybot::ports::QueueSender>) -> CommandDeps {
        Parts {
            outbound,
            rail: self.rail.clone(),
            stores: self.stores.clone(),
            clock: self.clock.clone(),
            key: self.key.clone(),
        }
        .deps()
    }
}

#[derive(Clone)]
struct Stores {
    directory: Arc<dyn paybot::ports::Directory>,
    contacts: Arc<dyn paybot::ports::ContactStore>,
    links: Arc<dyn paybot::ports::PaymentLinkStore>,
    idempotency: Arc<dyn paybot::ports::IdempotencyStore>,
    audit: Arc<dyn AuditLog>,
    failed: Arc<dyn FailedCommandLog>,
    outbox: Arc<dyn paybot::ports::OutboxStore>,
    outbound_sender: Arc<dyn paybot::ports::QueueSender>,
    outbound_receiver: Arc<dyn QueueReceiver>,
}

fn memory_stores(clock: Arc<ManualClock>) -> Stores {
    let outbound = Arc::new(MemoryQueue::fifo(clock));
    Stores {
        directory: Arc::new(MemoryDirectory::default()),
        contacts: Arc::new(MemoryContactStore::default()),
        links: Arc::new(MemoryPaymentLinkStore::default()),
        idempotency: Arc::new(MemoryIdempotencyStore::default()),
        audit: Arc::new(MemoryAuditLog::default()),
        failed: Arc::new(MemoryFailedCommandLog::default()),
        outbox: Arc::new(paybot::adapters::memory::MemoryOutboxStore::default()),
        outbound_sender: outbound.clone(),
        outbound_receiver: outbound,
    }
}

/// The AWS adapters on moto: tables from the test command's bootstrap (template.yaml), and a
/// fresh outbound FIFO queue of this test's own.
async fn moto_stores() -> Stores {
    use paybot::adapters::aws::*;
    let aws = AwsClients::load().await;
    use paybot::wiring::Stores as _;
    let stores = paybot::wiring::AwsStores {
        clients: aws.clone(),
        config: paybot::config::Config::from_env().unwrap(),
    };
    let queue_url = aws
        .sqs
        .create_queue()
        .queue_name(format!("seller-flow-{}.fifo", uuid_like()))
        .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let outbound = Arc::new(SqsQueue::new(aws.sqs.clone(), queue_url));
    Stores {
        directory: stores.directory().unwrap(),
        contacts: stores.contacts().unwrap(),
        links: stores.links().unwrap(),
        idempotency: stores.idempotency().unwrap(),
        audit: stores.audit().unwrap(),
        failed: stores.failed_commands().unwrap(),
        outbox: stores.outbox().unwrap(),
        outbound_sender: outbound.clone(),
        outbound_receiver: outbound,
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{:x}{:x}", nanos, std::process::id())
}

/// moto is there when the test command started it; with PAYBOT_REQUIRE_MOTO=1 it must be.
fn moto_available() -> bool {
    let available = std::env::var("AWS_ENDPOINT_URL").is_ok();
    assert!(
        available || std::env::var("PAYBOT_REQUIRE_MOTO").is_err(),
        "PAYBOT_REQUIRE_MOTO is set but AWS_ENDPOINT_URL is not"
    );
    if !available {
        eprintln!(
            "moto end-to-end tests not run: AWS_ENDPOINT_URL is not set (the README's test command sets it)"
        );
    }
    available
}

impl Stack {
    fn message(&self, from: &str, content: MessageContent) -> InboundMessage {
        let n = self.next_id.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InboundMessage {
            id: format!("wamid.{}.{n}", self.run),
            business_number_id: BUSINESS.into(),
            from: UserRef { phone: Some(Phone::parse_international(from).unwrap()), scoped_id: None },
            profile_name: None,
            sent_at: DateTime::from_timestamp(1_763_700_000, 0).unwrap(),
            received_at: None,
            content,
        }
    }

    /// Handles the message and returns the replies it queued.
    async fn handle(&self, message: &InboundMessage) -> Vec<OutboundJob> {
        flow::handle_message(&self.deps, message).await.unwrap();
        let mut jobs = Vec::new();
        for received in self.outbound.receive(100).await.unwrap() {
            self.outbound.delete(&received.receipt).await.unwrap();
            jobs.push(serde_json::from_str(&received.body).unwrap());
        }
        jobs
    }

    async fn text(&self, from: &str, body: &str) -> Vec<OutboundJob> {
        let message = self.message(from, MessageContent::Text { body: body.into() });
        self.handle(&message).await
    }

    async fn pick(&self, from: &str, row: &str) -> Vec<OutboundJob> {
        let message = self.message(from, MessageContent::ListReply { id: row.into(), title: String::new() });
        self.handle(&message).await
    }
}

/// The id of the row of the list the bot sent whose title or description is `label`, as a
/// user's tap sends it back.
fn row(jobs: &[OutboundJob], label: &str) -> String {
    let OutboundContent::List { sections, .. } = &jobs[0].message.content else {
        panic!("a list: {jobs:#?}")
    };
    let rows = sections.iter().flat_map(|s| &s.rows);
    let found = rows.clone().find(|r| r.title == label || r.description.as_deref() == Some(label));
    found.unwrap_or_else(|| panic!("no row {label}")).id.clone()
}

fn only_text(jobs: &[OutboundJob]) -> &str {
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    match &jobs[0].message.content {
        OutboundContent::Text { body } => body,
        other => panic!("expected text, got {other:?}"),
    }
}

#[tokio::test]
async fn the_five_equivalent_forms_each_make_one_payment_of_100_mdl_and_one_link() {
    five_forms(stack().await).await;
}

#[tokio::test]
async fn through_moto_the_five_forms_each_make_one_payment_and_redelivery_makes_none() {
    if !moto_available() {
        return;
    }
    five_forms(build(Backend::Moto).await).await;
    redelivery(build(Backend::Moto).await).await;
}

async fn five_forms(stack: Stack) {
    let forms = [
        "pay 100",
        "pay 100 \"Cafea + croissant\"",
        "pay 100 \"Cafea + croissant\" #cafea",
        "/pay 100 #cafea",
        "100",
    ];
    for (i, form) in forms.iter().enumerate() {
        let jobs = stack.text(ION, form).await;
        assert_eq!(stack.sandbox.calls(Endpoint::Pay), i + 1, "{form}");
        // The order id is the link id, derived from the seller's message id.
        let order = paybot::domain::link_id_for_message(&format!("wamid.{}.{i}", stack.run));
        let newest =
            stack.sandbox.payment_by_order("MDEMO-CAFEA", &order).expect("the payment of this message");
        assert_eq!(newest.amount, rust_decimal::Decimal::from(100));
        assert_eq!(newest.currency, "MDL");
        let reply = only_text(&jobs);
        assert!(reply.contains(&stack.sandbox.checkout_url(&newest.payment_id)), "{form}: {reply}");
        assert!(reply.contains("100,00"), "Romanian amount format: {reply}");
        assert_eq!(jobs[0].message.to.as_e164(), ION);
    }
    // One token for all five: cached per merchant.
    assert_eq!(stack.sandbox.calls(Endpoint::Token), 1);
    assert_eq!(stack.sandbox.payments().len(), 5);
    let chain = stack.audit.chain(&format!("seller:{ION}")).await.unwrap();
    let issued_here = chain
        .iter()
        .filter(|r| r.event.kind == "link_issued")
        .filter(|r| r.event.detail["message"].as_str().is_some_and(|m| m.contains(&stack.run)))
        .count();
    assert_eq!(issued_here, 5);
    assert_eq!(paybot::audit::verify_chain(&chain), Ok(()));
}

#[tokio::test]
async fn redelivering_the_same_message_makes_no_second_payment_and_no_second_reply() {
    redelivery(stack().await).await;
}

async fn redelivery(stack: Stack) {
    let message = stack.message(ION, MessageContent::Text { body: "pay 100".into() });
    assert_eq!(stack.handle(&message).await.len(), 1);
    assert!(stack.handle(&message).await.is_empty());
    assert!(stack.handle(&message).await.is_empty());
    assert_eq!(stack.sandbox.calls(Endpoint::Pay), 1);
}

#[tokio::test]
async fn a_russian_seller_gets_russian_and_german_after_choosing_it() {
    let stack = stack().await;
    // Olga has two merchants: choose one first.
    let picker = stack.text(OLGA, "/merchant").await;
    let chosen = stack.pick(OLGA, &row(&picker, "MDEMO-FLORI")).await;
    assert!(only_text(&chosen).contains("Цветы Ольги"));
    let help = stack.text(OLGA, "help").await;
    assert!(only_text(&help).chars().any(|c| ('а'..='я').contains(&c)), "Russian help");

    let list = stack.text(OLGA, "/lang").await;
    let OutboundContent::List { sections, .. } = &list[0].message.content else { panic!("a list") };
    let titles: Vec<_> = sections[0].rows.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["Română", "Русский", "English", "Français", "Deutsch"]);
    let german = stack.pick(OLGA, &row(&list, "Deutsch")).await;
    let confirmation = only_text(&german).to_owned();
    let link = stack.text(OLGA, "pay 12,50 \"Blumen\"").await;
    let reply = only_text(&link);
    assert!(reply.contains("12,50"), "{reply}");
    // miaPOS has no German checkout page: English.
    assert_eq!(stack.sandbox.payments().iter().find(|p| p.description == "Blumen").unwrap().language, "en");
    assert_ne!(confirmation, "", "confirmed");
    // The German text is the German locale's, not another's.
    let catalog = paybot::i18n::Catalog::global();
    assert_eq!(confirmation, catalog.text(paybot::domain::Locale::De, "lang-changed", &[]));
}

#[tokio::test]
async fn two_merchants_ask_first_then_run_the_command_with_the_choice() {
    let stack = stack().await;
    let jobs = stack.text(OLGA, "pay 100").await;
    assert_eq!(stack.sandbox.calls(Endpoint::Pay), 0);
    let jobs = stack.pick(OLGA, &row(&jobs, "MDEMO-PIATA")).await;
    assert_eq!(jobs.len(), 2, "confirmation and the link");
    assert_eq!(stack.sandbox.calls(Endpoint::Pay), 1);
    assert_eq!(stack.sandbox.payments()[0].merchant_id, "MDEMO-PIATA");
    // Remembered.
    stack.text(OLGA, "pay 5").await;
    assert_eq!(stack.sandbox.payments()[1].merchant_id, "MDEMO-PIATA");
}

#[tokio::test]
async fn request_to_pay_uses_the_rtp_terminal_and_masks_the_payer() {
    let stack = stack().await;
    let jobs = stack.text(ION, "/rtp 250 069123456 \"Factura 12\"").await;
    let reply = only_text(&jobs);
    let payment = &stack.sandbox.payments()[0];
    assert_eq!(payment.terminal_id, "T-CAFEA-RTP");
    assert_eq!(payment.language, "ro", "the checkout speaks the seller's language");
    // miaPOS takes the payer's national number.
    assert_eq!(payment.client_phone.as_deref(), Some("69123456"));
    assert!(!reply.contains("69123456"), "payer masked: {reply}");
}

#[tokio::test]
async fn refusals_are_explained_logged_and_audited_without_calling_the_rail() {
    let stack = stack().await;
    for input in ["pay 0", "pay 1.005", "pay 60000", "paay 100", "/rtp 100 abc", "pay"] {
        let jobs = stack.text(ANNA, input).await;
        assert!(!only_text(&jobs).is_empty());
    }
    assert_eq!(stack.sandbox.calls(Endpoint::Pay), 0);
    let log = stack.failed.list(BUSINESS, 100).await.unwrap();
    assert_eq!(log.len(), 6);
    let typo = log.iter().find(|e| e.kind == "unknown_command").unwrap();
    assert_eq!(typo.suggestion.as_deref(), Some("pay"));
    let chain = stack.audit.chain(&format!("seller:{ANNA}")).await.unwrap();
    assert_eq!(chain.len(), 6);
}

#[tokio::test]
async fn unknown_and_blocked_sellers_are_refused_politely() {
    let stack = stack().await;
    let unknown = stack.text("+37369999999", "pay 100").await;
    let catalog = paybot::i18n::Catalog::global();
    // The number's default locale (ro).
    assert_eq!(only_text(&unknown), catalog.text(paybot::domain::Locale::Ro, "unknown-seller", &[]));
    let blocked = stack.text(BLOCKED, "pay 100").await;
    assert_eq!(only_text(&blocked), catalog.text(paybot::domain::Locale::En, "seller-blocked", &[]));
    assert_eq!(stack.sandbox.calls(Endpoint::Pay), 0);
}

#[tokio::test]
async fn a_refusal_by_the_rail_tells_the_seller_and_leaves_no_half_made_link() {
    let stack = stack().await;
    stack.sandbox.fail_next(1, 400);
    let jobs = stack.text(ION, "pay 100").await;
    let catalog = paybot::i18n::Catalog::global();
    assert_eq!(only_text(&jobs), catalog.text(paybot::domain::Locale::Ro, "link-failed", &[]));
    let seller = Phone::parse_international(ION).unwrap();
    assert!(stack.parts.stores.links.by_seller(&seller, 10).await.unwrap().is_empty());
    let jobs = stack.text(ION, "pay 100").await;
    assert!(only_text(&jobs).contains("http"), "the next message works");
}

#[tokio::test]
async fn a_rail_that_may_have_acted_is_retried_with_the_same_order_and_pays_once() {
    let stack = stack().await;
    let warm_up = stack.message(ION, MessageContent::Text { body: "pay 1".into() });
    let message = stack.message(ION, MessageContent::Text { body: "/rtp 500 069123456".into() });
    let (sandbox, outbound) = (stack.sandbox, stack.outbound);
    let fast = MiaposClientConfig {
        timeout: std::time::Duration::from_millis(300),
        ..MiaposClientConfig::new(sandbox.base_url())
    };
    let deps = stack.parts.with_rail(Arc::new(MiaposClient::new(fast).unwrap()));
    flow::handle_message(&deps, &warm_up).await.unwrap();
    for received in outbound.receive(10).await.unwrap() {
        outbound.delete(&received.receipt).await.unwrap();
    }
    // The rail does the work but answers too late, twice: the client times out both times.
    sandbox.stall_next(2, std::time::Duration::from_millis(600));
    assert!(flow::handle_message(&deps, &message).await.is_err(), "retried, not answered");
    assert!(outbound.receive(10).await.unwrap().is_empty());
    // The redelivery (same message) finds the rail's payment for the same orderId.
    flow::handle_message(&deps, &message).await.unwrap();
    let rtp: Vec<_> =
        sandbox.payments().into_iter().filter(|p| p.amount == rust_decimal::Decimal::from(500)).collect();
    assert_eq!(rtp.len(), 1, "one payment, however many attempts");
    assert_eq!(outbound.receive(10).await.unwrap().len(), 1, "one answer");
}

/// Issue: a link whose rail answer was uncertain jumped to a final state on a callback and
/// then got a "link created" reply with an empty URL.
#[tokio::test]
async fn a_callback_that_beats_an_uncertain_answer_is_kept_and_no_empty_link_is_sent() {
    let stack = stack().await;
    let warm_up = stack.message(ION, MessageContent::Text { body: "pay 1".into() });
    let message = stack.message(ION, MessageContent::Text { body: "pay 77".into() });
    let fast = MiaposClientConfig {
        timeout: std::time::Duration::from_millis(300),
        ..MiaposClientConfig::new(stack.sandbox.base_url())
    };
    let deps = stack.parts.with_rail(Arc::new(MiaposClient::new(fast).unwrap()));
    flow::handle_message(&deps, &warm_up).await.unwrap();
    for received in stack.outbound.receive(10).await.unwrap() {
        stack.outbound.delete(&received.receipt).await.unwrap();
    }
    stack.sandbox.stall_next(2, std::time::Duration::from_millis(600));
    assert!(flow::handle_message(&deps, &message).await.is_err(), "uncertain: retried");
    // The payer paid at once; the rail's callback arrives before the retry.
    let link_id = paybot::domain::link_id_for_message(&message.id);
    let payment = stack.sandbox.payment_by_order("MDEMO-CAFEA", &link_id).expect("the rail made it");
    let callback = paybot::payments::RailResult {
        order_id: link_id.clone(),
        payment_id: payment.payment_id.clone(),
        terminal_id: payment.terminal_id.clone(),
        status: paybot::ports::RailStatus::Success,
        amount: payment.amount,
        currency: payment.currency.clone(),
        payer_bank: Some("MAIB".into()),
    };
    let checks = paybot::payments::CheckSchedule::default();
    let links = stack.parts.stores.links.clone();
    let applied =
        paybot::payments::apply_result(links.as_ref(), &callback, &checks, deps.clock.now()).await.unwrap();
    assert!(matches!(applied, paybot::payments::Applied::Moved(_)));
    let stored = links.get(&link_id).await.unwrap().unwrap();
    assert_eq!(stored.state, paybot::domain::LinkState::Success);
    assert_eq!(stored.payment_id.as_deref(), Some(payment.payment_id.as_str()), "stored when known");
    // The retry answers nothing about a link to share: the status update tells the seller.
    flow::handle_message(&deps, &message).await.unwrap();
    let replies: Vec<OutboundJob> = stack
        .outbound
        .receive(10)
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert!(replies.is_empty(), "no link-created reply for a paid link: {replies:#?}");
    assert_eq!(links.get(&link_id).await.unwrap().unwrap().state, paybot::domain::LinkState::Success);
}

/// A queue that refuses the next batches it is given.
struct RefusingQueue {
    inner: Arc<dyn paybot::ports::QueueSender>,
    refusals: std::sync::Mutex<u32>,
}

#[async_trait::async_trait]
impl paybot::ports::QueueSender for RefusingQueue {
    async fn send_batch(&self, messages: &[paybot::ports::QueueMessage]) -> paybot::StoreResult<()> {
        let refuse = {
            let mut refusals = self.refusals.lock().unwrap();
            let refuse = *refusals > 0;
            *refusals = refusals.saturating_sub(1);
            refuse
        };
        if refuse {
            return Err(paybot::StoreError::unavailable("sqs", "throttled"));
        }
        self.inner.send_batch(messages).await
    }
}

/// Issue: a message that failed after its refusal was logged counted again on redelivery.
#[tokio::test]
async fn a_redelivered_refusal_counts_once_in_the_failed_command_log() {
    let stack = stack().await;
    let message = stack.message(ION, MessageContent::Text { body: "paay 100".into() });
    let queue =
        Arc::new(RefusingQueue { inner: stack.parts.outbound.clone(), refusals: std::sync::Mutex::new(1) });
    let deps = stack.parts.with_outbound(queue);
    assert!(flow::handle_message(&deps, &message).await.is_err(), "the reply could not be queued");
    flow::handle_message(&deps, &message).await.unwrap();
    flow::handle_message(&deps, &message).await.unwrap();
    let logged = stack.failed.list(BUSINESS, 10).await.unwrap();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].count, 1);
    assert_eq!(stack.outbound.receive(10).await.unwrap().len(), 1, "one answer");
}

#[tokio::test]
async fn an_unreadable_inbound_record_is_reported_for_the_dead_letter_queue() {
    let stack = stack().await;
    let good =
        serde_json::to_string(&stack.message(ION, MessageContent::Text { body: "help".into() })).unwrap();
    let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
    for (i, body) in ["{\"not\": \"a message\"}".to_owned(), good].into_iter().enumerate() {
        let mut record = aws_lambda_events::event::sqs::SqsMessage::default();
        record.message_id = Some(format!("m{i}"));
        record.body = Some(body);
        record.attributes.insert("MessageGroupId".into(), format!("g{i}"));
        event.records.push(record);
    }
    let response = command::handle_batch(&stack.deps, event).await;
    let failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, ["m0"], "reported, never deleted; the other group goes on");
    assert_eq!(stack.outbound.receive(10).await.unwrap().len(), 1);
}
