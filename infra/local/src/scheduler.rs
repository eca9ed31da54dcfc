//! Stack time: the clock follows the wall clock and jumps when told; the template sender
//! runs at every new minute of stack time, as EventBridge runs it every minute on AWS.

use std::sync::Arc;
use std::time::Duration;

use paybot::adapters::memory::ManualClock;
use paybot::ports::Clock;
use tokio::task::JoinHandle;

use crate::wiring::TemplatesRun;

/// How often the stack clock catches up with the wall clock.
const TICK: Duration = Duration::from_millis(250);

pub struct TemplateScheduler {
    run: TemplatesRun,
    /// Runs one at a time: a scheduled run and one asked for from the page do not overlap.
    running: tokio::sync::Mutex<()>,
}

impl TemplateScheduler {
    pub fn new(run: TemplatesRun) -> TemplateScheduler {
        TemplateScheduler { run, running: tokio::sync::Mutex::new(()) }
    }

    /// Runs the template sender and returns its report.
    pub async fn run_now(&self, trigger: &'static str) -> String {
        let _one_at_a_time = self.running.lock().await;
        let report = (self.run)().await;
        tracing::info!(trigger, %report, "template sender ran");
        report
    }
}

/// Moves the stack clock along with the wall clock (jumps stay added on top) and runs the
/// template sender whenever stack time enters a new minute: once after a jump, not once per
/// skipped minute, like a schedule that was paused.
pub fn spawn_ticker(clock: Arc<ManualClock>, templates: Arc<TemplateScheduler>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_tick = tokio::time::Instant::now();
        let mut minute = clock.now().timestamp().div_euclid(60);
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let now = tokio::time::Instant::now();
            if let Ok(elapsed) = chrono::Duration::from_std(now - last_tick) {
                clock.advance(elapsed);
            }
            last_tick = now;
            let current = clock.now().timestamp().div_euclid(60);
            if current != minute {
                minute = current;
                let templates = templates.clone();
                // Not awaited here: a slow run must not stop the clock.
                tokio::spawn(async move { templates.run_now("every minute").await });
            }
        }
    })
}
