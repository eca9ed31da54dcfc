//! The phone simulator: the start page and its local-only API.
//!
//! - `GET /` the page (`sim/index.html`, `/_sim/sim.css`, `/_sim/sim.js`; no build step)
//! - `GET /_sim/info` the demo sellers and wallet users (linked or not), the business numbers,
//!   what is wired and the clock
//! - `POST /_sim/send` `{from, text}` or `{from, list_reply:{id,title}, context}` (and
//!   `business_number_id`, default the first): a real Meta notification, signed with the app
//!   secret, through the webhook router in process
//! - `GET /_sim/messages?phone=&business=&after=&wait=` the conversation: what the simulated
//!   user sent and what the bot sent (the Cloud API sandbox's recorded sends), in one order,
//!   with one business number (or all); waits up to `wait` seconds for something new
//! - `GET /_sim/sms?phone=` the SMS sent to a phone (the wallet's one-time codes), oldest first
//! - `GET|POST /_sim/clock` the stack time; `{hours}` or `{minutes}` moves it forward and then
//!   runs the template sender (twice: once at the new time, once more when what that run
//!   queued has been handled, as the next scheduled minutes would)
//! - `POST /_sim/templates` runs the template sender now
//! - `GET /_sim/template-definitions` the approved template texts (`infra/templates`), so
//!   that the page shows a template message as the phone would
//!
//! These routes answer this machine only, directly (`sandboxes::local_only`): they sign
//! messages with the app secret.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use paybot::adapters::memory::{ManualClock, MemoryQueue, MemorySmsInbox, MemoryWalletLinkStore};
use paybot::config::Secret;
use paybot::directory_file::DirectoryFile;
use paybot::domain::{AccountStatus, BusinessProfile, Capability, Phone, SellerStatus};
use paybot::ports::{Clock, WalletLinkStore};
use paybot::wallet_file::WalletFile;
use paybot::whatsapp::WebhookVerifier;
use sandboxes::cloud_api::CloudApiSandbox;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use crate::meta::{self, SimulatedMessage, UserInput};
use crate::scheduler::TemplateScheduler;

/// A number that is in no directory: for trying what an unregistered sender gets.
const GUEST_PHONE: &str = "+37369999999";
/// Long polls never hold a request longer than this.
const MAX_WAIT: Duration = Duration::from_secs(25);

/// A seller as the page lists it. The page shows the masked phone; the full one is what
/// the page sends as `from` (these are demo numbers, and the page is local-only).
#[derive(Debug, Clone, Serialize)]
pub struct SimSeller {
    pub phone: String,
    pub masked: String,
    pub name: String,
    pub locale: String,
    pub blocked: bool,
    pub merchants: Vec<SimMerchant>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimMerchant {
    pub merchant_id: String,
    pub name: String,
    pub rtp: bool,
}

impl SimSeller {
    pub fn from_file(file: &DirectoryFile) -> Vec<SimSeller> {
        file.sellers
            .iter()
            .filter_map(|entry| {
                let phone = Phone::parse_international(&entry.phone).ok()?;
                Some(SimSeller {
                    masked: phone.masked(),
                    phone: phone.as_e164().to_owned(),
                    name: entry.name.clone(),
                    locale: entry.locale.code().to_owned(),
                    blocked: entry.status == SellerStatus::Blocked,
                    merchants: entry
                        .merchants
                        .iter()
                        .map(|m| SimMerchant {
                            merchant_id: m.merchant_id.clone(),
                            name: m.name.clone(),
                            rtp: m.rtp_terminal.is_some(),
                        })
                        .collect(),
                })
            })
            .collect()
    }
}

/// A wallet account as the page lists it (full phone as for sellers: demo numbers, a
/// local-only page).
#[derive(Debug, Clone, Serialize)]
pub struct SimWalletUser {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub masked: String,
    pub tier: String,
    pub frozen: bool,
    pub currency: String,
    pub opening_balance: String,
}

impl SimWalletUser {
    pub fn from_file(file: &WalletFile) -> Vec<SimWalletUser> {
        file.accounts()
            .into_iter()
            .map(|a| SimWalletUser {
                masked: a.registered_phone.masked(),
                phone: a.registered_phone.as_e164().to_owned(),
                id: a.id,
                name: a.name,
                tier: a.tier,
                frozen: a.status == AccountStatus::Frozen,
                currency: a.currency.code().to_owned(),
                opening_balance: a.opening_balance.to_string(),
            })
            .collect()
    }
}

/// What the page shows of the wallet besides the chat.
pub struct SimWallet {
    pub users: Vec<SimWalletUser>,
    /// The SMS inbox the wallet sends its codes to.
    pub sms: Arc<MemorySmsInbox>,
    /// Whether an account is linked yet (the picker's badge).
    pub links: Arc<MemoryWalletLinkStore>,
    /// `None` when `MOMO_BASE_URL` points elsewhere.
    pub momo_sandbox_base: Option<String>,
}

/// One line of a conversation.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub seq: u64,
    /// The user's `wa_id` (digits).
    pub phone: String,
    /// The business number written to or from (`phone_number_id`).
    pub business_number_id: String,
    /// `true` for what the simulated user sent, `false` for what the bot sent.
    pub from_user: bool,
    pub at: DateTime<Utc>,
    pub wamid: String,
    /// The user's message object as in the notification, or the bot's send request body.
    pub body: Value,
    /// The exact notification the webhook received (user messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification: Option<String>,
}

#[derive(Default)]
struct Transcript {
    entries: Vec<Entry>,
    /// The Cloud API sandbox's last recorded send already copied into `entries`.
    mirrored: u64,
}

pub struct SimState {
    pub webhook: Router,
    pub app_secret: Secret,
    pub profiles: Vec<BusinessProfile>,
    pub sellers: Vec<SimSeller>,
    pub wallet: SimWallet,
    pub clock: Arc<ManualClock>,
    /// Watched after a clock jump, to let what the template sender queued be handled.
    pub outbound: Arc<MemoryQueue>,
    pub cloud: Option<CloudApiSandbox>,
    pub miapos_sandbox_base: Option<String>,
    pub graph_sandbox_base: Option<String>,
    pub templates: Arc<TemplateScheduler>,
    transcript: Mutex<Transcript>,
    changed: Notify,
    stopping: watch::Receiver<bool>,
}

#[allow(clippy::too_many_arguments)]
impl SimState {
    pub fn new(
        webhook: Router,
        app_secret: Secret,
        profiles: Vec<BusinessProfile>,
        sellers: Vec<SimSeller>,
        wallet: SimWallet,
        clock: Arc<ManualClock>,
        outbound: Arc<MemoryQueue>,
        cloud: Option<CloudApiSandbox>,
        sandbox_bases: (Option<String>, Option<String>),
        templates: Arc<TemplateScheduler>,
        stopping: watch::Receiver<bool>,
    ) -> SimState {
        SimState {
            webhook,
            app_secret,
            profiles,
            sellers,
            wallet,
            clock,
            outbound,
            cloud,
            miapos_sandbox_base: sandbox_bases.0,
            graph_sandbox_base: sandbox_bases.1,
            templates,
            transcript: Mutex::default(),
            changed: Notify::new(),
            stopping,
        }
    }

    fn transcript(&self) -> MutexGuard<'_, Transcript> {
        self.transcript.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Copies the bot's new sends from the Cloud API sandbox into the transcript.
    fn mirror(&self) {
        let Some(cloud) = &self.cloud else { return };
        let mut transcript = self.transcript();
        let fresh: Vec<_> = cloud.sent().into_iter().filter(|m| m.seq > transcript.mirrored).collect();
        for sent in fresh {
            transcript.mirrored = transcript.mirrored.max(sent.seq);
            let seq = transcript.entries.len() as u64 + 1;
            transcript.entries.push(Entry {
                seq,
                phone: sent.to.trim_start_matches('+').to_owned(),
                business_number_id: sent.phone_number_id,
                from_user: false,
                at: sent.at,
                wamid: sent.wamid,
                body: sent.body,
                notification: None,
            });
        }
    }

    fn entries_after(&self, phone: &str, business: Option<&str>, after: u64) -> Vec<Entry> {
        self.transcript()
            .entries
            .iter()
            .filter(|e| e.seq > after && e.phone == phone)
            .filter(|e| business.is_none_or(|b| e.business_number_id == b))
            .cloned()
            .collect()
    }

    /// The transcript of one user with every business number: what they sent and what the
    /// bot sent them, in order.
    pub fn conversation(&self, phone: &str) -> Vec<Entry> {
        self.mirror();
        self.entries_after(phone.trim_start_matches('+'), None, 0)
    }

    /// The name the simulated user's WhatsApp profile shows.
    fn profile_name(&self, phone: &Phone) -> String {
        let sellers = self.sellers.iter().map(|s| (&s.phone, &s.name));
        let users = self.wallet.users.iter().map(|u| (&u.phone, &u.name));
        sellers
            .chain(users)
            .find(|(p, _)| p.as_str() == phone.as_e164())
            .map(|(_, name)| name.clone())
            .unwrap_or_else(|| "Guest".to_owned())
    }

    fn profile(&self, business_number_id: Option<&str>) -> Option<&BusinessProfile> {
        match business_number_id {
            Some(id) => self.profiles.iter().find(|p| p.business_number_id == id),
            None => self.profiles.first(),
        }
    }

    fn clock_view(&self) -> ClockView {
        let now = self.clock.now();
        ClockView { now, ahead_seconds: (now - Utc::now()).num_seconds().max(0) }
    }
}

#[derive(Debug, Serialize)]
struct ClockView {
    now: DateTime<Utc>,
    /// How far the stack clock is ahead of the wall clock (the sum of the jumps).
    ahead_seconds: i64,
}

pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/_sim/sim.css", get(stylesheet))
        .route("/_sim/sim.js", get(script))
        .route("/_sim/info", get(info))
        .route("/_sim/send", post(send))
        .route("/_sim/messages", get(messages))
        .route("/_sim/sms", get(sms))
        .route("/_sim/clock", get(clock).post(move_clock))
        .route("/_sim/templates", post(run_templates))
        .route("/_sim/template-definitions", get(template_definitions))
        // Local clients only (`LOCAL_ADDRESS=0.0.0.0:…` must not hand the network a signing
        // oracle, nor a tunnel or a rebinding page on this machine).
        .layer(middleware::from_fn(sandboxes::local_only::local_only))
        .with_state(state)
}

fn no_store(content_type: &'static str, body: &'static str) -> Response {
    // Served fresh every time: the page is edited while the stack runs.
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

async fn page() -> Html<&'static str> {
    Html(include_str!("sim/index.html"))
}

async fn stylesheet() -> Response {
    no_store("text/css; charset=utf-8", include_str!("sim/sim.css"))
}

async fn script() -> Response {
    no_store("text/javascript; charset=utf-8", include_str!("sim/sim.js"))
}

async fn info(State(sim): State<Arc<SimState>>) -> Json<Value> {
    let guest = Phone::parse_international(GUEST_PHONE).expect("a valid number");
    let business: Vec<Value> = sim
        .profiles
        .iter()
        .map(|p| {
            json!({
                "phone_number_id": p.business_number_id,
                "display_number": p.display_number,
                "default_locale": p.default_locale.code(),
                "time_zone": p.time_zone,
                "currency": p.currency.code(),
                "country_code": p.country_code,
                "capabilities": p.capabilities,
            })
        })
        .collect();
    let wallet_numbers: Vec<&str> = sim
        .profiles
        .iter()
        .filter(|p| p.capabilities.contains(&Capability::Wallet))
        .map(|p| p.business_number_id.as_str())
        .collect();
    let mut wallet_users = Vec::with_capacity(sim.wallet.users.len());
    for user in &sim.wallet.users {
        let mut linked = false;
        for business in &wallet_numbers {
            // The memory store does not fail; a failure would only hide the badge.
            linked |= matches!(sim.wallet.links.link_of_account(business, &user.id).await, Ok(Some(_)));
        }
        let mut entry = serde_json::to_value(user).unwrap_or(Value::Null);
        entry["linked"] = Value::Bool(linked);
        wallet_users.push(entry);
    }
    Json(json!({
        "business": business,
        "sellers": sim.sellers,
        "wallet_users": wallet_users,
        "guest": {"phone": guest.as_e164(), "masked": guest.masked()},
        "sandboxes": {
            "whatsapp": sim.graph_sandbox_base,
            "miapos": sim.miapos_sandbox_base,
            "momo": sim.wallet.momo_sandbox_base,
        },
        "clock": sim.clock_view(),
    }))
}

#[derive(Debug, Deserialize)]
struct ReplyInput {
    id: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SendRequest {
    from: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    list_reply: Option<ReplyInput>,
    #[serde(default)]
    button_reply: Option<ReplyInput>,
    /// The wamid of the bot's message being answered.
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    business_number_id: Option<String>,
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

async fn send(State(sim): State<Arc<SimState>>, Json(request): Json<SendRequest>) -> Response {
    let Ok(phone) = Phone::parse_international(&request.from) else {
        return bad_request("from must be an international phone number, e.g. +37369000001");
    };
    let input = match (request.text, request.list_reply, request.button_reply) {
        (Some(body), None, None) if !body.trim().is_empty() => UserInput::Text { body },
        (None, Some(r), None) => {
            UserInput::ListReply { id: r.id, title: r.title, description: r.description }
        }
        (None, None, Some(r)) => UserInput::ButtonReply { id: r.id, title: r.title },
        _ => return bad_request("send exactly one of text (not empty), list_reply or button_reply"),
    };
    let Some(profile) = sim.profile(request.business_number_id.as_deref()) else {
        return bad_request("no such business number in the directory");
    };
    let name = sim.profile_name(&phone);
    let now = sim.clock.now();
    let wamid = meta::new_wamid();
    let notification = meta::notification_body(&SimulatedMessage {
        phone_number_id: &profile.business_number_id,
        display_phone_number: &profile.display_number,
        from: phone.wa_id(),
        profile_name: &name,
        wamid: &wamid,
        timestamp: now.timestamp(),
        context: request.context.as_deref(),
        input: &input,
    });
    let signature = WebhookVerifier::sign(sim.app_secret.expose(), &notification);
    let message: Value = serde_json::from_slice::<Value>(&notification)
        .ok()
        .and_then(|v| v.pointer("/entry/0/changes/0/value/messages/0").cloned())
        .unwrap_or(Value::Null);

    // The bot's earlier sends go into the transcript first, so that this message is placed
    // after everything the user had already seen.
    sim.mirror();
    let seq = {
        let mut transcript = sim.transcript();
        let seq = transcript.entries.len() as u64 + 1;
        transcript.entries.push(Entry {
            seq,
            phone: phone.wa_id().to_owned(),
            business_number_id: profile.business_number_id.clone(),
            from_user: true,
            at: now,
            wamid: wamid.clone(),
            body: message,
            notification: Some(String::from_utf8_lossy(&notification).into_owned()),
        });
        seq
    };
    sim.changed.notify_waiters();

    let post = Request::post("/webhook")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-hub-signature-256", signature)
        .body(Body::from(notification))
        .expect("a valid request");
    let status = match sim.webhook.clone().oneshot(post).await {
        Ok(response) => response.status(),
        Err(never) => match never {},
    };
    tracing::info!(wamid = %wamid, webhook_status = status.as_u16(), "simulated message sent through the webhook");
    Json(json!({"seq": seq, "wamid": wamid, "webhook_status": status.as_u16()})).into_response()
}

#[derive(Debug, Deserialize)]
struct MessagesQuery {
    phone: String,
    /// Only this business number's side of the conversation.
    #[serde(default)]
    business: Option<String>,
    #[serde(default)]
    after: u64,
    /// Seconds to wait for something new; 0 answers at once.
    #[serde(default)]
    wait: u64,
}

async fn messages(State(sim): State<Arc<SimState>>, Query(query): Query<MessagesQuery>) -> Json<Value> {
    let phone = query.phone.trim().trim_start_matches('+').to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(query.wait).min(MAX_WAIT);
    let mut stopping = sim.stopping.clone();
    loop {
        let changed = sim.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        sim.mirror();
        let entries = sim.entries_after(&phone, query.business.as_deref(), query.after);
        let now = tokio::time::Instant::now();
        if !entries.is_empty() || now >= deadline || *stopping.borrow() {
            return Json(json!({"entries": entries, "clock": sim.clock_view()}));
        }
        let mirrored = sim.transcript().mirrored;
        let remaining = deadline - now;
        let bot_sent = async {
            match &sim.cloud {
                Some(cloud) => {
                    cloud.wait_for(|m| m.seq > mirrored, remaining).await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = changed => {}
            _ = bot_sent => {}
            _ = tokio::time::sleep_until(deadline) => {}
            _ = stopping.changed() => {}
        }
    }
}

#[derive(Debug, Deserialize)]
struct SmsQuery {
    phone: String,
}

/// The SMS inbox of one phone: the texts as the phone would show them.
async fn sms(State(sim): State<Arc<SimState>>, Query(query): Query<SmsQuery>) -> Response {
    let Ok(phone) = Phone::parse_international(query.phone.trim()) else {
        return bad_request("phone must be an international phone number, e.g. +233244000101");
    };
    let sms: Vec<Value> = sim
        .wallet
        .sms
        .to(&phone)
        .into_iter()
        .map(|m| json!({"id": m.id, "text": m.text, "at": m.at}))
        .collect();
    ([(header::CACHE_CONTROL, "no-store")], Json(json!({"sms": sms}))).into_response()
}

async fn clock(State(sim): State<Arc<SimState>>) -> Json<ClockView> {
    Json(sim.clock_view())
}

#[derive(Debug, Deserialize)]
struct ClockRequest {
    #[serde(default)]
    hours: Option<f64>,
    #[serde(default)]
    minutes: Option<f64>,
}

async fn move_clock(State(sim): State<Arc<SimState>>, Json(request): Json<ClockRequest>) -> Response {
    let minutes = request.hours.unwrap_or(0.0) * 60.0 + request.minutes.unwrap_or(0.0);
    // Time only moves forward, at most a month at a time.
    if !(minutes.is_finite() && minutes > 0.0 && minutes <= 31.0 * 24.0 * 60.0) {
        return bad_request("move the clock forward by hours or minutes (more than 0, at most 31 days)");
    }
    let by = chrono::Duration::milliseconds((minutes * 60_000.0).round() as i64);
    sim.clock.advance(by);
    tracing::info!(minutes, now = %sim.clock.now(), "stack clock moved forward");
    // The first run finds what became due (links to expire, payments to look up) and queues
    // status updates; notify moves those to the outbox (the window is closed by now); the
    // second run sends them as templates. On AWS the next scheduled minutes would.
    let first = sim.templates.run_now("clock moved").await;
    settle(&sim.outbound).await;
    let second = sim.templates.run_now("clock moved, queue handled").await;
    Json(json!({"clock": sim.clock_view(), "templates": [first, second]})).into_response()
}

/// Waits (a few seconds at most) until the queue is empty and has stayed so for a moment,
/// so that its consumer has finished with what it took.
async fn settle(queue: &MemoryQueue) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while tokio::time::Instant::now() < deadline {
        if queue.ready_len() == 0 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if queue.ready_len() == 0 {
                return;
            }
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn run_templates(State(sim): State<Arc<SimState>>) -> Json<Value> {
    Json(json!({"report": sim.templates.run_now("asked for").await}))
}

/// The template definitions as submitted to Meta. Read from the repository at request time
/// (the local stack runs from a checkout); an empty list only means templates show as their
/// name and parameters.
async fn template_definitions() -> Json<Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates");
    let mut definitions = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Ok(text) = std::fs::read_to_string(&path)
                && let Ok(value) = serde_json::from_str::<Value>(&text)
            {
                definitions.push(value);
            }
        }
    }
    Json(Value::Array(definitions))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use crate::{LocalSettings, start};

    fn client() -> reqwest::Client {
        reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
    }

    /// Served as `cargo run -p local-stack` serves it: the simulator and the sandboxes'
    /// control routes answer a direct loopback client only; the webhook and the Cloud API
    /// sandbox's send endpoint answer anyone.
    #[tokio::test]
    async fn the_simulator_and_the_sandbox_controls_answer_this_machine_only() {
        let stack = start(&LocalSettings::for_tests()).await.unwrap();
        let base = &stack.base_url;
        let get = |path: &str, headers: &[(&str, &str)]| {
            let mut request = client().get(format!("{base}{path}"));
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.send()
        };
        for path in [
            "/",
            "/_sim/info",
            "/_sim/sms?phone=%2B233244000101",
            "/sandbox/graph/_sandbox/messages",
            "/sandbox/momo/_sandbox/requests",
            "/momo/approvals",
        ] {
            assert_eq!(get(path, &[]).await.unwrap().status(), 200, "{path}");
            for refused in [
                ("x-forwarded-for", "203.0.113.9"),
                ("forwarded", "for=203.0.113.9"),
                ("host", "rebound.example:3000"),
                ("origin", "https://attacker.example"),
            ] {
                let response = get(path, &[refused]).await.unwrap();
                assert_eq!(response.status(), 403, "{path} with {refused:?}");
                assert!(!response.text().await.unwrap().is_empty(), "a reason is given");
            }
        }
        let fail = client()
            .post(format!("{base}/sandbox/graph/_sandbox/fail"))
            .header("x-real-ip", "203.0.113.9")
            .json(&serde_json::json!({"code": 131047}))
            .send()
            .await
            .unwrap();
        assert_eq!(fail.status(), 403);
        let approve = client()
            .post(format!(
                "{base}/sandbox/momo/_sandbox/requests/3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/approve"
            ))
            .header("origin", "https://attacker.example")
            .send()
            .await
            .unwrap();
        assert_eq!(approve.status(), 403);

        // The send endpoint is Meta's stand-in: a forwarded request reaches it (and is refused
        // for want of a token, not for where it came from).
        let send = client()
            .post(format!("{base}/sandbox/graph/v23.0/106540352242922/messages"))
            .header("x-forwarded-for", "203.0.113.9")
            .json(&serde_json::json!({"messaging_product": "whatsapp"}))
            .send()
            .await
            .unwrap();
        assert_eq!(send.status(), 401);

        // Without the connect info (a router served without it) the simulator fails closed.
        let direct = stack
            .stack
            .router()
            .oneshot(Request::get("/_sim/info").header("host", "127.0.0.1").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(direct.status(), 403);
    }
}
