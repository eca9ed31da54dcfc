//! SCORE: a credit score from 300 to 850, computed only from the user's own wallet history,
//! with the three factors that moved it most. A pure function of the history, the weights
//! and the time: the same history gives the same score.
//!
//! Each factor rates the history from 0 to 100; a factor without data (no BNPL plan yet, no
//! susu group) is neutral, 50, and is never named. The score is
//! `300 + 550 × Σ(weight × rating) / (100 × Σ weight)`, and a factor's effect is how far it
//! moved the score from the neutral middle: `550 × weight × (rating − 50) / (100 × Σ weight)`
//! points, positive where it helped. Integers throughout, so no platform rounds differently.
//!
//! - account age: days since the wallet's first entry, full marks at `full_age_days`;
//! - regular inflows: of the last `months` 30-day periods the account has lived in, the share
//!   with money coming in (top-ups, money received; an opening balance is not an inflow);
//! - balance stability: over the last 90 days, the lowest balance against the average one;
//! - BNPL repayment: instalments due so far, paid without ever being overdue (full marks),
//!   paid late (half), or still overdue (none);
//! - susu contributions: the share paid on time.

use chrono::{DateTime, Duration, Utc};

use crate::config::ConfigError;
use crate::ledger::{Entry, TransferKind};

pub const MIN: u32 = 300;
pub const MAX: u32 = 850;

/// What the score looks at, in the order of [`ScoreWeights::weights`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Factor {
    AccountAge,
    Inflows,
    BalanceStability,
    BnplRepayment,
    SusuContributions,
}

impl Factor {
    pub const ALL: [Factor; 5] = [
        Factor::AccountAge,
        Factor::Inflows,
        Factor::BalanceStability,
        Factor::BnplRepayment,
        Factor::SusuContributions,
    ];

    /// Its name in `WALLET_SCORE_WEIGHTS`.
    pub fn name(self) -> &'static str {
        match self {
            Factor::AccountAge => "age",
            Factor::Inflows => "inflows",
            Factor::BalanceStability => "stability",
            Factor::BnplRepayment => "bnpl",
            Factor::SusuContributions => "susu",
        }
    }

    /// Its message in the locale files (`wallet-score-factor-*`).
    pub fn message(self) -> &'static str {
        match self {
            Factor::AccountAge => "wallet-score-factor-age",
            Factor::Inflows => "wallet-score-factor-inflows",
            Factor::BalanceStability => "wallet-score-factor-stability",
            Factor::BnplRepayment => "wallet-score-factor-bnpl",
            Factor::SusuContributions => "wallet-score-factor-susu",
        }
    }
}

/// The score's configuration (README: "Wallet settings").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreWeights {
    /// Per factor, in [`Factor::ALL`] order (`WALLET_SCORE_WEIGHTS`,
    /// default `age=20,inflows=25,stability=20,bnpl=25,susu=10`).
    pub weights: [u32; 5],
    /// The account age that earns full marks (`WALLET_SCORE_FULL_AGE_DAYS`, default 365).
    pub full_age_days: i64,
    /// How many 30-day periods the inflows are looked at over (`WALLET_SCORE_MONTHS`, 6).
    pub months: i64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights { weights: [20, 25, 20, 25, 10], full_age_days: 365, months: 6 }
    }
}

impl ScoreWeights {
    pub fn weight(&self, factor: Factor) -> u32 {
        self.weights[Factor::ALL.iter().position(|f| *f == factor).unwrap_or(0)]
    }

    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<ScoreWeights, ConfigError> {
        let invalid = |name: &'static str, reason: &str| ConfigError::Invalid { name, reason: reason.into() };
        let mut settings = ScoreWeights::default();
        if let Some(text) = get("WALLET_SCORE_WEIGHTS") {
            let bad =
                || invalid("WALLET_SCORE_WEIGHTS", "expected age=20,inflows=25,stability=20,bnpl=25,susu=10");
            for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (name, weight) = pair.split_once('=').ok_or_else(bad)?;
                let index = Factor::ALL.iter().position(|f| f.name() == name.trim()).ok_or_else(bad)?;
                settings.weights[index] = weight.trim().parse().map_err(|_| bad())?;
            }
            if settings.weights.iter().all(|w| *w == 0) {
                return Err(invalid("WALLET_SCORE_WEIGHTS", "at least one weight above zero"));
            }
        }
        let days =
            |name: &'static str, range: std::ops::RangeInclusive<i64>| -> Result<Option<i64>, ConfigError> {
                get(name)
                    .map(|v| {
                        v.trim().parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                            invalid(
                                name,
                                &format!("expected a whole number from {} to {}", range.start(), range.end()),
                            )
                        })
                    })
                    .transpose()
            };
        if let Some(n) = days("WALLET_SCORE_FULL_AGE_DAYS", 1..=3650)? {
            settings.full_age_days = n;
        }
        if let Some(n) = days("WALLET_SCORE_MONTHS", 1..=24)? {
            settings.months = n;
        }
        Ok(settings)
    }
}

/// One BNPL instalment as the score sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstalmentRecord {
    pub due_at: DateTime<Utc>,
    pub paid: bool,
    /// A collection once found the wallet short.
    pub was_overdue: bool,
}

/// One susu contribution as the score sees it (none until the user is in a susu group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SusuContribution {
    pub due_at: DateTime<Utc>,
    pub on_time: bool,
}

/// The user's susu record from the wallet's own entries: for every cycle of the user's groups
/// that has ended since their first contribution to that group, whether the contribution
/// (`susu:<group>:<cycle>:<account>`) was posted before the cycle's end. Cycles before the
/// first contribution are left out: a group cannot be paid into until its seats are full.
pub fn susu_record(
    groups: &[crate::domain::SusuGroup],
    entries: &[Entry],
    account_id: &str,
    now: DateTime<Utc>,
) -> Vec<SusuContribution> {
    let paid_at = |id: &str| entries.iter().find(|e| e.transfer_id == id).map(|e| e.at);
    let mut record = Vec::new();
    for group in groups.iter().filter(|g| g.is_member(account_id)) {
        let cycles: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = (0..group.seats)
            .map(|k| {
                let cycle = crate::domain::SusuCycle { group: group.code.clone(), cycle: k };
                (group.cycle_end(k), paid_at(&cycle.contribution_id(account_id)))
            })
            .collect();
        let Some(first) = cycles.iter().position(|(_, paid)| paid.is_some()) else { continue };
        for (end, paid) in &cycles[first..] {
            if *end <= now {
                record.push(SusuContribution { due_at: *end, on_time: paid.is_some_and(|at| at < *end) });
            }
        }
    }
    record
}

/// The user's own history.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// The wallet account's statement entries, in any order.
    pub entries: &'a [Entry],
    pub instalments: &'a [InstalmentRecord],
    pub susu: &'a [SusuContribution],
}

/// A score and the factors that moved it most, biggest effect first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub value: u32,
    /// At most three, each with its effect in points (positive: it helped).
    pub factors: Vec<(Factor, i64)>,
}

/// The score of `history` at `now`.
pub fn score(weights: &ScoreWeights, history: &History<'_>, now: DateTime<Utc>) -> Score {
    let ratings: Vec<(Factor, Option<i64>)> =
        Factor::ALL.iter().map(|f| (*f, rating(*f, weights, history, now))).collect();
    let total_weight: i64 = Factor::ALL.iter().map(|f| i64::from(weights.weight(*f))).sum::<i64>().max(1);
    let range = i64::from(MAX - MIN);
    let weighted: i64 =
        ratings.iter().map(|(f, r)| i64::from(weights.weight(*f)) * r.unwrap_or(NEUTRAL)).sum();
    let value = i64::from(MIN) + range * weighted / (100 * total_weight);
    let mut factors: Vec<(Factor, i64)> = ratings
        .iter()
        .filter_map(|(f, r)| {
            let effect = range * i64::from(weights.weight(*f)) * ((*r)? - NEUTRAL) / (100 * total_weight);
            (effect != 0).then_some((*f, effect))
        })
        .collect();
    // Biggest effect first; ties in the factors' own order, so the answer never flickers.
    factors.sort_by_key(|(f, effect)| (-effect.abs(), Factor::ALL.iter().position(|g| g == f)));
    factors.truncate(3);
    Score { value: value.clamp(i64::from(MIN), i64::from(MAX)) as u32, factors }
}

const NEUTRAL: i64 = 50;
const PERIOD_DAYS: i64 = 30;
const STABILITY_DAYS: i64 = 90;

/// A factor's rating, 0 to 100, or `None` when the history says nothing about it.
fn rating(factor: Factor, weights: &ScoreWeights, history: &History<'_>, now: DateTime<Utc>) -> Option<i64> {
    let entries = history.entries;
    let opened = entries.iter().map(|e| e.at).min();
    match factor {
        Factor::AccountAge => {
            let days = (now - opened?).num_days().max(0);
            Some((days * 100 / weights.full_age_days.max(1)).min(100))
        }
        Factor::Inflows => {
            let age_days = (now - opened?).num_days().max(0);
            let periods = (age_days / PERIOD_DAYS + 1).clamp(1, weights.months.max(1));
            let with_inflow = (0..periods)
                .filter(|k| {
                    let end = now - Duration::days(k * PERIOD_DAYS);
                    let start = end - Duration::days(PERIOD_DAYS);
                    entries.iter().any(|e| {
                        e.amount > 0 && e.kind != TransferKind::Opening && e.at > start && e.at <= end
                    })
                })
                .count() as i64;
            Some(with_inflow * 100 / periods)
        }
        Factor::BalanceStability => {
            let since = now - Duration::days(STABILITY_DAYS);
            let balances: Vec<i64> =
                entries.iter().filter(|e| e.at >= since).filter_map(|e| e.balance_after).collect();
            if balances.len() < 2 {
                return None;
            }
            let average = balances.iter().sum::<i64>() / balances.len() as i64;
            let lowest = *balances.iter().min()?;
            Some(if average <= 0 { 0 } else { (lowest.max(0) * 100 / average).min(100) })
        }
        Factor::BnplRepayment => {
            let due: Vec<&InstalmentRecord> =
                history.instalments.iter().filter(|i| i.paid || i.due_at <= now).collect();
            if due.is_empty() {
                return None;
            }
            let points: i64 = due
                .iter()
                .map(|i| match (i.paid, i.was_overdue) {
                    (true, false) => 100,
                    (true, true) => 50,
                    (false, true) => 0,
                    // Due today and not collected yet: not held against the user.
                    (false, false) => 100,
                })
                .sum();
            Some(points / due.len() as i64)
        }
        Factor::SusuContributions => {
            let due: Vec<&SusuContribution> = history.susu.iter().filter(|c| c.due_at <= now).collect();
            if due.is_empty() {
                return None;
            }
            Some(due.iter().filter(|c| c.on_time).count() as i64 * 100 / due.len() as i64)
        }
    }
}

/// The score's view of a user's BNPL plans.
pub fn instalment_records(plans: &[crate::bnpl_plans::BnplPlan]) -> Vec<InstalmentRecord> {
    plans
        .iter()
        .flat_map(|p| &p.instalments)
        .map(|i| InstalmentRecord {
            due_at: i.due_at,
            paid: i.is_paid(),
            was_overdue: i.overdue_since.is_some(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::AccountId;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_669_600, 0).unwrap()
    }

    fn entry(days_ago: i64, kind: TransferKind, amount: i64, balance: i64) -> Entry {
        Entry {
            account: AccountId::wallet("A"),
            transfer_id: format!("t{days_ago}{amount}"),
            kind,
            amount,
            balance_after: Some(balance),
            counterparty: None,
            memo: None,
            at: now() - Duration::days(days_ago),
        }
    }

    /// A year-old wallet with a top-up every month and a steady balance.
    fn steady_year() -> Vec<Entry> {
        let mut entries = vec![entry(400, TransferKind::Opening, 10_000, 10_000)];
        for month in 0..12 {
            entries.push(entry(month * 30 + 5, TransferKind::TopUp, 5_000, 15_000));
            entries.push(entry(month * 30 + 3, TransferKind::Send, -5_000, 10_000));
        }
        entries
    }

    fn record(days_ago: i64, paid: bool, was_overdue: bool) -> InstalmentRecord {
        InstalmentRecord { due_at: now() - Duration::days(days_ago), paid, was_overdue }
    }

    #[test]
    fn the_susu_record_counts_ended_cycles_from_the_first_contribution() {
        use crate::domain::{Currency, SusuCycleLength, SusuGroup};
        let start = now() - Duration::weeks(4);
        let group = SusuGroup {
            code: "G1".into(),
            name: "G".into(),
            business_number_id: "n".into(),
            currency: Currency::GHS,
            contribution_minor: 5_000,
            cycle: SusuCycleLength::Weekly,
            starts_at: start,
            seats: 6,
            members: vec!["a".into(), "b".into()],
        };
        let paid = |cycle: u32, at: DateTime<Utc>| Entry {
            account: AccountId::wallet("a"),
            transfer_id: format!("susu:G1:{cycle}:a"),
            kind: TransferKind::SusuContribution,
            amount: -5_000,
            balance_after: Some(0),
            counterparty: None,
            memo: None,
            at,
        };
        // Cycle 0 unpaid (before the first contribution: left out), 1 on time, 2 missed,
        // 3 ends in the future (not due yet).
        let entries = [paid(1, start + Duration::days(8))];
        let record = susu_record(std::slice::from_ref(&group), &entries, "a", now());
        assert_eq!(record.iter().map(|c| c.on_time).collect::<Vec<_>>(), [true, false, false], "{record:?}");
        assert!(susu_record(&[group], &entries, "c", now()).is_empty(), "not a member");
    }

    fn of(entries: &[Entry], instalments: &[InstalmentRecord], susu: &[SusuContribution]) -> Score {
        score(&ScoreWeights::default(), &History { entries, instalments, susu }, now())
    }

    #[test]
    fn the_same_history_gives_the_same_score() {
        let entries = steady_year();
        let instalments = [record(40, true, false), record(10, true, false)];
        let first = of(&entries, &instalments, &[]);
        let mut shuffled = entries.clone();
        shuffled.reverse();
        assert_eq!(of(&shuffled, &instalments, &[]), first, "the order of the entries does not matter");
        assert_eq!(of(&entries, &instalments, &[]), first);
        assert!((MIN..=MAX).contains(&first.value));
    }

    #[test]
    fn an_empty_history_is_neutral_and_names_no_factor() {
        let nothing = of(&[], &[], &[]);
        assert_eq!(nothing, Score { value: 575, factors: vec![] });
    }

    /// Each row changes one thing against the steady year; the score moves as the table says.
    #[test]
    fn each_factor_moves_the_score_as_the_table_says() {
        let base_entries = steady_year();
        let base = of(&base_entries, &[], &[]);
        // A steady year: age and inflows at full marks, the balance never below 80 % of its
        // average, BNPL and susu neutral.
        assert_eq!(base.value, 300 + 550 * (20 * 100 + 25 * 100 + 20 * 80 + 25 * 50 + 10 * 50) / 10_000);
        assert_eq!(
            base.factors,
            vec![(Factor::Inflows, 68), (Factor::AccountAge, 55), (Factor::BalanceStability, 33)]
        );

        let young: Vec<Entry> =
            base_entries.iter().filter(|e| e.at > now() - Duration::days(100)).cloned().collect();
        let no_inflows: Vec<Entry> = base_entries
            .iter()
            .filter(|e| !(e.kind == TransferKind::TopUp && e.at > now() - Duration::days(120)))
            .cloned()
            .collect();
        let mut dip = base_entries.clone();
        dip.push(entry(20, TransferKind::Send, -9_500, 500));
        let on_time = [record(60, true, false), record(30, true, false), record(1, true, false)];
        let late = [record(60, true, true), record(30, true, false), record(1, true, false)];
        let overdue = [record(60, true, false), record(30, true, false), record(1, false, true)];
        let susu_on_time = [SusuContribution { due_at: now() - Duration::days(7), on_time: true }];
        let susu_late = [SusuContribution { due_at: now() - Duration::days(7), on_time: false }];

        // (what changed, its score, the direction against the base, the factor it names)
        let table: Vec<(&str, Score, std::cmp::Ordering, Option<(Factor, bool)>)> = vec![
            ("a young account", of(&young, &[], &[]), std::cmp::Ordering::Less, None),
            ("no inflows for four months", of(&no_inflows, &[], &[]), std::cmp::Ordering::Less, None),
            ("a balance that dipped", of(&dip, &[], &[]), std::cmp::Ordering::Less, None),
            (
                "instalments paid on time",
                of(&base_entries, &on_time, &[]),
                std::cmp::Ordering::Greater,
                Some((Factor::BnplRepayment, true)),
            ),
            (
                "an instalment paid late",
                of(&base_entries, &late, &[]),
                std::cmp::Ordering::Greater,
                Some((Factor::BnplRepayment, true)),
            ),
            // Two of three on time still beat no record, by too little to be named.
            ("an instalment overdue", of(&base_entries, &overdue, &[]), std::cmp::Ordering::Greater, None),
            ("susu paid on time", of(&base_entries, &[], &susu_on_time), std::cmp::Ordering::Greater, None),
            ("susu paid late", of(&base_entries, &[], &susu_late), std::cmp::Ordering::Less, None),
        ];
        for (what, score, direction, named) in &table {
            assert_eq!(
                score.value.cmp(&base.value),
                *direction,
                "{what}: {} against {}",
                score.value,
                base.value
            );
            if let Some((factor, helped)) = named {
                let effect = score.factors.iter().find(|(f, _)| f == factor).map(|(_, e)| *e);
                assert_eq!(effect.map(|e| e > 0), Some(*helped), "{what}: {:?}", score.factors);
            }
        }
        // Repayment ranks: on time > late > overdue.
        let [_, _, _, on_time, late, overdue, ..] = &table[..] else { unreachable!() };
        assert!(on_time.1.value > late.1.value && late.1.value > overdue.1.value);
        // Instalments left overdue hurt, and say so.
        let bad = [record(60, false, true), record(30, false, true)];
        let hurt = of(&base_entries, &bad, &[]);
        assert!(hurt.value < base.value);
        assert!(
            hurt.factors.iter().any(|(f, e)| *f == Factor::BnplRepayment && *e < 0),
            "{:?}",
            hurt.factors
        );
        // A young account names its age as what hurt.
        assert!(
            table[0].1.factors.iter().any(|(f, e)| *f == Factor::AccountAge && *e < 0),
            "{:?}",
            table[0].1.factors
        );
    }

    #[test]
    fn weights_are_configuration() {
        let entries = steady_year();
        let only_age = ScoreWeights { weights: [1, 0, 0, 0, 0], ..ScoreWeights::default() };
        let s = score(&only_age, &History { entries: &entries, instalments: &[], susu: &[] }, now());
        assert_eq!(s, Score { value: MAX, factors: vec![(Factor::AccountAge, 275)] });
        let parsed = ScoreWeights::from_lookup(&|n: &str| {
            (n == "WALLET_SCORE_WEIGHTS").then(|| "age=1, inflows=0,stability=0,bnpl=0,susu=0".to_owned())
        })
        .unwrap();
        assert_eq!(parsed.weights, [1, 0, 0, 0, 0]);
        assert!(
            ScoreWeights::from_lookup(&|n: &str| (n == "WALLET_SCORE_WEIGHTS").then(|| "luck=5".to_owned()))
                .is_err()
        );
        assert!(
            ScoreWeights::from_lookup(&|n: &str| (n == "WALLET_SCORE_MONTHS").then(|| "0".to_owned()))
                .is_err()
        );
    }
}
