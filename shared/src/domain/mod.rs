//! Channel-agnostic domain types: nothing here knows Meta's JSON or AWS.

pub mod delivery;
pub mod inbound;
pub mod link;
pub mod locale;
pub mod money;
pub mod phone;
pub mod seller;
pub mod susu;
pub mod wallet;

pub use delivery::{DeliveryState, DeliveryUpdate};
pub use inbound::{ContactKey, InboundMessage, MessageContent, UserRef};
pub use link::{LinkKind, LinkState, PaymentLink, link_id_for_message};
pub use locale::Locale;
pub use money::{Currency, Money, MoneyError};
pub use phone::{Phone, PhoneError};
pub use seller::{BusinessProfile, Capability, MerchantBinding, Seller, SellerStatus};
pub use susu::{SusuCycle, SusuCycleLength, SusuGroup, SusuJoin, SusuPhase};
pub use wallet::{AccountStatus, WalletAccount};
