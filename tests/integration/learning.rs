//! Suggestions from use, approved by a person (issue 22, parts 3 and 4), end to end:
//! the real bot against the fake Bot API server with an operator chat and a corpus
//! folder it follows; and `passagebot learn` through the binary. Nothing a reader
//! does writes `learned.questions.jsonl`: only an operator's ✅ (or `learn accept`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::fake_telegram::{self as tg, FakeTelegram, Recorded};
use crate::support::harness::{RunningBot, assert_html_ok, button, message_id, settings};
use passagebot::bot::Settings;
use passagebot::config::Paths;
use passagebot::conversation::learned::{FILE_NAME, Phrasing};
use passagebot::engine::live::EngineHandle;
use passagebot::engine::search::Engine;
use passagebot::store::{self, NewSuggestion, Store, SuggestedPassage, SuggestionKind};

/// The operator's private chat with the bot.
const OP: i64 = 900;

const ARTICLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/sales-vs-marketing.md");

/// A fresh copy of the article in `<dir>/corpus`, indexed in `<dir>/index`.
fn article_copy(dir: &Path) -> Paths {
    let paths = Paths {
        corpus: dir.join("corpus"),
        index: dir.join("index"),
    };
    std::fs::create_dir(&paths.corpus).expect("mkdir");
    std::fs::copy(ARTICLE, paths.corpus.join("sales-vs-marketing.md")).expect("copy");
    paths
}

/// The bot on a copy of the article, following its corpus folder, with an operator.
async fn start(fake: &FakeTelegram, dir: &tempfile::TempDir) -> (RunningBot, PathBuf) {
    let paths = article_copy(dir.path());
    let corpus = paths.corpus.clone();
    let engine =
        EngineHandle::new(Engine::open_or_build(&paths, Default::default()).expect("engine"));
    let settings = Settings {
        operators: vec![OP],
        reload: Some(paths),
        ..settings()
    };
    (RunningBot::start_with(fake, engine, settings).await, corpus)
}

/// Waits for a message to `chat` containing `text` and returns it.
async fn message_with(fake: &FakeTelegram, chat: i64, text: &str) -> Recorded {
    fake.wait_until(&format!("a message to {chat} with {text:?}"), |r| {
        r.iter().any(|m| {
            m.method == "sendmessage" && m.ok() && m.chat_id() == chat && m.text().contains(text)
        })
    })
    .await;
    fake.sent_to(chat)
        .into_iter()
        .rev()
        .find(|m| m.text().contains(text))
        .expect("waited for it")
}

/// The operator presses the button labelled `label` (or starting so) under `msg`.
fn operator_presses(fake: &FakeTelegram, msg: &Recorded, label: &str) {
    let data = msg
        .buttons()
        .into_iter()
        .find(|(l, _)| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} button on {}", msg.body))
        .1;
    fake.push_update(tg::callback(OP, fake.sent_message(message_id(msg)), &data));
}

/// The lines of the learned phrasings file.
fn learned(corpus: &Path) -> Vec<Phrasing> {
    std::fs::read_to_string(corpus.join(FILE_NAME))
        .expect("the learned file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a whole JSON line"))
        .collect()
}

/// Whether `phrase` is quoted from the article (spacing and case aside), once.
fn quoted_once(phrase: &str) -> bool {
    let fold = |t: &str| {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let article = fold(&std::fs::read_to_string(ARTICLE).expect("article"));
    article.matches(&fold(phrase)).count() == 1
}

/// Suggestion #1 as `/suggestions` listed it: `question`, from `from`.
async fn listed(fake: &FakeTelegram, question: &str, from: &str) -> Recorded {
    let listed = message_with(fake, OP, "<b>Suggestion #1</b>").await;
    assert!(listed.text().contains(question), "{}", listed.text());
    assert!(listed.text().contains(from), "{}", listed.text());
    listed
}

/// The operator accepts `listed`: the learned file's one line is `question` with a
/// phrase quoted once from the article.
async fn accept(fake: &FakeTelegram, listed: &Recorded, corpus: &Path, question: &str) -> Phrasing {
    operator_presses(fake, listed, "✅ Accept");
    message_with(fake, OP, "Suggestion #1 accepted").await;
    let mut lines = learned(corpus);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].q, question);
    assert!(quoted_once(&lines[0].answer), "{:?}", lines[0].answer);
    lines.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operators_answer_and_tapped_passage_become_a_learned_phrasing_once_accepted() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (bot, corpus) = start(&fake, &dir).await;
    let question = "Why do people hate phoning a help line?";
    fake.push_update(tg::private_text(301, &format!("/human {question}")));
    let ticket = message_with(&fake, OP, "Ticket #1").await;
    // The person hears of it once the ticket's messages are linked: then a reply
    // to it is relayed.
    message_with(&fake, 301, "I've passed your question to a person").await;
    assert!(
        ticket.text().contains("My best passages"),
        "{}",
        ticket.text()
    );
    fake.push_update(tg::private_reply(
        OP,
        "Automated lines can't follow complex matters; a person can.",
        fake.sent_message(message_id(&ticket)),
    ));
    let sent = message_with(&fake, OP, "Sent to the person (ticket #1)").await;
    assert!(
        sent.text()
            .contains("Did one of my passages answer the question?"),
        "{}",
        sent.text()
    );
    operator_presses(&fake, &sent, "✔ This answered it: 1.");
    let noted = message_with(&fake, OP, "Suggestion #1").await;
    assert!(noted.text().contains(question), "{}", noted.text());
    assert!(
        !corpus.join(FILE_NAME).exists(),
        "a suggestion changes nothing by itself"
    );

    // Another reader's words for the same question: not covered yet.
    let reader = 302;
    let paraphrase = "Why do customers hate phoning a help desk?";
    fake.push_update(tg::private_text(reader, paraphrase));
    let before = fake.wait_for_messages(reader, 1).await;
    assert!(
        before[0].plain().contains("I couldn't find an answer"),
        "{}",
        before[0].plain()
    );

    fake.push_update(tg::private_text(OP, "/suggestions"));
    let listed = listed(&fake, question, "an operator's answer to a ticket").await;
    let line = accept(&fake, &listed, &corpus, question).await;
    assert_eq!(line.source, None, "the phrase is unique in the corpus");

    // Learned with no restart: the bot follows its corpus folder, rebuilds, and the
    // same question in other words is answered confidently with that passage.
    let deadline = std::time::Instant::now() + tg::WAIT;
    let mut asked = 1;
    loop {
        fake.push_update(tg::private_text(reader, paraphrase));
        asked += 1;
        let sent = fake.wait_for_messages(reader, asked).await;
        let reply = sent[asked - 1].plain();
        if !reply.contains("I couldn't find an answer") {
            let fold = |t: &str| {
                t.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            assert!(fold(&reply).contains(&fold(&line.answer)), "{reply}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the learned phrasing was not picked up: {reply}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    fake.push_update(tg::private_text(reader, "/why"));
    let why = fake.wait_for_messages(reader, asked + 1).await;
    assert!(
        why[asked].plain().contains("asked before"),
        "{}",
        why[asked].plain()
    );

    // Decided once: a second ✅ says so and writes nothing more.
    operator_presses(&fake, &listed, "✅ Accept");
    message_with(&fake, OP, "already accepted").await;
    assert_eq!(learned(&corpus).len(), 1);
    fake.push_update(tg::private_text(OP, "/suggestions"));
    message_with(&fake, OP, "No suggestions wait for approval").await;
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readers_thumbs_up_alone_writes_nothing_until_an_operator_accepts_it() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (bot, corpus) = start(&fake, &dir).await;
    let question = "Who likes automated systems?";
    fake.push_update(tg::private_text(302, question));
    let reply = fake.wait_for_messages(302, 1).await.remove(0);
    assert!(
        reply.text().contains("The closest passage"),
        "an unsure answer with one passage: {}",
        reply.text()
    );
    // A stranger pressing 👍 there, then the reader.
    for who in [303, 302] {
        let before = fake.calls("answerCallbackQuery").len();
        fake.push_update(tg::callback(
            who,
            fake.sent_message(message_id(&reply)),
            &button(&reply, "👍"),
        ));
        fake.wait_until("the press answered", |r| {
            r.iter()
                .filter(|r| r.method == "answercallbackquery")
                .count()
                > before
        })
        .await;
    }
    assert!(
        !corpus.join(FILE_NAME).exists(),
        "a reader's 👍 teaches nothing by itself"
    );
    fake.push_update(tg::private_text(OP, "/suggestions"));
    message_with(&fake, OP, "1 suggestion waits for approval").await;
    let listed = listed(&fake, question, "a 👍 on an answer I was not sure of").await;
    // Readers cannot accept (the buttons work in operator chats only).
    fake.push_update(tg::private_text(302, "/suggestions"));
    let refused = fake.wait_for_messages(302, 2).await.remove(1);
    assert!(
        refused.text().contains("for operators"),
        "{}",
        refused.text()
    );

    accept(&fake, &listed, &corpus, question).await;
    bot.stop().await;
    assert_html_ok(&fake);
}

/// `passagebot --corpus … --data … learn ARGS`.
fn learn(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_passagebot"))
        .arg("--corpus")
        .arg(dir.join("corpus"))
        .arg("--index")
        .arg(dir.join("index"))
        .arg("--data")
        .arg(dir.join("data"))
        .arg("learn")
        .args(args)
        .output()
        .expect("run passagebot")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn learn_lists_accepts_and_rejects_suggestions_and_names_unknown_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = article_copy(dir.path());
    let out = learn(dir.path(), &["list"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no data yet"),
        "{}",
        text(&out.stderr)
    );

    let article = std::fs::read_to_string(ARTICLE).expect("article");
    let paragraph = article
        .lines()
        .find(|l| l.starts_with("Imagine trying"))
        .expect("the article's paragraph about machines");
    {
        let store = Store::open(&dir.path().join("data"), &store::Options::default())
            .expect("the data folder");
        for (kind, q) in [
            (
                SuggestionKind::Thumbs,
                "Why is calling a hotline frustrating?",
            ),
            (SuggestionKind::Choice, "Do people like machines?"),
        ] {
            store
                .suggest(&NewSuggestion {
                    kind,
                    person: "h:reader",
                    question: q,
                    passage: &SuggestedPassage {
                        source: "corpus/sales-vs-marketing.md".into(),
                        paragraph: 4,
                        text: paragraph.into(),
                        sentence: None,
                    },
                    ticket: None,
                    at: 1_700_000_000,
                })
                .expect("suggest")
                .expect("new");
        }
    }
    let out = learn(dir.path(), &["list"]);
    let listed = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(listed.contains("#1 pending"), "{listed}");
    assert!(
        listed.contains("Why is calling a hotline frustrating?"),
        "{listed}"
    );
    assert!(listed.contains("#2 pending"), "{listed}");
    assert!(listed.contains("2 pending."), "{listed}");

    // An unknown id is named, and the known one still goes through.
    let out = learn(dir.path(), &["accept", "1", "#99"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).contains("#1 accepted"),
        "{}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    assert!(err.contains("there is no suggestion #99"), "{err}");
    assert!(
        err.contains("1 of 2 suggestion(s) were not accepted"),
        "{err}"
    );
    let lines = learned(&paths.corpus);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].q, "Why is calling a hotline frustrating?");
    assert!(
        lines[0]
            .answer
            .starts_with("Imagine trying to describe your problem"),
        "the passage's first words: {:?}",
        lines[0].answer
    );
    assert!(quoted_once(&lines[0].answer));

    let out = learn(dir.path(), &["reject", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("#2 rejected"));
    let out = learn(dir.path(), &["accept", "1"]);
    assert!(
        text(&out.stderr).contains("already accepted"),
        "{}",
        text(&out.stderr)
    );
    let out = learn(dir.path(), &["accept", "two"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a suggestion number"));
    let out = learn(dir.path(), &["list"]);
    assert!(text(&out.stdout).contains("No suggestions wait for approval"));
    assert_eq!(learned(&paths.corpus).len(), 1, "rejecting writes nothing");
}
