//! AWS adapters. Every client is built from one `SdkConfig`, which honours
//! `AWS_ENDPOINT_URL` (and the per-service `AWS_ENDPOINT_URL_DYNAMODB`, …) so moto can
//! stand in for AWS.

mod dynamodb;
mod records;
mod secrets;
mod sqs;

pub use dynamodb::{DynamoDeliveryStatusStore, DynamoWindowStore};
pub use records::{
    DynamoAuditLog, DynamoContactStore, DynamoDirectory, DynamoFailedCommandLog, DynamoIdempotencyStore,
    DynamoOutboxStore, DynamoPaymentLinkStore, LINKS_BY_SELLER_INDEX, OPEN_LINKS_INDEX,
};
pub use secrets::SecretsManagerSource;
pub use sqs::SqsQueue;

/// The SDK clients a function needs, built once per cold start from one shared configuration.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl AwsClients {
    /// Region, credentials and endpoint from the standard sources (environment, profile,
    /// the Lambda role).
    pub async fn load() -> Self {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        AwsClients {
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            secrets: aws_sdk_secretsmanager::Client::new(&sdk),
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
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => aws_sdk_dynamodb::error::DisplayErrorContext(err).to_string(),
    }
}
