//! What happens after the link is sent, end to end over the in-memory adapters: the miaPOS
//! sandbox settles a payment and posts its RSA-signed callback to the status function on a
//! loopback port; notify sends to the Cloud API sandbox (free-form inside the 24-hour
//! window, to the outbox outside it); the scheduled run sends the outbox as templates; a
//! seller who writes again gets the waiting updates free-form. The clock is a ManualClock.

use std::sync::Arc;

use base64::Engine;
use chrono::{DateTime, Duration};
use command::{CommandDeps, CommandSettings, flow};
use notify::{NotifyDeps, NotifySettings};
use paybot::adapters::memory::{
    ManualClock, MemoryAuditLog, MemoryContactStore, MemoryDeliveryStatusStore, MemoryDirectory,
    MemoryFailedCommandLog, MemoryIdempotencyStore, MemoryOutboxStore, MemoryPaymentLinkStore, MemoryQueue,
    MemoryWindowStore,
};
use paybot::config::Secret;
use paybot::crypto::DataKey;
use paybot::directory_file::DirectoryFile;
use paybot::domain::{
    ContactKey, InboundMessage, LinkState, MessageContent, Phone, UserRef, link_id_for_message,
};
use paybot::miapos::{CallbackVerifier, MiaposClient, MiaposClientConfig};
use paybot::outbound::OutboundJob;
use paybot::ports::{Clock, OutboxStore, PaymentLinkStore, QueueReceiver, WindowStore};
use paybot::whatsapp::cloud_api::CloudApiClient;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use sandboxes::cloud_api::CloudApiSandbox;
use sandboxes::miapos::{MiaposSandbox, PaymentStatus, SandboxConfig, SandboxMerchant};
use status::{CallbackKeys, StatusState};
use templates::{TemplatesDeps, TemplatesSettings};

const DIRECTORY: &str = include_str!("../../../infra/demo/directory.json");
const BUSINESS: &str = "106540352242922";
const ION: &str = "+37369000001";
const TOKEN: &str = "cloud-token";

struct World {
    clock: Arc<ManualClock>,
    command: CommandDeps,
    notify: NotifyDeps,
    templates: TemplatesDeps,
    outbound: Arc<MemoryQueue>,
    windows: Arc<MemoryWindowStore>,
    outbox: Arc<MemoryOutboxStore>,
    links: Arc<MemoryPaymentLinkStore>,
    miapos: MiaposSandbox,
    cloud: CloudApiSandbox,
    status_url: String,
    key: rsa::RsaPrivateKey,
    next: std::sync::atomic::AtomicU32,
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

async fn world() -> World {
    let file = DirectoryFile::parse(DIRECTORY).unwrap();
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
    let miapos = MiaposSandbox::with_key(SandboxConfig::new(&miapos_url, merchants), key.clone()).unwrap();
    let miapos_router = miapos.router();
    tokio::spawn(async move { axum::serve(miapos_listener, miapos_router).await.unwrap() });
    let cloud = CloudApiSandbox::new(TOKEN);
    let cloud_url = serve(cloud.router()).await;

    let data_key = DataKey::from_base64(&DataKey::generate_base64()).unwrap();
    let directory = Arc::new(MemoryDirectory::default());
    file.import(&data_key, directory.as_ref()).await.unwrap();
    let contacts = Arc::new(MemoryContactStore::default());
    let links = Arc::new(MemoryPaymentLinkStore::default());
    let idempotency = Arc::new(MemoryIdempotencyStore::default());
    let outbox = Arc::new(MemoryOutboxStore::default());
    let windows = Arc::new(MemoryWindowStore::default());
    let outbound = Arc::new(MemoryQueue::fifo(clock.clone()));
    let audit = Arc::new(MemoryAuditLog::default());
    let rail = Arc::new(MiaposClient::new(MiaposClientConfig::new(&miapos_url)).unwrap());
    let sender = Arc::new(CloudApiClient::new(&format!("{cloud_url}/v23.0"), Secret::new(TOKEN)));

    let status_state = StatusState {
        keys: CallbackKeys::configured(
            CallbackVerifier::from_base64_der(&miapos.public_key_base64()).unwrap(),
        ),
        links: links.clone(),
        directory: directory.clone(),
        contacts: contacts.clone(),
        outbound: outbound.clone(),
        audit: audit.clone(),
        idempotency: idempotency.clone(),
        clock: clock.clone(),
    };
    let status_url = serve(status::router(Arc::new(status_state))).await;

    let command = CommandDeps {
        directory: directory.clone(),
        contacts: contacts.clone(),
        links: links.clone(),
        idempotency: idempotency.clone(),
        audit,
        failed_commands: Arc::new(MemoryFailedCommandLog::default()),
        outbox: outbox.clone(),
        rail: rail.clone(),
        outbound: outbound.clone(),
        clock: clock.clone(),
        data_key: data_key.clone(),
        settings: CommandSettings {
            callback_url: Some(format!("{status_url}/miapos/callback")),
            ..CommandSettings::from_config(&paybot::config::Config::from_lookup(|_| None).unwrap())
        },
    };
    let notify = NotifyDeps {
        sender: sender.clone(),
        idempotency: idempotency.clone(),
        statuses: Arc::new(MemoryDeliveryStatusStore::default()),
        parked: Arc::new(MemoryQueue::fifo(clock.clone())),
        windows: windows.clone(),
        outbox: outbox.clone(),
        clock: clock.clone(),
        settings: NotifySettings {
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(2),
            ..NotifySettings::default()
        },
    };
    let templates = TemplatesDeps {
        outbox: outbox.clone(),
        windows: windows.clone(),
        directory,
        contacts,
        links: links.clone(),
        idempotency,
        sender,
        rail,
        outbound: outbound.clone(),
        data_key,
        clock: clock.clone(),
        settings: TemplatesSettings::default(),
    };
    World {
        clock,
        command,
        notify,
        templates,
        outbound,
        windows,
        outbox,
        links,
        miapos,
        cloud,
        status_url,
        key,
        next: 0.into(),
    }
}

fn rand_core() -> rsa::rand_core::OsRng {
    rsa::rand_core::OsRng
}

fn contact() -> ContactKey {
    ContactKey { business_number_id: BUSINESS.into(), user_key: ION.into() }
}

impl World {
    /// The seller writes: the webhook would record the window; the command flow handles it.
    async fn seller_writes(&self, text: &str) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let message = InboundMessage {
            id: format!("wamid.late{n}"),
            business_number_id: BUSINESS.into(),
            from: UserRef { phone: Some(Phone::parse_international(ION).unwrap()), scoped_id: None },
            profile_name: None,
            sent_at: self.clock.now(),
            content: MessageContent::Text { body: text.into() },
        };
        self.windows.record_inbound(&contact(), message.sent_at).await.unwrap();
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

    async fn settle(&self, payment_id: &str, status: PaymentStatus) {
        let settled = self.miapos.settle(payment_id, status).await.unwrap();
        let callback = settled.callback.expect("the sandbox called back");
        assert_eq!(callback.http_status, Some(200), "{:?}", callback.error);
        self.deliver().await;
    }

    fn texts(&self) -> Vec<String> {
        self.cloud.sent().iter().filter_map(|m| m.text().map(str::to_owned)).collect()
    }

    fn templates_sent(&self) -> Vec<serde_json::Value> {
        self.cloud.sent().into_iter().filter(|m| m.kind() == "template").map(|m| m.body).collect()
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

    // EXPIRED after SUCCESS, genuinely signed: nothing changes, nothing is sent.
    let link = w.links.by_seller(&Phone::parse_international(ION).unwrap(), 1).await.unwrap().remove(0);
    let expired = serde_json::json!({"terminalId": link.terminal_id, "orderId": link.id, "paymentId": payment,
        "status": "EXPIRED", "amount": 100.00, "currency": "MDL", "paymentDate": "2025-11-21T06:00:00+02:00"});
    let before = w.cloud.sent().len();
    assert_eq!(w.post_callback(expired, Some(&w.key)).await, 200);
    w.deliver().await;
    assert_eq!(w.links.get(&link.id).await.unwrap().unwrap().state, LinkState::Success);
    assert_eq!(w.cloud.sent().len(), before);
}

#[tokio::test]
async fn bad_signatures_and_tampered_amounts_change_nothing() {
    let w = world().await;
    let payment = w.new_link("pay 100").await;
    let link = w.links.by_seller(&Phone::parse_international(ION).unwrap(), 1).await.unwrap().remove(0);
    let result = |amount: f64| {
        serde_json::json!({"terminalId": link.terminal_id, "orderId": link.id, "paymentId": payment,
            "status": "SUCCESS", "amount": amount, "currency": "MDL", "paymentDate": "2025-11-21T06:00:00+02:00",
            "swiftMessageId": "S1", "swiftPayerBank": "MAIB"})
    };
    let before = w.cloud.sent().len();
    assert_eq!(w.post_callback(result(100.0), None).await, 403, "garbage signature");
    let stranger = rsa::RsaPrivateKey::new(&mut rand_core(), 2048).unwrap();
    assert_eq!(w.post_callback(result(100.0), Some(&stranger)).await, 403, "another key");
    assert_eq!(w.post_callback(result(1.0), Some(&w.key)).await, 200, "genuine but disagreeing: alerted");
    w.deliver().await;
    assert_eq!(w.links.get(&link.id).await.unwrap().unwrap().state, LinkState::Created);
    assert_eq!(w.cloud.sent().len(), before);
}

#[tokio::test]
async fn a_seller_silent_for_25_hours_gets_one_template_then_one_digest() {
    let w = world().await;
    let first = w.new_link("pay 100 \"Cafea\"").await;
    let second = w.new_link("pay 25,50").await;
    let third = w.new_link("pay 12").await;
    let free_form_before = w.texts().len();
    w.clock.advance(Duration::hours(25));

    w.settle(&first, PaymentStatus::Success).await;
    assert_eq!(w.texts().len(), free_form_before, "no free-form message outside the window");
    let report = templates::run(&w.templates).await.unwrap();
    assert_eq!(report.templates_sent, 1);
    let sent = w.templates_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["template"]["name"], "payment_update");
    assert_eq!(sent[0]["template"]["language"]["code"], "ro");
    // Overlapping or repeated runs send nothing more.
    let (a, b) = tokio::join!(templates::run(&w.templates), templates::run(&w.templates));
    assert_eq!(a.unwrap().templates_sent + b.unwrap().templates_sent, 0);

    w.settle(&second, PaymentStatus::Success).await;
    w.settle(&third, PaymentStatus::Declined).await;
    templates::run(&w.templates).await.unwrap();
    let sent = w.templates_sent();
    assert_eq!(sent.len(), 2, "one digest for the two waiting updates");
    assert_eq!(sent[1]["template"]["name"], "payment_digest");
    assert_eq!(w.texts().len(), free_form_before);
}

#[tokio::test]
async fn writing_again_delivers_waiting_updates_free_form_instead() {
    let w = world().await;
    let first = w.new_link("pay 100").await;
    let second = w.new_link("pay 30").await;
    w.clock.advance(Duration::hours(25));
    w.settle(&first, PaymentStatus::Success).await;
    w.settle(&second, PaymentStatus::Expired).await;
    assert_eq!(w.outbox.pending(&contact()).await.unwrap().len(), 2);
    let before = w.texts().len();

    w.seller_writes("help").await;
    let new: Vec<_> = w.texts().into_iter().skip(before).collect();
    assert_eq!(new.len(), 3, "two updates, then the answer: {new:?}");
    let mut firsts: Vec<char> = new[..2].iter().map(|t| t.chars().next().unwrap()).collect();
    firsts.sort();
    assert_eq!(firsts, ['⌛', '✅'], "the updates come before the answer: {new:?}");
    assert!(w.outbox.pending(&contact()).await.unwrap().is_empty());
    templates::run(&w.templates).await.unwrap();
    assert!(w.templates_sent().is_empty());
}

#[tokio::test]
async fn stale_payments_are_looked_up_and_overdue_links_expire() {
    let w = world().await;
    w.miapos.set_callbacks_enabled(false);
    let paid = w.new_link("pay 10").await;
    let forgotten = w.new_link("pay 20").await;
    w.miapos.settle(&paid, PaymentStatus::Success).await.unwrap();
    // Callbacks are not guaranteed: the poller finds the payment after it has been pending a while.
    w.clock.advance(Duration::minutes(11));
    let report = templates::run(&w.templates).await.unwrap();
    assert_eq!(report.moved_by_poll, 1);
    w.deliver().await;
    assert_eq!(w.texts().iter().filter(|t| t.starts_with('✅')).count(), 1);
    // A day later the other link is expired and the seller told (outside the window: the outbox).
    w.clock.advance(Duration::hours(24));
    let report = templates::run(&w.templates).await.unwrap();
    assert_eq!(report.expired, 1);
    w.deliver().await;
    let _ = forgotten;
    let pending = w.outbox.pending(&contact()).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].state, LinkState::Expired);
}
