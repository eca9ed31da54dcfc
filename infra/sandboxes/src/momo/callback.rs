//! Callbacks: once a request reaches its final state, the sandbox sends the GET result's
//! shape, unsigned (as MoMo does), to the request's `X-Callback-Url`, from a background task.

use std::time::Duration;

use uuid::Uuid;

use super::Kind;

/// What happens to the callbacks of final requests, to test lost and duplicate deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallbackMode {
    /// Sent once, no retry (one version of MTN's callback page).
    #[default]
    Deliver,
    /// Not sent; recorded as dropped.
    Drop,
    /// Sent twice, one after the other.
    Duplicate,
}

/// MTN documents POST and tells integrators to accept PUT as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallbackMethod {
    #[default]
    Post,
    Put,
}

impl CallbackMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackMethod::Post => "POST",
            CallbackMethod::Put => "PUT",
        }
    }
}

/// One callback the sandbox sent, tried to send, or dropped on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackDelivery {
    pub kind: Kind,
    pub reference: Uuid,
    pub url: String,
    pub method: CallbackMethod,
    /// The exact body (sent or not).
    pub body: String,
    /// The receiver's answer; `None` when the request failed or was dropped.
    pub http_status: Option<u16>,
    pub error: Option<String>,
    /// Dropped by [`CallbackMode::Drop`]: never sent.
    pub dropped: bool,
}

impl CallbackDelivery {
    pub fn delivered(&self) -> bool {
        self.http_status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends one callback and reports the receiver's status or the transport error.
pub(super) async fn send(
    http: &reqwest::Client,
    method: CallbackMethod,
    url: &str,
    body: &str,
    timeout: Duration,
) -> (Option<u16>, Option<String>) {
    let request = match method {
        CallbackMethod::Post => http.post(url),
        CallbackMethod::Put => http.put(url),
    };
    let outcome = request
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .send()
        .await;
    match outcome {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(e) => (None, Some(e.without_url().to_string())),
    }
}
