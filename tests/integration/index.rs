//! Index builds: incremental updates with exact counts, dry runs, one build
//! at a time, and an index that survives a killed build or damage.

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::scratch::Scratch;
use fs4::fs_std::FileExt;
use passagebot::engine::index::{Changes, Mode, update};
use predicates::prelude::*;

fn run(s: &Scratch, mode: Mode) -> Changes {
    update(&s.corpus(), &s.index(), &Default::default(), mode, &|_| {})
        .expect("build")
        .changes
}

fn write(s: &Scratch, name: &str, text: &str) {
    fs::write(s.corpus().join(name), text).expect("write");
}

/// Bumps a file's modification time, as an editor saving it would.
fn touch_later(path: &Path) {
    let file = fs::File::options().write(true).open(path).expect("open");
    let later = std::time::SystemTime::now() + Duration::from_secs(5);
    file.set_modified(later).expect("set mtime");
}

fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = walk(dir);
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let meta = e.metadata().expect("meta");
        if meta.is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push((e.path().display().to_string(), meta.len()));
        }
    }
    out
}

#[test]
fn incremental_runs_add_change_remove_and_rename_with_exact_counts() {
    let s = Scratch::with_article();
    let first = run(&s, Mode::Incremental);
    assert_eq!(
        first.added,
        vec![("corpus/sales-vs-marketing.md".to_string(), 12)]
    );
    assert!(first.full_rebuild.is_some());

    // Files are named by the corpus folder's own name, however it was given.
    let src = |name: &str| format!("corpus/{name}");
    write(
        &s,
        "a.md",
        "# A\n\nAardvarks eat ants.\n\nThey dig at night.\n",
    );
    let c = run(&s, Mode::Incremental);
    assert_eq!(c.added, vec![(src("a.md"), 2)]);
    assert_eq!((c.changed.len(), c.removed.len(), c.unchanged), (0, 0, 1));
    assert_eq!(c.full_rebuild, None);

    write(
        &s,
        "a.md",
        "# A\n\nAardvarks eat ants.\n\nThey dig at night.\n\nThey sleep by day.\n",
    );
    touch_later(&s.corpus().join("a.md"));
    let c = run(&s, Mode::Incremental);
    assert_eq!(c.changed, vec![(src("a.md"), 2, 3)]);
    assert_eq!((c.added.len(), c.removed.len(), c.unchanged), (0, 0, 1));

    // Touched but identical bytes: nothing to re-index.
    touch_later(&s.corpus().join("sales-vs-marketing.md"));
    let c = run(&s, Mode::Incremental);
    assert!(c.is_empty());
    assert_eq!(c.unchanged, 2);

    fs::rename(s.corpus().join("a.md"), s.corpus().join("b.md")).expect("rename");
    let c = run(&s, Mode::Incremental);
    assert_eq!(c.added, vec![(src("b.md"), 3)]);
    assert_eq!(c.removed, vec![(src("a.md"), 3)]);
    assert_eq!(c.vectors_kept, 3, "a renamed file is not encoded again");

    fs::remove_file(s.corpus().join("b.md")).expect("rm");
    let c = run(&s, Mode::Incremental);
    assert_eq!(c.removed, vec![(src("b.md"), 3)]);
    assert_eq!(c.unchanged, 1);

    // Removed text is gone from answers; what remains still answers.
    let engine = s.engine();
    let a = engine.search("aardvarks dig", 0, 3).expect("search");
    assert!(a.passages.iter().all(|p| !p.text.contains("Aardvark")));
    assert_eq!(engine.summary().passages, 12);
}

#[test]
fn an_edited_file_encodes_only_its_new_text_and_answers_as_a_full_build_would() {
    let s = Scratch::with_article();
    run(&s, Mode::Incremental);
    let file = s.corpus().join("sales-vs-marketing.md");
    let mut text = fs::read_to_string(&file).expect("read");
    text.push_str("\nPricing pages are where both teams meet the buyer halfway.\n");
    fs::write(&file, text).expect("write");
    touch_later(&file);
    let c = run(&s, Mode::Incremental);
    assert_eq!(
        c.changed,
        vec![("corpus/sales-vs-marketing.md".into(), 12, 13)]
    );
    assert_eq!(c.vectors_kept, 12, "only the new paragraph is encoded");

    let similarities = |s: &Scratch| {
        let a = s
            .engine()
            .search("Do people like talking to machines?", 0, 13)
            .expect("search");
        let mut out: Vec<(u32, f32)> = a
            .passages
            .iter()
            .map(|p| (p.paragraph, p.similarity.expect("compared by meaning")))
            .collect();
        out.sort_by_key(|p| p.0);
        out
    };
    let kept = similarities(&s);
    run(&s, Mode::Full);
    let rebuilt = similarities(&s);
    assert_eq!(kept.len(), rebuilt.len());
    for ((pa, a), (pb, b)) in kept.iter().zip(&rebuilt) {
        assert_eq!(pa, pb);
        assert!(
            (a - b).abs() < 1e-3,
            "paragraph {pa}: {a} kept, {b} rebuilt"
        );
    }
}

#[test]
fn changed_text_replaces_the_old_passages_in_answers() {
    let s = Scratch::with_article();
    write(&s, "zoo.md", "# Zoo\n\nThe zebra enclosure opens in May.\n");
    run(&s, Mode::Incremental);
    write(
        &s,
        "zoo.md",
        "# Zoo\n\nThe zebra enclosure opens in June.\n",
    );
    touch_later(&s.corpus().join("zoo.md"));
    run(&s, Mode::Incremental);
    let a = s.engine().search("zebra enclosure", 0, 5).expect("search");
    let texts: Vec<&str> = a.passages.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(
        texts.iter().filter(|t| t.contains("zebra")).count(),
        1,
        "{texts:?}"
    );
    assert!(texts[0].contains("June"));
}

#[test]
fn check_reports_the_plan_and_writes_nothing() {
    let s = Scratch::with_article();
    s.cmd().arg("index").assert().success();
    write(&s, "new.md", "# New\n\nFresh words about otters.\n");
    let before = listing(&s.index());
    s.cmd()
        .args(["index", "--check"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Would change: 1 document added (1 passage), 0 changed (0 → 0 passages), 0 removed (0 passages), 1 unchanged.",
        ))
        .stdout(predicate::str::contains("+ corpus/new.md (1 passage)"))
        .stdout(predicate::str::contains("Nothing was written (--check)."));
    assert_eq!(listing(&s.index()), before);
    // On a fresh folder, --check does not even create the index folder.
    let t = Scratch::with_article();
    t.cmd().args(["index", "--check"]).assert().success();
    assert!(!t.index().exists());
}

#[test]
fn full_rebuilds_everything() {
    let s = Scratch::with_article();
    s.cmd().arg("index").assert().success();
    s.cmd()
        .args(["index", "--full"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Full rebuild (asked for a full rebuild).",
        ))
        .stdout(predicate::str::contains("1 document added (12 passages)"));
}

#[test]
fn a_second_concurrent_build_is_refused() {
    let s = Scratch::with_article();
    fs::create_dir_all(s.index()).expect("mkdir");
    let lock = fs::File::create(s.index().join(".lock")).expect("lock file");
    assert!(lock.try_lock_exclusive().expect("lock"));
    s.cmd()
        .arg("index")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "another passagebot process is building the index in index; wait for it to finish",
        ));
    drop(lock);
    s.cmd().arg("index").assert().success();
}

#[test]
fn a_failed_rebuild_leaves_the_old_index_serving() {
    let s = Scratch::with_article();
    s.cmd().arg("index").assert().success();
    // The corpus loses its only readable document: a rebuild cannot succeed.
    fs::write(
        s.corpus().join("sales-vs-marketing.md"),
        [0u8, 159, 146, 150],
    )
    .expect("write");
    s.cmd()
        .args(["ask", "Is marketing data driven?"])
        .assert()
        .success()
        .stderr(predicate::str::contains("could not rebuild the index"))
        .stderr(predicate::str::contains("answering from the previous one"))
        .stdout(predicate::str::contains("marketing is data-driven"));
}

#[test]
fn a_damaged_index_is_detected_and_rebuilt() {
    let s = Scratch::with_article();
    s.cmd().arg("index").assert().success();
    let current = fs::read_to_string(s.index().join("CURRENT")).expect("CURRENT");
    let generation = s.index().join(current.trim());
    fs::remove_file(generation.join("meta.json")).expect("damage");
    s.cmd()
        .args(["ask", "Is marketing data driven?"])
        .assert()
        .success()
        .stderr(predicate::str::contains("rebuilding the index"))
        .stdout(predicate::str::contains("marketing is data-driven"));
    // A garbled manifest is damage too.
    let current = fs::read_to_string(s.index().join("CURRENT")).expect("CURRENT");
    fs::write(
        s.index().join(current.trim()).join("manifest.json"),
        "{ not json",
    )
    .expect("write");
    s.cmd()
        .args(["ask", "Is marketing data driven?"])
        .assert()
        .success()
        .stderr(predicate::str::contains("damaged"))
        .stdout(predicate::str::contains("marketing is data-driven"));
}

#[test]
fn a_killed_indexer_leaves_the_previous_index_usable() {
    let s = Scratch::with_article();
    s.cmd().arg("index").assert().success();
    let live = fs::read_to_string(s.index().join("CURRENT")).expect("CURRENT");
    // Enough text that the build is still running when it is killed (each
    // passage also goes through the sentence encoder).
    let paragraph =
        "Widgets and gadgets are compared at length in this filler paragraph. ".repeat(6);
    for i in 0..40 {
        let body: Vec<String> = (0..20)
            .map(|j| format!("Section {i}-{j}. {paragraph}"))
            .collect();
        write(
            &s,
            &format!("bulk-{i:03}.md"),
            &format!("# Bulk {i}\n\n{}\n", body.join("\n\n")),
        );
    }
    let bin = assert_cmd::cargo::cargo_bin("passagebot");
    let mut child = std::process::Command::new(bin)
        .arg("index")
        .current_dir(s.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait for the build to be under way (its staging folder exists), then kill it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let staging = || {
        fs::read_dir(s.index())
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".build-"))
    };
    while !staging() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    let still = fs::read_to_string(s.index().join("CURRENT")).expect("CURRENT");
    assert_eq!(still, live, "the live index was switched by a killed build");
    let engine =
        passagebot::Engine::open(&s.index(), Default::default()).expect("previous index opens");
    let a = engine
        .search("Is marketing data driven?", 0, 1)
        .expect("search");
    assert!(a.passages[0].text.contains("data-driven"));
    // The next build cleans up after the dead one and completes (without the bulk,
    // which would only make it encode 800 passages more).
    for i in 0..40 {
        fs::remove_file(s.corpus().join(format!("bulk-{i:03}.md"))).expect("remove bulk");
    }
    s.cmd().arg("index").assert().success();
    let leftovers = fs::read_dir(s.index())
        .expect("read")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".build-"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn an_index_kept_inside_the_corpus_is_not_indexed_and_does_not_look_like_a_change() {
    let s = Scratch::with_article();
    let inner = s.corpus().join("index");
    let run = |args: &[&str]| {
        let mut cmd = s.cmd();
        cmd.args(["--corpus", "corpus", "--index", "corpus/index"])
            .args(args);
        cmd.assert().success()
    };
    run(&["index"]);
    assert!(inner.join("CURRENT").exists());
    run(&["index"])
        .stdout(predicate::str::contains(
            "0 removed (0 passages), 1 unchanged.",
        ))
        .stdout(predicate::str::contains("Skipped no files."));
    // A fresh index is used as it is: no rebuild notice.
    run(&["ask", "Is marketing data driven?"]).stderr(predicate::str::is_empty());
}
