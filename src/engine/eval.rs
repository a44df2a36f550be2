//! Scoring the engine on a question file (hit@1 counts only a confident
//! first passage, hit@k, off-topic abstention), so operators can check the bot on their
//! own document with their own questions (`passagebot eval FILE.jsonl`).
//!
//! A line is `{"q": …, "gold": [phrases]}` (answerable: a passage hits when
//! it contains a phrase, compared lower-cased with typographic quotes and
//! dashes folded, and is at most 800 characters long) or
//! `{"q": …, "expect": "none"}` (not answerable: right when the answer is
//! not confident or has no passages). An optional `kind` groups the report.
//!
//! - hit@1: the first passage hits *and* the answer is confident;
//! - hit@k: one of the first k passages hits (k is `eval --top`, and the report says it);
//! - MRR: the mean of 1/rank of the first hitting passage (0 if none in k);
//! - abstention: the share of unanswerable questions answered not confident.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::engine::search::Answer;

/// Passages longer than this never count as hits (no returning whole documents).
pub const MAX_HIT_CHARS: usize = 800;

#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    pub q: String,
    #[serde(default)]
    pub gold: Vec<String>,
    #[serde(default)]
    pub expect: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
}

impl Question {
    pub fn answerable(&self) -> bool {
        self.expect.as_deref() != Some("none") && !self.gold.is_empty()
    }

    pub fn kind(&self) -> &str {
        self.kind
            .as_deref()
            .unwrap_or(if self.answerable() { "all" } else { "offtopic" })
    }
}

/// Parses a question file; errors name the line.
pub fn parse(text: &str) -> Result<Vec<Question>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let q: Question = serde_json::from_str(line).map_err(|e| {
            format!(
                "line {}: {e}; each line must be {{\"q\": \"…\", \"gold\": [\"…\"]}} or {{\"q\": \"…\", \"expect\": \"none\"}}",
                n + 1
            )
        })?;
        if q.gold.is_empty() && q.expect.as_deref() != Some("none") {
            return Err(format!(
                "line {}: the question has neither \"gold\" phrases nor \"expect\": \"none\"",
                n + 1
            ));
        }
        out.push(q);
    }
    if out.is_empty() {
        return Err("the file has no questions".into());
    }
    Ok(out)
}

/// Lower-cases, folds typographic quotes and dashes, collapses white space.
pub fn norm(s: &str) -> String {
    let folded: String = s
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{a0}' => ' ',
            c => c,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hits(text: &str, gold: &[String]) -> bool {
    let t = norm(text);
    text.chars().count() <= MAX_HIT_CHARS && gold.iter().any(|g| t.contains(&norm(g)))
}

/// How one question went.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub question: String,
    pub kind: String,
    pub answerable: bool,
    /// Rank (1-based) of the first hitting passage, if any.
    pub rank: Option<usize>,
    pub confident: bool,
    /// The first passage's text, for the list of misses.
    pub top: Option<String>,
}

impl Outcome {
    pub fn hit_at_1(&self) -> bool {
        self.rank == Some(1) && self.confident
    }

    pub fn hit_at(&self, k: usize) -> bool {
        self.rank.is_some_and(|r| r <= k)
    }

    /// Right for this question's kind: answered first and confidently, or abstained.
    pub fn right(&self) -> bool {
        if self.answerable {
            self.hit_at_1()
        } else {
            !self.confident
        }
    }
}

pub fn outcome(q: &Question, answer: &Answer) -> Outcome {
    Outcome {
        question: q.q.clone(),
        kind: q.kind().to_string(),
        answerable: q.answerable(),
        rank: answer
            .passages
            .iter()
            .position(|p| hits(&p.text, &q.gold))
            .map(|i| i + 1),
        confident: answer.confident && !answer.passages.is_empty(),
        top: answer.passages.first().map(|p| p.text.clone()),
    }
}

/// Totals over a set of outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub answerable: usize,
    pub hit1: usize,
    /// Questions whose right passage is among those returned (hit@k for a search of
    /// k passages).
    pub hit_k: usize,
    pub reciprocal_rank: f64,
    pub unanswerable: usize,
    pub abstained: usize,
}

impl Totals {
    pub fn add(&mut self, o: &Outcome) {
        if o.answerable {
            self.answerable += 1;
            self.hit1 += usize::from(o.hit_at_1());
            self.hit_k += usize::from(o.rank.is_some());
            self.reciprocal_rank += o.rank.map_or(0.0, |r| 1.0 / r as f64);
        } else {
            self.unanswerable += 1;
            self.abstained += usize::from(!o.confident);
        }
    }

    fn share(n: usize, of: usize) -> f64 {
        if of == 0 { 0.0 } else { n as f64 / of as f64 }
    }

    pub fn hit1_rate(&self) -> f64 {
        Self::share(self.hit1, self.answerable)
    }

    pub fn hit_k_rate(&self) -> f64 {
        Self::share(self.hit_k, self.answerable)
    }

    pub fn mrr(&self) -> f64 {
        if self.answerable == 0 {
            0.0
        } else {
            self.reciprocal_rank / self.answerable as f64
        }
    }

    pub fn abstention(&self) -> f64 {
        Self::share(self.abstained, self.unanswerable)
    }
}

/// The report `passagebot eval` prints, for outcomes of searches of `k` passages each
/// (so hit@k is labelled with the k that was used).
pub fn report(outcomes: &[Outcome], k: usize) -> String {
    let mut by_kind: BTreeMap<&str, Totals> = BTreeMap::new();
    let mut all = Totals::default();
    for o in outcomes {
        by_kind.entry(&o.kind).or_default().add(o);
        all.add(o);
    }
    // hit@k beside hit@1, except when k is 1: hit@1 (confident first) is then the
    // stricter measure under the same name, and two "hit@1" would read as a mistake.
    let hit_k = |t: &Totals, digits: usize| {
        if k > 1 {
            format!(" hit@{k}={:.digits$}", t.hit_k_rate())
        } else {
            String::new()
        }
    };
    let mut out = String::new();
    for (kind, t) in &by_kind {
        if t.answerable > 0 {
            out.push_str(&format!(
                "{kind:<16} n={:<4} hit@1={:.2}{} mrr={:.2}\n",
                t.answerable,
                t.hit1_rate(),
                hit_k(t, 2),
                t.mrr()
            ));
        }
        if t.unanswerable > 0 {
            out.push_str(&format!(
                "{kind:<16} n={:<4} abstention={:.2}\n",
                t.unanswerable,
                t.abstention()
            ));
        }
    }
    out.push_str(&format!(
        "\nanswerable {}: hit@1={:.3}{} MRR={:.3}; not answerable {}: abstention={:.3}\n",
        all.answerable,
        all.hit1_rate(),
        hit_k(&all, 3),
        all.mrr(),
        all.unanswerable,
        all.abstention()
    ));
    let missed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.right()).collect();
    if missed.is_empty() {
        out.push_str("No question missed.\n");
    } else {
        out.push_str(&format!("\nMissed ({}):\n", missed.len()));
        for o in missed {
            let why = match (o.answerable, o.rank, o.confident) {
                (false, _, _) => {
                    "answered confidently, but the documents do not cover it".to_string()
                }
                (true, Some(1), false) => "right passage first, but not confident".to_string(),
                (true, Some(r), _) => format!("right passage at rank {r}"),
                (true, None, _) => "right passage not in the results".to_string(),
            };
            out.push_str(&format!("  [{}] {} — {why}\n", o.kind, o.question));
            if let Some(top) = &o.top {
                let short: String = top.chars().take(90).collect();
                out.push_str(&format!("      top: {short}…\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(answerable: bool, rank: Option<usize>, confident: bool) -> Outcome {
        Outcome {
            question: "q".into(),
            kind: if answerable { "direct" } else { "offtopic" }.into(),
            answerable,
            rank,
            confident,
            top: None,
        }
    }

    #[test]
    fn metrics_follow_the_shared_scorer() {
        let mut t = Totals::default();
        for x in [
            o(true, Some(1), true),
            o(true, Some(1), false),
            o(true, Some(3), true),
            o(true, None, true),
        ] {
            t.add(&x);
        }
        t.add(&o(false, None, false));
        t.add(&o(false, Some(1), true));
        assert_eq!((t.hit1, t.hit_k, t.answerable), (1, 3, 4));
        assert!((t.mrr() - (1.0 + 1.0 + 1.0 / 3.0) / 4.0).abs() < 1e-9);
        assert_eq!(t.abstention(), 0.5);
    }

    /// Issue 23: the column said hit@3 whatever `--top` was.
    #[test]
    fn the_report_names_the_k_that_was_searched() {
        let outcomes = [o(true, Some(2), true), o(true, Some(1), true)];
        let five = report(&outcomes, 5);
        assert!(
            five.starts_with("direct           n=2    hit@1=0.50 hit@5=1.00 mrr=0.75\n"),
            "{five}"
        );
        assert!(
            five.contains("answerable 2: hit@1=0.500 hit@5=1.000 MRR=0.750;"),
            "{five}"
        );
        let one = report(&[o(true, Some(1), false)], 1);
        assert!(
            one.starts_with("direct           n=1    hit@1=0.00 mrr=1.00\n"),
            "{one}"
        );
        assert!(!five.contains("hit@3") && !one.contains("hit@3"));
    }

    #[test]
    fn hits_fold_quotes_and_refuse_long_passages() {
        assert!(hits("It is “Big Data.”", &["\"big data"].map(String::from)));
        assert!(!hits(&"x ".repeat(500), &["x".to_string()]));
    }

    #[test]
    fn parse_errors_name_the_line() {
        let err = parse("{\"q\":\"a\",\"gold\":[\"b\"]}\nnot json\n").expect_err("bad");
        assert!(err.starts_with("line 2:"), "{err}");
        let err = parse("{\"q\":\"a\"}").expect_err("no gold");
        assert!(err.contains("neither"), "{err}");
    }
}
