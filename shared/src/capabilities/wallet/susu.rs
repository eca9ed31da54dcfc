//! SUSU: the user's rotating savings groups ([`crate::domain::susu`]). `SUSU` shows each
//! group, this cycle's status and whose turn it is; `SUSU JOIN <code>` takes a free seat;
//! `SUSU PAY [<code>]` pays this cycle's contribution through the secure execution layer
//! (wallet → the group's pot, `susu:<group>:<cycle>:<account>`). The pot goes to the member
//! whose turn it is (`susu:<group>:<cycle>:payout`, once whoever posts it) as soon as every
//! member has paid (`SUSU_PAYOUT=all_paid`), else at the cycle's end with what was paid — the
//! scheduled function's [`pay_out_due`]. Every member is told (a notice: free-form in the
//! window, the `susu_update` Utility template outside it).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::replies::Reply;
use super::secure::{self, Intent, IntentKind, Payee};
use super::settings::SusuPayout;
use super::{WalletTurn, WalletUser};
use crate::StoreResult;
use crate::capabilities::TurnFailure;
use crate::domain::{ContactKey, Phone, SusuGroup, SusuJoin, SusuPhase};
use crate::i18n::{WordArg, Words};
use crate::ledger::{AccountId, Ledger, LedgerError, Leg, Posted, Transfer, TransferKind, system};
use crate::outbound::OutboundJob;
use crate::ports::{
    ContactStore, Directory, Notice, QueueSender, SusuGroupStore, WalletDirectory, WalletLinkStore,
};

pub use crate::domain::SusuCycle;

/// The approved Utility template of a susu payout notice: group, member, amount.
pub const SUSU_TEMPLATE: &str = "susu_update";

/// What paying out a cycle and telling its members needs (the YES path and the scheduler).
#[derive(Clone)]
pub struct SusuDeps {
    pub groups: Arc<dyn SusuGroupStore>,
    pub ledger: Arc<dyn Ledger>,
    pub accounts: Arc<dyn WalletDirectory>,
    pub links: Arc<dyn WalletLinkStore>,
    pub contacts: Arc<dyn ContactStore>,
    pub settings: super::WalletSettings,
}

impl SusuDeps {
    pub fn of(deps: &super::WalletDeps) -> SusuDeps {
        SusuDeps {
            groups: deps.susu.clone(),
            ledger: deps.ledger.clone(),
            accounts: deps.accounts.clone(),
            links: deps.links.clone(),
            contacts: deps.contacts.clone(),
            settings: deps.settings.clone(),
        }
    }
}

fn cycle(group: &SusuGroup, k: u32) -> SusuCycle {
    SusuCycle { group: group.code.clone(), cycle: k }
}

/// The members who paid cycle `k`, in payout order.
async fn paid_members(ledger: &dyn Ledger, group: &SusuGroup, k: u32) -> StoreResult<Vec<String>> {
    let cycle = cycle(group, k);
    let mut paid = Vec::new();
    for member in &group.members {
        if ledger.transfer(&cycle.contribution_id(member)).await?.is_some() {
            paid.push(member.clone());
        }
    }
    Ok(paid)
}

/// Pays cycle `k`'s contributions to the member whose turn it is; `None` when nobody paid
/// or the seat is empty. Safe to repeat: the payout's id is the cycle's.
async fn pay_out(
    ledger: &dyn Ledger,
    group: &SusuGroup,
    k: u32,
    now: DateTime<Utc>,
) -> Result<Option<(Transfer, bool)>, LedgerError> {
    let Some(turn) = group.turn(k) else { return Ok(None) };
    let paid = paid_members(ledger, group, k).await?;
    let amount = group.contribution_minor * paid.len() as i64;
    if amount == 0 {
        return Ok(None);
    }
    let transfer = Transfer {
        id: cycle(group, k).payout_id(),
        kind: TransferKind::SusuPayout,
        currency: group.currency,
        legs: vec![Leg { from: system::susu_pot(&group.code), to: AccountId::wallet(turn), amount }],
        hash: None,
        memo: Some(group.name.clone()),
        at: now,
    };
    match ledger.post(&transfer).await? {
        Posted::Applied => Ok(Some((transfer, true))),
        Posted::AlreadyApplied(stored) => Ok(Some((stored, false))),
    }
}

/// The notices of a payout: one to each linked member, in their locale (else the business
/// number's default).
async fn payout_notices(
    deps: &SusuDeps,
    group: &SusuGroup,
    k: u32,
    payout: &Transfer,
    default_locale: crate::domain::Locale,
    now: DateTime<Utc>,
) -> StoreResult<Vec<OutboundJob>> {
    let Some(recipient) = group.turn(k) else { return Ok(Vec::new()) };
    let name = deps.accounts.account(recipient).await?.map(|a| a.masked_name()).unwrap_or_default();
    let amount =
        WordArg::Minor { minor: payout.legs.first().map_or(0, |l| l.amount), currency: payout.currency };
    let mut jobs = Vec::new();
    for member in &group.members {
        let Some(link) = deps.links.link_of_account(&group.business_number_id, member).await? else {
            continue;
        };
        let Ok(to) = Phone::parse_international(&link.contact.user_key) else { continue };
        let locale = deps.contacts.settings(&link.contact).await?.locale.unwrap_or(default_locale);
        let words = Words::new("susu-payout-notice")
            .arg("group", WordArg::Text(group.name.clone()))
            .arg("name", WordArg::Text(name.clone()))
            .arg("amount", amount.clone())
            .arg("mine", WordArg::Flag(member == recipient));
        let notice = Notice {
            id: format!("{}:payout:{member}", cycle(group, k).payout_id()),
            contact: ContactKey { ..link.contact.clone() },
            text: words,
            template: SUSU_TEMPLATE.into(),
            parameters: vec![WordArg::Text(group.name.clone()), WordArg::Text(name.clone()), amount.clone()],
            digest_line: vec![amount.clone(), WordArg::Message("susu-event-payout".into())],
            locale,
            at: now,
        };
        jobs.push(crate::notices::status_job(notice, to));
    }
    Ok(jobs)
}

/// The scheduled function's part: every cycle that ended unpaid is paid out with what was
/// paid, and (under `all_paid`) a cycle every member paid that the YES did not finish.
/// Members are told when this run posted the payout. Returns the payouts posted.
/// `directory` gives a business number's default locale, for members who never chose one.
pub async fn pay_out_due(
    deps: &SusuDeps,
    directory: &dyn Directory,
    outbound: &dyn QueueSender,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let mut posted = 0;
    for group in deps.groups.all_groups().await? {
        let current = match group.phase(now) {
            SusuPhase::NotStarted => continue,
            SusuPhase::Cycle(k) => k,
            SusuPhase::Finished => group.seats,
        };
        let mut due: Vec<u32> = (0..current).collect();
        if deps.settings.susu_payout == SusuPayout::AllPaid
            && current < group.seats
            && paid_members(&*deps.ledger, &group, current).await?.len() == group.members.len()
            && group.is_full()
        {
            due.push(current);
        }
        for k in due {
            if deps.ledger.transfer(&cycle(&group, k).payout_id()).await?.is_some() {
                continue;
            }
            let paid = pay_out(&*deps.ledger, &group, k, now).await.map_err(store_error)?;
            if let Some((payout, true)) = paid {
                posted += 1;
                let default_locale = directory
                    .profile(&group.business_number_id)
                    .await?
                    .map_or(crate::domain::Locale::En, |p| p.default_locale);
                let jobs = payout_notices(deps, &group, k, &payout, default_locale, now).await?;
                let messages: Vec<_> = jobs.iter().map(OutboundJob::to_queue_message).collect();
                if !messages.is_empty() {
                    outbound.send_batch(&messages).await?;
                }
                tracing::info!(group = %group.code, cycle = k, "susu pot paid out");
            }
        }
    }
    Ok(posted)
}

fn store_error(err: LedgerError) -> crate::StoreError {
    match err {
        LedgerError::Store(e) => e,
        other => crate::StoreError::Malformed(other.to_string()),
    }
}

/// `SUSU`: each of the user's groups.
pub(crate) async fn show(turn: &mut WalletTurn<'_, '_>, user: &WalletUser) -> Result<(), TurnFailure> {
    turn.keep_session(user).await?;
    let deps = turn.deps;
    let groups = deps.susu.groups_of(&user.account.id).await?;
    if groups.is_empty() {
        turn.reply(Reply::Product(Words::new("susu-none")));
        return Ok(());
    }
    let locale = turn.answer.locale();
    let now = turn.now();
    let mut lines = Vec::new();
    for group in &groups {
        let amount = WordArg::Minor { minor: group.contribution_minor, currency: group.currency };
        let words = match group.phase(now) {
            SusuPhase::NotStarted => Words::new("susu-group-not-started")
                .arg("group", WordArg::Text(group.name.clone()))
                .arg("code", WordArg::Text(group.code.clone()))
                .arg("amount", amount)
                .arg("members", WordArg::Count(group.members.len() as i64))
                .arg("seats", WordArg::Count(i64::from(group.seats))),
            SusuPhase::Finished => Words::new("susu-group-finished")
                .arg("group", WordArg::Text(group.name.clone()))
                .arg("code", WordArg::Text(group.code.clone())),
            SusuPhase::Cycle(k) => {
                let paid = paid_members(&*deps.ledger, group, k).await?;
                let turn_of = match group.turn(k) {
                    Some(id) if id == user.account.id => None,
                    Some(id) => deps.accounts.account(id).await?.map(|a| a.masked_name()),
                    None => None,
                };
                let paid_out = deps.ledger.transfer(&cycle(group, k).payout_id()).await?.is_some();
                Words::new("susu-group-cycle")
                    .arg("group", WordArg::Text(group.name.clone()))
                    .arg("code", WordArg::Text(group.code.clone()))
                    .arg("amount", amount)
                    .arg("cycle", WordArg::Count(i64::from(k) + 1))
                    .arg("cycles", WordArg::Count(i64::from(group.seats)))
                    .arg("paid", WordArg::Count(paid.len() as i64))
                    .arg("members", WordArg::Count(group.members.len() as i64))
                    .arg("mine_paid", WordArg::Flag(paid.contains(&user.account.id)))
                    .arg("my_turn", WordArg::Flag(group.turn(k) == Some(user.account.id.as_str())))
                    .arg("turn", WordArg::Text(turn_of.unwrap_or_default()))
                    .arg("paid_out", WordArg::Flag(paid_out))
                    .arg(
                        "ends",
                        WordArg::Text(
                            group
                                .cycle_end(k)
                                .with_timezone(&secure::time_zone(turn.profile()))
                                .format("%d.%m")
                                .to_string(),
                        ),
                    )
            }
        };
        lines.push(words.render(locale));
    }
    turn.reply(Reply::Product(Words::new("susu-summary").arg("lines", WordArg::Text(lines.join("\n\n")))));
    Ok(())
}

/// `SUSU JOIN <code>`.
pub(crate) async fn join(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    code: &str,
) -> Result<(), TurnFailure> {
    turn.keep_session(user).await?;
    let code = code.trim().to_uppercase();
    let outcome = match turn.deps.susu.group(&code).await? {
        Some(group) if group.currency != user.account.currency => SusuJoin::NoSuchGroup,
        Some(_) => turn.deps.susu.join(&code, &user.account.id).await?,
        None => SusuJoin::NoSuchGroup,
    };
    let words = match outcome {
        SusuJoin::Joined(group) => {
            turn.audit(&user.account.id, "susu_joined", serde_json::json!({"group": group.code})).await?;
            Words::new("susu-joined")
                .arg("group", WordArg::Text(group.name.clone()))
                .arg("seat", WordArg::Count(group.members.len() as i64))
                .arg("seats", WordArg::Count(i64::from(group.seats)))
                .arg("amount", WordArg::Minor { minor: group.contribution_minor, currency: group.currency })
        }
        SusuJoin::AlreadyMember(group) => {
            Words::new("susu-already-member").arg("group", WordArg::Text(group.name.clone()))
        }
        SusuJoin::Full(group) => Words::new("susu-full").arg("group", WordArg::Text(group.name.clone())),
        SusuJoin::NoSuchGroup => Words::new("susu-no-such-group").arg("code", WordArg::Text(code)),
    };
    turn.reply(Reply::Product(words));
    Ok(())
}

/// `SUSU PAY [<code>]`: this cycle's contribution, through the secure execution layer.
pub(crate) async fn pay(
    turn: &mut WalletTurn<'_, '_>,
    user: &WalletUser,
    code: Option<String>,
) -> Result<(), TurnFailure> {
    let deps = turn.deps;
    let now = turn.now();
    let groups = deps.susu.groups_of(&user.account.id).await?;
    let chosen: Vec<&SusuGroup> = match &code {
        Some(code) => groups.iter().filter(|g| g.code == code.trim().to_uppercase()).collect(),
        None => groups.iter().collect(),
    };
    let mut refusal = Words::new(if groups.is_empty() { "susu-none" } else { "susu-nothing-due" });
    for group in chosen {
        let k = match group.phase(now) {
            SusuPhase::Cycle(k) => k,
            SusuPhase::NotStarted => {
                refusal = Words::new("susu-not-started").arg("group", WordArg::Text(group.name.clone()));
                continue;
            }
            SusuPhase::Finished => continue,
        };
        if !group.is_full() {
            refusal = Words::new("susu-waiting-members")
                .arg("group", WordArg::Text(group.name.clone()))
                .arg("left", WordArg::Count((group.seats as usize - group.members.len()) as i64));
            continue;
        }
        let cycle = cycle(group, k);
        if deps.ledger.transfer(&cycle.contribution_id(&user.account.id)).await?.is_some() {
            refusal = Words::new("susu-already-paid").arg("group", WordArg::Text(group.name.clone()));
            continue;
        }
        if deps.ledger.transfer(&cycle.payout_id()).await?.is_some() {
            refusal = Words::new("susu-cycle-over");
            continue;
        }
        let intent = Intent {
            plan: None,
            kind: IntentKind::SusuContribution,
            account_id: user.account.id.clone(),
            amount_minor: group.contribution_minor,
            fee_minor: 0,
            currency: group.currency,
            // A pot has no phone: the payee shown is the group; the number is the member's own.
            payee: Payee {
                phone: user.account.registered_phone.clone(),
                account_id: None,
                display: group.name.clone(),
            },
            note: None,
            reference: None,
            susu: Some(cycle),
            points: None,
        };
        return secure::begin(turn, user, intent).await;
    }
    turn.reply(Reply::Product(refusal));
    Ok(())
}

/// Whether a confirmed contribution may still go into the pot: its cycle is the current one
/// and not paid out yet — or it went in already (a YES delivered again).
pub(crate) async fn still_open(turn: &WalletTurn<'_, '_>, intent: &Intent) -> StoreResult<bool> {
    let Some(cycle) = &intent.susu else { return Ok(false) };
    let ledger = &turn.deps.ledger;
    if ledger.transfer(&cycle.contribution_id(&intent.account_id)).await?.is_some() {
        return Ok(true);
    }
    let Some(group) = turn.deps.susu.group(&cycle.group).await? else { return Ok(false) };
    Ok(group.phase(turn.now()) == SusuPhase::Cycle(cycle.cycle)
        && ledger.transfer(&cycle.payout_id()).await?.is_none())
}

/// After a contribution went in: the user is told, and under `all_paid` the last one pays
/// the pot out and tells every member (again on a retried YES: notify delivers each once).
pub(crate) async fn contributed(turn: &mut WalletTurn<'_, '_>, intent: &Intent) -> Result<(), TurnFailure> {
    let Some(cycle) = intent.susu.clone() else { return Ok(()) };
    let deps = SusuDeps::of(turn.deps);
    let Some(group) = deps.groups.group(&cycle.group).await? else { return Ok(()) };
    let paid = paid_members(&*deps.ledger, &group, cycle.cycle).await?;
    turn.reply(Reply::Product(
        Words::new("susu-paid")
            .arg("group", WordArg::Text(group.name.clone()))
            .arg("amount", WordArg::Minor { minor: intent.amount_minor, currency: intent.currency })
            .arg("paid", WordArg::Count(paid.len() as i64))
            .arg("members", WordArg::Count(group.members.len() as i64)),
    ));
    if deps.settings.susu_payout == SusuPayout::AllPaid
        && group.is_full()
        && paid.len() == group.members.len()
    {
        let now = turn.now();
        if let Some((payout, _)) =
            pay_out(&*deps.ledger, &group, cycle.cycle, now).await.map_err(store_error)?
        {
            let default_locale = turn.profile().default_locale;
            for job in payout_notices(&deps, &group, cycle.cycle, &payout, default_locale, now).await? {
                turn.answer.push(job);
            }
        }
    }
    Ok(())
}
