//! The local stack's configuration: the documented settings, with local defaults so that a
//! fresh clone runs without an AWS account or a Meta app.

use std::net::SocketAddr;

use paybot::config::{Config, ConfigError, Secret};

/// The secrets the local stack uses when the environment gives none. Documented in the
/// README; never used by the Lambdas, which refuse to start without real ones.
pub const LOCAL_APP_SECRET: &str = "local-app-secret";
pub const LOCAL_VERIFY_TOKEN: &str = "local-verify-token";
pub const LOCAL_ACCESS_TOKEN: &str = "local-access-token";

pub const DEFAULT_ADDRESS: &str = "127.0.0.1:3000";

/// Where the embedded sandboxes are mounted on the stack's own server.
pub const MIAPOS_SANDBOX_PATH: &str = "/sandbox/miapos";
pub const GRAPH_SANDBOX_PATH: &str = "/sandbox/graph";

/// The demo directory, built in so that the stack starts from any working directory.
pub const DEMO_DIRECTORY: &str = include_str!("../../demo/directory.json");

/// Where the sellers and business-number profiles come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectorySource {
    /// `infra/demo/directory.json`, compiled in.
    Demo,
    /// `DIRECTORY_FILE`.
    File(String),
}

impl DirectorySource {
    pub fn read(&self) -> Result<String, std::io::Error> {
        match self {
            DirectorySource::Demo => Ok(DEMO_DIRECTORY.to_owned()),
            DirectorySource::File(path) => std::fs::read_to_string(path),
        }
    }
}

/// Which external URLs were given explicitly: those go to the real (or another) service and
/// the matching sandbox is not used for them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    pub whatsapp_api_base: bool,
    pub miapos_base_url: bool,
    pub public_base_url: bool,
}

#[derive(Debug, Clone)]
pub struct LocalSettings {
    pub address: SocketAddr,
    /// The documented configuration with local defaults for the secrets. The sandbox URLs
    /// depend on the address actually bound and are filled in by [`crate::LocalStack::build`].
    pub config: Config,
    pub directory: DirectorySource,
    pub overrides: Overrides,
}

impl LocalSettings {
    /// The documented configuration from the environment.
    pub fn from_env() -> Result<LocalSettings, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The same over any lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<LocalSettings, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut config = Config::from_lookup(get)?;
        if config.whatsapp.app_secret.is_empty() {
            config.whatsapp.app_secret = Secret::new(LOCAL_APP_SECRET);
        }
        if config.whatsapp.verify_token.is_empty() {
            config.whatsapp.verify_token = Secret::new(LOCAL_VERIFY_TOKEN);
        }
        if config.whatsapp.access_token.is_empty() {
            // Only the Cloud API sandbox accepts it; a real WHATSAPP_API_BASE needs a real token.
            config.whatsapp.access_token = Secret::new(LOCAL_ACCESS_TOKEN);
        }
        let address = get("LOCAL_ADDRESS").unwrap_or_else(|| DEFAULT_ADDRESS.into());
        let address = address.parse().map_err(|_| ConfigError::Invalid {
            name: "LOCAL_ADDRESS",
            reason: "expected host:port, e.g. 127.0.0.1:3000".into(),
        })?;
        let directory = match get("DIRECTORY_FILE") {
            Some(path) => DirectorySource::File(path),
            None => DirectorySource::Demo,
        };
        // `Config` fills in the real services' URLs when these are unset, so whether they were
        // given has to be read here.
        let overrides = Overrides {
            whatsapp_api_base: get("WHATSAPP_API_BASE").is_some(),
            miapos_base_url: get("MIAPOS_BASE_URL").is_some(),
            public_base_url: get("PUBLIC_BASE_URL").is_some(),
        };
        Ok(LocalSettings { address, config, directory, overrides })
    }

    /// Settings for tests: every default, listening on a free loopback port.
    pub fn for_tests() -> LocalSettings {
        let mut settings = Self::from_lookup(|_| None).expect("the defaults are valid");
        settings.address = "127.0.0.1:0".parse().expect("a loopback address");
        settings
    }
}

/// The base URL a browser on this machine reaches the stack at: a wildcard listen address
/// (`0.0.0.0`, `::`) is reached through loopback.
pub fn local_base_url(bound: SocketAddr) -> String {
    match bound {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => format!("http://127.0.0.1:{}", v4.port()),
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => format!("http://[::1]:{}", v6.port()),
        other => format!("http://{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_need_nothing_from_the_environment() {
        let settings = LocalSettings::from_lookup(lookup(&[])).unwrap();
        assert_eq!(settings.address.to_string(), DEFAULT_ADDRESS);
        assert_eq!(settings.config.whatsapp.app_secret.expose(), LOCAL_APP_SECRET);
        assert_eq!(settings.config.whatsapp.verify_token.expose(), LOCAL_VERIFY_TOKEN);
        assert_eq!(settings.config.whatsapp.access_token.expose(), LOCAL_ACCESS_TOKEN);
        assert_eq!(settings.directory, DirectorySource::Demo);
        assert_eq!(settings.overrides, Overrides::default());
    }

    #[test]
    fn explicit_settings_win_and_are_noticed() {
        let settings = LocalSettings::from_lookup(lookup(&[
            ("LOCAL_ADDRESS", "0.0.0.0:4000"),
            ("WHATSAPP_API_BASE", "https://graph.facebook.com/v23.0"),
            ("WHATSAPP_APP_SECRET", "real-secret"),
            ("DIRECTORY_FILE", "/tmp/dir.json"),
            ("MIAPOS_BASE_URL", " "),
        ]))
        .unwrap();
        assert_eq!(settings.config.whatsapp.app_secret.expose(), "real-secret");
        assert_eq!(settings.directory, DirectorySource::File("/tmp/dir.json".into()));
        assert!(settings.overrides.whatsapp_api_base);
        // Blank counts as unset, as everywhere else in the configuration.
        assert!(!settings.overrides.miapos_base_url);
        assert_eq!(local_base_url(settings.address), "http://127.0.0.1:4000");
        assert!(LocalSettings::from_lookup(lookup(&[("LOCAL_ADDRESS", "nowhere")])).is_err());
    }
}
