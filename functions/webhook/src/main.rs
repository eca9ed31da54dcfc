use std::sync::Arc;

use paybot::clock::SystemClock;
use paybot::config::Config;
use paybot::wiring::{AwsStores, Stores};
use webhook::WebhookState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    paybot::telemetry::init();
    let aws = AwsStores::load().await?;
    let whatsapp = &aws.config.whatsapp;
    let state = WebhookState {
        verifier: paybot::whatsapp::WebhookVerifier::new(
            Config::require_secret(&whatsapp.app_secret, "WHATSAPP_APP_SECRET")?.expose(),
            Config::require_secret(&whatsapp.verify_token, "WHATSAPP_VERIFY_TOKEN")?.expose(),
        ),
        max_body_bytes: aws.config.webhook_max_body_bytes,
        windows: aws.windows()?,
        statuses: aws.statuses()?,
        outbox: aws.outbox()?,
        idempotency: aws.idempotency()?,
        inbound: aws.inbound()?,
        metrics: aws.metrics()?,
        clock: Arc::new(SystemClock),
    };
    lambda_http::run(webhook::router(Arc::new(state))).await
}
