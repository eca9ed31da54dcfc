//! SMS in memory: the local stack's SMS inbox, where one-time codes are read.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::locked;
use crate::clock::SystemClock;
use crate::domain::Phone;
use crate::ports::{Clock, SmsError, SmsSender};

/// The longest SMS text SNS accepts in one `Publish` (it splits it into parts itself).
pub const SMS_MAX_BYTES: usize = 1600;

/// One SMS as sent.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sms {
    /// The id `send_sms` returned.
    pub id: String,
    pub to: Phone,
    pub text: String,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for Sms {
    // The text is a one-time code: a debug print of the inbox must not show it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sms")
            .field("id", &self.id)
            .field("to", &self.to)
            .field("text", &format_args!("<{} bytes>", self.text.len()))
            .field("at", &self.at)
            .finish()
    }
}

/// Records every SMS instead of sending it, and refuses what SNS refuses: a text over
/// [`SMS_MAX_BYTES`] and a number that opted out.
pub struct MemorySmsInbox {
    clock: Arc<dyn Clock>,
    sent: Mutex<Vec<Sms>>,
    opted_out: Mutex<HashSet<Phone>>,
}

impl MemorySmsInbox {
    /// Stamps each SMS with `clock`'s time (the local stack's movable clock).
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        MemorySmsInbox { clock, sent: Mutex::default(), opted_out: Mutex::default() }
    }

    /// Every SMS sent, oldest first.
    pub fn all(&self) -> Vec<Sms> {
        locked(&self.sent).clone()
    }

    /// The SMS sent to `phone`, oldest first.
    pub fn to(&self, phone: &Phone) -> Vec<Sms> {
        locked(&self.sent).iter().filter(|sms| &sms.to == phone).cloned().collect()
    }

    /// The number stops taking SMS, as after replying STOP to SNS.
    pub fn opt_out(&self, phone: &Phone) {
        locked(&self.opted_out).insert(phone.clone());
    }
}

impl Default for MemorySmsInbox {
    fn default() -> Self {
        Self::new(Arc::new(SystemClock))
    }
}

impl std::fmt::Debug for MemorySmsInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemorySmsInbox").field("sent", &locked(&self.sent).len()).finish_non_exhaustive()
    }
}

#[async_trait]
impl SmsSender for MemorySmsInbox {
    async fn send_sms(&self, to: &Phone, text: &str) -> Result<String, SmsError> {
        if text.len() > SMS_MAX_BYTES {
            return Err(SmsError::Refused(format!("the text is over {SMS_MAX_BYTES} bytes")));
        }
        if locked(&self.opted_out).contains(to) {
            return Err(SmsError::Refused("the number opted out of SMS".into()));
        }
        let sms = Sms {
            id: uuid::Uuid::new_v4().to_string(),
            to: to.clone(),
            text: text.to_owned(),
            at: self.clock.now(),
        };
        let id = sms.id.clone();
        locked(&self.sent).push(sms);
        Ok(id)
    }
}
