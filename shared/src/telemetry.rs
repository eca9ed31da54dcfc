//! Tracing set-up shared by every function and the local stack.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once: level from `RUST_LOG` (default `info`), format from
/// `LOG_FORMAT` (`json` on Lambda for CloudWatch Logs Insights, text otherwise).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    // `try_init` so that a second call (tests, the local stack) is harmless.
    let _ =
        if json { builder.json().flatten_event(true).without_time().try_init() } else { builder.try_init() };
}
