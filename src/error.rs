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

/// `err` and its causes on one line, `: `-separated, leaving out each cause whose
/// text is already in the line. Many messages here quote their cause inside the
/// sentence (so the next step can follow it) and also keep it as their `source()`,
/// and anyhow's `{:#}` then printed the same OS error twice ("…: Permission denied
/// (os error 13); pass --data DIR …: Permission denied (os error 13)").
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = c.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn denied() -> std::io::Error {
        std::io::Error::from_raw_os_error(13)
    }

    /// Issue 23: an OS error quoted in the message and kept as its source was
    /// printed twice by `{:#}`.
    #[test]
    fn a_quoted_cause_is_printed_once_and_an_unquoted_one_still_follows() {
        let err = anyhow::Error::from(Error::IndexWrite {
            path: PathBuf::from("idx"),
            source: denied(),
        });
        let os = denied().to_string();
        assert_eq!(format!("{err:#}").matches(&os).count(), 2, "the old way");
        assert_eq!(
            chain(err.as_ref()),
            format!(
                "cannot write the index in idx: {os}; make the folder writable or pass --index DIR"
            )
        );
        let wrapped = anyhow::Error::from(denied()).context("cannot write report.html");
        assert_eq!(
            chain(wrapped.as_ref()),
            format!("cannot write report.html: {os}")
        );
    }
}
