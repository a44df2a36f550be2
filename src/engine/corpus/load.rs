//! Walking a corpus folder: every file of a known format is read and parsed;
//! one that cannot be (binary, not UTF-8, empty, unknown format, over a
//! [`limits`](super::limits) limit) is skipped with the reason, and the rest
//! is still loaded.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::limits::{MAX_FILE_BYTES, MAX_PASSAGES_PER_FILE, too_big, too_many_passages};
use super::{BlockKind, Document, chunk, formats, frontmatter};
use crate::error::{Error, Result};

/// A file left out of the corpus, and why, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub source: String,
    pub reason: String,
}

/// The documents of a corpus folder and the files that were skipped.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub documents: Vec<Document>,
    pub skipped: Vec<Skipped>,
}

/// Files of a corpus folder, sorted, recursively; hidden names are left out.
pub fn corpus_files(dir: &Path) -> Result<Vec<PathBuf>> {
    match fs::metadata(dir) {
        Err(_) => return Err(Error::CorpusMissing { path: dir.into() }),
        Ok(m) if !m.is_dir() => return Err(Error::CorpusNotAFolder { path: dir.into() }),
        Ok(_) => {}
    }
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = fs::read_dir(&d).map_err(|source| Error::Read {
            path: d.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Read {
                path: d.clone(),
                source,
            })?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The corpus files that are documents: everything [`corpus_files`] lists,
/// except what lies inside the index folder (when someone keeps the index
/// inside the corpus, its own files must not become documents, nor make every
/// build look like a change).
pub fn document_files(corpus: &Path, index: &Path) -> Result<Vec<PathBuf>> {
    let files = corpus_files(corpus)?;
    let Ok(index) = index.canonicalize() else {
        return Ok(files);
    };
    Ok(files
        .into_iter()
        .filter(|f| !f.canonicalize().is_ok_and(|f| f.starts_with(&index)))
        .collect())
}

/// How a file is named to people: the corpus folder as given, then the path inside it.
pub fn display_source(dir: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(dir).unwrap_or(file);
    let root = dir.to_string_lossy();
    let root = root.trim_end_matches('/');
    let rel = rel.to_string_lossy();
    if root.is_empty() || root == "." {
        rel.into_owned()
    } else {
        format!("{root}/{rel}")
    }
}

/// Loads every readable document of `dir`.
///
/// A missing folder, or one without a single readable document, is an error;
/// a bad file only adds to [`LoadReport::skipped`].
pub fn load_corpus(dir: &Path) -> Result<LoadReport> {
    let mut report = LoadReport {
        documents: Vec::new(),
        skipped: Vec::new(),
    };
    for file in corpus_files(dir)? {
        let source = display_source(dir, &file);
        match load_file(&file, &source) {
            Ok(doc) => report.documents.push(doc),
            Err(reason) => {
                tracing::warn!("skipping {source}: {reason}");
                report.skipped.push(Skipped { source, reason });
            }
        }
    }
    if report.documents.is_empty() {
        return Err(Error::CorpusEmpty {
            path: dir.into(),
            skipped: report.skipped.len(),
        });
    }
    Ok(report)
}

/// Reads and parses one file; the error is the reason it was skipped.
pub fn load_file(path: &Path, source: &str) -> Result<Document, String> {
    let Some(format) = formats::for_path(path) else {
        return Err(format!(
            "not a format passagebot reads (it reads {})",
            formats::DOCUMENT_KINDS
        ));
    };
    let bytes = read_capped(path)?;
    let hash = hex(&Sha256::digest(&bytes));
    let mut parsed = format.parse(path, &bytes)?;
    drop(bytes);
    if !parsed.blocks.iter().any(|b| b.kind == BlockKind::Paragraph) {
        return Err("empty: no text to index".into());
    }
    let passages = chunk::count(&parsed.blocks, MAX_PASSAGES_PER_FILE);
    if passages > MAX_PASSAGES_PER_FILE {
        return Err(too_many_passages(passages));
    }
    if parsed.author.is_none() {
        parsed.author = parsed
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Paragraph)
            .take(2)
            .find_map(|b| frontmatter::byline(&b.text));
    }
    let title = parsed.title.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| source.to_string())
    });
    Ok(Document {
        source: source.to_string(),
        title,
        author: parsed.author,
        url: parsed.url,
        blocks: parsed.blocks,
        hash,
    })
}

/// The file's bytes, unless it is over [`MAX_FILE_BYTES`] (checked before
/// reading, and again while reading in case it grows meanwhile).
fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read it: {e}");
    let file = fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        // A FIFO or device would block or never end.
        return Err("not a regular file (a pipe or a device); remove it from the corpus".into());
    }
    let size = meta.len();
    if size > MAX_FILE_BYTES {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_are_skipped_with_reasons_and_the_rest_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("good.md"), "# Good\n\nBy Ann Lee\n\nReal text.\n").expect("write");
        fs::write(d.join("bin.txt"), b"abc\0def").expect("write");
        fs::write(d.join("latin1.txt"), b"caf\xe9").expect("write");
        fs::write(d.join("empty.md"), "\n\n").expect("write");
        fs::write(d.join("image.png"), b"png").expect("write");
        fs::write(d.join(".hidden.md"), "x").expect("write");
        let report = load_corpus(d).expect("loads");
        assert_eq!(report.documents.len(), 1);
        assert_eq!(report.documents[0].title, "Good");
        assert_eq!(report.documents[0].author.as_deref(), Some("Ann Lee"));
        let reasons: Vec<_> = report
            .skipped
            .iter()
            .map(|s| {
                (
                    s.source.rsplit('/').next().unwrap_or_default().to_string(),
                    s.reason.clone(),
                )
            })
            .collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(
            reasons
                .iter()
                .any(|(f, r)| f == "bin.txt" && r.contains("binary"))
        );
        assert!(
            reasons
                .iter()
                .any(|(f, r)| f == "latin1.txt" && r.contains("UTF-8"))
        );
        assert!(
            reasons
                .iter()
                .any(|(f, r)| f == "empty.md" && r.contains("empty"))
        );
        assert!(
            reasons
                .iter()
                .any(|(f, r)| f == "image.png" && r.contains("format"))
        );
    }

    #[test]
    fn missing_and_empty_folders_are_errors_naming_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope");
        let err = load_corpus(&missing).expect_err("missing");
        assert!(err.to_string().contains("nope"));
        let err = load_corpus(dir.path()).expect_err("empty");
        assert!(err.to_string().contains("no document"));
    }

    /// Issue 14, item 1: there was no limit on a file's size, and a file
    /// with one huge paragraph made hours of encoder work.
    #[test]
    fn files_over_the_size_or_passage_limits_are_skipped_with_the_numbers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("good.txt"), "Real text.\n").expect("write");
        let big = fs::File::create(d.join("big.txt")).expect("create");
        big.set_len(MAX_FILE_BYTES + 1).expect("sparse file");
        let sentence = "Sales and marketing share one goal, and a sentence says so here. ";
        let many = sentence.repeat(MAX_PASSAGES_PER_FILE * 12);
        fs::write(d.join("long.txt"), &many).expect("write");
        let report = load_corpus(d).expect("loads");
        assert_eq!(report.documents.len(), 1);
        let reason = |name: &str| {
            report
                .skipped
                .iter()
                .find(|s| s.source.ends_with(name))
                .map(|s| s.reason.clone())
                .unwrap_or_default()
        };
        let r = reason("big.txt");
        assert!(
            r.contains("16.0 MiB") && r.contains("16777217 bytes"),
            "{r}"
        );
        let r = reason("long.txt");
        assert!(r.contains("passages") && r.contains("5000"), "{r}");
        // Just under the limits is indexed.
        let fits = sentence.repeat(MAX_PASSAGES_PER_FILE * 5);
        fs::write(d.join("long.txt"), &fits).expect("write");
        let doc = load_file(&d.join("long.txt"), "long.txt").expect("fits");
        let n = chunk::chunk(0, &doc).len();
        assert!(
            n > MAX_PASSAGES_PER_FILE / 2 && n <= MAX_PASSAGES_PER_FILE,
            "{n}"
        );
    }

    #[test]
    fn title_falls_back_to_the_file_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("notes.txt"), "Just text.\n").expect("write");
        let report = load_corpus(dir.path()).expect("loads");
        assert_eq!(report.documents[0].title, "notes");
    }
}
