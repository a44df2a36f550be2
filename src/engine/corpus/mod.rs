//! The corpus: documents loaded from a folder, cleaned of markup, and cut into
//! passages.
//!
//! - [`format`]: the [`format::Format`] trait; [`formats`]: the list of known ones;
//!   one file per format ([`markdown`], [`plain`], [`html`], [`pdf`]), so a new
//!   format is a new file.
//! - [`frontmatter`]: `title:` / `author:` / `url:` metadata shared by formats.
//! - [`walk`]: which entries of the folder are read (regular files inside its
//!   real path, each once); [`load`]: reading them, skipping unreadable files
//!   with a reason.
//! - [`limits`]: what one file may cost (size, passages, context, HTML depth).
//! - [`sentence`] and [`chunk`]: passages that follow the document's paragraphs
//!   and never cut a sentence.

pub mod chunk;
pub mod format;
pub mod formats;
pub mod frontmatter;
pub mod html;
pub mod limits;
pub mod load;
pub mod markdown;
pub mod pdf;
pub mod plain;
pub mod sentence;
pub mod walk;

use std::ops::Range;

pub use chunk::{Passage, chunk};
pub use load::{LoadReport, Skipped, load_corpus};

/// What a block of a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A heading of the given level (1 = `#`).
    Heading(u8),
    /// A paragraph, list, quote or code block: text a passage can quote.
    Paragraph,
}

/// A block of clean text (no markup) with its byte span in the source text (the file
/// as decoded: UTF-8, without a byte-order mark).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    pub text: String,
    pub span: Range<usize>,
}

/// A document after its format was parsed: metadata plus clean blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub title: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub blocks: Vec<Block>,
}

impl Parsed {
    /// A document with the metadata of its front matter (or none) and no blocks yet.
    pub fn with_meta(meta: frontmatter::FrontMatter) -> Parsed {
        Parsed {
            title: meta.title,
            author: meta.author,
            url: meta.url,
            blocks: Vec::new(),
        }
    }

    /// Falls back to the first level-1 heading when no title is set.
    pub fn title_from_first_heading(mut self) -> Parsed {
        if self.title.is_none() {
            self.title = self
                .blocks
                .iter()
                .find(|b| b.kind == BlockKind::Heading(1))
                .map(|b| b.text.clone());
        }
        self
    }
}

/// A loaded document, ready to be chunked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Path as shown to people and in `--json` (`corpus/name.md`).
    pub source: String,
    pub title: String,
    pub author: Option<String>,
    pub url: Option<String>,
    /// Paragraph blocks and the headings between them, in document order.
    pub blocks: Vec<Block>,
    /// SHA-256 of the file's bytes, hex.
    pub hash: String,
}

/// Collapses runs of whitespace (including newlines) to single spaces and trims.
pub fn normalise_space(text: &str) -> String {
    // Pushed word by word: collecting the words first cost 16 bytes a word.
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}
