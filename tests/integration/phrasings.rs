//! Phrasing files (issue #22): known questions in `*.questions.jsonl` beside the
//! documents. Bad lines are warned about by file and line and never fail a build;
//! a paraphrase the article's words miss is answered confidently once a close
//! phrasing is known; an edit to a phrasing file is an incremental rebuild that
//! live reload picks up.

use std::fs;
use std::io::Write;

use crate::support::scratch::Scratch;
use passagebot::engine::index::{Mode, update};
use passagebot::engine::lacks::Lack;
use passagebot::engine::lacks::expected::Expected;
use passagebot::engine::live::{self, EngineHandle};
use passagebot::engine::phrasings::LEARNED_FILE;
use passagebot::render;

/// A reader's paraphrase of paragraph 7 (on automated customer support) that the
/// article alone does not answer confidently (a 0.42 chance).
const PARAPHRASE: &str = "why do users dislike machines answering them";
/// Questions people asked before, with the phrase of paragraph 7 answering them:
/// three close to the paraphrase count more than one (a 0.62 chance).
const KNOWN: &str = concat!(
    r#"{"q": "Why do people hate talking to a machine?", "answer": "describe your problem to a machine"}"#,
    "\n",
    r#"{"q": "Why don't people like speaking to robots?", "answer": "describe your problem to a machine"}"#,
    "\n",
    r#"{"q": "Why do folks find automated support annoying?", "answer": "describe your problem to a machine"}"#,
);
const OFF_TOPIC: &[&str] = &[
    "What is the capital of France?",
    "Which CRM should my sales team buy?",
    "How do I change a car tyre?",
    "Why do people hate talking to their neighbours?",
];

#[test]
fn bad_lines_a_huge_file_and_a_long_question_are_indexed_with_warnings_naming_the_line() {
    let s = Scratch::with_article();
    let long = "w".repeat(10_000); // 10 KB
    fs::write(
        s.corpus().join("faq.questions.jsonl"),
        [
            r#"{"q": "Why do people hate talking to a machine?", "answer": "describe your problem to a machine"}"#.to_string(),
            r#"{"q": "broken"#.to_string(),
            r#"{"q": "Is marketing one to many?", "answer": "One to many  style", "asked_by": "x"}"#
                .to_string(),
            r#"{"q": "What about the weather?", "answer": "sunny skies all day"}"#.to_string(),
            format!(r#"{{"q": "{long}", "answer": "much more direct"}}"#),
        ]
        .join("\n"),
    )
    .expect("write");
    let mut big = fs::File::create(s.corpus().join("sub-big.questions.jsonl")).expect("create");
    for i in 0..100_000 {
        writeln!(
            big,
            r#"{{"q": "question {i}?", "answer": "no passage says this {i}"}}"#
        )
        .expect("write");
    }
    drop(big);
    let out = s.cmd().arg("index").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for expected in [
        "1 document added (12 passages)",
        "Attached 3 phrasings from 2 phrasing files.",
        "corpus/faq.questions.jsonl:2: not a JSON object",
        "corpus/faq.questions.jsonl:3: unknown field(s) \"asked_by\" ignored",
        "corpus/faq.questions.jsonl:4: no passage holds the answer \"sunny skies all day\"",
        "corpus/faq.questions.jsonl:5: the question is 10000 characters; cut to its first 1000",
        "corpus/sub-big.questions.jsonl:1: no passage holds the answer \"no passage says this 0\"",
        "corpus/sub-big.questions.jsonl: lines 10001–100000 are left out",
        "corpus/sub-big.questions.jsonl: and ",
        "Skipped no files.",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    // Never a document: no passage comes from a phrasing file.
    let answer = s
        .engine()
        .search("Is marketing one to many?", 0, 10)
        .expect("search");
    assert!(answer.passages.iter().all(|p| p.source.ends_with(".md")));
}

#[test]
fn a_paraphrase_is_answered_confidently_only_with_the_phrasing_file() {
    let s = Scratch::with_article_index();
    let without = s.engine().search(PARAPHRASE, 0, 3).expect("search");
    assert!(!without.confident, "{without:?}");
    // Phrasings about another document too: they must not make off-topic questions confident.
    fs::write(
        s.corpus().join("bread.md"),
        "# Bread\n\nKnead the dough for ten minutes, then let it rise for an hour in a warm place.\n",
    )
    .expect("write");
    fs::write(
        s.corpus().join("faq.questions.jsonl"),
        format!(
            "{KNOWN}\n{}\n{}\n",
            r#"{"q": "How long does dough rise?", "answer": "rise for an hour", "source": "bread.md"}"#,
            r#"{"q": "How long do I knead bread?", "answer": "Knead the dough for ten minutes"}"#
        ),
    )
    .expect("write");
    let engine = s.engine();
    assert_eq!(engine.phrasings(), 5);
    let with = engine.search(PARAPHRASE, 0, 3).expect("search");
    assert!(with.confident, "{with:?}");
    let best = &with.passages[0];
    assert!(best.text.contains("describe your problem to a machine"));
    let asked = with.asked_before().expect("a known phrasing counted");
    assert!(
        KNOWN.contains(&asked.question) && asked.close >= 2,
        "{asked:?}"
    );
    assert_eq!(best.asked_before.as_deref(), Some(asked.question.as_str()));
    let why = render::explain(&with);
    assert!(
        why.contains(&format!(
            "close to a question people asked before: “{}”",
            asked.question
        )),
        "{why}"
    );
    let line: serde_json::Value =
        serde_json::from_str(&render::json::line(&with, &Default::default())).expect("json");
    assert_eq!(line["asked_before"], asked.question.as_str());
    assert_eq!(line["passages"][0]["asked_before"], asked.question.as_str());
    for q in OFF_TOPIC {
        let a = engine.search(q, 0, 3).expect("search");
        assert!(!a.confident, "{q}: {:?}", a.confidence);
    }
}

#[test]
fn a_question_the_passage_lacks_the_kind_for_is_answered_once_a_person_pairs_it() {
    // The bio gives no price: asked how much the certificate costs, the best
    // passage lacks an amount of money, and the answer is not confident.
    let s = Scratch::with_article_index();
    let asked = "How much does the UVM certificate cost?";
    let without = s.engine().search(asked, 0, 3).expect("search");
    assert!(!without.confident, "{:?}", without.confidence);
    assert_eq!(
        without.confidence.lacks,
        Some(Lack::Expected(Expected::Money))
    );
    assert!(render::explain(&without).contains("The question asks for an amount of money"));
    // An operator answered it from the bio (the price is given elsewhere; the
    // bio names the program): nearly the same question is then answered.
    fs::write(
        s.corpus().join(LEARNED_FILE),
        concat!(
            r#"{"q": "How much does the UVM certificate program cost?", "answer": "Leadership and Management Certificate Program"}"#,
            "\n",
            r#"{"q": "How much is the UVM certificate?", "answer": "Leadership and Management Certificate Program"}"#,
            "\n",
        ),
    )
    .expect("write");
    let with = s.engine().search(asked, 0, 3).expect("search");
    assert_eq!(with.confidence.lacks, None, "{:?}", with.confidence);
    assert!(with.confident, "{:?}", with.confidence);
    assert!(with.passages[0].text.contains("Certificate Program"));
    assert_eq!(
        with.confidence.vouched_against,
        Some(Lack::Expected(Expected::Money))
    );
    assert!(
        render::explain(&with).contains(
            "By rule it would not count (the text gives no amount of money), but people asked nearly the same before"
        ),
        "{}",
        render::explain(&with)
    );
    // A question of another kind about the same passage is still judged by the rule.
    let year = s
        .engine()
        .search("What year did the UVM certificate start?", 0, 3)
        .expect("search");
    assert!(!year.confident, "{:?}", year.confidence);
}

#[test]
fn a_greeting_offers_questions_people_asked_before() {
    // A corpus of the teacher's own: without phrasings the examples ask what
    // each document says; with them, questions people asked, one per passage.
    let s = Scratch::empty();
    fs::create_dir_all(s.corpus()).expect("mkdir");
    fs::write(
        s.corpus().join("bread.md"),
        "# Bread\n\nKnead the dough for ten minutes.\n\nLet it rise for an hour in a warm place.\n",
    )
    .expect("write");
    let greeting = |s: &Scratch| {
        let out = s
            .cmd()
            .args(["chat"])
            .write_stdin("hi\n")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).expect("utf-8")
    };
    // One document, no author, no comparison in its title: its summary.
    assert!(greeting(&s).contains("What is it about?"));
    fs::write(
        s.corpus().join("faq.questions.jsonl"),
        concat!(
            r#"{"q": "How long do I knead bread?", "answer": "Knead the dough"}"#,
            "\n",
            r#"{"q": "How long should I knead it for?", "answer": "Knead the dough"}"#,
            "\n",
            r#"{"q": "rise time", "answer": "rise for an hour"}"#,
            "\n",
            r#"{"q": "Where should the dough rise?", "answer": "rise for an hour"}"#,
            "\n",
        ),
    )
    .expect("write");
    assert_eq!(
        s.engine().summary().examples,
        ["How long do I knead bread?", "Where should the dough rise?"]
    );
    let hi = greeting(&s);
    assert!(
        hi.contains("How long do I knead bread?") && hi.contains("Where should the dough rise?"),
        "{hi}"
    );
    assert!(!hi.contains("What is it about?"), "{hi}");
}

#[test]
fn an_edit_to_a_phrasing_file_is_picked_up_incrementally_and_by_live_reload() {
    let s = Scratch::with_article_index();
    let learned = s.corpus().join(LEARNED_FILE);
    fs::write(&learned, "").expect("write");
    let handle = EngineHandle::new(s.engine());
    assert_eq!(handle.current().phrasings(), 0);
    assert!(
        !handle
            .current()
            .search(PARAPHRASE, 0, 3)
            .expect("search")
            .confident
    );
    let again = update(
        &s.corpus(),
        &s.index(),
        &Default::default(),
        Mode::Incremental,
        &|_| {},
    )
    .expect("build");
    assert!(again.changes.is_empty(), "{:?}", again.changes);

    // Accepted suggestions appended, as `passagebot learn accept` does.
    fs::OpenOptions::new()
        .append(true)
        .open(&learned)
        .and_then(|mut f| writeln!(f, "{KNOWN}"))
        .expect("append");
    let changes = live::reload(&s.paths(), &handle).expect("reload");
    assert!(changes.phrasings_changed, "{changes:?}");
    assert!(changes.full_rebuild.is_none(), "{changes:?}");
    assert_eq!((changes.unchanged, changes.added.len()), (1, 0));
    let engine = handle.current();
    assert_eq!(engine.phrasings(), 3);
    assert!(engine.search(PARAPHRASE, 0, 3).expect("search").confident);

    fs::write(&learned, "").expect("write");
    let changes = live::reload(&s.paths(), &handle).expect("reload");
    assert!(changes.phrasings_changed);
    assert_eq!(handle.current().phrasings(), 0);
}
