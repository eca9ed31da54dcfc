use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use notify::{NotifyDeps, NotifySettings};
use paybot::clock::SystemClock;
use paybot::wiring::{AwsStores, Stores};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    paybot::telemetry::init();
    let aws = AwsStores::load().await?;
    let deps = Arc::new(NotifyDeps {
        sender: aws.cloud_api()?,
        idempotency: aws.idempotency()?,
        statuses: aws.statuses()?,
        parked: aws.parked()?,
        windows: aws.windows()?,
        outbox: aws.outbox()?,
        metrics: aws.metrics()?,
        clock: Arc::new(SystemClock),
        settings: NotifySettings::from_config(&aws.config),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { Ok::<_, lambda_runtime::Error>(notify::handle_batch(&deps, event.payload).await) }
    }))
    .await
}
