//! The Telegram bot (`passagebot bot`): a thin adapter, on teloxide, from Telegram
//! updates to the conversation core ([`crate::conversation`]) and from its effects to
//! Bot API calls. No conversation rule lives here.
//!
//! # Layout
//! - `mod.rs`: flags ([`BotArgs`]), start-up ([`run`]), the dispatcher and its handler
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
//! The HTML itself is made by [`crate::answer::telegram`] (pure functions).
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
mod buttons;
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
pub use webhook::Webhook;

use crate::config::Paths;
use crate::conversation::{Core, Live, Rules};
use crate::live::EngineHandle;
use crate::search::Engine;
use crate::store::{self, Store};
use crate::tuning::Tuning;
use ctx::{Ctx, HandlerError};

/// How long a stopping bot keeps sending what its outboxes hold.
const SHUTDOWN_SEND_LIMIT: Duration = Duration::from_secs(20);

/// Flags of `passagebot bot`.
#[derive(Debug, Clone, clap::Args)]
pub struct BotArgs {
    /// Receive updates by webhook at this public HTTPS URL instead of long polling
    #[arg(long, env = "PASSAGEBOT_WEBHOOK_URL", value_name = "URL")]
    pub webhook_url: Option<url::Url>,
    /// Address the webhook server listens on (behind your HTTPS reverse proxy)
    #[arg(
        long,
        env = "PASSAGEBOT_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8443"
    )]
    pub listen: SocketAddr,
    /// Secret Telegram must send with every webhook request (default: random per start)
    #[arg(
        long,
        env = "PASSAGEBOT_WEBHOOK_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub webhook_secret: Option<String>,
    /// Passages per answer
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub passages: u8,
    /// Questions one person may ask per minute; past it they get one notice, then silence
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,
    /// Telegram chat id(s) of the operators who answer handed-over questions (comma-separated)
    #[arg(
        long = "operator-chat",
        env = "PASSAGEBOT_OPERATOR_CHAT",
        value_name = "CHAT_ID",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub operator_chats: Vec<i64>,
    /// Close a conversation with a person after this long without a message (e.g. 30m, 24h)
    #[arg(
        long,
        env = "PASSAGEBOT_TICKET_TIMEOUT",
        value_name = "DURATION",
        default_value = "24h"
    )]
    pub ticket_timeout: humantime::Duration,
    /// Store people's Telegram ids as they are instead of hashed
    #[arg(long, env = "PASSAGEBOT_PLAIN_IDS")]
    pub plain_ids: bool,
    #[command(flatten)]
    pub wall: crate::wall::WallArgs,
}

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

/// `passagebot bot`: reads the token, opens (building if needed) the index, and runs
/// until SIGINT or SIGTERM.
pub async fn run(paths: Paths, tuning: Tuning, data: PathBuf, args: BotArgs) -> anyhow::Result<()> {
    let wall = args.wall.resolve()?;
    let token = token::from_env()?;
    token::remember(&token);
    let mut bot = Bot::with_client(token, teloxide::net::client_from_env());
    if let Ok(url) = std::env::var("TELOXIDE_API_URL") {
        let parsed = url::Url::parse(&url)
            .with_context(|| format!("TELOXIDE_API_URL is not a URL: {url:?}"))?;
        bot = bot.set_api_url(parsed);
    }

    let reload = Some(paths.clone());
    let engine = tokio::task::spawn_blocking(move || Engine::open_or_build(&paths, tuning))
        .await
        .context("opening the index")??;

    let updates = match args.webhook_url {
        None => Updates::Polling,
        Some(url) => {
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("could not listen on {} for the webhook", args.listen))?;
            Updates::Webhook(Webhook {
                url,
                listener,
                secret: args.webhook_secret,
            })
        }
    };
    // Served as long as the bot runs (dropping it stops the server).
    let wall = match wall {
        Some(config) => Some(crate::wall::start(config).await?),
        None => None,
    };
    let settings = Settings {
        wall: wall.as_ref().map(|w| w.wall().clone()),
        passages: usize::from(args.passages),
        rate_limit: args.rate_limit,
        operators: args.operator_chats,
        ticket_timeout: args.ticket_timeout.into(),
        data: Some(data),
        plain_ids: args.plain_ids,
        reload,
        ..Settings::default()
    };
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
    let options = store::Options {
        plain_ids: settings.plain_ids,
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
            "could not reach the Telegram Bot API at {}: {}",
            bot.api_url(),
            token::redact(&e.to_string())
        ),
        other => anyhow::anyhow!(
            "Telegram refused to start the bot: {}",
            token::redact(&other.to_string())
        ),
    }
}
