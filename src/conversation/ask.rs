//! The ask step every surface shares: search, apply the hand-over rule, log.
//! Surfaces only render the [`Asked`] it returns, so `ask`, `ask --json`, `chat`
//! and the bot cannot disagree about what an answer is or when a person helps.

use super::handoff::{self, Decision};
use super::library::Library;
use crate::engine::search::{Answer, Hit};
use crate::store::{NewQuestion, ShownPassage, Store};

/// One question, answered and judged.
#[derive(Debug, Clone)]
pub struct Asked {
    pub answer: Answer,
    /// What the hand-over rule decided for it.
    pub decision: Decision,
    /// The question log's id (the feedback buttons carry it); `None` when the
    /// surface keeps no log or the store failed.
    pub log_id: Option<i64>,
}

impl Asked {
    /// The passages are presented as an answer: the engine is confident and found some.
    pub fn covered(&self) -> bool {
        covered(&self.answer)
    }
}

/// Where and as whom a question is logged.
#[derive(Clone, Copy)]
pub struct Log<'a> {
    pub store: &'a Store,
    /// The person's key in the store ([`Store::person_key`]).
    pub person: &'a str,
    /// Which surface asked ("telegram").
    pub surface: &'a str,
}

/// Searches `question` (its first `top` passages), decides whether a person
/// serves it better, and logs it when `log` is given.
pub fn ask(
    library: &(impl Library + ?Sized),
    question: &str,
    top: usize,
    log: Option<Log<'_>>,
) -> crate::Result<Asked> {
    let answer = library.search(question, 0, top)?;
    Ok(judged(answer, log))
}

/// Applies the hand-over rule to an answer found by other means (a summary, a
/// follow-up's reading) and logs it when `log` is given.
pub fn judged(answer: Answer, log: Option<Log<'_>>) -> Asked {
    let mut asked = judge(answer);
    if let Some(log) = log {
        asked.log_id = record(log, &asked);
    }
    asked
}

/// Applies the hand-over rule to an answer (no search, no log).
fn judge(answer: Answer) -> Asked {
    let decision = handoff::decide(&answer.question, &answer);
    Asked {
        answer,
        decision,
        log_id: None,
    }
}

fn covered(answer: &Answer) -> bool {
    answer.confident && !answer.passages.is_empty()
}

/// Logs a question; a failing store is logged loudly but does not cost the answer.
pub(super) fn record(log: Log<'_>, asked: &Asked) -> Option<i64> {
    // Only passages presented as an answer are logged as shown.
    let shown: Vec<ShownPassage> = if asked.covered() {
        asked.answer.passages.iter().map(shown).collect()
    } else {
        Vec::new()
    };
    let codes = asked.decision.codes();
    // A known phrasing counts only where the passage was given as the answer.
    let asked_before = asked
        .answer
        .passages
        .first()
        .filter(|_| asked.covered())
        .and_then(|hit| hit.asked_before.as_deref());
    let entry = NewQuestion {
        asked_at: crate::store::now(),
        person: log.person,
        surface: log.surface,
        question: &asked.answer.question,
        confident: asked.answer.confident,
        coverage: asked.answer.confidence.coverage,
        passages: &shown,
        handover: &codes,
        asked_before,
    };
    match log.store.log_question(&entry) {
        Ok(id) => Some(id),
        Err(err) => {
            tracing::error!("could not log a question: {err}");
            None
        }
    }
}

/// A passage as the log keeps it: where it is, and a preview of its text.
pub fn shown(hit: &Hit) -> ShownPassage {
    let preview: String = hit.text.chars().take(160).collect();
    ShownPassage {
        source: hit.source.clone(),
        title: hit.title.clone(),
        paragraph: hit.paragraph,
        preview,
    }
}
