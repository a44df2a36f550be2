//! Handing a question to a person: tickets, the operator chats, and the relay between
//! them.
//!
//! A hand-over opens a ticket and posts it to every operator chat (who asked, the
//! question, why, the bot's best passages with their confidence). An operator answers
//! by *replying* to a ticket message; the bot relays the reply to the person and marks
//! the ticket answered. While a ticket is open, the person's messages go to the
//! operators instead of the search, until `/close` (by either side) or the timeout.
//! Which operator message belongs to which ticket is kept in the store, so all of this
//! survives a restart.

use std::sync::Arc;

use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{Message, ParseMode, User};

use super::handlers::{Target, send, send_parts};
use super::telegram;
use super::token::redact;
use super::{Ctx, TgBot};
use crate::handoff::{Decision, Reason};
use crate::search::Answer;
use crate::store::{Active, NewTicket, Ticket, now};

const NOT_A_TICKET: &str = "That message isn't a ticket, so your reply was not sent to anyone. Reply to a 🎫 ticket message to answer someone; /tickets lists the open ones.";
const NOTHING_TO_CLOSE: &str = "You have no open conversation with a person.";
const OPERATORS_ONLY: &str = "That command is for operators.";
const CLOSE_HOW: &str = "Which ticket? Reply /close to a ticket message, or send /close and its number, e.g. /close 12.";

/// The person behind a message or a button press.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: u64,
    pub name: String,
    pub username: Option<String>,
}

impl Person {
    pub fn from_user(u: &User) -> Person {
        Person {
            id: u.id.0,
            name: u.full_name(),
            username: u.username.clone(),
        }
    }

    /// For messages without a sender (channels): the chat stands for the person.
    pub fn from_message(msg: &Message) -> Person {
        match msg.from.as_ref() {
            Some(u) => Person::from_user(u),
            None => Person {
                id: msg.chat.id.0.unsigned_abs(),
                name: msg.chat.title().unwrap_or("someone").to_owned(),
                username: msg.chat.username().map(str::to_owned),
            },
        }
    }

    /// "Ada Lovelace (@ada)", escaped.
    pub fn label_html(&self) -> String {
        match &self.username {
            Some(u) => format!(
                "{} (@{})",
                telegram::escape(&self.name),
                telegram::escape(u)
            ),
            None => telegram::escape(&self.name),
        }
    }
}

impl Ctx {
    pub(crate) fn is_operator(&self, chat: ChatId) -> bool {
        self.operators.contains(&chat)
    }

    fn timeout_secs(&self) -> i64 {
        i64::try_from(self.settings.ticket_timeout.as_secs()).unwrap_or(i64::MAX)
    }
}

/// The person's open ticket in this chat, if their messages should go to a person.
/// A ticket idle past the timeout is closed here, and the person told so.
pub async fn active(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    target: Target,
    person: &Person,
) -> anyhow::Result<Option<Ticket>> {
    if ctx.operators.is_empty() {
        return Ok(None);
    }
    let key = ctx.store.person_key(person.id);
    match ctx
        .store
        .active_ticket(&key, target.chat.0, now(), ctx.timeout_secs())?
    {
        Active::None => Ok(None),
        Active::Open(t) => Ok(Some(t)),
        Active::TimedOut(t) => {
            tracing::info!(ticket = t.id, "ticket timed out");
            let text = format!(
                "Your conversation with a person (ticket #{}) ended after {} without news. I'm answering your questions myself again; /human asks for a person.",
                t.id,
                humantime::format_duration(ctx.settings.ticket_timeout)
            );
            send(bot, target, telegram::escape(&text), None).await?;
            Ok(None)
        }
    }
}

/// Hands `question` to a person: opens a ticket and posts it to the operator chats, or,
/// with none configured, records it and says no person is available now.
#[allow(clippy::too_many_arguments)] // one hand-over has this many facts
pub async fn hand_over(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    target: Target,
    person: &Person,
    question: &str,
    answer: &Answer,
    decision: &Decision,
    log_id: Option<i64>,
) -> anyhow::Result<()> {
    if let Some(t) = active(bot, ctx, target, person).await? {
        let text = format!(
            "You're already talking with a person (ticket #{}). Just write here and I'll pass it on; /close ends the conversation.",
            t.id
        );
        send(bot, target, telegram::escape(&text), None).await?;
        return Ok(());
    }
    let key = ctx.store.person_key(person.id);
    let no_operator = ctx.operators.is_empty();
    let ticket = ctx.store.open_ticket(&NewTicket {
        person: &key,
        chat_id: target.chat.0,
        question,
        reasons: &decision.codes(),
        from: log_id,
        no_operator,
        at: now(),
    })?;
    tracing::info!(
        ticket = ticket.id,
        reasons = %decision.codes(),
        no_operator,
        "handing a question over to a person"
    );
    if no_operator {
        let html = format!(
            "{}\n\nNo person is available right now, I'm sorry. I've noted your question (#{}) so the team can look at it.",
            telegram::escape(&decision.sentence()),
            ticket.id
        );
        send(bot, target, html, None).await?;
        return Ok(());
    }
    let blocks = telegram::ticket_blocks(
        ticket.id,
        &person.label_html(),
        question,
        &decision.sentence(),
        answer,
    );
    let parts = telegram::split(&blocks, telegram::MESSAGE_LIMIT);
    let reached = post_to_operators(bot, ctx, ticket.id, &parts, "post a ticket").await;
    if reached == 0 {
        ctx.store
            .close_ticket(ticket.id, "operators unreachable", now())?;
        let html = format!(
            "{}\n\nI couldn't reach a person just now, I'm sorry. I've noted your question (#{}); please try /human again later.",
            telegram::escape(&decision.sentence()),
            ticket.id
        );
        send(bot, target, html, None).await?;
        return Ok(());
    }
    let because = if decision.requested() {
        String::new()
    } else {
        format!(", because {}", decision.because())
    };
    let text = format!(
        "I've passed your question to a person (ticket #{}){because}. They'll reply here. Until then, whatever you write goes to them too; /close ends the conversation.",
        ticket.id
    );
    send(bot, target, telegram::escape(&text), None).await?;
    Ok(())
}

/// Posts `parts` to one operator chat and links every message to the ticket.
/// Posts `parts` of ticket `ticket` to every operator chat; returns how many
/// chats got them. A chat that fails is logged (`what` names the attempt).
async fn post_to_operators(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    ticket: i64,
    parts: &[String],
    what: &str,
) -> usize {
    let mut reached = 0;
    for &op in &ctx.operators {
        match post(bot, ctx, op, ticket, parts).await {
            Ok(()) => reached += 1,
            Err(err) => tracing::error!(
                ticket,
                operator_chat = op.0,
                "could not {what} to an operator chat: {err:#}"
            ),
        }
    }
    reached
}

async fn post(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    chat: ChatId,
    ticket: i64,
    parts: &[String],
) -> anyhow::Result<()> {
    for part in parts {
        let sent = send(
            bot,
            Target {
                chat,
                reply_to: None,
            },
            part.clone(),
            None,
        )
        .await?;
        ctx.store
            .link_message(chat.0, i64::from(sent.id.0), ticket)?;
    }
    Ok(())
}

/// A person's message while their ticket is open: to the operators.
pub async fn follow_up(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    target: Target,
    person: &Person,
    ticket: &Ticket,
    text: &str,
) -> anyhow::Result<()> {
    ctx.store.touch(ticket.id, now())?;
    let html = format!(
        "🎫 <b>#{}</b> · {} writes:\n\n{}",
        ticket.id,
        person.label_html(),
        telegram::escape(text)
    );
    let parts = telegram::split(&[html], telegram::MESSAGE_LIMIT);
    let reached = post_to_operators(bot, ctx, ticket.id, &parts, "relay a follow-up").await;
    let ack = if reached > 0 {
        format!("✉️ Passed on to the person (ticket #{}).", ticket.id)
    } else {
        "I couldn't pass that on just now, I'm sorry. Please try again in a moment.".to_owned()
    };
    send(bot, target, telegram::escape(&ack), None).await?;
    Ok(())
}

/// An operator replied to one of the bot's messages in an operator chat.
pub async fn operator_reply(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    msg: &Message,
    replied: &Message,
) -> anyhow::Result<()> {
    let here = Target {
        chat: msg.chat.id,
        reply_to: Some(msg.id),
    };
    let Some(text) = msg.text().map(str::trim).filter(|t| !t.is_empty()) else {
        let note = "I can only pass on text replies. Please type your answer.";
        send(bot, here, telegram::escape(note), None).await?;
        return Ok(());
    };
    let ticket = ctx
        .store
        .ticket_for_message(msg.chat.id.0, i64::from(replied.id.0))?;
    let Some(ticket) = ticket else {
        send(bot, here, telegram::escape(NOT_A_TICKET), None).await?;
        return Ok(());
    };
    let Some(chat) = ticket.chat_id.filter(|_| !ticket.is_closed()) else {
        let note = format!(
            "Ticket #{} is closed, so your reply was not sent. If the person writes again, a new ticket opens.",
            ticket.id
        );
        send(bot, here, telegram::escape(&note), None).await?;
        return Ok(());
    };
    let html = format!(
        "💬 <b>A person replies</b> (ticket #{}):\n\n{}",
        ticket.id,
        telegram::escape(text)
    );
    let parts = telegram::split(&[html], telegram::MESSAGE_LIMIT);
    let to_person = Target {
        chat: ChatId(chat),
        reply_to: None,
    };
    let mut error = None;
    for part in parts {
        if let Err(err) = send_raw(bot, to_person, part).await {
            error = Some(err);
            break;
        }
    }
    match error {
        None => {
            ctx.store.record_reply(ticket.id, None, now())?;
            let note = format!("✓ Sent to the person (ticket #{}).", ticket.id);
            send(bot, here, telegram::escape(&note), None).await?;
        }
        Some(err) => {
            let why = undeliverable_reason(&err);
            tracing::warn!(
                ticket = ticket.id,
                "could not relay an operator reply: {}",
                redact(&err.to_string())
            );
            ctx.store.record_reply(ticket.id, Some(why), now())?;
            let note = format!(
                "Could not deliver your reply to ticket #{}: {why}. The ticket notes it; /close {} when you're done.",
                ticket.id, ticket.id
            );
            send(bot, here, telegram::escape(&note), None).await?;
        }
    }
    Ok(())
}

/// Sends one HTML message and keeps Telegram's error (to tell a block from a failure).
async fn send_raw(bot: &TgBot, target: Target, html: String) -> Result<Message, RequestError> {
    bot.send_message(target.chat, html)
        .parse_mode(ParseMode::Html)
        .await
}

fn undeliverable_reason(err: &RequestError) -> &'static str {
    match err {
        RequestError::Api(
            ApiError::BotBlocked | ApiError::UserDeactivated | ApiError::BotKicked,
        ) => "the person has blocked the bot or left",
        RequestError::Api(ApiError::ChatNotFound) => "the chat no longer exists",
        RequestError::Api(ApiError::Unknown(d)) if d.contains("blocked") => {
            "the person has blocked the bot or left"
        }
        _ => "Telegram refused to deliver it",
    }
}

/// `/human [question]` and the "Ask a person" button.
pub async fn human(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    target: Target,
    person: &Person,
    question: Option<String>,
    log_id: Option<i64>,
) -> anyhow::Result<()> {
    let question = question
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
        .or_else(|| ctx.recent.last(target.chat.0).map(|e| e.question));
    let (question, answer) = match question {
        Some(q) => {
            let answer = super::search(ctx, q.clone(), 0, ctx.settings.passages).await?;
            (q, answer)
        }
        None => (
            "(asked for a person before asking a question)".to_owned(),
            Answer {
                question: String::new(),
                confident: false,
                passages: Vec::new(),
                confidence: crate::confidence::Confidence::NONE,
                terms: Vec::new(),
                truncated: false,
                more: false,
                author: None,
            },
        ),
    };
    let mut decision = crate::handoff::decide(&question, &answer);
    // The person asked: that is the reason that matters; the rest is context.
    decision
        .reasons
        .retain(|r| !matches!(r, Reason::AskedForPerson(_) | Reason::NotCovered { .. }));
    decision.reasons.insert(0, Reason::AskedForPerson(None));
    hand_over(
        bot, ctx, target, person, &question, &answer, &decision, log_id,
    )
    .await
}

/// `/close [N]`: operators close ticket N (or the one they reply to); a person closes
/// their own open conversation.
pub async fn close(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    target: Target,
    person: &Person,
    msg: &Message,
    arg: &str,
) -> anyhow::Result<()> {
    if ctx.is_operator(target.chat) {
        let replied = msg.reply_to_message().map(|m| i64::from(m.id.0));
        let ticket = match arg.trim().trim_start_matches('#').parse::<i64>() {
            Ok(id) => ctx.store.ticket(id)?,
            Err(_) => match replied {
                Some(m) => ctx.store.ticket_for_message(target.chat.0, m)?,
                None => {
                    send(bot, target, telegram::escape(CLOSE_HOW), None).await?;
                    return Ok(());
                }
            },
        };
        let Some(ticket) = ticket else {
            let note = "There is no such ticket. /tickets lists the open ones.";
            send(bot, target, telegram::escape(note), None).await?;
            return Ok(());
        };
        if !ctx.store.close_ticket(ticket.id, "operator", now())? {
            let note = format!("Ticket #{} was already closed.", ticket.id);
            send(bot, target, telegram::escape(&note), None).await?;
            return Ok(());
        }
        tracing::info!(ticket = ticket.id, "ticket closed by an operator");
        if let Some(chat) = ticket.chat_id {
            let text = format!(
                "The person has closed this conversation (ticket #{}). I'm answering your questions myself again.",
                ticket.id
            );
            let to = Target {
                chat: ChatId(chat),
                reply_to: None,
            };
            if let Err(err) = send(bot, to, telegram::escape(&text), None).await {
                tracing::warn!(ticket = ticket.id, "could not tell the person: {err:#}");
            }
        }
        let note = format!("Ticket #{} closed.", ticket.id);
        send(bot, target, telegram::escape(&note), None).await?;
        return Ok(());
    }
    let Some(ticket) = active(bot, ctx, target, person).await? else {
        send(bot, target, telegram::escape(NOTHING_TO_CLOSE), None).await?;
        return Ok(());
    };
    ctx.store.close_ticket(ticket.id, "person", now())?;
    tracing::info!(ticket = ticket.id, "ticket closed by the person");
    let note = format!(
        "🎫 <b>#{}</b> · {} closed the conversation.",
        ticket.id,
        person.label_html()
    );
    tell_operators(bot, ctx, &note).await;
    let text = format!(
        "Closed (ticket #{}). I'm answering your questions myself again.",
        ticket.id
    );
    send(bot, target, telegram::escape(&text), None).await?;
    Ok(())
}

/// `/tickets`: the open tickets, for operators.
pub async fn list(bot: &TgBot, ctx: &Arc<Ctx>, target: Target) -> anyhow::Result<()> {
    if !ctx.is_operator(target.chat) {
        send(bot, target, telegram::escape(OPERATORS_ONLY), None).await?;
        return Ok(());
    }
    let now = now();
    let mut open = Vec::new();
    for t in ctx.store.open_tickets()? {
        if now - t.updated_at >= ctx.timeout_secs() {
            ctx.store.close_ticket(t.id, "timeout", now)?;
        } else {
            open.push(t);
        }
    }
    let html = if open.is_empty() {
        "No open tickets.".to_owned()
    } else {
        let mut out = format!("<b>Open tickets</b> ({})", open.len());
        for t in &open {
            let age = std::time::Duration::from_secs((now - t.opened_at).max(0) as u64 / 60 * 60);
            let state = match (&t.delivery_error, t.status) {
                (Some(e), _) => format!("not delivered: {e}"),
                (None, crate::store::Status::Answered) => "answered".to_owned(),
                _ => "waiting for a reply".to_owned(),
            };
            out.push_str(&format!(
                "\n• <b>#{}</b> · {} ago · {} · <i>{}</i>",
                t.id,
                if age.as_secs() == 0 {
                    "just now".to_owned()
                } else {
                    humantime::format_duration(age).to_string()
                },
                telegram::escape(&state),
                telegram::escape(&telegram::shorten(&t.question, 80))
            ));
        }
        out.push_str("\n\nReply to a ticket's message to answer; /close N closes ticket N.");
        out
    };
    let parts = telegram::split(&[html], telegram::MESSAGE_LIMIT);
    send_parts(bot, target, parts, None).await
}

/// `/forget`: erases the person's questions and tickets.
pub async fn forget(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    target: Target,
    person: &Person,
) -> anyhow::Result<()> {
    let gone = ctx.store.forget(person.id)?;
    tracing::info!(
        questions = gone.questions,
        tickets = gone.tickets,
        "erased a person's data on request"
    );
    for id in &gone.open_tickets {
        let note = format!(
            "🎫 <b>#{id}</b> was erased at the person's request (/forget); replies to it go nowhere now."
        );
        tell_operators(bot, ctx, &note).await;
    }
    let text = format!(
        "Done: I've erased what I stored about you — {} question{} and {} ticket{}.",
        gone.questions,
        if gone.questions == 1 { "" } else { "s" },
        gone.tickets,
        if gone.tickets == 1 { "" } else { "s" },
    );
    send(bot, target, telegram::escape(&text), None).await?;
    Ok(())
}

/// Sends `html` to every operator chat; a chat that cannot be reached is logged.
pub(super) async fn tell_operators(bot: &TgBot, ctx: &Arc<Ctx>, html: &str) {
    for &op in &ctx.operators {
        let to = Target {
            chat: op,
            reply_to: None,
        };
        if let Err(err) = send(bot, to, html.to_owned(), None).await {
            tracing::warn!(
                operator_chat = op.0,
                "could not notify an operator chat: {err:#}"
            );
        }
    }
}
