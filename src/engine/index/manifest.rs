//! `manifest.json`: what an index was built from, so a stale or incompatible
//! index is noticed and rebuilt instead of answering from old text.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::analysis::ANALYZER_VERSION;
use crate::engine::corpus::chunk::{MAX_CHARS, TARGET_CHARS};
use crate::engine::corpus::load::{document_files, hex};
use crate::engine::corpus::walk::{Found, Walk};
use crate::engine::index::phrasings::Attached;
use crate::engine::summary;
use crate::engine::tuning::Tuning;
use crate::error::Result;

pub const FILE_NAME: &str = "manifest.json";

/// Bumped whenever the index layout or schema changes.
pub const LAYOUT_VERSION: u32 = 6;

/// One document as indexed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DocEntry {
    pub source: String,
    pub title: String,
    pub author: Option<String>,
    /// SHA-256 of the file's bytes: a changed file with the same text is not re-indexed.
    pub hash: String,
    pub passages: usize,
    /// Size and modification time when indexed: equal ones mean the file is
    /// not even re-read.
    pub size: u64,
    pub mtime_ns: u64,
    /// Its argument in its own sentences ([`crate::engine::summary`]).
    #[serde(default)]
    pub summary: Vec<summary::Line>,
}

/// A file left out of the index, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SkippedEntry {
    pub source: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub layout: u32,
    pub program_version: String,
    pub settings: String,
    pub corpus_fingerprint: String,
    /// RFC 3339, UTC, seconds.
    pub built_at: String,
    pub passages: usize,
    pub documents: Vec<DocEntry>,
    pub skipped: Vec<SkippedEntry>,
    /// The phrasing files' phrasings attached to passages, and the warnings
    /// ([`crate::engine::index::phrasings`]).
    #[serde(default)]
    pub phrasings: Attached,
}

impl Manifest {
    /// Why this index cannot serve the current program with `tuning`, if it cannot.
    pub fn incompatibility(&self, tuning: &Tuning) -> Option<String> {
        if self.layout != LAYOUT_VERSION {
            Some(format!(
                "index layout {} (this program uses {LAYOUT_VERSION})",
                self.layout
            ))
        } else if self.settings != settings(tuning) {
            Some("built with other analysis settings".into())
        } else if self.program_version != env!("CARGO_PKG_VERSION") {
            Some(format!("built by passagebot {}", self.program_version))
        } else {
            None
        }
    }

    /// Reads `manifest.json` from an index generation folder.
    pub fn read(dir: &Path) -> std::io::Result<Manifest> {
        let raw = fs::read(dir.join(FILE_NAME))?;
        serde_json::from_slice(&raw).map_err(std::io::Error::other)
    }

    /// Writes the manifest and flushes it to disk.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let mut file = fs::File::create(dir.join(FILE_NAME))?;
        serde_json::to_writer_pretty(&mut file, self).map_err(std::io::Error::other)?;
        file.write_all(b"\n")?;
        file.sync_all()
    }
}

/// A file's size and modification time (nanoseconds since the epoch).
pub fn stamp(meta: &fs::Metadata) -> (u64, u64) {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    (meta.len(), mtime)
}

/// The analysis, chunking, embedding and summary settings an index depends
/// on, as one string. Passages carry embeddings unless the semantic stage is switched
/// off (tuning `semantic=0,sentence=0`), so switching it rebuilds the index.
pub fn settings(tuning: &Tuning) -> String {
    let model = match (tuning.semantic_enabled(), tuning.late_chunking) {
        (false, _) => "none".to_owned(),
        (true, false) => crate::engine::semantic::MODEL_ID.to_owned(),
        (true, true) => format!("{}+late", crate::engine::semantic::MODEL_ID),
    };
    format!(
        "{ANALYZER_VERSION};chunk={TARGET_CHARS}/{MAX_CHARS}/overlap1;model={model};summary={};text={}",
        summary::VERSION,
        crate::engine::corpus::format::VERSION
    )
}

/// A cheap fingerprint of the corpus folder: every file's path, size and
/// modification time, and the names of the entries the walk refused (so a
/// pipe or an outside link put in the folder makes the next build warn
/// about it). Content hashes are kept per document in the manifest; this
/// only has to notice that something changed, without reading files.
pub fn fingerprint(corpus: &Path, index: &Path) -> Result<String> {
    Ok(fingerprint_of(corpus, &document_files(corpus, index)?))
}

/// [`fingerprint`] over a walk already made of `corpus`.
pub fn fingerprint_of(corpus: &Path, walked: &Walk) -> String {
    let mut hasher = Sha256::new();
    stamps(&mut hasher, corpus, &walked.files);
    if !walked.phrasings.is_empty() {
        // Phrasing files count too: editing one rebuilds (incrementally). Marked
        // apart, so a corpus without any keeps the fingerprint it had.
        hasher.update(b"phrasings\0");
        stamps(&mut hasher, corpus, &walked.phrasings);
    }
    for refused in &walked.refused {
        hasher.update(b"refused\0");
        hasher.update(refused.source.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}

/// A fingerprint of the phrasing files alone (empty without any), so a build
/// can tell whether they changed.
pub fn phrasing_fingerprint(corpus: &Path, walked: &Walk) -> String {
    if walked.phrasings.is_empty() {
        return String::new();
    }
    let mut hasher = Sha256::new();
    stamps(&mut hasher, corpus, &walked.phrasings);
    hex(&hasher.finalize())
}

/// Each file's path under `corpus`, size and modification time.
fn stamps(hasher: &mut Sha256, corpus: &Path, files: &[Found]) {
    for file in files {
        let rel = file.path.strip_prefix(corpus).unwrap_or(&file.path);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        if let Ok(meta) = fs::metadata(&file.path) {
            let (size, mtime) = stamp(&meta);
            hasher.update(size.to_le_bytes());
            hasher.update(mtime.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_way_of_embedding_names_its_own_settings_so_switching_rebuilds() {
        let default = Tuning::default();
        let late: Tuning = "late_chunking=1".parse().expect("knob");
        let off: Tuning = "semantic=0,sentence=0".parse().expect("knob");
        assert_ne!(settings(&late), settings(&default));
        assert_ne!(settings(&off), settings(&default));
        assert_ne!(settings(&off), settings(&late));
        // Knobs that only rank do not rebuild the index.
        let ranked: Tuning = "proximity=0.3,decisive=0".parse().expect("knob");
        assert_eq!(settings(&ranked), settings(&default));
    }
}
