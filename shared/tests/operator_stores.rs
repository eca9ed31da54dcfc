//! The operator console's stores (controls, escalations, daily metrics), one contract for
//! both kinds of adapter: each behaviour is a function over the port, run once against the
//! in-memory twin and once against moto (the test command starts moto and sets
//! `AWS_ENDPOINT_URL` and the table names from `template.yaml`; with `PAYBOT_REQUIRE_MOTO=1`
//! a missing moto is a failure). The concurrent cases run on the serial moto
//! (`PAYBOT_SERIAL_MOTO_URL`): moto's threaded server does not apply concurrent updates of
//! one item atomically, where DynamoDB does (see `wallet_stores.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use paybot::adapters::aws::AwsClients;
use paybot::adapters::memory::{MemoryControlsStore, MemoryEscalationStore, MemoryMetricsStore};
use paybot::config::Config;
use paybot::domain::{ContactKey, Locale};
use paybot::operator::handoff::KEPT_MESSAGES;
use paybot::operator::metrics::{Tally, user_digest};
use paybot::ports::*;
use paybot::wiring::{AwsStores, Stores};

fn at_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn contact(business_number_id: &str) -> ContactKey {
    ContactKey { business_number_id: business_number_id.into(), user_key: unique("+23324") }
}

/// Runs `tries` copies of `attempt` at once and collects what each returned.
async fn all_at_once<T, F, Fut>(tries: usize, attempt: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let tasks: Vec<_> = (0..tries).map(|i| tokio::spawn(attempt(i))).collect();
    let mut results = Vec::with_capacity(tries);
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

// ---- controls -------------------------------------------------------------------------------

fn aliases(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(a, c)| (a.to_string(), c.to_string())).collect()
}

async fn controls_switch_and_aliases_per_number(store: &dyn ControlsStore) {
    let (number, other, fresh) = (unique("wa"), unique("wa"), unique("wa"));
    assert_eq!(
        store.controls(&number).await.unwrap(),
        NumberControls::default(),
        "the bot answers by default"
    );

    let pause = Pause { id: unique("pause"), by: "ops@example.com".into(), at: at_ms(1_700_000_000_123) };
    store.set_paused(&number, Some(&pause)).await.unwrap();
    assert_eq!(store.controls(&number).await.unwrap().paused, Some(pause.clone()));

    // The number has an item but no aliases yet; `fresh` has no item at all.
    store.teach_alias(&number, "CHECK BALANCE", "BAL").await.unwrap();
    store.teach_alias(&fresh, "ADD MONEY", "TOPUP").await.unwrap();
    assert_eq!(store.controls(&fresh).await.unwrap().aliases, aliases(&[("ADD MONEY", "TOPUP")]));
    store.teach_alias(&number, "ADD MONEY", "TOPUP").await.unwrap();
    // A phrase with what a document path would read as syntax is still one alias.
    store.teach_alias(&number, "SOLD.NOW [1]", "BAL").await.unwrap();
    store.teach_alias(&number, "CHECK BALANCE", "STATEMENT").await.unwrap();
    let controls = store.controls(&number).await.unwrap();
    assert_eq!(
        controls.aliases,
        aliases(&[("ADD MONEY", "TOPUP"), ("CHECK BALANCE", "STATEMENT"), ("SOLD.NOW [1]", "BAL")]),
        "taught, replaced, kept beside each other"
    );
    assert_eq!(controls.paused, Some(pause.clone()), "aliases leave the switch alone");

    assert!(store.forget_alias(&number, "SOLD.NOW [1]").await.unwrap());
    assert!(!store.forget_alias(&number, "SOLD.NOW [1]").await.unwrap(), "forgotten already");
    assert!(!store.forget_alias(&other, "ADD MONEY").await.unwrap(), "never taught on that number");
    assert!(store.controls(&other).await.unwrap().aliases.is_empty(), "aliases are per number");
    assert_eq!(store.controls(&fresh).await.unwrap().aliases, aliases(&[("ADD MONEY", "TOPUP")]));

    store.set_paused(&number, None).await.unwrap();
    let resumed = store.controls(&number).await.unwrap();
    assert_eq!(resumed.paused, None);
    assert_eq!(resumed.aliases, aliases(&[("ADD MONEY", "TOPUP"), ("CHECK BALANCE", "STATEMENT")]));
    store.set_paused(&other, None).await.unwrap();
    assert_eq!(store.controls(&other).await.unwrap(), NumberControls::default());
}

/// Five first aliases of a number at once: all are kept (the map is made once).
async fn concurrent_first_aliases_are_all_kept(store: Arc<dyn ControlsStore>) {
    let number = unique("wa");
    let results = all_at_once(5, |i| {
        let (store, number) = (store.clone(), number.clone());
        async move { store.teach_alias(&number, &format!("PHRASE {i}"), "BAL").await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(store.controls(&number).await.unwrap().aliases.len(), 5);
}

// ---- escalations ----------------------------------------------------------------------------

fn escalation(contact: &ContactKey, opened_ms: i64) -> Escalation {
    Escalation {
        contact: contact.clone(),
        reason: EscalationReason::Asked,
        opened_at: at_ms(opened_ms),
        locale: Locale::Fr,
        messages: vec![line("wamid.first", opened_ms, HandoffParty::User)],
        released: None,
    }
}

fn line(id: &str, ms: i64, from: HandoffParty) -> HandoffMessage {
    HandoffMessage { id: id.into(), at: at_ms(ms), from, text: format!("text of {id}") }
}

async fn escalations_open_once_and_keep_recent_lines(store: &dyn EscalationStore) {
    let number = unique("wa");
    let first = contact(&number);
    assert_eq!(store.get(&first).await.unwrap(), None);

    let opened = escalation(&first, 1_000);
    assert!(store.open(&opened).await.unwrap());
    let second_try = Escalation { reason: EscalationReason::RepeatedFailures, ..escalation(&first, 2_000) };
    assert!(!store.open(&second_try).await.unwrap(), "one open escalation per conversation");
    assert_eq!(store.get(&first).await.unwrap(), Some(opened.clone()), "the first stands");

    // A redelivered line is kept once; the operator's lines too.
    let user_line = line("wamid.2", 1_100, HandoffParty::User);
    store.append(&first, &user_line).await.unwrap();
    store.append(&first, &user_line).await.unwrap();
    let reply = line("op-1", 1_200, HandoffParty::Operator("ops@example.com".into()));
    store.append(&first, &reply).await.unwrap();
    assert_eq!(
        store.get(&first).await.unwrap().unwrap().messages,
        [opened.messages[0].clone(), user_line, reply]
    );

    // Lines past the budget push the oldest out.
    for i in 0..KEPT_MESSAGES + 5 {
        store
            .append(&first, &line(&format!("wamid.many.{i}"), 2_000 + i as i64, HandoffParty::User))
            .await
            .unwrap();
    }
    let kept = store.get(&first).await.unwrap().unwrap().messages;
    let expected: Vec<String> = (5..KEPT_MESSAGES + 5).map(|i| format!("wamid.many.{i}")).collect();
    assert_eq!(kept.iter().map(|m| m.id.clone()).collect::<Vec<_>>(), expected, "the newest, oldest first");

    // A conversation never escalated gets nothing from a line.
    let never = contact(&number);
    store.append(&never, &line("wamid.x", 5, HandoffParty::User)).await.unwrap();
    assert_eq!(store.get(&never).await.unwrap(), None);
}

async fn escalations_are_listed_released_and_reopened(store: &dyn EscalationStore) {
    let (number, other_number) = (unique("wa"), unique("wa"));
    let (late, early, middle, released) =
        (contact(&number), contact(&number), contact(&number), contact(&number));
    for (contact, opened) in [(&late, 3_000), (&early, 1_000), (&middle, 2_000), (&released, 500)] {
        assert!(store.open(&escalation(contact, opened)).await.unwrap());
    }
    assert!(store.open(&escalation(&contact(&other_number), 100)).await.unwrap());

    assert!(store.release(&released, "ops@example.com", at_ms(4_000)).await.unwrap());
    assert!(!store.release(&released, "ops@example.com", at_ms(4_500)).await.unwrap(), "released already");
    assert!(
        !store.release(&contact(&number), "ops@example.com", at_ms(4_500)).await.unwrap(),
        "never opened"
    );
    assert_eq!(
        store.get(&released).await.unwrap().unwrap().released,
        Some(("ops@example.com".to_owned(), at_ms(4_000)))
    );

    let open = store.open_for(&number, 10).await.unwrap();
    assert_eq!(
        open.iter().map(|e| e.contact.clone()).collect::<Vec<_>>(),
        [early.clone(), middle.clone(), late.clone()],
        "open ones of this number, oldest first"
    );
    assert_eq!(open[0], escalation(&early, 1_000), "as opened");
    assert_eq!(store.open_for(&number, 1).await.unwrap().len(), 1);
    assert_eq!(store.open_for(&number, 1).await.unwrap()[0].contact, early);
    assert!(store.open_for(&number, 0).await.unwrap().is_empty());
    assert_eq!(store.open_for(&other_number, 10).await.unwrap().len(), 1);

    // A released conversation escalates again: the new escalation replaces it.
    let again = Escalation { reason: EscalationReason::RepeatedFailures, ..escalation(&released, 5_000) };
    assert!(store.open(&again).await.unwrap());
    assert_eq!(store.get(&released).await.unwrap(), Some(again.clone()));
    store.append(&released, &line("wamid.after", 5_100, HandoffParty::User)).await.unwrap();
    assert_eq!(store.get(&released).await.unwrap().unwrap().messages.len(), 2);
    let open = store.open_for(&number, 10).await.unwrap();
    assert_eq!(open.last().map(|e| e.contact.clone()), Some(released.clone()));
    assert_eq!(open.len(), 4);
}

/// Ten lines appended at once: each kept once.
async fn concurrent_lines_are_each_kept(store: Arc<dyn EscalationStore>) {
    let who = contact(&unique("wa"));
    assert!(store.open(&Escalation { messages: Vec::new(), ..escalation(&who, 1_000) }).await.unwrap());
    let results =
        all_at_once(10, |i| {
            let (store, who) = (store.clone(), who.clone());
            async move {
                store.append(&who, &line(&format!("wamid.{i}"), 1_000 + i as i64, HandoffParty::User)).await
            }
        })
        .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let mut ids: Vec<_> =
        store.get(&who).await.unwrap().unwrap().messages.into_iter().map(|m| m.id).collect();
    ids.sort();
    let mut expected: Vec<_> = (0..10).map(|i| format!("wamid.{i}")).collect();
    expected.sort();
    assert_eq!(ids, expected);
}

// ---- metrics --------------------------------------------------------------------------------

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

async fn metrics_add_up_per_number_and_day(store: &dyn MetricsStore) {
    let (number, other) = (unique("wa"), unique("wa"));
    let mut a = Tally { messages: 2, transactions: 1, volume_minor: 1_250, webhooks: 1, ..Tally::default() };
    a.users.insert(user_digest(&number, "+233244000001"));
    a.count_command("bal");
    a.count_response(300);
    a.count_response(12_000);
    a.last_webhook_at = Some(at_ms(1_700_000_002_000));
    let mut b = Tally {
        messages: 3,
        failed_commands: 1,
        escalations: 1,
        failed_transactions: 1,
        volume_minor: -250,
        webhooks: 2,
        signature_failures: 2,
        ..Tally::default()
    };
    b.users.insert(user_digest(&number, "+233244000001"));
    b.users.insert(user_digest(&number, "+233244000002"));
    b.count_command("bal");
    b.count_command("send");
    b.count_command("send");
    b.count_response(400);
    // Older than a's: the later add must not move the latest webhook back.
    b.last_webhook_at = Some(at_ms(1_700_000_001_500));

    store.add(&number, day(1), &a).await.unwrap();
    store.add(&number, day(1), &b).await.unwrap();
    let mut merged = a.clone();
    merged.merge(&b);
    assert_eq!(merged.last_webhook_at, a.last_webhook_at);
    assert_eq!((merged.users.len(), merged.commands["send"], merged.response_buckets[&1]), (2, 2, 2));
    assert_eq!(store.days(&number, day(1), day(1)).await.unwrap(), [(day(1), merged.clone())]);

    // Days apart, inclusive at both ends; no figures for a day nothing was added to; an
    // empty tally adds no day.
    let c = Tally { messages: 1, ..Tally::default() };
    store.add(&number, day(5), &c).await.unwrap();
    store.add(&number, day(3), &Tally::default()).await.unwrap();
    let latest = Tally { last_webhook_at: Some(at_ms(1_700_000_009_000)), ..Tally::default() };
    store.add(&number, day(7), &latest).await.unwrap();
    assert_eq!(
        store.days(&number, day(1), day(5)).await.unwrap(),
        [(day(1), merged.clone()), (day(5), c.clone())]
    );
    assert_eq!(store.days(&number, day(2), day(4)).await.unwrap(), []);
    assert_eq!(store.days(&number, day(5), day(7)).await.unwrap(), [(day(5), c.clone()), (day(7), latest)]);
    assert_eq!(store.days(&number, day(5), day(1)).await.unwrap(), [], "an empty range");

    // Per number.
    store.add(&other, day(1), &c).await.unwrap();
    assert_eq!(store.days(&other, day(1), day(31)).await.unwrap(), [(day(1), c)]);
    assert_eq!(store.days(&number, day(1), day(1)).await.unwrap(), [(day(1), merged)]);
}

/// Ten batches add to one day at once: every count and user is kept.
async fn concurrent_adds_all_count(store: Arc<dyn MetricsStore>) {
    let number = unique("wa");
    let results = all_at_once(10, |i| {
        let (store, number) = (store.clone(), number.clone());
        async move {
            let mut tally = Tally { messages: 1, ..Tally::default() };
            tally.users.insert(user_digest(&number, &format!("+23324400000{i}")));
            tally.count_command("bal");
            store.add(&number, day(2), &tally).await
        }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let days = store.days(&number, day(2), day(2)).await.unwrap();
    let tally = &days[0].1;
    assert_eq!((tally.messages, tally.users.len(), tally.commands["bal"]), (10, 10, 10));
}

// ---- memory ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_controls() {
    controls_switch_and_aliases_per_number(&MemoryControlsStore::default()).await;
    concurrent_first_aliases_are_all_kept(Arc::new(MemoryControlsStore::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_escalations() {
    let store = MemoryEscalationStore::default();
    escalations_open_once_and_keep_recent_lines(&store).await;
    escalations_are_listed_released_and_reopened(&store).await;
    concurrent_lines_are_each_kept(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_metrics() {
    metrics_add_up_per_number_and_day(&MemoryMetricsStore::default()).await;
    concurrent_adds_all_count(Arc::new(MemoryMetricsStore::default())).await;
}

// ---- moto -----------------------------------------------------------------------------------

const MOTO: &str = "AWS_ENDPOINT_URL";
const SERIAL_MOTO: &str = "PAYBOT_SERIAL_MOTO_URL";

/// The AWS clients at the moto named by `endpoint_var`, or `None` (with a note) when that
/// moto was not started.
async fn moto(endpoint_var: &str) -> Option<AwsStores> {
    let Ok(endpoint) = std::env::var(endpoint_var) else {
        assert!(
            std::env::var("PAYBOT_REQUIRE_MOTO").is_err(),
            "PAYBOT_REQUIRE_MOTO is set but {endpoint_var} is not: start moto (see README)"
        );
        eprintln!(
            "moto contract tests not run: {endpoint_var} is not set (the README's test command sets it)"
        );
        return None;
    };
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(endpoint).load().await;
    Some(AwsStores { clients: AwsClients::from_sdk(&sdk), config: Config::from_env().unwrap() })
}

#[tokio::test]
async fn moto_controls_store() {
    let Some(aws) = moto(MOTO).await else { return };
    controls_switch_and_aliases_per_number(aws.controls().unwrap().as_ref()).await;
}

#[tokio::test]
async fn moto_escalation_store() {
    let Some(aws) = moto(MOTO).await else { return };
    let store = aws.escalations().unwrap();
    escalations_open_once_and_keep_recent_lines(store.as_ref()).await;
    escalations_are_listed_released_and_reopened(store.as_ref()).await;
}

#[tokio::test]
async fn moto_metrics_store() {
    let Some(aws) = moto(MOTO).await else { return };
    metrics_add_up_per_number_and_day(aws.metrics().unwrap().as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serial_moto_controls_store() {
    let Some(aws) = moto(SERIAL_MOTO).await else { return };
    concurrent_first_aliases_are_all_kept(aws.controls().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serial_moto_escalation_store() {
    let Some(aws) = moto(SERIAL_MOTO).await else { return };
    concurrent_lines_are_each_kept(aws.escalations().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serial_moto_metrics_store() {
    let Some(aws) = moto(SERIAL_MOTO).await else { return };
    concurrent_adds_all_count(aws.metrics().unwrap()).await;
}
