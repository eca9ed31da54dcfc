use paybot::domain::ContactKey;
use paybot::ports::{HandoffMessage, Pause};
use rust_decimal::Decimal;

use super::*;

fn profile(capabilities: Vec<Capability>) -> BusinessProfile {
    BusinessProfile {
        business_number_id: "pn-1".into(),
        display_number: "233300000001".into(),
        currency: Currency::from_code("GHS").unwrap(),
        country_code: "233".into(),
        default_locale: Locale::En,
        time_zone: "Africa/Accra".into(),
        qr_max: Decimal::from(1000),
        rtp_max: Decimal::from(1000),
        description_max_chars: 140,
        capabilities,
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn users(n: usize, prefix: &str) -> BTreeSet<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

struct Case {
    profile: BusinessProfile,
    controls: NumberControls,
    now: DateTime<Utc>,
    days: Vec<(NaiveDate, Tally)>,
    deployment: Vec<(NaiveDate, Tally)>,
    wallet: Option<(u64, u64)>,
    alerts: Vec<Alert>,
    failed: Vec<FailedCommand>,
    escalations: Vec<Escalation>,
    locale: Locale,
}

impl Case {
    fn new() -> Case {
        Case {
            profile: profile(vec![Capability::PaymentLinks]),
            controls: NumberControls::default(),
            now: at("2026-12-10T12:00:00Z"),
            days: vec![],
            deployment: vec![],
            wallet: None,
            alerts: vec![],
            failed: vec![],
            escalations: vec![],
            locale: Locale::En,
        }
    }

    fn figures(&self) -> Figures {
        figures(&FigureInputs {
            profile: &self.profile,
            controls: &self.controls,
            now: self.now,
            days: &self.days,
            deployment: &self.deployment,
            wallet: self.wallet,
            alerts: &self.alerts,
            failed: &self.failed,
            escalations: &self.escalations,
            webhook_healthy: Duration::minutes(60),
            public_base_url: Some("https://bot.example/"),
            locale: self.locale,
        })
    }
}

#[test]
fn nothing_counted_shows_zeros_and_dashes() {
    let f = Case::new().figures();
    assert!(f.bot.on);
    assert_eq!(f.provider, "WhatsApp Cloud API");
    assert_eq!(
        f.webhook,
        WebhookView {
            connected: false,
            last_received: None,
            signature_failures_24h: 0,
            url: Some("https://bot.example/webhook".into()),
        }
    );
    assert_eq!(f.wallet, None, "the number does not offer the wallet");
    assert_eq!((f.active_today, f.transactions.today, f.transactions.month), (0, 0, 0));
    assert_eq!(f.transactions.volume_month, "0.00\u{a0}GHS");
    assert_eq!((f.response.average_text.as_str(), f.response.change_text.as_str()), ("–", "–"));
    assert_eq!((f.escalation_rate.rate, f.commands.total, f.failed_commands.total), (None, 0, 0));
    assert_eq!(f.days.len(), 30);
    assert_eq!(f.days.last().unwrap().day, date("2026-12-10"));
    assert_eq!(f.response_buckets.len(), RESPONSE_BUCKETS_MS.len());
    assert_eq!(f.response_buckets.last(), Some(&(None, 0)));
}

#[test]
fn today_and_this_month_count_their_own_days() {
    let mut case = Case::new();
    let mut today =
        Tally { transactions: 2, volume_minor: 15_050, failed_transactions: 1, ..Tally::default() };
    today.users = users(3, "u");
    let early = Tally { transactions: 1, volume_minor: 100_000, failed_transactions: 2, ..Tally::default() };
    let last_month = Tally { transactions: 5, volume_minor: 7, ..Tally::default() };
    case.days =
        vec![(date("2026-11-25"), last_month), (date("2026-12-01"), early), (date("2026-12-10"), today)];
    for (locale, today_text, month_text) in [
        (Locale::En, "150.50\u{a0}GHS", "1,150.50\u{a0}GHS"),
        (Locale::De, "150,50\u{a0}GHS", "1.150,50\u{a0}GHS"),
    ] {
        case.locale = locale;
        let f = case.figures();
        let t = &f.transactions;
        assert_eq!((t.today, t.month, t.failed_today, t.failed_month), (2, 3, 1, 3), "{locale:?}");
        assert_eq!((t.volume_today_minor, t.volume_month_minor), (15_050, 115_050));
        assert_eq!((t.volume_today.as_str(), t.volume_month.as_str()), (today_text, month_text));
        assert_eq!(f.active_today, 3);
        // The picture's 30 days reach into last month.
        let nov25 = f.days.iter().find(|p| p.day == date("2026-11-25")).unwrap();
        assert_eq!((nov25.transactions, nov25.volume_minor), (5, 7));
    }
}

#[test]
fn the_webhook_is_connected_within_the_configured_time() {
    let cases =
        [("2026-12-10T11:00:00Z", true), ("2026-12-10T10:59:59Z", false), ("2026-12-10T11:59:00Z", true)];
    for (last, connected) in cases {
        let mut case = Case::new();
        // The number's own deliveries and the deployment's: the latest of both counts.
        case.days = vec![(
            date("2026-12-10"),
            Tally { last_webhook_at: Some(at("2026-12-10T09:00:00Z")), ..Tally::default() },
        )];
        case.deployment =
            vec![(date("2026-12-10"), Tally { last_webhook_at: Some(at(last)), ..Tally::default() })];
        let f = case.figures();
        assert_eq!(f.webhook.connected, connected, "{last}");
        assert_eq!(f.webhook.last_received, Some(at(last)));
    }
}

#[test]
fn signature_failures_count_the_days_the_last_24_hours_touch() {
    let mut case = Case::new();
    case.deployment = vec![
        (date("2026-12-08"), Tally { signature_failures: 5, ..Tally::default() }),
        (date("2026-12-09"), Tally { signature_failures: 2, ..Tally::default() }),
        (date("2026-12-10"), Tally { signature_failures: 1, ..Tally::default() }),
    ];
    assert_eq!(case.figures().webhook.signature_failures_24h, 3);
}

#[test]
fn linked_users_are_a_share_of_all_wallet_accounts() {
    let cases = [
        (Some((25, 100)), Locale::En, Some(0.25), "25.0%"),
        (Some((1, 3)), Locale::Fr, Some(1.0 / 3.0), "33,3\u{a0}%"),
        (Some((0, 0)), Locale::En, None, "–"),
        (None, Locale::En, None, "–"),
    ];
    for (wallet, locale, share, text) in cases {
        let mut case = Case::new();
        case.profile = profile(vec![Capability::Wallet]);
        case.wallet = wallet;
        case.locale = locale;
        let view = case.figures().wallet.unwrap();
        assert_eq!((view.share, view.share_text.as_str()), (share, text), "{wallet:?}");
    }
}

fn responses(ms: &[u64]) -> Tally {
    let mut tally = Tally::default();
    ms.iter().for_each(|&m| tally.count_response(m));
    tally
}

#[test]
fn response_time_compares_the_last_7_days_with_the_7_before() {
    let mut case = Case::new();
    case.days = vec![
        // Previous window: 12-27 .. 12-03 → 2026-11-27 .. 2026-12-03.
        (date("2026-11-27"), responses(&[2_000])),
        (date("2026-12-03"), responses(&[2_000])),
        // Outside both windows.
        (date("2026-11-26"), responses(&[60_000])),
        // This window: 2026-12-04 .. 2026-12-10.
        (date("2026-12-04"), responses(&[400, 600])),
        (date("2026-12-10"), responses(&[1_400, 800, 12_000])),
    ];
    let f = case.figures();
    let r = &f.response;
    assert_eq!((r.average_ms, r.previous_average_ms), (Some(3_040), Some(2_000)));
    assert_eq!(r.change, Some(0.52));
    assert_eq!(r.change_text, "+52.0%");
    assert_eq!((r.p50_ms, r.p95_ms), (Some(1_000), None));
    assert_eq!((r.p50_text.as_str(), r.p95_text.as_str()), ("1\u{a0}s", "> 10\u{a0}s"));
    assert_eq!(r.average_text, "3.0\u{a0}s");
    let counts: Vec<u64> = f.response_buckets.iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, [0, 1, 1, 1, 1, 0, 0, 0, 0, 1]);
}

#[test]
fn the_escalation_rate_is_escalations_per_active_user() {
    let mut case = Case::new();
    let this = Tally { escalations: 1, users: users(4, "a"), ..Tally::default() };
    let before = Tally { escalations: 1, users: users(2, "b"), ..Tally::default() };
    case.days = vec![(date("2026-12-01"), before), (date("2026-12-09"), this)];
    case.locale = Locale::Ro;
    let rate = case.figures().escalation_rate;
    assert_eq!((rate.rate, rate.previous, rate.change_points), (Some(0.25), Some(0.5), Some(-25.0)));
    assert_eq!((rate.text.as_str(), rate.change_text.as_str()), ("25,0\u{a0}%", "-25,0 pp"));
}

#[test]
fn commands_are_shared_out_over_the_month() {
    let mut case = Case::new();
    let mut early = Tally::default();
    for name in ["bal", "bal", "send"] {
        early.count_command(name);
    }
    let mut late = Tally::default();
    late.count_command("bal");
    let mut last_month = Tally::default();
    last_month.count_command("pay");
    case.days =
        vec![(date("2026-11-30"), last_month), (date("2026-12-02"), early), (date("2026-12-10"), late)];
    let commands = case.figures().commands;
    assert_eq!(commands.total, 4);
    let shares: Vec<(&str, u64, &str)> =
        commands.items.iter().map(|c| (c.name.as_str(), c.count, c.share_text.as_str())).collect();
    assert_eq!(shares, [("bal", 3, "75.0%"), ("send", 1, "25.0%")]);
}

#[test]
fn lists_come_through_with_their_totals() {
    let mut case = Case::new();
    case.controls = NumberControls {
        paused: Some(Pause { id: "p1".into(), by: "ama".into(), at: at("2026-12-10T08:00:00Z") }),
        aliases: [("CHECK BALANCE".to_owned(), "BAL".to_owned())].into(),
    };
    let alert = |id: &str, acknowledged: bool| Alert {
        id: id.into(),
        business_number_id: "pn-1".into(),
        kind: "suspicious".into(),
        subject: "wallet:acc-1".into(),
        detail: serde_json::json!({"score": 80}),
        raised_at: at("2026-12-10T09:00:00Z"),
        acknowledged: acknowledged.then(|| ("kofi".to_owned(), at("2026-12-10T10:00:00Z"))),
    };
    case.alerts = vec![alert("fraud:1", false), alert("fraud:2", true), alert("fraud:3", false)];
    let failed = |text: &str, count| FailedCommand {
        text: text.into(),
        kind: "unknown_command".into(),
        suggestion: Some("BAL".into()),
        count,
        last_seen: at("2026-12-10T09:30:00Z"),
    };
    case.failed = vec![failed("CHECK BALANCE", 4), failed("BALANS", 2)];
    let contact = ContactKey { business_number_id: "pn-1".into(), user_key: "+233244123456".into() };
    case.escalations = vec![Escalation {
        contact: contact.clone(),
        reason: EscalationReason::Asked,
        opened_at: at("2026-12-10T09:00:00Z"),
        locale: Locale::Fr,
        messages: vec![
            HandoffMessage {
                id: "w1".into(),
                at: at("2026-12-10T09:00:00Z"),
                from: HandoffParty::User,
                text: "call me on 0244 123 456".into(),
            },
            HandoffMessage {
                id: "o1".into(),
                at: at("2026-12-10T09:05:00Z"),
                from: HandoffParty::Operator("ama".into()),
                text: "On it".into(),
            },
        ],
        released: None,
    }];
    let f = case.figures();
    assert_eq!((f.bot.on, f.bot.paused_by.as_deref()), (false, Some("ama")));
    assert_eq!(f.aliases.get("CHECK BALANCE").map(String::as_str), Some("BAL"));
    assert_eq!((f.alerts.unacknowledged, f.alerts.items.len()), (2, 3));
    assert_eq!(f.alerts.items[1].acknowledged_by.as_deref(), Some("kofi"));
    assert_eq!((f.failed_commands.total, f.failed_commands.items[0].occurrences), (6, 4));
    let escalation = &f.escalations[0];
    assert_eq!(escalation.user, "+••••••••3456");
    assert_eq!(escalation.handle, conversation_handle("pn-1", "+233244123456"));
    assert!(!serde_json::to_string(&f).unwrap().contains("233244123456"), "no full phone leaves");
    assert_eq!(escalation.messages[0].text, "call me on •••• ••• •••");
    assert_eq!(
        (escalation.messages[1].from, escalation.messages[1].operator.as_deref()),
        ("operator", Some("ama"))
    );
}

#[test]
fn texts_follow_the_locale() {
    let cases = [
        (Locale::En, 850, "850\u{a0}ms"),
        (Locale::Ru, 1_500, "1,5\u{a0}s"),
        (Locale::En, 2_000, "2\u{a0}s"),
        (Locale::De, u64::MAX, "> 10\u{a0}s"),
    ];
    for (locale, ms, text) in cases {
        assert_eq!(millis_text(ms, locale), text);
    }
    assert_eq!(percent_text(0.125, Locale::En), "12.5%");
    assert_eq!(percent_text(0.125, Locale::Ro), "12,5\u{a0}%");
    assert_eq!(mask_user("+233244000001"), "+••••••••0001");
    assert_eq!(mask_user("12"), "12");
}
