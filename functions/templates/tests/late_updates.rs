//! What happens after the link is sent, end to end: the miaPOS sandbox settles a payment
//! and posts its RSA-signed callback to the status function on a loopback port; notify sends
//! to the Cloud API sandbox (free-form inside the 24-hour window, to the outbox outside it);
//! the scheduled run looks stale payments up, queues the outbox as templates through notify;
//! Meta's later 131047 on a status webhook returns an update to the outbox; a seller who
//! writes again gets the waiting updates free-form. The clock is a ManualClock; the stores
//! are the in-memory twins, or the AWS adapters on moto.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, Duration};
use command::{CommandDeps, CommandSettings, flow};
use notify::{NotifyDeps, NotifySettings};
use paybot::adapters::memory::{
    ManualClock, MemoryAuditLog, MemoryContactStore, MemoryDeliveryStatusStore, MemoryDirectory,
    MemoryFailedCommandLog, MemoryIdempotencyStore, MemoryOutboxStore, MemoryPaymentLinkStore, MemoryQueue,
    MemoryWindowStore,
};
use paybot::capabilities::seller::{SellerCapability, SellerDeps, SellerSettings};
use paybot::config::Secret;
use paybot::crypto::DataKey;
use paybot::directory_file::DirectoryFile;
use paybot::domain::{
    ContactKey, InboundMessage, LinkState, MessageContent, Phone, UserRef, link_id_for_message,
};
use paybot::miapos::{CallbackVerifier, MiaposClient, MiaposClientConfig};
use paybot::outbound::OutboundJob;
use paybot::payments::CheckSchedule;
use paybot::ports::{
    AuditLog, Clock, ContactStore, DeliveryStatusStore, Directory, IdempotencyStore, OutboxStore,
    PaymentLinkStore, QueueMessage, QueueReceiver, QueueSender, WindowStore,
};
use paybot::whatsapp::WebhookVerifier;
use paybot::whatsapp::cloud_api::CloudApiClient;
use paybot::{StoreError, StoreResult};
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use sandboxes::cloud_api::CloudApiSandbox;
use sandboxes::miapos::{MiaposSandbox, PaymentStatus, SandboxConfig, SandboxMerchant};
use status::{CallbackKeys, StatusState};
use templates::{TemplatesDeps, TemplatesSettings};
use tower::ServiceExt;
use webhook::WebhookState;

const DIRECTORY: &str = include_str!("../../../infra/demo/directory.json");
const ION: &str = "+37369000001";
const TOKEN: &str = "cloud-token";
const APP_SECRET: &str = "late-updates-app-secret";

struct World {
    clock: Arc<ManualClock>,
    command: CommandDeps,
    notify: NotifyDeps,
    templates: TemplatesDeps,
    webhook: axum::Router,
    inbound: Arc<dyn QueueReceiver>,
    outbound: Arc<dyn QueueReceiver>,
    /// The templates function's queue, which a test may make fail.
    templates_queue: Arc<FlakyQueue>,
    windows: Arc<dyn WindowStore>,
    outbox: Arc<dyn OutboxStore>,
    links: Arc<dyn PaymentLinkStore>,
    audit: Arc<dyn AuditLog>,
    parked: Arc<MemoryQueue>,
    miapos: MiaposSandbox,
    cloud: CloudApiSandbox,
    status_url: String,
    key: rsa::RsaPrivateKey,
    /// This world's business number: unique, so worlds sharing moto's tables never meet.
    business: String,
    next: std::sync::atomic::AtomicU32,
}

/// The adapters a world runs on.
#[derive(Clone)]
enum Backend {
    Memory,
    Moto,
    /// moto, every request counted.
    MotoCounted(paybot::adapters::aws::RequestCounter),
}

struct Stores {
    directory: Arc<dyn Directory>,
    contacts: Arc<dyn ContactStore>,
    links: Arc<dyn PaymentLinkStore>,
    idempotency: Arc<dyn IdempotencyStore>,
    outbox: Arc<dyn OutboxStore>,
    windows: Arc<dyn WindowStore>,
    statuses: Arc<dyn DeliveryStatusStore>,
    audit: Arc<dyn AuditLog>,
    /// The console's stores every function writes to or reads on each message.
    controls: Arc<dyn paybot::ports::ControlsStore>,
    escalations: Arc<dyn paybot::ports::EscalationStore>,
    metrics: Arc<dyn paybot::ports::MetricsStore>,
    outbound_sender: Arc<dyn QueueSender>,
    outbound_receiver: Arc<dyn QueueReceiver>,
    inbound_sender: Arc<dyn QueueSender>,
    inbound_receiver: Arc<dyn QueueReceiver>,
}

fn memory_stores(clock: Arc<ManualClock>) -> Stores {
    let outbound = Arc::new(MemoryQueue::fifo(clock.clone()));
    let inbound = Arc::new(MemoryQueue::fifo(clock));
    Stores {
        directory: Arc::new(MemoryDirectory::default()),
        contacts: Arc::new(MemoryContactStore::default()),
        links: Arc::new(MemoryPaymentLinkStore::default()),
        idempotency: Arc::new(MemoryIdempotencyStore::default()),
        outbox: Arc::new(MemoryOutboxStore::default()),
        windows: Arc::new(MemoryWindowStore::default()),
        statuses: Arc::new(MemoryDeliveryStatusStore::default()),
        audit: Arc::new(MemoryAuditLog::default()),
        controls: Arc::new(paybot::adapters::memory::MemoryControlsStore::default()),
        escalations: Arc::new(paybot::adapters::memory::MemoryEscalationStore::default()),
        metrics: Arc::new(paybot::adapters::memory::MemoryMetricsStore::default()),
        outbound_sender: outbound.clone(),
        outbound_receiver: outbound,
        inbound_sender: inbound.clone(),
        inbound_receiver: inbound,
    }
}

/// The AWS adapters on moto: tables from the test command's bootstrap (template.yaml), and a
/// fresh outbound FIFO queue of this world's own.
async fn moto_stores(counter: Option<&paybot::adapters::aws::RequestCounter>) -> Stores {
    use paybot::adapters::aws::*;
    let aws = match counter {
        Some(counter) => AwsClients::load_counted(counter).await,
        None => AwsClients::load().await,
    };
    use paybot::wiring::Stores as _;
    let stores = paybot::wiring::AwsStores {
        clients: aws.clone(),
        config: paybot::config::Config::from_env().unwrap(),
    };
    let fifo = |name: &'static str| {
        let sqs = aws.sqs.clone();
        async move {
            let url = sqs
                .create_queue()
                .queue_name(format!("late-updates-{name}-{}.fifo", unique()))
                .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
                .send()
                .await
                .unwrap()
                .queue_url
                .unwrap();
            Arc::new(SqsQueue::new(sqs, url))
        }
    };
    let outbound = fifo("out").await;
    let inbound = fifo("in").await;
    Stores {
        directory: stores.directory().unwrap(),
        contacts: stores.contacts().unwrap(),
        links: stores.links().unwrap(),
        idempotency: stores.idempotency().unwrap(),
        outbox: stores.outbox().unwrap(),
        windows: stores.windows().unwrap(),
        statuses: stores.statuses().unwrap(),
        audit: stores.audit().unwrap(),
        controls: stores.controls().unwrap(),
        escalations: stores.escalations().unwrap(),
        metrics: stores.metrics().unwrap(),
        outbound_sender: outbound.clone(),
        outbound_receiver: outbound,
        inbound_sender: inbound.clone(),
        inbound_receiver: inbound,
    }
}

fn unique() -> String {
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
            "moto late-update tests not run: AWS_ENDPOINT_URL is not set (the README's test command sets it)"
        );
    }
    available
}

/// A queue that refuses the next `failures` batches, then passes them on: SQS throttling or
/// unreachable between a link's transition and its notification.
struct FlakyQueue {
    inner: Arc<dyn QueueSender>,
    failures: std::sync::Mutex<u32>,
}

#[async_trait]
impl QueueSender for FlakyQueue {
    async fn send_batch(&self, messages: &[QueueMessage]) -> StoreResult<()> {
        let fail = {
            let mut failures = self.failures.lock().unwrap();
            let fail = *failures > 0;
            *failures = failures.saturating_sub(1);
            fail
        };
        if fail {
            return Err(StoreError::unavailable("sqs", "throttled"));
        }
        self.inner.send_batch(messages).await
    }
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

async fn world() -> World {
    world_on(Backend::Memory, Some(paybot_lifetime())).await
}

/// The sandbox expires unpaid payments after two days, as a rail does (longer than the
/// window, so a payment can be settled after the seller's window closed).
fn paybot_lifetime() -> Duration {
    Duration::hours(48)
}

async fn world_on(backend: Backend, payment_lifetime: Option<Duration>) -> World {
    let mut file = DirectoryFile::parse(DIRECTORY).unwrap();
    let business = format!("1065{}", unique());
    file.profiles.truncate(1);
    file.profiles[0].business_number_id = business.clone();
    let clock = Arc::new(ManualClock::starting_at(DateTime::from_timestamp(1_763_700_000, 0).unwrap()));
    // The miaPOS sandbox signs with a key made here, so the test can also sign its own callbacks.
    let key = rsa::RsaPrivateKey::new(&mut rand_core(), 2048).unwrap();
    let miapos_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let miapos_url = format!("http://{}", miapos_listener.local_addr().unwrap());
    let merchants = file
        .sellers
        .iter()
        .flat_map(|s| &s.merchants)
        .map(|m| SandboxMerchant::new(&m.merchant_id, &m.secret_key, &m.qr_terminal))
        .collect();
    let config = SandboxConfig { payment_lifetime, ..SandboxConfig::new(&miapos_url, merchants) };
    let miapos = MiaposSandbox::with_key(config, key.clone()).unwrap();
    let sandbox_clock = clock.clone();
    miapos.set_clock(move || paybot::ports::Clock::now(sandbox_clock.as_ref()));
    let miapos_router = miapos.router();
    tokio::spawn(async move { axum::serve(miapos_listener, miapos_router).await.unwrap() });
    let cloud = CloudApiSandbox::new(TOKEN);
    let cloud_url = serve(cloud.router()).await;

    let stores = match backend {
        Backend::Memory => memory_stores(clock.clone()),
        Backend::Moto => moto_stores(None).await,
        Backend::MotoCounted(counter) => moto_stores(Some(&counter)).await,
    };
    // One key for every world of the process: worlds on moto share the directory table and
    // import the same sellers, so a seller's secret sealed under one world's own key would be
    // unreadable to another world running at the same time.
    static DATA_KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let data_key = DataKey::from_base64(DATA_KEY.get_or_init(DataKey::generate_base64)).unwrap();
    file.import(&data_key, stores.directory.as_ref()).await.unwrap();
    let rail = Arc::new(MiaposClient::new(MiaposClientConfig::new(&miapos_url)).unwrap());
    let sender = Arc::new(CloudApiClient::new(&format!("{cloud_url}/v23.0"), Secret::new(TOKEN)));
    let checks = CheckSchedule::default();

    let status_state = StatusState {
        keys: CallbackKeys::configured(
            CallbackVerifier::from_base64_der(&miapos.public_key_base64()).unwrap(),
        ),
        links: stores.links.clone(),
        directory: stores.directory.clone(),
        contacts: stores.contacts.clone(),
        outbound: stores.outbound_sender.clone(),
        audit: stores.audit.clone(),
        idempotency: stores.idempotency.clone(),
        metrics: stores.metrics.clone(),
        checks,
        clock: clock.clone(),
        momo: None,
    };
    let status_url = serve(status::router(Arc::new(status_state))).await;
    let webhook = webhook::router(Arc::new(WebhookState {
        verifier: WebhookVerifier::new(APP_SECRET, "verify"),
        max_body_bytes: 64 * 1024,
        windows: stores.windows.clone(),
        statuses: stores.statuses.clone(),
        outbox: stores.outbox.clone(),
        idempotency: stores.idempotency.clone(),
        inbound: stores.inbound_sender.clone(),
        metrics: stores.metrics.clone(),
        clock: clock.clone(),
    }));

    let seller = SellerCapability::new(SellerDeps {
        directory: stores.directory.clone(),
        contacts: stores.contacts.clone(),
        links: stores.links.clone(),
        idempotency: stores.idempotency.clone(),
        audit: stores.audit.clone(),
        failed_commands: Arc::new(MemoryFailedCommandLog::default()),
        rail: rail.clone(),
        clock: clock.clone(),
        data_key: data_key.clone(),
        settings: SellerSettings { callback_url: Some(format!("{status_url}/miapos/callback")), checks },
    });
    let command = CommandDeps {
        directory: stores.directory.clone(),
        contacts: stores.contacts.clone(),
        idempotency: stores.idempotency.clone(),
        outbox: stores.outbox.clone(),
        outbound: stores.outbound_sender.clone(),
        clock: clock.clone(),
        capabilities: vec![Arc::new(seller)],
        // Cached as on Lambda: the switch is read once per number per few seconds.
        controls: Arc::new(paybot::operator::controls::CachedControls::new(
            stores.controls.clone(),
            chrono::Duration::seconds(5),
        )),
        escalations: stores.escalations.clone(),
        metrics: stores.metrics.clone(),
        settings: CommandSettings::default(),
    };
    let parked = Arc::new(MemoryQueue::standard(clock.clone()));
    let notify = NotifyDeps {
        sender,
        idempotency: stores.idempotency.clone(),
        statuses: stores.statuses.clone(),
        parked: parked.clone(),
        windows: stores.windows.clone(),
        outbox: stores.outbox.clone(),
        metrics: stores.metrics.clone(),
        clock: clock.clone(),
        settings: NotifySettings {
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(2),
            ..NotifySettings::default()
        },
    };
    let templates_queue =
        Arc::new(FlakyQueue { inner: stores.outbound_sender.clone(), failures: std::sync::Mutex::new(0) });
    let templates = TemplatesDeps {
        outbox: stores.outbox.clone(),
        windows: stores.windows.clone(),
        directory: stores.directory.clone(),
        contacts: stores.contacts.clone(),
        links: stores.links.clone(),
        idempotency: stores.idempotency.clone(),
        metrics: stores.metrics.clone(),
        audit: stores.audit.clone(),
        rail,
        outbound: templates_queue.clone(),
        data_key,
        clock: clock.clone(),
        checks,
        momo: None,
        susu: None,
        settings: TemplatesSettings::default(),
    };
    World {
        clock,
        command,
        notify,
        templates,
        webhook,
        inbound: stores.inbound_receiver,
        outbound: stores.outbound_receiver,
        templates_queue,
        windows: stores.windows,
        outbox: stores.outbox,
        links: stores.links,
        audit: stores.audit,
        parked,
        miapos,
        cloud,
        status_url,
        key,
        business,
        next: 0.into(),
    }
}

fn rand_core() -> rsa::rand_core::OsRng {
    rsa::rand_core::OsRng
}

impl World {
    fn contact(&self) -> ContactKey {
        ContactKey { business_number_id: self.business.clone(), user_key: ION.into() }
    }

    /// The seller writes: the webhook would record the window; the command flow handles it.
    async fn seller_writes(&self, text: &str) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let message = InboundMessage {
            id: format!("wamid.{}.{n}", self.business),
            business_number_id: self.business.clone(),
            from: UserRef { phone: Some(Phone::parse_international(ION).unwrap()), scoped_id: None },
            profile_name: None,
            sent_at: self.clock.now(),
            received_at: None,
            content: MessageContent::Text { body: text.into() },
        };
        self.windows.record_inbound(&self.contact(), message.sent_at).await.unwrap();
        flow::handle_message(&self.command, &message).await.unwrap();
        self.deliver().await;
        message.id
    }

    /// Notify drains the outbound queue.
    async fn deliver(&self) {
        loop {
            let batch = self.outbound.receive(10).await.unwrap();
            if batch.is_empty() {
                return;
            }
            for received in batch {
                let job: OutboundJob = serde_json::from_str(&received.body).unwrap();
                notify::deliver(&self.notify, &job).await.unwrap();
                self.outbound.delete(&received.receipt).await.unwrap();
            }
        }
    }

    async fn new_link(&self, text: &str) -> String {
        let wamid = self.seller_writes(text).await;
        self.links.get(&link_id_for_message(&wamid)).await.unwrap().unwrap().payment_id.unwrap()
    }

    async fn state(&self, payment_id: &str) -> LinkState {
        self.links.get(&self.link_of(payment_id)).await.unwrap().unwrap().state
    }

    async fn settle(&self, payment_id: &str, status: PaymentStatus) {
        let settled = self.miapos.settle(payment_id, status).await.unwrap();
        let callback = settled.callback.expect("the sandbox called back");
        assert_eq!(callback.http_status, Some(200), "{:?}", callback.error);
        self.deliver().await;
    }

    /// What this world's number sent (moto's shared tables may hold other worlds' work).
    fn sent(&self) -> Vec<sandboxes::cloud_api::SentMessage> {
        self.cloud.sent().into_iter().filter(|m| m.phone_number_id == self.business).collect()
    }

    fn texts(&self) -> Vec<String> {
        self.sent().iter().filter_map(|m| m.text().map(str::to_owned)).collect()
    }

    fn templates_sent(&self) -> Vec<serde_json::Value> {
        self.sent().into_iter().filter(|m| m.kind() == "template").map(|m| m.body).collect()
    }

    /// A scheduled run, then notify drains what it queued.
    async fn run_templates(&self) -> templates::RunReport {
        let report = templates::run(&self.templates).await.unwrap();
        self.deliver().await;
        report
    }

    /// Posts a signed text message from the seller to the webhook, as Meta does.
    async fn webhook_text(&self, wamid: &str, text: &str) -> axum::http::StatusCode {
        let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
            "field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "37369002773", "phone_number_id": self.business},
            "contacts": [{"profile": {"name": "Ion"}, "wa_id": ION.trim_start_matches('+')}],
            "messages": [{"from": ION.trim_start_matches('+'), "id": wamid,
                "timestamp": self.clock.now().timestamp().to_string(), "type": "text", "text": {"body": text}}]}}]}]})
        .to_string();
        self.post_webhook(body).await
    }

    async fn post_webhook(&self, body: String) -> axum::http::StatusCode {
        let request = axum::http::Request::post("/webhook")
            .header("content-type", "application/json")
            .header("x-hub-signature-256", WebhookVerifier::sign(APP_SECRET, body.as_bytes()))
            .body(axum::body::Body::from(body))
            .unwrap();
        self.webhook.clone().oneshot(request).await.unwrap().status()
    }

    /// Meta reports, on a status webhook, that a message it accepted failed with 131047.
    async fn meta_reports_window_closed(&self, wamid: &str) -> axum::http::StatusCode {
        let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
            "field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "37369002773", "phone_number_id": self.business},
            "statuses": [{"id": wamid, "status": "failed", "timestamp": self.clock.now().timestamp().to_string(),
                "recipient_id": ION.trim_start_matches('+'),
                "errors": [{"code": 131047, "title": "Re-engagement message"}]}]}}]}]})
        .to_string();
        self.post_webhook(body).await
    }

    fn link_of(&self, payment_id: &str) -> String {
        self.miapos.payment(payment_id).unwrap().order_id
    }

    /// Posts a callback body as miaPOS would, signed with `key` (or not at all).
    async fn post_callback(&self, result: serde_json::Value, key: Option<&rsa::RsaPrivateKey>) -> u16 {
        let map = result.as_object().unwrap();
        let signature = key
            .map(|k| {
                let signer = SigningKey::<rsa::sha2::Sha256>::new(k.clone());
                let text = sandboxes::miapos::signing_string(map);
                base64::engine::general_purpose::STANDARD.encode(signer.sign(text.as_bytes()).to_bytes())
            })
            .unwrap_or_else(|| "AAAA".into());
        let body = serde_json::json!({"result": result, "signature": signature});
        reqwest::Client::new()
            .post(format!("{}/miapos/callback", self.status_url))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

fn is_paid(text: &String) -> bool {
    text.starts_with('✅')
}

#[tokio::test]
async fn a_signed_success_inside_the_window_is_one_free_form_paid_message_however_often_it_arrives() {
    let w = world().await;
    let payment = w.new_link("pay 100 \"Cafea\"").await;
    w.settle(&payment, PaymentStatus::Success).await;
    for _ in 0..2 {
        let resent = w.miapos.resend_callback(&payment).await.unwrap();
        assert_eq!(resent.http_status, Some(200));
        w.deliver().await;
    }
    let paid: Vec<_> = w.texts().into_iter().filter(is_paid).collect();
    assert_eq!(paid.len(), 1, "{:?}", w.texts());
    assert!(paid[0].contains("100,00"), "Romanian: {}", paid[0]);
    assert!(w.templates_sent().is_empty());

    // EXPIRED after SUCCESS, genuinely signed: nothing changes, nothing is sent; alerted.
    let link = w.links.get(&w.link_of(&payment)).await.unwrap().unwrap();
    let expired = serde_json::json!({"terminalId": link.terminal_id, "orderId": link.id, "paymentId": payment,
        "status": "EXPIRED", "amount": 100.00, "currency": "MDL", "paymentDate": "2025-11-21T06:00:00+02:00"});
    let before = w.sent().len();
    assert_eq!(w.post_callback(expired, Some(&w.key)).await, 200);
    w.deliver().await;
    assert_eq!(w.links.get(&link.id).await.unwrap().unwrap().state, LinkState::Success);
    assert_eq!(w.sent().len(), before);
    let chain = w.audit.chain(&format!("seller:{ION}")).await.unwrap();
    assert!(chain.iter().any(|r| r.event.kind == "alert_conflict"));
    assert_eq!(paybot::audit::verify_chain(&chain), Ok(()));
}

#[tokio::test]
async fn bad_signatures_and_tampered_amounts_change_nothing() {
    let w = world().await;
    let payment = w.new_link("pay 100").await;
    let link = w.links.get(&w.link_of(&payment)).await.unwrap().unwrap();
    let result = |amount: f64| {
        serde_json::json!({"terminalId": link.terminal_id, "orderId": link.id, "paymentId": payment,
            "status": "SUCCESS", "amount": amount, "currency": "MDL", "paymentDate": "2025-11-21T06:00:00+02:00",
            "swiftMessageId": "S1", "swiftPayerBank": "MAIB"})
    };
    let before = w.sent().len();
    assert_eq!(w.post_callback(result(100.0), None).await, 403, "garbage signature");
    let stranger = rsa::RsaPrivateKey::new(&mut rand_core(), 2048).unwrap();
    assert_eq!(w.post_callback(result(100.0), Some(&stranger)).await, 403, "another key");
    assert_eq!(w.post_callback(result(1.0), Some(&w.key)).await, 200, "genuine but disagreeing: alerted");
    w.deliver().await;
    assert_eq!(w.links.get(&link.id).await.unwrap().unwrap().state, LinkState::Created);
    assert_eq!(w.sent().len(), before);
}

#[tokio::test]
async fn a_seller_silent_for_25_hours_gets_one_template_then_one_digest() {
    let w = world().await;
    let first = w.new_link("pay 100 \"Cafea\"").await;
    let second = w.new_link("pay 25,50").await;
    let third = w.new_link("pay 12").await;
    let free_form_before = w.texts().len();
    w.clock.advance(Duration::hours(23));

    w.settle(&first, PaymentStatus::Success).await;
    w.clock.advance(Duration::hours(2));
    // Settled inside the window: free-form. The next two come after it closed.
    assert_eq!(w.texts().len(), free_form_before + 1);
    w.settle(&second, PaymentStatus::Success).await;
    assert_eq!(w.texts().len(), free_form_before + 1, "no free-form message outside the window");
    let report = w.run_templates().await;
    assert_eq!(report.templates_queued, 1);
    let sent = w.templates_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["template"]["name"], "payment_update");
    assert_eq!(sent[0]["template"]["language"]["code"], "ro");
    // Overlapping or repeated runs send nothing more.
    let (a, b) = tokio::join!(templates::run(&w.templates), templates::run(&w.templates));
    a.unwrap();
    b.unwrap();
    w.deliver().await;
    w.run_templates().await;
    assert_eq!(w.templates_sent().len(), 1);

    w.settle(&third, PaymentStatus::Declined).await;
    w.run_templates().await;
    let sent = w.templates_sent();
    assert_eq!(sent.len(), 2, "one template per waiting update set");
    assert_eq!(w.texts().len(), free_form_before + 1);
}

#[tokio::test]
async fn several_waiting_updates_go_as_one_digest() {
    let w = world().await;
    let first = w.new_link("pay 25,50").await;
    let second = w.new_link("pay 12").await;
    w.clock.advance(Duration::hours(25));
    w.settle(&first, PaymentStatus::Success).await;
    w.settle(&second, PaymentStatus::Declined).await;
    w.run_templates().await;
    let sent = w.templates_sent();
    assert_eq!(sent.len(), 1, "one digest for the two waiting updates");
    assert_eq!(sent[0]["template"]["name"], "payment_digest");
    assert!(w.outbox.pending(&w.contact()).await.unwrap().is_empty());
}

#[tokio::test]
async fn writing_again_delivers_waiting_updates_free_form_instead() {
    let w = world().await;
    let first = w.new_link("pay 100").await;
    let second = w.new_link("pay 30").await;
    w.clock.advance(Duration::hours(25));
    w.settle(&first, PaymentStatus::Success).await;
    w.settle(&second, PaymentStatus::Expired).await;
    assert_eq!(w.outbox.pending(&w.contact()).await.unwrap().len(), 2);
    let before = w.texts().len();

    w.seller_writes("help").await;
    let new: Vec<_> = w.texts().into_iter().skip(before).collect();
    assert_eq!(new.len(), 3, "two updates, then the answer: {new:?}");
    let mut firsts: Vec<char> = new[..2].iter().map(|t| t.chars().next().unwrap()).collect();
    firsts.sort();
    assert_eq!(firsts, ['⌛', '✅'], "the updates come before the answer: {new:?}");
    assert!(w.outbox.pending(&w.contact()).await.unwrap().is_empty());
    w.run_templates().await;
    assert!(w.templates_sent().is_empty());
}

#[tokio::test]
async fn a_waiting_update_queued_both_as_digest_and_free_form_is_delivered_once() {
    let w = world().await;
    let payment = w.new_link("pay 40").await;
    w.clock.advance(Duration::hours(25));
    w.settle(&payment, PaymentStatus::Success).await;
    // The scheduled run queues the template; before notify sends it, the seller writes and the
    // command function queues the same update free-form.
    templates::run(&w.templates).await.unwrap();
    let before = w.sent().len();
    w.seller_writes("help").await;
    let new: Vec<_> = w.sent().into_iter().skip(before).collect();
    let updates = new
        .iter()
        .filter(|m| m.kind() == "template" || m.text().is_some_and(|t| is_paid(&t.to_owned())))
        .count();
    assert_eq!(updates, 1, "{new:?}");
    assert!(w.outbox.pending(&w.contact()).await.unwrap().is_empty());
}

#[tokio::test]
async fn stale_payments_are_looked_up_and_the_rails_expiry_reaches_the_seller() {
    let w = world().await;
    w.miapos.set_callbacks_enabled(false);
    let paid = w.new_link("pay 10").await;
    let forgotten = w.new_link("pay 20").await;
    w.miapos.settle(&paid, PaymentStatus::Success).await.unwrap();
    // Callbacks are not guaranteed: the poller finds the payment after it has been pending a while.
    w.clock.advance(Duration::minutes(11));
    let report = w.run_templates().await;
    assert_eq!(report.moved_by_lookup, 1);
    assert_eq!(w.texts().iter().filter(|t| t.starts_with('✅')).count(), 1);
    // Two days later the rail has expired the other one; the lookup tells the seller
    // (outside the window: the outbox, then a template).
    w.clock.advance(Duration::hours(48));
    let report = w.run_templates().await;
    assert_eq!(report.moved_by_lookup, 1);
    assert_eq!(w.state(&forgotten).await, LinkState::Expired);
    w.run_templates().await;
    let sent = w.templates_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["template"]["name"], "payment_update");
}

/// Issue: the bot expired a link on its own clock while the rail still held it open, and the
/// payment that came afterwards was ignored: the money arrived, the seller read "expired".
#[tokio::test]
async fn a_link_the_rail_holds_open_is_never_expired_by_the_bot_and_a_late_payment_is_paid() {
    let w = world_on(Backend::Memory, None).await;
    w.miapos.set_callbacks_enabled(false);
    let payment = w.new_link("pay 55").await;
    // Two days and many lookups later the rail still holds it open: so does the bot.
    for _ in 0..12 {
        w.clock.advance(Duration::hours(4));
        w.run_templates().await;
    }
    assert_eq!(w.state(&payment).await, LinkState::Created);
    assert!(w.outbox.pending(&w.contact()).await.unwrap().is_empty());
    // The payer pays; the callback never comes. A lookup finds it and the seller is told "paid".
    w.miapos.settle(&payment, PaymentStatus::Success).await.unwrap();
    w.clock.advance(Duration::hours(7));
    w.run_templates().await;
    assert_eq!(w.state(&payment).await, LinkState::Success);
    w.run_templates().await;
    let sent = w.templates_sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["template"]["components"][0]["parameters"][0]["text"], "plătită");
}

/// Issue: Meta accepted a free-form update and failed it later with 131047; nothing kept its
/// outbox form, so the seller never heard.
async fn an_update_meta_fails_later_with_131047_arrives_as_a_template(backend: Backend) {
    let w = world_on(backend, Some(paybot_lifetime())).await;
    let payment = w.new_link("pay 60 \"Flori\"").await;
    w.settle(&payment, PaymentStatus::Success).await;
    let paid =
        w.sent().into_iter().find(|m| m.text().is_some_and(|t| t.starts_with('✅'))).expect("sent free-form");
    assert_eq!(w.meta_reports_window_closed(&paid.wamid).await, axum::http::StatusCode::OK);
    assert_eq!(w.outbox.pending(&w.contact()).await.unwrap().len(), 1);
    // Meta's retry of the same status webhook moves nothing twice.
    assert_eq!(w.meta_reports_window_closed(&paid.wamid).await, axum::http::StatusCode::OK);
    w.clock.advance(Duration::hours(25));
    w.run_templates().await;
    w.run_templates().await;
    let sent = w.templates_sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["template"]["name"], "payment_update");
    assert!(w.outbox.pending(&w.contact()).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_update_meta_fails_later_with_131047_arrives_as_a_template_on_memory() {
    an_update_meta_fails_later_with_131047_arrives_as_a_template(Backend::Memory).await;
}

#[tokio::test]
async fn an_update_meta_fails_later_with_131047_arrives_as_a_template_on_moto() {
    if moto_available() {
        an_update_meta_fails_later_with_131047_arrives_as_a_template(Backend::Moto).await;
    }
}

/// Issue: a lookup moved the link, the queue send failed, and the link had already left the
/// poller's index: nobody told the seller.
#[tokio::test]
async fn a_queue_failure_after_a_lookup_moved_the_link_is_recovered_once() {
    let w = world().await;
    w.miapos.set_callbacks_enabled(false);
    let payment = w.new_link("pay 70").await;
    w.miapos.settle(&payment, PaymentStatus::Declined).await.unwrap();
    w.clock.advance(Duration::minutes(11));
    *w.templates_queue.failures.lock().unwrap() = 1;
    w.run_templates().await;
    assert_eq!(w.state(&payment).await, LinkState::Declined);
    assert!(w.texts().iter().all(|t| !t.contains("refuzat")), "not yet told: {:?}", w.texts());
    w.clock.advance(Duration::minutes(3));
    let report = w.run_templates().await;
    assert_eq!(report.notified_late, 1);
    w.clock.advance(Duration::minutes(3));
    let report = w.run_templates().await;
    assert_eq!(report.notified_late, 0, "recorded queued once notified");
    let declined: Vec<_> = w.texts().into_iter().filter(|t| t.contains("refuzat")).collect();
    assert_eq!(declined.len(), 1, "{:?}", w.texts());
}

/// Issue: links whose lookup fails for good sat at the head of the open-links query every
/// minute, and the links behind them were never looked up.
#[tokio::test]
async fn links_that_cannot_be_looked_up_do_not_starve_the_others() {
    let mut w = world().await;
    w.templates.settings.batch = 2;
    w.miapos.set_callbacks_enabled(false);
    let broken: Vec<_> =
        [w.new_link("pay 1").await, w.new_link("pay 2").await, w.new_link("pay 3").await].into();
    w.clock.advance(Duration::seconds(1));
    let good = w.new_link("pay 4").await;
    // The first three lose their payment id on our side (as a record the rail cannot know).
    for payment in &broken {
        let id = w.link_of(payment);
        let mut link = w.links.get(&id).await.unwrap().unwrap();
        link.id = format!("{id}-lost");
        link.payment_id = Some("00000000-0000-0000-0000-000000000000".into());
        w.links.insert_if_absent(&link).await.unwrap();
        w.miapos.settle(payment, PaymentStatus::Expired).await.unwrap();
    }
    w.miapos.settle(&good, PaymentStatus::Success).await.unwrap();
    w.clock.advance(Duration::minutes(11));
    for _ in 0..4 {
        w.run_templates().await;
        w.clock.advance(Duration::minutes(1));
    }
    assert_eq!(w.state(&good).await, LinkState::Success);
    assert_eq!(w.texts().iter().filter(|t| is_paid(t)).count(), 1);
}

#[tokio::test]
async fn a_template_refused_for_good_is_parked_where_the_operator_sees_it() {
    let w = world().await;
    let payment = w.new_link("pay 80").await;
    w.clock.advance(Duration::hours(25));
    w.settle(&payment, PaymentStatus::Success).await;
    w.cloud.fail_next(132_001, 400, 1);
    w.run_templates().await;
    let parked = w.parked.receive(10).await.unwrap();
    assert_eq!(parked.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&parked[0].body).unwrap();
    assert!(body["error"].as_str().unwrap().contains("132001"), "{body}");
    assert_eq!(body["job"]["message"]["content"]["type"], "template");
    // Not retried every minute.
    w.run_templates().await;
    assert!(w.templates_sent().is_empty());
}

/// Received queue messages as the event source mapping hands them to a Lambda.
fn batch_event(messages: &[paybot::ports::ReceivedMessage]) -> aws_lambda_events::event::sqs::SqsEvent {
    let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
    event.records = messages
        .iter()
        .map(|m| {
            let mut record = aws_lambda_events::event::sqs::SqsMessage::default();
            record.message_id = Some(m.receipt.clone());
            record.receipt_handle = Some(m.receipt.clone());
            record.body = Some(m.body.clone());
            if let Some(group) = &m.group {
                record.attributes.insert("MessageGroupId".into(), group.clone());
            }
            record
        })
        .collect();
    event
}

/// The AWS requests of one seller `pay` round trip on moto (webhook → command → notify), by
/// operation and table or queue. Receives and deletes are the event source mapping's work on
/// Lambda, not the functions', and are left out. `--nocapture` prints the breakdown.
#[tokio::test]
async fn aws_requests_of_one_pay_round_trip_on_moto() {
    if !moto_available() {
        return;
    }
    let counter = paybot::adapters::aws::RequestCounter::default();
    let w = world_on(Backend::MotoCounted(counter.clone()), Some(paybot_lifetime())).await;
    // Warm: the seller has written before (a contact exists), as in steady operation.
    w.seller_writes("help").await;
    let mut per_stage = Vec::new();
    let functions_only =
        |counter: &paybot::adapters::aws::RequestCounter| -> std::collections::BTreeMap<String, u64> {
            counter
                .snapshot()
                .into_iter()
                .filter(|(k, _)| !k.starts_with("ReceiveMessage") && !k.starts_with("DeleteMessage"))
                .collect()
        };
    counter.reset();
    let wamid = format!("wamid.{}.count", w.business);
    assert_eq!(w.webhook_text(&wamid, "pay 100").await, axum::http::StatusCode::OK);
    per_stage.push(("webhook", functions_only(&counter)));
    counter.reset();
    let received = w.inbound.receive(10).await.unwrap();
    assert_eq!(received.len(), 1);
    // Each function as its Lambda runs it: the batch handler, whose figures are written once
    // per number at the end of the batch.
    counter.reset();
    let failures = command::handler::handle_records(&w.command, batch_event(&received)).await;
    assert!(failures.is_empty(), "{failures:?}");
    per_stage.push(("command", functions_only(&counter)));
    let jobs = w.outbound.receive(10).await.unwrap();
    assert_eq!(jobs.len(), 1, "one reply");
    counter.reset();
    let failures = notify::handler::handle_records(&w.notify, batch_event(&jobs)).await;
    assert!(failures.is_empty(), "{failures:?}");
    per_stage.push(("notify", functions_only(&counter)));
    let total: u64 = per_stage.iter().flat_map(|(_, m)| m.values()).sum();
    for (stage, counts) in &per_stage {
        eprintln!("{stage}: {} requests", counts.values().sum::<u64>());
        for (key, n) in counts {
            eprintln!("  {n:>2}  {key}");
        }
    }
    eprintln!("total: {total} AWS requests per seller pay round trip");
    assert!(w.texts().iter().any(|t| t.contains("100,00")), "the link reached the seller");
    assert!(per_stage.iter().all(|(_, m)| !m.is_empty()), "every stage uses AWS");
}
