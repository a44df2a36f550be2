//! Seeds a data folder with a classroom's worth of questions, answered by the real engine
//! over the bundled article and judged by the real hand-over rule, so
//! `passagebot report` has something to show (`scripts/screenshot-report.sh` uses it).
//!
//!     cargo run --example report_demo -- DATA_DIR

use passagebot::config::Paths;
use passagebot::conversation::ask;
use passagebot::engine::search::Engine;
use passagebot::report::parse_date;
use passagebot::store::{self, NewQuestion, NewTicket, ShownPassage, Store};

/// (question, times asked)
const QUESTIONS: &[(&str, usize)] = &[
    ("How is sales different from marketing?", 9),
    ("Is marketing data-driven?", 6),
    ("Why should sales and marketing work together?", 5),
    ("Is negotiation part of sales?", 4),
    ("Who wrote the article?", 3),
    ("What is the capital of France?", 3),
    ("Should I hire a marketer or a salesperson first?", 2),
    ("Can I talk to a person?", 2),
    ("How do I negotiate a better contract with my supplier?", 1),
    ("What is sales? And what does marketing do all day?", 1),
    ("Which CRM should my sales team buy?", 2),
    ("How much does your product cost?", 1),
    ("What do salespeople do?", 3),
];

fn main() -> anyhow::Result<()> {
    let data = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: report_demo DATA_DIR"))?;
    let scratch = tempfile::tempdir()?;
    let paths = Paths {
        corpus: std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus")),
        index: scratch.path().join("index"),
    };
    let engine = Engine::open_or_build(&paths, Default::default())?;
    let store = Store::open(std::path::Path::new(&data), &store::Options::default())?;
    let start = parse_date("2025-03-03").map_err(anyhow::Error::msg)?;
    let mut n = 0usize;
    for (question, times) in QUESTIONS {
        // The bot's ask step without its log: the demo logs each question many times,
        // on made-up days.
        let asked = ask::ask(&engine, question, 2, None)?;
        let (answer, decision) = (&asked.answer, &asked.decision);
        let covered = asked.covered();
        let shown: Vec<ShownPassage> = if covered {
            answer.passages.iter().map(ask::shown).collect()
        } else {
            Vec::new()
        };
        for i in 0..*times {
            n += 1;
            let day = (n * 7 + i) % 5;
            let at = start + day as i64 * 86_400 + 9 * 3600 + n as i64 * 60;
            let person = format!("h:demo{}", n % 11);
            let id = store.log_question(&NewQuestion {
                asked_at: at,
                person: &person,
                surface: "telegram",
                question,
                confident: answer.confident,
                coverage: answer.confidence.coverage,
                passages: &shown,
                handover: &decision.codes(),
                asked_before: answer
                    .passages
                    .first()
                    .filter(|_| covered)
                    .and_then(|h| h.asked_before.as_deref()),
            })?;
            // Some feedback: mostly 👍 on covered answers, a few 👎.
            if covered && !n.is_multiple_of(3) {
                store.set_feedback(id, if n.is_multiple_of(5) { -1 } else { 1 })?;
            }
            if decision.requested() || (decision.hand_over() && !decision.only_not_covered()) {
                let t = store.open_ticket(&NewTicket {
                    person: &person,
                    chat_id: 1,
                    question,
                    reasons: &decision.codes(),
                    from: Some(id),
                    no_operator: false,
                    at,
                })?;
                if n.is_multiple_of(2) {
                    store.record_reply(t.id, None, at + 300)?;
                    store.close_ticket(t.id, "operator", at + 900)?;
                }
            }
        }
    }
    println!("seeded {n} questions into {data}");
    Ok(())
}
