use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// A phone number in E.164 form (`+` and 8 to 15 digits).
///
/// `Debug` and `Display` mask the middle digits so that a phone that slips into a log line
/// never appears whole; [`Phone::as_e164`] is the only way to the full number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PhoneError {
    #[error("a phone number has 8 to 15 digits")]
    Length,
    #[error("a phone number holds only digits, spaces, dashes, dots and brackets")]
    Character,
}

impl Phone {
    /// Parses an international number: `+37369123456`, `37369123456` (Meta's `wa_id`),
    /// `00373 69 123 456`; separators are ignored.
    pub fn parse_international(input: &str) -> Result<Phone, PhoneError> {
        let trimmed = input.trim();
        let rest = trimmed.strip_prefix('+').or_else(|| trimmed.strip_prefix("00")).unwrap_or(trimmed);
        Self::from_digits(rest)
    }

    /// Parses a number as a user of a market writes it: international forms as above, or a
    /// national form with a leading trunk `0` (`069123456` in Moldova, country code `373`).
    pub fn parse_in_market(input: &str, country_code: &str) -> Result<Phone, PhoneError> {
        let trimmed = input.trim();
        if trimmed.starts_with('+') || trimmed.starts_with("00") {
            return Self::parse_international(trimmed);
        }
        let digits = Self::digits_only(trimmed)?;
        if let Some(national) = digits.strip_prefix('0') {
            return Self::from_digits(&format!("{country_code}{national}"));
        }
        if digits.starts_with(country_code) {
            return Self::from_digits(&digits);
        }
        Self::from_digits(&format!("{country_code}{digits}"))
    }

    fn digits_only(input: &str) -> Result<String, PhoneError> {
        let mut digits = String::with_capacity(input.len());
        for c in input.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(PhoneError::Character),
            }
        }
        Ok(digits)
    }

    fn from_digits(input: &str) -> Result<Phone, PhoneError> {
        // Meta's wa_id is digits already: one allocation on the hot path.
        if input.bytes().all(|b| b.is_ascii_digit()) {
            if !(8..=15).contains(&input.len()) || input.starts_with('0') {
                return Err(PhoneError::Length);
            }
            let mut e164 = String::with_capacity(input.len() + 1);
            e164.push('+');
            e164.push_str(input);
            return Ok(Phone(e164));
        }
        let digits = Self::digits_only(input)?;
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(PhoneError::Length);
        }
        Ok(Phone(format!("+{digits}")))
    }

    /// The full number, `+` and digits. For storage and for the APIs that need it; never log it.
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// The digits without `+`, as the WhatsApp Cloud API addresses a user.
    pub fn wa_id(&self) -> &str {
        &self.0[1..]
    }

    /// The number with all but the country prefix and the last two digits hidden.
    pub fn masked(&self) -> String {
        let digits = self.wa_id();
        let keep_head = 3.min(digits.len());
        let keep_tail = 2.min(digits.len() - keep_head);
        let hidden = digits.len() - keep_head - keep_tail;
        format!("+{}{}{}", &digits[..keep_head], "*".repeat(hidden), &digits[digits.len() - keep_tail..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = std::borrow::Cow::<str>::deserialize(d)?;
        Phone::parse_international(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_forms_agree() {
        for input in ["+37369123456", "37369123456", "00373 69 123 456", "+373-69-123-456"] {
            assert_eq!(Phone::parse_international(input).unwrap().as_e164(), "+37369123456", "{input}");
        }
    }

    #[test]
    fn national_form_takes_the_market_code() {
        let phone = Phone::parse_in_market("069 123 456", "373").unwrap();
        assert_eq!(phone.as_e164(), "+37369123456");
        assert_eq!(Phone::parse_in_market("37369123456", "373").unwrap(), phone);
        assert_eq!(Phone::parse_in_market("+40721000000", "373").unwrap().as_e164(), "+40721000000");
    }

    #[test]
    fn rejects_what_is_not_a_phone() {
        assert_eq!(Phone::parse_international("12345"), Err(PhoneError::Length));
        assert_eq!(Phone::parse_international("1234567890123456"), Err(PhoneError::Length));
        assert_eq!(Phone::parse_international("+3736912abc"), Err(PhoneError::Character));
        assert_eq!(Phone::parse_international(""), Err(PhoneError::Length));
    }

    #[test]
    fn debug_and_display_never_show_the_whole_number() {
        let phone = Phone::parse_international("+37369123456").unwrap();
        assert_eq!(phone.masked(), "+373******56");
        assert!(!format!("{phone:?}").contains("69123456"));
        assert!(!format!("{phone}").contains("69123456"));
        assert_eq!(phone.wa_id(), "37369123456");
    }

    #[test]
    fn serde_round_trip_keeps_the_full_number() {
        let phone = Phone::parse_international("+37369123456").unwrap();
        let json = serde_json::to_string(&phone).unwrap();
        assert_eq!(json, "\"+37369123456\"");
        assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), phone);
    }
}
