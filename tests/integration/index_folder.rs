//! The index folder's life (issue #23, items 4, 5 and the shape): a damaged
//! index is rebuilt by `ask` and by plain `index` with one line saying so, a
//! read-only index answers while fresh, and the folder's owner
//! ([`IndexFolder`]) locks, stages and switches.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use passagebot::engine::index::{IndexFolder, Mode, update};
use passagebot::engine::tuning::Tuning;
use predicates::prelude::*;

use crate::support::scratch::Scratch;

/// The live generation's folder.
fn live(index: &Path) -> PathBuf {
    let name = fs::read_to_string(index.join("CURRENT")).expect("CURRENT");
    index.join(name.trim())
}

/// Writes 100 bytes of noise over the middle of every `.store` file of the
/// live generation (the damage), and gives how many it damaged.
fn damage_stores(index: &Path) -> usize {
    let mut damaged = 0;
    for entry in fs::read_dir(live(index)).expect("generation").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "store") {
            let mut bytes = fs::read(&path).expect("read store");
            let at = bytes.len().saturating_sub(100) / 2;
            let end = (at + 100).min(bytes.len());
            for (i, b) in bytes[at..end].iter_mut().enumerate() {
                *b ^= 0x5a ^ (i as u8).wrapping_mul(37);
            }
            fs::write(&path, bytes).expect("write store");
            damaged += 1;
        }
    }
    damaged
}

fn lines_with(text: &[u8], word: &str) -> Vec<String> {
    String::from_utf8_lossy(text)
        .lines()
        .filter(|l| l.contains(word))
        .map(str::to_owned)
        .collect()
}

/// Item 4: noise over a `.store` file made every `ask` print "rebuilding
/// the index" and fail with a raw tantivy error; `index` said "1 unchanged".
#[test]
fn a_damaged_index_is_rebuilt_by_ask_and_by_index_with_one_line() {
    let s = Scratch::with_article_index();
    assert!(damage_stores(&s.index()) > 0, "no .store file to damage");
    let out = s
        .cmd()
        .args(["ask", "--json", "--top", "1", "Is marketing data-driven?"])
        .output()
        .expect("ask runs");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("data-driven"));
    let said = lines_with(&out.stderr, "passagebot:");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains("rebuilding the index") && said[0].contains("checksum"),
        "{said:?}"
    );
    // Repaired: the next ask says nothing.
    s.cmd()
        .args(["ask", "Is marketing data-driven?"])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());

    // Plain `index` notices too, and rebuilds whole.
    assert!(damage_stores(&s.index()) > 0);
    s.cmd()
        .arg("index")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Full rebuild (the index is damaged",
        ))
        .stdout(predicate::str::contains("checksum"))
        .stdout(predicate::str::contains("1 document added"));
    s.cmd()
        .args(["ask", "Is marketing data-driven?"])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
}

/// Every entry under `dir` with its modification time: what a process that
/// writes (creates, deletes or changes a file) leaves different.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, SystemTime> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let meta = fs::symlink_metadata(&d).expect("meta");
        out.insert(d.clone(), meta.modified().expect("mtime"));
        if meta.is_dir() {
            for entry in fs::read_dir(&d).expect("read").flatten() {
                stack.push(entry.path());
            }
        }
    }
    out
}

fn set_writable(dir: &Path, writable: bool) {
    for path in snapshot(dir).keys() {
        let mut perms = fs::symlink_metadata(path).expect("meta").permissions();
        let mode = perms.mode();
        perms.set_mode(if writable {
            mode | 0o200
        } else {
            mode & !0o222
        });
        fs::set_permissions(path, perms).expect("chmod");
    }
}

/// Item 5: a read-only index folder failed outright, fresh or not (tantivy's
/// reader opens a lock file for writing, creating it if need be). Now
/// answering writes nothing there at all: as root, where `chmod` does not
/// stop writes, the same test still fails if anything is created, removed
/// or changed in the folder (the old reader created its lock file again).
#[test]
fn a_read_only_fresh_index_answers_and_answering_writes_nothing() {
    let s = Scratch::with_article_index();
    // The lock files the build's writer left: tantivy's reader opened (and
    // as root, where `chmod` does not bite, created) `.tantivy-meta.lock`.
    for entry in fs::read_dir(live(&s.index()))
        .expect("generation")
        .flatten()
    {
        if entry.file_name().to_string_lossy().ends_with(".lock") {
            fs::remove_file(entry.path()).expect("remove a lock file");
        }
    }
    set_writable(&s.index(), false);
    let before = snapshot(&s.index());
    let out = s
        .cmd()
        .args(["ask", "--json", "--top", "1", "Is marketing data-driven?"])
        .output()
        .expect("ask runs");
    let after = snapshot(&s.index());
    set_writable(&s.index(), true);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("data-driven"));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(before, after, "answering wrote in the index folder");
}

/// The shape: one owner locks the folder, builds aside and switches; a
/// second build is refused while the lock is held, a staged generation
/// that is never switched in leaves the live one answering and is removed
/// by the next build.
#[test]
fn the_index_folder_locks_stages_aside_and_switches() {
    let s = Scratch::with_article();
    let tuning: Tuning = "semantic=0,sentence=0".parse().expect("tuning");
    let folder = IndexFolder::new(&s.index());
    update(&s.corpus(), &s.index(), &tuning, Mode::Incremental, &|_| {}).expect("first build");
    let first = live(&s.index());
    {
        let lock = folder.lock().expect("the lock");
        let err = update(&s.corpus(), &s.index(), &tuning, Mode::Full, &|_| {})
            .expect_err("a second build while locked");
        assert!(matches!(err, passagebot::Error::IndexBusy { .. }), "{err}");
        // Kept, as a killed build leaves it.
        let staged_path = lock.stage().expect("stage").keep();
        assert!(staged_path.exists());
        assert_eq!(live(&s.index()), first);
        let opened = folder.open(&tuning).expect("the live generation opens");
        assert_eq!(opened.location, first);
    }
    let report = update(&s.corpus(), &s.index(), &tuning, Mode::Full, &|_| {}).expect("rebuild");
    let second = live(&s.index());
    assert_ne!(second, first);
    assert_eq!(report.location.as_deref(), Some(second.as_path()));
    let names: Vec<String> = fs::read_dir(s.index())
        .expect("read")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gen-") || n.starts_with(".build-"))
        .collect();
    assert_eq!(names.len(), 1, "old generation or staging left: {names:?}");
}
