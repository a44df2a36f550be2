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
//! - [`answer`]: formatting answers for the terminal, JSON and Telegram HTML (pure);
//! - [`store`]: the SQLite data folder (tickets, question log, feedback).
//!
//! **The engine** (a question in, ranked passages out):
//! - [`corpus`]: loading documents (one file per format) and chunking them into
//!   passages that never cut a sentence; [`analysis`]: the English analyser shared by
//!   index and queries; [`index`]: the tantivy schema, atomic (re)builds, freshness;
//! - [`search`]: the [`search::Engine`]; [`intent`]: question shapes recognised by
//!   rule; [`rerank`]: the proximity rerank, [`semantic`] the sentence encoder that adds
//!   meaning to it, [`tuning`] their knobs; [`confidence`]: the `confident` signal;
//! - [`live`]: the swappable engine a long-running bot holds; [`eval`]: scoring on
//!   question files;
//! - [`config`] and [`error`]: shared settings and typed errors.

pub mod analysis;
pub mod answer;
pub mod answer_span;
pub mod bot;
pub mod cli;
pub mod confidence;
pub mod config;
pub mod conversation;
pub mod corpus;
pub mod error;
pub mod eval;
pub mod index;
pub mod intent;
pub mod live;
pub mod report;
pub mod rerank;
pub mod search;
pub mod semantic;
pub mod store;
pub mod tuning;
pub mod wall;

pub use config::Paths;
pub use error::{Error, Result};
pub use search::{Answer, Engine, Hit, IndexSummary};
