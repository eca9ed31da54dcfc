//! The sample SQS events in events/ stay true: each is a batch notify reads, carrying the
//! outbound job the README documents (a reply; a digest with the notices it delivers).

use aws_lambda_events::event::sqs::SqsEvent;
use paybot::outbound::OutboundJob;
use paybot::ports::OutboundContent;

fn job(event: &str) -> OutboundJob {
    let event: SqsEvent = serde_json::from_str(event).unwrap();
    assert_eq!(event.records.len(), 1);
    serde_json::from_str(event.records[0].body.as_deref().unwrap()).unwrap()
}

#[test]
fn the_sample_outbound_jobs_read_as_documented() {
    let reply = job(include_str!("../../../events/notify-sqs-text.json"));
    assert!(reply.notices.is_empty());
    assert!(matches!(reply.message.content, OutboundContent::Text { .. }));
    let digest = job(include_str!("../../../events/notify-sqs-digest.json"));
    assert!(!digest.is_free_form_notice());
    let OutboundContent::Template { name, body_parameters, .. } = &digest.message.content else {
        panic!("a template")
    };
    assert_eq!((name.as_str(), body_parameters[0].as_str()), ("payment_digest", "2"));
    let keys: Vec<_> = digest.notices.iter().map(|n| n.notice_key()).collect();
    assert_eq!(
        keys,
        [
            "notice:payment_links:pl-0a1b2c3d4e5f60718293a4b5:success",
            "notice:payment_links:pl-1b2c3d4e5f60718293a4b5c6:expired"
        ]
    );
    // Each notice renders its own words in the locale it is sent in.
    let paid = digest.notices[0].text.render(paybot::domain::Locale::En);
    assert!(paid.contains("100.00") && paid.contains("Cafea") && paid.contains("MAIB"), "{paid}");
    let line = |n: &paybot::ports::Notice| {
        n.digest_line.iter().map(|p| p.render(paybot::domain::Locale::Ro)).collect::<Vec<_>>().join(" ")
    };
    let summary = digest.notices.iter().map(line).collect::<Vec<_>>().join(" · ");
    assert_eq!(summary.replace('\u{a0}', " "), body_parameters[1]);
}
