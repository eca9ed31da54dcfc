//! The operator's daily counters in memory.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::NaiveDate;

use super::locked;
use crate::StoreResult;
use crate::operator::metrics::Tally;
use crate::ports::MetricsStore;

#[derive(Debug, Default)]
pub struct MemoryMetricsStore {
    days: Mutex<BTreeMap<(String, NaiveDate), Tally>>,
}

#[async_trait]
impl MetricsStore for MemoryMetricsStore {
    async fn add(&self, business_number_id: &str, day: NaiveDate, tally: &Tally) -> StoreResult<()> {
        // An empty tally writes nothing, as in DynamoDB: the day gets no counters from it.
        if tally.is_empty() {
            return Ok(());
        }
        locked(&self.days).entry((business_number_id.to_owned(), day)).or_default().merge(tally);
        Ok(())
    }

    async fn days(
        &self,
        business_number_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(NaiveDate, Tally)>> {
        if from > to {
            return Ok(Vec::new());
        }
        Ok(locked(&self.days)
            .range((business_number_id.to_owned(), from)..=(business_number_id.to_owned(), to))
            .map(|((_, day), tally)| (*day, tally.clone()))
            .collect())
    }
}
