//! The susu group store, one contract for both adapters: the in-memory twin and DynamoDB on
//! moto (`AWS_ENDPOINT_URL`, tables from `template.yaml`; `PAYBOT_REQUIRE_MOTO=1` makes a
//! missing moto a failure). Concurrent joins run on the serial moto
//! (`PAYBOT_SERIAL_MOTO_URL`): moto's threaded server does not run concurrent transactions on
//! one item atomically, where DynamoDB does.

use std::sync::Arc;

use chrono::DateTime;
use paybot::adapters::aws::AwsClients;
use paybot::adapters::memory::MemorySusuGroupStore;
use paybot::config::Config;
use paybot::domain::{Currency, SusuCycleLength, SusuGroup, SusuJoin};
use paybot::ports::SusuGroupStore;
use paybot::wiring::{AwsStores, Stores};

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple()).to_uppercase()
}

fn group(code: &str, seats: u32, members: &[&str]) -> SusuGroup {
    SusuGroup {
        code: code.into(),
        name: "Makola Traders".into(),
        business_number_id: "106540352242944".into(),
        currency: Currency::GHS,
        contribution_minor: 1_000,
        cycle: SusuCycleLength::Weekly,
        starts_at: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
        seats,
        members: members.iter().map(|m| (*m).to_owned()).collect(),
    }
}

fn members(group: &SusuGroup) -> Vec<&str> {
    group.members.iter().map(String::as_str).collect()
}

async fn groups_are_written_joined_and_found(store: &dyn SusuGroupStore) {
    let code = unique("G");
    let (a, b, c, d) = (unique("A"), unique("B"), unique("C"), unique("D"));
    assert_eq!(store.group(&code).await.unwrap(), None);
    assert_eq!(store.join(&code, &a).await.unwrap(), SusuJoin::NoSuchGroup);

    store.put_group(&group(&code, 3, &[&a])).await.unwrap();
    assert_eq!(members(&store.group(&code).await.unwrap().unwrap()), [a.as_str()]);
    let SusuJoin::Joined(joined) = store.join(&code, &b).await.unwrap() else { panic!("b joins") };
    assert_eq!(members(&joined), [a.as_str(), b.as_str()], "joiners go to the end of the payout order");
    assert!(matches!(store.join(&code, &b).await.unwrap(), SusuJoin::AlreadyMember(_)));
    assert!(matches!(store.join(&code, &c).await.unwrap(), SusuJoin::Joined(_)));
    assert!(matches!(store.join(&code, &d).await.unwrap(), SusuJoin::Full(_)));

    // The operator imports the group again (renamed, as the file lists it): who joined stays.
    let mut renamed = group(&code, 3, &[&a]);
    renamed.name = "Makola Market Traders".into();
    store.put_group(&renamed).await.unwrap();
    let stored = store.group(&code).await.unwrap().unwrap();
    assert_eq!(stored.name, "Makola Market Traders");
    assert_eq!(members(&stored), [a.as_str(), b.as_str(), c.as_str()]);

    for member in [&a, &b, &c] {
        let of = store.groups_of(member).await.unwrap();
        assert_eq!(of.iter().map(|g| g.code.as_str()).collect::<Vec<_>>(), [code.as_str()], "{member}");
    }
    assert!(store.groups_of(&d).await.unwrap().is_empty());
    let other = unique("H");
    store.put_group(&group(&other, 2, &[&a])).await.unwrap();
    assert_eq!(store.groups_of(&a).await.unwrap().len(), 2);
    let all = store.all_groups().await.unwrap();
    assert!(all.iter().any(|g| g.code == code) && all.iter().any(|g| g.code == other));
}

/// Ten accounts join a group with three free seats at once: exactly three get in.
async fn concurrent_joins_fill_the_free_seats_only(store: Arc<dyn SusuGroupStore>) {
    let code = unique("G");
    store.put_group(&group(&code, 4, &[&unique("A")])).await.unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (store, code) = (store.clone(), code.clone());
            tokio::spawn(async move { store.join(&code, &format!("J{i}")).await.unwrap() })
        })
        .collect();
    let mut joined = 0;
    for task in tasks {
        if matches!(task.await.unwrap(), SusuJoin::Joined(_)) {
            joined += 1;
        }
    }
    assert_eq!(joined, 3);
    assert_eq!(store.group(&code).await.unwrap().unwrap().members.len(), 4);
}

#[tokio::test]
async fn memory_susu_groups() {
    groups_are_written_joined_and_found(&MemorySusuGroupStore::default()).await;
    concurrent_joins_fill_the_free_seats_only(Arc::new(MemorySusuGroupStore::default())).await;
}

async fn moto(endpoint_var: &str) -> Option<Arc<dyn SusuGroupStore>> {
    let Ok(endpoint) = std::env::var(endpoint_var) else {
        assert!(
            endpoint_var != "AWS_ENDPOINT_URL" || std::env::var("PAYBOT_REQUIRE_MOTO").is_err(),
            "PAYBOT_REQUIRE_MOTO is set but {endpoint_var} is not: start moto (see README)"
        );
        eprintln!("moto susu group tests not run: {endpoint_var} is not set");
        return None;
    };
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(endpoint).load().await;
    let stores = AwsStores { clients: AwsClients::from_sdk(&sdk), config: Config::from_env().unwrap() };
    Some(stores.susu_groups().unwrap())
}

#[tokio::test]
async fn moto_susu_groups() {
    let Some(store) = moto("AWS_ENDPOINT_URL").await else { return };
    groups_are_written_joined_and_found(store.as_ref()).await;
}

#[tokio::test]
async fn serial_moto_concurrent_susu_joins() {
    let Some(store) = moto("PAYBOT_SERIAL_MOTO_URL").await else { return };
    concurrent_joins_fill_the_free_seats_only(store).await;
}
