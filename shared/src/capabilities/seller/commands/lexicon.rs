//! The words of the grammar: command keywords and their localized aliases, the near-synonyms
//! that only earn a suggestion, currency words, and the folding that makes matching forgiving
//! (case, diacritics, look-alike letters from the other script, the wrong keyboard layout:
//! [`crate::capabilities::text`]).

#[cfg(test)]
use crate::capabilities::text::osa_distance;
pub(super) use crate::capabilities::text::{fold, nearest, readings};

/// The commands a first word can name. Payment commands are distinguished from the others
/// because they take arguments; the rest ignore whatever follows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Keyword {
    Pay,
    Rtp,
    Help,
    Lang,
    Merchant,
}

impl Keyword {
    /// The canonical spelling, as the failed-command log and the reply show it.
    pub(super) fn canonical(self) -> &'static str {
        match self {
            Keyword::Pay => "pay",
            Keyword::Rtp => "/rtp",
            Keyword::Help => "help",
            Keyword::Lang => "/lang",
            Keyword::Merchant => "/merchant",
        }
    }
}

/// Accepted spellings, already folded (see [`fold`]): `plată` and `plata` both land on
/// `plata`, `платёж` on `платеж`, `händler` on `handler`. The order is the tie-break for
/// suggestions, so the most used commands come first.
pub(super) const ALIASES: &[(&str, Keyword)] = &[
    // pay — en, ro, ru, fr, de
    ("pay", Keyword::Pay),
    ("plata", Keyword::Pay),
    ("plateste", Keyword::Pay),
    ("оплата", Keyword::Pay),
    ("платеж", Keyword::Pay),
    ("payer", Keyword::Pay),
    ("zahlen", Keyword::Pay),
    ("bezahlen", Keyword::Pay),
    // request to pay
    ("rtp", Keyword::Rtp),
    // help
    ("help", Keyword::Help),
    ("?", Keyword::Help),
    ("start", Keyword::Help),
    ("menu", Keyword::Help),
    ("meniu", Keyword::Help),
    ("ajutor", Keyword::Help),
    ("помощь", Keyword::Help),
    ("меню", Keyword::Help),
    ("старт", Keyword::Help),
    ("aide", Keyword::Help),
    ("hilfe", Keyword::Help),
    // language
    ("lang", Keyword::Lang),
    ("language", Keyword::Lang),
    ("limba", Keyword::Lang),
    ("язык", Keyword::Lang),
    ("langue", Keyword::Lang),
    ("sprache", Keyword::Lang),
    // merchant
    ("merchant", Keyword::Merchant),
    ("comerciant", Keyword::Merchant),
    ("мерчант", Keyword::Merchant),
    ("marchand", Keyword::Merchant),
    ("handler", Keyword::Merchant),
    ("haendler", Keyword::Merchant),
];

/// Words people use for our commands that we do not accept as commands (too vague, or they
/// read as ordinary text) but that tell us what was meant: the seller-side counterpart of the
/// operator log's "unrecognized → suggested fix" rows (`TRANSFER 100` → `SEND`).
pub(super) const SYNONYMS: &[(&str, Keyword)] = &[
    ("payment", Keyword::Pay),
    ("paylink", Keyword::Pay),
    ("link", Keyword::Pay),
    ("charge", Keyword::Pay),
    ("bill", Keyword::Pay),
    ("invoice", Keyword::Pay),
    ("qr", Keyword::Pay),
    ("collect", Keyword::Pay),
    ("factura", Keyword::Pay),
    ("incaseaza", Keyword::Pay),
    ("счет", Keyword::Pay),
    ("ссылка", Keyword::Pay),
    ("оплатить", Keyword::Pay),
    ("paiement", Keyword::Pay),
    ("facture", Keyword::Pay),
    ("zahlung", Keyword::Pay),
    ("rechnung", Keyword::Pay),
    ("request", Keyword::Rtp),
    ("requesttopay", Keyword::Rtp),
    ("cerere", Keyword::Rtp),
    ("solicita", Keyword::Rtp),
    ("solicitare", Keyword::Rtp),
    ("запрос", Keyword::Rtp),
    ("запросить", Keyword::Rtp),
    ("demande", Keyword::Rtp),
    ("demander", Keyword::Rtp),
    ("anfrage", Keyword::Rtp),
    ("anfordern", Keyword::Rtp),
    ("commands", Keyword::Help),
    ("command", Keyword::Help),
    ("info", Keyword::Help),
    ("hello", Keyword::Help),
    ("hi", Keyword::Help),
    ("salut", Keyword::Help),
    ("buna", Keyword::Help),
    ("comenzi", Keyword::Help),
    ("привет", Keyword::Help),
    ("команды", Keyword::Help),
    ("bonjour", Keyword::Help),
    ("hallo", Keyword::Help),
    ("languages", Keyword::Lang),
    ("english", Keyword::Lang),
    ("romana", Keyword::Lang),
    ("русский", Keyword::Lang),
    ("francais", Keyword::Lang),
    ("deutsch", Keyword::Lang),
    ("limbi", Keyword::Lang),
    ("языки", Keyword::Lang),
    ("merchants", Keyword::Merchant),
    ("shop", Keyword::Merchant),
    ("store", Keyword::Merchant),
    ("magazin", Keyword::Merchant),
    ("магазин", Keyword::Merchant),
    ("boutique", Keyword::Merchant),
    ("geschaft", Keyword::Merchant),
];

/// Currency words (lowercase, no trailing dot) and the ISO code they mean. The market's own
/// code is always accepted too; every other entry refuses as an unsupported currency rather
/// than being read as description, so `pay 100 usd` never becomes a 100 MDL link. Only codes
/// likely in our markets are listed: a full ISO list would swallow ordinary words (`all`,
/// `cup`, `try`).
const CURRENCY_WORDS: &[(&str, &str)] = &[
    ("mdl", "MDL"),
    ("lei", "MDL"),
    ("leu", "MDL"),
    ("лей", "MDL"),
    ("лея", "MDL"),
    ("леев", "MDL"),
    ("eur", "EUR"),
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("€", "EUR"),
    ("евро", "EUR"),
    ("ghs", "GHS"),
    ("cedi", "GHS"),
    ("cedis", "GHS"),
    ("₵", "GHS"),
    ("gh₵", "GHS"),
    ("usd", "USD"),
    ("$", "USD"),
    ("us$", "USD"),
    ("dollar", "USD"),
    ("dollars", "USD"),
    ("dolari", "USD"),
    ("доллар", "USD"),
    ("доллара", "USD"),
    ("долларов", "USD"),
    ("ron", "RON"),
    ("rub", "RUB"),
    ("руб", "RUB"),
    ("рубль", "RUB"),
    ("рубля", "RUB"),
    ("рублей", "RUB"),
    ("₽", "RUB"),
    ("uah", "UAH"),
    ("грн", "UAH"),
    ("₴", "UAH"),
    ("gbp", "GBP"),
    ("£", "GBP"),
    ("chf", "CHF"),
    ("pln", "PLN"),
    ("zł", "PLN"),
];

/// What a currency word means in a market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CurrencyWord {
    /// The market's own currency: accepted and dropped.
    Market,
    /// Another currency: refused, never silently converted or ignored.
    Other,
}

/// Whether a word is a currency word (`lei`, `MDL`, `€`, `руб.`), and whose.
pub(super) fn currency_word(word: &str, market_code: &str) -> Option<CurrencyWord> {
    let word = word.trim_end_matches('.').to_lowercase();
    if word.is_empty() {
        return None;
    }
    let code = if word.eq_ignore_ascii_case(market_code) {
        market_code
    } else {
        CURRENCY_WORDS.iter().find(|(w, _)| *w == word).map(|(_, code)| *code)?
    };
    Some(if code.eq_ignore_ascii_case(market_code) { CurrencyWord::Market } else { CurrencyWord::Other })
}

/// The command a first word names exactly (after folding), if any.
pub(super) fn keyword(word: &str) -> Option<Keyword> {
    let folded = fold(word);
    readings(&folded).iter().find_map(|r| ALIASES.iter().find(|(alias, _)| alias == r).map(|(_, k)| *k))
}

/// A word that names a command only loosely: a synonym, a typo, the wrong keyboard layout.
/// Only ever used to suggest, never to act.
pub(super) fn near_miss(word: &str) -> Option<Keyword> {
    nearest(word, ALIASES, SYNONYMS)
}

/// A word that names a command exactly or as a synonym: for the words after an unknown first
/// word (`change language`, `i want to pay 100`), where a typo match would be too eager.
pub(super) fn mentions(word: &str) -> Option<Keyword> {
    let folded = fold(word);
    readings(&folded)
        .iter()
        .find_map(|r| ALIASES.iter().chain(SYNONYMS).find(|(alias, _)| alias == r).map(|(_, k)| *k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(a: &str, b: &str) -> usize {
        osa_distance(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>())
    }

    #[test]
    fn distances() {
        assert_eq!(dist("lnag", "lang"), 1);
        assert_eq!(dist("paay", "pay"), 1);
        assert_eq!(dist("", "pay"), 3);
        assert_eq!(dist("kitten", "sitting"), 3);
        assert_eq!(dist("ca", "abc"), 3);
    }

    #[test]
    fn folding() {
        assert_eq!(fold("PLĂTEȘTE"), "plateste");
        assert_eq!(fold("plăteşte"), "plateste");
        assert_eq!(fold("Händler"), "handler");
        assert_eq!(fold("ПЛАТЁЖ"), "платеж");
        assert_eq!(fold("pla\u{0306}ta"), "plata");
    }

    #[test]
    fn aliases_are_stored_folded() {
        for (alias, _) in ALIASES.iter().chain(SYNONYMS) {
            assert_eq!(fold(alias), *alias, "{alias}");
        }
        for (word, _) in CURRENCY_WORDS {
            assert_eq!(word.to_lowercase(), *word, "{word}");
        }
    }

    #[test]
    fn no_synonym_shadows_an_alias() {
        for (synonym, _) in SYNONYMS {
            assert!(ALIASES.iter().all(|(a, _)| a != synonym), "{synonym}");
        }
    }

    #[test]
    fn wrong_keyboard_layout() {
        assert_eq!(near_miss("зфн"), Some(Keyword::Pay));
        assert_eq!(near_miss("дфтп"), Some(Keyword::Lang));
        assert_eq!(near_miss("gjvjom"), Some(Keyword::Help));
    }
}
