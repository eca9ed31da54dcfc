//! The console's pictures as SVG, drawn here from the figures (no script library on the
//! page): command frequency as bars, transactions and volume of the last 30 days as lines,
//! the response-time distribution as bars. Sized by a view box, so they fit a phone.

use std::fmt::Write;

use paybot::domain::Locale;
use paybot::i18n::Catalog;

use crate::figures::{Figures, amount_text, millis_text};

const WIDTH: f64 = 360.0;
const BAR: f64 = 22.0;
const GAP: f64 = 8.0;
const TITLE: f64 = 28.0;
const LABEL: f64 = 96.0;
const COUNT_COLOUR: &str = "#2563eb";
const VOLUME_COLOUR: &str = "#16a34a";

fn label(locale: Locale, id: &str) -> String {
    Catalog::global().text(locale, id, &[])
}

/// Text for inside an SVG element.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn open(out: &mut String, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{t}" font-family="system-ui, sans-serif" font-size="12"><title>{t}</title><text x="0" y="16" font-size="14" font-weight="600">{t}</text>"#,
        t = escape(title)
    );
}

/// Horizontal bars, one row per item: its label, a bar in proportion to the largest value,
/// and the value's text.
pub fn bars(title: &str, items: &[(String, u64, String)]) -> String {
    let height = TITLE + items.len().max(1) as f64 * (BAR + GAP);
    let mut out = String::new();
    open(&mut out, height, title);
    let max = items.iter().map(|(_, v, _)| *v).max().unwrap_or(0).max(1) as f64;
    let room = WIDTH - LABEL - 70.0;
    for (i, (name, value, text)) in items.iter().enumerate() {
        let y = TITLE + i as f64 * (BAR + GAP);
        let width = (*value as f64 / max * room).max(if *value > 0 { 2.0 } else { 0.0 });
        let _ = write!(
            out,
            r#"<text x="0" y="{ty}">{name}</text><rect x="{LABEL}" y="{y}" width="{width:.1}" height="{BAR}" rx="3" fill="{COUNT_COLOUR}"/><text x="{tx:.1}" y="{ty}">{text}</text>"#,
            ty = y + BAR * 0.7,
            name = escape(name),
            tx = LABEL + width + 6.0,
            text = escape(text),
        );
    }
    out.push_str("</svg>");
    out
}

/// Command frequency of the month.
pub fn commands(figures: &Figures, locale: Locale) -> String {
    let items: Vec<_> = figures
        .commands
        .items
        .iter()
        .map(|c| (c.name.to_uppercase(), c.count, format!("{} · {}", c.count, c.share_text)))
        .collect();
    bars(&label(locale, "console-chart-commands"), &items)
}

/// The response-time distribution of the 7 days, one bar per bucket.
pub fn responses(figures: &Figures, locale: Locale) -> String {
    let items: Vec<_> = figures
        .response_buckets
        .iter()
        .map(|(upper, count)| {
            let name = match upper {
                Some(ms) => format!("≤ {}", millis_text(*ms, locale)),
                None => millis_text(u64::MAX, locale),
            };
            (name, *count, count.to_string())
        })
        .collect();
    bars(&label(locale, "console-chart-responses"), &items)
}

/// Transactions (count) and volume of the last 30 days as two lines, each scaled to its own
/// largest day, with the largest values written in the legend.
pub fn transactions(figures: &Figures, locale: Locale) -> String {
    let (top, plot) = (TITLE + 22.0, 150.0);
    let height = top + plot + 22.0;
    let mut out = String::new();
    open(&mut out, height, &label(locale, "console-chart-transactions"));
    let points = &figures.days;
    let max_count = points.iter().map(|p| p.transactions).max().unwrap_or(0);
    let max_volume = points.iter().map(|p| p.volume_minor).max().unwrap_or(0);
    let currency = figures.number.currency;
    let _ = write!(
        out,
        r#"<rect x="0" y="{ly}" width="10" height="10" fill="{COUNT_COLOUR}"/><text x="14" y="{ty}">{count} (max {max_count})</text><rect x="180" y="{ly}" width="10" height="10" fill="{VOLUME_COLOUR}"/><text x="194" y="{ty}">{volume} (max {max_volume})</text>"#,
        ly = TITLE + 2.0,
        ty = TITLE + 11.0,
        count = escape(&label(locale, "console-chart-count")),
        volume = escape(&label(locale, "console-chart-volume")),
        max_volume = escape(&amount_text(max_volume, currency, locale)),
    );
    let _ =
        write!(out, r##"<line x1="0" y1="{b}" x2="{WIDTH}" y2="{b}" stroke="#9ca3af"/>"##, b = top + plot);
    let step = if points.len() > 1 { WIDTH / (points.len() - 1) as f64 } else { 0.0 };
    let line = |values: Vec<f64>, max: f64, colour: &str| {
        let coordinates: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let y = top + plot - if max > 0.0 { v / max * plot } else { 0.0 };
                format!("{:.1},{:.1}", i as f64 * step, y)
            })
            .collect();
        format!(
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            coordinates.join(" ")
        )
    };
    out.push_str(&line(
        points.iter().map(|p| p.transactions as f64).collect(),
        max_count as f64,
        COUNT_COLOUR,
    ));
    out.push_str(&line(
        points.iter().map(|p| p.volume_minor as f64).collect(),
        max_volume as f64,
        VOLUME_COLOUR,
    ));
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = write!(
            out,
            r#"<text x="0" y="{y}">{}</text><text x="{WIDTH}" y="{y}" text-anchor="end">{}</text>"#,
            first.day.format("%d.%m"),
            last.day.format("%d.%m"),
            y = top + plot + 16.0
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_their_text() {
        let svg = bars("A <b> & c", &[("BAL".into(), 4, "4".into()), ("SEND".into(), 2, "2".into())]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("A &lt;b&gt; &amp; c"));
        let room = WIDTH - LABEL - 70.0;
        assert!(svg.contains(&format!(r#"width="{room:.1}""#)), "{svg}");
        assert!(svg.contains(&format!(r#"width="{:.1}""#, room / 2.0)), "{svg}");
        // Nothing to show is still a picture.
        assert!(bars("t", &[]).contains("</svg>"));
    }
}
