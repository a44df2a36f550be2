//! Temporary placeholder (engine author); the bot's owner replaces this file.
#[derive(Debug, clap::Args)]
pub struct BotArgs {}
pub async fn run(_paths: crate::config::Paths, _args: BotArgs) -> anyhow::Result<()> {
    anyhow::bail!("the Telegram bot is not built yet")
}
