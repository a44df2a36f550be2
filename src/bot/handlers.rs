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
use super::reload;
use super::routing::{self, Request};
use super::telegram;
use super::tickets::{self, Person};
use super::token::redact;
use super::{Ctx, HandlerResult, TgBot};
use crate::answer;
use crate::config::MAX_QUESTION_CHARS;
use crate::handoff;
use crate::search::Answer;
use crate::store::{self, NewQuestion, ShownPassage};

const APOLOGY: &str = "Sorry, something went wrong on my side. Please try again in a moment.";
const NOT_TEXT: &str = "I can only read text questions. Please type your question.";
const UNKNOWN_COMMAND: &str = "I don't know that command. /help lists the ones I know.";
const RATE_NOTICE: &str =
    "You're asking faster than I can keep up with. I'll take new questions again in a minute.";
const TOO_OLD: &str = "I no longer remember that answer. Please ask the question again.";
const NO_ANSWER_YET: &str = "Ask me a question first.";
const NOTHING_MORE: &str = "That's all I have on this question.";
const NOTHING_TO_CONTINUE: &str = "I had no answer to continue for that question. Try asking it differently, or see /start for examples.";

const FEEDBACK_THANKS: &str = "Thanks for your feedback!";
const FORGOTTEN: &str =
    "I no longer have that question. Send /human with your question to ask a person.";

/// Callback data of the buttons (always far under Telegram's 64-byte limit).
const MORE: &str = "more:";
const WHY: &str = "why:";
const GOOD: &str = "fb+:";
const BAD: &str = "fb-:";
const HUMAN: &str = "human:";

/// Where a reply goes: the chat, and in groups the message it answers.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    pub chat: ChatId,
    pub reply_to: Option<MessageId>,
}

/// Messages and edited messages.
pub async fn on_message(bot: TgBot, msg: Message, me: Me, ctx: Arc<Ctx>) -> HandlerResult {
    let target = Target {
        chat: msg.chat.id,
        reply_to: (!msg.chat.is_private()).then_some(msg.id),
    };
    let operator = ctx.is_operator(msg.chat.id);
    // In an operator chat, a reply to one of the bot's messages is an answer for a
    // person, not a question (commands such as /close still work as commands).
    if operator
        && let Some(replied) = msg
            .reply_to_message()
            .filter(|m| m.from.as_ref().is_some_and(|u| u.id == me.id))
        && !msg.text().is_some_and(|t| t.trim_start().starts_with('/'))
    {
        if let Err(err) = tickets::operator_reply(&bot, &ctx, &msg, replied).await {
            tracing::error!(
                chat = target.chat.0,
                "could not relay an operator reply: {}",
                redact(&format!("{err:#}"))
            );
            apologise(&bot, target).await;
        }
        return Ok(());
    }
    let request = routing::route(&msg, &me);
    if request == Request::Ignore {
        return Ok(());
    }
    let person = Person::from_message(&msg);
    // Operators are not rate limited: they answer many people.
    if !operator && !admitted(&bot, &ctx, person.id, target).await {
        return Ok(());
    }
    if let Err(err) = handle(&bot, &me, &ctx, target, &person, &msg, request).await {
        tracing::error!(
            chat = target.chat.0,
            "could not answer a message: {}",
            redact(&format!("{err:#}"))
        );
        apologise(&bot, target).await;
    }
    Ok(())
}

/// What a button asks for.
enum Press {
    More(u64),
    Why(u64),
    Feedback(i64, i8),
    Human(i64),
    Unknown,
}

fn press(data: &str) -> Press {
    let num = |s: &str| s.parse::<u64>().ok();
    if let Some(id) = data.strip_prefix(MORE).and_then(num) {
        Press::More(id)
    } else if let Some(id) = data.strip_prefix(WHY).and_then(num) {
        Press::Why(id)
    } else if let Some(id) = data.strip_prefix(GOOD).and_then(|s| s.parse().ok()) {
        Press::Feedback(id, 1)
    } else if let Some(id) = data.strip_prefix(BAD).and_then(|s| s.parse().ok()) {
        Press::Feedback(id, -1)
    } else if let Some(id) = data.strip_prefix(HUMAN).and_then(|s| s.parse().ok()) {
        Press::Human(id)
    } else {
        Press::Unknown
    }
}

/// Button presses: "More", "Why this?", 👍 / 👎 and "Ask a person".
pub async fn on_callback(bot: TgBot, q: CallbackQuery, ctx: Arc<Ctx>) -> HandlerResult {
    let pressed = press(q.data.as_deref().unwrap_or_default());
    // Feedback is stored right away and thanked in the little pop-up; everything else
    // is answered at once so the button stops spinning, whatever happens next.
    let mut ack = bot.answer_callback_query(q.id.clone());
    if let Press::Feedback(id, value) = pressed {
        let text = match ctx.store.set_feedback(id, value) {
            Ok(true) => FEEDBACK_THANKS,
            Ok(false) => TOO_OLD,
            Err(err) => {
                tracing::error!("could not store feedback: {err}");
                APOLOGY
            }
        };
        ack = ack.text(text);
    }
    if let Err(err) = ack.await {
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
    if matches!(pressed, Press::Feedback(..)) {
        return Ok(());
    }
    if !admitted(&bot, &ctx, q.from.id.0, target).await {
        return Ok(());
    }
    let result = match pressed {
        Press::More(id) => more(&bot, &ctx, target, id).await,
        Press::Why(id) => why(&bot, &ctx, target, Some(id)).await,
        Press::Human(id) => {
            let person = Person::from_user(&q.from);
            match ctx.store.question(id) {
                Ok(Some(logged)) => {
                    tickets::human(&bot, &ctx, target, &person, Some(logged.question), Some(id))
                        .await
                }
                Ok(None) => send(&bot, target, telegram::escape(FORGOTTEN), None)
                    .await
                    .map(|_| ()),
                Err(err) => Err(err.into()),
            }
        }
        Press::Feedback(..) | Press::Unknown => {
            tracing::debug!(data = ?q.data, "ignoring an unknown button");
            Ok(())
        }
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
    person: &Person,
    msg: &Message,
    request: Request,
) -> anyhow::Result<()> {
    let engine = ctx.engine.current();
    let summary = engine.summary();
    match request {
        Request::Question(q) | Request::Command(BotCommand::Ask(q)) => {
            return ask(bot, ctx, target, person, q).await;
        }
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
        Request::Command(BotCommand::Human(q)) => {
            return tickets::human(bot, ctx, target, person, Some(q), None).await;
        }
        Request::Command(BotCommand::Close(arg)) => {
            return tickets::close(bot, ctx, target, person, msg, &arg).await;
        }
        Request::Command(BotCommand::Tickets) => return tickets::list(bot, ctx, target).await,
        Request::Command(BotCommand::Reindex) => return reload::reindex(bot, ctx, target).await,
        Request::Command(BotCommand::Forget) => {
            return tickets::forget(bot, ctx, target, person).await;
        }
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

/// Answers a question: the best passages, or the honest "not covered" reply; with
/// the hand-over decision when a person would serve it better. While the person has an
/// open ticket, the message goes to the operators instead.
async fn ask(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    target: Target,
    person: &Person,
    question: String,
) -> anyhow::Result<()> {
    if let Some(ticket) = tickets::active(bot, ctx, target, person).await? {
        return tickets::follow_up(bot, ctx, target, person, &ticket, &question).await;
    }
    if let Err(err) = bot.send_chat_action(target.chat, ChatAction::Typing).await {
        tracing::debug!(
            "could not send the typing action: {}",
            redact(&err.to_string())
        );
    }
    let top = ctx.settings.passages;
    let answer = super::search(ctx, question.clone(), 0, top).await?;
    let decision = handoff::decide(&question, &answer);
    tracing::info!(
        chat = target.chat.0,
        confident = answer.confident,
        passages = answer.passages.len(),
        coverage = answer.confidence.coverage,
        handover = %decision.codes(),
        "answered a question"
    );
    let covered = answer.confident && !answer.passages.is_empty();
    let log_id = log_question(ctx, person, &answer, &decision, covered);
    if decision.requested() {
        return tickets::hand_over(
            bot, ctx, target, person, &question, &answer, &decision, log_id,
        )
        .await;
    }
    let operators = !ctx.operators.is_empty();
    let note = decision
        .hand_over()
        .then(|| telegram::handover_note(&decision, operators));
    let offer = operators;
    if covered {
        let mut blocks = telegram::answer_blocks(&answer, 1, MAX_QUESTION_CHARS);
        blocks.extend(note);
        let shown = answer.passages.len();
        let has_more = answer.more;
        let id = ctx.recent.insert(target.chat.0, answer, shown, decision);
        let parts = telegram::split(&blocks, telegram::MESSAGE_LIMIT);
        send_parts(
            bot,
            target,
            parts,
            Some(keyboard(id, has_more, log_id, offer)),
        )
        .await
    } else {
        let summary = ctx.engine.current();
        let mut html = telegram::not_covered_body(&answer, summary.summary(), &ctx.examples);
        if let Some(note) = note {
            html.push_str("\n\n");
            html.push_str(&note);
        }
        let id = ctx.recent.insert(target.chat.0, answer, 0, decision);
        let parts = telegram::split(&[html], telegram::MESSAGE_LIMIT);
        send_parts(bot, target, parts, Some(keyboard(id, false, log_id, offer))).await
    }
}

/// Logs a question; a failing store is logged loudly but does not cost the answer.
fn log_question(
    ctx: &Ctx,
    person: &Person,
    answer: &Answer,
    decision: &handoff::Decision,
    covered: bool,
) -> Option<i64> {
    let shown: Vec<ShownPassage> = if covered {
        answer.passages.iter().map(ShownPassage::from_hit).collect()
    } else {
        Vec::new()
    };
    let key = ctx.store.person_key(person.id);
    let codes = decision.codes();
    let entry = NewQuestion {
        asked_at: store::now(),
        person: &key,
        surface: "telegram",
        question: &answer.question,
        confident: answer.confident,
        coverage: answer.confidence.coverage,
        passages: &shown,
        handover: &codes,
    };
    match ctx.store.log_question(&entry) {
        Ok(id) => Some(id),
        Err(err) => {
            tracing::error!("could not log a question: {err}");
            None
        }
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
    send_parts(
        bot,
        target,
        parts,
        Some(keyboard(id, answer.more, None, false)),
    )
    .await
}

/// Explains answer `id` (or the chat's last answer).
async fn why(bot: &TgBot, ctx: &Arc<Ctx>, target: Target, id: Option<u64>) -> anyhow::Result<()> {
    let entry = match id {
        Some(id) => ctx.recent.get(target.chat.0, id),
        None => ctx.recent.last(target.chat.0),
    };
    let html = match entry {
        Some(entry) => telegram::why(
            &entry.question,
            &format!(
                "{}\n\n{}",
                answer::explain(&entry.answer),
                entry.decision.explain()
            ),
        ),
        None if id.is_some() => telegram::escape(TOO_OLD),
        None => telegram::escape(&format!("{NO_ANSWER_YET} Then /why explains my answer.")),
    };
    let parts = telegram::split(&[html], telegram::MESSAGE_LIMIT);
    send_parts(bot, target, parts, None).await
}

/// Buttons under an answer: "More" (when there are more passages) and "Why this?";
/// 👍 / 👎 (when the question is logged); "Ask a person" (when an operator is there).
fn keyboard(id: u64, more: bool, log_id: Option<i64>, offer_person: bool) -> InlineKeyboardMarkup {
    let mut rows = Vec::new();
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
    rows.push(row);
    if let Some(log) = log_id {
        rows.push(vec![
            InlineKeyboardButton::callback("👍", format!("{GOOD}{log}")),
            InlineKeyboardButton::callback("👎", format!("{BAD}{log}")),
        ]);
        if offer_person {
            rows.push(vec![InlineKeyboardButton::callback(
                "Ask a person",
                format!("{HUMAN}{log}"),
            )]);
        }
    }
    InlineKeyboardMarkup::new(rows)
}

/// Sends `parts` in order, the keyboard on the last one only.
pub(super) async fn send_parts(
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
pub(super) async fn send(
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
