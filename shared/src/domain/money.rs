use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An ISO 4217 currency with its number of minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    minor_units: u8,
}

impl Currency {
    pub const MDL: Currency = Currency { code: "MDL", minor_units: 2 };
    pub const EUR: Currency = Currency { code: "EUR", minor_units: 2 };
    pub const GHS: Currency = Currency { code: "GHS", minor_units: 2 };
    /// Loyalty points: the unit of the points ledger, never a market's currency.
    pub const POINTS: Currency = Currency { code: "PTS", minor_units: 0 };

    /// The currencies the bot's markets use; others are refused rather than guessed.
    pub fn from_code(code: &str) -> Option<Currency> {
        [Currency::MDL, Currency::EUR, Currency::GHS]
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code))
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn minor_units(&self) -> u32 {
        u32::from(self.minor_units)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = std::borrow::Cow::<str>::deserialize(d)?;
        Currency::from_code(&code)
            .or_else(|| (code == Currency::POINTS.code()).then_some(Currency::POINTS))
            .ok_or_else(|| serde::de::Error::custom(format!("unsupported currency {code}")))
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("the amount must be greater than zero")]
    NotPositive,
    #[error("the amount has more decimals than the currency allows ({allowed})")]
    TooManyDecimals { allowed: u32 },
}

/// A positive amount of money in a currency, with at most the currency's minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        if amount <= Decimal::ZERO {
            return Err(MoneyError::NotPositive);
        }
        let normalized = amount.normalize();
        if normalized.scale() > currency.minor_units() {
            return Err(MoneyError::TooManyDecimals { allowed: currency.minor_units() });
        }
        let mut amount = normalized;
        amount.rescale(currency.minor_units());
        Ok(Money { amount, currency })
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    #[test]
    fn keeps_the_currency_scale() {
        let m = Money::new(Decimal::from(100), Currency::MDL).unwrap();
        assert_eq!(m.amount().to_string(), "100.00");
        assert_eq!(m.to_string(), "100.00 MDL");
        let m = Money::new(Decimal::from_str("100.5").unwrap(), Currency::MDL).unwrap();
        assert_eq!(m.amount().to_string(), "100.50");
    }

    #[test]
    fn refuses_zero_negative_and_extra_decimals() {
        assert_eq!(Money::new(Decimal::ZERO, Currency::MDL), Err(MoneyError::NotPositive));
        assert_eq!(Money::new(Decimal::from(-1), Currency::MDL), Err(MoneyError::NotPositive));
        assert_eq!(
            Money::new(Decimal::from_str("1.005").unwrap(), Currency::MDL),
            Err(MoneyError::TooManyDecimals { allowed: 2 })
        );
        // Trailing zeros are not extra precision.
        assert!(Money::new(Decimal::from_str("1.500").unwrap(), Currency::MDL).is_ok());
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::from_code("mdl"), Some(Currency::MDL));
        assert_eq!(Currency::from_code("XYZ"), None);
    }

    proptest! {
        #[test]
        fn amounts_round_trip_through_json(cents in 1i64..10_000_000_000i64) {
            let m = Money::new(Decimal::new(cents, 2), Currency::MDL).unwrap();
            let json = serde_json::to_string(&m).unwrap();
            let back: Money = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, m);
            prop_assert_eq!(back.amount().to_string(), m.amount().to_string());
        }
    }
}
