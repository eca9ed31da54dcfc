//! Telling what reached a seller, from the outside: every message the Cloud API sandbox
//! accepted is matched against what the product itself would render for each payment and
//! final state (its own notice and template builder, so the run follows the product's
//! wording rather than copies of it).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use paybot::capabilities::seller::updates::{UPDATE_TEMPLATE, notice};
use paybot::domain::{LinkState, Locale, PaymentLink};
use paybot::i18n::format_amount;
use paybot::ports::{Notice, OutboundContent};
use sandboxes::cloud_api::SentMessage;
use serde_json::Value;
use templates::TemplatesSettings;

pub const FINAL_STATES: [LinkState; 4] =
    [LinkState::Success, LinkState::Failed, LinkState::Declined, LinkState::Expired];

/// How an update reached the seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    FreeForm,
    Template,
    Digest,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::FreeForm => "free-form",
            Channel::Template => "template",
            Channel::Digest => "digest",
        }
    }
}

/// What one accepted message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recognised {
    /// Updates of (payment index, state), with how they came.
    Updates(Channel, Vec<(usize, LinkState)>),
    /// The answer to `pay`: the checkout link of this miaPOS payment.
    CheckoutReply(String),
    /// A digest or update template that names a payment or state this run does not know.
    UnknownTemplate(String),
    Other,
}

/// The notice of `link` had it reached `state`, with the payer's bank `bank`.
fn candidate(
    link: &PaymentLink,
    state: LinkState,
    bank: Option<&str>,
    locale: Locale,
    at: DateTime<Utc>,
) -> Notice {
    let mut link = link.clone();
    link.state = state;
    link.payer_bank = bank.map(str::to_owned);
    notice(&link, locale, at)
}

/// Every rendering of every payment's possible updates.
pub struct Catalogue {
    /// (recipient wa_id, text) → (payment, state)
    texts: HashMap<(String, String), (usize, LinkState)>,
    /// (recipient wa_id, body parameters of the update template) → (payment, state)
    updates: HashMap<(String, Vec<String>), (usize, LinkState)>,
    /// (recipient wa_id, amount as the digest shows it) → payment
    amounts: HashMap<(String, String), usize>,
    /// The status words of the templates, by locale.
    words: HashMap<Locale, Vec<(String, LinkState)>>,
    locales: HashMap<String, Locale>,
    update_template: String,
    digest_template: String,
    /// Renderings shared by two candidates (the matching would be ambiguous).
    pub collisions: Vec<String>,
}

/// One payment as the catalogue needs it: the bot's link, its seller's locale, the rail's
/// payer bank.
pub struct Entry<'a> {
    pub index: usize,
    pub link: &'a PaymentLink,
    pub locale: Locale,
    pub payer_bank: Option<&'a str>,
}

impl Catalogue {
    pub fn build<'a>(entries: impl IntoIterator<Item = Entry<'a>>) -> Catalogue {
        let settings = TemplatesSettings::default();
        let mut catalogue = Catalogue {
            texts: HashMap::new(),
            updates: HashMap::new(),
            amounts: HashMap::new(),
            words: HashMap::new(),
            locales: HashMap::new(),
            update_template: UPDATE_TEMPLATE.to_owned(),
            digest_template: settings.digest_template.clone(),
            collisions: Vec::new(),
        };
        let at = Utc::now();
        for entry in entries {
            let to = entry.link.seller.wa_id().to_owned();
            catalogue.locales.insert(to.clone(), entry.locale);
            // As the digest shows it: on one line, every space a plain one.
            let amount = one_line(&format_amount(&entry.link.amount, entry.locale));
            if catalogue.amounts.insert((to.clone(), amount.clone()), entry.index).is_some() {
                catalogue.collisions.push(format!("two payments of one seller show as {amount}"));
            }
            for state in FINAL_STATES {
                // A paid update names the payer's bank when the rail gave one; both forms are
                // accepted, in case a path carries the update without it.
                let banks: &[Option<&str>] = match (state, entry.payer_bank) {
                    (LinkState::Success, Some(bank)) => &[Some(bank), None],
                    _ => &[None],
                };
                for bank in banks {
                    let item = candidate(entry.link, state, *bank, entry.locale, at);
                    let text = item.text.render(entry.locale);
                    if let Some(previous) = catalogue.texts.insert((to.clone(), text), (entry.index, state))
                        && previous != (entry.index, state)
                    {
                        catalogue.collisions.push(format!("one text for two updates: {previous:?}"));
                    }
                    if let OutboundContent::Template { body_parameters, .. } =
                        templates::schedule::template(&settings, std::slice::from_ref(&item), entry.locale)
                    {
                        let words = catalogue.words.entry(entry.locale).or_default();
                        if let Some(word) = body_parameters.first()
                            && !words.iter().any(|(_, s)| *s == state)
                        {
                            words.push((one_line(word), state));
                        }
                        catalogue.updates.insert((to.clone(), body_parameters), (entry.index, state));
                    }
                }
            }
        }
        catalogue
    }

    pub fn recognise(&self, message: &SentMessage) -> Recognised {
        let to = message.to.trim_start_matches('+').to_owned();
        match message.kind() {
            "text" => {
                let Some(text) = message.text() else { return Recognised::Other };
                if let Some(&(index, state)) = self.texts.get(&(to, text.to_owned())) {
                    return Recognised::Updates(Channel::FreeForm, vec![(index, state)]);
                }
                match checkout_payment_id(text) {
                    Some(id) => Recognised::CheckoutReply(id.to_owned()),
                    None => Recognised::Other,
                }
            }
            "template" => {
                let name = message.body.pointer("/template/name").and_then(Value::as_str).unwrap_or_default();
                let parameters = body_parameters(&message.body);
                if name == self.update_template {
                    return match self.updates.get(&(to, parameters.clone())) {
                        Some(&(index, state)) => Recognised::Updates(Channel::Template, vec![(index, state)]),
                        None => Recognised::UnknownTemplate(format!("{name} {parameters:?}")),
                    };
                }
                if name == self.digest_template {
                    return match self.digest(&to, &parameters) {
                        Some(updates) => Recognised::Updates(Channel::Digest, updates),
                        None => Recognised::UnknownTemplate(format!("{name} {parameters:?}")),
                    };
                }
                Recognised::UnknownTemplate(name.to_owned())
            }
            _ => Recognised::Other,
        }
    }

    /// `[count, "<amount> <status word> · <amount> <status word> · …"]`.
    fn digest(&self, to: &str, parameters: &[String]) -> Option<Vec<(usize, LinkState)>> {
        let [count, summary] = parameters else { return None };
        let locale = self.locales.get(to)?;
        let words = self.words.get(locale)?;
        let mut updates = Vec::new();
        for piece in summary.split(" · ") {
            let piece = one_line(piece);
            let (amount, state) = words.iter().find_map(|(word, state)| {
                piece.strip_suffix(word.as_str()).and_then(|rest| rest.strip_suffix(' ')).map(|a| (a, *state))
            })?;
            let index = *self.amounts.get(&(to.to_owned(), amount.to_owned()))?;
            updates.push((index, state));
        }
        (count.parse::<usize>().ok() == Some(updates.len())).then_some(updates)
    }
}

/// What the template sender does to a parameter: whitespace runs (no-break spaces included)
/// become one plain space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn body_parameters(body: &Value) -> Vec<String> {
    body.pointer("/template/components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("type").and_then(Value::as_str) == Some("body"))
        .flat_map(|c| c.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|p| p.get("text").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// The miaPOS payment id in a checkout link (`…/checkout?paymentId=<id>`).
pub fn checkout_payment_id(text: &str) -> Option<&str> {
    let start = text.find("paymentId=")? + "paymentId=".len();
    let rest = &text[start..];
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|id| !id.is_empty())
}

/// The verdict on one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Final at the bot and on the rail, the same state, told to the seller once.
    Delivered,
    /// Final and agreed, never told.
    Lost,
    /// Final and agreed, told more than once.
    Duplicated,
    /// The bot and the rail disagree, or the seller was told another final state.
    Contradicting,
    /// Not final at the bot or on the rail when the run ended.
    Unfinished,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Delivered => "delivered",
            Verdict::Lost => "lost",
            Verdict::Duplicated => "duplicated",
            Verdict::Contradicting => "contradicting",
            Verdict::Unfinished => "unfinished",
        }
    }
}

/// `bot`: the link's state at the end; `rail`: the payment's status on the rail (`None`:
/// the rail does not know it); `deliveries`: the final states the seller was told for this
/// payment, one per message.
pub fn verdict(bot: LinkState, rail: Option<LinkState>, deliveries: &[LinkState]) -> Verdict {
    match (bot.is_final(), rail.filter(|s| s.is_final())) {
        // Another final state than the rail's, or final on its own while the rail still
        // holds the payment open.
        (true, Some(rail)) if rail != bot => Verdict::Contradicting,
        (true, None) => Verdict::Contradicting,
        (true, Some(state)) => {
            if deliveries.iter().any(|d| *d != state) {
                Verdict::Contradicting
            } else {
                match deliveries.len() {
                    0 => Verdict::Lost,
                    1 => Verdict::Delivered,
                    _ => Verdict::Duplicated,
                }
            }
        }
        // Final on the rail, and the bot never learned it.
        (false, Some(_)) if deliveries.is_empty() => Verdict::Lost,
        (false, _) if !deliveries.is_empty() => Verdict::Contradicting,
        (false, _) => Verdict::Unfinished,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        use LinkState::*;
        assert_eq!(verdict(Success, Some(Success), &[Success]), Verdict::Delivered);
        assert_eq!(verdict(Success, Some(Success), &[]), Verdict::Lost);
        assert_eq!(verdict(Success, Some(Success), &[Success, Success]), Verdict::Duplicated);
        assert_eq!(verdict(Expired, Some(Success), &[Expired]), Verdict::Contradicting);
        assert_eq!(verdict(Success, Some(Success), &[Expired, Success]), Verdict::Contradicting);
        assert_eq!(verdict(Created, Some(Created), &[]), Verdict::Unfinished);
        assert_eq!(verdict(Expired, Some(Created), &[Expired]), Verdict::Contradicting);
        assert_eq!(verdict(Created, Some(Created), &[Expired]), Verdict::Contradicting);
        assert_eq!(verdict(Created, Some(Success), &[]), Verdict::Lost);
        assert_eq!(verdict(Created, Some(Success), &[Success]), Verdict::Contradicting);
        assert_eq!(verdict(Created, None, &[]), Verdict::Unfinished);
    }

    #[test]
    fn checkout_ids() {
        assert_eq!(checkout_payment_id("Link: http://x/checkout?paymentId=ab-12 ok"), Some("ab-12"));
        assert_eq!(checkout_payment_id("no link"), None);
    }
}
