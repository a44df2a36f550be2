//! The `ask --json` line: exactly the fields DESIGN.md promises, plus a few
//! extra ones (paragraph, heading, the confidence signal and its terms, the
//! hand-over decision) that keep their meaning.

use serde::Serialize;

use crate::confidence::{Confidence, TermWeight};
use crate::conversation::handoff::Decision;
use crate::search::Answer;

#[derive(Serialize)]
struct Line<'a> {
    question: &'a str,
    confident: bool,
    passages: Vec<PassageOut<'a>>,
    confidence: &'a Confidence,
    terms: &'a [TermWeight],
    handover: Handover,
}

/// What the hand-over rule ([`crate::conversation::handoff`]) decided for the question.
#[derive(Serialize)]
struct Handover {
    hand_over: bool,
    /// Stable codes of the parts of the rule that fired ("not_covered", "pricing", …).
    reasons: Vec<&'static str>,
    /// The same in words ("" when the rule did not fire).
    because: String,
}

#[derive(Serialize)]
struct PassageOut<'a> {
    text: &'a str,
    score: f32,
    source: &'a str,
    title: &'a str,
    paragraph: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    heading: Option<&'a str>,
    highlights: &'a [(usize, usize)],
    /// Meaning similarity to the question (cosine), when the semantic stage ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    similarity: Option<f32>,
}

/// One JSON object on one line, no trailing newline: `answer` and the hand-over
/// `decision` on it (from the ask step, [`crate::conversation::ask`]).
pub fn line(answer: &Answer, decision: &Decision) -> String {
    let out = Line {
        question: &answer.question,
        confident: answer.confident,
        passages: answer
            .passages
            .iter()
            .map(|h| PassageOut {
                text: &h.text,
                score: (h.score * 1000.0).round() / 1000.0,
                source: &h.source,
                title: &h.title,
                paragraph: h.paragraph,
                heading: h.heading.as_deref(),
                highlights: &h.highlights,
                similarity: h.similarity.map(|s| (s * 1000.0).round() / 1000.0),
            })
            .collect(),
        confidence: &answer.confidence,
        terms: &answer.terms,
        handover: Handover {
            hand_over: decision.hand_over(),
            reasons: decision.reasons.iter().map(|r| r.code()).collect(),
            because: decision.because(),
        },
    };
    // Serialising these plain structs cannot fail (no maps with non-string
    // keys, no custom serialisers); fall back to a valid line regardless.
    serde_json::to_string(&out).unwrap_or_else(|e| {
        serde_json::json!({"question": answer.question, "confident": false, "passages": [], "error": e.to_string()})
            .to_string()
    })
}
