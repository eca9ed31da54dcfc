use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::domain::{Currency, Money, Phone};

/// What a row expects.
#[derive(Debug)]
enum Want {
    Pay(&'static str, Option<&'static str>, Option<&'static str>),
    Rtp(&'static str, &'static str, Option<&'static str>, Option<&'static str>),
    Lang,
    Help,
    Merchant,
    Refused(RefusalKind, Option<&'static str>),
}

use RefusalKind::*;
use Want::{Help as H, Lang as L, Merchant as M, Pay as P, Refused as R, Rtp};

const NO: Option<&str> = None;

fn mdl(amount: &str) -> Money {
    Money::new(Decimal::from_str(amount).unwrap(), Currency::MDL).unwrap()
}

fn check(rules: &MarketRules, input: &str, want: &Want) {
    if let Some(failure) = mismatch(rules, input, want) {
        panic!("{failure}");
    }
}

fn mismatch(rules: &MarketRules, input: &str, want: &Want) -> Option<String> {
    let got = parse(input, rules);
    let own = |s: Option<&str>| s.map(str::to_owned);
    let ok = match (want, &got) {
        (P(a, d, t), Ok(cmd)) => *cmd == Command::Pay { amount: mdl(a), description: own(*d), tag: own(*t) },
        (Rtp(a, phone, d, t), Ok(cmd)) => {
            *cmd == Command::Rtp {
                amount: mdl(a),
                payer: Phone::parse_international(phone).unwrap(),
                description: own(*d),
                tag: own(*t),
            }
        }
        (L, Ok(Command::Lang)) | (H, Ok(Command::Help)) | (M, Ok(Command::Merchant)) => true,
        (R(kind, suggestion), Err(refusal)) => refusal.kind == *kind && refusal.suggestion == *suggestion,
        _ => false,
    };
    (!ok).then(|| format!("{input:?}: want {want:?}, got {got:?}"))
}

#[test]
fn grammar_table() {
    #[rustfmt::skip]
    let rows: &[(&str, Want)] = &[
        // The five equivalent forms of the product guide.
        ("pay 100", P("100.00", NO, NO)),
        ("pay 100 \"Cafea + croissant\"", P("100", Some("Cafea + croissant"), NO)),
        ("pay 100 \"Cafea + croissant\" #cafea", P("100", Some("Cafea + croissant"), Some("cafea"))),
        ("/pay 100 #cafea", P("100", NO, Some("cafea"))),
        ("100", P("100", NO, NO)),
        // Case, spacing, invisible characters.
        ("PAY 100", P("100", NO, NO)),
        ("Pay 100", P("100", NO, NO)),
        ("/PAY 100", P("100", NO, NO)),
        ("   pay    100    Cafea   +   croissant   #cafea  ", P("100", Some("Cafea + croissant"), Some("cafea"))),
        ("\tpay\n100\r\n", P("100", NO, NO)),
        ("pay\u{00A0}100", P("100", NO, NO)),
        ("pay\u{200B}100", P("100", NO, NO)),
        ("\u{202A}pay 100\u{202C}", P("100", NO, NO)),
        // Amounts.
        ("100,50", P("100.50", NO, NO)),
        ("100.50", P("100.50", NO, NO)),
        ("pay 100,5", P("100.50", NO, NO)),
        ("pay 100.5", P("100.50", NO, NO)),
        ("pay 0,01", P("0.01", NO, NO)),
        ("pay 007", P("7", NO, NO)),
        ("pay 100.", P("100", NO, NO)),
        ("pay 100,-", P("100", NO, NO)),
        ("pay 100000", P("100000", NO, NO)),
        ("pay 100000,00", P("100000", NO, NO)),
        // Currency words before or after, attached or not.
        ("100 lei", P("100", NO, NO)),
        ("100 LEI", P("100", NO, NO)),
        ("100lei", P("100", NO, NO)),
        ("100MDL", P("100", NO, NO)),
        ("100 mdl", P("100", NO, NO)),
        ("MDL 100", P("100", NO, NO)),
        ("MDL100", P("100", NO, NO)),
        ("lei 100", P("100", NO, NO)),
        ("pay 100 leu", P("100", NO, NO)),
        ("pay 100,50 lei Cafea #cafea", P("100.50", Some("Cafea"), Some("cafea"))),
        ("pay 100,50lei", P("100.50", NO, NO)),
        ("pay mdl 100 Cafea", P("100", Some("Cafea"), NO)),
        ("100 лей", P("100", NO, NO)),
        // Aliases.
        ("plata 100", P("100", NO, NO)),
        ("plată 100", P("100", NO, NO)),
        ("PLATĂ 100", P("100", NO, NO)),
        ("plateste 100", P("100", NO, NO)),
        ("plătește 100", P("100", NO, NO)),
        ("plăteşte 100", P("100", NO, NO)),
        ("оплата 100", P("100", NO, NO)),
        ("Оплата 100", P("100", NO, NO)),
        ("платеж 100", P("100", NO, NO)),
        ("платёж 100", P("100", NO, NO)),
        ("payer 100", P("100", NO, NO)),
        ("zahlen 100", P("100", NO, NO)),
        ("bezahlen 100", P("100", NO, NO)),
        ("/plata 100", P("100", NO, NO)),
        ("pay100", P("100", NO, NO)),
        ("/pay100 #cafea", P("100", NO, Some("cafea"))),
        ("p\u{0430}y 100", P("100", NO, NO)), // Cyrillic а inside a Latin word
        // Descriptions: quotes, collapsing, hash inside quotes.
        ("pay 100 “Cafea + croissant” #cafea", P("100", Some("Cafea + croissant"), Some("cafea"))),
        ("pay 100 „Cafea + croissant“ #cafea", P("100", Some("Cafea + croissant"), Some("cafea"))),
        ("pay 100 „Cafea + croissant” #cafea", P("100", Some("Cafea + croissant"), Some("cafea"))),
        ("pay 100 «Cafea + croissant» #cafea", P("100", Some("Cafea + croissant"), Some("cafea"))),
        ("pay 100 ‘Cafea + croissant’ #cafea", P("100", Some("Cafea + croissant"), Some("cafea"))),
        ("pay 100 \"  Cafea    +\tcroissant \" #cafea", P("100", Some("Cafea + croissant"), Some("cafea"))),
        ("pay 100 Cafea + croissant #cafea", P("100", Some("Cafea + croissant"), Some("cafea"))),
        ("pay 100 \"Masa #5\"", P("100", Some("Masa #5"), NO)),
        ("pay 100 \"Masa #5\" #sala", P("100", Some("Masa #5"), Some("sala"))),
        ("pay 100 \"Cafea\"#cafea", P("100", Some("Cafea"), Some("cafea"))),
        ("pay 100 Masa #5 mare", P("100", Some("Masa #5 mare"), NO)),
        ("pay 100 \"Cafe \"Moka\"\" #x", P("100", Some("Cafe \"Moka\""), Some("x"))),
        ("pay 100 ‘Joe’s cafe’", P("100", Some("Joe’s cafe"), NO)),
        ("pay 100 \"\"", P("100", NO, NO)),
        ("pay 100 \"Cafea #cafea", P("100", Some("Cafea"), Some("cafea"))),
        ("pay 100 #cafea \"Cafea\"", P("100", Some("Cafea"), Some("cafea"))),
        ("pay 100 #a text #b", P("100", Some("#a text"), Some("b"))),
        ("pay 100 Cafea ☕ 🥐", P("100", Some("Cafea ☕ 🥐"), NO)),
        ("pay 100 كوب قهوة", P("100", Some("كوب قهوة"), NO)),
        ("pay 100 069123456", P("100", Some("069123456"), NO)),
        ("pay 5 500g cafea", P("5", Some("500g cafea"), NO)),
        ("pay 100 2 cafele", P("100", Some("2 cafele"), NO)),
        ("100 Cafea", P("100", Some("Cafea"), NO)),
        ("€ 100", R(UnsupportedCurrency, Some("pay"))),
        // Tags: Unicode letters, digits, `_`, `-`, trailing punctuation.
        ("pay 100 #cafea_mare-2", P("100", NO, Some("cafea_mare-2"))),
        ("pay 100 #кофе", P("100", NO, Some("кофе"))),
        ("pay 100 #Cafea.", P("100", NO, Some("Cafea"))),
        // rtp: national, international, grouped, payer first.
        ("/rtp 100 069123456", Rtp("100", "+37369123456", NO, NO)),
        ("rtp 100 +37369123456", Rtp("100", "+37369123456", NO, NO)),
        ("/RTP 100 0037369123456", Rtp("100", "+37369123456", NO, NO)),
        ("/rtp 100 37369123456", Rtp("100", "+37369123456", NO, NO)),
        ("/rtp 100 +40721000000", Rtp("100", "+40721000000", NO, NO)),
        ("/rtp 100,50 lei 069123456 \"Cafea\" #cafea", Rtp("100.50", "+37369123456", Some("Cafea"), Some("cafea"))),
        ("/rtp 100 069123456 Cafea + croissant #cafea", Rtp("100", "+37369123456", Some("Cafea + croissant"), Some("cafea"))),
        ("/rtp 100 069-123-456", Rtp("100", "+37369123456", NO, NO)),
        ("/rtp 100 +373 69 123 456", Rtp("100", "+37369123456", NO, NO)),
        ("/rtp 100 069 123 456", Rtp("100", "+37369123456", NO, NO)),
        ("/rtp 100 +373 69 123 456 \"Cafea\" #cafea", Rtp("100", "+37369123456", Some("Cafea"), Some("cafea"))),
        ("/rtp 100 \u{202A}+373 69 123 456\u{202C}", Rtp("100", "+37369123456", NO, NO)),
        ("/rtp 069123456 100 Cafea", Rtp("100", "+37369123456", Some("Cafea"), NO)),
        ("/rtp100 069123456", Rtp("100", "+37369123456", NO, NO)),
        ("/rtp 069123456 100 lei #x", Rtp("100", "+37369123456", NO, Some("x"))),
        ("/rtp 100 (069) 123-456", Rtp("100", "+37369123456", NO, NO)),
        // Lang, help, merchant.
        ("/lang", L), ("lang", L), ("LANG", L), ("/language", L), ("limba", L), ("limbă", L),
        ("язык", L), ("langue", L), ("sprache", L), ("/lang ro", L),
        ("help", H), ("/help", H), ("?", H), ("??", H), ("start", H), ("/start", H), ("menu", H),
        ("ajutor", H), ("помощь", H), ("aide", H), ("hilfe", H), ("Help!", H), ("help pay", H),
        ("/merchant", M), ("merchant", M), ("comerciant", M), ("мерчант", M), ("marchand", M),
        ("händler", M), ("Händler", M), ("handler", M),
        // Refusals: empty.
        ("", R(Empty, None)),
        ("   \t\n ", R(Empty, None)),
        ("\u{202A}\u{202C}\u{200B}", R(Empty, None)),
        // Unknown commands, with and without a suggestion.
        ("hello world", R(UnknownCommand, Some("help"))),
        ("paay 100", R(UnknownCommand, Some("pay"))),
        ("pya 100", R(UnknownCommand, Some("pay"))),
        ("py\u{0430} 100", R(UnknownCommand, Some("pay"))),
        ("/pya 100", R(UnknownCommand, Some("pay"))),
        ("pa 100", R(UnknownCommand, Some("pay"))),
        ("plta 100", R(UnknownCommand, Some("pay"))),
        ("оплот 100", R(UnknownCommand, Some("pay"))),
        ("зфн 100", R(UnknownCommand, Some("pay"))),
        ("payment 100", R(UnknownCommand, Some("pay"))),
        ("invoice 100", R(UnknownCommand, Some("pay"))),
        ("rpt 100 069123456", R(UnknownCommand, Some("/rtp"))),
        ("request 100 069123456", R(UnknownCommand, Some("/rtp"))),
        ("lnag", R(UnknownCommand, Some("/lang"))),
        ("/lnag", R(UnknownCommand, Some("/lang"))),
        ("change language", R(UnknownCommand, Some("/lang"))),
        ("hepl", R(UnknownCommand, Some("help"))),
        ("ajutr", R(UnknownCommand, Some("help"))),
        ("marchent", R(UnknownCommand, Some("/merchant"))),
        ("switch merchant", R(UnknownCommand, Some("/merchant"))),
        ("SENDD 50 0244123456", R(UnknownCommand, None)),
        ("BALLANCE", R(UnknownCommand, None)),
        ("send", R(UnknownCommand, None)),
        ("ok", R(UnknownCommand, None)),
        ("da", R(UnknownCommand, None)),
        ("abc", R(UnknownCommand, None)),
        ("/", R(UnknownCommand, None)),
        ("+37369123456", R(UnknownCommand, None)),
        ("lei", R(UnknownCommand, None)),
        ("🙂", R(UnknownCommand, None)),
        // Amount missing, invalid, not positive, decimals, cap.
        ("pay", R(AmountMissing, Some("pay"))),
        ("/pay", R(AmountMissing, Some("pay"))),
        ("pay #cafea", R(AmountMissing, Some("pay"))),
        ("pay \"Cafea\"", R(AmountMissing, Some("pay"))),
        ("pay lei", R(AmountMissing, Some("pay"))),
        ("/rtp", R(AmountMissing, Some("/rtp"))),
        ("/rtp 069123456", R(AmountMissing, Some("/rtp"))),
        ("/rtp +37369123456 \"Cafea\"", R(AmountMissing, Some("/rtp"))),
        ("pay abc", R(AmountInvalid, Some("pay"))),
        ("pay 1,2,3", R(AmountInvalid, Some("pay"))),
        ("1,2,3", R(AmountInvalid, Some("pay"))),
        ("pay 1e5", R(AmountInvalid, Some("pay"))),
        ("1e5", R(AmountInvalid, Some("pay"))),
        ("pay 100abc", R(AmountInvalid, Some("pay"))),
        ("pay +100", R(AmountInvalid, Some("pay"))),
        ("pay .5", R(AmountInvalid, Some("pay"))),
        ("pay 10-5", R(AmountInvalid, Some("pay"))),
        ("pay 1 000", R(AmountInvalid, Some("pay"))),
        ("1 000 lei", R(AmountInvalid, Some("pay"))),
        ("pay 12 500,50", R(AmountInvalid, Some("pay"))),
        ("pay 1.000,50", R(AmountInvalid, Some("pay"))),
        ("/rtp 1 000 069123456", R(AmountInvalid, Some("/rtp"))),
        ("pay -5", R(AmountNotPositive, Some("pay"))),
        ("-5", R(AmountNotPositive, Some("pay"))),
        ("pay \u{2212}5", R(AmountNotPositive, Some("pay"))),
        ("pay 0", R(AmountNotPositive, Some("pay"))),
        ("0", R(AmountNotPositive, Some("pay"))),
        ("pay 0,00", R(AmountNotPositive, Some("pay"))),
        ("/rtp 0 069123456", R(AmountNotPositive, Some("/rtp"))),
        ("pay 1.000", R(TooManyDecimals, Some("pay"))),
        ("1,005", R(TooManyDecimals, Some("pay"))),
        ("pay 100000.01", R(AmountAboveCap, Some("pay"))),
        ("pay 1000000", R(AmountAboveCap, Some("pay"))),
        ("99999999999999999999999999999999999999", R(AmountAboveCap, Some("pay"))),
        ("/rtp 100001 069123456", R(AmountAboveCap, Some("/rtp"))),
        // Currency.
        ("100 EUR", R(UnsupportedCurrency, Some("pay"))),
        ("pay 100 usd", R(UnsupportedCurrency, Some("pay"))),
        ("EUR 100", R(UnsupportedCurrency, Some("pay"))),
        ("€100", R(UnsupportedCurrency, Some("pay"))),
        ("100$", R(UnsupportedCurrency, Some("pay"))),
        ("pay 100 руб.", R(UnsupportedCurrency, Some("pay"))),
        ("/rtp 100 EUR 069123456", R(UnsupportedCurrency, Some("/rtp"))),
        // Description, tag.
        ("pay 100 \"Cafea\" #", R(TagInvalid, Some("pay"))),
        ("pay 100 #", R(TagInvalid, Some("pay"))),
        ("pay 100 #caf!e", R(TagInvalid, Some("pay"))),
        ("pay 100 ##cafea", R(TagInvalid, Some("pay"))),
        ("pay 100 #☕", R(TagInvalid, Some("pay"))),
        ("/rtp 100 069123456 #", R(TagInvalid, Some("/rtp"))),
        // Payer.
        ("/rtp 100", R(PayerMissing, Some("/rtp"))),
        ("/rtp 100 lei", R(PayerMissing, Some("/rtp"))),
        ("/rtp 100 \"Cafea\"", R(PayerMissing, Some("/rtp"))),
        ("/rtp 100 #cafea", R(PayerMissing, Some("/rtp"))),
        ("/rtp 100 abc", R(PayerNotAPhone, Some("/rtp"))),
        ("/rtp 100 12345", R(PayerNotAPhone, Some("/rtp"))),
        ("/rtp 100 +3736912abc", R(PayerNotAPhone, Some("/rtp"))),
        ("/rtp 100 069 123 456 Cafea", R(PayerNotAPhone, Some("/rtp"))),
        ("/rtp 100 1234567890123456", R(PayerNotAPhone, Some("/rtp"))),
    ];
    let rules = MarketRules::moldova();
    let failures: Vec<String> =
        rows.iter().filter_map(|(input, want)| mismatch(&rules, input, want)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[test]
fn long_descriptions_and_tags() {
    let rules = MarketRules::moldova();
    let at_limit = "é".repeat(140);
    check(
        &rules,
        &format!("pay 100 {at_limit}"),
        &P("100", Some(Box::leak(at_limit.clone().into_boxed_str())), NO),
    );
    let over = format!("pay 100 \"{}\"", "é".repeat(141));
    let refusal = parse(&over, &rules).unwrap_err();
    assert_eq!(refusal.kind, DescriptionTooLong);
    assert_eq!(refusal.detail, RefusalDetail::MaxChars(140));
    assert_eq!(refusal.max_chars(), Some(140));
    // Collapsed whitespace does not count.
    let spaced = format!("pay 100 {}", "a     ".repeat(70));
    assert!(parse(&spaced, &rules).is_ok());

    let tag = "ț".repeat(32);
    assert!(
        matches!(parse(&format!("pay 100 #{tag}"), &rules), Ok(Command::Pay { tag: Some(t), .. }) if t == tag)
    );
    let refusal = parse(&format!("pay 100 #{tag}x"), &rules).unwrap_err();
    assert_eq!((refusal.kind, refusal.detail), (TagInvalid, RefusalDetail::MaxChars(32)));
}

#[test]
fn caps_are_per_command() {
    let rules = MarketRules { qr_max: Decimal::from(5000), ..MarketRules::moldova() };
    check(&rules, "pay 5000", &P("5000", NO, NO));
    check(&rules, "pay 6000", &R(AmountAboveCap, Some("pay")));
    check(&rules, "6000", &R(AmountAboveCap, Some("pay")));
    check(&rules, "/rtp 6000 069123456", &Rtp("6000", "+37369123456", NO, NO));
    let refusal = parse("pay 6000", &rules).unwrap_err();
    assert_eq!(refusal.detail, RefusalDetail::Cap(mdl("5000")));
    assert_eq!(refusal.cap(), Some(Decimal::from(5000)));

    let rules = MarketRules { rtp_max: Decimal::from(2000), ..MarketRules::moldova() };
    check(&rules, "pay 6000", &P("6000", NO, NO));
    check(&rules, "/rtp 2000 069123456", &Rtp("2000", "+37369123456", NO, NO));
    let refusal = parse("/rtp 6000 069123456", &rules).unwrap_err();
    assert_eq!((refusal.kind, refusal.suggestion), (AmountAboveCap, Some("/rtp")));
    assert_eq!(refusal.detail, RefusalDetail::Cap(mdl("2000")));
    // A number too long for any cap is above it, not a crash.
    let refusal = parse(&format!("/rtp {} 069123456", "9".repeat(5000)), &rules).unwrap_err();
    assert_eq!(refusal.detail, RefusalDetail::Cap(mdl("2000")));
}

#[test]
fn other_markets() {
    let rules = MarketRules { currency: Currency::EUR, country_code: "40".into(), ..MarketRules::moldova() };
    let eur = |a: &str| Money::new(Decimal::from_str(a).unwrap(), Currency::EUR).unwrap();
    for input in ["100 EUR", "€100", "100 euro", "EUR 100", "pay 100€"] {
        assert_eq!(
            parse(input, &rules),
            Ok(Command::Pay { amount: eur("100"), description: None, tag: None }),
            "{input}"
        );
    }
    for input in ["100 lei", "100 MDL"] {
        assert_eq!(parse(input, &rules).unwrap_err().kind, UnsupportedCurrency, "{input}");
    }
    let Ok(Command::Rtp { payer, .. }) = parse("/rtp 10 0721000000", &rules) else { panic!() };
    assert_eq!(payer.as_e164(), "+40721000000");
}

#[test]
fn refusal_details() {
    let rules = MarketRules::moldova();
    let refusal = parse("pay 12abc", &rules).unwrap_err();
    assert_eq!(refusal.token(), Some("12abc"));
    let refusal = parse("pay 1 000", &rules).unwrap_err();
    assert_eq!(refusal.token(), Some("1 000"));
    let refusal = parse("100 USD", &rules).unwrap_err();
    assert_eq!(refusal.token(), Some("USD"));
    let refusal = parse(&format!("pay {}", "x".repeat(500)), &rules).unwrap_err();
    assert_eq!(refusal.token().map(|t| t.chars().count()), Some(32));
    // A malformed phone is not echoed back.
    assert_eq!(parse("/rtp 100 069abc456", &rules).unwrap_err().detail, RefusalDetail::None);
}

#[test]
fn refusal_kind_names_are_stable() {
    let names: Vec<&str> = RefusalKind::ALL.iter().map(RefusalKind::as_str).collect();
    assert_eq!(
        names,
        [
            "empty",
            "unknown_command",
            "amount_missing",
            "amount_invalid",
            "amount_not_positive",
            "too_many_decimals",
            "amount_above_cap",
            "unsupported_currency",
            "description_too_long",
            "tag_invalid",
            "payer_missing",
            "payer_not_a_phone",
        ]
    );
    assert_eq!(Command::Lang.canonical(), "/lang");
}

#[test]
fn survives_hostile_input() {
    let rules = MarketRules::moldova();
    let inputs = [
        "x".repeat(10 * 1024),
        "9".repeat(10 * 1024),
        format!("pay 100 {}", "\"".repeat(10 * 1024)),
        format!("pay 100 {}", "# ".repeat(5 * 1024)),
        format!("/rtp 100 {}", "1 ".repeat(5 * 1024)),
        format!("/rtp {}", "+".repeat(10 * 1024)),
        "\u{0000}\u{0007}pay\u{001B} 100".to_owned(),
        "\u{202E}001 yap".to_owned(),
        "‏ادفع 100‏".to_owned(),
        "👨‍👩‍👧 100".to_owned(),
        "İ̇ pay".to_owned(),
    ];
    for input in &inputs {
        let _ = parse(input, &rules);
    }
    assert_eq!(parse("\u{0000}\u{0007}pay\u{001B} 100", &rules), parse("pay 100", &rules));
}

fn grammarish_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("pay".to_owned()),
        Just("/pay".to_owned()),
        Just("/rtp".to_owned()),
        Just("plată".to_owned()),
        Just("lang".to_owned()),
        Just("?".to_owned()),
        Just("lei".to_owned()),
        Just("EUR".to_owned()),
        Just("#".to_owned()),
        Just("\"".to_owned()),
        Just("“".to_owned()),
        Just("»".to_owned()),
        Just("’".to_owned()),
        Just("+373".to_owned()),
        Just("069123456".to_owned()),
        "[0-9]{1,25}",
        "-?[0-9]{0,6}[.,][0-9]{0,4}",
        "[0-9]{1,4}[a-zA-Zлей€$]{0,4}",
        "#[\\w-]{0,40}",
        "[\"“„«‘']\\PC{0,10}[\"”“»’']?",
        "\\PC{1,8}",
    ]
}

proptest! {
    #[test]
    fn never_panics_on_any_string(input in ".{0,300}") {
        let _ = parse(&input, &MarketRules::moldova());
    }

    #[test]
    fn never_panics_on_grammar_like_input(
        tokens in prop::collection::vec(grammarish_token(), 0..12),
        separators in prop::collection::vec(prop::sample::select(vec![" ", "  ", "\t", "\n", "\u{00A0}", "\u{200B}", ""]), 12),
    ) {
        let input: String = tokens.iter().zip(separators.iter().cycle()).flat_map(|(t, s)| [t.as_str(), *s]).collect();
        let _ = parse(&input, &MarketRules::moldova());
    }

    #[test]
    fn amounts_round_trip_with_either_separator(cents in 1i64..=10_000_000i64) {
        let rules = MarketRules::moldova();
        let expected = mdl(&Decimal::new(cents, 2).to_string());
        let (units, fraction) = (cents / 100, cents % 100);
        for written in [format!("{units}.{fraction:02}"), format!("{units},{fraction:02}")] {
            for input in [format!("pay {written}"), written.clone(), format!("/pay {written} lei")] {
                let got = parse(&input, &rules);
                prop_assert_eq!(&got, &Ok(Command::Pay { amount: expected, description: None, tag: None }), "{}", input);
            }
        }
    }
}
