//! The local stack built in process and served on a loopback port, driven as the simulator
//! page drives it. Every wait is bounded.

use std::time::Duration;

use local_stack::{LocalSettings, RunningStack};
use paybot::domain::{Currency, Locale, Money};
use paybot::i18n::{Arg, Catalog, format_amount};
use sandboxes::cloud_api::SentMessage;
use sandboxes::miapos::Endpoint;
use serde_json::{Value, json};

const ION: &str = "+37369000001"; // ro, one merchant
const OLGA: &str = "+37369000002"; // ru, two merchants
const KWAME: &str = "+233244000101"; // wallet, tier1, 500.00
const WALLET_NUMBER: &str = "106540352242944"; // the wallet operator's business number
const WAIT: Duration = Duration::from_secs(15);

async fn stack() -> RunningStack {
    local_stack::start(&LocalSettings::for_tests()).await.expect("the stack starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(WAIT).build().unwrap()
}

async fn send(stack: &RunningStack, body: Value) -> Value {
    let response = client().post(format!("{}/_sim/send", stack.base_url)).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["webhook_status"], 200, "{answer}");
    answer
}

/// Waits until the Cloud API sandbox holds `count` messages to `phone`, and returns them.
async fn sent_to(stack: &RunningStack, phone: &str, count: usize) -> Vec<SentMessage> {
    let cloud = stack.stack.cloud.as_ref().expect("the Cloud API sandbox");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let sent = cloud.sent_to(phone);
        if sent.len() >= count || tokio::time::Instant::now() >= deadline {
            assert_eq!(sent.len(), count, "messages to the seller: {sent:#?}");
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_start_page_and_the_demo_directory_are_served() {
    let stack = stack().await;
    let page = client().get(format!("{}/", stack.base_url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/_sim/sim.js"));
    for asset in ["/_sim/sim.js", "/_sim/sim.css"] {
        let response = client().get(format!("{}{asset}", stack.base_url)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
    }
    let info =
        client().get(format!("{}/_sim/info", stack.base_url)).send().await.unwrap().text().await.unwrap();
    let parsed: Value = serde_json::from_str(&info).unwrap();
    let sellers = parsed["sellers"].as_array().unwrap();
    assert_eq!(sellers.len(), 5);
    assert_eq!(sellers[0]["masked"], "+373******01");
    assert!(sellers.iter().any(|s| s["blocked"] == true));
    assert!(sellers.iter().any(|s| s["merchants"].as_array().unwrap().len() == 2));
    assert!(!info.contains("demo-secret"), "merchant secrets never leave the stack");
    let business = parsed["business"].as_array().unwrap();
    assert_eq!(business.len(), 2);
    assert_eq!(business[1]["phone_number_id"], WALLET_NUMBER);
    assert_eq!(business[1]["capabilities"], json!(["wallet"]));
    let users = parsed["wallet_users"].as_array().unwrap();
    assert_eq!(users.len(), 6);
    assert_eq!(users[0]["masked"], "+233*******01");
    assert!(users.iter().all(|u| u["linked"] == false), "nobody is linked at start");
    assert_eq!(users.iter().filter(|u| u["frozen"] == true).count(), 1);
    assert_eq!(parsed["sandboxes"]["momo"], format!("{}/sandbox/momo", stack.base_url));
    // The webhook is the function's own router.
    let handshake = client()
        .get(format!(
            "{}/webhook?hub.mode=subscribe&hub.verify_token=local-verify-token&hub.challenge=42",
            stack.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(handshake.text().await.unwrap(), "42");
}

#[tokio::test]
async fn pay_100_as_the_romanian_seller_sends_exactly_one_message_with_the_checkout_url() {
    let stack = stack().await;
    send(&stack, json!({"from": ION, "text": "pay 100"})).await;

    let sent = sent_to(&stack, ION, 1).await;
    let miapos = stack.stack.miapos.as_ref().expect("the miaPOS sandbox");
    let payments = miapos.payments();
    assert_eq!(payments.len(), 1);
    let url = miapos.checkout_url(&payments[0].payment_id);
    assert!(url.starts_with(&format!("{}/sandbox/miapos/checkout", stack.base_url)), "{url}");
    let text = sent[0].text().expect("a text message");
    assert!(text.contains(&url), "{text}");
    assert!(text.contains("100,00"), "Romanian amount format: {text}");
    assert_eq!(sent[0].phone_number_id, "106540352242922");

    // Nothing else follows: one message, one payment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stack.stack.cloud.as_ref().unwrap().sent_to(ION).len(), 1);
    assert_eq!(miapos.calls(Endpoint::Pay), 1);

    // The simulator's transcript shows both sides in order.
    let conversation = stack.stack.sim.conversation(ION);
    assert_eq!(conversation.len(), 2);
    assert!(conversation[0].from_user && !conversation[1].from_user);
}

#[tokio::test]
async fn paying_on_the_checkout_page_brings_the_paid_message() {
    let stack = stack().await;
    send(&stack, json!({"from": ION, "text": "pay 100"})).await;
    sent_to(&stack, ION, 1).await;
    let miapos = stack.stack.miapos.as_ref().unwrap();
    let payment_id = miapos.payments()[0].payment_id.clone();

    // The checkout page's Pay button: the sandbox signs a callback to /miapos/callback.
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let paid = no_redirects
        .post(format!("{}/sandbox/miapos/checkout/{payment_id}/pay", stack.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    assert!(miapos.callbacks()[0].delivered(), "{:?}", miapos.callbacks());

    let sent = sent_to(&stack, ION, 2).await;
    let amount = format_amount(&Money::new(100.into(), Currency::MDL).unwrap(), Locale::Ro);
    let expected = Catalog::global().text(
        Locale::Ro,
        "payment-paid",
        &[
            ("amount", Arg::Str(&amount)),
            ("has_description", Arg::flag(false)),
            ("has_tag", Arg::flag(false)),
            ("bank", Arg::Str("SANDBOX BANK")),
            ("has_bank", Arg::flag(true)),
        ],
    );
    assert_eq!(sent[1].text(), Some(expected.as_str()));
}

#[tokio::test]
async fn a_list_reply_goes_through_the_webhook_and_runs_the_waiting_command() {
    let stack = stack().await;
    send(&stack, json!({"from": OLGA, "text": "pay 100"})).await;
    let list = sent_to(&stack, OLGA, 1).await.remove(0);
    assert_eq!(list.kind(), "interactive");
    let row = list.body.pointer("/interactive/action/sections/0/rows/1").unwrap().clone();
    send(
        &stack,
        json!({"from": OLGA, "list_reply": {"id": row["id"], "title": row["title"]}, "context": list.wamid}),
    )
    .await;
    let sent = sent_to(&stack, OLGA, 3).await;
    assert!(sent[2].text().unwrap().contains("/sandbox/miapos/checkout?paymentId="), "{sent:#?}");
    assert_eq!(stack.stack.miapos.as_ref().unwrap().payments()[0].merchant_id, "MDEMO-PIATA");
}

#[tokio::test]
async fn twenty_five_hours_later_the_update_goes_out_as_a_template() {
    let stack = stack().await;
    send(&stack, json!({"from": ION, "text": "pay 100"})).await;
    sent_to(&stack, ION, 1).await;

    let moved = client()
        .post(format!("{}/_sim/clock", stack.base_url))
        .json(&json!({"hours": 25}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
    let moved: Value = moved.json().await.unwrap();
    assert!(moved["clock"]["ahead_seconds"].as_i64().unwrap() >= 25 * 3600 - 5, "{moved}");

    // The link outlived its lifetime: expired by the template sender; the window is closed,
    // so notify parks the update in the outbox and the next run sends it as a template.
    let sent = sent_to(&stack, ION, 2).await;
    assert_eq!(sent[1].kind(), "template", "{:#?}", sent[1]);
    assert_eq!(sent[1].body.pointer("/template/name").unwrap(), "payment_update");
    assert_eq!(sent[1].body.pointer("/template/language/code").unwrap(), "ro");
    // The Cloud API sandbox judges the window by stack time too.
    assert!(sent[1].at - sent[0].at >= chrono::Duration::hours(25));
}

#[tokio::test]
async fn bad_simulator_requests_are_refused_with_a_reason() {
    let stack = stack().await;
    for body in [
        json!({"from": "069000001", "text": "pay 100"}),
        json!({"from": ION, "text": "  "}),
        json!({"from": ION, "text": "a", "list_reply": {"id": "x", "title": "y"}}),
    ] {
        let response =
            client().post(format!("{}/_sim/send", stack.base_url)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
    }
    let backwards = client()
        .post(format!("{}/_sim/clock", stack.base_url))
        .json(&json!({"hours": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(backwards.status(), 400);
}

#[tokio::test]
async fn an_overridden_url_is_used_instead_of_its_sandbox() {
    let mut settings = LocalSettings::from_lookup(|name| match name {
        // Port 9 (discard) on loopback: nothing is sent there in this test.
        "WHATSAPP_API_BASE" => Some("http://127.0.0.1:9/graph/v23.0".into()),
        "PUBLIC_BASE_URL" => Some("https://callbacks.example".into()),
        "MOMO_BASE_URL" => Some("http://127.0.0.1:9/momo".into()),
        "MOMO_COLLECTION_SUBSCRIPTION_KEY" | "MOMO_DISBURSEMENT_SUBSCRIPTION_KEY" => Some("key".into()),
        "MOMO_COLLECTION_API_USER" | "MOMO_DISBURSEMENT_API_USER" => {
            Some("7d5e1c9a-3b4f-4c2d-9e8f-0a1b2c3d4e5f".into())
        }
        "MOMO_COLLECTION_API_KEY" | "MOMO_DISBURSEMENT_API_KEY" => Some("api-key".into()),
        _ => None,
    })
    .unwrap();
    settings.address = "127.0.0.1:0".parse().unwrap();
    let stack = local_stack::start(&settings).await.unwrap();
    let config = &stack.stack.adapters.config;
    assert!(stack.stack.cloud.is_none(), "no Cloud API sandbox when WHATSAPP_API_BASE is set");
    assert_eq!(config.whatsapp.api_base, "http://127.0.0.1:9/graph/v23.0");
    assert!(stack.stack.miapos.is_some());
    assert_eq!(config.miapos.base_url, format!("{}/sandbox/miapos", stack.base_url));
    assert_eq!(config.public_base_url.as_deref(), Some("https://callbacks.example"));
    assert!(stack.stack.momo.is_none(), "no MoMo sandbox when MOMO_BASE_URL is set");
    assert_eq!(config.momo.base_url, "http://127.0.0.1:9/momo");
    assert_eq!(config.wallet.momo_callback_base.as_deref(), Some("https://callbacks.example/momo/callback"));
    let info: Value =
        client().get(format!("{}/_sim/info", stack.base_url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["sandboxes"]["whatsapp"], Value::Null);
    assert_eq!(info["sandboxes"]["momo"], Value::Null);
    let graph =
        client().get(format!("{}/sandbox/graph/_sandbox/messages", stack.base_url)).send().await.unwrap();
    assert_eq!(graph.status(), 404);
}

/// The six digits of the newest SMS to `phone`, as the simulator's SMS inbox shows it.
async fn newest_code(stack: &RunningStack, phone: &str) -> String {
    let inbox: Value = client()
        .get(format!("{}/_sim/sms?phone={}", stack.base_url, phone.replace('+', "%2B")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = inbox["sms"].as_array().unwrap().last().expect("an SMS")["text"].as_str().unwrap().to_owned();
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("a 6-digit code").to_owned()
}

/// Moves the stack clock to 10:00 in Accra (UTC all year) unless it is daytime there: at
/// night the wallet's fraud rules ask a fresh code before money moves, which another test
/// covers.
async fn daytime_in_accra(stack: &RunningStack) {
    use chrono::Timelike;
    let now = paybot::ports::Clock::now(stack.stack.adapters.clock.as_ref());
    if (8..18).contains(&now.hour()) {
        return;
    }
    let minutes_since_ten = (i64::from(now.hour()) * 60 + i64::from(now.minute()) - 600).rem_euclid(24 * 60);
    let moved = client()
        .post(format!("{}/_sim/clock", stack.base_url))
        .json(&json!({"minutes": 24 * 60 - minutes_since_ten}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
}

#[tokio::test]
async fn a_wallet_user_links_with_the_sms_code_and_tops_up_once_momo_is_approved() {
    let stack = stack().await;
    daytime_in_accra(&stack).await;
    let say =
        |text: &str| send(&stack, json!({"from": KWAME, "text": text, "business_number_id": WALLET_NUMBER}));
    say("LINK").await;
    let asked = sent_to(&stack, KWAME, 1).await;
    assert_eq!(asked[0].phone_number_id, WALLET_NUMBER);
    assert!(asked[0].text().unwrap().contains("6-digit code"), "{asked:#?}");
    let code = newest_code(&stack, KWAME).await;
    say(&code).await;
    let linked = sent_to(&stack, KWAME, 2).await;
    assert!(linked[1].text().unwrap().starts_with("Linked ✅ Welcome, Kwame!"), "{linked:#?}");
    let info: Value =
        client().get(format!("{}/_sim/info", stack.base_url)).send().await.unwrap().json().await.unwrap();
    let kwame =
        info["wallet_users"].as_array().unwrap().iter().find(|u| u["phone"] == KWAME).unwrap().clone();
    assert_eq!(kwame["linked"], true);

    // The conversation is the wallet number's: the seller number's side of it is empty.
    let other: Value = client()
        .get(format!("{}/_sim/messages?phone=%2B233244000101&business=106540352242922", stack.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other["entries"].as_array().unwrap().len(), 0);

    // A top-up waits in the MoMo sandbox until approved, as on the payer's phone; the
    // sandbox's callback reaches the status function on this stack.
    say("TOPUP 100").await;
    let confirm = sent_to(&stack, KWAME, 3).await;
    assert!(confirm[2].text().unwrap().contains("Reply YES"), "{confirm:#?}");
    say("YES").await;
    assert!(sent_to(&stack, KWAME, 4).await[3].text().unwrap().starts_with("Approve the payment"));
    let momo = format!("{}/sandbox/momo/_sandbox/requests", stack.base_url);
    let pending: Value = client()
        .get(format!("{momo}?status=PENDING&kind=requesttopay"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pending = pending.as_array().unwrap();
    assert_eq!(pending.len(), 1, "{pending:#?}");
    assert_eq!(pending[0]["partyId"], KWAME.trim_start_matches('+'));
    assert_eq!(pending[0]["currency"], "GHS");
    let reference = pending[0]["reference"].as_str().unwrap();
    let approved = client().post(format!("{momo}/{reference}/approve")).send().await.unwrap();
    assert_eq!(approved.status(), 200);
    let arrived = sent_to(&stack, KWAME, 5).await;
    assert_eq!(
        arrived[4].text(),
        Some("Your top-up of 100.00\u{a0}GHS has arrived ✅ Type BAL for your balance.")
    );
    say("BAL").await;
    assert_eq!(sent_to(&stack, KWAME, 6).await[5].text(), Some("Your balance: 600.00\u{a0}GHS"));
}

#[tokio::test]
async fn the_demo_susu_group_takes_its_fourth_member_by_code() {
    const YAW: &str = "+233244000105"; // wallet, tier1, 0.00, not in the demo group
    let stack = stack().await;
    daytime_in_accra(&stack).await;
    let say =
        |text: &str| send(&stack, json!({"from": YAW, "text": text, "business_number_id": WALLET_NUMBER}));
    say("LINK").await;
    sent_to(&stack, YAW, 1).await;
    let code = newest_code(&stack, YAW).await;
    say(&code).await;
    sent_to(&stack, YAW, 2).await;
    say("SUSU").await;
    assert!(sent_to(&stack, YAW, 3).await[2].text().unwrap().contains("not in a susu group"));
    say("SUSU JOIN makola4").await;
    let joined = sent_to(&stack, YAW, 4).await;
    assert_eq!(
        joined[3].text(),
        Some("You joined Makola Traders (seat 4 of 4). Each cycle's contribution is 50.00\u{a0}GHS.")
    );
    say("SUSU").await;
    let shown = sent_to(&stack, YAW, 5).await;
    assert!(shown[4].text().unwrap().contains("Makola Traders (MAKOLA4)"), "{shown:#?}");
}

#[tokio::test]
async fn the_console_is_mounted_and_signs_in_with_the_runs_operator_token() {
    let stack = stack().await;
    let numbers = format!("{}/admin/api/numbers", stack.base_url);
    let page = client().get(format!("{}/admin", stack.base_url)).send().await.unwrap();
    assert_eq!(page.status(), 200, "the page itself holds no data");
    assert_eq!(client().get(&numbers).send().await.unwrap().status(), 401);
    let wrong = client().get(&numbers).bearer_auth("not-the-token").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let signed_in = client().get(&numbers).bearer_auth(stack.stack.console_token()).send().await.unwrap();
    assert_eq!(signed_in.status(), 200);
    let listed: Value = signed_in.json().await.unwrap();
    let ids: Vec<&str> = listed.as_array().unwrap().iter().filter_map(|n| n["id"].as_str()).collect();
    assert!(ids.contains(&"106540352242922") && ids.contains(&"106540352242944"), "{ids:?}");
    assert!(
        stack.stack.describe().iter().any(|line| line.contains(stack.stack.console_token())),
        "a token made for the run is printed at start"
    );
}
