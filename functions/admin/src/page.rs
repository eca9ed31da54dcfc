//! The console's one page: markup, style and script inline (nothing from a CDN), with the
//! console's labels of all five locales and the sign-in method embedded. It holds no data:
//! everything it shows comes from the API with the signed-in identity.

use paybot::domain::Locale;
use paybot::i18n::Catalog;
use serde_json::json;

use crate::settings::ConsoleSettings;

const TEMPLATE: &str = include_str!("page.html");
const CONFIG_SLOT: &str = "/*CONSOLE_CONFIG*/null";

/// The console's labels (`console-*` messages) of `locale`.
pub fn labels(locale: Locale) -> serde_json::Map<String, serde_json::Value> {
    let catalog = Catalog::global();
    catalog
        .message_ids(locale)
        .into_iter()
        .filter(|id| id.starts_with("console-"))
        .map(|id| {
            let text = catalog.text(locale, &id, &[]);
            (id, json!(text))
        })
        .collect()
}

pub fn render(settings: &ConsoleSettings) -> String {
    let labels: serde_json::Map<String, serde_json::Value> =
        Locale::ALL.iter().map(|l| (l.code().to_owned(), json!(labels(*l)))).collect();
    let cognito = settings.cognito.as_ref().map(|c| json!({ "region": c.region, "clientId": c.client_id }));
    let config = json!({ "labels": labels, "cognito": cognito });
    // Inside a <script>: a `</` in a label must not close it.
    let config = config.to_string().replace("</", "<\\/");
    TEMPLATE.replacen(CONFIG_SLOT, &config, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_every_locale_and_no_data() {
        let page = render(&ConsoleSettings::default());
        assert!(!page.contains(CONFIG_SLOT));
        assert!(page.contains("Operator console") && page.contains("Consola operatorului"));
        assert!(page.contains(r#""cognito":null"#));
        assert!(!page.contains("http://") && !page.contains("//cdn"), "nothing loaded from elsewhere");
        for locale in Locale::ALL {
            assert_eq!(labels(locale).len(), labels(Locale::En).len(), "{locale:?}");
        }
    }
}
