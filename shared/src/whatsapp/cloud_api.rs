//! The WhatsApp Cloud API send endpoint: [`CloudApiClient`] implements [`WhatsAppSender`],
//! and its media endpoint ([`MediaUploader`]).
//!
//! `POST {api_base}/{business_number_id}/messages` with the bearer token, bodies as Meta
//! documents them (`reference/whatsapp-cloud-api.md`); `POST {api_base}/{business_number_id}/media`
//! (multipart) for a document's file, whose media id a document message then names. Meta's limits are checked before a
//! request is made: a message over them is a bug on our side, and sending it would only earn
//! an error 100 after a round trip. Errors are told apart by `error.code`, never by text.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};
use thiserror::Error;

use crate::config::Secret;
use crate::ports::{MediaFile, MediaUploader, OutboundContent, OutboundMessage, SendError, WhatsAppSender};

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Below the outbound queue's visibility timeout, so a hung request is retried by the
/// function's own backoff rather than by a redelivery.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Meta's message limits, counted in characters (Unicode scalar values). The defaults are
/// Meta's published figures; they are configuration because Meta changes them now and then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageLimits {
    pub text_body: usize,
    pub interactive_body: usize,
    pub list_button: usize,
    pub section_title: usize,
    pub row_title: usize,
    pub row_description: usize,
    /// Rows of all sections together.
    pub rows_total: usize,
    pub sections: usize,
    pub row_id: usize,
    /// A media message's caption.
    pub caption: usize,
    /// A document's file name.
    pub filename: usize,
    /// The largest file the media endpoint takes for a document (Meta: 100 MB).
    pub document_bytes: usize,
}

impl Default for MessageLimits {
    fn default() -> Self {
        MessageLimits {
            text_body: 4096,
            interactive_body: 1024,
            list_button: 20,
            section_title: 24,
            row_title: 24,
            row_description: 72,
            rows_total: 10,
            sections: 10,
            row_id: 200,
            caption: 1024,
            filename: 240,
            document_bytes: 100 * 1024 * 1024,
        }
    }
}

/// Why a message breaks Meta's rules. The fields name the JSON path, never the content, so
/// the error can be logged.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LimitError {
    #[error("{field} must not be empty")]
    Empty { field: String },
    #[error("{field} is {actual} characters long (max {max})")]
    TooLong { field: String, max: usize, actual: usize },
    #[error("a list has at most {max} {what}; this one has {actual}")]
    TooMany { what: &'static str, max: usize, actual: usize },
    #[error("{field} is required when a list has more than one section")]
    MissingSectionTitle { field: String },
    #[error("{field} repeats another row's id; row ids must be unique")]
    DuplicateRowId { field: String },
    /// Meta refuses such template parameters (error 132018): callers flatten the text first.
    #[error("{field} cannot contain new lines, tabs or more than 4 consecutive spaces")]
    TemplateParameter { field: String },
    #[error("the business number id must be Meta's phone number id (letters, digits, _ or -)")]
    BusinessNumberId,
}

impl From<LimitError> for SendError {
    fn from(error: LimitError) -> SendError {
        SendError::Permanent { code: None, detail: format!("refused before sending: {error}") }
    }
}

/// Checks a message against Meta's limits and rules without sending it.
pub fn check_limits(content: &OutboundContent, limits: &MessageLimits) -> Result<(), LimitError> {
    match content {
        OutboundContent::Text { body } => text_field(body, "text.body", limits.text_body),
        OutboundContent::List { body, button, sections } => {
            text_field(body, "interactive.body.text", limits.interactive_body)?;
            text_field(button, "interactive.action.button", limits.list_button)?;
            if sections.is_empty() {
                return Err(LimitError::Empty { field: "interactive.action.sections".into() });
            }
            if sections.len() > limits.sections {
                return Err(LimitError::TooMany {
                    what: "sections",
                    max: limits.sections,
                    actual: sections.len(),
                });
            }
            let rows_total: usize = sections.iter().map(|s| s.rows.len()).sum();
            if rows_total > limits.rows_total {
                return Err(LimitError::TooMany { what: "rows", max: limits.rows_total, actual: rows_total });
            }
            let mut ids = std::collections::HashSet::new();
            for (i, section) in sections.iter().enumerate() {
                match &section.title {
                    Some(title) => text_field(title, &format!("sections[{i}].title"), limits.section_title)?,
                    None if sections.len() > 1 => {
                        return Err(LimitError::MissingSectionTitle {
                            field: format!("sections[{i}].title"),
                        });
                    }
                    None => {}
                }
                if section.rows.is_empty() {
                    return Err(LimitError::Empty { field: format!("sections[{i}].rows") });
                }
                for (j, row) in section.rows.iter().enumerate() {
                    let field = |name: &str| format!("sections[{i}].rows[{j}].{name}");
                    text_field(&row.id, &field("id"), limits.row_id)?;
                    if !ids.insert(row.id.as_str()) {
                        return Err(LimitError::DuplicateRowId { field: field("id") });
                    }
                    text_field(&row.title, &field("title"), limits.row_title)?;
                    if let Some(description) = &row.description {
                        text_field(description, &field("description"), limits.row_description)?;
                    }
                }
            }
            Ok(())
        }
        OutboundContent::Template { name, language, body_parameters } => {
            non_empty(name, "template.name")?;
            non_empty(language, "template.language.code")?;
            for (i, parameter) in body_parameters.iter().enumerate() {
                let field = format!("template body parameters[{i}]");
                non_empty(parameter, &field)?;
                if parameter.contains(['\n', '\t']) || parameter.contains("     ") {
                    return Err(LimitError::TemplateParameter { field });
                }
            }
            Ok(())
        }
        OutboundContent::Document { media_id, filename, caption } => {
            non_empty(media_id, "document.id")?;
            text_field(filename, "document.filename", limits.filename)?;
            if let Some(caption) = caption {
                text_field(caption, "document.caption", limits.caption)?;
            }
            Ok(())
        }
    }
}

fn non_empty(text: &str, field: &str) -> Result<(), LimitError> {
    if text.trim().is_empty() {
        return Err(LimitError::Empty { field: field.to_owned() });
    }
    Ok(())
}

/// Required, and at most `max` characters: Meta counts Unicode scalar values, so a Cyrillic
/// title has as much room as a Latin one.
fn text_field(text: &str, field: &str, max: usize) -> Result<(), LimitError> {
    non_empty(text, field)?;
    let actual = text.chars().count();
    if actual > max {
        return Err(LimitError::TooLong { field: field.to_owned(), max, actual });
    }
    Ok(())
}

/// The request body Meta expects for `message`.
pub fn message_body(message: &OutboundMessage) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        // The full number goes into the request only; logs get the masked `Display`.
        "to": message.to.wa_id(),
    });
    let (kind, object) = match &message.content {
        // The bot's links are its payment checkout pages: the preview shows the merchant.
        OutboundContent::Text { body } => ("text", json!({"body": body, "preview_url": true})),
        OutboundContent::List { body, button, sections } => {
            let sections: Vec<Value> = sections
                .iter()
                .map(|section| {
                    let rows: Vec<Value> = section
                        .rows
                        .iter()
                        .map(|row| {
                            let mut value = json!({"id": row.id, "title": row.title});
                            if let Some(description) = &row.description {
                                value["description"] = json!(description);
                            }
                            value
                        })
                        .collect();
                    let mut value = json!({"rows": rows});
                    if let Some(title) = &section.title {
                        value["title"] = json!(title);
                    }
                    value
                })
                .collect();
            (
                "interactive",
                json!({
                    "type": "list",
                    "body": {"text": body},
                    "action": {"button": button, "sections": sections},
                }),
            )
        }
        OutboundContent::Template { name, language, body_parameters } => {
            let mut template = json!({"name": name, "language": {"code": language}});
            // A template without variables takes no components; an empty body component
            // would not match the approved template.
            if !body_parameters.is_empty() {
                let parameters: Vec<Value> =
                    body_parameters.iter().map(|text| json!({"type": "text", "text": text})).collect();
                template["components"] = json!([{"type": "body", "parameters": parameters}]);
            }
            ("template", template)
        }
        OutboundContent::Document { media_id, filename, caption } => {
            let mut document = json!({"id": media_id, "filename": filename});
            if let Some(caption) = caption {
                document["caption"] = json!(caption);
            }
            ("document", document)
        }
    };
    body["type"] = json!(kind);
    body[kind] = object;
    body
}

/// Sorts a Cloud API error into what the caller should do, by Meta's code first and by the
/// HTTP status when the code says nothing about retrying.
pub fn classify_error(http_status: u16, code: Option<i64>, detail: String) -> SendError {
    match code {
        Some(131047) => SendError::WindowClosed,
        // Throttling (throughput, pair rate, app and account limits) and Meta's transient
        // failures: the same request succeeds later.
        Some(130429 | 131056 | 4 | 80007 | 131000 | 131016) => SendError::Retryable { code, detail },
        _ if http_status >= 500 => SendError::Retryable { code, detail },
        // A 429 without a code is still throttling.
        None if http_status == 429 => SendError::Retryable { code, detail },
        _ => SendError::Permanent { code, detail },
    }
}

#[derive(Debug, Deserialize)]
struct SuccessBody {
    #[serde(default)]
    messages: Vec<SentId>,
}

#[derive(Debug, Deserialize)]
struct SentId {
    id: String,
}

#[derive(Debug, Deserialize)]
struct UploadedBody {
    id: String,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: GraphError,
}

#[derive(Debug, Deserialize)]
struct GraphError {
    code: Option<i64>,
    message: Option<String>,
    error_subcode: Option<i64>,
    error_data: Option<ErrorData>,
    fbtrace_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorData {
    details: Option<String>,
}

/// The longest error detail kept: enough for the operator, bounded for logs and queues.
const MAX_DETAIL_CHARS: usize = 400;

/// Meta's message and details for the operator, with long digit runs masked in case Meta
/// echoes a phone number.
fn error_detail(http_status: u16, error: Option<&GraphError>, raw: &[u8]) -> String {
    let mut detail = format!("HTTP {http_status}");
    match error {
        Some(error) => {
            if let Some(message) = &error.message {
                detail.push_str(": ");
                detail.push_str(message);
            }
            if let Some(subcode) = error.error_subcode {
                detail.push_str(&format!(" (subcode {subcode})"));
            }
            if let Some(details) = error.error_data.as_ref().and_then(|d| d.details.as_deref()) {
                detail.push_str(" — ");
                detail.push_str(details);
            }
            if let Some(trace) = &error.fbtrace_id {
                detail.push_str(&format!(" [fbtrace_id {trace}]"));
            }
        }
        None if !raw.is_empty() => {
            detail.push_str(": ");
            detail.push_str(&String::from_utf8_lossy(&raw[..raw.len().min(MAX_DETAIL_CHARS)]));
        }
        None => {}
    }
    crate::redact::mask_digit_runs(&detail, 8).chars().take(MAX_DETAIL_CHARS).collect()
}

/// Phone number ids are digits on Meta; anything that could change the URL's path is refused.
fn valid_business_number_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The Cloud API's send endpoint over HTTPS (reqwest with rustls).
#[derive(Debug, Clone)]
pub struct CloudApiClient {
    http: reqwest::Client,
    api_base: String,
    access_token: Secret,
    limits: MessageLimits,
}

impl CloudApiClient {
    /// `api_base` includes the version (`https://graph.facebook.com/v23.0`); the default
    /// timeouts are 3 s to connect and 10 s in all.
    pub fn new(api_base: &str, access_token: Secret) -> Self {
        Self::with_timeouts(api_base, access_token, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT)
    }

    pub fn with_timeouts(api_base: &str, access_token: Secret, connect: Duration, total: Duration) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .user_agent(concat!("paybot/", env!("CARGO_PKG_VERSION")))
            .build()
            // Fails only when the TLS backend cannot start: the deployment is broken and no
            // message can be sent, so failing the cold start is the honest outcome.
            .expect("the HTTP client (rustls) could not be initialised");
        CloudApiClient {
            http,
            api_base: api_base.trim_end_matches('/').to_owned(),
            access_token,
            limits: MessageLimits::default(),
        }
    }

    pub fn with_limits(mut self, limits: MessageLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> &MessageLimits {
        &self.limits
    }

    fn messages_url(&self, business_number_id: &str) -> String {
        format!("{}/{}/messages", self.api_base, business_number_id)
    }

    fn media_url(&self, business_number_id: &str) -> String {
        format!("{}/{}/media", self.api_base, business_number_id)
    }
}

#[async_trait]
impl MediaUploader for CloudApiClient {
    async fn upload(&self, business_number_id: &str, file: &MediaFile) -> Result<String, SendError> {
        let number = business_number_id;
        if !valid_business_number_id(number) {
            return Err(LimitError::BusinessNumberId.into());
        }
        if file.bytes.is_empty() || file.bytes.len() > self.limits.document_bytes {
            return Err(SendError::Permanent {
                code: None,
                detail: format!(
                    "refused before uploading: a document is 1 to {} bytes, this one {}",
                    self.limits.document_bytes,
                    file.bytes.len()
                ),
            });
        }
        let part = reqwest::multipart::Part::bytes(file.bytes.clone())
            .file_name(file.filename.clone())
            .mime_str(&file.mime_type)
            .map_err(|_| SendError::Permanent { code: None, detail: "invalid MIME type".into() })?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", file.mime_type.clone())
            .part("file", part);
        let response = self
            .http
            .post(self.media_url(number))
            .bearer_auth(self.access_token.expose())
            .multipart(form)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                // An upload that may have reached Meta only leaves an unused media id behind:
                // retrying is safe.
                let detail = format!("upload failed: {}", error.without_url());
                tracing::warn!(business_number_id = number, %detail, "Cloud API media endpoint unreachable");
                return Err(SendError::Retryable { code: None, detail });
            }
        };
        let status = response.status().as_u16();
        let raw = response.bytes().await.map_err(|error| SendError::Retryable {
            code: None,
            detail: format!("HTTP {status}, reading the answer failed: {}", error.without_url()),
        })?;
        if (200..300).contains(&status) {
            return match serde_json::from_slice::<UploadedBody>(&raw).ok().filter(|b| !b.id.is_empty()) {
                Some(body) => {
                    tracing::debug!(business_number_id = number, bytes = file.bytes.len(), "media uploaded");
                    Ok(body.id)
                }
                // Nothing refers to an id we never read: uploading again is harmless.
                None => Err(SendError::Retryable {
                    code: None,
                    detail: format!("uploaded without a media id: {}", error_detail(status, None, &raw)),
                }),
            };
        }
        let error = serde_json::from_slice::<ErrorBody>(&raw).ok().map(|body| body.error);
        let code = error.as_ref().and_then(|e| e.code);
        let outcome = classify_error(status, code, error_detail(status, error.as_ref(), &raw));
        tracing::warn!(business_number_id = number, error = %outcome, "Cloud API media upload failed");
        Err(outcome)
    }
}

#[async_trait]
impl WhatsAppSender for CloudApiClient {
    async fn send(&self, message: &OutboundMessage) -> Result<String, SendError> {
        let number = message.business_number_id.as_str();
        let checked = if valid_business_number_id(number) {
            check_limits(&message.content, &self.limits)
        } else {
            Err(LimitError::BusinessNumberId)
        };
        if let Err(error) = checked {
            tracing::error!(business_number_id = number, to = %message.to, %error, "message refused before sending");
            return Err(error.into());
        }

        let response = self
            .http
            .post(self.messages_url(number))
            .bearer_auth(self.access_token.expose())
            .json(&message_body(message))
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                // Timeouts and connection failures: Meta may or may not have the message;
                // retrying is what Meta advises, at the risk of a rare duplicate.
                let kind = if error.is_timeout() {
                    "timeout"
                } else if error.is_connect() {
                    "connection failed"
                } else {
                    "request failed"
                };
                let detail = format!("{kind}: {}", error.without_url());
                tracing::warn!(business_number_id = number, to = %message.to, %detail, "Cloud API unreachable");
                return Err(SendError::Retryable { code: None, detail });
            }
        };

        let status = response.status().as_u16();
        let raw = match response.bytes().await {
            Ok(raw) => raw,
            Err(error) => {
                let detail = format!("HTTP {status}, reading the answer failed: {}", error.without_url());
                tracing::warn!(business_number_id = number, to = %message.to, %detail, "Cloud API answer lost");
                return Err(if (200..300).contains(&status) {
                    // Meta accepted it: a retry would send it twice.
                    SendError::Permanent { code: None, detail }
                } else {
                    SendError::Retryable { code: None, detail }
                });
            }
        };

        if (200..300).contains(&status) {
            let wamid = serde_json::from_slice::<SuccessBody>(&raw)
                .ok()
                .and_then(|body| body.messages.into_iter().next())
                .map(|sent| sent.id)
                .filter(|id| !id.is_empty());
            return match wamid {
                Some(wamid) => {
                    tracing::debug!(business_number_id = number, to = %message.to, %wamid, "message sent");
                    Ok(wamid)
                }
                None => {
                    // Accepted without an id: retrying would send it twice, so the operator
                    // sees it instead.
                    let detail = error_detail(status, None, &raw);
                    tracing::error!(business_number_id = number, to = %message.to, %detail, "Cloud API accepted the message without an id");
                    Err(SendError::Permanent {
                        code: None,
                        detail: format!("accepted without a message id: {detail}"),
                    })
                }
            };
        }

        let error = serde_json::from_slice::<ErrorBody>(&raw).ok().map(|body| body.error);
        let code = error.as_ref().and_then(|e| e.code);
        let detail = error_detail(status, error.as_ref(), &raw);
        let outcome = classify_error(status, code, detail);
        match &outcome {
            SendError::WindowClosed => {
                tracing::info!(business_number_id = number, to = %message.to, "customer-service window closed")
            }
            SendError::Retryable { code, detail } => {
                tracing::warn!(business_number_id = number, to = %message.to, ?code, %detail, "Cloud API send failed, retryable")
            }
            SendError::Permanent { code, detail } => {
                tracing::error!(business_number_id = number, to = %message.to, ?code, %detail, "Cloud API refused the message")
            }
        }
        Err(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Phone;
    use crate::ports::{ListRow, ListSection};

    fn message(content: OutboundContent) -> OutboundMessage {
        OutboundMessage {
            business_number_id: "106540352242922".into(),
            to: Phone::parse_international("+37369123456").unwrap(),
            content,
        }
    }

    fn row(id: &str, title: &str, description: Option<&str>) -> ListRow {
        ListRow { id: id.into(), title: title.into(), description: description.map(Into::into) }
    }

    fn list(sections: Vec<ListSection>) -> OutboundContent {
        OutboundContent::List { body: "Alege limba".into(), button: "Limba".into(), sections }
    }

    fn rows(n: usize) -> Vec<ListRow> {
        (0..n).map(|i| row(&format!("r{i}"), &format!("Row {i}"), None)).collect()
    }

    #[test]
    fn text_body_is_meta_shaped() {
        let body =
            message_body(&message(OutboundContent::Text { body: "Plătește: https://x.md/p/1".into() }));
        assert_eq!(
            body,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "37369123456",
                "type": "text",
                "text": {"body": "Plătește: https://x.md/p/1", "preview_url": true}
            })
        );
    }

    #[test]
    fn document_body_is_meta_shaped_and_held_to_the_caption_limit() {
        let document = |caption: Option<String>| OutboundContent::Document {
            media_id: "1013859600285441".into(),
            filename: "vypiska-2026-11.pdf".into(),
            caption,
        };
        assert_eq!(
            message_body(&message(document(Some("Выписка за ноябрь 2026".into())))),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "37369123456",
                "type": "document",
                "document": {"id": "1013859600285441", "filename": "vypiska-2026-11.pdf", "caption": "Выписка за ноябрь 2026"}
            })
        );
        let limits = MessageLimits::default();
        assert_eq!(check_limits(&document(None), &limits), Ok(()));
        // Cyrillic counts as one character each, like Latin.
        assert_eq!(check_limits(&document(Some("я".repeat(1024))), &limits), Ok(()));
        assert!(matches!(
            check_limits(&document(Some("я".repeat(1025))), &limits),
            Err(LimitError::TooLong { max: 1024, actual: 1025, .. })
        ));
        let no_id =
            OutboundContent::Document { media_id: " ".into(), filename: "a.pdf".into(), caption: None };
        assert!(matches!(check_limits(&no_id, &limits), Err(LimitError::Empty { .. })));
    }

    #[test]
    fn list_body_is_meta_shaped() {
        let content = list(vec![ListSection {
            title: Some("Limbi".into()),
            rows: vec![row("lang:ro", "Română", Some("Limba română")), row("lang:ru", "Русский", None)],
        }]);
        assert_eq!(
            message_body(&message(content)),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "37369123456",
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "body": {"text": "Alege limba"},
                    "action": {
                        "button": "Limba",
                        "sections": [{
                            "title": "Limbi",
                            "rows": [
                                {"id": "lang:ro", "title": "Română", "description": "Limba română"},
                                {"id": "lang:ru", "title": "Русский"}
                            ]
                        }]
                    }
                }
            })
        );
    }

    #[test]
    fn untitled_single_section_has_no_title_key() {
        let body = message_body(&message(list(vec![ListSection { title: None, rows: rows(1) }])));
        assert_eq!(
            body["interactive"]["action"]["sections"],
            json!([{"rows": [{"id": "r0", "title": "Row 0"}]}])
        );
    }

    #[test]
    fn template_body_is_meta_shaped() {
        let content = OutboundContent::Template {
            name: "payment_paid".into(),
            language: "en_US".into(),
            body_parameters: vec!["100.00 MDL".into(), "Cafea".into()],
        };
        assert_eq!(
            message_body(&message(content)),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "37369123456",
                "type": "template",
                "template": {
                    "name": "payment_paid",
                    "language": {"code": "en_US"},
                    "components": [{"type": "body", "parameters": [
                        {"type": "text", "text": "100.00 MDL"},
                        {"type": "text", "text": "Cafea"}
                    ]}]
                }
            })
        );
    }

    #[test]
    fn template_without_parameters_has_no_components() {
        let content = OutboundContent::Template {
            name: "hello".into(),
            language: "ro".into(),
            body_parameters: vec![],
        };
        assert_eq!(
            message_body(&message(content))["template"],
            json!({"name": "hello", "language": {"code": "ro"}})
        );
    }

    #[test]
    fn limits_accept_the_edges() {
        let limits = MessageLimits::default();
        let ok = [
            OutboundContent::Text { body: "ж".repeat(4096) },
            OutboundContent::List {
                body: "ж".repeat(1024),
                button: "ж".repeat(20),
                sections: vec![ListSection {
                    title: Some("ж".repeat(24)),
                    rows: vec![row(&"i".repeat(200), &"ж".repeat(24), Some(&"ж".repeat(72)))],
                }],
            },
            list(vec![ListSection { title: None, rows: rows(10) }]),
            list(
                (0..10)
                    .map(|i| ListSection {
                        title: Some(format!("S{i}")),
                        rows: vec![row(&format!("r{i}"), "R", None)],
                    })
                    .collect(),
            ),
        ];
        for content in &ok {
            assert_eq!(check_limits(content, &limits), Ok(()));
        }
    }

    #[test]
    fn limits_refuse_what_meta_refuses() {
        let limits = MessageLimits::default();
        let too_long = |field: &str, max: usize, actual: usize| {
            Err(LimitError::TooLong { field: field.into(), max, actual })
        };
        let one = |row: ListRow| list(vec![ListSection { title: None, rows: vec![row] }]);
        let cases: Vec<(OutboundContent, Result<(), LimitError>)> = vec![
            (OutboundContent::Text { body: "ж".repeat(4097) }, too_long("text.body", 4096, 4097)),
            (
                OutboundContent::Text { body: " ".into() },
                Err(LimitError::Empty { field: "text.body".into() }),
            ),
            (
                OutboundContent::List {
                    body: "b".repeat(1025),
                    button: "B".into(),
                    sections: vec![ListSection { title: None, rows: rows(1) }],
                },
                too_long("interactive.body.text", 1024, 1025),
            ),
            (
                OutboundContent::List {
                    body: "b".into(),
                    button: "ж".repeat(21),
                    sections: vec![ListSection { title: None, rows: rows(1) }],
                },
                too_long("interactive.action.button", 20, 21),
            ),
            (one(row("a", &"ж".repeat(25), None)), too_long("sections[0].rows[0].title", 24, 25)),
            (one(row("a", "A", Some(&"d".repeat(73)))), too_long("sections[0].rows[0].description", 72, 73)),
            (one(row(&"i".repeat(201), "A", None)), too_long("sections[0].rows[0].id", 200, 201)),
            (
                list(vec![ListSection { title: Some("ж".repeat(25)), rows: rows(1) }]),
                too_long("sections[0].title", 24, 25),
            ),
            (
                list(vec![ListSection { title: None, rows: rows(11) }]),
                Err(LimitError::TooMany { what: "rows", max: 10, actual: 11 }),
            ),
            (
                list((0..11).map(|i| ListSection { title: Some(format!("S{i}")), rows: vec![] }).collect()),
                Err(LimitError::TooMany { what: "sections", max: 10, actual: 11 }),
            ),
            (
                list(vec![
                    ListSection { title: Some("A".into()), rows: vec![row("a", "A", None)] },
                    ListSection { title: None, rows: vec![row("b", "B", None)] },
                ]),
                Err(LimitError::MissingSectionTitle { field: "sections[1].title".into() }),
            ),
            (list(vec![]), Err(LimitError::Empty { field: "interactive.action.sections".into() })),
            (
                list(vec![ListSection { title: None, rows: vec![] }]),
                Err(LimitError::Empty { field: "sections[0].rows".into() }),
            ),
            (
                list(vec![ListSection { title: None, rows: vec![row("a", "A", None), row("a", "B", None)] }]),
                Err(LimitError::DuplicateRowId { field: "sections[0].rows[1].id".into() }),
            ),
            (
                OutboundContent::Template {
                    name: "t".into(),
                    language: "ro".into(),
                    body_parameters: vec!["two\nlines".into()],
                },
                Err(LimitError::TemplateParameter { field: "template body parameters[0]".into() }),
            ),
            (
                OutboundContent::Template { name: "t".into(), language: "".into(), body_parameters: vec![] },
                Err(LimitError::Empty { field: "template.language.code".into() }),
            ),
        ];
        for (i, (content, expected)) in cases.iter().enumerate() {
            assert_eq!(&check_limits(content, &limits), expected, "case {i}");
        }
    }

    #[test]
    fn limit_errors_are_permanent_without_a_code() {
        let error: SendError = LimitError::TooMany { what: "rows", max: 10, actual: 11 }.into();
        assert!(matches!(error, SendError::Permanent { code: None, .. }));
    }

    #[test]
    fn errors_are_classified_by_code_then_status() {
        let class = |status, code| match classify_error(status, code, String::new()) {
            SendError::WindowClosed => "window",
            SendError::Retryable { .. } => "retry",
            SendError::Permanent { .. } => "permanent",
        };
        assert_eq!(class(400, Some(131047)), "window");
        for code in [130429, 131056, 4, 80007, 131000, 131016] {
            assert_eq!(class(400, Some(code)), "retry", "{code}");
        }
        for code in [131026, 131048, 131049, 131051, 100, 190, 132018] {
            assert_eq!(class(400, Some(code)), "permanent", "{code}");
        }
        assert_eq!(class(500, Some(1)), "retry");
        assert_eq!(class(503, None), "retry");
        assert_eq!(class(429, None), "retry");
        assert_eq!(class(404, None), "permanent");
        assert_eq!(class(401, Some(190)), "permanent");
    }

    #[test]
    fn error_details_keep_meta_text_and_hide_phone_numbers() {
        let error: ErrorBody = serde_json::from_value(json!({"error": {
            "message": "(#131026) Message undeliverable", "type": "OAuthException", "code": 131026,
            "error_data": {"messaging_product": "whatsapp", "details": "Unable to deliver to 37369123456"},
            "fbtrace_id": "AbC"}}))
        .unwrap();
        let detail = error_detail(400, Some(&error.error), b"");
        assert_eq!(
            detail,
            "HTTP 400: (#131026) Message undeliverable — Unable to deliver to ••••••••••• [fbtrace_id AbC]"
        );
    }

    #[test]
    fn business_number_ids_cannot_change_the_path() {
        assert!(valid_business_number_id("106540352242922"));
        for bad in ["", "1/2", "1?x=2", "..", "1 2"] {
            assert!(!valid_business_number_id(bad), "{bad}");
        }
    }
}
