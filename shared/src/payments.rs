//! A payment result from the rail (a callback, or a `GET payment` when callbacks are late),
//! applied to our link through the one forward-only state machine, and the seller's
//! notification that a real transition produces.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::StoreResult;
use crate::domain::{ContactKey, LinkState, Locale, PaymentLink};
use crate::i18n::{Arg, Catalog, format_amount};
use crate::outbound::OutboundJob;
use crate::ports::{
    ContactStore, Directory, OutboundContent, OutboundMessage, OutboxItem, PaymentLinkStore, RailPayment,
    RailStatus,
};

/// A payment's state as the rail reported it, whichever way it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RailResult {
    pub order_id: String,
    pub payment_id: String,
    pub terminal_id: String,
    pub status: RailStatus,
    pub amount: Decimal,
    pub currency: String,
    pub payer_bank: Option<String>,
}

impl From<crate::miapos::CallbackResult> for RailResult {
    fn from(r: crate::miapos::CallbackResult) -> Self {
        RailResult {
            order_id: r.order_id,
            payment_id: r.payment_id,
            terminal_id: r.terminal_id,
            status: r.status,
            amount: r.amount,
            currency: r.currency,
            payer_bank: r.payer_bank,
        }
    }
}

impl From<RailPayment> for RailResult {
    fn from(p: RailPayment) -> Self {
        RailResult {
            order_id: p.order_id,
            payment_id: p.payment_id,
            terminal_id: p.terminal_id,
            status: p.status,
            amount: p.amount,
            currency: p.currency,
            payer_bank: p.payer_bank,
        }
    }
}

/// What applying a result did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The link moved; the seller is to be told once.
    Moved(PaymentLink),
    /// The link is already in this state (a duplicate or a retry after a partial failure):
    /// the notification may be queued again, its stable job id keeps it to one message.
    AlreadyThere(PaymentLink),
    /// A duplicate, late or out-of-order result: nothing changes.
    Ignored,
    /// No link has this order id.
    UnknownLink,
    /// Amount, currency, terminal or payment id disagree with our record: nothing changes,
    /// the operator is alerted.
    Mismatch { link: PaymentLink, field: &'static str },
}

pub fn link_state(status: RailStatus) -> LinkState {
    match status {
        RailStatus::Created => LinkState::Created,
        RailStatus::Pending => LinkState::Pending,
        RailStatus::Success => LinkState::Success,
        RailStatus::Failed => LinkState::Failed,
        RailStatus::Declined => LinkState::Declined,
        RailStatus::Expired => LinkState::Expired,
    }
}

fn cents(amount: Decimal) -> Decimal {
    amount.round_dp(2)
}

pub async fn apply_result(
    links: &dyn PaymentLinkStore,
    result: &RailResult,
    now: DateTime<Utc>,
) -> StoreResult<Applied> {
    let Some(link) = links.get(&result.order_id).await? else { return Ok(Applied::UnknownLink) };
    let field = if cents(result.amount) != cents(link.amount.amount()) {
        Some("amount")
    } else if !result.currency.eq_ignore_ascii_case(link.amount.currency().code()) {
        Some("currency")
    } else if result.terminal_id != link.terminal_id {
        Some("terminal")
    } else if link.payment_id.as_deref().is_some_and(|p| p != result.payment_id) {
        Some("payment id")
    } else {
        None
    };
    if let Some(field) = field {
        return Ok(Applied::Mismatch { link, field });
    }
    let target = link_state(result.status);
    if let Some(moved) = links.transition(&link.id, target, now).await? {
        return Ok(Applied::Moved(moved));
    }
    let current = links.get(&link.id).await?.unwrap_or(link);
    Ok(if current.state == target && target.is_final() {
        Applied::AlreadyThere(current)
    } else {
        Applied::Ignored
    })
}

/// The seller's locale for a conversation: chosen with `/lang`, else the directory's, else
/// the business number's default.
pub async fn seller_locale(
    directory: &dyn Directory,
    contacts: &dyn ContactStore,
    contact: &ContactKey,
    seller: &crate::domain::Phone,
) -> StoreResult<Locale> {
    if let Some(locale) = contacts.settings(contact).await?.locale {
        return Ok(locale);
    }
    if let Some(seller) = directory.seller(seller).await? {
        return Ok(seller.locale);
    }
    Ok(directory.profile(&contact.business_number_id).await?.map(|p| p.default_locale).unwrap_or(Locale::En))
}

fn message_id(state: LinkState) -> &'static str {
    match state {
        LinkState::Success => "payment-paid",
        LinkState::Failed => "payment-failed",
        LinkState::Declined => "payment-declined",
        _ => "payment-expired",
    }
}

/// The free-form text of one status update in `locale`.
pub fn status_text(item: &OutboxItem, locale: Locale) -> String {
    let amount = format_amount(&item.amount, locale);
    let args = [
        ("amount", Arg::Str(&amount)),
        ("description", Arg::Str(item.description.as_deref().unwrap_or_default())),
        ("has_description", Arg::flag(item.description.is_some())),
        ("tag", Arg::Str(item.tag.as_deref().unwrap_or_default())),
        ("has_tag", Arg::flag(item.tag.is_some())),
        ("bank", Arg::Str(item.payer_bank.as_deref().unwrap_or_default())),
        ("has_bank", Arg::flag(item.payer_bank.is_some())),
    ];
    Catalog::global().text(locale, message_id(item.state), &args)
}

/// The outbox form of a finished link's update.
pub fn outbox_item(link: &PaymentLink, payer_bank: Option<String>, at: DateTime<Utc>) -> OutboxItem {
    OutboxItem {
        contact: ContactKey {
            business_number_id: link.business_number_id.clone(),
            user_key: link.seller.as_e164().into(),
        },
        link_id: link.id.clone(),
        state: link.state,
        amount: link.amount,
        description: link.description.clone(),
        tag: link.tag.clone(),
        payer_bank: payer_bank.filter(|_| link.state == LinkState::Success),
        at,
    }
}

/// One notification per real transition: its id is stable per link and state, so queueing it
/// again (a retried callback) still sends one message; outside the window notify moves it to
/// the template outbox.
pub fn status_job(item: OutboxItem, locale: Locale, to: crate::domain::Phone) -> OutboundJob {
    OutboundJob {
        id: format!("status:{}:{}", item.link_id, item.state.as_str()),
        message: OutboundMessage {
            business_number_id: item.contact.business_number_id.clone(),
            to,
            content: OutboundContent::Text { body: status_text(&item, locale) },
        },
        fallback: Some(item),
    }
}

/// A waiting update delivered free-form because the seller wrote again. Its id is shared by
/// every path that may deliver it (the command function, the scheduled run), so it goes out
/// once; if the window has closed again meanwhile, notify puts it back in the outbox.
pub fn late_job(item: &OutboxItem, locale: Locale, to: crate::domain::Phone) -> OutboundJob {
    OutboundJob {
        id: format!("late:{}:{}", item.link_id, item.state.as_str()),
        message: OutboundMessage {
            business_number_id: item.contact.business_number_id.clone(),
            to,
            content: OutboundContent::Text { body: status_text(item, locale) },
        },
        fallback: Some(item.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryPaymentLinkStore;
    use crate::domain::{Currency, LinkKind, Money, Phone};
    use proptest::prelude::*;

    fn link() -> PaymentLink {
        let at = DateTime::from_timestamp(1_763_700_000, 0).unwrap();
        PaymentLink {
            id: "pl-1".into(),
            seller: Phone::parse_international("+37369000001").unwrap(),
            business_number_id: "1065".into(),
            merchant_id: "M".into(),
            terminal_id: "T-QR".into(),
            amount: Money::new(Decimal::new(14525, 2), Currency::MDL).unwrap(),
            description: Some("Cafea".into()),
            tag: None,
            kind: LinkKind::Qr,
            payer: None,
            state: LinkState::Created,
            checkout_url: Some("https://checkout".into()),
            payment_id: Some("pay-1".into()),
            request_message_id: "wamid.1".into(),
            created_at: at,
            updated_at: at,
        }
    }

    fn result(status: RailStatus) -> RailResult {
        RailResult {
            order_id: "pl-1".into(),
            payment_id: "pay-1".into(),
            terminal_id: "T-QR".into(),
            status,
            amount: Decimal::new(14525, 2),
            currency: "MDL".into(),
            payer_bank: Some("MAIB".into()),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_763_700_100, 0).unwrap()
    }

    async fn store() -> MemoryPaymentLinkStore {
        let store = MemoryPaymentLinkStore::default();
        store.insert_if_absent(&link()).await.unwrap();
        store
    }

    #[tokio::test]
    async fn success_moves_once_then_repeats_are_already_there_and_expiry_after_is_ignored() {
        let store = store().await;
        assert!(matches!(
            apply_result(&store, &result(RailStatus::Success), now()).await.unwrap(),
            Applied::Moved(_)
        ));
        for _ in 0..2 {
            let again = apply_result(&store, &result(RailStatus::Success), now()).await.unwrap();
            assert!(matches!(again, Applied::AlreadyThere(_)));
        }
        assert_eq!(
            apply_result(&store, &result(RailStatus::Expired), now()).await.unwrap(),
            Applied::Ignored
        );
        assert_eq!(store.get("pl-1").await.unwrap().unwrap().state, LinkState::Success);
    }

    #[tokio::test]
    async fn disagreeing_results_change_nothing() {
        let store = store().await;
        let mut tampered = result(RailStatus::Success);
        tampered.amount = Decimal::new(100, 2);
        assert!(matches!(
            apply_result(&store, &tampered, now()).await.unwrap(),
            Applied::Mismatch { field: "amount", .. }
        ));
        let mut other_terminal = result(RailStatus::Success);
        other_terminal.terminal_id = "T-OTHER".into();
        assert!(matches!(
            apply_result(&store, &other_terminal, now()).await.unwrap(),
            Applied::Mismatch { field: "terminal", .. }
        ));
        let mut other_currency = result(RailStatus::Success);
        other_currency.currency = "EUR".into();
        assert!(matches!(
            apply_result(&store, &other_currency, now()).await.unwrap(),
            Applied::Mismatch { field: "currency", .. }
        ));
        assert_eq!(store.get("pl-1").await.unwrap().unwrap().state, LinkState::Created);
        let mut unknown = result(RailStatus::Success);
        unknown.order_id = "pl-x".into();
        assert_eq!(apply_result(&store, &unknown, now()).await.unwrap(), Applied::UnknownLink);
    }

    #[test]
    fn the_update_reads_in_the_sellers_language() {
        let item = outbox_item(
            &{
                let mut l = link();
                l.state = LinkState::Success;
                l
            },
            Some("MAIB".into()),
            now(),
        );
        let ro = status_text(&item, Locale::Ro);
        assert!(ro.contains("145,25") && ro.contains("MAIB"), "{ro}");
        let job = status_job(item.clone(), Locale::De, link().seller);
        assert_eq!(job.id, "status:pl-1:success");
        assert_eq!(job.fallback, Some(item));
    }

    fn any_status() -> impl Strategy<Value = RailStatus> {
        prop_oneof![
            Just(RailStatus::Created),
            Just(RailStatus::Pending),
            Just(RailStatus::Success),
            Just(RailStatus::Failed),
            Just(RailStatus::Declined),
            Just(RailStatus::Expired),
        ]
    }

    proptest! {
        /// Whatever order and repetition results arrive in, the link only moves forward, ends
        /// in the first final state it reached, and moved at most once into a final state.
        #[test]
        fn state_only_moves_forward(statuses in proptest::collection::vec(any_status(), 1..12)) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(async {
                let store = store().await;
                let mut final_moves = 0;
                let mut first_final = None;
                let mut previous = LinkState::Created;
                for status in &statuses {
                    let applied = apply_result(&store, &result(*status), now()).await.unwrap();
                    let current = store.get("pl-1").await.unwrap().unwrap().state;
                    prop_assert!(current == previous || previous.can_move_to(current));
                    if let Applied::Moved(link) = applied {
                        if link.state.is_final() {
                            final_moves += 1;
                            first_final.get_or_insert(link.state);
                        }
                    }
                    previous = current;
                }
                prop_assert!(final_moves <= 1);
                if let Some(state) = first_final {
                    prop_assert_eq!(previous, state);
                }
                Ok(())
            })?;
        }
    }
}
