//! Thin handlers: translate a Telegram update into the core's [`Event`] and carry out
//! what comes back ([`effects::carry_out`]). The rules live in
//! [`crate::conversation`]; here is only what Telegram decides: who is an operator
//! replying, what a message is addressed to, the per-person rate limit.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::requests::Request as _;
use teloxide::types::{CallbackQuery, Me, Message, User};

use super::buttons;
use super::commands::BotCommand;
use super::ctx::{Ctx, HandlerResult, TgBot};
use super::effects::{self, Target};
use super::ratelimit::Verdict;
use super::retry::retrying;
use super::routing::{self, Request};
use super::token::redact;
use crate::conversation::{Command, Effect, Event, Message as OutgoingMessage, Person};
use crate::render::telegram;

const RATE_NOTICE: &str =
    "You're asking faster than I can keep up with. I'll take new questions again in a minute.";

fn person_of_user(u: &User) -> Person {
    Person {
        id: u.id.0,
        name: u.full_name(),
        username: u.username.clone(),
    }
}

/// Who sent a message. An anonymous group admin or a channel posts as a chat
/// (`sender_chat`), and `from` is then a placeholder shared by every group
/// (GroupAnonymousBot, Channel_Bot): the chat is the identity. Messages without a
/// sender at all (channels) are the chat's too.
fn person_of_message(msg: &Message) -> Person {
    if let Some(chat) = msg.sender_chat.as_ref() {
        return person_of_chat(chat);
    }
    match msg.from.as_ref() {
        Some(u) => person_of_user(u),
        None => person_of_chat(&msg.chat),
    }
}

fn person_of_chat(chat: &teloxide::types::Chat) -> Person {
    Person {
        id: chat_identity(chat.id),
        name: chat.title().unwrap_or("someone").to_owned(),
        username: chat.username().map(str::to_owned),
    }
}

/// A chat's id as a person id. Group and channel ids are negative, so their bits
/// read as unsigned are 2^63 or more: never a user's id (users are positive).
fn chat_identity(chat: ChatId) -> u64 {
    u64::from_ne_bytes(chat.0.to_ne_bytes())
}

/// New messages.
pub async fn on_message(bot: TgBot, msg: Message, me: Me, ctx: Arc<Ctx>) -> HandlerResult {
    let to = apology_target(&msg);
    guarded(ctx.clone(), to, message(bot, msg, me, ctx, false)).await
}

/// Edited messages: the core decides what an edit may redo ([`Event::Edited`]).
pub async fn on_edited(bot: TgBot, msg: Message, me: Me, ctx: Arc<Ctx>) -> HandlerResult {
    let to = apology_target(&msg);
    guarded(ctx.clone(), to, message(bot, msg, me, ctx, true)).await
}

/// Where to apologise if handling `msg` panics: where its answer would have gone.
fn apology_target(msg: &Message) -> Target {
    Target {
        chat: msg.chat.id,
        reply_to: (!msg.chat.is_private()).then_some(msg.id),
    }
}

/// The safety net: runs one update's handling as its own task, so a panic in it
/// is logged and apologised for once, and the chat's next update is served as
/// usual (a panic would otherwise end the chat's worker, then the dispatcher, and
/// Telegram would redeliver the update to a bot that crashes again).
async fn guarded(
    ctx: Arc<Ctx>,
    apology: Target,
    work: impl Future<Output = ()> + Send + 'static,
) -> HandlerResult {
    match tokio::spawn(work).await {
        Ok(()) => {}
        Err(err) if err.is_panic() => {
            let payload = err.into_panic();
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned());
            tracing::error!(
                chat = %ctx.core.log_chat(apology.chat.0),
                "a handler panicked; apologising and carrying on: {}",
                redact(&why)
            );
            ctx.outbox.apologise(apology);
        }
        Err(err) => tracing::error!("a handler task was cancelled: {err}"),
    }
    Ok(())
}

async fn message(bot: TgBot, msg: Message, me: Me, ctx: Arc<Ctx>, edited: bool) {
    if ctx.panic_on.is_some() && msg.text() == ctx.panic_on.as_deref() {
        panic!("the test hook's deliberate panic in the message handler");
    }
    let wrap = |event: Event| {
        if edited {
            Event::Edited(Box::new(event))
        } else {
            event
        }
    };
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
        effects::carry_out(&bot, &ctx, Some(here), wrap(event)).await;
        return;
    }
    let request = routing::route(&msg, &me);
    if request == Request::Ignore {
        return;
    }
    let target = Target {
        chat,
        reply_to: (!msg.chat.is_private()).then_some(msg.id),
    };
    let person = person_of_message(&msg);
    // Operators are not rate limited: they answer many people.
    if !operator && !admitted(&ctx, person.id, target) {
        return;
    }
    // A chat whose outbox is full: the asker is named in its next busy note.
    if ctx.outbox.full(chat.0) {
        tracing::info!(
            chat = %ctx.core.log_chat(chat.0),
            "outbox full; the asker gets the busy note"
        );
        ctx.outbox
            .busy(chat.0, telegram::mention(person.id, &person.name));
        return;
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
        Request::Command(BotCommand::Suggestions) => command(Command::Suggestions),
        Request::UnknownCommand => Event::UnknownCommand,
        Request::NotText => Event::NotText,
        Request::Empty => Event::EmptyMention {
            name: me.username().to_owned(),
        },
        Request::Ignore => return,
    };
    effects::carry_out(&bot, &ctx, Some(target), wrap(event)).await;
}

/// Button presses: "More", "Why this?", 👍 / 👎 and "Ask a person". Every press
/// counts towards the per-person limit. The callback data is only a hint: the core
/// checks it against the store (who asked), and data the bot did not make gets a
/// harmless pop-up.
pub async fn on_callback(bot: TgBot, q: CallbackQuery, ctx: Arc<Ctx>) -> HandlerResult {
    let chat = q.message.as_ref().map(|m| m.chat().id);
    let target = chat.map(Target::chat);
    let run = {
        let (bot, ctx) = (bot.clone(), ctx.clone());
        async move { callback(bot, q, ctx, target).await }
    };
    match target {
        Some(to) => guarded(ctx, to, run).await,
        None => {
            run.await;
            Ok(())
        }
    }
}

async fn callback(bot: TgBot, q: CallbackQuery, ctx: Arc<Ctx>, target: Option<Target>) {
    let data = q.data.as_deref().unwrap_or_default();
    let event = match (buttons::decode(data), target) {
        (Some(button), Some(to)) => Event::Pressed {
            chat: to.chat.0,
            person: person_of_user(&q.from),
            button,
        },
        _ => {
            tracing::debug!(data = ?data, "a button press with data the bot did not make");
            Event::UnknownButton
        }
    };
    // Operators are not rate limited: they review many suggestions at a time.
    let admitted = match target {
        Some(to) if ctx.core.is_operator(to.chat.0) => true,
        Some(to) => admitted(&ctx, q.from.id.0, to),
        None => true,
    };
    let mut effects = if admitted {
        match ctx.handle(event).await {
            Ok(effects) => effects,
            Err(err) => {
                tracing::error!(
                    "could not handle a button press: {}",
                    crate::error::chain(err.as_ref())
                );
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    // The pop-up answers the press, so the button stops spinning; the rest follows.
    let popup = effects.iter().find_map(|e| match e {
        Effect::Popup(text) => Some(*text),
        _ => None,
    });
    effects.retain(|e| !matches!(e, Effect::Popup(_)));
    let answered = retrying(ctx.retry, "answer a button press", || {
        let ack = bot.answer_callback_query(q.id.clone());
        match popup {
            Some(text) => ack.text(text).send(),
            None => ack.send(),
        }
    })
    .await;
    if let Err(err) = answered {
        tracing::warn!(
            "could not answer a callback query: {}",
            redact(&err.to_string())
        );
    }
    if !effects.is_empty() {
        effects::carry_out_effects(&bot, &ctx, target, effects).await;
    }
}

/// Applies the per-person limit; queues the one notice when it is first exceeded.
pub fn admitted(ctx: &Ctx, person: u64, target: Target) -> bool {
    match ctx.limiter.check(person, Instant::now()) {
        Verdict::Allow => true,
        Verdict::Notice => {
            tracing::info!(
                person = %ctx.core.log_person(person),
                "rate limit reached; sending one notice"
            );
            ctx.outbox
                .send(target, OutgoingMessage::html(telegram::escape(RATE_NOTICE)));
            false
        }
        Verdict::Quiet => {
            tracing::debug!(
                person = %ctx.core.log_person(person),
                "rate limited; staying quiet"
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group message as Telegram sends it for an anonymous admin (`from` is the
    /// shared GroupAnonymousBot, `sender_chat` the group) or a linked channel.
    fn anonymous(group: i64, sender_chat: Option<(i64, &str)>) -> Message {
        let mut json = serde_json::json!({
            "message_id": 5,
            "date": 1_700_000_000,
            "chat": {"id": group, "type": "supergroup", "title": format!("Group {group}")},
            "from": {"id": 1_087_968_824, "is_bot": true, "first_name": "Group",
                     "username": "GroupAnonymousBot"},
            "text": "/human my contract",
        });
        if let Some((id, title)) = sender_chat {
            json["sender_chat"] = serde_json::json!({"id": id, "type": "channel", "title": title});
        }
        serde_json::from_value(json).expect("a message")
    }

    #[test]
    fn anonymous_admins_and_channels_are_told_apart_by_their_sender_chat() {
        let a = person_of_message(&anonymous(-1001, Some((-1001, "Group A"))));
        let b = person_of_message(&anonymous(-1002, Some((-1002, "Group B"))));
        let channel = person_of_message(&anonymous(-1001, Some((-100_777, "News"))));
        assert_ne!(a.id, b.id, "two groups' anonymous admins are two people");
        assert_ne!(a.id, channel.id);
        assert_ne!(a.id, 1_087_968_824, "not the shared GroupAnonymousBot");
        assert_eq!(a.name, "Group A");
        assert_eq!(channel.name, "News");
        // A chat identity is never a user's id (users are positive).
        assert!(a.id > i64::MAX as u64);
    }
}
