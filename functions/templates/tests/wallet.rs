//! The wallet end to end: a WhatsApp number linked with the SMS code, a top-up through MTN
//! MoMo (the sandbox, which follows the published contract, calls the status function back
//! on a loopback port), a SEND with YES, statements, the payee's notice, the audit chain and
//! the transaction hash; and every kind of bad input that must never move money. The
//! command function's flow handles each message; the stores are the in-memory twins, or the
//! AWS adapters on moto.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Duration};
use command::{CommandDeps, CommandSettings, flow};
use paybot::adapters::memory::{ManualClock, MemoryQueue, MemorySmsInbox};
use paybot::capabilities::Capability;
use paybot::capabilities::wallet::secure::{Intent, transaction_hash};
use paybot::capabilities::wallet::settlement::SettlementDeps;
use paybot::capabilities::wallet::{NAME, WalletSettings, WalletState};
use paybot::config::Secret;
use paybot::domain::{
    AccountStatus, BusinessProfile, Currency, InboundMessage, MessageContent, Phone, UserRef, WalletAccount,
};
use paybot::ledger::AccountId;
use paybot::momo::{MomoClient, MomoConfig, MomoProductCredentials};
use paybot::outbound::OutboundJob;
use paybot::ports::{OutboundContent, QueueReceiver, QueueSender, SmsSender};
use paybot::wiring::{self, MemoryStores, Stores, WalletParts};
use rust_decimal::Decimal;
use sandboxes::momo::{CallbackMode, MomoSandbox, MomoSandboxConfig, SandboxApiUser};
use status::{CallbackKeys, StatusState};

const COLLECTION_KEY: &str = "wallet-test-collection-key";
const DISBURSEMENT_KEY: &str = "wallet-test-disbursement-key";
const CLOUD_TOKEN: &str = "wallet-test-cloud-token";

struct World {
    clock: Arc<ManualClock>,
    /// The operator's stores, memory twins whatever the backend (their DynamoDB adapters
    /// have contract tests of their own).
    controls: Arc<paybot::adapters::memory::MemoryControlsStore>,
    escalations: Arc<paybot::adapters::memory::MemoryEscalationStore>,
    metrics: Arc<paybot::adapters::memory::MemoryMetricsStore>,
    command: CommandDeps,
    settlement: SettlementDeps,
    stores: Arc<dyn Stores + Send + Sync>,
    sms: SmsBox,
    outbound: Arc<dyn QueueReceiver>,
    momo: MomoSandbox,
    /// The Cloud API sandbox: the statement PDFs are uploaded to its media endpoint.
    cloud: sandboxes::cloud_api::CloudApiSandbox,
    cloud_client: Arc<paybot::whatsapp::cloud_api::CloudApiClient>,
    status_url: String,
    business: String,
    /// This world's accounts: A (tier1, empty), B (tier2, 20.00), C (tier0, 40.00),
    /// F (frozen, 300.00); unique ids and phones, so worlds sharing moto never meet.
    a: WalletAccount,
    b: WalletAccount,
    c: WalletAccount,
    f: WalletAccount,
    next: AtomicU32,
}

/// The SMS inbox the codes arrive in. The SNS adapter has its own contract test on moto; it
/// is not used here because moto shows sent SMS only in its whole-state dump, which grows with
/// every test of the suite and would dominate these tests' time.
struct SmsBox(Arc<MemorySmsInbox>);

impl SmsBox {
    async fn texts_to(&self, phone: &Phone) -> Vec<String> {
        self.0.to(phone).into_iter().map(|sms| sms.text).collect()
    }

    /// The six digits of the latest code sent to `phone`.
    async fn code(&self, phone: &Phone) -> String {
        let texts = self.texts_to(phone).await;
        let last = texts.last().unwrap_or_else(|| panic!("no SMS to {phone}"));
        last.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("a 6-digit code").to_owned()
    }
}

#[derive(Clone)]
enum Backend {
    Memory,
    Moto,
    /// moto, every request counted.
    MotoCounted(paybot::adapters::aws::RequestCounter),
}

fn unique() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{:x}{:x}{}", nanos, std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}

/// A Ghanaian mobile number no other world uses.
fn fresh_phone() -> Phone {
    let n: u64 = rand_digits();
    Phone::parse_international(&format!("+23324{n:07}")).unwrap()
}

fn rand_digits() -> u64 {
    let id = uuid::Uuid::new_v4();
    (id.as_u128() % 10_000_000) as u64
}

fn account(id: &str, name: &str, tier: &str, status: AccountStatus, opening: &str) -> WalletAccount {
    WalletAccount {
        id: id.into(),
        name: name.into(),
        registered_phone: fresh_phone(),
        tier: tier.into(),
        status,
        currency: Currency::GHS,
        opening_balance: Decimal::from_str(opening).unwrap(),
    }
}

fn moto_available() -> bool {
    let available = std::env::var("AWS_ENDPOINT_URL").is_ok();
    assert!(
        available || std::env::var("PAYBOT_REQUIRE_MOTO").is_err(),
        "PAYBOT_REQUIRE_MOTO is set but AWS_ENDPOINT_URL is not"
    );
    if !available {
        eprintln!(
            "moto wallet tests not run: AWS_ENDPOINT_URL is not set (the README's test command sets it)"
        );
    }
    available
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

async fn world(backend: Backend) -> World {
    world_with(backend, |_| {}).await
}

async fn world_with(backend: Backend, tune: impl FnOnce(&mut WalletSettings)) -> World {
    let clock = Arc::new(ManualClock::starting_at(DateTime::from_timestamp(1_764_669_600, 0).unwrap())); // 10:00 in Accra
    let run = unique();
    let inbox = Arc::new(MemorySmsInbox::new(clock.clone()));
    let sms = SmsBox(inbox.clone());
    let sms_sender: Arc<dyn SmsSender> = inbox;
    let (stores, outbound_sender, outbound): (
        Arc<dyn Stores + Send + Sync>,
        Arc<dyn QueueSender>,
        Arc<dyn QueueReceiver>,
    ) = match backend {
        Backend::Memory => {
            let queue = Arc::new(MemoryQueue::fifo(clock.clone()));
            (Arc::new(MemoryStores::default()), queue.clone(), queue)
        }
        Backend::Moto | Backend::MotoCounted(_) => {
            let clients = match &backend {
                Backend::MotoCounted(counter) => {
                    paybot::adapters::aws::AwsClients::load_counted(counter).await
                }
                _ => paybot::adapters::aws::AwsClients::load().await,
            };
            let queue_url = clients
                .sqs
                .create_queue()
                .queue_name(format!("wallet-{run}.fifo"))
                .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
                .send()
                .await
                .unwrap()
                .queue_url
                .unwrap();
            let queue = Arc::new(paybot::adapters::aws::SqsQueue::new(clients.sqs.clone(), queue_url));
            let aws =
                paybot::wiring::AwsStores { clients, config: paybot::config::Config::from_env().unwrap() };
            (Arc::new(aws), queue.clone(), queue)
        }
    };

    // MoMo: the sandbox (requests-to-pay wait for approval, as on a phone), and the status
    // function it calls back.
    let collection = SandboxApiUser::generate("127.0.0.1");
    let disbursement = SandboxApiUser::generate("127.0.0.1");
    let mut momo_config = MomoSandboxConfig::new(COLLECTION_KEY, DISBURSEMENT_KEY)
        .with_api_user(collection.clone())
        .with_api_user(disbursement.clone());
    momo_config.manual_approval = true;
    momo_config.currency = "GHS".into();
    let momo = MomoSandbox::new(momo_config).unwrap();
    let momo_url = serve(axum::Router::new().nest("/momo-sandbox", momo.router())).await;
    let mut client_config = MomoConfig::new(format!("{momo_url}/momo-sandbox"));
    client_config.collection = MomoProductCredentials {
        subscription_key: Secret::new(COLLECTION_KEY),
        api_user: collection.user_id.clone(),
        api_key: Secret::new(collection.api_key.clone()),
    };
    client_config.disbursement = MomoProductCredentials {
        subscription_key: Secret::new(DISBURSEMENT_KEY),
        api_user: disbursement.user_id.clone(),
        api_key: Secret::new(disbursement.api_key.clone()),
    };
    let momo_client = Arc::new(MomoClient::new(client_config).unwrap().with_clock(clock.clone()));

    // The status function on a loopback port: its URL is the MoMo callback base.
    let status_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let status_url = format!("http://{}", status_listener.local_addr().unwrap());
    let mut settings = WalletSettings {
        momo_callback_base: Some(format!("{status_url}/momo/callback")),
        ..WalletSettings::default()
    };
    tune(&mut settings);
    let settlement = wiring::settlement(
        stores.as_ref(),
        momo_client.clone(),
        outbound_sender.clone(),
        clock.clone(),
        settings.clone(),
    )
    .unwrap();
    let controls = Arc::new(paybot::adapters::memory::MemoryControlsStore::default());
    let escalations = Arc::new(paybot::adapters::memory::MemoryEscalationStore::default());
    let metrics = Arc::new(paybot::adapters::memory::MemoryMetricsStore::default());
    let status_state = StatusState {
        // The wallet tests send no miaPOS callbacks: the key would be fetched if one came.
        keys: CallbackKeys::fetched(
            Arc::new(
                paybot::miapos::MiaposClient::new(paybot::miapos::MiaposClientConfig::new(
                    "http://127.0.0.1:9",
                ))
                .unwrap(),
            ),
            paybot::crypto::DataKey::from_base64(&paybot::crypto::DataKey::generate_base64()).unwrap(),
        ),
        links: stores.links().unwrap(),
        directory: stores.directory().unwrap(),
        contacts: stores.contacts().unwrap(),
        outbound: outbound_sender.clone(),
        audit: stores.audit().unwrap(),
        idempotency: stores.idempotency().unwrap(),
        metrics: metrics.clone(),
        checks: Default::default(),
        clock: clock.clone(),
        momo: Some(settlement.clone()),
    };
    let router = status::router(Arc::new(status_state));
    tokio::spawn(async move { axum::serve(status_listener, router).await.unwrap() });

    let business = format!("wallet-{run}");
    let profile = BusinessProfile {
        business_number_id: business.clone(),
        display_number: "233248073506".into(),
        currency: Currency::GHS,
        country_code: "233".into(),
        default_locale: paybot::domain::Locale::En,
        time_zone: "Africa/Accra".into(),
        qr_max: Decimal::from(10_000),
        rtp_max: Decimal::from(10_000),
        description_max_chars: 140,
        capabilities: vec![paybot::domain::Capability::Wallet],
    };
    stores.directory().unwrap().put_profile(&profile).await.unwrap();
    let a = account(&format!("A-{run}"), "Kwame Mensah", "tier1", AccountStatus::Active, "0");
    let b = account(&format!("B-{run}"), "Ama Serwaa Owusu", "tier2", AccountStatus::Active, "20.00");
    let c = account(&format!("C-{run}"), "Kofi Boateng", "tier0", AccountStatus::Active, "400.00");
    let f = account(&format!("F-{run}"), "Akosua Frimpong", "tier1", AccountStatus::Frozen, "300.00");
    let entries: Vec<serde_json::Value> = [&a, &b, &c, &f]
        .iter()
        .map(|acc| {
            serde_json::json!({
                "id": acc.id, "name": acc.name, "phone": acc.registered_phone.as_e164(), "tier": acc.tier,
                "status": acc.status, "currency": "GHS", "opening_balance": acc.opening_balance.to_string(),
            })
        })
        .collect();
    let file =
        paybot::wallet_file::WalletFile::parse(&serde_json::json!({ "accounts": entries }).to_string())
            .unwrap();
    let wallet_accounts = stores.wallet_accounts().unwrap();
    let ledger = stores.ledger().unwrap();
    file.import(wallet_accounts.as_ref(), ledger.as_ref(), clock.now_utc()).await.unwrap();

    let cloud = sandboxes::cloud_api::CloudApiSandbox::new(CLOUD_TOKEN);
    let cloud_url = serve(cloud.router()).await;
    let cloud_client = Arc::new(paybot::whatsapp::cloud_api::CloudApiClient::new(
        &format!("{cloud_url}/v23.0"),
        Secret::new(CLOUD_TOKEN),
    ));
    let wallet = wiring::wallet(
        stores.as_ref(),
        WalletParts {
            momo: momo_client,
            sms: sms_sender,
            media: cloud_client.clone(),
            clock: clock.clone(),
            otp_key: Secret::new("wallet-test-otp-key"),
            settings,
        },
    )
    .unwrap();
    let capabilities: Vec<Arc<dyn Capability>> = vec![Arc::new(wallet)];
    let command = CommandDeps {
        directory: stores.directory().unwrap(),
        contacts: stores.contacts().unwrap(),
        idempotency: stores.idempotency().unwrap(),
        outbox: stores.outbox().unwrap(),
        outbound: outbound_sender,
        clock: clock.clone(),
        capabilities,
        controls: Arc::new(paybot::operator::controls::CachedControls::new(
            controls.clone(),
            chrono::Duration::zero(),
        )),
        escalations: escalations.clone(),
        metrics: metrics.clone(),
        settings: CommandSettings::default(),
    };
    World {
        clock,
        controls,
        escalations,
        metrics,
        command,
        settlement,
        stores,
        sms,
        outbound,
        momo,
        cloud,
        cloud_client,
        status_url,
        business,
        a,
        b,
        c,
        f,
        next: 0.into(),
    }
}

trait NowUtc {
    fn now_utc(&self) -> DateTime<chrono::Utc>;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> DateTime<chrono::Utc> {
        paybot::ports::Clock::now(self)
    }
}

impl World {
    fn message(&self, from: &Phone, body: &str) -> InboundMessage {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        InboundMessage {
            id: format!("wamid.{}.{n}", self.business),
            business_number_id: self.business.clone(),
            from: UserRef { phone: Some(from.clone()), scoped_id: None },
            profile_name: None,
            sent_at: self.clock.now_utc(),
            received_at: None,
            content: MessageContent::Text { body: body.into() },
        }
    }

    /// Everything queued for sending since the last call.
    async fn drain(&self) -> Vec<OutboundJob> {
        let mut jobs = Vec::new();
        loop {
            let received = self.outbound.receive(10).await.unwrap();
            if received.is_empty() {
                return jobs;
            }
            for message in received {
                self.outbound.delete(&message.receipt).await.unwrap();
                jobs.push(serde_json::from_str(&message.body).unwrap());
            }
        }
    }

    async fn deliver(&self, message: &InboundMessage) -> Vec<OutboundJob> {
        flow::handle_message(&self.command, message).await.unwrap();
        self.drain().await
    }

    /// `from` writes `body`; the texts the bot queued for `from`.
    async fn say(&self, from: &Phone, body: &str) -> String {
        let jobs = self.deliver(&self.message(from, body)).await;
        texts_to(&jobs, from)
    }

    async fn link(&self, who: &WalletAccount) {
        let asked = self.say(&who.registered_phone, "LINK").await;
        assert!(asked.contains("6-digit code"), "{asked}");
        let code = self.sms.code(&who.registered_phone).await;
        let linked = self.say(&who.registered_phone, &code).await;
        assert!(linked.contains("Linked"), "{linked}");
    }

    async fn balance(&self, who: &WalletAccount) -> i64 {
        self.stores.ledger().unwrap().balance(&who.ledger_account()).await.unwrap()
    }

    async fn state(&self, who: &WalletAccount) -> WalletState {
        let contact = paybot::domain::ContactKey {
            business_number_id: self.business.clone(),
            user_key: who.registered_phone.as_e164().into(),
        };
        let settings = self.stores.contacts().unwrap().settings(&contact).await.unwrap();
        settings.state(NAME).map(|s| serde_json::from_str(s).unwrap()).unwrap_or_default()
    }

    /// A top-up of `amount`, confirmed with YES and approved on the MoMo phone; returns once
    /// MoMo's callback has been handled.
    async fn top_up(&self, who: &WalletAccount, amount: &str) {
        let asked = self.say(&who.registered_phone, &format!("TOPUP {amount}")).await;
        assert!(asked.contains("Reply YES"), "{asked}");
        let started = self.say(&who.registered_phone, "YES").await;
        assert!(started.contains("Approve the payment"), "{started}");
        let pending = self.momo.pending_requests_to_pay();
        let request =
            pending.iter().find(|t| t.party_id == who.registered_phone.wa_id()).expect("a pending request");
        let callbacks = self.momo.callbacks().len();
        self.momo.approve(request.reference).unwrap();
        self.momo.wait_for_callbacks(callbacks + 1, std::time::Duration::from_secs(10)).await;
    }
}

fn texts_to(jobs: &[OutboundJob], to: &Phone) -> String {
    jobs.iter()
        .filter(|j| &j.message.to == to)
        .filter_map(|j| match &j.message.content {
            OutboundContent::Text { body } => Some(body.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// The invariants after every scenario: the ledger sums to zero, no wallet account is below
/// zero, and every wallet balance equals the sum of its entries.
async fn assert_ledger_sound(w: &World) {
    let ledger = w.stores.ledger().unwrap();
    let balances = ledger.balances().await.unwrap();
    for account in [&w.a, &w.b, &w.c, &w.f] {
        let balance = ledger.balance(&account.ledger_account()).await.unwrap();
        assert!(balance >= 0, "{} below zero", account.id);
        let entries = ledger.entries(&account.ledger_account(), None, 1000).await.unwrap();
        assert_eq!(entries.iter().map(|e| e.amount).sum::<i64>(), balance, "{}", account.id);
    }
    // On moto other worlds share the table: the whole ledger still sums to zero.
    assert_eq!(balances.iter().map(|(_, b)| b).sum::<i64>(), 0, "the ledger does not balance");
}

// ---- the happy path, on memory and on moto ----------------------------------------------------

async fn link_top_up_send_and_statements(backend: Backend) {
    let w = world(backend).await;
    w.link(&w.a).await;
    w.link(&w.b).await;
    assert_eq!(w.say(&w.a.registered_phone, "BAL").await, "Your balance: 0.00\u{a0}GHS");

    w.clock.advance(Duration::minutes(1));
    w.top_up(&w.a, "100").await;
    assert_eq!(w.balance(&w.a).await, 10_000);
    w.clock.advance(Duration::minutes(1));
    let told = texts_to(&w.drain().await, &w.a.registered_phone);
    assert!(told.contains("Your top-up of 100.00\u{a0}GHS has arrived"), "{told}");

    let payee_local = format!("0{}", &w.b.registered_phone.wa_id()[3..]);
    let asked = w.say(&w.a.registered_phone, &format!("SEND 50 {payee_local} lunch")).await;
    assert!(asked.contains("Send 50.00\u{a0}GHS to Ama O.?"), "{asked}");
    assert!(asked.contains("Fee: 0.00\u{a0}GHS · Total: 50.00\u{a0}GHS"), "{asked}");
    let pending = w.state(&w.a).await.pending.expect("a pending confirmation");

    let jobs = w.deliver(&w.message(&w.a.registered_phone, "YES")).await;
    let sent = texts_to(&jobs, &w.a.registered_phone);
    assert!(sent.contains("Sent ✅ 50.00\u{a0}GHS to Ama O."), "{sent}");
    assert!(sent.contains("Your balance: 50.00\u{a0}GHS"), "{sent}");
    let received = texts_to(&jobs, &w.b.registered_phone);
    assert_eq!(received, "You received 50.00\u{a0}GHS from Kwame M. ✅ Note: lunch");
    assert_eq!(w.balance(&w.a).await, 5_000);
    assert_eq!(w.balance(&w.b).await, 7_000);

    let statement_a = w.say(&w.a.registered_phone, "STATEMENT").await;
    let lines: Vec<&str> = statement_a.lines().collect();
    assert_eq!(lines[0], "Your last 2 movements, newest first:", "{statement_a}");
    assert!(lines[1].contains("-50.00\u{a0}GHS sent · lunch → 50.00\u{a0}GHS"), "{statement_a}");
    assert!(lines[2].contains("+100.00\u{a0}GHS MoMo top-up → 100.00\u{a0}GHS"), "{statement_a}");
    let statement_b = w.say(&w.b.registered_phone, "STATEMENT").await;
    let lines: Vec<&str> = statement_b.lines().collect();
    assert!(lines[1].contains("+50.00\u{a0}GHS received · lunch → 70.00\u{a0}GHS"), "{statement_b}");
    assert!(lines[2].contains("+20.00\u{a0}GHS opening balance → 20.00\u{a0}GHS"), "{statement_b}");

    // The audit chain verifies, and the transfer's hash recomputes from what it records.
    let chain = w.stores.audit().unwrap().chain(&format!("wallet:{}", w.a.id)).await.unwrap();
    assert_eq!(paybot::audit::verify_chain(&chain), Ok(()));
    let record = chain
        .iter()
        .rev()
        .find(|r| {
            r.event.kind == "transfer" && r.event.detail["transfer_id"].as_str().unwrap().starts_with("send:")
        })
        .expect("the SEND's audit record");
    let intent: Intent = serde_json::from_value(record.event.detail["intent"].clone()).unwrap();
    let nonce = record.event.detail["nonce"].as_str().unwrap();
    let prev = record.event.detail["prev_audit_hash"].as_str().unwrap();
    let hash = record.event.detail["hash"].as_str().unwrap();
    assert_eq!(nonce, pending.nonce);
    assert_eq!(transaction_hash(&intent, nonce, prev), hash);
    assert!(chain.iter().any(|r| r.hash == prev), "the hash follows a record of the chain");
    let transfer = w.stores.ledger().unwrap().transfer(&format!("send:{nonce}")).await.unwrap().unwrap();
    assert_eq!(transfer.hash.as_deref(), Some(hash));
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn link_top_up_send_and_statements_on_memory() {
    link_top_up_send_and_statements(Backend::Memory).await;
}

#[tokio::test]
async fn link_top_up_send_and_statements_on_moto() {
    if moto_available() {
        link_top_up_send_and_statements(Backend::Moto).await;
    }
}

/// The AWS requests the command function makes for one SEND to a linked wallet user: the
/// SEND (the question) and the YES (the transfer), measured on moto in steady operation
/// (both users linked and active). A measurement, printed; the test asserts only that the
/// money moved.
#[tokio::test]
async fn aws_requests_of_one_send_on_moto() {
    if !moto_available() {
        return;
    }
    let counter = paybot::adapters::aws::RequestCounter::default();
    let w = world(Backend::MotoCounted(counter.clone())).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    w.say(&w.c.registered_phone, &format!("SEND 5 {}", w.b.registered_phone.as_e164())).await;
    w.say(&w.c.registered_phone, "YES").await;
    let payee = w.b.registered_phone.as_e164().to_owned();
    let mut stages = Vec::new();
    for text in [format!("SEND 10 {payee}"), "YES".to_owned()] {
        let message = w.message(&w.c.registered_phone, &text);
        counter.reset();
        flow::handle_message(&w.command, &message).await.unwrap();
        stages.push((text, counter.snapshot()));
        w.drain().await;
    }
    for (text, counts) in &stages {
        eprintln!("{text}: {} requests {counts:?}", counts.values().sum::<u64>());
    }
    let total: u64 = stages.iter().flat_map(|(_, c)| c.values()).sum();
    eprintln!("AWS requests per SEND (question + YES): {total}");
    assert_eq!(w.balance(&w.b).await, 2_000 + 500 + 1_000);
}

// ---- linking ------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_expired_and_replayed_codes_never_link() {
    let w = world(Backend::Memory).await;
    let phone = &w.a.registered_phone;
    assert!(w.say(phone, "LINK").await.contains("6-digit code"));
    let code = w.sms.code(phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(w.say(phone, wrong).await, "That code isn't right. 2 attempts left.");
    assert!(
        w.say(phone, "BAL").await.contains("isn't linked"),
        "nothing about the account before the binding"
    );

    // Expired: five minutes later the right code no longer works.
    w.clock.advance(Duration::minutes(6));
    assert!(w.say(phone, &code).await.contains("expired"));
    assert!(w.say(phone, "BAL").await.contains("isn't linked"));

    // A fresh code links; typed again, it is spent.
    w.say(phone, "LINK").await;
    let code = w.sms.code(phone).await;
    assert!(w.say(phone, &code).await.contains("Linked"));
    assert_eq!(w.say(phone, &code).await, "No code is waiting to be typed. Type LINK to get one.");

    // The audit chain records each try.
    let chain = w.stores.audit().unwrap().chain(&format!("wallet:{}", w.a.id)).await.unwrap();
    let results: Vec<&str> = chain
        .iter()
        .filter(|r| r.event.kind == "link_code")
        .filter_map(|r| r.event.detail["result"].as_str())
        .collect();
    assert_eq!(results, ["wrong", "expired", "accepted"]);
}

#[tokio::test]
async fn too_many_wrong_codes_spend_the_code() {
    let w = world(Backend::Memory).await;
    let phone = &w.a.registered_phone;
    w.say(phone, "LINK").await;
    let code = w.sms.code(phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    w.say(phone, wrong).await;
    w.say(phone, wrong).await;
    assert!(w.say(phone, wrong).await.contains("can't be used any more"));
    assert!(w.say(phone, &code).await.contains("No code is waiting"), "the right code after the budget");
    assert!(w.say(phone, "BAL").await.contains("isn't linked"));
}

#[tokio::test]
async fn link_requests_are_rate_limited_and_reveal_nothing() {
    let w = world(Backend::Memory).await;
    let stranger = fresh_phone();
    // An unknown account gets the same answer as a known one, and no SMS goes anywhere.
    let unknown = w.say(&stranger, "LINK NOPE-1").await;
    let known = w.say(&w.a.registered_phone, "LINK").await;
    assert_eq!(unknown, known);
    assert!(w.sms.texts_to(&stranger).await.is_empty());
    for _ in 0..2 {
        w.say(&stranger, "LINK").await;
    }
    assert!(w.say(&stranger, "LINK").await.contains("Too many code requests"));
    // Linking from another WhatsApp number by account id sends the code to the registered phone.
    let other = fresh_phone();
    w.say(&other, &format!("LINK {}", w.b.id)).await;
    let code = w.sms.code(&w.b.registered_phone).await;
    assert!(w.say(&other, &code).await.contains("Welcome, Ama!"));
    assert!(w.say(&other, "BAL").await.contains("20.00"));
}

// ---- the secure execution layer -------------------------------------------------------------

#[tokio::test]
async fn a_yes_after_expiry_moves_nothing() {
    let w = world(Backend::Memory).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    let payee = w.b.registered_phone.as_e164().to_owned();
    assert!(w.say(&w.c.registered_phone, &format!("SEND 10 {payee}")).await.contains("Reply YES"));
    w.clock.advance(Duration::minutes(6));
    assert!(w.say(&w.c.registered_phone, "YES").await.contains("expired"));
    assert_eq!(w.balance(&w.c).await, 40_000);
    assert!(w.say(&w.c.registered_phone, "YES").await.contains("nothing waiting"));
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn a_new_money_command_replaces_the_pending_one_and_yes_moves_only_the_new_amount() {
    let w = world(Backend::Memory).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    let payee = w.b.registered_phone.as_e164().to_owned();
    w.say(&w.c.registered_phone, &format!("SEND 50 {payee}")).await;
    let replaced = w.say(&w.c.registered_phone, &format!("SEND 60 {payee}")).await;
    assert!(replaced.contains("Your earlier request (50.00\u{a0}GHS to Ama O.) is cancelled"), "{replaced}");
    w.say(&w.c.registered_phone, "YES").await;
    assert_eq!(w.balance(&w.c).await, 40_000 - 6_000);
    assert_eq!(w.balance(&w.b).await, 2_000 + 6_000);
    assert!(w.say(&w.c.registered_phone, "YES").await.contains("nothing waiting"), "the first SEND is gone");
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn a_yes_delivered_twice_moves_money_once() {
    let w = world(Backend::Memory).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    w.say(&w.c.registered_phone, &format!("SEND 25 {}", w.b.registered_phone.as_e164())).await;
    let yes = w.message(&w.c.registered_phone, "YES");
    let first = w.deliver(&yes).await;
    let second = w.deliver(&yes).await;
    assert!(texts_to(&first, &w.c.registered_phone).contains("Sent"));
    assert!(second.is_empty(), "a redelivered YES sends nothing: {second:#?}");
    assert_eq!(w.balance(&w.c).await, 40_000 - 2_500);
    assert_eq!(w.balance(&w.b).await, 2_000 + 2_500);
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn amounts_over_the_balance_or_the_tier_and_frozen_accounts_are_refused() {
    let w = world(Backend::Memory).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    w.link(&w.f).await;
    let payee = w.b.registered_phone.as_e164().to_owned();
    let over_tier = w.say(&w.c.registered_phone, &format!("SEND 250 {payee}")).await;
    assert_eq!(over_tier, "That's above your limit of 200.00\u{a0}GHS per transfer.");
    let over_balance =
        w.say(&w.b.registered_phone, &format!("SEND 30 {}", w.c.registered_phone.as_e164())).await;
    assert!(over_balance.starts_with("Not enough money: you need 30.00\u{a0}GHS"), "{over_balance}");
    let frozen = w.say(&w.f.registered_phone, &format!("SEND 10 {payee}")).await;
    assert!(frozen.contains("frozen"), "{frozen}");
    // Daily: the tier allows 500 a day; after 2 × 180 a third of 150 is refused with what is left.
    for _ in 0..2 {
        w.say(&w.c.registered_phone, &format!("SEND 180 {payee}")).await;
        assert!(w.say(&w.c.registered_phone, "YES").await.contains("Sent"));
    }
    let daily = w.say(&w.c.registered_phone, &format!("SEND 150 {payee}")).await;
    assert_eq!(
        daily,
        "That would pass your daily limit of 500.00\u{a0}GHS. Left for today: 140.00\u{a0}GHS."
    );
    assert_eq!(w.balance(&w.c).await, 40_000 - 36_000);
    let chain = w.stores.audit().unwrap().chain(&format!("wallet:{}", w.c.id)).await.unwrap();
    assert!(
        chain
            .iter()
            .any(|r| r.event.kind == "refused_limits" && r.event.detail["reason"] == "over_daily_limit")
    );
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn an_idle_session_asks_for_a_fresh_code_before_money_moves() {
    let w = world(Backend::Memory).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    w.clock.advance(Duration::minutes(30));
    let asked = w.say(&w.c.registered_phone, &format!("SEND 10 {}", w.b.registered_phone.as_e164())).await;
    assert!(asked.contains("For your security"), "{asked}");
    let code = w.sms.code(&w.c.registered_phone).await;
    let confirm = w.say(&w.c.registered_phone, &code).await;
    assert!(confirm.contains("Send 10.00\u{a0}GHS to Ama O.?"), "{confirm}");
    assert!(w.say(&w.c.registered_phone, "YES").await.contains("Sent"));
    assert_eq!(w.balance(&w.b).await, 3_000);
}

#[tokio::test]
async fn a_high_fraud_score_blocks_and_raises_a_suspicious_alert() {
    // Night in Accra, a fresh link, a new payee and a velocity burst.
    let w = world_with(Backend::Memory, |s| s.fraud.velocity_count = 1).await;
    w.clock.set(DateTime::from_timestamp(1_764_640_800, 0).unwrap()); // 02:00 in Accra
    w.link(&w.c).await;
    let refused = w.say(&w.c.registered_phone, "SEND 10 0244999999").await;
    assert!(refused.contains("stopped this payment"), "{refused}");
    assert_eq!(w.balance(&w.c).await, 40_000);
    let alerts = w.settlement.momo.alerts.list(&w.business, 10).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, "suspicious");
    let rules: Vec<&str> =
        alerts[0].detail["rules"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["velocity", "new_payee", "night", "new_link"]);
}

// ---- MoMo -----------------------------------------------------------------------------------------

#[tokio::test]
async fn a_failed_top_up_credits_nothing_and_says_why() {
    let w = world(Backend::Memory).await;
    w.link(&w.a).await;
    w.say(&w.a.registered_phone, "TOPUP 20 +46733123451").await; // the sandbox's payer-rejected number
    let started = w.say(&w.a.registered_phone, "YES").await;
    assert!(started.contains("Approve the payment"), "{started}");
    w.momo.wait_for_callbacks(1, std::time::Duration::from_secs(10)).await;
    let told = texts_to(&w.drain().await, &w.a.registered_phone);
    assert_eq!(told, "Your top-up of 20.00\u{a0}GHS didn't go through: it was declined on the phone.");
    assert_eq!(w.balance(&w.a).await, 0);
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn a_forged_callback_moves_nothing() {
    let w = world(Backend::Memory).await;
    w.link(&w.a).await;
    w.say(&w.a.registered_phone, "TOPUP 100").await;
    w.say(&w.a.registered_phone, "YES").await;
    let request = w.momo.pending_requests_to_pay().pop().unwrap();
    let http = reqwest::Client::new();
    // A forged SUCCESSFUL body for a real reference: the status function reads MoMo, which
    // still says PENDING.
    let forged = serde_json::json!({"amount": "100", "currency": "GHS", "status": "SUCCESSFUL", "financialTransactionId": "1"});
    let answer = http
        .post(format!("{}/momo/callback/{}", w.status_url, request.reference))
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let unknown = http
        .put(format!("{}/momo/callback/{}", w.status_url, uuid::Uuid::new_v4()))
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 200);
    let garbage = http.post(format!("{}/momo/callback/not-a-reference", w.status_url)).send().await.unwrap();
    assert_eq!(garbage.status(), 400);
    assert_eq!(w.balance(&w.a).await, 0);
    assert!(w.drain().await.is_empty());
}

#[tokio::test]
async fn a_top_up_whose_callback_never_comes_is_polled_and_credited_once() {
    let w = world(Backend::Memory).await;
    w.momo.set_callback_mode(CallbackMode::Drop);
    w.link(&w.a).await;
    w.say(&w.a.registered_phone, "TOPUP 40").await;
    w.say(&w.a.registered_phone, "YES").await;
    let request = w.momo.pending_requests_to_pay().pop().unwrap();
    w.momo.approve(request.reference).unwrap();
    let now = w.clock.now_utc();
    let nothing_due =
        paybot::capabilities::wallet::settlement::poll_due(&w.settlement, now, 10).await.unwrap();
    assert_eq!(nothing_due.read, 0, "not due before the first check");
    w.clock.advance(Duration::minutes(2));
    for _ in 0..2 {
        paybot::capabilities::wallet::settlement::poll_due(&w.settlement, w.clock.now_utc(), 10)
            .await
            .unwrap();
    }
    assert_eq!(w.balance(&w.a).await, 4_000);
    let told = texts_to(&w.drain().await, &w.a.registered_phone);
    assert_eq!(told.matches("has arrived").count(), 1, "{told}");
    // A late duplicate callback changes nothing.
    let late = reqwest::Client::new()
        .post(format!("{}/momo/callback/{}", w.status_url, request.reference))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 200);
    assert_eq!(w.balance(&w.a).await, 4_000);
    assert!(w.drain().await.is_empty());
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn a_send_to_a_number_without_a_wallet_is_held_then_paid_out_or_returned() {
    let w = world(Backend::Memory).await;
    w.link(&w.c).await;
    // Paid out: the held amount leaves for MoMo settlement.
    let asked = w.say(&w.c.registered_phone, "SEND 100 0244999999").await;
    assert!(asked.contains("to the MoMo number"), "{asked}");
    assert!(asked.contains("Fee: 1.00\u{a0}GHS · Total: 101.00\u{a0}GHS"), "{asked}");
    let started = w.say(&w.c.registered_phone, "YES").await;
    assert!(started.contains("We're sending 100.00\u{a0}GHS"), "{started}");
    w.momo.wait_for_callbacks(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(w.balance(&w.c).await, 40_000 - 10_100);
    let ledger = w.stores.ledger().unwrap();
    assert_eq!(ledger.balance(&paybot::ledger::system::payout_hold()).await.unwrap(), 0);
    let told = texts_to(&w.drain().await, &w.c.registered_phone);
    assert!(told.contains("has reached the MoMo number"), "{told}");

    // Failed at MoMo (the sandbox's payee-failed number): the money and the fee come back.
    w.say(&w.c.registered_phone, "SEND 50 +46733123450").await;
    w.say(&w.c.registered_phone, "YES").await;
    w.momo.wait_for_callbacks(2, std::time::Duration::from_secs(10)).await;
    assert_eq!(w.balance(&w.c).await, 40_000 - 10_100);
    let told = texts_to(&w.drain().await, &w.c.registered_phone);
    assert!(told.contains("The money is back in your wallet"), "{told}");
    assert_eq!(ledger.balance(&paybot::ledger::system::payout_hold()).await.unwrap(), 0);
    let _ = AccountId::wallet(&w.c.id);
    assert_ledger_sound(&w).await;
}

// ---- the grammar's corrections reach the operator's log ------------------------------------

#[tokio::test]
async fn corrections_and_unrecognized_input_reach_the_failed_command_log() {
    let w = world(Backend::Memory).await;
    w.link(&w.b).await;
    assert!(w.say(&w.b.registered_phone, "CHECK BALANCE").await.contains("Your balance"));
    assert!(w.say(&w.b.registered_phone, "BALLANCE").await.contains("Your balance"));
    let unknown = w.say(&w.b.registered_phone, "sned 5 0244000000").await;
    assert!(unknown.contains("Did you mean SEND?"), "{unknown}");
    let log = w.stores.failed_commands().unwrap().list(&w.business, 10).await.unwrap();
    let rows: Vec<(String, String, Option<String>)> =
        log.into_iter().map(|f| (f.text, f.kind, f.suggestion)).collect();
    assert!(rows.contains(&("CHECK BALANCE".into(), "unrecognized".into(), Some("BAL".into()))), "{rows:?}");
    assert!(rows.contains(&("BALLANCE".into(), "typo".into(), Some("BAL".into()))), "{rows:?}");
    assert!(
        rows.iter().any(|(t, k, s)| t.starts_with("SNED 5") && k == "typo" && s.as_deref() == Some("SEND")),
        "{rows:?}"
    );
}

// ---- the operator's controls over money --------------------------------------------------

impl World {
    fn contact_of(&self, who: &WalletAccount) -> paybot::domain::ContactKey {
        paybot::domain::ContactKey {
            business_number_id: self.business.clone(),
            user_key: who.registered_phone.as_e164().into(),
        }
    }

    async fn set_paused(&self, pause: Option<&str>) {
        use paybot::ports::ControlsStore;
        let pause = pause.map(|id| paybot::ports::Pause {
            id: id.into(),
            by: "ops".into(),
            at: self.clock.now_utc(),
        });
        self.controls.set_paused(&self.business, pause.as_ref()).await.unwrap();
    }

    /// The day's figures of the wallet's number, as the metrics store holds them.
    async fn figures(&self) -> paybot::operator::metrics::Tally {
        use paybot::ports::MetricsStore;
        let day = self.clock.now_utc().date_naive();
        let days = self.metrics.days(&self.business, day, day).await.unwrap();
        days.into_iter().next().map(|(_, tally)| tally).unwrap_or_default()
    }
}

#[tokio::test]
async fn a_yes_in_a_conversation_handed_to_a_person_moves_no_money_until_it_is_released() {
    use paybot::ports::EscalationStore;
    let w = world(Backend::Memory).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    let asked = w.say(&w.c.registered_phone, &format!("SEND 25 {}", w.b.registered_phone.as_e164())).await;
    assert!(asked.contains("Reply YES"), "{asked}");
    let handed = w.say(&w.c.registered_phone, "AGENT").await;
    assert!(handed.contains("person"), "{handed}");
    let yes = w.message(&w.c.registered_phone, "YES");
    assert!(w.deliver(&yes).await.is_empty(), "the bot is silent");
    assert!(w.deliver(&yes).await.is_empty());
    assert_eq!((w.balance(&w.c).await, w.balance(&w.b).await), (40_000, 2_000), "no money moved");
    let kept = w.escalations.get(&w.contact_of(&w.c)).await.unwrap().unwrap().messages;
    let lines: Vec<_> = kept.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(lines, ["AGENT", "YES"], "the YES kept once for the person");

    let contacts = w.stores.contacts().unwrap();
    paybot::operator::handoff::release(
        w.escalations.as_ref(),
        contacts.as_ref(),
        &w.contact_of(&w.c),
        "ops",
        w.clock.now_utc(),
    )
    .await
    .unwrap();
    let sent = w.say(&w.c.registered_phone, "YES").await;
    assert!(sent.contains("Sent"), "the bot answers again: {sent}");
    assert_eq!(w.balance(&w.c).await, 40_000 - 2_500);
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn while_the_bot_is_paused_a_yes_moves_no_money() {
    let w = world(Backend::Memory).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    w.say(&w.c.registered_phone, &format!("SEND 25 {}", w.b.registered_phone.as_e164())).await;
    w.set_paused(Some("p1")).await;
    let paused = w.say(&w.c.registered_phone, "YES").await;
    assert!(paused.contains("paused"), "{paused}");
    assert!(w.say(&w.c.registered_phone, "YES").await.is_empty(), "told once");
    assert_eq!((w.balance(&w.c).await, w.balance(&w.b).await), (40_000, 2_000));
    w.set_paused(None).await;
    assert!(w.say(&w.c.registered_phone, "YES").await.contains("Sent"));
    assert_eq!(w.balance(&w.b).await, 2_000 + 2_500);
}

#[tokio::test]
async fn sends_and_settled_top_ups_count_as_transactions_once() {
    let w = world(Backend::Memory).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    w.link(&w.a).await;
    w.say(&w.c.registered_phone, &format!("SEND 25 {}", w.b.registered_phone.as_e164())).await;
    let yes = w.message(&w.c.registered_phone, "YES");
    let turn = flow::handle_message(&w.command, &yes).await.unwrap();
    assert_eq!((turn.transactions, turn.volume_minor, turn.failed_transactions), (1, 2_500, 0));
    assert_eq!(turn.commands.get("YES"), Some(&1));
    let again = flow::handle_message(&w.command, &yes).await.unwrap();
    assert!(again.is_empty(), "a redelivered YES counts nothing");
    w.drain().await;

    // MoMo top-ups count where the status function applies their final status.
    w.top_up(&w.a, "10").await;
    w.say(&w.a.registered_phone, "TOPUP 20 +46733123451").await; // the sandbox's payer-rejected number
    w.say(&w.a.registered_phone, "YES").await;
    w.momo.wait_for_callbacks(2, std::time::Duration::from_secs(10)).await;
    let figures = w.figures().await;
    assert_eq!((figures.transactions, figures.volume_minor, figures.failed_transactions), (1, 1_000, 1));
}

// ---- STATEMENT PDF ------------------------------------------------------------------------------

fn pdf_text(bytes: &[u8]) -> String {
    let document = lopdf::Document::load_mem(bytes).expect("the statement parses as a PDF");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document.extract_text(&pages).unwrap()
}

/// The one document job queued for `to`, with its media id, file name and caption.
fn document_to(jobs: &[OutboundJob], to: &Phone) -> (OutboundJob, String, String, String) {
    let to_user: Vec<&OutboundJob> = jobs.iter().filter(|j| &j.message.to == to).collect();
    assert_eq!(to_user.len(), 1, "one message: {to_user:?}");
    match &to_user[0].message.content {
        OutboundContent::Document { media_id, filename, caption } => {
            (to_user[0].clone(), media_id.clone(), filename.clone(), caption.clone().unwrap_or_default())
        }
        other => panic!("not a document: {other:?}"),
    }
}

async fn statement_pdf_is_one_upload_and_one_document(backend: Backend) {
    use paybot::ports::WhatsAppSender;
    let w = world(backend).await;
    w.link(&w.a).await;
    w.link(&w.b).await;
    w.clock.advance(Duration::minutes(1));
    w.top_up(&w.a, "100").await;
    w.drain().await;
    let payee_local = format!("0{}", &w.b.registered_phone.wa_id()[3..]);
    let asked = w.say(&w.a.registered_phone, &format!("SEND 50 {payee_local} lunch")).await;
    assert!(asked.contains("Reply YES"), "{asked}");
    let sent = w.say(&w.a.registered_phone, "YES").await;
    assert!(sent.contains("Sent ✅"), "{sent}");

    let jobs = w.deliver(&w.message(&w.a.registered_phone, "STATEMENT PDF")).await;
    let (job, media_id, filename, caption) = document_to(&jobs, &w.a.registered_phone);
    // The clock starts on 2 December 2025 in Accra.
    assert_eq!(filename, "statement-2025-12.pdf");
    assert!(caption.starts_with("Your statement for December 2025: 2 movements"), "{caption}");
    assert!(caption.contains("closing balance 50.00\u{a0}GHS"), "{caption}");
    assert_eq!(w.cloud.media().len(), 1, "one upload");
    let uploaded = w.cloud.media_by_id(&media_id).expect("the media id names the upload");
    assert_eq!(uploaded.mime_type, "application/pdf");
    assert_eq!(uploaded.phone_number_id, w.business);
    let text = pdf_text(&uploaded.bytes);
    for line in [
        "Account statement",
        "Account holder: Kwame M.",
        &format!("Account: {}", w.a.id),
        "Currency: GHS",
        "Opening balance",
        "+100.00\u{a0}GHS",
        "-50.00\u{a0}GHS",
        "sent · lunch",
        "Closing balance",
    ] {
        assert!(text.contains(line), "{line:?} missing from {text:?}");
    }
    assert!(!text.contains("Kwame Mensah"), "the holder's name is masked");

    // The queued job is a document message the Cloud API takes: it names that upload.
    w.cloud_client.send(&job.message).await.expect("the document is accepted");
    let sent = w.cloud.sent().pop().unwrap();
    assert_eq!(sent.kind(), "document");
    assert_eq!(sent.body["document"]["id"], media_id.as_str());
    assert_eq!(sent.body["document"]["filename"], "statement-2025-12.pdf");

    // A Russian user gets the same statement in Russian, for a month given.
    w.stores.contacts().unwrap().set_locale(&w.contact_of(&w.b), paybot::domain::Locale::Ru).await.unwrap();
    let jobs = w.deliver(&w.message(&w.b.registered_phone, "ВЫПИСКА ПДФ 2025-12")).await;
    let (_, media_id, _, _) = document_to(&jobs, &w.b.registered_phone);
    let text = pdf_text(&w.cloud.media_by_id(&media_id).unwrap().bytes);
    assert!(text.contains("Выписка по счёту") && text.contains("Владелец счёта: Ama O."), "{text}");
    assert!(text.contains("+50,00\u{a0}GHS") || text.contains("+50.00\u{a0}GHS"), "{text}");

    // A month to come is explained, nothing is uploaded.
    let future = w.say(&w.a.registered_phone, "STATEMENT PDF 2030-01").await;
    assert!(future.contains("no statement for January 2030 yet"), "{future}");
    let invalid = w.say(&w.a.registered_phone, "STATEMENT PDF 2025-13").await;
    assert!(invalid.contains("isn't a month"), "{invalid}");
    assert_eq!(w.cloud.media().len(), 2);

    // A failing media endpoint is retried; one that keeps failing fails the turn, and the
    // redelivered message uploads once and sends one document.
    w.cloud.fail_next(131000, 500, 1);
    let jobs = w.deliver(&w.message(&w.a.registered_phone, "STATEMENT PDF")).await;
    document_to(&jobs, &w.a.registered_phone);
    assert_eq!(w.cloud.media().len(), 3);
    w.cloud.fail_next(131000, 500, WalletSettings::default().media_upload_attempts as usize);
    let message = w.message(&w.a.registered_phone, "STATEMENT PDF");
    assert!(flow::handle_message(&w.command, &message).await.is_err());
    assert!(texts_to(&w.drain().await, &w.a.registered_phone).is_empty());
    assert_eq!(w.cloud.media().len(), 3);
    let jobs = w.deliver(&message).await;
    document_to(&jobs, &w.a.registered_phone);
    assert_eq!(w.cloud.media().len(), 4);
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn statement_pdf_is_one_upload_and_one_document_on_memory() {
    statement_pdf_is_one_upload_and_one_document(Backend::Memory).await;
}

#[tokio::test]
async fn statement_pdf_is_one_upload_and_one_document_on_moto() {
    if moto_available() {
        statement_pdf_is_one_upload_and_one_document(Backend::Moto).await;
    }
}

// ---- SCORE and BNPL --------------------------------------------------------------------------

/// C (400.00) may buy on credit: any score qualifies, tier0 may owe up to 5000 at 850, and
/// its per-transfer limit allows the purchases here. Sessions stay fresh while the clock
/// moves over the months of a plan.
fn credit_settings(s: &mut WalletSettings) {
    s.bnpl.min_score = 300;
    s.bnpl.limits.insert("tier0".into(), Decimal::from(5_000));
    s.tiers.insert(
        "tier0".into(),
        paybot::capabilities::wallet::settings::TierLimits {
            per_transfer: Decimal::from(10_000),
            per_day: Decimal::from(20_000),
        },
    );
    s.session_idle = Duration::days(365);
}

impl World {
    /// One scheduled run of the BNPL collections, as the templates function makes it, over
    /// this world's plans (on moto other worlds, each with a clock of its own, share the table).
    async fn collect(&self) -> paybot::capabilities::wallet::bnpl::CollectReport {
        let settings = self.settlement.momo.settings.bnpl.clone();
        let mut deps = self.settlement.clone();
        deps.plans = Arc::new(WorldPlans { all: deps.plans.clone(), business: self.business.clone() });
        paybot::capabilities::wallet::bnpl::run_due(&deps, &settings, self.clock.now_utc(), 100)
            .await
            .unwrap()
    }

    async fn plans_of(&self, who: &WalletAccount) -> Vec<paybot::bnpl_plans::BnplPlan> {
        self.stores.bnpl_plans().unwrap().plans_of(&who.id).await.unwrap()
    }

    /// The net change to `account` of every transfer of `plan` (the purchase, the
    /// instalments, the early repayment): on moto other worlds move the system accounts too.
    async fn plan_net(&self, plan: &paybot::bnpl_plans::BnplPlan, account: AccountId) -> i64 {
        let ledger = self.stores.ledger().unwrap();
        let mut ids = vec![format!("bnpl:{}:purchase", plan.id), plan.repay_transfer_id()];
        ids.extend(plan.instalments.iter().map(|i| plan.instalment_transfer_id(i.n)));
        let mut net = 0;
        for id in ids {
            if let Some(transfer) = ledger.transfer(&id).await.unwrap() {
                net +=
                    transfer.net_changes().iter().filter(|(a, _)| *a == account).map(|(_, c)| c).sum::<i64>();
            }
        }
        net
    }
}

/// The plans store as one world sees it: the due plans of its own business number only.
struct WorldPlans {
    all: Arc<dyn paybot::bnpl_plans::BnplPlanStore>,
    business: String,
}

#[async_trait::async_trait]
impl paybot::bnpl_plans::BnplPlanStore for WorldPlans {
    async fn insert_if_absent(
        &self,
        plan: &paybot::bnpl_plans::BnplPlan,
    ) -> paybot::StoreResult<(paybot::bnpl_plans::BnplPlan, bool)> {
        self.all.insert_if_absent(plan).await
    }
    async fn get(&self, id: &str) -> paybot::StoreResult<Option<paybot::bnpl_plans::BnplPlan>> {
        self.all.get(id).await
    }
    async fn save(&self, plan: &paybot::bnpl_plans::BnplPlan) -> paybot::StoreResult<bool> {
        self.all.save(plan).await
    }
    async fn plans_of(&self, account_id: &str) -> paybot::StoreResult<Vec<paybot::bnpl_plans::BnplPlan>> {
        self.all.plans_of(account_id).await
    }
    async fn due(
        &self,
        now: DateTime<chrono::Utc>,
        _limit: usize,
    ) -> paybot::StoreResult<Vec<paybot::bnpl_plans::BnplPlan>> {
        let all = self.all.due(now, 10_000).await?;
        Ok(all.into_iter().filter(|p| p.contact.business_number_id == self.business).collect())
    }
}

async fn a_bnpl_plan_of_three_instalments_runs_through_the_clock(backend: Backend) {
    let w = world_with(backend, credit_settings).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    let phone = w.c.registered_phone.clone();

    let status = w.say(&phone, "BNPL").await;
    assert!(status.contains("you owe 0.00\u{a0}GHS"), "{status}");
    assert!(status.contains("No instalment due"), "{status}");

    // The purchase: the payee is paid now from BNPL credit, after the YES.
    let asked = w.say(&phone, &format!("PAYLATER 300 {}", w.b.registered_phone.as_e164())).await;
    assert!(asked.contains("pay 300.00\u{a0}GHS to Ama O. now?"), "{asked}");
    assert!(asked.contains("You repay 309.00\u{a0}GHS (fee 9.00\u{a0}GHS)"), "{asked}");
    assert_eq!(w.balance(&w.b).await, 2_000, "nothing moves before the YES");
    let jobs = w.deliver(&w.message(&phone, "YES")).await;
    let bought = texts_to(&jobs, &phone);
    assert!(bought.contains("Paid ✅ 300.00\u{a0}GHS to Ama O. with BNPL"), "{bought}");
    assert!(bought.contains("in 3 instalments, the first of 103.00\u{a0}GHS"), "{bought}");
    assert_eq!(texts_to(&jobs, &w.b.registered_phone), "You received 300.00\u{a0}GHS from Kofi B. ✅");
    assert_eq!(w.balance(&w.b).await, 2_000 + 30_000);
    assert_eq!(w.balance(&w.c).await, 40_000, "the buyer's wallet pays later");
    let plans = w.plans_of(&w.c).await;
    assert_eq!(plans.len(), 1);
    let plan = plans[0].clone();
    assert_eq!(plan.instalments.iter().map(|i| i.total_minor()).collect::<Vec<_>>(), [10_300; 3]);
    let status = w.say(&phone, "BNPL").await;
    assert!(status.contains("you owe 309.00\u{a0}GHS"), "{status}");
    assert!(status.contains("Next instalment: 103.00\u{a0}GHS on"), "{status}");

    // Every run of the schedule from now on; what each told the user.
    let mut told = Vec::new();
    async fn step(
        w: &World,
        told: &mut Vec<String>,
        advance: Duration,
    ) -> paybot::capabilities::wallet::bnpl::CollectReport {
        w.clock.advance(advance);
        let report = w.collect().await;
        // A second overlapping run at the same moment finds nothing left to do.
        let again = w.collect().await;
        assert_eq!((again.reminded, again.collected), (0, 0), "{again:?}");
        let text = texts_to(&w.drain().await, &w.c.registered_phone);
        if !text.is_empty() {
            told.push(text);
        }
        report
    }
    assert_eq!(step(&w, &mut told, Duration::zero()).await, Default::default(), "nothing is due yet");
    assert_eq!(step(&w, &mut told, Duration::days(28)).await, Default::default());

    // Instalment 1: a reminder the day before, then collected on the due date.
    assert_eq!(step(&w, &mut told, Duration::days(1)).await.reminded, 1);
    assert!(told.last().unwrap().starts_with("Reminder: BNPL instalment 1/3 of 103.00\u{a0}GHS"), "{told:?}");
    assert_eq!(step(&w, &mut told, Duration::hours(12)).await, Default::default(), "reminded once");
    assert_eq!(step(&w, &mut told, Duration::hours(12)).await.collected, 1);
    assert!(
        told.last()
            .unwrap()
            .contains("BNPL instalment 1/3 collected: 103.00\u{a0}GHS. Left to repay: 206.00"),
        "{told:?}"
    );
    assert_eq!(w.balance(&w.c).await, 40_000 - 10_300);

    // The wallet is spent down before instalment 2: it is short on its due date.
    w.say(&phone, &format!("SEND 250 {}", w.b.registered_phone.as_e164())).await;
    assert!(w.say(&phone, "YES").await.contains("Sent"));
    assert_eq!(w.balance(&w.c).await, 40_000 - 10_300 - 25_000);
    assert_eq!(step(&w, &mut told, Duration::days(29)).await.reminded, 1);
    assert!(told.last().unwrap().starts_with("Reminder: BNPL instalment 2/3"), "{told:?}");
    let short = step(&w, &mut told, Duration::days(1)).await;
    assert_eq!((short.collected, short.short), (0, 1));
    assert!(told.last().unwrap().contains("BNPL instalment 2/3 of 103.00\u{a0}GHS is overdue"), "{told:?}");
    let plan_now = w.plans_of(&w.c).await.remove(0);
    assert_eq!(plan_now.instalments[1].state, paybot::bnpl_plans::InstalmentState::Overdue);
    // Retried on a later run, still short: no second overdue notice.
    let told_before = told.len();
    let retried = step(&w, &mut told, Duration::hours(1)).await;
    assert_eq!((retried.collected, retried.short), (0, 1));
    assert_eq!(told.len(), told_before, "the overdue notice goes once: {told:?}");

    // A top-up, and the next run collects it.
    w.top_up(&w.c, "100").await;
    w.drain().await;
    assert_eq!(step(&w, &mut told, Duration::hours(1)).await.collected, 1);
    assert!(told.last().unwrap().contains("BNPL instalment 2/3 collected"), "{told:?}");
    assert_eq!(w.balance(&w.c).await, 40_000 - 10_300 - 25_000 + 10_000 - 10_300);

    // Instalment 3 after another top-up: the plan is repaid.
    w.top_up(&w.c, "100").await;
    w.drain().await;
    assert_eq!(step(&w, &mut told, Duration::days(29)).await.reminded, 1);
    assert_eq!(step(&w, &mut told, Duration::days(1)).await.collected, 1);
    assert!(
        told.last()
            .unwrap()
            .contains("BNPL instalment 3/3 collected: 103.00\u{a0}GHS. Your plan is fully repaid ✅"),
        "{told:?}"
    );
    assert_eq!(step(&w, &mut told, Duration::days(30)).await, Default::default(), "nothing more to do");

    // Each instalment collected once, each reminded once, one overdue notice.
    let all = told.join("\n");
    for n in 1..=3 {
        assert_eq!(all.matches(&format!("Reminder: BNPL instalment {n}/3")).count(), 1, "{all}");
        assert_eq!(all.matches(&format!("BNPL instalment {n}/3 collected")).count(), 1, "{all}");
    }
    assert_eq!(all.matches("is overdue").count(), 1, "{all}");
    let ledger = w.stores.ledger().unwrap();
    let entries = ledger.entries(&w.c.ledger_account(), None, 100).await.unwrap();
    let instalments: Vec<&str> = entries
        .iter()
        .filter(|e| e.kind == paybot::ledger::TransferKind::BnplInstalment)
        .map(|e| e.transfer_id.as_str())
        .collect();
    let expected: Vec<String> = (1..=3).rev().map(|n| plan.instalment_transfer_id(n)).collect();
    assert_eq!(instalments, expected.iter().map(String::as_str).collect::<Vec<_>>());
    let done = w.plans_of(&w.c).await.remove(0);
    assert!(!done.is_open());
    assert_eq!(done.next_check_at, None);
    assert!(done.instalments[1].overdue_since.is_some(), "the record keeps the late instalment");
    // The credit is back where it was, the fee earned, and the ledger balances.
    assert_eq!(w.plan_net(&done, paybot::ledger::system::bnpl_credit()).await, 0);
    assert_eq!(w.plan_net(&done, paybot::ledger::system::fees()).await, 900);
    let statement = w.say(&phone, "STATEMENT").await;
    assert!(statement.contains("-103.00\u{a0}GHS BNPL instalment"), "{statement}");
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn a_bnpl_plan_of_three_instalments_runs_through_the_clock_on_memory() {
    a_bnpl_plan_of_three_instalments_runs_through_the_clock(Backend::Memory).await;
}

#[tokio::test]
async fn a_bnpl_plan_of_three_instalments_runs_through_the_clock_on_moto() {
    if moto_available() {
        a_bnpl_plan_of_three_instalments_runs_through_the_clock(Backend::Moto).await;
    }
}

async fn bnpl_pay_repays_early_and_score_follows_the_history(backend: Backend) {
    let w = world_with(backend, credit_settings).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    let phone = w.c.registered_phone.clone();

    // The same history, the same score.
    let score = w.say(&phone, "SCORE").await;
    // A fresh wallet (its opening balance today): no inflows yet and a young account hurt,
    // the factors without data are neutral and not named.
    assert_eq!(
        score,
        "Your credit score: 451 (from 300 to 850), from your own wallet history.\n\
         ▼ -68 money coming in regularly\n\
         ▼ -55 how long you've had your wallet"
    );
    assert_eq!(w.say(&phone, "MY SCORE").await, score);
    let value = |text: &str| -> u32 {
        text.trim_start_matches("Your credit score: ").split(' ').next().unwrap().parse().unwrap()
    };

    // Over the limit: refused, nothing moves.
    let limit = w.say(&phone, &format!("BNPL 2000 {}", w.b.registered_phone.as_e164())).await;
    assert!(limit.starts_with("That's above what your BNPL limit"), "{limit}");
    // To a number without a wallet: refused.
    assert!(w.say(&phone, "BNPL 50 0244999999").await.contains("BNPL pays wallet users only"));

    w.say(&phone, &format!("BNPL 100 {}", w.b.registered_phone.as_e164())).await;
    assert!(w.say(&phone, "YES").await.contains("Paid ✅"));
    assert_eq!(w.balance(&w.b).await, 2_000 + 10_000);

    // A BNPL PAY asked on a due date, and the scheduled run collects the instalment before
    // the YES: the YES takes nothing (the plan owes less now) and the user is asked again.
    w.clock.advance(Duration::days(30));
    let asked = w.say(&phone, "BNPL PAY").await;
    assert!(asked.contains("103.00\u{a0}GHS from your wallet?"), "{asked}");
    assert_eq!(w.collect().await.collected, 1);
    let changed = w.say(&phone, "YES").await;
    assert!(changed.contains("Your BNPL plan changed meanwhile"), "{changed}");
    assert_eq!(w.balance(&w.c).await, 40_000 - 3_434);

    // Repaid early: every instalment left at once, with YES.
    let asked = w.say(&phone, "BNPL PAY").await;
    assert!(asked.contains("68.66\u{a0}GHS from your wallet?"), "{asked}");
    let repay = w.message(&phone, "YES");
    let repaid = texts_to(&w.deliver(&repay).await, &phone);
    assert!(repaid.contains("Repaid ✅ 68.66\u{a0}GHS"), "{repaid}");
    assert!(w.deliver(&repay).await.is_empty(), "a redelivered YES repays once");
    assert_eq!(w.balance(&w.c).await, 40_000 - 10_300);
    assert!(w.say(&phone, "BNPL PAY").await.contains("no BNPL plan to repay"));
    let status = w.say(&phone, "BNPL").await;
    assert!(status.contains("you owe 0.00\u{a0}GHS") && status.contains("No instalment due"), "{status}");
    let plan = w.plans_of(&w.c).await.remove(0);
    assert!(!plan.is_open());
    assert_eq!(w.plan_net(&plan, paybot::ledger::system::bnpl_credit()).await, 0);
    assert_eq!(w.plan_net(&plan, paybot::ledger::system::fees()).await, 300);

    // The clock passes every due date: nothing is collected again.
    for _ in 0..4 {
        w.clock.advance(Duration::days(30));
        let report = w.collect().await;
        assert_eq!((report.reminded, report.collected, report.short), (0, 0, 0));
    }
    assert_eq!(w.balance(&w.c).await, 40_000 - 10_300);
    // Four months older, with a plan repaid on time: a better score than at the start.
    let later = w.say(&phone, "SCORE").await;
    assert!(value(&later) > value(&score), "{score} → {later}");
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn bnpl_pay_repays_early_and_score_follows_the_history_on_memory() {
    bnpl_pay_repays_early_and_score_follows_the_history(Backend::Memory).await;
}

#[tokio::test]
async fn bnpl_pay_repays_early_and_score_follows_the_history_on_moto() {
    if moto_available() {
        bnpl_pay_repays_early_and_score_follows_the_history(Backend::Moto).await;
    }
}

#[tokio::test]
async fn a_collection_that_stopped_half_way_is_finished_once_by_the_next_run() {
    use paybot::bnpl_plans::InstalmentState;
    let w = world_with(Backend::Memory, credit_settings).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    let phone = w.c.registered_phone.clone();
    w.say(&phone, &format!("BNPL 300 {}", w.b.registered_phone.as_e164())).await;
    assert!(w.say(&phone, "YES").await.contains("Paid ✅"));
    w.clock.advance(Duration::days(30));

    // A run claimed instalment 1 and posted its transfer, then stopped before the outcome.
    let plans = w.stores.bnpl_plans().unwrap();
    let mut plan = w.plans_of(&w.c).await.remove(0);
    plan.instalments[0].state = InstalmentState::Collecting;
    plan.instalments[0].reminded_at = Some(w.clock.now_utc());
    plan.next_check_at = Some(w.clock.now_utc());
    plan.version += 1;
    assert!(plans.save(&plan).await.unwrap());
    let transfer = paybot::ledger::Transfer {
        id: plan.instalment_transfer_id(1),
        kind: paybot::ledger::TransferKind::BnplInstalment,
        currency: Currency::GHS,
        legs: vec![
            paybot::ledger::Leg {
                from: w.c.ledger_account(),
                to: paybot::ledger::system::bnpl_credit(),
                amount: 10_000,
            },
            paybot::ledger::Leg {
                from: w.c.ledger_account(),
                to: paybot::ledger::system::fees(),
                amount: 300,
            },
        ],
        hash: None,
        memo: None,
        at: w.clock.now_utc(),
    };
    w.stores.ledger().unwrap().post(&transfer).await.unwrap();

    // The next run finds it collecting, posts the same transfer (applied once) and tells once.
    let report = w.collect().await;
    assert_eq!((report.collected, report.short), (1, 0));
    assert_eq!(w.balance(&w.c).await, 40_000 - 10_300, "charged once");
    let told = texts_to(&w.drain().await, &phone);
    assert_eq!(told.matches("BNPL instalment 1/3 collected").count(), 1, "{told}");
    let plan = w.plans_of(&w.c).await.remove(0);
    assert_eq!(plan.instalments[0].state, InstalmentState::Paid);
    assert_eq!(plan.next_check_at, Some(plan.instalments[1].due_at - Duration::days(1)));
    assert_eq!(w.collect().await, Default::default());
    assert_ledger_sound(&w).await;
}
// ---- susu and points ----------------------------------------------------------------------------

/// Two more active accounts with money, imported as the world's are.
async fn more_accounts(w: &World) -> (WalletAccount, WalletAccount) {
    let run = unique();
    let d = account(&format!("D-{run}"), "Yaw Asante", "tier1", AccountStatus::Active, "100.00");
    let e = account(&format!("E-{run}"), "Efua Addo", "tier1", AccountStatus::Active, "100.00");
    let entries: Vec<serde_json::Value> = [&d, &e]
        .iter()
        .map(|acc| {
            serde_json::json!({
                "id": acc.id, "name": acc.name, "phone": acc.registered_phone.as_e164(), "tier": acc.tier,
                "currency": "GHS", "opening_balance": acc.opening_balance.to_string(),
            })
        })
        .collect();
    let file =
        paybot::wallet_file::WalletFile::parse(&serde_json::json!({ "accounts": entries }).to_string())
            .unwrap();
    let (accounts, ledger) = (w.stores.wallet_accounts().unwrap(), w.stores.ledger().unwrap());
    file.import(accounts.as_ref(), ledger.as_ref(), w.clock.now_utc()).await.unwrap();
    (d, e)
}

impl World {
    /// `who` writes `body` and, if the session went idle, types the SMS code it asks for.
    async fn say_with_session(&self, who: &WalletAccount, body: &str) -> String {
        let answer = self.say(&who.registered_phone, body).await;
        if !answer.contains("For your security") {
            return answer;
        }
        let code = self.sms.code(&who.registered_phone).await;
        self.say(&who.registered_phone, &code).await
    }

    /// `SUSU PAY` and YES; returns every text queued by the YES, to anyone.
    async fn susu_pay(&self, who: &WalletAccount) -> Vec<OutboundJob> {
        let asked = self.say_with_session(who, "SUSU PAY").await;
        assert!(asked.contains("into the susu group"), "{asked}");
        let jobs = self.deliver(&self.message(&who.registered_phone, "YES")).await;
        let paid = texts_to(&jobs, &who.registered_phone);
        assert!(paid.contains("Paid ✅ 10.00\u{a0}GHS into Makola Traders"), "{paid}");
        jobs
    }

    async fn points(&self, who: &WalletAccount) -> i64 {
        let points = self.stores.points_ledger().unwrap();
        points.balance(&AccountId::points(&who.id)).await.unwrap()
    }
}

fn susu_deps(w: &World) -> paybot::capabilities::wallet::susu::SusuDeps {
    wiring::susu(w.stores.as_ref(), WalletSettings::default()).unwrap()
}

/// A group of four over four weekly cycles: three members imported, the fourth joins by
/// code; cycles 0–2 are paid by everyone (the last contribution pays the pot out at once),
/// in cycle 3 one member does not pay and the scheduled run pays out what was paid when the
/// cycle ends. Each member is paid out exactly once, every member is told of every payout,
/// and the pot ends at zero.
async fn a_susu_group_of_four_over_four_cycles(backend: Backend) {
    let w = world(backend).await;
    let (d, e) = more_accounts(&w).await;
    let code = format!("MK{}", unique().to_uppercase());
    let group = paybot::domain::SusuGroup {
        code: code.clone(),
        name: "Makola Traders".into(),
        business_number_id: w.business.clone(),
        currency: Currency::GHS,
        contribution_minor: 1_000,
        cycle: paybot::domain::SusuCycleLength::Weekly,
        starts_at: w.clock.now_utc(),
        seats: 4,
        members: vec![w.c.id.clone(), w.b.id.clone(), d.id.clone()],
    };
    let groups = w.stores.susu_groups().unwrap();
    groups.put_group(&group).await.unwrap();
    let members = [&w.c, &w.b, &d, &e];
    for member in members {
        w.link(member).await;
    }
    let mut opening = Vec::new();
    for member in members {
        opening.push(w.balance(member).await);
    }

    // Not full yet: paying is refused; the fourth joins (once), and the group is full.
    assert!(w.say(&w.c.registered_phone, "SUSU PAY").await.contains("waiting for 1 more members"));
    let joined = w.say(&e.registered_phone, &format!("SUSU JOIN {}", code.to_lowercase())).await;
    assert!(joined.contains("You joined Makola Traders (seat 4 of 4)"), "{joined}");
    assert!(w.say(&e.registered_phone, &format!("SUSU JOIN {code}")).await.contains("already a member"));
    let outsider = w.say(&w.a.registered_phone, "LINK").await;
    assert!(outsider.contains("6-digit code"));
    let code_a = w.sms.code(&w.a.registered_phone).await;
    w.say(&w.a.registered_phone, &code_a).await;
    assert!(w.say(&w.a.registered_phone, &format!("SUSU JOIN {code}")).await.contains("no free seat"));

    let status = w.say(&d.registered_phone, "SUSU").await;
    assert!(status.contains("cycle 1 of 4"), "{status}");
    assert!(status.contains("It's Kofi B.'s turn"), "{status}");
    assert!(status.contains("Paid: 0 of 4"), "{status}");

    let pot = paybot::ledger::system::susu_pot(&code);
    let ledger = w.stores.ledger().unwrap();
    let directory = w.stores.directory().unwrap();
    for k in 0..4usize {
        let payers: Vec<&WalletAccount> = if k == 3 { members[..3].to_vec() } else { members.to_vec() };
        let mut last = Vec::new();
        for payer in &payers {
            last = w.susu_pay(payer).await;
        }
        // Paying again in the same cycle is refused.
        let again = w.say_with_session(payers[0], "SUSU PAY").await;
        assert!(again.contains("Nothing to pay") || again.contains("already paid"), "{again}");
        if k < 3 {
            // The last contribution paid the pot out and told every member.
            assert_eq!(ledger.balance(&pot).await.unwrap(), 0, "cycle {k}");
            for member in members {
                let told = texts_to(&last, &member.registered_phone);
                assert!(told.contains("pot of 40.00\u{a0}GHS"), "cycle {k}, {}: {told}", member.id);
            }
            let mine = texts_to(&last, &members[k].registered_phone);
            assert!(mine.contains("is yours this cycle"), "{mine}");
        } else {
            assert_eq!(ledger.balance(&pot).await.unwrap(), 3_000, "three paid into the pot");
            let deps = susu_deps(&w);
            let queue: Arc<dyn QueueSender> =
                Arc::new(paybot::adapters::memory::MemoryQueue::fifo(w.clock.clone()));
            let early = paybot::capabilities::wallet::susu::pay_out_due(
                &deps,
                directory.as_ref(),
                queue.as_ref(),
                w.clock.now_utc(),
            )
            .await
            .unwrap();
            assert_eq!(early, 0, "not paid out before the cycle ends");
        }
        w.clock.advance(Duration::days(7));
    }
    // The last cycle ended short: the scheduled run pays out what was paid, once.
    let deps = susu_deps(&w);
    let outbound = w.settlement.outbound.clone();
    let paid = paybot::capabilities::wallet::susu::pay_out_due(
        &deps,
        directory.as_ref(),
        outbound.as_ref(),
        w.clock.now_utc(),
    )
    .await
    .unwrap();
    assert_eq!(paid, 1);
    let again = paybot::capabilities::wallet::susu::pay_out_due(
        &deps,
        directory.as_ref(),
        outbound.as_ref(),
        w.clock.now_utc(),
    )
    .await
    .unwrap();
    assert_eq!(again, 0, "a second run pays nothing");
    let told = w.drain().await;
    for member in members {
        assert!(texts_to(&told, &member.registered_phone).contains("pot of 30.00\u{a0}GHS"), "{}", member.id);
    }

    assert_eq!(ledger.balance(&pot).await.unwrap(), 0, "the pot ends at zero");
    for (i, member) in members.iter().enumerate() {
        let entries = ledger.entries(&member.ledger_account(), None, 1000).await.unwrap();
        let payouts: Vec<_> =
            entries.iter().filter(|e| e.kind == paybot::ledger::TransferKind::SusuPayout).collect();
        assert_eq!(payouts.len(), 1, "{} is paid out exactly once", member.id);
        assert_eq!(payouts[0].transfer_id, format!("susu:{code}:{i}:payout"));
        // Everyone paid what they received: 4 × 10 for 40, or (the one who missed) 3 × 10 for 30.
        assert_eq!(w.balance(member).await, opening[i], "{}", member.id);
    }
    let statement = w.say_with_session(&e, "STATEMENT").await;
    assert!(statement.contains("+30.00\u{a0}GHS susu payout"), "{statement}");
    assert!(statement.contains("-10.00\u{a0}GHS susu contribution"), "{statement}");
    assert!(w.say(&e.registered_phone, "SUSU").await.contains("every cycle is done"));
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn a_susu_group_of_four_over_four_cycles_pays_each_member_once_on_memory() {
    a_susu_group_of_four_over_four_cycles(Backend::Memory).await;
}

#[tokio::test]
async fn a_susu_group_of_four_over_four_cycles_pays_each_member_once_on_moto() {
    if moto_available() {
        a_susu_group_of_four_over_four_cycles(Backend::Moto).await;
    }
}

/// Points for a SEND and a TOPUP, once each: the YES delivered twice, the top-up read back by
/// a callback and by polls, and the earning itself posted again, add nothing. The points are
/// on their own ledger: the money ledger holds no `points:` account.
async fn points_are_earned_once_per_transfer(backend: Backend) {
    let w = world(backend).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    w.link(&w.a).await;
    w.say(&w.c.registered_phone, &format!("SEND 50 {}", w.b.registered_phone.as_e164())).await;
    let yes = w.message(&w.c.registered_phone, "YES");
    assert!(texts_to(&w.deliver(&yes).await, &w.c.registered_phone).contains("Sent"));
    w.deliver(&yes).await;
    assert_eq!(w.points(&w.c).await, 50, "1 point per cedi sent");
    assert_eq!(w.points(&w.b).await, 0, "receiving earns nothing");

    // The earning posted again (a retried turn) is the same transfer.
    let pending_nonce = {
        let chain = w.stores.audit().unwrap().chain(&format!("wallet:{}", w.c.id)).await.unwrap();
        let record = chain.iter().rev().find(|r| r.event.kind == "transfer").unwrap().clone();
        record.event.detail["transfer_id"].as_str().unwrap().to_owned()
    };
    let transfer = w.stores.ledger().unwrap().transfer(&pending_nonce).await.unwrap().unwrap();
    let points = w.stores.points_ledger().unwrap();
    paybot::capabilities::wallet::points::earn(
        points.as_ref(),
        &WalletSettings::default(),
        &transfer,
        &w.c.id,
    )
    .await
    .unwrap();
    assert_eq!(w.points(&w.c).await, 50);

    w.top_up(&w.a, "100").await;
    for _ in 0..2 {
        w.clock.advance(Duration::minutes(2));
        paybot::capabilities::wallet::settlement::poll_due(&w.settlement, w.clock.now_utc(), 10)
            .await
            .unwrap();
    }
    let reference = w.momo.callbacks().last().map(|c| c.reference).expect("the top-up's callback");
    paybot::capabilities::wallet::settlement::settle(&w.settlement, reference).await.unwrap();
    assert_eq!(w.balance(&w.a).await, 10_000);
    assert_eq!(w.points(&w.a).await, 100, "the top-up earned once");

    let shown = w.say_with_session(&w.c, "POINTS").await;
    assert!(shown.contains("You have 50 points (worth 0.50\u{a0}GHS)"), "{shown}");
    assert!(shown.contains("+50 for a transfer"), "{shown}");

    let money = w.stores.ledger().unwrap().balances().await.unwrap();
    assert!(
        money.iter().all(|(account, _)| !account.as_str().starts_with("points:")),
        "no points on the money ledger"
    );
    assert!(money.iter().all(|(account, _)| account.as_str() != "system:points_issuer"));
    let all_points = points.balances().await.unwrap();
    assert_eq!(all_points.iter().map(|(_, b)| b).sum::<i64>(), 0, "the points ledger balances");
    let statement = w.say_with_session(&w.c, "STATEMENT").await;
    assert!(!statement.contains("points"), "{statement}");
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn points_are_earned_once_per_transfer_under_redelivery_on_memory() {
    points_are_earned_once_per_transfer(Backend::Memory).await;
}

#[tokio::test]
async fn points_are_earned_once_per_transfer_under_redelivery_on_moto() {
    if moto_available() {
        points_are_earned_once_per_transfer(Backend::Moto).await;
    }
}

/// Redeeming more than held is refused when asked, and at the YES when the points went
/// meanwhile; what is held converts at the configured rate, with YES.
async fn redeeming_points(backend: Backend) {
    let w = world(backend).await;
    w.link(&w.c).await;
    w.link(&w.b).await;
    w.say(&w.c.registered_phone, &format!("SEND 50 {}", w.b.registered_phone.as_e164())).await;
    w.say(&w.c.registered_phone, "YES").await;
    assert_eq!(w.points(&w.c).await, 50);
    let before = w.balance(&w.c).await;

    let refused = w.say(&w.c.registered_phone, "POINTS REDEEM 51").await;
    assert_eq!(refused, "You can't redeem 51 points: you have 50.");
    assert!(w.state(&w.c).await.pending.is_none(), "nothing waits for YES");
    assert_eq!(w.balance(&w.c).await, before);

    let asked = w.say(&w.c.registered_phone, "POINTS REDEEM 30").await;
    assert!(asked.contains("Redeem your points for 0.30\u{a0}GHS"), "{asked}");
    let done = w.say(&w.c.registered_phone, "YES").await;
    assert!(done.contains("Redeemed ✅ 30 points for 0.30\u{a0}GHS"), "{done}");
    assert!(done.contains("Points left: 20"), "{done}");
    assert_eq!(w.balance(&w.c).await, before + 30);
    assert_eq!(w.points(&w.c).await, 20);

    // Asked for 20, but 15 of them go elsewhere before the YES: refused, nothing moves.
    w.say(&w.c.registered_phone, "POINTS REDEEM 20").await;
    let points = w.stores.points_ledger().unwrap();
    points
        .post(&paybot::ledger::Transfer {
            id: format!("elsewhere:{}", unique()),
            kind: paybot::ledger::TransferKind::PointsRedeemed,
            currency: Currency::POINTS,
            legs: vec![paybot::ledger::Leg {
                from: AccountId::points(&w.c.id),
                to: paybot::ledger::system::points_issuer(),
                amount: 15,
            }],
            hash: None,
            memo: None,
            at: w.clock.now_utc(),
        })
        .await
        .unwrap();
    let late = w.say(&w.c.registered_phone, "YES").await;
    assert_eq!(late, "You can't redeem 20 points: you have 5.");
    assert_eq!(w.balance(&w.c).await, before + 30);
    assert_eq!(w.points(&w.c).await, 5);
    assert_ledger_sound(&w).await;
}

#[tokio::test]
async fn redeeming_more_points_than_held_is_refused_on_memory() {
    redeeming_points(Backend::Memory).await;
}

#[tokio::test]
async fn redeeming_more_points_than_held_is_refused_on_moto() {
    if moto_available() {
        redeeming_points(Backend::Moto).await;
    }
}

/// The AWS requests of one susu contribution on moto: `SUSU PAY` (the question) and the YES
/// (the transfer, and with the last member's the payout and its notices). A measurement,
/// printed; the test asserts only that the money moved.
#[tokio::test]
async fn aws_requests_of_one_susu_pay_on_moto() {
    if !moto_available() {
        return;
    }
    let counter = paybot::adapters::aws::RequestCounter::default();
    let w = world(Backend::MotoCounted(counter.clone())).await;
    let code = format!("RQ{}", unique().to_uppercase());
    let group = paybot::domain::SusuGroup {
        code: code.clone(),
        name: "Makola Traders".into(),
        business_number_id: w.business.clone(),
        currency: Currency::GHS,
        contribution_minor: 1_000,
        cycle: paybot::domain::SusuCycleLength::Weekly,
        starts_at: w.clock.now_utc(),
        seats: 2,
        members: vec![w.c.id.clone(), w.b.id.clone()],
    };
    w.stores.susu_groups().unwrap().put_group(&group).await.unwrap();
    w.link(&w.c).await;
    w.link(&w.b).await;
    let mut stages = Vec::new();
    for (who, text) in [(&w.c, "SUSU PAY"), (&w.c, "YES"), (&w.b, "SUSU PAY"), (&w.b, "YES")] {
        let message = w.message(&who.registered_phone, text);
        counter.reset();
        flow::handle_message(&w.command, &message).await.unwrap();
        stages.push((format!("{} {text}", &who.id[..1]), counter.snapshot()));
        w.drain().await;
    }
    for (text, counts) in &stages {
        eprintln!("{text}: {} requests {counts:?}", counts.values().sum::<u64>());
    }
    let pot = paybot::ledger::system::susu_pot(&code);
    assert_eq!(w.stores.ledger().unwrap().balance(&pot).await.unwrap(), 0, "paid out to C");
    assert_eq!(w.balance(&w.c).await, 40_000 - 1_000 + 2_000);
}
