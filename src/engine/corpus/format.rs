//! One trait for every document format, and what text formats share.
//!
//! Adding a format means writing one module with a type implementing
//! [`Format`] and listing it in [`super::formats::FORMATS`]; nothing else changes.

use std::path::Path;

use super::Parsed;

/// A document format: which file extensions it reads and how.
pub trait Format: Sync {
    /// Lower-case file extensions without the dot.
    fn extensions(&self) -> &'static [&'static str];
    /// Parses a file's bytes into metadata and clean blocks.
    ///
    /// Errors are reasons a person can act on ("no text layer", …).
    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<Parsed, String>;
}

/// The bytes of a text format as UTF-8, or why they are not.
pub fn utf8(bytes: &[u8]) -> Result<&str, String> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err("binary file, not text".into());
    }
    std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (bad byte at offset {}); save it as UTF-8",
            e.valid_up_to()
        )
    })
}
