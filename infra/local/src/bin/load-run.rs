//! A load run against the local stack: signed webhooks in, replies captured by the Cloud API
//! sandbox, all in this one process over real HTTP on a free loopback port.
//!
//!   bash infra/load/run.sh                 # release build, default phases, summary
//!   cargo run --release -p local-stack --bin load-run -- --help
//!
//! It writes a directory file with N synthetic sellers (`+3736xxxxxxx`, one QR merchant each,
//! so that per-conversation FIFO ordering does not serialise the run), starts the stack on
//! `127.0.0.1:0` with its embedded sandboxes, and posts `pay <n>` text notifications shaped
//! and signed as Meta sends them (the simulator's own builder, `meta.rs`), each with its own
//! wamid, from the sellers in turn. A reply is matched to its message exactly: the checkout
//! URL names the miaPOS payment, whose `orderId` is the link id derived from the wamid.
//!
//! Phases, each on a fresh stack (the in-memory FIFO queues keep five minutes of
//! deduplication ids and slow down as they fill, so a shared stack would make the figures
//! depend on the order of the phases), each after a warm-up of one message per seller that is
//! not measured (miaPOS tokens, windows, first allocations), each drained before the next:
//! - saturation: `--count` messages with N webhooks in flight, one phase per value of
//!   `--concurrency`, as fast as the stack takes them: webhooks accepted per second and
//!   replies per second end to end (first webhook sent to last reply recorded);
//! - paced: open loop at `--rate` messages per second for `--duration` seconds: latency from
//!   sending the webhook to the sandbox recording the reply (p50, p90, p99, max), the rate
//!   achieved, latency by second of sending (growth), and the replies still missing after
//!   `--drain-timeout`.
//!
//! The arrival of a reply is stamped in process by an observer thread parked on the sandbox's
//! own `wait_for_after` (woken whenever it records a send, reading only the new sends), not by
//! polling over HTTP. The stack runs
//! on its own tokio runtime (threads `stack`), the load on another (`load`), the observer on a
//! thread of its own (`observer`), so that the per-thread CPU time shows who used the cores.
//!
//! Every loop is bounded in count and time; the run stops by itself. Loopback only.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use local_stack::meta::{self, SimulatedMessage, UserInput};
use local_stack::settings::DEMO_DIRECTORY;
use local_stack::{FileSource, LocalSettings, RunningStack};
use paybot::adapters::memory::MemoryQueue;
use paybot::domain::link_id_for_message;
use paybot::whatsapp::WebhookVerifier;
use sandboxes::cloud_api::CloudApiSandbox;
use serde_json::{Value, json};

type Error = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "\
load-run: a load run against the local stack (signed webhooks in, replies from the Cloud API sandbox)

  --sellers N          synthetic sellers, one QR merchant each            (default 500)
  --count N            saturation phase: messages                         (default 5000)
  --concurrency N,..   saturation phases: webhooks in flight, one phase per value (default 16,64,256)
  --rate R             paced phase: messages per second                   (default 1000)
  --duration S         paced phase: seconds                               (default 10)
  --drain-timeout S    after the last webhook, wait this long for replies (default 30)
  --max-in-flight N    paced phase: a message due while N are in flight is skipped (default 2000)
  --phases LIST        comma-separated: saturation, paced                 (default saturation,paced)
  --no-warmup          skip the unmeasured warm-up (one message per seller)
  --out PATH           JSON report                                        (default <workspace>/target/load-run.json)

RUST_LOG defaults to warn, so that logging does not dominate the run.";

#[derive(Debug, Clone)]
struct Options {
    sellers: usize,
    count: usize,
    /// One saturation phase per value.
    concurrency: Vec<usize>,
    rate: f64,
    duration: f64,
    drain_timeout: Duration,
    max_in_flight: usize,
    saturation: bool,
    paced: bool,
    warmup: bool,
    out: PathBuf,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, Error> {
        let mut o = Options {
            sellers: 500,
            count: 5000,
            concurrency: vec![16, 64, 256],
            rate: 1000.0,
            duration: 10.0,
            drain_timeout: Duration::from_secs(30),
            max_in_flight: 2000,
            saturation: true,
            paced: true,
            warmup: true,
            out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/load-run.json"),
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--sellers" => o.sellers = bounded(&value()?, flag, 1.0, 99_999.0)? as usize,
                "--count" => o.count = bounded(&value()?, flag, 1.0, 1_000_000.0)? as usize,
                "--concurrency" => {
                    o.concurrency = value()?
                        .split(',')
                        .map(|c| bounded(c.trim(), flag, 1.0, 4096.0).map(|c| c as usize))
                        .collect::<Result<_, _>>()?;
                    if o.concurrency.is_empty() || o.concurrency.len() > 16 {
                        return Err("--concurrency takes 1 to 16 values".into());
                    }
                }
                "--rate" => o.rate = bounded(&value()?, flag, 1.0, 100_000.0)?,
                "--duration" => o.duration = bounded(&value()?, flag, 0.1, 600.0)?,
                "--drain-timeout" => {
                    o.drain_timeout = Duration::from_secs_f64(bounded(&value()?, flag, 0.1, 600.0)?)
                }
                "--max-in-flight" => o.max_in_flight = bounded(&value()?, flag, 1.0, 100_000.0)? as usize,
                "--phases" => {
                    let list = value()?;
                    o.saturation = false;
                    o.paced = false;
                    for phase in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        match phase {
                            "saturation" => o.saturation = true,
                            "paced" => o.paced = true,
                            other => return Err(format!("unknown phase {other:?}").into()),
                        }
                    }
                }
                "--no-warmup" => o.warmup = false,
                "--out" => o.out = PathBuf::from(value()?),
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other:?}\n\n{USAGE}").into()),
            }
        }
        if (o.rate * o.duration).round() < 1.0 {
            return Err("--rate × --duration must be at least one message".into());
        }
        if o.rate * o.duration > 1_000_000.0 {
            return Err("--rate × --duration is capped at 1,000,000 messages".into());
        }
        Ok(o)
    }

    fn paced_count(&self) -> usize {
        (self.rate * self.duration).round() as usize
    }
}

fn bounded(text: &str, flag: &str, min: f64, max: f64) -> Result<f64, Error> {
    let v: f64 = text.parse().map_err(|_| format!("{flag}: not a number: {text:?}"))?;
    if !(v.is_finite() && v >= min && v <= max) {
        return Err(format!("{flag}: {v} is outside {min}..={max}").into());
    }
    Ok(v)
}

// ---- the synthetic directory -------------------------------------------------------------------

/// The seller's phone: `+3736` and seven digits.
fn seller_phone(index: usize) -> String {
    format!("+3736{:07}", index + 1)
}

/// The demo business-number profiles and `sellers` synthetic sellers, each bound to its own
/// QR merchant (demo-like: MDL, a QR terminal, a secret the miaPOS sandbox knows).
fn synthetic_directory(sellers: usize) -> Result<String, Error> {
    let demo: Value = serde_json::from_str(DEMO_DIRECTORY)?;
    let locales = ["ro", "ru", "en", "ro", "fr", "de"];
    let sellers: Vec<Value> = (0..sellers)
        .map(|i| {
            let n = i + 1;
            json!({
                "phone": seller_phone(i),
                "name": format!("Load Seller {n:05}"),
                "locale": locales[i % locales.len()],
                "merchants": [{
                    "merchant_id": format!("MLOAD-{n:05}"),
                    "name": format!("Load Shop {n:05}"),
                    "qr_terminal": format!("T-LOAD-{n:05}-QR"),
                    "currency": "MDL",
                    "secret_key": format!("load-secret-{n:05}"),
                }],
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&json!({"profiles": demo["profiles"], "sellers": sellers}))?)
}

/// The generated directory file, removed when the run ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ---- the reply observer ------------------------------------------------------------------------

/// When each send reached the Cloud API sandbox, by its `seq`.
#[derive(Default)]
struct Observer {
    cursor: AtomicU64,
    arrivals: Mutex<Vec<(u64, Instant)>>,
    count: AtomicUsize,
    stop: AtomicBool,
}

impl Observer {
    /// Parks on the sandbox's `wait_for_after`, which is woken whenever a send is recorded, and
    /// stamps every send newer than the cursor. Messages are recorded in `seq` order under the
    /// sandbox's lock, so one cursor is enough, and only new ones are read.
    fn spawn(self: &Arc<Self>, cloud: CloudApiSandbox) -> std::io::Result<std::thread::JoinHandle<()>> {
        let observer = self.clone();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
        std::thread::Builder::new().name("observer".into()).spawn(move || {
            // Stops when told, and after two hours whatever happens.
            let deadline = Instant::now() + Duration::from_secs(2 * 3600);
            runtime.block_on(async {
                while !observer.stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    // Bounded wait, so that the stop flag is seen within 50 ms.
                    let after = observer.cursor.load(Ordering::Relaxed);
                    let new = cloud.wait_for_after(after, Duration::from_millis(50)).await;
                    let now = Instant::now();
                    if let Some(last) = new.last() {
                        observer.cursor.store(last.seq, Ordering::Relaxed);
                        let mut arrivals = observer.arrivals.lock().unwrap_or_else(|e| e.into_inner());
                        arrivals.extend(new.iter().map(|m| (m.seq, now)));
                        observer.count.fetch_add(new.len(), Ordering::Relaxed);
                    }
                }
            });
        })
    }

    fn arrivals_after(&self, seq: u64) -> HashMap<u64, Instant> {
        self.arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(s, _)| *s > seq)
            .copied()
            .collect()
    }
}

// ---- CPU time per thread group (Linux) ---------------------------------------------------------

/// CPU seconds used so far by this process's threads, by thread name: `stack` (the stack's
/// runtime and its blocking pool), `load` (the load generator), `observer`, other.
fn cpu_by_group() -> Option<HashMap<&'static str, f64>> {
    // USER_HZ is 100 on every Linux this runs on.
    const TICKS: f64 = 100.0;
    let mut groups = HashMap::new();
    for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let name = &stat[open + 1..close];
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // After the name: state is field 3; utime and stime are fields 14 and 15.
        let (Some(utime), Some(stime)) = (fields.get(11), fields.get(12)) else { continue };
        let ticks = utime.parse::<f64>().unwrap_or(0.0) + stime.parse::<f64>().unwrap_or(0.0);
        let group = if name.starts_with("stack") {
            "stack"
        } else if name.starts_with("load") && name != "load-run" {
            "load"
        } else if name.starts_with("observer") {
            "observer"
        } else {
            "other"
        };
        *groups.entry(group).or_insert(0.0) += ticks / TICKS;
    }
    Some(groups)
}

fn cpu_delta(
    before: &Option<HashMap<&'static str, f64>>,
    after: &Option<HashMap<&'static str, f64>>,
    wall: f64,
) -> Value {
    let (Some(before), Some(after)) = (before, after) else { return Value::Null };
    let mut out = serde_json::Map::new();
    let mut total = 0.0;
    for group in ["stack", "load", "observer", "other"] {
        let used = after.get(group).copied().unwrap_or(0.0) - before.get(group).copied().unwrap_or(0.0);
        total += used;
        out.insert(group.into(), json!({"cpu_s": round(used, 2), "cores": round(used / wall.max(1e-9), 2)}));
    }
    out.insert("total".into(), json!({"cpu_s": round(total, 2), "cores": round(total / wall.max(1e-9), 2)}));
    Value::Object(out)
}

// ---- one phase ----------------------------------------------------------------------------------

/// One message, prepared before the phase starts so that building and signing it is not timed.
struct Planned {
    seller: usize,
    link_id: String,
    body: axum::body::Bytes,
    signature: String,
}

#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    /// When the generator meant to send it (paced phase).
    due: Option<Instant>,
    sent: Option<Instant>,
    acked: Option<Instant>,
    /// HTTP status; 0 for a transport error.
    status: u16,
    /// Not sent: the in-flight cap was reached when it was due.
    skipped: bool,
}

/// A closed-loop phase stops sending after this long, however many messages are left.
const CLOSED_LOOP_LIMIT: Duration = Duration::from_secs(15 * 60);

enum Mode {
    Closed { concurrency: usize },
    Open { rate: f64, max_in_flight: usize },
}

struct Context {
    base_url: String,
    app_secret: String,
    phone_number_id: String,
    display_number: String,
    sellers: usize,
    client: reqwest::Client,
    cloud: CloudApiSandbox,
    miapos: sandboxes::miapos::MiaposSandbox,
    observer: Arc<Observer>,
    /// The stack's in-process queues: their depth is sampled during a phase.
    inbound: Arc<MemoryQueue>,
    outbound: Arc<MemoryQueue>,
    drain_timeout: Duration,
}

fn plan(ctx: &Context, count: usize) -> Vec<Planned> {
    let timestamp = chrono::Utc::now().timestamp();
    (0..count)
        .map(|i| {
            let seller = i % ctx.sellers;
            let wamid = meta::new_wamid();
            let phone = seller_phone(seller);
            let from = phone.trim_start_matches('+');
            let name = format!("Load Seller {:05}", seller + 1);
            // 10.00 to 999.00 MDL, well inside the QR cap.
            let input = UserInput::Text { body: format!("pay {}", 10 + i % 990) };
            let body = meta::notification_body(&SimulatedMessage {
                phone_number_id: &ctx.phone_number_id,
                display_phone_number: &ctx.display_number,
                from,
                profile_name: &name,
                wamid: &wamid,
                timestamp,
                context: None,
                input: &input,
            });
            let signature = WebhookVerifier::sign(&ctx.app_secret, &body);
            Planned { seller, link_id: link_id_for_message(&wamid), body: body.into(), signature }
        })
        .collect()
}

async fn post(client: &reqwest::Client, url: &str, planned: &Planned) -> (Instant, Instant, u16) {
    let sent = Instant::now();
    let result = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", &planned.signature)
        .body(planned.body.clone())
        .send()
        .await;
    let status = match result {
        Ok(response) => {
            let status = response.status().as_u16();
            // Read to the end so that the connection goes back to the pool.
            let _ = response.bytes().await;
            status
        }
        Err(_) => 0,
    };
    (sent, Instant::now(), status)
}

async fn run_phase(ctx: &Context, name: &str, count: usize, mode: Mode) -> Value {
    let plans = Arc::new(plan(ctx, count));
    let url = format!("{}/webhook", ctx.base_url);
    let start_seq = ctx.observer.cursor.load(Ordering::Relaxed);
    let start_count = ctx.observer.count.load(Ordering::Relaxed);
    let cpu_before = cpu_by_group();
    let phase_start = Instant::now();
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = tokio::spawn(sample_queues(ctx.inbound.clone(), ctx.outbound.clone(), sampling.clone()));

    let mut outcomes = vec![Outcome::default(); count];
    match &mode {
        Mode::Closed { concurrency } => {
            // What is not sent by then stays unsent (and is reported so).
            let send_deadline = Instant::now() + CLOSED_LOOP_LIMIT;
            let next = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..(*concurrency).min(count))
                .map(|_| {
                    let (client, url, plans, next) =
                        (ctx.client.clone(), url.clone(), plans.clone(), next.clone());
                    tokio::spawn(async move {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= plans.len() || Instant::now() >= send_deadline {
                                break;
                            }
                            let (sent, acked, status) = post(&client, &url, &plans[i]).await;
                            done.push((i, sent, acked, status));
                        }
                        done
                    })
                })
                .collect();
            for worker in workers {
                for (i, sent, acked, status) in worker.await.unwrap_or_default() {
                    outcomes[i] =
                        Outcome { sent: Some(sent), acked: Some(acked), status, ..Outcome::default() };
                }
            }
        }
        Mode::Open { rate, max_in_flight } => {
            let in_flight = Arc::new(AtomicUsize::new(0));
            let start = tokio::time::Instant::now() + Duration::from_millis(20);
            let mut tasks = Vec::with_capacity(count);
            for i in 0..count {
                let due = start + Duration::from_secs_f64(i as f64 / rate);
                tokio::time::sleep_until(due).await;
                if in_flight.load(Ordering::Relaxed) >= *max_in_flight {
                    outcomes[i] = Outcome { due: Some(due.into_std()), skipped: true, ..Outcome::default() };
                    continue;
                }
                in_flight.fetch_add(1, Ordering::Relaxed);
                let (client, url, plans, in_flight) =
                    (ctx.client.clone(), url.clone(), plans.clone(), in_flight.clone());
                tasks.push((
                    i,
                    due.into_std(),
                    tokio::spawn(async move {
                        let result = post(&client, &url, &plans[i]).await;
                        in_flight.fetch_sub(1, Ordering::Relaxed);
                        result
                    }),
                ));
            }
            for (i, due, task) in tasks {
                if let Ok((sent, acked, status)) = task.await {
                    outcomes[i] = Outcome {
                        due: Some(due),
                        sent: Some(sent),
                        acked: Some(acked),
                        status,
                        skipped: false,
                    };
                }
            }
        }
    }
    let last_ack = outcomes.iter().filter_map(|o| o.acked).max();

    // Drain: wait for a reply to every accepted webhook, at most `drain_timeout` after the last.
    let accepted = outcomes.iter().filter(|o| o.status == 200).count();
    let drain_deadline = Instant::now() + ctx.drain_timeout;
    let mut matched = correlate(ctx, &plans, start_seq);
    while matched.replied < accepted && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if ctx.observer.count.load(Ordering::Relaxed) - start_count >= accepted {
            matched = correlate(ctx, &plans, start_seq);
        }
    }
    matched = correlate(ctx, &plans, start_seq);
    let phase_wall = phase_start.elapsed().as_secs_f64();
    let cpu_after = cpu_by_group();
    sampling.store(false, Ordering::Relaxed);
    let mut queues = sampler.await.unwrap_or(Value::Null);
    let stack_cores =
        queues.as_object_mut().and_then(|q| q.remove("stack_cores_by_second")).unwrap_or(Value::Null);

    let mut report = report(
        name,
        &mode,
        &plans,
        &outcomes,
        &matched,
        phase_start,
        last_ack,
        cpu_delta(&cpu_before, &cpu_after, phase_wall),
    );
    report["queue_depth"] = queues;
    report["stack_cores_by_second"] = stack_cores;
    report
}

/// Messages waiting (not in flight) on the inbound and outbound queues, every 20 ms while
/// `on` holds (at most an hour): the backlog in front of the command flow and of notify.
async fn sample_queues(inbound: Arc<MemoryQueue>, outbound: Arc<MemoryQueue>, on: Arc<AtomicBool>) -> Value {
    let (mut samples, mut inbound_max, mut outbound_max, mut inbound_sum, mut outbound_sum) =
        (0usize, 0, 0, 0, 0);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(3600);
    // The stack's CPU use by the second, to see when it runs out of cores.
    let mut stack_cores = Vec::new();
    let mut last_cpu = (started, cpu_by_group().and_then(|g| g.get("stack").copied()));
    while on.load(Ordering::Relaxed) && Instant::now() < deadline {
        if last_cpu.0.elapsed() >= Duration::from_secs(1) {
            let now = (Instant::now(), cpu_by_group().and_then(|g| g.get("stack").copied()));
            if let (Some(before), Some(after)) = (last_cpu.1, now.1) {
                stack_cores.push(round((after - before) / now.0.duration_since(last_cpu.0).as_secs_f64(), 2));
            }
            last_cpu = now;
        }
        let (i, o) = (inbound.ready_len(), outbound.ready_len());
        inbound_max = inbound_max.max(i);
        outbound_max = outbound_max.max(o);
        inbound_sum += i;
        outbound_sum += o;
        samples += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mean = |sum: usize| round(sum as f64 / samples.max(1) as f64, 1);
    json!({
        "samples": samples,
        "inbound_ready_max": inbound_max, "inbound_ready_mean": mean(inbound_sum),
        "outbound_ready_max": outbound_max, "outbound_ready_mean": mean(outbound_sum),
        "stack_cores_by_second": stack_cores,
    })
}

/// Replies matched to the messages of a phase.
struct Matched {
    /// Per message: when its reply reached the sandbox.
    reply_at: Vec<Option<Instant>>,
    replied: usize,
    /// Replies that name no payment of this phase (refusals, help, …), with one sample.
    unexpected: usize,
    sample_unexpected: Option<String>,
    /// A second reply to the same message.
    duplicates: usize,
    /// A reply sent to another number than the message's sender.
    wrong_recipient: usize,
}

/// The checkout URL in a reply names the miaPOS payment; the sandbox knows its `orderId`,
/// which is the link id the bot derives from the wamid.
fn correlate(ctx: &Context, plans: &[Planned], start_seq: u64) -> Matched {
    let by_link: HashMap<&str, usize> =
        plans.iter().enumerate().map(|(i, p)| (p.link_id.as_str(), i)).collect();
    let orders: HashMap<String, String> =
        ctx.miapos.payments().into_iter().map(|p| (p.payment_id, p.order_id)).collect();
    let arrivals = ctx.observer.arrivals_after(start_seq);
    let mut matched = Matched {
        reply_at: vec![None; plans.len()],
        replied: 0,
        unexpected: 0,
        sample_unexpected: None,
        duplicates: 0,
        wrong_recipient: 0,
    };
    for sent in ctx.cloud.sent().iter().filter(|m| m.seq > start_seq) {
        let Some(&at) = arrivals.get(&sent.seq) else { continue };
        let index = sent
            .text()
            .and_then(payment_id)
            .and_then(|id| orders.get(id))
            .and_then(|order| by_link.get(order.as_str()))
            .copied();
        let Some(index) = index else {
            matched.unexpected += 1;
            if matched.sample_unexpected.is_none() {
                matched.sample_unexpected =
                    Some(sent.text().unwrap_or(sent.kind()).chars().take(200).collect());
            }
            continue;
        };
        if sent.to.trim_start_matches('+') != seller_phone(plans[index].seller).trim_start_matches('+') {
            matched.wrong_recipient += 1;
        }
        if matched.reply_at[index].is_some() {
            matched.duplicates += 1;
        } else {
            matched.reply_at[index] = Some(at);
            matched.replied += 1;
        }
    }
    matched
}

fn payment_id(text: &str) -> Option<&str> {
    let start = text.find("paymentId=")? + "paymentId=".len();
    let rest = &text[start..];
    let end = rest.find(|c: char| !(c.is_ascii_hexdigit() || c == '-')).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|id| !id.is_empty())
}

// ---- figures ------------------------------------------------------------------------------------

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn distribution(mut values: Vec<f64>) -> Value {
    values.sort_by(|a, b| a.total_cmp(b));
    let mean = if values.is_empty() { None } else { Some(values.iter().sum::<f64>() / values.len() as f64) };
    let p = |q| percentile(&values, q).map(|v| round(v, 2));
    json!({
        "n": values.len(),
        "min": values.first().map(|v| round(*v, 2)),
        "mean": mean.map(|v| round(v, 2)),
        "p50": p(50.0), "p90": p(90.0), "p99": p(99.0), "p99_9": p(99.9),
        "max": values.last().map(|v| round(*v, 2)),
    })
}

fn ms(later: Instant, earlier: Instant) -> f64 {
    later.saturating_duration_since(earlier).as_secs_f64() * 1000.0
}

#[allow(clippy::too_many_arguments)]
fn report(
    name: &str,
    mode: &Mode,
    plans: &[Planned],
    outcomes: &[Outcome],
    matched: &Matched,
    phase_start: Instant,
    last_ack: Option<Instant>,
    cpu: Value,
) -> Value {
    let first_send = outcomes.iter().filter_map(|o| o.sent).min().unwrap_or(phase_start);
    let last_send = outcomes.iter().filter_map(|o| o.sent).max().unwrap_or(first_send);
    let last_reply = matched.reply_at.iter().flatten().max().copied();
    let sent = outcomes.iter().filter(|o| o.sent.is_some()).count();
    let accepted = outcomes.iter().filter(|o| o.status == 200).count();
    let transport_errors = outcomes.iter().filter(|o| o.sent.is_some() && o.status == 0).count();
    let mut refused: HashMap<u16, usize> = HashMap::new();
    for o in outcomes.iter().filter(|o| o.status != 200 && o.status != 0) {
        *refused.entry(o.status).or_default() += 1;
    }
    let skipped = outcomes.iter().filter(|o| o.skipped).count();
    let missing =
        outcomes.iter().zip(&matched.reply_at).filter(|(o, r)| o.status == 200 && r.is_none()).count();

    let secs = |end: Option<Instant>| end.map(|e| e.saturating_duration_since(first_send).as_secs_f64());
    let per_second = |n: usize, span: Option<f64>| span.filter(|s| *s > 0.0).map(|s| round(n as f64 / s, 1));
    let send_span = last_send.saturating_duration_since(first_send).as_secs_f64();

    let latencies: Vec<f64> =
        outcomes.iter().zip(&matched.reply_at).filter_map(|(o, r)| Some(ms((*r)?, o.sent?))).collect();
    let acks: Vec<f64> = outcomes.iter().filter_map(|o| Some(ms(o.acked?, o.sent?))).collect();
    let lags: Vec<f64> = outcomes.iter().filter_map(|o| Some(ms(o.sent?, o.due?))).collect();

    // Latency by the second (of send time) the message went out in: shows growth.
    let mut buckets: Vec<Vec<f64>> = Vec::new();
    let mut bucket_missing: Vec<usize> = Vec::new();
    for (o, r) in outcomes.iter().zip(&matched.reply_at) {
        let Some(sent_at) = o.sent else { continue };
        let second = sent_at.saturating_duration_since(first_send).as_secs() as usize;
        if buckets.len() <= second {
            buckets.resize(second + 1, Vec::new());
            bucket_missing.resize(second + 1, 0);
        }
        match r {
            Some(at) => buckets[second].push(ms(*at, sent_at)),
            None if o.status == 200 => bucket_missing[second] += 1,
            None => {}
        }
    }
    let by_second: Vec<Value> = buckets
        .into_iter()
        .zip(bucket_missing)
        .enumerate()
        .map(|(second, (mut values, missing))| {
            values.sort_by(|a, b| a.total_cmp(b));
            json!({
                "second": second,
                "replied": values.len(),
                "missing": missing,
                "p50_ms": percentile(&values, 50.0).map(|v| round(v, 1)),
                "p99_ms": percentile(&values, 99.0).map(|v| round(v, 1)),
                "max_ms": values.last().map(|v| round(*v, 1)),
            })
        })
        .collect();

    let (mode_name, mode_detail) = match mode {
        Mode::Closed { concurrency } => ("closed loop", json!({"concurrency": concurrency})),
        Mode::Open { rate, max_in_flight } => {
            ("open loop", json!({"target_rate_per_s": rate, "max_in_flight": max_in_flight}))
        }
    };
    json!({
        "phase": name,
        "mode": mode_name,
        "settings": mode_detail,
        "messages": plans.len(),
        "sent": sent,
        "skipped_at_in_flight_cap": skipped,
        "webhook_accepted": accepted,
        "webhook_refused": refused.iter().map(|(s, n)| (s.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "webhook_transport_errors": transport_errors,
        "replies_matched": matched.replied,
        "replies_missing_after_drain": missing,
        "replies_unexpected": matched.unexpected,
        "replies_unexpected_sample": matched.sample_unexpected,
        "replies_duplicate": matched.duplicates,
        "replies_wrong_recipient": matched.wrong_recipient,
        "send_span_s": round(send_span, 3),
        "send_rate_per_s": per_second(sent.saturating_sub(1), Some(send_span)),
        "accept_span_s": secs(last_ack).map(|s| round(s, 3)),
        "webhooks_accepted_per_s": per_second(accepted, secs(last_ack)),
        "reply_span_s": secs(last_reply).map(|s| round(s, 3)),
        "replies_per_s": per_second(matched.replied, secs(last_reply)),
        "latency_webhook_to_reply_ms": distribution(latencies),
        "webhook_answer_ms": distribution(acks),
        "generator_lag_ms": if lags.is_empty() { Value::Null } else { distribution(lags) },
        "latency_by_second": by_second,
        "cpu": cpu,
    })
}

// ---- main ---------------------------------------------------------------------------------------

fn main() -> Result<(), Error> {
    if std::env::var_os("RUST_LOG").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("RUST_LOG", "warn") };
    }
    paybot::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = Options::parse(&args)?;

    let directory_path =
        std::env::temp_dir().join(format!("paybot-load-run-directory-{}.json", std::process::id()));
    std::fs::write(&directory_path, synthetic_directory(options.sellers)?)?;
    let _directory_file = TempFile(directory_path.clone());
    let mut settings = LocalSettings::for_tests();
    settings.directory = FileSource::File(directory_path.display().to_string());

    let load_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .thread_name("load")
        .build()?;

    // Each measured phase gets a fresh stack: the in-memory queues keep every deduplication
    // id for five minutes and grow slower with them, so phases sharing one stack would
    // depend on their order.
    let mut specs: Vec<(&str, usize, Mode)> = Vec::new();
    if options.saturation {
        for &concurrency in &options.concurrency {
            specs.push(("saturation", options.count, Mode::Closed { concurrency }));
        }
    }
    if options.paced {
        specs.push((
            "paced",
            options.paced_count(),
            Mode::Open { rate: options.rate, max_in_flight: options.max_in_flight },
        ));
    }
    let mut phases = Vec::new();
    let total_deadline = Instant::now() + Duration::from_secs(3600);
    for (name, count, mode) in specs {
        if Instant::now() >= total_deadline {
            eprintln!("load-run: an hour has passed; the remaining phases are skipped");
            break;
        }
        phases.push(measure(&options, &settings, &load_runtime, name, count, mode)?);
    }
    load_runtime.shutdown_timeout(Duration::from_secs(2));

    let result = json!({
        "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "machine": machine(),
        "options": {
            "sellers": options.sellers, "count": options.count, "concurrency": options.concurrency,
            "rate": options.rate, "duration_s": options.duration, "drain_timeout_s": options.drain_timeout.as_secs_f64(),
            "max_in_flight": options.max_in_flight, "warmup": options.warmup,
            "rust_log": std::env::var("RUST_LOG").unwrap_or_default(),
        },
        "headline": headline(&phases),
        "phases": phases,
    });
    print_summary(&result);
    if let Some(parent) = options.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&options.out, serde_json::to_string_pretty(&result)? + "\n")?;
    println!("\nJSON report: {}", options.out.display());
    Ok(())
}

/// One measured phase on a stack of its own: started on its own runtime, warmed up (one
/// message per seller, not measured), measured, and shut down.
fn measure(
    options: &Options,
    settings: &LocalSettings,
    load_runtime: &tokio::runtime::Runtime,
    name: &str,
    count: usize,
    mode: Mode,
) -> Result<Value, Error> {
    let stack_runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("stack").build()?;
    let started = Instant::now();
    let running: RunningStack = stack_runtime.block_on(local_stack::start(settings))?;
    let stack_start_s = started.elapsed().as_secs_f64();
    let cloud =
        running.stack.cloud.clone().ok_or("the Cloud API sandbox is not in use (WHATSAPP_API_BASE set?)")?;
    let miapos =
        running.stack.miapos.clone().ok_or("the miaPOS sandbox is not in use (MIAPOS_BASE_URL set?)")?;
    let profile = running.stack.sim.profiles.first().ok_or("the directory has no business profile")?;

    let observer = Arc::new(Observer::default());
    let observer_thread = observer.spawn(cloud.clone())?;
    let in_flight = match mode {
        Mode::Closed { concurrency } => concurrency,
        Mode::Open { .. } => 64,
    };
    let ctx = Context {
        base_url: running.base_url.clone(),
        app_secret: running.stack.adapters.config.whatsapp.app_secret.expose().to_owned(),
        phone_number_id: profile.business_number_id.clone(),
        display_number: profile.display_number.clone(),
        sellers: options.sellers,
        // Its own client, so that no connection outlives the stack it was made to.
        client: reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(in_flight.max(64))
            .build()?,
        cloud,
        miapos,
        observer: observer.clone(),
        inbound: running.stack.adapters.inbound.clone(),
        outbound: running.stack.adapters.outbound.clone(),
        drain_timeout: options.drain_timeout,
    };
    let what = match &mode {
        Mode::Closed { concurrency } => format!("{count} messages, {concurrency} in flight"),
        Mode::Open { rate, .. } => format!("{rate} messages/s, {count} messages"),
    };
    eprintln!("load-run: {name}: {what}; fresh stack on {} (started in {stack_start_s:.2} s)", ctx.base_url);

    let mut report = load_runtime.block_on(async {
        let warmup = if options.warmup {
            let concurrency = options.sellers.min(16);
            let warm = run_phase(&ctx, "warmup", options.sellers, Mode::Closed { concurrency }).await;
            settle(&ctx).await;
            Some(warm)
        } else {
            None
        };
        let mut report = run_phase(&ctx, name, count, mode).await;
        report["warmup"] = match warmup {
            Some(w) => json!({
                "messages": w["messages"],
                "webhook_accepted": w["webhook_accepted"],
                "replies_matched": w["replies_matched"],
                "replies_missing_after_drain": w["replies_missing_after_drain"],
                "replies_unexpected": w["replies_unexpected"],
                "latency_p50_ms": w["latency_webhook_to_reply_ms"]["p50"],
            }),
            None => Value::Null,
        };
        report
    });
    report["stack_start_s"] = json!(round(stack_start_s, 2));

    observer.stop.store(true, Ordering::Relaxed);
    let _ = observer_thread.join();
    drop(ctx);
    drop(running);
    stack_runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(report)
}

/// After the warm-up: a moment for stragglers (a late duplicate would be counted in the
/// measured phase otherwise), then the Cloud API sandbox forgets its sends so that the
/// observer's scans stay short. Windows reopen with the next message of each seller.
async fn settle(ctx: &Context) {
    tokio::time::sleep(Duration::from_millis(500)).await;
    ctx.cloud.reset();
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// The figures asked for: messages per second at saturation (the best saturation phase, and
/// each one), and the paced phase's rate, latency and missing replies.
fn headline(phases: &[Value]) -> Value {
    let saturation: Vec<&Value> = phases.iter().filter(|p| p["phase"] == "saturation").collect();
    let rate = |p: &Value| p["replies_per_s"].as_f64().unwrap_or(0.0);
    let peak = saturation.iter().copied().max_by(|a, b| rate(a).total_cmp(&rate(b)));
    let paced = phases.iter().find(|p| p["phase"] == "paced");
    json!({
        "saturation_replies_per_s": peak.map(|p| p["replies_per_s"].clone()),
        "saturation_webhooks_accepted_per_s": peak.map(|p| p["webhooks_accepted_per_s"].clone()),
        "saturation_at_concurrency": peak.map(|p| p["settings"]["concurrency"].clone()),
        "saturation_by_concurrency": saturation.iter().map(|p| json!({
            "concurrency": p["settings"]["concurrency"],
            "replies_per_s": p["replies_per_s"],
            "webhooks_accepted_per_s": p["webhooks_accepted_per_s"],
            "latency_p50_ms": p["latency_webhook_to_reply_ms"]["p50"],
            "latency_p99_ms": p["latency_webhook_to_reply_ms"]["p99"],
        })).collect::<Vec<_>>(),
        "paced": paced.map(|p| json!({
            "target_rate_per_s": p["settings"]["target_rate_per_s"],
            "send_rate_per_s": p["send_rate_per_s"],
            "replies_per_s": p["replies_per_s"],
            "latency_ms": {
                "p50": p["latency_webhook_to_reply_ms"]["p50"],
                "p90": p["latency_webhook_to_reply_ms"]["p90"],
                "p99": p["latency_webhook_to_reply_ms"]["p99"],
                "max": p["latency_webhook_to_reply_ms"]["max"],
            },
            "replies_missing_after_drain": p["replies_missing_after_drain"],
            "webhook_refused_or_failed": p["sent"].as_u64().unwrap_or(0) - p["webhook_accepted"].as_u64().unwrap_or(0),
        })),
    })
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
        info.lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map(|m| m.trim().to_owned())
    });
    json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": cpu,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}

fn print_summary(result: &Value) {
    let f = |v: &Value| match v {
        Value::Null => "-".to_owned(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    let machine = &result["machine"];
    println!();
    println!(
        "load run {}  |  {} cores ({})  |  {} build  |  {} sellers",
        f(&result["date"]).trim_matches('"'),
        f(&machine["cores"]),
        machine["cpu"].as_str().unwrap_or("?"),
        machine["profile"].as_str().unwrap_or("?"),
        f(&result["options"]["sellers"]),
    );
    for phase in result["phases"].as_array().into_iter().flatten() {
        let lat = &phase["latency_webhook_to_reply_ms"];
        let ack = &phase["webhook_answer_ms"];
        println!();
        println!(
            "== {} ({}, {}) ==",
            phase["phase"].as_str().unwrap_or("?"),
            phase["mode"].as_str().unwrap_or("?"),
            phase["settings"]
        );
        let rows: Vec<(&str, String)> = vec![
            (
                "messages sent / accepted (200)",
                format!("{} / {}", f(&phase["sent"]), f(&phase["webhook_accepted"])),
            ),
            (
                "webhook refused / transport errors / skipped",
                format!(
                    "{} / {} / {}",
                    phase["webhook_refused"],
                    f(&phase["webhook_transport_errors"]),
                    f(&phase["skipped_at_in_flight_cap"])
                ),
            ),
            ("send rate (msgs/s)", f(&phase["send_rate_per_s"])),
            ("webhooks accepted per s (first send -> last 200)", f(&phase["webhooks_accepted_per_s"])),
            ("replies per s (first send -> last reply)", f(&phase["replies_per_s"])),
            (
                "replies matched / missing after drain",
                format!("{} / {}", f(&phase["replies_matched"]), f(&phase["replies_missing_after_drain"])),
            ),
            (
                "unexpected / duplicate / wrong-recipient replies",
                format!(
                    "{} / {} / {}",
                    f(&phase["replies_unexpected"]),
                    f(&phase["replies_duplicate"]),
                    f(&phase["replies_wrong_recipient"])
                ),
            ),
            (
                "webhook -> reply ms  p50 / p90 / p99 / max",
                format!("{} / {} / {} / {}", f(&lat["p50"]), f(&lat["p90"]), f(&lat["p99"]), f(&lat["max"])),
            ),
            (
                "webhook answer ms    p50 / p99 / max",
                format!("{} / {} / {}", f(&ack["p50"]), f(&ack["p99"]), f(&ack["max"])),
            ),
        ];
        let mut rows = rows;
        if !phase["generator_lag_ms"].is_null() {
            let lag = &phase["generator_lag_ms"];
            rows.push((
                "generator lag ms     p50 / p99 / max",
                format!("{} / {} / {}", f(&lag["p50"]), f(&lag["p99"]), f(&lag["max"])),
            ));
        }
        let w = &phase["warmup"];
        if !w.is_null() {
            rows.insert(
                0,
                (
                    "warm-up (not measured): replies matched / missing",
                    format!("{} / {}", f(&w["replies_matched"]), f(&w["replies_missing_after_drain"])),
                ),
            );
        }
        let q = &phase["queue_depth"];
        rows.push((
            "queue backlog inbound / outbound: max (mean)",
            format!(
                "{} ({}) / {} ({})",
                f(&q["inbound_ready_max"]),
                f(&q["inbound_ready_mean"]),
                f(&q["outbound_ready_max"]),
                f(&q["outbound_ready_mean"])
            ),
        ));
        if let Some(cpu) = phase["cpu"].as_object() {
            let cores = |g: &str| f(&cpu[g]["cores"]);
            rows.push((
                "CPU cores busy: stack / load / observer / total",
                format!(
                    "{} / {} / {} / {}",
                    cores("stack"),
                    cores("load"),
                    cores("observer"),
                    cores("total")
                ),
            ));
        }
        for (label, value) in rows {
            println!("  {label:<50} {value}");
        }
        if let Some(seconds) = phase["latency_by_second"].as_array()
            && phase["phase"] == "paced"
        {
            let line: Vec<String> = seconds
                .iter()
                .map(|s| format!("{}:{}/{}", f(&s["second"]), f(&s["p50_ms"]), f(&s["p99_ms"])))
                .collect();
            println!("  {:<50} {}", "p50/p99 ms by second of sending", line.join("  "));
            if let Some(cores) = phase["stack_cores_by_second"].as_array() {
                let line: Vec<String> = cores.iter().map(f).collect();
                println!("  {:<50} {}", "stack CPU cores by second", line.join(" "));
            }
        }
        if let Some(sample) = phase["replies_unexpected_sample"].as_str() {
            println!("  {:<50} {sample}", "an unexpected reply");
        }
    }
    let h = &result["headline"];
    println!();
    println!("== summary ==");
    for s in h["saturation_by_concurrency"].as_array().into_iter().flatten() {
        println!(
            "  saturation, {:>4} in flight: {:>8} replies/s, {:>8} webhooks accepted/s, latency p50 {} ms, p99 {} ms",
            f(&s["concurrency"]),
            f(&s["replies_per_s"]),
            f(&s["webhooks_accepted_per_s"]),
            f(&s["latency_p50_ms"]),
            f(&s["latency_p99_ms"])
        );
    }
    if !h["saturation_replies_per_s"].is_null() {
        println!(
            "  saturation (best): {} replies/s end to end at {} in flight",
            f(&h["saturation_replies_per_s"]),
            f(&h["saturation_at_concurrency"])
        );
    }
    let p = &h["paced"];
    if !p.is_null() {
        let l = &p["latency_ms"];
        println!(
            "  paced at {}/s: sent {}/s, replies {}/s; webhook -> reply p50 {} ms, p90 {} ms, p99 {} ms, max {} ms; missing replies {}, webhooks not accepted {}",
            f(&p["target_rate_per_s"]),
            f(&p["send_rate_per_s"]),
            f(&p["replies_per_s"]),
            f(&l["p50"]),
            f(&l["p90"]),
            f(&l["p99"]),
            f(&l["max"]),
            f(&p["replies_missing_after_drain"]),
            f(&p["webhook_refused_or_failed"])
        );
    }
}
