//! passagebot: ask a document questions, get the passages that answer them,
//! quoted verbatim — in the terminal or in Telegram.
//!
//! # Layout
//! - [`corpus`]: loading documents (one file per format) and chunking them
//!   into passages that never cut a sentence;
//! - [`analysis`]: the English analyser shared by index and queries;
//! - [`index`]: the tantivy schema, atomic (re)builds, freshness checks;
//! - [`intent`]: question shapes recognised by rule (who wrote it?);
//! - [`live`]: the swappable engine a long-running bot holds;
//! - [`search`]: the [`search::Engine`] — a question in, ranked passages out;
//! - [`rerank`]: the second-stage proximity rerank, [`semantic`] the sentence
//!   encoder that adds meaning to it, [`tuning`] their knobs;
//! - [`confidence`]: the calibrated `confident` signal;
//! - [`answer`]: formatting answers for the terminal, JSON and Telegram;
//! - [`chat`]: the terminal chat session; [`eval`]: scoring on question files;
//! - [`handoff`]: the hand-over rule (when a person serves a question better);
//! - [`store`]: the SQLite data folder (tickets, question log, feedback);
//! - [`report`]: the classroom report (text and HTML with inline SVG charts);
//! - [`cli`] and [`commands`]: the command line;
//! - [`bot`]: the Telegram bot;
//! - [`config`] and [`error`]: shared settings and typed errors.

pub mod analysis;
pub mod answer;
pub mod answer_span;
pub mod bot;
pub mod chat;
pub mod cli;
pub mod commands;
pub mod confidence;
pub mod config;
pub mod corpus;
pub mod error;
pub mod eval;
pub mod handoff;
pub mod index;
pub mod intent;
pub mod live;
pub mod report;
pub mod rerank;
pub mod search;
pub mod semantic;
pub mod store;
pub mod tuning;

pub use config::Paths;
pub use error::{Error, Result};
pub use search::{Answer, Engine, Hit, IndexSummary};
