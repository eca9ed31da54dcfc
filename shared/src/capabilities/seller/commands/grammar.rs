//! The parser. Works on whitespace-separated tokens of the cleaned text: since whitespace is
//! collapsed everywhere (descriptions included), joining tokens with one space loses nothing.

use rust_decimal::Decimal;

use super::lexicon::{self, CurrencyWord, Keyword};
use super::{Command, MarketRules, Refusal, RefusalDetail, RefusalKind};
use crate::capabilities::text::{NumberError, clean, is_minus, number};
use crate::domain::{Money, MoneyError, Phone};

/// How much of an unreadable token a refusal carries.
const TOKEN_DETAIL_CHARS: usize = 32;

/// Punctuation a chat message may put after a command word (`help?`, `pay:`).
const TRAILING_PUNCTUATION: &[char] = &['.', ',', ';', ':', '!', '?'];

pub(super) fn parse(input: &str, rules: &MarketRules) -> Result<Command, Refusal> {
    let text = clean(input);
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let Some(&first) = tokens.first() else {
        return Err(refusal(RefusalKind::Empty, None, RefusalDetail::None));
    };
    if starts_with_amount(&tokens, rules) {
        return pay(&tokens, rules);
    }
    if let Some(keyword) = lexicon::keyword(command_word(first)) {
        return dispatch(keyword, &tokens[1..], rules);
    }
    if let Some((keyword, amount)) = keyword_with_amount(first) {
        let mut args = Vec::with_capacity(tokens.len());
        args.push(amount);
        args.extend_from_slice(&tokens[1..]);
        return dispatch(keyword, &args, rules);
    }
    Err(unknown(&tokens))
}

fn refusal(kind: RefusalKind, suggestion: Option<Keyword>, detail: RefusalDetail) -> Refusal {
    Refusal { kind, suggestion: suggestion.map(Keyword::canonical), detail }
}

fn token_detail(token: &str) -> RefusalDetail {
    RefusalDetail::Token(token.chars().take(TOKEN_DETAIL_CHARS).collect())
}

/// The first word as a keyword candidate: without the slash, without trailing punctuation,
/// except that a run of question marks is the `?` command.
fn command_word(token: &str) -> &str {
    let word = token.trim_start_matches('/');
    if !word.is_empty() && word.chars().all(|c| c == '?') {
        return "?";
    }
    word.trim_end_matches(TRAILING_PUNCTUATION)
}

/// `pay100`, `/rtp50`: a payment keyword glued to its amount.
fn keyword_with_amount(token: &str) -> Option<(Keyword, &str)> {
    let word = token.trim_start_matches('/');
    let split = word.find(|c: char| c.is_ascii_digit())?;
    let keyword = lexicon::keyword(word.get(..split)?)?;
    matches!(keyword, Keyword::Pay | Keyword::Rtp).then(|| (keyword, &word[split..]))
}

fn dispatch(keyword: Keyword, args: &[&str], rules: &MarketRules) -> Result<Command, Refusal> {
    // Help, lang and merchant take no arguments; anything after them (`help pay`,
    // `lang ro`) is ignored rather than refused, since the answer would be the same.
    match keyword {
        Keyword::Pay => pay(args, rules),
        Keyword::Rtp => rtp(args, rules),
        Keyword::Help => Ok(Command::Help),
        Keyword::Lang => Ok(Command::Lang),
        Keyword::Merchant => Ok(Command::Merchant),
    }
}

fn unknown(tokens: &[&str]) -> Refusal {
    // An exact command word or synonym among the first few words ("change language", "i
    // want to pay 100") says more than a typo match of the first one (`change` is one edit
    // from `charge`).
    let suggestion = tokens
        .iter()
        .take(4)
        .find_map(|t| lexicon::mentions(command_word(t)))
        .or_else(|| lexicon::near_miss(command_word(tokens[0])));
    refusal(RefusalKind::UnknownCommand, suggestion, RefusalDetail::None)
}

// ---------------------------------------------------------------------------------------
// pay and rtp

fn pay(args: &[&str], rules: &MarketRules) -> Result<Command, Refusal> {
    let ctx = Ctx { rules, keyword: Keyword::Pay };
    let mut i = 0;
    let amount = ctx.amount(args, &mut i)?;
    if let Some(group) = amount.group {
        return Err(ctx.thousands(args, amount.index, group));
    }
    let amount = ctx.money(amount.value, rules.qr_max)?;
    let (description, tag) = ctx.description_and_tag(&args[i..])?;
    Ok(Command::Pay { amount, description, tag })
}

fn rtp(args: &[&str], rules: &MarketRules) -> Result<Command, Refusal> {
    let ctx = Ctx { rules, keyword: Keyword::Rtp };
    // The payer first (`/rtp 069123456 100`), when the first word cannot be an amount.
    if looks_like_full_phone(args.first().copied().unwrap_or_default())
        && let Ok(payer) = Phone::parse_in_market(args[0], &rules.country_code)
    {
        // `ctx.amount` refuses a missing amount (`/rtp 069123456`) as such, rather than the
        // phone being read as an amount above the cap.
        let mut i = 1;
        let amount = ctx.amount(args, &mut i)?;
        if let Some(group) = amount.group {
            return Err(ctx.thousands(args, amount.index, group));
        }
        let amount = ctx.money(amount.value, rules.rtp_max)?;
        let (description, tag) = ctx.description_and_tag(&args[i..])?;
        return Ok(Command::Rtp { amount, payer, description, tag });
    }
    let mut i = 0;
    let amount = ctx.amount(args, &mut i)?;
    let value = ctx.money(amount.value, rules.rtp_max)?;
    if args.get(i).is_none_or(|t| opens_quote(t) || t.starts_with('#')) {
        return Err(ctx.refuse(RefusalKind::PayerMissing, RefusalDetail::None));
    }
    let Some((payer, next)) = payer_at(args, i, &rules.country_code) else {
        // `/rtp 1 000 069123456`: the payer reads fine once the digit group is taken as
        // part of the amount, so the amount is what to refuse.
        if let Some(group) = amount.group
            && payer_at(args, group + 1, &rules.country_code).is_some()
        {
            return Err(ctx.thousands(args, amount.index, group));
        }
        return Err(ctx.refuse(RefusalKind::PayerNotAPhone, RefusalDetail::None));
    };
    let (description, tag) = ctx.description_and_tag(&args[next..])?;
    Ok(Command::Rtp { amount: value, payer, description, tag })
}

/// An amount as read, before it becomes [`Money`].
struct Amount {
    value: Decimal,
    /// Where the number token is.
    index: usize,
    /// A three-digit group right after a short integer (`1 000`): the index of the group.
    group: Option<usize>,
}

/// What every refusal of one command shares: the rules and the suggestion.
struct Ctx<'a> {
    rules: &'a MarketRules,
    keyword: Keyword,
}

impl Ctx<'_> {
    fn refuse(&self, kind: RefusalKind, detail: RefusalDetail) -> Refusal {
        refusal(kind, Some(self.keyword), detail)
    }

    fn thousands(&self, args: &[&str], index: usize, group: usize) -> Refusal {
        self.refuse(RefusalKind::AmountInvalid, token_detail(&args[index..=group].join(" ")))
    }

    /// Accepts a currency word for the market's currency, refuses any other one.
    fn currency(&self, token: &str, word: &str) -> Result<bool, Refusal> {
        match lexicon::currency_word(word, self.rules.currency.code()) {
            Some(CurrencyWord::Market) => Ok(true),
            Some(CurrencyWord::Other) => {
                Err(self.refuse(RefusalKind::UnsupportedCurrency, token_detail(token)))
            }
            None => Ok(false),
        }
    }

    /// Reads the amount at `args[*i]`, with a currency word before or after it, attached or
    /// not, and moves `i` past what it used.
    fn amount(&self, args: &[&str], i: &mut usize) -> Result<Amount, Refusal> {
        let missing = || self.refuse(RefusalKind::AmountMissing, RefusalDetail::None);
        let mut token = *args.get(*i).ok_or_else(missing)?;
        if self.currency(token, token)? {
            *i += 1;
            token = *args.get(*i).ok_or_else(missing)?;
        }
        if opens_quote(token) || token.starts_with('#') {
            return Err(missing());
        }
        let invalid = || self.refuse(RefusalKind::AmountInvalid, token_detail(token));
        let parts = AmountToken::split(token);
        for affix in [parts.prefix, parts.suffix] {
            if !affix.is_empty() && !self.currency(token, affix)? {
                return Err(invalid());
            }
        }
        let value = match number(parts.number, self.rules.currency.minor_units()) {
            Ok(value) => value,
            Err(NumberError::Invalid) => return Err(invalid()),
            Err(NumberError::TooManyDecimals) => {
                return Err(self.refuse(RefusalKind::TooManyDecimals, RefusalDetail::None));
            }
            Err(NumberError::NotPositive) => {
                return Err(self.refuse(RefusalKind::AmountNotPositive, RefusalDetail::None));
            }
            Err(NumberError::Huge) => return Err(self.above_cap(self.cap())),
        };
        let index = *i;
        *i += 1;
        let short_integer = parts.suffix.is_empty()
            && (1..=3).contains(&parts.number.len())
            && parts.number.bytes().all(|b| b.is_ascii_digit());
        let group = (short_integer
            && args.get(*i).is_some_and(|t| is_digit_group(t, self.rules.currency.code())))
        .then_some(*i);
        if let Some(next) = args.get(*i)
            && self.currency(next, next)?
        {
            *i += 1;
        }
        Ok(Amount { value, index, group })
    }

    fn cap(&self) -> Decimal {
        match self.keyword {
            Keyword::Rtp => self.rules.rtp_max,
            _ => self.rules.qr_max,
        }
    }

    fn above_cap(&self, cap: Decimal) -> Refusal {
        let currency = self.rules.currency;
        // A cap is configuration; one that is not a valid amount still refuses, without detail.
        let detail = Money::new(cap.round_dp(currency.minor_units()), currency)
            .map_or(RefusalDetail::None, RefusalDetail::Cap);
        self.refuse(RefusalKind::AmountAboveCap, detail)
    }

    fn money(&self, value: Decimal, cap: Decimal) -> Result<Money, Refusal> {
        let money = Money::new(value, self.rules.currency).map_err(|e| match e {
            MoneyError::NotPositive => self.refuse(RefusalKind::AmountNotPositive, RefusalDetail::None),
            MoneyError::TooManyDecimals { .. } => {
                self.refuse(RefusalKind::TooManyDecimals, RefusalDetail::None)
            }
        })?;
        if money.amount() > cap {
            return Err(self.above_cap(cap));
        }
        Ok(money)
    }

    /// The rest of the message: an optional description and an optional tag.
    fn description_and_tag(&self, args: &[&str]) -> Result<(Option<String>, Option<String>), Refusal> {
        let text = args.join(" ");
        let (quoted, tail) = match split_quoted(&text) {
            Some((inner, after)) => (Some(inner), after),
            None => (None, text.as_str()),
        };
        let words: Vec<&str> = tail.split_whitespace().collect();
        let (tag, rest): (Option<&str>, &[&str]) = match words.split_last() {
            Some((last, init)) if last.starts_with('#') => (Some(last), init),
            // A leading tag is taken only when no tag ends the text: `#cafea "Cafea"`.
            _ if quoted.is_none() && words.len() > 1 && words[0].starts_with('#') => {
                (Some(words[0]), &words[1..])
            }
            _ => (None, &words),
        };
        let rest = rest.join(" ");
        let description = match quoted {
            Some(inner) => format!("{inner} {rest}"),
            None => match split_quoted(&rest) {
                Some((inner, after)) => format!("{inner} {after}"),
                None => strip_unmatched_quote(&rest).to_owned(),
            },
        };
        let description = description.split_whitespace().collect::<Vec<_>>().join(" ");
        let max = self.rules.description_max_chars;
        if description.chars().count() > max {
            return Err(self.refuse(RefusalKind::DescriptionTooLong, RefusalDetail::MaxChars(max)));
        }
        let tag = tag.map(|t| self.tag(t)).transpose()?;
        Ok(((!description.is_empty()).then_some(description), tag))
    }

    fn tag(&self, token: &str) -> Result<String, Refusal> {
        let max = self.rules.tag_max_chars;
        // A sentence's closing punctuation (`#cafea.`) is not part of the tag.
        let name = token.trim_end_matches(TRAILING_PUNCTUATION).strip_prefix('#').unwrap_or_default();
        let valid = !name.is_empty()
            && name.chars().count() <= max
            && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if valid {
            Ok(name.to_owned())
        } else {
            Err(self.refuse(RefusalKind::TagInvalid, RefusalDetail::MaxChars(max)))
        }
    }
}

// ---------------------------------------------------------------------------------------
// amounts

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || is_minus(c) || c == '.' || c == ','
}

/// A token cut into a currency prefix, the number, and a currency suffix: `MDL100`,
/// `100,50lei`, `€100`.
struct AmountToken<'a> {
    prefix: &'a str,
    number: &'a str,
    suffix: &'a str,
}

impl<'a> AmountToken<'a> {
    fn split(token: &'a str) -> Self {
        let start = token.find(is_number_char).unwrap_or(token.len());
        let end = token[start..].find(|c: char| !is_number_char(c)).map_or(token.len(), |n| start + n);
        AmountToken { prefix: &token[..start], number: &token[start..end], suffix: &token[end..] }
    }

    /// Whether the number part begins like a number (a digit, or a sign or separator
    /// followed by one): what makes a first word an implicit `pay`.
    fn starts_numeric(&self) -> bool {
        let mut chars = self.number.chars();
        match chars.next() {
            Some(c) if c.is_ascii_digit() => true,
            Some(_) => chars.next().is_some_and(|c| c.is_ascii_digit()),
            None => false,
        }
    }
}

/// A leading number (or a currency word and a number) is `pay <amount> …`.
fn starts_with_amount(tokens: &[&str], rules: &MarketRules) -> bool {
    let market = rules.currency.code();
    let first = AmountToken::split(tokens[0]);
    if first.starts_numeric()
        && (first.prefix.is_empty() || lexicon::currency_word(first.prefix, market).is_some())
    {
        return true;
    }
    lexicon::currency_word(tokens[0], market).is_some()
        && tokens.get(1).is_some_and(|t| {
            let next = AmountToken::split(t);
            next.prefix.is_empty() && next.starts_numeric()
        })
}

/// `000`, `500,50`, `000lei`: what follows `1` in `1 000` when someone groups thousands.
/// Not `500g`: a quantity in the description.
fn is_digit_group(token: &str, market: &str) -> bool {
    let parts = AmountToken::split(token);
    let number = parts.number.as_bytes();
    parts.prefix.is_empty()
        && (parts.suffix.is_empty() || lexicon::currency_word(parts.suffix, market).is_some())
        && number.len() >= 3
        && number[..3].iter().all(u8::is_ascii_digit)
        && (number.len() == 3
            || (matches!(number[3], b'.' | b',')
                && number.len() <= 6
                && number[4..].iter().all(u8::is_ascii_digit)))
}

// ---------------------------------------------------------------------------------------
// phones

fn is_phone_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | '.')
}

fn digit_count(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
}

/// A token made of phone characters, optionally after a leading `+`.
fn is_phone_token(token: &str, allow_plus: bool) -> bool {
    let body = if allow_plus { token.strip_prefix('+').unwrap_or(token) } else { token };
    digit_count(body) > 0 && body.chars().all(is_phone_char)
}

/// The fewest digits a payer's number is written with: a Moldovan national number without
/// its trunk zero (`69123456`). Shorter input is a mistake, even where the phone parser would
/// make an E.164 number of it by prefixing the country code.
const MIN_PHONE_DIGITS: usize = 8;

/// A whole phone number in one token that cannot be an amount: `+…` or `0…` with 8+ digits.
fn looks_like_full_phone(token: &str) -> bool {
    (token.starts_with('+') || token.starts_with('0'))
        && is_phone_token(token, true)
        && digit_count(token) >= MIN_PHONE_DIGITS
}

/// The payer at `args[i]`: one token, or digit groups (`+373 69 123 456`) that run to the
/// end of the message or to a quoted description or a tag. Returns the index after it.
fn payer_at(args: &[&str], i: usize, country_code: &str) -> Option<(Phone, usize)> {
    let first = *args.get(i)?;
    if !is_phone_token(first, true) {
        return None;
    }
    if digit_count(first) >= MIN_PHONE_DIGITS {
        return Phone::parse_in_market(first, country_code).ok().map(|p| (p, i + 1));
    }
    let mut end = i + 1;
    while args.get(end).is_some_and(|t| is_phone_token(t, false)) {
        end += 1;
    }
    if args.get(end).is_some_and(|t| !opens_quote(t) && !t.starts_with('#')) {
        return None;
    }
    let joined = args[i..end].concat();
    // More digits than any phone: not worth handing to the phone parser. Fewer than a full
    // number: the phone parser would prefix the country code and accept it (`12345`).
    if !(MIN_PHONE_DIGITS..=17).contains(&digit_count(&joined)) {
        return None;
    }
    Phone::parse_in_market(&joined, country_code).ok().map(|p| (p, end))
}

// ---------------------------------------------------------------------------------------
// quotes

/// The closing quotes that may end a description opened by `open`. Lenient about pairing,
/// because phone keyboards pick the curly forms on their own.
fn closers(open: char) -> Option<&'static [char]> {
    Some(match open {
        '"' | '“' | '”' => &['"', '“', '”'],
        '„' => &['“', '”', '"'],
        '«' => &['»'],
        '»' => &['«'],
        '‘' | '’' => &['’', '‘'],
        '‚' => &['‘', '’'],
        '\'' => &['\'', '’'],
        _ => return None,
    })
}

fn opens_quote(token: &str) -> bool {
    token.chars().next().and_then(closers).is_some()
}

/// A description in quotes at the start of `text`: what is inside, and what follows the
/// closing quote. The closing quote is the last one that ends a word, so inner quotes and
/// apostrophes (`"Cafe "Moka""`, `‘Joe’s cafe’`) stay in the description.
fn split_quoted(text: &str) -> Option<(&str, &str)> {
    let open = text.chars().next()?;
    let closers = closers(open)?;
    let body = &text[open.len_utf8()..];
    let (at, close) = body.char_indices().rev().find(|&(at, c)| {
        closers.contains(&c)
            && body[at + c.len_utf8()..].chars().next().is_none_or(|n| n.is_whitespace() || n == '#')
    })?;
    Some((&body[..at], &body[at + close.len_utf8()..]))
}

/// `"Cafea #cafea`: a double quote that was opened and never closed is dropped. A single one
/// is kept, since it is more likely an apostrophe.
fn strip_unmatched_quote(text: &str) -> &str {
    match text.chars().next() {
        Some(c @ ('"' | '“' | '”' | '„' | '«' | '»')) => &text[c.len_utf8()..],
        _ => text,
    }
}
