use std::sync::Arc;

use paybot::adapters::aws::{
    AwsClients, DynamoDeliveryStatusStore, DynamoIdempotencyStore, DynamoOutboxStore, DynamoWindowStore,
    SqsQueue,
};
use paybot::clock::SystemClock;
use paybot::config::Config;
use webhook::WebhookState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    paybot::telemetry::init();
    let (aws, config) = AwsClients::load_with_config().await?;
    let state = WebhookState {
        verifier: paybot::whatsapp::WebhookVerifier::new(
            Config::require_secret(&config.whatsapp.app_secret, "WHATSAPP_APP_SECRET")?.expose(),
            Config::require_secret(&config.whatsapp.verify_token, "WHATSAPP_VERIFY_TOKEN")?.expose(),
        ),
        max_body_bytes: config.webhook_max_body_bytes,
        windows: Arc::new(DynamoWindowStore::new(
            aws.dynamodb.clone(),
            Config::require(&config.tables.contacts, "CONTACTS_TABLE")?,
        )),
        statuses: Arc::new(DynamoDeliveryStatusStore::new(
            aws.dynamodb.clone(),
            Config::require(&config.tables.message_status, "MESSAGE_STATUS_TABLE")?,
        )),
        outbox: Arc::new(DynamoOutboxStore::new(
            aws.dynamodb.clone(),
            Config::require(&config.tables.outbox, "OUTBOX_TABLE")?,
        )),
        idempotency: Arc::new(DynamoIdempotencyStore::new(
            aws.dynamodb.clone(),
            Config::require(&config.tables.idempotency, "IDEMPOTENCY_TABLE")?,
        )),
        inbound: Arc::new(SqsQueue::new(
            aws.sqs.clone(),
            Config::require(&config.queues.inbound, "INBOUND_QUEUE_URL")?,
        )),
        clock: Arc::new(SystemClock),
    };
    lambda_http::run(webhook::router(Arc::new(state))).await
}
