//! Carrying out the core's effects as Bot API calls, in order: replies (as replies in
//! groups), posts to the operator chats, relays to a person. What only Telegram knows
//! (which messages arrived, why a delivery was refused) goes back to the core as events.

use std::collections::VecDeque;
use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{ChatAction, MessageId, ParseMode, ReplyParameters};
use teloxide::{ApiError, RequestError};

use super::buttons;
use super::ctx::{Ctx, TgBot};
use super::retry::retrying;
use super::token::redact;
use crate::conversation::{Effect, Event, Message as Outgoing, PostedChat};

/// Sorry, when a reply could not even be sent (the core apologises for the rest).
const APOLOGY: &str = "Sorry, something went wrong on my side. Please try again in a moment.";

/// Where a reply goes: the chat, and in groups the message it answers.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    pub chat: ChatId,
    pub reply_to: Option<MessageId>,
}

impl Target {
    /// A fresh message in `chat`, not a reply.
    pub fn chat(chat: ChatId) -> Target {
        Target {
            chat,
            reply_to: None,
        }
    }
}

/// Handles `event` and carries out its effects, replying to `origin`. A reply that
/// cannot be sent ends the batch with an apology; everything is logged.
pub async fn carry_out(bot: &TgBot, ctx: &Arc<Ctx>, origin: Option<Target>, event: Event) {
    drive(bot, ctx, origin, VecDeque::new(), Some(event)).await;
}

/// Carries out `effects` the core already returned (a button press, whose pop-up
/// was shown first), then what they lead to.
pub async fn carry_out_effects(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    origin: Option<Target>,
    effects: Vec<Effect>,
) {
    drive(bot, ctx, origin, effects.into(), None).await;
}

async fn drive(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    origin: Option<Target>,
    mut queue: VecDeque<Effect>,
    mut next: Option<Event>,
) {
    loop {
        if let Some(event) = next.take() {
            match ctx.handle(event).await {
                // What an event leads to comes before what was waiting.
                Ok(effects) => effects.into_iter().rev().for_each(|e| queue.push_front(e)),
                Err(err) => return fail(bot, ctx, origin, &err).await,
            }
        }
        let Some(effect) = queue.pop_front() else {
            return;
        };
        next = match effect {
            Effect::Reply(message) => {
                let Some(to) = origin else {
                    tracing::warn!("a reply with nowhere to go was dropped");
                    continue;
                };
                if let Err(err) = send_message(bot, ctx, to, message).await {
                    return fail(bot, ctx, origin, &err).await;
                }
                None
            }
            Effect::Typing => {
                if let Some(to) = origin
                    && let Err(err) = bot.send_chat_action(to.chat, ChatAction::Typing).await
                {
                    tracing::debug!(
                        "could not send the typing action: {}",
                        redact(&err.to_string())
                    );
                }
                None
            }
            // Pop-ups belong to the button press; `on_callback` shows them.
            Effect::Popup(_) => None,
            Effect::Tell { chat, message } => {
                if let Err(err) = send_message(bot, ctx, Target::chat(ChatId(chat)), message).await
                {
                    tracing::warn!(
                        chat = %ctx.core.log_chat(chat),
                        "could not tell the person: {err:#}"
                    );
                }
                None
            }
            Effect::Notify { html } => {
                tell_operators(bot, ctx, &html).await;
                None
            }
            Effect::Post {
                ticket,
                parts,
                purpose,
            } => {
                let mut chats = Vec::new();
                for &op in &ctx.operators {
                    let posted = post(bot, ctx, op, &parts).await;
                    if let Err(err) = &posted.1 {
                        tracing::error!(
                            ticket,
                            operator_chat = op.0,
                            "could not {} to an operator chat: {err:#}",
                            purpose.what()
                        );
                    }
                    chats.push(PostedChat {
                        chat: op.0,
                        messages: posted.0,
                        complete: posted.1.is_ok(),
                    });
                }
                Some(Event::Posted {
                    ticket,
                    purpose,
                    chats,
                })
            }
            Effect::Relay {
                ticket,
                chat,
                parts,
            } => {
                let error = relay(bot, ctx, ChatId(chat), parts).await.err().map(|err| {
                    tracing::warn!(
                        ticket,
                        "could not relay an operator reply: {}",
                        redact(&err.to_string())
                    );
                    undeliverable_reason(&err).to_owned()
                });
                Some(Event::Relayed { ticket, error })
            }
            Effect::Erase { tickets, messages } => {
                for (chat, message) in messages {
                    erase(bot, ctx, ChatId(chat), message).await;
                }
                Some(Event::Erased { tickets })
            }
            Effect::Continue(resume) => Some(Event::Resume(resume)),
        };
    }
}

/// Deletes an operator message; when Telegram will not (older than 48 hours in a
/// group), blanks it to "[erased]". A message already gone is fine either way.
async fn erase(bot: &TgBot, ctx: &Ctx, chat: ChatId, message: i64) {
    let Ok(id) = i32::try_from(message) else {
        return;
    };
    let id = MessageId(id);
    let deleted = retrying(ctx.retry, "delete a ticket message", || {
        bot.delete_message(chat, id).send()
    })
    .await;
    let Err(err) = deleted else { return };
    tracing::debug!(
        operator_chat = chat.0,
        "could not delete a ticket message, blanking it: {}",
        redact(&err.to_string())
    );
    let edited = retrying(ctx.retry, "blank a ticket message", || {
        bot.edit_message_text(chat, id, "[erased]").send()
    })
    .await;
    if let Err(err) = edited {
        tracing::warn!(
            operator_chat = chat.0,
            "could not delete or blank an erased ticket's message: {}",
            redact(&err.to_string())
        );
    }
}

async fn fail(bot: &TgBot, ctx: &Ctx, origin: Option<Target>, err: &anyhow::Error) {
    let chat = origin.map_or_else(String::new, |t| ctx.core.log_chat(t.chat.0));
    tracing::error!(%chat, "could not answer: {}", redact(&format!("{err:#}")));
    if let Some(to) = origin {
        apologise(bot, ctx, to).await;
    }
}

pub async fn apologise(bot: &TgBot, ctx: &Ctx, target: Target) {
    let html = crate::answer::telegram::escape(APOLOGY);
    if let Err(err) = send(bot, ctx, target, html, None).await {
        tracing::warn!("could not even apologise: {err:#}");
    }
}

/// Sends a message's parts in order, its buttons on the last part only.
async fn send_message(
    bot: &TgBot,
    ctx: &Ctx,
    target: Target,
    message: Outgoing,
) -> anyhow::Result<()> {
    let last = message.parts.len().saturating_sub(1);
    let mut keyboard = (!message.buttons.is_empty()).then(|| buttons::keyboard(&message.buttons));
    for (i, part) in message.parts.into_iter().enumerate() {
        let kb = if i == last { keyboard.take() } else { None };
        send(bot, ctx, target, part, kb).await?;
    }
    Ok(())
}

/// Sends one HTML message (as a reply in groups), retrying failures on the way.
pub async fn send(
    bot: &TgBot,
    ctx: &Ctx,
    target: Target,
    html: String,
    keyboard: Option<teloxide::types::InlineKeyboardMarkup>,
) -> anyhow::Result<teloxide::types::Message> {
    let mut req = bot
        .send_message(target.chat, html)
        .parse_mode(ParseMode::Html);
    if let Some(id) = target.reply_to {
        req = req.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
    }
    if let Some(kb) = keyboard {
        req = req.reply_markup(kb);
    }
    retrying(ctx.retry, "send a message", || req.send_ref())
        .await
        .map_err(|e| anyhow::anyhow!("sending a message: {}", redact(&e.to_string())))
}

/// Posts `parts` to one operator chat: the ids of the messages that arrived, and
/// whether all did.
async fn post(
    bot: &TgBot,
    ctx: &Ctx,
    chat: ChatId,
    parts: &[String],
) -> (Vec<i64>, anyhow::Result<()>) {
    let mut sent = Vec::new();
    for part in parts {
        match send(bot, ctx, Target::chat(chat), part.clone(), None).await {
            Ok(m) => sent.push(i64::from(m.id.0)),
            Err(err) => return (sent, Err(err)),
        }
    }
    (sent, Ok(()))
}

/// Sends an operator's reply to the person, keeping Telegram's error (to tell a
/// block from a failure).
async fn relay(
    bot: &TgBot,
    ctx: &Ctx,
    chat: ChatId,
    parts: Vec<String>,
) -> Result<(), RequestError> {
    for part in parts {
        let req = bot.send_message(chat, part).parse_mode(ParseMode::Html);
        retrying(ctx.retry, "relay a reply", || req.send_ref()).await?;
    }
    Ok(())
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

/// Sends `html` to every operator chat; a chat that cannot be reached is logged.
async fn tell_operators(bot: &TgBot, ctx: &Ctx, html: &str) {
    for &op in &ctx.operators {
        if let Err(err) = send(bot, ctx, Target::chat(op), html.to_owned(), None).await {
            tracing::warn!(
                operator_chat = op.0,
                "could not notify an operator chat: {err:#}"
            );
        }
    }
}
