use std::sync::Arc;

use command::{CommandDeps, CommandSettings};
use lambda_runtime::{LambdaEvent, service_fn};
use paybot::capabilities::Capability;
use paybot::clock::SystemClock;
use paybot::operator::controls::CachedControls;
use paybot::wiring::{AwsStores, Stores};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    paybot::telemetry::init();
    let aws = AwsStores::load().await?;
    let clock = Arc::new(SystemClock);
    let mut capabilities: Vec<Arc<dyn Capability>> = vec![Arc::new(aws.seller(clock.clone())?)];
    if let Some(wallet) = aws.wallet(clock.clone())? {
        capabilities.push(Arc::new(wallet));
    }
    let deps = Arc::new(CommandDeps {
        directory: aws.directory()?,
        contacts: aws.contacts()?,
        idempotency: aws.idempotency()?,
        outbox: aws.outbox()?,
        outbound: aws.outbound()?,
        clock,
        capabilities,
        controls: Arc::new(CachedControls::new(aws.controls()?, aws.config.limits.controls_cache)),
        escalations: aws.escalations()?,
        metrics: aws.metrics()?,
        settings: CommandSettings::from_config(&aws.config),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { Ok::<_, lambda_runtime::Error>(command::handle_batch(&deps, event.payload).await) }
    }))
    .await
}
