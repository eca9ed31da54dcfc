//! Amounts as a person in each locale writes them.
//!
//! Hand-written rather than pulled from ICU: five locales and one shape (grouped integer part,
//! the currency's minor units, the ISO code after) do not justify ICU's data tables in every
//! Lambda binary, and the exact separators are part of the product copy, so tests pin them.

use crate::domain::{Locale, Money};

/// No-break space: between the amount and the code in every locale, and the Russian group
/// separator, so WhatsApp never wraps a line inside an amount.
const NBSP: char = '\u{00A0}';
/// Narrow no-break space: the French group separator (CLDR, Imprimerie nationale).
const NNBSP: char = '\u{202F}';

/// `(group separator, decimal separator)` for a locale.
fn separators(locale: Locale) -> (char, char) {
    match locale {
        Locale::En => (',', '.'),
        Locale::Ro | Locale::De => ('.', ','),
        Locale::Ru => (NBSP, ','),
        Locale::Fr => (NNBSP, ','),
    }
}

/// `1,234.50 MDL` (en), `1.234,50 MDL` (ro, de), `1 234,50 MDL` (ru, fr; see the separators
/// above). The amount keeps the currency's scale (`100,00 MDL`); the space before the code is
/// U+00A0 everywhere.
pub fn format_amount(money: &Money, locale: Locale) -> String {
    format_decimal(money.amount(), money.currency(), locale)
}

/// [`format_amount`] of any amount (zero and negative included: a balance, a statement line),
/// at the currency's scale.
pub fn format_decimal(
    amount: rust_decimal::Decimal,
    currency: crate::domain::Currency,
    locale: Locale,
) -> String {
    let (group, decimal) = separators(locale);
    let mut amount = amount;
    amount.rescale(currency.minor_units());
    // The amount has the currency's scale now, so `Decimal`'s own rendering has exactly the
    // digits to show; only the separators change. Its `Display` never uses an exponent.
    let plain = amount.to_string();
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };

    let mut out = String::with_capacity(plain.len() + 8);
    out.push_str(sign);
    let digits = int_part.len();
    for (i, ch) in int_part.chars().enumerate() {
        // A separator before every digit whose distance from the end is a multiple of three;
        // under 1000 there is none such past the first digit, so no grouping happens.
        if i > 0 && (digits - i) % 3 == 0 {
            out.push(group);
        }
        out.push(ch);
    }
    if let Some(frac) = frac_part {
        out.push(decimal);
        out.push_str(frac);
    }
    out.push(NBSP);
    out.push_str(currency.code());
    out
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::Currency;

    fn mdl(s: &str) -> Money {
        Money::new(Decimal::from_str(s).unwrap(), Currency::MDL).unwrap()
    }

    #[test]
    fn formats_the_table_for_every_locale() {
        // Written with explicit escapes so the test shows which space is which.
        let table: [(&str, [(Locale, &str); 5]); 4] = [
            (
                "0.50",
                [
                    (Locale::En, "0.50\u{A0}MDL"),
                    (Locale::Ro, "0,50\u{A0}MDL"),
                    (Locale::De, "0,50\u{A0}MDL"),
                    (Locale::Ru, "0,50\u{A0}MDL"),
                    (Locale::Fr, "0,50\u{A0}MDL"),
                ],
            ),
            (
                "100",
                [
                    (Locale::En, "100.00\u{A0}MDL"),
                    (Locale::Ro, "100,00\u{A0}MDL"),
                    (Locale::De, "100,00\u{A0}MDL"),
                    (Locale::Ru, "100,00\u{A0}MDL"),
                    (Locale::Fr, "100,00\u{A0}MDL"),
                ],
            ),
            (
                "1234.5",
                [
                    (Locale::En, "1,234.50\u{A0}MDL"),
                    (Locale::Ro, "1.234,50\u{A0}MDL"),
                    (Locale::De, "1.234,50\u{A0}MDL"),
                    (Locale::Ru, "1\u{A0}234,50\u{A0}MDL"),
                    (Locale::Fr, "1\u{202F}234,50\u{A0}MDL"),
                ],
            ),
            (
                "1234567.89",
                [
                    (Locale::En, "1,234,567.89\u{A0}MDL"),
                    (Locale::Ro, "1.234.567,89\u{A0}MDL"),
                    (Locale::De, "1.234.567,89\u{A0}MDL"),
                    (Locale::Ru, "1\u{A0}234\u{A0}567,89\u{A0}MDL"),
                    (Locale::Fr, "1\u{202F}234\u{202F}567,89\u{A0}MDL"),
                ],
            ),
        ];
        for (amount, rows) in table {
            for (locale, expected) in rows {
                assert_eq!(format_amount(&mdl(amount), locale), expected, "{amount} in {locale:?}");
            }
        }
    }

    #[test]
    fn groups_only_from_a_thousand() {
        assert_eq!(format_amount(&mdl("999.99"), Locale::En), "999.99\u{A0}MDL");
        assert_eq!(format_amount(&mdl("1000"), Locale::En), "1,000.00\u{A0}MDL");
        assert_eq!(format_amount(&mdl("100000"), Locale::Ro), "100.000,00\u{A0}MDL");
        assert_eq!(format_amount(&mdl("12345.6"), Locale::De), "12.345,60\u{A0}MDL");
    }

    #[test]
    fn uses_the_currency_code() {
        let eur = Money::new(Decimal::from(5), Currency::EUR).unwrap();
        assert_eq!(format_amount(&eur, Locale::Fr), "5,00\u{A0}EUR");
    }
}
