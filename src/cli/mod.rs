//! The command line: the flags as clap parses them (`args.rs`) and what each
//! subcommand does, one file each. Kept out of `main.rs` so the binary only parses
//! and dispatches.

mod args;
pub mod ask;
pub mod bot;
pub mod chat;
pub mod eval;
pub mod files;
pub mod index;
pub mod learn;
pub mod report;

pub use args::{
    AskArgs, BotArgs, ChatArgs, Cli, Command, EvalArgs, IndexArgs, LearnArgs, LearnCommand,
    ReportArgs, parse_failure,
};

use std::io::IsTerminal;

use crate::config::Paths;
use crate::engine::search::Engine;
use crate::engine::tuning::Tuning;
use crate::render::terminal::Style;
use crate::store::{self, Store};

/// Opens the engine, building the index first when needed; the reason for a
/// build is one line on stderr.
fn engine(paths: &Paths, tuning: Tuning) -> crate::error::Result<Engine> {
    Engine::open_or_build_with(paths, tuning, &|line| eprintln!("passagebot: {line}"))
}

/// Colours and width for stdout.
fn stdout_style() -> Style {
    let tty = std::io::stdout().is_terminal();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(88usize)
        .min(100);
    Style {
        color: tty && std::env::var_os("NO_COLOR").is_none(),
        width,
    }
}

/// The data folder's store, which must exist already: `what` says what would have
/// filled it ("run `passagebot bot` … to collect questions first").
fn existing_store(data: &std::path::Path, what: &str) -> anyhow::Result<Store> {
    let file = data.join(store::FILE_NAME);
    if !file.exists() {
        anyhow::bail!("no data yet: {} does not exist; {what}", file.display());
    }
    Ok(Store::open(data, &store::Options::default())?)
}

/// The data folder's store when questions are to be logged (`--log`).
fn log_store(data: &std::path::Path, log: bool) -> anyhow::Result<Option<Store>> {
    if !log {
        return Ok(None);
    }
    Ok(Some(Store::open(data, &store::Options::default())?))
}
