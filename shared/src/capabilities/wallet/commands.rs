//! The wallet grammar: what a wallet user writes, turned into a typed [`WalletCommand`] or a
//! [`Unrecognized`] with the command most likely meant.
//!
//! ```text
//! BAL · STATEMENT · HELP · LINK [<account phone or id>] · UNLINK · YES · NO · <6-digit code>
//! STATEMENT PDF [<month>]             (this month so far, or 2026-11, 11.2026, 11/2026)
//! SEND <amount> <phone> [note]        (phone in local form 0244123456 or international)
//! TOPUP <amount> [<MoMo number>]
//! SCORE · BNPL · BNPL <amount> <payee phone> · BNPL PAY
//! ```
//! Keywords in English and in each of the five chat languages (`SOLD`, `БАЛАНС`, `SOLDE`,
//! `KONTOSTAND`, …), case and diacritics ignored. The seed's corrections are accepted on
//! purpose and reported to the failed-command log so operators see them: `CHECK BALANCE`,
//! `BALLANCE` → BAL; `SENDD`, `TRANSFER` → SEND; `SHOW TRANSACTIONS` → STATEMENT; `ADD MONEY`
//! → TOPUP; `PAYLATER` → BNPL, `MY SCORE` → SCORE. Other near misses of a read-only command (`BLANCE`) run it too; a near miss of a
//! money command only earns a suggestion: money never moves on a guess.

use rust_decimal::Decimal;

use crate::capabilities::text::{NumberError, clean, fold, nearest, number, readings};
use crate::domain::{Currency, Phone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Balance,
    Send,
    Statement,
    TopUp,
    Help,
    Link,
    Unlink,
    Yes,
    No,
    Lang,
    // ---- SCORE and BNPL ----
    Score,
    Bnpl,
    // ---- susu and points ----
    Susu,
    Points,
}

impl Keyword {
    /// The canonical spelling (the failed-command log's suggestion, the metrics' name).
    pub fn canonical(self) -> &'static str {
        match self {
            Keyword::Balance => "BAL",
            Keyword::Send => "SEND",
            Keyword::Statement => "STATEMENT",
            Keyword::TopUp => "TOPUP",
            Keyword::Help => "HELP",
            Keyword::Link => "LINK",
            Keyword::Unlink => "UNLINK",
            Keyword::Yes => "YES",
            Keyword::No => "NO",
            Keyword::Lang => "LANG",
            Keyword::Score => "SCORE",
            Keyword::Bnpl => "BNPL",
            Keyword::Susu => "SUSU",
            Keyword::Points => "POINTS",
        }
    }

    /// Whether acting on a guessed spelling is harmless (nothing moves, nothing changes).
    fn read_only(self) -> bool {
        matches!(
            self,
            Keyword::Balance
                | Keyword::Statement
                | Keyword::Help
                | Keyword::Lang
                | Keyword::Score
                | Keyword::Susu
                | Keyword::Points
        )
    }
}

/// Accepted spellings, folded (lowercase, no diacritics).
const KEYWORDS: &[(&str, Keyword)] = &[
    ("bal", Keyword::Balance),
    ("balance", Keyword::Balance),
    ("sold", Keyword::Balance),
    ("баланс", Keyword::Balance),
    ("solde", Keyword::Balance),
    ("saldo", Keyword::Balance),
    ("kontostand", Keyword::Balance),
    ("send", Keyword::Send),
    ("trimite", Keyword::Send),
    ("отправить", Keyword::Send),
    ("перевести", Keyword::Send),
    ("envoyer", Keyword::Send),
    ("senden", Keyword::Send),
    ("statement", Keyword::Statement),
    ("extras", Keyword::Statement),
    ("выписка", Keyword::Statement),
    ("releve", Keyword::Statement),
    ("auszug", Keyword::Statement),
    ("kontoauszug", Keyword::Statement),
    ("topup", Keyword::TopUp),
    ("top-up", Keyword::TopUp),
    ("alimentare", Keyword::TopUp),
    ("alimenteaza", Keyword::TopUp),
    ("пополнить", Keyword::TopUp),
    ("recharger", Keyword::TopUp),
    ("aufladen", Keyword::TopUp),
    ("help", Keyword::Help),
    ("?", Keyword::Help),
    ("menu", Keyword::Help),
    ("start", Keyword::Help),
    ("ajutor", Keyword::Help),
    ("помощь", Keyword::Help),
    ("меню", Keyword::Help),
    ("aide", Keyword::Help),
    ("hilfe", Keyword::Help),
    ("link", Keyword::Link),
    ("leaga", Keyword::Link),
    ("conecteaza", Keyword::Link),
    ("привязать", Keyword::Link),
    ("lier", Keyword::Link),
    ("verknupfen", Keyword::Link),
    ("verbinden", Keyword::Link),
    ("unlink", Keyword::Unlink),
    ("dezleaga", Keyword::Unlink),
    ("deconecteaza", Keyword::Unlink),
    ("отвязать", Keyword::Unlink),
    ("delier", Keyword::Unlink),
    ("trennen", Keyword::Unlink),
    ("yes", Keyword::Yes),
    ("da", Keyword::Yes),
    ("да", Keyword::Yes),
    ("oui", Keyword::Yes),
    ("ja", Keyword::Yes),
    ("no", Keyword::No),
    ("nu", Keyword::No),
    ("нет", Keyword::No),
    ("non", Keyword::No),
    ("nein", Keyword::No),
    ("cancel", Keyword::No),
    ("lang", Keyword::Lang),
    ("/lang", Keyword::Lang),
    ("language", Keyword::Lang),
    ("limba", Keyword::Lang),
    ("язык", Keyword::Lang),
    ("langue", Keyword::Lang),
    ("sprache", Keyword::Lang),
    // ---- SCORE and BNPL ----
    ("score", Keyword::Score),
    ("scor", Keyword::Score),
    ("рейтинг", Keyword::Score),
    ("bonitat", Keyword::Score),
    ("bnpl", Keyword::Bnpl),
    ("rate", Keyword::Bnpl),
    ("рассрочка", Keyword::Bnpl),
    ("echelonner", Keyword::Bnpl),
    ("ratenkauf", Keyword::Bnpl),
    // ---- susu and points ----
    ("susu", Keyword::Susu),
    ("сусу", Keyword::Susu),
    ("points", Keyword::Points),
    ("puncte", Keyword::Points),
    ("баллы", Keyword::Points),
    ("бонусы", Keyword::Points),
    ("punkte", Keyword::Points),
];

/// The words after SUSU and POINTS, in the five languages (folded).
const SUSU_JOIN: &[&str] = &["join", "intra", "alatura", "вступить", "rejoindre", "beitreten"];
const SUSU_PAY: &[&str] = &["pay", "plateste", "платить", "оплатить", "payer", "zahlen", "contribute"];
const POINTS_REDEEM: &[&str] = &["redeem", "foloseste", "обменять", "echanger", "einlosen"];

/// How a correction was classified in the failed-command log: the seed's two error types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// A misspelled command (`SENDD`, `BALLANCE`).
    Typo,
    /// Words that are not a command but say which one was meant (`CHECK BALANCE`).
    Unrecognized,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Typo => "typo",
            ErrorType::Unrecognized => "unrecognized",
        }
    }
}

/// The seed's corrections, accepted as the command they name (one or two folded words).
const CORRECTIONS: &[(&str, Keyword, ErrorType)] = &[
    ("ballance", Keyword::Balance, ErrorType::Typo),
    ("check balance", Keyword::Balance, ErrorType::Unrecognized),
    ("my balance", Keyword::Balance, ErrorType::Unrecognized),
    ("sendd", Keyword::Send, ErrorType::Typo),
    ("transfer", Keyword::Send, ErrorType::Unrecognized),
    ("show transactions", Keyword::Statement, ErrorType::Unrecognized),
    ("transactions", Keyword::Statement, ErrorType::Unrecognized),
    ("add money", Keyword::TopUp, ErrorType::Unrecognized),
    // ---- SCORE and BNPL ----
    ("paylater", Keyword::Bnpl, ErrorType::Unrecognized),
    ("pay later", Keyword::Bnpl, ErrorType::Unrecognized),
    ("my score", Keyword::Score, ErrorType::Unrecognized),
    ("credit score", Keyword::Score, ErrorType::Unrecognized),
    // ---- susu and points ----
    ("my points", Keyword::Points, ErrorType::Unrecognized),
    ("my susu", Keyword::Susu, ErrorType::Unrecognized),
    ("sussu", Keyword::Susu, ErrorType::Typo),
    ("poins", Keyword::Points, ErrorType::Typo),
];

/// Words that only earn a suggestion.
const SYNONYMS: &[(&str, Keyword)] = &[
    ("pay", Keyword::Send),
    ("history", Keyword::Statement),
    ("deposit", Keyword::TopUp),
    ("money", Keyword::Balance),
    ("savings", Keyword::Susu),
    ("loyalty", Keyword::Points),
    ("rewards", Keyword::Points),
];

/// What after SUSU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SusuCommand {
    Show,
    Join { code: String },
    Pay { code: Option<String> },
}

/// What after POINTS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointsCommand {
    Show,
    Redeem { points: i64 },
}

/// What a wallet user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletCommand {
    Balance,
    Send {
        amount: Decimal,
        payee: Phone,
        note: Option<String>,
    },
    Statement,
    /// The statement of a calendar month as a PDF document: this month when none is given.
    StatementPdf {
        month: Option<StatementMonth>,
    },
    TopUp {
        amount: Decimal,
        momo_number: Option<Phone>,
    },
    Help,
    /// `LINK` alone (the WhatsApp number is the account's phone) or with the account's phone
    /// or id, as written.
    Link {
        target: Option<String>,
    },
    Unlink,
    Yes,
    No,
    Lang,
    /// A one-time code.
    Code(String),
    // ---- SCORE and BNPL ----
    Score,
    /// `BNPL`: limit, used, next instalment.
    Bnpl,
    /// `BNPL <amount> <payee phone>`: a purchase on credit.
    BnplBuy {
        amount: Decimal,
        payee: Phone,
    },
    /// `BNPL PAY`: repay early.
    BnplPay,
    Susu(SusuCommand),
    Points(PointsCommand),
}

impl WalletCommand {
    /// The canonical name (the command frequency's), as [`Keyword::canonical`] spells it;
    /// `CODE` for a one-time code.
    pub fn canonical(&self) -> &'static str {
        match self {
            WalletCommand::Balance => Keyword::Balance.canonical(),
            WalletCommand::Send { .. } => Keyword::Send.canonical(),
            WalletCommand::Statement => Keyword::Statement.canonical(),
            WalletCommand::StatementPdf { .. } => "STATEMENT PDF",
            WalletCommand::TopUp { .. } => Keyword::TopUp.canonical(),
            WalletCommand::Help => Keyword::Help.canonical(),
            WalletCommand::Link { .. } => Keyword::Link.canonical(),
            WalletCommand::Unlink => Keyword::Unlink.canonical(),
            WalletCommand::Yes => Keyword::Yes.canonical(),
            WalletCommand::No => Keyword::No.canonical(),
            WalletCommand::Lang => Keyword::Lang.canonical(),
            WalletCommand::Code(_) => "CODE",
            WalletCommand::Score => Keyword::Score.canonical(),
            WalletCommand::Bnpl | WalletCommand::BnplBuy { .. } | WalletCommand::BnplPay => {
                Keyword::Bnpl.canonical()
            }
            WalletCommand::Susu(_) => Keyword::Susu.canonical(),
            WalletCommand::Points(_) => Keyword::Points.canonical(),
        }
    }
}

/// A command the grammar read through a correction: logged for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub error_type: ErrorType,
    pub meant: Keyword,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub command: WalletCommand,
    pub correction: Option<Correction>,
}

/// Why a message is not a command, and what it most likely meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrecognized {
    Empty,
    Unknown {
        suggestion: Option<Keyword>,
    },
    AmountMissing {
        command: Keyword,
    },
    /// The amount as written (at most 32 characters of it).
    AmountInvalid {
        command: Keyword,
        written: String,
    },
    TooManyDecimals {
        command: Keyword,
    },
    AmountNotPositive {
        command: Keyword,
    },
    PayeeMissing,
    PayeeInvalid {
        written: String,
    },
    /// `STATEMENT PDF` with something that is not a month (at most 32 characters of it).
    PeriodInvalid {
        written: String,
    },
}

impl Unrecognized {
    /// The failed-command log's error type.
    pub fn kind(&self) -> &'static str {
        match self {
            Unrecognized::Empty => "empty",
            Unrecognized::Unknown { suggestion: Some(_) } => "typo",
            Unrecognized::Unknown { suggestion: None } => "unrecognized",
            Unrecognized::AmountMissing { .. } => "amount_missing",
            Unrecognized::AmountInvalid { .. } => "amount_invalid",
            Unrecognized::TooManyDecimals { .. } => "too_many_decimals",
            Unrecognized::AmountNotPositive { .. } => "amount_not_positive",
            Unrecognized::PayeeMissing => "payee_missing",
            Unrecognized::PayeeInvalid { .. } => "payee_invalid",
            Unrecognized::PeriodInvalid { .. } => "period_invalid",
        }
    }

    /// The command to suggest in the failed-command log.
    pub fn suggestion(&self) -> Option<Keyword> {
        match self {
            Unrecognized::Empty => None,
            Unrecognized::Unknown { suggestion } => *suggestion,
            Unrecognized::AmountMissing { command }
            | Unrecognized::AmountInvalid { command, .. }
            | Unrecognized::TooManyDecimals { command }
            | Unrecognized::AmountNotPositive { command } => Some(*command),
            Unrecognized::PayeeMissing | Unrecognized::PayeeInvalid { .. } => Some(Keyword::Send),
            Unrecognized::PeriodInvalid { .. } => Some(Keyword::Statement),
        }
    }
}

/// The market a grammar reads amounts and phones for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Market {
    pub currency: Currency,
    /// Country calling code, digits only (`233`).
    pub country_code: String,
}

const DETAIL_CHARS: usize = 32;

pub fn parse(input: &str, market: &Market) -> Result<Parsed, Unrecognized> {
    let text = clean(input);
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let Some(&first) = tokens.first() else { return Err(Unrecognized::Empty) };
    if tokens.len() == 1 && first.len() == 6 && first.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Parsed { command: WalletCommand::Code(first.to_owned()), correction: None });
    }
    let word = |t: &str| fold(t.trim_end_matches(['.', ',', '!', '?', ':']).trim_start_matches('/'));
    // Two-word corrections first (`CHECK BALANCE`, `ADD MONEY 50`).
    if let Some(&second) = tokens.get(1) {
        let pair = format!("{} {}", word(first), word(second));
        if let Some((_, keyword, error_type)) = CORRECTIONS.iter().find(|(w, _, _)| *w == pair) {
            let correction = Correction { error_type: *error_type, meant: *keyword };
            return arguments(*keyword, &tokens[2..], market, Some(correction));
        }
    }
    let first_word = if first == "?" { "?".to_owned() } else { word(first) };
    let exact = readings(&first_word)
        .into_iter()
        .find_map(|r| KEYWORDS.iter().find(|(w, _)| *w == r).map(|(_, k)| *k));
    if let Some(keyword) = exact {
        return arguments(keyword, &tokens[1..], market, None);
    }
    if let Some((_, keyword, error_type)) = CORRECTIONS.iter().find(|(w, _, _)| *w == first_word) {
        let correction = Correction { error_type: *error_type, meant: *keyword };
        return arguments(*keyword, &tokens[1..], market, Some(correction));
    }
    let guess = nearest(&first_word, KEYWORDS, SYNONYMS);
    match guess {
        Some(keyword)
            if keyword.read_only()
                && tokens.len() == 1
                && !SYNONYMS.iter().any(|(w, _)| *w == first_word) =>
        {
            let correction = Correction { error_type: ErrorType::Typo, meant: keyword };
            arguments(keyword, &[], market, Some(correction))
        }
        _ => Err(Unrecognized::Unknown { suggestion: guess }),
    }
}

fn arguments(
    keyword: Keyword,
    args: &[&str],
    market: &Market,
    correction: Option<Correction>,
) -> Result<Parsed, Unrecognized> {
    let command = match keyword {
        Keyword::Balance => WalletCommand::Balance,
        Keyword::Statement => match args.first() {
            Some(first) if PDF_WORDS.contains(&fold(first).as_str()) => {
                WalletCommand::StatementPdf { month: statement_month(&args[1..])? }
            }
            _ => WalletCommand::Statement,
        },
        Keyword::Help => WalletCommand::Help,
        Keyword::Unlink => WalletCommand::Unlink,
        Keyword::Yes => WalletCommand::Yes,
        Keyword::No => WalletCommand::No,
        Keyword::Lang => WalletCommand::Lang,
        Keyword::Link => WalletCommand::Link { target: args.first().map(|t| (*t).to_owned()) },
        Keyword::Susu => {
            let sub = args.first().map(|t| fold(t));
            match sub.as_deref() {
                None => WalletCommand::Susu(SusuCommand::Show),
                Some(w) if SUSU_JOIN.contains(&w) => match args.get(1) {
                    Some(code) => WalletCommand::Susu(SusuCommand::Join {
                        code: code.chars().take(DETAIL_CHARS).collect(),
                    }),
                    None => return Err(Unrecognized::Unknown { suggestion: Some(Keyword::Susu) }),
                },
                Some(w) if SUSU_PAY.contains(&w) => WalletCommand::Susu(SusuCommand::Pay {
                    code: args.get(1).map(|c| c.chars().take(DETAIL_CHARS).collect()),
                }),
                Some(_) => return Err(Unrecognized::Unknown { suggestion: Some(Keyword::Susu) }),
            }
        }
        Keyword::Points => {
            let sub = args.first().map(|t| fold(t));
            match sub.as_deref() {
                None => WalletCommand::Points(PointsCommand::Show),
                Some(w) if POINTS_REDEEM.contains(&w) => {
                    let written =
                        *args.get(1).ok_or(Unrecognized::AmountMissing { command: Keyword::Points })?;
                    let points = written.parse::<i64>().map_err(|_| Unrecognized::AmountInvalid {
                        command: Keyword::Points,
                        written: written.chars().take(DETAIL_CHARS).collect(),
                    })?;
                    if points <= 0 {
                        return Err(Unrecognized::AmountNotPositive { command: Keyword::Points });
                    }
                    WalletCommand::Points(PointsCommand::Redeem { points })
                }
                Some(_) => return Err(Unrecognized::Unknown { suggestion: Some(Keyword::Points) }),
            }
        }
        Keyword::Send => {
            let mut i = 0;
            let amount = amount(keyword, args, &mut i, market)?;
            let (payee, next) = phone_at(args, i, market).ok_or_else(|| match args.get(i) {
                None => Unrecognized::PayeeMissing,
                Some(t) => Unrecognized::PayeeInvalid { written: t.chars().take(DETAIL_CHARS).collect() },
            })?;
            let note = args[next..].join(" ");
            let note = note.trim_matches(['"', '“', '”', '«', '»', '\'']).trim();
            WalletCommand::Send {
                amount,
                payee,
                note: (!note.is_empty()).then(|| note.chars().take(80).collect()),
            }
        }
        Keyword::TopUp => {
            let mut i = 0;
            let amount = amount(keyword, args, &mut i, market)?;
            let momo_number = match args.get(i) {
                None => None,
                Some(t) => Some(phone_at(args, i, market).map(|(p, _)| p).ok_or_else(|| {
                    Unrecognized::PayeeInvalid { written: t.chars().take(DETAIL_CHARS).collect() }
                })?),
            };
            WalletCommand::TopUp { amount, momo_number }
        }
        Keyword::Score => WalletCommand::Score,
        Keyword::Bnpl => match args.first().map(|t| fold(t)) {
            None => WalletCommand::Bnpl,
            Some(word) if BNPL_PAY.contains(&word.as_str()) => WalletCommand::BnplPay,
            Some(_) => {
                let mut i = 0;
                let amount = amount(keyword, args, &mut i, market)?;
                let (payee, _) = phone_at(args, i, market).ok_or_else(|| match args.get(i) {
                    None => Unrecognized::PayeeMissing,
                    Some(t) => Unrecognized::PayeeInvalid { written: t.chars().take(DETAIL_CHARS).collect() },
                })?;
                WalletCommand::BnplBuy { amount, payee }
            }
        },
    };
    Ok(Parsed { command, correction })
}

// ---- STATEMENT PDF ----------------------------------------------------------------------------

/// The word after a statement keyword that asks for the PDF (`STATEMENT PDF`, `ВЫПИСКА ПДФ`).
const PDF_WORDS: &[&str] = &["pdf", "пдф"];

/// A calendar month of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatementMonth {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

/// The month after `STATEMENT PDF`: `2026-11`, `2026/11`, `11.2026`, `11/2026` or `11-2026`;
/// none for this month.
fn statement_month(args: &[&str]) -> Result<Option<StatementMonth>, Unrecognized> {
    let Some(written) = args.first() else { return Ok(None) };
    let invalid =
        || Unrecognized::PeriodInvalid { written: args.join(" ").chars().take(DETAIL_CHARS).collect() };
    if args.len() > 1 {
        return Err(invalid());
    }
    let parts: Vec<&str> = written.split(['-', '/', '.']).collect();
    let [a, b] = parts[..] else { return Err(invalid()) };
    let (year, month) = match (a.len(), b.len()) {
        (4, 1 | 2) => (a, b),
        (1 | 2, 4) => (b, a),
        _ => return Err(invalid()),
    };
    let year: i32 = year.parse().map_err(|_| invalid())?;
    let month: u32 = month.parse().map_err(|_| invalid())?;
    if !(1..=12).contains(&month) || !(2000..=9999).contains(&year) {
        return Err(invalid());
    }
    Ok(Some(StatementMonth { year, month }))
}
/// `BNPL PAY` in each language, folded.
const BNPL_PAY: &[&str] =
    &["pay", "plateste", "achita", "оплатить", "погасить", "payer", "rembourser", "zahlen", "tilgen"];

/// The amount at `args[*i]`, with the market's currency code before or after it.
fn amount(command: Keyword, args: &[&str], i: &mut usize, market: &Market) -> Result<Decimal, Unrecognized> {
    let is_currency = |t: &str| {
        let t = fold(t);
        t == fold(market.currency.code())
            || (market.currency == Currency::GHS
                && matches!(t.as_str(), "cedi" | "cedis" | "ghc" | "gh₵" | "₵"))
    };
    if args.get(*i).is_some_and(|t| is_currency(t)) {
        *i += 1;
    }
    let written = *args.get(*i).ok_or(Unrecognized::AmountMissing { command })?;
    let code = market.currency.code();
    let bare = written
        .strip_prefix(code)
        .or_else(|| written.strip_suffix(code))
        .or_else(|| written.strip_prefix("₵"))
        .unwrap_or(written);
    let value = number(bare, market.currency.minor_units()).map_err(|e| match e {
        NumberError::TooManyDecimals => Unrecognized::TooManyDecimals { command },
        NumberError::NotPositive => Unrecognized::AmountNotPositive { command },
        NumberError::Invalid | NumberError::Huge => {
            Unrecognized::AmountInvalid { command, written: written.chars().take(DETAIL_CHARS).collect() }
        }
    })?;
    *i += 1;
    if args.get(*i).is_some_and(|t| is_currency(t)) {
        *i += 1;
    }
    Ok(value)
}

/// A phone at `args[i]`: one token, or digit groups (`024 412 3456`) up to a full number.
/// Returns the phone and the index after it.
fn phone_at(args: &[&str], i: usize, market: &Market) -> Option<(Phone, usize)> {
    let digits = |t: &str| t.bytes().filter(u8::is_ascii_digit).count();
    let phone_like = |t: &str| {
        let body = t.strip_prefix('+').unwrap_or(t);
        !body.is_empty() && body.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | '.'))
    };
    let first = *args.get(i)?;
    if !phone_like(first) {
        return None;
    }
    let mut end = i + 1;
    let mut joined = first.to_owned();
    // A national number has 10 digits here (0 + 9); keep joining groups until it is whole.
    while digits(&joined) < 10 && args.get(end).is_some_and(|t| !t.starts_with('+') && phone_like(t)) {
        joined.push_str(args[end]);
        end += 1;
    }
    if digits(&joined) < 9 {
        return None;
    }
    Phone::parse_in_market(&joined, &market.country_code).ok().map(|p| (p, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn ghana() -> Market {
        Market { currency: Currency::GHS, country_code: "233".into() }
    }

    fn parse_ok(text: &str) -> Parsed {
        parse(text, &ghana()).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn phone(s: &str) -> Phone {
        Phone::parse_international(s).unwrap()
    }

    #[test]
    fn statement_pdf_in_every_language_with_a_month_or_none() {
        let month = |year, month| Some(StatementMonth { year, month });
        let table: &[(&str, Option<StatementMonth>)] = &[
            ("STATEMENT PDF", None),
            ("statement pdf 2026-11", month(2026, 11)),
            ("EXTRAS PDF 11.2026", month(2026, 11)),
            ("Выписка ПДФ 3/2026", month(2026, 3)),
            ("выписка pdf 2026/03", month(2026, 3)),
            ("RELEVÉ PDF 01-2027", month(2027, 1)),
            ("Kontoauszug PDF", None),
        ];
        for (text, expected) in table {
            assert_eq!(parse_ok(text).command, WalletCommand::StatementPdf { month: *expected }, "{text}");
        }
        assert_eq!(parse_ok("STATEMENT").command, WalletCommand::Statement);
        for bad in [
            "STATEMENT PDF 2026-13",
            "STATEMENT PDF november",
            "STATEMENT PDF 2026 11",
            "STATEMENT PDF 26-11",
        ] {
            match parse(bad, &ghana()) {
                Err(Unrecognized::PeriodInvalid { written }) => assert!(!written.is_empty(), "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn susu_and_points_commands() {
        let table: &[(&str, WalletCommand)] = &[
            ("SUSU", WalletCommand::Susu(SusuCommand::Show)),
            ("susu join makola4", WalletCommand::Susu(SusuCommand::Join { code: "makola4".into() })),
            ("SUSU PAY", WalletCommand::Susu(SusuCommand::Pay { code: None })),
            ("сусу платить MAKOLA4", WalletCommand::Susu(SusuCommand::Pay { code: Some("MAKOLA4".into()) })),
            ("POINTS", WalletCommand::Points(PointsCommand::Show)),
            ("баллы", WalletCommand::Points(PointsCommand::Show)),
            ("points redeem 100", WalletCommand::Points(PointsCommand::Redeem { points: 100 })),
            ("PUNKTE EINLÖSEN 5", WalletCommand::Points(PointsCommand::Redeem { points: 5 })),
        ];
        for (text, command) in table {
            assert_eq!(&parse_ok(text).command, command, "{text}");
        }
        let corrected = parse_ok("MY POINTS");
        assert_eq!(corrected.command, WalletCommand::Points(PointsCommand::Show));
        assert!(corrected.correction.is_some());
        assert_eq!(
            parse("POINTS REDEEM 0", &ghana()),
            Err(Unrecognized::AmountNotPositive { command: Keyword::Points })
        );
        assert!(parse("POINTS REDEEM lots", &ghana()).is_err());
        assert!(parse("SUSU JOIN", &ghana()).is_err());
    }

    #[test]
    fn commands_in_every_language() {
        let table: &[(&str, WalletCommand)] = &[
            ("BAL", WalletCommand::Balance),
            ("balance", WalletCommand::Balance),
            ("Sold", WalletCommand::Balance),
            ("баланс", WalletCommand::Balance),
            ("SOLDE", WalletCommand::Balance),
            ("Kontostand", WalletCommand::Balance),
            ("STATEMENT", WalletCommand::Statement),
            ("extras", WalletCommand::Statement),
            ("Выписка", WalletCommand::Statement),
            ("relevé", WalletCommand::Statement),
            ("Kontoauszug", WalletCommand::Statement),
            ("help", WalletCommand::Help),
            ("?", WalletCommand::Help),
            ("Hilfe", WalletCommand::Help),
            ("UNLINK", WalletCommand::Unlink),
            ("yes", WalletCommand::Yes),
            ("Да", WalletCommand::Yes),
            ("oui!", WalletCommand::Yes),
            ("NEIN", WalletCommand::No),
            ("/lang", WalletCommand::Lang),
            ("123456", WalletCommand::Code("123456".into())),
            ("LINK", WalletCommand::Link { target: None }),
            ("link ACC-1001", WalletCommand::Link { target: Some("ACC-1001".into()) }),
            ("verknüpfen 0244000101", WalletCommand::Link { target: Some("0244000101".into()) }),
        ];
        for (text, expected) in table {
            let parsed = parse_ok(text);
            assert_eq!(&parsed.command, expected, "{text}");
            assert_eq!(parsed.correction, None, "{text}");
        }
    }

    #[test]
    fn send_reads_amounts_and_local_phones() {
        let table: &[(&str, &str, &str, Option<&str>)] = &[
            ("SEND 50 0244123456", "50", "+233244123456", None),
            ("send 50.5 +233244123456 lunch", "50.5", "+233244123456", Some("lunch")),
            ("SEND GHS 20 024 412 3456 \"for rent\"", "20", "+233244123456", Some("for rent")),
            ("trimite 10,25 0244123456", "10.25", "+233244123456", None),
            ("senden 5 233244123456", "5", "+233244123456", None),
        ];
        for (text, amount, payee, note) in table {
            let parsed = parse_ok(text);
            assert_eq!(
                parsed.command,
                WalletCommand::Send {
                    amount: dec(amount),
                    payee: phone(payee),
                    note: note.map(str::to_owned)
                },
                "{text}"
            );
        }
    }

    #[test]
    fn the_seeds_corrections_are_accepted_and_reported() {
        let table: &[(&str, Keyword, ErrorType)] = &[
            ("SENDD 50 0244123456", Keyword::Send, ErrorType::Typo),
            ("BALLANCE", Keyword::Balance, ErrorType::Typo),
            ("CHECK BALANCE", Keyword::Balance, ErrorType::Unrecognized),
            ("TRANSFER 100 0244123456", Keyword::Send, ErrorType::Unrecognized),
            ("SHOW TRANSACTIONS", Keyword::Statement, ErrorType::Unrecognized),
            ("ADD MONEY 20", Keyword::TopUp, ErrorType::Unrecognized),
            ("blance", Keyword::Balance, ErrorType::Typo),
        ];
        for (text, meant, error_type) in table {
            let parsed = parse_ok(text);
            assert_eq!(
                parsed.correction,
                Some(Correction { error_type: *error_type, meant: *meant }),
                "{text}"
            );
        }
        assert_eq!(
            parse_ok("ADD MONEY 20").command,
            WalletCommand::TopUp { amount: dec("20"), momo_number: None }
        );
    }

    #[test]
    fn money_never_moves_on_a_guess() {
        assert_eq!(
            parse("sned 50 0244123456", &ghana()),
            Err(Unrecognized::Unknown { suggestion: Some(Keyword::Send) })
        );
        assert_eq!(
            parse("topp 50", &ghana()),
            Err(Unrecognized::Unknown { suggestion: Some(Keyword::TopUp) })
        );
        assert_eq!(parse("what is this", &ghana()), Err(Unrecognized::Unknown { suggestion: None }));
        assert_eq!(parse("pay 5", &ghana()), Err(Unrecognized::Unknown { suggestion: Some(Keyword::Send) }));
    }

    #[test]
    fn bad_amounts_and_payees_are_explained() {
        let table: &[(&str, Unrecognized)] = &[
            ("SEND", Unrecognized::AmountMissing { command: Keyword::Send }),
            (
                "SEND abc 0244123456",
                Unrecognized::AmountInvalid { command: Keyword::Send, written: "abc".into() },
            ),
            ("SEND 1.005 0244123456", Unrecognized::TooManyDecimals { command: Keyword::Send }),
            ("SEND 0 0244123456", Unrecognized::AmountNotPositive { command: Keyword::Send }),
            ("SEND -5 0244123456", Unrecognized::AmountNotPositive { command: Keyword::Send }),
            ("SEND 50", Unrecognized::PayeeMissing),
            ("SEND 50 kwame", Unrecognized::PayeeInvalid { written: "kwame".into() }),
            ("SEND 50 0244", Unrecognized::PayeeInvalid { written: "0244".into() }),
            ("TOPUP", Unrecognized::AmountMissing { command: Keyword::TopUp }),
            ("", Unrecognized::Empty),
        ];
        for (text, expected) in table {
            assert_eq!(&parse(text, &ghana()).unwrap_err(), expected, "{text}");
        }
    }

    #[test]
    fn topup_takes_an_optional_momo_number() {
        assert_eq!(
            parse_ok("TOPUP 100").command,
            WalletCommand::TopUp { amount: dec("100"), momo_number: None }
        );
        assert_eq!(
            parse_ok("topup 100 0244000101").command,
            WalletCommand::TopUp { amount: dec("100"), momo_number: Some(phone("+233244000101")) }
        );
    }

    #[test]
    fn score_and_bnpl_with_their_aliases() {
        let table: &[(&str, WalletCommand, Option<Keyword>)] = &[
            ("SCORE", WalletCommand::Score, None),
            ("my score", WalletCommand::Score, Some(Keyword::Score)),
            ("Рейтинг", WalletCommand::Score, None),
            ("BNPL", WalletCommand::Bnpl, None),
            ("PAYLATER", WalletCommand::Bnpl, Some(Keyword::Bnpl)),
            ("bnpl pay", WalletCommand::BnplPay, None),
            ("рассрочка оплатить", WalletCommand::BnplPay, None),
            (
                "BNPL 300 0244123456",
                WalletCommand::BnplBuy { amount: dec("300"), payee: phone("+233244123456") },
                None,
            ),
            (
                "paylater 50 +233244123456",
                WalletCommand::BnplBuy { amount: dec("50"), payee: phone("+233244123456") },
                Some(Keyword::Bnpl),
            ),
        ];
        for (text, command, corrected) in table {
            let parsed = parse_ok(text);
            assert_eq!(&parsed.command, command, "{text}");
            assert_eq!(parsed.correction.map(|c| c.meant), *corrected, "{text}");
        }
        assert_eq!(parse("BNPL 50", &ghana()), Err(Unrecognized::PayeeMissing));
        assert_eq!(
            parse("BNPL abc", &ghana()),
            Err(Unrecognized::AmountInvalid { command: Keyword::Bnpl, written: "abc".into() })
        );
        assert_eq!(
            parse("bnpll 50 0244123456", &ghana()),
            Err(Unrecognized::Unknown { suggestion: Some(Keyword::Bnpl) })
        );
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(text in "\\PC{0,60}") {
            let _ = parse(&text, &ghana());
        }
    }

    #[test]
    fn keywords_are_stored_folded() {
        for (word, _) in KEYWORDS {
            assert_eq!(fold(word), *word, "{word}");
        }
    }
}
