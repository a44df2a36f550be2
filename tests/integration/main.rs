//! passagebot's integration tests, compiled as one binary (like ripgrep's): the
//! library, candle, tantivy, teloxide and SQLite are linked once, not once per file.
//!
//! One module per topic; `support/` holds what they share (scratch corpora, the fake
//! Bot API server, the running-bot harness). Run one topic with
//! `cargo test --test integration bot::`.

mod bot;
mod bot_reliability;
mod bot_reload;
mod classroom;
mod cli;
mod conversation;
mod corpus_walk;
#[cfg(unix)]
mod data_folder;
mod formats;
mod handoff;
mod index;
mod index_folder;
mod learning;
mod live;
mod newcomer;
mod phrasings;
mod quality;
mod reliability;
mod report;
mod support;
mod wall;
mod wall_page;
#[cfg(unix)]
mod wall_port;
