//! The bot switch and taught aliases of a business number, read by every message's turn and
//! cached briefly in each function, so that a change takes effect within seconds without a
//! read per message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::StoreResult;
use crate::ports::{ControlsStore, NumberControls};

/// The longest alias phrase kept.
pub const MAX_ALIAS_CHARS: usize = 40;

/// An alias as it is stored and matched: trimmed, single spaces, upper-case.
pub fn normalize_alias(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase()
}

/// `text` with a taught alias at its start replaced by the command it stands for: the
/// longest alias that is the whole text or is followed by a space (`CHECK BALANCE` → `BAL`,
/// `PAY NOW 50 …` → `SEND 50 …`). `None` when no alias applies.
pub fn apply_alias(controls: &NumberControls, text: &str) -> Option<String> {
    let normalized = normalize_alias(text);
    let words: Vec<&str> = text.split_whitespace().collect();
    controls
        .aliases
        .iter()
        .filter(|(alias, _)| {
            normalized == **alias
                || normalized.strip_prefix(alias.as_str()).is_some_and(|rest| rest.starts_with(' '))
        })
        .max_by_key(|(alias, _)| alias.len())
        .map(|(alias, command)| {
            // Keep the user's own spelling of what follows the alias (a note, a name).
            let rest = words[alias.split(' ').count()..].join(" ");
            if rest.is_empty() { command.clone() } else { format!("{command} {rest}") }
        })
}

/// [`ControlsStore`] with each number's controls cached for `ttl` (a few seconds): the
/// switch and aliases cost one read per number per `ttl`, not one per message.
pub struct CachedControls {
    store: Arc<dyn ControlsStore>,
    ttl: Duration,
    cache: Mutex<HashMap<String, (DateTime<Utc>, NumberControls)>>,
}

impl CachedControls {
    pub fn new(store: Arc<dyn ControlsStore>, ttl: Duration) -> Self {
        CachedControls { store, ttl, cache: Mutex::new(HashMap::new()) }
    }

    /// The number's controls as of at most `ttl` before `now`.
    pub async fn controls(
        &self,
        business_number_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<NumberControls> {
        if let Some((read_at, controls)) = self.lock().get(business_number_id)
            && now - *read_at < self.ttl
            && *read_at <= now
        {
            return Ok(controls.clone());
        }
        let controls = self.store.controls(business_number_id).await?;
        self.lock().insert(business_number_id.to_owned(), (now, controls.clone()));
        Ok(controls)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (DateTime<Utc>, NumberControls)>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taught(pairs: &[(&str, &str)]) -> NumberControls {
        NumberControls {
            paused: None,
            aliases: pairs.iter().map(|(a, c)| (normalize_alias(a), (*c).to_owned())).collect(),
        }
    }

    #[test]
    fn an_alias_replaces_the_start_of_the_text() {
        let controls = taught(&[("check balance", "BAL"), ("pay now", "SEND"), ("pay", "PAY")]);
        let cases = [
            ("check balance", Some("BAL")),
            ("  Check   BALANCE ", Some("BAL")),
            ("pay now 50 0244123456 Ama's rent", Some("SEND 50 0244123456 Ama's rent")),
            ("pay 100", Some("PAY 100")),
            ("check balances", None),
            ("payday", None),
            ("BAL", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(apply_alias(&controls, text).as_deref(), expected, "{text:?}");
        }
    }

    struct Counting(std::sync::atomic::AtomicUsize);

    #[async_trait::async_trait]
    impl ControlsStore for Counting {
        async fn controls(&self, _: &str) -> StoreResult<NumberControls> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(NumberControls::default())
        }
        async fn set_paused(&self, _: &str, _: Option<&crate::ports::Pause>) -> StoreResult<()> {
            Ok(())
        }
        async fn teach_alias(&self, _: &str, _: &str, _: &str) -> StoreResult<()> {
            Ok(())
        }
        async fn forget_alias(&self, _: &str, _: &str) -> StoreResult<bool> {
            Ok(false)
        }
    }

    #[tokio::test]
    async fn the_cache_reads_once_per_number_per_ttl() {
        let store = Arc::new(Counting(Default::default()));
        let cached = CachedControls::new(store.clone(), Duration::seconds(5));
        let t0 = "2026-12-02T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        for s in [0, 1, 4] {
            cached.controls("A", t0 + Duration::seconds(s)).await.unwrap();
        }
        cached.controls("B", t0).await.unwrap();
        assert_eq!(store.0.load(std::sync::atomic::Ordering::SeqCst), 2);
        cached.controls("A", t0 + Duration::seconds(5)).await.unwrap();
        assert_eq!(store.0.load(std::sync::atomic::Ordering::SeqCst), 3);
    }
}
