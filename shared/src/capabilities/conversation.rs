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

/// What a turn tells the core besides its replies: how the capability read the input (for
/// the human handoff's count of failures in a row and the command frequency) and the money
/// it moved (for the operator's figures).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnFigures {
    /// The canonical name of the command the grammar recognized (`pay`, `BAL`, …).
    pub recognized: Option<String>,
    /// The input was no command the grammar knows (it is in the failed-command log).
    pub unrecognized: bool,
    /// Completed money movements, by amount in minor units of the number's currency.
    pub transactions: Vec<i64>,
    /// Confirmed money movements that could not be made.
    pub failed_transactions: u64,
}

/// The replies of one turn, in order, each with an id stable across retries of the message.
pub struct Answer {
    message_id: String,
    business_number_id: String,
    /// When the webhook received the message answered: carried on each reply for notify's
    /// response time.
    received_at: Option<chrono::DateTime<chrono::Utc>>,
    figures: TurnFigures,
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
            received_at: message.received_at,
            figures: TurnFigures::default(),
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
            inbound_received_at: self.received_at,
        });
        self.answers += 1;
    }

    /// The grammar recognized `command` (its canonical name).
    pub fn recognized(&mut self, command: &str) {
        self.figures.recognized = Some(command.to_owned());
        self.figures.unrecognized = false;
    }

    /// The grammar recognized no command in the input.
    pub fn unrecognized(&mut self) {
        self.figures.recognized = None;
        self.figures.unrecognized = true;
    }

    /// A money movement completed in this turn: `amount_minor` in the number's currency.
    pub fn transaction(&mut self, amount_minor: i64) {
        self.figures.transactions.push(amount_minor);
    }

    /// A confirmed money movement that could not be made.
    pub fn failed_transaction(&mut self) {
        self.figures.failed_transactions += 1;
    }

    pub fn figures(&self) -> &TurnFigures {
        &self.figures
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
