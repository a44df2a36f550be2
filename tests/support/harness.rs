//! Running the real bot against the fake Bot API server, for the hand-over tests.

#![allow(dead_code)] // each test binary uses a different part of this helper

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use passagebot::bot::{self, Settings, Updates};
use passagebot::config::Paths;
use passagebot::search::Engine;
use teloxide::adaptors::throttle::Limits;

use super::fake_telegram::{self as tg, FakeTelegram, Recorded};

/// The bundled article's engine, built once per test binary (the folder lives as long
/// as the test process).
pub fn article_engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let corpus = dir.path().join("corpus");
            std::fs::create_dir(&corpus).expect("corpus dir");
            std::fs::copy(
                concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/sales-vs-marketing.md"),
                corpus.join("sales-vs-marketing.md"),
            )
            .expect("copy the article");
            let paths = Paths {
                corpus,
                index: dir.path().join("index"),
            };
            let engine = Engine::open_or_build(&paths).expect("build the test index");
            std::mem::forget(dir);
            Arc::new(engine)
        })
        .clone()
}

/// Settings for tests: Telegram's outgoing limits lifted so tests are quick.
pub fn settings() -> Settings {
    Settings {
        throttle: Limits {
            messages_per_sec_chat: 1000,
            messages_per_min_chat: 100_000,
            messages_per_min_channel_or_supergroup: 100_000,
            messages_per_sec_overall: 1000,
        },
        poll_timeout: Duration::from_secs(5),
        ..Settings::default()
    }
}

/// The real bot, running against the fake server until `stop`.
pub struct RunningBot {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningBot {
    pub async fn start(fake: &FakeTelegram, settings: Settings) -> RunningBot {
        let polls_before = fake.calls("getUpdates").len();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(bot::serve(
            fake.bot(),
            article_engine(),
            settings,
            Updates::Polling,
            async {
                let _ = rx.await;
            },
        ));
        fake.wait_until("the bot to start polling", |r| {
            r.iter().filter(|r| r.method == "getupdates").count() > polls_before
        })
        .await;
        RunningBot {
            stop: Some(tx),
            task,
        }
    }

    /// Stops the bot like SIGTERM does and waits until it has finished.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(tg::WAIT, &mut self.task)
            .await
            .expect("the bot stops within the wait")
            .expect("the bot task does not panic")
            .expect("the bot stops without error");
    }
}

/// The callback data of `msg`'s button with `label`.
pub fn button(msg: &Recorded, label: &str) -> String {
    msg.buttons()
        .into_iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no {label:?} button on {}", msg.body))
        .1
}

pub fn labels(msg: &Recorded) -> Vec<String> {
    msg.buttons().into_iter().map(|b| b.0).collect()
}

pub fn message_id(msg: &Recorded) -> i64 {
    msg.response["result"]["message_id"]
        .as_i64()
        .expect("a sent message")
}

pub fn assert_html_ok(fake: &FakeTelegram) {
    let errors = fake.html_errors();
    assert!(
        errors.is_empty(),
        "Telegram would reject:\n{}",
        errors.join("\n\n")
    );
}
