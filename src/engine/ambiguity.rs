//! When the two best passages answer a question about equally well and say
//! different things, picking one silently is a coin toss the reader never sees.
//! The surfaces ask back instead ("Did you mean … or …?"), as a person at a help
//! desk would, and as Rasa's two-stage fallback does.
//!
//! Measured on the article's question sets (QUALITY.md, step 21): with the best
//! two within [`CLOSE`], about one confident answer in nine asks back, and two
//! unsure ones whose best passages are both close in meaning get the choice
//! instead of "not covered". No off-topic question does.

use serde::Serialize;

use crate::engine::confidence::SIMILARITY_THRESHOLD;
use crate::engine::search::{Answer, Hit};
use crate::engine::semantic::cosine;

/// The runner-up's score must reach this share of the best one's.
pub const CLOSE: f32 = 0.9;

/// Two passages whose embeddings are at least this similar say the same thing:
/// either answers, so there is nothing to ask.
pub const SAME_MEANING: f32 = 0.9;

/// The two best passages of an answer are both candidates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ambiguity {
    /// The runner-up's score as a share of the best one's (from [`CLOSE`] to 1).
    pub closeness: f32,
}

/// Whether `answer` (a first page: its passages start at the best one) should ask
/// back between its two best passages.
///
/// - They are close: the runner-up scores at least [`CLOSE`] of the best.
/// - They are different: not the same text or overlapping windows, not
///   neighbouring paragraphs of one document (which usually continue one
///   thought), and not [`SAME_MEANING`] by their embeddings.
/// - They are candidates at all: the answer is confident, or both passages are
///   at least [`SIMILARITY_THRESHOLD`] close in meaning to the question (an
///   unsure answer only because two passages tie).
/// - A question about who wrote a document, or its title, is answered by its
///   metadata.
pub fn of(answer: &Answer) -> Option<Ambiguity> {
    let [best, second, ..] = answer.passages.as_slice() else {
        return None;
    };
    if answer.author.is_some() || answer.titled.is_some() || best.score <= 0.0 {
        return None;
    }
    let closeness = second.score / best.score;
    if !(CLOSE..=1.0).contains(&closeness) || same_thing(best, second) {
        return None;
    }
    let near = |h: &Hit| h.similarity.is_some_and(|s| s >= SIMILARITY_THRESHOLD);
    (answer.confident || (near(best) && near(second))).then_some(Ambiguity { closeness })
}

fn same_thing(a: &Hit, b: &Hit) -> bool {
    let neighbours = a.source == b.source && a.paragraph.abs_diff(b.paragraph) <= 1;
    let alike = match (a.passage_vector(), b.passage_vector()) {
        (Some(x), Some(y)) => cosine(x, y) >= SAME_MEANING,
        _ => false,
    };
    a.repeats(b) || neighbours || alike
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::search::{test_answer as answer, test_hit};

    #[test]
    fn two_close_passages_far_apart_ask_back() {
        let a = answer(
            true,
            vec![
                test_hit("Marketing.", 3, 2.0, None),
                test_hit("Sales.", 8, 1.9, None),
            ],
        );
        let amb = of(&a).expect("close and apart");
        assert!((amb.closeness - 0.95).abs() < 1e-6);
    }

    #[test]
    fn a_clear_lead_neighbours_copies_and_one_passage_do_not() {
        let lead = answer(
            true,
            vec![
                test_hit("Marketing.", 3, 2.0, None),
                test_hit("Sales.", 8, 1.7, None),
            ],
        );
        assert_eq!(of(&lead), None, "0.85 of the best is a lead");
        let neighbours = answer(
            true,
            vec![
                test_hit("Marketing.", 3, 2.0, None),
                test_hit("Sales.", 4, 2.0, None),
            ],
        );
        assert_eq!(
            of(&neighbours),
            None,
            "paragraphs 3 and 4 go on one thought"
        );
        let copies = answer(
            true,
            vec![
                test_hit("Same.", 3, 2.0, None),
                test_hit("Same.", 9, 2.0, None),
            ],
        );
        assert_eq!(of(&copies), None, "the same text twice");
        assert_eq!(
            of(&answer(true, vec![test_hit("One.", 3, 2.0, None)])),
            None
        );
        let mut author = answer(
            true,
            vec![
                test_hit("By Jo.", 1, 2.0, None),
                test_hit("Jo teaches.", 9, 2.0, None),
            ],
        );
        author.author = Some("Jo".into());
        assert_eq!(of(&author), None, "the metadata answers who wrote it");
    }

    #[test]
    fn passages_alike_in_meaning_say_the_same_thing_and_do_not_ask_back() {
        use crate::engine::search::test_hit_with_vector;
        // Unit vectors, as the encoder gives: at angle `a`, cosine cos(a).
        let v = |a: f32| vec![a.cos(), a.sin(), 0.0];
        let alike = answer(
            true,
            vec![
                test_hit_with_vector("Point 27 is about price.", 28, 2.0, v(0.0)),
                test_hit_with_vector("Point 21 is about price.", 22, 1.98, v(0.1)),
            ],
        );
        assert_eq!(of(&alike), None, "cosine 0.995");
        let apart = answer(
            true,
            vec![
                test_hit_with_vector("Marketing is data.", 3, 2.0, v(0.0)),
                test_hit_with_vector("Sales is people.", 8, 1.98, v(0.8)),
            ],
        );
        assert!(of(&apart).is_some(), "cosine 0.70");
    }

    #[test]
    fn an_unsure_answer_asks_back_only_when_both_are_close_in_meaning() {
        let both = answer(
            false,
            vec![
                test_hit("Marketing.", 3, 2.0, Some(0.63)),
                test_hit("Sales.", 8, 2.0, Some(0.59)),
            ],
        );
        assert!(of(&both).is_some());
        // An off-topic question sharing the article's words ("Which CRM should my
        // sales team buy?") ties its passages too, but neither is close in meaning.
        let off_topic = answer(
            false,
            vec![
                test_hit("Marketing.", 3, 2.0, Some(0.45)),
                test_hit("Sales.", 8, 2.0, Some(0.41)),
            ],
        );
        assert_eq!(of(&off_topic), None);
        let words_only = answer(
            false,
            vec![
                test_hit("Marketing.", 3, 2.0, None),
                test_hit("Sales.", 8, 2.0, None),
            ],
        );
        assert_eq!(of(&words_only), None);
    }
}
