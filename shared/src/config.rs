//! One configuration surface for the Lambdas and the local stack.
//!
//! Settings come from the environment. In AWS, `PAYBOT_SECRET_ID` names one Secrets Manager
//! secret (a JSON object); its keys are read once per cold start and override the
//! environment, so secrets never sit in a function's plain configuration.
//! Every setting is listed in the README.

use std::collections::HashMap;
use std::fmt;

use thiserror::Error;

use crate::ports::SecretSource;

/// A secret value: `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "Secret(<empty>)" } else { "Secret(***)" })
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("the secret named by PAYBOT_SECRET_ID could not be read: {0}")]
    Secret(String),
}

/// The default cap on a webhook body. Meta's bodies reach a few MB; Lambda's synchronous
/// payload limit is 6 MB including the base64 inflation API Gateway may apply.
pub const DEFAULT_WEBHOOK_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
pub const DEFAULT_WHATSAPP_API_BASE: &str = "https://graph.facebook.com/v23.0";
pub const DEFAULT_MIAPOS_BASE_URL: &str = "https://ecomm-test.miapos.md";

#[derive(Debug, Clone)]
pub struct WhatsAppConfig {
    pub app_secret: Secret,
    pub verify_token: Secret,
    pub access_token: Secret,
    /// The Cloud API base URL including the version, e.g. `https://graph.facebook.com/v23.0`.
    pub api_base: String,
}

#[derive(Debug, Clone)]
pub struct MiaposConfig {
    pub base_url: String,
    /// Base64 DER `SubjectPublicKeyInfo`; fetched and cached when absent.
    pub public_key: Option<String>,
}

/// The settings that name tables and queues, each spelled here once.
pub mod names {
    pub const CONTACTS_TABLE: &str = "CONTACTS_TABLE";
    pub const MESSAGE_STATUS_TABLE: &str = "MESSAGE_STATUS_TABLE";
    pub const DIRECTORY_TABLE: &str = "DIRECTORY_TABLE";
    pub const PAYMENT_LINKS_TABLE: &str = "PAYMENT_LINKS_TABLE";
    pub const IDEMPOTENCY_TABLE: &str = "IDEMPOTENCY_TABLE";
    pub const AUDIT_TABLE: &str = "AUDIT_TABLE";
    pub const FAILED_COMMANDS_TABLE: &str = "FAILED_COMMANDS_TABLE";
    pub const OUTBOX_TABLE: &str = "OUTBOX_TABLE";
    pub const WALLET_ACCOUNTS_TABLE: &str = "WALLET_ACCOUNTS_TABLE";
    pub const WALLET_LINKS_TABLE: &str = "WALLET_LINKS_TABLE";
    pub const MOMO_OPERATIONS_TABLE: &str = "MOMO_OPERATIONS_TABLE";
    pub const BNPL_PLANS_TABLE: &str = "BNPL_PLANS_TABLE";
    pub const ALERTS_TABLE: &str = "ALERTS_TABLE";
    pub const LEDGER_TABLE: &str = "LEDGER_TABLE";
    pub const CONTROLS_TABLE: &str = "CONTROLS_TABLE";
    pub const ESCALATIONS_TABLE: &str = "ESCALATIONS_TABLE";
    pub const METRICS_TABLE: &str = "METRICS_TABLE";
    pub const SUSU_GROUPS_TABLE: &str = "SUSU_GROUPS_TABLE";
    pub const POINTS_LEDGER_TABLE: &str = "POINTS_LEDGER_TABLE";
    pub const INBOUND_QUEUE_URL: &str = "INBOUND_QUEUE_URL";
    pub const OUTBOUND_QUEUE_URL: &str = "OUTBOUND_QUEUE_URL";
    pub const PARKED_QUEUE_URL: &str = "PARKED_QUEUE_URL";
}

#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub contacts: Option<String>,
    pub message_status: Option<String>,
    pub directory: Option<String>,
    pub payment_links: Option<String>,
    pub idempotency: Option<String>,
    pub audit: Option<String>,
    pub failed_commands: Option<String>,
    pub outbox: Option<String>,
    pub wallet_accounts: Option<String>,
    pub wallet_links: Option<String>,
    pub momo_operations: Option<String>,
    pub bnpl_plans: Option<String>,
    pub alerts: Option<String>,
    pub ledger: Option<String>,
    pub controls: Option<String>,
    pub escalations: Option<String>,
    pub metrics: Option<String>,
    pub susu_groups: Option<String>,
    /// The loyalty points' own ledger (never the money ledger).
    pub points_ledger: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Queues {
    pub inbound: Option<String>,
    pub outbound: Option<String>,
    /// Where notify parks messages that failed for good (the outbound dead-letter queue).
    pub parked: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub whatsapp: WhatsAppConfig,
    pub miapos: MiaposConfig,
    /// Where miaPOS sends callbacks (this deployment's public URL).
    pub public_base_url: Option<String>,
    /// The AES-256-GCM data key (base64 of 32 bytes) for stored merchant secrets.
    pub data_key: Option<Secret>,
    pub tables: Tables,
    pub queues: Queues,
    pub webhook_max_body_bytes: usize,
    /// When payment links are looked up on the rail again (`POLL_PENDING_AFTER_MINUTES`,
    /// `POLL_MAX_INTERVAL_MINUTES`).
    pub checks: crate::payments::CheckSchedule,
    pub limits: Limits,
    /// `TEMPLATE_LANGUAGES` and `QUIET_HOURS` as written; the templates function parses them.
    pub template_languages: Option<String>,
    pub quiet_hours: Option<String>,
    /// `SMS_SENDER_ID`: the sender the one-time code SMS show, where the country allows one.
    pub sms_sender_id: Option<String>,
    /// `OTP_KEY`: the key of the one-time codes' hashes (from the secret in AWS).
    pub otp_key: Option<Secret>,
    /// `MOMO_*`: the MTN MoMo client.
    pub momo: crate::momo::MomoConfig,
    /// The wallet's limits, fees, sessions and fraud rules (`WALLET_*`, `OTP_*`, `FRAUD_*`).
    pub wallet: crate::capabilities::wallet::WalletSettings,
}

/// Limits of the functions, from configuration with safe defaults (see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a claim on a message or a send holds before another worker may take it over
    /// (`CLAIM_LEASE_SECONDS`, 120): longer than any function's timeout.
    pub claim_lease: chrono::Duration,
    /// Sends within one invocation before a job goes back to the queue (`SEND_ATTEMPTS`, 4).
    pub send_attempts: u32,
    /// Backoff between them: full jitter over `base * 2^attempt` up to `max`
    /// (`SEND_BACKOFF_BASE_MS`, 250; `SEND_BACKOFF_MAX_MS`, 2000).
    pub send_backoff_base: std::time::Duration,
    pub send_backoff_max: std::time::Duration,
    /// Conversations, and link lookups, one templates run handles at most (`TEMPLATES_BATCH`, 200).
    pub templates_batch: usize,
    /// How long each function keeps a business number's controls (the bot switch, taught
    /// aliases) before reading them again (`CONTROLS_CACHE_SECONDS`, 5): a switch takes
    /// effect within this long.
    pub controls_cache: chrono::Duration,
    /// Unrecognized commands in a row that hand the conversation to a person
    /// (`HANDOFF_AFTER_FAILURES`, 3).
    pub handoff_after_failures: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            claim_lease: chrono::Duration::minutes(2),
            send_attempts: 4,
            send_backoff_base: std::time::Duration::from_millis(250),
            send_backoff_max: std::time::Duration::from_secs(2),
            templates_batch: 200,
            controls_cache: chrono::Duration::seconds(5),
            handoff_after_failures: 3,
        }
    }
}

/// The settings that may come from the secret, as well as from the environment.
pub const SECRET_KEYS: [&str; 10] = [
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_ACCESS_TOKEN",
    "DATA_KEY",
    "MIAPOS_PUBLIC_KEY",
    "OTP_KEY",
    crate::momo::client::SECRET_KEYS[0],
    crate::momo::client::SECRET_KEYS[1],
    crate::momo::client::SECRET_KEYS[2],
    crate::momo::client::SECRET_KEYS[3],
];

impl Config {
    /// Reads the environment only (the local stack, tests).
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the environment, then overrides it with the JSON secret named by
    /// `PAYBOT_SECRET_ID` when that is set (the Lambdas, once per cold start).
    pub async fn load(secrets: &dyn SecretSource) -> Result<Config, ConfigError> {
        let secret_id = std::env::var("PAYBOT_SECRET_ID").ok();
        Self::load_with(secrets, secret_id.as_deref(), |name| std::env::var(name).ok()).await
    }

    /// [`Config::load`] over an explicit secret id and environment lookup.
    pub async fn load_with(
        secrets: &dyn SecretSource,
        secret_id: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let from_secret = match secret_id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => secrets.secret_values(id).await.map_err(|e| ConfigError::Secret(e.to_string()))?,
            None => HashMap::new(),
        };
        Self::from_lookup(|name| {
            from_secret.get(name).filter(|v| !v.trim().is_empty()).cloned().or_else(|| env(name))
        })
    }

    /// Builds the configuration from any lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let secret = |name: &str| Secret::new(get(name).unwrap_or_default());
        let webhook_max_body_bytes = match get("WEBHOOK_MAX_BODY_BYTES") {
            None => DEFAULT_WEBHOOK_MAX_BODY_BYTES,
            Some(v) => v.parse().ok().filter(|n| *n > 0).ok_or(ConfigError::Invalid {
                name: "WEBHOOK_MAX_BODY_BYTES",
                reason: "expected a positive number of bytes".into(),
            })?,
        };
        let api_base = get("WHATSAPP_API_BASE").unwrap_or_else(|| DEFAULT_WHATSAPP_API_BASE.into());
        // A whole number within `range`, or the setting's error naming the range.
        let number = |name: &'static str,
                      range: std::ops::RangeInclusive<i64>|
         -> Result<Option<i64>, ConfigError> {
            get(name)
                .map(|v| {
                    v.parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| ConfigError::Invalid {
                        name,
                        reason: format!("expected a whole number from {} to {}", range.start(), range.end()),
                    })
                })
                .transpose()
        };
        let minutes =
            |name: &'static str| number(name, 1..=7 * 24 * 60).map(|m| m.map(chrono::Duration::minutes));
        let defaults = Limits::default();
        let limits = Limits {
            claim_lease: number("CLAIM_LEASE_SECONDS", 30..=3600)?
                .map(chrono::Duration::seconds)
                .unwrap_or(defaults.claim_lease),
            send_attempts: number("SEND_ATTEMPTS", 1..=10)?
                .map(|n| n as u32)
                .unwrap_or(defaults.send_attempts),
            send_backoff_base: number("SEND_BACKOFF_BASE_MS", 1..=10_000)?
                .map(|ms| std::time::Duration::from_millis(ms as u64))
                .unwrap_or(defaults.send_backoff_base),
            send_backoff_max: number("SEND_BACKOFF_MAX_MS", 1..=60_000)?
                .map(|ms| std::time::Duration::from_millis(ms as u64))
                .unwrap_or(defaults.send_backoff_max),
            templates_batch: number("TEMPLATES_BATCH", 1..=10_000)?
                .map(|n| n as usize)
                .unwrap_or(defaults.templates_batch),
            controls_cache: number("CONTROLS_CACHE_SECONDS", 0..=300)?
                .map(chrono::Duration::seconds)
                .unwrap_or(defaults.controls_cache),
            handoff_after_failures: number("HANDOFF_AFTER_FAILURES", 1..=20)?
                .map(|n| n as u32)
                .unwrap_or(defaults.handoff_after_failures),
        };
        let mut checks = crate::payments::CheckSchedule::default();
        // A claim outlives the functions' work, and notifications are checked after it.
        checks.notify_grace = limits.claim_lease;
        if let Some(first) = minutes("POLL_PENDING_AFTER_MINUTES")? {
            checks.first_lookup = first;
        }
        if let Some(max) = minutes("POLL_MAX_INTERVAL_MINUTES")? {
            checks.max_interval = max;
        }
        Ok(Config {
            whatsapp: WhatsAppConfig {
                app_secret: secret("WHATSAPP_APP_SECRET"),
                verify_token: secret("WHATSAPP_VERIFY_TOKEN"),
                access_token: secret("WHATSAPP_ACCESS_TOKEN"),
                api_base: api_base.trim_end_matches('/').to_owned(),
            },
            miapos: MiaposConfig {
                base_url: get("MIAPOS_BASE_URL")
                    .unwrap_or_else(|| DEFAULT_MIAPOS_BASE_URL.into())
                    .trim_end_matches('/')
                    .to_owned(),
                public_key: get("MIAPOS_PUBLIC_KEY"),
            },
            public_base_url: get("PUBLIC_BASE_URL").map(|u| u.trim_end_matches('/').to_owned()),
            data_key: get("DATA_KEY").map(Secret::new),
            tables: Tables {
                contacts: get(names::CONTACTS_TABLE),
                message_status: get(names::MESSAGE_STATUS_TABLE),
                directory: get(names::DIRECTORY_TABLE),
                payment_links: get(names::PAYMENT_LINKS_TABLE),
                idempotency: get(names::IDEMPOTENCY_TABLE),
                audit: get(names::AUDIT_TABLE),
                failed_commands: get(names::FAILED_COMMANDS_TABLE),
                outbox: get(names::OUTBOX_TABLE),
                wallet_accounts: get(names::WALLET_ACCOUNTS_TABLE),
                wallet_links: get(names::WALLET_LINKS_TABLE),
                momo_operations: get(names::MOMO_OPERATIONS_TABLE),
                bnpl_plans: get(names::BNPL_PLANS_TABLE),
                alerts: get(names::ALERTS_TABLE),
                ledger: get(names::LEDGER_TABLE),
                controls: get(names::CONTROLS_TABLE),
                escalations: get(names::ESCALATIONS_TABLE),
                metrics: get(names::METRICS_TABLE),
                susu_groups: get(names::SUSU_GROUPS_TABLE),
                points_ledger: get(names::POINTS_LEDGER_TABLE),
            },
            queues: Queues {
                inbound: get(names::INBOUND_QUEUE_URL),
                outbound: get(names::OUTBOUND_QUEUE_URL),
                parked: get(names::PARKED_QUEUE_URL),
            },
            webhook_max_body_bytes,
            checks,
            limits,
            template_languages: get("TEMPLATE_LANGUAGES"),
            quiet_hours: get("QUIET_HOURS"),
            sms_sender_id: get("SMS_SENDER_ID"),
            otp_key: get("OTP_KEY").map(Secret::new),
            momo: crate::momo::MomoConfig::from_lookup(|name| get(name))?,
            wallet: crate::capabilities::wallet::WalletSettings::from_lookup(|name| get(name))?,
        })
    }

    /// A setting a function cannot run without: a clear error at cold start instead of a
    /// failure on the first request.
    pub fn require<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, ConfigError> {
        value.as_deref().ok_or(ConfigError::Missing(name))
    }

    /// The same for a secret.
    pub fn require_secret<'a>(value: &'a Secret, name: &'static str) -> Result<&'a Secret, ConfigError> {
        if value.is_empty() { Err(ConfigError::Missing(name)) } else { Ok(value) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemorySecrets;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_apply_when_unset() {
        let config = Config::from_lookup(lookup(&[])).unwrap();
        assert_eq!(config.webhook_max_body_bytes, DEFAULT_WEBHOOK_MAX_BODY_BYTES);
        assert_eq!(config.whatsapp.api_base, DEFAULT_WHATSAPP_API_BASE);
        assert!(config.whatsapp.app_secret.is_empty());
        assert_eq!(
            Config::require_secret(&config.whatsapp.app_secret, "WHATSAPP_APP_SECRET"),
            Err(ConfigError::Missing("WHATSAPP_APP_SECRET"))
        );
        assert_eq!(
            Config::require(&config.queues.inbound, "INBOUND_QUEUE_URL"),
            Err(ConfigError::Missing("INBOUND_QUEUE_URL"))
        );
    }

    #[test]
    fn reads_and_trims_settings() {
        let config = Config::from_lookup(lookup(&[
            ("WHATSAPP_API_BASE", "http://127.0.0.1:3000/graph/v23.0/"),
            ("WEBHOOK_MAX_BODY_BYTES", "1024"),
            ("INBOUND_QUEUE_URL", " http://q "),
        ]))
        .unwrap();
        assert_eq!(config.whatsapp.api_base, "http://127.0.0.1:3000/graph/v23.0");
        assert_eq!(config.webhook_max_body_bytes, 1024);
        assert_eq!(config.queues.inbound.as_deref(), Some("http://q"));
    }

    #[test]
    fn lookup_intervals_are_minutes_with_defaults() {
        let config = Config::from_lookup(lookup(&[("POLL_PENDING_AFTER_MINUTES", "5")])).unwrap();
        assert_eq!(config.checks.first_lookup, chrono::Duration::minutes(5));
        assert_eq!(config.checks.max_interval, chrono::Duration::hours(6));
        let err = Config::from_lookup(lookup(&[("POLL_MAX_INTERVAL_MINUTES", "0")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "POLL_MAX_INTERVAL_MINUTES", .. }));
    }

    #[test]
    fn limits_are_settings_with_safe_defaults() {
        let config = Config::from_lookup(lookup(&[])).unwrap();
        assert_eq!(config.limits, Limits::default());
        let config = Config::from_lookup(lookup(&[
            ("SEND_ATTEMPTS", "6"),
            ("CLAIM_LEASE_SECONDS", "300"),
            ("TEMPLATES_BATCH", "50"),
        ]))
        .unwrap();
        assert_eq!(
            (config.limits.send_attempts, config.limits.claim_lease, config.limits.templates_batch),
            (6, chrono::Duration::minutes(5), 50)
        );
        assert_eq!(config.checks.notify_grace, chrono::Duration::minutes(5));
        let config =
            Config::from_lookup(lookup(&[("CONTROLS_CACHE_SECONDS", "0"), ("HANDOFF_AFTER_FAILURES", "5")]))
                .unwrap();
        assert_eq!(
            (config.limits.controls_cache, config.limits.handoff_after_failures),
            (chrono::Duration::zero(), 5)
        );
        for (name, bad) in [
            ("SEND_ATTEMPTS", "0"),
            ("CLAIM_LEASE_SECONDS", "5"),
            ("TEMPLATES_BATCH", "many"),
            ("CONTROLS_CACHE_SECONDS", "3600"),
            ("HANDOFF_AFTER_FAILURES", "0"),
        ] {
            let err = Config::from_lookup(lookup(&[(name, bad)])).unwrap_err();
            assert!(matches!(err, ConfigError::Invalid { name: n, .. } if n == name), "{name}");
        }
    }

    #[test]
    fn rejects_a_bad_body_cap() {
        let err = Config::from_lookup(lookup(&[("WEBHOOK_MAX_BODY_BYTES", "lots")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "WEBHOOK_MAX_BODY_BYTES", .. }));
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let config = Config::from_lookup(lookup(&[("WHATSAPP_APP_SECRET", "s3cr3t-value")])).unwrap();
        assert!(!format!("{config:?}").contains("s3cr3t-value"));
        assert_eq!(config.whatsapp.app_secret.expose(), "s3cr3t-value");
    }

    #[tokio::test]
    async fn the_secret_overrides_the_environment() {
        let secrets = MemorySecrets::default().with_secret(
            "paybot",
            HashMap::from([
                ("WHATSAPP_APP_SECRET".to_string(), "from-secret".to_string()),
                ("WHATSAPP_VERIFY_TOKEN".to_string(), String::new()),
            ]),
        );
        let env = lookup(&[("WHATSAPP_APP_SECRET", "from-env"), ("WHATSAPP_VERIFY_TOKEN", "env-token")]);
        let config = Config::load_with(&secrets, Some("paybot"), env).await.unwrap();
        assert_eq!(config.whatsapp.app_secret.expose(), "from-secret");
        // An empty value in the secret does not blank out the environment's.
        assert_eq!(config.whatsapp.verify_token.expose(), "env-token");
    }

    #[tokio::test]
    async fn a_missing_secret_is_a_clear_error_and_no_id_asks_nothing() {
        let secrets = MemorySecrets::default();
        let err = Config::load_with(&secrets, Some("absent"), lookup(&[])).await.unwrap_err();
        assert!(matches!(err, ConfigError::Secret(_)));
        assert!(Config::load_with(&secrets, None, lookup(&[])).await.is_ok());
    }
}
