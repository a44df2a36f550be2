//! A classroom at once, against the fake Bot API server with Telegram's sending limits
//! enforced (a 429 with `retry_after` past 1 message a second per chat, 20 a minute per
//! group, 30 a second overall).
//!
//! The load, all within 10 seconds: 100 questions in one group from 30 people, 10
//! questions in private chats, and an operator's reply to an open ticket. Reported:
//! private answers' latency (p50, p95, max), the operator reply's latency to the
//! person, how long each group question waited for its answer (or the busy note),
//! the 429s received, the questions never addressed, the group messages sent, and
//! the process's peak RSS (bot, engine and fake server together).
//!
//! Run: `cargo bench --bench classroom`.

// The integration tests' helpers; the bench uses only a part of them.
#[allow(dead_code)]
#[path = "../tests/integration/support/fake_telegram.rs"]
mod fake_telegram;
#[allow(dead_code)]
#[path = "../tests/integration/support/harness.rs"]
mod harness;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fake_telegram::{self as tg, FakeTelegram, Recorded, SendLimits};
use harness::RunningBot;
use passagebot::bot::{Limits, Settings};

const GROUP: i64 = -1_001_234_567_890;
const OPERATORS: i64 = -1_009_876_543_210;
const OPERATOR: i64 = 9_999;
/// The person with the open ticket.
const TICKET_PERSON: i64 = 9_001;
const GROUP_QUESTIONS: usize = 100;
const CLASS: usize = 30;
const PRIVATE_QUESTIONS: usize = 10;
/// The load is spread over this long.
const LOAD: Duration = Duration::from_secs(10);
/// How long the bench waits for the last answer before counting what is missing.
const PATIENCE: Duration = Duration::from_secs(120);

const QUESTIONS: &[&str] = &[
    "Is marketing data driven?",
    "How is sales different from marketing?",
    "Why should sales and marketing work together?",
    "how do sales people build relationships",
    "What does marketing focus on?",
    "Who wrote this article?",
    "What is the capital of France?",
    "What is the goal of sales and marketing in a company?",
    "Do marketers talk to customers?",
    "What is a sales funnel?",
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let engine = tokio::task::spawn_blocking(harness::article_engine)
        .await
        .expect("join");
    let fake = FakeTelegram::start().await;
    fake.enforce_limits(SendLimits::telegram());
    let settings = Settings {
        limits: Limits::default(),
        operators: vec![OPERATORS],
        ..harness::settings()
    };
    let bot = RunningBot::start_with(&fake, engine, settings).await;

    // Before the clock: warm the encoder's cache a little, and open the ticket.
    for (i, q) in QUESTIONS.iter().enumerate() {
        let chat = 50_000 + i as i64;
        fake.push_update(tg::private_text(chat, q));
        fake.wait_for_messages(chat, 1).await;
    }
    fake.push_update(tg::private_text(
        TICKET_PERSON,
        "/human I'd like to talk to someone about my order",
    ));
    let posted = fake.wait_for_messages(OPERATORS, 1).await;
    let ticket_message = fake.sent_message(harness::message_id(&posted[0]));
    fake.wait_for_messages(TICKET_PERSON, 1).await;
    let before_relay = fake.sent_to(TICKET_PERSON).len();
    let sends_before = fake.calls("sendMessage").len();

    // The load: every update at its moment within LOAD.
    let started = Instant::now();
    let mut pushes: Vec<(Duration, serde_json::Value, Kind)> = Vec::new();
    let step = LOAD.as_secs_f64() / GROUP_QUESTIONS as f64;
    for i in 0..GROUP_QUESTIONS {
        let person = 7_000 + (i % CLASS) as i64;
        let text = format!("/ask {}", QUESTIONS[(i * 7 + i / CLASS) % QUESTIONS.len()]);
        pushes.push((
            Duration::from_secs_f64(i as f64 * step),
            tg::group_text(GROUP, person, &text),
            Kind::Group(person),
        ));
    }
    for k in 0..PRIVATE_QUESTIONS {
        let person = 8_000 + k as i64;
        pushes.push((
            Duration::from_secs_f64(0.45 + k as f64 * 0.95),
            tg::private_text(person, QUESTIONS[k % QUESTIONS.len()]),
            Kind::Private(person),
        ));
    }
    pushes.push((
        Duration::from_secs(5),
        tg::group_reply(
            OPERATORS,
            OPERATOR,
            "Hello, this is Dana from the team: I can help with your order.",
            ticket_message,
        ),
        Kind::Operator,
    ));
    pushes.sort_by_key(|p| p.0);
    let mut group_asked: HashMap<i64, Vec<Instant>> = HashMap::new();
    let asked_by: HashMap<i64, i64> = pushes
        .iter()
        .filter_map(|(_, update, kind)| match kind {
            Kind::Group(p) => Some((update["message"]["message_id"].as_i64()?, *p)),
            _ => None,
        })
        .collect();
    let mut private_asked: Vec<(i64, Instant)> = Vec::new();
    let mut operator_replied = None;
    for (at, update, kind) in pushes {
        tokio::time::sleep_until((started + at).into()).await;
        fake.push_update(update);
        let now = Instant::now();
        match kind {
            Kind::Group(p) => group_asked.entry(p).or_default().push(now),
            Kind::Private(p) => private_asked.push((p, now)),
            Kind::Operator => operator_replied = Some(now),
        }
    }
    let load_took = started.elapsed();

    // Wait for everything (or PATIENCE) before measuring.
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        let sent = fake.calls("sendMessage");
        let group_done = addressed(&sent, GROUP, &asked_by)
            .iter()
            .map(|(p, t)| t.len().min(group_asked.get(p).map_or(0, Vec::len)))
            .sum::<usize>()
            >= GROUP_QUESTIONS;
        let private_done = private_asked
            .iter()
            .all(|(p, _)| sent.iter().any(|r| r.ok() && r.chat_id() == *p));
        let relayed = fake.sent_to(TICKET_PERSON).len() > before_relay;
        if group_done && private_done && relayed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bot.stop().await;

    let sent = fake.calls("sendMessage");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut private: Vec<Duration> = private_asked
        .iter()
        .filter_map(|(p, asked)| {
            let first = sent.iter().find(|r| r.ok() && r.chat_id() == *p)?;
            Some(first.at.duration_since(*asked))
        })
        .collect();
    private.sort();
    let relay = operator_replied.and_then(|asked| {
        sent.iter()
            .find(|r| r.ok() && r.chat_id() == TICKET_PERSON && r.text().contains("I can help"))
            .map(|r| r.at.duration_since(asked))
    });
    // The k-th message addressing a person answers their k-th question.
    let addressed = addressed(&sent, GROUP, &asked_by);
    let mut waits = Vec::new();
    let mut lost = 0;
    for (person, asked) in &group_asked {
        let got = addressed.get(person).map(Vec::as_slice).unwrap_or_default();
        for (k, at) in asked.iter().enumerate() {
            match got.get(k) {
                Some(t) => waits.push(t.saturating_duration_since(*at)),
                None => lost += 1,
            }
        }
    }
    waits.sort();
    let group_msgs: Vec<&Recorded> = sent
        .iter()
        .filter(|r| r.ok() && r.chat_id() == GROUP)
        .collect();
    let digests = group_msgs
        .iter()
        .filter(|r| tg::mentioned_users(r.text()).len() >= 2)
        .count();
    let busy = group_msgs
        .iter()
        .filter(|r| r.text().contains("lots of questions here"))
        .count();
    let too_many = sent[sends_before..]
        .iter()
        .filter(|r| r.status == 429)
        .count();

    println!(
        "classroom: {GROUP_QUESTIONS} group questions from {CLASS} people, {PRIVATE_QUESTIONS} private questions and 1 operator reply, pushed over {:.1} s; Telegram's limits enforced by the fake server",
        load_took.as_secs_f64()
    );
    println!(
        "  private answers   p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms ({} of {PRIVATE_QUESTIONS} answered)",
        ms(pct(&private, 0.50)),
        ms(pct(&private, 0.95)),
        ms(private.last().copied().unwrap_or_default()),
        private.len()
    );
    println!(
        "  operator reply -> person  {}",
        relay.map_or("not delivered".into(), |d| format!("{:.0} ms", ms(d)))
    );
    println!(
        "  group questions answered (or busy note)  {} of {GROUP_QUESTIONS}; wait p50 {:.1} s, p95 {:.1} s, max {:.1} s",
        waits.len(),
        pct(&waits, 0.50).as_secs_f64(),
        pct(&waits, 0.95).as_secs_f64(),
        waits.last().copied().unwrap_or_default().as_secs_f64()
    );
    println!(
        "  group messages  {} ({digests} digests, {busy} busy notes)",
        group_msgs.len()
    );
    println!("  429s received  {too_many}");
    println!("  questions lost  {lost}");
    println!(
        "  peak RSS (VmHWM), whole process  {}",
        memory("VmHWM").unwrap_or_else(|| "n/a".into())
    );
}

enum Kind {
    Group(i64),
    Private(i64),
    Operator,
}

/// When each person was addressed in `chat`: by a mention (a digest, the busy
/// note) or by a whole answer replying to their question (`asked_by`: question
/// message id to asker).
fn addressed(
    sent: &[Recorded],
    chat: i64,
    asked_by: &HashMap<i64, i64>,
) -> HashMap<i64, Vec<Instant>> {
    let mut out: HashMap<i64, Vec<Instant>> = HashMap::new();
    for r in sent.iter().filter(|r| r.ok() && r.chat_id() == chat) {
        let mut people = tg::mentioned_users(r.text());
        if people.is_empty() {
            people.extend(
                r.body["reply_parameters"]["message_id"]
                    .as_i64()
                    .and_then(|q| asked_by.get(&q).copied()),
            );
        }
        for p in people {
            out.entry(p).or_default().push(r.at);
        }
    }
    out
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// A field of /proc/self/status (Linux), e.g. "VmHWM:  123 kB".
fn memory(field: &str) -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kb / 1024.0))
}
