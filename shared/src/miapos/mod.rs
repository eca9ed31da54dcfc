//! The payment rail: the miaPOS eComm API (`reference/miapos-ecomm.md`).
//!
//! - [`MiaposClient`] implements [`crate::ports::PaymentRail`]: tokens per merchant, `pay` for
//!   QR and request-to-pay, `GET payment`, the public key.
//! - [`CallbackVerifier`] checks the RSA signature of the rail's status callback and reads its
//!   `result`.

pub mod callback;
pub mod client;

pub use callback::{CallbackError, CallbackResult, CallbackVerifier, PublicKeyError, signing_string};
pub use client::{ClientBuildError, MiaposClient, MiaposClientConfig};
