//! Words kept for later: a message of the locale files and its arguments, stored as data (in
//! the outbox, on a queue) and rendered in the user's locale only when they are sent, so a
//! notice reads in the language the user has by then.

use serde::{Deserialize, Serialize};

use super::{Arg, Catalog, format_amount};
use crate::domain::{Locale, Money};

/// One argument, or one template parameter, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum WordArg {
    /// Shown as written (a description the user typed, a bank's name).
    Text(String),
    /// A yes/no switch of the message.
    Flag(bool),
    /// An amount, written the locale's way.
    Amount(Money),
    /// Another message of the locale files, without arguments (a status word).
    Message(String),
    /// A count: selectors on it pick the locale's plural form.
    Count(i64),
    /// Any amount, zero and negative included (a balance, a statement line), in minor units.
    Minor { minor: i64, currency: crate::domain::Currency },
}

impl WordArg {
    pub fn render(&self, locale: Locale) -> String {
        match self {
            WordArg::Text(text) => text.clone(),
            WordArg::Flag(on) => if *on { "yes" } else { "no" }.to_owned(),
            WordArg::Amount(money) => format_amount(money, locale),
            WordArg::Message(id) => Catalog::global().text(locale, id, &[]),
            WordArg::Count(n) => n.to_string(),
            WordArg::Minor { minor, currency } => {
                super::amount::format_decimal(crate::ledger::from_minor(*minor, *currency), *currency, locale)
            }
        }
    }
}

/// A message of the locale files with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Words {
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(String, WordArg)>,
}

impl Words {
    pub fn new(message: impl Into<String>) -> Words {
        Words { message: message.into(), args: Vec::new() }
    }

    pub fn arg(mut self, name: impl Into<String>, value: WordArg) -> Words {
        self.args.push((name.into(), value));
        self
    }

    pub fn render(&self, locale: Locale) -> String {
        let values: Vec<(&str, String)> =
            self.args.iter().map(|(name, v)| (name.as_str(), v.render(locale))).collect();
        let args: Vec<(&str, Arg<'_>)> = self
            .args
            .iter()
            .zip(&values)
            .map(|((_, arg), (name, text))| match arg {
                WordArg::Count(n) => (*name, Arg::Int(*n)),
                _ => (*name, Arg::Str(text)),
            })
            .collect();
        Catalog::global().text(locale, &self.message, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn words_render_in_the_locale_they_are_sent_in() {
        let money = Money::new(rust_decimal::Decimal::new(14525, 2), Currency::MDL).unwrap();
        let words = Words::new("payment-paid")
            .arg("amount", WordArg::Amount(money))
            .arg("description", WordArg::Text("Cafea".into()))
            .arg("has_description", WordArg::Flag(true))
            .arg("has_tag", WordArg::Flag(false))
            .arg("has_bank", WordArg::Flag(false));
        let json = serde_json::to_string(&words).unwrap();
        let back: Words = serde_json::from_str(&json).unwrap();
        assert_eq!(back, words);
        let ro = back.render(Locale::Ro);
        let en = back.render(Locale::En);
        assert!(ro.contains("145,25") && ro.contains("Cafea"), "{ro}");
        assert!(en.contains("145.25"), "{en}");
        assert_eq!(WordArg::Message("template-status-success".into()).render(Locale::En), "paid");
    }
}
