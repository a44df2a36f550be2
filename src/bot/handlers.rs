//! Thin handlers: translate a Telegram update into the core's [`Event`] and carry out
//! what comes back ([`effects::carry_out`]). The rules live in
//! [`crate::conversation`]; here is only what Telegram decides: who is an operator
//! replying, what a message is addressed to, the per-person rate limit.

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, Me, Message, User};

use super::buttons;
use super::commands::BotCommand;
use super::ctx::{Ctx, HandlerResult, TgBot};
use super::effects::{self, Target};
use super::ratelimit::Verdict;
use super::routing::{self, Request};
use super::token::redact;
use crate::answer::telegram;
use crate::conversation::{Button, Command, Effect, Event, Message as OutgoingMessage, Person};

const RATE_NOTICE: &str =
    "You're asking faster than I can keep up with. I'll take new questions again in a minute.";

fn person_of_user(u: &User) -> Person {
    Person {
        id: u.id.0,
        name: u.full_name(),
        username: u.username.clone(),
    }
}

/// For messages without a sender (channels): the chat stands for the person.
fn person_of_message(msg: &Message) -> Person {
    match msg.from.as_ref() {
        Some(u) => person_of_user(u),
        None => Person {
            id: msg.chat.id.0.unsigned_abs(),
            name: msg.chat.title().unwrap_or("someone").to_owned(),
            username: msg.chat.username().map(str::to_owned),
        },
    }
}

/// Messages and edited messages.
pub async fn on_message(bot: TgBot, msg: Message, me: Me, ctx: Arc<Ctx>) -> HandlerResult {
    let chat = msg.chat.id;
    let operator = ctx.core.is_operator(chat.0);
    // In an operator chat, a reply to one of the bot's messages is an answer for a
    // person, not a question (commands such as /close still work as commands).
    if operator
        && let Some(replied) = msg
            .reply_to_message()
            .filter(|m| m.from.as_ref().is_some_and(|u| u.id == me.id))
        && !msg.text().is_some_and(|t| t.trim_start().starts_with('/'))
    {
        let here = Target {
            chat,
            reply_to: Some(msg.id),
        };
        let event = Event::OperatorReply {
            chat: chat.0,
            replied_to: i64::from(replied.id.0),
            text: msg.text().map(str::to_owned),
        };
        effects::carry_out(&bot, &ctx, Some(here), event).await;
        return Ok(());
    }
    let request = routing::route(&msg, &me);
    if request == Request::Ignore {
        return Ok(());
    }
    let target = Target {
        chat,
        reply_to: (!msg.chat.is_private()).then_some(msg.id),
    };
    let person = person_of_message(&msg);
    // Operators are not rate limited: they answer many people.
    if !operator && !admitted(&ctx, person.id, target) {
        return Ok(());
    }
    // A chat whose outbox is full: the asker is named in its next busy note.
    if ctx.outbox.full(chat.0) {
        tracing::info!(chat = chat.0, "outbox full; the asker gets the busy note");
        ctx.outbox
            .busy(chat.0, telegram::mention(person.id, &person.name));
        return Ok(());
    }
    let command = |command| Event::Command {
        chat: chat.0,
        person: person.clone(),
        command,
    };
    let event = match request {
        Request::Question(text) | Request::Command(BotCommand::Ask(text)) => Event::Question {
            chat: chat.0,
            person: person.clone(),
            text,
        },
        Request::Command(BotCommand::Start) => command(Command::Start),
        Request::Command(BotCommand::Help) => command(Command::Help),
        Request::Command(BotCommand::About) => command(Command::About),
        Request::Command(BotCommand::Why) => command(Command::Why),
        Request::Command(BotCommand::More) => command(Command::More),
        Request::Command(BotCommand::Human(q)) => command(Command::Human(q)),
        Request::Command(BotCommand::Close(arg)) => command(Command::Close {
            arg,
            replied_to: msg.reply_to_message().map(|m| i64::from(m.id.0)),
        }),
        Request::Command(BotCommand::Tickets) => command(Command::Tickets),
        Request::Command(BotCommand::Reindex) => command(Command::Reindex),
        Request::Command(BotCommand::Forget) => command(Command::Forget),
        Request::UnknownCommand => Event::UnknownCommand,
        Request::NotText => Event::NotText,
        Request::Empty => Event::EmptyMention {
            name: me.username().to_owned(),
        },
        Request::Ignore => return Ok(()),
    };
    effects::carry_out(&bot, &ctx, Some(target), event).await;
    Ok(())
}

/// Button presses: "More", "Why this?", 👍 / 👎 and "Ask a person".
pub async fn on_callback(bot: TgBot, q: CallbackQuery, ctx: Arc<Ctx>) -> HandlerResult {
    let button = buttons::decode(q.data.as_deref().unwrap_or_default());
    // Feedback is stored right away and thanked in the little pop-up; everything else
    // is answered at once so the button stops spinning, whatever happens next.
    let mut ack = bot.answer_callback_query(q.id.clone());
    if let Some(Button::Feedback(question, value)) = button {
        let effects = match ctx.handle(Event::Feedback { question, value }).await {
            Ok(effects) => effects,
            Err(err) => {
                tracing::error!("could not handle feedback: {err:#}");
                Vec::new()
            }
        };
        if let Some(text) = effects.iter().find_map(|e| match e {
            Effect::Popup(text) => Some(*text),
            _ => None,
        }) {
            ack = ack.text(text);
        }
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
    if matches!(button, Some(Button::Feedback(..))) {
        return Ok(());
    }
    let target = Target::chat(chat);
    if !admitted(&ctx, q.from.id.0, target) {
        return Ok(());
    }
    let Some(button) = button else {
        tracing::debug!(data = ?q.data, "ignoring an unknown button");
        return Ok(());
    };
    let event = Event::Pressed {
        chat: chat.0,
        person: person_of_user(&q.from),
        button,
    };
    effects::carry_out(&bot, &ctx, Some(target), event).await;
    Ok(())
}

/// Applies the per-person limit; queues the one notice when it is first exceeded.
pub fn admitted(ctx: &Ctx, person: u64, target: Target) -> bool {
    match ctx.limiter.check(person, Instant::now()) {
        Verdict::Allow => true,
        Verdict::Notice => {
            tracing::info!(person, "rate limit reached; sending one notice");
            ctx.outbox
                .send(target, OutgoingMessage::html(telegram::escape(RATE_NOTICE)));
            false
        }
        Verdict::Quiet => {
            tracing::debug!(person, "rate limited; staying quiet");
            false
        }
    }
}
