//! A WhatsApp Cloud API sandbox: an axum router that plays Meta's send endpoint for tests and
//! the local stack.
//!
//! It is written from Meta's documentation (`reference/whatsapp-cloud-api.md`), not from the
//! bot's code, and does not depend on the `paybot` crate: a mistake in the bot's client must
//! not be mirrored here, where it would go unnoticed.
//!
//! - `POST /{version}/{phone_number_id}/messages`: checks the bearer token (401, code 190),
//!   holds the body to Meta's rules and limits (400, code 100), records the message and answers
//!   as Meta does. Mount the router at the root (or nested under a prefix) and give the client
//!   `<sandbox>/v23.0` as its API base.
//! - `POST /{version}/{phone_number_id}/media`: a multipart upload (`messaging_product=whatsapp`,
//!   `file` with its MIME type, optionally `type` repeating it), held to Meta's types and sizes
//!   (documents 100 MB, images 5 MB); answers `{"id":"<media id>"}`. A `document` message must
//!   name a media id this number uploaded (or a `link`). The simulator opens an uploaded file at
//!   `GET /_sandbox/media/{id}` (the reference documents no download route of Meta's).
//! - Controls for tests ([`CloudApiSandbox::fail_next`], [`CloudApiSandbox::set_delay`], the
//!   24-hour window rule, random faults with [`CloudApiSandbox::set_faults`]) and for the
//!   browser simulator (`GET /_sandbox/messages`, `POST /_sandbox/fail`). The `_sandbox`
//!   routes answer this machine only ([`crate::local_only`]): they show every message the bot
//!   sent. The send endpoint stays open, as Meta's is to anyone with the token.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use rand::distr::Alphanumeric;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// Meta's limits, counted in Unicode scalar values (reference: "Limits").
pub mod limits {
    pub const TEXT_BODY: usize = 4096;
    pub const INTERACTIVE_BODY: usize = 1024;
    pub const LIST_BUTTON: usize = 20;
    pub const SECTION_TITLE: usize = 24;
    pub const ROW_TITLE: usize = 24;
    pub const ROW_DESCRIPTION: usize = 72;
    pub const ROWS_TOTAL: usize = 10;
    pub const SECTIONS: usize = 10;
    pub const ROW_ID: usize = 200;
    pub const HEADER_FOOTER: usize = 60;
    pub const REPLY_BUTTON_TITLE: usize = 20;
    pub const REPLY_BUTTONS: usize = 3;
    /// Meta documents 256 for a reply button's id.
    pub const REPLY_BUTTON_ID: usize = 256;
    /// A media message's caption.
    pub const CAPTION: usize = 1024;
    /// The largest document the media endpoint takes.
    pub const DOCUMENT_BYTES: usize = 100 * 1024 * 1024;
    /// The largest image.
    pub const IMAGE_BYTES: usize = 5 * 1024 * 1024;
}

/// The MIME types the media endpoint takes, with the largest file of each.
fn media_limit(mime_type: &str) -> Option<usize> {
    match mime_type {
        "application/pdf"
        | "text/plain"
        | "application/msword"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.ms-excel"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some(limits::DOCUMENT_BYTES),
        "image/jpeg" | "image/png" => Some(limits::IMAGE_BYTES),
        _ => None,
    }
}

/// A file uploaded to the media endpoint.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct UploadedMedia {
    pub id: String,
    pub phone_number_id: String,
    pub mime_type: String,
    /// The file name of the multipart part, if it had one.
    pub filename: Option<String>,
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub size: usize,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for UploadedMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadedMedia")
            .field("id", &self.id)
            .field("mime_type", &self.mime_type)
            .field("filename", &self.filename)
            .field("size", &self.size)
            .finish()
    }
}

/// How long a user's last message keeps the customer-service window open.
pub const WINDOW: chrono::Duration = chrono::Duration::hours(24);

/// A message the sandbox accepted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentMessage {
    /// Increases by one per accepted message, from 1: the simulator polls with `after=<seq>`.
    pub seq: u64,
    pub phone_number_id: String,
    pub to: String,
    /// The request body exactly as received.
    pub body: Value,
    pub wamid: String,
    pub at: DateTime<Utc>,
}

impl SentMessage {
    /// The body's `type` (`text` when absent, as Meta assumes).
    pub fn kind(&self) -> &str {
        self.body.get("type").and_then(Value::as_str).unwrap_or("text")
    }

    /// The text of a text message or the body of an interactive one.
    pub fn text(&self) -> Option<&str> {
        match self.kind() {
            "text" => self.body.pointer("/text/body").and_then(Value::as_str),
            "interactive" => self.body.pointer("/interactive/body/text").and_then(Value::as_str),
            "document" => self.body.pointer("/document/caption").and_then(Value::as_str),
            _ => None,
        }
    }
}

/// An error answer queued by [`CloudApiSandbox::fail_next`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct InjectedFailure {
    code: i64,
    status: StatusCode,
    remaining: usize,
}

/// Random faults of the send endpoint, for a fault-injection run: each well-formed, authorised
/// message send draws at most one fault, with these probabilities (each 0 to 1, their sum at
/// most 1). Mark-as-read requests are not messages and are left alone. The draws come from a
/// generator seeded with `seed`, so one seed gives one sequence of faults (which request gets
/// which draw still depends on the order requests arrive in).
#[derive(Debug, Clone, PartialEq)]
pub struct SendFaults {
    /// HTTP 400, code 130429: Cloud API throughput reached.
    pub throttling: f64,
    /// HTTP 400, code 131056: too many messages to the same user.
    pub pair_rate_limit: f64,
    /// HTTP 400, code 131047 at once. Only free-form messages can get it: templates are never
    /// refused for the window, and a template send that draws it goes through.
    pub window_closed: f64,
    /// HTTP 500 with code 131000 or 2 (chosen at random): Meta's own failures.
    pub server_error: f64,
    /// The request is held for `timeout_delay` and not recorded: it timed out at the edge
    /// before Meta processed it, so a retry sends the message once. (A timeout after Meta
    /// accepted a message is a different fault, and no client can deduplicate it: the Cloud
    /// API has no idempotency key, so the retry is a second message.)
    pub timeout: f64,
    /// How long a timed-out request is held: longer than the client's timeout (the bot's is
    /// 10 s). After it the sandbox answers 503 (code 131016), in case the client still waits.
    pub timeout_delay: Duration,
    /// At most this many timeouts (`None`: no limit). Each holds a conversation for the
    /// client's timeout, so a short run keeps a few; a draw past the limit is no fault.
    pub max_timeouts: Option<usize>,
    pub seed: u64,
}

impl Default for SendFaults {
    /// No faults; the timeout hold is 10.5 s, just past the bot's client timeout.
    fn default() -> Self {
        SendFaults {
            throttling: 0.0,
            pair_rate_limit: 0.0,
            window_closed: 0.0,
            server_error: 0.0,
            timeout: 0.0,
            timeout_delay: Duration::from_millis(10_500),
            max_timeouts: None,
            seed: 0,
        }
    }
}

/// One kind of random fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    Throttling,
    PairRateLimit,
    WindowClosed,
    ServerError,
    Timeout,
}

/// How many faults of each kind [`SendFaults`] injected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FaultCounts {
    pub throttling: usize,
    pub pair_rate_limit: usize,
    pub window_closed: usize,
    pub server_error: usize,
    pub timeout: usize,
}

impl FaultCounts {
    pub fn total(&self) -> usize {
        self.throttling + self.pair_rate_limit + self.window_closed + self.server_error + self.timeout
    }

    pub fn get(&self, kind: FaultKind) -> usize {
        match kind {
            FaultKind::Throttling => self.throttling,
            FaultKind::PairRateLimit => self.pair_rate_limit,
            FaultKind::WindowClosed => self.window_closed,
            FaultKind::ServerError => self.server_error,
            FaultKind::Timeout => self.timeout,
        }
    }

    fn count(&mut self, kind: FaultKind) {
        match kind {
            FaultKind::Throttling => self.throttling += 1,
            FaultKind::PairRateLimit => self.pair_rate_limit += 1,
            FaultKind::WindowClosed => self.window_closed += 1,
            FaultKind::ServerError => self.server_error += 1,
            FaultKind::Timeout => self.timeout += 1,
        }
    }
}

/// The faults in force and their generator.
struct ActiveFaults {
    config: SendFaults,
    rng: StdRng,
    timeouts: usize,
}

impl ActiveFaults {
    /// One draw per eligible send: which fault, if any. A 131047 drawn for a template is no
    /// fault (the other kinds keep their probabilities).
    fn draw(&mut self, free_form: bool) -> Option<(FaultKind, i64)> {
        let c = &self.config;
        let roll: f64 = self.rng.random();
        let kinds = [
            (FaultKind::Throttling, c.throttling),
            (FaultKind::PairRateLimit, c.pair_rate_limit),
            (FaultKind::WindowClosed, c.window_closed),
            (FaultKind::ServerError, c.server_error),
            (FaultKind::Timeout, c.timeout),
        ];
        let mut bound = 0.0;
        let kind = kinds.iter().find_map(|(kind, p)| {
            bound += p.clamp(0.0, 1.0);
            (roll < bound).then_some(*kind)
        })?;
        let code = match kind {
            FaultKind::Throttling => 130429,
            FaultKind::PairRateLimit => 131056,
            FaultKind::WindowClosed if !free_form => return None,
            FaultKind::WindowClosed => 131047,
            FaultKind::ServerError => {
                if self.rng.random_bool(0.5) {
                    131000
                } else {
                    2
                }
            }
            FaultKind::Timeout if c.max_timeouts.is_some_and(|max| self.timeouts >= max) => return None,
            FaultKind::Timeout => {
                self.timeouts += 1;
                131016
            }
        };
        Some((kind, code))
    }
}

type ClockFn = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

struct State_ {
    next_seq: u64,
    sent: Vec<SentMessage>,
    marked_read: Vec<String>,
    requests: usize,
    failures: VecDeque<InjectedFailure>,
    delay: Duration,
    window_rule: bool,
    last_inbound: HashMap<String, DateTime<Utc>>,
    faults: Option<ActiveFaults>,
    injected: FaultCounts,
    media: Vec<UploadedMedia>,
    /// Requests that reached the media endpoint, refused ones included.
    media_requests: usize,
}

struct Inner {
    access_token: String,
    clock: Mutex<ClockFn>,
    state: Mutex<State_>,
    /// Send requests being handled right now (held timeouts included).
    in_progress: AtomicUsize,
    /// Woken whenever a message is recorded, for [`CloudApiSandbox::wait_for`].
    recorded: Notify,
}

/// The sandbox: cheap to clone, every clone sees the same recorded messages and controls.
#[derive(Clone)]
pub struct CloudApiSandbox {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for CloudApiSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out of debug output, as a real one would have to.
        f.debug_struct("CloudApiSandbox").field("sent", &self.state().sent.len()).finish_non_exhaustive()
    }
}

impl CloudApiSandbox {
    /// A sandbox that accepts `access_token` as the bearer token.
    pub fn new(access_token: impl Into<String>) -> CloudApiSandbox {
        CloudApiSandbox {
            inner: Arc::new(Inner {
                access_token: access_token.into(),
                clock: Mutex::new(Arc::new(Utc::now)),
                state: Mutex::new(State_ {
                    next_seq: 1,
                    sent: Vec::new(),
                    marked_read: Vec::new(),
                    requests: 0,
                    failures: VecDeque::new(),
                    delay: Duration::ZERO,
                    window_rule: false,
                    last_inbound: HashMap::new(),
                    faults: None,
                    injected: FaultCounts::default(),
                    media: Vec::new(),
                    media_requests: 0,
                }),
                in_progress: AtomicUsize::new(0),
                recorded: Notify::new(),
            }),
        }
    }

    /// The send endpoint and the control surface (local clients only; see
    /// [`crate::local_only`]: serve with `into_make_service_with_connect_info::<SocketAddr>()`,
    /// and give `oneshot` requests a `ConnectInfo`).
    pub fn router(&self) -> Router {
        let control = Router::new()
            .route("/_sandbox/messages", get(list_messages))
            .route("/_sandbox/fail", post(inject_failure))
            .route("/_sandbox/media/{media_id}", get(download_media))
            .route_layer(axum::middleware::from_fn(crate::local_only::local_only));
        Router::new()
            .route("/{version}/{phone_number_id}/messages", post(send_message))
            .route(
                "/{version}/{phone_number_id}/media",
                // Past the largest document, so an oversized file earns Meta's error, not a
                // dropped connection.
                post(upload_media)
                    .layer(axum::extract::DefaultBodyLimit::max(limits::DOCUMENT_BYTES + 1024 * 1024)),
            )
            .merge(control)
            .with_state(self.clone())
    }

    /// The time the sandbox stamps messages with and judges the window by; the local stack
    /// passes its movable clock so that moving time forward closes windows here too.
    pub fn set_clock(&self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) {
        *self.inner.clock.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(clock);
    }

    fn now(&self) -> DateTime<Utc> {
        let clock = self.inner.clock.lock().unwrap_or_else(|e| e.into_inner()).clone();
        clock()
    }

    fn state(&self) -> MutexGuard<'_, State_> {
        // A panicking test thread must not poison the sandbox for the others.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every accepted message, oldest first.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.state().sent.clone()
    }

    /// The accepted messages to one user (`wa_id` digits, with or without `+`).
    pub fn sent_to(&self, wa_id: &str) -> Vec<SentMessage> {
        let wa_id = wa_id.trim_start_matches('+');
        self.state().sent.iter().filter(|m| m.to.trim_start_matches('+') == wa_id).cloned().collect()
    }

    /// Every file uploaded to the media endpoint, oldest first.
    pub fn media(&self) -> Vec<UploadedMedia> {
        self.state().media.clone()
    }

    /// One uploaded file by its media id.
    pub fn media_by_id(&self, id: &str) -> Option<UploadedMedia> {
        self.state().media.iter().find(|m| m.id == id).cloned()
    }

    /// How many requests reached the media endpoint, refused ones included.
    pub fn media_request_count(&self) -> usize {
        self.state().media_requests
    }

    /// The wamids the bot marked as read.
    pub fn marked_read(&self) -> Vec<String> {
        self.state().marked_read.clone()
    }

    /// How many requests reached the send endpoint, refused ones included: lets a test prove
    /// that a client refused a message without calling the API.
    pub fn request_count(&self) -> usize {
        self.state().requests
    }

    /// Send requests being handled right now, held ones included: zero when nothing is in
    /// the middle of a send.
    pub fn requests_in_progress(&self) -> usize {
        self.inner.in_progress.load(Ordering::SeqCst)
    }

    /// Forgets recorded messages, queued failures, random faults and their counts, and
    /// windows; keeps the clock and token.
    pub fn reset(&self) {
        let mut state = self.state();
        state.sent.clear();
        state.marked_read.clear();
        state.requests = 0;
        state.failures.clear();
        state.delay = Duration::ZERO;
        state.last_inbound.clear();
        state.faults = None;
        state.injected = FaultCounts::default();
        state.media.clear();
        state.media_requests = 0;
    }

    /// Random faults from now on (`None` stops them). The generator restarts from the seed;
    /// the counts of faults already injected are kept.
    pub fn set_faults(&self, faults: Option<SendFaults>) {
        self.state().faults = faults.map(|config| ActiveFaults {
            rng: StdRng::seed_from_u64(config.seed),
            config,
            timeouts: 0,
        });
    }

    /// The random faults injected so far, by kind (queued [`CloudApiSandbox::fail_next`]
    /// failures are not counted).
    pub fn faults_injected(&self) -> FaultCounts {
        self.state().injected
    }

    /// Waits until messages newer than `after` (a `seq`) are recorded and returns them, oldest
    /// first; empty after `timeout`. Reads only what is new (the sends are in `seq` order), so
    /// an observer that follows every send costs the senders nothing as the record grows.
    pub async fn wait_for_after(&self, after: u64, timeout: Duration) -> Vec<SentMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so a message recorded in between is not missed.
            let notified = self.inner.recorded.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let state = self.state();
                let from = state.sent.partition_point(|m| m.seq <= after);
                if from < state.sent.len() {
                    return state.sent[from..].to_vec();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Vec::new();
            }
        }
    }

    /// Waits until an accepted message matches `predicate` (one already recorded counts) and
    /// returns it, or `None` after `timeout`.
    pub async fn wait_for(
        &self,
        predicate: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> Option<SentMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so a message recorded in between is not missed.
            let notified = self.inner.recorded.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(found) = self.state().sent.iter().find(|m| predicate(m)).cloned() {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// The next `times` well-formed, authorised sends (media uploads included) fail with Meta's error `code` and HTTP
    /// `status` (Meta uses 400 for most codes, including 131047 and usually 130429; 5xx for
    /// its own outages). Queued failures are used in order.
    pub fn fail_next(&self, code: i64, http_status: u16, times: usize) {
        let status = StatusCode::from_u16(http_status).unwrap_or(StatusCode::BAD_REQUEST);
        if times > 0 {
            self.state().failures.push_back(InjectedFailure { code, status, remaining: times });
        }
    }

    /// Every answer of the send endpoint is held back this long (to make clients time out).
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// When on, a free-form (non-template) message to a user whose last message is older than
    /// 24 hours, or who never wrote, fails with 131047 as on Meta.
    pub fn set_window_rule(&self, enabled: bool) {
        self.state().window_rule = enabled;
    }

    /// Tells the sandbox that the user wrote to the business at `at` (opening the window).
    /// An older time than the one known is ignored, as webhook deliveries can arrive late.
    pub fn user_wrote(&self, wa_id: &str, at: DateTime<Utc>) {
        let mut state = self.state();
        let entry = state.last_inbound.entry(wa_id.trim_start_matches('+').to_owned()).or_insert(at);
        if at > *entry {
            *entry = at;
        }
    }
}

// ---- the send endpoint ---------------------------------------------------------------------

async fn send_message(
    State(sandbox): State<CloudApiSandbox>,
    Path((_version, phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Counted until the answer is ready or the client goes away (the future is dropped).
    let _in_progress = InProgress::enter(&sandbox.inner.in_progress);
    let delay = {
        let mut state = sandbox.state();
        state.requests += 1;
        state.delay
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    if !sandbox.authorised(&headers) {
        return meta_error(
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token - Cannot parse access token",
            None,
        );
    }

    let body: Value = match serde_json::from_slice(&body) {
        Ok(value @ Value::Object(_)) => value,
        _ => return invalid_parameter("the request body must be a JSON object"),
    };
    let request = match validate(&body) {
        Ok(request) => request,
        Err(details) => return invalid_parameter(&details),
    };

    match sandbox.answer(request, phone_number_id, body) {
        Answer::Now(response) => response,
        Answer::After(hold, response) => {
            tokio::time::sleep(hold).await;
            response
        }
    }
}

impl CloudApiSandbox {
    /// The next failure queued by [`CloudApiSandbox::fail_next`], as Meta's answer.
    fn take_failure(&self) -> Option<Response> {
        let mut state = self.state();
        let failure = state.failures.front_mut()?;
        let (code, status) = (failure.code, failure.status);
        failure.remaining -= 1;
        if failure.remaining == 0 {
            state.failures.pop_front();
        }
        drop(state);
        let (message, details) = known_error(code);
        Some(meta_error(status, code, message, details))
    }

    /// Whether the request carries the sandbox's bearer token.
    fn authorised(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|token| !token.is_empty() && token == self.inner.access_token)
    }
}

/// The send endpoint's answer to a valid, authorised request.
enum Answer {
    Now(Response),
    /// A timed-out request: held this long, then answered.
    After(Duration, Response),
}

impl CloudApiSandbox {
    /// Applies queued failures, random faults and the window rule, else records the message.
    /// Synchronous, so that the state's lock is never held across a wait.
    fn answer(&self, request: Request, phone_number_id: String, body: Value) -> Answer {
        let now = self.now();
        if let Some(failure) = self.take_failure() {
            return Answer::Now(failure);
        }
        let mut state = self.state();

        let fault = match (&request, state.faults.as_mut()) {
            (Request::Message { free_form, .. }, Some(faults)) => {
                faults.draw(*free_form).map(|(kind, code)| (kind, code, faults.config.timeout_delay))
            }
            _ => None,
        };
        if let Some((kind, code, hold)) = fault {
            state.injected.count(kind);
            drop(state);
            let (message, details) = known_error(code);
            return match kind {
                FaultKind::Timeout => {
                    Answer::After(hold, meta_error(StatusCode::SERVICE_UNAVAILABLE, code, message, details))
                }
                FaultKind::ServerError => {
                    Answer::Now(meta_error(StatusCode::INTERNAL_SERVER_ERROR, code, message, details))
                }
                _ => Answer::Now(meta_error(StatusCode::BAD_REQUEST, code, message, details)),
            };
        }

        let to = match request {
            Request::MarkRead { message_id } => {
                state.marked_read.push(message_id);
                return Answer::Now(Json(json!({"success": true})).into_response());
            }
            Request::Message { to, free_form, document } => {
                if let Some(id) = document
                    && !state.media.iter().any(|m| m.id == id && m.phone_number_id == phone_number_id)
                {
                    drop(state);
                    return Answer::Now(invalid_parameter(
                        "document.id is not a media id uploaded by this phone number",
                    ));
                }
                if free_form && state.window_rule {
                    let open = state
                        .last_inbound
                        .get(to.trim_start_matches('+'))
                        .is_some_and(|last| now.signed_duration_since(*last) < WINDOW);
                    if !open {
                        drop(state);
                        let (message, details) = known_error(131047);
                        return Answer::Now(meta_error(StatusCode::BAD_REQUEST, 131047, message, details));
                    }
                }
                to
            }
        };

        let wamid = format!("wamid.{}", random_token(48));
        let seq = state.next_seq;
        state.next_seq += 1;
        state.sent.push(SentMessage {
            seq,
            phone_number_id,
            to: to.clone(),
            body,
            wamid: wamid.clone(),
            at: now,
        });
        drop(state);
        self.inner.recorded.notify_waiters();

        let wa_id = to.trim_start_matches('+');
        Answer::Now(
            Json(json!({
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": wa_id}],
                "messages": [{"id": wamid}],
            }))
            .into_response(),
        )
    }
}

/// Counts a request in progress while alive.
struct InProgress<'a>(&'a AtomicUsize);

impl<'a> InProgress<'a> {
    fn enter(counter: &'a AtomicUsize) -> InProgress<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        InProgress(counter)
    }
}

impl Drop for InProgress<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a valid body asks for.
enum Request {
    /// `document`: the media id a document message names (checked against the uploads).
    Message {
        to: String,
        free_form: bool,
        document: Option<String>,
    },
    MarkRead {
        message_id: String,
    },
}

/// Meta's rules for a send body. The error is the `error_data.details` text Meta would give.
fn validate(body: &Value) -> Result<Request, String> {
    match body.get("messaging_product") {
        Some(Value::String(p)) if p == "whatsapp" => {}
        Some(_) => return Err("messaging_product must be \"whatsapp\"".into()),
        None => return Err("The parameter messaging_product is required.".into()),
    }

    // Mark as read (with the optional typing indicator) shares the endpoint.
    if body.get("status").is_some() {
        if body.get("status").and_then(Value::as_str) != Some("read") {
            return Err("status must be \"read\"".into());
        }
        let message_id = required_str(body, "/message_id", "message_id")?;
        if let Some(indicator) = body.get("typing_indicator")
            && indicator.get("type").and_then(Value::as_str) != Some("text")
        {
            return Err("typing_indicator.type must be \"text\"".into());
        }
        return Ok(Request::MarkRead { message_id: message_id.to_owned() });
    }

    if let Some(kind) = body.get("recipient_type")
        && kind.as_str() != Some("individual")
    {
        return Err("recipient_type must be \"individual\"".into());
    }
    let to = required_str(body, "/to", "to")?;
    let digits = to.strip_prefix('+').unwrap_or(to);
    if !(5..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("to must be a phone number: digits, optionally after +".into());
    }

    let kind = match body.get("type") {
        None => "text",
        Some(Value::String(kind)) => kind.as_str(),
        Some(_) => return Err("type must be a string".into()),
    };
    match kind {
        "text" => validate_text(body)?,
        "interactive" => validate_interactive(body)?,
        "template" => validate_template(body)?,
        "document" => {
            let document = validate_document(body)?;
            return Ok(Request::Message { to: to.to_owned(), free_form: true, document });
        }
        other => return Err(format!("type \"{other}\" is not supported by this sandbox")),
    }
    Ok(Request::Message { to: to.to_owned(), free_form: kind != "template", document: None })
}

// ---- the media endpoint ---------------------------------------------------------------------

async fn upload_media(
    State(sandbox): State<CloudApiSandbox>,
    Path((_version, phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Response {
    sandbox.state().media_requests += 1;
    if !sandbox.authorised(&headers) {
        return meta_error(
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token - Cannot parse access token",
            None,
        );
    }
    let (mut product, mut declared, mut file) = (None, None, None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return invalid_parameter("the body must be multipart/form-data"),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let Ok(bytes) = field.bytes().await else {
            return invalid_parameter("a multipart field could not be read");
        };
        match name.as_str() {
            "messaging_product" => product = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "type" => declared = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "file" => file = Some((filename, content_type, bytes)),
            _ => {}
        }
    }
    match product.as_deref() {
        Some("whatsapp") => {}
        Some(_) => return invalid_parameter("messaging_product must be \"whatsapp\""),
        None => return invalid_parameter("The parameter messaging_product is required."),
    }
    let Some((filename, content_type, bytes)) = file else {
        return invalid_parameter("The parameter file is required.");
    };
    let Some(mime_type) = content_type.or(declared.clone()) else {
        return invalid_parameter("the file's MIME type is required");
    };
    if declared.as_deref().is_some_and(|declared| declared != mime_type) {
        return invalid_parameter("type does not match the file's MIME type");
    }
    let Some(max) = media_limit(&mime_type) else {
        return invalid_parameter(&format!("{mime_type} is not a supported media type"));
    };
    if bytes.is_empty() || bytes.len() > max {
        return invalid_parameter(&format!(
            "the file is {} bytes (a {mime_type} is 1 to {max})",
            bytes.len()
        ));
    }
    if mime_type == "application/pdf" && !bytes.starts_with(b"%PDF-") {
        return invalid_parameter("the file is not a PDF");
    }
    if let Some(failure) = sandbox.take_failure() {
        return failure;
    }
    let id: String = {
        let mut rng = rand::rng();
        (0..16).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
    };
    let media = UploadedMedia {
        id: id.clone(),
        phone_number_id,
        mime_type,
        filename,
        size: bytes.len(),
        bytes: bytes.to_vec(),
        at: sandbox.now(),
    };
    sandbox.state().media.push(media);
    Json(json!({"id": id})).into_response()
}

/// `GET /_sandbox/media/{id}`: the uploaded file, to open in the browser.
async fn download_media(State(sandbox): State<CloudApiSandbox>, Path(media_id): Path<String>) -> Response {
    let Some(media) = sandbox.media_by_id(&media_id) else {
        return (StatusCode::NOT_FOUND, "no such media").into_response();
    };
    let filename: String = media
        .filename
        .unwrap_or_else(|| "document".into())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    (
        [
            (header::CONTENT_TYPE, media.mime_type),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\"")),
        ],
        media.bytes,
    )
        .into_response()
}

fn validate_text(body: &Value) -> Result<(), String> {
    let text = required_object(body, "/text", "text")?;
    let content = required_str(text, "/body", "text.body")?;
    max_chars(content, limits::TEXT_BODY, "text.body")?;
    if let Some(preview) = text.get("preview_url")
        && !preview.is_boolean()
    {
        return Err("text.preview_url must be a boolean".into());
    }
    Ok(())
}

fn validate_interactive(body: &Value) -> Result<(), String> {
    let interactive = required_object(body, "/interactive", "interactive")?;
    let text = required_str(interactive, "/body/text", "interactive.body.text")?;
    max_chars(text, limits::INTERACTIVE_BODY, "interactive.body.text")?;
    if let Some(header) = interactive.get("header") {
        if header.get("type").and_then(Value::as_str) != Some("text") {
            return Err("interactive.header.type must be \"text\" in this sandbox".into());
        }
        let text = required_str(header, "/text", "interactive.header.text")?;
        max_chars(text, limits::HEADER_FOOTER, "interactive.header.text")?;
    }
    if let Some(footer) = interactive.get("footer") {
        let text = required_str(footer, "/text", "interactive.footer.text")?;
        max_chars(text, limits::HEADER_FOOTER, "interactive.footer.text")?;
    }
    let action = required_object(interactive, "/action", "interactive.action")?;
    match interactive.get("type").and_then(Value::as_str) {
        Some("list") => validate_list(action),
        Some("button") => validate_buttons(action),
        Some(other) => Err(format!("interactive.type \"{other}\" is not supported by this sandbox")),
        None => Err("The parameter interactive.type is required.".into()),
    }
}

fn validate_list(action: &Value) -> Result<(), String> {
    let button = required_str(action, "/button", "interactive.action.button")?;
    max_chars(button, limits::LIST_BUTTON, "interactive.action.button")?;
    let sections = required_array(action, "/sections", "interactive.action.sections")?;
    if sections.is_empty() {
        return Err("interactive.action.sections must not be empty".into());
    }
    if sections.len() > limits::SECTIONS {
        return Err(format!("too many sections: {} (max {})", sections.len(), limits::SECTIONS));
    }
    let mut ids = HashSet::new();
    let mut rows_total = 0;
    for (i, section) in sections.iter().enumerate() {
        match section.get("title") {
            Some(_) => {
                let title = required_str(section, "/title", &format!("sections[{i}].title"))?;
                max_chars(title, limits::SECTION_TITLE, &format!("sections[{i}].title"))?;
            }
            None if sections.len() > 1 => {
                return Err(format!("sections[{i}].title is required when there is more than one section"));
            }
            None => {}
        }
        let rows = required_array(section, "/rows", &format!("sections[{i}].rows"))?;
        if rows.is_empty() {
            return Err(format!("sections[{i}].rows must not be empty"));
        }
        rows_total += rows.len();
        for (j, row) in rows.iter().enumerate() {
            let field = |name: &str| format!("sections[{i}].rows[{j}].{name}");
            let id = required_str(row, "/id", &field("id"))?;
            max_chars(id, limits::ROW_ID, &field("id"))?;
            if !ids.insert(id.to_owned()) {
                return Err(format!("{} repeats another row's id; row ids must be unique", field("id")));
            }
            let title = required_str(row, "/title", &field("title"))?;
            max_chars(title, limits::ROW_TITLE, &field("title"))?;
            if row.get("description").is_some() {
                let description = required_str(row, "/description", &field("description"))?;
                max_chars(description, limits::ROW_DESCRIPTION, &field("description"))?;
            }
        }
    }
    if rows_total > limits::ROWS_TOTAL {
        return Err(format!("too many rows: {rows_total} (max {} over all sections)", limits::ROWS_TOTAL));
    }
    Ok(())
}

fn validate_buttons(action: &Value) -> Result<(), String> {
    let buttons = required_array(action, "/buttons", "interactive.action.buttons")?;
    if buttons.is_empty() || buttons.len() > limits::REPLY_BUTTONS {
        return Err(format!("interactive.action.buttons must hold 1 to {} buttons", limits::REPLY_BUTTONS));
    }
    let mut ids = HashSet::new();
    for (i, button) in buttons.iter().enumerate() {
        if button.get("type").and_then(Value::as_str) != Some("reply") {
            return Err(format!("buttons[{i}].type must be \"reply\""));
        }
        let id = required_str(button, "/reply/id", &format!("buttons[{i}].reply.id"))?;
        max_chars(id, limits::REPLY_BUTTON_ID, &format!("buttons[{i}].reply.id"))?;
        if !ids.insert(id.to_owned()) {
            return Err(format!("buttons[{i}].reply.id repeats another button's id"));
        }
        let title = required_str(button, "/reply/title", &format!("buttons[{i}].reply.title"))?;
        max_chars(title, limits::REPLY_BUTTON_TITLE, &format!("buttons[{i}].reply.title"))?;
    }
    Ok(())
}

/// A document names exactly one of `id` (an upload) or `link`; the media id is returned.
fn validate_document(body: &Value) -> Result<Option<String>, String> {
    let document = required_object(body, "/document", "document")?;
    let id = document.get("id").map(|_| required_str(document, "/id", "document.id")).transpose()?;
    let link = document.get("link").map(|_| required_str(document, "/link", "document.link")).transpose()?;
    match (id, link) {
        (Some(_), Some(_)) => return Err("document takes either id or link, not both".into()),
        (None, None) => return Err("The parameter document.id or document.link is required.".into()),
        (None, Some(link)) if !link.starts_with("https://") && !link.starts_with("http://") => {
            return Err("document.link must be an http(s) URL".into());
        }
        _ => {}
    }
    if document.get("filename").is_some() {
        required_str(document, "/filename", "document.filename")?;
    }
    if document.get("caption").is_some() {
        let caption = required_str(document, "/caption", "document.caption")?;
        max_chars(caption, limits::CAPTION, "document.caption")?;
    }
    Ok(id.map(str::to_owned))
}

fn validate_template(body: &Value) -> Result<(), String> {
    let template = required_object(body, "/template", "template")?;
    required_str(template, "/name", "template.name")?;
    required_str(template, "/language/code", "template.language.code")?;
    let Some(components) = template.get("components") else { return Ok(()) };
    let components = components.as_array().ok_or("template.components must be an array")?;
    for (i, component) in components.iter().enumerate() {
        match component.get("type").and_then(Value::as_str) {
            Some("header" | "body" | "footer" | "button") => {}
            _ => return Err(format!("components[{i}].type must be header, body, footer or button")),
        }
        let Some(parameters) = component.get("parameters") else { continue };
        let parameters =
            parameters.as_array().ok_or(format!("components[{i}].parameters must be an array"))?;
        for (j, parameter) in parameters.iter().enumerate() {
            if parameter.get("type").and_then(Value::as_str) != Some("text") {
                // Currency, date-time and media parameters exist on Meta; the bot sends none.
                return Err(format!("components[{i}].parameters[{j}].type must be \"text\" in this sandbox"));
            }
            let text = required_str(parameter, "/text", &format!("components[{i}].parameters[{j}].text"))?;
            // Meta refuses these in template parameters (error 132018 when it gets that far).
            if text.contains(['\n', '\t']) || text.contains("     ") {
                return Err(format!(
                    "components[{i}].parameters[{j}].text cannot have new-line/tab characters \
                     or more than 4 consecutive spaces"
                ));
            }
        }
    }
    Ok(())
}

fn required_object<'a>(value: &'a Value, pointer: &str, name: &str) -> Result<&'a Value, String> {
    match value.pointer(pointer) {
        Some(object @ Value::Object(_)) => Ok(object),
        Some(_) => Err(format!("{name} must be an object")),
        None => Err(format!("The parameter {name} is required.")),
    }
}

fn required_array<'a>(value: &'a Value, pointer: &str, name: &str) -> Result<&'a Vec<Value>, String> {
    match value.pointer(pointer) {
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{name} must be an array")),
        None => Err(format!("The parameter {name} is required.")),
    }
}

/// A required, non-empty string: Meta refuses empty titles, ids and bodies.
fn required_str<'a>(value: &'a Value, pointer: &str, name: &str) -> Result<&'a str, String> {
    match value.pointer(pointer) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(format!("{name} must not be empty")),
        Some(_) => Err(format!("{name} must be a string")),
        None => Err(format!("The parameter {name} is required.")),
    }
}

/// Meta counts characters (Unicode scalar values), not bytes.
fn max_chars(text: &str, max: usize, name: &str) -> Result<(), String> {
    let count = text.chars().count();
    if count > max {
        return Err(format!("{name} is {count} characters long (max {max})"));
    }
    Ok(())
}

// ---- Meta's error answers --------------------------------------------------------------------

fn invalid_parameter(details: &str) -> Response {
    meta_error(StatusCode::BAD_REQUEST, 100, "(#100) Invalid parameter", Some(details))
}

/// The title and details Meta gives for the codes the bot reacts to.
fn known_error(code: i64) -> (&'static str, Option<&'static str>) {
    match code {
        131047 => (
            "(#131047) Re-engagement message",
            Some(
                "Message failed to send because more than 24 hours have passed since the customer \
                 last replied to this number.",
            ),
        ),
        130429 => ("(#130429) Rate limit hit", Some("Cloud API message throughput has been reached.")),
        131056 => (
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            Some(
                "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
            ),
        ),
        2 => ("(#2) Service temporarily unavailable", None),
        4 => ("(#4) Application request limit reached", None),
        80007 => ("(#80007) Rate limit issues", None),
        131000 => ("(#131000) Something went wrong", Some("Message failed to send due to an unknown error.")),
        131016 => ("(#131016) Service unavailable", Some("A service is temporarily unavailable.")),
        131026 => ("(#131026) Message undeliverable", Some("Unable to deliver message.")),
        131048 => (
            "(#131048) Spam rate limit hit",
            Some(
                "Message failed to send because there are restrictions on how many messages can be sent from this phone number.",
            ),
        ),
        131049 => (
            "(#131049) Meta chose not to deliver.",
            Some("This message was not delivered to maintain healthy ecosystem engagement."),
        ),
        131051 => ("(#131051) Unsupported message type", Some("Unsupported message type.")),
        100 => ("(#100) Invalid parameter", None),
        190 => ("Error validating access token: Session has expired", None),
        _ => ("(#0) Injected sandbox error", None),
    }
}

/// `{"error":{"message","type":"OAuthException","code","error_data"?,"fbtrace_id"}}`.
fn meta_error(status: StatusCode, code: i64, message: &str, details: Option<&str>) -> Response {
    let mut error = json!({
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": random_token(27),
    });
    if let Some(details) = details {
        error["error_data"] = json!({"messaging_product": "whatsapp", "details": details});
    }
    (status, Json(json!({ "error": error }))).into_response()
}

fn random_token(len: usize) -> String {
    rand::rng().sample_iter(Alphanumeric).take(len).map(char::from).collect()
}

// ---- the control surface ---------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct MessagesQuery {
    to: Option<String>,
    #[serde(default)]
    after: u64,
}

/// `GET /_sandbox/messages?to=<wa_id>&after=<seq>`: accepted messages, oldest first.
async fn list_messages(
    State(sandbox): State<CloudApiSandbox>,
    Query(query): Query<MessagesQuery>,
) -> Json<Vec<SentMessage>> {
    let to = query.to.as_deref().map(|to| to.trim_start_matches('+').to_owned());
    let state = sandbox.state();
    let messages = state
        .sent
        .iter()
        .filter(|m| m.seq > query.after)
        .filter(|m| to.as_deref().is_none_or(|to| m.to.trim_start_matches('+') == to))
        .cloned()
        .collect();
    Json(messages)
}

#[derive(Debug, Deserialize)]
struct FailRequest {
    code: i64,
    #[serde(default = "default_fail_status")]
    status: u16,
    #[serde(default = "default_fail_times")]
    times: usize,
}

fn default_fail_status() -> u16 {
    400
}

fn default_fail_times() -> usize {
    1
}

/// `POST /_sandbox/fail` `{"code":131047,"status":400,"times":1}`.
async fn inject_failure(
    State(sandbox): State<CloudApiSandbox>,
    Json(request): Json<FailRequest>,
) -> StatusCode {
    if StatusCode::from_u16(request.status).is_err() {
        return StatusCode::UNPROCESSABLE_ENTITY;
    }
    sandbox.fail_next(request.code, request.status, request.times);
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(sections: Value) -> Value {
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "37369123456",
            "type": "interactive",
            "interactive": {"type": "list", "body": {"text": "Alege"},
                            "action": {"button": "Limba", "sections": sections}}
        })
    }

    fn rows(n: usize) -> Value {
        (0..n).map(|i| json!({"id": format!("r{i}"), "title": format!("Row {i}")})).collect()
    }

    #[test]
    fn accepts_meta_shaped_bodies() {
        let text = json!({"messaging_product":"whatsapp","to":"37369123456","type":"text",
                          "text":{"body":"Salut","preview_url":true}});
        assert!(matches!(validate(&text), Ok(Request::Message { free_form: true, .. })));
        let template = json!({"messaging_product":"whatsapp","to":"37369123456","type":"template",
            "template":{"name":"payment_update","language":{"code":"ro"},
                        "components":[{"type":"body","parameters":[{"type":"text","text":"100 MDL"}]}]}});
        assert!(matches!(validate(&template), Ok(Request::Message { free_form: false, .. })));
        assert!(validate(&list(json!([{"rows": rows(10)}]))).is_ok());
        let read = json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.X",
                          "typing_indicator":{"type":"text"}});
        assert!(matches!(validate(&read), Ok(Request::MarkRead { .. })));
    }

    #[test]
    fn refuses_what_meta_refuses() {
        let cases = [
            json!({"to":"37369123456","type":"text","text":{"body":"x"}}),
            json!({"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}),
            json!({"messaging_product":"whatsapp","to":"abc","type":"text","text":{"body":"x"}}),
            json!({"messaging_product":"whatsapp","to":"37369123456","type":"text"}),
            json!({"messaging_product":"whatsapp","to":"37369123456","type":"text",
                   "text":{"body":"é".repeat(4097)}}),
            list(json!([{"rows": rows(11)}])),
            list(json!([{"title":"A","rows": rows(5)},{"rows":[{"id":"x","title":"X"}]}])),
            list(json!([{"rows":[{"id":"a","title":"ы".repeat(25)}]}])),
            list(json!([{"rows":[{"id":"a","title":"A","description":"d".repeat(73)}]}])),
            list(json!([{"rows":[{"id":"a","title":"A"},{"id":"a","title":"B"}]}])),
            list(json!([{"rows":[{"id":"i".repeat(201),"title":"A"}]}])),
            list(json!(
                (0..11)
                    .map(|i| json!({"title": format!("S{i}"), "rows":[{"id":format!("{i}"),"title":"A"}]}))
                    .collect::<Value>()
            )),
            json!({"messaging_product":"whatsapp","to":"37369123456","type":"template",
                   "template":{"name":"t","language":{"code":"ro"},
                               "components":[{"type":"body","parameters":[{"type":"text","text":"a\nb"}]}]}}),
        ];
        for (i, body) in cases.iter().enumerate() {
            assert!(validate(body).is_err(), "case {i} should be refused");
        }
    }

    // ---- through the router ------------------------------------------------------------------

    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    use tower::ServiceExt;

    const TOKEN: &str = "test-token";

    fn text_body(n: usize) -> Value {
        json!({"messaging_product":"whatsapp","to":"37369123456","type":"text","text":{"body":format!("m{n}")}})
    }

    fn template_body() -> Value {
        json!({"messaging_product":"whatsapp","to":"37369123456","type":"template",
               "template":{"name":"payment_update","language":{"code":"ro"}}})
    }

    async fn post_send(sandbox: &CloudApiSandbox, body: &Value) -> (StatusCode, Value) {
        let request = axum::http::Request::post("/v23.0/106540352242922/messages")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = sandbox.router().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    fn faults(seed: u64) -> SendFaults {
        SendFaults {
            throttling: 0.1,
            pair_rate_limit: 0.1,
            window_closed: 0.1,
            server_error: 0.1,
            timeout: 0.05,
            timeout_delay: Duration::from_millis(5),
            max_timeouts: None,
            seed,
        }
    }

    /// The answers to `n` text sends, as (HTTP status, Meta code or 0 for accepted).
    async fn run_sends(sandbox: &CloudApiSandbox, n: usize) -> Vec<(u16, i64)> {
        let mut answers = Vec::new();
        for i in 0..n {
            let (status, body) = post_send(sandbox, &text_body(i)).await;
            answers.push((status.as_u16(), body.pointer("/error/code").and_then(Value::as_i64).unwrap_or(0)));
        }
        answers
    }

    #[tokio::test]
    async fn random_faults_follow_the_seed_and_the_counts_add_up() {
        let sandbox = CloudApiSandbox::new(TOKEN);
        sandbox.set_faults(Some(faults(7)));
        let answers = run_sends(&sandbox, 400).await;
        let counts = sandbox.faults_injected();
        assert_eq!(counts.total() + sandbox.sent().len(), 400, "{counts:?}");
        for kind in [
            FaultKind::Throttling,
            FaultKind::PairRateLimit,
            FaultKind::WindowClosed,
            FaultKind::ServerError,
            FaultKind::Timeout,
        ] {
            assert!(counts.get(kind) > 0, "{kind:?} never drawn: {counts:?}");
        }
        let count = |pair: (u16, i64)| answers.iter().filter(|a| **a == pair).count();
        assert_eq!(count((400, 130429)), counts.throttling);
        assert_eq!(count((400, 131056)), counts.pair_rate_limit);
        assert_eq!(count((400, 131047)), counts.window_closed);
        assert_eq!(count((500, 131000)) + count((500, 2)), counts.server_error);
        assert!(count((500, 131000)) > 0 && count((500, 2)) > 0);
        assert_eq!(count((503, 131016)), counts.timeout);
        assert_eq!(count((200, 0)), sandbox.sent().len());
        // About 45 % of sends fail with these settings.
        assert!((120..=240).contains(&counts.total()), "{counts:?}");

        // The same seed gives the same answers; another seed does not.
        let again = CloudApiSandbox::new(TOKEN);
        again.set_faults(Some(faults(7)));
        assert_eq!(run_sends(&again, 400).await, answers);
        let other = CloudApiSandbox::new(TOKEN);
        other.set_faults(Some(faults(8)));
        assert_ne!(run_sends(&other, 400).await, answers);

        // Switched off: every send goes through, and the counts stay readable.
        sandbox.set_faults(None);
        assert!(run_sends(&sandbox, 20).await.iter().all(|a| *a == (200, 0)));
        assert_eq!(sandbox.faults_injected(), counts);
    }

    #[tokio::test]
    async fn templates_are_never_refused_for_the_window() {
        let sandbox = CloudApiSandbox::new(TOKEN);
        sandbox.set_faults(Some(SendFaults { window_closed: 1.0, ..SendFaults::default() }));
        for _ in 0..5 {
            assert_eq!(post_send(&sandbox, &template_body()).await.0, StatusCode::OK);
        }
        let (status, body) = post_send(&sandbox, &text_body(1)).await;
        assert_eq!((status, body["error"]["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(131047)));
        assert_eq!(sandbox.sent().len(), 5);
        assert_eq!(sandbox.faults_injected(), FaultCounts { window_closed: 1, ..FaultCounts::default() });
    }

    #[tokio::test]
    async fn a_timed_out_send_is_held_and_not_recorded() {
        let sandbox = CloudApiSandbox::new(TOKEN);
        sandbox.set_faults(Some(SendFaults {
            timeout: 1.0,
            timeout_delay: Duration::from_millis(300),
            ..SendFaults::default()
        }));
        let started = tokio::time::Instant::now();
        let held = tokio::spawn({
            let sandbox = sandbox.clone();
            async move { post_send(&sandbox, &text_body(1)).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(sandbox.requests_in_progress(), 1);
        let (status, body) = held.await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!((status, body["error"]["code"].as_i64()), (StatusCode::SERVICE_UNAVAILABLE, Some(131016)));
        assert_eq!(sandbox.requests_in_progress(), 0);
        assert!(sandbox.sent().is_empty());
        assert_eq!(sandbox.faults_injected().timeout, 1);

        // A client that gives up first: the request is dropped, nothing recorded, nothing left
        // in progress.
        let gave_up =
            tokio::time::timeout(Duration::from_millis(50), post_send(&sandbox, &text_body(2))).await;
        assert!(gave_up.is_err());
        assert_eq!(sandbox.requests_in_progress(), 0);
        assert!(sandbox.sent().is_empty());
    }

    #[tokio::test]
    async fn timeouts_stop_at_their_limit() {
        let sandbox = CloudApiSandbox::new(TOKEN);
        sandbox.set_faults(Some(SendFaults {
            timeout: 1.0,
            timeout_delay: Duration::from_millis(1),
            max_timeouts: Some(2),
            ..SendFaults::default()
        }));
        let answers = run_sends(&sandbox, 5).await;
        assert_eq!(answers, [(503, 131016), (503, 131016), (200, 0), (200, 0), (200, 0)]);
        assert_eq!(sandbox.faults_injected().timeout, 2);
    }

    #[tokio::test]
    async fn faults_spare_bad_requests_queued_failures_and_read_receipts() {
        let sandbox = CloudApiSandbox::new(TOKEN);
        sandbox.set_faults(Some(SendFaults { throttling: 1.0, ..SendFaults::default() }));
        // Malformed: Meta's error 100, no fault drawn.
        let (status, body) = post_send(&sandbox, &json!({"messaging_product":"whatsapp"})).await;
        assert_eq!((status, body["error"]["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(100)));
        // A queued failure comes first and is not a random fault.
        sandbox.fail_next(131026, 400, 1);
        assert_eq!(post_send(&sandbox, &text_body(1)).await.1["error"]["code"], 131026);
        // Marking as read is not a message.
        let read = json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN"});
        assert_eq!(post_send(&sandbox, &read).await.0, StatusCode::OK);
        assert_eq!(sandbox.marked_read(), ["wamid.IN"]);
        assert_eq!(sandbox.faults_injected(), FaultCounts::default());
        assert_eq!(post_send(&sandbox, &text_body(2)).await.1["error"]["code"], 130429);
        assert_eq!(sandbox.faults_injected().throttling, 1);
        sandbox.reset();
        assert_eq!(sandbox.faults_injected(), FaultCounts::default());
        assert_eq!(post_send(&sandbox, &text_body(3)).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn the_control_routes_answer_local_clients_only_and_the_send_endpoint_anyone() {
        let sandbox = CloudApiSandbox::new(TOKEN);
        assert_eq!(post_send(&sandbox, &text_body(1)).await.0, StatusCode::OK);
        let list = |peer: Option<&str>| {
            let mut request = axum::http::Request::get("/_sandbox/messages")
                .header("host", "127.0.0.1:3000")
                .body(Body::empty())
                .unwrap();
            if let Some(peer) = peer {
                request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
            }
            sandbox.router().oneshot(request)
        };
        assert_eq!(list(None).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(list(Some("192.168.1.5:4000")).await.unwrap().status(), StatusCode::FORBIDDEN);
        let local = list(Some("127.0.0.1:4000")).await.unwrap();
        assert_eq!(local.status(), StatusCode::OK);
        let listed: Value =
            serde_json::from_slice(&axum::body::to_bytes(local.into_body(), 1 << 20).await.unwrap()).unwrap();
        assert_eq!(listed.as_array().map(Vec::len), Some(1));

        let fail = |peer: Option<&str>| {
            let mut request = axum::http::Request::post("/_sandbox/fail")
                .header("host", "localhost:3000")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"code":131047}"#))
                .unwrap();
            if let Some(peer) = peer {
                request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
            }
            sandbox.router().oneshot(request)
        };
        assert_eq!(fail(None).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(post_send(&sandbox, &text_body(2)).await.0, StatusCode::OK, "nothing was queued");
        assert_eq!(fail(Some("[::1]:4000")).await.unwrap().status(), StatusCode::NO_CONTENT);
        assert_eq!(post_send(&sandbox, &text_body(3)).await.1["error"]["code"], 131047);
    }

    #[test]
    fn counts_characters_not_bytes() {
        // 24 Cyrillic letters are 48 bytes and still fit a row title.
        assert!(validate(&list(json!([{"rows":[{"id":"a","title":"ы".repeat(24)}]}]))).is_ok());
    }
}
