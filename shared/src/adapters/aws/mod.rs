//! AWS adapters. Every client is built from one `SdkConfig`, which honours
//! `AWS_ENDPOINT_URL` (and the per-service `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SNS`,
//! …) so moto can stand in for AWS.

//! One module per entity, as in the memory twins.

mod alerts;
mod audit;
mod bnpl_plans;
mod contacts;
mod controls;
mod delivery;
mod directory;
mod escalations;
mod failed_commands;
mod idempotency;
mod item;
mod ledger;
mod links;
mod metrics;
mod momo_operations;
mod outbox;
mod queue;
mod requests;
mod secrets;
mod sms;
mod susu_groups;
mod wallet_accounts;
mod wallet_links;
mod window;

pub use alerts::{ALERTS_BY_BUSINESS_INDEX, DynamoAlertStore};
pub use audit::DynamoAuditLog;
pub use bnpl_plans::{BNPL_BY_ACCOUNT_INDEX, DUE_PLANS_INDEX, DynamoBnplPlanStore};
pub use contacts::DynamoContactStore;
pub use controls::DynamoControlsStore;
pub use delivery::DynamoDeliveryStatusStore;
pub use directory::DynamoDirectory;
pub use escalations::{DynamoEscalationStore, OPEN_ESCALATIONS_INDEX};
pub use failed_commands::DynamoFailedCommandLog;
pub use idempotency::DynamoIdempotencyStore;
pub use ledger::DynamoLedger;
pub use links::{DUE_LINKS_INDEX, DynamoPaymentLinkStore, LINKS_BY_SELLER_INDEX};
pub use metrics::DynamoMetricsStore;
pub use momo_operations::{DUE_OPERATIONS_INDEX, DynamoMomoOperationStore};
pub use outbox::DynamoOutboxStore;
pub use queue::SqsQueue;
pub use requests::RequestCounter;
pub use secrets::SecretsManagerSource;
pub use sms::SnsSmsSender;
pub use susu_groups::DynamoSusuGroupStore;
pub use wallet_accounts::{DynamoWalletDirectory, WALLET_BY_PHONE_INDEX};
pub use wallet_links::DynamoWalletLinkStore;
pub use window::DynamoWindowStore;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;

/// The service name in `StoreError`s of the DynamoDB adapters.
const SERVICE: &str = "dynamodb";

/// The SDK clients a function needs, built once per cold start from one shared configuration.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    /// One-time codes by SMS.
    pub sns: aws_sdk_sns::Client,
}

impl AwsClients {
    /// Region, credentials and endpoint from the standard sources (environment, profile,
    /// the Lambda role).
    pub async fn load() -> Self {
        Self::from_sdk(&aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
    }

    /// The clients of one shared configuration (tests build one per moto).
    pub fn from_sdk(sdk: &aws_config::SdkConfig) -> Self {
        AwsClients {
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
            secrets: aws_sdk_secretsmanager::Client::new(sdk),
            sns: aws_sdk_sns::Client::new(sdk),
        }
    }

    /// The same clients with `counter` seeing every DynamoDB, SQS and SNS request they send.
    pub async fn load_counted(counter: &RequestCounter) -> Self {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(counter.clone()).build();
        let sqs = aws_sdk_sqs::config::Builder::from(&sdk).interceptor(counter.clone()).build();
        let sns = aws_sdk_sns::config::Builder::from(&sdk).interceptor(counter.clone()).build();
        AwsClients {
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb),
            sqs: aws_sdk_sqs::Client::from_conf(sqs),
            secrets: aws_sdk_secretsmanager::Client::new(&sdk),
            sns: aws_sdk_sns::Client::from_conf(sns),
        }
    }

    /// Every Lambda's cold start: the clients, then the configuration with the secret named
    /// by `PAYBOT_SECRET_ID` read once.
    pub async fn load_with_config() -> Result<(AwsClients, crate::config::Config), crate::config::ConfigError>
    {
        let aws = Self::load().await;
        let config = crate::config::Config::load(&SecretsManagerSource::new(aws.secrets.clone())).await?;
        Ok((aws, config))
    }
}

/// A short description of an SDK error for logs and `StoreError`s: the service's error code
/// and message where there is one, never the request. The SDK crates share one error type.
pub(crate) fn describe<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => aws_sdk_dynamodb::error::DisplayErrorContext(err).to_string(),
    }
}

pub(crate) type Item = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// The one way the adapters read an item: by its single key attribute, strongly consistent
/// (a claim, a window or a link just written must be read back as written).
pub(crate) async fn get_item(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: &str,
    value: impl Into<String>,
    projection: Option<&str>,
) -> crate::StoreResult<Option<Item>> {
    let key = Item::from([(key.to_owned(), aws_sdk_dynamodb::types::AttributeValue::S(value.into()))]);
    get_item_by_key(client, table, key, projection).await
}

/// [`get_item`] by a whole key (a partition and a sort key).
pub(crate) async fn get_item_by_key(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: Item,
    projection: Option<&str>,
) -> crate::StoreResult<Option<Item>> {
    client
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .set_projection_expression(projection.map(str::to_owned))
        .consistent_read(true)
        .send()
        .await
        .map(|output| output.item)
        .map_err(|err| crate::StoreError::unavailable("dynamodb", describe(&err)))
}

/// How long a write that lost a race waits before its next round: full jitter over
/// 5 ms × 2^attempt, at most 200 ms, so that racing writers spread out.
pub(crate) fn backoff(attempt: u32) -> std::time::Duration {
    use rand::Rng;
    let base = std::time::Duration::from_millis(5);
    let bound = base.saturating_mul(1 << attempt.min(16)).min(std::time::Duration::from_millis(200));
    std::time::Duration::from_millis(rand::rng().random_range(0..=bound.as_millis() as u64))
}

/// A conditional write that lost: the expected outcome of every "only if" in the adapters.
pub(crate) fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
    err: &aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> bool {
    err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// Whether a conditional write was applied: `false` when its condition failed (the expected
/// "only if" outcome), an error for anything else.
pub(crate) fn applied<T, E>(
    result: Result<T, aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>>,
) -> crate::StoreResult<bool>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if is_condition_failure(&err) => Ok(false),
        Err(err) => Err(crate::StoreError::unavailable(SERVICE, describe(&err))),
    }
}

/// A `TransactWriteItems` that DynamoDB cancelled: each item's reason code, in the order of
/// the items (`ConditionalCheckFailed`, `TransactionConflict`, `None` for an item that was not
/// the cause).
#[derive(Debug)]
pub(crate) struct Cancelled(pub Vec<String>);

impl Cancelled {
    /// Whether the item at `index` failed its condition.
    pub(crate) fn condition_failed(&self, index: usize) -> bool {
        self.0.get(index).map(String::as_str) == Some("ConditionalCheckFailed")
    }
}

/// The one way the adapters write several items at once, all or none: `Err(Cancelled)` when a
/// condition failed or another transaction held an item, an error when the call failed.
pub(crate) async fn transact(
    client: &aws_sdk_dynamodb::Client,
    items: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
) -> crate::StoreResult<Result<(), Cancelled>> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match client.transact_write_items().set_transact_items(Some(items)).send().await {
        Ok(_) => Ok(Ok(())),
        Err(err) => match err.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => Ok(Err(Cancelled(
                cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|reason| reason.code().unwrap_or("None").to_owned())
                    .collect(),
            ))),
            _ => Err(crate::StoreError::unavailable(SERVICE, describe(&err))),
        },
    }
}
