//! The on-disk index: a folder holding generations of a tantivy index.
//!
//! ```text
//! index/README.md        says the folder is generated (committed)
//! index/CURRENT          name of the live generation, replaced atomically
//! index/gen-<id>/        a complete tantivy index + manifest.json
//! index/.lock            held by the one process that is building
//! ```
//! A build writes a new generation aside and only then points `CURRENT` at
//! it, so an interrupted build leaves the previous index serving.
//!
//! - [`schema`]: fields and analysis; [`manifest`]: what a build was made from;
//! - [`build`]: the atomic rebuild; [`open`]: opening and freshness checks.

pub mod build;
pub mod manifest;
pub mod open;
pub mod schema;

pub use build::{BuildEvent, BuildReport, Changes, Mode, build, update};
pub use manifest::Manifest;
pub use open::{Freshness, Opened, freshness, open};

/// File in the index folder naming the live generation.
pub const CURRENT: &str = "CURRENT";
/// Lock file held while building.
pub const LOCK: &str = ".lock";
/// Prefix of generation folders.
pub const GENERATION_PREFIX: &str = "gen-";
/// Prefix of generations still being built (removed if a build dies).
pub const BUILDING_PREFIX: &str = ".build-";
