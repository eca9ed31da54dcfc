//! Susu (rotating savings, as in West Africa): a group of wallet members who each pay the
//! same contribution every cycle into the group's pot; each cycle the pot goes to the member
//! whose turn it is, in the payout order, so over as many cycles as there are seats every
//! member is paid out exactly once. Groups are made by the wallet operator (the wallet file's
//! `susu_groups`); members may also join by code while seats are free.

use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};

use super::Currency;

/// How long one cycle lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SusuCycleLength {
    Weekly,
    Monthly,
}

/// A susu group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SusuGroup {
    /// What members type to join (`SUSU JOIN MAKOLA4`): one word, upper case.
    pub code: String,
    pub name: String,
    /// The wallet operator's business number whose chats the group's notices go to.
    pub business_number_id: String,
    pub currency: Currency,
    /// Each member's contribution per cycle, in minor units.
    pub contribution_minor: i64,
    pub cycle: SusuCycleLength,
    /// When cycle 0 begins.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub starts_at: DateTime<Utc>,
    /// Seats: the number of members, and of cycles.
    pub seats: u32,
    /// Wallet account ids in payout order: cycle `k` pays `members[k]`.
    pub members: Vec<String>,
}

/// Where a group stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SusuPhase {
    /// Before cycle 0.
    NotStarted,
    /// In cycle `k` (from 0).
    Cycle(u32),
    /// Every cycle is over.
    Finished,
}

impl SusuGroup {
    /// When cycle `k` begins.
    pub fn cycle_start(&self, k: u32) -> DateTime<Utc> {
        match self.cycle {
            SusuCycleLength::Weekly => self.starts_at + Duration::weeks(i64::from(k)),
            SusuCycleLength::Monthly => {
                self.starts_at.checked_add_months(Months::new(k)).unwrap_or(DateTime::<Utc>::MAX_UTC)
            }
        }
    }

    /// When cycle `k` ends (the next one's start).
    pub fn cycle_end(&self, k: u32) -> DateTime<Utc> {
        self.cycle_start(k + 1)
    }

    pub fn phase(&self, now: DateTime<Utc>) -> SusuPhase {
        if now < self.starts_at {
            return SusuPhase::NotStarted;
        }
        let mut k = 0;
        while k < self.seats && self.cycle_end(k) <= now {
            k += 1;
        }
        if k >= self.seats { SusuPhase::Finished } else { SusuPhase::Cycle(k) }
    }

    /// The member whose turn cycle `k` is.
    pub fn turn(&self, k: u32) -> Option<&str> {
        self.members.get(k as usize).map(String::as_str)
    }

    pub fn is_member(&self, account_id: &str) -> bool {
        self.members.iter().any(|m| m == account_id)
    }

    pub fn is_full(&self) -> bool {
        self.members.len() >= self.seats as usize
    }
}

/// One cycle of one group: what a contribution is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SusuCycle {
    pub group: String,
    pub cycle: u32,
}

impl SusuCycle {
    /// The ledger id of a member's contribution: one per member and cycle.
    pub fn contribution_id(&self, account_id: &str) -> String {
        format!("susu:{}:{}:{account_id}", self.group, self.cycle)
    }

    /// The ledger id of the cycle's payout: one per cycle, whoever posts it.
    pub fn payout_id(&self) -> String {
        format!("susu:{}:{}:payout", self.group, self.cycle)
    }
}

/// What a join did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SusuJoin {
    Joined(SusuGroup),
    AlreadyMember(SusuGroup),
    Full(SusuGroup),
    NoSuchGroup,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(cycle: SusuCycleLength) -> SusuGroup {
        SusuGroup {
            code: "G".into(),
            name: "G".into(),
            business_number_id: "b".into(),
            currency: Currency::GHS,
            contribution_minor: 100,
            cycle,
            starts_at: DateTime::from_timestamp(1_767_225_600, 0).unwrap(), // 2026-01-01
            seats: 3,
            members: vec!["a".into(), "b".into(), "c".into()],
        }
    }

    #[test]
    fn phases_follow_the_cycle_length() {
        let weekly = group(SusuCycleLength::Weekly);
        assert_eq!(weekly.phase(weekly.starts_at - Duration::seconds(1)), SusuPhase::NotStarted);
        assert_eq!(weekly.phase(weekly.starts_at), SusuPhase::Cycle(0));
        assert_eq!(weekly.phase(weekly.starts_at + Duration::days(7)), SusuPhase::Cycle(1));
        assert_eq!(weekly.phase(weekly.starts_at + Duration::days(20)), SusuPhase::Cycle(2));
        assert_eq!(weekly.phase(weekly.starts_at + Duration::days(21)), SusuPhase::Finished);
        let monthly = group(SusuCycleLength::Monthly);
        // January has 31 days, February 28 in 2026.
        assert_eq!(monthly.phase(monthly.starts_at + Duration::days(30)), SusuPhase::Cycle(0));
        assert_eq!(monthly.phase(monthly.starts_at + Duration::days(31)), SusuPhase::Cycle(1));
        assert_eq!(monthly.phase(monthly.starts_at + Duration::days(59)), SusuPhase::Cycle(2));
        assert_eq!(monthly.turn(2), Some("c"));
        assert_eq!(monthly.turn(3), None);
    }
}
