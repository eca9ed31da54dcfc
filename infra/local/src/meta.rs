//! What Meta would POST to the webhook when a user writes, or when one of the bot's messages
//! changes status: the exact notification shape, serialised as Meta does (non-ASCII escaped
//! as `\uXXXX`) and signed with the app secret.
//!
//! The simulator goes through this instead of calling the command flow directly, so that
//! what a person types on the page takes the same path as a message from a real phone:
//! signature, parsing, window, inbound queue.

use std::io;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::Rng;
use serde::Serialize;

/// The WhatsApp Business Account id in simulated notifications (`entry[].id`); the bot
/// routes on `phone_number_id`, never on this.
pub const LOCAL_WABA_ID: &str = "100000000000001";

/// What the simulated user sends.
#[derive(Debug, Clone)]
pub enum UserInput {
    Text { body: String },
    ListReply { id: String, title: String, description: Option<String> },
    ButtonReply { id: String, title: String },
}

/// One inbound message as Meta describes it.
#[derive(Debug, Clone)]
pub struct SimulatedMessage<'a> {
    pub phone_number_id: &'a str,
    pub display_phone_number: &'a str,
    /// The sender's `wa_id`: digits, no `+`.
    pub from: &'a str,
    pub profile_name: &'a str,
    pub wamid: &'a str,
    pub timestamp: i64,
    /// The wamid of the bot's message being answered (list and button replies).
    pub context: Option<&'a str>,
    pub input: &'a UserInput,
}

// Field order follows Meta's own notifications (see events/*.json), so the body reads like
// one captured from Meta.
#[derive(Serialize)]
struct Notification<'a> {
    object: &'static str,
    entry: [Entry<'a>; 1],
}

#[derive(Serialize)]
struct Entry<'a> {
    id: &'static str,
    changes: [Change<'a>; 1],
}

#[derive(Serialize)]
struct Change<'a> {
    value: ChangeValue<'a>,
    field: &'static str,
}

#[derive(Serialize)]
struct ChangeValue<'a> {
    messaging_product: &'static str,
    metadata: Metadata<'a>,
    contacts: [Contact<'a>; 1],
    messages: [Message<'a>; 1],
}

#[derive(Serialize)]
struct Metadata<'a> {
    display_phone_number: &'a str,
    phone_number_id: &'a str,
}

#[derive(Serialize)]
struct Contact<'a> {
    profile: Profile<'a>,
    wa_id: &'a str,
}

#[derive(Serialize)]
struct Profile<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Message<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<Context<'a>>,
    from: &'a str,
    id: &'a str,
    timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<Text<'a>>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    interactive: Option<Interactive<'a>>,
}

#[derive(Serialize)]
struct Context<'a> {
    from: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
struct Text<'a> {
    body: &'a str,
}

#[derive(Serialize)]
struct Interactive<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    list_reply: Option<Reply<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    button_reply: Option<Reply<'a>>,
}

#[derive(Serialize)]
struct Reply<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

/// The notification body, byte for byte as it is signed and sent.
pub fn notification_body(message: &SimulatedMessage<'_>) -> Vec<u8> {
    let (text, kind, interactive) = match message.input {
        UserInput::Text { body } => (Some(Text { body }), "text", None),
        UserInput::ListReply { id, title, description } => (
            None,
            "interactive",
            Some(Interactive {
                kind: "list_reply",
                list_reply: Some(Reply { id, title, description: description.as_deref() }),
                button_reply: None,
            }),
        ),
        UserInput::ButtonReply { id, title } => (
            None,
            "interactive",
            Some(Interactive {
                kind: "button_reply",
                list_reply: None,
                button_reply: Some(Reply { id, title, description: None }),
            }),
        ),
    };
    let notification = Notification {
        object: "whatsapp_business_account",
        entry: [Entry {
            id: LOCAL_WABA_ID,
            changes: [Change {
                value: ChangeValue {
                    messaging_product: "whatsapp",
                    metadata: Metadata {
                        display_phone_number: message.display_phone_number,
                        phone_number_id: message.phone_number_id,
                    },
                    contacts: [Contact {
                        profile: Profile { name: message.profile_name },
                        wa_id: message.from,
                    }],
                    messages: [Message {
                        context: message.context.map(|id| Context { from: message.display_phone_number, id }),
                        from: message.from,
                        id: message.wamid,
                        timestamp: message.timestamp.to_string(),
                        text,
                        kind,
                        interactive,
                    }],
                },
                field: "messages",
            }],
        }],
    };
    to_meta_json(&notification)
}

/// A delivery status of one of the bot's own messages, as Meta reports it later.
#[derive(Debug, Clone)]
pub struct SimulatedStatus<'a> {
    pub phone_number_id: &'a str,
    pub display_phone_number: &'a str,
    /// The wamid the Cloud API gave the bot's message.
    pub wamid: &'a str,
    /// `sent`, `delivered`, `read` or `failed`.
    pub status: &'a str,
    pub timestamp: i64,
    /// The recipient's `wa_id`: digits, no `+`.
    pub recipient_id: &'a str,
    /// For `failed`: why (Meta sends one error).
    pub errors: &'a [StatusError<'a>],
}

/// One error of a failed status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusError<'a> {
    pub code: i64,
    pub title: &'a str,
    pub message: &'a str,
    pub error_data: StatusErrorData<'a>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusErrorData<'a> {
    pub details: &'a str,
}

impl StatusError<'static> {
    /// 131047 reported after the send: the message was accepted, then not delivered because
    /// the user's last message is more than 24 hours old.
    pub const REENGAGEMENT: StatusError<'static> = StatusError {
        code: 131047,
        title: "Re-engagement message",
        message: "Re-engagement message",
        error_data: StatusErrorData {
            details: "Message failed to send because more than 24 hours have passed since the \
                      customer last replied to this number.",
        },
    };
}

#[derive(Serialize)]
struct StatusNotification<'a> {
    object: &'static str,
    entry: [StatusEntry<'a>; 1],
}

#[derive(Serialize)]
struct StatusEntry<'a> {
    id: &'static str,
    changes: [StatusChange<'a>; 1],
}

#[derive(Serialize)]
struct StatusChange<'a> {
    value: StatusValue<'a>,
    field: &'static str,
}

#[derive(Serialize)]
struct StatusValue<'a> {
    messaging_product: &'static str,
    metadata: Metadata<'a>,
    statuses: [Status<'a>; 1],
}

#[derive(Serialize)]
struct Status<'a> {
    id: &'a str,
    status: &'a str,
    timestamp: String,
    recipient_id: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [StatusError<'a>],
}

/// The status notification body (`entry[].changes[].value.statuses[]`), byte for byte as it
/// is signed and sent.
pub fn status_body(status: &SimulatedStatus<'_>) -> Vec<u8> {
    let notification = StatusNotification {
        object: "whatsapp_business_account",
        entry: [StatusEntry {
            id: LOCAL_WABA_ID,
            changes: [StatusChange {
                value: StatusValue {
                    messaging_product: "whatsapp",
                    metadata: Metadata {
                        display_phone_number: status.display_phone_number,
                        phone_number_id: status.phone_number_id,
                    },
                    statuses: [Status {
                        id: status.wamid,
                        status: status.status,
                        timestamp: status.timestamp.to_string(),
                        recipient_id: status.recipient_id,
                        errors: status.errors,
                    }],
                },
                field: "messages",
            }],
        }],
    };
    to_meta_json(&notification)
}

/// A new message id shaped like Meta's (`wamid.` and base64).
pub fn new_wamid() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    format!("wamid.{}", BASE64.encode(bytes))
}

/// Serialises as Meta does: compact, with every non-ASCII character escaped as `\uXXXX`
/// (lowercase hex, UTF-16 surrogate pairs beyond the BMP). A verifier that re-encodes the
/// body before hashing fails on exactly these bytes, which is why the simulator sends them.
pub fn to_meta_json(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    value.serialize(&mut serializer).expect("notifications serialize");
    out
}

struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (index, c) in fragment.char_indices() {
            if c.is_ascii() {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..index])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = index + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paybot::whatsapp::{WebhookVerifier, parse_notification};

    fn message<'a>(input: &'a UserInput, context: Option<&'a str>) -> SimulatedMessage<'a> {
        SimulatedMessage {
            phone_number_id: "106540352242922",
            display_phone_number: "37369002773",
            from: "37369000001",
            profile_name: "Ion Popescu",
            wamid: "wamid.TEST1",
            timestamp: 1_763_700_000,
            context,
            input,
        }
    }

    #[test]
    fn a_text_message_has_meta_shape_with_escaped_diacritics() {
        let input = UserInput::Text { body: "plată 100 „Cafea și covrig” 👋".into() };
        let body = notification_body(&message(&input, None));
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(text.is_ascii(), "{text}");
        assert_eq!(
            text,
            r#"{"object":"whatsapp_business_account","entry":[{"id":"100000000000001","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"37369002773","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ion Popescu"},"wa_id":"37369000001"}],"messages":[{"from":"37369000001","id":"wamid.TEST1","timestamp":"1763700000","text":{"body":"plat\u0103 100 \u201eCafea \u0219i covrig\u201d \ud83d\udc4b"},"type":"text"}]},"field":"messages"}]}]}"#
        );
        // The same text comes back out, and the bot's verifier accepts the signature.
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            parsed.pointer("/entry/0/changes/0/value/messages/0/text/body").unwrap(),
            "plată 100 „Cafea și covrig” 👋"
        );
        let verifier = WebhookVerifier::new("secret", "token");
        let signature = WebhookVerifier::sign("secret", &body);
        assert_eq!(verifier.verify_body(&body, Some(signature.as_bytes())), Ok(()));
    }

    #[test]
    fn a_list_reply_quotes_the_list_and_parses_as_one() {
        let input =
            UserInput::ListReply { id: "lang:ru".into(), title: "Русский".into(), description: None };
        let body = notification_body(&message(&input, Some("wamid.LIST")));
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(text.contains(
            r#""messages":[{"context":{"from":"37369002773","id":"wamid.LIST"},"from":"37369000001","#
        ));
        assert!(text.contains(r#""type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"lang:ru","title":"\u0420\u0443\u0441\u0441\u043a\u0438\u0439"}}"#), "{text}");
        let parsed = parse_notification(&body, chrono::Utc::now()).unwrap();
        assert_eq!(parsed.messages.len(), 1);
        assert!(matches!(
            &parsed.messages[0].content,
            paybot::domain::MessageContent::ListReply { id, title } if id == "lang:ru" && title == "Русский"
        ));
    }

    #[test]
    fn a_failed_status_has_meta_shape_and_parses_with_its_error() {
        let body = status_body(&SimulatedStatus {
            phone_number_id: "106540352242922",
            display_phone_number: "37369002773",
            wamid: "wamid.OUT1",
            status: "failed",
            timestamp: 1_763_700_100,
            recipient_id: "37369000001",
            errors: &[StatusError::REENGAGEMENT],
        });
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(
            text.contains(r#""statuses":[{"id":"wamid.OUT1","status":"failed","timestamp":"1763700100","recipient_id":"37369000001","errors":[{"code":131047,"title":"Re-engagement message","#),
            "{text}"
        );
        let parsed = parse_notification(&body, chrono::Utc::now()).unwrap();
        assert!(parsed.messages.is_empty());
        assert_eq!(parsed.statuses.len(), 1);
        let update = &parsed.statuses[0];
        assert_eq!(update.message_id, "wamid.OUT1");
        assert_eq!(update.state, paybot::domain::DeliveryState::Failed);
        assert_eq!(update.error_code, Some(131047));

        // Without errors the field is left out, as Meta does for sent, delivered and read.
        let read = status_body(&SimulatedStatus { status: "read", errors: &[], ..message_status() });
        assert!(!String::from_utf8(read).unwrap().contains("errors"));
    }

    fn message_status() -> SimulatedStatus<'static> {
        SimulatedStatus {
            phone_number_id: "106540352242922",
            display_phone_number: "37369002773",
            wamid: "wamid.OUT2",
            status: "delivered",
            timestamp: 1_763_700_100,
            recipient_id: "37369000001",
            errors: &[],
        }
    }

    #[test]
    fn wamids_are_unique() {
        assert_ne!(new_wamid(), new_wamid());
        assert!(new_wamid().starts_with("wamid."));
    }
}
