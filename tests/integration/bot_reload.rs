//! The running bot keeps up with the corpus folder: a new file becomes
//! answerable without a restart, operators can `/reindex`, and a failed
//! rebuild leaves the old index answering and tells the operators.

use std::time::{Duration, Instant};

use crate::support::fake_telegram::{self as tg, FakeTelegram};
use crate::support::harness::{RunningBot, settings};
use passagebot::bot::Settings;
use passagebot::config::Paths;
use passagebot::engine::live::EngineHandle;
use passagebot::engine::search::Engine;

const OP: i64 = 900;
const PERSON: i64 = 77;

struct Running {
    dir: tempfile::TempDir,
    handle: EngineHandle,
    bot: RunningBot,
}

/// The bot on a fresh copy of the article, watching its corpus, with an operator.
async fn start(fake: &FakeTelegram) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = Paths {
        corpus: dir.path().join("corpus"),
        index: dir.path().join("index"),
    };
    std::fs::create_dir(&paths.corpus).expect("mkdir");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/sales-vs-marketing.md"),
        paths.corpus.join("sales-vs-marketing.md"),
    )
    .expect("copy");
    let handle =
        EngineHandle::new(Engine::open_or_build(&paths, Default::default()).expect("engine"));
    let settings = Settings {
        operators: vec![OP],
        reload: Some(paths),
        ..settings()
    };
    let bot = RunningBot::start_with(fake, handle.clone(), settings).await;
    Running { dir, handle, bot }
}

impl Running {
    fn corpus(&self) -> std::path::PathBuf {
        self.dir.path().join("corpus")
    }

    async fn stop(self) {
        self.bot.stop().await;
    }
}

/// Asks in a private chat and returns the text of the reply.
async fn ask(fake: &FakeTelegram, question: &str) -> String {
    let before = fake.sent_to(PERSON).len();
    fake.push_update(tg::private_text(PERSON, question));
    let sent = fake.wait_for_messages(PERSON, before + 1).await;
    tg::html_to_text(sent[before].text()).expect("valid HTML")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_dropped_into_the_corpus_is_answered_without_a_restart() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    std::fs::write(
        bot.corpus().join("week-3.md"),
        "# Week 3 handout\n\nThe zebra pricing workshop moves to Thursday.\n",
    )
    .expect("write");
    let started = Instant::now();
    while !bot
        .handle
        .current()
        .summary()
        .documents
        .iter()
        .any(|d| d.title == "Week 3 handout")
    {
        assert!(
            started.elapsed() < tg::WAIT,
            "the new file was never indexed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reply = ask(&fake, "When is the zebra pricing workshop?").await;
    assert!(
        reply.contains("The zebra pricing workshop moves to Thursday."),
        "{reply}"
    );
    assert!(reply.contains("Week 3 handout"), "{reply}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_is_for_operators_and_says_what_changed() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    let before = fake.sent_to(PERSON).len();
    fake.push_update(tg::private_text(PERSON, "/reindex"));
    let sent = fake.wait_for_messages(PERSON, before + 1).await;
    assert_eq!(sent[before].text(), "That command is for operators.");

    fake.push_update(tg::private_text(OP, "/reindex"));
    let sent = fake.wait_for_messages(OP, 1).await;
    assert!(
        sent[0].text().starts_with("The index is up to date"),
        "{}",
        sent[0].text()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rebuild_keeps_answering_and_tells_the_operators() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    // The only document turns into bytes nobody can read.
    std::fs::write(bot.corpus().join("sales-vs-marketing.md"), [0u8, 1, 2, 3]).expect("write");
    let sent = fake.wait_for_messages(OP, 1).await;
    assert!(
        sent[0].text().contains("could not be rebuilt"),
        "{}",
        sent[0].text()
    );
    assert!(
        sent[0].text().contains("previous index keeps answering"),
        "{}",
        sent[0].text()
    );
    let reply = ask(&fake, "Is marketing data driven?").await;
    assert!(reply.contains("marketing is data-driven"), "{reply}");
    bot.stop().await;
}
