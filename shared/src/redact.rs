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

#[cfg(test)]
mod tests {
    use super::mask_digit_runs;

    #[test]
    fn masks_long_runs_only() {
        assert_eq!(mask_digit_runs("to 37369123456, code 131047", 8), "to •••••••••••, code 131047");
        assert_eq!(mask_digit_runs("SENDD 50 0244123456", 6), "SENDD 50 ••••••••••");
        assert_eq!(mask_digit_runs("", 6), "");
    }
}
