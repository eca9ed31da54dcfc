use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use paybot::adapters::aws::{
    AwsClients, DynamoAuditLog, DynamoContactStore, DynamoDirectory, DynamoIdempotencyStore,
    DynamoOutboxStore, DynamoPaymentLinkStore, DynamoWindowStore, SqsQueue,
};
use paybot::clock::SystemClock;
use paybot::config::{Config, ConfigError};
use paybot::crypto::DataKey;
use paybot::miapos::{MiaposClient, MiaposClientConfig};
use templates::{TemplatesDeps, TemplatesSettings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    paybot::telemetry::init();
    let (aws, config) = AwsClients::load_with_config().await?;
    let table = |value: &Option<String>, name| Config::require(value, name).map(str::to_owned);
    let db = || aws.dynamodb.clone();
    let deps = Arc::new(TemplatesDeps {
        outbox: Arc::new(DynamoOutboxStore::new(db(), table(&config.tables.outbox, "OUTBOX_TABLE")?)),
        windows: Arc::new(DynamoWindowStore::new(db(), table(&config.tables.contacts, "CONTACTS_TABLE")?)),
        directory: Arc::new(DynamoDirectory::new(db(), table(&config.tables.directory, "DIRECTORY_TABLE")?)),
        contacts: Arc::new(DynamoContactStore::new(db(), table(&config.tables.contacts, "CONTACTS_TABLE")?)),
        links: Arc::new(DynamoPaymentLinkStore::new(
            db(),
            table(&config.tables.payment_links, "PAYMENT_LINKS_TABLE")?,
        )),
        idempotency: Arc::new(DynamoIdempotencyStore::new(
            db(),
            table(&config.tables.idempotency, "IDEMPOTENCY_TABLE")?,
        )),
        audit: Arc::new(DynamoAuditLog::new(db(), table(&config.tables.audit, "AUDIT_TABLE")?)),
        rail: Arc::new(MiaposClient::new(MiaposClientConfig::from_config(&config.miapos))?),
        outbound: Arc::new(SqsQueue::new(
            aws.sqs.clone(),
            table(&config.queues.outbound, "OUTBOUND_QUEUE_URL")?,
        )),
        data_key: DataKey::from_base64(
            config.data_key.as_ref().ok_or(ConfigError::Missing("DATA_KEY"))?.expose(),
        )?,
        clock: Arc::new(SystemClock),
        checks: config.checks,
        settings: TemplatesSettings::from_env()?,
    });
    lambda_runtime::run(service_fn(move |_: LambdaEvent<EventBridgeEvent>| {
        let deps = deps.clone();
        async move {
            let report = templates::run(&deps).await?;
            tracing::info!(?report, "scheduled run done");
            Ok::<_, lambda_runtime::Error>(())
        }
    }))
    .await
}
