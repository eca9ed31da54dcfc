//! Every reply of the seller capability, rendered in the conversation's locale from the
//! locale files (no user-facing text in code).

use super::commands::{MarketRules, Refusal, RefusalKind};
use crate::domain::{Locale, MerchantBinding, Money, PaymentLink};
use crate::i18n::{Arg, Catalog, format_amount};
use crate::ports::{ListRow, ListSection, OutboundContent};

/// Meta's limits for list rows (characters).
const ROW_TITLE_MAX: usize = 24;
const ROW_DESCRIPTION_MAX: usize = 72;
const LIST_ROWS_MAX: usize = 10;

pub enum Reply {
    UnknownSeller,
    SellerBlocked,
    Help { multi_merchant: bool },
    MerchantPicker { merchants: Vec<MerchantBinding> },
    MerchantSelected { name: String },
    NoMerchant,
    NotConfigured,
    LinkCreated { link: PaymentLink },
    LinkFailed,
    Refused { refusal: Refusal, rules: MarketRules },
}

fn text(body: String) -> OutboundContent {
    OutboundContent::Text { body }
}

fn truncate(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        return value.to_owned();
    }
    let mut cut: String = value.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

pub fn render(reply: &Reply, locale: Locale) -> OutboundContent {
    let catalog = Catalog::global();
    let t = |id: &str, args: &[(&str, Arg<'_>)]| catalog.text(locale, id, args);
    match reply {
        Reply::UnknownSeller => text(t("unknown-seller", &[])),
        Reply::SellerBlocked => text(t("seller-blocked", &[])),
        Reply::Help { multi_merchant } => text(t("help", &[("multi_merchant", Arg::flag(*multi_merchant))])),
        Reply::MerchantPicker { merchants } => OutboundContent::List {
            body: t("merchant-prompt", &[]),
            button: t("merchant-button", &[]),
            sections: vec![ListSection {
                title: Some(t("merchant-section", &[])),
                rows: merchants
                    .iter()
                    .take(LIST_ROWS_MAX)
                    .map(|m| ListRow {
                        id: super::merchant_row(&m.merchant_id),
                        title: truncate(&m.name, ROW_TITLE_MAX),
                        description: Some(truncate(&m.merchant_id, ROW_DESCRIPTION_MAX)),
                    })
                    .collect(),
            }],
        },
        Reply::MerchantSelected { name } => text(t("merchant-selected", &[("name", Arg::Str(name))])),
        Reply::NoMerchant => text(t("merchant-none", &[])),
        Reply::NotConfigured => text(t("link-not-configured", &[])),
        Reply::LinkFailed => text(t("link-failed", &[])),
        Reply::LinkCreated { link } => {
            let amount = format_amount(&link.amount, locale);
            let url = link.checkout_url.as_deref().unwrap_or_default();
            let description = link.description.as_deref().unwrap_or_default();
            let tag = link.tag.as_deref().unwrap_or_default();
            let payer = link.payer.as_ref().map(|p| p.masked()).unwrap_or_default();
            let args = [
                ("amount", Arg::Str(&amount)),
                ("url", Arg::Str(url)),
                ("description", Arg::Str(description)),
                ("has_description", Arg::flag(link.description.is_some())),
                ("tag", Arg::Str(tag)),
                ("has_tag", Arg::flag(link.tag.is_some())),
                ("payer", Arg::Str(&payer)),
            ];
            let id = if link.payer.is_some() { "rtp-sent" } else { "link-created" };
            text(t(id, &args))
        }
        Reply::Refused { refusal, rules } => text(refusal_text(refusal, rules, locale)),
    }
}

fn refusal_text(refusal: &Refusal, rules: &MarketRules, locale: Locale) -> String {
    let catalog = Catalog::global();
    let t = |id: &str, args: &[(&str, Arg<'_>)]| catalog.text(locale, id, args);
    let money =
        |amount| Money::new(amount, rules.currency).map(|m| format_amount(&m, locale)).unwrap_or_default();
    match refusal.kind {
        RefusalKind::Empty => t("error-empty", &[]),
        RefusalKind::UnknownCommand => t(
            "error-unknown-command",
            &[
                ("suggestion", Arg::Str(refusal.suggestion.unwrap_or_default())),
                ("has_suggestion", Arg::flag(refusal.suggestion.is_some())),
            ],
        ),
        RefusalKind::AmountMissing => t("error-amount-missing", &[]),
        RefusalKind::AmountInvalid => {
            t("error-amount-invalid", &[("input", Arg::Str(refusal.token().unwrap_or_default()))])
        }
        RefusalKind::AmountNotPositive => t("error-amount-not-positive", &[]),
        RefusalKind::TooManyDecimals => t("error-amount-decimals", &[]),
        RefusalKind::AmountAboveCap => {
            let cap = refusal.cap().unwrap_or(rules.qr_max);
            t("error-amount-above-cap", &[("cap", Arg::Str(&money(cap)))])
        }
        RefusalKind::UnsupportedCurrency => {
            t("error-currency", &[("currency", Arg::Str(rules.currency.code()))])
        }
        RefusalKind::DescriptionTooLong => {
            t("error-description-too-long", &[("max", Arg::Int(rules.description_max_chars as i64))])
        }
        RefusalKind::TagInvalid => t("error-tag-invalid", &[("max", Arg::Int(rules.tag_max_chars as i64))]),
        RefusalKind::PayerMissing => t("error-payer-missing", &[]),
        RefusalKind::PayerNotAPhone => t("error-payer-phone", &[]),
    }
}
