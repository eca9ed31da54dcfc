//! Text as people type it into a chat, shared by every capability's grammar: invisible
//! characters dropped, words folded (case, diacritics), look-alike letters and the wrong
//! keyboard layout undone, typo distances, and amounts read exactly.

use rust_decimal::Decimal;

/// Drops what a user cannot see and did not mean to type: the bidi marks WhatsApp wraps
/// around a copied phone number, zero-width joiners of words, soft hyphens, control
/// characters. A zero-width space still separates words.
pub(crate) fn clean(input: &str) -> String {
    input
        .chars()
        .filter_map(|c| match c {
            '\u{200B}' => Some(' '),
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' => None,
            '\u{FEFF}' | '\u{2060}' | '\u{00AD}' => None,
            c if c.is_control() && !c.is_whitespace() => None,
            c => Some(c),
        })
        .collect()
}

/// Lowercase and strip the diacritics of our five languages, so that a seller whose keyboard
/// has no `ă` or `ü` is not refused. `ё` becomes `е` (Russian writers drop it freely).
pub(crate) fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'ă' | 'â' | 'à' | 'á' | 'ä' => out.push('a'),
            'î' | 'ï' | 'í' => out.push('i'),
            'ș' | 'ş' => out.push('s'),
            'ț' | 'ţ' => out.push('t'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'ô' | 'ö' | 'ó' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ç' => out.push('c'),
            'ß' => out.push_str("ss"),
            'œ' => out.push_str("oe"),
            'ё' => out.push('е'),
            // The combining marks a decomposed `ă` or `ș` leaves behind.
            '\u{0300}'..='\u{036F}' => {}
            c => out.push(c),
        }
    }
    out
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// Cyrillic letters that look like Latin ones, lowercase.
const HOMOGLYPHS: &[(char, char)] = &[
    ('а', 'a'),
    ('е', 'e'),
    ('о', 'o'),
    ('р', 'p'),
    ('с', 'c'),
    ('у', 'y'),
    ('х', 'x'),
    ('к', 'k'),
    ('м', 'm'),
    ('т', 't'),
    ('і', 'i'),
    ('ј', 'j'),
    ('ѕ', 's'),
    ('һ', 'h'),
    ('ԁ', 'd'),
];

/// The readings of a folded word to try: itself, and when it mixes Latin and Cyrillic
/// letters (a seller switching keyboards mid-word: `pаy` with a Cyrillic `а`), the word with
/// the look-alikes turned into one script and then into the other.
pub(crate) fn readings(folded: &str) -> Vec<String> {
    let has_cyrillic = folded.chars().any(is_cyrillic);
    let has_latin = folded.chars().any(|c| c.is_ascii_alphabetic());
    let mut out = vec![folded.to_owned()];
    if has_cyrillic && has_latin {
        let to_latin = folded
            .chars()
            .map(|c| HOMOGLYPHS.iter().find(|(cy, _)| *cy == c).map_or(c, |(_, la)| *la))
            .collect();
        let to_cyrillic = folded
            .chars()
            .map(|c| HOMOGLYPHS.iter().find(|(_, la)| *la == c).map_or(c, |(cy, _)| *cy))
            .collect();
        out.push(to_latin);
        out.push(to_cyrillic);
    }
    out
}

/// ЙЦУКЕН against QWERTY, key by key.
const LAYOUT: &[(char, char)] = &[
    ('q', 'й'),
    ('w', 'ц'),
    ('e', 'у'),
    ('r', 'к'),
    ('t', 'е'),
    ('y', 'н'),
    ('u', 'г'),
    ('i', 'ш'),
    ('o', 'щ'),
    ('p', 'з'),
    ('[', 'х'),
    (']', 'ъ'),
    ('a', 'ф'),
    ('s', 'ы'),
    ('d', 'в'),
    ('f', 'а'),
    ('g', 'п'),
    ('h', 'р'),
    ('j', 'о'),
    ('k', 'л'),
    ('l', 'д'),
    (';', 'ж'),
    ('\'', 'э'),
    ('z', 'я'),
    ('x', 'ч'),
    ('c', 'с'),
    ('v', 'м'),
    ('b', 'и'),
    ('n', 'т'),
    ('m', 'ь'),
    (',', 'б'),
    ('.', 'ю'),
    ('`', 'е'),
];

/// The word as it would have come out on the other keyboard layout (`зфн` → `pay`,
/// `gjvjom` → `помощь`), when every character has a key on it.
pub(crate) fn other_layout(folded: &str) -> Option<String> {
    let cyrillic = folded.chars().any(is_cyrillic);
    folded
        .chars()
        .map(|c| {
            if cyrillic {
                LAYOUT.iter().find(|(_, cy)| *cy == c).map(|(la, _)| *la)
            } else {
                LAYOUT.iter().find(|(la, _)| *la == c).map(|(_, cy)| *cy)
            }
        })
        .collect()
}

/// The keyword a word names only loosely (a typo, the wrong keyboard layout, a synonym): the
/// closest of `exact` and `loose` within the allowed distance. Only ever used to suggest, or
/// for the typo fixes a grammar accepts on purpose.
pub(crate) fn nearest<K: Copy>(word: &str, exact: &[(&str, K)], loose: &[(&str, K)]) -> Option<K> {
    let folded = fold(word);
    let len = folded.chars().count();
    // Long words are text, not mistyped commands; the bound also keeps the work constant.
    if len == 0 || len > 24 {
        return None;
    }
    if let Some(swapped) = other_layout(&folded)
        && let Some(k) = exact.iter().find(|(alias, _)| *alias == swapped).map(|(_, k)| *k)
    {
        return Some(k);
    }
    let mut best: Option<(usize, K)> = None;
    for reading in readings(&folded) {
        let reading: Vec<char> = reading.chars().collect();
        for (candidate, keyword) in exact.iter().chain(loose) {
            let candidate: Vec<char> = candidate.chars().collect();
            let distance = osa_distance(&reading, &candidate);
            if distance <= allowed_distance(reading.len(), candidate.len())
                && best.as_ref().is_none_or(|(d, _)| distance < *d)
            {
                best = Some((distance, *keyword));
            }
        }
    }
    best.map(|(_, k)| k)
}

/// How many edits still count as the same word. Scaled by the shorter word so that `pa`
/// finds `pay` but two-letter words are not all near some keyword, and four-letter ones do
/// not wander too far (`send` is two edits from `menu`).
fn allowed_distance(a: usize, b: usize) -> usize {
    match a.min(b) {
        0..=1 => 0,
        2..=4 => 1,
        _ => 2,
    }
}

/// Damerau-Levenshtein distance, optimal-string-alignment variant: insertions, deletions,
/// substitutions and transpositions of adjacent letters (`lnag` → `lang` is one edit).
pub(crate) fn osa_distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// More integer digits than any cap can have; beyond this a number is "above the cap"
/// without being converted (a 10 KB run of digits must not reach `Decimal`).
const MAX_INTEGER_DIGITS: usize = 20;

pub(crate) fn is_minus(c: char) -> bool {
    // U+2212 is what some keyboards and autocorrect produce for a minus sign.
    c == '-' || c == '\u{2212}'
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NumberError {
    Invalid,
    TooManyDecimals,
    NotPositive,
    Huge,
}

/// Digits, at most one `,` or `.`, at most `minor_units` decimals as written. A trailing
/// separator (`100.`, `100,-` as prices are written in German) reads as a whole amount.
pub(crate) fn number(written: &str, minor_units: u32) -> Result<Decimal, NumberError> {
    let (negative, body) = match written.chars().next() {
        Some(c) if is_minus(c) => (true, &written[c.len_utf8()..]),
        _ => (false, written),
    };
    let body = body.strip_suffix(",-").or_else(|| body.strip_suffix(".-")).unwrap_or(body);
    let (integer, fraction) = match body.find(['.', ',']) {
        Some(at) => (&body[..at], &body[at + 1..]),
        None => (body, ""),
    };
    if integer.is_empty()
        || !integer.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(NumberError::Invalid);
    }
    if fraction.len() > minor_units as usize {
        return Err(NumberError::TooManyDecimals);
    }
    let significant = integer.trim_start_matches('0');
    let is_zero = significant.is_empty() && fraction.bytes().all(|b| b == b'0');
    if negative || is_zero {
        return Err(NumberError::NotPositive);
    }
    if significant.len() > MAX_INTEGER_DIGITS {
        return Err(NumberError::Huge);
    }
    // At most 20 + minor-unit digits: well inside i128 and Decimal's 96-bit mantissa.
    let mantissa: i128 = format!("{significant}{fraction}").parse().map_err(|_| NumberError::Invalid)?;
    Decimal::try_from_i128_with_scale(mantissa, fraction.len() as u32).map_err(|_| NumberError::Huge)
}
