//! The short form of the fault-injection run: about 120 payments from a few sellers with a
//! fixed seed, under a minute in a dev build. The long form is `bash infra/chaos/run.sh`.

use chaos::{Options, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_update_reaches_its_seller_once_whatever_fails() {
    let options = Options::short();
    let report = run(&options).await.expect("the stack starts");
    println!("{}", report.summary());

    assert!(report.every_fault_injected(), "every kind of fault was injected:\n{}", report.summary());
    assert_eq!(report.payments_created, options.payments, "{}", report.summary());
    assert_eq!(report.lost, 0, "lost updates:\n{}", report.summary());
    assert_eq!(report.duplicated, 0, "duplicated updates:\n{}", report.summary());
    assert_eq!(report.contradicting, 0, "payments contradicting the rail:\n{}", report.summary());
    assert_eq!(report.unfinished, 0, "payments not final:\n{}", report.summary());
    assert_eq!(report.audit_broken, 0, "{}", report.summary());
    assert!(report.audit_chains > 0 && report.audit_records > 0);
    assert_eq!(report.parked_without_reason, 0, "{}", report.summary());
    assert!(report.passed(), "{}", report.summary());
}
