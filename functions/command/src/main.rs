use std::sync::Arc;

use command::{CommandDeps, CommandSettings};
use lambda_runtime::{LambdaEvent, service_fn};
use paybot::clock::SystemClock;
use paybot::wiring::{AwsStores, Stores};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    paybot::telemetry::init();
    let aws = AwsStores::load().await?;
    let deps = Arc::new(CommandDeps {
        directory: aws.directory()?,
        contacts: aws.contacts()?,
        idempotency: aws.idempotency()?,
        outbox: aws.outbox()?,
        outbound: aws.outbound()?,
        clock: Arc::new(SystemClock),
        capabilities: vec![Arc::new(aws.seller(Arc::new(SystemClock))?)],
        settings: CommandSettings::from_config(&aws.config),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { Ok::<_, lambda_runtime::Error>(command::handle_batch(&deps, event.payload).await) }
    }))
    .await
}
