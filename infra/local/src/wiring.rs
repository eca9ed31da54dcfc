//! The status and templates functions over the stack's adapters: built as their `main.rs`
//! builds them on Lambda, with the memory adapters instead of DynamoDB and SQS.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use paybot::capabilities::seller::{SellerCapability, SellerDeps, SellerSettings};
use paybot::miapos::CallbackVerifier;
use status::{CallbackKeys, StatusState};
use templates::{TemplatesDeps, TemplatesSettings};

use crate::{Adapters, BuildError};

/// One run of the template sender; the text is its report, shown on the simulator page.
pub type TemplatesRun = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = String> + Send>> + Send + Sync>;

/// The seller capability over the stack's adapters, as `AwsStores::seller` builds it on Lambda.
pub fn seller(adapters: &Adapters) -> SellerCapability {
    SellerCapability::new(SellerDeps {
        directory: adapters.directory.clone(),
        contacts: adapters.contacts.clone(),
        links: adapters.links.clone(),
        idempotency: adapters.idempotency.clone(),
        audit: adapters.audit.clone(),
        failed_commands: adapters.failed_commands.clone(),
        rail: adapters.rail.clone(),
        clock: adapters.clock.clone(),
        data_key: adapters.data_key.clone(),
        settings: SellerSettings::from_config(&adapters.config),
    })
}

/// `POST /miapos/callback`. The sandbox's public key is in the configuration (unless
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
        checks: adapters.config.checks,
        clock: adapters.clock.clone(),
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
        audit: adapters.audit.clone(),
        rail: adapters.rail.clone(),
        outbound: adapters.outbound.clone(),
        data_key: adapters.data_key.clone(),
        clock: adapters.clock.clone(),
        checks: adapters.config.checks,
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
