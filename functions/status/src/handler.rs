use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use paybot::crypto::{DataKey, merchant_secret_binding};
use paybot::domain::{ContactKey, PaymentLink};
use paybot::miapos::{CallbackError, CallbackVerifier, MiaposClient};
use paybot::payments::{self, Applied, RailResult};
use paybot::ports::{
    AuditEvent, AuditLog, Clock, ContactStore, Directory, IdempotencyStore, MerchantCredentials,
    PaymentLinkStore, QueueSender,
};
use paybot::{StoreError, StoreResult};
use tokio::sync::RwLock;

/// The rail's public key: configured (`MIAPOS_PUBLIC_KEY`), or fetched once with the
/// credentials of the merchant the callback names, then cached for the life of the instance.
pub struct CallbackKeys {
    configured: Option<CallbackVerifier>,
    fetch: Option<(Arc<MiaposClient>, DataKey)>,
    cached: RwLock<Option<CallbackVerifier>>,
}

impl CallbackKeys {
    pub fn configured(verifier: CallbackVerifier) -> Self {
        CallbackKeys { configured: Some(verifier), fetch: None, cached: RwLock::new(None) }
    }

    pub fn fetched(rail: Arc<MiaposClient>, data_key: DataKey) -> Self {
        CallbackKeys { configured: None, fetch: Some((rail, data_key)), cached: RwLock::new(None) }
    }
}

pub struct StatusState {
    pub keys: CallbackKeys,
    pub links: Arc<dyn PaymentLinkStore>,
    pub directory: Arc<dyn Directory>,
    pub contacts: Arc<dyn ContactStore>,
    pub outbound: Arc<dyn QueueSender>,
    pub audit: Arc<dyn AuditLog>,
    /// Keeps each transition's audit record to one, whatever the retries.
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub clock: Arc<dyn Clock>,
}

/// `POST /miapos/callback`.
pub fn router(state: Arc<StatusState>) -> Router {
    Router::new().route("/miapos/callback", post(receive_callback)).with_state(state)
}

/// 400 for a malformed body, 403 for a bad signature (nothing changes), 200 once the result
/// is stored (or recognised as a duplicate, a late arrival, or a disagreement that is
/// alerted), 500 when storing failed so the rail may retry.
pub async fn receive_callback(State(state): State<Arc<StatusState>>, body: Bytes) -> Response {
    let verifier = match verifier_for(&state, &body).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let result: RailResult = match verifier.verify(&body) {
        Ok(result) => result.into(),
        Err(err @ CallbackError::BadSignature) => {
            tracing::warn!(error = %err, "miaPOS callback refused: bad signature");
            return StatusCode::FORBIDDEN.into_response();
        }
        Err(err) => {
            tracing::warn!(error = %err, "miaPOS callback refused: malformed");
            return (StatusCode::BAD_REQUEST, "malformed callback").into_response();
        }
    };
    match handle_result(&state, &result).await {
        Ok(()) => (StatusCode::OK, "OK").into_response(),
        Err(err) => {
            tracing::error!(order = %result.order_id, error = %err, "miaPOS callback not stored");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn verifier_for(state: &StatusState, body: &[u8]) -> Result<CallbackVerifier, Response> {
    if let Some(verifier) = &state.keys.configured {
        return Ok(verifier.clone());
    }
    if let Some(verifier) = state.keys.cached.read().await.clone() {
        return Ok(verifier);
    }
    let Some((rail, data_key)) = &state.keys.fetch else {
        tracing::error!("no miaPOS public key configured and no way to fetch one");
        return Err(StatusCode::SERVICE_UNAVAILABLE.into_response());
    };
    // The key is the rail's; the untrusted body only says which merchant's token to fetch it with.
    let order_id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.pointer("/result/orderId").and_then(|o| o.as_str()).map(str::to_owned))
        .ok_or_else(|| (StatusCode::BAD_REQUEST, "malformed callback").into_response())?;
    let credentials = merchant_credentials(state, data_key, &order_id).await.map_err(|err| {
        tracing::warn!(error = %err, "cannot fetch the miaPOS public key for this callback");
        StatusCode::SERVICE_UNAVAILABLE.into_response()
    })?;
    let verifier = rail.callback_verifier(&credentials).await.map_err(|err| {
        tracing::warn!(error = %err, "miaPOS public key not fetched");
        StatusCode::SERVICE_UNAVAILABLE.into_response()
    })?;
    *state.keys.cached.write().await = Some(verifier.clone());
    Ok(verifier)
}

async fn merchant_credentials(
    state: &StatusState,
    key: &DataKey,
    order_id: &str,
) -> Result<MerchantCredentials, String> {
    let link = state.links.get(order_id).await.map_err(|e| e.to_string())?.ok_or("unknown order")?;
    let seller =
        state.directory.seller(&link.seller).await.map_err(|e| e.to_string())?.ok_or("unknown seller")?;
    let merchant = seller.merchant(&link.merchant_id).ok_or("unknown merchant")?;
    let binding = merchant_secret_binding(seller.phone.as_e164(), &merchant.merchant_id);
    let secret_key = key.open(&merchant.sealed_secret, &binding).map_err(|e| e.to_string())?;
    Ok(MerchantCredentials { merchant_id: merchant.merchant_id.clone(), secret_key })
}

async fn handle_result(state: &StatusState, result: &RailResult) -> StoreResult<()> {
    let now = state.clock.now();
    match payments::apply_result(state.links.as_ref(), result, now).await? {
        Applied::Moved(link) => {
            audit(state, &link, "payment_status", serde_json::json!({"state": link.state.as_str()})).await?;
            if link.state.is_final() {
                notify(state, &link, result).await?;
            }
            tracing::info!(link = %link.id, state = link.state.as_str(), "payment link moved");
        }
        // A retry after a partial failure: the record is written if it was not, and the
        // notification's stable id keeps it to one message.
        Applied::AlreadyThere(link) => {
            audit(state, &link, "payment_status", serde_json::json!({"state": link.state.as_str()})).await?;
            notify(state, &link, result).await?;
        }
        Applied::Ignored => tracing::info!(order = %result.order_id, "duplicate or late result ignored"),
        Applied::UnknownLink => {
            tracing::error!(order = %result.order_id, alert = true, "ALERT: callback for an unknown payment link");
        }
        Applied::Mismatch { link, field } => {
            tracing::error!(link = %link.id, field, alert = true, "ALERT: callback disagrees with our record; nothing changed");
            audit(
                state,
                &link,
                "alert_mismatch",
                serde_json::json!({"field": field, "status": result.status}),
            )
            .await?;
        }
    }
    Ok(())
}

async fn notify(state: &StatusState, link: &PaymentLink, result: &RailResult) -> StoreResult<()> {
    let contact = ContactKey {
        business_number_id: link.business_number_id.clone(),
        user_key: link.seller.as_e164().into(),
    };
    let locale =
        payments::seller_locale(state.directory.as_ref(), state.contacts.as_ref(), &contact, &link.seller)
            .await?;
    let item = payments::outbox_item(link, result.payer_bank.clone(), state.clock.now());
    let job = payments::status_job(item, locale, link.seller.clone());
    state.outbound.send_batch(&[job.to_queue_message()]).await
}

async fn audit(
    state: &StatusState,
    link: &PaymentLink,
    kind: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    let mut detail = detail;
    if let Some(map) = detail.as_object_mut() {
        map.insert("link".into(), link.id.clone().into());
    }
    let event = AuditEvent {
        chain: format!("seller:{}", link.seller.as_e164()),
        kind: kind.into(),
        at: state.clock.now(),
        detail,
    };
    let key = format!("{}:{}:{kind}", link.id, link.state.as_str());
    paybot::audit::append_once(state.idempotency.as_ref(), state.audit.as_ref(), &key, event).await
}
