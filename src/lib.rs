//! passagebot: ask a document questions, get the passages that answer them,
//! quoted verbatim — in the terminal or in Telegram.
//!
//! # Layout
//! Three layers; each uses only the ones below it.
//!
//! **Surfaces** (how people reach it):
//! - [`cli`]: the command line (clap flags, one file per subcommand);
//! - [`bot`]: the Telegram bot, a thin adapter: updates into [`conversation`] events,
//!   its effects into Bot API calls;
//! - [`report`]: the classroom report (text and HTML with inline SVG charts);
//! - [`wall`]: the live wall for a projector (a page and its event stream); the
//!   conversation and the terminal chat publish plain events to it.
//!
//! **The conversation** (the rules, no I/O of its own but the database):
//! - [`conversation`]: the ask step every surface shares (search, the hand-over rule,
//!   log), the hand-over rule itself, tickets and the operator relay, feedback,
//!   `/forget`, and the terminal chat session;
//! - [`render`]: how an [`Answer`] is shown: the terminal, JSON and Telegram HTML
//!   (pure; named apart from the engine's `Answer` it renders);
//! - [`store`]: the SQLite data folder (tickets, question log, feedback).
//!
//! **The engine** (a question in, ranked passages out), all under [`engine`]:
//! documents into passages ([`engine::corpus`]), the tantivy index
//! ([`engine::index`]), the [`Engine`] with its knobs, the sentence encoder and the
//! confidence signal, the swappable engine a bot holds ([`engine::live`]), scoring on
//! question files ([`engine::eval`]).
//!
//! - [`config`] and [`error`]: shared settings and typed errors.

pub mod bot;
pub mod cli;
pub mod config;
pub mod conversation;
pub mod engine;
pub mod error;
pub mod render;
pub mod report;
pub mod store;
pub mod wall;

pub use config::Paths;
pub use engine::search::{Answer, Engine, Hit, IndexSummary};
pub use error::{Error, Result};
