//! The BNPL plans store, one contract for both adapters: each behaviour is a function over
//! the port, run against the in-memory twin and against moto (the test command starts moto
//! and sets `AWS_ENDPOINT_URL` and `BNPL_PLANS_TABLE` from `template.yaml`; with
//! `PAYBOT_REQUIRE_MOTO=1` a missing moto is a failure). Concurrent saves run on the serial
//! moto (`PAYBOT_SERIAL_MOTO_URL`), which applies conditional writes one at a time as
//! DynamoDB does (see `wallet_stores.rs`).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use paybot::adapters::aws::{AwsClients, DynamoBnplPlanStore};
use paybot::adapters::memory::MemoryBnplPlanStore;
use paybot::bnpl_plans::{BnplPlan, BnplPlanStore, Instalment, InstalmentState};
use paybot::config::Config;
use paybot::domain::{ContactKey, Currency, Locale};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn plan(account_id: &str, created: i64, next_check_at: Option<DateTime<Utc>>) -> BnplPlan {
    let instalment = |n: u32| Instalment {
        n,
        principal_minor: 10_000,
        fee_minor: 300,
        due_at: at(created) + Duration::days(30 * i64::from(n)),
        state: InstalmentState::Open,
        reminded_at: None,
        overdue_since: None,
        paid_at: None,
        transfer_id: None,
    };
    BnplPlan {
        id: unique("bnpl"),
        account_id: account_id.into(),
        contact: ContactKey { business_number_id: "wallet".into(), user_key: "+233244000001".into() },
        locale: Locale::Fr,
        currency: Currency::GHS,
        principal_minor: 30_000,
        fee_minor: 900,
        payee: "Ama O.".into(),
        instalments: (1..=3).map(instalment).collect(),
        next_check_at,
        version: 1,
        created_at: at(created),
    }
}

async fn plans_are_inserted_once_and_saved_by_version(store: &dyn BnplPlanStore) {
    let account = unique("acc");
    let first = plan(&account, 1_000, Some(at(2_000)));
    assert_eq!(store.insert_if_absent(&first).await.unwrap(), (first.clone(), true));
    let mut other = first.clone();
    other.principal_minor = 1;
    assert_eq!(store.insert_if_absent(&other).await.unwrap(), (first.clone(), false), "the stored plan wins");
    assert_eq!(store.get(&first.id).await.unwrap(), Some(first.clone()));
    assert_eq!(store.get("bnpl-none").await.unwrap(), None);

    let mut paid = first.clone();
    paid.instalments[0].state = InstalmentState::Paid;
    paid.instalments[0].paid_at = Some(at(3_000));
    paid.instalments[0].overdue_since = Some(at(2_500));
    paid.instalments[0].reminded_at = Some(at(1_500));
    paid.instalments[0].transfer_id = Some(paid.instalment_transfer_id(1));
    paid.version = 2;
    assert!(store.save(&paid).await.unwrap());
    let mut stale = first.clone();
    stale.version = 2;
    assert!(!store.save(&stale).await.unwrap(), "a save from an older version loses");
    assert!(!store.save(&paid).await.unwrap(), "the same version twice: once");
    let mut unknown = plan(&account, 1_000, None);
    unknown.version = 2;
    assert!(!store.save(&unknown).await.unwrap(), "a save never creates a plan");
    assert_eq!(store.get(&first.id).await.unwrap(), Some(paid.clone()), "every field round-trips");
    assert_eq!(store.get(&first.id).await.unwrap().unwrap().outstanding_minor(), 2 * 10_300);
}

async fn plans_of_an_account_come_oldest_first(store: &dyn BnplPlanStore) {
    let account = unique("acc");
    let newer = plan(&account, 5_000, None);
    let older = plan(&account, 4_000, None);
    let someone_else = plan(&unique("acc"), 4_500, None);
    for p in [&newer, &older, &someone_else] {
        store.insert_if_absent(p).await.unwrap();
    }
    let ids: Vec<String> = store.plans_of(&account).await.unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(ids, [older.id.clone(), newer.id.clone()]);
    assert!(store.plans_of(&unique("acc")).await.unwrap().is_empty());
}

async fn due_plans_come_by_next_check(store: &dyn BnplPlanStore) {
    let account = unique("acc");
    let early = plan(&account, 100, Some(at(200)));
    let late = plan(&account, 100, Some(at(300)));
    let done = plan(&account, 100, None);
    for p in [&late, &early, &done] {
        store.insert_if_absent(p).await.unwrap();
    }
    // On moto other runs share the table: only this run's plans are looked at.
    let ours = |plans: Vec<BnplPlan>| -> Vec<String> {
        plans.into_iter().filter(|p| p.account_id == account).map(|p| p.id).collect()
    };
    assert_eq!(ours(store.due(at(199), 1_000).await.unwrap()), Vec::<String>::new());
    assert_eq!(ours(store.due(at(250), 1_000).await.unwrap()), [early.id.clone()]);
    assert_eq!(ours(store.due(at(300), 1_000).await.unwrap()), [early.id.clone(), late.id.clone()]);
    assert!(store.due(at(300), 0).await.unwrap().is_empty());

    // Nothing more to do: the plan leaves the due list.
    let mut finished = early.clone();
    finished.next_check_at = None;
    finished.version = 2;
    assert!(store.save(&finished).await.unwrap());
    assert_eq!(ours(store.due(at(300), 1_000).await.unwrap()), [late.id.clone()]);
    // Moved later: due again only then.
    let mut later = late.clone();
    later.next_check_at = Some(at(900));
    later.version = 2;
    assert!(store.save(&later).await.unwrap());
    assert!(ours(store.due(at(300), 1_000).await.unwrap()).is_empty());
    assert_eq!(ours(store.due(at(900), 1_000).await.unwrap()), [late.id.clone()]);
}

/// Two scheduled runs saving the same version of a plan: exactly one wins.
async fn concurrent_saves_have_one_winner(store: Arc<dyn BnplPlanStore>) {
    let original = plan(&unique("acc"), 1_000, Some(at(2_000)));
    store.insert_if_absent(&original).await.unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let store = store.clone();
            let mut mine = original.clone();
            mine.version = 2;
            mine.instalments[0].reminded_at = Some(at(1_000 + i));
            tokio::spawn(async move { store.save(&mine).await.unwrap() })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap());
    }
    assert_eq!(wins, 1);
    assert_eq!(store.get(&original.id).await.unwrap().unwrap().version, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_bnpl_plans() {
    let store = Arc::new(MemoryBnplPlanStore::default());
    plans_are_inserted_once_and_saved_by_version(store.as_ref()).await;
    plans_of_an_account_come_oldest_first(store.as_ref()).await;
    due_plans_come_by_next_check(store.as_ref()).await;
    concurrent_saves_have_one_winner(store).await;
}

async fn moto(endpoint_var: &str) -> Option<Arc<DynamoBnplPlanStore>> {
    let Ok(endpoint) = std::env::var(endpoint_var) else {
        assert!(
            std::env::var("PAYBOT_REQUIRE_MOTO").is_err(),
            "PAYBOT_REQUIRE_MOTO is set but {endpoint_var} is not: start moto (see README)"
        );
        eprintln!(
            "moto BNPL plan tests not run: {endpoint_var} is not set (the README's test command sets it)"
        );
        return None;
    };
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(endpoint).load().await;
    let aws = AwsClients::from_sdk(&sdk);
    let table =
        Config::from_env().unwrap().tables.bnpl_plans.expect("BNPL_PLANS_TABLE from the moto bootstrap");
    Some(Arc::new(DynamoBnplPlanStore::new(aws.dynamodb.clone(), table)))
}

#[tokio::test]
async fn moto_bnpl_plans() {
    let Some(store) = moto("AWS_ENDPOINT_URL").await else { return };
    plans_are_inserted_once_and_saved_by_version(store.as_ref()).await;
    plans_of_an_account_come_oldest_first(store.as_ref()).await;
    due_plans_come_by_next_check(store.as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serial_moto_bnpl_plans() {
    let Some(store) = moto("PAYBOT_SERIAL_MOTO_URL").await else { return };
    concurrent_saves_have_one_winner(store).await;
}
