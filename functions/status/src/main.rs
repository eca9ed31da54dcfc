use std::sync::Arc;

use paybot::adapters::aws::{
    AwsClients, DynamoAuditLog, DynamoContactStore, DynamoDirectory, DynamoIdempotencyStore,
    DynamoPaymentLinkStore, SqsQueue,
};
use paybot::clock::SystemClock;
use paybot::config::{Config, ConfigError};
use paybot::crypto::DataKey;
use paybot::miapos::{CallbackVerifier, MiaposClient, MiaposClientConfig};
use status::{CallbackKeys, StatusState};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    paybot::telemetry::init();
    let (aws, config) = AwsClients::load_with_config().await?;
    let table = |value: &Option<String>, name| Config::require(value, name).map(str::to_owned);
    let db = || aws.dynamodb.clone();
    let keys = match &config.miapos.public_key {
        Some(key) => CallbackKeys::configured(CallbackVerifier::from_base64_der(key)?),
        None => CallbackKeys::fetched(
            Arc::new(MiaposClient::new(MiaposClientConfig::from_config(&config.miapos))?),
            DataKey::from_base64(config.data_key.as_ref().ok_or(ConfigError::Missing("DATA_KEY"))?.expose())?,
        ),
    };
    let state = StatusState {
        keys,
        links: Arc::new(DynamoPaymentLinkStore::new(
            db(),
            table(&config.tables.payment_links, "PAYMENT_LINKS_TABLE")?,
        )),
        directory: Arc::new(DynamoDirectory::new(db(), table(&config.tables.directory, "DIRECTORY_TABLE")?)),
        contacts: Arc::new(DynamoContactStore::new(db(), table(&config.tables.contacts, "CONTACTS_TABLE")?)),
        outbound: Arc::new(SqsQueue::new(
            aws.sqs.clone(),
            table(&config.queues.outbound, "OUTBOUND_QUEUE_URL")?,
        )),
        audit: Arc::new(DynamoAuditLog::new(db(), table(&config.tables.audit, "AUDIT_TABLE")?)),
        idempotency: Arc::new(DynamoIdempotencyStore::new(
            db(),
            table(&config.tables.idempotency, "IDEMPOTENCY_TABLE")?,
        )),
        checks: config.checks,
        clock: Arc::new(SystemClock),
    };
    lambda_http::run(status::router(Arc::new(state))).await
}
