//! A conversation, not a search box (issue #21): small talk, questions about the whole
//! article, follow-ups read in context and picks, through `chat --json`, `ask --json`,
//! the piped terminal chat, Telegram (a private chat and a group, against the fake Bot
//! API server) and the wall.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::browser::free_port;
use crate::support::fake_telegram::{self as tg, FakeTelegram};
use crate::support::harness::{self, RunningBot};
use crate::support::scratch::Scratch;
use crate::wall::{Events, chat_with_wall, wait_for_wall};

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn first_text(line: &Value) -> String {
    line["passages"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn chat_json_reads_the_lines_as_one_conversation() {
    let s = Scratch::with_article_index();
    let out = s
        .cmd()
        .args(["chat", "--json"])
        .write_stdin(
            "hi!\nWhat kind of approach does sales use?\nand marketing?\nwhat is the article about?\nIs sales scientific?\nthanks\n\n",
        )
        .output()
        .expect("runs");
    assert!(out.status.success());
    let lines = json_lines(&out.stdout);
    assert_eq!(
        lines.len(),
        7,
        "one object per input line, the blank one too"
    );
    let kinds: Vec<&str> = lines
        .iter()
        .map(|l| l["reply_kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "small_talk",
            "answer",
            "answer",
            "summary",
            "answer",
            "small_talk",
            "not_covered"
        ]
    );
    // Small talk: a friendly reply naming the article, never a hand-over.
    assert!(
        lines[0]["reply"]
            .as_str()
            .unwrap_or_default()
            .contains("Hello!")
    );
    assert!(
        lines[0]["reply"]
            .as_str()
            .unwrap_or_default()
            .contains("Sales and Marketing")
    );
    assert_eq!(lines[0]["handover"]["hand_over"], false);
    assert_eq!(lines[0]["read_as"], Value::Null);
    // The follow-up, read against the question before it.
    assert_eq!(lines[2]["question"], "and marketing?");
    assert_eq!(
        lines[2]["read_as"],
        "What kind of approach does marketing use?"
    );
    assert!(
        first_text(&lines[2]).contains("one to many style"),
        "{}",
        lines[2]
    );
    // The summary: the article's own sentences, each its own passage, in order.
    let summary = lines[3]["passages"].as_array().expect("passages");
    assert_eq!(lines[3]["confident"], true);
    assert!(summary.len() >= 2);
    assert!(
        summary
            .iter()
            .all(|p| p["text"].as_str().unwrap_or_default().len() <= 800)
    );
    assert!(first_text(&lines[3]).contains("similar functions yet also very different"));
    let paragraphs: Vec<u64> = summary
        .iter()
        .map(|p| p["paragraph"].as_u64().unwrap_or_default())
        .collect();
    assert!(
        paragraphs.windows(2).all(|w| w[0] <= w[1]),
        "{paragraphs:?}"
    );
    // Polarity: what the article says of sales, not of marketing.
    assert!(
        first_text(&lines[4]).starts_with("Sales does not have such a discipline"),
        "{}",
        lines[4]
    );
    assert_eq!(lines[4]["confident"], true);
}

#[test]
fn ask_json_reads_each_line_on_its_own() {
    let s = Scratch::with_article_index();
    let out = s
        .cmd()
        .args(["ask", "--json"])
        .write_stdin("hi\nWhat kind of approach does sales use?\nand marketing?\nCan I speak to a human please?\nhi, what is marketing?\n")
        .output()
        .expect("runs");
    let lines = json_lines(&out.stdout);
    let kinds: Vec<&str> = lines
        .iter()
        .map(|l| l["reply_kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        ["small_talk", "answer", "not_covered", "person", "answer"]
    );
    // With no question before it, a follow-up is asked back, not guessed.
    let asked_back = lines[2]["reply"].as_str().unwrap_or_default();
    assert!(asked_back.contains("marketing"), "{asked_back}");
    assert_eq!(lines[2]["handover"]["hand_over"], false);
    // A greeting in front of a question is cut off, not the question swallowed.
    assert_eq!(lines[4]["read_as"], "what is marketing?");
    assert!(first_text(&lines[4]).contains("Marketing"), "{}", lines[4]);
}

#[test]
fn the_conclusion_leads_with_the_articles_last_point_and_leaves_the_bio_out() {
    let s = Scratch::with_article_index();
    let out = s
        .cmd()
        .args(["ask", "--json", "--top", "5"])
        .write_stdin("what's the final takeaway?\nwhat is this article about?\n")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let lines = json_lines(&out.stdout);
    assert!(
        first_text(&lines[0]).starts_with("Sales and marketing must work together"),
        "{}",
        lines[0]
    );
    for line in &lines {
        let passages = line["passages"].as_array().expect("passages");
        assert!(passages.len() >= 2, "{line}");
        // The bio's second sentence names no one, but is bio all the same.
        assert!(
            passages
                .iter()
                .all(|p| !p["text"].as_str().unwrap_or_default().contains("UVM")),
            "{line}"
        );
    }
}

#[test]
fn asking_about_the_author_gets_the_byline_and_the_bio_and_fragments_follow_the_person() {
    let s = Scratch::with_article_index();
    let out = s
        .cmd()
        .args(["ask", "--json"])
        .write_stdin(
            "tell me about the author\nwhat do we know about the writer?\nWhat's the author's background?\n",
        )
        .output()
        .expect("runs");
    assert!(out.status.success());
    for line in json_lines(&out.stdout) {
        // Once "a summary of the article", or "not covered": the article never
        // says "author".
        assert_eq!(line["reply_kind"], "answer", "{line}");
        assert_eq!(line["confident"], true, "{line}");
        let texts: Vec<&str> = line["passages"]
            .as_array()
            .expect("passages")
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect();
        assert!(texts.iter().any(|t| t.contains("28 years")), "{line}");
    }
    // "what about the author" after a question with no subject to swap was read
    // "What is the author then?"; "how many years?" after it then found nothing.
    let out = s
        .cmd()
        .args(["chat", "--json"])
        .write_stdin(
            "what is better then?\nok what about the author\nhow many years?\nwhich university?\n",
        )
        .output()
        .expect("runs");
    assert!(out.status.success());
    let turns = json_lines(&out.stdout);
    assert_eq!(turns.len(), 4, "{turns:?}");
    assert_eq!(turns[1]["reply_kind"], "answer", "{}", turns[1]);
    assert_eq!(
        turns[2]["read_as"], "Who is Joe Candido — how many years?",
        "{}",
        turns[2]
    );
    assert_eq!(
        turns[3]["read_as"], "Who is Joe Candido — which university?",
        "{}",
        turns[3]
    );
    for turn in &turns[2..] {
        assert_eq!(turn["confident"], true, "{turn}");
        assert!(first_text(turn).contains("UVM"), "{turn}");
    }
}

#[test]
fn they_in_a_question_naming_nothing_are_the_two_sides_the_title_compares() {
    let s = Scratch::with_article_index();
    let out = s
        .cmd()
        .args(["ask", "--json", "--top", "3"])
        .write_stdin(
            "what do they have in common\ndo they need to cooperate to win\nWhen customers call, do they get a machine?\n",
        )
        .output()
        .expect("runs");
    assert!(out.status.success());
    let lines = json_lines(&out.stdout);
    assert_eq!(
        lines[0]["read_as"], "what do sales and marketing have in common",
        "{}",
        lines[0]
    );
    // Once not confident: "they" alone gave the encoders nothing to go on.
    assert_eq!(
        lines[1]["read_as"], "do sales and marketing need to cooperate to win",
        "{}",
        lines[1]
    );
    assert_eq!(lines[1]["confident"], true, "{}", lines[1]);
    assert!(
        first_text(&lines[1]).starts_with("Sales and marketing must work together"),
        "{}",
        lines[1]
    );
    // "they" are the customers here.
    assert!(lines[2]["read_as"].is_null(), "{}", lines[2]);
    assert!(
        first_text(&lines[2]).starts_with("Imagine trying"),
        "{}",
        lines[2]
    );
}

#[test]
fn piped_chat_echoes_each_question_and_shows_how_a_follow_up_was_read() {
    let s = Scratch::with_article_index();
    let out = s
        .cmd()
        .arg("chat")
        .write_stdin("hello\nWhat kind of approach does sales use?\nand marketing?\nwhat's the conclusion?\n")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("> hello\nHello! I answer questions about"),
        "{text}"
    );
    assert!(
        text.contains("> What kind of approach does sales use?"),
        "{text}"
    );
    assert!(
        text.contains("Reading this as: What kind of approach does marketing use?"),
        "{text}"
    );
    assert!(text.contains("argues, in its own sentences"), "{text}");
    assert!(!text.contains("A person would serve you better"), "{text}");
}

async fn start(fake: &FakeTelegram) -> RunningBot {
    RunningBot::start(fake, harness::settings()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_private_chat_a_greeting_gets_a_friendly_reply_and_a_follow_up_is_read_in_context() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    let person = 4_021;
    fake.push_update(tg::private_text(person, "hi"));
    let sent = fake.wait_for_messages(person, 1).await;
    let hello = sent[0].plain();
    assert!(hello.contains("Hello!"), "{hello}");
    assert!(
        !hello.contains("person"),
        "no hand-over for a greeting: {hello}"
    );
    assert!(
        sent[0].buttons().is_empty(),
        "no ticket, no rating: {hello}"
    );
    fake.push_update(tg::private_text(
        person,
        "What kind of approach does sales use?",
    ));
    fake.wait_for_messages(person, 2).await;
    fake.push_update(tg::private_text(person, "and marketing?"));
    let sent = fake.wait_for_messages(person, 3).await;
    let read = sent[2].plain();
    assert!(
        read.starts_with("Reading this as: What kind of approach does marketing use?"),
        "{read}"
    );
    assert!(read.contains("one to many style"), "{read}");
    fake.push_update(tg::private_text(person, "thanks!"));
    let sent = fake.wait_for_messages(person, 4).await;
    assert!(
        sent[3].plain().contains("You're welcome"),
        "{}",
        sent[3].plain()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_group_each_person_has_a_context_of_their_own() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    let group = -10_021;
    fake.push_update(tg::group_text(
        group,
        31,
        "/ask What kind of approach does sales use?",
    ));
    fake.wait_for_messages(group, 1).await;
    // Another person's "and marketing?" has nothing of theirs to lean on.
    fake.push_update(tg::group_text(group, 32, "/ask and marketing?"));
    let sent = fake.wait_for_messages(group, 2).await;
    assert!(
        sent[1]
            .plain()
            .contains("What would you like to know about marketing?"),
        "{}",
        sent[1].plain()
    );
    fake.push_update(tg::group_text(group, 31, "/ask and marketing?"));
    let sent = fake.wait_for_messages(group, 3).await;
    assert!(
        sent[2]
            .plain()
            .starts_with("Reading this as: What kind of approach does marketing use?"),
        "{}",
        sent[2].plain()
    );
    bot.stop().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wall_shows_small_talk_as_answered_and_a_follow_up_as_read() {
    let s = Scratch::with_article_index();
    let port = free_port();
    let mut chat = chat_with_wall(
        &s,
        port,
        b"hi\nWhat kind of approach does sales use?\nand marketing?\n",
    );
    wait_for_wall(port, &mut chat).await;
    let url = format!("http://127.0.0.1:{port}/events");
    let deadline = Instant::now() + tg::WAIT;
    let events = loop {
        let (_, snapshot) = Events::open(&url).await.next().await;
        let events = snapshot["events"].as_array().cloned().unwrap_or_default();
        if events.len() == 3 {
            break events;
        }
        assert!(
            Instant::now() < deadline,
            "the turns did not reach the wall"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(events[0]["kind"], "small_talk");
    assert_eq!(events[0]["outcome"], "answered");
    assert!(
        events[0]["reply"]
            .as_str()
            .unwrap_or_default()
            .contains("Hello!")
    );
    assert_eq!(
        events[2]["read_as"],
        "What kind of approach does marketing use?"
    );
    assert_eq!(events[2]["outcome"], "answered");
}
