//! The fraud score: explainable rules with configured weights. Each rule that fires adds its
//! weight and is named in the verdict, so the user's refusal, the audit record and the
//! operator's alert all say why. A pure function over the user's recent history.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::config::ConfigError;

/// One rule of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Many money movements in a short time.
    Velocity,
    /// Money to someone this account never paid.
    NewPayee,
    /// Far more than this account usually moves.
    AmountSpike,
    /// At night in the business number's time zone.
    NightHours,
    /// The WhatsApp number was linked to the account less than a day ago.
    RecentlyLinked,
}

impl Rule {
    pub const ALL: [Rule; 5] =
        [Rule::Velocity, Rule::NewPayee, Rule::AmountSpike, Rule::NightHours, Rule::RecentlyLinked];

    pub fn name(self) -> &'static str {
        match self {
            Rule::Velocity => "velocity",
            Rule::NewPayee => "new_payee",
            Rule::AmountSpike => "amount",
            Rule::NightHours => "night",
            Rule::RecentlyLinked => "new_link",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FraudRules {
    /// Weight per rule, in [`Rule::ALL`] order (`FRAUD_WEIGHTS`).
    pub weights: [u32; 5],
    /// From this score a fresh SMS code is asked first (`FRAUD_STEP_UP`).
    pub step_up: u32,
    /// From this score the movement is refused and an alert raised (`FRAUD_BLOCK`).
    pub block: u32,
    /// `count` movements within `window` (the new one included) fire the velocity rule
    /// (`FRAUD_VELOCITY` = `count/minutes`).
    pub velocity_count: usize,
    pub velocity_window: Duration,
    /// An amount above this many times the average of earlier movements fires the amount
    /// rule (`FRAUD_AMOUNT_FACTOR`).
    pub amount_factor: i64,
    /// Local hours `[start, end)` that count as night (`FRAUD_NIGHT` = `0-5`).
    pub night: (u32, u32),
    pub recent_link: Duration,
}

impl Default for FraudRules {
    fn default() -> Self {
        FraudRules {
            weights: [30, 15, 30, 15, 20],
            step_up: 40,
            block: 75,
            velocity_count: 4,
            velocity_window: Duration::minutes(10),
            amount_factor: 5,
            night: (0, 5),
            recent_link: Duration::hours(24),
        }
    }
}

impl FraudRules {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<FraudRules, ConfigError> {
        let invalid = |name: &'static str, reason: &str| ConfigError::Invalid { name, reason: reason.into() };
        let mut rules = FraudRules::default();
        if let Some(weights) = get("FRAUD_WEIGHTS") {
            for pair in weights.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let bad = || {
                    invalid(
                        "FRAUD_WEIGHTS",
                        "expected velocity=30,new_payee=15,amount=30,night=15,new_link=20",
                    )
                };
                let (name, weight) = pair.split_once('=').ok_or_else(bad)?;
                let index = Rule::ALL.iter().position(|r| r.name() == name.trim()).ok_or_else(bad)?;
                rules.weights[index] = weight.trim().parse().map_err(|_| bad())?;
            }
        }
        let number = |name: &'static str| -> Result<Option<u32>, ConfigError> {
            get(name)
                .map(|v| v.trim().parse::<u32>().map_err(|_| invalid(name, "expected a whole number")))
                .transpose()
        };
        if let Some(n) = number("FRAUD_STEP_UP")? {
            rules.step_up = n;
        }
        if let Some(n) = number("FRAUD_BLOCK")? {
            rules.block = n;
        }
        if rules.block < rules.step_up {
            return Err(invalid("FRAUD_BLOCK", "must not be below FRAUD_STEP_UP"));
        }
        if let Some(n) = number("FRAUD_AMOUNT_FACTOR")? {
            rules.amount_factor = i64::from(n.max(1));
        }
        if let Some(v) = get("FRAUD_VELOCITY") {
            let bad = || invalid("FRAUD_VELOCITY", "expected count/minutes, e.g. 4/10");
            let (count, minutes) = v.split_once('/').ok_or_else(bad)?;
            rules.velocity_count = count.trim().parse().ok().filter(|c| *c >= 1).ok_or_else(bad)?;
            rules.velocity_window =
                Duration::minutes(minutes.trim().parse().ok().filter(|m| *m >= 1).ok_or_else(bad)?);
        }
        if let Some(v) = get("FRAUD_NIGHT") {
            let bad = || invalid("FRAUD_NIGHT", "expected start-end hours, e.g. 0-5");
            let (start, end) = v.split_once('-').ok_or_else(bad)?;
            let hour = |h: &str| h.trim().parse::<u32>().ok().filter(|h| *h <= 24);
            rules.night = (hour(start).ok_or_else(bad)?, hour(end).ok_or_else(bad)?);
        }
        Ok(rules)
    }

    fn weight(&self, rule: Rule) -> u32 {
        self.weights[Rule::ALL.iter().position(|r| *r == rule).expect("every rule has a weight")]
    }
}

/// An earlier money movement out of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastMovement {
    pub amount_minor: i64,
    /// Whom it went to (`wallet:<id>` or `momo:<E.164>`).
    pub payee: String,
    pub at: DateTime<Utc>,
}

/// What the score looks at.
#[derive(Debug, Clone)]
pub struct FraudInput<'a> {
    pub amount_minor: i64,
    pub payee: &'a str,
    pub history: &'a [PastMovement],
    pub now: DateTime<Utc>,
    /// The hour now in the business number's time zone.
    pub local_hour: u32,
    pub linked_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    /// A fresh SMS code first.
    StepUp,
    /// Refused; an operator is alerted.
    Block,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub score: u32,
    /// The rules that fired with their weights, in rule order.
    pub fired: Vec<(Rule, u32)>,
    pub decision: Decision,
}

pub fn score(rules: &FraudRules, input: &FraudInput<'_>) -> Verdict {
    let mut fired = Vec::new();
    let recent = input.history.iter().filter(|m| input.now - m.at < rules.velocity_window).count();
    if recent + 1 >= rules.velocity_count {
        fired.push(Rule::Velocity);
    }
    if !input.history.iter().any(|m| m.payee == input.payee) {
        fired.push(Rule::NewPayee);
    }
    if !input.history.is_empty() {
        let total: i64 = input.history.iter().map(|m| m.amount_minor).sum();
        let average = total / input.history.len() as i64;
        if input.amount_minor > average.saturating_mul(rules.amount_factor) {
            fired.push(Rule::AmountSpike);
        }
    }
    let (start, end) = rules.night;
    let night = if start <= end {
        (start..end).contains(&input.local_hour)
    } else {
        input.local_hour >= start || input.local_hour < end
    };
    if night {
        fired.push(Rule::NightHours);
    }
    if input.now - input.linked_at < rules.recent_link {
        fired.push(Rule::RecentlyLinked);
    }
    let fired: Vec<(Rule, u32)> = fired.into_iter().map(|r| (r, rules.weight(r))).collect();
    let score = fired.iter().map(|(_, w)| w).sum();
    let decision = if score >= rules.block {
        Decision::Block
    } else if score >= rules.step_up {
        Decision::StepUp
    } else {
        Decision::Allow
    };
    Verdict { score, fired, decision }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_633_600, 0).unwrap() + Duration::minutes(minutes)
    }

    fn moved(amount_minor: i64, payee: &str, minutes: i64) -> PastMovement {
        PastMovement { amount_minor, payee: payee.into(), at: at(minutes) }
    }

    /// (what, history, amount, payee, local hour, linked minutes ago, fired rules, decision)
    #[test]
    fn the_rules_fire_as_the_table_says() {
        let regular = vec![
            moved(5_000, "wallet:B", -3000),
            moved(4_000, "wallet:B", -2000),
            moved(6_000, "wallet:C", -1000),
        ];
        let burst =
            vec![moved(1_000, "wallet:B", -3), moved(1_000, "wallet:B", -2), moved(1_000, "wallet:B", -1)];
        let cases: Vec<(&str, Vec<PastMovement>, i64, &str, u32, i64, Vec<Rule>, Decision)> = vec![
            (
                "a usual payment by day",
                regular.clone(),
                5_000,
                "wallet:B",
                14,
                90 * 24 * 60,
                vec![],
                Decision::Allow,
            ),
            (
                "a new payee alone",
                regular.clone(),
                5_000,
                "wallet:D",
                14,
                90 * 24 * 60,
                vec![Rule::NewPayee],
                Decision::Allow,
            ),
            (
                "far above the usual",
                regular.clone(),
                30_000,
                "wallet:B",
                14,
                90 * 24 * 60,
                vec![Rule::AmountSpike],
                Decision::Allow,
            ),
            (
                "new payee at night",
                regular.clone(),
                5_000,
                "wallet:D",
                2,
                90 * 24 * 60,
                vec![Rule::NewPayee, Rule::NightHours],
                Decision::Allow,
            ),
            (
                "fresh link, new payee",
                vec![],
                5_000,
                "wallet:D",
                14,
                60,
                vec![Rule::NewPayee, Rule::RecentlyLinked],
                Decision::Allow,
            ),
            (
                "fresh link, new payee, night",
                vec![],
                5_000,
                "wallet:D",
                3,
                60,
                vec![Rule::NewPayee, Rule::NightHours, Rule::RecentlyLinked],
                Decision::StepUp,
            ),
            (
                "a burst to the usual payee",
                burst.clone(),
                1_000,
                "wallet:B",
                14,
                90 * 24 * 60,
                vec![Rule::Velocity],
                Decision::Allow,
            ),
            (
                "a burst, far above, new payee",
                burst,
                90_000,
                "wallet:Z",
                14,
                90 * 24 * 60,
                vec![Rule::Velocity, Rule::NewPayee, Rule::AmountSpike],
                Decision::Block,
            ),
            (
                "everything at once",
                regular,
                900_000,
                "wallet:Z",
                1,
                10,
                vec![Rule::NewPayee, Rule::AmountSpike, Rule::NightHours, Rule::RecentlyLinked],
                Decision::Block,
            ),
        ];
        let rules = FraudRules::default();
        for (what, history, amount_minor, payee, local_hour, linked_ago, fired, decision) in cases {
            let verdict = score(
                &rules,
                &FraudInput {
                    amount_minor,
                    payee,
                    history: &history,
                    now: at(0),
                    local_hour,
                    linked_at: at(-linked_ago),
                },
            );
            let rules_fired: Vec<Rule> = verdict.fired.iter().map(|(r, _)| *r).collect();
            assert_eq!(rules_fired, fired, "{what}");
            assert_eq!(verdict.decision, decision, "{what}: score {}", verdict.score);
            assert_eq!(verdict.score, verdict.fired.iter().map(|(_, w)| w).sum::<u32>(), "{what}");
        }
    }

    #[test]
    fn weights_and_thresholds_come_from_configuration() {
        let get = |name: &str| match name {
            "FRAUD_WEIGHTS" => Some("new_payee=50".to_owned()),
            "FRAUD_STEP_UP" => Some("50".to_owned()),
            "FRAUD_NIGHT" => Some("22-6".to_owned()),
            _ => None,
        };
        let rules = FraudRules::from_lookup(&get).unwrap();
        let verdict = score(
            &rules,
            &FraudInput {
                amount_minor: 100,
                payee: "wallet:N",
                history: &[],
                now: at(0),
                local_hour: 23,
                linked_at: at(-100_000),
            },
        );
        assert_eq!(verdict.fired, vec![(Rule::NewPayee, 50), (Rule::NightHours, 15)]);
        assert_eq!(verdict.decision, Decision::StepUp);
        assert!(FraudRules::from_lookup(&|n: &str| (n == "FRAUD_WEIGHTS").then(|| "nope=1".into())).is_err());
        assert!(FraudRules::from_lookup(&|n: &str| (n == "FRAUD_BLOCK").then(|| "1".into())).is_err());
    }
}
