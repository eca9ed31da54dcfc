//! A payment result from the rail (a callback, or a `GET payment` when callbacks are late),
//! applied to our link through the one forward-only state machine, and when the link is
//! looked at again. What the seller is told of it is the seller capability's
//! ([`crate::capabilities::seller::updates`]).

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

use crate::StoreResult;
use crate::domain::{LinkState, PaymentLink};
use crate::ports::{LinkTransition, PaymentLinkStore, RailPayment, RailStatus};

/// When a link is looked at again: its status lookups on the rail while it is open (the
/// rail's callbacks may never come), and the check that its final state's notification was
/// queued. From configuration with safe defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckSchedule {
    /// The first lookup, this long after the rail accepted the payment
    /// (`POLL_PENDING_AFTER_MINUTES`, default 10).
    pub first_lookup: Duration,
    /// The longest gap between two lookups of a link still open; the gap grows with the
    /// link's age up to this (`POLL_MAX_INTERVAL_MINUTES`, default 360).
    pub max_interval: Duration,
    /// How long a final state's notification may take to be confirmed queued before the
    /// poller queues it itself.
    pub notify_grace: Duration,
}

impl Default for CheckSchedule {
    fn default() -> Self {
        CheckSchedule {
            first_lookup: Duration::minutes(10),
            max_interval: Duration::hours(6),
            notify_grace: Duration::minutes(2),
        }
    }
}

impl CheckSchedule {
    pub fn first_lookup_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.first_lookup
    }

    /// After a lookup that found the link still open: once per doubling of its age, so a
    /// link the payer ignores costs a handful of lookups a day.
    pub fn next_lookup_at(&self, created_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        let age = now - created_at;
        now + age.clamp(self.first_lookup, self.max_interval.max(self.first_lookup))
    }

    /// After a lookup that cannot succeed as things stand (unknown merchant, a disagreement
    /// with our record): the slowest rate, so it never holds up the others.
    pub fn after_refusal_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.max_interval.max(self.first_lookup)
    }

    pub fn notify_by(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.notify_grace
    }
}

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
    /// The rail reports a final state other than the one recorded (the rail contradicting
    /// itself): nothing changes, the operator is alerted.
    Conflict { link: PaymentLink, reported: LinkState },
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
    schedule: &CheckSchedule,
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
    let transition = LinkTransition {
        to: target,
        payment_id: Some(&result.payment_id),
        payer_bank: result.payer_bank.as_deref().filter(|_| target == LinkState::Success),
        check_at: if target.is_final() { schedule.notify_by(now) } else { schedule.first_lookup_at(now) },
        at: now,
    };
    if let Some(moved) = links.transition(&link.id, &transition).await? {
        return Ok(Applied::Moved(moved));
    }
    let current = links.get(&link.id).await?.unwrap_or(link);
    Ok(match (current.state.is_final(), target.is_final()) {
        (true, true) if current.state == target => Applied::AlreadyThere(current),
        (true, true) => Applied::Conflict { link: current, reported: target },
        _ => Applied::Ignored,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::adapters::memory::MemoryPaymentLinkStore;
    use crate::domain::{Currency, LinkKind, Money, Phone};
    use proptest::prelude::*;

    /// A created QR link of 145.25 MDL, "Cafea", for the state machine's and the updates' tests.
    pub(crate) fn link() -> PaymentLink {
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
            payer_bank: None,
            next_check_at: None,
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
            apply_result(&store, &result(RailStatus::Success), &CheckSchedule::default(), now())
                .await
                .unwrap(),
            Applied::Moved(_)
        ));
        for _ in 0..2 {
            let again = apply_result(&store, &result(RailStatus::Success), &CheckSchedule::default(), now())
                .await
                .unwrap();
            assert!(matches!(again, Applied::AlreadyThere(_)));
        }
        // The rail naming another final state later changes nothing and is an alert.
        assert!(matches!(
            apply_result(&store, &result(RailStatus::Expired), &CheckSchedule::default(), now())
                .await
                .unwrap(),
            Applied::Conflict { reported: LinkState::Expired, .. }
        ));
        let stored = store.get("pl-1").await.unwrap().unwrap();
        assert_eq!(stored.state, LinkState::Success);
        assert_eq!(stored.payer_bank.as_deref(), Some("MAIB"), "kept for the seller's update");
        // Due for the notification check until it is recorded queued.
        assert_eq!(stored.next_check_at, Some(now() + CheckSchedule::default().notify_grace));
        // An older, open result after the final one is a late arrival.
        assert_eq!(
            apply_result(&store, &result(RailStatus::Pending), &CheckSchedule::default(), now())
                .await
                .unwrap(),
            Applied::Ignored
        );
    }

    #[tokio::test]
    async fn disagreeing_results_change_nothing() {
        let store = store().await;
        let mut tampered = result(RailStatus::Success);
        tampered.amount = Decimal::new(100, 2);
        assert!(matches!(
            apply_result(&store, &tampered, &CheckSchedule::default(), now()).await.unwrap(),
            Applied::Mismatch { field: "amount", .. }
        ));
        let mut other_terminal = result(RailStatus::Success);
        other_terminal.terminal_id = "T-OTHER".into();
        assert!(matches!(
            apply_result(&store, &other_terminal, &CheckSchedule::default(), now()).await.unwrap(),
            Applied::Mismatch { field: "terminal", .. }
        ));
        let mut other_currency = result(RailStatus::Success);
        other_currency.currency = "EUR".into();
        assert!(matches!(
            apply_result(&store, &other_currency, &CheckSchedule::default(), now()).await.unwrap(),
            Applied::Mismatch { field: "currency", .. }
        ));
        assert_eq!(store.get("pl-1").await.unwrap().unwrap().state, LinkState::Created);
        let mut unknown = result(RailStatus::Success);
        unknown.order_id = "pl-x".into();
        assert_eq!(
            apply_result(&store, &unknown, &CheckSchedule::default(), now()).await.unwrap(),
            Applied::UnknownLink
        );
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
                    let applied = apply_result(&store, &result(*status), &CheckSchedule::default(), now()).await.unwrap();
                    let current = store.get("pl-1").await.unwrap().unwrap().state;
                    prop_assert!(current == previous || previous.can_move_to(current));
                    if let Applied::Moved(link) = applied
                        && link.state.is_final()
                    {
                        final_moves += 1;
                        first_final.get_or_insert(link.state);
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
