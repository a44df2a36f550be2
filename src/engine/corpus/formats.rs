//! The registry of the document formats passagebot reads, and the choice of one
//! by file name. Kept apart from the [`Format`] trait, which every format's file
//! implements, so the dependencies run one way.

use std::path::Path;

use super::format::Format;
use super::{html, markdown, pdf, plain};

/// Every format passagebot reads.
pub static FORMATS: &[&dyn Format] = &[&markdown::Markdown, &plain::Plain, &html::Html, &pdf::Pdf];

/// The document kinds passagebot reads, for help texts and error messages.
/// A unit test checks it names every extension in [`FORMATS`].
pub const DOCUMENT_KINDS: &str = ".md/.markdown, .txt/.text, .html/.htm or .pdf";

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
