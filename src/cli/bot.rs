//! `passagebot bot`: the token and the Bot API address from the environment, the
//! flags resolved into the bot's settings, then the bot on a runtime of its own.

use std::path::Path;

use anyhow::Context as _;

use super::args::BotArgs;
use crate::bot::{self, Settings, Start, TOKEN_VAR};
use crate::config::Paths;
use crate::engine::tuning::Tuning;

/// Another Bot API server than Telegram's (a local Bot API server, a test's).
const API_URL_VAR: &str = "TELOXIDE_API_URL";

pub fn run(paths: &Paths, tuning: Tuning, data: &Path, args: BotArgs) -> anyhow::Result<()> {
    let token = std::env::var(TOKEN_VAR).unwrap_or_default();
    let api_url = match std::env::var(API_URL_VAR) {
        Ok(url) => Some(
            url::Url::parse(&url)
                .with_context(|| format!("{API_URL_VAR} is not a URL: {url:?}"))?,
        ),
        Err(_) => None,
    };
    let wall = args.wall.resolve()?;
    let settings = Settings {
        passages: usize::from(args.passages),
        rate_limit: args.rate_limit,
        operators: args.operator_chats,
        ticket_timeout: args.ticket_timeout.into(),
        data: Some(data.to_path_buf()),
        plain_ids: args.plain_ids,
        ..Settings::default()
    };
    let bot = bot::connect(&token, api_url, |token| {
        teloxide::Bot::with_client(token, teloxide::net::client_from_env())
    })?;
    let start = Start {
        bot,
        paths: paths.clone(),
        tuning,
        settings,
        webhook: args
            .webhook_url
            .map(|url| (url, args.listen, args.webhook_secret)),
        wall,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(bot::run(start))
}
