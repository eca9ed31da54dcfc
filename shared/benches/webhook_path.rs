//! The webhook's in-process path for one typical text-message update, as Meta sends it:
//! verify the signature over the raw bytes, parse the envelope, plan the queue message,
//! window and statuses (the queue message body is serialized here too).
//! Run: `cargo bench -p paybot --bench webhook_path`.

use std::hint::black_box;

use chrono::DateTime;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use paybot::ingress;
use paybot::whatsapp::{WebhookVerifier, parse_notification};

const SECRET: &str = "bench-app-secret";

/// A real-shaped update: one entry, one change, one contact (with the business-scoped id),
/// one text message.
const TEXT_UPDATE: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"37369002773","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ion Popescu"},"wa_id":"37369123456","user_id":"MD.1234567890123456"}],"messages":[{"from":"37369123456","id":"wamid.HBgLMzczNjkxMjM0NTYVAgASGBQzQTVGRjM0QzQ2M0Y3MjY1RjFGNgA=","timestamp":"1763700000","text":{"body":"pay 100 \"Cafea + croissant\" #cafea"},"type":"text"}]},"field":"messages"}]}]}"#;

fn webhook_path(c: &mut Criterion) {
    let verifier = WebhookVerifier::new(SECRET, "token");
    let body = TEXT_UPDATE.as_bytes();
    let header = WebhookVerifier::sign(SECRET, body);
    let now = DateTime::from_timestamp(1_763_700_001, 0).unwrap();

    let mut group = c.benchmark_group("webhook");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify+parse+route text update", |b| {
        b.iter(|| {
            verifier.verify_body(black_box(body), Some(black_box(header.as_bytes()))).unwrap();
            let parsed = parse_notification(black_box(body), now).unwrap();
            black_box(ingress::plan(parsed))
        })
    });
    group.bench_function("verify only", |b| {
        b.iter(|| verifier.verify_body(black_box(body), Some(black_box(header.as_bytes()))).unwrap())
    });
    group.bench_function("parse only", |b| {
        b.iter(|| black_box(parse_notification(black_box(body), now).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, webhook_path);
criterion_main!(benches);
