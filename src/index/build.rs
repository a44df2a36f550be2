//! Building an index from a corpus folder, aside and then switched in
//! atomically; a second concurrent build is refused.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use fs4::fs_std::FileExt;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::manifest::{self, DocEntry, Manifest, SkippedEntry};
use super::schema::{Fields, register_analyzer, schema};
use super::{BUILDING_PREFIX, CURRENT, GENERATION_PREFIX, LOCK};
use crate::corpus::{Passage, chunk, load_corpus};
use crate::error::{Error, Result};

/// What a build reports while it runs (for a progress bar).
#[derive(Debug, Clone, Copy)]
pub enum BuildEvent {
    /// The corpus is loaded and chunked: this many passages will be indexed.
    Chunked { documents: usize, passages: usize },
    /// This many passages are indexed so far.
    Indexed(usize),
    /// Writing the index to disk.
    Committing,
}

/// The summary of a finished build.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub manifest: Manifest,
    pub elapsed: Duration,
    /// Bytes of the new generation on disk.
    pub size_bytes: u64,
    pub location: PathBuf,
}

/// Memory for tantivy's indexing buffer; bounded, so big corpora stream.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// Rebuilds the index in `index_dir` from `corpus_dir`.
pub fn build(
    corpus_dir: &Path,
    index_dir: &Path,
    progress: &dyn Fn(BuildEvent),
) -> Result<BuildReport> {
    let started = Instant::now();
    let write_err = |source: std::io::Error| Error::IndexWrite {
        path: index_dir.into(),
        source,
    };
    fs::create_dir_all(index_dir).map_err(write_err)?;
    let _lock = lock(index_dir)?;
    remove_dead_builds(index_dir);

    let fingerprint = manifest::fingerprint(corpus_dir)?;
    let report = load_corpus(corpus_dir)?;
    let passages: Vec<Vec<Passage>> = report
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| chunk(i, d))
        .collect();
    let total: usize = passages.iter().map(Vec::len).sum();
    progress(BuildEvent::Chunked {
        documents: report.documents.len(),
        passages: total,
    });

    let staging = tempfile::Builder::new()
        .prefix(BUILDING_PREFIX)
        .tempdir_in(index_dir)
        .map_err(write_err)?;
    let index = Index::create_in_dir(staging.path(), schema())?;
    register_analyzer(&index);
    let fields = Fields::from_schema(&index.schema())?;
    let mut writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY)?;
    let mut done = 0;
    for passage in passages.iter().flatten() {
        writer.add_document(document(&fields, passage))?;
        done += 1;
        if done % 256 == 0 {
            progress(BuildEvent::Indexed(done));
        }
    }
    progress(BuildEvent::Indexed(done));
    progress(BuildEvent::Committing);
    writer.commit()?;
    writer.wait_merging_threads()?;

    let manifest = Manifest {
        layout: manifest::LAYOUT_VERSION,
        program_version: env!("CARGO_PKG_VERSION").into(),
        settings: manifest::settings(),
        corpus_fingerprint: fingerprint,
        built_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        passages: total,
        documents: report
            .documents
            .iter()
            .zip(&passages)
            .map(|(d, ps)| DocEntry {
                source: d.source.clone(),
                title: d.title.clone(),
                author: d.author.clone(),
                hash: d.hash.clone(),
                passages: ps.len(),
            })
            .collect(),
        skipped: report
            .skipped
            .iter()
            .map(|s| SkippedEntry {
                source: s.source.clone(),
                reason: s.reason.clone(),
            })
            .collect(),
    };
    manifest.write(staging.path()).map_err(write_err)?;
    let size_bytes = dir_size(staging.path());

    // Switch: the staged folder becomes a generation, then CURRENT names it.
    let name = generation_name();
    let location = index_dir.join(&name);
    let staged = staging.keep();
    fs::rename(&staged, &location).map_err(write_err)?;
    point_current_at(index_dir, &name).map_err(write_err)?;
    remove_old_generations(index_dir, &name);

    Ok(BuildReport {
        manifest,
        elapsed: started.elapsed(),
        size_bytes,
        location,
    })
}

fn document(f: &Fields, p: &Passage) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.text, &p.text);
    doc.add_text(f.context, &p.context);
    doc.add_text(f.title, &p.title);
    if let Some(h) = &p.heading {
        doc.add_text(f.heading, h);
    }
    doc.add_text(f.source, &p.source);
    doc.add_u64(f.paragraph, u64::from(p.paragraph));
    doc.add_u64(f.doc, p.doc as u64);
    doc.add_u64(f.ordinal, p.ordinal as u64);
    doc.add_u64(f.start, p.in_paragraph.start as u64);
    doc.add_u64(f.end, p.in_paragraph.end as u64);
    doc
}

/// Takes the build lock, or says that another build holds it.
fn lock(index_dir: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(index_dir.join(LOCK))
        .map_err(|source| Error::IndexWrite {
            path: index_dir.into(),
            source,
        })?;
    match file.try_lock_exclusive() {
        Ok(true) => Ok(file),
        Ok(false) => Err(Error::IndexBusy {
            path: index_dir.into(),
        }),
        Err(source) => Err(Error::IndexWrite {
            path: index_dir.into(),
            source,
        }),
    }
}

/// A new, unique generation name that sorts by time.
fn generation_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{GENERATION_PREFIX}{nanos:024}-{}", std::process::id())
}

/// Writes CURRENT through a temporary file and a rename, which is atomic.
fn point_current_at(index_dir: &Path, name: &str) -> std::io::Result<()> {
    let tmp = index_dir.join(format!("{CURRENT}.tmp"));
    let mut file = File::create(&tmp)?;
    file.write_all(name.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    fs::rename(&tmp, index_dir.join(CURRENT))?;
    // Make the rename itself durable.
    if let Ok(dir) = File::open(index_dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Staging folders left by a build that was killed (we hold the lock, so none is live).
fn remove_dead_builds(index_dir: &Path) {
    for entry in fs::read_dir(index_dir).into_iter().flatten().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(BUILDING_PREFIX)
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Generations other than the live one. A process still reading an old one
/// keeps its open files (memory-mapped files outlive their unlinking).
fn remove_old_generations(index_dir: &Path, live: &str) {
    for entry in fs::read_dir(index_dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(GENERATION_PREFIX)
            && name != live
            && let Err(e) = fs::remove_dir_all(entry.path())
        {
            tracing::warn!("could not remove old index generation {name}: {e}");
        }
    }
}

fn dir_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}
