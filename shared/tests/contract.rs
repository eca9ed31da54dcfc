//! One contract for both kinds of adapter: each behaviour is a function over the port,
//! run once against the in-memory twin and once against moto's DynamoDB, SQS and Secrets
//! Manager (the test command starts moto and sets `AWS_ENDPOINT_URL` and the table names
//! from `template.yaml`; with `PAYBOT_REQUIRE_MOTO=1` a missing moto is a failure).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use paybot::adapters::aws::{
    AwsClients, DynamoDeliveryStatusStore, DynamoWindowStore, SecretsManagerSource, SqsQueue,
};
use paybot::adapters::memory::{
    ManualClock, MemoryDeliveryStatusStore, MemoryQueue, MemorySecrets, MemoryWindowStore,
};
use paybot::config::Config;
use paybot::domain::{ContactKey, DeliveryState, DeliveryUpdate};
use paybot::ports::{
    DeliveryStatusStore, QueueMessage, QueueReceiver, QueueSender, SecretSource, WindowStore,
};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

// ---- the contract -------------------------------------------------------------------

async fn window_never_moves_backwards(store: &dyn WindowStore) {
    let contact = ContactKey { business_number_id: "1065".into(), user_key: unique("+37369") };
    assert_eq!(store.last_inbound(&contact).await.unwrap(), None);
    store.record_inbound(&contact, at(1_000)).await.unwrap();
    assert_eq!(store.last_inbound(&contact).await.unwrap(), Some(at(1_000)));
    store.record_inbound(&contact, at(900)).await.unwrap();
    store.record_inbound(&contact, at(1_000)).await.unwrap();
    assert_eq!(store.last_inbound(&contact).await.unwrap(), Some(at(1_000)));
    store.record_inbound(&contact, at(2_000)).await.unwrap();
    assert_eq!(store.last_inbound(&contact).await.unwrap(), Some(at(2_000)));
    // The same user on another business number is another conversation.
    let other = ContactKey { business_number_id: "2077".into(), ..contact.clone() };
    assert_eq!(store.last_inbound(&other).await.unwrap(), None);
}

async fn concurrent_window_updates_keep_the_newest(store: Arc<dyn WindowStore>) {
    let contact = ContactKey { business_number_id: "1065".into(), user_key: unique("+37369") };
    let mut tasks = Vec::new();
    for seconds in [5_000, 7_000, 6_000, 1_000, 6_500] {
        let (store, contact) = (store.clone(), contact.clone());
        tasks.push(tokio::spawn(async move { store.record_inbound(&contact, at(seconds)).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(store.last_inbound(&contact).await.unwrap(), Some(at(7_000)));
}

async fn delivery_status_only_moves_up(store: &dyn DeliveryStatusStore) {
    let id = unique("wamid");
    let update = |state, seconds, error_code| DeliveryUpdate {
        message_id: id.clone(),
        state,
        at: at(seconds),
        error_code,
    };
    assert_eq!(store.get(&id).await.unwrap(), None);
    store.record(&update(DeliveryState::Delivered, 20, None)).await.unwrap();
    store.record(&update(DeliveryState::Sent, 10, None)).await.unwrap();
    let record = store.get(&id).await.unwrap().unwrap();
    assert_eq!((record.state, record.at, record.error_code), (DeliveryState::Delivered, at(20), None));
    store.record(&update(DeliveryState::Read, 30, None)).await.unwrap();
    store.record(&update(DeliveryState::Failed, 40, Some(131_026))).await.unwrap();
    store.record(&update(DeliveryState::Read, 50, None)).await.unwrap();
    let record = store.get(&id).await.unwrap().unwrap();
    assert_eq!((record.state, record.at, record.error_code), (DeliveryState::Failed, at(40), Some(131_026)));

    // A sent status update keeps its outbox form beside it, taken once.
    assert_eq!(store.take_fallback(&id).await.unwrap(), None);
    let money = paybot::domain::Money::new(100.into(), paybot::domain::Currency::MDL).unwrap();
    let item = paybot::ports::Notice {
        id: "payment_links:pl-1:success".into(),
        contact: ContactKey { business_number_id: "1065".into(), user_key: "+37369123456".into() },
        text: paybot::i18n::Words::new("payment-paid").arg("amount", paybot::i18n::WordArg::Amount(money)),
        template: "payment_update".into(),
        parameters: vec![paybot::i18n::WordArg::Message("template-status-success".into())],
        digest_line: vec![paybot::i18n::WordArg::Amount(money)],
        locale: paybot::domain::Locale::Ro,
        at: at(50),
    };
    assert!(store.attach_fallback(&id, &item).await.unwrap());
    assert_eq!(
        store.get(&id).await.unwrap().unwrap().state,
        DeliveryState::Failed,
        "the status is untouched"
    );
    assert_eq!(store.take_fallback(&id).await.unwrap(), Some(item.clone()));
    assert_eq!(store.take_fallback(&id).await.unwrap(), None);

    // Meta's 131047 recorded first: nothing is kept, the caller moves the update itself.
    let closed = unique("wamid");
    let failed = DeliveryUpdate {
        message_id: closed.clone(),
        state: DeliveryState::Failed,
        at: at(60),
        error_code: Some(paybot::ports::WINDOW_CLOSED_CODE),
    };
    store.record(&failed).await.unwrap();
    assert!(!store.attach_fallback(&closed, &item).await.unwrap());
    assert_eq!(store.take_fallback(&closed).await.unwrap(), None);
}

fn message(body: &str, group: &str, dedup: &str) -> QueueMessage {
    QueueMessage { body: body.into(), group: Some(group.into()), dedup_id: Some(dedup.into()) }
}

/// Drains what is ready, deleting as it goes.
async fn drain(receiver: &dyn QueueReceiver) -> Vec<(String, Option<String>, Option<String>)> {
    let mut all = Vec::new();
    for _ in 0..20 {
        let batch = receiver.receive(10).await.unwrap();
        if batch.is_empty() {
            break;
        }
        for m in batch {
            receiver.delete(&m.receipt).await.unwrap();
            all.push((m.body, m.group, m.dedup_id));
        }
    }
    all
}

async fn fifo_drops_repeated_dedup_ids_and_keeps_group_order(
    sender: Arc<dyn QueueSender>,
    receiver: &dyn QueueReceiver,
) {
    // The same id three times at once, then once more: one message.
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let sender = sender.clone();
        tasks.push(tokio::spawn(
            async move { sender.send_batch(&[message("first", "user-a", "wamid.1")]).await },
        ));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    sender.send_batch(&[message("first again", "user-a", "wamid.1")]).await.unwrap();
    // A batch over SQS's ten entries, in one group: order kept.
    let batch: Vec<_> =
        (2..=13).map(|i| message(&format!("m{i}"), "user-a", &format!("wamid.{i}"))).collect();
    sender.send_batch(&batch).await.unwrap();
    let received = drain(receiver).await;
    let bodies: Vec<_> = received.iter().map(|(b, _, _)| b.as_str()).collect();
    let expected: Vec<String> =
        std::iter::once("first".to_string()).chain((2..=13).map(|i| format!("m{i}"))).collect();
    assert_eq!(bodies, expected);
    assert_eq!(received[0].1.as_deref(), Some("user-a"));
    assert_eq!(received[0].2.as_deref(), Some("wamid.1"));
}

async fn standard_queue_keeps_every_message(sender: &dyn QueueSender, receiver: &dyn QueueReceiver) {
    let plain = |body: &str| QueueMessage { body: body.into(), group: None, dedup_id: None };
    sender.send_batch(&[plain("a"), plain("a"), plain("b")]).await.unwrap();
    let mut bodies: Vec<_> = drain(receiver).await.into_iter().map(|(b, _, _)| b).collect();
    bodies.sort();
    assert_eq!(bodies, ["a", "a", "b"]);
}

async fn secrets_read_as_a_map(source: &dyn SecretSource, id: &str) {
    let values = source.secret_values(id).await.unwrap();
    assert_eq!(values.get("WHATSAPP_APP_SECRET").map(String::as_str), Some("contract-secret"));
    assert_eq!(values.get("MAX_ATTEMPTS").map(String::as_str), Some("5"));
    assert!(source.secret_values(&unique("absent")).await.is_err());
}

// ---- memory -------------------------------------------------------------------------

#[tokio::test]
async fn memory_window_store() {
    window_never_moves_backwards(&MemoryWindowStore::default()).await;
    concurrent_window_updates_keep_the_newest(Arc::new(MemoryWindowStore::default())).await;
}

#[tokio::test]
async fn memory_delivery_status_store() {
    delivery_status_only_moves_up(&MemoryDeliveryStatusStore::default()).await;
}

#[tokio::test]
async fn memory_queues() {
    let clock = Arc::new(ManualClock::default());
    let fifo = Arc::new(MemoryQueue::fifo(clock.clone()));
    fifo_drops_repeated_dedup_ids_and_keeps_group_order(fifo.clone(), fifo.as_ref()).await;
    let standard = MemoryQueue::standard(clock);
    standard_queue_keeps_every_message(&standard, &standard).await;
}

#[tokio::test]
async fn memory_fifo_forgets_dedup_ids_after_five_minutes() {
    let clock = Arc::new(ManualClock::default());
    let fifo = MemoryQueue::fifo(clock.clone());
    fifo.send_batch(&[message("x", "g", "d")]).await.unwrap();
    clock.advance(chrono::Duration::minutes(4));
    fifo.send_batch(&[message("x", "g", "d")]).await.unwrap();
    assert_eq!(fifo.ready_len(), 1);
    clock.advance(chrono::Duration::minutes(2));
    fifo.send_batch(&[message("x", "g", "d")]).await.unwrap();
    assert_eq!(fifo.ready_len(), 2);
}

#[tokio::test]
async fn memory_secrets() {
    let source = MemorySecrets::default().with_secret(
        "paybot",
        HashMap::from([
            ("WHATSAPP_APP_SECRET".to_string(), "contract-secret".to_string()),
            ("MAX_ATTEMPTS".to_string(), "5".to_string()),
        ]),
    );
    secrets_read_as_a_map(&source, "paybot").await;
}

// ---- moto ---------------------------------------------------------------------------

/// The AWS clients pointed at moto, or `None` (with a note) when no moto was started.
async fn moto() -> Option<(AwsClients, Config)> {
    if std::env::var("AWS_ENDPOINT_URL").is_err() {
        assert!(
            std::env::var("PAYBOT_REQUIRE_MOTO").is_err(),
            "PAYBOT_REQUIRE_MOTO is set but AWS_ENDPOINT_URL is not: start moto (see README)"
        );
        eprintln!(
            "moto contract tests not run: AWS_ENDPOINT_URL is not set (the README's test command sets it)"
        );
        return None;
    }
    Some((AwsClients::load().await, Config::from_env().unwrap()))
}

async fn moto_queue(aws: &AwsClients, fifo: bool) -> SqsQueue {
    let name = if fifo { format!("{}.fifo", unique("contract")) } else { unique("contract") };
    let mut request = aws.sqs.create_queue().queue_name(name);
    if fifo {
        request = request.attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true");
    }
    let url = request.send().await.expect("moto creates queues").queue_url.unwrap();
    SqsQueue::new(aws.sqs.clone(), url)
}

#[tokio::test]
async fn moto_window_store() {
    let Some((aws, config)) = moto().await else {
        return;
    };
    let table = config.tables.contacts.expect("CONTACTS_TABLE from the moto bootstrap");
    let store = DynamoWindowStore::new(aws.dynamodb.clone(), table);
    window_never_moves_backwards(&store).await;
    concurrent_window_updates_keep_the_newest(Arc::new(store)).await;
}

#[tokio::test]
async fn moto_delivery_status_store() {
    let Some((aws, config)) = moto().await else {
        return;
    };
    let table = config.tables.message_status.expect("MESSAGE_STATUS_TABLE from the moto bootstrap");
    delivery_status_only_moves_up(&DynamoDeliveryStatusStore::new(aws.dynamodb.clone(), table)).await;
}

#[tokio::test]
async fn moto_queues() {
    let Some((aws, _)) = moto().await else { return };
    let fifo = Arc::new(moto_queue(&aws, true).await);
    fifo_drops_repeated_dedup_ids_and_keeps_group_order(fifo.clone(), fifo.as_ref()).await;
    let standard = moto_queue(&aws, false).await;
    standard_queue_keeps_every_message(&standard, &standard).await;
}

#[tokio::test]
async fn moto_secrets() {
    let Some((aws, _)) = moto().await else { return };
    let id = unique("paybot");
    aws.secrets
        .create_secret()
        .name(&id)
        .secret_string(r#"{"WHATSAPP_APP_SECRET":"contract-secret","MAX_ATTEMPTS":5,"UNUSED":null}"#)
        .send()
        .await
        .expect("moto creates secrets");
    secrets_read_as_a_map(&SecretsManagerSource::new(aws.secrets.clone()), &id).await;
    // And the configuration reads it the way a Lambda does at cold start.
    let config = Config::load_with(&SecretsManagerSource::new(aws.secrets.clone()), Some(&id), |_| None)
        .await
        .unwrap();
    assert_eq!(config.whatsapp.app_secret.expose(), "contract-secret");
}

// ---- directory, conversations, links, idempotency, audit, failed commands ---------------

mod records {
    use super::*;
    use chrono::Duration;
    use paybot::adapters::aws::{
        DynamoAuditLog, DynamoContactStore, DynamoDirectory, DynamoFailedCommandLog, DynamoIdempotencyStore,
        DynamoPaymentLinkStore,
    };
    use paybot::adapters::memory::{
        MemoryAuditLog, MemoryContactStore, MemoryDirectory, MemoryFailedCommandLog, MemoryIdempotencyStore,
        MemoryPaymentLinkStore,
    };
    use paybot::domain::{
        BusinessProfile, Capability, Currency, LinkKind, LinkState, Locale, MerchantBinding, Money,
        PaymentLink, Phone, Seller, SellerStatus,
    };
    use paybot::ports::{
        AuditEvent, AuditLog, Claim, ContactStore, Directory, DueCursor, FailedCommandLog, IdempotencyStore,
        LinkTransition, PaymentLinkStore,
    };
    use rust_decimal::Decimal;

    fn phone() -> Phone {
        // A fresh number per test run, so tests sharing moto's tables never meet.
        let n = uuid::Uuid::new_v4().as_u128() % 1_000_000;
        Phone::parse_international(&format!("+37369{n:06}")).unwrap()
    }

    async fn directory_round_trips(directory: &dyn Directory) {
        let profile = BusinessProfile {
            business_number_id: unique("pn"),
            display_number: "37369002773".into(),
            currency: Currency::MDL,
            country_code: "373".into(),
            default_locale: Locale::Ro,
            time_zone: "Europe/Chisinau".into(),
            qr_max: Decimal::from(50_000),
            rtp_max: Decimal::from(100_000),
            description_max_chars: 140,
            capabilities: vec![Capability::PaymentLinks, Capability::RequestToPay],
        };
        assert_eq!(directory.profile(&profile.business_number_id).await.unwrap(), None);
        directory.put_profile(&profile).await.unwrap();
        assert_eq!(directory.profile(&profile.business_number_id).await.unwrap(), Some(profile.clone()));
        // Profiles list without the sellers beside them, by business number id.
        let second = BusinessProfile {
            business_number_id: format!("{}-b", profile.business_number_id),
            ..profile.clone()
        };
        directory.put_profile(&second).await.unwrap();
        let listed: Vec<BusinessProfile> = directory
            .profiles()
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.business_number_id.starts_with(&profile.business_number_id))
            .collect();
        assert_eq!(listed, [profile, second]);
        let seller = Seller {
            phone: phone(),
            name: "Cafenea Ion".into(),
            locale: Locale::Ru,
            status: SellerStatus::Active,
            merchants: vec![MerchantBinding {
                merchant_id: "M-1".into(),
                name: "Cafenea".into(),
                qr_terminal: "T-QR".into(),
                rtp_terminal: None,
                currency: Currency::MDL,
                sealed_secret: "v1:abc".into(),
            }],
        };
        assert_eq!(directory.seller(&seller.phone).await.unwrap(), None);
        directory.put_seller(&seller).await.unwrap();
        assert_eq!(directory.seller(&seller.phone).await.unwrap(), Some(seller));
        assert!(directory.profiles().await.unwrap().iter().all(|p| !p.business_number_id.is_empty()));
    }

    async fn contact_settings_persist(store: &dyn ContactStore) {
        let contact = ContactKey { business_number_id: "1065".into(), user_key: unique("+37369") };
        assert_eq!(store.settings(&contact).await.unwrap(), Default::default());
        store.set_locale(&contact, Locale::De).await.unwrap();
        store.set_state(&contact, "payment_links", Some(r#"{"merchant":"M-2"}"#)).await.unwrap();
        store.set_state(&contact, "wallet", Some(r#"{"pending":"yes"}"#)).await.unwrap();
        let settings = store.settings(&contact).await.unwrap();
        assert_eq!(settings.locale, Some(Locale::De));
        assert_eq!(settings.state("payment_links"), Some(r#"{"merchant":"M-2"}"#));
        assert_eq!(settings.state("wallet"), Some(r#"{"pending":"yes"}"#), "namespaces never meet");
        store.set_state(&contact, "payment_links", None).await.unwrap();
        let settings = store.settings(&contact).await.unwrap();
        assert_eq!(settings.state("payment_links"), None);
        assert_eq!(settings.state("wallet"), Some(r#"{"pending":"yes"}"#));
        assert_eq!(settings.locale, Some(Locale::De));
    }

    fn link(seller: &Phone, id: &str, created: i64) -> PaymentLink {
        PaymentLink {
            id: id.into(),
            seller: seller.clone(),
            business_number_id: "1065".into(),
            merchant_id: "M-1".into(),
            terminal_id: "T-QR".into(),
            amount: Money::new(Decimal::new(10050, 2), Currency::MDL).unwrap(),
            description: Some("Cafea + croissant".into()),
            tag: Some("cafea".into()),
            kind: LinkKind::Qr,
            payer: None,
            state: LinkState::Creating,
            checkout_url: None,
            payment_id: None,
            payer_bank: None,
            next_check_at: None,
            request_message_id: "wamid.1".into(),
            created_at: at(created),
            updated_at: at(created),
        }
    }

    /// A forward move as a result from the rail makes it: due for its notification check a
    /// minute after, when final.
    fn forward(to: LinkState, seconds: i64) -> LinkTransition<'static> {
        LinkTransition {
            to,
            payment_id: Some("pay-r"),
            payer_bank: Some("MAIB"),
            check_at: at(seconds + 60),
            at: at(seconds),
        }
    }

    async fn links_move_forward_only(store: &dyn PaymentLinkStore) {
        let seller = phone();
        let first = link(&seller, &unique("pl"), 1_000);
        let (stored, inserted) = store.insert_if_absent(&first).await.unwrap();
        assert!(inserted);
        assert_eq!(stored, first);
        let mut again = first.clone();
        again.description = Some("other".into());
        let (stored, inserted) = store.insert_if_absent(&again).await.unwrap();
        assert!(!inserted);
        assert_eq!(stored, first, "the first insert wins");

        let created = store
            .mark_created(&first.id, "pay-1", Some("https://checkout/1"), at(1_600), at(1_001))
            .await
            .unwrap();
        let created = created.expect("creating -> created");
        assert_eq!(created.state, LinkState::Created);
        assert_eq!(created.payment_id.as_deref(), Some("pay-1"));
        assert_eq!(created.checkout_url.as_deref(), Some("https://checkout/1"));
        assert_eq!(created.next_check_at, Some(at(1_600)), "the first lookup is scheduled");
        // The answer again (a retry): nothing the first one stored changes.
        let again =
            store.mark_created(&first.id, "pay-2", None, at(1_700), at(1_002)).await.unwrap().unwrap();
        assert_eq!(
            (again.payment_id.as_deref(), again.checkout_url.as_deref(), again.next_check_at),
            (Some("pay-1"), Some("https://checkout/1"), Some(at(1_600)))
        );

        let paid = store.transition(&first.id, &forward(LinkState::Success, 1_003)).await.unwrap().unwrap();
        assert_eq!(paid.state, LinkState::Success);
        assert_eq!(paid.updated_at, at(1_003));
        assert_eq!(paid.payer_bank.as_deref(), Some("MAIB"));
        assert_eq!(store.transition(&first.id, &forward(LinkState::Success, 1_004)).await.unwrap(), None);
        assert_eq!(store.transition(&first.id, &forward(LinkState::Expired, 1_005)).await.unwrap(), None);
        assert_eq!(store.get(&first.id).await.unwrap().unwrap().state, LinkState::Success);
        assert_eq!(store.mark_created(&first.id, "pay-1", None, at(1_700), at(1_006)).await.unwrap(), None);

        // Concurrent outcomes: exactly one wins.
        let contested = link(&seller, &unique("pl"), 2_000);
        store.insert_if_absent(&contested).await.unwrap();
        store.mark_created(&contested.id, "pay-3", None, at(2_600), at(2_001)).await.unwrap();
        let outcomes = [LinkState::Success, LinkState::Declined, LinkState::Expired, LinkState::Failed];
        let mut wins = 0;
        for state in outcomes {
            if store.transition(&contested.id, &forward(state, 2_002)).await.unwrap().is_some() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1);

        // A link the rail never accepted is discarded; a created one is not.
        let unfinished = link(&seller, &unique("pl"), 3_000);
        store.insert_if_absent(&unfinished).await.unwrap();
        store.discard_unfinished(&unfinished.id).await.unwrap();
        assert_eq!(store.get(&unfinished.id).await.unwrap(), None);
        store.discard_unfinished(&first.id).await.unwrap();
        assert!(store.get(&first.id).await.unwrap().is_some());

        // A callback that beats the rail's answer: the payment id is stored with the state,
        // and the answer that follows adds the checkout page without moving the link back.
        let raced = link(&seller, &unique("pl"), 3_500);
        store.insert_if_absent(&raced).await.unwrap();
        let pending =
            LinkTransition { to: LinkState::Pending, payer_bank: None, ..forward(LinkState::Pending, 3_501) };
        let moved = store.transition(&raced.id, &pending).await.unwrap().unwrap();
        assert_eq!((moved.state, moved.payment_id.as_deref()), (LinkState::Pending, Some("pay-r")));
        let answered = store
            .mark_created(&raced.id, "pay-r", Some("https://checkout/r"), at(4_100), at(3_502))
            .await
            .unwrap();
        let answered = answered.unwrap();
        assert_eq!(answered.state, LinkState::Pending);
        assert_eq!(answered.checkout_url.as_deref(), Some("https://checkout/r"));

        // Due links: open ones at their lookup time, final ones until their notification is
        // recorded queued; in check-time order, page by page.
        let mine = |links: Vec<PaymentLink>| -> Vec<String> {
            links.into_iter().filter(|l| l.seller == seller).map(|l| l.id).collect()
        };
        let due = mine(store.due_links(at(10_000), None, 1_000).await.unwrap());
        assert_eq!(
            due,
            vec![first.id.clone(), contested.id.clone(), raced.id.clone()],
            "first and contested await their notification (check at +notify), raced its lookup"
        );
        assert!(mine(store.due_links(at(1_000), None, 1_000).await.unwrap()).is_empty(), "nothing due yet");
        store.mark_notified(&first.id, LinkState::Success).await.unwrap();
        store.mark_notified(&contested.id, LinkState::Created).await.unwrap();
        let due = mine(store.due_links(at(10_000), None, 1_000).await.unwrap());
        assert_eq!(due, vec![contested.id.clone(), raced.id.clone()], "only a final state is notified");

        // The poller's claim: only the first of two overlapping runs moves the check.
        let raced_due = store.get(&raced.id).await.unwrap().unwrap().next_check_at.unwrap();
        assert!(store.reschedule(&raced.id, raced_due, at(20_000)).await.unwrap());
        assert!(!store.reschedule(&raced.id, raced_due, at(30_000)).await.unwrap());
        assert_eq!(store.get(&raced.id).await.unwrap().unwrap().next_check_at, Some(at(20_000)));

        // Paging: every due link once, in order, whatever the page size.
        let waiting: Vec<PaymentLink> = (0..5).map(|i| link(&seller, &unique("pl"), 5_000 + i)).collect();
        for (i, w) in waiting.iter().enumerate() {
            store.insert_if_absent(w).await.unwrap();
            store.mark_created(&w.id, "pay-w", None, at(6_000 + i as i64), at(5_100)).await.unwrap();
        }
        let mut paged = Vec::new();
        let mut cursor: Option<DueCursor> = None;
        for _ in 0..50 {
            let page = store.due_links(at(7_000), cursor.as_ref(), 2).await.unwrap();
            let Some(last) = page.last() else { break };
            cursor = Some(DueCursor { check_at: last.next_check_at.unwrap(), id: last.id.clone() });
            paged.extend(mine(page));
        }
        let expected: Vec<String> =
            std::iter::once(contested.id.clone()).chain(waiting.iter().map(|w| w.id.clone())).collect();
        assert_eq!(paged, expected, "contested still awaits its notification");

        let newest_first: Vec<_> = store
            .by_seller(&seller, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.created_at.timestamp())
            .collect();
        assert_eq!(newest_first, [5_004, 5_003, 5_002, 5_001, 5_000, 3_500, 2_000, 1_000]);
        assert_eq!(store.by_seller(&seller, 1).await.unwrap().len(), 1);
    }

    async fn claims_lease_and_complete(store: &dyn IdempotencyStore) {
        let key = unique("wamid");
        let lease = Duration::minutes(5);
        assert_eq!(store.claim(&key, at(1_000), lease).await.unwrap(), Claim::Acquired);
        assert_eq!(store.claim(&key, at(1_010), lease).await.unwrap(), Claim::InProgress);
        // The worker died: after the lease someone else takes over.
        assert_eq!(store.claim(&key, at(1_000 + 301), lease).await.unwrap(), Claim::Acquired);
        store.complete(&key, at(1_400), Duration::days(8)).await.unwrap();
        assert_eq!(store.claim(&key, at(1_500), lease).await.unwrap(), Claim::Done);
        // Expiry is compared in code, whether or not the store has deleted the item yet.
        assert_eq!(store.claim(&key, at(1_400 + 8 * 86_400 + 1), lease).await.unwrap(), Claim::Acquired);

        let failed = unique("wamid");
        assert_eq!(store.claim(&failed, at(1_000), lease).await.unwrap(), Claim::Acquired);
        store.release(&failed).await.unwrap();
        assert_eq!(store.claim(&failed, at(1_001), lease).await.unwrap(), Claim::Acquired);

        // A delivery Meta reported undelivered is reopened: done work may be done again.
        let reopened = unique("notice");
        assert_eq!(store.claim(&reopened, at(1_000), lease).await.unwrap(), Claim::Acquired);
        store.complete(&reopened, at(1_001), Duration::days(2)).await.unwrap();
        store.reopen(&reopened).await.unwrap();
        assert_eq!(store.claim(&reopened, at(1_002), lease).await.unwrap(), Claim::Acquired);
        store.reopen(&unique("never-claimed")).await.unwrap();
    }

    async fn audit_chains_verify(log: &dyn AuditLog) {
        let chain = unique("seller:+37369");
        for (i, kind) in ["link_issued", "refused", "link_issued"].into_iter().enumerate() {
            let event = AuditEvent {
                chain: chain.clone(),
                kind: kind.into(),
                at: at(1_000 + i as i64),
                detail: serde_json::json!({"n": i, "amount": "100.00", "z": [1, 2], "a": null}),
            };
            let record = log.append(event).await.unwrap();
            assert_eq!(record.seq, i as u64 + 1);
        }
        let records = log.chain(&chain).await.unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(paybot::audit::verify_chain(&records), Ok(()));
        assert_eq!(records[1].prev_hash, records[0].hash);
    }

    async fn failed_commands_aggregate(log: &dyn FailedCommandLog) {
        // Letters only: the log masks digit runs.
        let letters: String = uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .chars()
            .map(|c| (b'G' + (c.to_digit(16).unwrap() as u8)) as char)
            .collect();
        let word = format!("PAAY{letters}");
        let (number, other) = (unique("1065"), unique("2332"));
        log.record(&number, &format!("{word} 100"), "unknown_command", Some("pay"), at(1_000)).await.unwrap();
        log.record(
            &number,
            &format!("  {} 100 ", word.to_lowercase()),
            "unknown_command",
            Some("pay"),
            at(2_000),
        )
        .await
        .unwrap();
        log.record(&number, "/rtp 100 069123456", "payer_not_a_phone", None, at(1_500)).await.unwrap();
        log.record(&other, &format!("{word} 100"), "unknown_command", Some("pay"), at(3_000)).await.unwrap();
        let all = log.list(&number, 1_000).await.unwrap();
        assert_eq!(all.len(), 2, "one entry per distinct failure of this number: {all:?}");
        assert_eq!(log.list(&other, 10).await.unwrap().len(), 1, "each number has its own log");
        let mine = all.iter().find(|e| e.text == format!("{word} 100")).expect("aggregated entry");
        assert_eq!((mine.count, mine.last_seen, mine.suggestion.as_deref()), (2, at(2_000), Some("pay")));
        assert!(all.iter().all(|e| !e.text.contains("069123456")), "phone numbers are masked");
    }

    async fn outbox_keeps_one_item_per_notice(store: &dyn paybot::ports::OutboxStore) {
        use paybot::i18n::{WordArg, Words};
        use paybot::ports::Notice;
        let contact = ContactKey { business_number_id: "1065".into(), user_key: unique("+37369") };
        let item = |id: &str, seconds| {
            let amount = WordArg::Amount(Money::new(Decimal::from(100), Currency::MDL).unwrap());
            Notice {
                id: id.into(),
                contact: contact.clone(),
                text: Words::new("payment-paid")
                    .arg("amount", amount.clone())
                    .arg("bank", WordArg::Text("MAIB".into())),
                template: "payment_update".into(),
                parameters: vec![WordArg::Message("template-status-success".into()), amount.clone()],
                digest_line: vec![amount],
                locale: Locale::Fr,
                at: at(seconds),
            }
        };
        assert!(store.pending(&contact).await.unwrap().is_empty());
        store.add(&item("pl-b", 20)).await.unwrap();
        store.add(&item("pl-a", 10)).await.unwrap();
        store.add(&item("pl-a", 10)).await.unwrap();
        let pending = store.pending(&contact).await.unwrap();
        assert_eq!(pending.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["pl-a", "pl-b"]);
        assert_eq!(pending[0], item("pl-a", 10), "kept as added, words and all");
        assert!(store.contacts_with_pending(10_000).await.unwrap().contains(&contact));
        store.remove(&contact, &["pl-a".to_string(), "pl-b".to_string()]).await.unwrap();
        assert!(store.pending(&contact).await.unwrap().is_empty());
        assert!(!store.contacts_with_pending(10_000).await.unwrap().contains(&contact));
    }

    #[tokio::test]
    async fn memory_records() {
        outbox_keeps_one_item_per_notice(&paybot::adapters::memory::MemoryOutboxStore::default()).await;
        directory_round_trips(&MemoryDirectory::default()).await;
        contact_settings_persist(&MemoryContactStore::default()).await;
        links_move_forward_only(&MemoryPaymentLinkStore::default()).await;
        claims_lease_and_complete(&MemoryIdempotencyStore::default()).await;
        audit_chains_verify(&MemoryAuditLog::default()).await;
        failed_commands_aggregate(&MemoryFailedCommandLog::default()).await;
    }

    #[tokio::test]
    async fn moto_records() {
        let Some((aws, config)) = moto().await else { return };
        let t = &config.tables;
        let db = || aws.dynamodb.clone();
        directory_round_trips(&DynamoDirectory::new(db(), t.directory.clone().expect("DIRECTORY_TABLE")))
            .await;
        contact_settings_persist(&DynamoContactStore::new(db(), t.contacts.clone().expect("CONTACTS_TABLE")))
            .await;
        links_move_forward_only(&DynamoPaymentLinkStore::new(
            db(),
            t.payment_links.clone().expect("PAYMENT_LINKS_TABLE"),
        ))
        .await;
        claims_lease_and_complete(&DynamoIdempotencyStore::new(
            db(),
            t.idempotency.clone().expect("IDEMPOTENCY_TABLE"),
        ))
        .await;
        audit_chains_verify(&DynamoAuditLog::new(db(), t.audit.clone().expect("AUDIT_TABLE"))).await;
        outbox_keeps_one_item_per_notice(&paybot::adapters::aws::DynamoOutboxStore::new(
            db(),
            t.outbox.clone().expect("OUTBOX_TABLE"),
        ))
        .await;
        failed_commands_aggregate(&DynamoFailedCommandLog::new(
            db(),
            t.failed_commands.clone().expect("FAILED_COMMANDS_TABLE"),
        ))
        .await;
    }
}
