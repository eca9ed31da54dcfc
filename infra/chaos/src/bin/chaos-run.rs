//! The fault-injection run by hand (see the `chaos` crate's documentation):
//!
//!   bash infra/chaos/run.sh                          # release build, 1000 payments
//!   cargo run --release -p chaos --bin chaos-run -- --payments 300 --sellers 20 --seed 3
//!
//! Exits 0 when every check passed, 1 when the run found something, 2 when it could not run.

use chaos::{Options, run};

const USAGE: &str = "\
chaos-run: a fault-injection run against the local stack (one process, loopback only)

  --payments N   payments to create                       (default 1000)
  --sellers M    synthetic sellers, one QR merchant each   (default 50)
  --seed S       every random choice of the run follows it (default 1)
  -h, --help     this text

RUST_LOG defaults to error: the run's own faults make the stack log warnings by design.";

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::long();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String, min: u64, max: u64| -> Result<u64, String> {
            let n: u64 = text.trim().parse().map_err(|_| format!("{flag}: not a number: {text:?}"))?;
            if !(min..=max).contains(&n) {
                return Err(format!("{flag}: {n} is outside {min}..={max}"));
            }
            Ok(n)
        };
        match flag.as_str() {
            "--payments" => options.payments = number(value()?, 1, 100_000)? as usize,
            "--sellers" => options.sellers = number(value()?, 1, 9_999)? as usize,
            "--seed" => options.seed = number(value()?, 0, u64::MAX)?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    Ok(options)
}

fn main() {
    if std::env::var_os("RUST_LOG").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("RUST_LOG", "error") };
    }
    paybot::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(err) => {
            eprintln!("chaos-run: {err}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("chaos-run: {err}");
            std::process::exit(2);
        }
    };
    eprintln!(
        "chaos-run: {} payments, {} sellers, seed {} (up to {} min)",
        options.payments,
        options.sellers,
        options.seed,
        options.time_limit.as_secs() / 60
    );
    match runtime.block_on(run(&options)) {
        Ok(report) => {
            print!("{}", report.summary());
            std::process::exit(if report.passed() { 0 } else { 1 });
        }
        Err(err) => {
            eprintln!("chaos-run: could not run: {err}");
            std::process::exit(2);
        }
    }
}
