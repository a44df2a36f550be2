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
//! - [`folder`]: the folder's life, one owner: freshness, the lock, opening
//!   (read-only, checksums checked), a generation staged and switched in,
//!   repair of a damaged one; [`readonly`]: the tantivy directory it opens
//!   with, which never writes;
//! - [`build`]: the work of one build, in named steps;
//! - [`schema`]: fields and analysis; [`manifest`]: what a build was made from;
//!   [`phrasings`]: known questions attached to passages, stored beside them.

pub mod build;
pub mod folder;
pub mod manifest;
pub mod phrasings;
pub mod readonly;
pub mod schema;

pub use build::{BuildEvent, BuildReport, Changes, build, update};
pub use folder::{Freshness, IndexFolder, Mode, Opened};
pub use manifest::Manifest;

/// File in the index folder naming the live generation.
pub const CURRENT: &str = "CURRENT";
/// Lock file held while building.
pub const LOCK: &str = ".lock";
/// Prefix of generation folders.
pub const GENERATION_PREFIX: &str = "gen-";
/// Prefix of generations still being built (removed if a build dies).
pub const BUILDING_PREFIX: &str = ".build-";
