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
//! Only one build runs at a time in an index folder (a lock file). The
//! folder itself (lock, staging, switch, opening) is
//! [`IndexFolder`](super::folder::IndexFolder)'s; this file is the work of
//! one build, in named steps (see [`update`]).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use tempfile::TempDir;

use super::folder::{BuildLock, IndexFolder, Mode, Opened, dir_size};
use super::manifest::{self, DocEntry, Manifest, SkippedEntry};
use super::phrasings;
use super::schema::{Fields, register_analyzer, schema};
use crate::engine::corpus::load::{display_source, document_files, load_found};
use crate::engine::corpus::walk::{Found, Walk};
use crate::engine::corpus::{Passage, chunk};
use crate::engine::semantic::{self, PassageVectors};
use crate::engine::summary::Summarizer;
use crate::engine::tuning::Tuning;
use crate::error::{Error, Result};

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
    /// Whether a phrasing file was added, edited or removed (its phrasings
    /// were attached again).
    pub phrasings_changed: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && !self.phrasings_changed
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

/// Builds, updates or checks the index in `index_dir` from `corpus_dir`, in
/// named steps: walk the corpus, take the lock, [`Build::plan`] against the
/// live generation, [`stage`] the new one, [`Build::file`] each corpus file,
/// [`Build::remove_gone`], then [`Build::manifest`] and [`commit`] (switched
/// in by the lock).
pub fn update(
    corpus_dir: &Path,
    index_dir: &Path,
    tuning: &Tuning,
    mode: Mode,
    progress: &dyn Fn(BuildEvent),
) -> Result<BuildReport> {
    let started = Instant::now();
    let folder = IndexFolder::new(index_dir);
    let walked = document_files(corpus_dir, index_dir)?;
    let lock = match mode {
        Mode::Check => None,
        _ => Some(folder.lock()?),
    };
    let fingerprint = manifest::fingerprint_of(corpus_dir, &walked);
    let previous = match mode {
        Mode::Full => Err("asked for a full rebuild".to_string()),
        _ => folder.previous(tuning),
    };
    let mut writer = match &lock {
        Some(lock) => Some(stage(lock, previous.as_ref().ok())?),
        None => None,
    };
    let previous_location = previous.as_ref().ok().map(|o| o.location.clone());
    let previous_phrasings = previous
        .as_ref()
        .ok()
        .map(|o| o.manifest.phrasings.fingerprint.clone());
    let mut build = Build::plan(corpus_dir, &walked, previous);

    progress(BuildEvent::Planned {
        files: walked.files.len(),
    });
    for (done, file) in walked.files.iter().enumerate() {
        build.file(corpus_dir, file, writer.as_mut(), tuning)?;
        progress(BuildEvent::Done(done + 1));
    }
    build.remove_gone(writer.as_mut());
    let (mut manifest, mut changes) = build.manifest(corpus_dir, fingerprint, tuning)?;
    let phrasing_fingerprint = manifest::phrasing_fingerprint(corpus_dir, &walked);
    changes.phrasings_changed = previous_phrasings.is_some_and(|p| p != phrasing_fingerprint);
    manifest.phrasings.fingerprint = phrasing_fingerprint;
    let (Some(lock), Some(writer)) = (lock, writer) else {
        return Ok(BuildReport {
            manifest,
            changes,
            elapsed: started.elapsed(),
            size_bytes: 0,
            location: None,
        });
    };
    log_encoding_rate(started);
    progress(BuildEvent::Committing);
    let phrasings = Phrasings {
        read: crate::engine::phrasings::read_files(corpus_dir, &walked.phrasings),
        files: walked.phrasings.len(),
        previous: previous_location,
    };
    let (location, size_bytes) = commit(&lock, writer, &mut manifest, phrasings, tuning)?;
    Ok(BuildReport {
        manifest,
        changes,
        elapsed: started.elapsed(),
        size_bytes,
        location: Some(location),
    })
}

/// The generation being written, aside from the live one, and its writer.
struct Staged {
    dir: TempDir,
    writer: IndexWriter,
    fields: Fields,
}

/// Stages a new generation: a copy of `previous` (segment files
/// hard-linked), or an empty index when there is none to start from.
fn stage(lock: &BuildLock, previous: Option<&Opened>) -> Result<Staged> {
    let dir = lock.stage()?;
    let index = match previous {
        Some(live) => {
            link_copy(&live.location, dir.path()).map_err(|source| Error::IndexWrite {
                path: dir.path().into(),
                source,
            })?;
            Index::open_in_dir(dir.path())?
        }
        None => Index::create_in_dir(dir.path(), schema())?,
    };
    let (writer, fields) = writer_for(index)?;
    Ok(Staged {
        dir,
        writer,
        fields,
    })
}

/// The phrasing files of a build, read, and the generation it replaces.
struct Phrasings {
    read: crate::engine::phrasings::PhrasingFiles,
    files: usize,
    previous: Option<PathBuf>,
}

/// Writes the staged generation to disk, attaches the phrasings to its
/// passages ([`phrasings::attach`], recorded in the manifest), writes the
/// manifest and switches the generation in; gives its location and size.
fn commit(
    lock: &BuildLock,
    staged: Staged,
    manifest: &mut Manifest,
    found: Phrasings,
    tuning: &Tuning,
) -> Result<(PathBuf, u64)> {
    let Staged {
        dir,
        mut writer,
        fields,
    } = staged;
    writer.commit()?;
    writer.wait_merging_threads()?;
    let index = Index::open_in_dir(dir.path())?;
    register_analyzer(&index);
    let fingerprint = std::mem::take(&mut manifest.phrasings.fingerprint);
    manifest.phrasings = phrasings::Attached {
        fingerprint,
        ..phrasings::attach(
            dir.path(),
            &index,
            &fields,
            found.read,
            found.files,
            found.previous.as_deref(),
            tuning,
        )?
    };
    manifest
        .write(dir.path())
        .map_err(|source| Error::IndexWrite {
            path: dir.path().into(),
            source,
        })?;
    let size = dir_size(dir.path());
    Ok((lock.switch(dir)?, size))
}

/// Logs the encoder's rate over a build (`RUST_LOG=passagebot=info`).
fn log_encoding_rate(started: Instant) {
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
}

/// A build's bookkeeping: what the previous build held, what this one has
/// done so far.
struct Build {
    changes: Changes,
    /// Documents of the previous build not yet met in the corpus.
    known: HashMap<String, DocEntry>,
    documents: Vec<DocEntry>,
    skipped: Vec<SkippedEntry>,
    /// Sources gone from the corpus whose vectors a file added with their
    /// text (a rename, a move) may keep.
    gone: Vec<String>,
    /// Those vectors by passage text, read once when the first added file comes.
    moved: Option<HashMap<String, Vec<u8>>>,
}

impl Build {
    /// What the build starts from: the previous build's documents (none for
    /// a full rebuild, whose reason is recorded), and what the walk refused.
    fn plan(
        corpus_dir: &Path,
        walked: &Walk,
        previous: std::result::Result<Opened, String>,
    ) -> Build {
        let (known, full_rebuild): (HashMap<String, DocEntry>, _) = match previous {
            Ok(opened) => (
                opened
                    .manifest
                    .documents
                    .into_iter()
                    .map(|d| (d.source.clone(), d))
                    .collect(),
                None,
            ),
            Err(reason) => (HashMap::new(), Some(reason)),
        };
        let present: HashSet<String> = walked
            .files
            .iter()
            .map(|f| display_source(corpus_dir, &f.path))
            .collect();
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
            // Their vectors would all be held at once: encoding anew costs
            // time, not memory.
            gone.clear();
        }
        let skipped = walked
            .refused
            .iter()
            .map(|r| {
                tracing::warn!("skipping {}: {}", r.source, r.reason);
                SkippedEntry {
                    source: r.source.clone(),
                    reason: r.reason.clone(),
                }
            })
            .collect();
        Build {
            changes: Changes {
                full_rebuild,
                ..Changes::default()
            },
            known,
            documents: Vec::new(),
            skipped,
            gone,
            moved: None,
        }
    }

    /// One corpus file: kept as it was when its size and time (or its
    /// bytes) are unchanged, else read, chunked, encoded and written.
    fn file(
        &mut self,
        corpus_dir: &Path,
        file: &Found,
        staged: Option<&mut Staged>,
        tuning: &Tuning,
    ) -> Result<()> {
        let source = display_source(corpus_dir, &file.path);
        let stamp = fs::metadata(&file.path)
            .map(|m| manifest::stamp(&m))
            .unwrap_or_default();
        let old = self.known.remove(&source);
        if let Some(old) = old.as_ref().filter(|o| (o.size, o.mtime_ns) == stamp) {
            self.changes.unchanged += 1;
            self.documents.push(old.clone());
            return Ok(());
        }
        let doc = match load_found(file, &source) {
            Ok(doc) => doc,
            Err(reason) => {
                tracing::warn!("skipping {source}: {reason}");
                if let Some(o) = old {
                    // Now unreadable: removed below, with the files gone.
                    self.known.insert(o.source.clone(), o);
                }
                self.skipped.push(SkippedEntry { source, reason });
                return Ok(());
            }
        };
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
            self.changes.unchanged += 1;
            self.documents
                .push(entry_of(old.passages, old.summary.clone()));
            return Ok(());
        }
        let passages = chunk(self.documents.len(), &doc);
        // The document's summary is chosen from its sentences and their vectors
        // as they are written (`summary`): no second pass, no second encoding.
        let mut summarizer = Summarizer::new(doc.author.as_deref());
        if let Some(staged) = staged {
            self.write(
                staged,
                &source,
                old.is_some(),
                &passages,
                tuning,
                &mut summarizer,
            )?;
        }
        match &old {
            Some(o) => self
                .changes
                .changed
                .push((source.clone(), o.passages, passages.len())),
            None => self.changes.added.push((source.clone(), passages.len())),
        }
        self.documents
            .push(entry_of(passages.len(), summarizer.finish()));
        Ok(())
    }

    /// Writes one file's passages with their vectors. An edited file keeps
    /// the vectors of the passages whose text did not change, and an added
    /// one those of a gone file with the same text: only new text is encoded.
    fn write(
        &mut self,
        staged: &mut Staged,
        source: &str,
        edited: bool,
        passages: &[Passage],
        tuning: &Tuning,
        summarizer: &mut Summarizer,
    ) -> Result<()> {
        let Staged { writer, fields, .. } = staged;
        let edited = if edited {
            let kept = stored_vectors(writer.index(), fields, &[source.to_string()])?;
            writer.delete_term(Term::from_field_text(fields.source, source));
            Some(kept)
        } else {
            None
        };
        if edited.is_none() && self.moved.is_none() && !self.gone.is_empty() {
            self.moved = Some(stored_vectors(writer.index(), fields, &self.gone)?);
        }
        let none = HashMap::new();
        let kept = edited.as_ref().or(self.moved.as_ref()).unwrap_or(&none);
        // Encoded and written a group at a time: a long file's vectors and
        // the encoder's batches never pile up.
        for group in passages.chunks(EMBED_GROUP) {
            let fresh: Vec<&Passage> = group
                .iter()
                .filter(|p| !kept.contains_key(&p.text))
                .collect();
            let mut encoded = embed(&fresh, tuning)?.into_iter();
            for p in group {
                let vectors = match kept.get(&p.text) {
                    Some(bytes) => {
                        self.changes.vectors_kept += 1;
                        summarizer.add(p, PassageVectors::from_bytes(bytes).as_ref());
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
                writer.add_document(document(fields, p, vectors.as_deref()))?;
            }
        }
        Ok(())
    }

    /// What is left of the previous build is gone from the corpus (or now
    /// unreadable): deleted from the new generation.
    fn remove_gone(&mut self, mut staged: Option<&mut Staged>) {
        let mut removed: Vec<DocEntry> = self.known.drain().map(|(_, d)| d).collect();
        removed.sort_by(|a, b| a.source.cmp(&b.source));
        for old in removed {
            if let Some(s) = staged.as_mut() {
                s.writer
                    .delete_term(Term::from_field_text(s.fields.source, &old.source));
            }
            self.changes.removed.push((old.source, old.passages));
        }
    }

    /// The new build's manifest, and the changes; an error when no document
    /// is left.
    fn manifest(
        self,
        corpus_dir: &Path,
        corpus_fingerprint: String,
        tuning: &Tuning,
    ) -> Result<(Manifest, Changes)> {
        if self.documents.is_empty() {
            return Err(Error::CorpusEmpty {
                path: corpus_dir.into(),
                skipped: self.skipped.len(),
            });
        }
        let manifest = Manifest {
            layout: manifest::LAYOUT_VERSION,
            program_version: env!("CARGO_PKG_VERSION").into(),
            settings: manifest::settings(tuning),
            corpus_fingerprint,
            built_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            passages: self.documents.iter().map(|d| d.passages).sum(),
            documents: self.documents,
            skipped: self.skipped,
            phrasings: phrasings::Attached::default(),
        };
        Ok((manifest, self.changes))
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
        if name_str == phrasings::META_FILE || name_str == phrasings::VECTORS_FILE {
            // Written anew by every build (`phrasings::attach`).
            continue;
        }
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
    doc.add_text(f.words, &p.text);
    doc.add_text(f.words, &p.title);
    doc.add_u64(f.paragraph, u64::from(p.paragraph));
    doc.add_u64(f.ordinal, p.ordinal as u64);
    doc.add_u64(f.start, p.in_paragraph.start as u64);
    doc.add_u64(f.end, p.in_paragraph.end as u64);
    if let Some(bytes) = vectors {
        doc.add_bytes(f.embedding, bytes);
    }
    doc
}
