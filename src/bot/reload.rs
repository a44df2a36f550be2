//! Keeping the running bot's index in step with the corpus folder: a watcher
//! that rebuilds in the background after files change, and `/reindex` for
//! operators. Both swap the engine through [`crate::live`], so no question
//! fails or waits meanwhile. A failed rebuild leaves the old index serving and
//! is reported to the log and to the operator chats.

use std::sync::Arc;

use super::handlers::{Target, send};
use super::telegram;
use super::tickets::tell_operators;
use super::{Ctx, TgBot};
use crate::index::Changes;
use crate::live::{self, CorpusWatcher, ReloadOutcome};

const OPERATORS_ONLY: &str = "That command is for operators.";
const NOT_ENABLED: &str = "This bot serves a fixed index; reindexing is not enabled.";

/// Starts watching the corpus when the bot was given one. A watcher that
/// cannot start (say, the system's inotify limit) is logged, not fatal:
/// `/reindex` and restarts still work.
pub fn start(bot: &TgBot, ctx: &Arc<Ctx>) -> Option<CorpusWatcher> {
    let paths = ctx.settings.reload.clone()?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let watcher = live::watch(paths.clone(), ctx.engine.clone(), move |outcome| {
        if let Err(e) = outcome {
            let _ = tx.send(format!(
                "⚠️ The index could not be rebuilt after a change in the corpus folder; the previous index keeps answering.\n{e}"
            ));
        }
    });
    match watcher {
        Ok(w) => {
            tracing::info!("watching {} for changes", paths.corpus.display());
            let (bot, ctx) = (bot.clone(), ctx.clone());
            tokio::spawn(async move {
                while let Some(text) = rx.recv().await {
                    tell_operators(&bot, &ctx, &telegram::escape(&text)).await;
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

/// `/reindex`: rebuild now (operators only) and say what changed.
pub async fn reindex(bot: &TgBot, ctx: &Arc<Ctx>, target: Target) -> anyhow::Result<()> {
    if !ctx.is_operator(target.chat) {
        send(bot, target, telegram::escape(OPERATORS_ONLY), None).await?;
        return Ok(());
    }
    let Some(paths) = ctx.settings.reload.clone() else {
        send(bot, target, telegram::escape(NOT_ENABLED), None).await?;
        return Ok(());
    };
    let handle = ctx.engine.clone();
    let outcome: ReloadOutcome = tokio::task::spawn_blocking(move || live::reload(&paths, &handle))
        .await
        .unwrap_or_else(|e| {
            Err(crate::Error::IndexUnusable {
                path: Default::default(),
                reason: format!("the rebuild task failed: {e}"),
            })
        });
    let text = match outcome {
        Ok(changes) => describe(&changes, &ctx.engine.current().summary().built_at),
        Err(e) => {
            tracing::error!("/reindex failed: {e}");
            format!("The index could not be rebuilt; the previous index keeps answering.\n{e}")
        }
    };
    send(bot, target, telegram::escape(&text), None).await?;
    Ok(())
}

/// What a rebuild changed, in one or a few lines.
pub fn describe(changes: &Changes, built_at: &str) -> String {
    if changes.is_empty() && changes.full_rebuild.is_none() {
        return format!("The index is up to date (built {built_at}); nothing changed.");
    }
    let mut out = format!(
        "Reindexed: {} added, {} changed, {} removed, {} unchanged.",
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len(),
        changes.unchanged
    );
    for (source, _) in &changes.added {
        out.push_str(&format!("\n+ {source}"));
    }
    for (source, _, _) in &changes.changed {
        out.push_str(&format!("\n~ {source}"));
    }
    for (source, _) in &changes.removed {
        out.push_str(&format!("\n- {source}"));
    }
    out
}
