//! Inline mode: `@bot question` in any chat offers one result per passage.

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{
    InlineQuery, InlineQueryResult, InlineQueryResultArticle, InputMessageContent,
    InputMessageContentText, ParseMode,
};

use anyhow::Context as _;

use super::ctx::{Ctx, HandlerResult, TgBot};
use super::ratelimit::Verdict;
use super::token::redact;
use crate::render::telegram;

/// Passages offered per inline query.
const INLINE_RESULTS: usize = 5;

pub async fn on_inline(bot: TgBot, q: InlineQuery, ctx: Arc<Ctx>) -> HandlerResult {
    let question = q.query.trim().to_owned();
    let results = if question.is_empty()
        || ctx.limiter.check(q.from.id.0, std::time::Instant::now()) != Verdict::Allow
    {
        Vec::new()
    } else {
        match results(&ctx, question).await {
            Ok(results) => results,
            Err(err) => {
                tracing::error!(
                    "could not answer an inline query: {}",
                    redact(&crate::error::chain(err.as_ref()))
                );
                Vec::new()
            }
        }
    };
    if let Err(err) = bot.answer_inline_query(q.id, results).cache_time(30).await {
        tracing::warn!(
            "could not answer an inline query: {}",
            redact(&err.to_string())
        );
    }
    Ok(())
}

async fn results(ctx: &Arc<Ctx>, question: String) -> anyhow::Result<Vec<InlineQueryResult>> {
    let library = ctx.core.library().clone();
    let answer = tokio::task::spawn_blocking(move || library.search(&question, 0, INLINE_RESULTS))
        .await
        .context("the search task failed")??;
    if !answer.confident || answer.passages.is_empty() {
        // Honest, like the chat: no weak passage offered as an answer.
        let summary = ctx.core.library().summary();
        let examples = crate::render::example_questions(&summary);
        let html = telegram::not_covered(&answer, &summary, &examples);
        let html = telegram::split(&[html], telegram::MESSAGE_LIMIT)
            .into_iter()
            .next()
            .unwrap_or_default();
        let article = InlineQueryResultArticle::new(
            "none",
            "The text doesn't seem to cover this",
            InputMessageContent::Text(
                InputMessageContentText::new(html).parse_mode(ParseMode::Html),
            ),
        )
        .description("Tap to share what it does cover");
        return Ok(vec![article.into()]);
    }
    let mut out = Vec::new();
    for (i, hit) in answer.passages.iter().enumerate() {
        let Some(html) = telegram::passage_message(&answer, i) else {
            continue;
        };
        let title = telegram::shorten(&format!("{}, paragraph {}", hit.title, hit.paragraph), 100);
        let article = InlineQueryResultArticle::new(
            format!("p{i}"),
            title,
            InputMessageContent::Text(
                InputMessageContentText::new(html).parse_mode(ParseMode::Html),
            ),
        )
        .description(telegram::preview(&hit.text, 120));
        out.push(article.into());
    }
    Ok(out)
}
