use std::sync::Arc;

use paybot::clock::SystemClock;
use paybot::miapos::CallbackVerifier;
use paybot::wiring::{AwsStores, Stores};
use status::{CallbackKeys, StatusState};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    paybot::telemetry::init();
    let aws = AwsStores::load().await?;
    let keys = match &aws.config.miapos.public_key {
        Some(key) => CallbackKeys::configured(CallbackVerifier::from_base64_der(key)?),
        None => CallbackKeys::fetched(aws.rail()?, aws.data_key()?),
    };
    let state = StatusState {
        keys,
        links: aws.links()?,
        directory: aws.directory()?,
        contacts: aws.contacts()?,
        outbound: aws.outbound()?,
        audit: aws.audit()?,
        idempotency: aws.idempotency()?,
        metrics: aws.metrics()?,
        checks: aws.config.checks,
        clock: Arc::new(SystemClock),
        momo: aws.settlement(Arc::new(SystemClock))?,
    };
    lambda_http::run(status::router(Arc::new(state))).await
}
