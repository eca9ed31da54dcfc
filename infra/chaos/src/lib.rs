//! A fault-injection run against the local stack: sellers create payments while the outside
//! world misbehaves, then the run checks from outside that every payment ended in the rail's
//! state and that its seller was told that state exactly once.
//!
//!   cargo test -p chaos                     # the short form (about 120 payments)
//!   bash infra/chaos/run.sh                 # the long form (release build, 1000 payments)
//!
//! One process on 127.0.0.1 (a free port): the stack started in process with its embedded
//! sandboxes, a directory file of synthetic sellers (five locales, one QR merchant each), and
//! a driver that talks to the stack over loopback HTTP the way Meta and miaPOS would:
//! - sellers write `pay <amount> "<description>"` (signed Meta-shaped webhooks); amounts are
//!   unique per seller and descriptions unique in the run, so every update can be traced back;
//! - the Cloud API sandbox fails sends at random (throttling 130429, pair rate limit 131056,
//!   131047 at once for free-form messages, 5xx, timeouts);
//! - 131047 is also reported later: some accepted free-form status updates get a signed
//!   `failed` status webhook, and then count as not delivered;
//! - miaPOS callbacks are the driver's: the sandbox's own are off, and each settled payment's
//!   signed callback is dropped, posted once or repeated, with a stale `CREATED` one posted
//!   after the final one, in shuffled order;
//! - payers pay, decline, fail or let links expire, and some never act;
//! - the stack clock jumps past the 24-hour window and the link lifetime, twice; some sellers
//!   write again after the first jump (their waiting updates go free-form), the others do not
//!   (theirs go as templates).
//!
//! Then faults stop and the driver drives the stack to rest: it moves the clock forward in
//! growing steps, runs the template sender and waits for the queues, until every link is final
//! at the bot and on the rail and the outbox is empty (bounded in rounds and wall time).
//!
//! What is checked, per payment: the bot's state equals the rail's final status (else
//! "contradicting"); the final state reached the seller exactly once (0: "lost", more:
//! "duplicated"; another final state: "contradicting"), counted in what the Cloud API
//! sandbox accepted minus what was failed later; every seller's audit chain verifies; every
//! parked message carries its reason. Every loop is bounded in count and time; the run stops
//! by itself.

pub mod directory;
pub mod judge;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use local_stack::meta::{self, SimulatedMessage, SimulatedStatus, StatusError, UserInput};
use local_stack::{FileSource, LocalSettings, LocalStack, RunningStack};
use paybot::domain::{LinkState, Phone, link_id_for_message};
use paybot::ports::{AuditLog, Clock, OutboxStore, PaymentLinkStore, QueueReceiver};
use paybot::whatsapp::WebhookVerifier;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sandboxes::cloud_api::{CloudApiSandbox, FaultCounts, SendFaults};
use sandboxes::miapos::{Endpoint, MiaposSandbox, PaymentStatus};
use tokio::task::JoinSet;

use crate::directory::{Seller, TempFile};
use crate::judge::{Catalogue, Channel, Entry, Recognised, Verdict};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// What the run does and how hard.
#[derive(Debug, Clone)]
pub struct Options {
    pub payments: usize,
    pub sellers: usize,
    /// Every random choice of the run (the driver's and the Cloud API sandbox's) follows it.
    pub seed: u64,
    /// The Cloud API sandbox's faults while traffic flows (`seed` is replaced by one derived
    /// from the run's seed).
    pub send_faults: SendFaults,
    /// Share of settled payments whose callback never comes.
    pub callback_drop: f64,
    /// Share whose callback comes two or three times.
    pub callback_repeat: f64,
    /// Share (of those with a callback) that also get a stale `CREATED` callback after it.
    pub stale_callback: f64,
    /// Share of accepted free-form status updates that Meta reports failed later (131047).
    pub late_window_failure: f64,
    /// Webhooks and callbacks in flight at once.
    pub in_flight: usize,
    /// Rounds of the drain at most (clock step, template sender, queues).
    pub drain_rounds: usize,
    /// The whole run's wall-time budget; waits and the drain stop when it is spent.
    pub time_limit: Duration,
}

/// The Cloud API faults of a run: about one send in five fails.
pub fn default_send_faults() -> SendFaults {
    SendFaults {
        throttling: 0.06,
        pair_rate_limit: 0.04,
        window_closed: 0.04,
        server_error: 0.05,
        timeout: 0.02,
        // Just past the bot's client timeout (10 s).
        timeout_delay: Duration::from_millis(10_500),
        max_timeouts: None,
        seed: 0,
    }
}

impl Options {
    /// By hand: 1000 payments from 50 sellers.
    pub fn long() -> Options {
        Options {
            payments: 1000,
            sellers: 50,
            seed: 1,
            send_faults: default_send_faults(),
            callback_drop: 0.2,
            callback_repeat: 0.25,
            stale_callback: 0.3,
            late_window_failure: 0.2,
            in_flight: 16,
            drain_rounds: 40,
            time_limit: Duration::from_secs(30 * 60),
        }
    }

    /// For the test suite: about 120 payments from 6 sellers, well under a minute in a dev
    /// build. Two timeouts at most: each holds a conversation for 10 s.
    pub fn short() -> Options {
        Options {
            payments: 120,
            sellers: 6,
            seed: 7,
            send_faults: SendFaults { max_timeouts: Some(2), ..default_send_faults() },
            in_flight: 8,
            drain_rounds: 12,
            time_limit: Duration::from_secs(50),
            ..Options::long()
        }
    }
}

/// What the run found. [`Report::failures`] lists what is wrong; [`Report::summary`] prints it.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub payments: usize,
    pub sellers: usize,
    pub seed: u64,
    /// Payments the rail holds (the others were never created: see `findings`).
    pub payments_created: usize,
    /// Settled by the driver, by the status asked for.
    pub settled: BTreeMap<&'static str, usize>,
    /// Settled after the first clock jump (past the link lifetime).
    pub settled_late: usize,
    /// Settlements the rail refused (the payment was already final there).
    pub settle_refused: usize,
    /// Never settled by a payer.
    pub left_open: usize,

    pub cloud_faults: FaultCounts,
    pub callbacks_posted: usize,
    pub callbacks_dropped: usize,
    pub callbacks_repeated: usize,
    /// Stale `CREATED` callbacks posted after the final one.
    pub callbacks_reordered: usize,
    /// Callbacks the status function did not answer 200 (retried by miaPOS in life; here the
    /// driver's other copies or the poller have to make up for it).
    pub callbacks_refused: usize,
    pub webhooks_refused: usize,
    pub late_window_failures: usize,
    /// Jumps past the 24-hour window and the link lifetime.
    pub clock_jumps: usize,
    pub drain_rounds: usize,
    pub drain_advanced_hours: f64,
    /// Every link final at the bot and on the rail, the outbox empty, the queues idle.
    pub converged: bool,

    pub delivered_free_form: usize,
    pub delivered_template: usize,
    /// Updates carried by digests, and the digests.
    pub delivered_digest: usize,
    pub digests: usize,
    pub checkout_replies: usize,
    pub checkout_replies_missing: usize,
    pub checkout_replies_repeated: usize,
    /// Templates that name no payment or state of the run.
    pub unknown_templates: usize,
    pub other_messages: usize,

    pub delivered_once: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub contradicting: usize,
    pub unfinished: usize,

    pub audit_chains: usize,
    pub audit_records: usize,
    pub audit_broken: usize,
    /// Messages on the outbound dead-letter queue (parked by notify, or past their last receive).
    pub parked: usize,
    pub parked_without_reason: usize,
    /// Inbound records that failed their last receive (commands never handled).
    pub inbound_dead_letters: usize,
    /// Dead letters that carried a status update.
    pub parked_updates: usize,
    /// Why jobs were parked (the reason up to Meta's details), and how often.
    pub parked_reasons: BTreeMap<String, usize>,
    pub outbox_left: usize,
    /// Renderings the matcher found ambiguous (none expected).
    pub catalogue_collisions: usize,

    /// What went wrong, by pattern (verdict, the bot's and the rail's state, what the seller
    /// was told), and how often: the whole picture where `findings` gives examples.
    pub patterns: BTreeMap<String, usize>,

    pub wall: Duration,
    /// Wall time by phase of the run, in order.
    pub phases: Vec<(&'static str, Duration)>,
    /// Examples of what went wrong (masked phones, no secrets), at most [`MAX_FINDINGS`].
    pub findings: Vec<String>,
    pub findings_left_out: usize,
}

pub const MAX_FINDINGS: usize = 40;

impl Report {
    fn finding(&mut self, text: String) {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(text);
        } else {
            self.findings_left_out += 1;
        }
    }

    /// What is wrong, one line each; empty when the run passed.
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        let mut check = |bad: bool, text: String| {
            if bad {
                failures.push(text);
            }
        };
        check(self.lost > 0, format!("{} lost updates", self.lost));
        check(self.duplicated > 0, format!("{} duplicated updates", self.duplicated));
        check(self.contradicting > 0, format!("{} payments contradicting the rail", self.contradicting));
        check(self.unfinished > 0, format!("{} payments not final at the end", self.unfinished));
        check(
            self.payments_created < self.payments,
            format!("{} of {} payments never created", self.payments - self.payments_created, self.payments),
        );
        check(self.audit_broken > 0, format!("{} audit chains do not verify", self.audit_broken));
        check(
            self.parked_without_reason > 0,
            format!("{} dead letters without a reason", self.parked_without_reason),
        );
        check(self.outbox_left > 0, format!("{} updates left in the outbox", self.outbox_left));
        check(self.unknown_templates > 0, format!("{} templates not recognised", self.unknown_templates));
        check(self.catalogue_collisions > 0, format!("{} ambiguous renderings", self.catalogue_collisions));
        check(!self.converged, "the stack did not come to rest within the bounds".to_owned());
        failures
    }

    pub fn passed(&self) -> bool {
        self.failures().is_empty()
    }

    /// Whether every kind of fault was actually injected.
    pub fn every_fault_injected(&self) -> bool {
        let f = &self.cloud_faults;
        [
            f.throttling,
            f.pair_rate_limit,
            f.window_closed,
            f.server_error,
            f.timeout,
            self.callbacks_dropped,
            self.callbacks_repeated,
            self.callbacks_reordered,
            self.late_window_failures,
            self.clock_jumps,
        ]
        .iter()
        .all(|n| *n > 0)
    }

    pub fn summary(&self) -> String {
        let mut out = String::new();
        let f = &self.cloud_faults;
        let settled: Vec<String> = self.settled.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let rows: Vec<(&str, String)> = vec![
            ("payments / sellers / seed", format!("{} / {} / {}", self.payments, self.sellers, self.seed)),
            ("payments created on the rail", self.payments_created.to_string()),
            (
                "settled by payers",
                format!(
                    "{} (late {}, refused by the rail {}); left open {}",
                    settled.join(", "),
                    self.settled_late,
                    self.settle_refused,
                    self.left_open
                ),
            ),
            (
                "Cloud API faults: 130429 / 131056 / 131047 / 5xx / timeout",
                format!(
                    "{} / {} / {} / {} / {}  (total {})",
                    f.throttling,
                    f.pair_rate_limit,
                    f.window_closed,
                    f.server_error,
                    f.timeout,
                    f.total()
                ),
            ),
            (
                "callbacks posted / dropped / repeated / reordered / refused",
                format!(
                    "{} / {} / {} / {} / {}",
                    self.callbacks_posted,
                    self.callbacks_dropped,
                    self.callbacks_repeated,
                    self.callbacks_reordered,
                    self.callbacks_refused
                ),
            ),
            ("131047 reported later", self.late_window_failures.to_string()),
            (
                "clock jumps (past window and lifetime) / drain rounds",
                format!(
                    "{} / {} (+{:.1} h of stack time)",
                    self.clock_jumps, self.drain_rounds, self.drain_advanced_hours
                ),
            ),
            (
                "updates delivered: free-form / template / in digests",
                format!(
                    "{} / {} / {} ({} digests)",
                    self.delivered_free_form, self.delivered_template, self.delivered_digest, self.digests
                ),
            ),
            (
                "checkout replies: sent / missing / repeated",
                format!(
                    "{} / {} / {}",
                    self.checkout_replies, self.checkout_replies_missing, self.checkout_replies_repeated
                ),
            ),
            (
                "other messages / unknown templates",
                format!("{} / {}", self.other_messages, self.unknown_templates),
            ),
            ("delivered exactly once", self.delivered_once.to_string()),
            ("lost", self.lost.to_string()),
            ("duplicated", self.duplicated.to_string()),
            ("contradicting the rail", self.contradicting.to_string()),
            ("not final at the end", self.unfinished.to_string()),
            (
                "audit chains verified / records / broken",
                format!(
                    "{} / {} / {}",
                    self.audit_chains - self.audit_broken,
                    self.audit_records,
                    self.audit_broken
                ),
            ),
            (
                "dead letters: outbound / inbound / status updates / without a reason",
                format!(
                    "{} / {} / {} / {}",
                    self.parked, self.inbound_dead_letters, self.parked_updates, self.parked_without_reason
                ),
            ),
            (
                "  why",
                self.parked_reasons.iter().map(|(r, n)| format!("{n}× {r}")).collect::<Vec<_>>().join("; "),
            ),
            ("left in the outbox", self.outbox_left.to_string()),
            ("came to rest", self.converged.to_string()),
            ("wall time", format!("{:.1} s", self.wall.as_secs_f64())),
            (
                "  by phase",
                self.phases
                    .iter()
                    .map(|(name, took)| format!("{name} {:.1} s", took.as_secs_f64()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ];
        let _ = writeln!(out, "chaos run");
        for (label, value) in rows {
            let _ = writeln!(out, "  {label:<70} {value}");
        }
        if !self.patterns.is_empty() {
            let _ = writeln!(out, "what went wrong, by pattern:");
            for (pattern, n) in &self.patterns {
                let _ = writeln!(out, "  {n:>5}  {pattern}");
            }
        }
        if !self.findings.is_empty() {
            let _ = writeln!(out, "examples:");
            for finding in &self.findings {
                let _ = writeln!(out, "  - {finding}");
            }
            if self.findings_left_out > 0 {
                let _ = writeln!(out, "  … and {} more", self.findings_left_out);
            }
        }
        let failures = self.failures();
        if failures.is_empty() {
            let _ = writeln!(out, "PASSED");
        } else {
            let _ = writeln!(out, "FAILED: {}", failures.join("; "));
        }
        out
    }
}

/// Runs the whole thing and reports. `Err` only when the stack cannot be set up.
pub async fn run(options: &Options) -> Result<Report, Error> {
    if options.payments == 0 || options.payments > 100_000 {
        return Err("payments: 1 to 100000".into());
    }
    if options.sellers == 0 || options.sellers > 9_999 {
        return Err("sellers: 1 to 9999".into());
    }
    let started = Instant::now();
    let sellers = directory::sellers(options.sellers);
    let file = TempFile::write(&directory::file_text(&sellers)?)?;
    let mut settings = LocalSettings::for_tests();
    settings.directory = FileSource::File(file.0.display().to_string());
    let running = local_stack::start(&settings).await?;
    let mut driver = Driver::new(running, sellers, options.clone(), started)?;
    driver.traffic().await;
    driver.drain().await;
    let report = driver.finish().await;
    drop(file);
    Ok(report)
}

// ---- the driver ------------------------------------------------------------------------------

/// What the payer does with a link.
const OUTCOMES: [(PaymentStatus, f64); 4] = [
    (PaymentStatus::Success, 0.45),
    (PaymentStatus::Declined, 0.15),
    (PaymentStatus::Failed, 0.10),
    (PaymentStatus::Expired, 0.05),
];

/// How long activity must have stopped before the stack counts as idle: longer than notify's
/// longest backoff (1 s) while faults are on; longer still before a clock jump, which must not
/// fall in the middle of a send.
const QUIET_WITH_FAULTS: Duration = Duration::from_millis(1_500);
const QUIET_BEFORE_JUMP: Duration = Duration::from_millis(2_500);
const QUIET_DRAIN: Duration = Duration::from_millis(400);
/// One wait for the stack to become idle never takes longer.
const IDLE_LIMIT: Duration = Duration::from_secs(60);
const JUMP: chrono::Duration = chrono::Duration::hours(25);

#[derive(Debug, Clone)]
struct Payment {
    seller: usize,
    amount: u32,
    description: String,
    wamid: String,
    link_id: String,
    payment_id: Option<String>,
}

struct Driver {
    running: RunningStack,
    stack: Arc<LocalStack>,
    cloud: CloudApiSandbox,
    miapos: MiaposSandbox,
    client: reqwest::Client,
    app_secret: String,
    phone_number_id: String,
    display_number: String,
    sellers: Vec<Seller>,
    /// Amounts handed out so far, per seller.
    next_amount: Vec<u32>,
    payments: Vec<Payment>,
    rng: StdRng,
    report: Report,
    /// wamids of accepted messages that were failed later with 131047.
    failed_later: HashSet<String>,
    failed_pairs: HashSet<(usize, LinkState)>,
    scanned_seq: u64,
    options: Options,
    deadline: Instant,
    started: Instant,
    last_mark: Instant,
}

impl Driver {
    fn new(
        running: RunningStack,
        sellers: Vec<Seller>,
        options: Options,
        started: Instant,
    ) -> Result<Driver, Error> {
        let stack = running.stack.clone();
        let cloud =
            stack.cloud.clone().ok_or("the Cloud API sandbox is not in use (WHATSAPP_API_BASE set?)")?;
        let miapos = stack.miapos.clone().ok_or("the miaPOS sandbox is not in use (MIAPOS_BASE_URL set?)")?;
        let profile = stack.sim.profiles.first().ok_or("the directory has no business profile")?;
        // The driver plays miaPOS's callbacks itself.
        miapos.set_callbacks_enabled(false);
        cloud
            .set_faults(Some(SendFaults { seed: options.seed ^ 0x5eed_c10d, ..options.send_faults.clone() }));
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(options.in_flight.max(8))
            .build()?;
        Ok(Driver {
            app_secret: stack.adapters.config.whatsapp.app_secret.expose().to_owned(),
            phone_number_id: profile.business_number_id.clone(),
            display_number: profile.display_number.clone(),
            next_amount: vec![0; sellers.len()],
            report: Report {
                payments: options.payments,
                sellers: options.sellers,
                seed: options.seed,
                ..Report::default()
            },
            rng: StdRng::seed_from_u64(options.seed),
            deadline: started + options.time_limit,
            running,
            stack,
            cloud,
            miapos,
            client,
            sellers,
            payments: Vec::new(),
            failed_later: HashSet::new(),
            failed_pairs: HashSet::new(),
            scanned_seq: 0,
            options,
            started,
            last_mark: Instant::now(),
        })
    }

    /// Records the wall time since the previous mark under `name`.
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.report.phases.push((name, now - self.last_mark));
        self.last_mark = now;
    }

    fn time_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn masked(&self, seller: usize) -> String {
        Phone::parse_international(&self.sellers[seller].phone).map(|p| p.masked()).unwrap_or_default()
    }

    /// The run's traffic, with faults on: two waves of payments around a clock jump, and a
    /// second jump after them.
    async fn traffic(&mut self) {
        let total = self.options.payments;
        let first = if total == 1 { 1 } else { (total * 3).div_ceil(5) };
        let everyone: Vec<usize> = (0..self.sellers.len()).collect();

        // Day one: every seller asks for payments; payers act on most of them.
        self.mark("start");
        let wave_a = self.plan(first, &everyone);
        self.create(&wave_a).await;
        self.mark("create");
        let left_open = self.settle(&wave_a, false).await;
        self.mark("settle");
        self.wait_idle(QUIET_WITH_FAULTS).await;
        self.mark("idle");
        self.fail_later().await;
        self.wait_idle(QUIET_BEFORE_JUMP).await;
        self.mark("late 131047, idle");

        // A day and an hour later: windows closed, links past their lifetime.
        self.jump().await;
        self.mark("jump");

        // Some sellers write again (their waiting updates may go free-form); the others' go as
        // templates. Some payers act on day-one links now, past their lifetime.
        let writers = self.writers();
        let wave_b = self.plan(total - first, &writers);
        self.create(&wave_b).await;
        self.mark("create");
        let late: Vec<usize> = left_open.into_iter().filter(|_| self.rng.random_bool(0.5)).collect();
        self.settle(&wave_b, false).await;
        self.settle(&late, true).await;
        self.mark("settle");
        self.wait_idle(QUIET_WITH_FAULTS).await;
        self.mark("idle");
        self.fail_later().await;
        self.wait_idle(QUIET_WITH_FAULTS).await;
        self.mark("late 131047, idle");
        self.run_templates().await;
        self.wait_idle(QUIET_WITH_FAULTS).await;
        self.run_templates().await;
        self.wait_idle(QUIET_BEFORE_JUMP).await;
        self.mark("templates, idle");

        // Another day: the second wave's windows and links run out too.
        self.jump().await;
        self.mark("jump");
    }

    /// `count` new payments from `sellers` in turn: amounts unique per seller, descriptions
    /// unique in the run.
    fn plan(&mut self, count: usize, sellers: &[usize]) -> Vec<usize> {
        let mut planned = Vec::with_capacity(count);
        for i in 0..count {
            let seller = sellers[i % sellers.len().max(1)];
            let amount = 10 + self.next_amount[seller];
            self.next_amount[seller] += 1;
            let index = self.payments.len();
            let wamid = meta::new_wamid();
            self.payments.push(Payment {
                seller,
                amount,
                description: format!("Chaos {}", letters(index)),
                link_id: link_id_for_message(&wamid),
                wamid,
                payment_id: None,
            });
            planned.push(index);
        }
        planned
    }

    /// About half of the sellers, at least one, and never all of them when there are two or
    /// more: both paths after the jump are exercised.
    fn writers(&mut self) -> Vec<usize> {
        let n = self.sellers.len();
        let mut writers: Vec<usize> = (0..n).filter(|_| self.rng.random_bool(0.5)).collect();
        if writers.is_empty() {
            writers.push(0);
        }
        if writers.len() == n && n > 1 {
            writers.pop();
        }
        writers
    }

    /// Posts the sellers' `pay` messages and waits until the rail holds each payment.
    async fn create(&mut self, planned: &[usize]) {
        if planned.is_empty() {
            return;
        }
        let url = format!("{}/webhook", self.running.base_url);
        let now = self.stack.adapters.clock.now().timestamp();
        let mut bodies = Vec::new();
        for &index in planned {
            let payment = &self.payments[index];
            let seller = &self.sellers[payment.seller];
            let input =
                UserInput::Text { body: format!("pay {} \"{}\"", payment.amount, payment.description) };
            let body = meta::notification_body(&SimulatedMessage {
                phone_number_id: &self.phone_number_id,
                display_phone_number: &self.display_number,
                from: seller.wa_id(),
                profile_name: &seller.name,
                wamid: &payment.wamid,
                timestamp: now,
                context: None,
                input: &input,
            });
            bodies.push(body);
        }
        let refused = self.post_all(&url, bodies.into_iter().map(|b| vec![(b, true)]).collect()).await;
        self.report.webhooks_refused += refused;

        // The rail is the outside view of what was created.
        let deadline = Instant::now() + Duration::from_secs(60).min(self.time_left());
        loop {
            let mut missing = 0;
            for &index in planned {
                let payment = &mut self.payments[index];
                if payment.payment_id.is_none() {
                    let merchant = &self.sellers[payment.seller].merchant_id;
                    match self.miapos.payment_by_order(merchant, &payment.link_id) {
                        Some(found) => payment.payment_id = Some(found.payment_id),
                        None => missing += 1,
                    }
                }
            }
            if missing == 0 || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for &index in planned {
            if self.payments[index].payment_id.is_none() {
                let text = format!(
                    "payment {} of {} was never created on the rail",
                    self.payments[index].link_id,
                    self.masked(self.payments[index].seller)
                );
                self.report.finding(text);
            }
        }
    }

    /// Payers act on `planned` (on all of them when `late`, else on most) and the driver
    /// delivers the callbacks with drops, repeats and reorders. Returns the payments left
    /// open.
    async fn settle(&mut self, planned: &[usize], late: bool) -> Vec<usize> {
        let mut left_open = Vec::new();
        let mut deliveries: Vec<Vec<(Vec<u8>, bool)>> = Vec::new();
        for &index in planned {
            let Some(payment_id) = self.payments[index].payment_id.clone() else { continue };
            let roll: f64 = self.rng.random();
            let mut bound = 0.0;
            let mut status = OUTCOMES.iter().find_map(|(status, p)| {
                bound += p;
                (roll < bound).then_some(*status)
            });
            if late && status.is_none() {
                status = Some(PaymentStatus::Success);
            }
            let Some(status) = status else {
                left_open.push(index);
                continue;
            };
            let stale = self.miapos.callback_body(&payment_id);
            match self.miapos.settle(&payment_id, status).await {
                Ok(_) => {
                    *self.report.settled.entry(status.as_str()).or_default() += 1;
                    if late {
                        self.report.settled_late += 1;
                    }
                }
                Err(err) => {
                    self.report.settle_refused += 1;
                    tracing::info!(payment = %payment_id, error = %err, "the rail refused the settlement");
                    continue;
                }
            }
            let Some(final_body) = self.miapos.callback_body(&payment_id) else { continue };
            let roll: f64 = self.rng.random();
            let copies = if roll < self.options.callback_drop {
                self.report.callbacks_dropped += 1;
                0
            } else if roll < self.options.callback_drop + self.options.callback_repeat {
                self.report.callbacks_repeated += 1;
                self.rng.random_range(2..=3)
            } else {
                1
            };
            let mut posts: Vec<(Vec<u8>, bool)> = vec![(final_body.into_bytes(), false); copies];
            if copies > 0
                && let Some(stale) = stale
                && self.rng.random_bool(self.options.stale_callback)
            {
                // After the first final one: the rail's older word arriving last.
                posts.insert(1, (stale.into_bytes(), false));
                self.report.callbacks_reordered += 1;
            }
            if !posts.is_empty() {
                deliveries.push(posts);
            }
        }
        if !late {
            self.report.left_open += left_open.len();
        }
        deliveries.shuffle(&mut self.rng);
        self.report.callbacks_posted += deliveries.iter().map(Vec::len).sum::<usize>();
        let url = format!("{}/miapos/callback", self.running.base_url);
        self.report.callbacks_refused += self.post_all(&url, deliveries).await;
        left_open
    }

    /// Posts each group's bodies in order (groups concurrently, `in_flight` at a time); a
    /// body marked `true` is a webhook and is signed. Returns how many were not answered 200.
    async fn post_all(&self, url: &str, groups: Vec<Vec<(Vec<u8>, bool)>>) -> usize {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(self.options.in_flight.max(1)));
        let mut tasks = JoinSet::new();
        for group in groups {
            let (client, url, secret, semaphore) =
                (self.client.clone(), url.to_owned(), self.app_secret.clone(), semaphore.clone());
            tasks.spawn(async move {
                let Ok(_permit) = semaphore.acquire_owned().await else { return group.len() };
                let mut refused = 0;
                for (body, signed) in group {
                    let mut request = client.post(&url).header("content-type", "application/json");
                    if signed {
                        request =
                            request.header("x-hub-signature-256", WebhookVerifier::sign(&secret, &body));
                    }
                    match request.body(body).send().await {
                        Ok(response) if response.status() == 200 => {
                            let _ = response.bytes().await;
                        }
                        Ok(response) => {
                            tracing::warn!(status = response.status().as_u16(), "post refused");
                            refused += 1;
                        }
                        Err(err) => {
                            tracing::warn!(error = %err.without_url(), "post failed");
                            refused += 1;
                        }
                    }
                }
                refused
            });
        }
        let mut refused = 0;
        while let Some(done) = tasks.join_next().await {
            refused += done.unwrap_or(1);
        }
        refused
    }

    /// Meta reports some accepted free-form status updates failed later with 131047, at most
    /// once per payment and state.
    async fn fail_later(&mut self) {
        let catalogue = self.catalogue().await;
        let url = format!("{}/webhook", self.running.base_url);
        let now = self.stack.adapters.clock.now().timestamp();
        let mut bodies = Vec::new();
        let mut max_seq = self.scanned_seq;
        for message in self.cloud.sent().into_iter().filter(|m| m.seq > self.scanned_seq) {
            max_seq = max_seq.max(message.seq);
            let Recognised::Updates(Channel::FreeForm, updates) = catalogue.recognise(&message) else {
                continue;
            };
            let Some(&(index, state)) = updates.first() else { continue };
            if self.failed_pairs.contains(&(index, state))
                || !self.rng.random_bool(self.options.late_window_failure)
            {
                continue;
            }
            self.failed_pairs.insert((index, state));
            self.failed_later.insert(message.wamid.clone());
            let body = meta::status_body(&SimulatedStatus {
                phone_number_id: &self.phone_number_id,
                display_phone_number: &self.display_number,
                wamid: &message.wamid,
                status: "failed",
                timestamp: now,
                recipient_id: message.to.trim_start_matches('+'),
                errors: &[StatusError::REENGAGEMENT],
            });
            bodies.push(vec![(body, true)]);
        }
        self.scanned_seq = max_seq;
        self.report.late_window_failures += bodies.len();
        self.report.webhooks_refused += self.post_all(&url, bodies).await;
    }

    /// Moves the stack clock past the window and the link lifetime, and lets the template
    /// sender find what became due.
    async fn jump(&mut self) {
        self.stack.adapters.clock.advance(JUMP);
        self.report.clock_jumps += 1;
        for _ in 0..2 {
            self.run_templates().await;
            self.wait_idle(QUIET_WITH_FAULTS).await;
        }
    }

    async fn run_templates(&self) {
        let report = self.stack.templates.run_now("chaos").await;
        tracing::info!(%report, "template sender ran");
    }

    /// Faults stop; the clock moves forward in growing steps (the poller looks a link up
    /// again after about its age), the template sender runs and the queues empty, until
    /// everything is final and delivered twice in a row or the bounds are reached.
    async fn drain(&mut self) {
        self.cloud.set_faults(None);
        // What was in flight when faults stopped finishes first.
        self.wait_idle(QUIET_WITH_FAULTS).await;
        self.mark("faults off, idle");
        let mut calm = 0;
        for round in 0..self.options.drain_rounds {
            if self.time_left().is_zero() {
                break;
            }
            let step = chrono::Duration::minutes(10 << round.min(5)).min(chrono::Duration::hours(6));
            self.stack.adapters.clock.advance(step);
            self.report.drain_advanced_hours += step.num_minutes() as f64 / 60.0;
            self.report.drain_rounds += 1;
            self.run_templates().await;
            self.wait_idle(QUIET_DRAIN).await;
            self.run_templates().await;
            let idle = self.wait_idle(QUIET_DRAIN).await;
            if idle && self.at_rest().await {
                calm += 1;
                if calm >= 2 {
                    self.report.converged = true;
                    break;
                }
            } else {
                calm = 0;
            }
        }
        self.mark("drain");
    }

    /// Every payment final at the bot and on the rail, nothing in the outbox.
    async fn at_rest(&self) -> bool {
        for payment in &self.payments {
            let Some(payment_id) = &payment.payment_id else { continue };
            let bot = self.stack.adapters.links.get(&payment.link_id).await.ok().flatten();
            let rail = self.miapos.payment(payment_id);
            if !bot.is_some_and(|l| l.state.is_final()) || !rail.is_some_and(|p| p.status.is_final()) {
                return false;
            }
        }
        self.outbox_len().await == 0
    }

    async fn outbox_len(&self) -> usize {
        let outbox = &self.stack.adapters.outbox;
        let mut count = 0;
        for contact in outbox.contacts_with_pending(100_000).await.unwrap_or_default() {
            count += outbox.pending(&contact).await.map(|p| p.len()).unwrap_or(0);
        }
        count
    }

    /// Waits until nothing has moved for `quiet`: no message waiting on the queues, no send in
    /// progress, no new request to either sandbox. Bounded by [`IDLE_LIMIT`] and the run's
    /// budget; `false` when it never became idle.
    async fn wait_idle(&self, quiet: Duration) -> bool {
        let a = &self.stack.adapters;
        let activity = || {
            let rail_calls: usize = [
                Endpoint::Token,
                Endpoint::Refresh,
                Endpoint::Pay,
                Endpoint::RequestToPay,
                Endpoint::Payment,
                Endpoint::PublicKey,
            ]
            .iter()
            .map(|e| self.miapos.calls(*e))
            .sum();
            (
                a.inbound.ready_len(),
                a.outbound.ready_len(),
                self.cloud.requests_in_progress(),
                self.cloud.request_count(),
                rail_calls,
            )
        };
        let deadline = Instant::now() + IDLE_LIMIT.min(self.time_left());
        let mut last = activity();
        let mut since = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(25)).await;
            let now = activity();
            let busy = now.0 > 0 || now.1 > 0 || now.2 > 0;
            if busy || now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
        }
    }

    /// Every rendering of every created payment's possible updates.
    async fn catalogue(&self) -> Catalogue {
        let mut links = Vec::new();
        for (index, payment) in self.payments.iter().enumerate() {
            let Some(payment_id) = &payment.payment_id else { continue };
            let Ok(Some(link)) = self.stack.adapters.links.get(&payment.link_id).await else { continue };
            let bank = self.miapos.payment(payment_id).and_then(|p| p.swift_payer_bank);
            links.push((index, link, bank));
        }
        Catalogue::build(links.iter().map(|(index, link, bank)| Entry {
            index: *index,
            link,
            locale: self.sellers[self.payments[*index].seller].locale,
            payer_bank: bank.as_deref(),
        }))
    }

    /// The checks, from outside as far as possible.
    async fn finish(mut self) -> Report {
        self.report.cloud_faults = self.cloud.faults_injected();
        let catalogue = self.catalogue().await;
        self.report.catalogue_collisions = catalogue.collisions.len();
        for collision in catalogue.collisions.clone() {
            self.report.finding(collision);
        }

        // What reached each seller.
        let mut told: HashMap<usize, Vec<(LinkState, Channel)>> = HashMap::new();
        let mut replies: HashMap<String, usize> = HashMap::new();
        for message in self.cloud.sent() {
            let failed_later = self.failed_later.contains(&message.wamid);
            match catalogue.recognise(&message) {
                Recognised::Updates(channel, updates) => {
                    if failed_later {
                        continue;
                    }
                    if channel == Channel::Digest {
                        self.report.digests += 1;
                    }
                    for (index, state) in updates {
                        match channel {
                            Channel::FreeForm => self.report.delivered_free_form += 1,
                            Channel::Template => self.report.delivered_template += 1,
                            Channel::Digest => self.report.delivered_digest += 1,
                        }
                        told.entry(index).or_default().push((state, channel));
                    }
                }
                Recognised::CheckoutReply(payment_id) => *replies.entry(payment_id).or_default() += 1,
                Recognised::UnknownTemplate(what) => {
                    self.report.unknown_templates += 1;
                    self.report.finding(format!("a template that names nothing of this run: {what}"));
                }
                Recognised::Other => self.report.other_messages += 1,
            }
        }

        // Each payment: the bot against the rail, and what its seller was told.
        for index in 0..self.payments.len() {
            let payment = self.payments[index].clone();
            let Some(payment_id) = &payment.payment_id else { continue };
            self.report.payments_created += 1;
            match replies.get(payment_id).copied().unwrap_or(0) {
                0 => self.report.checkout_replies_missing += 1,
                1 => self.report.checkout_replies += 1,
                n => {
                    self.report.checkout_replies += 1;
                    self.report.checkout_replies_repeated += n - 1;
                }
            }
            let bot = self.stack.adapters.links.get(&payment.link_id).await.ok().flatten().map(|l| l.state);
            let rail = self.miapos.payment(payment_id).map(|p| link_state(p.status));
            let deliveries = told.get(&index).cloned().unwrap_or_default();
            let states: Vec<LinkState> = deliveries.iter().map(|(s, _)| *s).collect();
            let verdict = judge::verdict(bot.unwrap_or(LinkState::Creating), rail, &states);
            let who = format!(
                "{} ({} {}, {} {})",
                payment.link_id,
                self.masked(payment.seller),
                self.sellers[payment.seller].locale.code(),
                payment.amount,
                payment.description
            );
            let told_text = if deliveries.is_empty() {
                "nothing".to_owned()
            } else {
                deliveries
                    .iter()
                    .map(|(s, c)| format!("{} by {}", s.as_str(), c.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let state = |s: Option<LinkState>| s.map(|s| s.as_str()).unwrap_or("none");
            let failed_later = self.failed_pairs.iter().any(|(i, _)| *i == index);
            let late = if failed_later { "; a delivery was failed later (131047)" } else { "" };
            if verdict != Verdict::Delivered {
                let agreed = bot.is_some_and(|b| Some(b) == rail);
                let told: Vec<&str> = deliveries.iter().map(|(s, _)| s.as_str()).collect();
                let pattern = format!(
                    "{}: {}, told {}{}",
                    verdict.as_str(),
                    if agreed {
                        format!("bot and rail {}", state(bot))
                    } else {
                        format!("bot {}, rail {}", state(bot), state(rail))
                    },
                    if told.is_empty() { "nothing".to_owned() } else { told.join(" + ") },
                    if failed_later { ", one delivery failed later (131047)" } else { "" }
                );
                *self.report.patterns.entry(pattern).or_default() += 1;
            }
            match verdict {
                Verdict::Delivered => self.report.delivered_once += 1,
                Verdict::Lost => {
                    self.report.lost += 1;
                    self.report.finding(format!(
                        "lost: {who}: bot {}, rail {}, seller told {told_text}{late}",
                        state(bot),
                        state(rail)
                    ));
                }
                Verdict::Duplicated => {
                    self.report.duplicated += 1;
                    self.report
                        .finding(format!("duplicated: {who}: {}, seller told {told_text}{late}", state(bot)));
                }
                Verdict::Contradicting => {
                    self.report.contradicting += 1;
                    self.report.finding(format!(
                        "contradicting: {who}: bot {}, rail {}, seller told {told_text}",
                        state(bot),
                        state(rail)
                    ));
                }
                Verdict::Unfinished => {
                    self.report.unfinished += 1;
                    self.report.finding(format!(
                        "unfinished: {who}: bot {}, rail {}, seller told {told_text}",
                        state(bot),
                        state(rail)
                    ));
                }
            }
        }

        // Every seller's audit chain.
        for seller in 0..self.sellers.len() {
            let chain = format!("seller:{}", self.sellers[seller].phone);
            let records = self.stack.adapters.audit.chain(&chain).await.unwrap_or_default();
            self.report.audit_chains += 1;
            self.report.audit_records += records.len();
            if let Err(seq) = paybot::audit::verify_chain(&records) {
                self.report.audit_broken += 1;
                let masked = self.masked(seller);
                self.report.finding(format!("the audit chain of {masked} breaks at record {seq}"));
            }
        }

        // Every dead letter says why: notify's parked jobs and the outbound records that failed
        // their last receive (`parked`), and the inbound records that did (`inbound_dead`).
        let queues = [
            ("outbound", self.stack.adapters.parked.clone()),
            ("inbound", self.stack.adapters.inbound_dead.clone()),
        ];
        for (name, queue) in queues {
            for body in drain_queue(&queue).await {
                self.dead_letter(name, &body);
            }
        }

        self.report.outbox_left = self.outbox_len().await;
        self.mark("checks");
        self.report.wall = self.started.elapsed();
        self.report
    }
}

impl Driver {
    /// One dead letter: `{"job":…,"error":…}` (notify parked it) or
    /// `{"queue":…,"body":…,"error":…,"receives":…}` (its last receive failed).
    fn dead_letter(&mut self, queue: &str, body: &str) {
        let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        match queue {
            "inbound" => self.report.inbound_dead_letters += 1,
            _ => self.report.parked += 1,
        }
        let reason = value.get("error").and_then(|v| v.as_str()).map(str::trim).unwrap_or_default();
        // Up to Meta's details and trace id, which differ from one message to the next.
        let gist = reason
            .split([' ', '['])
            .take_while(|w| *w != "—" && !w.starts_with("fbtrace"))
            .collect::<Vec<_>>()
            .join(" ");
        *self.report.parked_reasons.entry(format!("{queue}: {}", gist.trim())).or_default() += 1;
        if reason.is_empty() {
            self.report.parked_without_reason += 1;
            self.report.finding(format!("a dead letter on the {queue} queue without a reason"));
        }
        let job = match value.get("job") {
            Some(job) => job.clone(),
            None => value
                .get("body")
                .and_then(|b| b.as_str())
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or_default(),
        };
        let carries_update =
            job.get("notices").and_then(|n| n.as_array()).is_some_and(|notices| !notices.is_empty());
        if carries_update {
            self.report.parked_updates += 1;
            let id = job.get("id").and_then(|v| v.as_str()).unwrap_or("?");
            self.report
                .finding(format!("a status update on the {queue} dead-letter queue: job {id}: {reason}"));
        }
    }
}

/// Every message on `queue`, taken off it (bounded).
async fn drain_queue(queue: &paybot::adapters::memory::MemoryQueue) -> Vec<String> {
    let mut bodies = Vec::new();
    for _ in 0..10_000 {
        let batch = queue.receive(10).await.unwrap_or_default();
        if batch.is_empty() {
            break;
        }
        for message in batch {
            let _ = queue.delete(&message.receipt).await;
            bodies.push(message.body);
        }
    }
    bodies
}

fn link_state(status: PaymentStatus) -> LinkState {
    match status {
        PaymentStatus::Created => LinkState::Created,
        PaymentStatus::Pending => LinkState::Pending,
        PaymentStatus::Success => LinkState::Success,
        PaymentStatus::Failed => LinkState::Failed,
        PaymentStatus::Declined => LinkState::Declined,
        PaymentStatus::Expired => LinkState::Expired,
    }
}

/// 0 → `a`, 25 → `z`, 26 → `ba`, …: descriptions without digits, so that nothing in them
/// reads as an amount.
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_unique_letters() {
        let all: HashSet<String> = (0..5000).map(letters).collect();
        assert_eq!(all.len(), 5000);
        assert_eq!(letters(0), "a");
        assert_eq!(letters(27), "bb");
        assert!(all.iter().all(|d| d.bytes().all(|b| b.is_ascii_lowercase())));
    }
}
