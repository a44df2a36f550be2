//! Hostile documents and operator mistakes through the real binary (issue 14):
//! oversized and one-paragraph files, deeply nested HTML, double-spaced PDFs,
//! and the small things a new operator hits (dates, control characters, clap
//! errors, help text, long questions). Big inputs are generated here, never
//! committed.

use std::time::{Duration, Instant};

use crate::support::scratch::{Scratch, minimal_pdf};
use passagebot::engine::corpus::limits::{MAX_FILE_BYTES, MAX_HTML_DEPTH, MAX_PASSAGES_PER_FILE};
use predicates::prelude::*;

fn with_files(files: &[(&str, &[u8])]) -> Scratch {
    let s = Scratch::with_article();
    for (name, bytes) in files {
        std::fs::write(s.corpus().join(name), bytes).expect("write");
    }
    s
}

/// Words alone: these tests are about cost, not meaning, and the encoder
/// would spend minutes on the passages of a megabyte.
fn words_only(s: &Scratch) -> assert_cmd::Command {
    let mut cmd = s.cmd();
    cmd.env("PASSAGEBOT_TUNING", "semantic=0,sentence=0");
    cmd
}

fn one_paragraph(bytes: usize) -> Vec<u8> {
    let sentence = "Each quarter the ostrich team reviews prices, and the review says so here. ";
    sentence.repeat(bytes / sentence.len() + 1).into_bytes()
}

fn dir_size(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let meta = entry.metadata().expect("meta");
        total += if meta.is_dir() {
            dir_size(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

/// Item 1: a 1 MB paragraph took 51 s, 4.1 GB of memory and a 314 MiB
/// index, because every window copied the whole paragraph.
#[test]
fn a_megabyte_paragraph_indexes_quickly_into_a_small_index() {
    let s = with_files(&[("one-paragraph.txt", &one_paragraph(1_000_000))]);
    let started = Instant::now();
    words_only(&s).arg("index").assert().success();
    let took = started.elapsed();
    let size = dir_size(&s.index());
    assert!(size < 40 * 1024 * 1024, "index is {size} bytes");
    assert!(took < Duration::from_secs(45), "took {took:?}");
    words_only(&s)
        .args(["ask", "--json", "--top", "1", "ostrich team reviews prices"])
        .assert()
        .success()
        .stdout(predicate::str::contains("corpus/one-paragraph.txt"));
}

/// Item 1: a 5 MB single-paragraph file would make thousands of passages
/// (hours of encoding); a 50 MB file was read whole. Both are skipped with
/// a warning naming the file, the number and the limit, and the rest of the
/// corpus still answers.
#[test]
fn oversized_files_are_skipped_with_the_limit_named() {
    let s = with_files(&[("five-mb.txt", &one_paragraph(5_000_000))]);
    let huge = std::fs::File::create(s.corpus().join("fifty-mb.txt")).expect("create");
    huge.set_len(50 * 1024 * 1024).expect("sparse 50 MiB file");
    const { assert!(50 * 1024 * 1024 > MAX_FILE_BYTES) };
    words_only(&s)
        .arg("index")
        .assert()
        .success()
        .stderr(predicate::str::contains("five-mb.txt"))
        .stderr(predicate::str::contains(format!(
            "limit of {MAX_PASSAGES_PER_FILE}"
        )))
        .stderr(predicate::str::contains("fifty-mb.txt"))
        .stderr(predicate::str::contains("50.0 MiB"))
        .stderr(predicate::str::contains("16.0 MiB"));
    words_only(&s)
        .args(["ask", "--json", "--top", "1", "Is marketing data-driven?"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sales-vs-marketing.md"));
}

/// A page whose one paragraph sits `depth` `<div>`s deep.
fn nested_page(depth: usize) -> String {
    format!(
        "<html><head><title>Deep page</title></head><body>{}<p>The pelican ledger lives at the bottom.</p>{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    )
}

/// Item 3: 200,000 nested `<div>`s made `index` die of a stack overflow
/// (exit 134); parsing such a page takes minutes. It is skipped with the
/// depth and the limit named, and the rest of the corpus answers.
#[test]
fn a_page_of_200000_nested_divs_is_skipped_with_a_warning() {
    let page = nested_page(200_000);
    let s = with_files(&[("deep.html", page.as_bytes())]);
    let started = Instant::now();
    words_only(&s)
        .arg("index")
        .assert()
        .success()
        .stderr(predicate::str::contains("deep.html"))
        .stderr(predicate::str::contains(format!(
            "limit of {MAX_HTML_DEPTH}"
        )));
    assert!(started.elapsed() < Duration::from_secs(30));
    words_only(&s)
        .args(["ask", "--json", "--top", "1", "Is marketing data-driven?"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sales-vs-marketing.md"));
}

/// A page nested a little less deep than the limit still indexes.
#[test]
fn a_page_nested_just_under_the_limit_indexes() {
    let page = nested_page(MAX_HTML_DEPTH - 10);
    let s = with_files(&[("deep.html", page.as_bytes())]);
    words_only(&s)
        .args(["ask", "--json", "--top", "1", "pelican ledger"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "The pelican ledger lives at the bottom.",
        ));
}

/// Item 10: in a double-spaced PDF every line became a passage, so answers
/// stopped mid-sentence. (The fixture PDF puts a blank line's worth of space
/// between all its lines.)
#[test]
fn a_double_spaced_pdf_answers_with_whole_sentences() {
    let pdf = minimal_pdf(&[
        "Pricing",
        "Our quarterly pricing reviews happen every season so that the",
        "discounts our walrus field teams offer stay honest and fair to",
        "every customer we serve in the region.",
        "Marketing reaches many people at once through adverts and",
        "websites; sales talks to one.",
    ]);
    let s = with_files(&[("double.pdf", &pdf)]);
    words_only(&s)
        .args(["ask", "--json", "--top", "1", "walrus field teams discounts"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Our quarterly pricing reviews happen every season so that the discounts our walrus field teams offer stay honest and fair to every customer we serve in the region.",
        ));
}

/// Item 10: `report --since` with a huge year overflowed.
#[test]
fn report_since_a_huge_year_is_a_clear_error() {
    let s = Scratch::empty();
    s.cmd()
        .args(["report", "--since", "999999999999999-01-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("passagebot: "))
        .stderr(predicate::str::contains("9999"))
        .stderr(predicate::str::contains("panicked").not());
}

/// Item 10: the terminal report printed stored questions raw.
#[test]
fn report_does_not_send_control_characters_to_the_terminal() {
    use passagebot::store::{self, NewQuestion, Store};
    let s = Scratch::empty();
    let data = s.dir.path().join("data");
    let store = Store::open(&data, &store::Options::default()).expect("open");
    store
        .log_question(&NewQuestion {
            asked_at: 1_750_000_000,
            person: "h:seed",
            surface: "telegram",
            question: "hello\u{1b}]0;pwned\u{7}\u{1b}[2J\rfake line",
            confident: false,
            coverage: 0.1,
            passages: &[],
            handover: "not_covered",
            asked_before: None,
        })
        .expect("log");
    drop(store);
    let out = s.cmd().arg("report").output().expect("runs");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("hello"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\r'),
        "{text:?}"
    );
}

/// Item 10: clap's own errors began with `error:`, every other error with `passagebot:`.
#[test]
fn usage_errors_start_with_the_program_name() {
    let s = Scratch::empty();
    s.cmd()
        .arg("--bogus")
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("passagebot: "))
        .stderr(predicate::str::contains("--bogus"));
    s.cmd()
        .args(["ask", "--top", "0", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("passagebot: "));
    s.cmd()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("passagebot "));
}

/// Item 10: `--help` listed only .md and .txt, and pointed at DESIGN.md and
/// at files outside the repository.
#[test]
fn help_lists_every_format_and_points_inside_the_repository() {
    let s = Scratch::empty();
    for args in [&["--help"][..], &["ask", "--help"], &["eval", "--help"]] {
        let out = s.cmd().args(args).output().expect("runs");
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout);
        for outside in ["../", "shared/", "DESIGN.md"] {
            assert!(!help.contains(outside), "{outside} in {args:?}:\n{help}");
        }
        if args == ["--help"] {
            for ext in [".md", ".txt", ".html", ".htm", ".pdf"] {
                assert!(help.contains(ext), "{ext} missing:\n{help}");
            }
        }
    }
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README");
    for outside in ["../shared", "DESIGN.md"] {
        assert!(!readme.contains(outside), "README mentions {outside}");
    }
}

/// Item 10: the `Q:` line echoed a 20,000-character question in full.
#[test]
fn the_q_line_cuts_a_huge_question() {
    let s = Scratch::with_article();
    let question = "marketing ".repeat(2_000);
    let out = words_only(&s)
        .args(["ask", &question])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with("Q: marketing"), "{first}");
    assert!(first.ends_with('…'), "{first}");
    assert!(
        first.chars().count() < 400,
        "{} chars",
        first.chars().count()
    );
}
