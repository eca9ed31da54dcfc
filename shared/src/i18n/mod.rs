//! Every text a user reads, in the five chat locales (Project Fluent, `locales/*.ftl`).
//!
//! The locale files are compiled into the binary: a Lambda has no files of its own to read,
//! and a broken translation must fail the tests, not a seller's payment at run time.
//!
//! Conventions for callers:
//! - Amounts are passed already formatted, through [`format_amount`].
//! - Optional parts are switched by string flags `"yes"` / `"no"` (`has_name`,
//!   `has_description`, `has_tag`, `has_bank`, `multi_merchant`); the value they guard may
//!   then be anything (an empty string is fine).
//! - `$tag` is the bare tag, without the `#` (the copy adds it); `$payer` is already masked.
//! - Counts that choose a plural form (`$count`) are [`Arg::Int`].

mod amount;
mod words;

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;
use thiserror::Error;
use unic_langid::LanguageIdentifier;

use crate::domain::Locale;

pub use amount::{format_amount, format_decimal};
pub use words::{WordArg, Words};

/// The bundled locale files, one per locale.
const SOURCES: [(Locale, &str); 5] = [
    (
        Locale::Ro,
        concat!(
            include_str!("../../locales/ro.ftl"),
            "\n",
            include_str!("../../locales/wallet/ro.ftl"),
            "\n",
            include_str!("../../locales/wallet/credit/ro.ftl"),
            "\n",
            include_str!("../../locales/console/ro.ftl"),
        ),
    ),
    (
        Locale::Ru,
        concat!(
            include_str!("../../locales/ru.ftl"),
            "\n",
            include_str!("../../locales/wallet/ru.ftl"),
            "\n",
            include_str!("../../locales/wallet/credit/ru.ftl"),
            "\n",
            include_str!("../../locales/console/ru.ftl"),
        ),
    ),
    (
        Locale::En,
        concat!(
            include_str!("../../locales/en.ftl"),
            "\n",
            include_str!("../../locales/wallet/en.ftl"),
            "\n",
            include_str!("../../locales/wallet/credit/en.ftl"),
            "\n",
            include_str!("../../locales/console/en.ftl"),
        ),
    ),
    (
        Locale::Fr,
        concat!(
            include_str!("../../locales/fr.ftl"),
            "\n",
            include_str!("../../locales/wallet/fr.ftl"),
            "\n",
            include_str!("../../locales/wallet/credit/fr.ftl"),
            "\n",
            include_str!("../../locales/console/fr.ftl"),
        ),
    ),
    (
        Locale::De,
        concat!(
            include_str!("../../locales/de.ftl"),
            "\n",
            include_str!("../../locales/wallet/de.ftl"),
            "\n",
            include_str!("../../locales/wallet/credit/de.ftl"),
            "\n",
            include_str!("../../locales/console/de.ftl"),
        ),
    ),
];

/// The locale every other one falls back to: the one the product copy is written in first.
const FALLBACK: Locale = Locale::En;

/// An argument of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg<'a> {
    Str(&'a str),
    /// A number; selectors on it pick the locale's plural form.
    Int(i64),
}

impl Arg<'static> {
    /// The `yes`/`no` flags the locale files select optional parts on.
    pub fn flag(on: bool) -> Arg<'static> {
        Arg::Str(if on { "yes" } else { "no" })
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(s)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

/// Why a catalog could not be built.
#[derive(Debug, Error)]
pub enum CatalogError {
    #[error("the {locale} locale file does not parse: {errors}")]
    Parse { locale: &'static str, errors: String },
    #[error("the {locale} locale file cannot be loaded: {errors}")]
    Load { locale: &'static str, errors: String },
}

struct LocaleBundle {
    locale: Locale,
    bundle: FluentBundle<FluentResource>,
    /// In file order: the bundle only answers lookups, it does not list what it holds.
    ids: Vec<String>,
}

/// The messages of every locale, ready to format.
pub struct Catalog {
    bundles: Vec<LocaleBundle>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("locales", &self.bundles.iter().map(|b| b.locale.code()).collect::<Vec<_>>())
            .finish()
    }
}

impl Catalog {
    /// The catalog of the bundled locale files, built on first use.
    ///
    /// # Panics
    /// If a bundled locale file does not parse — which the tests rule out before a build can
    /// ship, so a panic here means a binary was built without running them.
    pub fn global() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::bundled().unwrap_or_else(|e| panic!("bundled locale files: {e}")))
    }

    /// Builds a catalog from the bundled locale files.
    pub fn bundled() -> Result<Catalog, CatalogError> {
        Catalog::from_sources(&SOURCES)
    }

    /// Builds a catalog from FTL sources. A locale without a source falls back to English for
    /// every message; a syntax error anywhere fails the whole catalog (Fluent would otherwise
    /// drop the broken entry silently).
    pub fn from_sources(sources: &[(Locale, &str)]) -> Result<Catalog, CatalogError> {
        let mut bundles = Vec::with_capacity(sources.len());
        for &(locale, source) in sources {
            let resource = FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| {
                CatalogError::Parse { locale: locale.code(), errors: join_errors(&errors) }
            })?;
            let ids = resource
                .entries()
                .filter_map(|entry| match entry {
                    ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    _ => None,
                })
                .collect();
            let langid: LanguageIdentifier = locale
                .code()
                .parse()
                .map_err(|e| CatalogError::Load { locale: locale.code(), errors: format!("{e}") })?;
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // Isolation marks (U+2068/U+2069) protect mixed-direction text in a UI; in a chat
            // message they are invisible junk that breaks copy-paste of links and amounts.
            bundle.set_use_isolating(false);
            bundle
                .add_builtins()
                .map_err(|e| CatalogError::Load { locale: locale.code(), errors: e.to_string() })?;
            bundle.add_resource(resource).map_err(|errors| CatalogError::Load {
                locale: locale.code(),
                errors: join_errors(&errors),
            })?;
            bundles.push(LocaleBundle { locale, bundle, ids });
        }
        Ok(Catalog { bundles })
    }

    fn bundle(&self, locale: Locale) -> Option<&LocaleBundle> {
        self.bundles.iter().find(|b| b.locale == locale)
    }

    /// The message `id` in `locale`, with `args`. A message missing in the locale comes in
    /// English; one missing everywhere comes as its id — the user sees something and the
    /// operator a warning, rather than the reply being lost.
    pub fn text(&self, locale: Locale, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match *value {
                Arg::Str(s) => FluentValue::from(s),
                Arg::Int(n) => FluentValue::from(n),
            };
            fluent_args.set(*name, value);
        }

        let candidates = [locale, FALLBACK];
        let candidates = if locale == FALLBACK { &candidates[..1] } else { &candidates[..] };
        for &candidate in candidates {
            let Some(lb) = self.bundle(candidate) else { continue };
            let Some(pattern) = lb.bundle.get_message(id).and_then(|m| m.value()) else {
                continue;
            };
            if candidate != locale {
                tracing::warn!(
                    message_id = id,
                    locale = locale.code(),
                    fallback = candidate.code(),
                    "message missing in locale; using the fallback"
                );
            }
            let mut errors = Vec::new();
            let text = lb.bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
            if !errors.is_empty() {
                // Names only: argument values may hold a (masked) phone or a description.
                let names: Vec<&str> = args.iter().map(|(n, _)| *n).collect();
                tracing::warn!(
                    message_id = id,
                    locale = candidate.code(),
                    args = ?names,
                    errors = %join_errors(&errors),
                    "message formatted with errors"
                );
            }
            return text.into_owned();
        }
        tracing::warn!(message_id = id, locale = locale.code(), "message missing in every locale");
        id.to_owned()
    }

    /// Whether `locale` itself has the message (no fallback).
    pub fn has(&self, locale: Locale, id: &str) -> bool {
        self.bundle(locale).is_some_and(|lb| lb.bundle.has_message(id))
    }

    /// The ids of the messages `locale` defines, in file order.
    pub fn message_ids(&self, locale: Locale) -> Vec<String> {
        self.bundle(locale).map(|lb| lb.ids.clone()).unwrap_or_default()
    }
}

fn join_errors<E: std::fmt::Display>(errors: &[E]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests;
