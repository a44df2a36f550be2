//! Opening the live generation of an index and deciding whether it is fresh.

use std::fs;
use std::path::{Path, PathBuf};

use tantivy::Index;

use super::CURRENT;
use super::manifest::{self, Manifest};
use super::schema::{Fields, register_analyzer};
use crate::engine::tuning::Tuning;
use crate::error::{Error, Result};

/// An opened index and what it was built from.
pub struct Opened {
    pub index: Index,
    pub fields: Fields,
    pub manifest: Manifest,
    pub location: PathBuf,
}

/// Whether an index can answer for the corpus as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    Missing,
    /// The corpus changed since the build.
    Stale,
    /// Built by another program version or with other settings, or damaged.
    Unusable(String),
}

impl Freshness {
    /// One line for stderr explaining why a rebuild happens.
    pub fn reason(&self) -> &str {
        match self {
            Freshness::Fresh => "the index is up to date",
            Freshness::Missing => "no index yet",
            Freshness::Stale => "the corpus changed since the index was built",
            Freshness::Unusable(reason) => reason,
        }
    }
}

/// The live generation's folder, if there is one.
fn live_generation(index_dir: &Path) -> Option<PathBuf> {
    let name = fs::read_to_string(index_dir.join(CURRENT)).ok()?;
    let name = name.trim();
    (!name.is_empty() && !name.contains('/')).then(|| index_dir.join(name))
}

/// Opens the live generation of `index_dir`, if it was built for `tuning`.
pub fn open(index_dir: &Path, tuning: &Tuning) -> Result<Opened> {
    let unusable = |reason: String| Error::IndexUnusable {
        path: index_dir.into(),
        reason,
    };
    let location =
        live_generation(index_dir).ok_or_else(|| unusable("no index built yet".into()))?;
    let manifest = Manifest::read(&location)
        .map_err(|e| unusable(format!("its manifest cannot be read: {e}")))?;
    if let Some(reason) = manifest.incompatibility(tuning) {
        return Err(unusable(reason));
    }
    let index = Index::open_in_dir(&location).map_err(|e| unusable(e.to_string()))?;
    register_analyzer(&index);
    let fields = Fields::from_schema(&index.schema()).map_err(|e| unusable(e.to_string()))?;
    Ok(Opened {
        index,
        fields,
        manifest,
        location,
    })
}

/// Compares the index with the corpus without opening tantivy. A missing
/// corpus folder is an error even when there is no index yet: it is the first
/// thing a person has to fix.
pub fn freshness(corpus_dir: &Path, index_dir: &Path, tuning: &Tuning) -> Result<Freshness> {
    let fingerprint = manifest::fingerprint(corpus_dir, index_dir)?;
    let Some(location) = live_generation(index_dir) else {
        return Ok(Freshness::Missing);
    };
    let manifest = match Manifest::read(&location) {
        Ok(m) => m,
        Err(e) => return Ok(Freshness::Unusable(format!("the index is damaged ({e})"))),
    };
    if let Some(reason) = manifest.incompatibility(tuning) {
        return Ok(Freshness::Unusable(format!("the index was {reason}")));
    }
    if manifest.corpus_fingerprint != fingerprint {
        return Ok(Freshness::Stale);
    }
    Ok(Freshness::Fresh)
}
