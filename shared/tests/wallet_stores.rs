//! The wallet's stores and the SMS port, one contract for both kinds of adapter: each
//! behaviour is a function over the port, run once against the in-memory twin and once
//! against moto (DynamoDB and SNS; the test command starts moto and sets `AWS_ENDPOINT_URL`
//! and the table names from `template.yaml`; with `PAYBOT_REQUIRE_MOTO=1` a missing moto is
//! a failure). The atomic cases run their tries concurrently: the stores' conditions, not
//! the order of the calls, must keep the promises. On moto they run on the serial moto
//! (`PAYBOT_SERIAL_MOTO_URL`, `infra/moto_serial.py`): moto's threaded server neither applies
//! a conditional update atomically against a concurrent one (ten concurrent `ADD`s of one
//! counter once ended at 9, two concurrent conditional transitions both won) nor survives
//! concurrent transactions (it answered some with a 500), where DynamoDB serializes writes
//! to an item. Served one request at a time, moto does too.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use paybot::adapters::aws::{
    AwsClients, DynamoAlertStore, DynamoMomoOperationStore, DynamoWalletDirectory, DynamoWalletLinkStore,
    SnsSmsSender,
};
use paybot::adapters::memory::{
    ManualClock, MemoryAlertStore, MemoryMomoOperationStore, MemorySmsInbox, MemoryWalletDirectory,
    MemoryWalletLinkStore, SMS_MAX_BYTES,
};
use paybot::config::Config;
use paybot::domain::{AccountStatus, ContactKey, Currency, Phone, WalletAccount};
use paybot::ports::*;
use rust_decimal::Decimal;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A fresh Ghanaian mobile number per call, so runs sharing moto's tables never meet.
fn phone() -> Phone {
    let n = uuid::Uuid::new_v4().as_u128() % 10_000_000;
    Phone::parse_international(&format!("+23324{n:07}")).unwrap()
}

fn contact(business_number_id: &str) -> ContactKey {
    ContactKey { business_number_id: business_number_id.into(), user_key: phone().as_e164().to_owned() }
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

// ---- SMS ----------------------------------------------------------------------------------

/// Sends and checks what the provider recorded: `recorded` reads back every SMS it holds,
/// by message id, as (number, text).
async fn sms_is_sent_and_refused_like_sns(
    sender: &dyn SmsSender,
    recorded: impl AsyncFn() -> HashMap<String, (String, String)>,
) {
    let to = phone();
    let texts = ["Your wallet code is 123456. It expires in 5 minutes.", "Your wallet code is 654321."];
    let mut ids = Vec::new();
    for text in texts {
        ids.push(sender.send_sms(&to, text).await.unwrap());
    }
    assert!(!ids[0].is_empty());
    assert_ne!(ids[0], ids[1], "every SMS has its own id");

    let too_long = "x".repeat(SMS_MAX_BYTES + 1);
    assert!(matches!(sender.send_sms(&to, &too_long).await, Err(SmsError::Refused(_))));

    let recorded = recorded().await;
    for (id, text) in ids.iter().zip(texts) {
        assert_eq!(recorded.get(id), Some(&(to.as_e164().to_owned(), text.to_owned())));
    }
    assert!(!recorded.values().any(|(_, text)| text == &too_long), "a refused SMS is not sent");
}

#[tokio::test]
async fn memory_sms_inbox() {
    let clock = Arc::new(ManualClock::starting_at(at(1_000)));
    let inbox = MemorySmsInbox::new(clock.clone());
    sms_is_sent_and_refused_like_sns(&inbox, async || {
        inbox.all().into_iter().map(|sms| (sms.id, (sms.to.as_e164().to_owned(), sms.text))).collect()
    })
    .await;

    // The inbox lists per phone, oldest first, at the stack's time.
    let to = phone();
    clock.advance(Duration::seconds(30));
    inbox.send_sms(&to, "first").await.unwrap();
    clock.advance(Duration::seconds(30));
    inbox.send_sms(&phone(), "someone else").await.unwrap();
    inbox.send_sms(&to, "second").await.unwrap();
    let mine = inbox.to(&to);
    assert_eq!(mine.iter().map(|sms| sms.text.as_str()).collect::<Vec<_>>(), ["first", "second"]);
    assert_eq!((mine[0].at, mine[1].at), (at(1_030), at(1_060)));
    assert_eq!(inbox.all().len(), 5);
    assert!(!format!("{:?}", mine[0]).contains("first"), "a debug print never shows a code");

    // A number that opted out is refused, as SNS refuses it.
    inbox.opt_out(&to);
    assert!(matches!(inbox.send_sms(&to, "third").await, Err(SmsError::Refused(_))));
    assert_eq!(inbox.to(&to).len(), 2);
}

// ---- the wallet directory -------------------------------------------------------------------

fn account(id: &str) -> WalletAccount {
    WalletAccount {
        id: id.into(),
        name: "Kwame Mensah".into(),
        registered_phone: phone(),
        tier: "tier1".into(),
        status: AccountStatus::Active,
        currency: Currency::GHS,
        opening_balance: Decimal::new(50_000, 2),
    }
}

/// Accounts by id and by registered phone, and their count. The count's changes are this
/// test's own: no other test on the same table writes accounts at the same time.
async fn wallet_directory_finds_and_counts_accounts(directory: &dyn WalletDirectory) {
    let before = directory.count_accounts().await.unwrap();
    let first = account(&unique("ACC"));
    assert_eq!(directory.account(&first.id).await.unwrap(), None);
    assert_eq!(directory.account_by_phone(&first.registered_phone).await.unwrap(), None);

    directory.put_account(&first).await.unwrap();
    assert_eq!(directory.account(&first.id).await.unwrap().as_ref(), Some(&first));
    assert_eq!(directory.account_by_phone(&first.registered_phone).await.unwrap().as_ref(), Some(&first));
    assert_eq!(directory.count_accounts().await.unwrap(), before + 1);

    // Replacing an account (frozen, a new phone) keeps the count and moves the phone.
    let replaced = WalletAccount {
        status: AccountStatus::Frozen,
        registered_phone: phone(),
        tier: "tier0".into(),
        opening_balance: Decimal::ZERO,
        ..first.clone()
    };
    directory.put_account(&replaced).await.unwrap();
    assert_eq!(directory.account(&first.id).await.unwrap().as_ref(), Some(&replaced));
    assert_eq!(directory.account_by_phone(&first.registered_phone).await.unwrap(), None);
    assert_eq!(
        directory.account_by_phone(&replaced.registered_phone).await.unwrap().as_ref(),
        Some(&replaced)
    );
    assert_eq!(directory.count_accounts().await.unwrap(), before + 1);
    let second = account(&unique("ACC"));
    directory.put_account(&second).await.unwrap();
    assert_eq!(directory.count_accounts().await.unwrap(), before + 2);

    // `#` marks the store's own items, never an account.
    assert!(directory.put_account(&account("#accounts")).await.is_err());
    assert_eq!(directory.account("#accounts").await.unwrap(), None);
    assert_eq!(directory.count_accounts().await.unwrap(), before + 2);

    // Two accounts on one phone: no telling whose code it would be.
    let twin = WalletAccount { registered_phone: second.registered_phone.clone(), ..account(&unique("ACC")) };
    directory.put_account(&twin).await.unwrap();
    assert!(directory.account_by_phone(&twin.registered_phone).await.is_err());
}

/// New accounts and rewrites of one account, all at once: each account counted once.
async fn concurrent_writes_count_each_account_once(directory: Arc<dyn WalletDirectory>) {
    let before = directory.count_accounts().await.unwrap();
    let fresh: Vec<_> = (0..5).map(|_| account(&unique("ACC"))).collect();
    let same = account(&unique("ACC"));
    let written = all_at_once(10, |i| {
        let directory = directory.clone();
        let account = if i < fresh.len() { fresh[i].clone() } else { same.clone() };
        async move { directory.put_account(&account).await }
    })
    .await;
    assert!(written.iter().all(Result::is_ok), "{written:?}");
    assert_eq!(directory.count_accounts().await.unwrap(), before + 6);
    assert_eq!(directory.account(&same.id).await.unwrap(), Some(same));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_wallet_directory() {
    wallet_directory_finds_and_counts_accounts(&MemoryWalletDirectory::default()).await;
    concurrent_writes_count_each_account_once(Arc::new(MemoryWalletDirectory::default())).await;
}

// ---- WhatsApp links -------------------------------------------------------------------------

async fn links_bind_one_conversation_per_account(store: &dyn WalletLinkStore) {
    let business = unique("wa");
    let (first, second) = (contact(&business), contact(&business));
    let (a, b) = (unique("ACC"), unique("ACC"));
    assert_eq!(store.link(&first).await.unwrap(), None);
    assert_eq!(store.link_of_account(&business, &a).await.unwrap(), None);

    store.bind(&first, &a, at(100)).await.unwrap();
    let linked = WalletLink {
        contact: first.clone(),
        account_id: a.clone(),
        linked_at: at(100),
        last_active: at(100),
    };
    assert_eq!(store.link(&first).await.unwrap().as_ref(), Some(&linked));
    assert_eq!(store.link_of_account(&business, &a).await.unwrap().as_ref(), Some(&linked));
    assert_eq!(store.link_of_account(&unique("wa"), &a).await.unwrap(), None, "per business number");

    // The account moves to another conversation: the first is unlinked.
    store.bind(&second, &a, at(200)).await.unwrap();
    assert_eq!(store.link(&first).await.unwrap(), None);
    assert_eq!(store.link_of_account(&business, &a).await.unwrap().map(|l| l.contact), Some(second.clone()));

    // The conversation moves to another account: the first account is free.
    store.bind(&second, &b, at(300)).await.unwrap();
    assert_eq!(store.link_of_account(&business, &a).await.unwrap(), None);
    assert_eq!(
        store.link(&second).await.unwrap().map(|l| (l.account_id, l.linked_at)),
        Some((b.clone(), at(300)))
    );

    // Both at once: `first` takes `b` from `second`.
    store.bind(&first, &b, at(400)).await.unwrap();
    assert_eq!(store.link(&second).await.unwrap(), None);
    assert_eq!(store.link_of_account(&business, &b).await.unwrap().map(|l| l.contact), Some(first.clone()));

    // The same account on another business number is another binding.
    let elsewhere = contact(&unique("wa"));
    store.bind(&elsewhere, &b, at(450)).await.unwrap();
    assert_eq!(store.link_of_account(&business, &b).await.unwrap().map(|l| l.contact), Some(first.clone()));
    assert_eq!(
        store.link_of_account(&elsewhere.business_number_id, &b).await.unwrap().map(|l| l.contact),
        Some(elsewhere.clone())
    );

    store.unbind(&first).await.unwrap();
    assert_eq!(store.link(&first).await.unwrap(), None);
    assert_eq!(store.link_of_account(&business, &b).await.unwrap(), None);
    store.unbind(&first).await.unwrap();
    assert!(store.link(&elsewhere).await.unwrap().is_some());

    // Session activity never moves backwards and never links anyone.
    store.bind(&first, &a, at(500)).await.unwrap();
    store.touch(&first, at(600)).await.unwrap();
    store.touch(&first, at(550)).await.unwrap();
    store.touch(&first, at(600)).await.unwrap();
    let link = store.link(&first).await.unwrap().unwrap();
    assert_eq!((link.linked_at, link.last_active), (at(500), at(600)));
    assert_eq!(store.link_of_account(&business, &a).await.unwrap().map(|l| l.last_active), Some(at(600)));
    store.touch(&second, at(700)).await.unwrap();
    assert_eq!(store.link(&second).await.unwrap(), None);
}

/// The count of linked conversations follows every bind and unbind of the number.
async fn linked_conversations_are_counted(store: &dyn WalletLinkStore) {
    let business = unique("wa");
    let (first, second) = (contact(&business), contact(&business));
    let (a, b) = (unique("ACC"), unique("ACC"));
    let count = async || store.count_linked(&business).await.unwrap();
    assert_eq!(count().await, 0);
    store.bind(&first, &a, at(100)).await.unwrap();
    assert_eq!(count().await, 1);
    store.bind(&first, &a, at(150)).await.unwrap();
    assert_eq!(count().await, 1, "the same binding again");
    store.bind(&second, &a, at(200)).await.unwrap();
    assert_eq!(count().await, 1, "the account moved: the first conversation is unlinked");
    store.bind(&first, &b, at(300)).await.unwrap();
    assert_eq!(count().await, 2);
    store.bind(&first, &a, at(400)).await.unwrap();
    assert_eq!(count().await, 1, "first takes a from second and frees b");
    store.bind(&second, &b, at(500)).await.unwrap();
    assert_eq!(count().await, 2);
    // Another business number counts its own.
    let elsewhere = contact(&unique("wa"));
    store.bind(&elsewhere, &a, at(550)).await.unwrap();
    assert_eq!((count().await, store.count_linked(&elsewhere.business_number_id).await.unwrap()), (2, 1));
    store.unbind(&second).await.unwrap();
    assert_eq!(count().await, 1);
    store.unbind(&second).await.unwrap();
    assert_eq!(count().await, 1, "unbinding an unlinked conversation changes nothing");
    store.unbind(&first).await.unwrap();
    assert_eq!(count().await, 0);
}

/// Ten conversations bind one account at once: it ends bound to exactly one of them.
async fn concurrent_binds_leave_one_conversation(store: Arc<dyn WalletLinkStore>) {
    let business = unique("wa");
    let account = unique("ACC");
    let contacts: Vec<_> = (0..10).map(|_| contact(&business)).collect();
    let results = all_at_once(contacts.len(), |i| {
        let (store, contact, account) = (store.clone(), contacts[i].clone(), account.clone());
        async move { store.bind(&contact, &account, at(1_000 + i as i64)).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let mut linked = Vec::new();
    for contact in &contacts {
        if let Some(link) = store.link(contact).await.unwrap() {
            assert_eq!(link.account_id, account);
            linked.push(contact.clone());
        }
    }
    assert_eq!(linked.len(), 1, "one conversation per account and number");
    assert_eq!(store.count_linked(&business).await.unwrap(), 1, "counted once whoever won");
    assert_eq!(
        store.link_of_account(&business, &account).await.unwrap().map(|l| l.contact),
        Some(linked[0].clone())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_wallet_links() {
    links_bind_one_conversation_per_account(&MemoryWalletLinkStore::default()).await;
    linked_conversations_are_counted(&MemoryWalletLinkStore::default()).await;
    concurrent_binds_leave_one_conversation(Arc::new(MemoryWalletLinkStore::default())).await;
}

// ---- one-time codes -------------------------------------------------------------------------

fn code(contact: &ContactKey, hash: &str, created: i64, attempts: u32) -> PendingCode {
    PendingCode {
        account_id: unique("ACC"),
        contact: contact.clone(),
        purpose: CodePurpose::Link,
        code_hash: hash.into(),
        expires_at: at(created + 300),
        attempts_left: attempts,
        created_at: at(created),
    }
}

async fn codes_are_spent_once(store: &dyn WalletLinkStore) {
    let here = contact(&unique("wa"));
    let pending = code(&here, "hash-right", 1_000, 3);
    let account = pending.account_id.clone();
    assert_eq!(store.check_code(&account, &here, "hash-right", at(1_010)).await.unwrap(), CodeCheck::NoCode);

    store.put_code(&pending).await.unwrap();
    assert_eq!(
        store.check_code(&account, &here, "hash-wrong", at(1_010)).await.unwrap(),
        CodeCheck::Wrong { attempts_left: 2 }
    );
    // Valid only in the conversation that asked; another one spends nothing.
    let elsewhere = contact(&here.business_number_id);
    assert_eq!(
        store.check_code(&account, &elsewhere, "hash-right", at(1_020)).await.unwrap(),
        CodeCheck::NoCode
    );
    assert_eq!(
        store.check_code(&account, &here, "hash-wrong", at(1_030)).await.unwrap(),
        CodeCheck::Wrong { attempts_left: 1 }
    );
    let accepted = store.check_code(&account, &here, "hash-right", at(1_040)).await.unwrap();
    assert_eq!(accepted, CodeCheck::Accepted(PendingCode { attempts_left: 1, ..pending.clone() }));
    assert_eq!(store.check_code(&account, &here, "hash-right", at(1_041)).await.unwrap(), CodeCheck::NoCode);

    // A new code replaces the live one: the old one is just a wrong code now.
    let old = code(&here, "hash-old", 2_000, 3);
    let new = PendingCode {
        purpose: CodePurpose::Session,
        account_id: old.account_id.clone(),
        ..code(&here, "hash-new", 2_100, 3)
    };
    store.put_code(&old).await.unwrap();
    store.put_code(&new).await.unwrap();
    assert_eq!(
        store.check_code(&new.account_id, &here, "hash-old", at(2_110)).await.unwrap(),
        CodeCheck::Wrong { attempts_left: 2 }
    );
    assert_eq!(
        store.check_code(&new.account_id, &here, "hash-new", at(2_120)).await.unwrap(),
        CodeCheck::Accepted(PendingCode { attempts_left: 2, ..new.clone() })
    );

    // Expiry is compared in code (moto, like DynamoDB's TTL, would still hold the item): at
    // the expiry the code is expired, and an expired try spends nothing.
    let expiring = code(&here, "hash-right", 3_000, 3);
    store.put_code(&expiring).await.unwrap();
    let id = &expiring.account_id;
    assert_eq!(store.check_code(id, &here, "hash-right", at(3_300)).await.unwrap(), CodeCheck::Expired);
    assert_eq!(store.check_code(id, &here, "hash-wrong", at(3_400)).await.unwrap(), CodeCheck::Expired);
    assert_eq!(
        store.check_code(id, &here, "hash-right", at(3_299)).await.unwrap(),
        CodeCheck::Accepted(expiring.clone())
    );

    // The last wrong try spends the code: the right one is too late.
    let short = code(&here, "hash-right", 4_000, 2);
    store.put_code(&short).await.unwrap();
    let id = &short.account_id;
    assert_eq!(
        store.check_code(id, &here, "x", at(4_001)).await.unwrap(),
        CodeCheck::Wrong { attempts_left: 1 }
    );
    assert_eq!(
        store.check_code(id, &here, "y", at(4_002)).await.unwrap(),
        CodeCheck::Wrong { attempts_left: 0 }
    );
    assert_eq!(store.check_code(id, &here, "hash-right", at(4_003)).await.unwrap(), CodeCheck::NoCode);
}

/// Twenty wrong tries at once on a budget of three: three are counted, the code is spent.
async fn concurrent_wrong_codes_spend_the_budget_once(store: Arc<dyn WalletLinkStore>) {
    let here = contact(&unique("wa"));
    let pending = code(&here, "hash-right", 1_000, 3);
    store.put_code(&pending).await.unwrap();
    let results = all_at_once(20, |i| {
        let (store, here, account) = (store.clone(), here.clone(), pending.account_id.clone());
        async move { store.check_code(&account, &here, &format!("wrong-{i}"), at(1_100)).await.unwrap() }
    })
    .await;
    let mut wrong: Vec<u32> = results
        .iter()
        .filter_map(|r| match r {
            CodeCheck::Wrong { attempts_left } => Some(*attempts_left),
            _ => None,
        })
        .collect();
    wrong.sort_unstable();
    assert_eq!(wrong, [0, 1, 2], "{results:?}");
    assert_eq!(results.iter().filter(|r| **r == CodeCheck::NoCode).count(), 17, "{results:?}");
    assert_eq!(
        store.check_code(&pending.account_id, &here, "hash-right", at(1_101)).await.unwrap(),
        CodeCheck::NoCode
    );
}

/// The right code typed ten times at once (a retried delivery, two devices) is accepted once.
async fn concurrent_right_codes_are_accepted_once(store: Arc<dyn WalletLinkStore>) {
    let here = contact(&unique("wa"));
    let pending = code(&here, "hash-right", 1_000, 3);
    store.put_code(&pending).await.unwrap();
    let results = all_at_once(10, |_| {
        let (store, here, account) = (store.clone(), here.clone(), pending.account_id.clone());
        async move { store.check_code(&account, &here, "hash-right", at(1_100)).await.unwrap() }
    })
    .await;
    assert_eq!(results.iter().filter(|r| matches!(r, CodeCheck::Accepted(_))).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| **r == CodeCheck::NoCode).count(), 9, "{results:?}");
}

async fn code_requests_are_counted_per_window(store: &dyn WalletLinkStore) {
    let here = contact(&unique("wa"));
    let window = at(3_600);
    for expected in 1..=3 {
        assert_eq!(store.count_code_request(&here, window).await.unwrap(), expected);
    }
    assert_eq!(store.count_code_request(&here, at(7_200)).await.unwrap(), 1, "a new window");
    assert_eq!(store.count_code_request(&contact(&here.business_number_id), window).await.unwrap(), 1);
}

/// A burst of LINK requests: each counted once, as the rate limit needs.
async fn concurrent_code_requests_are_each_counted(store: Arc<dyn WalletLinkStore>) {
    let window = at(3_600);
    let burst = contact(&unique("wa"));
    let mut counts = all_at_once(10, |_| {
        let (store, burst) = (store.clone(), burst.clone());
        async move { store.count_code_request(&burst, window).await.unwrap() }
    })
    .await;
    counts.sort_unstable();
    assert_eq!(counts, (1..=10).collect::<Vec<u32>>(), "each request counted once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_one_time_codes() {
    let store = Arc::new(MemoryWalletLinkStore::default());
    codes_are_spent_once(store.as_ref()).await;
    code_requests_are_counted_per_window(store.as_ref()).await;
    concurrent_wrong_codes_spend_the_budget_once(store.clone()).await;
    concurrent_right_codes_are_accepted_once(store.clone()).await;
    concurrent_code_requests_are_each_counted(store).await;
}

// ---- MoMo operations ------------------------------------------------------------------------

/// Checks this far ahead stay out of the due test's way.
fn far_future() -> DateTime<Utc> {
    at(4_102_444_800) // 2100-01-01
}

fn operation(kind: MomoKind, next_check_at: Option<DateTime<Utc>>) -> MomoOperation {
    MomoOperation {
        reference: uuid::Uuid::new_v4(),
        kind,
        account_id: unique("ACC"),
        contact: contact("wallet-number"),
        msisdn: phone(),
        amount_minor: 10_000,
        currency: Currency::GHS,
        fee_minor: if kind == MomoKind::Payout { 150 } else { 0 },
        state: MomoState::Requested,
        reason: None,
        transfer_id: unique("tr"),
        hash: (kind == MomoKind::Payout).then(|| "ab".repeat(32)),
        created_at: at(1_000),
        next_check_at,
    }
}

async fn momo_operations_move_forward_once(store: &dyn MomoOperationStore) {
    let top_up = operation(MomoKind::TopUp, Some(far_future()));
    assert_eq!(store.get(top_up.reference).await.unwrap(), None);
    assert_eq!(store.insert_if_absent(&top_up).await.unwrap(), (top_up.clone(), true));
    assert_eq!(store.get(top_up.reference).await.unwrap().as_ref(), Some(&top_up));
    let again = MomoOperation { amount_minor: 99, ..top_up.clone() };
    assert_eq!(
        store.insert_if_absent(&again).await.unwrap(),
        (top_up.clone(), false),
        "the first one stands"
    );

    let reference = top_up.reference;
    assert_eq!(store.transition(reference, MomoState::Requested, None, at(1_001)).await.unwrap(), None);
    let pending = store.transition(reference, MomoState::Pending, None, at(1_002)).await.unwrap();
    assert_eq!(pending, Some(MomoOperation { state: MomoState::Pending, ..top_up.clone() }));
    assert_eq!(store.transition(reference, MomoState::Pending, None, at(1_003)).await.unwrap(), None);
    let done = store.transition(reference, MomoState::Succeeded, None, at(1_004)).await.unwrap();
    assert_eq!(done.map(|op| (op.state, op.next_check_at)), Some((MomoState::Succeeded, Some(far_future()))));
    assert_eq!(store.transition(reference, MomoState::Failed, Some("late"), at(1_005)).await.unwrap(), None);
    assert_eq!(store.transition(reference, MomoState::Pending, None, at(1_006)).await.unwrap(), None);
    assert_eq!(
        store.get(reference).await.unwrap().map(|op| (op.state, op.reason)),
        Some((MomoState::Succeeded, None))
    );

    // Straight from Requested to a final state, with MoMo's reason as sent.
    let payout = operation(MomoKind::Payout, None);
    store.insert_if_absent(&payout).await.unwrap();
    let failed = store
        .transition(payout.reference, MomoState::Failed, Some("PAYEE_NOT_FOUND"), at(1_010))
        .await
        .unwrap();
    assert_eq!(
        failed,
        Some(MomoOperation {
            state: MomoState::Failed,
            reason: Some("PAYEE_NOT_FOUND".into()),
            ..payout.clone()
        })
    );
    assert_eq!(
        store.transition(payout.reference, MomoState::Succeeded, None, at(1_011)).await.unwrap(),
        None
    );

    assert_eq!(
        store.transition(uuid::Uuid::new_v4(), MomoState::Pending, None, at(1_012)).await.unwrap(),
        None
    );
}

/// Two pollers claiming one due operation at once: one of them wins.
async fn concurrent_claims_have_one_winner(store: Arc<dyn MomoOperationStore>) {
    // Past due by now, and after the due test's range of times.
    let due_at = far_future() - Duration::days(1);
    let op = operation(MomoKind::Payout, Some(due_at));
    store.insert_if_absent(&op).await.unwrap();
    let reference = op.reference;
    let claims = all_at_once(10, |i| {
        let store = store.clone();
        async move {
            store
                .reschedule(reference, due_at, Some(far_future() + Duration::seconds(i as i64)))
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(claims.iter().filter(|won| **won).count(), 1, "{claims:?}");
}

/// A callback's read-back and the poller's, both final, at once: one of them moves it.
async fn concurrent_transitions_have_one_winner(store: Arc<dyn MomoOperationStore>) {
    let op = operation(MomoKind::TopUp, Some(far_future()));
    store.insert_if_absent(&op).await.unwrap();
    let reference = op.reference;
    let results = all_at_once(10, |i| {
        let store = store.clone();
        let to = if i % 2 == 0 { MomoState::Succeeded } else { MomoState::Failed };
        async move { store.transition(reference, to, None, at(2_000)).await.unwrap() }
    })
    .await;
    let winners: Vec<_> = results.into_iter().flatten().collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(store.get(reference).await.unwrap().map(|op| op.state), Some(winners[0].state));
}

/// The poller's view: due operations oldest first, paged by claims (a claimed operation is
/// rescheduled out of the page).
async fn due_operations_page_by_claims(store: &dyn MomoOperationStore) {
    // A range of times no other test uses; anything left there by an interrupted run is
    // claimed away first.
    let base = 978_307_200; // 2001-01-01
    let end = at(base + 1_000);
    loop {
        let stale = store.due(end, 100).await.unwrap();
        if stale.is_empty() {
            break;
        }
        for op in stale {
            store.reschedule(op.reference, op.next_check_at.unwrap(), None).await.unwrap();
        }
    }
    let ops: Vec<_> = (1..=5).map(|i| operation(MomoKind::TopUp, Some(at(base + i)))).collect();
    let later = operation(MomoKind::Payout, Some(at(base + 100)));
    let unscheduled = operation(MomoKind::TopUp, None);
    for op in ops.iter().chain([&later, &unscheduled]) {
        store.insert_if_absent(op).await.unwrap();
    }
    let references = |page: Vec<MomoOperation>| page.into_iter().map(|op| op.reference).collect::<Vec<_>>();
    let now = at(base + 10);
    assert_eq!(store.due(at(base), 10).await.unwrap(), []);
    assert_eq!(store.due(now, 0).await.unwrap(), []);
    assert_eq!(references(store.due(now, 2).await.unwrap()), [ops[0].reference, ops[1].reference]);

    // Claimed: rescheduled from the time it was read at; the same claim again loses.
    assert!(store.reschedule(ops[0].reference, at(base + 1), Some(at(base + 50))).await.unwrap());
    assert!(!store.reschedule(ops[0].reference, at(base + 1), Some(at(base + 60))).await.unwrap());
    assert_eq!(store.get(ops[0].reference).await.unwrap().unwrap().next_check_at, Some(at(base + 50)));
    assert_eq!(references(store.due(now, 2).await.unwrap()), [ops[1].reference, ops[2].reference]);

    // Done: nothing more to check, out of the index.
    assert!(store.reschedule(ops[1].reference, at(base + 2), None).await.unwrap());
    assert_eq!(store.get(ops[1].reference).await.unwrap().unwrap().next_check_at, None);
    assert!(!store.reschedule(ops[1].reference, at(base + 2), Some(at(base + 3))).await.unwrap());
    assert_eq!(
        references(store.due(now, 10).await.unwrap()),
        [ops[2].reference, ops[3].reference, ops[4].reference]
    );
    assert_eq!(
        references(store.due(at(base + 60), 10).await.unwrap()),
        [ops[2].reference, ops[3].reference, ops[4].reference, ops[0].reference]
    );

    // Claimed by another poller meanwhile: this one's claim loses.
    assert!(store.reschedule(ops[2].reference, at(base + 3), Some(at(base + 200))).await.unwrap());
    assert!(!store.reschedule(ops[2].reference, at(base + 3), Some(at(base + 201))).await.unwrap());
    // A transition keeps the schedule: the result is told before the check is cleared.
    store.transition(ops[3].reference, MomoState::Succeeded, None, at(base + 4)).await.unwrap();
    assert_eq!(references(store.due(now, 10).await.unwrap()), [ops[3].reference, ops[4].reference]);

    for op in store.due(at(base + 1_000), 100).await.unwrap() {
        store.reschedule(op.reference, op.next_check_at.unwrap(), None).await.unwrap();
    }
    assert_eq!(store.due(end, 10).await.unwrap(), []);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_momo_operations() {
    let store = Arc::new(MemoryMomoOperationStore::default());
    momo_operations_move_forward_once(store.as_ref()).await;
    due_operations_page_by_claims(store.as_ref()).await;
    concurrent_transitions_have_one_winner(store.clone()).await;
    concurrent_claims_have_one_winner(store).await;
}

// ---- alerts ---------------------------------------------------------------------------------

fn alert(business_number_id: &str, raised: i64) -> Alert {
    Alert {
        id: unique("fraud"),
        business_number_id: business_number_id.into(),
        kind: "suspicious".into(),
        subject: format!("wallet:{}", unique("ACC")),
        detail: serde_json::json!({"score": 85, "rules": [{"rule": "new_payee", "weight": 30}], "verdict": "block"}),
        raised_at: at(raised),
        acknowledged: None,
    }
}

async fn alerts_are_raised_once_and_listed_newest_first(store: &dyn AlertStore) {
    let business = unique("wa");
    let (oldest, newest, middle) = (alert(&business, 100), alert(&business, 300), alert(&business, 200));
    let elsewhere = alert(&unique("wa"), 250);
    for a in [&oldest, &newest, &middle, &elsewhere] {
        store.raise(a).await.unwrap();
    }
    let again = Alert { detail: serde_json::json!({"score": 1}), raised_at: at(900), ..oldest.clone() };
    store.raise(&again).await.unwrap();

    assert_eq!(store.list(&business, 10).await.unwrap(), [newest.clone(), middle.clone(), oldest.clone()]);
    assert_eq!(store.list(&business, 2).await.unwrap(), [newest.clone(), middle.clone()]);
    assert_eq!(store.list(&business, 0).await.unwrap(), []);
    assert_eq!(
        store.list(&elsewhere.business_number_id, 10).await.unwrap(),
        std::slice::from_ref(&elsewhere)
    );

    // The first acknowledgement stands.
    assert!(store.acknowledge(&middle.id, "operator:efua", at(400)).await.unwrap());
    assert!(store.acknowledge(&middle.id, "operator:yaw", at(500)).await.unwrap());
    assert!(!store.acknowledge(&unique("fraud"), "operator:efua", at(400)).await.unwrap());
    let listed = store.list(&business, 10).await.unwrap();
    assert_eq!(listed[1], Alert { acknowledged: Some(("operator:efua".into(), at(400))), ..middle.clone() });
    assert_eq!(listed[0].acknowledged, None);
}

#[tokio::test]
async fn memory_alerts() {
    alerts_are_raised_once_and_listed_newest_first(&MemoryAlertStore::default()).await;
}

// ---- moto -----------------------------------------------------------------------------------

/// The AWS clients at the moto named by `endpoint_var` (`AWS_ENDPOINT_URL`, or the serial
/// moto's `PAYBOT_SERIAL_MOTO_URL`; the test command bootstraps the template's tables on
/// both, under the same names), or `None` (with a note) when that moto was not started.
async fn moto(endpoint_var: &str) -> Option<(AwsClients, Config)> {
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
    Some((AwsClients::from_sdk(&sdk), Config::from_env().unwrap()))
}

const MOTO: &str = "AWS_ENDPOINT_URL";
const SERIAL_MOTO: &str = "PAYBOT_SERIAL_MOTO_URL";

/// Every SMS moto's SNS recorded: moto keeps them in its SNS backend, readable from outside
/// only through its state dump, `/moto-api/data.json` (`sns.SMS`: `message_id`,
/// `phone_number`, `message`; not the message attributes). The dump holds every model moto
/// ever made, so it is read once per test.
async fn moto_recorded_sms() -> HashMap<String, (String, String)> {
    let endpoint = std::env::var(MOTO).unwrap();
    let data: serde_json::Value = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .expect("moto answers")
        .json()
        .await
        .expect("moto's state is JSON");
    let field = |sms: &serde_json::Value, name: &str| sms[name].as_str().unwrap_or_default().to_owned();
    data["sns"]["SMS"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|sms| (field(sms, "message_id"), (field(sms, "phone_number"), field(sms, "message"))))
        .collect()
}

#[tokio::test]
async fn moto_sns_sms() {
    let Some((aws, config)) = moto(MOTO).await else { return };
    // With a sender id, as `SMS_SENDER_ID` sets it (moto accepts it and does not keep it).
    let named = SnsSmsSender::new(aws.sns.clone(), Some("MyWallet".into()));
    let to = phone();
    let id = named.send_sms(&to, "Your wallet code is 777111.").await.unwrap();

    let sender = SnsSmsSender::new(aws.sns.clone(), config.sms_sender_id.clone());
    sms_is_sent_and_refused_like_sns(&sender, async || {
        let recorded = moto_recorded_sms().await;
        assert_eq!(
            recorded.get(&id),
            Some(&(to.as_e164().to_owned(), "Your wallet code is 777111.".to_owned()))
        );
        recorded
    })
    .await;

    // Nothing listening: worth a retry, not a refusal.
    let nowhere = aws.sns.config().to_builder().endpoint_url("http://127.0.0.1:9").build();
    let unreachable = SnsSmsSender::new(aws_sdk_sns::Client::from_conf(nowhere), None);
    assert!(matches!(unreachable.send_sms(&to, "code").await, Err(SmsError::Unavailable(_))));
}

fn moto_directory(aws: &AwsClients, config: &Config) -> Arc<DynamoWalletDirectory> {
    let table = config.tables.wallet_accounts.clone().expect("WALLET_ACCOUNTS_TABLE from the moto bootstrap");
    Arc::new(DynamoWalletDirectory::new(aws.dynamodb.clone(), table))
}

fn moto_links(aws: &AwsClients, config: &Config) -> Arc<DynamoWalletLinkStore> {
    let table = config.tables.wallet_links.clone().expect("WALLET_LINKS_TABLE from the moto bootstrap");
    Arc::new(DynamoWalletLinkStore::new(aws.dynamodb.clone(), table))
}

fn moto_operations(aws: &AwsClients, config: &Config) -> Arc<DynamoMomoOperationStore> {
    let table = config.tables.momo_operations.clone().expect("MOMO_OPERATIONS_TABLE from the moto bootstrap");
    Arc::new(DynamoMomoOperationStore::new(aws.dynamodb.clone(), table))
}

#[tokio::test]
async fn moto_wallet_directory() {
    let Some((aws, config)) = moto(MOTO).await else { return };
    wallet_directory_finds_and_counts_accounts(moto_directory(&aws, &config).as_ref()).await;
}

#[tokio::test]
async fn moto_wallet_links() {
    let Some((aws, config)) = moto(MOTO).await else { return };
    links_bind_one_conversation_per_account(moto_links(&aws, &config).as_ref()).await;
    linked_conversations_are_counted(moto_links(&aws, &config).as_ref()).await;
}

#[tokio::test]
async fn moto_one_time_codes() {
    let Some((aws, config)) = moto(MOTO).await else { return };
    let store = moto_links(&aws, &config);
    codes_are_spent_once(store.as_ref()).await;
    code_requests_are_counted_per_window(store.as_ref()).await;
}

#[tokio::test]
async fn moto_momo_operations() {
    let Some((aws, config)) = moto(MOTO).await else { return };
    let store = moto_operations(&aws, &config);
    momo_operations_move_forward_once(store.as_ref()).await;
    due_operations_page_by_claims(store.as_ref()).await;
}

#[tokio::test]
async fn moto_alerts() {
    let Some((aws, config)) = moto(MOTO).await else { return };
    let table = config.tables.alerts.expect("ALERTS_TABLE from the moto bootstrap");
    alerts_are_raised_once_and_listed_newest_first(&DynamoAlertStore::new(aws.dynamodb.clone(), table)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serial_moto_wallet_directory() {
    let Some((aws, config)) = moto(SERIAL_MOTO).await else { return };
    concurrent_writes_count_each_account_once(moto_directory(&aws, &config)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serial_moto_wallet_links() {
    let Some((aws, config)) = moto(SERIAL_MOTO).await else { return };
    concurrent_binds_leave_one_conversation(moto_links(&aws, &config)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serial_moto_one_time_codes() {
    let Some((aws, config)) = moto(SERIAL_MOTO).await else { return };
    let store = moto_links(&aws, &config);
    concurrent_wrong_codes_spend_the_budget_once(store.clone()).await;
    concurrent_right_codes_are_accepted_once(store.clone()).await;
    concurrent_code_requests_are_each_counted(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serial_moto_momo_operations() {
    let Some((aws, config)) = moto(SERIAL_MOTO).await else { return };
    let store = moto_operations(&aws, &config);
    concurrent_transitions_have_one_winner(store.clone()).await;
    concurrent_claims_have_one_winner(store).await;
}
