use std::sync::Arc;

use command::{CommandDeps, CommandSettings};
use lambda_runtime::{LambdaEvent, service_fn};
use paybot::clock::SystemClock;
use paybot::wiring::AwsStores;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    paybot::telemetry::init();
    let aws = AwsStores::load().await?;
    let deps = Arc::new(CommandDeps {
        directory: aws.directory()?,
        contacts: aws.contacts()?,
        links: aws.links()?,
        idempotency: aws.idempotency()?,
        audit: aws.audit()?,
        failed_commands: aws.failed_commands()?,
        outbox: aws.outbox()?,
        rail: aws.rail()?,
        outbound: aws.outbound()?,
        clock: Arc::new(SystemClock),
        data_key: aws.data_key()?,
        settings: CommandSettings::from_config(&aws.config),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { Ok::<_, lambda_runtime::Error>(command::handle_batch(&deps, event.payload).await) }
    }))
    .await
}
