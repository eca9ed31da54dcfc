//! Channel-agnostic domain types: nothing here knows Meta's JSON or AWS.

pub mod delivery;
pub mod inbound;
pub mod locale;
pub mod money;
pub mod phone;

pub use delivery::{DeliveryState, DeliveryUpdate};
pub use inbound::{ContactKey, InboundMessage, MessageContent, UserRef};
pub use locale::Locale;
pub use money::{Currency, Money, MoneyError};
pub use phone::{Phone, PhoneError};
