//! The live wall: in a real browser (headless Chromium) against the real bot and the
//! fake Telegram; nothing from operator chats and names only when asked; the token
//! over HTTP; `chat --wall` running a demo without Telegram; `report` after
//! `chat --log` and `ask --log`.

use std::io::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use passagebot::bot::Settings;
use passagebot::wall::{self, Access, Outcome, Snapshot, Wall, WallEvent};
use serde_json::{Value, json};

use crate::support::browser::{Browser, free_port};
use crate::support::fake_telegram::{self as tg, FakeTelegram};
use crate::support::harness::{self, RunningBot};
use crate::support::scratch::Scratch;

/// The scripted ten-question classroom demo (also behind docs/wall.png).
const DEMO: &str = include_str!("../../docs/wall-demo.txt");

/// What the page shows, read in the browser.
const PAGE_STATE: &str = "
const latest = document.getElementById('latest');
const count = (id) => Number(document.getElementById(id).textContent);
const q = latest.querySelector('.question');
return {
  state: document.body.dataset.state,
  question: q ? q.textContent : null,
  headline: (latest.querySelector('.badge') || {}).textContent || null,
  marked: Array.from(latest.querySelectorAll('blockquote b')).map((b) => b.textContent),
  injected: document.querySelectorAll('main img, main script').length,
  answered: count('n-answered'),
  person: count('n-person'),
  not_covered: count('n-not_covered'),
  total: count('n-total'),
  bars: document.querySelectorAll('#chart rect').length,
  text: document.body.innerText,
};";

/// A child process, killed through its own handle when the test ends, passed or not.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `passagebot chat --wall PORT` in `s`'s folder, `input` typed into it (the wall
/// stays up after the input ends).
pub(crate) fn chat_with_wall(s: &Scratch, port: u16, input: &[u8]) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_passagebot"))
        .current_dir(s.dir.path())
        .args(["chat", "--wall", &port.to_string()])
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start passagebot chat --wall");
    let mut chat = Running(child);
    chat.0
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("the input is typed in");
    chat
}

/// Waits until the wall at `port` serves its page (or the process died).
pub(crate) async fn wait_for_wall(port: u16, process: &mut Running) {
    let url = format!("http://127.0.0.1:{port}/");
    let deadline = Instant::now() + tg::WAIT;
    loop {
        if reqwest::get(&url)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        if let Some(status) = process.0.try_wait().expect("the process's status") {
            panic!("passagebot exited ({status}) before the wall was up");
        }
        assert!(
            Instant::now() < deadline,
            "the wall did not come up at {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A Server-Sent Events stream, read event by event.
pub(crate) struct Events {
    resp: reqwest::Response,
    buf: String,
}

impl Events {
    pub(crate) async fn open(url: &str) -> Events {
        let resp = reqwest::get(url).await.expect("the stream answers");
        assert!(resp.status().is_success(), "{url}: {}", resp.status());
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        Events {
            resp,
            buf: String::new(),
        }
    }

    /// The next event: its name and its JSON data.
    pub(crate) async fn next(&mut self) -> (String, Value) {
        while !self.buf.contains("\n\n") {
            let chunk = tokio::time::timeout(tg::WAIT, self.resp.chunk())
                .await
                .expect("an event within the wait")
                .expect("the stream reads")
                .expect("the stream stays open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
        let end = self.buf.find("\n\n").unwrap_or_default();
        let block: String = self.buf.drain(..end + 2).collect();
        let mut name = String::new();
        let mut data = String::new();
        for line in block.lines() {
            if let Some(n) = line.strip_prefix("event: ") {
                name = n.to_owned();
            } else if let Some(d) = line.strip_prefix("data: ") {
                data.push_str(d);
            }
        }
        let json = serde_json::from_str(&data).unwrap_or_else(|e| panic!("{e}: {data}"));
        (name, json)
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_asked_in_telegram_appears_on_the_wall_in_chromium_within_a_second_and_is_counted()
 {
    // First: without Chromium this fails at once, saying how to install it.
    let browser = Browser::start().await;
    let s = Scratch::with_article_index();
    s.engine(); // the index, ready before the clock matters
    let fake = FakeTelegram::start().await;
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_passagebot"))
        .current_dir(s.dir.path())
        .args(["bot", "--wall", &format!("127.0.0.1:{port}")])
        .env("TELOXIDE_TOKEN", tg::TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start passagebot bot --wall");
    let mut bot = Running(child);
    wait_for_wall(port, &mut bot).await;
    fake.wait_until("the bot to poll", |r| {
        r.iter().any(|r| r.method == "getupdates")
    })
    .await;
    browser.goto(&format!("http://127.0.0.1:{port}/")).await;
    browser
        .wait_for(
            "the live stream",
            PAGE_STATE,
            Duration::from_secs(10),
            |v| v["state"] == "live",
        )
        .await;

    let question = "Is marketing data driven?";
    fake.push_update(tg::private_text(40, question));
    let (page, took) = browser
        .wait_for("the question", PAGE_STATE, Duration::from_secs(1), |v| {
            v["question"] == question
        })
        .await;
    eprintln!("the question was on the page {took:?} after it was sent to the bot");
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(page["headline"], "Answered by the machine", "{page}");
    assert_eq!(
        (&page["answered"], &page["total"]),
        (&json!(1), &json!(1)),
        "the tally counts it: {page}"
    );
    assert_eq!(page["bars"], 1, "and the chart: {page}");
    let marked = page["marked"].as_array().expect("highlighted words");
    assert!(marked.contains(&json!("marketing")), "{page}");
    assert!(
        !page["text"].as_str().unwrap_or_default().contains("Tester"),
        "names are hidden without --wall-names: {page}"
    );

    // A question written in HTML is shown as text, never run.
    let html =
        "<img src=x onerror=\"document.title='owned'\"> <script>1</script> what is marketing?";
    fake.push_update(tg::private_text(41, html));
    let (page, _) = browser
        .wait_for("the HTML question", PAGE_STATE, tg::WAIT, |v| {
            v["question"] == html
        })
        .await;
    assert_eq!(page["injected"], 0, "{page}");
    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(
        browser.eval("return document.title").await,
        "passagebot · live wall"
    );

    // A reload shows the session so far.
    browser.goto(&format!("http://127.0.0.1:{port}/")).await;
    let (page, _) = browser
        .wait_for("the session after a reload", PAGE_STATE, tg::WAIT, |v| {
            v["state"] == "live" && v["total"] == 2
        })
        .await;
    assert_eq!(page["question"], html, "{page}");
    assert_eq!(page["bars"], 2, "{page}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wall_with_a_token_works_in_chromium_opened_with_it_and_only_then() {
    let browser = Browser::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let access = Access::new(
        listener.local_addr().expect("address"),
        Some("tea & biscuits".into()),
    )
    .expect("a good token");
    let url = access.url();
    let wall = Wall::new(false);
    wall.publish(event("Is this on?"));
    let server = tokio::spawn(wall::serve(listener, wall.clone(), access));

    let without = url.split('?').next().unwrap_or_default().to_owned();
    browser.goto(&without).await;
    let text = browser.eval("return document.body.innerText").await;
    assert!(
        text.as_str()
            .unwrap_or_default()
            .contains("needs its token"),
        "{text}"
    );

    browser.goto(&url).await;
    let (page, _) = browser
        .wait_for("the stream, with the token", PAGE_STATE, tg::WAIT, |v| {
            v["state"] == "live"
        })
        .await;
    assert_eq!(page["question"], "Is this on?", "{page}");
    wall.publish(event("And now?"));
    browser
        .wait_for("a new question", PAGE_STATE, tg::WAIT, |v| {
            v["question"] == "And now?" && v["not_covered"] == 2
        })
        .await;
    browser.close().await;
    server.abort();
}

const OPERATOR: i64 = 77;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_shows_peoples_questions_but_nothing_from_operator_chats_and_names_only_when_asked()
{
    for names in [false, true] {
        let fake = FakeTelegram::start().await;
        let wall = Wall::new(names);
        let settings = Settings {
            wall: Some(wall.clone()),
            operators: vec![OPERATOR],
            ..harness::settings()
        };
        let bot = RunningBot::start(&fake, settings).await;
        fake.push_update(tg::private_text(OPERATOR, "Is marketing data driven?"));
        fake.wait_for_messages(OPERATOR, 1).await;
        fake.push_update(tg::private_text(40, "Who wrote the article?"));
        fake.wait_for_messages(40, 1).await;
        bot.stop().await;

        let Snapshot { tally, events } = wall.snapshot();
        let shown: Vec<&str> = events.iter().map(|e| e.question.as_str()).collect();
        assert_eq!(shown, ["Who wrote the article?"], "names: {names}");
        assert_eq!(tally.total(), 1);
        let asker = events[0].asker.as_deref();
        assert_eq!(asker, names.then_some("Tester"), "names: {names}");
    }
}

fn event(question: &str) -> WallEvent {
    WallEvent::new(
        question,
        Outcome::NotCovered,
        "the text doesn't seem to cover it",
        0.1,
    )
}

#[tokio::test]
async fn with_a_token_the_page_and_the_stream_are_refused_without_it() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let token = "correct-horse-battery";
    let access = Access::new(addr, Some(token.into())).expect("a good token");
    let wall = Wall::new(false);
    wall.publish(event("Before the page opened?"));
    let server = tokio::spawn(wall::serve(listener, wall.clone(), access));
    let base = format!("http://{addr}");

    for path in [
        "/",
        "/?token=",
        "/?token=correct-horse",
        "/events",
        "/events?token=correct-horse-battery-staple",
    ] {
        let resp = reqwest::get(format!("{base}{path}"))
            .await
            .expect("answers");
        assert_eq!(resp.status(), 403, "{path}");
        let body = resp.text().await.expect("body");
        assert!(body.contains("needs its token"), "{path}: {body}");
    }

    let resp = reqwest::get(format!("{base}/?token={token}"))
        .await
        .expect("answers");
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
    let page = resp.text().await.expect("page");
    assert!(page.contains("<title>passagebot · live wall</title>"));
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "nothing fetched from elsewhere"
    );

    // The stream: the state so far, then each new question.
    let mut events = Events::open(&format!("{base}/events?token={token}")).await;
    let (name, snapshot) = events.next().await;
    assert_eq!(name, "snapshot");
    assert_eq!(snapshot["events"][0]["question"], "Before the page opened?");
    wall.publish(event("After?"));
    let (name, update) = events.next().await;
    assert_eq!(name, "question");
    assert_eq!(update["event"]["question"], "After?");
    assert_eq!(update["event"]["seq"], 2);
    assert_eq!(update["tally"]["not_covered"], 2);
    server.abort();
}

#[test]
fn a_wall_open_to_the_network_without_a_token_refuses_to_start() {
    let s = Scratch::with_article();
    for command in ["chat", "bot"] {
        let out = s
            .cmd()
            .args([command, "--wall", "0.0.0.0:8088"])
            .env_remove("TELOXIDE_TOKEN")
            .write_stdin("")
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(
                "passagebot: the wall would be open to the network at 0.0.0.0:8088 without a token; add --wall-token SECRET"
            ),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_with_a_wall_runs_the_classroom_demo_without_telegram() {
    let s = Scratch::with_article_index();
    let port = free_port();
    let mut chat = chat_with_wall(&s, port, DEMO.as_bytes());
    wait_for_wall(port, &mut chat).await;
    let url = format!("http://127.0.0.1:{port}/events");
    let deadline = Instant::now() + tg::WAIT;
    let snapshot = loop {
        let (name, snapshot) = Events::open(&url).await.next().await;
        assert_eq!(name, "snapshot");
        if snapshot["events"].as_array().map_or(0, Vec::len) == 10 {
            break snapshot;
        }
        assert!(Instant::now() < deadline, "the demo did not reach the wall");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let tally = &snapshot["tally"];
    for pile in ["answered", "person", "not_covered"] {
        assert!(tally[pile].as_u64() > Some(0), "{pile}: {tally}");
    }
    let first = &snapshot["events"][0];
    assert_eq!(first["question"], DEMO.lines().next().unwrap_or_default());
    assert_eq!(first["asker"], Value::Null);
    assert!(
        chat.0.try_wait().expect("status").is_none(),
        "the wall stays up after the demo's last line"
    );
}

/// `passagebot report`'s text for the scratch folder's data.
fn report(s: &Scratch) -> String {
    let out = s
        .cmd()
        .args(["report", "--top", "20"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    stdout
}

#[test]
fn report_after_chat_log_and_ask_log_shows_the_demos_questions() {
    let s = Scratch::with_article_index();
    s.cmd()
        .args(["chat", "--log"])
        .write_stdin(DEMO)
        .assert()
        .success();
    let extra = "Are sales and marketing complementary?";
    // A blank line gets its JSON object, but is no question to log.
    s.cmd()
        .args(["ask", "--json", "--log"])
        .write_stdin(format!("{extra}\n\n"))
        .assert()
        .success();
    let before = report(&s);
    assert!(before.contains("Questions asked: 11"), "{before}");
    for question in DEMO.lines().chain([extra]) {
        assert!(before.contains(question), "{question} missing:\n{before}");
    }
    // Without --log nothing is written.
    s.cmd()
        .args(["ask", "Is marketing data driven?"])
        .assert()
        .success();
    assert_eq!(report(&s), before);
}
