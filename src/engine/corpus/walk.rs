//! Walking a corpus folder: which of its entries become documents (issue #23).
//!
//! The rule, as the README states it:
//! - only regular files are read; a named pipe, socket or device is refused
//!   with a warning naming it, and never opened (opening a pipe blocks until
//!   a writer comes);
//! - nothing outside the corpus folder's real path is read: a link whose
//!   target lies outside is refused with a warning naming both; a link inside
//!   is followed;
//! - each folder is visited once and each file read once, by device and inode,
//!   so links that loop (`ln -s . corpus/a`) end and a file reached under two
//!   names is indexed once. Real entries are walked before links, so such a
//!   file keeps the name it has without links (among several real names,
//!   hard links, the first in sorted order);
//! - hidden names (starting with `.`) and the index folder are left out.
//!
//! What to do with one entry is [`decide`], a pure function of what the
//! filesystem said about it (fuzzed in `benches/fuzz.rs`); [`walk`] does the
//! reading.

use std::collections::{HashSet, VecDeque};
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// A file left out of the corpus, and why, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub source: String,
    pub reason: String,
}

/// How a file is named to people: the corpus folder's own name, then the
/// path inside it ("corpus/guide.md"), however the folder was given. A
/// relative and an absolute `--corpus` name the same file alike, so
/// switching between them rebuilds nothing, and no reply shows where on the
/// server the documents live. A folder given as "." names files by their
/// path inside it alone.
pub fn display_source(dir: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(dir).unwrap_or(file).to_string_lossy();
    let given = dir.to_string_lossy();
    let given = given.trim_end_matches('/');
    match Path::new(given).file_name() {
        Some(name) if !given.is_empty() => format!("{}/{rel}", name.to_string_lossy()),
        _ => rel.into_owned(),
    }
}

/// A file's identity on its machine: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    pub fn of(meta: &fs::Metadata) -> FileId {
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// What an entry is (for a link: what its target is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Folder,
    Pipe,
    Socket,
    Device,
}

impl Kind {
    pub fn of(file_type: fs::FileType) -> Kind {
        if file_type.is_dir() {
            Kind::Folder
        } else if file_type.is_file() {
            Kind::File
        } else if file_type.is_fifo() {
            Kind::Pipe
        } else if file_type.is_socket() {
            Kind::Socket
        } else {
            Kind::Device
        }
    }

    /// What a refused kind is called, with the fix.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            Kind::File | Kind::Folder => None,
            Kind::Pipe => Some(
                "a named pipe (FIFO), not a regular file: it was not opened (reading one waits \
                 for a writer); remove it from the corpus folder",
            ),
            Kind::Socket => Some("a socket, not a regular file; remove it from the corpus folder"),
            Kind::Device => Some("a device, not a regular file; remove it from the corpus folder"),
        }
    }
}

/// What the filesystem said about one entry of a folder being walked.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The entry's name under the folder as given (`corpus/sub/a.md`).
    pub listed: &'a Path,
    /// For a link: what it points at, as written in the link.
    pub link: Option<&'a Path>,
    /// The entry's real path (links resolved), or why it has none (a broken
    /// link, one that loops).
    pub real: std::result::Result<&'a Path, &'a str>,
    /// What the entry (or the link's target) is, and its identity.
    pub kind: Kind,
    pub id: FileId,
}

/// What the walk does with an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A folder to walk.
    Descend,
    /// A file to read as a document.
    Take,
    /// Already walked or taken under another name, or the index folder: left
    /// out without a word.
    Pass,
    /// Left out with a warning: the reason, in words a person can act on.
    Refuse(String),
}

/// Folders and files the walk has already met, by identity.
#[derive(Debug, Default)]
pub struct Visited {
    folders: HashSet<FileId>,
    files: HashSet<FileId>,
}

/// Whether `real` lies inside (or is) `root`. Both are meant to be real,
/// absolute paths; a path with `..` or `.` components past the root is taken
/// as outside, since only a real path can be judged by its name.
pub fn within(root: &Path, real: &Path) -> bool {
    if !root.is_absolute() {
        return false;
    }
    match real.strip_prefix(root) {
        Ok(rest) => rest.components().all(|c| matches!(c, Component::Normal(_))),
        Err(_) => false,
    }
}

/// What to do with `entry` of a walk of the real folder `root` (leaving out
/// `index`, the index folder's real path, when it lies inside). Records what
/// it takes or descends into in `visited`, so nothing is walked twice.
pub fn decide(root: &Path, index: Option<&Path>, entry: &Entry, visited: &mut Visited) -> Step {
    let real = match entry.real {
        Ok(real) => real,
        Err(why) => {
            let to = entry
                .link
                .map_or_else(String::new, |l| format!(" to {}", l.display()));
            return Step::Refuse(format!(
                "a link{to} that {why}; point it at a file in the corpus folder or remove it"
            ));
        }
    };
    if !within(root, real) {
        let to = entry.link.unwrap_or(real);
        return Step::Refuse(format!(
            "a link to {}, outside the corpus folder: only files inside it are read; \
             copy the file in instead",
            to.display()
        ));
    }
    if index.is_some_and(|index| within(index, real)) {
        // The index's own files must not become documents.
        return Step::Pass;
    }
    if let Some(reason) = entry.kind.refusal() {
        return Step::Refuse(reason.into());
    }
    let fresh = match entry.kind {
        Kind::Folder => visited.folders.insert(entry.id),
        _ => visited.files.insert(entry.id),
    };
    match (fresh, entry.kind) {
        (false, _) => Step::Pass,
        (true, Kind::Folder) => Step::Descend,
        (true, _) => Step::Take,
    }
}

/// A file the walk takes: its name under the folder as given, and the
/// identity it had when walked (a reader checks the file it opens is the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub id: FileId,
}

/// The files of a corpus folder and the entries refused with a reason.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Documents, sorted by path.
    pub files: Vec<Found>,
    /// Phrasing files (`*.questions.jsonl`, [`is_phrasing_file`]): known
    /// questions for the documents' passages, never documents themselves.
    /// Sorted by path.
    pub phrasings: Vec<Found>,
    /// Sorted by source.
    pub refused: Vec<Skipped>,
}

/// Walks `dir` by the rule of this module, leaving out `index` when it lies
/// inside. A missing folder, or one that is not a folder, is an error; an
/// unreadable sub-folder is too (rather than silently indexing less).
pub fn walk(dir: &Path, index: Option<&Path>) -> Result<Walk> {
    let root = dir
        .canonicalize()
        .map_err(|_| Error::CorpusMissing { path: dir.into() })?;
    let meta = fs::metadata(&root).map_err(|_| Error::CorpusMissing { path: dir.into() })?;
    if !meta.is_dir() {
        return Err(Error::CorpusNotAFolder { path: dir.into() });
    }
    let mut walker = Walker {
        dir,
        index: index.and_then(|i| i.canonicalize().ok()),
        visited: Visited::default(),
        out: Walk::default(),
        // Each folder as listed, and its real path (its entries' real paths
        // are that joined with their names, links aside).
        folders: vec![(dir.to_path_buf(), root.clone())],
        root,
    };
    walker.visited.folders.insert(FileId::of(&meta));
    // Links wait until every real entry was met: a file then keeps its own name.
    let mut links: VecDeque<PathBuf> = VecDeque::new();
    loop {
        while let Some((folder, folder_real)) = walker.folders.pop() {
            for listed in sorted_entries(&folder)? {
                let Ok(meta) = fs::symlink_metadata(&listed) else {
                    continue; // Gone meanwhile.
                };
                if meta.file_type().is_symlink() {
                    links.push_back(listed);
                    continue;
                }
                let Some(name) = listed.file_name() else {
                    continue;
                };
                let real = folder_real.join(name);
                walker.act(Entry {
                    listed: &listed,
                    link: None,
                    real: Ok(&real),
                    kind: Kind::of(meta.file_type()),
                    id: FileId::of(&meta),
                });
            }
        }
        let Some(listed) = links.pop_front() else {
            break;
        };
        let target = fs::read_link(&listed).ok();
        let resolved = listed.canonicalize();
        let meta = fs::metadata(&listed);
        let (real, kind, id) = match (&resolved, &meta) {
            (Ok(real), Ok(meta)) => (
                Ok(real.as_path()),
                Kind::of(meta.file_type()),
                FileId::of(meta),
            ),
            (Err(e), _) | (_, Err(e)) => {
                let why = if e.raw_os_error() == Some(libc::ELOOP) {
                    "leads round in a loop of links"
                } else {
                    "leads to nothing (its target does not exist)"
                };
                (Err(why), Kind::File, FileId { dev: 0, ino: 0 })
            }
        };
        walker.act(Entry {
            listed: &listed,
            link: target.as_deref(),
            real,
            kind,
            id,
        });
    }
    let mut out = walker.out;
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out.phrasings.sort_by(|a, b| a.path.cmp(&b.path));
    out.refused.sort_by(|a, b| a.source.cmp(&b.source));
    Ok(out)
}

/// The ending that makes a corpus file a phrasing file, not a document.
pub const PHRASING_SUFFIX: &str = ".questions.jsonl";

/// Whether the file at `path` holds known phrasings (its name ends in
/// [`PHRASING_SUFFIX`], any case) rather than a document.
pub fn is_phrasing_file(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|n| n.len() > PHRASING_SUFFIX.len() && n.ends_with(PHRASING_SUFFIX))
}

/// A walk under way.
struct Walker<'a> {
    /// The folder as given, and its real path.
    dir: &'a Path,
    root: PathBuf,
    /// The index folder's real path, when it exists.
    index: Option<PathBuf>,
    visited: Visited,
    out: Walk,
    /// Folders still to walk: as listed, and their real paths.
    folders: Vec<(PathBuf, PathBuf)>,
}

impl Walker<'_> {
    /// Carries out [`decide`]'s step for `entry`.
    fn act(&mut self, entry: Entry) {
        match decide(&self.root, self.index.as_deref(), &entry, &mut self.visited) {
            Step::Descend => {
                if let Ok(real) = entry.real {
                    self.folders
                        .push((entry.listed.to_path_buf(), real.to_path_buf()));
                }
            }
            Step::Take => {
                let found = Found {
                    path: entry.listed.to_path_buf(),
                    id: entry.id,
                };
                if is_phrasing_file(entry.listed) {
                    self.out.phrasings.push(found);
                } else {
                    self.out.files.push(found);
                }
            }
            Step::Pass => {}
            Step::Refuse(reason) => self.out.refused.push(Skipped {
                source: display_source(self.dir, entry.listed),
                reason,
            }),
        }
    }
}

/// The non-hidden entries of `folder`, sorted by name, so the walk (and
/// which name a file reached twice keeps) does not depend on the order the
/// filesystem lists them in.
fn sorted_entries(folder: &Path) -> Result<Vec<PathBuf>> {
    let read_err = |source| Error::Read {
        path: folder.into(),
        source,
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(folder).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            names.push(entry.file_name());
        }
    }
    names.sort();
    Ok(names.into_iter().map(|n| folder.join(n)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn names(walk: &Walk, dir: &Path) -> Vec<String> {
        walk.files
            .iter()
            .map(|f| display_source(dir, &f.path))
            .collect()
    }

    #[test]
    fn within_compares_whole_components_and_refuses_dot_dot() {
        let root = Path::new("/srv/corpus");
        assert!(within(root, Path::new("/srv/corpus")));
        assert!(within(root, Path::new("/srv/corpus/a/b.md")));
        assert!(!within(root, Path::new("/srv/corpus2/a.md")));
        assert!(!within(root, Path::new("/srv/corpus/../etc/passwd")));
        assert!(!within(root, Path::new("/etc/passwd")));
        assert!(!within(Path::new("corpus"), Path::new("corpus/a.md")));
    }

    #[test]
    fn a_fifo_is_refused_unopened_and_the_rest_is_walked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().join("corpus");
        fs::create_dir(&d).expect("corpus");
        fs::write(d.join("a.md"), "A.").expect("write");
        let fifo = d.join("notes.txt");
        let path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
        let walk = walk(&d, None).expect("walks");
        assert_eq!(names(&walk, &d), ["corpus/a.md"]);
        assert_eq!(walk.refused.len(), 1);
        assert_eq!(walk.refused[0].source, "corpus/notes.txt");
        assert!(
            walk.refused[0].reason.contains("named pipe"),
            "{:?}",
            walk.refused
        );
    }

    #[test]
    fn links_outside_are_refused_links_inside_followed_and_loops_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().join("corpus");
        let outside = dir.path().join("outside");
        fs::create_dir_all(d.join("sub")).expect("corpus");
        fs::create_dir_all(&outside).expect("outside");
        fs::write(d.join("sub/real.md"), "Real.").expect("write");
        fs::write(d.join(".hidden.md"), "Hidden.").expect("write");
        fs::write(outside.join("secret.md"), "Secret.").expect("write");
        symlink(outside.join("secret.md"), d.join("secret.md")).expect("link");
        symlink(&outside, d.join("elsewhere")).expect("link");
        symlink(".", d.join("a")).expect("link");
        symlink(".", d.join("b")).expect("link");
        symlink("sub/real.md", d.join("alias.md")).expect("link");
        symlink(".hidden.md", d.join("shown.md")).expect("link");
        symlink("nowhere.md", d.join("broken.md")).expect("link");
        symlink("loop2.md", d.join("loop1.md")).expect("link");
        symlink("loop1.md", d.join("loop2.md")).expect("link");
        let walk = walk(&d, None).expect("walks");
        // Each file once, under its own name; a hidden file reached by a
        // link inside is read under the link's name.
        assert_eq!(names(&walk, &d), ["corpus/shown.md", "corpus/sub/real.md"]);
        let refused: Vec<(&str, &str)> = walk
            .refused
            .iter()
            .map(|s| (s.source.as_str(), s.reason.as_str()))
            .collect();
        let reason = |name: &str| {
            refused
                .iter()
                .find(|(s, _)| *s == name)
                .map(|(_, r)| *r)
                .unwrap_or_default()
        };
        assert_eq!(refused.len(), 5, "{refused:?}");
        let r = reason("corpus/secret.md");
        assert!(
            r.contains("secret.md") && r.contains("outside the corpus folder"),
            "{r}"
        );
        assert!(r.contains("copy the file in"), "{r}");
        assert!(reason("corpus/elsewhere").contains("outside the corpus folder"));
        assert!(reason("corpus/broken.md").contains("does not exist"));
        assert!(reason("corpus/loop1.md").contains("loop"));
    }

    #[test]
    fn a_corpus_given_through_a_link_and_its_index_inside_are_handled() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real");
        fs::create_dir_all(real.join("index")).expect("dirs");
        fs::write(real.join("a.md"), "A.").expect("write");
        fs::write(real.join("index/meta.json"), "{}").expect("write");
        let given = dir.path().join("corpus");
        symlink(&real, &given).expect("link");
        // A link inside pointing through the given (linked) name is inside too.
        symlink(given.join("a.md"), real.join("b.md")).expect("link");
        let walk = walk(&given, Some(&given.join("index"))).expect("walks");
        assert_eq!(names(&walk, &given), ["corpus/a.md"]);
        assert!(walk.refused.is_empty(), "{:?}", walk.refused);
    }

    #[test]
    fn decide_takes_a_file_once_and_refuses_what_is_not_a_regular_file() {
        let root = Path::new("/c");
        let mut visited = Visited::default();
        let id = FileId { dev: 1, ino: 2 };
        let entry = |kind, real: &'static str| Entry {
            listed: Path::new("corpus/x"),
            link: None,
            real: Ok(Path::new(real)),
            kind,
            id,
        };
        assert_eq!(
            decide(root, None, &entry(Kind::File, "/c/x"), &mut visited),
            Step::Take
        );
        assert_eq!(
            decide(root, None, &entry(Kind::File, "/c/y"), &mut visited),
            Step::Pass
        );
        assert_eq!(
            decide(root, None, &entry(Kind::Folder, "/c/d"), &mut visited),
            Step::Descend
        );
        assert!(matches!(
            decide(root, None, &entry(Kind::Device, "/c/z"), &mut visited),
            Step::Refuse(r) if r.contains("device")
        ));
        assert_eq!(
            decide(
                root,
                Some(Path::new("/c/index")),
                &entry(Kind::File, "/c/index/f"),
                &mut visited
            ),
            Step::Pass
        );
    }
}
