use std::sync::Arc;

use command::{CommandDeps, CommandSettings};
use lambda_runtime::{LambdaEvent, service_fn};
use paybot::adapters::aws::{
    AwsClients, DynamoAuditLog, DynamoContactStore, DynamoDirectory, DynamoFailedCommandLog,
    DynamoIdempotencyStore, DynamoOutboxStore, DynamoPaymentLinkStore, SqsQueue,
};
use paybot::clock::SystemClock;
use paybot::config::Config;
use paybot::crypto::DataKey;
use paybot::miapos::{MiaposClient, MiaposClientConfig};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    paybot::telemetry::init();
    let (aws, config) = AwsClients::load_with_config().await?;
    let table = |value: &Option<String>, name| Config::require(value, name).map(str::to_owned);
    let db = || aws.dynamodb.clone();
    let deps = Arc::new(CommandDeps {
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
        failed_commands: Arc::new(DynamoFailedCommandLog::new(
            db(),
            table(&config.tables.failed_commands, "FAILED_COMMANDS_TABLE")?,
        )),
        outbox: Arc::new(DynamoOutboxStore::new(db(), table(&config.tables.outbox, "OUTBOX_TABLE")?)),
        rail: Arc::new(MiaposClient::new(MiaposClientConfig::from_config(&config.miapos))?),
        outbound: Arc::new(SqsQueue::new(
            aws.sqs.clone(),
            table(&config.queues.outbound, "OUTBOUND_QUEUE_URL")?,
        )),
        clock: Arc::new(SystemClock),
        data_key: DataKey::from_base64(
            config.data_key.as_ref().ok_or(paybot::config::ConfigError::Missing("DATA_KEY"))?.expose(),
        )?,
        settings: CommandSettings::from_config(&config),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { Ok::<_, lambda_runtime::Error>(command::handle_batch(&deps, event.payload).await) }
    }))
    .await
}
