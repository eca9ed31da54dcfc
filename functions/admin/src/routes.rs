//! The console's routes: the page at `/admin` and the JSON API under `/admin/api`. The router
//! owns the `/admin` prefix, so the local stack merges it as it is (`.merge(admin::router(…))`)
//! and API Gateway passes the same paths. Every API route asks for an [`Identity`]; every
//! change asks for an operator and is audited on the operator's chain.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use lambda_http::request::RequestContext;
use paybot::StoreError;
use paybot::config::ConfigError;
use paybot::domain::{Capability, Locale, Phone};
use paybot::i18n::{WordArg, Words};
use paybot::operator::controls::{MAX_ALIAS_CHARS, normalize_alias};
use paybot::operator::metrics::DEPLOYMENT;
use paybot::ports::{
    AlertStore, AuditEvent, AuditLog, Clock, ContactStore, ControlsStore, Directory, Escalation,
    EscalationStore, FailedCommandLog, HandoffMessage, HandoffParty, MetricsStore, Notice, Pause,
    QueueSender, WalletDirectory, WalletLinkStore,
};
use paybot::wiring::Stores;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Identity, Refusal, Role, identify};
use crate::figures::{FigureInputs, Figures, conversation_handle, figures, first_day_needed, mask_user};
use crate::settings::ConsoleSettings;

/// The approved Utility template an operator's reply goes out as outside the window.
pub const OPERATOR_REPLY_TEMPLATE: &str = "operator_reply";
/// The longest reply an operator may send (a template parameter stays well within Meta's limit).
pub const MAX_REPLY_CHARS: usize = 1_000;
/// The most list entries read per figure (alerts, failed commands, open escalations).
pub const LIST_LIMIT: usize = 50;

/// What the console is built from.
#[derive(Clone)]
pub struct AdminDeps {
    pub directory: Arc<dyn Directory>,
    pub controls: Arc<dyn ControlsStore>,
    pub escalations: Arc<dyn EscalationStore>,
    pub metrics: Arc<dyn MetricsStore>,
    pub alerts: Arc<dyn AlertStore>,
    pub failed_commands: Arc<dyn FailedCommandLog>,
    pub contacts: Arc<dyn ContactStore>,
    pub audit: Arc<dyn AuditLog>,
    /// `None` where the deployment has no wallet tables: the wallet figures stay empty.
    pub wallet_links: Option<Arc<dyn WalletLinkStore>>,
    pub wallet_accounts: Option<Arc<dyn WalletDirectory>>,
    /// Where an operator's reply is queued for notify (the outbound queue).
    pub outbound: Arc<dyn QueueSender>,
    pub clock: Arc<dyn Clock>,
    pub settings: ConsoleSettings,
}

impl AdminDeps {
    pub fn new(
        stores: &dyn Stores,
        outbound: Arc<dyn QueueSender>,
        clock: Arc<dyn Clock>,
        settings: ConsoleSettings,
    ) -> Result<AdminDeps, ConfigError> {
        Ok(AdminDeps {
            directory: stores.directory()?,
            controls: stores.controls()?,
            escalations: stores.escalations()?,
            metrics: stores.metrics()?,
            alerts: stores.alerts()?,
            failed_commands: stores.failed_commands()?,
            contacts: stores.contacts()?,
            audit: stores.audit()?,
            wallet_links: stores.wallet_links().ok(),
            wallet_accounts: stores.wallet_accounts().ok(),
            outbound,
            clock,
            settings,
        })
    }
}

type Deps = State<Arc<AdminDeps>>;

pub fn router(deps: AdminDeps) -> Router {
    Router::new()
        .route("/admin", get(page))
        .route("/admin/", get(page))
        .route("/admin/api/me", get(me))
        .route("/admin/api/numbers", get(numbers))
        .route("/admin/api/numbers/{number}", get(number_figures))
        .route("/admin/api/numbers/{number}/charts/{chart}", get(chart))
        .route("/admin/api/numbers/{number}/switch", post(switch))
        .route("/admin/api/numbers/{number}/alerts/acknowledge", post(acknowledge))
        .route("/admin/api/numbers/{number}/aliases", post(teach))
        .route("/admin/api/numbers/{number}/aliases/forget", post(forget))
        .route("/admin/api/numbers/{number}/escalations/{handle}/reply", post(reply))
        .route("/admin/api/numbers/{number}/escalations/{handle}/release", post(release))
        .with_state(Arc::new(deps))
}

/// Every POST route of the API with a body it accepts, for the tests that try each route
/// without and with each role.
pub const CHANGES: [(&str, &str); 6] = [
    ("/admin/api/numbers/{number}/switch", r#"{"on":false}"#),
    ("/admin/api/numbers/{number}/alerts/acknowledge", r#"{"id":"{alert}"}"#),
    ("/admin/api/numbers/{number}/aliases", r#"{"alias":"check balance","command":"BAL"}"#),
    ("/admin/api/numbers/{number}/aliases/forget", r#"{"alias":"check balance"}"#),
    ("/admin/api/numbers/{number}/escalations/{handle}/reply", r#"{"text":"We are on it."}"#),
    ("/admin/api/numbers/{number}/escalations/{handle}/release", "{}"),
];

// ---- errors and identities ------------------------------------------------------------------

#[derive(Debug)]
pub enum ApiError {
    Refused(Refusal),
    NotFound,
    Invalid(&'static str),
    Store(StoreError),
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::Store(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error) = match self {
            ApiError::Refused(refusal) => (
                refusal.status(),
                if refusal == Refusal::Forbidden { "forbidden" } else { "unauthenticated" },
            ),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Invalid(why) => (StatusCode::UNPROCESSABLE_ENTITY, why),
            ApiError::Store(err) => {
                tracing::error!(error = %err, "console request failed");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
        };
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl FromRequestParts<Arc<AdminDeps>> for Identity {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, deps: &Arc<AdminDeps>) -> Result<Self, ApiError> {
        identify(parts.extensions.get::<RequestContext>(), &parts.headers, &deps.settings)
            .map_err(ApiError::Refused)
    }
}

/// An identity allowed to change things.
pub struct Operator(pub Identity);

impl FromRequestParts<Arc<AdminDeps>> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, deps: &Arc<AdminDeps>) -> Result<Self, ApiError> {
        let identity = Identity::from_request_parts(parts, deps).await?;
        if identity.role != Role::Operator {
            return Err(ApiError::Refused(Refusal::Forbidden));
        }
        Ok(Operator(identity))
    }
}

async fn audit(
    deps: &AdminDeps,
    who: &Identity,
    kind: &str,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let event = AuditEvent { chain: who.audit_chain(), kind: kind.into(), at: deps.clock.now(), detail };
    deps.audit.append(event).await?;
    Ok(())
}

// ---- reading ----------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct LocaleQuery {
    locale: Option<String>,
}

impl LocaleQuery {
    fn locale(&self) -> Locale {
        self.locale.as_deref().and_then(Locale::parse).unwrap_or(Locale::En)
    }
}

async fn page(State(deps): Deps) -> Html<String> {
    Html(crate::page::render(&deps.settings))
}

async fn me(identity: Identity) -> Json<Identity> {
    Json(identity)
}

async fn numbers(_: Identity, State(deps): Deps) -> Result<Json<serde_json::Value>, ApiError> {
    let profiles = deps.directory.profiles().await?;
    Ok(Json(json!(
        profiles
            .iter()
            .map(|p| json!({
                "id": p.business_number_id,
                "display_number": p.display_number,
                "currency": p.currency,
                "wallet": p.capabilities.contains(&Capability::Wallet),
            }))
            .collect::<Vec<_>>()
    )))
}

/// Reads everything the figures of `number` are computed from, and computes them.
pub async fn load_figures(deps: &AdminDeps, number: &str, locale: Locale) -> Result<Figures, ApiError> {
    let profile = deps.directory.profile(number).await?.ok_or(ApiError::NotFound)?;
    let now = deps.clock.now();
    let today = now.date_naive();
    let wallet = async {
        match (&deps.wallet_links, &deps.wallet_accounts) {
            (Some(links), Some(accounts)) if profile.capabilities.contains(&Capability::Wallet) => {
                Ok::<_, StoreError>(Some((
                    links.count_linked(number).await?,
                    accounts.count_accounts().await?,
                )))
            }
            _ => Ok(None),
        }
    };
    let (days, deployment, controls, alerts, failed, escalations, wallet) = tokio::try_join!(
        deps.metrics.days(number, first_day_needed(today), today),
        deps.metrics.days(DEPLOYMENT, today - Duration::days(1), today),
        deps.controls.controls(number),
        deps.alerts.list(number, LIST_LIMIT),
        deps.failed_commands.list(number, LIST_LIMIT),
        deps.escalations.open_for(number, LIST_LIMIT),
        wallet,
    )?;
    Ok(figures(&FigureInputs {
        profile: &profile,
        controls: &controls,
        now,
        days: &days,
        deployment: &deployment,
        wallet,
        alerts: &alerts,
        failed: &failed,
        escalations: &escalations,
        webhook_healthy: deps.settings.webhook_healthy,
        public_base_url: deps.settings.public_base_url.as_deref(),
        locale,
    }))
}

/// The figures and, under `charts`, the three pictures drawn from them: the page shows both
/// from this one read of the stores (the chart routes serve a picture on its own).
async fn number_figures(
    _: Identity,
    State(deps): Deps,
    Path(number): Path<String>,
    Query(query): Query<LocaleQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let locale = query.locale();
    let mut figures = load_figures(&deps, &number, locale).await?;
    if figures.webhook.url.is_none() {
        // Without PUBLIC_BASE_URL (on Lambda the function cannot name its own API without a
        // template cycle), the webhook is on the host the console was reached on.
        figures.webhook.url = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(|host| format!("https://{host}/webhook"));
    }
    let charts = json!({
        "commands": crate::charts::commands(&figures, locale),
        "transactions": crate::charts::transactions(&figures, locale),
        "responses": crate::charts::responses(&figures, locale),
    });
    let mut body = serde_json::to_value(&figures).expect("the figures serialize");
    body["charts"] = charts;
    Ok(Json(body))
}

async fn chart(
    _: Identity,
    State(deps): Deps,
    Path((number, chart)): Path<(String, String)>,
    Query(query): Query<LocaleQuery>,
) -> Result<Response, ApiError> {
    let locale = query.locale();
    let draw = match chart.as_str() {
        "commands.svg" => crate::charts::commands,
        "transactions.svg" => crate::charts::transactions,
        "responses.svg" => crate::charts::responses,
        _ => return Err(ApiError::NotFound),
    };
    let figures = load_figures(&deps, &number, locale).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], draw(&figures, locale)).into_response())
}

// ---- changes ---------------------------------------------------------------------------------

async fn known_number(deps: &AdminDeps, number: &str) -> Result<(), ApiError> {
    deps.directory.profile(number).await?.map(|_| ()).ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct SwitchBody {
    on: bool,
}

async fn switch(
    Operator(who): Operator,
    State(deps): Deps,
    Path(number): Path<String>,
    Json(body): Json<SwitchBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    known_number(&deps, &number).await?;
    let current = deps.controls.controls(&number).await?.paused;
    match (body.on, current) {
        (true, None) => {}
        (true, Some(pause)) => {
            deps.controls.set_paused(&number, None).await?;
            audit(&deps, &who, "console.bot_resumed", json!({ "number": number, "pause": pause.id })).await?;
        }
        // Switching off what is off keeps the pause: users told once are not told again.
        (false, Some(_)) => {}
        (false, None) => {
            let pause =
                Pause { id: uuid::Uuid::new_v4().to_string(), by: who.name.clone(), at: deps.clock.now() };
            deps.controls.set_paused(&number, Some(&pause)).await?;
            audit(&deps, &who, "console.bot_paused", json!({ "number": number, "pause": pause.id })).await?;
        }
    }
    Ok(Json(json!({ "on": body.on })))
}

#[derive(Debug, Deserialize)]
pub struct AlertBody {
    id: String,
}

async fn acknowledge(
    Operator(who): Operator,
    State(deps): Deps,
    Path(number): Path<String>,
    Json(body): Json<AlertBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // Only an alert of this number: the number in the path is what the operator looked at.
    let alerts = deps.alerts.list(&number, 500).await?;
    if !alerts.iter().any(|a| a.id == body.id) {
        return Err(ApiError::NotFound);
    }
    if !deps.alerts.acknowledge(&body.id, &who.name, deps.clock.now()).await? {
        return Err(ApiError::NotFound);
    }
    audit(&deps, &who, "console.alert_acknowledged", json!({ "number": number, "alert": body.id })).await?;
    Ok(Json(json!({ "acknowledged": body.id })))
}

#[derive(Debug, Deserialize)]
pub struct AliasBody {
    alias: String,
    #[serde(default)]
    command: String,
}

/// The alias and command as stored, or why they are refused: the alias is not empty and not
/// too long; the command is one word; an alias never stands for itself.
pub fn checked_alias(alias: &str, command: &str) -> Result<(String, String), &'static str> {
    let alias = normalize_alias(alias);
    let command = command.trim().to_uppercase();
    if alias.is_empty() {
        return Err("alias_empty");
    }
    if alias.chars().count() > MAX_ALIAS_CHARS {
        return Err("alias_too_long");
    }
    if command.is_empty() || command.split_whitespace().count() != 1 {
        return Err("command_not_one_word");
    }
    if alias == command {
        return Err("alias_is_the_command");
    }
    Ok((alias, command))
}

async fn teach(
    Operator(who): Operator,
    State(deps): Deps,
    Path(number): Path<String>,
    Json(body): Json<AliasBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    known_number(&deps, &number).await?;
    let (alias, command) = checked_alias(&body.alias, &body.command).map_err(ApiError::Invalid)?;
    deps.controls.teach_alias(&number, &alias, &command).await?;
    audit(
        &deps,
        &who,
        "console.alias_taught",
        json!({ "number": number, "alias": alias, "command": command }),
    )
    .await?;
    Ok(Json(json!({ "alias": alias, "command": command })))
}

async fn forget(
    Operator(who): Operator,
    State(deps): Deps,
    Path(number): Path<String>,
    Json(body): Json<AliasBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    known_number(&deps, &number).await?;
    let alias = normalize_alias(&body.alias);
    if !deps.controls.forget_alias(&number, &alias).await? {
        return Err(ApiError::NotFound);
    }
    audit(&deps, &who, "console.alias_forgotten", json!({ "number": number, "alias": alias })).await?;
    Ok(Json(json!({ "forgotten": alias })))
}

/// The open escalation of `number` the console calls `handle`.
async fn open_escalation(deps: &AdminDeps, number: &str, handle: &str) -> Result<Escalation, ApiError> {
    deps.escalations
        .open_for(number, 500)
        .await?
        .into_iter()
        .find(|e| conversation_handle(number, &e.contact.user_key) == handle)
        .ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct ReplyBody {
    text: String,
}

/// The operator's reply as a notice: free-form inside the window, the `operator_reply`
/// template outside it, decided by notify like every notice.
pub fn reply_notice(
    escalation: &Escalation,
    handle: &str,
    line_id: &str,
    text: &str,
    locale: Locale,
    now: chrono::DateTime<chrono::Utc>,
) -> Notice {
    Notice {
        id: format!("operator:{handle}:{line_id}"),
        contact: escalation.contact.clone(),
        text: Words::new("operator-reply").arg("text", WordArg::Text(text.to_owned())),
        template: OPERATOR_REPLY_TEMPLATE.into(),
        parameters: vec![WordArg::Text(text.to_owned())],
        digest_line: vec![WordArg::Text(text.to_owned())],
        locale,
        at: now,
    }
}

async fn reply(
    Operator(who): Operator,
    State(deps): Deps,
    Path((number, handle)): Path<(String, String)>,
    Json(body): Json<ReplyBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError::Invalid("reply_empty"));
    }
    if text.chars().count() > MAX_REPLY_CHARS {
        return Err(ApiError::Invalid("reply_too_long"));
    }
    let escalation = open_escalation(&deps, &number, &handle).await?;
    let phone = Phone::parse_international(&escalation.contact.user_key)
        .map_err(|_| ApiError::Invalid("conversation_without_phone"))?;
    let now = deps.clock.now();
    let locale = deps.contacts.settings(&escalation.contact).await?.locale.unwrap_or(escalation.locale);
    let line_id = uuid::Uuid::new_v4().to_string();
    let notice = reply_notice(&escalation, &handle, &line_id, text, locale, now);
    let job = paybot::notices::status_job(notice, phone);
    deps.outbound.send_batch(&[job.to_queue_message()]).await?;
    let line = HandoffMessage {
        id: line_id.clone(),
        at: now,
        from: HandoffParty::Operator(who.name.clone()),
        text: text.to_owned(),
    };
    deps.escalations.append(&escalation.contact, &line).await?;
    audit(
        &deps,
        &who,
        "console.reply_sent",
        json!({ "number": number, "conversation": mask_user(&escalation.contact.user_key), "line": line_id }),
    )
    .await?;
    Ok(Json(json!({ "queued": line_id })))
}

async fn release(
    Operator(who): Operator,
    State(deps): Deps,
    Path((number, handle)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let escalation = open_escalation(&deps, &number, &handle).await?;
    let now = deps.clock.now();
    let released = paybot::operator::handoff::release(
        deps.escalations.as_ref(),
        deps.contacts.as_ref(),
        &escalation.contact,
        &who.name,
        now,
    )
    .await?;
    if !released {
        return Err(ApiError::NotFound);
    }
    audit(
        &deps,
        &who,
        "console.released",
        json!({ "number": number, "conversation": mask_user(&escalation.contact.user_key) }),
    )
    .await?;
    Ok(Json(json!({ "released": handle })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_checked_before_they_are_taught() {
        let cases = [
            ("  check   balance ", "bal", Ok(("CHECK BALANCE".to_owned(), "BAL".to_owned()))),
            ("", "BAL", Err("alias_empty")),
            ("   ", "BAL", Err("alias_empty")),
            ("check balance", "", Err("command_not_one_word")),
            ("check balance", "SEND MONEY", Err("command_not_one_word")),
            ("bal", "BAL", Err("alias_is_the_command")),
        ];
        for (alias, command, expected) in cases {
            assert_eq!(checked_alias(alias, command), expected, "{alias:?} {command:?}");
        }
        assert_eq!(checked_alias(&"x".repeat(MAX_ALIAS_CHARS + 1), "BAL"), Err("alias_too_long"));
    }
}
