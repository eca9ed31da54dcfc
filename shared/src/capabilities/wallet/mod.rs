//! The wallet capability (the consumer wallet of seed 000): people bank from a WhatsApp chat
//! with the wallet operator's business number. A WhatsApp number is linked to a wallet
//! account with a one-time code sent by SMS to the account's registered phone; then BAL,
//! SEND, STATEMENT (also as a PDF document), TOPUP, SCORE, BNPL and HELP. Every money movement passes the secure execution layer
//! ([`secure`]) and moves on the wallet's own double-entry ledger ([`crate::ledger`]); money
//! enters and leaves through MTN MoMo ([`settlement`]).
//!
//! - [`commands`]: the grammar;
//! - [`secure`]: the pipeline every money movement passes, step by step;
//! - [`fraud`]: the explainable fraud score;
//! - [`codes`]: one-time codes;
//! - [`settlement`]: MoMo top-ups and payouts, from request to final status;
//! - [`statement_pdf`]: a month's statement as a PDF document message;
//! - [`score`]: SCORE, the credit score from the user's own history (a pure function);
//! - [`bnpl`]: buy now, pay later: purchases on credit, plans, scheduled collections;
//! - [`replies`]: what the user reads;
//! - this module: identifying the user, linking, and dispatching a turn.

pub mod bnpl;
pub mod codes;
pub mod commands;
pub mod fraud;
pub mod points;
pub mod replies;
pub mod score;
pub mod secure;
pub mod settings;
pub mod settlement;
pub mod statement_pdf;
pub mod susu;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use self::commands::{Market, Parsed, Unrecognized, WalletCommand};
use self::replies::{Reply, render};
use self::secure::{Intent, PendingConfirmation};
pub use self::settings::WalletSettings;
use super::conversation::language_picker;
use super::{Actor, Answer, Capability, Turn, TurnFailure};
use crate::config::Secret;
use crate::domain::{AccountStatus, MessageContent, Phone, WalletAccount};
use crate::ledger::Ledger;
use crate::momo::MobileMoney;
use crate::ports::{
    AlertStore, AuditEvent, AuditLog, Clock, CodeCheck, CodePurpose, ContactStore, FailedCommandLog,
    IdempotencyStore, MediaUploader, MomoOperationStore, PendingCode, SmsSender, WalletDirectory, WalletLink,
    WalletLinkStore,
};
use crate::{StoreError, StoreResult};

/// The capability's name: its conversation state and its audit chains (`wallet:<id>`).
pub const NAME: &str = "wallet";

/// What the wallet capability works with.
pub struct WalletDeps {
    pub accounts: Arc<dyn WalletDirectory>,
    pub links: Arc<dyn WalletLinkStore>,
    pub contacts: Arc<dyn ContactStore>,
    pub ledger: Arc<dyn Ledger>,
    /// The loyalty points' own ledger.
    pub points: Arc<dyn Ledger>,
    pub susu: Arc<dyn crate::ports::SusuGroupStore>,
    pub operations: Arc<dyn MomoOperationStore>,
    pub plans: Arc<dyn crate::bnpl_plans::BnplPlanStore>,
    pub momo: Arc<dyn MobileMoney>,
    pub sms: Arc<dyn SmsSender>,
    /// The Cloud API's media endpoint: STATEMENT PDF uploads its document there.
    pub media: Arc<dyn MediaUploader>,
    /// Keeps each audit record and failed-command count to one per message.
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub audit: Arc<dyn AuditLog>,
    pub failed_commands: Arc<dyn FailedCommandLog>,
    pub alerts: Arc<dyn AlertStore>,
    pub clock: Arc<dyn Clock>,
    /// The key of the one-time codes' hashes (`OTP_KEY`).
    pub otp_key: Secret,
    pub settings: WalletSettings,
}

/// The wallet's conversation state: a code being waited for, a movement waiting for YES.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_code: Option<AwaitingCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingConfirmation>,
}

/// A one-time code sent, and what it unlocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingCode {
    pub account_id: String,
    pub purpose: CodePurpose,
    /// The movement that asked for a fresh code, resumed once the code is typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Intent>,
}

/// A linked wallet user, as found for one turn.
#[derive(Debug, Clone)]
pub struct WalletUser {
    pub account: WalletAccount,
    pub link: WalletLink,
}

pub struct WalletCapability {
    deps: WalletDeps,
}

impl WalletCapability {
    pub fn new(deps: WalletDeps) -> WalletCapability {
        WalletCapability { deps }
    }

    pub fn deps(&self) -> &WalletDeps {
        &self.deps
    }
}

#[async_trait]
impl Capability for WalletCapability {
    fn name(&self) -> &'static str {
        NAME
    }

    fn serves(&self, offered: crate::domain::Capability) -> bool {
        offered == crate::domain::Capability::Wallet
    }

    async fn identify(&self, turn: &Turn<'_>) -> StoreResult<Option<Actor>> {
        let Some(link) = self.deps.links.link(turn.contact).await? else { return Ok(None) };
        let Some(account) = self.deps.accounts.account(&link.account_id).await? else {
            tracing::warn!(account = %link.account_id, "a WhatsApp link names an unknown wallet account");
            return Ok(None);
        };
        Ok(Some(Actor {
            kind: NAME,
            id: account.id.clone(),
            locale: None,
            record: Arc::new(WalletUser { account, link }),
        }))
    }

    async fn handle(
        &self,
        turn: &Turn<'_>,
        actor: Option<&Actor>,
        answer: &mut Answer,
    ) -> Result<(), TurnFailure> {
        let state: WalletState = turn.state.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        let user = actor.and_then(|a| a.record.downcast_ref::<WalletUser>()).cloned();
        let mut conversation = WalletTurn { deps: &self.deps, turn, answer, state, user };
        let text = match &turn.message.content {
            MessageContent::Text { body } => body.clone(),
            _ => {
                conversation.reply(conversation.help());
                return Ok(());
            }
        };
        let market =
            Market { currency: turn.profile.currency, country_code: turn.profile.country_code.clone() };
        match commands::parse(&text, &market) {
            Ok(parsed) => conversation.run(parsed, &text).await,
            Err(unrecognized) => conversation.unrecognized(&text, unrecognized).await,
        }
    }
}

/// One wallet turn: the deps, the turn, its answer, the state, and the linked user if any.
pub(crate) struct WalletTurn<'t, 'a> {
    pub(crate) deps: &'t WalletDeps,
    pub(crate) turn: &'t Turn<'a>,
    pub(crate) answer: &'t mut Answer,
    pub(crate) state: WalletState,
    pub(crate) user: Option<WalletUser>,
}

impl WalletTurn<'_, '_> {
    pub(crate) fn reply(&mut self, reply: Reply) {
        let content = render(&reply, self.answer.locale());
        self.answer.reply(content);
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.deps.clock.now()
    }

    fn help(&self) -> Reply {
        if self.user.is_some() { Reply::Help } else { Reply::HelpUnlinked }
    }

    /// The audit chain of the turn: the account's, or (before linking) the one the user asked for.
    pub(crate) fn chain(&self, account_id: &str) -> String {
        format!("{NAME}:{account_id}")
    }

    /// Appends an audit record once per message and `step`.
    pub(crate) async fn audit(
        &self,
        account_id: &str,
        step: &str,
        detail: serde_json::Value,
    ) -> StoreResult<()> {
        let event =
            AuditEvent { chain: self.chain(account_id), kind: step.to_owned(), at: self.now(), detail };
        let key = format!("{}:{step}", self.turn.message.id);
        crate::audit::append_once(&*self.deps.idempotency, &*self.deps.audit, &key, event).await
    }

    pub(crate) async fn save(&self) -> StoreResult<()> {
        let json = (self.state != WalletState::default())
            .then(|| serde_json::to_string(&self.state).expect("wallet state serializes"));
        self.deps.contacts.set_state(self.turn.contact, NAME, json.as_deref()).await
    }

    /// The business number's market and time zone.
    pub(crate) fn profile(&self) -> &crate::domain::BusinessProfile {
        self.turn.profile
    }

    async fn run(&mut self, parsed: Parsed, text: &str) -> Result<(), TurnFailure> {
        self.answer.recognized(parsed.command.canonical());
        if let Some(correction) = &parsed.correction {
            // Accepted, and counted for the operator: the seed's failed-command log lists
            // exactly these (`SENDD` → SEND) so the grammar can learn.
            self.log_failed(text, correction.error_type.as_str(), Some(correction.meant.canonical())).await?;
        }
        match (parsed.command, self.user.clone()) {
            (WalletCommand::Help, _) => self.reply(self.help()),
            (WalletCommand::Lang, _) => self.answer.reply(language_picker(self.answer.locale())),
            (WalletCommand::Link { target }, None) => self.request_link(target).await?,
            (WalletCommand::Link { .. }, Some(_)) => self.reply(Reply::AlreadyLinked),
            (WalletCommand::Code(code), _) => self.code(&code).await?,
            (_, None) => self.reply(Reply::NotLinked),
            (WalletCommand::Unlink, Some(user)) => {
                self.deps.links.unbind(self.turn.contact).await?;
                self.state = WalletState::default();
                self.save().await?;
                self.audit(&user.account.id, "unlinked", serde_json::json!({})).await?;
                self.reply(Reply::Unlinked);
            }
            (WalletCommand::Balance, Some(user)) => {
                self.keep_session(&user).await?;
                let balance = self.deps.ledger.balance(&user.account.ledger_account()).await?;
                self.reply(Reply::Balance { minor: balance, currency: user.account.currency });
            }
            (WalletCommand::Statement, Some(user)) => {
                self.keep_session(&user).await?;
                let entries = self
                    .deps
                    .ledger
                    .entries(&user.account.ledger_account(), None, self.deps.settings.statement_lines)
                    .await?;
                let zone = secure::time_zone(self.profile());
                self.reply(Reply::Statement { entries, currency: user.account.currency, zone });
            }
            (WalletCommand::StatementPdf { month }, Some(user)) => {
                statement_pdf::send(self, &user, month).await?
            }
            (WalletCommand::Send { amount, payee, note }, Some(user)) => {
                secure::send(self, &user, amount, &payee, note).await?
            }
            (WalletCommand::TopUp { amount, momo_number }, Some(user)) => {
                let number = momo_number.unwrap_or_else(|| user.account.registered_phone.clone());
                secure::top_up(self, &user, amount, &number).await?
            }
            (WalletCommand::Score, Some(user)) => bnpl::show_score(self, &user).await?,
            (WalletCommand::Bnpl, Some(user)) => bnpl::show(self, &user).await?,
            (WalletCommand::BnplBuy { amount, payee }, Some(user)) => {
                bnpl::buy(self, &user, amount, &payee).await?
            }
            (WalletCommand::BnplPay, Some(user)) => bnpl::repay(self, &user).await?,
            (WalletCommand::Yes, Some(user)) => secure::confirm(self, &user).await?,
            // ---- susu and points ----
            (WalletCommand::Susu(command), Some(user)) => match command {
                commands::SusuCommand::Show => susu::show(self, &user).await?,
                commands::SusuCommand::Join { code } => susu::join(self, &user, &code).await?,
                commands::SusuCommand::Pay { code } => susu::pay(self, &user, code).await?,
            },
            (WalletCommand::Points(command), Some(user)) => match command {
                commands::PointsCommand::Show => points::show(self, &user).await?,
                commands::PointsCommand::Redeem { points } => points::redeem(self, &user, points).await?,
            },
            (WalletCommand::No, Some(user)) => secure::cancel(self, &user).await?,
        }
        Ok(())
    }

    async fn unrecognized(&mut self, text: &str, unrecognized: Unrecognized) -> Result<(), TurnFailure> {
        self.answer.unrecognized();
        let suggestion = unrecognized.suggestion().map(commands::Keyword::canonical);
        self.log_failed(text, unrecognized.kind(), suggestion).await?;
        let linked = self.user.is_some();
        self.reply(Reply::Unrecognized { unrecognized, linked });
        Ok(())
    }

    /// One line of the operator's failed-command log, counted once per message.
    async fn log_failed(&self, text: &str, kind: &str, suggestion: Option<&str>) -> StoreResult<()> {
        let (idempotency, log) = (&*self.deps.idempotency, &*self.deps.failed_commands);
        crate::failed_commands::record_once(
            idempotency,
            log,
            &self.turn.message.business_number_id,
            &self.turn.message.id,
            (text, kind, suggestion),
            self.now(),
        )
        .await
    }

    /// A message within the idle time keeps the session alive; a stale one does not (only a
    /// code renews it), so an idle phone cannot move money without the SMS.
    pub(crate) async fn keep_session(&self, user: &WalletUser) -> StoreResult<()> {
        if self.session_fresh(user) {
            self.deps.links.touch(self.turn.contact, self.now()).await?;
        }
        Ok(())
    }

    pub(crate) fn session_fresh(&self, user: &WalletUser) -> bool {
        self.now() - user.link.last_active <= self.deps.settings.session_idle
    }

    /// `LINK` / `LINK <phone or id>`: a code by SMS to the account's registered phone. The
    /// answer is the same whether an account was found or not: nothing about an account is
    /// shown before the binding.
    async fn request_link(&mut self, target: Option<String>) -> Result<(), TurnFailure> {
        let now = self.now();
        let window = now - Duration::seconds(now.timestamp() % 3600);
        let requests = self.deps.links.count_code_request(self.turn.contact, window).await?;
        if requests > self.deps.settings.code_requests_per_hour {
            self.reply(Reply::CodeRateLimited);
            return Ok(());
        }
        let account = self.find_account(target.as_deref()).await?;
        let minutes = self.deps.settings.code_ttl.num_minutes().max(1);
        let Some(account) = account else {
            tracing::info!(message = %self.turn.message.id, "LINK for no known account");
            self.reply(Reply::LinkCodeSent { minutes });
            return Ok(());
        };
        self.send_code(&account, CodePurpose::Link, None).await?;
        self.audit(
            &account.id,
            "link_requested",
            serde_json::json!({"contact": self.turn.contact.business_number_id}),
        )
        .await?;
        self.reply(Reply::LinkCodeSent { minutes });
        Ok(())
    }

    async fn find_account(&self, target: Option<&str>) -> StoreResult<Option<WalletAccount>> {
        let profile = self.profile();
        match target {
            None => match self.turn.phone {
                Some(phone) => self.deps.accounts.account_by_phone(phone).await,
                None => Ok(None),
            },
            Some(written) => match Phone::parse_in_market(written, &profile.country_code) {
                Ok(phone) if written.bytes().filter(u8::is_ascii_digit).count() >= 9 => {
                    self.deps.accounts.account_by_phone(&phone).await
                }
                _ => self.deps.accounts.account(written.trim()).await,
            },
        }
    }

    /// Makes a code, stores its hash (replacing any live one of the account), sends it by SMS
    /// to the account's registered phone, and waits for it in this conversation. A message
    /// retried after the SMS went sends a new code: the old one is replaced, never both live.
    pub(crate) async fn send_code(
        &mut self,
        account: &WalletAccount,
        purpose: CodePurpose,
        resume: Option<Intent>,
    ) -> Result<(), TurnFailure> {
        let now = self.now();
        let code = codes::generate();
        let pending = PendingCode {
            account_id: account.id.clone(),
            contact: self.turn.contact.clone(),
            purpose,
            code_hash: codes::hash(self.deps.otp_key.expose().as_bytes(), &account.id, &code),
            expires_at: now + self.deps.settings.code_ttl,
            attempts_left: self.deps.settings.code_attempts,
            created_at: now,
        };
        self.deps.links.put_code(&pending).await?;
        let text = replies::sms_text(
            &code,
            purpose,
            self.deps.settings.code_ttl.num_minutes().max(1),
            self.answer.locale(),
        );
        if let Err(err) = self.deps.sms.send_sms(&account.registered_phone, &text).await {
            tracing::warn!(account = %account.id, error = %err, "one-time code not sent");
            return Err(TurnFailure::Store(StoreError::unavailable("sms", err.to_string())));
        }
        self.state.awaiting_code = Some(AwaitingCode { account_id: account.id.clone(), purpose, resume });
        self.save().await?;
        Ok(())
    }

    /// A 6-digit code typed: checked against the live code of the account it was sent for.
    async fn code(&mut self, code: &str) -> Result<(), TurnFailure> {
        let Some(awaiting) = self.state.awaiting_code.clone() else {
            self.reply(Reply::NoCodeWaiting);
            return Ok(());
        };
        let now = self.now();
        let hash = codes::hash(self.deps.otp_key.expose().as_bytes(), &awaiting.account_id, code);
        let check = self.deps.links.check_code(&awaiting.account_id, self.turn.contact, &hash, now).await?;
        let step = match awaiting.purpose {
            CodePurpose::Link => "link_code",
            CodePurpose::Session => "session_code",
        };
        match check {
            CodeCheck::Accepted(_) => {
                self.state.awaiting_code = None;
                self.audit(&awaiting.account_id, step, serde_json::json!({"result": "accepted"})).await?;
                match awaiting.purpose {
                    CodePurpose::Link => self.bind(&awaiting.account_id).await?,
                    CodePurpose::Session => {
                        self.deps.links.touch(self.turn.contact, now).await?;
                        self.save().await?;
                        match (awaiting.resume, self.user.clone()) {
                            (Some(intent), Some(mut user)) => {
                                user.link.last_active = now;
                                secure::resume(self, &user, intent).await?;
                            }
                            _ => self.reply(Reply::SessionRenewed),
                        }
                    }
                }
            }
            CodeCheck::Wrong { attempts_left } => {
                self.audit(
                    &awaiting.account_id,
                    step,
                    serde_json::json!({"result": "wrong", "attempts_left": attempts_left}),
                )
                .await?;
                if attempts_left == 0 {
                    self.state.awaiting_code = None;
                    self.save().await?;
                    self.reply(Reply::CodeSpent);
                } else {
                    self.reply(Reply::CodeWrong { attempts_left });
                }
            }
            CodeCheck::Expired => {
                self.state.awaiting_code = None;
                self.save().await?;
                self.audit(&awaiting.account_id, step, serde_json::json!({"result": "expired"})).await?;
                self.reply(Reply::CodeExpired);
            }
            CodeCheck::NoCode => {
                self.state.awaiting_code = None;
                self.save().await?;
                self.audit(&awaiting.account_id, step, serde_json::json!({"result": "no_code"})).await?;
                self.reply(Reply::CodeSpent);
            }
        }
        Ok(())
    }

    async fn bind(&mut self, account_id: &str) -> Result<(), TurnFailure> {
        let Some(account) = self.deps.accounts.account(account_id).await? else {
            self.save().await?;
            self.reply(Reply::CodeSpent);
            return Ok(());
        };
        self.deps.links.bind(self.turn.contact, account_id, self.now()).await?;
        self.save().await?;
        self.audit(
            account_id,
            "linked",
            serde_json::json!({"business_number": self.turn.contact.business_number_id}),
        )
        .await?;
        let frozen = account.status == AccountStatus::Frozen;
        self.reply(Reply::Linked { first_name: first_name(&account.name), frozen });
        Ok(())
    }
}

fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or_default().to_owned()
}
