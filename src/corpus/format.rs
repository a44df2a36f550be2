//! One trait for every document format, and the registry of the known ones.
//!
//! Adding a format means writing one module with a type implementing
//! [`Format`] and listing it in [`FORMATS`]; nothing else changes.

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

/// Every format passagebot reads.
pub static FORMATS: &[&dyn Format] = &[
    &super::markdown::Markdown,
    &super::plain::Plain,
    &super::html::Html,
    &super::pdf::Pdf,
];

/// The document kinds passagebot reads, for help texts and error messages.
/// A unit test checks it names every extension in [`FORMATS`].
pub const DOCUMENT_KINDS: &str = ".md/.markdown, .txt/.text, .html/.htm or .pdf";

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

/// The format for a path, by extension (case-insensitive).
pub fn for_path(path: &Path) -> Option<&'static dyn Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    FORMATS
        .iter()
        .copied()
        .find(|f| f.extensions().contains(&ext.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_kinds_names_every_known_extension() {
        for ext in FORMATS.iter().flat_map(|f| f.extensions()) {
            assert!(
                DOCUMENT_KINDS.contains(&format!(".{ext}")),
                "{ext} missing from {DOCUMENT_KINDS}"
            );
        }
    }
}
