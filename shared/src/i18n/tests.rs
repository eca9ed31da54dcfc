//! The locale files are data, so these tests hold them to the contract the code relies on:
//! same ids and variables everywhere, clean rendering, Meta's length limits, plural forms.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use fluent_syntax::ast;
use rust_decimal::Decimal;

use super::*;
use crate::domain::{Currency, Money};

/// Variables per message id, read from the FTL syntax tree of one locale file.
fn variables_by_message(locale: Locale) -> BTreeMap<String, BTreeSet<String>> {
    let source = SOURCES.iter().find(|(l, _)| *l == locale).unwrap().1;
    let resource = fluent_syntax::parser::parse(source)
        .unwrap_or_else(|(_, errors)| panic!("{} does not parse: {errors:?}", locale.code()));
    let mut out = BTreeMap::new();
    for entry in resource.body {
        if let ast::Entry::Message(message) = entry {
            let mut vars = BTreeSet::new();
            if let Some(pattern) = &message.value {
                pattern_vars(pattern, &mut vars);
            }
            for attribute in &message.attributes {
                pattern_vars(&attribute.value, &mut vars);
            }
            out.insert(message.id.name.to_owned(), vars);
        }
    }
    out
}

fn pattern_vars(pattern: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(expression: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for variant in variants {
                pattern_vars(&variant.value, vars);
            }
        }
        ast::Expression::Inline(inline) => inline_vars(inline, vars),
    }
}

fn inline_vars(inline: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for positional in &arguments.positional {
                inline_vars(positional, vars);
            }
            for named in &arguments.named {
                inline_vars(&named.value, vars);
            }
        }
        ast::InlineExpression::TermReference { arguments: Some(arguments), .. } => {
            for positional in &arguments.positional {
                inline_vars(positional, vars);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

fn mdl(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::MDL).unwrap()
}

/// Formats a message straight through the locale's bundle (no fallback), returning Fluent's
/// errors instead of logging them.
fn render_strict(
    catalog: &Catalog,
    locale: Locale,
    id: &str,
    args: &[(&str, Arg<'_>)],
) -> (String, Vec<String>) {
    let lb = catalog.bundle(locale).unwrap();
    let message = lb.bundle.get_message(id).unwrap_or_else(|| panic!("`{id}` missing in {}", locale.code()));
    let pattern = message.value().unwrap_or_else(|| panic!("{id} has no value"));
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        match *value {
            Arg::Str(s) => fluent_args.set(*name, s),
            Arg::Int(n) => fluent_args.set(*name, n),
        }
    }
    let mut errors = Vec::new();
    let text = lb.bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    (text.into_owned(), errors.iter().map(ToString::to_string).collect())
}

/// A plausible value for every variable the message uses; flags all set to `flag`.
fn sample_args<'a>(
    vars: &'a BTreeSet<String>,
    flag: &'a str,
    amount: &'a str,
    count: i64,
) -> Vec<(&'a str, Arg<'a>)> {
    vars.iter()
        .map(|name| {
            let value = match name.as_str() {
                n if n.starts_with("has_") || n == "multi_merchant" => Arg::Str(flag),
                "count" | "max" => Arg::Int(count),
                "amount" | "cap" => Arg::Str(amount),
                "url" => Arg::Str("https://pay.example.test/l/abc123"),
                "payer" => Arg::Str("+373 69 *** 456"),
                "currency" => Arg::Str("MDL"),
                "suggestion" => Arg::Str("pay"),
                _ => Arg::Str("Sample"),
            };
            (name.as_str(), value)
        })
        .collect()
}

#[test]
fn the_bundled_files_parse_and_the_global_catalog_loads() {
    Catalog::bundled().expect("bundled locale files");
    let catalog = Catalog::global();
    assert!(std::ptr::eq(catalog, Catalog::global()), "built once");
    for locale in Locale::ALL {
        assert!(catalog.has(locale, "welcome"), "{locale:?}");
    }
}

#[test]
fn a_broken_file_is_an_error_not_a_silent_gap() {
    let err = Catalog::from_sources(&[(Locale::En, "ok = fine\nbroken = { $x\n")]).unwrap_err();
    assert!(matches!(err, CatalogError::Parse { locale: "en", .. }), "{err}");
    let err = Catalog::from_sources(&[(Locale::En, "a = 1\na = 2\n")]).unwrap_err();
    assert!(matches!(err, CatalogError::Load { locale: "en", .. }), "{err}");
}

#[test]
fn the_catalog_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Catalog>();
}

#[test]
fn every_locale_has_exactly_the_english_ids() {
    let catalog = Catalog::global();
    let en: BTreeSet<String> = catalog.message_ids(Locale::En).into_iter().collect();
    assert!(en.len() > 30, "en has only {} messages", en.len());
    let mut problems = Vec::new();
    for locale in Locale::ALL {
        let ids: BTreeSet<String> = catalog.message_ids(locale).into_iter().collect();
        for id in en.difference(&ids) {
            problems.push(format!("`{id}` is missing in {}", locale.code()));
        }
        for id in ids.difference(&en) {
            problems.push(format!("`{id}` is in {} but not in en", locale.code()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_message_uses_the_english_variables() {
    let en = variables_by_message(Locale::En);
    let mut problems = Vec::new();
    for locale in Locale::ALL {
        for (id, vars) in variables_by_message(locale) {
            let Some(expected) = en.get(&id) else { continue };
            if &vars != expected {
                problems.push(format!("`{id}` in {} uses {vars:?}, en uses {expected:?}", locale.code()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_message_renders_cleanly_with_all_its_arguments() {
    let catalog = Catalog::global();
    let en = variables_by_message(Locale::En);
    let mut problems = Vec::new();
    for locale in Locale::ALL {
        let amount = format_amount(&mdl("1234.5"), locale);
        for (id, vars) in &en {
            for flag in ["yes", "no"] {
                for count in [1, 2, 5, 21, 140] {
                    let args = sample_args(vars, flag, &amount, count);
                    let (text, errors) = render_strict(catalog, locale, id, &args);
                    let code = locale.code();
                    if !errors.is_empty() {
                        problems.push(format!("{code} `{id}` ({flag}, {count}): {errors:?}"));
                    }
                    if text.contains(['{', '}', '$']) {
                        problems.push(format!("{code} `{id}` leaks syntax: {text}"));
                    }
                    if text.contains(['\u{2068}', '\u{2069}']) {
                        problems.push(format!("{code} `{id}` has isolation marks"));
                    }
                    if text.trim().is_empty() || text != text.trim() {
                        problems.push(format!("{code} `{id}` is empty or padded: {text:?}"));
                    }
                    // The public path must agree with the strict one.
                    if catalog.text(locale, id, &args) != text {
                        problems.push(format!("{code} `{id}`: text() differs"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn list_texts_fit_whatsapps_limits() {
    // Meta rejects an interactive list whose button text exceeds 20 characters or whose
    // section title or row title exceeds 24; the language rows are titled `language-name`.
    let limits = [
        ("lang-button", 20),
        ("merchant-button", 20),
        ("lang-section", 24),
        ("merchant-section", 24),
        ("language-name", 24),
    ];
    let catalog = Catalog::global();
    for locale in Locale::ALL {
        for (id, max) in limits {
            let text = catalog.text(locale, id, &[]);
            let len = text.chars().count();
            assert!(len <= max, "{} `{id}` is {len} > {max} characters: {text}", locale.code());
        }
    }
}

#[test]
fn language_names_are_their_own() {
    let catalog = Catalog::global();
    let names: Vec<String> = Locale::ALL.iter().map(|l| catalog.text(*l, "language-name", &[])).collect();
    assert_eq!(names, ["Română", "Русский", "English", "Français", "Deutsch"]);
}

#[test]
fn russian_digest_header_declines_the_count() {
    let catalog = Catalog::global();
    let header = |n| catalog.text(Locale::Ru, "payment-digest", &[("count", Arg::Int(n))]);
    assert_eq!(header(1), "1 обновление по платежам:");
    assert_eq!(header(2), "2 обновления по платежам:");
    assert_eq!(header(5), "5 обновлений по платежам:");
    assert_eq!(header(21), "21 обновление по платежам:");
    assert_eq!(header(11), "11 обновлений по платежам:");
}

#[test]
fn other_digest_headers_pick_their_plural() {
    let catalog = Catalog::global();
    let header = |l, n| catalog.text(l, "payment-digest", &[("count", Arg::Int(n))]);
    assert_eq!(header(Locale::En, 1), "Update on 1 payment:");
    assert_eq!(header(Locale::En, 3), "Updates on 3 payments:");
    assert_eq!(header(Locale::Ro, 1), "Noutăți despre 1 plată:");
    assert_eq!(header(Locale::Ro, 3), "Noutăți despre 3 plăți:");
    assert_eq!(header(Locale::Ro, 20), "Noutăți despre 20 de plăți:");
    assert_eq!(header(Locale::Fr, 2), "Du nouveau sur 2 paiements\u{A0}:");
    assert_eq!(header(Locale::De, 1), "Neuigkeiten zu 1 Zahlung:");
}

#[test]
fn link_created_reads_as_designed() {
    let catalog = Catalog::global();
    let amount = format_amount(&mdl("100"), Locale::En);
    let url = "https://pay.example.test/l/abc";
    let full = catalog.text(
        Locale::En,
        "link-created",
        &[
            ("amount", Arg::Str(&amount)),
            ("url", Arg::Str(url)),
            ("description", Arg::Str("Cafea + croissant")),
            ("has_description", Arg::Str("yes")),
            ("tag", Arg::Str("cafea")),
            ("has_tag", Arg::Str("yes")),
        ],
    );
    assert_eq!(
        full,
        "Payment link for 100.00\u{A0}MDL — “Cafea + croissant” #cafea:\n\
         https://pay.example.test/l/abc\n\
         Share it with the payer — I'll let you know when it's paid."
    );
    let bare = catalog.text(
        Locale::Ro,
        "link-created",
        &[
            ("amount", Arg::Str("100,00\u{A0}MDL")),
            ("url", Arg::Str(url)),
            ("description", Arg::Str("")),
            ("has_description", Arg::Str("no")),
            ("tag", Arg::Str("")),
            ("has_tag", Arg::Str("no")),
        ],
    );
    assert!(bare.starts_with("Link de plată pentru 100,00\u{A0}MDL:\nhttps://"), "{bare}");
}

#[test]
fn help_lists_merchant_only_for_multi_merchant_sellers() {
    let catalog = Catalog::global();
    for locale in Locale::ALL {
        let single = catalog.text(locale, "help", &[("multi_merchant", Arg::Str("no"))]);
        let multi = catalog.text(locale, "help", &[("multi_merchant", Arg::Str("yes"))]);
        assert!(!single.contains("/merchant"), "{single}");
        assert!(multi.contains("\n• /merchant"), "{multi}");
        assert_eq!(multi.lines().count(), single.lines().count() + 1, "{multi}");
        assert!(!single.contains("\n\n"), "no blank line left behind: {single}");
        for command in ["pay 100", "/rtp 250 069123456", "/lang", "help"] {
            assert!(single.contains(command), "{} help lacks {command}", locale.code());
        }
    }
}

#[test]
fn welcome_greets_by_name_only_when_there_is_one() {
    let catalog = Catalog::global();
    let named = catalog.text(Locale::De, "welcome", &[("name", "Ana".into()), ("has_name", "yes".into())]);
    assert!(named.starts_with("Hallo Ana! 👋\n"), "{named}");
    let anonymous = catalog.text(Locale::De, "welcome", &[("name", "".into()), ("has_name", "no".into())]);
    assert!(anonymous.starts_with("Hallo! 👋\n"), "{anonymous}");
}

#[test]
fn missing_messages_fall_back_to_english_then_to_the_id() {
    let catalog = Catalog::from_sources(&[
        (Locale::En, "only-en = In English { $n }\nboth = Both\n"),
        (Locale::Ro, "both = Amândouă\n"),
    ])
    .unwrap();
    assert_eq!(catalog.text(Locale::Ro, "both", &[]), "Amândouă");
    assert_eq!(catalog.text(Locale::Ro, "only-en", &[("n", Arg::Int(3))]), "In English 3");
    // A locale without a file at all behaves the same.
    assert_eq!(catalog.text(Locale::De, "both", &[]), "Both");
    assert_eq!(catalog.text(Locale::Ro, "nowhere", &[]), "nowhere");
    assert!(catalog.has(Locale::Ro, "both"));
    assert!(!catalog.has(Locale::Ro, "only-en"), "has() does not count the fallback");
    assert_eq!(catalog.message_ids(Locale::En), ["only-en", "both"]);
    assert!(catalog.message_ids(Locale::De).is_empty());
}

#[test]
fn romanian_uses_comma_below_diacritics() {
    let source = SOURCES.iter().find(|(l, _)| *l == Locale::Ro).unwrap().1;
    let body: String = source.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(!body.contains(['ş', 'ţ', 'Ş', 'Ţ']), "cedilla forms in ro.ftl");
    assert!(body.contains('ș') && body.contains('ț'));
}
