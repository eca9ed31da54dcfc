use std::sync::Arc;

use admin::{AdminDeps, ConsoleSettings};
use paybot::clock::SystemClock;
use paybot::wiring::AwsStores;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    paybot::telemetry::init();
    let aws = AwsStores::load().await?;
    let settings = ConsoleSettings::from_env()?;
    let deps = AdminDeps::new(&aws, aws.outbound()?, Arc::new(SystemClock), settings)?;
    lambda_http::run(admin::router(deps)).await
}
