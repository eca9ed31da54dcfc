//! The local stack: every function in one process on 127.0.0.1:3000 (see the README).

use local_stack::{LocalSettings, LocalStack};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    paybot::telemetry::init();
    let settings = LocalSettings::from_env()?;
    let stack = LocalStack::build(&settings)?;
    let listener = tokio::net::TcpListener::bind(settings.address).await?;
    tracing::info!(address = %settings.address, "local stack listening: open http://{}/", settings.address);
    stack.spawn_consumers();
    axum::serve(listener, stack.router()).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("local stack stopping");
}
