//! The local stack: the functions' own routers and handlers over in-memory adapters,
//! in-process queues and a clock that can be moved forward.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use paybot::adapters::memory::{ManualClock, MemoryDeliveryStatusStore, MemoryQueue, MemoryWindowStore};
use paybot::config::{Config, ConfigError, Secret};
use paybot::domain::InboundMessage;
use paybot::ports::QueueReceiver;
use paybot::whatsapp::WebhookVerifier;
use webhook::WebhookState;

/// The secrets the local stack uses when the environment gives none, so that a fresh clone
/// runs without a Meta app. Documented in the README; never used by the Lambdas.
pub const LOCAL_APP_SECRET: &str = "local-app-secret";
pub const LOCAL_VERIFY_TOKEN: &str = "local-verify-token";

pub struct LocalSettings {
    pub address: SocketAddr,
    pub config: Config,
}

impl LocalSettings {
    /// The documented configuration, with local defaults for the webhook secrets and
    /// `LOCAL_ADDRESS` (default `127.0.0.1:3000`).
    pub fn from_env() -> Result<LocalSettings, ConfigError> {
        let mut config = Config::from_env()?;
        if config.whatsapp.app_secret.is_empty() {
            config.whatsapp.app_secret = Secret::new(LOCAL_APP_SECRET);
        }
        if config.whatsapp.verify_token.is_empty() {
            config.whatsapp.verify_token = Secret::new(LOCAL_VERIFY_TOKEN);
        }
        let address = std::env::var("LOCAL_ADDRESS").unwrap_or_else(|_| "127.0.0.1:3000".into());
        let address = address.parse().map_err(|_| ConfigError::Invalid {
            name: "LOCAL_ADDRESS",
            reason: "expected host:port, e.g. 127.0.0.1:3000".into(),
        })?;
        Ok(LocalSettings { address, config })
    }
}

/// Every adapter of the stack, shared by the functions mounted on it.
pub struct LocalStack {
    pub clock: Arc<ManualClock>,
    pub windows: Arc<MemoryWindowStore>,
    pub statuses: Arc<MemoryDeliveryStatusStore>,
    pub inbound: Arc<MemoryQueue>,
    webhook: Arc<WebhookState>,
}

impl LocalStack {
    pub fn build(settings: &LocalSettings) -> Result<LocalStack, ConfigError> {
        let config = &settings.config;
        let clock = Arc::new(ManualClock::default());
        let windows = Arc::new(MemoryWindowStore::default());
        let statuses = Arc::new(MemoryDeliveryStatusStore::default());
        let inbound = Arc::new(MemoryQueue::fifo(clock.clone()));
        let webhook = Arc::new(WebhookState {
            verifier: WebhookVerifier::new(
                config.whatsapp.app_secret.expose(),
                config.whatsapp.verify_token.expose(),
            ),
            max_body_bytes: config.webhook_max_body_bytes,
            windows: windows.clone(),
            statuses: statuses.clone(),
            inbound: inbound.clone(),
            clock: clock.clone(),
        });
        Ok(LocalStack { clock, windows, statuses, inbound, webhook })
    }

    /// The same routers the Lambdas serve, on one server.
    pub fn router(&self) -> Router {
        Router::new().route("/", get(start_page)).merge(webhook::router(self.webhook.clone()))
    }

    /// Consumes the inbound queue as the command function's event source mapping would.
    /// Until the command function exists the messages are logged (without phone numbers).
    pub fn spawn_consumers(&self) {
        let inbound = self.inbound.clone();
        tokio::spawn(async move {
            loop {
                inbound.wait_for_message().await;
                let Ok(batch) = inbound.receive(10).await else { continue };
                for received in batch {
                    match serde_json::from_str::<InboundMessage>(&received.body) {
                        Ok(message) => tracing::info!(
                            id = %message.id,
                            from = ?message.from.phone,
                            "inbound message queued for the command function"
                        ),
                        Err(err) => tracing::warn!(error = %err, "unreadable inbound message"),
                    }
                    let _ = inbound.delete(&received.receipt).await;
                }
            }
        });
    }
}

async fn start_page() -> Html<&'static str> {
    Html(include_str!("start.html"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use paybot::domain::ContactKey;
    use paybot::ports::WindowStore;
    use tower::ServiceExt;

    fn settings() -> LocalSettings {
        let config = Config::from_lookup(|_| None).unwrap();
        let mut settings = LocalSettings { address: "127.0.0.1:0".parse().unwrap(), config };
        settings.config.whatsapp.app_secret = Secret::new(LOCAL_APP_SECRET);
        settings.config.whatsapp.verify_token = Secret::new(LOCAL_VERIFY_TOKEN);
        settings
    }

    #[tokio::test]
    async fn the_stack_serves_the_webhook_over_memory_adapters() {
        let stack = LocalStack::build(&settings()).unwrap();
        let body = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"37369002773","phone_number_id":"106540352242922"},"messages":[{"from":"37369123456","id":"wamid.L1","timestamp":"1763700000","type":"text","text":{"body":"pay 100"}}]}}]}]}"#;
        let request = Request::post("/webhook")
            .header("x-hub-signature-256", WebhookVerifier::sign(LOCAL_APP_SECRET, body.as_bytes()))
            .body(Body::from(body))
            .unwrap();
        let response = stack.router().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(stack.inbound.ready_len(), 1);
        let contact =
            ContactKey { business_number_id: "106540352242922".into(), user_key: "+37369123456".into() };
        assert_eq!(stack.windows.last_inbound(&contact).await.unwrap().unwrap().timestamp(), 1_763_700_000);
        let page = stack.router().oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
    }
}
