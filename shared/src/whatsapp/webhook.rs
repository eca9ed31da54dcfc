//! Meta's webhook notification envelope, read leniently: every entry, change, message and
//! status is visited; unknown message types, a missing `from`, the business-scoped
//! `user_id`, and string or numeric timestamps are all accepted.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::domain::{DeliveryState, DeliveryUpdate, InboundMessage, MessageContent, Phone, UserRef};

type Text<'a> = Cow<'a, str>;

/// The POST body. Strings borrow from the request bytes where Meta did not escape them.
#[derive(Debug, Deserialize)]
pub struct Notification<'a> {
    #[serde(borrow, default)]
    pub object: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub entry: Vec<Entry<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct Entry<'a> {
    #[serde(borrow, default)]
    pub changes: Vec<Change<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct Change<'a> {
    #[serde(borrow, default)]
    pub field: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub value: Option<ChangeValue<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct ChangeValue<'a> {
    #[serde(borrow, default)]
    pub metadata: Option<Metadata<'a>>,
    #[serde(borrow, default)]
    pub contacts: Vec<Contact<'a>>,
    #[serde(borrow, default)]
    pub messages: Vec<Message<'a>>,
    #[serde(borrow, default)]
    pub statuses: Vec<Status<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct Metadata<'a> {
    #[serde(borrow, default)]
    pub phone_number_id: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct Contact<'a> {
    #[serde(borrow, default)]
    pub wa_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub user_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub profile: Option<Profile<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct Profile<'a> {
    #[serde(borrow, default)]
    pub name: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct Message<'a> {
    #[serde(borrow, default)]
    pub id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub from: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub from_user_id: Option<Text<'a>>,
    #[serde(default, deserialize_with = "unix_seconds")]
    pub timestamp: Option<i64>,
    #[serde(borrow, rename = "type", default)]
    pub kind: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub text: Option<TextBody<'a>>,
    #[serde(borrow, default)]
    pub interactive: Option<Interactive<'a>>,
    #[serde(borrow, default)]
    pub button: Option<Button<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct TextBody<'a> {
    #[serde(borrow, default)]
    pub body: Text<'a>,
}

#[derive(Debug, Deserialize)]
pub struct Interactive<'a> {
    #[serde(borrow, rename = "type", default)]
    pub kind: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub list_reply: Option<Reply<'a>>,
    #[serde(borrow, default)]
    pub button_reply: Option<Reply<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct Reply<'a> {
    #[serde(borrow, default)]
    pub id: Text<'a>,
    #[serde(borrow, default)]
    pub title: Text<'a>,
}

#[derive(Debug, Deserialize)]
pub struct Button<'a> {
    #[serde(borrow, default)]
    pub payload: Text<'a>,
    #[serde(borrow, default)]
    pub text: Text<'a>,
}

#[derive(Debug, Deserialize)]
pub struct Status<'a> {
    #[serde(borrow, default)]
    pub id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub status: Option<Text<'a>>,
    #[serde(default, deserialize_with = "unix_seconds")]
    pub timestamp: Option<i64>,
    #[serde(default)]
    pub errors: Vec<StatusError>,
}

#[derive(Debug, Deserialize)]
pub struct StatusError {
    #[serde(default)]
    pub code: Option<i64>,
}

/// Unix seconds as Meta sends them: usually a string, sometimes a number. Anything else
/// reads as absent, and the receipt time stands in. (A visitor rather than an untagged
/// enum: untagged buffers the value, and this runs for every message.)
fn unix_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct Seconds;
    impl<'de> serde::de::Visitor<'de> for Seconds {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("Unix seconds as a string or a number")
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(i64::try_from(v).ok())
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok(v.is_finite().then_some(v as i64))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.trim().parse().ok())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(Seconds)
}

/// What one notification asks of the bot, in domain terms.
#[derive(Debug, Default, PartialEq)]
pub struct ParsedNotification {
    /// The business numbers the notification's changes are for, each once.
    pub business_numbers: Vec<String>,
    pub messages: Vec<InboundMessage>,
    pub statuses: Vec<DeliveryUpdate>,
    /// Messages or statuses without the ids the bot needs (logged, not queued).
    pub skipped: usize,
}

/// Parses a verified POST body. `received_at` stands in for a missing timestamp.
/// Only malformed JSON (or a wrongly typed envelope) is an error.
pub fn parse_notification(
    body: &[u8],
    received_at: DateTime<Utc>,
) -> Result<ParsedNotification, serde_json::Error> {
    let notification: Notification<'_> = serde_json::from_slice(body)?;
    let mut parsed = ParsedNotification::default();
    for change in notification.entry.iter().flat_map(|e| &e.changes) {
        let Some(value) = &change.value else { continue };
        let Some(business_number_id) = value.metadata.as_ref().and_then(|m| m.phone_number_id.as_deref())
        else {
            parsed.skipped += value.messages.len() + value.statuses.len();
            continue;
        };
        if !parsed.business_numbers.iter().any(|n| n == business_number_id) {
            parsed.business_numbers.push(business_number_id.to_owned());
        }
        for message in &value.messages {
            match inbound_message(message, value, business_number_id, received_at) {
                Some(m) => parsed.messages.push(m),
                None => parsed.skipped += 1,
            }
        }
        for status in &value.statuses {
            match delivery_update(status, received_at) {
                Some(s) => parsed.statuses.push(s),
                None => parsed.skipped += 1,
            }
        }
    }
    Ok(parsed)
}

fn timestamp(seconds: Option<i64>, fallback: DateTime<Utc>) -> DateTime<Utc> {
    seconds.and_then(|s| DateTime::from_timestamp(s, 0)).unwrap_or(fallback)
}

fn inbound_message(
    message: &Message<'_>,
    value: &ChangeValue<'_>,
    business_number_id: &str,
    received_at: DateTime<Utc>,
) -> Option<InboundMessage> {
    let id = message.id.as_deref().filter(|id| !id.is_empty())?;
    let phone = message.from.as_deref().and_then(|f| Phone::parse_international(f).ok());
    // The contact entry of this sender: by wa_id, or the only one when there is one.
    let contact = value
        .contacts
        .iter()
        .find(|c| c.wa_id.is_some() && c.wa_id == message.from)
        .or_else(|| if value.contacts.len() == 1 { value.contacts.first() } else { None });
    let scoped_id = message
        .from_user_id
        .as_deref()
        .or_else(|| contact.and_then(|c| c.user_id.as_deref()))
        .map(str::to_owned);
    let from = UserRef { phone, scoped_id };
    from.key()?;
    Some(InboundMessage {
        id: id.to_owned(),
        business_number_id: business_number_id.to_owned(),
        profile_name: contact
            .and_then(|c| c.profile.as_ref())
            .and_then(|p| p.name.as_deref())
            .map(str::to_owned),
        from,
        sent_at: timestamp(message.timestamp, received_at),
        received_at: Some(received_at),
        content: content(message),
    })
}

fn content(message: &Message<'_>) -> MessageContent {
    let kind = message.kind.as_deref().unwrap_or("unknown");
    let other = || MessageContent::Other { message_type: kind.to_owned() };
    match kind {
        "text" => message
            .text
            .as_ref()
            .map(|t| MessageContent::Text { body: t.body.clone().into_owned() })
            .unwrap_or_else(other),
        "interactive" => {
            let Some(interactive) = &message.interactive else {
                return other();
            };
            match (interactive.kind.as_deref(), &interactive.list_reply, &interactive.button_reply) {
                (Some("list_reply"), Some(r), _) => MessageContent::ListReply {
                    id: r.id.clone().into_owned(),
                    title: r.title.clone().into_owned(),
                },
                (Some("button_reply"), _, Some(r)) => MessageContent::ButtonReply {
                    id: r.id.clone().into_owned(),
                    title: r.title.clone().into_owned(),
                },
                (sub, _, _) => MessageContent::Other {
                    message_type: format!("interactive.{}", sub.unwrap_or("unknown")),
                },
            }
        }
        "button" => message
            .button
            .as_ref()
            .map(|b| MessageContent::ButtonReply {
                id: b.payload.clone().into_owned(),
                title: b.text.clone().into_owned(),
            })
            .unwrap_or_else(other),
        _ => other(),
    }
}

fn delivery_update(status: &Status<'_>, received_at: DateTime<Utc>) -> Option<DeliveryUpdate> {
    let message_id = status.id.as_deref().filter(|id| !id.is_empty())?;
    let state = DeliveryState::parse(status.status.as_deref()?)?;
    Some(DeliveryUpdate {
        message_id: message_id.to_owned(),
        state,
        at: timestamp(status.timestamp, received_at),
        error_code: status.errors.iter().find_map(|e| e.code),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_763_700_100, 0).unwrap()
    }

    fn envelope(value: &str) -> String {
        format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"WABA","changes":[{{"field":"messages","value":{value}}}]}}]}}"#
        )
    }

    const META: &str = r#""messaging_product":"whatsapp","metadata":{"display_phone_number":"37369002773","phone_number_id":"1065"}"#;

    #[test]
    fn a_text_message_with_contact_and_bsuid() {
        let body = envelope(&format!(
            r#"{{{META},"contacts":[{{"profile":{{"name":"Ion"}},"wa_id":"37369123456","user_id":"MD.42"}}],"messages":[{{"from":"37369123456","id":"wamid.A","timestamp":"1763700000","type":"text","text":{{"body":"pay 100"}}}}]}}"#
        ));
        let parsed = parse_notification(body.as_bytes(), now()).unwrap();
        assert_eq!(parsed.skipped, 0);
        let m = &parsed.messages[0];
        assert_eq!(m.id, "wamid.A");
        assert_eq!(m.business_number_id, "1065");
        assert_eq!(m.from.phone.as_ref().unwrap().as_e164(), "+37369123456");
        assert_eq!(m.from.scoped_id.as_deref(), Some("MD.42"));
        assert_eq!(m.profile_name.as_deref(), Some("Ion"));
        assert_eq!(m.sent_at.timestamp(), 1_763_700_000);
        assert_eq!(m.content, MessageContent::Text { body: "pay 100".into() });
    }

    #[test]
    fn escaped_text_is_decoded_and_numeric_timestamps_accepted() {
        let body = envelope(&format!(
            r#"{{{META},"messages":[{{"from":"37369123456","id":"wamid.B","timestamp":1763700001,"type":"text","text":{{"body":"plat\u0103 100 \u201eCafea \u0219i covrig\u201d \u043e\u043f\u043b\u0430\u0442\u0430"}}}}]}}"#
        ));
        let parsed = parse_notification(body.as_bytes(), now()).unwrap();
        assert_eq!(
            parsed.messages[0].content,
            MessageContent::Text { body: "plată 100 „Cafea și covrig” оплата".into() }
        );
        assert_eq!(parsed.messages[0].sent_at.timestamp(), 1_763_700_001);
    }

    #[test]
    fn every_entry_change_message_and_status_is_visited() {
        let change = |id: &str| {
            format!(
                r#"{{"field":"messages","value":{{{META},"messages":[{{"from":"37369123456","id":"{id}a","timestamp":"1","type":"text","text":{{"body":"1"}}}},{{"from":"37369123457","id":"{id}b","timestamp":"2","type":"sticker","sticker":{{}}}}],"statuses":[{{"id":"{id}s","status":"read","timestamp":"3","recipient_id":"37369123456"}}]}}}}"#
            )
        };
        let body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{},{}]}},{{"id":"2","changes":[{}]}}]}}"#,
            change("x"),
            change("y"),
            change("z")
        );
        let parsed = parse_notification(body.as_bytes(), now()).unwrap();
        let ids: Vec<_> = parsed.messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["xa", "xb", "ya", "yb", "za", "zb"]);
        assert_eq!(parsed.statuses.len(), 3);
        assert_eq!(parsed.messages[1].content, MessageContent::Other { message_type: "sticker".into() });
    }

    #[test]
    fn replies_from_lists_buttons_and_templates() {
        let body = envelope(&format!(
            r#"{{{META},"messages":[
              {{"from":"37369123456","id":"l","timestamp":"1","type":"interactive","interactive":{{"type":"list_reply","list_reply":{{"id":"lang:de","title":"Deutsch","description":"x"}}}}}},
              {{"from":"37369123456","id":"b","timestamp":"1","type":"interactive","interactive":{{"type":"button_reply","button_reply":{{"id":"yes","title":"Yes"}}}}}},
              {{"from":"37369123456","id":"t","timestamp":"1","type":"button","button":{{"payload":"STOP","text":"Stop"}}}},
              {{"from":"37369123456","id":"n","timestamp":"1","type":"interactive","interactive":{{"type":"nfm_reply","nfm_reply":{{}}}}}}]}}"#
        ));
        let parsed = parse_notification(body.as_bytes(), now()).unwrap();
        let contents: Vec<_> = parsed.messages.into_iter().map(|m| m.content).collect();
        assert_eq!(
            contents,
            [
                MessageContent::ListReply { id: "lang:de".into(), title: "Deutsch".into() },
                MessageContent::ButtonReply { id: "yes".into(), title: "Yes".into() },
                MessageContent::ButtonReply { id: "STOP".into(), title: "Stop".into() },
                MessageContent::Other { message_type: "interactive.nfm_reply".into() },
            ]
        );
    }

    #[test]
    fn a_username_user_without_a_phone_is_keyed_on_the_bsuid() {
        let body = envelope(&format!(
            r#"{{{META},"contacts":[{{"profile":{{"name":"Ana"}},"user_id":"MD.77"}}],"messages":[{{"id":"u","timestamp":"1","type":"text","text":{{"body":"hi"}}}}]}}"#
        ));
        let parsed = parse_notification(body.as_bytes(), now()).unwrap();
        let m = &parsed.messages[0];
        assert_eq!(m.from.phone, None);
        assert_eq!(m.from.key().as_deref(), Some("bsuid:MD.77"));
    }

    #[test]
    fn messages_without_id_or_sender_are_skipped_not_fatal() {
        let body = envelope(&format!(
            r#"{{{META},"messages":[{{"from":"37369123456","timestamp":"1","type":"text","text":{{"body":"no id"}}}},{{"id":"nobody","timestamp":"1","type":"text","text":{{"body":"x"}}}}],"statuses":[{{"id":"s","status":"deleted"}}]}}"#
        ));
        let parsed = parse_notification(body.as_bytes(), now()).unwrap();
        assert!(parsed.messages.is_empty());
        assert_eq!(parsed.skipped, 3);
    }

    #[test]
    fn odd_timestamps_fall_back_to_the_receipt_time() {
        for ts in ["null", "true", "[1]", "{\"s\":1}", "\"soon\"", "1.7637e9"] {
            let body = envelope(&format!(
                r#"{{{META},"messages":[{{"from":"37369123456","id":"t","timestamp":{ts},"type":"text","text":{{"body":"x"}}}}]}}"#
            ));
            let parsed = parse_notification(body.as_bytes(), now()).unwrap();
            let expected = if ts == "1.7637e9" { 1_763_700_000 } else { now().timestamp() };
            assert_eq!(parsed.messages[0].sent_at.timestamp(), expected, "{ts}");
        }
    }

    #[test]
    fn statuses_with_errors_and_missing_timestamps() {
        let body = envelope(&format!(
            r#"{{{META},"statuses":[{{"id":"wamid.S","status":"failed","recipient_id":"37369123456","errors":[{{"code":131047,"title":"Re-engagement message"}}]}}]}}"#
        ));
        let parsed = parse_notification(body.as_bytes(), now()).unwrap();
        assert_eq!(
            parsed.statuses,
            [DeliveryUpdate {
                message_id: "wamid.S".into(),
                state: DeliveryState::Failed,
                at: now(),
                error_code: Some(131047)
            }]
        );
    }

    #[test]
    fn other_fields_and_empty_envelopes_are_fine_malformed_json_is_not() {
        assert_eq!(parse_notification(br#"{"object":"x"}"#, now()).unwrap(), ParsedNotification::default());
        assert_eq!(
            parse_notification(
                br#"{"entry":[{"changes":[{"field":"account_update","value":{"event":"x"}}]}]}"#,
                now()
            )
            .unwrap(),
            ParsedNotification::default()
        );
        assert!(parse_notification(b"{not json", now()).is_err());
        assert!(parse_notification(br#"{"entry":"not a list"}"#, now()).is_err());
        assert!(parse_notification(b"", now()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse_notification(&bytes, now());
        }
    }
}
