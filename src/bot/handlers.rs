//! Thin handlers: route an update, ask the engine, send the formatted reply.
//!
//! Every handler turns its own failures into a friendly apology to the person and a
//! detailed (token-free) log line; nothing internal reaches a Telegram user.

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, ChatAction, InlineKeyboardButton, InlineKeyboardMarkup, Me, Message, MessageId,
    ParseMode, ReplyParameters,
};
use teloxide::utils::command::BotCommands;

use super::commands::BotCommand;
use super::ratelimit::Verdict;
use super::routing::{self, Request};
use super::telegram;
use super::token::redact;
use super::{Ctx, HandlerResult, TgBot};
use crate::answer;
use crate::config::MAX_QUESTION_CHARS;
use crate::search::Answer;

const APOLOGY: &str = "Sorry, something went wrong on my side. Please try again in a moment.";
const NOT_TEXT: &str = "I can only read text questions. Please type your question.";
const UNKNOWN_COMMAND: &str = "I don't know that command. /help lists the ones I know.";
const RATE_NOTICE: &str =
    "You're asking faster than I can keep up with. I'll take new questions again in a minute.";
const TOO_OLD: &str = "I no longer remember that answer. Please ask the question again.";
const NO_ANSWER_YET: &str = "Ask me a question first.";
const NOTHING_MORE: &str = "That's all I have on this question.";
const NOTHING_TO_CONTINUE: &str = "I had no answer to continue for that question. Try asking it differently, or see /start for examples.";

/// Callback data of the buttons (always far under Telegram's 64-byte limit).
const MORE: &str = "more:";
const WHY: &str = "why:";

/// Where a reply goes: the chat, and in groups the message it answers.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    pub chat: ChatId,
    pub reply_to: Option<MessageId>,
}

/// Messages and edited messages.
pub async fn on_message(bot: TgBot, msg: Message, me: Me, ctx: Arc<Ctx>) -> HandlerResult {
    let request = routing::route(&msg, &me);
    if request == Request::Ignore {
        return Ok(());
    }
    let target = Target {
        chat: msg.chat.id,
        reply_to: (!msg.chat.is_private()).then_some(msg.id),
    };
    let person = msg.from.as_ref().map_or(msg.chat.id.0 as u64, |u| u.id.0);
    if !admitted(&bot, &ctx, person, target).await {
        return Ok(());
    }
    if let Err(err) = handle(&bot, &me, &ctx, target, request).await {
        tracing::error!(
            chat = target.chat.0,
            "could not answer a message: {}",
            redact(&format!("{err:#}"))
        );
        apologise(&bot, target).await;
    }
    Ok(())
}

/// Button presses: "More" and "Why this?".
pub async fn on_callback(bot: TgBot, q: CallbackQuery, ctx: Arc<Ctx>) -> HandlerResult {
    // Answer at once, so the person's button stops spinning whatever happens next.
    if let Err(err) = bot.answer_callback_query(q.id.clone()).await {
        tracing::warn!(
            "could not answer a callback query: {}",
            redact(&err.to_string())
        );
    }
    let Some(chat) = q.message.as_ref().map(|m| m.chat().id) else {
        return Ok(());
    };
    let target = Target {
        chat,
        reply_to: None,
    };
    if !admitted(&bot, &ctx, q.from.id.0, target).await {
        return Ok(());
    }
    let data = q.data.as_deref().unwrap_or_default();
    let result = if let Some(id) = data.strip_prefix(MORE).and_then(|s| s.parse().ok()) {
        more(&bot, &ctx, target, id).await
    } else if let Some(id) = data.strip_prefix(WHY).and_then(|s| s.parse().ok()) {
        why(&bot, &ctx, target, Some(id)).await
    } else {
        tracing::debug!(data, "ignoring an unknown button");
        Ok(())
    };
    if let Err(err) = result {
        tracing::error!(
            chat = chat.0,
            "could not handle a button: {}",
            redact(&format!("{err:#}"))
        );
        apologise(&bot, target).await;
    }
    Ok(())
}

/// Applies the per-person limit; sends the one notice when it is first exceeded.
pub async fn admitted(bot: &TgBot, ctx: &Ctx, person: u64, target: Target) -> bool {
    match ctx.limiter.check(person, Instant::now()) {
        Verdict::Allow => true,
        Verdict::Notice => {
            tracing::info!(person, "rate limit reached; sending one notice");
            if let Err(err) = send(bot, target, RATE_NOTICE.to_owned(), None).await {
                tracing::warn!(
                    "could not send the rate-limit notice: {}",
                    redact(&err.to_string())
                );
            }
            false
        }
        Verdict::Quiet => {
            tracing::debug!(person, "rate limited; staying quiet");
            false
        }
    }
}

async fn handle(
    bot: &TgBot,
    me: &Me,
    ctx: &Arc<Ctx>,
    target: Target,
    request: Request,
) -> anyhow::Result<()> {
    let engine = ctx.engine.current();
    let summary = engine.summary();
    match request {
        Request::Question(q) => return ask(bot, ctx, target, q).await,
        Request::Command(BotCommand::Start) => {
            send(
                bot,
                target,
                telegram::greeting(summary, &ctx.examples),
                None,
            )
            .await?;
        }
        Request::Command(BotCommand::Help) => {
            let help = telegram::escape(&BotCommand::descriptions().to_string());
            send(bot, target, help, None).await?;
        }
        Request::Command(BotCommand::About) => {
            send(bot, target, telegram::about(summary), None).await?;
        }
        Request::Command(BotCommand::Why) => return why(bot, ctx, target, None).await,
        Request::Command(BotCommand::More) => match ctx.recent.last(target.chat.0) {
            Some(entry) => return more(bot, ctx, target, entry.id).await,
            None => {
                send(bot, target, telegram::escape(NO_ANSWER_YET), None).await?;
            }
        },
        Request::Command(BotCommand::Ask(q)) => return ask(bot, ctx, target, q).await,
        Request::UnknownCommand => {
            send(bot, target, telegram::escape(UNKNOWN_COMMAND), None).await?;
        }
        Request::NotText => {
            send(bot, target, telegram::escape(NOT_TEXT), None).await?;
        }
        Request::Empty => {
            let example = ctx
                .examples
                .first()
                .map(String::as_str)
                .unwrap_or("What is this about?");
            let text = format!(
                "Ask me something after the mention, for example: @{} {}",
                me.username(),
                example
            );
            send(bot, target, telegram::escape(&text), None).await?;
        }
        Request::Ignore => {}
    }
    Ok(())
}

/// Answers a question: the best passages, or the honest "not covered" reply.
async fn ask(bot: &TgBot, ctx: &Arc<Ctx>, target: Target, question: String) -> anyhow::Result<()> {
    if let Err(err) = bot.send_chat_action(target.chat, ChatAction::Typing).await {
        tracing::debug!(
            "could not send the typing action: {}",
            redact(&err.to_string())
        );
    }
    let top = ctx.settings.passages;
    let answer = super::search(ctx, question, 0, top).await?;
    tracing::info!(
        chat = target.chat.0,
        confident = answer.confident,
        passages = answer.passages.len(),
        coverage = answer.confidence.coverage,
        "answered a question"
    );
    if answer.confident && !answer.passages.is_empty() {
        let blocks = telegram::answer_blocks(&answer, 1, MAX_QUESTION_CHARS);
        let shown = answer.passages.len();
        let has_more = answer.more;
        let id = ctx.recent.insert(target.chat.0, answer, shown);
        let parts = telegram::split(&blocks, telegram::MESSAGE_LIMIT);
        send_parts(bot, target, parts, Some(keyboard(id, has_more))).await
    } else {
        let html = telegram::not_covered(&answer, ctx.engine.current().summary(), &ctx.examples);
        let id = ctx.recent.insert(target.chat.0, answer, 0);
        send(bot, target, html, Some(keyboard(id, false)))
            .await
            .map(|_| ())
    }
}

/// The next passages of answer `id`.
async fn more(bot: &TgBot, ctx: &Arc<Ctx>, target: Target, id: u64) -> anyhow::Result<()> {
    let Some(entry) = ctx.recent.get(target.chat.0, id) else {
        send(bot, target, telegram::escape(TOO_OLD), None).await?;
        return Ok(());
    };
    if !entry.answer.confident {
        send(bot, target, telegram::escape(NOTHING_TO_CONTINUE), None).await?;
        return Ok(());
    }
    let top = ctx.settings.passages;
    let Some(skip) = ctx.recent.advance(target.chat.0, id, top) else {
        send(bot, target, telegram::escape(TOO_OLD), None).await?;
        return Ok(());
    };
    let mut answer = super::search(ctx, entry.question.clone(), skip, top).await?;
    if answer.passages.is_empty() {
        send(bot, target, telegram::escape(NOTHING_MORE), None).await?;
        return Ok(());
    }
    answer.truncated = false; // already said with the first passages
    let blocks = telegram::answer_blocks(&answer, skip + 1, MAX_QUESTION_CHARS);
    let parts = telegram::split(&blocks, telegram::MESSAGE_LIMIT);
    send_parts(bot, target, parts, Some(keyboard(id, answer.more))).await
}

/// Explains answer `id` (or the chat's last answer).
async fn why(bot: &TgBot, ctx: &Arc<Ctx>, target: Target, id: Option<u64>) -> anyhow::Result<()> {
    let entry = match id {
        Some(id) => ctx.recent.get(target.chat.0, id),
        None => ctx.recent.last(target.chat.0),
    };
    let html = match entry {
        Some(entry) => telegram::why(&entry.question, &answer::explain(&entry.answer)),
        None if id.is_some() => telegram::escape(TOO_OLD),
        None => telegram::escape(&format!("{NO_ANSWER_YET} Then /why explains my answer.")),
    };
    let parts = telegram::split(&[html], telegram::MESSAGE_LIMIT);
    send_parts(bot, target, parts, None).await
}

/// "More" (when there are more passages) and "Why this?" under an answer.
/// A future "Ask a person" button goes in its own row below these.
fn keyboard(id: u64, more: bool) -> InlineKeyboardMarkup {
    let mut row = Vec::new();
    if more {
        row.push(InlineKeyboardButton::callback(
            "More",
            format!("{MORE}{id}"),
        ));
    }
    row.push(InlineKeyboardButton::callback(
        "Why this?",
        format!("{WHY}{id}"),
    ));
    InlineKeyboardMarkup::new(vec![row])
}

/// Sends `parts` in order, the keyboard on the last one only.
async fn send_parts(
    bot: &TgBot,
    target: Target,
    parts: Vec<String>,
    keyboard: Option<InlineKeyboardMarkup>,
) -> anyhow::Result<()> {
    let last = parts.len().saturating_sub(1);
    let mut keyboard = keyboard;
    for (i, part) in parts.into_iter().enumerate() {
        let kb = if i == last { keyboard.take() } else { None };
        send(bot, target, part, kb).await?;
    }
    Ok(())
}

/// Sends one HTML message (as a reply in groups).
async fn send(
    bot: &TgBot,
    target: Target,
    html: String,
    keyboard: Option<InlineKeyboardMarkup>,
) -> anyhow::Result<Message> {
    let mut req = bot
        .send_message(target.chat, html)
        .parse_mode(ParseMode::Html);
    if let Some(id) = target.reply_to {
        req = req.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
    }
    if let Some(kb) = keyboard {
        req = req.reply_markup(kb);
    }
    req.await
        .map_err(|e| anyhow::anyhow!("sending a message: {}", redact(&e.to_string())))
}

async fn apologise(bot: &TgBot, target: Target) {
    if let Err(err) = send(bot, target, telegram::escape(APOLOGY), None).await {
        tracing::warn!("could not even apologise: {err:#}");
    }
}

/// For the inline handler: the same search, formatted as one message per passage.
pub fn passage_message(answer: &Answer, index: usize) -> Option<String> {
    let hit = answer.passages.get(index)?;
    let html = format!(
        "<i>{}</i>\n\n{}",
        telegram::escape(&telegram::shorten(&answer.question, 200)),
        telegram::passage_block(hit)
    );
    telegram::split(&[html], telegram::MESSAGE_LIMIT)
        .into_iter()
        .next()
}
