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
