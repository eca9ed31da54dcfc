//! The local stack: every function's own router and handler over in-memory adapters,
//! in-process queues, a clock that can be moved forward, and the sandboxes of the external
//! systems mounted on the same server, with a phone simulator as the start page.
//!
//! ```text
//! /                      the phone simulator (sim.rs)
//! /_sim/…                its local-only API
//! /webhook               the webhook function's router
//! /miapos/callback       the status function's router
//! /momo/callback/{ref}   the status function's router (MoMo callbacks)
//! /sandbox/miapos/…      the miaPOS eComm sandbox (API and checkout page)
//! /sandbox/graph/…       the WhatsApp Cloud API sandbox (`…/v23.0/{id}/messages`)
//! /sandbox/momo/…        the MTN MoMo sandbox (collection, disbursement, control API)
//! /momo/approvals        the MoMo sandbox's approval page (where the payer's phone would be)
//! ```
//! inbound FIFO → the command flow → outbound FIFO → notify's `deliver` → Cloud API.

pub mod consumer;
pub mod meta;
pub mod scheduler;
pub mod settings;
pub mod sim;
pub mod wiring;

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use chrono::{DateTime, Utc};
use command::{CommandDeps, CommandSettings};
use notify::{NotifyDeps, NotifySettings};
use paybot::StoreResult;
use paybot::adapters::memory::{
    ManualClock, MemoryAlertStore, MemoryAuditLog, MemoryContactStore, MemoryDeliveryStatusStore,
    MemoryDirectory, MemoryFailedCommandLog, MemoryIdempotencyStore, MemoryMomoOperationStore,
    MemoryOutboxStore, MemoryPaymentLinkStore, MemoryQueue, MemorySmsInbox, MemoryWalletDirectory,
    MemoryWalletLinkStore, MemoryWindowStore,
};
use paybot::config::{Config, DEFAULT_WHATSAPP_API_BASE};
use paybot::crypto::DataKey;
use paybot::directory_file::DirectoryFile;
use paybot::domain::ContactKey;
use paybot::miapos::{MiaposClient, MiaposClientConfig};
use paybot::momo::{MomoClient, MomoConfig, MomoProductCredentials};
use paybot::ports::WindowStore;
use paybot::wallet_file::WalletFile;
use paybot::whatsapp::WebhookVerifier;
use paybot::whatsapp::cloud_api::CloudApiClient;
use sandboxes::cloud_api::CloudApiSandbox;
use sandboxes::miapos::{MiaposSandbox, SandboxConfig, SandboxMerchant};
use sandboxes::momo::{MomoSandbox, MomoSandboxConfig, SandboxApiUser};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use webhook::WebhookState;

pub use settings::{
    FileSource, LOCAL_ACCESS_TOKEN, LOCAL_APP_SECRET, LOCAL_MOMO_COLLECTION_KEY, LOCAL_MOMO_DISBURSEMENT_KEY,
    LOCAL_VERIFY_TOKEN, LocalSettings, Overrides, local_base_url,
};

use crate::scheduler::TemplateScheduler;
use crate::settings::{GRAPH_SANDBOX_PATH, LOCAL_MOMO_CURRENCY, MIAPOS_SANDBOX_PATH, MOMO_SANDBOX_PATH};
use crate::sim::{SimSeller, SimState, SimWallet, SimWalletUser};

pub type BuildError = Box<dyn std::error::Error + Send + Sync>;

/// Every adapter of the stack, shared by the functions mounted on it: what a function's
/// `main.rs` builds from AWS clients, built here once over memory.
pub struct Adapters {
    /// The documented configuration with every URL and secret resolved (sandbox URLs, the
    /// generated data key, the sandbox's public key).
    pub config: Config,
    pub clock: Arc<ManualClock>,
    pub directory: Arc<MemoryDirectory>,
    pub contacts: Arc<MemoryContactStore>,
    /// The 24-hour windows; recording one also tells the Cloud API sandbox the user wrote.
    pub windows: Arc<dyn WindowStore>,
    pub statuses: Arc<MemoryDeliveryStatusStore>,
    pub links: Arc<MemoryPaymentLinkStore>,
    pub idempotency: Arc<MemoryIdempotencyStore>,
    pub audit: Arc<MemoryAuditLog>,
    pub failed_commands: Arc<MemoryFailedCommandLog>,
    pub outbox: Arc<MemoryOutboxStore>,
    pub wallet_accounts: Arc<MemoryWalletDirectory>,
    pub wallet_links: Arc<MemoryWalletLinkStore>,
    pub momo_operations: Arc<MemoryMomoOperationStore>,
    pub bnpl_plans: Arc<paybot::adapters::memory::MemoryBnplPlanStore>,
    pub alerts: Arc<MemoryAlertStore>,
    /// The SMS sandbox: every SMS the wallet sends (one-time codes), shown on the simulator.
    pub sms: Arc<MemorySmsInbox>,
    pub ledger: Arc<paybot::adapters::memory::MemoryLedger>,
    /// The operator console's stores: the bot switch and aliases, escalations, metrics.
    pub controls: Arc<paybot::adapters::memory::MemoryControlsStore>,
    pub escalations: Arc<paybot::adapters::memory::MemoryEscalationStore>,
    pub metrics: Arc<paybot::adapters::memory::MemoryMetricsStore>,
    /// Susu groups (from the wallet file) and the loyalty points' own ledger.
    pub susu_groups: Arc<paybot::adapters::memory::MemorySusuGroupStore>,
    pub points_ledger: Arc<paybot::adapters::memory::MemoryLedger>,
    pub inbound: Arc<MemoryQueue>,
    pub outbound: Arc<MemoryQueue>,
    /// The outbound dead-letter queue: notify's permanent failures, and outbound records that
    /// failed their last receive; nothing consumes it.
    pub parked: Arc<MemoryQueue>,
    /// The inbound dead-letter queue: inbound records that failed their last receive.
    pub inbound_dead: Arc<MemoryQueue>,
    /// One client per process: it holds the token cache.
    pub rail: Arc<MiaposClient>,
    /// One MoMo client per process (its token cache), on stack time.
    pub momo: Arc<MomoClient>,
    pub sender: Arc<CloudApiClient>,
    pub data_key: DataKey,
}

/// The stack, built and ready to serve.
pub struct LocalStack {
    pub adapters: Adapters,
    /// The base URL the stack is reached at from this machine, e.g. `http://127.0.0.1:3000`.
    pub base_url: String,
    /// `None` when `MIAPOS_BASE_URL` points elsewhere.
    pub miapos: Option<MiaposSandbox>,
    /// `None` when `WHATSAPP_API_BASE` points elsewhere.
    pub cloud: Option<CloudApiSandbox>,
    /// `None` when `MOMO_BASE_URL` points elsewhere.
    pub momo: Option<MomoSandbox>,
    pub sim: Arc<SimState>,
    pub templates: Arc<TemplateScheduler>,
    webhook: Arc<WebhookState>,
    command: Arc<CommandDeps>,
    notify: Arc<NotifyDeps>,
    status: Router,
    /// The operator console (`functions/admin`), mounted unchanged at `/admin`.
    admin: Router,
    /// The bearer token that signs in to the console as an operator on this run.
    console_token: String,
    /// Whether the token came from `CONSOLE_OPERATOR_TOKEN` (then it is not printed).
    console_token_set: bool,
    stopping: watch::Sender<bool>,
}

/// How long the embedded miaPOS sandbox keeps an unpaid payment open (stack time), as a rail
/// expires unpaid payments on its own; the bot learns it from a callback or a lookup.
pub const SANDBOX_PAYMENT_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// The Cloud API version of the default base URL (`v23.0`): the sandbox serves the same.
fn graph_version() -> &'static str {
    DEFAULT_WHATSAPP_API_BASE.rsplit('/').next().unwrap_or("v23.0")
}

impl LocalStack {
    /// Builds the stack for a server reachable at `base_url` (the address actually bound, so
    /// that checkout links and the sandboxes' URLs point at it).
    pub async fn build(settings: &LocalSettings, base_url: &str) -> Result<LocalStack, BuildError> {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let mut config = settings.config.clone();
        let file = DirectoryFile::parse(
            &settings
                .directory
                .read()
                .map_err(|e| format!("DIRECTORY_FILE {:?} could not be read: {e}", settings.directory))?,
        )?;

        let data_key_text = match &config.data_key {
            Some(key) => key.expose().to_owned(),
            None => {
                // Secrets are sealed at start-up from the directory file, so a key that lives
                // as long as the process is enough.
                tracing::info!("DATA_KEY not set: generated one for this run");
                DataKey::generate_base64()
            }
        };
        let data_key = DataKey::from_base64(&data_key_text)?;
        config.data_key = Some(paybot::config::Secret::new(data_key_text));

        let public_base = config.public_base_url.clone().unwrap_or_else(|| base_url.clone());
        config.public_base_url = Some(public_base.clone());
        let callback_url = format!("{public_base}/miapos/callback");
        // Each MoMo request names its callback: the status function's route on this stack.
        config.wallet.momo_callback_base = Some(format!("{public_base}/momo/callback"));
        if config.otp_key.is_none() {
            // Codes live minutes and the links they make live in memory: a key per run is
            // enough, and it is shown nowhere.
            config.otp_key = Some(paybot::config::Secret::new(random_key()));
        }

        let clock = Arc::new(ManualClock::default());
        let miapos = if settings.overrides.miapos_base_url {
            tracing::info!("MIAPOS_BASE_URL is set: the miaPOS sandbox is not used");
            None
        } else {
            let sandbox_base = format!("{base_url}{MIAPOS_SANDBOX_PATH}");
            let merchants = sandbox_merchants(&file, &callback_url);
            let sandbox_config = SandboxConfig {
                payment_lifetime: Some(SANDBOX_PAYMENT_LIFETIME),
                ..SandboxConfig::new(&sandbox_base, merchants)
            };
            // A 2048-bit RSA key: CPU work, kept off the async workers.
            let sandbox = tokio::task::spawn_blocking(move || MiaposSandbox::new(sandbox_config)).await??;
            let stack_clock = clock.clone();
            // Payments expire by stack time, so a clock jump expires them on the rail too.
            sandbox.set_clock(move || paybot::ports::Clock::now(stack_clock.as_ref()));
            config.miapos.base_url = sandbox_base;
            if config.miapos.public_key.is_none() {
                config.miapos.public_key = Some(sandbox.public_key_base64());
            }
            Some(sandbox)
        };

        let cloud = if settings.overrides.whatsapp_api_base {
            tracing::info!("WHATSAPP_API_BASE is set: the Cloud API sandbox is not used");
            None
        } else {
            let sandbox = CloudApiSandbox::new(config.whatsapp.access_token.expose());
            let stack_clock = clock.clone();
            // Meta's 24-hour rule judged by stack time, so a clock jump closes windows there too.
            sandbox.set_clock(move || paybot::ports::Clock::now(stack_clock.as_ref()));
            sandbox.set_window_rule(true);
            config.whatsapp.api_base = format!("{base_url}{GRAPH_SANDBOX_PATH}/{}", graph_version());
            Some(sandbox)
        };

        let momo = if settings.overrides.momo_base_url {
            tracing::info!("MOMO_BASE_URL is set: the MoMo sandbox is not used");
            config.momo.require()?;
            None
        } else {
            let sandbox = momo_sandbox(&mut config.momo, &base_url, &public_base, &config.wallet)?;
            let stack_clock = clock.clone();
            // Tokens and requests dated by stack time, as the bot's own records are.
            sandbox.set_clock(move || paybot::ports::Clock::now(stack_clock.as_ref()));
            Some(sandbox)
        };

        let directory = Arc::new(MemoryDirectory::default());
        let (profiles, sellers) = file.import(&data_key, directory.as_ref()).await?;
        tracing::info!(profiles, sellers, source = ?settings.directory, "directory loaded");

        let window_store = Arc::new(MemoryWindowStore::default());
        let windows: Arc<dyn WindowStore> =
            Arc::new(TellingWindows { inner: window_store, cloud: cloud.clone() });
        let adapters = Adapters {
            rail: Arc::new(MiaposClient::new(MiaposClientConfig::from_config(&config.miapos))?),
            // The stack clock never runs behind the wall clock, so a token is renewed no later
            // than MoMo expires it, whichever MoMo this is.
            momo: Arc::new(MomoClient::new(config.momo.clone())?.with_clock(clock.clone())),
            sender: Arc::new(CloudApiClient::new(
                &config.whatsapp.api_base,
                config.whatsapp.access_token.clone(),
            )),
            directory,
            contacts: Arc::new(MemoryContactStore::default()),
            windows,
            statuses: Arc::new(MemoryDeliveryStatusStore::default()),
            links: Arc::new(MemoryPaymentLinkStore::default()),
            idempotency: Arc::new(MemoryIdempotencyStore::default()),
            audit: Arc::new(MemoryAuditLog::default()),
            failed_commands: Arc::new(MemoryFailedCommandLog::default()),
            outbox: Arc::new(MemoryOutboxStore::default()),
            wallet_accounts: Arc::new(MemoryWalletDirectory::default()),
            wallet_links: Arc::new(MemoryWalletLinkStore::default()),
            momo_operations: Arc::new(MemoryMomoOperationStore::default()),
            bnpl_plans: Default::default(),
            alerts: Arc::new(MemoryAlertStore::default()),
            sms: Arc::new(MemorySmsInbox::new(clock.clone())),
            ledger: Default::default(),
            controls: Default::default(),
            escalations: Default::default(),
            metrics: Default::default(),
            susu_groups: Default::default(),
            points_ledger: Default::default(),
            inbound: Arc::new(MemoryQueue::fifo(clock.clone())),
            outbound: Arc::new(MemoryQueue::fifo(clock.clone())),
            parked: Arc::new(MemoryQueue::standard(clock.clone())),
            inbound_dead: Arc::new(MemoryQueue::standard(clock.clone())),
            clock: clock.clone(),
            data_key: data_key.clone(),
            config,
        };
        let a = &adapters;
        let wallet_file = WalletFile::parse(
            &settings
                .wallet
                .read()
                .map_err(|e| format!("WALLET_FILE {:?} could not be read: {e}", settings.wallet))?,
        )?;
        let (accounts, opened) = wallet_file
            .import(
                a.wallet_accounts.as_ref(),
                a.ledger.as_ref(),
                paybot::ports::Clock::now(a.clock.as_ref()),
            )
            .await?;
        tracing::info!(accounts, opened, source = ?settings.wallet, "wallet accounts loaded");
        let groups = wallet_file.import_susu(a.susu_groups.as_ref()).await?;
        tracing::info!(groups, "susu groups loaded");
        let webhook = Arc::new(WebhookState {
            verifier: WebhookVerifier::new(
                a.config.whatsapp.app_secret.expose(),
                a.config.whatsapp.verify_token.expose(),
            ),
            max_body_bytes: a.config.webhook_max_body_bytes,
            windows: a.windows.clone(),
            statuses: a.statuses.clone(),
            outbox: a.outbox.clone(),
            idempotency: a.idempotency.clone(),
            inbound: a.inbound.clone(),
            metrics: a.metrics.clone(),
            clock: a.clock.clone(),
        });
        let command = Arc::new(CommandDeps {
            directory: a.directory.clone(),
            contacts: a.contacts.clone(),
            idempotency: a.idempotency.clone(),
            outbox: a.outbox.clone(),
            outbound: a.outbound.clone(),
            clock: a.clock.clone(),
            capabilities: vec![Arc::new(wiring::seller(a)?), Arc::new(wiring::wallet(a)?)],
            // Read on every message: the memory store costs nothing, and the stack's clock
            // moves only when told to, so a cache would hold a switch until the clock moved.
            controls: Arc::new(paybot::operator::controls::CachedControls::new(
                a.controls.clone(),
                chrono::Duration::zero(),
            )),
            escalations: a.escalations.clone(),
            metrics: a.metrics.clone(),
            settings: CommandSettings::from_config(&a.config),
        });
        let notify = Arc::new(NotifyDeps {
            sender: a.sender.clone(),
            idempotency: a.idempotency.clone(),
            statuses: a.statuses.clone(),
            parked: a.parked.clone(),
            windows: a.windows.clone(),
            outbox: a.outbox.clone(),
            metrics: a.metrics.clone(),
            clock: a.clock.clone(),
            settings: NotifySettings::from_config(&a.config),
        });
        let status = wiring::status_router(a)?;
        let mut console = settings.console.clone();
        // Like the OTP key: a token per run unless one is set, shown at start (the operator
        // signs in with it; it opens nothing but this process's console).
        let console_token_set = console.operator_token.is_some();
        let console_token = match &console.operator_token {
            Some(token) => token.expose().to_owned(),
            None => random_key(),
        };
        console.operator_token = Some(paybot::config::Secret::new(console_token.clone()));
        console.public_base_url = a.config.public_base_url.clone();
        let admin = admin::router(admin::AdminDeps::new(a, a.outbound.clone(), a.clock.clone(), console)?);
        let templates = Arc::new(TemplateScheduler::new(wiring::templates_run(a)?));
        let (stopping, stopping_rx) = watch::channel(false);
        let sim = Arc::new(SimState::new(
            webhook::router(webhook.clone()),
            a.config.whatsapp.app_secret.clone(),
            file.profiles.clone(),
            SimSeller::from_file(&file),
            SimWallet {
                users: SimWalletUser::from_file(&wallet_file),
                sms: a.sms.clone(),
                links: a.wallet_links.clone(),
                momo_sandbox_base: momo.as_ref().map(|_| format!("{base_url}{MOMO_SANDBOX_PATH}")),
            },
            clock.clone(),
            a.outbound.clone(),
            cloud.clone(),
            (
                miapos.as_ref().map(|s| s.base_url().to_owned()),
                cloud.as_ref().map(|_| format!("{base_url}{GRAPH_SANDBOX_PATH}")),
            ),
            templates.clone(),
            stopping_rx,
        ));
        Ok(LocalStack {
            adapters,
            base_url,
            miapos,
            cloud,
            momo,
            sim,
            templates,
            webhook,
            command,
            notify,
            status,
            admin,
            console_token,
            console_token_set,
            stopping,
        })
    }

    /// The functions' own routers, the sandboxes and the simulator, on one server.
    pub fn router(&self) -> Router {
        let mut router = sim::router(self.sim.clone())
            .merge(webhook::router(self.webhook.clone()))
            .merge(self.status.clone())
            .merge(self.admin.clone());
        if let Some(miapos) = &self.miapos {
            router = router.nest(MIAPOS_SANDBOX_PATH, miapos.router());
        }
        if let Some(cloud) = &self.cloud {
            router = router.nest(GRAPH_SANDBOX_PATH, cloud.router());
        }
        if let Some(momo) = &self.momo {
            router = router.nest(MOMO_SANDBOX_PATH, momo.router()).merge(momo.approvals_router());
        }
        router
    }

    /// Starts what the event source mappings and the schedule do on AWS: the inbound queue
    /// into the command flow, the outbound queue into notify, the clock and the template
    /// sender. The tasks stop when the returned value is dropped.
    pub fn spawn_background(&self) -> Background {
        let command = self.command.clone();
        let inbound: consumer::Handler = Arc::new(move |event| {
            let deps = command.clone();
            Box::pin(async move { command::handler::handle_records(&deps, event).await })
        });
        let notify = self.notify.clone();
        let outbound: consumer::Handler = Arc::new(move |event| {
            let deps = notify.clone();
            Box::pin(async move { notify::handle_records(&deps, event).await })
        });
        let a = &self.adapters;
        let redelivery = consumer::Redelivery::default();
        Background {
            tasks: vec![
                consumer::spawn("inbound", a.inbound.clone(), inbound, redelivery, a.inbound_dead.clone()),
                consumer::spawn("outbound", a.outbound.clone(), outbound, redelivery, a.parked.clone()),
                scheduler::spawn_ticker(a.clock.clone(), self.templates.clone()),
            ],
        }
    }

    /// Ends the simulator's long polls, so that a graceful shutdown does not wait for them.
    pub fn stop_long_polls(&self) {
        let _ = self.stopping.send(true);
    }

    /// What the stack uses, for the start-up log (no secret, no phone number).
    /// The bearer token that signs in to the console as an operator on this run.
    pub fn console_token(&self) -> &str {
        &self.console_token
    }

    pub fn describe(&self) -> Vec<String> {
        let c = &self.adapters.config;
        vec![
            format!("simulator          {}/", self.base_url),
            format!("webhook            {}/webhook", self.base_url),
            format!("Cloud API          {}{}", c.whatsapp.api_base, sandbox_note(self.cloud.is_some())),
            format!("miaPOS             {}{}", c.miapos.base_url, sandbox_note(self.miapos.is_some())),
            format!(
                "miaPOS callbacks   {}/miapos/callback",
                c.public_base_url.as_deref().unwrap_or_default()
            ),
            format!("MoMo               {}{}", c.momo.base_url, sandbox_note(self.momo.is_some())),
            format!(
                "MoMo callbacks     {}/{{reference}}",
                c.wallet.momo_callback_base.as_deref().unwrap_or_default()
            ),
            format!("MoMo approvals     {}/momo/approvals", self.base_url),
            "template sender    every minute of stack time, and from the page".to_owned(),
            if self.console_token_set {
                format!(
                    "console            {}/admin  (operator token: CONSOLE_OPERATOR_TOKEN)",
                    self.base_url
                )
            } else {
                // Made for this run and good only for this process: printed so the operator can
                // sign in.
                format!(
                    "console            {}/admin  (operator token: {})",
                    self.base_url, self.console_token
                )
            },
        ]
    }
}

fn sandbox_note(sandbox: bool) -> &'static str {
    if sandbox { "  (embedded sandbox)" } else { "  (from the environment)" }
}

/// The MoMo sandbox for `config`, which it completes: what `MOMO_*` leaves unset gets the
/// stack's defaults (the local subscription keys, an API user per product generated for this
/// run, the callback host of `PUBLIC_BASE_URL`), and the base URL becomes the sandbox's, so
/// the client and the sandbox agree whatever was set. Requests-to-pay wait for approval on
/// the simulator page (or `/momo/approvals`), as on the payer's phone.
fn momo_sandbox(
    config: &mut MomoConfig,
    base_url: &str,
    public_base: &str,
    wallet: &paybot::capabilities::wallet::WalletSettings,
) -> Result<MomoSandbox, BuildError> {
    let callback_host = match &config.callback_host {
        Some(host) => host.clone(),
        None => reqwest::Url::parse(public_base)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .ok_or_else(|| format!("PUBLIC_BASE_URL {public_base:?} has no host"))?,
    };
    let user = |credentials: &mut MomoProductCredentials, subscription_key: &str| {
        if credentials.subscription_key.is_empty() {
            credentials.subscription_key = paybot::config::Secret::new(subscription_key);
        }
        let generated = SandboxApiUser::generate(callback_host.as_str());
        if credentials.api_user.is_empty() {
            credentials.api_user = generated.user_id;
        }
        if credentials.api_key.is_empty() {
            credentials.api_key = paybot::config::Secret::new(generated.api_key);
        }
        SandboxApiUser::new(&credentials.api_user, credentials.api_key.expose(), callback_host.as_str())
    };
    let collection = user(&mut config.collection, LOCAL_MOMO_COLLECTION_KEY);
    let disbursement = user(&mut config.disbursement, LOCAL_MOMO_DISBURSEMENT_KEY);
    let mut sandbox_config = MomoSandboxConfig::new(
        config.collection.subscription_key.expose(),
        config.disbursement.subscription_key.expose(),
    )
    .with_api_user(collection)
    .with_api_user(disbursement);
    sandbox_config.target_environment = config.target_environment.clone();
    sandbox_config.currency = wallet.momo_currency.clone().unwrap_or_else(|| LOCAL_MOMO_CURRENCY.to_owned());
    sandbox_config.manual_approval = true;
    config.base_url = format!("{base_url}{MOMO_SANDBOX_PATH}");
    config.callback_host = Some(callback_host);
    Ok(MomoSandbox::new(sandbox_config)?)
}

/// 32 random bytes, base64.
fn random_key() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
}

/// Every merchant of the directory file, as the miaPOS sandbox must know them to hand out
/// tokens; callbacks default to this stack (the merchant's "admin UI" setting).
fn sandbox_merchants(file: &DirectoryFile, callback_url: &str) -> Vec<SandboxMerchant> {
    file.sellers
        .iter()
        .flat_map(|s| &s.merchants)
        .map(|m| {
            let merchant = SandboxMerchant::new(&m.merchant_id, &m.secret_key, &m.qr_terminal)
                .with_name(&m.name)
                .with_callback_url(callback_url);
            match &m.rtp_terminal {
                Some(rtp) => merchant.with_rtp_terminal(rtp),
                None => merchant,
            }
        })
        .collect()
}

/// The window store, telling the Cloud API sandbox when a user wrote, as Meta knows it from
/// the same message: the sandbox then holds free-form sends to the 24-hour rule as Meta does.
struct TellingWindows {
    inner: Arc<MemoryWindowStore>,
    cloud: Option<CloudApiSandbox>,
}

#[async_trait]
impl WindowStore for TellingWindows {
    async fn record_inbound(&self, contact: &ContactKey, at: DateTime<Utc>) -> StoreResult<()> {
        self.inner.record_inbound(contact, at).await?;
        if let Some(cloud) = &self.cloud
            && let Some(digits) = contact.user_key.strip_prefix('+')
        {
            cloud.user_wrote(digits, at);
        }
        Ok(())
    }

    async fn last_inbound(&self, contact: &ContactKey) -> StoreResult<Option<DateTime<Utc>>> {
        self.inner.last_inbound(contact).await
    }
}

/// The stack's background tasks; dropping this stops them.
pub struct Background {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A stack serving on a loopback port, for tests and tools: everything stops when dropped.
pub struct RunningStack {
    pub stack: Arc<LocalStack>,
    pub base_url: String,
    pub address: SocketAddr,
    _background: Background,
    server: JoinHandle<()>,
}

impl Drop for RunningStack {
    fn drop(&mut self) {
        self.stack.stop_long_polls();
        self.server.abort();
    }
}

/// Binds `settings.address`, builds the stack for it and serves it in the background.
pub async fn start(settings: &LocalSettings) -> Result<RunningStack, BuildError> {
    let listener = tokio::net::TcpListener::bind(settings.address).await?;
    let address = listener.local_addr()?;
    let base_url = local_base_url(address);
    let stack = Arc::new(LocalStack::build(settings, &base_url).await?);
    let background = stack.spawn_background();
    let app = stack.router().into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(error = %err, "local stack server stopped");
        }
    });
    Ok(RunningStack { stack, base_url, address, _background: background, server })
}
