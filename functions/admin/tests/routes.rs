//! The console over the memory twins: who may enter each route, and what each change does.

use std::sync::Arc;

use admin::figures::conversation_handle;
use admin::routes::CHANGES;
use admin::{AdminDeps, ConsoleSettings, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use paybot::adapters::memory::{ManualClock, MemoryQueue};
use paybot::config::Secret;
use paybot::domain::{BusinessProfile, Capability, ContactKey, Currency, Locale};
use paybot::operator::handoff::{CoreState, STATE_NAMESPACE};
use paybot::outbound::OutboundJob;
use paybot::ports::*;
use paybot::wiring::MemoryStores;
use tower::ServiceExt;

const NUMBER: &str = "pn-1";
const USER: &str = "+233244123456";

struct Console {
    stores: MemoryStores,
    outbound: Arc<MemoryQueue>,
    app: axum::Router,
}

async fn console() -> Console {
    let stores = MemoryStores::default();
    let clock = Arc::new(ManualClock::starting_at("2026-12-10T12:00:00Z".parse().unwrap()));
    let outbound = Arc::new(MemoryQueue::fifo(clock.clone()));
    stores
        .directory
        .put_profile(&BusinessProfile {
            business_number_id: NUMBER.into(),
            display_number: "233300000001".into(),
            currency: Currency::from_code("GHS").unwrap(),
            country_code: "233".into(),
            default_locale: Locale::En,
            time_zone: "Africa/Accra".into(),
            qr_max: 1000.into(),
            rtp_max: 1000.into(),
            description_max_chars: 140,
            capabilities: vec![Capability::Wallet],
        })
        .await
        .unwrap();
    let contact = ContactKey { business_number_id: NUMBER.into(), user_key: USER.into() };
    let opened = "2026-12-10T11:00:00Z".parse().unwrap();
    stores
        .escalations
        .open(&Escalation {
            contact: contact.clone(),
            reason: EscalationReason::Asked,
            opened_at: opened,
            locale: Locale::Fr,
            messages: vec![HandoffMessage {
                id: "w1".into(),
                at: opened,
                from: HandoffParty::User,
                text: "AGENT".into(),
            }],
            released: None,
        })
        .await
        .unwrap();
    let escalated = CoreState { escalated: true, ..CoreState::default() };
    stores.contacts.set_state(&contact, STATE_NAMESPACE, escalated.to_state().as_deref()).await.unwrap();
    stores
        .alerts
        .raise(&Alert {
            id: "fraud:1".into(),
            business_number_id: NUMBER.into(),
            kind: "suspicious".into(),
            subject: "wallet:acc-1".into(),
            detail: serde_json::json!({"score": 90}),
            raised_at: opened,
            acknowledged: None,
        })
        .await
        .unwrap();
    stores.controls.teach_alias(NUMBER, "CHECK BALANCE", "BAL").await.unwrap();
    let settings = ConsoleSettings {
        operator_token: Some(Secret::new("op-secret")),
        viewer_token: Some(Secret::new("view-secret")),
        ..ConsoleSettings::default()
    };
    let deps = AdminDeps::new(&stores, outbound.clone(), clock, settings).unwrap();
    Console { stores, outbound, app: router(deps) }
}

fn handle() -> String {
    conversation_handle(NUMBER, USER)
}

fn path(template: &str) -> String {
    template.replace("{number}", NUMBER).replace("{handle}", &handle())
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: &str,
) -> (StatusCode, String) {
    let mut request = Request::builder().method(method).uri(uri).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

const READS: [&str; 6] = [
    "/admin/api/me",
    "/admin/api/numbers",
    "/admin/api/numbers/{number}",
    "/admin/api/numbers/{number}/charts/commands.svg",
    "/admin/api/numbers/{number}/charts/transactions.svg",
    "/admin/api/numbers/{number}/charts/responses.svg",
];

#[tokio::test]
async fn every_api_route_refuses_without_a_valid_token() {
    let c = console().await;
    for route in READS {
        for token in [None, Some("wrong")] {
            let (status, _) = call(&c.app, "GET", &path(route), token, "").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "GET {route} with {token:?}");
        }
    }
    for (route, body) in CHANGES {
        let body = body.replace("{alert}", "fraud:1");
        for token in [None, Some("wrong")] {
            let (status, _) = call(&c.app, "POST", &path(route), token, &body).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "POST {route} with {token:?}");
        }
    }
    // Nothing changed.
    assert!(c.stores.controls.controls(NUMBER).await.unwrap().paused.is_none());
    assert!(c.stores.audit.chain("operator:local-operator").await.unwrap().is_empty());
    // The page itself is only the sign-in form and script, without data.
    let (status, page) = call(&c.app, "GET", "/admin", None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<form id=\"signin\"") && !page.contains(NUMBER));
}

#[tokio::test]
async fn a_viewer_reads_everything_and_changes_nothing() {
    let c = console().await;
    for route in READS {
        let (status, body) = call(&c.app, "GET", &path(route), Some("view-secret"), "").await;
        assert_eq!(status, StatusCode::OK, "GET {route}: {body}");
    }
    for (route, body) in CHANGES {
        let body = body.replace("{alert}", "fraud:1");
        let (status, _) = call(&c.app, "POST", &path(route), Some("view-secret"), &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "POST {route}");
    }
    assert!(c.stores.controls.controls(NUMBER).await.unwrap().paused.is_none());
    assert_eq!(c.outbound.ready_len(), 0);
    assert!(c.stores.escalations.get(&contact()).await.unwrap().unwrap().released.is_none());
}

fn contact() -> ContactKey {
    ContactKey { business_number_id: NUMBER.into(), user_key: USER.into() }
}

#[tokio::test]
async fn an_operator_makes_every_change_and_each_is_audited() {
    let c = console().await;
    for (route, body) in CHANGES {
        let body = body.replace("{alert}", "fraud:1");
        let (status, answer) = call(&c.app, "POST", &path(route), Some("op-secret"), &body).await;
        assert!(status.is_success(), "POST {route}: {status} {answer}");
    }
    let controls = c.stores.controls.controls(NUMBER).await.unwrap();
    let pause = controls.paused.expect("switched off");
    assert_eq!(pause.by, "local-operator");
    assert!(controls.aliases.is_empty(), "taught, then forgotten");
    let alerts = c.stores.alerts.list(NUMBER, 10).await.unwrap();
    assert_eq!(alerts[0].acknowledged.as_ref().map(|(by, _)| by.as_str()), Some("local-operator"));

    // The reply went out as a notice on the outbound queue, in the user's locale, with its template.
    let queued = paybot::ports::QueueReceiver::receive(c.outbound.as_ref(), 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    let job: OutboundJob = serde_json::from_str(&queued[0].body).unwrap();
    assert_eq!(job.message.to.as_e164(), USER);
    assert!(job.is_free_form_notice());
    let notice = &job.notices[0];
    assert_eq!((notice.template.as_str(), notice.locale), ("operator_reply", Locale::Fr));
    assert!(!notice.id.contains("233244123456"), "no phone in the notice id");
    match &job.message.content {
        OutboundContent::Text { body } => assert_eq!(body, "Réponse de notre équipe : We are on it."),
        other => panic!("{other:?}"),
    }
    let escalation = c.stores.escalations.get(&contact()).await.unwrap().unwrap();
    let last = escalation.messages.last().unwrap();
    assert_eq!(
        (last.from.clone(), last.text.as_str()),
        (HandoffParty::Operator("local-operator".into()), "We are on it.")
    );
    assert_eq!(escalation.released.map(|(by, _)| by), Some("local-operator".to_owned()));
    let state = CoreState::read(&c.stores.contacts.settings(&contact()).await.unwrap());
    assert!(!state.escalated, "the bot answers again");

    let chain = c.stores.audit.chain("operator:local-operator").await.unwrap();
    let kinds: Vec<&str> = chain.iter().map(|r| r.event.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "console.bot_paused",
            "console.alert_acknowledged",
            "console.alias_taught",
            "console.alias_forgotten",
            "console.reply_sent",
            "console.released",
        ]
    );
    assert!(chain.iter().all(|r| r.event.detail["number"] == NUMBER));
    assert_eq!(chain[2].event.detail["alias"], "CHECK BALANCE");
    assert!(paybot::audit::verify_chain(&chain).is_ok());
    assert!(
        !serde_json::to_string(&chain.iter().map(|r| &r.event).collect::<Vec<_>>())
            .unwrap()
            .contains("233244123456")
    );
}

#[tokio::test]
async fn switching_on_again_clears_the_pause_and_a_second_off_keeps_the_first() {
    let c = console().await;
    let switch = path("/admin/api/numbers/{number}/switch");
    call(&c.app, "POST", &switch, Some("op-secret"), r#"{"on":false}"#).await;
    let first = c.stores.controls.controls(NUMBER).await.unwrap().paused.unwrap();
    call(&c.app, "POST", &switch, Some("op-secret"), r#"{"on":false}"#).await;
    assert_eq!(c.stores.controls.controls(NUMBER).await.unwrap().paused, Some(first));
    let (status, _) = call(&c.app, "POST", &switch, Some("op-secret"), r#"{"on":true}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert!(c.stores.controls.controls(NUMBER).await.unwrap().paused.is_none());
    let kinds: Vec<String> = c
        .stores
        .audit
        .chain("operator:local-operator")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.event.kind)
        .collect();
    assert_eq!(kinds, ["console.bot_paused", "console.bot_resumed"]);
}

#[tokio::test]
async fn bad_changes_are_refused_and_unknown_things_are_not_found() {
    let c = console().await;
    let cases = [
        (
            "/admin/api/numbers/{number}/aliases",
            r#"{"alias":"  ","command":"BAL"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/admin/api/numbers/{number}/aliases",
            r#"{"alias":"bal","command":"BAL"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/admin/api/numbers/{number}/aliases/forget", r#"{"alias":"never taught"}"#, StatusCode::NOT_FOUND),
        (
            "/admin/api/numbers/{number}/alerts/acknowledge",
            r#"{"id":"fraud:unknown"}"#,
            StatusCode::NOT_FOUND,
        ),
        (
            "/admin/api/numbers/{number}/escalations/{handle}/reply",
            r#"{"text":"   "}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/admin/api/numbers/{number}/escalations/nobody/reply", r#"{"text":"hi"}"#, StatusCode::NOT_FOUND),
        ("/admin/api/numbers/other/switch", r#"{"on":false}"#, StatusCode::NOT_FOUND),
    ];
    for (route, body, expected) in cases {
        let (status, answer) = call(&c.app, "POST", &path(route), Some("op-secret"), body).await;
        assert_eq!(status, expected, "{route} {body}: {answer}");
    }
    let (status, _) = call(&c.app, "GET", "/admin/api/numbers/other", Some("op-secret"), "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(c.outbound.ready_len(), 0);
}

#[tokio::test]
async fn the_figures_reflect_the_stores() {
    let c = console().await;
    let today = "2026-12-10".parse().unwrap();
    let mut tally =
        paybot::operator::metrics::Tally { transactions: 2, volume_minor: 5_000, ..Default::default() };
    tally.count_command("bal");
    tally.users.insert("u1".into());
    c.stores.metrics.add(NUMBER, today, &tally).await.unwrap();
    let (status, body) =
        call(&c.app, "GET", &path("/admin/api/numbers/{number}?locale=de"), Some("view-secret"), "").await;
    assert_eq!(status, StatusCode::OK);
    let figures: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(figures["transactions"]["volume_today"], "50,00\u{a0}GHS");
    assert_eq!(figures["active_today"], 1);
    assert_eq!(figures["commands"]["total"], 1);
    assert_eq!(figures["alerts"]["unacknowledged"], 1);
    assert_eq!(figures["escalations"][0]["handle"], handle());
    assert_eq!(figures["wallet"]["linked"], 0);
    assert!(!body.contains("233244123456"));
    // The page draws the pictures from the same answer, in its locale.
    for chart in ["commands", "transactions", "responses"] {
        assert!(figures["charts"][chart].as_str().is_some_and(|svg| svg.starts_with("<svg")), "{chart}");
    }
    assert!(figures["charts"]["commands"].as_str().unwrap().contains("BAL"));
    let (_, svg) = call(
        &c.app,
        "GET",
        &path("/admin/api/numbers/{number}/charts/commands.svg?locale=ro"),
        Some("view-secret"),
        "",
    )
    .await;
    assert!(svg.starts_with("<svg") && svg.contains("Comenzi luna aceasta") && svg.contains("BAL"));
}
