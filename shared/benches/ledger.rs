//! The ledger's throughput: 1,000 transfers one after the other, and 1,000 at once (tasks
//! over 100 wallet accounts, at most 100 in flight, so that some race on one account), each
//! a SEND with a fee. On memory always; on moto when `AWS_ENDPOINT_URL` (moto's threaded
//! server) or `PAYBOT_SERIAL_MOTO_URL` (`infra/moto_serial.py`, one request at a time) is set.
//! Prints the time, transfers a second, and AWS requests per transfer (retries included).
//!
//! moto copies the whole table in every `TransactWriteItems` (to roll back), so its cost per
//! transfer grows with the table: 1,000 transfers into one table took it over a second each
//! by the end. The moto cases therefore post their 1,000 transfers as ten rounds of 100, each
//! round on a fresh table made like `LEDGER_TABLE` with 100 fresh accounts and deleted after
//! it, so that every figure is taken at a small table's size.
//!
//! Run: `cargo bench -p paybot --bench ledger`. Without `--bench` (as `cargo test
//! --all-targets` runs it) it makes a smoke pass of 20 transfers per case.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use paybot::adapters::aws::{DynamoLedger, RequestCounter};
use paybot::adapters::memory::MemoryLedger;
use paybot::domain::Currency;
use paybot::ledger::*;
use tokio::sync::Semaphore;

struct Size {
    transfers: usize,
    accounts: usize,
    in_flight: usize,
}

#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    elapsed: Duration,
    applied: usize,
    refused: usize,
    failed: usize,
    requests: Option<u64>,
}

impl std::ops::AddAssign for Figures {
    fn add_assign(&mut self, other: Figures) {
        self.elapsed += other.elapsed;
        self.applied += other.applied;
        self.refused += other.refused;
        self.failed += other.failed;
        self.requests = other.requests.map(|r| r + self.requests.unwrap_or_default());
    }
}

fn send(id: String, from: &AccountId, to: &AccountId, at: DateTime<Utc>) -> Transfer {
    Transfer {
        id,
        kind: TransferKind::Send,
        currency: Currency::GHS,
        legs: vec![
            Leg { from: from.clone(), to: to.clone(), amount: 100 },
            Leg { from: from.clone(), to: system::fees(), amount: 1 },
        ],
        hash: None,
        memo: None,
        at,
    }
}

/// Opens `size.accounts` wallet accounts with enough for every transfer of the run, in as
/// few transfers as hold them (not timed).
async fn fund(ledger: &dyn Ledger, run: &str, size: &Size) -> Vec<AccountId> {
    let accounts: Vec<AccountId> =
        (0..size.accounts).map(|i| AccountId::wallet(&format!("{run}-{i}"))).collect();
    let amount = 101 * size.transfers as i64;
    for (n, chunk) in accounts.chunks(MAX_ACCOUNTS - 1).enumerate() {
        let opening = Transfer {
            id: format!("opening:{run}-{n}"),
            kind: TransferKind::Opening,
            currency: Currency::GHS,
            legs: chunk.iter().map(|to| Leg { from: system::opening(), to: to.clone(), amount }).collect(),
            hash: None,
            memo: None,
            at: Utc::now(),
        };
        ledger.post(&opening).await.expect("opening balances");
    }
    accounts
}

fn tally(figures: &mut Figures, result: Result<Posted, LedgerError>) {
    match result {
        Ok(Posted::Applied) => figures.applied += 1,
        Ok(Posted::AlreadyApplied(_)) | Err(LedgerError::InsufficientFunds { .. }) => figures.refused += 1,
        Err(_) => figures.failed += 1,
    }
}

async fn sequential(ledger: Arc<dyn Ledger>, counter: Option<&RequestCounter>, size: &Size) -> Figures {
    let accounts = fund(ledger.as_ref(), "seq", size).await;
    counter.inspect(|c| c.reset());
    let mut figures = Figures::default();
    let start = Instant::now();
    for i in 0..size.transfers {
        let from = &accounts[i % accounts.len()];
        let to = &accounts[(i + 1) % accounts.len()];
        tally(&mut figures, ledger.post(&send(format!("send:seq-{i}"), from, to, Utc::now())).await);
    }
    figures.elapsed = start.elapsed();
    figures.requests = counter.map(RequestCounter::total);
    figures
}

async fn concurrent(ledger: Arc<dyn Ledger>, counter: Option<&RequestCounter>, size: &Size) -> Figures {
    let accounts = fund(ledger.as_ref(), "par", size).await;
    counter.inspect(|c| c.reset());
    let permits = Arc::new(Semaphore::new(size.in_flight));
    let start = Instant::now();
    let tasks: Vec<_> = (0..size.transfers)
        .map(|i| {
            let n = accounts.len();
            // Never to itself: 6i + 1 is odd, n even.
            let transfer =
                send(format!("send:par-{i}"), &accounts[i % n], &accounts[(i * 7 + 1) % n], Utc::now());
            let (ledger, permits) = (ledger.clone(), permits.clone());
            tokio::spawn(async move {
                let _permit = permits.acquire().await.expect("open semaphore");
                ledger.post(&transfer).await
            })
        })
        .collect();
    let mut figures = Figures::default();
    for task in tasks {
        tally(&mut figures, task.await.expect("a post task"));
    }
    figures.elapsed = start.elapsed();
    figures.requests = counter.map(RequestCounter::total);
    figures
}

fn print(backend: &str, case: &str, figures: &Figures) {
    let seconds = figures.elapsed.as_secs_f64();
    let transfers = figures.applied + figures.refused + figures.failed;
    let requests = figures
        .requests
        .map(|r| format!(", {:.2} requests/transfer", r as f64 / transfers as f64))
        .unwrap_or_default();
    println!(
        "{backend:<16} {case:<11} {transfers} transfers in {seconds:>8.3} s: {rate:>9.0}/s, {mean:>8.3} ms \
         each{requests}; applied {applied}, refused {refused}, failed {failed}",
        rate = transfers as f64 / seconds,
        mean = seconds * 1000.0 / transfers as f64,
        applied = figures.applied,
        refused = figures.refused,
        failed = figures.failed,
    );
}

/// A fresh table of the moto at `endpoint` (made like `LEDGER_TABLE`) for one round.
struct MotoTable {
    client: aws_sdk_dynamodb::Client,
    name: String,
}

impl MotoTable {
    fn ledger(&self) -> Arc<dyn Ledger> {
        Arc::new(DynamoLedger::new(self.client.clone(), self.name.clone()))
    }

    /// moto keeps every table in memory and copies all of them in each transaction: tables
    /// of finished rounds left in place made every later transfer slower and the server
    /// grow past 15 GB by the serial run's sequential case.
    async fn drop_table(self) {
        self.client.delete_table().table_name(&self.name).send().await.expect("moto deletes tables");
    }
}

/// A fresh ledger table of the moto at `endpoint`, its requests counted.
async fn moto_table(endpoint: &str, counter: &RequestCounter) -> MotoTable {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(endpoint).load().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(counter.clone()).build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let model = std::env::var("LEDGER_TABLE").expect("LEDGER_TABLE from the moto bootstrap");
    let table = client.describe_table().table_name(&model).send().await.expect("LEDGER_TABLE on this moto");
    let table = table.table.expect("a table description");
    let name = format!("ledger-bench-{}", uuid::Uuid::new_v4().simple());
    client
        .create_table()
        .table_name(&name)
        .set_key_schema(table.key_schema)
        .set_attribute_definitions(table.attribute_definitions)
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .expect("moto creates tables");
    MotoTable { client, name }
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    // Memory: one run of the whole size; moto: `rounds` runs of `round`, each on a fresh table.
    let (size, rounds, round) = if full {
        let size = Size { transfers: 1_000, accounts: 100, in_flight: 100 };
        (size, 10, Size { transfers: 100, accounts: 100, in_flight: 100 })
    } else {
        let smoke = || Size { transfers: 20, accounts: 10, in_flight: 10 };
        (smoke(), 1, smoke())
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let memory = || -> Arc<dyn Ledger> { Arc::new(MemoryLedger::default()) };
        print("memory", "sequential", &sequential(memory(), None, &size).await);
        print("memory", "concurrent", &concurrent(memory(), None, &size).await);
        for (backend, variable) in
            [("moto (threaded)", "AWS_ENDPOINT_URL"), ("moto (serial)", "PAYBOT_SERIAL_MOTO_URL")]
        {
            let Ok(endpoint) = std::env::var(variable) else {
                println!("{backend:<16} not run: {variable} is not set");
                continue;
            };
            let counter = RequestCounter::default();
            let (mut one_by_one, mut at_once) = (Figures::default(), Figures::default());
            for _ in 0..rounds {
                let table = moto_table(&endpoint, &counter).await;
                one_by_one += sequential(table.ledger(), Some(&counter), &round).await;
                table.drop_table().await;
                let table = moto_table(&endpoint, &counter).await;
                at_once += concurrent(table.ledger(), Some(&counter), &round).await;
                table.drop_table().await;
            }
            print(backend, "sequential", &one_by_one);
            print(backend, "concurrent", &at_once);
        }
    });
}
