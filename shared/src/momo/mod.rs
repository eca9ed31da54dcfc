//! MTN MoMo Open API (`reference/mtn-momo.md`): money enters the wallet by a collection
//! request-to-pay and leaves it by a disbursement transfer. The port is [`MobileMoney`];
//! [`client::MomoClient`] speaks the API over HTTP (the real service or the local sandbox).

pub mod client;

pub use client::{
    ClientBuildError, MomoBalance, MomoClient, MomoConfig, MomoProduct, MomoProductCredentials, clean_message,
};

use async_trait::async_trait;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One money movement asked of MoMo. The reference id is ours, minted and stored before the
/// call: MoMo's idempotency key, resent unchanged after a timeout or a 5xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomoRequest {
    pub reference: Uuid,
    pub amount: Decimal,
    /// ISO 4217; must match the target environment (`EUR` in the sandbox, `GHS` in Ghana).
    pub currency: String,
    /// Our reconciliation reference (MoMo does not require it to be unique).
    pub external_id: String,
    /// The payer (request-to-pay) or payee (transfer): MSISDN digits, country code first.
    pub msisdn: String,
    /// At most 160 plain characters each.
    pub payer_message: String,
    pub payee_note: String,
    /// Where MoMo calls back (its host must be the API user's callback host).
    pub callback_url: Option<String>,
}

/// A movement's status. Anything MoMo sends besides these two final states is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MomoStatus {
    Pending,
    Successful,
    Failed,
}

/// A movement as MoMo reports it (`GET …/requesttopay/{ref}`, `GET …/transfer/{ref}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomoTransaction {
    pub amount: Decimal,
    pub currency: String,
    pub status: MomoStatus,
    /// The status string MoMo sent (kept when it is not one of the three known).
    pub raw_status: String,
    pub financial_transaction_id: Option<String>,
    pub external_id: Option<String>,
    /// The payer's or payee's MSISDN, as echoed.
    pub msisdn: Option<String>,
    /// On FAILED: the reason code, whether MoMo sent it as a string or as `{code, message}`.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum MomoError {
    /// 400, 403, or a 500 carrying a business or configuration code (`PAYER_NOT_FOUND`,
    /// `NOT_ALLOWED`, …): nothing was created; retrying the same request will not help.
    #[error("MoMo refused the request ({status}): {code}")]
    Refused { status: u16, code: String },
    /// Credentials refused, also after one token refresh.
    #[error("MoMo refused the credentials")]
    Unauthorized,
    /// 503, 429, a timeout or a connection failure before an answer: retry later with the
    /// same reference id.
    #[error("MoMo is unavailable: {0}")]
    Unavailable(String),
    /// A 500 `INTERNAL_PROCESSING_ERROR` or a 500 without a body, or a timeout after the
    /// request was sent: MoMo may have created it. Read the status; resend with the same
    /// reference only if the read says it does not exist.
    #[error("MoMo's answer is ambiguous: {0}")]
    Uncertain(String),
    #[error("MoMo answered unexpectedly: {0}")]
    Malformed(String),
}

/// MTN MoMo, collection and disbursement.
#[async_trait]
pub trait MobileMoney: Send + Sync {
    /// Asks the payer to approve a payment on their phone. `Ok` when MoMo queued it (202) or
    /// already had it (409 with the same reference).
    async fn request_to_pay(&self, request: &MomoRequest) -> Result<(), MomoError>;
    /// A request-to-pay's status; `None` when MoMo does not know the reference (404).
    async fn request_to_pay_status(&self, reference: Uuid) -> Result<Option<MomoTransaction>, MomoError>;
    /// Pays a payee from the wallet's disbursement account. `Ok` as for [`Self::request_to_pay`].
    async fn transfer(&self, request: &MomoRequest) -> Result<(), MomoError>;
    /// A transfer's status; `None` when MoMo does not know the reference (404).
    async fn transfer_status(&self, reference: Uuid) -> Result<Option<MomoTransaction>, MomoError>;
}
