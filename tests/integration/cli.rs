//! The `passagebot` binary end to end: every command, and the bad input a
//! newcomer will try, with the exact text and exit codes people see.

use crate::support::scratch::Scratch;
use predicates::prelude::*;
use serde_json::Value;

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn ask_builds_the_index_on_first_use_and_quotes_the_right_passage() {
    let s = Scratch::with_article();
    s.cmd()
        .args(["ask", "Is marketing data driven?"])
        .assert()
        .success()
        .stderr(predicate::str::contains("building the index"))
        .stdout(predicate::str::contains("marketing is data-driven"))
        .stdout(predicate::str::contains("paragraph 5"))
        .stdout(predicate::str::contains("corpus/sales-vs-marketing.md"));
    // Second run: the index is fresh, nothing is rebuilt, stderr stays quiet.
    s.cmd()
        .args(["ask", "Is marketing data driven?"])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
}

#[test]
fn ask_json_follows_the_contract() {
    let s = Scratch::with_article_index();
    let out = s
        .cmd()
        .args(["ask", "--json", "--top", "2", "Is marketing data driven?"])
        .assert()
        .success()
        // The copied index is fresh: nothing is built.
        .stderr(predicate::str::is_empty())
        .get_output()
        .stdout
        .clone();
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let a = &lines[0];
    assert_eq!(a["question"], "Is marketing data driven?");
    assert_eq!(a["confident"], true);
    let passages = a["passages"].as_array().expect("passages");
    assert_eq!(passages.len(), 2);
    let top = &passages[0];
    let text = top["text"].as_str().expect("text");
    assert!(text.starts_with("From an analysis perspective, marketing is data-driven"));
    assert_eq!(top["source"], "corpus/sales-vs-marketing.md");
    assert_eq!(
        top["title"],
        "What’s the Difference Between Sales and Marketing?"
    );
    assert!(top["score"].as_f64().expect("score") > passages[1]["score"].as_f64().expect("score"));
    let words: Vec<&str> = top["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .map(|r| {
            let (a, b) = (
                r[0].as_u64().expect("start") as usize,
                r[1].as_u64().expect("end") as usize,
            );
            &text[a..b]
        })
        .collect();
    assert_eq!(words, vec!["marketing", "data", "driven", "data"]);
}

#[test]
fn ask_reads_stdin_in_order_and_blank_lines_still_get_an_object() {
    let s = Scratch::with_article_index();
    let out = s
        .cmd()
        .args(["ask", "--json"])
        .write_stdin("Is marketing data driven?\n\n   \nWhat is the capital of France?\r\nIs solution creation part of sales?")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines = json_lines(&out);
    let summary: Vec<(String, bool, usize)> = lines
        .iter()
        .map(|l| {
            (
                l["question"].as_str().unwrap_or_default().to_string(),
                l["confident"].as_bool().unwrap_or(true),
                l["passages"].as_array().map_or(99, Vec::len),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("Is marketing data driven?".into(), true, 3),
            ("".into(), false, 0),
            ("   ".into(), false, 0),
            ("What is the capital of France?".into(), false, 0),
            ("Is solution creation part of sales?".into(), true, 3),
        ]
    );
}

#[test]
fn ask_without_json_skips_blank_lines_and_says_when_it_does_not_know() {
    let s = Scratch::with_article_index();
    s.cmd()
        .arg("ask")
        .write_stdin("\nHow do I bake sourdough bread?\n\n")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Q: How do I bake sourdough bread?",
        ))
        .stdout(predicate::str::contains("A person would serve you better"))
        .stdout(predicate::str::contains("Q: \n").not());
}

#[test]
fn an_empty_question_argument_is_a_usage_error() {
    let s = Scratch::with_article();
    s.cmd()
        .args(["ask", "  "])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "passagebot: the question is empty",
        ));
}

#[test]
fn bad_flags_are_usage_errors() {
    let s = Scratch::with_article();
    s.cmd().args(["ask", "--top", "0", "x"]).assert().code(2);
    s.cmd().args(["frobnicate"]).assert().code(2);
    // A mistyped knob is named, whether from the flag or the environment.
    s.cmd()
        .args(["--tuning", "proximty=0.5", "ask", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown knob \"proximty\""));
    s.cmd()
        .env("PASSAGEBOT_TUNING", "proximity=lots")
        .args(["ask", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"lots\" is not a number"));
}

#[test]
fn a_missing_corpus_is_an_error_that_names_it_and_says_what_to_do() {
    let s = Scratch::empty();
    s.cmd()
        .args(["ask", "anything"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "passagebot: corpus folder corpus does not exist",
        ))
        .stderr(predicate::str::contains("--corpus DIR"));
}

#[test]
fn an_empty_corpus_is_an_error() {
    let s = Scratch::empty();
    std::fs::create_dir_all(s.corpus()).expect("mkdir");
    s.cmd()
        .arg("index")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "has no document passagebot can read",
        ));
}

#[test]
fn a_binary_file_is_skipped_with_a_warning_and_the_rest_is_indexed() {
    let s = Scratch::with_article();
    std::fs::write(
        s.corpus().join("logo.txt"),
        [0x89, b'P', b'N', b'G', 0, 0, 1],
    )
    .expect("write");
    s.cmd()
        .arg("index")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "skipping corpus/logo.txt: binary file",
        ))
        .stdout(predicate::str::contains(
            "Indexed 1 document into 12 passages",
        ))
        .stdout(predicate::str::contains("corpus/logo.txt: binary file"));
}

#[test]
fn index_prints_a_summary() {
    let s = Scratch::with_article();
    s.cmd()
        .arg("index")
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"Indexed 1 document into 12 passages in \d+\.\d\d s \(\d")
                .expect("regex"),
        )
        .stdout(predicate::str::contains("Skipped no files."));
}

#[test]
fn an_unwritable_index_folder_is_a_clear_error() {
    let s = Scratch::with_article();
    // A file where the index folder should be cannot be written into, even as root.
    std::fs::write(s.index(), "not a folder").expect("write");
    s.cmd()
        .args(["ask", "anything"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot write the index in index"))
        .stderr(predicate::str::contains("pass --index DIR"));
}

#[test]
fn a_stale_index_is_rebuilt_after_a_corpus_edit() {
    let s = Scratch::with_article();
    s.cmd().arg("index").assert().success();
    std::fs::write(
        s.corpus().join("extra.md"),
        "# Field notes\n\nOur zebra mascot visits every trade show.\n",
    )
    .expect("write");
    s.cmd()
        .args(["ask", "Which mascot visits trade shows?"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "the corpus changed since the index was built",
        ))
        .stdout(predicate::str::contains("zebra mascot"));
}

#[test]
fn corpus_and_index_come_from_flags_or_environment() {
    let s = Scratch::with_article();
    let elsewhere = s.dir.path().join("elsewhere");
    let mut cmd = assert_cmd::Command::cargo_bin("passagebot").expect("binary");
    cmd.env("PASSAGEBOT_CORPUS", s.corpus())
        .env("PASSAGEBOT_INDEX", &elsewhere)
        .args(["ask", "--json", "big data"])
        .assert()
        .success();
    assert!(elsewhere.join("CURRENT").exists());
}

#[test]
fn chat_answers_more_why_and_quit_when_piped() {
    let s = Scratch::with_article_index();
    s.cmd()
        .arg("chat")
        .write_stdin("Is marketing data driven?\n:more\n:why\n:quit\nnever answered\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("[1] What’s the Difference"))
        .stdout(predicate::str::contains("[3] What’s the Difference"))
        .stdout(predicate::str::contains(
            "covers 100% of the question's weight",
        ))
        .stdout(predicate::str::contains("never answered").not());
}

#[test]
fn chat_explains_before_any_question_and_rejects_unknown_commands() {
    let s = Scratch::with_article_index();
    s.cmd()
        .arg("chat")
        .write_stdin(":why\n:more\n:bogus\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Ask a question first"))
        .stdout(predicate::str::contains("Unknown command :bogus"));
}

#[test]
fn help_shows_examples() {
    let s = Scratch::empty();
    s.cmd()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("passagebot ask"));
}

#[test]
fn eval_scores_a_question_file_and_lists_misses() {
    let s = Scratch::with_article_index();
    let file = s.dir.path().join("q.jsonl");
    std::fs::write(
        &file,
        concat!(
            "{\"q\":\"Is marketing data driven?\",\"gold\":[\"data-driven\"],\"kind\":\"direct\"}\n",
            "{\"q\":\"Is solution creation part of sales?\",\"gold\":[\"no such phrase\"],\"kind\":\"direct\"}\n",
            "{\"q\":\"What is the capital of France?\",\"expect\":\"none\",\"kind\":\"offtopic\"}\n",
        ),
    )
    .expect("write");
    s.cmd()
        .args(["eval"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "direct           n=2    hit@1=0.50 hit@3=0.50 mrr=0.50",
        ))
        .stdout(predicate::str::contains(
            "offtopic         n=1    abstention=1.00",
        ))
        .stdout(predicate::str::contains(
            "[direct] Is solution creation part of sales? — right passage not in the results",
        ));
    // Issue 23: the column said hit@3 whatever --top was; it names the k searched
    // (and at --top 1 only hit@1, the confident first passage, is shown).
    for (top, row, total) in [
        (
            "1",
            "direct           n=2    hit@1=0.50 mrr=0.50",
            "answerable 2: hit@1=0.500 MRR=0.500;",
        ),
        (
            "5",
            "direct           n=2    hit@1=0.50 hit@5=0.50 mrr=0.50",
            "answerable 2: hit@1=0.500 hit@5=0.500 MRR=0.500;",
        ),
    ] {
        s.cmd()
            .args(["eval", "--top", top])
            .arg(&file)
            .assert()
            .success()
            .stdout(predicate::str::contains(row))
            .stdout(predicate::str::contains(total))
            .stdout(predicate::str::contains("hit@3").not());
    }
    std::fs::write(&file, "{\"q\": 1}\n").expect("write");
    s.cmd()
        .args(["eval"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("q.jsonl: line 1:"));
}

#[test]
fn ask_shows_the_hand_over_decision_in_json_and_on_the_terminal() {
    let s = Scratch::with_article_index();
    let out = s
        .cmd()
        .args(["ask", "--json"])
        .write_stdin("How much does your product cost?\nIs marketing data driven?\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines = json_lines(&out);
    assert_eq!(lines[0]["handover"]["hand_over"], true);
    // The article gives no price at all, and the question is about one's own.
    assert_eq!(
        lines[0]["handover"]["reasons"],
        serde_json::json!(["not_covered", "pricing"])
    );
    assert_eq!(
        lines[0]["confidence"]["lacks"],
        serde_json::json!({"expected": "money"})
    );
    assert_eq!(lines[1]["handover"]["hand_over"], false);
    assert_eq!(lines[1]["handover"]["reasons"], serde_json::json!([]));
    s.cmd()
        .args(["ask", "Should I hire a marketer first?"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "→ This one needs a person, because",
        ))
        .stdout(predicate::str::contains("your own situation"));
    // A question close to the article's own but asking what it never gives.
    s.cmd()
        .args(["ask", "How much is tuition for the UVM certificate?"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "This one needs a person, because the text gives no amount of money.",
        ));
    s.cmd()
        .args([
            "ask",
            "What's the difference between marketing and public relations?",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "because the text never mentions “public relations”",
        ));
}
