use serde::{Deserialize, Serialize};

/// The five chat locales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    Ro,
    Ru,
    En,
    Fr,
    De,
}

impl Locale {
    pub const ALL: [Locale; 5] = [Locale::Ro, Locale::Ru, Locale::En, Locale::Fr, Locale::De];

    pub fn code(self) -> &'static str {
        match self {
            Locale::Ro => "ro",
            Locale::Ru => "ru",
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::De => "de",
        }
    }

    /// Accepts `ro`, `RO`, `ro-MD`, `ru_RU`, `en_US`…: the language part decides.
    pub fn parse(code: &str) -> Option<Locale> {
        let lang = code.split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.code() == lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_language_tags() {
        assert_eq!(Locale::parse("ro"), Some(Locale::Ro));
        assert_eq!(Locale::parse("ru_RU"), Some(Locale::Ru));
        assert_eq!(Locale::parse("en-GB"), Some(Locale::En));
        assert_eq!(Locale::parse("DE"), Some(Locale::De));
        assert_eq!(Locale::parse("it"), None);
        for l in Locale::ALL {
            assert_eq!(Locale::parse(l.code()), Some(l));
        }
    }
}
