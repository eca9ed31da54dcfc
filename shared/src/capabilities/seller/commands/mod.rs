//! The seller command grammar: what a seller writes in the chat, turned into a typed
//! [`Command`] or a typed [`Refusal`]. Forgiving about form (case, spacing, quotes, aliases in
//! five languages, a bare number), exact about money (an amount is refused rather than
//! guessed). No text for users lives here: the i18n module renders commands and refusals.
//!
//! ```text
//! [/]pay <amount> [<description>] [#<tag>]        also: <amount> …, plata, оплата, payer, zahlen…
//! [/]rtp <amount> <payer phone> [<description>] [#<tag>]
//! [/]lang · [/]help · ? · [/]start · [/]merchant  and their localized aliases
//! ```
//!
//! - **Amount**: digits with at most one `,` or `.` and at most the currency's minor units as
//!   written (`100,50` = `100.50`; `1.000` is refused, not read as one thousand or as one). A
//!   currency word may stand before or after it, attached or not (`100lei`, `MDL 100`).
//!   Digit groups separated by spaces (`1 000`) are refused for the same reason as `1.000`.
//! - **Payer** (rtp): one token in international or national form, resolved with the
//!   market's country code. A number written in groups (`+373 69 123 456`) is accepted when
//!   nothing but a quoted description or a tag follows it, so the groups cannot be confused
//!   with the start of the description. The payer may also come before the amount when it is
//!   unmistakably a phone (starts with `+` or `0` and has at least 8 digits).
//! - **Description**: the rest of the text, minus a trailing `#tag`; one pair of quotes
//!   (`"…"`, `“…”`, `„…“`, `«…»`, `‘…’`, `'…'`) is removed, whitespace is collapsed.
//! - **Tag**: `#` and up to `tag_max_chars` letters, digits, `_` or `-`, as the last word (or
//!   the first, when no tag ends the text); returned without the `#`, as written.
//! - Invisible characters (bidi marks WhatsApp puts around copied phone numbers, zero-width
//!   spaces, control characters) are dropped before anything else.

mod grammar;
mod lexicon;
#[cfg(test)]
mod tests;

use std::fmt;

use rust_decimal::Decimal;
use thiserror::Error;

use crate::domain::{Currency, Money, Phone};

/// The limits of one market, from the business number's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketRules {
    pub currency: Currency,
    /// The country calling code for national phone numbers, digits only (`373`).
    pub country_code: String,
    /// Largest amount of a QR payment link (`pay`).
    pub qr_max: Decimal,
    /// Largest amount of a request to pay (`rtp`).
    pub rtp_max: Decimal,
    pub description_max_chars: usize,
    pub tag_max_chars: usize,
}

impl MarketRules {
    /// Moldova: MDL, `+373`, 100 000 MDL per link (the MIA rail's business cap), 140-character
    /// descriptions, 32-character tags.
    pub fn moldova() -> Self {
        MarketRules {
            currency: Currency::MDL,
            country_code: "373".to_owned(),
            qr_max: Decimal::from(100_000),
            rtp_max: Decimal::from(100_000),
            description_max_chars: 140,
            tag_max_chars: 32,
        }
    }
}

/// What a seller asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A payment link (QR / hosted checkout).
    Pay { amount: Money, description: Option<String>, tag: Option<String> },
    /// A request to pay, pushed to the payer's banking app.
    Rtp { amount: Money, payer: Phone, description: Option<String>, tag: Option<String> },
    /// Open the language picker.
    Lang,
    /// Show what the bot can do.
    Help,
    /// Change the selected merchant.
    Merchant,
}

impl Command {
    /// The command in canonical form (`pay`, `/rtp`, `/lang`, `help`, `/merchant`), for logs
    /// and command-frequency counts.
    pub fn canonical(&self) -> &'static str {
        match self {
            Command::Pay { .. } => "pay",
            Command::Rtp { .. } => "/rtp",
            Command::Lang => "/lang",
            Command::Help => "help",
            Command::Merchant => "/merchant",
        }
    }
}

/// Why a message is not a command the bot can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    Empty,
    UnknownCommand,
    AmountMissing,
    AmountInvalid,
    AmountNotPositive,
    TooManyDecimals,
    AmountAboveCap,
    UnsupportedCurrency,
    DescriptionTooLong,
    TagInvalid,
    PayerMissing,
    PayerNotAPhone,
}

impl RefusalKind {
    /// Every kind, for checks that each has a message in every locale.
    pub const ALL: [RefusalKind; 12] = [
        RefusalKind::Empty,
        RefusalKind::UnknownCommand,
        RefusalKind::AmountMissing,
        RefusalKind::AmountInvalid,
        RefusalKind::AmountNotPositive,
        RefusalKind::TooManyDecimals,
        RefusalKind::AmountAboveCap,
        RefusalKind::UnsupportedCurrency,
        RefusalKind::DescriptionTooLong,
        RefusalKind::TagInvalid,
        RefusalKind::PayerMissing,
        RefusalKind::PayerNotAPhone,
    ];

    /// A stable snake_case name: it is stored in the operator's failed-command log, so a
    /// renamed variant must keep its string.
    pub fn as_str(&self) -> &'static str {
        match self {
            RefusalKind::Empty => "empty",
            RefusalKind::UnknownCommand => "unknown_command",
            RefusalKind::AmountMissing => "amount_missing",
            RefusalKind::AmountInvalid => "amount_invalid",
            RefusalKind::AmountNotPositive => "amount_not_positive",
            RefusalKind::TooManyDecimals => "too_many_decimals",
            RefusalKind::AmountAboveCap => "amount_above_cap",
            RefusalKind::UnsupportedCurrency => "unsupported_currency",
            RefusalKind::DescriptionTooLong => "description_too_long",
            RefusalKind::TagInvalid => "tag_invalid",
            RefusalKind::PayerMissing => "payer_missing",
            RefusalKind::PayerNotAPhone => "payer_not_a_phone",
        }
    }
}

impl fmt::Display for RefusalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The values a refusal's message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalDetail {
    None,
    /// The cap that was exceeded ([`RefusalKind::AmountAboveCap`]).
    Cap(Money),
    /// The longest allowed text ([`RefusalKind::DescriptionTooLong`], [`RefusalKind::TagInvalid`]).
    MaxChars(usize),
    /// What the user wrote that could not be read, as written and cut to 32 characters
    /// ([`RefusalKind::AmountInvalid`], [`RefusalKind::UnsupportedCurrency`]). Never the
    /// payer's phone: a malformed phone is refused without echoing it.
    Token(String),
}

/// A message the bot will not act on, and what it can say about it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("command refused: {kind}")]
pub struct Refusal {
    pub kind: RefusalKind,
    /// The command the user most likely meant, in canonical form (`pay`, `/rtp`, `/lang`,
    /// `help`, `/merchant`), for the failed-command log and the reply. Set whenever the
    /// command is known (a `pay` with a bad amount suggests `pay`); `None` for an empty
    /// message and for an unknown word that resembles none of ours.
    pub suggestion: Option<&'static str>,
    pub detail: RefusalDetail,
}

impl Refusal {
    /// The token the refusal is about, for [`RefusalDetail::Token`].
    pub fn token(&self) -> Option<&str> {
        match &self.detail {
            RefusalDetail::Token(token) => Some(token),
            _ => None,
        }
    }

    /// The amount of the exceeded cap, for [`RefusalDetail::Cap`].
    pub fn cap(&self) -> Option<Decimal> {
        match &self.detail {
            RefusalDetail::Cap(cap) => Some(cap.amount()),
            _ => None,
        }
    }

    /// The character limit, for [`RefusalDetail::MaxChars`].
    pub fn max_chars(&self) -> Option<usize> {
        match self.detail {
            RefusalDetail::MaxChars(max) => Some(max),
            _ => None,
        }
    }
}

/// Reads one chat message as a seller command. Never panics, whatever the input.
pub fn parse(input: &str, rules: &MarketRules) -> Result<Command, Refusal> {
    grammar::parse(input, rules)
}
