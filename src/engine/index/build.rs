//! Building and updating an index from a corpus folder.
//!
//! Every build writes a new generation aside and then switches `CURRENT` to
//! it, so an interrupted build leaves the previous index serving. An
//! incremental build starts its generation from the live one: tantivy's
//! segment files never change once written, so they are hard-linked (cheap),
//! and only documents that were added, changed or removed are touched. A
//! document whose size and modification time are unchanged is not even read;
//! one whose bytes hash the same is not re-indexed. Documents are read,
//! chunked and indexed one at a time, so memory stays bounded on big corpora.
//! Only one build runs at a time in an index folder (a lock file).

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use fs4::fs_std::FileExt;
use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::manifest::{self, DocEntry, Manifest, SkippedEntry};
use super::schema::{Fields, register_analyzer, schema};
use super::{BUILDING_PREFIX, CURRENT, GENERATION_PREFIX, LOCK};
use crate::engine::corpus::load::{display_source, document_files, load_file};
use crate::engine::corpus::{Passage, chunk};
use crate::engine::semantic::{self, PassageVectors};
use crate::engine::summary::Summarizer;
use crate::engine::tuning::Tuning;
use crate::error::{Error, Result};

/// How to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reuse the live index and apply only what changed (a full build when
    /// there is no usable index).
    Incremental,
    /// Rebuild everything from scratch.
    Full,
    /// Work out what an incremental build would do; write nothing.
    Check,
}

/// What a build reports while it runs (for a progress bar).
#[derive(Debug, Clone, Copy)]
pub enum BuildEvent {
    /// This many corpus files will be looked at.
    Planned { files: usize },
    /// This many files are done.
    Done(usize),
    /// Writing the index to disk.
    Committing,
}

/// Documents added, changed and removed by a build (or a check).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// (source, passages)
    pub added: Vec<(String, usize)>,
    /// (source, passages before, passages after)
    pub changed: Vec<(String, usize, usize)>,
    /// (source, passages)
    pub removed: Vec<(String, usize)>,
    pub unchanged: usize,
    /// Passages of changed, renamed or moved documents whose text the index
    /// already held: they kept their meaning vectors instead of being
    /// encoded again.
    pub vectors_kept: usize,
    /// Whether everything was (or would be) rebuilt from scratch, and why.
    pub full_rebuild: Option<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// The summary of a finished build.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub manifest: Manifest,
    pub changes: Changes,
    pub elapsed: Duration,
    /// Bytes of the new generation on disk (0 for a check).
    pub size_bytes: u64,
    /// The new generation (None for a check).
    pub location: Option<PathBuf>,
}

/// Memory for tantivy's indexing buffer; bounded, so big corpora stream.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// Most passages of files gone from the corpus whose vectors a build holds
/// for files added with their text (about 2.5 KB each: 25 MB).
const MOVED_VECTORS_LIMIT: usize = 10_000;

/// Arithmetic per token of all-MiniLM-L6-v2 outside attention: two per
/// weight of its six layers (4 × 384² + 2 × 384 × 1,536), for the rate a
/// build logs (`RUST_LOG=passagebot=info`).
const ENCODER_FLOP_PER_TOKEN: f64 = 2.0 * 6.0 * (4.0 * 384.0 * 384.0 + 2.0 * 384.0 * 1536.0);

/// Passages encoded per call to the encoder while building. A file is chunked
/// whole, but its passages (and their sentences) go through the encoder this
/// many at a time and are handed to the writer before the next group, so a
/// one-paragraph book costs no more memory than a short file (issue #14).
/// The encoder's own batches are bounded by attention size, so the group
/// bounds only the texts and vectors held (about 1,500 texts and 2 MB of
/// vectors for 256 passages). Smaller groups cost speed: the encoder sorts a
/// call's texts by length into batches, and 32 passages a call left more
/// padding and part-filled batches (about 10% more CPU time on one SQuAD
/// article, BENCHMARKS.md).
const EMBED_GROUP: usize = 256;

/// Incrementally updates (or first builds) the index in `index_dir`.
pub fn build(
    corpus_dir: &Path,
    index_dir: &Path,
    tuning: &Tuning,
    progress: &dyn Fn(BuildEvent),
) -> Result<BuildReport> {
    update(corpus_dir, index_dir, tuning, Mode::Incremental, progress)
}

/// Builds, updates or checks the index in `index_dir` from `corpus_dir`.
pub fn update(
    corpus_dir: &Path,
    index_dir: &Path,
    tuning: &Tuning,
    mode: Mode,
    progress: &dyn Fn(BuildEvent),
) -> Result<BuildReport> {
    let started = Instant::now();
    let write_err = |source: std::io::Error| Error::IndexWrite {
        path: index_dir.into(),
        source,
    };
    let files = document_files(corpus_dir, index_dir)?;
    let _lock = if mode == Mode::Check {
        None
    } else {
        fs::create_dir_all(index_dir).map_err(write_err)?;
        let lock = lock(index_dir)?;
        remove_dead_builds(index_dir);
        Some(lock)
    };
    let fingerprint = manifest::fingerprint_of(corpus_dir, &files);

    let previous = match mode {
        Mode::Full => Err("asked for a full rebuild".to_string()),
        _ => usable_previous(index_dir, tuning),
    };
    let mut changes = Changes {
        full_rebuild: previous.as_ref().err().cloned(),
        ..Changes::default()
    };
    let mut known: HashMap<String, DocEntry> = match &previous {
        Ok((_, m)) => m
            .documents
            .iter()
            .map(|d| (d.source.clone(), d.clone()))
            .collect(),
        Err(_) => HashMap::new(),
    };

    // The generation being written: a copy of the live one, or a new index.
    let staging = match mode {
        Mode::Check => None,
        _ => Some(
            tempfile::Builder::new()
                .prefix(BUILDING_PREFIX)
                .tempdir_in(index_dir)
                .map_err(write_err)?,
        ),
    };
    let mut writer = match (&staging, &previous) {
        (None, _) => None,
        (Some(dir), Ok((live, _))) => {
            link_copy(live, dir.path()).map_err(write_err)?;
            Some(writer_for(Index::open_in_dir(dir.path())?)?)
        }
        (Some(dir), Err(_)) => Some(writer_for(Index::create_in_dir(dir.path(), schema())?)?),
    };

    // Files gone from the corpus: a file added with their text (a rename, a
    // move) keeps their vectors, read once when the first such file comes.
    let sources: Vec<String> = files
        .iter()
        .map(|f| display_source(corpus_dir, f))
        .collect();
    let present: HashSet<&String> = sources.iter().collect();
    let mut gone: Vec<String> = known
        .keys()
        .filter(|source| !present.contains(*source))
        .cloned()
        .collect();
    let gone_passages: usize = gone
        .iter()
        .filter_map(|s| known.get(s))
        .map(|d| d.passages)
        .sum();
    if gone_passages > MOVED_VECTORS_LIMIT {
        // Their vectors would all be held at once: encoding anew costs time,
        // not memory.
        gone.clear();
    }
    let mut moved: Option<HashMap<String, Vec<u8>>> = None;

    progress(BuildEvent::Planned { files: files.len() });
    let mut documents = Vec::new();
    let mut skipped = Vec::new();
    for (done, (file, source)) in files.iter().zip(sources).enumerate() {
        let stamp = fs::metadata(file)
            .map(|m| manifest::stamp(&m))
            .unwrap_or_default();
        let old = known.remove(&source);
        match old {
            Some(old) if (old.size, old.mtime_ns) == stamp => {
                changes.unchanged += 1;
                documents.push(old);
            }
            old => match load_file(file, &source) {
                Ok(doc) => {
                    let entry_of = |passages, summary| DocEntry {
                        source: source.clone(),
                        title: doc.title.clone(),
                        author: doc.author.clone(),
                        hash: doc.hash.clone(),
                        passages,
                        size: stamp.0,
                        mtime_ns: stamp.1,
                        summary,
                    };
                    if let Some(old) = old.as_ref().filter(|o| o.hash == doc.hash) {
                        // Touched but the same bytes: nothing to re-index.
                        changes.unchanged += 1;
                        documents.push(entry_of(old.passages, old.summary.clone()));
                        continue;
                    }
                    let mut summarizer = Summarizer::new(doc.author.as_deref());
                    let passages = chunk(documents.len(), &doc);
                    if let Some((w, fields)) = writer.as_mut() {
                        // An edited file keeps the vectors of the passages whose
                        // text did not change: only new text is encoded.
                        let edited = if old.is_some() {
                            let kept =
                                stored_vectors(w.index(), fields, std::slice::from_ref(&source))?;
                            w.delete_term(Term::from_field_text(fields.source, &source));
                            Some(kept)
                        } else {
                            None
                        };
                        if edited.is_none() && moved.is_none() && !gone.is_empty() {
                            moved = Some(stored_vectors(w.index(), fields, &gone)?);
                        }
                        let none = HashMap::new();
                        let kept = edited.as_ref().or(moved.as_ref()).unwrap_or(&none);
                        // Encoded and written a group at a time: a long file's
                        // vectors and the encoder's batches never pile up.
                        for group in passages.chunks(EMBED_GROUP) {
                            let fresh: Vec<&Passage> = group
                                .iter()
                                .filter(|p| !kept.contains_key(&p.text))
                                .collect();
                            let mut encoded = embed(&fresh, tuning)?.into_iter();
                            for p in group {
                                let vectors = match kept.get(&p.text) {
                                    Some(bytes) => {
                                        changes.vectors_kept += 1;
                                        summarizer
                                            .add(p, PassageVectors::from_bytes(bytes).as_ref());
                                        Some(bytes.clone())
                                    }
                                    None => encoded.next().map(|v| {
                                        summarizer.add(p, Some(&v));
                                        v.to_bytes()
                                    }),
                                };
                                if vectors.is_none() {
                                    summarizer.add(p, None);
                                }
                                w.add_document(document(fields, p, vectors.as_deref()))?;
                            }
                        }
                    }
                    match &old {
                        Some(o) => {
                            changes
                                .changed
                                .push((source.clone(), o.passages, passages.len()))
                        }
                        None => changes.added.push((source.clone(), passages.len())),
                    }
                    documents.push(entry_of(passages.len(), summarizer.finish()));
                }
                Err(reason) => {
                    tracing::warn!("skipping {source}: {reason}");
                    if let Some(o) = old {
                        known.insert(o.source.clone(), o);
                    }
                    skipped.push(SkippedEntry { source, reason });
                }
            },
        }
        progress(BuildEvent::Done(done + 1));
    }
    // What is left of the previous build is gone from the corpus (or now unreadable).
    let mut removed: Vec<DocEntry> = known.into_values().collect();
    removed.sort_by(|a, b| a.source.cmp(&b.source));
    for old in removed {
        if let Some((w, fields)) = writer.as_mut() {
            w.delete_term(Term::from_field_text(fields.source, &old.source));
        }
        changes.removed.push((old.source, old.passages));
    }
    if documents.is_empty() {
        return Err(Error::CorpusEmpty {
            path: corpus_dir.into(),
            skipped: skipped.len(),
        });
    }

    let manifest = Manifest {
        layout: manifest::LAYOUT_VERSION,
        program_version: env!("CARGO_PKG_VERSION").into(),
        settings: manifest::settings(tuning),
        corpus_fingerprint: fingerprint,
        built_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        passages: documents.iter().map(|d| d.passages).sum(),
        documents,
        skipped,
    };
    let (Some(staging), Some((mut writer, _))) = (staging, writer) else {
        return Ok(BuildReport {
            manifest,
            changes,
            elapsed: started.elapsed(),
            size_bytes: 0,
            location: None,
        });
    };
    let (tokens, padded) = semantic::tokens_encoded();
    if tokens > 0 {
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        tracing::info!(
            "encoded {tokens} tokens ({padded} with padding) in {secs:.1} s: {:.0} tokens/s, \
             about {:.1} GFLOP/s at 21.2 MFLOP a token",
            tokens as f64 / secs,
            tokens as f64 * ENCODER_FLOP_PER_TOKEN / secs / 1e9
        );
    }
    progress(BuildEvent::Committing);
    writer.commit()?;
    writer.wait_merging_threads()?;
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
        changes,
        elapsed: started.elapsed(),
        size_bytes,
        location: Some(location),
    })
}

/// The live generation and its manifest, when an incremental build can start
/// from it; otherwise why not (that becomes the reason for a full rebuild).
fn usable_previous(index_dir: &Path, tuning: &Tuning) -> Result<(PathBuf, Manifest), String> {
    match super::open(index_dir, tuning) {
        Ok(opened) => Ok((opened.location, opened.manifest)),
        Err(Error::IndexUnusable { reason, .. }) => Err(reason),
        Err(e) => Err(e.to_string()),
    }
}

fn writer_for(index: Index) -> Result<(IndexWriter, Fields)> {
    register_analyzer(&index);
    let fields = Fields::from_schema(&index.schema())?;
    let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY)?;
    Ok((writer, fields))
}

/// Fills `to` with the files of generation `from`: immutable segment files as
/// hard links (falling back to copies), the small metadata files as copies so
/// the new generation can change them without touching the live one.
fn link_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        if name_str.ends_with(".lock") {
            continue;
        }
        let target = to.join(&name);
        let mutable = name_str == "meta.json"
            || name_str == ".managed.json"
            || name_str == manifest::FILE_NAME;
        if mutable || fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The stored vectors of the passages of `sources` in the generation being
/// updated, by passage text. Vectors depend on the text alone (and on the
/// settings, which force a full build when they change), so a passage whose
/// text is unchanged can keep them.
fn stored_vectors(
    index: &Index,
    fields: &Fields,
    sources: &[String],
) -> Result<HashMap<String, Vec<u8>>> {
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let mut kept = HashMap::new();
    for source in sources {
        let query = TermQuery::new(
            Term::from_field_text(fields.source, source),
            IndexRecordOption::Basic,
        );
        for address in searcher.search(&query, &DocSetCollector)? {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = doc.get_first(fields.text).and_then(|v| v.as_str());
            let bytes = doc.get_first(fields.embedding).and_then(|v| v.as_bytes());
            if let (Some(text), Some(bytes)) = (text, bytes) {
                kept.insert(text.to_string(), bytes.to_vec());
            }
        }
    }
    Ok(kept)
}

/// The passages' sentence embeddings, or none when the semantic stage is off.
fn embed(passages: &[&Passage], tuning: &Tuning) -> Result<Vec<PassageVectors>> {
    if !tuning.semantic_enabled() || passages.is_empty() {
        return Ok(Vec::new());
    }
    let texts: Vec<&str> = passages.iter().map(|p| p.text.as_str()).collect();
    semantic::encoder()?.passages(&texts, tuning.late_chunking)
}

fn document(f: &Fields, p: &Passage, vectors: Option<&[u8]>) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.text, &p.text);
    doc.add_text(f.context, &p.context);
    doc.add_text(f.title, &p.title);
    if let Some(h) = &p.heading {
        doc.add_text(f.heading, h);
    }
    doc.add_text(f.source, &p.source);
    doc.add_u64(f.paragraph, u64::from(p.paragraph));
    doc.add_u64(f.ordinal, p.ordinal as u64);
    doc.add_u64(f.start, p.in_paragraph.start as u64);
    doc.add_u64(f.end, p.in_paragraph.end as u64);
    if let Some(bytes) = vectors {
        doc.add_bytes(f.embedding, bytes);
    }
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
