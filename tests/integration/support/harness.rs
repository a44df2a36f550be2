//! Running the real bot against the fake Bot API server, for the bot's end-to-end tests.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use passagebot::bot::{self, Limits, Settings, Updates};
use passagebot::config::Paths;
use passagebot::engine::live::EngineHandle;
use passagebot::engine::search::Engine;

use super::fake_telegram::{FakeTelegram, Recorded};

/// An engine over `files` (name, text) in a fresh temporary corpus; the folder lives
/// as long as the test process.
pub fn build_engine(files: &[(&str, &str)]) -> Arc<Engine> {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("corpus dir");
    for (name, text) in files {
        std::fs::write(corpus.join(name), text).expect("write corpus file");
    }
    let paths = Paths {
        corpus,
        index: dir.path().join("index"),
    };
    let engine = Engine::open_or_build(&paths, Default::default()).expect("build the test index");
    std::mem::forget(dir); // keep the index for the whole test run
    Arc::new(engine)
}

/// The bundled article's engine, built once per test binary.
pub fn article_engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let article = std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/corpus/sales-vs-marketing.md"
            ))
            .expect("the bundled article");
            build_engine(&[("sales-vs-marketing.md", &article)])
        })
        .clone()
}

/// Settings for tests: Telegram's outgoing limits lifted so tests are quick.
pub fn settings() -> Settings {
    Settings {
        limits: Limits::lifted(),
        poll_timeout: Duration::from_secs(5),
        ..Settings::default()
    }
}

/// A corpus + index folder with the bundled article, for the binary.
pub fn article_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("corpus")).expect("corpus");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/sales-vs-marketing.md"),
        dir.path().join("corpus/sales-vs-marketing.md"),
    )
    .expect("copy the article");
    dir
}

/// `settings` with its database in the data folder `dir`.
pub fn with_data(settings: Settings, dir: &tempfile::TempDir) -> Settings {
    Settings {
        data: Some(dir.path().to_owned()),
        ..settings
    }
}

/// How long a stopped bot may take to finish: its own bound is a long poll
/// (`poll_timeout`, 5 s here), the handlers in flight, then up to 20 s to send
/// the answers still queued (`SHUTDOWN_SEND_LIMIT`), 25 s before any handler
/// runs; a stop once took longer than the 30 s the other waits use, in a full
/// run of the tests on a fresh clone.
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The real bot, running against the fake server until `stop`.
pub struct RunningBot {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningBot {
    /// The bot on the bundled article, once it polls.
    pub async fn start(fake: &FakeTelegram, settings: Settings) -> RunningBot {
        RunningBot::start_with(fake, article_engine(), settings).await
    }

    /// The bot on `engine`, once it polls.
    pub async fn start_with(
        fake: &FakeTelegram,
        engine: impl Into<EngineHandle>,
        settings: Settings,
    ) -> RunningBot {
        let polls_before = fake.calls("getUpdates").len();
        let bot = RunningBot::spawn(fake, engine, settings, Updates::Polling);
        fake.wait_until("the bot to start polling", |r| {
            r.iter().filter(|r| r.method == "getupdates").count() > polls_before
        })
        .await;
        bot
    }

    /// The bot on `engine`, started without waiting for it (webhook tests).
    pub fn spawn(
        fake: &FakeTelegram,
        engine: impl Into<EngineHandle>,
        settings: Settings,
        updates: Updates,
    ) -> RunningBot {
        let engine: EngineHandle = engine.into();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(bot::serve(fake.bot(), engine, settings, updates, async {
            let _ = rx.await;
        }));
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
        tokio::time::timeout(STOP_WAIT, &mut self.task)
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
