//! Bot latency and memory: the real bot against the fake Bot API server on loopback.
//!
//! For 1,000 questions (a mix of answerable and off-topic ones, each from a different
//! person so the per-person limit stays out of the way), the time from an update being
//! available at the fake server to the bot's reply arriving there: p50, p99, max. Also
//! the process's peak resident memory (bot, engine and fake server together).
//!
//! Telegram's outgoing limits (30 messages/s) are lifted here: with them the figure
//! would measure the outboxes' waiting, not the bot (`cargo bench --bench classroom`
//! measures that). `BENCH_BOT_GAP_MS=300` leaves a pause between questions (not
//! counted) so each one meets an idle bot, as sparse real traffic does. `BENCH_BOT_N`
//! sets the count.
//! Run: `cargo bench --bench bot`.

// The integration tests' helpers; the bench uses only a part of them.
#[allow(dead_code)]
#[path = "../tests/integration/support/fake_telegram.rs"]
mod fake_telegram;
#[allow(dead_code)]
#[path = "../tests/integration/support/harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use fake_telegram::{self as tg, FakeTelegram};
use harness::RunningBot;

const QUESTIONS: &[&str] = &[
    "Is marketing data driven?",
    "How is sales different from marketing?",
    "Why should sales and marketing work together?",
    "how do sales people build relationships",
    "What does marketing focus on?",
    "Who wrote this article?",
    "What is the capital of France?",
    "sales",
    "What is the goal of sales and marketing in a company, and how do they compare?",
    "🤷 ??? <b>&amp;",
];
const N: usize = 1000;

/// `BENCH_BOT_N` overrides the number of questions (for a quick run).
fn questions() -> usize {
    std::env::var("BENCH_BOT_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(N)
}

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
    let rss_engine = memory("VmRSS");

    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start_with(&fake, engine, harness::settings()).await;

    // Warm-up, not measured.
    let warm = Instant::now();
    for (i, q) in QUESTIONS.iter().enumerate() {
        let chat = 1_000_000 + i as i64;
        fake.push_update(tg::private_text(chat, q));
        fake.wait_for_messages(chat, 1).await;
    }
    eprintln!(
        "warm-up: {} questions in {:?}",
        QUESTIONS.len(),
        warm.elapsed()
    );
    let n = questions();
    let gap = Duration::from_millis(
        std::env::var("BENCH_BOT_GAP_MS")
            .ok()
            .and_then(|g| g.parse().ok())
            .unwrap_or(0),
    );
    let mut busy = Duration::ZERO;

    let mut latencies = Vec::with_capacity(n);
    let started = Instant::now();
    for i in 0..n {
        let chat = 1 + i as i64;
        let question = QUESTIONS[i % QUESTIONS.len()];
        let pushed = Instant::now();
        fake.push_update(tg::private_text(chat, question));
        let sent = fake.wait_for_messages(chat, 1).await;
        latencies.push(sent[0].at.duration_since(pushed));
        busy += pushed.elapsed();
        if !gap.is_zero() {
            tokio::time::sleep(gap).await;
        }
    }
    let _ = started;
    let total = busy;
    bot.stop().await;

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "bot: update -> reply latency over {n} questions (fake Bot API on loopback, {} ms between questions)",
        gap.as_millis()
    );
    println!("  p50  {:8.2} ms", ms(pct(0.50)));
    println!("  p90  {:8.2} ms", ms(pct(0.90)));
    println!("  p99  {:8.2} ms", ms(pct(0.99)));
    println!("  max  {:8.2} ms", ms(latencies[latencies.len() - 1]));
    println!(
        "  throughput (one at a time, pauses excluded) {:.0} questions/s",
        n as f64 / total.as_secs_f64()
    );
    println!(
        "  RSS after opening the engine  {}",
        rss_engine.unwrap_or_else(|| "n/a".into())
    );
    println!(
        "  peak RSS (VmHWM), whole process  {}",
        memory("VmHWM").unwrap_or_else(|| "n/a".into())
    );
    // Requests recorded by the fake (for sanity: one reply per question).
    let replies = fake.calls("sendMessage").iter().filter(|r| r.ok()).count();
    println!(
        "  replies sent {replies} (expected {})",
        n + QUESTIONS.len()
    );
}

/// A field of /proc/self/status (Linux), e.g. "VmHWM:  123 kB".
fn memory(field: &str) -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kb / 1024.0))
}
