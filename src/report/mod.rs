//! The classroom report (`passagebot report`): what people asked, what the bot answered
//! confidently, handed over or could not cover, and how they rated the passages.
//!
//! # Layout
//! - `mod.rs`: the numbers ([`Report::build`]) from the question log and tickets;
//! - `text.rs`: the terminal text; `html.rs`: one self-contained web page with inline
//!   SVG charts (no scripts, no network), large enough to read on a projector.
//!
//! Every question falls in exactly one outcome: **handed over** (a ticket was opened, or
//! the hand-over rule fired for a reason other than "not covered"), else **not covered**
//! (the engine was not confident), else **answered** confidently. Each number the report
//! shows under an outcome's name counts that outcome's questions and no others: the
//! list of questions not covered by the text adds up to the "not covered by the text"
//! count, and the reasons for handing over are those of the handed-over questions (a
//! question the text did not cover *and* that asked for a person is handed over, and
//! counted once, there).

mod html;
mod text;

use std::collections::HashMap;

use serde::Serialize;

use crate::store::{LoggedQuestion, Status, Store, StoreError, Suggestion, Ticket};

pub use html::render as html;
pub use text::render as text;

/// What happened to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Answered,
    HandedOver,
    NotCovered,
}

impl Outcome {
    pub fn of(q: &LoggedQuestion) -> Outcome {
        let complex = q
            .handover
            .split(',')
            .any(|c| !c.is_empty() && c != "not_covered");
        if complex || q.ticket.is_some() {
            Outcome::HandedOver
        } else if !q.confident {
            Outcome::NotCovered
        } else {
            Outcome::Answered
        }
    }
}

/// Ticket counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TicketCounts {
    pub opened: usize,
    /// An operator's reply reached the person.
    pub answered: usize,
    pub still_open: usize,
    pub closed: usize,
    /// Opened while no operator chat was configured.
    pub no_operator: usize,
    /// A reply could not be delivered (e.g. the person blocked the bot).
    pub undeliverable: usize,
}

/// 👍 / 👎 for one passage, over every answer that showed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageFeedback {
    pub title: String,
    pub source: String,
    pub paragraph: u32,
    pub preview: String,
    pub shown: usize,
    pub up: usize,
    pub down: usize,
}

/// A question and how often it was asked (case, spacing and end punctuation ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    pub question: String,
    pub count: usize,
}

/// A suggested phrasing waiting for an operator's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub id: i64,
    /// Where it came from, in words.
    pub from: &'static str,
    pub question: String,
    pub source: String,
    pub paragraph: u32,
    /// The passage's opening.
    pub preview: String,
}

impl Pending {
    pub fn of(s: &Suggestion) -> Pending {
        Pending {
            id: s.id,
            from: s.kind.describe(),
            question: s.question.clone(),
            source: s.passage.source.clone(),
            paragraph: s.passage.paragraph,
            preview: s.passage.text.chars().take(160).collect(),
        }
    }
}

/// The report's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Start of the period (unix seconds), if limited.
    pub since: Option<i64>,
    pub questions: usize,
    pub answered: usize,
    pub handed_over: usize,
    pub not_covered: usize,
    pub tickets: TicketCounts,
    pub thumbs_up: usize,
    pub thumbs_down: usize,
    /// The most frequent questions, most asked first.
    pub frequent: Vec<Counted>,
    /// How many of the questions counted are not in `frequent` (past `--top`).
    pub frequent_more: usize,
    /// The questions whose outcome is [`Outcome::NotCovered`], most asked first.
    pub uncovered: Vec<Counted>,
    /// How many of the not-covered questions are not in `uncovered` (past `--top`).
    pub uncovered_more: usize,
    /// How often each part of the hand-over rule fired on the handed-over questions.
    pub reasons: Vec<(String, usize)>,
    /// Passages with feedback, most 👎 first, then most 👍.
    pub passages: Vec<PassageFeedback>,
    /// Questions per day (YYYY-MM-DD, UTC), oldest first.
    pub per_day: Vec<(String, usize)>,
    /// Answered questions whose answer a known phrasing (a question people asked
    /// before, from a `*.questions.jsonl` file) counted for.
    pub asked_before: usize,
    /// Suggested phrasings waiting for approval (`/suggestions`, `passagebot learn`),
    /// oldest first; whatever the period, since they wait now.
    pub suggestions: Vec<Pending>,
}

impl Report {
    /// Reads the log and tickets since `since` and counts.
    pub fn build(store: &Store, since: Option<i64>, top: usize) -> Result<Report, StoreError> {
        let mut r =
            Report::from_parts(&store.questions(since)?, &store.tickets(since)?, since, top);
        r.suggestions = store
            .pending_suggestions()?
            .iter()
            .map(Pending::of)
            .collect();
        Ok(r)
    }

    /// The counting itself, on rows already read.
    pub fn from_parts(
        questions: &[LoggedQuestion],
        tickets: &[Ticket],
        since: Option<i64>,
        top: usize,
    ) -> Report {
        let mut r = Report {
            since,
            questions: questions.len(),
            answered: 0,
            handed_over: 0,
            not_covered: 0,
            tickets: TicketCounts::default(),
            thumbs_up: 0,
            thumbs_down: 0,
            frequent: Vec::new(),
            frequent_more: 0,
            uncovered: Vec::new(),
            uncovered_more: 0,
            reasons: Vec::new(),
            passages: Vec::new(),
            per_day: Vec::new(),
            asked_before: 0,
            suggestions: Vec::new(),
        };
        let mut frequent = Counter::default();
        let mut uncovered = Counter::default();
        let mut reasons: HashMap<String, usize> = HashMap::new();
        let mut passages: HashMap<(String, u32), PassageFeedback> = HashMap::new();
        let mut days: HashMap<String, usize> = HashMap::new();
        for q in questions {
            match Outcome::of(q) {
                Outcome::Answered => {
                    r.answered += 1;
                    r.asked_before += usize::from(q.asked_before.is_some());
                }
                Outcome::HandedOver => {
                    r.handed_over += 1;
                    for code in q.handover.split(',').filter(|c| !c.is_empty()) {
                        *reasons.entry(code.to_owned()).or_default() += 1;
                    }
                }
                Outcome::NotCovered => {
                    r.not_covered += 1;
                    uncovered.add(&q.question);
                }
            }
            frequent.add(&q.question);
            match q.feedback {
                Some(1) => r.thumbs_up += 1,
                Some(-1) => r.thumbs_down += 1,
                _ => {}
            }
            for p in &q.passages {
                let e = passages
                    .entry((p.source.clone(), p.paragraph))
                    .or_insert_with(|| PassageFeedback {
                        title: p.title.clone(),
                        source: p.source.clone(),
                        paragraph: p.paragraph,
                        preview: p.preview.clone(),
                        shown: 0,
                        up: 0,
                        down: 0,
                    });
                e.shown += 1;
                match q.feedback {
                    Some(1) => e.up += 1,
                    Some(-1) => e.down += 1,
                    _ => {}
                }
            }
            *days.entry(format_date(q.asked_at)).or_default() += 1;
        }
        for t in tickets {
            r.tickets.opened += 1;
            if t.no_operator {
                r.tickets.no_operator += 1;
            }
            if t.delivery_error.is_some() {
                r.tickets.undeliverable += 1;
            }
            match t.status {
                Status::Closed => r.tickets.closed += 1,
                Status::Open | Status::Answered => r.tickets.still_open += 1,
            }
            if t.replied_at.is_some() {
                r.tickets.answered += 1;
            }
        }
        (r.frequent, r.frequent_more) = frequent.top(top);
        (r.uncovered, r.uncovered_more) = uncovered.top(top);
        let mut reasons: Vec<(String, usize)> = reasons.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        r.reasons = reasons;
        let mut passages: Vec<PassageFeedback> = passages
            .into_values()
            .filter(|p| p.up + p.down > 0)
            .collect();
        passages.sort_by(|a, b| {
            b.down
                .cmp(&a.down)
                .then(b.up.cmp(&a.up))
                .then(a.source.cmp(&b.source))
                .then(a.paragraph.cmp(&b.paragraph))
        });
        r.passages = passages;
        let mut days: Vec<(String, usize)> = days.into_iter().collect();
        days.sort();
        r.per_day = days;
        r
    }

    /// `part` as a whole percentage of all questions.
    pub fn percent(&self, part: usize) -> u32 {
        if self.questions == 0 {
            0
        } else {
            ((part as f64 * 100.0) / self.questions as f64).round() as u32
        }
    }
}

/// Counts questions by a normalised form, showing the first wording seen.
#[derive(Default)]
struct Counter {
    counts: HashMap<String, (usize, usize, String)>, // key -> (count, first seen, shown)
    seen: usize,
}

impl Counter {
    fn add(&mut self, question: &str) {
        let key = normalise(question);
        if key.is_empty() {
            return;
        }
        self.seen += 1;
        let seen = self.seen;
        let e = self
            .counts
            .entry(key)
            .or_insert_with(|| (0, seen, question.trim().to_owned()));
        e.0 += 1;
    }

    /// The `n` most asked, and how many questions the rest counts.
    fn top(self, n: usize) -> (Vec<Counted>, usize) {
        let mut v: Vec<(usize, usize, String)> = self.counts.into_values().collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let rest = v.iter().skip(n).map(|e| e.0).sum();
        let shown = v
            .into_iter()
            .take(n)
            .map(|(count, _, question)| Counted { question, count })
            .collect();
        (shown, rest)
    }
}

fn normalise(q: &str) -> String {
    q.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(['?', '!', '.', ' '])
        .to_owned()
}

/// Parses `YYYY-MM-DD` into the unix time of that day's start (UTC).
pub fn parse_date(s: &str) -> Result<i64, String> {
    let bad = || format!("{s:?} is not a date like 2025-03-01 (YYYY-MM-DD)");
    let mut parts = s.trim().splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let y: i64 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    let d: u32 = d.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(bad());
    }
    // Beyond four digits the day arithmetic below would overflow.
    if !(1..=9999).contains(&y) {
        return Err(format!(
            "{s:?}: the year must be between 0001 and 9999 (YYYY-MM-DD)"
        ));
    }
    Ok(days_from_civil(y, m, d) * 86_400)
}

/// The UTC day of a unix time, as `YYYY-MM-DD`.
pub fn format_date(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-date algorithms (public domain).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_bad_dates_say_the_format() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert_eq!(parse_date("2025-03-01"), Ok(1_740_787_200));
        assert_eq!(format_date(1_740_787_200 + 3600), "2025-03-01");
        assert_eq!(
            format_date(parse_date("2024-02-29").expect("leap")),
            "2024-02-29"
        );
        for bad in ["2025-02-29", "2025-13-01", "yesterday", "2025-3", ""] {
            let err = parse_date(bad).expect_err(bad);
            assert!(err.contains("YYYY-MM-DD"), "{err}");
        }
    }

    /// Issue 14, item 10: a huge year overflowed the day arithmetic.
    #[test]
    fn huge_and_negative_years_are_refused_not_overflowed() {
        for bad in [
            "9223372036854775807-01-01",
            "99999999999-01-01",
            "10000-01-01",
            "-5-01-01",
            "0000-01-01",
        ] {
            let err = parse_date(bad).expect_err(bad);
            assert!(err.contains("YYYY-MM-DD"), "{bad}: {err}");
        }
        assert_eq!(
            format_date(parse_date("9999-12-31").expect("max")),
            "9999-12-31"
        );
        assert_eq!(
            format_date(parse_date("0001-01-01").expect("min")),
            "0001-01-01"
        );
    }

    #[test]
    fn the_report_counts_answers_a_known_phrasing_helped_and_lists_pending_suggestions() {
        use crate::store::{NewQuestion, NewSuggestion, Options, SuggestedPassage, SuggestionKind};
        let store = Store::in_memory(&Options::default()).expect("store");
        for (q, confident, before) in [
            (
                "Is marketing data driven?",
                true,
                Some("Is marketing data-driven?"),
            ),
            ("What is sales?", true, None),
            ("Who won the cup?", false, None),
        ] {
            store
                .log_question(&NewQuestion {
                    asked_at: 100,
                    person: "h:a",
                    surface: "telegram",
                    question: q,
                    confident,
                    coverage: 0.5,
                    passages: &[],
                    handover: if confident { "" } else { "not_covered" },
                    asked_before: before,
                })
                .expect("log");
        }
        let empty = Report::build(&store, None, 10).expect("report");
        assert_eq!(empty.asked_before, 1);
        assert!(!text(&empty).contains("Suggested phrasings"));
        store
            .suggest(&NewSuggestion {
                kind: SuggestionKind::Thumbs,
                person: "h:a",
                question: "Why do people hate machines?",
                passage: &SuggestedPassage {
                    source: "corpus/a.md".into(),
                    paragraph: 4,
                    text: "Imagine trying to describe your problem to a machine.".into(),
                    sentence: None,
                },
                ticket: None,
                at: 100,
            })
            .expect("suggest");
        let r = Report::build(&store, Some(1000), 10).expect("report");
        assert_eq!(r.suggestions.len(), 1, "pending now, whatever the period");
        let with = Report::build(&store, None, 10).expect("report");
        let t = text(&with);
        assert!(
            t.contains("Answered with a known phrasing: 1 question of 2 answered"),
            "{t}"
        );
        assert!(
            t.contains("Suggested phrasings waiting for approval (1):"),
            "{t}"
        );
        assert!(t.contains("#1    Why do people hate machines?"), "{t}");
        assert!(
            t.contains("corpus/a.md, paragraph 4: Imagine trying"),
            "{t}"
        );
        let page = html(&with);
        assert!(page.contains("<h2>Suggested phrasings waiting for approval (1)</h2>"));
        assert!(page.contains("Why do people hate machines?"));
    }

    #[test]
    fn questions_are_counted_regardless_of_case_spacing_and_final_punctuation() {
        let mut c = Counter::default();
        c.add("Is marketing data driven?");
        c.add("is  marketing data driven");
        c.add("What is sales?");
        c.add("   ");
        c.add("What is sales");
        c.add("Who negotiates?");
        let (top, rest) = c.top(5);
        assert_eq!(top[0].count, 2);
        assert_eq!(top[0].question, "Is marketing data driven?");
        assert_eq!((top.len(), rest), (3, 0));
        let mut c = Counter::default();
        for q in ["a?", "a", "b", "b", "c", "d"] {
            c.add(q);
        }
        let (top, rest) = c.top(1);
        assert_eq!(
            (top[0].count, rest),
            (2, 4),
            "a ×2 shown; b ×2, c and d past the top"
        );
    }
}
