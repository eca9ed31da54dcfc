use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use notify::{NotifyDeps, NotifySettings};
use paybot::adapters::aws::{
    AwsClients, DynamoDeliveryStatusStore, DynamoIdempotencyStore, DynamoOutboxStore, DynamoWindowStore,
    SqsQueue,
};
use paybot::clock::SystemClock;
use paybot::config::Config;
use paybot::whatsapp::cloud_api::CloudApiClient;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    paybot::telemetry::init();
    let (aws, config) = AwsClients::load_with_config().await?;
    let table = |value: &Option<String>, name| Config::require(value, name).map(str::to_owned);
    let deps = Arc::new(NotifyDeps {
        sender: Arc::new(CloudApiClient::new(
            &config.whatsapp.api_base,
            Config::require_secret(&config.whatsapp.access_token, "WHATSAPP_ACCESS_TOKEN")?.clone(),
        )),
        idempotency: Arc::new(DynamoIdempotencyStore::new(
            aws.dynamodb.clone(),
            table(&config.tables.idempotency, "IDEMPOTENCY_TABLE")?,
        )),
        statuses: Arc::new(DynamoDeliveryStatusStore::new(
            aws.dynamodb.clone(),
            table(&config.tables.message_status, "MESSAGE_STATUS_TABLE")?,
        )),
        parked: Arc::new(SqsQueue::new(aws.sqs.clone(), table(&config.queues.parked, "PARKED_QUEUE_URL")?)),
        windows: Arc::new(DynamoWindowStore::new(
            aws.dynamodb.clone(),
            table(&config.tables.contacts, "CONTACTS_TABLE")?,
        )),
        outbox: Arc::new(DynamoOutboxStore::new(
            aws.dynamodb.clone(),
            table(&config.tables.outbox, "OUTBOX_TABLE")?,
        )),
        clock: Arc::new(SystemClock),
        settings: NotifySettings::default(),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { Ok::<_, lambda_runtime::Error>(notify::handle_batch(&deps, event.payload).await) }
    }))
    .await
}
