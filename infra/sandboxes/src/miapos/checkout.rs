//! The hosted checkout page: what the payer sees when they follow the payment link. In the
//! sandbox it offers the outcomes a real payer's bank app would produce.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Endpoint, MiaposSandbox, PaymentStatus, PaymentType, SandboxPayment, SettleError, two_places};

/// The page's words in the three languages the rail's checkout speaks. They belong to the
/// external system being imitated, not to the bot, so they live here rather than in the bot's
/// locale files.
struct Texts {
    lang: &'static str,
    title: &'static str,
    merchant: &'static str,
    description: &'static str,
    order: &'static str,
    pay: &'static str,
    decline: &'static str,
    expire: &'static str,
    rtp_sent: &'static str,
    waiting: &'static str,
    success: &'static str,
    declined: &'static str,
    expired: &'static str,
    failed: &'static str,
    back: &'static str,
    sandbox: &'static str,
    not_found: &'static str,
}

const EN: Texts = Texts {
    lang: "en",
    title: "Payment",
    merchant: "Merchant",
    description: "For",
    order: "Order",
    pay: "Pay",
    decline: "Decline",
    expire: "Let it expire",
    rtp_sent: "A payment request was sent to the payer's banking app.",
    waiting: "Waiting for payment",
    success: "Payment successful",
    declined: "Payment declined",
    expired: "Payment expired",
    failed: "Payment failed",
    back: "Back to the merchant",
    sandbox: "Sandbox: no money moves.",
    not_found: "Payment not found",
};

const RO: Texts = Texts {
    lang: "ro",
    title: "Plată",
    merchant: "Comerciant",
    description: "Pentru",
    order: "Comandă",
    pay: "Plătește",
    decline: "Refuză",
    expire: "Lasă să expire",
    rtp_sent: "Cererea de plată a fost trimisă în aplicația băncii plătitorului.",
    waiting: "Se așteaptă plata",
    success: "Plată reușită",
    declined: "Plată refuzată",
    expired: "Plată expirată",
    failed: "Plată eșuată",
    back: "Înapoi la comerciant",
    sandbox: "Mediu de test: nu se transferă bani.",
    not_found: "Plata nu a fost găsită",
};

const RU: Texts = Texts {
    lang: "ru",
    title: "Оплата",
    merchant: "Продавец",
    description: "За что",
    order: "Заказ",
    pay: "Оплатить",
    decline: "Отклонить",
    expire: "Дать истечь",
    rtp_sent: "Запрос на оплату отправлен в банковское приложение плательщика.",
    waiting: "Ожидание оплаты",
    success: "Оплата прошла",
    declined: "Оплата отклонена",
    expired: "Срок оплаты истёк",
    failed: "Оплата не удалась",
    back: "Вернуться к продавцу",
    sandbox: "Тестовая среда: деньги не списываются.",
    not_found: "Платёж не найден",
};

fn texts(lang: &str) -> &'static Texts {
    match lang {
        "en" => &EN,
        "ru" => &RU,
        _ => &RO,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CheckoutQuery {
    #[serde(rename = "paymentId")]
    payment_id: Option<String>,
}

/// `GET /checkout?paymentId=…`
pub(super) async fn page(
    State(sandbox): State<MiaposSandbox>,
    Query(query): Query<CheckoutQuery>,
) -> Response {
    let _ = sandbox.enter(Endpoint::CheckoutPage);
    match query.payment_id.as_deref().and_then(|id| sandbox.payment(id)) {
        Some(payment) => Html(render(&sandbox, &payment)).into_response(),
        None => not_found(),
    }
}

/// `POST /checkout/{paymentId}/{action}`: `pay`, `decline`, `expire` or `fail`.
pub(super) async fn action(
    State(sandbox): State<MiaposSandbox>,
    Path((payment_id, action)): Path<(String, String)>,
) -> Response {
    let _ = sandbox.enter(Endpoint::CheckoutAction);
    let status = match action.as_str() {
        "pay" => PaymentStatus::Success,
        "decline" => PaymentStatus::Declined,
        "expire" => PaymentStatus::Expired,
        "fail" => PaymentStatus::Failed,
        _ => return (StatusCode::NOT_FOUND, "unknown action").into_response(),
    };
    match sandbox.settle(&payment_id, status).await {
        Err(SettleError::UnknownPayment(_)) => not_found(),
        // A second tap (or a reload) finds the payment settled: the page shows how it ended.
        Ok(_) | Err(SettleError::AlreadyFinal(_)) | Err(SettleError::NotFinal(_)) => {
            Redirect::to(&sandbox.checkout_url(&payment_id)).into_response()
        }
    }
}

fn not_found() -> Response {
    let body = layout(&EN, EN.not_found, &format!("<h1>{}</h1>", escape(EN.not_found)));
    (StatusCode::NOT_FOUND, Html(body)).into_response()
}

fn render(sandbox: &MiaposSandbox, payment: &SandboxPayment) -> String {
    let t = texts(&payment.language);
    let merchant =
        sandbox.merchant(&payment.merchant_id).map(|m| m.name.as_str()).unwrap_or(&payment.merchant_id);
    let mut body = String::new();
    body.push_str(&format!(
        "<p class=\"amount\">{} {}</p>\n<dl>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n</dl>\n",
        escape(&two_places(payment.amount)),
        escape(&payment.currency),
        escape(t.merchant),
        escape(merchant),
        escape(t.description),
        escape(&payment.description),
        escape(t.order),
        escape(&payment.order_id),
    ));
    if payment.status.is_final() {
        let (class, heading) = match payment.status {
            PaymentStatus::Success => ("ok", t.success),
            PaymentStatus::Declined => ("bad", t.declined),
            PaymentStatus::Expired => ("bad", t.expired),
            _ => ("bad", t.failed),
        };
        body.push_str(&format!("<p class=\"result {class}\">{}</p>\n", escape(heading)));
        let back =
            if payment.status == PaymentStatus::Success { &payment.success_url } else { &payment.fail_url };
        if let Some(url) = back {
            body.push_str(&format!("<p><a href=\"{}\">{}</a></p>\n", escape(url), escape(t.back)));
        }
    } else {
        body.push_str(&format!("<p class=\"status\">{}</p>\n", escape(t.waiting)));
        if payment.payment_type == PaymentType::Rtp {
            body.push_str(&format!("<p>{}</p>\n", escape(t.rtp_sent)));
        }
        let base = format!("{}/checkout/{}", sandbox.base_url(), payment.payment_id);
        for (action, label, class) in
            [("pay", t.pay, " class=\"primary\""), ("decline", t.decline, ""), ("expire", t.expire, "")]
        {
            body.push_str(&format!(
                "<form method=\"post\" action=\"{}/{action}\"><button{class} type=\"submit\">{}</button></form>\n",
                escape(&base),
                escape(label),
            ));
        }
    }
    layout(t, t.title, &format!("<h1>{}</h1>\n{body}", escape(t.title)))
}

fn layout(t: &Texts, title: &str, main: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · miaPOS</title>
<style>
body {{ margin: 0; padding: 0 .75rem; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f2f4f7; color: #1d2433; }}
main {{ max-width: 26rem; margin: 1.5rem auto; padding: 1.5rem; background: #fff; border-radius: 1rem; box-shadow: 0 1px 4px rgba(0,0,0,.08); }}
.brand {{ margin: 0 0 .5rem; font-size: .8rem; letter-spacing: .08em; text-transform: uppercase; color: #5b6477; }}
h1 {{ margin: 0 0 1rem; font-size: 1.3rem; }}
.amount {{ margin: 0 0 1rem; font-size: 2rem; font-weight: 700; }}
dl {{ display: grid; grid-template-columns: auto 1fr; gap: .4rem .8rem; margin: 0 0 1.2rem; }}
dt {{ color: #5b6477; }} dd {{ margin: 0; overflow-wrap: anywhere; }}
form {{ margin: 0 0 .6rem; }}
button {{ width: 100%; padding: .9rem; font-size: 1rem; border-radius: .6rem; border: 1px solid #c8cdd6; background: #fff; color: #1d2433; }}
button.primary {{ background: #0b6bcb; border-color: #0b6bcb; color: #fff; font-weight: 600; }}
.status {{ color: #5b6477; }}
.result {{ font-size: 1.2rem; font-weight: 600; padding: .8rem; border-radius: .6rem; }}
.result.ok {{ background: #e3f6e8; color: #17663a; }} .result.bad {{ background: #fdecec; color: #a12626; }}
.note {{ margin: 1.2rem 0 0; font-size: .8rem; color: #5b6477; }}
</style>
</head>
<body>
<main>
<p class="brand">miaPOS</p>
{main}<p class="note">{sandbox}</p>
</main>
</body>
</html>
"#,
        lang = t.lang,
        title = escape(title),
        sandbox = escape(t.sandbox),
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
