//! The console's own settings (see the README's settings table).

use chrono::Duration;
use paybot::config::{ConfigError, Secret};

/// The default of `CONSOLE_WEBHOOK_HEALTHY_MINUTES`.
pub const DEFAULT_WEBHOOK_HEALTHY_MINUTES: i64 = 60;

#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// `CONSOLE_OPERATOR_TOKEN`: a bearer token that signs in as an operator (the local stack).
    pub operator_token: Option<Secret>,
    /// `CONSOLE_VIEWER_TOKEN`: a bearer token that signs in as a viewer.
    pub viewer_token: Option<Secret>,
    /// `CONSOLE_WEBHOOK_HEALTHY_MINUTES`: the webhook shows connected when a signed delivery
    /// arrived within this time.
    pub webhook_healthy: Duration,
    /// `PUBLIC_BASE_URL`: the webhook URL shown is this + `/webhook`.
    pub public_base_url: Option<String>,
    /// `CONSOLE_COGNITO_CLIENT_ID` and `AWS_REGION`: the page signs in with the user pool's
    /// app client (user name and password) instead of asking for a token.
    pub cognito: Option<CognitoClient>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoClient {
    pub region: String,
    pub client_id: String,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            operator_token: None,
            viewer_token: None,
            webhook_healthy: Duration::minutes(DEFAULT_WEBHOOK_HEALTHY_MINUTES),
            public_base_url: None,
            cognito: None,
        }
    }
}

impl ConsoleSettings {
    pub fn from_env() -> Result<ConsoleSettings, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<ConsoleSettings, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let webhook_healthy = match get("CONSOLE_WEBHOOK_HEALTHY_MINUTES") {
            None => Duration::minutes(DEFAULT_WEBHOOK_HEALTHY_MINUTES),
            Some(v) => {
                v.parse::<i64>().ok().filter(|m| (1..=7 * 24 * 60).contains(m)).map(Duration::minutes).ok_or(
                    ConfigError::Invalid {
                        name: "CONSOLE_WEBHOOK_HEALTHY_MINUTES",
                        reason: "expected a whole number from 1 to 10080".into(),
                    },
                )?
            }
        };
        let cognito = match (get("CONSOLE_COGNITO_CLIENT_ID"), get("AWS_REGION")) {
            (Some(client_id), Some(region)) => Some(CognitoClient { region, client_id }),
            _ => None,
        };
        Ok(ConsoleSettings {
            operator_token: get("CONSOLE_OPERATOR_TOKEN").map(Secret::new),
            viewer_token: get("CONSOLE_VIEWER_TOKEN").map(Secret::new),
            webhook_healthy,
            public_base_url: get("PUBLIC_BASE_URL").map(|u| u.trim_end_matches('/').to_owned()),
            cognito,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_with_defaults() {
        let none = ConsoleSettings::from_lookup(|_| None).unwrap();
        assert_eq!(none.webhook_healthy, Duration::minutes(60));
        assert!(none.operator_token.is_none() && none.cognito.is_none());
        let set = ConsoleSettings::from_lookup(|name| {
            match name {
                "CONSOLE_WEBHOOK_HEALTHY_MINUTES" => Some("15"),
                "CONSOLE_OPERATOR_TOKEN" => Some(" op-token "),
                "PUBLIC_BASE_URL" => Some("https://bot.example/"),
                "CONSOLE_COGNITO_CLIENT_ID" => Some("abc"),
                "AWS_REGION" => Some("eu-central-1"),
                _ => None,
            }
            .map(str::to_owned)
        })
        .unwrap();
        assert_eq!(set.webhook_healthy, Duration::minutes(15));
        assert_eq!(set.operator_token.unwrap().expose(), "op-token");
        assert_eq!(set.public_base_url.as_deref(), Some("https://bot.example"));
        assert_eq!(
            set.cognito,
            Some(CognitoClient { region: "eu-central-1".into(), client_id: "abc".into() })
        );
        let bad =
            ConsoleSettings::from_lookup(|n| (n == "CONSOLE_WEBHOOK_HEALTHY_MINUTES").then(|| "0".into()));
        assert!(matches!(bad, Err(ConfigError::Invalid { name: "CONSOLE_WEBHOOK_HEALTHY_MINUTES", .. })));
    }
}
