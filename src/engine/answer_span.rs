//! The answering sentence: which sentence of a passage says what was asked.
//!
//! A passage is up to ~700 characters and often several sentences; people
//! read the one that answers first. The engine already compares every
//! sentence's meaning with the question, so it can point at it, as the big
//! question-answering services mark the span that answers. The surfaces show
//! it in bold (Telegram), underlined (terminal) and as `answer_sentence`
//! (`ask --json`).

use crate::engine::analysis::Token;
use crate::engine::confidence::TermWeight;
use crate::engine::corpus::sentence;
use crate::engine::semantic::{self, PassageVectors};

/// How much the question's words in a sentence count beside its meaning
/// (the share of the question's weight it holds, 0..1, against a cosine).
const WORDS_WEIGHT: f32 = 0.5;

/// The byte range in `text` of the sentence that best answers the question:
/// the closest in meaning when the question was encoded (words breaking
/// near-ties), otherwise the one holding the most of the question's weight.
/// `None` when no sentence holds a question word and meaning was not
/// compared: then there is nothing to point at.
pub fn locate(
    text: &str,
    tokens: &[Token],
    terms: &[TermWeight],
    question: Option<&[f32]>,
    vectors: Option<&PassageVectors>,
) -> Option<(usize, usize)> {
    let ranges = sentence::sentences(text);
    if ranges.len() <= 1 {
        return ranges.first().map(|r| (r.start, r.end));
    }
    let total: f32 = terms
        .iter()
        .map(|t| t.weight)
        .sum::<f32>()
        .max(f32::EPSILON);
    let words = |r: &std::ops::Range<usize>| -> f32 {
        terms
            .iter()
            .filter(|t| {
                tokens
                    .iter()
                    .any(|tok| tok.term == t.term && tok.start >= r.start && tok.end <= r.end)
            })
            .map(|t| t.weight)
            .sum::<f32>()
            / total
    };
    // The stored sentence vectors are of the same split, one per sentence.
    let meaning = match (question, vectors) {
        (Some(q), Some(v)) if v.sentences.len() == ranges.len() => {
            Some(v.sentences.iter().map(|s| semantic::cosine(q, s)).collect())
        }
        _ => None::<Vec<f32>>,
    };
    let scored = ranges.iter().enumerate().map(|(i, r)| {
        let w = words(r);
        let score = match &meaning {
            Some(m) => m[i] + WORDS_WEIGHT * w,
            None => w,
        };
        (score, r)
    });
    let (score, best) =
        scored.fold(
            None,
            |acc: Option<(f32, &std::ops::Range<usize>)>, x| match acc {
                Some(a) if a.0 >= x.0 => Some(a),
                _ => Some(x),
            },
        )?;
    if meaning.is_none() && score <= 0.0 {
        return None;
    }
    Some((best.start, best.end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::analysis;

    fn term(t: &str, weight: f32) -> TermWeight {
        TermWeight {
            term: t.into(),
            corrected_from: None,
            weight,
            passages: 1,
            matched: true,
        }
    }

    #[test]
    fn by_words_the_sentence_holding_the_rare_words_wins() {
        let text = "Sales is direct. Marketing is data-driven and uses big data. The end.";
        let tokens = analysis::tokens(&mut analysis::analyzer(), text);
        let terms = [term("data", 2.0), term("market", 0.3)];
        let (s, e) = locate(text, &tokens, &terms, None, None).expect("a sentence");
        assert_eq!(&text[s..e], "Marketing is data-driven and uses big data.");
    }

    #[test]
    fn nothing_to_point_at_without_words_or_meaning() {
        let text = "One thing. Another thing.";
        let tokens = analysis::tokens(&mut analysis::analyzer(), text);
        assert_eq!(
            locate(text, &tokens, &[term("zebra", 1.0)], None, None),
            None
        );
        assert_eq!(locate("", &[], &[], None, None), None);
    }

    #[test]
    fn a_single_sentence_is_its_own_answer() {
        let text = "  Just one sentence here.  ";
        let (s, e) = locate(text, &[], &[], None, None).expect("the sentence");
        assert_eq!(&text[s..e], "Just one sentence here.");
    }

    #[test]
    fn by_meaning_the_closest_sentence_wins() {
        let text = "First about apples. Second about pears.";
        let q = vec![1.0, 0.0];
        let vectors = PassageVectors {
            passage: vec![0.5, 0.5],
            sentences: vec![vec![0.0, 1.0], vec![0.9, 0.1]],
        };
        let (s, e) = locate(text, &[], &[], Some(&q), Some(&vectors)).expect("a sentence");
        assert_eq!(&text[s..e], "Second about pears.");
    }
}
