//! The wallet's limits, fees and rules: configuration with safe defaults (README:
//! "Wallet settings").

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::Duration;
use rust_decimal::Decimal;

use super::fraud::FraudRules;
use crate::config::ConfigError;

/// What one KYC tier may move, in major units of the account's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierLimits {
    pub per_transfer: Decimal,
    pub per_day: Decimal,
}

/// A fee: a share of the amount plus a fixed part, in major units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fee {
    pub percent: Decimal,
    pub fixed: Decimal,
}

impl Fee {
    /// The fee on `amount_minor`, in minor units, rounded half up to the minor unit.
    pub fn on(&self, amount_minor: i64, minor_units: u32) -> i64 {
        let scale = Decimal::from(10i64.pow(minor_units));
        let share = Decimal::from(amount_minor) * self.percent / Decimal::from(100);
        let total = share + self.fixed * scale;
        let rounded = total.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        i64::try_from(rounded).unwrap_or(i64::MAX)
    }

    /// `1%+0.50`, `0.5%`, `1.00`, `0`.
    pub fn parse(text: &str) -> Option<Fee> {
        let mut fee = Fee::default();
        for part in text.split('+').map(str::trim).filter(|p| !p.is_empty()) {
            match part.strip_suffix('%') {
                Some(percent) => fee.percent = Decimal::from_str(percent.trim()).ok()?,
                None => fee.fixed = Decimal::from_str(part).ok()?,
            }
        }
        (fee.percent >= Decimal::ZERO && fee.fixed >= Decimal::ZERO).then_some(fee)
    }
}

#[derive(Debug, Clone)]
pub struct WalletSettings {
    /// KYC tier name → limits (`WALLET_TIERS`). An account whose tier is not listed cannot
    /// move money.
    pub tiers: BTreeMap<String, TierLimits>,
    /// Fee of a SEND to another wallet (`WALLET_FEE_SEND`).
    pub fee_wallet: Fee,
    /// Fee of a SEND paid out to a MoMo number (`WALLET_FEE_PAYOUT`).
    pub fee_payout: Fee,
    /// A money command after this much quiet asks for a fresh SMS code first
    /// (`WALLET_SESSION_IDLE_MINUTES`).
    pub session_idle: Duration,
    /// How long a one-time code lives (`OTP_TTL_SECONDS`, at most 5 minutes).
    pub code_ttl: Duration,
    /// Wrong tries of one code (`OTP_ATTEMPTS`).
    pub code_attempts: u32,
    /// Codes one conversation may ask for per hour (`OTP_REQUESTS_PER_HOUR`).
    pub code_requests_per_hour: u32,
    /// How long a YES may follow its question (`WALLET_CONFIRM_SECONDS`).
    pub confirm_ttl: Duration,
    /// Lines of a STATEMENT.
    pub statement_lines: usize,
    /// Movements a STATEMENT PDF holds at most (`WALLET_STATEMENT_PDF_LINES`); a month with
    /// more shows its newest ones and says so.
    pub statement_pdf_lines: usize,
    /// Tries of one statement upload to the Cloud API's media endpoint within a turn
    /// (`WALLET_MEDIA_UPLOAD_ATTEMPTS`), with full-jitter backoff doubling from
    /// `media_upload_backoff`.
    pub media_upload_attempts: u32,
    pub media_upload_backoff: std::time::Duration,
    pub fraud: FraudRules,
    /// `PUBLIC_BASE_URL` + `/momo/callback`: each MoMo request gets its reference appended.
    pub momo_callback_base: Option<String>,
    /// The currency MoMo is asked in, when it is not the account's (`MOMO_CURRENCY`: the
    /// MTN sandbox knows only EUR).
    pub momo_currency: Option<String>,
    /// When a MoMo request is first read back should no callback come, and the longest gap
    /// between reads after that.
    pub momo_first_check: Duration,
    pub momo_max_interval: Duration,
    /// SCORE's weights (`WALLET_SCORE_*`).
    pub score: super::score::ScoreWeights,
    /// BNPL's limits, instalments and fee (`WALLET_BNPL_*`).
    pub bnpl: super::bnpl::BnplSettings,
    // ---- susu and points ----
    /// When a susu cycle's pot is paid out (`SUSU_PAYOUT`).
    pub susu_payout: SusuPayout,
    /// Points earned per whole unit of currency of a completed SEND or TOPUP
    /// (`POINTS_PER_UNIT`, default 1; 0 earns none).
    pub points_per_unit: Decimal,
    /// Wallet credit per point redeemed, in minor units (`POINTS_REDEEM_MINOR`, default 1:
    /// 100 points are 1.00).
    pub points_redeem_minor: i64,
    /// Lines of recent earnings `POINTS` shows.
    pub points_lines: usize,
}

/// When a susu cycle's pot goes to the member whose turn it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SusuPayout {
    /// As soon as every member has paid the cycle, else at its end with what was paid
    /// (`all_paid`, the default).
    AllPaid,
    /// Only at the cycle's end, with what was paid (`cycle_end`).
    CycleEnd,
}

impl Default for WalletSettings {
    fn default() -> Self {
        let tier = |per_transfer: i64, per_day: i64| TierLimits {
            per_transfer: Decimal::from(per_transfer),
            per_day: Decimal::from(per_day),
        };
        WalletSettings {
            tiers: [
                ("tier0".to_owned(), tier(200, 500)),
                ("tier1".to_owned(), tier(2_000, 5_000)),
                ("tier2".to_owned(), tier(10_000, 50_000)),
            ]
            .into(),
            fee_wallet: Fee::default(),
            fee_payout: Fee { percent: Decimal::ONE, fixed: Decimal::ZERO },
            session_idle: Duration::minutes(15),
            code_ttl: Duration::minutes(5),
            code_attempts: 3,
            code_requests_per_hour: 3,
            confirm_ttl: Duration::minutes(5),
            statement_lines: 10,
            statement_pdf_lines: 500,
            media_upload_attempts: 3,
            media_upload_backoff: std::time::Duration::from_millis(250),
            fraud: FraudRules::default(),
            momo_callback_base: None,
            momo_currency: None,
            momo_first_check: Duration::minutes(1),
            momo_max_interval: Duration::minutes(30),
            score: Default::default(),
            bnpl: Default::default(),
            susu_payout: SusuPayout::AllPaid,
            points_per_unit: Decimal::ONE,
            points_redeem_minor: 1,
            points_lines: 5,
        }
    }
}

impl WalletSettings {
    /// From the configuration's lookup (environment, then the secret).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<WalletSettings, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let invalid = |name: &'static str, reason: &str| ConfigError::Invalid { name, reason: reason.into() };
        let mut settings = WalletSettings::default();
        if let Some(tiers) = get("WALLET_TIERS") {
            settings.tiers = parse_tiers(&tiers).ok_or_else(|| {
                invalid("WALLET_TIERS", "expected tier:per_transfer/per_day,… (tier1:2000/5000)")
            })?;
        }
        if let Some(fee) = get("WALLET_FEE_SEND") {
            settings.fee_wallet =
                Fee::parse(&fee).ok_or_else(|| invalid("WALLET_FEE_SEND", "expected 1%+0.50"))?;
        }
        if let Some(fee) = get("WALLET_FEE_PAYOUT") {
            settings.fee_payout =
                Fee::parse(&fee).ok_or_else(|| invalid("WALLET_FEE_PAYOUT", "expected 1%+0.50"))?;
        }
        let number =
            |name: &'static str, range: std::ops::RangeInclusive<i64>| -> Result<Option<i64>, ConfigError> {
                get(name)
                    .map(|v| {
                        v.parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                            invalid(
                                name,
                                &format!("expected a whole number from {} to {}", range.start(), range.end()),
                            )
                        })
                    })
                    .transpose()
            };
        if let Some(m) = number("WALLET_SESSION_IDLE_MINUTES", 1..=24 * 60)? {
            settings.session_idle = Duration::minutes(m);
        }
        if let Some(s) = number("OTP_TTL_SECONDS", 30..=300)? {
            settings.code_ttl = Duration::seconds(s);
        }
        if let Some(n) = number("OTP_ATTEMPTS", 1..=10)? {
            settings.code_attempts = n as u32;
        }
        if let Some(n) = number("OTP_REQUESTS_PER_HOUR", 1..=100)? {
            settings.code_requests_per_hour = n as u32;
        }
        if let Some(s) = number("WALLET_CONFIRM_SECONDS", 30..=600)? {
            settings.confirm_ttl = Duration::seconds(s);
        }
        if let Some(n) = number("WALLET_STATEMENT_PDF_LINES", 10..=5_000)? {
            settings.statement_pdf_lines = n as usize;
        }
        if let Some(n) = number("WALLET_MEDIA_UPLOAD_ATTEMPTS", 1..=10)? {
            settings.media_upload_attempts = n as u32;
        }
        settings.fraud = FraudRules::from_lookup(&get)?;
        settings.score = super::score::ScoreWeights::from_lookup(&get)?;
        settings.bnpl = super::bnpl::BnplSettings::from_lookup(&get)?;
        settings.momo_callback_base =
            get("PUBLIC_BASE_URL").map(|b| format!("{}/momo/callback", b.trim_end_matches('/')));
        settings.momo_currency = get("MOMO_CURRENCY");
        // ---- susu and points ----
        if let Some(rule) = get("SUSU_PAYOUT") {
            settings.susu_payout = match rule.as_str() {
                "all_paid" => SusuPayout::AllPaid,
                "cycle_end" => SusuPayout::CycleEnd,
                _ => return Err(invalid("SUSU_PAYOUT", "expected all_paid or cycle_end")),
            };
        }
        if let Some(rate) = get("POINTS_PER_UNIT") {
            settings.points_per_unit = Decimal::from_str(&rate)
                .ok()
                .filter(|r| *r >= Decimal::ZERO)
                .ok_or_else(|| invalid("POINTS_PER_UNIT", "expected a number of points, 0 or more"))?;
        }
        if let Some(n) = number("POINTS_REDEEM_MINOR", 1..=1_000_000)? {
            settings.points_redeem_minor = n;
        }
        Ok(settings)
    }

    pub fn tier(&self, name: &str) -> Option<TierLimits> {
        self.tiers.get(name).copied()
    }
}

fn parse_tiers(text: &str) -> Option<BTreeMap<String, TierLimits>> {
    let mut tiers = BTreeMap::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (name, limits) = entry.split_once(':')?;
        let (per_transfer, per_day) = limits.split_once('/')?;
        let limits = TierLimits {
            per_transfer: Decimal::from_str(per_transfer.trim()).ok()?,
            per_day: Decimal::from_str(per_day.trim()).ok()?,
        };
        if limits.per_transfer <= Decimal::ZERO || limits.per_day < limits.per_transfer {
            return None;
        }
        tiers.insert(name.trim().to_owned(), limits);
    }
    (!tiers.is_empty()).then_some(tiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_round_half_up_to_the_minor_unit() {
        let fee = Fee::parse("1%+0.50").unwrap();
        assert_eq!(fee.on(5_000, 2), 100); // 1% of 50.00 = 0.50, + 0.50
        assert_eq!(Fee::parse("1%").unwrap().on(1_250, 2), 13); // 0.125 → 0.13
        assert_eq!(Fee::parse("0").unwrap().on(1_000, 2), 0);
        assert_eq!(Fee::parse("-1%"), None);
        assert_eq!(Fee::parse("x"), None);
    }

    #[test]
    fn tiers_parse_and_refuse_nonsense() {
        let tiers = parse_tiers("tier0:200/500, tier1:2000/5000").unwrap();
        assert_eq!(tiers["tier0"].per_day, Decimal::from(500));
        assert!(parse_tiers("tier0:500/200").is_none());
        assert!(parse_tiers("tier0").is_none());
        let settings =
            WalletSettings::from_lookup(|n| (n == "WALLET_TIERS").then(|| "gold:1/1".into())).unwrap();
        assert_eq!(settings.tier("gold").unwrap().per_transfer, Decimal::ONE);
        assert!(WalletSettings::from_lookup(|n| (n == "OTP_TTL_SECONDS").then(|| "900".into())).is_err());
    }
}
