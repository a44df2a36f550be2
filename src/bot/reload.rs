//! Keeping the running bot's index in step with the corpus folder: a watcher that
//! rebuilds in the background after files change (`/reindex` is the core's). The
//! engine is swapped through [`crate::engine::live`], so no question fails or waits meanwhile.
//! A failed rebuild leaves the old index serving and is reported to the log and, by
//! the core, to the operator chats.

use std::sync::Arc;

use super::ctx::{Ctx, TgBot};
use super::effects;
use crate::conversation::Event;
use crate::engine::live::{self, CorpusWatcher};

/// Starts watching the corpus when the bot was given one. A watcher that
/// cannot start (say, the system's inotify limit) is logged, not fatal:
/// `/reindex` and restarts still work.
pub fn start(bot: &TgBot, ctx: &Arc<Ctx>) -> Option<CorpusWatcher> {
    let paths = ctx.reload.clone()?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let watcher = live::watch(paths.clone(), ctx.engine.clone(), move |outcome| {
        if let Err(e) = outcome {
            // The receiver lives as long as the bot; after that nobody needs to hear.
            let _ = tx.send(e.to_string());
        }
    });
    match watcher {
        Ok(w) => {
            tracing::info!("watching {} for changes", paths.corpus.display());
            let (bot, ctx) = (bot.clone(), ctx.clone());
            tokio::spawn(async move {
                while let Some(error) = rx.recv().await {
                    let event = Event::RebuildFailed { error };
                    effects::carry_out(&bot, &ctx, None, event).await;
                }
            });
            Some(w)
        }
        Err(e) => {
            tracing::warn!("{e}");
            None
        }
    }
}
