//! SMS through Amazon SNS: a `Publish` straight to a phone number, no topic.

use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::error::SdkError;
use aws_sdk_sns::operation::publish::PublishError;
use aws_sdk_sns::types::MessageAttributeValue;

use super::describe;
use crate::domain::Phone;
use crate::ports::{SmsError, SmsSender};
use crate::redact::mask_digit_runs;

/// SNS's own SMS settings, per message: a one-time code is `Transactional` (delivered on the
/// routes SNS reserves for time-critical messages, also to numbers on do-not-disturb lists),
/// and the sender id is what the phone shows as the sender where the country allows it.
const SMS_TYPE: &str = "AWS.SNS.SMS.SMSType";
const SENDER_ID: &str = "AWS.SNS.SMS.SenderID";

/// Error codes of a number that cannot take the message: retrying will not help.
const REFUSED_CODES: [&str; 3] = ["InvalidParameter", "ParameterValueInvalid", "EndpointDisabled"];

#[derive(Debug, Clone)]
pub struct SnsSmsSender {
    client: Client,
    /// `SMS_SENDER_ID`: up to 11 letters and digits; `None` leaves it to SNS's account default.
    sender_id: Option<String>,
}

impl SnsSmsSender {
    pub fn new(client: Client, sender_id: Option<String>) -> Self {
        SnsSmsSender { client, sender_id }
    }

    fn string_attribute(value: &str) -> Result<MessageAttributeValue, SmsError> {
        MessageAttributeValue::builder()
            .data_type("String")
            .string_value(value)
            .build()
            .map_err(|e| SmsError::Refused(e.to_string()))
    }
}

/// SNS's answer as the port's error. Its messages may echo the number, so every long run of
/// digits is masked before the text can reach a log.
fn classify(err: &SdkError<PublishError, aws_sdk_sns::config::http::HttpResponse>) -> SmsError {
    let detail = mask_digit_runs(&describe(err), 6);
    let refused = match err {
        SdkError::ServiceError(service) => {
            let code = aws_sdk_sns::error::ProvideErrorMetadata::code(service.err());
            let status = service.raw().status().as_u16();
            // Throttled, InternalError, KMS throttling and every 5xx are worth a retry; so is
            // an authorization error, which an operator fixes without the user doing anything.
            status < 500 && code.is_some_and(|code| REFUSED_CODES.contains(&code))
        }
        // Timeouts, connection failures, unreadable responses.
        _ => false,
    };
    if refused { SmsError::Refused(detail) } else { SmsError::Unavailable(detail) }
}

#[async_trait]
impl SmsSender for SnsSmsSender {
    async fn send_sms(&self, to: &Phone, text: &str) -> Result<String, SmsError> {
        let mut request = self
            .client
            .publish()
            .phone_number(to.as_e164())
            .message(text)
            .message_attributes(SMS_TYPE, Self::string_attribute("Transactional")?);
        if let Some(sender_id) = &self.sender_id {
            request = request.message_attributes(SENDER_ID, Self::string_attribute(sender_id)?);
        }
        let output = request.send().await.map_err(|err| classify(&err))?;
        output.message_id.ok_or_else(|| SmsError::Unavailable("SNS returned no message id".into()))
    }
}
