//! Live reload: questions keep being answered while the corpus changes and
//! the index is rebuilt and swapped underneath them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::scratch::Scratch;
use passagebot::engine::live::{self, EngineHandle};

/// Polls until `question` finds a passage containing `phrase`, or gives up.
fn wait_until_answerable(handle: &EngineHandle, question: &str, phrase: &str) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let a = handle.current().search(question, 0, 3).expect("search");
        if a.passages.iter().any(|p| p.text.contains(phrase)) {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn questions_never_fail_while_the_corpus_changes_and_new_text_arrives_within_seconds() {
    let s = Scratch::with_article();
    let handle = EngineHandle::new(s.engine());
    let reloads = Arc::new(AtomicUsize::new(0));
    let failed_reloads = Arc::new(AtomicUsize::new(0));
    let (r, f) = (reloads.clone(), failed_reloads.clone());
    let _watcher = live::watch(s.paths(), handle.clone(), move |outcome| {
        r.fetch_add(1, Ordering::SeqCst);
        if outcome.is_err() {
            f.fetch_add(1, Ordering::SeqCst);
        }
    })
    .expect("watch");

    // Askers hammer the engine the whole time.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let askers: Vec<_> = (0..2)
        .map(|_| {
            let (h, stop, answered, failures) = (
                handle.clone(),
                stop.clone(),
                answered.clone(),
                failures.clone(),
            );
            std::thread::spawn(move || {
                let questions = [
                    "Is marketing data driven?",
                    "Who handles negotiation?",
                    "zebra schedule",
                ];
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    match h.current().search(questions[i % questions.len()], 0, 3) {
                        Ok(a) if i % questions.len() == 0 && a.passages.is_empty() => {
                            failures.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(_) => {}
                        Err(_) => {
                            failures.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    answered.fetch_add(1, Ordering::SeqCst);
                    i += 1;
                }
            })
        })
        .collect();

    let mut waits = Vec::new();
    for round in 0..3 {
        let animal = ["zebra", "okapi", "narwhal"][round];
        std::fs::write(
            s.corpus().join(format!("week-{round}.md")),
            format!("# Week {round}\n\nThe {animal} schedule moves to Thursday this week.\n"),
        )
        .expect("write");
        let waited = wait_until_answerable(&handle, &format!("{animal} schedule"), animal);
        assert!(
            waited.is_some(),
            "round {round}: the new file never became answerable"
        );
        waits.extend(waited);
    }
    // A removed file disappears from answers too.
    std::fs::remove_file(s.corpus().join("week-0.md")).expect("rm");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let a = handle
            .current()
            .search("zebra schedule", 0, 3)
            .expect("search");
        if a.passages.iter().all(|p| !p.text.contains("zebra")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::SeqCst);
    for a in askers {
        a.join().expect("asker");
    }
    let a = handle
        .current()
        .search("zebra schedule", 0, 3)
        .expect("search");
    assert!(
        a.passages.iter().all(|p| !p.text.contains("zebra")),
        "removed text still answers"
    );
    assert_eq!(
        failures.load(Ordering::SeqCst),
        0,
        "questions failed during reloads"
    );
    // Each question runs the sentence encoder (milliseconds, more in a debug
    // build, and the rebuilds share the two cores), so a few dozen questions
    // span the reloads.
    assert!(
        answered.load(Ordering::SeqCst) > 20,
        "too few questions asked to mean anything: {}",
        answered.load(Ordering::SeqCst)
    );
    assert!(reloads.load(Ordering::SeqCst) >= 3);
    assert_eq!(failed_reloads.load(Ordering::SeqCst), 0);
    eprintln!(
        "answered {} questions during 4 corpus changes; new text answerable after {:?}",
        answered.load(Ordering::SeqCst),
        waits
    );
}

#[test]
fn a_failing_rebuild_keeps_the_old_engine_serving_and_reports_the_error() {
    let s = Scratch::with_article();
    let handle = EngineHandle::new(s.engine());
    let (tx, rx) = std::sync::mpsc::channel();
    let _watcher = live::watch(s.paths(), handle.clone(), move |outcome| {
        let _ = tx.send(outcome.as_ref().map(|_| ()).map_err(|e| e.to_string()));
    })
    .expect("watch");
    // The only document becomes unreadable: the rebuild must fail.
    std::fs::write(s.corpus().join("sales-vs-marketing.md"), [0u8, 1, 2]).expect("write");
    let outcome = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("a reload happened");
    let err = outcome.expect_err("the rebuild failed");
    assert!(err.contains("no document passagebot can read"), "{err}");
    let a = handle
        .current()
        .search("Is marketing data driven?", 0, 1)
        .expect("search");
    assert!(a.passages[0].text.contains("data-driven"));
}

/// Issue 14: a `/reindex` that overlapped a watcher rebuild (or a `passagebot index`)
/// failed with "index busy" and its edit was dropped. The loser now waits its turn.
#[test]
fn a_rebuild_that_finds_the_index_busy_waits_for_it_and_keeps_the_edit() {
    use fs4::fs_std::FileExt;
    let s = Scratch::with_article();
    let handle = EngineHandle::new(s.engine());
    // Another build holds the lock (as `passagebot index` in another process would).
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(s.index().join(passagebot::engine::index::LOCK))
        .expect("lock file");
    assert!(lock.try_lock_exclusive().expect("lock"), "the lock is free");
    std::fs::write(
        s.corpus().join("week.md"),
        "# Week\n\nThe okapi schedule moves to Thursday this week.\n",
    )
    .expect("write");
    let (paths, h) = (s.paths(), handle.clone());
    let rebuild = std::thread::spawn(move || live::reload(&paths, &h));
    std::thread::sleep(Duration::from_millis(600));
    FileExt::unlock(&lock).expect("unlock");
    let changes = rebuild
        .join()
        .expect("no panic")
        .expect("the rebuild waited instead of failing with index busy");
    assert_eq!(changes.added.len(), 1, "{changes:?}");
    let a = handle
        .current()
        .search("okapi schedule", 0, 3)
        .expect("search");
    assert!(a.passages.iter().any(|p| p.text.contains("okapi")));
}

#[test]
fn overlapping_rebuilds_in_one_process_take_turns_and_both_succeed() {
    let s = Scratch::with_article();
    let handle = EngineHandle::new(s.engine());
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let rebuilds: Vec<_> = ["okapi", "narwhal"]
        .into_iter()
        .map(|animal| {
            let (paths, h, b, corpus) = (s.paths(), handle.clone(), barrier.clone(), s.corpus());
            std::thread::spawn(move || {
                std::fs::write(
                    corpus.join(format!("{animal}.md")),
                    format!("# {animal}\n\nThe {animal} schedule moves to Friday.\n"),
                )
                .expect("write");
                b.wait();
                live::reload(&paths, &h)
            })
        })
        .collect();
    for r in rebuilds {
        r.join().expect("no panic").expect("no index busy");
    }
    for animal in ["okapi", "narwhal"] {
        let a = handle
            .current()
            .search(&format!("{animal} schedule"), 0, 3)
            .expect("search");
        assert!(
            a.passages.iter().any(|p| p.text.contains(animal)),
            "{animal}"
        );
    }
}
