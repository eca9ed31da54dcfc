//! The local stack's configuration: the documented settings, with local defaults so that a
//! fresh clone runs without an AWS account or a Meta app.

use std::net::SocketAddr;

use paybot::config::{Config, ConfigError, Secret};

/// The secrets the local stack uses when the environment gives none. Documented in the
/// README; never used by the Lambdas, which refuse to start without real ones.
pub const LOCAL_APP_SECRET: &str = "local-app-secret";
pub const LOCAL_VERIFY_TOKEN: &str = "local-verify-token";
pub const LOCAL_ACCESS_TOKEN: &str = "local-access-token";
/// The embedded MoMo sandbox's subscription keys, when `MOMO_*_SUBSCRIPTION_KEY` are unset.
pub const LOCAL_MOMO_COLLECTION_KEY: &str = "local-momo-collection-key";
pub const LOCAL_MOMO_DISBURSEMENT_KEY: &str = "local-momo-disbursement-key";
/// The embedded MoMo sandbox's only currency (the demo wallet's), unless `MOMO_CURRENCY`.
pub const LOCAL_MOMO_CURRENCY: &str = "GHS";

pub const DEFAULT_ADDRESS: &str = "127.0.0.1:3000";

/// Where the embedded sandboxes are mounted on the stack's own server.
pub const MIAPOS_SANDBOX_PATH: &str = "/sandbox/miapos";
pub const GRAPH_SANDBOX_PATH: &str = "/sandbox/graph";
pub const MOMO_SANDBOX_PATH: &str = "/sandbox/momo";

/// The demo files, built in so that the stack starts from any working directory.
pub const DEMO_DIRECTORY: &str = include_str!("../../demo/directory.json");
pub const DEMO_WALLET: &str = include_str!("../../demo/wallet.json");

/// Where a file the stack loads at start comes from: its demo file, or a path from the
/// environment (`DIRECTORY_FILE`, `WALLET_FILE`).
#[derive(Clone, PartialEq, Eq)]
pub enum FileSource {
    /// A file of `infra/demo`, compiled in.
    Demo {
        name: &'static str,
        text: &'static str,
    },
    File(String),
}

impl FileSource {
    /// `infra/demo/directory.json`: the business-number profiles and the sellers.
    pub const DEMO_DIRECTORY: FileSource =
        FileSource::Demo { name: "infra/demo/directory.json", text: DEMO_DIRECTORY };
    /// `infra/demo/wallet.json`: the wallet operator's accounts.
    pub const DEMO_WALLET: FileSource =
        FileSource::Demo { name: "infra/demo/wallet.json", text: DEMO_WALLET };

    pub fn read(&self) -> Result<String, std::io::Error> {
        match self {
            FileSource::Demo { text, .. } => Ok((*text).to_owned()),
            FileSource::File(path) => std::fs::read_to_string(path),
        }
    }
}

impl std::fmt::Debug for FileSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileSource::Demo { name, .. } => write!(f, "{name} (built in)"),
            FileSource::File(path) => write!(f, "{path:?}"),
        }
    }
}

/// Which external URLs were given explicitly: those go to the real (or another) service and
/// the matching sandbox is not used for them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    pub whatsapp_api_base: bool,
    pub miapos_base_url: bool,
    /// `MOMO_BASE_URL`: MoMo is reached there (MTN's sandbox, say) with the `MOMO_*`
    /// credentials; the embedded MoMo sandbox is not used.
    pub momo_base_url: bool,
    pub public_base_url: bool,
}

#[derive(Debug, Clone)]
pub struct LocalSettings {
    pub address: SocketAddr,
    /// The documented configuration with local defaults for the secrets. The sandbox URLs
    /// depend on the address actually bound and are filled in by [`crate::LocalStack::build`].
    pub config: Config,
    pub directory: FileSource,
    /// The wallet operator's accounts, imported at start with their opening balances.
    pub wallet: FileSource,
    pub overrides: Overrides,
    /// The console's settings (`CONSOLE_*`); without `CONSOLE_OPERATOR_TOKEN` the stack makes
    /// a token for the run and prints it at start.
    pub console: admin::ConsoleSettings,
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
        let console = admin::ConsoleSettings::from_lookup(get)?;
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
        let file = |name: &str, demo: FileSource| get(name).map(FileSource::File).unwrap_or(demo);
        let directory = file("DIRECTORY_FILE", FileSource::DEMO_DIRECTORY);
        let wallet = file("WALLET_FILE", FileSource::DEMO_WALLET);
        // `Config` fills in the real services' URLs when these are unset, so whether they were
        // given has to be read here.
        let overrides = Overrides {
            whatsapp_api_base: get("WHATSAPP_API_BASE").is_some(),
            miapos_base_url: get("MIAPOS_BASE_URL").is_some(),
            momo_base_url: get(paybot::momo::client::names::MOMO_BASE_URL).is_some(),
            public_base_url: get("PUBLIC_BASE_URL").is_some(),
        };
        Ok(LocalSettings { address, config, directory, wallet, overrides, console })
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
        assert_eq!(settings.directory, FileSource::DEMO_DIRECTORY);
        assert_eq!(settings.wallet, FileSource::DEMO_WALLET);
        assert_eq!(settings.overrides, Overrides::default());
    }

    #[test]
    fn explicit_settings_win_and_are_noticed() {
        let settings = LocalSettings::from_lookup(lookup(&[
            ("LOCAL_ADDRESS", "0.0.0.0:4000"),
            ("WHATSAPP_API_BASE", "https://graph.facebook.com/v23.0"),
            ("WHATSAPP_APP_SECRET", "real-secret"),
            ("DIRECTORY_FILE", "/tmp/dir.json"),
            ("WALLET_FILE", "/tmp/wallet.json"),
            ("MOMO_BASE_URL", "https://sandbox.momodeveloper.mtn.com"),
            ("MIAPOS_BASE_URL", " "),
        ]))
        .unwrap();
        assert_eq!(settings.config.whatsapp.app_secret.expose(), "real-secret");
        assert_eq!(settings.directory, FileSource::File("/tmp/dir.json".into()));
        assert_eq!(settings.wallet, FileSource::File("/tmp/wallet.json".into()));
        assert!(settings.overrides.momo_base_url);
        assert!(settings.overrides.whatsapp_api_base);
        // Blank counts as unset, as everywhere else in the configuration.
        assert!(!settings.overrides.miapos_base_url);
        assert_eq!(local_base_url(settings.address), "http://127.0.0.1:4000");
        assert!(LocalSettings::from_lookup(lookup(&[("LOCAL_ADDRESS", "nowhere")])).is_err());
    }
}
