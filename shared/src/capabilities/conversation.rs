//! What the core answers itself, and the answer a turn builds: replies with stable ids.

use crate::domain::{InboundMessage, Locale, Phone};
use crate::i18n::Catalog;
use crate::outbound::OutboundJob;
use crate::ports::{ListRow, ListSection, OutboundContent, OutboundMessage};

/// The core's own list rows (the language list) are `core:<…>`.
pub const CORE_NAMESPACE: &str = "core";

/// A list row's id: `<namespace>:<id>`, so a reply reaches the capability that sent the list.
pub fn row_id(namespace: &str, id: &str) -> String {
    format!("{namespace}:{id}")
}

/// `(namespace, id)` of a row id.
pub fn split_row_id(row: &str) -> Option<(&str, &str)> {
    row.split_once(':')
}

/// The replies of one turn, in order, each with an id stable across retries of the message.
pub struct Answer {
    message_id: String,
    business_number_id: String,
    to: Phone,
    locale: Locale,
    jobs: Vec<OutboundJob>,
    /// Answers are numbered on their own: their ids must not depend on how many waiting
    /// updates went out before them, or a retry would send an answer twice.
    answers: usize,
}

impl Answer {
    pub fn new(message: &InboundMessage, to: Phone, locale: Locale) -> Answer {
        Answer {
            message_id: message.id.clone(),
            business_number_id: message.business_number_id.clone(),
            to,
            locale,
            jobs: Vec::new(),
            answers: 0,
        }
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The conversation's language changed in this turn: the rest of it speaks `locale`.
    pub fn set_locale(&mut self, locale: Locale) {
        self.locale = locale;
    }

    pub fn to(&self) -> &Phone {
        &self.to
    }

    pub fn reply(&mut self, content: OutboundContent) {
        self.jobs.push(OutboundJob {
            id: format!("{}:{}", self.message_id, self.answers),
            message: OutboundMessage {
                business_number_id: self.business_number_id.clone(),
                to: self.to.clone(),
                content,
            },
            notices: Vec::new(),
        });
        self.answers += 1;
    }

    /// A job with its own id (a waiting update delivered before the answer).
    pub fn push(&mut self, job: OutboundJob) {
        self.jobs.push(job);
    }

    pub fn jobs(&self) -> &[OutboundJob] {
        &self.jobs
    }
}

/// The language list: each language by its own name, whatever the current locale.
pub fn language_picker(locale: Locale) -> OutboundContent {
    let catalog = Catalog::global();
    OutboundContent::List {
        body: catalog.text(locale, "lang-prompt", &[]),
        button: catalog.text(locale, "lang-button", &[]),
        sections: vec![ListSection {
            title: Some(catalog.text(locale, "lang-section", &[])),
            rows: Locale::ALL
                .into_iter()
                .map(|l| ListRow {
                    id: row_id(CORE_NAMESPACE, &format!("lang:{}", l.code())),
                    title: catalog.text(l, "language-name", &[]),
                    description: None,
                })
                .collect(),
        }],
    }
}

/// The locale a core row picks, if it is a language row.
pub fn picked_language(core_row: &str) -> Option<Locale> {
    core_row.strip_prefix("lang:").and_then(Locale::parse)
}

pub fn language_changed(locale: Locale) -> OutboundContent {
    OutboundContent::Text { body: Catalog::global().text(locale, "lang-changed", &[]) }
}
