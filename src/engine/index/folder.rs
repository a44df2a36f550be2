//! The index folder's life, in one owner (issue #23): whether it is fresh,
//! the build lock, opening the live generation (read-only, checked), a
//! generation built aside and switched in, and repair when the live one
//! cannot be read.
//!
//! Answering never writes here: the live generation is opened through a
//! [`ReadOnly`] directory, so a read-only index folder answers while it is
//! fresh. Every opening checks the checksums tantivy keeps in each file's
//! footer, so damage is found when the index is opened, not mid-answer; a
//! damaged generation is then rebuilt whole, by `ask`, `bot` and plain
//! `index` alike, with one line that says so.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use fs4::fs_std::FileExt;
use tantivy::Index;
use tempfile::TempDir;

use super::manifest::{self, Manifest};
use super::readonly::ReadOnly;
use super::schema::{Fields, register_analyzer};
use super::{BUILDING_PREFIX, CURRENT, GENERATION_PREFIX, LOCK};
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

/// An index folder (`index/`): see the module's comment.
#[derive(Debug, Clone)]
pub struct IndexFolder {
    dir: PathBuf,
}

impl IndexFolder {
    pub fn new(dir: &Path) -> IndexFolder {
        IndexFolder { dir: dir.into() }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The live generation's folder, if `CURRENT` names one.
    fn live(&self) -> Option<PathBuf> {
        let name = fs::read_to_string(self.dir.join(CURRENT)).ok()?;
        let name = name.trim();
        (!name.is_empty() && !name.contains('/')).then(|| self.dir.join(name))
    }

    fn unusable(&self, reason: String) -> Error {
        Error::IndexUnusable {
            path: self.dir.clone(),
            reason,
        }
    }

    /// Compares the index with the corpus without opening tantivy. A missing
    /// corpus folder is an error even when there is no index yet: it is the
    /// first thing a person has to fix.
    pub fn freshness(&self, corpus: &Path, tuning: &Tuning) -> Result<Freshness> {
        let fingerprint = manifest::fingerprint(corpus, &self.dir)?;
        let Some(location) = self.live() else {
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

    /// Opens the live generation for reading, if it was built for `tuning`
    /// and every file passes its checksum. Writes nothing.
    pub fn open(&self, tuning: &Tuning) -> Result<Opened> {
        let location = self
            .live()
            .ok_or_else(|| self.unusable("no index built yet".into()))?;
        let manifest = Manifest::read(&location)
            .map_err(|e| self.unusable(format!("its manifest cannot be read: {e}")))?;
        if let Some(reason) = manifest.incompatibility(tuning) {
            return Err(self.unusable(reason));
        }
        let damaged = |e: String| self.unusable(format!("the index is damaged ({e})"));
        let directory = ReadOnly::open(&location).map_err(|e| damaged(e.to_string()))?;
        let index = Index::open(directory).map_err(|e| damaged(e.to_string()))?;
        let mut bad: Vec<String> = index
            .validate_checksum()
            .map_err(|e| damaged(e.to_string()))?
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        if !bad.is_empty() {
            bad.sort();
            return Err(damaged(format!("{} fails its checksum", bad.join(", "))));
        }
        register_analyzer(&index);
        let fields = Fields::from_schema(&index.schema()).map_err(|e| damaged(e.to_string()))?;
        Ok(Opened {
            index,
            fields,
            manifest,
            location,
        })
    }

    /// The live generation, when an incremental build can start from it;
    /// otherwise why not (the reason a full rebuild gives).
    pub fn previous(&self, tuning: &Tuning) -> std::result::Result<Opened, String> {
        match self.open(tuning) {
            Ok(opened) => Ok(opened),
            Err(Error::IndexUnusable { reason, .. }) => Err(reason),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Takes the build lock (creating the folder), or says that another
    /// build holds it; then removes what builds killed earlier left behind.
    pub fn lock(&self) -> Result<BuildLock<'_>> {
        let write_err = |source| Error::IndexWrite {
            path: self.dir.clone(),
            source,
        };
        fs::create_dir_all(&self.dir).map_err(write_err)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(LOCK))
            .map_err(write_err)?;
        match file.try_lock_exclusive() {
            Ok(true) => {}
            Ok(false) => {
                return Err(Error::IndexBusy {
                    path: self.dir.clone(),
                });
            }
            Err(source) => return Err(write_err(source)),
        }
        let lock = BuildLock {
            folder: self,
            _file: file,
        };
        lock.remove_dead_builds();
        Ok(lock)
    }

    /// Opens the live index for `serve` (which may read it further), first
    /// building it when it is missing, stale or incompatible, and rebuilding
    /// it whole when it cannot be opened or read; `notify` receives one line
    /// saying why it builds.
    ///
    /// When a rebuild fails but the previous index is still usable (say the
    /// folder became read-only after the corpus changed), that index serves
    /// and `notify` says so. `build` runs a build of the given mode (the
    /// build's steps live in `build.rs`, which uses this folder's lock).
    pub fn open_or_build<T>(
        &self,
        corpus: &Path,
        tuning: &Tuning,
        notify: &dyn Fn(&str),
        build: &dyn Fn(Mode) -> Result<()>,
        serve: impl Fn(Opened) -> Result<T>,
    ) -> Result<T> {
        let freshness = self.freshness(corpus, tuning)?;
        let mode = if freshness == Freshness::Fresh {
            match self.open(tuning).and_then(&serve) {
                Ok(served) => return Ok(served),
                Err(e) => {
                    let why = match e {
                        Error::IndexUnusable { reason, .. } => reason,
                        e => format!("it cannot be read ({e})"),
                    };
                    notify(&format!(
                        "rebuilding the index in {} from the corpus: {why}",
                        self.dir.display()
                    ));
                    Mode::Full
                }
            }
        } else {
            notify(&format!(
                "building the index in {} ({})",
                self.dir.display(),
                freshness.reason()
            ));
            Mode::Incremental
        };
        match build(mode) {
            Ok(_) => self.open(tuning).and_then(serve),
            Err(build_err) if freshness == Freshness::Stale => {
                match self.open(tuning).and_then(serve) {
                    Ok(served) => {
                        notify(&format!(
                            "could not rebuild the index ({build_err}); answering from the previous one"
                        ));
                        Ok(served)
                    }
                    Err(_) => Err(build_err),
                }
            }
            Err(e) => Err(e),
        }
    }
}

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

/// The build lock of an index folder, held until dropped; what only a build
/// may do is done through it.
pub struct BuildLock<'a> {
    folder: &'a IndexFolder,
    _file: File,
}

impl BuildLock<'_> {
    fn write_err(&self, source: std::io::Error) -> Error {
        Error::IndexWrite {
            path: self.folder.dir.clone(),
            source,
        }
    }

    /// A folder to write a new generation in, aside from the live one
    /// (removed if the build fails or dies: see [`IndexFolder::lock`]).
    pub fn stage(&self) -> Result<TempDir> {
        tempfile::Builder::new()
            .prefix(BUILDING_PREFIX)
            .tempdir_in(&self.folder.dir)
            .map_err(|e| self.write_err(e))
    }

    /// Makes the staged generation the live one in one atomic step, removes
    /// older generations, and gives its location.
    pub fn switch(&self, staged: TempDir) -> Result<PathBuf> {
        let name = generation_name();
        let location = self.folder.dir.join(&name);
        let staged = staged.keep();
        fs::rename(&staged, &location).map_err(|e| self.write_err(e))?;
        self.point_current_at(&name)
            .map_err(|e| self.write_err(e))?;
        self.remove_old_generations(&name);
        Ok(location)
    }

    /// Writes CURRENT through a temporary file and a rename, which is atomic.
    fn point_current_at(&self, name: &str) -> std::io::Result<()> {
        let dir = &self.folder.dir;
        let tmp = dir.join(format!("{CURRENT}.tmp"));
        let mut file = File::create(&tmp)?;
        file.write_all(name.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&tmp, dir.join(CURRENT))?;
        // Make the rename itself durable.
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Staging folders left by a build that was killed (the lock is held, so
    /// none is live).
    fn remove_dead_builds(&self) {
        for entry in fs::read_dir(&self.folder.dir)
            .into_iter()
            .flatten()
            .flatten()
        {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(BUILDING_PREFIX)
            {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }

    /// Generations other than the live one. A process still reading an old
    /// one keeps its open files (memory-mapped files outlive their unlinking).
    fn remove_old_generations(&self, live: &str) {
        for entry in fs::read_dir(&self.folder.dir)
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(GENERATION_PREFIX)
                && name != live
                && let Err(e) = fs::remove_dir_all(entry.path())
            {
                tracing::warn!("could not remove old index generation {name}: {e}");
            }
        }
    }
}

/// A new, unique generation name that sorts by time.
fn generation_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{GENERATION_PREFIX}{nanos:024}-{}", std::process::id())
}

/// Bytes of the files directly in `dir` (a generation is flat).
pub fn dir_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_naming_anything_but_a_generation_inside_is_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = IndexFolder::new(dir.path());
        assert_eq!(folder.live(), None);
        for name in ["../elsewhere\n", "/etc\n", "\n"] {
            fs::write(dir.path().join(CURRENT), name).expect("write");
            assert_eq!(folder.live(), None, "{name:?}");
        }
        fs::write(dir.path().join(CURRENT), "gen-1\n").expect("write");
        assert_eq!(folder.live(), Some(dir.path().join("gen-1")));
        let err = folder
            .open(&Tuning::default())
            .err()
            .expect("no such generation");
        assert!(err.to_string().contains("manifest"), "{err}");
    }

    #[test]
    fn the_lock_is_one_builds_and_clears_what_killed_builds_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = IndexFolder::new(&dir.path().join("index"));
        let lock = folder.lock().expect("first lock");
        let staged = lock.stage().expect("stage").keep();
        assert!(matches!(folder.lock(), Err(Error::IndexBusy { .. })));
        drop(lock);
        assert!(staged.exists());
        let _again = folder.lock().expect("lock again");
        assert!(!staged.exists(), "a dead build's folder was left");
    }
}
