use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use paybot::clock::SystemClock;
use paybot::wiring::{AwsStores, Stores};
use templates::{TemplatesDeps, TemplatesSettings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    paybot::telemetry::init();
    let aws = AwsStores::load().await?;
    let deps = Arc::new(TemplatesDeps {
        outbox: aws.outbox()?,
        windows: aws.windows()?,
        directory: aws.directory()?,
        contacts: aws.contacts()?,
        links: aws.links()?,
        idempotency: aws.idempotency()?,
        metrics: aws.metrics()?,
        audit: aws.audit()?,
        rail: aws.rail()?,
        outbound: aws.outbound()?,
        data_key: aws.data_key()?,
        clock: Arc::new(SystemClock),
        checks: aws.config.checks,
        momo: aws.settlement(Arc::new(SystemClock))?,
        susu: aws.susu()?,
        settings: TemplatesSettings::from_config(&aws.config)?,
    });
    lambda_runtime::run(service_fn(move |_: LambdaEvent<EventBridgeEvent>| {
        let deps = deps.clone();
        async move {
            let report = templates::run(&deps).await?;
            tracing::info!(?report, "scheduled run done");
            Ok::<_, lambda_runtime::Error>(())
        }
    }))
    .await
}
