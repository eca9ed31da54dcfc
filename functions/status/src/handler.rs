use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use paybot::StoreResult;
use paybot::capabilities::seller::updates::{self, ResultSink};
use paybot::capabilities::wallet::settlement::{self, SettlementDeps};
use paybot::crypto::{DataKey, merchant_secret_binding};
use paybot::miapos::{CallbackError, CallbackVerifier, MiaposClient};
use paybot::operator::metrics::MetricsBatch;
use paybot::payments::{CheckSchedule, RailResult};
use paybot::ports::{
    AuditLog, Clock, ContactStore, Directory, IdempotencyStore, MerchantCredentials, MetricsStore,
    PaymentLinkStore, QueueSender,
};
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
    /// The transactions and failed transactions of each callback (one add per callback that
    /// moved money).
    pub metrics: Arc<dyn MetricsStore>,
    pub checks: CheckSchedule,
    pub clock: Arc<dyn Clock>,
    /// The wallet's MoMo operations, where a deployment runs the wallet.
    pub momo: Option<SettlementDeps>,
}

/// `POST /miapos/callback`; `POST|PUT /momo/callback/{reference}`.
pub fn router(state: Arc<StatusState>) -> Router {
    Router::new()
        .route("/miapos/callback", post(receive_callback))
        .route("/momo/callback/{reference}", post(receive_momo_callback).put(receive_momo_callback))
        .with_state(state)
}

/// MoMo's callbacks are unsigned: the body is never read. The reference in the path only
/// says which operation to read back from MoMo; what MoMo answers then is what moves money.
/// 200 once handled (an unknown reference included: nothing to do), 500 when the read or a
/// store failed so MoMo may call again (the poller also reads it).
pub async fn receive_momo_callback(
    State(state): State<Arc<StatusState>>,
    Path(reference): Path<String>,
) -> Response {
    let Some(momo) = &state.momo else { return StatusCode::NOT_FOUND.into_response() };
    let Ok(reference) = uuid::Uuid::parse_str(&reference) else {
        return (StatusCode::BAD_REQUEST, "not a reference").into_response();
    };
    match settlement::settle(momo, reference).await {
        Ok(settled) => {
            tracing::info!(%reference, ?settled, "MoMo callback handled");
            if let settlement::Settled::Applied(operation) = &settled {
                let mut metrics = MetricsBatch::default();
                operation.count(&mut metrics, state.clock.now());
                metrics.flush(state.metrics.as_ref()).await;
            }
            (StatusCode::OK, "OK").into_response()
        }
        Err(err) => {
            tracing::warn!(%reference, error = %err, "MoMo callback not handled; MoMo or the poller retries");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
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
    let sink = ResultSink {
        links: state.links.as_ref(),
        directory: state.directory.as_ref(),
        contacts: state.contacts.as_ref(),
        outbound: state.outbound.as_ref(),
        audit: state.audit.as_ref(),
        idempotency: state.idempotency.as_ref(),
        checks: state.checks,
    };
    let now = state.clock.now();
    let applied = updates::record_result(&sink, result, now).await?;
    let mut metrics = MetricsBatch::default();
    updates::count_result(&applied, &mut metrics, now);
    metrics.flush(state.metrics.as_ref()).await;
    Ok(())
}
