//! The Telegram bot (`passagebot bot`): a thin adapter, on teloxide, from Telegram
//! updates to the conversation core ([`crate::conversation`]) and from its effects to
//! Bot API calls. No conversation rule lives here.
//!
//! # Layout
//! - `mod.rs`: start-up ([`run`]), the dispatcher and its handler
//!   tree ([`serve`], `schema`);
//! - `ctx.rs`: what handlers share (`Ctx`: the core, the rate limit, the operator chats);
//! - `commands.rs`: the `BotCommand` enum (its doc comments are `/help`);
//! - `routing.rs`: what a message asks (private chat vs group mention/reply/`/ask`);
//! - `handlers.rs`: messages and buttons into the core's events; `inline.rs`: inline mode;
//! - `effects.rs`: the core's effects as messages (replies, posts, relays);
//! - `outbox.rs`: per-chat outboxes and their senders, group digests, the busy note;
//! - `budget.rs`: Telegram's outgoing limits (per chat, per group, overall);
//! - `buttons.rs`: the buttons' callback data;
//! - `ratelimit.rs`: the per-person incoming limit;
//! - `retry.rs`: retrying requests that failed on the way (5xx, dropped connections);
//! - `reload.rs`: the corpus watcher (live reload without a restart);
//! - `token.rs`: reading, checking and redacting the token;
//! - `webhook.rs`: webhook mode with `/healthz`.
//!
//! The HTML itself is made by [`crate::render::telegram`] (pure functions).
//!
//! Searches run on `spawn_blocking` over one shared, swappable engine
//! ([`EngineHandle`]): a rebuilt index takes over between questions. Handlers never
//! wait on sending: messages go into per-chat outboxes, each drained by its own
//! sender within Telegram's limits (429 `retry_after` honoured for that chat), with
//! answers piling up in a group sent as one digest (`outbox.rs`, `budget.rs`). So no
//! chat waits for another. Stopping is graceful: long polling confirms the last update
//! it handed out before returning, the dispatcher finishes what it has, and the
//! outboxes are emptied, so a restart neither loses nor repeats an update.

mod budget;
pub mod buttons;
mod commands;
mod ctx;
mod effects;
mod handlers;
mod inline;
mod outbox;
mod ratelimit;
mod reload;
mod retry;
mod routing;
mod token;
mod webhook;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;
use teloxide::utils::command::BotCommands;

pub use budget::Limits;
use commands::BotCommand;
pub use retry::Retry;
pub use token::TOKEN_VAR;
pub use webhook::Webhook;

use crate::config::Paths;
use crate::conversation::{Core, Live, Rules};
use crate::engine::live::EngineHandle;
use crate::engine::search::Engine;
use crate::engine::tuning::Tuning;
use crate::store::{self, Store};
use ctx::{Ctx, HandlerError};

/// How long a stopping bot keeps sending what its outboxes hold.
const SHUTDOWN_SEND_LIMIT: Duration = Duration::from_secs(20);

/// Resolved bot settings (tests and benchmarks build these directly).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Passages per answer (and per "More").
    pub passages: usize,
    /// Incoming messages per person per minute.
    pub rate_limit: u32,
    /// Outgoing limits (Telegram's by default).
    pub limits: Limits,
    /// Messages a chat's outbox holds before new questions there get the busy note.
    pub backlog: usize,
    /// Long-polling timeout.
    pub poll_timeout: Duration,
    /// Chats that receive handed-over questions; empty: no person available.
    pub operators: Vec<i64>,
    /// A ticket idle this long closes.
    pub ticket_timeout: Duration,
    /// The data folder for the database; `None` keeps it in memory (tests, benchmarks).
    pub data: Option<PathBuf>,
    /// Store Telegram ids unhashed.
    pub plain_ids: bool,
    /// The corpus and index to keep the engine in step with (a watcher and
    /// `/reindex`); `None` serves a fixed engine.
    pub reload: Option<Paths>,
    /// The live wall questions from non-operator chats are shown on (`--wall`).
    pub wall: Option<crate::wall::Wall>,
    /// How a request that failed on the way (a 5xx, a dropped connection) is
    /// retried, and how long long polling waits after a failed `getUpdates` (the
    /// delay, doubling up to a minute). Tests pass milliseconds.
    pub retry: Retry,
    /// Test hook, never set by `passagebot bot`: a message with exactly this text
    /// panics in its handler, to test the safety net end to end.
    #[doc(hidden)]
    pub panic_on: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            passages: 2,
            rate_limit: 20,
            limits: Limits::default(),
            backlog: outbox::BACKLOG,
            poll_timeout: Duration::from_secs(10),
            operators: Vec::new(),
            ticket_timeout: Duration::from_secs(24 * 60 * 60),
            data: None,
            plain_ids: false,
            reload: None,
            wall: None,
            retry: Retry::default(),
            panic_on: None,
        }
    }
}

/// How updates arrive.
pub enum Updates {
    Polling,
    Webhook(Webhook),
}

/// What `passagebot bot` starts with, as the command line resolved it.
pub struct Start {
    /// The bot, made by [`connect`].
    pub bot: Bot,
    /// The corpus and index, kept in step by a watcher and `/reindex`.
    pub paths: Paths,
    pub tuning: Tuning,
    /// The settings; `reload` and `wall` are filled in here.
    pub settings: Settings,
    /// Receive updates by webhook at this public URL, listening on this address,
    /// with this secret (random when `None`); long polling when `None`.
    pub webhook: Option<(url::Url, SocketAddr, Option<String>)>,
    /// The live wall to serve, if any.
    pub wall: Option<crate::wall::Config>,
}

/// The bot for `token` (checked, and kept out of every log line from now on), talking
/// to `api_url` (another Bot API server than Telegram's: a local one, a test's);
/// `make` builds it from the checked token (the command line's HTTP client, with
/// the proxy its environment names).
pub fn connect(
    token: &str,
    api_url: Option<url::Url>,
    make: impl FnOnce(String) -> Bot,
) -> anyhow::Result<Bot> {
    let token = token.trim();
    token::check(token)?;
    token::remember(token);
    let bot = make(token.to_owned());
    Ok(match api_url {
        Some(url) => bot.set_api_url(url),
        None => bot,
    })
}

/// `passagebot bot`: checks the token, opens (building if needed) the index, and
/// runs until SIGINT or SIGTERM.
pub async fn run(start: Start) -> anyhow::Result<()> {
    let Start {
        bot,
        paths,
        tuning,
        mut settings,
        webhook,
        wall,
    } = start;
    settings.reload = Some(paths.clone());
    let engine = tokio::task::spawn_blocking(move || Engine::open_or_build(&paths, tuning))
        .await
        .context("opening the index")??;

    let updates = match webhook {
        None => Updates::Polling,
        Some((url, listen, secret)) => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("could not listen on {listen} for the webhook"))?;
            Updates::Webhook(Webhook {
                url,
                listener,
                secret,
            })
        }
    };
    // Served as long as the bot runs (dropping it stops the server).
    let wall = match wall {
        Some(config) => Some(crate::wall::start(config).await?),
        None => None,
    };
    settings.wall = wall.as_ref().map(|w| w.wall().clone());
    serve(
        bot,
        EngineHandle::new(engine),
        settings,
        updates,
        shutdown_signal(),
    )
    .await
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM (systemd's stop).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {err}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(err) => {
                tracing::error!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received; finishing the updates in hand"),
        () = term => tracing::info!("SIGTERM received; finishing the updates in hand"),
    }
}

/// Runs the bot on `engine` until `shutdown` resolves, then stops gracefully.
///
/// The stop signal is an argument (like mini-redis's `server::run`) so tests can run
/// the real bot against a fake Telegram and stop it when they are done.
pub async fn serve(
    bot: Bot,
    engine: impl Into<EngineHandle>,
    settings: Settings,
    updates: Updates,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let engine: EngineHandle = engine.into();
    token::remember(bot.token());
    // The database first: a damaged or locked one stops the bot before it signs in.
    let store = open_store(&settings)?;
    let me = bot.get_me().await.map_err(|e| start_error(&bot, e))?;
    tracing::info!("signed in to Telegram as @{}", me.username());

    // Telegram wants command names without the leading slash teloxide includes.
    let commands: Vec<teloxide::types::BotCommand> = BotCommand::bot_commands()
        .into_iter()
        .map(|c| teloxide::types::BotCommand::new(c.command.trim_start_matches('/'), c.description))
        .collect();
    if let Err(err) = bot.set_my_commands(commands).await {
        tracing::warn!(
            "could not set the command menu: {}",
            token::redact(&err.to_string())
        );
    }
    let current = engine.current();
    let summary = current.summary();
    tracing::info!(
        documents = summary.documents.len(),
        passages = summary.passages,
        built_at = %summary.built_at,
        "index ready: {}",
        summary
            .documents
            .iter()
            .map(|d| d.title.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    let health = Arc::new(
        serde_json::json!({
            "status": "ok",
            "bot": me.username(),
            "documents": summary.documents.len(),
            "passages": summary.passages,
            "built_at": summary.built_at,
        })
        .to_string(),
    );

    let library = Arc::new(Live {
        engine: engine.clone(),
        reload: settings.reload.clone(),
    });
    let rules = Rules {
        passages: settings.passages,
        operators: settings.operators.clone(),
        ticket_timeout: settings.ticket_timeout,
    };
    let help = BotCommand::descriptions().to_string();
    let mut core = Core::new(library, Arc::new(store), rules, help);
    if let Some(wall) = settings.wall.clone() {
        core = core.with_wall(wall);
    }
    let core = Arc::new(core);
    let outbox = outbox::Outbox::new(
        bot.clone(),
        core.clone(),
        settings.limits,
        settings.operators.clone(),
        settings.backlog,
        settings.retry,
    );
    let ctx = Arc::new(Ctx {
        core,
        limiter: ratelimit::RateLimiter::per_minute(settings.rate_limit),
        outbox: outbox.clone(),
        operators: settings.operators.iter().map(|&c| ChatId(c)).collect(),
        engine,
        reload: settings.reload.clone(),
        retry: settings.retry,
        panic_on: settings.panic_on.clone(),
    });
    if settings.operators.is_empty() {
        tracing::warn!(
            "no operator chat configured (PASSAGEBOT_OPERATOR_CHAT): hand-overs are recorded and people are told no person is available"
        );
    } else {
        tracing::info!(
            operator_chats = settings.operators.len(),
            "hand-overs go to the operator chat(s)"
        );
    }
    // Finish what a crash interrupted (ticket messages of a `/forget`).
    {
        let (bot, ctx) = (bot.clone(), ctx.clone());
        tokio::spawn(async move {
            effects::carry_out(&bot, &ctx, None, crate::conversation::Event::Started).await;
        });
    }
    // Lives as long as the bot serves; dropping it stops watching.
    let _watcher = reload::start(&bot, &ctx);
    let mut dispatcher = Dispatcher::builder(bot.clone(), schema())
        .dependencies(dptree::deps![ctx])
        .default_handler(|update| async move {
            tracing::debug!(
                id = update.id.0,
                "ignoring an update of a kind the bot does not handle"
            );
        })
        .error_handler(Arc::new(|err: HandlerError| async move {
            tracing::error!("a handler failed: {}", token::redact(&err.to_string()));
        }))
        .build();

    let stop = dispatcher.shutdown_token();
    let stopper = tokio::spawn(async move {
        shutdown.await;
        // `shutdown` fails while the dispatcher is not running yet: try until it is.
        loop {
            match stop.shutdown() {
                Ok(done) => {
                    done.await;
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    });
    let listener_errors = Arc::new(|err: teloxide::RequestError| async move {
        tracing::warn!(
            "fetching updates failed (will retry): {}",
            token::redact(&err.to_string())
        );
    });
    let webhook_errors = Arc::new(|err: std::convert::Infallible| async move { match err {} });

    let result = match updates {
        Updates::Polling => {
            delete_webhook_if_set(&bot).await;
            let delay = settings.retry.delay;
            let polling = Polling::builder(bot.clone())
                .timeout(settings.poll_timeout)
                .backoff_strategy(move |errors| {
                    delay
                        .saturating_mul(1 << errors.min(16))
                        .min(Duration::from_secs(60))
                })
                .build();
            dispatcher
                .try_dispatch_with_listener(polling, listener_errors)
                .await
        }
        Updates::Webhook(hook) => {
            let (listener, server) = webhook::start(&bot, hook, health).await?;
            let result = dispatcher
                .try_dispatch_with_listener(listener, webhook_errors)
                .await;
            if let Err(err) = server.await {
                tracing::warn!("the webhook server task ended badly: {err}");
            }
            webhook::stop(&bot).await;
            result
        }
    };
    stopper.abort();
    // The answers to the updates already confirmed are still to go out.
    outbox.drained(SHUTDOWN_SEND_LIMIT).await;
    result.map_err(|e| start_error(&bot, e))?;
    tracing::info!("stopped");
    Ok(())
}

/// The handler tree: messages (new and edited), button presses, inline queries.
fn schema() -> teloxide::dispatching::UpdateHandler<HandlerError> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(handlers::on_message))
        .branch(Update::filter_edited_message().endpoint(handlers::on_edited))
        .branch(Update::filter_callback_query().endpoint(handlers::on_callback))
        .branch(Update::filter_inline_query().endpoint(inline::on_inline))
}

/// Opens the database in the data folder (or in memory without one).
fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    // The bot claims its data folder: a second bot on it is refused at start.
    let options = store::Options {
        plain_ids: settings.plain_ids,
        owner: true,
        ..store::Options::default()
    };
    let store = match &settings.data {
        Some(dir) => Store::open(dir, &options)?,
        None => Store::in_memory(&options)?,
    };
    tracing::info!(database = %store.path().display(), "database ready");
    Ok(store)
}

/// Long polling does not work while a webhook is set; remove a leftover one.
async fn delete_webhook_if_set(bot: &Bot) {
    match bot.get_webhook_info().await {
        Ok(info) if info.url.is_some() => {
            tracing::info!("removing the webhook so long polling can work");
            if let Err(err) = bot.delete_webhook().await {
                tracing::warn!(
                    "could not delete the webhook: {}",
                    token::redact(&err.to_string())
                );
            }
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(
            "could not read the webhook info: {}",
            token::redact(&err.to_string())
        ),
    }
}

/// A start-up failure in words an operator can act on, without the token.
fn start_error(bot: &Bot, err: teloxide::RequestError) -> anyhow::Error {
    use teloxide::{ApiError, RequestError};
    match err {
        RequestError::Api(ApiError::InvalidToken) => anyhow::anyhow!(
            "Telegram rejected the token in TELOXIDE_TOKEN; check it with @BotFather (/mybots → your bot → API Token) and set it again"
        ),
        RequestError::Network(e) => anyhow::anyhow!(
            "could not reach the Telegram Bot API at {url} ({}); check that this machine is online and can open {url} (a firewall or DNS may block it), that HTTPS_PROXY is set if the network needs a proxy, that TELOXIDE_API_URL, if set, points to a running Bot API server, and that TELOXIDE_TOKEN holds the whole token from @BotFather; then start the bot again",
            // reqwest's own line names only the URL; the reason (refused, DNS,
            // timeout) is in its causes.
            token::redact(&crate::error::chain(&e)),
            url = bot.api_url(),
        ),
        other => anyhow::anyhow!(
            "Telegram refused to start the bot: {}",
            token::redact(&other.to_string())
        ),
    }
}
