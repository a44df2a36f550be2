//! The answer to a question about a whole document ("What is it about?", "the
//! conclusion?"): sentences of its summary ([`crate::engine::summary`], chosen when
//! the index was built), each quoted and cited as its own passage.

use crate::engine::confidence::Confidence;
use crate::engine::search::{Answer, DocSummary, Hit};
use crate::engine::summary::{Line, Role};

/// What a question about a whole document asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// What it is about, its gist, main point, takeaways: the whole argument.
    Whole,
    /// How it ends: its conclusion and the central sentences of its second half.
    Conclusion,
}

/// The answer to a question about `doc` as a whole: at most `top` of its summary's
/// sentences, each its own passage, in document order (the conclusion first when
/// the conclusion is asked for). Confident when the document
/// has a summary (a document of only short lines has none).
pub fn answer(question: &str, doc: &DocSummary, focus: Focus, top: usize) -> Answer {
    let lines = &doc.summary;
    let mut chosen: Vec<&Line> = match focus {
        Focus::Whole => {
            // The opening claim and the conclusion first, then the most central.
            let mut by_priority: Vec<&Line> = lines.iter().collect();
            by_priority.sort_by_key(|l| match l.role {
                Role::Opening => (0, l.rank),
                Role::Conclusion => (1, l.rank),
                Role::Central => (2, l.rank),
            });
            by_priority
        }
        Focus::Conclusion => {
            let middle = lines.iter().map(|l| l.order).max().unwrap_or(0) / 2;
            let mut late: Vec<&Line> = lines
                .iter()
                .filter(|l| {
                    l.role == Role::Conclusion || l.role == Role::Central && l.order > middle
                })
                .collect();
            late.sort_by_key(|l| (l.role != Role::Conclusion, l.rank));
            late
        }
    };
    chosen.truncate(top.max(1));
    // Document order; "how does it end?" is answered by the conclusion first,
    // then the late sentences that lead to it.
    chosen.sort_by_key(|l| {
        (
            focus == Focus::Conclusion && l.role != Role::Conclusion,
            l.order,
        )
    });
    let passages: Vec<Hit> = chosen
        .iter()
        .map(|l| {
            // Scores fall with centrality, so "best first" still means something
            // to a reader of the JSON, while the order is the document's.
            let score = 1.0 / (1.0 + l.rank as f32);
            Hit::quoted(&l.text, doc, l.paragraph, u64::from(l.order), score)
        })
        .collect();
    let confident = !passages.is_empty();
    Answer {
        confident,
        passages,
        confidence: Confidence {
            confident,
            ..Confidence::NONE
        },
        summarized: Some(doc.title.clone()),
        ..Answer::empty(question)
    }
}
