//! The Cloud API client against the Cloud API sandbox over real HTTP on a loopback port.

use std::time::Duration;

use paybot::config::Secret;
use paybot::domain::Phone;
use paybot::ports::{
    ListRow, ListSection, MediaFile, MediaUploader, OutboundContent, OutboundMessage, SendError,
    WhatsAppSender,
};
use paybot::whatsapp::cloud_api::{CloudApiClient, message_body};
use sandboxes::cloud_api::CloudApiSandbox;
use serde_json::{Value, json};

const TOKEN: &str = "test-access-token";
const NUMBER_ID: &str = "106540352242922";

/// Serves a fresh sandbox on 127.0.0.1:0 and returns it with the API base to give clients.
async fn start_sandbox() -> (CloudApiSandbox, String) {
    let sandbox = CloudApiSandbox::new(TOKEN);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = sandbox.router();
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .unwrap()
    });
    (sandbox, format!("http://{address}/v23.0"))
}

fn message(content: OutboundContent) -> OutboundMessage {
    OutboundMessage {
        business_number_id: NUMBER_ID.into(),
        to: Phone::parse_international("+37369123456").unwrap(),
        content,
    }
}

fn text(body: &str) -> OutboundMessage {
    message(OutboundContent::Text { body: body.into() })
}

fn language_list() -> OutboundContent {
    OutboundContent::List {
        body: "Alegeți limba / Выберите язык".into(),
        button: "Limba".into(),
        sections: vec![ListSection {
            title: Some("Limbi".into()),
            rows: vec![
                ListRow { id: "lang:ro".into(), title: "Română".into(), description: None },
                ListRow {
                    id: "lang:ru".into(), title: "Русский".into(), description: Some("Язык".into())
                },
            ],
        }],
    }
}

fn oversized_list() -> OutboundContent {
    OutboundContent::List {
        body: "Alege".into(),
        button: "Comercianți".into(),
        sections: vec![ListSection {
            title: None,
            rows: (0..11)
                .map(|i| ListRow { id: format!("m{i}"), title: format!("Merchant {i}"), description: None })
                .collect(),
        }],
    }
}

#[tokio::test]
async fn text_list_and_template_arrive_with_the_exact_bodies() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::new(&base, Secret::new(TOKEN));
    let messages = [
        text("Link: https://checkout.example/p/1"),
        message(language_list()),
        message(OutboundContent::Template {
            name: "payment_paid".into(),
            language: "ro".into(),
            body_parameters: vec!["100.00 MDL".into(), "Cafea + croissant".into()],
        }),
    ];
    for outbound in &messages {
        let wamid = client.send(outbound).await.expect("sent");
        assert!(wamid.starts_with("wamid."), "{wamid}");
        let recorded = sandbox.sent().pop().unwrap();
        assert_eq!(recorded.wamid, wamid);
        assert_eq!(recorded.phone_number_id, NUMBER_ID);
        assert_eq!(recorded.to, "37369123456");
        assert_eq!(recorded.body, message_body(outbound));
    }
    // The builders' output is pinned by the unit tests; here one body is pinned end to end.
    assert_eq!(
        sandbox.sent()[0].body,
        json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"37369123456",
               "type":"text","text":{"body":"Link: https://checkout.example/p/1","preview_url":true}})
    );
    assert_eq!(sandbox.sent_to("+37369123456").len(), 3);
    assert_eq!(sandbox.sent().iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2, 3]);
}

#[tokio::test]
async fn a_wrong_token_is_permanent_with_code_190() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::new(&base, Secret::new("not-the-token"));
    let error = client.send(&text("hi")).await.unwrap_err();
    assert!(matches!(error, SendError::Permanent { code: Some(190), .. }), "{error:?}");
    assert!(sandbox.sent().is_empty());
}

#[tokio::test]
async fn meta_error_codes_map_to_what_the_caller_should_do() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::new(&base, Secret::new(TOKEN));

    sandbox.fail_next(131047, 400, 1);
    assert_eq!(client.send(&text("hi")).await, Err(SendError::WindowClosed));

    for (code, status) in [(130429, 429), (130429, 400), (131000, 500), (131056, 400)] {
        sandbox.fail_next(code, status, 1);
        let error = client.send(&text("hi")).await.unwrap_err();
        assert!(
            matches!(error, SendError::Retryable { code: Some(c), .. } if c == code),
            "{code}: {error:?}"
        );
    }

    sandbox.fail_next(131026, 400, 1);
    let error = client.send(&text("hi")).await.unwrap_err();
    assert!(matches!(error, SendError::Permanent { code: Some(131026), .. }), "{error:?}");

    assert!(sandbox.sent().is_empty(), "failed sends are not recorded");
    // The queued failures are used up: the next send goes through.
    assert!(client.send(&text("hi")).await.is_ok());
}

#[tokio::test]
async fn a_failure_queued_several_times_fails_that_many_sends() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::new(&base, Secret::new(TOKEN));
    sandbox.fail_next(131000, 500, 2);
    for _ in 0..2 {
        assert!(matches!(client.send(&text("hi")).await, Err(SendError::Retryable { .. })));
    }
    assert!(client.send(&text("hi")).await.is_ok());
}

#[tokio::test]
async fn a_list_over_the_limits_is_refused_by_the_client_and_by_the_sandbox() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::new(&base, Secret::new(TOKEN));
    let outbound = message(oversized_list());

    let error = client.send(&outbound).await.unwrap_err();
    assert!(matches!(error, SendError::Permanent { code: None, .. }), "{error:?}");
    assert_eq!(sandbox.request_count(), 0, "no HTTP call was made");
    assert!(sandbox.sent().is_empty());

    // The same body sent raw: the sandbox holds it to Meta's limits.
    let response = reqwest::Client::new()
        .post(format!("{base}/{NUMBER_ID}/messages"))
        .bearer_auth(TOKEN)
        .json(&message_body(&outbound))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], 100);
    assert_eq!(answer["error"]["type"], "OAuthException");
    assert!(answer["error"]["fbtrace_id"].is_string());
    assert!(sandbox.sent().is_empty());
}

#[tokio::test]
async fn a_slow_answer_times_out_as_retryable() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::with_timeouts(
        &base,
        Secret::new(TOKEN),
        Duration::from_secs(1),
        Duration::from_millis(200),
    );
    sandbox.set_delay(Duration::from_secs(2));
    let error = client.send(&text("hi")).await.unwrap_err();
    assert!(
        matches!(error, SendError::Retryable { code: None, ref detail } if detail.starts_with("timeout")),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unreachable_api_is_retryable() {
    // A port that was free a moment ago: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = CloudApiClient::new(&format!("http://{address}/v23.0"), Secret::new(TOKEN));
    assert!(matches!(client.send(&text("hi")).await, Err(SendError::Retryable { code: None, .. })));
}

#[tokio::test]
async fn the_window_rule_closes_free_form_but_not_templates() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::new(&base, Secret::new(TOKEN));
    sandbox.set_window_rule(true);

    assert_eq!(client.send(&text("never wrote")).await, Err(SendError::WindowClosed));
    sandbox.user_wrote("37369123456", chrono::Utc::now() - chrono::Duration::hours(25));
    assert_eq!(client.send(&text("wrote yesterday")).await, Err(SendError::WindowClosed));
    let template = message(OutboundContent::Template {
        name: "payment_paid".into(),
        language: "ro".into(),
        body_parameters: vec!["100.00 MDL".into()],
    });
    assert!(client.send(&template).await.is_ok());

    sandbox.user_wrote("37369123456", chrono::Utc::now() - chrono::Duration::minutes(5));
    assert!(client.send(&text("just wrote")).await.is_ok());
}

#[tokio::test]
async fn wait_for_sees_a_message_sent_later_and_the_http_controls_work() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::new(&base, Secret::new(TOKEN));
    let sender = client.clone();
    let waiter = {
        let sandbox = sandbox.clone();
        tokio::spawn(
            async move { sandbox.wait_for(|m| m.text() == Some("paid"), Duration::from_secs(5)).await },
        )
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    sender.send(&text("first")).await.unwrap();
    let wamid = sender.send(&text("paid")).await.unwrap();
    assert_eq!(waiter.await.unwrap().map(|m| m.wamid), Some(wamid));
    assert!(sandbox.wait_for(|m| m.text() == Some("nope"), Duration::from_millis(50)).await.is_none());

    let root = base.trim_end_matches("/v23.0");
    let http = reqwest::Client::new();
    let listed: Value = http
        .get(format!("{root}/_sandbox/messages?to=37369123456&after=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["seq"], 2);
    assert_eq!(listed[0]["body"]["text"]["body"], "paid");

    let status = http
        .post(format!("{root}/_sandbox/fail"))
        .json(&json!({"code": 131047, "status": 400, "times": 1}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success());
    assert_eq!(client.send(&text("hi")).await, Err(SendError::WindowClosed));
}

fn pdf_file() -> MediaFile {
    let rows = [paybot::pdf::Row::new(12.0, vec![paybot::pdf::Cell::left(50.0, "Выписка")])];
    MediaFile {
        bytes: paybot::pdf::render("Statement", &rows),
        mime_type: "application/pdf".into(),
        filename: "statement-2026-11.pdf".into(),
    }
}

#[tokio::test]
async fn a_pdf_is_uploaded_then_sent_as_a_document_naming_its_media_id() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::new(&base, Secret::new(TOKEN));
    let file = pdf_file();
    let media_id = client.upload(NUMBER_ID, &file).await.expect("uploaded");
    let uploaded = sandbox.media_by_id(&media_id).expect("the sandbox holds the upload");
    assert_eq!(uploaded.bytes, file.bytes);
    assert_eq!(uploaded.mime_type, "application/pdf");
    assert_eq!(uploaded.filename.as_deref(), Some("statement-2026-11.pdf"));
    assert_eq!(uploaded.phone_number_id, NUMBER_ID);

    let document = message(OutboundContent::Document {
        media_id: media_id.clone(),
        filename: file.filename.clone(),
        caption: Some("Выписка за ноябрь 2026".into()),
    });
    client.send(&document).await.expect("sent");
    assert_eq!(
        sandbox.sent().pop().unwrap().body,
        json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"37369123456",
               "type":"document","document":{"id": media_id, "filename":"statement-2026-11.pdf",
               "caption":"Выписка за ноябрь 2026"}})
    );
}

#[tokio::test]
async fn a_document_naming_no_upload_is_refused_and_a_failed_upload_is_retryable() {
    let (sandbox, base) = start_sandbox().await;
    let client = CloudApiClient::new(&base, Secret::new(TOKEN));
    let unknown = message(OutboundContent::Document {
        media_id: "1234567890".into(),
        filename: "statement.pdf".into(),
        caption: None,
    });
    assert!(matches!(client.send(&unknown).await, Err(SendError::Permanent { code: Some(100), .. })));

    let not_a_pdf = MediaFile { bytes: b"hello".to_vec(), ..pdf_file() };
    assert!(matches!(
        client.upload(NUMBER_ID, &not_a_pdf).await,
        Err(SendError::Permanent { code: Some(100), .. })
    ));
    let wrong_token = CloudApiClient::new(&base, Secret::new("not-the-token"));
    assert!(matches!(
        wrong_token.upload(NUMBER_ID, &pdf_file()).await,
        Err(SendError::Permanent { code: Some(190), .. })
    ));
    assert!(sandbox.media().is_empty());
    assert_eq!(sandbox.media_request_count(), 2);

    // Nothing listens here: the upload may be retried.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let unreachable = CloudApiClient::new(&format!("http://{address}/v23.0"), Secret::new(TOKEN));
    assert!(matches!(unreachable.upload(NUMBER_ID, &pdf_file()).await, Err(SendError::Retryable { .. })));
}

#[tokio::test]
async fn the_media_endpoint_holds_uploads_to_meta_types_and_to_the_number_that_made_them() {
    let (sandbox, base) = start_sandbox().await;
    let http = reqwest::Client::new();
    let upload = |mime: &'static str, declared: Option<&'static str>, bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("f").mime_str(mime).unwrap();
        let mut form =
            reqwest::multipart::Form::new().text("messaging_product", "whatsapp").part("file", part);
        if let Some(declared) = declared {
            form = form.text("type", declared);
        }
        http.post(format!("{base}/{NUMBER_ID}/media")).bearer_auth(TOKEN).multipart(form).send()
    };
    for (mime, declared) in [("text/html", None), ("application/pdf", Some("image/png"))] {
        let answer = upload(mime, declared, b"%PDF-1.7".to_vec()).await.unwrap();
        assert_eq!(answer.status(), 400, "{mime} {declared:?}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"]["code"], 100);
    }
    let too_big =
        upload("image/png", None, vec![0; sandboxes::cloud_api::limits::IMAGE_BYTES + 1]).await.unwrap();
    assert_eq!(too_big.status(), 400);
    assert!(sandbox.media().is_empty());

    // A media id works only for the number that uploaded it.
    let client = CloudApiClient::new(&base, Secret::new(TOKEN));
    let media_id = client.upload(NUMBER_ID, &pdf_file()).await.unwrap();
    let mut other =
        message(OutboundContent::Document { media_id, filename: "statement.pdf".into(), caption: None });
    other.business_number_id = "106540352242999".into();
    assert!(matches!(client.send(&other).await, Err(SendError::Permanent { code: Some(100), .. })));
}
