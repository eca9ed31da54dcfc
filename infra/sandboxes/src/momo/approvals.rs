//! Where the payer's phone would be: the approval page of the local stack, and the JSON
//! control API tests and the simulator use. Both answer this machine only.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Kind, MomoSandbox, SandboxTransaction, SettleError, Status};

/// How many settled requests-to-pay the page shows under the pending ones.
const RECENT: usize = 10;

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    /// `PENDING`, `SUCCESSFUL` or `FAILED`.
    status: Option<String>,
    /// `requesttopay` or `transfer`.
    kind: Option<String>,
}

/// `GET /_sandbox/requests[?status=PENDING][&kind=requesttopay]`: the requests, oldest first.
pub(super) async fn list(State(sandbox): State<MomoSandbox>, Query(query): Query<ListQuery>) -> Response {
    let transactions: Vec<SandboxTransaction> = sandbox
        .transactions()
        .into_iter()
        .filter(|t| query.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(t.status.as_str())))
        .filter(|t| query.kind.as_deref().is_none_or(|k| k.eq_ignore_ascii_case(t.kind.as_str())))
        .collect();
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(transactions)).into_response()
}

/// Applies `approve`, `reject` or `expire` to a request; the error is the status and message
/// to answer.
fn apply(
    sandbox: &MomoSandbox,
    reference: &str,
    action: &str,
) -> Result<SandboxTransaction, (StatusCode, String)> {
    let reference =
        Uuid::try_parse(reference).map_err(|_| (StatusCode::NOT_FOUND, "not a reference id".to_owned()))?;
    let outcome = match action {
        "approve" => sandbox.approve(reference),
        "reject" => sandbox.reject(reference),
        "expire" => sandbox.expire(reference),
        _ => return Err((StatusCode::NOT_FOUND, "the action is approve, reject or expire".to_owned())),
    };
    outcome.map_err(|e| {
        let status = match e {
            SettleError::UnknownReference(_) => StatusCode::NOT_FOUND,
            SettleError::AlreadyFinal(_) => StatusCode::CONFLICT,
        };
        (status, e.to_string())
    })
}

/// `POST /_sandbox/requests/{reference}/{approve|reject|expire}`: `200` with the request as it
/// is now, `404` for an unknown one, `409` when it is final already.
pub(super) async fn control(
    State(sandbox): State<MomoSandbox>,
    Path((reference, action)): Path<(String, String)>,
) -> Response {
    match apply(&sandbox, &reference, &action) {
        Ok(transaction) => axum::Json(transaction).into_response(),
        Err((status, error)) => (status, axum::Json(json!({"error": error}))).into_response(),
    }
}

/// The page and its form targets, this machine only.
pub(super) fn router(sandbox: MomoSandbox) -> Router {
    Router::new()
        .route("/momo/approvals", get(page))
        .route("/momo/approvals/{reference}/{action}", post(decide))
        .route_layer(axum::middleware::from_fn(crate::local_only::local_only))
        .with_state(sandbox)
}

/// `POST /momo/approvals/{reference}/{approve|reject}`: back to the page, which shows how the
/// request ended (a second click on a settled request changes nothing).
async fn decide(
    State(sandbox): State<MomoSandbox>,
    Path((reference, action)): Path<(String, String)>,
) -> Response {
    if !matches!(action.as_str(), "approve" | "reject") {
        return (StatusCode::NOT_FOUND, "unknown action").into_response();
    }
    let _ = apply(&sandbox, &reference, &action);
    // Relative, so the page works wherever the router is mounted.
    Redirect::to("../../approvals").into_response()
}

/// `GET /momo/approvals`.
async fn page(State(sandbox): State<MomoSandbox>) -> Response {
    let requests: Vec<SandboxTransaction> =
        sandbox.transactions().into_iter().filter(|t| t.kind == Kind::RequestToPay).collect();
    let pending: Vec<&SandboxTransaction> = requests.iter().filter(|t| t.status == Status::Pending).collect();
    let recent: Vec<&SandboxTransaction> =
        requests.iter().rev().filter(|t| t.status.is_final()).take(RECENT).collect();
    let mut main = String::from("<h1>MoMo approvals</h1>\n");
    if pending.is_empty() {
        main.push_str("<p class=\"empty\">No request to pay is waiting.</p>\n");
    }
    for t in &pending {
        main.push_str(&format!(
            "<section class=\"request\">\n<p class=\"amount\">{} {}</p>\n<dl>\n<dt>Payer</dt><dd>{}</dd>\n<dt>Message</dt><dd>{}</dd>\n<dt>Reference</dt><dd class=\"ref\">{}</dd>\n</dl>\n<div class=\"actions\">\n<form method=\"post\" action=\"approvals/{ref}/approve\"><button class=\"approve\" type=\"submit\">Approve</button></form>\n<form method=\"post\" action=\"approvals/{ref}/reject\"><button type=\"submit\">Reject</button></form>\n</div>\n</section>\n",
            escape(&t.amount.normalize().to_string()),
            escape(&t.currency),
            escape(&t.party_id),
            escape(t.payer_message.as_deref().unwrap_or("")),
            t.reference,
            ref = t.reference,
        ));
    }
    if !recent.is_empty() {
        main.push_str("<h2>Recent</h2>\n<table>\n");
        for t in recent {
            let class = if t.status == Status::Successful { "ok" } else { "bad" };
            main.push_str(&format!(
                "<tr><td>{} {}</td><td>{}</td><td class=\"{class}\">{}{}</td></tr>\n",
                escape(&t.amount.normalize().to_string()),
                escape(&t.currency),
                escape(&t.party_id),
                t.status,
                t.reason.as_deref().map(|r| format!(" ({})", escape(r))).unwrap_or_default(),
            ));
        }
        main.push_str("</table>\n");
    }
    main.push_str("<p class=\"note\"><a href=\"approvals\">Refresh</a> · Sandbox: no money moves.</p>\n");
    ([(header::CACHE_CONTROL, "no-store")], Html(layout(&main))).into_response()
}

fn layout(main: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MoMo approvals · sandbox</title>
<style>
body {{ margin: 0; padding: 0 .75rem; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f4f4f0; color: #1d2433; }}
main {{ max-width: 30rem; margin: 1.5rem auto; }}
h1 {{ font-size: 1.3rem; border-bottom: .3rem solid #ffcb05; padding-bottom: .4rem; }}
h2 {{ font-size: 1rem; margin-top: 1.5rem; }}
.request {{ background: #fff; border-radius: .8rem; padding: 1rem; margin: 0 0 1rem; box-shadow: 0 1px 4px rgba(0,0,0,.08); }}
.amount {{ margin: 0 0 .6rem; font-size: 1.6rem; font-weight: 700; }}
dl {{ display: grid; grid-template-columns: auto 1fr; gap: .3rem .8rem; margin: 0 0 .8rem; }}
dt {{ color: #5b6477; }} dd {{ margin: 0; overflow-wrap: anywhere; }}
.ref {{ font-family: monospace; font-size: .8rem; }}
.actions {{ display: flex; gap: .6rem; }} .actions form {{ flex: 1; margin: 0; }}
button {{ width: 100%; padding: .8rem; font-size: 1rem; border-radius: .6rem; border: 1px solid #c8cdd6; background: #fff; }}
button.approve {{ background: #ffcb05; border-color: #e0b300; font-weight: 600; }}
table {{ width: 100%; border-collapse: collapse; background: #fff; border-radius: .6rem; }}
td {{ padding: .4rem .6rem; border-bottom: 1px solid #eee; font-size: .9rem; }}
.ok {{ color: #17663a; }} .bad {{ color: #a12626; }}
.empty, .note {{ color: #5b6477; }} .note {{ font-size: .8rem; }}
</style>
</head>
<body>
<main>
{main}</main>
</body>
</html>
"#
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
