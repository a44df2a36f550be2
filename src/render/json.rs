//! The `ask --json` line: exactly the fields the README promises, plus a few
//! extra ones (paragraph, heading, the confidence signal and its terms, the
//! hand-over decision, whether the best two tie) that keep their meaning.

use serde::Serialize;

use crate::conversation::dialogue::{ReplyKind, Turn};
use crate::conversation::handoff::Decision;
use crate::engine::ambiguity::{self, Ambiguity};
use crate::engine::confidence::{Confidence, TermWeight};
use crate::engine::search::Answer;

#[derive(Serialize)]
struct Line<'a> {
    question: &'a str,
    confident: bool,
    passages: Vec<PassageOut<'a>>,
    confidence: &'a Confidence,
    terms: &'a [TermWeight],
    handover: Handover,
    /// For "who wrote …?": the author, from the document's metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    /// For "what is the article called?": the document's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    titled: Option<&'a str>,
    /// When the two best passages tie and say different things, the surfaces ask
    /// which one the reader means ([`crate::engine::ambiguity`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    ambiguous: Option<Ambiguity>,
    /// For a question about a whole document: its title (the passages are its summary).
    #[serde(skip_serializing_if = "Option::is_none")]
    summarized: Option<&'a str>,
    /// When a known phrasing counted for a confident answer
    /// ([`Answer::asked_before`]): that question people asked before.
    #[serde(skip_serializing_if = "Option::is_none")]
    asked_before: Option<&'a str>,
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
    /// The best sentence's meaning similarity, when the semantic stage ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    sentence_similarity: Option<f32>,
    /// The score by words alone, before meaning was added.
    words: f32,
    /// The share of the question's weight this passage's words cover.
    coverage: f32,
    /// Byte range in `text` of the sentence that best answers the question.
    #[serde(skip_serializing_if = "Option::is_none")]
    answer_sentence: Option<(usize, usize)>,
    /// The closest known phrasing pointing at this passage ("a question people
    /// asked before"), when one is close to the question; its similarity, and
    /// how many of the passage's phrasings are close.
    #[serde(skip_serializing_if = "Option::is_none")]
    asked_before: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    asked_similarity: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    asked_close: Option<usize>,
    /// Its evidence ([`crate::engine::asked::Evidence::strength`]) and its
    /// share of the nearest phrasings' vote.
    #[serde(skip_serializing_if = "Option::is_none")]
    asked_strength: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    asked_share: Option<f32>,
}

/// A line of `chat --json` (and `ask --json`): the `ask --json` fields, with `question`
/// as it was typed, plus how the conversation read and answered it.
#[derive(Serialize)]
struct TurnLine<'a> {
    #[serde(flatten)]
    line: Line<'a>,
    reply_kind: ReplyKind,
    /// The question as understood in context (a follow-up's reading), or null.
    read_as: Option<&'a str>,
    /// The text shown instead of passages (small talk, a question asked back), or null.
    reply: Option<&'a str>,
    /// What the reply offers to pick from by number ("Which document?").
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    options: &'a [String],
}

/// One JSON object on one line, no trailing newline: `answer` and the hand-over
/// `decision` on it (from the ask step, [`crate::conversation::ask`]).
pub fn line(answer: &Answer, decision: &Decision) -> String {
    serialised(&of(answer, decision), answer)
}

/// One conversation turn as one JSON line: `question` is the message as typed.
pub fn turn_line(question: &str, turn: &Turn) -> String {
    let mut line = of(&turn.asked.answer, &turn.asked.decision);
    line.question = question;
    let out = TurnLine {
        line,
        reply_kind: turn.kind,
        read_as: turn.read_as.as_deref(),
        reply: turn.reply.as_deref(),
        options: &turn.options,
    };
    serialised(&out, &turn.asked.answer)
}

/// Serialising these plain structs cannot fail (no maps with non-string keys, no
/// custom serialisers); fall back to a valid line regardless.
fn serialised(out: &impl Serialize, answer: &Answer) -> String {
    serde_json::to_string(out).unwrap_or_else(|e| {
        serde_json::json!({"question": answer.question, "confident": false, "passages": [], "error": e.to_string()})
            .to_string()
    })
}

fn of<'a>(answer: &'a Answer, decision: &Decision) -> Line<'a> {
    Line {
        question: &answer.question,
        confident: answer.confident,
        passages: answer
            .passages
            .iter()
            .map(|h| PassageOut {
                text: &h.text,
                score: round3(h.score),
                source: &h.source,
                title: &h.title,
                paragraph: h.paragraph,
                heading: h.heading.as_deref(),
                highlights: &h.highlights,
                similarity: h.similarity.map(round3),
                sentence_similarity: h.sentence_similarity.map(round3),
                words: round3(h.words),
                coverage: round3(h.coverage),
                answer_sentence: h.answer_sentence,
                asked_before: h.asked.as_ref().map(|e| e.question.as_str()),
                asked_similarity: h.asked.as_ref().map(|e| round3(e.similarity)),
                asked_close: h.asked.as_ref().map(|e| e.close),
                asked_strength: h.asked.as_ref().map(|e| round3(e.strength())),
                asked_share: h.asked.as_ref().map(|e| round3(e.share)),
            })
            .collect(),
        confidence: &answer.confidence,
        terms: &answer.terms,
        author: answer.author.as_deref(),
        titled: answer.titled.as_deref(),
        ambiguous: ambiguity::of(answer).map(|a| Ambiguity {
            closeness: round3(a.closeness),
        }),
        handover: Handover {
            hand_over: decision.hand_over(),
            reasons: decision.reasons.iter().map(|r| r.code()).collect(),
            because: decision.because(),
        },
        summarized: answer.summarized.as_deref(),
        asked_before: answer.asked_before().map(|e| e.question.as_str()),
    }
}

/// Scores are printed to three decimals: more is noise.
fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}
