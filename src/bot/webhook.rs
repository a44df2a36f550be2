//! Webhook mode: Telegram POSTs updates to our HTTPS URL (through a reverse proxy to
//! `--listen`). teloxide's axum router receives them, checking the secret token
//! header; `/healthz` on the same server tells a load balancer the bot is up.

use std::convert::Infallible;
use std::sync::Arc;

use axum::routing::get;
use teloxide::prelude::*;
use teloxide::update_listeners::{UpdateListener, webhooks};

use super::token::redact;

/// Where Telegram sends updates, and the socket our server listens on.
pub struct Webhook {
    /// The public HTTPS URL given to Telegram.
    pub url: url::Url,
    /// A bound socket (so tests can bind port 0 and know the address).
    pub listener: tokio::net::TcpListener,
    /// The secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token`; random if None.
    pub secret: Option<String>,
}

/// Checks a secret token the way Telegram does (1–256 of `A-Z a-z 0-9 _ -`).
pub fn check_secret(secret: &str) -> anyhow::Result<()> {
    let ok = (1..=256).contains(&secret.len())
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        anyhow::bail!("the webhook secret must be 1 to 256 letters, digits, _ or -");
    }
    Ok(())
}

/// Registers the webhook with Telegram and starts serving it, with `/healthz`; returns
/// the update listener for the dispatcher and the server task (it ends after the
/// listener is stopped).
pub async fn start(
    bot: &Bot,
    hook: Webhook,
    health: Arc<String>,
) -> anyhow::Result<(
    impl UpdateListener<Err = Infallible> + Send + use<>,
    tokio::task::JoinHandle<()>,
)> {
    let addr = hook.listener.local_addr()?;
    let mut options = webhooks::Options::new(addr, hook.url.clone());
    if options.path == "/healthz" {
        anyhow::bail!("the webhook URL's path cannot be /healthz: that path is the health check");
    }
    if let Some(secret) = hook.secret {
        check_secret(&secret)?;
        options.secret_token = Some(secret);
    }
    let secret = options.get_or_gen_secret_token().to_owned();
    bot.set_webhook(hook.url.clone())
        .secret_token(secret)
        .await
        .map_err(|e| anyhow::anyhow!("could not set the webhook: {}", redact(&e.to_string())))?;
    let (listener, stop, router) = webhooks::axum_no_setup(options);
    let app = router.route(
        "/healthz",
        get(move || {
            let health = health.clone();
            async move {
                (
                    [("content-type", "application/json")],
                    health.as_str().to_owned(),
                )
            }
        }),
    );
    let tcp = hook.listener;
    let handle = tokio::spawn(async move {
        if let Err(err) = axum::serve(tcp, app).with_graceful_shutdown(stop).await {
            tracing::error!("the webhook server failed: {err}");
        }
    });
    tracing::info!(%addr, url = %hook.url, "listening for webhook updates");
    Ok((listener, handle))
}

/// Tells Telegram to stop sending updates here.
pub async fn stop(bot: &Bot) {
    if let Err(err) = bot.delete_webhook().await {
        tracing::warn!("could not delete the webhook: {}", redact(&err.to_string()));
    }
}
