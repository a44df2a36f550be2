//! What the best passage lacks that the question plainly asks for: a
//! question can be close in meaning to one the documents answer and still
//! not be answered by them. "How much is tuition for the certificate?" is
//! near the author's bio, which gives no price; "What's the difference
//! between marketing and public relations?" is near "What is the difference
//! between sales and marketing?", but the documents never mention public
//! relations. Either makes an answer not confident, whatever the other
//! signals say, and `/why` tells which; unless a known phrasing nearly the
//! same as the question vouches for the passage ([`vouched`]).
//!
//! - [`expected`]: the kind of answer a question's form asks for (a year, a
//!   length of time, a number, an amount of money, a name) and whether a
//!   passage has anything of that kind;
//! - [`compared`]: the two sides of a comparison question.

pub mod compared;
pub mod expected;

use serde::Serialize;
use tantivy::tokenizer::TextAnalyzer;

use crate::engine::analysis;
use crate::engine::asked::Evidence;
use expected::Expected;

/// Words that only say what kind of thing a side is ("operations *roles*"):
/// a side is judged by its other words.
const GENERIC: &str = "role roles job jobs skill skills team teams department departments \
                       function functions side sides thing things field fields";

/// What the best passage lacks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lack {
    /// The question asks for this kind of answer and the passage has
    /// nothing of the kind.
    Expected(Expected),
    /// The question compares with this, which the documents never mention.
    UnknownSide(String),
}

impl Lack {
    /// The reason in words, as the end of "this one needs a person, because …".
    pub fn in_short(&self) -> String {
        match self {
            Lack::Expected(kind) => format!("the text gives no {}", kind.noun()),
            Lack::UnknownSide(side) => format!("the text never mentions “{side}”"),
        }
    }

    /// Why the answer is not confident, in a sentence for `/why`.
    pub fn explain(&self) -> String {
        match self {
            Lack::Expected(kind) => format!(
                "The question asks for {}, and the passage gives none.",
                kind.describe()
            ),
            Lack::UnknownSide(side) => format!(
                "The question compares with “{side}”, which the documents never mention, so they cannot say how the two differ."
            ),
        }
    }
}

/// A known phrasing at least this close (cosine) to the question vouches for
/// its passage against a rule: nearly the same question, paired with that
/// passage by a person. (Near-topic questions the rules catch came within 0.79
/// of a known one in the cross-validation folds: "What year did Joe Candido
/// start his career?" and "How many years of experience does Joe Candido have?".)
pub const VOUCHED_FROM: f32 = 0.85;

/// Whether known phrasings vouch for the passage `evidence` is about, against
/// `lack`: its closest phrasing is nearly the question ([`VOUCHED_FROM`]) and
/// does not plainly ask for something else ("How much is the UVM
/// certificate?" paired with the bio by an operator vouches for it when asked
/// "How much does the UVM certificate cost?"; "How many years …?" does not
/// when asked "What year …?"). A rule cannot see that a price is given as
/// "the fee is waived".
pub fn vouched(lack: &Lack, evidence: &Evidence) -> bool {
    evidence.similarity >= VOUCHED_FROM
        && match lack {
            Lack::Expected(kind) => {
                expected::of_question(&evidence.question).is_none_or(|k| k == *kind)
            }
            Lack::UnknownSide(side) => {
                compared::sides(&evidence.question).is_none_or(|(a, b)| a == *side || b == *side)
            }
        }
}

/// What `passage` (the best one) lacks for `question`, given the question's
/// terms the documents never use (stemmed as the analyser does; a word
/// corrected to a near one is not among them:
/// [`crate::engine::confidence::unknown_terms`]).
pub fn of(
    question: &str,
    passage: &str,
    unknown: &[&str],
    analyzer: &mut TextAnalyzer,
) -> Option<Lack> {
    if let Some(kind) = expected::of_question(question)
        && !expected::holds(kind, passage)
    {
        return Some(Lack::Expected(kind));
    }
    let (a, b) = compared::sides(question)?;
    let generic = analysis::terms(analyzer, GENERIC);
    [a, b]
        .into_iter()
        .find(|side| {
            let stems: Vec<String> = analysis::terms(analyzer, side)
                .into_iter()
                .filter(|s| !generic.contains(s))
                .collect();
            !stems.is_empty() && stems.iter().all(|s| unknown.contains(&s.as_str()))
        })
        .map(Lack::UnknownSide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::analysis::analyzer;

    #[test]
    fn a_side_the_documents_never_mention_is_lacking() {
        let mut a = analyzer();
        let q = "What's the difference between marketing and public relations?";
        assert_eq!(
            of(
                q,
                "Sales and marketing differ.",
                &["public", "relat"],
                &mut a
            ),
            Some(Lack::UnknownSide("public relations".into()))
        );
        // Both sides known: nothing lacks.
        let q = "What's the difference between marketing and sales?";
        assert_eq!(of(q, "Sales and marketing differ.", &[], &mut a), None);
        // A generic word does not make a side known or unknown by itself.
        assert_eq!(
            of(
                "Sales vs operations roles - how do they differ?",
                "",
                &["oper"],
                &mut a
            ),
            Some(Lack::UnknownSide("operations roles".into()))
        );
    }

    #[test]
    fn a_close_phrasing_lacking_the_same_vouches_for_its_passage() {
        let evidence = |question: &str, similarity: f32| Evidence {
            question: question.into(),
            similarity,
            close: 1,
            floor: 0.45,
            share: 1.0,
        };
        let money = Lack::Expected(Expected::Money);
        assert!(vouched(
            &money,
            &evidence("How much does the certificate cost?", 0.9)
        ));
        assert!(vouched(
            &money,
            &evidence("How much is the certificate?", 0.95)
        ));
        // Not close enough, or plainly asking for another kind.
        assert!(!vouched(
            &money,
            &evidence("How much does the certificate cost?", 0.8)
        ));
        assert!(!vouched(
            &money,
            &evidence("How many years of experience?", 0.9)
        ));
        let side = Lack::UnknownSide("public relations".into());
        assert!(vouched(
            &side,
            &evidence("How is marketing different from public relations?", 0.9)
        ));
        assert!(!vouched(
            &side,
            &evidence("What is the difference between sales and marketing?", 0.9)
        ));
    }

    #[test]
    fn a_kind_of_answer_the_passage_has_none_of_is_lacking() {
        let mut a = analyzer();
        let bio = "Joe Candido has more than 28 years of experience.";
        assert_eq!(
            of("What year did he start?", bio, &["start"], &mut a),
            Some(Lack::Expected(Expected::Year))
        );
        assert_eq!(of("How many years of experience?", bio, &[], &mut a), None);
        assert!(
            Lack::Expected(Expected::Money)
                .explain()
                .starts_with("The question asks for an amount of money")
        );
        assert_eq!(
            Lack::Expected(Expected::Money).in_short(),
            "the text gives no amount of money"
        );
    }
}
