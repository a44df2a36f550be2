//! The engine's typed errors. Each message names the path involved and says
//! what to do; the binary prefixes them with `passagebot: `.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "corpus folder {} does not exist; create it and put documents in it ({}), or pass --corpus DIR",
        path.display(),
        crate::engine::corpus::formats::DOCUMENT_KINDS
    )]
    CorpusMissing { path: PathBuf },

    #[error("{} is not a folder; pass --corpus DIR with a folder of documents", path.display())]
    CorpusNotAFolder { path: PathBuf },

    #[error(
        "corpus folder {} has no document passagebot can read{}; add a {} file",
        path.display(),
        if *skipped > 0 { format!(" ({skipped} file(s) skipped, see the warnings above)") } else { String::new() },
        crate::engine::corpus::formats::DOCUMENT_KINDS
    )]
    CorpusEmpty { path: PathBuf, skipped: usize },

    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "cannot write the index in {}: {source}; make the folder writable or pass --index DIR",
        path.display()
    )]
    IndexWrite {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "another passagebot process is building the index in {}; wait for it to finish and try again",
        path.display()
    )]
    IndexBusy { path: PathBuf },

    #[error(
        "the index in {} cannot be used ({reason}); run `passagebot index` to rebuild it",
        path.display()
    )]
    IndexUnusable { path: PathBuf, reason: String },

    #[error("cannot watch {} for changes ({reason}); restart the bot after editing the corpus", path.display())]
    Watch { path: PathBuf, reason: String },

    #[error("the sentence encoder failed ({0}); rebuild passagebot from a clean checkout")]
    Model(String),

    #[error("search index failure: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
