//! Carrying out the core's effects, in order: replies (as replies in groups), posts to
//! the operator chats, relays to a person, all through the chats' outboxes
//! ([`super::outbox`]). What only Telegram knows (which messages arrived, why a
//! delivery was refused) goes back to the core as events.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{ChatAction, MessageId};
use teloxide::{ApiError, RequestError};

use super::ctx::{Ctx, TgBot};
use super::retry::retrying;
use super::token::redact;
use crate::conversation::{Effect, Event, Message as Outgoing, PostedChat};

pub use super::outbox::Target;

/// Handles `event` and carries out its effects, replying to `origin`. Messages go to
/// the chats' outboxes ([`super::outbox`]), so this never waits for Telegram's
/// limits; what the core needs to hear back (a post to the operators, a relay) goes
/// on in a task of its own.
pub async fn carry_out(bot: &TgBot, ctx: &Arc<Ctx>, origin: Option<Target>, event: Event) {
    run(
        bot.clone(),
        ctx.clone(),
        origin,
        VecDeque::new(),
        Some(event),
    )
    .await;
}

/// Carries out `effects` the core already returned (a button press, whose pop-up
/// was shown first), then what they lead to.
pub async fn carry_out_effects(
    bot: &TgBot,
    ctx: &Arc<Ctx>,
    origin: Option<Target>,
    effects: Vec<Effect>,
) {
    run(bot.clone(), ctx.clone(), origin, effects.into(), None).await;
}

/// [`carry_out`] from a point: `queue` still to do after `next`'s effects.
fn run(
    bot: TgBot,
    ctx: Arc<Ctx>,
    origin: Option<Target>,
    mut queue: VecDeque<Effect>,
    mut next: Option<Event>,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        loop {
            if let Some(event) = next.take() {
                match ctx.handle(event).await {
                    // What an event leads to comes before what was waiting.
                    Ok(effects) => effects.into_iter().rev().for_each(|e| queue.push_front(e)),
                    Err(err) => return fail(&ctx, origin, &err),
                }
            }
            let Some(effect) = queue.pop_front() else {
                return;
            };
            next = match effect {
                Effect::Reply(message) => {
                    match origin {
                        Some(to) => ctx.outbox.reply(to, message),
                        None => tracing::warn!("a reply with nowhere to go was dropped"),
                    }
                    None
                }
                Effect::Typing => {
                    // Only when nothing else is on its way: an answer is, soon enough.
                    if let Some(to) = origin
                        && ctx.outbox.idle(to.chat.0)
                    {
                        let bot = bot.clone();
                        tokio::spawn(async move {
                            if let Err(err) =
                                bot.send_chat_action(to.chat, ChatAction::Typing).await
                            {
                                tracing::debug!(
                                    "could not send the typing action: {}",
                                    redact(&err.to_string())
                                );
                            }
                        });
                    }
                    None
                }
                // Pop-ups belong to the button press; `on_callback` shows them.
                Effect::Popup(_) => None,
                Effect::Tell { chat, message } => {
                    ctx.outbox.send_first(Target::chat(ChatId(chat)), message);
                    None
                }
                Effect::Notify { html } => {
                    for &op in &ctx.operators {
                        ctx.outbox
                            .send_first(Target::chat(op), Outgoing::html(html.clone()));
                    }
                    None
                }
                Effect::Post {
                    ticket,
                    parts,
                    purpose,
                } => {
                    let ctx2 = ctx.clone();
                    let posted = async move {
                        let mut chats = Vec::new();
                        for &op in &ctx2.operators {
                            let delivery =
                                ctx2.outbox.deliver(Target::chat(op), parts.clone()).await;
                            if let Some(err) = &delivery.error {
                                tracing::error!(
                                    ticket,
                                    operator_chat = op.0,
                                    "could not {} to an operator chat: {}",
                                    purpose.what(),
                                    redact(&err.to_string())
                                );
                            }
                            chats.push(PostedChat {
                                chat: op.0,
                                complete: delivery.error.is_none(),
                                messages: delivery.sent,
                            });
                        }
                        Event::Posted {
                            ticket,
                            purpose,
                            chats,
                        }
                    };
                    return continue_after(bot, ctx, origin, queue, posted);
                }
                Effect::Relay {
                    ticket,
                    chat,
                    parts,
                } => {
                    let ctx2 = ctx.clone();
                    let relayed = async move {
                        let delivery = ctx2.outbox.deliver(Target::chat(ChatId(chat)), parts).await;
                        let error = delivery.error.map(|err| {
                            tracing::warn!(
                                ticket,
                                "could not relay an operator reply: {}",
                                redact(&err.to_string())
                            );
                            undeliverable_reason(&err).to_owned()
                        });
                        Event::Relayed { ticket, error }
                    };
                    return continue_after(bot, ctx, origin, queue, relayed);
                }
                Effect::Erase { tickets, messages } => {
                    let (bot2, ctx2) = (bot.clone(), ctx.clone());
                    let erased = async move {
                        for (chat, message) in messages {
                            erase(&bot2, &ctx2, ChatId(chat), message).await;
                        }
                        Event::Erased { tickets }
                    };
                    return continue_after(bot, ctx, origin, queue, erased);
                }
                Effect::Continue(resume) => Some(Event::Resume(resume)),
            };
        }
    })
}

/// Goes on with `queue` once `report` (a delivery to another chat) is known, in a task
/// of its own: the handler does not wait on another chat's sending.
fn continue_after(
    bot: TgBot,
    ctx: Arc<Ctx>,
    origin: Option<Target>,
    queue: VecDeque<Effect>,
    report: impl Future<Output = Event> + Send + 'static,
) {
    tokio::spawn(async move {
        let event = report.await;
        run(bot, ctx, origin, queue, Some(event)).await;
    });
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

fn fail(ctx: &Ctx, origin: Option<Target>, err: &anyhow::Error) {
    let chat = origin.map_or_else(String::new, |t| ctx.core.log_chat(t.chat.0));
    tracing::error!(%chat, "could not answer: {}", redact(&crate::error::chain(err.as_ref())));
    if let Some(to) = origin {
        ctx.outbox.apologise(to);
    }
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
