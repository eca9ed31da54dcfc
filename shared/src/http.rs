//! The one way the rails' HTTP clients are built: a base URL checked to be http(s), explicit
//! timeouts, and no redirects (the APIs never redirect; following one would resend the
//! credentials elsewhere).

use std::time::Duration;

use reqwest::Url;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ClientBuildError {
    /// The setting named, and the value that is not an http(s) URL.
    #[error("{setting} is not an http(s) URL: {value}")]
    BaseUrl { setting: &'static str, value: String },
    #[error("the HTTP client could not be built: {0}")]
    Http(String),
}

/// The checked base URL of `setting` and a client with the given timeouts.
pub fn api_client(
    setting: &'static str,
    base_url: &str,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<(Url, reqwest::Client), ClientBuildError> {
    let invalid = || ClientBuildError::BaseUrl { setting, value: base_url.to_owned() };
    let base = Url::parse(base_url.trim()).map_err(|_| invalid())?;
    if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
        return Err(invalid());
    }
    let http = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ClientBuildError::Http(e.to_string()))?;
    Ok((base, http))
}
