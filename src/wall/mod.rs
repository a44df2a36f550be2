//! The live wall (`--wall`): a page for the projector that shows each question as it
//! arrives, the passage chosen, how sure the engine is, and whether the machine
//! answered or the question needs a person, and why; with a running tally and a chart
//! of the session.
//!
//! Surfaces publish a plain [`WallEvent`] (no Telegram types) to the [`Wall`] after
//! the ask step: the bot's conversation core for questions from non-operator chats,
//! and the terminal chat session. The server reads the wall; publishing never waits
//! for a page.
//!
//! # Layout
//! - `event.rs`: [`WallEvent`], made from the ask step's result, and its [`Outcome`];
//! - `tally.rs`: [`Tally`], the answered / person / not covered counts;
//! - `hub.rs`: [`Wall`], the broadcast channel, the privacy rule for names and the
//!   last [`KEEP`] questions;
//! - `access.rs`: [`Access`], loopback or token, compared in constant time;
//! - `request.rs`: [`Access::admits`], whether a request's Host and token let it in
//!   (loopback names only without a token: no DNS rebinding);
//! - `args.rs`: the flags (`--wall`, `--wall-names`, `--wall-token`);
//! - `server.rs`: the axum routes and the Server-Sent Events stream;
//! - `listen.rs`: the connections: a cap ([`Limits`]), deadlines for headers and
//!   for a page that stops reading;
//! - `page.html`: the page (inline CSS and script, no framework, nothing fetched
//!   from elsewhere), compiled into the binary.

mod access;
mod args;
mod event;
mod hub;
mod listen;
mod request;
mod server;
mod tally;

pub use access::{Access, AccessError, MIN_TOKEN};
pub use args::{Config, DEFAULT_PORT, WallArgs, parse_addr};
pub use event::{Outcome, Passage, WallEvent};
pub use hub::{Change, KEEP, Snapshot, Update, Wall};
pub use listen::{CONNECTIONS, Limits};
pub use request::{Refusal, loopback_host, token_in};
pub use server::{router, serve, serve_with};
pub use tally::Tally;

use anyhow::Context as _;

/// A wall being served; dropping it stops the server.
pub struct Running {
    wall: Wall,
    access: Access,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Where to publish questions.
    pub fn wall(&self) -> &Wall {
        &self.wall
    }

    /// The page's address (with the token when one is needed).
    pub fn url(&self) -> String {
        self.access.url()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds the wall's address and serves it on the current tokio runtime.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let addr = config.access.addr();
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("could not listen on {addr} for the wall; is another program using the port? choose another with --wall 127.0.0.1:PORT")
    })?;
    let access = config.access.bound_to(
        listener
            .local_addr()
            .context("reading the wall's address")?,
    );
    let wall = Wall::new(config.names);
    let task = tokio::spawn({
        let (wall, access) = (wall.clone(), access.clone());
        async move {
            if let Err(err) = serve_with(listener, wall, access, config.limits).await {
                tracing::error!("the wall stopped: {err}");
            }
        }
    });
    // The address without the token: logs are kept, the token is not for them.
    tracing::info!(
        address = %access.addr(),
        token = access.needs_token(),
        connections = config.limits.connections,
        "the wall is up"
    );
    Ok(Running { wall, access, task })
}
