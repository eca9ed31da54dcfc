//! One way to wire: every store, queue and client a function is built from, resolved from
//! the configuration once per cold start. Each function's `main.rs` takes what it needs; a
//! setting a function cannot run without is a clear error at cold start, named as the
//! README names it. Tests on moto build the same adapters from the same place.

use std::sync::Arc;

use crate::adapters::aws::{
    AwsClients, DynamoAlertStore, DynamoAuditLog, DynamoBnplPlanStore, DynamoContactStore,
    DynamoControlsStore, DynamoDeliveryStatusStore, DynamoDirectory, DynamoEscalationStore,
    DynamoFailedCommandLog, DynamoIdempotencyStore, DynamoLedger, DynamoMetricsStore,
    DynamoMomoOperationStore, DynamoOutboxStore, DynamoPaymentLinkStore, DynamoSusuGroupStore,
    DynamoWalletDirectory, DynamoWalletLinkStore, DynamoWindowStore, SnsSmsSender, SqsQueue,
};
use crate::adapters::memory::{
    MemoryAlertStore, MemoryAuditLog, MemoryBnplPlanStore, MemoryContactStore, MemoryControlsStore,
    MemoryDeliveryStatusStore, MemoryDirectory, MemoryEscalationStore, MemoryFailedCommandLog,
    MemoryIdempotencyStore, MemoryLedger, MemoryMetricsStore, MemoryMomoOperationStore, MemoryOutboxStore,
    MemoryPaymentLinkStore, MemorySmsInbox, MemorySusuGroupStore, MemoryWalletDirectory,
    MemoryWalletLinkStore, MemoryWindowStore,
};
use crate::bnpl_plans::BnplPlanStore;
use crate::capabilities::seller::{SellerCapability, SellerDeps, SellerSettings};
use crate::capabilities::wallet::settlement::{MomoDeps, SettlementDeps};
use crate::capabilities::wallet::{WalletCapability, WalletDeps, WalletSettings};
use crate::config::{Config, ConfigError, Secret, names};
use crate::crypto::DataKey;
use crate::ledger::Ledger;
use crate::miapos::{MiaposClient, MiaposClientConfig};
use crate::momo::{MobileMoney, MomoClient};
use crate::ports::{
    AlertStore, AuditLog, Clock, ContactStore, ControlsStore, DeliveryStatusStore, Directory,
    EscalationStore, FailedCommandLog, IdempotencyStore, MediaUploader, MetricsStore, MomoOperationStore,
    OutboxStore, PaymentLinkStore, PaymentRail, QueueSender, SmsSender, SusuGroupStore, WalletDirectory,
    WalletLinkStore, WindowStore,
};
use crate::whatsapp::cloud_api::CloudApiClient;

/// The stores of one deployment, by entity: DynamoDB on Lambda ([`AwsStores`]), the memory
/// twins in tests and the local stack ([`MemoryStores`]). Capabilities and functions are built
/// from them the same way whichever they are.
pub trait Stores {
    fn windows(&self) -> Result<Arc<dyn WindowStore>, ConfigError>;
    fn contacts(&self) -> Result<Arc<dyn ContactStore>, ConfigError>;
    fn statuses(&self) -> Result<Arc<dyn DeliveryStatusStore>, ConfigError>;
    fn directory(&self) -> Result<Arc<dyn Directory>, ConfigError>;
    fn links(&self) -> Result<Arc<dyn PaymentLinkStore>, ConfigError>;
    fn idempotency(&self) -> Result<Arc<dyn IdempotencyStore>, ConfigError>;
    fn audit(&self) -> Result<Arc<dyn AuditLog>, ConfigError>;
    fn failed_commands(&self) -> Result<Arc<dyn FailedCommandLog>, ConfigError>;
    fn outbox(&self) -> Result<Arc<dyn OutboxStore>, ConfigError>;
    fn wallet_accounts(&self) -> Result<Arc<dyn WalletDirectory>, ConfigError>;
    fn wallet_links(&self) -> Result<Arc<dyn WalletLinkStore>, ConfigError>;
    fn momo_operations(&self) -> Result<Arc<dyn MomoOperationStore>, ConfigError>;
    fn bnpl_plans(&self) -> Result<Arc<dyn BnplPlanStore>, ConfigError>;
    fn alerts(&self) -> Result<Arc<dyn AlertStore>, ConfigError>;
    fn ledger(&self) -> Result<Arc<dyn Ledger>, ConfigError>;
    fn controls(&self) -> Result<Arc<dyn ControlsStore>, ConfigError>;
    fn escalations(&self) -> Result<Arc<dyn EscalationStore>, ConfigError>;
    fn metrics(&self) -> Result<Arc<dyn MetricsStore>, ConfigError>;
    // ---- susu and points ----
    fn susu_groups(&self) -> Result<Arc<dyn SusuGroupStore>, ConfigError>;
    /// The loyalty points' ledger: its own accounts and unit, never mixed with money.
    fn points_ledger(&self) -> Result<Arc<dyn Ledger>, ConfigError>;
}

/// The seller capability over `stores`, the rail, the clock and the data key.
pub fn seller(
    stores: &dyn Stores,
    rail: Arc<dyn PaymentRail>,
    clock: Arc<dyn Clock>,
    data_key: DataKey,
    settings: SellerSettings,
) -> Result<SellerCapability, ConfigError> {
    Ok(SellerCapability::new(SellerDeps {
        directory: stores.directory()?,
        contacts: stores.contacts()?,
        links: stores.links()?,
        idempotency: stores.idempotency()?,
        audit: stores.audit()?,
        failed_commands: stores.failed_commands()?,
        rail,
        clock,
        data_key,
        settings,
    }))
}

/// What the wallet is built from besides the stores.
pub struct WalletParts {
    pub momo: Arc<dyn MobileMoney>,
    pub sms: Arc<dyn SmsSender>,
    /// The Cloud API's media endpoint (the statement PDFs).
    pub media: Arc<dyn MediaUploader>,
    pub clock: Arc<dyn Clock>,
    pub otp_key: Secret,
    pub settings: WalletSettings,
}

/// The wallet capability over `stores`.
pub fn wallet(stores: &dyn Stores, parts: WalletParts) -> Result<WalletCapability, ConfigError> {
    Ok(WalletCapability::new(WalletDeps {
        accounts: stores.wallet_accounts()?,
        links: stores.wallet_links()?,
        contacts: stores.contacts()?,
        ledger: stores.ledger()?,
        points: stores.points_ledger()?,
        susu: stores.susu_groups()?,
        operations: stores.momo_operations()?,
        plans: stores.bnpl_plans()?,
        momo: parts.momo,
        sms: parts.sms,
        media: parts.media,
        idempotency: stores.idempotency()?,
        audit: stores.audit()?,
        failed_commands: stores.failed_commands()?,
        alerts: stores.alerts()?,
        clock: parts.clock,
        otp_key: parts.otp_key,
        settings: parts.settings,
    }))
}

/// What settles MoMo operations (the status function's callbacks, the scheduled polls).
pub fn settlement(
    stores: &dyn Stores,
    momo: Arc<dyn MobileMoney>,
    outbound: Arc<dyn QueueSender>,
    clock: Arc<dyn Clock>,
    settings: WalletSettings,
) -> Result<SettlementDeps, ConfigError> {
    Ok(SettlementDeps {
        momo: MomoDeps {
            operations: stores.momo_operations()?,
            momo,
            ledger: stores.ledger()?,
            points: stores.points_ledger()?,
            alerts: stores.alerts()?,
            settings,
        },
        contacts: stores.contacts()?,
        directory: stores.directory()?,
        plans: stores.bnpl_plans()?,
        outbound,
        clock,
    })
}

/// What pays susu pots out (the scheduled function).
pub fn susu(
    stores: &dyn Stores,
    settings: WalletSettings,
) -> Result<crate::capabilities::wallet::susu::SusuDeps, ConfigError> {
    Ok(crate::capabilities::wallet::susu::SusuDeps {
        groups: stores.susu_groups()?,
        ledger: stores.ledger()?,
        accounts: stores.wallet_accounts()?,
        links: stores.wallet_links()?,
        contacts: stores.contacts()?,
        settings,
    })
}

/// The memory twins of every store, shared by whoever is built from them.
#[derive(Debug, Clone, Default)]
pub struct MemoryStores {
    pub windows: Arc<MemoryWindowStore>,
    pub contacts: Arc<MemoryContactStore>,
    pub statuses: Arc<MemoryDeliveryStatusStore>,
    pub directory: Arc<MemoryDirectory>,
    pub links: Arc<MemoryPaymentLinkStore>,
    pub idempotency: Arc<MemoryIdempotencyStore>,
    pub audit: Arc<MemoryAuditLog>,
    pub failed_commands: Arc<MemoryFailedCommandLog>,
    pub outbox: Arc<MemoryOutboxStore>,
    pub wallet_accounts: Arc<MemoryWalletDirectory>,
    pub wallet_links: Arc<MemoryWalletLinkStore>,
    pub momo_operations: Arc<MemoryMomoOperationStore>,
    pub bnpl_plans: Arc<MemoryBnplPlanStore>,
    pub alerts: Arc<MemoryAlertStore>,
    /// Not a store: the SMS that would have been sent, for tests to read the codes.
    pub sms: Arc<MemorySmsInbox>,
    pub ledger: Arc<MemoryLedger>,
    pub controls: Arc<MemoryControlsStore>,
    pub escalations: Arc<MemoryEscalationStore>,
    pub metrics: Arc<MemoryMetricsStore>,
    pub susu_groups: Arc<MemorySusuGroupStore>,
    pub points_ledger: Arc<MemoryLedger>,
}

impl Stores for MemoryStores {
    fn windows(&self) -> Result<Arc<dyn WindowStore>, ConfigError> {
        Ok(self.windows.clone())
    }
    fn contacts(&self) -> Result<Arc<dyn ContactStore>, ConfigError> {
        Ok(self.contacts.clone())
    }
    fn statuses(&self) -> Result<Arc<dyn DeliveryStatusStore>, ConfigError> {
        Ok(self.statuses.clone())
    }
    fn directory(&self) -> Result<Arc<dyn Directory>, ConfigError> {
        Ok(self.directory.clone())
    }
    fn links(&self) -> Result<Arc<dyn PaymentLinkStore>, ConfigError> {
        Ok(self.links.clone())
    }
    fn idempotency(&self) -> Result<Arc<dyn IdempotencyStore>, ConfigError> {
        Ok(self.idempotency.clone())
    }
    fn audit(&self) -> Result<Arc<dyn AuditLog>, ConfigError> {
        Ok(self.audit.clone())
    }
    fn failed_commands(&self) -> Result<Arc<dyn FailedCommandLog>, ConfigError> {
        Ok(self.failed_commands.clone())
    }
    fn outbox(&self) -> Result<Arc<dyn OutboxStore>, ConfigError> {
        Ok(self.outbox.clone())
    }
    fn wallet_accounts(&self) -> Result<Arc<dyn WalletDirectory>, ConfigError> {
        Ok(self.wallet_accounts.clone())
    }
    fn wallet_links(&self) -> Result<Arc<dyn WalletLinkStore>, ConfigError> {
        Ok(self.wallet_links.clone())
    }
    fn momo_operations(&self) -> Result<Arc<dyn MomoOperationStore>, ConfigError> {
        Ok(self.momo_operations.clone())
    }
    fn bnpl_plans(&self) -> Result<Arc<dyn BnplPlanStore>, ConfigError> {
        Ok(self.bnpl_plans.clone())
    }
    fn alerts(&self) -> Result<Arc<dyn AlertStore>, ConfigError> {
        Ok(self.alerts.clone())
    }

    fn ledger(&self) -> Result<Arc<dyn Ledger>, ConfigError> {
        Ok(self.ledger.clone())
    }
    fn controls(&self) -> Result<Arc<dyn ControlsStore>, ConfigError> {
        Ok(self.controls.clone())
    }
    fn escalations(&self) -> Result<Arc<dyn EscalationStore>, ConfigError> {
        Ok(self.escalations.clone())
    }
    fn metrics(&self) -> Result<Arc<dyn MetricsStore>, ConfigError> {
        Ok(self.metrics.clone())
    }
    fn susu_groups(&self) -> Result<Arc<dyn SusuGroupStore>, ConfigError> {
        Ok(self.susu_groups.clone())
    }
    fn points_ledger(&self) -> Result<Arc<dyn Ledger>, ConfigError> {
        Ok(self.points_ledger.clone())
    }
}

/// A function's error at cold start.
pub type WiringError = Box<dyn std::error::Error + Send + Sync>;

/// The AWS adapters of one deployment.
#[derive(Debug, Clone)]
pub struct AwsStores {
    pub clients: AwsClients,
    pub config: Config,
}

fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, ConfigError> {
    Config::require(value, name)
}

impl AwsStores {
    /// A Lambda's cold start: the SDK clients, then the configuration with the secret named
    /// by `PAYBOT_SECRET_ID` read once.
    pub async fn load() -> Result<AwsStores, ConfigError> {
        let (clients, config) = AwsClients::load_with_config().await?;
        Ok(AwsStores { clients, config })
    }

    fn db(&self) -> aws_sdk_dynamodb::Client {
        self.clients.dynamodb.clone()
    }

    pub fn inbound(&self) -> Result<Arc<dyn QueueSender>, ConfigError> {
        let url = required(&self.config.queues.inbound, names::INBOUND_QUEUE_URL)?;
        Ok(Arc::new(SqsQueue::new(self.clients.sqs.clone(), url)))
    }

    pub fn outbound(&self) -> Result<Arc<dyn QueueSender>, ConfigError> {
        let url = required(&self.config.queues.outbound, names::OUTBOUND_QUEUE_URL)?;
        Ok(Arc::new(SqsQueue::new(self.clients.sqs.clone(), url)))
    }

    /// Where notify parks what failed for good (the outbound dead-letter queue).
    pub fn parked(&self) -> Result<Arc<dyn QueueSender>, ConfigError> {
        let url = required(&self.config.queues.parked, names::PARKED_QUEUE_URL)?;
        Ok(Arc::new(SqsQueue::new(self.clients.sqs.clone(), url)))
    }

    /// The AES-256-GCM key of the stored merchant secrets.
    pub fn data_key(&self) -> Result<DataKey, WiringError> {
        let key = self.config.data_key.as_ref().ok_or(ConfigError::Missing("DATA_KEY"))?;
        Ok(DataKey::from_base64(key.expose())?)
    }

    /// One miaPOS client per process: it holds the merchants' token cache.
    pub fn rail(&self) -> Result<Arc<MiaposClient>, WiringError> {
        Ok(Arc::new(MiaposClient::new(MiaposClientConfig::from_config(&self.config.miapos))?))
    }

    /// The seller capability (payment links) as a Lambda runs it.
    pub fn seller(&self, clock: Arc<dyn Clock>) -> Result<SellerCapability, WiringError> {
        let settings = SellerSettings::from_config(&self.config);
        Ok(seller(self, self.rail()?, clock, self.data_key()?, settings)?)
    }

    /// One-time codes by SMS through SNS (`SMS_SENDER_ID` as the sender, where allowed).
    pub fn sms(&self) -> Arc<dyn SmsSender> {
        Arc::new(SnsSmsSender::new(self.clients.sns.clone(), self.config.sms_sender_id.clone()))
    }

    /// Whether this deployment runs the wallet: its accounts table, the OTP key and the MoMo
    /// credentials are configured. A deployment without them runs the rest; what is missing
    /// is logged once per cold start, named as the README names it.
    pub fn runs_wallet(&self) -> bool {
        if self.config.tables.wallet_accounts.is_none() {
            return false;
        }
        let missing = match (&self.config.otp_key, self.config.momo.require()) {
            (None, _) => Some("OTP_KEY".to_owned()),
            (Some(_), Err(err)) => Some(err.to_string()),
            (Some(_), Ok(())) => None,
        };
        if let Some(missing) = missing {
            tracing::warn!(%missing, "the wallet is not run: its settings are incomplete");
            return false;
        }
        true
    }

    /// One MoMo client per process: it holds the products' token cache.
    pub fn momo(&self) -> Result<Arc<MomoClient>, WiringError> {
        self.config.momo.require()?;
        Ok(Arc::new(MomoClient::new(self.config.momo.clone())?))
    }

    /// The wallet capability as a Lambda runs it, where the deployment runs the wallet.
    pub fn wallet(&self, clock: Arc<dyn Clock>) -> Result<Option<WalletCapability>, WiringError> {
        if !self.runs_wallet() {
            return Ok(None);
        }
        let otp_key = self.config.otp_key.clone().ok_or(ConfigError::Missing("OTP_KEY"))?;
        let parts = WalletParts {
            momo: self.momo()?,
            sms: self.sms(),
            media: self.cloud_api()?,
            clock,
            otp_key,
            settings: self.config.wallet.clone(),
        };
        Ok(Some(wallet(self, parts)?))
    }

    /// MoMo settlement as the status and scheduled functions run it, where the deployment
    /// runs the wallet.
    pub fn settlement(&self, clock: Arc<dyn Clock>) -> Result<Option<SettlementDeps>, WiringError> {
        if !self.runs_wallet() {
            return Ok(None);
        }
        Ok(Some(settlement(self, self.momo()?, self.outbound()?, clock, self.config.wallet.clone())?))
    }

    /// Susu payouts as the scheduled function runs them, where the deployment runs the wallet.
    pub fn susu(&self) -> Result<Option<crate::capabilities::wallet::susu::SusuDeps>, WiringError> {
        if !self.runs_wallet() {
            return Ok(None);
        }
        Ok(Some(susu(self, self.config.wallet.clone())?))
    }

    pub fn cloud_api(&self) -> Result<Arc<CloudApiClient>, ConfigError> {
        let token = Config::require_secret(&self.config.whatsapp.access_token, "WHATSAPP_ACCESS_TOKEN")?;
        Ok(Arc::new(CloudApiClient::new(&self.config.whatsapp.api_base, token.clone())))
    }
}

impl Stores for AwsStores {
    fn windows(&self) -> Result<Arc<dyn WindowStore>, ConfigError> {
        let table = required(&self.config.tables.contacts, names::CONTACTS_TABLE)?;
        Ok(Arc::new(DynamoWindowStore::new(self.db(), table)))
    }

    fn contacts(&self) -> Result<Arc<dyn ContactStore>, ConfigError> {
        let table = required(&self.config.tables.contacts, names::CONTACTS_TABLE)?;
        Ok(Arc::new(DynamoContactStore::new(self.db(), table)))
    }

    fn statuses(&self) -> Result<Arc<dyn DeliveryStatusStore>, ConfigError> {
        let table = required(&self.config.tables.message_status, names::MESSAGE_STATUS_TABLE)?;
        Ok(Arc::new(DynamoDeliveryStatusStore::new(self.db(), table)))
    }

    fn directory(&self) -> Result<Arc<dyn Directory>, ConfigError> {
        let table = required(&self.config.tables.directory, names::DIRECTORY_TABLE)?;
        Ok(Arc::new(DynamoDirectory::new(self.db(), table)))
    }

    fn links(&self) -> Result<Arc<dyn PaymentLinkStore>, ConfigError> {
        let table = required(&self.config.tables.payment_links, names::PAYMENT_LINKS_TABLE)?;
        Ok(Arc::new(DynamoPaymentLinkStore::new(self.db(), table)))
    }

    fn idempotency(&self) -> Result<Arc<dyn IdempotencyStore>, ConfigError> {
        let table = required(&self.config.tables.idempotency, names::IDEMPOTENCY_TABLE)?;
        Ok(Arc::new(DynamoIdempotencyStore::new(self.db(), table)))
    }

    fn audit(&self) -> Result<Arc<dyn AuditLog>, ConfigError> {
        let table = required(&self.config.tables.audit, names::AUDIT_TABLE)?;
        Ok(Arc::new(DynamoAuditLog::new(self.db(), table)))
    }

    fn failed_commands(&self) -> Result<Arc<dyn FailedCommandLog>, ConfigError> {
        let table = required(&self.config.tables.failed_commands, names::FAILED_COMMANDS_TABLE)?;
        Ok(Arc::new(DynamoFailedCommandLog::new(self.db(), table)))
    }

    fn outbox(&self) -> Result<Arc<dyn OutboxStore>, ConfigError> {
        let table = required(&self.config.tables.outbox, names::OUTBOX_TABLE)?;
        Ok(Arc::new(DynamoOutboxStore::new(self.db(), table)))
    }

    fn wallet_accounts(&self) -> Result<Arc<dyn WalletDirectory>, ConfigError> {
        let table = required(&self.config.tables.wallet_accounts, names::WALLET_ACCOUNTS_TABLE)?;
        Ok(Arc::new(DynamoWalletDirectory::new(self.db(), table)))
    }

    fn wallet_links(&self) -> Result<Arc<dyn WalletLinkStore>, ConfigError> {
        let table = required(&self.config.tables.wallet_links, names::WALLET_LINKS_TABLE)?;
        Ok(Arc::new(DynamoWalletLinkStore::new(self.db(), table)))
    }

    fn momo_operations(&self) -> Result<Arc<dyn MomoOperationStore>, ConfigError> {
        let table = required(&self.config.tables.momo_operations, names::MOMO_OPERATIONS_TABLE)?;
        Ok(Arc::new(DynamoMomoOperationStore::new(self.db(), table)))
    }

    fn bnpl_plans(&self) -> Result<Arc<dyn BnplPlanStore>, ConfigError> {
        let table = required(&self.config.tables.bnpl_plans, names::BNPL_PLANS_TABLE)?;
        Ok(Arc::new(DynamoBnplPlanStore::new(self.db(), table)))
    }

    fn alerts(&self) -> Result<Arc<dyn AlertStore>, ConfigError> {
        let table = required(&self.config.tables.alerts, names::ALERTS_TABLE)?;
        Ok(Arc::new(DynamoAlertStore::new(self.db(), table)))
    }

    fn ledger(&self) -> Result<Arc<dyn Ledger>, ConfigError> {
        let table = required(&self.config.tables.ledger, names::LEDGER_TABLE)?;
        Ok(Arc::new(DynamoLedger::new(self.db(), table)))
    }

    fn controls(&self) -> Result<Arc<dyn ControlsStore>, ConfigError> {
        let table = required(&self.config.tables.controls, names::CONTROLS_TABLE)?;
        Ok(Arc::new(DynamoControlsStore::new(self.db(), table)))
    }

    fn escalations(&self) -> Result<Arc<dyn EscalationStore>, ConfigError> {
        let table = required(&self.config.tables.escalations, names::ESCALATIONS_TABLE)?;
        Ok(Arc::new(DynamoEscalationStore::new(self.db(), table)))
    }

    fn metrics(&self) -> Result<Arc<dyn MetricsStore>, ConfigError> {
        let table = required(&self.config.tables.metrics, names::METRICS_TABLE)?;
        Ok(Arc::new(DynamoMetricsStore::new(self.db(), table)))
    }

    fn susu_groups(&self) -> Result<Arc<dyn SusuGroupStore>, ConfigError> {
        let table = required(&self.config.tables.susu_groups, names::SUSU_GROUPS_TABLE)?;
        Ok(Arc::new(DynamoSusuGroupStore::new(self.db(), table)))
    }

    fn points_ledger(&self) -> Result<Arc<dyn Ledger>, ConfigError> {
        let table = required(&self.config.tables.points_ledger, names::POINTS_LEDGER_TABLE)?;
        Ok(Arc::new(DynamoLedger::new(self.db(), table)))
    }
}
