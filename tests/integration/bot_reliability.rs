//! The bot under attack and under faults (issue 14), end to end against the fake Bot
//! API server: buttons pressed by the wrong person or forged, `/forget` cleaning the
//! operator chats, a panicking handler, and a whole conversation through 5xx answers,
//! slow answers, dropped connections and 429 storms.

use std::time::{Duration, Instant};

use crate::support::fake_telegram::{self as tg, Failure, FakeTelegram, Recorded};
use crate::support::harness::{
    RunningBot, article_folder, button, message_id, settings, with_data,
};
use passagebot::bot::{Retry, Settings};
use passagebot::store::{self, Store};

/// The operator's private chat with the bot.
const OP: i64 = 900;
const GROUP: i64 = -1_000_777;

fn with_operator() -> Settings {
    Settings {
        operators: vec![OP],
        // Retries after a failure on the way wait milliseconds, not seconds.
        retry: Retry {
            attempts: 6,
            delay: Duration::from_millis(20),
        },
        ..settings()
    }
}

/// The answers to button presses so far, with their pop-up text ("" for none).
fn popups(fake: &FakeTelegram) -> Vec<String> {
    fake.calls("answerCallbackQuery")
        .iter()
        .filter(|r| r.ok())
        .map(|r| r.body["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn wait_for_popups(fake: &FakeTelegram, n: usize) -> Vec<String> {
    fake.wait_until(&format!("{n} button answers"), |r| {
        r.iter()
            .filter(|r| r.method == "answercallbackquery" && r.ok())
            .count()
            >= n
    })
    .await;
    popups(fake)
}

// ---------------------------------------------------------------------------------------
// Buttons.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_group_another_member_cannot_vote_or_hand_over_someone_elses_question() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_data(with_operator(), &data)).await;
    fake.push_update(tg::group_text(
        GROUP,
        501,
        "/ask What is the capital of France?",
    ));
    let answer = fake.wait_for_messages(GROUP, 1).await.remove(0);
    let shown = fake.sent_message(message_id(&answer));
    fake.push_update(tg::callback(502, shown.clone(), &button(&answer, "👎")));
    fake.push_update(tg::callback(
        502,
        shown.clone(),
        &button(&answer, "Ask a person"),
    ));
    let seen = wait_for_popups(&fake, 2).await;
    assert!(
        seen.iter()
            .all(|t| t.starts_with("Only the person who asked")),
        "{seen:?}"
    );
    // The asker's own press works.
    fake.push_update(tg::callback(501, shown, &button(&answer, "👍")));
    let seen = wait_for_popups(&fake, 3).await;
    assert_eq!(seen[2], "Thanks for your feedback!");
    bot.stop().await;
    assert!(
        fake.sent_to(OP).is_empty(),
        "no ticket reached the operator"
    );
    let store = Store::open(data.path(), &store::Options::default()).expect("db");
    let q = &store.questions(None).expect("log")[0];
    assert_eq!(q.feedback, Some(1), "only the asker's vote");
    assert_eq!(q.ticket, None);
    assert!(store.tickets(None).expect("db").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_callback_data_gets_a_harmless_popup_and_feedback_counts_towards_the_limit() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(
        &fake,
        Settings {
            rate_limit: 3,
            ..with_operator()
        },
    )
    .await;
    fake.push_update(tg::private_text(503, "Is marketing data driven?"));
    let answer = fake.wait_for_messages(503, 1).await.remove(0);
    let shown = fake.sent_message(message_id(&answer));
    fake.push_update(tg::callback(503, shown.clone(), "human:+1"));
    let seen = wait_for_popups(&fake, 1).await;
    assert!(seen[0].contains("doesn't work any more"), "{seen:?}");
    // Two presses of 👍: the second is the fourth request in the minute.
    fake.push_update(tg::callback(503, shown.clone(), &button(&answer, "👍")));
    fake.push_update(tg::callback(503, shown, &button(&answer, "👍")));
    let seen = wait_for_popups(&fake, 3).await;
    let notices = fake.wait_for_messages(503, 2).await;
    bot.stop().await;
    assert_eq!(seen[1], "Thanks for your feedback!");
    assert_eq!(seen[2], "", "over the limit: no feedback stored, no thanks");
    assert!(notices[1].text().contains("faster than I can keep up"));
    assert!(
        fake.sent_to(OP).is_empty(),
        "the forged press opened nothing"
    );
}

// ---------------------------------------------------------------------------------------
// /forget.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_deletes_the_ticket_messages_in_the_operator_chat_or_blanks_them() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_data(with_operator(), &data)).await;
    for (person, before) in [(511, 0), (512, 1)] {
        fake.push_update(tg::private_text(person, "/human my own private matter"));
        fake.wait_for_messages(OP, before + 1).await;
        fake.wait_for_messages(person, 1).await;
    }
    let tickets = fake.sent_to(OP);
    // 511's message can no longer be deleted (too old): it is blanked instead.
    fake.fail_next("deleteMessage", Failure::BadRequest);
    fake.push_update(tg::private_text(511, "/forget"));
    fake.wait_for_messages(511, 2).await;
    fake.wait_until("the ticket message blanked", |r| {
        r.iter().any(|r| r.method == "editmessagetext" && r.ok())
    })
    .await;
    fake.push_update(tg::private_text(512, "/forget"));
    fake.wait_for_messages(512, 2).await;
    fake.wait_until("the ticket message deleted", |r| {
        r.iter().any(|r| r.method == "deletemessage" && r.ok())
    })
    .await;
    bot.stop().await;
    let edited = fake.calls("editMessageText");
    assert_eq!(edited.len(), 1);
    assert_eq!(
        edited[0].body["message_id"].as_i64(),
        Some(message_id(&tickets[0]))
    );
    assert_eq!(edited[0].body["text"], "[erased]");
    let deleted: Vec<i64> = fake
        .calls("deleteMessage")
        .iter()
        .filter(|r| r.ok())
        .filter_map(|r| r.body["message_id"].as_i64())
        .collect();
    assert_eq!(deleted, vec![message_id(&tickets[1])]);
    let store = Store::open(data.path(), &store::Options::default()).expect("db");
    assert!(
        store.tickets(None).expect("db").is_empty(),
        "and then the rows go"
    );
}

// ---------------------------------------------------------------------------------------
// A panic in a handler.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_apologises_once_and_the_bot_keeps_serving_that_chat_and_others() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(
        &fake,
        Settings {
            panic_on: Some("please panic".into()),
            ..with_operator()
        },
    )
    .await;
    fake.push_update(tg::private_text(521, "please panic"));
    fake.push_update(tg::private_text(522, "Is marketing data driven?"));
    fake.push_update(tg::private_text(521, "Is marketing data driven?"));
    let sent = fake.wait_for_messages(521, 2).await;
    fake.wait_for_messages(522, 1).await;
    // Telegram does not redeliver it: the update was confirmed.
    fake.wait_until_confirmed().await;
    bot.stop().await;
    assert!(
        sent[0].text().starts_with("Sorry, something went wrong"),
        "{}",
        sent[0].text()
    );
    assert!(sent[1].text().contains("<b>data</b>"), "{}", sent[1].text());
    assert_eq!(fake.sent_to(521).len(), 2, "one apology, one answer");
    assert_eq!(fake.sent_to(522).len(), 1);
}

// ---------------------------------------------------------------------------------------
// Faults on the way, during a whole conversation.

/// How many successful messages to `chat` contain `needle`.
fn copies(fake: &FakeTelegram, chat: i64, needle: &str) -> usize {
    copies_in(&fake.requests(), chat, needle)
}

/// [`copies`] in `requests` (inside `wait_until`, which holds the fake's lock).
fn copies_in(requests: &[Recorded], chat: i64, needle: &str) -> usize {
    requests
        .iter()
        .filter(|r| r.method == "sendmessage" && r.ok() && r.chat_id() == chat)
        .filter(|r| r.text().contains(needle))
        .count()
}

fn failed(fake: &FakeTelegram) -> Vec<Recorded> {
    fake.requests().into_iter().filter(|r| !r.ok()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_conversation_through_5xx_slow_dropped_and_429_answers_loses_and_repeats_nothing() {
    let started = Instant::now();
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    let person = 531;

    // 1. A question, while polling drops connections and sending is slow and dropped.
    fake.fail_next("getUpdates", Failure::Drop);
    fake.fail_next("getUpdates", Failure::Drop);
    fake.fail_next("sendMessage", Failure::Drop);
    fake.fail_next("sendMessage", Failure::Slow(Duration::from_millis(1500)));
    fake.push_update(tg::private_text(person, "Is marketing data driven?"));
    fake.wait_until("the answer", |r| copies_in(r, person, "<b>data</b>") >= 1)
        .await;

    // 2. The hand-over, through a 5xx and a storm of 429s.
    fake.fail_next("sendMessage", Failure::ServerError);
    for _ in 0..3 {
        fake.fail_next("sendMessage", Failure::RetryAfter(1));
    }
    fake.fail_next("sendMessage", Failure::Drop);
    fake.push_update(tg::private_text(person, "/human my own contract"));
    fake.wait_until("the ticket and the confirmation", |r| {
        copies_in(r, OP, "Ticket #1") >= 1 && copies_in(r, person, "passed your question") >= 1
    })
    .await;

    // 3. A follow-up, and the operator's reply relayed, through drops and 429s.
    fake.fail_next("sendMessage", Failure::Drop);
    fake.fail_next("sendMessage", Failure::RetryAfter(1));
    fake.push_update(tg::private_text(person, "It is about my salary"));
    fake.wait_until("the follow-up", |r| {
        copies_in(r, OP, "It is about my salary") >= 1
    })
    .await;
    let ticket = fake
        .sent_to(OP)
        .into_iter()
        .find(|r| r.text().contains("Ticket #1"))
        .expect("the ticket message");
    fake.fail_next("sendMessage", Failure::Drop);
    fake.fail_next("sendMessage", Failure::Slow(Duration::from_millis(800)));
    fake.fail_next("sendMessage", Failure::RetryAfter(1));
    fake.fail_next("sendMessage", Failure::Drop);
    fake.push_update(tg::private_reply(
        OP,
        "Happy to help with your contract",
        fake.sent_message(message_id(&ticket)),
    ));
    fake.wait_until("the relay and the operator's confirmation", |r| {
        copies_in(r, person, "Happy to help with your contract") >= 1
            && copies_in(r, OP, "Sent to the person") >= 1
    })
    .await;
    fake.wait_until_confirmed().await;
    bot.stop().await;

    let injected = failed(&fake);
    assert_eq!(fake.pending_failures(), 0, "every fault met a request");
    // Exactly one copy of every message: nothing lost, nothing repeated.
    for (chat, needle) in [
        (person, "<b>data</b>"),
        (person, "passed your question"),
        (person, "Passed on to the person"),
        (person, "Happy to help with your contract"),
        (OP, "Ticket #1"),
        (OP, "It is about my salary"),
        (OP, "Sent to the person"),
    ] {
        assert_eq!(
            copies(&fake, chat, needle),
            1,
            "{needle:?} to {chat}; every request:\n{}",
            fake.requests()
                .iter()
                .filter(|r| r.method != "getupdates")
                .map(|r| format!("{} {} -> {}", r.method, r.body, r.status))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert_eq!(fake.sent_to(person).len(), 4, "{:?}", fake.sent_to(person));
    assert_eq!(fake.sent_to(OP).len(), 3, "{:?}", fake.sent_to(OP));
    assert!(
        !fake
            .sent_to(person)
            .iter()
            .any(|r| r.text().starts_with("Sorry"))
    );
    eprintln!(
        "faults: {} failed calls ({} dropped, {} 5xx, {} 429) and 2 slow answers; 7 replies, 0 lost, 0 duplicated; {:.1} s",
        injected.len(),
        injected.iter().filter(|r| r.status == 0).count(),
        injected.iter().filter(|r| r.status >= 500).count(),
        injected.iter().filter(|r| r.status == 429).count(),
        started.elapsed().as_secs_f32()
    );
}

// ---------------------------------------------------------------------------------------
// kill -9 mid-ticket, as an operator runs the binary.

/// A running `passagebot bot` process in `dir`, killed with SIGKILL when dropped.
struct Process(std::process::Child);

impl Process {
    fn start(dir: &std::path::Path, fake: &FakeTelegram) -> Process {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_passagebot"))
            .current_dir(dir)
            .args(["bot", "--operator-chat", &OP.to_string()])
            .env("TELOXIDE_TOKEN", tg::TOKEN)
            .env("TELOXIDE_API_URL", fake.url())
            .env("RUST_LOG", "info")
            .env_remove("PASSAGEBOT_OPERATOR_CHAT")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start passagebot bot");
        Process(child)
    }

    /// `kill -9`, and what the process had logged.
    fn kill(mut self) -> String {
        let _ = self.0.kill(); // SIGKILL on Unix
        let _ = self.0.wait();
        let mut log = String::new();
        if let Some(mut err) = self.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut err, &mut log);
        }
        log
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_mid_ticket_the_ticket_survives_the_relay_continues_and_logs_hold_no_ids() {
    const PERSON: i64 = 987_654_321;
    let dir = article_folder();
    let fake = FakeTelegram::start().await;

    let first = Process::start(dir.path(), &fake);
    // A question first: its log line named the chat, which is the person's id.
    fake.push_update(tg::private_text(PERSON, "Is marketing data driven?"));
    fake.wait_for_messages(PERSON, 1).await;
    fake.push_update(tg::private_text(PERSON, "/human my own contract"));
    let ticket = fake.wait_for_messages(OP, 1).await.remove(0);
    fake.wait_for_messages(PERSON, 2).await;
    fake.wait_until_confirmed().await;
    let mut log = first.kill();

    let second = Process::start(dir.path(), &fake);
    fake.push_update(tg::private_reply(
        OP,
        "Happy to help after the crash",
        fake.sent_message(message_id(&ticket)),
    ));
    let sent = fake.wait_for_messages(PERSON, 3).await;
    assert!(
        sent[2].text().contains("Happy to help after the crash"),
        "{}",
        sent[2].text()
    );
    fake.push_update(tg::private_text(PERSON, "And one more detail"));
    // The follow-up and the operator's "✓ Sent" confirmation go to the operator
    // chat in either order: the confirmation waits for the relay to be reported.
    fake.wait_until("the follow-up in the operator chat", |r| {
        copies_in(r, OP, "And one more detail") >= 1 && copies_in(r, OP, "Sent to the person") >= 1
    })
    .await;
    log.push_str(&second.kill());

    assert_eq!(
        copies(&fake, OP, "Ticket #1"),
        1,
        "one ticket, not a second"
    );
    assert!(log.contains("handing a question over"), "{log}");
    assert!(log.contains("answered a message"), "{log}");
    assert!(
        !log.contains(&PERSON.to_string()),
        "a private chat id reached the log:\n{log}"
    );
}

// ---------------------------------------------------------------------------------------
// kill -9 mid-rebuild: the bot's own live reload, as an operator runs the binary.

/// Whether a build is under way in the index folder: its staging folder exists.
fn building(index: &std::path::Path) -> bool {
    std::fs::read_dir(index)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with(".build-"))
}

/// Issue 14: the killed-indexer test killed `passagebot index`; the bot's own
/// rebuild (the watcher's, after a corpus change) had never been killed.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_mid_rebuild_the_restarted_bot_answers_from_a_whole_index() {
    const PERSON: i64 = 123_454_321;
    let dir = article_folder();
    let index = dir.path().join("index");
    let fake = FakeTelegram::start().await;

    let first = Process::start(dir.path(), &fake);
    // Answered: the index is built and the watcher (started before serving) runs.
    fake.push_update(tg::private_text(PERSON, "Is marketing data driven?"));
    fake.wait_for_messages_within(PERSON, 1, Duration::from_secs(300))
        .await;
    let live = std::fs::read_to_string(index.join("CURRENT")).expect("CURRENT");
    // A corpus change the watcher rebuilds for, with enough passages that the
    // sentence encoder is still at them when the kill comes.
    let filler = "Widgets and gadgets are compared at length in this filler paragraph. ".repeat(4);
    for i in 0..3 {
        let body: Vec<String> = (0..16).map(|j| format!("Part {i}-{j}. {filler}")).collect();
        std::fs::write(
            dir.path().join(format!("corpus/bulk-{i}.md")),
            format!("# Bulk {i}\n\n{}\n", body.join("\n\n")),
        )
        .expect("write bulk");
    }
    std::fs::write(
        dir.path().join("corpus/garden.md"),
        "# The garden\n\nThe gardener planted tulips along the north wall in October.\n",
    )
    .expect("write garden");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !building(&index) {
        assert!(
            Instant::now() < deadline,
            "the watcher never started a rebuild"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let log = first.kill();
    assert!(log.contains("watching"), "{log}");

    // What the kill interrupted is not used: CURRENT still names a whole
    // generation (the previous one, unless the build had just finished), and it answers.
    let current = std::fs::read_to_string(index.join("CURRENT")).expect("CURRENT");
    let engine = passagebot::Engine::open(&index, Default::default()).expect("a whole index");
    let a = engine
        .search("Is marketing data driven?", 0, 1)
        .expect("search");
    assert!(a.passages[0].text.contains("data-driven"));
    if current == live {
        assert!(
            building(&index),
            "the killed build left no staging folder to clean"
        );
    }

    // Restarted, the bot removes the dead build, builds the change and serves it.
    let second = Process::start(dir.path(), &fake);
    fake.push_update(tg::private_text(PERSON, "What did the gardener plant?"));
    // The restart builds the change (the encoder's work) before it answers: on a
    // busy machine that takes longer than a reply usually may.
    let sent = fake
        .wait_for_messages_within(PERSON, 2, Duration::from_secs(300))
        .await;
    assert!(sent[1].text().contains("tulips"), "{}", sent[1].text());
    assert!(
        !building(&index),
        "a dead build is left in the index folder"
    );
    let after = std::fs::read_to_string(index.join("CURRENT")).expect("CURRENT");
    assert_ne!(after, live, "the restart did not build the change");
    drop(second);
}
