//! Every document format end to end: a phrase from each fixture is found by
//! `ask`, and a file that cannot be read is skipped with the reason.

use crate::support::scratch::{Scratch, minimal_pdf};
use predicates::prelude::*;

fn corpus_with(files: &[(&str, &[u8])]) -> Scratch {
    let s = Scratch::empty();
    std::fs::create_dir_all(s.corpus()).expect("mkdir");
    for (name, bytes) in files {
        std::fs::write(s.corpus().join(name), bytes).expect("write");
    }
    s
}

#[test]
fn a_phrase_from_each_format_is_found_by_ask() {
    let pdf = minimal_pdf(&[
        "Quarterly pricing reviews keep discounts honest.",
        "Field teams log every pelican sighting.",
    ]);
    let s = corpus_with(&[
        (
            "notes.md",
            b"# Notes\n\nThe *walrus* budget is **approved** for spring.\n",
        ),
        ("memo.txt", b"Memo\n\nOur kangaroo hotline opens at nine.\n"),
        (
            "handout.html",
            b"<html><head><title>Week 3 handout</title><script>var ostrich = 1;</script></head>\
              <body><nav>Home | ostrich</nav><main><h1>Week 3</h1>\
              <p>The flamingo campaign doubled sign-ups.</p></main></body></html>",
        ),
        (
            "slides.htm",
            b"<body><p>Penguin partners get early access.</p></body>",
        ),
        ("report.pdf", &pdf),
    ]);
    let cases = [
        (
            "walrus budget",
            "The walrus budget is approved for spring.",
            "notes.md",
        ),
        (
            "kangaroo hotline",
            "Our kangaroo hotline opens at nine.",
            "memo.txt",
        ),
        (
            "flamingo campaign",
            "The flamingo campaign doubled sign-ups.",
            "handout.html",
        ),
        (
            "penguin partners",
            "Penguin partners get early access.",
            "slides.htm",
        ),
        (
            "pricing reviews discounts",
            "Quarterly pricing reviews keep discounts honest.",
            "report.pdf",
        ),
    ];
    for (question, phrase, file) in cases {
        s.cmd()
            .args(["ask", "--json", "--top", "1", question])
            .assert()
            .success()
            .stdout(predicate::str::contains(phrase))
            .stdout(predicate::str::contains(format!("corpus/{file}")));
    }
    // Script text and navigation never become passages.
    s.cmd()
        .args(["ask", "--json", "ostrich"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"passages\":[]"));
    s.cmd()
        .args(["ask", "--json", "--top", "1", "flamingo"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"title\":\"Week 3 handout\""));
}

#[test]
fn a_pdf_without_a_text_layer_is_skipped_with_a_reason() {
    let scan = minimal_pdf(&[]);
    let s = corpus_with(&[
        ("scan.pdf", &scan),
        ("ok.md", b"# Ok\n\nSomething to index.\n"),
    ]);
    s.cmd()
        .arg("index")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "corpus/scan.pdf: the PDF has no text layer",
        ))
        .stderr(predicate::str::contains("skipping corpus/scan.pdf"));
}
