//! What every handler shares ([`Ctx`]): the conversation core, the incoming rate
//! limit, the outboxes, the operator chats to deliver to, and the engine the watcher swaps.

use std::sync::Arc;

use anyhow::Context as _;
use teloxide::prelude::*;

use super::outbox::Outbox;
use super::ratelimit::RateLimiter;
use crate::config::Paths;
use crate::conversation::{Core, Effect, Event};
use crate::engine::live::EngineHandle;

/// The bot as handlers see it. Messages do not go through it directly but through
/// [`Ctx::outbox`], which keeps to Telegram's limits.
pub type TgBot = Bot;
pub(super) type HandlerError = Box<dyn std::error::Error + Send + Sync>;
pub(super) type HandlerResult = Result<(), HandlerError>;

pub(crate) struct Ctx {
    pub(super) core: Arc<Core>,
    pub(super) limiter: RateLimiter,
    /// Every chat's outgoing messages, sent within Telegram's limits.
    pub(super) outbox: Outbox,
    /// Where posts and notices for operators go.
    pub(super) operators: Vec<ChatId>,
    /// The engine the corpus watcher swaps (the core reads it through its library).
    pub(super) engine: EngineHandle,
    /// The corpus to watch; `None` serves a fixed index.
    pub(super) reload: Option<Paths>,
    /// How failed requests are retried.
    pub(super) retry: super::retry::Retry,
    /// Test hook: a message with exactly this text panics in its handler.
    pub(super) panic_on: Option<String>,
}

impl Ctx {
    /// Runs one event through the core on a blocking thread (searches and the
    /// database block).
    pub(super) async fn handle(&self, event: Event) -> anyhow::Result<Vec<Effect>> {
        let core = self.core.clone();
        tokio::task::spawn_blocking(move || core.handle(event))
            .await
            .context("the conversation task failed")
    }
}
