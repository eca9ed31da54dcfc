//! The common crate of the payments bot.
//!
//! - [`domain`]: channel-agnostic types (phones, money, locales, inbound messages).
//! - [`ports`]: the small traits every function is written against.
//! - [`adapters`]: the AWS implementation of each port and its in-memory twin.
//! - [`whatsapp`]: the only module that knows Meta's JSON (webhook payloads, signatures).
//! - [`config`]: one configuration surface for the Lambdas and the local stack.

pub mod adapters;
pub mod audit;
pub mod batch;
pub mod bnpl_plans;
pub mod capabilities;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod directory_file;
pub mod domain;
pub mod error;
pub mod failed_commands;
pub mod http;
pub mod i18n;
pub mod ingress;
pub mod ledger;
pub mod miapos;
pub mod momo;
pub mod notices;
pub mod once;
pub mod operator;
pub mod outbound;
pub mod payments;
pub mod pdf;
pub mod ports;
pub mod redact;
pub mod telemetry;
pub mod wallet_file;
pub mod whatsapp;
pub mod wiring;

pub use error::{StoreError, StoreResult};
