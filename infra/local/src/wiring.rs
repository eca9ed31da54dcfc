//! The status and templates functions over the stack's adapters: built as their `main.rs`
//! builds them on Lambda, with the memory adapters instead of DynamoDB and SQS.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use paybot::capabilities::seller::{SellerCapability, SellerSettings};
use paybot::capabilities::wallet::WalletCapability;
use paybot::capabilities::wallet::settlement::SettlementDeps;
use paybot::config::ConfigError;
use paybot::miapos::CallbackVerifier;
use paybot::ports::{
    AlertStore, AuditLog, ContactStore, DeliveryStatusStore, Directory, FailedCommandLog, IdempotencyStore,
    MomoOperationStore, OutboxStore, PaymentLinkStore, WalletDirectory, WalletLinkStore, WindowStore,
};
use paybot::wiring::{Stores, WalletParts};
use status::{CallbackKeys, StatusState};
use templates::{TemplatesDeps, TemplatesSettings};

use crate::{Adapters, BuildError};

/// One run of the template sender; the text is its report, shown on the simulator page.
pub type TemplatesRun = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = String> + Send>> + Send + Sync>;

/// The stack's stores, as the functions are built from them on Lambda.
impl Stores for Adapters {
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
    fn bnpl_plans(&self) -> Result<Arc<dyn paybot::bnpl_plans::BnplPlanStore>, ConfigError> {
        Ok(self.bnpl_plans.clone())
    }
    fn alerts(&self) -> Result<Arc<dyn AlertStore>, ConfigError> {
        Ok(self.alerts.clone())
    }

    fn ledger(&self) -> Result<Arc<dyn paybot::ledger::Ledger>, ConfigError> {
        Ok(self.ledger.clone())
    }
    fn controls(&self) -> Result<Arc<dyn paybot::ports::ControlsStore>, ConfigError> {
        Ok(self.controls.clone())
    }
    fn escalations(&self) -> Result<Arc<dyn paybot::ports::EscalationStore>, ConfigError> {
        Ok(self.escalations.clone())
    }
    fn metrics(&self) -> Result<Arc<dyn paybot::ports::MetricsStore>, ConfigError> {
        Ok(self.metrics.clone())
    }
    fn susu_groups(&self) -> Result<Arc<dyn paybot::ports::SusuGroupStore>, ConfigError> {
        Ok(self.susu_groups.clone())
    }
    fn points_ledger(&self) -> Result<Arc<dyn paybot::ledger::Ledger>, ConfigError> {
        Ok(self.points_ledger.clone())
    }
}

/// The seller capability over the stack's stores, as `AwsStores::seller` builds it on Lambda.
pub fn seller(adapters: &Adapters) -> Result<SellerCapability, ConfigError> {
    let settings = SellerSettings::from_config(&adapters.config);
    paybot::wiring::seller(
        adapters,
        adapters.rail.clone(),
        adapters.clock.clone(),
        adapters.data_key.clone(),
        settings,
    )
}

/// The wallet over the stack's stores, as `AwsStores::wallet` builds it on Lambda: MoMo is
/// the stack's client, the one-time codes go to the SMS inbox the simulator shows.
pub fn wallet(adapters: &Adapters) -> Result<WalletCapability, ConfigError> {
    let otp_key = adapters.config.otp_key.clone().ok_or(ConfigError::Missing("OTP_KEY"))?;
    let parts = WalletParts {
        momo: adapters.momo.clone(),
        sms: adapters.sms.clone(),
        // The statements go to the embedded Cloud API sandbox's media endpoint.
        media: adapters.sender.clone(),
        clock: adapters.clock.clone(),
        otp_key,
        settings: adapters.config.wallet.clone(),
    };
    paybot::wiring::wallet(adapters, parts)
}

/// MoMo settlement (the status function's callbacks, the template sender's polls).
pub fn settlement(adapters: &Adapters) -> Result<SettlementDeps, ConfigError> {
    paybot::wiring::settlement(
        adapters,
        adapters.momo.clone(),
        adapters.outbound.clone(),
        adapters.clock.clone(),
        adapters.config.wallet.clone(),
    )
}

/// `POST /miapos/callback` and `POST|PUT /momo/callback/{reference}`. The sandbox's public key is in the configuration (unless
/// `MIAPOS_PUBLIC_KEY` says otherwise), so callbacks are verified as on Lambda with a
/// configured key; without one the key is fetched from the rail, as on Lambda.
pub fn status_router(adapters: &Adapters) -> Result<Router, BuildError> {
    let keys = match &adapters.config.miapos.public_key {
        Some(key) => CallbackKeys::configured(CallbackVerifier::from_base64_der(key)?),
        None => CallbackKeys::fetched(adapters.rail.clone(), adapters.data_key.clone()),
    };
    let state = StatusState {
        keys,
        links: adapters.links.clone(),
        directory: adapters.directory.clone(),
        contacts: adapters.contacts.clone(),
        outbound: adapters.outbound.clone(),
        audit: adapters.audit.clone(),
        idempotency: adapters.idempotency.clone(),
        metrics: adapters.metrics.clone(),
        checks: adapters.config.checks,
        clock: adapters.clock.clone(),
        momo: Some(settlement(adapters)?),
    };
    Ok(status::router(Arc::new(state)))
}

/// The scheduled template sender. Its settings come from the same environment variables as
/// on Lambda (`TEMPLATE_LANGUAGES`, `QUIET_HOURS`, …).
pub fn templates_run(adapters: &Adapters) -> Result<TemplatesRun, BuildError> {
    let deps = Arc::new(TemplatesDeps {
        outbox: adapters.outbox.clone(),
        windows: adapters.windows.clone(),
        directory: adapters.directory.clone(),
        contacts: adapters.contacts.clone(),
        links: adapters.links.clone(),
        idempotency: adapters.idempotency.clone(),
        metrics: adapters.metrics.clone(),
        audit: adapters.audit.clone(),
        rail: adapters.rail.clone(),
        outbound: adapters.outbound.clone(),
        data_key: adapters.data_key.clone(),
        clock: adapters.clock.clone(),
        checks: adapters.config.checks,
        // Moving the clock runs this too, so MoMo requests whose callback never came are read.
        momo: Some(settlement(adapters)?),
        susu: Some(paybot::wiring::susu(adapters, adapters.config.wallet.clone())?),
        settings: TemplatesSettings::from_config(&adapters.config)?,
    });
    Ok(Arc::new(move || {
        let deps = deps.clone();
        Box::pin(async move {
            match templates::run(&deps).await {
                Ok(report) => format!("{report:?}"),
                Err(err) => format!("failed: {err}"),
            }
        })
    }))
}
