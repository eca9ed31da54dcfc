//! The local stack: every function in one process on 127.0.0.1:3000 (see the README).
//!
//!   cargo run -p local-stack          # then open http://127.0.0.1:3000/

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use local_stack::{LocalSettings, LocalStack, local_base_url};

/// After a stop signal, open connections get this long to finish.
const GRACE: Duration = Duration::from_secs(3);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    paybot::telemetry::init();
    let settings = LocalSettings::from_env()?;
    let listener = tokio::net::TcpListener::bind(settings.address).await.map_err(|e| {
        format!("cannot listen on {} ({e}); set LOCAL_ADDRESS to another host:port", settings.address)
    })?;
    let base_url = local_base_url(listener.local_addr()?);
    let stack = Arc::new(LocalStack::build(&settings, &base_url).await?);
    let _background = stack.spawn_background();
    for line in stack.describe() {
        tracing::info!("{line}");
    }
    tracing::info!("local stack ready: open {base_url}/");

    let app = stack.router().into_make_service_with_connect_info::<SocketAddr>();
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    let stopping = stack.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        stop_signal().await;
        tracing::info!("local stack stopping");
        // The simulator's long polls would otherwise hold the shutdown for up to 25 s.
        stopping.stop_long_polls();
        let _ = stopped_tx.send(());
    });
    tokio::select! {
        result = server => result?,
        _ = async {
            let _ = stopped_rx.await;
            tokio::time::sleep(GRACE).await;
        } => tracing::warn!("connections still open after the grace period; stopping anyway"),
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM from a script that started the stack in the background.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
