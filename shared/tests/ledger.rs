//! The ledger's contract: each behaviour is a function over the port, run on the memory
//! ledger and on DynamoDB in moto, and the ledger's invariants checked after every one: the
//! balances sum to zero, no wallet account is below zero, every balance is the sum of its
//! entries (a wallet's running balance exact), and every transfer is on the statement of each
//! account it moved.
//!
//! On moto each scenario gets a table of its own, made like the test command's `LEDGER_TABLE`
//! (from `template.yaml`), so the invariants are checked over the whole table. Scenarios with
//! concurrent posts run on the serial moto (`PAYBOT_SERIAL_MOTO_URL`, see
//! `serial_moto_ledger_concurrency`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use paybot::adapters::aws::{DynamoLedger, RequestCounter};
use paybot::adapters::memory::MemoryLedger;
use paybot::domain::Currency;
use paybot::ledger::*;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn wallet(name: &str) -> AccountId {
    AccountId::wallet(name)
}

fn leg(from: &AccountId, to: &AccountId, amount: i64) -> Leg {
    Leg { from: from.clone(), to: to.clone(), amount }
}

fn transfer(id: &str, kind: TransferKind, legs: Vec<Leg>, seconds: i64) -> Transfer {
    Transfer { id: id.into(), kind, currency: Currency::GHS, legs, hash: None, memo: None, at: at(seconds) }
}

fn opening(account: &AccountId, amount: i64, seconds: i64) -> Transfer {
    transfer(
        &format!("opening:{account}"),
        TransferKind::Opening,
        vec![leg(&system::opening(), account, amount)],
        seconds,
    )
}

const ALL: usize = 100_000;

// ---- the invariants --------------------------------------------------------------------

/// The ledger's invariants over every account it holds.
async fn assert_invariants(ledger: &dyn Ledger) {
    let balances = ledger.balances().await.unwrap();
    assert_eq!(balances.iter().map(|(_, b)| b).sum::<i64>(), 0, "balances sum to zero: {balances:?}");
    let mut by_transfer: BTreeMap<String, Vec<(AccountId, i64)>> = BTreeMap::new();
    for (account, balance) in &balances {
        assert_eq!(ledger.balance(account).await.unwrap(), *balance, "{account}");
        if !account.is_system() {
            assert!(*balance >= 0, "{account} is below zero: {balance}");
        }
        let entries = ledger.entries(account, None, ALL).await.unwrap();
        assert_eq!(
            entries.iter().map(|e| e.amount).sum::<i64>(),
            *balance,
            "{account}: the sum of its entries"
        );
        for pair in entries.windows(2) {
            assert!((pair[0].at, &pair[0].transfer_id) > (pair[1].at, &pair[1].transfer_id), "newest first");
        }
        // A wallet's entries chain from zero to its balance in the order they were applied
        // (which the statement's time order need not be): every balance an entry started
        // from is zero or one another left, and the balance is the one no entry started from.
        let (mut started, mut left) = (vec![*balance], vec![0]);
        for entry in &entries {
            assert_eq!(&entry.account, account);
            by_transfer.entry(entry.transfer_id.clone()).or_default().push((account.clone(), entry.amount));
            if account.is_system() {
                assert_eq!(entry.balance_after, None, "{account}: no running balance");
                continue;
            }
            let after = entry.balance_after.unwrap_or_else(|| panic!("{account}: a running balance"));
            assert!(after >= 0, "{account} below zero after {}", entry.transfer_id);
            started.push(after - entry.amount);
            left.push(after);
        }
        if !account.is_system() {
            started.sort();
            left.sort();
            assert_eq!(started, left, "{account}: the running balances chain from zero to the balance");
        }
    }
    // Every transfer is on the statement of each account it moved, for its net change.
    for (id, mut sides) in by_transfer {
        let stored = ledger.transfer(&id).await.unwrap().unwrap_or_else(|| panic!("transfer {id} is stored"));
        sides.sort();
        assert_eq!(sides, stored.net_changes(), "the entries of {id}");
    }
}

// ---- the contract ----------------------------------------------------------------------

async fn posts_move_balances_and_write_statements(ledger: &dyn Ledger) {
    let (alice, bob) = (wallet("alice"), wallet("bob"));
    assert_eq!(ledger.balance(&alice).await.unwrap(), 0, "an account never used");
    assert!(ledger.entries(&alice, None, 10).await.unwrap().is_empty());
    assert_eq!(ledger.transfer("send:none").await.unwrap(), None);

    assert_eq!(ledger.post(&opening(&alice, 10_000, 100)).await.unwrap(), Posted::Applied);
    let mut send = transfer(
        "send:n1",
        TransferKind::Send,
        vec![leg(&alice, &bob, 2_500), leg(&alice, &system::fees(), 50)],
        200,
    );
    send.hash = Some("ab12".into());
    send.memo = Some("rent".into());
    assert_eq!(ledger.post(&send).await.unwrap(), Posted::Applied);
    let topup =
        transfer("topup:r1", TransferKind::TopUp, vec![leg(&system::momo_settlement(), &alice, 400)], 300);
    assert_eq!(ledger.post(&topup).await.unwrap(), Posted::Applied);

    assert_eq!(ledger.balance(&alice).await.unwrap(), 10_000 - 2_550 + 400);
    assert_eq!(ledger.balance(&bob).await.unwrap(), 2_500);
    assert_eq!(ledger.balance(&system::fees()).await.unwrap(), 50);
    assert_eq!(ledger.balance(&system::opening()).await.unwrap(), -10_000);
    assert_eq!(ledger.balance(&system::momo_settlement()).await.unwrap(), -400);
    assert_eq!(ledger.transfer("send:n1").await.unwrap(), Some(send.clone()), "stored whole, hash too");

    let entries = ledger.entries(&alice, None, 10).await.unwrap();
    let summary: Vec<_> = entries
        .iter()
        .map(|e| (e.transfer_id.as_str(), e.kind, e.amount, e.balance_after, e.counterparty.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("topup:r1", TransferKind::TopUp, 400, Some(7_850), Some(system::momo_settlement())),
            ("send:n1", TransferKind::Send, -2_550, Some(7_450), Some(bob.clone())),
            ("opening:wallet:alice", TransferKind::Opening, 10_000, Some(10_000), Some(system::opening())),
        ]
    );
    assert_eq!((entries[1].memo.as_deref(), entries[1].at), (Some("rent"), at(200)));
    let bob_entries = ledger.entries(&bob, None, 10).await.unwrap();
    assert_eq!(bob_entries.len(), 1);
    assert_eq!(
        (bob_entries[0].amount, bob_entries[0].balance_after, bob_entries[0].counterparty.clone()),
        (2_500, Some(2_500), Some(alice.clone()))
    );
    let fees = ledger.entries(&system::fees(), None, 10).await.unwrap();
    assert_eq!(
        (fees[0].amount, fees[0].balance_after, fees[0].counterparty.clone()),
        (50, None, Some(alice.clone())),
        "a system account's entry has no running balance"
    );

    // `since` is inclusive; `limit` keeps the newest.
    let since: Vec<_> = ledger.entries(&alice, Some(at(200)), 10).await.unwrap();
    assert_eq!(since.iter().map(|e| e.transfer_id.as_str()).collect::<Vec<_>>(), ["topup:r1", "send:n1"]);
    let later = at(200) + chrono::Duration::microseconds(1);
    assert_eq!(ledger.entries(&alice, Some(later), 10).await.unwrap().len(), 1);
    let newest = ledger.entries(&alice, None, 1).await.unwrap();
    assert_eq!(newest.iter().map(|e| e.transfer_id.as_str()).collect::<Vec<_>>(), ["topup:r1"]);
    assert!(ledger.entries(&alice, None, 0).await.unwrap().is_empty());

    // The same second: the transfer id orders them.
    let (a, b) = (
        transfer("send:same-a", TransferKind::Send, vec![leg(&alice, &bob, 1)], 400),
        transfer("send:same-b", TransferKind::Send, vec![leg(&alice, &bob, 1)], 400),
    );
    ledger.post(&b).await.unwrap();
    ledger.post(&a).await.unwrap();
    let ids: Vec<_> =
        ledger.entries(&bob, None, 2).await.unwrap().into_iter().map(|e| e.transfer_id).collect();
    assert_eq!(ids, ["send:same-b", "send:same-a"]);
    assert_invariants(ledger).await;
}

async fn a_transfer_id_is_applied_at_most_once(ledger: &dyn Ledger) {
    let (alice, bob) = (wallet("alice"), wallet("bob"));
    ledger.post(&opening(&alice, 1_000, 100)).await.unwrap();
    let mut send = transfer("send:once", TransferKind::Send, vec![leg(&alice, &bob, 300)], 200);
    send.hash = Some("h1".into());
    assert_eq!(ledger.post(&send).await.unwrap(), Posted::Applied);
    assert_eq!(ledger.post(&send).await.unwrap(), Posted::AlreadyApplied(send.clone()));
    // Another body under the same id: the stored one comes back, nothing moves.
    let other = Transfer { legs: vec![leg(&alice, &bob, 999)], hash: Some("h2".into()), ..send.clone() };
    assert_eq!(ledger.post(&other).await.unwrap(), Posted::AlreadyApplied(send.clone()));
    assert_eq!((ledger.balance(&alice).await.unwrap(), ledger.balance(&bob).await.unwrap()), (700, 300));
    assert_eq!(ledger.entries(&bob, None, 10).await.unwrap().len(), 1);

    // A retry after the money was spent is still the transfer applied before, not a refusal.
    let spend = transfer("send:spend", TransferKind::Send, vec![leg(&bob, &alice, 300)], 300);
    ledger.post(&spend).await.unwrap();
    assert_eq!(ledger.post(&send).await.unwrap(), Posted::AlreadyApplied(send.clone()));
    assert_invariants(ledger).await;
}

async fn concurrent_posts_of_one_id_apply_once(ledger: Arc<dyn Ledger>) {
    let (alice, bob) = (wallet("alice"), wallet("bob"));
    ledger.post(&opening(&alice, 1_000, 100)).await.unwrap();
    let send = transfer(
        "send:raced",
        TransferKind::Send,
        vec![leg(&alice, &bob, 250), leg(&alice, &system::fees(), 5)],
        200,
    );
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (ledger, send) = (ledger.clone(), send.clone());
            tokio::spawn(async move { ledger.post(&send).await })
        })
        .collect();
    let mut applied = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Posted::Applied => applied += 1,
            Posted::AlreadyApplied(stored) => assert_eq!(stored, send),
        }
    }
    assert_eq!(applied, 1);
    assert_eq!(ledger.balance(&alice).await.unwrap(), 745);
    assert_eq!(ledger.entries(&bob, None, 10).await.unwrap().len(), 1);
    assert_invariants(ledger.as_ref()).await;
}

/// 50 concurrent SENDs of 100 from a wallet account holding 1000: exactly 10 go through.
async fn concurrent_sends_never_overdraw(ledger: Arc<dyn Ledger>) {
    let alice = wallet("alice");
    ledger.post(&opening(&alice, 1_000, 100)).await.unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let ledger = ledger.clone();
            let send = transfer(
                &format!("send:{i}"),
                TransferKind::Send,
                vec![leg(&alice, &wallet(&format!("payee{i}")), 100)],
                200 + i,
            );
            tokio::spawn(async move { ledger.post(&send).await })
        })
        .collect();
    let (mut applied, mut refused) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(Posted::Applied) => applied += 1,
            Err(LedgerError::InsufficientFunds { account }) if account == alice => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((applied, refused), (10, 40));
    assert_eq!(ledger.balance(&alice).await.unwrap(), 0);
    let entries = ledger.entries(&alice, None, ALL).await.unwrap();
    assert_eq!(entries.iter().filter(|e| e.kind == TransferKind::Send).count(), 10);
    assert_eq!(entries.len(), 11, "the opening and the ten SENDs");
    assert_invariants(ledger.as_ref()).await;
}

async fn insufficient_funds_change_nothing(ledger: &dyn Ledger) {
    let (alice, bob) = (wallet("alice"), wallet("bob"));
    ledger.post(&opening(&alice, 100, 100)).await.unwrap();
    let before = ledger.balances().await.unwrap();
    let too_much = transfer("send:big", TransferKind::Send, vec![leg(&alice, &bob, 101)], 200);
    let with_fee = transfer(
        "send:fee",
        TransferKind::Send,
        vec![leg(&alice, &bob, 100), leg(&alice, &system::fees(), 1)],
        200,
    );
    // The wallet debited is named, whichever leg comes first.
    let second_short = transfer(
        "send:two",
        TransferKind::Send,
        vec![leg(&alice, &bob, 5), leg(&bob, &wallet("carol"), 50)],
        200,
    );
    for refused in [&too_much, &with_fee] {
        match ledger.post(refused).await {
            Err(LedgerError::InsufficientFunds { account }) => assert_eq!(account, alice),
            other => panic!("{}: {other:?}", refused.id),
        }
        assert_eq!(ledger.transfer(&refused.id).await.unwrap(), None);
    }
    match ledger.post(&second_short).await {
        Err(LedgerError::InsufficientFunds { account }) => assert_eq!(account, bob),
        other => panic!("{other:?}"),
    }
    assert_eq!(ledger.balances().await.unwrap(), before);
    assert!(ledger.entries(&bob, None, 10).await.unwrap().is_empty());
    assert_eq!(ledger.entries(&alice, None, 10).await.unwrap().len(), 1);
    // A refusal does not use the id up: once the money is there, the same transfer goes.
    ledger
        .post(&transfer(
            "topup:r",
            TransferKind::TopUp,
            vec![leg(&system::momo_settlement(), &alice, 1)],
            150,
        ))
        .await
        .unwrap();
    assert_eq!(ledger.post(&with_fee).await.unwrap(), Posted::Applied);
    assert_eq!(ledger.balance(&alice).await.unwrap(), 0, "a wallet may reach zero");
    assert_invariants(ledger).await;
}

async fn multi_leg_transfers_net_per_account(ledger: &dyn Ledger) {
    let (alice, bob, carol) = (wallet("alice"), wallet("bob"), wallet("carol"));
    ledger.post(&opening(&alice, 10_000, 100)).await.unwrap();
    // A SEND with its fee, and bob passing part on in the same transfer.
    let send = transfer(
        "send:multi",
        TransferKind::Send,
        vec![leg(&alice, &bob, 5_000), leg(&alice, &system::fees(), 50), leg(&bob, &carol, 1_000)],
        200,
    );
    assert_eq!(ledger.post(&send).await.unwrap(), Posted::Applied);
    let entry = |account: &AccountId| {
        let account = account.clone();
        async move {
            let entries = ledger.entries(&account, None, 10).await.unwrap();
            let e = entries.into_iter().find(|e| e.transfer_id == "send:multi").unwrap();
            (e.amount, e.balance_after, e.counterparty)
        }
    };
    assert_eq!(entry(&alice).await, (-5_050, Some(4_950), Some(bob.clone())));
    assert_eq!(entry(&bob).await, (4_000, Some(4_000), Some(alice.clone())));
    assert_eq!(entry(&carol).await, (1_000, Some(1_000), Some(bob.clone())));
    assert_eq!(entry(&system::fees()).await, (50, None, Some(alice.clone())));
    // An account the transfer only passes through: an entry of zero, the balance unchanged.
    let through = transfer(
        "send:through",
        TransferKind::Send,
        vec![leg(&alice, &bob, 100), leg(&bob, &carol, 100)],
        300,
    );
    ledger.post(&through).await.unwrap();
    let bob_through = ledger.entries(&bob, None, 1).await.unwrap().remove(0);
    assert_eq!((bob_through.amount, bob_through.balance_after), (0, Some(4_000)));
    assert_eq!(ledger.balance(&carol).await.unwrap(), 1_100);
    assert_invariants(ledger).await;
}

async fn invalid_transfers_are_refused(ledger: &dyn Ledger) {
    let (alice, bob) = (wallet("alice"), wallet("bob"));
    ledger.post(&opening(&alice, 1_000, 100)).await.unwrap();
    let before = ledger.balances().await.unwrap();
    let many: Vec<Leg> = (0..MAX_ACCOUNTS).map(|i| leg(&alice, &wallet(&format!("p{i}")), 1)).collect();
    let invalid = [
        transfer("bad:empty", TransferKind::Send, vec![], 200),
        transfer("bad:zero", TransferKind::Send, vec![leg(&alice, &bob, 0)], 200),
        transfer("bad:negative", TransferKind::Send, vec![leg(&alice, &bob, -5)], 200),
        transfer("bad:self", TransferKind::Send, vec![leg(&alice, &alice, 5)], 200),
        transfer("bad:one-of-two", TransferKind::Send, vec![leg(&alice, &bob, 5), leg(&bob, &bob, 5)], 200),
        transfer("bad:too-many", TransferKind::Send, many.clone(), 200),
    ];
    for transfer in &invalid {
        assert!(matches!(ledger.post(transfer).await, Err(LedgerError::Invalid(_))), "{}", transfer.id);
        assert_eq!(ledger.transfer(&transfer.id).await.unwrap(), None);
    }
    assert_eq!(ledger.balances().await.unwrap(), before);
    // The most accounts a transfer may move: alice and 48 payees.
    let most = transfer("send:most", TransferKind::Send, many[..MAX_ACCOUNTS - 1].to_vec(), 300);
    assert_eq!(ledger.post(&most).await.unwrap(), Posted::Applied);
    assert_eq!(ledger.balance(&alice).await.unwrap(), 1_000 - (MAX_ACCOUNTS as i64 - 1));
    assert_invariants(ledger).await;
}

// ---- the model, for random sequences ---------------------------------------------------

/// What the ledger should do, in a few lines.
#[derive(Default)]
struct Model {
    balances: HashMap<AccountId, i64>,
    applied: HashMap<String, Transfer>,
    /// Each wallet account's balance after each transfer applied to it.
    after: HashMap<(AccountId, String), i64>,
}

impl Model {
    fn post(&mut self, transfer: &Transfer) -> Result<Posted, &'static str> {
        if transfer.validate().is_err() {
            return Err("invalid");
        }
        if let Some(stored) = self.applied.get(&transfer.id) {
            return Ok(Posted::AlreadyApplied(stored.clone()));
        }
        let changes = transfer.net_changes();
        if changes.iter().any(|(a, c)| !a.is_system() && self.balances.get(a).copied().unwrap_or(0) + c < 0) {
            return Err("insufficient");
        }
        for (account, change) in changes {
            let balance = self.balances.entry(account.clone()).or_default();
            *balance += change;
            if !account.is_system() {
                self.after.insert((account, transfer.id.clone()), *balance);
            }
        }
        self.applied.insert(transfer.id.clone(), transfer.clone());
        Ok(Posted::Applied)
    }
}

fn outcome(result: Result<Posted, LedgerError>) -> Result<Posted, &'static str> {
    match result {
        Ok(posted) => Ok(posted),
        Err(LedgerError::Invalid(_)) => Err("invalid"),
        Err(LedgerError::InsufficientFunds { .. }) => Err("insufficient"),
        Err(err) => panic!("store failure: {err}"),
    }
}

/// One random post: legs between three wallets and three system accounts, ids from a small
/// pool so that repeats happen (some with another body), now and then an invalid leg.
fn any_transfer() -> impl proptest::strategy::Strategy<Value = Transfer> {
    use proptest::prelude::*;
    let accounts = [
        wallet("w0"),
        wallet("w1"),
        wallet("w2"),
        system::opening(),
        system::fees(),
        system::momo_settlement(),
    ];
    let any_leg = (0..6usize, 0..6usize, prop_oneof![20 => 1..300i64, 1 => Just(0i64)])
        .prop_map(move |(from, to, amount)| leg(&accounts[from], &accounts[to], amount));
    (0..12u8, proptest::collection::vec(any_leg, 1..4), 0..50i64).prop_map(|(id, legs, seconds)| {
        transfer(&format!("t{id}"), TransferKind::Send, legs, 1_000 + seconds)
    })
}

async fn random_posts_follow_the_model(ledger: &dyn Ledger, posts: &[Transfer]) {
    let mut model = Model::default();
    for post in posts {
        assert_eq!(outcome(ledger.post(post).await), model.post(post), "{post:?}");
    }
    for (account, balance) in &model.balances {
        assert_eq!(ledger.balance(account).await.unwrap(), *balance, "{account}");
    }
    for (id, stored) in &model.applied {
        assert_eq!(ledger.transfer(id).await.unwrap().as_ref(), Some(stored));
    }
    for account in model.balances.keys().filter(|a| !a.is_system()) {
        for entry in ledger.entries(account, None, ALL).await.unwrap() {
            let expected = model.after.get(&(account.clone(), entry.transfer_id.clone())).copied();
            assert_eq!(entry.balance_after, expected, "{account} after {}", entry.transfer_id);
        }
    }
    let accounts = ledger.balances().await.unwrap();
    let model_accounts: BTreeMap<_, _> = model.balances.iter().map(|(a, b)| (a.clone(), *b)).collect();
    assert_eq!(accounts, model_accounts.into_iter().collect::<Vec<_>>());
    assert_invariants(ledger).await;
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

// ---- memory ----------------------------------------------------------------------------

fn memory() -> Arc<dyn Ledger> {
    Arc::new(MemoryLedger::default())
}

#[tokio::test]
async fn memory_ledger_contract() {
    posts_move_balances_and_write_statements(memory().as_ref()).await;
    a_transfer_id_is_applied_at_most_once(memory().as_ref()).await;
    insufficient_funds_change_nothing(memory().as_ref()).await;
    multi_leg_transfers_net_per_account(memory().as_ref()).await;
    invalid_transfers_are_refused(memory().as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_ledger_concurrency() {
    concurrent_posts_of_one_id_apply_once(memory()).await;
    concurrent_sends_never_overdraw(memory()).await;
}

/// Proptest's settings without its file of past failures: it keeps one beside a crate's
/// `src/lib.rs`, which a test target does not have.
fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config { cases, failure_persistence: None, ..Default::default() }
}

proptest::proptest! {
    #![proptest_config(proptest_config(256))]
    #[test]
    fn memory_ledger_follows_the_model(posts in proptest::collection::vec(any_transfer(), 1..40)) {
        block_on(random_posts_follow_the_model(memory().as_ref(), &posts));
    }
}

// ---- moto ------------------------------------------------------------------------------

/// The DynamoDB client of the moto at `endpoint_var`, or `None` (with a note) when it is not set.
async fn moto_client(
    endpoint_var: &str,
    counter: Option<&RequestCounter>,
) -> Option<aws_sdk_dynamodb::Client> {
    let Ok(endpoint) = std::env::var(endpoint_var) else {
        assert!(
            std::env::var("PAYBOT_REQUIRE_MOTO").is_err(),
            "PAYBOT_REQUIRE_MOTO is set but {endpoint_var} is not: start moto (see README)"
        );
        eprintln!(
            "ledger tests on moto not run: {endpoint_var} is not set (the README's test command sets it)"
        );
        return None;
    };
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(endpoint).load().await;
    let mut config = aws_sdk_dynamodb::config::Builder::from(&sdk);
    if let Some(counter) = counter {
        config = config.interceptor(counter.clone());
    }
    Some(aws_sdk_dynamodb::Client::from_conf(config.build()))
}

/// A ledger on a table of its own, made as the bootstrap made `LEDGER_TABLE` on that moto.
async fn fresh_ledger(client: &aws_sdk_dynamodb::Client) -> Arc<dyn Ledger> {
    let model = std::env::var("LEDGER_TABLE").expect("LEDGER_TABLE from the moto bootstrap");
    let table = client.describe_table().table_name(&model).send().await.expect("LEDGER_TABLE on this moto");
    let table = table.table.unwrap();
    let name = unique("ledger");
    client
        .create_table()
        .table_name(&name)
        .set_key_schema(table.key_schema)
        .set_attribute_definitions(table.attribute_definitions)
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .expect("moto creates tables");
    Arc::new(DynamoLedger::new(client.clone(), name))
}

#[tokio::test]
async fn moto_ledger_contract() {
    let Some(client) = moto_client("AWS_ENDPOINT_URL", None).await else { return };
    posts_move_balances_and_write_statements(fresh_ledger(&client).await.as_ref()).await;
    a_transfer_id_is_applied_at_most_once(fresh_ledger(&client).await.as_ref()).await;
    insufficient_funds_change_nothing(fresh_ledger(&client).await.as_ref()).await;
    multi_leg_transfers_net_per_account(fresh_ledger(&client).await.as_ref()).await;
    invalid_transfers_are_refused(fresh_ledger(&client).await.as_ref()).await;
}

/// Concurrent posts on the serial moto. moto's usual threaded server runs concurrent
/// `TransactWriteItems` unsafely (each copies the table and puts the copy back when it is
/// cancelled, undoing whatever another applied meanwhile: 11 of these 10 SENDs once went
/// through, and money was made). `infra/moto_serial.py` answers one request at a time, so
/// transactions are serializable as on DynamoDB; the test command starts it, bootstraps the
/// template's tables on it and sets `PAYBOT_SERIAL_MOTO_URL`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serial_moto_ledger_concurrency() {
    let Some(client) = moto_client("PAYBOT_SERIAL_MOTO_URL", None).await else { return };
    concurrent_posts_of_one_id_apply_once(fresh_ledger(&client).await).await;
    concurrent_sends_never_overdraw(fresh_ledger(&client).await).await;
}

#[test]
fn moto_ledger_follows_the_model() {
    let Some(client) = block_on(moto_client("AWS_ENDPOINT_URL", None)) else { return };
    // Fewer and shorter runs than on memory: each post is a few requests to moto.
    let mut runner = proptest::test_runner::TestRunner::new(proptest_config(12));
    runner
        .run(&proptest::collection::vec(any_transfer(), 1..25), |posts| {
            block_on(async {
                let ledger = fresh_ledger(&client).await;
                random_posts_follow_the_model(ledger.as_ref(), &posts).await
            });
            Ok(())
        })
        .unwrap();
}

/// The AWS requests of one post, by kind of post (printed with `--nocapture`).
#[tokio::test]
async fn aws_requests_of_one_post_on_moto() {
    let counter = RequestCounter::default();
    let Some(client) = moto_client("AWS_ENDPOINT_URL", Some(&counter)).await else { return };
    let ledger = fresh_ledger(&client).await;
    let (alice, bob) = (wallet("alice"), wallet("bob"));
    ledger.post(&opening(&alice, 1_000, 100)).await.unwrap();
    let send = transfer(
        "send:counted",
        TransferKind::Send,
        vec![leg(&alice, &bob, 100), leg(&alice, &system::fees(), 1)],
        200,
    );
    let topup =
        transfer("topup:counted", TransferKind::TopUp, vec![leg(&system::momo_settlement(), &alice, 5)], 300);
    let short = transfer("send:short", TransferKind::Send, vec![leg(&bob, &alice, 1_000)], 400);
    let cases: [(&str, &Transfer); 4] =
        [("send with fee", &send), ("repeated send", &send), ("top-up", &topup), ("refused send", &short)];
    let mut counts = Vec::new();
    for (name, post) in cases {
        counter.reset();
        let _ = ledger.post(post).await;
        let snapshot: BTreeMap<String, u64> = counter
            .snapshot()
            .into_iter()
            .map(|(request, count)| (request.split(' ').next().unwrap().to_owned(), count))
            .collect();
        println!("{name}: {snapshot:?}");
        counts.push(snapshot);
    }
    let expect =
        |pairs: &[(&str, u64)]| pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>();
    assert_eq!(counts[0], expect(&[("BatchGetItem", 1), ("TransactWriteItems", 1)]));
    assert_eq!(counts[1], expect(&[("BatchGetItem", 1), ("GetItem", 1), ("TransactWriteItems", 1)]));
    assert_eq!(counts[2], expect(&[("BatchGetItem", 1), ("TransactWriteItems", 1)]));
    assert_eq!(counts[3], expect(&[("BatchGetItem", 1), ("GetItem", 1)]));
}
