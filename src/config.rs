//! Resolved settings shared by every surface (CLI, bot, tests).

use std::path::PathBuf;

/// Where the corpus is read from and the index is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub corpus: PathBuf,
    pub index: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            corpus: PathBuf::from("corpus"),
            index: PathBuf::from("index"),
        }
    }
}

/// How many passages an answer shows unless asked otherwise.
pub const DEFAULT_TOP: usize = 3;

/// Questions are cut to this many characters before analysis: enough for any
/// real question, and it bounds the work a pasted essay can cause.
pub const MAX_QUESTION_CHARS: usize = 1000;
