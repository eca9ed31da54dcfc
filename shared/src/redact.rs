//! Keeping phone and account numbers out of logs and operator views.

/// Replaces every run of at least `min_digits` ASCII digits with `•`, one per digit, so that
/// a number's length stays visible but not its value. Error codes (131047) and amounts are
/// shorter than the runs callers mask.
pub fn mask_digit_runs(text: &str, min_digits: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= min_digits {
            out.extend(std::iter::repeat_n('•', run.len()));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Like [`mask_digit_runs`], but a number may be written in groups (`+373 69 123 456`,
/// `069-123-456`, `(069) 123.456`): digits joined by single spaces, dashes, dots or brackets
/// count as one run.
pub fn mask_phone_numbers(text: &str, min_digits: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut masked = chars.clone();
    let is_joiner = |c: char| matches!(c, ' ' | '-' | '.' | '(' | ')');
    let mut i = 0;
    while i < chars.len() {
        let opens_group = chars[i] == '(' && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !chars[i].is_ascii_digit() && !opens_group {
            i += 1;
            continue;
        }
        // Grouping is only read as one number when it starts like a phone does (`+`, `0`,
        // `(`): `pay 50 069123456` keeps its amount.
        let grouped = opens_group || chars[i] == '0' || (i > 0 && chars[i - 1] == '+');
        let (start, mut end, mut digits, mut j) = (i, i + 1, 0, i);
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                end = j + 1;
                j += 1;
                continue;
            }
            // Up to two joiners (`) `, ` (`) between digit groups.
            let mut k = j;
            while k < chars.len() && k - j < 2 && is_joiner(chars[k]) {
                k += 1;
            }
            let joined = k > j
                && (grouped || !chars[j..k].contains(&' '))
                && chars.get(k).is_some_and(char::is_ascii_digit);
            if !joined {
                break;
            }
            j = k;
        }
        if digits >= min_digits {
            for c in &mut masked[start..end] {
                if c.is_ascii_digit() {
                    *c = '•';
                }
            }
        }
        i = end.max(start + 1);
    }
    masked.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::{mask_digit_runs, mask_phone_numbers};

    #[test]
    fn masks_grouped_numbers_but_not_amounts() {
        assert_eq!(mask_phone_numbers("/rtp 100 +373 69 123 456 x", 6), "/rtp 100 +••• •• ••• ••• x");
        assert_eq!(mask_phone_numbers("pay 100 50", 6), "pay 100 50");
        assert_eq!(mask_phone_numbers("SENDD 50 0244123456", 6), "SENDD 50 ••••••••••");
        assert_eq!(mask_phone_numbers("069 123 456", 6), "••• ••• •••");
        assert_eq!(mask_phone_numbers("call (069) 123-456", 6), "call (•••) •••-•••");
    }

    #[test]
    fn masks_long_runs_only() {
        assert_eq!(mask_digit_runs("to 37369123456, code 131047", 8), "to •••••••••••, code 131047");
        assert_eq!(mask_digit_runs("SENDD 50 0244123456", 6), "SENDD 50 ••••••••••");
        assert_eq!(mask_digit_runs("", 6), "");
    }
}
